//! Rendering: pure functions of `&State` and the theme. No I/O here, no clock (the time is
//! `state.now`) and nothing written back into the state (scroll limits are the model's);
//! styles are looked up at render time so the theme can change while the console runs.

mod dashboard;
mod detail;
pub mod format;
mod help;
mod input;
pub mod theme;
mod timeline;
mod tree;
mod wizard;

use crate::app::viewport::{FOOTER_ROWS, HEADER_ROWS};
use crate::app::{Input, State, View};
use crate::config::Level;
use crate::probe::types::Role;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
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
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(HEADER_ROWS),
        Constraint::Min(3),
        Constraint::Length(FOOTER_ROWS),
    ])
    .areas(area);
    dashboard::header(f, header, state, theme);
    match state.view {
        View::Dashboard => dashboard::body(f, body, state, theme),
        View::Member => detail::draw(f, body, state, theme),
        View::Events => timeline::draw(f, body, state, theme, None),
        View::Help => help::draw(f, body, state, theme),
        View::Workflow => wizard::draw(f, body, state, theme),
        View::Tree => tree::draw(f, body, state, theme),
    }
    footer_line(f, footer, state, theme);
}

fn footer_line(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let room = area.width.saturating_sub(1) as usize;
    let line = match &state.input {
        Input::Command(buf) | Input::Filter(buf) => {
            let prompt = if matches!(state.input, Input::Command(_)) {
                ":"
            } else {
                "/"
            };
            let mut spans = vec![Span::styled(prompt, theme.style(Slot::Key))];
            spans.extend(input::spans(buf, theme.style(Slot::Input), true, room));
            Line::from(spans)
        }
        Input::Confirm(drill, id) => Line::from(vec![
            Span::styled(
                match state.drill_consequence(*drill, *id) {
                    Some(why) => format!(" {} member {id}? {why}. ", drill.verb()),
                    None => format!(" {} member {id}? ", drill.verb()),
                },
                theme.style(Slot::Critical),
            ),
            Span::styled("  y", theme.style(Slot::Key)),
            Span::styled(" confirm  ", theme.style(Slot::Muted)),
            Span::styled("any other key", theme.style(Slot::Key)),
            Span::styled(" cancel", theme.style(Slot::Muted)),
        ]),
        Input::Normal => match &state.flash {
            Some((level, text)) => Line::styled(format!(" {text}"), level_style(theme, *level)),
            None => hints(state, theme),
        },
    };
    f.render_widget(Paragraph::new(line), area);
}

/// The hint line, generated from the key map (drills only where they are possible).
fn hints(state: &State, theme: &Theme) -> Line<'static> {
    use crate::app::keys::Action::*;
    let wanted: &[(crate::app::keys::Action, &'static str)] = match state.view {
        View::Dashboard => &[
            (Open, "detail"),
            (SortNext, "sort"),
            (Filter, "filter"),
            (Events, "events"),
            (Freeze, "freeze"),
            (Workflows, "workflows"),
            (Kill, "kill"),
            (Pause, "pause"),
            (Resume, "resume"),
            (Restart, "restart"),
            (Command, "cmd"),
            (Help, "help"),
            (Quit, "quit"),
        ],
        View::Member => &[
            (Back, "back"),
            (Filter, "filter metrics"),
            (Up, "prev"),
            (Down, "next"),
            (Freeze, "freeze"),
            (Help, "help"),
            (Quit, "quit"),
        ],
        View::Events => &[
            (Back, "back"),
            (Up, "scroll"),
            (Help, "help"),
            (Quit, "quit"),
        ],
        View::Help => &[(Back, "back"), (Quit, "quit")],
        View::Workflow | View::Tree => &[(Back, "back"), (Help, "help"), (Quit, "quit")],
    };
    let mut spans = vec![Span::raw(" ")];
    for (key, label) in state.keymap.hint(wanted, state.allowed()) {
        spans.push(Span::styled(key, theme.style(Slot::Key)));
        spans.push(Span::styled(
            format!(" {label}  "),
            theme.style(Slot::Muted),
        ));
    }
    Line::from(spans)
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
        Role::ReadOnly | Role::NotServing => Slot::Warn,
        Role::Down | Role::Unresponsive | Role::Error => Slot::Down,
    })
}
