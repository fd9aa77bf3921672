//! One member in depth: sparklines of its recent history and every raw metric it reported,
//! filterable with `/`.

use super::format;
use super::role_style;
use super::theme::{Slot, Theme};
use crate::app::State;
use crate::history::Series;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(m) = state.selected_member() else {
        f.render_widget(Paragraph::new("no member selected"), area);
        return;
    };
    let key = m.key();
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    // The release in the title: a mixed-version ensemble is spotted member by member.
    let version = crate::ensemble::versions::member_version(&m.snap)
        .map_or_else(String::new, |v| format!(" · {v}"));
    let title = format!(
        " {} {} — {}{version} ",
        key.label(),
        m.snap.address,
        m.snap.role
    );
    let outer = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Slot::Border))
        .title(Span::styled(title, role_style(theme, m.snap.role)));
    let inner = outer.inner(left);
    f.render_widget(outer, left);
    let n = Series::ALL.len() as u32;
    let slots = Layout::vertical(Series::ALL.iter().map(|_| Constraint::Ratio(1, n))).split(inner);
    let retention = state.config.history_minutes;
    let silent = !m.snap.role.is_alive();
    for (s, slot) in Series::ALL.iter().zip(slots.iter()) {
        let values = state.series(&key, *s);
        // A silent member has no "now": its last sample is history, not a current figure.
        let last = values.last().copied().filter(|_| !silent);
        let max = values.iter().copied().fold(0.0_f64, f64::max);
        let [label, spark] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(*slot);
        let figures = if *s == Series::Load {
            load_label(m, &values, retention)
        } else {
            format!(
                "now {}  max {}  ({} min)",
                format::opt_count(last),
                format::count(max),
                retention
            )
        };
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(format!("{} ", s.label()), theme.style(Slot::Header)),
                Span::styled(figures, theme.style(Slot::Muted)),
            ])),
            label,
        );
        // Show the newest samples that fit, scaled so fractions (latency) still show.
        let width = spark.width as usize;
        let tail = &values[values.len().saturating_sub(width)..];
        let scale = if max > 0.0 && max < 100.0 {
            100.0 / max
        } else {
            1.0
        };
        let data: Vec<u64> = tail
            .iter()
            .map(|v| (v * scale).round().max(0.0) as u64)
            .collect();
        f.render_widget(
            Sparkline::default()
                .data(&data)
                .style(theme.style(Slot::Sparkline)),
            spark,
        );
    }
    metrics_list(f, right, state, theme);
}

fn metrics_list(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(m) = state.selected_member() else {
        return;
    };
    let needle = state.metric_filter.to_ascii_lowercase();
    let mut lines: Vec<Line> = Vec::new();
    let mut info = vec![
        ("source", format!("{:?}", m.snap.source).to_lowercase()),
        (
            "voting",
            m.snap.voting.map_or("?".into(), |v| v.to_string()),
        ),
        ("zxid", m.snap.zxid.map_or("-".into(), crate::report::hex)),
        ("probe_ms", format::millis(m.snap.probe_ms)),
    ];
    if let Some(e) = &m.snap.error {
        info.push(("error", e.clone()));
    }
    if let Some(h) = &m.snap.hint {
        info.push(("hint", h.clone()));
    }
    // Keys get what they need, leaving 14 columns for values (a zxid fits); values wrap, so
    // neither a zxid nor an error is cut to something that reads like another value.
    let inner_width = area.width.saturating_sub(2) as usize;
    let longest = m
        .snap
        .metrics
        .keys()
        .map(|k| k.chars().count())
        .chain(info.iter().map(|(k, _)| k.len()))
        .max()
        .unwrap_or(8);
    let key_width = (longest + 1).min(inner_width.saturating_sub(14)).max(8);
    if needle.is_empty() {
        lines.extend(windows_block(state, m, theme));
    }
    let mut matched = 0usize;
    let info_total = info.len();
    for (k, v) in info {
        if needle.is_empty() || k.contains(&needle) {
            matched += 1;
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{:<key_width$}", format::fit(k, key_width - 1)),
                    theme.style(Slot::Header),
                ),
                Span::styled(v, theme.style(Slot::Text)),
            ]));
        }
    }
    let metrics: Vec<(&str, String)> = m
        .snap
        .metrics
        .iter()
        .filter(|(k, _)| needle.is_empty() || k.to_ascii_lowercase().contains(&needle))
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    let total = m.snap.metrics.len();
    let skip = state.metrics_scroll.min(metrics.len().saturating_sub(1));
    let room = (area.height as usize).saturating_sub(2 + lines.len());
    let below = metrics.len().saturating_sub(skip + room);
    for (k, v) in metrics.iter().skip(skip).take(room) {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:<key_width$}", format::fit(k, key_width - 1)),
                theme.style(Slot::Muted),
            ),
            Span::styled(v.clone(), theme.style(Slot::Text)),
        ]));
    }
    // What is out of view, and how to reach it.
    let more = match (skip, below) {
        (0, 0) => String::new(),
        (a, b) => format!(" ↑{a} ↓{b} PgUp/PgDn "),
    };
    let title = if needle.is_empty() {
        format!(" metrics ({total})  /: filter {more}")
    } else {
        format!(
            " {} of {} rows match {:?} {more}",
            matched + metrics.len(),
            total + info_total,
            state.metric_filter
        )
    };
    f.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.style(Slot::Border))
                    .title(Span::styled(title, theme.style(Slot::Title))),
            ),
        area,
    );
}

