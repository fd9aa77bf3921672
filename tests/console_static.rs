//! The console on a static ensemble (no dynamic reconfig): the library probes its pollers run
//! (`probe_member` and `member_conf`, one of each per member) feed the console's model, which
//! must say `reconfig off` and flag a joiner the others do not list yet and members left on
//! the old list after a hand edit.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::hand::join_member_4;
use common::sandbox_with;
use std::time::{Duration, Instant};
use zkconsole::app::keys::Keymap;
use zkconsole::app::{Msg, State, StateInit};
use zkconsole::config::Config;
use zkconsole::ensemble::mode::ReconfigMode;
use zkconsole::probe::member::{probe_member, ProbeOptions, ProbeTarget};
use zkconsole::probe::member_conf::member_conf;
use zkconsole::probe::round::{AdminLocator, ConfigSource};
use zkconsole::sandbox::{Sandbox, SandboxOptions, StaticLayout};
use zkconsole::ui::theme::Themes;

const TIMEOUT: Duration = Duration::from_secs(5);

fn console(seed: &str) -> State {
    State::new(StateInit {
        ensemble: "sb".into(),
        seeds: vec![seed.into()],
        admin: AdminLocator::default(),
        tls: Default::default(),
        read_only: true,
        sandbox: true,
        config: Config::default(),
        keymap: Keymap::default(),
        theme: "dark".into(),
        themes: Themes::load(None).names(),
    })
}

/// One poller round over every running member, as the console's pollers send it.
async fn round(sb: &Sandbox, s: &mut State) {
    let opts = ProbeOptions {
        timeout: TIMEOUT,
        ..ProbeOptions::default()
    };
    for m in sb.members().iter().filter(|m| sb.is_running(m.id)) {
        let target = ProbeTarget {
            id: Some(m.id),
            address: m.client_address(),
            admin_url: None,
            verify_id: true,
            tls: None,
        };
        let (snap, conf) = tokio::join!(probe_member(&target, opts), member_conf(&target, opts));
        s.update(Msg::Probed {
            gen: 0,
            target,
            snap: Box::new(snap),
            at: Instant::now(),
        });
        if let Some((id, config)) = conf {
            if id == 1 && s.membership.is_none() {
                s.update(Msg::Membership {
                    gen: 0,
                    config: config.clone(),
                    source: ConfigSource::Conf,
                });
            }
            s.update(Msg::MemberConf { gen: 0, id, config });
        }
    }
}

/// Poller rounds until a problem line starts with `prefix` (within a dozen timeouts).
async fn problem_starting(sb: &Sandbox, s: &mut State, prefix: &str) -> String {
    let deadline = Instant::now() + TIMEOUT * 12;
    loop {
        round(sb, s).await;
        let p = &s.health.problems;
        if let Some(l) = p.iter().find(|l| l.starts_with(prefix)) {
            return l.clone();
        }
        assert!(Instant::now() < deadline, "no problem {prefix:?} in {p:?}");
        // The pollers' interval: the next round is due.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_flags_a_joiner_and_members_left_on_the_old_list() {
    let mut sb = sandbox_with(SandboxOptions {
        members: 3,
        static_layout: Some(StaticLayout::OneHost),
        ..SandboxOptions::default()
    })
    .await;
    let mut s = console(&sb.members()[0].client_address());
    round(&sb, &mut s).await;
    assert_eq!(s.reconfig_mode(), ReconfigMode::Disabled);
    assert!(
        !s.health.problems.iter().any(|p| p.contains("membership")),
        "{:?}",
        s.health.problems
    );

    // By hand, as an operator would: 4 gets the new list and starts; then 1 is edited and
    // restarted; 2 and 3 are forgotten.
    let join = join_member_4(&mut sb, TIMEOUT * 12).await;
    let joining = problem_starting(&sb, &mut s, "4 is joining: not yet in the list of 1,2,3").await;
    assert!(joining.contains("restart"), "{joining}");

    join.relist_member_1(&mut sb, TIMEOUT * 12).await;
    let line = problem_starting(&sb, &mut s, "membership disagrees").await;
    assert!(line.contains("1,4 hold servers 1,2,3,4"), "{line}");
    assert!(line.contains("2,3 hold servers 1,2,3"), "{line}");
    assert_eq!(s.reconfig_mode(), ReconfigMode::Disabled);
    drop(sb);
}
