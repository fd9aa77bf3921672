//! Configuration: named ensembles, thresholds, refresh and probe timing.
//!
//! Defaults are compiled in (the shipped `config/zkconsole.toml` documents exactly them); a
//! user file is layered on top, so it may hold only the keys it changes. A broken file is
//! reported with its path, line and key.

pub mod actions;
mod credentials;
mod load;
pub mod notify;
pub mod presets;
mod private;
pub mod roll;
mod thresholds;

pub use credentials::{
    digest_of, Credentials, CredentialsError, DigestKey, DIGEST_ENV, DIGEST_KEY_FILE,
};
pub use load::{AdvisorConfig, LoadConfig, Weights};
pub use private::{ensure_private_dir, open_private, replace_private, write_private};
pub use thresholds::{Layer, Level, Metric, PartialThreshold, Threshold, Thresholds};

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The documented default configuration, shipped in the repository.
pub const DEFAULT_TOML: &str = include_str!("../../config/zkconsole.toml");

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// How often the console probes every member.
    pub refresh_ms: u64,
    /// Bound on each network exchange with a member (connect + reply).
    pub probe_timeout_ms: u64,
    /// How much metric history the console keeps for sparklines.
    pub history_minutes: u64,
    pub theme: String,
    /// The ensemble used when neither --connect nor --ensemble is given.
    pub default_ensemble: Option<String>,
    pub thresholds: Thresholds,
    /// A named set of thresholds from published practice (config/presets/), layered over
    /// the compiled defaults and under `[thresholds]`.
    pub threshold_preset: Option<String>,
    /// The load score: weights of the signals.
    pub load: LoadConfig,
    /// The scaling advisor's levels and durations.
    pub advisor: AdvisorConfig,
    pub ensembles: BTreeMap<String, EnsembleEntry>,
    /// Key overrides: action name → keys, e.g. `quit = ["q", "ctrl-c"]`.
    pub keys: BTreeMap<String, Vec<String>>,
    /// Timestamps in UTC rather than the local time zone.
    pub utc: bool,
    /// The znode browser.
    pub tree: TreeConfig,
    /// Rolling-restart settings for every ensemble (`[ensembles.NAME.roll]` over them).
    pub roll: roll::RollConfig,
    /// Commands run on critical breaches, recoveries, elections and quorum loss (every
    /// ensemble; an ensemble may add its own).
    pub notify: Vec<notify::NotifyRule>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TreeConfig {
    /// Least time between two re-reads of one watched node (its children or its data) while
    /// it changes: a node changing 500 times a second costs one listing per interval.
    pub min_refresh_ms: u64,
}

impl Default for TreeConfig {
    fn default() -> Self {
        TreeConfig {
            min_refresh_ms: 1000,
        }
    }
}

impl TreeConfig {
    pub fn min_refresh(&self) -> Duration {
        Duration::from_millis(self.min_refresh_ms.max(50))
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct EnsembleEntry {
    /// A ZooKeeper connect string; one member is enough, the rest is discovered.
    pub connect: String,
    /// AdminServer base URLs by server id, e.g. `{ 1 = "http://zk1:8080" }`.
    pub admin_urls: BTreeMap<String, String>,
    /// Or one port for all: `http://<member host>:<admin_port>`.
    pub admin_port: Option<u16>,
    /// A file (mode 0600) holding `user:password` for digest auth.
    pub digest_file: Option<PathBuf>,
    /// TLS to the client port (a build with `--features tls`): the CA that signed the
    /// servers' certificates (PEM), and optionally a client certificate and key.
    pub tls_ca_file: Option<PathBuf>,
    pub tls_cert_file: Option<PathBuf>,
    pub tls_key_file: Option<PathBuf>,
    /// How to act on the members' hosts (stop, start, read and write files); without it the
    /// workflows that need a host guide the operator instead.
    pub actions: Option<actions::ActionsEntry>,
    /// Rolling-restart settings of this ensemble, over the top-level `[roll]`.
    pub roll: roll::RollConfig,
    /// A production ensemble: `zkconsole bench` refuses to load it (named, or reached by a
    /// connect string sharing a host with it) unless given `--yes`.
    pub production: bool,
    /// Notification rules for this ensemble only, besides the global `[[notify]]`.
    pub notify: Vec<notify::NotifyRule>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            refresh_ms: 1000,
            probe_timeout_ms: 1500,
            history_minutes: 10,
            theme: "dark".into(),
            default_ensemble: None,
            thresholds: Thresholds::default(),
            threshold_preset: None,
            load: LoadConfig::default(),
            advisor: AdvisorConfig::default(),
            ensembles: BTreeMap::new(),
            keys: BTreeMap::new(),
            utc: false,
            tree: TreeConfig::default(),
            roll: roll::RollConfig::default(),
            notify: Vec::new(),
        }
    }
}

