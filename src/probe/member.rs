//! Probing one member: `mntr` and `srvr` in parallel (plus the AdminServer when configured),
//! classified into one typed snapshot. A member is never "up" just because it answered: a
//! process that replies "not serving" is shown as such.

use super::parse::{
    parse_admin_monitor, parse_admin_zabstate, parse_conf, parse_isro, parse_mntr, parse_srvr,
    Isro, ParseError, Reply, Srvr,
};
use super::transport::{four_letter_word_within, http_get_within, Budget, TransportError};
use super::types::{MetricValue, Metrics, Role, ServerMode};
pub use crate::ensemble::member::{whitelist_hint, MemberSnapshot, MetricsSource, ProbeTarget};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct ProbeOptions {
    /// Bounds a whole probe of a member: every exchange, connect included, shares it.
    pub timeout: Duration,
    pub reply_cap: usize,
    /// Ask the AdminServer's `zabstate` (whether the member votes) too. The console asks
    /// only now and then: the membership already says who votes.
    pub zabstate: bool,
    /// Ask `srvr` beside `mntr`. On 3.6+ `mntr` tells the mode and every figure; `srvr` adds
    /// only the zxid, so a poller may skip it on most rounds (see `tui::sources`). Skipped, it
    /// is still asked after a `mntr` that did not say the mode (refused, not serving, 3.5).
    pub srvr: bool,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_millis(1500),
            reply_cap: super::transport::DEFAULT_REPLY_CAP,
            zabstate: true,
            srvr: true,
        }
    }
}

/// Probes one member, finishing within one `opts.timeout` in all: every exchange, the
/// follow-ups included (`isro`, the AdminServer's `monitor`), shares one deadline.
pub async fn probe_member(target: &ProbeTarget, opts: ProbeOptions) -> MemberSnapshot {
    let started = Instant::now();
    let budget = Budget::starting_now(opts.timeout);
    let addr = target.address.as_str();
    let tls = target.tls.as_ref();
    let fourlw =
        |cmd: &'static str| four_letter_word_within(addr, tls, cmd, budget, opts.reply_cap);
    let admin = |cmd: &'static str| {
        let url = target.admin_url.clone();
        async move {
            let u = url?;
            let path = format!("/commands/{cmd}");
            Some(http_get_within(&u, &path, budget, opts.reply_cap).await)
        }
    };
    let zabstate = async {
        match opts.zabstate {
            true => admin("zabstate").await,
            false => None,
        }
    };
    // Who answers at an address the membership did not give: the member's own word.
    let conf = async {
        match target.verify_id {
            true => Some(fourlw("conf").await),
            false => None,
        }
    };
    let srvr = async {
        match opts.srvr {
            true => Some(fourlw("srvr").await),
            false => None,
        }
    };
    let (mntr, srvr, zab, conf) = tokio::join!(fourlw("mntr"), srvr, zabstate, conf);
    // Not asked beside it, `srvr` is asked after a `mntr` that did not tell the mode.
    let srvr = match srvr {
        None if srvr_still_needed(&mntr) => Some(fourlw("srvr").await),
        s => s,
    };
    let probe_ms = started.elapsed().as_secs_f64() * 1000.0;

    let mut snap = MemberSnapshot {
        id: target.id,
        address: target.address.clone(),
        role: Role::Error,
        mode: None,
        voting: None,
        zxid: None,
        metrics: Metrics::new(),
        source: MetricsSource::None,
        probe_ms,
        error: None,
        hint: None,
        zab: None,
    };
    if let Some(Ok((status, body))) = &zab {
        match parse_admin_zabstate(*status, body) {
            Ok(z) => snap.zab = Some(z),
            Err(e) if e.not_zookeeper => return discredited(snap, "AdminServer zabstate", &e),
            Err(_) => {}
        }
    }
    let isro = || fourlw("isro");
    classify(&mut snap, mntr, srvr, isro, admin).await;
    if let Some(conf) = conf {
        identify(&mut snap, target, conf);
    }
    if let Some(z) = snap.zab.as_ref().filter(|_| snap.role != Role::Error) {
        snap.voting = z.voting;
        snap.zxid = snap.zxid.or(z.last_zxid);
    }
    if snap.role == Role::Error && snap.error.is_none() {
        snap.error = Some("neither mntr nor srvr said which mode the server is in".into());
    }
    snap
}

type Fetched = Result<String, TransportError>;

