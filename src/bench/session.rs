//! One benchmark session, pinned to one member: it creates its own ephemeral nodes under the
//! run's path, keeps `window` requests in flight on them until a deadline, and deletes them.
//! Every request carries a deadline; a write carries the version it expects (each in-flight
//! slot owns one node, so the slot always knows its node's version).

use super::hist::Histogram;
use super::mix::Mix;
use crate::config::Credentials;
use crate::probe::secure::TlsPorts;
use futures::stream::{FuturesUnordered, StreamExt};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};
use zookeeper_client as zkc;

/// Bytes written by each write: small, as ZooKeeper's data usually is.
const PAYLOAD: [u8; 64] = [b'z'; 64];

/// Where a session goes and how it authenticates.
#[derive(Debug, Clone)]
pub struct Target {
    /// One member only (`host:port`, `tcp+tls://` when its port speaks TLS, plus a chroot).
    pub connect: String,
    pub credentials: Option<Credentials>,
    pub tls: TlsPorts,
    /// Opening the session, and each request's deadline.
    pub timeout: Duration,
    pub request_timeout: Duration,
}

/// What a phase of load measured on one session.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub reads: u64,
    pub writes: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub hist: Histogram,
    pub elapsed: Duration,
}

impl Stats {
    pub fn merge(&mut self, o: &Stats) {
        self.reads += o.reads;
        self.writes += o.writes;
        self.errors += o.errors;
        if self.first_error.is_none() {
            self.first_error.clone_from(&o.first_error);
        }
        self.hist.merge(&o.hist);
        self.elapsed = self.elapsed.max(o.elapsed);
    }
}

/// A session with its nodes created, ready to drive load.
pub struct Ready {
    client: zkc::Client,
    slots: Vec<Slot>,
    request_timeout: Duration,
}

#[derive(Debug, Clone)]
struct Slot {
    path: String,
    version: i32,
    n: u64,
    /// A slot whose request failed stops (a lost session fails every request at once).
    stopped: bool,
}

/// Opens the session and creates its `window` nodes `{run}/s{index}-{slot}` (ephemeral: they
/// go with the session even if this process dies).
pub async fn open(t: &Target, run: &str, index: usize, window: usize) -> Result<Ready, String> {
    let client = crate::zk::connect_session(&t.connect, t.timeout, t.credentials.as_ref(), &t.tls)
        .await
        .map_err(|e| e.to_string())?;
    let acls = if t.credentials.is_some() {
        zkc::Acls::creator_all()
    } else {
        zkc::Acls::anyone_all()
    };
    let opts = zkc::CreateMode::Ephemeral.with_acls(acls);
    let paths: Vec<String> = (0..window).map(|s| format!("{run}/s{index}-{s}")).collect();
    let creates = paths.iter().map(|p| {
        let f = client.create(p, &PAYLOAD, &opts);
        tokio::time::timeout(t.request_timeout, f)
    });
    for (p, r) in paths.iter().zip(futures::future::join_all(creates).await) {
        match r {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("create {p}: {e}")),
            Err(_) => return Err(format!("create {p}: no answer in time")),
        }
    }
    Ok(Ready {
        client,
        slots: paths
            .into_iter()
            .map(|path| Slot {
                path,
                version: 0,
                n: 0,
                stopped: false,
            })
            .collect(),
        request_timeout: t.request_timeout,
    })
}

type Pending = Pin<Box<dyn Future<Output = Done> + Send>>;

struct Done {
    slot: usize,
    write: bool,
    took: Duration,
    /// The new version after a write; the error otherwise.
    result: Result<Option<i32>, String>,
}

impl Ready {
    /// Keeps up to `in_flight` requests going (one per slot) until `end` or `stop`; the ones
    /// in flight then finish (each within its deadline), so every slot knows its version.
    pub async fn drive(
        &mut self,
        mix: Mix,
        in_flight: usize,
        end: Instant,
        stop: &super::Stop,
    ) -> Stats {
        let started = Instant::now();
        let mut stats = Stats::default();
        let mut pending: FuturesUnordered<Pending> = FuturesUnordered::new();
        let going = || Instant::now() < end && !*stop.borrow();
        for i in (0..in_flight.min(self.slots.len())).filter(|_| going()) {
            pending.push(self.request(i, mix));
        }
        while let Some(done) = pending.next().await {
            stats.hist.record(done.took.as_micros() as u64);
            match done.result {
                Ok(v) => {
                    if let Some(v) = v {
                        self.slots[done.slot].version = v;
                    }
                    if done.write {
                        stats.writes += 1;
                    } else {
                        stats.reads += 1;
                    }
                }
                Err(e) => {
                    stats.errors += 1;
                    stats.first_error.get_or_insert(e);
                    self.slots[done.slot].stopped = true;
                }
            }
            if going() && !self.slots[done.slot].stopped {
                pending.push(self.request(done.slot, mix));
            }
        }
        stats.elapsed = started.elapsed();
        stats
    }

    fn request(&mut self, i: usize, mix: Mix) -> Pending {
        let slot = &mut self.slots[i];
        let write = mix.is_write(slot.n);
        slot.n += 1;
        let deadline = self.request_timeout;
        let started = Instant::now();
        let result: Pin<Box<dyn Future<Output = Result<Option<i32>, zkc::Error>> + Send>> = if write
        {
            let f = self
                .client
                .set_data(&slot.path, &PAYLOAD, Some(slot.version));
            Box::pin(async move { f.await.map(|s| Some(s.version)) })
        } else {
            let f = self.client.get_data(&slot.path);
            Box::pin(async move { f.await.map(|_| None) })
        };
        Box::pin(async move {
            let result = match tokio::time::timeout(deadline, result).await {
                Ok(r) => r.map_err(|e| e.to_string()),
                Err(_) => Err(format!("no answer within {} ms", deadline.as_millis())),
            };
            Done {
                slot: i,
                write,
                took: started.elapsed(),
                result,
            }
        })
    }

    /// Deletes the session's nodes (each with the version it expects), then closes the
    /// session. Returns the nodes it could not delete: they are ephemeral, so they still go
    /// when the session's close is processed.
    pub async fn close(self) -> Vec<String> {
        let deletes = self.slots.iter().map(|s| {
            let f = self.client.delete(&s.path, Some(s.version));
            tokio::time::timeout(self.request_timeout, f)
        });
        let results = futures::future::join_all(deletes).await;
        let left = self
            .slots
            .iter()
            .zip(results)
            .filter(|(_, r)| !matches!(r, Ok(Ok(())) | Ok(Err(zkc::Error::NoNode))))
            .map(|(s, _)| s.path.clone())
            .collect();
        drop(self.client);
        left
    }
}
