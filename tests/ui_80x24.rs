//! 80×24 first: the default size of most terminals and many SSH jump hosts. Every screen the
//! operator meets during an incident is drawn at that size with ratatui's TestBackend: the
//! named columns are there, the footer ends with `? help`, and no key that does something
//! destructive is cut off.

mod synthetic;

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use synthetic::{feed, incident, snap, state};
use zkconsole::app::keys::{KeyCode, KeyInput};
use zkconsole::app::wizard::Stage;
use zkconsole::app::{Input, Msg, State, View};
use zkconsole::probe::types::Role;
use zkconsole::ui::theme::{Slot, Themes};

const W: u16 = 80;
const H: u16 = 24;

fn render(s: &State) -> Buffer {
    let themes = Themes::load(None);
    let mut t = Terminal::new(TestBackend::new(W, H)).unwrap();
    t.draw(|f| zkconsole::ui::draw(f, s, themes.get("dark")))
        .unwrap();
    t.backend().buffer().clone()
}

fn lines(b: &Buffer) -> Vec<String> {
    (0..b.area.height)
        .map(|y| {
            (0..b.area.width)
                .map(|x| b[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect()
}

fn screen(s: &State) -> String {
    lines(&render(s)).join("\n")
}

fn press(s: &mut State, keys: &str) {
    for c in keys.chars() {
        s.update(Msg::Key(KeyInput::ch(c)));
    }
}

fn key(s: &mut State, code: KeyCode) {
    s.update(Msg::Key(KeyInput::plain(code)));
}

/// The footer's last line ends with `? help`.
fn assert_help_last(s: &State) {
    let l = lines(&render(s));
    let last = l.iter().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(
        last.trim_end().ends_with("? help"),
        "the footer must end with `? help`:\n{}",
        l.join("\n")
    );
}

/// Every phrase is on screen whole (on one line).
fn assert_whole(s: &State, phrases: &[&str]) {
    let t = screen(s);
    for p in phrases {
        assert!(t.contains(p), "{p:?} is not on screen whole:\n{t}");
    }
}

/// The screen as prose: rows joined, runs of spaces as one (a sentence may wrap).
fn flat(s: &State) -> String {
    let t = lines(&render(s)).join(" ");
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn healthy(sandbox: bool) -> State {
    let mut s = state(false, sandbox);
    let round = [
        snap(1, Role::Follower, 0),
        snap(2, Role::Follower, 0),
        snap(3, Role::Leader, 0),
    ];
    feed(&mut s, &round);
    feed(&mut s, &round);
    s
}

fn quorum_lost(sandbox: bool) -> State {
    let mut s = healthy(sandbox);
    feed(
        &mut s,
        &[
            snap(1, Role::NotServing, 0),
            snap(2, Role::Down, 0),
            snap(3, Role::Down, 0),
        ],
    );
    s
}

fn header_row(s: &State) -> String {
    lines(&render(s))
        .into_iter()
        .find(|l| l.contains(" ID "))
        .unwrap_or_else(|| panic!("no table header:\n{}", screen(s)))
}

#[test]
fn the_members_table_keeps_who_what_lag_and_the_breached_figure() {
    let mut s = incident();
    s.sandbox = true;
    let row = header_row(&s);
    for name in ["ID", "ADDRESS", "ROLE", "LAG", "OUTST", "NOTE"] {
        assert!(row.contains(name), "{name} missing from {row:?}");
    }
    let t = screen(&s);
    // The breached figure, the full address and the header's clock.
    assert!(t.contains("500"), "{t}");
    assert!(t.contains("127.0.0.1:2181"), "{t}");
    assert!(t.contains("updated"), "{t}");
    assert!(t.contains("connection refused"), "{t}");
    assert_help_last(&s);
    assert_whole(
        &s,
        &["K kill", "P pause", "R resume", "X restart", "q quit"],
    );
}

#[test]
fn an_empty_note_column_takes_no_width() {
    let s = healthy(false);
    let row = header_row(&s);
    assert!(!row.contains("NOTE"), "{row}");
    for name in ["ID", "ADDRESS", "ROLE", "LAG", "REQ/S", "LAT ms"] {
        assert!(row.contains(name), "{name} missing from {row:?}");
    }
    assert_help_last(&s);
}

#[test]
fn a_long_host_name_shows_its_short_name() {
    assert_eq!(
        zkconsole::ui::format::short_address("zk-1.prod.example.internal:2181", 12),
        "zk-1:2181"
    );
    assert_eq!(
        zkconsole::ui::format::short_address("10.0.0.1:2181", 21),
        "10.0.0.1:2181"
    );
}

#[test]
fn detail_events_problems_and_help_end_with_help() {
    let mut s = incident();
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.view, View::Member);
    assert_help_last(&s);
    key(&mut s, KeyCode::Esc);
    press(&mut s, "e");
    assert_eq!(s.view, View::Events);
    assert_help_last(&s);
    key(&mut s, KeyCode::Esc);
    press(&mut s, "p");
    assert_eq!(s.view, View::Problems);
    assert_help_last(&s);
    press(&mut s, "?");
    assert_help_last(&s);
}

#[test]
fn the_tree_ends_with_help_and_keeps_its_destructive_keys() {
    let mut s = healthy(false);
    press(&mut s, ":");
    for c in "tree /".chars() {
        s.update(Msg::Key(KeyInput::ch(c)));
    }
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.view, View::Tree);
    assert_help_last(&s);
    assert_whole(&s, &["D delete", "E edit", "c create", "esc back"]);
}

/// Every drill's confirmation says the cost and which key confirms, whole.
#[test]
fn every_drill_confirmation_fits_or_wraps() {
    for (k, verb) in [
        ('K', "kill (SIGKILL)"),
        ('P', "pause (SIGSTOP)"),
        ('R', "resume (SIGCONT)"),
        ('X', "restart"),
    ] {
        let mut s = healthy(true);
        key(&mut s, KeyCode::End); // member 3, the leader
        press(&mut s, &k.to_string());
        assert!(matches!(s.input, Input::Confirm(..)), "{k}");
        let t = screen(&s);
        assert!(t.contains(&format!("{verb} member 3?")), "{t}");
        assert!(t.contains("y confirm"), "{t}");
        assert!(t.contains("any other key cancel"), "{t}");
        if k != 'R' {
            let f = flat(&s);
            assert!(
                f.contains("leaves 2 of 3 voters: no failure tolerated"),
                "{t}"
            );
            assert!(f.contains("it leads: clients reconnect"), "{t}");
        }
    }
}

/// The menu, every stage of expand and shrink, recovery, confirmation, done.
#[test]
fn every_wizard_screen_ends_with_help_and_shows_its_keys() {
    let mut s = healthy(true);
    press(&mut s, "w");
    assert_help_last(&s);
    assert_whole(&s, &["esc back"]);
    // Expand on the sandbox: the form, then preparing the joiner.
    press(&mut s, "e");
    assert_help_last(&s);
    assert_whole(&s, &["enter start the joiner(s)", "esc back"]);
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.wizard.as_ref().unwrap().stage, Stage::Prepare);
    assert_help_last(&s);
    assert_whole(&s, &["enter review the plan"]);
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Esc);
    // Shrink: picker, plan, typed confirmation.
    press(&mut s, "s");
    assert_help_last(&s);
    assert_whole(&s, &["space pick", "enter review the plan"]);
    press(&mut s, " ");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.wizard.as_ref().unwrap().stage, Stage::Review);
    assert_help_last(&s);
    assert_whole(&s, &["enter confirm", "esc back"]);
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.wizard.as_ref().unwrap().stage, Stage::Confirm);
    assert_help_last(&s);
    assert_whole(&s, &["remove 1", "enter run", "esc back to the plan"]);
    assert_whole(&s, &["execute 1 reconfig step, with the config version"]);
}

