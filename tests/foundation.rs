//! Acceptance tests of the foundation: real ZooKeeper members from the sandbox, observed
//! through the library (`observe` + `summarize`) and through `zkconsole status`.
//!
//! Fake TCP peers stand in only for what a real server cannot produce: garbage bytes and a
//! socket that accepts and never answers.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::time::Instant;
use zkconsole::ensemble::LearnerType;
use zkconsole::probe::member::{probe_member, MetricsSource, ProbeTarget};
use zkconsole::probe::types::Role;
use zkconsole::sandbox::SandboxOptions;

/// Keys every `members[]` row of `status --json` carries (null or not).
const MEMBER_KEYS: [&str; 11] = [
    "id",
    "address",
    "role",
    "voting",
    "latency_avg_ms",
    "latency_max_ms",
    "outstanding",
    "connections",
    "znodes",
    "zxid",
    "error",
];

/// A status round with a hung member ends within a multiple of the probe timeout: judged on
/// the round's own `elapsed_ms` (not the wall clock of a process started on a loaded
/// machine), with a looser wall-clock bound that still catches a hang.
fn assert_round_within_timeout(run: &CliRun, report: &Value, timeout_ms: u64) {
    let elapsed = report["elapsed_ms"]
        .as_f64()
        .unwrap_or_else(|| panic!("no elapsed_ms: {report:#}"));
    assert!(
        elapsed < (2 * timeout_ms) as f64,
        "the round took {elapsed} ms with a {timeout_ms} ms probe timeout"
    );
    assert!(
        run.elapsed < Duration::from_millis(10 * timeout_ms),
        "status took {:?} with a {timeout_ms} ms probe timeout",
        run.elapsed
    );
}

fn assert_has_keys(v: &Value, keys: &[&str], what: &str) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {v}"));
    for k in keys {
        assert!(obj.contains_key(*k), "{what} lacks key `{k}`: {v:#}");
    }
}

// 1 -------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_members_have_one_leader_and_tolerate_one_failure() {
    let sb = healthy_sandbox(3).await;

    // Through the library.
    let (obs, health) = observe_health(&discovery_of(&sb, 1500), None).await;
    let leaders: Vec<_> = obs
        .members
        .iter()
        .filter(|m| m.role == Role::Leader)
        .collect();
    let followers = obs
        .members
        .iter()
        .filter(|m| m.role == Role::Follower)
        .count();
    assert_eq!(leaders.len(), 1, "exactly one leader: {:?}", roles(&obs));
    assert_eq!(followers, 2, "two followers: {:?}", roles(&obs));
    assert_eq!(obs.members.len(), 3);
    assert_eq!(health.leader, leaders[0].id);
    assert!(health.leader.is_some(), "the leader has an id");
    assert_eq!(health.voters, 3);
    assert_eq!(health.quorum_size, 2);
    assert_eq!(health.live_voters, 3);
    assert!(health.has_quorum);
    assert_eq!(health.tolerance, Some(1));
    assert!(health.config_version.is_some(), "config version known");
    for m in &obs.members {
        assert_eq!(m.voting, Some(true), "member {:?} votes", m.id);
        assert!(m.error.is_none(), "member {:?}: {:?}", m.id, m.error);
    }
    let ids: BTreeSet<u64> = obs.members.iter().filter_map(|m| m.id).collect();
    assert_eq!(ids, sb.ids().into_iter().collect());

    // Through the binary.
    let run = status_json(&sb.connect_string(), &[]).await;
    assert_eq!(run.code, 0, "exit 0 for a healthy ensemble: {run:?}");
    let report = run.json();
    assert_has_keys(
        &report,
        &["leader", "config_version", "quorum", "members"],
        "report",
    );
    assert_has_keys(
        &report["quorum"],
        &["voters", "quorum_size", "live_voters", "tolerance"],
        "quorum",
    );
    assert_eq!(report["quorum"]["voters"], 3);
    assert_eq!(report["quorum"]["quorum_size"], 2);
    assert_eq!(report["quorum"]["live_voters"], 3);
    assert_eq!(report["quorum"]["tolerance"], 1);
    assert_eq!(report["quorum"]["has_quorum"], true);
    let version = report["config_version"]
        .as_str()
        .unwrap_or_else(|| panic!("config_version is a string: {report:#}"));
    assert!(version.starts_with("0x"), "hex config version: {version}");
    let rows = report["members"].as_array().expect("members array");
    assert_eq!(rows.len(), 3);
    for row in rows {
        assert_has_keys(row, &MEMBER_KEYS, "member row");
        assert_eq!(row["voting"], true, "{row:#}");
        assert!(row["error"].is_null(), "{row:#}");
        for k in [
            "latency_avg_ms",
            "outstanding",
            "connections",
            "znodes",
            "zxid",
        ] {
            assert!(!row[k].is_null(), "a healthy member reports {k}: {row:#}");
        }
    }
    let leader_rows: Vec<&Value> = rows.iter().filter(|r| r["role"] == "leader").collect();
    assert_eq!(leader_rows.len(), 1, "{report:#}");
    assert_eq!(rows.iter().filter(|r| r["role"] == "follower").count(), 2);
    assert_eq!(report["leader"], leader_rows[0]["id"]);
    assert!(report["leader"].is_u64(), "{report:#}");
}

