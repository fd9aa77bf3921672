//! `zkconsole bench` interrupted with ctrl-C (SIGINT) in the middle of its load, against a
//! real sandbox: it stops the load, deletes its nodes and the run's node, audits the outcome
//! as interrupted and exits 130, within its wind-down limit; nothing is left under the bench
//! root.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use zkconsole::sandbox::{Sandbox, SandboxOptions};
use zkconsole::zk::connect_session;
use zookeeper_client as zkc;

const TIMEOUT: Duration = Duration::from_secs(5);
/// Long enough that the run is sure to be in its load when the signal comes.
const DURATION_S: u64 = 120;

/// The nodes under the bench root, every level down (none when the root is gone).
async fn bench_nodes(c: &zkc::Client) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![zkconsole::bench::ROOT.to_string()];
    while let Some(p) = todo.pop() {
        match c.list_children(&p).await {
            Ok(children) => {
                for ch in children {
                    let full = format!("{p}/{ch}");
                    out.push(full.clone());
                    todo.push(full);
                }
            }
            Err(zkc::Error::NoNode) => {}
            Err(e) => panic!("list {p}: {e}"),
        }
    }
    out
}

/// The bench's audit lines (intent, then result).
fn audit_lines(home: &Path) -> Vec<serde_json::Value> {
    common::audit_records(home, "bench")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_mid_run_deletes_the_runs_nodes_audits_interrupted_and_exits_130() {
    let sb = Sandbox::up(SandboxOptions {
        members: 3,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox up");
    let connect = sb.connect_string();
    let home = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_zkconsole"))
        .args(["bench", "--connect", &connect, "--duration"])
        .arg(DURATION_S.to_string())
        .args(["--timeout-ms", &TIMEOUT.as_millis().to_string()])
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("HOME", home.path())
        .env_remove("ZKCONSOLE_DIGEST")
        .env_remove("ZKCONSOLE_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn zkconsole bench");
    let c = connect_session(&connect, TIMEOUT, None, &Default::default())
        .await
        .expect("session");
    // In its load: the sessions' own nodes exist under the run's node.
    let deadline = Instant::now() + TIMEOUT * 12;
    loop {
        let nodes = bench_nodes(&c).await;
        if nodes
            .iter()
            .any(|n| n.rsplit('/').next().is_some_and(|l| l.starts_with('s')))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no bench node appeared: {nodes:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let signalled = Instant::now();
    let pid = child.id().expect("bench pid");
    kill(Pid::from_raw(pid as i32), Signal::SIGINT).unwrap();
    let limit = zkconsole::bench::wind_down_limit(TIMEOUT) + TIMEOUT;
    let out = tokio::time::timeout(limit, async {
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            use tokio::io::AsyncReadExt;
            let _ = e.read_to_string(&mut stderr).await;
        }
        (child.wait().await.expect("wait"), stderr)
    })
    .await;
    let (status, stderr) =
        out.unwrap_or_else(|_| panic!("bench still running {limit:?} after SIGINT"));
    assert_eq!(status.code(), Some(130), "{status:?}; stderr:\n{stderr}");
    assert!(
        signalled.elapsed() < Duration::from_secs(DURATION_S),
        "the load was not stopped"
    );
    assert!(stderr.contains("interrupted"), "{stderr}");
    // Deleted by the run itself, not left to session expiry: nothing there right away.
    let left = bench_nodes(&c).await;
    assert!(left.is_empty(), "left behind: {left:?}");
    let audit = audit_lines(home.path());
    assert_eq!(audit.len(), 2, "intent and result: {audit:?}");
    assert_eq!(audit[0]["phase"], "intent", "{audit:?}");
    let result = audit[1]["result"].as_str().unwrap_or_default();
    assert!(result.starts_with("interrupted"), "{result}");
    assert!(result.contains("cleanup: none left"), "{result}");
    drop(sb);
}
