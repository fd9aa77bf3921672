//! A condition that must hold for a minimum duration before it counts, and once counted
//! lasts until a looser condition fails (hysteresis).

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default)]
pub struct Sustained {
    /// Since when the entering condition has held without a break.
    since: Option<Instant>,
    active: bool,
}

impl Sustained {
    /// One reading: `enter` is the strict condition, `stay` the looser one that keeps an
    /// active state. Returns whether the state is active after this reading.
    pub fn step(&mut self, at: Instant, enter: bool, stay: bool, min: Duration) -> bool {
        if self.active {
            if !stay {
                self.active = false;
                self.since = None;
            }
            return self.active;
        }
        if !enter {
            self.since = None;
            return false;
        }
        let since = *self.since.get_or_insert(at);
        self.active = at.saturating_duration_since(since) >= min;
        self.active
    }

    /// How long the condition has held (0 when it does not).
    pub fn held(&self, at: Instant) -> Duration {
        self.since
            .map_or(Duration::ZERO, |s| at.saturating_duration_since(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_for_the_minimum_then_stays_until_the_clear_level() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let min = Duration::from_secs(60);
        let mut s = Sustained::default();
        assert!(!s.step(at(0), true, true, min));
        assert!(!s.step(at(59), true, true, min));
        // A break restarts the clock.
        assert!(!s.step(at(60), false, true, min));
        assert!(!s.step(at(61), true, true, min));
        assert!(s.step(at(121), true, true, min));
        assert_eq!(s.held(at(121)), Duration::from_secs(60));
        // Below the entry level but above the clear level: still active.
        assert!(s.step(at(122), false, true, min));
        assert!(!s.step(at(123), false, false, min));
        assert_eq!(s.held(at(123)), Duration::ZERO);
    }
}