#[test]
fn the_real_ensemble_expand_form_and_files_fit() {
    let mut s = healthy(false);
    press(&mut s, "we");
    assert_help_last(&s);
    assert_whole(&s, &["enter show its files", "esc back"]);
    // A host that does not answer: the files and the keys to copy or write them.
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Down);
    for c in "zk4.example".chars() {
        s.update(Msg::Key(KeyInput::ch(c)));
    }
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.wizard.as_ref().unwrap().stage, Stage::Prepare);
    assert_help_last(&s);
    assert_whole(
        &s,
        &["c copy files (OSC 52)", "W write files to a directory"],
    );
}

#[test]
fn members_down_recovery_keeps_restart_and_replace_keys() {
    let mut s = healthy(true);
    feed(&mut s, &[snap(2, Role::Down, 0)]);
    press(&mut s, "wr");
    assert_help_last(&s);
    assert_whole(&s, &["r restart it (sandbox)", "x replace it"]);
}

/// The quorum-loss page is taller than 24 rows: it scrolls apart from the member cursor, its
/// key line is always in view, and the scroll note says how to see the rest.
#[test]
fn the_quorum_loss_page_scrolls_and_pins_its_keys() {
    let mut s = quorum_lost(true);
    press(&mut s, "wr");
    let keys = ["space survivor", "r restart the member at ▶", "esc back"];
    assert_help_last(&s);
    assert_whole(&s, &keys);
    assert_whole(&s, &["enter carry out the rewrite on the sandbox"]);
    let top = screen(&s);
    assert!(top.contains("more lines: J/PgDn/G"), "{top}");
    let cursor = s.wizard.as_ref().unwrap().cursor;
    key(&mut s, KeyCode::PageDown);
    let w = s.wizard.as_ref().unwrap();
    assert!(w.scroll > 0, "PgDn scrolls the page");
    assert_eq!(
        w.cursor, cursor,
        "scrolling does not move the member cursor"
    );
    press(&mut s, "G");
    let end = screen(&s);
    assert!(end.contains("lines above"), "{end}");
    assert!(end.contains("Grow again with expand"), "{end}");
    assert_whole(&s, &keys);
    assert_help_last(&s);
    s.update(Msg::Key(KeyInput::ctrl('b')));
    press(&mut s, "g");
    assert_eq!(s.wizard.as_ref().unwrap().scroll, 0);
    press(&mut s, "J");
    assert_eq!(s.wizard.as_ref().unwrap().scroll, 1);
    // Confirmation of the rewrite: the phrase and the keys, whole.
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.wizard.as_ref().unwrap().stage, Stage::Confirm);
    assert_whole(&s, &["recover 1", "enter run", "esc back to the plan"]);
    assert_whole(&s, &["stop survivor 1, rewrite its membership"]);
    assert_help_last(&s);
}

