//! The events timeline: breaches and recoveries, role changes, elections, members lost and
//! back, membership changes. Bounded; each event is also written to the log file.

use crate::config::Level;
use std::collections::VecDeque;
use std::time::SystemTime;

pub const MAX_EVENTS: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub at: SystemTime,
    pub level: Level,
    pub text: String,
    /// Recorded by an earlier run of the console on this ensemble.
    pub earlier: bool,
}

#[derive(Debug, Clone, Default)]
pub struct EventLog {
    events: VecDeque<Event>,
    /// Events pushed by this run, ever (the log is bounded; this is not): what is not yet
    /// kept in the state dir is the newest `pushed - saved` of them.
    pushed: u64,
}

impl EventLog {
    pub fn push(&mut self, at: SystemTime, level: Level, text: String) {
        match level {
            Level::Critical => tracing::error!(event = %text),
            Level::Warn => tracing::warn!(event = %text),
            Level::Ok => tracing::info!(event = %text),
        }
        if self.events.len() == MAX_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(Event {
            at,
            level,
            text,
            earlier: false,
        });
        self.pushed += 1;
    }

    /// Events of earlier runs (oldest first), placed before this run's.
    pub fn recall(&mut self, earlier: Vec<Event>) {
        for e in earlier.into_iter().rev() {
            if self.events.len() == MAX_EVENTS {
                break;
            }
            self.events.push_front(Event { earlier: true, ..e });
        }
    }

    /// How many events this run has pushed.
    pub fn pushed(&self) -> u64 {
        self.pushed
    }

    /// This run's events after the first `saved` of them, oldest first.
    pub fn since(&self, saved: u64) -> Vec<&Event> {
        let n = (self.pushed.saturating_sub(saved) as usize).min(self.events.len());
        self.events
            .iter()
            .skip(self.events.len() - n)
            .filter(|e| !e.earlier)
            .collect()
    }

    /// Newest first.
    pub fn newest(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().rev()
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}
