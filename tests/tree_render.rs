//! The znode browser as drawn (TestBackend): names that would hide or reorder text are shown
//! escaped, wide names keep the columns aligned, the breadcrumb reads as the path, a hot node
//! says how fast it changes, and the ACL key is shown only when writes are allowed.

mod synthetic;

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use zkconsole::app::tree::{Churn, TreeMsg};
use zkconsole::app::{Msg, State};
use zkconsole::tree::node::NodeStat;
use zkconsole::ui::theme::Themes;

fn render(s: &State, w: u16, h: u16) -> Vec<String> {
    let themes = Themes::load(None);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| zkconsole::ui::draw(f, s, themes.get("dark")))
        .unwrap();
    let b: Buffer = t.backend().buffer().clone();
    (0..h)
        .map(|y| {
            let mut line = String::new();
            for x in 0..w {
                // A wide character's second cell is a blank continuation: skip it, so the
                // string shows what a terminal would.
                let sym = b[(x, y)].symbol();
                if x > 0 && unicode_width::UnicodeWidthStr::width(b[(x - 1, y)].symbol()) == 2 {
                    continue;
                }
                // No-break spaces (inside key hints) read as spaces.
                line.push_str(&sym.replace('\u{a0}', " "));
            }
            line
        })
        .collect()
}

fn listed(names: &[&str], cwd: &str, read_only: bool) -> State {
    let mut s = synthetic::state(read_only, false);
    let _ = s.open_tree(Some(cwd));
    let stat = NodeStat {
        num_children: names.len() as i32,
        ..NodeStat::default()
    };
    s.update(Msg::Tree(TreeMsg::Children {
        path: cwd.into(),
        result: Ok((names.iter().map(|n| n.to_string()).collect(), stat)),
    }));
    let stats = names
        .iter()
        .map(|n| {
            (
                n.to_string(),
                Some(NodeStat {
                    num_children: 12,
                    data_length: 5,
                    ..NodeStat::default()
                }),
            )
        })
        .collect();
    s.update(Msg::Tree(TreeMsg::Stats {
        parent: cwd.into(),
        stats,
    }));
    s
}

#[test]
fn bidi_and_invisible_characters_in_names_are_shown_escaped() {
    let s = listed(&["rtl\u{202e}evil", "zw\u{200d}j"], "/drill", false);
    let screen = render(&s, 80, 24).join("\n");
    assert!(screen.contains("rtl\\u{202e}evil"), "{screen}");
    assert!(screen.contains("zw\\u{200d}j"), "{screen}");
    assert!(!screen.contains('\u{202e}') && !screen.contains('\u{200d}'));
}

#[test]
fn wide_names_keep_the_columns_aligned_and_the_breadcrumb_is_the_path() {
    let s = listed(&["abc", "名前ノード", "ünïcødé"], "/drill", false);
    let lines = render(&s, 80, 24);
    let col = |needle: &str| {
        let line = lines
            .iter()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} not drawn: {lines:#?}"));
        // The child count column (`12 ▸`) ends at the same display cell on every row.
        let end = line.find("12 ▸").unwrap() + "12 ▸".len();
        unicode_width::UnicodeWidthStr::width(&line[..end])
    };
    assert_eq!(col("abc"), col("名前ノード"), "{lines:#?}");
    assert_eq!(col("abc"), col("ünïcødé"), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.starts_with(" /drill  3 children")),
        "{lines:#?}"
    );
}

#[test]
fn a_hot_node_says_how_fast_it_changes() {
    let mut s = listed(&["a"], "/hot", false);
    s.update(Msg::Tree(TreeMsg::Churn {
        path: "/hot".into(),
        data: false,
        churn: Some(Churn {
            per_sec: 550.0,
            every_ms: 1000,
            strained: false,
        }),
    }));
    let screen = render(&s, 80, 24).join("\n");
    assert!(
        screen.contains("changing: 550/s, refreshed every 1 s"),
        "{screen}"
    );
    s.update(Msg::Tree(TreeMsg::Churn {
        path: "/hot".into(),
        data: false,
        churn: None,
    }));
    assert!(!render(&s, 80, 24).join("\n").contains("changing:"));
}

#[test]
fn the_acl_key_is_offered_only_when_writes_are() {
    for read_only in [false, true] {
        let s = listed(&["a"], "/", read_only);
        let screen = render(&s, 120, 30).join("\n");
        assert_eq!(screen.contains("A acl"), !read_only, "{screen}");
        // At 80×24 the hints wrap: no write key is cut off.
        let small = render(&s, 80, 24).join("\n");
        for hint in ["c create", "E edit", "A acl", "D delete"] {
            assert_eq!(small.contains(hint), !read_only, "{hint}: {small}");
        }
        assert!(small.contains("esc back"), "{small}");
    }
}
