//! The `zkconsole` binary: argument parsing and dispatch. The work lives in the library.

mod cli;

use clap::Parser;

fn main() {
    // Usage errors exit 64 (EX_USAGE), as the README says; --help and --version exit 0.
    let args = match cli::Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 64 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let _log = zkconsole::logging::init(args.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("zkconsole: cannot start the async runtime: {e}");
            std::process::exit(70);
        }
    };
    let code = runtime.block_on(cli::run(args));
    // Members' and sessions' background tasks must not hold the process open.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    // exit() skips destructors: flush the log first.
    drop(_log);
    std::process::exit(code);
}
