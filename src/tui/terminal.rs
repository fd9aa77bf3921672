//! Terminal setup and teardown. The terminal is restored on every exit path, panics included.

use crossterm::event::{
    self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyEventKind, KeyModifiers,
};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::Stdout;

use crate::app::keys::{KeyCode, KeyInput};
use crate::app::Msg;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

pub fn setup() -> std::io::Result<Term> {
    install_panic_hook();
    enable_raw_mode()?;
    let mut out = std::io::stdout();
    // Mouse capture stays off: selecting text to copy keeps working over SSH.
    // Bracketed paste: a paste arrives as one text (`Msg::Paste`), never as keys that could
    // press enter or a command key.
    execute!(out, EnterAlternateScreen, EnableBracketedPaste)?;
    // A fixed viewport, resized on the terminal's resize events: the default (fullscreen)
    // asks the terminal for its size on every frame, which costs an open of /dev/tty.
    let (w, h) = crossterm::terminal::size()?;
    let mut t = Terminal::with_options(
        CrosstermBackend::new(out),
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, h)),
        },
    )?;
    t.hide_cursor()?;
    t.clear()?;
    Ok(t)
}

pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Reads terminal events on a thread of its own (crossterm's read blocks) and forwards them.
pub fn spawn_input(tx: tokio::sync::mpsc::UnboundedSender<Msg>) {
    std::thread::spawn(move || loop {
        if tx.is_closed() {
            return;
        }
        // The timeout only lets the thread notice that the console has gone; each expiry is
        // a wakeup of an otherwise idle process, so it is long.
        match event::poll(std::time::Duration::from_secs(1)) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) => return,
        }
        let msg = match event::read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => convert(k).map(Msg::Key),
            Ok(Event::Resize(w, h)) => Some(Msg::Resize(w, h)),
            Ok(Event::Paste(text)) => Some(Msg::Paste(text)),
            Ok(_) => None,
            Err(_) => return,
        };
        if let Some(m) = msg {
            if tx.send(m).is_err() {
                return;
            }
        }
    });
}

fn convert(k: event::KeyEvent) -> Option<KeyInput> {
    use event::KeyCode as C;
    let code = match k.code {
        C::Char(c) => KeyCode::Char(c),
        C::Enter => KeyCode::Enter,
        C::Esc => KeyCode::Esc,
        C::Backspace => KeyCode::Backspace,
        C::Delete => KeyCode::Delete,
        C::Tab => KeyCode::Tab,
        C::BackTab => KeyCode::BackTab,
        C::Up => KeyCode::Up,
        C::Down => KeyCode::Down,
        C::Left => KeyCode::Left,
        C::Right => KeyCode::Right,
        C::PageUp => KeyCode::PageUp,
        C::PageDown => KeyCode::PageDown,
        C::Home => KeyCode::Home,
        C::End => KeyCode::End,
        C::F(n) => KeyCode::F(n),
        _ => return None,
    };
    Some(KeyInput {
        code,
        ctrl: k.modifiers.contains(KeyModifiers::CONTROL),
        alt: k.modifiers.contains(KeyModifiers::ALT),
    })
}

/// OSC 52: the terminal (also at the far end of SSH and through tmux with set-clipboard on)
/// puts the text on the operator's clipboard.
pub fn copy_to_clipboard(text: &str) {
    use base64::Engine;
    use std::io::Write;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{b64}\x07");
    let _ = out.flush();
}
