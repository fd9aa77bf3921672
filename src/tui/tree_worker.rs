//! The znode browser's ZooKeeper session, in a task of its own: it answers the browser's
//! requests concurrently (requests pipeline on one session), keeps a watch only on the open
//! node's children and the selected node's data, re-arms them after a reconnect, and makes
//! every write with the version it expects, recorded in the audit log.

use crate::app::tree::{CreateKind, NodeDetail, TreeMsg, TreeRequest};
use crate::app::Msg;
use crate::audit::{AuditError, AuditLog, AuditRecord};
use crate::config::Credentials;
use crate::tree::node::{acl_text, child_path, NodeStat};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio::task::JoinHandle;
use zookeeper_client as zkc;

pub struct Context {
    pub connect: String,
    pub credentials: Option<Credentials>,
    pub timeout: Duration,
    pub ensemble: String,
    pub read_only: bool,
    pub gen: u64,
}

/// Starts the worker; requests go in through the returned sender.
pub fn spawn(
    ctx: Context,
    tx: UnboundedSender<Msg>,
) -> (UnboundedSender<TreeRequest>, JoinHandle<()>) {
    let (req_tx, mut req_rx) = unbounded_channel::<TreeRequest>();
    let handle = tokio::spawn(async move {
        let send = |m: TreeMsg| {
            let _ = tx.send(Msg::Tree(m));
        };
        let client =
            match crate::zk::connect_session(&ctx.connect, ctx.timeout, ctx.credentials.as_ref())
                .await
            {
                Ok(c) => Arc::new(c),
                Err(e) => {
                    // Answer what is asked with the reason, so the view says it in place, then
                    // end: the next request starts a new worker, which tries again (with the
                    // members of that moment).
                    let mut pending = Vec::new();
                    if let Some(r) = req_rx.recv().await {
                        pending.push(r);
                    }
                    while let Ok(r) = req_rx.try_recv() {
                        pending.push(r);
                    }
                    for r in pending {
                        let why = format!("no ZooKeeper session: {e}");
                        match r {
                            TreeRequest::List { path } => send(TreeMsg::Children {
                                path,
                                result: Err(why),
                            }),
                            TreeRequest::Inspect { path } => send(TreeMsg::Node {
                                path,
                                result: Err(why),
                            }),
                            _ => send(TreeMsg::Written(Err(why))),
                        }
                    }
                    return;
                }
            };
        let reconnects = watch_reconnects(client.clone(), tx.clone());
        // Without an audit log every write is refused, with the reason; reads go on.
        let audit = AuditLog::open_default().await;
        let auth = ctx.credentials.as_ref().map(|c| c.user.clone());
        let mut list_watch: Option<JoinHandle<()>> = None;
        let cancel_scan = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut data_watch: Option<JoinHandle<()>> = None;
        while let Some(req) = req_rx.recv().await {
            if req.is_write() && ctx.read_only {
                // Read-only never writes, whatever asks.
                send(TreeMsg::Written(Err(
                    "read-only: nothing was written".into()
                )));
                continue;
            }
            let client = client.clone();
            let tx = tx.clone();
            match req {
                TreeRequest::List { path } => {
                    if let Some(h) = list_watch.take() {
                        h.abort();
                    }
                    list_watch = Some(tokio::spawn(async move {
                        let r = client.get_and_watch_children(&path).await;
                        match r {
                            Ok((names, stat, watcher)) => {
                                let _ = tx.send(Msg::Tree(TreeMsg::Children {
                                    path: path.clone(),
                                    result: Ok((names, NodeStat::from(&stat))),
                                }));
                                let _ = watcher.changed().await;
                                let _ = tx.send(Msg::Tree(TreeMsg::Changed { path }));
                            }
                            Err(e) => {
                                let _ = tx.send(Msg::Tree(TreeMsg::Children {
                                    path,
                                    result: Err(describe(&e)),
                                }));
                            }
                        }
                    }));
                }
                TreeRequest::Inspect { path } => {
                    if let Some(h) = data_watch.take() {
                        h.abort();
                    }
                    data_watch = Some(tokio::spawn(async move {
                        let (data, acl) =
                            tokio::join!(client.get_and_watch_data(&path), client.get_acl(&path));
                        match data {
                            Ok((bytes, stat, watcher)) => {
                                let acl = match acl {
                                    Ok((list, _)) => list
                                        .iter()
                                        .map(|a| acl_text(a.scheme(), a.id(), perms(a)))
                                        .collect(),
                                    Err(e) => vec![format!("(ACL unreadable: {})", describe(&e))],
                                };
                                let detail = NodeDetail {
                                    stat: NodeStat::from(&stat),
                                    data: bytes,
                                    acl,
                                };
                                let _ = tx.send(Msg::Tree(TreeMsg::Node {
                                    path: path.clone(),
                                    result: Ok(detail),
                                }));
                                let _ = watcher.changed().await;
                                let _ = tx.send(Msg::Tree(TreeMsg::Changed { path }));
                            }
                            Err(e) => {
                                let _ = tx.send(Msg::Tree(TreeMsg::Node {
                                    path,
                                    result: Err(describe(&e)),
                                }));
                            }
                        }
                    }));
                }
                TreeRequest::Stats { parent, names } => {
                    tokio::spawn(async move {
                        let futs = names
                            .iter()
                            .map(|n| client.check_stat(&child_path(&parent, n)));
                        let results = futures::future::join_all(futs).await;
                        let stats = names
                            .into_iter()
                            .zip(results)
                            .map(|(n, r)| (n, r.ok().flatten().map(|s| NodeStat::from(&s))))
                            .collect();
                        let _ = tx.send(Msg::Tree(TreeMsg::Stats { parent, stats }));
                    });
                }
                TreeRequest::Names { parent } => {
                    tokio::spawn(async move {
                        let names = client.list_children(&parent).await.unwrap_or_default();
                        let _ = tx.send(Msg::Tree(TreeMsg::Names { parent, names }));
                    });
                }
                TreeRequest::CancelScan => {
                    cancel_scan.store(true, std::sync::atomic::Ordering::Relaxed)
                }
                TreeRequest::Scan { path } => {
                    cancel_scan.store(false, std::sync::atomic::Ordering::Relaxed);
                    let cancel = cancel_scan.clone();
                    tokio::spawn(async move {
                        let progress = |p: &crate::tree::scan::ScanProgress| {
                            let _ = tx.send(Msg::Tree(TreeMsg::ScanProgress {
                                path: path.clone(),
                                visited: p.visited,
                                elapsed_ms: p.elapsed.as_millis() as u64,
                            }));
                        };
                        let opts = crate::tree::scan::ScanOptions::default();
                        let r =
                            crate::tree::scan::scan(&client, &path, &opts, progress, &cancel).await;
                        let _ = tx.send(Msg::Tree(TreeMsg::ScanDone {
                            path: path.clone(),
                            result: r.map(Box::new).map_err(|e| e.to_string()),
                        }));
                    });
                }
                TreeRequest::Count { path } => {
                    tokio::spawn(async move {
                        let r = client
                            .count_descendants_number(&path)
                            .await
                            .map(|n| n as u64)
                            .map_err(|e| {
                                format!("cannot count the nodes under {path}: {}", describe(&e))
                            });
                        let _ = tx.send(Msg::Tree(TreeMsg::Count { path, result: r }));
                    });
                }
                write => {
                    let audit = audit.clone();
                    let auth = auth.clone();
                    let ensemble = ctx.ensemble.clone();
                    tokio::spawn(async move {
                        let r = match &audit {
                            Ok(audit) => {
                                let who = Who {
                                    audit,
                                    ensemble: &ensemble,
                                    auth: auth.as_deref(),
                                    unrecorded: Default::default(),
                                };
                                let r = write_node(&client, write, &who).await;
                                who.with_unrecorded(r)
                            }
                            Err(e) => Err(refused(e)),
                        };
                        let _ = tx.send(Msg::Tree(TreeMsg::Written(r)));
                    });
                }
            }
        }
        reconnects.abort();
        let _ = ctx.gen;
    });
    (req_tx, handle)
}

