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
    let lines: Vec<Line> = shown
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
    let title = if strip.is_some() {
        format!(" events ({})  e: all ", state.events.len())
    } else if shown.len() < state.events.len() {
        format!(
            " events: {} of {} match {:?}, newest first ",
            shown.len(),
            state.events.len(),
            state.filter
        )
    } else {
        format!(" events ({}, newest first)  /: search ", state.events.len())
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
