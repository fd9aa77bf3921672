//! The roll's progress on disk, so a console or CLI that dies mid-roll can say where it stopped
//! and resume from there. Written (0600, replaced atomically) after every phase.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use crate::workflow::roll::JournalInfo;
pub use crate::workflow::roll::Phase;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub ensemble: String,
    /// The members to restart, in order.
    pub order: Vec<u64>,
    pub done: Vec<u64>,
    /// The member being worked on and how far it got.
    pub current: Option<(u64, Phase)>,
    pub run: Option<String>,
    /// Set when the roll ended: `finished`, `halted: ...`, `aborted`.
    pub outcome: Option<String>,
    #[serde(skip)]
    path: PathBuf,
}

impl Journal {
    pub fn location(state_dir: &Path, ensemble: &str) -> PathBuf {
        let safe: String = ensemble
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        state_dir.join("rolls").join(format!("{safe}.json"))
    }

    pub fn new(path: PathBuf, ensemble: &str, order: Vec<u64>, run: Option<String>) -> Journal {
        Journal {
            ensemble: ensemble.to_string(),
            order,
            done: Vec::new(),
            current: None,
            run,
            outcome: None,
            path,
        }
    }

    /// The journal at `path`, if one is there.
    pub fn load(path: &Path) -> Result<Option<Journal>, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let mut j: Journal = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a roll journal ({e})", path.display()))?;
        j.path = path.to_path_buf();
        Ok(Some(j))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn unfinished(&self) -> bool {
        self.outcome.as_deref() != Some("finished") && self.remaining().next().is_some()
    }

    /// Members still to restart, the interrupted one first.
    pub fn remaining(&self) -> impl Iterator<Item = u64> + '_ {
        self.order
            .iter()
            .copied()
            .filter(|id| !self.done.contains(id))
    }

    /// Where it stopped, for people.
    pub fn whereabouts(&self) -> String {
        match (&self.current, &self.outcome) {
            (Some((id, phase)), Some(o)) => format!("member {id} ({phase:?}): {o}"),
            (Some((id, phase)), None) => format!("member {id} while {phase:?}"),
            (None, Some(o)) => o.clone(),
            (None, None) => format!("{} of {} members done", self.done.len(), self.order.len()),
        }
    }

    /// What the console shows of it.
    pub fn info(&self) -> JournalInfo {
        JournalInfo {
            order: self.order.clone(),
            done: self.done.clone(),
            current: self.current,
            outcome: self.outcome.clone(),
            run: self.run.clone(),
            whereabouts: self.whereabouts(),
            unfinished: self.unfinished(),
        }
    }

    /// Writes the journal off the event loop's thread (the caller awaits it).
    pub async fn save(&self) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || write_private(&path, text.as_bytes()))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

/// Replaces `path` atomically with a 0600 file (a crash leaves the old journal or the new
/// one), creating its directory first.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
    crate::config::replace_private(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_journal_survives_a_restart_and_says_where_it_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let path = Journal::location(dir.path(), "prod/eu 1");
        assert!(path.ends_with("rolls/prod_eu_1.json"));
        let mut j = Journal::new(path.clone(), "prod", vec![2, 3, 1], None);
        j.done.push(2);
        j.current = Some((3, Phase::Starting));
        j.save().await.unwrap();
        let back = Journal::load(&path).unwrap().unwrap();
        assert_eq!(back, j);
        assert!(back.unfinished());
        assert_eq!(back.remaining().collect::<Vec<_>>(), [3, 1]);
        assert!(back.whereabouts().contains("member 3"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(Journal::load(&dir.path().join("none.json")).unwrap(), None);
    }
}
