//! The console's load hooks: after each reading, the member's load score (and its history),
//! the ensemble's, and the scaling advice.

use super::{MemberKey, State};
use crate::config::Level;
use crate::history::MemberHistory;
use crate::load::console::{member_reading, reading};
use crate::load::{ensemble_load, member_load};
use std::time::Instant;

impl State {
    pub(super) fn observe_load(&mut self, key: &MemberKey, at: Instant) {
        self.observe_member_load(key);
        self.observe_ensemble_load(at);
    }

    /// `observe_load` for a round of members at once: each member's score, then the
    /// ensemble's figures and the advisor once, at the newest answer's time.
    pub(super) fn observe_round_load(&mut self, probed: &[(MemberKey, Instant)]) {
        for (key, _) in probed {
            self.observe_member_load(key);
        }
        if let Some(at) = probed.iter().map(|(_, at)| *at).max() {
            self.observe_ensemble_load(at);
        }
    }

    /// The member's load score after its reading, kept in its history.
    fn observe_member_load(&mut self, key: &MemberKey) {
        let leader_zxid = self.health.leader_zxid;
        let windows = self.history.get(key).map(MemberHistory::windows);
        if let Some(view) = self.members.get_mut(key) {
            view.load = member_load(
                &view.snap,
                windows.as_ref(),
                &self.config.thresholds,
                &self.config.load.weights,
                leader_zxid,
            );
            if let Some(h) = self.history.get_mut(key) {
                h.record_load(view.load.as_ref().map(|l| l.score));
            }
        }
    }

    /// The ensemble's load, its rate point and the advisor, from every member's latest.
    fn observe_ensemble_load(&mut self, at: Instant) {
        self.load.ensemble =
            ensemble_load(self.members.values().map(|m| (m.snap.id, m.load.as_ref())));
        let live: Vec<_> = self
            .members
            .iter()
            .filter(|(_, m)| m.snap.role.is_serving())
            .filter_map(|(k, _)| self.history.get(k).map(MemberHistory::windows))
            .collect();
        self.load
            .record_point(crate::load::console::ensemble_point(&live));
        let members = self
            .members
            .iter()
            .map(|(k, m)| {
                let w = self.history.get(k).map(MemberHistory::windows);
                member_reading(&m.snap, m.load.as_ref(), w.as_ref())
            })
            .collect();
        let (voters, observers) = self
            .membership
            .as_ref()
            .map_or((0, 0), |c| (c.voter_ids().len(), c.observers().count()));
        let r = reading(members, voters, observers);
        let before: Vec<_> = self.load.advice.iter().map(|a| a.kind).collect();
        self.load.advice = self.load.advisor.observe(at, &r, &self.config.advisor);
        self.clients_advice();
        // New advice is an event (the timeline and the incident report show it); advice
        // about the shape seen at start-up is the baseline, not news.
        if self.baseline && !self.load.primed {
            self.load.primed = true;
        } else if self.baseline {
            let now = self.now;
            let new: Vec<String> = self
                .load
                .advice
                .iter()
                .filter(|a| !before.contains(&a.kind))
                .map(|a| format!("advice: {}", a.line()))
                .collect();
            for text in new {
                self.events.push(now, Level::Ok, text);
            }
        }
    }
}

impl State {
    /// The ensemble's headroom against the critical windowed latency (see `load::headroom`).
    pub fn headroom(&self) -> crate::load::headroom::Headroom {
        let critical = self
            .config
            .thresholds
            .get(crate::config::Metric::LatencyWindowMs)
            .and_then(|t| t.critical);
        let now = self
            .now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.load.headroom(critical, now)
    }
}