fn perms(a: &zkc::Acl) -> i32 {
    [
        (zkc::Permission::READ, 1),
        (zkc::Permission::WRITE, 2),
        (zkc::Permission::CREATE, 4),
        (zkc::Permission::DELETE, 8),
        (zkc::Permission::ADMIN, 16),
    ]
    .iter()
    .filter(|(p, _)| a.permission().has(*p))
    .map(|(_, b)| b)
    .sum()
}

/// ZooKeeper's errors in the operator's words.
fn describe(e: &zkc::Error) -> String {
    match e {
        zkc::Error::NoAuth => "NoAuth: this node's ACL does not let our identity read it (configure digest credentials)".into(),
        zkc::Error::NoNode => "no such node (deleted meanwhile?)".into(),
        zkc::Error::BadVersion => "changed by someone else since it was read: nothing was overwritten; press r to reload".into(),
        zkc::Error::NodeExists => "a node of that name exists already".into(),
        zkc::Error::NotEmpty => "it has children: delete them first (the recursive delete does)".into(),
        other => other.to_string(),
    }
}

/// After a reconnect, watches may have been lost: tell the view to re-read and re-arm.
fn watch_reconnects(client: Arc<zkc::Client>, tx: UnboundedSender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut states = client.state_watcher();
        let mut was_connected = true;
        loop {
            let state = states.changed().await;
            let connected = matches!(
                state,
                zkc::SessionState::SyncConnected | zkc::SessionState::ConnectedReadOnly
            );
            if connected && !was_connected && tx.send(Msg::Tree(TreeMsg::Reconnected)).is_err() {
                return;
            }
            if state.is_terminated() {
                return;
            }
            was_connected = connected;
        }
    })
}

