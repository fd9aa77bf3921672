//! Parsers for four-letter-word and AdminServer replies. Pure: text in, typed data out.

use super::types::{MetricValue, Metrics, ServerMode};
pub use crate::ensemble::member::ZabState;
use crate::ensemble::EnsembleConfig;
use serde_json::{Map, Value};

/// What a four-letter word (or an AdminServer command) answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply<T> {
    Ok(T),
    /// "This ZooKeeper instance is not currently serving requests" (or AdminServer monitor's
    /// HTTP 500 with zkServer null).
    NotServing,
    /// "<cmd> is not executed because it is not in the whitelist." The command name lets the UI
    /// say which entry `4lw.commands.whitelist` lacks.
    NotWhitelisted {
        command: String,
    },
}

/// A reply we could not understand. The message says what was expected and shows a short,
/// escaped excerpt of what arrived.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    /// The reply is not what a ZooKeeper server sends (wrong shape, control bytes, impossible
    /// figures), as opposed to an answer we merely cannot use (empty, an HTTP error).
    pub not_zookeeper: bool,
}

impl ParseError {
    pub(crate) fn unexpected(expected: &str, got: &str) -> Self {
        ParseError {
            message: format!("expected {expected}, got {}", describe(got)),
            not_zookeeper: !got.trim().is_empty(),
        }
    }

    /// A reply that is not what a ZooKeeper server sends: why, and how the reply began.
    pub(crate) fn rejected(command: &str, why: &str, got: &str) -> Self {
        ParseError {
            message: format!(
                "not a ZooKeeper reply to {command} ({why}); it began {}",
                describe(got)
            ),
            not_zookeeper: true,
        }
    }

    fn http(command: &str, status: u16, body: &str) -> Self {
        ParseError {
            message: format!(
                "AdminServer {command} answered HTTP {status}: {}",
                describe(body)
            ),
            not_zookeeper: false,
        }
    }
}

/// The `srvr` (or `stat`) reply.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Srvr {
    pub version: Option<String>,
    pub latency_min: Option<f64>,
    pub latency_avg: Option<f64>,
    pub latency_max: Option<f64>,
    pub received: Option<i64>,
    pub sent: Option<i64>,
    pub connections: Option<i64>,
    pub outstanding: Option<i64>,
    pub zxid: Option<u64>,
    pub mode: Option<ServerMode>,
    pub node_count: Option<i64>,
}

impl Srvr {
    /// The same facts under mntr's key names (without the zk_ prefix), so a server that only
    /// whitelists `srvr` still fills the views that read `mntr` keys. `zxid` is `Text("0x...")`.
    pub fn to_metrics(&self) -> Metrics {
        let mut m = Metrics::new();
        let mut put = |k: &str, v: Option<MetricValue>| {
            if let Some(v) = v {
                m.put(k, v);
            }
        };
        put("version", self.version.as_deref().map(text_value));
        // mntr prints min/max as integers and avg as a float; match it so values compare.
        put("min_latency", self.latency_min.map(int_if_whole));
        put("avg_latency", self.latency_avg.map(MetricValue::Float));
        put("max_latency", self.latency_max.map(int_if_whole));
        put("packets_received", self.received.map(MetricValue::Int));
        put("packets_sent", self.sent.map(MetricValue::Int));
        put(
            "num_alive_connections",
            self.connections.map(MetricValue::Int),
        );
        put(
            "outstanding_requests",
            self.outstanding.map(MetricValue::Int),
        );
        put("znode_count", self.node_count.map(MetricValue::Int));
        put("server_state", self.mode.map(|s| text_value(mode_name(s))));
        put("zxid", self.zxid.map(|z| text_value(&format!("0x{z:x}"))));
        m
    }
}

fn text_value(s: &str) -> MetricValue {
    MetricValue::Text(s.into())
}

fn int_if_whole(x: f64) -> MetricValue {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        MetricValue::Int(x as i64)
    } else {
        MetricValue::Float(x)
    }
}

/// The spelling mntr uses for `zk_server_state`.
fn mode_name(mode: ServerMode) -> &'static str {
    match mode {
        ServerMode::Leader => "leader",
        ServerMode::Follower => "follower",
        ServerMode::Observer => "observer",
        ServerMode::Standalone => "standalone",
        ServerMode::ReadOnly => "read-only",
    }
}

/// The `isro` reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Isro {
    /// `rw`
    ReadWrite,
    /// `ro`
    ReadOnly,
    /// `null`: the member has no running server (no quorum, not read-only either).
    NotServing,
}

/// `mntr`: "zk_<key>\t<value>" lines in any order. Keys are stored WITHOUT the zk_ prefix;
/// unknown keys are kept. A single-space separator is tolerated (for hand-edited or
/// whitespace-mangled captures) and blank lines are skipped. The reply is judged as a whole:
/// one line of another shape, a control byte or an impossible figure rejects all of it, so a
/// peer that is not a ZooKeeper server cannot slip a few plausible lines into the figures.
/// Duplicate keys: the last one wins.
pub fn parse_mntr(text: &str) -> Result<Reply<Metrics>, ParseError> {
    check_bytes("mntr", text)?;
    if let Some(r) = refusal(text) {
        return Ok(r);
    }
    // One allocation for the figures of every known name; each line is one hash of its
    // name and no allocation unless its value is text (this runs for every member every
    // round: a 1,000-member fleet parses half a million lines a second).
    let mut metrics = Metrics::with_known_slots();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (key, value) = mntr_line(line).ok_or_else(|| {
            ParseError::rejected(
                "mntr",
                &format!("line {} is not \"zk_<key>\\t<value>\"", n + 1),
                text,
            )
        })?;
        let value = MetricValue::parse(value);
        check_figure(key, &value).map_err(|why| ParseError::rejected("mntr", &why, text))?;
        // A key given twice keeps its last value.
        metrics.put(key, value);
    }
    if metrics.is_empty() {
        return Err(ParseError::unexpected(
            "mntr lines \"zk_<key>\\t<value>\"",
            text,
        ));
    }
    Ok(Reply::Ok(metrics))
}

