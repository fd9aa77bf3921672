//! One pass over a subtree: how many znodes, how much data, which nodes are the widest, the
//! largest and the deepest, and what could not be read.
//!
//! Every node costs exactly one `getChildren`, whose reply carries the names of its children
//! AND the node's own Stat (data length, ephemeral owner, number of children), so no second
//! request per node is needed. Requests are pipelined on the one session: up to
//! [`ScanOptions::window`] are in flight at any time, and each reply refills the window.
//!
//! What the figures mean:
//! - `znodes` counts the root and every node reached, including NoAuth and unreadable nodes
//!   (they exist; their children are not listed). Nodes that vanish while the scan runs
//!   (NoNode on their own `getChildren`) are not counted but reported under `vanished`.
//! - A NoAuth node never fails the scan: it is counted and reported, and one `exists` (which
//!   ZooKeeper answers without an ACL check) still gives its data length and child count; its
//!   children are reported as `no_auth.unlisted_children`, not scanned.
//! - Depths are relative to the scan root (the root is depth 0).
//! - Scanning `/` includes ZooKeeper's own subtree (`/zookeeper`, `/zookeeper/quota`,
//!   `/zookeeper/config`), as `zkCli ls -R /` does; scan a narrower path to leave it out.
//! - The client decodes names as UTF-8; a reply it cannot decode (ZooKeeper itself only stores
//!   valid UTF-8 names) or any other per-node error marks that node `unreadable` and the scan
//!   goes on. Only the loss of the session fails a scan.
//!
//! Speed: the server is the bottleneck (one request per node). On a small machine it helps to
//! run the scan and the client's session task on one current-thread runtime (no cross-thread
//! wake-up per reply), which is what `zkconsole scan` does; the library itself runs anywhere.
//!
//! The tree is not a snapshot: nodes created or deleted during the scan may or may not be
//! counted, as with any recursive listing.

use futures::stream::{FuturesUnordered, StreamExt};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use zookeeper_client as zkc;

