//! Key bindings as data: defaults compiled in, overrides from the config, and the help screen
//! and hint line generated from the same table, so they can never disagree.

use std::fmt;

/// A key press, independent of the terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyInput {
    pub code: KeyCode,
    pub ctrl: bool,
    /// Alt (or Meta): only text inputs use it (alt-backspace deletes a word).
    pub alt: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Backspace,
    Delete,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    F(u8),
}

impl KeyInput {
    pub const fn plain(code: KeyCode) -> Self {
        Self {
            code,
            ctrl: false,
            alt: false,
        }
    }

    pub const fn ch(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            ctrl: true,
            alt: false,
        }
    }

    pub const fn alt(code: KeyCode) -> Self {
        Self {
            code,
            ctrl: false,
            alt: true,
        }
    }

    /// `q`, `ctrl-c`, `enter`, `esc`, `up`, `pgdn`, `f1`, `space`, `?` ...
    pub fn parse(s: &str) -> Option<KeyInput> {
        let s = s.trim();
        let (ctrl, rest) = match s.to_ascii_lowercase().strip_prefix("ctrl-") {
            Some(_) => (true, &s[5..]),
            None => (false, s),
        };
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().ok()?)
            }
            _ => {
                let mut chars = rest.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
            }
        };
        Some(KeyInput {
            code,
            ctrl,
            alt: false,
        })
    }
}

impl fmt::Display for KeyInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::F(n) => write!(f, "f{n}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    Command,
    Filter,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    SortNext,
    SortReverse,
    Freeze,
    Events,
    Problems,
    Clients,
    Copy,
    NextTheme,
    Workflows,
    Kill,
    Pause,
    Resume,
    Restart,
}

impl Action {
    pub const ALL: [Action; 25] = [
        Action::Quit,
        Action::Help,
        Action::Command,
        Action::Filter,
        Action::Back,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Open,
        Action::SortNext,
        Action::SortReverse,
        Action::Freeze,
        Action::Events,
        Action::Problems,
        Action::Clients,
        Action::Copy,
        Action::NextTheme,
        Action::Workflows,
        Action::Kill,
        Action::Pause,
        Action::Resume,
        Action::Restart,
    ];

    /// The name used in the config's `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Command => "command",
            Action::Filter => "filter",
            Action::Back => "back",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Open => "open",
            Action::SortNext => "sort",
            Action::SortReverse => "sort_reverse",
            Action::Freeze => "freeze",
            Action::Events => "events",
            Action::Problems => "problems",
            Action::Clients => "clients",
            Action::Copy => "copy",
            Action::NextTheme => "next_theme",
            Action::Workflows => "workflows",
            Action::Kill => "kill",
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Restart => "restart",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "this help",
            Action::Command => "command (:tree :events :report :ensemble NAME :theme NAME :q)",
            Action::Filter => "filter rows / metrics",
            Action::Back => "back / close / clear filter",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "first row",
            Action::Bottom => "last row",
            Action::Open => "member detail",
            Action::SortNext => "sort by next column",
            Action::SortReverse => "reverse sort",
            Action::Freeze => "freeze display (collection continues)",
            Action::Events => "events timeline",
            Action::Problems => "every problem now (what `status` lists)",
            Action::Clients => "client connections of the member (:clients for all)",
            Action::Copy => "copy the selected thing to the clipboard (OSC 52)",
            Action::NextTheme => "next theme",
            Action::Workflows => "guided workflows: expand, shrink, recover",
            Action::Kill => "sandbox: kill member (SIGKILL)",
            Action::Pause => "sandbox: pause member (SIGSTOP)",
            Action::Resume => "sandbox: resume member (SIGCONT)",
            Action::Restart => "sandbox: restart member",
        }
    }

    /// Drills change the ensemble: only on a sandbox, and never in read-only mode.
    pub fn is_drill(self) -> bool {
        matches!(
            self,
            Action::Kill | Action::Pause | Action::Resume | Action::Restart
        )
    }

    /// Actions that can lead to a write: gone entirely in read-only mode.
    pub fn is_write(self) -> bool {
        self.is_drill() || self == Action::Workflows
    }

    pub fn by_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}

/// Which kinds of action the console offers right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    /// Anything that can write to ZooKeeper (false in --read-only).
    pub writes: bool,
    /// Sandbox drills (a sandbox, and writes allowed).
    pub drills: bool,
}

impl Allowed {
    pub const ALL: Allowed = Allowed {
        writes: true,
        drills: true,
    };
    pub const READ_ONLY: Allowed = Allowed {
        writes: false,
        drills: false,
    };

