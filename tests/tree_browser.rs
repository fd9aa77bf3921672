//! The znode browser against a real ensemble: the model (keys → requests) and the session
//! worker (requests → answers) driven together, as the console's event loop drives them.

mod synthetic;

use std::time::{Duration, Instant};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use zkconsole::app::keys::{KeyCode, KeyInput};
use zkconsole::app::tree::{TreeInput, TreeRequest, PAGE};
use zkconsole::app::{Effect, Msg, State};
use zkconsole::config::Credentials;
use zkconsole::sandbox::{Sandbox, SandboxOptions};
use zkconsole::tui::tree_worker;
use zookeeper_client as zkc;

struct Harness {
    state: State,
    worker: UnboundedSender<TreeRequest>,
    rx: UnboundedReceiver<Msg>,
    /// Every request the model made, for asserting what was (not) asked.
    sent: Vec<TreeRequest>,
}

impl Harness {
    fn new(sb: &Sandbox, read_only: bool, credentials: Option<Credentials>) -> Harness {
        let (tx, rx) = unbounded_channel();
        let (worker, _handle) = tree_worker::spawn(
            tree_worker::Context {
                connect: sb.connect_string(),
                credentials,
                timeout: Duration::from_secs(5),
                ensemble: "test".into(),
                read_only,
                gen: 0,
            },
            tx,
        );
        Harness {
            state: synthetic::state(read_only, false),
            worker,
            rx,
            sent: Vec::new(),
        }
    }

    fn run(&mut self, fx: Vec<Effect>) {
        for e in fx {
            if let Effect::Tree(r) = e {
                self.sent.push(r.clone());
                self.worker.send(r).unwrap();
            }
        }
    }

    fn key(&mut self, k: KeyInput) {
        let fx = self.state.update(Msg::Key(k));
        self.run(fx);
    }

    fn type_text(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyInput::ch(c));
        }
    }

    /// Feeds the worker's answers to the model until `pred` holds.
    async fn until(&mut self, what: &str, pred: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !pred(&self.state) {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = tokio::time::timeout(left, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
                .expect("worker gone");
            let fx = self.state.update(msg);
            self.run(fx);
        }
    }

    fn tree(&self) -> &zkconsole::app::tree::TreeView {
        self.state.tree.as_ref().unwrap()
    }
}

fn detail_of(s: &State) -> Option<&zkconsole::app::tree::NodeDetail> {
    s.tree.as_ref()?.detail.as_ref()?.1.as_ref().ok()
}

async fn session(sb: &Sandbox, auth: Option<&[u8]>) -> zkc::Client {
    let mut c = zkc::Client::connector();
    if let Some(a) = auth {
        c = c.with_auth("digest", a);
    }
    c.connect(&sb.connect_string()).await.unwrap()
}

