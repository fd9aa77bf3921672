//! The rolling restart on screen: the plan with each step's preview, the typed confirmation,
//! the progress (each step's state, the gate's conditions as they are met, the current step's
//! action output) with pause, resume and abort, and the log. Fits 80×24: every line is cut
//! to the width, the keys are pinned at the bottom of the box.

use super::format::fit;
use super::theme::{Slot, Theme};
use super::{input, level_style, role_style};
use crate::app::roll::{guided_steps, previews, HostKind, RollStage, RollView, StepState};
use crate::app::viewport::wizard_log_height;
use crate::app::State;
use crate::workflow::roll::{handoff_blocker, Control, HandoffMode};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(r) = &state.roll else { return };
    let log_height = wizard_log_height(area.height, r.log.len());
    let [main, log] =
        Layout::vertical([Constraint::Min(5), Constraint::Length(log_height)]).areas(area);
    let stage = match r.stage {
        RollStage::Plan => "1 plan",
        RollStage::Confirm => "2 confirm",
        RollStage::Running if r.paused => "3 PAUSED",
        RollStage::Running => "3 running",
        RollStage::Override => "3 REFUSED: override?",
        RollStage::Done => "done",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Slot::Border))
        .title(Line::from(vec![
            Span::styled(" rolling restart ", theme.style(Slot::Title)),
            Span::styled(format!(" {stage} "), theme.style(Slot::Muted)),
        ]));
    let inner = block.inner(main);
    f.render_widget(block, main);
    let width = inner.width as usize;
    let (lines, keys) = match r.stage {
        RollStage::Plan => plan(state, r, theme, width),
        RollStage::Confirm | RollStage::Override => confirm(r, theme),
        RollStage::Running | RollStage::Done => progress(state, r, theme, width),
    };
    let keys = super::footer::pack(
        keys.iter()
            .map(|(k, l)| {
                vec![
                    Span::styled(k.to_string(), theme.style(Slot::Key)),
                    Span::styled(format!(" {l}   "), theme.style(Slot::Muted)),
                ]
            })
            .collect(),
        width,
    );
    let keys_height = (keys.len() as u16).min(inner.height / 2);
    let [text, pinned] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(keys_height)]).areas(inner);
    let lines: Vec<Line> = lines.into_iter().take(text.height as usize).collect();
    f.render_widget(Paragraph::new(lines), text);
    f.render_widget(Paragraph::new(keys), pinned);
    if log_height > 0 {
        let visible = log_height.saturating_sub(2) as usize;
        let lines: Vec<Line> = r
            .log
            .iter()
            .skip(r.log.len().saturating_sub(visible))
            .map(|(l, t)| Line::styled(fit(t, width), level_style(theme, *l)))
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.style(Slot::Border))
                    .title(Span::styled(" progress ", theme.style(Slot::Title))),
            ),
            log,
        );
    }
}

type Keys = Vec<(&'static str, &'static str)>;

fn text(s: String, width: usize, style: ratatui::style::Style) -> Line<'static> {
    Line::styled(fit(&s, width), style)
}

fn host_line(state: &State, r: &RollView) -> String {
    match r.host {
        HostKind::Sandbox => "acts through: the sandbox (stop = SIGKILL, start)".into(),
        HostKind::Commands => {
            let stop = state
                .config
                .ensembles
                .get(&state.ensemble)
                .and_then(|e| e.actions.as_ref())
                .and_then(|a| a.stop.clone())
                .unwrap_or_default();
            format!("acts through: [actions] stop = {stop}")
        }
        HostKind::Guided => {
            "no [actions] for this ensemble: carry out these steps on the hosts".into()
        }
    }
}

/// The leader hand-off setting, and why `auto` will not do it when it can be told now.
fn handoff_line(state: &State, r: &RollView) -> String {
    let blocker = state
        .membership
        .as_ref()
        .and_then(|c| handoff_blocker(c, None));
    match (r.handoff, blocker) {
        (HandoffMode::Never, _) => "leader hand-off: never (its restart costs an election)".into(),
        (HandoffMode::Always, _) => {
            "leader hand-off: always (a reconfig moves leadership first, or the roll halts)".into()
        }
        (HandoffMode::Auto, Some(why)) => format!("leader hand-off: auto, not possible: {why}"),
        (HandoffMode::Auto, None) => {
            "leader hand-off: auto (a reconfig moves leadership before the leader stops)".into()
        }
    }
}

