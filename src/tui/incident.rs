//! The incident report's files: what the console keeps (events, figures, the audit log, the
//! roll journal) gathered into a `Report`, and the report written where the operator asked.
//! Blocking file work: the console runs it on the blocking pool, `zkconsole report` directly.

use crate::app::incident::ReportRequest;
use crate::app::{Msg, State};
use crate::config::state_dir;
use crate::incident::{audit_entry, figures_file, After, Entry, Report, Source};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use tokio::sync::mpsc::UnboundedSender;

/// What a report is about and over which window.
pub struct Ask {
    /// The ensemble's name as the console and the audit log call it.
    pub ensemble: String,
    pub seeds: Vec<String>,
    pub from: SystemTime,
    pub to: SystemTime,
    pub zone: jiff::tz::TimeZone,
    /// Events the caller holds besides the kept ones (the console's own, not all saved yet).
    pub events: Vec<Entry>,
    pub after: After,
}

/// Reads every kept record of the ensemble and makes the report; a file that cannot be read
/// is a note in the report, not a failure. `Err` only when there is no state dir at all.
pub fn gather(ask: Ask) -> Result<Report, String> {
    let dir = state_dir().map_err(|e| e.0)?;
    gather_in(&dir, ask)
}

pub fn gather_in(dir: &Path, ask: Ask) -> Result<Report, String> {
    let mut notes = Vec::new();
    let mut entries = ask.events;
    let events_path = crate::events_file::path_for(dir, &ask.seeds);
    for e in crate::events_file::load_all(&events_path) {
        entries.push(Entry {
            at: e.at,
            level: e.level,
            source: Source::Event,
            text: e.text,
        });
    }
    dedup(&mut entries);
    match read_audit(&dir.join("audit.jsonl"), &ask.ensemble) {
        Ok(mut a) => entries.append(&mut a),
        Err(e) => notes.push(format!("the audit log could not be read: {e}")),
    }
    let figures_path = figures_file::path_for(dir, &ask.seeds);
    let figures = figures_file::load(&figures_path).unwrap_or_else(|e| {
        notes.push(format!("{}: {e}", figures_path.display()));
        Vec::new()
    });
    if figures.is_empty() {
        notes.push(
            "no figures were recorded for this ensemble (the console records them every 10 s \
             while it runs): no worst moment or sparklines"
                .into(),
        );
    }
    let after = match ask.after {
        After::Unknown => figures
            .last()
            .cloned()
            .map_or(After::Unknown, After::Recorded),
        a => a,
    };
    let mut r = Report::new(
        &ask.ensemble,
        ask.from,
        ask.to,
        ask.zone,
        entries,
        figures,
        after,
    );
    let journal = crate::rolling::journal::Journal::location(dir, &ask.ensemble);
    match crate::rolling::journal::Journal::load(&journal) {
        Ok(Some(j)) => {
            r.roll_journal = Some(format!(
                "order {:?}, done {:?}: {}",
                j.order,
                j.done,
                j.whereabouts()
            ))
        }
        Ok(None) => {}
        Err(e) => notes.push(e),
    }
    r.notes = notes;
    Ok(r)
}

/// The console's own events and the kept ones overlap (a restart recalls the kept ones).
fn dedup(entries: &mut Vec<Entry>) {
    let mut seen = std::collections::BTreeSet::new();
    entries.retain(|e| seen.insert((e.at, e.text.clone())));
}

/// The ensemble's audit lines, read line by line (the log is never cut).
fn read_audit(path: &Path, ensemble: &str) -> std::io::Result<Vec<Entry>> {
    let f = match crate::config::open_private(path, false) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for line in std::io::BufReader::new(f).lines() {
        let line = line?;
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
            out.extend(audit_entry(&v, ensemble));
        }
    }
    Ok(out)
}

/// `$XDG_STATE_HOME/zkconsole/reports/<ensemble>-<time>.md`.
fn report_path(dir: &Path, ensemble: &str, at: SystemTime) -> PathBuf {
    let safe: String = ensemble
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(60)
        .collect();
    let stamp: String = crate::timefmt::rfc3339(at)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    dir.join("reports").join(format!("{safe}-{stamp}.md"))
}

/// `Effect::Report`: gathers and writes off the event loop, then answers `Msg::Report`.
pub fn write_from_console(req: ReportRequest, state: &State, tx: UnboundedSender<Msg>) {
    let events = state
        .events
        .newest()
        .map(|e| Entry {
            at: e.at,
            level: e.level,
            source: Source::Event,
            text: e.text.clone(),
        })
        .collect();
    let ask = Ask {
        ensemble: state.ensemble.clone(),
        seeds: state.seeds.clone(),
        from: req.from,
        to: req.to,
        zone: state.zone.clone(),
        events,
        after: After::Live(req.now),
    };
    tokio::task::spawn_blocking(move || {
        let r = write_console_report(ask);
        if let Err(e) = &r {
            tracing::warn!(error = %e, "incident report not written");
        }
        let _ = tx.send(Msg::Report(r));
    });
}

fn write_console_report(ask: Ask) -> Result<String, String> {
    let dir = state_dir().map_err(|e| e.0)?;
    let (ensemble, to) = (ask.ensemble.clone(), ask.to);
    let report = gather_in(&dir, ask)?;
    let path = report_path(&dir, &ensemble, to);
    if let Some(parent) = path.parent() {
        crate::config::ensure_private_dir(parent).map_err(|e| e.0)?;
    }
    // Readable by us only: a report names hosts and users.
    crate::config::write_private(&path, crate::incident::render(&report).as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    tracing::info!(path = %path.display(), "incident report written");
    Ok(path.display().to_string())
}
