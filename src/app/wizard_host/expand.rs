//! Expand on a real host: the new member's files (`zoo.cfg` derived from a serving member's,
//! its dynamic seed, `myid`) written with `write_file`, then `start`.

use super::{client_ref, HostSetup};
use crate::app::wizard::{joiner_files_at, Wizard};
use crate::app::{Effect, State};
use crate::config::actions::ActionsEntry;
use crate::config::Level;
use crate::ensemble::{EnsembleConfig, ServerSpec};
use crate::host::{Action, CommandHost, HostActions, MemberRef};
use crate::workflow::joiner_cfg::{derive_dynamic, JoinerPaths};

/// One host action of the expand, with what it will run (for the preview) and, for a file,
/// its name and contents (shown under the step).
#[derive(Debug, Clone, PartialEq)]
pub struct HostStep {
    pub action: Action,
    pub member: MemberRef,
    pub what: String,
    pub file: Option<(String, String)>,
}

/// The serving member whose zoo.cfg the joiner's is derived from, and how far that got.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub member: MemberRef,
    /// The `read_file` command as it runs.
    pub what: String,
    pub state: SourceState,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SourceState {
    Reading,
    /// Derived: what the operator should know about the text (shown with it).
    Derived(Vec<String>),
    /// The reason no host steps are offered.
    Failed(String),
}

/// The actions an expand on a real host needs: files written and the server started.
pub fn expand_ready(a: &ActionsEntry) -> bool {
    a.write_file.is_some() && a.start.is_some() && a.zoo_cfg.is_some() && a.data_dir.is_some()
}

/// The steps that put `spec` on its host: zoo.cfg (at `zoo_cfg`, derived from member
/// `source.0`'s text `source.1`), the dynamic seed beside it, `myid` in `data_dir`, then
/// start. Any template that cannot be rendered (a hostile host name, a missing setting) or a
/// source that cannot be derived from is refused here, before anything runs.
pub fn host_steps(
    entry: &ActionsEntry,
    config: &EnsembleConfig,
    spec: &ServerSpec,
    source: (&MemberRef, &str),
) -> Result<(Vec<HostStep>, Vec<String>), String> {
    let with_id = |t: &Option<String>| {
        t.as_deref()
            .map(|p| p.replace("{id}", &spec.id.to_string()))
    };
    let (Some(zoo_cfg), Some(data_dir)) = (with_id(&entry.zoo_cfg), with_id(&entry.data_dir))
    else {
        return Err("zoo_cfg and data_dir must be set under [ensembles.NAME.actions]".into());
    };
    let dynamic_path = format!("{zoo_cfg}.dynamic");
    let mut files = joiner_files_at(config, spec, &data_dir, &dynamic_path);
    let (from, text) = source;
    let derived = derive_dynamic(
        text,
        from.id,
        spec,
        &JoinerPaths {
            data_dir: &data_dir,
            dynamic_file: &dynamic_path,
        },
        from.host == spec.host,
    )?;
    if let Some(zoo) = files.iter_mut().find(|(n, _)| n == "zoo.cfg") {
        zoo.1 = derived.text;
    }
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
    let steps = actions
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
        .collect::<Result<_, String>>()?;
    Ok((steps, derived.notes))
}

/// The member to read the joiner's zoo.cfg from: the lowest id that serves now and is in the
/// membership (its file is one the ensemble runs with).
fn source_member(state: &State, config: &EnsembleConfig) -> Option<MemberRef> {
    let serving: Vec<u64> = state
        .members
        .values()
        .filter(|m| m.snap.role.is_serving())
        .filter_map(|m| m.snap.id)
        .collect();
    let (&id, spec) = config.servers.iter().find(|(id, _)| serving.contains(id))?;
    Some(client_ref(id, spec))
}

impl State {
    /// The ensemble's host actions when they can carry out an expand; never in read-only
    /// mode, never on the sandbox (it starts joiners itself).
    pub fn expand_actions(&self) -> Option<&ActionsEntry> {
        self.actions_for(expand_ready)
    }

