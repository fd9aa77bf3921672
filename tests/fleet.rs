//! Fleets: `status --all` / `--inventory` against real sandboxes — every ensemble observed at
//! once with its own credentials, worst first, the worst exit code — and a hung ensemble that
//! costs the others nothing.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;
#[path = "replay/mod.rs"]
mod replay;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use zkconsole::sandbox::Sandbox;

const CLI_WITHIN: Duration = Duration::from_secs(60);
const TIMEOUT_MS: u64 = 1500;

/// A config with thresholds a loaded machine cannot breach (the states below are about
/// membership, not load) and one `[ensembles.NAME]` per sandbox, each with its own digest.
fn fleet_config(dir: &Path, ensembles: &[(&str, &Sandbox)]) -> String {
    let path = lax_config(&dir.join("fleet.toml"), "", ensembles);
    path.display().to_string()
}

async fn status_all(home: &Path, config: &str, extra: &[&str]) -> CliRun {
    let timeout = TIMEOUT_MS.to_string();
    let mut args = vec![
        "status",
        "--all",
        "--json",
        "--config",
        config,
        "--timeout-ms",
        &timeout,
    ];
    args.extend_from_slice(extra);
    zkconsole_env(home, &args, &[], CLI_WITHIN).await
}

fn names_and_states(doc: &Value) -> Vec<(String, String)> {
    doc["ensembles"]
        .as_array()
        .expect("ensembles is an array")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap_or("?").to_string(),
                e["state"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_all_lists_the_fleet_worst_first_with_the_worst_exit_code() {
    // Three voters: one alone survives no failure, which is a warning by itself.
    let healthy = healthy_sandbox(3).await;
    let mut sick = healthy_sandbox(3).await;
    let home = tempfile::tempdir().expect("tempdir");
    let config = fleet_config(home.path(), &[("alpha", &healthy), ("beta", &sick)]);
    let gone = closed_address();
    let inventory = home.path().join("inventory.txt");
    std::fs::write(
        &inventory,
        format!("# decommissioned last week\ngone = {}\n", &*gone),
    )
    .expect("write the inventory");
    let inv = inventory.display().to_string();

    // beta loses a follower: warn; the inventory's ensemble answers nothing: unreachable.
    let leader = sick.wait_for_leader(Duration::from_secs(30)).await.unwrap();
    let follower = sick.ids().into_iter().find(|&i| i != leader).unwrap();
    sick.kill(follower).await.expect("kill a follower");
    let run = eventually(CLI_WITHIN, "beta reported as warn", || async {
        let run = status_all(home.path(), &config, &["--inventory", &inv]).await;
        let doc = run.json();
        let got = names_and_states(&doc);
        let want = [("gone", "unreachable"), ("beta", "warn"), ("alpha", "ok")];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect();
        if got == want {
            Ok(run)
        } else {
            Err(format!("{got:?}"))
        }
    })
    .await;
    assert_eq!(run.code, 3, "the worst exit code: {run:?}");
    let doc = run.json();
    assert_eq!(doc["state"], "unreachable");
    // Each entry is the single-ensemble status object with its name.
    let beta = &doc["ensembles"][1];
    assert_eq!(beta["ensemble"], "beta");
    assert_eq!(beta["quorum"]["voters"], 3);
    assert_eq!(beta["quorum"]["live_voters"], 2);
    assert_eq!(beta["members"].as_array().map(Vec::len), Some(3));
    assert!(doc["ensembles"][0]["problems"].as_array().is_some());

    // A second member of beta down: its quorum is lost, critical ranks first among the config's.
    let other = sick
        .ids()
        .into_iter()
        .find(|&i| i != leader && i != follower)
        .unwrap();
    sick.kill(other).await.expect("kill a second member");
    let run = eventually(CLI_WITHIN, "beta reported as critical", || async {
        let run = status_all(home.path(), &config, &[]).await;
        match names_and_states(&run.json()).as_slice() {
            [(b, bs), (a, as_)]
                if b == "beta" && bs == "critical" && a == "alpha" && as_ == "ok" =>
            {
                Ok(run)
            }
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.json()["state"], "critical");

    // The table for people, at 80 columns.
    let timeout = TIMEOUT_MS.to_string();
    let text = zkconsole_env(
        home.path(),
        &[
            "status",
            "--all",
            "--config",
            &config,
            "--timeout-ms",
            &timeout,
        ],
        &[("COLUMNS", "80")],
        CLI_WITHIN,
    )
    .await;
    assert_eq!(text.code, 2, "{text:?}");
    assert!(
        text.stdout
            .starts_with("fleet  state CRITICAL  2 ensembles"),
        "{text:?}"
    );
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert!(
        lines.iter().all(|l| l.chars().count() <= 80),
        "{}",
        text.stdout
    );
    let beta_at = lines.iter().position(|l| l.contains(" beta ")).unwrap();
    let alpha_at = lines.iter().position(|l| l.contains(" alpha ")).unwrap();
    assert!(beta_at < alpha_at, "worst first:\n{}", text.stdout);
    healthy.down().await.ok();
    sick.down().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_ensemble_does_not_hold_the_others() {
    let healthy = healthy_sandbox(1).await;
    let (hung, _peer) = hung_peer().await;
    let home = tempfile::tempdir().expect("tempdir");
    let config = fleet_config(home.path(), &[("alpha", &healthy)]);
    let inventory = home.path().join("inventory.txt");
    std::fs::write(&inventory, format!("{hung}\n")).expect("write the inventory");
    let inv = inventory.display().to_string();
    let run = status_all(home.path(), &config, &["--inventory", &inv]).await;
    let doc = run.json();
    let got = names_and_states(&doc);
    // Nothing answered there: unreachable; a lone voter survives no failure: warn.
    assert_eq!(got[0], (hung.clone(), "unreachable".to_string()), "{doc:#}");
    assert_eq!(got[1], ("alpha".to_string(), "warn".to_string()), "{doc:#}");
    assert_eq!(doc["ensembles"][1]["leader"], 1, "{doc:#}");
    assert_eq!(run.code, 3);
    // Concurrent: the whole report within one ensemble's bound, not the sum of them.
    let bound = Duration::from_millis(TIMEOUT_MS * 8);
    assert!(
        run.elapsed < bound,
        "took {:?} (bound {bound:?})",
        run.elapsed
    );
    healthy.down().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_inventory_line_is_a_usage_error_naming_file_and_line() {
    let home = tempfile::tempdir().expect("tempdir");
    let inventory = home.path().join("inv.txt");
    std::fs::write(&inventory, "127.0.0.1:2181\n\nzk1:99999\n").unwrap();
    let inv = inventory.display().to_string();
    let run = zkconsole(&["status", "--inventory", &inv]).await;
    assert_eq!(run.code, 64, "{run:?}");
    assert!(run.stderr.contains("inv.txt:3"), "{run:?}");
    assert!(run.stderr.contains("port 99999 is out of range"), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");

    let run = zkconsole(&["status", "--all"]).await;
    assert_eq!(run.code, 64, "{run:?}");
    assert!(run.stderr.contains("no ensembles to watch"), "{run:?}");

    let run = zkconsole(&["status", "--all", "--connect", "127.0.0.1:2181"]).await;
    assert_eq!(run.code, 64, "{run:?}");
    assert!(run.stderr.contains("drop --connect"), "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_fleet_with_slow_hung_and_garbage_members_is_reported_whole() {
    use replay::Behaviour;
    // Members a real server cannot be made into on demand: slow, hung, speaking garbage.
    let spec = replay::Spec {
        ensembles: 20,
        members: 3,
        port: 0,
        faults: vec![
            (3, 2, Behaviour::Slow(Duration::from_millis(300))),
            (5, 3, Behaviour::Hung),
            (7, 2, Behaviour::Garbage),
            (9, 2, Behaviour::NotServing),
            (9, 3, Behaviour::NotServing),
        ],
    };
    let fleet = replay::start(&spec).await.expect("replay fleet");
    let home = tempfile::tempdir().expect("tempdir");
    let inventory = home.path().join("inventory.txt");
    std::fs::write(&inventory, fleet.inventory()).expect("write the inventory");
    let inv = inventory.display().to_string();
    let timeout = TIMEOUT_MS.to_string();
    let run = zkconsole_env(
        home.path(),
        &[
            "status",
            "--inventory",
            &inv,
            "--json",
            "--timeout-ms",
            &timeout,
        ],
        &[],
        CLI_WITHIN,
    )
    .await;
    let doc = run.json();
    let got = names_and_states(&doc);
    assert_eq!(got.len(), 20, "{got:?}");
    let state_of = |name: &str| got.iter().find(|(n, _)| n == name).unwrap().1.clone();
    assert_eq!(state_of("replay-009"), "critical", "quorum lost: {doc:#}");
    assert_ne!(state_of("replay-005"), "ok", "a hung member");
    assert_ne!(state_of("replay-007"), "ok", "a garbage member");
    assert_eq!(got[0].0, "replay-009", "worst first: {got:?}");
    let entry = |name: &str| {
        doc["ensembles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap()
            .clone()
    };
    let garbage = entry("replay-007");
    let member = garbage["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == 2)
        .unwrap()
        .clone();
    assert!(member["error"].is_string(), "{member:#}");
    // Every healthy replayed ensemble reads as the recorded one: a leader and three voters.
    let healthy = entry("replay-000");
    assert_eq!(healthy["leader"], 1, "{healthy:#}");
    assert_eq!(healthy["quorum"]["live_voters"], 3, "{healthy:#}");
    assert_eq!(run.code, 2, "{run:?}");
    // All at once: not twenty rounds one after another.
    let bound = Duration::from_millis(TIMEOUT_MS * 8);
    assert!(run.elapsed < bound, "took {:?}", run.elapsed);
}
