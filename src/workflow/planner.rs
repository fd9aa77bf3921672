//! The membership-change planner: turns a goal (servers to add or change, ids to remove) into
//! reconfig steps, each with its quorum preview.
//!
//! Stepwise, one server changes per step (the first step of 1 → 3 adds two voters at once,
//! since 2 voters tolerate nothing). Among the orderings it looks for one where every step is
//! safe, preferring odd voter counts, then additions before removals (removing the leader
//! last), then voter changes before observer changes, and low ids first. The search
//! is exact over single-change orderings for small goals and greedy beyond that.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::preview::{
    apply_change, list, plural, preview, ClusterState, Preview, Severity, Warning, WarningKind,
};
use crate::ensemble::{EnsembleConfig, ServerSpec};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One server per step (the default).
    #[default]
    Stepwise,
    /// Everything in one reconfig: riskier, the preview says why.
    Batch,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Goal {
    /// Servers to add; an id already in the config changes that server's spec or role.
    pub add: Vec<ServerSpec>,
    pub remove: Vec<u64>,
    pub mode: Mode,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub joining: Vec<ServerSpec>,
    pub leaving: Vec<u64>,
    pub before: EnsembleConfig,
    pub after: EnsembleConfig,
    pub preview: Preview,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Every step is safe.
    pub safe: bool,
    /// Why there is no safe path, when there is none.
    pub blocked: Option<String>,
    pub goal_config: EnsembleConfig,
}

/// Up to this many changes the planner searches every ordering (memoised over the set of
/// changes applied, so at most 2^n states); beyond it, greedy only.
const SEARCH_LIMIT: usize = 12;

/// One server's change; a goal's changes touch distinct ids, so they commute.
#[derive(Debug, Clone, PartialEq)]
enum Change {
    Join(ServerSpec),
    Leave(u64),
}

impl Change {
    fn id(&self) -> u64 {
        match self {
            Change::Join(spec) => spec.id,
            Change::Leave(id) => *id,
        }
    }
}

/// The goal as one change per id, in the order `apply_change` would leave them: the last spec
/// given for an id wins, and a removal beats an addition of the same id.
fn changes_of(goal: &Goal) -> Vec<Change> {
    let leaving: BTreeSet<u64> = goal.remove.iter().copied().collect();
    let mut joining: BTreeMap<u64, ServerSpec> = BTreeMap::new();
    for spec in &goal.add {
        if !leaving.contains(&spec.id) {
            joining.insert(spec.id, spec.clone());
        }
    }
    joining
        .into_values()
        .map(Change::Join)
        .chain(leaving.into_iter().map(Change::Leave))
        .collect()
}

fn split(changes: &[&Change]) -> (Vec<ServerSpec>, Vec<u64>) {
    let mut joining = Vec::new();
    let mut leaving = Vec::new();
    for change in changes {
        match change {
            Change::Join(spec) => joining.push(spec.clone()),
            Change::Leave(id) => leaving.push(*id),
        }
    }
    (joining, leaving)
}

/// Whether applying `change` to `config` makes a non-voter a voter.
fn adds_voter(config: &EnsembleConfig, change: &Change) -> bool {
    match change {
        Change::Join(spec) => {
            spec.is_voter()
                && !config
                    .servers
                    .get(&spec.id)
                    .is_some_and(ServerSpec::is_voter)
        }
        Change::Leave(_) => false,
    }
}

/// A candidate step from some intermediate config.
struct Candidate {
    /// Indices into the change list: one, or two for the 1 → 3 double step.
    picks: Vec<usize>,
    /// Lower is preferred.
    key: (bool, bool, bool, bool, u64),
    preview: Preview,
    after: EnsembleConfig,
}

struct Planner<'a> {
    state: &'a ClusterState,
    changes: Vec<Change>,
    leader: Option<u64>,
    /// Which changes are applied, for the states from which no all-safe completion exists.
    dead: BTreeSet<Vec<bool>>,
}

