//! The clients view: who is connected to which member (from `cons`), the busiest clients by
//! requests/s between two reads, and how evenly connections spread over the members.
//! Pure: reads arrive as messages; fetching happens in `tui::clients` on request only.

use crate::ensemble::clients::{
    idle_ms, ClientConn, ReadSource, WatchDump, WatchDumpKind, WatchSummary,
};
use crate::ensemble::member::ProbeTarget;
use std::collections::BTreeMap;
use std::time::Instant;

/// A member holding more than this many times its fair share of connections is a breach...
pub const BALANCE_FACTOR: f64 = 2.0;
/// ...when it also holds at least this many more than its share (3 vs 1 is noise).
pub const BALANCE_MIN_EXCESS: f64 = 5.0;

#[derive(Debug, Clone, PartialEq)]
pub enum ClientsMsg {
    /// One member's `cons`, or why it could not be read.
    Read {
        member: String,
        at: Instant,
        result: Result<Vec<ClientConn>, String>,
    },
    /// One member's `wchs`, read with its `cons` under the same deadline.
    Watches {
        member: String,
        result: Result<WatchSummary, String>,
    },
    /// Where a member's connections and watches were read (sent before its `Read` and
    /// `Watches`): `cons`/`wchs`, or the AdminServer where those are refused. None: not read.
    Sources {
        member: String,
        clients: Option<ReadSource>,
        watches: Option<ReadSource>,
    },
    /// One member's `wchc`/`wchp`, asked for and confirmed.
    Dump {
        member: String,
        kind: WatchDumpKind,
        result: Result<WatchDump, String>,
    },
    /// A counter reset's outcome: what was reset, or why not.
    Reset {
        member: String,
        kind: ResetKind,
        result: Result<String, String>,
    },
}

/// Each member's `wchc`/`wchp` listing, or why it could not be read.
pub type DumpReads = BTreeMap<String, Result<WatchDump, String>>;

/// What to ask the members in `targets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientsAsk {
    /// `cons` and `wchs` (cheap, the default).
    Read,
    /// `wchc` or `wchp` (costly on big servers).
    Dump(WatchDumpKind),
    /// `crst` or `srst`: changes server state; audited before and after.
    Reset(ResetKind),
}

/// Members to ask, each with the label the view shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientsRequest {
    pub targets: Vec<(String, ProbeTarget)>,
    pub ask: ClientsAsk,
    /// For the audit record of a reset.
    pub ensemble: String,
}

/// The counter resets a member offers over four-letter words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetKind {
    /// `crst`: every connection's counters and latencies.
    Connections,
    /// `srst`: the server's latency min/avg/max and packet counts.
    Server,
}

impl ResetKind {
    pub fn command(self) -> &'static str {
        match self {
            ResetKind::Connections => "crst",
            ResetKind::Server => "srst",
        }
    }

    /// What the preview says the reset does.
    pub fn preview(self, member: &str) -> String {
        let what = match self {
            ResetKind::Connections => {
                "crst resets every connection's counters on {m} (received/sent, latency                  min/avg/max): the clients view's req/s begins afresh"
            }
            ResetKind::Server => {
                "srst resets the server statistics of {m} (latency min/avg/max, packets                  received/sent): lifetime figures restart from zero and windowed ones begin                  afresh (the next reading is not compared with the last)"
            }
        };
        format!(
            "{}. Nothing else changes; it is audited. y to reset, any other key cancels",
            what.replace("{m}", member)
        )
    }
}

/// A costly or state-changing request waiting for `y`.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Dump(WatchDumpKind),
    Reset(ResetKind, String),
}

