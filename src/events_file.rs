//! The events of earlier runs on the same ensemble, kept in the state dir (bounded), so a
//! console restarted during an incident still shows what happened before it started.
//!
//! One JSON object per line, appended as events happen; the file is cut back to the newest
//! `KEEP` lines when it grows past twice that. Keyed on the seed set, like the remembered
//! membership.

use crate::app::events::Event;
use crate::config::Level;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Events of earlier runs shown after a restart.
pub const KEEP: usize = 200;

#[derive(Serialize, Deserialize)]
struct Line {
    /// Milliseconds since the Unix epoch.
    at_ms: u64,
    /// `ok`, `warn` or `critical`.
    level: String,
    text: String,
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Ok => "ok",
        Level::Warn => "warn",
        Level::Critical => "critical",
    }
}

fn level_of(name: &str) -> Level {
    match name {
        "critical" => Level::Critical,
        "warn" => Level::Warn,
        _ => Level::Ok,
    }
}

/// Where the events of the ensemble reached through `seeds` are kept under `dir`.
pub fn path_for(dir: &Path, seeds: &[String]) -> PathBuf {
    let membership = crate::remembered::path_for(dir, seeds);
    let key = membership
        .file_stem()
        .map_or_else(|| "default".into(), |s| s.to_string_lossy().to_string());
    dir.join("events").join(format!("{key}.jsonl"))
}

/// The default location: `$XDG_STATE_HOME/zkconsole/events/`.
/// `None` without a private state directory: the events are then not kept across runs.
pub fn default_path(seeds: &[String]) -> Option<PathBuf> {
    crate::config::state_dir()
        .ok()
        .map(|dir| path_for(&dir, seeds))
}

/// The newest `KEEP` events stored at `path`, oldest first; unreadable lines are skipped.
pub fn load(path: &Path) -> Vec<Event> {
    let mut out = load_all(path);
    let extra = out.len().saturating_sub(KEEP);
    out.drain(..extra);
    out
}

/// Every event stored at `path` (at most twice `KEEP`), oldest first: the incident report
/// reads them all.
pub fn load_all(path: &Path) -> Vec<Event> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str::<Line>(l).ok())
        .map(|l| Event {
            at: SystemTime::UNIX_EPOCH + Duration::from_millis(l.at_ms),
            level: level_of(&l.level),
            text: l.text,
            earlier: true,
        })
        .collect()
}

/// Appends `events` (oldest first); cuts the file back to `KEEP` lines when it has grown
/// past twice that.
pub fn append(path: &Path, events: &[&Event]) -> std::io::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut text = String::new();
    for e in events {
        let line = Line {
            at_ms: e
                .at
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            level: level_name(e.level).to_string(),
            text: e.text.clone(),
        };
        text.push_str(&serde_json::to_string(&line).map_err(std::io::Error::other)?);
        text.push('\n');
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    drop(f);
    let lines = std::fs::read_to_string(path)?.lines().count();
    if lines > 2 * KEEP {
        let keep = load(path);
        let tmp = path.with_extension(format!("jsonl.{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let refs: Vec<&Event> = keep.iter().collect();
        append(&tmp, &refs)?;
        std::fs::rename(&tmp, path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(n: u64) -> Event {
        Event {
            at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + n),
            level: Level::Warn,
            text: format!("event {n}"),
            earlier: false,
        }
    }

    #[test]
    fn events_come_back_marked_earlier_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let seeds = vec!["127.0.0.1:2181".to_string()];
        let path = path_for(dir.path(), &seeds);
        assert!(load(&path).is_empty(), "nothing stored yet");
        let all: Vec<Event> = (0..(3 * KEEP as u64)).map(ev).collect();
        for chunk in all.chunks(7) {
            let refs: Vec<&Event> = chunk.iter().collect();
            append(&path, &refs).unwrap();
        }
        let back = load(&path);
        assert_eq!(back.len(), KEEP);
        assert!(back.iter().all(|e| e.earlier));
        assert_eq!(back.last().unwrap().text, format!("event {}", 3 * KEEP - 1));
        assert_eq!(back.last().unwrap().at, all.last().unwrap().at);
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert!(lines <= 2 * KEEP, "{lines} lines kept");
    }
}
