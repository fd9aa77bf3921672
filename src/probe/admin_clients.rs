//! The AdminServer's `connections` (ZooKeeper's alias of `cons`) and `watch_summary` (of
//! `wchs`): the clients view's source where the four-letter words are not whitelisted (many
//! sites allow only srvr, mntr and ruok) but the AdminServer answers.
//!
//! Shapes, from ZooKeeper's source (3.5.9, 3.6.4, 3.7.2, 3.8.4, 3.9.3 and master alike):
//! `Commands.ConsCommand` puts `connections` and `secure_connections`, each a list of
//! `ServerCnxn.getConnectionInfo(false)` maps, beside `command` and `error`. The map's keys and
//! Java types: `remote_socket_address` (InetSocketAddress, which Jackson writes "ip:port",
//! "[v6]:port", "hostname:port" when the name is resolved, or null while closing),
//! `interest_ops` (int), `outstanding_requests`, `packets_received`, `packets_sent` (long),
//! `session_id` (long, 0 before the handshake, negative for server ids ≥ 128),
//! `last_operation` (String, "NA" before the first), `established` (Date, written as ms since
//! the epoch), `session_timeout` (int), `last_cxid`, `last_zxid` (long, -1 before the first),
//! `last_response_time`, `last_latency`, `min_latency`, `avg_latency`, `max_latency` (long).
//! `watch_summary` is `WatchesSummary.toMap`: `num_connections`, `num_paths`,
//! `num_total_watches` (int). A member that is not serving answers HTTP 200 with
//! `"error": "This ZooKeeper instance is not currently serving requests"`.
//!
//! Authentication: 3.9's AdminServer authenticates only `snapshot` and `restore` (and
//! master's `shed_connections`); `connections` and `watch_summary` answer without
//! credentials on every version. A 401/403 therefore comes from something in front of the
//! AdminServer, and the message says so.
//!
//! Judged whole, like `cons`: one connection out of shape rejects the reply, quoted.

use super::parse::{check_bytes, refusal, ParseError, Reply};
use super::transport::{excerpt, http_get_within, Budget};
pub use crate::ensemble::clients::{ClientConn, WatchSummary};
use serde_json::{Map, Value};
use std::time::Duration;

type Obj = Map<String, Value>;

/// `GET /commands/connections`: every connection on the plain and the secure client port.
pub fn parse_admin_connections(
    http_status: u16,
    body: &str,
) -> Result<Reply<Vec<ClientConn>>, ParseError> {
    let obj = match admin_reply(("connections", "cons"), http_status, body)? {
        Answer::Obj(obj) => obj,
        Answer::Refused(r) => return Ok(r),
    };
    let reject = |why: String| ParseError::rejected("AdminServer connections", &why, body);
    let mut out = Vec::new();
    for (list, required) in [("connections", true), ("secure_connections", false)] {
        let items = match obj.get(list) {
            Some(Value::Array(items)) => items,
            None if !required => continue,
            _ => return Err(reject(format!("\"{list}\" is not a list"))),
        };
        for (n, item) in items.iter().enumerate() {
            let conn = connection(item).map_err(|why| reject(format!("{list}[{n}]: {why}")))?;
            out.push(conn);
        }
    }
    extra_keys(&obj, &["connections", "secure_connections"]).map_err(reject)?;
    Ok(Reply::Ok(out))
}

/// `GET /commands/watch_summary`: the `wchs` figures (data watches).
pub fn parse_admin_watch_summary(
    http_status: u16,
    body: &str,
) -> Result<Reply<WatchSummary>, ParseError> {
    let obj = match admin_reply(("watch_summary", "wchs"), http_status, body)? {
        Answer::Obj(obj) => obj,
        Answer::Refused(r) => return Ok(r),
    };
    let reject = |why: String| ParseError::rejected("AdminServer watch_summary", &why, body);
    let count = |key: &str| match obj.get(key) {
        Some(v) => v
            .as_u64()
            .ok_or_else(|| format!("{key} = {v} is not a count")),
        None => Err(format!("no \"{key}\"")),
    };
    let summary = WatchSummary {
        connections: count("num_connections").map_err(reject)?,
        paths: count("num_paths").map_err(reject)?,
        watches: count("num_total_watches").map_err(reject)?,
    };
    extra_keys(&obj, &["num_connections", "num_paths", "num_total_watches"]).map_err(reject)?;
    Ok(Reply::Ok(summary))
}