/// A figure in at most 7 cells: two decimals below 1 (sub-millisecond latencies), else compact.
fn fig(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v.abs() < 1.0 && v != 0.0 => format!("{v:.2}"),
        Some(v) => format::count(v),
    }
}

/// Windowed figures beside the lifetime ones, labelled: the lifetime figures (`zk_avg_*`)
/// span the server's whole uptime and barely move during an incident.
fn windows_block(state: &State, m: &crate::app::MemberView, theme: &Theme) -> Vec<Line<'static>> {
    let w = state
        .history
        .get(&m.key())
        .map(|h| h.windows())
        .unwrap_or_default();
    let (short, long) = (w.short.as_ref(), w.long.as_ref());
    let lifetime = |k: &str| m.snap.metric_f64(k);
    let span = |x: Option<&crate::history::window::Window>| {
        x.filter(|w| w.partial())
            .map(|w| format!("{:.0}s", w.span_s))
    };
    // Frozen, the table still reads the live counters: say so.
    let head = format!(
        "{:<11}{:>7}{:>7}{:>9}",
        if state.frozen.is_some() {
            "live window"
        } else {
            "window"
        },
        span(short).unwrap_or_else(|| "10s".into()),
        span(long).unwrap_or_else(|| "60s".into()),
        "lifetime"
    );
    let est = short
        .and_then(|w| w.latency_basis)
        .is_some_and(|b| b == crate::history::window::Basis::Estimated);
    // Label, 10 s, 60 s, lifetime.
    type Row<'a> = (&'a str, Option<f64>, Option<f64>, Option<f64>);
    let rows: [Row; 6] = [
        (
            if est { "lat ms ~" } else { "lat ms" },
            short.and_then(|w| w.latency_avg_ms),
            long.and_then(|w| w.latency_avg_ms),
            lifetime("avg_latency"),
        ),
        (
            "req/s",
            short.and_then(|w| w.requests_per_s),
            long.and_then(|w| w.requests_per_s),
            None,
        ),
        (
            "fsync ms",
            short.and_then(|w| w.fsync?.avg_ms),
            long.and_then(|w| w.fsync?.avg_ms),
            lifetime("avg_fsynctime"),
        ),
        (
            "fsync ms/s",
            short.and_then(|w| w.fsync.map(|f| f.ms_per_s)),
            long.and_then(|w| w.fsync.map(|f| f.ms_per_s)),
            None,
        ),
        (
            "snapshots",
            short.and_then(|w| w.snapshot.map(|f| f.count as f64)),
            long.and_then(|w| w.snapshot.map(|f| f.count as f64)),
            lifetime("cnt_snapshottime"),
        ),
        (
            "elections",
            short.and_then(|w| w.election.map(|f| f.count as f64)),
            long.and_then(|w| w.election.map(|f| f.count as f64)),
            lifetime("cnt_election_time"),
        ),
    ];
    let mut out = vec![Line::styled(head, theme.style(Slot::Header))];
    for (label, a, b, c) in rows {
        if a.is_none() && b.is_none() && c.is_none() {
            continue;
        }
        out.push(Line::from(vec![
            Span::styled(format!("{label:<11}"), theme.style(Slot::Header)),
            Span::styled(
                format!("{:>7}{:>7}{:>9}", fig(a), fig(b), fig(c)),
                theme.style(Slot::Text),
            ),
        ]));
    }
    if let Some(n) = w.elections_5m().filter(|n| *n > 0) {
        out.push(Line::styled(
            format!("{n} election(s) in the last 5 min"),
            theme.style(Slot::Warn),
        ));
    }
    out
}

/// The load line: now and its driver, then the range over the history (1.0 = a signal at
/// its critical threshold).
fn load_label(m: &crate::app::MemberView, values: &[f64], retention: u64) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    let now = match &m.load {
        Some(l) if m.snap.role.is_alive() => format!("now {:.2} ({})", l.score, l.driver),
        _ => "now -".to_string(),
    };
    if values.is_empty() {
        return now;
    }
    format!("{now}  min {min:.2} max {max:.2} ({retention} min)")
}
