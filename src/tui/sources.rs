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
use std::collections::HashMap;
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
        }
    }

    /// Moves every round `phase` later: the fleet spreads its ensembles over the interval so
    /// they do not all probe in the same millisecond (the first round waits for it too).
    pub fn with_phase(mut self, phase: Duration) -> Self {
        self.epoch += phase;
        self
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
}

async fn poll(
    gen: u64,
    target: ProbeTarget,
    opts: ProbeOptions,
    schedule: Schedule,
    tx: UnboundedSender<Msg>,
) {
    // A phased schedule starts at its phase; an unphased one (epoch now or past) at once.
    sleep_until(schedule.epoch).await;
    let mut conf_due = ConfDue::default();
    for round in 0u64.. {
        let started = Instant::now();
        let opts = ProbeOptions {
            zabstate: round % 10 == 0,
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
        let (snap, conf) = tokio::join!(probe_member(&target, opts), conf);
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
            match crate::zk::connect_watch_session(
                &target,
                opts.timeout,
                credentials.as_ref(),
                &tls,
            )
            .await
            {
                Ok(client) => {
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
                Err(e) => {
                    tracing::info!(error = %e, "no session for the membership watch");
                    if had && lost.is_none() {
                        lost = Some(e.to_string());
                    }
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
    use super::*;
    use crate::ensemble::member::Role;

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
