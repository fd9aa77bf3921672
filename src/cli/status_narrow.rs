//! `status` for a narrow terminal (80 columns, the default of most terminals and jump hosts):
//! the columns an operator needs first (id, address, role, lag, latency, outstanding, the
//! probe time), each note on a line of its own under its member, every line within the width.
//! VOTE, CONNS, ZNODES and ZXID stay in the wide table and in `--json`.

use zkconsole::report::{MemberReport, StatusReport};

/// Below this many columns the wide table's fixed columns no longer fit.
pub const WIDE_TABLE_COLUMNS: usize = 110;
/// Narrowest width laid out as such; anything less is treated as this (lines then wrap).
const MIN_WIDTH: usize = 60;

/// The width `status` lays out for: `COLUMNS` when set, else the terminal's when stdout is
/// one, else none (a pipe gets the wide table that scripts have always read).
pub fn output_width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
    {
        return Some(n);
    }
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return crossterm::terminal::size().ok().map(|(w, _)| w as usize);
    }
    None
}

pub fn to_text(r: &StatusReport, width: usize) -> String {
    let width = width.max(MIN_WIDTH);
    let mut out = Vec::new();
    let state = format!(
        "state {}  config {}  leader {}",
        r.state.to_uppercase(),
        r.config_version.as_deref().unwrap_or("unknown"),
        r.leader.map_or("none".into(), |l| l.to_string()),
    );
    if r.ensemble.chars().count() + 2 + state.len() <= width {
        out.push(format!("{}  {state}", r.ensemble));
    } else {
        out.extend(wrap(&r.ensemble, width, ""));
        out.push(state);
    }
    let q = &r.quorum;
    let margin = if q.has_quorum {
        format!("can lose {} more", q.tolerance)
    } else {
        "QUORUM LOST".into()
    };
    // At most ~60 characters: fits the narrowest width laid out.
    out.push(format!(
        "voters {}  observers {}  quorum {}  live {}  {margin}",
        q.voters, q.observers, q.quorum_size, q.live_voters
    ));
    if let Some(at) = &r.config_seen_at {
        out.extend(wrap(
            &format!("membership as last seen live at {at}"),
            width,
            "",
        ));
    }
    if let Some(l) = &r.load {
        out.extend(wrap(&zkconsole::report::load_line(l), width, ""));
    }
    out.push(String::new());
    out.push(row([
        "ID", "ADDRESS", "ROLE", "LAG", "LAT ms", "OUTST", "PROBE",
    ]));
    for m in &r.members {
        out.push(member_row(m));
        if let Some(note) = note_of(m) {
            out.extend(wrap(&note, width, "     "));
        }
    }
    if !r.problems.is_empty() {
        out.push(String::new());
        out.push("problems:".into());
        for p in &r.problems {
            let mut lines = wrap(p, width, "    ");
            if let Some(first) = lines.first_mut() {
                first.replace_range(..4, "  - ");
            }
            out.extend(lines);
        }
    }
    if !r.advice.is_empty() {
        out.push(String::new());
        out.push("advice:".into());
        for a in &r.advice {
            let mut lines = wrap(&a.line(), width, "    ");
            if let Some(first) = lines.first_mut() {
                first.replace_range(..4, "  - ");
            }
            out.extend(lines);
        }
    }
    out.push(String::new());
    out.join("\n")
}

fn member_row(m: &MemberReport) -> String {
    let dash = || "-".to_string();
    let lat = match (m.latency_avg_ms, m.latency_max_ms) {
        (Some(a), Some(x)) => format!("{a:.1}/{x:.0}"),
        _ => dash(),
    };
    row([
        &m.id.map_or("?".into(), |i| i.to_string()),
        &shorten(&m.address, ADDRESS),
        m.role,
        &m.lag.map_or_else(dash, |v| v.to_string()),
        &lat,
        &m.outstanding.map_or_else(dash, |v| v.to_string()),
        &format!("{:.1}ms", m.probe_ms),
    ])
}

/// What the wide table's NOTE column says: the error, else the first breach; and the hint.
fn note_of(m: &MemberReport) -> Option<String> {
    let first = m
        .error
        .clone()
        .or_else(|| m.breaches.first().map(|b| b.to_string()));
    match (first, &m.hint) {
        (Some(n), Some(h)) => Some(format!("{n} ({h})")),
        (Some(n), None) => Some(n),
        (None, Some(h)) => Some(h.clone()),
        (None, None) => None,
    }
}

const ADDRESS: usize = 24;

/// 3 + 2 + 24 + 1 + 12 + 1 + 8 + 1 + 10 + 1 + 5 + 1 + 9 = 78 columns.
fn row(c: [&str; 7]) -> String {
    format!(
        "{:>3}  {:<24} {:<12} {:>8} {:>10} {:>5} {:>9}",
        c[0], c[1], c[2], c[3], c[4], c[5], c[6]
    )
    .trim_end()
    .to_string()
}

/// `host:port` in at most `max` characters: the host's start, an ellipsis, and the port
/// (which is what tells members on one host apart).
fn shorten(addr: &str, max: usize) -> String {
    if addr.chars().count() <= max {
        return addr.to_string();
    }
    let (host, port) = addr.rsplit_once(':').unwrap_or((addr, ""));
    let keep = max.saturating_sub(port.len() + 2);
    let head: String = host.chars().take(keep).collect();
    format!("{head}…:{port}")
}

/// Words into lines of at most `width` characters; the lines after the first start with
/// `indent` (the first one too when `indent` is not empty). A word longer than a line is
/// cut, never left to overflow.
pub(super) fn wrap(text: &str, width: usize, indent: &str) -> Vec<String> {
    let room = width.saturating_sub(indent.chars().count()).max(10);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = cur.chars().count();
            let gap = usize::from(used > 0);
            if used + gap + word.len() <= room {
                if gap == 1 {
                    cur.push(' ');
                }
                cur.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut cur));
                continue;
            }
            let rest = word.split_off(room);
            lines.push(word.iter().collect());
            word = rest;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines.into_iter().map(|l| format!("{indent}{l}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_within_the_width_and_cuts_a_long_word() {
        let long = "x".repeat(30);
        let lines = wrap(&format!("a bb ccc {long} dd"), 20, "   ");
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines[0], "   a bb ccc");
        assert_eq!(lines.concat().matches('x').count(), 30);
    }

    #[test]
    fn a_long_address_keeps_its_port() {
        let s = shorten("zookeeper-0.zookeeper-headless.prod.svc:2181", ADDRESS);
        assert_eq!(s.chars().count(), ADDRESS, "{s}");
        assert!(s.ends_with("…:2181"), "{s}");
        assert_eq!(shorten("127.0.0.1:2181", ADDRESS), "127.0.0.1:2181");
    }

    #[test]
    fn the_header_row_fits_80_columns() {
        let wide = "x".repeat(40);
        let r = row([
            "999",
            &shorten(&wide, ADDRESS),
            "not-serving",
            "123456789",
            "12345.1/99",
            "99999",
            "12345.1ms",
        ]);
        assert!(r.chars().count() <= 80, "{} {r}", r.chars().count());
    }
}
