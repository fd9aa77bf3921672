//! The znode browser's ZooKeeper session, in a task of its own: it answers the browser's
//! requests concurrently (requests pipeline on one session), keeps a watch only on the open
//! node's children and the selected node's data, and makes every write with the version it
//! expects, recorded in the audit log.
//!
//! Bounded in every direction: each request has a deadline (a multiple of the configured
//! timeout); a newer listing or inspection aborts the older one; the request queue is
//! bounded; a watched node that changes fast is re-read at most once per `min_refresh` (more
//! rarely while a member is strained). A session that expires is replaced by a new one and
//! the browser reloads where it was.

use crate::app::tree::{AclChoice, AclInfo, Churn, CreateKind, NodeDetail, TreeMsg, TreeRequest};
use crate::app::Msg;
use crate::audit::{AuditLog, AuditRecord};
use crate::config::Credentials;
use crate::tree::node::{acl_spec, child_path, parent_path, safe_name, AclEntry, Identities};
use crate::tree::node::{NodeStat, ADMIN, CREATE, DELETE, READ, WRITE};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc::{channel, Receiver, Sender, UnboundedSender};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{sleep, sleep_until, Instant};
use zookeeper_client as zkc;

/// Requests waiting for the worker at most; the console refuses more (the browser is busy).
pub const QUEUE: usize = 256;
/// How much further apart re-reads are while a member is strained.
const STRAINED_FACTOR: u32 = 4;

pub struct Context {
    pub connect: String,
    pub credentials: Option<Credentials>,
    pub tls: crate::probe::secure::TlsPorts,
    pub timeout: Duration,
    pub ensemble: String,
    pub read_only: bool,
    pub gen: u64,
    /// Least time between two re-reads of one watched node (`[tree] min_refresh_ms`).
    pub min_refresh: Duration,
}

impl Context {
    /// The deadline of one request: a listing of 50,000 children is about a megabyte, so a
    /// few times the configured timeout.
    fn deadline(&self) -> Duration {
        (self.timeout * 4).max(Duration::from_secs(2))
    }
}

/// Starts the worker; requests go in through the returned (bounded) sender.
pub fn spawn(ctx: Context, tx: UnboundedSender<Msg>) -> (Sender<TreeRequest>, JoinHandle<()>) {
    let (req_tx, req_rx) = channel::<TreeRequest>(QUEUE);
    (req_tx, tokio::spawn(run(ctx, tx, req_rx)))
}

/// What the session's own tasks tell the worker.
enum Lifecycle {
    /// The session expired or closed: a new one is being opened.
    Ended(String),
    Renewed(zkc::Client),
}

async fn run(ctx: Context, tx: UnboundedSender<Msg>, mut req_rx: Receiver<TreeRequest>) {
    let client = match open(&ctx).await {
        Ok(c) => c,
        Err(e) => {
            // Answer what is asked with the reason, so the view says it in place, then end:
            // the next request starts a new worker, which tries again (with the members of
            // that moment).
            let why = format!("no ZooKeeper session: {e}");
            if let Some(r) = req_rx.recv().await {
                refuse(r, &why, &tx);
            }
            while let Ok(r) = req_rx.try_recv() {
                refuse(r, &why, &tx);
            }
            return;
        }
    };
    let (life_tx, mut life_rx) = channel::<Lifecycle>(4);
    let mut w = Worker::new(ctx, tx, life_tx);
    w.adopt(client);
    loop {
        tokio::select! {
            req = req_rx.recv() => match req {
                Some(r) => w.handle(r),
                None => break,
            },
            Some(event) = life_rx.recv() => match event {
                Lifecycle::Ended(reason) => w.lost(reason),
                Lifecycle::Renewed(client) => {
                    w.adopt(client);
                    w.send(TreeMsg::SessionRenewed { at: SystemTime::now() });
                }
            },
        }
    }
    w.stop();
}

