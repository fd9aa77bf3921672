//! Builds a benchmark tree quickly with pipelined creates on one session:
//! ROOT with PARENTS children of CHILDREN children each (PARENTS × CHILDREN + PARENTS + 1
//! znodes), and optionally a separate node with WIDE children.
//!
//!   cargo run --release --example make_tree -- CONNECT [ROOT] [PARENTS] [CHILDREN] [WIDE_PATH WIDE_N]
//!   e.g. make_tree 127.0.0.1:2181 /bench 100 1000 /bench-wide 50000
//!
//! Existing nodes are left alone (NodeExists is fine), so a rerun completes a tree.

use futures::stream::{self, StreamExt};
use std::time::Instant;
use zookeeper_client as zkc;

/// Creates in flight at once.
const WINDOW: usize = 1024;

async fn create_all(client: &zkc::Client, paths: Vec<String>) -> Result<usize, zkc::Error> {
    let opts = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
    let opts = &opts;
    let mut created = 0;
    let mut results = stream::iter(paths)
        .map(|p| async move { client.create(&p, b"", opts).await.map(|_| ()) })
        .buffer_unordered(WINDOW);
    while let Some(r) = results.next().await {
        match r {
            Ok(()) => created += 1,
            Err(zkc::Error::NodeExists) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(created)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(connect) = args.first() else {
        eprintln!("usage: make_tree CONNECT [ROOT] [PARENTS] [CHILDREN] [WIDE_PATH WIDE_N]");
        std::process::exit(64);
    };
    let root = args.get(1).map_or("/bench", String::as_str).to_string();
    let num = |i: usize, d: usize| args.get(i).map_or(d, |v| v.parse().expect("a number"));
    let parents = num(2, 100);
    let children = num(3, 1000);
    let wide = args.get(4).map(|p| (p.clone(), num(5, 50_000)));

    let started = Instant::now();
    let client = zkc::Client::connector()
        .with_session_timeout(std::time::Duration::from_secs(30))
        .connect(connect)
        .await
        .unwrap_or_else(|e| panic!("connect {connect}: {e}"));
    let mut total = create_all(&client, vec![root.clone()]).await.expect("root");
    let parent_paths: Vec<String> = (0..parents).map(|i| format!("{root}/p{i:04}")).collect();
    total += create_all(&client, parent_paths.clone())
        .await
        .expect("parents");
    let child_paths: Vec<String> = parent_paths
        .iter()
        .flat_map(|p| (0..children).map(move |j| format!("{p}/c{j:05}")))
        .collect();
    total += create_all(&client, child_paths).await.expect("children");
    if let Some((wide_path, n)) = wide {
        total += create_all(&client, vec![wide_path.clone()])
            .await
            .expect("wide node");
        let paths = (0..n).map(|j| format!("{wide_path}/w{j:06}")).collect();
        total += create_all(&client, paths).await.expect("wide children");
    }
    println!(
        "make_tree: created {total} znodes in {} ms",
        started.elapsed().as_millis()
    );
}