/// Checks the `[keys]` table: action name → keys.
pub type KeyCheck<'a> = &'a dyn Fn(&BTreeMap<String, Vec<String>>) -> Result<(), String>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl Config {
    /// The zone timestamps are shown in: UTC when asked, else the local one (`TZ`, then
    /// /etc/localtime; UTC when neither can be read). Read once, when the console starts.
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        if self.utc {
            jiff::tz::TimeZone::UTC
        } else {
            jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC)
        }
    }

    pub fn refresh(&self) -> Duration {
        Duration::from_millis(self.refresh_ms.max(100))
    }

    pub fn probe_timeout(&self) -> Duration {
        Duration::from_millis(self.probe_timeout_ms.max(50))
    }

    /// Parses a (possibly partial) config text; `path` only labels errors. `[keys]` is not
    /// checked: see `parse_checked`.
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        Self::parse_checked(text, path, &|_| Ok(()))
    }

    /// As `parse`, with `[keys]` checked by `keys` (the console's keymap lives above the
    /// config, so the check is handed in rather than imported).
    pub fn parse_checked(text: &str, path: &str, keys: KeyCheck) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            ConfigError {
                path: path.to_string(),
                line,
                message: e.message().trim().to_string(),
            }
        })?;
        if let Some(name) = &cfg.threshold_preset {
            let layer = presets::preset(name).map_err(|message| ConfigError {
                path: path.to_string(),
                line: line_of_key(text, "threshold_preset"),
                message: format!("key `threshold_preset`: {message}"),
            })?;
            cfg.thresholds = cfg.thresholds.layered(Some(&layer));
        }
        cfg.validate(path, text, keys)?;
        Ok(cfg)
    }

    /// The user's config: `explicit` if given (it must exist), else
    /// `$XDG_CONFIG_HOME/zkconsole/config.toml` if present, else the defaults.
    pub fn load(
        explicit: Option<&Path>,
        keys: KeyCheck,
    ) -> Result<(Config, Option<PathBuf>), ConfigError> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => default_path().filter(|p| p.exists()),
        };
        let Some(path) = path else {
            return Ok((Config::default(), None));
        };
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
            path: shown.clone(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        Ok((Config::parse_checked(&text, &shown, keys)?, Some(path)))
    }

    /// The rolling-restart settings for ensemble `name`: its `[ensembles.NAME.roll]` over the
    /// top-level `[roll]` over the built-in defaults.
    pub fn roll_for(&self, name: &str) -> roll::RollDefaults {
        let global = self.roll.over(roll::RollDefaults::default());
        match self.ensembles.get(name) {
            Some(e) => e.roll.over(global),
            None => global,
        }
    }

    /// The notification rules for the ensemble `name`: the global ones, then its own.
    pub fn notify_rules(&self, name: &str) -> Vec<notify::NotifyRule> {
        let own = self.ensembles.get(name).map(|e| e.notify.as_slice());
        self.notify
            .iter()
            .chain(own.unwrap_or_default())
            .cloned()
            .collect()
    }

    pub fn ensemble(&self, name: &str) -> Result<&EnsembleEntry, String> {
        self.ensembles.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.ensembles.keys().map(String::as_str).collect();
            if known.is_empty() {
                format!("no ensemble named {name:?}: the config defines none (add an [ensembles.{name}] table)")
            } else {
                format!("no ensemble named {name:?}; configured: {}", known.join(", "))
            }
        })
    }

    fn validate(&self, path: &str, text: &str, keys: KeyCheck) -> Result<(), ConfigError> {
        let err = |key: &str, message: String| ConfigError {
            path: path.to_string(),
            line: line_of_key(text, key),
            message: format!("key `{key}`: {message}"),
        };
        if self.refresh_ms < 100 {
            return Err(err("refresh_ms", "must be at least 100".into()));
        }
        if self.probe_timeout_ms < 50 {
            return Err(err("probe_timeout_ms", "must be at least 50".into()));
        }
        for (name, e) in &self.ensembles {
            if e.connect.trim().is_empty() {
                return Err(err(
                    &format!("ensembles.{name}.connect"),
                    "is required (a connect string such as \"zk1:2181,zk2:2181\")".into(),
                ));
            }
            for (id, url) in &e.admin_urls {
                if id.parse::<u64>().is_err() {
                    return Err(err(
                        &format!("ensembles.{name}.admin_urls"),
                        format!("{id:?} is not a server id (use the number N of server.N)"),
                    ));
                }
                if !url.starts_with("http://") {
                    return Err(err(
                        &format!("ensembles.{name}.admin_urls"),
                        format!("{url:?} must start with http://"),
                    ));
                }
            }
        }
        for (name, e) in &self.ensembles {
            if let Some(Err((key, e))) = e.actions.as_ref().map(actions::ActionsEntry::validate) {
                return Err(err(
                    &format!("ensembles.{name}.actions.{key}"),
                    e.to_string(),
                ));
            }
        }
        self.roll
            .validate()
            .map_err(|(key, m)| err(&format!("roll.{key}"), m))?;
        for (name, e) in &self.ensembles {
            e.roll
                .validate()
                .map_err(|(key, m)| err(&format!("ensembles.{name}.roll.{key}"), m))?;
        }
        for (i, r) in self.notify.iter().enumerate() {
            r.validate()
                .map_err(|m| err("notify", format!("rule {}: {m}", i + 1)))?;
        }
        for (name, e) in &self.ensembles {
            for (i, r) in e.notify.iter().enumerate() {
                r.validate().map_err(|m| {
                    err(
                        &format!("ensembles.{name}.notify"),
                        format!("rule {}: {m}", i + 1),
                    )
                })?;
            }
        }
        if let Some(name) = &self.default_ensemble {
            if !self.ensembles.contains_key(name) {
                return Err(err(
                    "default_ensemble",
                    format!("names {name:?}, which is not under [ensembles]"),
                ));
            }
        }
        if let Err(e) = keys(&self.keys) {
            let key = e.split(':').next().unwrap_or("keys").to_string();
            return Err(ConfigError {
                path: path.to_string(),
                line: line_of_key(text, &key),
                message: e,
            });
        }
        self.advisor
            .validate()
            .map_err(|(key, m)| err(&format!("advisor.{key}"), m))?;
        self.thresholds
            .validate()
            .map_err(|(key, m)| err(&format!("thresholds.{key}"), m))
    }
}

