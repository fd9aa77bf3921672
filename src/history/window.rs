//! Figures over a recent window (10 s, 60 s, 5 min) from the server's cumulative counters.
//!
//! `zk_avg_latency`, `zk_avg_fsynctime` and friends are lifetime figures: reset only by `srst`
//! or a restart, they barely move during an incident on a member that has served for days.
//! The server also reports the counts behind them (3.6+ summaries: `sum_X` / `cnt_X`), so the
//! figure over a window is the difference of two readings: Δsum / Δcnt. Before 3.6 only the
//! running average and the packet count exist; the window is then estimated from
//! avg × count (`Basis::Estimated`), and says so.

use crate::ensemble::member::MemberSnapshot;
use serde::Serialize;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The windows the console shows beside the lifetime figures.
pub const SHORT: Duration = Duration::from_secs(10);
pub const LONG: Duration = Duration::from_secs(60);
/// Readings are kept every second this far back (past the 60 s window, with a margin).
const DENSE: Duration = Duration::from_secs(70);
/// Older readings (the 5 min window's) are kept at most this far apart.
const SPARSE_STEP: Duration = Duration::from_secs(10);
/// "Any election in the last 5 min" (the ZooKeeper monitoring guide's rule).
pub const ELECTIONS: Duration = Duration::from_secs(300);

/// A summary metric's running total and count (`sum_X`, `cnt_X`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    pub sum: f64,
    pub cnt: f64,
}

impl Summary {
    /// From the figures named `sum` and `cnt` (`sum_X`, `cnt_X`: spelled out rather than
    /// formatted, as this runs for every member every round).
    fn of(snap: &MemberSnapshot, sum: &str, cnt: &str) -> Option<Summary> {
        Some(Summary {
            sum: snap.metric_f64(sum)?,
            cnt: snap.metric_f64(cnt)?,
        })
    }

    fn plus(self, o: Summary) -> Summary {
        Summary {
            sum: self.sum + o.sum,
            cnt: self.cnt + o.cnt,
        }
    }
}

/// The cumulative counters of one reading; `None` where the server does not report them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Counters {
    /// Request latency: reads (pings included, as the server counts them) and updates. Their
    /// sum over both is exactly what `zk_avg_latency` averages (checked on 3.8 samples).
    pub reads: Option<Summary>,
    pub updates: Option<Summary>,
    /// Before 3.6: the lifetime average and the packets received behind it.
    pub avg_latency: Option<f64>,
    pub packets: Option<f64>,
    pub fsync: Option<Summary>,
    pub snapshot: Option<Summary>,
    pub election: Option<Summary>,
    /// `zk_fsync_threshold_exceed_count` (fsyncs slower than `fsync.warningthresholdms`).
    pub fsync_exceeded: Option<f64>,
}

impl Counters {
    pub fn of(snap: &MemberSnapshot) -> Counters {
        Counters {
            reads: Summary::of(snap, "sum_readlatency", "cnt_readlatency"),
            updates: Summary::of(snap, "sum_updatelatency", "cnt_updatelatency"),
            avg_latency: snap.metric_f64("avg_latency"),
            packets: snap.metric_f64("packets_received"),
            fsync: Summary::of(snap, "sum_fsynctime", "cnt_fsynctime"),
            snapshot: Summary::of(snap, "sum_snapshottime", "cnt_snapshottime"),
            election: Summary::of(snap, "sum_election_time", "cnt_election_time"),
            fsync_exceeded: snap.metric_f64("fsync_threshold_exceed_count"),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Counters::default()
    }

    fn latency(&self) -> Option<Summary> {
        Some(self.reads?.plus(self.updates?))
    }

    /// The counts that only grow while the process runs: one that fell means a restart or
    /// `srst`, and differences across that point mean nothing.
    fn monotonic(&self) -> [Option<f64>; 7] {
        [
            self.reads.map(|s| s.cnt),
            self.updates.map(|s| s.cnt),
            self.packets,
            self.fsync.map(|s| s.cnt),
            self.snapshot.map(|s| s.cnt),
            self.election.map(|s| s.cnt),
            self.fsync_exceeded,
        ]
    }

    fn restarted_since(&self, earlier: &Counters) -> bool {
        self.monotonic()
            .iter()
            .zip(earlier.monotonic())
            .any(|(now, then)| matches!((now, then), (Some(n), Some(t)) if *n < t))
    }
}

/// How a windowed latency was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// Δsum / Δcount of the server's summaries: exact (3.6+).
    Exact,
    /// (avg₂·n₂ − avg₁·n₁) / (n₂ − n₁) with n = packets received: an estimate (3.5, whose
    /// average is also rounded, and whose packet count includes connection requests).
    Estimated,
}

