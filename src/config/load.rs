//! `[load]` and `[advisor]`: how signals weigh in the load score, and when the scaling
//! advisor speaks.

use super::thresholds::Metric;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Weight of each signal in the load score (score = max of value / critical × weight). A
/// partial `[load.weights]` table changes only the signals it names; 0 leaves one out.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights(BTreeMap<Metric, f64>);

impl Weights {
    pub fn get(&self, m: Metric) -> f64 {
        self.0.get(&m).copied().unwrap_or(1.0)
    }
}

impl Default for Weights {
    fn default() -> Self {
        // Lifetime maxima say nothing about now; elections and unsynced followers are
        // health, not load (the problems list carries them).
        Weights(BTreeMap::from([
            (Metric::LatencyMaxMs, 0.0),
            (Metric::Elections5m, 0.0),
            (Metric::FollowersUnsynced, 0.0),
        ]))
    }
}

impl<'de> Deserialize<'de> for Weights {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let given: BTreeMap<Metric, f64> = BTreeMap::deserialize(d)?;
        let mut out = Weights::default();
        out.0.extend(given);
        Ok(out)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct LoadConfig {
    pub weights: Weights,
}

/// When the scaling advisor speaks. Load figures are load scores (1.0 = a signal at its
/// critical threshold).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdvisorConfig {
    /// Every member at or above this load for `high_minutes`: suggest an observer.
    pub high_load: f64,
    /// ... and the suggestion stays until some member falls below this (hysteresis).
    pub high_clear: f64,
    pub high_minutes: u64,
    /// Every member below this for `low_minutes` on a large ensemble: suggest shrinking.
    pub low_load: f64,
    pub low_clear: f64,
    pub low_minutes: u64,
    /// Voter failures the ensemble must survive with every voter up; fewer: suggest voters,
    /// and never suggest shrinking below it.
    pub min_tolerance: usize,
    /// One member with this many times the median connections (or requests) of the others,
    /// for `imbalance_minutes`: point at the connection balance.
    pub imbalance_factor: f64,
    /// ... when it holds at least this many connections (a handful is no imbalance).
    pub imbalance_min_connections: f64,
    pub imbalance_minutes: u64,
}

impl Default for AdvisorConfig {
    fn default() -> Self {
        AdvisorConfig {
            high_load: 0.8,
            high_clear: 0.7,
            high_minutes: 10,
            low_load: 0.1,
            low_clear: 0.2,
            low_minutes: 60,
            min_tolerance: 1,
            imbalance_factor: 3.0,
            imbalance_min_connections: 30.0,
            imbalance_minutes: 10,
        }
    }
}

impl AdvisorConfig {
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.high_clear > self.high_load {
            return Err((
                "high_clear".into(),
                format!(
                    "({}) must not be above high_load ({})",
                    self.high_clear, self.high_load
                ),
            ));
        }
        if self.low_clear < self.low_load {
            return Err((
                "low_clear".into(),
                format!(
                    "({}) must not be below low_load ({})",
                    self.low_clear, self.low_load
                ),
            ));
        }
        if self.low_clear >= self.high_clear {
            return Err((
                "low_clear".into(),
                format!(
                    "({}) must be below high_clear ({})",
                    self.low_clear, self.high_clear
                ),
            ));
        }
        if self.imbalance_factor <= 1.0 {
            return Err((
                "imbalance_factor".into(),
                "must be above 1 (how many times busier than the others)".into(),
            ));
        }
        Ok(())
    }
}
