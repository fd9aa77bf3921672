//! Rate limiting per rule: a rule runs at most once per `min_interval_s`. A notice that comes
//! sooner is held; when the interval ends the newest held one is sent, saying how many it
//! stands for, so an incident pages once and its end is never lost.

use super::Notice;
use crate::config::notify::{NotifyOn, NotifyRule};
use std::time::{Duration, Instant};

/// Held notices listed in a dispatch: enough to read what happened, bounded however many
/// were folded.
pub const HELD_LISTED: usize = 20;

/// One run of one rule's command.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispatch {
    /// Index into the rules the limiter was built with.
    pub rule: usize,
    pub notice: Notice,
    /// Notices of this rule not sent since its previous run.
    pub suppressed: u32,
    /// The newest of them, oldest first (at most `HELD_LISTED`).
    pub suppressed_events: Vec<Notice>,
}

#[derive(Debug, Clone)]
struct RuleState {
    on: Vec<NotifyOn>,
    interval: Duration,
    last_sent: Option<Instant>,
    /// The notices held back, oldest first; the newest is sent when the interval ends.
    held: Vec<Notice>,
    /// How many were held in all (`held` is bounded).
    held_count: u32,
}

#[derive(Debug, Clone, Default)]
pub struct Limiter {
    rules: Vec<RuleState>,
}

impl Limiter {
    pub fn new(rules: &[NotifyRule]) -> Limiter {
        Limiter {
            rules: rules
                .iter()
                .map(|r| RuleState {
                    on: r.on.clone(),
                    interval: r.min_interval(),
                    last_sent: None,
                    held: Vec::new(),
                    held_count: 0,
                })
                .collect(),
        }
    }

    /// A new notice at `now`: the runs due for it now (the other matching rules hold it).
    pub fn offer(&mut self, notice: &Notice, now: Instant) -> Vec<Dispatch> {
        let mut out = Vec::new();
        for (i, r) in self.rules.iter_mut().enumerate() {
            if !r.on.iter().any(|o| notice.on.contains(o)) {
                continue;
            }
            r.held.push(notice.clone());
            r.held_count += 1;
            if r.held.len() > HELD_LISTED + 1 {
                r.held.remove(0);
            }
            out.extend(r.flush(i, now));
        }
        out
    }

    /// Held notices whose rule's interval has ended by `now` (call it now and then).
    pub fn due(&mut self, now: Instant) -> Vec<Dispatch> {
        let mut out = Vec::new();
        for (i, r) in self.rules.iter_mut().enumerate() {
            out.extend(r.flush(i, now));
        }
        out
    }

    /// Notices held back and not yet sent, all rules.
    pub fn pending(&self) -> u32 {
        self.rules.iter().map(|r| r.held_count).sum()
    }
}

impl RuleState {
    fn flush(&mut self, rule: usize, now: Instant) -> Option<Dispatch> {
        let ready = self
            .last_sent
            .is_none_or(|t| now.saturating_duration_since(t) >= self.interval);
        if !ready || self.held.is_empty() {
            return None;
        }
        let notice = self.held.pop()?;
        let suppressed = self.held_count - 1;
        let suppressed_events = std::mem::take(&mut self.held);
        self.held_count = 0;
        self.last_sent = Some(now);
        Some(Dispatch {
            rule,
            notice,
            suppressed,
            suppressed_events,
        })
    }
}
