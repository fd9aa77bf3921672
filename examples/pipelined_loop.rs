//! The floor for a recursive scan: a breadth-first getChildren loop on one session with
//! WINDOW requests in flight and no bookkeeping beyond a count. Used by scripts/bench-scan.sh.
//!
//!   cargo run --release --example pipelined_loop -- CONNECT PATH [WINDOW]
//!   (LOOP_RUNTIME=multi: a 2-worker runtime instead of the default current-thread one)
//!
//! Prints `znodes N elapsed_ms MS znodes_per_sec R` (time measured after the session opened,
//! like `zkconsole scan`'s own elapsed_ms).

use futures::stream::{FuturesUnordered, StreamExt};
use std::collections::VecDeque;
use std::time::Instant;
use zookeeper_client as zkc;

fn main() {
    // By default one thread runs both the session task and the loop (no cross-thread wake-ups
    // per reply), the fastest way to drive the client; LOOP_RUNTIME=multi uses 2 workers.
    let mut builder = if std::env::var("LOOP_RUNTIME").as_deref() == Ok("multi") {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(2);
        b
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = builder.enable_all().build().expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(connect), Some(root)) = (args.first(), args.get(1)) else {
        eprintln!("usage: pipelined_loop CONNECT PATH [WINDOW]");
        std::process::exit(64);
    };
    let window: usize = args.get(2).map_or(256, |w| w.parse().expect("a number"));
    let client = zkc::Client::connect(connect)
        .await
        .unwrap_or_else(|e| panic!("connect {connect}: {e}"));
    let started = Instant::now();
    let mut queue = VecDeque::from([root.trim_end_matches('/').to_string()]);
    if queue[0].is_empty() {
        queue[0] = "/".into();
    }
    let mut in_flight = FuturesUnordered::new();
    let mut count: u64 = 0;
    loop {
        while in_flight.len() < window {
            let Some(path) = queue.pop_front() else { break };
            let request = client.get_children(&path);
            in_flight.push(async move { (path, request.await) });
        }
        let Some((path, result)) = in_flight.next().await else {
            break;
        };
        count += 1;
        if let Ok((children, _stat)) = result {
            let prefix = if path == "/" { "" } else { path.as_str() };
            queue.extend(children.into_iter().map(|c| format!("{prefix}/{c}")));
        }
    }
    let elapsed = started.elapsed();
    println!(
        "znodes {count} elapsed_ms {} znodes_per_sec {:.0}",
        elapsed.as_millis(),
        count as f64 / elapsed.as_secs_f64()
    );
}
