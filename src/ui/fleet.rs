//! The fleet screen: one line per ensemble, worst first — state, leader, live voters / voters,
//! how many more failures it survives, config version and the worst thing wrong. Fits 80×24:
//! the name and the last column share what the fixed columns leave.

use super::format::{fit, pad};
use super::level_style;
use super::theme::{Slot, Theme};
use crate::app::fleet::{Fleet, FleetRow, RowState};
use crate::ensemble::config::hex;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

/// STATE 11, LEADER 6, LIVE 5, TOL 3, CONFIG 11, and the gaps after each.
const FIXED: usize = 11 + 1 + 6 + 1 + 5 + 1 + 3 + 1 + 11 + 1;
const MIN_NAME: usize = 10;
const MAX_NAME: usize = 24;

pub fn draw(f: &mut Frame, fleet: &Fleet, theme: &Theme) {
    let area = f.area();
    f.render_widget(Block::default().style(theme.style(Slot::Text)), area);
    let [title, head, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let rows = fleet.rows();
    let cursor = fleet.cursor(&rows);
    f.render_widget(Paragraph::new(title_line(fleet, &rows, theme)), title);
    let width = area.width as usize;
    let name_w = name_width(&rows, width);
    let header = format!(
        "{} {} {:>6} {:>5} {:>3} {:>11} {}",
        pad("STATE", 11),
        pad("ENSEMBLE", name_w),
        "LEADER",
        "LIVE",
        "TOL",
        "CONFIG",
        "WORST"
    );
    f.render_widget(
        Paragraph::new(Line::styled(fit(&header, width), theme.style(Slot::Header))),
        head,
    );
    draw_rows(f, body, &rows, cursor, name_w, theme);
    f.render_widget(Paragraph::new(footer_line(fleet, theme)), footer);
}

fn name_width(rows: &[(usize, FleetRow)], width: usize) -> usize {
    let longest = rows
        .iter()
        .map(|(_, r)| super::format::cells(&r.name))
        .max()
        .unwrap_or(0)
        .clamp(MIN_NAME, MAX_NAME);
    // Keep at least 20 cells for the worst problem on an 80-column terminal.
    longest.min(width.saturating_sub(FIXED + 20 + 1).max(MIN_NAME))
}

fn title_line<'a>(fleet: &Fleet, rows: &[(usize, FleetRow)], theme: &Theme) -> Line<'a> {
    let mut counts: Vec<(RowState, usize)> = Vec::new();
    for (_, r) in rows {
        match counts.iter_mut().find(|(s, _)| *s == r.state) {
            Some((_, n)) => *n += 1,
            None => counts.push((r.state, 1)),
        }
    }
    let mut spans = vec![
        Span::styled("zkconsole fleet ", theme.style(Slot::Title)),
        Span::raw(format!("{} ensembles ", fleet.ensembles.len())),
    ];
    for (s, n) in counts {
        spans.push(Span::styled(
            format!(" {n} {}", s.as_str()),
            level_style(theme, s.level()),
        ));
    }
    let filter = fleet
        .typing
        .as_ref()
        .map(|t| format!("  /{}▏", t.value()))
        .or_else(|| (!fleet.filter.is_empty()).then(|| format!("  filter: {}", fleet.filter)));
    if let Some(text) = filter {
        spans.push(Span::styled(text, theme.style(Slot::Input)));
    }
    Line::from(spans)
}

fn draw_rows(
    f: &mut Frame,
    area: Rect,
    rows: &[(usize, FleetRow)],
    cursor: usize,
    name_w: usize,
    theme: &Theme,
) {
    let height = area.height as usize;
    // The cursor stays on screen: the window starts where it must to show it.
    let first = cursor.saturating_sub(height.saturating_sub(1));
    let width = area.width as usize;
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, (_, r))| row_line(r, name_w, width, i == cursor, theme))
        .collect();
    if lines.is_empty() {
        let none = Line::styled(
            "no ensemble matches the filter (esc clears it)",
            theme.style(Slot::Muted),
        );
        f.render_widget(Paragraph::new(none), area);
        return;
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn row_line<'a>(
    r: &FleetRow,
    name_w: usize,
    width: usize,
    selected: bool,
    theme: &Theme,
) -> Line<'a> {
    let dash = || "-".to_string();
    let live = if r.voters == 0 {
        dash()
    } else {
        format!("{}/{}", r.live_voters, r.voters)
    };
    let fixed = format!(
        " {} {:>6} {:>5} {:>3} {:>11} ",
        pad(&r.name, name_w),
        r.leader.map_or_else(dash, |l| l.to_string()),
        live,
        r.tolerance.map_or_else(dash, |t| t.to_string()),
        fit(&r.config_version.map_or_else(dash, hex), 11),
    );
    let used = 11 + super::format::cells(&fixed);
    let worst = fit(r.worst.as_deref().unwrap_or(""), width.saturating_sub(used));
    let state_style = if r.state == RowState::Waiting {
        theme.style(Slot::Muted)
    } else {
        level_style(theme, r.state.level())
    };
    let base = if selected {
        theme.style(Slot::Selected)
    } else {
        theme.style(Slot::Text)
    };
    Line::from(vec![
        Span::styled(
            pad(&r.state.as_str().to_uppercase(), 11),
            state_style.patch(base),
        ),
        Span::styled(fixed, base),
        Span::styled(worst, base.patch(state_style)),
    ])
}

fn footer_line<'a>(fleet: &Fleet, theme: &Theme) -> Line<'a> {
    let keys: &[(&str, &str)] = if fleet.typing.is_some() {
        &[("enter", "keep filter"), ("esc", "cancel")]
    } else {
        &[
            ("enter", "open"),
            ("/", "filter"),
            ("j/k", "move"),
            ("esc", "clear filter"),
            ("q", "quit"),
        ]
    };
    let mut spans = Vec::new();
    for (k, what) in keys {
        spans.push(Span::styled(k.to_string(), theme.style(Slot::Key)));
        spans.push(Span::styled(format!(" {what}  "), theme.style(Slot::Muted)));
    }
    Line::from(spans)
}
