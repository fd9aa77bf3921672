//! `zkconsole status`: one round of probes, printed for people or as JSON for scripts.

use super::{resolve_target, Target};
use std::time::Duration;
use zkconsole::config::Config;
use zkconsole::health::summarize_windows;
use zkconsole::history::window::Windows;
use zkconsole::probe::member::ProbeOptions;
use zkconsole::probe::round::{seeds_of, ConfigSource, Discovery};
use zkconsole::remembered;
use zkconsole::report::StatusReport;

/// What `status` adds about load.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LoadArgs {
    /// Read the members twice, SECS apart, and report each member's figures over that
    /// window (requests, average latency, fsync, snapshots, elections) beside the lifetime
    /// ones (1–600).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub window: Option<u64>,
}

pub async fn run(
    config: &Config,
    target: &Target,
    json: bool,
    timeout_ms: Option<u64>,
    load: &LoadArgs,
) -> i32 {
    let resolved = match resolve_target(config, target) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("zkconsole status: {e}");
            return 64;
        }
    };
    let report = match report_of(config, resolved, timeout_ms, load).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("zkconsole status: {e}");
            return 64;
        }
    };
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => super::print_out(&format!("{s}\n")),
            Err(e) => {
                eprintln!("zkconsole status: {e}");
                return 70;
            }
        }
    } else {
        let narrow = super::status_narrow::output_width()
            .filter(|&w| w < super::status_narrow::WIDE_TABLE_COLUMNS);
        match narrow {
            Some(width) => super::print_out(&super::status_narrow::to_text(&report, width)),
            None => super::print_out(&report.to_text()),
        }
    }
    report.exit_code()
}

/// One round of probes of one ensemble, as the status report (shared with `status --all`,
/// which runs one of these per ensemble at once). `Err` only for a connect string naming no
/// host.
pub async fn report_of(
    config: &Config,
    resolved: super::Resolved,
    timeout_ms: Option<u64>,
    load: &LoadArgs,
) -> Result<StatusReport, String> {
    let seeds = seeds_of(&resolved.connect);
    if seeds.is_empty() {
        return Err(format!(
            "the connect string {:?} names no host",
            resolved.connect
        ));
    }
    let discovery = Discovery {
        seeds,
        admin: resolved.admin,
        tls: resolved.tls,
        opts: ProbeOptions {
            timeout: timeout_ms.map_or(config.probe_timeout(), Duration::from_millis),
            ..ProbeOptions::default()
        },
    };
    let memory = remembered::default_path(&discovery.seeds);
    let last_seen = memory
        .as_deref()
        .and_then(|m| remembered::load(m, &discovery.seeds));
    let observe = || {
        zkconsole::zk::observe_ensemble(
            &discovery,
            &resolved.connect,
            resolved.credentials.as_ref(),
            last_seen.as_ref().map(|r| &r.config),
        )
    };
    let first = match load.window {
        Some(secs) => {
            let obs = observe().await;
            let at = std::time::Instant::now();
            tokio::time::sleep(Duration::from_secs(secs)).await;
            Some((obs, at))
        }
        None => None,
    };
    let obs = observe().await;
    let windows = first.map(|(then, at)| {
        zkconsole::history::window::across(&then.members, &obs.members, at.elapsed())
    });
    let live = matches!(obs.config_source, ConfigSource::Conf | ConfigSource::Znode);
    if let (Some(cfg), Some(memory)) = (obs.config.as_ref().filter(|_| live), &memory) {
        if let Err(e) = remembered::store(memory, &discovery.seeds, cfg) {
            tracing::warn!(path = %memory.display(), error = %e, "could not remember the membership");
        }
    }
    // With a window, the windowed thresholds read it (all of them: one window is known).
    let as_windows: Vec<Option<Windows>> = match &windows {
        Some(ws) => ws
            .iter()
            .map(|w| {
                w.map(|w| Windows {
                    short: Some(w),
                    long: Some(w),
                    five: Some(w),
                })
            })
            .collect(),
        None => Vec::new(),
    };
    let snaps: Vec<_> = obs.members.iter().collect();
    let health = summarize_windows(
        obs.config.as_ref(),
        &snaps,
        &as_windows.iter().map(Option::as_ref).collect::<Vec<_>>(),
        &config.thresholds,
    );
    let views = super::member_views::gather(&obs, &discovery.tls, discovery.opts.timeout).await;
    let mut report = StatusReport::new(&resolved.name, &obs, &health)
        .with_membership(views.mode(&obs, Vec::new()), views.problems());
    if let Some(r) = &last_seen {
        report = report.with_remembered(r.seen_at);
    }
    if let Some(w) = &windows {
        report = report.with_windows(w);
    }
    report = report.with_load(&obs, &health, &as_windows, config);
    tracing::info!(
        ensemble = %report.ensemble,
        state = report.state,
        elapsed_ms = report.elapsed_ms,
        "status"
    );
    Ok(report)
}
