//! The clients view's watch lines: each member's `wchs` summary, and a `wchc`/`wchp` listing
//! bounded to the room there is (biggest first, then "… N more").

use super::format::fit;
use super::theme::{Slot, Theme};
use crate::app::clients::ClientsView;
use crate::ensemble::clients::{WatchDump, WatchDumpKind};
use ratatui::text::Line;
use std::collections::BTreeMap;

/// "watches m1=1/1/1 m2=0/0/0 (sessions/paths/watches)", then one line per member whose
/// `wchs` failed (a whitelist refusal says what to add).
pub fn watch_lines(view: &ClientsView, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut ok = Vec::new();
    let mut out = Vec::new();
    for (m, r) in &view.watches {
        match r {
            Ok(w) => ok.push(format!(
                "{}={}/{}/{}",
                short(m),
                w.connections,
                w.paths,
                w.watches
            )),
            // Wrapped, not cut: the end of a refusal says what to add.
            Err(e) => out.extend(
                wrap(&format!("{m} wchs: {e}"), width)
                    .into_iter()
                    .take(3)
                    .map(|l| Line::styled(l, theme.style(Slot::Warn))),
            ),
        }
    }
    if !ok.is_empty() {
        let from = view
            .source_phrase(false)
            .filter(|_| {
                view.sources
                    .values()
                    .any(|(_, w)| w.is_some_and(|s| s.is_admin()))
            })
            .map_or_else(String::new, |s| format!(", from {s}"));
        let text = format!("watches {} (sessions/paths/watches{from})", ok.join(" "));
        // Two lines at most: the source at the end is worth a second one, not a third.
        let lines = wrap(&text, width)
            .into_iter()
            .take(2)
            .map(|l| fit(&l, width));
        let lines: Vec<Line> = lines
            .map(|l| Line::styled(l, theme.style(Slot::Text)))
            .collect();
        out.splice(0..0, lines);
    }
    out
}

/// A listing in at most `room` lines: per member a heading, its biggest groups, and how many
/// more were left out.
pub fn dump_lines(
    kind: WatchDumpKind,
    per: &BTreeMap<String, Result<WatchDump, String>>,
    room: usize,
    width: usize,
) -> Vec<String> {
    if per.is_empty() {
        return vec![format!("reading {} …", kind.command())];
    }
    let (heads, entries) = match kind {
        WatchDumpKind::ByConnection => ("sessions", "paths"),
        WatchDumpKind::ByPath => ("paths", "sessions"),
    };
    let share = (room / per.len()).max(2);
    let mut out = Vec::new();
    for (m, r) in per {
        let d = match r {
            Ok(d) => d,
            Err(e) => {
                out.push(fit(&format!("{m}: {e}"), width));
                continue;
            }
        };
        let total: usize = d.groups.iter().map(|g| g.1.len()).sum();
        out.push(fit(
            &format!("{m}: {} {heads}, {total} watches", d.groups.len()),
            width,
        ));
        let shown = share.saturating_sub(2).min(d.groups.len());
        // All fit: no "more" line needed, so it can hold one group more.
        let shown = if d.groups.len() == shown + 1 {
            d.groups.len()
        } else {
            shown
        };
        for (head, list) in d.groups.iter().take(shown) {
            let text = format!("  {head} ({}): {}", list.len(), list.join(" "));
            out.push(fit(&text, width));
        }
        let left = d.groups.len() - shown;
        if left > 0 {
            out.push(format!("  … {left} more {heads} ({entries} not shown)"));
        }
    }
    out.truncate(room.max(1));
    out
}

/// Words wrapped to `width` (a warning must be read whole before `y`).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

fn short(member: &str) -> String {
    crate::app::clients::short_member(member)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_listing_is_bounded_with_a_count_of_the_rest() {
        let groups: Vec<(String, Vec<String>)> = (0..50)
            .map(|i| (format!("0x{i:x}"), vec!["/a".to_string(); 50 - i]))
            .collect();
        let mut per = BTreeMap::new();
        per.insert("member 1".to_string(), Ok(WatchDump { groups }));
        per.insert("member 2".to_string(), Err("refuses wchc".to_string()));
        let lines = dump_lines(WatchDumpKind::ByConnection, &per, 10, 80);
        assert!(lines.len() <= 10, "{lines:?}");
        assert!(lines[0].starts_with("member 1: 50 sessions"), "{lines:?}");
        assert!(
            lines[1].starts_with("  0x0 (50)"),
            "biggest first: {lines:?}"
        );
        assert!(
            lines.iter().any(|l| l.contains("… 47 more sessions")),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|l| l.contains("refuses wchc")),
            "{lines:?}"
        );
    }

    #[test]
    fn wrap_keeps_every_word() {
        let w = wrap("one two three four five", 9);
        assert_eq!(w, ["one two", "three", "four five"]);
    }
}
