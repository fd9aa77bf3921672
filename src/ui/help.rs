//! `?`: every key binding, generated from the key map (so help cannot drift from behaviour).

use super::theme::{Slot, Theme};
use crate::app::State;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Row, Table};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let lines = state.help_lines();
    let total = lines.len();
    let room = area.height.saturating_sub(2) as usize;
    // The model keeps the offset within the viewport it was told; this only guards a frame
    // drawn at another size.
    let first = state.help_scroll.min(total.saturating_sub(room.max(1)));
    let rows: Vec<Row> = lines
        .into_iter()
        .skip(first)
        .map(|(keys, help)| {
            Row::new(vec![
                Cell::from(Span::styled(keys, theme.style(Slot::Key))),
                Cell::from(Span::styled(help, theme.style(Slot::Text))),
            ])
        })
        .collect();
    let mode = if state.read_only {
        " help — read-only: nothing that changes the ensemble is available "
    } else if state.sandbox {
        " help — sandbox: drills (K P R X) ask for confirmation "
    } else {
        " help "
    };
    // Taller than the screen: say where we are and how to see the rest.
    let mode = if total > room {
        format!(
            "{mode}— lines {}–{} of {total}, j/k PgUp/PgDn scroll ",
            first + 1,
            (first + room).min(total)
        )
    } else {
        mode.to_string()
    };
    let table = Table::new(rows, [Constraint::Length(22), Constraint::Min(10)]).block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.style(Slot::Border))
            .title(Span::styled(mode, theme.style(Slot::Title))),
    );
    f.render_widget(table, area);
}
