//! Peers that are not ZooKeeper servers, on loopback: what a real server cannot produce.
//! A reply that is not ZooKeeper's is rejected whole (the member is `error`, quoting how the
//! reply began, escaped) and none of its figures reach breaches or the ensemble state; and a
//! probe finishes within one probe timeout, however its peer stalls.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;
use zkconsole::config::Thresholds;
use zkconsole::health::summarize;
use zkconsole::probe::member::{probe_member, MemberSnapshot, ProbeOptions, ProbeTarget};
use zkconsole::probe::types::Role;

const SRVR: &str = include_str!("fixtures/leader_srvr.txt");

/// What the peer does with a request: answer these bytes and close, or hang (`None`).
type Answer = fn(&str) -> Option<Vec<u8>>;

/// A peer that answers four-letter words and HTTP requests on one port by `answer`.
async fn peer(answer: Answer) -> (String, Stop) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 512];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).into_owned();
                match answer(&request) {
                    Some(reply) => {
                        let _ = sock.write_all(&reply).await;
                        let _ = sock.shutdown().await;
                    }
                    // Hold the connection open, saying nothing, until the test ends.
                    None => tokio::time::sleep(Duration::from_secs(3600)).await,
                }
            });
        }
    });
    (addr, Stop(task))
}

/// Stops the peer when the test ends.
struct Stop(tokio::task::JoinHandle<()>);

impl Drop for Stop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn target(addr: &str) -> ProbeTarget {
    ProbeTarget {
        address: addr.to_string(),
        ..ProbeTarget::default()
    }
}

fn opts(ms: u64) -> ProbeOptions {
    ProbeOptions {
        timeout: Duration::from_millis(ms),
        ..ProbeOptions::default()
    }
}

/// The member is an error that quotes the reply, and nothing it said is kept or judged.
fn assert_discredited(snap: &MemberSnapshot, command: &str, quoted: &str) {
    assert_eq!(snap.role, Role::Error, "{snap:?}");
    let err = snap.error.as_deref().expect("an error");
    assert!(
        err.contains(&format!("not a ZooKeeper reply to {command}")),
        "{err}"
    );
    assert!(err.contains(quoted), "quotes the start {quoted:?}: {err}");
    assert!(
        !err.chars().any(|c| c.is_control()),
        "nothing raw reaches a terminal: {err:?}"
    );
    assert!(snap.metrics.is_empty(), "{:?}", snap.metrics);
    assert!(snap.zxid.is_none() && snap.mode.is_none(), "{snap:?}");
    let health = summarize(None, std::slice::from_ref(snap), &Thresholds::default());
    assert!(health.breaches[0].is_empty(), "{:?}", health.breaches);
    assert!(
        health.problems.iter().all(|p| !p.contains("error: error")),
        "{:?}",
        health.problems
    );
}

macro_rules! mntr_peer {
    ($mntr:expr) => {
        peer(|req| {
            Some(match &req[..4.min(req.len())] {
                "mntr" => $mntr.to_vec(),
                "srvr" => SRVR.as_bytes().to_vec(),
                _ => b"".to_vec(),
            })
        })
    };
}

const VALID: &str = "zk_server_state\tleader\nzk_num_alive_connections\t3\nzk_avg_latency\t1\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_junk_is_rejected_whole() {
    let (addr, _p) = mntr_peer!(b"\x00\x01\xfe\xffPK\x03\x04zk_server_state\tleader\n").await;
    let snap = probe_member(&target(&addr), opts(2000)).await;
    assert_discredited(&snap, "mntr", r"\u{0}\u{1}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_header_before_valid_lines_is_rejected_whole() {
    let (addr, _p) = mntr_peer!(format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n{VALID}"
    )
    .as_bytes())
    .await;
    let snap = probe_member(&target(&addr), opts(2000)).await;
    assert_discredited(&snap, "mntr", "HTTP/1.1 200 OK");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_escapes_then_plausible_lines_are_rejected_whole() {
    let (addr, _p) = mntr_peer!(format!("\x1b[2J\x1b]0;owned\x07{VALID}").as_bytes()).await;
    let snap = probe_member(&target(&addr), opts(2000)).await;
    assert_discredited(&snap, "mntr", r"\u{1b}[2J");
}

