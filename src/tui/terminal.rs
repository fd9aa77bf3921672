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

/// Hands the terminal's input over and back: while an editor runs, the input thread reads
/// nothing (it would steal the editor's keys).
#[derive(Clone)]
#[must_use = "the input thread stops reading when its gate is dropped"]
pub struct InputGate {
    tx: std::sync::mpsc::Sender<Gate>,
}

enum Gate {
    /// Stop reading; the sender is told once the thread no longer reads.
    Pause(tokio::sync::oneshot::Sender<()>),
    Resume,
}

impl InputGate {
    /// Asks the input thread to stop reading; the answer comes once it has (at most one poll
    /// later: a short one, since a key was just pressed).
    pub fn pause(&self) -> tokio::sync::oneshot::Receiver<()> {
        let (ack, paused) = tokio::sync::oneshot::channel();
        let _ = self.tx.send(Gate::Pause(ack));
        paused
    }

    pub fn resume(&self) {
        let _ = self.tx.send(Gate::Resume);
    }
}

/// How long the input thread waits for a key: short for a while after a key (an editor
/// may be asked for, and must not wait for the poll), long when idle (each expiry wakes an
/// otherwise idle process; it only lets the thread notice that the console has gone).
fn poll_wait(last_key: std::time::Instant) -> std::time::Duration {
    use std::time::Duration;
    if last_key.elapsed() < Duration::from_secs(2) {
        Duration::from_millis(50)
    } else {
        Duration::from_secs(1)
    }
}

/// Reads terminal events on a thread of its own (crossterm's read blocks) and forwards them.
pub fn spawn_input(tx: tokio::sync::mpsc::UnboundedSender<Msg>) -> InputGate {
    let (gate_tx, gate) = std::sync::mpsc::channel::<Gate>();
    std::thread::spawn(move || {
        let mut last_key = std::time::Instant::now();
        loop {
            if tx.is_closed() || !wait_while_paused(&gate) {
                return;
            }
            match event::poll(poll_wait(last_key)) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(_) => return,
            }
            let msg = match event::read() {
                Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => {
                    last_key = std::time::Instant::now();
                    convert(k).map(Msg::Key)
                }
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
        }
    });
    InputGate { tx: gate_tx }
}

/// Applies pending gate commands; on a pause, acknowledges it and blocks until resumed.
/// False once the console has gone (the gate's sender dropped).
fn wait_while_paused(gate: &std::sync::mpsc::Receiver<Gate>) -> bool {
    use std::sync::mpsc::TryRecvError;
    loop {
        match gate.try_recv() {
            Ok(Gate::Pause(ack)) => {
                let _ = ack.send(());
                // Blocked here, reading nothing, until resumed.
                loop {
                    match gate.recv() {
                        Ok(Gate::Resume) => break,
                        Ok(Gate::Pause(ack)) => {
                            let _ = ack.send(());
                        }
                        Err(_) => return false,
                    }
                }
            }
            Ok(Gate::Resume) => {}
            Err(TryRecvError::Empty) => return true,
            Err(TryRecvError::Disconnected) => return false,
        }
    }
}

/// Gives the terminal to another program (an editor): the normal screen, cooked mode.
pub fn suspend() -> std::io::Result<()> {
    disable_raw_mode()?;
    execute!(
        std::io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    )
}

/// Takes the terminal back after `suspend`, and redraws everything on the next frame.
pub fn resume(term: &mut Term) -> std::io::Result<()> {
    enable_raw_mode()?;
    execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste
    )?;
    term.hide_cursor()?;
    term.clear()
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
