//! Clients and sessions: `cons` read from real servers, the clients view's model and its
//! rendering at 80×24, and the connection balance breach.

#[allow(dead_code)] // Helpers shared with other test crates; not all are used here.
mod common;
mod synthetic;

use common::{address_of, garbage_peer, healthy_sandbox, hung_peer};
use std::time::{Duration, Instant};
use synthetic::{feed_three_voters, state};
use zkconsole::app::clients::{ClientsMsg, ClientsView};
use zkconsole::app::keys::KeyInput;
use zkconsole::app::{Effect, Msg, State, View};
use zkconsole::ensemble::clients::ClientConn;
use zkconsole::probe::cons::{fetch_cons, parse_cons};
use zkconsole::probe::parse::Reply;
use zookeeper_client as zkc;

const TIMEOUT: Duration = Duration::from_secs(3);

fn screen(s: &State) -> String {
    synthetic::screen_text(s, 80, 24)
}

fn conns(text: &str) -> Vec<ClientConn> {
    match parse_cons(text).unwrap() {
        Reply::Ok(v) => v,
        other => panic!("{other:?}"),
    }
}

fn cons_of(n: usize, host: &str, received: u64) -> String {
    (0..n)
        .map(|i| {
            format!(
                " /{host}:{}[1](queued=0,recved={received},sent={received},sid=0x{:x},lop=PING,\
                 est=1795317362718,to=10000,lcxid=0x2,lzxid=0x100000008,lresp={},llat=0,\
                 minlat=0,avglat=1,maxlat={})\n",
                40000 + i,
                0x1000 + i,
                1000 + i,
                i
            )
        })
        .collect()
}

/// `:CMD` typed and entered; the effects of the `enter`.
fn command(s: &mut State, cmd: &str) -> Vec<Effect> {
    s.update(Msg::Key(KeyInput::ch(':')));
    for c in cmd.chars() {
        s.update(Msg::Key(KeyInput::ch(c)));
    }
    s.update(Msg::Key(KeyInput::plain(
        zkconsole::app::keys::KeyCode::Enter,
    )))
}

/// A console on three voters with `:clients` open.
fn clients_of_three_voters() -> State {
    let mut s = state(false, false);
    feed_three_voters(&mut s);
    command(&mut s, "clients");
    s
}

#[test]
fn c_reads_the_selected_member_and_colon_clients_reads_all() {
    let mut s = state(false, false);
    feed_three_voters(&mut s);
    let fx = s.update(Msg::Key(KeyInput::ch('c')));
    assert_eq!(s.view, View::Clients);
    let [Effect::Clients(req)] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert_eq!(req.targets.len(), 1, "{req:?}");
    s.update(Msg::Key(KeyInput::plain(
        zkconsole::app::keys::KeyCode::Esc,
    )));
    assert_eq!(s.view, View::Dashboard);
    let fx = command(&mut s, "clients");
    let [Effect::Clients(req)] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert_eq!(req.targets.len(), 3);
    // `r` reads again (on request only).
    let fx = s.update(Msg::Key(KeyInput::ch('r')));
    assert!(matches!(&fx[..], [Effect::Clients(_)]), "{fx:?}");
}

#[test]
fn the_view_fits_80x24_with_balance_breach_rates_and_errors() {
    let mut s = clients_of_three_voters();
    let t0 = Instant::now();
    let read = |member: &str, at, result| {
        Msg::Clients(ClientsMsg::Read {
            member: member.into(),
            at,
            result,
        })
    };
    s.update(read(
        "member 1",
        t0,
        Ok(conns(&cons_of(12, "10.0.0.9", 10))),
    ));
    s.update(read(
        "member 1",
        t0 + Duration::from_secs(2),
        Ok(conns(&cons_of(12, "10.0.0.9", 50))),
    ));
    s.update(read("member 2", t0, Ok(conns(&cons_of(1, "10.0.0.8", 5)))));
    // Member 3 serves only the `cons` request itself: no sessions.
    let asker = " /127.0.0.1:50520[0](queued=0,recved=1,sent=0)\n";
    s.update(read("member 3", t0, Ok(conns(asker))));
    s.update(read("member 4", t0, Err("timed out after 1.5s".into())));
    let t = screen(&s);
    for p in [
        "clients of the ensemble (13)",
        "BREACH: member 1 holds 2.8× its fair share",
        "imbalance",
        "member 4: timed out",
        "address",
        "session",
        "req/s",
        "10.0.0.9:40000",
        "0x1000",
        "20",
        "idle",
        "? help",
    ] {
        assert!(t.contains(p), "{p:?} missing:\n{t}");
    }
    // Per host: the sessions of each client machine across members.
    s.update(Msg::Key(KeyInput::ch('a')));
    let t = screen(&s);
    assert!(t.contains("10.0.0.9"), "{t}");
    assert!(t.contains("m1=12"), "{t}");
}

