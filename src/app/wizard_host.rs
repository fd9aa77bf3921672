//! Expand on a real host through the ensemble's host actions: the new member's files
//! (`zoo.cfg`, its dynamic seed, `myid`) written with `write_file`, then `start`. Each step is
//! described before anything runs (the wizard lists them), the whole is confirmed by typing a
//! phrase, and the runner halts at the first failure. Without actions the wizard only shows
//! the files, as before.

use super::wizard::{joiner_files_at, Wizard};
use super::State;
use crate::config::actions::ActionsEntry;
use crate::ensemble::{EnsembleConfig, ServerSpec};
use crate::host::{Action, CommandHost, HostActions, MemberRef};

/// One host action of the expand, with what it will run (for the preview) and, for a file,
/// its name and contents (shown under the step).
#[derive(Debug, Clone, PartialEq)]
pub struct HostStep {
    pub action: Action,
    pub member: MemberRef,
    pub what: String,
    pub file: Option<(String, String)>,
}

/// The host half of an expand: the steps, and where the operator is with them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HostSetup {
    pub steps: Vec<HostStep>,
    /// The confirmation being typed is for these steps (not the reconfig plan).
    pub confirming: bool,
    /// The steps were started (their outcome is in the progress pane).
    pub ran: bool,
    /// Recover on real hosts: each step as it will run, for the confirmation.
    pub preview: Vec<String>,
}

impl HostSetup {
    pub fn active(&self) -> bool {
        !self.steps.is_empty()
    }

    fn member_id(&self) -> Option<u64> {
        self.steps.first().map(|s| s.member.id)
    }

    /// The phrase that confirms the host steps, while it is being typed.
    pub fn phrase(&self) -> Option<String> {
        let id = self.member_id()?;
        self.confirming.then(|| format!("start {id}"))
    }
}

/// The actions an expand on a real host needs: files written and the server started.
pub fn expand_ready(a: &ActionsEntry) -> bool {
    a.write_file.is_some() && a.start.is_some() && a.zoo_cfg.is_some() && a.data_dir.is_some()
}

/// The actions a quorum-loss recovery needs.
pub fn recover_ready(a: &ActionsEntry) -> bool {
    a.stop.is_some()
        && a.start.is_some()
        && a.read_file.is_some()
        && a.write_file.is_some()
        && a.zoo_cfg.is_some()
}

/// The recovery on real hosts as it will run, for the confirmation: each survivor stopped,
/// its membership rewritten (after a backup), then started, the freshest first.
pub fn recover_preview(
    entry: &ActionsEntry,
    config: &EnsembleConfig,
    order: &[u64],
) -> Vec<String> {
    let host = CommandHost::new(entry.clone());
    let member = |id: u64| {
        config.servers.get(&id).map(|s| MemberRef {
            id,
            host: s.client_host.clone().unwrap_or_else(|| s.host.clone()),
            client_port: s.client_port.unwrap_or(2181),
        })
    };
    let run = |a: &Action, id: u64| match member(id) {
        Some(m) => host
            .describe(a, &m)
            .unwrap_or_else(|e| format!("{} member {id}: cannot run: {e}", a.name())),
        None => format!("member {id} is not in the last known membership"),
    };
    let ids: Vec<String> = order.iter().map(|i| i.to_string()).collect();
    let mut out = Vec::new();
    for &id in order {
        out.push(format!("stop {id}: {}", run(&Action::Stop, id)));
    }
    for &id in order {
        out.push(format!(
            "rewrite {id}: read {}, back it up beside itself, write a membership of {} only",
            run(&Action::ReadConfig, id),
            ids.join(",")
        ));
    }
    for (i, &id) in order.iter().enumerate() {
        let first = if i == 0 {
            " (the freshest, first and alone)"
        } else {
            ""
        };
        out.push(format!("start {id}{first}: {}", run(&Action::Start, id)));
    }
    out.push("verify: a leader among the survivors, serving".into());
    out
}

/// The steps that put `spec` on its host: zoo.cfg (at `zoo_cfg`), the dynamic seed beside it,
/// `myid` in `data_dir`, then start. Any template that cannot be rendered (a hostile host
/// name, a missing setting) is refused here, before anything runs.
pub fn host_steps(
    entry: &ActionsEntry,
    config: &EnsembleConfig,
    spec: &ServerSpec,
) -> Result<Vec<HostStep>, String> {
    let with_id = |t: &Option<String>| {
        t.as_deref()
            .map(|p| p.replace("{id}", &spec.id.to_string()))
    };
    let (Some(zoo_cfg), Some(data_dir)) = (with_id(&entry.zoo_cfg), with_id(&entry.data_dir))
    else {
        return Err("zoo_cfg and data_dir must be set under [ensembles.NAME.actions]".into());
    };
    let dynamic_path = format!("{zoo_cfg}.dynamic");
    let files = joiner_files_at(config, spec, &data_dir, &dynamic_path);
    let member = MemberRef {
        id: spec.id,
        host: spec.host.clone(),
        client_port: spec.client_port.unwrap_or(2181),
    };
    let mut actions = Vec::new();
    for (name, text) in files {
        let bytes = text.clone().into_bytes();
        let action = match name.as_str() {
            "zoo.cfg" => Action::WriteConfig(bytes),
            "myid" => Action::WriteDataFile {
                name: name.clone(),
                contents: bytes,
            },
            _ => Action::WriteFile {
                path: dynamic_path.clone(),
                contents: bytes,
            },
        };
        actions.push((action, Some((name, text))));
    }
    actions.push((Action::Start, None));
    let host = CommandHost::new(entry.clone());
    actions
        .into_iter()
        .map(|(action, file)| {
            let what = host
                .describe(&action, &member)
                .map_err(|e| format!("{}: {e}", action.name()))?;
            Ok(HostStep {
                action,
                member: member.clone(),
                what,
                file,
            })
        })
        .collect()
}