/// After `mntr` alone: whether `srvr` may still tell something (the mode of a member whose
/// `mntr` is refused, not serving or pre-3.6). Not when nothing listens or nothing answers.
fn srvr_still_needed(mntr: &Fetched) -> bool {
    match mntr {
        Ok(text) => !text.contains("zk_server_state"),
        Err(
            TransportError::Refused(_)
            | TransportError::Timeout { .. }
            | TransportError::Unresolved { .. },
        ) => false,
        Err(_) => true,
    }
}

/// The member's role and figures from its `mntr` and `srvr` replies (`None`: `srvr` not
/// asked), with the follow-ups they call for (`isro`, the AdminServer's `monitor`: closures
/// bound to the probe's deadline).
async fn classify<I, IFut, A, AFut>(
    snap: &mut MemberSnapshot,
    mntr: Fetched,
    srvr: Option<Fetched>,
    isro: I,
    admin: A,
) where
    I: FnOnce() -> IFut,
    IFut: std::future::Future<Output = Fetched>,
    A: FnOnce(&'static str) -> AFut,
    AFut: std::future::Future<Output = Option<HttpFetched>>,
{
    // Both 4lw failed at the transport level (or `mntr` did, `srvr` not asked): the process
    // is gone or hung.
    if let (Err(e1), None | Some(Err(_))) = (&mntr, &srvr) {
        snap.role = match e1 {
            TransportError::Refused(_) | TransportError::Unresolved { .. } => Role::Down,
            TransportError::Timeout { .. } => Role::Unresponsive,
            _ => Role::Error,
        };
        snap.error = Some(e1.to_string());
        return;
    }
    let srvr = srvr.as_ref().and_then(answered).map(parse_srvr);
    let mut mntr = answered(&mntr).map(parse_mntr);
    // A reply that is not ZooKeeper's discredits the peer: nothing it said is kept.
    let failures = [
        ("mntr", mntr.as_ref().and_then(|r| r.as_ref().err())),
        ("srvr", srvr.as_ref().and_then(|r| r.as_ref().err())),
    ];
    if let Some((cmd, Some(e))) = failures
        .iter()
        .find(|(_, e)| e.is_some_and(|e| e.not_zookeeper))
    {
        *snap = discredited(snap.clone(), cmd, e);
        return;
    }
    match (&mntr, &srvr) {
        (Some(Ok(Reply::NotServing)), _) | (_, Some(Ok(Reply::NotServing))) => {
            snap.role = Role::NotServing;
            snap.error =
                Some("not currently serving requests (no quorum or still electing)".into());
            // Only a read-only server still serves while out of quorum; `isro` tells.
            if let Ok(text) = isro().await {
                match parse_isro(&text) {
                    Ok(Reply::Ok(Isro::ReadOnly)) => {
                        snap.role = Role::ReadOnly;
                        snap.error = None;
                    }
                    Err(e) if e.not_zookeeper => {
                        *snap = discredited(snap.clone(), "isro", &e);
                        return;
                    }
                    _ => {}
                }
            }
            if let Some(Ok(Reply::Ok(s))) = &srvr {
                fill_from_srvr(snap, s);
            }
        }
        (Some(Ok(Reply::Ok(_))), srvr_reply) => {
            // Moved, not copied: ~500 figures, every member, every round.
            if let Some(Ok(Reply::Ok(metrics))) = mntr.take() {
                snap.metrics = metrics;
            }
            snap.source = MetricsSource::Mntr;
            if let Some(Ok(Reply::Ok(s))) = srvr_reply {
                snap.zxid = s.zxid;
                snap.mode = s.mode;
            }
            snap.mode = snap.mode.or_else(|| mode_from_metrics(&snap.metrics));
            snap.role = role_of(snap.mode);
        }
        (Some(Ok(Reply::NotWhitelisted { command })), Some(Ok(Reply::Ok(s)))) => {
            fill_from_srvr(snap, s);
            snap.role = role_of(snap.mode);
            // The AdminServer is often open where 4lw are locked down: use it for full metrics.
            match admin("monitor").await {
                Some(Ok((status, body))) => match parse_admin_monitor(status, &body) {
                    Ok(Reply::Ok(m)) => {
                        snap.metrics.extend(m);
                        snap.source = MetricsSource::AdminMonitor;
                    }
                    Err(e) if e.not_zookeeper => {
                        *snap = discredited(snap.clone(), "AdminServer monitor", &e);
                    }
                    _ => snap.hint = Some(whitelist_hint(command)),
                },
                _ => snap.hint = Some(whitelist_hint(command)),
            }
        }
        (_, Some(Ok(Reply::NotWhitelisted { command }))) => {
            snap.error = Some(format!(
                "`{command}` is not whitelisted; the console needs at least srvr"
            ));
            snap.hint = Some(whitelist_hint(command));
        }
        (_, s) => {
            snap.role = Role::Error;
            let why = failures.iter().find_map(|(_, e)| *e).map(|e| e.to_string());
            snap.error = Some(match why {
                Some(e) => format!("unexpected reply: {e}"),
                None => "no usable reply to mntr or srvr".into(),
            });
            if let Some(Ok(Reply::Ok(s))) = s {
                fill_from_srvr(snap, s);
                snap.role = role_of(snap.mode);
                snap.error = None;
            }
        }
    }
}

type HttpFetched = Result<(u16, String), TransportError>;

/// The text of a reply that arrived; an empty one (closed without a word) is no reply.
fn answered(r: &Fetched) -> Option<&str> {
    r.as_ref()
        .ok()
        .map(String::as_str)
        .filter(|t| !t.trim().is_empty())
}

/// A member whose reply was not ZooKeeper's: an error quoting it, and none of its figures.
pub fn discredited(snap: MemberSnapshot, command: &str, e: &ParseError) -> MemberSnapshot {
    MemberSnapshot {
        role: Role::Error,
        mode: None,
        voting: None,
        zxid: None,
        metrics: Metrics::new(),
        source: MetricsSource::None,
        error: Some(format!("{command}: {e}")),
        hint: None,
        zab: None,
        ..snap
    }
}

/// Settles who answered: the id the member reports in `conf`, else in `zabstate`. At an
/// assumed address (the target has an id), an answer from another member, or one that
/// cannot say, is not this member's: the row becomes `Unknown` and keeps no figures.
fn identify(snap: &mut MemberSnapshot, target: &ProbeTarget, conf: Fetched) {
    if says_nothing(snap) {
        return;
    }
    let conf = match answered(&conf).map(parse_conf) {
        Some(Err(e)) if e.not_zookeeper => {
            *snap = discredited(snap.clone(), "conf", &e);
            return;
        }
        Some(Ok(Reply::Ok(c))) => c.server_id,
        _ => None,
    };
    let said = conf.or_else(|| snap.zab.as_ref().and_then(|z| z.myid));
    let Some(want) = target.id else {
        snap.id = said.or(snap.id);
        return;
    };
    let why = match said {
        Some(id) if id == want => return,
        Some(other) => format!("{} answers as member {other}", target.address),
        None if !snap.role.is_alive() => format!("nothing answers at {}", target.address),
        None => format!("the member at {} does not say its id", target.address),
    };
    *snap = unknown_address(snap.clone(), want, &why);
}

/// An error with no figures: a rejected reply, or no usable one. Such a peer's word on who
/// it is (its `conf`) counts for nothing.
pub fn says_nothing(snap: &MemberSnapshot) -> bool {
    snap.role == Role::Error && snap.source == MetricsSource::None
}

/// The row of a member whose client address is not known.
pub fn unknown_address(snap: MemberSnapshot, id: u64, why: &str) -> MemberSnapshot {
    MemberSnapshot {
        id: Some(id),
        role: Role::Unknown,
        mode: None,
        voting: None,
        zxid: None,
        metrics: Metrics::new(),
        source: MetricsSource::None,
        error: Some(format!(
            "client address unknown ({why}, the address was assumed): name it in --connect \
             or add `;port` to its server line"
        )),
        hint: None,
        zab: None,
        ..snap
    }
}

fn fill_from_srvr(snap: &mut MemberSnapshot, s: &Srvr) {
    for (k, v) in s.to_metrics() {
        snap.metrics.entry(k).or_insert(v);
    }
    if snap.source == MetricsSource::None {
        snap.source = MetricsSource::Srvr;
    }
    snap.zxid = s.zxid;
    snap.mode = s.mode;
}

fn mode_from_metrics(m: &Metrics) -> Option<ServerMode> {
    match m.get("server_state")? {
        MetricValue::Text(t) => ServerMode::parse(t),
        _ => None,
    }
}

fn role_of(mode: Option<ServerMode>) -> Role {
    match mode {
        Some(ServerMode::Leader) => Role::Leader,
        Some(ServerMode::Follower) => Role::Follower,
        Some(ServerMode::Observer) => Role::Observer,
        Some(ServerMode::Standalone) => Role::Standalone,
        Some(ServerMode::ReadOnly) => Role::ReadOnly,
        None => Role::Error,
    }
}
