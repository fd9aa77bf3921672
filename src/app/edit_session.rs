//! Editing a znode's value as operators do: a short single-line value in the inline field,
//! anything longer (multi-line, JSON) in `$VISUAL`/`$EDITOR`; then a diff against the version
//! the write will carry, and a confirmation. A node that moves on while the edit is open is
//! said at once; a stale edit keeps the operator's text and offers to re-apply it on the new
//! version, after showing the new diff. Plain data and logic: the terminal hand-over and the
//! editor process are the console's (`tui::editor`).

use super::keys::{KeyCode, KeyInput};
use super::text_input::TextInput;
use super::tree::TreeRequest;
use crate::config::Level;

/// Longest value (in chars) the inline field is offered for; longer ones go to the editor.
pub const INLINE_MAX: usize = 200;
/// Lines compared line by line at most (each side, once the common head and tail are set
/// aside); a larger change is shown as everything removed, then everything added.
const DIFF_MAX: usize = 2000;
/// Unchanged lines kept around each change in the review.
const CONTEXT: usize = 2;

/// What the console asks of the editor: `text` in a private temp file, edited, read back.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalEdit {
    pub path: String,
    pub text: String,
    /// The value is JSON: the file gets a `.json` name (editors then highlight it).
    pub json: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// The one-line field.
    Inline(TextInput),
    /// The editor runs; the console waits for it.
    Editor,
    /// The diff and the version it writes against, waiting for enter.
    Review,
    /// The write was sent.
    Writing,
}

/// The node as last seen, once it moved on from the version the edit writes against.
#[derive(Debug, Clone, PartialEq)]
pub enum Moved {
    /// A newer version; its value when it is text.
    To { version: i32, text: Option<String> },
    /// It could not be read again (deleted, or no session): why.
    Unreadable(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct EditSession {
    pub path: String,
    /// The version the write carries; `before` is the value at that version.
    pub version: i32,
    pub before: String,
    /// The operator's text: kept through a stale write and a re-edit.
    pub text: String,
    pub json: bool,
    pub stage: Stage,
    /// Set as soon as the node changes while the edit is open.
    pub moved: Option<Moved>,
    /// The server refused a write at `version`: someone changed the node first.
    pub refused: bool,
    /// First diff row shown in the review.
    pub scroll: usize,
}

/// What a key or a message asks of the browser.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Stay,
    /// The session ends (with a word for the operator).
    Close(Option<(Level, String)>),
    Flash(Level, String),
    Write(TreeRequest),
    OpenEditor(ExternalEdit),
}

/// Why a value cannot be edited as text, or its text.
pub fn editable_text(data: &[u8]) -> Result<String, String> {
    String::from_utf8(data.to_vec()).map_err(|_| {
        format!(
            "binary data ({} bytes): not editable as text here",
            data.len()
        )
    })
}

/// A value the inline field is offered for: short, one line, not a JSON document.
pub fn fits_inline(text: &str) -> bool {
    !text.contains(['\n', '\r']) && text.chars().count() <= INLINE_MAX && !is_json_doc(text)
}

fn is_json_doc(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| v.is_object() || v.is_array())
}

/// Editors end a file with a newline: one the value did not have is not taken as a change.
pub fn settle_newline(before: &str, edited: String) -> String {
    if !before.ends_with('\n') && edited.ends_with('\n') {
        let trimmed = edited.strip_suffix("\r\n").or(edited.strip_suffix('\n'));
        if let Some(t) = trimmed {
            if !t.ends_with('\n') {
                return t.to_string();
            }
        }
    }
    edited
}

impl EditSession {
    /// `E`: the inline field for a short value, else the editor. `ctrl-e` (`editor`) always
    /// opens the editor. Returns the session and what to do.
    pub fn start(path: &str, version: i32, before: String, editor: bool) -> (EditSession, Step) {
        let json = is_json_doc(&before);
        let mut s = EditSession {
            path: path.to_string(),
            version,
            text: before.clone(),
            before,
            json,
            stage: Stage::Editor,
            moved: None,
            refused: false,
            scroll: 0,
        };
        if !editor && fits_inline(&s.before) {
            s.stage = Stage::Inline(TextInput::with(s.before.clone()));
            return (s, Step::Stay);
        }
        let step = s.open_editor();
        (s, step)
    }

