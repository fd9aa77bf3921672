//! The interactive console: one event loop over input, member probes, membership changes and
//! a slow tick. It draws only when something changed, at most every ~30 ms.

pub mod clients;
pub mod editor;
pub mod fleet;
pub mod incident;
mod recover_hosts;
mod restart_host;
mod roll;
mod sources;
mod terminal;
pub mod tree_worker;
mod watchers;
mod workflows;

use crate::app::keys::Keymap;
use crate::app::{Drill, Effect, Msg, State, StateInit};
use crate::config::{Config, Credentials};
use crate::ensemble::EnsembleConfig;
use crate::probe::member::ProbeOptions;
use crate::probe::round::{AdminLocator, ConfigSource};
use crate::probe::secure::{TlsConfig, TlsPorts};
use crate::remembered;
use crate::sandbox::Sandbox;
use crate::ui::theme::{effective_theme, Themes};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

const FRAME_GAP: Duration = Duration::from_millis(30);
/// Members answer a round at slightly different moments: wait this long after the first
/// answer so one frame shows the whole round (input is never delayed by this).
const DATA_COALESCE: Duration = Duration::from_millis(150);

pub struct ConsoleOptions {
    pub name: String,
    pub connect: String,
    pub seeds: Vec<String>,
    pub admin: AdminLocator,
    pub credentials: Option<Credentials>,
    /// Which client ports speak TLS, with the ensemble's TLS settings.
    pub tls: TlsPorts,
    pub read_only: bool,
    pub theme: Option<String>,
    pub config: Config,
    /// When the console runs on a sandbox: drills act on it.
    pub sandbox: Option<Arc<tokio::sync::Mutex<Sandbox>>>,
}

pub async fn run(opts: ConsoleOptions) -> anyhow::Result<()> {
    let themes = Themes::load(
        crate::config::default_path()
            .and_then(|p| p.parent().map(|d| d.join("themes")))
            .as_deref(),
    );
    for w in &themes.warnings {
        tracing::warn!(theme_problem = %w);
    }
    let requested = opts
        .theme
        .clone()
        .unwrap_or_else(|| opts.config.theme.clone());
    let theme = effective_theme(&requested);
    let keymap = Keymap::default()
        .with_overrides(&opts.config.keys)
        .map_err(|e| anyhow::anyhow!("config: {e}"))?;
    let mut state = State::new(StateInit {
        ensemble: opts.name.clone(),
        seeds: opts.seeds.clone(),
        admin: opts.admin.clone(),
        tls: opts.tls.clone(),
        read_only: opts.read_only,
        sandbox: opts.sandbox.is_some(),
        config: opts.config.clone(),
        keymap,
        theme: if themes.contains(&theme) {
            theme
        } else {
            crate::ui::theme::DEFAULT_THEME.into()
        },
        themes: themes.names(),
    });
    // The model reads no clock: its time arrives in messages, from the start.
    state.update(Msg::Clock(std::time::SystemTime::now()));
    if let Some(w) = themes.warnings.first() {
        state.flash = Some((
            crate::config::Level::Warn,
            format!("theme file skipped: {w}"),
        ));
    }

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let probe_opts = ProbeOptions {
        timeout: opts.config.probe_timeout(),
        ..ProbeOptions::default()
    };
    let mut sources = Sources {
        tree: None,
        connect: opts.connect.clone(),
        credentials: opts.credentials.clone(),
        pollers: sources::Pollers::new(tx.clone(), probe_opts, opts.config.refresh()),
        watcher: None,
        opts: probe_opts,
        refresh: opts.config.refresh(),
        tx: tx.clone(),
        remembered: None,
        events_saved: 0,
        roll: roll::Worker::default(),
        watchers: Default::default(),
    };
    recall_membership(&mut state);
    // A roll that stopped part-way (this console died mid-roll) is shown and offered.
    roll::load_journal(state.ensemble.clone(), tx.clone());
    sources.start(&state, opts.connect.clone(), opts.credentials.clone());
    let ticker = {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut t = tokio::time::interval(Duration::from_secs(1));
            loop {
                t.tick().await;
                if tx.send(Msg::Tick).is_err() {
                    return;
                }
            }
        })
    };
    let signals = {
        let tx = tx.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut term), Ok(mut hup)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::hangup()),
            ) else {
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
            let _ = tx.send(Msg::Shutdown);
        })
    };
    let mut term = terminal::setup()?;
    // The model bounds scrolling by the viewport: it learns the size before the first frame.
    let size = term.size()?;
    state.update(Msg::Resize(size.width, size.height));
    let mut handover = editor::Handover::new(terminal::spawn_input(tx.clone()));
    let result = event_loop(
        &mut term,
        &mut state,
        &themes,
        &mut rx,
        &mut sources,
        opts.sandbox.clone(),
        &mut handover,
    )
    .await;
    terminal::restore();
    sources.stop();
    ticker.abort();
    signals.abort();
    result
}

