//! The load score: every signal divided by its critical threshold (so units never mix),
//! times its weight; a member's score is the highest of them and that signal is its driver.
//! 1.0 means a signal sits at its critical threshold. The ensemble's score is its busiest
//! member's.

pub mod console;
pub mod headroom;

use crate::alerts::signal_value;
use crate::config::{Metric, Thresholds, Weights};
use crate::ensemble::member::MemberSnapshot;
use crate::history::window::Windows;
use serde::Serialize;

/// A member's load: `status --json` prints it as `"load": {"score", "driver"}` (a public
/// contract: field names do not change).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Load {
    pub score: f64,
    /// The signal with the highest score (a threshold key, e.g. `latency_window_ms`).
    pub driver: &'static str,
}

/// The ensemble's load: its busiest member's, and which member that is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnsembleLoad {
    pub score: f64,
    pub driver: &'static str,
    pub member: Option<u64>,
}

/// One signal's part: its value, the critical level it is measured against, its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Part {
    pub metric: Metric,
    pub value: f64,
    pub critical: f64,
    pub score: f64,
}

/// Every signal that counts for this member now, highest score first.
pub fn parts(
    snap: &MemberSnapshot,
    windows: Option<&Windows>,
    t: &Thresholds,
    w: &Weights,
    leader_zxid: Option<u64>,
) -> Vec<Part> {
    if !snap.role.is_alive() {
        return Vec::new();
    }
    let window_latency = signal_value(snap, windows, Metric::LatencyWindowMs, leader_zxid);
    let mut out: Vec<Part> = Metric::ALL
        .iter()
        .filter(|&&m| w.get(m) > 0.0)
        // The lifetime average is stale once the window's is known.
        .filter(|&&m| !(m == Metric::LatencyAvgMs && window_latency.is_some()))
        .filter_map(|&metric| {
            let critical = t.get(metric)?.critical.filter(|c| *c > 0.0)?;
            let value = signal_value(snap, windows, metric, leader_zxid)?;
            Some(Part {
                metric,
                value,
                critical,
                score: (value / critical * w.get(metric)).max(0.0),
            })
        })
        .collect();
    // Highest first; on a tie, the order of `Metric::ALL`.
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

/// The member's load, or `None` when it reports no signal (down, not answering).
pub fn member_load(
    snap: &MemberSnapshot,
    windows: Option<&Windows>,
    t: &Thresholds,
    w: &Weights,
    leader_zxid: Option<u64>,
) -> Option<Load> {
    parts(snap, windows, t, w, leader_zxid)
        .first()
        .map(|p| Load {
            score: round3(p.score),
            driver: p.metric.key(),
        })
}

/// The busiest member's load (the first of equals).
pub fn ensemble_load<'a>(
    members: impl IntoIterator<Item = (Option<u64>, Option<&'a Load>)>,
) -> Option<EnsembleLoad> {
    members
        .into_iter()
        .filter_map(|(id, l)| Some((id, l?)))
        .fold(None, |best: Option<EnsembleLoad>, (id, l)| match best {
            Some(b) if b.score >= l.score => Some(b),
            _ => Some(EnsembleLoad {
                score: l.score,
                driver: l.driver,
                member: id,
            }),
        })
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::member::{MetricValue, MetricsSource, Role};
    use crate::history::window::Window;

    fn snap(metrics: &[(&str, f64)]) -> MemberSnapshot {
        MemberSnapshot {
            id: Some(1),
            address: "a:1".into(),
            role: Role::Follower,
            mode: None,
            voting: Some(true),
            zxid: None,
            metrics: metrics
                .iter()
                .map(|(k, v)| (k.to_string(), MetricValue::Float(*v)))
                .collect(),
            source: MetricsSource::Mntr,
            probe_ms: 1.0,
            error: None,
            hint: None,
            zab: None,
        }
    }

    fn window(latency: f64) -> Windows {
        let w = Window {
            window_s: 10,
            span_s: 10.0,
            requests: Some(100),
            requests_per_s: Some(10.0),
            reads_per_s: Some(10.0),
            writes_per_s: Some(0.0),
            latency_avg_ms: Some(latency),
            latency_basis: None,
            fsync: None,
            snapshot: None,
            election: None,
            fsync_threshold_exceeded: None,
        };
        Windows {
            short: Some(w),
            long: Some(w),
            five: Some(w),
        }
    }

    #[test]
    fn one_is_a_signal_at_its_critical_threshold_and_units_never_mix() {
        let t = Thresholds::default(); // outstanding critical 100, connections 1000
        let w = Weights::default();
        let s = snap(&[
            ("outstanding_requests", 50.0),
            ("num_alive_connections", 1000.0),
        ]);
        let l = member_load(&s, None, &t, &w, None).unwrap();
        assert_eq!(
            l,
            Load {
                score: 1.0,
                driver: "connections"
            }
        );
        let s = snap(&[
            ("outstanding_requests", 150.0),
            ("num_alive_connections", 1000.0),
        ]);
        assert_eq!(
            member_load(&s, None, &t, &w, None).unwrap().driver,
            "outstanding"
        );
    }

    #[test]
    fn the_windowed_latency_replaces_the_stale_lifetime_one() {
        let t = Thresholds::default(); // latency critical 200 (both)
        let w = Weights::default();
        // A lifetime average left high by a slow start; the last 10 s are fast.
        let s = snap(&[("avg_latency", 180.0)]);
        let lifetime = member_load(&s, None, &t, &w, None).unwrap();
        assert_eq!(lifetime.driver, "latency_avg_ms");
        assert!((lifetime.score - 0.9).abs() < 1e-9);
        let now = member_load(&s, Some(&window(20.0)), &t, &w, None).unwrap();
        assert_eq!(now.driver, "latency_window_ms");
        assert!((now.score - 0.1).abs() < 1e-9, "{now:?}");
    }

    #[test]
    fn weights_scale_and_zero_leaves_a_signal_out() {
        let t = Thresholds::default();
        let s = snap(&[
            ("outstanding_requests", 50.0),
            ("num_alive_connections", 300.0),
        ]);
        let w: Weights = toml::from_str("outstanding = 0.0").unwrap();
        assert_eq!(
            member_load(&s, None, &t, &w, None).unwrap().driver,
            "connections"
        );
        let w: Weights = toml::from_str("connections = 3.0").unwrap();
        let l = member_load(&s, None, &t, &w, None).unwrap();
        assert!((l.score - 0.9).abs() < 1e-9, "{l:?}");
    }

    #[test]
    fn a_silent_member_has_no_load_and_the_ensemble_takes_the_busiest() {
        let t = Thresholds::default();
        let w = Weights::default();
        let mut s = snap(&[("outstanding_requests", 50.0)]);
        s.role = Role::Down;
        assert_eq!(member_load(&s, None, &t, &w, None), None);
        let a = Load {
            score: 0.2,
            driver: "outstanding",
        };
        let b = Load {
            score: 0.7,
            driver: "connections",
        };
        let e = ensemble_load([(Some(1), Some(&a)), (Some(2), Some(&b)), (Some(3), None)]).unwrap();
        assert_eq!((e.score, e.driver, e.member), (0.7, "connections", Some(2)));
        assert_eq!(ensemble_load([(Some(3), None)]), None);
    }
}
