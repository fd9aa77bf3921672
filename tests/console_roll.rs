//! The rolling restart in the console: the model (keys → states, pause, resume, abort, the
//! override of a refused step, read-only), and a real sandbox rolled from the console in tmux.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;
mod synthetic;

use common::all_serving;
use common::console::{sandbox_console_cmd, sandbox_in};
use common::tmux::Tmux;
use std::time::{Duration, Instant};
use synthetic::{feed, snap, state};
use zkconsole::app::keys::{KeyCode, KeyInput};
use zkconsole::app::roll::{HostKind, RollMsg, RollRequest, RollStage, StepState};
use zkconsole::app::{Effect, Msg, State, View};
use zkconsole::probe::types::Role;
use zkconsole::workflow::roll::{
    Condition, Control, Decision, HandoffMode, JournalInfo, Phase, RollEvent, RollOutcome,
    StepPreview,
};

fn press(s: &mut State, keys: &str) -> Vec<Effect> {
    keys.chars()
        .flat_map(|c| s.update(Msg::Key(KeyInput::ch(c))))
        .collect()
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    s.update(Msg::Key(KeyInput::plain(code)))
}

fn healthy(read_only: bool, sandbox: bool) -> State {
    let mut s = state(read_only, sandbox);
    let round = [
        snap(1, Role::Follower, 0),
        snap(2, Role::Follower, 0),
        snap(3, Role::Leader, 0),
    ];
    feed(&mut s, &round);
    feed(&mut s, &round);
    s
}

fn event(s: &mut State, e: RollEvent) {
    s.update(Msg::Roll(RollMsg::Event(e)));
}

fn preview(id: u64, refusal: Option<&str>) -> StepPreview {
    StepPreview {
        id,
        voter: true,
        leader: id == 3,
        voters: 3,
        quorum: 2,
        live_voters_now: 3,
        live_voters_while_down: 2,
        tolerance_while_down: Some(0),
        refusal: refusal.map(str::to_string),
        note: format!("while member {id} restarts, 2 of 3 voters serve"),
    }
}

fn roll(s: &State) -> &zkconsole::app::roll::RollView {
    s.roll.as_ref().expect("a roll view")
}

/// `w` → `l`, enter, the phrase, enter: the roll starts with the leader last.
fn started(sandbox: bool) -> State {
    let mut s = healthy(false, sandbox);
    let fx = press(&mut s, "wl");
    assert_eq!(s.view, View::Roll);
    assert!(
        fx.contains(&Effect::Roll(RollRequest::LoadJournal)),
        "{fx:?}"
    );
    assert_eq!(roll(&s).order, [1, 2, 3], "the leader (3) goes last");
    assert_eq!(roll(&s).stage, RollStage::Plan);
    key(&mut s, KeyCode::Enter);
    assert_eq!(roll(&s).stage, RollStage::Confirm);
    // A wrong phrase starts nothing.
    press(&mut s, "restart 1");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert_eq!(roll(&s).stage, RollStage::Confirm);
    press(&mut s, ",2,3");
    let fx = key(&mut s, KeyCode::Enter);
    assert_eq!(
        fx,
        [Effect::Roll(RollRequest::Start {
            order: vec![1, 2, 3],
            resume: false,
            handoff: HandoffMode::Auto,
        })]
    );
    assert_eq!(roll(&s).stage, RollStage::Running);
    s
}

#[test]
fn the_roll_is_planned_confirmed_and_its_progress_shown() {
    let mut s = started(true);
    assert_eq!(roll(&s).host, HostKind::Sandbox);
    event(&mut s, RollEvent::Preview(preview(1, None)));
    event(
        &mut s,
        RollEvent::Phase {
            id: 1,
            phase: Phase::Stopping,
        },
    );
    event(
        &mut s,
        RollEvent::Action {
            id: 1,
            action: "stop".into(),
            detail: "sandbox: SIGKILL member 1".into(),
        },
    );
    event(
        &mut s,
        RollEvent::ActionDone {
            id: 1,
            action: "stop".into(),
            ok: true,
            summary: "exit 0 after 3 ms".into(),
            output: "stopped\n".into(),
        },
    );
    assert_eq!(roll(&s).step(1), Some(&StepState::At(Phase::Stopping)));
    assert!(roll(&s).output.iter().any(|l| l == "stopped"));
    event(
        &mut s,
        RollEvent::Gate {
            id: 1,
            waiting: "settling".into(),
            conditions: vec![Condition {
                name: "serves in its role",
                met: true,
                detail: "member 1 serves as follower".into(),
            }],
        },
    );
    assert_eq!(roll(&s).step(1), Some(&StepState::At(Phase::Gating)));
    assert!(roll(&s).conditions[0].met);
    event(
        &mut s,
        RollEvent::Restarted {
            id: 1,
            elapsed_ms: 4200,
            elections: 0,
        },
    );
    assert!(matches!(roll(&s).step(1), Some(StepState::Done { .. })));
    // Esc leaves the screen, the roll goes on; `w` comes back to it, not to the menu.
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.view, View::Dashboard);
    press(&mut s, "w");
    assert_eq!(s.view, View::Roll);
    s.update(Msg::Roll(RollMsg::Finished(RollOutcome {
        restarted: vec![1, 2, 3],
        halted: None,
    })));
    assert_eq!(roll(&s).stage, RollStage::Done);
    assert!(s
        .events
        .newest()
        .any(|e| e.text.contains("rolling restart finished")));
}

