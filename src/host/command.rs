//! Host actions carried out by the ensemble's command templates.

use super::runner::run;
use super::{Action, ActionError, ActionOutput, HostActions, MemberRef};
use crate::config::actions::{ActionsEntry, Template, Vars};
use futures::future::BoxFuture;
use futures::FutureExt;

#[derive(Debug, Clone)]
pub struct CommandHost {
    entry: ActionsEntry,
}

impl CommandHost {
    pub fn new(entry: ActionsEntry) -> CommandHost {
        CommandHost { entry }
    }

    /// The argv and the bytes for standard input of `action` on `member`.
    fn plan(
        &self,
        action: &Action,
        member: &MemberRef,
    ) -> Result<(Vec<String>, Option<Vec<u8>>), ActionError> {
        let (template, path, stdin) = match action {
            Action::Stop => (self.template(&self.entry.stop, "stop")?, None, None),
            Action::Start => (self.template(&self.entry.start, "start")?, None, None),
            Action::ReadConfig => (
                self.template(&self.entry.read_file, "read_file")?,
                Some(self.path(&self.entry.zoo_cfg, "zoo_cfg", member)?),
                None,
            ),
            Action::WriteConfig(bytes) => (
                self.template(&self.entry.write_file, "write_file")?,
                Some(self.path(&self.entry.zoo_cfg, "zoo_cfg", member)?),
                Some(bytes.clone()),
            ),
            Action::BackupConfig { suffix, contents } => (
                self.template(&self.entry.write_file, "write_file")?,
                Some(self.path(&self.entry.zoo_cfg, "zoo_cfg", member)? + suffix),
                Some(contents.clone()),
            ),
            Action::WriteDataFile { name, contents } => {
                let dir = self.path(&self.entry.data_dir, "data_dir", member)?;
                (
                    self.template(&self.entry.write_file, "write_file")?,
                    Some(format!("{}/{name}", dir.trim_end_matches('/'))),
                    Some(contents.clone()),
                )
            }
            Action::ReadFile(path) => (
                self.template(&self.entry.read_file, "read_file")?,
                Some(path.clone()),
                None,
            ),
            Action::WriteFile { path, contents } => (
                self.template(&self.entry.write_file, "write_file")?,
                Some(path.clone()),
                Some(contents.clone()),
            ),
            Action::Run(text) => (parse(text)?, None, None),
            Action::Clean => {
                let dir = self.path(&self.entry.data_dir, "data_dir", member)?;
                // A template that removes `{path}` recursively must never be handed the root.
                if dir.trim_end_matches('/').is_empty() {
                    return Err(ActionError::Template(format!(
                        "clean: the data_dir {dir:?} is the root directory: refused"
                    )));
                }
                (self.template(&self.entry.clean, "clean")?, Some(dir), None)
            }
        };
        let vars = Vars {
            id: member.id,
            host: member.host.clone(),
            client_port: member.client_port,
            path,
        };
        let argv = template
            .render(&vars)
            .map_err(|e| ActionError::Template(format!("{}: {e}", action.name())))?;
        Ok((argv, stdin))
    }

    fn template(&self, t: &Option<String>, key: &'static str) -> Result<Template, ActionError> {
        let text = t.as_deref().ok_or(ActionError::NotConfigured(key))?;
        Template::parse(text).map_err(|e| ActionError::Template(format!("{key}: {e}")))
    }

    /// A path setting with `{id}` filled in (the only placeholder a path may use).
    fn path(
        &self,
        t: &Option<String>,
        key: &'static str,
        member: &MemberRef,
    ) -> Result<String, ActionError> {
        let text = t.as_deref().ok_or(ActionError::NotConfigured(key))?;
        Ok(text.replace("{id}", &member.id.to_string()))
    }
}

fn parse(text: &str) -> Result<Template, ActionError> {
    Template::parse(text).map_err(|e| ActionError::Template(format!("run: {e}")))
}

impl HostActions for CommandHost {
    fn describe(&self, action: &Action, member: &MemberRef) -> Result<String, ActionError> {
        let (argv, stdin) = self.plan(action, member)?;
        let words: Vec<String> = argv.iter().map(|w| shown_word(w)).collect();
        Ok(match stdin {
            Some(b) => format!("{} < ({} bytes)", words.join(" "), b.len()),
            None => words.join(" "),
        })
    }

