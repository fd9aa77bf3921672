//! A churn generator, and the console's znode browser watching the node it churns: how many
//! requests a second the browser sends while a node's children change at a given rate.
//! Used by scripts/bench-churn.sh.
//!
//!   cargo run --release --example churn -- CONNECT RATE SECONDS [CHILDREN] [MIN_REFRESH_MS]
//!
//! RATE is child changes a second (a create and a delete are two); the node `/bench-churn`
//! first gets CHILDREN children (1000 by default). The browser (the console's model and its
//! session worker, as the event loop drives them) has the node open the whole time.
//! Prints one line:
//! `churn_per_s R console_req_per_s C server_packets_per_s P listings L seconds S`
//! where C counts the browser's own requests (each listing, data read, Stat) and P is the
//! member's `zk_packets_received` delta less the generator's requests (pings included).

use std::time::{Duration, Instant};
use tokio::sync::mpsc::unbounded_channel;
use zkconsole::app::tree::{TreeMsg, TreeRequest};
use zkconsole::app::{Effect, Msg, State, StateInit};
use zookeeper_client as zkc;

const NODE: &str = "/bench-churn";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: churn CONNECT RATE SECONDS [CHILDREN] [MIN_REFRESH_MS]";
    let num = |i: usize, default: Option<u64>| -> u64 {
        match args.get(i) {
            Some(v) => v.parse().unwrap_or_else(|_| {
                eprintln!("{usage}: `{v}` is not a number");
                std::process::exit(64)
            }),
            None => default.unwrap_or_else(|| {
                eprintln!("{usage}");
                std::process::exit(64)
            }),
        }
    };
    let Some(connect) = args.first().cloned() else {
        eprintln!("{usage}");
        std::process::exit(64);
    };
    let rate = num(1, None);
    let seconds = num(2, None).max(1);
    let children = num(3, Some(1000));
    let min_refresh = Duration::from_millis(num(4, Some(1000)));

    let gen = zkc::Client::connect(&connect)
        .await
        .unwrap_or_else(|e| panic!("connect {connect}: {e}"));
    prepare(&gen, children).await;

    let (tx, mut rx) = unbounded_channel();
    let (worker, _handle) = zkconsole::tui::tree_worker::spawn(
        zkconsole::tui::tree_worker::Context {
            connect: connect.clone(),
            credentials: None,
            timeout: Duration::from_millis(1500),
            ensemble: "bench".into(),
            read_only: true,
            gen: 0,
            min_refresh,
            tls: Default::default(),
        },
        tx,
    );
    let mut state = State::new(StateInit {
        ensemble: "bench".into(),
        seeds: vec![connect.clone()],
        admin: Default::default(),
        tls: Default::default(),
        read_only: true,
        sandbox: false,
        config: Default::default(),
        keymap: Default::default(),
        theme: "dark".into(),
        themes: vec!["dark".into()],
    });
    let mut requests = 0u64;
    let send = |fx: Vec<Effect>, requests: &mut u64| {
        for e in fx {
            if let Effect::Tree(r) = e {
                *requests += cost(&r);
                let _ = worker.try_send(r);
            }
        }
    };
    let fx = state.open_tree(Some(NODE));
    send(fx, &mut requests);
    // Settle: the node listed and its first child inspected before measuring.
    let settle = Instant::now() + Duration::from_secs(10);
    while Instant::now() < settle {
        let Ok(Some(m)) = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await else {
            break;
        };
        let fx = state.update(m);
        send(fx, &mut requests);
    }

    let addr = connect.split(',').next().unwrap_or(&connect).to_string();
    let packets_before = packets(&addr).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churner = tokio::spawn(churn(gen, rate, stop.clone()));
    let started = Instant::now();
    let window = Duration::from_secs(seconds);
    let (mut counted, mut listings) = (0u64, 0u64);
    while started.elapsed() < window {
        let left = window.saturating_sub(started.elapsed());
        let Ok(Some(m)) = tokio::time::timeout(left, rx.recv()).await else {
            break;
        };
        // The worker's own re-reads (not asked by the model) are answers without a request.
        match &m {
            Msg::Tree(TreeMsg::Children { path, .. }) if path == NODE => {
                listings += 1;
                counted += 1;
            }
            Msg::Tree(TreeMsg::Node { .. }) => counted += 1,
            _ => {}
        }
        // Lists and inspections are counted when answered; the rest when asked.
        let fx = state.update(m);
        send(fx, &mut counted);
    }
    let secs = started.elapsed().as_secs_f64();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let made = churner.await.unwrap_or(0);
    let packets_after = packets(&addr).await;
    let server = match (packets_before, packets_after) {
        (Some(a), Some(b)) => format!("{:.1}", (b.saturating_sub(a + made)) as f64 / secs),
        _ => "-".into(),
    };
    println!(
        "churn_per_s {:.0} console_req_per_s {:.1} server_packets_per_s {server} listings {listings} seconds {secs:.1}",
        made as f64 / secs,
        counted as f64 / secs,
    );
}

