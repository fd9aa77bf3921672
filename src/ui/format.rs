//! Compact number and time formatting for narrow table cells.

use std::time::{Duration, SystemTime};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub fn count(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if v.fract() == 0.0 || a >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

pub fn opt_count(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), count)
}

pub fn millis(ms: f64) -> String {
    if ms >= 10_000.0 {
        format!("{:.0}s", ms / 1000.0)
    } else if ms >= 100.0 {
        format!("{ms:.0}")
    } else {
        format!("{ms:.1}")
    }
}

/// `3d4h`, `5h12m`, `4m10s`, `12s`.
pub fn age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{}h", s / 86_400, (s % 86_400) / 3600),
    }
}

pub fn since(t: SystemTime, now: SystemTime) -> String {
    age(now.duration_since(t).unwrap_or_default())
}

/// Wall-clock `HH:MM:SS` (UTC: the console does not depend on the host's zone database).
pub fn clock(t: SystemTime) -> String {
    let s = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    format!("{:02}:{:02}:{:02}Z", (s / 3600) % 24, (s / 60) % 60, s % 60)
}

/// Truncates to `w` display cells with an ellipsis. Cells, not chars: a CJK character takes
/// two, a combining mark none, so columns of such names stay aligned.
pub fn fit(s: &str, w: usize) -> String {
    if s.width() <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > w - 1 {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// `fit`, then padded with spaces to exactly `w` display cells.
pub fn pad(s: &str, w: usize) -> String {
    let mut out = fit(s, w);
    let short = w.saturating_sub(out.width());
    out.extend(std::iter::repeat_n(' ', short));
    out
}

/// Display cells of `s`.
pub fn cells(s: &str) -> usize {
    s.width()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(count(12345.0), "12.3k");
        assert_eq!(count(7.0), "7");
        assert_eq!(count(2.25), "2.2");
        assert_eq!(age(Duration::from_secs(75)), "1m15s");
        assert_eq!(age(Duration::from_secs(90_000)), "1d1h");
        assert_eq!(fit("abcdef", 4), "abc…");
        // Display cells: a CJK character is two cells wide.
        assert_eq!(fit("名前名前", 5), "名前…");
        assert_eq!(cells(&fit("名前名前", 5)), 5);
        assert_eq!(pad("名前", 6), "名前  ");
        assert_eq!(cells(&pad("ab", 4)), 4);
        assert_eq!(pad("名前名前x", 6), "名前… ");
        assert_eq!(
            clock(SystemTime::UNIX_EPOCH + Duration::from_secs(3661)),
            "01:01:01Z"
        );
    }
}
