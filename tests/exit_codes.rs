//! The exit-code contract of `status`, `scan`, `plan` and `apply`, row by row as the README's
//! table gives it, against real ensembles (and addresses where nothing listens or no host
//! resolves); `plan`'s verdicts; and `plan`/`apply` started while an election is under way.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::*;
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use zkconsole::ensemble::LearnerType;
use zkconsole::sandbox::{ports, MemberInfo, Sandbox};

/// Reconfig runs verify every member after each step; allow for that on a busy machine.
const CLI_WITHIN: Duration = Duration::from_secs(90);
const SETTLE: Duration = Duration::from_secs(30);
/// A host name that never resolves (RFC 2606 reserves `.invalid`).
const NO_SUCH_HOST: &str = "no-such-host.invalid:2181";

fn digest_of(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.digest_file())
        .expect("read the sandbox digest file")
        .trim()
        .to_string()
}

/// A healthy three-member sandbox, its connect string and digest, its leader and the others.
struct Led {
    sb: Sandbox,
    connect: String,
    digest: String,
    leader: u64,
    others: Vec<u64>,
}

async fn three_with_a_leader() -> Led {
    let sb = healthy_sandbox(3).await;
    let leader = sb
        .wait_for_leader(Duration::from_secs(10))
        .await
        .expect("leader");
    Led {
        connect: sb.connect_string(),
        digest: digest_of(&sb),
        others: sb.ids().into_iter().filter(|&id| id != leader).collect(),
        leader,
        sb,
    }
}

fn spec_line(m: &MemberInfo) -> String {
    format!(
        "server.{}=127.0.0.1:{}:{}:{};127.0.0.1:{}",
        m.id,
        m.quorum_port,
        m.election_port,
        LearnerType::from(m.learner_type).as_str(),
        m.client_port
    )
}

/// `zkconsole ARGS` with the sandbox's super user (or none).
async fn run_as(digest: Option<&str>, args: &[&str]) -> CliRun {
    let home = tempfile::tempdir().expect("tempdir");
    let env: Vec<(&str, &str)> = digest
        .map(|d| ("ZKCONSOLE_DIGEST", d))
        .into_iter()
        .collect();
    zkconsole_env(home.path(), args, &env, CLI_WITHIN).await
}

fn assert_usage(run: &CliRun, names: &str) {
    assert_eq!(run.code, 64, "{run:?}");
    assert!(
        run.stderr.contains(names),
        "stderr names {names:?}: {run:?}"
    );
    assert!(run.stdout.is_empty(), "nothing on stdout: {run:?}");
}

