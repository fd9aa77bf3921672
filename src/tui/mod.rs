//! The interactive console: one event loop over input, member probes, membership changes and
//! a slow tick. It draws only when something changed, at most every ~30 ms.

mod sources;
mod terminal;

use crate::app::keys::Keymap;
use crate::app::{Drill, Effect, Msg, State, StateInit};
use crate::config::{Config, Credentials};
use crate::probe::member::ProbeOptions;
use crate::probe::round::AdminLocator;
use crate::sandbox::Sandbox;
use crate::ui::theme::{effective_theme, Themes};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

const FRAME_GAP: Duration = Duration::from_millis(30);

pub struct ConsoleOptions {
    pub name: String,
    pub connect: String,
    pub seeds: Vec<String>,
    pub admin: AdminLocator,
    pub credentials: Option<Credentials>,
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
    let refresh = opts.config.refresh();
    let mut pollers = sources::Pollers::new(tx.clone(), probe_opts, refresh);
    pollers.set(state.targets());
    let watcher = sources::watch_membership(
        opts.connect.clone(),
        opts.credentials.clone(),
        pollers.known.clone(),
        probe_opts,
        refresh,
        tx.clone(),
    );
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
    terminal::spawn_input(tx.clone());
    let result = event_loop(
        &mut term,
        &mut state,
        &themes,
        &mut rx,
        &mut pollers,
        &tx,
        opts.sandbox.clone(),
    )
    .await;
    terminal::restore();
    pollers.stop();
    watcher.abort();
    ticker.abort();
    signals.abort();
    result
}

async fn event_loop(
    term: &mut terminal::Term,
    state: &mut State,
    themes: &Themes,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    pollers: &mut sources::Pollers,
    tx: &mpsc::UnboundedSender<Msg>,
    sandbox: Option<Arc<tokio::sync::Mutex<Sandbox>>>,
) -> anyhow::Result<()> {
    let mut last_draw = Instant::now() - FRAME_GAP;
    // When a key arrived that the next frame answers: for the key-to-frame benchmark.
    let mut key_at: Option<Instant> = None;
    loop {
        if state.dirty && last_draw.elapsed() >= FRAME_GAP {
            term.draw(|f| crate::ui::draw(f, state, themes.get(&state.theme)))?;
            state.dirty = false;
            last_draw = Instant::now();
            if let Some(at) = key_at.take() {
                tracing::debug!(key_to_frame_us = at.elapsed().as_micros() as u64, "frame");
            }
        }
        let msg = if state.dirty {
            tokio::select! {
                m = rx.recv() => m,
                _ = sleep_until(last_draw + FRAME_GAP) => continue,
            }
        } else {
            rx.recv().await
        };
        let Some(first) = msg else { return Ok(()) };
        // Apply everything already waiting before drawing once.
        let mut batch = vec![first];
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
        }
        if key_at.is_none() && batch.iter().any(|m| matches!(m, Msg::Key(_))) {
            key_at = Some(Instant::now());
        }
        for m in batch {
            for effect in state.update(m) {
                match effect {
                    Effect::Quit => return Ok(()),
                    Effect::SetTargets(t) => pollers.set(t),
                    Effect::Drill(d, id) => spawn_drill(sandbox.clone(), d, id, tx.clone()),
                    Effect::SwitchEnsemble(name) => {
                        state.flash = Some((
                            crate::config::Level::Warn,
                            format!("restart with --ensemble {name} to switch (live switching is not built yet)"),
                        ));
                    }
                }
            }
        }
    }
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
        let mut sb = sb.lock().await;
        let r = match drill {
            Drill::Kill => sb.kill(id),
            Drill::Pause => sb.pause(id),
            Drill::Resume => sb.resume(id),
            Drill::Restart => sb.restart(id),
        };
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