pub const DEFAULT_WINDOW: usize = 256;
pub const DEFAULT_TOP: usize = 10;
/// How many example paths the report keeps for NoAuth, vanished and unreadable nodes (the
/// lexicographically first ones, so the report does not depend on reply order).
pub const SAMPLE_PATHS: usize = 10;
/// The progress callback runs at most this often.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// A request that fails with ConnectionLoss is retried this many times (the session survives a
/// dropped connection; the client reconnects by itself).
const CONNECTION_LOSS_RETRIES: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanOptions {
    /// Most `getChildren` requests in flight at once (at least 1).
    pub window: usize,
    /// How many entries `most_children` and `largest_data` keep.
    pub top: usize,
    /// Stop issuing requests after this many nodes (the report is then `truncated`).
    pub max_nodes: Option<u64>,
    /// The longest one request may take: a member that stops answering ends the scan
    /// (as a lost session does) instead of holding it forever.
    pub request_timeout: Duration,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            window: DEFAULT_WINDOW,
            top: DEFAULT_TOP,
            max_nodes: None,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Given to the progress callback, at most every [`PROGRESS_EVERY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanProgress {
    /// Nodes whose request has been answered.
    pub visited: u64,
    pub in_flight: usize,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildrenEntry {
    pub path: String,
    pub children: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataEntry {
    pub path: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct NoAuthSummary {
    pub count: u64,
    /// The first [`SAMPLE_PATHS`] of them, sorted.
    pub paths: Vec<String>,
    /// Children of NoAuth nodes (from their Stat): not listed, so not scanned.
    pub unlisted_children: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct VanishedSummary {
    pub count: u64,
    /// The first [`SAMPLE_PATHS`] of them, sorted.
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreadableEntry {
    pub path: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct UnreadableSummary {
    pub count: u64,
    /// The first [`SAMPLE_PATHS`] of them, sorted by path.
    pub nodes: Vec<UnreadableEntry>,
}

/// The result of a scan (serialised as the `--json` output of `zkconsole scan`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    /// The scanned path, normalised (no trailing slash).
    pub root: String,
    /// Nodes reached, the root included.
    pub znodes: u64,
    /// Sum of the data lengths of the nodes reached.
    pub data_bytes: u64,
    /// Nodes owned by a session.
    pub ephemerals: u64,
    /// Depth of the deepest node below the root (the root is 0).
    pub max_depth: u32,
    /// The deepest node (the first in path order among equally deep ones).
    pub deepest_path: String,
    /// Most children first (ties in path order); nodes without children are left out.
    pub most_children: Vec<ChildrenEntry>,
    /// Most data first (ties in path order); empty nodes are left out.
    pub largest_data: Vec<DataEntry>,
    pub no_auth: NoAuthSummary,
    /// Listed by their parent, gone (NoNode) by the time they were read: skipped.
    pub vanished: VanishedSummary,
    /// Nodes whose request failed for another reason (e.g. a reply the client cannot decode).
    pub unreadable: UnreadableSummary,
    pub elapsed_ms: u64,
    pub nodes_per_sec: u64,
    /// Stopped by the caller: the figures cover what was visited until then.
    pub cancelled: bool,
    /// Stopped at `max_nodes` with nodes left to visit.
    pub truncated: bool,
}

impl ScanReport {
    /// Some of the subtree was not covered: NoAuth or unreadable nodes, a cancelled or a
    /// truncated scan. (Vanished nodes are ordinary churn and do not count.)
    pub fn is_partial(&self) -> bool {
        self.no_auth.count > 0 || self.unreadable.count > 0 || self.cancelled || self.truncated
    }

    /// A summary for people.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        // Paths as the screen may show them: never a raw control, invisible or bidi character.
        use super::node::safe_name as shown;
        let _ = writeln!(s, "scan of {}", shown(&self.root));
        let _ = writeln!(
            s,
            "  znodes     {} ({} ephemeral)",
            thousands(self.znodes),
            thousands(self.ephemerals)
        );
        let _ = writeln!(
            s,
            "  data       {} ({} bytes)",
            human_bytes(self.data_bytes),
            thousands(self.data_bytes)
        );
        let _ = writeln!(
            s,
            "  deepest    depth {}: {}",
            self.max_depth,
            shown(&self.deepest_path)
        );
        let _ = writeln!(
            s,
            "  elapsed    {:.3} s ({} znodes/s)",
            self.elapsed_ms as f64 / 1000.0,
            thousands(self.nodes_per_sec)
        );
        if !self.most_children.is_empty() {
            let _ = writeln!(s, "\nmost children");
            for e in &self.most_children {
                let _ = writeln!(s, "  {:>12}  {}", thousands(e.children), shown(&e.path));
            }
        }
        if !self.largest_data.is_empty() {
            let _ = writeln!(s, "\nlargest data");
            for e in &self.largest_data {
                let _ = writeln!(s, "  {:>12}  {}", human_bytes(e.bytes), shown(&e.path));
            }
        }
        if self.no_auth.count > 0 {
            let _ = writeln!(
                s,
                "\nnot authorised (NoAuth): {} node{}; {} of their children not scanned",
                thousands(self.no_auth.count),
                plural(self.no_auth.count),
                thousands(self.no_auth.unlisted_children)
            );
            push_samples(&mut s, self.no_auth.count, self.no_auth.paths.iter());
        }
        if self.unreadable.count > 0 {
            let _ = writeln!(
                s,
                "\nunreadable: {} node{} (children not scanned)",
                thousands(self.unreadable.count),
                plural(self.unreadable.count)
            );
            let lines: Vec<String> = self
                .unreadable
                .nodes
                .iter()
                .map(|n| format!("{}  ({})", shown(&n.path), n.error))
                .collect();
            push_samples(&mut s, self.unreadable.count, lines.iter());
        }
        if self.vanished.count > 0 {
            let _ = writeln!(
                s,
                "\nvanished during the scan: {} node{} (skipped)",
                thousands(self.vanished.count),
                plural(self.vanished.count)
            );
            push_samples(&mut s, self.vanished.count, self.vanished.paths.iter());
        }
        if self.cancelled {
            let _ = writeln!(
                s,
                "\nCANCELLED: the figures cover only the nodes visited before the interruption"
            );
        }
        if self.truncated {
            let _ = writeln!(
                s,
                "\nTRUNCATED: stopped at the node limit; the figures cover only the nodes visited"
            );
        }
        s
    }
}

fn push_samples<'a>(s: &mut String, count: u64, lines: impl Iterator<Item = &'a String>) {
    let mut shown = 0u64;
    for l in lines {
        s.push_str("  ");
        s.push_str(&super::node::safe_name(l));
        s.push('\n');
        shown += 1;
    }
    if count > shown {
        s.push_str(&format!("  ... and {} more\n", thousands(count - shown)));
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Binary units with one decimal: `1000000` → `976.6 KiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut unit = "B";
    for u in UNITS {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{path:?} is not a znode path: {why}")]
    BadPath { path: String, why: &'static str },
    #[error("{0} does not exist")]
    NoNode(String),
    /// The session failed (expired, closed, connection lost beyond retries).
    #[error("{path}: {source}")]
    Session {
        path: String,
        #[source]
        source: zkc::Error,
    },
}

/// `/a/b/` → `/a/b`; refuses relative paths, empty components, `.` and `..`.
pub fn normalize_path(path: &str) -> Result<String, ScanError> {
    let bad = |why| {
        Err(ScanError::BadPath {
            path: path.to_string(),
            why,
        })
    };
    if !path.starts_with('/') {
        return bad("it must start with '/'");
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok("/".into());
    }
    for part in trimmed[1..].split('/') {
        match part {
            "" => return bad("empty path component ('//')"),
            "." | ".." => return bad("relative components ('.', '..') are not allowed"),
            _ => {}
        }
    }
    Ok(trimmed.to_string())
}

fn child_path(parent: &str, name: &str) -> String {
    let mut p = String::with_capacity(parent.len() + 1 + name.len());
    if parent != "/" {
        p.push_str(parent);
    }
    p.push('/');
    p.push_str(name);
    p
}

/// Scans the subtree at `root` over `client`'s session. `progress` runs at most every
/// [`PROGRESS_EVERY`]; setting `cancel` stops the scan within one reply (or 100 ms) and returns
/// the report so far with `cancelled` set.
///
/// Fails only when the root does not exist ([`ScanError::NoNode`]), the path is malformed, or
/// the session is lost; every per-node problem is reported instead.
pub async fn scan(
    client: &zkc::Client,
    root: &str,
    opts: &ScanOptions,
    progress: impl Fn(&ScanProgress),
    cancel: &AtomicBool,
) -> Result<ScanReport, ScanError> {
    let root = normalize_path(root)?;
    let started = Instant::now();
    let window = opts.window.max(1);
    let mut acc = Accumulator::new(opts.top, &root);
    // Paths to visit, depth first (a stack keeps the backlog small on deep trees).
    let mut pending: Vec<(String, u32)> = vec![(root.clone(), 0)];
    let mut in_flight = FuturesUnordered::new();
    let mut issued: u64 = 0;
    let mut ticker =
        tokio::time::interval_at(tokio::time::Instant::now() + PROGRESS_EVERY, PROGRESS_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut cancelled = false;
    loop {
        if cancel.load(Ordering::Relaxed) {
            cancelled = true;
            break;
        }
        while in_flight.len() < window && opts.max_nodes.is_none_or(|m| issued < m) {
            let Some((path, depth)) = pending.pop() else {
                break;
            };
            issued += 1;
            in_flight.push(visit(client, path, depth, opts.request_timeout));
        }
        if in_flight.is_empty() {
            break;
        }
        tokio::select! {
            biased;
            Some(v) = in_flight.next() => {
                if let Some(children) = acc.record(v)? {
                    pending.extend(children);
                }
            }
            _ = ticker.tick() => progress(&ScanProgress {
                visited: acc.visited,
                in_flight: in_flight.len(),
                elapsed: started.elapsed(),
            }),
        }
    }
    // Dropping the futures abandons their replies; the session stays usable.
    drop(in_flight);
    let truncated = !cancelled && !pending.is_empty();
    Ok(acc.finish(root, started.elapsed(), cancelled, truncated))
}

enum Outcome {
    Listed(Vec<String>, zkc::Stat),
    /// NoAuth on getChildren; the Stat from `exists` when it answered.
    NoAuth(Option<zkc::Stat>),
    Vanished,
    Unreadable(zkc::Error),
    SessionLost(zkc::Error),
}

struct Visit {
    path: String,
    depth: u32,
    outcome: Outcome,
}

/// Sends the node's `getChildren` now (so requests leave in the order they are issued, as a
/// plain pipelined loop sends them) and returns the future of its outcome. Only the rare cases
/// (NoAuth, a lost connection) issue more requests from inside the future.
fn visit(
    client: &zkc::Client,
    path: String,
    depth: u32,
    deadline: Duration,
) -> impl std::future::Future<Output = Visit> + '_ {
    let first = client.get_children(&path);
    async move {
        let mut result = tokio::time::timeout(deadline, first)
            .await
            .unwrap_or(Err(zkc::Error::Timeout));
        let mut attempt = 0;
        let outcome = loop {
            match result {
                Ok((children, stat)) => break Outcome::Listed(children, stat),
                Err(zkc::Error::NoNode) => break Outcome::Vanished,
                Err(zkc::Error::NoAuth) => {
                    match tokio::time::timeout(deadline, client.check_stat(&path))
                        .await
                        .unwrap_or(Err(zkc::Error::Timeout))
                    {
                        Ok(Some(stat)) => break Outcome::NoAuth(Some(stat)),
                        Ok(None) => break Outcome::Vanished,
                        Err(_) => break Outcome::NoAuth(None),
                    }
                }
                Err(zkc::Error::ConnectionLoss) if attempt < CONNECTION_LOSS_RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                    result = tokio::time::timeout(deadline, client.get_children(&path))
                        .await
                        .unwrap_or(Err(zkc::Error::Timeout));
                }
                Err(e) if is_session_error(&e) => break Outcome::SessionLost(e),
                Err(e) => break Outcome::Unreadable(e),
            }
        };
        Visit {
            path,
            depth,
            outcome,
        }
    }
}

fn is_session_error(e: &zkc::Error) -> bool {
    use zkc::Error as E;
    matches!(
        e,
        E::ConnectionLoss
            | E::SessionExpired
            | E::ClientClosed
            | E::NoHosts
            | E::Timeout
            | E::AuthFailed
            | E::SessionMoved
            | E::RuntimeInconsistent
    )
}

/// The N largest `(value, path)` pairs, ties broken by path order.
struct TopN {
    n: usize,
    heap: BinaryHeap<Reverse<(u64, Reverse<String>)>>,
}

impl TopN {
    fn new(n: usize) -> Self {
        TopN {
            n,
            heap: BinaryHeap::with_capacity(n + 1),
        }
    }

    fn offer(&mut self, value: u64, path: &str) {
        if self.n == 0 || value == 0 {
            return;
        }
        if self.heap.len() >= self.n {
            if let Some(Reverse((min_v, Reverse(min_p)))) = self.heap.peek() {
                if (value, Reverse(path)) <= (*min_v, Reverse(min_p.as_str())) {
                    return;
                }
            }
        }
        self.heap.push(Reverse((value, Reverse(path.to_string()))));
        if self.heap.len() > self.n {
            self.heap.pop();
        }
    }

    /// Largest first.
    fn into_sorted(self) -> Vec<(u64, String)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Reverse((v, Reverse(p)))| (v, p))
            .collect()
    }
}

