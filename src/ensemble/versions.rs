//! The ZooKeeper version each member runs (`zk_version` of mntr, `Zookeeper version:` of
//! srvr, `version` of the AdminServer), shortened for display, and the warning when serving
//! members run different versions (a rolling upgrade half done, or a forgotten member).

use super::member::{MemberSnapshot, MetricValue};
use std::collections::BTreeMap;

/// "3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC" -> "3.8.0". None when the text
/// does not start with a dotted number (nothing trustworthy to compare).
pub fn short_version(full: &str) -> Option<String> {
    let v: String = full
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let v = v.trim_end_matches('.');
    (v.contains('.') && v.split('.').all(|p| !p.is_empty())).then(|| v.to_string())
}

/// The member's short version, if its probe gave one.
pub fn member_version(m: &MemberSnapshot) -> Option<String> {
    match m.metric("version")? {
        MetricValue::Text(t) => short_version(t),
        other => short_version(&other.to_string()),
    }
}

/// "members run different versions: 1,2 3.8.0; 3 3.9.1 — a rolling upgrade in progress?",
/// judged over serving members only (a down member's last version is not known here).
pub fn mixed_versions(members: &[&MemberSnapshot]) -> Option<String> {
    let mut by_version: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in members.iter().filter(|m| m.role.is_serving()) {
        let Some(v) = member_version(m) else { continue };
        let who = m.id.map_or_else(|| m.address.clone(), |id| id.to_string());
        by_version.entry(v).or_default().push(who);
    }
    if by_version.len() < 2 {
        return None;
    }
    let mut groups: Vec<(String, Vec<String>)> = by_version.into_iter().collect();
    // Numeric order, so 3.10 comes after 3.9.
    groups.sort_by_key(|(v, _)| {
        v.split('.')
            .map(|p| p.parse::<u64>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    let parts: Vec<String> = groups
        .iter()
        .map(|(v, who)| format!("{} {v}", who.join(",")))
        .collect();
    Some(format!(
        "members run different versions: {} — a rolling upgrade in progress?",
        parts.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::member::Role;

    fn member(id: u64, role: Role, version: Option<&str>) -> MemberSnapshot {
        let mut m = MemberSnapshot {
            id: Some(id),
            address: format!("127.0.0.1:{}", 2180 + id),
            role,
            mode: None,
            voting: None,
            zxid: None,
            metrics: Default::default(),
            source: crate::ensemble::member::MetricsSource::None,
            probe_ms: 1.0,
            error: None,
            hint: None,
            zab: None,
        };
        if let Some(v) = version {
            m.metrics
                .insert("version".into(), MetricValue::Text(v.into()));
        }
        m
    }

    #[test]
    fn versions_are_shortened_to_the_release() {
        let s = |t: &str| short_version(t);
        assert_eq!(
            s("3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC").as_deref(),
            Some("3.8.0")
        );
        assert_eq!(
            s("3.5.9-83df9301aa5c2a5d284a9940177808c01bc35cef, built on 01/06/2021").as_deref(),
            Some("3.5.9")
        );
        assert_eq!(s("3.9.1").as_deref(), Some("3.9.1"));
        assert_eq!(s("unknown"), None);
        assert_eq!(s("3"), None);
        assert_eq!(s(""), None);
    }

    #[test]
    fn different_versions_among_serving_members_warn() {
        let a = member(1, Role::Follower, Some("3.8.0-x, built on y"));
        let b = member(2, Role::Leader, Some("3.8.0-x, built on y"));
        let c = member(3, Role::Follower, Some("3.9.1-z, built on y"));
        let text = mixed_versions(&[&a, &b, &c]).unwrap();
        assert_eq!(
            text,
            "members run different versions: 1,2 3.8.0; 3 3.9.1 — a rolling upgrade in progress?"
        );
        assert_eq!(mixed_versions(&[&a, &b]), None);
        // A down member is not judged; nor is one whose version is unknown.
        let down = member(3, Role::Down, Some("3.9.1"));
        let unknown = member(3, Role::Follower, None);
        assert_eq!(mixed_versions(&[&a, &b, &down]), None);
        assert_eq!(mixed_versions(&[&a, &b, &unknown]), None);
        // 3.10 sorts after 3.9.
        let d = member(4, Role::Follower, Some("3.10.0"));
        assert!(mixed_versions(&[&c, &d])
            .unwrap()
            .contains("3 3.9.1; 4 3.10.0"));
    }
}
