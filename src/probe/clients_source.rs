//! Which source the clients view reads a member from: the four-letter word first (`cons`,
//! `wchs`); when the member refuses it (not in `4lw.commands.whitelist`) or its client port
//! fails, the AdminServer's `connections` / `watch_summary` if the member's AdminServer URL
//! is known. Each exchange has its own deadline of `timeout`, so a member costs at most two.
//! When neither answers, the sentence says what to add to the whitelist or which URL to give.

use super::admin_clients::{ask_admin_connections, ask_admin_watch_summary};
use super::cons::ask_cons;
use super::parse::Reply;
use super::watches::ask_wchs;
pub use crate::ensemble::clients::{ClientConn, ReadSource, WatchSummary};
use crate::ensemble::member::ProbeTarget;
use std::future::Future;
use std::time::Duration;

/// A member's connections, and where they were read.
pub async fn read_clients(
    target: &ProbeTarget,
    timeout: Duration,
) -> (Result<Vec<ClientConn>, String>, Option<ReadSource>) {
    let four = ask_cons(&target.address, target.tls.as_ref(), timeout).await;
    let sources = (ReadSource::Cons, ReadSource::AdminConnections);
    choose(target, four, sources, |url| async move {
        ask_admin_connections(&url, timeout).await
    })
    .await
}

/// A member's watch summary, and where it was read.
pub async fn read_watches(
    target: &ProbeTarget,
    timeout: Duration,
) -> (Result<WatchSummary, String>, Option<ReadSource>) {
    let four = ask_wchs(&target.address, target.tls.as_ref(), timeout).await;
    let sources = (ReadSource::Wchs, ReadSource::AdminWatchSummary);
    choose(target, four, sources, |url| async move {
        ask_admin_watch_summary(&url, timeout).await
    })
    .await
}

async fn choose<T, F, Fut>(
    target: &ProbeTarget,
    four: Result<Reply<T>, String>,
    (word, admin): (ReadSource, ReadSource),
    ask_admin: F,
) -> (Result<T, String>, Option<ReadSource>)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<Reply<T>, String>>,
{
    let addr = &target.address;
    let cmd = word.name();
    let why = match four {
        Ok(Reply::Ok(v)) => return (Ok(v), Some(word)),
        // The AdminServer would say the same.
        Ok(Reply::NotServing) => return (Err(not_serving(addr)), None),
        Ok(Reply::NotWhitelisted { .. }) => {
            format!("{addr} refuses {cmd} (not in 4lw.commands.whitelist)")
        }
        Err(e) => format!("{cmd} failed: {e}"),
    };
    let Some(url) = target.admin_url.clone() else {
        return (
            Err(format!(
                "{why}; add {cmd} to 4lw.commands.whitelist, or give this member's AdminServer \
                 URL (--admin ID=URL, --admin-port, or admin_urls/admin_port in the config) to \
                 read {} instead",
                admin.name()
            )),
            None,
        );
    };
    match ask_admin(url.clone()).await {
        Ok(Reply::Ok(v)) => (Ok(v), Some(admin)),
        Ok(Reply::NotServing) => (Err(not_serving(addr)), None),
        Ok(Reply::NotWhitelisted { command }) => {
            let refused = format!("it refuses {command}");
            (Err(both(&why, (word, admin), &url, &refused)), None)
        }
        Err(e) => (Err(both(&why, (word, admin), &url, &e)), None),
    }
}

fn not_serving(addr: &str) -> String {
    format!("{addr} is not serving requests")
}

/// Both sources failed: each reason, and what would make either work.
fn both(why: &str, (word, admin): (ReadSource, ReadSource), url: &str, admin_why: &str) -> String {
    format!(
        "{why}; {} at {url} failed too: {admin_why} (add {} to 4lw.commands.whitelist, or \
         give the URL of this member's own AdminServer)",
        admin.name(),
        word.name()
    )
}
