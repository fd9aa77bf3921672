//! Keys and runtime messages of the guided workflows (the wizard's half of `State::update`).

use super::keys::{KeyCode, KeyInput};
use super::text_input::Edit;
use super::viewport::{scroll_limit, wrapped_rows};
use super::wizard::{is_key_line, joiner_files, situation, Flow, Situation, Stage, Tone, Wizard};
use super::{Drill, Effect, State, View, WorkflowMsg};
use crate::config::Level;
use crate::ensemble::member::ProbeTarget;
use crate::ensemble::LearnerType;
use crate::workflow::executor::cluster_state_of;

impl State {
    /// Handles a key in the workflow view. `None` lets the global key map have it
    /// (quit, help) when the wizard has no use for it.
    pub(super) fn wizard_key(&mut self, key: KeyInput) -> Option<Vec<Effect>> {
        let mut w = self.wizard.take()?;
        // ctrl-p / ctrl-n scroll the progress pane in every stage (text fields ignore them).
        if key.ctrl && matches!(key.code, KeyCode::Char('p' | 'n')) {
            let (_, body) = self.viewport.body();
            let shown = super::viewport::wizard_log_height(body, w.log.len()).saturating_sub(2);
            let most = w.log.len().saturating_sub(shown as usize);
            w.log_scroll = match key.code {
                KeyCode::Char('p') => (w.log_scroll + 1).min(most),
                _ => w.log_scroll.saturating_sub(1),
            };
            self.wizard = Some(w);
            return Some(vec![]);
        }
        let fx = self.wizard_step(&mut w, key);
        self.wizard = Some(w);
        fx
    }

    /// Pasted text goes to the wizard's text field in focus, if any.
    pub(super) fn wizard_paste(&mut self, text: &str) {
        let Some(w) = self.wizard.as_mut() else {
            return;
        };
        match w.stage {
            Stage::Compose if w.flow == Flow::Expand && w.focused_field() != 1 => {
                let field = w.focused_field();
                w.fields[field].paste(text);
            }
            Stage::Prepare => {
                if let Some(d) = w.write_dir.as_mut() {
                    d.paste(text);
                }
            }
            Stage::Confirm => {
                w.typed.paste(text);
            }
            _ => {}
        }
    }

    /// How far the plan under review can scroll in the current viewport.
    pub fn wizard_scroll_limit(&self) -> usize {
        self.wizard.as_ref().map_or(0, |w| self.scroll_limit_of(w))
    }

    fn scroll_limit_of(&self, w: &Wizard) -> usize {
        if w.stage != Stage::Review {
            return 0;
        }
        let (width, height) = self.viewport.wizard_text(w.log.len());
        let lines = w.review_lines();
        // The view pins the key line and what follows it under the scrolled text (they take
        // rows from it) and drops the blank lines just above it: measure the same.
        let at = lines
            .iter()
            .rposition(|l| is_key_line(l))
            .unwrap_or(lines.len());
        let (text, keys) = lines.split_at(at);
        let empty = |l: &Vec<(Tone, String)>| l.iter().all(|(_, t)| t.is_empty());
        let text = &text[..text.len() - text.iter().rev().take_while(|l| empty(l)).count()];
        let width_of =
            |l: &Vec<(Tone, String)>| l.iter().map(|(_, t)| t.chars().count()).sum::<usize>();
        let keys = keys.iter().filter(|l| !empty(l)).map(width_of);
        let key_rows = wrapped_rows(keys, width) as u16;
        let height = height.saturating_sub(key_rows.min(height / 2));
        scroll_limit(wrapped_rows(text.iter().map(width_of), width), height)
    }

