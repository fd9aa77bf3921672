//! Acting on the host of a member: one interface, several ways to carry it out.
//!
//! `CommandHost` runs the ensemble's command templates (ssh, kubectl, a site script);
//! `SandboxHost` acts on the local sandbox; tests use a fake. Whatever carries it out, an action
//! is described before it runs (for the preview), has a deadline, keeps its output, and is in
//! the audit log before and after (`Audited`).

mod audited;
mod command;
pub mod runner;
mod sandbox;

pub use audited::Audited;
pub use command::CommandHost;
pub use runner::{ActionOutput, RunError};
pub use sandbox::SandboxHost;

use futures::future::BoxFuture;

/// The member an action is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRef {
    pub id: u64,
    /// The host as the membership names it (a value from the servers: never trusted).
    pub host: String,
    pub client_port: u16,
}

/// What to do on a member's host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Stop,
    Start,
    /// The member's zoo.cfg (the `zoo_cfg` setting), on standard output.
    ReadConfig,
    /// Replace the member's zoo.cfg with these bytes.
    WriteConfig(Vec<u8>),
    /// A copy of the member's zoo.cfg beside it, named zoo.cfg + `suffix`.
    BackupConfig {
        suffix: String,
        contents: Vec<u8>,
    },
    /// Write a file under the member's data directory (`myid`, a dynamic config seed).
    WriteDataFile {
        name: String,
        contents: Vec<u8>,
    },
    /// Any file on the member's host (a dynamic config file named by its zoo.cfg).
    ReadFile(String),
    WriteFile {
        path: String,
        contents: Vec<u8>,
    },
    /// An operator's own command for this member (`roll --run`), a template like the others.
    Run(String),
    /// Remove the member's data directory (the `data_dir` setting): a member removed from
    /// the ensemble for good, stopped first.
    Clean,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Stop => "stop",
            Action::Start => "start",
            Action::ReadConfig => "read_file",
            Action::WriteConfig(_) => "write_file",
            Action::BackupConfig { .. } => "write_file",
            Action::WriteDataFile { .. } => "write_file",
            Action::ReadFile(_) => "read_file",
            Action::WriteFile { .. } => "write_file",
            Action::Run(_) => "run",
            Action::Clean => "clean",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error(
        "no `{0}` action is configured for this ensemble (add it under [ensembles.NAME.actions])"
    )]
    NotConfigured(&'static str),
    #[error("{0}")]
    Template(String),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("{0}")]
    Sandbox(String),
    /// The audit record of the intent could not be written, so the action did not run.
    #[error("not run: its audit record could not be written ({0})")]
    Audit(String),
}

/// Acting on members' hosts. `describe` says, before anything runs, what `run` would do.
pub trait HostActions: Send + Sync {
    fn describe(&self, action: &Action, member: &MemberRef) -> Result<String, ActionError>;
    fn run<'a>(
        &'a self,
        action: &'a Action,
        member: &'a MemberRef,
    ) -> BoxFuture<'a, Result<ActionOutput, ActionError>>;
}