impl Planner<'_> {
    /// Every possible next step from `config` (the changes marked in `applied` done), best
    /// first.
    fn candidates(&self, config: &EnsembleConfig, applied: &[bool]) -> Vec<Candidate> {
        let remaining: Vec<usize> = (0..self.changes.len()).filter(|&i| !applied[i]).collect();
        let mut picks: Vec<Vec<usize>> = remaining.iter().map(|&i| vec![i]).collect();
        if config.voter_ids().len() == 1 {
            let growing: Vec<usize> = remaining
                .iter()
                .copied()
                .filter(|&i| adds_voter(config, &self.changes[i]))
                .collect();
            for (n, &a) in growing.iter().enumerate() {
                for &b in &growing[n + 1..] {
                    picks.push(vec![a, b]);
                }
            }
        }
        let mut out: Vec<Candidate> = picks
            .into_iter()
            .map(|picks| self.candidate(config, picks))
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key).then_with(|| a.picks.cmp(&b.picks)));
        out
    }

    fn candidate(&self, config: &EnsembleConfig, picks: Vec<usize>) -> Candidate {
        let changes: Vec<&Change> = picks.iter().map(|&i| &self.changes[i]).collect();
        let (joining, leaving) = split(&changes);
        let after = apply_change(config, &joining, &leaving);
        let preview = preview(self.state, config, &joining, &leaving);
        let (before_n, after_n) = (preview.voters_before.len(), preview.voters_after.len());
        let even = after_n.is_multiple_of(2) && !after.is_hierarchical();
        let removes = after_n < before_n
            || leaving
                .iter()
                .any(|id| config.servers.contains_key(id) && !preview.voters_after.contains(id));
        let removes_leader = self.leader.is_some_and(|l| {
            preview.voters_before.contains(&l) && !preview.voters_after.contains(&l)
        });
        let observer_only = preview.voters_before == preview.voters_after;
        let lowest = changes.iter().map(|c| c.id()).min().unwrap_or(0);
        Candidate {
            picks,
            key: (even, removes, removes_leader, observer_only, lowest),
            preview,
            after,
        }
    }

    /// The preferred all-safe sequence of steps from `config`, if any.
    fn solve(&mut self, config: &EnsembleConfig, applied: &[bool]) -> Option<Vec<Candidate>> {
        if applied.iter().all(|&done| done) {
            return Some(Vec::new());
        }
        if self.dead.contains(applied) {
            return None;
        }
        for candidate in self.candidates(config, applied) {
            if !candidate.preview.safe {
                continue;
            }
            let mut next = applied.to_vec();
            for &i in &candidate.picks {
                next[i] = true;
            }
            if let Some(mut rest) = self.solve(&candidate.after, &next) {
                rest.insert(0, candidate);
                return Some(rest);
            }
        }
        self.dead.insert(applied.to_vec());
        None
    }

    /// Greedy by preference; with `safe_first`, the best safe step each time (the best step
    /// when none is safe).
    fn greedy(&self, safe_first: bool) -> Vec<Candidate> {
        let mut applied = vec![false; self.changes.len()];
        let mut config = self.state.config.clone();
        let mut steps = Vec::new();
        while !applied.iter().all(|&done| done) {
            let mut candidates = self.candidates(&config, &applied);
            let index = match safe_first {
                true => candidates.iter().position(|c| c.preview.safe).unwrap_or(0),
                false => 0,
            };
            let chosen = candidates.swap_remove(index);
            for &i in &chosen.picks {
                applied[i] = true;
            }
            config = chosen.after.clone();
            steps.push(chosen);
        }
        steps
    }
}

/// What a step does, for `blocked`: "adding server 4", "removing servers 1 and 2".
fn describe(before: &EnsembleConfig, joining: &[ServerSpec], leaving: &[u64]) -> String {
    let (changed, added): (Vec<&ServerSpec>, Vec<&ServerSpec>) = joining
        .iter()
        .partition(|s| before.servers.contains_key(&s.id));
    let ids = |ids: &mut dyn Iterator<Item = u64>| -> (usize, String) {
        let set: BTreeSet<u64> = ids.collect();
        (set.len(), list(&set))
    };
    let mut parts = Vec::new();
    for (verb, set) in [
        ("adding", ids(&mut added.iter().map(|s| s.id))),
        ("changing", ids(&mut changed.iter().map(|s| s.id))),
        ("removing", ids(&mut leaving.iter().copied())),
    ] {
        match set {
            (0, _) => {}
            (1, id) => parts.push(format!("{verb} server {id}")),
            (_, ids) => parts.push(format!("{verb} servers {ids}")),
        }
    }
    parts.join(", ")
}

