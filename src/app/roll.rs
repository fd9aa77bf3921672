//! The rolling restart in the console, as plain data: the plan (observers, followers, the
//! leader last) with a preview per step, a typed confirmation, then the progress the runtime
//! reports from the one roll engine (`rolling::Roller`), with pause, resume and abort. A journal
//! found on disk (a console that died mid-roll) is shown and offered for resuming.

use super::text_input::TextInput;
use crate::config::Level;
use crate::ensemble::member::MemberSnapshot;
use crate::ensemble::EnsembleConfig;
use crate::health::Health;
use crate::workflow::roll::{
    preview_step, roll_order, Condition, Control, Decision, HandoffMode, JournalInfo, Phase,
    RollEvent, RollOutcome, RollSettings, StepPreview,
};

/// How the console can act on the members' hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// The sandbox the console runs on.
    Sandbox,
    /// The ensemble's `[actions]` command templates.
    Commands,
    /// Neither: the console shows the steps and the operator carries them out.
    Guided,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollStage {
    /// The order and each step's preview.
    Plan,
    /// Typing the confirmation phrase.
    Confirm,
    Running,
    /// The live preview of the next step refused: typing the override, or aborting.
    Override,
    Done,
}

/// Where a member's step is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepState {
    Pending,
    /// Its live preview was taken; the step is about to begin.
    Previewed,
    At(Phase),
    Done {
        elapsed_ms: u128,
        elections: u32,
    },
    Failed,
}

/// What the model asks the runtime to do about a roll.
#[derive(Debug, Clone, PartialEq)]
pub enum RollRequest {
    /// Read the journal of this ensemble's last roll, if any.
    LoadJournal,
    /// Remove the stopped roll's journal (the operator starts over).
    DiscardJournal,
    Start {
        order: Vec<u64>,
        resume: bool,
        handoff: HandoffMode,
    },
    Decide(Decision),
    Control(Control),
}

/// What the runtime tells the model about a roll.
#[derive(Debug, Clone, PartialEq)]
pub enum RollMsg {
    Journal(Option<JournalInfo>),
    Event(RollEvent),
    Finished(RollOutcome),
}

/// The roll's keys, for `?` (the screens show the ones that apply at each stage).
pub const HELP: [(&str, &str); 8] = [
    ("enter", "plan: confirm (then type the phrase)"),
    ("h", "plan: leader hand-off auto / always / never"),
    (
        "r",
        "plan: resume a stopped roll; running: resume after a pause",
    ),
    ("D", "plan: discard a stopped roll's journal"),
    ("p", "plan: re-plan; running: pause before the next phase"),
    ("a y", "running: abort after the current phase"),
    ("c", "without host actions: copy the steps"),
    ("esc", "back (a running roll goes on; w returns to it)"),
];

/// Lines of action output kept for the detail pane (the current step's).
const OUTPUT_LINES: usize = 200;
/// Lines of the roll's log kept.
const LOG_LINES: usize = 500;

#[derive(Debug, Clone, PartialEq)]
pub struct RollView {
    pub stage: RollStage,
    pub host: HostKind,
    pub order: Vec<u64>,
    /// Continuing the stopped roll of the journal (its remaining members).
    pub resume: bool,
    pub typed: TextInput,
    pub steps: Vec<(u64, StepState)>,
    /// The member being worked on.
    pub current: Option<u64>,
    /// Its live preview, as the engine took it before the step.
    pub preview: Option<StepPreview>,
    /// Its gate's conditions, as last seen, and what it waits for.
    pub conditions: Vec<Condition>,
    pub waiting: String,
    /// The current step's action output.
    pub output: Vec<String>,
    pub log: Vec<(Level, String)>,
    /// What the operator asked for last.
    pub control: Control,
    /// The engine says it holds.
    pub paused: bool,
    /// `a` was pressed: `y` aborts.
    pub abort_asked: bool,
    pub outcome: Option<RollOutcome>,
    /// Whether leadership leaves the leader by a reconfig before its restart (`h` changes it).
    pub handoff: HandoffMode,
}

