//! The fleet console: N copies of the single-ensemble console's model (`State`), each fed by
//! its own sources (member pollers, membership watch) exactly as when it is the only one. The
//! loop routes each source's messages to its ensemble, draws the fleet screen or the open
//! ensemble's console, and keeps every ensemble watched whichever is shown.
//!
//! Rounds are spread: ensemble `i` of `n` probes at `i/n` of the refresh interval, so a fleet
//! of a thousand members never opens a thousand connections in the same millisecond. Each
//! ensemble's answers of a round reach its model together (one derivation of its health per
//! round, not one per member), and the fleet screen is drawn only when one of its lines
//! changed. Members of ensembles not open ask `srvr` (only the zxid, beside `mntr`) every
//! `FLEET_SRVR_EVERY` rounds: one connection per member per round instead of two.

use super::editor::Handover;
use super::sources::Pollers;
use super::{recall_membership, run_effect, terminal, Sources, DATA_COALESCE, FRAME_GAP};
use crate::app::fleet::{esc_leaves, row_of, Fleet, FleetAction};
use crate::app::keys::{KeyCode, Keymap};
use crate::app::{Msg, State, StateInit};
use crate::config::{Config, Credentials};
use crate::probe::member::ProbeOptions;
use crate::probe::round::{AdminLocator, ConfigSource};
use crate::probe::secure::TlsPorts;
use crate::ui::theme::{effective_theme, Themes};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

/// Every how many rounds the members of an ensemble whose console is not open ask `srvr`.
const FLEET_SRVR_EVERY: u64 = 10;
/// After the first answer of an ensemble's round, how long its other members' answers are
/// waited for before the round goes to the model (members answer within milliseconds of each
/// other; a slow one comes in a round of its own).
const ROUND_GATHER: Duration = Duration::from_millis(100);

/// One ensemble of the fleet, resolved from its own config entry (or an inventory line).
pub struct FleetMember {
    pub name: String,
    pub connect: String,
    pub admin: AdminLocator,
    pub credentials: Option<Credentials>,
    pub tls: TlsPorts,
}

pub struct FleetOptions {
    pub ensembles: Vec<FleetMember>,
    pub read_only: bool,
    pub theme: Option<String>,
    pub config: Config,
}

/// A message and where it came from: one ensemble's sources, or the terminal and clock that
/// all share.
enum In {
    Of(usize, Msg),
    /// Answers of one round of ensemble `i`'s pollers (`Probed`, `MemberConf`), in order.
    Round(usize, Vec<Msg>),
    All(Msg),
}

