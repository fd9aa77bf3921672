//! Edits of a static `zoo.cfg` as text: the server list swapped, a joiner's file derived from a
//! member's. Every line the edit does not concern is kept byte for byte (comments, order,
//! line endings), because operators keep settings there the console knows nothing about.
//! Pure: the executor reads and writes the files through the host actions.

use crate::ensemble::{EnsembleConfig, ServerSpec};

/// The membership a static `zoo.cfg` holds, or why it is not a static one.
pub fn static_servers(text: &str) -> Result<EnsembleConfig, String> {
    if let Some(line) = key_line(text, "dynamicConfigFile") {
        return Err(format!(
            "this zoo.cfg names a dynamic config file ({}); its membership changes through \
             reconfig, not by editing zoo.cfg",
            line.trim()
        ));
    }
    let cfg = EnsembleConfig::parse(text).map_err(|e| format!("zoo.cfg {e}"))?;
    if cfg.servers.is_empty() {
        return Err("zoo.cfg has no server.N lines: a standalone server, not an ensemble".into());
    }
    Ok(cfg)
}

fn key_line<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find(|l| key_of(l) == Some(key))
}

fn key_of(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if t.starts_with('#') {
        return None;
    }
    t.split_once('=').map(|(k, _)| k.trim())
}

fn is_server_line(line: &str) -> bool {
    key_of(line).is_some_and(|k| k.starts_with("server."))
}

/// The line ending the file uses (`\r\n` kept on files edited on Windows).
fn ending(text: &str) -> &'static str {
    if text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

/// A server line in the style of the file: with `;clientAddress:port` only when the file's
/// lines carry one (the classic format has `clientPort` apart).
pub fn static_line(spec: &ServerSpec, with_client: bool) -> String {
    let mut line = format!(
        "server.{}={}:{}:{}",
        spec.id, spec.host, spec.quorum_port, spec.election_port
    );
    if !spec.is_voter() {
        line.push_str(":observer");
    }
    if let (true, Some(port)) = (with_client, spec.client_port) {
        match &spec.client_host {
            Some(h) => line.push_str(&format!(";{h}:{port}")),
            None => line.push_str(&format!(";{port}")),
        }
    }
    line
}

/// `text` with its server lines made `list`: a server kept keeps its line where it is
/// (verbatim when its spec is unchanged), a removed one loses its line, and new ones follow
/// the last server line, in id order.
pub fn rewrite_servers(text: &str, list: &[ServerSpec]) -> Result<String, String> {
    let current = static_servers(text)?;
    let eol = ending(text);
    let with_client = text
        .lines()
        .filter(|l| is_server_line(l))
        .any(|l| l.contains(';'));
    let mut new: Vec<&ServerSpec> = list
        .iter()
        .filter(|s| !current.servers.contains_key(&s.id))
        .collect();
    new.sort_by_key(|s| s.id);
    let last_server = text
        .split_inclusive('\n')
        .enumerate()
        .filter(|(_, l)| is_server_line(l))
        .map(|(i, _)| i)
        .last();
    let mut out = String::with_capacity(text.len() + 64);
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        if is_server_line(raw) {
            let id = ServerSpec::parse_line(raw.trim())
                .map_err(|e| e.message)?
                .id;
            match list.iter().find(|s| s.id == id) {
                Some(spec) if current.servers.get(&id) == Some(spec) => {
                    push_line(&mut out, raw, eol)
                }
                Some(spec) => push_line(&mut out, &static_line(spec, with_client), eol),
                None => {}
            }
        } else {
            out.push_str(raw);
        }
        if Some(i) == last_server {
            for spec in &new {
                push_line(&mut out, &static_line(spec, with_client), eol);
            }
        }
    }
    Ok(out)
}

/// A line with its ending (the file's, when the line had none: the last line of a file).
fn push_line(out: &mut String, line: &str, eol: &str) {
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str(eol);
    }
}

