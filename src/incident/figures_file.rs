//! The figures of the ensemble over time, kept beside its events in the state dir for the
//! incident report: one JSON line every `figures::EVERY`, the newest `KEEP` lines (3 hours),
//! private (0600) like the other state files. Keyed on the seed set, like the events.

use super::figures::FigureLine;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Lines kept: 3 hours at one line every 10 s. The file is cut back to this many when it
/// has grown past twice that, so it never holds more than 6 hours (about 1 MB for 5 members).
pub const KEEP: usize = 1080;

/// Where the figures of the ensemble reached through `seeds` are kept under `dir`.
pub fn path_for(dir: &Path, seeds: &[String]) -> PathBuf {
    let membership = crate::remembered::path_for(dir, seeds);
    let key = membership
        .file_stem()
        .map_or_else(|| "default".into(), |s| s.to_string_lossy().to_string());
    dir.join("figures").join(format!("{key}.jsonl"))
}

/// `$XDG_STATE_HOME/zkconsole/figures/`; `None` without a private state directory.
pub fn default_path(seeds: &[String]) -> Option<PathBuf> {
    crate::config::state_dir()
        .ok()
        .map(|dir| path_for(&dir, seeds))
}

/// Every line kept at `path`, oldest first; unreadable lines are skipped, a missing file is
/// empty.
pub fn load(path: &Path) -> std::io::Result<Vec<FigureLine>> {
    let text = match crate::config::open_private(path, false) {
        Ok(mut f) => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut f, &mut s)?;
            s
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

/// Appends one line (blocking: the console calls it off its event loop); cuts the file back
/// to the newest `KEEP` lines when it has grown past twice that.
pub fn append(path: &Path, line: &FigureLine) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)?;
    }
    let mut text = serde_json::to_string(line).map_err(std::io::Error::other)?;
    text.push('\n');
    let mut f = crate::config::open_private(path, true)?;
    f.write_all(text.as_bytes())?;
    drop(f);
    let size = std::fs::metadata(path)?.len();
    // Counting lines costs a read: only when, at the size of this line, it may be over.
    if size / text.len() as u64 > 2 * KEEP as u64 {
        let lines = load(path)?;
        if lines.len() > 2 * KEEP {
            rewrite(path, &lines[lines.len() - KEEP..])?;
        }
    }
    Ok(())
}

fn rewrite(path: &Path, lines: &[FigureLine]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("jsonl.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let mut text = String::new();
    for l in lines {
        text.push_str(&serde_json::to_string(l).map_err(std::io::Error::other)?);
        text.push('\n');
    }
    let mut f = crate::config::open_private(&tmp, true)?;
    f.write_all(text.as_bytes())?;
    f.sync_data()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

use std::os::unix::fs::DirBuilderExt;

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn line(n: u64) -> FigureLine {
        FigureLine {
            at_ms: 1_800_000_000_000 + n * 10_000,
            level: "ok".into(),
            leader: Some(1),
            voters: 3,
            live_voters: 3,
            has_quorum: true,
            load: Some(0.1),
            members: vec![],
        }
    }

    #[test]
    fn bounded_private_and_newest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(dir.path(), &["127.0.0.1:2181".to_string()]);
        assert!(load(&path).unwrap().is_empty());
        for n in 0..(3 * KEEP as u64) {
            append(&path, &line(n)).unwrap();
        }
        let back = load(&path).unwrap();
        assert!(
            back.len() <= 2 * KEEP && back.len() >= KEEP,
            "{}",
            back.len()
        );
        assert_eq!(back.last().unwrap(), &line(3 * KEEP as u64 - 1));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
