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
