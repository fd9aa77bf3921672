use super::*;
use std::time::{Duration, SystemTime};

fn t(s: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s)
}

fn ev(s: u64, level: Level, text: &str) -> Entry {
    Entry {
        at: t(s),
        level,
        source: Source::Event,
        text: text.into(),
    }
}

fn member(id: u64, role: &str, lat: Option<f64>) -> MemberFigures {
    MemberFigures {
        id: Some(id),
        address: format!("127.0.0.1:218{id}"),
        role: role.into(),
        latency_ms: lat,
        latency_windowed: true,
        max_latency_ms: lat.map(|l| l * 2.0),
        outstanding: lat.map(|_| 0.0),
        connections: lat.map(|_| 3.0),
        requests_per_s: None,
        load: lat.map(|l| l / 100.0),
        driver: lat.map(|_| "latency_window_ms".into()),
    }
}

fn line(s: u64, leader: Option<u64>, live: usize, lat: f64) -> FigureLine {
    FigureLine {
        at_ms: figures::millis(t(s)),
        level: if live < 2 { "critical" } else { "ok" }.into(),
        leader,
        voters: 3,
        live_voters: live,
        has_quorum: live >= 2,
        load: Some(lat / 100.0),
        members: vec![
            member(1, "follower", Some(lat)),
            member(2, if leader.is_some() { "leader" } else { "down" }, None),
            member(3, "follower", Some(1.0)),
        ],
    }
}

fn report(entries: Vec<Entry>, figures: Vec<FigureLine>) -> Report {
    Report::new(
        "prod",
        t(100),
        t(400),
        jiff::tz::TimeZone::UTC,
        entries,
        figures,
        After::Live(line(400, Some(3), 3, 2.0)),
    )
}

#[test]
fn the_timeline_is_in_time_order_with_times_and_only_the_window() {
    let r = report(
        vec![
            ev(300, Level::Ok, "leader elected: member 3 (was 2)"),
            ev(50, Level::Warn, "before the window"),
            ev(200, Level::Critical, "leader member 2 lost; no leader"),
            Entry {
                at: t(250),
                level: Level::Ok,
                source: Source::Audit,
                text: "host-start member 2 (h): ok".into(),
            },
            ev(200, Level::Warn, "member 2 lost: down"),
            ev(500, Level::Ok, "after the window"),
        ],
        vec![],
    );
    let md = render(&r);
    let rows: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("## Timeline"))
        .filter(|l| l.starts_with("| 20"))
        .collect();
    assert_eq!(rows.len(), 4, "{md}");
    assert!(rows[0].starts_with(
        "| 2027-01-15T08:03:20.000+00:00 | **CRITICAL** | event | leader member 2 lost"
    ));
    assert!(
        rows[1].contains("member 2 lost: down"),
        "same time: recorded order"
    );
    assert!(rows[2].contains("| audit | host-start member 2 (h): ok"));
    assert!(rows[3].contains("08:05:00.000"));
    assert!(!md.contains("before the window") && !md.contains("after the window"));
    for section in ["## State before", "## State after", "## Timeline"] {
        assert!(md.contains(section), "{section}\n{md}");
    }
}

#[test]
fn hostile_text_cannot_break_the_markdown() {
    let hostile = "boom | `code` \n# heading\n<script>x</script> [a](http://x) \\| *b* ```";
    let r = report(vec![ev(200, Level::Critical, hostile)], vec![]);
    let md = render(&r);
    let row = md
        .lines()
        .find(|l| l.contains("boom"))
        .expect("one line for the event");
    // Still one table row of four cells: every pipe inside is escaped.
    let unescaped = row
        .char_indices()
        .filter(|(i, c)| *c == '|' && (*i == 0 || row.as_bytes()[i - 1] != b'\\'))
        .count();
    assert_eq!(unescaped, 5, "{row}");
    assert!(!md.lines().any(|l| l.starts_with("# heading")), "{md}");
    assert!(
        !row.contains("<script>") && row.contains("\\<script\\>"),
        "{row}"
    );
    assert!(
        !row.contains(" `code`") && row.contains("\\`code\\`"),
        "{row}"
    );
    assert!(
        row.contains("\\\\\\|"),
        "a backslash before a pipe stays literal: {row}"
    );
    assert_eq!(md.matches("```").count() % 2, 0, "code fences balanced");
    assert_eq!(md_cell("a\r\nb\tc"), "a ⏎ b c");
}

