//! The static membership change (`zkconsole apply` on an ensemble without dynamic reconfig)
//! from 3 members to `to`, one voter per round, under the benchmark's writer: the total time
//! and the longest write stall of each step.

use super::{finish, stalls, start_load};
use futures::FutureExt;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Mutex as AsyncMutex;
use zkconsole::config::Thresholds;
use zkconsole::ensemble::{EnsembleConfig, ServerSpec};
use zkconsole::health::summarize;
use zkconsole::host::{MemberRef, SandboxHost};
use zkconsole::probe::member::ProbeOptions;
use zkconsole::probe::round::{observe, AdminLocator, Discovery};
use zkconsole::probe::transport::four_letter_word;
use zkconsole::rolling::static_change::{StaticChange, StaticEvent};
use zkconsole::sandbox::{SandboxOptions, StaticLayout};
use zkconsole::workflow::roll::RollSettings;
use zkconsole::workflow::static_plan::{plan_static, StaticGoal, StaticState};

/// Each member's own membership (`conf`), asked of every address at once.
async fn member_lists(addrs: Arc<Vec<(u64, String)>>) -> Vec<(u64, EnsembleConfig)> {
    let work = addrs.iter().map(|(id, a)| async move {
        let text = four_letter_word(a, "conf", Duration::from_millis(1000), 1 << 20)
            .await
            .ok()?;
        let cfg = EnsembleConfig::parse(&text).ok()?;
        (!cfg.servers.is_empty()).then_some((*id, cfg))
    });
    futures::future::join_all(work)
        .await
        .into_iter()
        .flatten()
        .collect()
}

pub async fn run(to: u64, settle: Duration) {
    let mut sb = super::sandbox_serving(SandboxOptions {
        members: 3,
        static_layout: Some(StaticLayout::OneHost),
        ..SandboxOptions::default()
    })
    .await;
    let connect = sb.connect_string();
    let joiners: Vec<_> = (4..=to)
        .map(|_| sb.reserve_member().expect("reserve a joiner"))
        .collect();
    let addrs: Arc<Vec<(u64, String)>> = Arc::new(
        sb.members()
            .iter()
            .map(|m| (m.id, format!("127.0.0.1:{}", m.client_port)))
            .collect(),
    );
    let members: BTreeMap<u64, MemberRef> = addrs
        .iter()
        .map(|(id, a)| {
            let port = a.rsplit_once(':').and_then(|(_, p)| p.parse().ok());
            let m = MemberRef {
                id: *id,
                host: "127.0.0.1".into(),
                client_port: port.expect("a port"),
            };
            (*id, m)
        })
        .collect();
    let data_dir = format!("{}/m{{id}}/data", sb.dir().display());
    let add: Vec<ServerSpec> = joiners
        .iter()
        .map(|j| {
            ServerSpec::parse_line(&format!(
                "server.{}=127.0.0.1:{}:{};127.0.0.1:{}",
                j.id, j.quorum_port, j.election_port, j.client_port
            ))
            .expect("joiner spec")
        })
        .collect();
    let joiner_settings = joiners
        .iter()
        .map(|j| {
            let port = j.admin_port.to_string();
            (Some(j.id), "admin.serverPort".to_string(), port)
        })
        .collect();
    let d = Arc::new(Discovery {
        seeds: addrs.iter().map(|(_, a)| a.clone()).collect(),
        admin: AdminLocator::default(),
        tls: Default::default(),
        opts: ProbeOptions {
            timeout: Duration::from_millis(1000),
            ..ProbeOptions::default()
        },
    });
    let thresholds = Thresholds::default();
    let obs = observe(&d, None).await;
    let health = summarize(obs.config.as_ref(), &obs.members, &thresholds);
    let cfg = obs.config.clone().expect("membership");
    let mut specs = cfg.servers.clone();
    let list = cfg.voter_ids();
    let state = StaticState {
        lists: list.iter().map(|id| (*id, list.clone())).collect(),
        up: list.clone(),
        leader: health.leader,
    };
    let plan = plan_static(
        &state,
        &StaticGoal {
            add: add.clone(),
            remove: Vec::new(),
            batch: false,
            clean: true,
        },
    );
    assert!(plan.safe, "the static plan: {:?}", plan.blocked);
    specs.extend(add.into_iter().map(|s| (s.id, s)));

    let sb = Arc::new(AsyncMutex::new(sb));
    let host = SandboxHost::new(sb.clone(), Duration::from_secs(60));
    let observe_fn = {
        let d = d.clone();
        move || {
            let d = d.clone();
            async move { observe(&d, None).await }.boxed()
        }
    };
    let views_fn = {
        let addrs = addrs.clone();
        move || member_lists(addrs.clone()).boxed()
    };
    let commit_fn = {
        let connect = connect.clone();
        move || {
            let connect = connect.clone();
            async move {
                let timeout = Duration::from_secs(5);
                zkconsole::zk::connect_session(&connect, timeout, None, &Default::default())
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            .boxed()
        }
    };
    let (_abort_tx, abort) = tokio::sync::watch::channel(false);
    let change = StaticChange {
        host: &host,
        observe: &observe_fn,
        views: &views_fn,
        commit: &commit_fn,
        thresholds: &thresholds,
        settings: RollSettings {
            settle,
            ..RollSettings::default()
        },
        poll: Duration::from_millis(200),
        abort,
        specs,
        members,
        data_dir,
        joiner_settings,
        stamp: "bench".into(),
    };
    let mut load = start_load(&connect).await;
    let started = Instant::now();
    let steps = Arc::new(Mutex::new(Vec::new()));
    let s2 = steps.clone();
    let mut on_event = move |e: StaticEvent| match e {
        StaticEvent::Step { title, .. } => s2.lock().unwrap().push((title, Instant::now())),
        StaticEvent::Replanned { why, .. } => println!("  re-planned: {why}"),
        _ => {}
    };
    let outcome = change.run(&plan, &mut on_event).await;
    let end = Instant::now();
    finish(&mut load).await;
    println!(
        "static 3 → {to} (zkconsole apply, no reconfig; {} rounds, {} steps): total {:.1} s",
        plan.rounds.len(),
        outcome.done,
        (end - started).as_secs_f64()
    );
    if let Some(why) = &outcome.halted {
        println!("  HALTED: {why}");
    }
    let steps = steps.lock().unwrap().clone();
    let st = stalls(&load.acks.lock().unwrap(), &steps, end);
    for (i, (title, d)) in st.iter().enumerate() {
        println!(
            "  step {}: {title}: longest write stall {} ms",
            i + 1,
            d.as_millis()
        );
    }
    let worst = st.iter().map(|(_, d)| *d).max().unwrap_or_default();
    println!(
        "  longest write stall of the change {} ms; failed write attempts {}; writes {}; \
         session expired: {}",
        worst.as_millis(),
        load.failed.load(std::sync::atomic::Ordering::SeqCst),
        load.acks.lock().unwrap().len(),
        load.expired.load(std::sync::atomic::Ordering::SeqCst)
    );
    drop(change);
    drop(host);
    let sb = Arc::try_unwrap(sb).ok().expect("sole owner").into_inner();
    sb.down().await.expect("static sandbox down");
}
