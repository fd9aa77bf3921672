//! How long opening one node takes for a browser: one getChildren (names + Stat) of PATH on an
//! open session. Used by scripts/bench-scan.sh for the node with 50,000 children.
//!
//!   cargo run --release --example open_node -- CONNECT PATH [REPEAT]
//!
//! Prints `children N connect_ms MS first_ms MS median_ms MS` (first = the first request on the
//! session; median over REPEAT requests, 5 by default).

use std::time::Instant;
use zookeeper_client as zkc;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(connect), Some(path)) = (args.first(), args.get(1)) else {
        eprintln!("usage: open_node CONNECT PATH [REPEAT]");
        std::process::exit(64);
    };
    let repeat: usize = args.get(2).map_or(5, |r| r.parse().expect("a number"));
    let t0 = Instant::now();
    let client = zkc::Client::connect(connect)
        .await
        .unwrap_or_else(|e| panic!("connect {connect}: {e}"));
    let connect_ms = t0.elapsed().as_secs_f64() * 1e3;
    let mut times = Vec::with_capacity(repeat.max(1));
    let mut children = 0;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let (names, stat) = client
            .get_children(path)
            .await
            .unwrap_or_else(|e| panic!("getChildren {path}: {e}"));
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(names.len(), stat.num_children as usize);
        children = names.len();
    }
    let first = times[0];
    times.sort_by(f64::total_cmp);
    println!(
        "children {children} connect_ms {connect_ms:.1} first_ms {first:.1} median_ms {:.1}",
        times[times.len() / 2]
    );
}
