//! Rolling restarts of real sandboxes, driven through command templates (the interface real
//! hosts use), one of them through a real OpenSSH server on loopback.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::console::sandbox_cli;
use common::{eventually, healthy_sandbox, zkconsole_env, CliRun};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zkconsole::sandbox::Sandbox;
use zkconsole::zk::connect_session;
use zookeeper_client as zkc;

/// A roll of five members with a 1 s settle each takes well under this on a loaded machine.
const ROLL_WITHIN: Duration = Duration::from_secs(400);

fn pids(dir: &Path) -> BTreeMap<u64, Option<u32>> {
    let sb = Sandbox::open(dir).expect("open sandbox");
    let out = sb.members().iter().map(|m| (m.id, m.pid)).collect();
    sb.detach();
    out
}

/// The sandbox CLI for member `{id}`, as a template word list.
fn sandbox_template(prefix: &str, verb: &str, dir: &Path) -> String {
    format!("{prefix}{}", sandbox_cli(verb, dir))
}

fn write_config(home: &Path, connect: &str, stop: &str, start: &str) {
    let dir = home.join("config/zkconsole");
    std::fs::create_dir_all(&dir).unwrap();
    let toml = format!(
        "[ensembles.sb]\nconnect = \"{connect}\"\n\n[ensembles.sb.actions]\n\
         stop = \"{stop}\"\nstart = \"{start}\"\ntimeout_s = 60\n"
    );
    std::fs::write(dir.join("config.toml"), toml).unwrap();
}

