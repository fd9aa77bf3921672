//! The znode browser: breadcrumb, the open node's children (only the visible window is
//! drawn, so 50,000 children cost what 40 do), and the selected node inspected.

use super::format::fit;
use super::input;
use super::theme::{Slot, Theme};
use crate::app::tree::{delete_phrase, CreateKind, TreeInput, TreeView};
use crate::app::State;
use crate::tree::node::{decode, safe_name, stat_rows};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(t) = &state.tree else { return };
    let [crumb, panes, input] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(if t.input == TreeInput::None { 0 } else { 3 }),
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

fn breadcrumb(f: &mut Frame, area: Rect, t: &TreeView, theme: &Theme) {
    let mut spans = vec![Span::styled(" / ", theme.style(Slot::Key))];
    let parts: Vec<&str> = t.cwd.split('/').filter(|s| !s.is_empty()).collect();
    for (i, p) in parts.iter().enumerate() {
        spans.push(Span::styled(
            safe_name(p),
            if i + 1 == parts.len() {
                theme.style(Slot::Title)
            } else {
                theme.style(Slot::Text)
            },
        ));
        spans.push(Span::styled(" / ", theme.style(Slot::Muted)));
    }
    if let Some(s) = &t.cwd_stat {
        spans.push(Span::styled(
            format!("  {} children", s.num_children),
            theme.style(Slot::Muted),
        ));
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
                    let label = fit(
                        &safe_name(name),
                        width.saturating_sub(count.len() + size.len() + 3),
                    );
                    let style = if i == t.selected {
                        theme.style(Slot::Selected)
                    } else {
                        theme.style(Slot::Text)
                    };
                    Line::from(vec![
                        Span::styled(
                            format!(
                                "{} {label:<w$}",
                                if i == t.selected { "▶" } else { " " },
                                w = width.saturating_sub(count.len() + size.len() + 3)
                            ),
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
            for (k, v) in stat_rows(&d.stat, name) {
                lines.push(Line::from(vec![
                    Span::styled(format!("{k:<12}"), theme.style(Slot::Header)),
                    Span::styled(v, theme.style(Slot::Text)),
                ]));
            }
            for (i, a) in d.acl.iter().enumerate() {
                lines.push(Line::from(vec![
                    Span::styled(
                        if i == 0 {
                            "acl         "
                        } else {
                            "            "
                        },
                        theme.style(Slot::Header),
                    ),
                    Span::styled(a.clone(), theme.style(Slot::Text)),
                ]));
            }
            let (decoded, notice) = decode(&d.data);
            lines.push(Line::styled(
                format!("data ({})", decoded.label()),
                theme.style(Slot::Header),
            ));
            if let Some(n) = notice {
                lines.push(Line::styled(n, theme.style(Slot::Warn)));
            }
            let room = area.height.saturating_sub(lines.len() as u16 + 3) as usize;
            for l in decoded.body().lines().take(room) {
                lines.push(Line::styled(l.to_string(), theme.style(Slot::Text)));
            }
        }
    }
    let mut keys = vec![
        ("enter", "open"),
        ("h", "up"),
        ("/", "filter"),
        ("p", "path"),
        ("s", "scan"),
        ("r", "reload"),
    ];
    if !read_only {
        keys.extend([("c", "create"), ("E", "edit"), ("D", "delete")]);
    }
    keys.push(("esc", "back"));
    let inner = block.inner(area);
    f.render_widget(
        block.title(Span::styled(title, theme.style(Slot::Title))),
        area,
    );
    let [body, hint] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    let mut spans = Vec::new();
    for (k, l) in keys {
        spans.push(Span::styled(k, theme.style(Slot::Key)));
        spans.push(Span::styled(format!(" {l}  "), theme.style(Slot::Muted)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), hint);
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
        TreeInput::Create {
            name,
            data,
            kind,
            field,
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
                        ])
                        .collect::<Vec<_>>(),
                ),
            )
        }
        TreeInput::SetData { path, version, buf } => (
            format!(
                " new data for {} (enter writes it if still at version {version}; esc cancels) ",
                safe_name(path)
            )
            .into(),
            Line::from(field(buf, true, room)),
        ),
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
