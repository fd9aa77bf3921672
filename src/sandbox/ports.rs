//! Free loopback ports for sandbox members.
//!
//! Ports come from below the kernel's ephemeral range (32768+), so an outgoing connection can
//! never take a port a member is about to listen on. A process-wide set stops two sandboxes in
//! one test binary from being handed the same port; the random start and the bind check keep
//! separate processes (nextest runs each test in its own) from colliding.

use std::collections::HashSet;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::Mutex;

const LOW: u16 = 20000;
const HIGH: u16 = 32000;

static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// `count` distinct ports that were bindable on 127.0.0.1 a moment ago.
pub fn free_ports(count: usize) -> std::io::Result<Vec<u16>> {
    let mut guard = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    let handed = guard.get_or_insert_with(HashSet::new);
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
        if handed.contains(&port) || out.contains(&port) {
            continue;
        }
        if let Ok(l) = TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
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
    handed.extend(out.iter().copied());
    Ok(out)
}

fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        let t = std::time::SystemTime::now()
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

    #[test]
    fn ports_are_distinct_within_and_across_calls() {
        let a = free_ports(8).unwrap();
        let b = free_ports(8).unwrap();
        let all: HashSet<u16> = a.iter().chain(b.iter()).copied().collect();
        assert_eq!(all.len(), 16);
        assert!(all.iter().all(|p| (LOW..HIGH).contains(p)));
    }
}
