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
}

#[derive(Debug, Clone, Default)]
pub struct EventLog {
    events: VecDeque<Event>,
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
        self.events.push_back(Event { at, level, text });
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
