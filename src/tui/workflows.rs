//! Running the guided workflows' effects off the event loop: starting sandbox joiners,
//! executing planned reconfig steps, recovering a lost quorum. Each reports back as messages.

use crate::app::{Msg, WorkflowMsg};
use crate::audit::AuditLog;
use crate::config::{Credentials, Level};
use crate::ensemble::LearnerType;
use crate::probe::member::ProbeOptions;
use crate::probe::round::AdminLocator;
use crate::report::hex;
use crate::sandbox::Sandbox;
use crate::workflow::executor::Executor;
use crate::workflow::render::step_title;
use crate::workflow::Step;
use std::sync::Arc;
use tokio::sync::{mpsc::UnboundedSender, Mutex};

type Shared = Option<Arc<Mutex<Sandbox>>>;

/// How long a sandbox joiner may take to serve, and survivors to elect a leader.
const JOIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

fn say(tx: &UnboundedSender<Msg>, level: Level, text: String) {
    let _ = tx.send(Msg::Workflow(WorkflowMsg::Progress(level, text)));
}

fn finish(tx: &UnboundedSender<Msg>, r: Result<String, String>) {
    let _ = tx.send(Msg::Workflow(WorkflowMsg::Finished(r)));
}

pub fn start_joiners(sandbox: Shared, role: LearnerType, count: usize, tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let Some(sb) = sandbox else {
            finish(&tx, Err("joiners can be started only on a sandbox".into()));
            return;
        };
        for _ in 0..count {
            let launched = sb.lock().await.launch_member(role).await;
            // Waiting for it to serve holds no lock: drills stay usable meanwhile.
            let started = match launched {
                Ok(m) => crate::sandbox::wait_serving(&m, JOIN_TIMEOUT)
                    .await
                    .map(|_| m),
                Err(e) => Err(e),
            };
            match started {
                Ok(m) => {
                    let spec = crate::ensemble::ServerSpec {
                        id: m.id,
                        host: "127.0.0.1".into(),
                        quorum_port: m.quorum_port,
                        election_port: m.election_port,
                        learner_type: role,
                        client_host: Some("127.0.0.1".into()),
                        client_port: Some(m.client_port),
                    };
                    let _ = tx.send(Msg::Workflow(WorkflowMsg::JoinerStarted(spec)));
                }
                Err(e) => {
                    finish(&tx, Err(format!("could not start a joiner: {e:#}")));
                    return;
                }
            }
        }
    });
}

pub struct Session {
    pub connect: String,
    pub credentials: Option<Credentials>,
    pub tls: crate::probe::secure::TlsPorts,
    pub ensemble: String,
    pub probe: ProbeOptions,
    pub admin: AdminLocator,
}

/// Runs the steps in order on a session of its own, each with the version the previous one
/// produced; stops at the first failure.
pub fn execute(session: Session, steps: Vec<Step>, stop_removed: Shared, tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let client = match crate::zk::connect_session(
            &session.connect,
            session.probe.timeout,
            session.credentials.as_ref(),
            &session.tls,
        )
        .await
        {
            Ok(c) => c,
            Err(e) => {
                finish(
                    &tx,
                    Err(format!(
                        "no session for the reconfig: {e}; nothing was changed"
                    )),
                );
                return;
            }
        };
        let audit = match AuditLog::open_default().await {
            Ok(a) => a,
            Err(e) => {
                finish(
                    &tx,
                    Err(format!(
                        "refused: the reconfig could not be audited ({e}); nothing was changed"
                    )),
                );
                return;
            }
        };
        let executor = Executor {
            client: &client,
            ensemble: session.ensemble.clone(),
            auth_user: session.credentials.as_ref().map(|c| c.user.clone()),
            audit,
            probe: session.probe,
            admin: session.admin.clone(),
        };
        let total = steps.len();
        let mut expected = match executor.reread().await {
            Some(c) => c,
            None => {
                finish(
                    &tx,
                    Err("could not read /zookeeper/config; nothing was changed".into()),
                );
                return;
            }
        };
        for (i, step) in steps.iter().enumerate() {
            if expected.servers != step.before.servers {
                finish(
                    &tx,
                    Err(format!(
                        "step {}/{total}: the membership changed since the preview; stopped, nothing more was changed",
                        i + 1
                    )),
                );
                return;
            }
            let version = expected.version.unwrap_or(0);
            say(
                &tx,
                Level::Warn,
                format!("step {}/{total}: {}", i + 1, step_title(step)),
            );
            match executor.run_step(step, version).await {
                Ok(report) => {
                    say(
                        &tx,
                        Level::Ok,
                        format!(
                            "  committed: version {} → {}",
                            hex(version),
                            report.new_version.map_or("?".into(), hex)
                        ),
                    );
                    for v in &report.verification {
                        say(&tx, Level::Ok, format!("  {v}"));
                    }
                    if let Some(sb) = &stop_removed {
                        for id in &report.may_stop {
                            let stopping = sb.lock().await.begin_kill(*id);
                            let r = match stopping {
                                Ok(s) => s.reaped().await,
                                Err(e) => Err(e),
                            };
                            say(
                                &tx,
                                if r.is_ok() { Level::Ok } else { Level::Warn },
                                match r {
                                    Ok(()) => format!("  stopped removed server {id} (sandbox)"),
                                    Err(e) => format!("  could not stop server {id}: {e:#}"),
                                },
                            );
                        }
                    } else if !report.may_stop.is_empty() {
                        say(
                            &tx,
                            Level::Warn,
                            format!(
                                "  stop server(s) {} on their hosts now (they run as non-voting followers)",
                                report.may_stop.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
                            ),
                        );
                    }
                    expected = report.config;
                }
                Err(e) => {
                    finish(&tx, Err(format!("step {}/{total} failed: {e}", i + 1)));
                    return;
                }
            }
        }
        finish(
            &tx,
            Ok(format!(
                "done: {total} step(s) committed; membership version {}",
                expected.version.map_or("?".into(), hex)
            )),
        );
    });
}

