//! The console's model: plain data and plain logic. `update` takes one message and returns the
//! effects to run; it does no I/O and knows nothing of the terminal, so it is tested directly.

mod advice_keys;
pub mod clients;
pub mod edit_session;
pub mod events;
pub mod fleet;
pub mod incident;
pub mod keys;
mod load;
pub mod member_confs;
mod members;
pub mod roll;
mod roll_keys;
mod round;
mod static_wizard;
pub mod text_input;
pub mod tree;
pub mod viewport;
pub mod wizard;
pub mod wizard_host;
mod wizard_keys;

pub use members::{MemberKey, MemberView, SortKey};

use crate::alerts::hysteresis::LevelChange;
use crate::config::{Config, Level, Metric};
use crate::ensemble::member::Role;
use crate::ensemble::member::{MemberSnapshot, ProbeTarget};
use crate::ensemble::observation::{
    apply_membership, may_be_member_at, member_at, probe_address, same_endpoint, AdminLocator,
    ConfigSource,
};
use crate::ensemble::tls::TlsPorts;
use crate::ensemble::EnsembleConfig;
use crate::health::{summarize, summarize_windows, Health};
use crate::history::{MemberHistory, Series};
use events::EventLog;
use keys::{Action, KeyCode, KeyInput, Keymap};
use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};
use text_input::{Edit, History, TextInput};
use viewport::Viewport;

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyInput),
    /// Text pasted into the terminal (bracketed paste): it goes to the text input in focus.
    Paste(String),
    /// The terminal's new size (also sent once at start): scroll limits are computed from it.
    Resize(u16, u16),
    /// The wall clock, given before each batch of messages: the model and the renderer read
    /// the time from `State::now`, never from the system.
    Clock(SystemTime),
    /// A member poller's result, for the target it was given.
    Probed {
        /// Which set of sources sent it (see `State::generation`).
        gen: u64,
        target: ProbeTarget,
        snap: Box<MemberSnapshot>,
        at: Instant,
    },
    Membership {
        gen: u64,
        config: EnsembleConfig,
        source: ConfigSource,
    },
    /// One member's own view of the membership (its `conf`), for the consistency check.
    MemberConf {
        gen: u64,
        id: u64,
        config: EnsembleConfig,
    },
    /// A drill finished: what happened, or why not.
    DrillDone(Result<String, String>),
    /// Once a second: ages ("last answered 12 s ago") move on.
    Tick,
    /// SIGTERM or SIGHUP (the SSH connection dropped): leave cleanly.
    Shutdown,
    /// Progress of a running workflow.
    Workflow(WorkflowMsg),
    /// The znode browser's session answered.
    Tree(tree::TreeMsg),
    /// A rolling restart's journal or progress.
    Roll(roll::RollMsg),
    /// A member's `cons`, read on request for the clients view.
    Clients(clients::ClientsMsg),
    /// A background session (the membership watch) was lost or re-established.
    Session {
        gen: u64,
        at: SystemTime,
        level: Level,
        text: String,
    },
    /// The incident report asked by `:report`: where it was written, or why not.
    Report(Result<String, String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum WorkflowMsg {
    /// A sandbox joiner runs (not yet a member of the configuration).
    JoinerStarted(crate::ensemble::ServerSpec),
    Progress(Level, String),
    /// A membership the workflow itself established and read back from a serving member (the
    /// quorum-loss rewrite keeps the config version, and the watch would take seconds).
    Membership(crate::ensemble::EnsembleConfig),
    /// The workflow ended: what was achieved, or why it stopped.
    Finished(Result<String, String>),
    /// Member `id`'s zoo.cfg, read through `read_file` for an expand on a real host.
    JoinerSource {
        id: u64,
        text: Result<String, String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drill {
    Kill,
    Pause,
    Resume,
    Restart,
}

impl Drill {
    pub fn verb(self) -> &'static str {
        match self {
            Drill::Kill => "kill (SIGKILL)",
            Drill::Pause => "pause (SIGSTOP)",
            Drill::Resume => "resume (SIGCONT)",
            Drill::Restart => "restart",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Probe exactly these members from now on (pollers are started and stopped to match).
    SetTargets(Vec<ProbeTarget>),
    Drill(Drill, u64),
    SwitchEnsemble(String),
    /// Start `count` sandbox joiners of this role.
    StartJoiners(crate::ensemble::LearnerType, usize),
    /// Execute planned reconfig steps in order; on a sandbox, stop removed servers after.
    Execute {
        steps: Vec<crate::workflow::Step>,
        stop_removed: bool,
    },
    /// Quorum-loss recovery on the sandbox: restart the survivors with only themselves.
    Recover {
        survivors: Vec<u64>,
    },
    /// Expand on a real host: run these host actions in order (the ensemble's templates,
    /// audited), halting at the first failure.
    HostSteps(Vec<wizard_host::HostStep>),
    /// Restart a down member through the host actions (audited) and wait until it serves
    /// again; answered by `WorkflowMsg::Progress` and `Finished`.
    RestartMember(wizard_host::Restart),
    /// Read this member's zoo.cfg through `read_file` (audited): the joiner's is derived from
    /// it. Answered by `WorkflowMsg::JoinerSource`.
    ReadSource(crate::host::MemberRef),
    /// Put text on the operator's clipboard (OSC 52, works over SSH).
    Copy(String),
    WriteFiles {
        dir: String,
        files: Vec<(String, String)>,
    },
    /// A request of the znode browser.
    Tree(tree::TreeRequest),
    /// Hand the terminal to `$VISUAL`/`$EDITOR` on a znode's value; answered by
    /// `TreeMsg::Edited`.
    Edit(edit_session::ExternalEdit),
    /// A rolling restart: start it, steer it, read or discard its journal.
    Roll(roll::RollRequest),
    /// Read `cons` from these members (once, with a deadline), for the clients view.
    Clients(clients::ClientsRequest),
    /// `:report`: write the incident report of this window (answered by `Msg::Report`).
    Report(incident::ReportRequest),
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Dashboard,
    Member,
    Events,
    /// Every problem of the live health, as `status` lists them.
    Problems,
    Help,
    Workflow,
    Tree,
    /// The rolling restart: plan, confirmation, progress.
    Roll,
    /// Client connections (`cons`) of a member or of the ensemble.
    Clients,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Normal,
    Command(TextInput),
    Filter(TextInput),
    /// Waiting for `y` to run a drill on a member.
    Confirm(Drill, u64),
}

/// What the display shows while frozen: a copy taken at the moment of freezing.
#[derive(Debug, Clone)]
pub struct Frozen {
    pub at: SystemTime,
    pub members: Vec<MemberView>,
    pub health: Health,
    pub history: BTreeMap<MemberKey, Vec<Vec<f64>>>,
}

pub struct State {
    /// Bumped when the console switches ensembles; sources tag their messages with it.
    pub generation: u64,
    pub ensemble: String,
    pub seeds: Vec<String>,
    pub admin: AdminLocator,
    /// Which client ports speak TLS, and how: given to every probe target.
    pub tls: TlsPorts,
    pub read_only: bool,
    /// Drills are offered (the console runs on a sandbox).
    pub sandbox: bool,
    pub config: Config,
    pub keymap: Keymap,
    pub theme: String,
    pub themes: Vec<String>,

    pub membership: Option<EnsembleConfig>,
    pub membership_source: ConfigSource,
    /// When the membership is the remembered one: when a live member last gave it.
    pub membership_seen_at: Option<SystemTime>,
    pub members: BTreeMap<MemberKey, MemberView>,
    pub history: BTreeMap<MemberKey, MemberHistory>,
    pub health: Health,
    /// The ensemble's load score and the scaling advice in force.
    pub load: crate::load::console::LoadState,
    pub events: EventLog,
    pub last_refresh: Option<SystemTime>,
    /// The wall clock as of the latest message: ages and dates on screen are relative to it
    /// (render never reads the clock).
    pub now: SystemTime,
    /// The zone timestamps are shown in (the config's `utc`, else the local zone).
    pub zone: jiff::tz::TimeZone,
    /// Every member probed at least once: until then health changes are the first
    /// observation of the ensemble (a baseline), not events.
    pub baseline: bool,
    /// Drills sent and not yet answered, oldest first (the sandbox runs them in order).
    pub drills_sent: std::collections::VecDeque<(Drill, u64)>,

    pub view: View,
    pub previous_view: View,
    pub input: Input,
    pub selected: usize,
    /// The member the cursor is on: rows re-sort as figures change, and a drill (`K`, `X`)
    /// must hit the member the operator chose, not whichever now sits on that row.
    pub selected_addr: Option<String>,
    /// First help line shown (help is taller than 30 rows), never past the end (keys past the
    /// end pile up no offset that `k` must work off before anything moves).
    pub help_scroll: usize,
    /// The terminal's size, from `Msg::Resize`.
    pub viewport: Viewport,
    /// Earlier `:` commands (up/down in the prompt).
    pub command_history: History,
    pub events_scroll: usize,
    /// The timeline's member and kind filters, and its expanded line.
    pub timeline: events::TimelineView,
    pub problems_scroll: usize,
    /// First raw metric shown in the member detail (a member reports hundreds).
    pub metrics_scroll: usize,
    pub sort: SortKey,
    pub sort_desc: bool,
    /// Filters the members table.
    pub filter: String,
    /// Filters the raw metrics of the member detail view.
    pub metric_filter: String,
    pub frozen: Option<Frozen>,
    /// The guided workflow in progress, if any.
    pub wizard: Option<wizard::Wizard>,
    /// The znode browser, once opened.
    pub tree: Option<tree::TreeView>,
    /// The rolling restart planned, running or ended in this console.
    pub roll: Option<roll::RollView>,
    /// The clients view, once opened.
    pub clients: Option<clients::ClientsView>,
    /// The journal of this ensemble's last roll, as read from disk.
    pub roll_journal: Option<crate::workflow::roll::JournalInfo>,
    /// Members probed besides the membership and the connect string (joiners).
    pub extra_targets: Vec<ProbeTarget>,
    /// Client addresses of members a live membership no longer has (removed by a reconfig):
    /// not probed again even when the connect string names them.
    pub departed: Vec<String>,
    /// Each member's own view of the membership: the reconfig mode, the consistency check.
    pub member_confs: member_confs::MemberConfs,
    /// One line of feedback (a drill's result, an unknown command).
    pub flash: Option<(Level, String)>,
    pub dirty: bool,
    pub quit: bool,
    /// While a round of probes is applied at once (`update_round`): the members probed, whose
    /// ensemble-wide figures are derived once at its end.
    round: Option<Vec<(MemberKey, Instant)>>,
}

pub struct StateInit {
    pub ensemble: String,
    pub seeds: Vec<String>,
    pub admin: AdminLocator,
    pub tls: TlsPorts,
    pub read_only: bool,
    pub sandbox: bool,
    pub config: Config,
    pub keymap: Keymap,
    pub theme: String,
    pub themes: Vec<String>,
}

impl State {
    pub fn new(init: StateInit) -> State {
        let health = summarize(None, &[], &init.config.thresholds);
        let zone = init.config.time_zone();
        State {
            generation: 0,
            ensemble: init.ensemble,
            seeds: init.seeds,
            admin: init.admin,
            tls: init.tls,
            read_only: init.read_only,
            sandbox: init.sandbox,
            config: init.config,
            keymap: init.keymap,
            theme: init.theme,
            themes: init.themes,
            membership: None,
            membership_source: ConfigSource::None,
            membership_seen_at: None,
            members: BTreeMap::new(),
            history: BTreeMap::new(),
            health,
            load: Default::default(),
            events: EventLog::default(),
            last_refresh: None,
            zone,
            baseline: false,
            drills_sent: Default::default(),
            view: View::Dashboard,
            previous_view: View::Dashboard,
            input: Input::Normal,
            selected: 0,
            selected_addr: None,
            help_scroll: 0,
            viewport: Viewport::default(),
            now: SystemTime::UNIX_EPOCH,
            command_history: History::default(),
            events_scroll: 0,
            timeline: Default::default(),
            problems_scroll: 0,
            metrics_scroll: 0,
            sort: SortKey::Id,
            sort_desc: false,
            filter: String::new(),
            metric_filter: String::new(),
            frozen: None,
            wizard: None,
            tree: None,
            roll: None,
            clients: None,
            roll_journal: None,
            extra_targets: Vec::new(),
            departed: Vec::new(),
            member_confs: member_confs::MemberConfs::default(),
            flash: None,
            dirty: true,
            quit: false,
            round: None,
        }
    }

    pub fn drills_enabled(&self) -> bool {
        self.sandbox && !self.read_only
    }

    pub fn allowed(&self) -> keys::Allowed {
        keys::Allowed {
            writes: !self.read_only,
            drills: self.drills_enabled(),
        }
    }

    /// Snapshots of every known member, live data (never the frozen copy).
    pub fn snapshots(&self) -> Vec<&MemberSnapshot> {
        self.members.values().map(|m| &m.snap).collect()
    }

    /// The probe targets implied by what we know: every configured member, plus connect-string
    /// entries that are not (yet) known members, so nothing named is ever left unprobed.
    pub fn targets(&self) -> Vec<ProbeTarget> {
        let mut out: Vec<ProbeTarget> = Vec::new();
        if let Some(cfg) = &self.membership {
            for s in cfg.servers.values() {
                if let Some((address, assumed)) = probe_address(s, &self.seeds) {
                    out.push(ProbeTarget {
                        id: Some(s.id),
                        admin_url: self.admin.url_for(Some(s.id), &address),
                        // An assumed address must be confirmed by the member's own id.
                        verify_id: assumed,
                        tls: self.tls.client_for(&address, assumed),
                        address,
                    });
                }
            }
        }
        for t in &self.extra_targets {
            if !out.iter().any(|o| same_endpoint(&o.address, &t.address)) {
                out.push(t.clone());
            }
        }
        for seed in &self.seeds {
            let departed = self.departed.iter().any(|d| same_endpoint(d, seed));
            if !departed && !out.iter().any(|t| same_endpoint(&t.address, seed)) {
                let known_id = self
                    .members
                    .values()
                    .find(|m| same_endpoint(&m.snap.address, seed))
                    .and_then(|m| m.snap.id);
                out.push(ProbeTarget {
                    id: known_id,
                    admin_url: self.admin.url_for(known_id, seed),
                    // Until its id is known, the seed says it (`conf`).
                    verify_id: known_id.is_none(),
                    tls: self.tls.client_for(seed, false),
                    address: seed.clone(),
                });
            }
        }
        out
    }

    /// Rows as displayed: frozen or live, filtered, sorted.
    pub fn rows(&self) -> Vec<&MemberView> {
        let source: Vec<&MemberView> = match &self.frozen {
            Some(f) => f.members.iter().collect(),
            None => self.members.values().collect(),
        };
        let needle = self.filter.to_ascii_lowercase();
        let mut rows: Vec<&MemberView> = source
            .into_iter()
            .filter(|m| self.view != View::Dashboard || needle.is_empty() || m.matches(&needle))
            .collect();
        let leader_zxid = self.shown_health().leader_zxid;
        rows.sort_by(|a, b| {
            let o = self.sort.compare(a, b, leader_zxid);
            if self.sort_desc {
                o.reverse()
            } else {
                o
            }
        });
        rows
    }

    /// The events as the timeline lists them, newest first: in the events view `/` keeps
    /// those whose text contains the filter ("member 2", "lost", "leader").
    pub fn shown_events(&self) -> Vec<&events::Event> {
        let needle = self.filter.to_ascii_lowercase();
        self.events
            .newest()
            .filter(|e| {
                self.view != View::Events
                    || ((needle.is_empty() || e.text.to_ascii_lowercase().contains(&needle))
                        && self.timeline.keeps(e))
            })
            .collect()
    }

    pub fn shown_health(&self) -> &Health {
        self.frozen.as_ref().map_or(&self.health, |f| &f.health)
    }

    pub fn selected_member(&self) -> Option<&MemberView> {
        self.rows().get(self.selected).copied()
    }

    /// History of a member as displayed (frozen copy when frozen).
    pub fn series(&self, key: &MemberKey, s: Series) -> Vec<f64> {
        let i = Series::ALL.iter().position(|x| *x == s).unwrap_or(0);
        match &self.frozen {
            Some(f) => f
                .history
                .get(key)
                .and_then(|v| v.get(i).cloned())
                .unwrap_or_default(),
            None => self
                .history
                .get(key)
                .map(|h| h.values(s))
                .unwrap_or_default(),
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let fx = self.apply(msg);
        // Every drill is remembered until the sandbox answers, whoever asked for it (the
        // dashboard's keys, the recovery page): a paused member is then known as paused.
        for e in &fx {
            if let Effect::Drill(d, id) = e {
                self.drills_sent.push_back((*d, *id));
            }
        }
        self.follow_selection();
        self.clamp_scrolls();
        fx
    }

    /// How far help can scroll in the current viewport.
    pub fn help_scroll_limit(&self) -> usize {
        self.help_lines()
            .len()
            .saturating_sub(self.viewport.help_rows().max(1))
    }

    /// A smaller terminal or a shorter text leaves no offset beyond the end.
    fn clamp_scrolls(&mut self) {
        if self.view == View::Help {
            self.help_scroll = self.help_scroll.min(self.help_scroll_limit());
        }
        // Only the plan under review is measured here; other pages (the recovery page) are
        // laid out by the view, which bounds what it shows by the offset itself.
        let limit = self.wizard_scroll_limit().min(u16::MAX as usize) as u16;
        if let Some(w) = self
            .wizard
            .as_mut()
            .filter(|w| w.stage == wizard::Stage::Review)
        {
            w.scroll = w.scroll.min(limit);
        }
    }

    /// Puts the cursor back on the chosen member after rows moved (sorting, new figures, a
    /// filter); if it is no longer shown, the cursor stays on the same row.
    fn follow_selection(&mut self) {
        let addrs: Vec<String> = self.rows().iter().map(|m| m.snap.address.clone()).collect();
        let found = self
            .selected_addr
            .as_ref()
            .and_then(|a| addrs.iter().position(|x| x == a));
        self.selected = found.unwrap_or(self.selected.min(addrs.len().saturating_sub(1)));
        self.selected_addr = addrs.get(self.selected).cloned();
    }

    fn apply(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(k) => self.on_key(k),
            Msg::Paste(text) => self.on_paste(&text),
            Msg::Resize(width, height) => {
                self.viewport = Viewport { width, height };
                self.dirty = true;
                vec![]
            }
            Msg::Clock(now) => {
                self.now = now;
                vec![]
            }
            Msg::Tick => {
                // Ages of silent members are on screen; nothing else moves on a tick.
                if self.members.values().any(|m| !m.snap.role.is_alive()) {
                    self.dirty = true;
                }
                vec![]
            }
            Msg::Shutdown => {
                self.quit = true;
                vec![Effect::Quit]
            }
            // A late answer from sources of an ensemble we switched away from.
            Msg::Probed { gen, .. } | Msg::Membership { gen, .. } | Msg::MemberConf { gen, .. }
                if gen != self.generation =>
            {
                vec![]
            }
            Msg::Probed {
                target, snap, at, ..
            } => self.on_probed(target, *snap, at),
            Msg::Membership { config, source, .. } => self.on_membership(config, source),
            Msg::MemberConf { id, config, .. } => self.on_member_conf(id, config),
            Msg::Workflow(w) => self.on_workflow(w),
            Msg::Tree(t) => self.on_tree(t),
            Msg::Roll(r) => self.on_roll(r),
            Msg::Clients(c) => self.on_clients(c),
            Msg::Session {
                gen,
                at,
                level,
                text,
            } => {
                if gen == self.generation {
                    self.events.push(at, level, text);
                    self.dirty = true;
                }
                vec![]
            }
            Msg::Report(r) => self.on_report(r),
            Msg::DrillDone(r) => {
                let sent = self.drills_sent.pop_front();
                if let (Some((drill, id)), true) = (sent, r.is_ok()) {
                    let view = self.members.values_mut().find(|m| m.snap.id == Some(id));
                    if let Some(m) = view {
                        m.paused = drill == Drill::Pause;
                    }
                }
                let (level, text) = match r {
                    Ok(s) => (Level::Ok, s),
                    Err(e) => (Level::Critical, e),
                };
                // A restart asked from the recovery screen reports there too.
                if let Some(w) = self.wizard.as_mut().filter(|_| self.view == View::Workflow) {
                    w.say(level, text.clone());
                }
                self.flash = Some((level, text));
                self.dirty = true;
                vec![]
            }
        }
    }

    /// Starts from the membership last seen live (quorum lost at start-up must still list
    /// every member by id); the first live membership replaces it.
    pub fn remember(&mut self, config: EnsembleConfig, seen_at: SystemTime) -> Vec<Effect> {
        let effects = self.on_membership(config, ConfigSource::Previous);
        self.membership_seen_at = Some(seen_at);
        effects
    }

    fn on_membership(&mut self, config: EnsembleConfig, source: ConfigSource) -> Vec<Effect> {
        let now = self.now;
        let old_version = self.membership.as_ref().and_then(|c| c.version);
        if self.membership.as_ref() == Some(&config) {
            if self.membership_source != source {
                // The same membership, now confirmed live.
                self.membership_source = source;
                self.membership_seen_at = None;
                self.dirty = true;
            }
            return vec![];
        }
        // The version alone misses a membership rewritten by hand (quorum-loss recovery keeps
        // it): a change of servers is a change too.
        let servers_changed = self
            .membership
            .as_ref()
            .is_some_and(|old| old.servers != config.servers);
        if old_version.is_some() && (old_version != config.version || servers_changed) {
            let voters: Vec<String> = config.voter_ids().iter().map(|i| i.to_string()).collect();
            self.events.push(
                now,
                Level::Warn,
                format!(
                    "membership changed: version {} → {} (voters {})",
                    old_version.map_or("?".into(), crate::report::hex),
                    config.version.map_or("?".into(), crate::report::hex),
                    voters.join(",")
                ),
            );
        }
        // Rows known only by address become the configured member they are.
        let addressed: Vec<MemberKey> = self
            .members
            .keys()
            .filter(|k| matches!(k, MemberKey::Address(_)))
            .cloned()
            .collect();
        for key in addressed {
            if let MemberKey::Address(a) = &key {
                if let Some(spec) = member_at(&config, &self.seeds, a) {
                    if let Some(mut m) = self.members.remove(&key) {
                        m.snap.id = Some(spec.id);
                        let h = self.history.remove(&key);
                        let k = MemberKey::Id(spec.id);
                        self.members.entry(k.clone()).or_insert(m);
                        if let Some(h) = h {
                            self.history.entry(k).or_insert(h);
                        }
                    }
                }
            }
        }
        // Members the previous membership had and a live one no longer has were removed by a
        // reconfig: they leave the table (members that stop answering stay; these are no
        // longer members). A remembered membership never removes anyone.
        if source != ConfigSource::Previous {
            if let Some(old) = &self.membership {
                let gone: Vec<u64> = old
                    .servers
                    .keys()
                    .filter(|id| !config.servers.contains_key(id))
                    .copied()
                    .collect();
                for id in gone {
                    let key = MemberKey::Id(id);
                    if let Some(m) = self.members.remove(&key) {
                        self.history.remove(&key);
                        // A joiner the wizard watched was probed as an extra target.
                        self.extra_targets
                            .retain(|t| !same_endpoint(&t.address, &m.snap.address));
                        self.departed.push(m.snap.address.clone());
                        self.events.push(
                            now,
                            Level::Ok,
                            format!(
                                "member {id} left the membership ({}, was {})",
                                m.snap.address, m.snap.role
                            ),
                        );
                    }
                }
            }
            self.departed
                .retain(|d| !may_be_member_at(&config, &self.seeds, d));
        }
        for m in self.members.values_mut() {
            apply_membership(&mut m.snap, &config);
        }
        self.membership = Some(config);
        self.membership_source = source;
        self.membership_seen_at = None;
        self.recompute(now);
        self.dirty = true;
        vec![Effect::SetTargets(self.targets())]
    }

    fn on_probed(
        &mut self,
        target: ProbeTarget,
        mut snap: MemberSnapshot,
        at: Instant,
    ) -> Vec<Effect> {
        let now = self.now;
        // A probe already in flight when its member left the membership.
        let departed = self
            .departed
            .iter()
            .any(|d| same_endpoint(d, &target.address));
        let watched = self
            .extra_targets
            .iter()
            .any(|t| same_endpoint(&t.address, &target.address));
        if departed && !watched {
            return vec![];
        }
        // A connect-string entry that a live membership does not list and that does not
        // answer (a stale entry, a member removed before the console started) is not part of
        // the ensemble: it must not hold the header at WARN. It is dropped, and said so once.
        let live_membership = self.membership.as_ref().filter(|_| {
            matches!(
                self.membership_source,
                ConfigSource::Znode | ConfigSource::Conf
            )
        });
        if let Some(cfg) = live_membership {
            let member = may_be_member_at(cfg, &self.seeds, &target.address);
            if !member && !watched && !snap.role.is_alive() {
                let keys: Vec<MemberKey> = self
                    .members
                    .iter()
                    .filter(|(_, m)| same_endpoint(&m.snap.address, &target.address))
                    .map(|(k, _)| k.clone())
                    .collect();
                for key in keys {
                    self.members.remove(&key);
                    self.history.remove(&key);
                }
                self.departed.push(target.address.clone());
                self.events.push(
                    now,
                    Level::Ok,
                    format!(
                        "{} (from the connect string) is not a member and does not answer: no longer probed",
                        target.address
                    ),
                );
                self.recompute(now);
                self.dirty = true;
                return vec![Effect::SetTargets(self.targets())];
            }
        }
        if snap.id.is_none() {
            snap.id = target.id;
        }
        // An answer from a poller started before the membership was known (a seed, no id)
        // can arrive after it: a member's address means that member, never a second row.
        if let (None, Some(cfg)) = (snap.id, &self.membership) {
            snap.id = member_at(cfg, &self.seeds, &target.address).map(|s| s.id);
        }
        if let Some(cfg) = &self.membership {
            apply_membership(&mut snap, cfg);
        }
        let key = MemberKey::of(&snap);
        let retention = Duration::from_secs(self.config.history_minutes * 60);
        let refresh = self.config.refresh();
        let rate = self
            .history
            .entry(key.clone())
            .or_insert_with(|| MemberHistory::new(retention, refresh))
            .record(&snap, at);
        let who = key.label();
        let mut new_events: Vec<(Level, String)> = Vec::new();
        let view = self
            .members
            .entry(key.clone())
            .or_insert_with(|| MemberView::new(snap.clone()));
        let before = view.snap.role;
        let was_seen = view.samples > 0;
        view.absorb(snap, rate, now);
        let after = view.snap.role;
        if was_seen && before != after {
            let level = match after {
                Role::Down
                | Role::Unresponsive
                | Role::NotServing
                | Role::Error
                | Role::Unknown => Level::Warn,
                _ => Level::Ok,
            };
            let text = match (before.is_alive(), after.is_alive()) {
                (true, false) => format!(
                    "{who} lost: {after} ({})",
                    view.snap.error.as_deref().unwrap_or("")
                ),
                (false, true) => format!("{who} back: {after}"),
                _ => format!("{who} {before} → {after}"),
            };
            new_events.push((level, text));
        }
        let leader_zxid = self.health.leader_zxid;
        let windows = self.history.get(&key).map(MemberHistory::windows);
        let changes: Vec<LevelChange> =
            view.observe_thresholds(&self.config.thresholds, leader_zxid, windows.as_ref());
        for c in changes {
            let text = if c.to > c.from {
                format!(
                    "{who} {} {} = {:.1}",
                    level_word(c.to),
                    c.metric.key(),
                    c.value
                )
            } else if c.value.is_nan() {
                format!("{who} {} no longer reported", c.metric.key())
            } else {
                format!(
                    "{who} {} recovered to {} ({:.1})",
                    c.metric.key(),
                    level_word(c.to),
                    c.value
                )
            };
            new_events.push((c.to.max(Level::Ok), text));
        }
        for (l, t) in new_events {
            self.events.push(now, l, t);
        }
        self.last_refresh = Some(now);
        self.derive_after_probe(&key, at);
        self.dirty = true;
        // A seed answered with an id we did not know: probe it under that id from now on.
        if target.id.is_none() && key != MemberKey::Address(target.address.clone()) {
            return vec![Effect::SetTargets(self.targets())];
        }
        vec![]
    }

    fn recompute(&mut self, now: SystemTime) {
        let snaps: Vec<&MemberSnapshot> = self.members.values().map(|m| &m.snap).collect();
        let windows: Vec<_> = self
            .members
            .keys()
            .map(|k| self.history.get(k).map(MemberHistory::windows))
            .collect();
        let old_leader = self.health.leader;
        let old_quorum = self.health.has_quorum;
        self.health = summarize_windows(
            self.membership.as_ref(),
            &snaps,
            &windows.iter().map(Option::as_ref).collect::<Vec<_>>(),
            &self.config.thresholds,
        );
        self.add_membership_problems();
        // The first round is what the ensemble looks like, not a change: a console started
        // on a healthy ensemble must not log "leader elected" or "quorum restored".
        if !self.baseline {
            self.baseline = self.every_target_answered();
            return;
        }
        if old_leader != self.health.leader {
            match (old_leader, self.health.leader) {
                (Some(o), Some(n)) => self.events.push(
                    now,
                    Level::Warn,
                    format!("leader elected: member {n} (was {o})"),
                ),
                (None, Some(n)) => {
                    self.events
                        .push(now, Level::Ok, format!("leader elected: member {n}"))
                }
                (Some(o), None) => self.events.push(
                    now,
                    Level::Critical,
                    format!("leader member {o} lost; no leader"),
                ),
                (None, None) => {}
            }
        }
        if old_quorum && !self.health.has_quorum && self.members.len() > 1 {
            self.events.push(now, Level::Critical, "quorum lost".into());
        } else if !old_quorum && self.health.has_quorum && old_leader.is_some() {
            self.events.push(now, Level::Ok, "quorum restored".into());
        }
    }

    /// Every member the console probes has reported at least once (answered or not).
    fn every_target_answered(&self) -> bool {
        let seen = |address: &str| {
            self.members
                .values()
                .any(|m| m.samples > 0 && same_endpoint(&m.snap.address, address))
        };
        let targets = self.targets();
        !targets.is_empty() && targets.iter().all(|t| seen(&t.address))
    }

    fn on_key(&mut self, key: KeyInput) -> Vec<Effect> {
        self.dirty = true;
        if self.view == View::Workflow && self.input == Input::Normal && !self.read_only {
            if let Some(fx) = self.wizard_key(key) {
                return fx;
            }
        }
        if self.view == View::Tree && self.input == Input::Normal {
            if let Some(fx) = self.tree_key(key) {
                return fx;
            }
        }
        if self.view == View::Problems && self.input == Input::Normal {
            if let Some(fx) = self.advice_key(key) {
                return fx;
            }
        }
        if self.view == View::Clients && self.input == Input::Normal {
            if let Some(fx) = self.clients_key(key) {
                return fx;
            }
        }
        if self.view == View::Events && self.input == Input::Normal {
            if let Some(fx) = self.events_key(key) {
                return fx;
            }
        }
        if self.view == View::Roll && self.input == Input::Normal && !self.read_only {
            if let Some(fx) = self.roll_key(key) {
                return fx;
            }
        }
        match self.input.clone() {
            Input::Command(_) | Input::Filter(_) => return self.edit_line(key),
            Input::Confirm(drill, id) => {
                self.input = Input::Normal;
                if key == KeyInput::ch('y') && self.drills_enabled() {
                    self.flash = Some((Level::Warn, format!("{} member {id} ...", drill.verb())));
                    return vec![Effect::Drill(drill, id)];
                }
                self.flash = Some((Level::Ok, "cancelled".into()));
                return vec![];
            }
            Input::Normal => {}
        }
        self.flash = None;
        let Some(action) = self.keymap.action(key, self.allowed()) else {
            if let Some(a) = self.keymap.withheld(key, self.allowed()) {
                self.flash = Some((Level::Warn, self.withheld_reason(key, a)));
            }
            return vec![];
        };
        let rows = self.rows().len();
        match action {
            Action::Quit => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Action::Help => self.switch(if self.view == View::Help {
                self.previous_view
            } else {
                View::Help
            }),
            Action::Events => self.switch(if self.view == View::Events {
                View::Dashboard
            } else {
                View::Events
            }),
            Action::Problems => {
                self.problems_scroll = 0;
                self.switch(if self.view == View::Problems {
                    View::Dashboard
                } else {
                    View::Problems
                })
            }
            Action::Clients => return self.open_clients(false),
            Action::Copy => return self.copy_selected(),
            Action::Command => {
                self.command_history.reset();
                self.input = Input::Command(TextInput::new());
            }
            Action::Filter => {
                self.input = Input::Filter(TextInput::with(self.active_filter().clone()))
            }
            Action::Back => {
                if !self.active_filter().is_empty() {
                    self.active_filter().clear();
                } else if self.view != View::Dashboard {
                    self.view = if self.view == View::Help {
                        self.previous_view
                    } else {
                        View::Dashboard
                    };
                } else if self.frozen.is_some() {
                    self.frozen = None;
                }
            }
            Action::Up => self.move_by(-1, rows),
            Action::Down => self.move_by(1, rows),
            Action::PageUp => self.move_by(-10, rows),
            Action::PageDown => self.move_by(10, rows),
            Action::Top => self.move_by(-(1 << 20), rows),
            Action::Bottom => self.move_by(1 << 20, rows),
            Action::Open => {
                if self.view == View::Dashboard && rows > 0 {
                    self.switch(View::Member);
                }
            }
            Action::SortNext => {
                self.sort = self.sort.next();
            }
            Action::SortReverse => self.sort_desc = !self.sort_desc,
            Action::Freeze => self.toggle_freeze(),
            Action::NextTheme => {
                if let Some(i) = self.themes.iter().position(|t| *t == self.theme) {
                    self.theme = self.themes[(i + 1) % self.themes.len()].clone();
                } else if let Some(t) = self.themes.first() {
                    self.theme = t.clone();
                }
                self.flash = Some((Level::Ok, format!("theme {}", self.theme)));
            }
            Action::Workflows => {
                if self.read_only {
                    return vec![];
                }
                // A roll at work: `w` goes back to it.
                if self.roll.as_ref().is_some_and(roll::RollView::active) {
                    self.view = View::Roll;
                    return vec![];
                }
                let w = self
                    .wizard
                    .get_or_insert_with(|| wizard::Wizard::menu(self.sandbox));
                if w.stage == wizard::Stage::Done {
                    *w = wizard::Wizard::menu(self.sandbox);
                }
                // Something is wrong: the cursor starts on recover (expand, shrink, recover).
                if w.stage == wizard::Stage::Menu {
                    let wrong = !self.health.has_quorum
                        || self.members.values().any(|m| !m.snap.role.is_alive());
                    w.cursor = if wrong { 2 } else { 0 };
                }
                self.view = View::Workflow;
            }
            Action::Kill | Action::Pause | Action::Resume | Action::Restart => {
                let drill = match action {
                    Action::Kill => Drill::Kill,
                    Action::Pause => Drill::Pause,
                    Action::Resume => Drill::Resume,
                    _ => Drill::Restart,
                };
                match self.selected_member().and_then(|m| m.snap.id) {
                    Some(id) => {
                        self.input = Input::Confirm(drill, id);
                    }
                    None => {
                        self.flash =
                            Some((Level::Warn, "select a member with a known id first".into()))
                    }
                }
            }
        }
        vec![]
    }

    /// Why a key bound to an action does nothing here: said, never silently ignored.
    fn withheld_reason(&self, key: KeyInput, a: Action) -> String {
        if self.read_only {
            read_only_refusal(key)
        } else {
            format!("{key} ({}): drills run only on a sandbox", a.help())
        }
    }

    /// `/` filters what the current view lists: rows on the dashboard, metrics in the detail.
    fn active_filter(&mut self) -> &mut String {
        if self.view == View::Member {
            &mut self.metric_filter
        } else {
            &mut self.filter
        }
    }

    /// `y`: the selected thing of the view to the clipboard (OSC 52 works over SSH), and a
    /// flash saying exactly what was copied.
    fn copy_selected(&mut self) -> Vec<Effect> {
        let (what, text) = match self.view {
            View::Dashboard => match self.selected_member() {
                Some(m) => (
                    format!("{}'s address", m.key().label()),
                    m.snap.address.clone(),
                ),
                None => return self.nothing_to_copy(),
            },
            View::Member => match self.selected_member() {
                Some(m) => {
                    let needle = self.metric_filter.to_ascii_lowercase();
                    let lines: Vec<String> = m
                        .snap
                        .metrics
                        .iter()
                        .filter(|(k, _)| k.to_ascii_lowercase().contains(&needle))
                        .map(|(k, v)| format!("{k}\t{v}"))
                        .collect();
                    let n = lines.len();
                    let label = m.key().label();
                    (
                        format!("{n} metric{} of {label}", if n == 1 { "" } else { "s" }),
                        lines.join("\n"),
                    )
                }
                None => return self.nothing_to_copy(),
            },
            View::Events => {
                let line = self
                    .shown_events()
                    .get(self.events_scroll)
                    .map(|e| format!("{} {}", crate::timefmt::rfc3339(e.at), e.text));
                match line {
                    Some(l) => ("the event line".to_string(), l),
                    None => return self.nothing_to_copy(),
                }
            }
            View::Problems if !self.health.problems.is_empty() => {
                let n = self.health.problems.len();
                (
                    format!("{n} problem{}", if n == 1 { "" } else { "s" }),
                    self.health.problems.join("\n"),
                )
            }
            View::Tree => match self.tree.as_ref().and_then(|t| t.selected_path()) {
                Some(p) => ("the znode path".to_string(), p),
                None => return self.nothing_to_copy(),
            },
            _ => return self.nothing_to_copy(),
        };
        let flat = text.replace('\n', " ");
        let shown = if flat.chars().count() > 40 {
            flat.chars().take(39).chain(['…']).collect()
        } else {
            flat
        };
        self.flash = Some((Level::Ok, format!("copied {what}: {shown}")));
        vec![Effect::Copy(text)]
    }

    fn nothing_to_copy(&mut self) -> Vec<Effect> {
        self.flash = Some((Level::Warn, "nothing selected to copy here".into()));
        vec![]
    }

    /// The key that opens the problem list, as the header names it.
    pub fn problems_key(&self) -> String {
        self.keymap
            .keys(Action::Problems)
            .first()
            .map_or(":problems".into(), |k| k.to_string())
    }

    /// What a drill on member `id` does to the ensemble, said before the operator confirms,
    /// with the live figures: "leaves 3 of 4 voters: no failure tolerated", "loses the quorum".
    pub fn drill_consequence(&self, drill: Drill, id: u64) -> Option<String> {
        if drill == Drill::Resume {
            return None;
        }
        let m = self.members.values().find(|m| m.snap.id == Some(id))?;
        let serving_voter =
            m.snap.voting != Some(false) && matches!(m.snap.role, Role::Leader | Role::Follower);
        let h = &self.health;
        let mut out = Vec::new();
        if serving_voter && h.has_quorum {
            let left = h.live_voters.saturating_sub(1);
            let cost = match h.tolerance {
                Some(0) | None => format!(
                    "this loses the quorum: {left} of {} voters left, {} needed; the ensemble stops serving",
                    h.voters, h.quorum_size
                ),
                Some(t) => format!(
                    "leaves {left} of {} voters: {}",
                    h.voters,
                    match t - 1 {
                        0 => "no failure tolerated".to_string(),
                        1 => "1 more failure tolerated".to_string(),
                        n => format!("{n} more failures tolerated"),
                    }
                ),
            };
            out.push(cost);
        } else if m.snap.role == Role::Observer {
            out.push("an observer: the quorum does not change".into());
        } else if !m.snap.role.is_alive() {
            out.push("it does not answer now: the quorum does not change".into());
        }
        if m.snap.role == Role::Leader {
            out.push("it leads: clients reconnect while a new leader is elected".into());
        }
        let prefix = if drill == Drill::Restart {
            "while it restarts, "
        } else {
            ""
        };
        (!out.is_empty()).then(|| format!("{prefix}{}", out.join("; ")))
    }

    /// Everything `?` lists: the key map (as dispatched), the `:` commands, and the znode
    /// browser's keys when it was open (writes only when they exist).
    pub fn help_lines(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .keymap
            .help_rows(self.allowed())
            .into_iter()
            .map(|(k, h)| (k, h.to_string()))
            .collect();
        out.push((String::new(), String::new()));
        let commands = [
            (":events", "events timeline"),
            (":problems", "every problem now"),
            (":theme NAME", "switch theme"),
            (":ensemble NAME", "switch to a configured ensemble"),
            (":tree [PATH]", "znode browser (also :cd PATH)"),
            (":q", "quit"),
        ];
        out.extend(commands.iter().map(|(k, h)| (k.to_string(), h.to_string())));
        out.push((String::new(), String::new()));
        out.push(("in a text input".into(), String::new()));
        out.extend(
            text_input::HELP
                .iter()
                .map(|(k, h)| (k.to_string(), h.to_string())),
        );
        if self.previous_view == View::Roll && !self.read_only {
            out.push((String::new(), String::new()));
            out.push(("rolling restart (w → l)".into(), String::new()));
            out.extend(
                roll::HELP
                    .iter()
                    .map(|(k, h)| (k.to_string(), h.to_string())),
            );
        }
        if self.previous_view == View::Clients {
            out.extend(clients::help_rows(self.read_only));
        }
        if self.previous_view == View::Tree {
            out.push((String::new(), String::new()));
            let mut tree = vec![
                ("enter l →", "open the selected node"),
                ("h ← backspace", "up to the parent"),
                ("j k ↑ ↓ PgUp PgDn g G", "move"),
                ("J K", "scroll the selected node's data"),
                ("/", "filter the children"),
                ("p", "go to a path (tab completes, ↑↓ earlier paths)"),
                ("r", "reload"),
                ("s", "scan the selected subtree (x cancels)"),
                ("o", "an ephemeral node's owner session in the clients view"),
            ];
            if !self.read_only {
                tree.extend([
                    ("c", "create a child"),
                    (
                        "E",
                        "set the selected node's data (a diff, then a write at the version read)",
                    ),
                    (
                        "ctrl-e",
                        "edit it in $VISUAL/$EDITOR (E does for multi-line or JSON)",
                    ),
                    (
                        "A",
                        "show and edit the selected node's ACL (at the ACL version read)",
                    ),
                    ("D", "delete the selected node (typed confirmation)"),
                ]);
            }
            tree.push(("esc", "back"));
            out.push(("znode browser".into(), String::new()));
            out.extend(tree.iter().map(|(k, h)| (k.to_string(), h.to_string())));
        }
        out
    }

    fn switch(&mut self, v: View) {
        if v == View::Help {
            self.previous_view = self.view;
            self.help_scroll = 0;
        }
        self.view = v;
    }

    fn move_by(&mut self, delta: i64, rows: usize) {
        if self.view == View::Help {
            let max = self.help_scroll_limit() as i64;
            self.help_scroll = (self.help_scroll as i64 + delta).clamp(0, max) as usize;
            return;
        }
        // In the detail, j/k go to the previous/next member; pages, g and G scroll its metrics.
        if self.view == View::Member && delta.abs() >= 10 {
            let count = self.selected_member().map_or(0, |m| m.snap.metrics.len());
            let max = count.saturating_sub(1) as i64;
            self.metrics_scroll = (self.metrics_scroll as i64 + delta).clamp(0, max) as usize;
            return;
        }
        if self.view == View::Member {
            self.metrics_scroll = 0;
        }
        if self.view == View::Problems {
            let max = self.health.problems.len().saturating_sub(1) as i64;
            self.problems_scroll = (self.problems_scroll as i64 + delta).clamp(0, max) as usize;
            return;
        }
        if self.view == View::Events {
            let max = self.shown_events().len().saturating_sub(1) as i64;
            self.events_scroll = (self.events_scroll as i64 + delta).clamp(0, max) as usize;
            return;
        }
        if rows == 0 {
            self.selected = 0;
            return;
        }
        self.selected = (self.selected as i64 + delta).clamp(0, rows as i64 - 1) as usize;
        self.selected_addr = self
            .rows()
            .get(self.selected)
            .map(|m| m.snap.address.clone());
    }

    fn toggle_freeze(&mut self) {
        if self.frozen.take().is_some() {
            self.flash = Some((Level::Ok, "live".into()));
            return;
        }
        let history = self
            .history
            .iter()
            .map(|(k, h)| {
                (
                    k.clone(),
                    Series::ALL.iter().map(|s| h.values(*s)).collect(),
                )
            })
            .collect();
        self.frozen = Some(Frozen {
            at: self.now,
            members: self.members.values().cloned().collect(),
            health: self.health.clone(),
            history,
        });
    }

    /// A key in the `:` prompt or the `/` filter.
    fn edit_line(&mut self, key: KeyInput) -> Vec<Effect> {
        let command = matches!(self.input, Input::Command(_));
        match key.code {
            KeyCode::Esc => {
                self.input = Input::Normal;
                if !command {
                    self.active_filter().clear();
                }
                return vec![];
            }
            KeyCode::Enter => {
                let input = std::mem::replace(&mut self.input, Input::Normal);
                if let Input::Command(line) = input {
                    self.command_history.push(line.value());
                    return self.run_command(line.value().trim());
                }
                return vec![];
            }
            KeyCode::Char('c') if key.ctrl => {
                self.input = Input::Normal;
                return vec![];
            }
            _ => {}
        }
        let (Input::Command(buf) | Input::Filter(buf)) = &mut self.input else {
            return vec![];
        };
        if command && self.command_history.browse(key, buf) {
            return vec![];
        }
        if buf.handle(key) == Edit::Changed && !command {
            // Filter as you type.
            let value = buf.value().to_string();
            *self.active_filter() = value;
        }
        vec![]
    }

    /// Pasted text goes to the text input in focus; anywhere else it is dropped (a paste
    /// never presses keys: it cannot confirm a drill or run a command).
    fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        self.dirty = true;
        match &mut self.input {
            Input::Command(buf) => {
                buf.paste(text);
            }
            Input::Filter(buf) => {
                if buf.paste(text) == Edit::Changed {
                    let value = buf.value().to_string();
                    *self.active_filter() = value;
                }
            }
            Input::Confirm(..) => {}
            Input::Normal => match self.view {
                View::Workflow if !self.read_only => self.wizard_paste(text),
                View::Tree => return self.tree_paste(text),
                View::Roll if !self.read_only => self.roll_paste(text),
                _ => {}
            },
        }
        vec![]
    }

    fn run_command(&mut self, line: &str) -> Vec<Effect> {
        let mut words = line.split_whitespace();
        let cmd = words.next().unwrap_or("");
        let arg = words.next();
        match (cmd, arg) {
            ("q" | "quit" | "q!", _) => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            ("events" | "ev", _) => self.view = View::Events,
            ("problems" | "pr", _) => self.view = View::Problems,
            ("members" | "dashboard" | "d", _) => self.view = View::Dashboard,
            ("help" | "h", _) => self.switch(View::Help),
            ("freeze", _) => self.toggle_freeze(),
            ("theme", Some(name)) => {
                if self.themes.iter().any(|t| t == name) {
                    self.theme = name.to_string();
                } else {
                    self.flash = Some((
                        Level::Warn,
                        format!("no theme {name:?}; have: {}", self.themes.join(", ")),
                    ));
                }
            }
            ("ensemble", Some(name)) => {
                if self.config.ensembles.contains_key(name) {
                    return vec![Effect::SwitchEnsemble(name.to_string())];
                }
                let known: Vec<&String> = self.config.ensembles.keys().collect();
                self.flash = Some((
                    Level::Warn,
                    format!("no ensemble {name:?} in the config; configured: {known:?}"),
                ));
            }
            ("tree" | "cd", path) => return self.open_tree(path),
            ("clients" | "cons", _) => return self.open_clients(true),
            ("report", since) => return self.report_command(since),
            ("", _) => {}
            (other, _) => {
                self.flash = Some((
                    Level::Warn,
                    format!(
                        "unknown command :{other} (try :tree [PATH] :clients :events :report [SINCE] :theme NAME :ensemble NAME :q)"
                    ),
                ));
            }
        }
        vec![]
    }
}

/// What a write key says in --read-only (short: it must fit an 80-column footer).
pub fn read_only_refusal(key: KeyInput) -> String {
    format!("read-only: {key} would change the ensemble (started with --read-only)")
}

fn level_word(l: Level) -> &'static str {
    match l {
        Level::Ok => "ok",
        Level::Warn => "warn",
        Level::Critical => "CRITICAL",
    }
}

/// Threshold metrics, for views listing them.
pub fn threshold_metrics() -> &'static [Metric] {
    &Metric::ALL
}
