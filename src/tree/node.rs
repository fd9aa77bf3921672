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
    let s = crate::timefmt::rfc3339(t);
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

/// ZooKeeper's permission bits.
pub const READ: i32 = 1;
pub const WRITE: i32 = 2;
pub const CREATE: i32 = 4;
pub const DELETE: i32 = 8;
pub const ADMIN: i32 = 16;
pub const ALL: i32 = 31;
/// In the order ZooKeeper's own CLI writes them (`cdrwa`).
const LETTERS: [(i32, char); 5] = [
    (CREATE, 'c'),
    (DELETE, 'd'),
    (READ, 'r'),
    (WRITE, 'w'),
    (ADMIN, 'a'),
];

/// One ACL entry: who (scheme and id) gets which rights.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AclEntry {
    pub scheme: String,
    pub id: String,
    pub perms: i32,
}

impl AclEntry {
    pub fn new(scheme: &str, id: &str, perms: i32) -> AclEntry {
        AclEntry {
            scheme: scheme.into(),
            id: id.into(),
            perms,
        }
    }

    /// `scheme:id`, the identity the rights are given to.
    pub fn identity(&self) -> String {
        format!("{}:{}", self.scheme, self.id)
    }

    /// `scheme:id:cdrwa`, as `setAcl` in ZooKeeper's CLI takes it (and the editor too).
    pub fn spec(&self) -> String {
        format!("{}:{}", self.identity(), perm_letters(self.perms))
    }
}

/// `cdrwa`-style letters of the rights in `perms` (`-` for none).
pub fn perm_letters(perms: i32) -> String {
    let s: String = LETTERS
        .iter()
        .filter(|(b, _)| perms & b != 0)
        .map(|(_, c)| *c)
        .collect();
    if s.is_empty() {
        "-".into()
    } else {
        s
    }
}

/// A whole ACL as the editor shows it: `world:anyone:cdrwa, digest:alice:…:r`.
pub fn acl_spec(acl: &[AclEntry]) -> String {
    acl.iter()
        .map(AclEntry::spec)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses `scheme:id:perms[, …]`. The id may itself hold colons (`digest:user:hash`): the
/// rights are after the last one. Each identity at most once; at least one entry.
pub fn parse_acl(text: &str) -> Result<Vec<AclEntry>, String> {
    let mut out: Vec<AclEntry> = Vec::new();
    for raw in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let shown = safe_name(raw);
        let (scheme, rest) = raw
            .split_once(':')
            .ok_or_else(|| format!("`{shown}`: expected scheme:id:rights, e.g. world:anyone:r"))?;
        let (id, letters) = rest
            .rsplit_once(':')
            .ok_or_else(|| format!("`{shown}`: the rights are missing (letters of cdrwa)"))?;
        if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "`{shown}`: `{}` is not a scheme",
                safe_name(scheme)
            ));
        }
        let mut perms = 0;
        for c in letters.chars() {
            let bit = LETTERS
                .iter()
                .find(|(_, l)| *l == c)
                .map(|(b, _)| *b)
                .ok_or_else(|| {
                    format!(
                        "`{shown}`: `{}` is not one of c d r w a",
                        safe_name(&c.to_string())
                    )
                })?;
            perms |= bit;
        }
        if perms == 0 {
            return Err(format!("`{shown}`: no rights given (use letters of cdrwa)"));
        }
        match scheme {
            "world" if id != "anyone" => {
                return Err(format!("`{shown}`: the world scheme has one id, `anyone`"))
            }
            "digest" if !id.contains(':') => {
                return Err(format!(
                    "`{shown}`: a digest id is user:base64(sha1(user:password))"
                ))
            }
            _ => {}
        }
        let entry = AclEntry::new(scheme, id, perms);
        if out.iter().any(|e| e.identity() == entry.identity()) {
            return Err(format!(
                "`{}` is listed twice",
                safe_name(&entry.identity())
            ));
        }
        out.push(entry);
    }
    if out.is_empty() {
        return Err("an ACL needs at least one entry (ZooKeeper refuses an empty one)".into());
    }
    Ok(out)
}

/// Who the console is to the server: `world:anyone` always, its digest identity when it has
/// credentials. An `auth` entry names the session's authenticated identities.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identities {
    /// `scheme:id` of each.
    pub ids: Vec<String>,
    pub authenticated: bool,
}

