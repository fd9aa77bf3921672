//! `zkconsole plan` and `zkconsole apply`: membership changes, previewed step by step, and
//! executed through conditional reconfig with the same checks.

use super::election::{wait_for_leader, ElectionProgress, Leadership};
use super::plan_verdict::{judge, Verdict, VerdictKind, NO_CREDENTIALS};
use super::{resolve_target, Resolved, Target};
use clap::Args as ClapArgs;
use std::time::Duration;
use zkconsole::audit::AuditLog;
use zkconsole::config::Config;
use zkconsole::ensemble::ServerSpec;
use zkconsole::probe::member::ProbeOptions;
use zkconsole::probe::round::{seeds_of, Discovery, Observation};
use zkconsole::report::hex;
use zkconsole::workflow::executor::{can_write_config, cluster_state, Executor};
use zkconsole::workflow::render::{plan_text, preview_lines, step_title};
use zkconsole::workflow::{preview, ClusterState, Goal, Mode, Plan, Severity};

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
    /// When members answer but none leads (an election in progress), how long to wait for a
    /// leader before giving up (milliseconds).
    #[arg(long, default_value_t = 20_000, value_name = "MS")]
    pub election_wait_ms: u64,
    /// Static ensembles (no dynamic reconfig): how long a restarted member must stay good,
    /// with no new election, before the next step (milliseconds).
    #[arg(long, default_value_t = 5_000, value_name = "MS")]
    pub settle_ms: u64,
    /// Static ensembles: how long a member may take to stop, or to pass its gate (seconds).
    #[arg(long, default_value_t = 120, value_name = "S")]
    pub gate_timeout_s: u64,
    /// Static ensembles: a setting the joiner's zoo.cfg must have different from the member's
    /// it is derived from, e.g. admin.serverPort=8084 when members share a host; `ID:` first
    /// for one joiner only (4:admin.serverPort=8084). Repeatable.
    #[arg(long = "joiner-setting", value_name = "[ID:]KEY=VALUE")]
    pub joiner_setting: Vec<String>,
}

/// `[ID:]KEY=VALUE` settings: (joiner id or every joiner, key, value).
fn joiner_settings(args: &ChangeArgs) -> Result<Vec<(Option<u64>, String, String)>, String> {
    args.joiner_setting
        .iter()
        .map(|kv| {
            let bad = || {
                format!(
                    "--joiner-setting {kv:?}: expected [ID:]KEY=VALUE, e.g. admin.serverPort=8084 \
                     or 4:admin.serverPort=8084"
                )
            };
            let (k, v) = kv.split_once('=').ok_or_else(bad)?;
            let (id, k) = match k.split_once(':') {
                Some((id, k)) => (Some(id.trim().parse::<u64>().map_err(|_| bad())?), k),
                None => (None, k),
            };
            let k = k.trim();
            if k.is_empty() || k.contains(char::is_whitespace) || v.contains('\n') {
                return Err(bad());
            }
            Ok((id, k.to_string(), v.to_string()))
        })
        .collect()
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
    /// Opened once a leader is known: during an election no member accepts a session.
    client: Option<zookeeper_client::Client>,
    probe_timeout: Duration,
    election_wait: Duration,
    /// How many voters to expect when no member tells the membership: the hosts given.
    voters_given: usize,
    /// Servers the goal adds: they answer, but they do not vote in an election yet.
    joiners: Vec<String>,
}

fn context(
    config: &Config,
    target: &Target,
    args: &ChangeArgs,
    goal: &Goal,
) -> Result<Context, String> {
    let resolved = resolve_target(config, target)?;
    // Servers being added are not members yet: probe them too, to know they run and sync.
    let given = seeds_of(&resolved.connect);
    let joiners: Vec<String> = goal.add.iter().filter_map(|s| s.client_address()).collect();
    let voters_given = given.len();
    let mut seeds = given;
    seeds.extend(joiners.iter().cloned());
    let discovery = Discovery {
        seeds,
        admin: resolved.admin.clone(),
        tls: resolved.tls.clone(),
        opts: ProbeOptions {
            timeout: config.probe_timeout(),
            ..ProbeOptions::default()
        },
    };
    Ok(Context {
        resolved,
        discovery,
        client: None,
        probe_timeout: config.probe_timeout(),
        election_wait: Duration::from_millis(args.election_wait_ms),
        voters_given,
        joiners,
    })
}