pub async fn run(opts: FleetOptions) -> anyhow::Result<()> {
    let themes = Themes::load(
        crate::config::default_path()
            .and_then(|p| p.parent().map(|d| d.join("themes")))
            .as_deref(),
    );
    let requested = opts.theme.clone().unwrap_or(opts.config.theme.clone());
    let theme = Some(effective_theme(&requested))
        .filter(|t| themes.contains(t))
        .unwrap_or(crate::ui::theme::DEFAULT_THEME.into());
    let keymap = Keymap::default()
        .with_overrides(&opts.config.keys)
        .map_err(|e| anyhow::anyhow!("config: {e}"))?;
    let (tx, mut rx) = mpsc::unbounded_channel::<In>();
    let n = opts.ensembles.len().max(1) as u32;
    let refresh = opts.config.refresh();
    let probe_opts = ProbeOptions {
        timeout: opts.config.probe_timeout(),
        ..ProbeOptions::default()
    };
    let now = SystemTime::now();
    // Every ensemble's rounds fall on this epoch, moved by its phase.
    let epoch = Instant::now();
    let mut states = Vec::new();
    let mut all_sources = Vec::new();
    for (i, e) in opts.ensembles.into_iter().enumerate() {
        let mut state = State::new(StateInit {
            ensemble: e.name.clone(),
            seeds: crate::probe::round::seeds_of(&e.connect),
            admin: e.admin,
            tls: e.tls,
            read_only: opts.read_only,
            sandbox: false,
            config: opts.config.clone(),
            keymap: keymap.clone(),
            theme: theme.clone(),
            themes: themes.names(),
        });
        state.update(Msg::Clock(now));
        let etx = forward(i, tx.clone());
        let phase = refresh * i as u32 / n;
        let mut src = Sources {
            tree: None,
            connect: e.connect.clone(),
            credentials: e.credentials.clone(),
            pollers: Pollers::new(etx.clone(), probe_opts, refresh).with_epoch(epoch + phase),
            watcher: None,
            opts: probe_opts,
            refresh,
            tx: etx,
            remembered: None,
            events_saved: 0,
            roll: super::roll::Worker::default(),
            watchers: Default::default(),
        };
        src.pollers.set_srvr_every(FLEET_SRVR_EVERY);
        recall_membership(&mut state);
        // A roll that stopped part-way on this ensemble is shown and offered, as alone.
        super::roll::load_journal(state.ensemble.clone(), src.tx.clone());
        src.start(&state, e.connect, e.credentials);
        states.push(state);
        all_sources.push(src);
    }
    let background = spawn_shared(tx.clone());
    let mut term = terminal::setup()?;
    let size = term.size()?;
    let mut fleet = Fleet::new(states);
    for s in &mut fleet.ensembles {
        s.update(Msg::Resize(size.width, size.height));
    }
    let (itx, mut irx) = mpsc::unbounded_channel::<Msg>();
    // The input thread reads while its gate lives (held until the loop ends); the gate is
    // paused while an ensemble's console has handed the terminal to $EDITOR.
    let mut handover = Handover::new(terminal::spawn_input(itx));
    let input = tokio::spawn(async move {
        while let Some(m) = irx.recv().await {
            if tx.send(In::All(m)).is_err() {
                return;
            }
        }
    });
    let mut out = Screen {
        term: &mut term,
        handover: &mut handover,
    };
    let second = Second::new(epoch, refresh, n);
    let result = event_loop(
        &mut out,
        &mut fleet,
        &mut all_sources,
        &themes,
        &mut rx,
        second,
    )
    .await;
    terminal::restore();
    for s in &mut all_sources {
        s.stop();
    }
    for h in background {
        h.abort();
    }
    input.abort();
    result
}

/// A channel for one ensemble's sources whose messages arrive tagged with the ensemble; the
/// pollers' answers arrive as rounds (see `ROUND_GATHER`), anything else as it comes, after
/// the answers that came before it.
fn forward(i: usize, tx: mpsc::UnboundedSender<In>) -> mpsc::UnboundedSender<Msg> {
    let (etx, mut erx) = mpsc::unbounded_channel::<Msg>();
    tokio::spawn(async move {
        let mut round: Vec<Msg> = Vec::new();
        let mut until: Option<Instant> = None;
        loop {
            let next = match until {
                Some(t) => tokio::select! {
                    m = erx.recv() => m,
                    _ = sleep_until(t) => None,
                },
                None => erx.recv().await,
            };
            let closed = next.is_none() && until.is_none();
            let other = match next {
                Some(m @ (Msg::Probed { .. } | Msg::MemberConf { .. })) => {
                    round.push(m);
                    until.get_or_insert(Instant::now() + ROUND_GATHER);
                    continue;
                }
                other => other,
            };
            if !round.is_empty() && tx.send(In::Round(i, std::mem::take(&mut round))).is_err() {
                return;
            }
            until = None;
            let sent = match other {
                Some(m) => tx.send(In::Of(i, m)).is_ok(),
                None => !closed,
            };
            if !sent {
                return;
            }
        }
    });
    etx
}

/// The once-a-second tick and the signals that end the console, shared by every ensemble.
fn spawn_shared(tx: mpsc::UnboundedSender<In>) -> Vec<tokio::task::JoinHandle<()>> {
    let ticker = {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut t = tokio::time::interval(Duration::from_secs(1));
            // After a stall, one tick rather than a burst: each tick closes a second of the
            // figures the benchmark reads, and a burst would log empty seconds.
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                t.tick().await;
                if tx.send(In::All(Msg::Tick)).is_err() {
                    return;
                }
            }
        })
    };
    let signals = tokio::spawn(async move {
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
        let _ = tx.send(In::All(Msg::Shutdown));
    });
    vec![ticker, signals]
}

