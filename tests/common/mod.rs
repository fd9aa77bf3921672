//! Shared helpers for the integration tests: polling with a deadline, running the binary,
//! library observations of a sandbox, and fake TCP peers for what a real server cannot do.

use serde_json::Value;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use zkconsole::config::Thresholds;
use zkconsole::ensemble::EnsembleConfig;
use zkconsole::health::{summarize, Health};
use zkconsole::probe::member::{MemberSnapshot, ProbeOptions};
use zkconsole::probe::round::{observe, seeds_of, AdminLocator, Discovery, Observation};
use zkconsole::probe::types::Role;
use zkconsole::sandbox::{Sandbox, SandboxOptions};

#[allow(dead_code)] // Only the test crates that drive the console in tmux use it.
pub mod tmux;

#[allow(dead_code)] // Only the test crates that start the console use it.
pub mod console;
#[allow(dead_code)] // Only the static-membership test crates use it.
pub mod hand;

/// How often `eventually` re-checks its condition.
const POLL_EVERY: Duration = Duration::from_millis(100);

/// Re-evaluates `check` until it returns `Ok`, or panics once `within` has passed, quoting the
/// last reason it gave. The pause between attempts only paces the polling: the condition
/// itself is what the test waits for.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + within;
    loop {
        match check().await {
            Ok(v) => return v,
            Err(why) => {
                if Instant::now() >= deadline {
                    panic!("{what}: still not true after {within:?}; last check: {why}");
                }
            }
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// A sandbox whose every member serves (`Sandbox::up` returns as soon as a majority does).
pub async fn healthy_sandbox(members: usize) -> Sandbox {
    sandbox_with(SandboxOptions {
        members,
        ..SandboxOptions::default()
    })
    .await
}

pub async fn sandbox_with(opts: SandboxOptions) -> Sandbox {
    sandbox_serving(opts, Duration::from_secs(30)).await
}

/// As `sandbox_with`, each member given `within` to serve.
pub async fn sandbox_serving(opts: SandboxOptions, within: Duration) -> Sandbox {
    let sb = Sandbox::up(opts).await.expect("sandbox up");
    all_serving(&sb, within).await;
    sb
}

/// Waits until every member of `sb` serves, each within `within`.
pub async fn all_serving(sb: &Sandbox, within: Duration) {
    for id in sb.ids() {
        sb.wait_serving(id, within)
            .await
            .unwrap_or_else(|e| panic!("member {id} never served: {e:#}"));
    }
}

/// Writes a config at `path`: `head` (top-level settings), timing thresholds a loaded machine
/// cannot breach (for tests whose states are about membership, not load), then one
/// `[ensembles.NAME]` per sandbox with its connect string and digest file.
pub fn lax_config(path: &Path, head: &str, ensembles: &[(&str, &Sandbox)]) -> PathBuf {
    let mut text = head.to_string();
    for key in [
        "latency_avg_ms",
        "latency_max_ms",
        "latency_p99_ms",
        "probe_ms",
        "fsync_avg_ms",
        "outstanding",
    ] {
        text.push_str(&format!(
            "[thresholds.{key}]\nwarn = 1000000.0\ncritical = 2000000.0\n\n"
        ));
    }
    for (name, sb) in ensembles {
        text.push_str(&format!(
            "[ensembles.{name}]\nconnect = \"{}\"\ndigest_file = \"{}\"\n\n",
            sb.connect_string(),
            sb.digest_file().display()
        ));
    }
    std::fs::write(path, text).expect("write the config");
    path.to_path_buf()
}

pub fn probe_opts(timeout_ms: u64) -> ProbeOptions {
    ProbeOptions {
        timeout: Duration::from_millis(timeout_ms),
        ..ProbeOptions::default()
    }
}

pub fn discovery(seeds: Vec<String>, timeout_ms: u64) -> Discovery {
    Discovery {
        seeds,
        admin: AdminLocator::default(),
        tls: Default::default(),
        opts: probe_opts(timeout_ms),
    }
}

pub fn discovery_of(sb: &Sandbox, timeout_ms: u64) -> Discovery {
    discovery(seeds_of(&sb.connect_string()), timeout_ms)
}

/// One observation and its health summary under the default thresholds.
pub async fn observe_health(
    d: &Discovery,
    previous: Option<&EnsembleConfig>,
) -> (Observation, Health) {
    let obs = observe(d, previous).await;
    let health = summarize(obs.config.as_ref(), &obs.members, &Thresholds::default());
    (obs, health)
}

pub fn member_by_id(obs: &Observation, id: u64) -> Option<&MemberSnapshot> {
    obs.members.iter().find(|m| m.id == Some(id))
}

pub fn roles(obs: &Observation) -> Vec<(Option<u64>, Role)> {
    obs.members.iter().map(|m| (m.id, m.role)).collect()
}

pub fn address_of(sb: &Sandbox, id: u64) -> String {
    sb.member(id).expect("sandbox member").client_address()
}

// ---------------------------------------------------------------------------------------------
// The binary

#[derive(Debug)]
pub struct CliRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl CliRun {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}); exit {}\nstdout:\n{}\nstderr:\n{}",
                self.code, self.stdout, self.stderr
            )
        })
    }
}

