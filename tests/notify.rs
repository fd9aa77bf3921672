//! Notifications: the model's own events decide what is sent (no storm for the state found at
//! start-up, a recovery only after a critical, one run per interval), and on a real sandbox
//! the console runs the configured command with the event as JSON on stdin.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;
mod synthetic;

use common::all_serving;
use common::console::{leader_in, sandbox_console_cmd, sandbox_in, write_console_config};
use common::tmux::Tmux;
use std::time::{Duration, Instant};
use synthetic::{feed, snap, state};
use zkconsole::config::notify::{NotifyOn, NotifyRule};
use zkconsole::notify::Watch;
use zkconsole::probe::types::Role;

fn rule(on: &[NotifyOn], interval: u64) -> NotifyRule {
    NotifyRule {
        on: on.to_vec(),
        command: "page".into(),
        min_interval_s: interval,
        timeout_s: 5,
    }
}

#[test]
fn the_state_found_at_start_up_pages_no_one_and_its_recovery_does() {
    let mut s = state(false, false);
    let t0 = Instant::now();
    let mut w = Watch::new(
        vec![
            rule(&[NotifyOn::Critical, NotifyOn::QuorumLoss], 300),
            rule(&[NotifyOn::Recovery, NotifyOn::Election], 0),
        ],
        t0,
        Duration::from_secs(1),
    );
    // Member 1 is critical (500 outstanding) from the start: raised on its second sample.
    let round = |out1| {
        vec![
            snap(1, Role::Follower, out1),
            snap(2, Role::Follower, 0),
            snap(3, Role::Leader, 0),
        ]
    };
    for i in 0..3 {
        feed(&mut s, &round(500));
        let o = w.observe(&s, t0 + Duration::from_secs(i));
        assert!(o.dispatches.is_empty() && !o.armed_now, "{o:?}");
    }
    assert!(
        s.events
            .newest()
            .any(|e| e.text.contains("CRITICAL outstanding")),
        "the model raised the start-up breach as an event"
    );
    feed(&mut s, &round(500));
    let o = w.observe(&s, t0 + Duration::from_secs(20));
    assert!(o.armed_now && o.dispatches.is_empty(), "{o:?}");
    assert!(w.baseline_notices >= 1);

    // Member 1's backlog drains: the start-up critical's recovery is told.
    feed(&mut s, &round(0));
    let o = w.observe(&s, t0 + Duration::from_secs(20));
    let told: Vec<(usize, &[&str], &str)> = o
        .dispatches
        .iter()
        .map(|d| (d.rule, d.notice.kinds.as_slice(), d.notice.text.as_str()))
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, 1);
    assert_eq!(told[0].1, ["recovery"]);
    assert!(
        told[0].2.contains("member 1 outstanding recovered"),
        "{told:?}"
    );

    // The leader dies and the others lose the quorum: one page for the first rule.
    feed(
        &mut s,
        &[
            snap(3, Role::Down, 0),
            snap(1, Role::NotServing, 0),
            snap(2, Role::NotServing, 0),
        ],
    );
    let o = w.observe(&s, t0 + Duration::from_secs(21));
    let texts: Vec<&str> = o
        .dispatches
        .iter()
        .map(|d| d.notice.text.as_str())
        .collect();
    assert_eq!(
        o.dispatches.iter().filter(|d| d.rule == 0).count(),
        1,
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("leader member 3 lost")),
        "{texts:?}"
    );
    assert!(
        !o.held.is_empty(),
        "quorum lost is held by the interval: {o:?}"
    );

    // A new leader: an election, and the recovery of the leader's loss.
    for _ in 0..2 {
        feed(
            &mut s,
            &[
                snap(2, Role::Leader, 0),
                snap(1, Role::Follower, 0),
                snap(3, Role::Down, 0),
            ],
        );
    }
    let o = w.observe(&s, t0 + Duration::from_secs(22));
    let second: Vec<(&[&str], &str)> = o
        .dispatches
        .iter()
        .filter(|d| d.rule == 1)
        .map(|d| (d.notice.kinds.as_slice(), d.notice.text.as_str()))
        .collect();
    assert!(
        second
            .iter()
            .any(|(k, t)| k.contains(&"election") && t.contains("leader elected: member 2")),
        "{second:?}"
    );
    assert!(
        second
            .iter()
            .any(|(k, t)| k == &["recovery"] && *t == "quorum restored"),
        "{second:?}"
    );
    // The held quorum loss goes out when the first rule's interval ends, with its count.
    let o = w.observe(&s, t0 + Duration::from_secs(21 + 300));
    assert_eq!(o.dispatches.len(), 1, "{o:?}");
    assert_eq!(o.dispatches[0].rule, 0);
}