/// `text` with `key=value` set: the first such line rewritten in place, or appended.
pub fn set_key(text: &str, key: &str, value: &str) -> String {
    let eol = ending(text);
    let mut out = String::with_capacity(text.len() + key.len() + value.len() + 2);
    let mut done = false;
    for raw in text.split_inclusive('\n') {
        if !done && key_of(raw) == Some(key) {
            done = true;
            out.push_str(&format!("{key}={value}"));
            out.push_str(if raw.ends_with('\n') { eol } else { "" });
        } else {
            out.push_str(raw);
        }
    }
    if !done {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(eol);
        }
        out.push_str(&format!("{key}={value}{eol}"));
    }
    out
}

/// A joiner's `zoo.cfg` from an existing member's: the new list, its own data dir (for the
/// transaction log too: two servers must never share one), its client port and address from
/// its spec, and any further settings that must differ per member (`overrides`, e.g. the
/// AdminServer port when members share a host).
pub fn joiner_cfg(
    template: &str,
    list: &[ServerSpec],
    joiner: &ServerSpec,
    data_dir: &str,
    overrides: &[(String, String)],
) -> Result<String, String> {
    if !list.iter().any(|s| s.id == joiner.id) {
        return Err(format!("server {} is not on its own list", joiner.id));
    }
    let mut text = rewrite_servers(template, list)?;
    text = set_key(&text, "dataDir", data_dir);
    if key_line(&text, "dataLogDir").is_some() {
        text = set_key(&text, "dataLogDir", data_dir);
    }
    if let Some(port) = joiner.client_port {
        text = set_key(&text, "clientPort", &port.to_string());
        if let Some(host) = &joiner.client_host {
            if key_line(&text, "clientPortAddress").is_some() {
                text = set_key(&text, "clientPortAddress", host);
            }
        }
    }
    for (k, v) in overrides {
        text = set_key(&text, k, v);
    }
    Ok(text)
}

