//! Rendering: pure functions of `&State` and the theme. No I/O here, no clock (the time is
//! `state.now`) and nothing written back into the state (scroll limits are the model's);
//! styles are looked up at render time so the theme can change while the console runs.

mod clients;
mod clients_watches;
mod dashboard;
mod detail;
mod diff;
pub mod fleet;
mod footer;
pub mod format;
mod headroom;
mod help;
mod input;
mod problems;
mod roll;
pub mod theme;
mod timeline;
mod tree;
mod wizard;

use crate::app::viewport::HEADER_ROWS;
use crate::app::{State, View};
use crate::config::Level;
use crate::ensemble::member::Role;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;
use theme::{Slot, Theme};

/// Below this the layout cannot say anything useful; a notice is shown instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

pub fn draw(f: &mut Frame, state: &State, theme: &Theme) {
    let area = f.area();
    f.render_widget(Block::default().style(theme.style(Slot::Text)), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = vec![
            Line::styled("terminal too small", theme.style(Slot::Warn)),
            Line::styled(
                format!(
                    "{}×{}, need {MIN_WIDTH}×{MIN_HEIGHT}",
                    area.width, area.height
                ),
                theme.style(Slot::Muted),
            ),
        ];
        f.render_widget(Paragraph::new(msg), area);
        return;
    }
    let footer_lines = footer::lines(state, theme, area.width as usize);
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(HEADER_ROWS),
        Constraint::Min(3),
        Constraint::Length(footer_lines.len().max(1) as u16),
    ])
    .areas(area);
    dashboard::header(f, header, state, theme);
    match state.view {
        View::Dashboard => dashboard::body(f, body, state, theme),
        View::Member => detail::draw(f, body, state, theme),
        View::Events => timeline::draw(f, body, state, theme, None),
        View::Problems => problems::draw(f, body, state, theme),
        View::Help => help::draw(f, body, state, theme),
        View::Workflow => wizard::draw(f, body, state, theme),
        View::Tree => tree::draw(f, body, state, theme),
        View::Roll => roll::draw(f, body, state, theme),
        View::Clients => clients::draw(f, body, state, theme),
    }
    f.render_widget(Paragraph::new(footer_lines), footer);
}

pub fn level_style(theme: &Theme, level: Level) -> Style {
    match level {
        Level::Ok => theme.style(Slot::Ok),
        Level::Warn => theme.style(Slot::Warn),
        Level::Critical => theme.style(Slot::Critical),
    }
}

pub fn role_style(theme: &Theme, role: Role) -> Style {
    theme.style(match role {
        Role::Leader => Slot::Leader,
        Role::Follower | Role::Standalone => Slot::Follower,
        Role::Observer => Slot::Observer,
        Role::NonVoting => Slot::Joining,
        Role::ReadOnly | Role::NotServing | Role::Unknown => Slot::Warn,
        Role::Down | Role::Unresponsive | Role::Error => Slot::Down,
    })
}