/// Runs `zkconsole ARGS` with its config and state dirs in a fresh temporary directory, so a
/// test never reads or writes the user's files. A hung binary fails the test after 30 s.
pub async fn zkconsole(args: &[&str]) -> CliRun {
    let home = tempfile::tempdir().expect("tempdir");
    let run = zkconsole_in(home.path(), args).await;
    drop(home);
    run
}

pub async fn zkconsole_in(home: &Path, args: &[&str]) -> CliRun {
    zkconsole_env(home, args, &[], Duration::from_secs(30)).await
}

/// `zkconsole status --connect CONNECT --json [extra...]`.
pub async fn status_json(connect: &str, extra: &[&str]) -> CliRun {
    let mut args = vec!["status", "--connect", connect, "--json"];
    args.extend_from_slice(extra);
    zkconsole(&args).await
}

/// The `members[]` row of a status report whose `address` is `addr`.
pub fn row_by_address<'a>(report: &'a Value, addr: &str) -> &'a Value {
    report["members"]
        .as_array()
        .expect("members is an array")
        .iter()
        .find(|m| m["address"] == addr)
        .unwrap_or_else(|| panic!("no row for {addr} in {report:#}"))
}

pub fn row_by_id(report: &Value, id: u64) -> &Value {
    report["members"]
        .as_array()
        .expect("members is an array")
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no row for member {id} in {report:#}"))
}

// ---------------------------------------------------------------------------------------------
// Fake peers: only for what a real ZooKeeper cannot produce

/// A peer on 127.0.0.1 that reads the request (a four-letter word is 4 bytes), answers
/// `reply` and closes, for every connection. Dropping the handle stops it.
pub async fn garbage_peer(reply: &'static [u8]) -> (String, AbortOnDrop) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr").to_string();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                // Read the request first, as a server would: closing with unread input would
                // turn our FIN into a RST.
                let mut req = [0u8; 4];
                let mut got = 0;
                while got < req.len() {
                    match tokio::time::timeout(Duration::from_secs(2), sock.read(&mut req[got..]))
                        .await
                    {
                        Ok(Ok(n)) if n > 0 => got += n,
                        _ => break,
                    }
                }
                let _ = sock.write_all(reply).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (addr, AbortOnDrop(task))
}

/// A peer that accepts every connection and never sends a byte (nor closes).
pub async fn hung_peer() -> (String, AbortOnDrop) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr").to_string();
    let task = tokio::spawn(async move {
        let mut held: Vec<TcpStream> = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    (addr, AbortOnDrop(task))
}

/// An address nothing listens on (a port that was just free).
/// A loopback address where nothing listens, for as long as the value lives: the port stays
/// bound (never listening), so a sandbox or another test picking ports meanwhile cannot take
/// it and turn "connection refused" into something else.
pub struct ClosedAddress {
    addr: String,
    _held: tokio::net::TcpSocket,
}

impl std::ops::Deref for ClosedAddress {
    type Target = str;
    fn deref(&self) -> &str {
        &self.addr
    }
}

pub fn closed_address() -> ClosedAddress {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("loopback"))
        .expect("bind");
    let addr = socket.local_addr().expect("local addr").to_string();
    ClosedAddress {
        addr,
        _held: socket,
    }
}

pub struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The binary with its config and state dirs under `home`, none of the caller's digest or log
/// settings, then the extra environment `env`; output piped, killed when dropped.
#[allow(dead_code)] // Not every test crate runs the binary with extra environment.
pub fn zkconsole_command(
    home: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_zkconsole"));
    cmd.args(args)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("HOME", home)
        .env_remove("ZKCONSOLE_DIGEST")
        .env_remove("ZKCONSOLE_LOG")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// `zkconsole ARGS` with its config and state dirs under `home` (kept, so a test can read the
/// audit log it leaves in `home/state/zkconsole/`), the extra environment `env` (e.g.
/// `ZKCONSOLE_DIGEST`), and a hung binary failing the test after `within`. Reconfig runs wait
/// for members to verify each step, so they may need longer than `zkconsole_in` allows.
#[allow(dead_code)] // Not every test crate runs the binary with extra environment.
pub async fn zkconsole_env(
    home: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    within: Duration,
) -> CliRun {
    let started = Instant::now();
    let child = zkconsole_command(home, args, env)
        .spawn()
        .expect("spawn zkconsole");
    let out = tokio::time::timeout(within, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("zkconsole {args:?} did not finish within {within:?}"))
        .expect("wait for zkconsole");
    CliRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// The audit records under `home`'s state dir (as the console started by the tests writes
/// them), in the order written, whose action starts with `action` (exact names match too).
pub fn audit_records(home: &Path, action: &str) -> Vec<serde_json::Value> {
    let text =
        std::fs::read_to_string(home.join("state/zkconsole/audit.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["action"].as_str().is_some_and(|a| a.starts_with(action)))
        .collect()
}
