//! `zkconsole bench`: a bounded, labelled load under `/zkconsole-bench/<run-id>`, measured
//! per member, cleaned up and checked; the run is audited (start, and end with the counts and
//! the cleanup), and its points kept for the console's headroom.
//!
//! ctrl-C (SIGINT) stops the load: the requests in flight finish, the run's nodes are deleted
//! at their versions and its node removed, within `bench::wind_down_limit` (a second ctrl-C
//! leaves them to the server: ephemerals and containers), and the outcome is audited as
//! interrupted.
//!
//! Exit 0: done, nothing left behind. 1: requests failed, something was left behind, or the
//! run could not be audited. 3: no session could be opened. 64: usage; a production ensemble
//! without --yes; --read-only. 130: interrupted.

use super::{resolve_target, Target};
use std::future::Future;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use zkconsole::audit::{AuditLog, AuditRecord};
use zkconsole::bench::mix::Mix;
use zkconsole::bench::{self, BenchError, Cleanup, Options, Outcome};
use zkconsole::config::Config;
use zkconsole::ensemble::observation::{endpoint_key, seeds_of};
use zkconsole::load::headroom::{Calibration, RatePoint};

#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// The share of reads and writes: `reads`, `writes`, or R:W such as 9:1 (reads are
    /// getData, writes setData with the expected version, all on the run's own nodes).
    #[arg(long, default_value = "9:1")]
    pub mix: Mix,
    /// Seconds of measured load (1–600); a low-load phase of a fifth of it (at most 2 s)
    /// comes first, for the headroom curve.
    #[arg(long, default_value_t = 5, value_name = "S")]
    pub duration: u64,
    /// Sessions in all, spread round-robin over the members, each pinned to one member
    /// (1–50: ZooKeeper's default maxClientCnxns is 60 per client address). Default: one per
    /// member.
    #[arg(long, value_name = "N")]
    pub sessions: Option<usize>,
    /// Requests in flight per session (1–256).
    #[arg(long, default_value_t = 16, value_name = "N")]
    pub in_flight: usize,
    /// Print `{"reads_per_s", "writes_per_s", "latency_ms": {"p50", "p99"}, "members": [...]}`.
    #[arg(long)]
    pub json: bool,
    /// Run even against an ensemble marked `production = true` in the config.
    #[arg(long)]
    pub yes: bool,
    /// Refuse to run (as `zkconsole --read-only`): bench writes, so it exits 64.
    #[arg(long)]
    pub read_only: bool,
    /// Connection timeout in milliseconds (default: the config's probe timeout); each
    /// request's deadline is four times it, at least 5 s.
    #[arg(long)]
    pub timeout_ms: Option<u64>,
}

const MAX_DURATION: u64 = 600;
const MAX_SESSIONS: usize = 50;
const MAX_IN_FLIGHT: usize = 256;
/// The shell's exit code for a command ended by SIGINT.
const INTERRUPTED: i32 = 130;

fn check(args: &BenchArgs) -> Result<(), String> {
    if args.duration == 0 || args.duration > MAX_DURATION {
        return Err(format!(
            "--duration {}: expected 1 to {MAX_DURATION} seconds",
            args.duration
        ));
    }
    if let Some(n) = args.sessions.filter(|n| *n == 0 || *n > MAX_SESSIONS) {
        return Err(format!("--sessions {n}: expected 1 to {MAX_SESSIONS}"));
    }
    if args.in_flight == 0 || args.in_flight > MAX_IN_FLIGHT {
        return Err(format!(
            "--in-flight {}: expected 1 to {MAX_IN_FLIGHT}",
            args.in_flight
        ));
    }
    Ok(())
}

/// The production ensemble this target is, or shares a host with, if any.
fn production_match(config: &Config, named: Option<&str>, connect: &str) -> Option<String> {
    if let Some(n) = named {
        if config.ensembles.get(n).is_some_and(|e| e.production) {
            return Some(n.to_string());
        }
    }
    let mine: Vec<String> = seeds_of(connect).iter().map(|s| endpoint_key(s)).collect();
    config
        .ensembles
        .iter()
        .filter(|(_, e)| e.production)
        .find(|(_, e)| {
            seeds_of(&e.connect)
                .iter()
                .any(|s| mine.contains(&endpoint_key(s)))
        })
        .map(|(n, _)| n.clone())
}

