//! $EDITOR from a console opened on the fleet screen, end to end in tmux on real sandboxes
//! (two ensembles in the fleet): ctrl-e on a znode hands the terminal to an editor script the
//! test writes, the edit comes back to that ensemble's console for review, `enter` writes it
//! at its version (audited), and the other ensemble was watched all along.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::console::{console_cmd, fleet_config, fleet_row};
use common::tmux::Tmux;
use common::*;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};
use zookeeper_client as zkc;

/// Several refresh intervals and probe timeouts on a loaded machine.
const WITHIN: Duration = Duration::from_secs(40);

/// The editor: notes that it ran (with the file it got), then turns the first `a` of each line into `b`.
fn editor_script(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let report = dir.join("report");
    let script = dir.join("fake-editor");
    let text = format!(
        "#!/bin/sh\nfor f; do :; done\necho \"$f\" > '{}'\nsed -i s/a/b/ \"$f\"\n",
        report.display()
    );
    std::fs::write(&script, text).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    (script, report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_opens_from_a_console_opened_on_the_fleet_screen() {
    let edited = healthy_sandbox(1).await;
    let mut other = healthy_sandbox(1).await;
    let zk = zkc::Client::connector()
        .connect(&edited.connect_string())
        .await
        .unwrap();
    let p = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    zk.create("/cfg", b"alpha=1\nbeta=2\n", &p).await.unwrap();

    let home = tempfile::tempdir().unwrap();
    let (script, report) = editor_script(home.path());
    let config = fleet_config(home.path(), &[("edited", &edited), ("other", &other)]);

    let name = format!("zkc-fleet-ed-{}", std::process::id());
    let editor = format!("{} --wait", script.display());
    let cmd = console_cmd(
        home.path(),
        &[("VISUAL", ""), ("EDITOR", &editor)],
        &format!("--config {}", config.display()),
    );
    let tmux = Tmux::start(&name, 100, 30, &cmd);

    // A lone voter is WARN (no failure tolerated): both serving, 1 of 1.
    tmux.until("both ensembles serving on the fleet screen", WITHIN, |s| {
        [fleet_row(s, "edited"), fleet_row(s, "other")]
            .iter()
            .all(|r| r.is_some_and(|(_, l)| l.starts_with("WARN") && l.contains("1/1")))
    })
    .await;
    // Equal states sort by name: `edited` is the first row.
    tmux.keys(&["Enter"]);
    tmux.until("edited's console", WITHIN, |s| {
        s.lines().next().is_some_and(|l| l.contains("edited")) && !s.contains("zkconsole fleet")
    })
    .await;
    tmux.keys(&[":"]);
    tmux.keys(&["tree /"]);
    tmux.keys(&["Enter"]);
    tmux.until("/cfg inspected", WITHIN, |s| s.contains("alpha=1"))
        .await;
    tmux.keys(&["C-e"]);
    let screen = tmux
        .until("the editor's text back for review", WITHIN, |s| {
            s.contains("blpha=1")
        })
        .await;
    let ran = std::fs::read_to_string(&report).expect("the editor did not run");
    assert!(
        ran.contains("zkconsole-edit-"),
        "the editor got {ran:?}; screen:\n{screen}"
    );
    assert!(
        !screen.contains("not from the fleet screen"),
        "refused: {screen}"
    );
    // Nothing is written before enter.
    let (data, _) = zk.get_data("/cfg").await.unwrap();
    assert_eq!(data, b"alpha=1\nbeta=2\n");
    tmux.keys(&["Enter"]);
    let deadline = Instant::now() + WITHIN;
    loop {
        let (data, stat) = zk.get_data("/cfg").await.unwrap();
        if stat.version == 1 {
            assert_eq!(data, b"blpha=1\nbetb=2\n");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not written; screen:\n{}",
            tmux.capture()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let audit = std::fs::read_to_string(home.path().join("state/zkconsole/audit.jsonl")).unwrap();
    assert!(
        audit
            .lines()
            .any(|l| l.contains("\"/cfg\"") && l.contains("\"expected_version\":\"0\"")),
        "the write was not audited at version 0:\n{audit}"
    );

    // Back on the fleet: the other ensemble was watched meanwhile and still is.
    other
        .kill(1)
        .await
        .expect("kill the other ensemble's member");
    for _ in 0..4 {
        tmux.keys(&["Escape"]);
    }
    tmux.until("other unreachable on the fleet screen", WITHIN, |s| {
        s.contains("zkconsole fleet")
            && fleet_row(s, "other").is_some_and(|(_, l)| l.starts_with("UNREACHABLE"))
    })
    .await;
    tmux.keys(&["q"]);
    drop(tmux);
    edited.down().await.ok();
    other.down().await.ok();
}
