//! The audit log: JSON lines for every write the console makes to ZooKeeper (reconfig steps,
//! znode writes), appended next to the log file and never rewritten. Each write is recorded
//! twice: its intent before it is sent (a write whose intent cannot be recorded is refused)
//! and its result after the answer, paired by `op`.

use crate::config::DigestKey;
use hmac::{Hmac, Mac};
use serde::Serialize;
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// 64 random bits in hex: enough to pair an intent with its result within one log.
fn op_id() -> String {
    let mut b = [0u8; 8];
    // Without a random source the pairing still holds by order within one console.
    let _ = getrandom::fill(&mut b);
    format!("{:016x}", u64::from_be_bytes(b))
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Intent,
    Result,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditRecord {
    /// `intent` (written before the write is sent) or `result` (after its answer).
    pub phase: Phase,
    /// Pairs an intent with its result (random, per write).
    pub op: String,
    /// RFC 3339, UTC.
    pub time: String,
    /// The operating-system user running the console.
    pub user: String,
    /// The ZooKeeper identity used (digest user), if any.
    pub auth: Option<String>,
    pub ensemble: String,
    /// `reconfig`, `create`, `set`, `delete`.
    pub action: String,
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// Version expected before the write (config version as hex for reconfig).
    pub expected_version: Option<String>,
    pub new_version: Option<String>,
    /// `ok`, or what went wrong.
    pub result: String,
}

impl AuditRecord {
    pub fn new(ensemble: &str, action: &str, path: &str, auth: Option<&str>) -> AuditRecord {
        AuditRecord {
            phase: Phase::Intent,
            op: op_id(),
            time: rfc3339(SystemTime::now()),
            user: std::env::var("USER")
                .or_else(|_| std::env::var("LOGNAME"))
                .unwrap_or_else(|_| format!("uid {}", nix::unistd::getuid())),
            auth: auth.map(str::to_string),
            ensemble: ensemble.to_string(),
            action: action.to_string(),
            path: path.to_string(),
            before: None,
            after: None,
            expected_version: None,
            new_version: None,
            result: String::new(),
        }
    }
}

/// Why a write was refused, or its outcome could not be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit log {path}: {why}")]
pub struct AuditError {
    pub path: String,
    pub why: String,
}

/// Where audit records go, and the key their data digests are made with.
#[derive(Clone)]
pub struct AuditLog {
    path: PathBuf,
    key: Arc<DigestKey>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl AuditLog {
    /// `$XDG_STATE_HOME/zkconsole/audit.jsonl`, beside the log file, with the install's key.
    /// Blocking (creates the directory and the key on first use): async code calls
    /// [`AuditLog::open_default`].
    pub fn default_location() -> Result<AuditLog, AuditError> {
        let dir = crate::config::state_dir().map_err(|e| AuditError {
            path: "(none)".into(),
            why: e.0,
        })?;
        let path = dir.join("audit.jsonl");
        let key = DigestKey::load_or_create(&dir).map_err(|e| AuditError {
            path: path.display().to_string(),
            why: e.0,
        })?;
        Ok(AuditLog::at(&path, key))
    }

    /// [`AuditLog::default_location`] off the runtime's workers.
    pub async fn open_default() -> Result<AuditLog, AuditError> {
        tokio::task::spawn_blocking(AuditLog::default_location)
            .await
            .unwrap_or_else(|e| {
                Err(AuditError {
                    path: "(default)".into(),
                    why: format!("could not be opened: {e}"),
                })
            })
    }

    pub fn at(path: &Path, key: DigestKey) -> AuditLog {
        AuditLog {
            path: path.to_path_buf(),
            key: Arc::new(key),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size and keyed digest of znode data, as audit lines give it (see [`data_summary`]).
    pub fn summary(&self, data: &[u8]) -> String {
        data_summary(&self.key, data)
    }

    /// Records what is about to be written. The write may go ahead only on `Ok`: a write
    /// whose record cannot be kept is refused before it happens.
    pub async fn intend(&self, mut rec: AuditRecord) -> Result<Intent, AuditError> {
        rec.phase = Phase::Intent;
        rec.result = "pending".into();
        self.append(rec.clone()).await?;
        Ok(Intent {
            log: self.clone(),
            record: rec,
        })
    }

    /// Appends one record off the runtime's workers (the fsync may take a while on a busy
    /// disk). Each caller waits for its own record, since an intent must be durable before
    /// the write it announces: a queue would add nothing but a place to lose records.
    async fn append(&self, rec: AuditRecord) -> Result<(), AuditError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.append_blocking(&rec))
            .await
            .map_err(std::io::Error::other)
            .and_then(|r| r)
            .map_err(|e| AuditError {
                path: self.path.display().to_string(),
                why: e.to_string(),
            })
    }

    /// O_APPEND keeps concurrent consoles from interleaving a line; the file is private (0600)
    /// since it records who changed what, and one that is not (or a symlink) is refused.
    fn append_blocking(&self, rec: &AuditRecord) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        let mut line = serde_json::to_string(rec).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut f = crate::config::open_private(&self.path, true)?;
        f.write_all(line.as_bytes())?;
        f.sync_data()
    }

    pub fn read_all(&self) -> std::io::Result<Vec<serde_json::Value>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(e),
        };
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }
}

/// A write recorded as intended and not yet as done. Set the outcome on `record` (`after`,
/// `new_version`) and finish it with [`Intent::finish_with`].
#[derive(Debug)]
#[must_use = "an intent is finished with the write's result"]
pub struct Intent {
    log: AuditLog,
    pub record: AuditRecord,
}