impl State {
    /// The ensemble's host actions when they can carry out an expand; never in read-only
    /// mode, never on the sandbox (it starts joiners itself).
    pub fn expand_actions(&self) -> Option<&ActionsEntry> {
        if self.read_only || self.sandbox {
            return None;
        }
        self.config
            .ensembles
            .get(&self.ensemble)
            .and_then(|e| e.actions.as_ref())
            .filter(|a| expand_ready(a))
    }

    /// The ensemble's host actions when they can carry out a quorum-loss recovery (stop,
    /// read and rewrite the membership, start), as `zkconsole recover` needs them.
    pub fn recover_actions(&self) -> Option<&ActionsEntry> {
        if self.read_only || self.sandbox {
            return None;
        }
        self.config
            .ensembles
            .get(&self.ensemble)
            .and_then(|e| e.actions.as_ref())
            .filter(|a| recover_ready(a))
    }

    /// Lists the recovery's steps for the confirmation: the survivors picked, the freshest
    /// first (the executor orders them again on a fresh observation before it runs).
    pub(super) fn preview_recovery(&self, w: &mut Wizard) {
        let (Some(entry), Some(cfg)) = (self.recover_actions(), self.membership.as_ref()) else {
            return;
        };
        let first = self.freshest(&w.picked);
        let order: Vec<u64> = first
            .into_iter()
            .chain(w.picked.iter().copied().filter(|id| Some(*id) != first))
            .collect();
        w.host.preview = recover_preview(entry, cfg, &order);
    }

    /// Fills the wizard's host steps for the spec typed in, or says why it cannot.
    pub(super) fn plan_host_steps(&self, w: &mut Wizard, spec: &ServerSpec) {
        w.host = HostSetup::default();
        let (Some(entry), Some(cfg)) = (self.expand_actions(), self.membership.as_ref()) else {
            return;
        };
        match host_steps(entry, cfg, spec) {
            Ok(steps) => w.host.steps = steps,
            Err(e) => w.say(
                crate::config::Level::Warn,
                format!("the host actions cannot put this member on its host: {e}"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> ActionsEntry {
        ActionsEntry {
            start: Some("ssh {host} start-zk".into()),
            write_file: Some("ssh {host} tee {path}".into()),
            zoo_cfg: Some("/etc/zk{id}/zoo.cfg".into()),
            data_dir: Some("/var/zk{id}".into()),
            ..Default::default()
        }
    }

    fn spec(host: &str) -> ServerSpec {
        ServerSpec {
            id: 4,
            host: host.into(),
            quorum_port: 2888,
            election_port: 3888,
            learner_type: crate::ensemble::LearnerType::Participant,
            client_host: Some(host.into()),
            client_port: Some(2181),
        }
    }

    #[test]
    fn the_files_are_written_where_the_settings_say_then_the_member_starts() {
        let cfg = EnsembleConfig::default();
        let steps = host_steps(&entry(), &cfg, &spec("zk4")).unwrap();
        let what: Vec<&str> = steps.iter().map(|s| s.what.as_str()).collect();
        assert_eq!(steps.len(), 4, "{what:?}");
        assert!(
            what[0].starts_with("ssh zk4 tee /etc/zk4/zoo.cfg <"),
            "{what:?}"
        );
        assert!(what[1].starts_with("ssh zk4 tee /etc/zk4/zoo.cfg.dynamic <"));
        assert!(what[2].starts_with("ssh zk4 tee /var/zk4/myid <"));
        assert_eq!(what[3], "ssh zk4 start-zk");
        let zoo = &steps[0].file.as_ref().unwrap().1;
        assert!(zoo.contains("dataDir=/var/zk4\n"), "{zoo}");
        assert!(
            zoo.contains("dynamicConfigFile=/etc/zk4/zoo.cfg.dynamic\n"),
            "{zoo}"
        );
        assert_eq!(steps[2].file.as_ref().unwrap().1, "4\n");
    }

    #[test]
    fn a_hostile_host_name_is_refused_before_anything_runs() {
        let e = host_steps(&entry(), &EnsembleConfig::default(), &spec("zk4;rm -rf /"));
        assert!(e.is_err(), "{e:?}");
    }

    #[test]
    fn incomplete_actions_do_not_offer_the_expand() {
        let mut a = entry();
        assert!(expand_ready(&a));
        a.data_dir = None;
        assert!(!expand_ready(&a));
    }
}
