//! `sandbox.json`: what a sandbox is made of, so another process (`sandbox down`, the console's
//! drills) can find its members, pids and ports.

use crate::ensemble::LearnerType;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const STATE_FILE: &str = "sandbox.json";
pub const DIGEST_FILE: &str = "super.digest";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MemberInfo {
    pub id: u64,
    pub client_port: u16,
    pub quorum_port: u16,
    pub election_port: u16,
    pub admin_port: u16,
    pub learner_type: LearnerTypeRepr,
    /// The running JVM, if any.
    pub pid: Option<u32>,
    /// SIGSTOPped by a drill.
    #[serde(default)]
    pub paused: bool,
    pub dir: PathBuf,
    /// The TLS client port, when the sandbox serves TLS (`secureClientPort`).
    #[serde(default)]
    pub secure_client_port: Option<u16>,
    /// The loopback address the member listens on (127.0.0.1 unless the sandbox spreads
    /// its members over 127.0.0.11, .12, ...).
    #[serde(default = "loopback")]
    pub host: String,
}

fn loopback() -> String {
    "127.0.0.1".into()
}

/// A TLS client port on every member: the server's key and certificate in a PKCS#12 store.
/// `Debug` leaves the password out.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct SandboxTls {
    pub keystore: PathBuf,
    pub password: String,
}

impl std::fmt::Debug for SandboxTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxTls")
            .field("keystore", &self.keystore)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// `LearnerType` lives in the pure ensemble model; this mirror keeps serde out of its way.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LearnerTypeRepr {
    Participant,
    Observer,
}

impl From<LearnerType> for LearnerTypeRepr {
    fn from(t: LearnerType) -> Self {
        match t {
            LearnerType::Participant => Self::Participant,
            LearnerType::Observer => Self::Observer,
        }
    }
}

impl From<LearnerTypeRepr> for LearnerType {
    fn from(t: LearnerTypeRepr) -> Self {
        match t {
            LearnerTypeRepr::Participant => Self::Participant,
            LearnerTypeRepr::Observer => Self::Observer,
        }
    }
}

impl MemberInfo {
    pub fn client_address(&self) -> String {
        format!("{}:{}", self.host, self.client_port)
    }

    /// `tcp+tls://127.0.0.1:PORT` when the member serves TLS.
    pub fn secure_address(&self) -> Option<String> {
        self.secure_client_port
            .map(|p| format!("tcp+tls://127.0.0.1:{p}"))
    }

    pub fn admin_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.admin_port)
    }

    pub fn log_file(&self) -> PathBuf {
        self.dir.join("zookeeper.log")
    }
}

/// What `sandbox.json` holds. The super user's digest is a password hash that can be attacked
/// offline: the file is 0600 and `Debug` leaves the digest out.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct SandboxState {
    pub format: u32,
    pub classpath: String,
    pub tick_ms: u32,
    pub whitelist: String,
    pub read_only_mode: bool,
    pub super_digest: String,
    pub members: Vec<MemberInfo>,
    #[serde(default)]
    pub tls: Option<SandboxTls>,
    /// The classic static format: servers listed in zoo.cfg without a client port,
    /// `clientPort` apart, no dynamic reconfiguration.
    #[serde(default)]
    pub static_membership: bool,
}

impl std::fmt::Debug for SandboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxState")
            .field("format", &self.format)
            .field("tick_ms", &self.tick_ms)
            .field("whitelist", &self.whitelist)
            .field("read_only_mode", &self.read_only_mode)
            .field("super_digest", &"<redacted>")
            .field("members", &self.members)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl SandboxState {
    pub fn load(dir: &Path) -> Result<SandboxState, String> {
        let path = dir.join(STATE_FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e} (is this a sandbox directory?)", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Written to a temporary file and renamed, so a reader never sees half a file.
    /// Private (0600): it holds the super digest and, with TLS, the key store's password.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        crate::config::replace_private(&dir.join(STATE_FILE), text.as_bytes())
    }

    pub fn member(&self, id: u64) -> Option<&MemberInfo> {
        self.members.iter().find(|m| m.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn state() -> SandboxState {
        SandboxState {
            format: 1,
            classpath: "cp".into(),
            tick_ms: 500,
            whitelist: "*".into(),
            read_only_mode: false,
            super_digest: "super:SECRETDIGEST".into(),
            members: vec![],
            tls: Some(SandboxTls {
                keystore: "/k.p12".into(),
                password: "kspassword".into(),
            }),
            static_membership: false,
        }
    }

    #[test]
    fn debug_shows_no_secret() {
        let shown = format!("{:?}", state());
        assert!(
            !shown.contains("kspassword") && !shown.contains("SECRETDIGEST"),
            "{shown}"
        );
        assert!(
            shown.contains("<redacted>") && shown.contains("k.p12"),
            "{shown}"
        );
    }

    #[test]
    fn the_state_file_is_private_even_over_a_wider_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        std::fs::write(dir.path().join(format!("{STATE_FILE}.tmp")), "old").unwrap();
        std::fs::set_permissions(
            dir.path().join(format!("{STATE_FILE}.tmp")),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        state().save(dir.path()).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(SandboxState::load(dir.path()).unwrap(), state());
    }
}