enum Answer<T> {
    Obj(Obj),
    Refused(Reply<T>),
}

/// The parts every AdminServer command reply shares: HTTP 200, printable JSON, an object whose
/// `command` is the one asked (or its 4lw alias) and whose `error` is null, or a refusal.
fn admin_reply<T>(
    (command, alias): (&str, &str),
    http_status: u16,
    body: &str,
) -> Result<Answer<T>, ParseError> {
    let what = format!("AdminServer {command}");
    if matches!(http_status, 401 | 403) {
        return Err(ParseError {
            message: format!(
                "{what} answered HTTP {http_status} ({}): ZooKeeper's AdminServer asks no \
                 credentials for {command} (3.9 authenticates only snapshot and restore), so \
                 something in front of it refuses; give the member's own AdminServer URL",
                quoted(body)
            ),
            not_zookeeper: false,
        });
    }
    if http_status != 200 {
        return Err(ParseError {
            message: format!("{what} answered HTTP {http_status}: {}", quoted(body)),
            not_zookeeper: false,
        });
    }
    check_bytes(&what, body)?;
    let obj = match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(obj)) => obj,
        _ => return Err(ParseError::unexpected(&format!("{what} JSON"), body)),
    };
    match obj.get("command").and_then(Value::as_str) {
        Some(c) if c == command || c == alias => {}
        _ => {
            return Err(ParseError::rejected(
                &what,
                &format!("\"command\" is not \"{command}\""),
                body,
            ))
        }
    }
    match obj.get("error") {
        None | Some(Value::Null) => Ok(Answer::Obj(obj)),
        Some(Value::String(text)) => match refusal(text) {
            Some(r) => Ok(Answer::Refused(r)),
            None => Err(ParseError {
                message: format!("{what} reported an error: {}", quoted(text)),
                not_zookeeper: false,
            }),
        },
        Some(other) => Err(ParseError::rejected(
            &what,
            &format!("\"error\" is {}", excerpt(&other.to_string())),
            body,
        )),
    }
}

/// A newer server may add a figure: a scalar under a plain key is let through (unread);
/// anything else is not what ZooKeeper writes.
fn extra_keys(obj: &Obj, known: &[&str]) -> Result<(), String> {
    for (key, value) in obj {
        if known.contains(&key.as_str()) || key == "command" || key == "error" {
            continue;
        }
        scalar_extra(key, value)?;
    }
    Ok(())
}

fn scalar_extra(key: &str, value: &Value) -> Result<(), String> {
    let plain_key = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    let scalar = match value {
        Value::Null | Value::Bool(_) | Value::Number(_) => true,
        Value::String(s) => s.chars().all(|c| !c.is_control()),
        Value::Array(_) | Value::Object(_) => false,
    };
    match plain_key && scalar {
        true => Ok(()),
        false => Err(format!("unexpected {:?}", excerpt(key))),
    }
}

/// Keys of `getConnectionInfo(false)`; the first five are also in the brief form.
const CONNECTION_KEYS: [&str; 16] = [
    "remote_socket_address",
    "interest_ops",
    "outstanding_requests",
    "packets_received",
    "packets_sent",
    "session_id",
    "last_operation",
    "established",
    "session_timeout",
    "last_cxid",
    "last_zxid",
    "last_response_time",
    "last_latency",
    "min_latency",
    "avg_latency",
    "max_latency",
];

fn connection(item: &Value) -> Result<ClientConn, String> {
    let Value::Object(m) = item else {
        return Err("not an object".into());
    };
    let (address, host) = socket_address(m.get("remote_socket_address"))?;
    let count = |key: &str| -> Result<Option<u64>, String> {
        match m.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("{key} = {} is not a count", excerpt(&v.to_string()))),
        }
    };
    let required = |key: &str| count(key)?.ok_or_else(|| format!("no \"{key}\""));
    required("interest_ops")?;
    let mut c = ClientConn {
        address,
        host,
        queued: required("outstanding_requests")?,
        received: required("packets_received")?,
        sent: required("packets_sent")?,
        session_id: session_id(m.get("session_id"))?,
        last_operation: last_operation(m.get("last_operation"))?,
        timeout_ms: count("session_timeout")?,
        established_ms: count("established")?,
        last_response_ms: count("last_response_time")?,
        ..Default::default()
    };
    c.latency_min = latency(m, "min_latency")?;
    c.latency_avg = latency(m, "avg_latency")?;
    c.latency_max = latency(m, "max_latency")?;
    // Read and checked, not kept (as from cons).
    for key in ["last_cxid", "last_zxid", "last_latency"] {
        latency(m, key)?;
    }
    for (key, value) in m {
        if !CONNECTION_KEYS.contains(&key.as_str()) {
            scalar_extra(key, value)?;
        }
    }
    Ok(c)
}