fn blocking_text(p: &Preview) -> String {
    p.blocking()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

fn batch_risk(p: &Preview, changes: usize) -> Warning {
    Warning::new(
        WarningKind::BatchRisk,
        Severity::Warn,
        format!(
            "batch mode makes {} in one reconfig: {} of the {} new voters ({}) must be connected \
             and synced to the leader at the same moment, or the whole change fails; there is \
             no intermediate config to stop at and check, and a failure mid-way can leave the \
             ensemble tolerating none. Stepwise changes one voter at a time and verifies each \
             step",
            plural(changes, "change"),
            p.quorum_after,
            p.voters_after.len(),
            list(&p.voters_after),
        ),
    )
}

fn step_of(state: &ClusterState, before: &EnsembleConfig, changes: &[&Change]) -> Step {
    let (joining, leaving) = split(changes);
    let after = apply_change(before, &joining, &leaving);
    let preview = preview(state, before, &joining, &leaving);
    Step {
        joining,
        leaving,
        before: before.clone(),
        after,
        preview,
    }
}

/// Plans the goal against the state. Steps keep the config version they were planned from;
/// the executor passes the version it re-reads before each step.
pub fn plan(state: &ClusterState, goal: &Goal) -> Plan {
    let changes = changes_of(goal);
    let goal_config = apply_change(&state.config, &goal.add, &goal.remove);
    if changes.is_empty() {
        return Plan {
            steps: Vec::new(),
            safe: true,
            blocked: None,
            goal_config,
        };
    }

    if goal.mode == Mode::Batch {
        let all: Vec<&Change> = changes.iter().collect();
        let mut step = step_of(state, &state.config, &all);
        let warning = batch_risk(&step.preview, changes.len());
        step.preview.push(warning);
        let safe = step.preview.safe;
        let blocked = (!safe).then(|| {
            format!(
                "{}: {}",
                describe(&step.before, &step.joining, &step.leaving),
                blocking_text(&step.preview)
            )
        });
        return Plan {
            steps: vec![step],
            safe,
            blocked,
            goal_config,
        };
    }

    let mut planner = Planner {
        state,
        changes,
        leader: state.leader(),
        dead: BTreeSet::new(),
    };
    let found = if planner.changes.len() <= SEARCH_LIMIT {
        planner.solve(&state.config, &vec![false; planner.changes.len()])
    } else {
        None
    };
    // No safe order: greedy may still find one beyond the search limit; otherwise show the
    // changes in the preferred order, so the first unsafe step is the real obstacle and the
    // safe steps before it are the ones worth taking.
    let chosen = found.unwrap_or_else(|| {
        let greedy = planner.greedy(true);
        if greedy.iter().all(|c| c.preview.safe) {
            greedy
        } else {
            planner.greedy(false)
        }
    });

    let mut steps = Vec::new();
    let mut config = state.config.clone();
    for candidate in &chosen {
        let picked: Vec<&Change> = candidate
            .picks
            .iter()
            .map(|&i| &planner.changes[i])
            .collect();
        let step = step_of(state, &config, &picked);
        config = step.after.clone();
        steps.push(step);
    }
    let total = steps.len();
    let blocked = steps
        .iter()
        .enumerate()
        .find(|(_, s)| !s.preview.safe)
        .map(|(index, step)| {
            let search = if planner.changes.len() <= SEARCH_LIMIT {
                "no order of the changes keeps every step safe"
            } else {
                "no safe order found (too many changes to search them all)"
            };
            format!(
                "{search}; step {} of {total}, {}: {}",
                index + 1,
                describe(&step.before, &step.joining, &step.leaving),
                blocking_text(&step.preview)
            )
        });
    Plan {
        steps,
        safe: blocked.is_none(),
        blocked,
        goal_config,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::preview::tests::{config, spec, state, up};
    use crate::workflow::preview::MemberStatus;
    use proptest::prelude::*;

    fn set(ids: &[u64]) -> BTreeSet<u64> {
        ids.iter().copied().collect()
    }

    fn goal(add: Vec<ServerSpec>, remove: &[u64]) -> Goal {
        Goal {
            add,
            remove: remove.to_vec(),
            mode: Mode::Stepwise,
        }
    }

    fn shape(plan: &Plan) -> Vec<(Vec<u64>, Vec<u64>)> {
        plan.steps
            .iter()
            .map(|s| (s.joining.iter().map(|j| j.id).collect(), s.leaving.clone()))
            .collect()
    }

    #[test]
    fn three_to_five_adds_one_voter_per_step() {
        let s = state(config(&[1, 2, 3], &[]), &[1, 2, 3, 4, 5]);
        let p = plan(&s, &goal(vec![spec(5, true), spec(4, true)], &[]));
        assert!(p.safe, "{:?}", p.blocked);
        assert_eq!(shape(&p), [(vec![4], vec![]), (vec![5], vec![])]);
        assert_eq!(p.goal_config.voter_ids(), set(&[1, 2, 3, 4, 5]));
        assert_eq!(p.steps[1].after, p.goal_config);
        assert!(p.steps[0].preview.has(WarningKind::EvenVoterCount));
        assert_eq!(p.steps[1].preview.tolerance_after, Some(2));
    }

    #[test]
    fn five_to_three_removes_one_voter_per_step() {
        let s = state(config(&[1, 2, 3, 4, 5], &[]), &[1, 2, 3, 4, 5]);
        let p = plan(&s, &goal(vec![], &[4, 5]));
        assert!(p.safe);
        assert_eq!(shape(&p), [(vec![], vec![4]), (vec![], vec![5])]);
        assert_eq!(p.goal_config.voter_ids(), set(&[1, 2, 3]));
        assert!(p.steps[0].preview.has(WarningKind::RemovesLiveVoter));
    }

    #[test]
    fn replacing_a_dead_follower_adds_first() {
        let s = state(config(&[1, 2, 3], &[]), &[1, 2, 4]);
        let p = plan(&s, &goal(vec![spec(4, true)], &[3]));
        assert!(p.safe, "{:?}", p.blocked);
        assert_eq!(shape(&p), [(vec![4], vec![]), (vec![], vec![3])]);
        let first = &p.steps[0].preview;
        assert_eq!(first.live_voters_after, set(&[1, 2, 4]));
        assert_eq!(first.tolerance_after, Some(0));
        assert_eq!(p.steps[1].preview.tolerance_after, Some(1));
    }

    #[test]
    fn one_to_three_is_a_single_step() {
        let s = state(config(&[1], &[]), &[1, 2, 3]);
        let p = plan(&s, &goal(vec![spec(2, true), spec(3, true)], &[]));
        assert!(p.safe, "{:?}", p.blocked);
        assert_eq!(shape(&p), [(vec![2, 3], vec![])]);
        assert_eq!(p.steps[0].preview.tolerance_after, Some(1));
        // 1 -> 4: the double step first, then the fourth.
        let s = state(config(&[1], &[]), &[1, 2, 3, 4]);
        let p = plan(
            &s,
            &goal(vec![spec(2, true), spec(3, true), spec(4, true)], &[]),
        );
        assert_eq!(shape(&p), [(vec![2, 3], vec![]), (vec![4], vec![])]);
    }

    #[test]
    fn adding_an_observer() {
        let s = state(config(&[1, 2, 3], &[]), &[1, 2, 3, 4]);
        let p = plan(&s, &goal(vec![spec(4, false)], &[]));
        assert!(p.safe);
        assert_eq!(shape(&p), [(vec![4], vec![])]);
        let preview = &p.steps[0].preview;
        assert_eq!(preview.voters_after, set(&[1, 2, 3]));
        assert_eq!(preview.observers_after, set(&[4]));
        assert_eq!(preview.tolerance_after, Some(1));
        assert!(preview.warnings.is_empty(), "{:?}", preview.warnings);
        // An observer that is not running does not endanger the quorum.
        let s = state(config(&[1, 2, 3], &[]), &[1, 2, 3]);
        assert!(plan(&s, &goal(vec![spec(4, false)], &[])).safe);
    }

    #[test]
    fn the_leader_is_removed_last_with_a_warning() {
        // Server 1 leads.
        let s = state(config(&[1, 2, 3, 4, 5], &[]), &[1, 2, 3, 4, 5]);
        let p = plan(&s, &goal(vec![], &[1, 2]));
        assert!(p.safe);
        assert_eq!(shape(&p), [(vec![], vec![2]), (vec![], vec![1])]);
        assert!(!p.steps[0].preview.has(WarningKind::RemovesLeader));
        let w = p.steps[1]
            .preview
            .warnings
            .iter()
            .find(|w| w.kind == WarningKind::RemovesLeader)
            .unwrap();
        assert_eq!(w.severity, Severity::Warn);
        assert!(w.text.contains("server 1"), "{}", w.text);
    }

    #[test]
    fn adding_a_voter_that_is_not_running_is_blocked() {
        let s = state(config(&[1, 2, 3], &[]), &[1, 2, 3]);
        let p = plan(&s, &goal(vec![spec(4, true)], &[]));
        assert!(!p.safe);
        assert_eq!(shape(&p), [(vec![4], vec![])]);
        let w = &p.steps[0].preview.warnings;
        let trap = w
            .iter()
            .find(|w| w.kind == WarningKind::NewVoterNotRunning)
            .unwrap();
        assert_eq!(trap.severity, Severity::Blocking);
        assert!(trap
            .text
            .contains("leaving 4 voters with 3 alive and no failure tolerated"));
        let blocked = p.blocked.unwrap();
        assert!(blocked.contains("adding server 4"), "{blocked}");
        assert!(blocked.contains("server 4 is not running"), "{blocked}");
    }

    #[test]
    fn batch_mode_is_one_step_with_its_risk_spelled_out() {
        let s = state(config(&[1, 2, 3], &[]), &[1, 2, 3, 4, 5]);
        let g = Goal {
            add: vec![spec(4, true), spec(5, true)],
            remove: vec![3],
            mode: Mode::Batch,
        };
        let p = plan(&s, &g);
        assert!(p.safe, "{:?}", p.blocked);
        assert_eq!(shape(&p), [(vec![4, 5], vec![3])]);
        assert_eq!(p.steps[0].after, p.goal_config);
        let w = p.steps[0]
            .preview
            .warnings
            .iter()
            .find(|w| w.kind == WarningKind::BatchRisk)
            .unwrap();
        assert_eq!(w.severity, Severity::Warn);
        assert!(w.text.contains("3 of the 4 new voters"), "{}", w.text);

        // Not running joiners make the batch unsafe, and say so.
        let s = state(config(&[1, 2, 3], &[]), &[1, 2, 3]);
        let g = Goal {
            add: vec![spec(4, true), spec(5, true)],
            remove: vec![],
            mode: Mode::Batch,
        };
        let p = plan(&s, &g);
        assert!(!p.safe);
        let blocked = p.blocked.unwrap();
        assert!(blocked.starts_with("adding servers 4 and 5: "), "{blocked}");
        assert!(
            blocked.contains("5 voters with 3 alive and no failure tolerated"),
            "{blocked}"
        );
    }

    #[test]
    fn hierarchical_configs_are_blocked() {
        let mut c = config(&[1, 2, 3, 4], &[]);
        c.groups.insert(1, vec![1, 2]);
        c.groups.insert(2, vec![3, 4]);
        let s = state(c, &[1, 2, 3, 4, 5]);
        let p = plan(&s, &goal(vec![spec(5, true)], &[]));
        assert!(!p.safe);
        assert!(p.steps[0].preview.has(WarningKind::HierarchicalIncremental));
        assert!(p.blocked.unwrap().contains("hierarchical"));
    }

    #[test]
    fn finds_the_one_safe_order() {
        // Voters 1..4 with 3 and 4 dead; remove 3 and 4. Removing either first leaves 3
        // voters with 2 live: safe. Both orders are safe; the lower id goes first.
        let s = state(config(&[1, 2, 3, 4], &[]), &[1, 2]);
        let p = plan(&s, &goal(vec![], &[4, 3]));
        assert!(p.safe, "{:?}", p.blocked);
        assert_eq!(shape(&p), [(vec![], vec![3]), (vec![], vec![4])]);
        // Only 1 of 3 voters live: every removal leaves a config without a live majority.
        let s = state(config(&[1, 2, 3], &[]), &[1]);
        let p = plan(&s, &goal(vec![], &[2, 3]));
        assert!(!p.safe);
        assert!(p
            .blocked
            .unwrap()
            .starts_with("no order of the changes keeps every step safe"));
    }

    #[test]
    fn large_goals_fall_back_to_greedy() {
        let ids: Vec<u64> = (1..=73).collect();
        let s = state(config(&[1, 2, 3], &[]), &ids);
        let add: Vec<ServerSpec> = (4..=73).map(|id| spec(id, false)).collect();
        let p = plan(&s, &goal(add, &[]));
        assert!(p.safe, "{:?}", p.blocked);
        assert_eq!(p.steps.len(), 70);
        assert_eq!(p.steps[69].after, p.goal_config);
        assert_eq!(p.goal_config.observers().count(), 70);
    }

    #[test]
    fn empty_goal_is_an_empty_safe_plan() {
        let s = state(config(&[1, 2, 3], &[]), &[1, 2, 3]);
        let p = plan(&s, &goal(vec![], &[]));
        assert!(p.safe && p.steps.is_empty() && p.blocked.is_none());
        assert_eq!(p.goal_config, s.config);
    }

    // ---- properties ----

    /// An independent brute force: every ordering of single changes, plus the double voter
    /// addition whenever the config has exactly one voter. `failed` remembers the sets of
    /// remaining changes already explored without success (the changes touch distinct ids,
    /// so the config there is the same whatever the order that led to it).
    fn exists_safe_order(
        state: &ClusterState,
        config: &EnsembleConfig,
        rest: &[Change],
        failed: &mut BTreeSet<Vec<u64>>,
    ) -> bool {
        if rest.is_empty() {
            return true;
        }
        let key: Vec<u64> = rest.iter().map(Change::id).collect();
        if failed.contains(&key) {
            return false;
        }
        let mut options: Vec<Vec<usize>> = (0..rest.len()).map(|i| vec![i]).collect();
        if config.voter_ids().len() == 1 {
            for a in 0..rest.len() {
                for b in a + 1..rest.len() {
                    if adds_voter(config, &rest[a]) && adds_voter(config, &rest[b]) {
                        options.push(vec![a, b]);
                    }
                }
            }
        }
        for picks in options {
            let chosen: Vec<&Change> = picks.iter().map(|&i| &rest[i]).collect();
            let (joining, leaving) = split(&chosen);
            if !preview(state, config, &joining, &leaving).safe {
                continue;
            }
            let after = apply_change(config, &joining, &leaving);
            let left: Vec<Change> = (0..rest.len())
                .filter(|i| !picks.contains(i))
                .map(|i| rest[i].clone())
                .collect();
            if exists_safe_order(state, &after, &left, failed) {
                return true;
            }
        }
        failed.insert(key);
        false
    }

    #[derive(Debug, Clone)]
    struct Case {
        state: ClusterState,
        goal: Goal,
    }

    fn status() -> impl Strategy<Value = Option<MemberStatus>> {
        prop_oneof![
            6 => Just(Some(up())),
            1 => Just(None),
            1 => Just(Some(MemberStatus { live: true, synced: false, is_leader: false })),
            1 => Just(Some(MemberStatus { live: false, synced: false, is_leader: false })),
        ]
    }

    fn case() -> impl Strategy<Value = Case> {
        // A single voter is weighted up so the 1 -> 3 double step gets exercised.
        (
            prop_oneof![3 => 1usize..=7, 1 => Just(1usize)],
            0usize..=2,
            0usize..=2,
            0usize..=2,
        )
            .prop_flat_map(|(voters, observers, joiners, dead_joiners)| {
                let servers = voters + observers;
                let outsiders = joiners + dead_joiners;
                (
                    Just((voters, observers, joiners, dead_joiners)),
                    proptest::collection::vec(status(), servers),
                    proptest::collection::vec(any::<bool>(), joiners),
                    0..voters,
                    any::<bool>(),
                    // Goal: per existing server 0 = keep, 1 = remove, 2 = flip role.
                    proptest::collection::vec(
                        prop_oneof![4 => Just(0u8), 2 => Just(1u8), 1 => Just(2u8)],
                        servers,
                    ),
                    // Per outsider: 0 = leave out, 1 = add as voter, 2 = add as observer.
                    proptest::collection::vec(0u8..3, outsiders),
                    any::<bool>(),
                )
            })
            .prop_map(
                |(
                    (voters, observers, joiners, _),
                    statuses,
                    joiner_synced,
                    leader,
                    leader_up,
                    actions,
                    additions,
                    unknown,
                )| {
                    let voter_ids: Vec<u64> = (1..=voters as u64).collect();
                    let observer_ids: Vec<u64> =
                        (voters as u64 + 1..=(voters + observers) as u64).collect();
                    let config = config(&voter_ids, &observer_ids);
                    let mut members = BTreeMap::new();
                    for (i, status) in statuses.iter().enumerate() {
                        if let Some(s) = status {
                            members.insert(i as u64 + 1, *s);
                        }
                    }
                    let leader_id = leader as u64 + 1;
                    if leader_up {
                        members.insert(
                            leader_id,
                            MemberStatus {
                                is_leader: true,
                                ..up()
                            },
                        );
                    }
                    let first_outsider = (voters + observers) as u64 + 1;
                    for (i, synced) in joiner_synced.iter().enumerate() {
                        members.insert(
                            first_outsider + i as u64,
                            MemberStatus {
                                live: true,
                                synced: *synced,
                                is_leader: false,
                            },
                        );
                    }
                    let mut add = Vec::new();
                    let mut remove = Vec::new();
                    for (i, action) in actions.iter().enumerate() {
                        let id = i as u64 + 1;
                        match action {
                            1 => remove.push(id),
                            2 => add.push(spec(id, !config.servers[&id].is_voter())),
                            _ => {}
                        }
                    }
                    for (i, addition) in additions.iter().enumerate() {
                        let id = first_outsider + i as u64;
                        match addition {
                            1 => add.push(spec(id, true)),
                            2 => add.push(spec(id, false)),
                            _ => {}
                        }
                    }
                    if unknown {
                        remove.push(99);
                    }
                    let _ = joiners;
                    Case {
                        state: ClusterState {
                            config,
                            members,
                            reconfig_enabled: Some(true),
                            reconfig_in_progress: false,
                            can_write_config: Some(true),
                            standalone_enabled: Some(false),
                        },
                        goal: Goal {
                            add,
                            remove,
                            mode: Mode::Stepwise,
                        },
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn plans_are_safe_complete_and_honest(case in case()) {
            check_plan(case)?;
        }
    }

    fn check_plan(case: Case) -> Result<(), TestCaseError> {
        let Case { state, mut goal } = case;
        // Unknown removals make every ordering unsafe; keep them rare.
        if goal.remove.contains(&99) && goal.remove.len() + goal.add.len() > 2 {
            goal.remove.retain(|&id| id != 99);
        }
        let p = plan(&state, &goal);

        // (a) a safe plan's every step forms a live quorum and has no blocking warning.
        if p.safe {
            prop_assert!(p.blocked.is_none());
            for step in &p.steps {
                let live: BTreeSet<u64> = step
                    .after
                    .voter_ids()
                    .into_iter()
                    .filter(|id| state.members.get(id).is_some_and(|m| m.live && m.synced))
                    .collect();
                prop_assert!(step.after.is_quorum(&live));
                prop_assert!(step.preview.blocking().next().is_none());
                prop_assert!(step.preview.safe);
            }
        } else {
            prop_assert!(p.blocked.is_some());
        }

        // (b) the steps chain and end at the goal.
        let mut config = state.config.clone();
        for step in &p.steps {
            prop_assert_eq!(&step.before, &config);
            config = apply_change(&config, &step.joining, &step.leaving);
            prop_assert_eq!(&step.after, &config);
            let voter_changes = step
                .preview
                .voters_before
                .symmetric_difference(&step.preview.voters_after)
                .count();
            prop_assert!(
                step.joining.len() + step.leaving.len() == 1
                    || (step.before.voter_ids().len() == 1
                        && voter_changes == 2
                        && step.leaving.is_empty()),
                "step changes too much: {:?} {:?}",
                step.joining,
                step.leaving
            );
        }
        prop_assert_eq!(&config, &p.goal_config);

        // (c) an unsafe plan means there really is no safe ordering.
        let changes = changes_of(&goal);
        // Beyond SEARCH_LIMIT the planner is greedy only, as documented.
        if changes.len() <= SEARCH_LIMIT {
            let exists = exists_safe_order(&state, &state.config, &changes, &mut BTreeSet::new());
            prop_assert_eq!(p.safe, exists);
        }

        // Batch mode: one step, the same end, the risk spelled out.
        goal.mode = Mode::Batch;
        let b = plan(&state, &goal);
        prop_assert_eq!(&b.goal_config, &p.goal_config);
        if !changes.is_empty() {
            prop_assert_eq!(b.steps.len(), 1);
            prop_assert_eq!(&b.steps[0].after, &b.goal_config);
            prop_assert!(b.steps[0].preview.has(WarningKind::BatchRisk));
        }
        Ok(())
    }
}