    fn wizard_step(&mut self, w: &mut Wizard, key: KeyInput) -> Option<Vec<Effect>> {
        let code = key.code;
        if w.stage == Stage::Prepare && w.write_dir.is_some() {
            return self.write_dir_key(w, key);
        }
        if code == KeyCode::Esc {
            match w.stage {
                Stage::Menu | Stage::Done => self.view = View::Dashboard,
                Stage::Running => {
                    // A running change cannot be abandoned half-way; the view can be left.
                    self.view = View::Dashboard;
                }
                Stage::Compose => w.stage = Stage::Menu,
                Stage::Prepare | Stage::Review => w.stage = Stage::Compose,
                Stage::Confirm if w.host.restart.is_some() => {
                    w.typed.clear();
                    w.host.restart = None;
                    w.host.preview.clear();
                    w.stage = Stage::Compose;
                }
                Stage::Confirm if w.host.confirming => {
                    w.typed.clear();
                    w.host.confirming = false;
                    w.stage = Stage::Prepare;
                }
                Stage::Confirm => {
                    w.typed.clear();
                    w.stage = Stage::Review;
                }
            }
            return Some(vec![]);
        }
        let config = self.membership.clone();
        let snaps: Vec<_> = self.snapshots().into_iter().cloned().collect();
        let snap_refs: Vec<_> = snaps.iter().collect();
        match w.stage {
            Stage::Menu => {
                let flow = match code {
                    KeyCode::Char('e') => Flow::Expand,
                    KeyCode::Char('s') => Flow::Shrink,
                    KeyCode::Char('r') => Flow::Recover,
                    // The rolling restart has screens of its own.
                    KeyCode::Char('l') => return Some(self.open_roll()),
                    KeyCode::Enter if w.cursor == 3 => return Some(self.open_roll()),
                    KeyCode::Up | KeyCode::Char('k') => {
                        w.cursor = w.cursor.saturating_sub(1);
                        return Some(vec![]);
                    }
                    KeyCode::Down | KeyCode::Char('j') => {
                        w.cursor = (w.cursor + 1).min(3);
                        return Some(vec![]);
                    }
                    KeyCode::Enter => [Flow::Expand, Flow::Shrink, Flow::Recover][w.cursor.min(2)],
                    _ => return None,
                };
                if config.is_none() && flow != Flow::Recover {
                    self.flash = Some((Level::Warn, "the membership is not known yet".into()));
                    return Some(vec![]);
                }
                if self.refuse_static(w, flow) {
                    return Some(vec![]);
                }
                w.start(flow, config.as_ref(), &snap_refs);
                Some(vec![])
            }
            Stage::Compose => match w.flow {
                Flow::Expand => self.expand_form_key(w, key),
                Flow::Shrink => {
                    let ids: Vec<u64> = config
                        .as_ref()
                        .map_or(vec![], |c| c.servers.keys().copied().collect());
                    match code {
                        KeyCode::Up
                        | KeyCode::Char('k')
                        | KeyCode::Down
                        | KeyCode::Char('j')
                        | KeyCode::Char(' ') => pick_key(w, key.code, &ids),
                        KeyCode::Enter if !w.picked.is_empty() => self.review(w),
                        KeyCode::Enter => w.say(Level::Warn, "pick at least one member with space"),
                        _ => return None,
                    }
                    Some(vec![])
                }
                Flow::Recover => self.recover_key(w, key),
            },
            Stage::Prepare => match code {
                KeyCode::Enter => {
                    self.review(w);
                    Some(vec![])
                }
                KeyCode::Char('c') => {
                    let files = self.joiner_files_of(w)?;
                    let text: String = files.iter().map(|(n, t)| format!("# {n}\n{t}\n")).collect();
                    w.say(Level::Ok, "copied the files to the clipboard (OSC 52)");
                    Some(vec![Effect::Copy(text)])
                }
                // Host actions: write the files and start the member, once confirmed.
                KeyCode::Char('S') if w.host.active() => {
                    if w.host.ran {
                        w.say(
                            Level::Warn,
                            "the host steps ran already; esc and enter again to redo them",
                        );
                    } else {
                        w.typed.clear();
                        w.host.confirming = true;
                        w.stage = Stage::Confirm;
                    }
                    Some(vec![])
                }
                KeyCode::Char('W') if !w.sandbox => {
                    w.write_dir = Some(Default::default());
                    Some(vec![])
                }
                _ => None,
            },
            Stage::Review => {
                let limit = self.scroll_limit_of(w);
                self.review_key(w, key, limit)
            }
            Stage::Confirm => {
                match code {
                    KeyCode::Enter if w.confirmed() => return Some(self.launch(w)),
                    KeyCode::Enter => {
                        let typed = w.typed.value().trim();
                        let why = if typed.is_empty() {
                            format!("type exactly: {}", w.phrase())
                        } else {
                            format!("{typed:?} does not match: type exactly {}", w.phrase())
                        };
                        w.say(Level::Warn, why);
                    }
                    _ => {
                        w.typed.handle(key);
                    }
                }
                Some(vec![])
            }
            Stage::Running | Stage::Done => None,
        }
    }