/// Opens the browser's session (with its own deadline, see `connect_session`).
async fn open(ctx: &Context) -> Result<zkc::Client, crate::zk::SessionError> {
    crate::zk::connect_session(
        &ctx.connect,
        ctx.timeout,
        ctx.credentials.as_ref(),
        &ctx.tls,
    )
    .await
}

/// Answers a request that cannot be served, so the view says why in place.
fn refuse(r: TreeRequest, why: &str, tx: &UnboundedSender<Msg>) {
    let why = why.to_string();
    let m = match r {
        TreeRequest::List { path } => TreeMsg::Children {
            path,
            result: Err(why),
        },
        TreeRequest::Inspect { path } => TreeMsg::Node {
            path,
            result: Err(why),
        },
        TreeRequest::ReadAcl { path } => TreeMsg::Acl {
            path,
            result: Err(why),
        },
        TreeRequest::Count { path } => TreeMsg::Count {
            path,
            result: Err(why),
        },
        TreeRequest::Scan { path } => TreeMsg::ScanDone {
            path,
            result: Err(why),
        },
        TreeRequest::Stats { .. }
        | TreeRequest::Names { .. }
        | TreeRequest::CancelScan
        | TreeRequest::Pace { .. } => return,
        _ => TreeMsg::Written(Err(why)),
    };
    let _ = tx.send(Msg::Tree(m));
}

struct Worker {
    ctx: Arc<Context>,
    tx: UnboundedSender<Msg>,
    life: Sender<Lifecycle>,
    client: Option<Arc<zkc::Client>>,
    /// Why there is no session, while a new one is being opened.
    lost: Option<String>,
    /// Without an audit log every write is refused, with the reason; reads go on.
    audit: Result<AuditLog, String>,
    pace: watch::Sender<bool>,
    cancel_scan: Arc<AtomicBool>,
    /// The open node's listing loop, the inspected node's reading loop, the latest
    /// completion, the open node's page of Stats: each superseded by the next of its kind.
    list: Option<JoinHandle<()>>,
    data: Option<JoinHandle<()>>,
    names: Option<JoinHandle<()>>,
    stats: Vec<JoinHandle<()>>,
    /// Follows the session's state; opens a new session after expiry.
    monitor: Option<JoinHandle<()>>,
    renew: Option<JoinHandle<()>>,
}

impl Worker {
    fn new(ctx: Context, tx: UnboundedSender<Msg>, life: Sender<Lifecycle>) -> Worker {
        Worker {
            ctx: Arc::new(ctx),
            tx,
            life,
            client: None,
            lost: None,
            audit: AuditLog::default_location().map_err(|e| e.to_string()),
            pace: watch::channel(false).0,
            cancel_scan: Arc::new(AtomicBool::new(false)),
            list: None,
            data: None,
            names: None,
            stats: Vec::new(),
            monitor: None,
            renew: None,
        }
    }

    fn send(&self, m: TreeMsg) {
        let _ = self.tx.send(Msg::Tree(m));
    }

    fn adopt(&mut self, client: zkc::Client) {
        let client = Arc::new(client);
        self.monitor = Some(follow_session(
            client.clone(),
            self.tx.clone(),
            self.life.clone(),
        ));
        self.client = Some(client);
        self.lost = None;
    }

