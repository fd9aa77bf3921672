//! Headroom: how far the request rate can grow before latency crosses its critical
//! threshold, from an M/M/1-style curve fitted to measured (rate, latency) points.
//!
//! The model: latency L(λ) = S / (1 − λ/μ), with S the latency of an unloaded request and μ
//! the rate at which the server saturates. Then 1/L = 1/S − λ/(S·μ) is a straight line in λ,
//! fitted by least squares; the rate at which L reaches a threshold T is μ·(1 − S/T).
//! Assumptions (said on screen): one queue with random arrivals and service times, a mix of
//! reads and writes like the one measured, and nothing else competing for the servers.

use serde::{Deserialize, Serialize};

/// One measurement: requests per second and the mean latency seen at that rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatePoint {
    pub rate: f64,
    pub latency_ms: f64,
}

/// What `zkconsole bench` leaves for the console (small JSON in the state dir).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Seconds since the Unix epoch.
    pub measured_at: u64,
    /// `R:W` as `--mix` gave it.
    pub mix: String,
    pub reads_per_s: f64,
    pub writes_per_s: f64,
    pub points: Vec<RatePoint>,
}

/// The fitted curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model {
    /// Unloaded latency (ms).
    pub service_ms: f64,
    /// Saturation rate (requests/s).
    pub capacity: f64,
}

/// Why no curve could be fitted.
#[derive(Debug, Clone, PartialEq)]
pub enum FitError {
    /// Fewer than two points at clearly different rates.
    TooFewPoints { have: usize },
    /// Latency does not grow with rate in these points (no queueing seen yet).
    NoQueueing,
    /// The curve fitted is not one the points can vouch for: a limit at or below a rate the
    /// servers already served, or far beyond every rate measured (an idle ensemble's noise).
    Unsupported { busiest: f64, capacity: f64 },
}

impl std::fmt::Display for FitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FitError::TooFewPoints { have } => write!(
                f,
                "too few points to fit ({have} distinct rate{}; 2 needed): run `zkconsole \
                 bench` or wait for the load to vary",
                if *have == 1 { "" } else { "s" }
            ),
            FitError::NoQueueing => write!(
                f,
                "latency does not rise with the rate in the points measured: no saturation \
                 seen yet, so no limit can be estimated"
            ),
            FitError::Unsupported { busiest, capacity } => write!(
                f,
                "the points do not support a limit (fitted {capacity:.0} req/s, busiest rate \
                 measured {busiest:.0} req/s): too little load, or latency varying by noise; run \
                 `zkconsole bench` for a calibration"
            ),
        }
    }
}

/// Rates closer than this (relative) count as one.
const DISTINCT: f64 = 0.05;

/// Fits S and μ to the points (least squares on 1/L against λ).
pub fn fit(points: &[RatePoint]) -> Result<Model, FitError> {
    let pts: Vec<&RatePoint> = points
        .iter()
        .filter(|p| p.rate.is_finite() && p.rate >= 0.0 && p.latency_ms > 0.0)
        .collect();
    let mut rates: Vec<f64> = pts.iter().map(|p| p.rate).collect();
    rates.sort_by(f64::total_cmp);
    let distinct = rates
        .windows(2)
        .filter(|w| w[1] - w[0] > DISTINCT * w[1].max(1.0))
        .count()
        + usize::from(!rates.is_empty());
    if distinct < 2 {
        return Err(FitError::TooFewPoints { have: distinct });
    }
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.rate).sum::<f64>() / n;
    let my = pts.iter().map(|p| 1.0 / p.latency_ms).sum::<f64>() / n;
    let sxy: f64 = pts
        .iter()
        .map(|p| (p.rate - mx) * (1.0 / p.latency_ms - my))
        .sum();
    let sxx: f64 = pts.iter().map(|p| (p.rate - mx).powi(2)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    if slope >= 0.0 || intercept <= 0.0 {
        return Err(FitError::NoQueueing);
    }
    let capacity = -intercept / slope;
    let busiest = rates.last().copied().unwrap_or(0.0);
    // Below MIN_BUSIEST req/s latency moves with start-up, GC and probes, not with load (an
    // idle sandbox "fitted" a 2 req/s limit). The servers answered at `busiest`, so a limit at
    // or below it is noise; one beyond MAX_REACH times it is an extrapolation too far.
    if busiest < MIN_BUSIEST || capacity <= busiest || capacity > MAX_REACH * busiest {
        return Err(FitError::Unsupported { busiest, capacity });
    }
    Ok(Model {
        service_ms: 1.0 / intercept,
        capacity,
    })
}

/// How far beyond the busiest rate measured a fitted limit may lie.
const MAX_REACH: f64 = 20.0;

/// The least busiest rate (requests/s) whose points can show queueing on a ZooKeeper server.
const MIN_BUSIEST: f64 = 50.0;

impl Model {
    pub fn latency_at(&self, rate: f64) -> Option<f64> {
        (rate < self.capacity).then(|| self.service_ms / (1.0 - rate / self.capacity))
    }

    /// The rate at which latency reaches `threshold_ms`; 0 when even an idle server is
    /// slower than that.
    pub fn crossing_rate(&self, threshold_ms: f64) -> f64 {
        (self.capacity * (1.0 - self.service_ms / threshold_ms)).max(0.0)
    }

    pub fn utilisation(&self, rate: f64) -> f64 {
        rate / self.capacity
    }
}

