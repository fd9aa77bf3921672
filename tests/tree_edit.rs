//! Editing a znode in `$EDITOR` against a real ensemble: the editor is a small script the test
//! writes (it records what it was given, then `sed -i s/a/b/`), run by the console's own
//! editor code; the model, the session worker and ZooKeeper do the rest, as in the console.

mod synthetic;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{unbounded_channel, Sender, UnboundedReceiver};
use zkconsole::app::edit_session::{ExternalEdit, Stage};
use zkconsole::app::keys::{KeyCode, KeyInput};
use zkconsole::app::tree::{TreeInput, TreeMsg, TreeRequest};
use zkconsole::app::{Effect, Msg, State};
use zkconsole::sandbox::{Sandbox, SandboxOptions};
use zkconsole::tui::{editor, tree_worker};
use zookeeper_client as zkc;

const TIMEOUT: Duration = Duration::from_secs(5);

struct Harness {
    state: State,
    worker: Sender<TreeRequest>,
    rx: UnboundedReceiver<Msg>,
    /// Editor requests the model made, in order.
    edits: Vec<ExternalEdit>,
    sent: Vec<TreeRequest>,
}

impl Harness {
    fn new(sb: &Sandbox) -> Harness {
        let (tx, rx) = unbounded_channel();
        let (worker, _) = tree_worker::spawn(
            tree_worker::Context {
                tls: Default::default(),
                connect: sb.connect_string(),
                credentials: None,
                timeout: TIMEOUT,
                ensemble: "test".into(),
                read_only: false,
                gen: 0,
                min_refresh: Duration::from_millis(200),
            },
            tx,
        );
        Harness {
            state: synthetic::state(false, false),
            worker,
            rx,
            edits: Vec::new(),
            sent: Vec::new(),
        }
    }

    fn run(&mut self, fx: Vec<Effect>) {
        for e in fx {
            match e {
                Effect::Tree(r) => {
                    self.sent.push(r.clone());
                    self.worker.try_send(r).unwrap();
                }
                Effect::Edit(x) => self.edits.push(x),
                _ => {}
            }
        }
    }

    fn key(&mut self, k: KeyInput) {
        let fx = self.state.update(Msg::Key(k));
        self.run(fx);
    }

    fn msg(&mut self, m: Msg) {
        let fx = self.state.update(m);
        self.run(fx);
    }

