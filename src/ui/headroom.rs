//! The headroom section of the problems view (where the scaling advice is): utilisation, the
//! request rate at which latency would cross its critical threshold, and the model behind
//! them with its assumptions, so the figure is never read as more than it is.

use super::theme::{Slot, Theme};
use crate::app::State;
use crate::load::headroom::{Headroom, Source};
use ratatui::text::Line;

fn rate(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1}k", v / 1000.0)
    } else {
        format!("{v:.0}")
    }
}

fn age(s: u64) -> String {
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        _ => format!("{} h", s / 3600),
    }
}

/// The section's lines (wrapped by the caller's paragraph).
pub fn lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let h = state.headroom();
    let mut out = vec![
        Line::raw(""),
        Line::styled(title(&h), theme.style(Slot::Header)),
    ];
    let muted = theme.style(Slot::Muted);
    match &h.fit {
        Err(e) => out.push(Line::styled(format!("  {e}"), muted)),
        Ok(m) => {
            let util = h.utilisation();
            let style = match util {
                Some(u) if u >= 0.8 => theme.style(Slot::Critical),
                Some(u) if u >= 0.5 => theme.style(Slot::Warn),
                _ => theme.style(Slot::Ok),
            };
            let now = match (h.rate_now, util) {
                (Some(r), Some(u)) => format!(
                    "  now {} req/s: {:.0} % of the limit {} req/s",
                    rate(r),
                    u * 100.0,
                    rate(m.capacity)
                ),
                _ => format!("  limit {} req/s (no rate measured now)", rate(m.capacity)),
            };
            out.push(Line::styled(now, style));
            if let (Some(c), Some(t)) = (h.crossing(), h.critical_ms) {
                out.push(Line::styled(
                    format!(
                        "  latency would cross {t:.0} ms (critical) at {} req/s",
                        rate(c)
                    ),
                    style,
                ));
            }
            out.push(Line::styled(
                format!(
                    "  model L = S/(1-λ/μ), S {:.2} ms, μ {} req/s; assumes random arrivals, \
                     this read/write mix, nothing else on the servers",
                    m.service_ms,
                    rate(m.capacity)
                ),
                muted,
            ));
        }
    }
    out
}

fn title(h: &Headroom) -> String {
    let from = match h.source {
        Source::Bench { age_s } => format!("zkconsole bench {} ago", age(age_s)),
        Source::Measured => "rates measured live".to_string(),
    };
    format!("headroom (ensemble, from {from}, {} points):", h.points)
}