#[test]
fn pause_resume_and_abort_go_to_the_engine() {
    let mut s = started(true);
    event(&mut s, RollEvent::Preview(preview(1, None)));
    assert_eq!(
        press(&mut s, "p"),
        [Effect::Roll(RollRequest::Control(Control::Pause))]
    );
    event(&mut s, RollEvent::Paused { id: 1 });
    assert!(roll(&s).paused);
    // Pausing again does nothing; resuming does.
    assert!(!press(&mut s, "p")
        .iter()
        .any(|e| matches!(e, Effect::Roll(_))));
    assert_eq!(
        press(&mut s, "r"),
        [Effect::Roll(RollRequest::Control(Control::Run))]
    );
    event(&mut s, RollEvent::Resumed { id: 1 });
    assert!(!roll(&s).paused);
    // Abort asks once more; any other key keeps the roll going.
    assert!(press(&mut s, "a").is_empty());
    assert!(press(&mut s, "n").is_empty());
    assert_eq!(roll(&s).control, Control::Run);
    press(&mut s, "a");
    assert_eq!(
        press(&mut s, "y"),
        [Effect::Roll(RollRequest::Control(Control::Abort))]
    );
    s.update(Msg::Roll(RollMsg::Finished(RollOutcome {
        restarted: vec![],
        halted: Some("aborted by the operator before member 1's stopping".into()),
    })));
    assert_eq!(roll(&s).stage, RollStage::Done);
    assert_eq!(roll(&s).step(1), Some(&StepState::Failed));
}

#[test]
fn a_refused_step_waits_for_the_typed_override_or_aborts() {
    let mut s = started(true);
    event(
        &mut s,
        RollEvent::Preview(preview(2, Some("member 1 is unresponsive"))),
    );
    assert_eq!(roll(&s).stage, RollStage::Override);
    press(&mut s, "override 1");
    assert!(
        key(&mut s, KeyCode::Enter).is_empty(),
        "not the member's id"
    );
    for _ in 0.."override 1".len() {
        key(&mut s, KeyCode::Backspace);
    }
    press(&mut s, "override 2");
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        [Effect::Roll(RollRequest::Decide(Decision::Override))]
    );
    assert_eq!(roll(&s).stage, RollStage::Running);
    // The next refusal: esc aborts, nothing more is restarted.
    event(
        &mut s,
        RollEvent::Preview(preview(3, Some("member 1 is unresponsive"))),
    );
    assert_eq!(
        key(&mut s, KeyCode::Esc),
        [Effect::Roll(RollRequest::Decide(Decision::Abort))]
    );
}

fn stopped_journal() -> JournalInfo {
    JournalInfo {
        order: vec![1, 2, 3],
        done: vec![1],
        current: Some((2, Phase::Gating)),
        outcome: None,
        run: None,
        whereabouts: "member 2 while Gating".into(),
        unfinished: true,
    }
}

#[test]
fn a_stopped_roll_is_shown_at_start_and_resumed() {
    let mut s = healthy(false, true);
    s.update(Msg::Roll(RollMsg::Journal(Some(stopped_journal()))));
    assert!(s
        .events
        .newest()
        .any(|e| e.text.contains("stopped at member 2")));
    press(&mut s, "wl");
    // `h` cycles the hand-off: auto → always → never; it is kept for the resumed roll.
    press(&mut s, "hh");
    // Enter does not start a new roll over the stopped one.
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    press(&mut s, "r");
    assert_eq!(roll(&s).stage, RollStage::Confirm);
    assert_eq!(roll(&s).phrase(), "resume 2,3");
    press(&mut s, "resume 2,3");
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        [Effect::Roll(RollRequest::Start {
            order: vec![2, 3],
            resume: true,
            handoff: HandoffMode::Never,
        })]
    );
}

#[test]
fn read_only_offers_no_roll_in_keys_or_hints() {
    let mut s = healthy(true, true);
    s.update(Msg::Roll(RollMsg::Journal(Some(stopped_journal()))));
    assert!(s
        .events
        .newest()
        .any(|e| e.text.contains("read-only: not resumed here")));
    let fx = press(&mut s, "wl");
    assert!(fx.is_empty(), "{fx:?}");
    assert_ne!(s.view, View::Roll);
    assert!(s.roll.is_none());
    s.flash = None;
    let themes = zkconsole::ui::theme::Themes::load(None);
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    t.draw(|f| zkconsole::ui::draw(f, &s, themes.get("dark")))
        .unwrap();
    let screen: String = t
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(!screen.contains("workflows"), "{screen}");
    assert!(!screen.contains("restart"), "{screen}");
}

