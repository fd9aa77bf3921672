//! The console's side of notifications: reads the model's new events after each batch and
//! says which commands to run. The first observations are the ensemble as found, not news:
//! nothing is sent until every member has answered long enough for a breach present at
//! start-up to have been raised (two samples, and the short window filled).

use super::{Classifier, Dispatch, Limiter, Notice};
use crate::alerts::hysteresis::RAISE_AFTER;
use crate::app::State;
use crate::config::notify::NotifyRule;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Watch {
    pub rules: Vec<NotifyRule>,
    classifier: Classifier,
    limiter: Limiter,
    /// Events of this run already read (the model's `EventLog::pushed`).
    seen: u64,
    started: Instant,
    /// How long after the start a breach of a windowed figure may still be the baseline.
    settle: Duration,
    armed: bool,
    /// Notices classified while not yet armed (the baseline), for the log.
    pub baseline_notices: u32,
}

/// What one look at the model gives.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    pub dispatches: Vec<Dispatch>,
    /// Notices held back by a rule's interval this time.
    pub held: Vec<Notice>,
    /// Set once, the first time notifications are armed.
    pub armed_now: bool,
}

impl Watch {
    /// `refresh`: the probe interval (the baseline waits a couple of rounds past the short
    /// window).
    pub fn new(rules: Vec<NotifyRule>, started: Instant, refresh: Duration) -> Watch {
        Watch {
            limiter: Limiter::new(&rules),
            rules,
            classifier: Classifier::default(),
            seen: 0,
            started,
            settle: crate::history::window::SHORT + 2 * refresh,
            armed: false,
            baseline_notices: 0,
        }
    }

    pub fn armed(&self) -> bool {
        self.armed
    }

    /// Reads the events the model pushed since the last look; `now` is the time of the look.
    pub fn observe(&mut self, state: &State, now: Instant) -> Outcome {
        let mut out = Outcome::default();
        if self.rules.is_empty() {
            return out;
        }
        let fresh: Vec<(std::time::SystemTime, crate::config::Level, String)> = state
            .events
            .since(self.seen)
            .into_iter()
            .map(|e| (e.at, e.level, e.text.clone()))
            .collect();
        self.seen = state.events.pushed();
        // Armed after this batch's events: those that came with the baseline stay baseline.
        let arm = !self.armed && self.baseline_done(state, now);
        for (at, level, text) in fresh {
            let Some(notice) = self.classifier.classify(at, level, &text) else {
                continue;
            };
            if !self.armed {
                self.baseline_notices += 1;
                continue;
            }
            let wanted = self
                .rules
                .iter()
                .any(|r| r.on.iter().any(|o| notice.on.contains(o)));
            let sent = self.limiter.offer(&notice, now);
            if wanted && sent.is_empty() {
                out.held.push(notice);
            }
            out.dispatches.extend(sent);
        }
        out.dispatches.extend(self.limiter.due(now));
        if arm {
            self.armed = true;
            out.armed_now = true;
        }
        out
    }

    fn baseline_done(&self, state: &State, now: Instant) -> bool {
        state.baseline
            && !state.members.is_empty()
            && state
                .members
                .values()
                .all(|m| m.samples >= u64::from(RAISE_AFTER))
            && now.saturating_duration_since(self.started) >= self.settle
    }
}
