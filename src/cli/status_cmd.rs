//! `zkconsole status`: one round of probes, printed for people or as JSON for scripts.

use super::{resolve_target, Target};
use std::time::Duration;
use zkconsole::config::Config;
use zkconsole::config::Credentials;
use zkconsole::ensemble::health::summarize;
use zkconsole::ensemble::EnsembleConfig;
use zkconsole::probe::member::ProbeOptions;
use zkconsole::probe::round::{observe, observe_with, seeds_of, ConfigSource, Discovery};
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
        admin: resolved.admin,
        opts: ProbeOptions {
            timeout: timeout_ms.map_or(config.probe_timeout(), Duration::from_millis),
            ..ProbeOptions::default()
        },
    };
    let mut obs = observe(&discovery, None).await;
    if obs.config.is_none() && obs.members.iter().any(|m| m.role.is_serving()) {
        // `conf` is not whitelisted but members serve: read the membership over a session.
        let started = std::time::Instant::now();
        match read_membership(&resolved.connect, &discovery, resolved.credentials.as_ref()).await {
            Ok(cfg) => {
                let first = obs.elapsed;
                obs = observe_with(&discovery, Some((&cfg, ConfigSource::Znode))).await;
                obs.elapsed += first + started.elapsed().saturating_sub(obs.elapsed);
            }
            Err(e) => tracing::info!(error = %e, "no membership from /zookeeper/config"),
        }
    }
    let health = summarize(obs.config.as_ref(), &obs.members, &config.thresholds);
    let report = StatusReport::new(&resolved.name, &obs, &health);
    tracing::info!(
        ensemble = %report.ensemble,
        state = report.state,
        elapsed_ms = report.elapsed_ms,
        "status"
    );
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("zkconsole status: {e}");
                return 70;
            }
        }
    } else {
        print!("{}", report.to_text());
    }
    report.exit_code()
}

async fn read_membership(
    connect: &str,
    d: &Discovery,
    credentials: Option<&Credentials>,
) -> Result<EnsembleConfig, zkconsole::zk::SessionError> {
    let client = zkconsole::zk::connect(connect, d.opts.timeout, credentials).await?;
    let read = tokio::time::timeout(d.opts.timeout, zkconsole::zk::read_config(&client));
    match read.await {
        Ok(r) => r.map(|(cfg, _)| cfg),
        Err(_) => Err(zkconsole::zk::SessionError::Timeout {
            connect: connect.to_string(),
            ms: d.opts.timeout.as_millis(),
        }),
    }
}