    fn open_editor(&mut self) -> Step {
        self.stage = Stage::Editor;
        Step::OpenEditor(ExternalEdit {
            path: self.path.clone(),
            text: self.text.clone(),
            json: self.json,
        })
    }

    /// The node is behind: a write at `version` would be refused.
    pub fn is_stale(&self) -> bool {
        self.refused || self.moved.is_some()
    }

    /// The diff the review shows: the value at `version` against the operator's text.
    pub fn diff(&self) -> Vec<DiffRow> {
        diff_rows(&self.before, &self.text)
    }

    /// The new text is JSON no more (when the value was): said in the review, not refused.
    pub fn json_problem(&self) -> Option<String> {
        if !self.json {
            return None;
        }
        serde_json::from_str::<serde_json::Value>(&self.text)
            .err()
            .map(|e| format!("not valid JSON any more: {e}"))
    }

    /// The editor closed: its text (or why there is none).
    pub fn edited(&mut self, result: Result<String, String>) -> Step {
        if self.stage != Stage::Editor {
            return Step::Stay;
        }
        match result {
            Ok(text) => {
                let text = settle_newline(&self.before, text);
                if text == self.before && !self.is_stale() {
                    return Step::Close(Some((Level::Ok, "no change: nothing written".into())));
                }
                self.text = text;
                self.stage = Stage::Review;
                self.scroll = 0;
                Step::Stay
            }
            // An earlier edit's text is still there to review; else there is nothing to keep.
            Err(e) if self.text != self.before => {
                self.stage = Stage::Review;
                Step::Flash(Level::Critical, e)
            }
            Err(e) => Step::Close(Some((Level::Critical, e))),
        }
    }

    /// The node as the browser re-read it (its data watch fired, or a reload).
    pub fn node_read(&mut self, result: Result<(i32, &[u8]), String>) {
        match result {
            Ok((v, _)) if v == self.version => {
                if !self.refused {
                    self.moved = None;
                }
            }
            Ok((v, data)) if v > self.version => {
                self.moved = Some(Moved::To {
                    version: v,
                    text: editable_text(data).ok(),
                })
            }
            Ok(_) => {}
            Err(e) => self.moved = Some(Moved::Unreadable(e)),
        }
    }

    /// The server refused the write at `version` (BadVersion).
    pub fn write_refused(&mut self) {
        self.refused = true;
        if self.stage == Stage::Writing {
            self.stage = Stage::Review;
        }
    }

    /// The write ended. A failure other than a stale version keeps the text for review.
    pub fn written(&mut self, ok: bool) -> Step {
        match (self.stage == Stage::Writing, ok) {
            (true, true) => Step::Close(None),
            (true, false) => {
                self.stage = Stage::Review;
                Step::Stay
            }
            _ => Step::Stay,
        }
    }

    /// Takes the node's newer version as the base: the operator's text is kept, the diff is
    /// now against that version, and the next enter writes at it.
    fn reapply(&mut self) -> Step {
        match self.moved.clone() {
            Some(Moved::To {
                version,
                text: Some(now),
            }) => {
                let from = self.version;
                self.version = version;
                self.before = now;
                self.moved = None;
                self.refused = false;
                self.scroll = 0;
                Step::Flash(
                    Level::Warn,
                    format!(
                        "your text on version {version} (was {from}): check the diff, enter writes"
                    ),
                )
            }
            Some(Moved::To { text: None, .. }) => Step::Flash(
                Level::Warn,
                "the node's new value is binary: esc to discard".into(),
            ),
            Some(Moved::Unreadable(e)) => {
                Step::Flash(Level::Warn, format!("the node cannot be read now: {e}"))
            }
            None => Step::Flash(Level::Warn, "reading the node's new version …".into()),
        }
    }