    /// The session ended: stop what used it, say so, and open a new one (retrying with a
    /// growing pause, each attempt bounded by its own deadline).
    fn lost(&mut self, reason: String) {
        self.abort_reads();
        self.client = None;
        self.lost = Some(reason.clone());
        self.send(TreeMsg::SessionLost {
            reason,
            at: SystemTime::now(),
        });
        let ctx = self.ctx.clone();
        let life = self.life.clone();
        self.renew = Some(tokio::spawn(async move {
            let mut pause = Duration::from_millis(500);
            loop {
                match open(&ctx).await {
                    Ok(c) => {
                        let _ = life.send(Lifecycle::Renewed(c)).await;
                        return;
                    }
                    Err(e) => tracing::info!(error = %e, "browser session not yet renewed"),
                }
                sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
        }));
    }

    fn abort_reads(&mut self) {
        for h in [self.list.take(), self.data.take(), self.names.take()]
            .into_iter()
            .flatten()
        {
            h.abort();
        }
        for h in self.stats.drain(..) {
            h.abort();
        }
    }

    fn stop(&mut self) {
        self.abort_reads();
        self.cancel_scan.store(true, Ordering::Relaxed);
        for h in [self.monitor.take(), self.renew.take()]
            .into_iter()
            .flatten()
        {
            h.abort();
        }
    }

    fn follow(&self, client: &Arc<zkc::Client>) -> Follow {
        Follow {
            client: client.clone(),
            tx: self.tx.clone(),
            deadline: self.ctx.deadline(),
            min_refresh: self.ctx.min_refresh,
            pace: self.pace.subscribe(),
        }
    }

    fn handle(&mut self, req: TreeRequest) {
        if req.is_write() && self.ctx.read_only {
            // Read-only never writes, whatever asks.
            self.send(TreeMsg::Written(Err(
                "read-only: nothing was written".into()
            )));
            return;
        }
        if let TreeRequest::Pace { strained } = req {
            self.pace.send_replace(strained);
            return;
        }
        if let TreeRequest::CancelScan = req {
            self.cancel_scan.store(true, Ordering::Relaxed);
            return;
        }
        let Some(client) = self.client.clone() else {
            let why = format!(
                "no session ({}): reconnecting …",
                self.lost.as_deref().unwrap_or("lost")
            );
            refuse(req, &why, &self.tx);
            return;
        };
        let tx = self.tx.clone();
        let deadline = self.ctx.deadline();
        match req {
            TreeRequest::List { path } => {
                // A new open node supersedes the old listing and its page of Stats.
                for h in self.list.take().into_iter().chain(self.stats.drain(..)) {
                    h.abort();
                }
                self.list = Some(tokio::spawn(follow_children(self.follow(&client), path)));
            }
            TreeRequest::Inspect { path } => {
                if let Some(h) = self.data.take() {
                    h.abort();
                }
                self.data = Some(tokio::spawn(follow_data(self.follow(&client), path)));
            }
            TreeRequest::Stats { parent, names } => {
                self.stats.retain(|h| !h.is_finished());
                self.stats.push(tokio::spawn(async move {
                    let futs = names
                        .iter()
                        .map(|n| within(deadline, client.check_stat(&child_path(&parent, n))));
                    let results = futures::future::join_all(futs).await;
                    let stats = names
                        .into_iter()
                        .zip(results)
                        .map(|(n, r)| (n, r.ok().flatten().map(|s| NodeStat::from(&s))))
                        .collect();
                    let _ = tx.send(Msg::Tree(TreeMsg::Stats { parent, stats }));
                }));
            }
            TreeRequest::Names { parent } => {
                if let Some(h) = self.names.take() {
                    h.abort();
                }
                self.names = Some(tokio::spawn(async move {
                    let names = within(deadline, client.list_children(&parent))
                        .await
                        .unwrap_or_default();
                    let _ = tx.send(Msg::Tree(TreeMsg::Names { parent, names }));
                }));
            }
            TreeRequest::Scan { path } => self.scan(client, path),
            TreeRequest::Count { path } => {
                tokio::spawn(async move {
                    let r = within(deadline, client.count_descendants_number(&path))
                        .await
                        .map(|n| n as u64)
                        .map_err(|e| {
                            format!("cannot count the nodes under {}: {e}", safe_name(&path))
                        });
                    let _ = tx.send(Msg::Tree(TreeMsg::Count { path, result: r }));
                });
            }
            TreeRequest::ReadAcl { path } => {
                let ours = Identities::new(
                    self.ctx
                        .credentials
                        .as_ref()
                        .map(Credentials::digest_identity),
                );
                tokio::spawn(async move {
                    let result = within(deadline, client.get_acl(&path))
                        .await
                        .map(|(acl, stat)| AclInfo {
                            acl: acl.iter().map(entry_of).collect(),
                            aversion: stat.aversion,
                            ours,
                        })
                        .map_err(|e| format!("ACL of {}: {e}", safe_name(&path)));
                    let _ = tx.send(Msg::Tree(TreeMsg::Acl { path, result }));
                });
            }
            write => {
                let audit = match &self.audit {
                    Ok(a) => a.clone(),
                    Err(e) => {
                        let why = format!(
                            "refused, the write could not be audited: {e}; nothing was written"
                        );
                        let _ = tx.send(Msg::Tree(TreeMsg::Written(Err(why))));
                        return;
                    }
                };
                let w = Writer {
                    audit,
                    ensemble: self.ctx.ensemble.clone(),
                    auth: self.ctx.credentials.as_ref().map(|c| c.user.clone()),
                    deadline,
                };
                tokio::spawn(async move {
                    let r = w.write(&client, write, &tx).await;
                    let _ = tx.send(Msg::Tree(TreeMsg::Written(r)));
                });
            }
        }
    }

    /// One scan at a time; a strained member gets a narrow window (fewer requests in flight).
    fn scan(&mut self, client: Arc<zkc::Client>, path: String) {
        self.cancel_scan.store(false, Ordering::Relaxed);
        let cancel = self.cancel_scan.clone();
        let strained = *self.pace.borrow();
        let deadline = self.ctx.deadline();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let progress = |p: &crate::tree::scan::ScanProgress| {
                let _ = tx.send(Msg::Tree(TreeMsg::ScanProgress {
                    path: path.clone(),
                    visited: p.visited,
                    elapsed_ms: p.elapsed.as_millis() as u64,
                }));
            };
            let mut opts = crate::tree::scan::ScanOptions {
                request_timeout: deadline,
                ..Default::default()
            };
            if strained {
                opts.window = (opts.window / 8).max(1);
            }
            let r = crate::tree::scan::scan(&client, &path, &opts, progress, &cancel).await;
            let _ = tx.send(Msg::Tree(TreeMsg::ScanDone {
                path: path.clone(),
                result: r.map(Box::new).map_err(|e| e.to_string()),
            }));
        });
    }
}

