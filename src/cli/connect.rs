//! Checks a connect string before anything is probed: a string that cannot be parsed is a
//! usage error (exit 64) naming the bad entry, never a probe of a made-up address whose failure
//! would read as an ensemble in trouble.
//!
//! The grammar is ZooKeeper's, `host[:port][,host[:port]...][/chroot]`, with the console's
//! optional `tcp://` or `tcp+tls://` before an entry and IPv6 addresses in brackets.

/// `Ok` when every entry of `connect` is a host with an optional port in 1–65535 and only the
/// last one carries a chroot; otherwise one sentence per bad entry, quoting it.
pub fn validate(connect: &str) -> Result<(), String> {
    if connect.trim().is_empty() {
        return Err("the connect string is empty: expected HOST:PORT[,HOST:PORT...]".into());
    }
    let entries: Vec<&str> = connect.split(',').collect();
    let last = entries.len() - 1;
    let problems: Vec<String> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, raw)| {
            entry(raw, i == last)
                .err()
                .map(|why| format!("entry {} {:?}: {why}", i + 1, raw.trim()))
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the connect string {connect:?} is not valid: {}; expected HOST:PORT[,HOST:PORT...], \
             e.g. zk1:2181,zk2:2181",
            problems.join("; ")
        ))
    }
}

fn entry(raw: &str, is_last: bool) -> Result<(), String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("empty (two commas in a row, or one at an end)".into());
    }
    let s = s
        .strip_prefix("tcp+tls://")
        .or_else(|| s.strip_prefix("tcp://"))
        .unwrap_or(s);
    let (address, chroot) = match s.find('/') {
        Some(at) => (&s[..at], Some(&s[at..])),
        None => (s, None),
    };
    if chroot.is_some() && !is_last {
        return Err("a chroot (/path) goes after the last host only".into());
    }
    if let Some(c) = chroot {
        chroot_ok(c)?;
    }
    host_port(address)
}

fn host_port(s: &str) -> Result<(), String> {
    if let Some(rest) = s.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or("an opening '[' without its ']'")?;
        inside
            .parse::<std::net::Ipv6Addr>()
            .map_err(|_| format!("[{inside}] is not an IPv6 address"))?;
        return match after {
            "" => Ok(()),
            _ => after
                .strip_prefix(':')
                .ok_or_else(|| format!("expected ':PORT' after the ']', got {after:?}"))
                .and_then(port),
        };
    }
    let (host, p) = match s.matches(':').count() {
        0 => (s, None),
        1 => s
            .split_once(':')
            .map(|(h, p)| (h, Some(p)))
            .unwrap_or((s, None)),
        _ => {
            return Err(
                "more than one ':' (an IPv6 address goes in brackets, e.g. [::1]:2181)".into(),
            )
        }
    };
    hostname(host)?;
    p.map_or(Ok(()), port)
}

fn hostname(h: &str) -> Result<(), String> {
    if h.is_empty() {
        return Err("no host before the ':'".into());
    }
    let bad: String = h
        .chars()
        .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
        .collect();
    if !bad.is_empty() {
        return Err(format!(
            "host {h:?} has characters no host name has: {:?}",
            bad
        ));
    }
    if h.starts_with('.') || h.contains("..") {
        return Err(format!("host {h:?} has an empty label"));
    }
    Ok(())
}

fn port(p: &str) -> Result<(), String> {
    if p.is_empty() {
        return Err("no port after the ':'".into());
    }
    match p.parse::<u64>() {
        Ok(n) if (1..=65_535).contains(&n) => Ok(()),
        Ok(n) => Err(format!("port {n} is out of range (1 to 65535)")),
        Err(_) => Err(format!("port {p:?} is not a number")),
    }
}

fn chroot_ok(c: &str) -> Result<(), String> {
    if c.len() > 1 && (c.ends_with('/') || c.contains("//")) {
        return Err(format!(
            "chroot {c:?} has an empty path element or a trailing '/'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn accepts_what_zookeeper_accepts() {
        for ok in [
            "zk1:2181",
            "zk1",
            "zk1:2181,zk2:2182,10.0.0.3",
            "127.0.0.1:2181/app/chroot",
            "tcp+tls://zk1:2281,tcp://zk2:2181",
            "[::1]:2181,[fe80::1]",
            " zk1:2181 , zk2:2181 ",
            "my_host-1.example.com:65535",
        ] {
            assert_eq!(validate(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn names_the_bad_entry() {
        for (bad, says) in [
            ("garbage:::,,", "entry 1 \"garbage:::\": more than one ':'"),
            ("garbage:::,,", "entry 2 \"\": empty"),
            (":2181", "entry 1 \":2181\": no host"),
            (
                "zk1:2181,zk2:99999",
                "entry 2 \"zk2:99999\": port 99999 is out of range",
            ),
            ("zk1:0", "port 0 is out of range"),
            ("zk1:abc", "port \"abc\" is not a number"),
            ("zk1:", "no port after the ':'"),
            (
                "zk1:2181/a,zk2:2181",
                "a chroot (/path) goes after the last host only",
            ),
            ("zk 1:2181", "characters no host name has"),
            ("[::1:2181", "without its ']'"),
            ("[zz]:2181", "is not an IPv6 address"),
            ("", "the connect string is empty"),
            ("zk1:2181,", "entry 2 \"\": empty"),
        ] {
            let err = validate(bad).expect_err(bad);
            assert!(err.contains(says), "{bad:?}: {err}");
        }
    }
}
