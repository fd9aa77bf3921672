//! The membership text of `/zookeeper/config`, a dynamic config file or `conf` output.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::quorum::quorum_size;

use super::spec::{parse_number, ServerSpec};

/// A zxid or config version as ZooKeeper prints it: `0x100000000`.
pub fn hex(v: u64) -> String {
    format!("0x{v:x}")
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnsembleConfig {
    pub servers: BTreeMap<u64, ServerSpec>,
    /// In JSON as hex (`"0x10000000a"`), as `status` and ZooKeeper itself write it.
    #[serde(serialize_with = "version_as_hex")]
    pub version: Option<u64>,
    pub groups: BTreeMap<u64, Vec<u64>>,
    pub weights: BTreeMap<u64, u64>,
}

fn version_as_hex<S: serde::Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&hex(*v)),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ConfigTextError {
    pub line: usize,
    pub message: String,
}

#[cfg(test)]
impl EnsembleConfig {
    /// Voters `ids` on loopback at `version`, as `conf` would print them.
    pub(crate) fn voters_for_tests(ids: &[u64], version: u64) -> EnsembleConfig {
        let text: String = ids
            .iter()
            .map(|i| format!("server.{i}=127.0.0.1:{}:{}\n", 3000 + i, 4000 + i))
            .chain([format!("version={version:x}\n")])
            .collect();
        EnsembleConfig::parse(&text).unwrap()
    }
}

impl EnsembleConfig {
    /// Anything that is not membership is skipped, so the whole `conf` reply (settings, then
    /// `membership: `) parses as is.
    pub fn parse(text: &str) -> Result<EnsembleConfig, ConfigTextError> {
        let mut config = EnsembleConfig::default();
        let mut server_lines = BTreeMap::new();
        let mut group_of = BTreeMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let fail = |message: String| ConfigTextError { line, message };
            let trimmed = raw.trim();
            let (key, value) = match trimmed.split_once('=') {
                Some((key, value)) => (key.trim(), Some(value.trim())),
                None => (trimmed, None),
            };

            if key.starts_with("server.") {
                let spec = ServerSpec::parse_line(trimmed).map_err(|e| fail(e.message))?;
                if let Some(first) = server_lines.insert(spec.id, line) {
                    return Err(fail(format!(
                        "server id {} appears twice (first on line {first})",
                        spec.id
                    )));
                }
                config.servers.insert(spec.id, spec);
            } else if let Some(gid) = key.strip_prefix("group.") {
                let usage =
                    || format!("expected group.<id>=<serverId>[:<serverId>...], got \"{trimmed}\"");
                let value = value
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| fail(usage()))?;
                let gid = parse_number("group id", gid.trim()).map_err(fail)?;
                if config.groups.contains_key(&gid) {
                    return Err(fail(format!("group {gid} is defined twice")));
                }
                let mut members = Vec::new();
                for sid in value.split(':') {
                    let sid = parse_number("server id", sid.trim())
                        .map_err(|e| fail(format!("group {gid}: {e}")))?;
                    // ZooKeeper refuses this too: a server's vote can only count for one group.
                    if let Some(other) = group_of.insert(sid, gid) {
                        return Err(fail(format!(
                            "server {sid} is in group {other} and group {gid}"
                        )));
                    }
                    members.push(sid);
                }
                config.groups.insert(gid, members);
            } else if let Some(sid) = key.strip_prefix("weight.") {
                let value = value.ok_or_else(|| {
                    fail(format!(
                        "expected weight.<serverId>=<weight>, got \"{trimmed}\""
                    ))
                })?;
                let sid = parse_number("server id", sid.trim()).map_err(fail)?;
                let weight = parse_number("weight", value).map_err(fail)?;
                if config.weights.insert(sid, weight).is_some() {
                    return Err(fail(format!("weight of server {sid} is given twice")));
                }
            } else if key == "version" {
                let value = value.unwrap_or_default();
                let version = parse_hex(value).map_err(fail)?;
                if config.version.replace(version).is_some() {
                    return Err(fail("version is given twice".into()));
                }
            }
        }
        Ok(config)
    }

    /// The layout ZooKeeper itself writes, so the text can seed a dynamic config file.
    pub fn to_text(&self) -> String {
        let servers = self.servers.values().map(ServerSpec::to_line);
        let groups = self.groups.iter().map(|(gid, members)| {
            let members: Vec<String> = members.iter().map(u64::to_string).collect();
            format!("group.{gid}={}", members.join(":"))
        });
        let weights = self
            .weights
            .iter()
            .map(|(sid, weight)| format!("weight.{sid}={weight}"));
        let version = self.version.map(|v| format!("version={v:x}"));
        servers
            .chain(groups)
            .chain(weights)
            .chain(version)
            .map(|line| line + "\n")
            .collect()
    }

    pub fn voters(&self) -> impl Iterator<Item = &ServerSpec> {
        self.servers.values().filter(|s| s.is_voter())
    }

    pub fn observers(&self) -> impl Iterator<Item = &ServerSpec> {
        self.servers.values().filter(|s| !s.is_voter())
    }

    pub fn voter_ids(&self) -> BTreeSet<u64> {
        self.voters().map(|s| s.id).collect()
    }

    pub fn is_hierarchical(&self) -> bool {
        !self.groups.is_empty()
    }

    /// Weights without groups are ignored: ZooKeeper rejects such a config, so majority is
    /// the closest reading. An ensemble without voters has no quorum at all.
    pub fn is_quorum(&self, ids: &BTreeSet<u64>) -> bool {
        let voters = self.voter_ids();
        let present: BTreeSet<u64> = ids.intersection(&voters).copied().collect();
        if self.is_hierarchical() {
            self.is_hierarchical_quorum(&present)
        } else {
            !voters.is_empty() && present.len() >= quorum_size(voters.len())
        }
    }

    /// Mirrors `QuorumHierarchical.containsQuorum`, including its integer halving and its
    /// leaving zero-weight groups out of the group count.
    fn is_hierarchical_quorum(&self, present: &BTreeSet<u64>) -> bool {
        // u128 so that no set of u64 weights can overflow the sums.
        let weight = |sid: &u64| u128::from(self.weights.get(sid).copied().unwrap_or(1));
        let (mut counted, mut won) = (0usize, 0usize);
        for members in self.groups.values() {
            let total: u128 = members.iter().map(weight).sum();
            if total == 0 {
                continue;
            }
            counted += 1;
            let live: u128 = members
                .iter()
                .filter(|s| present.contains(s))
                .map(weight)
                .sum();
            if live > total / 2 {
                won += 1;
            }
        }
        won > counted / 2
    }

    pub fn next_free_id(&self) -> u64 {
        match self.servers.keys().next_back() {
            None => 1,
            Some(&max) => max.checked_add(1).unwrap_or_else(|| {
                (1..=u64::MAX)
                    .find(|id| !self.servers.contains_key(id))
                    .unwrap_or(0)
            }),
        }
    }
}

