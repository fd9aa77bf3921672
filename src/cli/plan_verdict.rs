//! `plan`'s verdict on a membership change: safe, warning (the end state tolerates no
//! failure), unsafe, or no credentials, each with its exit code. `apply` acts on the same.

use zkconsole::ensemble::quorum::quorum_size;
use zkconsole::workflow::quorum_views::{disjoint_quorums, ids};
// (the checks of the static procedure, run on dynamic batches too)
use zkconsole::workflow::{plan, ClusterState, Goal, Mode, Plan, Severity, Warning, WarningKind};

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
    let mut p = plan(state, goal);
    if goal.mode == Mode::Batch {
        mixed_list_check(&mut p);
    }
    if !p.safe && state.can_write_config == Some(false) && !has_credentials {
        let mut could_write = state.clone();
        could_write.can_write_config = Some(true);
        let mut q = plan(&could_write, goal);
        if goal.mode == Mode::Batch {
            mixed_list_check(&mut q);
        }
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
    } else if let Some(why) = fragile_end(&p).or_else(|| disjoint_lists(&p)) {
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

/// The static procedure's intersection check on a batch reconfig: when a quorum of the old
/// voters and one of the new can be disjoint, the change relies entirely on reconfig's joint
/// commit; a member left on the old list (restarted from a stale file) could elect its own
/// leader. Said as a warning on the step.
fn mixed_list_check(p: &mut Plan) {
    for step in &mut p.steps {
        let pv = &step.preview;
        if let Some(split) = disjoint_quorums(&pv.voters_before, &pv.voters_after) {
            let text = format!(
                "the old and new voter lists have quorums that share no member ({} of the old, \
                 {} of the new): reconfig commits only with both, but a member restarted on the \
                 old list could elect a second leader; stepwise keeps every pair of quorums \
                 overlapping",
                ids(&split.first),
                ids(&split.second)
            );
            step.preview
                .push(Warning::new(WarningKind::BatchRisk, Severity::Warn, text));
        }
    }
}

/// The mixed-list warning of a batch step, if one was found.
fn disjoint_lists(p: &Plan) -> Option<String> {
    p.steps
        .iter()
        .flat_map(|s| s.preview.warnings.iter())
        .find(|w| {
            w.kind == WarningKind::BatchRisk && w.text.starts_with("the old and new voter lists")
        })
        .map(|w| w.text.clone())
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use zkconsole::ensemble::{EnsembleConfig, ServerSpec};
    use zkconsole::workflow::MemberStatus;

    fn spec(id: u64) -> ServerSpec {
        ServerSpec::parse_line(&format!(
            "server.{id}=127.0.0.1:{}:{};{}",
            2000 + id,
            3000 + id,
            4000 + id
        ))
        .unwrap()
    }

    fn state() -> ClusterState {
        let text: String = (1..=3).map(|i| spec(i).to_line() + "\n").collect();
        let up = MemberStatus {
            live: true,
            synced: true,
            is_leader: false,
        };
        ClusterState {
            config: EnsembleConfig::parse(&(text + "version=100000000\n")).unwrap(),
            members: (1..=5)
                .map(|i| {
                    (
                        i,
                        MemberStatus {
                            is_leader: i == 3,
                            ..up
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>(),
            reconfig_enabled: Some(true),
            reconfig_in_progress: false,
            can_write_config: Some(true),
            standalone_enabled: Some(false),
        }
    }

    #[test]
    fn a_batch_whose_old_and_new_quorums_can_be_disjoint_is_a_warning() {
        let goal = |mode| Goal {
            add: vec![spec(4), spec(5)],
            remove: vec![],
            mode,
        };
        let (p, v) = judge(&state(), &goal(Mode::Batch), true);
        assert_eq!(v.kind, VerdictKind::Warning);
        let why = v.reason.unwrap();
        assert!(
            why.contains("share no member (1,2 of the old, 3,4,5 of the new)"),
            "{why}"
        );
        assert!(p.steps[0]
            .preview
            .warnings
            .iter()
            .any(|w| w.text.starts_with("the old and new")));
        // Stepwise, every step's lists overlap: no such warning.
        let (p, _) = judge(&state(), &goal(Mode::Stepwise), true);
        assert!(p
            .steps
            .iter()
            .flat_map(|s| &s.preview.warnings)
            .all(|w| !w.text.starts_with("the old and new")));
    }
}
