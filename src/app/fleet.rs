//! The fleet screen's model: N ensemble models (each the console's own `State`, fed by its own
//! sources) and the little the fleet adds on top — which one the cursor is on, the filter,
//! which one is open. Nothing in an ensemble's `State` knows there are others.

use super::keys::{KeyCode, KeyInput};
use super::text_input::{Edit, TextInput};
use super::{Input, State, View};
use crate::config::Level;

/// One line of the fleet screen, derived from an ensemble's model on every frame.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetRow {
    pub name: String,
    pub state: RowState,
    pub leader: Option<u64>,
    pub live_voters: usize,
    pub voters: usize,
    /// More voter failures survived; `None` when the quorum is lost.
    pub tolerance: Option<usize>,
    pub config_version: Option<u64>,
    /// The worst thing wrong, in one phrase (the first problem or breach).
    pub worst: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RowState {
    Ok,
    /// Not every member answered once yet: no verdict.
    Waiting,
    Warn,
    Critical,
    Unreachable,
}

impl RowState {
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Ok => "ok",
            RowState::Waiting => "waiting",
            RowState::Warn => "warn",
            RowState::Critical => "critical",
            RowState::Unreachable => "unreachable",
        }
    }

    pub fn level(self) -> Level {
        match self {
            RowState::Ok | RowState::Waiting => Level::Ok,
            RowState::Warn => Level::Warn,
            RowState::Critical | RowState::Unreachable => Level::Critical,
        }
    }
}

/// The fleet line of one ensemble, as `status` would judge it.
pub fn row_of(s: &State) -> FleetRow {
    let h = &s.health;
    let probed = !s.members.is_empty();
    let state = if !probed {
        RowState::Waiting
    } else if h.reachable == 0 {
        RowState::Unreachable
    } else {
        match h.level {
            Level::Ok => RowState::Ok,
            Level::Warn => RowState::Warn,
            Level::Critical => RowState::Critical,
        }
    };
    let breach = h
        .breaches
        .iter()
        .flatten()
        .max_by_key(|b| b.level)
        .map(|b| b.to_string());
    FleetRow {
        name: s.ensemble.clone(),
        state,
        leader: h.leader,
        live_voters: h.live_voters,
        voters: h.voters,
        tolerance: h.tolerance.filter(|_| h.has_quorum),
        config_version: h.config_version,
        worst: h.problems.first().cloned().or(breach),
    }
}

/// What a key on the fleet screen asks the loop to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetAction {
    None,
    /// Show this ensemble's console (index into `Fleet::ensembles`).
    Open(usize),
    Quit,
}

pub struct Fleet {
    pub ensembles: Vec<State>,
    /// The ensemble whose console is shown; `None`: the fleet screen.
    pub open: Option<usize>,
    /// The cursor, by ensemble name: rows re-sort as states change.
    pub selected: Option<String>,
    pub filter: String,
    /// The filter being typed after `/`.
    pub typing: Option<TextInput>,
    pub dirty: bool,
}

impl Fleet {
    pub fn new(ensembles: Vec<State>) -> Fleet {
        Fleet {
            ensembles,
            open: None,
            selected: None,
            filter: String::new(),
            typing: None,
            dirty: true,
        }
    }

    /// The rows shown, worst first (then the smallest margin, then by name), filtered by name
    /// or state.
    pub fn rows(&self) -> Vec<(usize, FleetRow)> {
        let filter = self
            .typing
            .as_ref()
            .map_or(self.filter.as_str(), |t| t.value())
            .to_lowercase();
        let mut rows: Vec<(usize, FleetRow)> = self
            .ensembles
            .iter()
            .enumerate()
            .map(|(i, s)| (i, row_of(s)))
            .filter(|(_, r)| {
                filter.is_empty()
                    || r.name.to_lowercase().contains(&filter)
                    || r.state.as_str().contains(&filter)
            })
            .collect();
        // Among equals, the one closer to losing (or that lost) its quorum first.
        let margin = |r: &FleetRow| r.tolerance.map_or(-1, |t| t as i64);
        rows.sort_by(|a, b| {
            b.1.state
                .cmp(&a.1.state)
                .then(margin(&a.1).cmp(&margin(&b.1)))
                .then(a.1.name.cmp(&b.1.name))
        });
        rows
    }

