//! Carries out a rolling restart: for each member in order, preview, confirm, stop, run the
//! operator's command, start, then wait at the gate before the next one. The decisions are
//! `workflow::roll`'s (pure); this only acts through `HostActions`, observes, and keeps the
//! journal. It halts at the first failure, saying what changed so far.

pub mod handoff;
pub mod journal;
pub mod recover;
pub mod static_change;
pub mod wait;

use crate::config::Thresholds;
use crate::health::{summarize, Health};
use crate::host::{Action, HostActions, MemberRef};
use crate::probe::round::Observation;
use crate::workflow::roll::{
    preview_step, synced_learners, Baseline, Gate, GateVerdict, RollSettings, StepPreview,
};
pub use crate::workflow::roll::{
    Control, Decision, HandoffMode, HandoffResult, RollEvent, RollOutcome,
};
use futures::future::BoxFuture;
use journal::{Journal, Phase};
use std::time::{Duration, Instant};

pub type Observe<'a> = &'a (dyn Fn() -> BoxFuture<'static, Observation> + Sync);
pub type Confirm<'a> = &'a (dyn Fn(StepPreview) -> BoxFuture<'static, Decision> + Sync);
/// Moves leadership off member `id` (see `handoff`).
pub type Handoff<'a> = &'a (dyn Fn(u64) -> BoxFuture<'static, HandoffResult> + Sync);

pub struct Roller<'a> {
    pub host: &'a dyn HostActions,
    pub observe: Observe<'a>,
    pub confirm: Confirm<'a>,
    pub thresholds: &'a Thresholds,
    pub settings: RollSettings,
    /// How often to look while waiting for a stop or a gate.
    pub poll: Duration,
    /// Pause, resume or abort between phases (Ctrl-C, the console's keys).
    pub control: tokio::sync::watch::Receiver<Control>,
    /// Before the leader's stop: move leadership off it (`None`: never).
    pub handoff: Option<Handoff<'a>>,
}

impl Roller<'_> {
    pub async fn run(
        &mut self,
        journal: &mut Journal,
        on_event: &mut (dyn FnMut(RollEvent) + Send),
    ) -> RollOutcome {
        let mut restarted = Vec::new();
        let todo: Vec<u64> = journal.remaining().collect();
        for id in todo {
            if let Err(why) = self.one(id, journal, on_event).await {
                journal.outcome = Some(format!("halted: {why}"));
                let _ = journal.save().await;
                return RollOutcome {
                    restarted,
                    halted: Some(why),
                };
            }
            restarted.push(id);
        }
        journal.current = None;
        journal.outcome = Some("finished".into());
        let _ = journal.save().await;
        RollOutcome {
            restarted,
            halted: None,
        }
    }

    async fn snapshot(&self) -> (Observation, Health) {
        let obs = (self.observe)().await;
        let health = summarize(obs.config.as_ref(), &obs.members, self.thresholds);
        (obs, health)
    }

    /// Between two phases: an abort ends the roll here; a pause holds until resumed.
    async fn checkpoint(
        &mut self,
        id: u64,
        before: &str,
        on_event: &mut (dyn FnMut(RollEvent) + Send),
    ) -> Result<(), String> {
        let mut paused = false;
        loop {
            let now = *self.control.borrow_and_update();
            match now {
                Control::Abort => {
                    return Err(format!(
                        "aborted by the operator before member {id}'s {before}"
                    ))
                }
                Control::Run => {
                    if paused {
                        on_event(RollEvent::Resumed { id });
                    }
                    return Ok(());
                }
                Control::Pause if !paused => {
                    paused = true;
                    on_event(RollEvent::Paused { id });
                }
                Control::Pause => {}
            }
            // The sender gone (its console or CLI ended) is an abort.
            if self.control.changed().await.is_err() {
                return Err(format!(
                    "aborted: nobody controls the roll any more (member {id})"
                ));
            }
        }
    }

    async fn phase(
        &mut self,
        journal: &mut Journal,
        id: u64,
        phase: Phase,
        on_event: &mut (dyn FnMut(RollEvent) + Send),
    ) -> Result<(), String> {
        self.checkpoint(id, phase.word(), on_event).await?;
        journal.current = Some((id, phase));
        journal
            .save()
            .await
            .map_err(|e| format!("the journal could not be written: {e}"))?;
        on_event(RollEvent::Phase { id, phase });
        Ok(())
    }

    async fn one(
        &mut self,
        id: u64,
        journal: &mut Journal,
        on_event: &mut (dyn FnMut(RollEvent) + Send),
    ) -> Result<(), String> {
        self.checkpoint(id, "preview", on_event).await?;
        let started = Instant::now();
        let (obs, health) = self.snapshot().await;
        let config = obs
            .config
            .as_ref()
            .ok_or("no member told the membership: nothing is restarted blind")?;
        let preview = preview_step(config, &obs.members, &health, id, &self.settings);
        on_event(RollEvent::Preview(preview.clone()));
        match (self.confirm)(preview.clone()).await {
            Decision::Abort => return Err(format!("aborted by the operator at member {id}")),
            Decision::Go if preview.refusal.is_some() => {
                return Err(format!("refused: {}", preview.refusal.unwrap_or_default()))
            }
            _ => {}
        }
        let member = member_ref(&obs, id)?;
        let (obs, health) = if preview.leader {
            self.hand_off(journal, id, on_event).await?
        } else {
            (obs, health)
        };
        let leader_snap = obs.members.iter().find(|m| m.id == health.leader);
        let baseline = Baseline {
            synced: leader_snap
                .filter(|_| health.leader != Some(id))
                .and_then(synced_learners),
            was_voter: preview.voter,
        };
        self.phase(journal, id, Phase::Stopping, on_event).await?;
        self.act(&Action::Stop, &member, on_event).await?;
        self.wait_down(id).await?;
        if let Some(cmd) = journal.run.clone() {
            self.phase(journal, id, Phase::Running, on_event).await?;
            self.act(&Action::Run(cmd), &member, on_event).await?;
        }
        self.phase(journal, id, Phase::Starting, on_event).await?;
        self.act(&Action::Start, &member, on_event).await?;
        self.phase(journal, id, Phase::Gating, on_event).await?;
        let elections = self.gate(id, baseline, on_event).await?;
        journal.done.push(id);
        journal.current = None;
        journal
            .save()
            .await
            .map_err(|e| format!("the journal could not be written: {e}"))?;
        on_event(RollEvent::Restarted {
            id,
            elapsed_ms: started.elapsed().as_millis(),
            elections,
        });
        Ok(())
    }

    /// The leader's hand-off, when asked for; the observation after it (the baseline of the
    /// gate is the new leader's).
    async fn hand_off(
        &mut self,
        journal: &mut Journal,
        id: u64,
        on_event: &mut (dyn FnMut(RollEvent) + Send),
    ) -> Result<(Observation, Health), String> {
        if let Some(handoff) = self.handoff {
            self.phase(journal, id, Phase::HandingOff, on_event).await?;
            let (moved, detail) = match handoff(id).await {
                HandoffResult::Moved(d) => (true, d),
                HandoffResult::Skipped(d) => (false, d),
                HandoffResult::Failed(d) => {
                    on_event(RollEvent::Handoff {
                        id,
                        moved: false,
                        detail: d.clone(),
                    });
                    return Err(format!("member {id}: the leader hand-off failed: {d}"));
                }
            };
            on_event(RollEvent::Handoff { id, moved, detail });
        }
        Ok(self.snapshot().await)
    }

    async fn act(
        &self,
        action: &Action,
        member: &MemberRef,
        on_event: &mut (dyn FnMut(RollEvent) + Send),
    ) -> Result<(), String> {
        let detail = self
            .host
            .describe(action, member)
            .map_err(|e| e.to_string())?;
        on_event(RollEvent::Action {
            id: member.id,
            action: action.name().into(),
            detail,
        });
        let result = self.host.run(action, member).await;
        let (ok, summary, output) = match &result {
            Ok(out) => (
                out.success(),
                out.summary(),
                format!("{}{}", String::from_utf8_lossy(&out.stdout), out.stderr),
            ),
            Err(e) => (false, e.to_string(), String::new()),
        };
        on_event(RollEvent::ActionDone {
            id: member.id,
            action: action.name().into(),
            ok,
            summary,
            output,
        });
        result
            .map(|_| ())
            .map_err(|e| format!("member {}: {} failed: {e}", member.id, action.name()))
    }

    /// A stop command may return before the process is gone: wait until it no longer answers.
    async fn wait_down(&self, id: u64) -> Result<(), String> {
        wait::alive(
            self.observe,
            self.poll,
            self.settings.gate_timeout,
            id,
            false,
        )
        .await
    }

    async fn gate(
        &self,
        id: u64,
        baseline: Baseline,
        on_event: &mut (dyn FnMut(RollEvent) + Send),
    ) -> Result<u32, String> {
        let mut gate = Gate::new(id, baseline);
        let mut last = String::new();
        let judge = |obs: Observation, now| {
            let health = summarize(obs.config.as_ref(), &obs.members, self.thresholds);
            let conditions = gate.conditions(&obs.members, &health, &self.settings);
            match gate.observe(&obs.members, &health, &self.settings, now) {
                GateVerdict::Met => Ok(gate.elections),
                GateVerdict::Waiting(why) => {
                    if why != last {
                        on_event(RollEvent::Gate {
                            id,
                            waiting: why.clone(),
                            conditions,
                        });
                        last = why;
                    }
                    Err(last.clone())
                }
            }
        };
        let aborted = || {
            (*self.control.borrow() == Control::Abort)
                .then(|| format!("aborted by the operator while member {id} was gated"))
        };
        let timeout = self.settings.gate_timeout;
        wait::until(self.observe, self.poll, timeout, judge, aborted)
            .await
            .map_err(|stop| match stop {
                wait::Stop::TimedOut(last) => format!(
                    "member {id} did not pass its gate within {} s: {last}",
                    timeout.as_secs()
                ),
                wait::Stop::Interrupted(why) => why,
            })
    }
}

/// A member's client port: the one its server line gives, else the one it was probed at.
pub(crate) fn client_port(spec: &crate::ensemble::ServerSpec, probed: Option<&str>) -> Option<u16> {
    spec.client_address()
        .or_else(|| probed.map(str::to_string))
        .and_then(|a| a.rsplit_once(':').and_then(|(_, p)| p.parse().ok()))
}

/// The host and client port of member `id`, from the membership and what was probed.
fn member_ref(obs: &Observation, id: u64) -> Result<MemberRef, String> {
    let spec = obs
        .config
        .as_ref()
        .and_then(|c| c.servers.get(&id))
        .ok_or_else(|| format!("member {id} is not in the membership"))?;
    let probed = obs.members.iter().find(|m| m.id == Some(id));
    let port = client_port(spec, probed.map(|m| m.address.as_str()))
        .ok_or_else(|| format!("member {id}: its client port is unknown"))?;
    Ok(MemberRef {
        id,
        host: spec.host.clone(),
        client_port: port,
    })
}
