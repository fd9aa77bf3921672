//! Notifications: which console events run which `[[notify]]` command, and how often.
//!
//! Pure: the console's events come in (time, level, text), notices and dispatches go out; the
//! console's worker runs the commands. The event texts are the model's own (`src/app/`), and
//! the tests drive the model to keep the two in step.

mod limiter;
mod watch;

pub use limiter::{Dispatch, Limiter, HELD_LISTED};
pub use watch::{Outcome, Watch};

use crate::app::events::members_named;
use crate::config::notify::NotifyOn;
use crate::config::{Level, Metric};
use serde::Serialize;
use std::collections::BTreeSet;
use std::time::SystemTime;

/// One event worth a notification, with what a command needs to route it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    /// RFC 3339, UTC.
    pub time: String,
    #[serde(skip)]
    pub at: SystemTime,
    /// What it is (a rule runs when it names any of them), e.g. `["critical","quorum_loss"]`.
    pub kinds: Vec<&'static str>,
    #[serde(skip)]
    pub on: Vec<NotifyOn>,
    pub level: Level,
    /// The event as the console's timeline shows it.
    pub text: String,
    /// The member the event is about, if one.
    pub member: Option<u64>,
    /// The threshold metric of a breach or recovery.
    pub metric: Option<&'static str>,
    pub value: Option<f64>,
}

/// Turns events into notices, remembering which critical things are open so a recovery is
/// told only of something that was critical.
#[derive(Debug, Clone, Default)]
pub struct Classifier {
    /// `leader`, `quorum`, or `<who> <metric>` of a breach at critical.
    open: BTreeSet<String>,
}

impl Classifier {
    /// The notice an event makes, if any. Every event goes through here (those of the
    /// start-up baseline too), so what is open is always known.
    pub fn classify(&mut self, at: SystemTime, level: Level, text: &str) -> Option<Notice> {
        let mut on = Vec::new();
        let mut metric = None;
        let mut value = None;
        if let Some((key, m, v)) = breach(text, " CRITICAL ") {
            self.open.insert(key);
            (metric, value) = (Some(m), v);
        } else if let Some((key, m, v)) = recovered(text) {
            if !self.open.remove(&key) {
                return None;
            }
            on.push(NotifyOn::Recovery);
            (metric, value) = (Some(m), v);
        } else if let Some(key) = no_longer_reported(text) {
            // A member that went silent: its breaches end without recovering.
            self.open.remove(&key);
            return None;
        } else if text.starts_with("leader member ") && text.ends_with("no leader") {
            self.open.insert("leader".into());
        } else if text.starts_with("leader elected: member ") {
            on.push(NotifyOn::Election);
            if self.open.remove("leader") {
                on.push(NotifyOn::Recovery);
            }
        } else if text == "quorum lost" {
            self.open.insert("quorum".into());
            on.push(NotifyOn::QuorumLoss);
        } else if text == "quorum restored" {
            self.open.remove("quorum");
            on.push(NotifyOn::Recovery);
        }
        if level == Level::Critical {
            on.insert(0, NotifyOn::Critical);
        }
        if on.is_empty() {
            return None;
        }
        on.sort();
        on.dedup();
        Some(Notice {
            time: crate::timefmt::rfc3339(at),
            at,
            kinds: on.iter().map(|o| o.key()).collect(),
            on,
            level,
            text: text.to_string(),
            member: members_named(text).first().copied(),
            metric,
            value,
        })
    }
}

/// `<who> CRITICAL <metric> = <value>`: (key, metric, value).
fn breach(text: &str, word: &str) -> Option<(String, &'static str, Option<f64>)> {
    let (who, rest) = text.split_once(word)?;
    let (m, v) = rest.split_once(" = ")?;
    let metric = metric_named(m)?;
    Some((format!("{who} {metric}"), metric, v.trim().parse().ok()))
}

/// `<who> <metric> recovered to <level> (<value>)`.
fn recovered(text: &str) -> Option<(String, &'static str, Option<f64>)> {
    let (head, tail) = text.split_once(" recovered to ")?;
    let (who, m) = head.rsplit_once(' ')?;
    let metric = metric_named(m)?;
    let value = tail
        .split_once('(')
        .and_then(|(_, v)| v.trim_end_matches(')').parse().ok());
    Some((format!("{who} {metric}"), metric, value))
}

/// `<who> <metric> no longer reported`: the key it closes.
fn no_longer_reported(text: &str) -> Option<String> {
    let head = text.strip_suffix(" no longer reported")?;
    let (who, m) = head.rsplit_once(' ')?;
    Some(format!("{who} {}", metric_named(m)?))
}

fn metric_named(key: &str) -> Option<&'static str> {
    Metric::ALL.iter().map(|m| m.key()).find(|k| *k == key)
}

/// What the command reads on standard input: one JSON object (and a newline).
#[derive(Debug, Clone, Serialize)]
pub struct Payload<'a> {
    pub ensemble: &'a str,
    #[serde(flatten)]
    pub notice: &'a Notice,
    /// The ensemble as the console sees it when the command runs.
    pub leader: Option<u64>,
    pub has_quorum: bool,
    /// Notices of this rule held back by `min_interval_s` since its last run, folded into
    /// this one (the newest few are listed in `suppressed_events`).
    pub suppressed: u32,
    pub suppressed_events: &'a [Notice],
    /// The rule's command as configured, so one script can serve several rules.
    pub rule: &'a str,
}

impl Payload<'_> {
    pub fn to_json_line(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec(self).unwrap_or_default();
        v.push(b'\n');
        v
    }
}

#[cfg(test)]
mod tests;