/// A request that failed, or did not answer in time.
#[derive(Debug)]
enum Failure {
    Zk(zkc::Error),
    Deadline(Duration),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Zk(e) => f.write_str(&describe(e)),
            Failure::Deadline(d) => write!(
                f,
                "no answer within {} ms (a write may still have been applied: press r to reload)",
                d.as_millis()
            ),
        }
    }
}

/// Every call to the server goes through here: none waits longer than `deadline`.
async fn within<T>(
    deadline: Duration,
    call: impl Future<Output = Result<T, zkc::Error>>,
) -> Result<T, Failure> {
    match tokio::time::timeout(deadline, call).await {
        Ok(r) => r.map_err(Failure::Zk),
        Err(_) => Err(Failure::Deadline(deadline)),
    }
}

/// Follows the session's state: a reconnect (same session) tells the view to re-read; an
/// expired or closed session tells the worker, which opens a new one.
fn follow_session(
    client: Arc<zkc::Client>,
    tx: UnboundedSender<Msg>,
    life: Sender<Lifecycle>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut states = client.state_watcher();
        drop(client);
        let mut was_connected = true;
        loop {
            let state = states.changed().await;
            let connected = matches!(
                state,
                zkc::SessionState::SyncConnected | zkc::SessionState::ConnectedReadOnly
            );
            if connected && !was_connected {
                let at = SystemTime::now();
                if tx.send(Msg::Tree(TreeMsg::Reconnected { at })).is_err() {
                    return;
                }
            }
            if state.is_terminated() {
                let reason = match state {
                    zkc::SessionState::Expired => "session expired",
                    zkc::SessionState::AuthFailed => "authentication failed",
                    _ => "session closed",
                };
                let _ = life.send(Lifecycle::Ended(reason.into())).await;
                return;
            }
            was_connected = connected;
        }
    })
}