impl Identities {
    pub fn new(digest: Option<String>) -> Identities {
        let mut ids = vec!["world:anyone".to_string()];
        let authenticated = digest.is_some();
        ids.extend(digest.map(|d| format!("digest:{d}")));
        Identities { ids, authenticated }
    }

    /// The rights `acl` gives the console.
    pub fn rights(&self, acl: &[AclEntry]) -> i32 {
        acl.iter()
            .filter(|e| {
                self.ids.contains(&e.identity()) || (e.scheme == "auth" && self.authenticated)
            })
            .fold(0, |p, e| p | e.perms)
    }
}

/// One identity whose rights an ACL change alters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclChange {
    pub identity: String,
    pub before: i32,
    pub after: i32,
}

impl AclChange {
    /// `world:anyone loses c d w a` / `digest:bob:… gains r (new)`.
    pub fn text(&self) -> String {
        let gained = self.after & !self.before;
        let lost = self.before & !self.after;
        let mut parts = Vec::new();
        if gained != 0 {
            parts.push(format!("gains {}", perm_letters(gained)));
        }
        if lost != 0 {
            parts.push(format!("loses {}", perm_letters(lost)));
        }
        let note = match (self.before, self.after) {
            (0, _) => " (new entry)",
            (_, 0) => " (entry removed)",
            _ => "",
        };
        format!("{} {}{note}", safe_name(&self.identity), parts.join(", "))
    }
}

/// Per identity, the rights that change from `before` to `after` (unchanged ones left out).
pub fn acl_diff(before: &[AclEntry], after: &[AclEntry]) -> Vec<AclChange> {
    let rights = |acl: &[AclEntry], id: &str| {
        acl.iter()
            .filter(|e| e.identity() == id)
            .fold(0, |p, e| p | e.perms)
    };
    let mut ids: Vec<String> = before.iter().chain(after).map(AclEntry::identity).collect();
    ids.dedup();
    let mut seen = std::collections::HashSet::new();
    ids.retain(|i| seen.insert(i.clone()));
    ids.into_iter()
        .map(|identity| AclChange {
            before: rights(before, &identity),
            after: rights(after, &identity),
            identity,
        })
        .filter(|c| c.before != c.after)
        .collect()
}