    /// Starts the wizard's host steps for the spec typed in: a serving member's zoo.cfg is
    /// read first (the joiner's is derived from it), or the page says why it cannot be.
    pub(in crate::app) fn plan_host_steps(&self, w: &mut Wizard) -> Option<Effect> {
        w.host = HostSetup::default();
        let (Some(entry), Some(cfg)) = (self.expand_actions(), self.membership.as_ref()) else {
            return None;
        };
        let refuse = |w: &mut Wizard, why: String| {
            w.say(
                Level::Critical,
                format!("refused: no host steps: {why}; the files below are generated defaults"),
            );
        };
        if entry.read_file.is_none() {
            refuse(
                w,
                "the joiner's zoo.cfg is derived from a serving member's, read with `read_file`: \
                 set read_file under [ensembles.NAME.actions]"
                    .into(),
            );
            return None;
        }
        let Some(member) = source_member(self, cfg) else {
            refuse(
                w,
                "no member of the membership serves to read a zoo.cfg from".into(),
            );
            return None;
        };
        let what = match CommandHost::new(entry.clone()).describe(&Action::ReadConfig, &member) {
            Ok(w) => w,
            Err(e) => {
                refuse(
                    w,
                    format!("cannot read member {}'s zoo.cfg: {e}", member.id),
                );
                return None;
            }
        };
        w.say(
            Level::Ok,
            format!("reading member {}'s zoo.cfg: {what}", member.id),
        );
        w.host.source = Some(Source {
            member: member.clone(),
            what,
            state: SourceState::Reading,
        });
        Some(Effect::ReadSource(member))
    }

    /// Member `id`'s zoo.cfg arrived (or could not be read): derive the joiner's and list
    /// the host steps, or say why not (naming the member and the reason).
    pub(in crate::app) fn on_source(&self, w: &mut Wizard, id: u64, text: Result<String, String>) {
        let Some(source) = w.host.source.as_mut().filter(|s| s.member.id == id) else {
            return;
        };
        if source.state != SourceState::Reading || w.host.ran {
            return;
        }
        let member = source.member.clone();
        let planned = match (
            text,
            self.expand_actions(),
            self.membership.as_ref(),
            w.form_spec(),
        ) {
            (Err(e), ..) => Err(format!("member {id}'s zoo.cfg could not be read: {e}")),
            (Ok(text), Some(entry), Some(cfg), Ok(spec)) => {
                host_steps(entry, cfg, &spec, (&member, &text)).map_err(|e| {
                    format!("the joiner's zoo.cfg cannot be derived from member {id}'s: {e}")
                })
            }
            (Ok(_), ..) => Err(format!(
                "the expand changed while member {id}'s zoo.cfg was read"
            )),
        };
        match planned {
            Ok((steps, notes)) => {
                w.host.steps = steps;
                if let Some(s) = w.host.source.as_mut() {
                    s.state = SourceState::Derived(notes);
                }
            }
            Err(why) => {
                w.say(Level::Critical, format!("refused: no host steps: {why}"));
                if let Some(s) = w.host.source.as_mut() {
                    s.state = SourceState::Failed(why);
                }
            }
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

    fn source() -> MemberRef {
        MemberRef {
            id: 1,
            host: "zk1".into(),
            client_port: 2181,
        }
    }

    const SOURCE: &str = "tickTime=3000\ndataDir=/var/zk1\nsslQuorum=true\n\
dynamicConfigFile=/etc/zk1/zoo.cfg.dynamic.100000000\n";

    #[test]
    fn the_files_are_written_where_the_settings_say_then_the_member_starts() {
        let cfg = EnsembleConfig::default();
        let (steps, _) = host_steps(&entry(), &cfg, &spec("zk4"), (&source(), SOURCE)).unwrap();
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
        // The site's settings come from member 1's file, not from generated defaults.
        assert!(zoo.starts_with("tickTime=3000\n"), "{zoo}");
        assert!(zoo.contains("sslQuorum=true\n"), "{zoo}");
        assert!(
            zoo.contains("dynamicConfigFile=/etc/zk4/zoo.cfg.dynamic\n"),
            "{zoo}"
        );
        assert_eq!(steps[2].file.as_ref().unwrap().1, "4\n");
    }

    #[test]
    fn a_hostile_host_name_is_refused_before_anything_runs() {
        let e = host_steps(
            &entry(),
            &EnsembleConfig::default(),
            &spec("zk4;rm -rf /"),
            (&source(), SOURCE),
        );
        assert!(e.is_err(), "{e:?}");
    }

    #[test]
    fn a_source_that_is_no_server_config_is_refused_naming_the_member() {
        let e = host_steps(
            &entry(),
            &EnsembleConfig::default(),
            &spec("zk4"),
            (&source(), "<html>\n"),
        )
        .unwrap_err();
        assert!(e.contains("member 1"), "{e}");
    }

    #[test]
    fn incomplete_actions_do_not_offer_the_expand() {
        let mut a = entry();
        assert!(expand_ready(&a));
        a.data_dir = None;
        assert!(!expand_ready(&a));
    }
}
