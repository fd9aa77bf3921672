//! Executing planned steps through ZooKeeper's dynamic reconfiguration: every step is a
//! conditional reconfig (it carries the config version the preview was made against), every
//! outcome is re-read from `/zookeeper/config` before it is reported, verified on the members,
//! and recorded in the audit log.

use super::{ClusterState, MemberStatus, Step};
use crate::audit::{AuditLog, AuditRecord};
use crate::ensemble::EnsembleConfig;
use crate::probe::member::{probe_member, MemberSnapshot, ProbeOptions, ProbeTarget};
use crate::probe::round::{AdminLocator, Observation};
use crate::probe::transport::four_letter_word;
use crate::probe::types::Role;
use crate::report::hex;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::{sleep, timeout, Instant};
use zookeeper_client as zkc;

/// How long verification waits for members to catch up with a committed change.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(20);
/// The leader must get a majority of the new voters to acknowledge; allow for an election.
const RECONFIG_TIMEOUT: Duration = Duration::from_secs(30);
/// Bound on one ordinary call (ACL read, marker create/stat/delete): the client's own
/// request timeout is the session's, which a hung connection may never reach.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// The planner's view of an observed ensemble. `can_write` comes from the ACL check.
pub fn cluster_state(obs: &Observation, can_write: Option<bool>) -> Option<ClusterState> {
    let snaps: Vec<&MemberSnapshot> = obs.members.iter().collect();
    Some(cluster_state_of(obs.config.as_ref()?, &snaps, can_write))
}

/// The planner's view from a membership and what the members answered.
pub fn cluster_state_of(
    config: &EnsembleConfig,
    snaps: &[&MemberSnapshot],
    can_write: Option<bool>,
) -> ClusterState {
    let members = snaps
        .iter()
        .filter_map(|m| {
            let status = MemberStatus {
                live: m.role.is_serving(),
                synced: matches!(
                    m.role,
                    Role::Leader | Role::Follower | Role::Observer | Role::NonVoting
                ),
                is_leader: m.role == Role::Leader,
            };
            Some((m.id?, status))
        })
        .collect();
    ClusterState {
        config: config.clone(),
        members,
        reconfig_enabled: None,
        reconfig_in_progress: false,
        can_write_config: can_write,
        standalone_enabled: None,
    }
}

