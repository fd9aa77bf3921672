//! `$VISUAL`/`$EDITOR` on a znode's value: the text goes into a file of a private temp
//! directory (the file 0600, the directory 0700, both removed after), the editor runs on the
//! terminal the console hands over (raw mode off, normal screen, the input thread paused),
//! and the text it leaves comes back as `TreeMsg::Edited`. The editor command is split into
//! words (`code --wait` works) and run directly, never through a shell.

use super::terminal::{self, InputGate, Term};
use crate::app::edit_session::ExternalEdit;
use crate::app::tree::TreeMsg;
use crate::app::{Msg, State};
use crate::tree::node::safe_name;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// How long an editor may stay open. The console shows nothing meanwhile: past this the
/// editor is stopped and the edit discarded (the node is not written).
pub const DEADLINE: Duration = Duration::from_secs(2 * 3600);
/// Used when neither VISUAL nor EDITOR is set.
pub const FALLBACK: &str = "vi";

/// The editor's argv: VISUAL, else EDITOR, else `vi`; split into words, no shell.
pub fn command_from(visual: Option<&str>, editor: Option<&str>) -> Result<Vec<String>, String> {
    let (var, value) = match (visual, editor) {
        (Some(v), _) if !v.trim().is_empty() => ("VISUAL", v),
        (_, Some(e)) if !e.trim().is_empty() => ("EDITOR", e),
        _ => return Ok(vec![FALLBACK.to_string()]),
    };
    let words = crate::config::actions::split_words(value)
        .map_err(|e| format!("{var}={value:?} cannot be split into words: {e}"))?;
    if words.is_empty() {
        return Ok(vec![FALLBACK.to_string()]);
    }
    Ok(words)
}

/// The editor of this environment.
pub fn from_env() -> Result<Vec<String>, String> {
    let visual = std::env::var("VISUAL").ok();
    let editor = std::env::var("EDITOR").ok();
    command_from(visual.as_deref(), editor.as_deref())
}

/// A private directory holding the file the editor gets; removed when dropped.
pub struct Scratch {
    dir: tempfile::TempDir,
    pub file: PathBuf,
}

impl Scratch {
    /// `zkconsole-edit-XXXX/<node name>.json|.txt`, the file created 0600 (never an existing
    /// one: the directory is new and ours).
    pub fn create(path: &str, text: &str, json: bool) -> std::io::Result<Scratch> {
        use std::os::unix::fs::PermissionsExt;
        // Private: another user must not read the value, nor swap the file under the editor.
        let dir = tempfile::Builder::new()
            .prefix("zkconsole-edit-")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()?;
        let leaf: String = safe_name(path.rsplit('/').next().unwrap_or(""))
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(60)
            .collect();
        let name = format!(
            "{}.{}",
            if leaf.is_empty() { "root" } else { &leaf },
            if json { "json" } else { "txt" }
        );
        let file = dir.path().join(name);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&file)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        Ok(Scratch { dir, file })
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Reads the edited text and removes the directory.
    pub fn finish(self) -> Result<String, String> {
        let read = std::fs::read(&self.file);
        let shown = self.dir.path().display().to_string();
        let removed = self.dir.close();
        let bytes = read.map_err(|e| format!("cannot read the edited file back: {e}"))?;
        if let Err(e) = removed {
            tracing::warn!(dir = %shown, error = %e, "edit scratch directory not removed");
        }
        String::from_utf8(bytes)
            .map_err(|_| "the edited file is not UTF-8 text: nothing was written".to_string())
    }
}

