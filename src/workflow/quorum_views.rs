//! Mixed server lists: during a static membership change different members run different
//! `server.N` lists. This judges one such moment: which lists are in use, the quorum of each,
//! whether every quorum of one list meets every quorum of every other (else two leaders are
//! possible), and whether some leader can serve at all (else it is an outage). Pure.
//!
//! The availability model follows what ZooKeeper 3.8 does (checked by hand, see the facts
//! file): a leader keeps leading while a majority of its own list still follows it (a member
//! follows a leader only if that leader is on the member's own list); when it cannot, members
//! elect again, each voting for the highest id that is up on its own list (zxids are equal
//! between rounds: every step starts from a synced ensemble), and a candidate wins when a
//! majority of its list votes for it and each voter sees a majority of its own list agree.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::ensemble::quorum_size;

/// One moment of a change: the voter list each member's config holds, and who runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MixedView {
    /// Per member: the voter ids of the list in its config. A member absent here is gone.
    pub lists: BTreeMap<u64, BTreeSet<u64>>,
    /// Members whose process runs.
    pub up: BTreeSet<u64>,
    /// Who led just before this moment.
    pub leader: Option<u64>,
}

/// One distinct list in use, and who holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListInUse {
    pub voters: BTreeSet<u64>,
    pub quorum: usize,
    /// Members whose config holds this list (up or not: a stopped member restarts with it).
    pub holders: BTreeSet<u64>,
    pub up_holders: BTreeSet<u64>,
}

/// Two quorums that share no member: each could elect its own leader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Split {
    pub first: BTreeSet<u64>,
    pub second: BTreeSet<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MixedCheck {
    pub lists: Vec<ListInUse>,
    /// Two disjoint quorums of lists in use, when there are (the intersection check fails).
    pub split: Option<Split>,
    /// Who leads once the moment settles; `None` = no member serves (an outage).
    pub leader: Option<u64>,
}

impl MixedCheck {
    pub fn intersects(&self) -> bool {
        self.split.is_none()
    }

    pub fn available(&self) -> bool {
        self.leader.is_some()
    }

    pub fn safe(&self) -> bool {
        self.intersects() && self.available()
    }

    /// Plain sentences for the preview: the lists, then what fails.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .lists
            .iter()
            .map(|l| {
                format!(
                    "list {} (quorum {}): held by {}, up {}",
                    ids(&l.voters),
                    l.quorum,
                    ids(&l.holders),
                    ids(&l.up_holders)
                )
            })
            .collect();
        if let Some(s) = &self.split {
            out.push(format!(
                "UNSAFE: quorums {} and {} share no member: two leaders could be elected",
                ids(&s.first),
                ids(&s.second)
            ));
        }
        match self.leader {
            Some(l) => out.push(format!("leader: {l}")),
            None => out.push(
                "OUTAGE: no list in use has a live quorum that can follow a leader on it".into(),
            ),
        }
        out
    }
}

/// `{1,2,3}` as `1,2,3`, or `none`.
pub fn ids(set: &BTreeSet<u64>) -> String {
    if set.is_empty() {
        return "none".into();
    }
    set.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

/// Two disjoint majorities of `a` and `b`, if they exist. A quorum of `a` takes what it
/// can outside `b`, and the same for `b`; they are disjoint iff what both still need from the
/// shared members fits in them.
pub fn disjoint_quorums(a: &BTreeSet<u64>, b: &BTreeSet<u64>) -> Option<Split> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let (qa, qb) = (quorum_size(a.len()), quorum_size(b.len()));
    let only_a: Vec<u64> = a.difference(b).copied().collect();
    let only_b: Vec<u64> = b.difference(a).copied().collect();
    let shared: Vec<u64> = a.intersection(b).copied().collect();
    let need_a = qa.saturating_sub(only_a.len());
    let need_b = qb.saturating_sub(only_b.len());
    if need_a + need_b > shared.len() {
        return None;
    }
    let first = only_a
        .iter()
        .take(qa)
        .chain(shared.iter().take(need_a))
        .copied()
        .collect();
    let second = only_b
        .iter()
        .take(qb)
        .chain(shared.iter().skip(need_a).take(need_b))
        .copied()
        .collect();
    Some(Split { first, second })
}

fn lists_in_use(view: &MixedView) -> Vec<ListInUse> {
    let mut by_list: BTreeMap<&BTreeSet<u64>, (BTreeSet<u64>, BTreeSet<u64>)> = BTreeMap::new();
    for (id, list) in &view.lists {
        let entry = by_list.entry(list).or_default();
        entry.0.insert(*id);
        if view.up.contains(id) {
            entry.1.insert(*id);
        }
    }
    by_list
        .into_iter()
        .map(|(voters, (holders, up_holders))| ListInUse {
            voters: voters.clone(),
            quorum: quorum_size(voters.len()),
            holders,
            up_holders,
        })
        .collect()
}

/// Up members whose list is `list`-independent: everyone up that has `leader` on its own list
/// and is a voter of the leader's list.
fn followers_of(view: &MixedView, leader: u64) -> Option<BTreeSet<u64>> {
    let own = view.lists.get(&leader)?;
    Some(
        view.up
            .iter()
            .filter(|f| own.contains(f))
            .filter(|f| view.lists.get(f).is_some_and(|l| l.contains(&leader)))
            .copied()
            .collect(),
    )
}

fn keeps_leading(view: &MixedView, leader: u64) -> bool {
    let Some(own) = view.lists.get(&leader) else {
        return false;
    };
    view.up.contains(&leader)
        && own.contains(&leader)
        && followers_of(view, leader).is_some_and(|f| f.len() >= quorum_size(own.len()))
}

