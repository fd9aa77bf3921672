//! Leader hand-off before the leader's restart: a reconfig that removes the leader (it picks a
//! successor and hands over without waiting for an election timeout), then one that adds it
//! back as a voter. Each is planned and previewed by the planner, carries the config version it
//! expects, and is audited before and after (`workflow::executor`). The old leader is then an
//! ordinary follower, and its restart costs no election.

use crate::audit::AuditLog;
use crate::config::{Credentials, Thresholds};
use crate::health::summarize;
use crate::probe::round::{observe, Discovery};
use crate::probe::secure::TlsPorts;
use crate::report::hex;
use crate::workflow::executor::{can_write_config, cluster_state, Executor};
use crate::workflow::roll::{handoff_blocker, HandoffMode, HandoffResult};
use crate::workflow::{plan, Goal, Mode};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub struct Handoff {
    pub mode: HandoffMode,
    pub connect: String,
    pub credentials: Option<Credentials>,
    pub tls: TlsPorts,
    pub ensemble: String,
    pub discovery: Arc<Discovery>,
    pub thresholds: Thresholds,
    /// How long the successor and the re-added member may take.
    pub timeout: Duration,
}

impl Handoff {
    /// Moves leadership off `leader`; says why not when it cannot.
    pub async fn run(&self, leader: u64) -> HandoffResult {
        let not = |why: String| match self.mode {
            HandoffMode::Always => HandoffResult::Failed(why),
            _ => HandoffResult::Skipped(why),
        };
        if self.mode == HandoffMode::Never {
            return HandoffResult::Skipped("no hand-off (--handoff never)".into());
        }
        let client = match crate::zk::connect_session(
            &self.connect,
            self.discovery.opts.timeout,
            self.credentials.as_ref(),
            &self.tls,
        )
        .await
        {
            Ok(c) => c,
            Err(e) => return not(format!("no session for the reconfig: {e}")),
        };
        let audit = match AuditLog::open_default().await {
            Ok(a) => a,
            Err(e) => return not(format!("the reconfig could not be audited: {e}")),
        };
        let identity = self.credentials.as_ref().map(Credentials::digest_identity);
        let can_write = can_write_config(&client, identity.as_deref()).await;
        let executor = Executor {
            client: &client,
            ensemble: self.ensemble.clone(),
            auth_user: self.credentials.as_ref().map(|c| c.user.clone()),
            audit,
            probe: self.discovery.opts,
            admin: self.discovery.admin.clone(),
        };
        let Some(config) = executor.reread().await else {
            return not("/zookeeper/config could not be read".into());
        };
        if let Some(why) = handoff_blocker(&config, can_write) {
            return not(why);
        }
        let Some(spec) = config.servers.get(&leader).cloned() else {
            return not(format!("member {leader} is not in the membership"));
        };
        // 1. Remove the leader: it hands leadership to a successor it picks.
        let removed = match self.step(&executor, can_write, vec![], vec![leader]).await {
            Ok(v) => v,
            Err(StepFailure::NothingChanged(why)) => return not(why),
            Err(StepFailure::Changed(why)) => return HandoffResult::Failed(why),
        };
        let successor = match self.new_leader(leader).await {
            Some(l) => l,
            None => {
                return HandoffResult::Failed(format!(
                "member {leader} was removed (version {}) but no other member leads within {} s; \
                     add it back with expand once a leader is elected",
                hex(removed),
                self.timeout.as_secs()
            ))
            }
        };
        // 2. Add it back as a voter once it follows the successor as a non-voting member (the
        // planner refuses to add a member it does not see running and in sync).
        if !self.serves(leader).await {
            return HandoffResult::Failed(format!(
                "member {leader} was removed and leadership moved to member {successor}, but it \
                 does not serve as a non-voting follower within {} s; add it with expand",
                self.timeout.as_secs()
            ));
        }
        match self.step(&executor, can_write, vec![spec], vec![]).await {
            Ok(added) => HandoffResult::Moved(format!(
                "leadership moved from member {leader} to member {successor} (versions {} → {}), \
                 member {leader} is a voting follower again",
                hex(removed),
                hex(added)
            )),
            Err(StepFailure::NothingChanged(why) | StepFailure::Changed(why)) => {
                HandoffResult::Failed(format!(
                    "member {leader} was removed and leadership moved to member {successor}, \
                     but adding it back failed: {why}; it runs as a non-voting follower — add it \
                     with expand before anything else"
                ))
            }
        }
    }

    /// One planned, previewed reconfig with the version it expects; the new version.
    async fn step(
        &self,
        executor: &Executor<'_>,
        can_write: Option<bool>,
        add: Vec<crate::ensemble::ServerSpec>,
        remove: Vec<u64>,
    ) -> Result<u64, StepFailure> {
        let obs = observe(&self.discovery, None).await;
        let Some(state) = cluster_state(&obs, can_write) else {
            return Err(StepFailure::NothingChanged(
                "no member told the membership".into(),
            ));
        };
        let goal = Goal {
            add,
            remove,
            mode: Mode::Stepwise,
        };
        let p = plan(&state, &goal);
        let step = match (p.safe, p.steps.as_slice()) {
            (true, [one]) => one.clone(),
            _ => {
                return Err(StepFailure::NothingChanged(format!(
                    "the planner refuses it: {}",
                    p.blocked.unwrap_or_else(|| "not one safe step".into())
                )))
            }
        };
        let version = executor
            .reread()
            .await
            .and_then(|c| c.version)
            .ok_or_else(|| StepFailure::NothingChanged("/zookeeper/config unreadable".into()))?;
        match executor.run_step(&step, version).await {
            Ok(r) => Ok(r.new_version.unwrap_or(0)),
            Err(e)
                if e.current
                    .as_ref()
                    .is_some_and(|c| c.version == Some(version)) =>
            {
                Err(StepFailure::NothingChanged(e.message))
            }
            Err(e) => Err(StepFailure::Changed(e.message)),
        }
    }

    /// Whether member `id` serves (as a non-voting follower after its removal) within the
    /// timeout.
    async fn serves(&self, id: u64) -> bool {
        let deadline = Instant::now() + self.timeout;
        while Instant::now() < deadline {
            let obs = observe(&self.discovery, None).await;
            if obs
                .members
                .iter()
                .any(|m| m.id == Some(id) && m.role.is_serving())
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    }

    /// The member that leads once `old` no longer does, within the timeout.
    async fn new_leader(&self, old: u64) -> Option<u64> {
        let deadline = Instant::now() + self.timeout;
        while Instant::now() < deadline {
            let obs = observe(&self.discovery, None).await;
            let health = summarize(obs.config.as_ref(), &obs.members, &self.thresholds);
            match health.leader {
                Some(l) if l != old => return Some(l),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        None
    }
}

enum StepFailure {
    /// Refused or failed with the membership as it was: the roll may go on the usual way.
    NothingChanged(String),
    /// The membership may have changed: the roll must halt.
    Changed(String),
}