/// Whether our session may write `/zookeeper/config`: granted by its ACL to anyone or to our
/// digest identity. A super user is not listed in ACLs, so with credentials the answer may be
/// "unknown" rather than "no".
pub async fn can_write_config(client: &zkc::Client, digest_identity: Option<&str>) -> Option<bool> {
    // No answer in time: unknown, as for any other failure to read the ACL.
    let (acls, _) = timeout(CALL_TIMEOUT, client.get_acl("/zookeeper/config"))
        .await
        .ok()?
        .ok()?;
    let writes = |a: &zkc::Acl| a.permission().has(zkc::Permission::WRITE);
    let granted = acls.iter().any(|a| {
        writes(a)
            && ((a.scheme() == "world" && a.id() == "anyone")
                || (a.scheme() == "digest" && Some(a.id()) == digest_identity))
    });
    if granted {
        Some(true)
    } else if digest_identity.is_some() {
        None
    } else {
        Some(false)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepReport {
    pub new_version: Option<u64>,
    pub config: EnsembleConfig,
    /// The call failed on the wire but the re-read shows the change committed (typical when
    /// the removed server was the leader).
    pub committed_despite: Option<String>,
    pub verification: Vec<String>,
    /// Servers removed by this step that may now be stopped.
    pub may_stop: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct StepError {
    /// What the server answered, in plain words, and what it means.
    pub message: String,
    /// The membership after the failure, as re-read.
    pub current: Option<EnsembleConfig>,
}

/// What a reconfig error means for the operator.
pub fn explain(e: &zkc::Error, expected: u64) -> String {
    match e {
        zkc::Error::BadVersion => format!(
            "the membership changed since this step was previewed (expected version {}): \
             another client reconfigured; re-plan against the current membership",
            hex(expected)
        ),
        zkc::Error::NoAuth => "no WRITE permission on /zookeeper/config: connect with the digest \
             super user (digest_file in the config, or ZKCONSOLE_DIGEST=user:password)"
            .into(),
        zkc::Error::ReconfigDisabled => {
            "the servers run with reconfigEnabled=false: dynamic reconfiguration is off".into()
        }
        zkc::Error::UnexpectedErrorCode(-13) => "the leader refused (NewConfigNoQuorum): a \
             majority of the new voters is not connected and synced to it right now; start the \
             new servers and wait until they are synced"
            .into(),
        zkc::Error::UnexpectedErrorCode(-14) => {
            "another reconfig is in progress (ReconfigInProgress); retry once it commits".into()
        }
        zkc::Error::ConnectionLoss => {
            "the connection was lost during the reconfig (expected when the leader is removed)"
                .into()
        }
        other => format!("the server answered: {other}"),
    }
}

pub struct Executor<'a> {
    pub client: &'a zkc::Client,
    pub ensemble: String,
    pub auth_user: Option<String>,
    pub audit: AuditLog,
    pub probe: ProbeOptions,
    pub admin: AdminLocator,
}

impl Executor<'_> {
    /// Runs one step with the version the preview was made against.
    pub async fn run_step(&self, step: &Step, expected: u64) -> Result<StepReport, StepError> {
        let joining: Vec<String> = step.joining.iter().map(|s| s.to_line()).collect();
        let leaving: Vec<String> = step.leaving.iter().map(|id| id.to_string()).collect();
        let update = zkc::EnsembleUpdate::Incremental {
            joinings: joining.iter().map(String::as_str),
            leavings: leaving.iter().map(String::as_str),
        };
        let mut rec = AuditRecord::new(
            &self.ensemble,
            "reconfig",
            "/zookeeper/config",
            self.auth_user.as_deref(),
        );
        // The plan's later steps were made before the earlier ones gave their versions.
        let mut before = step.before.clone();
        before.version = Some(expected);
        rec.before = Some(before.to_text());
        rec.expected_version = Some(hex(expected));
        rec.after = Some(step.after.to_text());
        // Recorded before it is sent: a change that cannot be audited is not made.
        let mut intent = self.audit.intend(rec).await.map_err(|e| StepError {
            message: format!(
                "refused: the reconfig was not sent because it could not be audited ({e}); \
                 nothing was changed"
            ),
            current: None,
        })?;
        let call = timeout(
            RECONFIG_TIMEOUT,
            self.client.update_ensemble(update, Some(expected as i64)),
        )
        .await;
        let outcome = match call {
            Ok(Ok((data, stat))) => {
                let text = String::from_utf8_lossy(&data);
                let mut cfg = EnsembleConfig::parse(&text).unwrap_or_else(|_| step.after.clone());
                cfg.version = cfg.version.or(Some(stat.mzxid as u64));
                Ok((cfg, None))
            }
            Ok(Err(e)) => Err(explain(&e, expected)),
            Err(_) => Err(format!(
                "no answer to the reconfig within {}s",
                RECONFIG_TIMEOUT.as_secs()
            )),
        };
        // Never trust the wire alone: what is committed is what /zookeeper/config says now.
        let (config, committed_despite) = match outcome {
            Ok(ok) => ok,
            Err(why) => match self.reread().await {
                Some(now) if same_members(&now, &step.after) => (now, Some(why)),
                now => {
                    let state = match &now {
                        Some(c) => format!(
                            "nothing changed: the membership is still version {}",
                            c.version.map_or("?".into(), hex)
                        ),
                        None => "the membership could not be re-read to confirm".into(),
                    };
                    intent.record.after = now.as_ref().map(EnsembleConfig::to_text);
                    let _ = intent.finish(format!("error: {why}; {state}")).await;
                    return Err(StepError {
                        message: format!("{why}. {state}."),
                        current: now,
                    });
                }
            },
        };
        intent.record.after = Some(config.to_text());
        intent.record.new_version = config.version.map(hex);
        let unrecorded = intent
            .finish(match &committed_despite {
                Some(w) => format!("ok (committed; the call reported: {w})"),
                None => "ok".into(),
            })
            .await
            .err();
        let mut report = StepReport {
            new_version: config.version,
            config: config.clone(),
            committed_despite,
            verification: Vec::new(),
            may_stop: Vec::new(),
        };
        if let Some(e) = unrecorded {
            report.verification.push(format!(
                "the change is made but its result is not in the audit log: {e}"
            ));
        }
        self.verify(step, &config, &mut report).await;
        Ok(report)
    }

    /// Re-reads the membership, riding out a reconnect (after a leader hand-off).
    pub async fn reread(&self) -> Option<EnsembleConfig> {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Ok((data, stat))) =
                timeout(Duration::from_secs(3), self.client.get_config()).await
            {
                let mut cfg = EnsembleConfig::parse(&String::from_utf8_lossy(&data)).ok()?;
                cfg.version = cfg.version.or(Some(stat.mzxid as u64));
                return Some(cfg);
            }
            sleep(Duration::from_millis(200)).await;
        }
        None
    }

    async fn verify(&self, step: &Step, config: &EnsembleConfig, report: &mut StepReport) {
        let version = config.version;
        // 1. Every live member of the new config (and removed ones still running) sees it.
        let targets: Vec<(u64, String)> = config
            .servers
            .values()
            .chain(step.before.servers.values())
            .filter_map(|s| Some((s.id, s.client_address()?)))
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .collect();
        // All members are checked at once, each against the same deadline: one member that
        // is down costs the wait once, not once per member after it.
        let deadline = Instant::now() + VERIFY_TIMEOUT;
        let seen = futures::future::join_all(
            targets
                .iter()
                .map(|(_, addr)| self.await_version(addr, version, deadline)),
        )
        .await;
        for ((id, _), outcome) in targets.iter().zip(seen) {
            report.verification.push(match outcome {
                Ok(s) => format!("member {id} sees version {}", hex(s)),
                Err(why) => format!(
                    "member {id} does not show version {} yet ({why})",
                    version.map_or("?".into(), hex)
                ),
            });
        }
        // 2. Added servers serve in their new role (each with the full budget of its own).
        let checks = step.joining.iter().filter_map(|spec| {
            let address = spec.client_address()?;
            let target = ProbeTarget {
                id: Some(spec.id),
                admin_url: self.admin.url_for(Some(spec.id), &address),
                address,
            };
            Some(async move {
                let want = if spec.is_voter() {
                    &[Role::Leader, Role::Follower][..]
                } else {
                    &[Role::Observer][..]
                };
                let deadline = Instant::now() + VERIFY_TIMEOUT;
                let mut role = probe_member(&target, self.probe).await.role;
                while !want.contains(&role) && Instant::now() < deadline {
                    sleep(Duration::from_millis(200)).await;
                    role = probe_member(&target, self.probe).await.role;
                }
                if want.contains(&role) {
                    format!("member {} serves as {role}", spec.id)
                } else {
                    let as_what = if spec.is_voter() {
                        "a voter"
                    } else {
                        "an observer"
                    };
                    format!("member {} is {role}, not yet serving as {as_what}", spec.id)
                }
            })
        });
        report
            .verification
            .extend(futures::future::join_all(checks).await);
        // 3. A removed server keeps running as a non-voting follower; one ordinary write,
        //    committed, makes sure it has seen its removal before it is stopped.
        if !step.leaving.is_empty() {
            match self.commit_marker_write().await {
                Ok(()) => {
                    report.may_stop = step.leaving.clone();
                    report.verification.push(format!(
                        "an ordinary write committed after the change; server(s) {} may now be stopped",
                        step.leaving.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
                    ));
                }
                Err(e) => report.verification.push(format!(
                    "the write after removal failed ({e}); do not stop the removed server(s) yet"
                )),
            }
        }
    }

    /// Polls `conf` on one member until it shows `version` (or the deadline passes).
    async fn await_version(
        &self,
        addr: &str,
        version: Option<u64>,
        deadline: Instant,
    ) -> Result<u64, String> {
        loop {
            let answer =
                four_letter_word(addr, "conf", self.probe.timeout, self.probe.reply_cap).await;
            let why = match &answer {
                Ok(t) => match EnsembleConfig::parse(t).ok().and_then(|c| c.version) {
                    Some(s) if version.is_some_and(|v| s >= v) => return Ok(s),
                    Some(s) => format!("it shows {}", hex(s)),
                    None => "it does not serve".to_string(),
                },
                Err(crate::probe::transport::TransportError::Refused(_)) => {
                    return Err("it is down".into());
                }
                Err(e) => e.to_string(),
            };
            if Instant::now() >= deadline {
                return Err(why);
            }
            sleep(Duration::from_millis(200)).await;
        }
    }

    /// Creates and deletes a marker znode, each write with its expected version and audited.
    /// Removing the leader drops its client connections: the write is retried across that.
    async fn commit_marker_write(&self) -> Result<(), String> {
        let deadline = Instant::now() + VERIFY_TIMEOUT;
        loop {
            match self.marker_once().await {
                Err(MarkerError::Retry(why)) if Instant::now() < deadline => {
                    tracing::info!(why = %why, "commit write retried");
                    sleep(Duration::from_millis(200)).await;
                }
                Err(MarkerError::Retry(why)) | Err(MarkerError::Fatal(why)) => return Err(why),
                Ok(()) => return Ok(()),
            }
        }
    }

    async fn marker_once(&self) -> Result<(), MarkerError> {
        let path = format!("/zkconsole-reconfig-commit-{}", std::process::id());
        let opts = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
        let mut rec = AuditRecord::new(&self.ensemble, "create", &path, self.auth_user.as_deref());
        rec.expected_version = Some("absent".into());
        let mut intent = self.intend(rec).await?;
        let created = bounded(self.client.create(&path, b"reconfig commit marker", &opts)).await;
        intent.record.new_version = created.as_ref().ok().map(|(s, _)| s.version.to_string());
        let _ = intent.finish_with(&created).await;
        let stat = match created {
            Ok((stat, _)) => stat,
            // A retry after a lost connection may find our own earlier create committed.
            Err(zkc::Error::NodeExists) => match bounded(self.client.check_stat(&path)).await {
                Ok(Some(s)) => s,
                Ok(None) => return Err(MarkerError::Retry("marker vanished".into())),
                Err(e) => return Err(MarkerError::of(e)),
            },
            Err(e) => return Err(MarkerError::of(e)),
        };
        let mut rec = AuditRecord::new(&self.ensemble, "delete", &path, self.auth_user.as_deref());
        rec.expected_version = Some(stat.version.to_string());
        let intent = self.intend(rec).await?;
        let deleted = bounded(self.client.delete(&path, Some(stat.version))).await;
        let _ = intent.finish_with(&deleted).await;
        match deleted {
            Ok(()) | Err(zkc::Error::NoNode) => Ok(()),
            Err(e) => Err(MarkerError::of(e)),
        }
    }

    /// Records the intent of a marker write; the write is not made without it.
    async fn intend(&self, rec: AuditRecord) -> Result<crate::audit::Intent, MarkerError> {
        self.audit.intend(rec).await.map_err(|e| {
            MarkerError::Fatal(format!("refused: the write could not be audited ({e})"))
        })
    }
}

/// One ZooKeeper call with [`CALL_TIMEOUT`]; no answer in time counts as a timeout, which the
/// marker retries like a lost connection.
async fn bounded<T>(
    call: impl std::future::Future<Output = Result<T, zkc::Error>>,
) -> Result<T, zkc::Error> {
    timeout(CALL_TIMEOUT, call)
        .await
        .unwrap_or(Err(zkc::Error::Timeout))
}

enum MarkerError {
    /// The connection went away (a leader hand-off): try again.
    Retry(String),
    Fatal(String),
}

impl MarkerError {
    fn of(e: zkc::Error) -> MarkerError {
        match e {
            zkc::Error::ConnectionLoss | zkc::Error::Timeout | zkc::Error::SessionMoved => {
                MarkerError::Retry(e.to_string())
            }
            other => MarkerError::Fatal(other.to_string()),
        }
    }
}

/// Same servers with the same specs (the version may differ).
pub fn same_members(a: &EnsembleConfig, b: &EnsembleConfig) -> bool {
    a.servers == b.servers
}
