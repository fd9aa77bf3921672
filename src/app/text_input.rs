//! One single-line text input for every prompt of the console (`:` commands, filters, the
//! path prompt, the create and edit boxes, typed confirmations, the wizard's fields), so
//! they all edit alike: cursor movement, word delete, home/end, paste, and history where a
//! prompt keeps one. Plain data, no terminal: the renderer draws the cursor where it is.

use super::keys::{KeyCode, KeyInput};

/// The text and where the cursor is (a char index, `0..=len`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    text: String,
    cursor: usize,
}

/// The editing keys, for the help screen: kept beside `TextInput::handle`, which they describe.
pub const HELP: [(&str, &str); 6] = [
    (
        "← → home end",
        "move (also ctrl-a ctrl-e; ctrl-← ctrl-→ by word)",
    ),
    ("backspace delete", "delete before / under the cursor"),
    ("ctrl-w alt-backspace", "delete the word before the cursor"),
    ("ctrl-u ctrl-k", "delete to the start / to the end"),
    ("↑ ↓", "earlier entries (: and the path prompt)"),
    ("paste", "inserts at the cursor, control characters dropped"),
];

/// What a key did to the input, so the caller knows whether the value changed (a filter
/// re-filters as you type) or whether the key is the caller's (enter, esc, tab, up/down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text changed.
    Changed,
    /// Only the cursor moved.
    Moved,
    /// Not an editing key: the caller decides (enter, esc, tab, up, down, ...).
    Ignored,
}

impl TextInput {
    pub fn new() -> TextInput {
        TextInput::default()
    }

    /// Starts with `text`, the cursor at its end (editing an existing value appends).
    pub fn with(text: impl Into<String>) -> TextInput {
        let mut t = TextInput::new();
        t.set(text);
        t
    }

    pub fn value(&self) -> &str {
        &self.text
    }

    /// The cursor, as a char index into the value.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Replaces the value; the cursor goes to its end.
    pub fn set(&mut self, text: impl Into<String>) {
        self.text = clean(&text.into());
        self.cursor = self.len();
    }

    pub fn clear(&mut self) {
        self.set(String::new());
    }

    pub fn into_value(self) -> String {
        self.text
    }

    fn len(&self) -> usize {
        self.text.chars().count()
    }

    /// Byte offset of char index `i`.
    fn byte(&self, i: usize) -> usize {
        self.text
            .char_indices()
            .nth(i)
            .map_or(self.text.len(), |(b, _)| b)
    }

    /// The value split at the cursor: before, the char under it (if any), after.
    pub fn split(&self) -> (&str, Option<char>, &str) {
        let at = self.byte(self.cursor);
        let rest = &self.text[at..];
        let mut chars = rest.chars();
        match chars.next() {
            Some(c) => (&self.text[..at], Some(c), chars.as_str()),
            None => (&self.text[..at], None, ""),
        }
    }

    /// Applies one key. Keys that are not editing keys are left to the caller.
    pub fn handle(&mut self, key: KeyInput) -> Edit {
        use KeyCode::*;
        let word_delete = matches!((key.code, key.ctrl, key.alt), (Char('w'), true, _))
            || (key.code == Backspace && (key.alt || key.ctrl));
        if word_delete {
            return self.delete_word_before();
        }
        match (key.code, key.ctrl, key.alt) {
            (Left, false, false) | (Char('b'), true, false) => {
                self.move_to(self.cursor.saturating_sub(1))
            }
            (Right, false, false) | (Char('f'), true, false) => self.move_to(self.cursor + 1),
            (Left, _, _) | (Char('b'), false, true) => self.move_to(self.word_start()),
            (Right, _, _) | (Char('f'), false, true) => self.move_to(self.word_end()),
            (Home, _, _) | (Char('a'), true, _) => self.move_to(0),
            (End, _, _) | (Char('e'), true, _) => self.move_to(self.len()),
            (Backspace, false, false) | (Char('h'), true, false) => {
                if self.cursor == 0 {
                    return Edit::Moved;
                }
                self.remove(self.cursor - 1, self.cursor)
            }
            (Delete, _, _) | (Char('d'), true, false) => {
                if self.cursor >= self.len() {
                    return Edit::Moved;
                }
                self.remove(self.cursor, self.cursor + 1)
            }
            // As in a shell: ctrl-u clears up to the cursor, ctrl-k from it.
            (Char('u'), true, false) => self.remove(0, self.cursor),
            (Char('k'), true, false) => self.remove(self.cursor, self.len()),
            (Char(c), false, false) if !c.is_control() => {
                self.insert(&c.to_string());
                Edit::Changed
            }
            _ => Edit::Ignored,
        }
    }