fn mntr_line(line: &str) -> Option<(&str, &str)> {
    let line = line.trim_end_matches('\r');
    let (key, value) = match line.split_once('\t') {
        Some((k, v)) => (k.trim(), v),
        None => line.trim().split_once(' ')?,
    };
    let key = key.strip_prefix("zk_")?;
    plausible_key(key).then_some((key, value))
}

fn plausible_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// Figures no ZooKeeper counter reaches: past 2^53 a double no longer holds every integer,
/// and the saturated values (`Long.MAX_VALUE`, an overflowed `u64`) lie beyond it.
const LARGEST_FIGURE: f64 = 9_007_199_254_740_992.0;

/// Keys that are counts, sizes or durations: numbers, never negative. Other keys may be
/// negative (the leader's proposal sizes start at -1) or text, and unknown keys are kept.
/// A `match` rather than a list searched in order: every key of every `mntr` reply of every
/// member passes here each round (a 1,000-member fleet: half a million a second).
fn non_negative(key: &str) -> bool {
    matches!(
        key,
        "avg_latency"
            | "min_latency"
            | "max_latency"
            | "packets_received"
            | "packets_sent"
            | "num_alive_connections"
            | "outstanding_requests"
            | "znode_count"
            | "watch_count"
            | "ephemerals_count"
            | "approximate_data_size"
            | "open_file_descriptor_count"
            | "max_file_descriptor_count"
            | "learners"
            | "followers"
            | "synced_followers"
            | "synced_non_voting_followers"
            | "synced_observers"
            | "pending_syncs"
            | "quorum_size"
            | "uptime"
            | "avg_fsynctime"
            | "p99_readlatency"
            | "p99_updatelatency"
    )
}

/// One figure of `mntr` or the AdminServer's `monitor`, judged by what its key means.
fn check_figure(key: &str, value: &MetricValue) -> Result<(), String> {
    let known_number = non_negative(key);
    match value {
        MetricValue::Text(t) if known_number => Err(format!("{key} is not a number: {t:?}")),
        MetricValue::Text(t) if key == "server_state" && ServerMode::parse(t).is_none() => {
            Err(format!("server_state {t:?} is no ZooKeeper mode"))
        }
        MetricValue::Text(t) => check_text_value(key, t),
        v => {
            let x = v.as_f64().unwrap_or(f64::NAN);
            if !x.is_finite() || x.abs() >= LARGEST_FIGURE {
                Err(format!("{key} = {v} is out of range"))
            } else if known_number && x < 0.0 {
                Err(format!("{key} = {v} is negative"))
            } else {
                Ok(())
            }
        }
    }
}

fn check_text_value(key: &str, t: &str) -> Result<(), String> {
    if t.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Ok(());
    }
    match t.chars().find(|c| unsafe_to_show(*c) || *c == '\u{fffd}') {
        Some(c) => Err(format!("{key} holds the character {:?}", c)),
        None => Ok(()),
    }
}

/// ZooKeeper's text replies are printable text in lines: a NUL, a terminal escape, another
/// control character, an invisible or bidirectional mark, or bytes that were not UTF-8 (the
/// transport shows them as U+FFFD) mean the peer is something else.
pub(crate) fn check_bytes(command: &str, text: &str) -> Result<(), ParseError> {
    // The usual reply: printable ASCII in lines, judged byte by byte without decoding.
    if plain_ascii(text) {
        return Ok(());
    }
    let bad = text
        .chars()
        .find(|c| !matches!(c, '\t' | '\r' | '\n') && (unsafe_to_show(*c) || *c == '\u{fffd}'));
    match bad {
        Some(c) => Err(ParseError::rejected(
            command,
            &format!("it holds the character {}", c.escape_default()),
            text,
        )),
        None => Ok(()),
    }
}

/// Printable ASCII, tabs and line ends only: nothing `unsafe_to_show` can object to.
fn plain_ascii(text: &str) -> bool {
    text.bytes()
        .all(|b| (0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\r' | b'\n'))
}

/// `srvr`, and `stat` (srvr plus "Clients:" lines, which are ignored). Missing fields stay
/// `None`; a reply with none of the known fields is an error. Judged as a whole, like `mntr`:
/// every line is "Key: value" (or a client line of `stat`), and the known fields must hold
/// what ZooKeeper prints there.
pub fn parse_srvr(text: &str) -> Result<Reply<Srvr>, ParseError> {
    check_bytes("srvr", text)?;
    if let Some(r) = refusal(text) {
        return Ok(r);
    }
    let mut s = Srvr::default();
    let mut in_clients = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            in_clients = false;
            continue;
        }
        if line.trim() == "Clients:" {
            in_clients = true;
            continue;
        }
        if in_clients && line.starts_with(char::is_whitespace) {
            continue;
        }
        let reject = |why: String| ParseError::rejected("srvr", &why, text);
        let (key, value) = srvr_line(line)
            .ok_or_else(|| reject(format!("line {} is not \"Key: value\"", n + 1)))?;
        srvr_field(&mut s, key, value).map_err(|why| reject(format!("{key}: {why}")))?;
    }
    if s == Srvr::default() {
        return Err(ParseError::unexpected(
            "srvr lines such as \"Mode: leader\"",
            text,
        ));
    }
    Ok(Reply::Ok(s))
}

fn srvr_line(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim();
    let plausible = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '/' | '_' | '-'));
    plausible.then_some((key, value.trim()))
}

/// Fills one known `srvr` field; unknown keys are kept out but allowed (versions add some).
fn srvr_field(s: &mut Srvr, key: &str, value: &str) -> Result<(), String> {
    match key {
        "Zookeeper version" => s.version = Some(value.to_string()).filter(|v| !v.is_empty()),
        "Latency min/avg/max" => {
            let parts: Vec<&str> = value.split('/').collect();
            let [min, avg, max] = parts[..] else {
                return Err(format!("expected min/avg/max, got {value:?}"));
            };
            s.latency_min = Some(srvr_figure(min)?);
            s.latency_avg = Some(srvr_figure(avg)?);
            s.latency_max = Some(srvr_figure(max)?);
        }
        "Received" => s.received = Some(srvr_count(value)?),
        "Sent" => s.sent = Some(srvr_count(value)?),
        "Connections" => s.connections = Some(srvr_count(value)?),
        "Outstanding" => s.outstanding = Some(srvr_count(value)?),
        "Node count" => s.node_count = Some(srvr_count(value)?),
        "Zxid" => s.zxid = Some(parse_zxid(value).ok_or(format!("{value:?} is no zxid"))?),
        "Mode" => s.mode = Some(ServerMode::parse(value).ok_or(format!("{value:?} is no mode"))?),
        _ => {}
    }
    Ok(())
}