impl Intent {
    /// Records the outcome (`ok`, or `error: ...`), paired with the intent by `op`. The write
    /// has happened by now, so a failure here is for the operator to see, not a reason to
    /// undo it.
    pub async fn finish_with<T, E: std::fmt::Display>(
        self,
        outcome: &Result<T, E>,
    ) -> Result<(), AuditError> {
        let result = match outcome {
            Ok(_) => "ok".into(),
            Err(e) => format!("error: {e}"),
        };
        self.finish(result).await
    }

    /// Records the outcome in the caller's words (`ok ...` or `error: ...`).
    pub async fn finish(mut self, result: String) -> Result<(), AuditError> {
        self.record.result = result;
        self.record.phase = Phase::Result;
        self.record.time = rfc3339(SystemTime::now());
        let r = self.log.append(self.record).await;
        if let Err(e) = &r {
            tracing::error!(error = %e, "audit result not recorded");
        }
        r
    }
}

pub use crate::timefmt::rfc3339;

/// What an audit line says of znode data: its size and an HMAC-SHA-256 (first 128 bits) keyed
/// with the install's secret. It tells which value was there and whether two match, without
/// copying data (which may hold credentials) into a log file, and without letting a reader of
/// the log confirm a guess at a short value (a bare hash would).
pub fn data_summary(key: &DigestKey, data: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key.bytes())
        .expect("HMAC takes a key of any length");
    mac.update(data);
    let tag = mac.finalize().into_bytes();
    let hex: String = tag[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{} bytes, hmac-sha256 {hex}", data.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::time::Duration;

    fn key(b: u8) -> DigestKey {
        DigestKey::from_bytes([b; 32])
    }

    #[test]
    fn data_is_summarised_by_size_and_keyed_digest_never_copied() {
        let secret = data_summary(&key(1), b"password=hunter2");
        assert!(secret.starts_with("16 bytes, hmac-sha256 ") && !secret.contains("hunter2"));
        assert_ne!(secret, data_summary(&key(1), b"password=hunter3"));
        assert_eq!(secret, data_summary(&key(1), b"password=hunter2"));
        // Another install (another key) cannot confirm a guess against this log.
        assert_ne!(secret, data_summary(&key(2), b"password=hunter2"));
        // RFC 4231 test case 2 (key "Jefe"), first 128 bits: the digest is plain HMAC-SHA-256.
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let tag = mac.finalize().into_bytes();
        assert_eq!(
            tag[..4],
            [0x5b, 0xdc, 0xc1, 0x46],
            "HMAC-SHA-256 as the RFC gives it"
        );
    }

    #[test]
    fn dates() {
        let at = |s: u64| rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_795_324_801), "2026-11-22T05:20:01Z");
    }

    fn log_in(dir: &Path) -> AuditLog {
        AuditLog::at(&dir.join("a/audit.jsonl"), key(7))
    }

    fn rec() -> AuditRecord {
        let mut r = AuditRecord::new("e", "set", "/x", Some("super"));
        r.expected_version = Some("3".into());
        r
    }

    #[tokio::test]
    async fn intent_before_and_result_after_paired_and_never_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let log = log_in(dir.path());
        let intent = log.intend(rec()).await.unwrap();
        assert_eq!(
            log.read_all().unwrap().len(),
            1,
            "the intent is on disk first"
        );
        intent.finish_with(&Ok::<(), String>(())).await.unwrap();
        let failed = log.intend(rec()).await.unwrap();
        failed
            .finish_with(&Err::<(), _>("BadVersion"))
            .await
            .unwrap();
        let all = log.read_all().unwrap();
        let fields = |i: usize| {
            (
                all[i]["phase"].as_str().unwrap().to_string(),
                all[i]["result"].as_str().unwrap().to_string(),
            )
        };
        assert_eq!(fields(0), ("intent".into(), "pending".into()));
        assert_eq!(fields(1), ("result".into(), "ok".into()));
        assert_eq!(fields(3), ("result".into(), "error: BadVersion".into()));
        assert_eq!(all[0]["op"], all[1]["op"]);
        assert_ne!(all[1]["op"], all[2]["op"]);
        assert_eq!(all[1]["expected_version"], "3");
        let mode = std::fs::metadata(log.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[tokio::test]
    async fn a_log_others_can_read_refuses_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let log = log_in(dir.path());
        let _ = log.intend(rec()).await.unwrap();
        std::fs::set_permissions(log.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = log.intend(rec()).await.unwrap_err();
        assert!(
            e.why.contains("mode 644") && e.why.contains("chmod 600"),
            "{e}"
        );
        assert_eq!(log.read_all().unwrap().len(), 1, "nothing appended");
    }

    #[tokio::test]
    async fn a_symlink_in_place_of_the_log_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let log = log_in(dir.path());
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "").unwrap();
        std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::create_dir_all(log.path().parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&elsewhere, log.path()).unwrap();
        let e = log.intend(rec()).await.unwrap_err();
        assert!(e.why.contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "");
    }

    #[tokio::test]
    async fn a_log_that_cannot_be_created_refuses_the_write() {
        let dir = tempfile::tempdir().unwrap();
        // The log's directory is a file: no record can be written (as root too, unlike a
        // read-only directory).
        std::fs::write(dir.path().join("a"), "").unwrap();
        let e = log_in(dir.path()).intend(rec()).await.unwrap_err();
        assert!(e.path.ends_with("a/audit.jsonl"), "{e}");
    }
}
