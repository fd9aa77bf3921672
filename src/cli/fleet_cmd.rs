//! `status --all` / `--inventory FILE`: every ensemble observed at once, one report.
//!
//! Each ensemble is resolved from its own config entry (its credentials, TLS and AdminServer
//! locations) and probed by the same code as `status`, in its own task under its own deadline:
//! a slow or dead ensemble costs the others nothing.

use super::{resolve_target, Resolved, Target};
use std::path::{Path, PathBuf};
use std::time::Duration;
use zkconsole::config::Config;
use zkconsole::fleet::{inventory, FleetEntry, FleetReport};
use zkconsole::health::summarize;
use zkconsole::probe::round::{ConfigSource, Observation};
use zkconsole::report::StatusReport;

/// Which ensembles make the fleet. Given at the top (`zkconsole --all`, the console) or to
/// `status`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct FleetArgs {
    /// Every ensemble of the config (plus the inventory's, if given), observed at once.
    #[arg(long)]
    pub all: bool,
    /// A file listing ensembles, one per line: a connect string, or NAME = CONNECT; `#`
    /// starts a comment. Implies the fleet view.
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
}

impl FleetArgs {
    pub fn merged(&self, sub: &FleetArgs) -> FleetArgs {
        FleetArgs {
            all: self.all || sub.all,
            inventory: sub.inventory.clone().or(self.inventory.clone()),
        }
    }

    pub fn wanted(&self) -> bool {
        self.all || self.inventory.is_some()
    }
}

/// One member of the fleet: its name, and how to reach it (or why it cannot be resolved, e.g.
/// an unreadable digest file: that ensemble is then reported, not the whole fleet refused).
pub struct FleetMember {
    pub name: String,
    pub resolved: Result<Resolved, String>,
}

/// The ensembles to watch. `Err` is a usage error (exit 64), said in one sentence.
pub fn members(config: &Config, fleet: &FleetArgs, t: &Target) -> Result<Vec<FleetMember>, String> {
    if t.connect.is_some() || t.ensemble.is_some() {
        return Err(
            "--all and --inventory watch many ensembles; drop --connect/--ensemble \
             (or drop --all to watch one)"
                .into(),
        );
    }
    if !t.admin.is_empty() {
        return Err(
            "--admin ID=URL names one ensemble's member; with --all give admin_urls \
                    per ensemble in the config"
                .into(),
        );
    }
    let mut out = Vec::new();
    if fleet.all || fleet.inventory.is_none() {
        for name in config.ensembles.keys() {
            let one = Target {
                ensemble: Some(name.clone()),
                admin_port: t.admin_port,
                ..Target::default()
            };
            out.push(FleetMember {
                name: name.clone(),
                resolved: resolve_target(config, &one),
            });
        }
    }
    if let Some(path) = &fleet.inventory {
        for line in read_inventory(path)? {
            if out.iter().any(|m| m.name == line.name) {
                return Err(format!(
                    "{}:{}: {:?} is also an ensemble of the config; give it another name \
                     (NAME = CONNECT)",
                    path.display(),
                    line.line,
                    line.name
                ));
            }
            let one = Target {
                connect: Some(line.connect.clone()),
                admin_port: t.admin_port,
                ..Target::default()
            };
            let resolved = resolve_target(config, &one).map(|mut r| {
                r.name = line.name.clone();
                r
            });
            out.push(FleetMember {
                name: line.name,
                resolved,
            });
        }
    }
    if out.is_empty() {
        return Err(
            "no ensembles to watch: add [ensembles.NAME] tables to the config, or give \
                    --inventory FILE (one connect string per line)"
                .into(),
        );
    }
    Ok(out)
}

/// The inventory's lines, each connect string checked: a bad line is a usage error naming the
/// file and line.
fn read_inventory(path: &Path) -> Result<Vec<inventory::InventoryLine>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("inventory {shown}: cannot read: {e}"))?;
    let lines = inventory::parse(&text).map_err(|e| format!("inventory {shown}:{e}"))?;
    for l in &lines {
        super::connect::validate(&l.connect)
            .map_err(|e| format!("inventory {shown}:{}: {e}", l.line))?;
    }
    Ok(lines)
}

