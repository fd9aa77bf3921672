//! Every server version in use: each version's `mntr` and `srvr` of a leader (shapes from
//! the apache/zookeeper source at the release tags, see tests/fixtures/versions/README.md)
//! parse into the same typed fields.

use zkconsole::probe::parse::{learner_counts, parse_mntr, parse_srvr, Reply};
use zkconsole::probe::types::{MetricValue, ServerMode};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/versions/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const VERSIONS: [&str; 4] = ["3.5", "3.6", "3.7", "3.9"];

#[test]
fn mntr_of_every_version_gives_role_latency_and_learners() {
    for v in VERSIONS {
        let Reply::Ok(m) = parse_mntr(&fixture(&format!("{v}_mntr_leader.txt"))).unwrap() else {
            panic!("{v}: not Ok")
        };
        assert_eq!(
            m.get("server_state"),
            Some(&MetricValue::Text("leader".into())),
            "{v}"
        );
        let avg = m.get("avg_latency").and_then(MetricValue::as_f64);
        assert!(avg.is_some_and(|a| a >= 0.0), "{v}: {avg:?}");
        assert_eq!(learner_counts(&m), (Some(2), Some(2)), "{v}");
        let version = m.get("version").map(|x| x.to_string()).unwrap_or_default();
        assert!(version.starts_with(v), "{v}: {version}");
    }
}

#[test]
fn version_differences_are_the_real_ones() {
    let m = |v: &str| match parse_mntr(&fixture(&format!("{v}_mntr_leader.txt"))).unwrap() {
        Reply::Ok(m) => m,
        _ => unreachable!(),
    };
    // 3.5: integer average, followers instead of learners, no summary metrics.
    let m35 = m("3.5");
    assert_eq!(m35["avg_latency"], MetricValue::Int(2));
    assert!(m35.contains_key("followers") && !m35.contains_key("learners"));
    assert!(!m35.keys().any(|k| k.starts_with("p99_")));
    // 3.6+: floating average, learners, summary metrics; 3.9 adds the restore metrics.
    for v in ["3.6", "3.7", "3.9"] {
        let x = m(v);
        assert!(matches!(x["avg_latency"], MetricValue::Float(_)), "{v}");
        assert!(x.contains_key("p99_proposal_latency"), "{v}");
        assert_eq!(x.contains_key("restore_error_count"), v == "3.9", "{v}");
    }
    assert!(!m("3.6").contains_key("throttled_ops"));
    assert!(m("3.7").contains_key("throttled_ops"));
}

#[test]
fn srvr_of_every_version_gives_mode_zxid_and_latency() {
    for v in VERSIONS {
        let Reply::Ok(s) = parse_srvr(&fixture(&format!("{v}_srvr_leader.txt"))).unwrap() else {
            panic!("{v}: not Ok")
        };
        assert_eq!(s.mode, Some(ServerMode::Leader), "{v}");
        assert_eq!(s.zxid, Some(0x100000008), "{v}");
        assert_eq!(
            (s.latency_min, s.latency_max),
            (Some(0.0), Some(6.0)),
            "{v}"
        );
        assert!(s.latency_avg.is_some(), "{v}");
        assert_eq!(s.node_count, Some(8), "{v}");
        assert!(
            s.version.as_deref().is_some_and(|x| x.starts_with(v)),
            "{v}"
        );
    }
}

/// A snapshot of a serving member built from a version's real `mntr` fixture.
fn member_from(
    v: &str,
    id: u64,
    role: zkconsole::ensemble::member::Role,
) -> zkconsole::ensemble::member::MemberSnapshot {
    let Reply::Ok(metrics) = parse_mntr(&fixture(&format!("{v}_mntr_leader.txt"))).unwrap() else {
        panic!("{v}: not Ok")
    };
    zkconsole::ensemble::member::MemberSnapshot {
        id: Some(id),
        address: format!("127.0.0.1:{}", 2180 + id),
        role,
        mode: None,
        voting: Some(true),
        zxid: None,
        metrics,
        source: zkconsole::ensemble::member::MetricsSource::Mntr,
        probe_ms: 1.0,
        error: None,
        hint: None,
        zab: None,
    }
}

#[test]
fn each_member_shows_its_version_and_a_mix_warns() {
    use zkconsole::ensemble::member::Role;
    use zkconsole::ensemble::observation::{ConfigSource, Observation};
    use zkconsole::ensemble::versions::{member_version, mixed_versions};
    for (v, want) in [
        ("3.5", "3.5.10"),
        ("3.6", "3.6.4"),
        ("3.7", "3.7.2"),
        ("3.9", "3.9.3"),
    ] {
        let m = member_from(v, 1, Role::Leader);
        assert_eq!(member_version(&m).as_deref(), Some(want), "{v}");
    }
    let members = vec![
        member_from("3.5", 1, Role::Leader),
        member_from("3.5", 2, Role::Follower),
        member_from("3.9", 3, Role::Follower),
    ];
    let refs: Vec<_> = members.iter().collect();
    let warning = mixed_versions(&refs).expect("a mix of versions warns");
    assert_eq!(
        warning,
        "members run different versions: 1,2 3.5.10; 3 3.9.3 — a rolling upgrade in progress?"
    );
    let thresholds = zkconsole::config::Thresholds::default();
    let health = zkconsole::health::summarize(None, &members, &thresholds);
    assert!(health.problems.contains(&warning), "{:?}", health.problems);
    let obs = Observation {
        config: None,
        config_source: ConfigSource::None,
        members,
        elapsed: std::time::Duration::from_millis(5),
    };
    let report = zkconsole::report::StatusReport::new("t", &obs, &health);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["members"][0]["version"], "3.5.10");
    assert_eq!(json["members"][2]["version"], "3.9.3");
    let text = report.to_text();
    assert!(text.contains("versions 1,2 3.5.10; 3 3.9.3"), "{text}");
    assert!(text.contains(&warning), "{text}");
    // One version everywhere: no warning, a plain line.
    let same = vec![
        member_from("3.9", 1, Role::Leader),
        member_from("3.9", 2, Role::Follower),
    ];
    let health = zkconsole::health::summarize(None, &same, &thresholds);
    assert!(!health
        .problems
        .iter()
        .any(|p| p.contains("different versions")));
}
