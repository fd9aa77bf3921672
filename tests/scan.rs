//! Acceptance tests of `zkconsole scan` and `zkconsole::tree::scan` against a real 1-member
//! sandbox holding a generated tree whose every figure is known: a few thousand nodes across
//! depths, a node with 50,000 children, binary data, a 1,000,000-byte value, unicode names,
//! ephemeral and sequential nodes, and a digest-protected node with children (NoAuth for an
//! unauthenticated scan).

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;

use common::*;
use futures::stream::{self, StreamExt};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use zkconsole::tree::scan::{scan, ScanError, ScanOptions, ScanReport};
use zookeeper_client as zkc;

const ROOT: &str = "/scan-test";
const WIDE: &str = "/scan-test/wide";
const WIDE_CHILDREN: usize = 50_000;
const BIG: &str = "/scan-test/big";
const BIG_BYTES: usize = 1_000_000;
const SECRET: &str = "/scan-test/secret";
const SECRET_CHILDREN: usize = 3;
const USER: &str = "alice";
const PASSWORD: &str = "s3cret";
/// Creates in flight at once while building the tree.
const CREATE_WINDOW: usize = 1000;

/// One node to create.
struct Spec {
    path: String,
    data: Vec<u8>,
    mode: zkc::CreateMode,
    /// Digest ACL for alice only (else world:anyone).
    protected: bool,
}

impl Spec {
    fn new(path: impl Into<String>, data: impl Into<Vec<u8>>) -> Spec {
        Spec {
            path: path.into(),
            data: data.into(),
            mode: zkc::CreateMode::Persistent,
            protected: false,
        }
    }

    fn mode(mut self, mode: zkc::CreateMode) -> Spec {
        self.mode = mode;
        self
    }

    /// Path components: `/a` is 1.
    fn level(&self) -> usize {
        self.path.matches('/').count()
    }

    fn under_secret(&self) -> bool {
        self.path.starts_with(&format!("{SECRET}/"))
    }
}

/// What an unauthenticated and an authenticated scan of ROOT must find.
struct Truth {
    all_znodes: u64,
    all_bytes: u64,
    /// Without the secret node's children.
    visible_znodes: u64,
    visible_bytes: u64,
    ephemerals: u64,
    deepest: String,
    deepest_depth: u32,
}

fn deep_chain() -> Vec<String> {
    let mut p = format!("{ROOT}/deep");
    let mut v = vec![p.clone()];
    for i in 1..=15 {
        p = format!("{p}/l{i:02}");
        v.push(p.clone());
    }
    v
}

fn specs() -> Vec<Spec> {
    let mut v = vec![Spec::new(ROOT, b"root".to_vec())];
    // The wide node.
    v.push(Spec::new(WIDE, b"".to_vec()));
    for i in 0..WIDE_CHILDREN {
        v.push(Spec::new(format!("{WIDE}/w{i:05}"), b"".to_vec()));
    }
    // A few thousand nodes over three levels with binary data (not UTF-8: 0x00, 0xff, 0xfe...).
    v.push(Spec::new(
        format!("{ROOT}/tree"),
        vec![0xff, 0xfe, 0x00, 0x80],
    ));
    for d in 0..40 {
        v.push(Spec::new(
            format!("{ROOT}/tree/d{d:02}"),
            vec![d as u8; d % 7],
        ));
        for n in 0..60 {
            let len = (d * 60 + n) % 97;
            let data: Vec<u8> = (0..len).map(|k| (k * 37 + d + n) as u8 ^ 0xc3).collect();
            v.push(Spec::new(format!("{ROOT}/tree/d{d:02}/n{n:02}"), data));
        }
    }
    // The deepest path.
    for p in deep_chain() {
        v.push(Spec::new(p, b"d".to_vec()));
    }
    // A 1,000,000-byte value (jute.maxbuffer is 1 MiB - 1).
    v.push(Spec::new(
        BIG,
        (0..BIG_BYTES).map(|i| (i % 251) as u8).collect::<Vec<u8>>(),
    ));
    // Unicode names (right-to-left, symbols, spaces, combining marks). Characters outside the
    // Basic Multilingual Plane (emoji) are refused by ZooKeeper itself: Java sees surrogates.
    v.push(Spec::new(format!("{ROOT}/unicode"), b"".to_vec()));
    for name in [
        "日本語",
        "ünïcødé",
        "symbols ★☃",
        "Ελληνικά",
        "עברית",
        "a b c",
        "e\u{301}",
    ] {
        v.push(Spec::new(format!("{ROOT}/unicode/{name}"), name.as_bytes()));
    }
    v.push(Spec::new(
        format!("{ROOT}/unicode/日本語/子"),
        "子".as_bytes(),
    ));
    // Ephemeral and sequential nodes (the builder's session keeps the ephemerals alive).
    v.push(Spec::new(format!("{ROOT}/eph"), b"".to_vec()));
    for i in 0..5 {
        v.push(
            Spec::new(format!("{ROOT}/eph/e{i}"), b"x".to_vec()).mode(zkc::CreateMode::Ephemeral),
        );
    }
    for _ in 0..3 {
        v.push(
            Spec::new(format!("{ROOT}/eph/es-"), b"yy".to_vec())
                .mode(zkc::CreateMode::EphemeralSequential),
        );
    }
    v.push(Spec::new(format!("{ROOT}/seq"), b"".to_vec()));
    for _ in 0..10 {
        v.push(
            Spec::new(format!("{ROOT}/seq/s-"), b"seq".to_vec())
                .mode(zkc::CreateMode::PersistentSequential),
        );
    }
    // Protected: only alice may list its children.
    v.push(Spec {
        protected: true,
        ..Spec::new(SECRET, b"classified".to_vec())
    });
    for i in 0..SECRET_CHILDREN {
        v.push(Spec::new(format!("{SECRET}/c{i}"), b"hidden".to_vec()));
    }
    v
}

