//! The main screen: the ensemble header, the members table and the latest events.

use super::format::{self, fit};
use super::theme::{Slot, Theme};
use super::{level_style, role_style, timeline};
use crate::app::{MemberView, State};
use crate::config::{Level, Metric};
use crate::ensemble::member::Role;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;
use std::time::SystemTime;

/// Drops the least important parts (highest number; the last of equals first) until the rest
/// fits `width`. Parts of importance 0 always stay.
fn fit_parts(mut parts: Vec<(u8, Vec<Span<'static>>)>, width: usize) -> Vec<Span<'static>> {
    let len = |p: &[(u8, Vec<Span>)]| -> usize {
        p.iter()
            .flat_map(|(_, s)| s.iter())
            .map(|s| s.width())
            .sum()
    };
    while len(&parts) > width {
        let Some(worst) = parts
            .iter()
            .enumerate()
            .filter(|(_, (imp, _))| *imp > 0)
            .max_by_key(|(i, (imp, _))| (*imp, *i))
            .map(|(i, _)| i)
        else {
            break;
        };
        parts.remove(worst);
    }
    parts.into_iter().flat_map(|(_, s)| s).collect()
}

pub fn header(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    // Always the live health: freezing stops the tables, never the alarm.
    let h = &state.health;
    let (word, level) = if h.reachable == 0 && !state.members.is_empty() {
        ("UNREACHABLE", Level::Critical)
    } else {
        match h.level {
            Level::Ok => ("OK", Level::Ok),
            Level::Warn => ("WARN", Level::Warn),
            Level::Critical => ("CRITICAL", Level::Critical),
        }
    };
    // Each part with how much it matters: on a narrow terminal the least important parts go
    // whole, never cut mid-number (a truncated version or time reads as another value).
    let mut parts: Vec<(u8, Vec<Span>)> = vec![
        (
            0,
            vec![Span::styled(" zkconsole ", theme.style(Slot::Title))],
        ),
        (
            0,
            vec![Span::styled(
                format!("{} ", fit(&state.ensemble, 32)),
                theme.style(Slot::Title),
            )],
        ),
        (
            0,
            vec![Span::styled(format!(" {word} "), level_style(theme, level))],
        ),
    ];
    // A frozen screen must never pass for a live one: the badge is never dropped.
    if let Some(fz) = &state.frozen {
        parts.push((
            0,
            vec![
                Span::raw("  "),
                Span::styled(
                    format!(
                        " FROZEN at {} (f: live) ",
                        format::stamp(fz.at, state.now, &state.zone)
                    ),
                    theme.style(Slot::Critical),
                ),
            ],
        ));
    }
    for (on, badge) in [(state.sandbox, "SANDBOX"), (state.read_only, "READ-ONLY")] {
        if on {
            parts.push((
                1,
                vec![
                    Span::raw("  "),
                    Span::styled(format!(" {badge} "), theme.style(Slot::Badge)),
                ],
            ));
        }
    }
    parts.push((
        1,
        vec![Span::styled(
            format!(
                "  leader {}",
                h.leader.map_or("none".to_string(), |l| l.to_string())
            ),
            if h.leader.is_some() {
                theme.style(Slot::Leader)
            } else {
                theme.style(Slot::Critical)
            },
        )],
    ));
    if let Some(word) = crate::app::member_confs::mode_word(state.reconfig_mode()) {
        // Which membership procedure applies (dynamic reconfig, or edit and restart).
        parts.push((
            2,
            vec![Span::styled(format!("  {word}"), theme.style(Slot::Text))],
        ));
    }
    parts.push((
        3,
        vec![Span::styled(
            format!(
                "  config {}",
                h.config_version
                    .map_or("unknown".into(), crate::report::hex)
            ),
            theme.style(Slot::Text),
        )],
    ));
    // Frozen, the figures are from the badge's time; a moving clock would say otherwise.
    if state.frozen.is_none() {
        parts.push((
            2,
            vec![Span::styled(
                format!(
                    "  updated {}",
                    state.last_refresh.map_or("never".into(), |t| format::stamp(
                        t,
                        state.now,
                        &state.zone
                    ))
                ),
                theme.style(Slot::Muted),
            )],
        ));
    }
    let first = fit_parts(parts, area.width as usize);
    let margin = if h.has_quorum {
        let t = h.tolerance.unwrap_or(0);
        let text = format!("can lose {t} more voter{}", if t == 1 { "" } else { "s" });
        Span::styled(
            text,
            if t == 0 {
                theme.style(Slot::Warn)
            } else {
                theme.style(Slot::Ok)
            },
        )
    } else if h.quorum_unknown() {
        Span::styled(" QUORUM UNKNOWN ", theme.style(Slot::Warn))
    } else {
        Span::styled(" QUORUM LOST ", theme.style(Slot::Critical))
    };
    let mut second = vec![
        Span::styled(
            format!(
                " voters {}  observers {}  quorum {}  live voters {}/{}  ",
                h.voters, h.observers, h.quorum_size, h.live_voters, h.voters
            ),
            theme.style(Slot::Text),
        ),
        margin,
    ];
    if let Some(at) = state.membership_seen_at {
        // Ids and voters come from memory: another operator may have changed them since.
        second.push(Span::styled(
            format!(
                "  membership as last seen {}",
                format::stamp(at, state.now, &state.zone)
            ),
            theme.style(Slot::Warn),
        ));
    }
    if let Some(cfg) = state.membership.as_ref().filter(|c| c.is_hierarchical()) {
        // Majority arithmetic does not describe these; the figures above come from the
        // group/weight rule.
        second.push(Span::styled(
            format!("  hierarchical quorum: {} groups", cfg.groups.len()),
            theme.style(Slot::Warn),
        ));
    }
    version_span(state, theme, area.width as usize, &mut second);
    let third = match h.problems.first() {
        Some(p) => {
            let more = h.problems.len() - 1;
            let suffix = if more > 0 {
                format!("  (+{more} more: {} lists all)", state.problems_key())
            } else {
                String::new()
            };
            // The first problem is cut, never the key that lists them all.
            let room = (area.width as usize).saturating_sub(3 + format::cells(&suffix));
            Line::styled(
                fit(&format!(" ⚠ {}{suffix}", fit(p, room)), area.width as usize),
                level_style(theme, h.level),
            )
        }
        // Healthy: the scaling advice, if any, has the line (problems come first).
        None => match state.load.advice.first() {
            Some(a) => {
                let more = state.load.advice.len() - 1;
                let suffix = if more > 0 {
                    format!("  (+{more} more: {} lists all)", state.problems_key())
                } else {
                    format!("  ({} for the evidence)", state.problems_key())
                };
                let room = (area.width as usize).saturating_sub(11 + format::cells(&suffix));
                Line::styled(
                    fit(
                        &format!(" ➜ advice: {}{suffix}", fit(&a.text, room)),
                        area.width as usize,
                    ),
                    theme.style(Slot::Warn),
                )
            }
            None => Line::styled(" all members healthy", theme.style(Slot::Muted)),
        },
    };
    let block = Block::default()
        .borders(Borders::BOTTOM)
        .border_style(theme.style(Slot::Border));
    f.render_widget(
        Paragraph::new(vec![Line::from(first), Line::from(second), third]).block(block),
        area,
    );
}

pub fn body(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let rows = state.rows();
    let table_height = (rows.len() as u16 + 3).min(area.height.saturating_sub(3).max(4));
    let [table_area, events_area] =
        Layout::vertical([Constraint::Length(table_height), Constraint::Min(0)]).areas(area);
    members_table(f, table_area, state, theme, &rows);
    if events_area.height >= 3 {
        timeline::draw(
            f,
            events_area,
            state,
            theme,
            Some(events_area.height as usize),
        );
    }
}

/// The release the members run, after the voters line where it fits: "3.8.0", or
/// "3.8.0/3.9.1" (warn) when they differ; the problem line says which member runs which.
fn version_span(state: &State, theme: &Theme, width: usize, line: &mut Vec<Span<'static>>) {
    let mut versions: Vec<String> = state
        .members
        .values()
        .filter_map(|m| crate::ensemble::versions::member_version(&m.snap))
        .collect();
    versions.sort();
    versions.dedup();
    let used: usize = line.iter().map(|s| s.width()).sum();
    let (choices, style) = match versions.as_slice() {
        [] => return,
        [one] => (vec![format!("  {one}")], theme.style(Slot::Muted)),
        many => (
            vec![
                format!("  {}", many.join("/")),
                "  mixed versions".to_string(),
                "  mixed".to_string(),
            ],
            theme.style(Slot::Warn),
        ),
    };
    if let Some(text) = choices
        .into_iter()
        .find(|t| used + t.chars().count() <= width)
    {
        line.push(Span::styled(text, style));
    }
}

/// A column of the members table: header, width, and the threshold metric it shows (a
/// column whose figure is breached on any row is never dropped).
struct Col {
    title: &'static str,
    width: u16,
    metric: Option<Metric>,
}

const fn col(title: &'static str, width: u16, metric: Option<Metric>) -> Col {
    Col {
        title,
        width,
        metric,
    }
}

/// Display order. The width of ADDRESS and NOTE is worked out per frame.
const COLS: [Col; 17] = [
    col("ID", 3, None),
    col("ADDRESS", 0, None),
    col("ROLE", 12, None),
    col("CONN", 5, Some(Metric::Connections)),
    col("OUTST", 5, Some(Metric::Outstanding)),
    col("REQ/S", 6, None),
    col("LAT ms", 9, Some(Metric::LatencyAvgMs)),
    col("P99", 5, Some(Metric::LatencyP99Ms)),
    col("LOAD", 4, None),
    col("PROBE", 6, Some(Metric::ProbeMs)),
    col("ZXID", 12, None),
    col("LAG", 5, Some(Metric::ZxidLag)),
    col("ZNODES", 6, None),
    col("WATCH", 6, Some(Metric::Watches)),
    col("FD%", 4, Some(Metric::FdPercent)),
    col("UP", 6, None),
    col("NOTE", 0, None),
];

/// Always shown: who (ID, ADDRESS), what (ROLE), how far behind (LAG).
const ESSENTIAL: [&str; 4] = ["ID", "ADDRESS", "ROLE", "LAG"];
/// The others, most useful first: each is added while it fits.
const OPTIONAL: [&str; 12] = [
    "REQ/S", "LAT ms", "LOAD", "OUTST", "CONN", "PROBE", "ZXID", "ZNODES", "P99", "WATCH", "FD%",
    "UP",
];
/// A note narrower than this says nothing; wider than this it crowds out figures.
const NOTE_MIN: u16 = 18;
const NOTE_WANT: u16 = 24;
/// ADDRESS below this shows a short host name (`zk-1:2181`), never less.
const ADDRESS_MIN: u16 = 9;
const ADDRESS_MAX: u16 = 21;

/// The columns shown and their widths at this inner width (selection marker excluded).
struct Layout16 {
    cols: Vec<usize>,
    address: u16,
    note: u16,
}

fn index_of(title: &str) -> usize {
    COLS.iter().position(|c| c.title == title).unwrap_or(0)
}

fn column_layout(width: u16, rows: &[&MemberView], now: SystemTime, theme: &Theme) -> Layout16 {
    let longest = rows
        .iter()
        .map(|m| m.snap.address.chars().count() as u16)
        .max()
        .unwrap_or(7);
    let address_want = longest.clamp(7, ADDRESS_MAX);
    let breached = |c: &Col| {
        c.metric.is_some_and(|x| {
            let also = (x == Metric::LatencyAvgMs).then_some(Metric::LatencyMaxMs);
            rows.iter()
                .any(|m| m.level(x) > Level::Ok || also.is_some_and(|y| m.level(y) > Level::Ok))
        })
    };
    let note_text = rows
        .iter()
        .map(|m| note(m, theme, now).0.chars().count() as u16)
        .max()
        .unwrap_or(0);
    let mut chosen: Vec<usize> = (0..COLS.len())
        .filter(|&i| ESSENTIAL.contains(&COLS[i].title) || breached(&COLS[i]))
        .collect();
    let fixed = |cols: &[usize]| -> u16 { cols.iter().map(|&i| COLS[i].width + 1).sum() };
    // An empty NOTE column takes no width.
    let note_need = if note_text == 0 {
        0
    } else {
        note_text.clamp(NOTE_MIN, NOTE_WANT) + 1
    };
    for title in OPTIONAL {
        let i = index_of(title);
        if chosen.contains(&i) {
            continue;
        }
        let used = fixed(&chosen) + ADDRESS_MIN.max(address_want.min(14)) + note_need;
        if used + COLS[i].width < width {
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    let spare = width.saturating_sub(fixed(&chosen));
    let address = address_want
        .min(spare.saturating_sub(note_need))
        .max(ADDRESS_MIN);
    let mut note = spare.saturating_sub(address + 1);
    if note_text > 0 {
        chosen.push(index_of("NOTE"));
    } else {
        note = 0;
    }
    Layout16 {
        cols: chosen,
        address,
        note,
    }
}

fn members_table(f: &mut Frame, area: Rect, state: &State, theme: &Theme, rows: &[&MemberView]) {
    // Borders, and one column for the selection marker.
    let inner_width = area.width.saturating_sub(3);
    let now = state.now;
    let layout = column_layout(inner_width, rows, now, theme);
    let cols = &layout.cols;
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|&i| {
            Constraint::Length(match COLS[i].title {
                "ADDRESS" => layout.address,
                "NOTE" => layout.note,
                _ => COLS[i].width,
            })
        })
        .collect();
    let header =
        Row::new(cols.iter().map(|&i| Cell::from(COLS[i].title))).style(theme.style(Slot::Header));
    let leader_zxid = state.shown_health().leader_zxid;
    let selected = state.selected.min(rows.len().saturating_sub(1));
    // The selection is the row's base style, under the cells' own: an alert on the selected
    // row keeps its colours.
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .map(|(n, m)| {
            let cells = cols
                .iter()
                .map(|&i| cell(i, m, theme, leader_zxid, now, &layout));
            let row = Row::new(cells.collect::<Vec<_>>());
            if n == selected {
                row.style(theme.style(Slot::Selected))
            } else {
                row
            }
        })
        .collect();
    let mut title = format!(
        " members ({})  sort: {}{} {}",
        rows.len(),
        state.sort.label(),
        if state.sort_desc { " (reversed)" } else { "" },
        if state.filter.is_empty() {
            String::new()
        } else {
            format!(" filter: {}", state.filter)
        }
    );
    // The ensemble's load and what drives it, while it fits the top border.
    if let Some(l) = crate::load::ensemble_load(rows.iter().map(|m| (m.snap.id, m.load.as_ref()))) {
        let who = l.member.map_or(String::new(), |m| format!("m{m} "));
        let part = format!(" load {:.2} {who}{} ", l.score, l.driver);
        if format::cells(&title) + format::cells(&part) + 2 <= area.width as usize {
            title.push_str(&part);
        }
    }
    let table = Table::new(body, widths)
        .header(header)
        .column_spacing(1)
        .highlight_symbol("▶")
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.style(Slot::Border))
                .title(Span::styled(title, theme.style(Slot::Title))),
        );
    let mut ts = TableState::default();
    if !rows.is_empty() {
        ts.select(Some(selected));
    }
    f.render_stateful_widget(table, area, &mut ts);
}

/// Style of a metric cell: breach level first, then "changed", then stale for silent members.
fn metric_style(theme: &Theme, m: &MemberView, metric: Option<Metric>, col: &str) -> Style {
    if !m.snap.role.is_alive() {
        return theme.style(Slot::Stale);
    }
    match metric.map(|x| m.level(x)) {
        Some(Level::Critical) => theme.style(Slot::Critical),
        Some(Level::Warn) => theme.style(Slot::Warn),
        _ if m.changed.contains(col) => theme.style(Slot::Changed),
        _ => theme.style(Slot::Text),
    }
}

fn cell<'a>(
    i: usize,
    m: &MemberView,
    theme: &Theme,
    leader_zxid: Option<u64>,
    now: SystemTime,
    layout: &Layout16,
) -> Cell<'a> {
    let s = &m.snap;
    let metric = |k: &str| s.metric_f64(k);
    // Gauges of the moment (a queue, open connections) are unknown once a member is silent;
    // the last count it gave would read as its state now. Other figures stay, greyed.
    let gauge = |k: &str| s.role.is_alive().then(|| metric(k)).flatten();
    let text_cell = |t: String, style: Style| Cell::from(Span::styled(t, style));
    match COLS[i].title {
        "ID" => text_cell(
            s.id.map_or("?".into(), |i| i.to_string()),
            theme.style(Slot::Text),
        ),
        "ADDRESS" => text_cell(
            format::short_address(&s.address, layout.address as usize),
            theme.style(Slot::Text),
        ),
        "ROLE" => {
            let marker = if m.changed.contains("role") { "*" } else { "" };
            text_cell(
                format!("{}{marker}", m.role_label()),
                role_style(theme, s.role),
            )
        }
        "CONN" => text_cell(
            format::opt_count(gauge("num_alive_connections")),
            metric_style(theme, m, Some(Metric::Connections), "connections"),
        ),
        "OUTST" => text_cell(
            format::opt_count(gauge("outstanding_requests")),
            metric_style(theme, m, Some(Metric::Outstanding), "outstanding"),
        ),
        "REQ/S" => text_cell(
            format::opt_count(m.rate),
            metric_style(theme, m, None, "rate"),
        ),
        "LAT ms" => {
            let t = match (metric("avg_latency"), metric("max_latency")) {
                (Some(a), Some(x)) => format!("{}/{}", format::count(a), format::count(x)),
                _ => "-".into(),
            };
            let lvl = m
                .level(Metric::LatencyAvgMs)
                .max(m.level(Metric::LatencyMaxMs));
            let style = if !s.role.is_alive() {
                theme.style(Slot::Stale)
            } else if lvl > Level::Ok {
                level_style(theme, lvl)
            } else if m.changed.contains("latency") {
                theme.style(Slot::Changed)
            } else {
                theme.style(Slot::Text)
            };
            text_cell(t, style)
        }
        "P99" => text_cell(
            format::opt_count(crate::alerts::metric_value(s, Metric::LatencyP99Ms, None)),
            metric_style(theme, m, Some(Metric::LatencyP99Ms), "p99"),
        ),
        "PROBE" => text_cell(
            if s.role.is_alive() {
                format::millis(s.probe_ms)
            } else {
                "-".into()
            },
            metric_style(theme, m, Some(Metric::ProbeMs), "probe"),
        ),
        "ZXID" => text_cell(
            s.zxid.map_or("-".into(), crate::report::hex),
            metric_style(theme, m, None, "zxid"),
        ),
        "LAG" => text_cell(
            m.lag(leader_zxid)
                .map_or("-".into(), |l| format::count(l as f64)),
            metric_style(theme, m, Some(Metric::ZxidLag), "lag"),
        ),
        "ZNODES" => text_cell(
            format::opt_count(metric("znode_count")),
            metric_style(theme, m, None, "znodes"),
        ),
        "WATCH" => text_cell(
            format::opt_count(metric("watch_count")),
            metric_style(theme, m, Some(Metric::Watches), "watches"),
        ),
        "FD%" => text_cell(
            crate::alerts::metric_value(s, Metric::FdPercent, None)
                .map_or("-".into(), |v| format!("{v:.0}")),
            metric_style(theme, m, Some(Metric::FdPercent), "fd"),
        ),
        "LOAD" => text_cell(
            m.load.as_ref().map_or("-".into(), |l| {
                format!("{:.2}", l.score).chars().take(4).collect()
            }),
            load_style(theme, m),
        ),
        "UP" => text_cell(
            metric("uptime").map_or("-".into(), |ms| {
                format::age(std::time::Duration::from_millis(ms as u64))
            }),
            metric_style(theme, m, None, "uptime"),
        ),
        _ => {
            let (t, style) = note(m, theme, now);
            text_cell(fit(&t, layout.note as usize), style)
        }
    }
}