/// One summary over a window: how many events, their average, and time spent per second.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Timed {
    pub count: u64,
    /// Null when nothing happened in the window.
    pub avg_ms: Option<f64>,
    /// Milliseconds spent per second of wall time (Prometheus' `rate(X_sum)`).
    pub ms_per_s: f64,
}

fn timed(now: Option<Summary>, then: Option<Summary>, secs: f64) -> Option<Timed> {
    let (n, t) = (now?, then?);
    let (ds, dc) = (n.sum - t.sum, n.cnt - t.cnt);
    (dc >= 0.0 && ds >= 0.0).then(|| Timed {
        count: dc.round() as u64,
        avg_ms: (dc > 0.0).then(|| ds / dc),
        ms_per_s: ds / secs,
    })
}

/// Figures over one window. `span_s` is the time actually covered: shorter than asked right
/// after the console started or the member restarted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Window {
    pub window_s: u64,
    pub span_s: f64,
    /// Requests counted by the server in the window (the latency count).
    pub requests: Option<u64>,
    pub requests_per_s: Option<f64>,
    pub reads_per_s: Option<f64>,
    pub writes_per_s: Option<f64>,
    /// Average request latency over the window; null when no request completed.
    pub latency_avg_ms: Option<f64>,
    pub latency_basis: Option<Basis>,
    pub fsync: Option<Timed>,
    pub snapshot: Option<Timed>,
    pub election: Option<Timed>,
    pub fsync_threshold_exceeded: Option<u64>,
}

impl Window {
    /// The window covers less than 90 % of what was asked (too few readings yet).
    pub fn partial(&self) -> bool {
        self.span_s < self.window_s as f64 * 0.9
    }
}

/// The figures between two readings `secs` apart (`then` older than `now`).
pub fn between(then: &Counters, now: &Counters, secs: f64, window: Duration) -> Option<Window> {
    if secs <= 0.0 || now.restarted_since(then) {
        return None;
    }
    let latency = timed(now.latency(), then.latency(), secs);
    let per_s = |a: Option<Summary>, b: Option<Summary>| Some((a?.cnt - b?.cnt) / secs);
    let (requests, latency_avg_ms, basis) = match latency {
        Some(t) => (Some(t.count), t.avg_ms, Some(Basis::Exact)),
        None => match estimated(then, now) {
            Some((n, avg)) => (Some(n), avg, Some(Basis::Estimated)),
            None => (None, None, None),
        },
    };
    Some(Window {
        window_s: window.as_secs_f64().round() as u64,
        span_s: secs,
        requests,
        requests_per_s: requests.map(|n| n as f64 / secs),
        reads_per_s: per_s(now.reads, then.reads),
        writes_per_s: per_s(now.updates, then.updates),
        latency_avg_ms,
        latency_basis: basis,
        fsync: timed(now.fsync, then.fsync, secs),
        snapshot: timed(now.snapshot, then.snapshot, secs),
        election: timed(now.election, then.election, secs),
        fsync_threshold_exceeded: now
            .fsync_exceeded
            .zip(then.fsync_exceeded)
            .map(|(a, b)| (a - b).max(0.0).round() as u64),
    })
}

/// Requests and their average latency from the lifetime average and the packet count.
fn estimated(then: &Counters, now: &Counters) -> Option<(u64, Option<f64>)> {
    let (n1, n2) = (then.packets?, now.packets?);
    let (a1, a2) = (then.avg_latency?, now.avg_latency?);
    let dn = n2 - n1;
    if dn < 0.0 {
        return None;
    }
    let avg = (dn > 0.0).then(|| ((a2 * n2 - a1 * n1) / dn).max(0.0));
    Some((dn.round() as u64, avg))
}

/// Readings of one member, oldest first, kept for the longest window.
#[derive(Debug, Clone, Default)]
pub struct CounterLog {
    readings: VecDeque<(Instant, Counters)>,
}

