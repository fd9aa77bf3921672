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
            let rec = self.record(action, member);
            let mut intent = self
                .log
                .intend(rec)
                .await
                .map_err(|e| ActionError::Audit(e.to_string()))?;
            let outcome = self.inner.run(action, member).await;
            let result = match &outcome {
                Ok(out) => {
                    intent.record.after = Some(out.summary());
                    "ok".to_string()
                }
                Err(e) => format!("error: {e}"),
            };
            // The action ran: a result that cannot be recorded is logged (by `finish`), not
            // turned into a failure of the action.
            let _ = intent.finish(result).await;
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

    fn key() -> crate::config::DigestKey {
        crate::config::DigestKey::from_bytes([7; 32])
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
        let log = AuditLog::at(&dir.path().join("audit.jsonl"), key());
        let h = Audited::new(Fake(AtomicUsize::new(0)), log.clone(), "prod");
        h.run(&Action::Stop, &member()).await.unwrap();
        let lines = log.read_all().unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["phase"], "intent");
        assert_eq!(lines[0]["action"], "host-stop");
        assert_eq!(lines[0]["before"], "stop 1");
        assert_eq!(lines[1]["phase"], "result");
        assert_eq!(lines[1]["result"], "ok");
    }

    #[tokio::test]
    async fn an_action_whose_intent_cannot_be_recorded_does_not_run() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the log file should be: every append fails.
        let path = dir.path().join("audit.jsonl");
        std::fs::create_dir(&path).unwrap();
        let h = Audited::new(
            Fake(AtomicUsize::new(0)),
            AuditLog::at(&path, key()),
            "prod",
        );
        let e = h.run(&Action::Start, &member()).await.unwrap_err();
        assert!(matches!(e, ActionError::Audit(_)), "{e}");
        assert_eq!(h.inner.0.load(Ordering::SeqCst), 0);
    }
}
