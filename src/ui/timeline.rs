//! The events timeline, newest first: full screen (scrollable) or a strip under the table.

use super::format;
use super::level_style;
use super::theme::{Slot, Theme};
use crate::app::State;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// `strip`: the height when drawn under the table (no scrolling there).
pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme, strip: Option<usize>) {
    let visible = area.height.saturating_sub(2) as usize;
    let skip = if strip.is_some() {
        0
    } else {
        state.events_scroll
    };
    let shown = state.shown_events();
    let expanded = strip.is_none() && state.timeline.expanded;
    let mut lines: Vec<Line> = shown
        .iter()
        .skip(skip)
        .take(visible)
        .enumerate()
        .map(|(i, e)| {
            let at = format!("{} ", format::stamp(e.at, state.now, &state.zone));
            let room = (area.width as usize).saturating_sub(at.chars().count() + 2);
            // Events of an earlier run are marked, and muted: they are history, not now.
            let (mark, style) = if e.earlier {
                ("earlier: ", theme.style(Slot::Muted))
            } else {
                ("", level_style(theme, e.level))
            };
            let room = room.saturating_sub(mark.len());
            let line = Line::from(vec![
                Span::styled(at, theme.style(Slot::Muted)),
                Span::styled(mark, theme.style(Slot::Muted)),
                Span::styled(format::fit(&e.text, room), style),
            ]);
            // Full screen, the top line is the selected one: what `y` copies.
            if i == 0 && strip.is_none() {
                line.style(theme.style(Slot::Selected))
            } else {
                line
            }
        })
        .collect();
    // Expanded, the selected line's whole text follows it, wrapped.
    if let (true, Some(e)) = (expanded, shown.get(skip)) {
        let width = (area.width as usize).saturating_sub(6);
        let full: Vec<Line> = wrap(&e.text, width)
            .into_iter()
            .map(|l| Line::styled(format!("  │ {l}"), level_style(theme, e.level)))
            .collect();
        let at = 1.min(lines.len());
        lines.splice(at..at, full);
        lines.truncate(visible);
    }
    let filters = state
        .timeline
        .describe()
        .map_or(String::new(), |d| format!(" [{d}]"));
    let title = if strip.is_some() {
        format!(" events ({})  e: all ", state.events.len())
    } else if shown.len() < state.events.len() && !state.filter.is_empty() {
        format!(
            " events: {} of {} match {:?}{filters}, newest first ",
            shown.len(),
            state.events.len(),
            state.filter
        )
    } else if shown.len() < state.events.len() {
        format!(
            " events: {} of {}{filters}  m member  v kind ",
            shown.len(),
            state.events.len(),
        )
    } else {
        format!(
            " events ({})  / search  m member  v kind  enter expand ",
            state.events.len()
        )
    };
    let body = if lines.is_empty() {
        vec![Line::styled("no events yet", theme.style(Slot::Muted))]
    } else {
        lines
    };
    f.render_widget(
        Paragraph::new(body).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.style(Slot::Border))
                .title(Span::styled(title, theme.style(Slot::Title))),
        ),
        area,
    );
}

/// `text` in lines of at most `width` chars, broken at spaces where it can be.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        // A word longer than a line is cut into pieces.
        while word.chars().count() > width {
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            out.push(head);
        }
        let need = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if need > width && !line.is_empty() {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(super::wrap("aaa bbb ccc", 8), ["aaa bbb", "ccc"]);
        assert_eq!(
            super::wrap(&"x".repeat(20), 8),
            ["xxxxxxxx", "xxxxxxxx", "xxxx"]
        );
        assert_eq!(super::wrap("", 8), [""]);
    }
}