/// What each second of the fleet looked like, logged (debug) for the scale benchmark: how many
/// members were refreshed in it, of how many, and the slowest frame. A member counts for
/// round `k` when the probe of its `k`-th round (it starts at `epoch + phase + k * every`)
/// reached the loop before its next round was due: an answer late for its round, or a round
/// started late, counts for none. Round `k` of every ensemble ends by `epoch + (k + 2) *
/// every`, so a round's line is logged at the first tick after that.
struct Second {
    epoch: std::time::Instant,
    every: Duration,
    ensembles: u32,
    /// Members answered within their round, by round.
    refreshed: BTreeMap<u64, HashSet<(usize, String)>>,
    /// Members whose probe of the round answered at all (late ones too), by round.
    answered: BTreeMap<u64, HashSet<(usize, String)>>,
    /// The next round to log.
    next: u64,
    frames_us: Vec<u64>,
}

impl Second {
    fn new(epoch: Instant, every: Duration, ensembles: u32) -> Second {
        Second {
            epoch: epoch.into_std(),
            every: every.max(Duration::from_millis(1)),
            ensembles: ensembles.max(1),
            refreshed: BTreeMap::new(),
            answered: BTreeMap::new(),
            next: 0,
            frames_us: Vec::new(),
        }
    }

    /// Ensemble `i`'s member at `address` answered a probe started `at`; it arrived `now`.
    fn answered(
        &mut self,
        i: usize,
        address: &str,
        at: std::time::Instant,
        now: std::time::Instant,
    ) {
        let start = self.epoch + self.every * i as u32 / self.ensembles;
        let Some(since) = at.checked_duration_since(start) else {
            return;
        };
        let k = (since.as_nanos() / self.every.as_nanos()) as u64;
        if k < self.next {
            return;
        }
        let member = (i, address.to_string());
        if now <= start + self.every * (k as u32 + 1) {
            self.refreshed.entry(k).or_default().insert(member.clone());
        }
        self.answered.entry(k).or_default().insert(member);
    }

    /// Logs every round that has ended by `now`.
    fn log(&mut self, fleet: &Fleet, now: std::time::Instant) {
        let members: usize = fleet.ensembles.iter().map(|s| s.members.len()).sum();
        let ended = |k: u64| self.epoch + self.every * (k as u32 + 2) <= now;
        while ended(self.next) {
            let refreshed = self.refreshed.remove(&self.next).map_or(0, |s| s.len());
            let answered = self.answered.remove(&self.next).map_or(0, |s| s.len());
            self.frames_us.sort_unstable();
            let p99 = self
                .frames_us
                .get((self.frames_us.len() * 99).div_ceil(100).saturating_sub(1))
                .copied()
                .unwrap_or(0);
            tracing::debug!(
                fleet_round = self.next,
                fleet_refreshed = refreshed,
                fleet_answered_late_too = answered,
                fleet_members = members,
                fleet_frames = self.frames_us.len(),
                fleet_frame_p99_us = p99,
                "fleet second"
            );
            self.frames_us.clear();
            self.next += 1;
        }
    }
}

/// The terminal, and who has it: the console, or $EDITOR started from an ensemble's console.
struct Screen<'a> {
    term: &'a mut terminal::Term,
    handover: &'a mut Handover,
}