/// Runs `cmd` on `text` (in a scratch file) and returns what it left. The terminal must have
/// been handed over already. Ends with an error, nothing kept, when the editor fails, exits
/// non-zero (`:cq` discards, as git does) or outlives `deadline`.
pub async fn edit_text(
    cmd: &[String],
    edit: &ExternalEdit,
    deadline: Duration,
) -> Result<String, String> {
    let Some((program, args)) = cmd.split_first() else {
        return Err("no editor command".into());
    };
    let (path, text, json) = (edit.path.clone(), edit.text.clone(), edit.json);
    let scratch = tokio::task::spawn_blocking(move || Scratch::create(&path, &text, json))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot create the file to edit: {e}"))?;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .arg(&scratch.file)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start the editor `{program}`: {e} (set VISUAL or EDITOR)"))?;
    let status = match tokio::time::timeout(deadline, child.wait()).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(format!("the editor `{program}` failed: {e}")),
        Err(_) => {
            stop(&mut child).await;
            return Err(format!(
                "the editor ran longer than {}: stopped, nothing written",
                crate::ui::format::age(deadline)
            ));
        }
    };
    let text = tokio::task::spawn_blocking(move || scratch.finish())
        .await
        .map_err(|e| e.to_string())??;
    if !status.success() {
        return Err(format!(
            "the editor `{program}` exited with {status}: edit discarded"
        ));
    }
    Ok(text)
}

/// SIGTERM first (an editor keeps its recovery file), then SIGKILL after a grace period.
async fn stop(child: &mut tokio::process::Child) {
    if let Some(pid) = child.id() {
        let pid = nix::unistd::Pid::from_raw(pid as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        if tokio::time::timeout(Duration::from_secs(5), child.wait())
            .await
            .is_ok()
        {
            return;
        }
    }
    let _ = child.kill().await;
}

/// The console's side of the hand-over: the input gate, and whether the editor has the
/// terminal (nothing is drawn meanwhile).
pub struct Handover {
    pub gate: InputGate,
    pub suspended: bool,
}

impl Handover {
    pub fn new(gate: InputGate) -> Handover {
        Handover {
            gate,
            suspended: false,
        }
    }

    /// Leaves the screen to the editor and starts it in a task; the event loop goes on
    /// (probes are applied) but draws nothing and reads no key until `resume`.
    pub fn start(&mut self, edit: ExternalEdit, state: &mut State, tx: UnboundedSender<Msg>) {
        let refuse = |state: &mut State, why: String| {
            let path = edit.path.clone();
            state.update(Msg::Tree(TreeMsg::Edited {
                path,
                result: Err(why),
            }));
        };
        if self.suspended {
            return refuse(state, "an editor is open already".into());
        }
        let cmd = match from_env() {
            Ok(c) => c,
            Err(e) => return refuse(state, e),
        };
        if let Err(e) = terminal::suspend() {
            return refuse(state, format!("cannot hand the terminal over: {e}"));
        }
        self.suspended = true;
        let paused = self.gate.pause();
        tokio::spawn(async move {
            // The input thread stops reading before the editor starts (it would take its keys).
            let _ = paused.await;
            let result = edit_text(&cmd, &edit, DEADLINE).await;
            let _ = tx.send(Msg::Tree(TreeMsg::Edited {
                path: edit.path,
                result,
            }));
        });
    }

    /// The editor closed: the console takes the terminal back, at the terminal's size now.
    pub fn resume(&mut self, term: &mut Term, state: &mut State) {
        if !self.suspended {
            return;
        }
        self.suspended = false;
        if let Err(e) = terminal::resume(term) {
            tracing::warn!(error = %e, "terminal not restored after the editor");
        }
        self.gate.resume();
        if let Ok((w, h)) = crossterm::terminal::size() {
            let _ = term.resize(ratatui::layout::Rect::new(0, 0, w, h));
            state.update(Msg::Resize(w, h));
        }
        state.dirty = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visual_then_editor_then_vi_split_into_words() {
        assert_eq!(command_from(None, None).unwrap(), ["vi"]);
        assert_eq!(command_from(Some(" "), Some("")).unwrap(), ["vi"]);
        assert_eq!(
            command_from(None, Some("code --wait")).unwrap(),
            ["code", "--wait"]
        );
        assert_eq!(
            command_from(Some("'/opt/my editor/bin/ed' -x"), Some("nano")).unwrap(),
            ["/opt/my editor/bin/ed", "-x"]
        );
        // No shell: `;` and `$(…)` are plain characters of words.
        assert_eq!(
            command_from(None, Some("vi; rm -rf $(pwd)")).unwrap(),
            ["vi;", "rm", "-rf", "$(pwd)"]
        );
        assert!(command_from(None, Some("vi 'x"))
            .unwrap_err()
            .contains("EDITOR"));
    }
}
