//! TLS to the client port (the `tls` cargo feature) against a real member serving a
//! `secureClientPort`: probes, `status` and `scan` over TLS, verified against the ensemble's CA,
//! and a certificate from another CA refused with the reason rather than a hang.
//!
//! Run with `cargo test --features tls --test tls` (the test script does).
#![cfg(feature = "tls")]

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::*;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use zkconsole::sandbox::{SandboxOptions, SandboxTls};
use zookeeper_client as zkc;

const STORE_PASSWORD: &str = "sandbox-store";

/// Runs `openssl` in `dir` with a whitespace-separated argument line.
fn openssl(dir: &Path, line: &str) {
    let args: Vec<&str> = line.split_whitespace().collect();
    let out = Command::new("openssl")
        .args(&args)
        .current_dir(dir)
        .output()
        .expect("openssl (apt-get install openssl)");
    assert!(
        out.status.success(),
        "openssl {line}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA named `name` in `dir` (`name.pem`, `name.key`).
fn make_ca(dir: &Path, name: &str) {
    openssl(
        dir,
        &format!(
            "req -x509 -newkey rsa:2048 -nodes -days 2 -keyout {name}.key -out {name}.pem \
             -subj /CN={name} -addext basicConstraints=critical,CA:TRUE \
             -addext keyUsage=critical,keyCertSign,cRLSign"
        ),
    );
}

/// A server certificate for 127.0.0.1 signed by `ca`, in a PKCS#12 store for ZooKeeper.
fn make_server_store(dir: &Path, ca: &str) -> SandboxTls {
    openssl(
        dir,
        "req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1",
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &format!(
            "x509 -req -in server.csr -CA {ca}.pem -CAkey {ca}.key -CAcreateserial -days 2 \
             -out server.pem -extfile server.ext"
        ),
    );
    openssl(
        dir,
        &format!(
            "pkcs12 -export -in server.pem -inkey server.key -out server.p12 -name server \
             -passout pass:{STORE_PASSWORD}"
        ),
    );
    SandboxTls {
        keystore: dir.join("server.p12"),
        password: STORE_PASSWORD.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_scan_over_tls_verified_against_the_ensembles_ca() {
    let certs = tempfile::tempdir().unwrap();
    make_ca(certs.path(), "ca");
    make_ca(certs.path(), "other-ca");
    let store = make_server_store(certs.path(), "ca");
    let sb = sandbox_with(SandboxOptions {
        members: 1,
        tls: Some(store),
        ..SandboxOptions::default()
    })
    .await;
    let secure = sb.secure_connect_string();
    assert!(secure.starts_with("tcp+tls://127.0.0.1:"), "{secure}");

    // Some data, written over the plain port, to be counted over TLS.
    let plain = zkc::Client::connect(&sb.connect_string()).await.unwrap();
    let persistent = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    plain.create("/tls", b"", &persistent).await.unwrap();
    for i in 0..20 {
        plain
            .create(&format!("/tls/n{i}"), b"12345", &persistent)
            .await
            .unwrap();
    }

    let home = tempfile::tempdir().unwrap();
    let config_dir = home.path().join("config").join("zkconsole");
    std::fs::create_dir_all(&config_dir).unwrap();
    let ca = |name: &str| {
        certs
            .path()
            .join(format!("{name}.pem"))
            .display()
            .to_string()
    };
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "[ensembles.secure]\nconnect = \"{secure}\"\ntls_ca_file = \"{}\"\n\n\
             [ensembles.wrong]\nconnect = \"{secure}\"\ntls_ca_file = \"{}\"\n",
            ca("ca"),
            ca("other-ca")
        ),
    )
    .unwrap();
    let within = Duration::from_secs(30);

    // The probes speak TLS to the secure port: the member is a leader with full metrics.
    // A fresh JVM's first TLS handshakes are slow on a loaded machine: a generous timeout.
    let run = zkconsole_env(
        home.path(),
        &[
            "status",
            "--ensemble",
            "secure",
            "--json",
            "--timeout-ms",
            "5000",
        ],
        &[],
        within,
    )
    .await;
    let report = run.json();
    // Reachable and serving; apart from threshold breaches a loaded machine may cause (probe
    // time, latency), the only problem is that one voter tolerates no failure.
    assert!(matches!(run.code, 1 | 2), "{report:#}\n{}", run.stderr);
    let problems: Vec<&str> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| !p.starts_with("member 1: "))
        .collect();
    assert_eq!(problems.len(), 1, "{report:#}");
    assert!(problems[0].contains("a single voter"), "{report:#}");
    assert_eq!(report["leader"], 1, "{report:#}");
    let secure_addr = secure.trim_start_matches("tcp+tls://");
    let row = row_by_address(&report, secure_addr);
    assert_eq!(row["role"], "leader", "{row:#}");
    assert_eq!(row["source"], "mntr", "{row:#}");
    assert!(row["znodes"].as_i64().unwrap() >= 21, "{row:#}");

    // A session over TLS: the scan counts what was written.
    let run = zkconsole_env(
        home.path(),
        &["scan", "--ensemble", "secure", "/tls", "--json"],
        &[],
        within,
    )
    .await;
    let scan = run.json();
    assert_eq!(run.code, 0, "{scan:#}\n{}", run.stderr);
    assert_eq!(scan["znodes"], 21, "{scan:#}");
    assert_eq!(scan["data_bytes"], 100, "{scan:#}");

    // Trusting another CA: the probe says the handshake failed, at once, and why.
    let run = zkconsole_env(
        home.path(),
        &[
            "status",
            "--ensemble",
            "wrong",
            "--json",
            "--timeout-ms",
            "5000",
        ],
        &[],
        within,
    )
    .await;
    let report = run.json();
    assert_ne!(run.code, 0, "{report:#}");
    let row = row_by_address(&report, secure_addr);
    assert_eq!(row["role"], "error", "{row:#}");
    let error = row["error"].as_str().unwrap_or_default();
    assert!(error.contains("TLS handshake failed"), "{row:#}");
    assert!(
        run.elapsed < Duration::from_secs(5),
        "a refused certificate must not wait for the timeout: {:?}",
        run.elapsed
    );
    // The session is refused too, and the scan says so instead of hanging.
    let run = zkconsole_env(
        home.path(),
        &["scan", "--ensemble", "wrong", "/tls"],
        &[],
        within,
    )
    .await;
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr.contains("TLS handshake failed"),
        "the reason must be given: {}",
        run.stderr
    );
}

