//! Many ensembles at once: the inventory (which ensembles), the order they are shown in
//! (worst first) and the fleet report `status --all` prints. Pure: each ensemble is observed
//! by the same code as a single one, and nothing here knows how.

pub mod inventory;

use crate::report::StatusReport;
use serde::Serialize;

/// How bad a `status` state is: the order of the exit codes (ok 0, warn 1, critical 2,
/// unreachable 3). A state this build does not know ranks as unreachable, never as fine.
pub fn severity(state: &str) -> u8 {
    match state {
        "ok" => 0,
        "warn" => 1,
        "critical" => 2,
        _ => 3,
    }
}

/// The state of a fleet: its worst ensemble's, "ok" for an empty fleet.
pub fn worst_state<'a>(states: impl IntoIterator<Item = &'a str>) -> &'a str {
    states
        .into_iter()
        .max_by_key(|s| severity(s))
        .unwrap_or("ok")
}

/// One ensemble of the fleet: its name, then the very object `status --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct FleetEntry {
    pub name: String,
    #[serde(flatten)]
    pub report: StatusReport,
}

/// `status --all --json`: `{"state": <worst>, "ensembles": [...]}`, worst first.
#[derive(Debug, Clone, Serialize)]
pub struct FleetReport {
    pub state: &'static str,
    pub ensembles: Vec<FleetEntry>,
}

impl FleetReport {
    /// The entries worst first; among equals, the quorum lost (then the smallest tolerance)
    /// first, then in name order (a stable, readable list).
    pub fn new(mut ensembles: Vec<FleetEntry>) -> FleetReport {
        let margin = |e: &FleetEntry| match e.report.quorum.has_quorum {
            true => e.report.quorum.tolerance as i64,
            false => -1,
        };
        ensembles.sort_by(|a, b| {
            severity(b.report.state)
                .cmp(&severity(a.report.state))
                .then_with(|| margin(a).cmp(&margin(b)))
                .then_with(|| a.name.cmp(&b.name))
        });
        let state = ensembles.first().map_or("ok", |e| e.report.state);
        FleetReport { state, ensembles }
    }

    /// The worst ensemble's exit code (0 ok, 1 warn, 2 critical, 3 unreachable).
    pub fn exit_code(&self) -> i32 {
        i32::from(severity(self.state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_state_wins_and_an_unknown_one_is_not_fine() {
        assert_eq!(worst_state(["ok", "critical", "warn"]), "critical");
        assert_eq!(
            worst_state(["ok", "unreachable", "critical"]),
            "unreachable"
        );
        assert_eq!(worst_state([]), "ok");
        assert_eq!(severity("something new"), 3);
    }
}
