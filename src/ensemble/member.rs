//! What probing a member tells: its role, mode, metrics and where it was probed. Pure data,
//! shared by the probes that produce it, the model, the domain and the renderer.

use serde::Serialize;

/// What a member is doing, as far as the probe could tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Leader,
    Follower,
    Observer,
    Standalone,
    ReadOnly,
    /// A follower that does not vote: a joiner before `reconfig -add`, or a removed server.
    NonVoting,
    /// The process answers but is not part of a working quorum.
    NotServing,
    /// Connection refused: no process listens.
    Down,
    /// Connected (or tried to) but no answer within the probe timeout.
    Unresponsive,
    /// It answered with something we could not understand.
    Error,
    /// Not known: the membership gives no client address for it, and the one assumed could
    /// not be confirmed as this member's (another member answered there, or none could say).
    /// Unknown is not down: the quorum is not judged lost on its account.
    Unknown,
}

impl Role {
    /// Serving under the current leader, which only happens after syncing with it.
    pub fn synced_with_leader(self) -> bool {
        matches!(
            self,
            Role::Leader | Role::Follower | Role::Observer | Role::NonVoting
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Follower => "follower",
            Role::Observer => "observer",
            Role::Standalone => "standalone",
            Role::ReadOnly => "read-only",
            Role::NonVoting => "non-voting",
            Role::NotServing => "not-serving",
            Role::Down => "down",
            Role::Unresponsive => "unresponsive",
            Role::Error => "error",
            Role::Unknown => "unknown",
        }
    }

    /// Serving client requests with a working quorum (read-only serves reads but has no quorum).
    pub fn is_serving(self) -> bool {
        matches!(
            self,
            Role::Leader | Role::Follower | Role::Observer | Role::Standalone | Role::NonVoting
        )
    }

    /// The process answered at all (for `Unknown`: no answer from it is known).
    pub fn is_alive(self) -> bool {
        !matches!(self, Role::Down | Role::Unresponsive | Role::Unknown)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // pad, not write_str: `{role:<13}` in a table must line up.
        f.pad(self.as_str())
    }
}

/// The `Mode:` of `srvr` or `zk_server_state` of `mntr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServerMode {
    Leader,
    Follower,
    Observer,
    Standalone,
    ReadOnly,
}

impl ServerMode {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "leader" => Some(Self::Leader),
            "follower" => Some(Self::Follower),
            "observer" => Some(Self::Observer),
            "standalone" => Some(Self::Standalone),
            "read-only" | "read_only" | "readonly" => Some(Self::ReadOnly),
            _ => None,
        }
    }
}

pub use super::metrics::{MetricText, MetricValue, Metrics};

use super::tls::TlsClient;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeTarget {
    /// The server id, when known from the membership.
    pub id: Option<u64>,
    /// `host:port` of the client port.
    pub address: String,
    /// Base URL of the member's AdminServer (`http://host:8080`).
    pub admin_url: Option<String>,
    /// Ask the member who it is (`conf`'s `serverId`) and take its word: set for an address
    /// the membership did not give (assumed, or a seed whose id is not known yet). With `id`
    /// set, an answer from another member makes the row `Unknown` instead of misplaced.
    pub verify_id: bool,
    /// The TLS client when the client port speaks TLS.
    pub tls: Option<TlsClient>,
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

#[cfg(test)]
impl MemberSnapshot {
    /// A voter that answered `mntr` with no figures, for tests to fill in what they check.
    pub(crate) fn voter_for_tests(id: u64, role: Role) -> MemberSnapshot {
        MemberSnapshot {
            id: Some(id),
            address: format!("127.0.0.1:{}", 4000 + id),
            role,
            mode: None,
            voting: Some(true),
            zxid: None,
            metrics: Metrics::default(),
            source: MetricsSource::Mntr,
            probe_ms: 1.0,
            error: None,
            hint: None,
            zab: None,
        }
    }
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

/// AdminServer `zabstate`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct ZabState {
    pub myid: Option<u64>,
    pub is_leader: Option<bool>,
    pub voting: Option<bool>,
    pub last_zxid: Option<u64>,
    pub zab_epoch: Option<u64>,
    /// `None` also when the server printed `""`, which it does while not serving.
    pub zabstate: Option<String>,
}