/// Writes one znode after another until stopped; remembers every acknowledged one.
struct Writer {
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<String>>>,
    expired: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

async fn start_writer(connect: &str) -> Writer {
    let client = connect_session(connect, Duration::from_secs(5), None, &Default::default())
        .await
        .expect("writer session");
    let opts = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    client.create("/roll", b"", &opts).await.ok();
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let expired = Arc::new(AtomicBool::new(false));
    let (s, a, e) = (stop.clone(), acked.clone(), expired.clone());
    let task = tokio::spawn(async move {
        let mut n = 0u64;
        while !s.load(Ordering::SeqCst) {
            let path = format!("/roll/w{n:08}");
            let write = client.create(&path, b"x", &opts);
            match tokio::time::timeout(Duration::from_secs(10), write).await {
                Ok(Ok(_)) => {
                    a.lock().unwrap().push(path);
                    n += 1;
                }
                Ok(Err(zkc::Error::SessionExpired)) => {
                    e.store(true, Ordering::SeqCst);
                    return;
                }
                // Connection loss during a restart: the next write tries again.
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    });
    Writer {
        stop,
        acked,
        expired,
        task,
    }
}

/// Stops the writer and checks every acknowledged write is there, read back from a new session.
async fn finish_writer(w: Writer, connect: &str) -> usize {
    w.stop.store(true, Ordering::SeqCst);
    w.task.await.unwrap();
    assert!(
        !w.expired.load(Ordering::SeqCst),
        "the writer's session expired during the roll"
    );
    let acked = w.acked.lock().unwrap().clone();
    let client = connect_session(connect, Duration::from_secs(5), None, &Default::default())
        .await
        .expect("reader session");
    let children = client.list_children("/roll").await.expect("list /roll");
    for p in &acked {
        let name = p.trim_start_matches("/roll/");
        assert!(
            children.iter().any(|c| c == name),
            "acknowledged write {p} is gone"
        );
    }
    acked.len()
}

async fn roll(home: &Path, extra: &[&str]) -> CliRun {
    let mut args = vec![
        "roll",
        "--ensemble",
        "sb",
        "--yes",
        "--json",
        "--settle-s",
        "1",
    ];
    args.extend_from_slice(extra);
    zkconsole_env(home, &args, &[], ROLL_WITHIN).await
}

async fn rolls_every_member_leader_last_under_writes(n: usize, via_ssh: Option<&Sshd>) {
    let sb = healthy_sandbox(n).await;
    let dir = sb.dir().to_path_buf();
    let connect = sb.connect_string();
    let home = tempfile::tempdir().unwrap();
    let prefix = via_ssh.map(Sshd::prefix).unwrap_or_default();
    write_config(
        home.path(),
        &connect,
        &sandbox_template(&prefix, "kill", &dir),
        &sandbox_template(&prefix, "restart", &dir),
    );
    let leader = sb.wait_for_leader(Duration::from_secs(30)).await.unwrap();
    let before = pids(&dir);
    let writer = start_writer(&connect).await;
    let run = roll(home.path(), &[]).await;
    let writes = finish_writer(writer, &connect).await;
    assert_eq!(run.code, 0, "roll failed:\n{}", run.stderr);
    let doc = run.json();
    let restarted: Vec<u64> = serde_json::from_value(doc["restarted"].clone()).unwrap();
    assert_eq!(restarted.len(), n, "{doc}");
    assert_eq!(
        restarted.last(),
        Some(&leader),
        "the leader goes last: {doc}"
    );
    let after = pids(&dir);
    for id in 1..=n as u64 {
        assert!(
            after[&id].is_some(),
            "member {id} is not running after the roll"
        );
        assert_ne!(
            before[&id], after[&id],
            "member {id} kept its pid: not restarted"
        );
    }
    assert!(writes > 0, "the writer never wrote");
    let audit = std::fs::read_to_string(home.path().join("state/zkconsole/audit.jsonl")).unwrap();
    assert_eq!(
        audit.matches("\"host-stop\"").count(),
        2 * n,
        "intent and result per stop"
    );
    drop(sb);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roll_of_three_through_ssh_restarts_every_member_and_keeps_every_write() {
    let sshd = Sshd::start().await;
    rolls_every_member_leader_last_under_writes(3, Some(&sshd)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roll_of_five_restarts_every_member_and_keeps_every_write() {
    rolls_every_member_leader_last_under_writes(5, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_that_fails_halts_the_roll_and_leaves_the_others_untouched() {
    let sb = healthy_sandbox(3).await;
    let dir = sb.dir().to_path_buf();
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        &sb.connect_string(),
        &sandbox_template("", "kill", &dir),
        "false {id}",
    );
    let before = pids(&dir);
    let run = roll(home.path(), &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    let doc = run.json();
    let halted = doc["halted"].as_str().unwrap_or_default().to_string();
    assert!(halted.contains("start failed"), "{halted}");
    let first = doc["order"][0].as_u64().unwrap();
    let after = pids(&dir);
    for id in 1..=3u64 {
        if id == first {
            assert_eq!(after[&id], None, "member {id} was stopped and not started");
        } else {
            assert_eq!(before[&id], after[&id], "member {id} was touched");
        }
    }
    // The journal says where it stopped, and a new roll refuses to start over it.
    let again = roll(home.path(), &[]).await;
    assert_eq!(again.code, 64, "{}", again.stderr);
    assert!(again.stderr.contains("--resume"), "{}", again.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_member_makes_the_preview_refuse_before_anything_stops() {
    let mut sb = healthy_sandbox(3).await;
    let dir = sb.dir().to_path_buf();
    let leader = sb.wait_for_leader(Duration::from_secs(30)).await.unwrap();
    let paused = sb.ids().into_iter().find(|&i| i != leader).unwrap();
    sb.pause(paused).unwrap();
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        &sb.connect_string(),
        &sandbox_template("", "kill", &dir),
        &sandbox_template("", "restart", &dir),
    );
    let before = pids(&dir);
    // Only the other follower: its restart would leave 1 of 3 voters.
    let other = sb
        .ids()
        .into_iter()
        .find(|&i| i != leader && i != paused)
        .unwrap();
    let only = other.to_string();
    let run = roll(home.path(), &["--members", &only]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("REFUSED"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("member {paused} is")),
        "{}",
        run.stderr
    );
    assert_eq!(pids(&dir), before, "a refused roll touched a member");
    sb.resume(paused).unwrap();
}

/// With `--handoff always`, leadership leaves the leader by a reconfig before it stops: the
/// hand-off is reported moved before the leader's stop, the leader is restarted last, the two
/// reconfigs are audited, and every acknowledged write is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_hands_off_before_it_stops_and_every_write_is_kept() {
    let sb = healthy_sandbox(3).await;
    let dir = sb.dir().to_path_buf();
    let connect = sb.connect_string();
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        &connect,
        &sandbox_template("", "kill", &dir),
        &sandbox_template("", "restart", &dir),
    );
    // The sandbox's super user may write /zookeeper/config.
    let cfg = home.path().join("config/zkconsole/config.toml");
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "[ensembles.sb]\n",
        &format!(
            "[ensembles.sb]\ndigest_file = \"{}\"\n",
            sb.digest_file().display()
        ),
    );
    std::fs::write(&cfg, text).unwrap();
    let leader = sb.wait_for_leader(Duration::from_secs(30)).await.unwrap();
    let before = pids(&dir);
    let writer = start_writer(&connect).await;
    let run = roll(home.path(), &["--handoff", "always"]).await;
    let writes = finish_writer(writer, &connect).await;
    assert_eq!(run.code, 0, "roll failed:\n{}", run.stderr);
    let doc = run.json();
    let events = doc["events"].as_array().unwrap();
    let handoff = events
        .iter()
        .position(|e| e["event"] == "handoff")
        .unwrap_or_else(|| panic!("no hand-off: {doc}"));
    assert_eq!(events[handoff]["id"].as_u64(), Some(leader), "{doc}");
    assert_eq!(events[handoff]["moved"], true, "{doc}");
    let stop = events
        .iter()
        .position(|e| {
            e["event"] == "phase" && e["id"].as_u64() == Some(leader) && e["phase"] == "stopping"
        })
        .unwrap_or_else(|| panic!("the leader never stopped: {doc}"));
    assert!(handoff < stop, "the hand-off came after the stop: {doc}");
    let restarted: Vec<u64> = serde_json::from_value(doc["restarted"].clone()).unwrap();
    assert_eq!(restarted.last(), Some(&leader), "{doc}");
    let after = pids(&dir);
    for id in 1..=3u64 {
        assert_ne!(before[&id], after[&id], "member {id} was not restarted");
    }
    assert!(writes > 0, "the writer never wrote");
    let audit = std::fs::read_to_string(home.path().join("state/zkconsole/audit.jsonl")).unwrap();
    assert_eq!(
        audit.matches("\"reconfig\"").count(),
        4,
        "intent and result of the removal and the re-add:\n{audit}"
    );
    // Member `leader` is a voter again.
    let status = common::status_json(&connect, &[]).await.json();
    assert_eq!(status["quorum"]["voters"], 3, "{status}");
}

/// A real OpenSSH server on a loopback port, with its own host key and one authorised key.
struct Sshd {
    dir: tempfile::TempDir,
    port: u16,
    child: tokio::process::Child,
}

impl Sshd {
    async fn start() -> Sshd {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for (name, kind) in [("host_key", "ed25519"), ("client_key", "ed25519")] {
            let ok = std::process::Command::new("ssh-keygen")
                .args(["-q", "-t", kind, "-N", "", "-f"])
                .arg(d.join(name))
                .status()
                .expect("ssh-keygen (openssh-client) is installed by scripts/setup.sh");
            assert!(ok.success());
        }
        std::fs::copy(d.join("client_key.pub"), d.join("authorized_keys")).unwrap();
        let port = zkconsole::sandbox::ports::free_ports(1).unwrap()[0];
        let conf = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nAuthorizedKeysFile {ak}\n\
             StrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             PermitRootLogin prohibit-password\nUsePAM no\nPidFile {pid}\n",
            hk = d.join("host_key").display(),
            ak = d.join("authorized_keys").display(),
            pid = d.join("sshd.pid").display(),
        );
        std::fs::write(d.join("sshd_config"), conf).unwrap();
        std::fs::create_dir_all("/run/sshd").ok();
        let child = tokio::process::Command::new(sshd_binary())
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(d.join("sshd_config"))
            .kill_on_drop(true)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("sshd (openssh-server) is installed by scripts/setup.sh");
        let s = Sshd { dir, port, child };
        let probe = s.prefix().replace("{host}", "127.0.0.1");
        eventually(Duration::from_secs(20), "sshd accepts the test key", || {
            let argv: Vec<String> = format!("{probe}true")
                .split_whitespace()
                .map(String::from)
                .collect();
            async move {
                let out = tokio::process::Command::new(&argv[0])
                    .args(&argv[1..])
                    .output()
                    .await
                    .map_err(|e| e.to_string())?;
                if out.status.success() {
                    Ok(())
                } else {
                    Err(String::from_utf8_lossy(&out.stderr).into_owned())
                }
            }
        })
        .await;
        s
    }

    /// `ssh … 127.0.0.1 ` for a template: the host is the member's own `{host}`.
    fn prefix(&self) -> String {
        format!(
            "ssh -p {} -i {} -o BatchMode=yes -o StrictHostKeyChecking=no \
             -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR {{host}} ",
            self.port,
            self.dir.path().join("client_key").display()
        )
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

fn sshd_binary() -> PathBuf {
    ["/usr/sbin/sshd", "/usr/bin/sshd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("sshd"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_quorum_is_recovered_end_to_end_through_the_templates() {
    let mut sb = healthy_sandbox(3).await;
    let dir = sb.dir().to_path_buf();
    let connect = sb.connect_string();
    let client = connect_session(&connect, Duration::from_secs(5), None, &Default::default())
        .await
        .expect("session");
    let opts = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    client
        .create("/kept", b"before", &opts)
        .await
        .expect("create");
    drop(client);
    let home = tempfile::tempdir().unwrap();
    let cfg_dir = home.path().join("config/zkconsole");
    std::fs::create_dir_all(&cfg_dir).unwrap();
    let toml = format!(
        "[ensembles.sb]\nconnect = \"{connect}\"\n\n[ensembles.sb.actions]\n\
         stop = \"{stop}\"\nstart = \"{start}\"\nread_file = \"cat {{path}}\"\n\
         write_file = \"tee {{path}}\"\nzoo_cfg = \"{d}/m{{id}}/zoo.cfg\"\ntimeout_s = 60\n",
        stop = sandbox_template("", "kill", &dir),
        start = sandbox_template("", "restart", &dir),
        d = dir.display()
    );
    std::fs::write(cfg_dir.join("config.toml"), toml).unwrap();
    // While it serves, `status` remembers the membership recovery needs.
    let st = zkconsole_env(
        home.path(),
        &["status", "--ensemble", "sb"],
        &[],
        ROLL_WITHIN,
    )
    .await;
    // 0 or a warning (a fresh member may still be syncing): either way it served and was seen.
    assert!(st.code <= 1, "{}", st.stderr);
    let survivor = 1;
    sb.kill(2).await.unwrap();
    sb.kill(3).await.unwrap();
    let args = ["recover", "--ensemble", "sb", "--survivors", "1", "--yes"];
    // Refused while a member still thinks it serves; then carried out.
    let run = eventually(
        ROLL_WITHIN,
        "recovery runs once the quorum is seen lost",
        || {
            let home = home.path().to_path_buf();
            async move {
                let run = zkconsole_env(&home, &args, &[], ROLL_WITHIN).await;
                if run.stderr.contains("the quorum is not lost") {
                    Err(run.stderr)
                } else {
                    Ok(run)
                }
            }
        },
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("member 1 leads"), "{}", run.stdout);
    let status = common::status_json(&connect, &[]).await.json();
    assert_eq!(status["leader"], survivor, "{status}");
    let client = connect_session(&connect, Duration::from_secs(5), None, &Default::default())
        .await
        .expect("session after recovery");
    let (data, _) = client.get_data("/kept").await.expect("/kept survived");
    assert_eq!(data, b"before");
    let backups = std::fs::read_dir(dir.join("m1"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("zkconsole-backup"))
        .count();
    assert_eq!(backups, 1, "one backup of the survivor's membership file");
}
