//! `apply` on an ensemble without dynamic reconfig: the static procedure's plan, confirmed by
//! typing the ensemble's name (or `--yes`), carried out through the audited host actions round
//! by round, each round verified.

use super::member_views::gather;
use super::static_plan_cmd::{member_ref, missing_action, no_actions_text, StaticContext};
use futures::FutureExt;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;
use zkconsole::audit::AuditLog;
use zkconsole::config::Config;
use zkconsole::ensemble::observation::Observation;
use zkconsole::ensemble::tls::TlsPorts;
use zkconsole::host::{Audited, CommandHost, MemberRef};
use zkconsole::probe::member::ProbeOptions;
use zkconsole::probe::round::{observe, seeds_of, Discovery};
use zkconsole::rolling::static_change::{StaticChange, StaticEvent};
use zkconsole::workflow::roll::RollSettings;
use zkconsole::workflow::static_plan::StaticPlan;
use zkconsole::workflow::Goal;

/// What `apply` needs beyond the plan.
pub struct ApplyInputs<'a> {
    pub config: &'a Config,
    pub name: &'a str,
    pub connect: &'a str,
    pub tls: &'a TlsPorts,
    pub admin: zkconsole::ensemble::observation::AdminLocator,
    pub credentials: Option<&'a zkconsole::config::Credentials>,
    pub goal: &'a Goal,
    pub yes: bool,
    pub settle: Duration,
    pub gate_timeout: Duration,
    pub joiner_settings: Vec<(Option<u64>, String, String)>,
}

/// After the static plan is printed: `plan` is done; `apply` goes on only from a safe plan.
pub async fn after_plan(
    cmd: &str,
    inputs: ApplyInputs<'_>,
    obs: &Observation,
    (ctx, plan, code): (StaticContext, StaticPlan, i32),
) -> i32 {
    if cmd != "apply" {
        return code;
    }
    if code != 0 {
        eprintln!(
            "zkconsole apply: the static plan cannot be carried out (see the verdict); \
             nothing was changed"
        );
        return code;
    }
    if plan.steps.is_empty() {
        eprintln!("zkconsole apply: nothing to do");
        return 0;
    }
    if !confirmed(inputs.name, inputs.yes) {
        return 64;
    }
    run(inputs, obs, &ctx, &plan).await
}

/// Typed confirmation: the ensemble's name, so a reflex `y` cannot start a membership change.
fn confirmed(name: &str, yes: bool) -> bool {
    if yes {
        return true;
    }
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "zkconsole apply: nothing was changed; standard input is not a terminal: pass \
             --yes to carry out these steps"
        );
        return false;
    }
    eprint!("type the ensemble's name ({name}) to carry out these steps: ");
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line).is_err() || line.trim() != name {
        eprintln!("zkconsole apply: not confirmed; nothing was changed");
        return false;
    }
    true
}

fn stamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("{secs}")
}

/// Every member's host and client port, the joiners' from their specs.
fn members_of(obs: &Observation, goal: &Goal) -> Result<BTreeMap<u64, MemberRef>, String> {
    let mut out = BTreeMap::new();
    if let Some(cfg) = &obs.config {
        for id in cfg.servers.keys() {
            let m = member_ref(obs, *id)
                .ok_or_else(|| format!("member {id}: its client port is unknown"))?;
            out.insert(*id, m);
        }
    }
    for spec in &goal.add {
        let port = spec.client_port.ok_or_else(|| {
            format!(
                "--add server.{}: give its client port (server.{}=host:quorumPort:electionPort;clientPort): \
                 the joiner's zoo.cfg is written with it",
                spec.id, spec.id
            )
        })?;
        out.insert(
            spec.id,
            MemberRef {
                id: spec.id,
                host: spec.host.clone(),
                client_port: port,
            },
        );
    }
    Ok(out)
}