#[test]
fn the_worst_moment_and_sparklines_come_from_the_figures() {
    let figures = vec![
        line(90, Some(2), 3, 1.0),
        line(110, Some(2), 3, 2.0),
        line(200, None, 1, 50.0),
        line(210, None, 1, 80.0),
        line(300, Some(3), 2, 4.0),
    ];
    let r = report(vec![], figures);
    assert_eq!(
        r.before.as_ref().unwrap().at(),
        t(90),
        "the last before the window"
    );
    assert_eq!(r.figures.len(), 4);
    let md = render(&r);
    let worst = md
        .split("## Members at the worst moment")
        .nth(1)
        .expect("a worst-moment section");
    assert!(
        worst.contains("2027-01-15T08:03:30.000+00:00"),
        "no quorum and highest load: {worst}"
    );
    assert!(
        worst.contains("quorum lost") && worst.contains("80.0 (10 s)"),
        "{worst}"
    );
    let spark = md.split("```text\n").nth(1).unwrap();
    let lat1 = spark
        .lines()
        .find(|l| l.starts_with("member 1 latency ms"))
        .unwrap();
    assert!(
        lat1.contains('█') && lat1.contains('▁') && lat1.ends_with("max 80.0"),
        "{lat1}"
    );
    let down2 = spark
        .lines()
        .find(|l| l.starts_with("member 2 latency ms"))
        .unwrap();
    assert!(down2.contains('·'), "a silent member shows as ·: {down2}");
    assert!(
        md.contains("State before\n\nAt 2027-01-15T08:01:30.000+00:00"),
        "{md}"
    );
}

#[test]
fn sparklines_scale_and_mark_gaps() {
    let (s, max) = sparkline(&[
        Cell::Value(0.0),
        Cell::Value(4.0),
        Cell::Value(8.0),
        Cell::Missing,
        Cell::Silent,
    ]);
    assert_eq!(s, "▁▅█ ·");
    assert_eq!(max, Some(8.0));
    assert_eq!(sparkline(&[Cell::Value(0.0), Cell::Value(0.0)]).0, "▁▁");
    let cells = spark::bucket(
        &[
            (0, Cell::Value(1.0)),
            (4, Cell::Value(3.0)),
            (9, Cell::Silent),
        ],
        0,
        9,
        2,
    );
    assert_eq!(cells, [Cell::Value(3.0), Cell::Silent]);
}

#[test]
fn audit_lines_become_entries_of_their_ensemble_only() {
    let v: serde_json::Value = serde_json::json!({
        "phase": "result", "op": "1", "time": "2027-01-15T08:05:00Z", "user": "ops",
        "auth": null, "ensemble": "prod", "action": "reconfig", "path": "/zookeeper/config",
        "before": null, "after": null, "expected_version": "0x100000000",
        "new_version": "0x100000003", "result": "ok"
    });
    let e = audit_entry(&v, "prod").unwrap();
    assert_eq!(e.at, t(300));
    assert_eq!(
        e.text,
        "reconfig /zookeeper/config: ok; new version 0x100000003"
    );
    assert!(audit_entry(&v, "other").is_none());
    let mut i = v.clone();
    i["phase"] = "intent".into();
    i["result"] = "pending".into();
    let e = audit_entry(&i, "prod").unwrap();
    assert!(e.text.contains("intent by ops") && e.text.contains("expected version 0x100000000"));
    let mut f = v;
    f["result"] = "error: BadVersion".into();
    assert_eq!(audit_entry(&f, "prod").unwrap().level, Level::Warn);
}
