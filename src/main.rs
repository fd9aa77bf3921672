//! The `zkconsole` binary: argument parsing and dispatch. The work lives in the library.

mod cli;

use clap::Parser;

fn main() {
    let args = cli::Args::parse();
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