/// Who writes, and where the writes are recorded.
struct Who<'a> {
    audit: &'a AuditLog,
    ensemble: &'a str,
    auth: Option<&'a str>,
    /// A result that could not be recorded after its write was made: the operator is told.
    unrecorded: std::sync::Mutex<Option<String>>,
}

impl Who<'_> {
    /// The write's answer, with a word when its result is missing from the audit log.
    fn with_unrecorded(&self, r: Result<String, String>) -> Result<String, String> {
        let note = self.unrecorded.lock().ok().and_then(|mut n| n.take());
        match note {
            None => r,
            Some(why) => {
                let add = |m: String| format!("{m} (its result is not in the audit log: {why})");
                r.map(add).map_err(add)
            }
        }
    }

    fn record(
        &self,
        action: &str,
        path: &str,
        (before, after): (Option<String>, Option<String>),
        expected: String,
    ) -> AuditRecord {
        let mut rec = AuditRecord::new(self.ensemble, action, path, self.auth);
        rec.before = before;
        rec.after = after;
        rec.expected_version = Some(expected);
        rec
    }

    /// Records the intent, makes the write only if that worked (`write` is called after: the
    /// client sends a request as soon as it is made), then records the result. The outer
    /// `Err` is a refusal: nothing was sent.
    async fn audited<T, F>(
        &self,
        rec: AuditRecord,
        write: impl FnOnce() -> F,
        version_of: impl Fn(&T) -> Option<String>,
    ) -> Result<Result<T, zkc::Error>, String>
    where
        F: std::future::Future<Output = Result<T, zkc::Error>>,
    {
        let mut intent = self.audit.intend(rec).await.map_err(|e| refused(&e))?;
        let r = write().await;
        intent.record.new_version = r.as_ref().ok().and_then(version_of);
        if let Err(e) = intent.finish_with(&r.as_ref().map_err(describe)).await {
            if let Ok(mut n) = self.unrecorded.lock() {
                *n = Some(e.to_string());
            }
        }
        Ok(r)
    }
}

