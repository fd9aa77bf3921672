//! `zkconsole recover`: the quorum is lost for good; restart the survivors as a new, smaller
//! ensemble through the host actions: stop them, rewrite each one's membership (a backup kept
//! beside it), start the most up-to-date first, then the rest, and verify.

use super::{resolve_target, Target};
use clap::Args as ClapArgs;
use futures::FutureExt;
use std::sync::Arc;
use std::time::Duration;
use zkconsole::audit::AuditLog;
use zkconsole::config::Config;
use zkconsole::health::summarize;
use zkconsole::host::{Audited, CommandHost};
use zkconsole::probe::round::observe;
use zkconsole::remembered;
use zkconsole::rolling::recover::{Done, Recovery};
use zkconsole::workflow::recover::{refusal, start_order};

#[derive(ClapArgs, Debug, Clone)]
pub struct RecoverArgs {
    /// The members that survived, e.g. 1,2: the new membership. Writes only the lost members
    /// had are gone; lost members may rejoin only with a wiped dataDir.
    #[arg(long, value_delimiter = ',', required = true, value_name = "IDS")]
    pub survivors: Vec<u64>,
    /// Really do it (without it, recover only prints what it would do).
    #[arg(long)]
    pub yes: bool,
    /// Seconds a member may take to stop, and the survivors to elect a leader.
    #[arg(long, default_value_t = 120)]
    pub timeout_s: u64,
}

/// Exit codes: 0 recovered and verified, 2 refused or halted, 3 no membership known, 64 usage.
pub async fn run(config: &Config, target: &Target, args: &RecoverArgs) -> i32 {
    let resolved = match resolve_target(config, target) {
        Ok(r) => r,
        Err(e) => return usage(&e),
    };
    let Some(actions) = config
        .ensembles
        .get(&resolved.name)
        .and_then(|e| e.actions.clone())
    else {
        return usage(&format!(
            "ensemble {:?} has no [ensembles.NAME.actions]: recover needs stop, start, \
             read_file, write_file and zoo_cfg (or use the console's guided recovery)",
            resolved.name
        ));
    };
    let discovery = Arc::new(resolved.discovery(config));
    let memory = remembered::default_path(&discovery.seeds);
    let known = memory
        .as_deref()
        .and_then(|m| remembered::load(m, &discovery.seeds));
    let Some(known) = known else {
        eprintln!(
            "zkconsole recover: no membership is known for {}: with the quorum lost no member \
             tells it, and none was remembered (the console and `status` remember it while the \
             ensemble serves)",
            resolved.name
        );
        return 3;
    };
    let obs = observe(&discovery, Some(&known.config)).await;
    let health = summarize(obs.config.as_ref(), &obs.members, &config.thresholds);
    if let Some(why) = refusal(&health, &obs.members, &args.survivors) {
        eprintln!("zkconsole recover: refused: {why}");
        return 2;
    }
    let (order, note) = start_order(&obs.members, &args.survivors);
    let lost: Vec<u64> = known
        .config
        .servers
        .keys()
        .filter(|id| !order.contains(id))
        .copied()
        .collect();
    eprintln!(
        "recover {}: new membership {order:?} (lost: {lost:?}); {note}.\n\
         Writes that only the lost members had are gone; they may rejoin only with a wiped dataDir.",
        resolved.name
    );
    if !args.yes {
        eprintln!("nothing was changed: run again with --yes to recover");
        return 0;
    }
    let log = match AuditLog::open_default().await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("zkconsole recover: refused, host actions could not be audited: {e}");
            return 2;
        }
    };
    let host = Audited::new(CommandHost::new(actions), log, &resolved.name);
    let observe_fn = {
        let d = discovery.clone();
        let previous = known.config.clone();
        move || {
            let d = d.clone();
            let p = previous.clone();
            async move { observe(&d, Some(&p)).await }.boxed()
        }
    };
    let recovery = Recovery {
        host: &host,
        observe: &observe_fn,
        thresholds: &config.thresholds,
        timeout: Duration::from_secs(args.timeout_s.max(1)),
        poll: Duration::from_millis(500),
    };
    let mut done = Done::default();
    let mut say = |line: &str| eprintln!("{line}");
    match recovery
        .run(&known.config, &order, &mut done, &mut say)
        .await
    {
        Ok(leader) => {
            println!("recovered: member {leader} leads {order:?}");
            0
        }
        Err(e) => {
            eprintln!("zkconsole recover: halted: {e}\nwhat changed so far:");
            for step in &done.steps {
                eprintln!("  {step}");
            }
            2
        }
    }
}

fn usage(e: &str) -> i32 {
    eprintln!("zkconsole recover: {e}");
    64
}