#[tokio::test]
async fn garbage_and_hung_peers_give_a_sentence_within_the_deadline() {
    let (addr, _g) = garbage_peer(b"SSH-2.0-OpenSSH_9.6\r\n").await;
    let e = fetch_cons(&addr, None, TIMEOUT).await.unwrap_err();
    assert!(e.contains("not a ZooKeeper reply to cons"), "{e}");
    let (addr, _h) = hung_peer().await;
    let started = Instant::now();
    let e = fetch_cons(&addr, None, TIMEOUT).await.unwrap_err();
    assert!(started.elapsed() < TIMEOUT * 2, "{e}");
}

/// Sessions a test opens on one member show in that member's `cons` with their session ids
/// and the client's address; with all of them on one member the balance is breached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_on_one_member_appear_in_its_cons_and_breach_the_balance() {
    const N: usize = 8;
    let sb = healthy_sandbox(3).await;
    let target = address_of(&sb, 1);
    let mut sessions = Vec::new();
    for _ in 0..N {
        let c = zkc::Client::connect(&target).await.expect("session");
        sessions.push(c);
    }
    let ids: Vec<u64> = sessions.iter().map(|c| c.session_id().0 as u64).collect();
    let listed = common::eventually(TIMEOUT * 5, "sessions in cons", || {
        let target = target.clone();
        let ids = ids.clone();
        async move {
            let got = fetch_cons(&target, None, TIMEOUT).await?;
            let missing: Vec<&u64> = ids
                .iter()
                .filter(|id| !got.iter().any(|c| c.session_id == Some(**id)))
                .collect();
            if missing.is_empty() {
                Ok(got)
            } else {
                Err(format!("missing {missing:x?} in {got:?}"))
            }
        }
    })
    .await;
    for c in listed.iter().filter(|c| c.session_id.is_some()) {
        assert_eq!(c.host, "127.0.0.1", "{c:?}");
        assert!(
            c.timeout_ms.is_some() && c.last_operation.is_some(),
            "{c:?}"
        );
    }
    let mut view = ClientsView::new(None);
    for id in sb.ids() {
        let got = fetch_cons(&address_of(&sb, id), None, TIMEOUT).await;
        view.on_read(format!("member {id}"), Instant::now(), got);
    }
    let b = view.balance().expect("three members answered");
    assert_eq!(b.breach.as_deref(), Some("member 1"), "{b:?}");
    assert!(b.imbalance > 2.0, "{b:?}");
    drop(sessions);
}

fn open_member_clients(read_only: bool) -> State {
    let mut s = state(read_only, false);
    feed_three_voters(&mut s);
    s.update(Msg::Key(KeyInput::ch('c')));
    assert_eq!(s.view, View::Clients);
    s
}

fn ask_of(fx: &[Effect]) -> zkconsole::app::clients::ClientsAsk {
    let [Effect::Clients(req)] = fx else {
        panic!("{fx:?}")
    };
    req.ask
}