/// /app (JSON), /app/bin (binary), /app/big (1 MB), /app/ünïcødé, /app/ephemeral,
/// /app/seq-0000000004, /secret (digest ACL), /wide (50,000 children).
async fn build_tree(c: &zkc::Client) {
    let p = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    c.create("/app", br#"{"service":"orders","replicas":3}"#, &p)
        .await
        .unwrap();
    c.create("/app/bin", &[0u8, 159, 146, 150, 0xff, 0x1b], &p)
        .await
        .unwrap();
    c.create("/app/big", &vec![b'z'; 1_000_000], &p)
        .await
        .unwrap();
    c.create("/app/ünïcødé", "значение".as_bytes(), &p)
        .await
        .unwrap();
    let e = zkc::CreateMode::Ephemeral.with_acls(zkc::Acls::anyone_all());
    c.create("/app/ephemeral", b"", &e).await.unwrap();
    let s = zkc::CreateMode::PersistentSequential.with_acls(zkc::Acls::anyone_all());
    c.create("/app/seq-", b"", &s).await.unwrap();
    let owner = zkc::Acl::new(
        zkc::Permission::ALL,
        zkc::AuthId::new("digest", &zkconsole::sandbox::digest_of("alice", "pw")),
    );
    let acls = [owner];
    let secret = zkc::CreateMode::Persistent.with_acls(zkc::Acls::new(&acls));
    c.create("/secret", b"classified", &secret).await.unwrap();
    c.create("/wide", b"", &p).await.unwrap();
    let names: Vec<String> = (0..50_000).map(|i| format!("/wide/n{i:05}")).collect();
    for chunk in names.chunks(2000) {
        let futs = chunk.iter().map(|n| c.create(n, b"", &p));
        for r in futures::future::join_all(futs).await {
            r.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_inspect_edit_and_read_only_on_a_real_tree() {
    let sb = Sandbox::up(SandboxOptions {
        members: 1,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let builder = session(&sb, None).await;
    build_tree(&builder).await;

    // Browse from the root.
    let mut h = Harness::new(&sb, false, None);
    let fx = h.state.open_tree(None);
    h.run(fx);
    h.until("the root listed", |s| {
        matches!(&s.tree.as_ref().unwrap().children, Some(Ok(_)))
    })
    .await;
    let root: Vec<String> = h.tree().visible().into_iter().cloned().collect();
    assert_eq!(root, vec!["app", "secret", "wide", "zookeeper"]);

    // Inspect /app: pretty JSON, its Stat.
    h.until("/app inspected", |s| detail_of(s).is_some()).await;
    let d = detail_of(&h.state).unwrap();
    assert_eq!(d.stat.num_children, 5);
    let (decoded, _) = zkconsole::tree::node::decode(&d.data);
    assert!(decoded.body().contains("\"replicas\": 3"), "{decoded:?}");

    // Into /app: children sorted, unicode names intact, sequential and ephemeral kinds.
    h.key(KeyInput::plain(KeyCode::Enter));
    h.until("/app listed", |s| {
        s.tree.as_ref().unwrap().cwd == "/app"
            && matches!(&s.tree.as_ref().unwrap().children, Some(Ok(_)))
    })
    .await;
    let names: Vec<String> = h.tree().visible().into_iter().cloned().collect();
    assert_eq!(
        names,
        vec!["big", "bin", "ephemeral", "seq-0000000004", "ünïcødé"]
    );
    h.until("/app/big inspected", |s| {
        s.tree
            .as_ref()
            .unwrap()
            .detail
            .as_ref()
            .is_some_and(|(p, r)| p == "/app/big" && r.is_ok())
    })
    .await;
    let (_, notice) = zkconsole::tree::node::decode(&detail_of(&h.state).unwrap().data);
    assert!(notice.unwrap().contains("1000000 bytes"));
    h.key(KeyInput::ch('j'));
    h.until("/app/bin", |s| {
        s.tree
            .as_ref()
            .unwrap()
            .detail
            .as_ref()
            .is_some_and(|(p, _)| p == "/app/bin")
    })
    .await;
    let (decoded, _) = zkconsole::tree::node::decode(&detail_of(&h.state).unwrap().data);
    assert_eq!(decoded.label(), "binary (hex)");
    h.key(KeyInput::ch('j'));
    h.until("/app/ephemeral", |s| {
        s.tree
            .as_ref()
            .unwrap()
            .detail
            .as_ref()
            .is_some_and(|(p, _)| p == "/app/ephemeral")
    })
    .await;
    let d = detail_of(&h.state).unwrap();
    assert!(zkconsole::tree::node::kind_text(&d.stat, "ephemeral")
        .starts_with("ephemeral (owner session"));
    h.key(KeyInput::ch('j'));
    h.until("the sequential node", |s| {
        s.tree
            .as_ref()
            .unwrap()
            .detail
            .as_ref()
            .is_some_and(|(p, _)| p.ends_with("seq-0000000004"))
    })
    .await;
    assert!(
        zkconsole::tree::node::kind_text(&detail_of(&h.state).unwrap().stat, "seq-0000000004")
            .contains("sequential #0000000004")
    );

    // The ACL-protected node says NoAuth in place.
    h.key(KeyInput::plain(KeyCode::Backspace));
    h.until("back at /", |s| {
        s.tree.as_ref().unwrap().cwd == "/"
            && matches!(&s.tree.as_ref().unwrap().children, Some(Ok(_)))
    })
    .await;
    assert_eq!(
        h.tree().selected_path().as_deref(),
        Some("/app"),
        "going up selects where we came from"
    );
    h.key(KeyInput::ch('j'));
    h.until("/secret answered", |s| {
        s.tree
            .as_ref()
            .unwrap()
            .detail
            .as_ref()
            .is_some_and(|(p, _)| p == "/secret")
    })
    .await;
    let (_, r) = h.tree().detail.as_ref().unwrap();
    assert!(r.as_ref().unwrap_err().contains("NoAuth"), "{r:?}");

    // 50,000 children: listed once, Stats asked only for one page.
    h.key(KeyInput::ch('j'));
    h.key(KeyInput::plain(KeyCode::Enter));
    h.until("/wide listed", |s| {
        s.tree.as_ref().unwrap().cwd == "/wide"
            && matches!(&s.tree.as_ref().unwrap().children, Some(Ok(_)))
    })
    .await;
    assert_eq!(h.tree().visible().len(), 50_000);
    let asked: usize = h
        .sent
        .iter()
        .filter_map(|r| match r {
            TreeRequest::Stats { parent, names } if parent == "/wide" => Some(names.len()),
            _ => None,
        })
        .sum();
    assert!(asked <= PAGE, "asked stats of {asked} children");
    // Filter narrows to matches.
    h.key(KeyInput::ch('/'));
    h.type_text("n4999");
    assert_eq!(h.tree().visible().len(), 10);
    h.key(KeyInput::plain(KeyCode::Esc));

    // Scan a subtree from the browser, then one cancelled at once.
    let fx = h.state.open_tree(Some("/"));
    h.run(fx);
    h.until("the root again", |s| {
        matches!(&s.tree.as_ref().unwrap().children, Some(Ok(_)))
    })
    .await;
    h.key(KeyInput::ch('j'));
    h.key(KeyInput::ch('j'));
    assert_eq!(h.tree().selected_path().as_deref(), Some("/wide"));
    h.key(KeyInput::ch('s'));
    h.until("the scan of /wide", |s| {
        s.tree
            .as_ref()
            .unwrap()
            .scan
            .as_ref()
            .is_some_and(|v| v.result.is_some())
    })
    .await;
    let report = h
        .tree()
        .scan
        .as_ref()
        .unwrap()
        .result
        .clone()
        .unwrap()
        .unwrap();
    assert_eq!(report.znodes, 50_001);
    assert!(!report.cancelled);
    h.key(KeyInput::ch('s'));
    h.key(KeyInput::ch('x'));
    h.until("the cancelled scan", |s| {
        s.tree
            .as_ref()
            .unwrap()
            .scan
            .as_ref()
            .is_some_and(|v| v.result.is_some())
    })
    .await;
    let report = h
        .tree()
        .scan
        .as_ref()
        .unwrap()
        .result
        .clone()
        .unwrap()
        .unwrap();
    assert!(report.cancelled && report.znodes < 50_001, "{report:?}");
    h.key(KeyInput::plain(KeyCode::Esc));
    assert!(h.tree().scan.is_none());

    // Edit with the version read; a concurrent change is reported, never overwritten.
    let fx = h.state.open_tree(Some("/app"));
    h.run(fx);
    h.until("/app/big selected", |s| {
        s.tree
            .as_ref()
            .unwrap()
            .detail
            .as_ref()
            .is_some_and(|(p, r)| p == "/app/big" && r.is_ok())
    })
    .await;
    builder
        .set_data("/app/big", b"changed elsewhere", None)
        .await
        .unwrap();
    // The data watch re-reads it: wait for version 1, then make our stale edit by hand.
    h.until("the watch saw the change", |s| {
        detail_of(s).is_some_and(|d| d.stat.version == 1)
    })
    .await;
    h.worker
        .send(TreeRequest::SetData {
            path: "/app/big".into(),
            data: b"ours".to_vec(),
            version: 0,
        })
        .unwrap();
    h.until("the conflict reported", |s| {
        s.flash
            .as_ref()
            .is_some_and(|(_, t)| t.contains("someone else"))
    })
    .await;
    let (data, stat) = builder.get_data("/app/big").await.unwrap();
    assert_eq!(
        (data.as_slice(), stat.version),
        (&b"changed elsewhere"[..], 1),
        "a stale write overwrote"
    );
    // With the current version, through the keys: E, new text, enter.
    h.key(KeyInput::ch('E'));
    for _ in 0.."changed elsewhere".len() {
        h.key(KeyInput::plain(KeyCode::Backspace));
    }
    h.type_text("edited");
    h.key(KeyInput::plain(KeyCode::Enter));
    h.until("the edit written", |s| {
        s.flash
            .as_ref()
            .is_some_and(|(_, t)| t.contains("version 1 → 2"))
    })
    .await;
    let (data, _) = builder.get_data("/app/big").await.unwrap();
    assert_eq!(data, b"edited");
    // The audit line says which value was replaced by which (size and digest, not the data).
    let audit = zkconsole::audit::AuditLog::default_location().unwrap();
    let before = format!("{} at version 1", audit.summary(b"changed elsewhere"));
    let after = audit.summary(b"edited");
    let lines = audit.read_all().unwrap();
    assert!(
        lines.iter().any(|l| l["action"] == "set"
            && l["path"] == "/app/big"
            && l["before"] == before.as_str()
            && l["after"] == after.as_str()
            && l["result"] == "ok"),
        "no audit line with before {before:?} and after {after:?}"
    );

    // An edit begun at version 2 is written only at version 2, even when the screen has since
    // shown a newer version: the change made meanwhile is reported, not overwritten.
    h.until("version 2 on screen", |s| {
        detail_of(s).is_some_and(|d| d.stat.version == 2)
    })
    .await;
    h.key(KeyInput::ch('E'));
    builder
        .set_data("/app/big", b"changed again", None)
        .await
        .unwrap();
    h.until("the watch saw version 3", |s| {
        detail_of(s).is_some_and(|d| d.stat.version == 3)
    })
    .await;
    h.type_text(" and more");
    h.key(KeyInput::plain(KeyCode::Enter));
    h.until("the conflict reported", |s| {
        s.flash
            .as_ref()
            .is_some_and(|(_, t)| t.contains("someone else"))
    })
    .await;
    let (data, stat) = builder.get_data("/app/big").await.unwrap();
    assert_eq!(
        (data.as_slice(), stat.version),
        (&b"changed again"[..], 3),
        "an edit overwrote a change made while it was typed"
    );
    // The refused write still took a zxid (ZooKeeper logs an error transaction): the
    // read-only check below counts from a marker made after it.
    let p = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    let (before_ro, _) = builder.create("/marker-before", b"", &p).await.unwrap();
    let last_write = before_ro.czxid;

    // Filtering and clearing the filter keep the cursor, the inspector and the target of
    // D/E on one node.
    h.key(KeyInput::ch('/'));
    h.type_text("seq");
    h.key(KeyInput::plain(KeyCode::Enter));
    let seq = h.tree().selected_path().expect("a seq node selected");
    assert!(seq.starts_with("/app/seq-"), "{seq}");
    h.key(KeyInput::plain(KeyCode::Esc));
    assert_eq!(h.tree().filter, "");
    assert_eq!(h.tree().selected_path().as_deref(), Some(seq.as_str()));
    h.until("the seq node inspected", |s| {
        s.tree
            .as_ref()
            .unwrap()
            .detail
            .as_ref()
            .is_some_and(|(p, r)| *p == seq && r.is_ok())
    })
    .await;
    h.key(KeyInput::ch('D'));
    match &h.tree().input {
        TreeInput::ConfirmDelete { path, .. } => assert_eq!(path, &seq),
        other => panic!("D opened {other:?}"),
    }
    h.key(KeyInput::plain(KeyCode::Esc));

    // Opening a leaf shows the leaf itself (no children to select).
    let fx = h.state.open_tree(Some("/app/bin"));
    h.run(fx);
    h.until("the leaf inspected", |s| {
        s.tree
            .as_ref()
            .unwrap()
            .detail
            .as_ref()
            .is_some_and(|(p, r)| p == "/app/bin" && r.is_ok())
    })
    .await;
    assert_eq!(h.tree().target_path().as_deref(), Some("/app/bin"));

    // Read-only: no write keys, and the worker refuses writes anyway; the zxid does not move.
    let mut ro = Harness::new(&sb, true, None);
    let fx = ro.state.open_tree(Some("/app"));
    ro.run(fx);
    ro.until("read-only listing", |s| detail_of(s).is_some())
        .await;
    for k in ['c', 'E', 'D'] {
        ro.key(KeyInput::ch(k));
        assert_eq!(
            ro.tree().input,
            TreeInput::None,
            "{k} opened an edit in read-only"
        );
    }
    assert!(
        ro.sent.iter().all(|r| !r.is_write()),
        "read-only asked for a write"
    );
    ro.worker
        .send(TreeRequest::Delete {
            path: "/app/bin".into(),
            version: 0,
            recursive: false,
        })
        .unwrap();
    ro.until("the worker's refusal", |s| {
        s.flash
            .as_ref()
            .is_some_and(|(_, t)| t.contains("read-only"))
    })
    .await;
    // Exactly one transaction may stand between our last write and a marker made now: the
    // read-only session's own creation. Any write by the read-only browser would add more.
    let p = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    let (marker, _) = builder.create("/marker", b"", &p).await.unwrap();
    assert_eq!(marker.czxid, last_write + 2, "read-only moved the zxid");
    assert!(builder.check_stat("/app/bin").await.unwrap().is_some());
}
