//! A text input on screen: its value with the cursor where it is (the character under it
//! reversed, a block at the end), scrolled sideways so the cursor stays in view.

use crate::app::text_input::TextInput;
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;

/// Spans of `input` in `width` cells. Unfocused inputs show their value without a cursor.
pub fn spans(input: &TextInput, style: Style, focused: bool, width: usize) -> Vec<Span<'static>> {
    let chars: Vec<char> = input.value().chars().collect();
    let width = width.max(2);
    if !focused {
        return vec![Span::styled(
            super::format::fit(input.value(), width),
            style,
        )];
    }
    let cursor = input.cursor().min(chars.len());
    // The cursor needs a cell of its own at the end; keep it inside the window.
    let start = (cursor + 1).saturating_sub(width);
    let end = (start + width).min(chars.len());
    let mut before: String = chars[start..cursor].iter().collect();
    if start > 0 {
        // Text scrolled out to the left is marked, not silently gone.
        before = format!("…{}", before.chars().skip(1).collect::<String>());
    }
    let (under, after): (String, String) = match chars.get(cursor) {
        Some(c) => (c.to_string(), chars[cursor + 1..end].iter().collect()),
        None => ("█".to_string(), String::new()),
    };
    let under_style = if under == "█" {
        style
    } else {
        style.add_modifier(Modifier::REVERSED)
    };
    vec![
        Span::styled(before, style),
        Span::styled(under, under_style),
        Span::styled(after, style),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keys::{KeyCode, KeyInput};

    fn text(spans: &[Span]) -> String {
        spans.iter().map(|s| s.content.to_string()).collect()
    }

    #[test]
    fn the_cursor_is_drawn_where_it_is() {
        let mut t = TextInput::with("abc");
        assert_eq!(text(&spans(&t, Style::default(), true, 20)), "abc█");
        t.handle(KeyInput::plain(KeyCode::Left));
        let s = spans(&t, Style::default(), true, 20);
        assert_eq!(text(&s), "abc");
        assert_eq!(s[1].content, "c");
        assert!(s[1].style.add_modifier.contains(Modifier::REVERSED));
        assert_eq!(text(&spans(&t, Style::default(), false, 20)), "abc");
    }

    #[test]
    fn a_long_value_scrolls_to_keep_the_cursor_in_view() {
        let mut t = TextInput::with("/a/very/long/path/to/somewhere");
        let s = text(&spans(&t, Style::default(), true, 10));
        assert_eq!(s, "…omewhere█");
        t.handle(KeyInput::plain(KeyCode::Home));
        let s = text(&spans(&t, Style::default(), true, 10));
        assert_eq!(s, "/a/very/lo");
    }
}
