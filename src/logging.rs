//! Logs go to a file in the XDG state dir, never to the terminal (it belongs to the console).

use std::path::PathBuf;
use tracing_appender::non_blocking::WorkerGuard;

/// Returns the guard that flushes the log on drop, and the log file's path.
pub fn init(verbose: bool) -> Option<(WorkerGuard, PathBuf)> {
    // No state directory (no HOME): no log file rather than one in a shared place.
    let dir = crate::config::state_dir().ok()?;
    crate::config::ensure_private_dir(&dir).ok()?;
    let file = tracing_appender::rolling::never(&dir, "zkconsole.log");
    // A small buffer: the default (128k lines) costs milliseconds of page faults at start,
    // which a one-shot `status` pays on every run.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(1024)
        .finish(file);
    let default = if verbose {
        "zkconsole=debug,info"
    } else {
        "zkconsole=info,warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ZKCONSOLE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some((guard, dir.join("zkconsole.log")))
}
