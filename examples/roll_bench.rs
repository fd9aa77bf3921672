//! Rolling restart under a write load: the gated roll (`zkconsole roll`'s engine) against the
//! naive procedure (restart each member as soon as the previous one answers `ruok`, no gate),
//! on one local sandbox, in one run. Used by scripts/bench-roll.sh.
//!
//!   cargo run --release --example roll_bench -- [MEMBERS] [SETTLE_S]
//!
//! Prints, per procedure: total time, the longest write stall during each member's step (the
//! leader's step marked), failed write attempts and whether the writer's session expired. The
//! gated roll runs twice: without and with the leader hand-off (a reconfig that moves
//! leadership before the leader stops); the leader step's longest stall of each is compared.
//!
//! Then, on a static sandbox (no dynamic reconfig), the static membership change of
//! `zkconsole apply` from 3 members to STATIC_TO (default 5; 0 skips it) under the same
//! writer: total time and the longest write stall of each step.
//!
//!   cargo run --release --example roll_bench -- [MEMBERS] [SETTLE_S] [STATIC_TO]

use futures::FutureExt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Mutex as AsyncMutex;
use zkconsole::config::Credentials;
use zkconsole::config::Thresholds;
use zkconsole::health::summarize;
use zkconsole::host::SandboxHost;
use zkconsole::probe::member::ProbeOptions;
use zkconsole::probe::round::{observe, seeds_of, AdminLocator, Discovery};
use zkconsole::probe::transport::four_letter_word;
use zkconsole::rolling::handoff::Handoff;
use zkconsole::rolling::journal::Journal;
use zkconsole::rolling::{Control, Decision, HandoffMode, RollEvent, Roller};
use zkconsole::sandbox::{Sandbox, SandboxOptions};
use zkconsole::workflow::roll::{roll_order, RollSettings};
use zookeeper_client as zkc;

