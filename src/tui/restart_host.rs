//! The recover page's restart of one down member on a real host: `stop` (a hung member
//! only) and `start` through the ensemble's audited host actions, then a wait until the
//! member serves again and has caught up with the leader, halting with what is known.

use crate::app::wizard_host::{client_ref, Restart};
use crate::app::{Msg, WorkflowMsg};
use crate::audit::AuditLog;
use crate::config::actions::ActionsEntry;
use crate::config::Level;
use crate::ensemble::EnsembleConfig;
use crate::host::{Action, Audited, CommandHost, HostActions};
use crate::probe::round::{observe, Discovery};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

/// What the restart needs from the console.
pub struct Context {
    pub ensemble: String,
    pub actions: ActionsEntry,
    pub membership: EnsembleConfig,
    pub discovery: Discovery,
    /// How long the member may take to serve again (the roll's gate timeout).
    pub timeout: Duration,
}

/// Transactions a member may trail the leader by and count as caught up (a write load keeps
/// a healthy follower a few behind at any instant; the roll's gate allows the same).
const MAX_LAG: u64 = 1000;

pub fn spawn(ctx: Context, restart: Restart, tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let r = run(ctx, restart, &tx).await;
        let _ = tx.send(Msg::Workflow(WorkflowMsg::Finished(r)));
    });
}

async fn run(ctx: Context, r: Restart, tx: &UnboundedSender<Msg>) -> Result<String, String> {
    let say = |level: Level, text: String| {
        let _ = tx.send(Msg::Workflow(WorkflowMsg::Progress(level, text)));
    };
    let id = r.id;
    let spec =
        ctx.membership.servers.get(&id).ok_or_else(|| {
            format!("refused: member {id} is not in the membership; nothing was run")
        })?;
    // The same address the preview named.
    let member = client_ref(id, spec);
    let log = AuditLog::open_default().await.map_err(|e| {
        format!("refused: host actions could not be audited ({e}); nothing was run")
    })?;
    let host = Audited::new(CommandHost::new(ctx.actions), log, &ctx.ensemble);
    let mut actions = Vec::new();
    if r.stop_first {
        actions.push(Action::Stop);
    }
    actions.push(Action::Start);
    for (i, a) in actions.iter().enumerate() {
        say(Level::Warn, format!("{} member {id} ...", a.name()));
        match host.run(a, &member).await {
            Ok(out) => say(Level::Ok, format!("  {}", out.summary())),
            Err(e) => {
                let done = if i == 0 {
                    "nothing was done"
                } else {
                    "it was stopped"
                };
                return Err(format!(
                    "restart of member {id} halted: {} failed: {e} ({done})",
                    a.name()
                ));
            }
        }
    }
    say(
        Level::Warn,
        format!(
            "waiting until member {id} serves and has caught up with the leader (at most {} s) ...",
            ctx.timeout.as_secs()
        ),
    );
    wait_serving(&ctx.discovery, &ctx.membership, id, ctx.timeout).await
}

/// Polls the ensemble until member `id` serves with a zxid within `MAX_LAG` of the leader's,
/// or `timeout` passes (then says what was last seen).
async fn wait_serving(
    discovery: &Discovery,
    membership: &EnsembleConfig,
    id: u64,
    timeout: Duration,
) -> Result<String, String> {
    let deadline = Instant::now() + timeout;
    let mut last = "no observation yet".to_string();
    loop {
        let obs = observe(discovery, Some(membership)).await;
        let leader_zxid = obs
            .members
            .iter()
            .find(|m| m.role == crate::probe::types::Role::Leader)
            .and_then(|m| m.zxid);
        if let Some(m) = obs.members.iter().find(|m| m.id == Some(id)) {
            let lag = leader_zxid.zip(m.zxid).map(|(l, z)| l.saturating_sub(z));
            match (m.role.is_serving(), lag) {
                (true, Some(lag)) if lag <= MAX_LAG => {
                    return Ok(format!(
                        "member {id} serves again as {}, in sync with the leader",
                        m.role
                    ));
                }
                (serving, lag) => {
                    last = format!(
                        "member {id} is {}{}",
                        m.role,
                        match (serving, lag) {
                            (true, Some(l)) => format!(", {l} transactions behind the leader"),
                            (true, None) => ", the leader's zxid not known".into(),
                            _ => String::new(),
                        }
                    );
                }
            }
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "member {id} was started but did not serve in sync within {} s: {last}; \
                 look at its log on its host",
                timeout.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