// 2 -------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_seed_is_enough_to_list_every_member() {
    let sb = healthy_sandbox(3).await;
    let only = address_of(&sb, 2);

    let run = status_json(&only, &[]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    let rows = report["members"].as_array().expect("members array");
    assert_eq!(rows.len(), 3, "all members discovered from one: {report:#}");
    for m in sb.members() {
        let row = row_by_id(&report, m.id);
        assert_eq!(row["address"], m.client_address());
        assert!(
            row["role"] == "leader" || row["role"] == "follower",
            "{row:#}"
        );
    }
}

// 3 -------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_leader_is_replaced_and_still_listed_as_down() {
    let mut sb = healthy_sandbox(3).await;
    let (before, health) = observe_health(&discovery_of(&sb, 1000), None).await;
    let old = health.leader.expect("a leader before the kill");
    let known = before.config.clone().expect("membership before the kill");
    let all_ids: BTreeSet<u64> = sb.ids().into_iter().collect();
    let survivor = *all_ids.iter().find(|&&id| id != old).unwrap();
    // Seeded with one survivor only: the old leader can appear only through the membership.
    let d = discovery(vec![address_of(&sb, survivor)], 1000);

    sb.kill(old).await.expect("kill the leader");
    let killed_at = Instant::now();
    // Generous on purpose: the time is printed, not asserted (a loaded machine slows elections).
    let (obs, health) = eventually(Duration::from_secs(30), "a new leader is elected", || {
        let (d, known, all_ids) = (d.clone(), known.clone(), all_ids.clone());
        async move {
            let (obs, health) = observe_health(&d, Some(&known)).await;
            // Mid-election too: no member may vanish from the observation.
            let listed: BTreeSet<u64> = obs.members.iter().filter_map(|m| m.id).collect();
            assert_eq!(listed, all_ids, "a member was dropped: {:?}", roles(&obs));
            // The new leader may serve a moment before its follower has synced: wait for
            // the quorum too, not just for the election.
            match (health.leader, member_by_id(&obs, old).map(|m| m.role)) {
                (Some(l), Some(Role::Down)) if l != old && health.live_voters == 2 => {
                    Ok((obs, health))
                }
                other => Err(format!(
                    "leader/old role {other:?}, live voters {}; {:?}",
                    health.live_voters,
                    roles(&obs)
                )),
            }
        }
    })
    .await;
    eprintln!(
        "new leader observed {:?} after the kill",
        killed_at.elapsed()
    );
    let new = health.leader.unwrap();
    assert_ne!(new, old);
    assert_eq!(obs.members.len(), 3);
    let old_row = member_by_id(&obs, old).unwrap();
    assert_eq!(old_row.role, Role::Down);
    assert!(old_row.error.is_some(), "a down member says why");
    assert!(health.has_quorum);
    assert_eq!(health.live_voters, 2);
    assert_eq!(health.tolerance, Some(0));
    // Nothing was written since the election: the follower still shows the old epoch's zxid
    // and the leader `<new epoch>00000000`. It synced before serving, so `status` reports
    // its lag as 0, not unknown.
    let report = zkconsole::report::StatusReport::new("t", &obs, &health);
    let follower = report
        .members
        .iter()
        .find(|m| m.role == "follower")
        .expect("a follower row");
    let leader_zxid = health.leader_zxid.expect("the new leader's zxid");
    assert_eq!(leader_zxid & 0xffff_ffff, 0, "a write after the election?");
    assert_ne!(
        follower.zxid.as_deref(),
        Some(zkconsole::report::hex(leader_zxid).as_str()),
        "the follower should still show the old epoch"
    );
    assert_eq!(follower.lag, Some(0), "{follower:?}");
}