    fn run<'a>(
        &'a self,
        action: &'a Action,
        member: &'a MemberRef,
    ) -> BoxFuture<'a, Result<ActionOutput, ActionError>> {
        async move {
            let (argv, stdin) = self.plan(action, member)?;
            Ok(run(&argv, stdin.as_deref(), self.entry.timeout()).await?)
        }
        .boxed()
    }
}

/// A word as an operator would type it: quoted when it holds anything but plain characters.
fn shown_word(w: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+@=,:{}[]".contains(c);
    if !w.is_empty() && w.chars().all(plain) {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(entry: ActionsEntry) -> CommandHost {
        CommandHost::new(entry)
    }

    fn member() -> MemberRef {
        MemberRef {
            id: 2,
            host: "127.0.0.1".into(),
            client_port: 2181,
        }
    }

    #[tokio::test]
    async fn file_actions_use_the_configured_paths_and_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        let h = host(ActionsEntry {
            read_file: Some("cat {path}".into()),
            write_file: Some("tee {path}".into()),
            zoo_cfg: Some(format!("{d}/zoo-{{id}}.cfg")),
            data_dir: Some(format!("{d}/data-{{id}}")),
            ..Default::default()
        });
        std::fs::create_dir(dir.path().join("data-2")).unwrap();
        let m = member();
        h.run(&Action::WriteConfig(b"tickTime=500\n".to_vec()), &m)
            .await
            .unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("zoo-2.cfg")).unwrap(),
            b"tickTime=500\n"
        );
        let out = h.run(&Action::ReadConfig, &m).await.unwrap();
        assert_eq!(out.stdout, b"tickTime=500\n");
        let myid = Action::WriteDataFile {
            name: "myid".into(),
            contents: b"2\n".to_vec(),
        };
        h.run(&myid, &m).await.unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("data-2/myid")).unwrap(),
            b"2\n"
        );
        assert!(h
            .describe(&myid, &m)
            .unwrap()
            .ends_with("data-2/myid < (2 bytes)"));
    }

    #[tokio::test]
    async fn a_missing_action_is_named_and_a_hostile_host_never_runs() {
        let h = host(ActionsEntry {
            stop: Some("echo {host}".into()),
            ..Default::default()
        });
        let e = h.run(&Action::Start, &member()).await.unwrap_err();
        assert!(e.to_string().contains("`start`"), "{e}");
        let evil = MemberRef {
            host: "x;touch /tmp/zkconsole-pwned".into(),
            ..member()
        };
        let e = h.run(&Action::Stop, &evil).await.unwrap_err();
        assert!(matches!(e, ActionError::Template(_)), "{e}");
    }

    #[tokio::test]
    async fn clean_removes_the_data_dir_and_never_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        std::fs::create_dir_all(dir.path().join("data-2/version-2")).unwrap();
        let h = host(ActionsEntry {
            clean: Some("rm -rf {path}".into()),
            data_dir: Some(format!("{d}/data-{{id}}")),
            ..Default::default()
        });
        assert_eq!(
            h.describe(&Action::Clean, &member()).unwrap(),
            format!("rm -rf {d}/data-2")
        );
        h.run(&Action::Clean, &member()).await.unwrap();
        assert!(!dir.path().join("data-2").exists());
        let root = host(ActionsEntry {
            clean: Some("rm -rf {path}".into()),
            data_dir: Some("/".into()),
            ..Default::default()
        });
        let e = root.describe(&Action::Clean, &member()).unwrap_err();
        assert!(e.to_string().contains("root directory: refused"), "{e}");
        // Without the template, the action is named as missing.
        let none = host(ActionsEntry {
            data_dir: Some(format!("{d}/data-{{id}}")),
            ..Default::default()
        });
        let e = none.describe(&Action::Clean, &member()).unwrap_err();
        assert!(e.to_string().contains("`clean`"), "{e}");
    }

    #[test]
    fn descriptions_quote_what_a_shell_would_split() {
        let h = host(ActionsEntry {
            stop: Some("ssh -o 'ConnectTimeout 5' {host} sudo systemctl stop zookeeper".into()),
            ..Default::default()
        });
        assert_eq!(
            h.describe(&Action::Stop, &member()).unwrap(),
            "ssh -o 'ConnectTimeout 5' 127.0.0.1 sudo systemctl stop zookeeper"
        );
    }
}
