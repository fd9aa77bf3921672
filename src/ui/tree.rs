//! The znode browser: breadcrumb, the open node's children (only the visible window is
//! drawn, so 50,000 children cost what 40 do), and the selected node inspected.

use super::format::{cells, pad};
use super::input;
use super::theme::{Slot, Theme};
use crate::app::tree::{delete_phrase, AclChoice, AclEdit, CreateKind, TreeInput, TreeView};
use crate::app::State;
use crate::tree::node::{acl_spec, decode, safe_name, stat_rows};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(t) = &state.tree else { return };
    let [crumb, panes, input] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(input_height(&t.input, area.height.saturating_sub(5))),
    ])
    .areas(area);
    breadcrumb(f, crumb, t, theme);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(panes);
    children(f, left, t, theme);
    match &t.scan {
        Some(s) => scan_panel(f, right, s, theme),
        None => inspector(f, right, t, theme, state.read_only),
    }
    if t.input != TreeInput::None {
        input_box(f, input, t, theme);
    }
}

/// The input box's height: one line, the ACL editor's lines, or the edit review (at most
/// `room`).
fn input_height(input: &TreeInput, room: u16) -> u16 {
    match input {
        TreeInput::None => 0,
        TreeInput::Edit(s) => super::diff::height(s, room),
        TreeInput::Acl(e) => {
            let body = e.preview.as_ref().map_or(3, |p| p.changes.len() + 3);
            (body as u16 + 2).min(12)
        }
        _ => 3,
    }
}

