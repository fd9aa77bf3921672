//! Load and capacity against real sandboxes: windowed figures from the servers' counters,
//! the load score and the advice in `status --json`.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::{address_of, discovery_of, healthy_sandbox, member_by_id, observe_health};
use std::time::{Duration, Instant};
use zkconsole::history::window::{between, Basis, Counters};
use zkconsole::zk::connect_session;
use zookeeper_client as zkc;

const TIMEOUT: Duration = Duration::from_secs(5);
const PROBE_MS: u64 = 3000;

/// `n` reads of `/` on one session, pipelined in batches of 100.
async fn reads(client: &zkc::Client, n: usize) {
    for _ in 0..n / 100 {
        let batch: Vec<_> = (0..100).map(|_| client.get_data("/")).collect();
        for r in futures::future::join_all(batch).await {
            r.expect("read /");
        }
    }
}

/// `n` writes, one after another (each waits for its quorum and fsync).
async fn writes(client: &zkc::Client, prefix: &str, n: usize) {
    let opts = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    for i in 0..n {
        client
            .create(&format!("{prefix}{i:04}"), b"x", &opts)
            .await
            .expect("create");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_burst_of_reads_the_windowed_latency_leaves_the_lifetime_one_behind() {
    let sb = healthy_sandbox(3).await;
    let d = discovery_of(&sb, PROBE_MS);
    let client = connect_session(&address_of(&sb, 1), TIMEOUT, None, &Default::default())
        .await
        .expect("session on member 1");
    // A lifetime made of slow requests: writes wait for a quorum and an fsync.
    writes(&client, "/w", 40).await;

    let (before, _) = observe_health(&d, None).await;
    let t1 = Instant::now();
    // The window: many fast reads and a few writes, all on member 1.
    reads(&client, 3000).await;
    writes(&client, "/v", 5).await;
    let (after, _) = observe_health(&d, None).await;
    let secs = t1.elapsed().as_secs_f64();

    let s1 = member_by_id(&before, 1).expect("member 1 before");
    let s2 = member_by_id(&after, 1).expect("member 1 after");
    let w = between(
        &Counters::of(s1),
        &Counters::of(s2),
        secs,
        Duration::from_secs_f64(secs),
    )
    .expect("a window between two readings");
    assert_eq!(w.latency_basis, Some(Basis::Exact), "3.8 reports summaries");
    // The server counted what we sent (plus a few pings of our session and the probes').
    let n = w.requests.expect("requests in the window");
    assert!(
        (3005..3005 + 60).contains(&n),
        "{n} requests counted: {w:?}"
    );
    let writes_seen = w.writes_per_s.unwrap() * secs;
    assert!(
        (writes_seen - 5.0).abs() < 0.5,
        "{writes_seen} writes: {w:?}"
    );
    assert!(w.fsync.expect("fsync reported").count >= 1, "{w:?}");

    // The window and the lifetime differ exactly as the counts say:
    // avg₂·n₂ = avg₁·n₁ + window·Δn (mntr prints the averages to 4 decimals).
    let (a1, a2) = (
        s1.metric_f64("avg_latency").unwrap(),
        s2.metric_f64("avg_latency").unwrap(),
    );
    let (l1, l2) = (
        s1.metric_f64("cnt_readlatency").unwrap() + s1.metric_f64("cnt_updatelatency").unwrap(),
        s2.metric_f64("cnt_readlatency").unwrap() + s2.metric_f64("cnt_updatelatency").unwrap(),
    );
    let windowed = w.latency_avg_ms.expect("latency over the window");
    let lhs = a2 * l2;
    let rhs = a1 * l1 + windowed * n as f64;
    assert!(
        (lhs - rhs).abs() <= 1e-4 * l2 + 1.0,
        "avg₂·n₂ = {lhs}, avg₁·n₁ + w·Δn = {rhs}; {w:?}"
    );
    // Reads are faster than quorum writes: the window sits below what the writes left in the
    // lifetime average, and the lifetime one is dragged down only partly.
    assert!(
        windowed < a1,
        "window {windowed} ms vs lifetime before {a1} ms"
    );
    assert!(
        a2 > windowed,
        "lifetime after {a2} ms vs window {windowed} ms"
    );
    sb.down().await.expect("sandbox down");
}