/// Why there is no plan: exit 3 (no membership, no leader), or 130 (Ctrl-C while waiting).
enum NoPlan {
    Membership(String),
    Interrupted,
}

impl NoPlan {
    fn report(&self, cmd: &str) -> i32 {
        match self {
            NoPlan::Membership(why) => {
                eprintln!("zkconsole {cmd}: {why}");
                3
            }
            NoPlan::Interrupted => {
                eprintln!("zkconsole {cmd}: interrupted while waiting for the election; nothing was changed");
                130
            }
        }
    }
}

/// One observation of the live membership, waiting (bounded, on stderr, Ctrl-C to stop) while
/// members answer but none leads yet.
async fn observe_led(ctx: &Context) -> Result<Observation, NoPlan> {
    let observe = || {
        zkconsole::zk::observe_ensemble(
            &ctx.discovery,
            &ctx.resolved.connect,
            ctx.resolved.credentials.as_ref(),
            // A plan rests on the live membership only: a remembered one may be stale.
            None,
        )
    };
    let classify = |o: &Observation| Leadership::of(o, ctx.voters_given, &ctx.joiners);
    let mut progress = ElectionProgress::new(ctx.election_wait);
    // Rounds at least a probe timeout apart: a hung member makes each round that long anyway.
    let pace = ctx.probe_timeout.max(Duration::from_millis(250));
    let wait = wait_for_leader(observe, classify, ctx.election_wait, pace, |l, w| {
        progress.show(l, w)
    });
    let (obs, lead, waited) = tokio::select! {
        r = wait => r,
        _ = tokio::signal::ctrl_c() => return Err(NoPlan::Interrupted),
    };
    progress.finish(&lead, waited);
    match lead.explain(waited) {
        None => Ok(obs),
        Some(why) => Err(NoPlan::Membership(why)),
    }
}

/// The live membership and a plan against it. Opens the session once a leader is known.
async fn observe_and_plan(ctx: &mut Context) -> Result<(Observation, ClusterState), NoPlan> {
    let obs = observe_led(ctx).await?;
    if ctx.client.is_none() {
        ctx.client = zkconsole::zk::connect_session(
            &ctx.resolved.connect,
            ctx.probe_timeout,
            ctx.resolved.credentials.as_ref(),
            &ctx.resolved.tls,
        )
        .await
        .map_err(|e| tracing::info!(error = %e, "no session for plan/apply"))
        .ok();
    }
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
        NoPlan::Membership(
            "no member told us the membership (a leader serves, but none answered `conf` \
             and /zookeeper/config could not be read); run `zkconsole status` to see why"
                .to_string(),
        )
    })?;
    Ok((obs, state))
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

fn print_plan(p: &Plan, verdict: &Verdict, json: bool) {
    if json {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            plan: &'a Plan,
            verdict: VerdictKind,
            reason: Option<&'a str>,
        }
        let out = Out {
            plan: p,
            verdict: verdict.kind,
            reason: verdict.reason.as_deref(),
        };
        match serde_json::to_string_pretty(&out) {
            Ok(s) => super::print_out(&format!("{s}\n")),
            Err(e) => eprintln!("zkconsole: {e}"),
        }
    } else {
        super::print_out(&format!("{}\n{}", plan_text(p), verdict.line()));
    }
}

