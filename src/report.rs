//! The `status` report: the public JSON contract scripts depend on, and its text rendering.

use crate::config::Level;
use crate::ensemble::observation::{ConfigSource, Observation};
use crate::health::Health;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    /// The ensemble's name from the config, or the connect string.
    pub ensemble: String,
    /// "ok", "warn", "critical", or "unreachable" (nothing answered).
    pub state: &'static str,
    pub leader: Option<u64>,
    /// Hex as ZooKeeper prints it (`0x100000000`), or null when no member told us.
    pub config_version: Option<String>,
    pub config_source: ConfigSource,
    /// When `config_source` is `previous`: when a live member last gave that membership.
    pub config_seen_at: Option<String>,
    pub quorum: QuorumReport,
    pub members: Vec<MemberReport>,
    pub problems: Vec<String>,
    pub elapsed_ms: f64,
    /// The busiest member's load score, its driver and which member (null: none known).
    pub load: Option<crate::load::EnsembleLoad>,
    /// The scaling advisor's suggestions with their evidence (a single look gives the
    /// structural ones: voter count and tolerance).
    pub advice: Vec<crate::advisor::Advice>,
    /// Whether the servers run with dynamic reconfig: `enabled`, `disabled` (membership
    /// changes by editing zoo.cfg and restarting), or `unknown`.
    pub reconfig: crate::ensemble::mode::ReconfigMode,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuorumReport {
    pub voters: usize,
    pub observers: usize,
    pub quorum_size: usize,
    pub live_voters: usize,
    /// More voter failures survived now; 0 when the quorum is lost (see `has_quorum`).
    pub tolerance: usize,
    pub has_quorum: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberReport {
    pub id: Option<u64>,
    pub address: String,
    pub role: &'static str,
    pub voting: Option<bool>,
    pub latency_avg_ms: Option<f64>,
    pub latency_max_ms: Option<f64>,
    pub outstanding: Option<i64>,
    pub connections: Option<i64>,
    pub znodes: Option<i64>,
    pub zxid: Option<String>,
    /// Transactions behind the leader (same epoch only), null when unknown.
    pub lag: Option<u64>,
    pub probe_ms: f64,
    pub source: crate::ensemble::member::MetricsSource,
    pub error: Option<String>,
    pub hint: Option<String>,
    pub breaches: Vec<crate::alerts::Breach>,
    /// Figures over the window between two readings (`status --window S`); null otherwise.
    pub window: Option<crate::history::window::Window>,
    /// `{"score", "driver"}`: 1.0 = a signal at its critical threshold; null when silent.
    pub load: Option<crate::load::Load>,
    /// The ZooKeeper release it runs ("3.8.0"), null when its probe did not say.
    pub version: Option<String>,
}

pub use crate::ensemble::config::hex;

impl StatusReport {
    pub fn new(name: &str, obs: &Observation, health: &Health) -> StatusReport {
        let mut problems = health.problems.clone();
        let mut level = health.level;
        if obs.config.is_none() && !obs.members.is_empty() {
            // The quorum figures below are then a guess; a script must not read them as fact.
            level = level.max(Level::Warn);
            problems.push(format!(
                "membership unknown: no member answered `conf` and none was seen before; \
                 counting the {} address{} given as the voters",
                obs.members.len(),
                if obs.members.len() == 1 { "" } else { "es" }
            ));
        }
        let state = if health.reachable == 0 {
            "unreachable"
        } else {
            match level {
                Level::Ok => "ok",
                Level::Warn => "warn",
                Level::Critical => "critical",
            }
        };
        let members =
            obs.members
                .iter()
                .zip(&health.breaches)
                .map(|(m, b)| MemberReport {
                    id: m.id,
                    address: m.address.clone(),
                    role: m.role.as_str(),
                    voting: m.voting,
                    latency_avg_ms: m.metric_f64("avg_latency"),
                    latency_max_ms: m.metric_f64("max_latency"),
                    outstanding: m.metric_i64("outstanding_requests"),
                    connections: m.metric_i64("num_alive_connections"),
                    znodes: m.metric_i64("znode_count"),
                    zxid: m.zxid.map(hex),
                    lag: m.zxid.zip(health.leader_zxid).and_then(|(z, l)| {
                        crate::alerts::zxid_lag(z, l, m.role.synced_with_leader())
                    }),
                    probe_ms: (m.probe_ms * 10.0).round() / 10.0,
                    source: m.source,
                    error: m.error.clone(),
                    hint: m.hint.clone(),
                    breaches: b.clone(),
                    window: None,
                    load: None,
                    version: crate::ensemble::versions::member_version(m),
                })
                .collect();
        StatusReport {
            ensemble: name.to_string(),
            state,
            leader: health.leader,
            config_version: health.config_version.map(hex),
            config_source: obs.config_source,
            config_seen_at: None,
            quorum: QuorumReport {
                voters: health.voters,
                observers: health.observers,
                quorum_size: health.quorum_size,
                live_voters: health.live_voters,
                tolerance: health.tolerance.unwrap_or(0),
                has_quorum: health.has_quorum,
            },
            members,
            problems,
            elapsed_ms: (obs.elapsed.as_secs_f64() * 10000.0).round() / 10.0,
            load: None,
            advice: Vec::new(),
            reconfig: crate::ensemble::mode::ReconfigMode::Unknown,
        }
    }

    /// The membership was the remembered one, last seen live at `seen_at`: say so, and that
    /// it may be stale, since the operator will act on those ids.
    pub fn with_remembered(mut self, seen_at: std::time::SystemTime) -> StatusReport {
        if self.config_source == ConfigSource::Previous {
            let at = crate::timefmt::rfc3339(seen_at);
            self.problems.push(format!(
                "membership remembered from {at}: no live member could tell the current one \
                 (it may have changed since)"
            ));
            self.config_seen_at = Some(at);
        }
        self
    }

    /// Each member's figures over a window, in the order of `members` (see `status --window`).
    pub fn with_windows(mut self, windows: &[Option<crate::history::window::Window>]) -> Self {
        for (m, w) in self.members.iter_mut().zip(windows) {
            m.window = *w;
        }
        self
    }

    /// Each member's load score (windowed signals from `windows`, same order as the
    /// members, when known), the ensemble's, and the structural advice.
    pub fn with_load(
        mut self,
        obs: &Observation,
        health: &Health,
        windows: &[Option<crate::history::window::Windows>],
        config: &crate::config::Config,
    ) -> Self {
        for (i, (r, m)) in self.members.iter_mut().zip(&obs.members).enumerate() {
            let w = windows.get(i).copied().flatten();
            r.load = crate::load::member_load(
                m,
                w.as_ref(),
                &config.thresholds,
                &config.load.weights,
                health.leader_zxid,
            );
        }
        self.load =
            crate::load::ensemble_load(self.members.iter().map(|m| (m.id, m.load.as_ref())));
        // Without a membership the voter count is a guess: no advice on a guess.
        if obs.config.is_some() {
            let r = crate::advisor::Reading {
                voters: health.voters,
                observers: health.observers,
                ..Default::default()
            };
            self.advice = crate::advisor::structural(&r, &config.advisor);
        }
        self
    }

    /// The reconfig mode, and the members' disagreement about the membership (problem lines
    /// naming who holds which list: a warning, since a restart would change the quorum).
    pub fn with_membership(
        mut self,
        mode: crate::ensemble::mode::ReconfigMode,
        disagreement: Vec<String>,
    ) -> StatusReport {
        self.reconfig = mode;
        if !disagreement.is_empty() && self.state == "ok" {
            self.state = "warn";
        }
        self.problems.extend(disagreement);
        self
    }

    /// 0 ok, 1 warning, 2 critical, 3 nothing reachable.
    pub fn exit_code(&self) -> i32 {
        match self.state {
            "ok" => 0,
            "warn" => 1,
            "critical" => 2,
            _ => 3,
        }
    }

    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let q = &self.quorum;
        let _ = writeln!(
            s,
            "{}  state {}  config {}  leader {}",
            self.ensemble,
            self.state.to_uppercase(),
            self.config_version.as_deref().unwrap_or("unknown"),
            self.leader.map_or("none".into(), |l| l.to_string()),
        );
        let margin = if q.has_quorum {
            format!(
                "can lose {} more voter{}",
                q.tolerance,
                if q.tolerance == 1 { "" } else { "s" }
            )
        } else if self
            .problems
            .iter()
            .any(|p| p.starts_with("quorum unknown"))
        {
            "QUORUM UNKNOWN".to_string()
        } else {
            "QUORUM LOST".to_string()
        };
        let _ = writeln!(
            s,
            "voters {}  observers {}  quorum {}  live voters {}  {}",
            q.voters, q.observers, q.quorum_size, q.live_voters, margin
        );
        if let Some(at) = &self.config_seen_at {
            let _ = writeln!(s, "membership as last seen live at {at}");
        }
        if let Some(l) = &self.load {
            let _ = writeln!(s, "{}", load_line(l));
        }
        if let Some(v) = versions_line(&self.members) {
            let _ = writeln!(s, "{v}");
        }
        match self.reconfig {
            crate::ensemble::mode::ReconfigMode::Unknown => {}
            crate::ensemble::mode::ReconfigMode::Enabled => {
                let _ = writeln!(s, "reconfig enabled (dynamic membership)");
            }
            crate::ensemble::mode::ReconfigMode::Disabled => {
                let _ = writeln!(
                    s,
                    "reconfig disabled (static server lists: membership changes by zoo.cfg edits and restarts)"
                );
            }
        }
        s.push('\n');
        s.push_str(&row([
            "ID",
            "ADDRESS",
            "ROLE",
            "VOTE",
            "LAT avg/max",
            "OUTST",
            "CONNS",
            "ZNODES",
            "ZXID",
            "LAG",
            "PROBE",
            "NOTE",
        ]));
        let dash = || "-".to_string();
        for m in &self.members {
            let lat = match (m.latency_avg_ms, m.latency_max_ms) {
                (Some(a), Some(x)) => format!("{a:.1}/{x:.0}"),
                _ => dash(),
            };
            let note = m
                .error
                .clone()
                .or_else(|| m.breaches.first().map(|b| b.to_string()))
                .unwrap_or_default();
            let id = m.id.map_or("?".into(), |i| i.to_string());
            let vote = match m.voting {
                Some(true) => "yes",
                Some(false) => "no",
                None => "?",
            };
            let outstanding = m.outstanding.map_or_else(dash, |v| v.to_string());
            let connections = m.connections.map_or_else(dash, |v| v.to_string());
            let znodes = m.znodes.map_or_else(dash, |v| v.to_string());
            let zxid = m.zxid.clone().unwrap_or_else(dash);
            let lag = m.lag.map_or_else(dash, |v| v.to_string());
            let probe = format!("{:.1}ms", m.probe_ms);
            s.push_str(&row([
                &id,
                &m.address,
                m.role,
                vote,
                &lat,
                &outstanding,
                &connections,
                &znodes,
                &zxid,
                &lag,
                &probe,
                &note,
            ]));
        }
        if !self.problems.is_empty() {
            let _ = writeln!(s, "\nproblems:");
            for p in &self.problems {
                let _ = writeln!(s, "  - {p}");
            }
        }
        if !self.advice.is_empty() {
            let _ = writeln!(s, "\nadvice:");
            for a in &self.advice {
                let _ = writeln!(s, "  - {}", a.line());
            }
        }
        s
    }
}