async fn event_loop(
    out: &mut Screen<'_>,
    fleet: &mut Fleet,
    sources: &mut [Sources],
    themes: &Themes,
    rx: &mut mpsc::UnboundedReceiver<In>,
    mut second: Second,
) -> anyhow::Result<()> {
    let mut last_draw = Instant::now() - FRAME_GAP;
    let mut draw_at: Option<Instant> = Some(Instant::now());
    let mut open = fleet.open;
    loop {
        // While an editor has the terminal, nothing is drawn.
        let dirty = !out.handover.suspended
            && (fleet.dirty || fleet.open.is_some_and(|i| fleet.ensembles[i].dirty));
        if dirty && draw_at.is_some_and(|t| t <= Instant::now()) {
            let started = Instant::now();
            draw(out.term, fleet, themes)?;
            second.frames_us.push(started.elapsed().as_micros() as u64);
            draw_at = None;
            last_draw = Instant::now();
        }
        let msg = match draw_at.filter(|_| dirty) {
            Some(t) => tokio::select! {
                m = rx.recv() => m,
                _ = sleep_until(t) => continue,
            },
            None => rx.recv().await,
        };
        let Some(first) = msg else { return Ok(()) };
        let mut batch = vec![first];
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
        }
        let batch = newest_probes(batch, &mut second, std::time::Instant::now());
        let urgent = batch
            .iter()
            .any(|m| matches!(m, In::All(Msg::Key(_) | Msg::Resize(..) | Msg::Paste(_))));
        let due = if urgent {
            (last_draw + FRAME_GAP).max(Instant::now())
        } else {
            Instant::now() + DATA_COALESCE
        };
        draw_at = Some(draw_at.map_or(due, |t| t.min(due)));
        let now = SystemTime::now();
        let mut touched = HashSet::new();
        for m in batch {
            match m {
                In::Round(i, msgs) => {
                    touched.insert(i);
                    if round_msg(fleet, sources, out.handover, i, msgs, now) {
                        return Ok(());
                    }
                }
                In::Of(i, m) => {
                    touched.insert(i);
                    if let Msg::Tree(crate::app::tree::TreeMsg::Edited { .. }) = &m {
                        resume(out, fleet, i);
                    }
                    if ensemble_msg(fleet, sources, out.handover, i, m, now) {
                        return Ok(());
                    }
                }
                In::All(Msg::Tick) => {
                    second.log(fleet, std::time::Instant::now());
                    // Nothing on the fleet screen moves with time alone; an open console's
                    // ages do, and its model says so.
                    for s in &mut fleet.ensembles {
                        s.update(Msg::Clock(now));
                        s.update(Msg::Tick);
                    }
                }
                In::All(Msg::Shutdown) => return Ok(()),
                In::All(Msg::Resize(w, h)) => {
                    out.term.resize(ratatui::layout::Rect::new(0, 0, w, h))?;
                    for s in &mut fleet.ensembles {
                        s.update(Msg::Resize(w, h));
                    }
                    fleet.dirty = true;
                }
                In::All(m) => {
                    if key_msg(fleet, sources, out.handover, m, now) {
                        return Ok(());
                    }
                }
            }
        }
        for i in touched {
            sources[i].keep_events(&fleet.ensembles[i]);
        }
        if fleet.open != open {
            srvr_for_open(sources, open, fleet.open);
            open = fleet.open;
        }
    }
}

/// The open console shows its members' zxids and lag: its ensemble asks `srvr` every round;
/// the one closed goes back to the fleet's cadence.
fn srvr_for_open(sources: &[Sources], was: Option<usize>, now: Option<usize>) {
    if let Some(j) = was {
        sources[j].pollers.set_srvr_every(FLEET_SRVR_EVERY);
    }
    if let Some(i) = now {
        sources[i].pollers.set_srvr_every(1);
    }
}

/// The batch with only the newest probe of each member: when the loop fell behind (a loaded
/// machine, a thousand members), an older reading of a member that a newer one in the same
/// batch supersedes is not applied. The loop's work per batch is then bounded by the number
/// of members, so a backlog drains instead of growing (and holding its snapshots in memory).
/// Every probe still counts for its round (`Second`), arrived `now`.
fn newest_probes(batch: Vec<In>, second: &mut Second, now: std::time::Instant) -> Vec<In> {
    type Key = (usize, u64, Option<u64>, String);
    let key = |i: usize, m: &Msg| match m {
        Msg::Probed { gen, target, .. } => Some((i, *gen, target.id, target.address.clone())),
        _ => None,
    };
    let mut last: HashMap<Key, (usize, usize)> = HashMap::new();
    for (n, m) in batch.iter().enumerate() {
        let In::Round(i, msgs) = m else { continue };
        for (j, m) in msgs.iter().enumerate() {
            if let (Some(k), Msg::Probed { at, target, .. }) = (key(*i, m), m) {
                second.answered(*i, &target.address, *at, now);
                last.insert(k, (n, j));
            }
        }
    }
    batch
        .into_iter()
        .enumerate()
        .filter_map(|(n, m)| match m {
            In::Round(i, msgs) => {
                let kept: Vec<Msg> = msgs
                    .into_iter()
                    .enumerate()
                    .filter(|(j, m)| key(i, m).is_none_or(|k| last.get(&k) == Some(&(n, *j))))
                    .map(|(_, m)| m)
                    .collect();
                (!kept.is_empty()).then_some(In::Round(i, kept))
            }
            other => Some(other),
        })
        .collect()
}