#[test]
fn the_header_names_the_key_for_all_problems_and_it_lists_them() {
    let mut s = incident();
    let t = screen(&s);
    assert!(t.contains("more: p lists all"), "{t}");
    press(&mut s, "p");
    assert_eq!(s.view, View::Problems);
    let t = screen(&s);
    for p in &s.health.problems {
        let head: String = p.chars().take(40).collect();
        assert!(t.contains(&head), "{p:?} not listed:\n{t}");
    }
    assert!(
        !t.contains("events ("),
        "the problem list, not the events:\n{t}"
    );
    press(&mut s, "p");
    assert_eq!(s.view, View::Dashboard);
}

/// Freezing stops the tables, never the alarm: the header still turns red.
#[test]
fn a_frozen_header_still_shows_a_quorum_loss() {
    let mut s = healthy(false);
    press(&mut s, "f");
    feed(
        &mut s,
        &[
            snap(1, Role::NotServing, 0),
            snap(2, Role::Down, 0),
            snap(3, Role::Down, 0),
        ],
    );
    let b = render(&s);
    let t = lines(&b).join("\n");
    assert!(t.contains("FROZEN"), "{t}");
    assert!(t.contains("QUORUM LOST"), "{t}");
    let critical = Themes::load(None).get("dark").style(Slot::Critical);
    let l = lines(&b);
    let y = l.iter().position(|l| l.contains("CRITICAL")).expect(&t);
    let x = l[y].find("CRITICAL").unwrap();
    let x = l[y][..x].chars().count() as u16;
    assert_eq!(b[(x, y as u16)].bg, critical.bg.unwrap(), "{t}");
    // The table is still the frozen one: every member listed as it was.
    assert!(t.contains("leader"), "{t}");
}

/// A member that is down has no lag (its last zxid says nothing about now), as in `status`.
#[test]
fn a_down_member_shows_no_lag() {
    let mut s = healthy(false);
    let mut behind = snap(2, Role::Follower, 0);
    behind.zxid = Some(0x1_0000_0001);
    feed(&mut s, &[behind]);
    assert!(s
        .members
        .values()
        .any(|m| m.lag(s.health.leader_zxid) == Some(4)));
    feed(&mut s, &[snap(2, Role::Down, 0)]);
    let m = s.members.values().find(|m| m.snap.id == Some(2)).unwrap();
    assert_eq!(m.lag(s.health.leader_zxid), None);
    let row = lines(&render(&s))
        .into_iter()
        .find(|l| l.contains("127.0.0.1:2182"))
        .unwrap();
    assert!(!row.contains(" 4 "), "{row}");
}

/// Timestamps in the configured zone, with the date when not today; the clock is the
/// model's, so the screen is the same whenever it is drawn.
#[test]
fn event_times_are_in_the_zone_with_the_date_when_not_today() {
    use std::time::Duration;
    let mut s = healthy(false);
    s.zone = jiff::tz::TimeZone::fixed(jiff::tz::offset(-2));
    let day = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(20_000 * 86_400);
    s.now = day + Duration::from_secs(12 * 3600);
    s.events.push(
        day + Duration::from_secs(3600),
        zkconsole::config::Level::Warn,
        "yesterday there".into(),
    );
    s.events.push(
        day + Duration::from_secs(11 * 3600),
        zkconsole::config::Level::Warn,
        "today there".into(),
    );
    press(&mut s, "e");
    s.now = day + Duration::from_secs(12 * 3600);
    let t = screen(&s);
    assert!(t.contains("2024-10-03 23:00:00 yesterday there"), "{t}");
    assert!(t.contains("09:00:00 today there"), "{t}");
    assert!(!t.contains("09:00:00Z"), "{t}");
}