/// 1.0 is a signal at its critical threshold: critical from there, warn from 0.8.
fn load_style(theme: &Theme, m: &MemberView) -> Style {
    match m.load.as_ref().map(|l| l.score) {
        _ if !m.snap.role.is_alive() => theme.style(Slot::Stale),
        Some(s) if s >= 1.0 => theme.style(Slot::Critical),
        Some(s) if s >= 0.8 => theme.style(Slot::Warn),
        _ => theme.style(Slot::Text),
    }
}

/// What an operator most needs to know about a row, in one phrase.
fn note(m: &MemberView, theme: &Theme, now: SystemTime) -> (String, Style) {
    let s = &m.snap;
    if !s.role.is_alive() || s.role == Role::Error {
        let ago = m.last_answer.map_or("never answered".to_string(), |t| {
            format!("silent {}", format::since(t, now))
        });
        let why = match s.role {
            _ if m.paused => "paused by the sandbox (SIGSTOP)".to_string(),
            Role::Down => "connection refused".to_string(),
            Role::Unresponsive => "no answer (timeout)".to_string(),
            _ => s.error.clone().unwrap_or_default(),
        };
        return (format!("{ago}: {why}"), theme.style(Slot::Down));
    }
    if s.role == Role::NotServing {
        return (s.error.clone().unwrap_or_default(), theme.style(Slot::Warn));
    }
    if let Some(h) = &s.hint {
        return (h.clone(), theme.style(Slot::Warn));
    }
    let worst = m.worst_level();
    if worst > Level::Ok {
        let names: Vec<&str> = Metric::ALL
            .iter()
            .filter(|x| m.level(**x) > Level::Ok)
            .map(|x| x.key())
            .collect();
        return (names.join(" "), level_style(theme, worst));
    }
    if s.role == Role::NonVoting {
        return (
            "synced, not voting (joining or removed)".into(),
            theme.style(Slot::Joining),
        );
    }
    (String::new(), theme.style(Slot::Muted))
}
