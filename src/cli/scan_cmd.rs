//! `zkconsole scan PATH`: one pipelined pass over a subtree, printed for people or as JSON.
//!
//! Exit 0: the whole subtree was read. 1: partial (NoAuth or unreadable nodes, interrupted
//! with Ctrl-C, or stopped at --max-nodes); the report covers what was read. 3: no server
//! reachable, the session was lost, or PATH does not exist. 64: usage.

use super::{resolve_target, Target};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use zkconsole::config::{Config, Credentials};
use zkconsole::probe::secure::TlsPorts;
use zkconsole::tree::scan::{
    normalize_path, scan, thousands, ScanError, ScanOptions, ScanProgress, ScanReport, DEFAULT_TOP,
    DEFAULT_WINDOW,
};

#[derive(clap::Args, Debug, Clone)]
pub struct ScanArgs {
    /// The subtree to scan, e.g. /services (`/` includes ZooKeeper's own /zookeeper).
    pub path: String,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Most getChildren requests in flight at once on the session.
    #[arg(long, default_value_t = DEFAULT_WINDOW, value_name = "N")]
    pub window: usize,
    /// How many nodes the "most children" and "largest data" lists keep.
    #[arg(long, default_value_t = DEFAULT_TOP, value_name = "N")]
    pub top: usize,
    /// Stop after this many znodes (the report is then marked truncated; exit 1).
    #[arg(long, value_name = "N")]
    pub max_nodes: Option<u64>,
    /// Connection timeout in milliseconds (default: the config's probe timeout).
    #[arg(long)]
    pub timeout_ms: Option<u64>,
}

/// Largest window accepted: far beyond where pipelining stops paying, still bounded memory.
const MAX_WINDOW: usize = 65_536;

pub async fn run(config: &Config, target: &Target, args: &ScanArgs) -> i32 {
    let usage = |msg: String| {
        eprintln!("zkconsole scan: {msg}");
        64
    };
    if args.window == 0 || args.window > MAX_WINDOW {
        return usage(format!(
            "--window {}: expected 1 to {MAX_WINDOW}",
            args.window
        ));
    }
    if args.max_nodes == Some(0) {
        return usage("--max-nodes 0: expected at least 1".into());
    }
    if let Err(e) = normalize_path(&args.path) {
        return usage(e.to_string());
    }
    let resolved = match resolve_target(config, target) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let timeout = args
        .timeout_ms
        .map_or(config.probe_timeout(), Duration::from_millis);

    // Ctrl-C stops the scan; the report so far is still printed (exit 1).
    let cancel = Arc::new(AtomicBool::new(false));
    let on_signal = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.store(true, Ordering::Relaxed);
            }
        })
    };
    let live = std::io::stderr().is_terminal();
    let job = Job {
        connect: resolved.connect.clone(),
        credentials: resolved.credentials.clone(),
        tls: resolved.tls.clone(),
        timeout,
        path: args.path.clone(),
        opts: ScanOptions {
            window: args.window,
            top: args.top,
            max_nodes: args.max_nodes,
            ..ScanOptions::default()
        },
        live,
        cancel,
    };
    let result = job.run_on_own_thread().await;
    on_signal.abort();
    if live {
        eprint!("\r\x1b[2K");
    }
    let report = match result {
        Ok(r) => r,
        Err(Failure::Unreachable(e)) => {
            eprintln!("zkconsole scan: cannot reach ZooKeeper: {e}");
            return 3;
        }
        Err(Failure::Internal(e)) => {
            eprintln!("zkconsole scan: {e}");
            return 70;
        }
        Err(Failure::Scan(e @ ScanError::BadPath { .. })) => return usage(e.to_string()),
        Err(Failure::Scan(ScanError::NoNode(path))) => {
            eprintln!(
                "zkconsole scan: {path} does not exist on {}",
                resolved.connect
            );
            return 3;
        }
        Err(Failure::Scan(e @ ScanError::Session { .. })) => {
            eprintln!(
                "zkconsole scan: the session to {} failed: {e}",
                resolved.connect
            );
            return 3;
        }
    };
    tracing::info!(
        root = %report.root,
        znodes = report.znodes,
        elapsed_ms = report.elapsed_ms,
        no_auth = report.no_auth.count,
        cancelled = report.cancelled,
        "scan"
    );
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => super::print_out(&format!("{s}\n")),
            Err(e) => {
                eprintln!("zkconsole scan: {e}");
                return 70;
            }
        }
    } else {
        super::print_out(&report.to_text());
    }
    if report.is_partial() {
        1
    } else {
        0
    }
}

enum Failure {
    Unreachable(String),
    Scan(ScanError),
    Internal(String),
}

/// Everything the scan thread needs, owned.
struct Job {
    connect: String,
    credentials: Option<Credentials>,
    tls: TlsPorts,
    timeout: Duration,
    path: String,
    opts: ScanOptions,
    live: bool,
    cancel: Arc<AtomicBool>,
}

impl Job {
    /// Opens the session and scans on a thread of its own with a current-thread runtime: the
    /// client's session task and the scan loop then share one thread, with no cross-thread
    /// wake-ups per reply. That roughly halves the client's CPU per node, which on a small
    /// machine is CPU the server gets back (measured by scripts/bench-scan.sh).
    async fn run_on_own_thread(self) -> Result<ScanReport, Failure> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("zkconsole-scan".into())
            .spawn(move || {
                let out = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(self.run()),
                    Err(e) => Err(Failure::Internal(format!(
                        "cannot start the scan runtime: {e}"
                    ))),
                };
                let _ = tx.send(out);
            });
        if let Err(e) = spawned {
            return Err(Failure::Internal(format!(
                "cannot start the scan thread: {e}"
            )));
        }
        rx.await
            .unwrap_or_else(|_| Err(Failure::Internal("the scan thread failed".into())))
    }

    async fn run(self) -> Result<ScanReport, Failure> {
        let client = zkconsole::zk::connect_session(
            &self.connect,
            self.timeout,
            self.credentials.as_ref(),
            &self.tls,
        )
        .await
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
        let progress = |p: &ScanProgress| {
            if self.live {
                eprint!(
                    "\r\x1b[2Kscanning {}: {} znodes, {} in flight, {:.1} s",
                    self.path,
                    thousands(p.visited),
                    p.in_flight,
                    p.elapsed.as_secs_f64()
                );
            }
        };
        scan(&client, &self.path, &self.opts, progress, &self.cancel)
            .await
            .map_err(Failure::Scan)
    }
}
