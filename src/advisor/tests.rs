//! The advisor over synthetic time series: one reading every 10 s.

use super::*;

const STEP: Duration = Duration::from_secs(10);

fn member(id: u64, load: f64, connections: f64) -> MemberReading {
    MemberReading {
        id: Some(id),
        serving: true,
        load: Some(load),
        driver: Some("latency_window_ms"),
        connections: Some(connections),
    }
}

fn reading(voters: usize, observers: usize, loads: &[f64]) -> Reading {
    Reading {
        members: loads
            .iter()
            .enumerate()
            .map(|(i, l)| member(i as u64 + 1, *l, 10.0))
            .collect(),
        voters,
        observers,
        reads_per_s: Some(900.0),
        writes_per_s: Some(100.0),
    }
}

/// Feeds `series` (one reading per STEP) and returns the advice after each.
fn run(series: &[Reading], cfg: &AdvisorConfig) -> Vec<Vec<Advice>> {
    let t0 = Instant::now();
    let mut a = Advisor::default();
    series
        .iter()
        .enumerate()
        .map(|(i, r)| a.observe(t0 + STEP * i as u32, r, cfg))
        .collect()
}

fn has(advice: &[Advice], k: Kind) -> bool {
    advice.iter().any(|a| a.kind == k)
}

/// A deterministic pseudo-random sequence in [0, 1).
fn lcg(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*seed >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn high_load_everywhere_for_ten_minutes_suggests_an_observer_with_its_evidence() {
    let cfg = AdvisorConfig::default();
    let series: Vec<Reading> = (0..100)
        .map(|_| reading(3, 0, &[0.9, 0.85, 0.95]))
        .collect();
    let out = run(&series, &cfg);
    // 10 min = 60 readings after the first.
    assert!(!has(&out[59], Kind::AddObserver));
    assert!(has(&out[60], Kind::AddObserver), "{:?}", out[60]);
    let a = out[99]
        .iter()
        .find(|a| a.kind == Kind::AddObserver)
        .unwrap();
    assert!(a.evidence.signal.contains("latency_window_ms"), "{a:?}");
    assert_eq!(a.evidence.held_s, 990);
    assert!(a
        .evidence
        .numbers
        .contains(&("lowest_member_load".to_string(), 0.85)));
    assert!(a.line().contains("for 16 min"), "{}", a.line());
    assert!(a.text.contains("writes do not"), "{}", a.text);
}

#[test]
fn one_quiet_member_means_no_observer() {
    let cfg = AdvisorConfig::default();
    let series: Vec<Reading> = (0..200).map(|_| reading(3, 0, &[0.9, 0.5, 0.95])).collect();
    assert!(run(&series, &cfg)
        .iter()
        .all(|a| !has(a, Kind::AddObserver)));
}

#[test]
fn a_load_hovering_at_the_level_neither_enters_early_nor_flaps() {
    let cfg = AdvisorConfig::default(); // enter 0.8 for 10 min, clear below 0.7
                                        // Dips below 0.8 every 5 min: never 10 min above, never advised.
    let dipping: Vec<Reading> = (0..300)
        .map(|i| {
            let l = if i % 30 == 0 { 0.79 } else { 0.9 };
            reading(3, 0, &[l, l, l])
        })
        .collect();
    assert!(run(&dipping, &cfg)
        .iter()
        .all(|a| !has(a, Kind::AddObserver)));
    // Once advised, dips to 0.75 (above the clear level) keep it; 0.65 ends it.
    let mut s: Vec<Reading> = (0..61).map(|_| reading(3, 0, &[0.9; 3])).collect();
    s.extend((0..60).map(|i| {
        let l = if i % 2 == 0 { 0.75 } else { 0.85 };
        reading(3, 0, &[l; 3])
    }));
    s.push(reading(3, 0, &[0.65, 0.9, 0.9]));
    let out = run(&s, &cfg);
    assert!(out[60..121].iter().all(|a| has(a, Kind::AddObserver)));
    assert!(!has(&out[121], Kind::AddObserver));
}

#[test]
fn property_an_observer_is_only_ever_advised_after_ten_minutes_at_high_load() {
    let cfg = AdvisorConfig::default();
    let need = (cfg.high_minutes * 60 / STEP.as_secs()) as usize;
    for seed in 0..40u64 {
        let mut s = seed;
        // Long runs at one level, so entering happens in some series.
        let mut level = 0.5;
        let series: Vec<Reading> = (0..400)
            .map(|_| {
                if lcg(&mut s) < 0.02 {
                    level = 0.5 + lcg(&mut s) * 0.6;
                }
                let loads: Vec<f64> = (0..3).map(|_| level + lcg(&mut s) * 0.1).collect();
                reading(3, 0, &loads)
            })
            .collect();
        let out = run(&series, &cfg);
        let min_at = |i: usize| {
            series[i]
                .members
                .iter()
                .filter_map(|m| m.load)
                .fold(f64::INFINITY, f64::min)
        };
        for i in 1..out.len() {
            let now = has(&out[i], Kind::AddObserver);
            let before = has(&out[i - 1], Kind::AddObserver);
            if now && !before {
                assert!(i >= need, "seed {seed}: advised at reading {i}");
                assert!(
                    (i - need..=i).all(|j| min_at(j) >= cfg.high_load),
                    "seed {seed}: advised at {i} without 10 min at high load"
                );
            }
            if before && !now {
                assert!(
                    min_at(i) < cfg.high_clear,
                    "seed {seed}: cleared at {i} above clear"
                );
            }
            if before && now {
                assert!(
                    min_at(i) >= cfg.high_clear,
                    "seed {seed}: kept at {i} below clear"
                );
            }
        }
    }
}

#[test]
fn property_shrinking_is_never_suggested_below_the_tolerance_minimum() {
    for min_tolerance in 0..=3usize {
        let cfg = AdvisorConfig {
            min_tolerance,
            ..AdvisorConfig::default()
        };
        let floor = 2 * min_tolerance + 1;
        for voters in 1..=9usize {
            for observers in 0..=2usize {
                let series: Vec<Reading> = (0..400)
                    .map(|_| reading(voters, observers, &vec![0.01; voters + observers]))
                    .collect();
                let out = run(&series, &cfg);
                let advised = out.iter().flatten().filter(|a| a.kind == Kind::Shrink);
                let mut any = false;
                for a in advised {
                    any = true;
                    assert!(
                        voters > floor || observers > 0,
                        "{voters}+{observers}: {a:?}"
                    );
                    let target = a
                        .evidence
                        .numbers
                        .iter()
                        .find(|(k, _)| k == "min_voters")
                        .unwrap()
                        .1;
                    assert_eq!(target as usize, floor);
                    // The text never names fewer voters than the floor.
                    if observers == 0 {
                        assert!(
                            a.text.contains(&format!("could become {floor}")),
                            "{}",
                            a.text
                        );
                    }
                }
                if voters > floor || observers > 0 {
                    assert!(
                        any,
                        "{voters}+{observers} (min {min_tolerance}): low for 66 min"
                    );
                }
            }
        }
    }
}

#[test]
fn shrinking_needs_the_low_load_to_last() {
    let cfg = AdvisorConfig::default(); // 60 min below 0.1
    let mut s: Vec<Reading> = (0..600).map(|_| reading(5, 0, &[0.05; 5])).collect();
    // One busy reading at 200 (33 min in) restarts the clock: 60 min = 360 readings after.
    s[200] = reading(5, 0, &[0.05, 0.05, 0.3, 0.05, 0.05]);
    let out = run(&s, &cfg);
    let first = out.iter().position(|a| has(a, Kind::Shrink)).unwrap();
    assert_eq!(first, 201 + 360);
}

#[test]
fn voters_below_the_minimum_and_even_counts() {
    let cfg = AdvisorConfig::default(); // min tolerance 1
    let one = structural(&reading(1, 0, &[0.1]), &cfg);
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].kind, Kind::AddVoters);
    assert!(one[0].text.starts_with("add 2 voters"), "{}", one[0].text);
    let two = structural(&reading(2, 0, &[0.1; 2]), &cfg);
    assert_eq!(two[0].kind, Kind::AddVoters, "2 voters survive nothing");
    let four = structural(&reading(4, 0, &[0.1; 4]), &cfg);
    assert_eq!(four[0].kind, Kind::FixEvenVoters);
    assert!(four[0].text.contains("remove one"), "{}", four[0].text);
    // With a minimum of 1 failure... 4 → 3 keeps it; with a minimum of 2, 4 is too few.
    let strict = AdvisorConfig {
        min_tolerance: 2,
        ..AdvisorConfig::default()
    };
    let four = structural(&reading(4, 0, &[0.1; 4]), &strict);
    assert_eq!(four[0].kind, Kind::AddVoters);
    assert!(four[0].text.starts_with("add 1 voter:"), "{}", four[0].text);
    let six = structural(&reading(6, 0, &[0.1; 6]), &strict);
    assert_eq!(six[0].kind, Kind::FixEvenVoters);
    assert!(six[0].text.contains("remove one"), "{}", six[0].text);
    assert!(structural(&reading(3, 0, &[0.1; 3]), &cfg).is_empty());
    assert!(structural(&reading(5, 2, &[0.1; 7]), &cfg).is_empty());
}

