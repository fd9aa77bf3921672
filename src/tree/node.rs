//! What the browser shows of one znode: its Stat in readable form, its kind, its ACL, and
//! its data decoded as text, pretty JSON or a hex dump, bounded in size. Pure: no I/O.

use serde::Serialize;

/// ZooKeeper's Stat, as the console keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct NodeStat {
    pub czxid: i64,
    pub mzxid: i64,
    pub pzxid: i64,
    /// Milliseconds since the epoch.
    pub ctime: i64,
    pub mtime: i64,
    pub version: i32,
    pub cversion: i32,
    pub aversion: i32,
    pub ephemeral_owner: i64,
    pub data_length: i32,
    pub num_children: i32,
}

impl From<&zookeeper_client::Stat> for NodeStat {
    fn from(s: &zookeeper_client::Stat) -> Self {
        NodeStat {
            czxid: s.czxid,
            mzxid: s.mzxid,
            pzxid: s.pzxid,
            ctime: s.ctime,
            mtime: s.mtime,
            version: s.version,
            cversion: s.cversion,
            aversion: s.aversion,
            ephemeral_owner: s.ephemeral_owner,
            data_length: s.data_length,
            num_children: s.num_children,
        }
    }
}

/// How the node was created, as far as its Stat and name tell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum NodeKind {
    Persistent,
    /// Owned by a client session; gone when that session ends.
    Ephemeral {
        session: i64,
    },
    /// Deleted by the server once its last child is gone.
    Container,
    /// Persistent with a time to live (the server's "extended" ephemeral owner).
    Ttl,
}

/// Containers and TTL nodes are marked in the ephemeral owner's top byte (ZooKeeper's
/// EphemeralType): 0x80 container, 0xFF TTL. Anything else non-zero is a session id.
pub fn kind_of(stat: &NodeStat) -> NodeKind {
    let owner = stat.ephemeral_owner;
    if owner == 0 {
        return NodeKind::Persistent;
    }
    match ((owner as u64) >> 56) as u8 {
        0x80 if owner as u64 == 0x8000_0000_0000_0000 => NodeKind::Container,
        0xFF => NodeKind::Ttl,
        _ => NodeKind::Ephemeral { session: owner },
    }
}

/// A sequential node's name ends in a 10-digit counter.
pub fn sequence_suffix(name: &str) -> Option<&str> {
    let tail = name.get(name.len().checked_sub(10)?..)?;
    tail.bytes().all(|b| b.is_ascii_digit()).then_some(tail)
}

pub fn kind_text(stat: &NodeStat, name: &str) -> String {
    let base = match kind_of(stat) {
        NodeKind::Persistent => "persistent".to_string(),
        NodeKind::Ephemeral { session } => format!("ephemeral (owner session 0x{session:x})"),
        NodeKind::Container => "container".to_string(),
        NodeKind::Ttl => "persistent with TTL".to_string(),
    };
    match sequence_suffix(name) {
        Some(seq) => format!("{base}, sequential #{seq}"),
        None => base,
    }
}

/// `2026-11-22 05:20:01.123Z`.
pub fn time_text(ms: i64) -> String {
    if ms <= 0 {
        return "-".into();
    }
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms as u64);
    let s = crate::audit::rfc3339(t);
    format!(
        "{}.{:03}Z",
        s.trim_end_matches('Z').replacen('T', " ", 1),
        ms % 1000
    )
}

/// Rows for the inspector: label, value.
pub fn stat_rows(stat: &NodeStat, name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", kind_text(stat, name)),
        ("data length", format!("{} bytes", stat.data_length)),
        ("children", stat.num_children.to_string()),
        ("version", stat.version.to_string()),
        ("cversion", stat.cversion.to_string()),
        ("aversion", stat.aversion.to_string()),
        ("czxid", format!("0x{:x}", stat.czxid)),
        ("mzxid", format!("0x{:x}", stat.mzxid)),
        ("pzxid", format!("0x{:x}", stat.pzxid)),
        ("ctime", time_text(stat.ctime)),
        ("mtime", time_text(stat.mtime)),
    ]
}

/// One ACL entry as text: `digest:alice:… crdwa`.
pub fn acl_text(scheme: &str, id: &str, perms: i32) -> String {
    let p: String = [(1, 'r'), (2, 'w'), (4, 'c'), (8, 'd'), (16, 'a')]
        .iter()
        .map(|(bit, c)| if perms & bit != 0 { *c } else { '-' })
        .collect();
    format!("{scheme}:{id} {p}")
}

/// The most a view renders of a value; the rest is summarised (values go up to ~1 MiB).
pub const DISPLAY_CAP: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    Empty,
    Json(String),
    Text(String),
    Hex(String),
}

impl Decoded {
    pub fn label(&self) -> &'static str {
        match self {
            Decoded::Empty => "empty",
            Decoded::Json(_) => "JSON",
            Decoded::Text(_) => "UTF-8 text",
            Decoded::Hex(_) => "binary (hex)",
        }
    }

    pub fn body(&self) -> &str {
        match self {
            Decoded::Empty => "",
            Decoded::Json(s) | Decoded::Text(s) | Decoded::Hex(s) => s,
        }
    }
}

