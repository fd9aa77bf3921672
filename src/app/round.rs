//! A round of probes applied at once: the fleet hands each ensemble its members' answers of
//! one round together, and what is derived from all members (health, events of leadership and
//! quorum, the load and the advisor) is computed once for the round instead of once per
//! member. Each member's own part (history, breaches, its row) is the same as one by one.

use super::{Effect, MemberKey, Msg, State};
use std::time::Instant;

impl State {
    /// Applies `msgs` (a round's `Probed` and `MemberConf` messages, or any others) as
    /// `update` would one by one, deriving the ensemble's figures once at the end.
    pub fn update_round(&mut self, msgs: Vec<Msg>) -> Vec<Effect> {
        if msgs.len() == 1 {
            return msgs.into_iter().flat_map(|m| self.update(m)).collect();
        }
        self.round = Some(Vec::new());
        let mut effects = Vec::new();
        for m in msgs {
            effects.extend(self.apply(m));
        }
        let probed = self.round.take().unwrap_or_default();
        if !probed.is_empty() {
            self.recompute(self.now);
            self.observe_round_load(&probed);
        }
        self.follow_selection();
        self.clamp_scrolls();
        // Several members' answers may each ask for new targets: the last list is the newest.
        let last = effects
            .iter()
            .rposition(|e| matches!(e, Effect::SetTargets(_)));
        let mut n = 0;
        effects.retain(|e| {
            n += 1;
            !matches!(e, Effect::SetTargets(_)) || Some(n - 1) == last
        });
        effects
    }

    /// After one member's answer: the ensemble's figures now, or at the end of the round.
    pub(super) fn derive_after_probe(&mut self, key: &MemberKey, at: Instant) {
        match self.round.as_mut() {
            Some(probed) => probed.push((key.clone(), at)),
            None => {
                self.recompute(self.now);
                self.observe_load(key, at);
            }
        }
    }
}
