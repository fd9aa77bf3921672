//! Command-line interface. Names and flags here are a public contract.

mod bench_cmd;
mod connect;
mod election;
mod fleet_cmd;
mod fleet_table;
mod member_views;
mod plan_cmd;
mod plan_verdict;
mod recover_cmd;
mod report_cmd;
mod roll_cmd;
mod sandbox_cmd;
mod scan_cmd;
mod static_apply_cmd;
mod static_plan_cmd;
mod status_cmd;
mod status_narrow;

use clap::{Args as ClapArgs, Parser, Subcommand};
use std::path::PathBuf;
use zkconsole::config::{Config, Credentials};
use zkconsole::probe::round::AdminLocator;
use zkconsole::probe::secure::{TlsConfig, TlsPorts};

#[derive(Parser, Debug)]
#[command(
    name = "zkconsole",
    version,
    about = "A terminal console for Apache ZooKeeper ensembles"
)]
pub struct Args {
    /// Config file (default: $XDG_CONFIG_HOME/zkconsole/config.toml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// More detail in the log file.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub admin: AdminArgs,
    #[command(flatten)]
    pub console: ConsoleArgs,
    #[command(flatten)]
    pub fleet: fleet_cmd::FleetArgs,
    /// Open the console on a sandbox started with `sandbox up` (enables drills).
    #[arg(long, value_name = "DIR")]
    pub sandbox_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Which ensemble: every command but `sandbox` takes these, before or after its name.
#[derive(ClapArgs, Debug, Clone, Default)]
pub struct Target {
    /// Connect string, e.g. zk1:2181,zk2:2181 (one reachable member is enough).
    #[arg(long, global = true, conflicts_with = "ensemble")]
    pub connect: Option<String>,
    /// A named ensemble from the config file.
    #[arg(long, short = 'e', global = true)]
    pub ensemble: Option<String>,
    /// From `AdminArgs`, for the commands that probe members (not `scan`).
    #[arg(skip)]
    pub admin: Vec<String>,
    #[arg(skip)]
    pub admin_port: Option<u16>,
}

/// AdminServer locations: only for the commands that probe members. Not global, so `scan
/// --help` lists only the flags scan takes.
#[derive(ClapArgs, Debug, Clone, Default)]
pub struct AdminArgs {
    /// AdminServer URL of a member, as ID=URL (repeatable), e.g. 1=http://zk1:8080.
    #[arg(long = "admin", value_name = "ID=URL")]
    pub admin: Vec<String>,
    /// AdminServer port shared by every member (http://<member host>:PORT).
    #[arg(long)]
    pub admin_port: Option<u16>,
}

/// Flags of the full-screen console (`zkconsole` and `zkconsole sandbox`).
#[derive(ClapArgs, Debug, Clone, Default)]
pub struct ConsoleArgs {
    /// Remove every write from keys, hints and code paths (sandbox drills included).
    #[arg(long)]
    pub read_only: bool,
    /// Colour theme (dark, light, high-contrast, ansi16, monochrome, or a file in
    /// $XDG_CONFIG_HOME/zkconsole/themes/). NO_COLOR forces monochrome.
    #[arg(long)]
    pub theme: Option<String>,
}

impl Target {
    /// This target with the AdminServer flags given before and after the subcommand.
    fn with_admin(&self, top: &AdminArgs, sub: &AdminArgs) -> Target {
        Target {
            admin: top.admin.iter().chain(&sub.admin).cloned().collect(),
            admin_port: sub.admin_port.or(top.admin_port),
            ..self.clone()
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// One round of probes: a summary and one row per member. Exit 0 ok, 1 warning,
    /// 2 critical (thresholds or quorum lost), 3 nothing reachable. With --all or
    /// --inventory: every ensemble at once, worst first, exiting with the worst one's code.
    Status {
        #[command(flatten)]
        admin: AdminArgs,
        /// Print the report as JSON (documented in the README).
        #[arg(long)]
        json: bool,
        /// Override the probe timeout (milliseconds).
        #[arg(long)]
        timeout_ms: Option<u64>,
        #[command(flatten)]
        fleet: fleet_cmd::FleetArgs,
        #[command(flatten)]
        load: status_cmd::LoadArgs,
    },
    /// Preview a membership change: the steps and, for each, the quorum before and after.
    /// Exits 2 if any step is unsafe.
    Plan {
        #[command(flatten)]
        change: plan_cmd::ChangeArgs,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// Execute a membership change step by step through reconfig, with the same checks as
    /// `plan`; stops at the first failure. Needs --yes.
    Apply {
        #[command(flatten)]
        change: plan_cmd::ChangeArgs,
        #[command(flatten)]
        admin: AdminArgs,
        /// Really execute (without it, apply only prints the plan).
        #[arg(long)]
        yes: bool,
        /// Refuse to change anything (as `zkconsole --read-only`): apply then exits 64.
        #[arg(long)]
        read_only: bool,
    },
    /// Local ensembles of real ZooKeeper servers. Without a subcommand: start one, watch it,
    /// and tear it down on exit.
    Sandbox {
        #[command(subcommand)]
        action: Option<sandbox_cmd::SandboxAction>,
        /// Number of voting members (1–9).
        #[arg(long, default_value_t = 3)]
        members: usize,
        /// Print status rounds instead of opening the full-screen console.
        #[arg(long)]
        plain: bool,
        #[command(flatten)]
        console: ConsoleArgs,
    },
    /// Walk a subtree once (pipelined getChildren): znodes, data, ephemerals, deepest path,
    /// widest and largest nodes. Exit 0 ok, 1 partial (NoAuth, unreadable, interrupted or
    /// --max-nodes reached), 3 unreachable or PATH missing.
    Scan {
        #[command(flatten)]
        args: scan_cmd::ScanArgs,
    },
    /// Rolling restart through the ensemble's host actions: observers, followers, the leader
    /// last; each step previewed, each start gated (serving, caught up, in sync, no election).
    /// Exit 0 all restarted, 2 halted, 3 membership unknown, 64 usage, 130 aborted.
    Roll {
        #[command(flatten)]
        args: roll_cmd::RollArgs,
        #[command(flatten)]
        admin: AdminArgs,
        /// Refuse to act (as `zkconsole --read-only`): roll then exits 64.
        #[arg(long)]
        read_only: bool,
    },
    /// The incident report: events, breaches, workflow and roll steps and audit lines as a
    /// Markdown timeline, with the state before and after, the members' figures at the worst
    /// moment and sparklines. Exit 0 written, 1 not written, 3 nothing recorded in the
    /// window, 64 usage.
    Report {
        #[command(flatten)]
        args: report_cmd::ReportArgs,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// Quorum lost for good: restart the survivors as a smaller ensemble through the host
    /// actions (stop, rewrite each membership with a backup, start the freshest first, verify).
    /// Without --yes only says what it would do. Exit 0 recovered, 2 refused or halted, 3 no
    /// membership known, 64 usage.
    Recover {
        #[command(flatten)]
        args: recover_cmd::RecoverArgs,
        #[command(flatten)]
        admin: AdminArgs,
        /// Refuse to act (as `zkconsole --read-only`): recover then exits 64.
        #[arg(long)]
        read_only: bool,
    },
    /// A bounded, labelled load under /zkconsole-bench/<run-id> (reads, writes or a mix;
    /// pipelined; sessions pinned to members), measured per member, then deleted and checked.
    /// Exit 0 done, 1 failed requests or nodes left, 3 unreachable, 64 usage, a production
    /// ensemble without --yes, or --read-only.
    Bench {
        #[command(flatten)]
        args: bench_cmd::BenchArgs,
    },
}

pub async fn run(args: Args) -> i32 {
    let keys = |k: &std::collections::BTreeMap<String, Vec<String>>| {
        zkconsole::app::keys::Keymap::default()
            .with_overrides(k)
            .map(|_| ())
    };
    let (config, _) = match Config::load(args.config.as_deref(), &keys) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("zkconsole: config error: {e}");
            return 64;
        }
    };
    let target = |sub: &AdminArgs| args.target.with_admin(&args.admin, sub);
    match &args.command {
        Some(Command::Status {
            admin,
            json,
            timeout_ms,
            fleet,
            load,
        }) => {
            let fleet = args.fleet.merged(fleet);
            if fleet.wanted() {
                return fleet_cmd::run_status(&config, &fleet, &target(admin), *json, *timeout_ms)
                    .await;
            }
            status_cmd::run(&config, &target(admin), *json, *timeout_ms, load).await
        }
        Some(Command::Scan { args: scan }) => {
            scan_cmd::run(&config, &target(&AdminArgs::default()), scan).await
        }
        Some(Command::Roll {
            args: roll,
            admin,
            read_only,
        }) => {
            if args.console.read_only || *read_only {
                eprintln!("zkconsole roll: --read-only forbids host actions; nothing was changed");
                return 64;
            }
            roll_cmd::run(&config, &target(admin), roll).await
        }
        Some(Command::Recover {
            args: rec,
            admin,
            read_only,
        }) => {
            if args.console.read_only || *read_only {
                eprintln!(
                    "zkconsole recover: --read-only forbids host actions; nothing was changed"
                );
                return 64;
            }
            recover_cmd::run(&config, &target(admin), rec).await
        }
        Some(Command::Report { args: rep, admin }) => {
            report_cmd::run(&config, &target(admin), args.sandbox_dir.as_deref(), rep).await
        }
        Some(Command::Plan { change, admin }) => {
            plan_cmd::run_plan(&config, &target(admin), change).await
        }
        Some(Command::Apply {
            change,
            admin,
            yes,
            read_only,
        }) => {
            if args.console.read_only || *read_only {
                eprintln!("zkconsole apply: --read-only forbids changes; nothing was changed");
                return 64;
            }
            plan_cmd::run_apply(&config, &target(admin), change, *yes).await
        }
        Some(Command::Sandbox {
            action,
            members,
            plain,
            console,
        }) => {
            let ui = UiFlags {
                read_only: args.console.read_only || console.read_only,
                theme: console.theme.clone().or(args.console.theme.clone()),
            };
            sandbox_cmd::run(&config, action.clone(), *members, *plain, ui).await
        }
        Some(Command::Bench { args: bench }) => {
            let t = target(&AdminArgs::default());
            bench_cmd::run(&config, &t, bench, args.console.read_only).await
        }
        None => console(&config, &args).await,
    }
}

/// Flags of the interactive console shared by `zkconsole` and `zkconsole sandbox`.
pub struct UiFlags {
    pub read_only: bool,
    pub theme: Option<String>,
}

async fn console(config: &Config, args: &Args) -> i32 {
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        eprintln!("zkconsole: the console needs a terminal; for scripts use `zkconsole status`");
        return 64;
    }
    if let Some(fleet) = fleet_wanted(config, args) {
        let ui = UiFlags {
            read_only: args.console.read_only,
            theme: args.console.theme.clone(),
        };
        let target = args.target.with_admin(&args.admin, &AdminArgs::default());
        return fleet_cmd::run_console(config, &fleet, &target, ui).await;
    }
    let (resolved, sandbox) = match &args.sandbox_dir {
        Some(dir) => match zkconsole::sandbox::Sandbox::open(dir) {
            Ok(sb) => (sandbox_cmd::resolved_for(&sb), Some(sb)),
            Err(e) => {
                eprintln!("zkconsole: {e:#}");
                return 64;
            }
        },
        None => match resolve_target(
            config,
            &args.target.with_admin(&args.admin, &AdminArgs::default()),
        ) {
            Ok(r) => (r, None),
            Err(e) => {
                eprintln!("zkconsole: {e}");
                return 64;
            }
        },
    };
    let ui = UiFlags {
        read_only: args.console.read_only,
        theme: args.console.theme.clone(),
    };
    let shared = sandbox.map(|s| std::sync::Arc::new(tokio::sync::Mutex::new(s)));
    match run_console(config, resolved, shared, ui).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("zkconsole: {e:#}");
            1
        }
    }
}