/// The first [`SAMPLE_PATHS`] keys in order.
struct Sample<T: Ord>(BTreeSet<T>);

impl<T: Ord> Sample<T> {
    fn offer(&mut self, item: T) {
        self.0.insert(item);
        if self.0.len() > SAMPLE_PATHS {
            self.0.pop_last();
        }
    }
}

struct Accumulator {
    visited: u64,
    znodes: u64,
    data_bytes: u64,
    ephemerals: u64,
    max_depth: u32,
    deepest_path: String,
    most_children: TopN,
    largest_data: TopN,
    no_auth: u64,
    no_auth_paths: Sample<String>,
    unlisted_children: u64,
    vanished: u64,
    vanished_paths: Sample<String>,
    unreadable: u64,
    unreadable_nodes: Sample<(String, String)>,
}

impl Accumulator {
    fn new(top: usize, root: &str) -> Self {
        Accumulator {
            visited: 0,
            znodes: 0,
            data_bytes: 0,
            ephemerals: 0,
            max_depth: 0,
            deepest_path: root.to_string(),
            most_children: TopN::new(top),
            largest_data: TopN::new(top),
            no_auth: 0,
            no_auth_paths: Sample(BTreeSet::new()),
            unlisted_children: 0,
            vanished: 0,
            vanished_paths: Sample(BTreeSet::new()),
            unreadable: 0,
            unreadable_nodes: Sample(BTreeSet::new()),
        }
    }

