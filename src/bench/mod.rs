//! `zkconsole bench`: a bounded, labelled load on an ensemble, measured per member.
//!
//! Everything it writes lives under `/zkconsole-bench/<run-id>`: both levels are CONTAINER
//! nodes and every node the load touches is EPHEMERAL, owned by the session that writes it.
//! If this process dies, the sessions expire, their nodes go, and the server removes the
//! emptied containers by itself; when it does not die it deletes everything explicitly and
//! checks that nothing is left. Asked to stop early (ctrl-C, see [`Stop`]), it sends no new
//! request, lets those in flight finish, and cleans up the same way.

pub mod calibration;
pub mod hist;
pub mod mix;
mod session;

use crate::config::Credentials;
use crate::ensemble::observation::{endpoint_key, seeds_of};
use crate::probe::secure::TlsPorts;
use hist::Histogram;
use mix::Mix;
use serde::Serialize;
use session::{Ready, Stats};
use std::time::{Duration, Instant};
use zookeeper_client as zkc;

/// The parent of every run: one place an operator can look for (and a site can ACL).
pub const ROOT: &str = "/zkconsole-bench";

/// Set to `true` to end a run early: no new request is sent, the ones in flight finish (each
/// within its deadline, so every node's version stays known), then the run deletes its nodes
/// at their versions and its node, as at a normal end.
pub type Stop = tokio::sync::watch::Receiver<bool>;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The ensemble's connect string (the members are read from `/zookeeper/config`).
    pub connect: String,
    pub credentials: Option<Credentials>,
    pub tls: TlsPorts,
    pub mix: Mix,
    /// The measured phase; a low-load phase of a fifth of it (at most 2 s) comes first.
    pub duration: Duration,
    /// Sessions in all, spread over the members; `None`: one per member.
    pub sessions: Option<usize>,
    /// Requests in flight per session in the measured phase.
    pub in_flight: usize,
    pub timeout: Duration,
}

/// One member's figures (`members` in `--json`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MemberFigures {
    pub id: Option<u64>,
    pub address: String,
    pub sessions: usize,
    pub reads_per_s: f64,
    pub writes_per_s: f64,
    pub latency_ms: Latency,
    pub errors: u64,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Default)]
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
}

/// The `--json` contract: these four fields, nothing renamed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Figures {
    pub reads_per_s: f64,
    pub writes_per_s: f64,
    pub latency_ms: Latency,
    pub members: Vec<MemberFigures>,
}

/// A phase's ensemble-wide point for the headroom model: request rate and mean latency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub rate: f64,
    pub latency_ms: f64,
}

/// Everything a run found, for the text report, the audit line and the calibration.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub path: String,
    pub figures: Figures,
    /// The low-load phase (one request in flight per session), then the measured one.
    pub points: Vec<Point>,
    pub errors: u64,
    pub first_error: Option<String>,
    /// Members whose session could not be opened, with why.
    pub skipped: Vec<(String, String)>,
    pub cleanup: Cleanup,
    /// Asked to stop before the measured phase ended: the figures cover part of it only.
    pub interrupted: bool,
}

/// What was left behind: nothing, unless the server refused a delete.
#[derive(Debug, Clone, PartialEq)]
pub enum Cleanup {
    NoneLeft,
    Left { nodes: usize, why: String },
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("cannot reach the ensemble: {0}")]
    Unreachable(String),
    #[error("{0}")]
    Setup(String),
}

/// A member as a session is pinned to it.
#[derive(Debug, Clone)]
struct Pin {
    id: Option<u64>,
    address: String,
    connect: String,
}

/// A new run id: the time and some randomness, so concurrent runs never share a path.
pub fn run_id() -> String {
    let mut b = [0u8; 4];
    let _ = getrandom::fill(&mut b);
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("{secs}-{:08x}", u32::from_be_bytes(b))
}

/// Each request's deadline: a loaded server answers slower than a probe expects.
fn request_timeout(timeout: Duration) -> Duration {
    (timeout * 4).max(Duration::from_secs(5))
}

/// How long a run may take to wind down once asked to stop, at most: the requests in flight
/// (or a session being opened) finish, each session deletes its nodes, then the run's node is
/// removed (`remove_run`'s wait, then its last checks). Each of these has its own deadline.
pub fn wind_down_limit(timeout: Duration) -> Duration {
    remove_wait(timeout) + request_timeout(timeout) * 8
}

/// How long `remove_run` waits for the closed sessions' nodes to go.
fn remove_wait(timeout: Duration) -> Duration {
    (timeout * 8).max(Duration::from_secs(20))
}