/// The windowed figures the console shows for a member.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Windows {
    #[serde(rename = "10s")]
    pub short: Option<Window>,
    #[serde(rename = "60s")]
    pub long: Option<Window>,
    /// The last 5 min: elections ("any election in the last 5 min") and snapshot time.
    #[serde(rename = "5m")]
    pub five: Option<Window>,
}

impl Windows {
    pub fn is_known(&self) -> bool {
        self.short.is_some() || self.long.is_some()
    }

    /// Elections this member took part in during the last 5 min (null: not reported, or
    /// fewer than two readings).
    pub fn elections_5m(&self) -> Option<u64> {
        self.five.and_then(|w| w.election).map(|e| e.count)
    }
}

impl CounterLog {
    /// Adds a reading. A member that reported no counters (down, not serving) adds nothing;
    /// one whose counts fell (restart, `srst`) starts the log afresh.
    pub fn push(&mut self, at: Instant, c: Counters) {
        if c.is_empty() {
            return;
        }
        if self
            .readings
            .back()
            .is_some_and(|(t, last)| at <= *t || c.restarted_since(last))
        {
            self.readings.clear();
        }
        self.readings.push_back((at, c));
        // Keep one reading at or before the longest window's start.
        while self.readings.len() > 2 && at.duration_since(self.readings[1].0) >= ELECTIONS {
            self.readings.pop_front();
        }
        self.thin(at);
    }

