//! The rolling restart as pure logic: the order, the preview of each step, and the gate a
//! restarted member must pass before the next one goes down. No I/O and no clock: the executor
//! feeds observations and the time in, and carries out what this decides.

use crate::alerts::zxid_lag;
use crate::ensemble::member::MemberSnapshot;
use crate::ensemble::member::Role;
use crate::ensemble::EnsembleConfig;
use crate::health::Health;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How far a member's step got (the journal keeps it; the console shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Leadership is being moved off it by a reconfig (remove, then re-add).
    HandingOff,
    Stopping,
    Running,
    Starting,
    Gating,
}

impl Phase {
    pub fn word(self) -> &'static str {
        match self {
            Phase::HandingOff => "handing leadership off",
            Phase::Stopping => "stopping",
            Phase::Running => "running its command",
            Phase::Starting => "starting",
            Phase::Gating => "at its gate",
        }
    }
}

/// What the operator decided on a step's preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Go,
    /// Go although the preview refused (the operator typed the override).
    Override,
    Abort,
}

/// What the operator wants of a running roll; the executor looks at it between phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Control {
    #[default]
    Run,
    /// Hold before the next phase (the member being worked on stays as it is).
    Pause,
    /// Stop before the next phase; the journal says where.
    Abort,
}

/// One condition of a gate and whether it holds now (the console ticks them off).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    pub name: &'static str,
    pub met: bool,
    /// What is seen, or what is missing.
    pub detail: String,
}

/// What happened, as it happens: the CLI prints these, the console shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum RollEvent {
    Preview(StepPreview),
    /// A member's step entered a phase.
    Phase {
        id: u64,
        phase: Phase,
    },
    Action {
        id: u64,
        action: String,
        detail: String,
    },
    /// An action ended: its exit and its output (the step's detail view).
    ActionDone {
        id: u64,
        action: String,
        ok: bool,
        summary: String,
        output: String,
    },
    Gate {
        id: u64,
        waiting: String,
        conditions: Vec<Condition>,
    },
    /// Before the leader's stop: leadership moved off it, or why it was not.
    Handoff {
        id: u64,
        moved: bool,
        detail: String,
    },
    /// The roll holds (paused by the operator) before this member's next phase.
    Paused {
        id: u64,
    },
    Resumed {
        id: u64,
    },
    Restarted {
        id: u64,
        elapsed_ms: u128,
        elections: u32,
    },
}

/// Whether to move leadership off the leader by a reconfig before its restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HandoffMode {
    /// When dynamic reconfig is in use and the credentials may write the membership.
    #[default]
    Auto,
    /// Always; a hand-off that cannot be done halts the roll.
    Always,
    /// Never: the leader's restart costs an election.
    Never,
}

impl From<crate::config::roll::HandoffSetting> for HandoffMode {
    fn from(s: crate::config::roll::HandoffSetting) -> Self {
        use crate::config::roll::HandoffSetting as S;
        match s {
            S::Auto => HandoffMode::Auto,
            S::Always => HandoffMode::Always,
            S::Never => HandoffMode::Never,
        }
    }
}

/// What a hand-off attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoffResult {
    /// Leadership moved; the sentence says to whom and at which versions.
    Moved(String),
    /// Not attempted or refused with nothing changed: the restart goes the usual way.
    Skipped(String),
    /// Failed part-way or where it was required: the roll halts.
    Failed(String),
}

/// Why a hand-off is not possible for this membership, if it is not: it needs dynamic reconfig
/// (a membership with a version), credentials that may write it, and at least 3 voters (the
/// others must keep a quorum while the leader is out of the voters).
pub fn handoff_blocker(config: &EnsembleConfig, can_write: Option<bool>) -> Option<String> {
    if config.version.unwrap_or(0) == 0 {
        return Some(
            "dynamic reconfig is not in use (the membership has no version): the leader's restart costs an election"
                .into(),
        );
    }
    if can_write == Some(false) {
        return Some(
            "the credentials may not write /zookeeper/config (give the digest super user): the leader's restart costs an election"
                .into(),
        );
    }
    let voters = config.voter_ids().len();
    if voters < 3 {
        return Some(format!(
            "{voters} voter(s): removing the leader would leave no quorum to elect a successor"
        ));
    }
    None
}

