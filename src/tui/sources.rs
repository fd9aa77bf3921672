//! Background sources feeding the console: one poller per member (a hung member only ever
//! holds up its own poller), and a membership watcher over a ZooKeeper session.

use crate::app::Msg;
use crate::config::{Credentials, Level};
use crate::ensemble::EnsembleConfig;
use crate::probe::member::{probe_member, MemberSnapshot, ProbeOptions, ProbeTarget};
use crate::probe::member_conf::member_conf;
use crate::probe::round::ConfigSource;
use crate::probe::secure::TlsPorts;
use crate::probe::transport::{four_letter_word_within, Budget};
use crate::probe::types::{Role, ServerMode};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;
use tokio::time::{sleep, sleep_until, Instant};

pub struct Pollers {
    pub gen: u64,
    tx: UnboundedSender<Msg>,
    opts: ProbeOptions,
    refresh: Duration,
    /// Every poller's rounds fall on `epoch + k * refresh`: the members are probed together,
    /// so an idle console wakes once a round instead of once per member.
    epoch: Instant,
    /// By member and address: on one host, members the membership gives no client address
    /// share an assumed one, and each must still be asked who answers there.
    running: HashMap<(Option<u64>, String), (ProbeTarget, JoinHandle<()>)>,
    /// Shared with the membership watcher, for its `conf` fallback.
    pub known: Arc<Mutex<Vec<String>>>,
    /// Every how many rounds the pollers ask `srvr` (see `SrvrDue`); shared with them so the
    /// fleet can ask every round of the ensemble whose console is open.
    srvr_every: Arc<AtomicU64>,
}

impl Pollers {
    pub fn new(tx: UnboundedSender<Msg>, opts: ProbeOptions, refresh: Duration) -> Self {
        Self {
            gen: 0,
            tx,
            opts,
            refresh,
            epoch: Instant::now(),
            running: HashMap::new(),
            known: Arc::new(Mutex::new(Vec::new())),
            srvr_every: Arc::new(AtomicU64::new(1)),
        }
    }

    /// Rounds fall on `epoch + k * refresh` from the given `epoch` (the fleet gives all its
    /// ensembles one, each moved by its phase).
    pub fn with_epoch(mut self, epoch: Instant) -> Self {
        self.epoch = epoch;
        self
    }

    /// Asks `srvr` every `rounds` rounds only (1: every round, as the lone console does).
    pub fn set_srvr_every(&self, rounds: u64) {
        self.srvr_every.store(rounds.max(1), Ordering::Relaxed);
    }

    /// Starts pollers for new targets, stops those no longer wanted; unchanged ones keep going.
    pub fn set(&mut self, targets: Vec<ProbeTarget>) {
        let wanted: HashMap<(Option<u64>, String), ProbeTarget> = targets
            .into_iter()
            .map(|t| ((t.id, t.address.clone()), t))
            .collect();
        self.running.retain(|key, (t, h)| {
            let keep = wanted.get(key) == Some(t);
            if !keep {
                h.abort();
            }
            keep
        });
        for (key, t) in wanted {
            if self.running.contains_key(&key) {
                continue;
            }
            let handle = tokio::spawn(poll(
                self.gen,
                t.clone(),
                self.opts,
                Schedule {
                    epoch: self.epoch,
                    every: self.refresh,
                },
                self.srvr_every.clone(),
                self.tx.clone(),
            ));
            self.running.insert(key, (t, handle));
        }
        if let Ok(mut k) = self.known.lock() {
            let mut addrs: Vec<String> = self.running.keys().map(|(_, a)| a.clone()).collect();
            addrs.sort();
            addrs.dedup();
            *k = addrs;
        }
    }

