//! Expand on a "real host": the console (in tmux) on a sandbox it does not own, with host
//! actions as command templates — `tee` writes the new member's files, the sandbox CLI starts
//! it — grows 3 → 4. The joiner's zoo.cfg is derived from member 1's, read with `cat`. The
//! files must be the ones the templates wrote, every action audited, and the new member a
//! voter at the end.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::console::{
    console_cmd, open_host_restart, row_of, sandbox_cli, sandbox_in, write_console_config,
};
use common::tmux::Tmux;
use std::path::Path;
use std::time::{Duration, Instant};
use zkconsole::sandbox::Sandbox;

/// The console on ensemble `sb` of the config under `home`, in a session `name` of 120×60
/// (the host steps' previews are long).
fn console_on(home: &Path, name: &str) -> Tmux {
    Tmux::start(name, 120, 60, &console_cmd(home, &[], "--ensemble sb"))
}

/// The file actions: `cat` reads, `tee` writes, member `{id}`'s files in the sandbox `dir`
/// (its data dir too when `data_dir`).
fn file_actions(dir: &Path, data_dir: bool) -> String {
    let d = dir.display();
    let mut lines = format!(
        "read_file = \"cat {{path}}\"\nwrite_file = \"tee {{path}}\"\n\
         zoo_cfg = \"{d}/m{{id}}/zoo.cfg\"\n"
    );
    if data_dir {
        lines.push_str(&format!("data_dir = \"{d}/m{{id}}/data\"\n"));
    }
    lines
}

/// The console's config under `home`: ensemble `sb` on the sandbox, its host actions stopping
/// and starting members through the sandbox CLI (`start` as given, else `restart`), then
/// the action lines `more`.
fn write_hosts_config(home: &Path, sb: &Sandbox, start: Option<&str>, more: &str) {
    let dir = sb.dir();
    let toml = format!(
        "[ensembles.sb]\nconnect = \"{connect}\"\ndigest_file = \"{digest}\"\n\n\
         [ensembles.sb.actions]\nstop = \"{stop}\"\nstart = \"{start}\"\n{more}timeout_s = 60\n",
        connect = sb.connect_string(),
        digest = sb.digest_file().display(),
        stop = sandbox_cli("kill", dir),
        start = start.map_or_else(|| sandbox_cli("restart", dir), str::to_string),
    );
    write_console_config(home, &toml);
}

struct Expand {
    home: tempfile::TempDir,
    dir: std::path::PathBuf,
    sb: Sandbox,
    slot: zkconsole::sandbox::MemberInfo,
    tmux: Tmux,
}