/// A non-negative figure below the saturated range.
fn srvr_figure(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && (0.0..LARGEST_FIGURE).contains(&x) => Ok(x),
        _ => Err(format!("{:?} is not a figure in range", text.trim())),
    }
}

fn srvr_count(text: &str) -> Result<i64, String> {
    match text.trim().parse::<i64>() {
        Ok(i) if i >= 0 && (i as f64) < LARGEST_FIGURE => Ok(i),
        _ => Err(format!("{:?} is not a count in range", text.trim())),
    }
}

/// The `conf` reply: the answering server's own id and the membership it knows.
#[derive(Debug, Clone, PartialEq)]
pub struct Conf {
    /// `serverId=`: who answered, in its own words. What an assumed address is checked by.
    pub server_id: Option<u64>,
    /// The `server.N=` lines (and `version=`); empty for a standalone server.
    pub membership: EnsembleConfig,
}

/// `conf`: `key=value` lines, then (3.5+) `membership: ` and the membership text. Judged as
/// a whole like the other replies; `serverId` must be an id.
pub fn parse_conf(text: &str) -> Result<Reply<Conf>, ParseError> {
    check_bytes("conf", text)?;
    if let Some(r) = refusal(text) {
        return Ok(r);
    }
    let reject = |why: String| ParseError::rejected("conf", &why, text);
    let mut server_id = None;
    let mut seen = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line == "membership:" {
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .filter(|(k, _)| plausible_key(k.trim()))
            .ok_or_else(|| reject(format!("line {} is not \"key=value\"", n + 1)))?;
        seen = true;
        if key.trim() == "serverId" {
            let id = value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|i| (*i as f64) < LARGEST_FIGURE);
            server_id = Some(id.ok_or_else(|| reject(format!("serverId {value:?} is no id")))?);
        }
    }
    if !seen {
        return Err(ParseError::unexpected("conf lines \"key=value\"", text));
    }
    let membership =
        EnsembleConfig::parse(text).map_err(|e| reject(format!("its membership: {e}")))?;
    Ok(Reply::Ok(Conf {
        server_id,
        membership,
    }))
}

/// `isro`: "rw" / "ro" / "null". "null" is `Reply::Ok(Isro::NotServing)`: it is isro's own
/// answer, not the generic refusal text.
pub fn parse_isro(text: &str) -> Result<Reply<Isro>, ParseError> {
    check_bytes("isro", text)?;
    match text.trim() {
        "rw" => Ok(Reply::Ok(Isro::ReadWrite)),
        "ro" => Ok(Reply::Ok(Isro::ReadOnly)),
        "null" => Ok(Reply::Ok(Isro::NotServing)),
        _ => {
            refusal(text).ok_or_else(|| ParseError::unexpected("\"rw\", \"ro\" or \"null\"", text))
        }
    }
}

/// `ruok`: "imok" -> true. An empty reply (the connection closed without an answer) or a
/// not-serving refusal -> false. A whitelist refusal is an error rather than `false`, because
/// the process evidently lives and a `false` would say otherwise.
pub fn parse_ruok(text: &str) -> Result<bool, ParseError> {
    match text.trim() {
        "imok" => Ok(true),
        "" => Ok(false),
        _ => match refusal::<()>(text) {
            Some(Reply::NotServing) => Ok(false),
            Some(Reply::NotWhitelisted { command }) => Err(ParseError {
                message: format!("{command} is not in 4lw.commands.whitelist"),
                not_zookeeper: false,
            }),
            _ => Err(ParseError::unexpected("\"imok\"", text)),
        },
    }
}