    /// The directory prompt of a real host's joiner files: enter or tab writes, esc closes.
    fn write_dir_key(&mut self, w: &mut Wizard, key: KeyInput) -> Option<Vec<Effect>> {
        let input = w.write_dir.as_mut()?;
        match key.code {
            KeyCode::Esc => w.write_dir = None,
            KeyCode::Enter | KeyCode::Tab => {
                let dir = w.write_dir.take().unwrap_or_default().into_value();
                let files = self.joiner_files_of(w)?;
                return Some(vec![Effect::WriteFiles { dir, files }]);
            }
            _ => {
                if input.handle(key) == Edit::Ignored {
                    return None;
                }
            }
        }
        Some(vec![])
    }

    fn review_key(&mut self, w: &mut Wizard, key: KeyInput, limit: usize) -> Option<Vec<Effect>> {
        let page = 10;
        match key.code {
            KeyCode::Down | KeyCode::Char('j') => w.scroll_by(1, limit),
            KeyCode::Up | KeyCode::Char('k') => w.scroll_by(-1, limit),
            KeyCode::PageDown | KeyCode::Char(' ') => w.scroll_by(page, limit),
            KeyCode::PageUp => w.scroll_by(-page, limit),
            KeyCode::Home | KeyCode::Char('g') => w.scroll_by(-i32::from(u16::MAX), limit),
            KeyCode::End | KeyCode::Char('G') => w.scroll_by(i32::from(u16::MAX), limit),
            KeyCode::Char('p') => {
                self.review(w);
                Some(vec![])
            }
            KeyCode::Enter => {
                match &w.plan {
                    Some(p) if p.safe && !p.steps.is_empty() => {
                        w.typed.clear();
                        w.stage = Stage::Confirm;
                    }
                    Some(p) if p.steps.is_empty() => w.say(Level::Warn, "nothing to do"),
                    _ => w.say(
                        Level::Critical,
                        "the plan is unsafe (see ✗ lines); fix the cause and press p to re-plan",
                    ),
                }
                Some(vec![])
            }
            _ => None,
        }
    }