/// How the roll ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollOutcome {
    pub restarted: Vec<u64>,
    /// `None` when every member was restarted.
    pub halted: Option<String>,
}

/// A roll's journal as the console shows it (read from disk by the runtime).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalInfo {
    pub order: Vec<u64>,
    pub done: Vec<u64>,
    pub current: Option<(u64, Phase)>,
    pub outcome: Option<String>,
    pub run: Option<String>,
    pub whereabouts: String,
    pub unfinished: bool,
}

impl JournalInfo {
    pub fn remaining(&self) -> Vec<u64> {
        self.order
            .iter()
            .copied()
            .filter(|id| !self.done.contains(id))
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RollSettings {
    /// How long a restarted member must stay good, with no new election, before the next step.
    pub settle: Duration,
    /// How long a member may take to stop, or to pass its gate after starting.
    pub gate_timeout: Duration,
    /// Transactions a member may trail the leader by and still count as caught up (a write load
    /// keeps even a healthy follower a few behind at any instant).
    pub max_lag: u64,
}

impl Default for RollSettings {
    fn default() -> Self {
        RollSettings {
            settle: Duration::from_secs(5),
            gate_timeout: Duration::from_secs(120),
            max_lag: 1000,
        }
    }
}

/// Observers first, then non-voting members, then followers, the leader last: the leader's
/// restart costs an election, and it should cost only one.
pub fn roll_order(
    config: &EnsembleConfig,
    members: &[MemberSnapshot],
    leader: Option<u64>,
    only: Option<&[u64]>,
) -> Result<Vec<u64>, String> {
    let wanted: Vec<u64> = match only {
        Some(ids) => ids.to_vec(),
        None => config.servers.keys().copied().collect(),
    };
    if let Some(id) = wanted.iter().find(|id| !config.servers.contains_key(id)) {
        return Err(format!("member {id} is not in the membership"));
    }
    let rank = |id: u64| {
        let role = members.iter().find(|m| m.id == Some(id)).map(|m| m.role);
        match role {
            _ if Some(id) == leader => 4,
            Some(Role::Observer) => 0,
            Some(Role::NonVoting) => 1,
            _ if config.voter_ids().contains(&id) => 3,
            _ => 2,
        }
    };
    let mut order = wanted;
    order.sort_by_key(|&id| (rank(id), id));
    order.dedup();
    Ok(order)
}

/// What the ensemble looks like while one member is down for its restart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepPreview {
    pub id: u64,
    pub voter: bool,
    pub leader: bool,
    pub voters: usize,
    pub quorum: usize,
    pub live_voters_now: usize,
    pub live_voters_while_down: usize,
    /// More voter failures survived while it is down; `None`: the quorum is lost.
    pub tolerance_while_down: Option<usize>,
    /// Why this step must not run without an override.
    pub refusal: Option<String>,
    pub note: String,
}

/// A voter that serves but trails the leader by more than `max_lag`, or does not serve.
fn unhealthy_voters(
    config: &EnsembleConfig,
    members: &[MemberSnapshot],
    health: &Health,
    max_lag: u64,
) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    for id in config.voter_ids() {
        let snap = members.iter().find(|m| m.id == Some(id));
        let why = match snap {
            None => Some("not probed".to_string()),
            Some(m) if !matches!(m.role, Role::Leader | Role::Follower) => {
                Some(m.role.as_str().to_string())
            }
            Some(m) => match (m.zxid, health.leader_zxid) {
                (Some(z), Some(l)) => zxid_lag(z, l, true)
                    .filter(|lag| *lag > max_lag)
                    .map(|lag| format!("lagging {lag} transactions")),
                _ => None,
            },
        };
        if let Some(why) = why {
            out.push((id, why));
        }
    }
    out
}