/// TLS settings are values, one per ensemble: in one process, a probe with one ensemble's CA
/// and then another's each use their own (the console's `:ensemble` switch), and a CA file
/// that could not be read is read again at the next probe instead of failing for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_ensemble_keeps_its_own_ca_and_a_failed_one_is_retried() {
    use zkconsole::probe::member::{probe_member, ProbeTarget};
    use zkconsole::probe::secure::{TlsConfig, TlsPorts};
    use zkconsole::probe::types::Role;

    let certs = tempfile::tempdir().unwrap();
    make_ca(certs.path(), "ca");
    make_ca(certs.path(), "other-ca");
    let store = make_server_store(certs.path(), "ca");
    let sb = sandbox_with(SandboxOptions {
        members: 1,
        tls: Some(store),
        ..SandboxOptions::default()
    })
    .await;
    let secure = sb.secure_connect_string();
    let addr = secure.trim_start_matches("tcp+tls://").to_string();
    let with_ca = |path: std::path::PathBuf| {
        TlsPorts::of(
            &secure,
            TlsConfig {
                ca: Some(path),
                ..TlsConfig::default()
            },
        )
    };
    let probe = |tls: TlsPorts| {
        let addr = addr.clone();
        async move {
            let target = ProbeTarget {
                tls: tls.client_for(&addr, false),
                address: addr,
                ..ProbeTarget::default()
            };
            probe_member(&target, probe_opts(5000)).await
        }
    };
    let right = with_ca(certs.path().join("ca.pem"));
    let wrong = with_ca(certs.path().join("other-ca.pem"));
    for (tls, want) in [
        (&right, Role::Leader),
        (&wrong, Role::Error),
        (&right, Role::Leader),
    ] {
        let snap = probe(tls.clone()).await;
        assert_eq!(snap.role, want, "{snap:?}");
        if want == Role::Error {
            let e = snap.error.unwrap_or_default();
            assert!(e.contains("TLS handshake failed"), "{e}");
        }
    }
    // Sessions too: each with its own CA.
    let timeout = Duration::from_secs(5);
    assert!(
        zkconsole::zk::connect_session(&secure, timeout, None, &right)
            .await
            .is_ok()
    );
    let refused = zkconsole::zk::connect_session(&secure, timeout, None, &wrong).await;
    assert!(refused.is_err(), "a session trusting another CA must fail");

    // A CA file missing when the ensemble was resolved, put in place afterwards.
    let late = certs.path().join("late.pem");
    let tls = with_ca(late.clone());
    let snap = probe(tls.clone()).await;
    assert_eq!(snap.role, Role::Error, "{snap:?}");
    assert!(
        snap.error
            .as_deref()
            .unwrap_or_default()
            .contains("late.pem"),
        "{snap:?}"
    );
    std::fs::copy(certs.path().join("ca.pem"), &late).unwrap();
    let snap = probe(tls).await;
    assert_eq!(snap.role, Role::Leader, "the CA is read again: {snap:?}");
}
