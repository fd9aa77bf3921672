//! The terminal's size as the model knows it (it arrives in `Msg::Resize`) and the few
//! layout figures the model needs to bound scrolling. The renderer lays out with the same
//! figures, so a scroll limit computed in `update` is the one the screen shows, and
//! rendering never has to write a measured limit back into the state.

/// Rows above the body (the header) and below it (the footer line).
pub const HEADER_ROWS: u16 = 4;
pub const FOOTER_ROWS: u16 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    pub width: u16,
    pub height: u16,
}

impl Default for Viewport {
    /// The most common terminal size, until the first `Msg::Resize` says otherwise.
    fn default() -> Self {
        Viewport {
            width: 80,
            height: 24,
        }
    }
}

impl Viewport {
    /// Width and height of the body, between header and footer.
    pub fn body(self) -> (u16, u16) {
        (
            self.width,
            self.height.saturating_sub(HEADER_ROWS + FOOTER_ROWS),
        )
    }

    /// Lines the help table shows (the body inside its border).
    pub fn help_rows(self) -> usize {
        self.body().1.saturating_sub(2) as usize
    }

    /// Inner width and height of the wizard's main box, above a progress log of `log_len`
    /// lines.
    pub fn wizard_text(self, log_len: usize) -> (u16, u16) {
        let (w, h) = self.body();
        let main = h.saturating_sub(wizard_log_height(h, log_len));
        (w.saturating_sub(2), main.saturating_sub(2))
    }
}

/// Height of the wizard's progress log: its lines and a border, at most a third of the body.
pub fn wizard_log_height(body_height: u16, log_len: usize) -> u16 {
    if log_len == 0 {
        return 0;
    }
    (log_len.min(u16::MAX as usize - 2) as u16 + 2)
        .min(body_height / 3)
        .max(3)
}

/// Rows that lines of these display widths take in `width` columns when wrapped at words.
/// Wrapping at words leaves rows shorter than the width: count generously (a blank row at
/// the end beats a warning that cannot be scrolled to).
pub fn wrapped_rows(widths: impl IntoIterator<Item = usize>, width: u16) -> usize {
    let width = width.max(1) as usize;
    let per_row = width.saturating_sub(12).max(width / 2).max(1);
    widths
        .into_iter()
        .map(|w| if w <= width { 1 } else { w.div_ceil(per_row) })
        .sum()
}

/// How far `rows` of text can scroll in `height` rows, one of which then says what is out
/// of view; 0 when everything fits.
pub fn scroll_limit(rows: usize, height: u16) -> usize {
    let height = height as usize;
    if rows <= height || height < 2 {
        return 0;
    }
    rows - (height - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_and_help_rows_follow_the_size() {
        let v = Viewport {
            width: 100,
            height: 20,
        };
        assert_eq!(v.body(), (100, 15));
        assert_eq!(v.help_rows(), 13);
        let tiny = Viewport {
            width: 3,
            height: 2,
        };
        assert_eq!(tiny.help_rows(), 0);
    }

    #[test]
    fn scroll_limit_keeps_a_row_for_the_note() {
        assert_eq!(scroll_limit(10, 10), 0);
        assert_eq!(scroll_limit(11, 10), 2);
        assert_eq!(scroll_limit(50, 1), 0);
        assert_eq!(wrapped_rows([5, 10, 30], 20), 1 + 1 + 3);
    }
}