    async fn until(&mut self, what: &str, pred: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + TIMEOUT * 4;
        while !pred(&self.state) {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = tokio::time::timeout(left, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
                .expect("worker gone");
            self.msg(msg);
        }
    }

    /// Runs the editor the model asked for last, with `cmd`, and gives the model its result.
    async fn run_editor(&mut self, cmd: &[String]) {
        let x = self.edits.pop().expect("no editor asked for");
        let result = editor::edit_text(cmd, &x, TIMEOUT * 4).await;
        self.msg(Msg::Tree(TreeMsg::Edited {
            path: x.path,
            result,
        }));
    }

    fn edit(&self) -> &zkconsole::app::edit_session::EditSession {
        match &self.state.tree.as_ref().unwrap().input {
            TreeInput::Edit(e) => e,
            other => panic!("no edit open: {other:?}"),
        }
    }
}

fn inspected(s: &State, path: &str, version: i32) -> bool {
    s.tree
        .as_ref()
        .and_then(|t| t.detail.as_ref())
        .is_some_and(|(p, r)| p == path && r.as_ref().is_ok_and(|d| d.stat.version == version))
}

/// An editor script: records its arguments, the file's mode and its directory's mode into
/// `report`, then replaces the first `a` of each line with `b`.
fn editor_script(dir: &Path) -> (PathBuf, PathBuf) {
    let report = dir.join("report");
    let script = dir.join("fake-editor");
    let text = format!(
        "#!/bin/sh\n\
         for f; do :; done\n\
         {{ echo \"args: $*\"; stat -c %a \"$f\"; stat -c %a \"$(dirname \"$f\")\"; echo \"$f\"; }} > '{}'\n\
         sed -i s/a/b/ \"$f\"\n",
        report.display()
    );
    std::fs::write(&script, text).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    (script, report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_in_the_editor_is_reviewed_written_at_its_version_and_reapplied_when_stale() {
    let sb = Sandbox::up(SandboxOptions {
        members: 1,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let zk = zkc::Client::connector()
        .connect(&sb.connect_string())
        .await
        .unwrap();
    let p = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    zk.create("/cfg", b"alpha=1\nbeta=2\n", &p).await.unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let (script, report) = editor_script(tmp.path());
    // EDITOR="script --wait": split into words, no shell.
    let cmd = editor::command_from(None, Some(&format!("{} --wait", script.display()))).unwrap();

    let mut h = Harness::new(&sb);
    let fx = h.state.open_tree(Some("/"));
    h.run(fx);
    h.until("/cfg inspected", |s| inspected(s, "/cfg", 0)).await;

    // E on multi-line data opens the editor on it.
    h.key(KeyInput::ch('E'));
    assert_eq!(
        h.edits.last().map(|x| x.text.as_str()),
        Some("alpha=1\nbeta=2\n")
    );
    h.run_editor(&cmd).await;
    let rep = std::fs::read_to_string(&report).unwrap();
    let rep: Vec<&str> = rep.lines().collect();
    assert!(rep[0].starts_with("args: --wait /"), "{rep:?}");
    assert_eq!(rep[1], "600", "the file the editor gets is private");
    assert_eq!(rep[2], "700", "so is its directory");
    let file = Path::new(rep[3]);
    assert!(!file.exists(), "the edited file was left behind: {file:?}");
    assert!(
        !file.parent().unwrap().exists(),
        "its directory was left behind"
    );

    // The diff against version 0; nothing written before enter.
    assert_eq!(h.edit().stage, Stage::Review);
    assert_eq!(h.edit().text, "blpha=1\nbetb=2\n");
    assert!(!h.sent.iter().any(|r| r.is_write()));
    h.key(KeyInput::plain(KeyCode::Enter));
    h.until("written", |s| {
        s.tree.as_ref().unwrap().input == TreeInput::None
    })
    .await;
    let (data, stat) = zk.get_data("/cfg").await.unwrap();
    assert_eq!(
        (data.as_slice(), stat.version),
        (&b"blpha=1\nbetb=2\n"[..], 1)
    );
    h.until("version 1 inspected", |s| inspected(s, "/cfg", 1))
        .await;

    // ctrl-e: the editor again. The node changes between the editor and enter, before the
    // browser saw it: the write at version 1 is refused, the text kept, and enter re-applies
    // it on version 2 after showing the new diff.
    h.key(KeyInput::ctrl('e'));
    h.run_editor(&cmd).await;
    assert_eq!(h.edit().text, "blphb=1\nbetb=2\n");
    zk.set_data("/cfg", b"gamma=3\n", None).await.unwrap();
    h.key(KeyInput::plain(KeyCode::Enter));
    h.until("the write refused and the new version read", |s| {
        match &s.tree.as_ref().unwrap().input {
            TreeInput::Edit(e) => e.refused && e.moved.is_some(),
            _ => false,
        }
    })
    .await;
    let (data, _) = zk.get_data("/cfg").await.unwrap();
    assert_eq!(data, b"gamma=3\n", "a stale edit overwrote");
    h.key(KeyInput::plain(KeyCode::Enter));
    assert_eq!(h.edit().version, 2);
    assert_eq!(h.edit().before, "gamma=3\n");
    assert_eq!(
        h.edit().text,
        "blphb=1\nbetb=2\n",
        "the operator's text is kept"
    );
    h.key(KeyInput::plain(KeyCode::Enter));
    h.until("re-applied", |s| {
        s.tree.as_ref().unwrap().input == TreeInput::None
    })
    .await;
    let (data, stat) = zk.get_data("/cfg").await.unwrap();
    assert_eq!(
        (data.as_slice(), stat.version),
        (&b"blphb=1\nbetb=2\n"[..], 3)
    );

    // The writes were audited with their expected versions.
    let audit = zkconsole::audit::AuditLog::default_location().unwrap();
    let lines = audit.read_all().unwrap();
    for (v, result) in [("0", "ok"), ("1", "error"), ("2", "ok")] {
        assert!(
            lines.iter().any(|l| l["action"] == "set"
                && l["path"] == "/cfg"
                && l["expected_version"] == v
                && l["result"].as_str().is_some_and(|r| r.starts_with(result))),
            "no audit line for the write at version {v} ({result})"
        );
    }
}

/// An editor that fails or outlives its deadline leaves nothing behind and writes nothing.
#[tokio::test]
async fn a_failing_or_hung_editor_discards_the_edit_and_its_file() {
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("ed");
    let seen = tmp.path().join("seen");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$1\" > '{}'\n[ \"$ZK_HANG\" ] && exec sleep 60\nexit 3\n",
            seen.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    let x = ExternalEdit {
        path: "/a".into(),
        text: "v".into(),
        json: false,
    };
    let cmd = vec![script.display().to_string()];
    let e = editor::edit_text(&cmd, &x, TIMEOUT).await.unwrap_err();
    assert!(e.contains("exited with") && e.contains("discarded"), "{e}");
    let file = PathBuf::from(std::fs::read_to_string(&seen).unwrap().trim());
    assert!(!file.exists() && !file.parent().unwrap().exists());

    let hang = vec![
        "env".to_string(),
        "ZK_HANG=1".into(),
        script.display().to_string(),
    ];
    let started = Instant::now();
    let e = editor::edit_text(&hang, &x, Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(e.contains("longer than"), "{e}");
    assert!(started.elapsed() < TIMEOUT * 2, "the deadline was not kept");
    let file = PathBuf::from(std::fs::read_to_string(&seen).unwrap().trim());
    assert!(
        !file.parent().unwrap().exists(),
        "a hung editor's file was left behind"
    );

    let e = editor::edit_text(&["/nonexistent/editor".into()], &x, TIMEOUT)
        .await
        .unwrap_err();
    assert!(
        e.contains("cannot start the editor") && e.contains("EDITOR"),
        "{e}"
    );
}