    pub fn permits(self, a: Action) -> bool {
        (self.writes || !a.is_write()) && (self.drills || !a.is_drill())
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(Action, Vec<KeyInput>)>,
}

impl Default for Keymap {
    fn default() -> Self {
        use KeyCode::*;
        let p = KeyInput::plain;
        let c = KeyInput::ch;
        let bindings = vec![
            (Action::Quit, vec![c('q'), KeyInput::ctrl('c')]),
            (Action::Help, vec![c('?'), p(F(1))]),
            (Action::Command, vec![c(':')]),
            (Action::Filter, vec![c('/')]),
            (Action::Back, vec![p(Esc)]),
            (Action::Up, vec![p(Up), c('k')]),
            (Action::Down, vec![p(Down), c('j')]),
            (Action::PageUp, vec![p(PageUp), KeyInput::ctrl('b')]),
            (Action::PageDown, vec![p(PageDown), KeyInput::ctrl('f')]),
            (Action::Top, vec![p(Home), c('g')]),
            (Action::Bottom, vec![p(End), c('G')]),
            (Action::Open, vec![p(Enter), c('l')]),
            (Action::SortNext, vec![c('s')]),
            (Action::SortReverse, vec![c('S')]),
            (Action::Freeze, vec![c('f')]),
            (Action::Events, vec![c('e')]),
            (Action::Problems, vec![c('p')]),
            (Action::Clients, vec![c('c')]),
            (Action::Copy, vec![c('y')]),
            (Action::NextTheme, vec![c('T')]),
            (Action::Workflows, vec![c('w')]),
            (Action::Kill, vec![c('K')]),
            (Action::Pause, vec![c('P')]),
            (Action::Resume, vec![c('R')]),
            (Action::Restart, vec![c('X')]),
        ];
        Keymap { bindings }
    }
}

impl Keymap {
    /// Applies `[keys]` overrides (`action = ["key", ...]`); unknown names are errors.
    pub fn with_overrides(
        mut self,
        overrides: &std::collections::BTreeMap<String, Vec<String>>,
    ) -> Result<Keymap, String> {
        for (name, keys) in overrides {
            let action = Action::by_name(name).ok_or_else(|| {
                let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                format!("keys.{name}: unknown action; known: {}", names.join(", "))
            })?;
            let parsed = keys
                .iter()
                .map(|k| {
                    KeyInput::parse(k).ok_or_else(|| format!("keys.{name}: cannot read key {k:?}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(slot) = self.bindings.iter_mut().find(|(a, _)| *a == action) {
                slot.1 = parsed;
            }
        }
        Ok(self)
    }

    /// The action bound to a key, among those `allowed` offers.
    pub fn action(&self, key: KeyInput, allowed: Allowed) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(a, keys)| keys.contains(&key) && allowed.permits(*a))
            .map(|(a, _)| *a)
    }

    /// The action bound to `key` that `allowed` withholds (a write in --read-only, a drill
    /// off a sandbox), when no allowed action has the key: so the console can say why the
    /// key does nothing.
    pub fn withheld(&self, key: KeyInput, allowed: Allowed) -> Option<Action> {
        if self.action(key, allowed).is_some() {
            return None;
        }
        self.bindings
            .iter()
            .find(|(a, keys)| keys.contains(&key) && !allowed.permits(*a))
            .map(|(a, _)| *a)
    }

    pub fn keys(&self, action: Action) -> &[KeyInput] {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .map_or(&[], |(_, k)| k.as_slice())
    }

    /// Rows of the help screen: keys, description; actions not available left out.
    pub fn help_rows(&self, allowed: Allowed) -> Vec<(String, &'static str)> {
        self.bindings
            .iter()
            .filter(|(a, _)| allowed.permits(*a))
            .map(|(a, keys)| {
                let shown: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                (shown.join(" "), a.help())
            })
            .collect()
    }

    /// A short hint for the bottom line: `key label` pairs.
    pub fn hint(
        &self,
        actions: &[(Action, &'static str)],
        allowed: Allowed,
    ) -> Vec<(String, &'static str)> {
        actions
            .iter()
            .filter(|(a, _)| allowed.permits(*a))
            .filter_map(|(a, label)| Some((self.keys(*a).first()?.to_string(), *label)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_show_round_trip() {
        for s in [
            "q", "ctrl-c", "enter", "esc", "pgdn", "f1", "space", "G", "?",
        ] {
            let k = KeyInput::parse(s).unwrap();
            assert_eq!(
                KeyInput::parse(&k.to_string().replace('↑', "up")),
                Some(k),
                "{s}"
            );
        }
        assert_eq!(KeyInput::parse("nonsense"), None);
    }

    #[test]
    fn drills_hidden_without_sandbox_or_in_read_only() {
        let km = Keymap::default();
        let no_sandbox = Allowed {
            writes: true,
            drills: false,
        };
        assert_eq!(km.action(KeyInput::ch('K'), no_sandbox), None);
        assert_eq!(
            km.action(KeyInput::ch('K'), Allowed::ALL),
            Some(Action::Kill)
        );
        assert_eq!(km.action(KeyInput::ch('w'), Allowed::READ_ONLY), None);
        assert_eq!(
            km.action(KeyInput::ch('w'), no_sandbox),
            Some(Action::Workflows)
        );
        let rows = |a| km.help_rows(a);
        assert!(rows(no_sandbox)
            .iter()
            .all(|(_, h)| !h.starts_with("sandbox")));
        assert!(rows(Allowed::ALL)
            .iter()
            .any(|(_, h)| h.starts_with("sandbox")));
        assert!(rows(Allowed::READ_ONLY)
            .iter()
            .all(|(_, h)| !h.contains("workflows")));
    }

    #[test]
    fn overrides_replace_keys_and_reject_unknown_actions() {
        let mut o = std::collections::BTreeMap::new();
        o.insert("quit".to_string(), vec!["x".to_string()]);
        let km = Keymap::default().with_overrides(&o).unwrap();
        assert_eq!(
            km.action(KeyInput::ch('x'), Allowed::READ_ONLY),
            Some(Action::Quit)
        );
        assert_eq!(km.action(KeyInput::ch('q'), Allowed::READ_ONLY), None);
        o.insert("explode".to_string(), vec!["y".to_string()]);
        assert!(Keymap::default()
            .with_overrides(&o)
            .unwrap_err()
            .contains("explode"));
    }
}
