//! `zkconsole plan` and `zkconsole apply`: membership changes, previewed step by step, and
//! executed through conditional reconfig with the same checks.

use super::{resolve_target, Resolved, Target};
use clap::Args as ClapArgs;
use zkconsole::audit::AuditLog;
use zkconsole::config::Config;
use zkconsole::ensemble::ServerSpec;
use zkconsole::probe::member::ProbeOptions;
use zkconsole::probe::round::{seeds_of, Discovery, Observation};
use zkconsole::report::hex;
use zkconsole::workflow::executor::{can_write_config, cluster_state, Executor};
use zkconsole::workflow::render::{plan_text, preview_lines, step_title};
use zkconsole::workflow::{plan, preview, Goal, Mode, Plan, Severity};

#[derive(ClapArgs, Debug, Clone)]
pub struct ChangeArgs {
    /// A server to add (or whose spec/role to change), e.g.
    /// server.4=10.0.0.4:2888:3888:participant;2181 (repeatable).
    #[arg(long = "add", value_name = "SPEC")]
    pub add: Vec<String>,
    /// A server id to remove (repeatable).
    #[arg(long = "remove", value_name = "ID")]
    pub remove: Vec<u64>,
    /// All changes in one reconfig instead of one voter at a time (riskier; the preview says why).
    #[arg(long)]
    pub batch: bool,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
}

fn goal_of(args: &ChangeArgs) -> Result<Goal, String> {
    let add = args
        .add
        .iter()
        .map(|s| {
            let line = if s.trim_start().starts_with("server.") {
                s.clone()
            } else {
                format!("server.{}", s.trim())
            };
            ServerSpec::parse_line(&line).map_err(|e| format!("--add {s:?}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if add.is_empty() && args.remove.is_empty() {
        return Err("nothing to do: give --add SPEC and/or --remove ID".into());
    }
    Ok(Goal {
        add,
        remove: args.remove.clone(),
        mode: if args.batch {
            Mode::Batch
        } else {
            Mode::Stepwise
        },
    })
}

struct Context {
    resolved: Resolved,
    discovery: Discovery,
    client: Option<zookeeper_client::Client>,
}

async fn context(config: &Config, target: &Target, goal: &Goal) -> Result<Context, String> {
    let resolved = resolve_target(config, target)?;
    // Servers being added are not members yet: probe them too, to know they run and sync.
    let mut seeds = seeds_of(&resolved.connect);
    seeds.extend(goal.add.iter().filter_map(|s| s.client_address()));
    let discovery = Discovery {
        seeds,
        admin: resolved.admin.clone(),
        tls: resolved.tls.clone(),
        opts: ProbeOptions {
            timeout: config.probe_timeout(),
            ..ProbeOptions::default()
        },
    };
    let client = zkconsole::zk::connect_session(
        &resolved.connect,
        config.probe_timeout(),
        resolved.credentials.as_ref(),
        &resolved.tls,
    )
    .await
    .map_err(|e| tracing::info!(error = %e, "no session for plan/apply"))
    .ok();
    Ok(Context {
        resolved,
        discovery,
        client,
    })
}

async fn observe_and_plan(ctx: &Context, goal: &Goal) -> Result<(Observation, Plan), String> {
    let obs = zkconsole::zk::observe_ensemble(
        &ctx.discovery,
        &ctx.resolved.connect,
        ctx.resolved.credentials.as_ref(),
        // A plan rests on the live membership only: a remembered one may be stale.
        None,
    )
    .await;
    let identity = ctx
        .resolved
        .credentials
        .as_ref()
        .map(|c| c.digest_identity());
    let can_write = match &ctx.client {
        Some(c) => can_write_config(c, identity.as_deref()).await,
        None => None,
    };
    let state = cluster_state(&obs, can_write).ok_or_else(|| {
        "no member told us the membership (quorum lost, or nothing reachable); \
         run `zkconsole status` to see why"
            .to_string()
    })?;
    let p = plan(&state, goal);
    Ok((obs, p))
}

/// A goal that names ids the membership does not have (or already has) is a typo, not an
/// unsafe plan: said as a usage error, with the members there are.
fn goal_fits(obs: &Observation, goal: &Goal) -> Result<(), String> {
    let Some(cfg) = &obs.config else {
        return Ok(());
    };
    let ids = || {
        cfg.servers
            .keys()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    for id in &goal.remove {
        if !cfg.servers.contains_key(id) {
            return Err(format!(
                "--remove {id}: server {id} is not a member (members: {})",
                ids()
            ));
        }
    }
    for spec in &goal.add {
        if cfg.servers.contains_key(&spec.id) && !goal.remove.contains(&spec.id) {
            return Err(format!(
                "--add server.{}: id {} is a member already (members: {}); pick a free id",
                spec.id,
                spec.id,
                ids()
            ));
        }
    }
    Ok(())
}

pub async fn run_plan(config: &Config, target: &Target, args: &ChangeArgs) -> i32 {
    let goal = match goal_of(args) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("zkconsole plan: {e}");
            return 64;
        }
    };
    let ctx = match context(config, target, &goal).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("zkconsole plan: {e}");
            return 64;
        }
    };
    match observe_and_plan(&ctx, &goal).await {
        Ok((obs, p)) => {
            if let Err(e) = goal_fits(&obs, &goal) {
                eprintln!("zkconsole plan: {e}");
                return 64;
            }
            print_plan(&p, args.json);
            if p.safe {
                0
            } else {
                2
            }
        }
        Err(e) => {
            eprintln!("zkconsole plan: {e}");
            3
        }
    }
}