/// The background sources of one ensemble: member pollers and the membership watcher.
struct Sources {
    /// The znode browser's session worker, started when the browser is first opened.
    tree: Option<(
        mpsc::Sender<crate::app::tree::TreeRequest>,
        tokio::task::JoinHandle<()>,
    )>,
    /// The ensemble's connect string and credentials, for sessions of workflows.
    connect: String,
    credentials: Option<Credentials>,
    pollers: sources::Pollers,
    watcher: Option<tokio::task::JoinHandle<()>>,
    opts: ProbeOptions,
    refresh: Duration,
    tx: mpsc::UnboundedSender<Msg>,
    /// The live membership last written to the state dir, so an unchanged one is not rewritten.
    remembered: Option<EnsembleConfig>,
    /// How many of this run's events are kept in the state dir already.
    events_saved: u64,
    /// The rolling restart at work, if any.
    roll: roll::Worker,
    /// Notifications and the figures kept for the incident report.
    watchers: watchers::Watchers,
}

impl Sources {
    fn start(&mut self, state: &State, connect: String, credentials: Option<Credentials>) {
        self.remembered = None;
        self.events_saved = state.events.pushed();
        // Another ensemble: its own rules, a fresh baseline.
        self.watchers = Default::default();
        self.connect = connect.clone();
        self.credentials = credentials.clone();
        self.pollers.gen = state.generation;
        self.pollers.set(state.targets());
        self.watcher = Some(sources::watch_membership(
            state.generation,
            sources::Reach {
                connect,
                credentials,
                tls: state.tls.clone(),
            },
            self.pollers.known.clone(),
            self.opts,
            self.refresh,
            self.tx.clone(),
        ));
    }

    /// Where a new session should go: the members probed now, then the given hosts.
    fn live_connect(&self) -> String {
        sources::connect_now(&self.connect, &self.pollers.known)
    }

    /// Keeps a live membership for the next start that finds the quorum lost.
    fn remember(&mut self, seeds: &[String], config: &EnsembleConfig) {
        if self.remembered.as_ref() == Some(config) {
            return;
        }
        let Some(path) = remembered::default_path(seeds) else {
            return;
        };
        self.remembered = Some(config.clone());
        // A file write (and rename) has no place on the event loop.
        let write = remembered::store_async(path.clone(), seeds.to_vec(), config.clone());
        tokio::spawn(async move {
            if let Err(e) = write.await {
                tracing::warn!(path = %path.display(), error = %e, "could not remember the membership");
            }
        });
    }

    /// Appends this run's new events to the state dir: a restart shows them as earlier.
    fn keep_events(&mut self, state: &State) {
        self.watchers.after_batch(state, &self.tx);
        let new = state.events.since(self.events_saved);
        if new.is_empty() {
            return;
        }
        let Some(path) = crate::events_file::default_path(&state.seeds) else {
            return;
        };
        if let Err(e) = crate::events_file::append(&path, &new) {
            tracing::warn!(path = %path.display(), error = %e, "could not keep the events");
        }
        self.events_saved = state.events.pushed();
    }

    fn stop(&mut self) {
        if let Some((_, h)) = self.tree.take() {
            h.abort();
        }
        self.pollers.stop();
        if let Some(w) = self.watcher.take() {
            w.abort();
        }
    }
}

