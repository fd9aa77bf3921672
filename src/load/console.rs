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
