//! A bounded summary of the ensemble's figures over time, as the incident report needs it:
//! the state before and after, the members' figures at the worst moment, and sparklines. The
//! console records one line every `EVERY` (see `figures_file`).

use crate::config::Level;
use crate::ensemble::member::MemberSnapshot;
use crate::health::Health;
use crate::history::window::Windows;
use crate::load::Load;
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime};

/// How often the console records a line of figures.
pub const EVERY: Duration = Duration::from_secs(10);

/// One member at one moment. Figures a member did not report are absent, never 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberFigures {
    pub id: Option<u64>,
    pub address: String,
    pub role: String,
    /// Average latency over the last 10 s when known, else the lifetime average.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    /// Whether `latency_ms` is over the 10 s window (false: the lifetime average).
    #[serde(default)]
    pub latency_windowed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_latency_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outstanding: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_s: Option<f64>,
    /// The load score (1.0 = a signal at its critical threshold) and its driver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
}

/// The ensemble at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureLine {
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// `ok`, `warn` or `critical`, as the header shows it.
    pub level: String,
    pub leader: Option<u64>,
    pub voters: usize,
    pub live_voters: usize,
    pub has_quorum: bool,
    /// The busiest member's load score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<f64>,
    pub members: Vec<MemberFigures>,
}

/// What the builder needs of one member.
pub struct MemberInput<'a> {
    pub snap: &'a MemberSnapshot,
    pub windows: Option<&'a Windows>,
    pub rate: Option<f64>,
    pub load: Option<&'a Load>,
    /// The role as the console shows it (`paused` for a member a drill paused).
    pub role: &'a str,
}

impl MemberFigures {
    pub fn of(m: &MemberInput) -> MemberFigures {
        let alive = m.snap.role.is_alive();
        // A silent member's last figures are not its figures now.
        let f = |key: &str| m.snap.metric_f64(key).filter(|_| alive);
        let windowed = m
            .windows
            .filter(|_| alive)
            .and_then(|w| w.short)
            .and_then(|w| w.latency_avg_ms);
        MemberFigures {
            id: m.snap.id,
            address: m.snap.address.clone(),
            role: m.role.to_string(),
            latency_ms: windowed.or_else(|| f("avg_latency")),
            latency_windowed: windowed.is_some(),
            max_latency_ms: f("max_latency"),
            outstanding: f("outstanding_requests"),
            connections: f("num_alive_connections"),
            requests_per_s: m.rate.filter(|_| alive),
            load: m.load.filter(|_| alive).map(|l| l.score),
            driver: m.load.filter(|_| alive).map(|l| l.driver.to_string()),
        }
    }
}

impl FigureLine {
    pub fn of(at: SystemTime, health: &Health, members: &[MemberInput]) -> FigureLine {
        let members: Vec<MemberFigures> = members.iter().map(MemberFigures::of).collect();
        let load = members
            .iter()
            .filter_map(|m| m.load)
            .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.max(b))));
        FigureLine {
            at_ms: millis(at),
            level: level_key(health.level).into(),
            leader: health.leader,
            voters: health.voters,
            live_voters: health.live_voters,
            has_quorum: health.has_quorum,
            load,
            members,
        }
    }

    pub fn at(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(self.at_ms)
    }

    pub fn level(&self) -> Level {
        match self.level.as_str() {
            "critical" => Level::Critical,
            "warn" => Level::Warn,
            _ => Level::Ok,
        }
    }

    /// How bad the moment was, for picking the worst: quorum lost, then no leader, then the
    /// header's level, then the highest load score.
    pub fn severity(&self) -> (bool, bool, Level, f64) {
        (
            !self.has_quorum,
            self.leader.is_none(),
            self.level(),
            self.load.unwrap_or(0.0),
        )
    }
}

pub fn millis(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

pub fn level_key(l: Level) -> &'static str {
    match l {
        Level::Ok => "ok",
        Level::Warn => "warn",
        Level::Critical => "critical",
    }
}

/// The worst moment among `lines` (the first of equals).
pub fn worst(lines: &[FigureLine]) -> Option<&FigureLine> {
    lines
        .iter()
        .fold(None, |w: Option<&FigureLine>, l| match w {
            Some(w)
                if w.severity().partial_cmp(&l.severity()) != Some(std::cmp::Ordering::Less) =>
            {
                Some(w)
            }
            _ => Some(l),
        })
}