pub fn recover(sandbox: Shared, survivors: Vec<u64>, tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let Some(sb) = sandbox else {
            finish(&tx, Err("automatic recovery runs only on a sandbox".into()));
            return;
        };
        let ids = survivors
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        say(&tx, Level::Warn, format!("stopping survivors {ids}, rewriting their dynamic config to list only {ids}, starting them ..."));
        let restarted = sb.lock().await.restart_survivors(&survivors).await;
        let view = sb.lock().await.view();
        let r = match restarted {
            Ok(()) => view.wait_for_leader(JOIN_TIMEOUT).await,
            Err(e) => Err(e),
        };
        if r.is_ok() {
            // Show the survivors' membership at once rather than after the next watch.
            if let Ok(cfg) = sb.lock().await.current_config().await {
                let _ = tx.send(Msg::Workflow(WorkflowMsg::Membership(cfg)));
            }
        }
        finish(
            &tx,
            r.map(|leader| format!("quorum restored: member {leader} leads survivors {ids}; grow again with expand"))
                .map_err(|e| format!("recovery failed: {e:#}")),
        );
    });
}

/// [`write_files`] on a blocking thread, answering with a progress line.
pub fn write_files_off_loop(dir: String, files: Vec<(String, String)>, tx: UnboundedSender<Msg>) {
    tokio::task::spawn_blocking(move || {
        let r = write_files(&dir, &files);
        let level = if r.is_ok() {
            Level::Ok
        } else {
            Level::Critical
        };
        say(&tx, level, r.unwrap_or_else(|e| e));
    });
}

/// Writes the generated files of a new member into `dir` (created if missing).
pub fn write_files(dir: &str, files: &[(String, String)]) -> Result<String, String> {
    let dir = crate::config::expand_home(std::path::PathBuf::from(dir.trim()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(format!(
        "wrote {} file(s) to {}",
        files.len(),
        dir.display()
    ))
}

/// Expand on a real host: the wizard's host steps in order through the ensemble's templates,
/// each audited before and after; halts at the first failure saying what was done.
pub fn host_steps(
    actions: Option<crate::config::actions::ActionsEntry>,
    ensemble: String,
    steps: Vec<crate::app::wizard_host::HostStep>,
    tx: UnboundedSender<Msg>,
) {
    tokio::spawn(async move {
        let Some(entry) = actions else {
            say(
                &tx,
                Level::Critical,
                format!("no host actions for {ensemble}: nothing was run"),
            );
            return;
        };
        let log = match AuditLog::open_default().await {
            Ok(l) => l,
            Err(e) => {
                say(
                    &tx,
                    Level::Critical,
                    format!("refused: host actions could not be audited ({e}); nothing was run"),
                );
                return;
            }
        };
        let host = crate::host::Audited::new(crate::host::CommandHost::new(entry), log, &ensemble);
        let total = steps.len();
        for (i, step) in steps.iter().enumerate() {
            say(
                &tx,
                Level::Warn,
                format!("host step {}/{total}: {}", i + 1, step.what),
            );
            match crate::host::HostActions::run(&host, &step.action, &step.member).await {
                Ok(out) => {
                    say(&tx, Level::Ok, format!("  {}", out.summary()));
                    for l in String::from_utf8_lossy(&out.stdout).lines().take(5) {
                        say(&tx, Level::Ok, format!("  | {l}"));
                    }
                }
                Err(e) => {
                    let done = if i == 0 {
                        "nothing was done".to_string()
                    } else {
                        format!("steps 1-{i} were done")
                    };
                    say(
                        &tx,
                        Level::Critical,
                        format!("host step {}/{total} failed: {e}; halted ({done})", i + 1),
                    );
                    return;
                }
            }
        }
        say(&tx, Level::Ok, format!("{total} host action(s) done: the new member is starting; enter reviews the plan once it syncs"));
    });
}

/// Reads a serving member's zoo.cfg through `read_file` (audited), for the joiner's to be
/// derived from; answers with `WorkflowMsg::JoinerSource`.
pub fn read_source(
    actions: Option<crate::config::actions::ActionsEntry>,
    ensemble: String,
    member: crate::host::MemberRef,
    tx: UnboundedSender<Msg>,
) {
    tokio::spawn(async move {
        let id = member.id;
        let text = read_zoo_cfg(actions, &ensemble, &member).await;
        let _ = tx.send(Msg::Workflow(WorkflowMsg::JoinerSource { id, text }));
    });
}

async fn read_zoo_cfg(
    actions: Option<crate::config::actions::ActionsEntry>,
    ensemble: &str,
    member: &crate::host::MemberRef,
) -> Result<String, String> {
    let entry = actions.ok_or_else(|| format!("no host actions for {ensemble}"))?;
    let log = AuditLog::open_default()
        .await
        .map_err(|e| format!("the read could not be audited ({e})"))?;
    let host = crate::host::Audited::new(crate::host::CommandHost::new(entry), log, ensemble);
    // The action has the template's timeout (`timeout_s`): this cannot hang.
    let out = crate::host::HostActions::run(&host, &crate::host::Action::ReadConfig, member)
        .await
        .map_err(|e| e.to_string())?;
    String::from_utf8(out.stdout).map_err(|_| "the file is not UTF-8 text".to_string())
}
