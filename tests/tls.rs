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
    let run = zkconsole_env(
        home.path(),
        &["status", "--ensemble", "secure", "--json"],
        &[],
        within,
    )
    .await;
    let report = run.json();
    // Exit 1 only because one voter tolerates no failure: that is the only problem.
    assert_eq!(run.code, 1, "{report:#}\n{}", run.stderr);
    let problems = report["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{report:#}");
    assert!(
        problems[0].to_string().contains("a single voter"),
        "{report:#}"
    );
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
