//! The fleet screen at 80×24 (the default terminal): one line per ensemble, worst first, the
//! state in its level's colour, the filter, and `enter`/`esc` between the fleet and one
//! ensemble's console — drawn with ratatui's TestBackend from N copies of the console's model.

mod synthetic;

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use synthetic::{feed, incident, snap, state};
use zkconsole::app::fleet::{esc_leaves, Fleet, FleetAction};
use zkconsole::app::keys::{KeyCode, KeyInput};
use zkconsole::app::{Msg, State};
use zkconsole::probe::types::Role;
use zkconsole::ui::theme::{Slot, Themes};

const W: u16 = 80;
const H: u16 = 24;

fn named(mut s: State, name: &str) -> State {
    s.ensemble = name.to_string();
    s
}

fn healthy(name: &str) -> State {
    let mut s = state(false, false);
    let round = [
        snap(1, Role::Follower, 0),
        snap(2, Role::Follower, 0),
        snap(3, Role::Leader, 0),
    ];
    feed(&mut s, &round);
    feed(&mut s, &round);
    named(s, name)
}

fn quorum_lost(name: &str) -> State {
    let mut s = state(false, false);
    let round = [
        snap(1, Role::NotServing, 0),
        snap(2, Role::Down, 0),
        snap(3, Role::Down, 0),
    ];
    feed(&mut s, &round);
    feed(&mut s, &round);
    named(s, name)
}

fn fleet() -> Fleet {
    let mut ensembles = vec![healthy("alpha-kafka"), named(incident(), "beta-solr")];
    ensembles.push(quorum_lost("gamma-hbase"));
    for i in 0..30 {
        ensembles.push(healthy(&format!("many-{i:02}")));
    }
    Fleet::new(ensembles)
}

fn render(f: &Fleet) -> Buffer {
    let themes = Themes::load(None);
    let mut t = Terminal::new(TestBackend::new(W, H)).unwrap();
    t.draw(|fr| match f.open {
        Some(i) => zkconsole::ui::draw(fr, &f.ensembles[i], themes.get("dark")),
        None => zkconsole::ui::fleet::draw(fr, f, themes.get("dark")),
    })
    .unwrap();
    t.backend().buffer().clone()
}

fn lines(b: &Buffer) -> Vec<String> {
    (0..b.area.height)
        .map(|y| (0..b.area.width).map(|x| b[(x, y)].symbol()).collect())
        .collect()
}

fn row_of<'a>(l: &'a [String], name: &str) -> (usize, &'a String) {
    l.iter()
        .enumerate()
        .find(|(_, r)| r.contains(name))
        .unwrap_or_else(|| panic!("no row for {name}:\n{}", l.join("\n")))
}

#[test]
fn worst_first_with_the_columns_an_operator_reads_first() {
    let f = fleet();
    let b = render(&f);
    let l = lines(&b);
    let screen = l.join("\n");
    for col in [
        "STATE", "ENSEMBLE", "LEADER", "LIVE", "TOL", "CONFIG", "WORST",
    ] {
        assert!(l[1].contains(col), "{col} missing:\n{screen}");
    }
    let (lost, lost_row) = row_of(&l, "gamma-hbase");
    let (inc, inc_row) = row_of(&l, "beta-solr");
    let (ok, ok_row) = row_of(&l, "alpha-kafka");
    assert!(lost < inc && inc < ok, "worst first:\n{screen}");
    assert!(lost_row.starts_with("CRITICAL"), "{lost_row}");
    assert!(lost_row.contains("0/3"), "no live voter of 3: {lost_row}");
    assert!(ok_row.starts_with("OK"), "{ok_row}");
    assert!(
        ok_row.contains("3/3") && ok_row.contains("0x100000000"),
        "{ok_row}"
    );
    assert!(inc_row.contains("2/3"), "{inc_row}");
    // The state carries its level's colour: an alert that lost its red would pass a text check.
    let themes = Themes::load(None);
    let critical = themes.get("dark").style(Slot::Critical).fg;
    assert_eq!(b[(0, lost as u16)].fg, critical.unwrap_or_default());
    // The footer says the keys; the title counts the states.
    assert!(
        l[0].contains("33 ensembles") && l[0].contains("2 critical"),
        "{}",
        l[0]
    );
    assert!(
        l[23].contains("enter open") && l[23].contains("/ filter"),
        "{}",
        l[23]
    );
}

#[test]
fn the_cursor_scrolls_the_list_and_the_filter_narrows_it() {
    let mut f = fleet();
    for _ in 0..40 {
        f.key(KeyInput::ch('j'));
    }
    let l = lines(&render(&f));
    assert!(
        l.iter().any(|r| r.contains("many-29")),
        "the last row is reachable:\n{}",
        l.join("\n")
    );
    f.key(KeyInput::ch('/'));
    for c in "solr".chars() {
        f.key(KeyInput::ch(c));
    }
    let l = lines(&render(&f));
    assert!(l[0].contains("/solr"), "{}", l[0]);
    assert!(l.iter().any(|r| r.contains("beta-solr")));
    assert!(!l.iter().any(|r| r.contains("alpha-kafka")));
    f.key(KeyInput::plain(KeyCode::Enter));
    f.key(KeyInput::ch('/'));
    for _ in 0..4 {
        f.key(KeyInput::plain(KeyCode::Backspace));
    }
    for c in "critical".chars() {
        f.key(KeyInput::ch(c));
    }
    let l = lines(&render(&f));
    assert!(l.iter().any(|r| r.contains("gamma-hbase")), "by state too");
}

#[test]
fn enter_opens_the_ensembles_console_and_esc_comes_back() {
    let mut f = fleet();
    // The cursor starts on the worst: gamma.
    assert_eq!(f.key(KeyInput::plain(KeyCode::Enter)), FleetAction::Open(2));
    let l = lines(&render(&f));
    assert!(
        l[0].contains("gamma-hbase"),
        "the console's header names it:\n{}",
        l.join("\n")
    );
    // In the console, esc first closes what the console has open.
    let s = &mut f.ensembles[2];
    s.update(Msg::Key(KeyInput::ch('?')));
    assert!(!esc_leaves(s), "help is open: esc closes it first");
    s.update(Msg::Key(KeyInput::plain(KeyCode::Esc)));
    assert!(esc_leaves(s), "back on the dashboard: esc leaves");
    // The others kept their own models meanwhile (nothing was shared or reset).
    assert_eq!(f.ensembles[0].members.len(), 3);
}

#[test]
fn a_long_name_and_a_long_problem_stay_within_80_columns() {
    let long = "kafka-production-eu-west-1-zookeeper-cluster-7";
    let f = Fleet::new(vec![named(incident(), long), healthy("b")]);
    let l = lines(&render(&f));
    let (_, r) = row_of(&l, "kafka-production");
    assert!(r.contains('…'), "the name is cut with an ellipsis: {r}");
    assert!(r.trim_end().chars().count() <= 80);
}