/// What a watch-following loop needs.
struct Follow {
    client: Arc<zkc::Client>,
    tx: UnboundedSender<Msg>,
    deadline: Duration,
    min_refresh: Duration,
    pace: watch::Receiver<bool>,
}

impl Follow {
    fn send(&self, m: TreeMsg) {
        let _ = self.tx.send(Msg::Tree(m));
    }

    fn strained(&self) -> bool {
        *self.pace.borrow()
    }

    /// The least time between two reads of one node now.
    fn every(&self) -> Duration {
        if self.strained() {
            self.min_refresh * STRAINED_FACTOR
        } else {
            self.min_refresh
        }
    }
}

/// How often a node is read, and how fast it changed between the last two reads.
struct Pacer {
    last: Option<(Instant, i64)>,
    /// The last change came sooner than the pace allows: reads are being held back.
    hot: bool,
}

impl Pacer {
    fn new() -> Pacer {
        Pacer {
            last: None,
            hot: false,
        }
    }

    /// Records a read at `at` of a node whose change counter (cversion or version) is
    /// `counter`; while hot, returns the rate to show.
    fn read(&mut self, at: Instant, counter: i64, f: &Follow) -> Option<Churn> {
        let rate = self.last.map(|(t0, c0)| {
            let secs = at.saturating_duration_since(t0).as_secs_f64().max(0.001);
            (counter - c0).max(0) as f64 / secs
        });
        self.last = Some((at, counter));
        match (self.hot, rate) {
            (true, Some(per_sec)) => Some(Churn {
                per_sec,
                every_ms: f.every().as_millis() as u64,
                strained: f.strained(),
            }),
            _ => None,
        }
    }

    /// Waits for `changed`; then at most one read per pace. A node quiet for a few paces is
    /// calm again (the view stops saying it changes).
    async fn wait<E>(
        &mut self,
        read_at: Instant,
        changed: impl Future<Output = E>,
        f: &Follow,
        calm: impl Fn(),
    ) {
        tokio::pin!(changed);
        let quiet = f.every() * 3;
        tokio::select! {
            _ = &mut changed => {}
            _ = sleep(quiet) => {
                if self.hot {
                    self.hot = false;
                    calm();
                }
                changed.await;
            }
        }
        let next = read_at + f.every();
        self.hot = Instant::now() < next;
        sleep_until(next).await;
    }
}

/// Lists the open node and re-lists it on each change, never more often than the pace.
async fn follow_children(f: Follow, path: String) {
    let mut pacer = Pacer::new();
    loop {
        let at = Instant::now();
        let (names, stat, watcher) =
            match within(f.deadline, f.client.get_and_watch_children(&path)).await {
                Ok(v) => v,
                Err(e) => {
                    f.send(TreeMsg::Children {
                        path,
                        result: Err(e.to_string()),
                    });
                    return;
                }
            };
        f.send(TreeMsg::Children {
            path: path.clone(),
            result: Ok((names, NodeStat::from(&stat))),
        });
        if let Some(churn) = pacer.read(at, i64::from(stat.cversion), &f) {
            f.send(TreeMsg::Churn {
                path: path.clone(),
                data: false,
                churn: Some(churn),
            });
        }
        let calm = || {
            f.send(TreeMsg::Churn {
                path: path.clone(),
                data: false,
                churn: None,
            })
        };
        pacer.wait(at, watcher.changed(), &f, calm).await;
    }
}