pub async fn run(config: &Config, target: &Target, args: &BenchArgs, read_only: bool) -> i32 {
    let usage = |msg: String| {
        eprintln!("zkconsole bench: {msg}");
        64
    };
    // Installed first: from here on ctrl-C asks the run to stop and clean up instead of
    // ending the process with its sessions' nodes left to expire.
    let interrupts = ctrl_c_presses();
    if read_only || args.read_only {
        return usage("--read-only forbids the benchmark's writes; nothing was written".into());
    }
    if let Err(e) = check(args) {
        return usage(e);
    }
    let resolved = match resolve_target(config, target) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let named = target
        .ensemble
        .as_deref()
        .or(config.default_ensemble.as_deref())
        .filter(|_| target.connect.is_none());
    if let Some(prod) = production_match(config, named, &resolved.connect) {
        if !args.yes {
            return usage(format!(
                "{} is the production ensemble {prod:?} (production = true in the config): \
                 a benchmark loads it for real. Add --yes to run anyway; nothing was written",
                resolved.connect
            ));
        }
    }
    let timeout = args
        .timeout_ms
        .map_or(config.probe_timeout(), Duration::from_millis);
    let opts = Options {
        connect: resolved.connect.clone(),
        credentials: resolved.credentials.clone(),
        tls: resolved.tls.clone(),
        mix: args.mix,
        duration: Duration::from_secs(args.duration),
        sessions: args.sessions,
        in_flight: args.in_flight,
        timeout,
    };
    let path = format!("{}/{}", bench::ROOT, bench::run_id());
    let audit = match AuditLog::open_default().await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("zkconsole bench: refused: the run could not be audited ({e})");
            return 1;
        }
    };
    let auth = resolved.credentials.as_ref().map(|c| c.user.clone());
    let mut rec = AuditRecord::new(&resolved.name, "bench", &path, auth.as_deref());
    rec.expected_version = Some("absent".into());
    rec.after = Some(format!(
        "mix {}, {} s, {} sessions × {} in flight",
        args.mix,
        args.duration,
        args.sessions
            .map_or("one per member".to_string(), |n| n.to_string()),
        args.in_flight
    ));
    let intent = match audit.intend(rec).await {
        Ok(i) => i,
        Err(e) => {
            eprintln!("zkconsole bench: refused: the run could not be audited ({e})");
            return 1;
        }
    };
    if !args.json {
        eprintln!(
            "zkconsole bench: {} s of load under {path} on {} …",
            args.duration, resolved.connect
        );
    }
    let limit = bench::wind_down_limit(timeout);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let ran = await_run(
        run_on_own_thread(opts, path.clone(), stopped),
        interrupts,
        stop,
        limit,
    );
    let (result, interrupted) = match ran.await {
        Ran::Done(r, interrupted) => (r, interrupted),
        Ran::Abandoned(why) => {
            let line = format!(
                "interrupted: {why}; what is left under {path} is ephemeral nodes and containers, \
                 which the server removes once the sessions expire"
            );
            let _ = intent.finish(line.clone()).await;
            eprintln!("zkconsole bench: {line}");
            return INTERRUPTED;
        }
    };
    let summary = match &result {
        Ok(o) if interrupted => format!("interrupted: {}", outcome_line(o)),
        Ok(o) => outcome_line(o),
        Err(e) if interrupted => format!("interrupted: error: {e}"),
        Err(e) => format!("error: {e}"),
    };
    let audited = intent.finish(summary).await;
    let outcome = match result {
        Ok(o) if interrupted => return report_interrupted(&o),
        Ok(o) => o,
        Err(e) if interrupted => {
            eprintln!("zkconsole bench: interrupted; {e}");
            return INTERRUPTED;
        }
        Err(BenchError::Unreachable(e)) => {
            eprintln!("zkconsole bench: {e}");
            return 3;
        }
        Err(e) => {
            eprintln!("zkconsole bench: {e}");
            return 1;
        }
    };
    keep_calibration(&resolved.connect, args, &outcome).await;
    if args.json {
        match serde_json::to_string_pretty(&outcome.figures) {
            Ok(s) => super::print_out(&format!("{s}\n")),
            Err(e) => return usage(e.to_string()),
        }
    } else {
        super::print_out(&text(&outcome, args));
    }
    for (addr, why) in &outcome.skipped {
        eprintln!("zkconsole bench: member {addr} skipped: {why}");
    }
    if let Some(e) = &outcome.first_error {
        eprintln!(
            "zkconsole bench: {} request(s) failed; the first: {e}",
            outcome.errors
        );
    }
    if let Cleanup::Left { nodes, why } = &outcome.cleanup {
        eprintln!(
            "zkconsole bench: {nodes} node(s) left under {} ({why}); they are containers and \
             ephemerals, which the server removes, or delete them by hand",
            outcome.path
        );
    }
    if audited.is_err() || outcome.errors > 0 || outcome.cleanup != Cleanup::NoneLeft {
        1
    } else {
        0
    }
}