fn parse_hex(text: &str) -> Result<u64, String> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    match u64::from_str_radix(digits, 16) {
        Ok(v) if digits.bytes().all(|b| b.is_ascii_hexdigit()) => Ok(v),
        _ => Err(format!("version \"{text}\" is not a hexadecimal number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::spec::LearnerType;
    use proptest::prelude::*;

    const LEADER_CONF: &str = include_str!("../../tests/fixtures/leader_conf.txt");

    fn parse(text: &str) -> EnsembleConfig {
        EnsembleConfig::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn ids(ids: &[u64]) -> BTreeSet<u64> {
        ids.iter().copied().collect()
    }

    #[test]
    fn parses_the_conf_reply() {
        let config = parse(LEADER_CONF);
        assert_eq!(config.version, Some(0x1_0000_0000));
        assert_eq!(
            config.servers.keys().copied().collect::<Vec<_>>(),
            [1, 2, 3]
        );
        for (id, offset) in [(1u64, 0u16), (2, 1), (3, 2)] {
            let s = &config.servers[&id];
            assert_eq!(s.host, "127.0.0.1");
            assert_eq!(s.quorum_port, 22888 + offset);
            assert_eq!(s.election_port, 23888 + offset);
            assert_eq!(s.learner_type, LearnerType::Participant);
            assert_eq!(s.client_port, Some(22181 + offset));
            assert_eq!(
                s.client_address(),
                Some(format!("127.0.0.1:{}", 22181 + offset))
            );
        }
        assert_eq!(config.voter_ids(), ids(&[1, 2, 3]));
        assert_eq!(config.observers().count(), 0);
        assert!(!config.is_hierarchical());
        assert_eq!(config.next_free_id(), 4);
        assert_eq!(
            config.to_text(),
            LEADER_CONF[LEADER_CONF.find("server.1").unwrap()..].to_owned() + "\n"
        );
    }

    #[test]
    fn text_round_trips() {
        let text = "server.2=b:1:2:observer;0.0.0.0:3\n\
                    server.1=[::1]:1:2;2181\n\
                    group.1=1:2\n\
                    weight.1=3\n\
                    weight.2=0\n\
                    version=0x1f\n";
        let config = parse(text);
        assert_eq!(config.version, Some(0x1f));
        assert_eq!(config.groups[&1], [1, 2]);
        assert_eq!(config.weights[&2], 0);
        assert_eq!(
            config.to_text(),
            "server.1=[::1]:1:2:participant;0.0.0.0:2181\n\
             server.2=b:1:2:observer;0.0.0.0:3\n\
             group.1=1:2\n\
             weight.1=3\n\
             weight.2=0\n\
             version=1f\n"
        );
        // The bare client port became 0.0.0.0:2181; from then on the text is a fixed point.
        assert_eq!(parse(&config.to_text()).to_text(), config.to_text());
        let conf = parse(LEADER_CONF);
        assert_eq!(parse(&conf.to_text()), conf);
        assert_eq!(parse(""), EnsembleConfig::default());
        assert_eq!(EnsembleConfig::default().to_text(), "");
        assert_eq!(EnsembleConfig::default().next_free_id(), 1);
    }

    #[test]
    fn observers_do_not_vote() {
        let config = parse(
            "server.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\n\
             server.4=d:1:2:observer\nserver.5=e:1:2:observer",
        );
        assert_eq!(config.voter_ids(), ids(&[1, 2, 3]));
        let observers: Vec<u64> = config.observers().map(|s| s.id).collect();
        assert_eq!(observers, [4, 5]);
        assert!(config.is_quorum(&ids(&[1, 2])));
        assert!(!config.is_quorum(&ids(&[1, 4, 5])));
        assert!(!config.is_quorum(&ids(&[1, 9])));
        assert!(!EnsembleConfig::default().is_quorum(&ids(&[])));
    }

    #[test]
    fn hierarchical_quorums_follow_zookeeper() {
        let nine: String = (1..=9).map(|i| format!("server.{i}=h{i}:1:2\n")).collect();
        let config = parse(&(nine.clone() + "group.1=1:2:3\ngroup.2=4:5:6\ngroup.3=7:8:9\n"));
        assert!(config.is_hierarchical());
        assert!(config.is_quorum(&ids(&[1, 2, 4, 5])));
        assert!(!config.is_quorum(&ids(&[1, 2, 4])));
        assert!(!config.is_quorum(&ids(&[1, 4, 7])));
        assert!(!config.is_quorum(&ids(&[1, 2, 3])));
        assert!(!config.is_quorum(&ids(&[])));

        // A heavy server carries its group alone; a zero-weight group leaves the count, so
        // the two remaining groups must both agree.
        let weighted = parse(
            &(nine
                + "group.1=1:2:3\ngroup.2=4:5:6\ngroup.3=7:8:9\n\
                   weight.1=3\nweight.7=0\nweight.8=0\nweight.9=0\n"),
        );
        assert!(weighted.is_quorum(&ids(&[1, 4, 5])));
        assert!(!weighted.is_quorum(&ids(&[2, 3, 4, 5, 6])));
        assert!(!weighted.is_quorum(&ids(&[1, 4, 7, 8, 9])));
        let two_groups = parse(
            "server.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\nserver.4=d:1:2\n\
             group.1=1:2\ngroup.2=3:4\nweight.1=3\n",
        );
        assert!(two_groups.is_quorum(&ids(&[1, 3, 4])));
        assert!(!two_groups.is_quorum(&ids(&[2, 3, 4])));
    }

    #[test]
    fn errors_carry_line_numbers() {
        let err = |text: &str| EnsembleConfig::parse(text).unwrap_err();
        let e = err("tickTime=500\nserver.1=a:1:2\nserver.1=b:1:2\n");
        assert_eq!(e.line, 3);
        assert_eq!(
            e.to_string(),
            "line 3: server id 1 appears twice (first on line 2)"
        );
        let e = err("membership: \nserver.x=a:1:2");
        assert_eq!(
            (e.line, e.message.contains("id \"x\" is not a number")),
            (2, true)
        );
        assert_eq!(err("\n\ngroup.1=1:x").line, 3);
        assert!(err("group.1=1:2\ngroup.2=2")
            .message
            .contains("server 2 is in group 1 and group 2"));
        assert!(err("group.1=").message.contains("expected group.<id>="));
        assert!(err("weight.1=heavy").message.contains("weight \"heavy\""));
        assert!(err("version=xyz").message.contains("version \"xyz\""));
        assert!(err("server.1").message.contains("expected server.<id>="));
    }

    #[test]
    fn next_free_id_survives_the_largest_id() {
        let config = parse(&format!("server.1=a:1:2\nserver.{}=b:1:2", u64::MAX));
        assert_eq!(config.next_free_id(), 2);
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC*") {
            let _ = EnsembleConfig::parse(&text);
        }

        #[test]
        fn parse_never_panics_on_near_misses(
            lines in proptest::collection::vec(
                "(server|group|weight|version)[.]?[0-9x]{0,3}=[a-z0-9:;\\[\\]. ]{0,20}", 0..6)
        ) {
            let _ = EnsembleConfig::parse(&lines.join("\n"));
        }

        #[test]
        fn majority_configs_count_live_voters(
            roles in proptest::collection::vec(any::<bool>(), 1..10),
            live in proptest::collection::btree_set(0u64..12, 0..12),
        ) {
            let text: String = roles
                .iter()
                .enumerate()
                .map(|(i, voter)| {
                    let role = if *voter { "participant" } else { "observer" };
                    format!("server.{i}=h{i}:1:2:{role}\n")
                })
                .collect();
            let config = parse(&text);
            let voters = config.voter_ids();
            let live_voters = live.intersection(&voters).count();
            prop_assert_eq!(
                config.is_quorum(&live),
                !voters.is_empty() && live_voters >= quorum_size(voters.len())
            );
        }
    }
}
