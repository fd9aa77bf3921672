//! What a sandbox member inherits and leaves behind, checked on real members started by the
//! binary: no console credentials in their environment, private files, and drills that say
//! when they do not apply.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;
use zkconsole::sandbox::Sandbox;

const WITHIN: Duration = Duration::from_secs(120);

/// A failed assertion must not leave the detached member running.
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.0 as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
    }
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_do_not_inherit_the_digest_and_their_files_are_private() {
    let home = tempfile::tempdir().expect("tempdir");
    let dir = home.path().join("sb");
    let shown = dir.display().to_string();
    // A usage error is told before anything is printed or started.
    let wrong = zkconsole_env(
        home.path(),
        &["sandbox", "up", "--members", "12", "--dir", &shown],
        &[],
        WITHIN,
    )
    .await;
    assert_eq!(wrong.code, 64, "{wrong:?}");
    assert!(
        wrong.stdout.is_empty() && !wrong.stderr.contains("starting"),
        "{wrong:?}"
    );
    assert!(wrong.stderr.contains("1 to 9"), "{wrong:?}");
    assert!(!dir.exists(), "nothing was created");

    let secret = ("ZKCONSOLE_DIGEST", "super:do-not-leak");
    let up = zkconsole_env(
        home.path(),
        &["sandbox", "up", "--members", "1", "--dir", &shown],
        &[secret],
        WITHIN,
    )
    .await;
    assert_eq!(up.code, 0, "{up:?}");
    let sb = Sandbox::open(&dir).expect("open the sandbox");
    let m = sb.members()[0].clone();
    let pid = m.pid.expect("a running member");
    let _cleanup = KillOnDrop(pid);

    // The JVM's environment, as the kernel holds it.
    let environ = std::fs::read(format!("/proc/{pid}/environ")).expect("environ");
    let vars: Vec<String> = environ
        .split(|b| *b == 0)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect();
    assert!(
        vars.iter().any(|v| v.starts_with("PATH=")),
        "environ was read: {vars:?}"
    );
    assert!(
        !vars.iter().any(|v| v.starts_with("ZKCONSOLE_DIGEST=")),
        "the member inherited the console's credentials"
    );
    // Files it creates itself (ZooKeeper rewrites zoo.cfg on reconfig) are private too.
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(status.contains("Umask:\t0077"), "{status}");
    assert_eq!(mode(&dir.join("sandbox.json")), 0o600);
    assert_eq!(mode(&m.dir.join("zoo.cfg")), 0o600);
    assert_eq!(mode(&dir), 0o700);

    // Drills that do not apply say so and fail (issue 15, item 10).
    let run = |args: Vec<String>| {
        let home = home.path().to_path_buf();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            zkconsole_env(&home, &args, &[], WITHIN).await
        }
    };
    let drill = |verb: &str| {
        vec![
            "sandbox".to_string(),
            verb.to_string(),
            "1".to_string(),
            "--dir".to_string(),
            shown.clone(),
        ]
    };
    let resume = run(drill("resume")).await;
    assert_ne!(resume.code, 0, "{resume:?}");
    assert!(resume.stderr.contains("not paused"), "{resume:?}");
    let kill = run(drill("kill")).await;
    assert_eq!(kill.code, 0, "{kill:?}");
    let again = run(drill("kill")).await;
    assert_ne!(again.code, 0, "{again:?}");
    assert!(again.stderr.contains("not running"), "{again:?}");

    let down = run(vec![
        "sandbox".into(),
        "down".into(),
        "--dir".into(),
        shown.clone(),
    ])
    .await;
    assert_eq!(down.code, 0, "{down:?}");
}