impl RollView {
    pub fn new(host: HostKind, order: Vec<u64>) -> RollView {
        RollView {
            stage: RollStage::Plan,
            host,
            steps: order.iter().map(|&id| (id, StepState::Pending)).collect(),
            order,
            resume: false,
            typed: TextInput::new(),
            current: None,
            preview: None,
            conditions: Vec::new(),
            waiting: String::new(),
            output: Vec::new(),
            log: Vec::new(),
            control: Control::Run,
            paused: false,
            abort_asked: false,
            outcome: None,
            handoff: HandoffMode::Auto,
        }
    }

    /// `h` on the plan: auto → always → never → auto.
    pub fn next_handoff(&mut self) {
        self.handoff = match self.handoff {
            HandoffMode::Auto => HandoffMode::Always,
            HandoffMode::Always => HandoffMode::Never,
            HandoffMode::Never => HandoffMode::Auto,
        };
    }

    /// Running or waiting for an override: the engine is at work.
    pub fn active(&self) -> bool {
        matches!(self.stage, RollStage::Running | RollStage::Override)
    }

    pub fn ids(&self) -> String {
        self.order
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// What the operator types to start: it says what will happen.
    pub fn phrase(&self) -> String {
        if self.resume {
            format!("resume {}", self.ids())
        } else {
            format!("restart {}", self.ids())
        }
    }

    /// What the operator types to restart the refused member anyway.
    pub fn override_phrase(&self) -> String {
        format!("override {}", self.current.unwrap_or(0))
    }

    pub fn wanted(&self) -> String {
        match self.stage {
            RollStage::Override => self.override_phrase(),
            _ => self.phrase(),
        }
    }

    pub fn confirmed(&self) -> bool {
        self.typed.value().trim() == self.wanted()
    }

    pub fn mistyped(&self) -> bool {
        !self.wanted().starts_with(self.typed.value().trim())
    }

    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.log.push((level, text.into()));
        let over = self.log.len().saturating_sub(LOG_LINES);
        self.log.drain(..over);
    }

    fn set_step(&mut self, id: u64, state: StepState) {
        match self.steps.iter_mut().find(|(i, _)| *i == id) {
            Some(s) => s.1 = state,
            None => self.steps.push((id, state)),
        }
    }

    pub fn step(&self, id: u64) -> Option<&StepState> {
        self.steps.iter().find(|(i, _)| *i == id).map(|(_, s)| s)
    }

    fn keep_output(&mut self, text: &str) {
        self.output.extend(text.lines().map(str::to_string));
        let over = self.output.len().saturating_sub(OUTPUT_LINES);
        self.output.drain(..over);
    }