fn truth(specs: &[Spec]) -> Truth {
    let bytes =
        |it: &mut dyn Iterator<Item = &Spec>| -> u64 { it.map(|s| s.data.len() as u64).sum() };
    let visible: Vec<&Spec> = specs.iter().filter(|s| !s.under_secret()).collect();
    let deepest = deep_chain().pop().expect("chain");
    Truth {
        all_znodes: specs.len() as u64,
        all_bytes: bytes(&mut specs.iter()),
        visible_znodes: visible.len() as u64,
        visible_bytes: bytes(&mut visible.iter().copied()),
        ephemerals: specs
            .iter()
            .filter(|s| {
                matches!(
                    s.mode,
                    zkc::CreateMode::Ephemeral | zkc::CreateMode::EphemeralSequential
                )
            })
            .count() as u64,
        deepest_depth: (deepest.matches('/').count() - ROOT.matches('/').count()) as u32,
        deepest,
    }
}

/// Creates every node, one level at a time (parents first), pipelined within a level.
async fn build(client: &zkc::Client, specs: &[Spec]) {
    let acl = [zkc::Acl::new(
        zkc::Permission::ALL,
        zkc::AuthId::new("digest", &zkconsole::sandbox::digest_of(USER, PASSWORD)),
    )];
    let acl = &acl[..];
    let max_level = specs.iter().map(Spec::level).max().unwrap_or(0);
    for level in 1..=max_level {
        let mut results = stream::iter(specs.iter().filter(|s| s.level() == level))
            .map(|s| async move {
                let acls = if s.protected {
                    zkc::Acls::new(acl)
                } else {
                    zkc::Acls::anyone_all()
                };
                let opts = s.mode.with_acls(acls);
                (s, client.create(&s.path, &s.data, &opts).await)
            })
            .buffer_unordered(CREATE_WINDOW);
        while let Some((s, r)) = results.next().await {
            if let Err(e) = r {
                panic!("create {}: {e}", s.path);
            }
        }
    }
}

async fn session(connect: &str, auth: bool) -> zkc::Client {
    let mut connector = zkc::Client::connector().with_session_timeout(Duration::from_secs(30));
    if auth {
        connector = connector.with_auth("digest", format!("{USER}:{PASSWORD}").as_bytes());
    }
    connector
        .connect(connect)
        .await
        .unwrap_or_else(|e| panic!("connect {connect}: {e}"))
}

async fn scan_of(client: &zkc::Client, root: &str, opts: &ScanOptions) -> ScanReport {
    let cancel = AtomicBool::new(false);
    scan(client, root, opts, |_| {}, &cancel)
        .await
        .unwrap_or_else(|e| panic!("scan {root}: {e}"))
}

