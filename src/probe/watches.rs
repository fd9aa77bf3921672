//! Watches: `wchs` (the cheap summary, read with `cons` by the clients view) and `wchc` /
//! `wchp` (every watch, by session or by path: costly on big servers, ZOOKEEPER-2693, so
//! only on request). Formats from `WatchManager.toString` / `dumpWatches` (3.5–3.9 alike):
//! `wchs` is "<n> connections watching <p> paths\nTotal watches:<t>\n"; `wchc` is
//! "0x<session>\n\t<path>\n…" and `wchp` "<path>\n\t0x<session>\n…". Judged whole: one line
//! out of shape rejects the reply.

use super::parse::{check_bytes, refusal, ParseError, Reply};
pub use crate::ensemble::clients::{WatchDump, WatchDumpKind, WatchSummary};
use std::time::Duration;

pub fn parse_wchs(text: &str) -> Result<Reply<WatchSummary>, ParseError> {
    check_bytes("wchs", text)?;
    if let Some(r) = refusal(text) {
        return Ok(r);
    }
    let expected = "\"<n> connections watching <p> paths\" then \"Total watches:<t>\"";
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .collect();
    let [first, second] = lines.as_slice() else {
        return Err(match lines.is_empty() {
            true => ParseError::unexpected(expected, text),
            false => ParseError::rejected("wchs", &format!("expected {expected}"), text),
        });
    };
    let count = |s: &str| s.trim().parse::<u64>().ok();
    let head = first
        .trim()
        .split_once(" connections watching ")
        .and_then(|(c, rest)| Some((count(c)?, count(rest.strip_suffix(" paths")?)?)));
    let total = second.trim().strip_prefix("Total watches:").and_then(count);
    match (head, total) {
        (Some((connections, paths)), Some(watches)) => Ok(Reply::Ok(WatchSummary {
            connections,
            paths,
            watches,
        })),
        _ => Err(ParseError::rejected(
            "wchs",
            &format!("expected {expected}"),
            text,
        )),
    }
}

/// `wchc` (heads are sessions, entries paths) or `wchp` (heads paths, entries sessions).
pub fn parse_watch_dump(kind: WatchDumpKind, text: &str) -> Result<Reply<WatchDump>, ParseError> {
    let cmd = kind.command();
    check_bytes(cmd, text)?;
    if let Some(r) = refusal(text) {
        return Ok(r);
    }
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| ParseError::rejected(cmd, &format!("line {}: {why}", n + 1), text);
        if let Some(entry) = line.strip_prefix('\t') {
            let (is_session, what) = match kind {
                WatchDumpKind::ByConnection => (false, "a path"),
                WatchDumpKind::ByPath => (true, "a session 0x…"),
            };
            if !plausible(entry, is_session) {
                return Err(bad(&format!("{entry:?} is not {what}")));
            }
            let Some((_, list)) = groups.last_mut() else {
                return Err(bad("an indented line before any heading"));
            };
            list.push(entry.to_string());
        } else {
            let (is_session, what) = match kind {
                WatchDumpKind::ByConnection => (true, "a session 0x…"),
                WatchDumpKind::ByPath => (false, "a path"),
            };
            if !plausible(line, is_session) {
                return Err(bad(&format!("{line:?} is not {what}")));
            }
            groups.push((line.to_string(), Vec::new()));
        }
    }
    // Biggest first: the session with most watches, the path most watched.
    groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    Ok(Reply::Ok(WatchDump { groups }))
}

fn plausible(text: &str, session: bool) -> bool {
    if session {
        text.strip_prefix("0x")
            .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
    } else {
        text.starts_with('/') && !text.contains(char::is_whitespace)
    }
}

/// The sentence for a refusal of `command` by `address`.
fn refused<T>(address: &str, reply: Reply<T>) -> Result<T, String> {
    match reply {
        Reply::Ok(v) => Ok(v),
        Reply::NotServing => Err(format!("{address} is not serving requests")),
        Reply::NotWhitelisted { command } => Err(format!(
            "{address} refuses {command}: it is not in 4lw.commands.whitelist \
             (3.5+ runs only whitelisted four-letter words; add {command} there and restart)"
        )),
    }
}

/// One member's `wchs` within `timeout` (the same deadline as its `cons`).
pub async fn fetch_wchs(
    address: &str,
    tls: Option<&super::secure::TlsClient>,
    timeout: Duration,
) -> Result<WatchSummary, String> {
    refused(address, ask_wchs(address, tls, timeout).await?)
}

/// As `fetch_wchs`, with the server's refusals as replies (for a fall-back to the
/// AdminServer's `watch_summary`).
pub async fn ask_wchs(
    address: &str,
    tls: Option<&super::secure::TlsClient>,
    timeout: Duration,
) -> Result<Reply<WatchSummary>, String> {
    // Two short lines; anything bigger is not a wchs reply.
    const CAP: usize = 4 << 10;
    let budget = super::transport::Budget::starting_now(timeout);
    let text = super::transport::four_letter_word_within(address, tls, "wchs", budget, CAP)
        .await
        .map_err(|e| e.to_string())?;
    parse_wchs(&text).map_err(|e| e.message)
}

