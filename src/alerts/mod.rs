//! Threshold rules: which figure of a member each metric reads, and which levels it breaches.

pub mod hysteresis;

use crate::config::{Level, Metric, Thresholds};
use crate::ensemble::member::{MemberSnapshot, Role};
use crate::history::window::Windows;
use serde::Serialize;

/// Transactions a member is behind the leader. Zxids of one epoch count transactions. Across
/// epochs they do not compare, except for a member that serves under the current leader
/// (`synced`): it was brought up to date before it served, so it holds everything of the
/// earlier epochs and misses exactly the new epoch's transactions, the leader's low 32 bits.
/// Right after an election (leader at `<epoch>00000000`, followers still showing the old
/// epoch until the first write) that is 0, not unknown.
pub fn zxid_lag(member: u64, leader: u64, synced: bool) -> Option<u64> {
    let (member_epoch, leader_epoch) = (member >> 32, leader >> 32);
    if member_epoch == leader_epoch {
        Some(leader.saturating_sub(member))
    } else if synced && member_epoch < leader_epoch {
        Some(leader & 0xffff_ffff)
    } else {
        None
    }
}

/// The value a threshold is checked against, if the member reported it. Windowed metrics
/// need figures over a window: see `signal_value`.
pub fn metric_value(
    snap: &MemberSnapshot,
    metric: Metric,
    leader_zxid: Option<u64>,
) -> Option<f64> {
    signal_value(snap, None, metric, leader_zxid)
}

/// As `metric_value`, with the member's windowed figures when they are known.
pub fn signal_value(
    snap: &MemberSnapshot,
    windows: Option<&Windows>,
    metric: Metric,
    leader_zxid: Option<u64>,
) -> Option<f64> {
    if metric.windowed() {
        // A silent member's windows end at its last answer: they are not "now".
        return windowed_value(windows.filter(|_| snap.role.is_alive())?, metric);
    }
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
        // A silent member's zxid is the one it last had: its lag now is unknown.
        Metric::ZxidLag if !snap.role.is_alive() => None,
        Metric::ZxidLag => {
            zxid_lag(snap.zxid?, leader_zxid?, snap.role.synced_with_leader()).map(|l| l as f64)
        }
        Metric::ProbeMs => snap.role.is_alive().then_some(snap.probe_ms),
        Metric::FsyncAvgMs => snap.metric_f64("avg_fsynctime"),
        Metric::Watches => snap.metric_f64("watch_count"),
        Metric::OpenFds => snap.metric_f64("open_file_descriptor_count"),
        Metric::Znodes => snap.metric_f64("znode_count"),
        Metric::DataSizeMb => snap
            .metric_f64("approximate_data_size")
            .map(|b| b / (1024.0 * 1024.0)),
        Metric::PendingSyncs => snap.metric_f64("pending_syncs"),
        Metric::FollowersUnsynced => followers_unsynced(snap),
        Metric::LatencyWindowMs
        | Metric::FsyncMsPerSec
        | Metric::SnapshotMsPerSec
        | Metric::Elections5m => None,
    }
}

fn windowed_value(w: &Windows, metric: Metric) -> Option<f64> {
    match metric {
        Metric::LatencyWindowMs => w.short?.latency_avg_ms,
        Metric::FsyncMsPerSec => w.long?.fsync.map(|f| f.ms_per_s),
        Metric::SnapshotMsPerSec => w.five?.snapshot.map(|f| f.ms_per_s),
        Metric::Elections5m => w.elections_5m().map(|n| n as f64),
        _ => None,
    }
}

/// The leader's count of voters it does not have as synced followers. `zk_quorum_size` is the
/// number of voters (3.6+); `zk_synced_followers` counts non-voting followers too.
fn followers_unsynced(snap: &MemberSnapshot) -> Option<f64> {
    if snap.role != Role::Leader {
        return None;
    }
    let voters = snap.metric_f64("quorum_size")?;
    let synced = snap.metric_f64("synced_followers")?
        - snap
            .metric_f64("synced_non_voting_followers")
            .unwrap_or(0.0);
    Some((voters - 1.0 - synced).max(0.0))
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
    breaches_with(snap, None, t, leader_zxid)
}

/// As `breaches`, with the windowed metrics when the member's windows are known.
pub fn breaches_with(
    snap: &MemberSnapshot,
    windows: Option<&Windows>,
    t: &Thresholds,
    leader_zxid: Option<u64>,
) -> Vec<Breach> {
    Metric::ALL
        .iter()
        .filter_map(|&metric| {
            let value = signal_value(snap, windows, metric, leader_zxid)?;
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
    use crate::ensemble::member::{MetricValue, MetricsSource};

    fn leader(metrics: &[(&str, i64)]) -> MemberSnapshot {
        MemberSnapshot {
            id: Some(1),
            address: "a:1".into(),
            role: Role::Leader,
            mode: None,
            voting: Some(true),
            zxid: None,
            metrics: metrics
                .iter()
                .map(|(k, v)| (k.to_string(), MetricValue::Int(*v)))
                .collect(),
            source: MetricsSource::Mntr,
            probe_ms: 1.0,
            error: None,
            hint: None,
            zab: None,
        }
    }

    #[test]
    fn the_presets_figures_read_from_the_recorded_keys() {
        let s = leader(&[
            ("quorum_size", 5),
            ("synced_followers", 3),
            ("synced_non_voting_followers", 1),
            ("approximate_data_size", 3 * 1024 * 1024),
            ("open_file_descriptor_count", 51),
            ("pending_syncs", 0),
        ]);
        // 5 voters: 4 followers expected, 2 voting ones synced.
        assert_eq!(metric_value(&s, Metric::FollowersUnsynced, None), Some(2.0));
        assert_eq!(metric_value(&s, Metric::DataSizeMb, None), Some(3.0));
        assert_eq!(metric_value(&s, Metric::OpenFds, None), Some(51.0));
        let mut f = s.clone();
        f.role = Role::Follower;
        assert_eq!(metric_value(&f, Metric::FollowersUnsynced, None), None);
        // Windowed metrics need windows; without them they are unknown, never 0.
        assert_eq!(metric_value(&s, Metric::LatencyWindowMs, None), None);
    }

    #[test]
    fn lag_only_within_an_epoch() {
        for synced in [true, false] {
            assert_eq!(zxid_lag(0x1_0000_0005, 0x1_0000_0008, synced), Some(3));
            assert_eq!(zxid_lag(0x1_0000_0009, 0x1_0000_0008, synced), Some(0));
        }
        // A member that is not known to have synced: across epochs nothing can be said.
        assert_eq!(zxid_lag(0x1_0000_0008, 0x2_0000_0000, false), None);
        assert_eq!(zxid_lag(0x1_0000_0008, 0x2_0000_0003, false), None);
        // A follower of the new leader: in sync after the election, then behind by the
        // new epoch's transactions it has not applied.
        assert_eq!(zxid_lag(0x1_0000_0008, 0x2_0000_0000, true), Some(0));
        assert_eq!(zxid_lag(0x1_0000_0008, 0x2_0000_0003, true), Some(3));
        // A member ahead of the leader's figure (read a moment apart) is not "behind".
        assert_eq!(zxid_lag(0x3_0000_0001, 0x2_0000_0003, true), None);
    }
}
