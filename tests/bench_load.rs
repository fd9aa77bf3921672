//! `zkconsole bench` against real sandboxes: the figures it prints, the nodes it leaves (none),
//! the production refusal, and a console model fed by real probes while it runs (the load
//! score rises, the advisor's evidence names the signal, the headroom moves).

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;
mod synthetic;

use common::{address_of, discovery_of, healthy_sandbox, observe_health, zkconsole_in};
use std::path::Path;
use std::time::Duration;
use zkconsole::app::keys::Keymap;
use zkconsole::app::{Msg, State, StateInit};
use zkconsole::config::Config;
use zkconsole::probe::round::{seeds_of, AdminLocator};
use zkconsole::zk::connect_session;

const TIMEOUT: Duration = Duration::from_secs(5);
const PROBE_MS: u64 = 3000;

/// What is left under the bench root: nothing, or the root alone with no child.
async fn bench_nodes_left(connect: &str) -> Vec<String> {
    let c = connect_session(connect, TIMEOUT, None, &Default::default())
        .await
        .expect("session");
    match c.list_children(zkconsole::bench::ROOT).await {
        Ok(children) => children,
        Err(zookeeper_client::Error::NoNode) => vec![],
        Err(e) => panic!("list {}: {e}", zkconsole::bench::ROOT),
    }
}

/// Only the windowed latency counts toward the load, against a critical level of 2 ms, and
/// the advisor speaks at once: what a few seconds of bench can move.
const CONSOLE_CONFIG: &str = r#"
[thresholds.latency_window_ms]
warn = 1.0
critical = 2.0
[load.weights]
latency_avg_ms = 0.0
latency_max_ms = 0.0
latency_p99_ms = 0.0
outstanding = 0.0
connections = 0.0
fd_percent = 0.0
zxid_lag = 0.0
probe_ms = 0.0
fsync_avg_ms = 0.0
watches = 0.0
fsync_ms_per_s = 0.0
snapshot_ms_per_s = 0.0
open_fds = 0.0
znodes = 0.0
data_size_mb = 0.0
pending_syncs = 0.0
[advisor]
high_load = 0.02
high_clear = 0.01
high_minutes = 0
"#;

fn console_state(connect: &str) -> State {
    let config: Config = toml::from_str(CONSOLE_CONFIG).expect("test config");
    State::new(StateInit {
        ensemble: "bench".into(),
        seeds: seeds_of(connect),
        admin: AdminLocator::default(),
        tls: Default::default(),
        read_only: false,
        sandbox: false,
        config,
        keymap: Keymap::default(),
        theme: "dark".into(),
        themes: vec!["dark".into()],
    })
}

fn feed(s: &mut State, obs: &zkconsole::probe::round::Observation) {
    synthetic::feed(s, &obs.members);
}

