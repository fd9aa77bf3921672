//! `plan` and `apply` on an ensemble that runs without dynamic reconfig: the static procedure
//! (zoo.cfg rewritten on every member, restarts one at a time) instead of reconfig steps, or
//! a plain word on why it cannot be planned.

use super::member_views::{gather, MemberViews};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use zkconsole::config::actions::ActionsEntry;
use zkconsole::config::Config;
use zkconsole::ensemble::member::Role;
use zkconsole::ensemble::mode::ReconfigMode;
use zkconsole::ensemble::observation::Observation;
use zkconsole::ensemble::tls::TlsPorts;
use zkconsole::host::{Action, CommandHost, HostActions, MemberRef};
use zkconsole::workflow::static_plan::{
    plan_static, static_plan_text, StaticGoal, StaticPlan, StaticState,
};
use zkconsole::workflow::Goal;

/// What `plan` found out about a static ensemble.
pub struct StaticContext {
    pub views: MemberViews,
    pub actions: Option<ActionsEntry>,
    pub mode: ReconfigMode,
}

/// The actions the static procedure needs, and the first one missing.
pub fn missing_action(actions: Option<&ActionsEntry>) -> Option<&'static str> {
    let Some(a) = actions else {
        return Some("actions");
    };
    [
        ("stop", a.stop.is_some()),
        ("start", a.start.is_some()),
        ("read_file", a.read_file.is_some()),
        ("write_file", a.write_file.is_some()),
        ("zoo_cfg", a.zoo_cfg.is_some()),
        ("data_dir", a.data_dir.is_some()),
    ]
    .into_iter()
    .find(|(_, there)| !there)
    .map(|(name, _)| name)
}

/// Whether a `clean` action can remove a removed member's data directory.
pub fn clean_action(actions: Option<&ActionsEntry>) -> bool {
    actions.is_some_and(|a| a.clean.is_some())
}

/// A member's host and client port, from the membership and where it was probed.
pub fn member_ref(obs: &Observation, id: u64) -> Option<MemberRef> {
    let spec = obs.config.as_ref()?.servers.get(&id)?;
    let probed = obs.members.iter().find(|m| m.id == Some(id));
    let port = spec
        .client_address()
        .or_else(|| probed.map(|m| m.address.clone()))
        .and_then(|a| a.rsplit_once(':').and_then(|(_, p)| p.parse().ok()))?;
    Some(MemberRef {
        id,
        host: spec.host.clone(),
        client_port: port,
    })
}

/// The zoo.cfg of one serving member, read through the host actions (the evidence the mode
/// rests on when there are actions).
async fn read_one_cfg(obs: &Observation, actions: &ActionsEntry) -> Vec<String> {
    if actions.read_file.is_none() || actions.zoo_cfg.is_none() {
        return Vec::new();
    }
    let host = CommandHost::new(actions.clone());
    let serving = obs
        .members
        .iter()
        .filter(|m| m.role.is_serving())
        .filter_map(|m| m.id);
    for id in serving {
        let Some(member) = member_ref(obs, id) else {
            continue;
        };
        match host.run(&Action::ReadConfig, &member).await {
            Ok(out) if out.success() => {
                return vec![String::from_utf8_lossy(&out.stdout).into_owned()]
            }
            Ok(out) => tracing::info!(id, output = %out.summary(), "read_file of zoo.cfg failed"),
            Err(e) => tracing::info!(id, error = %e, "read_file of zoo.cfg failed"),
        }
    }
    Vec::new()
}

/// Each member's list, who serves and who leads, as the static planner takes them.
pub fn static_state(obs: &Observation, views: &MemberViews) -> StaticState {
    let lists: BTreeMap<u64, BTreeSet<u64>> = views
        .views
        .iter()
        .map(|(id, cfg)| (*id, cfg.voter_ids()))
        .collect();
    let up = obs
        .members
        .iter()
        .filter(|m| m.role.is_serving())
        .filter_map(|m| m.id)
        .collect();
    let leader = obs
        .members
        .iter()
        .find(|m| m.role == Role::Leader)
        .and_then(|m| m.id);
    StaticState { lists, up, leader }
}