/// Reads the inspected node (data, Stat, ACL) and re-reads it on each change, never more
/// often than the pace. The ACL is read again only when its version moved.
async fn follow_data(f: Follow, path: String) {
    let mut pacer = Pacer::new();
    let mut acl: Option<(i32, Result<Vec<AclEntry>, String>)> = None;
    loop {
        let at = Instant::now();
        let (bytes, stat, watcher) =
            match within(f.deadline, f.client.get_and_watch_data(&path)).await {
                Ok(v) => v,
                Err(e) => {
                    f.send(TreeMsg::Node {
                        path,
                        result: Err(e.to_string()),
                    });
                    return;
                }
            };
        if acl.as_ref().map(|(v, _)| *v) != Some(stat.aversion) {
            let read = within(f.deadline, f.client.get_acl(&path))
                .await
                .map(|(list, _)| list.iter().map(entry_of).collect())
                .map_err(|e| format!("(ACL unreadable: {e})"));
            acl = Some((stat.aversion, read));
        }
        let detail = NodeDetail {
            stat: NodeStat::from(&stat),
            data: bytes,
            acl: acl.as_ref().map(|(_, a)| a.clone()).unwrap_or(Ok(vec![])),
        };
        f.send(TreeMsg::Node {
            path: path.clone(),
            result: Ok(detail),
        });
        if let Some(churn) = pacer.read(at, i64::from(stat.version), &f) {
            f.send(TreeMsg::Churn {
                path: path.clone(),
                data: true,
                churn: Some(churn),
            });
        }
        let calm = || {
            f.send(TreeMsg::Churn {
                path: path.clone(),
                data: true,
                churn: None,
            })
        };
        pacer.wait(at, watcher.changed(), &f, calm).await;
    }
}

const PERMS: [(i32, zkc::Permission); 5] = [
    (READ, zkc::Permission::READ),
    (WRITE, zkc::Permission::WRITE),
    (CREATE, zkc::Permission::CREATE),
    (DELETE, zkc::Permission::DELETE),
    (ADMIN, zkc::Permission::ADMIN),
];

fn entry_of(a: &zkc::Acl) -> AclEntry {
    let perms = PERMS
        .iter()
        .filter(|(_, p)| a.permission().has(*p))
        .map(|(b, _)| b)
        .sum();
    AclEntry::new(a.scheme(), a.id(), perms)
}

fn acl_of(e: &AclEntry) -> zkc::Acl {
    let perm = PERMS
        .iter()
        .filter(|(b, _)| e.perms & b != 0)
        .fold(zkc::Permission::NONE, |p, (_, q)| p | *q);
    zkc::Acl::new(perm, zkc::AuthId::new(&e.scheme, &e.id))
}

/// ZooKeeper's errors in the operator's words.
fn describe(e: &zkc::Error) -> String {
    match e {
        zkc::Error::NoAuth => "NoAuth: this node's ACL does not let our identity do that (configure digest credentials)".into(),
        zkc::Error::NoNode => "no such node (deleted meanwhile?)".into(),
        zkc::Error::BadVersion => "changed by someone else since it was read: nothing was overwritten; press r to reload".into(),
        zkc::Error::NodeExists => "a node of that name exists already".into(),
        zkc::Error::NotEmpty => "it has children: delete them first (the recursive delete does)".into(),
        zkc::Error::InvalidAcl => "InvalidACL: the server refused that ACL (a creator-only `auth` ACL needs digest credentials)".into(),
        other => other.to_string(),
    }
}

/// Makes one write, each call with its expected version and deadline, audited.
struct Writer {
    audit: AuditLog,
    ensemble: String,
    auth: Option<String>,
    deadline: Duration,
}

/// What an audit record says about one write.
struct Audited<'a> {
    action: &'a str,
    path: &'a str,
    before: Option<String>,
    after: Option<String>,
    expected: Option<String>,
}

impl Writer {
    /// Records the intent, makes the write only if that worked (`write` is called after: the
    /// client sends a request as soon as it is made), then records the result. The outer
    /// `Err` is a refusal: nothing was sent.
    async fn audited<T, F>(
        &self,
        a: Audited<'_>,
        write: impl FnOnce() -> F,
        version_of: impl Fn(&T) -> Option<String>,
    ) -> Result<Result<T, Failure>, String>
    where
        F: Future<Output = Result<T, Failure>>,
    {
        let mut rec = AuditRecord::new(&self.ensemble, a.action, a.path, self.auth.as_deref());
        rec.before = a.before;
        rec.after = a.after;
        rec.expected_version = a.expected;
        let mut intent = self.audit.intend(rec).await.map_err(|e| {
            format!("refused, the write could not be audited: {e}; nothing was written")
        })?;
        let r = write().await;
        intent.record.new_version = r.as_ref().ok().and_then(version_of);
        // The write happened: a result that cannot be recorded is logged by `finish`.
        let _ = intent.finish_with(&r).await;
        Ok(r)
    }

