//! The clients view where `cons` is not whitelisted (many sites allow only srvr, mntr and
//! ruok): the console reads each member's AdminServer `connections` (and `watch_summary`)
//! instead, names that source, and says what to change when neither answers.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;
mod synthetic;

use common::{address_of, closed_address, garbage_peer, hung_peer, probe_opts, sandbox_with};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use zkconsole::app::clients::{ClientsMsg, ClientsRequest};
use zkconsole::app::keys::{KeyCode, KeyInput, Keymap};
use zkconsole::app::{Effect, Msg, State, StateInit, View};
use zkconsole::config::Config;
use zkconsole::ensemble::clients::{ClientConn, ReadSource};
use zkconsole::ensemble::EnsembleConfig;
use zkconsole::probe::clients_source::{read_clients, read_watches};
use zkconsole::probe::cons::fetch_cons;
use zkconsole::probe::member::{probe_member, ProbeTarget};
use zkconsole::probe::round::{seeds_of, AdminLocator, ConfigSource};
use zkconsole::sandbox::{Sandbox, SandboxOptions};
use zkconsole::ui::theme::Themes;
use zookeeper_client as zkc;

const TIMEOUT: Duration = Duration::from_secs(3);

/// What many production sites whitelist: no `cons`, no `wchs`.
fn locked_down() -> SandboxOptions {
    SandboxOptions {
        members: 3,
        whitelist: "srvr,mntr,ruok".into(),
        ..SandboxOptions::default()
    }
}

fn screen(s: &State) -> String {
    screen_sized(s, 100, 30)
}

fn screen_sized(s: &State, width: u16, height: u16) -> String {
    synthetic::screen_text(s, width, height)
}

/// The console's state for the sandbox as a session and a probe round would give it: the
/// membership, each member probed, the AdminServers located as `--admin ID=URL` would.
async fn console_of(sb: &Sandbox, session: &zkc::Client) -> State {
    let mut s = State::new(StateInit {
        ensemble: "locked".into(),
        seeds: seeds_of(&sb.connect_string()),
        admin: AdminLocator {
            by_id: sb.admin_urls().into_iter().collect(),
            port: None,
        },
        tls: Default::default(),
        read_only: false,
        sandbox: false,
        config: Config::default(),
        keymap: Keymap::default(),
        theme: "dark".into(),
        themes: Themes::load(None).names(),
    });
    let (config, _) = session.get_config().await.expect("/zookeeper/config");
    let config = EnsembleConfig::parse(&String::from_utf8_lossy(&config)).expect("membership");
    s.update(Msg::Membership {
        gen: 0,
        config,
        source: ConfigSource::Znode,
    });
    for target in s.targets() {
        let snap = probe_member(&target, probe_opts(1500)).await;
        s.update(Msg::Probed {
            gen: 0,
            target,
            snap: Box::new(snap),
            at: Instant::now(),
        });
    }
    s
}

/// Runs the console's clients worker for `req` and collects its messages (three per member:
/// sources, watches, connections) within the deadline of two exchanges per member.
async fn run_worker(req: ClientsRequest) -> Vec<ClientsMsg> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let expected = req.targets.len() * 3;
    zkconsole::tui::clients::read(req, TIMEOUT, tx);
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + TIMEOUT * 3;
    while out.len() < expected {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(Msg::Clients(m))) => out.push(m),
            Ok(Some(other)) => panic!("not a clients message: {other:?}"),
            Ok(None) | Err(_) => panic!("the worker sent {} of {expected}: {out:?}", out.len()),
        }
    }
    out
}

fn read_of<'a>(msgs: &'a [ClientsMsg], member: &str) -> &'a Result<Vec<ClientConn>, String> {
    msgs.iter()
        .find_map(|m| match m {
            ClientsMsg::Read {
                member: m, result, ..
            } if m == member => Some(result),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no read of {member}: {msgs:?}"))
}

/// The client side of every established connection to `port` on loopback, as the kernel
/// lists them (`/proc/net/tcp`): the addresses the server must report for our sessions.
fn client_ends_to(port: u16) -> BTreeSet<String> {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp");
    let endpoint = |hex: &str| -> Option<(String, u16)> {
        let (ip, p) = hex.split_once(':')?;
        let ip = u32::from_str_radix(ip, 16).ok()?.to_le_bytes();
        let ip = std::net::Ipv4Addr::from(ip).to_string();
        Some((ip, u16::from_str_radix(p, 16).ok()?))
    };
    table
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (local, remote, state) = (endpoint(f.get(1)?)?, endpoint(f.get(2)?)?, f.get(3)?);
            // 01: ESTABLISHED.
            (remote.1 == port && *state == "01").then(|| format!("{}:{}", local.0, local.1))
        })
        .collect()
}