/// Events of an earlier run on the same ensemble come back after a restart, marked as
/// earlier, and are not written again as this run's.
#[test]
fn events_of_an_earlier_run_are_shown_marked() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = vec!["127.0.0.1:2181".to_string()];
    let path = zkconsole::events_file::path_for(dir.path(), &seeds);
    let mut first = quorum_lost(false);
    let texts: Vec<String> = first.events.newest().map(|e| e.text.clone()).collect();
    assert!(!texts.is_empty());
    zkconsole::events_file::append(&path, &first.events.since(0)).unwrap();
    first
        .events
        .push(first.now, zkconsole::config::Level::Ok, "later".into());
    assert_eq!(first.events.since(first.events.pushed() - 1).len(), 1);

    let mut again = healthy(false);
    again.events.recall(zkconsole::events_file::load(&path));
    assert!(
        again.events.since(0).is_empty(),
        "earlier events are not this run's"
    );
    press(&mut again, "e");
    let t = screen(&again);
    assert!(t.contains("earlier: quorum lost"), "{t}");
}

/// The detail's raw metrics (hundreds on a real member) scroll with PgDn/PgUp, g/G, and say
/// how many are out of view; j/k still go to the next and previous member.
#[test]
fn the_detail_metrics_scroll() {
    use zkconsole::probe::types::MetricValue;
    let mut s = state(false, false);
    let mut one = snap(1, Role::Follower, 0);
    for i in 0..100 {
        one.metrics
            .insert(format!("zz_metric_{i:03}"), MetricValue::Int(i));
    }
    let round = [one, snap(2, Role::Follower, 0), snap(3, Role::Leader, 0)];
    feed(&mut s, &round);
    key(&mut s, KeyCode::Enter);
    let top = screen(&s);
    assert!(top.contains("↑0 ↓"), "{top}");
    assert!(!top.contains("zz_metric_099"), "{top}");
    key(&mut s, KeyCode::End);
    let end = screen(&s);
    assert!(end.contains("zz_metric_099"), "{end}");
    assert_eq!(s.selected_member().unwrap().snap.id, Some(1));
    key(&mut s, KeyCode::Home);
    assert_eq!(s.metrics_scroll, 0);
    key(&mut s, KeyCode::PageDown);
    assert_eq!(s.metrics_scroll, 10);
    press(&mut s, "j");
    assert_eq!(s.selected_member().unwrap().snap.id, Some(2));
    assert_eq!(
        s.metrics_scroll, 0,
        "another member starts at its first metric"
    );
}

/// `/` in the timeline keeps the events that mention what was typed; `y` copies from those.
#[test]
fn the_timeline_searches_and_copies_what_it_shows() {
    let mut s = healthy(false);
    feed(&mut s, &[snap(2, Role::Down, 0)]);
    feed(&mut s, &[snap(3, Role::Down, 0)]);
    press(&mut s, "e");
    let all = screen(&s);
    assert!(
        all.contains("member 2 lost") && all.contains("member 3 lost"),
        "{all}"
    );
    press(&mut s, "/member 2");
    key(&mut s, KeyCode::Enter);
    let t = screen(&s);
    assert!(t.contains("member 2 lost"), "{t}");
    assert!(!t.contains("member 3 lost"), "{t}");
    assert!(t.contains("match \"member 2\""), "{t}");
    match &s.update(Msg::Key(KeyInput::ch('y')))[..] {
        [zkconsole::app::Effect::Copy(c)] => assert!(c.contains("member 2 lost"), "{c}"),
        other => panic!("{other:?}"),
    }
    assert_help_last(&s);
}

#[test]
fn a_long_first_problem_is_cut_and_the_key_for_all_problems_kept() {
    let mut s = state(false, false);
    feed(
        &mut s,
        &[
            snap(1, Role::Follower, 500),
            snap(2, Role::Follower, 0),
            snap(3, Role::Leader, 0),
        ],
    );
    let mut down = snap(2, Role::Down, 0);
    down.error = Some(
        "connection refused (nothing listening on zookeeper-member-2.example.internal:2181)".into(),
    );
    feed(
        &mut s,
        &[snap(1, Role::Follower, 500), down, snap(3, Role::Leader, 0)],
    );
    assert!(s.health.problems.len() > 1, "{:?}", s.health.problems);
    let t = screen(&s);
    assert!(t.contains("more: p lists all)"), "{t}");
}

/// A browser open on `/` with one child selected and inspected, at `version` with `data`.
fn tree_on(name: &str, version: i32, data: &[u8]) -> State {
    use zkconsole::app::tree::TreeMsg;
    use zkconsole::tree::node::NodeStat;
    let mut s = healthy(false);
    s.open_tree(Some("/"));
    let stat = NodeStat::default();
    s.update(Msg::Tree(TreeMsg::Children {
        path: "/".into(),
        result: Ok((vec![name.to_string(), "zookeeper".into()], stat)),
    }));
    s.update(Msg::Tree(node_msg(name, version, data)));
    s
}

