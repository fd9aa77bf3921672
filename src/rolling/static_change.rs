//! Carries out a static membership change (`workflow::static_plan`): zoo.cfg rewritten on each
//! member through the host actions (a backup beside it first), a joiner's files written and
//! the joiner started, members restarted one at a time behind the rolling restart's gate, and
//! a verification after every round. It halts at the first failure, saying what changed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use serde::Serialize;

use super::{wait, Observe};
use crate::config::Thresholds;
use crate::ensemble::member::Role;
use crate::ensemble::{EnsembleConfig, ServerSpec};
use crate::health::{summarize, Health};
use crate::host::{Action, HostActions, MemberRef};
use crate::probe::round::Observation;
use crate::workflow::quorum_views::ids;
use crate::workflow::roll::{synced_learners, Baseline, Gate, GateVerdict, RollSettings};
use crate::workflow::static_plan::{
    replan, Progress, RestartWhy, StaticAction, StaticPlan, StaticRound, StaticStep,
};
use crate::workflow::zoo_cfg::{joiner_cfg, rewrite_servers, static_servers};

/// Each member's own membership (its `conf`), for the verification after a round.
pub type Views<'a> = &'a (dyn Fn() -> BoxFuture<'static, Vec<(u64, EnsembleConfig)>> + Sync);
type MemberLists = Vec<(u64, EnsembleConfig)>;
/// One committed transaction (a session opened and closed is one), so the zxids can be
/// compared once every member has applied it.
pub type Commit<'a> = &'a (dyn Fn() -> BoxFuture<'static, Result<(), String>> + Sync);

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum StaticEvent {
    Step {
        index: usize,
        total: usize,
        title: String,
    },
    Action {
        id: u64,
        action: String,
        detail: String,
    },
    Gate {
        id: u64,
        waiting: String,
    },
    StepDone {
        index: usize,
        elapsed_ms: u128,
    },
    Verified {
        round: usize,
        lines: Vec<String>,
    },
    /// What is observed differs from what the plan predicted: the remaining steps, re-planned.
    Replanned {
        why: String,
        steps: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaticOutcome {
    /// Steps carried out.
    pub done: usize,
    /// What changed on the hosts, in order (for the operator to undo by hand if it halted).
    pub changed: Vec<String>,
    pub halted: Option<String>,
}

pub struct StaticChange<'a> {
    pub host: &'a dyn HostActions,
    /// Observes the ensemble, the joiners included.
    pub observe: Observe<'a>,
    pub views: Views<'a>,
    pub commit: Commit<'a>,
    pub thresholds: &'a Thresholds,
    pub settings: RollSettings,
    pub poll: Duration,
    pub abort: tokio::sync::watch::Receiver<bool>,
    /// Every server's spec, the joiners' included.
    pub specs: BTreeMap<u64, ServerSpec>,
    /// Every member's host and client port, the joiners' included.
    pub members: BTreeMap<u64, MemberRef>,
    /// The `data_dir` template (may use `{id}`): the joiner's dataDir line.
    pub data_dir: String,
    /// Settings a joiner's zoo.cfg must set differently from the member's it is derived from
    /// (for one joiner, or every one with `None`).
    pub joiner_settings: Vec<(Option<u64>, String, String)>,
    /// Names the backups of this change (`zoo.cfg.zkconsole-<stamp>-round<n>.bak`).
    pub stamp: String,
}

/// What the executor knows beyond what it observes: the lists it wrote and has not seen read
/// yet, the list last known in effect on each member still part of the change (a member that
/// does not answer `conf` keeps it), and where the change stands.
struct Ledger {
    known: BTreeMap<u64, BTreeSet<u64>>,
    written: BTreeMap<u64, BTreeSet<u64>>,
    round: usize,
    done: usize,
}

impl Ledger {
    fn new(plan: &StaticPlan) -> Self {
        // A plan starts from members that all run its first round's list (its precondition).
        let known = plan
            .rounds
            .first()
            .map(|r| r.from.iter().map(|id| (*id, r.from.clone())).collect())
            .unwrap_or_default();
        Ledger {
            known,
            written: BTreeMap::new(),
            round: 0,
            done: 0,
        }
    }

    /// A step carried out: what it changed in the members' lists.
    fn record(&mut self, action: &StaticAction) {
        match action {
            StaticAction::WriteList { id, list } => {
                self.written.insert(*id, list.clone());
            }
            StaticAction::StartJoiner { id, list } => {
                self.known.insert(*id, list.clone());
            }
            StaticAction::Restart { id, .. } => {
                if let Some(list) = self.written.remove(id) {
                    self.known.insert(*id, list);
                }
            }
            StaticAction::StopRemoved { id, .. } => {
                self.known.remove(id);
                self.written.remove(id);
            }
        }
    }
}

impl StaticChange<'_> {
    /// Carries out `plan`, re-planning what is left before every step from what is observed
    /// (who leads, who runs which list, who is up): the plan's order rests on predicted
    /// elections, and a real election may pick another leader. Halts when the re-plan finds
    /// no safe way on.
    pub async fn run(
        &self,
        plan: &StaticPlan,
        on_event: &mut (dyn FnMut(StaticEvent) + Send),
    ) -> StaticOutcome {
        let mut changed = Vec::new();
        let mut ledger = Ledger::new(plan);
        let mut expected: Vec<StaticAction> = plan.steps.iter().map(|s| s.action.clone()).collect();
        let mut predicted: Option<u64> = None;
        let mut last: Option<StaticAction> = None;
        let mut unverified: Option<usize> = None;
        let halted = loop {
            if let Some(why) = self.abort_requested() {
                break Some(why);
            }
            let progress = self.progress(&mut ledger).await;
            let rest = replan(plan, &progress);
            let next = rest.steps.first();
            // A round is verified once nothing of it is left to do.
            if let Some(r) = unverified.filter(|r| next.map(|s| s.round) != Some(*r)) {
                match self.verify(&plan.rounds[r]).await {
                    Ok(lines) => on_event(StaticEvent::Verified { round: r, lines }),
                    Err(why) => break Some(format!("round {}: {why}", r + 1)),
                }
                unverified = None;
                ledger.round = r + 1;
                continue;
            }
            let Some(step) = next else { break None };
            if let Some(why) = &rest.blocked {
                break Some(format!(
                    "re-planned from what is observed ({}), no safe way on: {why}",
                    observed_text(&progress)
                ));
            }
            if last.as_ref() == Some(&step.action) {
                break Some(format!(
                    "step {} ({}) is still to do after it was carried out: what is observed \
                     did not change",
                    ledger.done,
                    step.action.title()
                ));
            }
            let actions: Vec<StaticAction> = rest.steps.iter().map(|s| s.action.clone()).collect();
            if actions != expected {
                on_event(StaticEvent::Replanned {
                    why: replan_why(predicted, &progress),
                    steps: rest.steps.iter().map(|s| s.action.title()).collect(),
                });
            }
            let total = ledger.done + rest.steps.len();
            on_event(StaticEvent::Step {
                index: ledger.done,
                total,
                title: step.action.title(),
            });
            let started = Instant::now();
            if let Err(why) = self.step(step, &mut changed, on_event).await {
                break Some(format!(
                    "step {}/{total} ({}): {why}",
                    ledger.done + 1,
                    step.action.title()
                ));
            }
            on_event(StaticEvent::StepDone {
                index: ledger.done,
                elapsed_ms: started.elapsed().as_millis(),
            });
            ledger.record(&step.action);
            ledger.done += 1;
            ledger.round = step.round;
            unverified = Some(step.round);
            predicted = step.after.leader;
            expected = actions[1..].to_vec();
            last = Some(step.action.clone());
        };
        StaticOutcome {
            done: ledger.done,
            changed,
            halted,
        }
    }

    /// The change as it stands: the lists the members report (the ledger's for those that do
    /// not answer), who serves, who leads.
    async fn progress(&self, ledger: &mut Ledger) -> Progress {
        let views = (self.views)().await;
        let (obs, health) = self.snapshot().await;
        for (id, cfg) in views {
            if let Some(list) = ledger.known.get_mut(&id) {
                *list = cfg.voter_ids();
            }
        }
        let up = obs
            .members
            .iter()
            .filter(|m| m.role.is_serving())
            .filter_map(|m| m.id)
            .filter(|id| ledger.known.contains_key(id))
            .collect();
        Progress {
            running: ledger.known.clone(),
            pending: ledger.written.clone(),
            up,
            leader: health.leader,
            round: ledger.round,
            done: ledger.done,
        }
    }

    fn abort_requested(&self) -> Option<String> {
        (*self.abort.borrow()).then(|| "aborted by the operator".to_string())
    }

    async fn step(
        &self,
        step: &StaticStep,
        changed: &mut Vec<String>,
        on_event: &mut (dyn FnMut(StaticEvent) + Send),
    ) -> Result<(), String> {
        match &step.action {
            StaticAction::WriteList { id, list } => {
                self.write_list(*id, list, step.round, changed, on_event)
                    .await
            }
            StaticAction::StartJoiner { id, list } => {
                self.start_joiner(*id, list, changed, on_event).await
            }
            StaticAction::Restart { id, why } => self.restart(*id, *why, changed, on_event).await,
            StaticAction::StopRemoved { id, clean } => {
                let member = self.member(*id)?;
                self.act(&Action::Stop, member, on_event).await?;
                self.wait_down(*id).await?;
                if !clean {
                    changed.push(format!(
                        "member {id} stopped (its data dir is left as it was)"
                    ));
                    return Ok(());
                }
                changed.push(format!("member {id} stopped"));
                self.act(&Action::Clean, member, on_event).await?;
                let dir = self.data_dir.replace("{id}", &id.to_string());
                changed.push(format!("member {id}: its data dir {dir} removed"));
                Ok(())
            }
        }
    }

    fn member(&self, id: u64) -> Result<&MemberRef, String> {
        self.members
            .get(&id)
            .ok_or_else(|| format!("member {id}: its host and client port are unknown"))
    }

    /// The specs of `list`: as the file already spells them (so their lines stay byte for
    /// byte), the joiners' from the plan.
    fn specs_of(&self, list: &BTreeSet<u64>, file: &str) -> Result<Vec<ServerSpec>, String> {
        let in_file = static_servers(file)?;
        list.iter()
            .map(|id| {
                in_file
                    .servers
                    .get(id)
                    .or_else(|| self.specs.get(id))
                    .cloned()
                    .ok_or_else(|| format!("server {id}: its spec is unknown"))
            })
            .collect()
    }

    async fn read_cfg(
        &self,
        member: &MemberRef,
        on_event: &mut (dyn FnMut(StaticEvent) + Send),
    ) -> Result<String, String> {
        let out = self.act(&Action::ReadConfig, member, on_event).await?;
        String::from_utf8(out)
            .map_err(|_| format!("member {}: its zoo.cfg is not UTF-8 text", member.id))
    }

    async fn write_list(
        &self,
        id: u64,
        list: &BTreeSet<u64>,
        round: usize,
        changed: &mut Vec<String>,
        on_event: &mut (dyn FnMut(StaticEvent) + Send),
    ) -> Result<(), String> {
        let member = self.member(id)?;
        let text = self.read_cfg(member, on_event).await?;
        let new = rewrite_servers(&text, &self.specs_of(list, &text)?)
            .map_err(|e| format!("member {id}: {e}"))?;
        if new == text {
            return Ok(()); // Already written (a resumed change): nothing to do.
        }
        // One backup per round: a later round must not overwrite the original file's copy.
        let suffix = format!(".zkconsole-{}-round{}.bak", self.stamp, round + 1);
        let backup = Action::BackupConfig {
            suffix: suffix.clone(),
            contents: text.into_bytes(),
        };
        self.act(&backup, member, on_event).await?;
        changed.push(format!("member {id}: zoo.cfg backed up as zoo.cfg{suffix}"));
        self.act(
            &Action::WriteConfig(new.clone().into_bytes()),
            member,
            on_event,
        )
        .await?;
        changed.push(format!(
            "member {id}: zoo.cfg now lists servers {}",
            ids(list)
        ));
        let back = self.read_cfg(member, on_event).await?;
        if back != new {
            return Err(format!(
                "member {id}: zoo.cfg read back differs from what was written"
            ));
        }
        Ok(())
    }

    async fn start_joiner(
        &self,
        id: u64,
        list: &BTreeSet<u64>,
        changed: &mut Vec<String>,
        on_event: &mut (dyn FnMut(StaticEvent) + Send),
    ) -> Result<(), String> {
        let joiner = self.member(id)?;
        let spec = self
            .specs
            .get(&id)
            .ok_or_else(|| format!("server {id}: its spec is unknown"))?;
        // Derived from a member already running: the same settings, its own dirs and port.
        let mut template = Err(format!("no member's zoo.cfg to derive joiner {id}'s from"));
        for other in list.iter().filter(|o| **o != id) {
            if let Ok(m) = self.member(*other) {
                template = self.read_cfg(m, on_event).await;
                if template.is_ok() {
                    break;
                }
            }
        }
        let data_dir = self.data_dir.replace("{id}", &id.to_string());
        let template = template?;
        let cfg = joiner_cfg(
            &template,
            &self.specs_of(list, &template)?,
            spec,
            &data_dir,
            &self
                .joiner_settings
                .iter()
                .filter(|(only, _, _)| only.is_none_or(|o| o == id))
                .map(|(_, k, v)| (k.clone(), v.clone()))
                .collect::<Vec<_>>(),
        )?;
        let myid = Action::WriteDataFile {
            name: "myid".into(),
            contents: format!("{id}\n").into_bytes(),
        };
        self.act(&myid, joiner, on_event).await?;
        changed.push(format!("joiner {id}: myid written in {data_dir}"));
        self.act(&Action::WriteConfig(cfg.into_bytes()), joiner, on_event)
            .await?;
        changed.push(format!(
            "joiner {id}: zoo.cfg written with servers {}",
            ids(list)
        ));
        self.act(&Action::Start, joiner, on_event).await?;
        changed.push(format!("joiner {id} started"));
        let baseline = Baseline {
            synced: None,
            was_voter: false,
        };
        self.gate(id, baseline, on_event).await.map(|_| ())
    }

    async fn restart(
        &self,
        id: u64,
        why: RestartWhy,
        changed: &mut Vec<String>,
        on_event: &mut (dyn FnMut(StaticEvent) + Send),
    ) -> Result<(), String> {
        let member = self.member(id)?;
        let (obs, health) = self.snapshot().await;
        let leader_snap = obs.members.iter().find(|m| m.id == health.leader);
        let baseline = Baseline {
            synced: leader_snap
                .filter(|_| health.leader != Some(id))
                .and_then(synced_learners),
            was_voter: true,
        };
        self.act(&Action::Stop, member, on_event).await?;
        self.wait_down(id).await?;
        self.act(&Action::Start, member, on_event).await?;
        changed.push(format!("member {id} restarted"));
        let health = self.gate(id, baseline, on_event).await?;
        if why == RestartWhy::MoveLeadership && health.leader == Some(id) {
            return Err(format!(
                "member {id} leads again after its restart: leadership did not move off it"
            ));
        }
        Ok(())
    }

    async fn snapshot(&self) -> (Observation, Health) {
        let obs = (self.observe)().await;
        let health = summarize(obs.config.as_ref(), &obs.members, self.thresholds);
        (obs, health)
    }

    /// Runs an action; its standard output.
    async fn act(
        &self,
        action: &Action,
        member: &MemberRef,
        on_event: &mut (dyn FnMut(StaticEvent) + Send),
    ) -> Result<Vec<u8>, String> {
        let detail = self
            .host
            .describe(action, member)
            .map_err(|e| e.to_string())?;
        on_event(StaticEvent::Action {
            id: member.id,
            action: action.name().into(),
            detail,
        });
        self.host
            .run(action, member)
            .await
            .map(|out| out.stdout)
            .map_err(|e| format!("member {}: {} failed: {e}", member.id, action.name()))
    }

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

    /// The rolling restart's gate; the health it was met with.
    async fn gate(
        &self,
        id: u64,
        baseline: Baseline,
        on_event: &mut (dyn FnMut(StaticEvent) + Send),
    ) -> Result<Health, String> {
        let mut gate = Gate::new(id, baseline);
        let mut last = String::new();
        let judge = |obs: Observation, now| {
            let health = summarize(obs.config.as_ref(), &obs.members, self.thresholds);
            match gate.observe(&obs.members, &health, &self.settings, now) {
                GateVerdict::Met => Ok(health),
                GateVerdict::Waiting(why) => {
                    if why != last {
                        on_event(StaticEvent::Gate {
                            id,
                            waiting: why.clone(),
                        });
                        last = why;
                    }
                    Err(last.clone())
                }
            }
        };
        let aborted = || {
            self.abort_requested()
                .map(|why| format!("{why} while member {id} was gated"))
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

    /// After a round: every member reports the round's list, one leader, every voter serving,
    /// and after a committed transaction every member at the same zxid.
    async fn verify(&self, round: &StaticRound) -> Result<Vec<String>, String> {
        (self.commit)()
            .await
            .map_err(|e| format!("the verification write failed: {e}"))?;
        let observe = || async { ((self.views)().await, self.snapshot().await) };
        let judge = |(views, (obs, health)): (MemberLists, (Observation, Health)), _| {
            judge_round(round, &views, &obs).map(|mut lines| {
                lines.push(format!(
                    "leader {}; {} voters serving",
                    health.leader.map_or("none".into(), |l| l.to_string()),
                    health.live_voters
                ));
                lines
            })
        };
        wait::until(
            observe,
            self.poll,
            self.settings.gate_timeout,
            judge,
            || None,
        )
        .await
        .map_err(|stop| format!("verification after the round failed: {}", stop.reason()))
    }
}

/// Who leads and who serves, for a message.
fn observed_text(p: &Progress) -> String {
    format!(
        "leader {}, serving {}",
        p.leader.map_or("none".into(), |l| l.to_string()),
        ids(&p.up)
    )
}

/// Why the remaining steps changed: most often another leader than the one predicted.
fn replan_why(predicted: Option<u64>, p: &Progress) -> String {
    match (predicted, p.leader) {
        (Some(want), Some(got)) if want != got => {
            format!(
                "member {got} leads, not {want} as predicted; {}",
                observed_text(p)
            )
        }
        _ => format!(
            "what is observed differs from the plan: {}",
            observed_text(p)
        ),
    }
}

/// The verification of a round over what the members report: pure, so it is tested apart.
pub fn judge_round(
    round: &StaticRound,
    views: &[(u64, EnsembleConfig)],
    obs: &Observation,
) -> Result<Vec<String>, String> {
    for id in &round.to {
        match views.iter().find(|(v, _)| v == id) {
            None => return Err(format!("member {id} did not report its membership")),
            Some((_, cfg)) if cfg.voter_ids() != round.to => {
                return Err(format!(
                    "member {id} reports servers {}, not {}",
                    ids(&cfg.voter_ids()),
                    ids(&round.to)
                ))
            }
            Some(_) => {}
        }
    }
    let leaders: Vec<u64> = obs
        .members
        .iter()
        .filter(|m| m.role == Role::Leader)
        .filter_map(|m| m.id)
        .collect();
    if leaders.len() != 1 {
        return Err(format!("{} members lead ({:?})", leaders.len(), leaders));
    }
    let mut zxids = BTreeSet::new();
    for id in &round.to {
        let m = obs
            .members
            .iter()
            .find(|m| m.id == Some(*id))
            .ok_or_else(|| format!("member {id} was not observed"))?;
        if !matches!(m.role, Role::Leader | Role::Follower) {
            return Err(format!("member {id} is {}, not a serving voter", m.role));
        }
        zxids.insert(
            m.zxid
                .ok_or_else(|| format!("member {id} did not tell its zxid"))?,
        );
    }
    if zxids.len() > 1 {
        return Err(format!(
            "zxids differ after a committed write: {}",
            zxids
                .iter()
                .map(|z| format!("0x{z:x}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let znodes: BTreeSet<i64> = obs
        .members
        .iter()
        .filter(|m| m.id.is_some_and(|i| round.to.contains(&i)))
        .filter_map(|m| m.metric_i64("znode_count"))
        .collect();
    Ok(vec![
        format!("every member reports servers {}", ids(&round.to)),
        format!(
            "one leader ({}); every voter at zxid {}",
            leaders[0],
            zxids
                .iter()
                .next()
                .map_or("?".into(), |z| format!("0x{z:x}"))
        ),
        match znodes.len() {
            1 => format!(
                "{} znodes on every member",
                znodes.iter().next().unwrap_or(&0)
            ),
            _ => format!("znode counts: {:?}", znodes),
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::member::MemberSnapshot;
    use crate::ensemble::observation::ConfigSource;

    fn snap(id: u64, role: Role, zxid: u64) -> MemberSnapshot {
        MemberSnapshot {
            zxid: Some(zxid),
            ..MemberSnapshot::voter_for_tests(id, role)
        }
    }

    fn cfg(ids: &[u64]) -> EnsembleConfig {
        let mut text: String = ids
            .iter()
            .map(|i| format!("server.{i}=127.0.0.1:{}:{}\n", 2000 + i, 3000 + i))
            .collect();
        text.push_str("version=0\n");
        EnsembleConfig::parse(&text).unwrap()
    }

    fn obs(members: Vec<MemberSnapshot>) -> Observation {
        Observation {
            config: Some(cfg(&[1, 2, 3, 4])),
            config_source: ConfigSource::Conf,
            members,
            elapsed: Duration::ZERO,
        }
    }

    fn round() -> StaticRound {
        StaticRound {
            from: [1, 2, 3].into(),
            to: [1, 2, 3, 4].into(),
            adds: Some(4),
            removes: None,
        }
    }

    #[test]
    fn a_round_is_verified_only_when_everyone_agrees_and_caught_up() {
        let all = |ids: &[u64]| {
            ids.iter()
                .map(|i| (*i, cfg(&[1, 2, 3, 4])))
                .collect::<Vec<_>>()
        };
        let good = obs(vec![
            snap(1, Role::Follower, 9),
            snap(2, Role::Follower, 9),
            snap(3, Role::Follower, 9),
            snap(4, Role::Leader, 9),
        ]);
        let lines = judge_round(&round(), &all(&[1, 2, 3, 4]), &good).unwrap();
        assert!(lines[0].contains("1,2,3,4"), "{lines:?}");

        // A member left on the old list.
        let mut views = all(&[1, 2, 4]);
        views.push((3, cfg(&[1, 2, 3])));
        let e = judge_round(&round(), &views, &good).unwrap_err();
        assert_eq!(e, "member 3 reports servers 1,2,3, not 1,2,3,4");

        // Behind after the committed write.
        let mut lagging = good.clone();
        lagging.members[1].zxid = Some(8);
        assert!(judge_round(&round(), &all(&[1, 2, 3, 4]), &lagging)
            .unwrap_err()
            .starts_with("zxids differ"));

        // Two leaders.
        let mut two = good.clone();
        two.members[0].role = Role::Leader;
        assert!(judge_round(&round(), &all(&[1, 2, 3, 4]), &two)
            .unwrap_err()
            .starts_with("2 members lead"));
    }
}
