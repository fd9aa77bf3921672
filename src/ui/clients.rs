//! The clients view: connection balance, then one line per connection (or per client host).

use super::clients_watches::{watch_lines, wrap};
use super::format::{count, fit, pad};
use super::theme::{Slot, Theme};
use crate::app::clients::{Balance, ClientsView};
use crate::app::State;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use std::time::Duration;

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(view) = &state.clients else {
        return;
    };
    let width = area.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    if let Some(p) = &view.confirm {
        // The warning or preview comes first and whole: it is what `y` agrees to.
        for l in wrap(&p.text(), width) {
            lines.push(Line::styled(l, theme.style(Slot::Warn)));
        }
    }
    lines.extend(status_lines(view, theme, width));
    if let Some(text) = view.session_missing() {
        for l in wrap(&text, width) {
            lines.push(Line::styled(l, theme.style(Slot::Warn)));
        }
    }
    lines.extend(watch_lines(view, theme, width));
    for r in &view.resets {
        lines.push(Line::styled(fit(r, width), theme.style(Slot::Text)));
    }
    // One line of keys: the table needs the rows more than the keys need words.
    let resets = if state.read_only {
        ""
    } else {
        " · z/Z resets"
    };
    lines.push(Line::styled(
        fit(
            &format!(
                "r reread · s sort: {} {} · a {} · v/V all watches{resets}",
                view.sort.name(),
                if view.sort_desc { "↓" } else { "↑" },
                if view.by_host {
                    "per connection"
                } else {
                    "per host"
                },
            ),
            width,
        ),
        theme.style(Slot::Muted),
    ));
    let room = (area.height as usize).saturating_sub(2 + lines.len() + 1);
    if let Some((kind, per)) = &view.dump {
        for l in super::clients_watches::dump_lines(*kind, per, room + 1, width) {
            lines.push(Line::styled(l, theme.style(Slot::Text)));
        }
        let title = format!(" {} of {} ", kind.describe(), scope_name(view));
        render(f, area, lines, title, theme);
        return;
    }
    let (head, rows) = if view.by_host {
        host_lines(view, &state.filter)
    } else {
        conn_lines(view, &state.filter, width)
    };
    lines.push(Line::styled(fit(&head, width), theme.style(Slot::Header)));
    let first = view.selected.saturating_sub(room.saturating_sub(1));
    for (i, text) in rows.iter().enumerate().skip(first).take(room) {
        let style = if i == view.selected {
            theme.style(Slot::Selected)
        } else {
            theme.style(Slot::Text)
        };
        lines.push(Line::styled(fit(text, width), style));
    }
    if rows.is_empty() && view.pending.is_empty() {
        lines.push(Line::styled(
            "no client sessions (or none match the filter)",
            theme.style(Slot::Muted),
        ));
    }
    let only = view
        .session
        .map_or_else(String::new, |s| format!(", session 0x{s:x}"));
    // The source is named: a member read over its AdminServer lists the same connections
    // as its `cons` would, and the operator should know which was asked.
    let from = view
        .source_phrase(true)
        .map_or_else(String::new, |s| format!(" from {s}"));
    let title = format!(
        " clients of {}{only} ({}){from} ",
        scope_name(view),
        rows.len()
    );
    render(f, area, lines, title, theme);
}

fn scope_name(view: &ClientsView) -> String {
    view.scope
        .clone()
        .unwrap_or_else(|| "the ensemble".to_string())
}

fn render(f: &mut Frame, area: Rect, lines: Vec<Line<'static>>, title: String, theme: &Theme) {
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.style(Slot::Border))
                .title(Span::styled(title, theme.style(Slot::Title))),
        ),
        area,
    );
}

/// Balance, members still being read, and members that could not be read.
fn status_lines(view: &ClientsView, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let Some(b) = view.balance() {
        let style = if b.breach.is_some() {
            theme.style(Slot::Critical)
        } else {
            theme.style(Slot::Ok)
        };
        out.push(Line::styled(fit(&balance_line(&b), width), style));
        if let Some(m) = &b.breach {
            let text = format!(
                "BREACH: {m} holds {:.1}× its fair share of connections",
                b.imbalance
            );
            out.push(Line::styled(fit(&text, width), style));
        }
    }
    if !view.pending.is_empty() {
        let text = format!("reading the clients of {} …", view.pending.join(", "));
        out.push(Line::styled(fit(&text, width), theme.style(Slot::Muted)));
    }
    for (m, r) in &view.reads {
        if let Err(e) = &r.result {
            let text = format!("{m}: {e}");
            out.push(Line::styled(fit(&text, width), theme.style(Slot::Warn)));
        }
    }
    out
}

/// "balance m1=12 m2=0 m3=0 · fair share 4.0 · imbalance 3.0×".
pub fn balance_line(b: &Balance) -> String {
    let per: Vec<String> = b
        .per_member
        .iter()
        .map(|(m, n)| format!("{}={n}", short(m)))
        .collect();
    format!(
        "balance {} · fair share {:.1} · imbalance {:.1}×",
        per.join(" "),
        b.fair_share,
        b.imbalance
    )
}

/// "member 2" -> "m2": the table's member column is narrow.
fn short(member: &str) -> String {
    crate::app::clients::short_member(member)
}

fn conn_lines(view: &ClientsView, needle: &str, width: usize) -> (String, Vec<String>) {
    // Latency min/avg/max when there is room, else the max alone (80 columns).
    let full = width >= 96;
    let lat_head = if full { "lat min/avg/max" } else { "maxms" };
    let lat_w = if full { 15 } else { 5 };
    let head = format!(
        "{} {} {} {:>3} {:>5} {:>5} {} {:4} {:>5}",
        pad("mem", 3),
        pad("address", 21),
        pad("session", 18),
        "q",
        "recv",
        "req/s",
        pad(lat_head, lat_w),
        "lop",
        "idle"
    );
    let rows = view
        .rows(needle)
        .iter()
        .map(|r| {
            let c = r.conn;
            let o = |v: Option<u64>| v.map_or_else(|| "-".to_string(), |x| x.to_string());
            let lat = if full {
                format!(
                    "{}/{}/{}",
                    o(c.latency_min),
                    o(c.latency_avg),
                    o(c.latency_max)
                )
            } else {
                o(c.latency_max)
            };
            format!(
                "{} {} {} {:>3} {:>5} {:>5} {} {:4} {:>5}",
                pad(&short(r.member), 3),
                pad(&c.address, 21),
                pad(&c.session_label(), 18),
                c.queued,
                count(c.received as f64),
                r.rate.map_or_else(|| "-".into(), count),
                pad(&lat, lat_w),
                fit(c.last_operation.as_deref().unwrap_or("-"), 4),
                r.idle_ms.map_or_else(
                    || "-".into(),
                    |ms| super::format::age(Duration::from_millis(ms))
                ),
            )
        })
        .collect();
    (head, rows)
}

fn host_lines(view: &ClientsView, needle: &str) -> (String, Vec<String>) {
    let head = format!(
        "{} {:>8} {:>7}  sessions per member",
        pad("client host", 22),
        "sessions",
        "req/s"
    );
    let rows = view
        .hosts(needle)
        .iter()
        .map(|h| {
            let total: usize = h.per_member.values().sum();
            let per: Vec<String> = h
                .per_member
                .iter()
                .map(|(m, n)| format!("{}={n}", short(m)))
                .collect();
            format!(
                "{} {:>8} {:>7}  {}",
                pad(&h.host, 22),
                total,
                h.rate.map_or_else(|| "-".into(), count),
                per.join(" ")
            )
        })
        .collect();
    (head, rows)
}
