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
        crate::sandbox::digest_of(&self.user, &self.password)
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
    fn malformed_says_what_is_expected() {
        assert!(Credentials::parse("nocolon", "f")
            .unwrap_err()
            .0
            .contains("user:password"));
    }
}