async fn event_loop(
    term: &mut terminal::Term,
    state: &mut State,
    themes: &Themes,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    sources: &mut Sources,
    sandbox: Option<Arc<tokio::sync::Mutex<Sandbox>>>,
    handover: &mut editor::Handover,
) -> anyhow::Result<()> {
    let mut last_draw = Instant::now() - FRAME_GAP;
    // When the next frame is due, if something changed.
    let mut draw_at: Option<Instant> = Some(Instant::now());
    // When a key arrived that the next frame answers: for the key-to-frame benchmark.
    let mut key_at: Option<Instant> = None;
    loop {
        // While an editor has the terminal, nothing is drawn.
        if state.dirty && !handover.suspended && draw_at.is_some_and(|t| t <= Instant::now()) {
            term.draw(|f| crate::ui::draw(f, state, themes.get(&state.theme)))?;
            state.dirty = false;
            draw_at = None;
            last_draw = Instant::now();
            if let Some(at) = key_at.take() {
                tracing::debug!(key_to_frame_us = at.elapsed().as_micros() as u64, "frame");
            }
        }
        let msg = match draw_at.filter(|_| state.dirty && !handover.suspended) {
            Some(t) => tokio::select! {
                m = rx.recv() => m,
                _ = sleep_until(t) => continue,
            },
            None => rx.recv().await,
        };
        let Some(first) = msg else { return Ok(()) };
        // Apply everything already waiting before drawing once.
        let mut batch = vec![first];
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
        }
        let urgent = batch
            .iter()
            .any(|m| !matches!(m, Msg::Probed { .. } | Msg::MemberConf { .. } | Msg::Tick));
        if batch.iter().any(|m| matches!(m, Msg::Key(_))) {
            key_at.get_or_insert_with(Instant::now);
        }
        for m in &batch {
            if let Msg::Resize(w, h) = m {
                term.resize(ratatui::layout::Rect::new(0, 0, *w, *h))?;
            }
        }
        // The model reads no clock: the time of this batch arrives as a message.
        state.update(Msg::Clock(std::time::SystemTime::now()));
        let due = if urgent {
            (last_draw + FRAME_GAP).max(Instant::now())
        } else {
            Instant::now() + DATA_COALESCE
        };
        draw_at = Some(draw_at.map_or(due, |t| t.min(due)));
        for m in batch {
            if let Msg::Tree(crate::app::tree::TreeMsg::Edited { .. }) = &m {
                handover.resume(term, state);
            }
            if let Msg::Membership {
                gen,
                config,
                source: ConfigSource::Conf | ConfigSource::Znode,
            } = &m
            {
                if *gen == state.generation {
                    sources.remember(&state.seeds, config);
                }
            }
            for effect in state.update(m) {
                // The editor hand-over needs the terminal, which only this loop holds.
                if let Effect::Edit(edit) = effect {
                    if !state.read_only {
                        handover.start(edit, state, sources.tx.clone());
                    }
                    continue;
                }
                if run_effect(effect, state, sources, &sandbox) {
                    return Ok(());
                }
            }
        }
        sources.keep_events(state);
    }
}

