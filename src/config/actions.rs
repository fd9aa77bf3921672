//! How to act on the host of a member: command templates per ensemble.
//!
//! ```toml
//! [ensembles.prod.actions]
//! stop = "ssh {host} sudo systemctl stop zookeeper"
//! ```
//! A template is split into words first (quotes group words, nothing is expanded), then each
//! placeholder is substituted inside its word. No shell ever sees a value: host names come from
//! the servers' own config and may be hostile. Values are also checked against a narrow
//! alphabet, because `ssh` joins its remote words into one line for the remote shell.

use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ActionsEntry {
    pub stop: Option<String>,
    pub start: Option<String>,
    /// Prints the file `{path}` on standard output.
    pub read_file: Option<String>,
    /// Writes standard input to the file `{path}`.
    pub write_file: Option<String>,
    /// Where a member's zoo.cfg lives on its host; may use `{id}`.
    pub zoo_cfg: Option<String>,
    /// A member's dataDir on its host; may use `{id}`.
    pub data_dir: Option<String>,
    /// Removes a member's data directory (`{path}` = its `data_dir`) once a static membership
    /// change has removed and stopped it; without it the directory is left and reported.
    pub clean: Option<String>,
    /// Bound on each action; the child is killed when it runs over.
    pub timeout_s: Option<u64>,
}

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 4] = ["id", "host", "client_port", "path"];

/// One template, already split into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    words: Vec<String>,
}

/// What a placeholder stands for, for one member (and one file, for file actions).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vars {
    pub id: u64,
    pub host: String,
    pub client_port: u16,
    pub path: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the template is empty")]
    Empty,
    #[error("unclosed {0} quote")]
    UnclosedQuote(char),
    #[error("unknown placeholder {{{0}}} (known: {{id}} {{host}} {{client_port}} {{path}})")]
    UnknownPlaceholder(String),
    #[error("unclosed placeholder `{{{0}`")]
    UnclosedPlaceholder(String),
    #[error("{{path}} is used but this action has no file")]
    NoPath,
    #[error("{what} {value:?} is refused: {why}")]
    UnsafeValue {
        what: &'static str,
        value: String,
        why: &'static str,
    },
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let words = split_words(text)?;
        if words.is_empty() {
            return Err(TemplateError::Empty);
        }
        for w in &words {
            placeholders_in(w)?;
        }
        Ok(Template { words })
    }

    /// Whether `{name}` occurs in the template.
    pub fn uses(&self, name: &str) -> bool {
        let needle = format!("{{{name}}}");
        self.words.iter().any(|w| w.contains(&needle))
    }

    /// The argument vector for one member: each placeholder replaced inside its own word.
    pub fn render(&self, vars: &Vars) -> Result<Vec<String>, TemplateError> {
        check_host(&vars.host)?;
        if let Some(p) = &vars.path {
            check_path(p)?;
        }
        self.words.iter().map(|w| substitute(w, vars)).collect()
    }
}

impl ActionsEntry {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_s.unwrap_or(60).max(1))
    }

    /// Every template parsed, so a broken one is reported when the config loads.
    pub fn validate(&self) -> Result<(), (String, TemplateError)> {
        let commands = [
            ("stop", &self.stop),
            ("start", &self.start),
            ("read_file", &self.read_file),
            ("write_file", &self.write_file),
            ("zoo_cfg", &self.zoo_cfg),
            ("data_dir", &self.data_dir),
            ("clean", &self.clean),
        ];
        for (key, t) in commands {
            if let Some(t) = t {
                Template::parse(t).map_err(|e| (key.to_string(), e))?;
            }
        }
        Ok(())
    }
}

/// Splits like a shell would into words, without any expansion: whitespace separates,
/// '...' keeps everything literal, "..." keeps everything but `\"` and `\\`, and a backslash
/// outside quotes escapes the next character.
pub fn split_words(text: &str) -> Result<Vec<String>, TemplateError> {
    let mut words = Vec::new();
    let mut cur: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(cur.take()),
            '\'' => {
                let w = cur.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err(TemplateError::UnclosedQuote('\'')),
                    }
                }
            }
            '"' => {
                let w = cur.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => return Err(TemplateError::UnclosedQuote('"')),
                        },
                        Some(c) => w.push(c),
                        None => return Err(TemplateError::UnclosedQuote('"')),
                    }
                }
            }
            '\\' => {
                let w = cur.get_or_insert_with(String::new);
                if let Some(c) = chars.next() {
                    w.push(c);
                }
            }
            c => cur.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(cur);
    Ok(words)
}

fn placeholders_in(word: &str) -> Result<Vec<String>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = word;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        let Some(j) = after.find('}') else {
            return Err(TemplateError::UnclosedPlaceholder(after.to_string()));
        };
        let name = &after[..j];
        if !PLACEHOLDERS.contains(&name) {
            return Err(TemplateError::UnknownPlaceholder(name.to_string()));
        }
        out.push(name.to_string());
        rest = &after[j + 1..];
    }
    Ok(out)
}