fn print_plan(p: &Plan, json: bool) {
    if json {
        match serde_json::to_string_pretty(p) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("zkconsole: {e}"),
        }
    } else {
        print!("{}", plan_text(p));
    }
}

/// Exit codes: 0 done, 1 a step failed (stopped there), 2 the plan is unsafe (nothing done),
/// 3 no membership, 64 usage.
pub async fn run_apply(config: &Config, target: &Target, args: &ChangeArgs, yes: bool) -> i32 {
    let goal = match goal_of(args) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("zkconsole apply: {e}");
            return 64;
        }
    };
    let ctx = match context(config, target, &goal).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("zkconsole apply: {e}");
            return 64;
        }
    };
    let (obs, first) = match observe_and_plan(&ctx, &goal).await {
        Ok(x) => x,
        Err(e) => {
            eprintln!("zkconsole apply: {e}");
            return 3;
        }
    };
    if let Err(e) = goal_fits(&obs, &goal) {
        eprintln!("zkconsole apply: {e}; nothing was changed");
        return 64;
    }
    print_plan(&first, args.json);
    if !first.safe {
        eprintln!("zkconsole apply: the plan has unsafe steps; nothing was changed");
        return 2;
    }
    if !yes {
        eprintln!("zkconsole apply: nothing was changed; pass --yes to execute these steps");
        return 64;
    }
    let Some(client) = &ctx.client else {
        eprintln!(
            "zkconsole apply: could not open a ZooKeeper session to {}; nothing was changed",
            ctx.resolved.connect
        );
        return 3;
    };
    // A change that cannot be audited is not made.
    let audit = match AuditLog::open_default().await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("zkconsole apply: refused, the change could not be audited: {e}; nothing was changed");
            return 1;
        }
    };
    let executor = Executor {
        client,
        ensemble: ctx.resolved.name.clone(),
        auth_user: ctx.resolved.credentials.as_ref().map(|c| c.user.clone()),
        audit,
        probe: ctx.discovery.opts,
        admin: ctx.resolved.admin.clone(),
    };
    let total = first.steps.len();
    for (i, planned) in first.steps.iter().enumerate() {
        // Re-check each step against the ensemble as it is now, not as it was at planning.
        let (obs, _) = match observe_and_plan(&ctx, &goal).await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("step {}/{total}: {e}; stopping", i + 1);
                return 1;
            }
        };
        let Some(state) = cluster_state(&obs, None) else {
            eprintln!(
                "step {}/{total}: the membership is unknown now; stopping",
                i + 1
            );
            return 1;
        };
        if state.config.servers != planned.before.servers {
            eprintln!(
                "step {}/{total}: the membership is not what this step was planned against \
                 (someone else changed it); stopping. Nothing more was changed.",
                i + 1
            );
            return 1;
        }
        let now = preview(&state, &state.config, &planned.joining, &planned.leaving);
        if !now.safe {
            eprintln!("step {}/{total} is no longer safe; stopping:", i + 1);
            for (sev, line) in preview_lines(&now) {
                if sev == Severity::Blocking {
                    eprintln!("  ✗ {line}");
                }
            }
            return 1;
        }
        let expected = state.config.version.unwrap_or(0);
        println!(
            "\nexecuting step {}/{total}: {}",
            i + 1,
            step_title(planned)
        );
        match executor.run_step(planned, expected).await {
            Ok(report) => {
                println!(
                    "  committed: version {} → {}",
                    hex(expected),
                    report.new_version.map_or("?".into(), hex)
                );
                if let Some(w) = &report.committed_despite {
                    println!("  (the call reported \"{w}\", but the re-read shows it committed)");
                }
                for v in &report.verification {
                    println!("  - {v}");
                }
            }
            Err(e) => {
                eprintln!("  FAILED: {e}");
                eprintln!(
                    "stopping at step {}/{total}; audit log: {}",
                    i + 1,
                    executor.audit.path().display()
                );
                return 1;
            }
        }
    }
    println!("\ndone; audit log: {}", executor.audit.path().display());
    0
}
