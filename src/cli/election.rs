//! Is a leader elected? A plan made a moment after the leader died finds members that answer
//! but none that leads, and no membership (a server that is looking for a leader answers
//! `conf` with "not currently serving"). That is an election in progress, not a lost quorum:
//! it is waited for, bounded, and told apart from a quorum that cannot come back. (It lives
//! beside `plan` and `apply` because it observes the ensemble: the workflow layer stays pure.)

use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;
use zkconsole::ensemble::quorum::quorum_size;
use zkconsole::probe::round::Observation;
use zkconsole::probe::types::Role;

/// What one observation says about the ensemble's leadership.
#[derive(Debug, Clone, PartialEq)]
pub enum Leadership {
    /// A member leads (or a standalone server serves).
    Led { leader: Option<u64> },
    /// Members answer but none leads yet, and enough of them are up to elect one.
    Electing {
        answering: usize,
        up: usize,
        voters: usize,
    },
    /// Members answer but too few are up (answering or hung) to make a majority.
    NoQuorum { up: usize, voters: usize },
    /// No member answered at all.
    Unreachable { voters: usize },
}

impl Leadership {
    /// Classifies `obs`. `voters` is how many voters the ensemble has when the observation
    /// does not say (the membership last seen, or the hosts given); `ignore` lists addresses
    /// that are not voters whatever they answer (servers a goal is about to add).
    pub fn of(obs: &Observation, voters: usize, ignore: &[String]) -> Leadership {
        let considered = || obs.members.iter().filter(|m| !ignore.contains(&m.address));
        if let Some(m) = considered().find(|m| matches!(m.role, Role::Leader | Role::Standalone)) {
            return Leadership::Led { leader: m.id };
        }
        let voters = obs
            .config
            .as_ref()
            .map_or(voters, |c| c.voter_ids().len())
            .max(1);
        let answering = considered().filter(|m| m.role.is_alive()).count();
        // A hung (SIGSTOPped, GC-paused) member may still vote once it wakes; a refused
        // connection or an unknown host cannot.
        let up = considered().filter(|m| m.role != Role::Down).count();
        if answering == 0 {
            Leadership::Unreachable { voters }
        } else if up < quorum_size(voters) {
            Leadership::NoQuorum { up, voters }
        } else {
            Leadership::Electing {
                answering,
                up,
                voters,
            }
        }
    }

    /// Why there is no plan, in a sentence, when there is no leader.
    pub fn explain(&self, waited: Duration) -> Option<String> {
        match self {
            Leadership::Led { .. } => None,
            Leadership::Electing {
                answering, voters, ..
            } => Some(format!(
                "an election is in progress: {answering} of {voters} members answer but none \
                 leads yet (waited {:.1} s); plan again in a moment, or wait longer with \
                 --election-wait-ms",
                waited.as_secs_f64()
            )),
            Leadership::NoQuorum { up, voters } => Some(format!(
                "no leader and no quorum: only {up} of {voters} members are up and {} are \
                 needed to elect one; run `zkconsole status` to see why",
                quorum_size(*voters)
            )),
            Leadership::Unreachable { voters } => Some(format!(
                "no member answered (none of {voters} reachable); run `zkconsole status` to \
                 see why"
            )),
        }
    }
}

/// Observes until a leader is elected or `within` has passed, whichever comes first; only an
/// election in progress is waited for. `on_wait` is told each observation made while waiting
/// and the time waited so far (for a progress line). Cancel by dropping the future.
pub async fn wait_for_leader<O, Fut>(
    mut observe: O,
    classify: impl Fn(&Observation) -> Leadership,
    within: Duration,
    pace: Duration,
    mut on_wait: impl FnMut(&Leadership, Duration),
) -> (Observation, Leadership, Duration)
where
    O: FnMut() -> Fut,
    Fut: Future<Output = Observation>,
{
    let started = Instant::now();
    loop {
        let round = Instant::now();
        let obs = observe().await;
        let lead = classify(&obs);
        let waited = started.elapsed();
        if !matches!(lead, Leadership::Electing { .. }) || waited >= within {
            return (obs, lead, waited);
        }
        on_wait(&lead, waited);
        // Pace the rounds, never past the bound.
        let next = (round + pace).min(started + within);
        tokio::time::sleep_until(next).await;
    }
}

/// The stderr line of a wait for an election: redrawn in place on a terminal, said once
/// (and its end) otherwise.
pub struct ElectionProgress {
    within: Duration,
    live: bool,
    shown: bool,
}

impl ElectionProgress {
    pub fn new(within: Duration) -> ElectionProgress {
        ElectionProgress {
            within,
            live: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            shown: false,
        }
    }

    pub fn show(&mut self, lead: &Leadership, waited: Duration) {
        let Leadership::Electing {
            answering, voters, ..
        } = lead
        else {
            return;
        };
        let line = format!(
            "waiting for a leader to be elected: {answering} of {voters} members answer, none \
             leads yet ({:.0} s of {:.0} s; Ctrl-C to stop)",
            waited.as_secs_f64(),
            self.within.as_secs_f64()
        );
        if self.live {
            eprint!("\r\x1b[2K{line}");
        } else if !self.shown {
            eprintln!("{line}");
        }
        self.shown = true;
    }

