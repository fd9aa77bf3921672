//! A hung member restarted from the console's recover page on "real hosts": its process is
//! there and its port accepts connections, but nothing answers (SIGSTOP: what a JVM stuck in
//! a full GC, on a dead disk or in a deadlock looks like from outside). A `start` alone would
//! not replace it — a service manager's start does nothing while the process runs — so the
//! console must `stop` it first. The start template here behaves that way (it does nothing
//! while the member's JVM exists), so the member serves again only if the stop ran.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::console::{
    console_cmd, open_host_restart, row_of, sandbox_cli, sandbox_in, tagged_cli,
    write_console_config,
};
use common::tmux::Tmux;
use std::path::Path;
use std::time::Duration;
use zkconsole::sandbox::Sandbox;

/// The console on ensemble `sb` of the config under `home`, in a session `name` of 120×60
/// (the preview's command lines are long).
fn console_on(home: &Path, name: &str) -> Tmux {
    Tmux::start(name, 120, 60, &console_cmd(home, &[], "--ensemble sb"))
}

/// A start command that acts as `systemctl start` does on an active unit: nothing while the
/// member's JVM exists (found by its own zoo.cfg, the last word of its command line), the
/// sandbox's start otherwise. Written as a script the template runs with `bash`.
fn write_start_script(home: &Path, dir: &Path) -> std::path::PathBuf {
    let script = home.join("start-member.sh");
    let text = format!(
        "#!/bin/bash\n\
         # $1: the member's id.\n\
         if pgrep -f -- '{dir}/m'\"$1\"'/zoo.cfg$' >/dev/null; then\n\
         \x20 echo \"member $1 is already running: nothing to start\"\n\
         \x20 exit 0\n\
         fi\n\
         exec {cli} sandbox restart \"$1\" --dir '{dir}'\n",
        dir = dir.display(),
        cli = tagged_cli(),
    );
    std::fs::write(&script, text).unwrap();
    script
}

/// The host actions' audit lines, in the order written: (action, phase, result).
fn host_audit(home: &Path) -> Vec<(String, String, String)> {
    common::audit_records(home, "host-")
        .into_iter()
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            (s("action"), s("phase"), s("result"))
        })
        .collect()
}

/// The screen's text as one line: each row without its borders, joined by a space.
fn unwrapped(screen: &str) -> String {
    let rows: Vec<&str> = screen
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '│' || c.is_whitespace()))
        .filter(|l| !l.is_empty())
        .collect();
    rows.join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_follower_is_stopped_then_started_from_the_recover_page_and_serves_again() {
    let home = tempfile::tempdir().unwrap();
    let mut sb = sandbox_in(home.path(), 3).await;
    let dir = sb.dir().to_path_buf();
    let leader = sb.wait_for_leader(Duration::from_secs(60)).await.unwrap();
    let f = sb.ids().into_iter().find(|&i| i != leader).unwrap();
    let script = write_start_script(home.path(), &dir);
    let toml = format!(
        "[ensembles.sb]\nconnect = \"{connect}\"\ndigest_file = \"{digest}\"\n\n\
         [ensembles.sb.actions]\nstop = \"{stop}\"\n\
         start = \"bash {script} {{id}}\"\ntimeout_s = 60\n",
        connect = sb.connect_string(),
        digest = sb.digest_file().display(),
        stop = sandbox_cli("kill", &dir),
        script = script.display(),
    );
    write_console_config(home.path(), &toml);
    let name = format!("zkc-restart-hung-{}", std::process::id());
    let tmux = console_on(home.path(), &name);
    let long = Duration::from_secs(60);
    tmux.until("a leader", long, |s| s.contains("voters 3"))
        .await;
    // Hung: the JVM is there, its port accepts, nothing answers.
    let hung_pid = sb.member(f).unwrap().pid.unwrap();
    sb.pause(f).unwrap();
    tmux.until("the follower seen as not serving", long, |s| {
        row_of(s, f).is_some_and(|r| r.contains("unresponsive"))
    })
    .await;
    let screen = open_host_restart(&tmux, long).await;
    // Both commands as they will run, stop before start, and the ensemble after them (read
    // as one text: a long command wraps).
    let flat = unwrapped(&screen);
    let stop = flat.find(&format!(
        "stop {f} (its process is there but does not serve"
    ));
    let start = flat.find(&format!("start {f}: bash "));
    assert!(
        stop.is_some_and(|s| start.is_some_and(|t| s < t)),
        "stop then start expected:\n{screen}"
    );
    assert!(
        flat.contains(&format!("sandbox kill {f} --dir")),
        "{screen}"
    );
    assert!(flat.contains("after: 3 of 3 voters serve"), "{screen}");
    assert!(flat.contains(&format!("restart {f}")), "{screen}");
    tmux.text(&format!("restart {f}"));
    tmux.keys(&["Enter"]);
    let screen = tmux
        .until("the restart's end", Duration::from_secs(600), |s| {
            s.contains("serves again") || s.contains("halted") || s.contains("did not serve")
        })
        .await;
    assert!(
        screen.contains(&format!("member {f} serves again as follower")),
        "{screen}"
    );
    // Audited before and after each action: the stop's intent and result, then the start's.
    let audit = host_audit(home.path());
    let seen: Vec<(&str, &str)> = audit
        .iter()
        .map(|(a, p, _)| (a.as_str(), p.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("host-stop", "intent"),
            ("host-stop", "result"),
            ("host-start", "intent"),
            ("host-start", "result"),
        ],
        "{audit:?}"
    );
    assert!(
        audit[1].2.starts_with("ok") && audit[3].2.starts_with("ok"),
        "{audit:?}"
    );
    // A new process serves, by the sandbox's own check too.
    let fresh = Sandbox::open(&dir).unwrap();
    let pid = fresh.member(f).unwrap().pid;
    assert!(pid.is_some_and(|p| p != hung_pid), "{pid:?} vs {hung_pid}");
    fresh.wait_serving(f, long).await.unwrap();
    drop(tmux);
    let mut fresh = fresh;
    let _ = fresh.kill(f).await;
    fresh.detach();
    drop(sb);
}
