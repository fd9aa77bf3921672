//! From a scaling suggestion to its workflow: in the problems view, tab picks an advice line
//! and enter opens the matching workflow pre-filled (expand with the role, shrink with the
//! members suggested, the clients view of the busiest member). Nothing runs: the workflow
//! still asks for its review and confirmation, as when opened by hand.

use super::keys::{KeyCode, KeyInput};
use super::wizard::{Flow, Stage, Wizard};
use super::{Effect, Level, State, View};
use crate::advisor::{Advice, Kind};
use crate::ensemble::spec::LearnerType;

impl State {
    /// Keys of the problems view when there is advice: `None` leaves the key to the others.
    pub(super) fn advice_key(&mut self, key: KeyInput) -> Option<Vec<Effect>> {
        let n = self.load.advice.len();
        if n == 0 {
            return None;
        }
        match key.code {
            KeyCode::Tab => {
                self.load.advice_cursor = (self.load.advice_cursor + 1) % n;
                Some(vec![])
            }
            KeyCode::Enter => {
                let a = self.load.advice[self.load.advice_cursor.min(n - 1)].clone();
                Some(self.open_advice(&a))
            }
            _ => None,
        }
    }

    fn open_advice(&mut self, a: &Advice) -> Vec<Effect> {
        let number = |k: &str| {
            a.evidence
                .numbers
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| *v)
        };
        match a.kind {
            Kind::ConnectionBalance => {
                let id = number("member").filter(|v| *v >= 0.0).map(|v| v as u64);
                if let Some(i) = self
                    .rows()
                    .iter()
                    .position(|m| m.snap.id == id && id.is_some())
                {
                    self.selected = i;
                }
                self.open_clients(id.is_none())
            }
            Kind::AddObserver => self.open_expand(LearnerType::Observer, 1),
            Kind::AddVoters => {
                let v = number("voters").unwrap_or(0.0) as usize;
                let min = number("min_tolerance").unwrap_or(1.0) as usize;
                self.open_expand(LearnerType::Participant, (2 * min + 1).saturating_sub(v))
            }
            Kind::FixEvenVoters => self.open_expand(LearnerType::Participant, 1),
            Kind::Shrink => {
                let picked = self.shrink_suggestion(number("min_voters").unwrap_or(3.0) as usize);
                self.open_wizard(Flow::Shrink, |w| w.picked = picked)
            }
        }
    }

    fn open_expand(&mut self, role: LearnerType, how_many: usize) -> Vec<Effect> {
        self.open_wizard(Flow::Expand, |w| {
            if w.role() != role {
                w.toggle_role();
            }
            if let Some(f) = w.fields.get_mut(6) {
                f.set(how_many.clamp(1, 6).to_string());
            }
        })
    }

    /// The members a shrink would remove: the observers if any, else the highest-id voters
    /// that do not lead, down to `min_voters`.
    fn shrink_suggestion(&self, min_voters: usize) -> std::collections::BTreeSet<u64> {
        let Some(c) = self.membership.as_ref() else {
            return Default::default();
        };
        let observers: std::collections::BTreeSet<u64> = c.observers().map(|s| s.id).collect();
        if !observers.is_empty() {
            return observers;
        }
        let voters = c.voter_ids();
        let extra = voters.len().saturating_sub(min_voters);
        voters
            .into_iter()
            .rev()
            .filter(|id| Some(*id) != self.health.leader)
            .take(extra)
            .collect()
    }

    /// Opens `flow` in the workflow view with `prefill` applied; refuses (and says why)
    /// under --read-only, without a membership, or over a workflow already under way.
    fn open_wizard(&mut self, flow: Flow, prefill: impl FnOnce(&mut Wizard)) -> Vec<Effect> {
        if self.read_only {
            self.flash = Some((
                Level::Warn,
                "read-only: workflows are off; the advice is for reading".into(),
            ));
            return vec![];
        }
        let Some(config) = self.membership.clone() else {
            self.flash = Some((Level::Warn, "the membership is not known yet".into()));
            return vec![];
        };
        let mut w = match self.wizard.take() {
            Some(w) if !matches!(w.stage, Stage::Menu | Stage::Done) => {
                self.wizard = Some(w);
                self.flash = Some((
                    Level::Warn,
                    "a workflow is open already: finish or leave it first (w shows it)".into(),
                ));
                return vec![];
            }
            _ => Wizard::menu(self.sandbox),
        };
        if !self.refuse_static(&mut w, flow) {
            let snaps: Vec<_> = self.snapshots().into_iter().cloned().collect();
            let refs: Vec<_> = snaps.iter().collect();
            w.start(flow, Some(&config), &refs);
            prefill(&mut w);
        }
        self.wizard = Some(w);
        self.view = View::Workflow;
        vec![]
    }
}
