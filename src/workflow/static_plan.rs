//! The planner for membership changes on ensembles without dynamic reconfig: each member's
//! `zoo.cfg` is rewritten and the members restarted, one voter added or removed per round.
//!
//! A round that adds server j: write the new list into every member's config (taking effect
//! at its next start), start j with the new list, then restart the old members one at a time,
//! followers first and the leader last. A round that removes server r: move leadership off r
//! first when it leads (restart it: the others elect among themselves and it rejoins as a
//! follower), write the smaller list into the others' configs, restart them followers first,
//! then stop r. Every step is simulated over the mixed lists (`quorum_views`) and checked: no
//! two disjoint quorums, and some leader serving. Pure.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::quorum_views::{check, ids, MixedCheck, MixedView};
use crate::ensemble::ServerSpec;

/// The ensemble as the planner starts from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaticState {
    /// Per member: the voter list its config holds.
    pub lists: BTreeMap<u64, BTreeSet<u64>>,
    pub up: BTreeSet<u64>,
    pub leader: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaticGoal {
    pub add: Vec<ServerSpec>,
    pub remove: Vec<u64>,
    /// Everything in one round (what an operator forcing several joiners at once does): the
    /// checks then say why that is unsafe.
    pub batch: bool,
    /// Remove a removed member's data directory once it is stopped (a `clean` host action
    /// exists); else the directory is left and reported.
    pub clean: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartWhy {
    /// To read the list just written into its config.
    NewList,
    /// It leads and is being removed: restarting it makes the others elect a leader among
    /// themselves before any member moves to the smaller list.
    MoveLeadership,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum StaticAction {
    /// Rewrite the server list in the member's `zoo.cfg` (backup beside it); it takes effect
    /// at the member's next start.
    WriteList {
        id: u64,
        list: BTreeSet<u64>,
    },
    /// Write the joiner's `zoo.cfg` (derived from a member's) and `myid`, then start it.
    StartJoiner {
        id: u64,
        list: BTreeSet<u64>,
    },
    Restart {
        id: u64,
        why: RestartWhy,
    },
    /// Stop a removed member for good (and remove its data directory, with `clean`).
    StopRemoved {
        id: u64,
        clean: bool,
    },
}

impl StaticAction {
    pub fn id(&self) -> u64 {
        match self {
            StaticAction::WriteList { id, .. }
            | StaticAction::StartJoiner { id, .. }
            | StaticAction::Restart { id, .. }
            | StaticAction::StopRemoved { id, .. } => *id,
        }
    }

    pub fn title(&self) -> String {
        match self {
            StaticAction::WriteList { id, list } => {
                format!("write servers {} into member {id}'s zoo.cfg", ids(list))
            }
            StaticAction::StartJoiner { id, list } => {
                format!("start joiner {id} with servers {}", ids(list))
            }
            StaticAction::Restart {
                id,
                why: RestartWhy::NewList,
            } => format!("restart member {id} on its new list"),
            StaticAction::Restart {
                id,
                why: RestartWhy::MoveLeadership,
            } => {
                format!("restart member {id} (the leader, being removed) to move leadership off it")
            }
            StaticAction::StopRemoved { id, clean: true } => {
                format!("stop removed member {id} and remove its data directory (`clean`)")
            }
            StaticAction::StopRemoved { id, clean: false } => {
                format!("stop removed member {id} (its data directory is left: no `clean` action)")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaticStep {
    /// 0-based round this step belongs to.
    pub round: usize,
    pub action: StaticAction,
    /// The moment the member is down (restarts only).
    pub during: Option<MixedCheck>,
    /// The moment after the step.
    pub after: MixedCheck,
}

impl StaticStep {
    pub fn safe(&self) -> bool {
        self.during.as_ref().is_none_or(MixedCheck::safe) && self.after.safe()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaticRound {
    pub from: BTreeSet<u64>,
    pub to: BTreeSet<u64>,
    pub adds: Option<u64>,
    pub removes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaticPlan {
    pub rounds: Vec<StaticRound>,
    pub steps: Vec<StaticStep>,
    pub safe: bool,
    /// Why there is no safe plan, when there is none.
    pub blocked: Option<String>,
    pub goal: BTreeSet<u64>,
    /// Removed members' data directories are removed after their stop.
    pub clean: bool,
}

/// Where the simulation stands: the view, and lists written but not yet read.
#[derive(Clone)]
struct Sim {
    view: MixedView,
    pending: BTreeMap<u64, BTreeSet<u64>>,
    steps: Vec<StaticStep>,
    round: usize,
    /// Whether a removed member's data directory is removed after its stop.
    clean: bool,
}

impl Sim {
    fn push(&mut self, action: StaticAction, during: Option<MixedCheck>) {
        let after = check(&self.view);
        self.view.leader = after.leader;
        self.steps.push(StaticStep {
            round: self.round,
            action,
            during,
            after,
        });
    }

    fn apply(&mut self, action: StaticAction) {
        match &action {
            StaticAction::WriteList { id, list } => {
                self.pending.insert(*id, list.clone());
                self.push(action, None);
            }
            StaticAction::StartJoiner { id, list } => {
                self.view.lists.insert(*id, list.clone());
                self.view.up.insert(*id);
                self.push(action, None);
            }
            StaticAction::Restart { id, .. } => {
                self.view.up.remove(id);
                let during = check(&self.view);
                self.view.leader = during.leader;
                if let Some(list) = self.pending.remove(id) {
                    self.view.lists.insert(*id, list);
                }
                self.view.up.insert(*id);
                self.push(action, Some(during));
            }
            StaticAction::StopRemoved { id, .. } => {
                self.view.up.remove(id);
                self.view.lists.remove(id);
                self.push(action, None);
            }
        }
    }

    fn all_safe(&self) -> bool {
        self.steps.iter().all(StaticStep::safe)
    }

    /// Restarts every member in `who`, one at a time: followers first (low ids first), the
    /// member leading at that moment last.
    fn restart_all(&mut self, mut who: BTreeSet<u64>) {
        while !who.is_empty() {
            let leader = self.view.leader;
            let next = who
                .iter()
                .copied()
                .find(|id| Some(*id) != leader)
                .unwrap_or_else(|| *who.iter().next().expect("not empty"));
            who.remove(&next);
            self.apply(StaticAction::Restart {
                id: next,
                why: RestartWhy::NewList,
            });
        }
    }

    /// The list a member's config file holds: what was written, else what it runs.
    fn file_list(&self, id: u64) -> Option<&BTreeSet<u64>> {
        self.pending.get(&id).or_else(|| self.view.lists.get(&id))
    }

    /// What is left of round `r` from where the simulation stands (everything, on a fresh
    /// start; less on a re-plan in the middle of it): move leadership off a removed member
    /// that leads (`move_first`), write the round's list where the file lacks it, start the
    /// joiners not running yet, restart the members not running the list yet (followers
    /// first), stop the removed members (before the rest, with `stop_first`).
    fn round_rest(&mut self, r: &StaticRound, move_first: bool, stop_first: bool) {
        let staying: BTreeSet<u64> = r.from.intersection(&r.to).copied().collect();
        let removed: Vec<u64> = r
            .from
            .difference(&r.to)
            .filter(|x| self.view.lists.contains_key(x))
            .copied()
            .collect();
        for x in removed.iter().filter(|_| move_first) {
            if self.view.leader == Some(*x) && self.view.up.contains(x) {
                self.apply(StaticAction::Restart {
                    id: *x,
                    why: RestartWhy::MoveLeadership,
                });
            }
        }
        for x in removed.iter().filter(|_| stop_first) {
            self.apply(StaticAction::StopRemoved {
                id: *x,
                clean: self.clean,
            });
        }
        for m in &staying {
            if self.file_list(*m) != Some(&r.to) {
                self.apply(StaticAction::WriteList {
                    id: *m,
                    list: r.to.clone(),
                });
            }
        }
        for j in r.to.difference(&r.from) {
            if !self.view.lists.contains_key(j) {
                self.apply(StaticAction::StartJoiner {
                    id: *j,
                    list: r.to.clone(),
                });
            }
        }
        let to_restart = staying
            .into_iter()
            .filter(|m| self.view.lists.get(m) != Some(&r.to))
            .collect();
        self.restart_all(to_restart);
        for x in removed.iter().filter(|_| !stop_first) {
            self.apply(StaticAction::StopRemoved {
                id: *x,
                clean: self.clean,
            });
        }
    }
}

/// The orders a round may take (move leadership first?, stop the removed member first?), in
/// preference: the first whose every step is safe is kept.
const ORDERS: [(bool, bool); 4] = [(true, false), (false, false), (true, true), (false, true)];

/// Plans rounds `first..` from where `sim` stands.
fn plan_rounds(mut sim: Sim, rounds: &[StaticRound], first: usize) -> Sim {
    for (n, r) in rounds.iter().enumerate().skip(first) {
        sim.round = n;
        // A round that removes nobody has one order only.
        let orders = if r.from.is_subset(&r.to) {
            &ORDERS[..1]
        } else {
            &ORDERS[..]
        };
        let mut chosen = None;
        for (move_first, stop_first) in orders {
            let mut attempt = sim.clone();
            attempt.round_rest(r, *move_first, *stop_first);
            if attempt.all_safe() {
                chosen = Some(attempt);
                break;
            }
            chosen.get_or_insert(attempt);
        }
        sim = chosen.expect("one order at least");
    }
    sim
}

/// Why the starting point cannot be planned from, if it cannot.
fn precondition(state: &StaticState, goal: &StaticGoal) -> Result<BTreeSet<u64>, String> {
    let lists: BTreeSet<&BTreeSet<u64>> = state.lists.values().collect();
    let [list] = lists.into_iter().collect::<Vec<_>>()[..] else {
        return Err(
            "the members do not all run the same server list (see the membership check in \
             `zkconsole status`): finish or undo the change in progress first"
                .into(),
        );
    };
    let members: BTreeSet<u64> = state.lists.keys().copied().collect();
    if &members != list {
        return Err(format!(
            "the members known ({}) are not the server list they run ({})",
            ids(&members),
            ids(list)
        ));
    }
    let down: BTreeSet<u64> = members.difference(&state.up).copied().collect();
    if !down.is_empty() {
        return Err(format!(
            "member{} {} {} not running: every restart would then risk the quorum; bring it back first",
            if down.len() == 1 { "" } else { "s" },
            ids(&down),
            if down.len() == 1 { "is" } else { "are" }
        ));
    }
    if state.leader.is_none_or(|l| !members.contains(&l)) {
        return Err("no leader serves: nothing can be planned until one does".into());
    }
    for id in &goal.remove {
        if !members.contains(id) {
            return Err(format!(
                "server {id} is not a member (members: {})",
                ids(&members)
            ));
        }
    }
    let mut goal_list = list.clone();
    for spec in &goal.add {
        if members.contains(&spec.id) {
            return Err(format!("server {} is a member already", spec.id));
        }
        if !spec.is_voter() {
            return Err(format!(
                "server {}: observers are not supported by the static procedure",
                spec.id
            ));
        }
        goal_list.insert(spec.id);
    }
    for id in &goal.remove {
        goal_list.remove(id);
    }
    if goal_list.len() < 3 && goal_list.len() < members.len() {
        return Err(format!(
            "the end state would have {} voter{}: with fewer than 3, every restart of a \
             static round stops the ensemble (no step can be made without an outage)",
            goal_list.len(),
            if goal_list.len() == 1 { "" } else { "s" }
        ));
    }
    Ok(goal_list)
}

/// Plans the goal: additions first (the ensemble never shrinks below where it starts), in id
/// order, then removals.
pub fn plan_static(state: &StaticState, goal: &StaticGoal) -> StaticPlan {
    let goal_list = match precondition(state, goal) {
        Ok(g) => g,
        Err(why) => {
            return StaticPlan {
                rounds: Vec::new(),
                steps: Vec::new(),
                safe: false,
                blocked: Some(why),
                goal: BTreeSet::new(),
                clean: goal.clean,
            }
        }
    };
    let current: BTreeSet<u64> = state.lists.keys().copied().collect();
    let rounds = rounds_of(current, &goal_list, goal);
    let sim = Sim {
        view: MixedView {
            lists: state.lists.clone(),
            up: state.up.clone(),
            leader: state.leader,
        },
        pending: BTreeMap::new(),
        steps: Vec::new(),
        round: 0,
        clean: goal.clean,
    };
    finish(plan_rounds(sim, &rounds, 0), rounds, goal_list, 0)
}

/// The rounds from `current` to `goal_list`: one voter each, additions first (the ensemble
/// never shrinks below where it starts) in id order, then removals; or all in one (`batch`).
fn rounds_of(
    mut current: BTreeSet<u64>,
    goal_list: &BTreeSet<u64>,
    goal: &StaticGoal,
) -> Vec<StaticRound> {
    if goal.batch && current.symmetric_difference(goal_list).count() > 1 {
        return vec![StaticRound {
            from: current,
            to: goal_list.clone(),
            adds: None,
            removes: None,
        }];
    }
    let mut adds: Vec<u64> = goal.add.iter().map(|s| s.id).collect();
    adds.sort_unstable();
    adds.dedup();
    let mut removes: Vec<u64> = goal.remove.clone();
    removes.sort_unstable();
    removes.dedup();
    let mut rounds = Vec::new();
    for (id, adding) in adds
        .into_iter()
        .map(|a| (a, true))
        .chain(removes.into_iter().map(|r| (r, false)))
    {
        let mut to = current.clone();
        if adding {
            to.insert(id);
        } else {
            to.remove(&id);
        }
        rounds.push(StaticRound {
            from: current,
            to: to.clone(),
            adds: adding.then_some(id),
            removes: (!adding).then_some(id),
        });
        current = to;
    }
    rounds
}

/// A change in progress as the executor finds it before a step: what the members run, what
/// was written into their files, who is up and who leads (all observed, not predicted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Per member still part of the change: the list it runs (its `conf`; for a member that
    /// did not answer, the last list known to be in effect).
    pub running: BTreeMap<u64, BTreeSet<u64>>,
    /// Lists written into members' files and not read by a restart yet.
    pub pending: BTreeMap<u64, BTreeSet<u64>>,
    pub up: BTreeSet<u64>,
    pub leader: Option<u64>,
    /// The first round not finished (the ones before are done and verified).
    pub round: usize,
    /// Steps carried out so far (numbers the re-planned steps on from there).
    pub done: usize,
}

/// The rest of `plan` re-planned from what is observed: the same rounds, the steps still
/// needed to finish them ordered for the leader and lists actually in place (the election
/// after a restart may pick another leader than the simulation predicts), and every step
/// checked again. `steps` holds only the remaining steps.
pub fn replan(plan: &StaticPlan, progress: &Progress) -> StaticPlan {
    let pending = progress
        .pending
        .iter()
        .filter(|(id, list)| progress.running.get(id) != Some(list))
        .map(|(id, list)| (*id, list.clone()))
        .collect();
    let sim = Sim {
        view: MixedView {
            lists: progress.running.clone(),
            up: progress.up.clone(),
            leader: progress.leader,
        },
        pending,
        steps: Vec::new(),
        round: progress.round,
        clean: plan.clean,
    };
    let sim = plan_rounds(sim, &plan.rounds, progress.round);
    finish(sim, plan.rounds.clone(), plan.goal.clone(), progress.done)
}

/// The plan from the simulated steps; `offset` numbers them (steps already carried out).
fn finish(
    sim: Sim,
    rounds: Vec<StaticRound>,
    goal_list: BTreeSet<u64>,
    offset: usize,
) -> StaticPlan {
    let (safe, clean) = (sim.all_safe(), sim.clean);
    let blocked = sim
        .steps
        .iter()
        .enumerate()
        .find(|(_, s)| !s.safe())
        .map(|(i, s)| {
            let what = match (&s.during, &s.after) {
                (Some(d), _) if !d.safe() => problem(d, "while it is down"),
                (_, a) => problem(a, "after it"),
            };
            format!("step {} ({}): {what}", offset + i + 1, s.action.title())
        });
    StaticPlan {
        rounds,
        steps: sim.steps,
        safe,
        blocked,
        goal: goal_list,
        clean,
    }
}

fn problem(c: &MixedCheck, when: &str) -> String {
    match &c.split {
        Some(s) => format!(
            "{when}, quorums {} and {} share no member: two leaders could be elected",
            ids(&s.first),
            ids(&s.second)
        ),
        None => format!("{when}, no member can lead: an outage"),
    }
}

/// The plan as operator text, a preview per step.
pub fn static_plan_text(p: &StaticPlan) -> String {
    let mut s = String::new();
    for (n, r) in p.rounds.iter().enumerate() {
        let what = match (r.adds, r.removes) {
            (Some(a), _) => format!("add {a}"),
            (_, Some(x)) => format!("remove {x}"),
            _ => "all at once".to_string(),
        };
        s.push_str(&format!(
            "round {}: {what}: servers {} → {}\n",
            n + 1,
            ids(&r.from),
            ids(&r.to)
        ));
        for (i, step) in p.steps.iter().enumerate().filter(|(_, st)| st.round == n) {
            let mark = if step.safe() { "✓" } else { "✗" };
            s.push_str(&format!(
                "  {mark} step {}: {}\n",
                i + 1,
                step.action.title()
            ));
            if let Some(d) = &step.during {
                for line in d.lines() {
                    s.push_str(&format!("      while down: {line}\n"));
                }
            }
            // A written list takes effect at the next start: nothing to show until then.
            if !matches!(step.action, StaticAction::WriteList { .. }) || !step.safe() {
                for line in step.after.lines() {
                    s.push_str(&format!("      after: {line}\n"));
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn state(n: u64, leader: u64) -> StaticState {
        let list: BTreeSet<u64> = (1..=n).collect();
        StaticState {
            lists: list.iter().map(|id| (*id, list.clone())).collect(),
            up: list.clone(),
            leader: Some(leader),
        }
    }

    fn joiner(id: u64) -> ServerSpec {
        ServerSpec::parse_line(&format!(
            "server.{id}=127.0.0.1:{}:{}",
            3000 + id,
            4000 + id
        ))
        .unwrap()
    }

    fn goal(add: &[u64], remove: &[u64]) -> StaticGoal {
        StaticGoal {
            add: add.iter().map(|i| joiner(*i)).collect(),
            remove: remove.to_vec(),
            batch: false,
            clean: false,
        }
    }

    #[test]
    fn three_to_four_restarts_the_leader_last() {
        let p = plan_static(&state(3, 3), &goal(&[4], &[]));
        assert!(p.safe, "{}", static_plan_text(&p));
        let restarts: Vec<u64> = p
            .steps
            .iter()
            .filter(|s| matches!(s.action, StaticAction::Restart { .. }))
            .map(|s| s.action.id())
            .collect();
        assert_eq!(restarts, [1, 2, 3]);
        assert_eq!(
            p.steps[3].action.title(),
            "start joiner 4 with servers 1,2,3,4"
        );
        assert_eq!(p.steps.last().unwrap().after.leader, Some(4));
    }

    #[test]
    fn removing_the_leader_moves_leadership_first() {
        let p = plan_static(&state(4, 4), &goal(&[], &[4]));
        assert!(p.safe, "{}", static_plan_text(&p));
        assert_eq!(
            p.steps[0].action,
            StaticAction::Restart {
                id: 4,
                why: RestartWhy::MoveLeadership
            }
        );
        assert_eq!(
            p.steps.last().unwrap().action,
            StaticAction::StopRemoved {
                id: 4,
                clean: false
            }
        );
        // The naive order (followers first, with 4 still leading) is the documented outage.
        let mut naive = Sim {
            view: MixedView {
                lists: state(4, 4).lists,
                up: (1..=4).collect(),
                leader: Some(4),
            },
            pending: BTreeMap::new(),
            steps: Vec::new(),
            round: 0,
            clean: false,
        };
        let round = StaticRound {
            from: (1..=4).collect(),
            to: (1..=3).collect(),
            adds: None,
            removes: Some(4),
        };
        naive.round_rest(&round, false, false);
        assert!(!naive.all_safe());
    }

    #[test]
    fn down_members_and_tiny_ends_are_refused_plainly() {
        let mut s = state(3, 3);
        s.up.remove(&2);
        let p = plan_static(&s, &goal(&[4], &[]));
        assert!(!p.safe);
        assert!(p.blocked.unwrap().contains("member 2 is not running"));
        let p = plan_static(&state(3, 3), &goal(&[], &[3]));
        assert!(p.blocked.unwrap().contains("fewer than 3"));
        let p = plan_static(&state(3, 3), &goal(&[], &[9]));
        assert!(p.blocked.unwrap().contains("not a member"));
    }

    #[test]
    fn a_forced_two_at_once_addition_is_refused_by_the_preview() {
        let mut g = goal(&[4, 5], &[]);
        g.batch = true;
        let p = plan_static(&state(3, 3), &g);
        assert!(!p.safe);
        let why = p.blocked.unwrap();
        assert!(why.contains("two leaders could be elected"), "{why}");
        // One at a time, the same goal is safe.
        assert!(plan_static(&state(3, 3), &goal(&[4, 5], &[])).safe);
    }

    #[test]
    fn two_joiners_at_once_fail_the_intersection_check() {
        // What a forced two-at-once addition looks like, checked the same way.
        let lists: BTreeMap<u64, BTreeSet<u64>> = [
            (1, [1, 2, 3].into()),
            (2, [1, 2, 3].into()),
            (3, [1, 2, 3].into()),
            (4, [1, 2, 3, 4, 5].into()),
            (5, [1, 2, 3, 4, 5].into()),
        ]
        .into();
        let c = check(&MixedView {
            lists,
            up: (1..=5).collect(),
            leader: Some(3),
        });
        assert!(!c.intersects());
    }

    /// Replays the plan's actions on a fresh simulation: the end lists are the goal's.
    fn end_lists(start: &StaticState, p: &StaticPlan) -> BTreeMap<u64, BTreeSet<u64>> {
        let mut sim = Sim {
            view: MixedView {
                lists: start.lists.clone(),
                up: start.up.clone(),
                leader: start.leader,
            },
            pending: BTreeMap::new(),
            steps: Vec::new(),
            round: 0,
            clean: false,
        };
        for s in &p.steps {
            sim.round = s.round;
            sim.apply(s.action.clone());
        }
        assert_eq!(sim.steps, p.steps);
        sim.view.lists
    }

    fn restarts(steps: &[StaticStep]) -> Vec<u64> {
        steps
            .iter()
            .filter(|s| matches!(s.action, StaticAction::Restart { .. }))
            .map(|s| s.action.id())
            .collect()
    }

    /// The CI failure of 5 → 3: after round 1 (remove 4) the election chose member 1 where the
    /// simulation predicted 3. Round 2 planned up front restarts 1 first; re-planned from what
    /// is observed it restarts 1 (the actual leader) last.
    #[test]
    fn a_round_is_replanned_for_the_leader_actually_elected() {
        let plan = plan_static(&state(5, 5), &goal(&[], &[4, 5]));
        assert!(plan.safe, "{}", static_plan_text(&plan));
        let first: Vec<&StaticStep> = plan.steps.iter().filter(|s| s.round == 0).collect();
        assert_eq!(
            first.last().unwrap().after.leader,
            Some(3),
            "the prediction"
        );
        let old_rest: Vec<StaticStep> = plan.steps[first.len()..].to_vec();
        assert_eq!(restarts(&old_rest), [1, 2, 3]);

        let list: BTreeSet<u64> = [1, 2, 3, 5].into();
        let observed = Progress {
            running: [1, 2, 3, 5].map(|id| (id, list.clone())).into(),
            pending: BTreeMap::new(),
            up: list.clone(),
            leader: Some(1),
            round: 1,
            done: first.len(),
        };
        let rest = replan(&plan, &observed);
        assert!(rest.safe, "{:?}\n{}", rest.blocked, static_plan_text(&rest));
        assert_eq!(restarts(&rest.steps), [2, 3, 1], "the leader last");
        assert!(rest.steps.iter().all(|s| s.round == 1));
        assert_eq!(
            rest.steps.last().unwrap().action,
            StaticAction::StopRemoved {
                id: 5,
                clean: false
            }
        );

        // The old order on the observed state: restarting 1 first hands 5 (being removed)
        // the election, and 1 on servers 1,2,3 cannot follow it.
        let mut replay = Sim {
            view: MixedView {
                lists: observed.running.clone(),
                up: observed.up.clone(),
                leader: observed.leader,
            },
            pending: BTreeMap::new(),
            steps: Vec::new(),
            round: 1,
            clean: false,
        };
        for s in &old_rest {
            replay.apply(s.action.clone());
        }
        assert!(!replay.all_safe());
    }

    #[test]
    fn a_replan_in_the_middle_of_a_round_keeps_what_is_done() {
        let plan = plan_static(&state(3, 3), &goal(&[4], &[]));
        let (old, new): (BTreeSet<u64>, BTreeSet<u64>) = ([1, 2, 3].into(), [1, 2, 3, 4].into());
        // Lists written, 4 started, 1 restarted; then 1 was elected, not 3.
        let observed = Progress {
            running: [
                (1, new.clone()),
                (2, old.clone()),
                (3, old.clone()),
                (4, new.clone()),
            ]
            .into(),
            pending: [(1, new.clone()), (2, new.clone()), (3, new.clone())].into(),
            up: new.clone(),
            leader: Some(1),
            round: 0,
            done: 5,
        };
        let rest = replan(&plan, &observed);
        assert!(rest.safe, "{:?}", rest.blocked);
        let titles: Vec<String> = rest.steps.iter().map(|s| s.action.title()).collect();
        assert_eq!(
            titles,
            [
                "restart member 2 on its new list",
                "restart member 3 on its new list"
            ]
        );
        // Nothing left once everyone runs the new list.
        let finished = Progress {
            running: new.iter().map(|id| (*id, new.clone())).collect(),
            up: new.clone(),
            ..observed
        };
        assert!(replan(&plan, &finished).steps.is_empty());
    }

    proptest! {
        #[test]
        fn every_step_is_checked_safe_and_the_goal_is_reached(
            n in 3u64..7,
            leader_pick in 0u64..7,
            adds in 0u64..4,
            remove_mask in proptest::collection::vec(any::<bool>(), 7),
        ) {
            let leader = leader_pick % n + 1;
            let start = state(n, leader);
            let add: Vec<u64> = (n + 1..=n + adds).collect();
            let mut remove: Vec<u64> = (1..=n).filter(|i| remove_mask[*i as usize - 1]).collect();
            // Keep at least 3 voters in the end.
            while (n + adds) as usize - remove.len() < 3 {
                remove.pop();
            }
            let p = plan_static(&start, &goal(&add, &remove));
            prop_assert!(p.safe, "{}\n{:?}", static_plan_text(&p), p.blocked);
            for s in &p.steps {
                prop_assert!(s.after.intersects() && s.after.available());
                if let Some(d) = &s.during {
                    prop_assert!(d.intersects() && d.available());
                }
            }
            // Re-planned from the very start, as observed, it is the same plan.
            let at_start = Progress {
                running: start.lists.clone(),
                pending: BTreeMap::new(),
                up: start.up.clone(),
                leader: start.leader,
                round: 0,
                done: 0,
            };
            prop_assert_eq!(&replan(&p, &at_start), &p);
            let lists = end_lists(&start, &p);
            prop_assert_eq!(lists.keys().copied().collect::<BTreeSet<u64>>(), p.goal.clone());
            prop_assert!(lists.values().all(|l| *l == p.goal));
            // One voter per round.
            for r in &p.rounds {
                prop_assert_eq!(r.from.symmetric_difference(&r.to).count(), 1);
            }
        }
    }
}
