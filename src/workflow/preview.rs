//! The quorum preview of one membership change: who votes before and after, which live members
//! would form the new quorum, how many failures each side tolerates, and a warning for every
//! documented reconfig trap. Pure: it reads a `ClusterState` and computes.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::ensemble::{quorum_size, EnsembleConfig, ServerSpec};

/// What the probes saw of one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MemberStatus {
    /// Answers and serves.
    pub live: bool,
    /// Following the current leader (a leader is synced; a joiner syncs as a non-voting
    /// follower before it is added).
    pub synced: bool,
    pub is_leader: bool,
}

/// Everything the planner needs to know about the ensemble right now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterState {
    /// The committed membership, with its version.
    pub config: EnsembleConfig,
    /// Ids in the config and joiners seen running; an absent id is not running.
    pub members: BTreeMap<u64, MemberStatus>,
    /// `reconfigEnabled` on the servers; `None` = unknown.
    pub reconfig_enabled: Option<bool>,
    pub reconfig_in_progress: bool,
    /// WRITE permission on `/zookeeper/config` for our credentials; `None` = unknown.
    pub can_write_config: Option<bool>,
    pub standalone_enabled: Option<bool>,
}

impl ClusterState {
    /// Live and synced: the members that can take part in a quorum.
    pub fn live_synced(&self) -> BTreeSet<u64> {
        self.members
            .iter()
            .filter(|(_, m)| m.live && m.synced)
            .map(|(id, _)| *id)
            .collect()
    }