/// The open path as it is written (`/drill`, `/a/b`), the last segment highlighted.
fn breadcrumb(f: &mut Frame, area: Rect, t: &TreeView, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    let parts: Vec<&str> = t.cwd.split('/').filter(|s| !s.is_empty()).collect();
    if parts.is_empty() {
        spans.push(Span::styled("/", theme.style(Slot::Title)));
    }
    for (i, p) in parts.iter().enumerate() {
        spans.push(Span::styled("/", theme.style(Slot::Muted)));
        spans.push(Span::styled(
            safe_name(p),
            if i + 1 == parts.len() {
                theme.style(Slot::Title)
            } else {
                theme.style(Slot::Text)
            },
        ));
    }
    if let Some(s) = &t.cwd_stat {
        spans.push(Span::styled(
            format!("  {} children", s.num_children),
            theme.style(Slot::Muted),
        ));
    }
    if let Some(note) = t.churn_note() {
        spans.push(Span::styled(format!("  {note}"), theme.style(Slot::Warn)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn children(f: &mut Frame, area: Rect, t: &TreeView, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Slot::Border));
    let inner = block.inner(area);
    let visible = t.visible();
    let title = match &t.children {
        None => " loading … ".to_string(),
        Some(Err(_)) => " children ".to_string(),
        Some(Ok(all)) if t.filter.is_empty() => format!(" children {} ", all.len()),
        Some(Ok(all)) => format!(
            " children {} of {} matching {:?} ",
            visible.len(),
            all.len(),
            t.filter
        ),
    };
    f.render_widget(
        block.title(Span::styled(title, theme.style(Slot::Title))),
        area,
    );
    let lines: Vec<Line> = match &t.children {
        None => vec![Line::styled("reading …", theme.style(Slot::Muted))],
        Some(Err(e)) => vec![Line::styled(e.clone(), theme.style(Slot::Warn))],
        Some(Ok(_)) if visible.is_empty() => {
            vec![Line::styled("(no children)", theme.style(Slot::Muted))]
        }
        Some(Ok(_)) => {
            let h = inner.height as usize;
            let top = t
                .selected
                .saturating_sub(h.saturating_sub(1) / 2)
                .min(visible.len().saturating_sub(h));
            visible
                .iter()
                .enumerate()
                .skip(top)
                .take(h)
                .map(|(i, name)| {
                    let stat = t.stats.get(name.as_str());
                    let count = stat.map_or("   ".to_string(), |s| {
                        if s.num_children > 0 {
                            format!("{:>6} ▸", s.num_children)
                        } else {
                            "       ".into()
                        }
                    });
                    let size = stat.map_or(String::new(), |s| {
                        if s.data_length > 0 {
                            format!(" {}B", s.data_length)
                        } else {
                            String::new()
                        }
                    });
                    let width = inner.width as usize;
                    // Padded by display cells, so wide (CJK) names keep the columns aligned.
                    let label = pad(
                        &safe_name(name),
                        width.saturating_sub(cells(&count) + cells(&size) + 2),
                    );
                    let style = if i == t.selected {
                        theme.style(Slot::Selected)
                    } else {
                        theme.style(Slot::Text)
                    };
                    Line::from(vec![
                        Span::styled(
                            format!("{} {label}", if i == t.selected { "▶" } else { " " }),
                            style,
                        ),
                        Span::styled(size, theme.style(Slot::Muted)),
                        Span::styled(count, theme.style(Slot::Muted)),
                    ])
                })
                .collect()
        }
    };
    f.render_widget(Paragraph::new(lines), inner);
}

fn inspector(f: &mut Frame, area: Rect, t: &TreeView, theme: &Theme, read_only: bool) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Slot::Border));
    let inner = block.inner(area);
    let mut keys = vec![
        ("enter", "open"),
        ("h", "up"),
        ("/", "filter"),
        ("p", "path"),
        ("s", "scan"),
        ("r", "reload"),
    ];
    if !read_only {
        keys.extend([
            ("c", "create"),
            ("E", "edit"),
            ("^e", "$EDITOR"),
            ("A", "acl"),
            ("D", "delete"),
        ]);
    }
    keys.push(("esc", "back"));
    // Keys wrap whole onto more rows rather than lose `D delete` off the edge.
    let items: Vec<Vec<Span<'static>>> = keys
        .into_iter()
        .map(|(k, l)| {
            vec![
                Span::styled(k, theme.style(Slot::Key)),
                Span::styled(format!(" {l}  "), theme.style(Slot::Muted)),
            ]
        })
        .collect();
    let hints = super::footer::pack(items, inner.width as usize);
    let mut lines: Vec<Line> = Vec::new();
    let title = match &t.detail {
        Some((path, _)) => format!(" {} ", safe_name(path)),
        None => " node ".into(),
    };
    match &t.detail {
        None => lines.push(Line::styled("select a node", theme.style(Slot::Muted))),
        Some((_, Err(e))) => lines.push(Line::styled(e.clone(), theme.style(Slot::Warn))),
        Some((path, Ok(d))) => {
            let name = path.rsplit('/').next().unwrap_or("");
            let row = |k: &str, v: String, slot: Slot| {
                Line::from(vec![
                    Span::styled(format!("{k:<12}"), theme.style(Slot::Header)),
                    Span::styled(v, theme.style(slot)),
                ])
            };
            // What an operator needs first (kind, version, size, ACL), then the data, then
            // the rest of the Stat: at 80×24 the data must not be pushed off by zxids.
            const FIRST: [&str; 4] = ["kind", "version", "data length", "children"];
            let (first, rest): (Vec<_>, Vec<_>) = stat_rows(&d.stat, name)
                .into_iter()
                .partition(|(k, _)| FIRST.contains(k));
            for (k, v) in first {
                lines.push(row(k, v, Slot::Text));
            }
            if matches!(
                crate::tree::node::kind_of(&d.stat),
                crate::tree::node::NodeKind::Ephemeral { .. }
            ) {
                // Which client holds it: one key away.
                lines.push(row("", "o: the owner's client".into(), Slot::Muted));
            }
            let acl: Vec<(String, Slot)> = match &d.acl {
                Ok(list) => list
                    .iter()
                    .map(|e| (safe_name(&e.spec()), Slot::Text))
                    .collect(),
                Err(e) => vec![(e.clone(), Slot::Warn)],
            };
            for (i, (text, slot)) in acl.into_iter().enumerate() {
                lines.push(row(if i == 0 { "acl" } else { "" }, text, slot));
            }
            let (decoded, notice) = decode(&d.data);
            lines.push(Line::styled(
                format!("data ({})", decoded.label()),
                theme.style(Slot::Header),
            ));
            if let Some(n) = notice {
                lines.push(Line::styled(n, theme.style(Slot::Warn)));
            }
            let room = (inner.height as usize).saturating_sub(lines.len() + hints.len());
            let width = inner.width as usize;
            lines.extend(data_lines(
                decoded.body(),
                width,
                t.data_scroll,
                room,
                theme,
            ));
            for (k, v) in rest {
                lines.push(row(k, v, Slot::Muted));
            }
        }
    }
    f.render_widget(
        block.title(Span::styled(title, theme.style(Slot::Title))),
        area,
    );
    let [body, hint] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(hints.len() as u16)]).areas(inner);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    f.render_widget(Paragraph::new(hints), hint);
}