/// Why `after` would lock the console out of a node it can manage now: it would keep no
/// ADMIN right (it could never change the ACL back) or no READ right.
pub fn lockout(ours: &Identities, before: &[AclEntry], after: &[AclEntry]) -> Option<String> {
    let (had, has) = (ours.rights(before), ours.rights(after));
    let lost: Vec<&str> = [
        (ADMIN, "ADMIN (it could not change this ACL back)"),
        (READ, "READ (it could not read the node)"),
    ]
    .iter()
    .filter(|(b, _)| had & b != 0 && has & b == 0)
    .map(|(_, t)| *t)
    .collect();
    (!lost.is_empty()).then(|| {
        format!(
            "the console's own identity ({}) would lose {}",
            ours.ids
                .iter()
                .map(|i| safe_name(i))
                .collect::<Vec<_>>()
                .join(", "),
            lost.join(" and ")
        )
    })
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

/// Keeps newlines and tabs; every other control character, and every invisible or
/// direction-changing one (see [`is_hidden`]), is shown escaped.
pub fn safe_text(s: &str) -> String {
    escape_where(s, |c| {
        c != '\n' && c != '\t' && (c.is_control() || is_hidden(c))
    })
}

/// A name as the screen shows it: never a raw control, invisible or bidirectional character
/// (`rtl\u{202e}evil` must not read as `rtlevil`, nor reverse what follows it).
pub fn safe_name(s: &str) -> String {
    escape_where(s, |c| c.is_control() || is_hidden(c))
}

fn escape_where(s: &str, hide: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if hide(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Unicode format characters (general category Cf: bidirectional overrides and isolates,
/// zero-width spaces and joiners, the BOM, invisible operators, tags) and the line and
/// paragraph separators: they draw nothing, or reorder what is drawn around them.
/// Rust's standard library has no category lookup, so the Cf ranges of Unicode 15 are listed.
pub fn is_hidden(c: char) -> bool {
    const CF: &[(u32, u32)] = &[
        (0x00AD, 0x00AD),
        (0x0600, 0x0605),
        (0x061C, 0x061C),
        (0x06DD, 0x06DD),
        (0x070F, 0x070F),
        (0x0890, 0x0891),
        (0x08E2, 0x08E2),
        (0x180E, 0x180E),
        (0x200B, 0x200F),
        (0x2028, 0x202E),
        (0x2060, 0x2064),
        (0x2066, 0x206F),
        (0xFEFF, 0xFEFF),
        (0xFFF9, 0xFFFB),
        (0x110BD, 0x110BD),
        (0x110CD, 0x110CD),
        (0x13430, 0x1343F),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0001, 0xE0001),
        (0xE0020, 0xE007F),
    ];
    let u = c as u32;
    CF.iter().any(|&(lo, hi)| (lo..=hi).contains(&u))
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
    fn invisible_and_bidi_characters_are_escaped_in_names_and_data() {
        assert_eq!(safe_name("rtl\u{202e}evil"), "rtl\\u{202e}evil");
        assert_eq!(safe_name("a\u{200d}b\u{200b}c"), "a\\u{200d}b\\u{200b}c");
        assert_eq!(safe_name("\u{feff}bom\u{2066}x"), "\\u{feff}bom\\u{2066}x");
        assert_eq!(safe_name("tag\u{e0041}"), "tag\\u{e0041}");
        assert_eq!(safe_name("ünïcødé 名前"), "ünïcødé 名前");
        let (d, _) = decode("line\u{202e}txt\nnext\u{2028}".as_bytes());
        assert_eq!(d, Decoded::Text("line\\u{202e}txt\nnext\\u{2028}".into()));
        let (d, _) = decode("{\"k\":\"v\u{200f}\"}".as_bytes());
        assert!(d.body().contains("v\\u{200f}"), "{d:?}");
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

    #[test]
    fn acl_text_round_trips_and_refuses_what_zookeeper_would() {
        let acl = parse_acl("world:anyone:r, digest:alice:Xy+z=:cdrwa ,auth::rw").unwrap();
        assert_eq!(
            acl,
            vec![
                AclEntry::new("world", "anyone", READ),
                AclEntry::new("digest", "alice:Xy+z=", ALL),
                AclEntry::new("auth", "", READ | WRITE),
            ]
        );
        assert_eq!(parse_acl(&acl_spec(&acl)).unwrap(), acl);
        assert_eq!(acl_spec(&acl[..1]), "world:anyone:r");
        for bad in [
            "",
            "world:anyone",
            "world:anyone:rx",
            "world:bob:r",
            "digest:alice:r",
            "world:anyone:r,world:anyone:w",
            "wo rld:anyone:r",
        ] {
            assert!(parse_acl(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_acl("world:anyone:q")
            .unwrap_err()
            .contains("not one of c d r w a"));
    }

    #[test]
    fn acl_preview_says_who_gains_and_loses_what_and_spots_a_lockout() {
        let before = parse_acl("world:anyone:cdrwa").unwrap();
        let after = parse_acl("world:anyone:r,digest:alice:h=:cdrwa").unwrap();
        let d: Vec<String> = acl_diff(&before, &after).iter().map(|c| c.text()).collect();
        assert_eq!(
            d,
            vec![
                "world:anyone loses cdwa",
                "digest:alice:h= gains cdrwa (new entry)"
            ]
        );
        let anon = Identities::new(None);
        assert!(lockout(&anon, &before, &after)
            .unwrap()
            .contains("would lose ADMIN"));
        let alice = Identities::new(Some("alice:h=".into()));
        assert_eq!(lockout(&alice, &before, &after), None);
        // `auth` stands for the session's own identities.
        let authed = parse_acl("auth::cdrwa").unwrap();
        assert_eq!(lockout(&alice, &before, &authed), None);
        assert!(lockout(&anon, &before, &authed).is_some());
        // Nothing to lose when nothing was had.
        let none = parse_acl("digest:bob:x=:cdrwa").unwrap();
        assert_eq!(lockout(&anon, &none, &after), None);
    }

    proptest! {
        #[test]
        fn decode_never_panics_and_never_emits_escape(data in proptest::collection::vec(any::<u8>(), 0..3000)) {
            let (d, _) = decode(&data);
            prop_assert!(!d.body().contains(char::from(0x1b)));
        }
    }
}
