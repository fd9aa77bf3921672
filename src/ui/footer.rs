//! The bottom lines: the command or filter being typed, a drill's confirmation, the last
//! flash, or the key hints. Nothing here is ever cut: items that do not fit on a line move to
//! the next, and the hints always end with the help key.

use super::level_style;
use super::theme::{Slot, Theme};
use crate::app::keys::Action;
use crate::app::{Input, State, View};
use ratatui::text::{Line, Span};

/// At most this many footer rows; the body keeps the rest.
pub const MAX_ROWS: usize = 3;

/// Packs items (each kept whole: a key with its label, a word) into lines of `width` cells.
pub fn pack(items: Vec<Vec<Span<'static>>>, width: usize) -> Vec<Line<'static>> {
    let mut lines: Vec<Vec<Span>> = vec![Vec::new()];
    let mut used = 0;
    for item in items {
        let w: usize = item.iter().map(|s| s.width()).sum();
        if used > 0 && used + w > width {
            lines.push(Vec::new());
            used = 0;
        }
        used += w;
        if let Some(l) = lines.last_mut() {
            l.extend(item);
        }
    }
    lines.into_iter().map(Line::from).collect()
}

/// Words of `text` as items of one style (each followed by its space).
fn words(text: &str, style: ratatui::style::Style) -> Vec<Vec<Span<'static>>> {
    text.split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| vec![Span::styled(format!("{w} "), style)])
        .collect()
}

fn key_item(key: &str, label: &str, theme: &Theme) -> Vec<Span<'static>> {
    vec![
        Span::styled(key.to_string(), theme.style(Slot::Key)),
        Span::styled(format!(" {label}  "), theme.style(Slot::Muted)),
    ]
}

pub fn lines(state: &State, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    match &state.input {
        Input::Command(buf) | Input::Filter(buf) => {
            let prompt = if matches!(state.input, Input::Command(_)) {
                ":"
            } else {
                "/"
            };
            let room = width.saturating_sub(2);
            let mut spans = vec![Span::styled(prompt, theme.style(Slot::Key))];
            spans.extend(super::input::spans(
                buf,
                theme.style(Slot::Input),
                true,
                room,
            ));
            vec![Line::from(spans)]
        }
        Input::Confirm(drill, id) => {
            let question = match state.drill_consequence(*drill, *id) {
                Some(why) => format!("{} member {id}? {why}.", drill.verb()),
                None => format!("{} member {id}?", drill.verb()),
            };
            let mut items = vec![vec![Span::raw(" ")]];
            items.extend(words(&question, theme.style(Slot::Critical)));
            items.push(vec![Span::raw(" ")]);
            items.push(key_item("y", "confirm", theme));
            items.push(key_item("any other key", "cancel", theme));
            limit(pack(items, width))
        }
        Input::Normal => match &state.flash {
            Some((level, text)) => {
                let mut items = vec![vec![Span::raw(" ")]];
                items.extend(words(text, level_style(theme, *level)));
                // Help stays in reach while a message shows.
                if let Some((k, l)) = help_key(state) {
                    items.push(vec![Span::raw(" ")]);
                    items.push(key_item(&k, l, theme));
                }
                limit(pack(items, width))
            }
            None => hints(state, theme, width),
        },
    }
}

fn limit(mut lines: Vec<Line<'static>>) -> Vec<Line<'static>> {
    lines.truncate(MAX_ROWS);
    lines
}

/// What each view offers, most useful first; the help key is added last, always.
fn wanted(view: View) -> &'static [(Action, &'static str)] {
    use Action::*;
    match view {
        View::Dashboard => &[
            (Open, "detail"),
            (Problems, "problems"),
            (Copy, "copy"),
            (Events, "events"),
            (SortNext, "sort"),
            (Filter, "filter"),
            (Freeze, "freeze"),
            (Workflows, "workflows"),
            (Kill, "kill"),
            (Pause, "pause"),
            (Resume, "resume"),
            (Restart, "restart"),
            (Command, "cmd"),
            (Quit, "quit"),
        ],
        View::Member => &[
            (Back, "back"),
            (Filter, "filter metrics"),
            (Up, "prev"),
            (Down, "next"),
            (Freeze, "freeze"),
            (Copy, "copy"),
            (Quit, "quit"),
        ],
        View::Events => &[
            (Back, "back"),
            (Up, "scroll"),
            (Filter, "search"),
            (Copy, "copy"),
            (Quit, "quit"),
        ],
        View::Problems => &[
            (Back, "back"),
            (Up, "scroll"),
            (Copy, "copy"),
            (Quit, "quit"),
        ],
        View::Help => &[(Back, "back"), (Quit, "quit")],
        View::Clients => &[(Back, "back"), (Filter, "filter"), (Quit, "quit")],
        View::Workflow | View::Tree | View::Roll => &[(Back, "back"), (Quit, "quit")],
    }
}

fn help_key(state: &State) -> Option<(String, &'static str)> {
    state
        .keymap
        .hint(&[(Action::Help, "help")], state.allowed())
        .into_iter()
        .next()
}

/// The hint lines, generated from the key map (drills only where they are possible). When
/// they need more than two rows the least useful go, whole; `? help` stays, last.
fn hints(state: &State, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let allowed = state.allowed();
    let mut shown: Vec<(String, &'static str)> = state.keymap.hint(wanted(state.view), allowed);
    let help = help_key(state);
    loop {
        let mut items = vec![vec![Span::raw(" ")]];
        items.extend(shown.iter().map(|(k, l)| key_item(k, l, theme)));
        if let Some((k, l)) = &help {
            items.push(key_item(k, l, theme));
        }
        let lines = pack(items, width);
        if lines.len() <= 2 || shown.is_empty() {
            return lines;
        }
        // Quit stays beside help; the least useful before it goes.
        let at = shown.len().saturating_sub(2);
        shown.remove(at);
    }
}