/// Sessions pinned to member 1 of a sandbox that refuses `cons`: `:clients` lists them under
/// member 1, with the addresses the kernel gives their sockets and their session ids, read
/// from the AdminServer, and the view says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_listed_from_the_adminserver_where_cons_is_refused() {
    const N: usize = 4;
    let sb = sandbox_with(locked_down()).await;
    let one = address_of(&sb, 1);
    // The premise: this member refuses cons.
    let refused = fetch_cons(&one, None, TIMEOUT).await.unwrap_err();
    assert!(refused.contains("whitelist"), "{refused}");

    let mut sessions = Vec::new();
    for _ in 0..N {
        sessions.push(zkc::Client::connect(&one).await.expect("session"));
    }
    // One data watch, for the watch summary.
    let (_, _, watch) = sessions[0]
        .get_and_watch_data("/zookeeper")
        .await
        .expect("watch");
    let ids: BTreeSet<u64> = sessions.iter().map(|c| c.session_id().0 as u64).collect();
    let port: u16 = one.rsplit_once(':').unwrap().1.parse().unwrap();
    let ends = client_ends_to(port);
    assert_eq!(ends.len(), N, "our sessions' sockets: {ends:?}");

    let mut s = console_of(&sb, &sessions[0]).await;
    s.update(Msg::Key(KeyInput::ch(':')));
    for c in "clients".chars() {
        s.update(Msg::Key(KeyInput::ch(c)));
    }
    let fx = s.update(Msg::Key(KeyInput::plain(KeyCode::Enter)));
    assert_eq!(s.view, View::Clients);
    let [Effect::Clients(req)] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert_eq!(req.targets.len(), 3, "{req:?}");
    let msgs = run_worker(req.clone()).await;

    let listed = read_of(&msgs, "member 1").as_ref().expect("member 1 read");
    let got_ids: BTreeSet<u64> = listed.iter().filter_map(|c| c.session_id).collect();
    assert_eq!(got_ids, ids, "{listed:?}");
    let got_ends: BTreeSet<String> = listed.iter().map(|c| c.address.clone()).collect();
    assert_eq!(got_ends, ends, "{listed:?}");
    for id in [2, 3] {
        let other = read_of(&msgs, &format!("member {id}")).as_ref().unwrap();
        assert!(other
            .iter()
            .all(|c| !ids.contains(&c.session_id.unwrap_or(0))));
    }
    for m in &msgs {
        if let ClientsMsg::Sources {
            clients, watches, ..
        } = m
        {
            assert_eq!(*clients, Some(ReadSource::AdminConnections), "{m:?}");
            assert_eq!(*watches, Some(ReadSource::AdminWatchSummary), "{m:?}");
        }
    }
    let one_watch = msgs.iter().any(|m| {
        matches!(m, ClientsMsg::Watches { member, result: Ok(w) }
            if member == "member 1" && w.watches == 1 && w.connections == 1)
    });
    assert!(one_watch, "{msgs:?}");

    for m in msgs {
        s.update(Msg::Clients(m));
    }
    let t = screen(&s);
    assert!(t.contains("from AdminServer connections"), "{t}");
    assert!(t.contains("from AdminServer watch_summary"), "{t}");
    for id in &ids {
        assert!(t.contains(&format!("0x{id:x}")), "{t}");
    }
    for end in &ends {
        assert!(t.contains(end.as_str()), "{t}");
    }
    drop((sessions, watch));
}

