//! `zkconsole roll`: a rolling restart through the ensemble's host actions, one member at a
//! time, the leader last, each step previewed and confirmed, each start gated.

use super::{resolve_target, Target};
use clap::Args as ClapArgs;
use futures::FutureExt;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;
use zkconsole::audit::AuditLog;
use zkconsole::config::Config;
use zkconsole::health::summarize;
use zkconsole::host::{Audited, CommandHost};
use zkconsole::probe::round::{observe, Discovery};
use zkconsole::rolling::handoff::Handoff;
use zkconsole::rolling::journal::Journal;
use zkconsole::rolling::{Control, Decision, HandoffMode, RollEvent, Roller};
use zkconsole::workflow::roll::{roll_order, RollSettings, StepPreview};

#[derive(ClapArgs, Debug, Clone)]
pub struct RollArgs {
    /// Only these members, e.g. 1,3 (default: all), still observers first and the leader last.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub members: Option<Vec<u64>>,
    /// A command template run for each member between its stop and its start (an upgrade, a
    /// config edit); it may use {id}, {host}, {client_port}.
    #[arg(long, value_name = "TEMPLATE")]
    pub run: Option<String>,
    /// Go without asking at each step (a refused step still halts the roll).
    #[arg(long)]
    pub yes: bool,
    /// Print the outcome as JSON on stdout (progress goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Seconds a restarted member must stay in sync with no election before the next one
    /// (default: `settle_s` under [ensembles.NAME.roll] or [roll], else 5).
    #[arg(long)]
    pub settle_s: Option<u64>,
    /// Seconds a member may take to stop, or to pass its gate after starting (default:
    /// `gate_timeout_s` under [ensembles.NAME.roll] or [roll], else 120).
    #[arg(long)]
    pub gate_timeout_s: Option<u64>,
    /// Continue a roll that stopped part-way (its journal says where).
    #[arg(long)]
    pub resume: bool,
    /// Before the leader's restart, move leadership off it by a reconfig that removes and
    /// re-adds it: auto (when dynamic reconfig is in use and the credentials may write the
    /// membership; otherwise it says why not), always (or halt), never (default: `handoff`
    /// under [ensembles.NAME.roll] or [roll], else auto).
    #[arg(long, value_enum)]
    pub handoff: Option<HandoffArg>,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoffArg {
    Auto,
    Always,
    Never,
}

impl HandoffArg {
    fn mode(self) -> HandoffMode {
        match self {
            HandoffArg::Auto => HandoffMode::Auto,
            HandoffArg::Always => HandoffMode::Always,
            HandoffArg::Never => HandoffMode::Never,
        }
    }
}

/// Exit codes: 0 every member restarted, 2 halted (refused, failed, gate not met), 3 no member
/// told the membership, 64 usage, 130 aborted by the operator.
pub async fn run(config: &Config, target: &Target, args: &RollArgs) -> i32 {
    match prepare(config, target, args) {
        Ok((name, host, discovery, reach)) => {
            roll(config, &name, host, discovery, reach, args).await
        }
        Err(e) => {
            eprintln!("zkconsole roll: {e}");
            64
        }
    }
}

fn prepare(
    config: &Config,
    target: &Target,
    args: &RollArgs,
) -> Result<(String, CommandHost, Discovery, Reach), String> {
    let resolved = resolve_target(config, target)?;
    let entry = config.ensembles.get(&resolved.name).ok_or(
        "roll needs a named ensemble (--ensemble NAME) whose [ensembles.NAME.actions] say how \
         to stop and start a member",
    )?;
    let actions = entry.actions.clone().ok_or_else(|| {
        format!(
            "ensemble {:?} has no [ensembles.{}.actions]: roll needs `stop` and `start` templates",
            resolved.name, resolved.name
        )
    })?;
    if actions.stop.is_none() || actions.start.is_none() {
        return Err("roll needs both `stop` and `start` under the ensemble's actions".into());
    }
    if let Some(t) = &args.run {
        zkconsole::config::actions::Template::parse(t).map_err(|e| format!("--run: {e}"))?;
    }
    if !args.yes && !std::io::stdin().is_terminal() {
        return Err(
            "standard input is not a terminal: give --yes to roll without questions".into(),
        );
    }
    let reach = Reach {
        connect: resolved.connect.clone(),
        credentials: resolved.credentials.clone(),
        tls: resolved.tls.clone(),
    };
    let discovery = resolved.discovery(config);
    Ok((resolved.name, CommandHost::new(actions), discovery, reach))
}

/// How a hand-off's session reaches the ensemble.
struct Reach {
    connect: String,
    credentials: Option<zkconsole::config::Credentials>,
    tls: zkconsole::probe::secure::TlsPorts,
}

async fn roll(
    config: &Config,
    name: &str,
    host: CommandHost,
    discovery: Discovery,
    reach: Reach,
    args: &RollArgs,
) -> i32 {
    let discovery = Arc::new(discovery);
    // The flags over the config's [roll] settings.
    let set = config.roll_for(name);
    let settle = args.settle_s.map_or(set.settle, Duration::from_secs);
    let gate_timeout = args
        .gate_timeout_s
        .map_or(set.gate_timeout, |s| Duration::from_secs(s.max(1)));
    let handoff = Arc::new(Handoff {
        mode: args.handoff.map_or(set.handoff.into(), HandoffArg::mode),
        connect: reach.connect,
        credentials: reach.credentials,
        tls: reach.tls,
        ensemble: name.to_string(),
        discovery: discovery.clone(),
        thresholds: config.thresholds.clone(),
        timeout: gate_timeout,
    });
    let handoff_fn = move |id: u64| {
        let h = handoff.clone();
        async move { h.run(id).await }.boxed()
    };
    let observe_fn = {
        let d = discovery.clone();
        move || {
            let d = d.clone();
            async move { observe(&d, None).await }.boxed()
        }
    };
    let mut journal = match journal_for(config, name, &discovery, args).await {
        Ok(j) => j,
        Err((code, e)) => {
            eprintln!("zkconsole roll: {e}");
            return code;
        }
    };
    let log = match AuditLog::open_default().await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("zkconsole roll: refused, host actions could not be audited: {e}");
            return 2;
        }
    };
    let host = Audited::new(host, log, name);
    let (control_tx, control_rx) = tokio::sync::watch::channel(Control::Run);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("zkconsole roll: aborting after the current phase");
            let _ = control_tx.send(Control::Abort);
        }
        // Held until the end: a dropped sender reads as an abort.
        std::future::pending::<()>().await;
    });
    let yes = args.yes;
    let confirm = move |p: StepPreview| ask(p, yes).boxed();
    let mut roller = Roller {
        host: &host,
        observe: &observe_fn,
        confirm: &confirm,
        thresholds: &config.thresholds,
        settings: RollSettings {
            settle,
            gate_timeout,
            ..RollSettings::default()
        },
        poll: Duration::from_millis(500),
        control: control_rx,
        handoff: Some(&handoff_fn),
    };
    let mut events = Vec::new();
    let mut print = |e: RollEvent| {
        eprintln!("{}", event_line(&e));
        events.push(e);
    };
    let outcome = roller.run(&mut journal, &mut print).await;
    if args.json {
        let doc = serde_json::json!({
            "ensemble": name,
            "order": journal.order,
            "restarted": outcome.restarted,
            "halted": outcome.halted,
            "journal": journal.path().display().to_string(),
            "events": events,
        });
        println!("{doc}");
    }
    match &outcome.halted {
        None => {
            eprintln!("rolled: {:?}", outcome.restarted);
            0
        }
        Some(why) if why.starts_with("aborted") => {
            eprintln!(
                "zkconsole roll: {why} (journal: {})",
                journal.path().display()
            );
            130
        }
        Some(why) => {
            eprintln!(
                "zkconsole roll: halted: {why}\nrestarted so far: {:?}; untouched: {:?} \
                 (journal: {}; --resume continues)",
                outcome.restarted,
                journal.remaining().collect::<Vec<_>>(),
                journal.path().display()
            );
            2
        }
    }
}

