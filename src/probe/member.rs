//! Probing one member: `mntr` and `srvr` in parallel (plus the AdminServer when configured),
//! classified into one typed snapshot. A member is never "up" just because it answered: a
//! process that replies "not serving" is shown as such.

use super::parse::{
    parse_admin_monitor, parse_admin_zabstate, parse_isro, parse_mntr, parse_srvr, Isro, Reply,
    Srvr, ZabState,
};
use super::transport::{four_letter_word, http_get, TransportError};
use super::types::{MetricValue, Metrics, Role, ServerMode};
use serde::Serialize;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeTarget {
    /// The server id, when known from the membership.
    pub id: Option<u64>,
    /// `host:port` of the client port.
    pub address: String,
    /// Base URL of the member's AdminServer (`http://host:8080`).
    pub admin_url: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct ProbeOptions {
    /// Bounds each network exchange, connect included.
    pub timeout: Duration,
    pub reply_cap: usize,
    /// Ask the AdminServer's `zabstate` (whether the member votes) too. The console asks
    /// only now and then: the membership already says who votes.
    pub zabstate: bool,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_millis(1500),
            reply_cap: super::transport::DEFAULT_REPLY_CAP,
            zabstate: true,
        }
    }
}

/// Where the metrics came from: the richest source that answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MetricsSource {
    Mntr,
    AdminMonitor,
    Srvr,
    None,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberSnapshot {
    pub id: Option<u64>,
    pub address: String,
    pub role: Role,
    /// The mode the server itself reported, before membership is taken into account.
    pub mode: Option<ServerMode>,
    /// Whether it votes: from the AdminServer, or from the membership once known.
    pub voting: Option<bool>,
    pub zxid: Option<u64>,
    pub metrics: Metrics,
    pub source: MetricsSource,
    /// Round trip of this probe as the console saw it.
    pub probe_ms: f64,
    pub error: Option<String>,
    /// What the operator can do about `error` or a degraded source.
    pub hint: Option<String>,
    #[serde(skip)]
    pub zab: Option<ZabState>,
}

impl MemberSnapshot {
    pub fn metric(&self, key: &str) -> Option<&MetricValue> {
        self.metrics.get(key)
    }

    pub fn metric_f64(&self, key: &str) -> Option<f64> {
        self.metrics.get(key).and_then(MetricValue::as_f64)
    }

    pub fn metric_i64(&self, key: &str) -> Option<i64> {
        self.metrics.get(key).and_then(MetricValue::as_i64)
    }
}

/// The line an operator adds to zoo.cfg so the console gets full metrics.
pub fn whitelist_hint(command: &str) -> String {
    format!(
        "`{command}` is refused: add it to 4lw.commands.whitelist in zoo.cfg \
         (e.g. `4lw.commands.whitelist=srvr,mntr,conf,isro,ruok`) or give the console the \
         member's AdminServer URL (--admin ID=URL); showing srvr figures only"
    )
}

pub async fn probe_member(target: &ProbeTarget, opts: ProbeOptions) -> MemberSnapshot {
    let started = Instant::now();
    let addr = target.address.as_str();
    let fourlw = |cmd: &'static str| four_letter_word(addr, cmd, opts.timeout, opts.reply_cap);
    let admin = |cmd: &'static str| {
        let url = target.admin_url.clone();
        async move {
            match url {
                Some(u) => Some(
                    http_get(
                        &u,
                        &format!("/commands/{cmd}"),
                        opts.timeout,
                        opts.reply_cap,
                    )
                    .await,
                ),
                None => None,
            }
        }
    };
    let zabstate = async {
        if opts.zabstate {
            admin("zabstate").await
        } else {
            None
        }
    };
    let (mntr, srvr, zab) = tokio::join!(fourlw("mntr"), fourlw("srvr"), zabstate);
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
        snap.zab = parse_admin_zabstate(*status, body).ok();
    }

    // Both 4lw failed at the transport level: the process is gone or hung.
    if let (Err(e1), Err(_)) = (&mntr, &srvr) {
        snap.role = match e1 {
            TransportError::Refused(_) | TransportError::Unresolved { .. } => Role::Down,
            TransportError::Timeout { .. } => Role::Unresponsive,
            _ => Role::Error,
        };
        snap.error = Some(e1.to_string());
        return snap;
    }

    let srvr = srvr.as_ref().ok().map(|t| parse_srvr(t));
    let mntr = mntr.as_ref().ok().map(|t| parse_mntr(t));
    match (&mntr, &srvr) {
        (Some(Ok(Reply::NotServing)), _) | (_, Some(Ok(Reply::NotServing))) => {
            snap.role = Role::NotServing;
            snap.error =
                Some("not currently serving requests (no quorum or still electing)".into());
            // Only a read-only server still serves while out of quorum; `isro` tells.
            if let Ok(text) = four_letter_word(addr, "isro", opts.timeout, opts.reply_cap).await {
                if let Ok(Reply::Ok(Isro::ReadOnly)) = parse_isro(&text) {
                    snap.role = Role::ReadOnly;
                    snap.error = None;
                }
            }
            if let Some(Ok(Reply::Ok(s))) = &srvr {
                fill_from_srvr(&mut snap, s);
            }
        }
        (Some(Ok(Reply::Ok(metrics))), srvr_reply) => {
            snap.metrics = metrics.clone();
            snap.source = MetricsSource::Mntr;
            if let Some(Ok(Reply::Ok(s))) = srvr_reply {
                snap.zxid = s.zxid;
                snap.mode = s.mode;
            }
            snap.mode = snap.mode.or_else(|| mode_from_metrics(&snap.metrics));
            snap.role = role_of(snap.mode);
        }
        (Some(Ok(Reply::NotWhitelisted { command })), Some(Ok(Reply::Ok(s)))) => {
            fill_from_srvr(&mut snap, s);
            snap.role = role_of(snap.mode);
            // The AdminServer is often open where 4lw are locked down: use it for full metrics.
            match admin("monitor").await {
                Some(Ok((status, body))) => match parse_admin_monitor(status, &body) {
                    Ok(Reply::Ok(m)) => {
                        snap.metrics.extend(m);
                        snap.source = MetricsSource::AdminMonitor;
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
        (m, s) => {
            snap.role = Role::Error;
            let why = [
                m.as_ref().map(|r| r.as_ref().err()),
                s.as_ref().map(|r| r.as_ref().err()),
            ]
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.to_string())
            .next();
            snap.error = Some(match why {
                Some(e) => format!("unexpected reply: {e}"),
                None => "no usable reply to mntr or srvr".into(),
            });
            if let Some(Ok(Reply::Ok(s))) = s {
                fill_from_srvr(&mut snap, s);
                snap.role = role_of(snap.mode);
                snap.error = None;
            }
        }
    }
    if let Some(z) = &snap.zab {
        snap.voting = z.voting;
        snap.zxid = snap.zxid.or(z.last_zxid);
    }
    snap
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
