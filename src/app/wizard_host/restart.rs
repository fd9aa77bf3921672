//! The recover page's restart of one down member through the host actions: `start`, with
//! `stop` first for a member whose process is there but does not serve (hung). The preview
//! lists each command as it will run and the ensemble afterwards; `restart ID` confirms it
//! (`tui::restart_host` runs it).

use super::client_ref;
use crate::app::wizard::Wizard;
use crate::app::State;
use crate::config::actions::ActionsEntry;
use crate::config::Level;
use crate::ensemble::member::Role;
use crate::ensemble::EnsembleConfig;
use crate::host::{Action, CommandHost, HostActions};

/// A down member restarted through the host actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restart {
    pub id: u64,
    /// Its process is there but does not serve (hung): `stop` first, then `start`.
    pub stop_first: bool,
}

/// The restart of down member `id` as it will run, and the ensemble after it, for the
/// confirmation. `health` is the ensemble now (the member not serving).
pub fn restart_preview(
    entry: &ActionsEntry,
    config: &EnsembleConfig,
    health: &crate::health::Health,
    restart: Restart,
    gate_timeout: std::time::Duration,
) -> Result<Vec<String>, String> {
    let Restart { id, stop_first } = restart;
    let spec = config
        .servers
        .get(&id)
        .ok_or_else(|| format!("member {id} is not in the last known membership"))?;
    let member = client_ref(id, spec);
    let host = CommandHost::new(entry.clone());
    let run = |a: &Action| {
        host.describe(a, &member)
            .map_err(|e| format!("{} member {id}: {e}", a.name()))
    };
    let mut out = Vec::new();
    if stop_first {
        out.push(format!(
            "stop {id} (its process is there but does not serve: hung): {}",
            run(&Action::Stop)?
        ));
    }
    out.push(format!("start {id}: {}", run(&Action::Start)?));
    out.push(format!(
        "wait until member {id} serves and has caught up with the leader (at most {} s; \
         halts with what is known)",
        gate_timeout.as_secs()
    ));
    let after = if spec.is_voter() {
        let live = (health.live_voters + 1).min(health.voters);
        let tolerance = live.saturating_sub(health.quorum_size);
        format!(
            "after: {live} of {} voters serve (quorum {}), tolerating {tolerance} more failure(s)",
            health.voters, health.quorum_size
        )
    } else {
        format!("after: observer {id} serves again; the voters are unchanged")
    };
    out.push(after);
    Ok(out)
}

/// Whether a member not serving in `role` has a process there that a `start` alone would not
/// replace (a service manager's start does nothing while it runs): one that answers without
/// serving, or one whose port accepts but which never answers (a JVM stopped in a full GC, on
/// a dead disk, deadlocked). Only `down` (connection refused: nothing listens) and `unknown`
/// are left to `start` alone.
fn is_hung(role: Role) -> bool {
    role == Role::Unresponsive || (role.is_alive() && !role.is_serving())
}

impl State {
    /// The ensemble's host actions when they can restart a down member (`start`; `stop` too
    /// for a hung one); never in read-only mode, never on the sandbox (it restarts by itself).
    pub fn restart_actions(&self) -> Option<&ActionsEntry> {
        self.actions_for(|a| a.start.is_some())
    }

    /// Prepares the restart of down member `id` through the host actions: the steps and the
    /// ensemble after them on the confirmation, `restart ID` to type; or says why not.
    pub(in crate::app) fn plan_restart(&self, w: &mut Wizard, id: u64) -> bool {
        let (Some(entry), Some(cfg)) = (self.restart_actions(), self.membership.as_ref()) else {
            return false;
        };
        let hung = self
            .members
            .values()
            .any(|m| m.snap.id == Some(id) && is_hung(m.snap.role));
        if hung && entry.stop.is_none() {
            w.say(
                Level::Warn,
                format!("member {id}'s process is there but does not serve: it needs `stop` before `start`, and no stop action is configured"),
            );
            return false;
        }
        let restart = Restart {
            id,
            stop_first: hung,
        };
        let gate = self.config.roll_for(&self.ensemble).gate_timeout;
        match restart_preview(entry, cfg, &self.health, restart, gate) {
            Ok(preview) => {
                w.host.preview = preview;
                w.host.restart = Some(restart);
                true
            }
            Err(e) => {
                w.say(
                    Level::Warn,
                    format!("cannot restart member {id} on its host: {e}"),
                );
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::ServerSpec;

    fn entry() -> ActionsEntry {
        ActionsEntry {
            start: Some("ssh {host} start-zk".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_process_that_accepts_or_answers_without_serving_is_stopped_first() {
        for role in [
            Role::Unresponsive,
            Role::NotServing,
            Role::ReadOnly,
            Role::Error,
        ] {
            assert!(is_hung(role), "{role}");
        }
        for role in [Role::Down, Role::Unknown, Role::Follower, Role::Leader] {
            assert!(!is_hung(role), "{role}");
        }
    }

    #[test]
    fn a_hung_members_restart_stops_it_first_and_says_the_ensemble_after() {
        let mut cfg = EnsembleConfig::default();
        for id in 1..=3 {
            let line = format!("server.{id}=zk{id}:2888:3888;2181");
            cfg.servers
                .insert(id, ServerSpec::parse_line(&line).unwrap());
        }
        let mut a = entry();
        a.stop = Some("ssh {host} stop-zk".into());
        let health = crate::health::Health {
            leader: Some(1),
            leader_zxid: None,
            config_version: None,
            voters: 3,
            observers: 0,
            quorum_size: 2,
            live_voters: 2,
            has_quorum: true,
            tolerance: Some(0),
            reachable: 2,
            level: Level::Warn,
            problems: vec![],
            breaches: vec![],
        };
        let r = Restart {
            id: 2,
            stop_first: true,
        };
        let gate = std::time::Duration::from_secs(120);
        let p = restart_preview(&a, &cfg, &health, r, gate).unwrap();
        assert!(
            p[0].starts_with("stop 2 (its process is there but does not serve"),
            "{p:?}"
        );
        assert!(p[0].ends_with("ssh zk2 stop-zk"), "{p:?}");
        assert_eq!(p[1], "start 2: ssh zk2 start-zk");
        assert!(p[2].contains("at most 120 s"), "{p:?}");
        assert_eq!(
            p[3],
            "after: 3 of 3 voters serve (quorum 2), tolerating 1 more failure(s)"
        );
        let gone = Restart { id: 9, ..r };
        assert!(restart_preview(&a, &cfg, &health, gone, gate).is_err());
    }
}