fn refused(e: &AuditError) -> String {
    format!("refused, the write could not be audited: {e}; nothing was written")
}

async fn write_node(
    client: &zkc::Client,
    req: TreeRequest,
    who: &Who<'_>,
) -> Result<String, String> {
    // The value a write replaces, as it was just before (a change in between makes the write
    // itself fail on its version).
    let current = |path: String| async move {
        client
            .get_data(&path)
            .await
            .ok()
            .map(|(d, stat)| format!("{} at version {}", who.audit.summary(&d), stat.version))
    };
    match req {
        TreeRequest::Create { path, data, kind } => {
            let mode = match kind {
                CreateKind::Persistent => zkc::CreateMode::Persistent,
                CreateKind::Ephemeral => zkc::CreateMode::Ephemeral,
                CreateKind::PersistentSequential => zkc::CreateMode::PersistentSequential,
                CreateKind::EphemeralSequential => zkc::CreateMode::EphemeralSequential,
                CreateKind::Container => zkc::CreateMode::Container,
            };
            let opts = mode.with_acls(zkc::Acls::anyone_all());
            let rec = who.record(
                "create",
                &path,
                (None, Some(who.audit.summary(&data))),
                "absent".into(),
            );
            let r = who
                .audited(
                    rec,
                    || client.create(&path, &data, &opts),
                    |_| Some("0".into()),
                )
                .await
                .map_err(|e| format!("create {path}: {e}"))?;
            r.map(|(_, seq)| {
                if seq.into_i64() >= 0 {
                    format!("created {path}{:010}", seq.into_i64())
                } else {
                    format!("created {path}")
                }
            })
            .map_err(|e| format!("create {path}: {}", describe(&e)))
        }
        TreeRequest::SetData {
            path,
            data,
            version,
        } => {
            let before = current(path.clone()).await;
            let rec = who.record(
                "set",
                &path,
                (before, Some(who.audit.summary(&data))),
                version.to_string(),
            );
            let r = who
                .audited(
                    rec,
                    || client.set_data(&path, &data, Some(version)),
                    |s| Some(s.version.to_string()),
                )
                .await
                .map_err(|e| format!("set {path}: {e}"))?;
            r.map(|s| format!("{path} set: version {version} → {}", s.version))
                .map_err(|e| format!("set {path}: {}", describe(&e)))
        }
        TreeRequest::Delete {
            path,
            version,
            recursive,
        } => {
            if recursive {
                delete_tree(client, &path, version, who).await
            } else {
                let before = current(path.clone()).await;
                let rec = who.record("delete", &path, (before, None), version.to_string());
                let r = who
                    .audited(rec, || client.delete(&path, Some(version)), |_| None)
                    .await
                    .map_err(|e| format!("delete {path}: {e}"))?;
                r.map(|_| format!("deleted {path}"))
                    .map_err(|e| format!("delete {path}: {}", describe(&e)))
            }
        }
        other => Err(format!("not a write: {other:?}")),
    }
}

/// Children first, each node with the version read just before: a node that changes during
/// the delete stops it (BadVersion) instead of being removed unseen.
async fn delete_tree(
    client: &zkc::Client,
    root: &str,
    root_version: i32,
    who: &Who<'_>,
) -> Result<String, String> {
    let mut order: Vec<(String, i32)> = Vec::new();
    let mut stack = vec![root.to_string()];
    while let Some(p) = stack.pop() {
        let (children, stat) = client
            .get_children(&p)
            .await
            .map_err(|e| format!("{p}: {}", describe(&e)))?;
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
        let rec = who.record("delete", &p, (None, None), v.to_string());
        let stopped = "stopped; nodes deleted before it stay deleted";
        who.audited(rec, || client.delete(&p, Some(v)), |_| None)
            .await
            .map_err(|e| format!("delete {p}: {e} ({stopped})"))?
            .map_err(|e| format!("delete {p}: {} ({stopped})", describe(&e)))?;
    }
    Ok(format!(
        "deleted {root} and everything under it: {total} node(s)"
    ))
}