struct Load {
    stop: Arc<AtomicBool>,
    acks: Arc<Mutex<Vec<Instant>>>,
    failed: Arc<AtomicU64>,
    expired: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

async fn start_load(connect: &str) -> Load {
    let client =
        zkconsole::zk::connect_session(connect, Duration::from_secs(5), None, &Default::default())
            .await
            .expect("writer session");
    let opts = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    client.create("/bench-roll", b"", &opts).await.ok();
    let load = Load {
        stop: Arc::new(AtomicBool::new(false)),
        acks: Arc::new(Mutex::new(Vec::new())),
        failed: Arc::new(AtomicU64::new(0)),
        expired: Arc::new(AtomicBool::new(false)),
        task: tokio::spawn(async {}),
    };
    let (s, a, f, e) = (
        load.stop.clone(),
        load.acks.clone(),
        load.failed.clone(),
        load.expired.clone(),
    );
    let task = tokio::spawn(async move {
        let mut n = 0u64;
        while !s.load(Ordering::SeqCst) {
            let data = n.to_be_bytes();
            let write = client.set_data("/bench-roll", &data, None);
            match tokio::time::timeout(Duration::from_secs(10), write).await {
                Ok(Ok(_)) => {
                    a.lock().unwrap().push(Instant::now());
                    n += 1;
                }
                Ok(Err(zkc::Error::SessionExpired)) => {
                    e.store(true, Ordering::SeqCst);
                    return;
                }
                _ => {
                    f.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    });
    Load { task, ..load }
}

/// The longest gap between two acknowledged writes that began inside each step.
fn stalls<L: Clone>(acks: &[Instant], steps: &[(L, Instant)], end: Instant) -> Vec<(L, Duration)> {
    steps
        .iter()
        .enumerate()
        .map(|(i, (id, from))| {
            let (id, from) = (id.clone(), *from);
            let to = steps.get(i + 1).map_or(end, |s| s.1);
            let longest = acks
                .windows(2)
                .filter(|w| w[0] >= from && w[0] < to)
                .map(|w| w[1] - w[0])
                .max()
                .unwrap_or(to - from);
            (id, longest)
        })
        .collect()
}

fn report(
    name: &str,
    total: Duration,
    stalls: &[(u64, Duration)],
    leader: u64,
    load: &Load,
) -> Duration {
    println!("{name}: total {:.1} s", total.as_secs_f64());
    for (id, d) in stalls {
        let role = if *id == leader { " (leader)" } else { "" };
        println!(
            "  member {id}{role}: longest write stall {} ms",
            d.as_millis()
        );
    }
    println!(
        "  failed write attempts {}; writes {}; session expired: {}",
        load.failed.load(Ordering::SeqCst),
        load.acks.lock().unwrap().len(),
        load.expired.load(Ordering::SeqCst)
    );
    stalls
        .iter()
        .find(|(id, _)| *id == leader)
        .map_or(Duration::ZERO, |(_, d)| *d)
}

async fn finish(load: &mut Load) {
    load.stop.store(true, Ordering::SeqCst);
    (&mut load.task).await.ok();
}

fn discovery(sb: &Sandbox) -> Discovery {
    Discovery {
        seeds: seeds_of(&sb.connect_string()),
        admin: AdminLocator::default(),
        tls: Default::default(),
        opts: ProbeOptions {
            timeout: Duration::from_millis(1000),
            ..ProbeOptions::default()
        },
    }
}

/// One gated roll; with `handoff`, leadership leaves the leader by a reconfig first. The
/// leader step's longest write stall.
async fn gated(sb: Arc<AsyncMutex<Sandbox>>, settle: Duration, handoff: bool) -> Duration {
    let (d, connect, digest) = {
        let s = sb.lock().await;
        (Arc::new(discovery(&s)), s.connect_string(), s.digest_file())
    };
    let thresholds = Thresholds::default();
    let obs = observe(&d, None).await;
    let cfg = obs.config.clone().expect("membership");
    let health = summarize(Some(&cfg), &obs.members, &thresholds);
    let leader = health.leader.expect("a leader");
    let order = roll_order(&cfg, &obs.members, Some(leader), None).expect("order");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut journal = Journal::new(dir.path().join("roll.json"), "bench", order, None);
    let host = SandboxHost::new(sb.clone(), Duration::from_secs(60));
    let observe_fn = {
        let d = d.clone();
        move || {
            let d = d.clone();
            async move { observe(&d, None).await }.boxed()
        }
    };
    let confirm = |_| async { Decision::Go }.boxed();
    let (_tx, control) = tokio::sync::watch::channel(Control::Run);
    let hand = Arc::new(Handoff {
        mode: HandoffMode::Always,
        connect: connect.clone(),
        credentials: Credentials::from_file(&digest).ok(),
        tls: Default::default(),
        ensemble: "bench".into(),
        discovery: d.clone(),
        thresholds: thresholds.clone(),
        timeout: Duration::from_secs(60),
    });
    let handoff_fn = move |id: u64| {
        let h = hand.clone();
        async move { h.run(id).await }.boxed()
    };
    let hook: zkconsole::rolling::Handoff = &handoff_fn;
    let mut roller = Roller {
        host: &host,
        observe: &observe_fn,
        confirm: &confirm,
        thresholds: &thresholds,
        settings: RollSettings {
            settle,
            ..RollSettings::default()
        },
        poll: Duration::from_millis(200),
        control,
        handoff: handoff.then_some(hook),
    };
    let mut load = start_load(&connect).await;
    let started = Instant::now();
    let steps = Arc::new(Mutex::new(Vec::new()));
    let s2 = steps.clone();
    let mut on_event = move |e: RollEvent| match e {
        RollEvent::Preview(p) => s2.lock().unwrap().push((p.id, Instant::now())),
        RollEvent::Handoff { detail, .. } => println!("  hand-off: {detail}"),
        _ => {}
    };
    let outcome = roller.run(&mut journal, &mut on_event).await;
    let end = Instant::now();
    finish(&mut load).await;
    if let Some(why) = outcome.halted {
        println!("gated roll halted: {why}");
    }
    let steps = steps.lock().unwrap().clone();
    let st = stalls(&load.acks.lock().unwrap(), &steps, end);
    let name = if handoff {
        "gated roll with leader hand-off (zkconsole roll --handoff always)"
    } else {
        "gated roll (zkconsole roll --handoff never)"
    };
    report(name, end - started, &st, leader, &load)
}

/// The static membership change under the writer (its own file: the roll figures stay here).
#[path = "roll_bench/static_bench.rs"]
mod static_bench;

/// A sandbox of `opts`, every member serving (within a minute each) before the figures start.
async fn sandbox_serving(opts: SandboxOptions) -> Sandbox {
    let sb = Sandbox::up(opts).await.expect("sandbox up");
    for id in sb.ids() {
        sb.wait_serving(id, Duration::from_secs(60))
            .await
            .expect("serving");
    }
    sb
}

async fn naive(sb: Arc<AsyncMutex<Sandbox>>) {
    let (d, connect, ids) = {
        let s = sb.lock().await;
        (discovery(&s), s.connect_string(), s.ids())
    };
    let obs = observe(&d, None).await;
    let health = summarize(obs.config.as_ref(), &obs.members, &Thresholds::default());
    let leader = health.leader.unwrap_or(0);
    let mut load = start_load(&connect).await;
    let started = Instant::now();
    let mut steps = Vec::new();
    for id in ids {
        steps.push((id, Instant::now()));
        let addr = sb
            .lock()
            .await
            .member(id)
            .map(|m| format!("127.0.0.1:{}", m.client_port))
            .expect("member");
        sb.lock().await.restart(id).await.expect("restart");
        // As soon as it answers ruok (which it does with or without a quorum).
        loop {
            let r = four_letter_word(&addr, "ruok", Duration::from_millis(500), 64).await;
            if r.is_ok_and(|t| t.contains("imok")) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let end = Instant::now();
    // Let the writer see the end of the last member's election before counting.
    tokio::time::sleep(Duration::from_secs(5)).await;
    finish(&mut load).await;
    let st = stalls(
        &load.acks.lock().unwrap(),
        &steps,
        end + Duration::from_secs(5),
    );
    let _ = report(
        "naive (next member as soon as ruok answers)",
        end - started,
        &st,
        leader,
        &load,
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let members: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(5);
    let settle = Duration::from_secs(args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5));
    let sb = sandbox_serving(SandboxOptions {
        members,
        ..SandboxOptions::default()
    })
    .await;
    println!(
        "{members} members, settle {} s, one writer (set_data in a loop)",
        settle.as_secs()
    );
    let sb = Arc::new(AsyncMutex::new(sb));
    let plain = gated(sb.clone(), settle, false).await;
    // Let the ensemble settle between the procedures.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let handed = gated(sb.clone(), settle, true).await;
    println!(
        "leader step, longest write stall: {} ms without hand-off, {} ms with hand-off",
        plain.as_millis(),
        handed.as_millis()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    naive(sb.clone()).await;
    let sb = Arc::try_unwrap(sb).ok().expect("sole owner").into_inner();
    sb.down().await.expect("sandbox down");
    let static_to: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    if static_to > 3 {
        static_bench::run(static_to, settle).await;
    } else {
        println!("static 3 → N: skipped (STATIC_TO {static_to}: nothing to add)");
    }
    println!("====");
}
