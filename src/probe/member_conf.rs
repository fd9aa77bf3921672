//! One member's own view of the membership: its `conf`. The observation keeps only the
//! newest membership any member told; members that disagree (a restart forgotten after an
//! edit of `zoo.cfg`, a joiner the others do not list yet) show only here.

use super::member::{ProbeOptions, ProbeTarget};
use super::parse::{parse_conf, Reply};
use super::transport::{four_letter_word_within, Budget};
use crate::ensemble::EnsembleConfig;

/// The member's id and the membership it runs with, within one `opts.timeout`. `None` when it
/// does not answer, is not ZooKeeper, answers as another member than the target's, or lists
/// no servers (a standalone server).
pub async fn member_conf(
    target: &ProbeTarget,
    opts: ProbeOptions,
) -> Option<(u64, EnsembleConfig)> {
    let budget = Budget::starting_now(opts.timeout);
    let text = four_letter_word_within(
        &target.address,
        target.tls.as_ref(),
        "conf",
        budget,
        opts.reply_cap,
    )
    .await
    .ok()?;
    match parse_conf(&text) {
        Ok(Reply::Ok(c)) => {
            // At an assumed address another member may answer: its view is not this one's.
            let id = match (c.server_id, target.id) {
                (Some(said), Some(want)) if said != want => return None,
                (said, want) => said.or(want)?,
            };
            (!c.membership.servers.is_empty()).then_some((id, c.membership))
        }
        _ => None,
    }
}
