//! Every host action in the audit log: the intent before it runs (or it does not run), the
//! result after.

use super::{Action, ActionError, ActionOutput, HostActions, MemberRef};
use crate::audit::{AuditLog, AuditRecord};
use futures::future::BoxFuture;
use futures::FutureExt;

pub struct Audited<H> {
    inner: H,
    log: AuditLog,
    ensemble: String,
}

impl<H: HostActions> Audited<H> {
    pub fn new(inner: H, log: AuditLog, ensemble: &str) -> Audited<H> {
        Audited {
            inner,
            log,
            ensemble: ensemble.to_string(),
        }
    }

    fn record(&self, action: &Action, member: &MemberRef) -> AuditRecord {
        let mut rec = AuditRecord::new(
            &self.ensemble,
            &format!("host-{}", action.name()),
            &format!("member {} ({})", member.id, member.host),
            None,
        );
        rec.before = self.inner.describe(action, member).ok();
        rec
    }

    /// Appends off the runtime's workers: the append syncs the file to disk.
    async fn append(&self, rec: AuditRecord) -> Result<(), String> {
        let log = self.log.clone();
        tokio::task::spawn_blocking(move || log.append(&rec))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("{}: {e}", self.log.path().display()))
    }
}

impl<H: HostActions> HostActions for Audited<H> {
    fn describe(&self, action: &Action, member: &MemberRef) -> Result<String, ActionError> {
        self.inner.describe(action, member)
    }

    fn run<'a>(
        &'a self,
        action: &'a Action,
        member: &'a MemberRef,
    ) -> BoxFuture<'a, Result<ActionOutput, ActionError>> {
        async move {
            let mut rec = self.record(action, member);
            rec.result = "intent".into();
            self.append(rec.clone()).await.map_err(ActionError::Audit)?;
            let outcome = self.inner.run(action, member).await;
            rec.time = crate::audit::rfc3339(std::time::SystemTime::now());
            match &outcome {
                Ok(out) => {
                    rec.result = "ok".into();
                    rec.after = Some(out.summary());
                }
                Err(e) => rec.result = e.to_string(),
            }
            // The action ran: a failed result record is logged, not turned into a failure.
            if let Err(e) = self.append(rec).await {
                tracing::error!("audit: the result of a host action was not recorded: {e}");
            }
            outcome
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts runs; the stand-in for a host in unit tests.
    struct Fake(AtomicUsize);

    impl HostActions for Fake {
        fn describe(&self, a: &Action, m: &MemberRef) -> Result<String, ActionError> {
            Ok(format!("{} {}", a.name(), m.id))
        }
        fn run<'a>(
            &'a self,
            _: &'a Action,
            _: &'a MemberRef,
        ) -> BoxFuture<'a, Result<ActionOutput, ActionError>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            async {
                Ok(ActionOutput {
                    argv: vec![],
                    code: Some(0),
                    stdout: vec![],
                    stderr: String::new(),
                    elapsed: Default::default(),
                })
            }
            .boxed()
        }
    }

    fn member() -> MemberRef {
        MemberRef {
            id: 1,
            host: "zk1".into(),
            client_port: 2181,
        }
    }

    #[tokio::test]
    async fn intent_and_result_are_recorded_around_the_action() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::at(&dir.path().join("audit.jsonl"));
        let h = Audited::new(Fake(AtomicUsize::new(0)), log.clone(), "prod");
        h.run(&Action::Stop, &member()).await.unwrap();
        let lines = log.read_all().unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["result"], "intent");
        assert_eq!(lines[0]["action"], "host-stop");
        assert_eq!(lines[0]["before"], "stop 1");
        assert_eq!(lines[1]["result"], "ok");
    }

    #[tokio::test]
    async fn an_action_whose_intent_cannot_be_recorded_does_not_run() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the log file should be: every append fails.
        let path = dir.path().join("audit.jsonl");
        std::fs::create_dir(&path).unwrap();
        let h = Audited::new(Fake(AtomicUsize::new(0)), AuditLog::at(&path), "prod");
        let e = h.run(&Action::Start, &member()).await.unwrap_err();
        assert!(matches!(e, ActionError::Audit(_)), "{e}");
        assert_eq!(h.inner.0.load(Ordering::SeqCst), 0);
    }
}