// ---------------------------------------------------------------------------------------------
// On a real sandbox, the console in tmux

fn script(path: &std::path::Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, body).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn lines_of(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_pages_on_an_election_once_per_interval_and_shows_a_failing_command() {
    let home = tempfile::tempdir().unwrap();
    let mut sb = sandbox_in(home.path(), 3).await;
    let dir = sb.dir().to_path_buf();
    // Every member serving before the console starts: the incident is the test's, not a
    // member still joining.
    all_serving(&sb, Duration::from_secs(60)).await;
    let pages = home.path().join("pages.jsonl");
    let pager = home.path().join("pager");
    script(&pager, "#!/bin/sh\ncat >> \"$1\"\n");
    let failing = home.path().join("broken-pager");
    script(
        &failing,
        "#!/bin/sh\necho 'pager service down' >&2\nexit 1\n",
    );
    write_console_config(
        home.path(),
        &format!(
            "[[notify]]\non = [\"critical\", \"election\", \"quorum_loss\"]\n\
             command = \"{} '{}'\"\nmin_interval_s = 3600\n\n\
             [[notify]]\non = [\"election\"]\ncommand = \"{}\"\nmin_interval_s = 0\n",
            pager.display(),
            pages.display(),
            failing.display()
        ),
    );

    let name = format!("zkc-notify-{}", std::process::id());
    let tmux = Tmux::start(&name, 160, 40, &sandbox_console_cmd(home.path(), &[]));
    let long = Duration::from_secs(60);
    let screen = tmux
        .until("a leader and notifications armed", long, |s| {
            leader_in(s).is_some()
                && s.contains("live voters 3/3")
                && s.contains("notifications armed")
        })
        .await;
    assert!(lines_of(&pages).is_empty(), "nothing paged at start-up");
    let old = leader_in(&screen).unwrap();

    let killed_at = std::time::SystemTime::now();
    sb.kill(old).await.unwrap();
    let screen = tmux
        .until("the new leader", long, |s| {
            leader_in(s).is_some_and(|l| l != old) && s.contains("leader elected: member")
        })
        .await;
    let new = leader_in(&screen).unwrap();
    let deadline = Instant::now() + long;
    let first = loop {
        if let Some(v) = lines_of(&pages).into_iter().next() {
            break v;
        }
        assert!(Instant::now() < deadline, "no page arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let kinds: Vec<&str> = first["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k.as_str())
        .collect();
    assert!(
        kinds.contains(&"critical") || kinds.contains(&"election"),
        "{first}"
    );
    let text = first["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("member {old}")) || text.contains(&format!("member {new}")),
        "{first}"
    );
    assert_eq!(
        first["ensemble"].as_str().unwrap(),
        format!("sandbox {}", dir.display())
    );
    assert_eq!(first["suppressed"], 0);
    let at: jiff::Timestamp = first["time"].as_str().unwrap().parse().unwrap();
    let killed: jiff::Timestamp = jiff::Timestamp::try_from(killed_at).unwrap();
    // The event's time is the console's clock when it saw it (whole seconds in the JSON).
    assert!(at.as_second() >= killed.as_second(), "{first}");

    // The failing command runs for the election and the console says so.
    tmux.until("the failing command's event", long, |s| {
        s.contains("broken-pager failed: exit 1")
    })
    .await;

    // A second critical within min_interval_s: the quorum goes.
    sb.kill(new).await.unwrap();
    tmux.until("the quorum lost", long, |s| s.contains("quorum lost"))
        .await;
    // The console logs each notice it holds back: wait for the quorum loss to be held.
    let log = home.path().join("state/zkconsole/zkconsole.log");
    let deadline = Instant::now() + long;
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text
            .lines()
            .any(|l| l.contains("held by min_interval_s") && l.contains("quorum lost"))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the quorum loss was not held; log:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all = lines_of(&pages);
    assert_eq!(
        all.len(),
        1,
        "one page within min_interval_s, the rest held: {all:?}"
    );
    drop(tmux);
    drop(sb);
}