/// Goal, context, the leader-led observation and the verdict, shared by plan and apply.
async fn prepare(
    cmd: &str,
    config: &Config,
    target: &Target,
    args: &ChangeArgs,
    yes: bool,
) -> Result<(Context, Goal, Observation, Plan, Verdict), i32> {
    let usage = |e: String| {
        eprintln!("zkconsole {cmd}: {e}");
        64
    };
    let goal = goal_of(args).map_err(usage)?;
    let mut ctx = context(config, target, args, &goal).map_err(usage)?;
    let (obs, state) = observe_and_plan(&mut ctx)
        .await
        .map_err(|e| e.report(cmd))?;
    goal_fits(&obs, &goal).map_err(|e| usage(format!("{e}; nothing was changed")))?;
    // Without dynamic reconfig the change is the static procedure, not reconfig steps.
    let name = ctx.resolved.name.clone();
    let tls = ctx.resolved.tls.clone();
    if let Some(found) = super::static_plan_cmd::plan_if_static(
        config,
        &name,
        &obs,
        &tls,
        ctx.probe_timeout,
        &goal,
        args.json,
    )
    .await
    {
        let inputs = super::static_apply_cmd::ApplyInputs {
            config,
            name: &name,
            connect: &ctx.resolved.connect,
            tls: &tls,
            admin: ctx.resolved.admin.clone(),
            credentials: ctx.resolved.credentials.as_ref(),
            goal: &goal,
            yes,
            settle: Duration::from_millis(args.settle_ms),
            gate_timeout: Duration::from_secs(args.gate_timeout_s.max(1)),
            joiner_settings: joiner_settings(args).map_err(usage)?,
        };
        return Err(super::static_apply_cmd::after_plan(cmd, inputs, &obs, found).await);
    }
    let (p, verdict) = judge(&state, &goal, ctx.resolved.credentials.is_some());
    Ok((ctx, goal, obs, p, verdict))
}

pub async fn run_plan(config: &Config, target: &Target, args: &ChangeArgs) -> i32 {
    match prepare("plan", config, target, args, false).await {
        Ok((_, _, _, p, verdict)) => {
            print_plan(&p, &verdict, args.json);
            verdict.code()
        }
        Err(code) => code,
    }
}

/// Exit codes: 0 done, 1 a step failed (stopped there), 2 the plan is unsafe (nothing done),
/// 3 no membership or no leader, 64 usage, 77 no credentials, 130 interrupted.
pub async fn run_apply(config: &Config, target: &Target, args: &ChangeArgs, yes: bool) -> i32 {
    let (mut ctx, _, _, first, verdict) = match prepare("apply", config, target, args, yes).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    print_plan(&first, &verdict, args.json);
    match verdict.kind {
        VerdictKind::Unsafe => {
            eprintln!("zkconsole apply: the plan has unsafe steps; nothing was changed");
            return 2;
        }
        VerdictKind::NoCredentials => {
            eprintln!("zkconsole apply: {NO_CREDENTIALS}; nothing was changed");
            return 77;
        }
        VerdictKind::Warning | VerdictKind::Safe => {}
    }
    if !yes {
        eprintln!("zkconsole apply: nothing was changed; pass --yes to execute these steps");
        return 64;
    }
    if ctx.client.is_none() {
        eprintln!(
            "zkconsole apply: could not open a ZooKeeper session to {}; nothing was changed",
            ctx.resolved.connect
        );
        return 3;
    }
    // A change that cannot be audited is not made.
    let audit = match AuditLog::open_default().await {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "zkconsole apply: refused, the change could not be audited: {e}; nothing was changed"
            );
            return 1;
        }
    };
    execute(&mut ctx, &first, audit).await
}

async fn execute(ctx: &mut Context, first: &Plan, audit: AuditLog) -> i32 {
    let total = first.steps.len();
    for (i, planned) in first.steps.iter().enumerate() {
        // Re-check each step against the ensemble as it is now, not as it was at planning
        // (waiting for the election a removed leader leaves behind).
        let (_, state) = match observe_and_plan(ctx).await {
            Ok(x) => x,
            Err(NoPlan::Membership(e)) => {
                eprintln!("step {}/{total}: {e}; stopping", i + 1);
                return 1;
            }
            Err(stop @ NoPlan::Interrupted) => return stop.report("apply"),
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
        let Some(client) = &ctx.client else {
            eprintln!("step {}/{total}: no ZooKeeper session; stopping", i + 1);
            return 1;
        };
        let executor = Executor {
            client,
            ensemble: ctx.resolved.name.clone(),
            auth_user: ctx.resolved.credentials.as_ref().map(|c| c.user.clone()),
            audit: audit.clone(),
            probe: ctx.discovery.opts,
            admin: ctx.resolved.admin.clone(),
        };
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
    println!("\ndone; audit log: {}", audit.path().display());
    0
}
