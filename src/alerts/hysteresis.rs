//! Breach state that does not flap: a level is entered at its threshold but left only when
//! the value falls a margin below it, so a value hovering at a threshold raises one event.

use crate::config::{Level, Metric, Thresholds};

/// How far below a threshold a value must fall to clear it (fraction of the threshold).
pub const CLEAR_MARGIN: f64 = 0.1;

/// Consecutive samples a worse level must hold before it is raised: one slow probe (a JVM
/// warming up, a GC pause) is not an incident.
pub const RAISE_AFTER: u8 = 2;

#[derive(Debug, Clone, Default)]
pub struct BreachTracker {
    levels: std::collections::BTreeMap<Metric, Level>,
    /// A worse level seen but not yet held for `RAISE_AFTER` samples.
    pending: std::collections::BTreeMap<Metric, (Level, u8)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LevelChange {
    pub metric: Metric,
    pub from: Level,
    pub to: Level,
    pub value: f64,
}

impl BreachTracker {
    pub fn level(&self, m: Metric) -> Level {
        self.levels.get(&m).copied().unwrap_or(Level::Ok)
    }

    /// Feeds one value; returns the change of level, if any.
    pub fn observe(&mut self, t: &Thresholds, m: Metric, value: f64) -> Option<LevelChange> {
        let current = self.level(m);
        let raw = t.level(m, value);
        let next = if raw > current {
            // Raise to the least severe level held throughout the pending samples.
            let (held, seen) = match self.pending.get(&m) {
                Some((l, n)) => ((*l).min(raw), n + 1),
                None => (raw, 1),
            };
            if seen < RAISE_AFTER {
                self.pending.insert(m, (held, seen));
                return None;
            }
            held
        } else if raw == current {
            current
        } else {
            // Going down: only as far as the value clears each threshold by the margin.
            let th = t.get(m).copied().unwrap_or_default();
            let clears =
                |limit: Option<f64>| limit.is_none_or(|l| value < l * (1.0 - CLEAR_MARGIN));
            match current {
                Level::Critical if !clears(th.critical) => Level::Critical,
                Level::Critical | Level::Warn if !clears(th.warn) => Level::Warn,
                _ => raw,
            }
        };
        if next <= current {
            self.pending.remove(&m);
        }
        (next != current).then(|| {
            self.pending.remove(&m);
            self.levels.insert(m, next);
            LevelChange {
                metric: m,
                from: current,
                to: next,
                value,
            }
        })
    }

    /// Forgets a metric that is no longer reported (a member went down).
    pub fn clear(&mut self, m: Metric) -> Option<LevelChange> {
        self.pending.remove(&m);
        let from = self.levels.remove(&m)?;
        (from != Level::Ok).then_some(LevelChange {
            metric: m,
            from,
            to: Level::Ok,
            value: f64::NAN,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hovering_value_does_not_flap() {
        let t = Thresholds::default(); // outstanding: warn 10, critical 100
        let mut b = BreachTracker::default();
        let changes: Vec<_> = [9.0, 10.0, 10.0, 9.5, 10.0, 9.2, 10.5, 9.1]
            .iter()
            .filter_map(|v| b.observe(&t, Metric::Outstanding, *v))
            .collect();
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].to, Level::Warn);
        let back = b.observe(&t, Metric::Outstanding, 8.9).unwrap();
        assert_eq!(back.to, Level::Ok);
    }

    #[test]
    fn a_single_spike_raises_nothing() {
        let t = Thresholds::default();
        let mut b = BreachTracker::default();
        for v in [1.0, 500.0, 1.0, 1.0, 500.0, 2.0] {
            assert!(b.observe(&t, Metric::Outstanding, v).is_none());
        }
        assert_eq!(b.level(Metric::Outstanding), Level::Ok);
    }

    #[test]
    fn critical_steps_down_through_warn() {
        let t = Thresholds::default();
        let mut b = BreachTracker::default();
        assert!(
            b.observe(&t, Metric::Outstanding, 150.0).is_none(),
            "one sample is not enough"
        );
        assert_eq!(
            b.observe(&t, Metric::Outstanding, 150.0).unwrap().to,
            Level::Critical
        );
        assert!(b.observe(&t, Metric::Outstanding, 95.0).is_none());
        assert_eq!(
            b.observe(&t, Metric::Outstanding, 50.0).unwrap().to,
            Level::Warn
        );
        assert_eq!(
            b.observe(&t, Metric::Outstanding, 1.0).unwrap().to,
            Level::Ok
        );
    }
}