/// A new journal, or the stopped one with --resume; refuses to start over a stopped roll.
async fn journal_for(
    config: &Config,
    name: &str,
    discovery: &Discovery,
    args: &RollArgs,
) -> Result<Journal, (i32, String)> {
    let state = zkconsole::config::state_dir().map_err(|e| (64, e.to_string()))?;
    let path = Journal::location(&state, name);
    let old = Journal::load(&path).map_err(|e| (64, e))?;
    match old {
        Some(j) if j.unfinished() && args.resume => return Ok(j),
        Some(j) if j.unfinished() => {
            return Err((
                64,
                format!(
                    "a roll of {name} stopped at {} (journal {}): --resume continues it; \
                     delete the journal to start over",
                    j.whereabouts(),
                    path.display()
                ),
            ))
        }
        _ if args.resume => return Err((64, format!("no stopped roll of {name} to resume"))),
        _ => {}
    }
    let obs = observe(discovery, None).await;
    let Some(cfg) = obs.config.as_ref() else {
        return Err((3, "no member told us the membership (quorum lost, or nothing reachable): nothing is restarted".into()));
    };
    let health = summarize(Some(cfg), &obs.members, &config.thresholds);
    let order = roll_order(cfg, &obs.members, health.leader, args.members.as_deref())
        .map_err(|e| (64, e))?;
    Ok(Journal::new(path, name, order, args.run.clone()))
}

