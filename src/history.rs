//! Metric history per member: fixed-size ring buffers (the oldest sample is overwritten), so
//! memory stays bounded however long the console runs. Rates are derived from counter deltas.

pub mod window;

use crate::ensemble::member::MemberSnapshot;
use ringbuf::traits::{Consumer, Observer, RingBuffer};
use ringbuf::HeapRb;
use std::time::Duration;

/// The series kept for every member, in the order the detail view shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Series {
    RequestsPerSec,
    LatencyAvg,
    Outstanding,
    Connections,
    ProbeMs,
    /// The member's load score (1.0 = a signal at its critical threshold).
    Load,
}

impl Series {
    pub const ALL: [Series; 6] = [
        Series::Load,
        Series::RequestsPerSec,
        Series::LatencyAvg,
        Series::Outstanding,
        Series::Connections,
        Series::ProbeMs,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Series::RequestsPerSec => "requests/s",
            Series::LatencyAvg => "latency avg ms",
            Series::Outstanding => "outstanding",
            Series::Connections => "connections",
            Series::ProbeMs => "probe round trip ms",
            Series::Load => "load score",
        }
    }
}

pub struct MemberHistory {
    /// Single precision: the series are drawn as sparklines and read as rounded figures, and
    /// a fleet keeps 6 x 600 of them per member (10 min at 1 s).
    series: Vec<HeapRb<f32>>,
    /// (packets_received, when) of the previous sample, for the request rate.
    last_counter: Option<(i64, std::time::Instant)>,
    capacity: usize,
    /// Cumulative counters of the last minutes, for the windowed figures.
    counters: window::CounterLog,
}

impl std::fmt::Debug for MemberHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemberHistory({} samples)", self.len())
    }
}

impl MemberHistory {
    /// Enough samples for `retention` at one sample per `refresh`.
    pub fn new(retention: Duration, refresh: Duration) -> Self {
        let capacity =
            (retention.as_millis() / refresh.as_millis().max(1)).clamp(2, 100_000) as usize;
        Self {
            series: Series::ALL.iter().map(|_| HeapRb::new(capacity)).collect(),
            last_counter: None,
            capacity,
            counters: window::CounterLog::default(),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.series[self.index(Series::RequestsPerSec)].occupied_len()
    }

    fn index(&self, s: Series) -> usize {
        Series::ALL.iter().position(|x| *x == s).unwrap_or(0)
    }

    /// Records the load score computed from the reading just recorded (it needs the windows
    /// that reading completes); a member without one records 0.
    pub fn record_load(&mut self, score: Option<f64>) {
        let i = self.index(Series::Load);
        self.series[i].push_overwrite(score.unwrap_or(0.0) as f32);
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records one probe. A member that did not answer records zeros for load and its probe
    /// time, so gaps are visible instead of silently bridged.
    pub fn record(&mut self, snap: &MemberSnapshot, now: std::time::Instant) -> Option<f64> {
        let rate = match (snap.metric_i64("packets_received"), self.last_counter) {
            (Some(c), Some((prev, at))) if c >= prev => {
                let dt = now.duration_since(at).as_secs_f64();
                (dt > 0.0).then(|| (c - prev) as f64 / dt)
            }
            _ => None,
        };
        self.last_counter = snap.metric_i64("packets_received").map(|c| (c, now));
        if snap.role.is_alive() {
            self.counters.push(now, window::Counters::of(snap));
        }
        let values = [
            (Series::RequestsPerSec, rate.unwrap_or(0.0)),
            (
                Series::LatencyAvg,
                snap.metric_f64("avg_latency").unwrap_or(0.0),
            ),
            (
                Series::Outstanding,
                snap.metric_f64("outstanding_requests").unwrap_or(0.0),
            ),
            (
                Series::Connections,
                snap.metric_f64("num_alive_connections").unwrap_or(0.0),
            ),
            (Series::ProbeMs, snap.probe_ms),
        ];
        for (s, v) in values {
            let i = self.index(s);
            self.series[i].push_overwrite(v as f32);
        }
        rate
    }

    /// Oldest first.
    pub fn values(&self, s: Series) -> Vec<f64> {
        self.series[self.index(s)]
            .iter()
            .map(|v| f64::from(*v))
            .collect()
    }

    /// Figures over the last 10 s, 60 s and 5 min, from the server's counters.
    pub fn windows(&self) -> window::Windows {
        self.counters.windows()
    }

    pub fn last(&self, s: Series) -> Option<f64> {
        self.values(s).last().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::member::{MetricValue, Metrics, Role};

    fn snap(packets: i64) -> MemberSnapshot {
        let mut metrics = Metrics::new();
        metrics.insert("packets_received".into(), MetricValue::Int(packets));
        MemberSnapshot {
            metrics,
            ..MemberSnapshot::voter_for_tests(1, Role::Follower)
        }
    }

    #[test]
    fn bounded_and_rates_from_deltas() {
        let mut h = MemberHistory::new(Duration::from_secs(3), Duration::from_secs(1));
        assert_eq!(h.capacity(), 3);
        let t0 = std::time::Instant::now();
        assert_eq!(h.record(&snap(100), t0), None);
        let r = h.record(&snap(150), t0 + Duration::from_secs(2)).unwrap();
        assert!((r - 25.0).abs() < 1e-9);
        for i in 0..10 {
            h.record(&snap(200 + i), t0 + Duration::from_secs(3 + i as u64));
        }
        assert_eq!(h.len(), 3);
        // A counter reset (restart) yields no negative rate.
        assert_eq!(h.record(&snap(5), t0 + Duration::from_secs(20)), None);
    }
}
