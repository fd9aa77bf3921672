//! `[[notify]]`: commands the console runs on critical breaches, recoveries, elections and
//! quorum loss, with the event as JSON on standard input.
//!
//! ```toml
//! [[notify]]
//! on = ["critical", "recovery", "election", "quorum_loss"]
//! command = "/usr/local/bin/page-oncall --team zk"
//! min_interval_s = 300
//! ```
//! The command is split into words like a host action template (quotes group words, nothing
//! is expanded, no shell); it takes no placeholders: everything it needs is on stdin.

use super::actions::split_words;
use serde::Deserialize;
use std::time::Duration;

/// What a rule may be triggered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyOn {
    /// An event at the critical level: a threshold at critical, no leader, quorum lost, a
    /// workflow or roll that failed.
    Critical,
    /// Something that was critical is no longer: a breach cleared, the quorum back.
    Recovery,
    /// A leader was elected.
    Election,
    QuorumLoss,
}

impl NotifyOn {
    pub const ALL: [NotifyOn; 4] = [
        NotifyOn::Critical,
        NotifyOn::Recovery,
        NotifyOn::Election,
        NotifyOn::QuorumLoss,
    ];

    pub fn key(self) -> &'static str {
        match self {
            NotifyOn::Critical => "critical",
            NotifyOn::Recovery => "recovery",
            NotifyOn::Election => "election",
            NotifyOn::QuorumLoss => "quorum_loss",
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NotifyRule {
    /// Which events run the command.
    pub on: Vec<NotifyOn>,
    /// The command line, split into words without a shell.
    pub command: String,
    /// At most one run per this many seconds for this rule; events in between are held and
    /// the newest is sent when the interval ends, with how many it stands for.
    #[serde(default = "default_interval")]
    pub min_interval_s: u64,
    /// The command is killed when it runs longer.
    #[serde(default = "default_timeout")]
    pub timeout_s: u64,
}

fn default_interval() -> u64 {
    300
}

fn default_timeout() -> u64 {
    10
}

impl NotifyRule {
    pub fn min_interval(&self) -> Duration {
        Duration::from_secs(self.min_interval_s)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_s.max(1))
    }

    /// The argument vector (checked when the config loads, so this does not fail then).
    pub fn argv(&self) -> Result<Vec<String>, String> {
        let words = split_words(&self.command).map_err(|e| e.to_string())?;
        if words.is_empty() {
            return Err("the command is empty".into());
        }
        Ok(words)
    }

    /// A short name for logs and the console: the command line as written.
    pub fn label(&self) -> String {
        self.command.trim().to_string()
    }

    pub fn validate(&self) -> Result<(), String> {
        self.argv()?;
        if self.on.is_empty() {
            let known: Vec<&str> = NotifyOn::ALL.iter().map(|o| o.key()).collect();
            return Err(format!("`on` is empty; give some of {}", known.join(", ")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_split_without_a_shell() {
        let r: NotifyRule = toml::from_str(
            r#"on = ["critical", "quorum_loss"]
command = "/bin/page 'team zk' $HOME;id"
"#,
        )
        .unwrap();
        assert_eq!(r.on, [NotifyOn::Critical, NotifyOn::QuorumLoss]);
        assert_eq!(r.min_interval_s, 300);
        assert_eq!(r.argv().unwrap(), ["/bin/page", "team zk", "$HOME;id"]);
        assert!(r.validate().is_ok());
        let bad: Result<NotifyRule, _> = toml::from_str("on = [\"paging\"]\ncommand = \"x\"\n");
        assert!(bad.unwrap_err().to_string().contains("paging"));
        let empty = NotifyRule {
            on: vec![],
            ..r.clone()
        };
        assert!(empty.validate().unwrap_err().contains("quorum_loss"));
        let unclosed = NotifyRule {
            command: "page 'oops".into(),
            ..r
        };
        assert!(unclosed.validate().unwrap_err().contains("quote"));
    }
}
