//! Every problem of the live health, worst first: what `zkconsole status` would list. The
//! header names the first; this is where the "+N more" are.

use super::theme::{Slot, Theme};
use crate::app::State;
use crate::config::Level;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

/// How bad one problem sentence is: the health keeps one level for all of them.
fn level_of(p: &str) -> Level {
    if p.starts_with("quorum lost") || p == "no leader" || p.contains(": critical ") {
        Level::Critical
    } else {
        Level::Warn
    }
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let problems = &state.health.problems;
    let mut lines: Vec<Line> = if problems.is_empty() {
        vec![Line::styled(
            "no problems: every member is healthy",
            theme.style(Slot::Ok),
        )]
    } else {
        problems
            .iter()
            .skip(state.problems_scroll)
            .map(|p| Line::styled(format!("• {p}"), super::level_style(theme, level_of(p))))
            .collect()
    };
    // The scaling advice after the problems: suggestions with their evidence, never acted on.
    if !state.load.advice.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "scaling advice (nothing is changed without you):",
            theme.style(Slot::Header),
        ));
        let picked = state.load.advice_cursor.min(state.load.advice.len() - 1);
        for (i, a) in state.load.advice.iter().enumerate() {
            // The picked line (tab) is the one enter opens.
            let mark = if i == picked { "▶" } else { "➜" };
            lines.push(Line::styled(
                format!("{mark} {}", a.line()),
                theme.style(Slot::Warn),
            ));
        }
        let what = if state.read_only {
            "tab picks, enter opens the clients view for a balance advice (read-only)"
        } else {
            "tab picks, enter opens its workflow pre-filled (you still review and confirm)"
        };
        lines.push(Line::styled(format!("  {what}"), theme.style(Slot::Muted)));
    }
    lines.extend(super::headroom::lines(state, theme));
    let title = format!(" problems ({}, worst first) ", problems.len());
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.style(Slot::Border))
                .title(Span::styled(title, theme.style(Slot::Title))),
        ),
        area,
    );
}
