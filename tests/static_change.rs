//! Membership changes of static ensembles (no dynamic reconfig) on real sandboxes, driven
//! through command templates (`cat`/`tee` for files, the sandbox CLI for stop and start): the
//! plan, the apply under a continuous writer, and the consistency check.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::console::sandbox_cli;
use common::hand::join_member_4;
use common::{eventually, sandbox_with, zkconsole_env, CliRun};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zkconsole::ensemble::EnsembleConfig;
use zkconsole::sandbox::{Sandbox, SandboxOptions, StaticLayout};
use zkconsole::zk::connect_session;
use zookeeper_client as zkc;

/// A round restarts every member behind a gate with a 1 s settle; generous for a loaded machine.
const APPLY_WITHIN: Duration = Duration::from_secs(600);

async fn static_sandbox() -> Sandbox {
    sandbox_with(SandboxOptions {
        members: 3,
        static_layout: Some(StaticLayout::OneHost),
        ..SandboxOptions::default()
    })
    .await
}

fn write_config(home: &Path, connect: &str, dir: &Path, with_actions: bool) {
    let conf_dir = home.join("config/zkconsole");
    std::fs::create_dir_all(&conf_dir).unwrap();
    let mut toml = format!("[ensembles.sb]\nconnect = \"{connect}\"\n");
    if with_actions {
        toml.push_str(&format!(
            "\n[ensembles.sb.actions]\nstop = \"{}\"\nstart = \"{}\"\n\
             read_file = \"cat {{path}}\"\nwrite_file = \"tee {{path}}\"\n\
             zoo_cfg = \"{d}/m{{id}}/zoo.cfg\"\ndata_dir = \"{d}/m{{id}}/data\"\ntimeout_s = 60\n\
             clean = \"rm -rf {{path}}\"\n",
            sandbox_cli("kill", dir),
            sandbox_cli("restart", dir),
            d = dir.display()
        ));
    }
    std::fs::write(conf_dir.join("config.toml"), toml).unwrap();
}

fn connect_of(sb: &Sandbox, ids: &[u64]) -> String {
    sb.members()
        .iter()
        .filter(|m| ids.contains(&m.id))
        .map(|m| m.client_address())
        .collect::<Vec<_>>()
        .join(",")
}

async fn conf_of(address: &str) -> Result<EnsembleConfig, String> {
    let text = zkconsole::probe::transport::four_letter_word(
        address,
        "conf",
        Duration::from_secs(5),
        1 << 20,
    )
    .await
    .map_err(|e| e.to_string())?;
    EnsembleConfig::parse(&text).map_err(|e| e.to_string())
}

/// Members 1, 2 and 3 agree on the list 1,2,3 again, and each kept one backup of its zoo.cfg
/// per round (`rounds` in all).
async fn assert_back_to_three(sb: &Sandbox, rounds: usize) {
    let mut lists = Vec::new();
    for id in 1..=3u64 {
        let m = sb.member(id).unwrap().clone();
        lists.push(conf_of(&m.client_address()).await.expect("conf").servers);
    }
    assert!(lists.iter().all(|l| *l == lists[0]), "{lists:?}");
    assert_eq!(lists[0].keys().copied().collect::<Vec<_>>(), [1, 2, 3]);
    for id in 1..=3 {
        assert_eq!(
            backups(sb.dir(), id),
            rounds,
            "member {id}: one backup per round"
        );
    }
}

/// Writes one znode after another until stopped; remembers every acknowledged one and the
/// longest time between two acknowledgements.
struct Writer {
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<String>>>,
    stall: Arc<Mutex<Duration>>,
    task: tokio::task::JoinHandle<()>,
}