    pub fn finish(&self, lead: &Leadership, waited: Duration) {
        if !self.shown {
            return;
        }
        if self.live {
            eprint!("\r\x1b[2K");
        }
        if let Leadership::Led { leader } = lead {
            eprintln!(
                "a leader is elected{} after {:.1} s; planning against it",
                leader.map_or(String::new(), |id| format!(": member {id}")),
                waited.as_secs_f64()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkconsole::probe::member::{MemberSnapshot, MetricsSource};
    use zkconsole::probe::round::ConfigSource;
    use zkconsole::probe::types::Metrics;

    fn member(id: u64, role: Role) -> MemberSnapshot {
        MemberSnapshot {
            id: Some(id),
            address: format!("127.0.0.1:{}", 2180 + id),
            role,
            mode: None,
            voting: None,
            zxid: None,
            metrics: Metrics::new(),
            source: MetricsSource::None,
            probe_ms: 1.0,
            error: None,
            hint: None,
            zab: None,
        }
    }

    fn obs(roles: &[Role]) -> Observation {
        Observation {
            config: None,
            config_source: ConfigSource::None,
            members: roles
                .iter()
                .enumerate()
                .map(|(i, r)| member(i as u64 + 1, *r))
                .collect(),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_leader_ends_it() {
        let o = obs(&[Role::Down, Role::Follower, Role::Leader]);
        assert_eq!(
            Leadership::of(&o, 3, &[]),
            Leadership::Led { leader: Some(3) }
        );
    }

    #[test]
    fn looking_members_with_a_possible_majority_are_an_election() {
        let o = obs(&[Role::Down, Role::NotServing, Role::NotServing]);
        assert_eq!(
            Leadership::of(&o, 3, &[]),
            Leadership::Electing {
                answering: 2,
                up: 2,
                voters: 3
            }
        );
        // A hung member may still vote: one looking plus one hung can elect.
        let o = obs(&[Role::Down, Role::NotServing, Role::Unresponsive]);
        assert!(matches!(
            Leadership::of(&o, 3, &[]),
            Leadership::Electing { .. }
        ));
    }

    #[test]
    fn too_few_up_is_no_quorum_and_nothing_answering_is_unreachable() {
        let o = obs(&[Role::Down, Role::Down, Role::NotServing]);
        assert_eq!(
            Leadership::of(&o, 3, &[]),
            Leadership::NoQuorum { up: 1, voters: 3 }
        );
        let o = obs(&[Role::Down, Role::Unresponsive, Role::Down]);
        assert_eq!(
            Leadership::of(&o, 3, &[]),
            Leadership::Unreachable { voters: 3 }
        );
        let said = Leadership::NoQuorum { up: 1, voters: 3 }
            .explain(Duration::ZERO)
            .unwrap();
        assert!(
            said.contains("1 of 3") && said.contains("2 are needed"),
            "{said}"
        );
    }

    #[test]
    fn a_joiner_does_not_count() {
        let o = obs(&[Role::Down, Role::NotServing, Role::Leader]);
        let joiner = o.members[2].address.clone();
        assert_eq!(
            Leadership::of(&o, 2, &[joiner]),
            Leadership::NoQuorum { up: 1, voters: 2 }
        );
    }

    #[tokio::test]
    async fn waits_for_the_election_and_no_longer_than_the_bound() {
        let pace = Duration::from_millis(10);
        let rounds = std::cell::Cell::new(0);
        let (_, lead, _) = wait_for_leader(
            || {
                rounds.set(rounds.get() + 1);
                let r = if rounds.get() < 4 {
                    Role::NotServing
                } else {
                    Role::Leader
                };
                std::future::ready(obs(&[Role::Down, Role::NotServing, r]))
            },
            |o| Leadership::of(o, 3, &[]),
            pace * 1000,
            pace,
            |_, _| {},
        )
        .await;
        assert!(matches!(lead, Leadership::Led { .. }), "{lead:?}");
        assert_eq!(rounds.get(), 4, "observed until the leader showed");

        // Never elected: gives up at the bound, having paced its rounds.
        let rounds = std::cell::Cell::new(0);
        let within = pace * 10;
        let (_, lead, waited) = wait_for_leader(
            || {
                rounds.set(rounds.get() + 1);
                std::future::ready(obs(&[Role::Down, Role::NotServing, Role::NotServing]))
            },
            |o| Leadership::of(o, 3, &[]),
            within,
            pace,
            |_, _| {},
        )
        .await;
        assert!(matches!(lead, Leadership::Electing { .. }), "{lead:?}");
        assert!(waited >= within, "gave up after {waited:?}");
        assert!(rounds.get() <= 11, "{} rounds in {within:?}", rounds.get());

        // Nothing to wait for: one round.
        let rounds = std::cell::Cell::new(0);
        let (_, lead, _) = wait_for_leader(
            || {
                rounds.set(rounds.get() + 1);
                std::future::ready(obs(&[Role::Down, Role::Down, Role::NotServing]))
            },
            |o| Leadership::of(o, 3, &[]),
            within,
            pace,
            |_, _| {},
        )
        .await;
        assert!(matches!(lead, Leadership::NoQuorum { .. }), "{lead:?}");
        assert_eq!(rounds.get(), 1);
    }
}