    fn expand_form_key(&mut self, w: &mut Wizard, key: KeyInput) -> Option<Vec<Effect>> {
        let last = w.visible_fields().len() - 1;
        let field = w.focused_field();
        match key.code {
            KeyCode::Up | KeyCode::BackTab => w.cursor = w.cursor.saturating_sub(1),
            KeyCode::Down | KeyCode::Tab => w.cursor = (w.cursor + 1).min(last),
            // The role is a choice of two: any of these flips it, p and o pick one.
            KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') if field == 1 => w.toggle_role(),
            KeyCode::Char('p') if field == 1 => w.role = LearnerType::Participant,
            KeyCode::Char('o') if field == 1 => w.role = LearnerType::Observer,
            KeyCode::Enter => {
                // On a sandbox the sandbox picks ids, host and ports: only role and count matter.
                if let (false, Err(e)) = (w.sandbox, w.form_spec()) {
                    w.say(Level::Warn, e);
                    return Some(vec![]);
                }
                w.stage = Stage::Prepare;
                w.joiners.clear();
                if w.sandbox {
                    let n = w.how_many();
                    w.joiners_wanted = n;
                    w.say(
                        Level::Ok,
                        format!("starting {n} new sandbox member(s) as joiners ..."),
                    );
                    return Some(vec![Effect::StartJoiners(w.role(), n)]);
                }
                // A real host: the operator starts it with the generated files; we watch it.
                let spec = w.form_spec().ok()?;
                if let Some(address) = spec.client_address() {
                    self.extra_targets.push(ProbeTarget {
                        id: Some(spec.id),
                        admin_url: self.admin.url_for(Some(spec.id), &address),
                        address,
                        ..ProbeTarget::default()
                    });
                }
                let read = self.plan_host_steps(w);
                w.joiners = vec![spec];
                return Some(
                    [Effect::SetTargets(self.targets())]
                        .into_iter()
                        .chain(read)
                        .collect(),
                );
            }
            _ if field == 1 => return None,
            _ => {
                if w.fields[field].handle(key) == Edit::Ignored {
                    return None;
                }
            }
        }
        Some(vec![])
    }

    fn recover_key(&mut self, w: &mut Wizard, key: KeyInput) -> Option<Vec<Effect>> {
        // The page scrolls apart from the member cursor (j/k, space move and pick). Its lines
        // are laid out by the view, which also bounds what it shows by the offset.
        let limit = usize::from(u16::MAX);
        match (key.code, key.ctrl) {
            (KeyCode::PageDown, _) | (KeyCode::Char('f'), true) => return w.scroll_by(10, limit),
            (KeyCode::PageUp, _) | (KeyCode::Char('b'), true) => return w.scroll_by(-10, limit),
            (KeyCode::Char('J'), false) => return w.scroll_by(1, limit),
            (KeyCode::Char('K'), false) => return w.scroll_by(-1, limit),
            (KeyCode::End | KeyCode::Char('G'), false) => {
                return w.scroll_by(i32::from(u16::MAX), limit)
            }
            (KeyCode::Home | KeyCode::Char('g'), false) => {
                return w.scroll_by(-i32::from(u16::MAX), limit)
            }
            _ => {}
        }
        let snaps: Vec<_> = self.snapshots().into_iter().cloned().collect();
        let refs: Vec<_> = snaps.iter().collect();
        let h = &self.health;
        match situation(h.has_quorum, h.leader, &refs) {
            Situation::MembersDown(down) => {
                let id = *down.get(w.cursor.min(down.len().saturating_sub(1)))?;
                match key.code {
                    KeyCode::Up | KeyCode::Char('k') => w.cursor = w.cursor.saturating_sub(1),
                    KeyCode::Down | KeyCode::Char('j') => {
                        w.cursor = (w.cursor + 1).min(down.len() - 1)
                    }
                    KeyCode::Char('r') if w.sandbox => {
                        w.say(Level::Ok, format!("restarting member {id} ..."));
                        return Some(vec![Effect::Drill(Drill::Restart, id)]);
                    }
                    // Real hosts: through the audited host actions, previewed and confirmed.
                    KeyCode::Char('r') if self.restart_actions().is_some() => {
                        if self.plan_restart(w, id) {
                            w.typed.clear();
                            w.stage = Stage::Confirm;
                        }
                    }
                    KeyCode::Char('x') => {
                        // Replace: a new member with the dead one's role, then remove the dead one.
                        let role = self
                            .membership
                            .as_ref()
                            .and_then(|c| c.servers.get(&id))
                            .map(|s| s.learner_type);
                        let cfg = self.membership.clone();
                        w.start(Flow::Expand, cfg.as_ref(), &refs);
                        if let Some(role) = role {
                            w.role = role;
                        }
                        w.replace = Some(id);
                        w.say(
                            Level::Ok,
                            format!(
                                "replacing member {id}: a new member first, then {id} is removed"
                            ),
                        );
                    }
                    _ => return None,
                }
                Some(vec![])
            }
            Situation::QuorumLost => {
                let ids: Vec<u64> = self
                    .membership
                    .as_ref()
                    .map_or(vec![], |c| c.servers.keys().copied().collect());
                match key.code {
                    KeyCode::Up
                    | KeyCode::Char('k')
                    | KeyCode::Down
                    | KeyCode::Char('j')
                    | KeyCode::Char(' ') => pick_key(w, key.code, &ids),
                    // The first thing to try: a member that was only stopped rejoins with its
                    // data, and nothing is lost.
                    KeyCode::Char('r') if w.sandbox => {
                        let id = *ids.get(w.cursor.min(ids.len().saturating_sub(1)))?;
                        let running = refs.iter().any(|m| m.id == Some(id) && m.role.is_alive());
                        if running {
                            w.say(Level::Warn, format!("member {id} is running already"));
                        } else {
                            w.say(Level::Ok, format!("restarting member {id} ..."));
                            return Some(vec![Effect::Drill(Drill::Restart, id)]);
                        }
                    }
                    KeyCode::Char('c') => {
                        let cfg = self.membership.clone()?;
                        let steps = super::wizard::recovery_steps(
                            &cfg,
                            &w.picked,
                            self.freshest(&w.picked),
                        );
                        let text = steps
                            .iter()
                            .enumerate()
                            .map(|(i, s)| format!("{}. {s}\n", i + 1))
                            .collect();
                        w.say(
                            Level::Ok,
                            "copied the recovery steps to the clipboard (OSC 52)",
                        );
                        return Some(vec![Effect::Copy(text)]);
                    }
                    KeyCode::Enter if w.sandbox && !w.picked.is_empty() => {
                        w.typed.clear();
                        w.stage = Stage::Confirm;
                    }
                    // Real hosts with actions: the same executor as `zkconsole recover`,
                    // each step listed on the confirmation.
                    KeyCode::Enter if !w.picked.is_empty() && self.recover_actions().is_some() => {
                        self.preview_recovery(w);
                        w.typed.clear();
                        w.stage = Stage::Confirm;
                    }
                    KeyCode::Enter if !w.sandbox => {
                        w.say(
                            Level::Warn,
                            "on a real ensemble, follow the steps on each host (c copies them)",
                        );
                    }
                    _ => return None,
                }
                Some(vec![])
            }
            Situation::LeaderLost | Situation::Healthy => None,
        }
    }

