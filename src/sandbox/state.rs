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
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SandboxTls {
    pub keystore: PathBuf,
    pub password: String,
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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

impl SandboxState {
    pub fn load(dir: &Path) -> Result<SandboxState, String> {
        let path = dir.join(STATE_FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e} (is this a sandbox directory?)", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Written to a temporary file and renamed, so a reader never sees half a file.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        let tmp = dir.join(format!("{STATE_FILE}.tmp"));
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, text)?;
        std::fs::rename(tmp, dir.join(STATE_FILE))
    }

    pub fn member(&self, id: u64) -> Option<&MemberInfo> {
        self.members.iter().find(|m| m.id == id)
    }
}
