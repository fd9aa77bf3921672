//! The one wait of the executors: observe, judge, and again after a pause, until the judgement
//! is met, a deadline passes, or the operator interrupts. Stops, gates, verifications and the
//! recovery's waits are all this loop with another judgement.

use std::future::Future;
use std::time::{Duration, Instant};

use super::Observe;

/// Why a wait ended without its condition met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The deadline passed; the judgement's last word.
    TimedOut(String),
    /// `interrupted` said why (an abort).
    Interrupted(String),
}

impl Stop {
    /// The word either way, for callers that say both alike.
    pub fn reason(self) -> String {
        match self {
            Stop::TimedOut(w) | Stop::Interrupted(w) => w,
        }
    }
}

/// Observes every `poll` until `judge` (given the observation and the time since the start)
/// returns `Ok`, else until `timeout` has passed, or `interrupted` (asked after each look that
/// did not meet the condition) says why to stop.
pub async fn until<O, T, Fut>(
    mut observe: impl FnMut() -> Fut,
    poll: Duration,
    timeout: Duration,
    mut judge: impl FnMut(O, Duration) -> Result<T, String>,
    interrupted: impl Fn() -> Option<String>,
) -> Result<T, Stop>
where
    Fut: Future<Output = O>,
{
    let started = Instant::now();
    loop {
        let seen = observe().await;
        let why = match judge(seen, started.elapsed()) {
            Ok(t) => return Ok(t),
            Err(why) => why,
        };
        if started.elapsed() >= timeout {
            return Err(Stop::TimedOut(why));
        }
        if let Some(stop) = interrupted() {
            return Err(Stop::Interrupted(stop));
        }
        tokio::time::sleep(poll).await;
    }
}

/// Until member `id` answers (`up`) or no longer does (a stop command may return before the
/// process is gone).
pub async fn alive(
    observe: Observe<'_>,
    poll: Duration,
    timeout: Duration,
    id: u64,
    up: bool,
) -> Result<(), String> {
    let judge = |obs: crate::probe::round::Observation, _| {
        let alive = obs
            .members
            .iter()
            .any(|m| m.id == Some(id) && m.role.is_alive());
        if alive == up {
            Ok(())
        } else {
            Err(String::new())
        }
    };
    until(observe, poll, timeout, judge, || None)
        .await
        .map_err(|_| {
            let secs = timeout.as_secs();
            if up {
                format!("member {id} does not answer after {secs} s")
            } else {
                format!("member {id} still answers {secs} s after its stop")
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn met_timed_out_or_interrupted() {
        let poll = Duration::from_millis(1);
        let mut n = 0;
        let met = until(
            || {
                n += 1;
                std::future::ready(n)
            },
            poll,
            Duration::from_secs(60),
            |seen, _| {
                if seen >= 3 {
                    Ok(seen)
                } else {
                    Err("<3".into())
                }
            },
            || None,
        )
        .await;
        assert_eq!(met, Ok(3));
        let late = until(
            || std::future::ready(()),
            poll,
            Duration::ZERO,
            |_, _| Err::<(), _>("never".into()),
            || None,
        )
        .await;
        assert_eq!(late, Err(Stop::TimedOut("never".into())));
        let stopped = until(
            || std::future::ready(()),
            poll,
            Duration::from_secs(60),
            |_, _| Err::<(), _>("waiting".into()),
            || Some("aborted".into()),
        )
        .await;
        assert_eq!(stopped, Err(Stop::Interrupted("aborted".into())));
    }
}
