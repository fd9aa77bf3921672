//! A replay server: many fake ZooKeeper members on loopback answering with replies recorded
//! from real 3.8 servers (tests/fixtures, taken from /work/shared/zk-samples), for the fleet
//! tests and the scale benchmark, where 1,000 JVMs are out of reach. Not in the shipped binary:
//! tests include it with `#[path]`, and `examples/replay_server.rs` serves it on its own.
//!
//! Ensemble `e` (0-based) member `m` (1-based) listens on `127.<100 + e / 250>.<e % 250>.<m>`,
//! all on one port: the whole 127/8 is loopback on Linux, so a thousand members need no
//! thousand ports. Each member answers the four-letter words `mntr`, `srvr`, `stat`, `conf`
//! (a membership naming its ensemble's members), `ruok`, `isro`, `cons`, `wchs`, and
//! `GET /commands/<name>` as an AdminServer on the same port. Some members can be made slow,
//! hung, garbage-speaking or not serving, as real members in trouble are.

#![allow(dead_code)] // Each includer uses a different part.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const MNTR_LEADER: &str = include_str!("../fixtures/mntr_leader.txt");
const MNTR_FOLLOWER: &str = include_str!("../fixtures/mntr_follower.txt");
const SRVR_LEADER: &str = include_str!("../fixtures/leader_srvr.txt");
const SRVR_FOLLOWER: &str = include_str!("../fixtures/follower_srvr.txt");
const STAT_LEADER: &str = include_str!("../fixtures/leader_stat.txt");
const STAT_FOLLOWER: &str = include_str!("../fixtures/follower_stat.txt");
const CONF: &str = include_str!("../fixtures/leader_conf.txt");
const RUOK: &str = include_str!("../fixtures/leader_ruok.txt");
const ISRO: &str = include_str!("../fixtures/leader_isro.txt");
const NS_MNTR: &str = include_str!("../fixtures/notserving_mntr.txt");
const NS_SRVR: &str = include_str!("../fixtures/notserving_srvr.txt");
const NS_ISRO: &str = include_str!("../fixtures/notserving_isro.txt");
const ADMIN_MONITOR_LEADER: &str = include_str!("../fixtures/admin_leader_monitor.json");
const ADMIN_MONITOR_FOLLOWER: &str = include_str!("../fixtures/admin_follower_monitor.json");
const ADMIN_ZABSTATE: &str = include_str!("../fixtures/admin_leader_zabstate.json");

/// How one member behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Behaviour {
    Healthy,
    /// Answers after this long.
    Slow(Duration),
    /// Accepts and never answers (a SIGSTOPped JVM, a black-holed host).
    Hung,
    /// Answers bytes no ZooKeeper would send.
    Garbage,
    /// Up but out of its quorum: "This ZooKeeper instance is not currently serving requests".
    NotServing,
}

#[derive(Debug, Clone)]
pub struct Spec {
    pub ensembles: usize,
    pub members: usize,
    /// One port for every member (0: pick a free one).
    pub port: u16,
    /// (ensemble, member id, behaviour) for the members that are not healthy.
    pub faults: Vec<(usize, u64, Behaviour)>,
}

/// One replayed ensemble: its members' addresses and its connect string.
#[derive(Debug, Clone)]
pub struct ReplayEnsemble {
    pub name: String,
    pub members: Vec<SocketAddr>,
}

impl ReplayEnsemble {
    pub fn connect(&self) -> String {
        let all: Vec<String> = self.members.iter().map(|a| a.to_string()).collect();
        all.join(",")
    }
}

