//! The guided workflows on screen: the menu, the expand form, the shrink picker, the recover
//! situation, the plan with every step's quorum preview, the typed confirmation, the log.

use super::format::{self, fit};
use super::input;
use super::theme::{Slot, Theme};
use super::{level_style, role_style};
use crate::app::viewport::{scroll_limit, wizard_log_height, wrapped_rows};
use crate::app::wizard::{self, Flow, Situation, Stage, Tone, Wizard, FIELDS};
use crate::app::State;
use crate::config::Level;
use crate::ensemble::member::Role;
use crate::ensemble::LearnerType;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(w) = &state.wizard else { return };
    let log_height = wizard_log_height(area.height, w.log.len());
    let [main, log] =
        Layout::vertical([Constraint::Min(5), Constraint::Length(log_height)]).areas(area);
    let title = match (w.stage, w.flow) {
        (Stage::Menu, _) => " guided workflows ".to_string(),
        (_, Flow::Expand) if w.replace.is_some() => {
            format!(" replace member {} ", w.replace.unwrap_or(0))
        }
        (_, Flow::Expand) => " expand: add a member ".into(),
        (_, Flow::Shrink) => " shrink: remove members ".into(),
        (_, Flow::Recover) => " recover ".into(),
    };
    let stage = match w.stage {
        Stage::Menu => "",
        Stage::Compose => "1 choose",
        Stage::Prepare => "2 prepare",
        Stage::Review => "3 review the plan",
        Stage::Confirm => "4 confirm",
        Stage::Running => "5 running",
        Stage::Done => "done",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Slot::Border))
        .title(Line::from(vec![
            Span::styled(title, theme.style(Slot::Title)),
            Span::styled(format!(" {stage} "), theme.style(Slot::Muted)),
        ]));
    let inner = block.inner(main);
    f.render_widget(block, main);
    let lines = match w.stage {
        Stage::Menu => menu(state, w, theme),
        Stage::Compose => match w.flow {
            Flow::Expand => expand_form(state, w, theme),
            Flow::Shrink => shrink_picker(state, w, theme),
            Flow::Recover => recover(state, w, theme),
        },
        Stage::Prepare => prepare(state, w, theme),
        Stage::Review => styled(w.review_lines(), theme),
        Stage::Confirm => confirm(w, theme),
        Stage::Running | Stage::Done => {
            let mut l = vec![Line::styled(
                if w.stage == Stage::Running {
                    "working — progress below"
                } else {
                    "finished — esc returns to the dashboard"
                },
                theme.style(Slot::Text),
            )];
            if w.stage == Stage::Done {
                l.push(hint(theme, &[("esc", "dashboard"), ("w", "workflows")]));
            }
            l
        }
    };
    let (lines, keys) = split_keys(lines);
    let keys = repack(keys, inner.width as usize);
    let keys_height = (rows_at(&keys, inner.width as usize) as u16).min(inner.height / 2);
    let [text, pinned] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(keys_height)]).areas(inner);
    body(f, text, lines, w, theme);
    f.render_widget(Paragraph::new(keys).wrap(Wrap { trim: false }), pinned);
    if log_height > 0 {
        let visible = log_height.saturating_sub(2) as usize;
        let end = w
            .log
            .len()
            .saturating_sub(w.log_scroll)
            .max(visible.min(w.log.len()));
        let start = end.saturating_sub(visible);
        let title = if w.log.len() > visible {
            format!(
                " progress {}–{} of {}  ctrl-p/ctrl-n scroll ",
                start + 1,
                end,
                w.log.len()
            )
        } else {
            " progress ".to_string()
        };
        let lines: Vec<Line> = w
            .log
            .iter()
            .take(end)
            .skip(start)
            .map(|(l, t)| {
                Line::styled(
                    fit(t, log.width.saturating_sub(2) as usize),
                    level_style(theme, *l),
                )
            })
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.style(Slot::Border))
                    .title(Span::styled(title, theme.style(Slot::Title))),
            ),
            log,
        );
    }
}

