//! The report as Markdown. Every text that came from a server, a command or the operator goes
//! through `md_cell`, so a backtick, a pipe or a newline in an event cannot break the tables.

use super::figures::{worst, FigureLine, MemberFigures};
use super::spark::{bucket, sparkline, Cell};
use super::{After, Report};
use crate::config::Level;
use std::fmt::Write;
use std::time::{Duration, SystemTime};

/// Columns of the sparklines at most (fewer when fewer figures were recorded).
const SPARK_COLUMNS: usize = 60;

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Incident report: {}\n", md_cell(&r.ensemble));
    summary(&mut out, r);
    state_section(&mut out, r, "State before", before_of(r));
    let after = match &r.after {
        After::Live(f) => Some((f, "observed live")),
        After::Recorded(f) => Some((f, "the last recorded (nothing answered now)")),
        After::Unknown => None,
    };
    state_section(&mut out, r, "State after", after);
    timeline(&mut out, r);
    worst_section(&mut out, r);
    sparklines(&mut out, r);
    if let Some(j) = &r.roll_journal {
        let _ = writeln!(out, "## Rolling restart journal\n\n{}\n", md_cell(j));
    }
    if !r.notes.is_empty() {
        let _ = writeln!(out, "## Notes\n");
        for n in &r.notes {
            let _ = writeln!(out, "- {}", md_cell(n));
        }
        out.push('\n');
    }
    out
}

fn summary(out: &mut String, r: &Report) {
    let count = |l: Level| r.entries.iter().filter(|e| e.level == l).count();
    let zone = r.zone.iana_name().unwrap_or("local");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| window | {} → {} ({}) |",
        time(r, r.from),
        time(r, r.to),
        span(r.to.duration_since(r.from).unwrap_or_default())
    );
    let _ = writeln!(
        out,
        "| written | {} by zkconsole {} |",
        time(r, r.written),
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(out, "| times | {} |", md_cell(zone));
    let worst_line = match worst(&r.figures) {
        Some(w) => format!("{}: {}", time(r, w.at()), state_words(w)),
        None => "no figures recorded in the window".into(),
    };
    let _ = writeln!(out, "| worst moment | {worst_line} |");
    let _ = writeln!(
        out,
        "| timeline | {} lines: {} critical, {} warn, {} ok |",
        r.entries.len(),
        count(Level::Critical),
        count(Level::Warn),
        count(Level::Ok)
    );
    let _ = writeln!(
        out,
        "| figures | {} recorded, every {} s and at events |\n",
        r.figures.len(),
        super::figures::EVERY.as_secs()
    );
}

/// The state before: the last figures before the window, else the first inside it.
fn before_of(r: &Report) -> Option<(&FigureLine, &'static str)> {
    match (&r.before, r.figures.first()) {
        (Some(b), _) => Some((b, "the last recorded before the window")),
        (None, Some(f)) => Some((f, "the first recorded in the window")),
        (None, None) => None,
    }
}

fn state_section(out: &mut String, r: &Report, title: &str, f: Option<(&FigureLine, &str)>) {
    let _ = writeln!(out, "## {title}\n");
    let Some((f, how)) = f else {
        let _ = writeln!(out, "Not known: nothing recorded.\n");
        return;
    };
    let _ = writeln!(out, "At {} ({how}): {}.\n", time(r, f.at()), state_words(f));
    members_table(out, &f.members);
}

/// `CRITICAL, quorum lost, no leader, 1 of 3 voters live, load 1.20`.
fn state_words(f: &FigureLine) -> String {
    let mut parts = vec![f.level.to_uppercase()];
    parts.push(if f.has_quorum {
        "quorum held".into()
    } else {
        "quorum lost".into()
    });
    parts.push(match f.leader {
        Some(l) => format!("leader {l}"),
        None => "no leader".into(),
    });
    parts.push(format!("{} of {} voters live", f.live_voters, f.voters));
    if let Some(l) = f.load {
        parts.push(format!("load {l:.2}"));
    }
    parts.join(", ")
}

fn members_table(out: &mut String, members: &[MemberFigures]) {
    let _ = writeln!(
        out,
        "| member | address | role | latency ms | max ms | outstanding | connections | req/s | load |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for m in members {
        let id = m.id.map_or("?".into(), |i| i.to_string());
        let lat = match (m.latency_ms, m.latency_windowed) {
            (Some(v), true) => format!("{v:.1} (10 s)"),
            (Some(v), false) => format!("{v:.1} (lifetime)"),
            (None, _) => "–".into(),
        };
        let load = match (m.load, &m.driver) {
            (Some(s), Some(d)) => format!("{s:.2} ({})", md_cell(d)),
            (Some(s), None) => format!("{s:.2}"),
            _ => "–".into(),
        };
        let _ = writeln!(
            out,
            "| {id} | {} | {} | {lat} | {} | {} | {} | {} | {load} |",
            md_cell(&m.address),
            md_cell(&m.role),
            num(m.max_latency_ms),
            num(m.outstanding),
            num(m.connections),
            num(m.requests_per_s),
        );
    }
    out.push('\n');
}