async fn ask(p: StepPreview, yes: bool) -> Decision {
    if yes {
        return Decision::Go;
    }
    let prompt = match &p.refusal {
        Some(_) => format!(
            "type 'override {}' to restart member {} anyway: ",
            p.id, p.id
        ),
        None => format!("restart member {}? type yes: ", p.id),
    };
    let want = match &p.refusal {
        Some(_) => format!("override {}", p.id),
        None => "yes".to_string(),
    };
    let refused = p.refusal.is_some();
    let line = tokio::task::spawn_blocking(move || {
        eprint!("{prompt}");
        let mut s = String::new();
        std::io::stdin().read_line(&mut s).map(|_| s)
    })
    .await;
    match line {
        Ok(Ok(s)) if s.trim() == want && refused => Decision::Override,
        Ok(Ok(s)) if s.trim() == want => Decision::Go,
        Ok(Ok(s)) => {
            eprintln!("{:?} does not match {want:?}: stopping", s.trim());
            Decision::Abort
        }
        _ => Decision::Abort,
    }
}

fn event_line(e: &RollEvent) -> String {
    match e {
        RollEvent::Preview(p) => {
            let role = if p.leader { " (leader)" } else { "" };
            match &p.refusal {
                Some(r) => format!("member {}{role}: REFUSED: {r}", p.id),
                None => format!("member {}{role}: {}", p.id, p.note),
            }
        }
        RollEvent::Action { id, action, detail } => format!("member {id}: {action}: {detail}"),
        RollEvent::Gate { id, waiting, .. } => format!("member {id}: gate: {waiting}"),
        RollEvent::Phase { id, phase } => format!("member {id}: {}", phase.word()),
        RollEvent::ActionDone {
            id, action, summary, ..
        } => format!("member {id}: {action}: {summary}"),
        RollEvent::Handoff { id, moved, detail } => {
            let what = if *moved { "hand-off" } else { "no hand-off" };
            format!("member {id}: {what}: {detail}")
        }
        RollEvent::Paused { id } => format!("paused before member {id}'s next phase"),
        RollEvent::Resumed { id } => format!("resumed at member {id}"),
        RollEvent::Restarted {
            id,
            elapsed_ms,
            elections,
        } => format!(
            "member {id}: restarted and in sync after {:.1} s ({elections} election(s) during its gate)",
            *elapsed_ms as f64 / 1000.0
        ),
    }
}