    pub fn key(&mut self, key: KeyInput) -> Step {
        match &mut self.stage {
            Stage::Inline(buf) => match key.code {
                KeyCode::Esc => Step::Close(Some((Level::Ok, "edit cancelled".into()))),
                KeyCode::Enter => {
                    self.text = buf.value().to_string();
                    if self.text == self.before && !self.is_stale() {
                        return Step::Close(Some((Level::Ok, "no change: nothing written".into())));
                    }
                    self.stage = Stage::Review;
                    self.scroll = 0;
                    Step::Stay
                }
                _ => {
                    buf.handle(key);
                    Step::Stay
                }
            },
            Stage::Editor | Stage::Writing => Step::Stay,
            Stage::Review => self.review_key(key),
        }
    }

    fn review_key(&mut self, key: KeyInput) -> Step {
        let rows = self.diff().len();
        let scroll = |s: &mut EditSession, d: i64| {
            s.scroll = (s.scroll as i64 + d).clamp(0, rows.saturating_sub(1) as i64) as usize;
            Step::Stay
        };
        match key.code {
            KeyCode::Esc => Step::Close(Some((Level::Ok, "edit discarded".into()))),
            KeyCode::Enter if self.is_stale() => self.reapply(),
            KeyCode::Enter => {
                self.stage = Stage::Writing;
                Step::Write(TreeRequest::SetData {
                    path: self.path.clone(),
                    data: self.text.as_bytes().to_vec(),
                    version: self.version,
                })
            }
            KeyCode::Char('e') => self.open_editor(),
            KeyCode::Down | KeyCode::Char('j') => scroll(self, 1),
            KeyCode::Up | KeyCode::Char('k') => scroll(self, -1),
            KeyCode::PageDown => scroll(self, 10),
            KeyCode::PageUp => scroll(self, -10),
            KeyCode::Home | KeyCode::Char('g') => scroll(self, -(1 << 30)),
            KeyCode::End | KeyCode::Char('G') => scroll(self, 1 << 30),
            _ => Step::Stay,
        }
    }
}

/// One row of the review's diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffRow {
    Same(String),
    Removed(String),
    Added(String),
    /// Unchanged lines left out between changes.
    Skipped(usize),
}

/// Lines removed and added.
pub fn diff_counts(rows: &[DiffRow]) -> (usize, usize) {
    rows.iter().fold((0, 0), |(r, a), row| match row {
        DiffRow::Removed(_) => (r + 1, a),
        DiffRow::Added(_) => (r, a + 1),
        _ => (r, a),
    })
}

/// A line diff of `old` against `new`, unchanged runs cut to a little context.
pub fn diff_rows(old: &str, new: &str) -> Vec<DiffRow> {
    let full = diff_lines(old, new);
    let changed: Vec<bool> = full
        .iter()
        .map(|r| !matches!(r, DiffRow::Same(_)))
        .collect();
    // A row is kept when a change is within CONTEXT rows of it.
    let near = |i: usize| {
        let lo = i.saturating_sub(CONTEXT);
        let hi = (i + CONTEXT + 1).min(changed.len());
        changed[lo..hi].iter().any(|c| *c)
    };
    let mut out = Vec::new();
    let mut skipped = 0;
    for (i, row) in full.into_iter().enumerate() {
        if near(i) {
            if skipped > 0 {
                out.push(DiffRow::Skipped(skipped));
                skipped = 0;
            }
            out.push(row);
        } else {
            skipped += 1;
        }
    }
    if skipped > 0 {
        out.push(DiffRow::Skipped(skipped));
    }
    out
}

/// Every line of both texts in order: the common head and tail, and between them the
/// longest common subsequence (bounded: past `DIFF_MAX` lines, all out then all in).
fn diff_lines(old: &str, new: &str) -> Vec<DiffRow> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let same = |l: &&str| DiffRow::Same(l.to_string());
    let mut out: Vec<DiffRow> = a[..head].iter().map(same).collect();
    if ma.len() > DIFF_MAX || mb.len() > DIFF_MAX {
        out.extend(ma.iter().map(|l| DiffRow::Removed(l.to_string())));
        out.extend(mb.iter().map(|l| DiffRow::Added(l.to_string())));
    } else {
        out.extend(lcs_rows(ma, mb));
    }
    out.extend(a[a.len() - tail..].iter().map(same));
    out
}