/// $EDITOR closed: the terminal back to the console that started it (still open), at the
/// terminal's size now, which every ensemble's model learns.
fn resume(out: &mut Screen<'_>, fleet: &mut Fleet, i: usize) {
    if !out.handover.suspended {
        return;
    }
    out.handover.resume(out.term, &mut fleet.ensembles[i]);
    let v = fleet.ensembles[i].viewport;
    for s in &mut fleet.ensembles {
        s.update(Msg::Resize(v.width, v.height));
    }
    fleet.dirty = true;
}

fn draw(term: &mut terminal::Term, fleet: &mut Fleet, themes: &Themes) -> anyhow::Result<()> {
    match fleet.open {
        Some(i) => {
            let s = &fleet.ensembles[i];
            term.draw(|f| crate::ui::draw(f, s, themes.get(&s.theme)))?;
        }
        None => {
            let theme = fleet
                .ensembles
                .first()
                .map_or(crate::ui::theme::DEFAULT_THEME, |s| s.theme.as_str());
            let theme = themes.get(theme);
            term.draw(|f| crate::ui::fleet::draw(f, fleet, theme))?;
        }
    }
    fleet.dirty = false;
    for s in &mut fleet.ensembles {
        s.dirty = false;
    }
    Ok(())
}

/// A message of ensemble `i`'s sources, applied to its model; `true` to quit.
fn ensemble_msg(
    fleet: &mut Fleet,
    sources: &mut [Sources],
    handover: &mut Handover,
    i: usize,
    m: Msg,
    now: SystemTime,
) -> bool {
    let state = &mut fleet.ensembles[i];
    if let Msg::Membership {
        gen,
        config,
        source: ConfigSource::Conf | ConfigSource::Znode,
    } = &m
    {
        if *gen == state.generation {
            sources[i].remember(&state.seeds, config);
        }
    }
    let before = fleet.open.is_none().then(|| row_of(state));
    state.update(Msg::Clock(now));
    let effects = state.update(m);
    mark_row(fleet, i, before);
    apply(fleet, sources, handover, i, effects)
}

/// A round of ensemble `i`'s pollers, applied to its model at once; `true` to quit.
fn round_msg(
    fleet: &mut Fleet,
    sources: &mut [Sources],
    handover: &mut Handover,
    i: usize,
    msgs: Vec<Msg>,
    now: SystemTime,
) -> bool {
    let state = &mut fleet.ensembles[i];
    let before = fleet.open.is_none().then(|| row_of(state));
    state.update(Msg::Clock(now));
    let effects = state.update_round(msgs);
    mark_row(fleet, i, before);
    apply(fleet, sources, handover, i, effects)
}

/// The fleet screen is drawn again only when ensemble `i`'s line changed (`before`: its line
/// before the update, when the fleet screen is shown).
fn mark_row(fleet: &mut Fleet, i: usize, before: Option<crate::app::fleet::FleetRow>) {
    if before.is_some_and(|b| b != row_of(&fleet.ensembles[i])) {
        fleet.dirty = true;
    }
}

/// A key (or paste) from the terminal: to the fleet screen, or to the open ensemble's console
/// (`esc` there, with nothing left for it to close, returns to the fleet); `true` to quit.
fn key_msg(
    fleet: &mut Fleet,
    sources: &mut [Sources],
    handover: &mut Handover,
    m: Msg,
    now: SystemTime,
) -> bool {
    let Some(i) = fleet.open else {
        if let Msg::Key(k) = m {
            return match fleet.key(k) {
                FleetAction::Quit => true,
                FleetAction::Open(i) => {
                    fleet.ensembles[i].dirty = true;
                    false
                }
                FleetAction::None => false,
            };
        }
        return false;
    };
    if matches!(&m, Msg::Key(k) if k.code == KeyCode::Esc && !k.ctrl)
        && esc_leaves(&fleet.ensembles[i])
    {
        fleet.open = None;
        fleet.dirty = true;
        return false;
    }
    let state = &mut fleet.ensembles[i];
    state.update(Msg::Clock(now));
    let effects = state.update(m);
    apply(fleet, sources, handover, i, effects)
}

