//! Whether the ensemble runs with dynamic reconfig, from what the servers and their files say.
//! `reconfigEnabled` is false by default since 3.5.3, so most production ensembles change
//! membership by editing `zoo.cfg` and restarting; `plan` must know which procedure applies.
//! Pure: the evidence is gathered by the probes and the host actions.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReconfigMode {
    Enabled,
    Disabled,
    Unknown,
}

impl ReconfigMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReconfigMode::Enabled => "enabled",
            ReconfigMode::Disabled => "disabled",
            ReconfigMode::Unknown => "unknown",
        }
    }
}

/// What is known, each piece optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModeEvidence {
    /// Members' `zoo.cfg` texts, read through the host actions.
    pub zoo_cfgs: Vec<String>,
    /// Members' `conf` replies.
    pub confs: Vec<String>,
    /// The committed membership's version, when a member told it.
    pub config_version: Option<u64>,
}

/// The value of `key=` in a properties text, ignoring comments; the last one wins, as in
/// Java's `Properties`.
pub fn setting<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .rev()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with('!'))
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim())
        .next()
}

fn from_setting(text: &str) -> Option<bool> {
    setting(text, "reconfigEnabled").map(|v| v.eq_ignore_ascii_case("true"))
}

/// The mode and the evidence it rests on, in a few words.
pub fn detect(e: &ModeEvidence) -> (ReconfigMode, String) {
    // A config file is what the server read: absent means the default, false.
    if let Some(first) = e.zoo_cfgs.first() {
        let enabled = e.zoo_cfgs.iter().any(|t| from_setting(t) == Some(true));
        let mode = if enabled {
            ReconfigMode::Enabled
        } else {
            ReconfigMode::Disabled
        };
        let why = match from_setting(first) {
            Some(_) => "reconfigEnabled in zoo.cfg",
            None => "zoo.cfg does not set reconfigEnabled (default false since 3.5.3)",
        };
        return (mode, why.into());
    }
    if let Some(v) = e.confs.iter().find_map(|c| from_setting(c)) {
        let mode = if v {
            ReconfigMode::Enabled
        } else {
            ReconfigMode::Disabled
        };
        return (mode, "reconfigEnabled in `conf`".into());
    }
    // A server with reconfig on stamps its membership with the zxid it was committed at; a
    // static one keeps version 0 for ever.
    match e.config_version {
        Some(0) => (
            ReconfigMode::Disabled,
            "membership version 0: a static server list".into(),
        ),
        Some(_) => (
            ReconfigMode::Enabled,
            "a versioned dynamic membership".into(),
        ),
        None => (
            ReconfigMode::Unknown,
            "no member told its membership".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_wins_and_absent_means_disabled() {
        let e = ModeEvidence {
            zoo_cfgs: vec!["tickTime=2000\nserver.1=a:1:2\n".into()],
            confs: vec![],
            config_version: Some(0x100000000),
        };
        assert_eq!(detect(&e).0, ReconfigMode::Disabled);
        let e = ModeEvidence {
            zoo_cfgs: vec!["# reconfigEnabled=false\nreconfigEnabled = true\n".into()],
            ..ModeEvidence::default()
        };
        assert_eq!(detect(&e).0, ReconfigMode::Enabled);
    }

    #[test]
    fn without_files_the_version_tells() {
        let mut e = ModeEvidence {
            config_version: Some(0),
            ..ModeEvidence::default()
        };
        assert_eq!(detect(&e).0, ReconfigMode::Disabled);
        e.config_version = Some(0x100000003);
        assert_eq!(detect(&e).0, ReconfigMode::Enabled);
        e.confs = vec!["serverId=1\nreconfigEnabled=false\n".into()];
        assert_eq!(detect(&e).0, ReconfigMode::Disabled);
        assert_eq!(detect(&ModeEvidence::default()).0, ReconfigMode::Unknown);
    }
}