/// The stage's lines; when they need more rows than there are, the plan scrolls (j/k, PgDn)
/// and the last row says how much is out of view, so no warning is ever silently cut off.
/// The model bounds the scroll offset (it knows the viewport); the limit measured here is
/// the same figure and only guards a frame drawn at another size.
fn body(f: &mut Frame, area: Rect, lines: Vec<Line<'static>>, w: &Wizard, theme: &Theme) {
    let rows = wrapped_rows(lines.iter().map(|l| l.width()), area.width);
    let max = scroll_limit(rows, area.height).min(u16::MAX as usize) as u16;
    if max == 0 {
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
        return;
    }
    let shown = area.height as usize - 1;
    let scroll = w.scroll.min(max);
    let [text, more] =
        Layout::vertical([Constraint::Length(shown as u16), Constraint::Length(1)]).areas(area);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        text,
    );
    let below = rows.saturating_sub(shown + scroll as usize);
    // On pages where j/k move a cursor over members, J/K scroll.
    let (down, up) = if w.stage == Stage::Compose {
        ("J", "K")
    } else {
        ("j", "k")
    };
    let lines_word = |n: usize| if n == 1 { "line" } else { "lines" };
    let note = match (scroll, below) {
        (0, b) => format!("↓ {b} more {}: {down}/PgDn/G to scroll", lines_word(b)),
        (a, 0) => format!(
            "↑ {a} {} above: {up}/PgUp/g to scroll back",
            lines_word(a as usize)
        ),
        (a, b) => format!("↑ {a} above, ↓ {b} below: {down}/{up}, PgDn/PgUp"),
    };
    f.render_widget(
        Paragraph::new(Line::styled(note, theme.style(Slot::Warn))),
        more,
    );
}

/// A stage's key line. It is marked (left-aligned explicitly, where other lines inherit) so
/// that `draw` pins it under the scrolled text: the keys of a page are always in view.
fn hint(theme: &Theme, keys: &[(&str, &str)]) -> Line<'static> {
    styled_line(wizard::key_hint(keys), theme).alignment(ratatui::layout::Alignment::Left)
}

fn tone_style(theme: &Theme, tone: Tone) -> ratatui::style::Style {
    theme.style(match tone {
        Tone::Text => Slot::Text,
        Tone::Title => Slot::Title,
        Tone::Header => Slot::Header,
        Tone::Key => Slot::Key,
        Tone::Muted => Slot::Muted,
        Tone::Ok => Slot::Ok,
        Tone::Warn => Slot::Warn,
        Tone::Critical => Slot::Critical,
    })
}

fn styled_line(spans: Vec<(Tone, String)>, theme: &Theme) -> Line<'static> {
    Line::from(
        spans
            .into_iter()
            .map(|(tone, text)| Span::styled(text, tone_style(theme, tone)))
            .collect::<Vec<_>>(),
    )
}

/// Lines from the model; a key line (keys and labels only) is marked to be pinned.
fn styled(lines: Vec<Vec<(Tone, String)>>, theme: &Theme) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .map(|l| {
            let keys_only = wizard::is_key_line(&l);
            let line = styled_line(l, theme);
            if keys_only {
                line.alignment(ratatui::layout::Alignment::Left)
            } else {
                line
            }
        })
        .collect()
}

fn is_key_line(l: &Line) -> bool {
    l.alignment == Some(ratatui::layout::Alignment::Left)
}

/// Rows `lines` take at `width` when wrapped (word wrap holds a little less than the width).
fn rows_at(lines: &[Line], width: usize) -> usize {
    let width = width.max(1);
    let per_row = width.saturating_sub(12).max(width / 2).max(1);
    lines
        .iter()
        .map(|l| match l.width() {
            w if w <= width => 1,
            w => w.div_ceil(per_row),
        })
        .sum()
}

/// Key lines re-flowed to the width with each key kept beside its label (word wrap could
/// leave "enter carry out" on one row and what it carries out on the next).
fn repack(pinned: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for l in pinned {
        if !is_key_line(&l) {
            out.push(l);
            continue;
        }
        let items: Vec<Vec<Span<'static>>> = l.spans.chunks(2).map(|c| c.to_vec()).collect();
        out.extend(super::footer::pack(items, width));
    }
    out
}