    fn node(&mut self, path: &str, depth: u32, stat: &zkc::Stat, children: u64) {
        self.znodes += 1;
        self.data_bytes += u64::try_from(stat.data_length).unwrap_or(0);
        if stat.ephemeral_owner != 0 {
            self.ephemerals += 1;
        }
        if depth > self.max_depth || (depth == self.max_depth && path < &*self.deepest_path) {
            self.max_depth = depth;
            self.deepest_path = path.to_string();
        }
        self.most_children.offer(children, path);
        self.largest_data
            .offer(u64::try_from(stat.data_length).unwrap_or(0), path);
    }

    /// Takes one reply; returns the children to visit.
    fn record(&mut self, v: Visit) -> Result<Option<Vec<(String, u32)>>, ScanError> {
        self.visited += 1;
        let Visit {
            path,
            depth,
            outcome,
        } = v;
        match outcome {
            Outcome::Listed(children, stat) => {
                self.node(&path, depth, &stat, children.len() as u64);
                if children.is_empty() {
                    return Ok(None);
                }
                let next = children
                    .into_iter()
                    .map(|name| (child_path(&path, &name), depth + 1))
                    .collect();
                Ok(Some(next))
            }
            Outcome::NoAuth(stat) => {
                match stat {
                    Some(stat) => {
                        let n = u64::try_from(stat.num_children).unwrap_or(0);
                        self.node(&path, depth, &stat, n);
                        self.unlisted_children += n;
                    }
                    None => self.znodes += 1,
                }
                self.no_auth += 1;
                self.no_auth_paths.offer(path);
                Ok(None)
            }
            Outcome::Vanished if depth == 0 => Err(ScanError::NoNode(path)),
            Outcome::Vanished => {
                self.vanished += 1;
                self.vanished_paths.offer(path);
                Ok(None)
            }
            Outcome::Unreadable(zkc::Error::BadArguments(why)) if depth == 0 => {
                Err(ScanError::BadPath { path, why })
            }
            Outcome::Unreadable(e) => {
                self.znodes += 1;
                self.unreadable += 1;
                self.unreadable_nodes.offer((path, e.to_string()));
                Ok(None)
            }
            Outcome::SessionLost(source) => Err(ScanError::Session { path, source }),
        }
    }