/// AdminServer `GET /commands/monitor`. Numbers become Int (Float when not an i64), strings
/// Text, booleans Text("true"/"false") as mntr would print them; null, nested objects and
/// arrays are skipped (3.8's monitor is flat, and flattened names would not match mntr's);
/// "command" and "error" are dropped.
pub fn parse_admin_monitor(http_status: u16, body: &str) -> Result<Reply<Metrics>, ParseError> {
    // Not serving makes 3.8's monitor dereference a null zkServer. Older JVMs print a bare
    // NullPointerException without the helpful message, so either signal counts.
    if http_status == 500
        && (body.contains("NullPointerException")
            || (body.contains("zkServer") && body.contains("is null")))
    {
        return Ok(Reply::NotServing);
    }
    if http_status != 200 {
        return Err(ParseError::http("monitor", http_status, body));
    }
    check_bytes("monitor", body)?;
    let obj = json_object(body, "an AdminServer monitor JSON object")?;
    if let Some(r) = admin_error(&obj) {
        return r;
    }
    let reject = |why: String| ParseError::rejected("monitor", &why, body);
    let mut metrics = Metrics::new();
    for (key, value) in obj {
        if key == "command" || key == "error" {
            continue;
        }
        let v = match value {
            Value::Number(n) => match n.as_i64() {
                Some(i) => MetricValue::Int(i),
                // Beyond i64 (an overflowed u64): kept as a float so the range check sees it.
                None => MetricValue::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => MetricValue::Text(s.into()),
            Value::Bool(b) => text_value(if b { "true" } else { "false" }),
            Value::Null | Value::Array(_) | Value::Object(_) => continue,
        };
        if !plausible_key(&key) {
            return Err(reject(format!("a key {:?}", excerpt(&key))));
        }
        check_figure(&key, &v).map_err(reject)?;
        metrics.insert(key, v);
    }
    if metrics.is_empty() {
        return Err(ParseError::unexpected("AdminServer monitor metrics", body));
    }
    Ok(Reply::Ok(metrics))
}

/// AdminServer `GET /commands/zabstate`. `last_zxid` is a hex string ("0x100000008").
/// Fields the server left out stay `None`; a reply with none of them is an error (naming the
/// server's "error" if it sent one).
pub fn parse_admin_zabstate(http_status: u16, body: &str) -> Result<ZabState, ParseError> {
    if http_status != 200 {
        return Err(ParseError::http("zabstate", http_status, body));
    }
    check_bytes("zabstate", body)?;
    let obj = json_object(body, "an AdminServer zabstate JSON object")?;
    check_zabstate(&obj).map_err(|why| ParseError::rejected("zabstate", &why, body))?;
    let zab = ZabState {
        myid: obj.get("myid").and_then(Value::as_u64),
        is_leader: obj.get("is_leader").and_then(Value::as_bool),
        voting: obj.get("voting").and_then(Value::as_bool),
        last_zxid: obj.get("last_zxid").and_then(|v| match v {
            Value::String(s) => parse_zxid(s),
            _ => v.as_u64(),
        }),
        zab_epoch: obj.get("zab_epoch").and_then(Value::as_u64),
        zabstate: obj
            .get("zabstate")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    };
    if zab == ZabState::default() {
        return Err(match admin_error::<()>(&obj) {
            Some(Err(e)) => e,
            _ => ParseError::unexpected("zabstate fields such as \"voting\"", body),
        });
    }
    Ok(zab)
}

/// The fields the console reads hold what ZooKeeper prints there, or are absent.
fn check_zabstate(obj: &Map<String, Value>) -> Result<(), String> {
    for key in ["myid", "zab_epoch"] {
        match obj.get(key) {
            None | Some(Value::Null) => {}
            Some(v) => match v.as_u64() {
                Some(n) if (n as f64) < LARGEST_FIGURE => {}
                _ => return Err(format!("{key} = {v} is not an id in range")),
            },
        }
    }
    for key in ["is_leader", "voting"] {
        if !matches!(obj.get(key), None | Some(Value::Null | Value::Bool(_))) {
            return Err(format!("{key} is not true or false"));
        }
    }
    match obj.get("last_zxid") {
        None | Some(Value::Null) => {}
        Some(Value::String(z)) if parse_zxid(z).is_some() => {}
        Some(Value::Number(n)) if n.as_u64().is_some() => {}
        Some(v) => return Err(format!("last_zxid {v} is no zxid")),
    }
    match obj.get("zabstate") {
        Some(Value::String(t)) => check_text_value("zabstate", t),
        _ => Ok(()),
    }
}

fn json_object(body: &str, expected: &str) -> Result<Map<String, Value>, ParseError> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(obj)) => Ok(obj),
        _ => Err(ParseError::unexpected(expected, body)),
    }
}

