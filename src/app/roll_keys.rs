//! Keys and runtime messages of the rolling restart (the roll's half of `State::update`).

use super::keys::{KeyCode, KeyInput};
use super::roll::{guided_steps, plan_order, HostKind, RollMsg, RollRequest, RollStage, RollView};
use super::{Effect, State, View};
use crate::config::Level;
use crate::workflow::roll::{Control, Decision};

impl State {
    /// How this console can act on the hosts: the sandbox, the ensemble's templates, or not.
    pub fn roll_host(&self) -> HostKind {
        let actions = self
            .config
            .ensembles
            .get(&self.ensemble)
            .and_then(|e| e.actions.as_ref());
        match actions {
            _ if self.sandbox => HostKind::Sandbox,
            Some(a) if a.stop.is_some() && a.start.is_some() => HostKind::Commands,
            _ => HostKind::Guided,
        }
    }

    /// `w` → restart: the plan of a new roll (or the running one, or the stopped one).
    pub(super) fn open_roll(&mut self) -> Vec<Effect> {
        if self.read_only {
            return vec![];
        }
        if self.roll.as_ref().is_some_and(RollView::active) {
            self.view = View::Roll;
            return vec![];
        }
        let snaps = self.snapshots();
        let order = match plan_order(self.membership.as_ref(), &snaps, self.health.leader) {
            Ok(o) => o,
            Err(e) => {
                self.flash = Some((Level::Warn, e));
                return vec![];
            }
        };
        let mut view = RollView::new(self.roll_host(), order);
        // The configured hand-off (`h` still cycles it before the roll starts).
        view.handoff = self.config.roll_for(&self.ensemble).handoff.into();
        self.roll = Some(view);
        self.view = View::Roll;
        // The journal may have changed since the console started (a CLI roll).
        vec![Effect::Roll(RollRequest::LoadJournal)]
    }

    pub(super) fn roll_paste(&mut self, text: &str) {
        if let Some(r) = self
            .roll
            .as_mut()
            .filter(|r| matches!(r.stage, RollStage::Confirm | RollStage::Override))
        {
            r.typed.paste(text);
        }
    }

    /// A key on the roll's screens; `None` lets the global key map have it.
    pub(super) fn roll_key(&mut self, key: KeyInput) -> Option<Vec<Effect>> {
        let mut r = self.roll.take()?;
        let fx = match r.stage {
            RollStage::Plan => self.roll_plan_key(&mut r, key),
            RollStage::Confirm | RollStage::Override => roll_typed_key(&mut r, key),
            RollStage::Running => self.roll_running_key(&mut r, key),
            RollStage::Done => match key.code {
                KeyCode::Esc => {
                    self.view = View::Dashboard;
                    Some(vec![])
                }
                _ => None,
            },
        };
        self.roll = Some(r);
        fx
    }

    fn roll_plan_key(&mut self, r: &mut RollView, key: KeyInput) -> Option<Vec<Effect>> {
        let stopped = self.roll_journal.as_ref().filter(|j| j.unfinished).cloned();
        match key.code {
            KeyCode::Esc => self.view = View::Workflow,
            KeyCode::Char('p') => {
                let snaps = self.snapshots();
                match plan_order(self.membership.as_ref(), &snaps, self.health.leader) {
                    Ok(order) => {
                        let handoff = r.handoff;
                        *r = RollView::new(r.host, order);
                        r.handoff = handoff;
                    }
                    Err(e) => r.say(Level::Warn, e),
                }
            }
            KeyCode::Char('h') => r.next_handoff(),
            KeyCode::Char('c') => {
                let text: String = guided_steps(&r.order, self.health.leader)
                    .iter()
                    .map(|s| format!("{s}\n"))
                    .collect();
                r.say(Level::Ok, "copied the steps to the clipboard (OSC 52)");
                return Some(vec![Effect::Copy(text)]);
            }
            _ if r.host == HostKind::Guided => {
                if key.code == KeyCode::Enter {
                    r.say(
                        Level::Warn,
                        format!(
                            "no host actions for {}: add stop/start under [ensembles.NAME.actions], or follow the steps (c copies them)",
                            self.ensemble
                        ),
                    );
                    return Some(vec![]);
                }
                return None;
            }
            KeyCode::Char('r') if stopped.is_some() => {
                let j = stopped?;
                let handoff = r.handoff;
                *r = RollView::new(r.host, j.remaining());
                r.handoff = handoff;
                r.resume = true;
                r.stage = RollStage::Confirm;
            }
            KeyCode::Char('D') if stopped.is_some() => {
                self.roll_journal = None;
                r.say(Level::Ok, "the stopped roll's journal is discarded");
                return Some(vec![Effect::Roll(RollRequest::DiscardJournal)]);
            }
            KeyCode::Enter if stopped.is_some() => r.say(
                Level::Warn,
                "a roll stopped part-way: r resumes it, D discards its journal to start over",
            ),
            KeyCode::Enter if r.order.is_empty() => r.say(Level::Warn, "nothing to restart"),
            KeyCode::Enter => {
                r.typed.clear();
                r.stage = RollStage::Confirm;
            }
            _ => return None,
        }
        Some(vec![])
    }