/// Carries out one effect of the model on this ensemble's sources; `true` to quit. Shared by
/// the single-ensemble loop and the fleet's (where each ensemble has its own sources).
fn run_effect(
    effect: Effect,
    state: &mut State,
    sources: &mut Sources,
    sandbox: &Option<Arc<tokio::sync::Mutex<Sandbox>>>,
) -> bool {
    match effect {
        Effect::Quit => return true,
        Effect::SetTargets(t) => sources.pollers.set(t),
        Effect::Drill(d, id) => spawn_drill(sandbox.clone(), d, id, sources.tx.clone()),
        Effect::SwitchEnsemble(name) => switch_ensemble(state, sources, &name),
        Effect::Copy(text) => terminal::copy_to_clipboard(&text),
        Effect::Clients(req) => clients::read(req, sources.opts.timeout, sources.tx.clone()),
        Effect::Report(req) => incident::write_from_console(req, state, sources.tx.clone()),
        // Taken by the event loop before it gets here: it needs the terminal.
        Effect::Edit(_) => {}
        Effect::Roll(req) => {
            if state.read_only {
                return false;
            }
            let ctx = roll::Context {
                ensemble: state.ensemble.clone(),
                connect: sources.live_connect(),
                credentials: sources.credentials.clone(),
                config: state.config.clone(),
                seeds: state.seeds.clone(),
                admin: state.admin.clone(),
                tls: state.tls.clone(),
                probe: sources.opts,
                sandbox: sandbox.clone(),
                tx: sources.tx.clone(),
            };
            sources.roll.handle(req, ctx);
        }
        Effect::HostSteps(steps) => {
            if state.read_only {
                return false;
            }
            let actions = state
                .config
                .ensembles
                .get(&state.ensemble)
                .and_then(|e| e.actions.clone());
            workflows::host_steps(actions, state.ensemble.clone(), steps, sources.tx.clone())
        }
        Effect::RestartMember(restart) => {
            // A real ensemble: the model offers this only with host actions.
            if state.read_only {
                return false;
            }
            if let (Some(actions), Some(membership)) =
                (state.restart_actions().cloned(), state.membership.clone())
            {
                let ctx = restart_host::Context {
                    ensemble: state.ensemble.clone(),
                    actions,
                    membership,
                    discovery: discovery_of(state, sources),
                    timeout: state.config.roll_for(&state.ensemble).gate_timeout,
                };
                restart_host::spawn(ctx, restart, sources.tx.clone());
            }
        }
        Effect::ReadSource(member) => {
            if state.read_only {
                return false;
            }
            let actions = state
                .config
                .ensembles
                .get(&state.ensemble)
                .and_then(|e| e.actions.clone());
            workflows::read_source(actions, state.ensemble.clone(), member, sources.tx.clone())
        }
        Effect::WriteFiles { dir, files } => {
            workflows::write_files_off_loop(dir, files, sources.tx.clone())
        }
        Effect::StartJoiners(role, count) => {
            workflows::start_joiners(sandbox.clone(), role, count, sources.tx.clone())
        }
        Effect::Execute {
            steps,
            stop_removed,
        } => workflows::execute(
            workflows::Session {
                connect: sources.live_connect(),
                credentials: sources.credentials.clone(),
                tls: state.tls.clone(),
                ensemble: state.ensemble.clone(),
                probe: sources.opts,
                admin: state.admin.clone(),
            },
            steps,
            if stop_removed { sandbox.clone() } else { None },
            sources.tx.clone(),
        ),
        Effect::Tree(req) => {
            if req.is_write() && state.read_only {
                return false;
            }
            // A worker that found no session has ended: the next request tries
            // again, at the members of now.
            if sources.tree.as_ref().is_some_and(|(_, h)| h.is_finished()) {
                sources.tree = None;
            }
            let connect = sources.live_connect();
            let worker = sources.tree.get_or_insert_with(|| {
                tree_worker::spawn(
                    tree_worker::Context {
                        connect,
                        credentials: sources.credentials.clone(),
                        tls: state.tls.clone(),
                        timeout: sources.opts.timeout,
                        ensemble: state.ensemble.clone(),
                        read_only: state.read_only,
                        gen: state.generation,
                        min_refresh: state.config.tree.min_refresh(),
                    },
                    sources.tx.clone(),
                )
            });
            // A bounded queue: a browser that cannot keep up says so.
            if worker.0.try_send(req).is_err() {
                state.flash = Some((
                    crate::config::Level::Warn,
                    "the znode browser is busy: request dropped, press r to reload".into(),
                ));
                state.dirty = true;
            }
        }
        Effect::Recover { survivors } if sandbox.is_none() => {
            // A real ensemble: the model offers this only with host actions.
            if state.read_only {
                return false;
            }
            if let (Some(actions), Some(membership)) =
                (state.recover_actions().cloned(), state.membership.clone())
            {
                let ctx = recover_hosts::Context {
                    ensemble: state.ensemble.clone(),
                    actions,
                    membership,
                    discovery: discovery_of(state, sources),
                    thresholds: state.config.thresholds.clone(),
                };
                recover_hosts::spawn(ctx, survivors, sources.tx.clone());
            }
        }
        Effect::Recover { survivors } => {
            workflows::recover(sandbox.clone(), survivors, sources.tx.clone())
        }
    }
    false
}

/// `:ensemble NAME`: stop this ensemble's sources and start a fresh view of another one.
/// Drills stay with the sandbox they belong to, so they are off after a switch.
/// How the workers that observe on their own (restart, recovery) find the members: the same
/// seeds, AdminServer, TLS and probe options as the console's own rounds.
fn discovery_of(state: &State, sources: &Sources) -> crate::probe::round::Discovery {
    crate::probe::round::Discovery {
        seeds: state.seeds.clone(),
        admin: state.admin.clone(),
        tls: state.tls.clone(),
        opts: sources.opts,
    }
}

