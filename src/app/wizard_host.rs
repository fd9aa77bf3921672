//! Expand on a real host through the ensemble's host actions: the new member's files
//! (`zoo.cfg`, its dynamic seed, `myid`) written with `write_file`, then `start`. Each step is
//! described before anything runs (the wizard lists them), the whole is confirmed by typing a
//! phrase, and the runner halts at the first failure. Without actions the wizard only shows
//! the files, as before.

use super::wizard::{joiner_files_at, Wizard};
use super::Effect;
use super::State;
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
    /// Where the joiner's zoo.cfg comes from: a serving member's, read through `read_file`.
    pub source: Option<Source>,
    /// The recover page's restart of one down member through the host actions, while its
    /// confirmation is typed (the steps are in `preview`).
    pub restart: Option<Restart>,
}

/// A down member restarted through the host actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restart {
    pub id: u64,
    /// It answers but does not serve (hung): `stop` first, then `start`.
    pub stop_first: bool,
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

impl HostSetup {
    pub fn active(&self) -> bool {
        !self.steps.is_empty()
    }

    fn member_id(&self) -> Option<u64> {
        self.steps.first().map(|s| s.member.id)
    }

    /// The phrase that confirms the host steps, while it is being typed.
    pub fn phrase(&self) -> Option<String> {
        if let Some(r) = self.restart {
            return Some(format!("restart {}", r.id));
        }
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
    let member = MemberRef {
        id,
        host: spec
            .client_host
            .clone()
            .filter(|h| !is_wildcard(h))
            .unwrap_or_else(|| spec.host.clone()),
        client_port: spec.client_port.unwrap_or(2181),
    };
    let host = CommandHost::new(entry.clone());
    let run = |a: &Action| {
        host.describe(a, &member)
            .map_err(|e| format!("{} member {id}: {e}", a.name()))
    };
    let mut out = Vec::new();
    if stop_first {
        out.push(format!(
            "stop {id} (it answers but does not serve: a hung process): {}",
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
    Some(MemberRef {
        id,
        host: spec
            .client_host
            .clone()
            .filter(|h| !is_wildcard(h))
            .unwrap_or_else(|| spec.host.clone()),
        client_port: spec.client_port.unwrap_or(2181),
    })
}

fn is_wildcard(host: &str) -> bool {
    matches!(host, "0.0.0.0" | "::" | "[::]")
}

impl State {
    /// The ensemble's host actions when `ready` says they can carry out a workflow; never in
    /// read-only mode, never on the sandbox (it acts by itself).
    fn actions_for(&self, ready: impl Fn(&ActionsEntry) -> bool) -> Option<&ActionsEntry> {
        if self.read_only || self.sandbox {
            return None;
        }
        let entry = self.config.ensembles.get(&self.ensemble)?;
        entry.actions.as_ref().filter(|a| ready(a))
    }

    /// The ensemble's host actions when they can carry out an expand; never in read-only
    /// mode, never on the sandbox (it starts joiners itself).
    pub fn expand_actions(&self) -> Option<&ActionsEntry> {
        self.actions_for(expand_ready)
    }

    /// The ensemble's host actions when they can carry out a quorum-loss recovery (stop,
    /// read and rewrite the membership, start), as `zkconsole recover` needs them.
    pub fn recover_actions(&self) -> Option<&ActionsEntry> {
        self.actions_for(recover_ready)
    }

    /// The ensemble's host actions when they can restart a down member (`start`; `stop` too
    /// for a hung one); never in read-only mode, never on the sandbox (it restarts by itself).
    pub fn restart_actions(&self) -> Option<&ActionsEntry> {
        self.actions_for(|a| a.start.is_some())
    }

    /// Prepares the restart of down member `id` through the host actions: the steps and the
    /// ensemble after them on the confirmation, `restart ID` to type; or says why not.
    pub(super) fn plan_restart(&self, w: &mut Wizard, id: u64) -> bool {
        let (Some(entry), Some(cfg)) = (self.restart_actions(), self.membership.as_ref()) else {
            return false;
        };
        // Answering without serving: the process is there but hung; a start alone would not
        // replace it.
        let hung = self
            .members
            .values()
            .any(|m| m.snap.id == Some(id) && m.snap.role.is_alive() && !m.snap.role.is_serving());
        if hung && entry.stop.is_none() {
            w.say(
                Level::Warn,
                format!("member {id} answers but does not serve: it needs `stop` before `start`, and no stop action is configured"),
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

    /// Starts the wizard's host steps for the spec typed in: a serving member's zoo.cfg is
    /// read first (the joiner's is derived from it), or the page says why it cannot be.
    pub(super) fn plan_host_steps(&self, w: &mut Wizard) -> Option<Effect> {
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
    pub(super) fn on_source(&self, w: &mut Wizard, id: u64, text: Result<String, String>) {
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
            p[0].starts_with("stop 2 (it answers but does not serve"),
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

    #[test]
    fn incomplete_actions_do_not_offer_the_expand() {
        let mut a = entry();
        assert!(expand_ready(&a));
        a.data_dir = None;
        assert!(!expand_ready(&a));
    }
}
