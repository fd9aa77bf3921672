//! The wizards' work on real hosts through the ensemble's host actions: what they share (the
//! host half of a wizard, `HostSetup`, and the lookup of the actions a workflow needs) here;
//! each workflow in its own module:
//! - `expand`: a new member's files written with `write_file`, then `start`;
//! - `restart`: the recover page's restart of one down member (`stop` first when it hangs);
//! - `recover`: the quorum-loss recovery's steps as they will run, for the confirmation.
//!
//! Each step is described before anything runs, the whole is confirmed by typing a phrase,
//! and the runners (in `tui`) halt at the first failure. Without actions the wizards stay
//! guided (they show files and instructions).

mod expand;
mod recover;
mod restart;

pub use expand::{expand_ready, host_steps, HostStep, Source, SourceState};
pub use recover::{recover_preview, recover_ready};
pub use restart::{restart_preview, Restart};

use super::State;
use crate::config::actions::ActionsEntry;
use crate::ensemble::ServerSpec;
use crate::host::MemberRef;

/// The host half of a wizard: the steps, and where the operator is with them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HostSetup {
    pub steps: Vec<HostStep>,
    /// The confirmation being typed is for these steps (not the reconfig plan).
    pub confirming: bool,
    /// The steps were started (their outcome is in the progress pane).
    pub ran: bool,
    /// Recover on real hosts: each step as it will run, for the confirmation.
    pub preview: Vec<String>,
    /// Where the joiner's zoo.cfg comes from: a serving member's, read through `read_file`.
    pub source: Option<Source>,
    /// The recover page's restart of one down member through the host actions, while its
    /// confirmation is typed (the steps are in `preview`).
    pub restart: Option<Restart>,
}

impl HostSetup {
    pub fn active(&self) -> bool {
        !self.steps.is_empty()
    }

    fn member_id(&self) -> Option<u64> {
        self.steps.first().map(|s| s.member.id)
    }

    /// The phrase that confirms the host steps, while it is being typed.
    pub fn phrase(&self) -> Option<String> {
        if let Some(r) = self.restart {
            return Some(format!("restart {}", r.id));
        }
        let id = self.member_id()?;
        self.confirming.then(|| format!("start {id}"))
    }
}

/// Member `id` as its host actions address it: its client address (a wildcard bind address
/// names no host, so the server's own host then) and client port.
pub fn client_ref(id: u64, spec: &ServerSpec) -> MemberRef {
    MemberRef {
        id,
        host: spec
            .client_host
            .clone()
            .filter(|h| !is_wildcard(h))
            .unwrap_or_else(|| spec.host.clone()),
        client_port: spec.client_port.unwrap_or(2181),
    }
}

fn is_wildcard(host: &str) -> bool {
    matches!(host, "0.0.0.0" | "::" | "[::]")
}

impl State {
    /// The ensemble's host actions when `ready` says they can carry out a workflow; never in
    /// read-only mode, never on the sandbox (it acts by itself).
    fn actions_for(&self, ready: impl Fn(&ActionsEntry) -> bool) -> Option<&ActionsEntry> {
        if self.read_only || self.sandbox {
            return None;
        }
        let entry = self.config.ensembles.get(&self.ensemble)?;
        entry.actions.as_ref().filter(|a| ready(a))
    }
}