    /// The value a write replaces, as it was just before (a change in between makes the
    /// write itself fail on its version).
    async fn current(&self, client: &zkc::Client, path: &str) -> Option<String> {
        within(self.deadline, client.get_data(path))
            .await
            .ok()
            .map(|(d, stat)| format!("{} at version {}", self.audit.summary(&d), stat.version))
    }

    async fn write(
        &self,
        client: &zkc::Client,
        req: TreeRequest,
        tx: &UnboundedSender<Msg>,
    ) -> Result<String, String> {
        match req {
            TreeRequest::Create {
                path,
                data,
                kind,
                acl,
            } => {
                let r = self.create(client, &path, &data, kind, acl).await;
                if let Ok(created) = &r {
                    let _ = tx.send(Msg::Tree(TreeMsg::Created {
                        path: created.clone(),
                    }));
                }
                r.map(|p| format!("created {}", safe_name(&p)))
            }
            TreeRequest::SetData {
                path,
                data,
                version,
            } => {
                let before = self.current(client, &path).await;
                let audited = Audited {
                    action: "set",
                    path: &path,
                    before,
                    after: Some(self.audit.summary(&data)),
                    expected: Some(version.to_string()),
                };
                let write = || within(self.deadline, client.set_data(&path, &data, Some(version)));
                let r = self
                    .audited(audited, write, |s| Some(s.version.to_string()))
                    .await?;
                if let Err(Failure::Zk(zkc::Error::BadVersion)) = &r {
                    // The edit keeps its text and offers to re-apply it on the new version.
                    let refused = TreeMsg::Refused { path: path.clone() };
                    let _ = tx.send(Msg::Tree(refused));
                }
                r.map(|s| {
                    format!(
                        "{} set: version {version} → {}",
                        safe_name(&path),
                        s.version
                    )
                })
                .map_err(|e| format!("set {}: {e}", safe_name(&path)))
            }
            TreeRequest::SetAcl {
                path,
                acl,
                aversion,
            } => self.set_acl(client, &path, &acl, aversion).await,
            TreeRequest::Delete {
                path,
                version,
                recursive,
            } => {
                if recursive {
                    self.delete_tree(client, &path, version).await
                } else {
                    let before = self.current(client, &path).await;
                    let audited = Audited {
                        action: "delete",
                        path: &path,
                        before,
                        after: None,
                        expected: Some(version.to_string()),
                    };
                    let write = || within(self.deadline, client.delete(&path, Some(version)));
                    let r = self.audited(audited, write, |_| None).await?;
                    r.map(|_| format!("deleted {}", safe_name(&path)))
                        .map_err(|e| format!("delete {}: {e}", safe_name(&path)))
                }
            }
            other => Err(format!("not a write: {other:?}")),
        }
    }

    /// The ACL a new node gets: by default its parent's, so a protected subtree stays so.
    async fn create_acl(
        &self,
        client: &zkc::Client,
        path: &str,
        choice: AclChoice,
    ) -> Result<Vec<zkc::Acl>, String> {
        match choice {
            AclChoice::CreatorOnly => Ok(zkc::Acls::creator_all().to_vec()),
            AclChoice::WorldRead => Ok(zkc::Acls::anyone_read().to_vec()),
            AclChoice::AsParent => {
                let parent = parent_path(path);
                within(self.deadline, client.get_acl(&parent))
                    .await
                    .map(|(acl, _)| acl)
                    .map_err(|e| {
                        format!(
                            "create {}: cannot read the ACL of {} to copy it ({e}): choose another ACL",
                            safe_name(path),
                            safe_name(&parent)
                        )
                    })
            }
        }
    }