/// Splits off the key line(s) a stage ends with (and what follows them, a "ready" mark),
/// to be drawn pinned at the bottom.
fn split_keys(mut lines: Vec<Line<'static>>) -> (Vec<Line<'static>>, Vec<Line<'static>>) {
    match lines.iter().rposition(is_key_line) {
        Some(at) => {
            let mut pinned = lines.split_off(at);
            pinned.retain(|l| l.width() > 0);
            // Trailing blank lines of the text would only push the keys further away.
            while lines.last().is_some_and(|l| l.width() == 0) {
                lines.pop();
            }
            (lines, pinned)
        }
        None => (lines, Vec::new()),
    }
}

fn menu(state: &State, w: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    let snaps = state.snapshots();
    let sit = wizard::situation(state.health.has_quorum, state.health.leader, &snaps);
    let trouble = !matches!(sit, Situation::Healthy);
    let items = [
        (
            "e",
            "expand ",
            "add a member (participant or observer); every step previewed",
        ),
        (
            "s",
            "shrink ",
            "remove members; the leader last, with a hand-off warning",
        ),
        (
            "r",
            "recover",
            "a member or the leader lost, or the quorum gone",
        ),
        (
            "l",
            "restart",
            "rolling restart: one at a time, gated, the leader last",
        ),
    ];
    let mut out = vec![Line::raw("")];
    for (i, (k, name, what)) in items.iter().enumerate() {
        let sel = i == w.cursor;
        let mut spans = vec![
            Span::styled(if sel { " ▶ " } else { "   " }, theme.style(Slot::Key)),
            Span::styled(k.to_string(), theme.style(Slot::Key)),
            Span::styled(
                format!("  {name}  "),
                if sel {
                    theme.style(Slot::Selected)
                } else {
                    theme.style(Slot::Title)
                },
            ),
            Span::styled(what.to_string(), theme.style(Slot::Text)),
        ];
        if i == 2 && trouble {
            spans.push(Span::styled("   recommended now", theme.style(Slot::Warn)));
        }
        out.push(Line::from(spans));
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        format!("situation: {}", describe(&sit)),
        if trouble {
            theme.style(Slot::Warn)
        } else {
            theme.style(Slot::Ok)
        },
    ));
    if state.sandbox {
        out.push(Line::styled(
            "sandbox: new members are started for you; removed ones are stopped after their removal commits",
            theme.style(Slot::Muted),
        ));
    }
    out.push(Line::raw(""));
    out.push(hint(
        theme,
        &[
            ("e/s/r/l", "choose"),
            ("↑↓ enter", "choose"),
            ("esc", "back"),
        ],
    ));
    out
}

fn describe(s: &Situation) -> String {
    match s {
        Situation::Healthy => "every member serves".into(),
        Situation::MembersDown(ids) => format!(
            "member(s) {} not serving",
            ids.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Situation::LeaderLost => "no leader: an election is under way (or failing)".into(),
        Situation::QuorumLost => "QUORUM LOST: no voter majority serves".into(),
    }
}

fn expand_form(state: &State, w: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::raw("")];
    for &i in w.visible_fields() {
        let focused = i == w.focused_field();
        let style = if focused {
            theme.style(Slot::Input)
        } else {
            theme.style(Slot::Text)
        };
        let mut spans = vec![
            Span::styled(format!("  {:<28}", FIELDS[i]), theme.style(Slot::Header)),
            Span::raw(" "),
        ];
        if i == 1 {
            spans.extend(role_choice(w.role, focused, theme));
        } else if let Some(field) = w.fields.get(i) {
            spans.extend(input::spans(field, style, focused, 40));
        }
        out.push(Line::from(spans));
    }
    out.push(Line::raw(""));
    if w.sandbox {
        let n = w.how_many();
        out.push(Line::styled(
            format!(
                "  → the sandbox starts {n} new {} member(s) on free ports, seeded with the membership plus itself",
                w.role().as_str()
            ),
            theme.style(Slot::Ok),
        ));
    } else {
        match w.form_spec() {
            Ok(spec) => out.push(Line::styled(
                format!("  → {}", spec.to_line()),
                theme.style(Slot::Ok),
            )),
            Err(e) => out.push(Line::styled(format!("  ✗ {e}"), theme.style(Slot::Warn))),
        }
    }
    if let Some(cfg) = &state.membership {
        let (voters, observers) = (cfg.voter_ids().len(), cfg.observers().count());
        let s = |n: usize| if n == 1 { "" } else { "s" };
        out.push(Line::styled(
            format!(
                "  now: {voters} voter{}, {observers} observer{}, config {}",
                s(voters),
                s(observers),
                cfg.version.map_or("?".into(), crate::report::hex)
            ),
            theme.style(Slot::Muted),
        ));
    }
    out.push(Line::raw(""));
    let next = if w.sandbox {
        "start the joiner(s)"
    } else {
        "show its files"
    };
    out.push(hint(
        theme,
        &[
            ("↑↓/tab", "field"),
            ("type", "edit"),
            ("←→/space", "role"),
            ("enter", next),
            ("esc", "back"),
        ],
    ));
    out
}

