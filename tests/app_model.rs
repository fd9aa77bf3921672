//! The console model without a terminal: events, elections, freeze, members never dropped.

mod synthetic;

use synthetic::{feed, feed_three_voters, live_membership, snap, snap_at, state, CONFIG};
use zkconsole::app::keys::{KeyCode, KeyInput};
use zkconsole::app::{Effect, Msg, View};
use zkconsole::ensemble::EnsembleConfig;
use zkconsole::probe::types::Role;

fn event_texts(s: &zkconsole::app::State) -> Vec<String> {
    s.events.newest().map(|e| e.text.clone()).collect()
}

#[test]
fn a_paused_leader_waking_up_is_not_a_new_election() {
    let mut s = state(false, false);
    let at = snap_at;
    feed(
        &mut s,
        &[
            at(1, Role::Leader, 0x1_0000_0005),
            at(2, Role::Follower, 0x1_0000_0005),
            at(3, Role::Follower, 0x1_0000_0005),
        ],
    );
    // 1 is paused; 2 and 3 elect 3 in epoch 2.
    feed(
        &mut s,
        &[
            snap(1, Role::Unresponsive, 0),
            at(2, Role::Follower, 0x1_0000_0005),
            at(3, Role::Leader, 0x2_0000_0000),
        ],
    );
    assert_eq!(s.health.leader, Some(3));
    // 1 wakes and, for a moment, still says "leader" with its old epoch (it is listed first).
    feed(&mut s, &[at(1, Role::Leader, 0x1_0000_0005)]);
    assert_eq!(s.health.leader, Some(3), "the newest epoch's leader leads");
    let elected: Vec<String> = event_texts(&s)
        .into_iter()
        .filter(|e| e.contains("leader elected"))
        .collect();
    assert!(
        elected.iter().all(|e| !e.contains("member 1 (was 3)")),
        "{elected:?}"
    );
}