async fn start_writer(connect: &str) -> Writer {
    let client = connect_session(connect, Duration::from_secs(5), None, &Default::default())
        .await
        .expect("writer session");
    let opts = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    client.create("/static", b"", &opts).await.ok();
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stall = Arc::new(Mutex::new(Duration::ZERO));
    let (s, a, st) = (stop.clone(), acked.clone(), stall.clone());
    let task = tokio::spawn(async move {
        let mut n = 0u64;
        let mut last = Instant::now();
        while !s.load(Ordering::SeqCst) {
            let path = format!("/static/w{n:08}");
            let write = client.create(&path, b"x", &opts);
            match tokio::time::timeout(Duration::from_secs(10), write).await {
                Ok(Ok(_)) => {
                    a.lock().unwrap().push(path);
                    n += 1;
                    let gap = last.elapsed();
                    let mut worst = st.lock().unwrap();
                    *worst = (*worst).max(gap);
                    last = Instant::now();
                }
                Ok(Err(zkc::Error::NodeExists)) => n += 1,
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    });
    Writer {
        stop,
        acked,
        stall,
        task,
    }
}

/// Stops the writer; checks every acknowledged write is there. The count and longest stall.
async fn finish_writer(w: Writer, connect: &str) -> (usize, Duration) {
    w.stop.store(true, Ordering::SeqCst);
    w.task.await.unwrap();
    let acked = w.acked.lock().unwrap().clone();
    let client = connect_session(connect, Duration::from_secs(5), None, &Default::default())
        .await
        .expect("reader session");
    let children = client.list_children("/static").await.expect("list /static");
    for p in &acked {
        let name = p.trim_start_matches("/static/");
        assert!(
            children.iter().any(|c| c == name),
            "acknowledged write {p} is gone"
        );
    }
    let stall = *w.stall.lock().unwrap();
    (acked.len(), stall)
}

async fn apply(home: &Path, extra: &[&str]) -> CliRun {
    let mut args = vec!["apply", "--ensemble", "sb", "--yes", "--settle-ms", "1000"];
    args.extend_from_slice(extra);
    zkconsole_env(home, &args, &[], APPLY_WITHIN).await
}

fn backups(dir: &Path, id: u64) -> usize {
    std::fs::read_dir(dir.join(format!("m{id}")))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".bak"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_to_four_and_back_under_writes_keeps_every_write() {
    let mut sb = static_sandbox().await;
    let dir = sb.dir().to_path_buf();
    let three = connect_of(&sb, &[1, 2, 3]);
    let joiner = sb.reserve_member().expect("reserve member 4");
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), &three, &dir, true);
    let untouched = std::fs::read_to_string(dir.join("m1/zoo.cfg")).unwrap();
    let writer = start_writer(&three).await;

    let spec = format!(
        "server.4=127.0.0.1:{}:{};127.0.0.1:{}",
        joiner.quorum_port, joiner.election_port, joiner.client_port
    );
    let admin = format!("admin.serverPort={}", joiner.admin_port);
    let grow = apply(home.path(), &["--add", &spec, "--joiner-setting", &admin]).await;
    assert_eq!(
        grow.code, 0,
        "3 → 4 failed:\n{}\n{}",
        grow.stdout, grow.stderr
    );

    let four = connect_of(&sb, &[1, 2, 3, 4]);
    for m in sb.members() {
        let address = m.client_address();
        let cfg = eventually(Duration::from_secs(30), "conf after 3 → 4", || {
            let address = address.clone();
            async move { conf_of(&address).await }
        })
        .await;
        assert_eq!(cfg.voter_ids(), [1, 2, 3, 4].into(), "member {}", m.id);
    }
    for id in 1..=3 {
        assert_eq!(backups(&dir, id), 1, "member {id}'s zoo.cfg backup");
    }
    // Only the server list changed in a member's file.
    let now = std::fs::read_to_string(dir.join("m1/zoo.cfg")).unwrap();
    let added: Vec<&str> = now
        .lines()
        .filter(|l| !untouched.lines().any(|u| u == *l))
        .collect();
    assert_eq!(added.len(), 1, "{now}");
    assert!(added[0].starts_with("server.4="), "{now}");

    // Back to three: 4 (the highest id) most likely leads now, so leadership moves first.
    write_config(home.path(), &four, &dir, true);
    let leader = sb.wait_for_leader(Duration::from_secs(30)).await.unwrap();
    let shrink = apply(home.path(), &["--remove", "4"]).await;
    assert_eq!(
        shrink.code, 0,
        "4 → 3 failed:\n{}\n{}",
        shrink.stdout, shrink.stderr
    );
    // Removing the member that leads goes through without an outage (the writer's stall
    // below): leadership is moved off it first.
    assert_eq!(
        leader == 4,
        shrink
            .stdout
            .contains("restart member 4 (the leader, being removed)"),
        "leader {leader}:\n{}",
        shrink.stdout
    );
    eprintln!("removal with member {leader} leading:\n{}", shrink.stderr);
    // The removed member's data dir is gone (the `clean` action), said in the plan first.
    assert!(
        shrink
            .stdout
            .contains("stop removed member 4 and remove its data directory"),
        "{}",
        shrink.stdout
    );
    assert!(!dir.join("m4/data").exists(), "member 4's data dir is left");
    assert!(dir.join("m1/data").exists());
    let (writes, stall) = finish_writer(writer, &three).await;
    assert!(writes > 0, "the writer never wrote");
    eprintln!("3 → 4 → 3: {writes} writes kept, longest write stall {stall:?}");

    assert_back_to_three(&sb, 2).await;
    drop(sb);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_two_at_once_addition_is_refused_and_nothing_changes() {
    let mut sb = static_sandbox().await;
    let dir = sb.dir().to_path_buf();
    let three = connect_of(&sb, &[1, 2, 3]);
    let (a, b) = (sb.reserve_member().unwrap(), sb.reserve_member().unwrap());
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), &three, &dir, true);
    let before = std::fs::read_to_string(dir.join("m1/zoo.cfg")).unwrap();
    let spec = |m: &zkconsole::sandbox::MemberInfo| {
        format!(
            "server.{}=127.0.0.1:{}:{};127.0.0.1:{}",
            m.id, m.quorum_port, m.election_port, m.client_port
        )
    };
    let (sa, sb_) = (spec(&a), spec(&b));
    let run = apply(home.path(), &["--batch", "--add", &sa, "--add", &sb_]).await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("two leaders could be elected"),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("m1/zoo.cfg")).unwrap(),
        before,
        "nothing was written"
    );
    // The plan one at a time is safe and says so.
    let plan = zkconsole_env(
        home.path(),
        &["plan", "--ensemble", "sb", "--add", &sa, "--add", &sb_],
        &[],
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("verdict: SAFE"), "{}", plan.stdout);
    drop(sb);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_and_status_on_a_static_ensemble_say_what_it_is() {
    let sb = static_sandbox().await;
    let dir = sb.dir().to_path_buf();
    let three = connect_of(&sb, &[1, 2, 3]);
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), &three, &dir, false);
    let status = zkconsole_env(
        home.path(),
        &["status", "--ensemble", "sb", "--json"],
        &[],
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(status.json()["reconfig"], "disabled", "{}", status.stdout);
    let plan = zkconsole_env(
        home.path(),
        &[
            "plan",
            "--ensemble",
            "sb",
            "--add",
            "server.4=127.0.0.1:1:2;3",
        ],
        &[],
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(plan.code, 78, "{}\n{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout
            .contains("no host actions: add [ensembles.sb.actions]"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("verdict: SAFE"), "{}", plan.stdout);
    drop(sb);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_left_on_the_old_list_is_flagged() {
    let mut sb = static_sandbox().await;
    let dir = sb.dir().to_path_buf();
    // By hand, as an operator would: 4 gets the new list and starts; 1 is edited and
    // restarted; 2 and 3 are forgotten.
    let join = join_member_4(&mut sb, Duration::from_secs(60)).await;
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), &connect_of(&sb, &[1, 2, 3, 4]), &dir, false);
    let status = || async {
        let run = zkconsole_env(
            home.path(),
            &["status", "--ensemble", "sb", "--json"],
            &[],
            Duration::from_secs(60),
        )
        .await;
        let problems: Vec<String> = serde_json::from_value(run.json()["problems"].clone()).unwrap();
        problems
    };
    let joining = eventually(Duration::from_secs(30), "the joiner is shown", || async {
        let p = status().await;
        p.iter()
            .find(|l| l.starts_with("4 is joining: not yet in the list of 1,2,3"))
            .cloned()
            .ok_or(format!("{p:?}"))
    })
    .await;
    assert!(joining.contains("restart"), "{joining}");

    join.relist_member_1(&mut sb, Duration::from_secs(60)).await;
    let line = eventually(
        Duration::from_secs(30),
        "the disagreement is named",
        || async {
            let p = status().await;
            p.iter()
                .find(|l| l.starts_with("membership disagrees"))
                .cloned()
                .ok_or(format!("{p:?}"))
        },
    )
    .await;
    assert!(line.contains("1,4 hold servers 1,2,3,4"), "{line}");
    assert!(line.contains("2,3 hold servers 1,2,3"), "{line}");
    drop(sb);
}

/// 3 → 5 → 3: two rounds each way. Before every step `apply` re-plans from the live leader
/// (in CI the election after round 1 of 5 → 3 chose member 1 where the simulation predicted 3,
/// and the plan made up front then restarted 1 first and stalled).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_to_five_and_back_under_writes_keeps_every_write() {
    let mut sb = static_sandbox().await;
    let dir = sb.dir().to_path_buf();
    let three = connect_of(&sb, &[1, 2, 3]);
    let joiners = [sb.reserve_member().unwrap(), sb.reserve_member().unwrap()];
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), &three, &dir, true);
    let writer = start_writer(&three).await;

    let mut args: Vec<String> = Vec::new();
    for j in &joiners {
        args.push("--add".into());
        args.push(format!(
            "server.{}=127.0.0.1:{}:{};127.0.0.1:{}",
            j.id, j.quorum_port, j.election_port, j.client_port
        ));
        args.push("--joiner-setting".into());
        args.push(format!("{}:admin.serverPort={}", j.id, j.admin_port));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let grow = apply(home.path(), &args).await;
    assert_eq!(
        grow.code, 0,
        "3 → 5 failed:\n{}\n{}",
        grow.stdout, grow.stderr
    );
    assert_eq!(
        grow.stdout.matches("round ").count(),
        2,
        "one voter per round:\n{}",
        grow.stdout
    );
    for m in sb.members() {
        let cfg = conf_of(&m.client_address()).await.expect("conf");
        assert_eq!(cfg.voter_ids(), [1, 2, 3, 4, 5].into(), "member {}", m.id);
    }

    write_config(home.path(), &connect_of(&sb, &[1, 2, 3, 4, 5]), &dir, true);
    let shrink = apply(home.path(), &["--remove", "4", "--remove", "5"]).await;
    assert_eq!(
        shrink.code, 0,
        "5 → 3 failed:\n{}\n{}",
        shrink.stdout, shrink.stderr
    );
    let (writes, stall) = finish_writer(writer, &three).await;
    assert!(writes > 0, "the writer never wrote");
    eprintln!("3 → 5 → 3: {writes} writes kept, longest write stall {stall:?}");
    assert_back_to_three(&sb, 4).await;
    drop(sb);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_up_static_starts_an_ensemble_without_reconfig() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("sb");
    let dir_s = dir.display().to_string();
    let up = zkconsole_env(
        home.path(),
        &["sandbox", "up", "--static", "--dir", &dir_s],
        &[],
        Duration::from_secs(120),
    )
    .await;
    assert_eq!(up.code, 0, "{}\n{}", up.stdout, up.stderr);
    let sb = Sandbox::open(&dir).expect("open");
    let connect = sb.connect_string();
    sb.detach();
    let cfg = std::fs::read_to_string(dir.join("m1/zoo.cfg")).unwrap();
    assert!(cfg.contains("reconfigEnabled=false"), "{cfg}");
    assert!(!cfg.contains("dynamicConfigFile"), "{cfg}");
    let status = zkconsole_env(
        home.path(),
        &["status", "--connect", &connect, "--json"],
        &[],
        Duration::from_secs(60),
    )
    .await;
    let down = zkconsole_env(
        home.path(),
        &["sandbox", "down", "--dir", &dir_s],
        &[],
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(status.json()["reconfig"], "disabled", "{}", status.stdout);
    assert_eq!(down.code, 0, "{}", down.stderr);
}