/// `participant | observer`, the chosen one marked; ← → or space switch when focused.
fn role_choice(role: LearnerType, focused: bool, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (i, r) in [LearnerType::Participant, LearnerType::Observer]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            spans.push(Span::styled(" ", theme.style(Slot::Muted)));
        }
        let chosen = r == role;
        let (mark, style) = match (chosen, focused) {
            (true, true) => ("◉ ", theme.style(Slot::Selected)),
            (true, false) => ("◉ ", theme.style(Slot::Text)),
            (false, _) => ("○ ", theme.style(Slot::Muted)),
        };
        spans.push(Span::styled(format!("{mark}{}", r.as_str()), style));
    }
    if focused {
        spans.push(Span::styled("  ←→ switch", theme.style(Slot::Muted)));
    }
    spans
}

fn prepare(state: &State, w: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = source_lines(w, theme);
    if w.host.active() {
        out.extend(host_steps(w, theme));
    } else if !w.sandbox {
        out.push(Line::styled(
            "Start the new server on its host with these files (the current membership plus itself), then press enter:",
            theme.style(Slot::Text),
        ));
        if let (Some(cfg), Ok(spec)) = (&state.membership, w.form_spec()) {
            for (name, text) in wizard::joiner_files(cfg, &spec) {
                out.push(Line::styled(
                    format!("── {name}"),
                    theme.style(Slot::Header),
                ));
                for l in text.lines() {
                    out.push(Line::styled(format!("   {l}"), theme.style(Slot::Text)));
                }
            }
        }
        if let Some(dir) = &w.write_dir {
            let mut spans = vec![Span::styled(
                "write to directory: ",
                theme.style(Slot::Header),
            )];
            spans.extend(input::spans(dir, theme.style(Slot::Input), true, 50));
            spans.push(Span::styled(
                "  (enter writes, esc cancels)",
                theme.style(Slot::Muted),
            ));
            out.push(Line::from(spans));
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled("new members:", theme.style(Slot::Header)));
    if w.joiners.is_empty() {
        out.push(Line::styled("  starting ...", theme.style(Slot::Muted)));
    }
    for j in &w.joiners {
        let seen = state.members.values().find(|m| m.snap.id == Some(j.id));
        let (text, style) = match seen.map(|m| m.snap.role) {
            Some(r @ (Role::NonVoting | Role::Observer)) => {
                (format!("{r}: synced, ready"), theme.style(Slot::Ok))
            }
            Some(Role::Follower | Role::Leader) => {
                ("already a voter".to_string(), theme.style(Slot::Ok))
            }
            Some(r) => (format!("{r}: not ready yet"), role_style(theme, r)),
            None => ("not answering yet".to_string(), theme.style(Slot::Warn)),
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {} ", j.to_line()), theme.style(Slot::Text)),
            Span::styled(text, style),
        ]));
    }
    out.push(Line::raw(""));
    let mut keys = vec![("enter", "review the plan")];
    if w.host.active() && !w.host.ran {
        keys.insert(0, ("S", "write the files and start it on its host"));
    }
    if !w.sandbox {
        keys.push(("c", "copy files (OSC 52)"));
        keys.push(("W", "write files to a directory"));
    }
    keys.push(("esc", "back"));
    out.push(hint(theme, &keys));
    out
}