// 4 -------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_follower_is_unresponsive_and_status_does_not_hang() {
    let mut sb = healthy_sandbox(3).await;
    let leader = sb
        .wait_for_leader(Duration::from_secs(10))
        .await
        .expect("leader");
    let follower = sb.ids().into_iter().find(|&id| id != leader).unwrap();
    let follower_addr = address_of(&sb, follower);

    sb.pause(follower).expect("SIGSTOP");
    let run = status_json(&sb.connect_string(), &["--timeout-ms", "1000"]).await;
    let report = run.json();
    assert_round_within_timeout(&run, &report, 1000);
    let row = row_by_address(&report, &follower_addr);
    assert_eq!(row["role"], "unresponsive", "{row:#}");
    assert!(row["error"].is_string(), "{row:#}");
    assert_eq!(report["quorum"]["has_quorum"], true, "{report:#}");
    assert_eq!(report["quorum"]["live_voters"], 2, "{report:#}");
    assert_eq!(report["leader"], leader, "{report:#}");
    assert_eq!(run.code, 1, "a warning, the quorum still holds: {report:#}");

    sb.resume(follower).expect("SIGCONT");
    let d = discovery(vec![follower_addr.clone()], 1000);
    eventually(
        Duration::from_secs(20),
        "the resumed follower serves again",
        || {
            let d = d.clone();
            async move {
                let (obs, _) = observe_health(&d, None).await;
                match member_by_id(&obs, follower).map(|m| m.role) {
                    Some(Role::Follower) => Ok(()),
                    r => Err(format!("member {follower} is {r:?}")),
                }
            }
        },
    )
    .await;
}

// 5 -------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_of_three_down_loses_the_quorum() {
    let mut sb = healthy_sandbox(3).await;
    let leader = sb
        .wait_for_leader(Duration::from_secs(10))
        .await
        .expect("leader");
    // Kill both followers: the leader keeps claiming to lead until it notices
    // (tickTime × syncLimit), which is the case a console must not report as healthy.
    let killed: Vec<u64> = sb.ids().into_iter().filter(|&id| id != leader).collect();
    let connect = sb.connect_string();
    let survivor_addr = address_of(&sb, leader);
    for &id in &killed {
        sb.kill(id).await.expect("kill");
    }

    let report = eventually(
        Duration::from_secs(20),
        "status reports the quorum lost",
        || {
            let (connect, survivor_addr) = (connect.clone(), survivor_addr.clone());
            async move {
                let run = status_json(&connect, &["--timeout-ms", "1000"]).await;
                let report = run.json();
                let role = row_by_address(&report, &survivor_addr)["role"].clone();
                if run.code == 2 && role == "not-serving" {
                    Ok(report)
                } else {
                    Err(format!("exit {}, survivor {role}", run.code))
                }
            }
        },
    )
    .await;
    assert_eq!(report["quorum"]["has_quorum"], false, "{report:#}");
    assert_eq!(report["state"], "critical", "{report:#}");
    assert!(report["leader"].is_null(), "{report:#}");
    assert_eq!(report["members"].as_array().unwrap().len(), 3);
    for &id in &killed {
        let row = row_by_address(&report, &address_of(&sb, id));
        assert_eq!(row["role"], "down", "{row:#}");
    }
    let problems = report["problems"].to_string();
    assert!(problems.contains("quorum lost"), "{report:#}");
}