    fn roll_running_key(&mut self, r: &mut RollView, key: KeyInput) -> Option<Vec<Effect>> {
        let control = |c: Control, r: &mut RollView| {
            r.control = c;
            Some(vec![Effect::Roll(RollRequest::Control(c))])
        };
        if r.abort_asked {
            r.abort_asked = false;
            if key.code == KeyCode::Char('y') {
                r.say(Level::Critical, "aborting after the current phase ...");
                return control(Control::Abort, r);
            }
            r.say(Level::Ok, "not aborted");
            return Some(vec![]);
        }
        match key.code {
            KeyCode::Char('p') if r.control == Control::Run => {
                r.say(Level::Warn, "pausing before the next phase ...");
                control(Control::Pause, r)
            }
            KeyCode::Char('r') if r.control == Control::Pause => control(Control::Run, r),
            // Taken here either way: `p` elsewhere opens the problems.
            KeyCode::Char('p') => {
                r.say(Level::Warn, "paused already: r resumes");
                Some(vec![])
            }
            KeyCode::Char('r') => {
                r.say(Level::Ok, "not paused");
                Some(vec![])
            }
            KeyCode::Char('a') => {
                r.abort_asked = true;
                Some(vec![])
            }
            KeyCode::Esc => {
                // The roll goes on; `w` comes back to it.
                self.view = View::Dashboard;
                Some(vec![])
            }
            _ => None,
        }
    }

    pub(super) fn on_roll(&mut self, m: RollMsg) -> Vec<Effect> {
        self.dirty = true;
        match m {
            RollMsg::Journal(j) => {
                let stopped = j.as_ref().filter(|j| j.unfinished);
                let first = self.roll_journal.is_none();
                if let (Some(j), true) = (stopped, first) {
                    let offer = if self.read_only {
                        "(read-only: not resumed here)"
                    } else {
                        "w → l shows it and resumes"
                    };
                    let text = format!("a rolling restart stopped at {} {offer}", j.whereabouts);
                    self.events.push(self.now, Level::Warn, text.clone());
                    self.flash = Some((Level::Warn, text));
                }
                self.roll_journal = j;
            }
            RollMsg::Event(e) => {
                if let Some(r) = self.roll.as_mut() {
                    r.on_event(e);
                }
            }
            RollMsg::Finished(outcome) => {
                let text = match &outcome.halted {
                    None => format!("rolling restart finished: {:?}", outcome.restarted),
                    Some(why) => format!("rolling restart halted: {why}"),
                };
                let level = if outcome.halted.is_none() {
                    Level::Ok
                } else {
                    Level::Critical
                };
                self.events.push(self.now, level, text);
                if let Some(r) = self.roll.as_mut() {
                    r.on_finished(outcome);
                }
                return vec![Effect::Roll(RollRequest::LoadJournal)];
            }
        }
        vec![]
    }
}

/// The typed confirmation, and the override of a refused step.
fn roll_typed_key(r: &mut RollView, key: KeyInput) -> Option<Vec<Effect>> {
    let overriding = r.stage == RollStage::Override;
    match key.code {
        KeyCode::Esc if overriding => {
            r.say(Level::Warn, "not overridden: the roll stops here");
            r.stage = RollStage::Running;
            return Some(vec![Effect::Roll(RollRequest::Decide(Decision::Abort))]);
        }
        KeyCode::Esc => r.stage = RollStage::Plan,
        KeyCode::Enter if r.confirmed() && overriding => {
            r.stage = RollStage::Running;
            r.say(
                Level::Critical,
                format!("{}: restarting anyway", r.override_phrase()),
            );
            return Some(vec![Effect::Roll(RollRequest::Decide(Decision::Override))]);
        }
        KeyCode::Enter if r.confirmed() => {
            r.stage = RollStage::Running;
            r.say(Level::Warn, format!("rolling {} ...", r.ids()));
            return Some(vec![Effect::Roll(RollRequest::Start {
                order: r.order.clone(),
                resume: r.resume,
                handoff: r.handoff,
            })]);
        }
        KeyCode::Enter => {
            let typed = r.typed.value().trim().to_string();
            let why = if typed.is_empty() {
                format!("type exactly: {}", r.wanted())
            } else {
                format!("{typed:?} does not match: type exactly {}", r.wanted())
            };
            r.say(Level::Warn, why);
        }
        _ => {
            r.typed.handle(key);
        }
    }
    Some(vec![])
}