    pub fn stop(&mut self) {
        for (_, (_, h)) in self.running.drain() {
            h.abort();
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Schedule {
    epoch: Instant,
    every: Duration,
}

impl Schedule {
    /// The first round boundary after `now` (a round that overran skips the slots it missed).
    fn next_after(self, now: Instant) -> Instant {
        let every = self.every.as_nanos().max(1);
        let since = now.saturating_duration_since(self.epoch).as_nanos();
        let slots = since / every + 1;
        self.epoch + Duration::from_nanos((slots * every).min(u64::MAX as u128) as u64)
    }

    /// The round `at` falls in, counted from the epoch: the same for every member of the
    /// ensemble, so members started at different times still ask `srvr` in the same round.
    fn slot(self, at: Instant) -> u64 {
        let since = at.saturating_duration_since(self.epoch).as_nanos();
        (since / self.every.as_nanos().max(1)) as u64
    }
}

async fn poll(
    gen: u64,
    target: ProbeTarget,
    opts: ProbeOptions,
    schedule: Schedule,
    srvr_every: Arc<AtomicU64>,
    tx: UnboundedSender<Msg>,
) {
    // A phased schedule starts at its phase; an unphased one (epoch now or past) at once.
    sleep_until(schedule.epoch).await;
    let mut conf_due = ConfDue::default();
    let mut srvr_due = SrvrDue::default();
    for round in 0u64.. {
        let started = Instant::now();
        let ask_srvr = srvr_due.now(schedule.slot(started), srvr_every.load(Ordering::Relaxed));
        let opts = ProbeOptions {
            zabstate: round % 10 == 0,
            srvr: ask_srvr,
            ..opts
        };
        // `conf` runs beside the probe, under the same deadline: the round still ends within
        // one timeout, and this member never has more than one exchange of each in flight.
        let ask_conf = conf_due.now(round);
        let conf = async {
            match ask_conf {
                true => member_conf(&target, opts).await,
                false => None,
            }
        };
        let (mut snap, conf) = tokio::join!(probe_member(&target, opts), conf);
        srvr_due.saw(&mut snap, ask_srvr);
        conf_due.saw(&snap, ask_conf && conf.is_some());
        let msg = Msg::Probed {
            gen,
            target: target.clone(),
            snap: Box::new(snap),
            at: started.into_std(),
        };
        if tx.send(msg).is_err() {
            return;
        }
        if let Some((id, config)) = conf {
            if tx.send(Msg::MemberConf { gen, id, config }).is_err() {
                return;
            }
        }
        sleep_until(schedule.next_after(Instant::now())).await;
    }
}

/// When a poller asks its member for `conf` (its own server list). Not every round: the list
/// changes only when the member restarts (static) or a reconfig commits, and `conf` is the
/// largest reply after `mntr`. So every `CONF_EVERY` rounds, and at once (next round) when
/// the member's zxid epoch moved (a new election: a restart with an edited list elects),
/// or when it answers again after silence (a member that never answers `conf`, e.g. not
/// whitelisted, is asked only every `CONF_EVERY` rounds).
#[derive(Debug, Default)]
struct ConfDue {
    epoch: Option<u64>,
    alive: bool,
    /// Something changed since the last `conf` that answered.
    stale: bool,
}

const CONF_EVERY: u64 = 10;

impl ConfDue {
    fn now(&self, round: u64) -> bool {
        round.is_multiple_of(CONF_EVERY) || self.stale
    }

    fn saw(&mut self, snap: &MemberSnapshot, conf_answered: bool) {
        let epoch = snap.zxid.map(|z| z >> 32);
        let alive = snap.role.is_alive();
        let moved = (epoch.is_some() && epoch != self.epoch) || (alive && !self.alive);
        if conf_answered {
            self.stale = false;
        } else if moved {
            self.stale = true;
        }
        if epoch.is_some() {
            self.epoch = epoch;
        }
        self.alive = alive;
    }
}

/// When a poller asks its member for `srvr` besides `mntr`. On 3.6+ `mntr` tells the mode and
/// every figure; `srvr` adds only the zxid (shown, compared with the leader's for the lag,
/// and its epoch tells `ConfDue` of an election). A fleet of a thousand members saves a
/// connection per member per round by asking it every `every` rounds (all members of an
/// ensemble in the same round, so their zxids compare), and at once (next round) when the
/// member's mode, role or election count moved, or when it answered without a zxid while
/// `srvr` was not asked and none is known. Between readings the member's last zxid is kept on
/// its snapshot. `probe_member` asks `srvr` anyway when `mntr` does not tell the mode.
#[derive(Debug, Default)]
struct SrvrDue {
    zxid: Option<u64>,
    /// The role and mode of the last answer (`None` before the first).
    seen: Option<(Role, Option<ServerMode>)>,
    /// `zk_cnt_election_time` of the last answer (3.6+): it moves with every election the
    /// member took part in, even one too short for a round to see it not serving.
    elections: Option<i64>,
    stale: bool,
}

impl SrvrDue {
    fn now(&self, slot: u64, every: u64) -> bool {
        every <= 1 || slot.is_multiple_of(every) || self.stale || self.seen.is_none()
    }

    fn saw(&mut self, snap: &mut MemberSnapshot, asked: bool) {
        let seen = Some((snap.role, snap.mode));
        let elections = snap.metric_i64("cnt_election_time");
        let moved = (self.seen.is_some() && seen != self.seen)
            || (self.elections.is_some() && elections != self.elections);
        if asked || snap.zxid.is_some() {
            self.zxid = snap.zxid;
            self.stale = false;
        } else if snap.role.is_alive() {
            // Not asked this round: the zxid of the last reading, while the member answers.
            snap.zxid = self.zxid;
            self.stale = self.zxid.is_none();
        }
        self.stale |= moved;
        self.seen = seen;
        self.elections = elections;
    }
}

/// Where a new session should go: the members probed now first (the hosts given at start
/// may have been removed), then the given hosts.
pub fn connect_now(given: &str, known: &Mutex<Vec<String>>) -> String {
    let now: Vec<String> = known.lock().map(|k| k.clone()).unwrap_or_default();
    crate::probe::round::session_connect(given, &now)
}

/// How sessions reach one ensemble: its connect string, credentials and TLS settings.
pub struct Reach {
    pub connect: String,
    pub credentials: Option<Credentials>,
    pub tls: TlsPorts,
}

/// Follows `/zookeeper/config` with a watch over a session; while no session can be had
/// (quorum lost, `conf` still whitelisted elsewhere), polls `conf` on the known members.
pub fn watch_membership(
    gen: u64,
    reach: Reach,
    known: Arc<Mutex<Vec<String>>>,
    opts: ProbeOptions,
    refresh: Duration,
    tx: UnboundedSender<Msg>,
) -> JoinHandle<()> {
    let Reach {
        connect,
        credentials,
        tls,
    } = reach;
    tokio::spawn(async move {
        // Once a session was had, losing it and getting one back are events.
        let mut lost: Option<String> = None;
        let mut had = false;
        // Session attempts that failed in a row, and when the next one is due: a member
        // refusing sessions (maxClientCnxns reached, auth failing) is not asked every round.
        let mut failed = 0u32;
        let mut session_due = tokio::time::Instant::now();
        let say = |level: Level, text: String| {
            let _ = tx.send(Msg::Session {
                gen,
                at: std::time::SystemTime::now(),
                level,
                text,
            });
        };
        loop {
            if tx.is_closed() {
                return;
            }
            let target = connect_now(&connect, &known);
            let attempt = if tokio::time::Instant::now() >= session_due {
                let session = crate::zk::connect_watch_session(
                    &target,
                    opts.timeout,
                    credentials.as_ref(),
                    &tls,
                );
                Some(session.await)
            } else {
                None
            };
            match attempt {
                None => {}
                Some(Ok(client)) => {
                    failed = 0;
                    if let Some(why) = lost.take() {
                        say(
                            Level::Ok,
                            format!("membership watch reconnected (after: {why})"),
                        );
                    }
                    had = true;
                    let why = follow_config(gen, &client, opts.timeout, &tx).await;
                    tracing::info!(error = %why, "membership watch interrupted");
                    if tx.is_closed() {
                        return;
                    }
                    say(
                        Level::Warn,
                        format!("membership watch: {why}; opening a new session"),
                    );
                    lost = Some(why);
                }
                Some(Err(e)) => {
                    tracing::info!(error = %e, "no session for the membership watch");
                    if had && lost.is_none() {
                        lost = Some(e.to_string());
                    }
                    failed = failed.saturating_add(1);
                    session_due = tokio::time::Instant::now() + session_backoff(failed);
                }
            }
            let addrs: Vec<String> = known.lock().map(|k| k.clone()).unwrap_or_default();
            for addr in addrs {
                let budget = Budget::starting_now(opts.timeout);
                // Known addresses include assumed ones, which take TLS from the seed's port.
                let client = tls.client_for(&addr, true);
                let conf =
                    four_letter_word_within(&addr, client.as_ref(), "conf", budget, opts.reply_cap);
                if let Ok(text) = conf.await {
                    if let Ok(cfg) = EnsembleConfig::parse(&text) {
                        if !cfg.servers.is_empty() {
                            let _ = tx.send(Msg::Membership {
                                gen,
                                config: cfg,
                                source: ConfigSource::Conf,
                            });
                            break;
                        }
                    }
                }
            }
            sleep(refresh.max(Duration::from_secs(2))).await;
        }
    })
}

/// How long after `failed` session attempts in a row the next one waits: 2 s doubling to
/// 32 s. `conf` keeps the membership current meanwhile, so only the watch comes later.
fn session_backoff(failed: u32) -> Duration {
    Duration::from_secs(2u64 << failed.saturating_sub(1).min(4))
}

/// Reads `/zookeeper/config` and re-reads it on each change (each read with a deadline),
/// until the session fails; returns why.
async fn follow_config(
    gen: u64,
    client: &zookeeper_client::Client,
    timeout: Duration,
    tx: &UnboundedSender<Msg>,
) -> String {
    loop {
        let read = tokio::time::timeout(timeout * 2, client.get_and_watch_config()).await;
        let (data, stat, watcher) = match read {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => return e.to_string(),
            Err(_) => return format!("no answer within {} ms", (timeout * 2).as_millis()),
        };
        let text = String::from_utf8_lossy(&data);
        if let Ok(mut cfg) = EnsembleConfig::parse(&text) {
            cfg.version = cfg.version.or(Some(stat.mzxid as u64));
            let msg = Msg::Membership {
                gen,
                config: cfg,
                source: ConfigSource::Znode,
            };
            if tx.send(msg).is_err() {
                return "the console closed".into();
            }
        }
        // The watch fires on change (and when the session ends); the timer re-reads in case
        // an event was lost across a reconnect.
        tokio::select! {
            _ = watcher.changed() => {}
            _ = sleep(Duration::from_secs(30)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::session_backoff;

    #[test]
    fn session_attempts_back_off_from_2_to_32_seconds() {
        let secs: Vec<u64> = (1..=7).map(|n| session_backoff(n).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 32, 32]);
    }

    use super::*;

    #[test]
    fn rounds_fall_on_the_shared_boundaries_and_an_overrun_skips_what_it_missed() {
        let epoch = Instant::now();
        let s = Schedule {
            epoch,
            every: Duration::from_millis(1000),
        };
        let ms = Duration::from_millis;
        assert_eq!(s.next_after(epoch), epoch + ms(1000));
        assert_eq!(s.next_after(epoch + ms(10)), epoch + ms(1000));
        assert_eq!(s.next_after(epoch + ms(999)), epoch + ms(1000));
        assert_eq!(s.next_after(epoch + ms(1000)), epoch + ms(2000));
        // A member that took 1.5 s to time out is probed again with the others at 2 s.
        assert_eq!(s.next_after(epoch + ms(1500)), epoch + ms(2000));
        assert_eq!(s.next_after(epoch + ms(3700)), epoch + ms(4000));
    }

    fn snap(role: Role, zxid: Option<u64>) -> MemberSnapshot {
        MemberSnapshot {
            id: Some(1),
            address: "a:1".into(),
            role,
            mode: None,
            voting: None,
            zxid,
            metrics: Default::default(),
            source: crate::ensemble::member::MetricsSource::None,
            probe_ms: 0.0,
            error: None,
            hint: None,
            zab: None,
        }
    }

    #[test]
    fn the_round_number_is_the_ensembles_not_the_pollers() {
        let epoch = Instant::now();
        let s = Schedule {
            epoch,
            every: Duration::from_millis(1000),
        };
        let ms = Duration::from_millis;
        assert_eq!(s.slot(epoch), 0);
        assert_eq!(s.slot(epoch + ms(999)), 0);
        assert_eq!(s.slot(epoch + ms(1003)), 1);
        assert_eq!(s.slot(epoch + ms(10_020)), 10);
    }

    #[test]
    fn srvr_is_asked_every_few_rounds_and_after_a_change_and_the_zxid_is_kept_between() {
        let mut d = SrvrDue::default();
        let leader = |zxid, elections: i64| {
            let mut s = MemberSnapshot {
                mode: Some(ServerMode::Leader),
                ..snap(Role::Leader, zxid)
            };
            let n = crate::probe::types::MetricValue::Int(elections);
            s.metrics.insert("cnt_election_time".into(), n);
            s
        };
        assert!(d.now(3, 10), "the first round asks");
        d.saw(&mut leader(Some(0x1_0000_0005), 1), true);
        assert!(!d.now(4, 10));
        assert!(d.now(10, 10));
        assert!(d.now(4, 1), "every round when asked to");
        let mut s = leader(None, 1);
        d.saw(&mut s, false);
        assert_eq!(s.zxid, Some(0x1_0000_0005), "kept from the last srvr");
        assert!(!d.now(5, 10));
        // An election the rounds did not see as not serving: the count moved.
        d.saw(&mut leader(None, 2), false);
        assert!(d.now(6, 10));
        d.saw(&mut leader(Some(0x2_0000_0000), 2), true);
        assert!(!d.now(7, 10));
        // Stopped answering, then back as a follower: asked at once.
        let mut down = snap(Role::Down, None);
        d.saw(&mut down, false);
        assert_eq!(down.zxid, None, "a silent member has no zxid of now");
        assert!(d.now(8, 10));
        d.saw(&mut snap(Role::Down, None), true);
        assert!(!d.now(9, 10));
        d.saw(&mut snap(Role::Follower, None), false);
        assert!(d.now(11, 10));
    }

    #[test]
    fn conf_is_asked_now_and_then_and_after_an_election_or_a_return() {
        let mut d = ConfDue::default();
        assert!(d.now(0));
        d.saw(&snap(Role::Follower, Some(0x1_0000_0005)), true);
        assert!(!d.now(1));
        d.saw(&snap(Role::Follower, Some(0x1_0000_0009)), false);
        assert!(!d.now(2), "same epoch: nothing to re-read");
        assert!(d.now(CONF_EVERY));
        // Restarted with an edited list: a new epoch.
        d.saw(&snap(Role::Leader, Some(0x2_0000_0000)), false);
        assert!(d.now(3));
        d.saw(&snap(Role::Leader, Some(0x2_0000_0001)), true);
        assert!(!d.now(4));
        d.saw(&snap(Role::Down, None), false);
        assert!(!d.now(5));
        d.saw(&snap(Role::Follower, Some(0x2_0000_0001)), false);
        assert!(d.now(6), "answers again after silence");
    }
}
