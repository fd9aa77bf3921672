//! The console model without a terminal: events, elections, freeze, members never dropped.

mod synthetic;

use synthetic::{feed, snap, state, CONFIG};
use zkconsole::app::keys::{KeyCode, KeyInput};
use zkconsole::app::{Effect, Msg, View};
use zkconsole::ensemble::EnsembleConfig;
use zkconsole::probe::round::ConfigSource;
use zkconsole::probe::types::Role;

fn event_texts(s: &zkconsole::app::State) -> Vec<String> {
    s.events.newest().map(|e| e.text.clone()).collect()
}

#[test]
fn leader_loss_and_election_are_events_and_the_old_leader_stays_listed() {
    let mut s = state(false, false);
    feed(
        &mut s,
        &[
            snap(1, Role::Follower, 0),
            snap(2, Role::Follower, 0),
            snap(3, Role::Leader, 0),
        ],
    );
    assert_eq!(s.health.leader, Some(3));
    feed(
        &mut s,
        &[
            snap(3, Role::Down, 0),
            snap(1, Role::NotServing, 0),
            snap(2, Role::NotServing, 0),
        ],
    );
    assert_eq!(s.health.leader, None);
    feed(
        &mut s,
        &[snap(2, Role::Leader, 0), snap(1, Role::Follower, 0)],
    );
    assert_eq!(s.health.leader, Some(2));
    let ev = event_texts(&s);
    assert!(
        ev.iter().any(|e| e.contains("leader member 3 lost")),
        "{ev:?}"
    );
    assert!(
        ev.iter().any(|e| e.contains("leader elected: member 2")),
        "{ev:?}"
    );
    assert!(
        ev.iter().any(|e| e.contains("member 3 lost: down")),
        "{ev:?}"
    );
    assert_eq!(
        s.members.len(),
        3,
        "a member that went down must stay listed"
    );
    let rows = s.rows();
    let down = rows.iter().find(|m| m.snap.id == Some(3)).unwrap();
    assert_eq!(down.snap.role, Role::Down);
    assert!(
        down.last_answer.is_some(),
        "when it last answered must be known"
    );
    // Its last figures stay on screen (marked stale by the renderer), not blanked.
    assert!(down.snap.metric_f64("znode_count").is_some());
}

#[test]
fn freeze_stops_the_display_but_not_collection() {
    let mut s = state(false, false);
    feed(
        &mut s,
        &[snap(1, Role::Follower, 0), snap(3, Role::Leader, 0)],
    );
    s.update(Msg::Key(KeyInput::ch('f')));
    assert!(s.frozen.is_some());
    feed(&mut s, &[snap(1, Role::Down, 0)]);
    let shown = s
        .rows()
        .iter()
        .find(|m| m.snap.id == Some(1))
        .unwrap()
        .snap
        .role;
    assert_eq!(shown, Role::Follower, "frozen display changed");
    assert_eq!(
        s.members[&zkconsole::app::MemberKey::Id(1)].snap.role,
        Role::Down,
        "collection stopped"
    );
    s.update(Msg::Key(KeyInput::ch('f')));
    let shown = s
        .rows()
        .iter()
        .find(|m| m.snap.id == Some(1))
        .unwrap()
        .snap
        .role;
    assert_eq!(shown, Role::Down);
}

#[test]
fn membership_change_is_an_event_and_retargets_probes() {
    let mut s = state(false, false);
    feed(&mut s, &[snap(1, Role::Follower, 0)]);
    let grown = format!(
        "{}server.4=127.0.0.1:2891:3891:participant;127.0.0.1:2184\nversion=100000009\n",
        CONFIG.replace("version=100000000\n", "")
    );
    let fx = s.update(Msg::Membership {
        gen: 0,
        config: EnsembleConfig::parse(&grown).unwrap(),
        source: ConfigSource::Znode,
    });
    let targets = match &fx[..] {
        [Effect::SetTargets(t)] => t.clone(),
        other => panic!("{other:?}"),
    };
    assert!(targets
        .iter()
        .any(|t| t.id == Some(4) && t.address == "127.0.0.1:2184"));
    assert!(
        event_texts(&s)
            .iter()
            .any(|e| e.contains("membership changed")),
        "{:?}",
        event_texts(&s)
    );
    assert_eq!(s.health.voters, 4);
}

