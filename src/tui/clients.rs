//! Reads `cons` and `wchs` for the clients view (or the AdminServer's `connections` and
//! `watch_summary` where those are refused: `probe::clients_source`): one task per member,
//! each exchange within the probe timeout, never on the event loop. On request only: a big
//! server's `cons` is not free.
//! Also, on confirmed request, `wchc`/`wchp` and the audited counter resets.

use crate::app::clients::{ClientsAsk, ClientsMsg, ClientsRequest, ResetKind};
use crate::app::Msg;
use crate::audit::{AuditLog, AuditRecord};
use crate::ensemble::member::ProbeTarget;
use crate::probe::clients_source::{read_clients, read_watches};
use crate::probe::resets::send_reset;
use crate::probe::watches::fetch_watch_dump;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

pub fn read(req: ClientsRequest, timeout: Duration, tx: UnboundedSender<Msg>) {
    let ensemble = req.ensemble.clone();
    for (member, target) in req.targets {
        let tx = tx.clone();
        let ensemble = ensemble.clone();
        tokio::spawn(async move {
            let send = |m: ClientsMsg| {
                let _ = tx.send(Msg::Clients(m));
            };
            match req.ask {
                ClientsAsk::Read => {
                    // Side by side, each under its deadline (the AdminServer's after a
                    // refused four-letter word under one more).
                    let ((cons, clients), (wchs, watches)) = tokio::join!(
                        read_clients(&target, timeout),
                        read_watches(&target, timeout)
                    );
                    let at = std::time::Instant::now();
                    send(ClientsMsg::Sources {
                        member: member.clone(),
                        clients,
                        watches,
                    });
                    send(ClientsMsg::Watches {
                        member: member.clone(),
                        result: wchs,
                    });
                    send(ClientsMsg::Read {
                        member,
                        at,
                        result: cons,
                    });
                }
                ClientsAsk::Dump(kind) => {
                    let result =
                        fetch_watch_dump(&target.address, target.tls.as_ref(), kind, timeout).await;
                    send(ClientsMsg::Dump {
                        member,
                        kind,
                        result,
                    });
                }
                ClientsAsk::Reset(kind) => {
                    let audit = AuditLog::open_default().await.map_err(|e| e.to_string());
                    let result = match audit {
                        Ok(log) => audited_reset(&log, &ensemble, &target, kind, timeout).await,
                        Err(e) => Err(refused(&e)),
                    };
                    send(ClientsMsg::Reset {
                        member,
                        kind,
                        result,
                    });
                }
            }
        });
    }
}

fn refused(why: &str) -> String {
    format!("refused, the reset could not be audited: {why}; nothing was reset")
}

/// Records the intent, resets only if that worked, then records the outcome.
pub async fn audited_reset(
    audit: &AuditLog,
    ensemble: &str,
    target: &ProbeTarget,
    kind: ResetKind,
    timeout: Duration,
) -> Result<String, String> {
    let command = kind.command();
    let mut rec = AuditRecord::new(ensemble, command, &target.address, None);
    rec.before = Some(match kind {
        ResetKind::Connections => "connection counters of every session".into(),
        ResetKind::Server => "server latency and packet counters".into(),
    });
    rec.after = Some("zero".into());
    let intent = audit
        .intend(rec)
        .await
        .map_err(|e| refused(&e.to_string()))?;
    let r = send_reset(&target.address, target.tls.as_ref(), command, timeout).await;
    // The reset happened (or not): an outcome that cannot be recorded is said, not undone.
    match intent.finish_with(&r).await {
        Ok(()) => r,
        Err(e) => r.map(|said| format!("{said} (its audit result could not be recorded: {e})")),
    }
}