#[test]
fn leader_loss_and_election_are_events_and_the_old_leader_stays_listed() {
    let mut s = state(false, false);
    feed_three_voters(&mut s);
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

/// A console started on a healthy ensemble: whatever order the first answers arrive in, the
/// first round is a baseline, not "leader elected" or "quorum restored".
#[test]
fn a_console_started_on_a_healthy_ensemble_records_no_change_event() {
    let orders: [[(u64, Role); 3]; 3] = [
        [(1, Role::Follower), (2, Role::Follower), (3, Role::Leader)],
        [(3, Role::Leader), (1, Role::Follower), (2, Role::Follower)],
        [(1, Role::Follower), (3, Role::Leader), (2, Role::Follower)],
    ];
    for order in orders {
        let mut s = state(false, false);
        let round: Vec<_> = order.iter().map(|(id, r)| snap(*id, *r, 0)).collect();
        for _ in 0..3 {
            feed(&mut s, &round);
        }
        assert!(s.baseline, "{order:?}");
        assert_eq!(event_texts(&s), Vec::<String>::new(), "{order:?}");
        // After the baseline, a real change is an event.
        feed(&mut s, &[snap(3, Role::Down, 0)]);
        assert!(
            event_texts(&s)
                .iter()
                .any(|e| e.contains("leader member 3 lost")),
            "{:?}",
            event_texts(&s)
        );
    }
}

/// A member this console paused on the sandbox says `paused` while it does not answer, and
/// stops saying it once it answers again.
#[test]
fn a_paused_sandbox_member_shows_paused() {
    let mut s = state(false, true);
    let round = [
        snap(1, Role::Follower, 0),
        snap(2, Role::Follower, 0),
        snap(3, Role::Leader, 0),
    ];
    feed(&mut s, &round);
    s.update(Msg::Key(KeyInput::ch('P')));
    let fx = s.update(Msg::Key(KeyInput::ch('y')));
    assert_eq!(fx, vec![Effect::Drill(zkconsole::app::Drill::Pause, 1)]);
    s.update(Msg::DrillDone(Ok("member 1: pause done".into())));
    feed(&mut s, &[snap(1, Role::Unresponsive, 0)]);
    let label = |s: &zkconsole::app::State| {
        s.members[&zkconsole::app::MemberKey::Id(1)]
            .role_label()
            .to_string()
    };
    assert_eq!(label(&s), "paused");
    // Resumed (from anywhere): two answers in a row and it is a follower again.
    feed(
        &mut s,
        &[snap(1, Role::Follower, 0), snap(1, Role::Follower, 0)],
    );
    feed(&mut s, &[snap(1, Role::Unresponsive, 0)]);
    assert_eq!(label(&s), "unresponsive");
}

/// Sorting by a figure puts the worst (highest) first, members without it last.
#[test]
fn sorting_by_a_figure_puts_the_worst_first() {
    let mut s = state(false, false);
    feed(
        &mut s,
        &[
            snap(1, Role::Follower, 5),
            snap(2, Role::Follower, 90),
            snap(3, Role::Leader, 20),
        ],
    );
    while s.sort != zkconsole::app::SortKey::Outstanding {
        s.update(Msg::Key(KeyInput::ch('s')));
    }
    let ids: Vec<_> = s.rows().iter().map(|m| m.snap.id.unwrap()).collect();
    assert_eq!(ids, vec![2, 3, 1]);
    s.update(Msg::Key(KeyInput::ch('S')));
    let ids: Vec<_> = s.rows().iter().map(|m| m.snap.id.unwrap()).collect();
    assert_eq!(ids, vec![1, 3, 2]);
}

/// A drill's confirmation states its cost with the live figures.
#[test]
fn drill_confirmations_state_the_cost_with_live_numbers() {
    use zkconsole::app::Drill;
    let four = format!("{CONFIG}server.4=127.0.0.1:2891:3891:participant;127.0.0.1:2184\n")
        .replace("version=100000000\n", "")
        + "version=100000001\n";
    let mut s = state(false, true);
    live_membership(&mut s, &four);
    let mut m4 = snap(4, Role::Follower, 0);
    m4.address = "127.0.0.1:2184".into();
    feed(
        &mut s,
        &[
            snap(1, Role::Follower, 0),
            snap(2, Role::Follower, 0),
            snap(3, Role::Leader, 0),
            m4,
        ],
    );
    let why = s.drill_consequence(Drill::Kill, 1).unwrap();
    assert_eq!(why, "leaves 3 of 4 voters: no failure tolerated");
    feed(&mut s, &[snap(2, Role::Down, 0)]);
    let why = s.drill_consequence(Drill::Pause, 1).unwrap();
    assert!(
        why.starts_with("this loses the quorum: 2 of 4 voters left, 3 needed"),
        "{why}"
    );
    let why = s.drill_consequence(Drill::Restart, 3).unwrap();
    assert!(
        why.starts_with("while it restarts, this loses the quorum"),
        "{why}"
    );
    assert!(why.contains("it leads"), "{why}");
    assert_eq!(s.drill_consequence(Drill::Resume, 1), None);
}

/// `y` copies the selected thing over OSC 52 and says what it copied.
#[test]
fn y_copies_the_selected_thing_and_says_what() {
    let mut s = state(false, false);
    feed_three_voters(&mut s);
    s.update(Msg::Key(KeyInput::ch('j')));
    let fx = s.update(Msg::Key(KeyInput::ch('y')));
    assert_eq!(fx, vec![Effect::Copy("127.0.0.1:2182".into())]);
    let flash = s.flash.clone().unwrap().1;
    assert_eq!(flash, "copied member 2's address: 127.0.0.1:2182");
    // The detail: the metrics shown (filtered).
    s.update(Msg::Key(KeyInput::plain(KeyCode::Enter)));
    for c in "/znode".chars() {
        s.update(Msg::Key(KeyInput::ch(c)));
    }
    s.update(Msg::Key(KeyInput::plain(KeyCode::Enter)));
    let fx = s.update(Msg::Key(KeyInput::ch('y')));
    assert_eq!(fx, vec![Effect::Copy("znode_count\t42".into())]);
    assert!(s
        .flash
        .clone()
        .unwrap()
        .1
        .starts_with("copied 1 metric of member 2"));
    // An event line.
    feed(&mut s, &[snap(3, Role::Down, 0)]);
    s.update(Msg::Key(KeyInput::plain(KeyCode::Esc)));
    s.update(Msg::Key(KeyInput::plain(KeyCode::Esc)));
    s.update(Msg::Key(KeyInput::ch('e')));
    match &s.update(Msg::Key(KeyInput::ch('y')))[..] {
        [Effect::Copy(t)] => assert!(t.ends_with("leader member 3 lost; no leader"), "{t}"),
        other => panic!("{other:?}"),
    }
    assert!(s
        .flash
        .clone()
        .unwrap()
        .1
        .starts_with("copied the event line"));
}

#[test]
fn one_survivor_is_named_in_the_singular() {
    let cfg = EnsembleConfig::parse(CONFIG).unwrap();
    let one: std::collections::BTreeSet<u64> = [2].into();
    let steps = zkconsole::app::wizard::recovery_steps(&cfg, &one, Some(2));
    assert!(steps[0].starts_with("Stop survivor 2 "), "{}", steps[0]);
    let two: std::collections::BTreeSet<u64> = [1, 2].into();
    let steps = zkconsole::app::wizard::recovery_steps(&cfg, &two, Some(2));
    assert!(
        steps[0].starts_with("Stop the survivors 1, 2 "),
        "{}",
        steps[0]
    );
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
    let fx = live_membership(&mut s, &grown);
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
fn a_member_removed_by_reconfig_leaves_the_table_and_the_health() {
    let mut s = state(false, false);
    live_membership(&mut s, CONFIG);
    feed_three_voters(&mut s);
    // 2 was once a joiner the wizard watched: it is probed as an extra target too.
    s.extra_targets.push(zkconsole::probe::member::ProbeTarget {
        id: Some(2),
        address: "127.0.0.1:2182".into(),
        admin_url: None,
        ..Default::default()
    });
    // Shrink: 2 is removed, then stopped.
    let shrunk = CONFIG
        .replace(
            "server.2=127.0.0.1:2889:3889:participant;127.0.0.1:2182\n",
            "",
        )
        .replace("version=100000000", "version=100000007");
    let fx = live_membership(&mut s, &shrunk);
    feed(&mut s, &[snap(2, Role::Down, 0)]);
    assert_eq!(s.members.len(), 2, "{:?}", s.members.keys());
    assert_eq!(s.health.voters, 2);
    assert_eq!(s.health.live_voters, 2);
    assert!(
        event_texts(&s)
            .iter()
            .any(|e| e.contains("member 2 left the membership")),
        "{:?}",
        event_texts(&s)
    );
    // Nothing probes it any more, even though the connect string may name it.
    let targets = match &fx[..] {
        [Effect::SetTargets(t)] => t.clone(),
        other => panic!("{other:?}"),
    };
    assert!(
        targets.iter().all(|t| t.address != "127.0.0.1:2182"),
        "{targets:?}"
    );
    assert!(s.targets().iter().all(|t| t.address != "127.0.0.1:2182"));
}

#[test]
fn joiners_added_by_reconfig_vote_at_once_and_the_quorum_never_looks_lost() {
    use zkconsole::probe::types::ServerMode;
    let mut s = state(false, false);
    let one = "server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\nversion=100000000\n";
    live_membership(&mut s, one);
    let member = |id, role, mode| {
        let mut m = snap(id, role, 0);
        m.mode = Some(mode);
        m
    };
    feed(
        &mut s,
        &[
            member(1, Role::Leader, ServerMode::Leader),
            member(2, Role::Follower, ServerMode::Follower),
            member(3, Role::Follower, ServerMode::Follower),
        ],
    );
    let role_of =
        |s: &zkconsole::app::State, id| s.members[&zkconsole::app::MemberKey::Id(id)].snap.role;
    assert_eq!(role_of(&s, 2), Role::NonVoting);
    assert!(s.health.has_quorum);
    // 1 -> 3 committed: the new membership arrives before the joiners' next probe.
    live_membership(&mut s, CONFIG);
    assert_eq!(role_of(&s, 2), Role::Follower);
    assert_eq!(role_of(&s, 3), Role::Follower);
    assert!(s.health.has_quorum);
    assert_eq!(s.health.live_voters, 3);
    let ev = event_texts(&s);
    assert!(ev.iter().all(|e| !e.contains("quorum lost")), "{ev:?}");
}

#[test]
fn a_dead_connect_string_entry_outside_the_membership_is_dropped_not_a_warning() {
    let mut s = state(false, false);
    live_membership(&mut s, CONFIG);
    feed_three_voters(&mut s);
    assert_eq!(s.health.level, zkconsole::config::Level::Ok);
    let mut stale = snap(9, Role::Down, 0);
    stale.id = None;
    stale.address = "127.0.0.1:2199".into();
    feed(&mut s, &[stale]);
    assert_eq!(s.members.len(), 3, "{:?}", s.members.keys());
    assert_eq!(s.health.level, zkconsole::config::Level::Ok);
    assert!(
        event_texts(&s)
            .iter()
            .any(|e| e.contains("127.0.0.1:2199 (from the connect string) is not a member")),
        "{:?}",
        event_texts(&s)
    );
    // A member that goes down stays, as always.
    feed(&mut s, &[snap(2, Role::Down, 0)]);
    assert_eq!(s.members.len(), 3);
}

#[test]
fn a_late_answer_from_a_seed_poller_joins_its_member_row() {
    let mut s = state(false, false);
    live_membership(&mut s, CONFIG);
    feed_three_voters(&mut s);
    // Probed as a seed before the membership named it: no id on the answer.
    let mut late = snap(2, Role::Follower, 0);
    late.id = None;
    feed(&mut s, &[late]);
    assert_eq!(s.members.len(), 3, "{:?}", s.members.keys());
}

#[test]
fn a_membership_rewritten_by_recovery_shows_at_once_though_its_version_is_the_same() {
    let mut s = state(false, true);
    live_membership(&mut s, CONFIG);
    feed(
        &mut s,
        &[
            snap(1, Role::NotServing, 0),
            snap(2, Role::Down, 0),
            snap(3, Role::Down, 0),
        ],
    );
    assert!(!s.health.has_quorum);
    // The recovery workflow read the survivors' membership back: only 1, version unchanged.
    let survivors = "server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\nversion=100000000\n";
    s.update(Msg::Workflow(zkconsole::app::WorkflowMsg::Membership(
        EnsembleConfig::parse(survivors).unwrap(),
    )));
    feed(&mut s, &[snap(1, Role::Leader, 0)]);
    assert!(s.health.has_quorum);
    assert_eq!(s.health.voters, 1);
    assert_eq!(s.members.len(), 1, "{:?}", s.members.keys());
    assert!(
        event_texts(&s)
            .iter()
            .any(|e| e.contains("membership changed")),
        "{:?}",
        event_texts(&s)
    );
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
    // Without a sandbox `K` is no key at all, and the `y` after it copies, never kills.
    assert!(
        !plain
            .update(Msg::Key(KeyInput::ch('y')))
            .iter()
            .any(|e| matches!(e, Effect::Drill(..))),
        "no drills without a sandbox"
    );
}

#[test]
fn command_mode_and_navigation() {
    let mut s = state(false, false);
    feed_three_voters(&mut s);
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
    live_membership(&mut s, CONFIG);
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
            ..Default::default()
        },
        snap: Box::new(stale),
        at: std::time::Instant::now(),
    });
    assert!(s.members.is_empty());
}