/// Best effort: the line where the last segment of a dotted key is set.
fn line_of_key(text: &str, dotted: &str) -> Option<usize> {
    let last = dotted.rsplit('.').next()?;
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.starts_with(last) && l[last.len()..].trim_start().starts_with(['=', '.'])
                || l.starts_with('[') && l.contains(last)
        })
        .map(|i| i + 1)
}

fn xdg_dir(var: &str, fallback: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(fallback)))
}

/// `~/x` → `$HOME/x`, for paths written in the config file.
pub fn expand_home(p: PathBuf) -> PathBuf {
    match (p.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => p,
    }
}

pub fn default_path() -> Option<PathBuf> {
    xdg_dir("XDG_CONFIG_HOME", ".config").map(|d| d.join("zkconsole").join("config.toml"))
}

/// There is no place of our own for the audit log, the digest key and the log file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StateDirError(pub String);

/// `$XDG_STATE_HOME/zkconsole`, else `$HOME/.local/state/zkconsole`: the log file, the audit
/// log, the digest key and cached state live here. Never a shared temporary directory: another
/// local user could plant a symlink there or read who changed what, so with neither variable
/// set there is no state directory and writes are refused.
pub fn state_dir() -> Result<PathBuf, StateDirError> {
    state_dir_from(std::env::var_os("XDG_STATE_HOME"), std::env::var_os("HOME"))
}

