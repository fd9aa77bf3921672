//! Runs the console's rolling restart off the event loop with the one roll engine
//! (`rolling::Roller`), acting through the sandbox or the ensemble's command templates, each
//! action audited. Progress comes back as messages; pause, resume and abort go in through a
//! watch channel, an override of a refused step through a decision channel.

use crate::app::roll::{RollMsg, RollRequest};
use crate::app::Msg;
use crate::audit::AuditLog;
use crate::config::actions::ActionsEntry;
use crate::config::Config;
use crate::host::{
    Action, ActionError, ActionOutput, Audited, CommandHost, HostActions, MemberRef,
};
use crate::probe::member::ProbeOptions;
use crate::probe::round::{observe, AdminLocator, Discovery};
use crate::probe::secure::TlsPorts;
use crate::rolling::journal::Journal;
use crate::rolling::{Control, Decision, HandoffMode, RollOutcome, Roller};
use crate::sandbox::Sandbox;
use crate::workflow::roll::{RollSettings, StepPreview};
use futures::future::BoxFuture;
use futures::FutureExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, Mutex};

/// The running roll's handles, held by the event loop.
#[derive(Default)]
pub struct Worker {
    control: Option<watch::Sender<Control>>,
    decide: Option<mpsc::UnboundedSender<Decision>>,
}

/// What a roll needs of the console: where the ensemble is and how to act on its hosts.
pub struct Context {
    pub ensemble: String,
    /// Where a hand-off's session goes, with the ensemble's credentials.
    pub connect: String,
    pub credentials: Option<crate::config::Credentials>,
    pub config: Config,
    pub seeds: Vec<String>,
    pub admin: AdminLocator,
    pub tls: TlsPorts,
    pub probe: ProbeOptions,
    pub sandbox: Option<Arc<Mutex<Sandbox>>>,
    pub tx: mpsc::UnboundedSender<Msg>,
}

/// The sandbox or the templates, behind one type the audit wraps.
enum Host {
    Sandbox(crate::host::SandboxHost),
    Commands(CommandHost),
}

impl HostActions for Host {
    fn describe(&self, action: &Action, member: &MemberRef) -> Result<String, ActionError> {
        match self {
            Host::Sandbox(h) => h.describe(action, member),
            Host::Commands(h) => h.describe(action, member),
        }
    }

    fn run<'a>(
        &'a self,
        action: &'a Action,
        member: &'a MemberRef,
    ) -> BoxFuture<'a, Result<ActionOutput, ActionError>> {
        match self {
            Host::Sandbox(h) => h.run(action, member),
            Host::Commands(h) => h.run(action, member),
        }
    }
}

fn journal_path(ensemble: &str) -> Result<PathBuf, String> {
    let state = crate::config::state_dir().map_err(|e| e.to_string())?;
    Ok(Journal::location(&state, ensemble))
}

/// Reads the ensemble's roll journal off the loop and answers with what it says.
pub fn load_journal(ensemble: String, tx: mpsc::UnboundedSender<Msg>) {
    tokio::task::spawn_blocking(move || {
        let info = journal_path(&ensemble)
            .and_then(|p| Journal::load(&p))
            .map_err(|e| tracing::warn!(error = %e, "roll journal unreadable"))
            .ok()
            .flatten()
            .map(|j| j.info());
        let _ = tx.send(Msg::Roll(RollMsg::Journal(info)));
    });
}

impl Worker {
    pub fn handle(&mut self, req: RollRequest, ctx: Context) {
        match req {
            RollRequest::LoadJournal => load_journal(ctx.ensemble, ctx.tx),
            RollRequest::DiscardJournal => {
                let ensemble = ctx.ensemble.clone();
                tokio::task::spawn_blocking(move || {
                    if let Ok(p) = journal_path(&ensemble) {
                        let _ = std::fs::remove_file(p);
                    }
                    load_journal(ensemble, ctx.tx);
                });
            }
            RollRequest::Decide(d) => {
                if let Some(tx) = &self.decide {
                    let _ = tx.send(d);
                }
            }
            RollRequest::Control(c) => {
                if let Some(tx) = &self.control {
                    let _ = tx.send(c);
                }
                // An abort also answers a refused step that waits for its override.
                if c == Control::Abort {
                    if let Some(tx) = &self.decide {
                        let _ = tx.send(Decision::Abort);
                    }
                }
            }
            RollRequest::Start {
                order,
                resume,
                handoff,
            } => self.start(order, resume, handoff, ctx),
        }
    }

