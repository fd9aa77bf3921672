//! Warn/critical thresholds per metric. Every metric here is "higher is worse".

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Server-side average request latency (ms).
    LatencyAvgMs,
    /// Server-side max request latency (ms) since the last reset.
    LatencyMaxMs,
    /// p99 read latency (ms), 3.6+.
    LatencyP99Ms,
    /// Requests queued but not yet processed.
    Outstanding,
    /// Client connections on this member.
    Connections,
    /// Open file descriptors as a percentage of the limit.
    FdPercent,
    /// Transactions this member is behind the leader.
    ZxidLag,
    /// The console's own probe round trip (ms).
    ProbeMs,
    /// Average fsync time of the transaction log (ms): a slow disk.
    FsyncAvgMs,
    /// Watches on this member.
    Watches,
    /// Average request latency over the last 10 s (ms), from the server's counters: what
    /// the lifetime `latency_avg_ms` hides during an incident.
    LatencyWindowMs,
    /// Time spent in fsync per second over the last 60 s (ms/s): Prometheus'
    /// `rate(fsynctime_sum[1m])`.
    #[serde(rename = "fsync_ms_per_s")]
    FsyncMsPerSec,
    /// Time spent taking snapshots per second over the last 5 min (ms/s).
    #[serde(rename = "snapshot_ms_per_s")]
    SnapshotMsPerSec,
    /// Open file descriptors (a count; `fd_percent` is the share of the limit).
    OpenFds,
    /// Znodes in the data tree.
    Znodes,
    /// Approximate size of the data tree (MiB).
    DataSizeMb,
    /// Elections this member took part in during the last 5 min.
    #[serde(rename = "elections_5m")]
    Elections5m,
    /// Client `sync` calls waiting on the leader.
    PendingSyncs,
    /// Voters the leader does not count as synced followers: (voters − 1) − synced.
    FollowersUnsynced,
}