/// The preview of restarting `id` now. Refused when its restart loses the quorum, or leaves no
/// tolerance because another voter is already down, hung or lagging.
pub fn preview_step(
    config: &EnsembleConfig,
    members: &[MemberSnapshot],
    health: &Health,
    id: u64,
    settings: &RollSettings,
) -> StepPreview {
    let voters = config.voter_ids();
    let voter = voters.contains(&id);
    let quorum = crate::ensemble::quorum_size(voters.len());
    let sick = unhealthy_voters(config, members, health, settings.max_lag);
    let sick_others: Vec<&(u64, String)> = sick.iter().filter(|(i, _)| *i != id).collect();
    let live_now = voters.len() - sick.len();
    let self_live = !sick.iter().any(|(i, _)| *i == id);
    let while_down = if voter && self_live {
        live_now.saturating_sub(1)
    } else {
        live_now
    };
    let tolerance = while_down.checked_sub(quorum);
    let others = sick_others
        .iter()
        .map(|(i, why)| format!("member {i} is {why}"))
        .collect::<Vec<_>>()
        .join(", ");
    let refusal = match tolerance {
        None => Some(format!(
            "restarting member {id} leaves {while_down} of {} voters: the quorum ({quorum}) is lost{}",
            voters.len(),
            if others.is_empty() { String::new() } else { format!(" ({others})") }
        )),
        Some(0) if !sick_others.is_empty() => Some(format!(
            "restarting member {id} leaves {while_down} of {} voters and no failure tolerated, \
             because {others}",
            voters.len()
        )),
        _ => None,
    };
    let note = match tolerance {
        Some(0) => format!(
            "while member {id} restarts, {while_down} of {} voters serve: no further failure tolerated",
            voters.len()
        ),
        Some(t) => format!(
            "while member {id} restarts, {while_down} of {} voters serve: {t} more failure(s) tolerated",
            voters.len()
        ),
        None => "the quorum is lost while it restarts".to_string(),
    };
    StepPreview {
        id,
        voter,
        leader: health.leader == Some(id),
        voters: voters.len(),
        quorum,
        live_voters_now: live_now,
        live_voters_while_down: while_down,
        tolerance_while_down: tolerance,
        refusal,
        note,
    }
}

/// The leader's count of learners in sync (followers, non-voting ones and observers).
pub fn synced_learners(leader: &MemberSnapshot) -> Option<i64> {
    let f = leader.metric_i64("synced_followers")?;
    Some(f + leader.metric_i64("synced_observers").unwrap_or(0))
}

/// What a gate knew before its member went down.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Baseline {
    /// Learners the leader counted in sync with every member up.
    pub synced: Option<i64>,
    pub was_voter: bool,
}

/// Whether a restarted member may be left alone and the next one taken down.
#[derive(Debug, Clone, PartialEq)]
pub enum GateVerdict {
    Met,
    /// Not yet; the sentence says what is still missing.
    Waiting(String),
}

/// The gate after a member's start: it serves in its role, has caught up with the leader, the
/// leader counts it in sync, and no election happened during the settle time.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub id: u64,
    pub baseline: Baseline,
    /// Since when every condition held, and under which leader and epoch.
    good_since: Option<(Duration, u64, u64)>,
    /// Elections seen while the gate waited (a change of leader or epoch after it was good).
    pub elections: u32,
}

impl Gate {
    pub fn new(id: u64, baseline: Baseline) -> Gate {
        Gate {
            id,
            baseline,
            good_since: None,
            elections: 0,
        }
    }