    /// Past the 60 s window only the 5 min one reads the log, and it needs no reading every
    /// second: there one reading per `SPARSE_STEP` is kept (its start then moves by at most
    /// that; its figures are divided by the time actually covered). Per member this is ~95
    /// readings instead of ~300 — a thousand-member fleet holds ~70 MB less.
    fn thin(&mut self, now: Instant) {
        let mut i = 1;
        while i + 1 < self.readings.len() && now.duration_since(self.readings[i].0) > DENSE {
            // Dropped only while its neighbours stay within a step of each other.
            let around = self.readings[i + 1]
                .0
                .duration_since(self.readings[i - 1].0);
            if around <= SPARSE_STEP {
                self.readings.remove(i);
            } else {
                i += 1;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.readings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.readings.is_empty()
    }

    /// Figures over the last `span`: from the newest reading back to the newest one at least
    /// `span` older (or the oldest there is, for a shorter span).
    pub fn window(&self, span: Duration) -> Option<Window> {
        let (now_at, now) = self.readings.back()?;
        let (then_at, then) = self
            .readings
            .iter()
            .rev()
            .find(|(t, _)| now_at.duration_since(*t) >= span)
            .or_else(|| self.readings.front())?;
        let secs = now_at.duration_since(*then_at).as_secs_f64();
        between(then, now, secs, span)
    }

    pub fn windows(&self) -> Windows {
        Windows {
            short: self.window(SHORT),
            long: self.window(LONG),
            five: self.window(ELECTIONS),
        }
    }
}

/// Each member of `now` over the window since `then` (`elapsed` apart): the same member is
/// found by id, else by address. `None` for a member not read twice with counters.
pub fn across(
    then: &[MemberSnapshot],
    now: &[MemberSnapshot],
    elapsed: Duration,
) -> Vec<Option<Window>> {
    now.iter()
        .map(|m| {
            let earlier = then.iter().find(|t| match (t.id, m.id) {
                (Some(a), Some(b)) => a == b,
                _ => t.address == m.address,
            })?;
            let (a, b) = (Counters::of(earlier), Counters::of(m));
            if a.is_empty() || b.is_empty() || !m.role.is_alive() {
                return None;
            }
            between(&a, &b, elapsed.as_secs_f64(), elapsed)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::member::{MemberSnapshot, MetricValue, Metrics, Role};

    /// A snapshot from one of the recorded `mntr` replies in tests/fixtures.
    fn recorded(text: &str) -> MemberSnapshot {
        let mut metrics = Metrics::new();
        for line in text.lines() {
            let Some((k, v)) = line.split_once('\t') else {
                continue;
            };
            let k = k.trim_start_matches("zk_").to_string();
            let v = match (v.parse::<i64>(), v.parse::<f64>()) {
                (Ok(i), _) => MetricValue::Int(i),
                (_, Ok(f)) => MetricValue::Float(f),
                _ => continue,
            };
            metrics.insert(k, v);
        }
        MemberSnapshot {
            metrics,
            ..MemberSnapshot::voter_for_tests(1, Role::Follower)
        }
    }

    #[test]
    fn past_the_minute_the_log_keeps_a_reading_every_ten_seconds() {
        let t0 = Instant::now();
        let mut log = CounterLog::default();
        let at = |s: u64| t0 + Duration::from_secs(s);
        for s in 0..=400 {
            let c = Counters {
                packets: Some(s as f64 * 10.0),
                avg_latency: Some(1.0),
                ..Counters::default()
            };
            log.push(at(s), c);
        }
        assert!(log.len() < 110, "{} readings kept", log.len());
        let times: Vec<Instant> = log.readings.iter().map(|(t, _)| *t).collect();
        for w in times.windows(2) {
            assert!(w[1] - w[0] <= SPARSE_STEP);
        }
        // The last 70 s are whole: the 10 s and 60 s windows span exactly their length.
        assert!(times.contains(&at(400 - 70)));
        let covered = at(400)
            - *times
                .iter()
                .rev()
                .find(|t| at(400) - **t >= ELECTIONS)
                .unwrap();
        assert!(covered >= ELECTIONS && covered <= ELECTIONS + SPARSE_STEP);
        assert!(log.window(LONG).is_some() && log.window(ELECTIONS).is_some());
    }

    const LEADER: &str = include_str!("../../tests/fixtures/mntr_leader.txt");
    const FOLLOWER: &str = include_str!("../../tests/fixtures/mntr_follower.txt");

    /// `snap` with a summary advanced by `n` events of `ms` each.
    fn advance(snap: &MemberSnapshot, name: &str, n: i64, ms: i64) -> MemberSnapshot {
        let mut s = snap.clone();
        for (k, d) in [(format!("cnt_{name}"), n), (format!("sum_{name}"), n * ms)] {
            let v = s.metric_i64(&k).unwrap() + d;
            s.metrics.insert(k, MetricValue::Int(v));
        }
        s
    }

    #[test]
    fn the_recorded_lifetime_average_is_the_read_and_update_summaries() {
        // What makes the window exact: zk_avg_latency = Σsum / Σcnt of reads and updates.
        for text in [LEADER, FOLLOWER] {
            let s = recorded(text);
            let c = Counters::of(&s).latency().unwrap();
            let avg = s.metric_f64("avg_latency").unwrap();
            assert!((c.sum / c.cnt - avg).abs() < 1e-3, "{c:?} vs {avg}");
        }
    }

    #[test]
    fn known_deltas_give_known_windowed_figures() {
        let t0 = Instant::now();
        let s0 = recorded(FOLLOWER); // lifetime avg 7.33 ms over 12 requests
        let s1 = advance(
            &advance(&s0, "readlatency", 1000, 1),
            "updatelatency",
            10,
            5,
        );
        let s1 = advance(&advance(&s1, "fsynctime", 10, 3), "election_time", 0, 0);
        let mut log = CounterLog::default();
        log.push(t0, Counters::of(&s0));
        log.push(t0 + Duration::from_secs(10), Counters::of(&s1));
        let w = log.window(SHORT).unwrap();
        assert_eq!(w.requests, Some(1010));
        assert_eq!(w.latency_basis, Some(Basis::Exact));
        let want = (1000.0 + 50.0) / 1010.0;
        assert!((w.latency_avg_ms.unwrap() - want).abs() < 1e-9, "{w:?}");
        assert!((w.requests_per_s.unwrap() - 101.0).abs() < 1e-9);
        assert!((w.writes_per_s.unwrap() - 1.0).abs() < 1e-9);
        let f = w.fsync.unwrap();
        assert_eq!((f.count, f.avg_ms), (10, Some(3.0)));
        assert!((f.ms_per_s - 3.0).abs() < 1e-9);
        assert_eq!(w.election.unwrap().count, 0);
        assert_eq!(w.election.unwrap().avg_ms, None, "no election, no average");
        assert!(!w.partial());
        // The lifetime figure barely moved: that is why the window is shown beside it.
        let lifetime = (88.0 + 1050.0) / 1022.0;
        assert!((w.latency_avg_ms.unwrap() - lifetime).abs() > 0.0);
    }

    #[test]
    fn the_window_starts_at_the_newest_reading_old_enough() {
        let t0 = Instant::now();
        let mut s = recorded(LEADER);
        let mut log = CounterLog::default();
        // One reading a second for 100 s, 10 reads of 2 ms each per second; from 70 s on,
        // 10 reads of 20 ms.
        for i in 0..=100u64 {
            log.push(t0 + Duration::from_secs(i), Counters::of(&s));
            s = advance(&s, "readlatency", 10, if i >= 70 { 20 } else { 2 });
        }
        let short = log.window(SHORT).unwrap();
        assert_eq!(short.span_s, 10.0);
        assert_eq!(short.latency_avg_ms, Some(20.0));
        let long = log.window(LONG).unwrap();
        assert_eq!(long.span_s, 60.0);
        // 30 s at 20 ms, 30 s at 2 ms.
        assert!(
            (long.latency_avg_ms.unwrap() - 11.0).abs() < 1e-9,
            "{long:?}"
        );
        // The log keeps what the 5-minute window needs, no more.
        assert!(log.len() <= 302);
    }

    #[test]
    fn a_restart_starts_the_windows_afresh_and_a_silent_member_adds_nothing() {
        let t0 = Instant::now();
        let s = recorded(LEADER);
        let mut log = CounterLog::default();
        log.push(t0, Counters::of(&s));
        let busy = advance(&s, "readlatency", 500, 1);
        log.push(t0 + Duration::from_secs(5), Counters::of(&busy));
        log.push(t0 + Duration::from_secs(6), Counters::default());
        assert_eq!(log.len(), 2);
        // Restarted: counts back near zero. No negative rate, no window across the restart.
        let fresh = recorded("zk_cnt_readlatency\t3\nzk_sum_readlatency\t3\nzk_cnt_updatelatency\t0\nzk_sum_updatelatency\t0\n");
        log.push(t0 + Duration::from_secs(7), Counters::of(&fresh));
        assert_eq!(log.len(), 1);
        assert_eq!(log.window(SHORT), None);
        let later = advance(&fresh, "readlatency", 4, 2);
        log.push(t0 + Duration::from_secs(9), Counters::of(&later));
        let w = log.window(SHORT).unwrap();
        assert!(w.partial(), "2 s of a 10 s window: {w:?}");
        assert_eq!((w.requests, w.latency_avg_ms), (Some(4), Some(2.0)));
    }

    #[test]
    fn before_3_6_the_window_is_estimated_from_average_and_packets() {
        let t0 = Instant::now();
        let mk = |avg: f64, packets: i64| {
            let mut m = Metrics::new();
            m.insert("avg_latency".into(), MetricValue::Float(avg));
            m.insert("packets_received".into(), MetricValue::Int(packets));
            let mut s = recorded("");
            s.metrics = m;
            s
        };
        let mut log = CounterLog::default();
        // 100 requests at 10 ms, then 100 more at 2 ms: lifetime 6 ms, window 2 ms.
        log.push(t0, Counters::of(&mk(10.0, 100)));
        log.push(t0 + Duration::from_secs(10), Counters::of(&mk(6.0, 200)));
        let w = log.window(SHORT).unwrap();
        assert_eq!(w.latency_basis, Some(Basis::Estimated));
        assert_eq!(w.requests, Some(100));
        assert!((w.latency_avg_ms.unwrap() - 2.0).abs() < 1e-9);
        assert_eq!(w.fsync, None, "not reported, not invented");
    }

    #[test]
    fn elections_in_the_last_five_minutes() {
        let t0 = Instant::now();
        let s = recorded(FOLLOWER);
        let mut log = CounterLog::default();
        log.push(t0, Counters::of(&s));
        let after = advance(&s, "election_time", 1, 400);
        log.push(t0 + Duration::from_secs(30), Counters::of(&after));
        log.push(t0 + Duration::from_secs(200), Counters::of(&after));
        assert_eq!(log.windows().elections_5m(), Some(1));
        log.push(t0 + Duration::from_secs(340), Counters::of(&after));
        assert_eq!(
            log.windows().elections_5m(),
            Some(0),
            "the election is 5 min old"
        );
    }
}
