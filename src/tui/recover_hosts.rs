//! The console's quorum-loss recovery on real hosts: the same `Recovery` executor as
//! `zkconsole recover`, through the ensemble's host actions (audited), its progress in the
//! wizard's pane, halting at the first failure with what changed so far.

use crate::app::{Msg, WorkflowMsg};
use crate::audit::AuditLog;
use crate::config::actions::ActionsEntry;
use crate::config::{Level, Thresholds};
use crate::ensemble::EnsembleConfig;
use crate::health::summarize;
use crate::host::{Audited, CommandHost};
use crate::probe::round::{observe, Discovery};
use crate::rolling::recover::{Done, Recovery};
use crate::workflow::recover::{refusal, start_order};
use futures::FutureExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// What the recovery needs from the console.
pub struct Context {
    pub ensemble: String,
    pub actions: ActionsEntry,
    /// The last membership the console knew (no member tells it with the quorum lost).
    pub membership: EnsembleConfig,
    pub discovery: Discovery,
    pub thresholds: Thresholds,
}

/// How long a member may take to stop, and the survivors to elect a leader.
const TIMEOUT: Duration = Duration::from_secs(120);

pub fn spawn(ctx: Context, survivors: Vec<u64>, tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let r = run(ctx, survivors, &tx).await;
        let _ = tx.send(Msg::Workflow(WorkflowMsg::Finished(r)));
    });
}

async fn run(
    ctx: Context,
    survivors: Vec<u64>,
    tx: &UnboundedSender<Msg>,
) -> Result<String, String> {
    let progress = |level: Level, text: String| {
        let _ = tx.send(Msg::Workflow(WorkflowMsg::Progress(level, text)));
    };
    let discovery = Arc::new(ctx.discovery);
    // Checked again here, on a fresh observation: the page the operator confirmed may be old.
    let obs = observe(&discovery, Some(&ctx.membership)).await;
    let health = summarize(obs.config.as_ref(), &obs.members, &ctx.thresholds);
    if let Some(why) = refusal(&health, &obs.members, &survivors) {
        return Err(format!("refused: {why}; nothing was changed"));
    }
    let (order, note) = start_order(&obs.members, &survivors);
    progress(Level::Warn, format!("recovering with {order:?}: {note}"));
    let log = AuditLog::open_default().await.map_err(|e| {
        format!("refused: host actions could not be audited ({e}); nothing was changed")
    })?;
    let host = Audited::new(CommandHost::new(ctx.actions), log, &ctx.ensemble);
    let observe_fn = {
        let d = discovery.clone();
        let previous = ctx.membership.clone();
        move || {
            let d = d.clone();
            let p = previous.clone();
            async move { observe(&d, Some(&p)).await }.boxed()
        }
    };
    let recovery = Recovery {
        host: &host,
        observe: &observe_fn,
        thresholds: &ctx.thresholds,
        timeout: TIMEOUT,
        poll: Duration::from_millis(500),
    };
    let mut done = Done::default();
    let mut say = |line: &str| progress(Level::Ok, line.to_string());
    match recovery
        .run(&ctx.membership, &order, &mut done, &mut say)
        .await
    {
        Ok(leader) => Ok(format!(
            "quorum restored: member {leader} leads survivors {order:?}; grow again with expand"
        )),
        Err(e) => {
            let changed = if done.steps.is_empty() {
                "nothing was changed".to_string()
            } else {
                format!("what changed so far: {}", done.steps.join("; "))
            };
            Err(format!("recovery halted: {e}; {changed}"))
        }
    }
}