/// The fleet screen when asked (`--all`, `--inventory`), or when the config has several
/// ensembles, none is the default and no single one was named.
fn fleet_wanted(config: &Config, args: &Args) -> Option<fleet_cmd::FleetArgs> {
    if args.fleet.wanted() {
        return Some(args.fleet.clone());
    }
    let named = args.target.connect.is_some()
        || args.target.ensemble.is_some()
        || args.sandbox_dir.is_some()
        || config.default_ensemble.is_some();
    (!named && config.ensembles.len() > 1).then_some(fleet_cmd::FleetArgs {
        all: true,
        inventory: None,
    })
}

/// The shared handle through which the console's drills and workflows act on a sandbox.
pub type SharedSandbox = std::sync::Arc<tokio::sync::Mutex<zkconsole::sandbox::Sandbox>>;

pub async fn run_console(
    config: &Config,
    resolved: Resolved,
    sandbox: Option<SharedSandbox>,
    ui: UiFlags,
) -> anyhow::Result<()> {
    let opts = zkconsole::tui::ConsoleOptions {
        name: resolved.name,
        seeds: zkconsole::probe::round::seeds_of(&resolved.connect),
        connect: resolved.connect,
        admin: resolved.admin,
        credentials: resolved.credentials,
        tls: resolved.tls,
        read_only: ui.read_only,
        theme: ui.theme,
        config: config.clone(),
        sandbox,
    };
    zkconsole::tui::run(opts).await
}