    /// One progress report of the engine.
    pub fn on_event(&mut self, e: RollEvent) {
        match e {
            RollEvent::Preview(p) => {
                self.current = Some(p.id);
                self.set_step(p.id, StepState::Previewed);
                self.output.clear();
                self.conditions.clear();
                self.waiting.clear();
                match &p.refusal {
                    Some(r) => {
                        self.say(Level::Critical, format!("member {}: REFUSED: {r}", p.id));
                        if self.stage == RollStage::Running {
                            self.stage = RollStage::Override;
                            self.typed.clear();
                        }
                    }
                    None => self.say(Level::Ok, format!("member {}: {}", p.id, p.note)),
                }
                self.preview = Some(p);
            }
            RollEvent::Phase { id, phase } => {
                self.set_step(id, StepState::At(phase));
                self.say(Level::Warn, format!("member {id}: {}", phase.word()));
            }
            RollEvent::Action { id, action, detail } => {
                self.keep_output(&format!("$ {detail}"));
                self.say(Level::Warn, format!("member {id}: {action}: {detail}"));
            }
            RollEvent::ActionDone {
                id,
                action,
                ok,
                summary,
                output,
            } => {
                self.keep_output(&output);
                self.keep_output(&format!("→ {summary}"));
                let level = if ok { Level::Ok } else { Level::Critical };
                self.say(level, format!("member {id}: {action}: {summary}"));
            }
            RollEvent::Gate {
                id,
                waiting,
                conditions,
            } => {
                self.set_step(id, StepState::At(Phase::Gating));
                self.conditions = conditions;
                self.waiting = waiting;
            }
            RollEvent::Handoff { id, moved, detail } => {
                let (level, what) = if moved {
                    (Level::Ok, "hand-off")
                } else {
                    (Level::Warn, "no hand-off")
                };
                self.keep_output(&format!("{what}: {detail}"));
                self.say(level, format!("member {id}: {what}: {detail}"));
            }
            RollEvent::Paused { id } => {
                self.paused = true;
                self.say(
                    Level::Warn,
                    format!("paused before member {id}'s next phase: r resumes"),
                );
            }
            RollEvent::Resumed { id } => {
                self.paused = false;
                self.say(Level::Ok, format!("resumed at member {id}"));
            }
            RollEvent::Restarted {
                id,
                elapsed_ms,
                elections,
            } => {
                self.set_step(
                    id,
                    StepState::Done {
                        elapsed_ms,
                        elections,
                    },
                );
                self.conditions.iter_mut().for_each(|c| c.met = true);
                self.waiting = "passed".into();
                self.say(
                    Level::Ok,
                    format!(
                        "member {id}: restarted and in sync after {:.1} s",
                        elapsed_ms as f64 / 1000.0
                    ),
                );
            }
        }
    }

    /// The engine ended; says how, and marks the step it stopped at.
    pub fn on_finished(&mut self, outcome: RollOutcome) {
        self.stage = RollStage::Done;
        self.paused = false;
        self.abort_asked = false;
        match &outcome.halted {
            None => self.say(
                Level::Ok,
                format!("rolled: every member restarted ({})", self.ids()),
            ),
            Some(why) => {
                if let Some(id) = self.current {
                    if !matches!(self.step(id), Some(StepState::Done { .. })) {
                        self.set_step(id, StepState::Failed);
                    }
                }
                self.say(Level::Critical, format!("halted: {why}"));
            }
        }
        self.outcome = Some(outcome);
    }
}

/// The order of a roll now: observers, followers, the leader last.
pub fn plan_order(
    config: Option<&EnsembleConfig>,
    snaps: &[&MemberSnapshot],
    leader: Option<u64>,
) -> Result<Vec<u64>, String> {
    let config = config.ok_or("the membership is not known yet")?;
    let owned: Vec<MemberSnapshot> = snaps.iter().map(|s| (*s).clone()).collect();
    roll_order(config, &owned, leader, None)
}

/// Each step's preview as if it ran now, in order (the engine takes it again, live, before
/// each step).
pub fn previews(
    config: Option<&EnsembleConfig>,
    snaps: &[&MemberSnapshot],
    health: &Health,
    order: &[u64],
) -> Vec<StepPreview> {
    let Some(config) = config else {
        return Vec::new();
    };
    let owned: Vec<MemberSnapshot> = snaps.iter().map(|s| (*s).clone()).collect();
    order
        .iter()
        .map(|&id| preview_step(config, &owned, health, id, &RollSettings::default()))
        .collect()
}

/// The guided procedure, for an ensemble the console cannot act on.
pub fn guided_steps(order: &[u64], leader: Option<u64>) -> Vec<String> {
    let mut out = Vec::new();
    for (i, id) in order.iter().enumerate() {
        let role = if Some(*id) == leader {
            " (the leader, last)"
        } else {
            ""
        };
        out.push(format!(
            "{}. member {id}{role}: stop it on its host, make the change, start it; wait \
             until it follows in sync here, its zxid caught up and no election for 5 s",
            i + 1
        ));
    }
    out
}