#[test]
fn one_member_far_busier_points_at_the_connection_balance() {
    let cfg = AdvisorConfig::default(); // 3×, at least 30, for 10 min
    let mk = |c1: f64| Reading {
        members: vec![
            member(1, 0.3, c1),
            member(2, 0.1, 20.0),
            member(3, 0.1, 25.0),
        ],
        voters: 3,
        ..Reading::default()
    };
    let series: Vec<Reading> = (0..70).map(|_| mk(300.0)).collect();
    let out = run(&series, &cfg);
    assert!(!has(&out[59], Kind::ConnectionBalance));
    let a = out[60]
        .iter()
        .find(|a| a.kind == Kind::ConnectionBalance)
        .unwrap();
    assert!(
        a.text.starts_with("member 1 holds 300 connections"),
        "{}",
        a.text
    );
    assert!(a.text.ends_with("see clients (c)"), "{}", a.text);
    assert!(a
        .evidence
        .numbers
        .contains(&("others_median".to_string(), 25.0)));
    // Evenly spread, or too few to matter: nothing.
    let even: Vec<Reading> = (0..100).map(|_| mk(30.0)).collect();
    assert!(run(&even, &cfg)
        .iter()
        .all(|a| !has(a, Kind::ConnectionBalance)));
    let few = Reading {
        members: vec![
            member(1, 0.1, 12.0),
            member(2, 0.1, 1.0),
            member(3, 0.1, 1.0),
        ],
        voters: 3,
        ..Reading::default()
    };
    let few: Vec<Reading> = (0..100).map(|_| few.clone()).collect();
    assert!(run(&few, &cfg)
        .iter()
        .all(|a| !has(a, Kind::ConnectionBalance)));
}
