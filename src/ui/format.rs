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

/// A timestamp in `zone`: `HH:MM:SS` when it falls on the same day as `now` there, else
/// `YYYY-MM-DD HH:MM:SS`; in UTC marked `Z`. `now` comes from the model, never the clock.
pub fn stamp(t: SystemTime, now: SystemTime, zone: &jiff::tz::TimeZone) -> String {
    let (Ok(at), Ok(today)) = (jiff::Timestamp::try_from(t), jiff::Timestamp::try_from(now)) else {
        return clock(t);
    };
    let at = at.to_zoned_datetime(zone.clone());
    let today = today.to_zoned_datetime(zone.clone());
    let z = if *zone == jiff::tz::TimeZone::UTC {
        "Z"
    } else {
        ""
    };
    if at.date() == today.date() {
        format!("{}{z}", at.strftime("%H:%M:%S"))
    } else {
        format!("{}{z}", at.strftime("%Y-%m-%d %H:%M:%S"))
    }
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

/// `host:port` in at most `w` cells: the whole address when it fits, else the first label of
/// the host name with the port (`zk-1.prod.example.com:2181` → `zk-1:2181`), else cut.
pub fn short_address(address: &str, w: usize) -> String {
    if address.chars().count() <= w {
        return address.to_string();
    }
    let (host, port) = address.rsplit_once(':').unwrap_or((address, ""));
    let is_ip = host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[');
    let short = if is_ip {
        address.to_string()
    } else {
        let first = host.split('.').next().unwrap_or(host);
        if port.is_empty() {
            first.to_string()
        } else {
            format!("{first}:{port}")
        }
    };
    fit(&short, w)
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

    #[test]
    fn stamps_are_local_with_the_date_when_not_today() {
        let day = SystemTime::UNIX_EPOCH + Duration::from_secs(20_000 * 86_400);
        let at = day + Duration::from_secs(3600 + 61);
        let utc = jiff::tz::TimeZone::UTC;
        assert_eq!(stamp(at, at + Duration::from_secs(5), &utc), "01:01:01Z");
        assert_eq!(
            stamp(at, at + Duration::from_secs(86_400), &utc),
            "2024-10-04 01:01:01Z"
        );
        // A fixed zone two hours west of UTC: 01:01 UTC is 23:01 of the day before there.
        let west = jiff::tz::TimeZone::fixed(jiff::tz::offset(-2));
        assert_eq!(stamp(at, at, &west), "23:01:01");
        assert_eq!(
            stamp(at, at + Duration::from_secs(3 * 3600), &west),
            "2024-10-03 23:01:01"
        );
        // TZ as POSIX rules, as the environment variable gives them.
        let posix = jiff::tz::TimeZone::posix("EST5").unwrap();
        assert_eq!(stamp(at, at, &posix), "20:01:01");
    }
}
