//! Reads `cons` for the clients view: one task per member, each within the probe timeout,
//! never on the event loop. On request only: a big server's `cons` is not free.

use crate::app::clients::{ClientsMsg, ClientsRequest};
use crate::app::Msg;
use crate::probe::cons::fetch_cons;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

pub fn read(req: ClientsRequest, timeout: Duration, tx: UnboundedSender<Msg>) {
    for (member, target) in req.targets {
        let tx = tx.clone();
        tokio::spawn(async move {
            let result = fetch_cons(&target.address, target.tls.as_ref(), timeout).await;
            let at = std::time::Instant::now();
            let _ = tx.send(Msg::Clients(ClientsMsg::Read { member, at, result }));
        });
    }
}