    /// `now`: time since the step began (the executor's clock, passed in).
    pub fn observe(
        &mut self,
        members: &[MemberSnapshot],
        health: &Health,
        settings: &RollSettings,
        now: Duration,
    ) -> GateVerdict {
        match self.missing(members, health, settings) {
            Some(why) => {
                if self.good_since.take().is_some() {
                    self.elections += u32::from(health.leader.is_none());
                }
                GateVerdict::Waiting(why)
            }
            None => {
                let leader = health.leader.unwrap_or(0);
                let epoch = health.leader_zxid.map_or(0, |z| z >> 32);
                match self.good_since {
                    Some((_, l, e)) if (l, e) != (leader, epoch) => {
                        self.elections += 1;
                        self.good_since = Some((now, leader, epoch));
                        GateVerdict::Waiting(format!(
                            "a new election (member {leader} leads now): settling again"
                        ))
                    }
                    Some((since, _, _)) if now.saturating_sub(since) >= settings.settle => {
                        GateVerdict::Met
                    }
                    Some((since, _, _)) => GateVerdict::Waiting(format!(
                        "settling: {} of {} s without an election",
                        now.saturating_sub(since).as_secs(),
                        settings.settle.as_secs()
                    )),
                    None => {
                        self.good_since = Some((now, leader, epoch));
                        GateVerdict::Waiting("settling: no election yet".into())
                    }
                }
            }
        }
    }

    /// The first condition that does not hold yet.
    fn missing(
        &self,
        members: &[MemberSnapshot],
        health: &Health,
        settings: &RollSettings,
    ) -> Option<String> {
        self.conditions(members, health, settings)
            .into_iter()
            .find(|c| !c.met)
            .map(|c| c.detail)
    }