fn node_msg(name: &str, version: i32, data: &[u8]) -> zkconsole::app::tree::TreeMsg {
    use zkconsole::app::tree::{NodeDetail, TreeMsg};
    use zkconsole::tree::node::NodeStat;
    TreeMsg::Node {
        path: format!("/{name}"),
        result: Ok(NodeDetail {
            stat: NodeStat {
                version,
                data_length: data.len() as i32,
                ..NodeStat::default()
            },
            data: data.to_vec(),
            acl: Ok(vec![]),
        }),
    }
}

/// The review of an edit: the diff, the version it writes at and its keys, whole at 80×24;
/// the node moving on is said at once and enter then offers to re-apply.
#[test]
fn the_edit_review_shows_the_diff_the_version_and_its_keys() {
    use zkconsole::app::tree::TreeMsg;
    let old: String = (1..=30).map(|i| format!("key{i}=value{i}\n")).collect();
    let mut s = tree_on("cfg", 4, old.as_bytes());
    let fx = s.update(Msg::Key(KeyInput::ch('E')));
    assert!(
        matches!(&fx[..], [zkconsole::app::Effect::Edit(x)] if x.text == old),
        "a multi-line value goes to the editor: {fx:?}"
    );
    let new = old.replace("key3=value3", "key3=changed");
    s.update(Msg::Tree(TreeMsg::Edited {
        path: "/cfg".into(),
        result: Ok(new),
    }));
    assert_whole(
        &s,
        &[
            "writes at version 4",
            "- key3=value3",
            "+ key3=changed",
            "⋯ 25 unchanged lines",
            "enter write at version 4",
            "e edit again",
            "esc discard",
        ],
    );
    // Someone changes the node while the diff is open.
    s.update(Msg::Tree(node_msg("cfg", 5, b"other\n")));
    assert_whole(
        &s,
        &[
            "the node changed while this edit was open: now version 5 (this edit: 4)",
            "re-apply your text on version 5",
            "esc discard",
        ],
    );
    // Enter re-applies: the new diff, against version 5, before any write.
    let fx = s.update(Msg::Key(KeyInput::plain(KeyCode::Enter)));
    assert!(fx.is_empty(), "written without the new diff: {fx:?}");
    assert_whole(
        &s,
        &["writes at version 5", "- other", "enter write at version 5"],
    );
    // A diff taller than the box scrolls, with a marker.
    assert!(
        screen(&s).contains("more (j k PgDn scroll)"),
        "{}",
        screen(&s)
    );
    key(&mut s, KeyCode::PageDown);
    assert!(screen(&s).contains("above"), "{}", screen(&s));
}

/// The inline field for a short value, and its warning when the node moves on.
#[test]
fn the_inline_edit_field_fits_and_warns_when_the_node_changes() {
    let mut s = tree_on("flag", 7, b"on");
    assert!(s.update(Msg::Key(KeyInput::ch('E'))).is_empty());
    assert_whole(&s, &["new data for /flag at version 7", "on█"]);
    s.update(Msg::Tree(node_msg("flag", 8, b"off")));
    assert_whole(&s, &["now version 8 (this edit: 7)"]);
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Enter);
    assert_whole(&s, &["- on", "+ o", "re-apply your text on version 8"]);
}

/// The timeline: enter expands the selected line (its whole text, wrapped); `m` keeps the
/// events of one member (12 is not 1), `v` one kind; the title says which.
#[test]
fn the_timeline_expands_a_line_and_filters_by_member_and_kind() {
    use zkconsole::config::Level;
    let mut s = healthy(false);
    let now = s.now;
    let long = format!(
        "member 12 lost: {} end-of-text",
        "connection refused ".repeat(8)
    );
    s.events.push(now, Level::Warn, long.clone());
    s.events
        .push(now, Level::Ok, "member 1 back: follower".into());
    s.events.push(now, Level::Critical, "quorum lost".into());
    press(&mut s, "e");
    assert_whole(&s, &["/ search", "m member", "v kind", "enter expand"]);
    // The newest is selected: filter to member 12 first, then expand it.
    press(&mut s, "m");
    let t = screen(&s);
    assert!(t.contains("member 1 back"), "{t}");
    press(&mut s, "m");
    let t = screen(&s);
    assert!(t.contains("[member 12]"), "{t}");
    assert!(
        !t.contains("member 1 back") && !t.contains("quorum lost"),
        "{t}"
    );
    assert!(!t.contains("end-of-text"), "cut before expanding:\n{t}");
    key(&mut s, KeyCode::Enter);
    let t = screen(&s);
    assert!(
        t.contains("│ end-of-text") || t.contains("end-of-text"),
        "{t}"
    );
    assert_help_last(&s);
    // Back to all members; `v`: critical only.
    press(&mut s, "m");
    press(&mut s, "v");
    let t = screen(&s);
    assert!(t.contains("[critical]") && t.contains("quorum lost"), "{t}");
    assert!(!t.contains("member 1 back"), "{t}");
    match &s.update(Msg::Key(KeyInput::ch('y')))[..] {
        [zkconsole::app::Effect::Copy(c)] => assert!(c.contains("quorum lost"), "{c}"),
        other => panic!("{other:?}"),
    }
}

