//! Whether the members agree about the membership: each member's own view (its `conf`), and
//! the problem line when they do not — a restart forgotten after an edit, a config changed by
//! hand, a stale dynamic file on a reused disk. Pure.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::config::hex;
use super::EnsembleConfig;

/// One membership as some members hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldList {
    pub servers: BTreeSet<u64>,
    pub voters: BTreeSet<u64>,
    pub version: Option<u64>,
    pub holders: BTreeSet<u64>,
}

/// The memberships the members report, most held first (then the newest version).
pub fn held_lists(views: &[(u64, EnsembleConfig)]) -> Vec<HeldList> {
    let mut by: BTreeMap<(Vec<String>, Option<u64>), HeldList> = BTreeMap::new();
    for (id, cfg) in views {
        // Whole specs, not only ids: a changed port or role is a disagreement too.
        let key: Vec<String> = cfg.servers.values().map(|s| s.to_line()).collect();
        by.entry((key, cfg.version))
            .or_insert_with(|| HeldList {
                servers: cfg.servers.keys().copied().collect(),
                voters: cfg.voter_ids(),
                version: cfg.version,
                holders: BTreeSet::new(),
            })
            .holders
            .insert(*id);
    }
    let mut out: Vec<HeldList> = by.into_values().collect();
    out.sort_by(|a, b| {
        b.holders
            .len()
            .cmp(&a.holders.len())
            .then(b.version.cmp(&a.version))
    });
    out
}

fn ids(set: &BTreeSet<u64>) -> String {
    set.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

fn version(v: Option<u64>) -> String {
    v.map_or_else(|| "no version".into(), |v| format!("version {}", hex(v)))
}

/// The problem lines when members disagree: who holds which list, and which members are
/// joiners the others do not list yet. Empty when they agree (or fewer than two answered).
pub fn disagreement(views: &[(u64, EnsembleConfig)]) -> Vec<String> {
    let lists = held_lists(views);
    if lists.len() < 2 {
        return Vec::new();
    }
    let held: Vec<String> = lists
        .iter()
        .map(|l| {
            format!(
                "{} {} servers {} ({})",
                ids(&l.holders),
                if l.holders.len() == 1 {
                    "holds"
                } else {
                    "hold"
                },
                ids(&l.servers),
                version(l.version)
            )
        })
        .collect();
    let mut out = vec![format!(
        "membership disagrees between members: {}",
        held.join("; ")
    )];
    let common = &lists[0];
    for l in &lists[1..] {
        let joiners: BTreeSet<u64> = l
            .holders
            .iter()
            .filter(|h| l.servers.contains(h) && !common.servers.contains(h))
            .copied()
            .collect();
        if !joiners.is_empty() {
            out.push(format!(
                "{} {} joining: not yet in the list of {} (restart {} with the new list)",
                ids(&joiners),
                if joiners.len() == 1 { "is" } else { "are" },
                ids(&common.holders),
                if common.holders.len() == 1 {
                    "it"
                } else {
                    "them one at a time"
                }
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(ids: &[u64], version: u64) -> EnsembleConfig {
        EnsembleConfig::voters_for_tests(ids, version)
    }

    #[test]
    fn agreement_is_no_problem() {
        let v = vec![(1, cfg(&[1, 2, 3], 0)), (2, cfg(&[1, 2, 3], 0))];
        assert!(disagreement(&v).is_empty());
        assert!(disagreement(&[]).is_empty());
    }

    #[test]
    fn a_member_left_on_the_old_list_is_named() {
        let v = vec![
            (1, cfg(&[1, 2, 3, 4], 0)),
            (2, cfg(&[1, 2, 3, 4], 0)),
            (3, cfg(&[1, 2, 3], 0)),
            (4, cfg(&[1, 2, 3, 4], 0)),
        ];
        let p = disagreement(&v);
        assert_eq!(
            p,
            [
                "membership disagrees between members: 1,2,4 hold servers 1,2,3,4 (version 0x0); \
              3 holds servers 1,2,3 (version 0x0)"
            ]
        );
    }

    #[test]
    fn a_joiner_is_shown_as_such() {
        let v = vec![
            (1, cfg(&[1, 2, 3], 0)),
            (2, cfg(&[1, 2, 3], 0)),
            (3, cfg(&[1, 2, 3], 0)),
            (4, cfg(&[1, 2, 3, 4], 0)),
        ];
        let p = disagreement(&v);
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(
            p[1],
            "4 is joining: not yet in the list of 1,2,3 (restart them one at a time with the new list)"
        );
    }

    #[test]
    fn versions_differ_with_the_same_servers() {
        let v = vec![
            (1, cfg(&[1, 2, 3], 0x100000002)),
            (2, cfg(&[1, 2, 3], 0x100000001)),
        ];
        let p = disagreement(&v);
        assert!(p[0].contains("version 0x100000002"), "{p:?}");
        assert!(p[0].contains("version 0x100000001"), "{p:?}");
    }
}
