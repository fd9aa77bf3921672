//! The console as the end-to-end tests start it in tmux: a sandbox where `--sandbox-dir`
//! finds it, a config file, and the command line that runs the binary with its config and
//! state under the test's home directory.

use std::path::{Path, PathBuf};
use zkconsole::sandbox::{Sandbox, SandboxOptions};

/// A sandbox of `members` in `home/sb` (`Sandbox::up` returns once a majority serves).
pub async fn sandbox_in(home: &Path, members: usize) -> Sandbox {
    Sandbox::up(SandboxOptions {
        members,
        dir: Some(home.join("sb")),
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox up")
}

/// The shell line that runs the console: HOME, config and state under `home`, then `env`
/// (name, value; values single-quoted), then `args` as they are.
pub fn console_cmd(home: &Path, env: &[(&str, &str)], args: &str) -> String {
    let h = home.display();
    let mut line = format!("env HOME={h} XDG_STATE_HOME={h}/state XDG_CONFIG_HOME={h}/config");
    for (name, value) in env {
        line.push_str(&format!(" {name}='{value}'"));
    }
    line.push_str(&format!(" {} {args}", env!("CARGO_BIN_EXE_zkconsole")));
    line
}

/// The console on the sandbox in `home/sb` (see `sandbox_in`).
pub fn sandbox_console_cmd(home: &Path, env: &[(&str, &str)]) -> String {
    let dir = home.join("sb");
    console_cmd(home, env, &format!("--sandbox-dir {}", dir.display()))
}

/// Writes `toml` where the console started by `console_cmd` reads its config.
pub fn write_console_config(home: &Path, toml: &str) {
    let dir = home.join("config/zkconsole");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(dir.join("config.toml"), toml).expect("write config.toml");
}

/// A fleet config at `home/fleet.toml` (for `--config`): a fast refresh, timing thresholds
/// a loaded machine cannot breach, and `ensembles` (see `super::lax_config`).
pub fn fleet_config(home: &Path, ensembles: &[(&str, &Sandbox)]) -> PathBuf {
    let head = "refresh_ms = 500\nprobe_timeout_ms = 1000\n";
    super::lax_config(&home.join("fleet.toml"), head, ensembles)
}

/// The sandbox CLI for member `{id}` as a host-action template, carrying this run's sandbox
/// tag (the console runs it from a tmux session, which does not inherit the test's env).
pub fn sandbox_cli(verb: &str, dir: &Path) -> String {
    format!(
        "{} sandbox {verb} {{id}} --dir {}",
        tagged_cli(),
        dir.display()
    )
}

/// The binary as a command line that carries this run's sandbox tag, for templates and
/// scripts that start members (a leftover JVM can then be found and killed).
pub fn tagged_cli() -> String {
    let tag = std::env::var("ZKCONSOLE_SANDBOX_TAG").unwrap_or_default();
    let tag = if tag.is_empty() {
        String::new()
    } else {
        format!("env ZKCONSOLE_SANDBOX_TAG={tag} ")
    };
    format!("{tag}{}", env!("CARGO_BIN_EXE_zkconsole"))
}

/// The leader's id as the console's title line shows it (`leader N`).
pub fn leader_in(screen: &str) -> Option<u64> {
    let at = screen.find("leader ")?;
    screen[at + 7..].split_whitespace().next()?.parse().ok()
}

/// The dashboard's row of member `id`.
pub fn row_of(screen: &str, id: u64) -> Option<String> {
    screen
        .lines()
        .find(|l| {
            let t = l.trim_start_matches(['│', '▶', ' ']);
            t.split_whitespace().next() == Some(&id.to_string()) && t.contains("127.0.0.1:")
        })
        .map(str::to_string)
}

/// The fleet screen's row of ensemble `name`, with its line number.
pub fn fleet_row<'a>(screen: &'a str, name: &str) -> Option<(usize, &'a str)> {
    screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(&format!(" {name} ")))
}

/// From the dashboard to the confirmation of the recover page's restart through the host
/// actions (`w`, `r`, `r`), waiting at most `within` for each screen; the confirmation's
/// screen.
pub async fn open_host_restart(tmux: &super::tmux::Tmux, within: std::time::Duration) -> String {
    tmux.keys(&["w"]);
    tmux.until("the workflow menu", within, |s| s.contains("r  recover"))
        .await;
    tmux.keys(&["r"]);
    tmux.until("the recover page offers the host restart", within, |s| {
        s.contains("restart it on its host")
    })
    .await;
    tmux.keys(&["r"]);
    tmux.until("the confirmation", within, |s| s.contains("to confirm"))
        .await
}
