//! Rendering tests on synthetic state with ratatui's TestBackend. They check styles, not only
//! text: an alert that lost its colour must fail here.

mod synthetic;

use proptest::prelude::*;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use ratatui::Terminal;
use synthetic::{feed, feed_three_voters, incident, snap, state};
use zkconsole::app::keys::{KeyInput, Keymap};
use zkconsole::app::{Msg, State, View};
use zkconsole::probe::types::Role;
use zkconsole::ui::theme::{Slot, Themes};

fn render(s: &State, w: u16, h: u16, theme: &str) -> Buffer {
    let themes = Themes::load(None);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| zkconsole::ui::draw(f, s, themes.get(theme)))
        .unwrap();
    t.backend().buffer().clone()
}

fn text(b: &Buffer) -> String {
    let a = b.area;
    (0..a.height)
        .map(|y| {
            (0..a.width)
                .map(|x| b[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Position of the first occurrence of `needle` on a line that also contains `on_line`.
/// Types `keys` one character at a time, as a person would.
fn type_keys(s: &mut State, keys: &str) {
    for c in keys.chars() {
        s.update(Msg::Key(KeyInput::ch(c)));
    }
}

fn press(s: &mut State, code: zkconsole::app::keys::KeyCode) {
    s.update(Msg::Key(KeyInput::plain(code)));
}

fn find(b: &Buffer, on_line: &str, needle: &str) -> (u16, u16) {
    let t = text(b);
    for (y, line) in t.lines().enumerate() {
        if line.contains(on_line) {
            if let Some(byte) = line.find(needle) {
                let x = line[..byte].chars().count();
                return (x as u16, y as u16);
            }
        }
    }
    panic!("{needle:?} on a line with {on_line:?} not found in:\n{t}");
}

#[test]
fn critical_breach_renders_in_the_critical_style() {
    let s = incident();
    let b = render(&s, 140, 30, "dark");
    let themes = Themes::load(None);
    let critical = themes.get("dark").style(Slot::Critical);
    // Member 1's row: its outstanding cell "500".
    let (x, y) = find(&b, "127.0.0.1:2181", "500");
    let cell = &b[(x, y)];
    assert_eq!(
        cell.bg,
        critical.bg.unwrap(),
        "outstanding cell lost its critical background"
    );
    assert_eq!(cell.fg, critical.fg.unwrap());
    assert!(cell.modifier.contains(Modifier::BOLD));
    // A healthy cell on the same row is not critical.
    let (x, y) = find(&b, "127.0.0.1:2181", "42");
    assert_ne!(b[(x, y)].bg, critical.bg.unwrap());
}

#[test]
fn down_member_renders_in_the_down_style_and_stays_listed() {
    let s = incident();
    let b = render(&s, 140, 30, "dark");
    let down = Themes::load(None).get("dark").style(Slot::Down);
    let (x, y) = find(&b, "127.0.0.1:2182", "down");
    assert_eq!(b[(x, y)].fg, down.fg.unwrap());
    assert!(text(&b).contains("connection refused"));
    assert!(text(&b).contains("members (3)"));
}

#[test]
fn header_shows_quorum_margin_and_state() {
    let s = incident();
    let t = text(&render(&s, 140, 30, "dark"));
    assert!(t.contains("leader 3"), "{t}");
    assert!(t.contains("live voters 2/3"), "{t}");
    assert!(t.contains("can lose 0 more voters"), "{t}");
    assert!(t.contains("CRITICAL"), "{t}");
}

#[test]
fn quorum_lost_is_shouted() {
    let mut s = state(false, false);
    feed(
        &mut s,
        &[
            snap(1, Role::NotServing, 0),
            snap(2, Role::Down, 0),
            snap(3, Role::Down, 0),
        ],
    );
    let b = render(&s, 120, 30, "dark");
    let (x, y) = find(&b, "voters", "QUORUM LOST");
    let critical = Themes::load(None).get("dark").style(Slot::Critical);
    assert_eq!(b[(x + 1, y)].bg, critical.bg.unwrap());
}

/// A frozen screen never passes for a live one: at 100 columns, on a sandbox in a critical
/// state (the longest header), the FROZEN badge is on screen in the critical style, and the
/// refresh clock, which would keep moving, is gone.
#[test]
fn a_frozen_screen_says_so_even_in_a_narrow_critical_header() {
    let mut s = state(false, true);
    feed(
        &mut s,
        &[
            snap(1, Role::NotServing, 0),
            snap(2, Role::Down, 0),
            snap(3, Role::Down, 0),
        ],
    );
    let live = text(&render(&s, 100, 30, "dark"));
    assert!(
        live.contains("updated") && !live.contains("FROZEN"),
        "{live}"
    );
    s.update(Msg::Key(KeyInput::ch('f')));
    let b = render(&s, 100, 30, "dark");
    let (x, y) = find(&b, "FROZEN", "FROZEN");
    let critical = Themes::load(None).get("dark").style(Slot::Critical);
    assert_eq!(b[(x, y)].bg, critical.bg.unwrap());
    assert!(text(&b).contains("SANDBOX"), "{}", text(&b));
    assert!(!text(&b).contains("updated"), "{}", text(&b));
}

/// On any width the header drops whole parts, least important first; a version or a time is
/// never cut into something that reads like another value.
#[test]
fn a_narrow_header_drops_whole_parts_never_half_a_number() {
    let mut s = state(false, true);
    feed(
        &mut s,
        &[
            snap(1, Role::NotServing, 0),
            snap(2, Role::Down, 0),
            snap(3, Role::Down, 0),
        ],
    );
    for width in 60..=140u16 {
        let t = text(&render(&s, width, 30, "dark"));
        let first = t.lines().next().unwrap_or_default().to_string();
        assert!(first.contains("CRITICAL"), "{width}: {first}");
        if let Some((_, rest)) = first.split_once(" config ") {
            let version = rest.split_whitespace().next().unwrap_or_default();
            assert_eq!(version, "0x100000000", "{width}: {first}");
        }
        if let Some((_, rest)) = first.split_once("updated ") {
            let at = rest.split_whitespace().next().unwrap_or_default();
            let whole = at.trim_end_matches('Z');
            assert!(
                at == "never" || (whole.len() == 8 && whole.as_bytes()[5] == b':'),
                "{width}: {first}"
            );
        }
    }
    let wide = text(&render(&s, 140, 30, "dark"));
    assert!(
        wide.contains("SANDBOX") && wide.contains("config 0x100000000"),
        "{wide}"
    );
}

/// A console started on a lost quorum lists members from the membership last seen live; the
/// header must say so, in the warn style, until a live membership replaces it.
#[test]
fn a_remembered_membership_is_marked_until_a_live_one_arrives() {
    use std::time::{Duration, SystemTime};
    use zkconsole::ensemble::EnsembleConfig;
    use zkconsole::probe::round::ConfigSource;
    let mut s = state(false, false);
    s.zone = jiff::tz::TimeZone::UTC;
    let config = s.membership.clone().expect("synthetic membership");
    let seen = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    s.remember(config.clone(), seen);
    feed(
        &mut s,
        &[
            snap(1, Role::NotServing, 0),
            snap(2, Role::Down, 0),
            snap(3, Role::Down, 0),
        ],
    );
    let b = render(&s, 140, 30, "dark");
    let (x, y) = find(&b, "voters", "membership as last seen 2026-11-18 ");
    let warn = Themes::load(None).get("dark").style(Slot::Warn);
    assert_eq!(b[(x, y)].fg, warn.fg.unwrap());

    s.update(Msg::Membership {
        gen: s.generation,
        config: EnsembleConfig::parse(&config.to_text()).unwrap(),
        source: ConfigSource::Znode,
    });
    assert_eq!(s.membership_source, ConfigSource::Znode);
    let t = text(&render(&s, 140, 30, "dark"));
    assert!(!t.contains("membership as last seen"), "{t}");
}

#[test]
fn monochrome_still_marks_breaches_by_attribute() {
    let s = incident();
    let b = render(&s, 140, 30, "monochrome");
    let (x, y) = find(&b, "127.0.0.1:2181", "500");
    assert!(
        b[(x, y)].modifier.contains(Modifier::REVERSED),
        "critical must stand out without colour"
    );
}

#[test]
fn tiny_terminal_gets_a_notice() {
    let s = incident();
    let t = text(&render(&s, 40, 8, "dark"));
    assert!(t.contains("terminal too small"), "{t}");
}

#[test]
fn read_only_removes_drills_from_hints_and_help_and_keys() {
    let mut s = state(true, true);
    feed(&mut s, &[snap(1, Role::Follower, 0)]);
    let t = text(&render(&s, 140, 30, "dark"));
    assert!(!t.contains("kill"), "read-only hint line offers kill:\n{t}");
    s.update(Msg::Key(KeyInput::ch('?')));
    assert_eq!(s.view, View::Help);
    let t = text(&render(&s, 140, 40, "dark"));
    assert!(!t.contains("SIGKILL"), "{t}");
    s.update(Msg::Key(KeyInput::ch('?')));
    let fx = s.update(Msg::Key(KeyInput::ch('K')));
    assert!(fx.is_empty());
    assert_eq!(s.input, zkconsole::app::Input::Normal);

    let mut sb = state(false, true);
    feed(&mut sb, &[snap(1, Role::Follower, 0)]);
    let t = text(&render(&sb, 140, 30, "dark"));
    assert!(t.contains("kill"), "a writable sandbox offers drills:\n{t}");
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut s = state(false, false);
    s.update(Msg::Key(KeyInput::ch('?')));
    let t = text(&render(&s, 120, 40, "dark"));
    let no_sandbox = zkconsole::app::keys::Allowed {
        writes: true,
        drills: false,
    };
    for (keys, help) in Keymap::default().help_rows(no_sandbox) {
        assert!(t.contains(help), "help lacks {help:?}");
        assert!(
            t.contains(keys.split(' ').next().unwrap()),
            "help lacks key {keys}"
        );
    }
}

#[test]
fn help_taller_than_the_screen_scrolls_to_every_line() {
    use zkconsole::app::keys::KeyCode;
    let mut s = state(false, true);
    s.update(Msg::Resize(100, 20));
    s.update(Msg::Key(KeyInput::ch('?')));
    let top = text(&render(&s, 100, 20, "dark"));
    assert!(top.contains("lines 1–13 of"), "{top}");
    assert!(!top.contains("switch to a configured ensemble"), "{top}");
    press(&mut s, KeyCode::End);
    let end = text(&render(&s, 100, 20, "dark"));
    assert!(end.contains("switch to a configured ensemble"), "{end}");
    // Keys past the end pile nothing up: one `k` moves back one line at once.
    let shown = |t: &str| {
        t.split("lines ")
            .nth(1)
            .map(|r| r.split('–').next().unwrap().to_string())
    };
    let at_end = shown(&end);
    for _ in 0..5 {
        press(&mut s, KeyCode::End);
    }
    s.update(Msg::Key(KeyInput::ch('k')));
    let back = text(&render(&s, 100, 20, "dark"));
    let first = |v: Option<String>| v.and_then(|x| x.parse::<usize>().ok()).unwrap();
    assert_eq!(first(shown(&back)), first(at_end) - 1, "{back}");
}

#[test]
fn help_from_the_tree_lists_the_browser_keys_and_writes_only_when_allowed() {
    for read_only in [false, true] {
        let mut s = state(read_only, false);
        let _ = s.open_tree(Some("/"));
        s.update(Msg::Key(KeyInput::ch('?')));
        assert_eq!(s.view, View::Help);
        let t = text(&render(&s, 120, 60, "dark"));
        assert!(
            t.contains("znode browser") && t.contains("go to a path"),
            "{t}"
        );
        assert_eq!(
            t.contains("set the selected node's data"),
            !read_only,
            "{t}"
        );
    }
}

#[test]
fn a_drill_that_would_lose_the_quorum_says_so_before_it_is_confirmed() {
    let mut s = state(false, true);
    feed(
        &mut s,
        &[
            snap(1, Role::Follower, 0),
            snap(2, Role::Down, 0),
            snap(3, Role::Leader, 0),
        ],
    );
    s.update(Msg::Key(KeyInput::ch('G')));
    s.update(Msg::Key(KeyInput::ch('K')));
    let t = text(&render(&s, 120, 30, "dark"));
    assert!(
        t.contains("kill (SIGKILL) member 3? this loses the quorum"),
        "{t}"
    );
}

#[test]
fn member_detail_lists_raw_metrics_filterable() {
    let mut s = incident();
    s.update(Msg::Key(KeyInput::ch('g')));
    s.update(Msg::Key(KeyInput::plain(
        zkconsole::app::keys::KeyCode::Enter,
    )));
    assert_eq!(s.view, View::Member);
    let t = text(&render(&s, 140, 40, "dark"));
    assert!(t.contains("requests/s"), "{t}");
    assert!(t.contains("znode_count"), "{t}");
    type_keys(&mut s, "/znode");
    let t = text(&render(&s, 140, 40, "dark"));
    assert!(t.contains("znode_count"));
    assert!(
        !t.contains("outstanding_requests"),
        "filter must hide other metrics:\n{t}"
    );
    // At 100 columns the pane is narrow: the zxid is shown whole, and the count of matching
    // rows includes the member's own fields (zxid is one).
    for _ in 0.."znode".len() {
        s.update(Msg::Key(KeyInput::plain(
            zkconsole::app::keys::KeyCode::Backspace,
        )));
    }
    type_keys(&mut s, "zxid");
    let t = text(&render(&s, 100, 30, "dark"));
    assert!(t.contains("0x100000005"), "{t}");
    assert!(t.contains(" 1 of "), "{t}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn any_size_renders_without_panic(w in 0u16..260, h in 0u16..90, view in 0usize..4) {
        let mut s = incident();
        s.view = [View::Dashboard, View::Member, View::Events, View::Help][view];
        let _ = render(&s, w, h, "dark");
    }
}

#[test]
fn a_prompt_shows_its_cursor_where_it_is() {
    use zkconsole::app::keys::KeyCode;
    let mut s = state(false, false);
    s.update(Msg::Resize(80, 24));
    type_keys(&mut s, ":thme light");
    for _ in 0.."hme light".len() {
        press(&mut s, KeyCode::Left);
    }
    let b = render(&s, 80, 24, "dark");
    let (x, y) = find(&b, ":thme", "h");
    assert!(
        b[(x, y)].modifier.contains(Modifier::REVERSED),
        "the cursor is on the `h`"
    );
    assert!(
        !text(&b).contains('█'),
        "no block at the end while mid-text"
    );
    press(&mut s, KeyCode::Right);
    s.update(Msg::Key(KeyInput::ch('e')));
    press(&mut s, KeyCode::End);
    let t = text(&render(&s, 80, 24, "dark"));
    assert!(t.contains(":theme light█"), "{t}");
}

#[test]
fn the_expand_form_shows_the_role_as_a_choice_at_80x24() {
    use zkconsole::app::keys::KeyCode;
    let mut s = state(false, false);
    feed_three_voters(&mut s);
    s.update(Msg::Resize(80, 24));
    type_keys(&mut s, "we");
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Right);
    let t = text(&render(&s, 80, 24, "dark"));
    assert!(t.contains("○ participant ◉ observer"), "{t}");
    assert!(t.contains("←→ switch"), "{t}");
}

#[test]
fn a_mistyped_wizard_confirmation_says_it_does_not_match() {
    use zkconsole::app::keys::KeyCode;
    let mut s = state(false, false);
    feed_three_voters(&mut s);
    s.update(Msg::Resize(80, 24));
    type_keys(&mut s, "wsj ");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Enter);
    type_keys(&mut s, "remove 3");
    let t = text(&render(&s, 80, 24, "dark"));
    assert!(
        t.contains("does not match: type exactly remove 2"),
        "said while typing:\n{t}"
    );
    press(&mut s, KeyCode::Enter);
    let t = text(&render(&s, 80, 24, "dark"));
    assert!(
        t.contains("\"remove 3\" does not match"),
        "said on enter:\n{t}"
    );
    // A prefix of the phrase is not a mistake yet.
    for _ in 0..3 {
        press(&mut s, KeyCode::Backspace);
    }
    let t = text(&render(&s, 80, 24, "dark"));
    assert_eq!(
        t.matches("does not match").count(),
        1,
        "only the log of the enter:\n{t}"
    );
}

#[test]
fn read_only_says_read_only_when_a_write_key_is_pressed() {
    let mut s = state(true, true);
    feed(&mut s, &[snap(1, Role::Follower, 0)]);
    s.update(Msg::Key(KeyInput::ch('w')));
    let t = text(&render(&s, 80, 24, "dark"));
    // Whole at 80 columns: the footer's last line ends with the reason.
    assert!(
        t.contains("read-only: w would change the ensemble (started with --read-only)"),
        "{t}"
    );
}

/// A member that stops answering keeps its last figures, greyed, except the live gauges: its
/// queue and its connections are unknown (`-`), as its lag and request rate are, never the
/// last count it reported.
#[test]
fn a_silent_member_shows_no_queue_or_connections() {
    let mut s = state(false, false);
    let round = [
        snap(1, Role::Follower, 0),
        snap(2, Role::Follower, 7),
        snap(3, Role::Leader, 0),
    ];
    feed(&mut s, &round);
    feed(&mut s, &round);
    feed(&mut s, &[snap(2, Role::Unresponsive, 0)]);
    let t = text(&render(&s, 200, 30, "dark"));
    let header: Vec<char> = t
        .lines()
        .find(|l| l.contains(" ID "))
        .unwrap()
        .chars()
        .collect();
    let row: Vec<char> = t
        .lines()
        .find(|l| l.trim_start_matches(['│', '▶', ' ']).starts_with("2 "))
        .expect("member 2's row")
        .chars()
        .collect();
    for name in ["OUTST", "CONN"] {
        let at = header
            .windows(name.len())
            .position(|w| w.iter().copied().eq(name.chars()))
            .unwrap_or_else(|| panic!("{name} not shown at 200 columns:\n{t}"));
        let cell: String = row[at..at + name.len()].iter().collect();
        assert_eq!(cell.trim(), "-", "{name} of a silent member:\n{t}");
    }
}