/// Runs the benchmark under `path` (see [`run_id`]) until its end or `stop`. The caller has
/// audited the intent.
pub async fn run(o: &Options, path: &str, stop: &Stop) -> Result<Outcome, BenchError> {
    let control = crate::zk::connect_session(&o.connect, o.timeout, o.credentials.as_ref(), &o.tls)
        .await
        .map_err(|e| BenchError::Unreachable(e.to_string()))?;
    let pins = members(&control, o).await;
    make_parents(&control, path, o).await?;
    let (mut ready, skipped) = open_sessions(o, &pins, path).await;
    if ready.is_empty() {
        let _ = remove_run(&control, path, o.timeout).await;
        let why = skipped
            .iter()
            .map(|(a, e)| format!("{a}: {e}"))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(BenchError::Unreachable(format!(
            "no benchmark session could be opened ({why})"
        )));
    }
    let warm = (o.duration / 5).min(Duration::from_secs(2));
    let low = phase(&mut ready, o.mix, 1, warm, stop).await;
    let high = phase(&mut ready, o.mix, o.in_flight, o.duration, stop).await;
    let interrupted = *stop.borrow();
    let mut left = Vec::new();
    for (_, r) in ready.drain(..) {
        left.extend(r.close().await);
    }
    // Nodes a session could not delete are ephemeral: they go with its close, which
    // `remove_run` waits for; only what is still there after that counts as left.
    let cleanup = match remove_run(&control, path, o.timeout).await {
        Cleanup::Left { nodes, why } if !left.is_empty() => Cleanup::Left {
            nodes,
            why: format!("{why}; {} node(s) refused their delete", left.len()),
        },
        c => c,
    };
    let figures = figures_of(&pins, &high);
    let total = high.iter().fold(Stats::default(), |mut a, (_, s)| {
        a.merge(s);
        a
    });
    Ok(Outcome {
        path: path.to_string(),
        figures,
        points: [&low, &high].iter().filter_map(|p| point(p)).collect(),
        errors: total.errors + low.iter().map(|(_, s)| s.errors).sum::<u64>(),
        first_error: total
            .first_error
            .or_else(|| low.iter().find_map(|(_, s)| s.first_error.clone())),
        skipped,
        cleanup,
        interrupted,
    })
}

/// The members with a client address in the membership; the connect string's hosts when
/// it gives none (a static ensemble, or the membership unreadable).
async fn members(control: &zkc::Client, o: &Options) -> Vec<Pin> {
    // The chroot follows the last host; every pinned session keeps it.
    let last = o.connect.rsplit(',').next().unwrap_or("");
    let bare = last.split_once("://").map_or(last, |(_, rest)| rest);
    let chroot = bare.find('/').map_or("", |at| &bare[at..]);
    let pin = |id, address: String| {
        let tls = o.tls.client_for(&address, false).is_some();
        Pin {
            id,
            connect: format!("{}{address}{chroot}", if tls { "tcp+tls://" } else { "" }),
            address,
        }
    };
    let read = tokio::time::timeout(o.timeout * 2, crate::zk::read_config(control)).await;
    if let Ok(Ok((config, _))) = read {
        let pins: Vec<Pin> = config
            .servers
            .values()
            .filter_map(|s| Some(pin(Some(s.id), s.client_address()?)))
            .collect();
        if !pins.is_empty() {
            return pins;
        }
    }
    let mut seen = Vec::new();
    seeds_of(&o.connect)
        .into_iter()
        .filter(|s| {
            let k = endpoint_key(s);
            let new = !seen.contains(&k);
            seen.push(k);
            new
        })
        .map(|s| pin(None, s))
        .collect()
}

/// A control call's failure: the server's error, or no answer by the deadline.
#[derive(Debug)]
enum Call {
    Zk(zkc::Error),
    Late,
}

impl std::fmt::Display for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Call::Zk(e) => write!(f, "{e}"),
            Call::Late => write!(f, "no answer in time"),
        }
    }
}

async fn bounded<T>(
    timeout: Duration,
    f: impl std::future::Future<Output = Result<T, zkc::Error>>,
) -> Result<T, Call> {
    match tokio::time::timeout(request_timeout(timeout), f).await {
        Ok(r) => r.map_err(Call::Zk),
        Err(_) => Err(Call::Late),
    }
}

/// `/zkconsole-bench` and the run's node, both containers: the server deletes a container
/// once its last child is gone, so a run killed half-way leaves nothing for long.
async fn make_parents(c: &zkc::Client, path: &str, o: &Options) -> Result<(), BenchError> {
    let run_acls = if o.credentials.is_some() {
        zkc::Acls::creator_all()
    } else {
        zkc::Acls::anyone_all()
    };
    // The shared parent must take other users' runs too.
    let root = zkc::CreateMode::Container.with_acls(zkc::Acls::anyone_all());
    let run = zkc::CreateMode::Container.with_acls(run_acls);
    // The server may remove an empty root between the two creates: try again once.
    for _ in 0..2 {
        match bounded(o.timeout, c.create(ROOT, b"zkconsole bench runs", &root)).await {
            Ok(_) => {}
            Err(Call::Zk(zkc::Error::NodeExists)) => {}
            Err(e) => return Err(BenchError::Setup(format!("create {ROOT}: {e}"))),
        }
        match bounded(o.timeout, c.create(path, b"zkconsole bench run", &run)).await {
            Ok(_) => return Ok(()),
            Err(Call::Zk(zkc::Error::NoNode)) => continue,
            Err(e) => return Err(BenchError::Setup(format!("create {path}: {e}"))),
        }
    }
    Err(BenchError::Setup(format!(
        "create {path}: {ROOT} keeps vanishing"
    )))
}