/// Where the copy of a member's config is kept before it is rewritten: beside it, named
/// with the change's stamp so several rounds keep every version.
pub fn backup_path(path: &str, stamp: &str) -> String {
    format!("{path}.zkconsole-{stamp}.bak")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CFG: &str = "# production\r\ntickTime=2000\r\ndataDir=/var/lib/zk\r\nclientPort=2181\r\n\
server.1=zk1:2888:3888\r\n# rack b\r\nserver.2=zk2:2888:3888\r\nserver.3=zk3:2888:3888\r\n\
4lw.commands.whitelist=srvr,mntr\r\n";

    fn spec(line: &str) -> ServerSpec {
        ServerSpec::parse_line(line).unwrap()
    }

    #[test]
    fn adding_keeps_every_other_byte() {
        let list: Vec<ServerSpec> = static_servers(CFG)
            .unwrap()
            .servers
            .into_values()
            .chain([spec("server.4=zk4:2888:3888")])
            .collect();
        let out = rewrite_servers(CFG, &list).unwrap();
        assert_eq!(
            out,
            CFG.replace(
                "server.3=zk3:2888:3888\r\n",
                "server.3=zk3:2888:3888\r\nserver.4=zk4:2888:3888\r\n"
            )
        );
    }

    #[test]
    fn removing_drops_only_that_line() {
        let list: Vec<ServerSpec> = static_servers(CFG)
            .unwrap()
            .servers
            .into_values()
            .filter(|s| s.id != 2)
            .collect();
        let out = rewrite_servers(CFG, &list).unwrap();
        assert_eq!(out, CFG.replace("server.2=zk2:2888:3888\r\n", ""));
    }

    #[test]
    fn a_dynamic_or_standalone_file_is_refused() {
        let e = static_servers("dynamicConfigFile=/etc/zk/zoo.cfg.dynamic\n").unwrap_err();
        assert!(e.contains("dynamic config file"), "{e}");
        let e = static_servers("clientPort=2181\n").unwrap_err();
        assert!(e.contains("standalone"), "{e}");
    }

    #[test]
    fn the_joiner_gets_its_own_dirs_and_port() {
        let cfg = "dataDir=/srv/m1/data\ndataLogDir=/srv/m1/log\nclientPortAddress=127.0.0.1\n\
clientPort=2181\nadmin.serverPort=8081\nserver.1=127.0.0.1:1:2;127.0.0.1:2181\n\
server.2=127.0.0.1:3:4;127.0.0.1:2182\nserver.3=127.0.0.1:5:6;127.0.0.1:2183\n";
        let joiner = spec("server.4=127.0.0.2:7:8;127.0.0.2:2184");
        let mut list: Vec<ServerSpec> =
            static_servers(cfg).unwrap().servers.into_values().collect();
        list.push(joiner.clone());
        let out = joiner_cfg(
            cfg,
            &list,
            &joiner,
            "/srv/m4/data",
            &[("admin.serverPort".into(), "8084".into())],
        )
        .unwrap();
        assert_eq!(
            out,
            "dataDir=/srv/m4/data\ndataLogDir=/srv/m4/data\nclientPortAddress=127.0.0.2\n\
clientPort=2184\nadmin.serverPort=8084\nserver.1=127.0.0.1:1:2;127.0.0.1:2181\n\
server.2=127.0.0.1:3:4;127.0.0.1:2182\nserver.3=127.0.0.1:5:6;127.0.0.1:2183\n\
server.4=127.0.0.2:7:8;127.0.0.2:2184\n"
        );
        let e = joiner_cfg(cfg, &list[..3], &joiner, "/d", &[]).unwrap_err();
        assert!(e.contains("not on its own list"));
    }

    #[test]
    fn set_key_appends_when_absent() {
        assert_eq!(set_key("a=1", "b", "2"), "a=1\nb=2\n");
        assert_eq!(set_key("# b=0\nb=1\n", "b", "2"), "# b=0\nb=2\n");
    }

    proptest! {
        /// Any file with server lines: a rewrite to the same list is the identity, and a
        /// rewrite keeps every non-server line in order, byte for byte.
        #[test]
        fn non_server_lines_survive(
            other in proptest::collection::vec("[a-zA-Z#. ]{0,12}(=[a-z0-9/ ]{0,8})?", 0..8),
            n in 1u64..6,
            keep in proptest::collection::vec(any::<bool>(), 6),
            crlf in any::<bool>(),
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let other: Vec<String> = other
                .into_iter()
                .filter(|l| {
                    let k = l.trim_start();
                    !["server.", "group.", "weight.", "version", "dynamicConfigFile"]
                        .iter()
                        .any(|p| k.starts_with(p))
                })
                .collect();
            let servers: Vec<String> = (1..=n).map(|i| format!("server.{i}=h{i}:1:2")).collect();
            let mut lines = other.clone();
            let at = lines.len() / 2;
            for (k, s) in servers.iter().enumerate() {
                lines.insert(at + k, s.clone());
            }
            let text: String = lines.iter().map(|l| format!("{l}{eol}")).collect();
            let cfg = static_servers(&text).unwrap();
            let all: Vec<ServerSpec> = cfg.servers.values().cloned().collect();
            prop_assert_eq!(rewrite_servers(&text, &all).unwrap(), text.clone());
            let kept: Vec<ServerSpec> = all.iter().filter(|s| keep[s.id as usize - 1]).cloned().collect();
            let out = rewrite_servers(&text, &kept).unwrap();
            let rest: Vec<&str> = out.split_inclusive('\n').filter(|l| !is_server_line(l)).collect();
            let want: Vec<String> = other.iter().map(|l| format!("{l}{eol}")).collect();
            prop_assert_eq!(rest, want.iter().map(String::as_str).collect::<Vec<_>>());
            let got = EnsembleConfig::parse(&out).unwrap();
            prop_assert_eq!(got.servers.into_values().collect::<Vec<_>>(), kept);
        }
    }
}