#[test]
fn without_host_actions_the_roll_is_guided() {
    let mut s = healthy(false, false);
    press(&mut s, "wl");
    assert_eq!(roll(&s).host, HostKind::Guided);
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert_eq!(roll(&s).stage, RollStage::Plan);
    // `?` lists the roll's keys.
    press(&mut s, "?");
    assert!(s
        .help_lines()
        .iter()
        .any(|(k, _)| k == "rolling restart (w → l)"));
    press(&mut s, "?");
    assert_eq!(s.view, View::Roll);
    let fx = press(&mut s, "c");
    assert!(
        matches!(&fx[..], [Effect::Copy(t)] if t.contains("member 3 (the leader, last)")),
        "{fx:?}"
    );
}

// ---- A real sandbox, rolled from the console. ----

fn pids(dir: &std::path::Path) -> std::collections::BTreeMap<u64, Option<u32>> {
    let sb = zkconsole::sandbox::Sandbox::open(dir).expect("open sandbox");
    let out = sb.members().iter().map(|m| (m.id, m.pid)).collect();
    sb.detach();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_rolls_a_sandbox_of_three_leader_last() {
    let home = tempfile::tempdir().unwrap();
    let sb = sandbox_in(home.path(), 3).await;
    let dir = sb.dir().to_path_buf();
    let leader = sb.wait_for_leader(Duration::from_secs(60)).await.unwrap();
    all_serving(&sb, Duration::from_secs(60)).await;
    let before = pids(&dir);
    let name = format!("zkc-roll-{}", std::process::id());
    let tmux = Tmux::start_80x24(&name, &sandbox_console_cmd(home.path(), &[]));
    tmux.until("a leader", Duration::from_secs(30), |s| {
        s.contains("leader") && s.contains("members (3)")
    })
    .await;
    tmux.keys(&["w"]);
    tmux.until("the menu", Duration::from_secs(10), |s| {
        s.contains("rolling restart")
    })
    .await;
    tmux.keys(&["l"]);
    // On a loaded machine the first `l` can come before the console knows the membership
    // (the menu then says so): press it again, at most once a second, while the menu shows.
    let mut pressed = Instant::now();
    let plan = tmux
        .until_seeing(
            "the plan",
            Duration::from_secs(30),
            |s| {
                if s.contains("not known yet") && pressed.elapsed() > Duration::from_secs(1) {
                    tmux.keys(&["l"]);
                    pressed = Instant::now();
                }
            },
            |s| s.contains("1 plan") && s.contains("enter confirm"),
        )
        .await;
    assert!(plan.contains(&format!("3. member {leader}")), "{plan}");
    tmux.keys(&["Enter"]);
    let confirm = tmux
        .until("the confirmation", Duration::from_secs(10), |s| {
            s.contains("2 confirm")
        })
        .await;
    let phrase = confirm
        .lines()
        .find_map(|l| {
            let at = l.find("type  restart ")?;
            l[at..].split_whitespace().nth(2).map(str::to_string)
        })
        .expect("the phrase on screen");
    tmux.text(&format!("restart {phrase}"));
    tmux.keys(&["Enter"]);
    let mut ticked = false;
    let done = tmux
        .until_seeing(
            "the roll to finish",
            // Three members, each a restart and a 5 s settle; generous for a loaded machine.
            Duration::from_secs(400),
            |s| ticked |= s.contains("✓ in sync at the leader"),
            |s| {
                s.contains("rolled: every member restarted")
                    || s.contains("halted")
                    || s.contains("does not match")
            },
        )
        .await;
    if !done.contains("rolled: every member restarted") {
        let rolls = home.path().join("state/zkconsole/rolls");
        let journal: Vec<String> = std::fs::read_dir(&rolls)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect();
        let audit = std::fs::read_to_string(home.path().join("state/zkconsole/audit.jsonl"))
            .unwrap_or_default();
        panic!("the roll did not finish:\n{done}\njournal: {journal:?}\naudit:\n{audit}");
    }
    assert!(ticked, "the gate's conditions were never shown met");
    let after = pids(&dir);
    for id in 1..=3u64 {
        assert!(after[&id].is_some(), "member {id} is not running");
        assert_ne!(before[&id], after[&id], "member {id} kept its pid");
    }
    // The journal says the order: the leader last.
    let rolls = home.path().join("state/zkconsole/rolls");
    let file = std::fs::read_dir(&rolls)
        .unwrap()
        .next()
        .expect("a journal")
        .unwrap()
        .path();
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(j["done"].as_array().unwrap().len(), 3, "{j}");
    assert_eq!(j["done"][2].as_u64(), Some(leader), "{j}");
    assert_eq!(j["outcome"], "finished", "{j}");
    // On a sandbox the console holds the super user: `auto` moved leadership off the leader by
    // two audited reconfigs (remove, re-add) before its stop.
    let audit = std::fs::read_to_string(home.path().join("state/zkconsole/audit.jsonl")).unwrap();
    assert_eq!(audit.matches("\"reconfig\"").count(), 4, "{audit}");
    drop(tmux);
    drop(sb);
}