/// The running fleet; dropping it stops every member.
pub struct ReplayFleet {
    pub ensembles: Vec<ReplayEnsemble>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for ReplayFleet {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl ReplayFleet {
    /// One connect string per line, `name = connect`: an inventory file for `--inventory`.
    pub fn inventory(&self) -> String {
        self.ensembles
            .iter()
            .map(|e| format!("{} = {}\n", e.name, e.connect()))
            .collect()
    }
}

pub fn member_ip(ensemble: usize, member: u64) -> Ipv4Addr {
    Ipv4Addr::new(
        127,
        100 + (ensemble / 250) as u8,
        (ensemble % 250) as u8,
        member as u8,
    )
}

/// Starts every member. With port 0 the first member picks a free port and the rest take the
/// same one (on other addresses); a port taken on some address makes this try another.
pub async fn start(spec: &Spec) -> std::io::Result<ReplayFleet> {
    assert!(spec.ensembles <= 250 * 100 && (1..=250).contains(&spec.members));
    let mut last_err = None;
    for _ in 0..10 {
        match start_on(spec).await {
            Ok(f) => return Ok(f),
            Err(e) if spec.port == 0 => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| std::io::Error::other("no port")))
}

async fn start_on(spec: &Spec) -> std::io::Result<ReplayFleet> {
    let mut listeners = Vec::new();
    let mut port = spec.port;
    for e in 0..spec.ensembles {
        for m in 1..=spec.members as u64 {
            let l = TcpListener::bind((member_ip(e, m), port)).await?;
            port = l.local_addr()?.port();
            listeners.push((e, m, l));
        }
    }
    let mut fleet = ReplayFleet {
        ensembles: Vec::new(),
        tasks: Vec::new(),
    };
    for e in 0..spec.ensembles {
        let members: Vec<SocketAddr> = (1..=spec.members as u64)
            .map(|m| SocketAddr::from((member_ip(e, m), port)))
            .collect();
        fleet.ensembles.push(ReplayEnsemble {
            name: format!("replay-{e:03}"),
            members,
        });
    }
    for (e, m, l) in listeners {
        let behaviour = spec
            .faults
            .iter()
            .find(|(fe, fm, _)| *fe == e && *fm == m)
            .map_or(Behaviour::Healthy, |f| f.2);
        let member = Arc::new(Member {
            id: m,
            leader: m == 1,
            behaviour,
            conf: conf_for(&fleet.ensembles[e].members, m),
        });
        fleet.tasks.push(tokio::spawn(serve(l, member)));
    }
    Ok(fleet)
}

struct Member {
    id: u64,
    leader: bool,
    behaviour: Behaviour,
    conf: String,
}

/// The recorded `conf` with this ensemble's members and this member's id in it.
fn conf_for(members: &[SocketAddr], id: u64) -> String {
    let head = CONF.split("membership:").next().unwrap_or("");
    let mut out = String::new();
    for line in head.lines() {
        let line = if line.starts_with("serverId=") {
            format!("serverId={id}")
        } else if line.starts_with("clientPort=") {
            format!("clientPort={}", members[0].port())
        } else {
            line.to_string()
        };
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("membership: \n");
    for (i, a) in members.iter().enumerate() {
        let ip = a.ip();
        out.push_str(&format!(
            "server.{}={ip}:2888:3888:participant;{a}\n",
            i + 1
        ));
    }
    out.push_str("version=100000000");
    out
}

async fn serve(listener: TcpListener, member: Arc<Member>) {
    loop {
        let Ok((sock, _)) = listener.accept().await else {
            // Out of descriptors, most likely: let others finish before accepting again.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        tokio::spawn(answer(sock, member.clone()));
    }
}

async fn answer(mut sock: TcpStream, member: Arc<Member>) {
    let mut req = [0u8; 512];
    let mut got = 0;
    // A four-letter word is 4 bytes; an HTTP request ends with an empty line.
    while got < 4 || (req.starts_with(b"GET ") && !req[..got].windows(4).any(|w| w == b"\r\n\r\n"))
    {
        match tokio::time::timeout(Duration::from_secs(5), sock.read(&mut req[got..])).await {
            Ok(Ok(n)) if n > 0 => got += n,
            _ => return,
        }
        if got == req.len() {
            break;
        }
    }
    let reply = match member.behaviour {
        Behaviour::Hung => {
            // Hold the connection as a stopped process would, for longer than any probe waits.
            tokio::time::sleep(Duration::from_secs(120)).await;
            return;
        }
        Behaviour::Garbage => b"\x00\x17\xff\xfeSSH-2.0-OpenSSH_9.2\r\n\x01\x02".to_vec(),
        Behaviour::Slow(d) => {
            tokio::time::sleep(d).await;
            reply_for(&member, &req[..got])
        }
        Behaviour::Healthy | Behaviour::NotServing => reply_for(&member, &req[..got]),
    };
    let _ = sock.write_all(&reply).await;
    let _ = sock.shutdown().await;
}

fn reply_for(member: &Member, req: &[u8]) -> Vec<u8> {
    if req.starts_with(b"GET ") {
        return http_reply(member, req);
    }
    let serving = member.behaviour != Behaviour::NotServing;
    let text: &str = match (&req[..4], serving, member.leader) {
        (b"mntr", false, _) => NS_MNTR,
        (b"srvr", false, _) | (b"stat", false, _) => NS_SRVR,
        (b"isro", false, _) => NS_ISRO,
        (b"mntr", true, true) => MNTR_LEADER,
        (b"mntr", true, false) => MNTR_FOLLOWER,
        (b"srvr", true, true) => SRVR_LEADER,
        (b"srvr", true, false) => SRVR_FOLLOWER,
        (b"stat", true, true) => STAT_LEADER,
        (b"stat", true, false) => STAT_FOLLOWER,
        (b"conf", _, _) => return member.conf.clone().into_bytes(),
        (b"ruok", _, _) => RUOK,
        (b"isro", true, _) => ISRO,
        _ => "",
    };
    text.as_bytes().to_vec()
}

fn http_reply(member: &Member, req: &[u8]) -> Vec<u8> {
    let line = String::from_utf8_lossy(req);
    let path = line.split_whitespace().nth(1).unwrap_or("");
    let body = match path {
        "/commands/monitor" if member.behaviour == Behaviour::NotServing => None,
        "/commands/monitor" if member.leader => Some(ADMIN_MONITOR_LEADER),
        "/commands/monitor" => Some(ADMIN_MONITOR_FOLLOWER),
        "/commands/zabstate" => Some(ADMIN_ZABSTATE),
        _ => None,
    };
    let (status, body) = match body {
        Some(b) => ("200 OK", b.to_string()),
        None => (
            "404 Not Found",
            String::from("{\"error\":\"unknown command\"}"),
        ),
    };
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