mod wizard {
    use super::*;
    use zkconsole::app::wizard::{situation, Situation, Stage};
    use zkconsole::app::Input;

    fn press(s: &mut zkconsole::app::State, keys: &str) -> Vec<Effect> {
        let mut fx = Vec::new();
        for c in keys.chars() {
            fx.extend(s.update(Msg::Key(KeyInput::ch(c))));
        }
        fx
    }

    fn enter(s: &mut zkconsole::app::State) -> Vec<Effect> {
        s.update(Msg::Key(KeyInput::plain(KeyCode::Enter)))
    }

    fn healthy() -> zkconsole::app::State {
        let mut s = state(false, false);
        feed_three_voters(&mut s);
        s
    }

    #[test]
    fn expand_on_a_real_ensemble_watches_the_new_member_and_needs_the_typed_phrase() {
        let mut s = healthy();
        press(&mut s, "w");
        assert_eq!(s.view, View::Workflow);
        press(&mut s, "e");
        let w = s.wizard.as_ref().unwrap();
        assert_eq!(w.stage, Stage::Compose);
        assert_eq!(w.fields[0].value(), "4", "the next free id is proposed");
        assert!(enter(&mut s).is_empty(), "no host yet: nothing starts");
        assert_eq!(s.wizard.as_ref().unwrap().stage, Stage::Compose);
        s.update(Msg::Key(KeyInput::plain(KeyCode::Down)));
        s.update(Msg::Key(KeyInput::plain(KeyCode::Down)));
        press(&mut s, "10.0.0.4");
        let fx = enter(&mut s);
        // The new member is probed from now on, before it is a member.
        match &fx[..] {
            [Effect::SetTargets(t)] => assert!(t.iter().any(|t| t.id == Some(4))),
            other => panic!("{other:?}"),
        }
        assert_eq!(s.wizard.as_ref().unwrap().stage, Stage::Prepare);
        // It runs and syncs as a non-voting follower.
        let mut joiner = snap(4, Role::Follower, 0);
        joiner.address = "10.0.0.4:2181".into();
        feed(&mut s, &[joiner]);
        enter(&mut s);
        let w = s.wizard.as_ref().unwrap();
        assert_eq!(w.stage, Stage::Review);
        let plan = w.plan.as_ref().unwrap();
        assert_eq!(plan.steps.len(), 1);
        assert_eq!(plan.steps[0].preview.voters_after.len(), 4);
        enter(&mut s);
        assert_eq!(s.wizard.as_ref().unwrap().stage, Stage::Confirm);
        press(&mut s, "add 5");
        assert!(
            enter(&mut s).is_empty(),
            "a wrong phrase must not run anything"
        );
        for _ in 0.."add 5".len() {
            s.update(Msg::Key(KeyInput::plain(KeyCode::Backspace)));
        }
        press(&mut s, "add 4");
        match &enter(&mut s)[..] {
            [Effect::Execute {
                steps,
                stop_removed,
            }] => {
                assert_eq!(steps.len(), 1);
                assert!(!stop_removed, "never stop servers of a real ensemble");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.wizard.as_ref().unwrap().stage, Stage::Running);
        s.update(Msg::Workflow(zkconsole::app::WorkflowMsg::Finished(Ok(
            "done".into(),
        ))));
        assert_eq!(s.wizard.as_ref().unwrap().stage, Stage::Done);
    }

    #[test]
    fn an_unsafe_plan_cannot_be_confirmed() {
        let mut s = healthy();
        press(&mut s, "we");
        s.update(Msg::Key(KeyInput::plain(KeyCode::Down)));
        s.update(Msg::Key(KeyInput::plain(KeyCode::Down)));
        press(&mut s, "10.0.0.9");
        enter(&mut s);
        // The new member never answers: adding it as a voter is blocked.
        enter(&mut s);
        let w = s.wizard.as_ref().unwrap();
        assert!(!w.plan.as_ref().unwrap().safe);
        enter(&mut s);
        assert_eq!(s.wizard.as_ref().unwrap().stage, Stage::Review);
    }

    #[test]
    fn shrink_plans_the_removal_and_asks_for_it_by_name() {
        let mut s = healthy();
        press(&mut s, "ws");
        press(&mut s, "j ");
        enter(&mut s);
        let w = s.wizard.as_ref().unwrap();
        assert_eq!(w.stage, Stage::Review);
        assert_eq!(w.phrase(), "remove 2");
        assert_eq!(w.plan.as_ref().unwrap().goal_config.voter_ids().len(), 2);
    }

    fn screen(s: &zkconsole::app::State, w: u16, h: u16) -> String {
        use ratatui::{backend::TestBackend, Terminal};
        let themes = zkconsole::ui::theme::Themes::load(None);
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| zkconsole::ui::draw(f, s, themes.get("dark")))
            .unwrap();
        let b = t.backend().buffer().clone();
        (0..h)
            .map(|y| (0..w).map(|x| b[(x, y)].symbol()).collect::<String>() + "\n")
            .collect()
    }

