//! The incident report: what happened to an ensemble, in order, as Markdown. Built from what
//! the console keeps in the state dir (events, figures, the audit log, the roll journal) and,
//! for the state after, a live look when there is one.
//!
//! Pure but for `figures_file`: the callers (`zkconsole report`, `:report`) read the files and
//! hand the records in; `render` turns a `Report` into text.

pub mod figures;
pub mod figures_file;
mod render;
mod since;
mod spark;

pub use figures::{FigureLine, MemberFigures, MemberInput};
pub use render::{md_cell, render};
pub use since::{parse_duration, parse_since};
pub use spark::{sparkline, Cell};

use crate::config::Level;
use std::time::{Duration, SystemTime};

/// The default window of `zkconsole report` and `:report`.
pub const DEFAULT_SINCE: Duration = Duration::from_secs(24 * 3600);

/// Where a timeline line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// The console's events: breaches, recoveries, elections, members lost and back,
    /// membership changes, workflow and roll outcomes, notifications that failed.
    Event,
    /// The audit log: every write to ZooKeeper and every host action, intent and result.
    Audit,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Event => "event",
            Source::Audit => "audit",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub at: SystemTime,
    pub level: Level,
    pub source: Source,
    pub text: String,
}

/// The state after the window: observed now, or the last one recorded.
#[derive(Debug, Clone, PartialEq)]
pub enum After {
    Live(FigureLine),
    Recorded(FigureLine),
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub ensemble: String,
    pub from: SystemTime,
    pub to: SystemTime,
    /// When the report was made.
    pub written: SystemTime,
    pub zone: jiff::tz::TimeZone,
    /// Any order: the renderer puts them in time order (stable for equal times).
    pub entries: Vec<Entry>,
    /// Figures recorded in the window, oldest first.
    pub figures: Vec<FigureLine>,
    /// The last figures recorded before the window (the state before), if any.
    pub before: Option<FigureLine>,
    pub after: After,
    /// The ensemble's rolling restart journal, as one line, if there is one.
    pub roll_journal: Option<String>,
    /// What could not be read, said in the report rather than silently left out.
    pub notes: Vec<String>,
}

impl Report {
    /// A report of the window `[from, to]`: keeps the entries and figures inside it and the
    /// last figures before it.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        ensemble: &str,
        from: SystemTime,
        to: SystemTime,
        zone: jiff::tz::TimeZone,
        entries: Vec<Entry>,
        mut figures: Vec<FigureLine>,
        after: After,
    ) -> Report {
        figures.sort_by_key(|f| f.at_ms);
        let before = figures.iter().rev().find(|f| f.at() < from).cloned();
        figures.retain(|f| f.at() >= from && f.at() <= to);
        Report {
            ensemble: ensemble.to_string(),
            from,
            to,
            written: to,
            zone,
            entries: entries
                .into_iter()
                .filter(|e| e.at >= from && e.at <= to)
                .collect(),
            figures,
            before,
            after,
            roll_journal: None,
            notes: Vec::new(),
        }
    }
}

/// One audit line (as the audit log writes it) as a timeline entry; `None` for a line of
/// another ensemble or one without a readable time.
pub fn audit_entry(v: &serde_json::Value, ensemble: &str) -> Option<Entry> {
    let s = |k: &str| v.get(k).and_then(|x| x.as_str());
    if s("ensemble")? != ensemble {
        return None;
    }
    let ts: jiff::Timestamp = s("time")?.parse().ok()?;
    let at = SystemTime::UNIX_EPOCH + Duration::from_millis(ts.as_millisecond().max(0) as u64);
    let action = s("action").unwrap_or("?");
    let path = s("path").unwrap_or("");
    let result = s("result").unwrap_or("");
    let (level, text) = if s("phase") == Some("intent") {
        let mut t = format!("{action} {path}: intent");
        if let Some(u) = s("user") {
            t.push_str(&format!(" by {u}"));
        }
        if let Some(b) = s("before") {
            t.push_str(&format!("; {b}"));
        }
        if let Some(x) = s("expected_version") {
            t.push_str(&format!("; expected version {x}"));
        }
        (Level::Ok, t)
    } else {
        let mut t = format!("{action} {path}: {result}");
        if let Some(x) = s("new_version") {
            t.push_str(&format!("; new version {x}"));
        }
        let level = if result.starts_with("ok") {
            Level::Ok
        } else {
            Level::Warn
        };
        (level, t)
    };
    Some(Entry {
        at,
        level,
        source: Source::Audit,
        text,
    })
}

#[cfg(test)]
mod tests;
