//! Acceptance tests of membership changes on real ensembles: `zkconsole plan` / `apply` and
//! the library's planner and executor against sandbox members. Growing and shrinking the
//! voters, adding an observer, removing the leader, replacing a dead follower, a reconfig
//! that lost a race with another client, one ZooKeeper refuses for want of a quorum, and
//! regrowth after recovering from a lost quorum.
//!
//! Every ensemble is real (`zkconsole::sandbox`); every membership is read back from
//! `/zookeeper/config` over a session rather than trusted from the tool's own output.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;
use tempfile::TempDir;
use zkconsole::audit::AuditLog;
use zkconsole::config::{Credentials, DigestKey};
use zkconsole::ensemble::{EnsembleConfig, LearnerType, ServerSpec};
use zkconsole::probe::member::ProbeOptions;
use zkconsole::probe::round::{seeds_of, AdminLocator, Discovery};
use zkconsole::report::hex;
use zkconsole::sandbox::{ports, MemberInfo, Sandbox};
use zkconsole::workflow::executor::{can_write_config, cluster_state, Executor};
use zkconsole::workflow::{plan, ClusterState, Goal, Mode, WarningKind};
use zkconsole::zk::{connect_session, observe_ensemble, read_config};
use zookeeper_client as zkc;

/// A reconfig run verifies every member after each step; allow for that on a busy machine.
const CLI_WITHIN: Duration = Duration::from_secs(90);
/// How long the ensemble may take to show what a committed change or a crash implies.
const SETTLE: Duration = Duration::from_secs(30);
const SESSION_TIMEOUT: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------------------------
// Helpers

fn set(ids: &[u64]) -> BTreeSet<u64> {
    ids.iter().copied().collect()
}

/// The `server.N=` line a sandbox member runs with, as an operator would pass it to `--add`.
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