/// Decodes at most `DISPLAY_CAP` bytes: pretty JSON when it parses, text when it is UTF-8
/// (control characters made visible so they cannot drive the terminal), else a hex dump.
pub fn decode(data: &[u8]) -> (Decoded, Option<String>) {
    if data.is_empty() {
        return (Decoded::Empty, None);
    }
    let shown = &data[..data.len().min(DISPLAY_CAP)];
    let notice = (data.len() > DISPLAY_CAP).then(|| {
        format!(
            "showing the first {} KiB of {} bytes",
            DISPLAY_CAP / 1024,
            data.len()
        )
    });
    if data.len() <= DISPLAY_CAP {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
            if v.is_object() || v.is_array() {
                if let Ok(pretty) = serde_json::to_string_pretty(&v) {
                    return (Decoded::Json(safe_text(&pretty)), notice);
                }
            }
        }
    }
    // A cut may split a UTF-8 sequence: accept an incomplete tail.
    match std::str::from_utf8(shown) {
        Ok(s) => return (Decoded::Text(safe_text(s)), notice),
        Err(e) if e.error_len().is_none() && e.valid_up_to() + 4 > shown.len() => {
            let s = std::str::from_utf8(&shown[..e.valid_up_to()]).unwrap_or("");
            return (Decoded::Text(safe_text(s)), notice);
        }
        Err(_) => {}
    }
    (Decoded::Hex(hex_dump(shown)), notice)
}

/// Keeps newlines and tabs; every other control character is shown escaped.
pub fn safe_text(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c == '\n' || c == '\t' || !c.is_control() {
                vec![c]
            } else {
                c.escape_default().collect()
            }
        })
        .collect()
}

/// A name as the screen shows it: never a raw control character.
pub fn safe_name(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

pub fn hex_dump(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 4);
    for (i, chunk) in data.chunks(16).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let ascii: String = chunk
            .iter()
            .map(|&b| {
                if (0x20..0x7f).contains(&b) {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        out.push_str(&format!("{:08x}  {:<47}  {ascii}\n", i * 16, hex.join(" ")));
    }
    out
}

/// Joins a parent path and a child name.
pub fn child_path(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

pub fn parent_path(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".into(),
        Some(i) => path[..i].to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn kinds() {
        let mut s = NodeStat::default();
        assert_eq!(kind_of(&s), NodeKind::Persistent);
        s.ephemeral_owner = 0x1000_0012_3456_0000;
        assert_eq!(
            kind_of(&s),
            NodeKind::Ephemeral {
                session: 0x1000_0012_3456_0000
            }
        );
        s.ephemeral_owner = 0x8000_0000_0000_0000u64 as i64;
        assert_eq!(kind_of(&s), NodeKind::Container);
        s.ephemeral_owner = 0xFF00_0000_0000_1000u64 as i64;
        assert_eq!(kind_of(&s), NodeKind::Ttl);
        assert_eq!(sequence_suffix("lock-0000000042"), Some("0000000042"));
        assert_eq!(sequence_suffix("lock"), None);
        assert!(
            kind_text(&NodeStat::default(), "job-0000000007").contains("sequential #0000000007")
        );
    }

    #[test]
    fn decoding() {
        assert_eq!(decode(b"").0, Decoded::Empty);
        let (d, _) = decode(br#"{"a":[1,2]}"#);
        assert!(
            matches!(d, Decoded::Json(ref s) if s.contains("\n  \"a\"")),
            "{d:?}"
        );
        assert_eq!(decode(b"plain").0, Decoded::Text("plain".into()));
        let (d, _) = decode(b"esc\x1b[2J");
        assert_eq!(
            d,
            Decoded::Text("esc\\u{1b}[2J".into()),
            "control characters must not reach the terminal"
        );
        let (d, _) = decode(&[0xff, 0x00, 0x41]);
        assert!(
            matches!(d, Decoded::Hex(ref s) if s.starts_with("00000000  ff 00 41")),
            "{d:?}"
        );
        let big = vec![b'x'; 1_000_000];
        let (d, notice) = decode(&big);
        assert_eq!(d.body().len(), DISPLAY_CAP);
        assert!(notice.unwrap().contains("1000000 bytes"));
    }

    #[test]
    fn paths() {
        assert_eq!(child_path("/", "a"), "/a");
        assert_eq!(child_path("/a", "b"), "/a/b");
        assert_eq!(parent_path("/a/b"), "/a");
        assert_eq!(parent_path("/a"), "/");
        assert_eq!(parent_path("/"), "/");
        assert_eq!(acl_text("world", "anyone", 31), "world:anyone rwcda");
        assert_eq!(acl_text("digest", "u:x", 1), "digest:u:x r----");
    }

    proptest! {
        #[test]
        fn decode_never_panics_and_never_emits_escape(data in proptest::collection::vec(any::<u8>(), 0..3000)) {
            let (d, _) = decode(&data);
            prop_assert!(!d.body().contains(char::from(0x1b)));
        }
    }
}
