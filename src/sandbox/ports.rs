//! Free loopback ports for sandbox members.
//!
//! Ports come from below the kernel's ephemeral range (32768+), so an outgoing connection can
//! never take a port a member is about to listen on. A port handed out is claimed by a file in
//! a per-user directory for a while, so two sandboxes (in one test binary, or in two
//! processes) are never handed the same port between the bind check and the member's own
//! bind. The claim lives on disk, not in a process-wide set: nothing here is global state.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const LOW: u16 = 20000;
const HIGH: u16 = 32000;
/// A member binds its ports within seconds of being handed them; after this a claim is stale.
const CLAIM_LIFETIME: Duration = Duration::from_secs(600);

/// `count` distinct ports that were bindable on 127.0.0.1 a moment ago.
pub fn free_ports(count: usize) -> std::io::Result<Vec<u16>> {
    free_ports_in(&claims_dir()?, count)
}

fn free_ports_in(dir: &Path, count: usize) -> std::io::Result<Vec<u16>> {
    let mut seed = random_u32();
    let span = u32::from(HIGH - LOW);
    let mut out = Vec::with_capacity(count);
    // Hold the listeners until all are chosen so we never pick the same port twice here.
    let mut held = Vec::with_capacity(count);
    for _ in 0..(span * 2) {
        if out.len() == count {
            break;
        }
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let port = LOW + ((seed >> 8) % span) as u16;
        if out.contains(&port) {
            continue;
        }
        let Ok(l) = TcpListener::bind((Ipv4Addr::LOCALHOST, port)) else {
            continue;
        };
        if claim(dir, port) {
            held.push(l);
            out.push(port);
        }
    }
    if out.len() < count {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AddrInUse,
            format!("could not find {count} free ports between {LOW} and {HIGH}"),
        ));
    }
    Ok(out)
}

/// Claims `port` by creating its file; a stale claim (older than `CLAIM_LIFETIME`) is taken over.
fn claim(dir: &Path, port: u16) -> bool {
    let path = dir.join(port.to_string());
    let create = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .is_ok()
    };
    if create() {
        return true;
    }
    let stale = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > CLAIM_LIFETIME);
    // Two processes may both see a stale claim: only one of them removes and re-creates it
    // first, the other's create_new then fails.
    stale && std::fs::remove_file(&path).is_ok() && create()
}

/// A directory of this user's alone (0700), so another user cannot block or read the claims.
fn claims_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let uid = nix::unistd::getuid().as_raw();
    let dir = std::env::temp_dir().join(format!("zkconsole-ports-{uid}"));
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = std::fs::symlink_metadata(&dir)?;
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{} is not a private directory of this user (remove it and retry)",
                dir.display()
            ),
        ));
    }
    Ok(dir)
}

fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        let t = SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        return t ^ std::process::id();
    }
    u32::from_le_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ports_are_distinct_within_and_across_calls() {
        let dir = tempfile::tempdir().unwrap();
        let a = free_ports_in(dir.path(), 8).unwrap();
        let b = free_ports_in(dir.path(), 8).unwrap();
        let all: HashSet<u16> = a.iter().chain(b.iter()).copied().collect();
        assert_eq!(all.len(), 16);
        assert!(all.iter().all(|p| (LOW..HIGH).contains(p)));
    }

    #[test]
    fn a_claimed_port_is_not_handed_out_again_until_its_claim_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        assert!(claim(dir.path(), 20001));
        assert!(!claim(dir.path(), 20001));
        let old = SystemTime::now() - CLAIM_LIFETIME - Duration::from_secs(5);
        let f = std::fs::File::options()
            .write(true)
            .open(dir.path().join("20001"))
            .unwrap();
        f.set_modified(old).unwrap();
        assert!(claim(dir.path(), 20001));
    }
}
