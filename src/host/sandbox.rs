//! Host actions on the local sandbox: the same interface the command templates implement, so a
//! workflow rehearsed on the sandbox runs the same steps on real hosts.

use super::runner::run;
use super::{Action, ActionError, ActionOutput, HostActions, MemberRef};
use crate::config::actions::{Template, Vars};
use crate::sandbox::Sandbox;
use futures::future::BoxFuture;
use futures::FutureExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(Clone)]
pub struct SandboxHost {
    sandbox: Arc<Mutex<Sandbox>>,
    timeout: Duration,
}

impl SandboxHost {
    pub fn new(sandbox: Arc<Mutex<Sandbox>>, timeout: Duration) -> SandboxHost {
        SandboxHost { sandbox, timeout }
    }

    async fn member_dir(&self, id: u64) -> Result<PathBuf, ActionError> {
        let sb = self.sandbox.lock().await;
        let m = sb
            .member(id)
            .map_err(|e| ActionError::Sandbox(e.to_string()))?;
        Ok(m.dir.clone())
    }

    /// `path`, when it lies inside member `id`'s directory: the sandbox touches nothing else.
    async fn inside(&self, id: u64, path: &str) -> Result<PathBuf, ActionError> {
        let dir = self.member_dir(id).await?;
        let p = PathBuf::from(path);
        let plain = p
            .components()
            .all(|c| !matches!(c, std::path::Component::ParentDir));
        if plain && p.starts_with(&dir) {
            Ok(p)
        } else {
            Err(ActionError::Sandbox(format!(
                "{path} is outside member {id}'s directory {}",
                dir.display()
            )))
        }
    }

    /// SIGKILL under the lock, then the wait for the process to go without it.
    async fn stop(&self, id: u64) -> Result<(), ActionError> {
        let stopping = self
            .sandbox
            .lock()
            .await
            .begin_stop(id)
            .map_err(|e| ActionError::Sandbox(format!("stop: {e}")))?;
        match stopping {
            Some(s) => s
                .reaped()
                .await
                .map_err(|e| ActionError::Sandbox(format!("stop: {e}"))),
            None => Ok(()),
        }
    }

    /// Runs a sandbox operation off the runtime's workers: signalling and reaping wait.
    async fn with_sandbox(
        &self,
        what: &'static str,
        op: impl FnOnce(&mut Sandbox) -> anyhow::Result<()> + Send + 'static,
    ) -> Result<(), ActionError> {
        let guard = self.sandbox.clone().lock_owned().await;
        let work = tokio::task::spawn_blocking(move || {
            let mut guard = guard;
            op(&mut guard)
        });
        match tokio::time::timeout(self.timeout, work).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(ActionError::Sandbox(format!("{what}: {e}"))),
            Ok(Err(e)) => Err(ActionError::Sandbox(format!("{what}: {e}"))),
            Err(_) => Err(ActionError::Sandbox(format!(
                "{what}: over its {} s timeout",
                self.timeout.as_secs()
            ))),
        }
    }

    async fn act(&self, action: &Action, member: &MemberRef) -> Result<Vec<u8>, ActionError> {
        let id = member.id;
        match action {
            Action::Stop => self.stop(id).await?,
            Action::Start => self.with_sandbox("start", move |s| s.start(id)).await?,
            Action::ReadConfig => {
                let path = self.member_dir(id).await?.join("zoo.cfg");
                return tokio::fs::read(&path)
                    .await
                    .map_err(|e| ActionError::Sandbox(format!("{}: {e}", path.display())));
            }
            Action::WriteConfig(bytes) => {
                let path = self.member_dir(id).await?.join("zoo.cfg");
                write_private(path, bytes.clone()).await?;
            }
            Action::BackupConfig { suffix, contents } => {
                if suffix.contains('/') {
                    return Err(ActionError::Sandbox(format!("{suffix:?} is not a suffix")));
                }
                let path = self.member_dir(id).await?.join(format!("zoo.cfg{suffix}"));
                write_private(path, contents.clone()).await?;
            }
            Action::WriteDataFile { name, contents } => {
                if name.contains('/') || name.starts_with('.') {
                    return Err(ActionError::Sandbox(format!("{name:?} is not a file name")));
                }
                let path = self.member_dir(id).await?.join("data").join(name);
                write_private(path, contents.clone()).await?;
            }
            Action::ReadFile(path) => {
                let path = self.inside(id, path).await?;
                return tokio::fs::read(&path)
                    .await
                    .map_err(|e| ActionError::Sandbox(format!("{}: {e}", path.display())));
            }
            Action::WriteFile { path, contents } => {
                let path = self.inside(id, path).await?;
                write_private(path, contents.clone()).await?;
            }
            Action::Run(text) => {
                let t = Template::parse(text).map_err(|e| ActionError::Template(e.to_string()))?;
                let argv = t
                    .render(&vars(member))
                    .map_err(|e| ActionError::Template(e.to_string()))?;
                return Ok(run(&argv, None, self.timeout).await?.stdout);
            }
            Action::Clean => {
                let path = self.member_dir(id).await?.join("data");
                tokio::fs::remove_dir_all(&path)
                    .await
                    .map_err(|e| ActionError::Sandbox(format!("{}: {e}", path.display())))?;
            }
        }
        Ok(Vec::new())
    }
}

fn vars(member: &MemberRef) -> Vars {
    Vars {
        id: member.id,
        host: member.host.clone(),
        client_port: member.client_port,
        path: None,
    }
}

async fn write_private(path: PathBuf, bytes: Vec<u8>) -> Result<(), ActionError> {
    tokio::task::spawn_blocking(move || crate::config::write_private(&path, &bytes))
        .await
        .map_err(|e| ActionError::Sandbox(e.to_string()))?
        .map_err(|e| ActionError::Sandbox(e.to_string()))
}

impl HostActions for SandboxHost {
    fn describe(&self, action: &Action, member: &MemberRef) -> Result<String, ActionError> {
        let id = member.id;
        Ok(match action {
            Action::Stop => format!("sandbox: SIGKILL member {id}"),
            Action::Start => format!("sandbox: start member {id}"),
            Action::ReadConfig => format!("sandbox: read member {id}'s zoo.cfg"),
            Action::WriteConfig(b) => {
                format!("sandbox: write member {id}'s zoo.cfg ({} bytes)", b.len())
            }
            Action::WriteDataFile { name, contents } => {
                format!(
                    "sandbox: write member {id}'s data/{name} ({} bytes)",
                    contents.len()
                )
            }
            Action::ReadFile(p) => format!("sandbox: read {p}"),
            Action::BackupConfig { suffix, .. } => {
                format!("sandbox: copy member {id}'s zoo.cfg to zoo.cfg{suffix}")
            }
            Action::WriteFile { path, contents } => {
                format!("sandbox: write {path} ({} bytes)", contents.len())
            }
            Action::Run(text) => format!("sandbox: run {text}"),
            Action::Clean => format!("sandbox: remove member {id}'s data directory"),
        })
    }

    fn run<'a>(
        &'a self,
        action: &'a Action,
        member: &'a MemberRef,
    ) -> BoxFuture<'a, Result<ActionOutput, ActionError>> {
        async move {
            let started = Instant::now();
            let stdout = self.act(action, member).await?;
            Ok(ActionOutput {
                argv: vec![self.describe(action, member)?],
                code: Some(0),
                stdout,
                stderr: String::new(),
                elapsed: started.elapsed(),
            })
        }
        .boxed()
    }
}