impl Metric {
    pub const ALL: [Metric; 19] = [
        Metric::LatencyAvgMs,
        Metric::LatencyMaxMs,
        Metric::LatencyP99Ms,
        Metric::Outstanding,
        Metric::Connections,
        Metric::FdPercent,
        Metric::ZxidLag,
        Metric::ProbeMs,
        Metric::FsyncAvgMs,
        Metric::Watches,
        Metric::LatencyWindowMs,
        Metric::FsyncMsPerSec,
        Metric::SnapshotMsPerSec,
        Metric::OpenFds,
        Metric::Znodes,
        Metric::DataSizeMb,
        Metric::Elections5m,
        Metric::PendingSyncs,
        Metric::FollowersUnsynced,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Metric::LatencyAvgMs => "latency_avg_ms",
            Metric::LatencyMaxMs => "latency_max_ms",
            Metric::LatencyP99Ms => "latency_p99_ms",
            Metric::Outstanding => "outstanding",
            Metric::Connections => "connections",
            Metric::FdPercent => "fd_percent",
            Metric::ZxidLag => "zxid_lag",
            Metric::ProbeMs => "probe_ms",
            Metric::FsyncAvgMs => "fsync_avg_ms",
            Metric::Watches => "watches",
            Metric::LatencyWindowMs => "latency_window_ms",
            Metric::FsyncMsPerSec => "fsync_ms_per_s",
            Metric::SnapshotMsPerSec => "snapshot_ms_per_s",
            Metric::OpenFds => "open_fds",
            Metric::Znodes => "znodes",
            Metric::DataSizeMb => "data_size_mb",
            Metric::Elections5m => "elections_5m",
            Metric::PendingSyncs => "pending_syncs",
            Metric::FollowersUnsynced => "followers_unsynced",
        }
    }

    /// Read from figures over a window (the console's history, `status --window`), not from
    /// one reading.
    pub fn windowed(self) -> bool {
        matches!(
            self,
            Metric::LatencyWindowMs
                | Metric::FsyncMsPerSec
                | Metric::SnapshotMsPerSec
                | Metric::Elections5m
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warn,
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Threshold {
    pub warn: Option<f64>,
    pub critical: Option<f64>,
}

impl Threshold {
    pub fn level(&self, value: f64) -> Level {
        if self.critical.is_some_and(|c| value >= c) {
            Level::Critical
        } else if self.warn.is_some_and(|w| value >= w) {
            Level::Warn
        } else {
            Level::Ok
        }
    }
}

/// One level of a threshold as a file gives it: absent keys leave the layer below alone.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PartialThreshold {
    pub warn: Option<f64>,
    pub critical: Option<f64>,
}

/// A partial threshold table, as a file gives it.
pub type Layer = BTreeMap<Metric, PartialThreshold>;

fn apply(levels: &mut BTreeMap<Metric, Threshold>, layer: &Layer) {
    for (m, p) in layer {
        let e = levels.entry(*m).or_default();
        if p.warn.is_some() {
            e.warn = p.warn;
        }
        if p.critical.is_some() {
            e.critical = p.critical;
        }
    }
}

/// The thresholds in force: the compiled defaults, under a preset if one is chosen, under
/// the user's `[thresholds]` (a partial table changes only the metrics and levels it names).
#[derive(Debug, Clone)]
pub struct Thresholds {
    levels: BTreeMap<Metric, Threshold>,
    /// What the user's file named, kept so a preset chosen in the same file goes under it.
    given: Layer,
}

/// Thresholds are equal when they judge every value alike, however they were written.
impl PartialEq for Thresholds {
    fn eq(&self, other: &Self) -> bool {
        self.levels == other.levels
    }
}

impl Thresholds {
    pub fn get(&self, m: Metric) -> Option<&Threshold> {
        self.levels.get(&m)
    }

    pub fn level(&self, m: Metric, value: f64) -> Level {
        self.get(m).map_or(Level::Ok, |t| t.level(value))
    }

    /// The compiled defaults, then `preset`, then what the user's file named.
    pub fn layered(&self, preset: Option<&Layer>) -> Thresholds {
        let mut levels = Thresholds::default().levels;
        if let Some(p) = preset {
            apply(&mut levels, p);
        }
        apply(&mut levels, &self.given);
        Thresholds {
            levels,
            given: self.given.clone(),
        }
    }

    pub fn validate(&self) -> Result<(), (String, String)> {
        for (m, t) in &self.levels {
            if let (Some(w), Some(c)) = (t.warn, t.critical) {
                if w > c {
                    return Err((
                        m.key().to_string(),
                        format!("warn ({w}) is above critical ({c})"),
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        let t = |w: f64, c: f64| Threshold {
            warn: Some(w),
            critical: Some(c),
        };
        Thresholds {
            levels: BTreeMap::from([
                (Metric::LatencyAvgMs, t(50.0, 200.0)),
                (Metric::LatencyMaxMs, t(1000.0, 5000.0)),
                (Metric::LatencyP99Ms, t(100.0, 500.0)),
                (Metric::Outstanding, t(10.0, 100.0)),
                (Metric::Connections, t(500.0, 1000.0)),
                (Metric::FdPercent, t(70.0, 90.0)),
                (Metric::ZxidLag, t(1000.0, 10000.0)),
                (Metric::ProbeMs, t(500.0, 1000.0)),
                (Metric::FsyncAvgMs, t(50.0, 250.0)),
                (Metric::Watches, t(100_000.0, 1_000_000.0)),
                (Metric::LatencyWindowMs, t(50.0, 200.0)),
                (Metric::FsyncMsPerSec, t(100.0, 500.0)),
                (Metric::SnapshotMsPerSec, t(100.0, 500.0)),
                (Metric::OpenFds, t(5_000.0, 20_000.0)),
                (Metric::Znodes, t(1_000_000.0, 5_000_000.0)),
                (Metric::DataSizeMb, t(1024.0, 4096.0)),
                (Metric::PendingSyncs, t(10.0, 100.0)),
                // Elections and unsynced followers are health, not load: the preset
                // `zookeeper-monitoring` sets them; by default the problems list says it.
            ]),
            given: Layer::new(),
        }
    }
}

impl<'de> Deserialize<'de> for Thresholds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let given = Layer::deserialize(d)?;
        let mut levels = Thresholds::default().levels;
        apply(&mut levels, &given);
        Ok(Thresholds { levels, given })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_the_name_the_config_file_uses() {
        for m in Metric::ALL {
            let parsed: Metric = serde_json::from_value(serde_json::json!(m.key())).unwrap();
            assert_eq!(parsed, m);
            assert_eq!(serde_json::to_value(m).unwrap(), m.key());
        }
    }

    #[test]
    fn levels() {
        let t = Threshold {
            warn: Some(10.0),
            critical: Some(100.0),
        };
        assert_eq!(t.level(9.9), Level::Ok);
        assert_eq!(t.level(10.0), Level::Warn);
        assert_eq!(t.level(100.0), Level::Critical);
        let only_warn = Threshold {
            warn: Some(1.0),
            critical: None,
        };
        assert_eq!(only_warn.level(1e9), Level::Warn);
    }
}