    fn start(&mut self, order: Vec<u64>, resume: bool, handoff: HandoffMode, ctx: Context) {
        let (control_tx, control_rx) = watch::channel(Control::Run);
        let (decide_tx, decide_rx) = mpsc::unbounded_channel();
        self.control = Some(control_tx);
        self.decide = Some(decide_tx);
        tokio::spawn(async move {
            let tx = ctx.tx.clone();
            let outcome = match run(order, resume, handoff, ctx, control_rx, decide_rx).await {
                Ok(o) => o,
                Err(why) => RollOutcome {
                    restarted: Vec::new(),
                    halted: Some(format!("not started: {why}")),
                },
            };
            let _ = tx.send(Msg::Roll(RollMsg::Finished(outcome)));
        });
    }
}

fn host_of(ctx: &Context) -> Result<Host, String> {
    let actions: Option<&ActionsEntry> = ctx
        .config
        .ensembles
        .get(&ctx.ensemble)
        .and_then(|e| e.actions.as_ref());
    match (&ctx.sandbox, actions) {
        (Some(sb), _) => Ok(Host::Sandbox(crate::host::SandboxHost::new(
            sb.clone(),
            Duration::from_secs(60),
        ))),
        (None, Some(a)) if a.stop.is_some() && a.start.is_some() => {
            Ok(Host::Commands(CommandHost::new(a.clone())))
        }
        _ => Err(format!(
            "no stop/start under [ensembles.{}.actions]",
            ctx.ensemble
        )),
    }
}

async fn journal_for(ensemble: &str, order: Vec<u64>, resume: bool) -> Result<Journal, String> {
    let path = journal_path(ensemble)?;
    let old = tokio::task::spawn_blocking({
        let path = path.clone();
        move || Journal::load(&path)
    })
    .await
    .map_err(|e| e.to_string())??;
    match old {
        Some(j) if j.unfinished() && resume => Ok(j),
        Some(j) if j.unfinished() => Err(format!(
            "a roll stopped at {}: resume it or discard its journal",
            j.whereabouts()
        )),
        _ if resume => Err("no stopped roll to resume".into()),
        _ => Ok(Journal::new(path, ensemble, order, None)),
    }
}

async fn run(
    order: Vec<u64>,
    resume: bool,
    handoff: HandoffMode,
    ctx: Context,
    control: watch::Receiver<Control>,
    decide: mpsc::UnboundedReceiver<Decision>,
) -> Result<RollOutcome, String> {
    let host = host_of(&ctx)?;
    // `[ensembles.NAME.roll]` over `[roll]`: the settle and gate times of this ensemble.
    let set = ctx.config.roll_for(&ctx.ensemble);
    let settings = RollSettings {
        settle: set.settle,
        gate_timeout: set.gate_timeout,
        ..RollSettings::default()
    };
    let mut journal = journal_for(&ctx.ensemble, order, resume).await?;
    let log = AuditLog::open_default()
        .await
        .map_err(|e| format!("host actions could not be audited: {e}"))?;
    let host = Audited::new(host, log, &ctx.ensemble);
    let discovery = Arc::new(Discovery {
        seeds: ctx.seeds.clone(),
        admin: ctx.admin.clone(),
        tls: ctx.tls.clone(),
        opts: ctx.probe,
    });
    let observe_fn = {
        let d = discovery.clone();
        move || {
            let d = d.clone();
            async move { observe(&d, None).await }.boxed()
        }
    };
    // The operator confirmed the whole roll; a step whose live preview refuses waits for a
    // typed override (or an abort) from the console.
    let decide = Arc::new(Mutex::new(decide));
    let confirm = move |p: StepPreview| {
        let decide = decide.clone();
        async move {
            if p.refusal.is_none() {
                return Decision::Go;
            }
            decide.lock().await.recv().await.unwrap_or(Decision::Abort)
        }
        .boxed()
    };
    let hand = Arc::new(crate::rolling::handoff::Handoff {
        mode: handoff,
        connect: ctx.connect.clone(),
        credentials: ctx.credentials.clone(),
        tls: ctx.tls.clone(),
        ensemble: ctx.ensemble.clone(),
        // Four-letter words only: a member just removed by the reconfig is told apart as a
        // non-voting follower by `srvr`/`mntr` (the CLI's discovery, which its test covers).
        discovery: Arc::new(Discovery {
            admin: AdminLocator::default(),
            ..(*discovery).clone()
        }),
        thresholds: ctx.config.thresholds.clone(),
        timeout: settings.gate_timeout,
    });
    let handoff_fn = move |id: u64| {
        let h = hand.clone();
        async move { h.run(id).await }.boxed()
    };
    let mut roller = Roller {
        host: &host,
        observe: &observe_fn,
        confirm: &confirm,
        thresholds: &ctx.config.thresholds,
        settings,
        poll: Duration::from_millis(500),
        control,
        handoff: Some(&handoff_fn),
    };
    let tx = ctx.tx.clone();
    let mut on_event = move |e| {
        let _ = tx.send(Msg::Roll(RollMsg::Event(e)));
    };
    Ok(roller.run(&mut journal, &mut on_event).await)
}
