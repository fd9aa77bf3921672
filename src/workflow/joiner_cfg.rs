//! A joiner's `zoo.cfg` for an expand by reconfig, derived from a serving member's: the site's
//! own settings (auth providers, super user, TLS, timings) carried over line for line, and only
//! what must be the joiner's own changed — its data dirs, its client port and address, its
//! dynamic file. The membership itself lives in the dynamic file, written apart. Pure.

use super::zoo_cfg::set_key;
use crate::ensemble::ServerSpec;

/// Settings that name a listening port: a joiner on the same host as the member it is
/// derived from cannot take that member's value.
const PER_LISTENER: [&str; 3] = [
    "admin.serverPort",
    "secureClientPort",
    "metricsProvider.httpPort",
];

/// The derived text, and what the operator should know about it (shown with the text).
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    pub text: String,
    pub notes: Vec<String>,
}

/// Where the joiner's files go.
pub struct JoinerPaths<'a> {
    pub data_dir: &'a str,
    pub dynamic_file: &'a str,
}

fn key_of(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if t.starts_with('#') {
        return None;
    }
    t.split_once('=').map(|(k, _)| k.trim())
}

fn has_key(text: &str, key: &str) -> bool {
    text.lines().any(|l| key_of(l) == Some(key))
}

/// Membership lines: in a dynamic setup they belong in the dynamic file only.
fn is_membership(key: &str) -> bool {
    ["server.", "group.", "weight."]
        .iter()
        .any(|p| key.starts_with(p))
        || key == "version"
}

/// `source` (member `from`'s zoo.cfg) made the joiner's. `same_host`: the joiner runs on the
/// host of `from`, so its listening ports cannot be copied (they are commented out, and said).
pub fn derive_dynamic(
    source: &str,
    from: u64,
    joiner: &ServerSpec,
    paths: &JoinerPaths,
    same_host: bool,
) -> Result<Derived, String> {
    if !has_key(source, "dataDir") {
        return Err(format!(
            "member {from}'s zoo.cfg has no dataDir line: not a ZooKeeper server config \
             (is zoo_cfg under [ensembles.NAME.actions] the right path?)"
        ));
    }
    let mut notes = Vec::new();
    let mut text = String::with_capacity(source.len() + 64);
    for raw in source.split_inclusive('\n') {
        match key_of(raw) {
            Some(k) if is_membership(k) => {}
            Some(k) if same_host && PER_LISTENER.contains(&k) => {
                let line = raw.trim_end();
                text.push_str(&format!(
                    "# {line}  (member {from}'s: the joiner shares its host; give it its own)\n"
                ));
                notes.push(format!(
                    "{k} left out: member {from}'s value, on the same host, would collide"
                ));
            }
            _ => text.push_str(raw),
        }
    }
    let dropped = source
        .lines()
        .filter(|l| key_of(l).is_some_and(is_membership))
        .count();
    if dropped > 0 {
        notes.push(format!(
            "{dropped} membership line(s) left out: the joiner's membership is its dynamic file"
        ));
    }
    text = set_key(&text, "dataDir", paths.data_dir);
    if has_key(&text, "dataLogDir") {
        // Two servers must never share a transaction log.
        text = set_key(&text, "dataLogDir", paths.data_dir);
    }
    if let Some(port) = joiner.client_port {
        if has_key(&text, "clientPort") {
            text = set_key(&text, "clientPort", &port.to_string());
        }
        if let (Some(host), true) = (&joiner.client_host, has_key(&text, "clientPortAddress")) {
            text = set_key(&text, "clientPortAddress", host);
        }
    }
    text = set_key(&text, "dynamicConfigFile", paths.dynamic_file);
    Ok(Derived { text, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    const M1: &str = "# site config\ntickTime=3000\ndataDir=/srv/m1/data\n\
dataLogDir=/srv/m1/log\nauthProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n\
DigestAuthenticationProvider.superDigest=super:abc=\nadmin.serverPort=8081\n\
clientPortAddress=10.0.0.1\nclientPort=2181\nreconfigEnabled=true\n\
dynamicConfigFile=/srv/m1/zoo.cfg.dynamic.100000000\n";

    fn joiner() -> ServerSpec {
        ServerSpec::parse_line("server.4=10.0.0.4:2888:3888;10.0.0.4:2184").unwrap()
    }

    const PATHS: JoinerPaths = JoinerPaths {
        data_dir: "/srv/m4/data",
        dynamic_file: "/srv/m4/zoo.cfg.dynamic",
    };

    #[test]
    fn site_settings_are_kept_and_the_joiners_own_are_set() {
        let d = derive_dynamic(M1, 1, &joiner(), &PATHS, false).unwrap();
        assert_eq!(
            d.text,
            "# site config\ntickTime=3000\ndataDir=/srv/m4/data\ndataLogDir=/srv/m4/data\n\
authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n\
DigestAuthenticationProvider.superDigest=super:abc=\nadmin.serverPort=8081\n\
clientPortAddress=10.0.0.4\nclientPort=2184\nreconfigEnabled=true\n\
dynamicConfigFile=/srv/m4/zoo.cfg.dynamic\n"
        );
        assert!(d.notes.is_empty(), "{:?}", d.notes);
    }

    #[test]
    fn on_the_same_host_listening_ports_are_left_out_and_said() {
        let d = derive_dynamic(M1, 1, &joiner(), &PATHS, true).unwrap();
        assert!(
            d.text.contains("# admin.serverPort=8081  (member 1's"),
            "{}",
            d.text
        );
        assert!(!d.text.lines().any(|l| l.starts_with("admin.serverPort")));
        assert!(d.notes[0].contains("admin.serverPort"), "{:?}", d.notes);
    }

    #[test]
    fn membership_lines_go_to_the_dynamic_file_only() {
        let src = "dataDir=/d\nserver.1=a:1:2;2181\nserver.2=b:1:2;2181\n";
        let d = derive_dynamic(src, 2, &joiner(), &PATHS, false).unwrap();
        assert!(!d.text.contains("server."), "{}", d.text);
        assert!(d
            .text
            .ends_with("dynamicConfigFile=/srv/m4/zoo.cfg.dynamic\n"));
        assert!(d.notes[0].contains("2 membership line(s)"), "{:?}", d.notes);
    }

    #[test]
    fn a_file_that_is_not_a_server_config_is_refused_naming_the_member() {
        let e = derive_dynamic("hello\n", 3, &joiner(), &PATHS, false).unwrap_err();
        assert!(e.contains("member 3") && e.contains("dataDir"), "{e}");
    }
}