fn switch_ensemble(state: &mut State, sources: &mut Sources, name: &str) {
    let target = match target_of(&state.config, name) {
        Ok(t) => t,
        Err(e) => {
            state.flash = Some((crate::config::Level::Critical, e));
            state.dirty = true;
            return;
        }
    };
    sources.stop();
    let generation = state.generation + 1;
    let fresh = State::new(StateInit {
        ensemble: name.to_string(),
        seeds: crate::probe::round::seeds_of(&target.connect),
        admin: target.admin,
        tls: target.tls,
        read_only: state.read_only,
        sandbox: false,
        config: state.config.clone(),
        keymap: state.keymap.clone(),
        theme: state.theme.clone(),
        themes: state.themes.clone(),
    });
    let (viewport, now) = (state.viewport, state.now);
    *state = fresh;
    // The terminal and the clock are the same as before the switch.
    state.update(Msg::Resize(viewport.width, viewport.height));
    state.update(Msg::Clock(now));
    state.generation = generation;
    state.flash = Some((crate::config::Level::Ok, format!("switched to {name}")));
    tracing::info!(ensemble = name, "switched ensemble");
    recall_membership(state);
    sources.start(state, target.connect, target.credentials);
}

/// Until a live membership arrives, lists every member by id from the one last seen live:
/// a console opened on an ensemble that has lost its quorum must still show who is missing.
fn recall_membership(state: &mut State) {
    // With the events of earlier runs on the same ensemble, marked as earlier.
    if let Some(events) = crate::events_file::default_path(&state.seeds) {
        state.events.recall(crate::events_file::load(&events));
    }
    let Some(path) = remembered::default_path(&state.seeds) else {
        return;
    };
    if let Some(r) = remembered::load(&path, &state.seeds) {
        // The sources start from `state.targets()`, which already includes these members.
        let _ = state.remember(r.config, r.seen_at);
    }
    // The last `zkconsole bench` run on these hosts, for the headroom curve.
    state.load.calibration = crate::bench::calibration::default_path(&state.seeds)
        .and_then(|p| crate::bench::calibration::load(&p, &state.seeds));
}

/// A configured ensemble resolved to what the console needs to reach it.
pub struct Target {
    pub connect: String,
    pub admin: AdminLocator,
    pub credentials: Option<Credentials>,
    /// The ensemble's TLS ports and settings: its own, whichever ensemble came before.
    pub tls: TlsPorts,
}

pub fn target_of(config: &Config, name: &str) -> Result<Target, String> {
    let entry = config.ensemble(name)?;
    let mut admin = AdminLocator {
        port: entry.admin_port,
        ..AdminLocator::default()
    };
    for (id, url) in &entry.admin_urls {
        if let Ok(id) = id.parse() {
            admin.by_id.insert(id, url.clone());
        }
    }
    let tls = TlsPorts::of(
        &entry.connect,
        TlsConfig {
            ca: entry.tls_ca_file.clone().map(crate::config::expand_home),
            cert: entry.tls_cert_file.clone().map(crate::config::expand_home),
            key: entry.tls_key_file.clone().map(crate::config::expand_home),
        },
    );
    let digest = entry.digest_file.clone().map(crate::config::expand_home);
    let credentials = Credentials::resolve(digest.as_deref()).map_err(|e| e.to_string())?;
    Ok(Target {
        connect: entry.connect.clone(),
        admin,
        credentials,
        tls,
    })
}

fn spawn_drill(
    sandbox: Option<Arc<tokio::sync::Mutex<Sandbox>>>,
    drill: Drill,
    id: u64,
    tx: mpsc::UnboundedSender<Msg>,
) {
    tokio::spawn(async move {
        let Some(sb) = sandbox else {
            let _ = tx.send(Msg::DrillDone(Err("drills need a sandbox".into())));
            return;
        };
        let r = run_drill(&sb, drill, id).await;
        tracing::warn!(
            member = id,
            drill = drill.verb(),
            ok = r.is_ok(),
            "sandbox drill"
        );
        let _ = tx.send(Msg::DrillDone(
            r.map(|_| format!("member {id}: {} done", drill.verb()))
                .map_err(|e| format!("member {id}: {} failed: {e:#}", drill.verb())),
        ));
    });
}

/// One drill on a shared sandbox. The lock is held only to signal and to update the state,
/// never while a member is waited for: other drills and workflows go on meanwhile.
async fn run_drill(sb: &tokio::sync::Mutex<Sandbox>, drill: Drill, id: u64) -> anyhow::Result<()> {
    match drill {
        Drill::Kill => {
            let stopping = sb.lock().await.begin_kill(id)?;
            stopping.reaped().await
        }
        Drill::Pause => sb.lock().await.pause(id),
        Drill::Resume => sb.lock().await.resume(id),
        Drill::Restart => {
            let stopping = sb.lock().await.begin_stop(id)?;
            if let Some(s) = stopping {
                s.reaped().await?;
            }
            sb.lock().await.start(id)
        }
    }
}