/// The data from line `scroll`, in `room` rows: what is above and below is marked, with
/// the keys that scroll it (never silently cut).
fn data_lines(
    body: &str,
    width: usize,
    scroll: usize,
    room: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let all = crate::app::tree::data_rows(body, width);
    let scroll = scroll.min(crate::app::tree::last_data_scroll(all.len(), room));
    let mut out = Vec::new();
    if scroll > 0 {
        out.push(Line::styled(
            format!("▲ {scroll} lines above (K)"),
            theme.style(Slot::Muted),
        ));
    }
    let room = room.saturating_sub(out.len());
    let left = all.len() - scroll;
    let shown = if left > room {
        room.saturating_sub(1)
    } else {
        left
    };
    out.extend(
        all[scroll..scroll + shown]
            .iter()
            .map(|l| Line::styled(l.clone(), theme.style(Slot::Text))),
    );
    if shown < left {
        out.push(Line::styled(
            format!("▼ {} more lines (J K scroll)", left - shown),
            theme.style(Slot::Warn),
        ));
    }
    out
}

fn input_box(f: &mut Frame, area: Rect, t: &TreeView, theme: &Theme) {
    let room = area.width.saturating_sub(2) as usize;
    let field = |b, focused, width| input::spans(b, theme.style(Slot::Input), focused, width);
    let (title, body): (std::borrow::Cow<str>, Line) = match &t.input {
        TreeInput::Filter(b) => (" filter ".into(), Line::from(field(b, true, room))),
        TreeInput::Jump(b) => {
            let more = if t.completions.len() > 1 {
                format!("   ({})", t.completions.join(" "))
            } else {
                String::new()
            };
            let mut spans = field(b, true, room);
            spans.push(Span::styled(more, theme.style(Slot::Muted)));
            (
                " go to path (tab completes, ↑↓ earlier paths) ".into(),
                Line::from(spans),
            )
        }
        TreeInput::Acl(edit) => return acl_box(f, area, edit, theme),
        TreeInput::Create {
            name,
            data,
            kind,
            field,
            acl,
        } => {
            let f_style = |i: usize| {
                if *field == i {
                    theme.style(Slot::Input)
                } else {
                    theme.style(Slot::Text)
                }
            };
            (
                format!(
                    " create a child of {} (tab: next field, space: kind, enter: create) ",
                    safe_name(&t.cwd)
                )
                .into(),
                Line::from(
                    [Span::styled("name ", theme.style(Slot::Header))]
                        .into_iter()
                        .chain(input::spans(name, f_style(0), *field == 0, room / 3))
                        .chain([Span::styled("  data ", theme.style(Slot::Header))])
                        .chain(input::spans(data, f_style(1), *field == 1, room / 3))
                        .chain([
                            Span::styled("  kind ", theme.style(Slot::Header)),
                            Span::styled(CreateKind::ALL[*kind].label(), f_style(2)),
                            Span::styled("  acl ", theme.style(Slot::Header)),
                            Span::styled(acl_choice_text(AclChoice::ALL[*acl], t), f_style(3)),
                        ])
                        .collect::<Vec<_>>(),
                ),
            )
        }
        TreeInput::Edit(session) => return super::diff::draw(f, area, session, theme),
        TreeInput::ConfirmDelete {
            path, count, typed, ..
        } => {
            let phrase = delete_phrase(path);
            let what = match count {
                None => "counting the nodes under it …".to_string(),
                Some(0) => format!("delete {path}: type `{phrase}` and enter"),
                Some(n) => {
                    format!("delete {path} and the {n} node(s) under it: type `{phrase}` and enter")
                }
            };
            let mut spans = vec![Span::styled(
                format!("{what}   "),
                theme.style(Slot::Critical),
            )];
            spans.extend(field(typed, true, 30));
            // Said as soon as the typing goes astray, not only on enter.
            if !phrase.starts_with(typed.value().trim()) {
                spans.push(Span::styled("  does not match", theme.style(Slot::Warn)));
            }
            (" delete ".into(), Line::from(spans))
        }
        TreeInput::None => ("".into(), Line::raw("")),
    };
    f.render_widget(
        Paragraph::new(body).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.style(Slot::Border))
                .title(Span::styled(title, theme.style(Slot::Title))),
        ),
        area,
    );
}