fn shrink_picker(state: &State, w: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled(
        "  pick the members to remove (space), then enter:",
        theme.style(Slot::Text),
    )];
    let Some(cfg) = &state.membership else {
        return out;
    };
    for (i, spec) in cfg.servers.values().enumerate() {
        let picked = w.picked.contains(&spec.id);
        let role = state
            .members
            .values()
            .find(|m| m.snap.id == Some(spec.id))
            .map(|m| m.snap.role);
        let cursor = i == w.cursor;
        out.push(Line::from(vec![
            Span::styled(if cursor { " ▶ " } else { "   " }, theme.style(Slot::Key)),
            Span::styled(
                if picked { "[x] " } else { "[ ] " },
                if picked {
                    theme.style(Slot::Warn)
                } else {
                    theme.style(Slot::Text)
                },
            ),
            Span::styled(
                format!("{:<3} {:<12} ", spec.id, spec.learner_type.as_str()),
                theme.style(Slot::Text),
            ),
            Span::styled(
                role.map_or("unknown".to_string(), |r| r.to_string()),
                role.map_or(theme.style(Slot::Muted), |r| role_style(theme, r)),
            ),
        ]));
    }
    out.push(Line::raw(""));
    out.push(hint(
        theme,
        &[
            ("space", "pick"),
            ("↑↓", "move"),
            ("enter", "review the plan"),
            ("esc", "back"),
        ],
    ));
    out
}

