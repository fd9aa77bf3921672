//! The fleet screen end to end, in tmux, on real sandboxes: two ensembles configured, one
//! gone; worst first; `enter` opens one ensemble's console, and while it is open the other
//! ensemble is still watched: a member killed meanwhile shows on return (`esc`).

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::console::{console_cmd, fleet_config, fleet_row};
use common::tmux::Tmux;
use common::*;
use std::time::Duration;

/// Several refresh intervals and probe timeouts on a loaded machine.
const WITHIN: Duration = Duration::from_secs(40);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_screen_opens_an_ensemble_and_keeps_watching_the_others() {
    let mut alpha = healthy_sandbox(3).await;
    let mut gone = healthy_sandbox(1).await;
    gone.kill(1).await.expect("kill the lone member");
    let home = tempfile::tempdir().unwrap();
    let config = fleet_config(home.path(), &[("alpha", &alpha), ("gone", &gone)]);

    let name = format!("zkc-fleet-{}", std::process::id());
    // No --ensemble and two configured: the console opens on the fleet screen.
    let cmd = console_cmd(home.path(), &[], &format!("--config {}", config.display()));
    let tmux = Tmux::start_80x24(&name, &cmd);

    let screen = tmux
        .until("gone unreachable above alpha ok", WITHIN, |s| {
            match (fleet_row(s, "gone"), fleet_row(s, "alpha")) {
                (Some((g, gl)), Some((a, al))) => {
                    g < a && gl.starts_with("UNREACHABLE") && al.starts_with("OK")
                }
                _ => false,
            }
        })
        .await;
    assert!(screen.contains("zkconsole fleet"), "{screen}");

    // Open alpha (second row): its own console, with its three members.
    tmux.keys(&["j"]);
    tmux.keys(&["Enter"]);
    tmux.until("alpha's console", WITHIN, |s| {
        s.lines().next().is_some_and(|l| l.contains("alpha")) && !s.contains("zkconsole fleet")
    })
    .await;
    // Meanwhile alpha loses a follower; the console shows it, and so does the fleet on return.
    let leader = alpha
        .wait_for_leader(Duration::from_secs(30))
        .await
        .unwrap();
    let follower = alpha.ids().into_iter().find(|&i| i != leader).unwrap();
    alpha.kill(follower).await.unwrap();
    tmux.keys(&["Escape"]);
    let screen = tmux
        .until(
            "alpha warn, 2 of 3 voters, on the fleet screen",
            WITHIN,
            |s| {
                fleet_row(s, "alpha")
                    .is_some_and(|(_, l)| l.starts_with("WARN") && l.contains("2/3"))
            },
        )
        .await;
    assert!(fleet_row(&screen, "gone").is_some(), "{screen}");
    tmux.keys(&["q"]);
    drop(tmux);
    alpha.down().await.ok();
    gone.down().await.ok();
}