    /// The live leader, if the probes found one.
    pub fn leader(&self) -> Option<u64> {
        self.members
            .iter()
            .find(|(_, m)| m.is_leader && m.live)
            .map(|(id, _)| *id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    NewVoterNotRunning,
    NewVoterNotSynced,
    EvenVoterCount,
    RemovesLeader,
    BelowTwoVoters,
    ReconfigInProgress,
    ReconfigDisabled,
    NoWritePermission,
    UnknownWritePermission,
    HierarchicalIncremental,
    NoLiveMajority,
    ZeroTolerance,
    BatchRisk,
    RemovesLiveVoter,
    RemovesUnknownServer,
    AddsExistingUnchanged,
}

/// Ordered: `Info < Warn < Blocking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warn,
    /// The step is unsafe.
    Blocking,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub kind: WarningKind,
    pub severity: Severity,
    /// Plain operator English, with the ids and numbers.
    pub text: String,
}

impl Warning {
    pub fn new(kind: WarningKind, severity: Severity, text: impl Into<String>) -> Warning {
        Warning {
            kind,
            severity,
            text: text.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    pub voters_before: BTreeSet<u64>,
    pub voters_after: BTreeSet<u64>,
    pub observers_before: BTreeSet<u64>,
    pub observers_after: BTreeSet<u64>,
    pub quorum_before: usize,
    pub quorum_after: usize,
    /// Live and synced voters of the old config.
    pub live_voters_before: BTreeSet<u64>,
    /// Live and synced voters of the new config.
    pub live_voters_after: BTreeSet<u64>,
    /// Failures tolerated now; `None` = no quorum.
    pub tolerance_before: Option<usize>,
    /// Failures tolerated after the change, with the members live now.
    pub tolerance_after: Option<usize>,
    /// The live synced members that would form the new quorum (`live_voters_after` when they
    /// are a quorum, empty otherwise).
    pub quorum_formers: BTreeSet<u64>,
    pub warnings: Vec<Warning>,
    /// No `Blocking` warning.
    pub safe: bool,
}

impl Preview {
    pub fn blocking(&self) -> impl Iterator<Item = &Warning> {
        self.warnings
            .iter()
            .filter(|w| w.severity == Severity::Blocking)
    }

    pub fn has(&self, kind: WarningKind) -> bool {
        self.warnings.iter().any(|w| w.kind == kind)
    }

    /// Adds a warning and keeps `safe` in step with it.
    pub fn push(&mut self, warning: Warning) {
        if warning.severity == Severity::Blocking {
            self.safe = false;
        }
        self.warnings.push(warning);
    }
}

/// The config after an incremental reconfig: joiners are put in (replacing a spec of the same
/// id), then leavers taken out, the order ZooKeeper's leader applies them. The version is
/// left as is.
pub fn apply_change(
    config: &EnsembleConfig,
    joining: &[ServerSpec],
    leaving: &[u64],
) -> EnsembleConfig {
    let mut next = config.clone();
    for spec in joining {
        next.servers.insert(spec.id, spec.clone());
    }
    for id in leaving {
        next.servers.remove(id);
    }
    next
}

/// Votes a quorum needs: the majority, or for hierarchical configs the fewest voters that
/// can form one (0 when none can).
pub(crate) fn quorum_of(config: &EnsembleConfig) -> usize {
    let voters = config.voter_ids();
    if !config.is_hierarchical() {
        return quorum_size(voters.len());
    }
    // Win a majority of the counted groups, each as cheaply as possible: heaviest voters first.
    let groups = weighted_groups(config);
    let mut costs: Vec<usize> = groups
        .iter()
        .filter_map(|(total, members)| {
            let voting: Vec<u128> = members
                .iter()
                .filter(|(id, _)| voters.contains(id))
                .map(|(_, w)| *w)
                .collect();
            fewest_exceeding(&voting, *total / 2)
        })
        .collect();
    let needed = groups.len() / 2 + 1;
    if groups.is_empty() || costs.len() < needed {
        return 0;
    }
    costs.sort_unstable();
    costs[..needed].iter().sum()
}

/// Further voter failures survivable with `live` up; `None` when `live` is no quorum.
pub(crate) fn tolerance_of(config: &EnsembleConfig, live: &BTreeSet<u64>) -> Option<usize> {
    let voters = config.voter_ids();
    let live: BTreeSet<u64> = live.intersection(&voters).copied().collect();
    if !config.is_quorum(&live) {
        return None;
    }
    if !config.is_hierarchical() {
        return live.len().checked_sub(quorum_size(voters.len()));
    }
    // Break just enough of the won groups that no majority of groups is left, each as
    // cheaply as possible: heaviest live voters fail first.
    let groups = weighted_groups(config);
    let mut costs: Vec<usize> = groups
        .iter()
        .filter_map(|(total, members)| {
            let up: Vec<u128> = members
                .iter()
                .filter(|(id, _)| live.contains(id))
                .map(|(_, w)| *w)
                .collect();
            let weight: u128 = up.iter().sum();
            // Losing enough weight that what stays is at most half the total.
            (weight > total / 2)
                .then(|| fewest_exceeding(&up, weight - total / 2 - 1))
                .flatten()
        })
        .collect();
    let excess = costs.len().checked_sub(groups.len() / 2)?;
    costs.sort_unstable();
    Some(costs[..excess].iter().sum::<usize>().saturating_sub(1))
}

/// The groups that count (non-zero total weight) as (total weight, [(server, weight)]),
/// weighted the way `EnsembleConfig::is_quorum` weighs them.
fn weighted_groups(config: &EnsembleConfig) -> Vec<(u128, Vec<(u64, u128)>)> {
    config
        .groups
        .values()
        .map(|members| {
            let members: Vec<(u64, u128)> = members
                .iter()
                .map(|id| {
                    (
                        *id,
                        u128::from(config.weights.get(id).copied().unwrap_or(1)),
                    )
                })
                .collect();
            (members.iter().map(|(_, w)| w).sum(), members)
        })
        .filter(|(total, _)| *total > 0)
        .collect()
}

/// How few of `weights` sum to more than `limit` (heaviest first); `None` if all cannot.
fn fewest_exceeding(weights: &[u128], limit: u128) -> Option<usize> {
    let mut sorted = weights.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let mut sum = 0u128;
    for (n, w) in sorted.iter().enumerate() {
        sum += w;
        if sum > limit {
            return Some(n + 1);
        }
    }
    None
}

pub(crate) fn list(ids: &BTreeSet<u64>) -> String {
    let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
    match ids.as_slice() {
        [] => "none".into(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// "server 1", "servers 1 and 2", "no server".
pub(crate) fn servers(ids: &BTreeSet<u64>) -> String {
    match ids.len() {
        0 => "no server".into(),
        1 => format!("server {}", list(ids)),
        _ => format!("servers {}", list(ids)),
    }
}

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// "no failure tolerated", "1 failure tolerated", "no quorum".
fn tolerance_text(t: Option<usize>) -> String {
    match t {
        None => "no quorum".into(),
        Some(0) => "no failure tolerated".into(),
        Some(n) => format!("{} tolerated", plural(n, "failure")),
    }
}

/// "no failure", "1 failure", "2 failures", "no quorum": how many more failures survive.
pub(crate) fn failures(t: Option<usize>) -> String {
    match t {
        None => "no quorum".into(),
        Some(0) => "no failure".into(),
        Some(n) => plural(n, "failure"),
    }
}

/// Previews `before` → `before + joining - leaving` against the members live now.
pub fn preview(
    state: &ClusterState,
    before: &EnsembleConfig,
    joining: &[ServerSpec],
    leaving: &[u64],
) -> Preview {
    let after = apply_change(before, joining, leaving);
    let live = state.live_synced();
    let voters_before = before.voter_ids();
    let voters_after = after.voter_ids();
    let observers_of =
        |c: &EnsembleConfig| -> BTreeSet<u64> { c.observers().map(|s| s.id).collect() };
    let live_voters_before: BTreeSet<u64> = voters_before.intersection(&live).copied().collect();
    let live_voters_after: BTreeSet<u64> = voters_after.intersection(&live).copied().collect();
    let has_quorum_after = after.is_quorum(&live_voters_after);
    let quorum_after = quorum_of(&after);
    let tolerance_after = tolerance_of(&after, &live);
    let mut p = Preview {
        observers_before: observers_of(before),
        observers_after: observers_of(&after),
        quorum_before: quorum_of(before),
        quorum_after,
        tolerance_before: tolerance_of(before, &live),
        tolerance_after,
        quorum_formers: if has_quorum_after {
            live_voters_after.clone()
        } else {
            BTreeSet::new()
        },
        voters_before: voters_before.clone(),
        voters_after: voters_after.clone(),
        live_voters_before,
        live_voters_after: live_voters_after.clone(),
        warnings: Vec::new(),
        safe: true,
    };
    let (n_after, n_live) = (voters_after.len(), live_voters_after.len());

    // The ensemble-wide refusals first: they make every step unsafe.
    if state.reconfig_in_progress {
        p.push(Warning::new(
            WarningKind::ReconfigInProgress,
            Severity::Blocking,
            "another reconfig is in progress: ZooKeeper accepts one at a time; \
             wait for it to commit, then plan again",
        ));
    }
    if state.reconfig_enabled == Some(false) {
        p.push(Warning::new(
            WarningKind::ReconfigDisabled,
            Severity::Blocking,
            "reconfig is disabled on the servers (reconfigEnabled=false): \
             ZooKeeper refuses every membership change",
        ));
    }
    match state.can_write_config {
        Some(false) => p.push(Warning::new(
            WarningKind::NoWritePermission,
            Severity::Blocking,
            "our credentials lack WRITE on /zookeeper/config: only the digest super user \
             (or servers with skipACL=yes) may reconfig",
        )),
        None => p.push(Warning::new(
            WarningKind::UnknownWritePermission,
            Severity::Info,
            "could not tell whether our credentials may write /zookeeper/config; \
             the reconfig fails with NoAuth if they may not",
        )),
        Some(true) => {}
    }
    if before.is_hierarchical() {
        p.push(Warning::new(
            WarningKind::HierarchicalIncremental,
            Severity::Blocking,
            format!(
                "the config uses hierarchical quorums ({}): incremental add/remove cannot \
                 change them; only a bulk reconfig with a whole new config can",
                plural(before.groups.len(), "group")
            ),
        ));
    }

    // What each change does.
    for spec in joining {
        if before.servers.get(&spec.id) == Some(spec) {
            p.push(Warning::new(
                WarningKind::AddsExistingUnchanged,
                Severity::Blocking,
                format!(
                    "server {} already has exactly this spec ({}): nothing to change",
                    spec.id,
                    spec.to_line()
                ),
            ));
        }
    }
    let new_voters: BTreeSet<u64> = voters_after.difference(&voters_before).copied().collect();
    let outcome = if has_quorum_after {
        format!(
            "ZooKeeper may accept it, leaving {} with {} alive and {}",
            plural(n_after, "voter"),
            n_live,
            tolerance_text(tolerance_after)
        )
    } else {
        format!(
            "the new config of {} would have {} alive, below the quorum of {}, \
             so ZooKeeper refuses it",
            plural(n_after, "voter"),
            n_live,
            quorum_after
        )
    };
    for id in &new_voters {
        match state.members.get(id) {
            Some(m) if m.live && m.synced => {}
            Some(m) if m.live => p.push(Warning::new(
                WarningKind::NewVoterNotSynced,
                Severity::Blocking,
                format!(
                    "server {id} is running but not synced with the leader: it must first \
                     follow as a non-voting member (started with the current config plus \
                     itself); otherwise {outcome}"
                ),
            )),
            _ => p.push(Warning::new(
                WarningKind::NewVoterNotRunning,
                Severity::Blocking,
                format!(
                    "server {id} is not running: {outcome}; start it with the current \
                     config plus itself first"
                ),
            )),
        }
    }
    for id in leaving {
        if !before.servers.contains_key(id) {
            p.push(Warning::new(
                WarningKind::RemovesUnknownServer,
                Severity::Blocking,
                format!("server {id} is not in the config: there is nothing to remove"),
            ));
        } else if state.members.get(id).is_some_and(|m| m.live) {
            p.push(Warning::new(
                WarningKind::RemovesLiveVoter,
                Severity::Info,
                format!(
                    "server {id} is running: it keeps running as a non-voting follower; \
                     do one ordinary write, let it commit, then stop it"
                ),
            ));
        }
    }
    if let Some(leader) = state.leader() {
        if voters_before.contains(&leader) && !voters_after.contains(&leader) {
            let how = if after.servers.contains_key(&leader) {
                format!("turning the leader (server {leader}) into an observer")
            } else {
                format!("removing the leader (server {leader})")
            };
            p.push(Warning::new(
                WarningKind::RemovesLeader,
                Severity::Warn,
                format!(
                    "{how} hands leadership to a successor: clients see a brief disconnect, \
                     and the call may report ConnectionLoss although the change committed"
                ),
            ));
        }
    }

    // What the new voter set looks like.
    if !has_quorum_after {
        p.push(Warning::new(
            WarningKind::NoLiveMajority,
            Severity::Blocking,
            format!(
                "the new config of {} would have {} live and synced ({}), below the quorum \
                 of {}: ZooKeeper refuses it (NewConfigNoQuorum)",
                plural(n_after, "voter"),
                n_live,
                servers(&live_voters_after),
                quorum_after
            ),
        ));
    }
    let voters_changed = voters_before != voters_after;
    if voters_changed && n_after > 0 && n_after.is_multiple_of(2) && !after.is_hierarchical() {
        // The live figure first (the one that matters now); the nominal one only labelled.
        p.push(Warning::new(
            WarningKind::EvenVoterCount,
            Severity::Warn,
            format!(
                "the new config has {n_after} voters: a quorum needs {quorum_after}; with the \
                 members live now it tolerates {} (nominal, with all {n_after} up: {}, the same \
                 as {})",
                failures(tolerance_after),
                failures(Some(crate::ensemble::tolerance(n_after))),
                plural(n_after - 1, "voter")
            ),
        ));
    }
    if n_after < 2 {
        let standalone = state.standalone_enabled;
        let text = format!(
            "the new config has {}: no failure is tolerated{}",
            plural(n_after, "voter"),
            match standalone {
                Some(true) => {
                    "; with standaloneEnabled=true ZooKeeper refuses a config of fewer \
                     than 2 voters"
                }
                Some(false) => "",
                None => "; if the servers run with standaloneEnabled=true ZooKeeper refuses it",
            }
        );
        let severity = if standalone == Some(true) {
            Severity::Blocking
        } else {
            Severity::Warn
        };
        p.push(Warning::new(WarningKind::BelowTwoVoters, severity, text));
    }
    if tolerance_after == Some(0) {
        p.push(Warning::new(
            WarningKind::ZeroTolerance,
            Severity::Warn,
            format!(
                "after this change {} of {} voters are live and the quorum is {}: \
                 one more failure stops the ensemble",
                n_live, n_after, quorum_after
            ),
        ));
    }
    p
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ensemble::LearnerType;

    pub(crate) fn spec(id: u64, voter: bool) -> ServerSpec {
        ServerSpec {
            id,
            host: format!("zk{id}"),
            quorum_port: 2888,
            election_port: 3888,
            learner_type: if voter {
                LearnerType::Participant
            } else {
                LearnerType::Observer
            },
            client_host: None,
            client_port: Some(2181),
        }
    }

    pub(crate) fn config(voters: &[u64], observers: &[u64]) -> EnsembleConfig {
        let mut c = EnsembleConfig {
            version: Some(0x1_0000_0000),
            ..EnsembleConfig::default()
        };
        for &id in voters {
            c.servers.insert(id, spec(id, true));
        }
        for &id in observers {
            c.servers.insert(id, spec(id, false));
        }
        c
    }

    pub(crate) fn up() -> MemberStatus {
        MemberStatus {
            live: true,
            synced: true,
            is_leader: false,
        }
    }

    /// `live` members are live and synced; the first is the leader.
    pub(crate) fn state(config: EnsembleConfig, live: &[u64]) -> ClusterState {
        let members = live
            .iter()
            .enumerate()
            .map(|(i, &id)| {
                (
                    id,
                    MemberStatus {
                        is_leader: i == 0,
                        ..up()
                    },
                )
            })
            .collect();
        ClusterState {
            config,
            members,
            reconfig_enabled: Some(true),
            reconfig_in_progress: false,
            can_write_config: Some(true),
            standalone_enabled: Some(false),
        }
    }

    fn set(ids: &[u64]) -> BTreeSet<u64> {
        ids.iter().copied().collect()
    }

    fn kinds(p: &Preview) -> Vec<WarningKind> {
        p.warnings.iter().map(|w| w.kind).collect()
    }

    #[test]
    fn adding_a_running_voter_to_three() {
        let s = state(config(&[1, 2, 3], &[]), &[1, 2, 3, 4]);
        let p = preview(&s, &s.config, &[spec(4, true)], &[]);
        assert!(p.safe, "{:?}", p.warnings);
        assert_eq!(p.voters_before, set(&[1, 2, 3]));
        assert_eq!(p.voters_after, set(&[1, 2, 3, 4]));
        assert_eq!((p.quorum_before, p.quorum_after), (2, 3));
        assert_eq!((p.tolerance_before, p.tolerance_after), (Some(1), Some(1)));
        assert_eq!(p.quorum_formers, set(&[1, 2, 3, 4]));
        assert_eq!(kinds(&p), [WarningKind::EvenVoterCount]);
    }

    /// 3 voters with one down, a 4th added: the even-count warning and the tolerance line
    /// say the same live figure (no failure), the nominal one only labelled as such.
    #[test]
    fn the_even_count_warning_uses_the_live_figure() {
        let s = state(config(&[1, 2, 3], &[]), &[1, 2, 4]);
        let p = preview(&s, &s.config, &[spec(4, true)], &[]);
        assert_eq!(p.tolerance_after, Some(0));
        let w = p
            .warnings
            .iter()
            .find(|w| w.kind == WarningKind::EvenVoterCount)
            .unwrap();
        assert!(
            w.text.contains(
                "with the members live now it tolerates no failure (nominal, with all 4 up: 1 failure, the same as 3 voters)"
            ),
            "{}",
            w.text
        );
        let lines = crate::workflow::render::preview_lines(&p);
        assert!(
            lines
                .iter()
                .any(|(_, l)| l.contains("tolerates  no failure → no failure (further")),
            "{lines:?}"
        );
        assert!(
            lines.iter().all(|(_, l)| !l.contains("0 failures")),
            "{lines:?}"
        );
    }

    #[test]
    fn adding_a_voter_that_is_not_running_is_the_documented_trap() {
        let s = state(config(&[1, 2, 3], &[]), &[1, 2, 3]);
        let p = preview(&s, &s.config, &[spec(4, true)], &[]);
        assert!(!p.safe);
        let w = p
            .warnings
            .iter()
            .find(|w| w.kind == WarningKind::NewVoterNotRunning)
            .unwrap();
        assert_eq!(w.severity, Severity::Blocking);
        assert!(
            w.text.starts_with(
                "server 4 is not running: ZooKeeper may accept it, leaving 4 voters with 3 \
                 alive and no failure tolerated"
            ),
            "{}",
            w.text
        );
        assert_eq!(p.tolerance_after, Some(0));
        assert!(p.has(WarningKind::ZeroTolerance));
        // The quorum itself still forms: that is what makes the trap a trap.
        assert_eq!(p.quorum_formers, set(&[1, 2, 3]));
        assert!(!p.has(WarningKind::NoLiveMajority));
    }

    #[test]
    fn a_running_joiner_that_is_not_synced_blocks() {
        let mut s = state(config(&[1, 2, 3], &[]), &[1, 2, 3]);
        s.members.insert(
            4,
            MemberStatus {
                synced: false,
                ..up()
            },
        );
        let p = preview(&s, &s.config, &[spec(4, true)], &[]);
        assert!(!p.safe);
        assert!(p.has(WarningKind::NewVoterNotSynced));
        assert!(!p.has(WarningKind::NewVoterNotRunning));
    }

    #[test]
    fn no_live_majority_blocks_and_forms_no_quorum() {
        let s = state(config(&[1, 2, 3], &[]), &[1]);
        let p = preview(&s, &s.config, &[], &[3]);
        assert_eq!(p.tolerance_before, None);
        assert_eq!(p.tolerance_after, None);
        assert!(p.quorum_formers.is_empty());
        assert!(p.has(WarningKind::NoLiveMajority));
        assert!(!p.safe);
        let text = &p.blocking().next().unwrap().text;
        assert!(text.contains("2 voters would have 1 live"), "{text}");
    }

    #[test]
    fn removals_name_their_consequences() {
        let s = state(config(&[1, 2, 3, 4, 5], &[6]), &[1, 2, 3, 4, 5, 6]);
        let p = preview(&s, &s.config, &[], &[1]);
        assert!(p.safe);
        assert!(p.has(WarningKind::RemovesLeader));
        assert!(p.has(WarningKind::RemovesLiveVoter));
        assert!(p.has(WarningKind::EvenVoterCount));
        let p = preview(&s, &s.config, &[], &[9]);
        assert!(!p.safe);
        assert!(p.has(WarningKind::RemovesUnknownServer));
        let p = preview(&s, &s.config, &[spec(6, false)], &[]);
        assert!(!p.safe);
        assert!(p.has(WarningKind::AddsExistingUnchanged));
        // Demoting the leader is a leader hand-off too.
        let p = preview(&s, &s.config, &[spec(1, false)], &[]);
        assert!(p.has(WarningKind::RemovesLeader));
        assert_eq!(p.observers_after, set(&[1, 6]));
    }

    #[test]
    fn ensemble_wide_refusals() {
        let mut s = state(config(&[1, 2, 3], &[]), &[1, 2, 3]);
        s.reconfig_in_progress = true;
        s.reconfig_enabled = Some(false);
        s.can_write_config = Some(false);
        let p = preview(&s, &s.config, &[], &[3]);
        for kind in [
            WarningKind::ReconfigInProgress,
            WarningKind::ReconfigDisabled,
            WarningKind::NoWritePermission,
        ] {
            assert!(p.has(kind), "{kind:?}");
        }
        assert!(!p.safe);
        s.reconfig_in_progress = false;
        s.reconfig_enabled = None;
        s.can_write_config = None;
        let p = preview(&s, &s.config, &[], &[3]);
        assert!(p.safe);
        assert!(
            p.warnings
                .iter()
                .any(|w| w.kind == WarningKind::UnknownWritePermission
                    && w.severity == Severity::Info)
        );
    }

    #[test]
    fn below_two_voters_blocks_only_with_standalone_enabled() {
        let mut s = state(config(&[1, 2], &[]), &[1, 2]);
        let p = preview(&s, &s.config, &[], &[2]);
        assert!(p.safe);
        assert!(p.has(WarningKind::BelowTwoVoters));
        s.standalone_enabled = Some(true);
        let p = preview(&s, &s.config, &[], &[2]);
        assert!(!p.safe);
    }

    #[test]
    fn hierarchical_tolerance_is_exact() {
        let mut c = config(&[1, 2, 3, 4, 5, 6, 7, 8, 9], &[]);
        c.groups.insert(1, vec![1, 2, 3]);
        c.groups.insert(2, vec![4, 5, 6]);
        c.groups.insert(3, vec![7, 8, 9]);
        let s = state(c.clone(), &[1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(quorum_of(&c), 4);
        // Losing 2 from each of two groups breaks it: 4 failures do, 3 never do.
        assert_eq!(tolerance_of(&c, &s.live_synced()), Some(3));
        let p = preview(&s, &c, &[], &[9]);
        assert!(p.has(WarningKind::HierarchicalIncremental));
        assert!(!p.safe);
    }

    fn subsets(items: &[u64]) -> impl Iterator<Item = BTreeSet<u64>> + '_ {
        (0u32..(1 << items.len())).map(move |mask| {
            (0..items.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| items[i])
                .collect()
        })
    }

    proptest::proptest! {
        #[test]
        fn hierarchical_math_matches_brute_force(
            sizes in proptest::collection::vec(1usize..=3, 1..=4),
            weights in proptest::collection::vec(0u64..=3, 12),
            roles in proptest::collection::vec(proptest::prelude::any::<bool>(), 12),
            up in proptest::collection::vec(proptest::prelude::any::<bool>(), 12),
        ) {
            check_hierarchical(&sizes, &weights, &roles, &up)?;
        }
    }

    fn check_hierarchical(
        sizes: &[usize],
        weights: &[u64],
        roles: &[bool],
        up: &[bool],
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let mut c = EnsembleConfig::default();
        let mut id = 0u64;
        for (g, size) in sizes.iter().enumerate() {
            let mut members = Vec::new();
            for _ in 0..*size {
                id += 1;
                let i = id as usize - 1;
                c.servers
                    .insert(id, spec(id, roles[i] || i.is_multiple_of(3)));
                c.weights.insert(id, weights[i]);
                members.push(id);
            }
            c.groups.insert(g as u64 + 1, members);
        }
        let voters: Vec<u64> = c.voter_ids().into_iter().collect();
        let live: BTreeSet<u64> = (1..=id).filter(|i| up[*i as usize - 1]).collect();

        let smallest = subsets(&voters)
            .filter(|s| c.is_quorum(s))
            .map(|s| s.len())
            .min()
            .unwrap_or(0);
        proptest::prop_assert_eq!(quorum_of(&c), smallest);

        let live_voters: Vec<u64> = voters
            .iter()
            .copied()
            .filter(|v| live.contains(v))
            .collect();
        let all: BTreeSet<u64> = live_voters.iter().copied().collect();
        let expected = c.is_quorum(&all).then(|| {
            subsets(&live_voters)
                .filter(|lost| {
                    let rest: BTreeSet<u64> = all.difference(lost).copied().collect();
                    !c.is_quorum(&rest)
                })
                .map(|lost| lost.len() - 1)
                .min()
                .expect("losing everyone breaks any quorum")
        });
        proptest::prop_assert_eq!(tolerance_of(&c, &live), expected);
        Ok(())
    }
}