/// Neither source answers: the sentence names both failures and what to change; a reply that
/// is not ZooKeeper's is rejected whole and quoted; a hung AdminServer costs one deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_neither_source_answers_the_message_says_what_to_change() {
    let sb = sandbox_with(SandboxOptions {
        members: 1,
        whitelist: "srvr".into(),
        ..SandboxOptions::default()
    })
    .await;
    let address = address_of(&sb, 1);
    let target = |admin_url: Option<String>| ProbeTarget {
        id: Some(1),
        address: address.clone(),
        admin_url,
        ..Default::default()
    };

    // No AdminServer known: the whitelist entry, or the URL to give.
    let (r, src) = read_clients(&target(None), TIMEOUT).await;
    let e = r.unwrap_err();
    assert_eq!(src, None);
    assert!(e.contains("add cons to 4lw.commands.whitelist"), "{e}");
    assert!(e.contains("--admin ID=URL"), "{e}");
    let (r, _) = read_watches(&target(None), TIMEOUT).await;
    assert!(r
        .unwrap_err()
        .contains("add wchs to 4lw.commands.whitelist"));

    // The member's own AdminServer answers: it is used, and named.
    let url = sb.admin_urls()[0].1.clone();
    let (r, src) = read_clients(&target(Some(url)), TIMEOUT).await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(src, Some(ReadSource::AdminConnections));

    // A wrong URL: both failures and both fixes.
    let closed = closed_address();
    let url = format!("http://{}", &*closed);
    let (r, src) = read_clients(&target(Some(url.clone())), TIMEOUT).await;
    let e = r.unwrap_err();
    assert_eq!(src, None);
    assert!(e.contains("refuses cons"), "{e}");
    assert!(e.contains(&url) && e.contains("connection refused"), "{e}");
    assert!(e.contains("add cons to 4lw.commands.whitelist"), "{e}");

    // Something else answering JSON there: rejected whole, quoted, nothing half-used.
    let (peer, _g) = garbage_peer(
        b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"connections\":[\
          {\"remote_socket_address\":\"10.0.0.1:4000\",\"interest_ops\":1,\
          \"outstanding_requests\":0,\"packets_received\":1,\"packets_sent\":1},\
          {\"remote_socket_address\":\"\\u001b[2J\"}],\"command\":\"connections\",\"error\":null}",
    )
    .await;
    let (r, _) = read_clients(&target(Some(format!("http://{peer}"))), TIMEOUT).await;
    let e = r.unwrap_err();
    assert!(
        e.contains("not a ZooKeeper reply to AdminServer connections"),
        "{e}"
    );
    assert!(e.contains("connections[1]") && !e.contains('\u{1b}'), "{e}");

    // A hung AdminServer: the four-letter word's answer plus one deadline, not more.
    let (hung, _h) = hung_peer().await;
    let started = Instant::now();
    let (r, _) = read_clients(&target(Some(format!("http://{hung}"))), TIMEOUT).await;
    let e = r.unwrap_err();
    assert!(e.contains("no answer"), "{e}");
    assert!(
        started.elapsed() < TIMEOUT * 2,
        "{:?}: {e}",
        started.elapsed()
    );
}

/// At 80×24 the title names the source per member when they differ, the watch line names the
/// AdminServer, and a member neither source could read says what to change.
#[test]
fn the_view_names_its_sources_at_80x24() {
    use synthetic::{feed_three_voters, state};
    use zkconsole::ensemble::clients::WatchSummary;
    let mut s = state(false, false);
    feed_three_voters(&mut s);
    s.update(Msg::Key(KeyInput::ch(':')));
    for c in "clients".chars() {
        s.update(Msg::Key(KeyInput::ch(c)));
    }
    s.update(Msg::Key(KeyInput::plain(KeyCode::Enter)));
    let conn = |port: u16, sid: u64| ClientConn {
        address: format!("10.0.0.9:{port}"),
        host: "10.0.0.9".into(),
        session_id: Some(sid),
        last_operation: Some("PING".into()),
        ..Default::default()
    };
    let sources = |member: &str, clients, watches| {
        Msg::Clients(ClientsMsg::Sources {
            member: member.into(),
            clients,
            watches,
        })
    };
    let admin = (
        Some(ReadSource::AdminConnections),
        Some(ReadSource::AdminWatchSummary),
    );
    s.update(sources("member 1", admin.0, admin.1));
    s.update(sources("member 2", admin.0, admin.1));
    s.update(sources(
        "member 3",
        Some(ReadSource::Cons),
        Some(ReadSource::Wchs),
    ));
    for (member, result) in [
        ("member 1", Ok(vec![conn(4000, 0x1001)])),
        ("member 2", Ok(vec![conn(4001, 0x2001)])),
        ("member 3", Ok(vec![conn(4002, 0x3001)])),
    ] {
        s.update(Msg::Clients(ClientsMsg::Read {
            member: member.into(),
            at: Instant::now(),
            result,
        }));
        s.update(Msg::Clients(ClientsMsg::Watches {
            member: member.into(),
            result: Ok(WatchSummary::default()),
        }));
    }
    let t = screen_80x24(&s);
    assert!(
        t.contains("clients of the ensemble (3) from AdminServer connections m1 m2, cons m3"),
        "{t}"
    );
    assert!(
        t.contains("from AdminServer") && t.contains("watch_summary m1 m2, wchs m3"),
        "{t}"
    );
    assert!(t.contains("0x2001") && t.contains("? help"), "{t}");
    // One source for all: named once.
    s.update(sources("member 3", admin.0, admin.1));
    let t = screen_80x24(&s);
    assert!(t.contains("(3) from AdminServer connections "), "{t}");
    // Neither source: the member's line says what to change.
    s.update(sources("member 3", None, None));
    s.update(Msg::Clients(ClientsMsg::Read {
        member: "member 3".into(),
        at: Instant::now(),
        result: Err(
            "127.0.0.1:2183 refuses cons (not in 4lw.commands.whitelist); add cons \
                     to 4lw.commands.whitelist, or give this member's AdminServer URL"
                .into(),
        ),
    }));
    let t = screen_80x24(&s);
    assert!(t.contains("member 3: 127.0.0.1:2183 refuses cons"), "{t}");
}

fn screen_80x24(s: &State) -> String {
    screen_sized(s, 80, 24)
}