/// What the console shows: the model, where the load is on it, and the rate that crosses
/// the critical latency.
#[derive(Debug, Clone, PartialEq)]
pub struct Headroom {
    pub source: Source,
    pub fit: Result<Model, FitError>,
    pub rate_now: Option<f64>,
    pub critical_ms: Option<f64>,
    pub points: usize,
}

/// Where the points came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A `zkconsole bench` run, this many seconds ago.
    Bench { age_s: u64 },
    /// The rates and latencies measured live (the peak seen so far is the highest point).
    Measured,
}

impl Headroom {
    /// From a calibration when there is one, else from the live points.
    pub fn of(
        calibration: Option<(&Calibration, u64)>,
        live: &[RatePoint],
        rate_now: Option<f64>,
        critical_ms: Option<f64>,
    ) -> Headroom {
        let (source, points): (Source, Vec<RatePoint>) = match calibration {
            Some((c, now)) => (
                Source::Bench {
                    age_s: now.saturating_sub(c.measured_at),
                },
                c.points.clone(),
            ),
            None => (Source::Measured, live.to_vec()),
        };
        Headroom {
            source,
            fit: fit(&points),
            rate_now,
            critical_ms,
            points: points.len(),
        }
    }

    /// The rate at which latency would cross the critical threshold.
    pub fn crossing(&self) -> Option<f64> {
        let m = self.fit.as_ref().ok()?;
        Some(m.crossing_rate(self.critical_ms?))
    }

    pub fn utilisation(&self) -> Option<f64> {
        Some(self.fit.as_ref().ok()?.utilisation(self.rate_now?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(s: f64, mu: f64, rates: &[f64]) -> Vec<RatePoint> {
        rates
            .iter()
            .map(|&rate| RatePoint {
                rate,
                latency_ms: s / (1.0 - rate / mu),
            })
            .collect()
    }

    #[test]
    fn recovers_a_known_curve() {
        let pts = curve(0.5, 20_000.0, &[100.0, 5_000.0, 12_000.0, 18_000.0]);
        let m = fit(&pts).unwrap();
        assert!((m.service_ms - 0.5).abs() < 1e-6, "{m:?}");
        assert!((m.capacity - 20_000.0).abs() < 1e-3, "{m:?}");
        // L = 100 ms: 1 − λ/μ = 0.005 → λ = 19,900.
        assert!((m.crossing_rate(100.0) - 19_900.0).abs() < 1e-3);
        assert!((m.latency_at(m.crossing_rate(100.0)).unwrap() - 100.0).abs() < 1e-6);
        assert!((m.utilisation(5_000.0) - 0.25).abs() < 1e-9);
    }

    #[test]
    fn two_points_are_enough_and_noise_is_tolerated() {
        let m = fit(&curve(2.0, 1_000.0, &[10.0, 900.0])).unwrap();
        assert!((m.capacity - 1_000.0).abs() < 1e-6);
        let mut noisy = curve(2.0, 1_000.0, &[10.0, 300.0, 600.0, 900.0]);
        noisy[1].latency_ms *= 1.03;
        noisy[2].latency_ms *= 0.97;
        let m = fit(&noisy).unwrap();
        assert!((m.capacity - 1_000.0).abs() / 1_000.0 < 0.1, "{m:?}");
    }

    #[test]
    fn an_idle_ensembles_noise_gives_no_limit() {
        // Seen on an idle sandbox: a start-up latency spike at 3 req/s, sub-ms afterwards.
        let idle = [
            RatePoint {
                rate: 0.5,
                latency_ms: 0.7,
            },
            RatePoint {
                rate: 1.0,
                latency_ms: 0.9,
            },
            RatePoint {
                rate: 3.0,
                latency_ms: 62.0,
            },
        ];
        assert!(
            matches!(fit(&idle), Err(FitError::Unsupported { .. })),
            "{:?}",
            fit(&idle)
        );
        // Far below any saturation: a limit 100 times the busiest rate is not believed.
        let far = curve(1.0, 10_000.0, &[10.0, 50.0, 100.0]);
        assert!(matches!(fit(&far), Err(FitError::Unsupported { .. })));
    }

    #[test]
    fn says_when_it_cannot_fit() {
        assert_eq!(fit(&[]), Err(FitError::TooFewPoints { have: 0 }));
        let one = curve(1.0, 100.0, &[50.0, 50.5, 50.2]);
        assert_eq!(fit(&one), Err(FitError::TooFewPoints { have: 1 }));
        let flat = [
            RatePoint {
                rate: 10.0,
                latency_ms: 5.0,
            },
            RatePoint {
                rate: 100.0,
                latency_ms: 4.0,
            },
        ];
        assert_eq!(fit(&flat), Err(FitError::NoQueueing));
        assert!(FitError::TooFewPoints { have: 1 }
            .to_string()
            .contains("too few points"));
    }

    #[test]
    fn headroom_prefers_the_calibration() {
        let c = Calibration {
            measured_at: 1_000,
            mix: "9:1".into(),
            reads_per_s: 0.0,
            writes_per_s: 0.0,
            points: curve(1.0, 10_000.0, &[100.0, 9_000.0]),
        };
        let h = Headroom::of(Some((&c, 1_060)), &[], Some(2_500.0), Some(100.0));
        assert_eq!(h.source, Source::Bench { age_s: 60 });
        assert!((h.utilisation().unwrap() - 0.25).abs() < 1e-9);
        assert!((h.crossing().unwrap() - 9_900.0).abs() < 1e-6);
        let live = Headroom::of(None, &c.points[..1], Some(1.0), Some(100.0));
        assert_eq!(live.source, Source::Measured);
        assert!(live.crossing().is_none());
    }
}
