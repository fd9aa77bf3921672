//! Load and capacity against real sandboxes: windowed figures from the servers' counters,
//! the load score and the advice in `status --json`.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;
mod synthetic;

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
    eprintln!(
        "lifetime before {a1} ms over {l1} requests, after {a2} ms over {l2}; \
         window {windowed:.4} ms over {n} requests in {secs:.2} s"
    );
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

/// `status --json` with a config whose `toml` is given, in a fresh home.
async fn status_with(config: &str, connect: &str, extra: &[&str]) -> serde_json::Value {
    let home = tempfile::tempdir().expect("tempdir");
    let dir = home.path().join("config/zkconsole");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), config).unwrap();
    let mut args = vec!["status", "--connect", connect, "--json"];
    args.extend_from_slice(extra);
    let run = common::zkconsole_in(home.path(), &args).await;
    assert!(run.code < 3, "exit {}: {}", run.code, run.stderr);
    run.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_json_gives_each_members_load_its_driver_the_window_and_the_advice() {
    let sb = healthy_sandbox(3).await;
    let connect = sb.connect_string();
    // Connections weigh in against a low critical level: 8 sessions on member 2 make it
    // the busiest, driven by connections.
    // Latencies are left out: on a loaded machine a JVM's first sessions can take long
    // enough to lead on their own.
    let config = "[thresholds.connections]\nwarn = 5\ncritical = 10\n\
                  [load.weights]\nprobe_ms = 0.0\nlatency_avg_ms = 0.0\n\
                  latency_p99_ms = 0.0\nlatency_window_ms = 0.0\nfsync_avg_ms = 0.0\n";
    let mut sessions = Vec::new();
    for _ in 0..8 {
        let c = connect_session(&address_of(&sb, 2), TIMEOUT, None, &Default::default())
            .await
            .expect("session on member 2");
        sessions.push(c);
    }
    let r = status_with(config, &connect, &[]).await;
    for m in r["members"].as_array().unwrap() {
        let l = &m["load"];
        assert!(l["score"].as_f64().is_some_and(|s| s >= 0.0), "{m:#}");
        assert!(l["driver"].as_str().is_some_and(|d| !d.is_empty()), "{m:#}");
        assert!(m["window"].is_null(), "one look has no window: {m:#}");
    }
    let two = common::row_by_id(&r, 2);
    assert_eq!(two["load"]["driver"], "connections", "{two:#}");
    let score = two["load"]["score"].as_f64().unwrap();
    // 8 sessions, plus the probe's own connection while it asks.
    assert!((0.8..=1.2).contains(&score), "{two:#}");
    assert_eq!(r["load"]["member"], 2, "{:#}", r["load"]);
    assert_eq!(r["load"]["score"].as_f64(), Some(score));
    assert_eq!(r["load"]["driver"], "connections");
    assert_eq!(
        r["advice"],
        serde_json::json!([]),
        "3 voters, minimum 1: nothing to say"
    );

    // Fewer sessions, a lower score: the score follows the signal.
    sessions.truncate(2);
    drop(sessions);
    let r = status_with(config, &connect, &["--window", "2"]).await;
    let two = common::row_by_id(&r, 2);
    assert!(two["load"]["score"].as_f64().unwrap() < score, "{two:#}");
    for m in r["members"].as_array().unwrap() {
        let w = &m["window"];
        assert_eq!(w["window_s"], 2, "{m:#}");
        assert!(w["span_s"].as_f64().unwrap() >= 2.0, "{m:#}");
        assert!(w["requests"].as_u64().is_some(), "{m:#}");
    }

    // A minimum the membership does not meet: the advice says so, with its numbers.
    let r = status_with("[advisor]\nmin_tolerance = 2\n", &connect, &[]).await;
    let advice = r["advice"].as_array().unwrap();
    assert_eq!(advice.len(), 1, "{advice:#?}");
    assert_eq!(advice[0]["kind"], "add-voters");
    assert!(advice[0]["text"]
        .as_str()
        .unwrap()
        .starts_with("add 2 voters"));
    assert_eq!(advice[0]["evidence"]["numbers"]["voters"], 3.0);
    assert_eq!(advice[0]["evidence"]["numbers"]["tolerance"], 1.0);
    sb.down().await.expect("sandbox down");
}

