//! `plan`'s verdict on a membership change: safe, warning (the end state tolerates no
//! failure), unsafe, or no credentials, each with its exit code. `apply` acts on the same.

use zkconsole::ensemble::quorum::quorum_size;
use zkconsole::workflow::{plan, ClusterState, Goal, Plan};

/// What `plan` concludes. Exit codes: 0 safe, 1 warning (safe, but the end state tolerates
/// no failure), 2 unsafe, 77 no credentials to reconfig with (EX_NOPERM).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictKind {
    Safe,
    Warning,
    Unsafe,
    NoCredentials,
}

pub struct Verdict {
    pub kind: VerdictKind,
    pub reason: Option<String>,
}

pub const NO_CREDENTIALS: &str =
    "no credentials for reconfig: set ZKCONSOLE_DIGEST or digest_file \
     (a digest user allowed to write /zookeeper/config, usually the super user)";

impl Verdict {
    pub fn code(&self) -> i32 {
        match self.kind {
            VerdictKind::Safe => 0,
            VerdictKind::Warning => 1,
            VerdictKind::Unsafe => 2,
            VerdictKind::NoCredentials => 77,
        }
    }

    pub fn line(&self) -> String {
        let word = match self.kind {
            VerdictKind::Safe => "SAFE",
            VerdictKind::Warning => "WARNING",
            VerdictKind::Unsafe => "UNSAFE",
            VerdictKind::NoCredentials => "NO CREDENTIALS",
        };
        match &self.reason {
            Some(why) => format!("verdict: {word}: {why}\n"),
            None => format!("verdict: {word}\n"),
        }
    }
}

/// The plan and its verdict. Missing credentials are judged apart from safety: the plan is
/// made as if we could write, so the operator sees whether the change itself is safe.
pub fn judge(state: &ClusterState, goal: &Goal, has_credentials: bool) -> (Plan, Verdict) {
    let p = plan(state, goal);
    if !p.safe && state.can_write_config == Some(false) && !has_credentials {
        let mut could_write = state.clone();
        could_write.can_write_config = Some(true);
        let q = plan(&could_write, goal);
        let verdict = if q.safe {
            Verdict {
                kind: VerdictKind::NoCredentials,
                reason: Some(NO_CREDENTIALS.into()),
            }
        } else {
            Verdict {
                kind: VerdictKind::Unsafe,
                reason: Some(format!(
                    "{}; and {NO_CREDENTIALS}",
                    q.blocked.clone().unwrap_or_default()
                )),
            }
        };
        return (q, verdict);
    }
    let verdict = if !p.safe {
        Verdict {
            kind: VerdictKind::Unsafe,
            reason: p.blocked.clone(),
        }
    } else if let Some(why) = fragile_end(&p) {
        Verdict {
            kind: VerdictKind::Warning,
            reason: Some(why),
        }
    } else {
        Verdict {
            kind: VerdictKind::Safe,
            reason: None,
        }
    };
    (p, verdict)
}

/// Why the membership the plan ends with tolerates no failure, if it does not: nominally
/// (1 or 2 voters) or with the members live now.
fn fragile_end(p: &Plan) -> Option<String> {
    let last = p.steps.last()?;
    let voters = p.goal_config.voter_ids().len();
    let quorum = quorum_size(voters);
    let nominal = voters.saturating_sub(quorum);
    let plural = if voters == 1 { "" } else { "s" };
    if nominal == 0 {
        return Some(format!(
            "the end state tolerates no failure: {voters} voter{plural}, quorum {quorum}; \
             any voter down stops the ensemble"
        ));
    }
    let live = last.preview.live_voters_after.len();
    (last.preview.tolerance_after == Some(0)).then(|| {
        format!(
            "the end state tolerates no failure with the members live now: {live} of \
             {voters} voters serve, quorum {quorum} (nominally {nominal} may fail)"
        )
    })
}
