//! The `cons` reply: one line per client connection, as `ServerCnxn.dumpConnectionInfo`
//! prints it:
//! ` /127.0.0.1:38158[1](queued=0,recved=7,sent=7,sid=0x30…,lop=PING,est=…,to=10000,
//! lcxid=0x2,lzxid=0x100000008,lresp=323933,llat=0,minlat=0,avglat=2,maxlat=6)`.
//! Connections without a session (the `cons` request itself) stop after `sent`.
//! Judged as a whole like `mntr`: one malformed line rejects the reply.

use super::parse::{check_bytes, parse_zxid, refusal, ParseError, Reply};
pub use crate::ensemble::clients::ClientConn;

pub fn parse_cons(text: &str) -> Result<Reply<Vec<ClientConn>>, ParseError> {
    check_bytes("cons", text)?;
    if let Some(r) = refusal(text) {
        return Ok(r);
    }
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let conn = cons_line(line.trim())
            .map_err(|why| ParseError::rejected("cons", &format!("line {}: {why}", n + 1), text))?;
        out.push(conn);
    }
    if out.is_empty() {
        // A live server always lists at least the connection that asked.
        return Err(ParseError::unexpected(
            "cons lines such as \" /10.0.0.1:4711[1](queued=0,recved=7,sent=7,…)\"",
            text,
        ));
    }
    Ok(Reply::Ok(out))
}

fn cons_line(line: &str) -> Result<ClientConn, String> {
    let (addr, rest) = line
        .split_once('[')
        .ok_or("no \"[interest ops]\" after the address")?;
    let (ops, rest) = rest
        .split_once("](")
        .ok_or("no \"](\" after the interest ops")?;
    if ops.is_empty() || !ops.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("interest ops {ops:?} are not hex"));
    }
    let body = rest
        .strip_suffix(')')
        .ok_or("the field list does not end with \")\"")?;
    let (address, host) = client_address(addr)?;
    let mut c = ClientConn {
        address,
        host,
        ..Default::default()
    };
    let mut seen = Vec::new();
    for field in body.split(',') {
        let (k, v) = field
            .split_once('=')
            .ok_or_else(|| format!("field {field:?} is not key=value"))?;
        cons_field(&mut c, k, v).map_err(|why| format!("{k}: {why}"))?;
        seen.push(k);
    }
    for required in ["queued", "recved", "sent"] {
        if !seen.contains(&required) {
            return Err(format!("no {required}= field"));
        }
    }
    Ok(c)
}

/// "/127.0.0.1:38158" or "host.example/10.0.0.1:38158" (InetSocketAddress.toString), IPv6
/// without brackets ("/0:0:0:0:0:0:0:1:4000"): the port is after the last colon.
fn client_address(text: &str) -> Result<(String, String), String> {
    let text = text.trim();
    // getRemoteSocketAddress() is null for a connection closing while cons runs.
    if text == "null" {
        return Ok(("(closing)".to_string(), "(closing)".to_string()));
    }
    let (_, ip_port) = text
        .split_once('/')
        .ok_or_else(|| format!("address {text:?} lacks the \"/\" Java prints"))?;
    let (ip, port) = ip_port
        .rsplit_once(':')
        .ok_or_else(|| format!("address {text:?} has no port"))?;
    let ip_ok = !ip.is_empty()
        && ip
            .chars()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '%' | '[' | ']'));
    if !ip_ok || port.parse::<u16>().is_err() {
        return Err(format!("address {text:?} is not ip:port"));
    }
    let host = ip.trim_start_matches('[').trim_end_matches(']');
    let address = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    Ok((address, host.to_string()))
}

fn cons_field(c: &mut ClientConn, key: &str, value: &str) -> Result<(), String> {
    let num = || {
        value
            .parse::<u64>()
            .map_err(|_| format!("{value:?} is not a count"))
    };
    // Latencies and lresp are -1 before the first response on some versions.
    let opt = || match value {
        "-1" => Ok(None),
        _ => num().map(Some),
    };
    let hex = || parse_zxid(value).ok_or(format!("{value:?} is not hex"));
    match key {
        "queued" => c.queued = num()?,
        "recved" => c.received = num()?,
        "sent" => c.sent = num()?,
        "sid" => c.session_id = Some(hex()?),
        "lop" => {
            let plausible = !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric());
            if !plausible {
                return Err(format!("{value:?} is not an operation name"));
            }
            c.last_operation = Some(value.to_string());
        }
        "est" => c.established_ms = Some(num()?),
        "to" => c.timeout_ms = Some(num()?),
        "lresp" => c.last_response_ms = opt()?,
        "minlat" => c.latency_min = opt()?,
        "avglat" => c.latency_avg = opt()?,
        "maxlat" => c.latency_max = opt()?,
        // lzxid is 0xffffffffffffffff before any write: read and checked, not kept.
        "lcxid" | "lzxid" => {
            hex()?;
        }
        "llat" => {
            opt()?;
        }
        _ => return Err("unknown field".into()),
    }
    Ok(())
}