fn substitute(word: &str, vars: &Vars) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let j = after
            .find('}')
            .ok_or_else(|| TemplateError::UnclosedPlaceholder(after.to_string()))?;
        match &after[..j] {
            "id" => out.push_str(&vars.id.to_string()),
            "host" => out.push_str(&vars.host),
            "client_port" => out.push_str(&vars.client_port.to_string()),
            "path" => out.push_str(vars.path.as_deref().ok_or(TemplateError::NoPath)?),
            other => return Err(TemplateError::UnknownPlaceholder(other.to_string())),
        }
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A host name or address: letters, digits, `.-_:` and IPv6 brackets; never an option.
fn check_host(host: &str) -> Result<(), TemplateError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || ".-_:[]".contains(c);
    let why = if host.is_empty() {
        Some("it is empty")
    } else if host.starts_with('-') {
        Some("it starts with '-' and would be read as an option")
    } else if !host.chars().all(ok_char) {
        Some("a host name holds only letters, digits and . - _ : [ ]")
    } else {
        None
    };
    match why {
        Some(why) => Err(TemplateError::UnsafeValue {
            what: "host",
            value: host.to_string(),
            why,
        }),
        None => Ok(()),
    }
}

/// An absolute path of plain characters: `ssh` hands its words to a remote shell as one line.
fn check_path(path: &str) -> Result<(), TemplateError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "/._-+@=,".contains(c);
    let why = if !path.starts_with('/') {
        Some("it must be absolute")
    } else if path.split('/').any(|p| p == "..") {
        Some("it must not contain `..`")
    } else if !path.chars().all(ok_char) {
        Some("a path holds only letters, digits and / . _ - + @ = ,")
    } else {
        None
    };
    match why {
        Some(why) => Err(TemplateError::UnsafeValue {
            what: "path",
            value: path.to_string(),
            why,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(host: &str) -> Vars {
        Vars {
            id: 3,
            host: host.into(),
            client_port: 2181,
            path: Some("/etc/zookeeper/conf/zoo.cfg".into()),
        }
    }

    #[test]
    fn words_are_split_before_values_are_substituted() {
        let t = Template::parse("ssh -o 'ProxyJump a b' {host} sudo cat {path}").unwrap();
        assert_eq!(
            t.render(&vars("zk3.example")).unwrap(),
            [
                "ssh",
                "-o",
                "ProxyJump a b",
                "zk3.example",
                "sudo",
                "cat",
                "/etc/zookeeper/conf/zoo.cfg"
            ]
        );
    }

    #[test]
    fn a_placeholder_inside_a_word_stays_in_that_word() {
        let t =
            Template::parse(r#"kubectl exec "zk-{id}" -- echo "{host}:{client_port}""#).unwrap();
        assert_eq!(
            t.render(&vars("h")).unwrap(),
            ["kubectl", "exec", "zk-3", "--", "echo", "h:2181"]
        );
    }

    #[test]
    fn hostile_values_are_refused_not_split_or_run() {
        let t = Template::parse("ssh {host} true").unwrap();
        for bad in [
            "a b",
            "a;rm -rf /",
            "$(reboot)",
            "-oProxyCommand=x",
            "a\nb",
            "",
        ] {
            assert!(
                matches!(t.render(&vars(bad)), Err(TemplateError::UnsafeValue { .. })),
                "{bad:?} accepted"
            );
        }
        let t = Template::parse("cat {path}").unwrap();
        for bad in ["relative", "/a/../etc/shadow", "/a b", "/a;b", "/a$(x)"] {
            let v = Vars {
                path: Some(bad.into()),
                ..vars("h")
            };
            assert!(t.render(&v).is_err(), "{bad:?} accepted");
        }
        assert!(t.render(&vars("[::1]")).is_ok());
    }

    #[test]
    fn broken_templates_say_what_is_wrong() {
        assert_eq!(Template::parse("  "), Err(TemplateError::Empty));
        assert_eq!(
            Template::parse("ssh 'x"),
            Err(TemplateError::UnclosedQuote('\''))
        );
        assert_eq!(
            Template::parse("ssh {hots}"),
            Err(TemplateError::UnknownPlaceholder("hots".into()))
        );
        let t = Template::parse("cat {path}").unwrap();
        let v = Vars {
            path: None,
            ..vars("h")
        };
        assert_eq!(t.render(&v), Err(TemplateError::NoPath));
    }

    #[test]
    fn quotes_and_escapes_group_but_never_expand() {
        let t = Template::parse(r#"a "b \"c\" $HOME" 'd $x' e\ f"#).unwrap();
        assert_eq!(
            t.render(&vars("h")).unwrap(),
            ["a", r#"b "c" $HOME"#, "d $x", "e f"]
        );
    }
}