/// [`state_dir`] from given values of `XDG_STATE_HOME` and `HOME` (testable without touching
/// the process environment). Relative values are ignored, as the XDG specification says.
pub fn state_dir_from(
    xdg_state_home: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Result<PathBuf, StateDirError> {
    let absolute = |v: Option<std::ffi::OsString>| v.map(PathBuf::from).filter(|p| p.is_absolute());
    absolute(xdg_state_home)
        .or_else(|| absolute(home).map(|h| h.join(".local/state")))
        .map(|d| d.join("zkconsole"))
        .ok_or_else(|| {
            StateDirError(
                "no state directory: neither XDG_STATE_HOME nor HOME is set to an absolute path; \
                 set one of them (zkconsole keeps its audit log and keys there, never in a \
                 shared temporary directory)"
                    .into(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_dir_is_never_a_temporary_directory() {
        let some = |s: &str| Some(std::ffi::OsString::from(s));
        assert_eq!(
            state_dir_from(some("/x/state"), some("/home/u")).unwrap(),
            PathBuf::from("/x/state/zkconsole")
        );
        assert_eq!(
            state_dir_from(None, some("/home/u")).unwrap(),
            PathBuf::from("/home/u/.local/state/zkconsole")
        );
        // A relative XDG value is ignored (XDG spec), HOME then decides.
        assert_eq!(
            state_dir_from(some("rel"), some("/home/u")).unwrap(),
            PathBuf::from("/home/u/.local/state/zkconsole")
        );
        let e = state_dir_from(None, None).unwrap_err();
        assert!(
            e.0.contains("XDG_STATE_HOME") && e.0.contains("HOME"),
            "{e}"
        );
        assert!(state_dir_from(some(""), some("")).is_err());
    }

    #[test]
    fn a_state_dir_others_may_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/zkconsole");
        ensure_private_dir(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = ensure_private_dir(&dir).unwrap_err();
        assert!(e.0.contains("chmod 700"), "{e}");
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(tmp.path().join("a"), &link).unwrap();
        let e = ensure_private_dir(&link).unwrap_err();
        assert!(e.0.contains("symbolic link"), "{e}");
    }

    #[test]
    fn shipped_file_equals_compiled_defaults() {
        let shipped = Config::parse(DEFAULT_TOML, "config/zkconsole.toml").unwrap();
        assert_eq!(shipped, Config::default());
    }

    #[test]
    fn utc_shows_timestamps_in_utc() {
        let cfg = Config::parse("utc = true\n", "t.toml").unwrap();
        assert!(cfg.utc);
        assert_eq!(cfg.time_zone(), jiff::tz::TimeZone::UTC);
        assert!(!Config::default().utc, "local time by default");
    }

    #[test]
    fn partial_file_layers_over_defaults() {
        let cfg = Config::parse(
            "refresh_ms = 2000\n[thresholds.outstanding]\nwarn = 5\n",
            "x.toml",
        )
        .unwrap();
        assert_eq!(cfg.refresh_ms, 2000);
        assert_eq!(cfg.probe_timeout_ms, Config::default().probe_timeout_ms);
        let t = cfg.thresholds.get(Metric::Outstanding).unwrap();
        assert_eq!(t.warn, Some(5.0));
        assert_eq!(
            t.critical,
            Config::default()
                .thresholds
                .get(Metric::Outstanding)
                .unwrap()
                .critical
        );
    }

    #[test]
    fn a_preset_goes_under_the_users_thresholds() {
        let cfg = Config::parse(
            "threshold_preset = \"zookeeper-monitoring\"\n\
             [thresholds.latency_avg_ms]\ncritical = 150\n",
            "x.toml",
        )
        .unwrap();
        let t = |m: Metric| *cfg.thresholds.get(m).unwrap();
        // The user's level wins; the level the user did not name comes from the preset.
        assert_eq!(t(Metric::LatencyAvgMs).critical, Some(150.0));
        assert_eq!(t(Metric::LatencyAvgMs).warn, Some(80.0));
        // Metrics the user did not name: the preset's, and where it is silent, the default.
        assert_eq!(t(Metric::Outstanding).critical, Some(11.0));
        assert_eq!(
            t(Metric::ZxidLag),
            *Thresholds::default().get(Metric::ZxidLag).unwrap()
        );
        let e = Config::parse("\nthreshold_preset = \"nagios\"\n", "y.toml").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("zookeeper-monitoring"), "{e}");
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let e = Config::parse("refresh_ms = 1000\n\nrefresh_mss = 5\n", "/etc/z.toml").unwrap_err();
        assert_eq!(e.path, "/etc/z.toml");
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("refresh_mss"), "{e}");
        assert!(e.to_string().starts_with("/etc/z.toml:3: "), "{e}");
    }

    #[test]
    fn key_overrides_are_checked() {
        let check = |k: &BTreeMap<String, Vec<String>>| match k.keys().find(|n| *n == "fly") {
            Some(n) => Err(format!("keys.{n}: unknown action")),
            None => Ok(()),
        };
        let text = "[keys]\nquit = [\"x\"]\nfly = [\"y\"]\n";
        let e = Config::parse_checked(text, "c.toml", &check).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("fly"), "{e}");
        let ok = "[keys]\nquit = [\"x\", \"ctrl-q\"]\n";
        assert!(Config::parse_checked(ok, "c.toml", &check).is_ok());
    }

    #[test]
    fn wrong_type_names_line() {
        let e =
            Config::parse("theme = \"dark\"\nprobe_timeout_ms = \"fast\"\n", "c.toml").unwrap_err();
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn semantic_errors_name_the_key() {
        let e = Config::parse("[ensembles.prod]\nconnect = \"\"\n", "c.toml").unwrap_err();
        assert!(e.message.contains("ensembles.prod.connect"), "{e}");
        assert_eq!(e.line, Some(2));
        let e = Config::parse(
            "[thresholds.outstanding]\nwarn = 10\ncritical = 5\n",
            "c.toml",
        )
        .unwrap_err();
        assert!(e.message.contains("thresholds.outstanding"), "{e}");
        let e = Config::parse("default_ensemble = \"nope\"\n", "c.toml").unwrap_err();
        assert_eq!(e.line, Some(1));
    }
}