/// A sandbox of 3 with a slot for member 4, the console on it with host actions (`start` as
/// given), the expand form filled in and the host steps confirmed up to the phrase.
async fn expand_up_to_the_phrase(start: Option<&str>) -> Expand {
    let home = tempfile::tempdir().unwrap();
    let mut sb = sandbox_in(home.path(), 3).await;
    let dir = sb.dir().to_path_buf();
    // A slot for member 4 (ports and an empty data dir): its files come from the console.
    let slot = sb.reserve_member().unwrap();
    assert_eq!(slot.id, 4);
    // Nothing copies the sandbox's super user into member 4's zoo.cfg: the console derives
    // that file from a serving member's, site settings included.
    write_hosts_config(home.path(), &sb, start, &file_actions(&dir, true));
    // Unique per test (two tests of this binary run at once): the home dir's own name.
    let name = format!(
        "zkc-expand-hosts-{}",
        home.path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace('.', "")
    );
    let tmux = console_on(home.path(), &name);
    let long = Duration::from_secs(60);
    tmux.until("a leader", long, |s| s.contains("leader")).await;
    tmux.keys(&["w"]);
    tmux.until("the workflow menu", long, |s| s.contains("e  expand"))
        .await;
    // The membership may not be known when the menu shows: `e` until the form opens.
    let deadline = Instant::now() + long;
    while !tmux.capture().contains("quorum port") {
        if tmux.capture().contains("e  expand") {
            tmux.keys(&["e"]);
        }
        assert!(Instant::now() < deadline, "{}", tmux.capture());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Fields: server id (4 by default), role, host, quorum, election, client port.
    tmux.keys(&["Tab", "Tab"]);
    tmux.text("127.0.0.1");
    for port in [slot.quorum_port, slot.election_port, slot.client_port] {
        tmux.keys(&["Tab", "C-u"]);
        tmux.text(&port.to_string());
    }
    tmux.keys(&["Enter"]);
    let screen = tmux
        .until("the host steps", long, |s| s.contains("step 4/4"))
        .await;
    assert!(screen.contains("tee"), "{screen}");
    assert!(
        screen.contains("zoo.cfg derived from member 1's"),
        "{screen}"
    );
    assert!(screen.contains("S write the files"), "{screen}");
    tmux.keys(&["S"]);
    tmux.until("the confirmation", long, |s| s.contains("to confirm"))
        .await;
    Expand {
        home,
        dir,
        sb,
        slot,
        tmux,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expand_writes_the_new_members_files_and_starts_it_through_the_templates() {
    let Expand {
        home,
        dir,
        sb,
        slot,
        tmux,
    } = expand_up_to_the_phrase(None).await;
    let long = Duration::from_secs(60);
    tmux.text("start 4");
    tmux.keys(&["Enter"]);
    tmux.until("the joiner synced", long, |s| {
        s.contains("4 host action(s) done") && s.contains("synced, ready")
    })
    .await;
    // The files the templates wrote.
    let m4 = dir.join("m4");
    let zoo = std::fs::read_to_string(m4.join("zoo.cfg")).unwrap();
    assert!(
        zoo.contains(&format!("dataDir={}/data\n", m4.display())),
        "{zoo}"
    );
    // A site setting only member 1's file has (generated defaults know no super user).
    let m1 = std::fs::read_to_string(dir.join("m1/zoo.cfg")).unwrap();
    let digest = m1
        .lines()
        .find(|l| l.starts_with("DigestAuthenticationProvider.superDigest="))
        .expect("the sandbox's super user in member 1's zoo.cfg");
    assert!(zoo.lines().any(|l| l == digest), "{zoo}");
    let dynamic = std::fs::read_to_string(m4.join("zoo.cfg.dynamic")).unwrap();
    assert!(
        dynamic.contains(&format!("server.4=127.0.0.1:{}", slot.quorum_port)),
        "{dynamic}"
    );
    assert_eq!(
        std::fs::read_to_string(m4.join("data/myid")).unwrap(),
        "4\n"
    );
    // Then the reconfig, as without host actions.
    tmux.keys(&["Enter"]);
    // The plan is safe once the console has seen member 4 synced; p re-plans with fresh data.
    let deadline = Instant::now() + long;
    while tmux
        .capture()
        .lines()
        .all(|l| !l.contains(" SAFE ") || l.contains("UNSAFE"))
    {
        assert!(Instant::now() < deadline, "{}", tmux.capture());
        tokio::time::sleep(Duration::from_secs(1)).await;
        tmux.keys(&["p"]);
    }
    tmux.keys(&["Enter"]);
    tmux.until("the confirmation", long, |s| s.contains("to confirm"))
        .await;
    tmux.text("add 4");
    tmux.keys(&["Enter"]);
    tmux.until("the change committed", long, |s| {
        s.contains("done: 1 step(s) committed")
    })
    .await;
    // Every host action is in the audit log, intent and result.
    let audit = std::fs::read_to_string(home.path().join("state/zkconsole/audit.jsonl")).unwrap();
    let host_lines: Vec<&str> = audit.lines().filter(|l| l.contains("\"host-")).collect();
    assert_eq!(
        host_lines
            .iter()
            .filter(|l| l.contains("host-write_file"))
            .count(),
        6,
        "{audit}"
    );
    assert_eq!(
        host_lines
            .iter()
            .filter(|l| l.contains("host-start"))
            .count(),
        2,
        "{audit}"
    );
    assert_eq!(
        host_lines
            .iter()
            .filter(|l| l.contains("host-read_file"))
            .count(),
        2,
        "{audit}"
    );
    drop(tmux);
    // Member 4 was started by the CLI: a fresh handle knows its pid.
    if let Ok(mut fresh) = Sandbox::open(&dir) {
        let _ = fresh.kill(4).await;
        fresh.detach();
    }
    drop(sb);
}

/// Quorum loss recovered from the console's recover page on "real hosts": the templates stop,
/// rewrite and start the survivor; the audit log has each action; the survivor leads alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_quorum_is_recovered_from_the_console_through_the_templates() {
    let home = tempfile::tempdir().unwrap();
    let mut sb = sandbox_in(home.path(), 3).await;
    let dir = sb.dir().to_path_buf();
    write_hosts_config(home.path(), &sb, None, &file_actions(&dir, false));
    let name = format!("zkc-recover-hosts-{}", std::process::id());
    let tmux = console_on(home.path(), &name);
    let long = Duration::from_secs(60);
    // The console must have seen the membership while the ensemble served.
    tmux.until("a leader", long, |s| s.contains("voters 3"))
        .await;
    sb.kill(2).await.unwrap();
    sb.kill(3).await.unwrap();
    // The recover page picks the members still running as survivors: wait until the
    // dashboard shows 2 and 3 down.
    tmux.until("members 2 and 3 down", long, |s| {
        s.contains("QUORUM LOST")
            && [2, 3]
                .iter()
                .all(|id| row_of(s, *id).is_some_and(|r| r.contains("down")))
    })
    .await;
    tmux.keys(&["w"]);
    tmux.until("the workflow menu", long, |s| s.contains("r  recover"))
        .await;
    tmux.keys(&["r"]);
    tmux.until("the recover page offers the host actions", long, |s| {
        s.contains("through the host actions")
    })
    .await;
    tmux.keys(&["Enter"]);
    let screen = tmux
        .until("the confirmation", long, |s| s.contains("to confirm"))
        .await;
    // Each host action previewed before the phrase.
    assert!(screen.contains("stop 1:"), "{screen}");
    assert!(screen.contains("start 1 (the freshest"), "{screen}");
    tmux.text("recover 1");
    tmux.keys(&["Enter"]);
    let screen = tmux
        .until("the quorum restored", Duration::from_secs(180), |s| {
            s.contains("quorum restored") || s.contains("halted") || s.contains("refused")
        })
        .await;
    assert!(screen.contains("member 1 leads"), "{screen}");
    let audit = std::fs::read_to_string(home.path().join("state/zkconsole/audit.jsonl")).unwrap();
    for action in [
        "host-stop",
        "host-read_file",
        "host-write_file",
        "host-start",
    ] {
        assert!(audit.contains(action), "{action} not audited:\n{audit}");
    }
    drop(tmux);
    if let Ok(mut fresh) = Sandbox::open(&dir) {
        let _ = fresh.kill(1).await;
        fresh.detach();
    }
    drop(sb);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_that_fails_halts_the_expand_saying_what_was_done() {
    let e = expand_up_to_the_phrase(Some("false")).await;
    e.tmux.text("start 4");
    e.tmux.keys(&["Enter"]);
    let screen = e
        .tmux
        .until("the halt", Duration::from_secs(60), |s| {
            s.contains("host step 4/4 failed")
        })
        .await;
    assert!(screen.contains("steps 1-3 were done"), "{screen}");
    assert!(!screen.contains("host action(s) done"), "{screen}");
    // The files were written; nothing started member 4.
    assert!(e.dir.join("m4/data/myid").exists());
}

/// A member down while the quorum holds, restarted from the recover page on "real hosts":
/// the start template runs (previewed, `restart ID` typed), audited, and the console waits
/// until the member serves in sync again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_follower_is_restarted_from_the_recover_page_through_the_templates() {
    let home = tempfile::tempdir().unwrap();
    let mut sb = sandbox_in(home.path(), 3).await;
    let dir = sb.dir().to_path_buf();
    let leader = sb.wait_for_leader(Duration::from_secs(60)).await.unwrap();
    let f = sb.ids().into_iter().find(|&i| i != leader).unwrap();
    write_hosts_config(home.path(), &sb, None, "");
    let name = format!("zkc-restart-hosts-{}", std::process::id());
    let tmux = console_on(home.path(), &name);
    let long = Duration::from_secs(60);
    tmux.until("a leader", long, |s| s.contains("voters 3"))
        .await;
    sb.kill(f).await.unwrap();
    tmux.until("the follower down", long, |s| {
        row_of(s, f).is_some_and(|r| r.contains("down"))
    })
    .await;
    let screen = open_host_restart(&tmux, long).await;
    // The command as it will run, and the ensemble after it.
    assert!(
        screen.contains(&format!("start {f}: ")) && screen.contains("sandbox restart"),
        "{screen}"
    );
    assert!(screen.contains("after: 3 of 3 voters serve"), "{screen}");
    tmux.text(&format!("restart {f}"));
    tmux.keys(&["Enter"]);
    let screen = tmux
        .until("the member serving again", Duration::from_secs(180), |s| {
            s.contains("serves again") || s.contains("halted") || s.contains("did not serve")
        })
        .await;
    assert!(
        screen.contains(&format!("member {f} serves again as follower")),
        "{screen}"
    );
    let audit = std::fs::read_to_string(home.path().join("state/zkconsole/audit.jsonl")).unwrap();
    let starts = audit
        .lines()
        .filter(|l| l.contains("\"host-start\""))
        .count();
    assert_eq!(starts, 2, "the start's intent and result:\n{audit}");
    assert!(!audit.contains("host-stop"), "{audit}");
    // Serving again, by the sandbox's own check too.
    sb.wait_serving(f, long).await.unwrap();
    drop(tmux);
    if let Ok(mut fresh) = Sandbox::open(&dir) {
        let _ = fresh.kill(f).await;
        fresh.detach();
    }
    drop(sb);
}
