//! Rolling-restart settings: a top-level `[roll]` table for every ensemble, and
//! `[ensembles.NAME.roll]` over it for one. Used by the console's roll and by `zkconsole roll`
//! (whose flags override them).

use serde::Deserialize;
use std::time::Duration;

/// Bounds, in seconds: a settle longer than ten minutes or a gate longer than an hour is a
/// typo, not a setting (a roll of five members would take hours to notice a problem).
const SETTLE_MAX_S: u64 = 600;
const GATE_TIMEOUT_MAX_S: u64 = 3600;

/// One `[roll]` table; a key left out falls to the next layer.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RollConfig {
    /// Seconds a restarted member must stay in sync with no election before the next one.
    pub settle_s: Option<u64>,
    /// Seconds a member may take to stop, or to pass its gate after starting.
    pub gate_timeout_s: Option<u64>,
    /// Leader hand-off before the leader's restart: auto, always, never.
    pub handoff: Option<HandoffSetting>,
}

/// Leader hand-off before the leader's restart (the roll's `HandoffMode`).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum HandoffSetting {
    Auto,
    Always,
    Never,
}

/// The settings a roll runs with, every layer applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RollDefaults {
    pub settle: Duration,
    pub gate_timeout: Duration,
    pub handoff: HandoffSetting,
}

impl Default for RollDefaults {
    fn default() -> Self {
        RollDefaults {
            settle: Duration::from_secs(5),
            gate_timeout: Duration::from_secs(120),
            handoff: HandoffSetting::Auto,
        }
    }
}

impl RollConfig {
    /// `self` over `under`: each key set here wins.
    pub fn over(&self, under: RollDefaults) -> RollDefaults {
        RollDefaults {
            settle: self.settle_s.map_or(under.settle, Duration::from_secs),
            gate_timeout: self
                .gate_timeout_s
                .map_or(under.gate_timeout, Duration::from_secs),
            handoff: self.handoff.unwrap_or(under.handoff),
        }
    }

    /// The first key out of bounds, and why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let check = |key: &'static str, v: Option<u64>, max: u64| match v {
            Some(v) if v == 0 || v > max => Err((
                key,
                format!("must be between 1 and {max} seconds (it is {v})"),
            )),
            _ => Ok(()),
        };
        check("settle_s", self.settle_s, SETTLE_MAX_S)?;
        check("gate_timeout_s", self.gate_timeout_s, GATE_TIMEOUT_MAX_S)
    }
}

#[cfg(test)]
mod tests {
    use super::HandoffSetting;
    use crate::config::Config;
    use std::time::Duration;

    const ENS: &str = "[ensembles.a]\nconnect = \"zk1:2181\"\n";

    #[test]
    fn the_ensembles_keys_win_over_the_global_ones_over_the_defaults() {
        let text = format!(
            "[roll]\nsettle_s = 9\nhandoff = \"never\"\n{ENS}\
             [ensembles.a.roll]\nsettle_s = 2\ngate_timeout_s = 30\n\
             [ensembles.b]\nconnect = \"zk9:2181\"\n"
        );
        let cfg = Config::parse(&text, "t").unwrap();
        let a = cfg.roll_for("a");
        assert_eq!(a.settle, Duration::from_secs(2));
        assert_eq!(a.gate_timeout, Duration::from_secs(30));
        assert_eq!(a.handoff, HandoffSetting::Never);
        let b = cfg.roll_for("b");
        assert_eq!(b.settle, Duration::from_secs(9));
        assert_eq!(b.gate_timeout, Duration::from_secs(120));
        let none = Config::parse(ENS, "t").unwrap().roll_for("a");
        assert_eq!(none, super::RollDefaults::default());
    }

    #[test]
    fn out_of_bounds_values_are_refused_naming_the_key() {
        let e = Config::parse("[roll]\nsettle_s = 0\n", "c.toml").unwrap_err();
        assert!(e.message.contains("roll.settle_s"), "{e}");
        assert!(e.message.contains("between 1 and 600"), "{e}");
        assert_eq!(e.line, Some(2), "{e}");
        let text = format!("{ENS}[ensembles.a.roll]\ngate_timeout_s = 86400\n");
        let e = Config::parse(&text, "c.toml").unwrap_err();
        assert!(e.message.contains("ensembles.a.roll.gate_timeout_s"), "{e}");
        assert!(e.message.contains("86400"), "{e}");
    }

    #[test]
    fn an_unknown_handoff_or_key_is_refused() {
        let e = Config::parse("[roll]\nhandoff = \"sometimes\"\n", "c.toml").unwrap_err();
        assert!(e.message.contains("auto"), "{e}");
        let e = Config::parse("[roll]\nsettle = 5\n", "c.toml").unwrap_err();
        assert!(e.message.contains("settle"), "{e}");
    }
}
