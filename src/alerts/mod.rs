//! Threshold rules: which figure of a member each metric reads, and which levels it breaches.

pub mod hysteresis;

use crate::config::{Level, Metric, Thresholds};
use crate::probe::member::MemberSnapshot;
use serde::Serialize;

/// Zxids of one epoch count transactions; across epochs they do not compare (right after an
/// election the new leader shows `<epoch>00000000` while followers still show the old epoch).
pub fn zxid_lag(member: u64, leader: u64) -> Option<u64> {
    (member >> 32 == leader >> 32).then(|| leader.saturating_sub(member))
}

/// The value a threshold is checked against, if the member reported it.
pub fn metric_value(
    snap: &MemberSnapshot,
    metric: Metric,
    leader_zxid: Option<u64>,
) -> Option<f64> {
    match metric {
        Metric::LatencyAvgMs => snap.metric_f64("avg_latency"),
        Metric::LatencyMaxMs => snap.metric_f64("max_latency"),
        Metric::LatencyP99Ms => {
            let r = snap.metric_f64("p99_readlatency");
            let u = snap.metric_f64("p99_updatelatency");
            match (r, u) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            }
        }
        Metric::Outstanding => snap.metric_f64("outstanding_requests"),
        Metric::Connections => snap.metric_f64("num_alive_connections"),
        Metric::FdPercent => {
            let open = snap.metric_f64("open_file_descriptor_count")?;
            let max = snap.metric_f64("max_file_descriptor_count")?;
            (max > 0.0).then(|| open * 100.0 / max)
        }
        Metric::ZxidLag => zxid_lag(snap.zxid?, leader_zxid?).map(|l| l as f64),
        Metric::ProbeMs => snap.role.is_alive().then_some(snap.probe_ms),
        Metric::FsyncAvgMs => snap.metric_f64("avg_fsynctime"),
        Metric::Watches => snap.metric_f64("watch_count"),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breach {
    pub metric: Metric,
    pub value: f64,
    pub level: Level,
}

impl std::fmt::Display for Breach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.level {
            Level::Critical => "critical",
            Level::Warn => "warn",
            Level::Ok => "ok",
        };
        write!(f, "{} {} = {:.1}", level, self.metric.key(), self.value)
    }
}

/// Every threshold this member is at or above right now.
pub fn breaches(snap: &MemberSnapshot, t: &Thresholds, leader_zxid: Option<u64>) -> Vec<Breach> {
    Metric::ALL
        .iter()
        .filter_map(|&metric| {
            let value = metric_value(snap, metric, leader_zxid)?;
            let level = t.level(metric, value);
            (level > Level::Ok).then_some(Breach {
                metric,
                value,
                level,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_only_within_an_epoch() {
        assert_eq!(zxid_lag(0x1_0000_0005, 0x1_0000_0008), Some(3));
        assert_eq!(zxid_lag(0x1_0000_0008, 0x2_0000_0000), None);
        assert_eq!(zxid_lag(0x1_0000_0009, 0x1_0000_0008), Some(0));
    }
}
