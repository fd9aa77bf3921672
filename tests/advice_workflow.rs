//! The scaling advice opens its workflow pre-filled, from the problems view: enter on an
//! advice line (tab picks one). Nothing runs by itself: the workflow stops at its form, no
//! effect is returned, and --read-only opens no workflow at all.

mod synthetic;

use zkconsole::advisor::Kind;
use zkconsole::app::keys::{KeyCode, KeyInput};
use zkconsole::app::wizard::{Flow, Stage};
use zkconsole::app::{Msg, State, View};
use zkconsole::ensemble::spec::LearnerType;
use zkconsole::probe::types::{MetricValue, Role};

fn key(s: &mut State, k: KeyInput) -> Vec<zkconsole::app::Effect> {
    s.update(Msg::Key(k))
}

fn enter(s: &mut State) -> Vec<zkconsole::app::Effect> {
    key(s, KeyInput::plain(KeyCode::Enter))
}

/// `n` voters, leader 3; every member reports `outstanding` and member 1 `conns1`
/// connections (the others 4); the advisor speaks at once.
fn ensemble(read_only: bool, n: u64, outstanding: i64, conns1: i64) -> State {
    let mut s = synthetic::state(read_only, false);
    s.config.advisor.high_minutes = 0;
    s.config.advisor.low_minutes = 0;
    s.config.advisor.imbalance_minutes = 0;
    let mut text = String::new();
    for id in 1..=n {
        text.push_str(&format!(
            "server.{id}=127.0.0.1:{}:{}:participant;127.0.0.1:218{id}\n",
            2887 + id,
            3887 + id
        ));
    }
    text.push_str("version=100000000\n");
    synthetic::live_membership(&mut s, &text);
    let round: Vec<_> = (1..=n)
        .map(|id| {
            let role = if id == 3 {
                Role::Leader
            } else {
                Role::Follower
            };
            let mut sn = synthetic::snap(id, role, outstanding);
            if id == 1 {
                sn.metrics
                    .insert("num_alive_connections".into(), MetricValue::Int(conns1));
            }
            sn
        })
        .collect();
    for _ in 0..3 {
        synthetic::feed(&mut s, &round);
    }
    key(&mut s, KeyInput::ch('p'));
    assert_eq!(s.view, View::Problems);
    s
}

/// Tab until the picked advice is of `kind`.
fn pick(s: &mut State, kind: Kind) {
    for _ in 0..s.load.advice.len() {
        if s.load.advice[s.load.advice_cursor].kind == kind {
            return;
        }
        key(s, KeyInput::plain(KeyCode::Tab));
    }
    panic!("no {kind:?} advice: {:#?}", s.load.advice);
}

#[test]
fn an_even_voter_count_opens_expand_for_one_voter() {
    let mut s = ensemble(false, 4, 0, 4);
    pick(&mut s, Kind::FixEvenVoters);
    assert!(enter(&mut s).is_empty(), "nothing runs by itself");
    assert_eq!(s.view, View::Workflow);
    let w = s.wizard.as_ref().expect("a workflow");
    assert_eq!((w.flow, w.stage), (Flow::Expand, Stage::Compose));
    assert_eq!(w.role(), LearnerType::Participant);
    // The form is pre-filled with the next free id.
    assert_eq!(w.fields[0].value(), "5");
}

#[test]
fn high_load_everywhere_opens_expand_with_the_observer_role() {
    // Outstanding 95 of a critical 100 on every member: load 0.95 ≥ high_load 0.8.
    let mut s = ensemble(false, 3, 95, 4);
    pick(&mut s, Kind::AddObserver);
    assert!(enter(&mut s).is_empty());
    let w = s.wizard.as_ref().expect("a workflow");
    assert_eq!((w.flow, w.stage), (Flow::Expand, Stage::Compose));
    assert_eq!(w.role(), LearnerType::Observer);
}

#[test]
fn low_load_on_five_voters_opens_shrink_with_two_followers_picked_never_the_leader() {
    let mut s = ensemble(false, 5, 0, 4);
    pick(&mut s, Kind::Shrink);
    assert!(enter(&mut s).is_empty());
    let w = s.wizard.as_ref().expect("a workflow");
    assert_eq!((w.flow, w.stage), (Flow::Shrink, Stage::Compose));
    assert_eq!(w.picked.iter().copied().collect::<Vec<_>>(), [4, 5]);
}

#[test]
fn a_busy_member_opens_the_clients_view_of_that_member() {
    let mut s = ensemble(false, 3, 0, 100);
    pick(&mut s, Kind::ConnectionBalance);
    enter(&mut s);
    assert_eq!(s.view, View::Clients);
    assert_eq!(s.selected_member().and_then(|m| m.snap.id), Some(1));
    assert!(s.wizard.is_none());
}

#[test]
fn read_only_opens_no_workflow_and_says_why() {
    let mut s = ensemble(true, 4, 0, 4);
    pick(&mut s, Kind::FixEvenVoters);
    assert!(enter(&mut s).is_empty());
    assert!(s.wizard.is_none());
    assert_eq!(s.view, View::Problems);
    let (_, text) = s.flash.clone().expect("a message");
    assert!(text.contains("read-only"), "{text}");
}