/// With the quorum lost no member tells the membership; `status` must still list every member
/// by id (from the one it last saw live) and say how old that knowledge is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_quorum_lists_every_member_from_the_membership_last_seen() {
    let mut sb = healthy_sandbox(3).await;
    let leader = sb
        .wait_for_leader(Duration::from_secs(10))
        .await
        .expect("leader");
    let home = tempfile::tempdir().expect("tempdir");
    let seed = address_of(&sb, leader);
    let live = zkconsole_in(home.path(), &["status", "--connect", &seed, "--json"]).await;
    let live = live.json();
    assert_eq!(live["config_source"], "conf", "{live:#}");
    assert!(live["config_seen_at"].is_null(), "{live:#}");

    let killed: Vec<u64> = sb.ids().into_iter().filter(|&id| id != leader).collect();
    for &id in &killed {
        sb.kill(id).await.expect("kill");
    }
    let report = eventually(
        Duration::from_secs(20),
        "the survivor stops serving",
        || {
            let (home, seed) = (home.path().to_path_buf(), seed.clone());
            async move {
                let run = zkconsole_in(&home, &["status", "--connect", &seed, "--json"]).await;
                let report = run.json();
                let role = row_by_address(&report, &seed)["role"].clone();
                if run.code == 2 && role == "not-serving" {
                    Ok(report)
                } else {
                    Err(format!("exit {}, survivor {role}", run.code))
                }
            }
        },
    )
    .await;
    assert_eq!(report["config_source"], "previous", "{report:#}");
    assert!(report["config_seen_at"].is_string(), "{report:#}");
    assert_eq!(
        report["config_version"], live["config_version"],
        "{report:#}"
    );
    assert_eq!(report["quorum"]["voters"], 3, "{report:#}");
    assert_eq!(report["quorum"]["live_voters"], 0, "{report:#}");
    let ids: BTreeSet<u64> = report["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["id"].as_u64())
        .collect();
    assert_eq!(ids, sb.ids().into_iter().collect(), "{report:#}");
    for &id in &killed {
        let row = row_by_address(&report, &address_of(&sb, id));
        assert_eq!(row["id"], id, "{row:#}");
        assert_eq!(row["role"], "down", "{row:#}");
    }
    assert!(
        report["problems"]
            .to_string()
            .contains("membership remembered"),
        "{report:#}"
    );

    // Without that memory the one seed is all there is, and the report says the figures are
    // a guess rather than presenting one voter as the ensemble.
    let blind = status_json(&seed, &[]).await.json();
    assert_eq!(blind["config_source"], "none", "{blind:#}");
    assert_eq!(blind["members"].as_array().unwrap().len(), 1, "{blind:#}");
    assert!(
        blind["problems"].to_string().contains("membership unknown"),
        "{blind:#}"
    );
}

// 6 -------------------------------------------------------------------------------------------