fn timeline(out: &mut String, r: &Report) {
    let _ = writeln!(out, "## Timeline\n");
    if r.entries.is_empty() {
        let _ = writeln!(out, "Nothing recorded in the window.\n");
        return;
    }
    let mut entries: Vec<&super::Entry> = r.entries.iter().collect();
    // Stable: equal times keep the order they were recorded in.
    entries.sort_by_key(|e| e.at);
    let _ = writeln!(out, "| time | level | source | what |\n|---|---|---|---|");
    for e in entries {
        let level = match e.level {
            Level::Critical => "**CRITICAL**",
            Level::Warn => "warn",
            Level::Ok => "ok",
        };
        let _ = writeln!(
            out,
            "| {} | {level} | {} | {} |",
            time(r, e.at),
            e.source.label(),
            md_cell(&e.text)
        );
    }
    out.push('\n');
}

fn worst_section(out: &mut String, r: &Report) {
    let Some(w) = worst(&r.figures) else {
        return;
    };
    let _ = writeln!(
        out,
        "## Members at the worst moment\n\nAt {}: {}.\n",
        time(r, w.at()),
        state_words(w)
    );
    members_table(out, &w.members);
}

fn sparklines(out: &mut String, r: &Report) {
    if r.figures.is_empty() {
        return;
    }
    let (from, to) = (super::figures::millis(r.from), super::figures::millis(r.to));
    // One column per recording interval when the window is short, so gaps show as gaps.
    let slots = ((to - from) / super::figures::EVERY.as_millis() as u64).max(1) as usize;
    let columns = slots.min(SPARK_COLUMNS);
    let step = Duration::from_millis((to - from) / columns as u64);
    let _ = writeln!(
        out,
        "## Sparklines\n\nFrom {} to {}, one column per {}: the highest value in it, ▁ at 0 to █ at \
         the maximum shown; blank: nothing recorded; `·`: the member did not answer.\n",
        time(r, r.from),
        time(r, r.to),
        span(step)
    );
    let mut rows: Vec<(String, Vec<(u64, Cell)>)> = Vec::new();
    let series = |f: &dyn Fn(&FigureLine) -> Cell| -> Vec<(u64, Cell)> {
        r.figures.iter().map(|l| (l.at_ms, f(l))).collect()
    };
    rows.push((
        "load (busiest)".into(),
        series(&|l| l.load.map_or(Cell::Silent, Cell::Value)),
    ));
    rows.push((
        "live voters".into(),
        series(&|l| Cell::Value(l.live_voters as f64)),
    ));
    for id in member_ids(&r.figures) {
        let of = |l: &FigureLine| l.members.iter().find(|m| m.id == Some(id)).cloned();
        let alive = |m: &MemberFigures| m.latency_ms.is_some() || m.outstanding.is_some();
        rows.push((
            format!("member {id} latency ms"),
            series(&|l| match of(l) {
                Some(m) if alive(&m) => m.latency_ms.map_or(Cell::Missing, Cell::Value),
                Some(_) => Cell::Silent,
                None => Cell::Missing,
            }),
        ));
        rows.push((
            format!("member {id} outstanding"),
            series(&|l| match of(l) {
                Some(m) if alive(&m) => m.outstanding.map_or(Cell::Missing, Cell::Value),
                Some(_) => Cell::Silent,
                None => Cell::Missing,
            }),
        ));
    }
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    out.push_str("```text\n");
    for (label, points) in rows {
        let (line, max) = sparkline(&bucket(&points, from, to, columns));
        let max = max.map_or("–".into(), |m| format!("max {m:.1}"));
        let _ = writeln!(out, "{label:<width$}  {line}  {max}");
    }
    out.push_str("```\n\n");
}

fn member_ids(lines: &[FigureLine]) -> Vec<u64> {
    let mut ids: Vec<u64> = lines
        .iter()
        .flat_map(|l| l.members.iter().filter_map(|m| m.id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn num(v: Option<f64>) -> String {
    match v {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
        None => "–".into(),
    }
}

/// RFC 3339 with milliseconds, in the report's zone.
fn time(r: &Report, t: SystemTime) -> String {
    let ms = super::figures::millis(t) as i64;
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts
            .to_zoned_datetime(r.zone.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%.3f%:z")
            .to_string(),
        Err(_) => crate::timefmt::rfc3339(t),
    }
}

fn span(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        _ => format!("{:.1} h", s as f64 / 3600.0),
    }
}

/// Text from anywhere as one Markdown table cell: newlines and other control characters
/// become `⏎`/spaces, and characters with a meaning in Markdown or HTML are escaped, so a
/// hostile event cannot end the cell, open a code span, a link or a tag.
pub fn md_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str(" ⏎ "),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            '\\' | '`' | '|' | '*' | '_' | '[' | ']' | '<' | '>' | '~' | '&' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.trim().to_string()
}
