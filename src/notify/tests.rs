use super::*;
use crate::config::notify::NotifyRule;
use proptest::prelude::*;
use std::time::{Duration, Instant};

fn at(s: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s)
}

fn rule(on: &[NotifyOn], interval: u64) -> NotifyRule {
    NotifyRule {
        on: on.to_vec(),
        command: "page".into(),
        min_interval_s: interval,
        timeout_s: 10,
    }
}

fn kinds(n: &Option<Notice>) -> Vec<&'static str> {
    n.as_ref().map(|n| n.kinds.clone()).unwrap_or_default()
}

#[test]
fn the_models_texts_classify() {
    let mut c = Classifier::default();
    let n = c.classify(
        at(0),
        Level::Critical,
        "member 2 CRITICAL outstanding = 500.0",
    );
    assert_eq!(kinds(&n), ["critical"]);
    let n = n.unwrap();
    assert_eq!(
        (n.member, n.metric, n.value),
        (Some(2), Some("outstanding"), Some(500.0))
    );
    // A warn breach is not news for a pager.
    assert_eq!(
        c.classify(at(1), Level::Warn, "member 1 warn outstanding = 20.0"),
        None
    );
    // The recovery of the critical one is; of the warn one it is not.
    let r = c.classify(
        at(2),
        Level::Ok,
        "member 2 outstanding recovered to ok (0.0)",
    );
    assert_eq!(kinds(&r), ["recovery"]);
    assert_eq!(r.unwrap().value, Some(0.0));
    assert_eq!(
        c.classify(
            at(3),
            Level::Ok,
            "member 1 outstanding recovered to ok (0.0)"
        ),
        None
    );
    // Told once: the same recovery again is not a recovery.
    assert_eq!(
        c.classify(
            at(4),
            Level::Ok,
            "member 2 outstanding recovered to ok (0.0)"
        ),
        None
    );
    let lost = c.classify(at(5), Level::Critical, "leader member 3 lost; no leader");
    assert_eq!(kinds(&lost), ["critical"]);
    let q = c.classify(at(6), Level::Critical, "quorum lost");
    assert_eq!(kinds(&q), ["critical", "quorum_loss"]);
    let e = c.classify(at(7), Level::Warn, "leader elected: member 2 (was 3)");
    assert_eq!(kinds(&e), ["recovery", "election"]);
    assert_eq!(e.unwrap().member, Some(2), "the new leader first");
    let back = c.classify(at(8), Level::Ok, "quorum restored");
    assert_eq!(kinds(&back), ["recovery"]);
    // An election with no leader-loss before it (a leader moved) is an election only.
    let e = c.classify(at(9), Level::Warn, "leader elected: member 1 (was 2)");
    assert_eq!(kinds(&e), ["election"]);
    // Anything else critical (a roll halted) is critical, with nothing to recover.
    let h = c.classify(at(10), Level::Critical, "rolling restart halted: gate");
    assert_eq!(kinds(&h), ["critical"]);
    assert_eq!(
        c.classify(at(11), Level::Ok, "member 3 back: follower"),
        None
    );
}

#[test]
fn a_breach_that_ends_with_its_member_silent_is_not_a_recovery() {
    let mut c = Classifier::default();
    c.classify(
        at(0),
        Level::Critical,
        "member 1 CRITICAL latency_avg_ms = 300.0",
    );
    assert_eq!(
        c.classify(
            at(1),
            Level::Ok,
            "member 1 latency_avg_ms no longer reported"
        ),
        None
    );
    assert_eq!(
        c.classify(
            at(2),
            Level::Ok,
            "member 1 latency_avg_ms recovered to ok (1.0)"
        ),
        None,
        "closed when the member went silent"
    );
}

#[test]
fn hostile_text_is_only_carried_never_parsed_into_fields() {
    let mut c = Classifier::default();
    let text = "member 7 CRITICAL not_a_metric = `rm -rf /` | \n";
    let n = c.classify(at(0), Level::Critical, text).unwrap();
    assert_eq!(n.metric, None);
    assert_eq!(n.text, text);
    let line = Payload {
        ensemble: "e\"vil",
        notice: &n,
        leader: None,
        has_quorum: false,
        suppressed: 0,
        suppressed_events: &[],
        rule: "page",
    }
    .to_json_line();
    let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
    assert_eq!(v["text"], text);
    assert_eq!(v["ensemble"], "e\"vil");
    assert_eq!(v["kinds"][0], "critical");
    assert_eq!(v["level"], "critical");
    assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1, "one line");
}

