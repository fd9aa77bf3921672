//! One observation of a whole ensemble: discover the membership from whatever members answer,
//! probe every member concurrently, and attach what the membership says to each snapshot.
//!
//! Members listed in the membership that do not answer are kept, as down or unresponsive:
//! an observation never drops a member.

use super::member::{
    discredited, probe_member, says_nothing, unknown_address, MemberSnapshot, ProbeOptions,
    ProbeTarget,
};
use super::parse::{parse_conf, Reply};
use super::secure::TlsPorts;
use super::transport::{four_letter_word_within, Budget};
pub use crate::ensemble::observation::*;
use crate::ensemble::EnsembleConfig;
use futures::future::join_all;
use std::collections::BTreeMap;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Discovery {
    /// `host:port` entries of the connect string.
    pub seeds: Vec<String>,
    pub admin: AdminLocator,
    pub opts: ProbeOptions,
    /// Which seeds speak TLS, and how.
    pub tls: TlsPorts,
}

/// `previous`: the membership from an earlier observation, used when no member can tell us
/// (quorum lost: every member refuses `conf`), so no member disappears from view.
pub async fn observe(d: &Discovery, previous: Option<&EnsembleConfig>) -> Observation {
    observe_with(d, previous.map(|p| (p, ConfigSource::Previous))).await
}

/// As `observe`, with a membership obtained elsewhere (and where it came from) for when no
/// member answers `conf` (quorum lost, or `conf` not whitelisted).
pub async fn observe_with(
    d: &Discovery,
    fallback: Option<(&EnsembleConfig, ConfigSource)>,
) -> Observation {
    let started = Instant::now();
    let (mut seed_snaps, config) = probe_seeds(d).await;
    let (mut config, mut source) = match config {
        Some(c) => (Some(c), ConfigSource::Conf),
        None => (None, ConfigSource::None),
    };
    if config.is_none() {
        if let Some((cfg, from)) = fallback {
            config = Some(cfg.clone());
            source = from;
        }
    }

    let members = match &config {
        Some(cfg) => {
            // A seed that did not tell its id is matched by the client address the
            // membership gives it (never by an assumed one: that could be anyone).
            for snap in seed_snaps.iter_mut().filter(|s| s.id.is_none()) {
                snap.id = member_at(cfg, &d.seeds, &snap.address).map(|s| s.id);
            }
            // A seed probed before its id was known missed its AdminServer configured by
            // id: probe it again in round two, with it.
            seed_snaps.retain(|snap| {
                let Some(id) = snap.id else { return true };
                let by_id_only = d.admin.by_id.contains_key(&id)
                    && d.admin.url_for(None, &snap.address).is_none();
                !by_id_only
            });
            let extra = probe_the_rest(d, cfg, &seed_snaps).await;
            merge(cfg, seed_snaps, extra)
        }
        None => seed_snaps,
    };
    Observation {
        config,
        config_source: source,
        members,
        elapsed: started.elapsed(),
    }
}

/// Round one: every seed, probe and `conf` at once. The seeds' snapshots (with the id each
/// reported) and the newest membership they told.
async fn probe_seeds(d: &Discovery) -> (Vec<MemberSnapshot>, Option<EnsembleConfig>) {
    let seed_work = d.seeds.iter().map(|seed| {
        let target = ProbeTarget {
            id: None,
            address: seed.clone(),
            admin_url: d.admin.url_for(None, seed),
            // `conf` is asked here, beside the probe: it gives the membership too.
            verify_id: false,
            tls: d.tls.client_for(seed, false),
        };
        let opts = d.opts;
        async move {
            let budget = Budget::starting_now(opts.timeout);
            let tls = target.tls.as_ref();
            let (snap, conf) = tokio::join!(
                probe_member(&target, opts),
                four_letter_word_within(&target.address, tls, "conf", budget, opts.reply_cap)
            );
            with_conf(snap, conf.ok())
        }
    });
    let mut config: Option<EnsembleConfig> = None;
    let mut snaps = Vec::with_capacity(d.seeds.len());
    for (snap, cfg) in join_all(seed_work).await {
        if let Some(cfg) = cfg {
            if config.as_ref().is_none_or(|c| cfg.version > c.version) {
                config = Some(cfg);
            }
        }
        snaps.push(snap);
    }
    (snaps, config)
}

/// A seed's snapshot with what its `conf` said: its own id, and the membership it knows. A
/// `conf` reply that is not ZooKeeper's discredits the seed like any other reply.
fn with_conf(
    mut snap: MemberSnapshot,
    conf: Option<String>,
) -> (MemberSnapshot, Option<EnsembleConfig>) {
    let text = conf.filter(|t| !t.trim().is_empty());
    match text.as_deref().map(parse_conf) {
        Some(Err(e)) if e.not_zookeeper => (discredited(snap, "conf", &e), None),
        Some(Ok(Reply::Ok(c))) if !says_nothing(&snap) => {
            snap.id = c.server_id.or(snap.id);
            let cfg = (!c.membership.servers.is_empty()).then_some(c.membership);
            (snap, cfg)
        }
        _ => (snap, None),
    }
}

