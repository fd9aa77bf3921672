//! Digest credentials (`user:password`) for ACL-protected znodes and reconfig.
//!
//! They come from a file of mode 0600 or the `ZKCONSOLE_DIGEST` variable, never from the
//! command line (which any local user can read in `ps`). `Debug` never shows the password,
//! so credentials cannot leak into logs by accident.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

pub const DIGEST_ENV: &str = "ZKCONSOLE_DIGEST";

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credentials {{ user: {:?}, password: <redacted> }}",
            self.user
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CredentialsError(pub String);

impl Credentials {
    /// How ZooKeeper names this identity in an ACL: `user:base64(sha1(user:password))`.
    pub fn digest_identity(&self) -> String {
        digest_of(&self.user, &self.password)
    }

    /// `user:password`, as ZooKeeper's digest scheme takes it.
    pub fn auth_bytes(&self) -> Vec<u8> {
        format!("{}:{}", self.user, self.password).into_bytes()
    }

    fn parse(text: &str, origin: &str) -> Result<Credentials, CredentialsError> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'));
        match line.and_then(|l| l.split_once(':')) {
            Some((u, p)) if !u.is_empty() && !p.is_empty() => Ok(Credentials {
                user: u.to_string(),
                password: p.to_string(),
            }),
            _ => Err(CredentialsError(format!(
                "{origin}: expected one line `user:password`"
            ))),
        }
    }

    pub fn from_file(path: &Path) -> Result<Credentials, CredentialsError> {
        let shown = path.display();
        let meta = std::fs::metadata(path)
            .map_err(|e| CredentialsError(format!("digest file {shown}: {e}")))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(CredentialsError(format!(
                "digest file {shown} has mode {mode:03o}; others could read the password. \
                 Run `chmod 600 {shown}`"
            )));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| CredentialsError(format!("digest file {shown}: {e}")))?;
        Self::parse(&text, &format!("digest file {shown}"))
    }

    /// The environment variable wins over the file, so a one-off session can override it.
    pub fn resolve(file: Option<&Path>) -> Result<Option<Credentials>, CredentialsError> {
        if let Ok(v) = std::env::var(DIGEST_ENV) {
            if !v.is_empty() {
                return Self::parse(&v, DIGEST_ENV).map(Some);
            }
        }
        file.map(Self::from_file).transpose()
    }
}

/// The per-install key of the audit log's digests, in the state directory.
pub const DIGEST_KEY_FILE: &str = "digest.key";

/// A secret of this installation that keys the digests of written data in the audit log.
///
/// A bare hash of a short value (a flag, a port, a password) is reversed by trying candidates;
/// keyed, the digest still tells whether two values match, but only to whoever holds the key
/// (kept 0600 beside the audit log). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct DigestKey([u8; 32]);

impl std::fmt::Debug for DigestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DigestKey(<redacted>)")
    }
}

impl DigestKey {
    pub fn from_bytes(bytes: [u8; 32]) -> DigestKey {
        DigestKey(bytes)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key at `dir/digest.key`, created (random, mode 0600) on first use. A key file that
    /// others could read, or a symlink in its place, is refused. Blocking: small file I/O.
    pub fn load_or_create(dir: &Path) -> Result<DigestKey, CredentialsError> {
        super::ensure_private_dir(dir).map_err(|e| CredentialsError(e.0))?;
        let path = dir.join(DIGEST_KEY_FILE);
        match Self::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => return other.map_err(|e| key_error(&path, e)),
        }
        let mut key = [0u8; 32];
        getrandom::fill(&mut key)
            .map_err(|e| CredentialsError(format!("no random source for the digest key: {e}")))?;
        match Self::create(&path, &key) {
            Ok(()) => Ok(DigestKey(key)),
            // Another console created it meanwhile: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Self::read(&path).map_err(|e| key_error(&path, e))
            }
            Err(e) => Err(key_error(&path, e)),
        }
    }

    fn read(path: &Path) -> std::io::Result<DigestKey> {
        use std::io::Read;
        let mut f = super::open_private(path, false)?;
        let mut text = String::new();
        f.read_to_string(&mut text)?;
        let hex = text.trim();
        let mut key = [0u8; 32];
        if hex.len() != 64 {
            return Err(std::io::Error::other("not a key (64 hex digits expected)"));
        }
        for (i, b) in key.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
                .map_err(|_| std::io::Error::other("not a key (64 hex digits expected)"))?;
        }
        Ok(DigestKey(key))
    }

    fn create(path: &Path, key: &[u8; 32]) -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        f.write_all(format!("{hex}\n").as_bytes())?;
        f.sync_all()
    }
}

fn key_error(path: &Path, e: std::io::Error) -> CredentialsError {
    CredentialsError(format!("digest key {}: {e}", path.display()))
}

/// ZooKeeper's digest form of `user:password`: `user:base64(sha1("user:password"))`.
pub fn digest_of(user: &str, password: &str) -> String {
    use base64::Engine;
    use sha1::{Digest, Sha1};
    let hash = Sha1::digest(format!("{user}:{password}").as_bytes());
    format!(
        "{user}:{}",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn debug_hides_password() {
        let c = Credentials::parse("super:hunter2\n", "t").unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(c.auth_bytes(), b"super:hunter2");
    }

    #[test]
    fn refuses_group_readable_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d");
        std::fs::File::create(&p)
            .unwrap()
            .write_all(b"super:x\n")
            .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Credentials::from_file(&p).unwrap_err();
        assert!(e.0.contains("chmod 600"), "{e}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(Credentials::from_file(&p).unwrap().user, "super");
    }

    #[test]
    fn the_digest_key_is_created_private_kept_and_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("zkconsole");
        let a = DigestKey::load_or_create(&state).unwrap();
        let path = state.join(DIGEST_KEY_FILE);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            DigestKey::load_or_create(&state).unwrap(),
            a,
            "the same key next time"
        );
        assert_eq!(format!("{a:?}"), "DigestKey(<redacted>)");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = DigestKey::load_or_create(&state).unwrap_err();
        assert!(e.0.contains("chmod 600"), "{e}");
    }

    #[test]
    fn malformed_says_what_is_expected() {
        assert!(Credentials::parse("nocolon", "f")
            .unwrap_err()
            .0
            .contains("user:password"));
    }
}