/// `wchc`/`wchp` only after a warning naming ZOOKEEPER-2693 and a `y`; any other key cancels.
#[test]
fn watch_listings_need_a_warning_and_a_yes() {
    use zkconsole::app::clients::ClientsAsk;
    use zkconsole::ensemble::clients::WatchDumpKind;
    let mut s = open_member_clients(false);
    let fx = s.update(Msg::Key(KeyInput::ch('v')));
    assert!(fx.is_empty(), "nothing is read before the yes: {fx:?}");
    let t = screen(&s);
    assert!(t.contains("ZOOKEEPER-2693"), "{t}");
    assert!(t.contains("wchc"), "{t}");
    let fx = s.update(Msg::Key(KeyInput::ch('n')));
    assert!(fx.is_empty(), "cancelled: {fx:?}");
    assert!(!screen(&s).contains("ZOOKEEPER-2693"));
    s.update(Msg::Key(KeyInput::ch('V')));
    let fx = s.update(Msg::Key(KeyInput::ch('y')));
    assert_eq!(ask_of(&fx), ClientsAsk::Dump(WatchDumpKind::ByPath));
    // The listing arrives, bounded, with the count of the rest.
    let groups: Vec<(String, Vec<String>)> = (0..40)
        .map(|i| (format!("/p{i}"), vec![format!("0x{i:x}")]))
        .collect();
    s.update(Msg::Clients(ClientsMsg::Dump {
        member: "member 1".into(),
        kind: WatchDumpKind::ByPath,
        result: Ok(zkconsole::ensemble::clients::WatchDump { groups }),
    }));
    let t = screen(&s);
    assert!(t.contains("member 1: 40 paths, 40 watches"), "{t}");
    assert!(t.contains("more paths"), "{t}");
    assert!(t.contains("? help"), "{t}");
}

/// The watch summary shows per member; a whitelist refusal says what to add.
#[test]
fn the_watch_summary_shows_per_member_and_refusals_say_the_fix() {
    let mut s = open_member_clients(false);
    s.update(Msg::Clients(ClientsMsg::Watches {
        member: "member 1".into(),
        result: Ok(zkconsole::ensemble::clients::WatchSummary {
            connections: 3,
            paths: 7,
            watches: 9,
        }),
    }));
    s.update(Msg::Clients(ClientsMsg::Watches {
        member: "member 2".into(),
        result: Err("127.0.0.1:2182 refuses wchs: it is not in 4lw.commands.whitelist".into()),
    }));
    let t = screen(&s);
    assert!(t.contains("watches m1=3/7/9"), "{t}");
    assert!(t.contains("4lw.commands.whitelist"), "{t}");
}

/// Resets: a preview of what restarts, then `y`; never offered read-only.
#[test]
fn resets_are_previewed_confirmed_and_absent_read_only() {
    use zkconsole::app::clients::{ClientsAsk, ResetKind};
    let mut s = open_member_clients(false);
    assert!(screen(&s).contains("z/Z resets"), "{}", screen(&s));
    let fx = s.update(Msg::Key(KeyInput::ch('Z')));
    assert!(fx.is_empty());
    let t = screen(&s);
    assert!(t.contains("srst"), "{t}");
    assert!(t.contains("lifetime figures restart"), "{t}");
    assert!(t.contains("member"), "{t}");
    let fx = s.update(Msg::Key(KeyInput::ch('y')));
    assert_eq!(ask_of(&fx), ClientsAsk::Reset(ResetKind::Server));
    s.update(Msg::Key(KeyInput::ch('z')));
    let fx = s.update(Msg::Key(KeyInput::ch('y')));
    assert_eq!(ask_of(&fx), ClientsAsk::Reset(ResetKind::Connections));

    let mut ro = open_member_clients(true);
    let t = screen(&ro);
    assert!(!t.contains("reset"), "no reset hint read-only:\n{t}");
    for k in ['z', 'Z'] {
        ro.update(Msg::Key(KeyInput::ch(k)));
        let fx = ro.update(Msg::Key(KeyInput::ch('y')));
        assert!(
            !fx.iter()
                .any(|e| matches!(e, Effect::Clients(r) if matches!(r.ask, ClientsAsk::Reset(_)))),
            "{fx:?}"
        );
    }
}