/// Requests a browser request costs when the model asks it (lists and inspections are
/// counted when answered, since the worker re-reads by itself too).
fn cost(r: &TreeRequest) -> u64 {
    match r {
        TreeRequest::Stats { names, .. } => names.len() as u64,
        TreeRequest::Names { .. } | TreeRequest::ReadAcl { .. } | TreeRequest::Count { .. } => 1,
        _ => 0,
    }
}

/// `/bench-churn` with `children` children, made afresh.
async fn prepare(c: &zkc::Client, children: u64) {
    let p = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    if let Ok(old) = c.list_children(NODE).await {
        let paths: Vec<String> = old.iter().map(|n| format!("{NODE}/{n}")).collect();
        for chunk in paths.chunks(500) {
            let futs = chunk.iter().map(|p| c.delete(p, None));
            futures::future::join_all(futs).await;
        }
        let _ = c.delete(NODE, None).await;
    }
    c.create(NODE, b"", &p).await.expect("create /bench-churn");
    let names: Vec<String> = (0..children).map(|i| format!("{NODE}/c{i:06}")).collect();
    for chunk in names.chunks(500) {
        let futs = chunk.iter().map(|n| c.create(n, b"", &p));
        for r in futures::future::join_all(futs).await {
            r.expect("create a child");
        }
    }
}

/// Every 10 ms, a batch of k children is created, then deleted (2k changes), pipelined; the
/// batches overlap, so a slow reply does not slow the churn. Returns the requests made.
async fn churn(
    c: zkc::Client,
    rate: u64,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    let per_tick = rate as f64 / 200.0;
    let mut owed = 0.0;
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let made = std::sync::Arc::new(AtomicU64::new(0));
    let mut n = 0u64;
    let mut batches = tokio::task::JoinSet::new();
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        owed += per_tick;
        let k = owed.floor() as u64;
        owed -= k as f64;
        if k == 0 {
            continue;
        }
        let fresh: Vec<String> = (0..k).map(|i| format!("{NODE}/z{:010}", n + i)).collect();
        n += k;
        let (c, made) = (c.clone(), made.clone());
        batches.spawn(async move {
            let p = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
            let created =
                futures::future::join_all(fresh.iter().map(|f| c.create(f, b"", &p))).await;
            let deleted = futures::future::join_all(fresh.iter().map(|f| c.delete(f, None))).await;
            made.fetch_add((created.len() + deleted.len()) as u64, Ordering::Relaxed);
        });
        while batches.try_join_next().is_some() {}
    }
    while batches.join_next().await.is_some() {}
    made.load(Ordering::Relaxed)
}

/// The member's `zk_packets_received`, from `mntr`.
async fn packets(addr: &str) -> Option<u64> {
    let text = zkconsole::probe::transport::four_letter_word(
        addr,
        "mntr",
        Duration::from_secs(2),
        1 << 20,
    )
    .await
    .ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("zk_packets_received\t"))
        .and_then(|v| v.trim().parse().ok())
}