    /// The survivor with the highest last known zxid: its history is the one to keep.
    /// The survivor to start first: the highest last zxid; on a tie, one that still answers
    /// (its process is there), then the lowest id.
    pub fn freshest(&self, among: &std::collections::BTreeSet<u64>) -> Option<u64> {
        self.members
            .values()
            .filter_map(|m| Some((m.snap.id?, m.last_zxid?, m.snap.role.is_alive())))
            .filter(|(id, _, _)| among.contains(id))
            .max_by_key(|(id, z, alive)| (*z, *alive, std::cmp::Reverse(*id)))
            .map(|(id, _, _)| id)
    }

    fn joiner_files_of(&self, w: &Wizard) -> Option<Vec<(String, String)>> {
        let spec = w.form_spec().ok()?;
        Some(joiner_files(self.membership.as_ref()?, &spec))
    }

    fn review(&mut self, w: &mut Wizard) {
        let Some(cfg) = self.membership.clone() else {
            w.say(Level::Warn, "the membership is not known yet");
            return;
        };
        let snaps = self.snapshots();
        // The sandbox console always holds the sandbox's super user.
        let can_write = self.sandbox.then_some(true);
        let state = cluster_state_of(&cfg, &snaps, can_write);
        w.replan(&state);
        w.stage = Stage::Review;
        w.scroll = 0;
    }

