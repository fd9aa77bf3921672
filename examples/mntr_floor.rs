//! The floor of the fleet benchmark: what 1,000 bare `mntr` exchanges a second cost one
//! process (connect, send, read to the end, close), spread over the second as the console
//! spreads its rounds. Prints the CPU it used (% of one core), its peak RSS and the share of
//! exchanges that completed. Not part of the shipped binary.
//!
//!   cargo run --release --example mntr_floor -- INVENTORY_FILE SECONDS

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// user+system CPU seconds of this process so far, from /proc/self/stat.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn mntr(addr: String) -> bool {
    let exchange = async {
        let mut s = TcpStream::connect(&addr).await?;
        s.write_all(b"mntr").await?;
        let mut buf = Vec::with_capacity(20_000);
        s.read_to_end(&mut buf).await?;
        Ok::<bool, std::io::Error>(!buf.is_empty())
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(1), exchange).await,
        Ok(Ok(true))
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(secs)) = (args.get(1), args.get(2).and_then(|s| s.parse::<u64>().ok()))
    else {
        eprintln!("usage: mntr_floor INVENTORY_FILE SECONDS");
        std::process::exit(64);
    };
    let text = std::fs::read_to_string(path).expect("read the inventory");
    let members: Vec<String> = text
        .lines()
        .filter_map(|l| l.split('=').nth(1).or(Some(l)))
        .flat_map(|c| c.trim().split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|a| !a.is_empty())
        .collect();
    let n = members.len().max(1);
    let gap = Duration::from_secs(1) / n as u32;
    let cpu0 = cpu_seconds();
    let started = tokio::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let mut next = started;
    for _ in 0..secs {
        for m in &members {
            tokio::time::sleep_until(next).await;
            next += gap;
            tasks.spawn(mntr(m.clone()));
        }
    }
    let mut ok = 0usize;
    let mut all = 0usize;
    while let Some(r) = tasks.join_next().await {
        all += 1;
        ok += usize::from(r.unwrap_or(false));
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    println!(
        "floor members={} seconds={secs} exchanges={all} ok={ok} cpu_pct={:.1} rss_kib={}",
        members.len(),
        100.0 * cpu / wall,
        peak_rss_kib()
    );
}
