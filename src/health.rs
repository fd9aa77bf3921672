//! The health summary of an observation: how many voters serve, whether there is a quorum,
//! how many more failures it survives, and what is wrong, worst first.

use crate::alerts::{breaches_with, Breach};
use crate::config::{Level, Thresholds};
use crate::ensemble::member::MemberSnapshot;
use crate::ensemble::member::Role;
use crate::ensemble::{quorum_size, EnsembleConfig};
use crate::history::window::Windows;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Health {
    pub leader: Option<u64>,
    pub leader_zxid: Option<u64>,
    pub config_version: Option<u64>,
    pub voters: usize,
    pub observers: usize,
    pub quorum_size: usize,
    /// Voters that serve right now (leading or following, and voting).
    pub live_voters: usize,
    pub has_quorum: bool,
    /// More voter failures the ensemble survives now; `None` when the quorum is already lost.
    pub tolerance: Option<usize>,
    pub reachable: usize,
    pub level: Level,
    /// Plain sentences, worst first.
    pub problems: Vec<String>,
    /// Per member (same order as the observation): the thresholds it breaches.
    pub breaches: Vec<Vec<Breach>>,
}

impl Health {
    /// No quorum seen, but not claimed lost either: the voters not seen could complete it.
    pub fn quorum_unknown(&self) -> bool {
        !self.has_quorum
            && self
                .problems
                .iter()
                .any(|p| p.starts_with("quorum unknown"))
    }
}

pub fn summarize(
    config: Option<&EnsembleConfig>,
    members: &[MemberSnapshot],
    thresholds: &Thresholds,
) -> Health {
    let refs: Vec<&MemberSnapshot> = members.iter().collect();
    summarize_refs(config, &refs, thresholds)
}

/// As `summarize`, over borrowed snapshots (the console keeps them inside its rows and must
/// not copy every metric map on each probe result).
pub fn summarize_refs(
    config: Option<&EnsembleConfig>,
    members: &[&MemberSnapshot],
    thresholds: &Thresholds,
) -> Health {
    summarize_windows(config, members, &[], thresholds)
}

/// As `summarize_refs`, with each member's windowed figures (same order as `members`; a
/// shorter list leaves the rest without), so the windowed thresholds are judged too.
pub fn summarize_windows(
    config: Option<&EnsembleConfig>,
    members: &[&MemberSnapshot],
    windows: &[Option<&Windows>],
    thresholds: &Thresholds,
) -> Health {
    // Two members can claim to lead for a moment: a leader that was paused (SIGSTOP, a long
    // GC) answers "leader" when it wakes, before it notices the others elected a new one.
    // The leader of the newest epoch is the real one.
    let leader_snap = members
        .iter()
        .filter(|m| m.role == Role::Leader)
        .rev() // on a tie, the first listed, as before
        .max_by_key(|m| m.zxid.map(|z| z >> 32));
    let leader = leader_snap.and_then(|m| m.id);
    let leader_zxid = leader_snap.and_then(|m| m.zxid);
    let serving_voter = |m: &MemberSnapshot| {
        matches!(m.role, Role::Leader | Role::Follower) && m.voting != Some(false)
    };
    let live_ids: BTreeSet<u64> = members
        .iter()
        .filter(|m| serving_voter(m))
        .filter_map(|m| m.id)
        .collect();
    let (voters, observers, has_quorum, tolerance) = match config {
        Some(cfg) => {
            let voter_ids = cfg.voter_ids();
            let live: BTreeSet<u64> = live_ids.intersection(&voter_ids).copied().collect();
            let has = !voter_ids.is_empty() && cfg.is_quorum(&live);
            (
                voter_ids.len(),
                cfg.observers().count(),
                has,
                has.then(|| tolerance_of(cfg, &live)),
            )
        }
        None => {
            // No membership known: every address we were given is taken to be a voter.
            let voters = members.len();
            let live = members.iter().filter(|m| serving_voter(m)).count();
            let has = voters > 0 && live >= quorum_size(voters) && leader_snap.is_some();
            (voters, 0, has, has.then(|| live - quorum_size(voters)))
        }
    };
    let live_voters = match config {
        Some(cfg) => live_ids.intersection(&cfg.voter_ids()).count(),
        None => members.iter().filter(|m| serving_voter(m)).count(),
    };
    // Voters whose client address is not known were not seen at all: unknown is not down.
    // A member serving under a leader proves a working quorum exists; with unseen voters
    // that could complete it, the quorum is presumed, not claimed lost.
    let unseen = members
        .iter()
        .filter(|m| m.role == Role::Unknown && m.voting != Some(false))
        .count();
    let someone_serves = members
        .iter()
        .any(|m| matches!(m.role, Role::Leader | Role::Follower | Role::Observer));
    let presumed = !has_quorum && someone_serves && live_voters + unseen >= quorum_size(voters);
    let (has_quorum, tolerance) = if presumed {
        (true, Some(0))
    } else {
        (has_quorum, tolerance)
    };
    let reachable = members.iter().filter(|m| m.role.is_alive()).count();

    let mut level = Level::Ok;
    let mut problems = Vec::new();
    let mut raise = |l: Level, text: String, problems: &mut Vec<String>| {
        level = level.max(l);
        problems.push(text);
    };
    if presumed {
        raise(
            Level::Warn,
            format!(
                "quorum not confirmed: {live_voters} of {voters} voters seen serving, {unseen} \
                 not observable (client address unknown); a serving member shows a quorum exists"
            ),
            &mut problems,
        );
    } else if !has_quorum
        && unseen > 0
        && live_voters + unseen >= quorum_size(voters)
        // A voter seen not serving is evidence of its own: no quorum reaches it.
        && !members.iter().any(|m| m.role == Role::NotServing)
    {
        raise(
            Level::Warn,
            format!(
                "quorum unknown: {live_voters} of {voters} voters seen serving, {unseen} not \
                 observable (client address unknown)"
            ),
            &mut problems,
        );
    } else if !has_quorum {
        raise(
            Level::Critical,
            format!(
                "quorum lost: {live_voters} of {voters} voters serving, {} needed",
                quorum_size(voters)
            ),
            &mut problems,
        );
    } else if leader_snap.is_none() && !someone_serves {
        raise(Level::Critical, "no leader".into(), &mut problems);
    }
    for m in members {
        let who =
            m.id.map_or_else(|| m.address.clone(), |id| format!("member {id}"));
        match m.role {
            Role::Down
            | Role::Unresponsive
            | Role::NotServing
            | Role::Error
            | Role::ReadOnly
            | Role::Unknown => {
                let why = m.error.as_deref().unwrap_or(m.role.as_str());
                raise(
                    Level::Warn,
                    format!("{who} {}: {why}", m.role),
                    &mut problems,
                );
            }
            _ => {}
        }
        if let Some(h) = &m.hint {
            raise(Level::Warn, format!("{who}: {h}"), &mut problems);
        }
    }
    if has_quorum && tolerance == Some(0) && !presumed {
        let why = if voters == 1 {
            "no failure tolerated: a single voter; if it stops, the ensemble stops"
        } else {
            "no failure tolerated: losing one more voter loses the quorum"
        };
        raise(Level::Warn, why.into(), &mut problems);
    }
    let per_member: Vec<Vec<Breach>> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let w = windows.get(i).copied().flatten();
            breaches_with(m, w, thresholds, leader_zxid)
        })
        .collect();
    for (m, bs) in members.iter().zip(&per_member) {
        for b in bs {
            let who =
                m.id.map_or_else(|| m.address.clone(), |id| format!("member {id}"));
            raise(b.level, format!("{who}: {b}"), &mut problems);
        }
    }
    if let Some(text) = crate::ensemble::versions::mixed_versions(members) {
        raise(Level::Warn, text, &mut problems);
    }
    // Worst first, keeping discovery order within a level.
    problems.sort_by_key(|p| {
        if p.starts_with("quorum lost") || p == "no leader" {
            0
        } else {
            1
        }
    });

    Health {
        leader,
        leader_zxid,
        config_version: config.and_then(|c| c.version),
        voters,
        observers,
        quorum_size: quorum_size(voters),
        live_voters,
        has_quorum,
        tolerance,
        reachable,
        level,
        problems,
        breaches: per_member,
    }
}

