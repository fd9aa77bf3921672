//! The last membership each ensemble was seen with, kept in the state dir.
//!
//! When the quorum is lost no member answers `conf` and no session can read
//! `/zookeeper/config`, yet that is exactly when an operator must see every member by id.
//! The remembered membership fills in only when nothing live can tell it, and says how old it
//! is: another operator may have reconfigured the ensemble since.

use crate::ensemble::EnsembleConfig;
use crate::probe::round::endpoint_key;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, PartialEq)]
pub struct Remembered {
    pub config: EnsembleConfig,
    pub seen_at: SystemTime,
}

#[derive(Serialize, Deserialize)]
struct Record {
    /// The connect string's members, normalised and sorted: what the file is keyed on.
    seeds: Vec<String>,
    /// The membership as ZooKeeper writes it (`server.N=...`, `version=...`).
    config: String,
    /// Seconds since the Unix epoch when a live member last gave this membership.
    seen_at: u64,
}

/// Where the membership of the ensemble reached through `seeds` is kept under `dir`.
///
/// Keyed on the seed set rather than the ensemble's name, so `--connect` and a named
/// ensemble with the same hosts share it, and one ensemble renamed in the config keeps it.
pub fn path_for(dir: &Path, seeds: &[String]) -> PathBuf {
    let key = normalised(seeds).join(",");
    // FNV-1a: stable across builds and platforms (std's hasher is not).
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    dir.join("membership").join(format!("{hash:016x}.json"))
}

/// The default location: `$XDG_STATE_HOME/zkconsole/membership/`; none without a state dir.
pub fn default_path(seeds: &[String]) -> Option<PathBuf> {
    crate::config::state_dir()
        .ok()
        .map(|dir| path_for(&dir, seeds))
}

/// [`store`] off the runtime's workers: the console calls it from its event loop.
pub async fn store_async(
    path: PathBuf,
    seeds: Vec<String>,
    config: EnsembleConfig,
) -> std::io::Result<()> {
    tokio::task::spawn_blocking(move || store(&path, &seeds, &config))
        .await
        .map_err(std::io::Error::other)?
}

fn normalised(seeds: &[String]) -> Vec<String> {
    let mut out: Vec<String> = seeds.iter().map(|s| endpoint_key(s)).collect();
    out.sort();
    out.dedup();
    out
}

/// The membership remembered at `path` for `seeds`, if any and if it still parses.
pub fn load(path: &Path, seeds: &[String]) -> Option<Remembered> {
    let text = std::fs::read_to_string(path).ok()?;
    let record: Record = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "remembered membership unreadable");
            return None;
        }
    };
    // A hash collision must not lend one ensemble another's members.
    if record.seeds != normalised(seeds) {
        return None;
    }
    let config = EnsembleConfig::parse(&record.config).ok()?;
    if config.servers.is_empty() {
        return None;
    }
    Some(Remembered {
        config,
        seen_at: SystemTime::UNIX_EPOCH + Duration::from_secs(record.seen_at),
    })
}

/// Records `config` as seen now, unless it equals what `path` already holds (so a console
/// re-reading the same membership every 30 s does not rewrite the file).
pub fn store(path: &Path, seeds: &[String], config: &EnsembleConfig) -> std::io::Result<()> {
    if load(path, seeds).is_some_and(|r| &r.config == config) {
        return Ok(());
    }
    let record = Record {
        seeds: normalised(seeds),
        config: config.to_text(),
        seen_at: SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    let json = serde_json::to_string_pretty(&record).map_err(std::io::Error::other)?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // Written aside and renamed, so a reader (another console) never sees half a file.
    let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> EnsembleConfig {
        EnsembleConfig::parse(text).unwrap()
    }

    const THREE: &str = "server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\n\
        server.2=127.0.0.1:2889:3889:participant;127.0.0.1:2182\n\
        server.3=127.0.0.1:2890:3890:observer;127.0.0.1:2183\nversion=100000003\n";

    fn seeds(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn stored_membership_comes_back_for_the_same_hosts_in_any_order_or_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let a = seeds(&["127.0.0.1:2181", "127.0.0.1:2182"]);
        let b = seeds(&["localhost:2182", "127.0.0.1:2181"]);
        let path = path_for(dir.path(), &a);
        store(&path, &a, &cfg(THREE)).unwrap();
        assert_eq!(path_for(dir.path(), &b), path);
        let back = load(&path, &b).expect("remembered");
        assert_eq!(back.config, cfg(THREE));
        assert_eq!(back.config.version, Some(0x1_0000_0003));
        let age = SystemTime::now().duration_since(back.seen_at).unwrap();
        assert!(age < Duration::from_secs(5), "{age:?}");
    }

    #[test]
    fn other_hosts_do_not_see_it() {
        let dir = tempfile::tempdir().unwrap();
        let a = seeds(&["127.0.0.1:2181"]);
        let other = seeds(&["127.0.0.1:2182"]);
        store(&path_for(dir.path(), &a), &a, &cfg(THREE)).unwrap();
        assert_eq!(load(&path_for(dir.path(), &other), &other), None);
        // Even read through the same file, a record for other seeds is refused.
        assert_eq!(load(&path_for(dir.path(), &a), &other), None);
    }

    #[test]
    fn an_unchanged_membership_is_not_rewritten_and_a_changed_one_is() {
        let dir = tempfile::tempdir().unwrap();
        let a = seeds(&["127.0.0.1:2181"]);
        let path = path_for(dir.path(), &a);
        store(&path, &a, &cfg(THREE)).unwrap();
        let before = std::fs::read_to_string(&path).unwrap();
        let mut record: serde_json::Value = serde_json::from_str(&before).unwrap();
        record["seen_at"] = 1.into();
        std::fs::write(&path, record.to_string()).unwrap();
        store(&path, &a, &cfg(THREE)).unwrap();
        assert_eq!(
            load(&path, &a).unwrap().seen_at,
            SystemTime::UNIX_EPOCH + Duration::from_secs(1)
        );
        let grown = format!("{THREE}server.4=127.0.0.1:2891:3891:participant;127.0.0.1:2184\n");
        store(&path, &a, &cfg(&grown)).unwrap();
        assert_eq!(load(&path, &a).unwrap().config.servers.len(), 4);
    }

    #[test]
    fn a_damaged_file_is_ignored_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let a = seeds(&["127.0.0.1:2181"]);
        let path = path_for(dir.path(), &a);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "{ half a fi").unwrap();
        assert_eq!(load(&path, &a), None);
        store(&path, &a, &cfg(THREE)).unwrap();
        assert!(load(&path, &a).is_some());
    }
}