/// The leader an election among the members up now ends with, if any.
fn elect(view: &MixedView) -> Option<u64> {
    // Each up member votes for the highest id up on its own list.
    let vote: BTreeMap<u64, u64> = view
        .up
        .iter()
        .filter_map(|m| {
            let list = view.lists.get(m)?;
            let best = list.iter().rev().find(|c| view.up.contains(c))?;
            Some((*m, *best))
        })
        .collect();
    let sees_majority = |m: &u64, c: u64| {
        let list = &view.lists[m];
        let agreeing = list.iter().filter(|v| vote.get(v) == Some(&c)).count();
        agreeing >= quorum_size(list.len())
    };
    let winners: Vec<u64> = vote
        .values()
        .copied()
        .collect::<BTreeSet<u64>>()
        .into_iter()
        .filter(|&c| vote.get(&c) == Some(&c))
        .filter(|&c| {
            let own = &view.lists[&c];
            let backers = own
                .iter()
                .filter(|v| vote.get(v) == Some(&c) && sees_majority(v, c))
                .count();
            backers >= quorum_size(own.len())
        })
        .collect();
    winners.last().copied()
}

/// Judges one moment.
pub fn check(view: &MixedView) -> MixedCheck {
    let lists = lists_in_use(view);
    let mut split = None;
    'outer: for (i, a) in lists.iter().enumerate() {
        for b in &lists[i + 1..] {
            if let Some(s) = disjoint_quorums(&a.voters, &b.voters) {
                split = Some(s);
                break 'outer;
            }
        }
    }
    let leader = match view.leader {
        Some(l) if keeps_leading(view, l) => Some(l),
        _ => elect(view),
    };
    MixedCheck {
        lists,
        split,
        leader,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[u64]) -> BTreeSet<u64> {
        ids.iter().copied().collect()
    }

    fn view(lists: &[(u64, &[u64])], up: &[u64], leader: Option<u64>) -> MixedView {
        MixedView {
            lists: lists.iter().map(|(id, l)| (*id, set(l))).collect(),
            up: set(up),
            leader,
        }
    }

    #[test]
    fn majorities_of_n_and_n_plus_one_always_meet() {
        for n in 1..9u64 {
            let a: BTreeSet<u64> = (1..=n).collect();
            let b: BTreeSet<u64> = (1..=n + 1).collect();
            assert_eq!(disjoint_quorums(&a, &b), None, "{n}");
            assert_eq!(disjoint_quorums(&b, &a), None, "{n}");
        }
    }

    #[test]
    fn adding_two_voters_at_once_allows_two_leaders() {
        let s = disjoint_quorums(&set(&[1, 2, 3]), &set(&[1, 2, 3, 4, 5])).unwrap();
        assert_eq!(s.first.len(), 2);
        assert_eq!(s.second.len(), 3);
        assert!(s.first.is_disjoint(&s.second));
        let moment = view(
            &[
                (1, &[1, 2, 3]),
                (2, &[1, 2, 3]),
                (3, &[1, 2, 3, 4, 5]),
                (4, &[1, 2, 3, 4, 5]),
                (5, &[1, 2, 3, 4, 5]),
            ],
            &[1, 2, 3, 4, 5],
            Some(3),
        );
        let c = check(&moment);
        assert!(!c.intersects());
        assert!(c.lines().iter().any(|l| l.contains("two leaders")));
    }

    #[test]
    fn the_documented_shrink_outage_is_found() {
        // 1–4 → 1–3 while 4 leads: 1 and 2 restarted with 1–3, 3 and 4 still on 1–4.
        let moment = view(
            &[
                (1, &[1, 2, 3]),
                (2, &[1, 2, 3]),
                (3, &[1, 2, 3, 4]),
                (4, &[1, 2, 3, 4]),
            ],
            &[1, 2, 3, 4],
            Some(4),
        );
        let c = check(&moment);
        assert!(c.intersects());
        assert_eq!(c.leader, None, "{:?}", c.lines());
        assert!(c.lines().iter().any(|l| l.starts_with("OUTAGE")));
        // The same moment with leadership moved to 3 first serves.
        let moved = MixedView {
            leader: Some(3),
            ..moment
        };
        assert_eq!(check(&moved).leader, Some(3));
    }

    #[test]
    fn the_documented_add_keeps_a_leader_and_ends_on_the_joiner() {
        // 1–3 led by 3; 4 joins with 1–4: 3 keeps leading.
        let joined = view(
            &[
                (1, &[1, 2, 3]),
                (2, &[1, 2, 3]),
                (3, &[1, 2, 3]),
                (4, &[1, 2, 3, 4]),
            ],
            &[1, 2, 3, 4],
            Some(3),
        );
        assert_eq!(check(&joined).leader, Some(3));
        // 1 and 2 moved, the leader 3 restarting: 4 (highest id) is elected by 1, 2, 4.
        let leader_down = view(
            &[
                (1, &[1, 2, 3, 4]),
                (2, &[1, 2, 3, 4]),
                (3, &[1, 2, 3, 4]),
                (4, &[1, 2, 3, 4]),
            ],
            &[1, 2, 4],
            Some(3),
        );
        assert_eq!(check(&leader_down).leader, Some(4));
    }

    #[test]
    fn a_lost_quorum_is_an_outage() {
        let c = check(&view(
            &[(1, &[1, 2, 3]), (2, &[1, 2, 3]), (3, &[1, 2, 3])],
            &[1],
            Some(1),
        ));
        assert_eq!(c.leader, None);
        assert!(c.intersects());
    }
}
