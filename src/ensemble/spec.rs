//! One `server.<id>=` membership line, read the way ZooKeeper's `QuorumServer` reads it.

use std::net::IpAddr;

use serde::Serialize;

const FORMAT: &str = "server.<id>=<host>:<quorumPort>:<electionPort>[:participant|observer][;[<clientHost>:]<clientPort>]";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LearnerType {
    Participant,
    Observer,
}

impl LearnerType {
    pub fn as_str(self) -> &'static str {
        match self {
            LearnerType::Participant => "participant",
            LearnerType::Observer => "observer",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ServerSpec {
    pub id: u64,
    pub host: String,
    pub quorum_port: u16,
    pub election_port: u16,
    pub learner_type: LearnerType,
    pub client_host: Option<String>,
    pub client_port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SpecError {
    pub message: String,
}

impl ServerSpec {
    /// Parses `server.3=127.0.0.1:22890:23890:participant;127.0.0.1:22183`.
    pub fn parse_line(line: &str) -> Result<ServerSpec, SpecError> {
        let line = line.trim();
        let fail = |detail: String| SpecError {
            message: format!("server spec \"{line}\": {detail}"),
        };
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| fail(format!("expected {FORMAT}")))?;
        let id_text = key
            .trim()
            .strip_prefix("server.")
            .ok_or_else(|| fail(format!("expected {FORMAT}")))?;
        let id = parse_number("id", id_text.trim()).map_err(fail)?;
        parse_spec(id, value.trim()).map_err(fail)
    }

    /// Parses the part after `=`: `host:q:e[:role][;[clientAddr:]clientPort]`.
    pub fn parse_value(id: u64, value: &str) -> Result<ServerSpec, SpecError> {
        let value = value.trim();
        parse_spec(id, value).map_err(|detail| SpecError {
            message: format!("server spec \"server.{id}={value}\": {detail}"),
        })
    }

    /// The form ZooKeeper writes back (`host:q:e:role;clientHost:clientPort`), so specs we
    /// send compare equal to the ones we later read from `/zookeeper/config`.
    pub fn to_value(&self) -> String {
        let mut value = format!(
            "{}:{}:{}:{}",
            bracketed(&self.host),
            self.quorum_port,
            self.election_port,
            self.learner_type.as_str()
        );
        if let Some(port) = self.client_port {
            let host = self.client_host.as_deref().unwrap_or("0.0.0.0");
            value.push_str(&format!(";{}:{port}", bracketed(host)));
        }
        value
    }

    pub fn to_line(&self) -> String {
        format!("server.{}={}", self.id, self.to_value())
    }

    /// A wildcard client address says where the server listens, not where to reach it, so
    /// fall back to the quorum host, which peers already reach it on.
    pub fn client_address(&self) -> Option<String> {
        let port = self.client_port?;
        let host = match self.client_host.as_deref() {
            Some(host) if !is_wildcard(host) => host,
            _ => &self.host,
        };
        Some(format!("{}:{port}", bracketed(host)))
    }

    pub fn is_voter(&self) -> bool {
        self.learner_type == LearnerType::Participant
    }
}

/// Digits only: `str::parse` would also take a leading `+`, which ZooKeeper's ids never have.
pub(super) fn parse_number(what: &str, text: &str) -> Result<u64, String> {
    match text.parse() {
        Ok(n) if text.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!("{what} \"{text}\" is not a number")),
    }
}

fn parse_spec(id: u64, value: &str) -> Result<ServerSpec, String> {
    if value.contains('|') {
        return Err("several quorum addresses joined by '|' are not supported".into());
    }
    let (server_part, client_part) = match value.split_once(';') {
        Some((server, client)) => (server.trim(), Some(client.trim())),
        None => (value, None),
    };
    if server_part.is_empty() {
        return Err(format!("nothing before ';', expected {FORMAT}"));
    }

    // Checked before the host so a bare IPv6 address gets the hint, not "host is empty".
    if !server_part.starts_with('[') && server_part.matches(':').count() > 3 {
        return Err(too_many_parts(server_part));
    }
    let (host, rest) = split_host("host", server_part)?;
    let parts: Vec<&str> = rest.map_or_else(Vec::new, |r| r.split(':').map(str::trim).collect());
    let (quorum, election, role) = match parts[..] {
        [] => {
            return Err(format!(
                "missing quorum and election ports after \"{host}\""
            ))
        }
        [_] => return Err(format!("missing election port in \"{server_part}\"")),
        [quorum, election] => (quorum, election, None),
        [quorum, election, role] => (quorum, election, Some(role)),
        _ => return Err(too_many_parts(server_part)),
    };
    let quorum_port = parse_port("quorum port", quorum)?;
    let election_port = parse_port("election port", election)?;
    let learner_type = match role.map(str::to_ascii_lowercase).as_deref() {
        None | Some("participant") => LearnerType::Participant,
        Some("observer") => LearnerType::Observer,
        Some(_) => {
            return Err(format!(
                "role \"{}\" is neither \"participant\" nor \"observer\"",
                role.unwrap_or_default()
            ))
        }
    };

    let (client_host, client_port) = match client_part {
        None => (None, None),
        Some(_) if value.matches(';').count() > 1 => return Err("more than one ';'".into()),
        Some("") => {
            return Err("nothing after ';', expected [<clientHost>:]<clientPort>".into());
        }
        Some(port) if !port.starts_with('[') && !port.contains(':') => {
            (None, Some(parse_port("client port", port)?))
        }
        Some(address) if !address.starts_with('[') && address.matches(':').count() > 1 => {
            return Err(too_many_parts(address));
        }
        Some(address) => {
            let (host, port) = split_host("client host", address)?;
            let port = port.ok_or_else(|| format!("missing client port after \"{host}\""))?;
            if port.contains(':') {
                return Err(too_many_parts(address));
            }
            (
                Some(host.to_owned()),
                Some(parse_port("client port", port.trim())?),
            )
        }
    };

    Ok(ServerSpec {
        id,
        host: host.to_owned(),
        quorum_port,
        election_port,
        learner_type,
        client_host,
        client_port,
    })
}

fn too_many_parts(text: &str) -> String {
    format!("too many ':'-separated parts in \"{text}\" (IPv6 addresses need brackets)")
}

/// Splits `host[:rest]` or `[v6]:rest`, keeping the brackets so the host can be written back
/// followed by `:port` unambiguously.
fn split_host<'a>(what: &str, text: &'a str) -> Result<(&'a str, Option<&'a str>), String> {
    let (host, rest) = if text.starts_with('[') {
        let end = text
            .find(']')
            .ok_or_else(|| format!("{what} \"{text}\" has '[' without a matching ']'"))?;
        let (host, rest) = text.split_at(end + 1);
        match rest.strip_prefix(':') {
            Some(rest) => (host, Some(rest)),
            None if rest.trim().is_empty() => (host, None),
            None => return Err(format!("expected ':' after \"{host}\" in \"{text}\"")),
        }
    } else {
        match text.split_once(':') {
            Some((host, rest)) => (host.trim(), Some(rest)),
            None => (text, None),
        }
    };
    check_host(what, host)?;
    Ok((host, rest))
}