/// A real member: `wchs` counts a test's watch; `srst` (audited, before and after) resets its
/// packet counters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wchs_counts_a_watch_and_srst_resets_packets_audited() {
    use zkconsole::app::clients::ResetKind;
    use zkconsole::probe::watches::fetch_wchs;
    let sb = healthy_sandbox(3).await;
    let target = address_of(&sb, 1);
    let client = zkc::Client::connect(&target).await.expect("session");
    let (_, _stat, _watch) = client
        .get_and_watch_data("/zookeeper")
        .await
        .expect("a data watch");
    let w = common::eventually(TIMEOUT * 5, "the watch in wchs", || {
        let target = target.clone();
        async move {
            let w = fetch_wchs(&target, None, TIMEOUT).await?;
            if w.watches >= 1 && w.connections >= 1 {
                Ok(w)
            } else {
                Err(format!("{w:?}"))
            }
        }
    })
    .await;
    assert!(w.paths >= 1, "{w:?}");

    let packets = |addr: String| async move {
        let text = zkconsole::probe::transport::four_letter_word(&addr, "mntr", TIMEOUT, 1 << 20)
            .await
            .unwrap();
        let Reply::Ok(m) = zkconsole::probe::parse::parse_mntr(&text).unwrap() else {
            panic!("{text}")
        };
        m.get("packets_received").and_then(|v| v.as_i64()).unwrap()
    };
    // Some traffic first, so the counter is clearly above what a reset leaves.
    for _ in 0..20 {
        client.get_data("/zookeeper").await.unwrap();
    }
    let before = packets(target.clone()).await;
    assert!(before >= 20, "{before}");
    let dir = tempfile::tempdir().unwrap();
    let audit_path = dir.path().join("audit.jsonl");
    let log = zkconsole::audit::AuditLog::at(
        &audit_path,
        zkconsole::config::DigestKey::from_bytes([7; 32]),
    );
    let probe_target = zkconsole::ensemble::member::ProbeTarget {
        id: Some(1),
        address: target.clone(),
        admin_url: None,
        verify_id: false,
        tls: None,
    };
    let said = zkconsole::tui::clients::audited_reset(
        &log,
        "test",
        &probe_target,
        ResetKind::Server,
        TIMEOUT,
    )
    .await
    .expect("srst");
    assert_eq!(said, "Server stats reset.");
    let after = packets(target.clone()).await;
    assert!(
        after < before,
        "srst reset packets_received: {before} -> {after}"
    );
    let lines = log.read_all().unwrap();
    let phases: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["phase"].as_str().unwrap(), l["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        phases,
        [("intent", "srst"), ("result", "srst")],
        "{lines:?}"
    );
    assert_eq!(lines[1]["result"], "ok");
    assert_eq!(lines[0]["path"], target.as_str());
    // crst: the server's own words, audited the same way.
    let said = zkconsole::tui::clients::audited_reset(
        &log,
        "test",
        &probe_target,
        ResetKind::Connections,
        TIMEOUT,
    )
    .await
    .expect("crst");
    assert_eq!(said, "Connection stats reset.");
    assert_eq!(log.read_all().unwrap().len(), 4);

    // An audit log that cannot be written: refused, and the counters untouched.
    for _ in 0..20 {
        client.get_data("/zookeeper").await.unwrap();
    }
    let before = packets(target.clone()).await;
    let blocked = zkconsole::audit::AuditLog::at(
        &dir.path().join("not-a-dir").join("x").join("audit.jsonl"),
        zkconsole::config::DigestKey::from_bytes([7; 32]),
    );
    std::fs::write(
        dir.path().join("not-a-dir"),
        "a file where a directory must be",
    )
    .unwrap();
    let e = zkconsole::tui::clients::audited_reset(
        &blocked,
        "test",
        &probe_target,
        ResetKind::Server,
        TIMEOUT,
    )
    .await
    .unwrap_err();
    assert!(e.contains("nothing was reset"), "{e}");
    let after = packets(target.clone()).await;
    assert!(after >= before, "no reset happened: {before} -> {after}");
}

/// The clients view's balance breach joins the advice: the busiest member and where to look.
#[test]
fn a_balance_breach_in_the_clients_view_becomes_advice_naming_the_busiest_member() {
    use zkconsole::advisor::Kind;
    let mut s = clients_of_three_voters();
    let t0 = Instant::now();
    let read = |member: &str, n: usize| {
        Msg::Clients(ClientsMsg::Read {
            member: member.into(),
            at: t0,
            result: Ok(conns(&cons_of(n, "10.0.0.9", 10))),
        })
    };
    s.update(read("member 1", 2));
    s.update(read("member 2", 2));
    s.update(read("member 3", 2));
    let balance_advice = |s: &State| {
        s.load
            .advice
            .iter()
            .find(|a| a.kind == Kind::ConnectionBalance)
            .cloned()
    };
    assert_eq!(balance_advice(&s), None, "even: no advice");
    s.update(read("member 2", 20));
    let a = balance_advice(&s).expect("a breach is advice");
    assert!(
        a.text.starts_with("member 2 holds 20 client sessions"),
        "{}",
        a.text
    );
    assert!(a.text.ends_with("see clients (c)"), "{}", a.text);
    // Still there after the next probe round recomputes the advice.
    feed_three_voters(&mut s);
    assert!(balance_advice(&s).is_some());
}