/// The inspected node's data longer than its pane ends in a "more" marker; J scrolls it.
#[test]
fn the_znode_data_pane_scrolls_with_a_more_marker() {
    let data: String = (1..=40).map(|i| format!("line {i}\n")).collect();
    let mut s = tree_on("long", 1, data.as_bytes());
    let t = screen(&s);
    assert!(
        t.contains("line 1 ") && t.contains("more lines (J K scroll)"),
        "{t}"
    );
    assert!(!t.contains("line 40"), "{t}");
    for _ in 0..50 {
        press(&mut s, "J");
    }
    let t = screen(&s);
    assert!(
        t.contains("line 40") && t.contains("lines above (K)"),
        "{t}"
    );
    assert!(!t.contains("more lines"), "{t}");
    press(&mut s, "K");
    assert!(
        screen(&s).contains("more lines"),
        "K scrolls back at once:\n{}",
        screen(&s)
    );
}

/// A member paused from outside (a JVM stopped by another process, a hung peer) reads
/// `unresponsive` and how long it has been silent; one the sandbox paused for this console
/// reads `paused`.
#[test]
fn an_outside_pause_reads_unresponsive_with_how_long_a_sandbox_pause_reads_paused() {
    use std::time::Duration;
    let mut s = healthy(true);
    let t0 = s.now;
    s.update(Msg::Clock(t0 + Duration::from_secs(5)));
    feed(
        &mut s,
        &[
            snap(1, Role::Unresponsive, 0),
            snap(2, Role::Unresponsive, 0),
        ],
    );
    s.update(Msg::Clock(t0 + Duration::from_secs(47)));
    let row = |s: &State, id: &str| {
        lines(&render(s))
            .into_iter()
            .find(|l| l.trim_start_matches(['│', '▶', ' ']).starts_with(id))
            .unwrap_or_default()
    };
    let r = row(&s, "1 ");
    assert!(
        r.contains("unresponsive") && r.contains("silent 47s"),
        "{r}"
    );
    // Paused by this console on the sandbox: said so.
    s.drills_sent.push_back((zkconsole::app::Drill::Pause, 2));
    s.update(Msg::DrillDone(Ok("member 2: pause done".into())));
    let r = row(&s, "2 ");
    assert!(r.contains("paused") && !r.contains("unresponsive"), "{r}");
}

/// The rolling restart's screens at 80×24: the plan, the confirmation, the progress with the
/// gate's conditions and the action output, the override of a refused step, the end.
#[test]
fn every_roll_screen_fits_and_keeps_its_keys() {
    use zkconsole::app::roll::{RollMsg, RollStage};
    use zkconsole::workflow::roll::{Condition, RollEvent, RollOutcome, StepPreview};
    let mut s = healthy(true);
    press(&mut s, "wl");
    assert_eq!(s.view, View::Roll);
    assert_help_last(&s);
    assert_whole(
        &s,
        &[
            "1. member 1",
            "3. member 3",
            "enter confirm",
            "h hand-off",
            "p re-plan",
            "esc back",
            "leader hand-off: auto",
        ],
    );
    key(&mut s, KeyCode::Enter);
    assert_help_last(&s);
    assert_whole(
        &s,
        &[
            "restart 1,2,3",
            "enter start the roll",
            "esc back to the plan",
        ],
    );
    press(&mut s, "restart 1,2,3");
    key(&mut s, KeyCode::Enter);
    let preview = |id: u64, refusal: Option<&str>| StepPreview {
        id,
        voter: true,
        leader: false,
        voters: 3,
        quorum: 2,
        live_voters_now: 3,
        live_voters_while_down: 2,
        tolerance_while_down: Some(0),
        refusal: refusal.map(str::to_string),
        note: format!(
            "while member {id} restarts, 2 of 3 voters serve: no further failure tolerated"
        ),
    };
    let ev = |s: &mut State, e: RollEvent| {
        s.update(Msg::Roll(RollMsg::Event(e)));
    };
    ev(&mut s, RollEvent::Preview(preview(1, None)));
    ev(
        &mut s,
        RollEvent::Action {
            id: 1,
            action: "start".into(),
            detail: "ssh zk1.example.com sudo systemctl start zookeeper".into(),
        },
    );
    ev(
        &mut s,
        RollEvent::ActionDone {
            id: 1,
            action: "start".into(),
            ok: true,
            summary: "exit 0 after 812 ms".into(),
            output: "Started zookeeper.service\n".into(),
        },
    );
    let cond = |name: &'static str, met: bool| Condition {
        name,
        met,
        detail: format!("{name} detail"),
    };
    ev(
        &mut s,
        RollEvent::Gate {
            id: 1,
            waiting: "settling: 2 of 5 s without an election".into(),
            conditions: vec![
                cond("serves in its role", true),
                cond("a leader", true),
                cond("caught up with the leader", true),
                cond("in sync at the leader", false),
            ],
        },
    );
    assert_help_last(&s);
    assert_whole(
        &s,
        &[
            "1 ▶ at its gate",
            "✓ caught up with the leader",
            "· in sync at the leader",
            "p pause",
            "a abort",
        ],
    );
    press(&mut s, "p");
    ev(&mut s, RollEvent::Paused { id: 1 });
    assert_whole(&s, &["PAUSED", "r resume", "a abort"]);
    press(&mut s, "r");
    ev(
        &mut s,
        RollEvent::Preview(preview(2, Some("member 3 is unresponsive"))),
    );
    assert_eq!(s.roll.as_ref().unwrap().stage, RollStage::Override);
    assert_help_last(&s);
    assert_whole(
        &s,
        &[
            "override 2",
            "enter restart it anyway",
            "esc abort the roll",
        ],
    );
    key(&mut s, KeyCode::Esc);
    s.update(Msg::Roll(RollMsg::Finished(RollOutcome {
        restarted: vec![1],
        halted: Some("aborted by the operator at member 2".into()),
    })));
    assert_help_last(&s);
    assert_whole(&s, &["2 ✗ failed", "esc dashboard"]);
}