// ---------------------------------------------------------------------------------------------
// The console at 80×24 (synthetic readings, ratatui's TestBackend)

use zkconsole::app::{Msg, State};
use zkconsole::probe::types::Role;
use zkconsole::ui::theme::{Slot, Themes};

fn screen(s: &State) -> (Vec<String>, ratatui::buffer::Buffer) {
    let b = synthetic::drawn(s, 80, 24);
    (synthetic::buffer_lines(&b), b)
}

#[test]
fn the_dashboard_shows_each_members_load_and_the_busiest_with_its_driver_at_80x24() {
    let mut s = synthetic::state(false, false);
    // Outstanding 95 of a critical 100: load 0.95, the warn style; the others idle.
    let round = [
        synthetic::snap(1, Role::Follower, 95),
        synthetic::snap(2, Role::Follower, 0),
        synthetic::snap(3, Role::Leader, 0),
    ];
    synthetic::feed(&mut s, &round);
    synthetic::feed(&mut s, &round);
    let (lines, buf) = screen(&s);
    let text = lines.join("\n");
    let header = lines
        .iter()
        .find(|l| l.contains(" ID "))
        .expect("table header");
    assert!(header.contains("LOAD"), "{text}");
    assert!(text.contains("load 0.95 m1 outstanding"), "{text}");
    let row = lines
        .iter()
        .position(|l| l.contains("127.0.0.1:2181"))
        .unwrap();
    let byte = lines[row].find("0.95").expect("member 1's load in its row");
    let x = lines[row][..byte].chars().count() as u16;
    let themes = Themes::load(None);
    assert_eq!(
        buf[(x, row as u16)].style().fg,
        themes.get("dark").style(Slot::Warn).fg,
        "0.95 is near the critical level: warn style\n{text}"
    );
    assert!(
        lines.last().unwrap().trim_end().ends_with("? help"),
        "{text}"
    );
}

#[test]
fn an_even_voter_count_puts_the_advice_on_the_problems_line_and_its_evidence_in_the_list() {
    let mut s = synthetic::state(false, false);
    synthetic::live_membership(
        &mut s,
        &format!(
            "{}server.4=127.0.0.1:2891:3891:participant;127.0.0.1:2184\n",
            synthetic::CONFIG.replace("version=100000000\n", "")
        ),
    );
    let round: Vec<_> = (1..=4)
        .map(|id| {
            synthetic::snap(
                id,
                if id == 3 {
                    Role::Leader
                } else {
                    Role::Follower
                },
                0,
            )
        })
        .collect();
    synthetic::feed(&mut s, &round);
    synthetic::feed(&mut s, &round);
    assert!(s.health.problems.is_empty(), "{:?}", s.health.problems);
    let (lines, _) = screen(&s);
    let text = lines.join("\n");
    assert!(
        text.contains("➜ advice: an even number of voters (4)"),
        "{text}"
    );
    s.update(Msg::Key(zkconsole::app::keys::KeyInput::ch('p')));
    let (lines, _) = screen(&s);
    let flat = lines
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains("scaling advice"), "{flat}");
    // The evidence, wrapped in the list: the signal and the figures.
    assert!(flat.contains("[membership:"), "{flat}");
    assert!(flat.contains("tolerance 1, min_tolerance 1]"), "{flat}");
}