fn assert_common(r: &ScanReport, t: &Truth) {
    assert_eq!(r.root, ROOT);
    assert_eq!(r.ephemerals, t.ephemerals, "ephemerals");
    assert_eq!(r.max_depth, t.deepest_depth, "max_depth");
    assert_eq!(r.deepest_path, t.deepest, "deepest_path");
    assert_eq!(r.most_children[0].path, WIDE, "{:?}", r.most_children);
    assert_eq!(r.most_children[0].children, WIDE_CHILDREN as u64);
    assert_eq!(r.largest_data[0].path, BIG, "{:?}", r.largest_data);
    assert_eq!(r.largest_data[0].bytes, BIG_BYTES as u64);
    assert_eq!(r.vanished.count, 0);
    assert_eq!(r.unreadable.count, 0, "{:?}", r.unreadable);
    assert!(!r.cancelled && !r.truncated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_finds_exactly_the_tree_that_was_built() {
    let t0 = Instant::now();
    let sb = healthy_sandbox(1).await;
    let connect = sb.connect_string();
    let t_up = t0.elapsed();

    // The builder is alice (so it may create under the protected node); its session holds the
    // ephemerals until the end of the test.
    let builder = session(&connect, true).await;
    let specs = specs();
    let truth = truth(&specs);
    build(&builder, &specs).await;
    let t_built = t0.elapsed();
    assert!(truth.all_znodes > 52_000, "{}", truth.all_znodes);

    // Unauthenticated: NoAuth on the protected node, counted and reported, scan goes on.
    let anon = session(&connect, false).await;
    let calls = AtomicU64::new(0);
    let cancel = AtomicBool::new(false);
    let opts = ScanOptions {
        top: 5,
        ..ScanOptions::default()
    };
    let started = Instant::now();
    let r = scan(
        &anon,
        ROOT,
        &opts,
        |p| {
            calls.fetch_add(1, Ordering::Relaxed);
            assert!(p.in_flight <= opts.window, "{p:?}");
        },
        &cancel,
    )
    .await
    .expect("scan");
    let took = started.elapsed();
    assert_common(&r, &truth);
    assert_eq!(r.znodes, truth.visible_znodes, "znodes");
    assert_eq!(r.data_bytes, truth.visible_bytes, "data_bytes");
    assert_eq!(r.no_auth.count, 1, "{:?}", r.no_auth);
    assert_eq!(r.no_auth.paths, vec![SECRET.to_string()]);
    assert_eq!(r.no_auth.unlisted_children, SECRET_CHILDREN as u64);
    assert!(r.is_partial());
    assert_eq!(r.most_children.len(), 5);
    // Then the forty 60-child directories, in path order.
    assert_eq!(r.most_children[1].path, format!("{ROOT}/tree/d00"));
    assert_eq!(r.most_children[1].children, 60);
    let calls = calls.load(Ordering::Relaxed);
    assert!(
        calls <= took.as_millis() as u64 / 100 + 2,
        "progress called {calls} times in {took:?}"
    );
    println!(
        "unauthenticated scan: {} znodes in {} ms ({} znodes/s), {calls} progress calls",
        r.znodes, r.elapsed_ms, r.nodes_per_sec
    );

    // Authenticated as alice, from `/`: everything, nothing partial, plus `/` itself and
    // ZooKeeper's own subtree (/zookeeper, /zookeeper/quota, /zookeeper/config).
    let whole = scan_of(&builder, "/", &ScanOptions::default()).await;
    assert_eq!(whole.znodes, truth.all_znodes + 4, "{whole:#?}");
    assert!(
        whole.data_bytes > truth.all_bytes,
        "/zookeeper/config has data"
    );
    assert_eq!(whole.ephemerals, truth.ephemerals);
    assert_eq!(whole.deepest_path, truth.deepest);
    assert_eq!(whole.max_depth, truth.deepest_depth + 1);
    assert_eq!(whole.most_children[0].path, WIDE);
    assert_eq!(whole.largest_data[0].path, BIG);
    assert_eq!(whole.no_auth.count, 0);
    assert!(!whole.is_partial());
    assert_eq!(whole.most_children.len(), 10);
    assert_eq!(whole.largest_data.len(), 10);

    // A small subtree, checked node by node; a trailing slash is accepted.
    // One request at a time gives the same figures.
    let small = scan_of(
        &anon,
        &format!("{ROOT}/unicode/"),
        &ScanOptions {
            window: 1,
            ..ScanOptions::default()
        },
    )
    .await;
    assert_eq!(small.root, format!("{ROOT}/unicode"));
    assert_eq!(small.znodes, 9);
    assert_eq!(small.deepest_path, format!("{ROOT}/unicode/日本語/子"));
    assert_eq!(small.most_children[0].children, 7);

    // Limits and cancellation.
    let capped = scan_of(
        &anon,
        ROOT,
        &ScanOptions {
            max_nodes: Some(100),
            ..ScanOptions::default()
        },
    )
    .await;
    assert!(capped.truncated && capped.is_partial(), "{capped:#?}");
    assert_eq!(capped.znodes, 100);
    let pre_cancelled = AtomicBool::new(true);
    let c = scan(&anon, ROOT, &ScanOptions::default(), |_| {}, &pre_cancelled)
        .await
        .expect("cancelled scan");
    assert!(c.cancelled && c.is_partial() && c.znodes == 0, "{c:#?}");
    let stop = AtomicBool::new(false);
    let c = scan(
        &anon,
        ROOT,
        &ScanOptions {
            window: 4,
            ..ScanOptions::default()
        },
        |_| stop.store(true, Ordering::Relaxed),
        &stop,
    )
    .await
    .expect("scan cancelled by its progress callback");
    // A window of 4 keeps the scan slower than one progress tick on any machine.
    assert!(c.cancelled, "{c:#?}");
    assert!(c.znodes < truth.visible_znodes);

    // A missing root fails; the session stays usable.
    match scan(
        &anon,
        "/scan-test/nope",
        &ScanOptions::default(),
        |_| {},
        &cancel,
    )
    .await
    {
        Err(ScanError::NoNode(p)) => assert_eq!(p, "/scan-test/nope"),
        other => panic!("expected NoNode, got {other:?}"),
    }
    assert!(matches!(
        scan(&anon, "nope", &ScanOptions::default(), |_| {}, &cancel).await,
        Err(ScanError::BadPath { .. })
    ));
    let t_lib = t0.elapsed();

    // The binary: JSON equal to the library's figures; exit 1 for the NoAuth node.
    let run = zkconsole(&["scan", "--connect", &connect, ROOT, "--json", "--top", "3"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    let j = run.json();
    assert_eq!(j["root"], ROOT);
    assert_eq!(j["znodes"], truth.visible_znodes);
    assert_eq!(j["data_bytes"], truth.visible_bytes);
    assert_eq!(j["ephemerals"], truth.ephemerals);
    assert_eq!(j["max_depth"], truth.deepest_depth);
    assert_eq!(j["deepest_path"], truth.deepest.as_str());
    assert_eq!(j["most_children"][0]["path"], WIDE);
    assert_eq!(j["most_children"][0]["children"], WIDE_CHILDREN);
    assert_eq!(j["most_children"].as_array().map(Vec::len), Some(3));
    assert_eq!(j["largest_data"][0]["path"], BIG);
    assert_eq!(j["largest_data"][0]["bytes"], BIG_BYTES);
    assert_eq!(j["no_auth"]["count"], 1);
    assert_eq!(j["no_auth"]["paths"][0], SECRET);
    assert_eq!(j["vanished"]["count"], 0);
    assert_eq!(j["cancelled"], false);
    assert!(j["elapsed_ms"].as_u64().is_some() && j["nodes_per_sec"].as_u64().is_some());

    // With alice's credentials (ZKCONSOLE_DIGEST): the whole tree, exit 0.
    let home = tempfile::tempdir().expect("tempdir");
    let run = zkconsole_env(
        home.path(),
        &["scan", "--connect", &connect, ROOT, "--json"],
        &[("ZKCONSOLE_DIGEST", &format!("{USER}:{PASSWORD}"))],
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let j = run.json();
    assert_eq!(j["znodes"], truth.all_znodes);
    assert_eq!(j["data_bytes"], truth.all_bytes);
    assert_eq!(j["no_auth"]["count"], 0);

    // Text for people.
    let run = zkconsole(&["scan", "--connect", &connect, &format!("{ROOT}/unicode")]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("scan of /scan-test/unicode"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("znodes     9 (0 ephemeral)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("/scan-test/unicode/symbols ★☃"),
        "{}",
        run.stdout
    );
    // A NoAuth root: counted (its Stat comes from exists), reported, exit 1.
    let run = zkconsole(&["scan", "--connect", &connect, SECRET]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("znodes     1 (0 ephemeral)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("3 of their children not scanned"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("NoAuth"), "{}", run.stdout);
    assert!(run.stdout.contains(SECRET), "{}", run.stdout);

    // Missing path: 3 with a clear message; malformed path and window: 64.
    let run = zkconsole(&["scan", "--connect", &connect, "/scan-test/nope"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("/scan-test/nope does not exist"),
        "{run:?}"
    );
    let run = zkconsole(&["scan", "--connect", &connect, "scan-test"]).await;
    assert_eq!(run.code, 64, "{run:?}");
    let run = zkconsole(&["scan", "--connect", &connect, ROOT, "--window", "0"]).await;
    assert_eq!(run.code, 64, "{run:?}");
    let t_cli = t0.elapsed();
    println!(
        "timings: sandbox {t_up:?}, build {:?} ({} znodes), library scans {:?}, cli {:?}",
        t_built - t_up,
        truth.all_znodes,
        t_lib - t_built,
        t_cli - t_lib
    );
    drop(builder);
    drop(sb);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_of_unreachable_ensemble_exits_3() {
    let addr = closed_address();
    let run = zkconsole(&["scan", "--connect", &addr, "/", "--timeout-ms", "500"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("cannot reach"), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    // No target at all: usage.
    let run = zkconsole(&["scan", "/"]).await;
    assert_eq!(run.code, 64, "{run:?}");
}