    /// Where the cursor is among `rows` (the first row when its ensemble is filtered out).
    pub fn cursor(&self, rows: &[(usize, FleetRow)]) -> usize {
        self.selected
            .as_ref()
            .and_then(|n| rows.iter().position(|(_, r)| &r.name == n))
            .unwrap_or(0)
    }

    /// A key on the fleet screen (not when an ensemble's console is open).
    pub fn key(&mut self, key: KeyInput) -> FleetAction {
        self.dirty = true;
        if let Some(input) = self.typing.as_mut() {
            if input.handle(key) == Edit::Ignored {
                match key.code {
                    KeyCode::Enter => {
                        self.filter = input.value().to_string();
                        self.typing = None;
                    }
                    KeyCode::Esc => self.typing = None,
                    _ => {}
                }
            }
            return FleetAction::None;
        }
        let rows = self.rows();
        let at = self.cursor(&rows);
        let go = |to: usize| rows.get(to).map(|(_, r)| r.name.clone());
        match (key.code, key.ctrl) {
            (KeyCode::Char('c'), true) | (KeyCode::Char('q'), false) => return FleetAction::Quit,
            (KeyCode::Char('j'), false) | (KeyCode::Down, _) => {
                self.selected =
                    go((at + 1).min(rows.len().saturating_sub(1))).or(self.selected.take())
            }
            (KeyCode::Char('k'), false) | (KeyCode::Up, _) => {
                self.selected = go(at.saturating_sub(1)).or(self.selected.take())
            }
            (KeyCode::Char('g'), false) | (KeyCode::Home, _) => self.selected = go(0),
            (KeyCode::Char('G'), false) | (KeyCode::End, _) => {
                self.selected = go(rows.len().saturating_sub(1))
            }
            (KeyCode::Char('/'), false) => self.typing = Some(TextInput::with(self.filter.clone())),
            (KeyCode::Esc, _) => self.filter.clear(),
            (KeyCode::Enter, _) => {
                if let Some((i, r)) = rows.get(at) {
                    self.selected = Some(r.name.clone());
                    self.open = Some(*i);
                    return FleetAction::Open(*i);
                }
            }
            _ => self.dirty = false,
        }
        FleetAction::None
    }
}

/// `esc` on an ensemble's console goes back to the fleet only when the console itself has
/// nothing left to close: no prompt, no filter, no other view, not frozen.
pub fn esc_leaves(s: &State) -> bool {
    matches!(s.input, Input::Normal)
        && s.view == View::Dashboard
        && s.filter.is_empty()
        && s.frozen.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keys::Keymap;
    use crate::app::StateInit;
    use crate::config::Config;

    fn ensemble(name: &str) -> State {
        State::new(StateInit {
            ensemble: name.into(),
            seeds: vec!["127.0.0.1:2181".into()],
            admin: Default::default(),
            tls: Default::default(),
            read_only: true,
            sandbox: false,
            config: Config::default(),
            keymap: Keymap::default(),
            theme: "dark".into(),
            themes: vec!["dark".into()],
        })
    }

    #[test]
    fn the_cursor_follows_its_ensemble_and_enter_opens_it() {
        let mut f = Fleet::new(vec![ensemble("b"), ensemble("a"), ensemble("c")]);
        let names: Vec<String> = f.rows().into_iter().map(|(_, r)| r.name).collect();
        assert_eq!(names, ["a", "b", "c"], "equal states: by name");
        assert_eq!(f.key(KeyInput::ch('j')), FleetAction::None);
        assert_eq!(f.selected.as_deref(), Some("b"));
        assert_eq!(f.key(KeyInput::plain(KeyCode::Enter)), FleetAction::Open(0));
        assert_eq!(f.key(KeyInput::ch('q')), FleetAction::Quit);
    }

    #[test]
    fn the_filter_narrows_the_rows_as_it_is_typed() {
        let mut f = Fleet::new(vec![
            ensemble("kafka-a"),
            ensemble("solr"),
            ensemble("kafka-b"),
        ]);
        f.key(KeyInput::ch('/'));
        for c in "kaf".chars() {
            f.key(KeyInput::ch(c));
        }
        assert_eq!(f.rows().len(), 2);
        f.key(KeyInput::plain(KeyCode::Enter));
        assert_eq!(f.filter, "kaf");
        assert_eq!(f.rows().len(), 2);
        f.key(KeyInput::plain(KeyCode::Esc));
        assert_eq!(f.rows().len(), 3);
    }
}