pub async fn inspect(
    config: &Config,
    name: &str,
    obs: &Observation,
    tls: &TlsPorts,
    timeout: Duration,
) -> StaticContext {
    let views = gather(obs, tls, timeout).await;
    let actions = config.ensembles.get(name).and_then(|e| e.actions.clone());
    let cfgs = match &actions {
        Some(a) => read_one_cfg(obs, a).await,
        None => Vec::new(),
    };
    let mode = views.mode(obs, cfgs);
    StaticContext {
        views,
        actions,
        mode,
    }
}

/// The static goal; `clean` when the host actions can remove a removed member's data dir.
pub fn static_goal(goal: &Goal, clean: bool) -> StaticGoal {
    StaticGoal {
        add: goal.add.clone(),
        remove: goal.remove.clone(),
        batch: goal.mode == zkconsole::workflow::Mode::Batch,
        clean,
    }
}

/// Prints the static plan and its verdict; the exit code: 0 safe, 2 unsafe, 78 no host
/// actions to carry it out with (EX_CONFIG).
pub fn report(name: &str, ctx: &StaticContext, p: &StaticPlan, json: bool) -> i32 {
    let missing = missing_action(ctx.actions.as_ref());
    let (verdict, reason, code) = match (&p.blocked, missing) {
        (Some(why), _) => ("unsafe", Some(why.clone()), 2),
        (None, Some(what)) => ("no-host-actions", Some(no_actions_text(name, what)), 78),
        (None, None) => ("safe", None, 0),
    };
    if json {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            procedure: &'static str,
            reconfig: ReconfigMode,
            #[serde(flatten)]
            plan: &'a StaticPlan,
            verdict: &'a str,
            reason: Option<&'a str>,
        }
        let out = Out {
            procedure: "static",
            reconfig: ctx.mode,
            plan: p,
            verdict,
            reason: reason.as_deref(),
        };
        match serde_json::to_string_pretty(&out) {
            Ok(s) => super::print_out(&format!("{s}\n")),
            Err(e) => eprintln!("zkconsole: {e}"),
        }
    } else {
        let head = "the servers run without dynamic reconfig (reconfigEnabled=false): \
                    membership changes by rewriting each member's zoo.cfg and restarting, \
                    one voter per round\n";
        let word = verdict.to_uppercase().replace('-', " ");
        let tail = match &reason {
            Some(r) => format!("verdict: {word}: {r}\n"),
            None => format!("verdict: {word}\n"),
        };
        super::print_out(&format!("{head}{}{tail}", static_plan_text(p)));
    }
    code
}

pub fn no_actions_text(name: &str, what: &str) -> String {
    if what == "actions" {
        format!(
            "no host actions: add [ensembles.{name}.actions] (stop, start, read_file, \
             write_file, zoo_cfg, data_dir) so the console can rewrite zoo.cfg and restart members"
        )
    } else {
        format!(
            "the host actions lack `{what}`: add it under [ensembles.{name}.actions] (the \
             static procedure needs stop, start, read_file, write_file, zoo_cfg, data_dir)"
        )
    }
}

/// `plan` on a static ensemble; `None` when the ensemble is not a static one.
pub async fn plan_if_static(
    config: &Config,
    name: &str,
    obs: &Observation,
    tls: &TlsPorts,
    timeout: Duration,
    goal: &Goal,
    json: bool,
) -> Option<(StaticContext, StaticPlan, i32)> {
    let ctx = inspect(config, name, obs, tls, timeout).await;
    if ctx.mode != ReconfigMode::Disabled {
        return None;
    }
    let state = static_state(obs, &ctx.views);
    let p = plan_static(
        &state,
        &static_goal(goal, clean_action(ctx.actions.as_ref())),
    );
    let code = report(name, &ctx, &p, json);
    Some((ctx, p, code))
}