fn plan(state: &State, r: &RollView, theme: &Theme, width: usize) -> (Vec<Line<'static>>, Keys) {
    let snaps = state.snapshots();
    let mut out = vec![text(
        "order: observers, followers, the leader last; each start gated before the next".into(),
        width,
        theme.style(Slot::Muted),
    )];
    if r.host == HostKind::Guided {
        for l in guided_steps(&r.order, state.health.leader) {
            out.push(text(l, width, theme.style(Slot::Text)));
        }
    } else {
        let all = previews(state.membership.as_ref(), &snaps, &state.health, &r.order);
        for (i, p) in all.iter().enumerate() {
            let role = snaps
                .iter()
                .find(|s| s.id == Some(p.id))
                .map(|s| s.role)
                .unwrap_or(crate::ensemble::member::Role::Unknown);
            let verdict = match (&p.refusal, p.tolerance_while_down) {
                (Some(_), _) => ("REFUSED".to_string(), theme.style(Slot::Critical)),
                (None, Some(0)) => ("no failure tolerated".into(), theme.style(Slot::Warn)),
                (None, Some(t)) => (format!("tolerates {t} more"), theme.style(Slot::Ok)),
                (None, None) => ("quorum lost".into(), theme.style(Slot::Critical)),
            };
            let figures = format!(
                "{} of {} voters up, quorum {}: ",
                p.live_voters_while_down, p.voters, p.quorum
            );
            out.push(Line::from(vec![
                Span::styled(
                    format!(" {}. member {:<3} ", i + 1, p.id),
                    theme.style(Slot::Text),
                ),
                Span::styled(format!("{:<10}", role.to_string()), role_style(theme, role)),
                Span::styled(
                    fit(&figures, width.saturating_sub(30)),
                    theme.style(Slot::Text),
                ),
                Span::styled(verdict.0, verdict.1),
            ]));
        }
        for p in all.iter().filter(|p| p.refusal.is_some()) {
            let why = p.refusal.clone().unwrap_or_default();
            out.push(text(format!("✗ {why}"), width, theme.style(Slot::Critical)));
        }
    }
    if r.host != HostKind::Guided {
        out.push(text(handoff_line(state, r), width, theme.style(Slot::Text)));
    }
    out.push(text(host_line(state, r), width, theme.style(Slot::Muted)));
    let stopped = state.roll_journal.as_ref().filter(|j| j.unfinished);
    if let Some(j) = stopped {
        out.push(text(
            format!(
                "a roll stopped at {}: r resumes it ({} left)",
                j.whereabouts,
                j.remaining().len()
            ),
            width,
            theme.style(Slot::Warn),
        ));
    }
    let mut keys: Keys = Vec::new();
    match (r.host, stopped.is_some()) {
        (HostKind::Guided, _) => keys.push(("c", "copy the steps")),
        (_, true) => {
            keys.push(("r", "resume"));
            keys.push(("D", "discard its journal"));
        }
        (_, false) => keys.push(("enter", "confirm")),
    }
    if r.host != HostKind::Guided {
        keys.push(("h", "hand-off"));
    }
    keys.push(("p", "re-plan"));
    keys.push(("esc", "back"));
    (out, keys)
}