    /// Every condition of the gate but the settle time, in order, each met or not: the console
    /// shows them ticked off as they come true.
    pub fn conditions(
        &self,
        members: &[MemberSnapshot],
        health: &Health,
        settings: &RollSettings,
    ) -> Vec<Condition> {
        let id = self.id;
        let me = members.iter().find(|m| m.id == Some(id));
        let serving = match me {
            None => Err(format!("member {id} is not in the observation")),
            Some(m) if !m.role.is_serving() => {
                Err(format!("member {id} is {}, not serving yet", m.role))
            }
            Some(m)
                if self.baseline.was_voter && !matches!(m.role, Role::Leader | Role::Follower) =>
            {
                Err(format!("member {id} serves as {}, not as a voter", m.role))
            }
            Some(m) => Ok(format!("member {id} serves as {}", m.role)),
        };
        let leader_snap = health
            .leader
            .and_then(|l| members.iter().find(|m| m.id == Some(l)));
        let leader = match (health.leader, leader_snap) {
            (None, _) => Err("no leader yet".to_string()),
            (Some(l), None) => Err(format!("the leader (member {l}) is not in the observation")),
            (Some(l), Some(_)) => Ok(format!("member {l} leads")),
        };
        let caught_up = match (me.and_then(|m| m.zxid), health.leader_zxid) {
            (Some(z), Some(l)) => match zxid_lag(z, l, true) {
                Some(lag) if lag > settings.max_lag => Err(format!(
                    "member {id} trails the leader by {lag} transactions"
                )),
                None => Err(format!("member {id} has not caught up with the leader")),
                Some(lag) => Ok(format!("{lag} transaction(s) behind the leader")),
            },
            _ => Ok("zxid not compared (not reported)".to_string()),
        };
        let synced = if health.leader == Some(id) {
            Ok("it leads".to_string())
        } else {
            match (self.baseline.synced, leader_snap.and_then(synced_learners)) {
                (Some(want), Some(have)) if have < want => Err(format!(
                    "the leader counts {have} learners in sync, {want} before the restart"
                )),
                (_, Some(have)) => Ok(format!("the leader counts {have} learners in sync")),
                _ => Ok("the leader does not report its learners".to_string()),
            }
        };
        // A later condition means nothing before the earlier ones hold.
        let mut blocked = false;
        [
            ("serves in its role", serving),
            ("a leader", leader),
            ("caught up with the leader", caught_up),
            ("in sync at the leader", synced),
        ]
        .into_iter()
        .map(|(name, r)| {
            let met = !blocked && r.is_ok();
            blocked |= r.is_err();
            let detail = match r {
                Ok(d) | Err(d) => d,
            };
            Condition { name, met, detail }
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Thresholds;
    use crate::ensemble::member::MetricValue;
    use crate::health::summarize;

    fn config(n: u64) -> EnsembleConfig {
        let text: String = (1..=n)
            .map(|i| {
                format!(
                    "server.{i}=127.0.0.1:{}:{}:participant;127.0.0.1:{}\n",
                    2000 + i,
                    3000 + i,
                    4000 + i
                )
            })
            .collect();
        EnsembleConfig::parse(&text).unwrap()
    }

    fn snap(id: u64, role: Role, zxid: u64) -> MemberSnapshot {
        MemberSnapshot {
            zxid: Some(zxid),
            ..MemberSnapshot::voter_for_tests(id, role)
        }
    }

    fn healthy(n: u64, leader: u64, zxid: u64) -> Vec<MemberSnapshot> {
        (1..=n)
            .map(|i| {
                snap(
                    i,
                    if i == leader {
                        Role::Leader
                    } else {
                        Role::Follower
                    },
                    zxid,
                )
            })
            .collect()
    }

    fn with_synced(
        mut members: Vec<MemberSnapshot>,
        leader: u64,
        synced: i64,
    ) -> Vec<MemberSnapshot> {
        for m in &mut members {
            if m.id == Some(leader) {
                m.metrics
                    .insert("synced_followers".into(), MetricValue::Int(synced));
            }
        }
        members
    }

    fn health(cfg: &EnsembleConfig, m: &[MemberSnapshot]) -> Health {
        summarize(Some(cfg), m, &Thresholds::default())
    }

    #[test]
    fn the_leader_goes_last_and_observers_first() {
        let cfg = EnsembleConfig::parse(
            "server.1=h:1:2:participant;h:3\nserver.2=h:4:5:participant;h:6\n\
             server.3=h:7:8:participant;h:9\nserver.4=h:10:11:observer;h:12\n",
        )
        .unwrap();
        let mut m = healthy(3, 1, 5);
        m.push(snap(4, Role::Observer, 5));
        assert_eq!(roll_order(&cfg, &m, Some(1), None).unwrap(), [4, 2, 3, 1]);
        assert_eq!(
            roll_order(&cfg, &m, Some(1), Some(&[1, 3])).unwrap(),
            [3, 1]
        );
        assert!(roll_order(&cfg, &m, Some(1), Some(&[9])).is_err());
    }

    #[test]
    fn a_healthy_three_allows_a_restart_without_tolerance_but_a_hung_member_refuses() {
        let cfg = config(3);
        let m = healthy(3, 3, 5);
        let p = preview_step(&cfg, &m, &health(&cfg, &m), 1, &RollSettings::default());
        assert_eq!(
            (p.live_voters_while_down, p.tolerance_while_down),
            (2, Some(0))
        );
        assert_eq!(p.refusal, None);
        let mut m = m;
        m[1].role = Role::Unresponsive;
        let p = preview_step(&cfg, &m, &health(&cfg, &m), 1, &RollSettings::default());
        assert_eq!(p.tolerance_while_down, None);
        assert!(p.refusal.unwrap().contains("member 2 is unresponsive"));
    }

    #[test]
    fn five_with_one_down_refuses_a_restart_that_leaves_no_tolerance() {
        let cfg = config(5);
        let mut m = healthy(5, 5, 5);
        m[0].role = Role::Down;
        let p = preview_step(&cfg, &m, &health(&cfg, &m), 2, &RollSettings::default());
        assert_eq!(p.tolerance_while_down, Some(0));
        assert!(p.refusal.unwrap().contains("member 1 is down"));
        // Restarting the member that is already down costs nothing more.
        let p = preview_step(&cfg, &m, &health(&cfg, &m), 1, &RollSettings::default());
        assert_eq!(p.tolerance_while_down, Some(1));
        assert_eq!(p.refusal, None);
    }

    #[test]
    fn a_lagging_voter_counts_as_lost_for_the_preview() {
        let cfg = config(3);
        let mut m = healthy(3, 3, 5_000);
        m[1].zxid = Some(1);
        let p = preview_step(&cfg, &m, &health(&cfg, &m), 1, &RollSettings::default());
        assert!(p.refusal.unwrap().contains("member 2 is lagging"));
    }

    #[test]
    fn the_gate_waits_for_serving_sync_and_a_quiet_settle_time() {
        let cfg = config(3);
        let s = RollSettings {
            settle: Duration::from_secs(5),
            ..Default::default()
        };
        let mut gate = Gate::new(
            1,
            Baseline {
                synced: Some(2),
                was_voter: true,
            },
        );
        let sec = Duration::from_secs;
        let mut m = with_synced(healthy(3, 3, 5), 3, 1);
        m[0].role = Role::NotServing;
        let v = gate.observe(&m, &health(&cfg, &m), &s, sec(0));
        assert!(matches!(v, GateVerdict::Waiting(w) if w.contains("not serving")));
        m[0].role = Role::Follower;
        let v = gate.observe(&m, &health(&cfg, &m), &s, sec(1));
        assert!(matches!(v, GateVerdict::Waiting(w) if w.contains("in sync")));
        let m = with_synced(healthy(3, 3, 5), 3, 2);
        assert!(matches!(
            gate.observe(&m, &health(&cfg, &m), &s, sec(2)),
            GateVerdict::Waiting(_)
        ));
        assert!(matches!(
            gate.observe(&m, &health(&cfg, &m), &s, sec(5)),
            GateVerdict::Waiting(_)
        ));
        // An election during the settle time starts it over.
        let moved = with_synced(healthy(3, 2, (1 << 32) + 1), 2, 2);
        assert!(matches!(
            gate.observe(&moved, &health(&cfg, &moved), &s, sec(6)),
            GateVerdict::Waiting(_)
        ));
        assert_eq!(gate.elections, 1);
        assert!(matches!(
            gate.observe(&moved, &health(&cfg, &moved), &s, sec(10)),
            GateVerdict::Waiting(_)
        ));
        assert_eq!(
            gate.observe(&moved, &health(&cfg, &moved), &s, sec(11)),
            GateVerdict::Met
        );
    }

    #[test]
    fn a_member_that_trails_the_leader_does_not_pass() {
        let cfg = config(3);
        let s = RollSettings {
            max_lag: 10,
            settle: Duration::ZERO,
            ..Default::default()
        };
        let mut gate = Gate::new(
            1,
            Baseline {
                synced: None,
                was_voter: true,
            },
        );
        let mut m = healthy(3, 3, 500);
        m[0].zxid = Some(100);
        let v = gate.observe(&m, &health(&cfg, &m), &s, Duration::ZERO);
        assert!(matches!(v, GateVerdict::Waiting(w) if w.contains("trails the leader by 400")));
    }

    #[test]
    fn the_gate_ticks_off_its_conditions_in_order() {
        let cfg = config(3);
        let s = RollSettings::default();
        let gate = Gate::new(
            1,
            Baseline {
                synced: Some(2),
                was_voter: true,
            },
        );
        let mut m = with_synced(healthy(3, 3, 5), 3, 1);
        m[0].role = Role::NotServing;
        let c = gate.conditions(&m, &health(&cfg, &m), &s);
        assert_eq!(c.iter().filter(|c| c.met).count(), 0, "{c:?}");
        m[0].role = Role::Follower;
        let c = gate.conditions(&m, &health(&cfg, &m), &s);
        let met: Vec<&str> = c.iter().filter(|c| c.met).map(|c| c.name).collect();
        assert_eq!(
            met,
            [
                "serves in its role",
                "a leader",
                "caught up with the leader"
            ]
        );
        assert!(c[3].detail.contains("1 learners in sync, 2 before"));
    }

    #[test]
    fn a_handoff_needs_dynamic_reconfig_write_access_and_three_voters() {
        assert_eq!(handoff_blocker(&config(3), None), Some(
            "dynamic reconfig is not in use (the membership has no version): the leader's restart costs an election".into()
        ));
        let mut c = config(3);
        c.version = Some(0x1_0000_0000);
        assert_eq!(handoff_blocker(&c, None), None);
        assert!(handoff_blocker(&c, Some(false))
            .unwrap()
            .contains("may not write"));
        let mut two = config(2);
        two.version = Some(0x1_0000_0000);
        assert!(handoff_blocker(&two, Some(true))
            .unwrap()
            .contains("2 voter(s)"));
    }
}
