//! `--since T` (and `:report T`): an RFC 3339 time, or how long ago (`30m`, `2h`, `90s`, `1d`,
//! `1h30m`).

use std::time::{Duration, SystemTime};

/// The start of the report's window; `now` is when the report is made.
pub fn parse_since(text: &str, now: SystemTime) -> Result<SystemTime, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(usage(text, "it is empty"));
    }
    if t.starts_with(|c: char| c.is_ascii_digit()) && t.contains(['-', 'T', ':']) {
        let ts: jiff::Timestamp = t.parse().map_err(|e| usage(text, &format!("{e}")))?;
        let ms = ts.as_millisecond();
        let at = if ms >= 0 {
            SystemTime::UNIX_EPOCH + Duration::from_millis(ms as u64)
        } else {
            return Err(usage(text, "it is before 1970"));
        };
        if at > now {
            return Err(usage(text, "it is in the future"));
        }
        return Ok(at);
    }
    let ago = parse_duration(t).map_err(|why| usage(text, &why))?;
    now.checked_sub(ago)
        .ok_or_else(|| usage(text, "it reaches back before 1970"))
}

/// `30m`, `2h`, `90s`, `1d`, `1h30m`: whole numbers, each with its unit.
pub fn parse_duration(t: &str) -> Result<Duration, String> {
    let mut total = 0u64;
    let mut digits = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(format!("{c:?} is not a unit (s, m, h, d, w)")),
        };
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("a number must come before {c:?}"))?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|x| total.checked_add(x))
            .ok_or("too long")?;
    }
    if !digits.is_empty() {
        return Err(format!("{digits} has no unit (e.g. {digits}m)"));
    }
    if total == 0 {
        return Err("the window is empty".into());
    }
    Ok(Duration::from_secs(total))
}

fn usage(text: &str, why: &str) -> String {
    format!(
        "--since {text:?}: {why}; give a time (2026-11-22T05:20:00Z, with its offset) or how \
         long ago (30m, 2h, 1d, 1h30m)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let ago = |s| now - Duration::from_secs(s);
        assert_eq!(parse_since("30m", now), Ok(ago(1800)));
        assert_eq!(parse_since("1h30m", now), Ok(ago(5400)));
        assert_eq!(parse_since(" 2d ", now), Ok(ago(172_800)));
        // 1_800_000_000 s after the epoch is 2027-01-15T08:00:00Z.
        assert_eq!(parse_since("2027-01-15T08:00:00Z", now), Ok(now));
        assert_eq!(
            parse_since("2027-01-15T07:59:00.5Z", now),
            Ok(now - Duration::from_millis(59_500))
        );
        let t = parse_since("2027-01-15T08:00:00+01:00", now).unwrap();
        let z = parse_since("2027-01-15T07:00:00Z", now).unwrap();
        assert_eq!(t, z, "the offset is honoured");
        for bad in [
            "",
            "30",
            "m",
            "3x",
            "yesterday",
            "0m",
            "2030-01-01T00:00:00Z",
        ] {
            let e = parse_since(bad, now).unwrap_err();
            assert!(e.contains("--since") && e.contains("30m"), "{bad}: {e}");
        }
        assert!(parse_since("3x", now).unwrap_err().contains("'x'"));
        assert!(parse_since("30", now).unwrap_err().contains("30m"));
    }
}