// ---------------------------------------------------------------------------------------------
// 64: usage

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_string_that_cannot_be_parsed_is_a_usage_error_naming_the_entry() {
    let cases = [
        ("garbage:::,,", "\"garbage:::\""),
        ("zk1:2181,:2181", "entry 2 \":2181\": no host"),
        ("zk1:99999", "port 99999 is out of range"),
    ];
    let commands: [&[&str]; 4] = [
        &["status"],
        &["scan", "/"],
        &["plan", "--remove", "1"],
        &["apply", "--remove", "1", "--yes"],
    ];
    for (connect, names) in cases {
        for cmd in commands {
            let mut args = cmd.to_vec();
            args.extend(["--connect", connect]);
            let run = zkconsole(&args).await;
            assert_usage(&run, names);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_usage_errors_exit_64_before_printing_anything() {
    let home = tempfile::tempdir().expect("tempdir");
    let dir = home.path().join("sb");
    let dir = dir.to_str().unwrap();
    let run = zkconsole(&["sandbox", "up", "--members", "12", "--dir", dir]).await;
    assert_usage(&run, "1 to 9 members, not 12");
    assert!(!run.stderr.contains("starting"), "{run:?}");
    assert!(
        !std::path::Path::new(dir).exists(),
        "nothing was created for a usage error"
    );
    for verb in ["kill", "pause", "resume", "restart"] {
        let run = zkconsole(&["sandbox", verb, "1", "--dir", dir]).await;
        assert_usage(&run, "no sandbox in");
    }
    let run = zkconsole(&["sandbox", "down", "--dir", dir]).await;
    assert_usage(&run, "no sandbox in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_help_lists_only_the_flags_scan_takes() {
    let run = zkconsole(&["scan", "--help"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    for takes in [
        "--connect",
        "--ensemble",
        "--json",
        "--window",
        "--max-nodes",
    ] {
        assert!(
            run.stdout.contains(takes),
            "{takes} missing:\n{}",
            run.stdout
        );
    }
    for not in ["--admin", "--theme", "--read-only", "--sandbox-dir"] {
        assert!(!run.stdout.contains(not), "{not} listed:\n{}", run.stdout);
    }
    // The flags still work where they apply.
    let run = zkconsole(&["status", "--help"]).await;
    assert!(run.stdout.contains("--admin-port"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------------
// 3: nothing reachable (never 2)

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_that_do_not_resolve_are_unreachable_not_critical() {
    let run = status_json(NO_SUCH_HOST, &["--timeout-ms", "1000"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    let report = run.json();
    assert_eq!(report["state"], "unreachable", "{report:#}");
    let row = row_by_address(&report, NO_SUCH_HOST);
    assert_eq!(row["role"], "down", "{row:#}");
    assert!(
        row["error"]
            .as_str()
            .unwrap_or("")
            .contains("cannot resolve"),
        "{row:#}"
    );

    let closed = closed_address();
    let both = format!("{NO_SUCH_HOST},{}", &*closed);
    let run = zkconsole(&["status", "--connect", &both, "--timeout-ms", "1000"]).await;
    assert_eq!(run.code, 3, "{run:?}");

    let run = zkconsole(&[
        "scan",
        "--connect",
        NO_SUCH_HOST,
        "/",
        "--timeout-ms",
        "1000",
    ])
    .await;
    assert_eq!(run.code, 3, "{run:?}");
    let plan: &[&str] = &["plan", "--connect", &both, "--remove", "1"];
    let apply: &[&str] = &["apply", "--connect", &both, "--remove", "1", "--yes"];
    for args in [plan, apply] {
        let run = zkconsole(args).await;
        let cmd = args[0];
        assert_eq!(run.code, 3, "{cmd}: {run:?}");
        assert!(run.stderr.contains("no member answered"), "{cmd}: {run:?}");
        assert!(!run.stderr.contains("quorum lost"), "{cmd}: {run:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 0, 1, 2 on a real ensemble; plan's verdicts

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_row_of_the_table_on_a_real_ensemble() {
    let Led {
        mut sb,
        connect,
        digest,
        leader,
        others: followers,
    } = three_with_a_leader().await;

    // status 0, and its narrow table at 80 columns.
    let home = tempfile::tempdir().expect("tempdir");
    // Timing thresholds a loaded machine cannot breach: the 0/1/2 rows below are about the
    // membership (a follower down, the quorum lost), not about this machine's load.
    let lax = lax_config(&home.path().join("lax.toml"), "", &[]);
    let lax = lax.display().to_string();
    let report = status_code_until(&connect, &lax, 0).await;
    assert_eq!(report["state"], "ok", "{report:#}");
    let run = zkconsole_env(
        home.path(),
        &["--config", &lax, "status", "--connect", &connect],
        &[("COLUMNS", "80")],
        CLI_WITHIN,
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    for line in run.stdout.lines() {
        assert!(line.chars().count() <= 80, "wider than 80: {line:?}");
    }
    let header = run
        .stdout
        .lines()
        .find(|l| l.contains("ADDRESS"))
        .unwrap_or_else(|| panic!("no header:\n{}", run.stdout));
    for col in ["ID", "ADDRESS", "ROLE", "LAG"] {
        assert!(header.contains(col), "{col} missing: {header}");
    }
    assert!(
        run.stdout
            .contains(&format!("{}  ", address_of(&sb, leader))),
        "{}",
        run.stdout
    );

    // scan 0 (whole), 1 (partial), 3 (no such path).
    assert_eq!(
        zkconsole(&["scan", "--connect", &connect, "/"]).await.code,
        0
    );
    let run = zkconsole(&["scan", "--connect", &connect, "/", "--max-nodes", "1"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    let run = zkconsole(&["scan", "--connect", &connect, "/no/such/path"]).await;
    assert_eq!(run.code, 3, "{run:?}");

    plan_verdicts(&mut sb, &connect, &digest, &followers).await;

    // status 1: one follower down, the quorum holds with no failure to spare.
    sb.kill(followers[0]).await.expect("kill a follower");
    // Drills on a member in the wrong state say so and exit non-zero.
    let dir = sb.dir().display().to_string();
    let dead = followers[0].to_string();
    let run = zkconsole(&["sandbox", "kill", &dead, "--dir", &dir]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("is not running"), "{run:?}");
    assert!(run.stdout.is_empty(), "no \"killed\": {run:?}");
    let live = leader.to_string();
    let run = zkconsole(&["sandbox", "resume", &live, "--dir", &dir]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("is not paused"), "{run:?}");
    let run = zkconsole(&["sandbox", "kill", "7", "--dir", &dir]).await;
    assert_usage(&run, "has no member 7");
    let report = status_code_until(&connect, &lax, 1).await;
    assert_eq!(report["state"], "warn", "{report:#}");
    // status 2: two of three down, the quorum is lost (the live one still answers).
    sb.kill(followers[1])
        .await
        .expect("kill the other follower");
    let report = status_code_until(&connect, &lax, 2).await;
    assert_eq!(report["state"], "critical", "{report:#}");
    assert_eq!(report["quorum"]["has_quorum"], false, "{report:#}");
}

/// `zkconsole CMD --connect CONNECT EXTRA...` as `who` (a digest user, or nobody).
async fn change(cmd: &str, connect: &str, who: Option<&str>, extra: &[&str]) -> CliRun {
    let mut args = vec![cmd, "--connect", connect];
    args.extend_from_slice(extra);
    run_as(who, &args).await
}

async fn status_code_until(connect: &str, config: &str, code: i32) -> Value {
    eventually(SETTLE, &format!("status exits {code}"), || async move {
        let run = status_json(connect, &["--config", config, "--timeout-ms", "1000"]).await;
        if run.code == code {
            Ok(run.json())
        } else {
            Err(format!("exit {}: {}", run.code, run.stdout))
        }
    })
    .await
}

/// plan: 0 safe, 1 warning, 2 unsafe, 77 no credentials; apply refuses the same before
/// changing anything.
async fn plan_verdicts(sb: &mut Sandbox, connect: &str, digest: &str, followers: &[u64]) {
    let joiner = sb
        .add_member(LearnerType::Participant)
        .await
        .expect("start a joiner");
    let add = spec_line(&joiner);
    let digest = Some(digest);
    // Safe: 3 → 4 voters with a synced joiner tolerates one failure.
    let run = change("plan", connect, digest, &["--add", &add, "--json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["verdict"], "safe", "{}", run.stdout);

    // Warning: 3 → 1 voter is safe to do, but the end state tolerates no failure.
    let (f1, f2) = (followers[0].to_string(), followers[1].to_string());
    let run = change("plan", connect, digest, &["--remove", &f1, "--remove", &f2]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .contains("verdict: WARNING: the end state tolerates no failure"),
        "{}",
        run.stdout
    );

    // Unsafe: a voter nobody runs would leave 4 voters with 3 live.
    let p = ports::free_ports(3).expect("free ports");
    let dead = format!(
        "server.9=127.0.0.1:{}:{}:participant;127.0.0.1:{}",
        p[0], p[1], p[2]
    );
    let run = change("plan", connect, digest, &["--add", &dead, "--json"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.json()["verdict"], "unsafe", "{}", run.stdout);

    // No credentials: its own verdict, not "no order keeps every step safe".
    let run = change("plan", connect, None, &["--add", &add]).await;
    assert_eq!(run.code, 77, "{run:?}");
    assert!(
        run.stdout
            .contains("verdict: NO CREDENTIALS: no credentials for reconfig: set ZKCONSOLE_DIGEST or digest_file"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("no order"), "{}", run.stdout);

    // apply: 64 without --yes, 2 unsafe, 77 without credentials; nothing changed.
    let run = change("apply", connect, digest, &["--add", &add]).await;
    assert_eq!(run.code, 64, "{run:?}");
    assert!(run.stderr.contains("pass --yes"), "{run:?}");
    let run = change("apply", connect, digest, &["--add", &dead, "--yes"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    let run = change("apply", connect, None, &["--add", &add, "--yes"]).await;
    assert_eq!(run.code, 77, "{run:?}");
    assert!(run.stderr.contains("ZKCONSOLE_DIGEST"), "{run:?}");
    let run = status_json(connect, &[]).await;
    assert_eq!(run.json()["quorum"]["voters"], 3, "nothing changed");
    sb.kill(joiner.id).await.expect("stop the joiner");
}

// ---------------------------------------------------------------------------------------------
// An election in progress

/// `zkconsole ARGS` with piped stderr: returns once a stderr line contains `cue`, with the
/// child (still running) and the stderr lines read so far.
async fn spawn_until_said(
    home: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
    cue: &str,
) -> (tokio::process::Child, Vec<String>) {
    let mut child = common::zkconsole_command(home, args, env)
        .spawn()
        .expect("spawn zkconsole");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut said = Vec::new();
    let found = tokio::time::timeout(SETTLE, async {
        while let Ok(Some(line)) = lines.next_line().await {
            let hit = line.contains(cue);
            said.push(line);
            if hit {
                return true;
            }
        }
        false
    })
    .await;
    assert!(
        matches!(found, Ok(true)),
        "zkconsole {args:?} never said {cue:?}; stderr so far: {said:#?}"
    );
    // Keep draining stderr so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, said)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_and_apply_wait_for_an_election_in_progress() {
    let Led {
        mut sb,
        connect,
        digest,
        leader,
        others: survivors,
    } = three_with_a_leader().await;

    // The leader dies; one survivor hangs, so the other cannot finish an election alone:
    // members answer, none leads, and a majority may still come back.
    sb.kill(leader).await.expect("kill the leader");
    sb.pause(survivors[0]).expect("pause a survivor");
    let removed = leader.to_string();

    // A short wait that ends in the election: said as such, exit 3, not "quorum lost".
    let run = run_as(
        Some(&digest),
        &[
            "plan",
            "--connect",
            &connect,
            "--remove",
            &removed,
            "--election-wait-ms",
            "2000",
        ],
    )
    .await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("an election is in progress"), "{run:?}");
    assert!(!run.stderr.contains("quorum lost"), "{run:?}");

    // Ctrl-C while waiting: 130, nothing planned.
    let home = tempfile::tempdir().expect("tempdir");
    let (child, _) = spawn_until_said(
        home.path(),
        &["plan", "--connect", &connect, "--remove", &removed],
        &[("ZKCONSOLE_DIGEST", &digest)],
        "waiting for a leader to be elected",
    )
    .await;
    let pid = child.id().expect("plan runs") as i32;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGINT,
    )
    .expect("SIGINT");
    let out = tokio::time::timeout(SETTLE, child.wait_with_output())
        .await
        .expect("plan ends on Ctrl-C")
        .expect("wait for plan");
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    assert!(out.stdout.is_empty(), "no plan printed: {out:?}");

    // apply waits, shown on stderr; the survivor wakes, the two elect a leader, and the plan
    // is made and executed against it.
    let home = tempfile::tempdir().expect("tempdir");
    let (child, said) = spawn_until_said(
        home.path(),
        &[
            "apply",
            "--connect",
            &connect,
            "--remove",
            &removed,
            "--yes",
        ],
        &[("ZKCONSOLE_DIGEST", &digest)],
        "waiting for a leader to be elected",
    )
    .await;
    sb.resume(survivors[0]).expect("resume the survivor");
    let out = tokio::time::timeout(CLI_WITHIN, child.wait_with_output())
        .await
        .expect("apply finishes")
        .expect("wait for apply");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr: {said:#?}"
    );
    assert!(stdout.contains("done"), "{stdout}");

    let report = eventually(SETTLE, "two voters serve", || {
        let connect = connect.clone();
        async move {
            let run = status_json(&connect, &[]).await;
            let r = run.json();
            if r["quorum"]["voters"] == 2 && r["quorum"]["live_voters"] == 2 {
                Ok(r)
            } else {
                Err(format!("{:#}", r["quorum"]))
            }
        }
    })
    .await;
    assert!(
        survivors
            .iter()
            .all(|id| row_by_id(&report, *id)["voting"] == true),
        "{report:#}"
    );
}