fn confirm(r: &RollView, theme: &Theme) -> (Vec<Line<'static>>, Keys) {
    let overriding = r.stage == RollStage::Override;
    let mut out = Vec::new();
    if overriding {
        if let Some(p) = &r.preview {
            out.push(Line::styled(
                format!("REFUSED: {}", p.refusal.clone().unwrap_or_default()),
                theme.style(Slot::Critical),
            ));
            out.push(Line::styled(p.note.clone(), theme.style(Slot::Warn)));
        }
    } else {
        out.push(Line::styled(
            format!(
                "This will restart members {} one at a time, each gated before the next.",
                r.ids()
            ),
            theme.style(Slot::Text),
        ));
    }
    out.push(Line::raw(""));
    let style = if r.confirmed() {
        theme.style(Slot::Ok)
    } else {
        theme.style(Slot::Input)
    };
    out.push(Line::from(
        [
            Span::styled("type  ", theme.style(Slot::Text)),
            Span::styled(r.wanted(), theme.style(Slot::Key)),
            Span::styled("  to confirm: ", theme.style(Slot::Text)),
        ]
        .into_iter()
        .chain(input::spans(&r.typed, style, true, 30))
        .collect::<Vec<_>>(),
    ));
    if r.mistyped() {
        out.push(Line::styled(
            format!("does not match: type exactly {}", r.wanted()),
            level_style(theme, crate::config::Level::Warn),
        ));
    }
    let keys: Keys = if overriding {
        vec![("enter", "restart it anyway"), ("esc", "abort the roll")]
    } else {
        vec![("enter", "start the roll"), ("esc", "back to the plan")]
    };
    (out, keys)
}

fn step_span(id: u64, s: &StepState, theme: &Theme) -> Span<'static> {
    let (t, slot) = match s {
        StepState::Pending => (format!("{id} · pending"), Slot::Muted),
        StepState::Previewed => (format!("{id} ▶ preview"), Slot::Warn),
        StepState::At(p) => (format!("{id} ▶ {}", p.word()), Slot::Warn),
        StepState::Done { elapsed_ms, .. } => (
            format!("{id} ✓ {:.1} s", *elapsed_ms as f64 / 1000.0),
            Slot::Ok,
        ),
        StepState::Failed => (format!("{id} ✗ failed"), Slot::Critical),
    };
    Span::styled(format!("{t}   "), theme.style(slot))
}

fn progress(
    state: &State,
    r: &RollView,
    theme: &Theme,
    width: usize,
) -> (Vec<Line<'static>>, Keys) {
    let mut steps = vec![Span::styled("steps: ", theme.style(Slot::Header))];
    steps.extend(r.steps.iter().map(|(id, s)| step_span(*id, s, theme)));
    if r.paused {
        steps.push(Span::styled(" PAUSED ", theme.style(Slot::Critical)));
    }
    let mut out = vec![Line::from(steps)];
    if let Some(id) = r.current {
        let role = state
            .members
            .values()
            .find(|m| m.snap.id == Some(id))
            .map(|m| m.snap.role);
        let note = r
            .preview
            .as_ref()
            .map(|p| p.note.clone())
            .unwrap_or_default();
        out.push(text(
            format!(
                "member {id}{}: {note}",
                role.map(|r| format!(" ({r})")).unwrap_or_default()
            ),
            width,
            theme.style(Slot::Text),
        ));
    }
    if !r.conditions.is_empty() {
        for c in &r.conditions {
            let (mark, slot) = if c.met {
                ("✓", Slot::Ok)
            } else {
                ("·", Slot::Warn)
            };
            out.push(text(
                format!(" {mark} {:<26} {}", c.name, c.detail),
                width,
                theme.style(slot),
            ));
        }
        out.push(text(
            format!(" gate: {}", r.waiting),
            width,
            theme.style(Slot::Muted),
        ));
    }
    if !r.output.is_empty() {
        out.push(text(
            format!("output of member {}'s actions:", r.current.unwrap_or(0)),
            width,
            theme.style(Slot::Header),
        ));
        // The newest lines: the screen keeps the end of what ran.
        out.extend(
            r.output
                .iter()
                .rev()
                .take(4)
                .rev()
                .map(|l| text(format!("  {l}"), width, theme.style(Slot::Text))),
        );
    }
    let keys: Keys = match (r.stage, r.control) {
        (RollStage::Done, _) => {
            out.push(text(
                "finished — the journal keeps the outcome".into(),
                width,
                theme.style(Slot::Muted),
            ));
            vec![("esc", "dashboard"), ("w", "workflows")]
        }
        _ if r.abort_asked => vec![("y", "abort after this phase"), ("any key", "go on")],
        (_, Control::Pause) => vec![("r", "resume"), ("a", "abort"), ("esc", "dashboard")],
        _ => vec![
            ("p", "pause"),
            ("a", "abort"),
            ("esc", "dashboard (it goes on)"),
        ],
    };
    (out, keys)
}
