//! Files and directories only we may read: the state directory, the audit log, the digest
//! key. Each is checked where it is opened, so a loosened mode or a planted symlink is refused
//! with the command that fixes it, instead of silently writing through it.

use super::StateDirError;
use std::fs::File;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Creates `dir` (mode 0700) if missing and checks that it is a real directory of ours that
/// no one else may write into: the audit log and the digest key live in it.
pub fn ensure_private_dir(dir: &Path) -> Result<(), StateDirError> {
    use std::os::unix::fs::DirBuilderExt;
    let shown = dir.display();
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| StateDirError(format!("state directory {shown}: cannot create it: {e}")))?;
    let meta = std::fs::symlink_metadata(dir)
        .map_err(|e| StateDirError(format!("state directory {shown}: {e}")))?;
    if !meta.file_type().is_dir() {
        return Err(StateDirError(format!(
            "state directory {shown} is not a directory (a symbolic link or a file); \
             remove it and zkconsole creates a private one"
        )));
    }
    if meta.uid() != nix::unistd::getuid().as_raw() {
        return Err(StateDirError(format!(
            "state directory {shown} belongs to uid {}, not to us; set XDG_STATE_HOME to a \
             directory of your own",
            meta.uid()
        )));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(StateDirError(format!(
            "state directory {shown} has mode {mode:03o}: others could write into it. \
             Run `chmod 700 {shown}`"
        )));
    }
    Ok(())
}

/// Opens a private file for reading, or for appending (created 0600 when missing). Refused:
/// a symlink in its place (O_NOFOLLOW, so no race between check and open), anything but a
/// regular file, a file of another user, a mode wider than 0600.
pub fn open_private(path: &Path, append: bool) -> std::io::Result<File> {
    let shown = path.display();
    let nofollow = nix::fcntl::OFlag::O_NOFOLLOW.bits();
    let mut opts = std::fs::OpenOptions::new();
    if append {
        opts.create(true).append(true).mode(0o600);
    } else {
        opts.read(true);
    }
    let file = opts.custom_flags(nofollow).open(path).map_err(|e| {
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if is_link {
            refused(format!(
                "{shown} is a symbolic link; refusing to write through it \
                 (remove it: zkconsole creates a private file in its place)"
            ))
        } else {
            e
        }
    })?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(refused(format!("{shown} is not a regular file")));
    }
    if meta.uid() != nix::unistd::getuid().as_raw() {
        return Err(refused(format!(
            "{shown} belongs to uid {}, not to us",
            meta.uid()
        )));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(refused(format!(
            "{shown} has mode {mode:03o}: others could read it. Run `chmod 600 {shown}`"
        )));
    }
    Ok(file)
}

/// Writes `path` as a 0600 file from the start (never readable by others, not even briefly);
/// an existing file keeps its mode on open, so it is narrowed too. Synced before returning:
/// callers rename it into place or hand it to a server next.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Replaces `path` atomically with a 0600 file: a reader (or a crash) sees the old file or the
/// new one, never half of either.
pub fn replace_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    write_private(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn refused(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::PermissionDenied, message)
}