fn audit_lines(home: &Path) -> Vec<serde_json::Value> {
    common::audit_records(home, "bench")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_reports_per_member_leaves_nothing_and_the_console_sees_the_load() {
    let sb = healthy_sandbox(3).await;
    let connect = sb.connect_string();
    let d = discovery_of(&sb, PROBE_MS);
    let mut s = console_state(&connect);
    s.update(Msg::Clock(std::time::SystemTime::now()));
    // Before: two idle rounds (a window needs two readings).
    for _ in 0..2 {
        let (obs, _) = observe_health(&d, None).await;
        feed(&mut s, &obs);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let score_before = s.load.ensemble.as_ref().map_or(0.0, |l| l.score);
    let rate_before = s.load.rate_now.unwrap_or(0.0);
    assert!(s.load.advice.is_empty(), "{:?}", s.load.advice);

    let home = tempfile::tempdir().unwrap();
    let bench = {
        let home = home.path().to_path_buf();
        let connect = connect.clone();
        tokio::spawn(async move {
            zkconsole_in(
                &home,
                &[
                    "bench",
                    "--connect",
                    &connect,
                    "--duration",
                    "8",
                    "--mix",
                    "4:1",
                    "--json",
                ],
            )
            .await
        })
    };
    // During: probe every half second and keep the highest figures seen.
    let (mut peak_score, mut peak_rate, mut evidence) = (0.0_f64, 0.0_f64, None);
    while !bench.is_finished() {
        let (obs, _) = observe_health(&d, None).await;
        feed(&mut s, &obs);
        if let Some(l) = &s.load.ensemble {
            peak_score = peak_score.max(l.score);
        }
        peak_rate = peak_rate.max(s.load.rate_now.unwrap_or(0.0));
        if let Some(a) = s
            .load
            .advice
            .iter()
            .find(|a| a.kind == zkconsole::advisor::Kind::AddObserver)
        {
            evidence.get_or_insert(a.evidence.clone());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let run = bench.await.unwrap();
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let j = run.json();
    let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["latency_ms", "members", "reads_per_s", "writes_per_s"],
        "{j:#}"
    );
    let reads = j["reads_per_s"].as_f64().unwrap();
    let writes = j["writes_per_s"].as_f64().unwrap();
    assert!(reads > 0.0 && writes > 0.0, "{j:#}");
    // 4:1 asked: the measured mix is close to it.
    assert!((reads / writes - 4.0).abs() < 0.5, "{j:#}");
    let (p50, p99) = (
        j["latency_ms"]["p50"].as_f64().unwrap(),
        j["latency_ms"]["p99"].as_f64().unwrap(),
    );
    assert!(p50 > 0.0 && p50 <= p99, "{j:#}");
    let members = j["members"].as_array().unwrap();
    assert_eq!(members.len(), 3, "one session per member: {j:#}");
    let mut ids: Vec<u64> = members.iter().map(|m| m["id"].as_u64().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, [1, 2, 3]);
    for m in members {
        let id = m["id"].as_u64().unwrap();
        assert_eq!(m["address"], address_of(&sb, id), "{m:#}");
        assert!(m["reads_per_s"].as_f64().unwrap() > 0.0, "{m:#}");
        assert!(m["writes_per_s"].as_f64().unwrap() > 0.0, "{m:#}");
        let (a, b) = (
            m["latency_ms"]["p50"].as_f64().unwrap(),
            m["latency_ms"]["p99"].as_f64().unwrap(),
        );
        assert!(a > 0.0 && a <= b, "{m:#}");
    }
    // Nothing left, and the run audited at its start and its end.
    assert_eq!(bench_nodes_left(&connect).await, Vec::<String>::new());
    let audit = audit_lines(home.path());
    assert_eq!(audit.len(), 2, "{audit:#?}");
    assert_eq!(audit[0]["phase"], "intent");
    let result = audit[1]["result"].as_str().unwrap();
    assert!(
        result.starts_with("ok ") && result.contains("cleanup: none left"),
        "{result}"
    );

    // The console fed by the probes saw the load.
    assert!(
        peak_score > score_before && peak_score >= 0.02,
        "load score before {score_before}, peak during the bench {peak_score}"
    );
    assert!(
        peak_rate > rate_before + 50.0,
        "rate {rate_before} → {peak_rate}"
    );
    let evidence = evidence.expect("the advisor suggested an observer under the load");
    assert_eq!(evidence.signal, "load (latency_window_ms)", "{evidence:?}");
    let reads_seen = evidence
        .numbers
        .iter()
        .find(|(k, _)| k == "reads_per_s")
        .map(|(_, v)| *v);
    assert!(reads_seen.is_some_and(|r| r > 0.0), "{evidence:?}");
    // The headroom: live points at the rates seen, then the bench's calibration.
    assert!(!s.load.points.is_empty());
    let cal = zkconsole::bench::calibration::load(
        &zkconsole::bench::calibration::path_for(
            &home.path().join("state/zkconsole"),
            &seeds_of(&connect),
        ),
        &seeds_of(&connect),
    )
    .expect("bench kept its calibration");
    assert_eq!(cal.points.len(), 2, "{cal:?}");
    assert!(cal.points[1].rate > cal.points[0].rate, "{cal:?}");
    s.load.calibration = Some(cal);
    let h = s.headroom();
    assert!(
        matches!(h.source, zkconsole::load::headroom::Source::Bench { .. }),
        "{h:?}"
    );
    let model = h.fit.clone().expect("two bench points fit");
    assert!(model.capacity > 0.0 && model.service_ms > 0.0, "{model:?}");
    // The crossing against the test's 2 ms (maybe below S: then 0), and against 1 s.
    assert_eq!(h.crossing(), Some(model.crossing_rate(2.0)), "{h:?}");
    let c = model.crossing_rate(1000.0);
    assert!(c > 0.0 && c < model.capacity, "{model:?}");
    assert!(h.utilisation().is_some(), "{h:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_refuses_a_production_ensemble_without_yes_and_read_only() {
    let sb = healthy_sandbox(1).await;
    let connect = sb.connect_string();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[ensembles.prod]\nconnect = \"{connect}\"\nproduction = true\n"),
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    let one = address_of(&sb, 1);
    for args in [
        vec!["--config", cfg, "bench", "--ensemble", "prod"],
        // The same hosts by a connect string.
        vec!["--config", cfg, "bench", "--connect", &one],
    ] {
        let run = zkconsole_in(home.path(), &args).await;
        assert_eq!(run.code, 64, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("production ensemble \"prod\"") && run.stderr.contains("--yes"),
            "{}",
            run.stderr
        );
    }
    let run = zkconsole_in(home.path(), &["--read-only", "bench", "--connect", &one]).await;
    assert_eq!(run.code, 64, "{}", run.stderr);
    assert!(run.stderr.contains("--read-only"), "{}", run.stderr);
    // Refused runs wrote nothing, not even an audit line.
    assert!(audit_lines(home.path()).is_empty());
    let c = connect_session(&connect, TIMEOUT, None, &Default::default())
        .await
        .unwrap();
    assert_eq!(c.check_stat(zkconsole::bench::ROOT).await.unwrap(), None);
    // With --yes it runs.
    let run = zkconsole_in(
        home.path(),
        &[
            "--config",
            cfg,
            "bench",
            "--ensemble",
            "prod",
            "--yes",
            "--duration",
            "1",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("cleanup: every bench node deleted"),
        "{}",
        run.stdout
    );
    assert_eq!(audit_lines(home.path()).len(), 2);
}
