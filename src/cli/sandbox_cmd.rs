//! `zkconsole sandbox ...`: start, stop and drill local ensembles of real ZooKeeper servers.

use clap::Subcommand;
use std::path::PathBuf;
use std::time::Duration;
use zkconsole::config::Config;
use zkconsole::ensemble::LearnerType;
use zkconsole::health::summarize;
use zkconsole::probe::member::ProbeOptions;
use zkconsole::probe::round::{observe, seeds_of, AdminLocator, Discovery};
use zkconsole::probe::secure::{TlsConfig, TlsPorts};
use zkconsole::report::StatusReport;
use zkconsole::sandbox::{Sandbox, SandboxOptions};

#[derive(Subcommand, Debug, Clone)]
pub enum SandboxAction {
    /// Start an ensemble and leave it running; prints the connect string and directory.
    Up {
        #[arg(long, default_value_t = 3)]
        members: usize,
        /// Where to keep it (default: $XDG_STATE_HOME/zkconsole/sandbox).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// 4lw.commands.whitelist for the members (`srvr` is ZooKeeper's own default).
        #[arg(long, default_value = "*")]
        whitelist: String,
        /// Start a static ensemble, as most production ones run: `reconfigEnabled=false`,
        /// the server list in each zoo.cfg, membership changed by editing it and restarting.
        #[arg(long = "static")]
        static_layout: bool,
        /// With --static: member N on its own loopback address 127.0.0.1N, all on one client
        /// port, as on separate hosts (default: all on 127.0.0.1, one port each).
        #[arg(long, requires = "static_layout")]
        loopback_hosts: bool,
    },
    /// Stop every member and remove the directory.
    Down {
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// SIGKILL a member (a crash).
    Kill {
        id: u64,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// SIGSTOP a member (a hung JVM).
    Pause {
        id: u64,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// SIGCONT a paused member.
    Resume {
        id: u64,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Start a stopped member again (or kill and start a running one).
    Restart {
        id: u64,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Quorum lost: restart these survivors with a membership of only themselves.
    Recover {
        /// Survivors, the most up-to-date (highest zxid) first.
        #[arg(required = true)]
        survivors: Vec<u64>,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Start a new member seeded with the current config plus itself (not yet a voter).
    Add {
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Join as an observer instead of a participant.
        #[arg(long)]
        observer: bool,
    },
}

fn default_dir() -> anyhow::Result<PathBuf> {
    Ok(zkconsole::config::state_dir()?.join("sandbox"))
}

/// What can be told wrong from the arguments and the sandbox's state file alone: a member
/// count out of range, no sandbox in the directory, a member id it does not have.
fn check_usage(action: Option<&SandboxAction>, members: usize) -> Result<(), String> {
    use SandboxAction::*;
    let count = zkconsole::sandbox::check_members;
    let (dir, ids): (&Option<PathBuf>, Vec<u64>) = match action {
        None => return count(members),
        Some(Up { members, .. }) => return count(*members),
        Some(Down { dir }) | Some(Add { dir, .. }) => (dir, vec![]),
        Some(Kill { id, dir })
        | Some(Pause { id, dir })
        | Some(Resume { id, dir })
        | Some(Restart { id, dir }) => (dir, vec![*id]),
        Some(Recover { survivors, dir }) => (dir, survivors.clone()),
    };
    let dir = match dir {
        Some(d) => d.clone(),
        None => default_dir().map_err(|e| format!("{e:#}"))?,
    };
    let sb = Sandbox::open(&dir).map_err(|e| {
        format!(
            "no sandbox in {} ({e:#}); start one with `zkconsole sandbox up --dir {}`",
            dir.display(),
            dir.display()
        )
    })?;
    let known = sb.ids();
    match ids.iter().find(|id| !known.contains(id)) {
        Some(id) => Err(format!(
            "the sandbox in {} has no member {id} (members: {})",
            dir.display(),
            known
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        )),
        None => Ok(()),
    }
}

pub async fn run(
    config: &Config,
    action: Option<SandboxAction>,
    members: usize,
    plain: bool,
    ui: super::UiFlags,
) -> i32 {
    // Usage errors are found before anything starts or prints.
    if let Err(e) = check_usage(action.as_ref(), members) {
        eprintln!("zkconsole sandbox: {e}");
        return 64;
    }
    match run_inner(config, action, members, plain, ui).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("zkconsole sandbox: {e:#}");
            1
        }
    }
}

async fn run_inner(
    config: &Config,
    action: Option<SandboxAction>,
    members: usize,
    plain: bool,
    ui: super::UiFlags,
) -> anyhow::Result<i32> {
    use SandboxAction::*;
    let open = |dir: Option<PathBuf>| match dir {
        Some(d) => Sandbox::open(&d),
        None => Sandbox::open(&default_dir()?),
    };
    match action {
        None if plain || !std::io::IsTerminal::is_terminal(&std::io::stdout()) => {
            watch_ephemeral(config, members).await
        }
        None => console_on_fresh_sandbox(config, members, ui).await,
        Some(Up {
            members,
            dir,
            whitelist,
            static_layout,
            loopback_hosts,
        }) => {
            let static_layout = static_layout.then_some(if loopback_hosts {
                zkconsole::sandbox::StaticLayout::LoopbackHosts
            } else {
                zkconsole::sandbox::StaticLayout::OneHost
            });
            let dir = match dir {
                Some(d) => d,
                None => default_dir()?,
            };
            eprintln!(
                "starting {members} ZooKeeper members in {} ...",
                dir.display()
            );
            let sb = Sandbox::up(SandboxOptions {
                members,
                dir: Some(dir),
                whitelist,
                static_layout,
                ..SandboxOptions::default()
            })
            .await?;
            print_sandbox(&sb);
            sb.detach();
            Ok(0)
        }
        Some(Down { dir }) => {
            let sb = open(dir)?;
            let shown = sb.dir().display().to_string();
            sb.down().await?;
            println!("stopped and removed {shown}");
            Ok(0)
        }
        Some(Kill { id, dir }) => {
            open(dir)?.kill(id).await?;
            drilled(id, "killed")
        }
        Some(Pause { id, dir }) => {
            open(dir)?.pause(id)?;
            drilled(id, "paused")
        }
        Some(Resume { id, dir }) => {
            open(dir)?.resume(id)?;
            drilled(id, "resumed")
        }
        Some(Restart { id, dir }) => {
            open(dir)?.restart(id).await?;
            drilled(id, "restarted")
        }
        Some(Recover { survivors, dir }) => {
            let mut sb = open(dir)?;
            let leader = sb.recover_quorum(&survivors).await?;
            println!(
                "recovered: member {leader} leads a membership of {}; grow it again with \
                 `zkconsole sandbox add` and `zkconsole apply --add ...`",
                survivors
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            );
            Ok(0)
        }
        Some(Add { dir, observer }) => {
            let mut sb = open(dir)?;
            let role = if observer {
                LearnerType::Observer
            } else {
                LearnerType::Participant
            };
            let m = sb.add_member(role).await?;
            println!(
                "member {} started at {} as a joining {}; add it with a reconfig",
                m.id,
                m.client_address(),
                role.as_str()
            );
            Ok(0)
        }
    }
}

fn drilled(id: u64, verb: &str) -> anyhow::Result<i32> {
    println!("member {id} {verb}");
    Ok(0)
}

fn print_sandbox(sb: &Sandbox) {
    println!("connect: {}", sb.connect_string());
    println!("dir:     {}", sb.dir().display());
    println!(
        "digest:  {} (super user, mode 0600)",
        sb.digest_file().display()
    );
    for m in sb.members() {
        println!(
            "  member {}  client {}  admin {}  pid {}",
            m.id,
            m.client_address(),
            m.admin_url(),
            m.pid.map_or("-".into(), |p| p.to_string())
        );
    }
}

/// What the console needs to talk to a sandbox: its connect string, AdminServers, and the
/// super user's digest credentials.
pub fn resolved_for(sb: &Sandbox) -> super::Resolved {
    super::Resolved {
        name: format!("sandbox {}", sb.dir().display()),
        connect: sb.connect_string(),
        admin: AdminLocator {
            by_id: sb.admin_urls().into_iter().collect(),
            port: None,
        },
        credentials: zkconsole::config::Credentials::from_file(&sb.digest_file()).ok(),
        tls: TlsPorts::of(&sb.connect_string(), TlsConfig::default()),
    }
}

/// `zkconsole sandbox`: up, the console on it, and everything torn down when it closes.
async fn console_on_fresh_sandbox(
    config: &Config,
    members: usize,
    ui: super::UiFlags,
) -> anyhow::Result<i32> {
    eprintln!("starting a {members}-member ZooKeeper sandbox ...");
    let sb = Sandbox::up(SandboxOptions {
        members,
        ..SandboxOptions::default()
    })
    .await?;
    let resolved = super::Resolved {
        name: "sandbox".into(),
        ..resolved_for(&sb)
    };
    let dir = sb.dir().to_path_buf();
    let shared = std::sync::Arc::new(tokio::sync::Mutex::new(sb));
    let result = super::run_console(config, resolved, Some(shared.clone()), ui).await;
    eprintln!("stopping the sandbox in {} ...", dir.display());
    // The console's drills hold the sandbox only briefly; after the console it is ours alone.
    match std::sync::Arc::try_unwrap(shared) {
        Ok(m) => m.into_inner().down().await?,
        Err(shared) => {
            let mut sb = shared.lock().await;
            for id in sb.ids() {
                if let Ok(Some(stopping)) = sb.begin_stop(id) {
                    let _ = stopping.reaped().await;
                }
            }
        }
    }
    result?;
    Ok(0)
}

/// Up, show the ensemble until Ctrl-C, then tear everything down.
async fn watch_ephemeral(config: &Config, members: usize) -> anyhow::Result<i32> {
    eprintln!("starting a {members}-member sandbox ...");
    let sb = Sandbox::up(SandboxOptions {
        members,
        ..SandboxOptions::default()
    })
    .await?;
    print_sandbox(&sb);
    let discovery = Discovery {
        seeds: seeds_of(&sb.connect_string()),
        admin: AdminLocator {
            by_id: sb.admin_urls().into_iter().collect(),
            port: None,
        },
        tls: TlsPorts::default(),
        opts: ProbeOptions {
            timeout: config.probe_timeout(),
            ..ProbeOptions::default()
        },
    };
    let mut previous = None;
    let mut tick = tokio::time::interval(config.refresh().max(Duration::from_secs(2)));
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = tick.tick() => {
                let obs = observe(&discovery, previous.as_ref()).await;
                let health = summarize(obs.config.as_ref(), &obs.members, &config.thresholds);
                println!("\n{}", StatusReport::new("sandbox", &obs, &health).to_text());
                previous = obs.config.clone().or(previous);
            }
        }
    }
    eprintln!("stopping the sandbox ...");
    sb.down().await?;
    Ok(0)
}
