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
}

impl Metric {
    pub const ALL: [Metric; 10] = [
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
        }
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

/// A partial `[thresholds]` table changes only the metrics (and levels) it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds(BTreeMap<Metric, Threshold>);

impl Thresholds {
    pub fn get(&self, m: Metric) -> Option<&Threshold> {
        self.0.get(&m)
    }

    pub fn level(&self, m: Metric, value: f64) -> Level {
        self.get(m).map_or(Level::Ok, |t| t.level(value))
    }

    pub fn validate(&self) -> Result<(), (String, String)> {
        for (m, t) in &self.0 {
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
        Thresholds(BTreeMap::from([
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
        ]))
    }
}

impl<'de> Deserialize<'de> for Thresholds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        #[serde(default, deny_unknown_fields)]
        struct Partial {
            warn: Option<f64>,
            critical: Option<f64>,
        }
        let given: BTreeMap<Metric, Partial> = BTreeMap::deserialize(d)?;
        let mut out = Thresholds::default();
        for (m, p) in given {
            let e = out.0.entry(m).or_default();
            if p.warn.is_some() {
                e.warn = p.warn;
            }
            if p.critical.is_some() {
                e.critical = p.critical;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
