//! The incident report of a scripted incident on a real sandbox, watched by the console in
//! tmux: kill the leader, pause a follower, then resume it and restart the old leader.
//! `zkconsole report` must list the events in order, each at a time inside the window in
//! which the test saw it happen, with every section; `:report` writes the same file.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::console::{leader_in, sandbox_console_cmd, sandbox_in};
use common::tmux::Tmux;
use common::{all_serving, zkconsole_env, CliRun};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// What the test did and when: the event must carry a time in `[before, seen]`.
struct Step {
    needle: String,
    before: SystemTime,
    seen: SystemTime,
}

/// The timeline rows of the report: (time, text).
fn timeline(md: &str) -> Vec<(jiff::Timestamp, String)> {
    md.split("## Timeline")
        .nth(1)
        .expect("a timeline section")
        .split("\n## ")
        .next()
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("| 2"))
        .map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            let at = cells[0].trim_start_matches("| ").parse().unwrap();
            (at, cells[3].trim_end_matches(" |").to_string())
        })
        .collect()
}

/// `zkconsole --sandbox-dir DIR report --since SINCE` with its config and state under `home`
/// (the console's), in UTC.
async fn report(home: &Path, dir: &Path, since: &str) -> CliRun {
    let dir = dir.display().to_string();
    let args = ["--sandbox-dir", &dir, "report", "--since", since];
    zkconsole_env(home, &args, &[("TZ", "UTC")], Duration::from_secs(60)).await
}

fn ms(t: SystemTime) -> i64 {
    jiff::Timestamp::try_from(t).unwrap().as_millisecond()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_of_a_scripted_incident_lists_its_events_in_order_at_their_times() {
    let home = tempfile::tempdir().unwrap();
    let mut sb = sandbox_in(home.path(), 3).await;
    let dir = sb.dir().to_path_buf();
    // Every member serving before the console starts: the incident is the test's, not a
    // member still joining.
    all_serving(&sb, Duration::from_secs(60)).await;
    let name = format!("zkc-incident-{}", std::process::id());
    let cmd = sandbox_console_cmd(home.path(), &[("TZ", "UTC")]);
    let tmux = Tmux::start(&name, 160, 45, &cmd);
    let long = Duration::from_secs(60);
    let screen = tmux
        .until("a leader, every voter live", long, |s| {
            leader_in(s).is_some() && s.contains("live voters 3/3")
        })
        .await;
    let old = leader_in(&screen).unwrap();
    let started = SystemTime::now();
    let mut steps = Vec::new();

    // 1. Kill the leader.
    let before = SystemTime::now();
    sb.kill(old).await.unwrap();
    let lost = format!("member {old} lost: down");
    let screen = tmux
        .until("the leader down and a new one", long, |s| {
            s.contains(&lost) && s.contains("leader elected: member")
        })
        .await;
    let seen = SystemTime::now();
    let new = leader_in(&screen).unwrap();
    steps.push(Step {
        needle: lost,
        before,
        seen,
    });
    steps.push(Step {
        needle: format!("leader elected: member {new}"),
        before,
        seen,
    });

    // 2. Pause the remaining follower.
    let follower = sb
        .ids()
        .into_iter()
        .find(|i| *i != old && *i != new)
        .unwrap();
    let before = SystemTime::now();
    sb.pause(follower).unwrap();
    let paused = format!("member {follower} lost");
    tmux.until("the follower silent", long, |s| s.contains(&paused))
        .await;
    steps.push(Step {
        needle: paused,
        before,
        seen: SystemTime::now(),
    });

    // 3. Recover: resume it, restart the old leader.
    let before = SystemTime::now();
    sb.resume(follower).unwrap();
    let back = format!("member {follower} back");
    tmux.until("the follower back", long, |s| s.contains(&back))
        .await;
    steps.push(Step {
        needle: back,
        before,
        seen: SystemTime::now(),
    });
    let before = SystemTime::now();
    sb.start(old).unwrap();
    let back = format!("member {old} back");
    tmux.until("the old leader back", long, |s| s.contains(&back))
        .await;
    steps.push(Step {
        needle: back,
        before,
        seen: SystemTime::now(),
    });

    // `:report` in the console writes the report and says where.
    tmux.keys(&[":report 1h", "Enter"]);
    let screen = tmux
        .until("the report written", long, |s| {
            s.contains("incident report written to")
        })
        .await;
    let reports = home.path().join("state/zkconsole/reports");
    let written: Vec<_> = std::fs::read_dir(&reports)
        .unwrap_or_else(|e| panic!("{}: {e}\n{screen}", reports.display()))
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(written.len(), 1, "{screen}");
    let console_md = std::fs::read_to_string(written[0].path()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = written[0].metadata().unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // `zkconsole report` from the command line, on the same sandbox.
    let out = report(home.path(), &dir, "10m").await;
    let md = out.stdout;
    assert_eq!(out.code, 0, "{}\n{md}", out.stderr);
    for section in [
        "# Incident report: sandbox ",
        "## State before",
        "## State after",
        "## Timeline",
        "## Members at the worst moment",
        "## Sparklines",
    ] {
        assert!(md.contains(section), "{section} missing:\n{md}");
        assert!(
            console_md.contains(section),
            "{section} missing:\n{console_md}"
        );
    }
    assert!(md.contains("(observed live)"), "{md}");
    let rows = timeline(&md);
    let mut last = 0;
    for step in &steps {
        let (i, (at, text)) = rows
            .iter()
            .enumerate()
            .find(|(i, (_, t))| *i >= last && t.contains(&step.needle))
            .unwrap_or_else(|| panic!("{:?} not in order in the timeline:\n{md}", step.needle));
        let at = at.as_millisecond();
        assert!(
            at >= ms(step.before) - 1 && at <= ms(step.seen),
            "{text}: at {at} outside the window it was seen in [{}, {}]",
            ms(step.before),
            ms(step.seen)
        );
        last = i;
    }
    // Nothing of the incident before the test began it.
    assert!(rows
        .iter()
        .all(|(at, _)| at.as_millisecond() >= ms(started) - 600_000));

    // A bad --since is a usage error that says what would do.
    let out = report(home.path(), &dir, "yesterday").await;
    assert_eq!(out.code, 64);
    let err = out.stderr;
    assert!(
        err.contains("--since \"yesterday\"") && err.contains("30m"),
        "{err}"
    );
    drop(tmux);
    drop(sb);
}