/// Sessions spread round-robin over the members; a member whose session does not open is
/// skipped (with why), the others go on.
async fn open_sessions(
    o: &Options,
    pins: &[Pin],
    path: &str,
) -> (Vec<(usize, Ready)>, Vec<(String, String)>) {
    let opens = (0..o.sessions.unwrap_or(pins.len())).map(|i| {
        let m = i % pins.len();
        let t = session::Target {
            connect: pins[m].connect.clone(),
            credentials: o.credentials.clone(),
            tls: o.tls.clone(),
            timeout: o.timeout,
            request_timeout: request_timeout(o.timeout),
        };
        async move { (m, session::open(&t, path, i, o.in_flight).await) }
    });
    let mut ready = Vec::new();
    let mut skipped: Vec<(String, String)> = Vec::new();
    for (m, r) in futures::future::join_all(opens).await {
        match r {
            Ok(s) => ready.push((m, s)),
            Err(e) => {
                if !skipped.iter().any(|(a, _)| *a == pins[m].address) {
                    skipped.push((pins[m].address.clone(), e));
                }
            }
        }
    }
    (ready, skipped)
}

/// Every session drives load at once for `length` or until `stop`; the stats per member
/// index.
async fn phase(
    ready: &mut [(usize, Ready)],
    mix: Mix,
    in_flight: usize,
    length: Duration,
    stop: &Stop,
) -> Vec<(usize, Stats)> {
    let end = Instant::now() + length;
    let runs = ready.iter_mut().map(|(m, r)| {
        let m = *m;
        async move { (m, r.drive(mix, in_flight, end, stop).await) }
    });
    futures::future::join_all(runs).await
}

fn point(stats: &[(usize, Stats)]) -> Option<Point> {
    let elapsed = stats.iter().map(|(_, s)| s.elapsed).max()?.as_secs_f64();
    let n: u64 = stats.iter().map(|(_, s)| s.reads + s.writes).sum();
    let mut h = Histogram::default();
    for (_, s) in stats {
        h.merge(&s.hist);
    }
    (elapsed > 0.0 && n > 0).then(|| Point {
        rate: n as f64 / elapsed,
        latency_ms: h.mean_ms().unwrap_or(0.0),
    })
}

fn latency(h: &Histogram) -> Latency {
    Latency {
        p50: round3(h.quantile_ms(0.5).unwrap_or(0.0)),
        p99: round3(h.quantile_ms(0.99).unwrap_or(0.0)),
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn per_s(n: u64, elapsed: Duration) -> f64 {
    let s = elapsed.as_secs_f64();
    if s > 0.0 {
        (n as f64 / s * 10.0).round() / 10.0
    } else {
        0.0
    }
}

fn figures_of(pins: &[Pin], high: &[(usize, Stats)]) -> Figures {
    let mut total = Stats::default();
    let mut members = Vec::new();
    for (m, pin) in pins.iter().enumerate() {
        let mut s = Stats::default();
        let mut sessions = 0;
        for (_, st) in high.iter().filter(|(i, _)| *i == m) {
            s.merge(st);
            sessions += 1;
        }
        if sessions == 0 {
            continue;
        }
        total.merge(&s);
        members.push(MemberFigures {
            id: pin.id,
            address: pin.address.clone(),
            sessions,
            reads_per_s: per_s(s.reads, s.elapsed),
            writes_per_s: per_s(s.writes, s.elapsed),
            latency_ms: latency(&s.hist),
            errors: s.errors,
        });
    }
    Figures {
        reads_per_s: per_s(total.reads, total.elapsed),
        writes_per_s: per_s(total.writes, total.elapsed),
        latency_ms: latency(&total.hist),
        members,
    }
}

/// Deletes the run's node (its ephemeral children are gone, or going with their sessions),
/// then the shared root if no other run uses it, and checks that the run's node is gone.
async fn remove_run(c: &zkc::Client, path: &str, timeout: Duration) -> Cleanup {
    // Children of a closed session go when the server processes its close: wait for them
    // as long as a session could outlive us.
    let deadline = Instant::now() + remove_wait(timeout);
    let mut why = String::new();
    loop {
        match bounded(timeout, c.delete(path, Some(0))).await {
            Ok(()) => break,
            Err(Call::Zk(zkc::Error::NoNode)) => break,
            Err(e) => why = e.to_string(),
        }
        if Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if let Ok(Some(stat)) = bounded(timeout, c.check_stat(ROOT)).await {
        if stat.num_children == 0 {
            // Another run may create under it right now: NotEmpty then, which is fine.
            let _ = bounded(timeout, c.delete(ROOT, Some(stat.version))).await;
        }
    }
    match bounded(timeout, c.list_children(path)).await {
        Err(Call::Zk(zkc::Error::NoNode)) => Cleanup::NoneLeft,
        Ok(children) => Cleanup::Left {
            nodes: children.len() + 1,
            why,
        },
        Err(e) => Cleanup::Left {
            nodes: 1,
            why: format!("could not verify ({e})"),
        },
    }
}