/// One member's `wchc` or `wchp` within `timeout`, at most `cap` bytes.
pub async fn fetch_watch_dump(
    address: &str,
    tls: Option<&super::secure::TlsClient>,
    kind: WatchDumpKind,
    timeout: Duration,
) -> Result<WatchDump, String> {
    // A big server lists millions of watches; past this the listing is refused, not kept.
    const CAP: usize = 16 << 20;
    let budget = super::transport::Budget::starting_now(timeout);
    let text = super::transport::four_letter_word_within(address, tls, kind.command(), budget, CAP)
        .await
        .map_err(|e| e.to_string())?;
    refused(
        address,
        parse_watch_dump(kind, &text).map_err(|e| e.message)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real 3.8.0 replies (zk-samples): one session watching /app.
    const WCHS: &str = "1 connections watching 1 paths\nTotal watches:1\n";
    const WCHC: &str = "0x3000004382f0000\n\t/app\n\n";
    const WCHP: &str = "/app\n\t0x3000004382f0000\n\n";

    #[test]
    fn real_replies_parse() {
        assert_eq!(
            parse_wchs(WCHS).unwrap(),
            Reply::Ok(WatchSummary {
                connections: 1,
                paths: 1,
                watches: 1
            })
        );
        let Reply::Ok(c) = parse_watch_dump(WatchDumpKind::ByConnection, WCHC).unwrap() else {
            panic!()
        };
        assert_eq!(
            c.groups,
            vec![("0x3000004382f0000".into(), vec!["/app".into()])]
        );
        let Reply::Ok(p) = parse_watch_dump(WatchDumpKind::ByPath, WCHP).unwrap() else {
            panic!()
        };
        assert_eq!(
            p.groups,
            vec![("/app".into(), vec!["0x3000004382f0000".into()])]
        );
        // No watches at all: wchc/wchp print nothing.
        let Reply::Ok(none) = parse_watch_dump(WatchDumpKind::ByPath, "").unwrap() else {
            panic!()
        };
        assert!(none.groups.is_empty());
    }

    #[test]
    fn biggest_first() {
        let text = "/a\n\t0x1\n/b\n\t0x1\n\t0x2\n\t0x3\n/c\n\t0x2\n\t0x3\n";
        let Reply::Ok(p) = parse_watch_dump(WatchDumpKind::ByPath, text).unwrap() else {
            panic!()
        };
        let heads: Vec<&str> = p.groups.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(heads, ["/b", "/c", "/a"]);
    }

    #[test]
    fn refusals_are_replies() {
        assert_eq!(
            parse_wchs("wchs is not executed because it is not in the whitelist.\n").unwrap(),
            Reply::NotWhitelisted {
                command: "wchs".into()
            }
        );
        let e = refused(
            "127.0.0.1:2181",
            parse_wchs("wchs is not executed because it is not in the whitelist.\n").unwrap(),
        )
        .unwrap_err();
        assert!(e.contains("4lw.commands.whitelist"), "{e}");
        assert_eq!(
            parse_watch_dump(
                WatchDumpKind::ByConnection,
                "This ZooKeeper instance is not currently serving requests\n"
            )
            .unwrap(),
            Reply::NotServing
        );
    }

    #[test]
    fn garbage_is_rejected_whole_and_quoted() {
        for bad in [
            "",
            "HTTP/1.1 400 Bad Request\r\n",
            "1 connections watching 1 paths\n",
            "x connections watching 1 paths\nTotal watches:1\n",
            "1 connections watching 1 paths\nTotal watches:one\n",
            "1 connections watching 1 paths\nTotal watches:1\nmore\n",
            "1 connections watching 1 paths\u{1}\nTotal watches:1\n",
        ] {
            let e = parse_wchs(bad).expect_err(bad);
            assert!(
                e.message.contains("wchs") || e.message.contains("empty"),
                "{e}"
            );
        }
        let e = parse_wchs("imok").unwrap_err();
        assert!(e.message.contains("\"imok\""), "the reply is quoted: {e}");
        for (kind, bad) in [
            (WatchDumpKind::ByConnection, "\t/app\n"),
            (WatchDumpKind::ByConnection, "/app\n\t0x1\n"),
            (WatchDumpKind::ByPath, "0x1\n\t/app\n"),
            (WatchDumpKind::ByPath, "/app\n\tnot a session\n"),
            (WatchDumpKind::ByPath, "/a b\n"),
        ] {
            let e = parse_watch_dump(kind, bad).expect_err(bad);
            assert!(e.message.contains(kind.command()), "{e}");
        }
    }
}