fn lcs_rows(a: &[&str], b: &[&str]) -> Vec<DiffRow> {
    let (n, m) = (a.len(), b.len());
    // len[i][j]: the common subsequence of a[i..] and b[j..], in one flat table.
    let mut len = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            len[at(i, j)] = if a[i] == b[j] {
                len[at(i + 1, j + 1)] + 1
            } else {
                len[at(i + 1, j)].max(len[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push(DiffRow::Same(a[i].to_string()));
            i += 1;
            j += 1;
        } else if j < m && (i == n || len[at(i, j + 1)] >= len[at(i + 1, j)]) {
            out.push(DiffRow::Added(b[j].to_string()));
            j += 1;
        } else {
            out.push(DiffRow::Removed(a[i].to_string()));
            i += 1;
        }
    }
    // Removed lines read better before the added ones that replace them.
    for k in 1..out.len() {
        let mut x = k;
        while x > 0
            && matches!(out[x], DiffRow::Removed(_))
            && matches!(out[x - 1], DiffRow::Added(_))
        {
            out.swap(x, x - 1);
            x -= 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enter() -> KeyInput {
        KeyInput::plain(KeyCode::Enter)
    }

    #[test]
    fn the_diff_is_by_line_with_context_and_skips() {
        let old: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 10\n", "line ten\n");
        let rows = diff_rows(&old, &new);
        assert_eq!(
            rows,
            vec![
                DiffRow::Skipped(7),
                DiffRow::Same("line 8".into()),
                DiffRow::Same("line 9".into()),
                DiffRow::Removed("line 10".into()),
                DiffRow::Added("line ten".into()),
                DiffRow::Same("line 11".into()),
                DiffRow::Same("line 12".into()),
                DiffRow::Skipped(8),
            ]
        );
        assert_eq!(diff_counts(&rows), (1, 1));
        assert_eq!(
            diff_rows("a\nb\nc", "a\nc\nd"),
            vec![
                DiffRow::Same("a".into()),
                DiffRow::Removed("b".into()),
                DiffRow::Same("c".into()),
                DiffRow::Added("d".into()),
            ]
        );
        assert_eq!(diff_rows("", "x"), vec![DiffRow::Added("x".into())]);
    }

    #[test]
    fn a_huge_change_is_bounded() {
        let old: String = (0..3000).map(|i| format!("{i}\n")).collect();
        let new: String = (0..3000).map(|i| format!("n{i}\n")).collect();
        let rows = diff_rows(&old, &new);
        assert_eq!(diff_counts(&rows), (3000, 3000));
    }

    #[test]
    fn short_values_are_edited_inline_the_rest_in_the_editor() {
        assert!(fits_inline("10.0.0.1:2181"));
        assert!(!fits_inline("a\nb"));
        assert!(!fits_inline(r#"{"a":1}"#));
        assert!(!fits_inline(&"x".repeat(INLINE_MAX + 1)));
        let (s, step) = EditSession::start("/a", 3, "v1".into(), false);
        assert!(matches!(s.stage, Stage::Inline(_)));
        assert_eq!(step, Step::Stay);
        let (s, step) = EditSession::start("/a", 3, "{\"a\": 1}".into(), false);
        assert_eq!(s.stage, Stage::Editor);
        assert_eq!(
            step,
            Step::OpenEditor(ExternalEdit {
                path: "/a".into(),
                text: "{\"a\": 1}".into(),
                json: true
            })
        );
        let (s, _) = EditSession::start("/a", 3, "v1".into(), true);
        assert_eq!(s.stage, Stage::Editor, "ctrl-e opens the editor");
        assert!(editable_text(&[0xff, 0]).unwrap_err().contains("binary"));
    }

    #[test]
    fn the_editors_final_newline_is_not_a_change() {
        assert_eq!(settle_newline("a", "b\n".into()), "b");
        assert_eq!(settle_newline("a\n", "b\n".into()), "b\n");
        assert_eq!(settle_newline("a", "b\n\n".into()), "b\n\n");
        assert_eq!(settle_newline("a", "b".into()), "b");
    }

    /// Editor result → diff → confirm → stale → re-apply on the new version → write.
    #[test]
    fn editor_diff_confirm_stale_and_reapply() {
        let (mut s, _) = EditSession::start("/cfg", 4, "a=1\nb=2\n".into(), true);
        assert_eq!(s.edited(Ok("a=1\nb=3\n".into())), Step::Stay);
        assert_eq!(s.stage, Stage::Review);
        assert_eq!(diff_counts(&s.diff()), (1, 1));
        // The node moves on while the diff is open: said at once, and enter does not write.
        s.node_read(Ok((5, b"a=9\nb=2\n")));
        assert!(s.is_stale());
        let step = s.key(enter());
        assert!(matches!(step, Step::Flash(_, ref t) if t.contains("version 5 (was 4)")));
        assert_eq!((s.version, s.before.as_str()), (5, "a=9\nb=2\n"));
        assert_eq!(s.text, "a=1\nb=3\n", "the operator's text is kept");
        assert_eq!(
            s.diff(),
            vec![
                DiffRow::Removed("a=9".into()),
                DiffRow::Removed("b=2".into()),
                DiffRow::Added("a=1".into()),
                DiffRow::Added("b=3".into()),
            ]
        );
        let step = s.key(enter());
        assert_eq!(
            step,
            Step::Write(TreeRequest::SetData {
                path: "/cfg".into(),
                data: b"a=1\nb=3\n".to_vec(),
                version: 5
            })
        );
        // The server refuses it (a change the watch had not shown yet): text kept, review
        // again; enter waits for the new version before re-applying.
        s.write_refused();
        assert_eq!(s.written(false), Step::Stay);
        assert_eq!(s.stage, Stage::Review);
        assert!(matches!(s.key(enter()), Step::Flash(_, ref t) if t.contains("reading")));
        s.node_read(Ok((6, b"a=1\nb=2\n")));
        s.key(enter());
        assert_eq!(s.version, 6);
        assert!(matches!(
            s.key(enter()),
            Step::Write(TreeRequest::SetData { version: 6, .. })
        ));
        assert_eq!(s.written(true), Step::Close(None));
    }

    #[test]
    fn inline_enter_reviews_first_and_no_change_writes_nothing() {
        let (mut s, _) = EditSession::start("/a", 1, "old".into(), false);
        assert!(matches!(s.key(enter()), Step::Close(Some((_, ref t))) if t.contains("no change")));
        let (mut s, _) = EditSession::start("/a", 1, "old".into(), false);
        s.key(KeyInput::ch('!'));
        assert_eq!(
            s.key(enter()),
            Step::Stay,
            "enter shows the diff, not writes"
        );
        assert_eq!(s.stage, Stage::Review);
        assert_eq!(
            s.diff(),
            vec![
                DiffRow::Removed("old".into()),
                DiffRow::Added("old!".into())
            ]
        );
        // `e` takes the text on to the editor.
        assert!(matches!(s.key(KeyInput::ch('e')), Step::OpenEditor(ref x) if x.text == "old!"));
        // An editor that fails keeps the earlier text for review.
        assert!(matches!(s.edited(Err("boom".into())), Step::Flash(..)));
        assert_eq!((s.stage.clone(), s.text.as_str()), (Stage::Review, "old!"));
        // The node deleted meanwhile: said, and nothing is written.
        s.node_read(Err("no such node".into()));
        assert!(matches!(s.key(enter()), Step::Flash(_, ref t) if t.contains("no such node")));
    }

    #[test]
    fn an_unchanged_editor_result_closes_and_an_invalid_json_is_said() {
        let (mut s, _) = EditSession::start("/j", 1, "{\"a\":1}".into(), false);
        assert!(matches!(
            s.edited(Ok("{\"a\":1}\n".into())),
            Step::Close(Some((Level::Ok, _)))
        ));
        let (mut s, _) = EditSession::start("/j", 1, "{\"a\":1}".into(), false);
        s.edited(Ok("{\"a\":".into()));
        assert!(s.json_problem().unwrap().contains("not valid JSON"));
    }
}