/// How a run ended, as the caller waited for it.
enum Ran {
    /// It returned (`true`: after a ctrl-C asked it to stop).
    Done(Result<Outcome, BenchError>, bool),
    /// Interrupted, and its wind-down was not waited for: why.
    Abandoned(String),
}

/// Waits for the run; on ctrl-C asks it to stop through `stop` and waits for its wind-down at
/// most `limit` (a second ctrl-C stops waiting).
async fn await_run(
    run: impl Future<Output = Result<Outcome, BenchError>>,
    mut interrupts: UnboundedReceiver<()>,
    stop: tokio::sync::watch::Sender<bool>,
    limit: Duration,
) -> Ran {
    tokio::pin!(run);
    tokio::select! {
        r = &mut run => return Ran::Done(r, false),
        _ = interrupt(&mut interrupts) => {}
    }
    let _ = stop.send(true);
    eprintln!(
        "zkconsole bench: interrupted: stopping the load and deleting the run's nodes \
         (at most {} s; ctrl-C again leaves them to the server) …",
        limit.as_secs()
    );
    tokio::select! {
        r = &mut run => Ran::Done(r, true),
        _ = tokio::time::sleep(limit) => {
            Ran::Abandoned(format!("the clean-up did not finish within {} s", limit.as_secs()))
        }
        _ = interrupt(&mut interrupts) => {
            Ran::Abandoned("interrupted again during the clean-up".into())
        }
    }
}

/// Each ctrl-C from now on, as a message (none ever when the handler cannot be installed:
/// the default, ending the process, stays).
fn ctrl_c_presses() -> UnboundedReceiver<()> {
    let (tx, rx) = unbounded_channel();
    if let Ok(mut presses) = signal(SignalKind::interrupt()) {
        tokio::spawn(async move { while presses.recv().await.is_some() && tx.send(()).is_ok() {} });
    }
    rx
}

/// The next ctrl-C; never, when none can come.
async fn interrupt(interrupts: &mut UnboundedReceiver<()>) {
    if interrupts.recv().await.is_none() {
        std::future::pending::<()>().await;
    }
}

/// An interrupted run's end: no figures (they cover part of the load only), what the clean-up
/// did.
fn report_interrupted(o: &Outcome) -> i32 {
    match &o.cleanup {
        Cleanup::NoneLeft => eprintln!(
            "zkconsole bench: interrupted; every bench node under {} deleted (checked)",
            o.path
        ),
        Cleanup::Left { nodes, why } => eprintln!(
            "zkconsole bench: interrupted; {nodes} node(s) left under {} ({why}); they are \
             containers and ephemerals, which the server removes",
            o.path
        ),
    }
    INTERRUPTED
}

/// The audit line's result: the counts and the cleanup.
fn outcome_line(o: &Outcome) -> String {
    let f = &o.figures;
    let cleanup = match &o.cleanup {
        Cleanup::NoneLeft => "none left".to_string(),
        Cleanup::Left { nodes, why } => format!("{nodes} left ({why})"),
    };
    let status = if o.errors == 0 && o.cleanup == Cleanup::NoneLeft {
        "ok"
    } else {
        "error:"
    };
    format!(
        "{status} {} reads/s, {} writes/s, p50 {} ms, p99 {} ms, {} failed requests; \
         cleanup: {cleanup}",
        f.reads_per_s, f.writes_per_s, f.latency_ms.p50, f.latency_ms.p99, o.errors
    )
}

fn text(o: &Outcome, args: &BenchArgs) -> String {
    let f = &o.figures;
    let mut out = format!(
        "bench {} (mix {}, {} s, {} in flight per session)\n\
         overall   {:>10.1} reads/s {:>10.1} writes/s   p50 {:>8.3} ms   p99 {:>8.3} ms\n",
        o.path,
        args.mix,
        args.duration,
        args.in_flight,
        f.reads_per_s,
        f.writes_per_s,
        f.latency_ms.p50,
        f.latency_ms.p99
    );
    for m in &f.members {
        let who =
            m.id.map_or(m.address.clone(), |i| format!("{i} {}", m.address));
        out.push_str(&format!(
            "member {who} ({} session{})\n          {:>10.1} reads/s {:>10.1} writes/s   p50 {:>8.3} ms   p99 {:>8.3} ms{}\n",
            m.sessions,
            if m.sessions == 1 { "" } else { "s" },
            m.reads_per_s,
            m.writes_per_s,
            m.latency_ms.p50,
            m.latency_ms.p99,
            if m.errors > 0 {
                format!("   {} failed", m.errors)
            } else {
                String::new()
            }
        ));
    }
    out.push_str(match &o.cleanup {
        Cleanup::NoneLeft => "cleanup: every bench node deleted (checked)\n",
        Cleanup::Left { .. } => "cleanup: NODES LEFT (see below)\n",
    });
    out
}