/// Every ensemble's round, at once; each bounded by a deadline so none can hold the report.
pub async fn observe_all(
    config: &Config,
    members: Vec<FleetMember>,
    timeout_ms: Option<u64>,
) -> FleetReport {
    let timeout = timeout_ms.map_or(config.probe_timeout(), Duration::from_millis);
    // Two probe rounds and, when no member gave the membership, a session: each bounded by
    // the timeout. Past five of them the ensemble is reported as not answering.
    let deadline = timeout * 5;
    let names: Vec<String> = members.iter().map(|m| m.name.clone()).collect();
    let mut reports: Vec<Option<StatusReport>> = vec![None; members.len()];
    let mut tasks = tokio::task::JoinSet::new();
    for (i, m) in members.into_iter().enumerate() {
        let resolved = match m.resolved {
            Ok(r) => r,
            Err(e) => {
                reports[i] = Some(not_observed(config, &m.name, e));
                continue;
            }
        };
        let config = config.clone();
        tasks.spawn(async move {
            // One look per ensemble: a windowed read (`status --window`) is for one ensemble.
            let once = super::status_cmd::LoadArgs::default();
            let probe = super::status_cmd::report_of(&config, resolved, timeout_ms, &once);
            (i, tokio::time::timeout(deadline, probe).await)
        });
    }
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((i, Ok(Ok(r)))) => reports[i] = Some(r),
            Ok((i, Ok(Err(e)))) => reports[i] = Some(not_observed(config, &names[i], e)),
            Ok((i, Err(_))) => {
                let why = format!("no answer within {} ms", deadline.as_millis());
                reports[i] = Some(not_observed(config, &names[i], why));
            }
            Err(e) => tracing::warn!(error = %e, "a fleet probe task failed"),
        }
    }
    let entries = names
        .into_iter()
        .zip(reports)
        .map(|(name, r)| {
            let report = r.unwrap_or_else(|| {
                not_observed(
                    config,
                    &name,
                    "the probe task ended without a report".into(),
                )
            });
            FleetEntry { name, report }
        })
        .collect();
    FleetReport::new(entries)
}

/// The report of an ensemble that could not be observed: unreachable, with the reason.
fn not_observed(config: &Config, name: &str, why: String) -> StatusReport {
    let obs = Observation {
        config: None,
        config_source: ConfigSource::None,
        members: Vec::new(),
        elapsed: Duration::ZERO,
    };
    let health = summarize(None, &[], &config.thresholds);
    let mut r = StatusReport::new(name, &obs, &health);
    r.problems.push(why);
    r
}

/// `zkconsole status --all [--json]`.
pub async fn run_status(
    config: &Config,
    fleet: &FleetArgs,
    target: &Target,
    json: bool,
    timeout_ms: Option<u64>,
) -> i32 {
    let members = match members(config, fleet, target) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("zkconsole status: {e}");
            return 64;
        }
    };
    let report = observe_all(config, members, timeout_ms).await;
    tracing::info!(
        ensembles = report.ensembles.len(),
        state = report.state,
        "status --all"
    );
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => super::print_out(&format!("{s}\n")),
            Err(e) => {
                eprintln!("zkconsole status: {e}");
                return 70;
            }
        }
    } else {
        let width = super::status_narrow::output_width();
        super::print_out(&super::fleet_table::to_text(&report, width));
    }
    report.exit_code()
}

/// `zkconsole --all` (or several ensembles configured): the fleet screen.
pub async fn run_console(
    config: &Config,
    fleet: &FleetArgs,
    target: &Target,
    ui: super::UiFlags,
) -> i32 {
    let members = match members(config, fleet, target) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("zkconsole: {e}");
            return 64;
        }
    };
    let mut ensembles = Vec::with_capacity(members.len());
    for m in members {
        match m.resolved {
            Ok(r) => ensembles.push(zkconsole::tui::fleet::FleetMember {
                name: m.name,
                connect: r.connect,
                admin: r.admin,
                credentials: r.credentials,
                tls: r.tls,
            }),
            Err(e) => {
                eprintln!("zkconsole: ensemble {:?}: {e}", m.name);
                return 64;
            }
        }
    }
    let opts = zkconsole::tui::fleet::FleetOptions {
        ensembles,
        read_only: ui.read_only,
        theme: ui.theme,
        config: config.clone(),
    };
    match zkconsole::tui::fleet::run(opts).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("zkconsole: {e:#}");
            1
        }
    }
}
