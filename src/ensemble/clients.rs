//! Client connections as a member lists them (`cons`): the data, not the parsing.

/// One client connection held by a member.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct ClientConn {
    /// The client's address as the server sees it ("127.0.0.1:38158", "[::1]:4000").
    pub address: String,
    /// The client's host part, for grouping sessions per client machine.
    pub host: String,
    /// None until the session is established (and for the `cons` request itself).
    pub session_id: Option<u64>,
    pub queued: u64,
    pub received: u64,
    pub sent: u64,
    pub last_operation: Option<String>,
    /// Session timeout the server granted, ms.
    pub timeout_ms: Option<u64>,
    /// When the session was established, ms since the epoch (server clock).
    pub established_ms: Option<u64>,
    /// The server's monotonic clock at the last response, ms: comparable only within one
    /// member's reply (idle times are relative to the member's latest response).
    pub last_response_ms: Option<u64>,
    pub latency_min: Option<u64>,
    pub latency_avg: Option<u64>,
    pub latency_max: Option<u64>,
}

impl ClientConn {
    /// Shown as ZooKeeper prints it: "0x3000004382f0000".
    pub fn session_label(&self) -> String {
        self.session_id
            .map_or_else(|| "-".to_string(), |s| format!("0x{s:x}"))
    }
}

/// Every connection of one member's reply, and the idle time of each relative to the most
/// recent response in that reply (cons gives no "now", so this is a lower bound).
pub fn idle_ms(conns: &[ClientConn], c: &ClientConn) -> Option<u64> {
    let newest = conns.iter().filter_map(|c| c.last_response_ms).max()?;
    Some(newest.saturating_sub(c.last_response_ms?))
}

/// The `wchs` summary of one member: data watches only (ZooKeeper counts child watches
/// apart and does not print them here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct WatchSummary {
    /// Connections (sessions) holding at least one watch.
    pub connections: u64,
    /// Distinct paths watched.
    pub paths: u64,
    /// Watches in all (one session watching one path is one).
    pub watches: u64,
}

/// Which full watch listing: by connection (`wchc`) or by path (`wchp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchDumpKind {
    ByConnection,
    ByPath,
}

impl WatchDumpKind {
    pub fn command(self) -> &'static str {
        match self {
            WatchDumpKind::ByConnection => "wchc",
            WatchDumpKind::ByPath => "wchp",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            WatchDumpKind::ByConnection => "watches by session",
            WatchDumpKind::ByPath => "watches by path",
        }
    }
}

/// A `wchc` or `wchp` listing: each head (a session "0x…" or a path) with what it watches
/// or who watches it, biggest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WatchDump {
    pub groups: Vec<(String, Vec<String>)>,
}

/// Where the clients view read a member's connections or watches: the four-letter word, or
/// the AdminServer command that answers the same where the word is not whitelisted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ReadSource {
    Cons,
    AdminConnections,
    Wchs,
    AdminWatchSummary,
}

impl ReadSource {
    /// As the view names it: "cons", "AdminServer connections".
    pub fn name(self) -> &'static str {
        match self {
            ReadSource::Cons => "cons",
            ReadSource::AdminConnections => "AdminServer connections",
            ReadSource::Wchs => "wchs",
            ReadSource::AdminWatchSummary => "AdminServer watch_summary",
        }
    }

    pub fn is_admin(self) -> bool {
        matches!(
            self,
            ReadSource::AdminConnections | ReadSource::AdminWatchSummary
        )
    }
}
