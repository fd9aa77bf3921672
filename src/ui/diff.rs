//! The znode edit box: the inline field, "in the editor", and the review — the diff of the
//! value at the version the write carries against the operator's text, that version, and a
//! warning as soon as the node moves on. The keys line is pinned at the bottom.

use super::format::fit;
use super::input;
use super::theme::{Slot, Theme};
use crate::app::edit_session::{diff_counts, DiffRow, EditSession, Moved, Stage};
use crate::tree::node::{safe_name, safe_text};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// Rows the box wants: the inline field and the waits are small; the review takes what it
/// needs of `room` (the rest of the browser keeps a few rows).
pub fn height(s: &EditSession, room: u16) -> u16 {
    let warn = u16::from(s.is_stale());
    match s.stage {
        Stage::Review => {
            let want = s.diff().len() as u16 + 5 + warn + u16::from(s.json_problem().is_some());
            want.clamp(7, room.max(7))
        }
        _ => 3 + warn,
    }
}

/// What the box says when the node moved on while it was open.
pub fn stale_line(s: &EditSession) -> Option<String> {
    let v = s.version;
    match &s.moved {
        Some(Moved::To { version, .. }) => Some(format!(
            "the node changed while this edit was open: now version {version} (this edit: {v})"
        )),
        Some(Moved::Unreadable(e)) => Some(format!("the node cannot be read now: {e}")),
        None if s.refused => Some(format!(
            "refused: the node is no longer at version {v} (someone changed it); reading it …"
        )),
        None => None,
    }
}

pub fn draw(f: &mut Frame, area: Rect, s: &EditSession, theme: &Theme) {
    let name = safe_name(&s.path);
    let (title, mut lines) = match &s.stage {
        Stage::Inline(buf) => (
            format!(
                " new data for {name} at version {} (enter: review, esc: cancel) ",
                s.version
            ),
            vec![Line::from(input::spans(
                buf,
                theme.style(Slot::Input),
                true,
                area.width.saturating_sub(2) as usize,
            ))],
        ),
        Stage::Editor => (
            format!(" edit {name} "),
            vec![Line::styled(
                "in $VISUAL/$EDITOR: save and quit it to review the change",
                theme.style(Slot::Muted),
            )],
        ),
        Stage::Writing => (
            format!(" edit {name} "),
            vec![Line::styled(
                format!("writing at version {} …", s.version),
                theme.style(Slot::Muted),
            )],
        ),
        Stage::Review => return review(f, area, s, theme),
    };
    if let Some(w) = stale_line(s) {
        lines.push(Line::styled(w, theme.style(Slot::Critical)));
    }
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.style(Slot::Border))
                .title(Span::styled(
                    fit(&title, area.width.saturating_sub(2) as usize),
                    theme.style(Slot::Title),
                )),
        ),
        area,
    );
}

fn review(f: &mut Frame, area: Rect, s: &EditSession, theme: &Theme) {
    let rows = s.diff();
    let (removed, added) = diff_counts(&rows);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Slot::Border))
        .title(Span::styled(
            fit(
                &format!(" edit {}: −{removed} +{added} lines ", safe_name(&s.path)),
                area.width.saturating_sub(2) as usize,
            ),
            theme.style(Slot::Title),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let width = inner.width as usize;
    let mut head = vec![Line::from(vec![
        Span::styled("writes at version ", theme.style(Slot::Header)),
        Span::styled(s.version.to_string(), theme.style(Slot::Title)),
        Span::styled(
            " (only if the node is still at it)",
            theme.style(Slot::Muted),
        ),
    ])];
    if let Some(w) = stale_line(s) {
        head.push(Line::styled(fit(&w, width), theme.style(Slot::Critical)));
    }
    if let Some(j) = s.json_problem() {
        head.push(Line::styled(fit(&j, width), theme.style(Slot::Warn)));
    }
    let keys = super::footer::pack(key_items(s, theme), width);
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(head.len() as u16),
        Constraint::Min(1),
        Constraint::Length(keys.len() as u16),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(head), top);
    f.render_widget(
        Paragraph::new(diff_lines(&rows, s.scroll, body, theme)),
        body,
    );
    f.render_widget(Paragraph::new(keys), bottom);
}

/// The diff from row `scroll`, as many rows as fit; a last row says how many are below.
fn diff_lines(rows: &[DiffRow], scroll: usize, area: Rect, theme: &Theme) -> Vec<Line<'static>> {
    let width = area.width as usize;
    let scroll = scroll.min(rows.len().saturating_sub(1));
    let mut out: Vec<Line> = Vec::new();
    if scroll > 0 {
        out.push(Line::styled(
            format!("  ▲ {scroll} above"),
            theme.style(Slot::Muted),
        ));
    }
    let h = (area.height as usize).saturating_sub(out.len());
    let left = rows.len() - scroll;
    let shown = if left > h { h.saturating_sub(1) } else { left };
    out.extend(rows[scroll..scroll + shown].iter().map(|r| {
        let (mark, text, slot) = match r {
            DiffRow::Same(t) => ("  ", t.as_str(), Slot::Text),
            DiffRow::Removed(t) => ("- ", t.as_str(), Slot::Critical),
            DiffRow::Added(t) => ("+ ", t.as_str(), Slot::Ok),
            DiffRow::Skipped(n) => {
                let t = format!("  ⋯ {n} unchanged line{}", if *n == 1 { "" } else { "s" });
                return Line::styled(t, theme.style(Slot::Muted));
            }
        };
        let text = safe_text(text).replace('\t', "    ");
        Line::styled(fit(&format!("{mark}{text}"), width), theme.style(slot))
    }));
    if shown < left {
        out.push(Line::styled(
            format!("  ▼ {} more (j k PgDn scroll)", left - shown),
            theme.style(Slot::Muted),
        ));
    }
    out
}

fn key_items(s: &EditSession, theme: &Theme) -> Vec<Vec<Span<'static>>> {
    let item = |k: &str, l: String| {
        vec![
            Span::styled(k.to_string(), theme.style(Slot::Key)),
            Span::styled(format!(" {l}  "), theme.style(Slot::Muted)),
        ]
    };
    let enter = match &s.moved {
        Some(Moved::To { version, .. }) => {
            format!("re-apply your text on version {version} (new diff first)")
        }
        _ if s.is_stale() => "re-apply (once the new version is read)".into(),
        _ => format!("write at version {}", s.version),
    };
    vec![
        item("enter", enter),
        item("e", "edit again".into()),
        item("j k", "scroll".into()),
        item("esc", "discard".into()),
    ]
}