async fn run(
    inputs: ApplyInputs<'_>,
    obs: &Observation,
    ctx: &StaticContext,
    plan: &StaticPlan,
) -> i32 {
    let name = inputs.name;
    let Some(actions) = ctx
        .actions
        .clone()
        .filter(|_| missing_action(ctx.actions.as_ref()).is_none())
    else {
        let what = missing_action(ctx.actions.as_ref()).unwrap_or("actions");
        eprintln!(
            "zkconsole apply: {}; nothing was changed",
            no_actions_text(name, what)
        );
        return 78;
    };
    let members = match members_of(obs, inputs.goal) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("zkconsole apply: {e}; nothing was changed");
            return 64;
        }
    };
    let mut specs = obs
        .config
        .as_ref()
        .map(|c| c.servers.clone())
        .unwrap_or_default();
    for s in &inputs.goal.add {
        specs.insert(s.id, s.clone());
    }
    let log = match AuditLog::open_default().await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("zkconsole apply: refused, host actions could not be audited: {e}; nothing was changed");
            return 1;
        }
    };
    let data_dir = actions.data_dir.clone().unwrap_or_default();
    let host = Audited::new(CommandHost::new(actions), log.clone(), name);
    let timeout = inputs.config.probe_timeout();
    let mut seeds = seeds_of(inputs.connect);
    seeds.extend(
        members
            .values()
            .map(|m| format!("{}:{}", m.host, m.client_port)),
    );
    seeds.dedup();
    let discovery = Arc::new(Discovery {
        seeds,
        admin: inputs.admin.clone(),
        tls: inputs.tls.clone(),
        opts: ProbeOptions {
            timeout,
            ..ProbeOptions::default()
        },
    });
    let observe_fn = {
        let d = discovery.clone();
        move || {
            let d = d.clone();
            async move { observe(&d, None).await }.boxed()
        }
    };
    let views_fn = {
        let d = discovery.clone();
        move || {
            let d = d.clone();
            async move {
                let obs = observe(&d, None).await;
                gather(&obs, &d.tls, d.opts.timeout).await.views
            }
            .boxed()
        }
    };
    let commit_fn = {
        let connect = inputs.connect.to_string();
        let tls = inputs.tls.clone();
        let creds = inputs.credentials.cloned();
        move || {
            let (connect, tls, creds) = (connect.clone(), tls.clone(), creds.clone());
            async move {
                // Opening a session is itself a committed transaction: no znode is touched.
                zkconsole::zk::connect_session(&connect, timeout, creds.as_ref(), &tls)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            .boxed()
        }
    };
    let (abort_tx, abort_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("zkconsole apply: aborting after the current action");
            let _ = abort_tx.send(true);
        }
    });
    let change = StaticChange {
        host: &host,
        observe: &observe_fn,
        views: &views_fn,
        commit: &commit_fn,
        thresholds: &inputs.config.thresholds,
        settings: RollSettings {
            settle: inputs.settle,
            gate_timeout: inputs.gate_timeout,
            ..RollSettings::default()
        },
        poll: Duration::from_millis(300),
        abort: abort_rx,
        specs,
        members,
        data_dir,
        joiner_settings: inputs.joiner_settings,
        stamp: stamp(),
    };
    let mut print = |e: StaticEvent| eprintln!("{}", event_line(&e));
    let outcome = change.run(plan, &mut print).await;
    match outcome.halted {
        None => {
            println!(
                "done: servers {}; audit log: {}",
                zkconsole::workflow::quorum_views::ids(&plan.goal),
                log.path().display()
            );
            0
        }
        Some(why) => {
            eprintln!("zkconsole apply: halted at {why}");
            eprintln!("changed so far:");
            for c in &outcome.changed {
                eprintln!("  - {c}");
            }
            eprintln!("audit log: {}", log.path().display());
            1
        }
    }
}

fn event_line(e: &StaticEvent) -> String {
    match e {
        StaticEvent::Step {
            index,
            total,
            title,
        } => format!("step {}/{total}: {title}", index + 1),
        StaticEvent::Action { id, action, detail } => format!("  member {id}: {action}: {detail}"),
        StaticEvent::Gate { id, waiting } => format!("  member {id}: {waiting}"),
        StaticEvent::StepDone { elapsed_ms, .. } => format!("  done in {elapsed_ms} ms"),
        StaticEvent::Replanned { why, steps } => {
            let mut s = format!("re-planned from what is observed ({why}); remaining steps:");
            for (i, t) in steps.iter().enumerate() {
                s.push_str(&format!("\n    {}. {t}", i + 1));
            }
            s
        }
        StaticEvent::Verified { round, lines } => {
            let mut s = format!("  round {} verified:", round + 1);
            for l in lines {
                s.push_str(&format!("\n    {l}"));
            }
            s
        }
    }
}