/// AdminServer commands report failure in an "error" field of an HTTP 200 reply.
fn admin_error<T>(obj: &Map<String, Value>) -> Option<Result<Reply<T>, ParseError>> {
    let text = match obj.get("error")? {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Some(refusal(&text).ok_or_else(|| ParseError {
        message: format!("AdminServer reported an error: {}", describe(&text)),
        not_zookeeper: false,
    }))
}

/// "0x100000008" or "100000008" (hex) -> u64.
pub fn parse_zxid(s: &str) -> Option<u64> {
    let s = s.trim();
    let hex = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    // from_str_radix would also take a leading '+'.
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

/// The two server-side refusals any 4lw can answer with (and the AdminServer's "error" text).
/// Only the first non-blank line is looked at, so a metric value that happens to contain the
/// words cannot trigger it.
pub fn refusal<T>(text: &str) -> Option<Reply<T>> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    if line.contains("not currently serving requests") {
        return Some(Reply::NotServing);
    }
    let (before, _) = line.split_once(" is not executed because it is not in the whitelist")?;
    let command = before.split_whitespace().last()?;
    Some(Reply::NotWhitelisted {
        command: command.to_string(),
    })
}

const EXCERPT_MAX: usize = 80;

fn describe(got: &str) -> String {
    let got = got.trim();
    if got.is_empty() {
        "an empty reply".to_string()
    } else {
        format!("\"{}\"", excerpt(got))
    }
}

/// At most EXCERPT_MAX chars, with anything that could garble a terminal escaped.
fn excerpt(s: &str) -> String {
    let mut out = String::new();
    let mut chars = 0;
    let mut cut = 0;
    for c in s.chars() {
        if chars < EXCERPT_MAX {
            cut = out.len();
        }
        if unsafe_to_show(c) {
            for e in c.escape_default() {
                out.push(e);
                chars += 1;
            }
        } else {
            out.push(c);
            chars += 1;
        }
        if chars > EXCERPT_MAX {
            // `cut` is a piece boundary holding < EXCERPT_MAX chars, so the ellipsis fits.
            out.truncate(cut);
            out.push('…');
            break;
        }
    }
    out
}

fn unsafe_to_show(c: char) -> bool {
    // Control chars move the cursor; zero-width and bidi overrides disguise text.
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Learners a leader counts, and its followers in sync, under either version's names:
/// 3.5's `zk_followers`, 3.6+'s `zk_learners`; `zk_synced_followers` in both.
pub fn learner_counts(m: &Metrics) -> (Option<i64>, Option<i64>) {
    let get = |k: &str| m.get(k).and_then(MetricValue::as_i64);
    (
        get("learners").or_else(|| get("followers")),
        get("synced_followers"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::mem::discriminant;

    const MNTR_LEADER: &str = include_str!("../../tests/fixtures/mntr_leader.txt");
    const MNTR_FOLLOWER: &str = include_str!("../../tests/fixtures/mntr_follower.txt");
    const ADMIN_LEADER_MONITOR: &str =
        include_str!("../../tests/fixtures/admin_leader_monitor.json");
    const ADMIN_FOLLOWER_MONITOR: &str =
        include_str!("../../tests/fixtures/admin_follower_monitor.json");

    fn ok<T: std::fmt::Debug>(r: Result<Reply<T>, ParseError>) -> T {
        match r {
            Ok(Reply::Ok(t)) => t,
            other => panic!("expected Reply::Ok, got {other:?}"),
        }
    }

    fn non_blank_lines(s: &str) -> usize {
        s.lines().filter(|l| !l.trim().is_empty()).count()
    }

    #[test]
    fn mntr_leader() {
        let m = ok(parse_mntr(MNTR_LEADER));
        assert_eq!(m.len(), non_blank_lines(MNTR_LEADER));
        assert_eq!(m["server_state"], MetricValue::Text("leader".into()));
        assert_eq!(m["synced_followers"], MetricValue::Int(2));
        assert_eq!(m["learners"], MetricValue::Int(2));
        assert_eq!(m["quorum_size"], MetricValue::Int(3));
        assert_eq!(m["avg_latency"], MetricValue::Float(3.75));
        assert_eq!(m["connection_drop_probability"], MetricValue::Float(0.0));
        assert!(m.contains_key("p99_jvm_pause_time_ms"));
        assert!(!m.keys().any(|k| k.starts_with("zk_")));
        assert_eq!(
            m["version"],
            MetricValue::Text("3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC".into())
        );
    }

    #[test]
    fn mntr_follower() {
        let m = ok(parse_mntr(MNTR_FOLLOWER));
        assert_eq!(m.len(), non_blank_lines(MNTR_FOLLOWER));
        assert_eq!(m["server_state"], MetricValue::Text("follower".into()));
        assert_eq!(
            m["peer_state"],
            MetricValue::Text("following - broadcast".into())
        );
        assert_eq!(m["quorum_size"], MetricValue::Int(3));
        assert!(!m.contains_key("learners"));
        assert!(!m.contains_key("synced_followers"));
    }

    const VERSION_MNTRS: [&str; 4] = [
        include_str!("../../tests/fixtures/versions/3.5_mntr_leader.txt"),
        include_str!("../../tests/fixtures/versions/3.6_mntr_leader.txt"),
        include_str!("../../tests/fixtures/versions/3.7_mntr_leader.txt"),
        include_str!("../../tests/fixtures/versions/3.9_mntr_leader.txt"),
    ];

    /// The JSON `status --json` prints for the figures is what the string-keyed map it
    /// replaced printed: every name, in name order, each value as the server gave it.
    #[test]
    fn parsed_figures_serialize_as_the_sorted_map_of_every_line() {
        for text in [MNTR_LEADER, MNTR_FOLLOWER].iter().chain(&VERSION_MNTRS) {
            let m = ok(parse_mntr(text));
            let map: std::collections::BTreeMap<String, MetricValue> = text
                .lines()
                .filter_map(mntr_line)
                .map(|(k, v)| (k.to_string(), MetricValue::parse(v)))
                .collect();
            assert_eq!(m.len(), map.len());
            assert_eq!(
                serde_json::to_string(&m).unwrap(),
                serde_json::to_string(&map).unwrap()
            );
        }
    }

    /// Every name of every recorded reply is in the table of known names: a figure outside
    /// it costs its name's allocation in every snapshot of every member.
    #[test]
    fn every_recorded_name_is_a_known_one() {
        let texts = [MNTR_LEADER, MNTR_FOLLOWER];
        for text in texts.iter().chain(&VERSION_MNTRS) {
            for (k, _) in text.lines().filter_map(mntr_line) {
                assert!(crate::ensemble::metrics::is_known(k), "{k}");
            }
        }
        for body in [ADMIN_LEADER_MONITOR, ADMIN_FOLLOWER_MONITOR] {
            for k in ok(parse_admin_monitor(200, body)).keys() {
                assert!(crate::ensemble::metrics::is_known(k), "{k}");
            }
        }
    }

    #[test]
    fn mntr_tolerates_crlf_spaces_and_blanks() {
        let text = "\r\nzk_a\t1\r\nzk_b 2.5\r\n\r\nzk_c\tx y\r\n";
        let m = ok(parse_mntr(text));
        assert_eq!(m.len(), 3);
        assert_eq!(m["a"], MetricValue::Int(1));
        assert_eq!(m["b"], MetricValue::Float(2.5));
        assert_eq!(m["c"], MetricValue::Text("x y".into()));
        assert!(parse_mntr("").is_err());
    }

    /// What a peer that is not ZooKeeper sends, each rejected whole, saying why and quoting
    /// the start of the reply escaped.
    #[test]
    fn mntr_rejects_replies_that_are_not_zookeepers() {
        let valid = "zk_server_state\tleader\nzk_num_alive_connections\t3\n";
        let hostile = [
            format!("\u{1b}[2J\u{1b}]0;owned\u{7}{valid}"),
            format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n{valid}"),
            format!("{valid}this line is prose\n"),
            format!("{valid}zk_packets_sent\t9223372036854775807\n"),
            format!("{valid}zk_packets_sent\t18446744073709551615\n"),
            format!("{valid}zk_avg_latency\t-5\n"),
            format!("{valid}zk_outstanding_requests\tmany\n"),
            format!("{valid}zk_some_new_key\t-9223372036854775808\n"),
            format!("{valid}zk_version\t3.8\u{0}\n"),
            "zk_server_state\tpwned\n".to_string(),
            format!("\u{fffd}\u{fffd}PK\u{3}\u{4}{valid}"),
        ];
        for text in &hostile {
            let e = parse_mntr(text).unwrap_err();
            assert!(e.not_zookeeper, "{text:?}: {e}");
            assert!(e.message.contains("not a ZooKeeper reply to mntr"), "{e}");
            assert!(!e.message.chars().any(unsafe_to_show), "{e:?}");
        }
        let e = parse_mntr(&hostile[0]).unwrap_err();
        assert!(e.message.contains(r"\u{1b}[2J"), "quotes the start: {e}");
        assert!(!parse_mntr("").unwrap_err().not_zookeeper);
    }

    /// Other versions' shapes are not rejected: 3.5's integer latency and `zk_followers`,
    /// unknown keys with negative or textual values (proposal sizes start at -1).
    #[test]
    fn mntr_of_other_versions_is_accepted() {
        let v35 = "zk_version\t3.5.9-83df9301aa5c2a5d284a9940177808c01bc35cef, built on 01/06/2021 20:03 GMT\n\
                   zk_avg_latency\t0\nzk_max_latency\t12\nzk_min_latency\t0\n\
                   zk_packets_received\t120\nzk_server_state\tleader\nzk_followers\t2\n\
                   zk_synced_followers\t2\nzk_last_proposal_size\t-1\nzk_max_proposal_size\t-1\n";
        let m = ok(parse_mntr(v35));
        assert_eq!(m["avg_latency"], MetricValue::Int(0));
        assert_eq!(m["last_proposal_size"], MetricValue::Int(-1));
        assert_eq!(m["followers"], MetricValue::Int(2));
    }

    #[test]
    fn srvr_rejects_replies_that_are_not_zookeepers() {
        let valid = include_str!("../../tests/fixtures/leader_srvr.txt");
        let hostile = [
            format!("HTTP/1.1 400 Bad Request\r\n\r\n{valid}"),
            format!("\u{1b}[31m{valid}"),
            valid.replace("Received: 11", "Received: 9223372036854775807"),
            valid.replace("Connections: 2", "Connections: -2"),
            valid.replace("Mode: leader", "Mode: overlord"),
            valid.replace("0/2.2857/6", "0/-5/6"),
            valid.replace("Zxid: 0x100000008", "Zxid: 0xZZ"),
        ];
        for text in &hostile {
            let e = parse_srvr(text).unwrap_err();
            assert!(e.not_zookeeper, "{text:?}: {e}");
        }
        // A version's extra line (unknown key) is no reason to reject.
        let extra = format!("{valid}Some new field: 42\n");
        assert_eq!(ok(parse_srvr(&extra)).mode, Some(ServerMode::Leader));
        let proposal = valid.replace(
            "Node count: 8",
            "Node count: 8\nProposal sizes last/min/max: -1/-1/-1",
        );
        assert_eq!(ok(parse_srvr(&proposal)).node_count, Some(8));
    }

    #[test]
    fn conf_gives_the_answering_server_and_rejects_junk() {
        let c = ok(parse_conf(include_str!(
            "../../tests/fixtures/leader_conf.txt"
        )));
        assert_eq!(c.server_id, Some(3));
        assert_eq!(c.membership.servers.len(), 3);
        let f = ok(parse_conf(include_str!(
            "../../tests/fixtures/follower_conf.txt"
        )));
        assert!(f.server_id.is_some());
        // The static format: no client port in the server lines.
        let fixed = "clientPort=2181\nserverId=2\nmembership: \n\
                     server.1=10.0.0.1:2888:3888:participant\n\
                     server.2=10.0.0.2:2888:3888:participant\nversion=0";
        let s = ok(parse_conf(fixed));
        assert_eq!((s.server_id, s.membership.servers.len()), (Some(2), 2));
        for bad in [
            "serverId=-1\n",
            "serverId=9223372036854775807\n",
            "\u{1b}[2JserverId=1\n",
            "HTTP/1.1 200 OK\nserverId=1\n",
        ] {
            assert!(parse_conf(bad).unwrap_err().not_zookeeper, "{bad:?}");
        }
        assert_eq!(
            parse_conf(include_str!("../../tests/fixtures/notserving_srvr.txt")),
            Ok(Reply::NotServing)
        );
    }

    #[test]
    fn admin_json_with_impossible_figures_is_rejected() {
        for body in [
            r#"{"server_state":"leader","num_alive_connections":9223372036854775807}"#,
            r#"{"server_state":"leader","packets_sent":18446744073709551615}"#,
            r#"{"server_state":"leader","avg_latency":-5}"#,
            r#"{"server_state":"leader\u001b[2J","avg_latency":1}"#,
        ] {
            let e = parse_admin_monitor(200, body).unwrap_err();
            assert!(e.not_zookeeper, "{body}: {e}");
        }
        for body in [
            r#"{"myid":-1,"voting":true}"#,
            r#"{"myid":1,"voting":"yes"}"#,
            r#"{"myid":1,"last_zxid":"nope"}"#,
        ] {
            assert!(
                parse_admin_zabstate(200, body).unwrap_err().not_zookeeper,
                "{body}"
            );
        }
    }

    #[test]
    fn isro_rejects_escapes() {
        assert!(parse_isro("\u{1b}[2Jrw").unwrap_err().not_zookeeper);
    }

    #[test]
    fn mntr_key_given_twice_keeps_the_last_value() {
        let m = ok(parse_mntr("zk_b\t1\nzk_a\t2\nzk_b\t3\nzk_b\t4\n"));
        assert_eq!(m.len(), 2);
        assert_eq!(m["b"], MetricValue::Int(4));
        assert_eq!(m["a"], MetricValue::Int(2));
    }

    #[test]
    fn srvr_leader() {
        let s = ok(parse_srvr(include_str!(
            "../../tests/fixtures/leader_srvr.txt"
        )));
        assert_eq!(
            s,
            Srvr {
                version: Some("3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC".into()),
                latency_min: Some(0.0),
                latency_avg: Some(2.2857),
                latency_max: Some(6.0),
                received: Some(11),
                sent: Some(14),
                connections: Some(2),
                outstanding: Some(0),
                zxid: Some(0x1_0000_0008),
                mode: Some(ServerMode::Leader),
                node_count: Some(8),
            }
        );
    }

    #[test]
    fn srvr_follower_and_standalone() {
        let f = ok(parse_srvr(include_str!(
            "../../tests/fixtures/follower_srvr.txt"
        )));
        assert_eq!(f.mode, Some(ServerMode::Follower));
        assert_eq!((f.latency_avg, f.latency_max), (Some(6.0), Some(52.0)));
        assert_eq!((f.received, f.sent), (Some(19), Some(22)));
        assert_eq!(f.zxid, Some(0x1_0000_0008));

        let s = ok(parse_srvr(include_str!(
            "../../tests/fixtures/standalone_srvr.txt"
        )));
        assert_eq!(s.mode, Some(ServerMode::Standalone));
        assert_eq!(s.zxid, Some(0));
        assert_eq!(s.node_count, Some(5));
        assert_eq!(s.connections, Some(1));
    }

    #[test]
    fn stat_ignores_client_lines() {
        let s = ok(parse_srvr(include_str!(
            "../../tests/fixtures/leader_stat.txt"
        )));
        assert_eq!(s.mode, Some(ServerMode::Leader));
        assert_eq!(
            (s.received, s.sent, s.connections),
            (Some(12), Some(15), Some(2))
        );
        assert_eq!(s.node_count, Some(8));
        let f = ok(parse_srvr(include_str!(
            "../../tests/fixtures/follower_stat.txt"
        )));
        assert_eq!(f.mode, Some(ServerMode::Follower));
        assert!(parse_srvr("Clients:\n /127.0.0.1:1[0](queued=0)\n").is_err());
    }

    #[test]
    fn srvr_metrics_match_mntr_names_and_types() {
        let srvr = ok(parse_srvr(include_str!(
            "../../tests/fixtures/leader_srvr.txt"
        )));
        let from_srvr = srvr.to_metrics();
        let mntr = ok(parse_mntr(MNTR_LEADER));
        assert_eq!(from_srvr.len(), 11);
        assert_eq!(from_srvr["zxid"], MetricValue::Text("0x100000008".into()));
        for (k, v) in from_srvr.iter().filter(|(k, _)| *k != "zxid") {
            let m = mntr.get(k).unwrap_or_else(|| panic!("mntr lacks {k}"));
            assert_eq!(discriminant(v), discriminant(m), "{k}: {v:?} vs {m:?}");
        }
        assert_eq!(from_srvr["server_state"], mntr["server_state"]);
        assert_eq!(from_srvr["version"], mntr["version"]);
        assert!(Srvr::default().to_metrics().is_empty());
    }

    #[test]
    fn not_serving_replies() {
        let srvr = include_str!("../../tests/fixtures/notserving_srvr.txt");
        let mntr = include_str!("../../tests/fixtures/notserving_mntr.txt");
        assert_eq!(parse_srvr(srvr), Ok(Reply::NotServing));
        assert_eq!(parse_mntr(mntr), Ok(Reply::NotServing));
        assert_eq!(
            parse_isro(include_str!("../../tests/fixtures/notserving_isro.txt")),
            Ok(Reply::Ok(Isro::NotServing))
        );
        // ruok proves only that the process lives.
        assert_eq!(
            parse_ruok(include_str!("../../tests/fixtures/notserving_ruok.txt")),
            Ok(true)
        );
        assert_eq!(parse_isro(srvr), Ok(Reply::NotServing));
    }

    #[test]
    fn whitelist_refusal_keeps_command() {
        let text = include_str!("../../tests/fixtures/whitelist_refused_mntr.txt");
        let want = Reply::NotWhitelisted {
            command: "mntr".into(),
        };
        assert_eq!(parse_mntr(text), Ok(want.clone()));
        assert_eq!(
            refusal::<()>(text),
            Some(Reply::NotWhitelisted {
                command: "mntr".into()
            })
        );
        assert_eq!(
            parse_srvr("srvr is not executed because it is not in the whitelist.\n"),
            Ok(Reply::NotWhitelisted {
                command: "srvr".into()
            })
        );
        let e = parse_ruok("ruok is not executed because it is not in the whitelist.").unwrap_err();
        assert!(e.message.contains("whitelist"), "{e}");
        assert_eq!(refusal::<()>(MNTR_LEADER), None);
    }

    #[test]
    fn isro_and_ruok() {
        for f in [
            include_str!("../../tests/fixtures/leader_isro.txt"),
            include_str!("../../tests/fixtures/follower_isro.txt"),
        ] {
            assert_eq!(parse_isro(f), Ok(Reply::Ok(Isro::ReadWrite)));
        }
        assert_eq!(parse_isro("ro\n"), Ok(Reply::Ok(Isro::ReadOnly)));
        assert!(parse_isro("maybe").is_err());
        assert_eq!(
            parse_ruok(include_str!("../../tests/fixtures/leader_ruok.txt")),
            Ok(true)
        );
        assert_eq!(parse_ruok(""), Ok(false));
        assert!(parse_ruok("HTTP/1.1 400 Bad Request").is_err());
    }

    fn assert_monitor_matches_mntr(json: &str, mntr: &str) {
        let admin = ok(parse_admin_monitor(200, json));
        let mntr = ok(parse_mntr(mntr));
        assert!(!admin.contains_key("command") && !admin.contains_key("error"));
        let mut shared = 0;
        for (k, v) in &admin {
            if let Some(m) = mntr.get(k) {
                assert_eq!(discriminant(v), discriminant(m), "{k}: {v:?} vs {m:?}");
                shared += 1;
            }
        }
        assert!(shared > 400, "only {shared} shared keys");
        for k in ["server_state", "version", "peer_state", "quorum_size"] {
            assert_eq!(admin[k], mntr[k], "{k}");
        }
    }

    #[test]
    fn admin_monitor_matches_mntr() {
        assert_monitor_matches_mntr(ADMIN_LEADER_MONITOR, MNTR_LEADER);
        assert_monitor_matches_mntr(ADMIN_FOLLOWER_MONITOR, MNTR_FOLLOWER);
        let m = ok(parse_admin_monitor(200, ADMIN_LEADER_MONITOR));
        assert_eq!(m.len(), 539);
        assert_eq!(m["avg_latency"], MetricValue::Float(1.7));
        assert_eq!(m["learners"], MetricValue::Int(2));
    }

    #[test]
    fn admin_monitor_failures() {
        let html = include_str!("../../tests/fixtures/notserving_admin_monitor.txt");
        assert_eq!(parse_admin_monitor(500, html), Ok(Reply::NotServing));
        let e = parse_admin_monitor(404, "<html>Not Found</html>").unwrap_err();
        assert!(e.message.contains("404"), "{e}");
        assert!(parse_admin_monitor(500, "<html>disk full</html>").is_err());
        let body = r#"{"command":"monitor","error":"This ZooKeeper instance is not currently serving requests"}"#;
        assert_eq!(parse_admin_monitor(200, body), Ok(Reply::NotServing));
        let e = parse_admin_monitor(200, r#"{"command":"monitor","error":"boom"}"#).unwrap_err();
        assert!(e.message.contains("boom"), "{e}");
        assert!(parse_admin_monitor(200, "[1,2]").is_err());
        assert!(parse_admin_monitor(200, r#"{"command":"monitor","error":null}"#).is_err());
    }

    #[test]
    fn admin_zabstate() {
        let leader = include_str!("../../tests/fixtures/admin_leader_zabstate.json");
        assert_eq!(
            parse_admin_zabstate(200, leader),
            Ok(ZabState {
                myid: Some(3),
                is_leader: Some(true),
                voting: Some(true),
                last_zxid: Some(0x1_0000_0008),
                zab_epoch: Some(1),
                zabstate: Some("broadcast".into()),
            })
        );
        let ns = include_str!("../../tests/fixtures/notserving_admin_zabstate.json");
        assert_eq!(
            parse_admin_zabstate(200, ns),
            Ok(ZabState {
                voting: Some(false),
                ..ZabState::default()
            })
        );
        assert!(parse_admin_zabstate(503, leader)
            .unwrap_err()
            .message
            .contains("503"));
        let e = parse_admin_zabstate(200, r#"{"command":"zabstate","error":"kaput"}"#).unwrap_err();
        assert!(e.message.contains("kaput"), "{e}");
    }

    #[test]
    fn zxids() {
        assert_eq!(parse_zxid("0x100000008"), Some(0x1_0000_0008));
        assert_eq!(parse_zxid(" 100000008 "), Some(0x1_0000_0008));
        assert_eq!(parse_zxid("0XfFfFfFfFfFfFfFfF"), Some(u64::MAX));
        for bad in ["", "0x", "+1", "0x-1", "zz", "0x10000000000000000", "1 2"] {
            assert_eq!(parse_zxid(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn error_excerpt_is_short_and_escaped() {
        let e = parse_mntr(&format!("\u{1b}[2J\u{202e}evil\0{}", "x".repeat(500))).unwrap_err();
        assert!(e.message.contains(r"\u{1b}[2J\u{202e}evil\u{0}x"), "{e}");
        assert!(!e.message.chars().any(unsafe_to_show), "{e}");
        assert!(e.message.ends_with("…\""), "{e}");
        assert_eq!(excerpt(&"é".repeat(80)).chars().count(), 80);
        assert_eq!(excerpt(&"é".repeat(81)).chars().count(), 80);
        assert!(parse_mntr("   ").unwrap_err().message.contains("empty"));
    }

    fn metric_value() -> impl Strategy<Value = MetricValue> {
        prop_oneof![
            // Figures below the saturated range (what a server prints).
            (-(1i64 << 52)..(1i64 << 52)).prop_map(MetricValue::Int),
            // Whole floats print without a fraction and come back as Int, like the server's.
            (-1.0e12f64..1.0e12)
                .prop_filter("fractional", |f| f.fract() != 0.0)
                .prop_map(MetricValue::Float),
            "[a-zA-Z]([a-zA-Z0-9 ,._:/-]{0,30}[a-zA-Z0-9])?"
                .prop_map(|t: String| MetricValue::Text(t.into())),
        ]
    }

    /// Names a server prints (stored by id) and names it does not (stored by name), among
    /// those whose figures may be any number or text.
    fn metric_key() -> impl Strategy<Value = String> {
        prop_oneof![
            "x[a-z0-9_]{0,30}",
            proptest::sample::select(vec![
                "global_sessions",
                "local_sessions",
                "last_proposal_size",
                "peer_state",
                "sum_readlatency",
                "leader_uptime",
                "zxid",
            ])
            .prop_map(str::to_string),
        ]
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in any::<String>(), status in any::<u16>()) {
            let _ = parse_mntr(&s);
            let _ = parse_srvr(&s);
            let _ = parse_isro(&s);
            let _ = parse_ruok(&s);
            let _ = parse_zxid(&s);
            let _ = refusal::<()>(&s);
            let _ = parse_admin_monitor(status, &s);
            let _ = parse_admin_zabstate(status, &s);
        }

        #[test]
        fn parsers_never_panic_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400), status in any::<u16>()) {
            let s = String::from_utf8_lossy(&bytes);
            for e in [parse_mntr(&s).err(), parse_srvr(&s).err(), parse_isro(&s).err(), parse_admin_monitor(status, &s).err()].into_iter().flatten() {
                prop_assert!(!e.message.chars().any(unsafe_to_show));
            }
            let _ = parse_ruok(&s);
            let _ = parse_admin_zabstate(status, &s);
        }

        #[test]
        fn excerpts_stay_short(s in any::<String>()) {
            prop_assert!(excerpt(&s).chars().count() <= EXCERPT_MAX);
        }

        #[test]
        fn mntr_round_trips(map in proptest::collection::btree_map(metric_key(), metric_value(), 1..40)) {
            let text: String = map.iter().map(|(k, v)| format!("zk_{k}\t{v}\n")).collect();
            prop_assert_eq!(parse_mntr(&text), Ok(Reply::Ok(map.into_iter().collect())));
        }

        #[test]
        fn srvr_round_trips_through_text(
            received in 0i64..(1i64 << 52),
            zxid in any::<u64>(),
            avg in 0.0f64..1.0e6,
        ) {
            let text = format!(
                "Latency min/avg/max: 0/{avg}/9\nReceived: {received}\nZxid: 0x{zxid:x}\nMode: observer\n"
            );
            let s = parse_srvr(&text);
            prop_assert_eq!(s, Ok(Reply::Ok(Srvr {
                latency_min: Some(0.0),
                latency_avg: Some(avg),
                latency_max: Some(9.0),
                received: Some(received),
                zxid: Some(zxid),
                mode: Some(ServerMode::Observer),
                ..Srvr::default()
            })));
        }
    }
}
