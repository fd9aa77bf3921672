//! Quorum-loss recovery carried out through host actions, step by step, halting at the first
//! failure with what changed so far. The decisions are `workflow::recover`'s.

use crate::config::Thresholds;
use crate::ensemble::EnsembleConfig;
use crate::health::summarize;
use crate::host::{Action, HostActions, MemberRef};
use crate::probe::round::Observation;
use crate::workflow::recover::{keep_only, membership_file};
use futures::future::BoxFuture;
use std::time::Duration;

pub struct Recovery<'a> {
    pub host: &'a dyn HostActions,
    pub observe: &'a (dyn Fn() -> BoxFuture<'static, Observation> + Sync),
    pub thresholds: &'a Thresholds,
    /// How long a member may take to stop, and the survivors to elect a leader.
    pub timeout: Duration,
    pub poll: Duration,
}

/// What was done, in order: the operator reads this whether the recovery finished or halted.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Done {
    pub steps: Vec<String>,
}

impl Recovery<'_> {
    /// Recovers with `order` (the freshest first) as the new membership. `membership` is the
    /// last one known, for the hosts and client ports. Returns the new leader.
    pub async fn run(
        &self,
        membership: &EnsembleConfig,
        order: &[u64],
        done: &mut Done,
        say: &mut (dyn FnMut(&str) + Send),
    ) -> Result<u64, String> {
        let refs = order
            .iter()
            .map(|&id| member_ref(membership, id))
            .collect::<Result<Vec<_>, _>>()?;
        for m in &refs {
            self.act(&Action::Stop, m, done, say).await?;
            self.wait(m.id, false).await?;
        }
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        for m in &refs {
            self.rewrite(m, order, stamp, done, say).await?;
        }
        for (i, m) in refs.iter().enumerate() {
            self.act(&Action::Start, m, done, say).await?;
            if i == 0 {
                // The freshest first, alone, so the others sync from it.
                self.wait(m.id, true).await?;
            }
        }
        self.verify(order, say).await
    }

    async fn rewrite(
        &self,
        m: &MemberRef,
        keep: &[u64],
        stamp: u64,
        done: &mut Done,
        say: &mut (dyn FnMut(&str) + Send),
    ) -> Result<(), String> {
        let zoo = self.output(&Action::ReadConfig, m).await?;
        let suffix = format!(".zkconsole-backup-{stamp}");
        let zoo_text = String::from_utf8_lossy(&zoo).into_owned();
        let (backup, old, file) = match membership_file(&zoo_text) {
            // The dynamic file a dynamic ensemble runs from, named in zoo.cfg.
            Some(file) => {
                let old = self.output(&Action::ReadFile(file.clone()), m).await?;
                let backup = Action::WriteFile {
                    path: format!("{file}{suffix}"),
                    contents: old.clone(),
                };
                (backup, old, Some(file))
            }
            None => (
                Action::BackupConfig {
                    suffix,
                    contents: zoo.clone(),
                },
                zoo,
                None,
            ),
        };
        self.act(&backup, m, done, say).await?;
        let new = keep_only(&String::from_utf8_lossy(&old), keep).into_bytes();
        let write = match file {
            Some(path) => Action::WriteFile {
                path,
                contents: new,
            },
            None => Action::WriteConfig(new),
        };
        self.act(&write, m, done, say).await
    }

    async fn output(&self, action: &Action, m: &MemberRef) -> Result<Vec<u8>, String> {
        self.host
            .run(action, m)
            .await
            .map(|o| o.stdout)
            .map_err(|e| format!("member {}: {} failed: {e}", m.id, action.name()))
    }

    async fn act(
        &self,
        action: &Action,
        m: &MemberRef,
        done: &mut Done,
        say: &mut (dyn FnMut(&str) + Send),
    ) -> Result<(), String> {
        let what = self.host.describe(action, m).map_err(|e| e.to_string())?;
        say(&format!("member {}: {}: {what}", m.id, action.name()));
        self.host
            .run(action, m)
            .await
            .map_err(|e| format!("member {}: {} failed: {e}", m.id, action.name()))?;
        done.steps.push(format!("member {}: {what}", m.id));
        Ok(())
    }

    /// Until member `id` answers (`up`) or no longer does.
    async fn wait(&self, id: u64, up: bool) -> Result<(), String> {
        super::wait::alive(self.observe, self.poll, self.timeout, id, up).await
    }

    /// A serving leader among the survivors, and the membership they serve is the survivors.
    async fn verify(
        &self,
        survivors: &[u64],
        say: &mut (dyn FnMut(&str) + Send),
    ) -> Result<u64, String> {
        let mut want = survivors.to_vec();
        want.sort_unstable();
        let judge = |obs: Observation, _| {
            let health = summarize(obs.config.as_ref(), &obs.members, self.thresholds);
            let ids: Vec<u64> = obs
                .config
                .as_ref()
                .map(|c| c.servers.keys().copied().collect())
                .unwrap_or_default();
            match health.leader {
                Some(l) if health.has_quorum && ids == want => {
                    say(&format!(
                        "verified: member {l} leads, the membership is {ids:?}"
                    ));
                    Ok(l)
                }
                Some(l) => Err(format!("member {l} leads, the membership is {ids:?}")),
                None => Err("no leader yet".to_string()),
            }
        };
        super::wait::until(self.observe, self.poll, self.timeout, judge, || None)
            .await
            .map_err(|stop| {
                format!(
                    "the survivors did not form the new ensemble within {} s: {}",
                    self.timeout.as_secs(),
                    stop.reason()
                )
            })
    }
}

fn member_ref(cfg: &EnsembleConfig, id: u64) -> Result<MemberRef, String> {
    let spec = cfg
        .servers
        .get(&id)
        .ok_or_else(|| format!("member {id} is not in the last known membership"))?;
    let port = super::client_port(spec, None).unwrap_or(2181);
    Ok(MemberRef {
        id,
        host: spec.host.clone(),
        client_port: port,
    })
}
