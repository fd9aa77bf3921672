//! `zkconsole report`: the incident report of an ensemble as Markdown, from what the console
//! kept in the state dir (events, figures, the audit log, the roll journal) and a live look
//! at the ensemble for the state after.

use super::{resolve_target, Resolved, Target};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};
use zkconsole::config::Config;
use zkconsole::incident::{parse_since, render, After, FigureLine, MemberInput, DEFAULT_SINCE};
use zkconsole::probe::round::{observe, seeds_of};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReportArgs {
    /// Start of the window: an RFC 3339 time (2026-11-22T05:20:00Z) or how long ago (30m,
    /// 2h, 1d, 1h30m). Default: 24h.
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Write the report to FILE (mode 0600) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Do not probe the ensemble: the state after is the last one recorded.
    #[arg(long)]
    pub no_probe: bool,
}

pub async fn run(
    config: &Config,
    target: &Target,
    sandbox_dir: Option<&std::path::Path>,
    args: &ReportArgs,
) -> i32 {
    let now = SystemTime::now();
    let from = match &args.since {
        Some(s) => match parse_since(s, now) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("zkconsole report: {e}");
                return 64;
            }
        },
        None => now
            .checked_sub(DEFAULT_SINCE)
            .unwrap_or(SystemTime::UNIX_EPOCH),
    };
    let resolved = match sandbox_dir {
        Some(dir) => match zkconsole::sandbox::Sandbox::open(dir) {
            Ok(sb) => super::sandbox_cmd::resolved_for(&sb),
            Err(e) => {
                eprintln!("zkconsole report: {e:#}");
                return 64;
            }
        },
        None => match resolve_target(config, target) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("zkconsole report: {e}");
                return 64;
            }
        },
    };
    let seeds = seeds_of(&resolved.connect);
    let after = if args.no_probe {
        After::Unknown
    } else {
        live_after(config, &resolved).await
    };
    let ask = zkconsole::tui::incident::Ask {
        ensemble: resolved.name.clone(),
        seeds,
        from,
        to: now,
        zone: config.time_zone(),
        events: Vec::new(),
        after,
    };
    // Reading the kept files is blocking work; this command has nothing else to do meanwhile.
    let report = match tokio::task::spawn_blocking(move || zkconsole::tui::incident::gather(ask))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("zkconsole report: {e}");
            return 1;
        }
    };
    let empty = report.entries.is_empty() && report.figures.is_empty();
    let text = render(&report);
    match &args.out {
        Some(path) => {
            if let Err(e) = zkconsole::config::write_private(path, text.as_bytes()) {
                eprintln!("zkconsole report: {}: {e}", path.display());
                return 1;
            }
            eprintln!(
                "incident report of {} written to {} ({} timeline lines, {} figure lines)",
                resolved.name,
                path.display(),
                report.entries.len(),
                report.figures.len()
            );
        }
        None => super::print_out(&text),
    }
    if empty {
        eprintln!(
            "zkconsole report: nothing recorded for {} in the window; the console keeps events \
             and figures in $XDG_STATE_HOME/zkconsole while it runs on the same connect string",
            resolved.name
        );
        return 3;
    }
    0
}

/// One round of probes, each member under the probe timeout: the state after. Nothing
/// answering leaves it to the last recorded figures.
async fn live_after(config: &Config, resolved: &Resolved) -> After {
    let discovery = resolved.discovery(config);
    // A whole round is bounded by a few probe timeouts (discovery, then the members).
    let bound = config.probe_timeout() * 4 + Duration::from_secs(1);
    let Ok(obs) = tokio::time::timeout(bound, observe(&discovery, None)).await else {
        return After::Unknown;
    };
    let health =
        zkconsole::health::summarize(obs.config.as_ref(), &obs.members, &config.thresholds);
    if health.reachable == 0 {
        return After::Unknown;
    }
    let loads: Vec<_> = obs
        .members
        .iter()
        .map(|s| {
            zkconsole::load::member_load(
                s,
                None,
                &config.thresholds,
                &config.load.weights,
                health.leader_zxid,
            )
        })
        .collect();
    let inputs: Vec<MemberInput> = obs
        .members
        .iter()
        .zip(&loads)
        .map(|(s, l)| MemberInput {
            snap: s,
            windows: None,
            rate: None,
            load: l.as_ref(),
            role: s.role.as_str(),
        })
        .collect();
    After::Live(FigureLine::of(SystemTime::now(), &health, &inputs))
}