#[test]
fn a_follower_outside_the_voters_is_non_voting() {
    let mut s = state(false, false);
    let mut joiner = snap(4, Role::Follower, 0);
    joiner.address = "127.0.0.1:2184".into();
    feed(&mut s, &[joiner]);
    assert_eq!(
        s.members[&zkconsole::app::MemberKey::Id(4)].snap.role,
        Role::NonVoting
    );
}

#[test]
fn drills_need_confirmation_and_a_sandbox() {
    let mut s = state(false, true);
    feed(&mut s, &[snap(1, Role::Follower, 0)]);
    assert!(s.update(Msg::Key(KeyInput::ch('K'))).is_empty());
    assert!(
        s.update(Msg::Key(KeyInput::ch('n'))).is_empty(),
        "anything but y cancels"
    );
    s.update(Msg::Key(KeyInput::ch('K')));
    assert_eq!(
        s.update(Msg::Key(KeyInput::ch('y'))),
        vec![Effect::Drill(zkconsole::app::Drill::Kill, 1)]
    );

    let mut plain = state(false, false);
    feed(&mut plain, &[snap(1, Role::Follower, 0)]);
    plain.update(Msg::Key(KeyInput::ch('K')));
    assert!(
        plain.update(Msg::Key(KeyInput::ch('y'))).is_empty(),
        "no drills without a sandbox"
    );
}

#[test]
fn command_mode_and_navigation() {
    let mut s = state(false, false);
    feed(
        &mut s,
        &[
            snap(1, Role::Follower, 0),
            snap(2, Role::Follower, 0),
            snap(3, Role::Leader, 0),
        ],
    );
    s.update(Msg::Key(KeyInput::ch('j')));
    s.update(Msg::Key(KeyInput::ch('j')));
    s.update(Msg::Key(KeyInput::ch('j')));
    assert_eq!(s.selected, 2, "selection is clamped to the rows");
    for c in ":events".chars() {
        s.update(Msg::Key(KeyInput::ch(c)));
    }
    s.update(Msg::Key(KeyInput::plain(KeyCode::Enter)));
    assert_eq!(s.view, View::Events);
    s.update(Msg::Key(KeyInput::plain(KeyCode::Esc)));
    assert_eq!(s.view, View::Dashboard);
    for c in ":theme light".chars() {
        s.update(Msg::Key(KeyInput::ch(c)));
    }
    s.update(Msg::Key(KeyInput::plain(KeyCode::Enter)));
    assert_eq!(s.theme, "light");
    for c in ":q".chars() {
        s.update(Msg::Key(KeyInput::ch(c)));
    }
    assert_eq!(
        s.update(Msg::Key(KeyInput::plain(KeyCode::Enter))),
        vec![Effect::Quit]
    );
}

#[test]
fn idle_messages_do_not_mark_the_screen_dirty() {
    let mut s = state(false, false);
    feed(
        &mut s,
        &[snap(1, Role::Follower, 0), snap(3, Role::Leader, 0)],
    );
    s.dirty = false;
    s.update(Msg::Tick);
    assert!(
        !s.dirty,
        "a tick with every member answering must not redraw"
    );
    s.update(Msg::Membership {
        gen: 0,
        config: EnsembleConfig::parse(CONFIG).unwrap(),
        source: ConfigSource::Znode,
    });
    assert!(!s.dirty, "an unchanged membership must not redraw");
}

#[test]
fn answers_from_a_previous_ensemble_are_ignored() {
    let mut s = state(false, false);
    s.generation = 1;
    let stale = snap(9, Role::Leader, 0);
    s.update(Msg::Probed {
        gen: 0,
        target: zkconsole::probe::member::ProbeTarget {
            id: Some(9),
            address: stale.address.clone(),
            admin_url: None,
        },
        snap: Box::new(stale),
        at: std::time::Instant::now(),
    });
    assert!(s.members.is_empty());
}