    fn launch(&mut self, w: &mut Wizard) -> Vec<Effect> {
        if let Some(r) = w.host.restart.take() {
            w.typed.clear();
            w.host.preview.clear();
            w.stage = Stage::Running;
            w.say(
                Level::Warn,
                format!("restarting member {} through the host actions ...", r.id),
            );
            return vec![Effect::RestartMember(r)];
        }
        if w.host.confirming {
            // Back to the prepare page: it shows the member syncing once it starts.
            w.host.confirming = false;
            w.host.ran = true;
            w.typed.clear();
            w.stage = Stage::Prepare;
            w.say(
                Level::Warn,
                format!("running {} host action(s) ...", w.host.steps.len()),
            );
            return vec![Effect::HostSteps(w.host.steps.clone())];
        }
        w.stage = Stage::Running;
        match w.flow {
            Flow::Recover => {
                let on = if w.sandbox {
                    "the sandbox"
                } else {
                    "the hosts"
                };
                w.say(Level::Warn, format!("recovering the quorum on {on} ..."));
                vec![Effect::Recover {
                    survivors: w.picked.iter().copied().collect(),
                }]
            }
            _ => {
                let steps = w.plan.as_ref().map(|p| p.steps.clone()).unwrap_or_default();
                w.say(
                    Level::Warn,
                    format!("executing {} step(s) ...", steps.len()),
                );
                vec![Effect::Execute {
                    steps,
                    stop_removed: w.sandbox,
                }]
            }
        }
    }

    pub(super) fn on_workflow(&mut self, m: WorkflowMsg) -> Vec<Effect> {
        self.dirty = true;
        if let WorkflowMsg::Membership(config) = m {
            return self.on_membership(config, crate::ensemble::observation::ConfigSource::Conf);
        }
        if let WorkflowMsg::JoinerSource { id, text } = m {
            if let Some(mut w) = self.wizard.take() {
                self.on_source(&mut w, id, text);
                self.wizard = Some(w);
            }
            return vec![];
        }
        let Some(w) = self.wizard.as_mut() else {
            return vec![];
        };
        match m {
            // Taken above, before the wizard is needed.
            WorkflowMsg::Membership(_) | WorkflowMsg::JoinerSource { .. } => vec![],
            WorkflowMsg::JoinerStarted(spec) => {
                w.say(
                    Level::Ok,
                    format!("member {} started: {}", spec.id, spec.to_line()),
                );
                if let Some(address) = spec.client_address() {
                    let t = ProbeTarget {
                        id: Some(spec.id),
                        admin_url: self.admin.url_for(Some(spec.id), &address),
                        address,
                        ..ProbeTarget::default()
                    };
                    self.extra_targets.push(t);
                }
                w.joiners.push(spec);
                if w.joiners.len() >= w.joiners_wanted {
                    w.say(Level::Ok, "waiting until the new member(s) sync as non-voting followers; enter reviews the plan");
                }
                vec![Effect::SetTargets(self.targets())]
            }
            WorkflowMsg::Progress(level, text) => {
                w.say(level, text);
                vec![]
            }
            WorkflowMsg::Finished(r) => {
                w.stage = Stage::Done;
                match r {
                    Ok(s) => {
                        w.say(Level::Ok, s.clone());
                        self.events.push(self.now, Level::Ok, s);
                    }
                    Err(e) => {
                        w.say(Level::Critical, e.clone());
                        self.events.push(self.now, Level::Critical, e);
                    }
                }
                vec![]
            }
        }
    }
}

/// Moves the cursor over `ids` and toggles the id under it (shrink picks members to remove,
/// recover picks survivors).
fn pick_key(w: &mut Wizard, code: KeyCode, ids: &[u64]) {
    match code {
        KeyCode::Up | KeyCode::Char('k') => w.cursor = w.cursor.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => {
            w.cursor = (w.cursor + 1).min(ids.len().saturating_sub(1))
        }
        KeyCode::Char(' ') => {
            if let Some(id) = ids.get(w.cursor) {
                if !w.picked.remove(id) {
                    w.picked.insert(*id);
                }
            }
        }
        _ => {}
    }
}
