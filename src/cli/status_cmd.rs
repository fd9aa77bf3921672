//! `zkconsole status`: one round of probes, printed for people or as JSON for scripts.

use super::{resolve_target, Target};
use std::time::Duration;
use zkconsole::config::Config;
use zkconsole::health::summarize;
use zkconsole::probe::member::ProbeOptions;
use zkconsole::probe::round::{seeds_of, ConfigSource, Discovery};
use zkconsole::remembered;
use zkconsole::report::StatusReport;

pub async fn run(config: &Config, target: &Target, json: bool, timeout_ms: Option<u64>) -> i32 {
    let resolved = match resolve_target(config, target) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("zkconsole status: {e}");
            return 64;
        }
    };
    let seeds = seeds_of(&resolved.connect);
    if seeds.is_empty() {
        eprintln!(
            "zkconsole status: the connect string {:?} names no host",
            resolved.connect
        );
        return 64;
    }
    let discovery = Discovery {
        seeds,
        admin: resolved.admin.clone(),
        tls: resolved.tls.clone(),
        opts: ProbeOptions {
            timeout: timeout_ms.map_or(config.probe_timeout(), Duration::from_millis),
            ..ProbeOptions::default()
        },
    };
    let memory = remembered::default_path(&discovery.seeds);
    let last_seen = memory
        .as_deref()
        .and_then(|m| remembered::load(m, &discovery.seeds));
    let obs = zkconsole::zk::observe_ensemble(
        &discovery,
        &resolved.connect,
        resolved.credentials.as_ref(),
        last_seen.as_ref().map(|r| &r.config),
    )
    .await;
    let live = matches!(obs.config_source, ConfigSource::Conf | ConfigSource::Znode);
    if let (Some(cfg), Some(memory)) = (obs.config.as_ref().filter(|_| live), &memory) {
        if let Err(e) = remembered::store(memory, &discovery.seeds, cfg) {
            tracing::warn!(path = %memory.display(), error = %e, "could not remember the membership");
        }
    }
    let health = summarize(obs.config.as_ref(), &obs.members, &config.thresholds);
    let views = super::member_views::gather(&obs, &resolved.tls, discovery.opts.timeout).await;
    let mut report = StatusReport::new(&resolved.name, &obs, &health)
        .with_membership(views.mode(&obs, Vec::new()), views.problems());
    if let Some(r) = &last_seen {
        report = report.with_remembered(r.seen_at);
    }
    tracing::info!(
        ensemble = %report.ensemble,
        state = report.state,
        elapsed_ms = report.elapsed_ms,
        "status"
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
        let narrow = super::status_narrow::output_width()
            .filter(|&w| w < super::status_narrow::WIDE_TABLE_COLUMNS);
        match narrow {
            Some(width) => super::print_out(&super::status_narrow::to_text(&report, width)),
            None => super::print_out(&report.to_text()),
        }
    }
    report.exit_code()
}
