//! Each member's own view of the membership, as the console's pollers read it (`conf`), and
//! what follows from it: the reconfig mode for the header and the membership consistency
//! problem lines (members disagreeing about the list or its version, a joiner the others do
//! not list yet). Pure: the views arrive as `Msg::MemberConf`.

use crate::ensemble::consistency::disagreement;
use crate::ensemble::mode::{detect, ModeEvidence, ReconfigMode};
use crate::ensemble::EnsembleConfig;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberConfs {
    /// By member id: the membership it last reported.
    views: BTreeMap<u64, EnsembleConfig>,
}

impl MemberConfs {
    /// Keeps `config` as member `id`'s view; whether that changed anything.
    pub fn record(&mut self, id: u64, config: EnsembleConfig) -> bool {
        if self.views.get(&id) == Some(&config) {
            return false;
        }
        self.views.insert(id, config);
        true
    }

    pub fn view(&self, id: u64) -> Option<&EnsembleConfig> {
        self.views.get(&id)
    }

    /// The problem lines, from the views of the members `serving` says are up: a member that
    /// is down runs no list, and its last word must not raise (or hide) a disagreement.
    pub fn problems(&self, serving: impl Fn(u64) -> bool) -> Vec<String> {
        let live: Vec<(u64, EnsembleConfig)> = self
            .views
            .iter()
            .filter(|(id, _)| serving(**id))
            .map(|(id, c)| (*id, c.clone()))
            .collect();
        disagreement(&live)
    }

    /// The mode from the membership's version (the watched `/zookeeper/config`, else the
    /// newest a member told): the servers' replies do not state `reconfigEnabled`.
    pub fn mode(&self, membership: Option<&EnsembleConfig>) -> ReconfigMode {
        let told = self.views.values().filter_map(|c| c.version).max();
        let evidence = ModeEvidence {
            config_version: membership.and_then(|m| m.version).or(told),
            ..ModeEvidence::default()
        };
        detect(&evidence).0
    }
}

impl super::State {
    /// A member's `conf` arrived: keep it, and recompute the problems when it changed.
    pub(super) fn on_member_conf(&mut self, id: u64, config: EnsembleConfig) -> Vec<super::Effect> {
        if self.member_confs.record(id, config) {
            self.recompute(self.now);
            self.dirty = true;
        }
        vec![]
    }

    /// Appends the consistency lines to the health's problems: a disagreement is a warning
    /// (each side may still serve), never worse than what the health already says.
    pub(super) fn add_membership_problems(&mut self) {
        let serving = |id: u64| {
            self.members.values().any(|m| {
                m.snap.id == Some(id)
                    && m.snap.role.is_alive()
                    && m.snap.role != crate::ensemble::member::Role::Unknown
            })
        };
        let lines = self.member_confs.problems(serving);
        if lines.is_empty() {
            return;
        }
        self.health.problems.extend(lines);
        if self.health.level == crate::config::Level::Ok {
            self.health.level = crate::config::Level::Warn;
        }
    }

    /// The reconfig mode as far as the console knows it.
    pub fn reconfig_mode(&self) -> ReconfigMode {
        self.member_confs.mode(self.membership.as_ref())
    }
}

/// The header's word for the mode; nothing while it is unknown (the header is short of room).
pub fn mode_word(mode: ReconfigMode) -> Option<&'static str> {
    match mode {
        ReconfigMode::Enabled => Some("reconfig on"),
        ReconfigMode::Disabled => Some("reconfig off"),
        ReconfigMode::Unknown => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(ids: &[u64], version: u64) -> EnsembleConfig {
        EnsembleConfig::voters_for_tests(ids, version)
    }

    #[test]
    fn a_down_member_does_not_count() {
        let mut c = MemberConfs::default();
        assert!(c.record(1, cfg(&[1, 2, 3], 0)));
        assert!(!c.record(1, cfg(&[1, 2, 3], 0)));
        c.record(2, cfg(&[1, 2, 3], 0));
        c.record(3, cfg(&[1, 2], 0));
        assert_eq!(c.problems(|_| true).len(), 1);
        assert!(c.problems(|id| id != 3).is_empty());
    }

    #[test]
    fn the_mode_follows_the_version() {
        let c = MemberConfs::default();
        assert_eq!(c.mode(None), ReconfigMode::Unknown);
        assert_eq!(c.mode(Some(&cfg(&[1], 0))), ReconfigMode::Disabled);
        assert_eq!(c.mode(Some(&cfg(&[1], 0x100000000))), ReconfigMode::Enabled);
        let mut c = MemberConfs::default();
        c.record(1, cfg(&[1, 2, 3], 0));
        assert_eq!(c.mode(None), ReconfigMode::Disabled);
        assert_eq!(mode_word(c.mode(None)), Some("reconfig off"));
    }
}
