//! A round of probes applied at once (`State::update_round`, as the fleet does): the model
//! ends where one-by-one updates end, but derives the ensemble once, from the whole round.

mod synthetic;

use std::time::Instant;
use synthetic::{feed, feed_three_voters, snap, snap_at, state};
use zkconsole::app::{Effect, Msg, State};
use zkconsole::ensemble::member::MemberSnapshot;
use zkconsole::probe::member::ProbeTarget;
use zkconsole::probe::types::Role;

fn probed(sn: &MemberSnapshot) -> Msg {
    Msg::Probed {
        gen: 0,
        target: ProbeTarget {
            id: sn.id,
            address: sn.address.clone(),
            ..ProbeTarget::default()
        },
        snap: Box::new(sn.clone()),
        at: Instant::now(),
    }
}

fn leadership_events(s: &State) -> Vec<String> {
    s.events
        .newest()
        .map(|e| e.text.clone())
        .filter(|t| t.starts_with("leader"))
        .collect()
}

#[test]
fn a_round_ends_where_one_by_one_ends_and_its_events_tell_the_round_not_its_order() {
    // Leader 3 stopped answering; 1 was elected in epoch 2 (3's answer came first).
    let round = [
        snap(3, Role::Unresponsive, 0),
        snap_at(2, Role::Follower, 0x2_0000_0000),
        snap_at(1, Role::Leader, 0x2_0000_0000),
    ];
    let mut one_by_one = state(false, false);
    feed_three_voters(&mut one_by_one);
    feed(&mut one_by_one, &round);

    let mut at_once = state(false, false);
    feed_three_voters(&mut at_once);
    let effects = at_once.update_round(round.iter().map(probed).collect());

    assert!(effects.is_empty(), "{effects:?}");
    for s in [&one_by_one, &at_once] {
        assert_eq!(s.health.leader, Some(1));
        assert!(s.health.has_quorum);
        assert_eq!(s.health.live_voters, 2);
        assert_eq!(
            s.members[&zkconsole::app::MemberKey::Id(3)].snap.role,
            Role::Unresponsive
        );
    }
    assert_eq!(one_by_one.health.problems, at_once.health.problems);
    // One by one, the moment between 3's answer and 1's looked leaderless.
    assert!(
        leadership_events(&one_by_one)
            .iter()
            .any(|e| e.contains("no leader")),
        "{:?}",
        leadership_events(&one_by_one)
    );
    assert_eq!(
        leadership_events(&at_once),
        ["leader elected: member 1 (was 3)"],
        "the round: one change, from 3 to 1"
    );
}

#[test]
fn a_round_of_new_ids_retargets_the_pollers_once() {
    let mut s = state(false, false);
    // Seeds probed before their ids were known: each answer names its member.
    let round: Vec<Msg> = [1, 2, 3]
        .iter()
        .map(|id| {
            let sn = snap(*id, Role::Follower, 0);
            Msg::Probed {
                gen: 0,
                target: ProbeTarget {
                    id: None,
                    address: format!("10.9.9.{id}:2181"),
                    ..ProbeTarget::default()
                },
                snap: Box::new(sn),
                at: Instant::now(),
            }
        })
        .collect();
    let effects = s.update_round(round);
    let retargets = effects
        .iter()
        .filter(|e| matches!(e, Effect::SetTargets(_)))
        .count();
    assert_eq!(retargets, 1, "{effects:?}");
    assert_eq!(s.members.len(), 3);
}
