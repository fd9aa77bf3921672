//! Serves a fleet of replayed ZooKeeper members (recorded real 3.8 replies) on loopback, for
//! the scale benchmark and for trying the fleet screen without a thousand JVMs. Not part of
//! the shipped binary.
//!
//!   cargo run --example replay_server -- --ensembles 200 --members 5 --inventory /tmp/inv.txt \
//!       [--port 2181] [--slow E:M:MS]... [--hung E:M]... [--garbage E:M]... [--not-serving E:M]...
//!
//! E is an ensemble's index (0-based), M a member id (1-based). The inventory file gets one
//! `replay-NNN = connect` line per ensemble; `ready` is printed once every member listens. It
//! runs until stopped (SIGTERM, SIGINT).

#[path = "../tests/replay/mod.rs"]
mod replay;

use replay::{Behaviour, Spec};
use std::time::Duration;

fn usage(why: &str) -> ! {
    eprintln!("replay_server: {why}");
    eprintln!(
        "usage: replay_server --ensembles N --members M [--port P] [--inventory FILE] \
         [--slow E:M:MS] [--hung E:M] [--garbage E:M] [--not-serving E:M]"
    );
    std::process::exit(64);
}

fn member_of(v: &str) -> (usize, u64, Option<u64>) {
    let parts: Vec<&str> = v.split(':').collect();
    let n = |i: usize| -> u64 {
        parts
            .get(i)
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| usage(&format!("{v:?}: expected E:M (or E:M:MS for --slow)")))
    };
    (n(0) as usize, n(1), (parts.len() > 2).then(|| n(2)))
}

#[tokio::main]
async fn main() {
    let mut spec = Spec {
        ensembles: 1,
        members: 3,
        port: 2181,
        faults: Vec::new(),
    };
    let mut inventory = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{a} needs a value")))
        };
        let number = |v: String| -> usize {
            v.parse()
                .unwrap_or_else(|_| usage(&format!("{v:?} is not a number")))
        };
        match a.as_str() {
            "--ensembles" => spec.ensembles = number(value()),
            "--members" => spec.members = number(value()),
            "--port" => spec.port = number(value()) as u16,
            "--inventory" => inventory = Some(value()),
            "--slow" => {
                let (e, m, ms) = member_of(&value());
                let d = Duration::from_millis(ms.unwrap_or(1000));
                spec.faults.push((e, m, Behaviour::Slow(d)));
            }
            "--hung" => {
                let (e, m, _) = member_of(&value());
                spec.faults.push((e, m, Behaviour::Hung));
            }
            "--garbage" => {
                let (e, m, _) = member_of(&value());
                spec.faults.push((e, m, Behaviour::Garbage));
            }
            "--not-serving" => {
                let (e, m, _) = member_of(&value());
                spec.faults.push((e, m, Behaviour::NotServing));
            }
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if spec.members == 0 || spec.members > 250 || spec.ensembles == 0 {
        usage("--members must be 1 to 250 and --ensembles at least 1");
    }
    let fleet = match replay::start(&spec).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("replay_server: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    if let Some(path) = inventory {
        if let Err(e) = std::fs::write(&path, fleet.inventory()) {
            eprintln!("replay_server: cannot write {path}: {e}");
            std::process::exit(1);
        }
    }
    println!(
        "ready: {} ensembles x {} members on port {}",
        spec.ensembles,
        spec.members,
        fleet.ensembles[0].members[0].port()
    );
    let _ = tokio::signal::ctrl_c().await;
    drop(fleet);
}