    /// Creates the node; returns its real path (sequential nodes get a suffix).
    async fn create(
        &self,
        client: &zkc::Client,
        path: &str,
        data: &[u8],
        kind: CreateKind,
        choice: AclChoice,
    ) -> Result<String, String> {
        let mode = match kind {
            CreateKind::Persistent => zkc::CreateMode::Persistent,
            CreateKind::Ephemeral => zkc::CreateMode::Ephemeral,
            CreateKind::PersistentSequential => zkc::CreateMode::PersistentSequential,
            CreateKind::EphemeralSequential => zkc::CreateMode::EphemeralSequential,
            CreateKind::Container => zkc::CreateMode::Container,
        };
        let acl = self.create_acl(client, path, choice).await?;
        let shown_acl = acl_spec(&acl.iter().map(entry_of).collect::<Vec<_>>());
        let opts = mode.with_acls(zkc::Acls::new(&acl));
        let audited = Audited {
            action: "create",
            path,
            before: None,
            after: Some(format!("{} acl {shown_acl}", self.audit.summary(data))),
            expected: Some("absent".into()),
        };
        let write = || within(self.deadline, client.create(path, data, &opts));
        let r = self.audited(audited, write, |_| Some("0".into())).await?;
        r.map(|(_, seq)| {
            if seq.into_i64() >= 0 {
                format!("{path}{:010}", seq.into_i64())
            } else {
                path.to_string()
            }
        })
        .map_err(|e| format!("create {}: {e}", safe_name(path)))
    }

    /// Replaces the ACL only at the ACL version the edit started from.
    async fn set_acl(
        &self,
        client: &zkc::Client,
        path: &str,
        acl: &[AclEntry],
        aversion: i32,
    ) -> Result<String, String> {
        let before = within(self.deadline, client.get_acl(path))
            .await
            .ok()
            .map(|(a, s)| {
                format!(
                    "acl {} at aversion {}",
                    acl_spec(&a.iter().map(entry_of).collect::<Vec<_>>()),
                    s.aversion
                )
            });
        let list: Vec<zkc::Acl> = acl.iter().map(acl_of).collect();
        let audited = Audited {
            action: "setacl",
            path,
            before,
            after: Some(format!("acl {}", acl_spec(acl))),
            expected: Some(aversion.to_string()),
        };
        let write = || within(self.deadline, client.set_acl(path, &list, Some(aversion)));
        let r = self
            .audited(audited, write, |s| Some(s.aversion.to_string()))
            .await?;
        r.map(|s| {
            format!(
                "{} ACL set: aversion {aversion} → {}",
                safe_name(path),
                s.aversion
            )
        })
        .map_err(|e| format!("setAcl {}: {e}", safe_name(path)))
    }

    /// Children first, each node with the version read just before: a node that changes
    /// during the delete stops it (BadVersion) instead of being removed unseen.
    async fn delete_tree(
        &self,
        client: &zkc::Client,
        root: &str,
        root_version: i32,
    ) -> Result<String, String> {
        let mut order: Vec<(String, i32)> = Vec::new();
        let mut stack = vec![root.to_string()];
        while let Some(p) = stack.pop() {
            let (children, stat) = within(self.deadline, client.get_children(&p))
                .await
                .map_err(|e| format!("{}: {e}", safe_name(&p)))?;
            let version = if p == root {
                root_version
            } else {
                stat.version
            };
            order.push((p.clone(), version));
            stack.extend(children.iter().map(|c| child_path(&p, c)));
        }
        let total = order.len();
        for (p, v) in order.into_iter().rev() {
            let audited = Audited {
                action: "delete",
                path: &p,
                before: None,
                after: None,
                expected: Some(v.to_string()),
            };
            let write = || within(self.deadline, client.delete(&p, Some(v)));
            let r = self.audited(audited, write, |_| None).await?;
            r.map_err(|e| {
                format!(
                    "delete {}: {e} (stopped; nodes deleted before it stay deleted)",
                    safe_name(&p)
                )
            })?;
        }
        Ok(format!(
            "deleted {} and everything under it: {total} node(s)",
            safe_name(root)
        ))
    }
}