fn check_host(what: &str, host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err(format!("{what} is empty"));
    }
    let valid = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(inner) => {
            let (address, zone) = match inner.split_once('%') {
                Some((address, zone)) => (address, Some(zone)),
                None => (inner, None),
            };
            address.parse::<IpAddr>().is_ok()
                && zone.is_none_or(|z| !z.is_empty() && z.chars().all(is_host_char))
        }
        None => host.chars().all(is_host_char),
    };
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{what} \"{host}\" is not a valid host name or address"
        ))
    }
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')
}

fn parse_port(what: &str, text: &str) -> Result<u16, String> {
    if text.is_empty() {
        return Err(format!("{what} is missing"));
    }
    match parse_number(what, text).map(u16::try_from) {
        Ok(Ok(port)) if port > 0 => Ok(port),
        _ => Err(format!(
            "{what} \"{text}\" is not a number between 1 and 65535"
        )),
    }
}

/// Specs are built by hand too; a bare IPv6 host would run into the port without brackets.
fn bracketed(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

fn is_wildcard(host: &str) -> bool {
    let inner = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.is_empty() || inner.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn spec(line: &str) -> ServerSpec {
        ServerSpec::parse_line(line).unwrap_or_else(|e| panic!("{e}"))
    }

    fn error(line: &str) -> String {
        ServerSpec::parse_line(line).unwrap_err().message
    }

    #[test]
    fn parses_the_normalised_form() {
        let s = spec("  server.3=127.0.0.1:22890:23890:participant;127.0.0.1:22183 ");
        assert_eq!(
            s,
            ServerSpec {
                id: 3,
                host: "127.0.0.1".into(),
                quorum_port: 22890,
                election_port: 23890,
                learner_type: LearnerType::Participant,
                client_host: Some("127.0.0.1".into()),
                client_port: Some(22183),
            }
        );
        assert!(s.is_voter());
        assert_eq!(
            s.to_line(),
            "server.3=127.0.0.1:22890:23890:participant;127.0.0.1:22183"
        );
    }

    #[test]
    fn accepts_legacy_and_roleless_forms() {
        let legacy = spec("server.1=zk1:2888:3888:observer");
        assert_eq!(legacy.learner_type, LearnerType::Observer);
        assert!(!legacy.is_voter());
        assert_eq!(legacy.client_port, None);
        assert_eq!(legacy.to_value(), "zk1:2888:3888:observer");

        let roleless = spec("server.2=zk2:2888:3888;2181");
        assert_eq!(roleless.learner_type, LearnerType::Participant);
        assert_eq!(roleless.client_host, None);
        assert_eq!(roleless.client_port, Some(2181));
        assert_eq!(
            roleless.to_value(),
            "zk2:2888:3888:participant;0.0.0.0:2181"
        );

        assert_eq!(
            spec("server.4=zk4:1:2:OBSERVER;zk4:3").learner_type,
            LearnerType::Observer
        );
        assert_eq!(
            ServerSpec::parse_value(7, " zk7 : 1 : 2 ; 3 ").unwrap(),
            spec("server.7=zk7:1:2;3")
        );
    }

    #[test]
    fn ipv6_hosts_keep_their_brackets() {
        let s = spec("server.5=[::1]:2888:3888:participant;[::1]:2181");
        assert_eq!(s.host, "[::1]");
        assert_eq!(s.client_host.as_deref(), Some("[::1]"));
        assert_eq!(s.to_value(), "[::1]:2888:3888:participant;[::1]:2181");
        assert_eq!(s.client_address().as_deref(), Some("[::1]:2181"));

        let zoned = spec("server.6=[fe80::1%eth0]:2888:3888");
        assert_eq!(zoned.host, "[fe80::1%eth0]");

        assert!(error("server.5=::1:2888:3888").contains("IPv6 addresses need brackets"));
        assert!(error("server.5=[::1]:1:2;::1:3").contains("IPv6 addresses need brackets"));
        assert!(error("server.5=[::1]:1:2;[::1]:3:4").contains("IPv6 addresses need brackets"));
        assert!(error("server.5=[::1:2888:3888").contains("without a matching ']'"));
    }

    #[test]
    fn client_address_prefers_a_reachable_host() {
        let with = |client: &str| spec(&format!("server.1=10.0.0.1:2888:3888;{client}"));
        assert_eq!(
            with("10.0.0.9:2181").client_address().as_deref(),
            Some("10.0.0.9:2181")
        );
        for wildcard in [
            "0.0.0.0:2181",
            "[::]:2181",
            "[0:0:0:0:0:0:0:0]:2181",
            "2181",
        ] {
            assert_eq!(
                with(wildcard).client_address().as_deref(),
                Some("10.0.0.1:2181"),
                "{wildcard}"
            );
        }
        assert_eq!(spec("server.1=h:1:2").client_address(), None);

        let mut built = spec("server.1=[::1]:1:2;3");
        built.client_host = Some("::".into());
        assert_eq!(built.client_address().as_deref(), Some("[::1]:3"));
        built.host = "::1".into();
        assert_eq!(built.client_address().as_deref(), Some("[::1]:3"));
    }

    #[test]
    fn errors_name_the_bad_part() {
        assert_eq!(
            error("server.x=h:1:2"),
            "server spec \"server.x=h:1:2\": id \"x\" is not a number"
        );
        assert!(error("server.1=:1:2").contains("host is empty"));
        assert!(error("server.1=h").contains("missing quorum and election ports"));
        assert!(error("server.1=h:1").contains("missing election port"));
        assert!(error("server.1=h:1:").contains("election port is missing"));
        assert!(error("server.1=h:0:2").contains("quorum port \"0\""));
        assert!(error("server.1=h:1:65536").contains("election port \"65536\""));
        assert!(error("server.1=h:1:2:leader").contains("role \"leader\""));
        assert!(error("server.1=h:1:2;x").contains("client port \"x\""));
        assert!(error("server.1=h:1:2;").contains("nothing after ';'"));
        assert!(error("server.1=h:1:2;3;4").contains("more than one ';'"));
        assert!(error("server.1=h:1:2;:3").contains("client host is empty"));
        assert!(error("server.1=h:1:2:participant:9").contains("too many"));
        assert!(error("server.1=h a:1:2").contains("host \"h a\" is not a valid"));
        assert!(error("server.1=a:1:2|b:1:2").contains("'|'"));
        assert!(error("garbage").contains("expected server.<id>="));
        assert!(error("srv.1=h:1:2").contains("expected server.<id>="));
        assert!(ServerSpec::parse_value(9, "h:+1:2")
            .unwrap_err()
            .message
            .starts_with("server spec \"server.9=h:+1:2\": quorum port"));
    }

    fn host() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z][a-z0-9-]{0,10}(\\.[a-z0-9_]{1,5}){0,2}",
            any::<[u8; 4]>().prop_map(|o| std::net::Ipv4Addr::from(o).to_string()),
            any::<[u16; 8]>().prop_map(|s| format!("[{}]", std::net::Ipv6Addr::from(s))),
        ]
    }

    fn learner_type() -> impl Strategy<Value = LearnerType> {
        prop_oneof![Just(LearnerType::Participant), Just(LearnerType::Observer)]
    }

    prop_compose! {
        fn server_spec()(
            id in any::<u64>(),
            host in host(),
            quorum_port in 1..=u16::MAX,
            election_port in 1..=u16::MAX,
            learner_type in learner_type(),
            client in proptest::option::of((proptest::option::of(host()), 1..=u16::MAX)),
        ) -> ServerSpec {
            let (client_host, client_port) = client.map_or((None, None), |(h, p)| (h, Some(p)));
            ServerSpec { id, host, quorum_port, election_port, learner_type, client_host, client_port }
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(line in "\\PC*") {
            let _ = ServerSpec::parse_line(&line);
            let _ = ServerSpec::parse_value(1, &line);
        }

        #[test]
        fn parse_never_panics_on_near_misses(value in "[a-z0-9:;\\[\\]|%. +-]{0,40}") {
            let _ = ServerSpec::parse_line(&format!("server.1={value}"));
        }

        #[test]
        fn to_line_round_trips(spec in server_spec()) {
            let parsed = ServerSpec::parse_line(&spec.to_line()).unwrap();
            // Only a bare client port changes: ZooKeeper spells its wildcard out.
            if spec.client_port.is_some() && spec.client_host.is_none() {
                prop_assert_eq!(parsed.client_host.as_deref(), Some("0.0.0.0"));
                prop_assert_eq!(parsed.to_line(), spec.to_line());
            } else {
                prop_assert_eq!(parsed, spec);
            }
        }
    }
}
