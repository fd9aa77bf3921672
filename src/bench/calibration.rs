//! The last `zkconsole bench` run's points, per ensemble, in the state dir
//! (`$XDG_STATE_HOME/zkconsole/bench/<hash of the seeds>.json`): the console fits its
//! headroom curve to them. Keyed on the connect string's hosts, as the remembered membership
//! is, so `--connect` and a named ensemble with the same hosts share it.

use crate::ensemble::observation::endpoint_key;
use crate::load::headroom::Calibration;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Serialize, Deserialize)]
struct Record {
    seeds: Vec<String>,
    #[serde(flatten)]
    calibration: Calibration,
}

fn normalised(seeds: &[String]) -> Vec<String> {
    let mut out: Vec<String> = seeds.iter().map(|s| endpoint_key(s)).collect();
    out.sort();
    out.dedup();
    out
}

/// Where the calibration of the ensemble reached through `seeds` is kept under `dir`.
pub fn path_for(dir: &Path, seeds: &[String]) -> PathBuf {
    let key = normalised(seeds).join(",");
    // FNV-1a: stable across builds and platforms (std's hasher is not).
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    dir.join("bench").join(format!("{hash:016x}.json"))
}

pub fn default_path(seeds: &[String]) -> Option<PathBuf> {
    crate::config::state_dir()
        .ok()
        .map(|dir| path_for(&dir, seeds))
}

/// Writes the file whole (a temporary file renamed over it), private to the user.
pub fn store(path: &Path, seeds: &[String], c: &Calibration) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent"))?;
    std::fs::create_dir_all(dir)?;
    let record = Record {
        seeds: normalised(seeds),
        calibration: c.clone(),
    };
    let text = serde_json::to_string_pretty(&record).map_err(std::io::Error::other)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The calibration kept for `seeds`, if any and readable.
pub fn load(path: &Path, seeds: &[String]) -> Option<Calibration> {
    let text = std::fs::read_to_string(path).ok()?;
    let record: Record = serde_json::from_str(&text)
        .map_err(
            |e| tracing::warn!(path = %path.display(), error = %e, "bench calibration unreadable"),
        )
        .ok()?;
    (record.seeds == normalised(seeds)).then_some(record.calibration)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::headroom::RatePoint;

    #[test]
    fn round_trips_and_is_keyed_on_the_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let seeds = vec!["localhost:2181".to_string(), "zk2:2181".to_string()];
        let c = Calibration {
            measured_at: 5,
            mix: "9:1".into(),
            reads_per_s: 900.0,
            writes_per_s: 100.0,
            points: vec![RatePoint {
                rate: 1000.0,
                latency_ms: 1.5,
            }],
        };
        let p = path_for(dir.path(), &seeds);
        store(&p, &seeds, &c).unwrap();
        let same = vec!["zk2:2181".to_string(), "127.0.0.1:2181".to_string()];
        assert_eq!(path_for(dir.path(), &same), p);
        assert_eq!(load(&p, &same), Some(c));
        assert_eq!(load(&p, &["other:1".to_string()]), None);
    }
}