#[test]
fn the_member_detail_shows_the_windowed_figures_beside_the_lifetime_ones_labelled() {
    use zkconsole::probe::member::ProbeTarget;
    use zkconsole::probe::types::MetricValue;
    let mut s = synthetic::state(false, false);
    let t0 = Instant::now();
    // 100 reads of 10 ms, then 1000 reads of 0.5 ms in 10 s: lifetime 1.36 ms, window 0.5.
    for (i, (cnt, sum)) in [(100, 1000), (1100, 1500)].into_iter().enumerate() {
        for id in 1..=3u64 {
            let mut sn = synthetic::snap(
                id,
                if id == 3 {
                    Role::Leader
                } else {
                    Role::Follower
                },
                0,
            );
            for (k, v) in [
                ("cnt_readlatency", cnt),
                ("sum_readlatency", sum),
                ("cnt_updatelatency", 0),
                ("sum_updatelatency", 0),
            ] {
                sn.metrics.insert(k.into(), MetricValue::Int(v));
            }
            sn.metrics.insert(
                "avg_latency".into(),
                MetricValue::Float(sum as f64 / cnt as f64),
            );
            s.update(Msg::Probed {
                gen: 0,
                target: ProbeTarget {
                    verify_id: false,
                    tls: None,
                    id: Some(id),
                    address: sn.address.clone(),
                    admin_url: None,
                },
                snap: Box::new(sn),
                at: t0 + Duration::from_secs(10 * i as u64),
            });
        }
    }
    s.update(Msg::Key(zkconsole::app::keys::KeyInput::plain(
        zkconsole::app::keys::KeyCode::Enter,
    )));
    let (lines, _) = screen(&s);
    let text = lines.join("\n");
    assert!(
        text.contains("window") && text.contains("10s") && text.contains("lifetime"),
        "{text}"
    );
    let lat = lines
        .iter()
        .find(|l| l.contains("lat ms"))
        .unwrap_or_else(|| panic!("no latency row:\n{text}"));
    let figures: Vec<&str> = lat
        .split("lat ms")
        .nth(1)
        .unwrap()
        .split(|c: char| c.is_whitespace() || c == '│')
        .filter(|w| !w.is_empty())
        .collect();
    assert_eq!(&figures[..3], &["0.50", "0.50", "1.4"], "{lat}");
    let req = lines.iter().find(|l| l.contains("req/s")).unwrap();
    assert!(req.contains("100"), "1000 requests in 10 s: {req}");
    assert!(text.contains("load score"), "{text}");
}

#[test]
fn advice_that_starts_is_an_event_and_advice_seen_at_start_up_is_not() {
    let four = format!(
        "{}server.4=127.0.0.1:2891:3891:participant;127.0.0.1:2184\nversion=100000001\n",
        synthetic::CONFIG.replace("version=100000000\n", "")
    );
    let round: Vec<_> = (1..=4)
        .map(|id| {
            synthetic::snap(
                id,
                if id == 3 {
                    Role::Leader
                } else {
                    Role::Follower
                },
                0,
            )
        })
        .collect();
    let advice_events = |s: &State| {
        s.events
            .newest()
            .filter(|e| e.text.starts_with("advice: "))
            .count()
    };
    // Four voters from the start: the advice is shown, but it is no news.
    let mut s = synthetic::state(false, false);
    synthetic::live_membership(&mut s, &four);
    synthetic::feed(&mut s, &round);
    synthetic::feed(&mut s, &round);
    assert_eq!(s.load.advice.len(), 1);
    assert_eq!(advice_events(&s), 0);
    // Three voters, then a fourth joins: the advice starts, once.
    let mut s = synthetic::state(false, false);
    synthetic::feed(&mut s, &round[..3]);
    assert!(s.load.advice.is_empty());
    synthetic::live_membership(&mut s, &four);
    synthetic::feed(&mut s, &round);
    synthetic::feed(&mut s, &round);
    assert_eq!(
        advice_events(&s),
        1,
        "{:?}",
        s.events.newest().collect::<Vec<_>>()
    );
}