fn spec_of(line: &str) -> ServerSpec {
    ServerSpec::parse_line(line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
}

/// Client addresses of the given members only.
fn connect_of(sb: &Sandbox, ids: &[u64]) -> String {
    ids.iter()
        .map(|id| address_of(sb, *id))
        .collect::<Vec<_>>()
        .join(",")
}

/// The operator: runs the binary with the sandbox's super user in `ZKCONSOLE_DIGEST`, and
/// keeps its state dir (and so its audit log) for the whole test.
struct Operator {
    home: TempDir,
    digest: String,
}

impl Operator {
    fn new(sb: &Sandbox) -> Operator {
        let digest = std::fs::read_to_string(sb.digest_file())
            .expect("read the sandbox digest file")
            .trim()
            .to_string();
        assert!(digest.starts_with("super:"), "digest file holds {digest:?}");
        Operator {
            home: tempfile::tempdir().expect("tempdir"),
            digest,
        }
    }

    async fn run(&self, args: &[&str]) -> CliRun {
        zkconsole_env(
            self.home.path(),
            args,
            &[("ZKCONSOLE_DIGEST", self.digest.as_str())],
            CLI_WITHIN,
        )
        .await
    }

    async fn change(&self, cmd: &str, connect: &str, add: &[String], remove: &[u64]) -> CliRun {
        let mut args: Vec<String> = vec![cmd.into(), "--connect".into(), connect.into()];
        for spec in add {
            args.extend(["--add".into(), spec.clone()]);
        }
        for id in remove {
            args.extend(["--remove".into(), id.to_string()]);
        }
        match cmd {
            "plan" => args.push("--json".into()),
            "apply" => args.push("--yes".into()),
            _ => {}
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(&args).await
    }

    /// `zkconsole plan --json`: the run and the plan it printed.
    async fn plan(&self, connect: &str, add: &[String], remove: &[u64]) -> (CliRun, Value) {
        let run = self.change("plan", connect, add, remove).await;
        let plan = run.json();
        (run, plan)
    }

    /// `zkconsole apply --yes`.
    async fn apply(&self, connect: &str, add: &[String], remove: &[u64]) -> CliRun {
        self.change("apply", connect, add, remove).await
    }

    /// The `reconfig` records of the audit log, oldest first.
    fn reconfigs(&self) -> Vec<Value> {
        AuditLog::at(
            &self.home.path().join("state/zkconsole/audit.jsonl"),
            DigestKey::from_bytes([0; 32]),
        )
        .read_all()
        .expect("read the audit log")
        .into_iter()
        .filter(|r| r["action"] == "reconfig" && r["phase"] == "result")
        .collect()
    }
}

/// Each step of a plan printed by `plan --json` as (joining ids, leaving ids).
fn shape(plan: &Value) -> Vec<(Vec<u64>, Vec<u64>)> {
    let ids = |v: &Value, key: Option<&str>| -> Vec<u64> {
        v.as_array()
            .expect("an array")
            .iter()
            .map(|x| match key {
                Some(k) => x[k].as_u64().expect("an id"),
                None => x.as_u64().expect("an id"),
            })
            .collect()
    };
    plan["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("no steps in {plan:#}"))
        .iter()
        .map(|s| (ids(&s["joining"], Some("id")), ids(&s["leaving"], None)))
        .collect()
}

/// The committed membership, read from `/zookeeper/config` over a fresh session.
/// Starts one more participant that is not yet in the membership (its files name itself).
async fn joiner(sb: &mut Sandbox) -> zkconsole::sandbox::MemberInfo {
    sb.add_member(LearnerType::Participant)
        .await
        .expect("joiner")
}

async fn membership(connect: &str) -> EnsembleConfig {
    eventually(SETTLE, "reading /zookeeper/config", || async {
        let client = connect_session(connect, SESSION_TIMEOUT, None, &Default::default())
            .await
            .map_err(|e| e.to_string())?;
        let (config, mzxid) = read_config(&client).await.map_err(|e| e.to_string())?;
        if config.version != Some(mzxid as u64) {
            return Err(format!(
                "version {:?} is not the znode's mzxid {mzxid:#x}",
                config.version
            ));
        }
        Ok(config)
    })
    .await
}

fn ids_of(config: &EnsembleConfig) -> BTreeSet<u64> {
    config.servers.keys().copied().collect()
}

/// `status --json` until `ready` accepts the report; returns that report.
async fn status_until(connect: &str, what: &str, ready: impl Fn(&Value) -> bool) -> Value {
    eventually(SETTLE, what, || async {
        let run = status_json(connect, &[]).await;
        let report: Value = serde_json::from_str(&run.stdout)
            .map_err(|e| format!("exit {}, stdout not JSON ({e}): {}", run.code, run.stderr))?;
        if ready(&report) {
            Ok(report)
        } else {
            Err(format!(
                "exit {}; quorum {}; leader {}; roles {}",
                run.code,
                report["quorum"],
                report["leader"],
                roles_of(&report)
            ))
        }
    })
    .await
}

fn roles_of(report: &Value) -> String {
    report["members"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .map(|m| format!("{}={}", m["id"], m["role"]))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn row_of(report: &Value, id: u64) -> Option<&Value> {
    report["members"].as_array()?.iter().find(|m| m["id"] == id)
}

/// Creates a persistent znode anyone may read.
async fn write_znode(connect: &str, path: &str, data: &[u8]) {
    let client = connect_session(connect, SESSION_TIMEOUT, None, &Default::default())
        .await
        .expect("session for the write");
    let opts = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    client
        .create(path, data, &opts)
        .await
        .unwrap_or_else(|e| panic!("create {path}: {e}"));
}

/// Reads a znode back over a fresh session, once the members listed serve it.
async fn read_znode(connect: &str, path: &str) -> Vec<u8> {
    eventually(SETTLE, &format!("reading {path}"), || async {
        let client = connect_session(connect, SESSION_TIMEOUT, None, &Default::default())
            .await
            .map_err(|e| e.to_string())?;
        let (data, _) = client.get_data(path).await.map_err(|e| e.to_string())?;
        Ok(data)
    })
    .await
}

/// What `zkconsole plan` sees, built through the library: observe (probing `extra` seeds,
/// e.g. joiners, too), check write permission, and derive the planner's state.
async fn library_state(
    connect: &str,
    extra: &[String],
    client: &zkc::Client,
    creds: &Credentials,
) -> ClusterState {
    let mut seeds = seeds_of(connect);
    seeds.extend(extra.iter().cloned());
    let discovery = Discovery {
        tls: Default::default(),
        seeds,
        admin: AdminLocator::default(),
        opts: ProbeOptions::default(),
    };
    let obs = observe_ensemble(&discovery, connect, Some(creds), None).await;
    let can_write = can_write_config(client, Some(&creds.digest_identity())).await;
    cluster_state(&obs, can_write).expect("the observation carries the membership")
}

fn executor<'a>(client: &'a zkc::Client, connect: &str, audit: &AuditLog) -> Executor<'a> {
    Executor {
        client,
        ensemble: connect.to_string(),
        auth_user: Some("super".into()),
        audit: audit.clone(),
        probe: ProbeOptions::default(),
        admin: AdminLocator::default(),
    }
}

fn credentials(sb: &Sandbox) -> Credentials {
    Credentials::from_file(&sb.digest_file()).expect("sandbox digest file")
}

// ---------------------------------------------------------------------------------------------
// 1. Growing 3 → 5 one voter at a time, and back

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grows_three_to_five_voters_one_at_a_time_and_shrinks_back() {
    let mut sb = healthy_sandbox(3).await;
    let op = Operator::new(&sb);
    let connect = connect_of(&sb, &[1, 2, 3]);
    let initial = membership(&connect).await;
    assert_eq!(initial.voter_ids(), set(&[1, 2, 3]));

    let j4 = joiner(&mut sb).await;
    let j5 = joiner(&mut sb).await;
    assert_eq!((j4.id, j5.id), (4, 5));
    let adds = vec![spec_line(&j4), spec_line(&j5)];

    // A typo is a usage error naming the members, not an "unsafe" plan.
    let typo = op.change("plan", &connect, &[], &[9]).await;
    assert_eq!(typo.code, 64, "{typo:?}");
    assert!(
        typo.stderr
            .contains("server 9 is not a member (members: 1,2,3)"),
        "{typo:?}"
    );

    let (planned, p) = op.plan(&connect, &adds, &[]).await;
    assert_eq!(planned.code, 0, "plan: {planned:?}");
    assert_eq!(p["safe"], true, "{p:#}");
    assert_eq!(shape(&p), [(vec![4], vec![]), (vec![5], vec![])]);
    // Config versions read as status and ZooKeeper write them: hex.
    let version = p["steps"][0]["before"]["version"]
        .as_str()
        .unwrap_or_default();
    assert!(version.starts_with("0x"), "{p:#}");

    let grown = op.apply(&connect, &adds, &[]).await;
    assert_eq!(grown.code, 0, "apply: {grown:?}");
    assert!(
        grown.stdout.contains("executing step 1/2"),
        "{}",
        grown.stdout
    );
    assert!(
        grown.stdout.contains("executing step 2/2"),
        "{}",
        grown.stdout
    );

    let five = membership(&connect).await;
    assert_eq!(
        five.voter_ids(),
        set(&[1, 2, 3, 4, 5]),
        "{}",
        five.to_text()
    );
    assert_eq!(five.observers().count(), 0);
    assert_eq!(five.servers[&4], spec_of(&adds[0]));
    assert_eq!(five.servers[&5], spec_of(&adds[1]));
    assert!(five.version > initial.version);

    let report = status_until(&connect, "status shows 5 live voters", |r| {
        r["quorum"]["live_voters"] == 5
    })
    .await;
    assert_eq!(report["quorum"]["voters"], 5, "{}", report["quorum"]);
    assert_eq!(report["quorum"]["quorum_size"], 3);
    assert_eq!(report["quorum"]["tolerance"], 2);
    assert_eq!(report["quorum"]["observers"], 0);
    assert_eq!(report["config_version"], hex(five.version.unwrap()));

    let shrunk = op.apply(&connect, &[], &[4, 5]).await;
    assert_eq!(shrunk.code, 0, "apply: {shrunk:?}");
    assert!(
        shrunk.stdout.contains("executing step 2/2"),
        "{}",
        shrunk.stdout
    );

    let three = membership(&connect).await;
    assert_eq!(ids_of(&three), set(&[1, 2, 3]), "{}", three.to_text());
    assert_eq!(three.voter_ids(), set(&[1, 2, 3]));
    let report = status_until(&connect, "status shows 3 voters", |r| {
        r["quorum"]["voters"] == 3 && r["quorum"]["live_voters"] == 3
    })
    .await;
    assert_eq!(report["quorum"]["tolerance"], 1);
    assert_eq!(report["quorum"]["has_quorum"], true);

    // One audit record per step, in order, each chained to the one before.
    let recs = op.reconfigs();
    assert_eq!(recs.len(), 4, "{recs:#?}");
    let voters = [
        (set(&[1, 2, 3]), set(&[1, 2, 3, 4])),
        (set(&[1, 2, 3, 4]), set(&[1, 2, 3, 4, 5])),
        (set(&[1, 2, 3, 4, 5]), set(&[1, 2, 3, 5])),
        (set(&[1, 2, 3, 5]), set(&[1, 2, 3])),
    ];
    let mut expected = hex(initial.version.unwrap());
    for (rec, (before, after)) in recs.iter().zip(voters) {
        assert_eq!(rec["result"], "ok", "{rec:#}");
        assert_eq!(rec["path"], "/zookeeper/config");
        assert_eq!(rec["auth"], "super");
        let text = |k: &str| {
            rec[k]
                .as_str()
                .unwrap_or_else(|| panic!("no {k} in {rec:#}"))
        };
        let parsed = |k: &str| EnsembleConfig::parse(text(k)).expect("config text");
        assert_eq!(parsed("before").voter_ids(), before, "{rec:#}");
        assert_eq!(parsed("after").voter_ids(), after, "{rec:#}");
        assert_eq!(rec["expected_version"], expected.as_str(), "{rec:#}");
        let new_version = text("new_version").to_string();
        assert_eq!(parsed("after").version.map(hex), Some(new_version.clone()));
        assert_ne!(new_version, expected);
        expected = new_version;
    }
    assert_eq!(expected, hex(three.version.unwrap()));
}

// ---------------------------------------------------------------------------------------------
// 2. An observer

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adds_an_observer_without_touching_the_voters() {
    let mut sb = healthy_sandbox(3).await;
    let op = Operator::new(&sb);
    let connect = connect_of(&sb, &[1, 2, 3]);
    let before = membership(&connect).await;
    assert_eq!(before.observers().count(), 0);

    let o = sb.add_member(LearnerType::Observer).await.expect("joiner");
    let spec = spec_line(&o);
    assert!(spec.contains(":observer;"), "{spec}");

    let (planned, p) = op.plan(&connect, std::slice::from_ref(&spec), &[]).await;
    assert_eq!(planned.code, 0, "plan: {planned:?}");
    assert_eq!(shape(&p), [(vec![o.id], vec![])]);
    let preview = &p["steps"][0]["preview"];
    assert_eq!(
        preview["voters_before"], preview["voters_after"],
        "{preview:#}"
    );
    assert_eq!(preview["observers_after"], serde_json::json!([o.id]));

    let run = op.apply(&connect, std::slice::from_ref(&spec), &[]).await;
    assert_eq!(run.code, 0, "apply: {run:?}");
    assert!(
        run.stdout
            .contains(&format!("member {} serves as observer", o.id)),
        "{}",
        run.stdout
    );

    let after = membership(&connect).await;
    assert_eq!(after.voter_ids(), set(&[1, 2, 3]), "{}", after.to_text());
    let observers: Vec<u64> = after.observers().map(|s| s.id).collect();
    assert_eq!(observers, [o.id]);
    assert_eq!(after.servers[&o.id], spec_of(&spec));
    assert_eq!(after.servers[&o.id].learner_type, LearnerType::Observer);

    let report = status_until(&connect, "status shows the observer", |r| {
        row_of(r, o.id).is_some_and(|row| row["role"] == "observer")
            && r["quorum"]["live_voters"] == 3
    })
    .await;
    let q = &report["quorum"];
    assert_eq!(
        (q["voters"].as_u64(), q["observers"].as_u64()),
        (Some(3), Some(1)),
        "{q}"
    );
    assert_eq!(q["tolerance"], 1);
    assert_eq!(row_by_id(&report, o.id)["voting"], false);

    let recs = op.reconfigs();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0]["result"], "ok");
    assert!(recs[0]["after"].as_str().unwrap().contains(":observer;"));
}

// ---------------------------------------------------------------------------------------------
// 3. Removing the leader

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_leader_hands_over_and_loses_no_data() {
    let sb = healthy_sandbox(3).await;
    let op = Operator::new(&sb);
    let all = connect_of(&sb, &[1, 2, 3]);
    let leader = sb.wait_for_leader(SETTLE).await.expect("a leader");
    let rest: Vec<u64> = [1, 2, 3].into_iter().filter(|&id| id != leader).collect();
    let rest_connect = connect_of(&sb, &rest);

    let data = format!("written while server {leader} led").into_bytes();
    write_znode(&all, "/kept-through-handoff", &data).await;

    let (planned, p) = op.plan(&all, &[], &[leader]).await;
    // Safe to do; but two voters tolerate no failure, so the verdict is a warning (exit 1).
    assert_eq!(planned.code, 1, "plan: {planned:?}");
    assert_eq!(p["verdict"], "warning", "{p:#}");
    let warnings = p["steps"][0]["preview"]["warnings"].to_string();
    assert!(warnings.contains("removes_leader"), "{warnings}");

    // Through the leader alone: its session is cut by the hand-off, the hardest case.
    let run = op.apply(&address_of(&sb, leader), &[], &[leader]).await;
    assert_eq!(run.code, 0, "apply: {run:?}");
    assert!(run.stdout.contains("committed: version"), "{}", run.stdout);

    let report = status_until(&rest_connect, "a new leader serves", |r| {
        r["leader"]
            .as_u64()
            .is_some_and(|l| l != leader && rest.contains(&l))
            && r["quorum"]["has_quorum"] == true
    })
    .await;
    assert_eq!(report["quorum"]["voters"], 2, "{}", report["quorum"]);

    let config = membership(&rest_connect).await;
    assert_eq!(config.voter_ids(), set(&rest), "{}", config.to_text());
    assert!(!config.servers.contains_key(&leader));

    assert_eq!(
        read_znode(&rest_connect, "/kept-through-handoff").await,
        data
    );
    // The shrunken ensemble still takes writes.
    write_znode(&rest_connect, "/after-handoff", b"x").await;

    // The old leader keeps running, but no longer votes.
    let report = status_until(&all, "the removed leader shows as non-voting", |r| {
        row_of(r, leader).is_some_and(|row| row["role"] == "non-voting")
    })
    .await;
    assert_eq!(row_by_id(&report, leader)["voting"], false);
    assert_ne!(report["leader"], leader);

    let recs = op.reconfigs();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert!(
        recs[0]["result"].as_str().unwrap().starts_with("ok"),
        "{:#}",
        recs[0]
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Replacing a dead follower

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaces_a_killed_follower_adding_before_removing() {
    let mut sb = healthy_sandbox(3).await;
    let op = Operator::new(&sb);
    let leader = sb.wait_for_leader(SETTLE).await.expect("a leader");
    let dead = [3, 2, 1].into_iter().find(|&id| id != leader).unwrap();
    let survivors: Vec<u64> = [1, 2, 3].into_iter().filter(|&id| id != dead).collect();
    let all = connect_of(&sb, &[1, 2, 3]);
    let connect = connect_of(&sb, &survivors);

    sb.kill(dead).await.expect("kill the follower");
    status_until(&all, "status sees the follower down", |r| {
        r["quorum"]["live_voters"] == 2 && row_of(r, dead).is_some_and(|row| row["role"] == "down")
    })
    .await;

    let j = joiner(&mut sb).await;
    let add = vec![spec_line(&j)];
    let (planned, p) = op.plan(&connect, &add, &[dead]).await;
    assert_eq!(planned.code, 0, "plan: {planned:?}");
    assert_eq!(shape(&p), [(vec![j.id], vec![]), (vec![], vec![dead])]);

    let run = op.apply(&connect, &add, &[dead]).await;
    assert_eq!(run.code, 0, "apply: {run:?}");

    let config = membership(&connect).await;
    let mut want = survivors.clone();
    want.push(j.id);
    assert_eq!(config.voter_ids(), set(&want), "{}", config.to_text());
    assert_eq!(ids_of(&config), set(&want));

    let report = status_until(&connect, "status shows 3 live voters", |r| {
        r["quorum"]["voters"] == 3 && r["quorum"]["live_voters"] == 3
    })
    .await;
    assert_eq!(report["quorum"]["tolerance"], 1);
    assert_eq!(report["quorum"]["has_quorum"], true);
    assert_eq!(
        row_by_id(&report, j.id)["voting"],
        true,
        "{}",
        roles_of(&report)
    );
    let recs = op.reconfigs();
    assert_eq!(recs.len(), 2, "{recs:#?}");
    assert!(recs.iter().all(|r| r["result"] == "ok"), "{recs:#?}");
}

// ---------------------------------------------------------------------------------------------
// 5. Someone else reconfigures between preview and execution

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_reconfig_makes_the_stale_step_fail_with_bad_version() {
    let mut sb = healthy_sandbox(3).await;
    let op = Operator::new(&sb);
    let connect = connect_of(&sb, &[1, 2, 3]);
    let a = joiner(&mut sb).await;
    let b = joiner(&mut sb).await;
    let creds = credentials(&sb);
    let client = connect_session(&connect, SESSION_TIMEOUT, Some(&creds), &Default::default())
        .await
        .expect("session");

    // Preview adding A.
    let state = library_state(&connect, &[a.client_address()], &client, &creds).await;
    let old_version = state.config.version.expect("config version");
    let goal = Goal {
        add: vec![spec_of(&spec_line(&a))],
        remove: vec![],
        mode: Mode::Stepwise,
    };
    let p = plan(&state, &goal);
    assert!(p.safe, "{:?}", p.blocked);
    assert_eq!(p.steps.len(), 1);

    // Meanwhile, another operator adds B.
    let other = op.apply(&connect, &[spec_line(&b)], &[]).await;
    assert_eq!(other.code, 0, "apply: {other:?}");
    let between = membership(&connect).await;
    assert_eq!(between.voter_ids(), set(&[1, 2, 3, b.id]));
    assert!(between.version > Some(old_version));

    // Executing the stale step must be refused, and say so.
    let audit_dir = tempfile::tempdir().expect("tempdir");
    let audit = AuditLog::at(
        &audit_dir.path().join("audit.jsonl"),
        DigestKey::from_bytes([0; 32]),
    );
    let err = executor(&client, &connect, &audit)
        .run_step(&p.steps[0], old_version)
        .await
        .expect_err("a step planned against an old version must fail");
    let msg = err.to_string();
    assert!(msg.contains("membership changed"), "{msg}");
    assert!(msg.contains(&hex(old_version)), "{msg}");
    assert!(msg.contains("nothing changed"), "{msg}");
    let current = err.current.expect("the executor re-read the membership");
    assert_eq!(current.version, between.version, "{msg}");
    assert!(!current.servers.contains_key(&a.id));

    let now = membership(&connect).await;
    assert_eq!(now.version, between.version);
    assert_eq!(now.servers, between.servers);
    assert!(!now.servers.contains_key(&a.id), "{}", now.to_text());

    // The intent first, then the result.
    let recs = audit.read_all().expect("audit log");
    assert_eq!(recs.len(), 2, "{recs:#?}");
    assert_eq!(recs[0]["phase"], "intent");
    assert_eq!(recs[0]["op"], recs[1]["op"]);
    let rec = &recs[1];
    assert_eq!(rec["action"], "reconfig");
    let result = rec["result"].as_str().unwrap();
    assert!(result.starts_with("error"), "{result}");
    assert!(result.contains("membership changed"), "{result}");
    assert_eq!(rec["expected_version"], hex(old_version));
    assert_eq!(rec["new_version"], Value::Null);
    let after = EnsembleConfig::parse(rec["after"].as_str().expect("after text")).unwrap();
    assert_eq!(after.version, between.version);
}

// ---------------------------------------------------------------------------------------------
// 6. ZooKeeper refuses a config whose majority is not connected

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_config_without_a_live_majority_is_refused_and_changes_nothing() {
    let sb = healthy_sandbox(3).await;
    let op = Operator::new(&sb);
    let connect = connect_of(&sb, &[1, 2, 3]);
    // Four voters nobody runs: 7 voters, 3 alive, a quorum of 4 out of reach.
    let p = ports::free_ports(12).expect("free ports");
    let dead: Vec<String> = (0..4)
        .map(|i| {
            format!(
                "server.{}=127.0.0.1:{}:{}:participant;127.0.0.1:{}",
                4 + i,
                p[3 * i],
                p[3 * i + 1],
                p[3 * i + 2]
            )
        })
        .collect();

    // The binary refuses to plan it.
    let run = op.change("plan", &connect, &dead, &[]).await;
    assert_eq!(run.code, 2, "plan: {run:?}");
    let blocked = run.json()["blocked"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(blocked.contains("not running"), "{blocked}");
    let text = op
        .run(&["plan", "--connect", &connect, "--add", &dead[0]])
        .await;
    assert_eq!(text.code, 2, "plan: {text:?}");
    assert!(
        text.stdout.contains("server 4 is not running"),
        "{}",
        text.stdout
    );

    // Through the library, bypassing that refusal: one batch step with all four.
    let creds = credentials(&sb);
    let client = connect_session(&connect, SESSION_TIMEOUT, Some(&creds), &Default::default())
        .await
        .expect("session");
    let state = library_state(&connect, &[], &client, &creds).await;
    let version = state.config.version.expect("config version");
    let goal = Goal {
        add: dead.iter().map(|l| spec_of(l)).collect(),
        remove: vec![],
        mode: Mode::Batch,
    };
    let batch = plan(&state, &goal);
    assert!(!batch.safe);
    assert_eq!(batch.steps.len(), 1);
    let step = &batch.steps[0];
    assert!(step.preview.has(WarningKind::NewVoterNotRunning));
    assert!(step.preview.has(WarningKind::NoLiveMajority));
    assert_eq!(step.after.voter_ids().len(), 7);

    let audit_dir = tempfile::tempdir().expect("tempdir");
    let audit = AuditLog::at(
        &audit_dir.path().join("audit.jsonl"),
        DigestKey::from_bytes([0; 32]),
    );
    let err = executor(&client, &connect, &audit)
        .run_step(step, version)
        .await
        .expect_err("ZooKeeper must refuse a config without a live majority");
    let msg = err.to_string();
    assert!(msg.contains("NewConfigNoQuorum"), "{msg}");
    assert!(msg.contains("majority"), "{msg}");
    assert!(msg.contains("nothing changed"), "{msg}");
    let current = err.current.expect("the executor re-read the membership");
    assert_eq!(current.version, Some(version));

    let now = membership(&connect).await;
    assert_eq!(now.version, Some(version), "{}", now.to_text());
    assert_eq!(ids_of(&now), set(&[1, 2, 3]));

    let recs = audit.read_all().expect("audit log");
    assert_eq!(recs.len(), 2, "{recs:#?}");
    let result = recs[1]["result"].as_str().unwrap();
    assert!(result.starts_with("error"), "{result}");
    assert!(result.contains("NewConfigNoQuorum"), "{result}");

    // The refusal left no reconfig hanging: the ensemble still serves every member.
    let report = status_until(&connect, "status still healthy", |r| {
        r["quorum"]["live_voters"] == 3
    })
    .await;
    assert_eq!(report["quorum"]["voters"], 3);
}

// ---------------------------------------------------------------------------------------------
// 7. Quorum lost, recovered, grown again

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovers_a_lost_quorum_and_grows_back_to_three() {
    let mut sb = healthy_sandbox(3).await;
    let op = Operator::new(&sb);
    let all = connect_of(&sb, &[1, 2, 3]);
    let data = b"written before the quorum was lost".to_vec();
    write_znode(&all, "/before-loss", &data).await;

    sb.kill(2).await.expect("kill");
    sb.kill(3).await.expect("kill");
    let lost = eventually(SETTLE, "status reports the quorum lost", || async {
        let run = status_json(&all, &[]).await;
        let report: Value = serde_json::from_str(&run.stdout).map_err(|e| e.to_string())?;
        match (run.code, &report["quorum"]["has_quorum"]) {
            (2, Value::Bool(false)) => Ok(report),
            (code, q) => Err(format!("exit {code}, has_quorum {q}")),
        }
    })
    .await;
    assert_eq!(lost["state"], "critical");
    assert_eq!(lost["leader"], Value::Null);

    let leader = sb.recover_quorum(&[1]).await.expect("recovery");
    assert_eq!(leader, 1);
    let one = connect_of(&sb, &[1]);
    let report = status_until(&one, "member 1 leads again", |r| {
        r["leader"] == 1 && r["quorum"]["has_quorum"] == true
    })
    .await;
    assert_eq!(report["quorum"]["voters"], 1, "{}", report["quorum"]);
    assert_eq!(ids_of(&membership(&one).await), set(&[1]));
    assert_eq!(read_znode(&one, "/before-loss").await, data);

    // Grow again: 1 → 3 is one step adding both (2 voters would tolerate nothing).
    let ja = joiner(&mut sb).await;
    let jb = joiner(&mut sb).await;
    let adds = vec![spec_line(&ja), spec_line(&jb)];
    let (planned, p) = op.plan(&one, &adds, &[]).await;
    assert_eq!(planned.code, 0, "plan: {planned:?}");
    assert_eq!(shape(&p), [(vec![ja.id, jb.id], vec![])]);

    let run = op.apply(&one, &adds, &[]).await;
    assert_eq!(run.code, 0, "apply: {run:?}");
    let config = membership(&one).await;
    assert_eq!(
        config.voter_ids(),
        set(&[1, ja.id, jb.id]),
        "{}",
        config.to_text()
    );

    let report = status_until(&one, "status shows 3 live voters", |r| {
        r["quorum"]["live_voters"] == 3
    })
    .await;
    assert_eq!(report["quorum"]["voters"], 3);
    assert_eq!(report["quorum"]["tolerance"], 1);
    // The new members carry the data that survived.
    assert_eq!(read_znode(&ja.client_address(), "/before-loss").await, data);
    assert_eq!(read_znode(&jb.client_address(), "/before-loss").await, data);
}

// ---------------------------------------------------------------------------------------------
// Regression tests for defects these tests found (each failed before its fix): the commit
// write across a leader hand-off, verification while a member is down, and the version in
// the audited `before` text of later steps.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_removing_the_leader_the_removed_server_is_cleared_to_stop() {
    // The failure depends on when the old leader drops its clients; two hand-offs (3 → 2 → 1
    // voters, each time through the leader alone) show it in nearly every run.
    let sb = healthy_sandbox(3).await;
    let op = Operator::new(&sb);
    let mut voters = vec![1, 2, 3];
    for _ in 0..2 {
        let connect = connect_of(&sb, &voters);
        let report = status_until(&connect, "a leader serves", |r| r["leader"].is_u64()).await;
        let leader = report["leader"].as_u64().unwrap();
        let run = op.apply(&address_of(&sb, leader), &[], &[leader]).await;
        assert_eq!(run.code, 0, "apply: {run:?}");
        assert!(
            !run.stdout.contains("the write after removal failed"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains(&format!("server(s) {leader} may now be stopped")),
            "{}",
            run.stdout
        );
        voters.retain(|&id| id != leader);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_voter_is_verified_even_while_another_member_is_down() {
    let mut sb = healthy_sandbox(3).await;
    let op = Operator::new(&sb);
    let leader = sb.wait_for_leader(SETTLE).await.expect("a leader");
    let dead = [3, 2, 1].into_iter().find(|&id| id != leader).unwrap();
    let survivors: Vec<u64> = [1, 2, 3].into_iter().filter(|&id| id != dead).collect();
    sb.kill(dead).await.expect("kill the follower");
    let j = joiner(&mut sb).await;
    let run = op
        .apply(&connect_of(&sb, &survivors), &[spec_line(&j)], &[])
        .await;
    assert_eq!(run.code, 0, "apply: {run:?}");
    // The joiner serves as a follower all along; the report must say so.
    assert_eq!(
        sb.wait_serving(j.id, SETTLE).await.ok(),
        Some(zkconsole::probe::types::ServerMode::Follower)
    );
    assert!(
        run.stdout
            .contains(&format!("member {} serves as follower", j.id)),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_audited_before_text_carries_the_version_its_step_expected() {
    let mut sb = healthy_sandbox(3).await;
    let op = Operator::new(&sb);
    let connect = connect_of(&sb, &[1, 2, 3]);
    let j4 = joiner(&mut sb).await;
    let j5 = joiner(&mut sb).await;
    let run = op
        .apply(&connect, &[spec_line(&j4), spec_line(&j5)], &[])
        .await;
    assert_eq!(run.code, 0, "apply: {run:?}");
    let recs = op.reconfigs();
    assert_eq!(recs.len(), 2, "{recs:#?}");
    for rec in &recs {
        let before = EnsembleConfig::parse(rec["before"].as_str().unwrap()).unwrap();
        assert_eq!(
            before.version.map(hex).as_deref(),
            rec["expected_version"].as_str(),
            "{rec:#}"
        );
    }
}