    /// Inserts pasted text at the cursor. Control characters (newlines, escapes) are
    /// dropped: a paste never submits a prompt or reaches the terminal as a sequence.
    pub fn paste(&mut self, text: &str) -> Edit {
        let clean = clean(text);
        if clean.is_empty() {
            return Edit::Ignored;
        }
        self.insert(&clean);
        Edit::Changed
    }

    fn insert(&mut self, s: &str) {
        let at = self.byte(self.cursor);
        self.text.insert_str(at, s);
        self.cursor += s.chars().count();
    }

    fn remove(&mut self, from: usize, to: usize) -> Edit {
        if from >= to {
            return Edit::Moved;
        }
        let (a, b) = (self.byte(from), self.byte(to));
        self.text.replace_range(a..b, "");
        self.cursor = from;
        Edit::Changed
    }

    fn move_to(&mut self, to: usize) -> Edit {
        self.cursor = to.min(self.len());
        Edit::Moved
    }

    fn delete_word_before(&mut self) -> Edit {
        let from = self.word_start();
        self.remove(from, self.cursor)
    }

    /// Start of the word before the cursor: skip separators, then the word. Path and
    /// command separators count, so ctrl-w removes one path segment of `/a/b/c`.
    fn word_start(&self) -> usize {
        let chars: Vec<char> = self.text.chars().collect();
        let mut i = self.cursor;
        while i > 0 && is_separator(chars[i - 1]) {
            i -= 1;
        }
        while i > 0 && !is_separator(chars[i - 1]) {
            i -= 1;
        }
        i
    }

    fn word_end(&self) -> usize {
        let chars: Vec<char> = self.text.chars().collect();
        let mut i = self.cursor;
        while i < chars.len() && is_separator(chars[i]) {
            i += 1;
        }
        while i < chars.len() && !is_separator(chars[i]) {
            i += 1;
        }
        i
    }
}

impl From<&str> for TextInput {
    fn from(s: &str) -> TextInput {
        TextInput::with(s)
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '/' | '.' | ',' | ':' | '-' | '_' | '=')
}

fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// Earlier entries of a prompt, browsed with up/down. What was being typed is kept while
/// browsing and comes back past the newest entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    entries: Vec<String>,
    /// Index into `entries` while browsing.
    at: Option<usize>,
    draft: String,
}

/// Entries kept per prompt.
const HISTORY_MAX: usize = 100;

impl History {
    /// Remembers a submitted value (empty ones and repeats of the last are not kept).
    pub fn push(&mut self, value: &str) {
        self.at = None;
        if value.trim().is_empty() || self.entries.last().is_some_and(|l| l == value) {
            return;
        }
        if self.entries.len() == HISTORY_MAX {
            self.entries.remove(0);
        }
        self.entries.push(value.to_string());
    }