/// The workflow's progress pane keeps its newest lines in view and scrolls back through the
/// earlier ones with ctrl-p / ctrl-n, saying which lines it shows.
#[test]
fn the_workflow_progress_pane_scrolls() {
    let mut s = quorum_lost(true);
    press(&mut s, "w");
    press(&mut s, "r");
    let w = s.wizard.as_mut().unwrap();
    for i in 1..=30 {
        w.say(
            zkconsole::config::Level::Ok,
            format!("progress line {i:02}"),
        );
    }
    let t = screen(&s);
    assert!(
        t.contains("progress line 30") && !t.contains("progress line 01"),
        "{t}"
    );
    assert!(t.contains("of 30  ctrl-p/ctrl-n scroll"), "{t}");
    for _ in 0..40 {
        s.update(Msg::Key(KeyInput::ctrl('p')));
    }
    let t = screen(&s);
    assert!(
        t.contains("progress line 01") && !t.contains("progress line 30"),
        "{t}"
    );
    // No offset piled up past the oldest: one ctrl-n moves at once.
    s.update(Msg::Key(KeyInput::ctrl('n')));
    assert!(!screen(&s).contains("progress line 01"), "{}", screen(&s));
    assert_help_last(&s);
}

/// A static ensemble (membership version 0) where member 3 runs another server list than 1
/// and 2: the header says `reconfig off` whole, the problem line names who holds which list,
/// and the problems view lists it.
#[test]
fn the_header_shows_the_reconfig_mode_and_the_membership_disagreement() {
    let mut s = healthy(true);
    assert!(
        lines(&render(&s))[0].contains("reconfig on"),
        "{}",
        screen(&s)
    );
    let static_text = synthetic::CONFIG.replace("version=100000000", "version=0");
    synthetic::live_membership(&mut s, &static_text);
    let three = zkconsole::ensemble::EnsembleConfig::parse(&static_text).unwrap();
    let four = zkconsole::ensemble::EnsembleConfig::parse(&format!(
        "{static_text}server.4=127.0.0.1:2891:3891:participant;127.0.0.1:2184\n"
    ))
    .unwrap();
    for (id, config) in [(1, three.clone()), (2, three), (3, four)] {
        s.update(Msg::MemberConf { gen: 0, id, config });
    }
    let l = lines(&render(&s));
    assert!(l[0].contains("reconfig off"), "{}", l.join("\n"));
    assert!(l[0].contains("leader 3"), "{}", l.join("\n"));
    assert!(
        l[2].contains("⚠ membership disagrees between members: 1,2 hold servers 1,2,3"),
        "{}",
        l.join("\n")
    );
    press(&mut s, "p");
    let f = flat(&s);
    assert!(
        f.contains("3 holds servers 1,2,3,4 (version 0x0)"),
        "the problems view names the odd member:\n{}",
        screen(&s)
    );
    assert_help_last(&s);
}

