//! The audit log: one JSON line per write the console makes to ZooKeeper (reconfig steps,
//! znode writes), appended next to the log file and never rewritten.

use serde::Serialize;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditRecord {
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

#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    /// `$XDG_STATE_HOME/zkconsole/audit.jsonl`, beside the log file.
    pub fn default_location() -> AuditLog {
        AuditLog {
            path: crate::config::state_dir().join("audit.jsonl"),
        }
    }

    pub fn at(path: &Path) -> AuditLog {
        AuditLog {
            path: path.to_path_buf(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record. O_APPEND keeps concurrent consoles from interleaving a line; the
    /// file is private (0600) since it records who changed what.
    pub fn append(&self, rec: &AuditRecord) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut line = serde_json::to_string(rec).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.path)?;
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

/// `2026-11-22T05:20:01Z` without a date library: days to civil date (Howard Hinnant's method).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// What an audit line says of znode data: its size and a 64-bit FNV-1a digest, enough to
/// tell which value was there and whether two match, without copying data (which may hold
/// credentials) into a log file.
pub fn data_summary(data: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{} bytes, fnv1a64 {h:016x}", data.len())
}

#[cfg(test)]
mod tests {

    #[test]
    fn data_is_summarised_by_size_and_digest_never_copied() {
        assert_eq!(data_summary(b""), "0 bytes, fnv1a64 cbf29ce484222325");
        let secret = data_summary(b"password=hunter2");
        assert!(secret.starts_with("16 bytes, fnv1a64 ") && !secret.contains("hunter2"));
        assert_ne!(secret, data_summary(b"password=hunter3"));
    }

    use super::*;
    use std::time::Duration;

    #[test]
    fn dates() {
        let at = |s: u64| rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_795_324_801), "2026-11-22T05:20:01Z");
    }

    #[test]
    fn appends_lines_and_never_rewrites() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::at(&dir.path().join("a/audit.jsonl"));
        let mut r = AuditRecord::new("e", "reconfig", "/zookeeper/config", Some("super"));
        r.result = "ok".into();
        log.append(&r).unwrap();
        r.result = "error".into();
        log.append(&r).unwrap();
        let all = log.read_all().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0]["result"], "ok");
        assert_eq!(all[1]["result"], "error");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(log.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