    fn finish(
        self,
        root: String,
        elapsed: Duration,
        cancelled: bool,
        truncated: bool,
    ) -> ScanReport {
        let secs = elapsed.as_secs_f64().max(1e-6);
        ScanReport {
            root,
            znodes: self.znodes,
            data_bytes: self.data_bytes,
            ephemerals: self.ephemerals,
            max_depth: self.max_depth,
            deepest_path: self.deepest_path,
            most_children: self
                .most_children
                .into_sorted()
                .into_iter()
                .map(|(children, path)| ChildrenEntry { path, children })
                .collect(),
            largest_data: self
                .largest_data
                .into_sorted()
                .into_iter()
                .map(|(bytes, path)| DataEntry { path, bytes })
                .collect(),
            no_auth: NoAuthSummary {
                count: self.no_auth,
                paths: self.no_auth_paths.0.into_iter().collect(),
                unlisted_children: self.unlisted_children,
            },
            vanished: VanishedSummary {
                count: self.vanished,
                paths: self.vanished_paths.0.into_iter().collect(),
            },
            unreadable: UnreadableSummary {
                count: self.unreadable,
                nodes: self
                    .unreadable_nodes
                    .0
                    .into_iter()
                    .map(|(path, error)| UnreadableEntry { path, error })
                    .collect(),
            },
            elapsed_ms: elapsed.as_millis() as u64,
            nodes_per_sec: (self.znodes as f64 / secs).round() as u64,
            cancelled,
            truncated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_paths() {
        assert_eq!(normalize_path("/").unwrap(), "/");
        assert_eq!(normalize_path("//").unwrap(), "/");
        assert_eq!(normalize_path("/a/b/").unwrap(), "/a/b");
        assert_eq!(normalize_path("/日本/🎉").unwrap(), "/日本/🎉");
        for bad in ["", "a", "a/b", "/a//b", "/a/./b", "/a/.."] {
            assert!(normalize_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn joins_child_paths() {
        assert_eq!(child_path("/", "a"), "/a");
        assert_eq!(child_path("/a", "b"), "/a/b");
    }

    #[test]
    fn top_n_keeps_largest_with_path_ties() {
        let mut t = TopN::new(3);
        for (v, p) in [
            (5, "/e"),
            (0, "/zero"),
            (9, "/b"),
            (9, "/a"),
            (1, "/x"),
            (7, "/c"),
            (9, "/c9"),
        ] {
            t.offer(v, p);
        }
        assert_eq!(
            t.into_sorted(),
            vec![(9, "/a".into()), (9, "/b".into()), (9, "/c9".into())]
        );
        let mut none = TopN::new(0);
        none.offer(3, "/a");
        assert!(none.into_sorted().is_empty());
    }

    #[test]
    fn samples_keep_first_paths() {
        let mut s = Sample(BTreeSet::new());
        for i in (0..100).rev() {
            s.offer(format!("/n{i:03}"));
        }
        let v: Vec<_> = s.0.into_iter().collect();
        assert_eq!(v.len(), SAMPLE_PATHS);
        assert_eq!(v[0], "/n000");
        assert_eq!(v[SAMPLE_PATHS - 1], "/n009");
    }

    #[test]
    fn formats_numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1_000_000), "976.6 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
    }
}