/// Round two: the configured members the seeds did not cover. A member the membership gives
/// no client address is probed at its host with a seed's port and must confirm its id there;
/// where that address is a seed's that answered as another member, it is unknown at once.
async fn probe_the_rest(
    d: &Discovery,
    cfg: &EnsembleConfig,
    seed_snaps: &[MemberSnapshot],
) -> Vec<MemberSnapshot> {
    let mut known_elsewhere = Vec::new();
    let mut targets = Vec::new();
    for s in cfg.servers.values() {
        if seed_snaps.iter().any(|snap| snap.id == Some(s.id)) {
            continue;
        }
        let Some((address, assumed)) = probe_address(s, &d.seeds) else {
            continue;
        };
        let taken = seed_snaps
            .iter()
            .find(|snap| same_endpoint(&snap.address, &address) && snap.id.is_some());
        if let (true, Some(other)) = (assumed, taken) {
            let why = format!("{address} answers as member {}", other.id.unwrap_or(0));
            let blank = MemberSnapshot {
                address: address.clone(),
                ..other.clone()
            };
            known_elsewhere.push(unknown_address(blank, s.id, &why));
            continue;
        }
        targets.push(ProbeTarget {
            id: Some(s.id),
            admin_url: d.admin.url_for(Some(s.id), &address),
            verify_id: assumed,
            tls: d.tls.client_for(&address, assumed),
            address,
        });
    }
    let mut probed = join_all(targets.iter().map(|t| probe_member(t, d.opts))).await;
    probed.append(&mut known_elsewhere);
    probed
}

/// Config members in id order (one row per id, the more informative answer kept), then the
/// seeds no member id was found for.
fn merge(
    cfg: &EnsembleConfig,
    seeds: Vec<MemberSnapshot>,
    extra: Vec<MemberSnapshot>,
) -> Vec<MemberSnapshot> {
    let mut by_id: BTreeMap<u64, MemberSnapshot> = BTreeMap::new();
    let mut unnamed = Vec::new();
    for snap in seeds.into_iter().chain(extra) {
        match snap.id {
            Some(id) => {
                let better = by_id.get(&id).is_none_or(|old| !old.role.is_alive());
                if better {
                    by_id.insert(id, snap);
                }
            }
            None => unnamed.push(snap),
        }
    }
    let mut listed: Vec<MemberSnapshot> = by_id.into_values().collect();
    for snap in &mut listed {
        apply_membership(snap, cfg);
    }
    listed.append(&mut unnamed);
    listed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_go_to_the_members_of_now_and_keep_the_chroot() {
        let now = vec!["10.0.0.3:2181".to_string(), "10.0.0.4:2181".to_string()];
        assert_eq!(
            session_connect("10.0.0.1:2181", &now),
            "10.0.0.3:2181,10.0.0.4:2181,10.0.0.1:2181"
        );
        assert_eq!(
            session_connect("10.0.0.1:2181,10.0.0.3:2181/app/x", &now),
            "10.0.0.3:2181,10.0.0.4:2181,10.0.0.1:2181/app/x"
        );
        assert_eq!(session_connect("10.0.0.1:2181", &[]), "10.0.0.1:2181");
        assert_eq!(
            session_connect("tcp+tls://10.0.0.1:2281", &now),
            "tcp+tls://10.0.0.1:2281"
        );
    }

    #[test]
    fn seeds_keep_hosts_and_drop_schemes_and_the_chroot() {
        assert_eq!(
            seeds_of("zk1:2181, zk2 ,zk3:2182/app/x"),
            ["zk1:2181", "zk2:2181", "zk3:2182"]
        );
        assert_eq!(
            seeds_of("tcp+tls://127.0.0.1:2281,tcp://zk2/chroot"),
            ["127.0.0.1:2281", "zk2:2181"]
        );
        assert_eq!(seeds_of("tcp+tls://zk1:2281/"), ["zk1:2281"]);
        assert!(seeds_of("/chroot").is_empty());
        assert_eq!(
            tls_seeds_of("zk0:2181,tcp+tls://zk1:2281,tcp://zk2/c"),
            ["zk1:2281"]
        );
    }

    #[test]
    fn a_member_without_a_client_port_is_probed_at_the_seeds_port_not_left_out() {
        let cfg = EnsembleConfig::parse(
            "server.1=10.0.0.1:2888:3888:participant;10.0.0.1:2181\n\
             server.2=10.0.0.2:2888:3888:participant\n\
             server.3=[fe80::3]:2888:3888:participant\n",
        )
        .unwrap();
        let seeds = vec!["10.0.0.1:2281".to_string()];
        assert_eq!(
            probe_address(&cfg.servers[&1], &seeds),
            Some(("10.0.0.1:2181".into(), false))
        );
        assert_eq!(
            probe_address(&cfg.servers[&2], &seeds),
            Some(("10.0.0.2:2281".into(), true))
        );
        assert_eq!(
            probe_address(&cfg.servers[&3], &seeds),
            Some(("[fe80::3]:2281".into(), true))
        );
        assert_eq!(probe_address(&cfg.servers[&2], &[]), None);
        // An assumed address identifies nobody; a given one does.
        assert_eq!(
            member_at(&cfg, &seeds, "10.0.0.1:2181").map(|s| s.id),
            Some(1)
        );
        assert!(member_at(&cfg, &seeds, "10.0.0.2:2281").is_none());
        assert!(may_be_member_at(&cfg, &seeds, "10.0.0.2:2281"));
    }
}