/// The run's points for the console's headroom curve (failures here only warn).
async fn keep_calibration(connect: &str, args: &BenchArgs, o: &Outcome) {
    let seeds = seeds_of(connect);
    let Some(path) = bench::calibration::default_path(&seeds) else {
        return;
    };
    let c = Calibration {
        measured_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        mix: args.mix.to_string(),
        reads_per_s: o.figures.reads_per_s,
        writes_per_s: o.figures.writes_per_s,
        points: o
            .points
            .iter()
            .map(|p| RatePoint {
                rate: p.rate,
                latency_ms: p.latency_ms,
            })
            .collect(),
    };
    let stored =
        tokio::task::spawn_blocking(move || bench::calibration::store(&path, &seeds, &c)).await;
    if let Ok(Err(e)) | Err(e) = stored.map_err(std::io::Error::other) {
        eprintln!("zkconsole bench: the calibration was not kept: {e}");
    }
}

/// The load runs on a thread of its own with a current-thread runtime, as `scan` does: the
/// client's session tasks and the load loop share one thread, with no cross-thread wake-ups
/// per reply, which leaves the CPU to the servers on a small machine.
async fn run_on_own_thread(
    opts: Options,
    path: String,
    stop: bench::Stop,
) -> Result<Outcome, BenchError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("zkconsole-bench".into())
        .spawn(move || {
            let out = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(bench::run(&opts, &path, &stop)),
                Err(e) => Err(BenchError::Setup(format!(
                    "cannot start the bench runtime: {e}"
                ))),
            };
            let _ = tx.send(out);
        });
    if let Err(e) = spawned {
        return Err(BenchError::Setup(format!(
            "cannot start the bench thread: {e}"
        )));
    }
    rx.await
        .unwrap_or_else(|_| Err(BenchError::Setup("the bench thread failed".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run that never ends by itself, and the handle that interrupts it.
    fn interrupted_run() -> (
        tokio::sync::mpsc::UnboundedSender<()>,
        UnboundedReceiver<()>,
        impl Future<Output = Result<Outcome, BenchError>>,
    ) {
        let (tx, rx) = unbounded_channel();
        (tx, rx, std::future::pending())
    }

    #[tokio::test]
    async fn an_interrupted_runs_wind_down_is_waited_for_at_most_its_limit() {
        let (press, presses, run) = interrupted_run();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        press.send(()).unwrap();
        let limit = Duration::from_millis(100);
        let ran = tokio::time::timeout(limit * 100, await_run(run, presses, stop, limit)).await;
        match ran {
            Ok(Ran::Abandoned(why)) => assert!(why.contains("did not finish"), "{why}"),
            Ok(Ran::Done(..)) => panic!("a run that never ends was waited for"),
            Err(_) => panic!("the wind-down was waited for past its limit"),
        }
        assert!(*stopped.borrow(), "the run was not asked to stop");
    }

    #[tokio::test]
    async fn a_second_ctrl_c_stops_waiting_for_the_wind_down() {
        let (press, presses, run) = interrupted_run();
        let (stop, _stopped) = tokio::sync::watch::channel(false);
        press.send(()).unwrap();
        press.send(()).unwrap();
        let ran = await_run(run, presses, stop, Duration::from_secs(3600)).await;
        assert!(matches!(ran, Ran::Abandoned(ref why) if why.contains("again")));
    }

    #[tokio::test]
    async fn a_run_that_winds_down_in_time_ends_as_interrupted() {
        let (press, presses) = unbounded_channel();
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        // The run ends once asked to stop, as bench::run does.
        let run = async move {
            let _ = stopped.wait_for(|s| *s).await;
            Err(BenchError::Setup("stopped".into()))
        };
        press.send(()).unwrap();
        let ran = await_run(run, presses, stop, Duration::from_secs(3600)).await;
        assert!(matches!(ran, Ran::Done(Err(_), true)));
    }

    #[test]
    fn production_is_found_by_name_or_by_a_shared_host() {
        let toml = r#"
            [ensembles.prod]
            connect = "zk1:2181,zk2:2181"
            production = true
            [ensembles.lab]
            connect = "lab1:2181"
        "#;
        let config: Config = toml::from_str(toml).unwrap();
        assert_eq!(
            production_match(&config, Some("prod"), "x:1"),
            Some("prod".into())
        );
        assert_eq!(
            production_match(&config, None, "ZK2:2181"),
            Some("prod".into())
        );
        assert_eq!(production_match(&config, Some("lab"), "lab1:2181"), None);
        assert_eq!(production_match(&config, None, "zk1:2182"), None);
    }
}