/// Where reconfig is off and no host actions are configured, the expand and shrink wizards do
/// not offer a reconfig that would fail: they stay on the menu, say why and what to add, and
/// preview the static procedure step by step with its verdicts.
#[test]
fn the_wizards_refuse_a_reconfig_where_it_is_off_and_preview_the_static_path() {
    let mut s = healthy(false);
    let static_text = synthetic::CONFIG.replace("version=100000000", "version=0");
    synthetic::live_membership(&mut s, &static_text);
    press(&mut s, "w");
    press(&mut s, "e");
    let w = s.wizard.as_ref().unwrap();
    assert_eq!(w.stage, Stage::Menu, "no reconfig form is offered");
    let log: Vec<&str> = w.log.iter().map(|(_, l)| l.as_str()).collect();
    let all = log.join("\n");
    assert!(all.contains("reconfig is off on this ensemble"), "{all}");
    assert!(all.contains("add [ensembles.test.actions]"), "{all}");
    assert!(
        all.contains("round 1: add 4: servers 1,2,3 → 1,2,3,4"),
        "{all}"
    );
    assert!(all.contains("✓ step"), "{all}");
    assert_help_last(&s);
    let f = flat(&s);
    for said in ["reconfig is off on this ensemble", "no host actions"] {
        assert!(f.contains(said), "{said:?} is on screen:\n{}", screen(&s));
    }
    press(&mut s, "s");
    let w = s.wizard.as_ref().unwrap();
    assert_eq!(w.stage, Stage::Menu);
    let all: Vec<&str> = w.log.iter().map(|(_, l)| l.as_str()).collect();
    assert!(
        // 3 → 2 has no step without an outage: said, not planned.
        all.iter()
            .any(|l| l.starts_with("no safe static plan: the end state would have 2 voters")),
        "{all:?}"
    );
}

#[test]
fn the_headroom_shows_utilisation_the_crossing_rate_and_the_model_within_80x24() {
    use zkconsole::load::headroom::{Calibration, RatePoint};
    let mut s = state(false, false);
    feed(
        &mut s,
        &[
            snap(1, Role::Follower, 0),
            snap(2, Role::Follower, 0),
            snap(3, Role::Leader, 0),
        ],
    );
    press(&mut s, "p");
    // Without points: the model says why it cannot estimate.
    let text = screen(&s);
    assert!(
        text.contains("headroom (ensemble, from rates measured live"),
        "{text}"
    );
    assert!(text.contains("too few points to fit"), "{text}");
    // A calibration from `zkconsole bench` (S 1 ms, μ 10,000 req/s) and a rate now.
    let curve = |rate: f64| RatePoint {
        rate,
        latency_ms: 1.0 / (1.0 - rate / 10_000.0),
    };
    s.load.calibration = Some(Calibration {
        measured_at: 0,
        mix: "9:1".into(),
        reads_per_s: 8_000.0,
        writes_per_s: 900.0,
        points: vec![curve(500.0), curve(9_000.0)],
    });
    s.load.rate_now = Some(2_500.0);
    let text = screen(&s);
    assert!(text.contains("from zkconsole bench"), "{text}");
    assert!(
        text.contains("now 2500 req/s: 25 % of the limit 10000 req/s"),
        "{text}"
    );
    // Critical windowed latency 200 ms: 1 − λ/μ = 1/200 → 9,950 req/s.
    assert!(
        text.contains("cross 200 ms (critical) at 9950 req/s"),
        "{text}"
    );
    assert!(text.contains("model L = S/(1-λ/μ), S 1.00 ms"), "{text}");
    assert!(text.contains("assumes random arrivals"), "{text}");
    assert_help_last(&s);
}

/// Each member's release: on the voters line when all agree, flagged and named in the
/// problem line when they differ, and in the member detail's title.
#[test]
fn versions_show_per_member_and_a_mix_is_a_problem() {
    let with = |id, role, v: &str| {
        let mut m = snap(id, role, 0);
        m.metrics.insert(
            "version".into(),
            zkconsole::probe::types::MetricValue::Text(format!("{v}-abc, built on 2024").into()),
        );
        m
    };
    let mut s = state(false, false);
    let same = [
        with(1, Role::Follower, "3.8.0"),
        with(2, Role::Follower, "3.8.0"),
        with(3, Role::Leader, "3.8.0"),
    ];
    feed(&mut s, &same);
    feed(&mut s, &same);
    let t = screen(&s);
    let voters = t.lines().find(|l| l.contains("voters 3")).unwrap();
    assert!(voters.contains("3.8.0"), "{t}");
    assert!(!t.contains("different versions"), "{t}");
    feed(&mut s, &[with(3, Role::Leader, "3.9.1")]);
    let t = screen(&s);
    let voters = t.lines().find(|l| l.contains("voters 3")).unwrap();
    assert!(voters.contains("mixed"), "{t}");
    let f = flat(&s);
    assert!(f.contains("members run different versions"), "{t}");
    press(&mut s, "p");
    let f = flat(&s);
    assert!(f.contains("1,2 3.8.0; 3 3.9.1"), "{}", screen(&s));
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.view, View::Member);
    assert_whole(&s, &["· 3."]);
    assert_help_last(&s);
}
