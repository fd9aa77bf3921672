//! What the console keeps about load between readings: the ensemble's score, the advisor's
//! memory and the advice in force.

use super::{EnsembleLoad, Load};
use crate::advisor::{Advice, Advisor, MemberReading, Reading};
use crate::ensemble::member::MemberSnapshot;
use crate::history::window::Windows;

#[derive(Debug, Clone, Default)]
pub struct LoadState {
    pub ensemble: Option<EnsembleLoad>,
    pub advisor: Advisor,
    pub advice: Vec<Advice>,
    /// The advice in force once every member was first seen was recorded as the baseline:
    /// only advice that starts after it is an event.
    pub primed: bool,
    /// The last `zkconsole bench` run for this ensemble.
    pub calibration: Option<super::headroom::Calibration>,
    /// (rate, latency) points measured live, one per distinct rate, newest kept.
    pub points: Vec<super::headroom::RatePoint>,
    /// The ensemble's request rate over the short window, now.
    pub rate_now: Option<f64>,
    /// The advice line picked in the problems view (tab), which enter opens.
    pub advice_cursor: usize,
}

/// Live points kept for the fit (a point within 5 % of a kept rate replaces it).
const LIVE_POINTS: usize = 32;

impl LoadState {
    /// Keeps the ensemble's (rate, latency) reading as a point of the live curve.
    pub fn record_point(&mut self, p: Option<super::headroom::RatePoint>) {
        self.rate_now = p.map(|p| p.rate);
        let Some(p) = p.filter(|p| p.rate > 0.0 && p.latency_ms > 0.0) else {
            return;
        };
        self.points
            .retain(|q| (q.rate - p.rate).abs() > 0.05 * p.rate.max(q.rate));
        self.points.push(p);
        if self.points.len() > LIVE_POINTS {
            self.points.remove(0);
        }
    }

    /// Headroom against `critical_ms` at `now_unix` (seconds): from the bench calibration,
    /// else the live points.
    pub fn headroom(&self, critical_ms: Option<f64>, now_unix: u64) -> super::headroom::Headroom {
        let cal = self.calibration.as_ref().map(|c| (c, now_unix));
        super::headroom::Headroom::of(cal, &self.points, self.rate_now, critical_ms)
    }
}

/// The ensemble's point now: the request rate summed over the serving members' short
/// windows, and their latency weighted by each one's rate.
pub fn ensemble_point<'a>(
    windows: impl IntoIterator<Item = &'a Windows>,
) -> Option<super::headroom::RatePoint> {
    let (mut rate, mut weighted, mut any) = (0.0, 0.0, false);
    for w in windows.into_iter().filter_map(|w| w.short.as_ref()) {
        let Some(r) = w.requests_per_s else { continue };
        any = true;
        rate += r;
        weighted += r * w.latency_avg_ms.unwrap_or(0.0);
    }
    any.then(|| super::headroom::RatePoint {
        rate,
        latency_ms: if rate > 0.0 { weighted / rate } else { 0.0 },
    })
}

/// One member as the advisor reads it.
pub fn member_reading(
    snap: &MemberSnapshot,
    load: Option<&Load>,
    windows: Option<&Windows>,
) -> (MemberReading, Option<(f64, f64)>) {
    let rw = windows
        .and_then(|w| w.short)
        .filter(|_| snap.role.is_serving())
        .and_then(|w| Some((w.reads_per_s?, w.writes_per_s?)));
    (
        MemberReading {
            id: snap.id,
            serving: snap.role.is_serving(),
            load: load.map(|l| l.score),
            driver: load.map(|l| l.driver),
            connections: snap.metric_f64("num_alive_connections"),
        },
        rw,
    )
}

/// The ensemble as the advisor reads it: members, the configured shape, and the request
/// mix summed over the members that report it.
pub fn reading(
    members: Vec<(MemberReading, Option<(f64, f64)>)>,
    voters: usize,
    observers: usize,
) -> Reading {
    let rates: Vec<(f64, f64)> = members.iter().filter_map(|(_, rw)| *rw).collect();
    let (reads, writes) = rates
        .iter()
        .fold((0.0, 0.0), |(r, w), (a, b)| (r + a, w + b));
    let known = !rates.is_empty();
    Reading {
        members: members.into_iter().map(|(m, _)| m).collect(),
        voters,
        observers,
        reads_per_s: known.then_some(reads),
        writes_per_s: known.then_some(writes),
    }
}
