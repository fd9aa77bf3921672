//! Quorum-loss recovery on real hosts, the pure part: whether recovery is warranted, the order
//! survivors start in, and the rewrite of a member's membership file. The documented procedure:
//! stop the survivors, rewrite each survivor's membership to list only the survivors, start the
//! most up-to-date first, then the rest, and verify.

use crate::ensemble::member::MemberSnapshot;
use crate::ensemble::ServerSpec;
use crate::health::Health;

/// The dynamic file that holds a member's `server.N=` lines, when its zoo.cfg names one; `None`:
/// the lines are in zoo.cfg itself (a static ensemble).
pub fn membership_file(zoo_cfg: &str) -> Option<String> {
    zoo_cfg
        .lines()
        .find_map(|l| l.trim().strip_prefix("dynamicConfigFile="))
        .map(|p| p.trim().to_string())
}

/// `text` with the `server.N=` lines of members other than `keep` left out; every other line
/// (settings, `version=`, comments) kept byte for byte.
pub fn keep_only(text: &str, keep: &[u64]) -> String {
    text.split_inclusive('\n')
        .filter(|l| {
            if !l.trim_start().starts_with("server.") {
                return true;
            }
            match ServerSpec::parse_line(l.trim_end()) {
                Ok(spec) => keep.contains(&spec.id),
                Err(_) => true,
            }
        })
        .collect()
}

/// Why a recovery must not run now, if it must not.
pub fn refusal(health: &Health, members: &[MemberSnapshot], survivors: &[u64]) -> Option<String> {
    if survivors.is_empty() {
        return Some("name at least one survivor".into());
    }
    if health.has_quorum || health.leader.is_some() {
        return Some(format!(
            "the quorum is not lost ({} of {} voters serve, leader {}): recovery would throw \
             away members that work; restart the down members instead",
            health.live_voters,
            health.voters,
            health.leader.map_or("none".into(), |l| l.to_string())
        ));
    }
    for id in survivors {
        let alive = members
            .iter()
            .any(|m| m.id == Some(*id) && m.role.is_alive());
        if !alive {
            return Some(format!(
                "member {id} does not answer: only members whose process runs can be survivors"
            ));
        }
    }
    None
}

/// Survivors in start order: the highest last zxid first when the members told it (AdminServer
/// `zabstate`), else as the operator listed them. The note says which.
pub fn start_order(members: &[MemberSnapshot], survivors: &[u64]) -> (Vec<u64>, String) {
    let zxid = |id: u64| {
        members
            .iter()
            .find(|m| m.id == Some(id))
            .and_then(|m| m.zab.as_ref().and_then(|z| z.last_zxid).or(m.zxid))
    };
    if survivors.iter().all(|&id| zxid(id).is_some()) {
        let mut order = survivors.to_vec();
        order.sort_by_key(|&id| std::cmp::Reverse(zxid(id)));
        let first = order[0];
        (
            order,
            format!("member {first} has the highest last zxid: it starts first"),
        )
    } else {
        (
            survivors.to_vec(),
            format!(
                "the last zxids are unknown: member {} (listed first) starts first; list the \
                 most up-to-date survivor first",
                survivors[0]
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_membership_file_is_the_dynamic_one_when_named() {
        let cfg = "tickTime=500\ndynamicConfigFile=/d/zoo.cfg.dynamic.100000000\n";
        assert_eq!(
            membership_file(cfg).as_deref(),
            Some("/d/zoo.cfg.dynamic.100000000")
        );
        assert_eq!(membership_file("clientPort=2181\n"), None);
    }

    #[test]
    fn only_lost_members_lines_go_and_everything_else_stays_as_it_was() {
        let text = "# ours\nserver.1=h1:2888:3888:participant;2181\n\
                    server.2=h2:2888:3888:participant;2181\nserver.3=h3:2888:3888;2181\n\
                    version=100000000\nclientPort=2181\n";
        assert_eq!(
            keep_only(text, &[1, 3]),
            "# ours\nserver.1=h1:2888:3888:participant;2181\nserver.3=h3:2888:3888;2181\n\
             version=100000000\nclientPort=2181\n"
        );
        assert_eq!(keep_only("a=b", &[1]), "a=b");
    }
}