fn srvr_only() -> SandboxOptions {
    SandboxOptions {
        members: 1,
        whitelist: "srvr".into(),
        ..SandboxOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_whitelist_degrades_the_row_with_a_hint() {
    let sb = sandbox_with(srvr_only()).await;
    let addr = address_of(&sb, 1);

    // The probe alone: role from srvr, a hint, no error.
    let snap = probe_member(
        &ProbeTarget {
            id: None,
            address: addr.clone(),
            admin_url: None,
            ..Default::default()
        },
        probe_opts(1500),
    )
    .await;
    assert_eq!(snap.role, Role::Leader, "{snap:?}");
    assert_eq!(snap.source, MetricsSource::Srvr);
    assert!(snap.error.is_none(), "{snap:?}");
    let hint = snap.hint.clone().unwrap_or_default();
    assert!(hint.contains("4lw.commands.whitelist"), "hint: {hint:?}");

    // The binary.
    let run = status_json(&addr, &[]).await;
    let report = run.json();
    let row = row_by_address(&report, &addr);
    assert_eq!(row["role"], "leader", "{row:#}");
    assert_eq!(row["source"], "srvr", "{row:#}");
    assert!(row["error"].is_null(), "{row:#}");
    assert!(
        row["hint"]
            .as_str()
            .is_some_and(|h| h.contains("4lw.commands.whitelist")),
        "{row:#}"
    );
    for k in ["latency_avg_ms", "connections", "znodes", "zxid"] {
        assert!(!row[k].is_null(), "srvr still gives {k}: {row:#}");
    }
    // One serving member of one: the quorum holds, only the metrics are degraded.
    assert_eq!(report["quorum"]["has_quorum"], true, "{report:#}");
    assert_eq!(report["state"], "warn", "{report:#}");
    assert_eq!(run.code, 1, "degraded metrics are a warning: {report:#}");
    assert!(
        report["problems"]
            .to_string()
            .contains("4lw.commands.whitelist"),
        "{report:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_whitelist_with_admin_url_gets_full_metrics() {
    let sb = sandbox_with(srvr_only()).await;
    let addr = address_of(&sb, 1);
    let (id, url) = sb.admin_urls().into_iter().next().expect("admin url");

    // The probe alone, told the AdminServer URL.
    let snap = probe_member(
        &ProbeTarget {
            id: Some(id),
            address: addr.clone(),
            admin_url: Some(url.clone()),
            ..Default::default()
        },
        // Jetty's first answers in a fresh JVM are slow on a busy machine.
        probe_opts(5000),
    )
    .await;
    assert_eq!(snap.role, Role::Leader, "{snap:?}");
    assert_eq!(snap.source, MetricsSource::AdminMonitor, "{snap:?}");
    assert!(snap.hint.is_none(), "{:?}", snap.hint);
    for k in ["watch_count", "open_file_descriptor_count", "avg_fsynctime"] {
        assert!(snap.metric(k).is_some(), "monitor gives {k}");
    }
    assert_eq!(snap.voting, Some(true), "zabstate says it votes");

    // The binary, with --admin ID=URL.
    let admin = format!("{id}={url}");
    let run = status_json(&addr, &["--admin", &admin, "--timeout-ms", "5000"]).await;
    let report = run.json();
    let row = row_by_address(&report, &addr);
    assert_eq!(row["role"], "leader", "{row:#}");
    assert_eq!(row["source"], "admin-monitor", "--admin {admin}: {row:#}");
    assert!(row["hint"].is_null(), "{row:#}");
    for k in [
        "latency_avg_ms",
        "latency_max_ms",
        "outstanding",
        "connections",
        "znodes",
        "zxid",
    ] {
        assert!(!row[k].is_null(), "full metrics include {k}: {row:#}");
    }
    // Full metrics, but one voter tolerates no failure: a warning, said in those words.
    assert_eq!(report["quorum"]["tolerance"], 0, "{report:#}");
    assert_eq!(report["state"], "warn", "{report:#}");
    assert_eq!(run.code, 1, "{report:#}");
    assert!(
        report["problems"].to_string().contains("a single voter"),
        "{report:#}"
    );
}

// 7 -------------------------------------------------------------------------------------------

/// Control characters, a terminal escape, invalid UTF-8 and text no parser accepts.
const GARBAGE: &[u8] = b"\x00\x1b[2J\xfe\xffNOT A ZOOKEEPER REPLY\x07\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_sending_garbage_is_an_error_quoting_what_arrived() {
    let (addr, _peer) = garbage_peer(GARBAGE).await;
    let snap = probe_member(
        &ProbeTarget {
            id: None,
            address: addr.clone(),
            admin_url: None,
            ..Default::default()
        },
        probe_opts(1000),
    )
    .await;
    assert_eq!(snap.role, Role::Error, "{snap:?}");
    let err = snap.error.clone().expect("an error message");
    assert!(
        err.contains("NOT A ZOOKEEPER REPLY"),
        "quotes the reply: {err}"
    );
    assert!(
        err.contains("\\u{1b}"),
        "the escape character is shown escaped: {err}"
    );
    assert!(
        !err.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "no raw control characters reach the terminal: {err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_never_answers_is_unresponsive_within_the_timeout() {
    let (addr, _peer) = hung_peer().await;
    let timeout = Duration::from_millis(500);
    let started = Instant::now();
    let snap = tokio::time::timeout(
        Duration::from_secs(10),
        probe_member(
            &ProbeTarget {
                id: None,
                address: addr,
                admin_url: None,
                ..Default::default()
            },
            probe_opts(timeout.as_millis() as u64),
        ),
    )
    .await
    .expect("probe_member must not hang");
    let took = started.elapsed();
    assert_eq!(snap.role, Role::Unresponsive, "{snap:?}");
    assert!(snap.error.is_some());
    assert!(took >= timeout, "gave up early: {took:?}");
    // Bounded by the timeout, not by the peer (which never answers): a multiple of it leaves
    // room for a loaded machine and still fails a probe that waits on the peer.
    assert!(
        took < timeout * 3,
        "took {took:?} with a {timeout:?} timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_is_down() {
    let addr = closed_address();
    // A long timeout: a refused connection must not wait for any part of it.
    let timeout = Duration::from_secs(20);
    let started = Instant::now();
    let snap = probe_member(
        &ProbeTarget {
            id: None,
            address: addr.to_string(),
            admin_url: None,
            ..Default::default()
        },
        probe_opts(timeout.as_millis() as u64),
    )
    .await;
    assert_eq!(snap.role, Role::Down, "{snap:?}");
    assert!(snap.error.is_some());
    let took = started.elapsed();
    assert!(
        took < timeout / 4,
        "a refused connection is immediate, yet it took {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_with_a_real_member_and_a_hung_peer() {
    let sb = healthy_sandbox(1).await;
    let real = address_of(&sb, 1);
    let (hung, _peer) = hung_peer().await;

    let connect = format!("{real},{hung}");
    let run = status_json(&connect, &["--timeout-ms", "1000"]).await;
    let report = run.json();
    assert_round_within_timeout(&run, &report, 1000);
    let good = row_by_address(&report, &real);
    assert_eq!(good["id"], 1, "{good:#}");
    assert_eq!(good["role"], "leader", "{good:#}");
    assert_eq!(good["voting"], true, "{good:#}");
    assert_eq!(good["source"], "mntr", "{good:#}");
    assert!(good["error"].is_null(), "{good:#}");
    assert!(!good["znodes"].is_null(), "{good:#}");
    let bad = row_by_address(&report, &hung);
    assert_eq!(bad["role"], "unresponsive", "{bad:#}");
    assert!(bad["error"].is_string(), "{bad:#}");
    assert_eq!(report["quorum"]["has_quorum"], true, "{report:#}");
    assert_eq!(run.code, 1, "the hung peer is a warning: {report:#}");
}

// 8 -------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joiner_given_as_seed_is_listed_as_non_voting() {
    let mut sb = healthy_sandbox(3).await;
    let voters: Vec<String> = sb.members().iter().map(|m| m.client_address()).collect();
    let joiner = sb
        .add_member(LearnerType::Participant)
        .await
        .expect("add a joiner");
    let joiner_addr = joiner.client_address();

    // Not in the committed membership: without it as a seed it is not seen.
    let (obs, _) = observe_health(&discovery(voters.clone(), 1500), None).await;
    let cfg = obs.config.clone().expect("membership");
    assert!(
        !cfg.servers.contains_key(&joiner.id),
        "the joiner is not a configured member yet: {cfg:?}"
    );
    assert_eq!(obs.members.len(), 3, "{:?}", roles(&obs));

    let mut seeds = voters;
    seeds.push(joiner_addr.clone());
    let d = discovery(seeds, 1500);
    let (obs, health) = eventually(
        Duration::from_secs(10),
        "the joiner shows as non-voting",
        || {
            let d = d.clone();
            let joiner_addr = joiner_addr.clone();
            async move {
                let (obs, health) = observe_health(&d, None).await;
                match obs.members.iter().find(|m| m.address == joiner_addr) {
                    Some(m) if m.role == Role::NonVoting => Ok((obs, health)),
                    m => Err(format!(
                        "joiner row {:?}; {:?}",
                        m.map(|m| (m.id, m.role)),
                        roles(&obs)
                    )),
                }
            }
        },
    )
    .await;
    let row = obs
        .members
        .iter()
        .find(|m| m.address == joiner_addr)
        .unwrap();
    assert_eq!(row.voting, Some(false), "{row:?}");
    assert_eq!(row.id, Some(joiner.id), "{row:?}");
    assert_eq!(obs.members.len(), 4, "{:?}", roles(&obs));
    assert_eq!(health.voters, 3, "a joiner does not vote");
    assert_eq!(health.live_voters, 3);
    assert!(health.has_quorum);
    assert_eq!(health.tolerance, Some(1));
}

// 9 -------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_reachable_exits_3() {
    let addr = closed_address();
    let run = status_json(&addr, &["--timeout-ms", "1000"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    let report = run.json();
    assert_eq!(report["state"], "unreachable", "{report:#}");
    assert_eq!(row_by_address(&report, &addr)["role"], "down", "{report:#}");
    // Text output too.
    let run = zkconsole(&["status", "--connect", &addr, "--timeout-ms", "1000"]).await;
    assert_eq!(run.code, 3, "{run:?}");
}

// 10 ------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_config_names_file_line_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.toml");
    std::fs::write(
        &path,
        "refresh_ms = 1000\nprobe_timeout_ms = 800\nrefresh_mss = 1\n",
    )
    .expect("write config");
    let shown = path.display().to_string();
    let run = zkconsole(&[
        "--config",
        &shown,
        "status",
        "--connect",
        &closed_address(),
        "--json",
    ])
    .await;
    assert_ne!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains(&format!("{shown}:3")),
        "stderr names the file and line 3: {:?}",
        run.stderr
    );
    assert!(
        run.stderr.contains("refresh_mss"),
        "stderr names the key: {:?}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "no report on a config error: {run:?}"
    );
}

// Fixtures -------------------------------------------------------------------------------------

/// Any member tells the same membership: a follower's `conf` (its own ports and serverId at
/// the top) parses to the leader's servers and version.
#[test]
fn a_followers_conf_gives_the_leaders_membership() {
    let parse = |text: &str| {
        zkconsole::ensemble::EnsembleConfig::parse(text).unwrap_or_else(|e| panic!("{e}"))
    };
    let leader = parse(include_str!("fixtures/leader_conf.txt"));
    let follower = parse(include_str!("fixtures/follower_conf.txt"));
    assert_eq!(follower.servers, leader.servers);
    assert_eq!(follower.version, leader.version);
    assert_eq!(follower.voter_ids().len(), 3, "{follower:?}");
}