/// `load 0.42 (member 2: latency_window_ms; 1.0 = at the critical threshold)`.
pub fn load_line(l: &crate::load::EnsembleLoad) -> String {
    let who = l.member.map_or(String::new(), |m| format!("member {m}: "));
    format!(
        "load {:.2} ({who}{}; 1.0 = at the critical threshold)",
        l.score, l.driver
    )
}

/// "version 3.8.0", or "versions 1,2 3.8.0; 3 3.9.1" when they differ (None: none known).
pub fn versions_line(members: &[MemberReport]) -> Option<String> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for m in members {
        let Some(v) = &m.version else { continue };
        let who = m.id.map_or_else(|| m.address.clone(), |i| i.to_string());
        match groups.iter_mut().find(|(g, _)| g == v) {
            Some((_, w)) => w.push(who),
            None => groups.push((v.clone(), vec![who])),
        }
    }
    match groups.as_slice() {
        [] => None,
        [(v, _)] => Some(format!("version {v}")),
        _ => {
            let parts: Vec<String> = groups
                .iter()
                .map(|(v, w)| format!("{} {v}", w.join(",")))
                .collect();
            Some(format!("versions {}", parts.join("; ")))
        }
    }
}

fn row(c: [&str; 12]) -> String {
    format!(
        "{:>3}  {:<21} {:<12} {:<4} {:>11} {:>5} {:>5} {:>6} {:>13} {:>6} {:>8}  {}\n",
        c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11]
    )
    .trim_end()
    .to_string()
        + "\n"
}
