//! `?`: every key binding, generated from the key map (so help cannot drift from behaviour).

use super::theme::{Slot, Theme};
use crate::app::State;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Row, Table};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut rows: Vec<Row> = state
        .keymap
        .help_rows(state.allowed())
        .into_iter()
        .map(|(keys, help)| {
            Row::new(vec![
                Cell::from(Span::styled(keys, theme.style(Slot::Key))),
                Cell::from(Span::styled(help, theme.style(Slot::Text))),
            ])
        })
        .collect();
    rows.push(Row::new(vec![Cell::from(""), Cell::from("")]));
    for (cmd, what) in [
        (":events", "events timeline"),
        (":theme NAME", "switch theme"),
        (":ensemble NAME", "switch to a configured ensemble"),
        (":tree [PATH]", "znode browser (also :cd PATH)"),
        (":q", "quit"),
    ] {
        rows.push(Row::new(vec![
            Cell::from(Span::styled(cmd, theme.style(Slot::Key))),
            Cell::from(Span::styled(what, theme.style(Slot::Text))),
        ]));
    }
    let mode = if state.read_only {
        " help — read-only: nothing that changes the ensemble is available "
    } else if state.sandbox {
        " help — sandbox: drills (K P R X) ask for confirmation "
    } else {
        " help "
    };
    let table = Table::new(rows, [Constraint::Length(22), Constraint::Min(10)]).block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.style(Slot::Border))
            .title(Span::styled(mode, theme.style(Slot::Title))),
    );
    f.render_widget(table, area);
}