/// `o` on an ephemeral node in the tree inspector lands on its owner session, under the
/// member that holds it; when that member cannot be read, the view says so plainly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ephemeral_nodes_owner_jumps_to_its_session_under_its_member() {
    use zkconsole::app::clients::ClientsAsk;
    use zkconsole::app::tree::{NodeDetail, TreeMsg};
    use zkconsole::tree::node::NodeStat;
    let sb = healthy_sandbox(3).await;
    // Pinned to member 2: its only address.
    let owner = zkc::Client::connect(&address_of(&sb, 2))
        .await
        .expect("session");
    let (stat, _) = owner
        .create(
            "/owned",
            b"x",
            &zkc::CreateMode::Ephemeral.with_acls(zkc::Acls::anyone_all()),
        )
        .await
        .expect("ephemeral");
    let stat = NodeStat::from(&stat);
    assert_eq!(stat.ephemeral_owner, owner.session_id().0);
    // Another session on the same member: the view must pick the owner's, not any.
    let bystander = zkc::Client::connect(&address_of(&sb, 2))
        .await
        .expect("session");

    let mut s = state(false, false);
    feed_three_voters(&mut s);
    // Not ephemeral: said, nothing read.
    let _ = s.open_tree(Some("/"));
    s.update(Msg::Tree(TreeMsg::Children {
        path: "/".into(),
        result: Ok((vec!["owned".into()], NodeStat::default())),
    }));
    let node = |stat: NodeStat| {
        Msg::Tree(TreeMsg::Node {
            path: "/owned".into(),
            result: Ok(NodeDetail {
                stat,
                data: b"x".to_vec(),
                acl: Ok(Vec::new()),
            }),
        })
    };
    s.update(node(NodeStat::default()));
    let fx = s.update(Msg::Key(KeyInput::ch('o')));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(s
        .flash
        .as_ref()
        .unwrap()
        .1
        .contains("not an ephemeral node"));
    s.update(node(stat));
    let fx = s.update(Msg::Key(KeyInput::ch('o')));
    assert_eq!(s.view, View::Clients);
    let [Effect::Clients(req)] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert_eq!(req.ask, ClientsAsk::Read);
    assert_eq!(req.targets.len(), 3, "every member is asked");
    // The worker's reads, from the real members.
    let session = owner.session_id().0 as u64;
    for id in sb.ids() {
        let addr = address_of(&sb, id);
        let got = common::eventually(TIMEOUT * 5, "cons", || {
            let addr = addr.clone();
            async move {
                let got = fetch_cons(&addr, None, TIMEOUT).await?;
                let listed = got.iter().any(|c| c.session_id == Some(session));
                let sessions = got.iter().filter(|c| c.session_id.is_some()).count();
                // Only member 2 lists it (with the bystander), once both sessions are up.
                if listed == (id == 2) && (id != 2 || sessions == 2) {
                    Ok(got)
                } else {
                    Err(format!("member {id}: listed {listed}"))
                }
            }
        })
        .await;
        s.update(Msg::Clients(ClientsMsg::Read {
            member: format!("member {id}"),
            at: Instant::now(),
            result: Ok(got),
        }));
    }
    let view = s.clients.as_ref().unwrap();
    let rows = view.rows("");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].member, "member 2");
    assert_eq!(rows[0].conn.session_id, Some(session));
    let t = screen(&s);
    assert!(t.contains(&format!("session 0x{session:x}")), "{t}");
    // Its member unreadable: said plainly, with where it may be.
    s.update(Msg::Clients(ClientsMsg::Read {
        member: "member 2".into(),
        at: Instant::now(),
        result: Err("connection refused".into()),
    }));
    let t = screen(&s);
    assert!(
        t.contains(&format!("no member lists session 0x{session:x}")),
        "{t}"
    );
    assert!(t.contains("it may be on member 2"), "{t}");
    drop((owner, bystander));
}