/// Jackson's InetSocketAddress: "127.0.0.1:38158", "[0:0:0:0:0:0:0:1]:4000",
/// "app1.example:4000" (a resolved name), null for a connection closing while listed.
fn socket_address(v: Option<&Value>) -> Result<(String, String), String> {
    let text = match v {
        Some(Value::Null) => return Ok(("(closing)".into(), "(closing)".into())),
        Some(Value::String(s)) => s.as_str(),
        Some(other) => return Err(format!("remote_socket_address {other} is not text")),
        None => return Err("no \"remote_socket_address\"".into()),
    };
    let bad = || format!("remote_socket_address {:?} is not host:port", excerpt(text));
    let (host, port) = text.rsplit_once(':').ok_or_else(bad)?;
    let host = match host.strip_prefix('[') {
        Some(v6) => v6
            .strip_suffix(']')
            .filter(|h| {
                h.bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'%')
            })
            .ok_or_else(bad)?,
        None => host,
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'%'));
    if !host_ok || port.parse::<u16>().is_err() {
        return Err(bad());
    }
    let address = match host.contains(':') {
        true => format!("[{host}]:{port}"),
        false => format!("{host}:{port}"),
    };
    Ok((address, host.to_string()))
}

/// A Java long: negative for server ids of 128 and up (cons prints it as unsigned hex);
/// 0 is a connection that has no session yet.
fn session_id(v: Option<&Value>) -> Result<Option<u64>, String> {
    let id = match v {
        None => return Ok(None),
        Some(v) => v
            .as_i64()
            .map(|i| i as u64)
            .or_else(|| v.as_u64())
            .ok_or_else(|| format!("session_id {v} is not a session id"))?,
    };
    Ok((id != 0).then_some(id))
}

fn last_operation(v: Option<&Value>) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Ok(Some(s.clone()))
        }
        Some(other) => Err(format!(
            "last_operation {} is not an operation name",
            excerpt(&other.to_string())
        )),
    }
}

/// A long that is -1 (or absent) before the first response.
fn latency(m: &Obj, key: &str) -> Result<Option<u64>, String> {
    match m.get(key) {
        None => Ok(None),
        Some(v) => match v.as_i64() {
            Some(-1) => Ok(None),
            Some(x) if x >= 0 => Ok(Some(x as u64)),
            _ => Err(format!(
                "{key} = {} is not a figure",
                excerpt(&v.to_string())
            )),
        },
    }
}

/// One AdminServer command within `timeout`, parsed; transport failures as sentences.
async fn ask<T>(
    url: &str,
    command: &str,
    cap: usize,
    timeout: Duration,
    parse: fn(u16, &str) -> Result<Reply<T>, ParseError>,
) -> Result<Reply<T>, String> {
    let path = format!("/commands/{command}");
    let (status, body) = http_get_within(url, &path, Budget::starting_now(timeout), cap)
        .await
        .map_err(|e| e.to_string())?;
    parse(status, &body).map_err(|e| e.message)
}

/// A member's `connections` from its AdminServer at `url`.
pub async fn ask_admin_connections(
    url: &str,
    timeout: Duration,
) -> Result<Reply<Vec<ClientConn>>, String> {
    // As for cons: thousands of connections of ~500 bytes of indented JSON each.
    ask(
        url,
        "connections",
        16 << 20,
        timeout,
        parse_admin_connections,
    )
    .await
}

/// A member's `watch_summary` from its AdminServer at `url`.
pub async fn ask_admin_watch_summary(
    url: &str,
    timeout: Duration,
) -> Result<Reply<WatchSummary>, String> {
    // Three figures and the HTTP head: anything bigger is not a watch_summary.
    ask(
        url,
        "watch_summary",
        16 << 10,
        timeout,
        parse_admin_watch_summary,
    )
    .await
}

