//! A reconfig whose audit record cannot be written is refused before it is sent: `apply`
//! against a real ensemble with an audit log others can read changes nothing and says why;
//! with a private log the same change goes through, recorded as intent then result.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;
use zkconsole::ensemble::LearnerType;

const WITHIN: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconfig_that_cannot_be_audited_is_refused_and_changes_nothing() {
    let mut sb = healthy_sandbox(3).await;
    let joiner = sb
        .add_member(LearnerType::Observer)
        .await
        .expect("an observer joiner");
    let spec = format!(
        "server.{}=127.0.0.1:{}:{}:observer;127.0.0.1:{}",
        joiner.id, joiner.quorum_port, joiner.election_port, joiner.client_port
    );
    let digest = std::fs::read_to_string(sb.digest_file()).expect("digest file");
    let home = tempfile::tempdir().expect("tempdir");
    let audit_file = home.path().join("state/zkconsole/audit.jsonl");
    std::fs::create_dir_all(audit_file.parent().unwrap()).unwrap();
    std::fs::write(&audit_file, "").unwrap();
    std::fs::set_permissions(&audit_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = sb.current_config().await.expect("membership");
    let connect = sb.members()[..3]
        .iter()
        .map(|m| m.client_address())
        .collect::<Vec<_>>()
        .join(",");
    let args = ["apply", "--connect", &connect, "--add", &spec, "--yes"];
    let env = [("ZKCONSOLE_DIGEST", digest.trim())];
    let apply = || zkconsole_env(home.path(), &args, &env, WITHIN);

    let refused = apply().await;
    let said = format!("{}{}", refused.stdout, refused.stderr);
    assert_ne!(refused.code, 0, "{refused:?}");
    assert!(
        said.contains("could not be audited") && said.contains("chmod 600"),
        "{refused:?}"
    );
    let after = sb.current_config().await.expect("membership");
    assert_eq!(after.version, before.version, "{}", after.to_text());
    assert!(!after.servers.contains_key(&joiner.id));
    assert_eq!(std::fs::read_to_string(&audit_file).unwrap(), "");

    // The same change with a private log: made, and recorded before and after.
    std::fs::set_permissions(&audit_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let done = apply().await;
    assert_eq!(done.code, 0, "{done:?}");
    let after = sb.current_config().await.expect("membership");
    assert!(
        after.servers.contains_key(&joiner.id),
        "{}",
        after.to_text()
    );
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&audit_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|r: &serde_json::Value| r["action"] == "reconfig")
        .collect();
    assert_eq!(records.len(), 2, "{records:#?}");
    assert_eq!(records[0]["phase"], "intent");
    assert_eq!(records[1]["phase"], "result");
    assert_eq!(records[1]["result"], "ok");
    assert_eq!(records[0]["op"], records[1]["op"]);
}
