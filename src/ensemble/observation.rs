//! One observation of a whole ensemble as data, and the pure rules over endpoints and
//! membership that the probes and the model share: where a member is probed, which
//! configured member an address is, what the membership says about a snapshot.

use super::member::{MemberSnapshot, Role, ServerMode};
use super::{EnsembleConfig, LearnerType, ServerSpec};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Where the AdminServer of a member lives, when the operator configured it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdminLocator {
    pub by_id: BTreeMap<u64, String>,
    /// The same port on every member host.
    pub port: Option<u16>,
}

impl AdminLocator {
    pub fn url_for(&self, id: Option<u64>, address: &str) -> Option<String> {
        if let Some(url) = id.and_then(|i| self.by_id.get(&i)) {
            return Some(url.clone());
        }
        let port = self.port?;
        let host = address.rsplit_once(':').map_or(address, |(h, _)| h);
        Some(format!("http://{host}:{port}"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigSource {
    /// The `conf` four-letter word of a serving member.
    Conf,
    /// The `/zookeeper/config` znode read over a session.
    Znode,
    /// Nothing answered with a membership; the last one we knew.
    Previous,
    None,
}

#[derive(Debug, Clone)]
pub struct Observation {
    pub config: Option<EnsembleConfig>,
    pub config_source: ConfigSource,
    /// Config members in id order, then addresses from the connect string not in the config.
    pub members: Vec<MemberSnapshot>,
    pub elapsed: Duration,
}

/// The connect string for a new session: the members probed now (the live membership) first,
/// then the hosts the operator gave, with the operator's chroot. A session must not depend
/// on the hosts it started with: after a shrink they may be gone while the ensemble serves.
/// Strings with schemes (`tcp+tls://`) are kept as given.
pub fn session_connect(original: &str, members: &[String]) -> String {
    if original.contains("://") || members.is_empty() {
        return original.to_string();
    }
    let (hosts, chroot) = match original.find('/') {
        Some(i) => original.split_at(i),
        None => (original, ""),
    };
    let mut all: Vec<String> = Vec::new();
    let given = hosts.split(',').map(str::trim).filter(|h| !h.is_empty());
    for h in members.iter().map(String::as_str).chain(given) {
        if !all.iter().any(|a| a == h) {
            all.push(h.to_string());
        }
    }
    format!("{}{chroot}", all.join(","))
}

/// Splits a connect string (`h1:2181,h2:2181/chroot`, each host optionally `tcp://` or
/// `tcp+tls://`) into `host:port` seeds.
pub fn seeds_of(connect: &str) -> Vec<String> {
    connect
        .split(',')
        .map(|s| {
            // Four-letter words are plain TCP: a TLS-only client port needs the AdminServer.
            let s = s.trim();
            let s = s
                .strip_prefix("tcp+tls://")
                .or_else(|| s.strip_prefix("tcp://"))
                .unwrap_or(s);
            // The chroot follows the last host.
            s.split('/').next().unwrap_or("").trim()
        })
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.rsplit_once(':')
                .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
            {
                s.to_string()
            } else {
                format!("{s}:2181")
            }
        })
        .collect()
}

/// The seeds of `connect` that are TLS client ports (`tcp+tls://`).
pub fn tls_seeds_of(connect: &str) -> Vec<String> {
    connect
        .split(',')
        .filter(|s| s.trim().starts_with("tcp+tls://"))
        .flat_map(seeds_of)
        .collect()
}

/// Two spellings of one endpoint compare equal (`localhost:2181` = `127.0.0.1:2181`).
pub fn same_endpoint(a: &str, b: &str) -> bool {
    endpoint_key(a) == endpoint_key(b)
}

/// The one spelling of an endpoint that `same_endpoint` compares.
pub fn endpoint_key(s: &str) -> String {
    let s = s.trim().to_ascii_lowercase();
    match s.rsplit_once(':') {
        Some((h, p)) => {
            let h = match h {
                "localhost" | "[::1]" | "::1" => "127.0.0.1",
                h => h,
            };
            format!("{h}:{p}")
        }
        None => s,
    }
}

/// The configured member whose client address, as the membership gives it, is `address`.
/// An assumed address (a member's host with a seed's port) identifies nobody: on one host,
/// it is every member's.
pub fn member_at<'a>(
    cfg: &'a EnsembleConfig,
    seeds: &[String],
    address: &str,
) -> Option<&'a ServerSpec> {
    cfg.servers.values().find(|s| {
        probe_address(s, seeds).is_some_and(|(a, assumed)| !assumed && same_endpoint(&a, address))
    })
}

/// Whether `address` may be a configured member's: its given client address, or the one
/// assumed for it.
pub fn may_be_member_at(cfg: &EnsembleConfig, seeds: &[String], address: &str) -> bool {
    cfg.servers
        .values()
        .any(|s| probe_address(s, seeds).is_some_and(|(a, _)| same_endpoint(&a, address)))
}

/// Where to probe a configured member. The membership may list no client port (a TLS-only
/// ensemble, or `clientPort` kept in the static file); ensembles often use one client port on
/// every host, so the first seed's port is assumed (a TLS seed's lends its TLS too, see
/// `TlsPorts::client_for`) rather than the member being left out. The flag says the address
/// was assumed: the member must then confirm it by its own id.
pub fn probe_address(spec: &ServerSpec, seeds: &[String]) -> Option<(String, bool)> {
    if let Some(a) = spec.client_address() {
        return Some((a, false));
    }
    let (_, port) = seeds.first()?.rsplit_once(':')?;
    let host = if spec.host.contains(':') && !spec.host.starts_with('[') {
        format!("[{}]", spec.host)
    } else {
        spec.host.clone()
    };
    Some((format!("{host}:{port}"), true))
}

/// A follower that is not a configured voter is a joiner (or a removed server): non-voting.
pub fn apply_membership(snap: &mut MemberSnapshot, cfg: &EnsembleConfig) {
    let Some(id) = snap.id else { return };
    let spec = cfg.servers.get(&id);
    let configured_voter = spec.is_some_and(|s| s.learner_type == LearnerType::Participant);
    // Only the server's own word (zabstate) overrides the membership; a `voting` derived
    // from an earlier membership must not outlive it (a joiner added by reconfig would stay
    // "non-voting" until its next probe and the quorum would look lost for a moment).
    let voting = match snap.zab.as_ref().and_then(|z| z.voting) {
        Some(false) => false,
        _ => configured_voter,
    };
    snap.voting = Some(voting);
    match snap.role {
        Role::Follower if !voting => snap.role = Role::NonVoting,
        Role::NonVoting if voting && snap.mode == Some(ServerMode::Follower) => {
            snap.role = Role::Follower
        }
        _ => {}
    }
}