/// Asks one member for `cons` within `timeout`; every outcome is a sentence for the view.
pub async fn fetch_cons(
    address: &str,
    tls: Option<&super::secure::TlsClient>,
    timeout: std::time::Duration,
) -> Result<Vec<ClientConn>, String> {
    match ask_cons(address, tls, timeout).await? {
        Reply::Ok(v) => Ok(v),
        Reply::NotServing => Err(format!("{address} is not serving requests")),
        Reply::NotWhitelisted { command } => Err(format!(
            "{address} refuses {command}: add it to 4lw.commands.whitelist"
        )),
    }
}

/// As `fetch_cons`, with the server's refusals as replies: a caller with another source (the
/// AdminServer's `connections`) turns to it when `cons` is not whitelisted.
pub async fn ask_cons(
    address: &str,
    tls: Option<&super::secure::TlsClient>,
    timeout: std::time::Duration,
) -> Result<Reply<Vec<ClientConn>>, String> {
    // Thousands of connections of ~250 bytes each: a generous cap that still bounds memory.
    const CAP: usize = 8 << 20;
    let budget = super::transport::Budget::starting_now(timeout);
    let text = super::transport::four_letter_word_within(address, tls, "cons", budget, CAP)
        .await
        .map_err(|e| e.to_string())?;
    parse_cons(&text).map_err(|e| e.message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::fixture;

    fn ok(text: &str) -> Vec<ClientConn> {
        match parse_cons(text).unwrap() {
            Reply::Ok(v) => v,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn real_leader_reply_parses_every_field() {
        let conns = ok(&fixture("leader_cons.txt"));
        assert_eq!(conns.len(), 2);
        let c = &conns[0];
        assert_eq!(c.address, "127.0.0.1:38158");
        assert_eq!(c.host, "127.0.0.1");
        assert_eq!(c.session_id, Some(0x3000004382f0000));
        assert_eq!(c.session_label(), "0x3000004382f0000");
        assert_eq!((c.queued, c.received, c.sent), (0, 7, 7));
        assert_eq!(c.last_operation.as_deref(), Some("PING"));
        assert_eq!(c.timeout_ms, Some(10000));
        assert_eq!(c.established_ms, Some(1795317362718));
        assert_eq!(c.last_response_ms, Some(323933));
        assert_eq!(
            (c.latency_min, c.latency_avg, c.latency_max),
            (Some(0), Some(2), Some(6))
        );
        // The connection that asked: no session yet.
        assert_eq!(conns[1].session_id, None);
        assert_eq!(conns[1].address, "127.0.0.1:50520");
    }

    #[test]
    fn real_follower_reply_and_other_address_forms() {
        let conns = ok(&fixture("follower_cons.txt"));
        assert_eq!(conns.len(), 2);
        assert_eq!(conns[1].session_id, Some(0x100000438600001));
        let v6 = ok(" /0:0:0:0:0:0:0:1:4000[0](queued=0,recved=1,sent=0)\n");
        assert_eq!(v6[0].address, "[0:0:0:0:0:0:0:1]:4000");
        let named = ok(" app1.example/10.0.0.7:4000[1](queued=2,recved=9,sent=7,sid=0x1,lop=GETD,est=1,to=4000,lcxid=0x5,lzxid=0xffffffffffffffff,lresp=9,llat=-1,minlat=-1,avglat=-1,maxlat=-1)\n");
        assert_eq!(named[0].address, "10.0.0.7:4000");
        assert_eq!(named[0].queued, 2);
        assert_eq!(named[0].latency_max, None);
        // A connection closing while the server wrote the reply.
        let closing = ok(" null[0](queued=0,recved=3,sent=3)\n");
        assert_eq!(closing[0].address, "(closing)");
    }

    #[test]
    fn refusals_are_replies_not_errors() {
        assert_eq!(
            parse_cons("cons is not executed because it is not in the whitelist.\n").unwrap(),
            Reply::NotWhitelisted {
                command: "cons".into()
            }
        );
        assert_eq!(
            parse_cons("This ZooKeeper instance is not currently serving requests\n").unwrap(),
            Reply::NotServing
        );
    }

    #[test]
    fn garbage_is_rejected_whole() {
        let good = fixture("leader_cons.txt");
        let cases = [
            String::new(),
            "HTTP/1.1 400 Bad Request\r\n".into(),
            fixture("mntr_leader.txt"),
            format!("{good}garbage line\n"),
            good.replace("recved=7", "recved=seven"),
            good.replace("sid=0x3000004382f0000", "sid=0xzz"),
            good.replace(",maxlat=6)", ",maxlat=6"),
            good.replace(",sent=0)", ")"),
            good.replace("38158", "99999"),
            good.replace("lop=PING", "lop=PI NG"),
            format!("{good} /1.2.3.4:5[1](queued=0,recved=1,sent=0,bogus=1)\n"),
            format!("{good}\u{1}\n"),
        ];
        for text in cases {
            let e = parse_cons(&text).expect_err(&text);
            assert!(
                e.message.contains("cons") || e.message.contains("empty"),
                "{e}"
            );
        }
    }
}