/// The figures of the report that started this: every one of them reached a breach.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saturated_and_negative_figures_raise_no_breach() {
    let (addr, _p) = mntr_peer!(
        b"zk_server_state\tleader\n\
        zk_num_alive_connections\t9223372036854775807\n\
        zk_avg_latency\t-5\nzk_outstanding_requests\t9223372036854775807\n"
    )
    .await;
    let snap = probe_member(&target(&addr), opts(2000)).await;
    assert_discredited(&snap, "mntr", "zk_server_state");

    // The binary: the row is an error with the reason, and carries no figures.
    let run = status_json(&addr, &["--timeout-ms", "2000"]).await;
    let report = run.json();
    let row = row_by_address(&report, &addr);
    assert_eq!(row["role"], "error", "{row:#}");
    assert!(
        row["error"]
            .as_str()
            .is_some_and(|e| e.contains("not a ZooKeeper reply")),
        "{row:#}"
    );
    for k in ["connections", "latency_avg_ms", "outstanding"] {
        assert!(row[k].is_null(), "{k}: {row:#}");
    }
    let problems = report["problems"].to_string();
    assert!(!problems.contains("error: error"), "{problems}");
    // The figure appears only quoted in the error, never as a breach.
    let judged: Vec<&str> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| !p.contains("not a ZooKeeper reply"))
        .collect();
    assert!(
        judged.iter().all(|p| !p.contains("9223372036854775807")),
        "{judged:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_srvr_discredits_a_valid_mntr() {
    let (addr, _p) = peer(|req| {
        Some(match &req[..4.min(req.len())] {
            "mntr" => VALID.as_bytes().to_vec(),
            _ => b"HTTP/1.0 400 Bad Request\r\n\r\n".to_vec(),
        })
    })
    .await;
    let snap = probe_member(&target(&addr), opts(2000)).await;
    assert_discredited(&snap, "srvr", "HTTP/1.0 400");
}

/// A seed whose `conf` is junk is not believed about the membership or its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_conf_discredits_the_seed() {
    let (addr, _p) = peer(|req| {
        Some(match &req[..4.min(req.len())] {
            "mntr" => VALID.as_bytes().to_vec(),
            "srvr" => SRVR.as_bytes().to_vec(),
            _ => b"serverId=1\n\x1b[2Jserver.1=127.0.0.1:1:2;127.0.0.1:3\n".to_vec(),
        })
    })
    .await;
    let (obs, _) = observe_health(&discovery(vec![addr.clone()], 2000), None).await;
    assert!(obs.config.is_none(), "{:?}", obs.config);
    assert_eq!(obs.members.len(), 1);
    assert_discredited(&obs.members[0], "conf", r"\u{1b}[2J");
}

/// `mntr` refused, `srvr` fine, the AdminServer hung: the old probe waited a timeout for
/// `zabstate`, then another for `monitor`. One deadline covers both now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_ends_within_one_timeout_when_the_admin_server_hangs() {
    let (addr, _p) = peer(|req| match &req[..4.min(req.len())] {
        "mntr" => Some(b"mntr is not executed because it is not in the whitelist.\n".to_vec()),
        "srvr" => Some(SRVR.as_bytes().to_vec()),
        _ => None,
    })
    .await;
    probe_within_one_timeout_of_a_hung_admin_server(&addr, Role::Leader).await;
}

/// Probes `addr` with a hung AdminServer beside it: the probe gives `role` and ends within
/// one timeout (and a half, for a loaded machine), never one per request.
async fn probe_within_one_timeout_of_a_hung_admin_server(addr: &str, role: Role) {
    let timeout = Duration::from_millis(1000);
    let t = ProbeTarget {
        admin_url: Some(format!("http://{addr}")),
        ..target(addr)
    };
    let started = Instant::now();
    let snap = probe_member(&t, opts(timeout.as_millis() as u64)).await;
    let took = started.elapsed();
    assert_eq!(snap.role, role, "{snap:?}");
    assert!(
        took < timeout * 3 / 2,
        "took {took:?} with a {timeout:?} timeout"
    );
}

/// Not serving, then `isro` hangs behind a hung `zabstate`: again one timeout in all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_not_serving_probe_ends_within_one_timeout_when_isro_hangs() {
    let (addr, _p) = peer(|req| match &req[..4.min(req.len())] {
        "mntr" | "srvr" => {
            Some(b"This ZooKeeper instance is not currently serving requests\n".to_vec())
        }
        _ => None,
    })
    .await;
    probe_within_one_timeout_of_a_hung_admin_server(&addr, Role::NotServing).await;
}
