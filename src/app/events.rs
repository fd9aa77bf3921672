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

/// Which events the timeline keeps besides the `/` search, and whether the selected line is
/// expanded (its whole text, wrapped).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimelineView {
    /// Only events naming `member N`.
    pub member: Option<u64>,
    pub kind: Option<Kind>,
    pub expanded: bool,
}

/// What an event is, for the timeline's filter: by its level, or from an earlier run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Critical,
    Warn,
    Ok,
    Earlier,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Critical, Kind::Warn, Kind::Ok, Kind::Earlier];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Critical => "critical",
            Kind::Warn => "warn",
            Kind::Ok => "ok",
            Kind::Earlier => "earlier runs",
        }
    }

    fn of(e: &Event) -> Kind {
        match (e.earlier, e.level) {
            (true, _) => Kind::Earlier,
            (_, Level::Critical) => Kind::Critical,
            (_, Level::Warn) => Kind::Warn,
            (_, Level::Ok) => Kind::Ok,
        }
    }
}

/// The member ids an event's text names (`member 3 lost`, `member 12 back`).
pub fn members_named(text: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("member ") {
        rest = &rest[i + "member ".len()..];
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(id) = digits.parse() {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out
}

impl TimelineView {
    pub fn keeps(&self, e: &Event) -> bool {
        self.member
            .is_none_or(|id| members_named(&e.text).contains(&id))
            && self.kind.is_none_or(|k| Kind::of(e) == k)
    }

    /// `m`: the next member the events name, then all again.
    pub fn next_member(&mut self, log: &EventLog) {
        let mut ids: Vec<u64> = log.newest().flat_map(|e| members_named(&e.text)).collect();
        ids.sort_unstable();
        ids.dedup();
        self.member = match self.member {
            None => ids.first().copied(),
            Some(cur) => ids.into_iter().find(|id| *id > cur),
        };
    }

    /// `v`: critical, warn, ok, earlier runs, then all again.
    pub fn next_kind(&mut self) {
        self.kind = match self.kind {
            None => Some(Kind::ALL[0]),
            Some(k) => Kind::ALL
                .iter()
                .position(|x| *x == k)
                .and_then(|i| Kind::ALL.get(i + 1).copied()),
        };
    }

    /// What the title says of the filters, if any.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(id) = self.member {
            parts.push(format!("member {id}"));
        }
        if let Some(k) = self.kind {
            parts.push(k.label().to_string());
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// The timeline's own keys: enter expands the selected line, `m` and `v` filter.
impl super::State {
    pub(super) fn events_key(&mut self, key: super::keys::KeyInput) -> Option<Vec<super::Effect>> {
        use super::keys::KeyCode;
        if key.ctrl || key.alt {
            return None;
        }
        match key.code {
            KeyCode::Enter | KeyCode::Char('l') => self.timeline.expanded = !self.timeline.expanded,
            KeyCode::Char('m') => {
                self.timeline.next_member(&self.events);
                self.events_scroll = 0;
            }
            KeyCode::Char('v') => {
                self.timeline.next_kind();
                self.events_scroll = 0;
            }
            _ => return None,
        }
        Some(vec![])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(text: &str, level: Level, earlier: bool) -> Event {
        Event {
            at: SystemTime::UNIX_EPOCH,
            level,
            text: text.into(),
            earlier,
        }
    }

    #[test]
    fn members_are_found_whole_and_filters_cycle() {
        assert_eq!(
            members_named("member 12 lost: down (member 1 said)"),
            [12, 1]
        );
        assert_eq!(members_named("quorum lost"), Vec::<u64>::new());
        let mut log = EventLog::default();
        log.push(SystemTime::UNIX_EPOCH, Level::Warn, "member 12 lost".into());
        log.push(SystemTime::UNIX_EPOCH, Level::Ok, "member 1 back".into());
        let mut t = TimelineView::default();
        t.next_member(&log);
        assert_eq!(t.member, Some(1));
        assert!(
            !t.keeps(&ev("member 12 lost", Level::Warn, false)),
            "12 is not 1"
        );
        assert!(t.keeps(&ev("member 1 back", Level::Ok, false)));
        t.next_member(&log);
        assert_eq!(t.member, Some(12));
        t.next_member(&log);
        assert_eq!(t.member, None, "then all again");
        t.next_kind();
        assert_eq!(t.describe().as_deref(), Some("critical"));
        assert!(!t.keeps(&ev("quorum restored", Level::Ok, false)));
        for _ in 0..3 {
            t.next_kind();
        }
        assert!(t.keeps(&ev("x", Level::Ok, true)), "earlier runs");
        t.next_kind();
        assert_eq!(t.kind, None);
    }
}