/// What the command should talk to: the connect string, admin URLs and credentials.
pub struct Resolved {
    pub name: String,
    pub connect: String,
    pub admin: AdminLocator,
    pub credentials: Option<Credentials>,
    /// Which client ports speak TLS, with the ensemble's TLS settings.
    pub tls: TlsPorts,
}

impl Resolved {
    /// How a one-off command observes the ensemble: its seeds, admin URLs and TLS, each probe
    /// under the config's probe timeout.
    pub fn discovery(&self, config: &Config) -> zkconsole::probe::round::Discovery {
        zkconsole::probe::round::Discovery {
            seeds: zkconsole::probe::round::seeds_of(&self.connect),
            admin: self.admin.clone(),
            tls: self.tls.clone(),
            opts: zkconsole::probe::member::ProbeOptions {
                timeout: config.probe_timeout(),
                ..Default::default()
            },
        }
    }
}

pub fn resolve_target(config: &Config, t: &Target) -> Result<Resolved, String> {
    let name = match (&t.connect, &t.ensemble, &config.default_ensemble) {
        (Some(c), _, _) => {
            connect::validate(c)?;
            let mut admin = AdminLocator::default();
            apply_admin_flags(&mut admin, t)?;
            let credentials = Credentials::resolve(None).map_err(|e| e.to_string())?;
            // A bare connect string brings no TLS files: a `tcp+tls://` member is then
            // refused with the reason (no CA to verify it by).
            return Ok(Resolved {
                name: c.clone(),
                connect: c.clone(),
                admin,
                credentials,
                tls: TlsPorts::of(c, TlsConfig::default()),
            });
        }
        (None, Some(n), _) | (None, None, Some(n)) => n.clone(),
        (None, None, None) => {
            return Err(
                "say which ensemble: --connect HOST:PORT[,...] or --ensemble NAME \
                        (or set default_ensemble in the config)"
                    .into(),
            )
        }
    };
    let mut target = zkconsole::tui::target_of(config, &name)?;
    connect::validate(&target.connect).map_err(|e| format!("ensemble {name:?}: {e}"))?;
    apply_admin_flags(&mut target.admin, t)?;
    Ok(Resolved {
        name,
        connect: target.connect,
        admin: target.admin,
        credentials: target.credentials,
        tls: target.tls,
    })
}

/// `--admin ID=URL` and `--admin-port` win over the config.
fn apply_admin_flags(admin: &mut AdminLocator, t: &Target) -> Result<(), String> {
    for a in &t.admin {
        let (id, url) = a
            .split_once('=')
            .and_then(|(i, u)| Some((i.trim().parse::<u64>().ok()?, u.trim())))
            .ok_or_else(|| format!("--admin {a:?}: expected ID=URL, e.g. 1=http://zk1:8080"))?;
        admin.by_id.insert(id, url.to_string());
    }
    if t.admin_port.is_some() {
        admin.port = t.admin_port;
    }
    Ok(())
}

/// Writes to stdout; a closed pipe (`| head`) ends output quietly instead of panicking.
pub fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        // The reader went away; nothing useful can be said to it.
    }
}