    #[test]
    fn the_cursor_stays_on_the_chosen_member_when_rows_reorder() {
        let mut s = healthy();
        press(&mut s, "j");
        let chosen = s.selected_member().unwrap().snap.id;
        assert_eq!(chosen, Some(2));
        // Every sort order, both directions, and a filter typed and cleared: still member 2.
        for _ in 0..6 {
            press(&mut s, "s");
            assert_eq!(s.selected_member().unwrap().snap.id, chosen, "{:?}", s.sort);
        }
        press(&mut s, "S");
        assert_eq!(s.selected_member().unwrap().snap.id, chosen);
        // A filter that hides it moves the cursor to what is shown; clearing the filter
        // keeps the cursor there rather than jumping to whatever took the row.
        press(&mut s, "/lead");
        assert_eq!(s.selected_member().unwrap().snap.id, Some(3));
        for _ in 0.."lead".len() {
            s.update(Msg::Key(KeyInput::plain(KeyCode::Backspace)));
        }
        assert_eq!(s.filter, "");
        assert_eq!(s.selected_member().unwrap().snap.id, Some(3));
    }

    #[test]
    fn a_plan_taller_than_the_screen_scrolls_and_says_what_is_out_of_view() {
        let mut s = healthy();
        press(&mut s, "ws");
        press(&mut s, "j ");
        enter(&mut s);
        s.update(Msg::Resize(80, 18));
        let top = screen(&s, 80, 18);
        assert!(top.contains("more lines"), "{top}");
        // The keys are pinned under the scrolled plan: always in view.
        assert!(top.contains("enter confirm"), "{top}");
        s.update(Msg::Key(KeyInput::plain(KeyCode::End)));
        let end = screen(&s, 80, 18);
        assert!(end.contains("enter confirm"), "{end}");
        assert!(end.contains("above"), "{end}");
        // Keys past the end pile nothing up: one `k` scrolls back one line at once.
        for _ in 0..5 {
            s.update(Msg::Key(KeyInput::ch('j')));
        }
        s.update(Msg::Key(KeyInput::ch('k')));
        let back = screen(&s, 80, 18);
        assert!(back.contains("↑") && back.contains("↓ 1 below"), "{back}");
        // Tall enough: everything at once, no scroll note.
        s.update(Msg::Resize(80, 60));
        assert_eq!(
            s.wizard.as_ref().unwrap().scroll,
            0,
            "nothing left to scroll"
        );
        let all = screen(&s, 80, 60);
        assert!(
            all.contains("enter confirm") && !all.contains("more lines"),
            "{all}"
        );
    }

