//! Executing planned steps through ZooKeeper's dynamic reconfiguration: every step is a
//! conditional reconfig (it carries the config version the preview was made against), every
//! outcome is re-read from `/zookeeper/config` before it is reported, verified on the members,
//! and recorded in the audit log.

use super::{ClusterState, MemberStatus, Step};
use crate::audit::{AuditLog, AuditRecord};
use crate::ensemble::EnsembleConfig;
use crate::probe::member::{probe_member, ProbeOptions, ProbeTarget};
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

/// The planner's view of an observed ensemble. `can_write` comes from the ACL check.
pub fn cluster_state(obs: &Observation, can_write: Option<bool>) -> Option<ClusterState> {
    let config = obs.config.clone()?;
    let mut members = BTreeMap::new();
    for m in &obs.members {
        let Some(id) = m.id else { continue };
        members.insert(
            id,
            MemberStatus {
                live: m.role.is_serving(),
                synced: matches!(
                    m.role,
                    Role::Leader | Role::Follower | Role::Observer | Role::NonVoting
                ),
                is_leader: m.role == Role::Leader,
            },
        );
    }
    Some(ClusterState {
        config,
        members,
        reconfig_enabled: None,
        reconfig_in_progress: false,
        can_write_config: can_write,
        standalone_enabled: None,
    })
}

/// Whether our session may write `/zookeeper/config`: granted by its ACL to anyone or to our
/// digest identity. A super user is not listed in ACLs, so with credentials the answer may be
/// "unknown" rather than "no".
pub async fn can_write_config(client: &zkc::Client, digest_identity: Option<&str>) -> Option<bool> {
    let (acls, _) = client.get_acl("/zookeeper/config").await.ok()?;
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
        rec.before = Some(step.before.to_text());
        rec.expected_version = Some(hex(expected));
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
                    rec.after = now.as_ref().map(EnsembleConfig::to_text);
                    rec.result = format!("error: {why}; {state}");
                    self.record(&rec);
                    return Err(StepError {
                        message: format!("{why}. {state}."),
                        current: now,
                    });
                }
            },
        };
        rec.after = Some(config.to_text());
        rec.new_version = config.version.map(hex);
        rec.result = match &committed_despite {
            Some(w) => format!("ok (committed; the call reported: {w})"),
            None => "ok".into(),
        };
        self.record(&rec);
        let mut report = StepReport {
            new_version: config.version,
            config: config.clone(),
            committed_despite,
            verification: Vec::new(),
            may_stop: Vec::new(),
        };
        self.verify(step, &config, &mut report).await;
        Ok(report)
    }

    fn record(&self, rec: &AuditRecord) {
        if let Err(e) = self.audit.append(rec) {
            tracing::error!(error = %e, path = %self.audit.path().display(), "audit log write failed");
        }
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
        let deadline = Instant::now() + VERIFY_TIMEOUT;
        for (id, addr) in &targets {
            loop {
                let seen = four_letter_word(addr, "conf", self.probe.timeout, self.probe.reply_cap)
                    .await
                    .ok()
                    .and_then(|t| EnsembleConfig::parse(&t).ok())
                    .and_then(|c| c.version);
                match (seen, version) {
                    (Some(s), Some(v)) if s >= v => {
                        report
                            .verification
                            .push(format!("member {id} sees version {}", hex(s)));
                        break;
                    }
                    _ if Instant::now() >= deadline => {
                        report.verification.push(format!(
                            "member {id} does not show version {} yet (down, or still syncing)",
                            version.map_or("?".into(), hex)
                        ));
                        break;
                    }
                    _ => sleep(Duration::from_millis(200)).await,
                }
            }
        }
        // 2. Added servers serve in their new role.
        for spec in &step.joining {
            let Some(address) = spec.client_address() else {
                continue;
            };
            let target = ProbeTarget {
                id: Some(spec.id),
                admin_url: self.admin.url_for(Some(spec.id), &address),
                address,
            };
            let want = if spec.is_voter() {
                &[Role::Leader, Role::Follower][..]
            } else {
                &[Role::Observer][..]
            };
            let mut role = Role::Down;
            while Instant::now() < deadline {
                role = probe_member(&target, self.probe).await.role;
                if want.contains(&role) {
                    break;
                }
                sleep(Duration::from_millis(200)).await;
            }
            report.verification.push(if want.contains(&role) {
                format!("member {} serves as {role}", spec.id)
            } else {
                format!("member {} is {role}, not yet {}", spec.id, want[0])
            });
        }
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

    /// Creates and deletes a marker znode, each write with its expected version and audited.
    async fn commit_marker_write(&self) -> Result<(), String> {
        let path = format!("/zkconsole-reconfig-commit-{}", std::process::id());
        let opts = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
        let mut rec = AuditRecord::new(&self.ensemble, "create", &path, self.auth_user.as_deref());
        rec.expected_version = Some("absent".into());
        let created = self
            .client
            .create(&path, b"reconfig commit marker", &opts)
            .await;
        rec.result = match &created {
            Ok(_) => "ok".into(),
            Err(e) => format!("error: {e}"),
        };
        rec.new_version = created.as_ref().ok().map(|(s, _)| s.version.to_string());
        self.record(&rec);
        let (stat, _) = created.map_err(|e| e.to_string())?;
        let mut rec = AuditRecord::new(&self.ensemble, "delete", &path, self.auth_user.as_deref());
        rec.expected_version = Some(stat.version.to_string());
        let deleted = self.client.delete(&path, Some(stat.version)).await;
        rec.result = match &deleted {
            Ok(()) => "ok".into(),
            Err(e) => format!("error: {e}"),
        };
        self.record(&rec);
        deleted.map_err(|e| e.to_string())
    }
}

/// Same servers with the same specs (the version may differ).
pub fn same_members(a: &EnsembleConfig, b: &EnsembleConfig) -> bool {
    a.servers == b.servers
}
