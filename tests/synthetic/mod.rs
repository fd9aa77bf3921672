//! Synthetic console state for model and rendering tests: a 3-voter membership and member
//! snapshots as the probes would produce them.
#![allow(dead_code)]

use std::time::Instant;
use zkconsole::app::keys::Keymap;
use zkconsole::app::{Msg, State, StateInit};
use zkconsole::config::Config;
use zkconsole::ensemble::EnsembleConfig;
use zkconsole::probe::member::{MemberSnapshot, MetricsSource, ProbeTarget};
use zkconsole::probe::round::{AdminLocator, ConfigSource};
use zkconsole::probe::types::{MetricValue, Metrics, Role};
use zkconsole::ui::theme::Themes;

pub const CONFIG: &str = "server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\n\
server.2=127.0.0.1:2889:3889:participant;127.0.0.1:2182\n\
server.3=127.0.0.1:2890:3890:participant;127.0.0.1:2183\n\
version=100000000\n";

pub fn snap(id: u64, role: Role, outstanding: i64) -> MemberSnapshot {
    let mut m = Metrics::new();
    let alive = role.is_alive();
    if alive {
        m.insert("outstanding_requests".into(), MetricValue::Int(outstanding));
        m.insert("num_alive_connections".into(), MetricValue::Int(4));
        m.insert("avg_latency".into(), MetricValue::Float(1.5));
        m.insert("max_latency".into(), MetricValue::Int(9));
        m.insert("znode_count".into(), MetricValue::Int(42));
        m.insert("packets_received".into(), MetricValue::Int(100));
    }
    MemberSnapshot {
        id: Some(id),
        address: format!("127.0.0.1:218{id}"),
        role,
        mode: None,
        voting: None,
        zxid: alive.then_some(0x1_0000_0005),
        metrics: m,
        source: if alive {
            MetricsSource::Mntr
        } else {
            MetricsSource::None
        },
        probe_ms: 2.0,
        error: (!alive).then(|| "connection refused".to_string()),
        hint: None,
        zab: None,
    }
}

/// A member's answer reporting `zxid`.
#[allow(dead_code)]
pub fn snap_at(id: u64, role: Role, zxid: u64) -> MemberSnapshot {
    let mut m = snap(id, role, 0);
    m.zxid = Some(zxid);
    m
}

/// The membership `text`, as read live from `/zookeeper/config`.
#[allow(dead_code)]
pub fn live_membership(s: &mut State, text: &str) -> Vec<zkconsole::app::Effect> {
    s.update(Msg::Membership {
        gen: 0,
        config: EnsembleConfig::parse(text).unwrap(),
        source: ConfigSource::Znode,
    })
}

pub fn state(read_only: bool, sandbox: bool) -> State {
    let mut s = State::new(StateInit {
        ensemble: "test".into(),
        seeds: vec!["127.0.0.1:2181".into()],
        admin: AdminLocator::default(),
        tls: Default::default(),
        read_only,
        sandbox,
        config: Config::default(),
        keymap: Keymap::default(),
        theme: "dark".into(),
        themes: Themes::load(None).names(),
    });
    s.update(Msg::Membership {
        gen: 0,
        config: EnsembleConfig::parse(CONFIG).unwrap(),
        source: ConfigSource::Znode,
    });
    s
}

pub fn feed(s: &mut State, snaps: &[MemberSnapshot]) {
    for sn in snaps {
        s.update(Msg::Probed {
            gen: 0,
            target: ProbeTarget {
                verify_id: false,
                tls: None,
                id: sn.id,
                address: sn.address.clone(),
                admin_url: None,
            },
            snap: Box::new(sn.clone()),
            at: Instant::now(),
        });
    }
}

/// One round of a healthy three-voter ensemble: followers 1 and 2, leader 3.
pub fn feed_three_voters(s: &mut State) {
    feed(
        s,
        &[
            snap(1, Role::Follower, 0),
            snap(2, Role::Follower, 0),
            snap(3, Role::Leader, 0),
        ],
    );
}

/// Leader 3, follower 1 with 500 outstanding (critical after two samples), member 2 down.
pub fn incident() -> State {
    let mut s = state(false, false);
    let round = [
        snap(1, Role::Follower, 500),
        snap(2, Role::Follower, 0),
        snap(3, Role::Leader, 0),
    ];
    feed(&mut s, &round);
    let round = [
        snap(1, Role::Follower, 500),
        snap(2, Role::Down, 0),
        snap(3, Role::Leader, 0),
    ];
    feed(&mut s, &round);
    s
}

/// The console drawn at `width`×`height` in the dark theme, as a test terminal holds it.
pub fn drawn(s: &State, width: u16, height: u16) -> ratatui::buffer::Buffer {
    let themes = Themes::load(None);
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
    t.draw(|f| zkconsole::ui::draw(f, s, themes.get("dark")))
        .unwrap();
    t.backend().buffer().clone()
}

/// The lines of a drawn buffer, each cell's symbol in turn.
pub fn buffer_lines(b: &ratatui::buffer::Buffer) -> Vec<String> {
    (0..b.area.height)
        .map(|y| (0..b.area.width).map(|x| b[(x, y)].symbol()).collect())
        .collect()
}

/// The console drawn at `width`×`height` as text, one line per row.
pub fn screen_text(s: &State, width: u16, height: u16) -> String {
    buffer_lines(&drawn(s, width, height)).join("\n")
}