/// The ACL a created node gets, as the create box shows it ("as parent" spelled out).
fn acl_choice_text(choice: AclChoice, t: &TreeView) -> String {
    match (choice, &t.cwd_acl) {
        (AclChoice::AsParent, Some(Ok(acl))) => {
            format!("as parent: {}", safe_name(&acl_spec(acl)))
        }
        (AclChoice::AsParent, Some(Err(e))) => format!("as parent (unreadable: {e})"),
        (AclChoice::AsParent, None) => "as parent (reading …)".into(),
        (other, _) => other.label().into(),
    }
}

/// `A`: the ACL as text to edit; after enter, who gains and loses which rights, and the
/// confirmation (typed when the change would lock the console out).
fn acl_box(f: &mut Frame, area: Rect, edit: &AclEdit, theme: &Theme) {
    let mut lines = vec![Line::from(vec![
        Span::styled("now  ", theme.style(Slot::Header)),
        Span::styled(
            format!(
                "{}   (aversion {})",
                safe_name(&acl_spec(&edit.info.acl)),
                edit.info.aversion
            ),
            theme.style(Slot::Text),
        ),
    ])];
    let title = match &edit.preview {
        None => {
            lines.push(Line::from(vec![Span::styled(
                "new  ",
                theme.style(Slot::Header),
            )]));
            let room = area.width.saturating_sub(8) as usize;
            if let Some(l) = lines.last_mut() {
                l.spans.extend(input::spans(
                    &edit.buf,
                    theme.style(Slot::Input),
                    true,
                    room,
                ));
            }
            lines.push(Line::styled(
                "scheme:id:rights, comma-separated; rights from cdrwa (e.g. world:anyone:r, auth::cdrwa)",
                theme.style(Slot::Muted),
            ));
            format!(
                " ACL of {} (enter: preview, ctrl-u: clear, esc: cancel) ",
                safe_name(&edit.path)
            )
        }
        Some(p) => {
            for c in &p.changes {
                lines.push(Line::styled(
                    format!("  {}", c.text()),
                    theme.style(Slot::Warn),
                ));
            }
            match &p.lockout {
                Some(why) => {
                    lines.push(Line::styled(
                        format!("{why}: type `{}` and enter", edit.confirm_word()),
                        theme.style(Slot::Critical),
                    ));
                    let room = area.width.saturating_sub(4) as usize;
                    lines.push(Line::from(input::spans(
                        &p.typed,
                        theme.style(Slot::Input),
                        true,
                        room,
                    )));
                }
                None => lines.push(Line::styled(
                    format!(
                        "enter writes it if the ACL is still at aversion {}",
                        edit.info.aversion
                    ),
                    theme.style(Slot::Key),
                )),
            }
            format!(
                " set the ACL of {} (backspace: back to the text, esc: cancel) ",
                safe_name(&edit.path)
            )
        }
    };
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.style(Slot::Border))
                .title(Span::styled(title, theme.style(Slot::Title))),
        ),
        area,
    );
}

fn scan_panel(f: &mut Frame, area: Rect, s: &crate::app::tree::ScanView, theme: &Theme) {
    use ratatui::widgets::Gauge;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Slot::Border))
        .title(Span::styled(
            format!(" scan {} ", safe_name(&s.path)),
            theme.style(Slot::Title),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [gauge, body, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let rate = (s.visited * 1000).checked_div(s.elapsed_ms).unwrap_or(0);
    let label = format!(
        "{} znodes  {:.1}s  {rate}/s",
        s.visited,
        s.elapsed_ms as f64 / 1000.0
    );
    // The total is unknown until the scan ends: the bar shows work seen, full when done.
    let ratio = match &s.result {
        Some(_) => 1.0,
        None => (s.visited as f64 / (s.visited as f64 + 1000.0)).min(0.99),
    };
    f.render_widget(
        Gauge::default()
            .ratio(ratio)
            .label(label)
            .gauge_style(theme.style(Slot::Sparkline)),
        gauge,
    );
    let lines: Vec<Line> = match &s.result {
        None => vec![Line::styled(
            "scanning … (x cancels)",
            theme.style(Slot::Muted),
        )],
        Some(Err(e)) => vec![Line::styled(e.clone(), theme.style(Slot::Critical))],
        Some(Ok(r)) => r
            .to_text()
            .lines()
            .map(|l| Line::styled(l.to_string(), theme.style(Slot::Text)))
            .collect(),
    };
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    let keys = if s.result.is_none() {
        "x cancel   esc close"
    } else {
        "esc close   s scan again"
    };
    f.render_widget(
        Paragraph::new(Line::styled(keys, theme.style(Slot::Key))),
        hint,
    );
}