/// Carries out ensemble `i`'s effects on its own sources. `:ensemble NAME` opens that
/// ensemble of the fleet instead of replacing this one; $EDITOR gets the terminal as from a
/// single-ensemble console, and its text comes back to ensemble `i` through its own sources.
fn apply(
    fleet: &mut Fleet,
    sources: &mut [Sources],
    handover: &mut Handover,
    i: usize,
    effects: Vec<crate::app::Effect>,
) -> bool {
    for effect in effects {
        if let crate::app::Effect::SwitchEnsemble(name) = &effect {
            match fleet.ensembles.iter().position(|s| &s.ensemble == name) {
                Some(j) => {
                    fleet.open = Some(j);
                    fleet.selected = Some(name.clone());
                    fleet.ensembles[j].dirty = true;
                }
                None => {
                    let s = &mut fleet.ensembles[i];
                    s.flash = Some((
                        crate::config::Level::Warn,
                        format!("{name:?} is not in this fleet"),
                    ));
                    s.dirty = true;
                }
            }
            continue;
        }
        if let crate::app::Effect::Edit(edit) = effect {
            let s = &mut fleet.ensembles[i];
            if !s.read_only {
                handover.start(edit, s, sources[i].tx.clone());
            }
            continue;
        }
        if run_effect(effect, &mut fleet.ensembles[i], &mut sources[i], &None) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::member::{MemberSnapshot, MetricsSource, ProbeTarget};
    use crate::probe::types::{Metrics, Role};

    fn probe(address: &str, ms: f64, at: std::time::Instant) -> Msg {
        let snap = MemberSnapshot {
            id: Some(1),
            address: address.into(),
            role: Role::Follower,
            mode: None,
            voting: None,
            zxid: None,
            metrics: Metrics::new(),
            source: MetricsSource::Mntr,
            probe_ms: ms,
            error: None,
            hint: None,
            zab: None,
        };
        Msg::Probed {
            gen: 0,
            target: ProbeTarget {
                id: Some(1),
                address: address.into(),
                ..ProbeTarget::default()
            },
            snap: Box::new(snap),
            at,
        }
    }

    #[test]
    fn a_backlog_applies_only_each_members_newest_probe_and_counts_every_member() {
        let epoch = Instant::now();
        let t = epoch.into_std() + Duration::from_millis(10);
        let batch = vec![
            In::Round(0, vec![probe("a:2181", 1.0, t)]),
            In::Round(1, vec![probe("a:2181", 2.0, t)]),
            In::All(Msg::Tick),
            In::Round(0, vec![probe("a:2181", 3.0, t), probe("b:2181", 4.0, t)]),
        ];
        let mut second = Second::new(epoch, Duration::from_secs(1), 2);
        let kept: Vec<String> = newest_probes(batch, &mut second, t)
            .iter()
            .map(|m| match m {
                In::Round(i, msgs) => msgs
                    .iter()
                    .map(|m| match m {
                        Msg::Probed { snap, .. } => format!("{i}:{}", snap.probe_ms),
                        _ => "other".into(),
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                In::All(_) => "all".into(),
                In::Of(..) => "other".into(),
            })
            .collect();
        assert_eq!(kept, ["1:2", "all", "0:3,0:4"]);
        // Ensemble 1's phase is half a second: its probe at 10 ms belongs to no round of it.
        assert_eq!(second.refreshed.get(&0).map(HashSet::len), Some(2));
    }

    #[test]
    fn a_member_counts_for_its_round_only_when_its_answer_arrived_within_it() {
        let epoch = Instant::now();
        let e = epoch.into_std();
        let ms = Duration::from_millis;
        let mut second = Second::new(epoch, ms(1000), 4);
        // Ensemble 2 of 4 probes at 500 ms into each second.
        second.answered(2, "a", e + ms(1503), e + ms(1530));
        second.answered(2, "b", e + ms(1503), e + ms(2600));
        second.answered(2, "c", e + ms(2501), e + ms(2700));
        assert_eq!(
            second.refreshed[&1].len(),
            1,
            "b arrived after its round ended"
        );
        assert_eq!(second.refreshed[&2].len(), 1);
        assert_eq!(second.answered[&1].len(), 2, "late, b still answered");
    }
}
