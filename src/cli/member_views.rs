//! Each member's own view of the membership (its `conf`), for the consistency check and the
//! reconfig mode: the observation keeps only the newest membership any member told.

use std::time::Duration;
use zkconsole::ensemble::consistency::disagreement;
use zkconsole::ensemble::member::Role;
use zkconsole::ensemble::mode::{detect, ModeEvidence, ReconfigMode};
use zkconsole::ensemble::observation::Observation;
use zkconsole::ensemble::tls::TlsPorts;
use zkconsole::ensemble::EnsembleConfig;
use zkconsole::probe::parse::{parse_conf, Reply};
use zkconsole::probe::transport::{four_letter_word_within, Budget};

/// Replies of `conf` are a few kilobytes; a hostile one is cut here.
const CONF_CAP: usize = 256 * 1024;

pub struct MemberViews {
    /// Per member that answered `conf`: the membership it runs with.
    pub views: Vec<(u64, EnsembleConfig)>,
    pub confs: Vec<String>,
}

/// Asks every member that answers (all at once, each within `timeout`) for its `conf`.
pub async fn gather(obs: &Observation, tls: &TlsPorts, timeout: Duration) -> MemberViews {
    let work = obs
        .members
        .iter()
        .filter(|m| m.role.is_alive() && m.role != Role::Unknown)
        .filter_map(|m| m.id.map(|id| (id, m.address.clone())))
        .map(|(id, address)| {
            let client = tls.client_for(&address, false);
            async move {
                let budget = Budget::starting_now(timeout);
                let text =
                    four_letter_word_within(&address, client.as_ref(), "conf", budget, CONF_CAP)
                        .await
                        .ok()?;
                match parse_conf(&text) {
                    // A member reporting another id answered for someone else: not its view.
                    Ok(Reply::Ok(c)) if c.server_id.is_none_or(|s| s == id) => {
                        Some((id, c.membership, text))
                    }
                    _ => None,
                }
            }
        });
    let answers = futures::future::join_all(work).await;
    let mut views = Vec::new();
    let mut confs = Vec::new();
    for (id, cfg, text) in answers.into_iter().flatten() {
        if !cfg.servers.is_empty() {
            views.push((id, cfg));
        }
        confs.push(text);
    }
    MemberViews { views, confs }
}

impl MemberViews {
    pub fn problems(&self) -> Vec<String> {
        disagreement(&self.views)
    }

    /// The mode from the servers' replies (and the zoo.cfg texts read through the host
    /// actions, when the caller has them).
    pub fn mode(&self, obs: &Observation, zoo_cfgs: Vec<String>) -> ReconfigMode {
        let evidence = ModeEvidence {
            zoo_cfgs,
            confs: self.confs.clone(),
            config_version: obs.config.as_ref().and_then(|c| c.version),
        };
        detect(&evidence).0
    }
}