    #[test]
    fn quorum_loss_offers_recovery_with_the_freshest_survivor() {
        let mut s = state(false, true);
        let mut a = snap(1, Role::Follower, 0);
        a.zxid = Some(0x1_0000_0009);
        feed(
            &mut s,
            &[a, snap(2, Role::Follower, 0), snap(3, Role::Leader, 0)],
        );
        feed(
            &mut s,
            &[
                snap(1, Role::NotServing, 0),
                snap(2, Role::Down, 0),
                snap(3, Role::Down, 0),
            ],
        );
        let snaps = s.snapshots();
        assert_eq!(
            situation(s.health.has_quorum, s.health.leader, &snaps),
            Situation::QuorumLost
        );
        press(&mut s, "wr");
        let w = s.wizard.as_ref().unwrap();
        assert!(
            w.picked.contains(&1) && !w.picked.contains(&2),
            "survivors are the members still answering"
        );
        assert_eq!(s.freshest(&w.picked), Some(1));
        enter(&mut s);
        press(&mut s, "recover 1");
        match &enter(&mut s)[..] {
            [Effect::Recover { survivors }] => assert_eq!(survivors, &vec![1]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn on_equal_zxids_the_freshest_survivor_is_one_still_answering() {
        let mut s = state(false, true);
        let at = |id, role| snap_at(id, role, 0x3_0000_0003);
        feed(
            &mut s,
            &[
                at(1, Role::Follower),
                at(2, Role::Follower),
                at(3, Role::Leader),
            ],
        );
        feed(
            &mut s,
            &[
                snap(1, Role::Down, 0),
                at(2, Role::NotServing),
                snap(3, Role::Down, 0),
            ],
        );
        let all: std::collections::BTreeSet<u64> = [1, 2, 3].into();
        assert_eq!(
            s.freshest(&all),
            Some(2),
            "2 still answers; 1 and 3 are down"
        );
        press(&mut s, "wr");
        let screen = screen(&s, 100, 30);
        assert!(screen.contains("down         last zxid"), "{screen}");
        assert!(screen.contains("not-serving  last zxid"), "{screen}");
        // The first thing offered is starting the lost members again, not the rewrite.
        assert!(
            screen.contains("First choice: start the lost members"),
            "{screen}"
        );
        match &press(&mut s, "r")[..] {
            [Effect::Drill(_, id)] => assert_eq!(*id, 1, "the member at the cursor"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_workflow_menu_starts_on_recover_when_something_is_wrong() {
        let mut s = healthy();
        press(&mut s, "w");
        assert_eq!(
            s.wizard.as_ref().unwrap().cursor,
            0,
            "healthy: expand first"
        );
        s.update(Msg::Key(KeyInput::plain(KeyCode::Esc)));
        feed(&mut s, &[snap(2, Role::Down, 0)]);
        press(&mut s, "w");
        assert_eq!(
            s.wizard.as_ref().unwrap().cursor,
            2,
            "a member down: recover first"
        );
    }

    #[test]
    fn leaving_out_the_member_with_most_history_is_called_out() {
        let mut s = state(false, true);
        let at = snap_at;
        feed(
            &mut s,
            &[
                at(1, Role::Follower, 0x1_0000_0005),
                at(2, Role::Leader, 0x2_0000_0000),
                at(3, Role::Follower, 0x1_0000_0005),
            ],
        );
        feed(
            &mut s,
            &[
                at(1, Role::NotServing, 0x1_0000_0005),
                snap(2, Role::Down, 0),
                snap(3, Role::Down, 0),
            ],
        );
        press(&mut s, "wr");
        // The default survivors are the members that answer: 1 only.
        let screen = screen(&s, 120, 40);
        assert!(
            screen.contains("member 2 (last zxid 0x200000000) has more history"),
            "{screen}"
        );
        assert!(screen.contains("of the survivors kept"), "{screen}");
    }

    #[test]
    fn read_only_has_no_workflows() {
        let mut s = state(true, true);
        feed(&mut s, &[snap(1, Role::Follower, 0)]);
        press(&mut s, "w");
        assert_eq!(s.view, View::Dashboard);
        assert!(s.wizard.is_none());
        assert_eq!(s.input, Input::Normal);
    }
}

/// Every prompt edits through one text input: cursor, word delete, home/end, paste, history.
mod text_inputs {
    use super::*;
    use zkconsole::app::tree::{TreeInput, TreeMsg, TreeRequest};
    use zkconsole::app::Input;
    use zkconsole::config::Level;
    use zkconsole::tree::node::NodeStat;

    fn key(s: &mut zkconsole::app::State, k: KeyInput) -> Vec<Effect> {
        s.update(Msg::Key(k))
    }

    fn typed(s: &mut zkconsole::app::State, text: &str) -> Vec<Effect> {
        text.chars()
            .flat_map(|c| s.update(Msg::Key(KeyInput::ch(c))))
            .collect()
    }

    fn plain(code: KeyCode) -> KeyInput {
        KeyInput::plain(code)
    }

    /// A browser open at `/` with children `a`, `b`.
    fn browser(read_only: bool) -> zkconsole::app::State {
        let mut s = state(read_only, false);
        let _ = s.open_tree(Some("/"));
        s.update(Msg::Tree(TreeMsg::Children {
            path: "/".into(),
            result: Ok((vec!["a".into(), "b".into()], NodeStat::default())),
        }));
        s
    }

    fn opened(fx: &[Effect]) -> Option<String> {
        fx.iter().find_map(|e| match e {
            Effect::Tree(TreeRequest::List { path }) => Some(path.clone()),
            _ => None,
        })
    }

    #[test]
    fn the_path_prompt_edits_at_the_cursor_and_remembers_earlier_paths() {
        let mut s = browser(false);
        typed(&mut s, "p");
        // The prompt starts with the open path; ctrl-u clears it as in a shell.
        key(&mut s, KeyInput::ctrl('u'));
        typed(&mut s, "/app/config/db");
        // ctrl-w removes one path segment; alt-backspace another.
        key(&mut s, KeyInput::ctrl('w'));
        key(&mut s, KeyInput::alt(KeyCode::Backspace));
        typed(&mut s, "zoo");
        // Home, then a character inserted at the front, then deleted again.
        key(&mut s, plain(KeyCode::Home));
        typed(&mut s, "x");
        key(&mut s, plain(KeyCode::Left));
        key(&mut s, plain(KeyCode::Delete));
        let fx = key(&mut s, plain(KeyCode::Enter));
        assert_eq!(opened(&fx).as_deref(), Some("/app/zoo"));
        // Up recalls it in the next prompt, down returns to what was there.
        typed(&mut s, "p");
        key(&mut s, plain(KeyCode::Up));
        match &s.tree.as_ref().unwrap().input {
            TreeInput::Jump(b) => assert_eq!(b.value(), "/app/zoo"),
            other => panic!("{other:?}"),
        }
        key(&mut s, plain(KeyCode::Down));
        match &s.tree.as_ref().unwrap().input {
            TreeInput::Jump(b) => assert_eq!(b.value(), "/app/zoo", "the open path"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_paste_goes_into_the_create_box_without_its_newlines() {
        let mut s = browser(false);
        typed(&mut s, "c");
        s.update(Msg::Paste("new\nnode\r\n".into()));
        key(&mut s, plain(KeyCode::Tab));
        s.update(Msg::Paste("{\"k\": 1}\n".into()));
        let fx = key(&mut s, plain(KeyCode::Enter));
        match &fx[..] {
            [Effect::Tree(TreeRequest::Create { path, data, .. })] => {
                assert_eq!(path, "/newnode");
                assert_eq!(data, b"{\"k\": 1}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_paste_never_runs_a_command_or_confirms_a_drill() {
        let mut s = state(false, true);
        feed(&mut s, &[snap(1, Role::Follower, 0)]);
        typed(&mut s, ":");
        assert!(s.update(Msg::Paste("q\n".into())).is_empty());
        assert_eq!(s.input, Input::Command("q".into()));
        key(&mut s, plain(KeyCode::Esc));
        typed(&mut s, "K");
        assert!(s.update(Msg::Paste("y".into())).is_empty());
        assert!(matches!(s.input, Input::Confirm(..)), "still asking");
    }

    #[test]
    fn the_filter_edits_mid_text_and_filters_as_it_changes() {
        let mut s = state(false, false);
        feed(
            &mut s,
            &[snap(1, Role::Follower, 0), snap(3, Role::Leader, 0)],
        );
        typed(&mut s, "/lr");
        key(&mut s, plain(KeyCode::Left));
        typed(&mut s, "ea");
        key(&mut s, KeyInput::ctrl('a'));
        key(&mut s, plain(KeyCode::Delete));
        typed(&mut s, "l");
        key(&mut s, plain(KeyCode::Right));
        key(&mut s, plain(KeyCode::Right));
        typed(&mut s, "de");
        key(&mut s, KeyInput::ctrl('e'));
        assert_eq!(s.filter, "leader");
        assert_eq!(s.rows().len(), 1);
        key(&mut s, plain(KeyCode::Enter));
        assert_eq!(s.input, Input::Normal);
        assert_eq!(s.filter, "leader", "enter keeps the filter");
    }

    #[test]
    fn the_command_prompt_recalls_earlier_commands() {
        let mut s = state(false, false);
        typed(&mut s, ":theme light");
        key(&mut s, plain(KeyCode::Enter));
        typed(&mut s, ":");
        key(&mut s, plain(KeyCode::Up));
        assert_eq!(s.input, Input::Command("theme light".into()));
    }

    #[test]
    fn the_role_is_a_choice_not_free_text() {
        let mut s = super::wizard_fixture();
        typed(&mut s, "we");
        key(&mut s, plain(KeyCode::Down));
        let w = s.wizard.as_ref().unwrap();
        assert_eq!(w.focused_field(), 1);
        assert_eq!(w.role(), zkconsole::ensemble::LearnerType::Participant);
        // Letters do not edit it; right (or space) flips it.
        typed(&mut s, "xyz");
        key(&mut s, plain(KeyCode::Right));
        let w = s.wizard.as_ref().unwrap();
        assert_eq!(w.role(), zkconsole::ensemble::LearnerType::Observer);
        assert!(w.fields.iter().all(|f| !f.value().contains("xyz")));
        typed(&mut s, " ");
        assert_eq!(
            s.wizard.as_ref().unwrap().role(),
            zkconsole::ensemble::LearnerType::Participant
        );
        key(&mut s, plain(KeyCode::Left));
        key(&mut s, plain(KeyCode::Down));
        typed(&mut s, "10.0.0.4");
        let spec = s.wizard.as_ref().unwrap().form_spec().unwrap();
        assert_eq!(
            spec.learner_type,
            zkconsole::ensemble::LearnerType::Observer
        );
    }

    #[test]
    fn a_mistyped_delete_confirmation_says_it_does_not_match() {
        let mut s = browser(false);
        s.update(Msg::Tree(TreeMsg::Node {
            path: "/a".into(),
            result: Ok(zkconsole::app::tree::NodeDetail {
                stat: NodeStat::default(),
                data: Vec::new(),
                acl: Ok(Vec::new()),
            }),
        }));
        typed(&mut s, "D");
        s.update(Msg::Tree(TreeMsg::Count {
            path: "/a".into(),
            result: Ok(0),
        }));
        typed(&mut s, "delete b");
        assert!(key(&mut s, plain(KeyCode::Enter)).is_empty());
        let (level, text) = s.flash.clone().expect("a mistyped phrase is answered");
        assert_eq!(level, Level::Warn);
        assert!(
            text.contains("does not match") && text.contains("delete a"),
            "{text}"
        );
        key(&mut s, plain(KeyCode::Backspace));
        typed(&mut s, "a");
        match &key(&mut s, plain(KeyCode::Enter))[..] {
            [Effect::Tree(TreeRequest::Delete { path, .. })] => assert_eq!(path, "/a"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn read_only_says_so_when_a_write_key_is_pressed() {
        let mut s = state(true, true);
        feed(&mut s, &[snap(1, Role::Follower, 0)]);
        for k in ["w", "K"] {
            typed(&mut s, k);
            let (_, text) = s.flash.clone().unwrap_or_else(|| panic!("{k}: silent"));
            assert!(text.contains("read-only"), "{k}: {text}");
            assert_eq!(s.view, View::Dashboard);
        }
        let mut s = browser(true);
        for k in ["c", "E", "D"] {
            s.flash = None;
            assert!(typed(&mut s, k).is_empty(), "{k}");
            let (_, text) = s.flash.clone().unwrap_or_else(|| panic!("{k}: silent"));
            assert!(text.contains("read-only"), "{k}: {text}");
            assert_eq!(s.tree.as_ref().unwrap().input, TreeInput::None);
        }
    }
}

/// Time and the terminal's size arrive as messages; the model reads no clock.
mod messages_not_globals {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn events_are_stamped_with_the_time_of_the_clock_message() {
        let mut s = state(false, false);
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        s.update(Msg::Clock(t));
        feed(
            &mut s,
            &[snap(1, Role::Leader, 0), snap(2, Role::Follower, 0)],
        );
        feed(&mut s, &[snap(1, Role::Down, 0)]);
        let e = s
            .events
            .newest()
            .next()
            .expect("the leader's loss is an event");
        assert_eq!(e.at, t);
    }

    #[test]
    fn help_scrolls_within_the_viewport_without_a_frame_drawn() {
        let mut s = state(false, true);
        s.update(Msg::Resize(100, 20));
        s.update(Msg::Key(KeyInput::ch('?')));
        s.update(Msg::Key(KeyInput::plain(KeyCode::End)));
        let total = s.help_lines().len();
        assert_eq!(s.help_scroll, total - (20 - 5 - 2));
        // A taller terminal shows more: the offset shrinks to what is left to scroll.
        s.update(Msg::Resize(100, 200));
        assert_eq!(s.help_scroll, 0);
    }
}

/// A healthy 3-member state (shared by the modules above).
fn wizard_fixture() -> zkconsole::app::State {
    let mut s = state(false, false);
    feed_three_voters(&mut s);
    s
}