/// A reply shown in a message: trimmed, escaped, cut short.
fn quoted(text: &str) -> String {
    match text.trim() {
        "" => "an empty reply".into(),
        t => format!("\"{}\"", excerpt(t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::fixture;

    fn conns(body: &str) -> Vec<ClientConn> {
        match parse_admin_connections(200, body) {
            Ok(Reply::Ok(v)) => v,
            other => panic!("{other:?}"),
        }
    }

    /// One connection as 3.8 writes it, with `field` replaced by `value` (raw JSON).
    fn one_with(field: &str, value: &str) -> String {
        let mut fields = vec![
            ("remote_socket_address", "\"127.0.0.1:4000\""),
            ("interest_ops", "1"),
            ("outstanding_requests", "0"),
            ("packets_received", "9"),
            ("packets_sent", "9"),
            ("session_id", "72059752393080833"),
            ("last_operation", "\"PING\""),
            ("established", "1796196777560"),
            ("session_timeout", "10000"),
            ("last_cxid", "1"),
            ("last_zxid", "4294967299"),
            ("last_response_time", "32944775"),
            ("last_latency", "1"),
            ("min_latency", "0"),
            ("avg_latency", "62"),
            ("max_latency", "168"),
        ];
        match fields.iter_mut().find(|(k, _)| *k == field) {
            Some(f) => f.1 = value,
            None => fields.push((field, value)),
        }
        let body: Vec<String> = fields
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("\"{k}\" : {v}"))
            .collect();
        format!(
            "{{\"connections\" : [ {{ {} }} ], \"secure_connections\" : [ ], \
             \"command\" : \"connections\", \"error\" : null}}",
            body.join(", ")
        )
    }

    #[test]
    fn real_3_8_reply_with_two_sessions() {
        let v = conns(&fixture("admin/connections_two_sessions_3.8.json"));
        assert_eq!(v.len(), 2);
        let c = &v[0];
        assert_eq!(c.address, "127.0.0.1:56472");
        assert_eq!(c.host, "127.0.0.1");
        assert_eq!(c.session_label(), "0x10001f687fe0001");
        assert_eq!((c.queued, c.received, c.sent), (0, 4, 4));
        assert_eq!(c.last_operation.as_deref(), Some("PING"));
        assert_eq!(c.established_ms, Some(1796196777560));
        assert_eq!(c.timeout_ms, Some(10000));
        assert_eq!(c.last_response_ms, Some(32948111));
        assert_eq!(
            (c.latency_min, c.latency_avg, c.latency_max),
            (Some(0), Some(46), Some(168))
        );
        assert_eq!(v[1].session_id, Some(72059752393080832));
        // No connections at all is a fine answer (the HTTP request is not one).
        assert!(conns(&fixture("admin/connections_none_3.8.json")).is_empty());
    }

    #[test]
    fn the_shared_sample_reads_as_its_cons_does() {
        // zk-samples: AdminServer connections and cons of the same 3.8.0 leader session.
        let admin = conns(&fixture("admin_leader_connections.json"));
        let Ok(Reply::Ok(cons)) = super::super::cons::parse_cons(&fixture("leader_cons.txt"))
        else {
            panic!()
        };
        assert_eq!(admin.len(), 1);
        let (a, c) = (&admin[0], &cons[0]);
        assert_eq!(a.address, c.address);
        assert_eq!(a.host, c.host);
        assert_eq!(a.session_id, c.session_id);
        assert_eq!(a.session_label(), "0x3000004382f0000");
        assert_eq!(a.established_ms, c.established_ms);
        assert_eq!(a.timeout_ms, c.timeout_ms);
    }

    #[test]
    fn watch_summary_real_and_refusals() {
        let body = fixture("admin/watch_summary_3.8.json");
        assert_eq!(
            parse_admin_watch_summary(200, &body),
            Ok(Reply::Ok(WatchSummary {
                connections: 1,
                paths: 1,
                watches: 1
            }))
        );
        let ns = fixture("admin/watch_summary_notserving_3.8.json");
        assert_eq!(parse_admin_watch_summary(200, &ns), Ok(Reply::NotServing));
        let ns = fixture("admin/connections_notserving_3.8.json");
        assert_eq!(parse_admin_connections(200, &ns), Ok(Reply::NotServing));
        for bad in [
            "",
            "{}",
            r#"{"num_connections":1,"num_paths":1,"command":"watch_summary","error":null}"#,
            r#"{"num_connections":-1,"num_paths":1,"num_total_watches":1,"command":"watch_summary","error":null}"#,
            r#"{"num_connections":"1","num_paths":1,"num_total_watches":1,"command":"watch_summary","error":null}"#,
            r#"{"num_connections":1,"num_paths":1,"num_total_watches":1,"command":"monitor","error":null}"#,
        ] {
            assert!(parse_admin_watch_summary(200, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn forms_from_the_source() {
        // Jackson writes IPv6 in brackets, a resolved name without its address.
        let v6 = conns(&one_with(
            "remote_socket_address",
            "\"[0:0:0:0:0:0:0:1]:4000\"",
        ));
        assert_eq!(v6[0].address, "[0:0:0:0:0:0:0:1]:4000");
        assert_eq!(v6[0].host, "0:0:0:0:0:0:0:1");
        let named = conns(&one_with("remote_socket_address", "\"app1.example:4000\""));
        assert_eq!(named[0].host, "app1.example");
        let closing = conns(&one_with("remote_socket_address", "null"));
        assert_eq!(closing[0].address, "(closing)");
        // Server id 200: the session id is a negative long; cons prints it unsigned.
        let high = conns(&one_with("session_id", "-4035225266123964416"));
        assert_eq!(high[0].session_label(), "0xc800000000000000");
        // Before the handshake: no session.
        assert_eq!(conns(&one_with("session_id", "0"))[0].session_id, None);
        // -1 figures before the first response; the brief form without session fields.
        let fresh = conns(&one_with("max_latency", "-1"));
        assert_eq!(fresh[0].latency_max, None);
        let brief = conns(&one_with("session_id", ""));
        assert_eq!(brief[0].session_id, None);
        // A figure a newer server may add is let through.
        assert_eq!(conns(&one_with("bytes_queued", "12")).len(), 1);
        // The 4lw alias names the command too.
        let alias = one_with("interest_ops", "1")
            .replace("\"connections\", \"error\"", "\"cons\", \"error\"");
        assert_eq!(conns(&alias).len(), 1);
    }

    #[test]
    fn garbage_and_partial_replies_are_rejected_whole_and_quoted() {
        let good = fixture("admin/connections_two_sessions_3.8.json");
        let half = good[..good.len() / 2].to_string();
        let second_bad = good.replacen("\"packets_sent\" : 4", "\"packets_sent\" : \"4\"", 1);
        let cases = [
            String::new(),
            "<html><body>It works</body></html>".into(),
            "[1,2]".into(),
            half,
            second_bad,
            fixture("mntr_leader.txt"),
            good.replace("\"connections\",", "\"monitor\","),
            good.replace("\"connections\" : [", "\"connections\" : {\"a\":[")
                .replace("} ],\n  \"secure", "} ]},\n  \"secure"),
            one_with("packets_received", ""),
            one_with("packets_received", "\"9\""),
            one_with("packets_received", "-9"),
            one_with("outstanding_requests", "1.5"),
            one_with("remote_socket_address", "\"127.0.0.1\""),
            one_with("remote_socket_address", "\"127.0.0.1:99999\""),
            one_with("remote_socket_address", "\"[::1:4000\""),
            one_with("remote_socket_address", "\"a b:4000\""),
            one_with("remote_socket_address", "7"),
            one_with("last_operation", "\"PI NG\""),
            one_with("last_operation", "\"\\u001b[31mPING\""),
            one_with("session_id", "\"0x1\""),
            one_with("min_latency", "-7"),
            one_with("nested", "{\"a\":1}"),
            one_with("Bad Key", "1"),
            format!("{good}\u{1b}[2J"),
            good.replace("\"error\" : null", "\"error\" : 5"),
        ];
        for body in cases {
            let e = parse_admin_connections(200, &body).expect_err(&body);
            assert!(
                e.message.contains("connections") || e.message.contains("empty"),
                "{e}"
            );
            assert!(!e.message.contains('\u{1b}'), "escaped: {e}");
        }
        let e = parse_admin_connections(200, r#"{"command":"connections","error":"disk on fire"}"#)
            .unwrap_err();
        assert!(e.message.contains("\"disk on fire\""), "{e}");
    }

    #[test]
    fn http_refusals_say_what_they_mean() {
        let e = parse_admin_connections(401, "<h1>Unauthorized</h1>").unwrap_err();
        assert!(e.message.contains("HTTP 401"), "{e}");
        assert!(e.message.contains("asks no credentials"), "{e}");
        assert!(!e.not_zookeeper);
        let e = parse_admin_watch_summary(404, "Not Found").unwrap_err();
        assert!(
            e.message.contains("HTTP 404") && e.message.contains("\"Not Found\""),
            "{e}"
        );
    }
}
