//! A tmux driver for the console's end-to-end tests: the console runs in a detached session of
//! a fixed size, the test types keys and reads the screen, polling with a deadline.

use std::process::Command;
use std::time::{Duration, Instant};

/// How often the screen is read again while waiting for something on it.
const POLL_EVERY: Duration = Duration::from_millis(50);

/// A detached tmux session running one command; killed when dropped. Session names must be
/// unique per test (tests of a binary run at once).
pub struct Tmux(pub String);

impl Tmux {
    /// Starts `cmd` in a new detached session `name` of `width`×`height`, failing the test
    /// when tmux cannot (it is needed: scripts/setup.sh installs it).
    pub fn start(name: &str, width: u16, height: u16, cmd: &str) -> Tmux {
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-s", name])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .arg(cmd)
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "tmux new-session failed (tmux is needed: scripts/setup.sh installs it)"
        );
        Tmux(name.to_string())
    }

    /// The smallest terminal the console supports.
    pub fn start_80x24(name: &str, cmd: &str) -> Tmux {
        Self::start(name, 80, 24, cmd)
    }

    /// The screen as text, one line per row.
    pub fn capture(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Named keys, as tmux spells them (`Enter`, `Escape`, `C-u`, or a plain letter).
    pub fn keys(&self, keys: &[&str]) {
        Command::new("tmux")
            .args(["send-keys", "-t", &self.0])
            .args(keys)
            .status()
            .unwrap();
    }

    /// Text typed as it is (no key names).
    pub fn text(&self, text: &str) {
        Command::new("tmux")
            .args(["send-keys", "-t", &self.0, "-l", text])
            .status()
            .unwrap();
    }

    /// Whether the session still runs (the console has not exited).
    pub fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["has-session", "-t", &self.0])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Polls the screen until `pred` holds; `None` when `timeout` passed first.
    pub async fn within(&self, timeout: Duration, pred: impl Fn(&str) -> bool) -> Option<String> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let screen = self.capture();
            if pred(&screen) {
                return Some(screen);
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
        None
    }

    /// Polls the screen until `pred` holds, or fails with the last screen.
    pub async fn until(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        self.until_seeing(what, timeout, |_| {}, pred).await
    }

    /// As `until`, and every screen read is given to `seen` (conditions flash by between
    /// polls of `pred`).
    pub async fn until_seeing(
        &self,
        what: &str,
        timeout: Duration,
        mut seen: impl FnMut(&str),
        pred: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.capture();
            seen(&screen);
            if pred(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            tokio::time::sleep(POLL_EVERY).await;
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}