fn recover(state: &State, w: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    let snaps = state.snapshots();
    let sit = wizard::situation(state.health.has_quorum, state.health.leader, &snaps);
    let now = state.now;
    let mut out = vec![
        Line::styled(
            format!("situation: {}", describe(&sit)),
            theme.style(Slot::Warn),
        ),
        Line::raw(""),
    ];
    match sit {
        Situation::Healthy => {
            out.push(Line::styled(
                "Nothing to recover: every member serves.",
                theme.style(Slot::Ok),
            ));
        }
        Situation::LeaderLost => {
            out.push(Line::styled(
                "No member leads right now. An election normally ends in well under a second; the events show it as it happens:",
                theme.style(Slot::Text),
            ));
            for e in state.events.newest().take(6) {
                out.push(Line::styled(
                    format!(
                        "  {} {}",
                        format::stamp(e.at, state.now, &state.zone),
                        e.text
                    ),
                    level_style(theme, e.level),
                ));
            }
        }
        Situation::MembersDown(ids) => {
            let margin = state.health.tolerance.unwrap_or(0);
            out.push(Line::styled(
                format!(
                    "quorum margin now: can lose {margin} more voter{}",
                    if margin == 1 { "" } else { "s" }
                ),
                if margin == 0 {
                    theme.style(Slot::Critical)
                } else {
                    theme.style(Slot::Ok)
                },
            ));
            for (i, id) in ids.iter().enumerate() {
                let m = state.members.values().find(|m| m.snap.id == Some(*id));
                let since = m
                    .and_then(|m| m.last_answer)
                    .map_or("never seen".into(), |t| {
                        format!("silent {}", format::since(t, now))
                    });
                let zxid = m
                    .and_then(|m| m.last_zxid)
                    .map_or("-".into(), crate::report::hex);
                let role = m.map(|m| m.snap.role).unwrap_or(Role::Down);
                out.push(Line::from(vec![
                    Span::styled(
                        if i == w.cursor { " ▶ " } else { "   " },
                        theme.style(Slot::Key),
                    ),
                    Span::styled(format!("member {id:<3} "), theme.style(Slot::Text)),
                    Span::styled(format!("{role:<13}"), role_style(theme, role)),
                    Span::styled(
                        format!("{since:<16} last zxid {zxid}"),
                        theme.style(Slot::Text),
                    ),
                ]));
            }
            out.push(Line::raw(""));
            if w.sandbox {
                out.push(hint(
                    theme,
                    &[
                        ("r", "restart it (sandbox)"),
                        ("x", "replace it: add a new member, then remove it"),
                        ("esc", "back"),
                    ],
                ));
            } else if state.restart_actions().is_some() {
                out.push(hint(
                    theme,
                    &[
                        ("r", "restart it on its host (host actions, previewed)"),
                        ("x", "replace it: add a new member, then remove it"),
                        ("esc", "back"),
                    ],
                ));
            } else {
                out.push(Line::styled(
                    "Restart it on its host (e.g. `systemctl start zookeeper` or `zkServer.sh start`); it re-syncs by itself.",
                    theme.style(Slot::Text),
                ));
                out.push(hint(
                    theme,
                    &[
                        ("x", "replace it: add a new member, then remove it"),
                        ("esc", "back"),
                    ],
                ));
            }
        }
        Situation::QuorumLost => {
            let Some(cfg) = &state.membership else {
                out.push(Line::styled(
                    "The membership is unknown: nothing answered it since the console started.",
                    theme.style(Slot::Critical),
                ));
                return out;
            };
            out.push(Line::styled(
                "Reconfig is impossible without a quorum. Survivors (space toggles; keep the most up-to-date):",
                theme.style(Slot::Text),
            ));
            let freshest = state.freshest(&w.picked);
            // Leaving out a member that holds more history loses that history: say so.
            let all: std::collections::BTreeSet<u64> = cfg.servers.keys().copied().collect();
            if let (Some(best), Some(kept)) = (state.freshest(&all), freshest) {
                if !w.picked.contains(&best) {
                    let zxid = |id: u64| {
                        state
                            .members
                            .values()
                            .find(|m| m.snap.id == Some(id))
                            .and_then(|m| m.last_zxid)
                            .map_or("-".into(), crate::report::hex)
                    };
                    out.push(Line::styled(
                        format!(
                            "! member {best} (last zxid {}) has more history than any survivor kept (best: {kept}, {}): keep it, or its newer writes are lost",
                            zxid(best),
                            zxid(kept)
                        ),
                        theme.style(Slot::Critical),
                    ));
                }
            }
            for (i, spec) in cfg.servers.values().enumerate() {
                let m = state.members.values().find(|m| m.snap.id == Some(spec.id));
                let role = m.map(|m| m.snap.role).unwrap_or(Role::Down);
                let zxid = m.and_then(|m| m.last_zxid);
                out.push(Line::from(vec![
                    Span::styled(
                        if i == w.cursor { " ▶ " } else { "   " },
                        theme.style(Slot::Key),
                    ),
                    Span::styled(
                        if w.picked.contains(&spec.id) {
                            "[x] "
                        } else {
                            "[ ] "
                        },
                        theme.style(Slot::Warn),
                    ),
                    Span::styled(format!("member {:<3} ", spec.id), theme.style(Slot::Text)),
                    Span::styled(format!("{role:<13}"), role_style(theme, role)),
                    Span::styled(
                        format!(
                            "last zxid {} epoch {}{}",
                            zxid.map_or("-".into(), crate::report::hex),
                            zxid.map_or("-".into(), |z| (z >> 32).to_string()),
                            if freshest == Some(spec.id) {
                                "   ← most up to date"
                            } else {
                                ""
                            }
                        ),
                        theme.style(Slot::Text),
                    ),
                ]));
            }
            out.push(Line::raw(""));
            out.push(Line::styled(
                if w.sandbox {
                    "First choice: start the lost members again (r on a member): with their data intact they rejoin and nothing is lost. The rewrite below is the last resort."
                } else {
                    "First choice: start the lost members again on their hosts: with their data intact they rejoin and nothing is lost. The rewrite below is the last resort."
                },
                theme.style(Slot::Ok),
            ));
            out.push(Line::styled(
                "⚠ If you rewrite: writes that only the lost members had are gone for good. Lost members may rejoin only with a wiped dataDir.",
                theme.style(Slot::Critical),
            ));
            for (i, step) in wizard::recovery_steps(cfg, &w.picked, freshest)
                .iter()
                .enumerate()
            {
                for (j, l) in step.lines().enumerate() {
                    let prefix = if j == 0 {
                        format!("{}. ", i + 1)
                    } else {
                        "     ".into()
                    };
                    out.push(Line::styled(
                        format!("  {prefix}{l}"),
                        theme.style(Slot::Text),
                    ));
                }
            }
            out.push(Line::raw(""));
            let mut keys = vec![("space", "survivor"), ("c", "copy steps")];
            if w.sandbox {
                keys.push(("r", "restart the member at ▶"));
                keys.push(("enter", "carry out the rewrite on the sandbox"));
            } else if state.recover_actions().is_some() {
                keys.push(("enter", "carry out the rewrite through the host actions"));
            }
            keys.push(("esc", "back"));
            out.push(hint(theme, &keys));
        }
    }
    out
}