impl Pending {
    /// The warning or preview shown until `y` or another key.
    pub fn text(&self) -> String {
        match self {
            Pending::Dump(kind) => format!(
                "{} lists every watch ({}): costly on big servers, it can stall them                  (ZOOKEEPER-2693). y to read it, any other key cancels",
                kind.command(),
                kind.describe()
            ),
            Pending::Reset(kind, member) => kind.preview(member),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientSort {
    Rate,
    Received,
    Queued,
    Latency,
    Idle,
    Address,
    Member,
}

impl ClientSort {
    pub const ALL: [ClientSort; 7] = [
        ClientSort::Rate,
        ClientSort::Received,
        ClientSort::Queued,
        ClientSort::Latency,
        ClientSort::Idle,
        ClientSort::Address,
        ClientSort::Member,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ClientSort::Rate => "req/s",
            ClientSort::Received => "received",
            ClientSort::Queued => "queued",
            ClientSort::Latency => "max latency",
            ClientSort::Idle => "idle",
            ClientSort::Address => "address",
            ClientSort::Member => "member",
        }
    }

    pub fn next(self) -> ClientSort {
        let i = Self::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

/// One member's latest read and the one before it (for rates).
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRead {
    pub at: Instant,
    pub result: Result<Vec<ClientConn>, String>,
    pub previous: Option<(Instant, Vec<ClientConn>)>,
}

/// One connection as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientRow<'a> {
    pub member: &'a str,
    pub conn: &'a ClientConn,
    /// Requests/s since the previous read of the same session; None after a single read.
    pub rate: Option<f64>,
    pub idle_ms: Option<u64>,
}

/// Connections of one client host across the members.
#[derive(Debug, Clone, PartialEq)]
pub struct HostRow {
    pub host: String,
    pub per_member: BTreeMap<String, usize>,
    pub rate: Option<f64>,
}

/// Connections per member against the fair share.
#[derive(Debug, Clone, PartialEq)]
pub struct Balance {
    pub per_member: Vec<(String, usize)>,
    pub fair_share: f64,
    /// Busiest member's connections over the fair share (1.0 = perfectly even).
    pub imbalance: f64,
    /// The member holding far more than its share, if any.
    pub breach: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClientsView {
    /// "member 2", or None for the whole ensemble.
    pub scope: Option<String>,
    pub reads: BTreeMap<String, MemberRead>,
    /// Members asked and not answered yet.
    pub pending: Vec<String>,
    pub sort: ClientSort,
    pub sort_desc: bool,
    /// Per client host instead of per connection.
    pub by_host: bool,
    pub selected: usize,
    /// Each member's `wchs`, read with its `cons`.
    pub watches: BTreeMap<String, Result<WatchSummary, String>>,
    /// The last `wchc`/`wchp` asked for, per member.
    pub dump: Option<(WatchDumpKind, DumpReads)>,
    /// A costly or state-changing request waiting for `y`.
    pub confirm: Option<Pending>,
    /// Outcomes of counter resets, newest last.
    pub resets: Vec<String>,
    /// Only this session (the owner of an ephemeral node, from the tree).
    pub session: Option<u64>,
    /// Where each member's connections and watches were read.
    pub sources: BTreeMap<String, (Option<ReadSource>, Option<ReadSource>)>,
}

impl ClientsView {
    pub fn new(scope: Option<String>) -> Self {
        ClientsView {
            scope,
            reads: BTreeMap::new(),
            pending: Vec::new(),
            sort: ClientSort::Rate,
            sort_desc: true,
            by_host: false,
            selected: 0,
            watches: BTreeMap::new(),
            dump: None,
            confirm: None,
            resets: Vec::new(),
            session: None,
            sources: BTreeMap::new(),
        }
    }

    /// Where the connections (`clients`) or the watches were read, for the view to name:
    /// "AdminServer connections" when every member read was one source, else each source
    /// with its members ("cons m1 m2, AdminServer connections m3"). None before any read.
    pub fn source_phrase(&self, clients: bool) -> Option<String> {
        let mut by: BTreeMap<&'static str, Vec<&str>> = BTreeMap::new();
        for (member, (c, w)) in &self.sources {
            if let Some(src) = if clients { c } else { w } {
                by.entry(src.name()).or_default().push(member);
            }
        }
        match by.len() {
            0 => None,
            1 => by.into_keys().next().map(str::to_string),
            _ => Some(
                by.iter()
                    .map(|(src, ms)| {
                        let short: Vec<String> = ms.iter().map(|m| short_member(m)).collect();
                        format!("{src} {}", short.join(" "))
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        }
    }

    pub fn on_read(
        &mut self,
        member: String,
        at: Instant,
        result: Result<Vec<ClientConn>, String>,
    ) {
        self.pending.retain(|m| *m != member);
        let previous = self.reads.remove(&member).and_then(|r| match r.result {
            Ok(v) => Some((r.at, v)),
            Err(_) => r.previous,
        });
        self.reads.insert(
            member,
            MemberRead {
                at,
                result,
                previous,
            },
        );
    }

    /// Connections that carry a session (the `cons` request itself does not), filtered by
    /// `needle` (address, session, member, last operation) and sorted.
    pub fn rows(&self, needle: &str) -> Vec<ClientRow<'_>> {
        let needle = needle.to_ascii_lowercase();
        let mut rows: Vec<ClientRow> = Vec::new();
        for (member, read) in &self.reads {
            let Ok(conns) = &read.result else { continue };
            let wanted = |c: &&ClientConn| {
                c.session_id.is_some() && self.session.is_none_or(|s| c.session_id == Some(s))
            };
            for conn in conns.iter().filter(wanted) {
                let row = ClientRow {
                    member,
                    conn,
                    rate: rate_of(read, conn),
                    idle_ms: idle_ms(conns, conn),
                };
                if needle.is_empty() || row_text(&row).contains(&needle) {
                    rows.push(row);
                }
            }
        }
        rows.sort_by(|a, b| {
            let o = compare(self.sort, a, b);
            if self.sort_desc {
                o.reverse()
            } else {
                o
            }
        });
        rows
    }

    /// Per client host: its sessions on each member, and its summed rate.
    pub fn hosts(&self, needle: &str) -> Vec<HostRow> {
        let mut out: BTreeMap<String, HostRow> = BTreeMap::new();
        for r in self.rows(needle) {
            let h = out.entry(r.conn.host.clone()).or_insert_with(|| HostRow {
                host: r.conn.host.clone(),
                per_member: BTreeMap::new(),
                rate: None,
            });
            *h.per_member.entry(r.member.to_string()).or_default() += 1;
            if let Some(x) = r.rate {
                h.rate = Some(h.rate.unwrap_or(0.0) + x);
            }
        }
        let mut v: Vec<HostRow> = out.into_values().collect();
        v.sort_by(|a, b| {
            let total = |h: &HostRow| h.per_member.values().sum::<usize>();
            b.rate
                .unwrap_or(0.0)
                .total_cmp(&a.rate.unwrap_or(0.0))
                .then(total(b).cmp(&total(a)))
                .then(a.host.cmp(&b.host))
        });
        v
    }

    /// With a session asked for, every member answered or failed, and none lists it: the
    /// sentence that says so (and where it may be).
    pub fn session_missing(&self) -> Option<String> {
        let s = self.session?;
        if !self.pending.is_empty() || !self.rows("").is_empty() {
            return None;
        }
        let failed: Vec<&str> = self
            .reads
            .iter()
            .filter(|(_, r)| r.result.is_err())
            .map(|(m, _)| m.as_str())
            .collect();
        let where_ = if failed.is_empty() {
            "the session may have ended, or it is on a member not probed".to_string()
        } else {
            format!("it may be on {} (could not be read)", failed.join(", "))
        };
        Some(format!("no member lists session 0x{s:x}: {where_}"))
    }

    /// How many lines the view lists (for moving the cursor).
    pub fn len(&self, needle: &str) -> usize {
        if self.by_host {
            self.hosts(needle).len()
        } else {
            self.rows(needle).len()
        }
    }

    pub fn is_empty(&self, needle: &str) -> bool {
        self.len(needle) == 0
    }

    /// The spread over members that answered (a member that is down holds none and is no
    /// measure of balance). None with fewer than two answering members.
    pub fn balance(&self) -> Option<Balance> {
        let per_member: Vec<(String, usize)> = self
            .reads
            .iter()
            .filter_map(|(m, r)| {
                let n = r.result.as_ref().ok()?;
                Some((
                    m.clone(),
                    n.iter().filter(|c| c.session_id.is_some()).count(),
                ))
            })
            .collect();
        balance_of(per_member)
    }
}

/// "member 2" -> "m2", as the view's narrow columns show members.
pub fn short_member(member: &str) -> String {
    member
        .strip_prefix("member ")
        .map_or_else(|| member.to_string(), |id| format!("m{id}"))
}

/// Connections per member -> fair share, imbalance, breach.
pub fn balance_of(per_member: Vec<(String, usize)>) -> Option<Balance> {
    if per_member.len() < 2 {
        return None;
    }
    let total: usize = per_member.iter().map(|(_, n)| n).sum();
    let fair_share = total as f64 / per_member.len() as f64;
    let (busiest, most) = per_member
        .iter()
        .max_by_key(|(_, n)| *n)
        .map(|(m, n)| (m.clone(), *n as f64))?;
    let imbalance = if fair_share > 0.0 {
        most / fair_share
    } else {
        1.0
    };
    let breach =
        (imbalance > BALANCE_FACTOR && most - fair_share >= BALANCE_MIN_EXCESS).then_some(busiest);
    Some(Balance {
        per_member,
        fair_share,
        imbalance,
        breach,
    })
}

fn rate_of(read: &MemberRead, conn: &ClientConn) -> Option<f64> {
    let (then, before) = read.previous.as_ref()?;
    let old = before
        .iter()
        .find(|c| c.session_id == conn.session_id && c.address == conn.address)?;
    let secs = read.at.checked_duration_since(*then)?.as_secs_f64();
    // A reconnect resets the counters: no rate rather than a negative one.
    (secs > 0.0 && conn.received >= old.received)
        .then(|| (conn.received - old.received) as f64 / secs)
}

fn row_text(r: &ClientRow) -> String {
    format!(
        "{} {} {} {}",
        r.member,
        r.conn.address,
        r.conn.session_label(),
        r.conn.last_operation.as_deref().unwrap_or("")
    )
    .to_ascii_lowercase()
}

fn compare(sort: ClientSort, a: &ClientRow, b: &ClientRow) -> std::cmp::Ordering {
    let by = match sort {
        ClientSort::Rate => a.rate.unwrap_or(-1.0).total_cmp(&b.rate.unwrap_or(-1.0)),
        ClientSort::Received => a.conn.received.cmp(&b.conn.received),
        ClientSort::Queued => a.conn.queued.cmp(&b.conn.queued),
        ClientSort::Latency => a.conn.latency_max.cmp(&b.conn.latency_max),
        ClientSort::Idle => a.idle_ms.cmp(&b.idle_ms),
        ClientSort::Address => a.conn.address.cmp(&b.conn.address),
        ClientSort::Member => a.member.cmp(b.member),
    };
    // Ties broken by received, then address, so rows do not jump between reads.
    by.then(a.conn.received.cmp(&b.conn.received))
        .then(a.conn.address.cmp(&b.conn.address))
}

/// The clients view's keys for the help screen (resets only when writes are allowed).
pub fn help_rows(read_only: bool) -> Vec<(String, String)> {
    let mut rows = vec![
        ("", ""),
        ("clients view", ""),
        (
            "r",
            "read cons and wchs again (the AdminServer's connections and watch_summary \
             where those are refused); the second read gives req/s",
        ),
        ("s S", "sort by the next column / reverse"),
        ("a", "per client host / per connection"),
        (
            "v V",
            "every watch by session (wchc) / by path (wchp): costly, asks first",
        ),
    ];
    if !read_only {
        rows.push((
            "z Z",
            "reset connection (crst) / server (srst) counters: previewed, confirmed, audited",
        ));
    }
    rows.into_iter()
        .map(|(k, h)| (k.to_string(), h.to_string()))
        .collect()
}

/// Opening the view, its keys, and the reads arriving.
impl super::State {
    /// `c` on a member (`whole` false) or `:clients` (the ensemble): ask every member in
    /// scope for `cons` once.
    pub(super) fn open_clients(&mut self, whole: bool) -> Vec<super::Effect> {
        let scope = if whole {
            None
        } else {
            match self.selected_member() {
                Some(m) => Some((m.key().label(), m.snap.address.clone())),
                None => {
                    self.flash = Some((
                        super::Level::Warn,
                        "select a member first (or :clients for the whole ensemble)".into(),
                    ));
                    return vec![];
                }
            }
        };
        let label = scope.as_ref().map(|(l, _)| l.clone());
        self.clients = Some(ClientsView::new(label));
        self.view = super::View::Clients;
        self.clients_read(scope.map(|(_, a)| a), ClientsAsk::Read)
    }

    /// `o` on an ephemeral node in the tree: the clients of the ensemble, narrowed to the
    /// node's owner session (every member's `cons` is read: a session lives on one member).
    pub(super) fn clients_of_owner(
        &mut self,
        kind: Option<crate::tree::node::NodeKind>,
    ) -> Vec<super::Effect> {
        let Some(crate::tree::node::NodeKind::Ephemeral { session }) = kind else {
            self.flash = Some((
                super::Level::Warn,
                "not an ephemeral node: no owner session to show".into(),
            ));
            return vec![];
        };
        let fx = self.open_clients(true);
        if let Some(v) = self.clients.as_mut() {
            v.session = Some(session as u64);
        }
        fx
    }

    /// The request for the members in scope; the view remembers them as pending.
    fn clients_read(&mut self, only: Option<String>, ask: ClientsAsk) -> Vec<super::Effect> {
        let targets: Vec<(String, ProbeTarget)> = self
            .targets()
            .into_iter()
            .filter(|t| only.as_ref().is_none_or(|a| *a == t.address))
            .map(|t| {
                let label = self
                    .members
                    .values()
                    .find(|m| m.snap.address == t.address)
                    .map_or_else(|| t.address.clone(), |m| m.key().label());
                (label, t)
            })
            .collect();
        let Some(view) = self.clients.as_mut() else {
            return vec![];
        };
        match ask {
            ClientsAsk::Read => {
                view.pending = targets.iter().map(|(l, _)| l.clone()).collect();
                // Back to the connections from a watch listing.
                view.dump = None;
            }
            ClientsAsk::Dump(kind) => view.dump = Some((kind, BTreeMap::new())),
            ClientsAsk::Reset(..) => {}
        }
        if targets.is_empty() {
            return vec![];
        }
        vec![super::Effect::Clients(ClientsRequest {
            targets,
            ask,
            ensemble: self.ensemble.clone(),
        })]
    }

    pub(super) fn on_clients(&mut self, msg: ClientsMsg) -> Vec<super::Effect> {
        let Some(v) = self.clients.as_mut() else {
            return vec![];
        };
        self.dirty = true;
        match msg {
            ClientsMsg::Read { member, at, result } => {
                v.on_read(member, at, result);
                self.clients_advice();
            }
            ClientsMsg::Watches { member, result } => {
                v.watches.insert(member, result);
            }
            ClientsMsg::Sources {
                member,
                clients,
                watches,
            } => {
                v.sources.insert(member, (clients, watches));
            }
            ClientsMsg::Dump {
                member,
                kind,
                result,
            } => {
                if let Some((_, per)) = v.dump.as_mut().filter(|(k, _)| *k == kind) {
                    per.insert(member, result);
                }
            }
            ClientsMsg::Reset {
                member,
                kind,
                result,
            } => {
                let line = match result {
                    Ok(said) => format!("{member}: {} done: {said}", kind.command()),
                    Err(why) => format!("{member}: {} not done: {why}", kind.command()),
                };
                v.resets.push(line);
                // Only the last few outcomes are worth the room.
                let over = v.resets.len().saturating_sub(3);
                v.resets.drain(..over);
            }
        }
        vec![]
    }

    /// The clients view's balance breach joins the advice (once: the sustained rule on
    /// `num_alive_connections` may already say it), pointing at the busiest member.
    pub(super) fn clients_advice(&mut self) {
        use crate::advisor::Kind;
        let Some(b) = self.clients.as_ref().and_then(ClientsView::balance) else {
            return;
        };
        let Some(member) = &b.breach else { return };
        if self
            .load
            .advice
            .iter()
            .any(|a| a.kind == Kind::ConnectionBalance)
        {
            return;
        }
        let sessions = b
            .per_member
            .iter()
            .find(|(m, _)| m == member)
            .map_or(0, |(_, n)| *n);
        self.load.advice.push(crate::advisor::clients_balance(
            member,
            sessions,
            b.fair_share,
            b.imbalance,
        ));
    }

    /// `y` runs what waits for confirmation; any other key cancels it (and does nothing else).
    fn clients_confirm(&mut self, key: super::keys::KeyInput) -> Vec<super::Effect> {
        use super::keys::KeyCode;
        let only = self.clients_scope_address();
        let Some(pending) = self.clients.as_mut().and_then(|v| v.confirm.take()) else {
            return vec![];
        };
        if key.code != KeyCode::Char('y') || key.ctrl || key.alt {
            self.flash = Some((super::Level::Ok, "cancelled".into()));
            return vec![];
        }
        match pending {
            Pending::Dump(kind) => self.clients_read(only, ClientsAsk::Dump(kind)),
            // Resets never run read-only: the key is not offered, and this is the last gate.
            Pending::Reset(..) if self.read_only => vec![],
            Pending::Reset(kind, _) => self.clients_read(only, ClientsAsk::Reset(kind)),
        }
    }

    /// A reset is offered only on a member's clients view (`c` on a member), never read-only.
    fn clients_ask_reset(&mut self, kind: ResetKind) {
        if self.read_only {
            return;
        }
        let scope = self.clients.as_ref().and_then(|v| v.scope.clone());
        match scope {
            Some(member) => {
                if let Some(v) = self.clients.as_mut() {
                    v.confirm = Some(Pending::Reset(kind, member));
                }
            }
            None => {
                self.flash = Some((
                    super::Level::Warn,
                    format!(
                        "{} resets one member: open its clients with c on the member",
                        kind.command()
                    ),
                ))
            }
        }
    }

    /// The view's own keys: `r` reads again (the second read gives req/s), `s`/`S` sort,
    /// `a` lists per client host; moving is here since the rows are not the members'.
    pub(super) fn clients_key(&mut self, key: super::keys::KeyInput) -> Option<Vec<super::Effect>> {
        use super::keys::KeyCode;
        if self.clients.as_ref()?.confirm.is_some() {
            return Some(self.clients_confirm(key));
        }
        if key.ctrl || key.alt {
            return None;
        }
        match key.code {
            KeyCode::Char('v') | KeyCode::Char('V') => {
                let kind = if key.code == KeyCode::Char('v') {
                    WatchDumpKind::ByConnection
                } else {
                    WatchDumpKind::ByPath
                };
                self.clients.as_mut()?.confirm = Some(Pending::Dump(kind));
                return Some(vec![]);
            }
            KeyCode::Char('z') | KeyCode::Char('Z') if !self.read_only => {
                let kind = if key.code == KeyCode::Char('z') {
                    ResetKind::Connections
                } else {
                    ResetKind::Server
                };
                self.clients_ask_reset(kind);
                return Some(vec![]);
            }
            _ => {}
        }
        let needle = self.filter.clone();
        let only = self.clients_scope_address();
        let v = self.clients.as_mut()?;
        let len = v.len(&needle);
        let last = len.saturating_sub(1);
        match key.code {
            KeyCode::Char('r') => return Some(self.clients_read(only, ClientsAsk::Read)),
            KeyCode::Char('s') => v.sort = v.sort.next(),
            KeyCode::Char('S') => v.sort_desc = !v.sort_desc,
            KeyCode::Char('a') => {
                v.by_host = !v.by_host;
                v.selected = 0;
            }
            KeyCode::Up | KeyCode::Char('k') => v.selected = v.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => v.selected = (v.selected + 1).min(last),
            KeyCode::PageUp => v.selected = v.selected.saturating_sub(10),
            KeyCode::PageDown => v.selected = (v.selected + 10).min(last),
            KeyCode::Home | KeyCode::Char('g') => v.selected = 0,
            KeyCode::End | KeyCode::Char('G') => v.selected = last,
            _ => return None,
        }
        Some(vec![])
    }

    /// The address of the member the view is scoped to (None: the ensemble).
    fn clients_scope_address(&self) -> Option<String> {
        let label = self.clients.as_ref()?.scope.clone()?;
        self.members
            .values()
            .find(|m| m.key().label() == label)
            .map(|m| m.snap.address.clone())
            .or(Some(label))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    pub(crate) fn conn(addr: &str, sid: u64, received: u64, lresp: u64) -> ClientConn {
        ClientConn {
            address: addr.into(),
            host: addr.rsplit_once(':').unwrap().0.into(),
            session_id: Some(sid),
            received,
            sent: received,
            last_operation: Some("PING".into()),
            last_response_ms: Some(lresp),
            latency_max: Some(sid),
            ..Default::default()
        }
    }

    #[test]
    fn the_source_is_named_once_or_per_member() {
        let mut v = ClientsView::new(None);
        assert_eq!(v.source_phrase(true), None);
        let admin = (
            Some(ReadSource::AdminConnections),
            Some(ReadSource::AdminWatchSummary),
        );
        v.sources.insert("member 1".into(), admin);
        v.sources.insert("member 2".into(), admin);
        assert_eq!(
            v.source_phrase(true).as_deref(),
            Some("AdminServer connections")
        );
        v.sources.insert(
            "member 3".into(),
            (Some(ReadSource::Cons), Some(ReadSource::Wchs)),
        );
        // A member that could not be read names no source.
        v.sources.insert("member 4".into(), (None, None));
        assert_eq!(
            v.source_phrase(true).as_deref(),
            Some("AdminServer connections m1 m2, cons m3")
        );
        assert_eq!(
            v.source_phrase(false).as_deref(),
            Some("AdminServer watch_summary m1 m2, wchs m3")
        );
    }

    #[test]
    fn rates_come_from_two_reads_of_the_same_session() {
        let t0 = Instant::now();
        let mut v = ClientsView::new(None);
        v.on_read(
            "member 1".into(),
            t0,
            Ok(vec![conn("10.0.0.1:1", 1, 10, 100)]),
        );
        assert_eq!(v.rows("")[0].rate, None);
        let t1 = t0 + Duration::from_secs(2);
        let later = vec![
            conn("10.0.0.1:1", 1, 50, 200),
            conn("10.0.0.2:2", 2, 5, 150),
        ];
        v.on_read("member 1".into(), t1, Ok(later));
        let rows = v.rows("");
        assert_eq!(rows[0].conn.session_id, Some(1));
        assert_eq!(rows[0].rate, Some(20.0));
        // New session: no rate yet; idle relative to the member's latest response.
        assert_eq!(rows[1].rate, None);
        assert_eq!(rows[1].idle_ms, Some(50));
    }

    #[test]
    fn a_failed_read_keeps_the_last_good_one_for_rates() {
        let t0 = Instant::now();
        let mut v = ClientsView::new(None);
        v.on_read("m".into(), t0, Ok(vec![conn("10.0.0.1:1", 1, 10, 0)]));
        v.on_read(
            "m".into(),
            t0 + Duration::from_secs(1),
            Err("timed out".into()),
        );
        v.on_read(
            "m".into(),
            t0 + Duration::from_secs(2),
            Ok(vec![conn("10.0.0.1:1", 1, 30, 0)]),
        );
        assert_eq!(v.rows("")[0].rate, Some(10.0));
    }

    #[test]
    fn filter_sort_and_hosts_across_members() {
        let t = Instant::now();
        let mut v = ClientsView::new(None);
        v.on_read(
            "member 1".into(),
            t,
            Ok(vec![
                conn("10.0.0.1:1", 1, 10, 0),
                conn("10.0.0.2:2", 2, 90, 0),
            ]),
        );
        v.on_read("member 2".into(), t, Ok(vec![conn("10.0.0.1:3", 3, 50, 0)]));
        v.sort = ClientSort::Received;
        let order: Vec<u64> = v.rows("").iter().map(|r| r.conn.received).collect();
        assert_eq!(order, vec![90, 50, 10]);
        assert_eq!(v.rows("10.0.0.1").len(), 2);
        assert_eq!(v.rows("member 2").len(), 1);
        let hosts = v.hosts("");
        let h = hosts.iter().find(|h| h.host == "10.0.0.1").unwrap();
        assert_eq!(h.per_member.get("member 1"), Some(&1));
        assert_eq!(h.per_member.get("member 2"), Some(&1));
    }

    #[test]
    fn balance_breach_only_when_far_above_the_fair_share() {
        let b = |v: &[usize]| {
            balance_of(
                v.iter()
                    .enumerate()
                    .map(|(i, n)| (format!("member {}", i + 1), *n))
                    .collect(),
            )
            .unwrap()
        };
        let even = b(&[10, 10, 10]);
        assert_eq!(even.fair_share, 10.0);
        assert_eq!(even.imbalance, 1.0);
        assert_eq!(even.breach, None);
        let skew = b(&[30, 0, 0]);
        assert!((skew.imbalance - 3.0).abs() < 1e-9);
        assert_eq!(skew.breach.as_deref(), Some("member 1"));
        // Small numbers are noise.
        assert_eq!(b(&[3, 0, 0]).breach, None);
        assert!(balance_of(vec![("m".into(), 5)]).is_none());
    }
}