    /// Starts a new prompt: browsing starts again from the newest entry.
    pub fn reset(&mut self) {
        self.at = None;
    }

    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// Up/down on `input`: older or newer entries. Returns whether the key was used.
    pub fn browse(&mut self, key: KeyInput, input: &mut TextInput) -> bool {
        match key.code {
            KeyCode::Up => {
                let next = match self.at {
                    None if self.entries.is_empty() => return true,
                    None => {
                        self.draft = input.value().to_string();
                        self.entries.len() - 1
                    }
                    Some(i) => i.saturating_sub(1),
                };
                self.at = Some(next);
                input.set(self.entries[next].clone());
                true
            }
            KeyCode::Down => {
                match self.at {
                    None => {}
                    Some(i) if i + 1 < self.entries.len() => {
                        self.at = Some(i + 1);
                        input.set(self.entries[i + 1].clone());
                    }
                    Some(_) => {
                        self.at = None;
                        input.set(std::mem::take(&mut self.draft));
                    }
                }
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(s: &str) -> TextInput {
        let mut t = TextInput::new();
        for c in s.chars() {
            t.handle(KeyInput::ch(c));
        }
        t
    }

    fn key(code: KeyCode) -> KeyInput {
        KeyInput::plain(code)
    }

    #[test]
    fn typing_inserts_at_the_cursor() {
        let mut t = typed("helo");
        assert_eq!(t.handle(key(KeyCode::Left)), Edit::Moved);
        t.handle(KeyInput::ch('l'));
        assert_eq!(t.value(), "hello");
        assert_eq!(t.cursor(), 4);
        assert_eq!(t.split(), ("hell", Some('o'), ""));
    }

    #[test]
    fn home_end_and_their_ctrl_keys() {
        let mut t = typed("abc");
        t.handle(key(KeyCode::Home));
        t.handle(KeyInput::ch('>'));
        assert_eq!(t.value(), ">abc");
        t.handle(KeyInput::ctrl('e'));
        t.handle(KeyInput::ch('<'));
        assert_eq!(t.value(), ">abc<");
        t.handle(KeyInput::ctrl('a'));
        assert_eq!(t.cursor(), 0);
        t.handle(key(KeyCode::End));
        assert_eq!(t.cursor(), 5);
    }

    #[test]
    fn backspace_and_delete_at_the_cursor_and_at_the_edges() {
        let mut t = typed("abcd");
        t.handle(key(KeyCode::Left));
        t.handle(key(KeyCode::Left));
        t.handle(key(KeyCode::Backspace));
        assert_eq!((t.value(), t.cursor()), ("acd", 1));
        t.handle(key(KeyCode::Delete));
        assert_eq!((t.value(), t.cursor()), ("ad", 1));
        t.handle(key(KeyCode::End));
        assert_eq!(t.handle(key(KeyCode::Delete)), Edit::Moved, "nothing after");
        t.handle(key(KeyCode::Home));
        assert_eq!(
            t.handle(key(KeyCode::Backspace)),
            Edit::Moved,
            "nothing before"
        );
        assert_eq!(t.value(), "ad");
    }

    #[test]
    fn word_delete_with_ctrl_w_and_alt_backspace_stops_at_path_segments() {
        let mut t = typed("/app/config/db");
        t.handle(KeyInput::ctrl('w'));
        assert_eq!(t.value(), "/app/config/");
        t.handle(KeyInput::alt(KeyCode::Backspace));
        assert_eq!(t.value(), "/app/");
        let mut t = typed("add 4 remove 2");
        t.handle(KeyInput::ctrl('w'));
        assert_eq!(t.value(), "add 4 remove ");
        // Mid-text: only the word before the cursor goes.
        let mut t = typed("one two three");
        for _ in 0..6 {
            t.handle(key(KeyCode::Left));
        }
        t.handle(KeyInput::ctrl('w'));
        assert_eq!((t.value(), t.cursor()), ("one  three", 4));
    }

    #[test]
    fn ctrl_u_and_ctrl_k_clear_before_and_after() {
        let mut t = typed("/a/b");
        t.handle(key(KeyCode::Left));
        t.handle(KeyInput::ctrl('u'));
        assert_eq!((t.value(), t.cursor()), ("b", 0));
        let mut t = typed("/a/b");
        t.handle(key(KeyCode::Home));
        t.handle(key(KeyCode::Right));
        t.handle(KeyInput::ctrl('k'));
        assert_eq!(t.value(), "/");
    }

    #[test]
    fn paste_inserts_at_the_cursor_and_drops_control_characters() {
        let mut t = typed("ab");
        t.handle(key(KeyCode::Left));
        assert_eq!(t.paste("x\ny\t\u{1b}[31mz\r"), Edit::Changed);
        assert_eq!(t.value(), "axy[31mzb");
        assert_eq!(t.cursor(), 8);
        assert_eq!(t.paste("\n\n"), Edit::Ignored, "nothing printable");
    }

    #[test]
    fn multibyte_text_moves_by_characters() {
        let mut t = typed("zkö日本");
        t.handle(key(KeyCode::Left));
        t.handle(key(KeyCode::Backspace));
        assert_eq!(t.value(), "zkö本");
        assert_eq!(t.split(), ("zkö", Some('本'), ""));
    }

    #[test]
    fn keys_that_are_not_editing_are_left_to_the_caller() {
        let mut t = typed("x");
        for k in [
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::Up,
            KeyCode::Down,
        ] {
            assert_eq!(t.handle(key(k)), Edit::Ignored, "{k:?}");
        }
        assert_eq!(t.handle(KeyInput::ctrl('c')), Edit::Ignored);
        assert_eq!(t.value(), "x");
    }

    #[test]
    fn history_browses_older_and_newer_and_restores_the_draft() {
        let mut h = History::default();
        h.push("/a");
        h.push("/b");
        h.push("/b");
        h.push("  ");
        assert_eq!(h.entries(), ["/a", "/b"]);
        let mut t = TextInput::with("/dra");
        assert!(h.browse(key(KeyCode::Up), &mut t));
        assert_eq!(t.value(), "/b");
        h.browse(key(KeyCode::Up), &mut t);
        h.browse(key(KeyCode::Up), &mut t);
        assert_eq!(t.value(), "/a", "stops at the oldest");
        h.browse(key(KeyCode::Down), &mut t);
        assert_eq!(t.value(), "/b");
        h.browse(key(KeyCode::Down), &mut t);
        assert_eq!(t.value(), "/dra", "past the newest: what was being typed");
        assert_eq!(t.cursor(), 4);
        assert!(!h.browse(KeyInput::ch('x'), &mut t));
    }
}