/// How many of `live` can fail before they stop forming a quorum. Majority configs have a
/// formula; hierarchical ones are searched (member counts are small).
fn tolerance_of(cfg: &EnsembleConfig, live: &BTreeSet<u64>) -> usize {
    if !cfg.is_hierarchical() {
        return live
            .len()
            .saturating_sub(quorum_size(cfg.voter_ids().len()));
    }
    let ids: Vec<u64> = live.iter().copied().collect();
    if ids.len() > 16 {
        return 0;
    }
    let mut k = 0;
    'grow: for lose in 1..=ids.len() {
        for mask in 0u32..(1 << ids.len()) {
            if mask.count_ones() as usize != lose {
                continue;
            }
            let rest: BTreeSet<u64> = ids
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) == 0)
                .map(|(_, id)| *id)
                .collect();
            if !cfg.is_quorum(&rest) {
                break 'grow;
            }
        }
        k = lose;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::member::{MemberSnapshot, MetricsSource, Role};

    fn unknown(id: u64) -> MemberSnapshot {
        MemberSnapshot {
            voting: None,
            source: MetricsSource::None,
            error: Some("client address unknown".into()),
            ..MemberSnapshot::voter_for_tests(id, Role::Unknown)
        }
    }

    #[test]
    fn voters_not_seen_make_the_quorum_unknown_not_lost() {
        let cfg = EnsembleConfig::parse(
            "server.1=h1:2888:3888:participant\nserver.2=h2:2888:3888:participant\n\
             server.3=h3:2888:3888:participant\n",
        )
        .unwrap();
        let members: Vec<_> = (1..=3).map(unknown).collect();
        let h = summarize(Some(&cfg), &members, &Thresholds::default());
        assert!(!h.has_quorum);
        assert!(h.quorum_unknown(), "{:?}", h.problems);
        assert_ne!(h.level, Level::Critical, "{:?}", h.problems);
        let mut down = members.clone();
        for m in &mut down {
            m.role = Role::Down;
        }
        let h = summarize(Some(&cfg), &down, &Thresholds::default());
        assert!(!h.quorum_unknown(), "{:?}", h.problems);
    }
}
