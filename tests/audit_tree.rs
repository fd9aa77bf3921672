//! A znode write whose audit record cannot be written is refused before the server sees it,
//! against a real ensemble: the browser's session worker with the audit log made unusable
//! (readable by others, then a symlink), and the node checked absent on the server.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use zkconsole::app::tree::{CreateKind, TreeMsg, TreeRequest};
use zkconsole::app::Msg;
use zkconsole::tui::tree_worker;
use zookeeper_client as zkc;

const SESSION_TIMEOUT: Duration = Duration::from_secs(10);

/// The next write answer of the worker (other messages are skipped).
async fn written(rx: &mut UnboundedReceiver<Msg>) -> Result<String, String> {
    let within = SESSION_TIMEOUT * 3;
    tokio::time::timeout(within, async {
        loop {
            match rx.recv().await.expect("worker gone") {
                Msg::Tree(TreeMsg::Written(r)) => return r,
                _ => continue,
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no answer to the write within {within:?}"))
}

fn create(path: &str) -> TreeRequest {
    TreeRequest::Create {
        path: path.into(),
        data: b"x".to_vec(),
        kind: CreateKind::Persistent,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_write_that_cannot_be_audited_is_refused_before_the_server_sees_it() {
    // This test binary holds this one test: the state dir is set before any thread reads it.
    let home = tempfile::tempdir().expect("tempdir");
    let state = home.path().join("state");
    std::env::set_var("XDG_STATE_HOME", &state);
    let audit_file = state.join("zkconsole/audit.jsonl");
    std::fs::create_dir_all(audit_file.parent().unwrap()).unwrap();
    std::fs::write(&audit_file, "").unwrap();
    std::fs::set_permissions(&audit_file, std::fs::Permissions::from_mode(0o644)).unwrap();

    let sb = healthy_sandbox(1).await;
    let (tx, mut rx) = unbounded_channel();
    let (worker, _handle) = tree_worker::spawn(
        tree_worker::Context {
            connect: sb.connect_string(),
            credentials: None,
            timeout: SESSION_TIMEOUT,
            ensemble: "test".into(),
            read_only: false,
            gen: 0,
        },
        tx,
    );
    let observer = zkc::Client::connect(&sb.connect_string())
        .await
        .expect("session");

    // 1. An audit log others can read: refused, with the fix, and nothing on the server.
    worker.send(create("/wide")).unwrap();
    let e = written(&mut rx)
        .await
        .expect_err("the write must be refused");
    assert!(e.contains("refused") && e.contains("chmod 600"), "{e}");
    assert_eq!(observer.check_stat("/wide").await.unwrap(), None, "{e}");

    // 2. A symlink in its place: refused, nothing written through it or to the server.
    let elsewhere = home.path().join("elsewhere");
    std::fs::write(&elsewhere, "").unwrap();
    std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::remove_file(&audit_file).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &audit_file).unwrap();
    worker.send(create("/linked")).unwrap();
    let e = written(&mut rx)
        .await
        .expect_err("the write must be refused");
    assert!(e.contains("symbolic link"), "{e}");
    assert_eq!(observer.check_stat("/linked").await.unwrap(), None, "{e}");
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "");

    // 3. A private log: the same write goes through, recorded as intent then result.
    std::fs::remove_file(&audit_file).unwrap();
    worker.send(create("/fine")).unwrap();
    let ok = written(&mut rx)
        .await
        .expect("a write with a usable audit log");
    assert!(ok.contains("created /fine"), "{ok}");
    assert!(observer.check_stat("/fine").await.unwrap().is_some());
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&audit_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0]["phase"], "intent");
    assert_eq!(lines[0]["result"], "pending");
    assert_eq!(lines[1]["phase"], "result");
    assert_eq!(lines[1]["result"], "ok");
    assert_eq!(lines[0]["op"], lines[1]["op"]);
    let mode = std::fs::metadata(&audit_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