#[test]
fn a_rule_runs_once_per_interval_and_sends_the_newest_held_after() {
    let rules = [
        rule(&[NotifyOn::Critical, NotifyOn::Election], 300),
        rule(&[NotifyOn::Recovery], 0),
    ];
    let mut l = Limiter::new(&rules);
    let mut c = Classifier::default();
    let t0 = Instant::now();
    let lost = c
        .classify(at(0), Level::Critical, "leader member 3 lost; no leader")
        .unwrap();
    let sent = l.offer(&lost, t0);
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].rule, sent[0].suppressed), (0, 0));
    let elected = c
        .classify(at(1), Level::Warn, "leader elected: member 2 (was 3)")
        .unwrap();
    let sent = l.offer(&elected, t0 + Duration::from_secs(1));
    // The recovery rule has no interval: it runs; the first rule holds the election.
    assert_eq!(sent.iter().map(|d| d.rule).collect::<Vec<_>>(), [1]);
    assert_eq!(l.pending(), 1);
    assert!(l.due(t0 + Duration::from_secs(299)).is_empty());
    let later = l.due(t0 + Duration::from_secs(300));
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].notice.text, "leader elected: member 2 (was 3)");
    assert_eq!(later[0].suppressed, 0, "it stands for itself only");
    assert_eq!(l.pending(), 0);
    assert!(l.due(t0 + Duration::from_secs(10_000)).is_empty());
}

#[test]
fn a_storm_pages_once_then_once_more_with_the_count() {
    let mut l = Limiter::new(&[rule(&[NotifyOn::Critical], 60)]);
    let t0 = Instant::now();
    let mut c = Classifier::default();
    let mut sent = Vec::new();
    for i in 0..100u64 {
        let n = c
            .classify(
                at(i),
                Level::Critical,
                &format!("member {} CRITICAL outstanding = {i}.0", i % 5),
            )
            .unwrap();
        sent.extend(l.offer(&n, t0 + Duration::from_millis(i * 100)));
    }
    assert_eq!(sent.len(), 1, "one page for the storm");
    let tail = l.due(t0 + Duration::from_secs(60));
    assert_eq!(tail.len(), 1);
    assert_eq!(
        tail[0].suppressed, 98,
        "the 99 held: the newest sent, 98 folded"
    );
    assert_eq!(tail[0].suppressed_events.len(), HELD_LISTED);
    assert!(tail[0].notice.text.contains("= 99.0"));
}

fn notice_strategy() -> impl Strategy<Value = (u64, u8)> {
    // (milliseconds after the previous notice, which kind)
    (0u64..200_000, 0u8..4)
}

proptest! {
    /// Whatever the arrival times: runs of one rule are at least its interval apart, and
    /// every matching notice is sent or counted in a later run once the interval has passed.
    #[test]
    fn runs_are_spaced_and_nothing_is_lost(
        steps in proptest::collection::vec(notice_strategy(), 1..60),
        interval in 0u64..120,
    ) {
        let rules = [rule(&[NotifyOn::Critical], interval), rule(&[NotifyOn::Election], interval)];
        let mut l = Limiter::new(&rules);
        let t0 = Instant::now();
        let mut now = t0;
        let mut offered = [0u32; 2];
        let mut runs: Vec<(usize, Instant, u32)> = Vec::new();
        for (gap, kind) in steps {
            now += Duration::from_millis(gap);
            for d in l.due(now) {
                runs.push((d.rule, now, d.suppressed));
            }
            let (level, text) = match kind {
                0 => (Level::Critical, "quorum lost".to_string()),
                1 => (Level::Warn, "leader elected: member 1".to_string()),
                2 => (Level::Critical, "member 1 CRITICAL outstanding = 1.0".to_string()),
                _ => (Level::Ok, "member 1 back: follower".to_string()),
            };
            let mut c = Classifier::default();
            if let Some(n) = c.classify(at(0), level, &text) {
                for (i, r) in rules.iter().enumerate() {
                    if r.on.iter().any(|o| n.on.contains(o)) {
                        offered[i] += 1;
                    }
                }
                for d in l.offer(&n, now) {
                    runs.push((d.rule, now, d.suppressed));
                }
            }
        }
        now += Duration::from_secs(interval + 1);
        for d in l.due(now) {
            runs.push((d.rule, now, d.suppressed));
        }
        for (i, _) in rules.iter().enumerate() {
            let mine: Vec<_> = runs.iter().filter(|r| r.0 == i).collect();
            for w in mine.windows(2) {
                prop_assert!(w[1].1.duration_since(w[0].1) >= Duration::from_secs(interval));
            }
            let told: u32 = mine.iter().map(|r| r.2 + 1).sum();
            prop_assert_eq!(told, offered[i]);
        }
        prop_assert_eq!(l.pending(), 0);
    }
}