fn confirm(w: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = confirm_prompt(w, theme);
    // Recover on real hosts: every host action listed before the phrase is typed.
    if (w.flow == Flow::Recover || w.host.restart.is_some()) && !w.host.preview.is_empty() {
        let n = w.host.preview.len();
        let steps =
            w.host.preview.iter().enumerate().map(|(i, l)| {
                Line::styled(format!("  {}/{n} {l}", i + 1), theme.style(Slot::Text))
            });
        let at = 1.min(out.len());
        out.splice(at..at, steps);
    }
    out
}

fn confirm_prompt(w: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    let steps = w.plan.as_ref().map_or(0, |p| p.steps.len());
    let what = match (w.flow, w.picked.len()) {
        _ if w.host.restart.is_some() => format!(
            "restart member {} on its host through the host actions",
            w.host.restart.map_or(0, |r| r.id)
        ),
        _ if w.host.confirming => format!(
            "run {} host action(s): write the new member's files and start it",
            w.host.steps.len()
        ),
        (Flow::Recover, 1) => format!(
            "stop survivor {}, rewrite its membership to itself alone and start it",
            w.picked.iter().next().copied().unwrap_or(0)
        ),
        (Flow::Recover, n) => {
            format!("stop the {n} survivors, rewrite their membership to those {n} and start them")
        }
        _ if steps == 1 => {
            "execute 1 reconfig step, with the config version it expects".to_string()
        }
        _ => format!("execute {steps} reconfig steps, each with the config version it expects"),
    };
    vec![
        Line::styled(format!("This will {what}."), theme.style(Slot::Text)),
        Line::raw(""),
        Line::from(
            [
                Span::styled("type  ", theme.style(Slot::Text)),
                Span::styled(w.phrase(), theme.style(Slot::Key)),
                Span::styled("  to confirm: ", theme.style(Slot::Text)),
            ]
            .into_iter()
            .chain(input::spans(
                &w.typed,
                if w.confirmed() {
                    theme.style(Slot::Ok)
                } else {
                    theme.style(Slot::Input)
                },
                true,
                40,
            ))
            .collect::<Vec<_>>(),
        ),
        Line::raw(""),
        hint(theme, &[("enter", "run"), ("esc", "back to the plan")]),
        if w.confirmed() {
            Line::styled("ready", level_style(theme, Level::Ok))
        } else if w.mistyped() {
            Line::styled(
                format!("does not match: type exactly {}", w.phrase()),
                level_style(theme, Level::Warn),
            )
        } else {
            Line::raw("")
        },
    ]
}

/// Where the joiner's zoo.cfg comes from (a serving member's, read through `read_file`).
fn source_lines(w: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    use crate::app::wizard_host::SourceState;
    let Some(src) = &w.host.source else {
        return vec![];
    };
    let id = src.member.id;
    let (text, slot) = match &src.state {
        SourceState::Reading => (
            format!(
                "reading member {id}'s zoo.cfg to derive the joiner's: {} ...",
                src.what
            ),
            Slot::Warn,
        ),
        SourceState::Derived(_) => (
            format!(
                "zoo.cfg derived from member {id}'s (read with: {}): its own data dir, client port \
                 and dynamic file; every other line as member {id} has it",
                src.what
            ),
            Slot::Ok,
        ),
        SourceState::Failed(why) => (format!("refused: no host steps: {why}"), Slot::Critical),
    };
    let mut out = vec![Line::styled(text, theme.style(slot))];
    if let SourceState::Derived(notes) = &src.state {
        for n in notes {
            out.push(Line::styled(
                format!("  note: {n}"),
                theme.style(Slot::Warn),
            ));
        }
    }
    out
}

/// The host actions of an expand on a real host, each as it will run, files under their step.
fn host_steps(w: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    let n = w.host.steps.len();
    let mut out = vec![Line::styled(
        "With this ensemble's host actions, these steps put the new server on its host (S runs them, after a typed confirmation):",
        theme.style(Slot::Text),
    )];
    for (i, step) in w.host.steps.iter().enumerate() {
        out.push(Line::styled(
            format!("step {}/{n}: {}", i + 1, step.what),
            theme.style(Slot::Header),
        ));
        if let Some((name, text)) = &step.file {
            out.push(Line::styled(
                format!("   ── {name}"),
                theme.style(Slot::Muted),
            ));
            for l in text.lines() {
                out.push(Line::styled(format!("   {l}"), theme.style(Slot::Text)));
            }
        }
    }
    out
}
