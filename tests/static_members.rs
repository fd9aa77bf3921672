//! Members whose server line names no client address: the classic static format
//! (`server.N=host:2888:3888` in zoo.cfg, `clientPort=` apart, `reconfigEnabled=false`), on
//! real ensembles. An address assumed for such a member (its host with the seed's port) counts
//! only once the member there says it is that member (`conf`'s `serverId`); a member is never
//! shown under another's id, and an unknown address is not taken for a member that is down.
//!
//! Start JVMs: run with `RUST_TEST_THREADS=1`.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::*;
use zkconsole::config::Level;
use zkconsole::probe::types::Role;
use zkconsole::sandbox::{Sandbox, SandboxOptions, StaticLayout};

async fn static_sandbox(layout: StaticLayout) -> Sandbox {
    sandbox_with(SandboxOptions {
        members: 3,
        static_layout: Some(layout),
        ..SandboxOptions::default()
    })
    .await
}

/// The membership really is the static kind: no member's server line names a client port.
async fn assert_static(sb: &Sandbox) {
    let text = zkconsole::probe::transport::four_letter_word(
        &address_of(sb, 1),
        "conf",
        std::time::Duration::from_secs(5),
        1 << 20,
    )
    .await
    .expect("conf");
    let servers: Vec<&str> = text.lines().filter(|l| l.starts_with("server.")).collect();
    assert_eq!(servers.len(), 3, "{text}");
    assert!(servers.iter().all(|l| !l.contains(';')), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_host_distinct_ports_one_seed_shows_no_member_under_another_id() {
    let sb = static_sandbox(StaticLayout::OneHost).await;
    assert_static(&sb).await;
    // The seed is member 2: the assumed address of every member is member 2's.
    let seed = address_of(&sb, 2);
    let (obs, health) = observe_health(&discovery(vec![seed.clone()], 3000), None).await;

    let m2 = member_by_id(&obs, 2).expect("member 2");
    assert!(m2.role.is_serving(), "{m2:?}");
    assert_eq!(m2.address, seed);
    for id in [1, 3] {
        let m = member_by_id(&obs, id).unwrap_or_else(|| panic!("a row for member {id}"));
        assert_eq!(m.role, Role::Unknown, "{m:?}");
        let err = m.error.as_deref().unwrap_or_default();
        assert!(err.contains("client address unknown"), "{err}");
        assert!(err.contains("--connect"), "{err}");
        assert!(m.metrics.is_empty() && m.zxid.is_none(), "{m:?}");
    }
    assert_eq!(obs.members.len(), 3, "{:?}", roles(&obs));
    // Member 2 serves, so a quorum exists; the unseen members are not counted as down.
    assert!(health.has_quorum, "{health:#?}");
    assert!(health.level < Level::Critical, "{health:#?}");
    assert!(
        !health.problems.iter().any(|p| p.starts_with("quorum lost")),
        "{health:#?}"
    );

    // The binary says the same, with the way out in the row.
    let run = status_json(&seed, &["--timeout-ms", "3000"]).await;
    let report = run.json();
    assert_ne!(report["state"], "critical", "{report:#}");
    assert_eq!(report["quorum"]["has_quorum"], true, "{report:#}");
    for id in [1, 3] {
        let row = row_by_id(&report, id);
        assert_eq!(row["role"], "unknown", "{row:#}");
        assert!(
            row["error"]
                .as_str()
                .is_some_and(|e| e.contains("client address unknown")),
            "{row:#}"
        );
    }
    assert!(row_by_id(&report, 2)["role"] != "unknown", "{report:#}");

    // Every member named: all known, each under its own id, the leader found.
    let all = sb.connect_string();
    let (obs, health) = observe_health(&discovery(seeds_of_all(&all), 3000), None).await;
    for id in 1..=3 {
        let m = member_by_id(&obs, id).expect("row");
        assert!(m.role.is_serving(), "{m:?}");
        assert_eq!(m.address, address_of(&sb, id), "{m:?}");
    }
    assert!(health.leader.is_some() && health.has_quorum, "{health:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_hosts_sharing_one_port_are_found_from_one_seed() {
    let mut sb = static_sandbox(StaticLayout::LoopbackHosts).await;
    assert_static(&sb).await;
    let seed = address_of(&sb, 1);
    assert!(seed.starts_with("127.0.0.11:"), "{seed}");
    let d = discovery(vec![seed.clone()], 3000);
    let (obs, health) = observe_health(&d, None).await;
    for id in 1..=3 {
        let m = member_by_id(&obs, id).expect("row");
        assert!(
            m.role.is_serving(),
            "member {id} verified at its assumed address: {m:?}"
        );
        assert_eq!(m.address, address_of(&sb, id), "{m:?}");
        assert!(!m.metrics.is_empty(), "{m:?}");
    }
    assert!(health.leader.is_some(), "{health:#?}");
    assert!(
        health.has_quorum && health.level == Level::Ok,
        "{health:#?}"
    );

    // A member that stops is not taken for one that serves elsewhere, nor does it make the
    // quorum look lost while two of three serve.
    let victim = if health.leader == Some(3) { 2 } else { 3 };
    sb.kill(victim).await.expect("kill");
    let (obs, health) = eventually(
        std::time::Duration::from_secs(30),
        "the stopped member shows as not answering",
        || async {
            let (obs, health) = observe_health(&d, None).await;
            let m = member_by_id(&obs, victim).cloned().ok_or("no row")?;
            if m.role.is_alive() {
                return Err(format!("{m:?}"));
            }
            Ok((obs, health))
        },
    )
    .await;
    let m = member_by_id(&obs, victim).unwrap();
    assert!(m.metrics.is_empty(), "{m:?}");
    assert!(health.has_quorum, "{health:#?}");
    assert!(
        !health.problems.iter().any(|p| p.starts_with("quorum lost")),
        "{health:#?}"
    );
}

/// The console's model on the same ensemble: it probes every member at the one assumed
/// address, each asked who it is, and rows go by the ids the members report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_unknown_rows_not_a_lost_quorum() {
    use zkconsole::app::{Msg, State, StateInit};
    use zkconsole::config::Config;
    use zkconsole::probe::member::probe_member;
    use zkconsole::probe::round::{AdminLocator, ConfigSource};

    let sb = static_sandbox(StaticLayout::OneHost).await;
    let seed = address_of(&sb, 2);
    let conf = zkconsole::probe::transport::four_letter_word(
        &seed,
        "conf",
        std::time::Duration::from_secs(5),
        1 << 20,
    )
    .await
    .expect("conf");
    let mut state = State::new(StateInit {
        ensemble: "static".into(),
        seeds: vec![seed.clone()],
        admin: AdminLocator::default(),
        tls: Default::default(),
        read_only: true,
        sandbox: false,
        config: Config::default(),
        keymap: Default::default(),
        theme: "dark".into(),
        themes: vec!["dark".into()],
    });
    state.update(Msg::Membership {
        gen: 0,
        config: zkconsole::ensemble::EnsembleConfig::parse(&conf).expect("membership"),
        source: ConfigSource::Conf,
    });
    let targets = state.targets();
    assert_eq!(targets.len(), 3, "{targets:?}");
    assert!(
        targets.iter().all(|t| t.verify_id && t.address == seed),
        "{targets:?}"
    );
    for _round in 0..2 {
        for t in &targets {
            let snap = probe_member(t, probe_opts(3000)).await;
            state.update(Msg::Probed {
                gen: 0,
                target: t.clone(),
                snap: Box::new(snap),
                at: std::time::Instant::now(),
            });
        }
    }
    let snaps = state.snapshots();
    assert_eq!(snaps.len(), 3, "{snaps:?}");
    for s in &snaps {
        match s.id {
            Some(2) => assert!(s.role.is_serving(), "{s:?}"),
            _ => assert_eq!(s.role, Role::Unknown, "{s:?}"),
        }
    }
    assert!(state.health.has_quorum, "{:#?}", state.health);
    assert!(state.health.level < Level::Critical, "{:#?}", state.health);
}

fn seeds_of_all(connect: &str) -> Vec<String> {
    zkconsole::probe::round::seeds_of(connect)
}
