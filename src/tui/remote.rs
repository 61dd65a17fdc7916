//! The terminal UI through the process that holds the store.
//!
//! The UI runs inside the holder (`serve`, another open UI, a long command),
//! one thread per connection, as the connection's user (the kernel's word,
//! as for commands, checked by the listener), on the holder's open store: the same `tui::Ui` and `tui::render` as the embedded UI, drawn
//! into a fixed-size ratatui viewport whose bytes go to the client. The
//! client puts its terminal in raw mode, sends its keys, mouse, pastes and
//! resizes, and writes the bytes it gets. So no operation of the UI had to be
//! taught to speak the protocol, and rules, outcomes and audit are the
//! embedded ones.
//!
//! Live updates: every change committed by anyone is pushed into the UI's
//! loop; the UI reloads (keeping its selection where it can, as after its own
//! changes) and its status line says who changed what.
//!
//! When the server goes away, the client shows "disconnected, retrying" and
//! starts a new UI session when the server is back (the old one's state,
//! such as the selection, is not carried over).

use std::io::{self, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use crate::app::App;
use crate::domain::{AuditEntry, Error, Result};
use crate::env::Env;
use crate::tui::keys::{Input, Key, KeyCode, MouseKind};
use crate::wire::client::Client;
use crate::wire::proto::{
    self, Answer, ClientMsg, ClientReq, ServerMsg, TuiReq, WireInput, WireKey,
};
use crate::wire::UiEvent as Msg;

/// Events a hosted UI may fall behind before it stops hearing of changes.
const FEED_CAPACITY: usize = 65_536;

/// The terminal's bytes, sent as one `Screen` message per flush.
///
/// Once the client is gone (a write failed), the bytes go nowhere and
/// writing succeeds: the failure was reported once, to the UI's loop, which
/// ends. Whatever else writes afterwards (ratatui's `Terminal`, dropped,
/// shows the cursor again and prints a failure to the process's stderr: the
/// holder's terminal) has nothing to fail on (issue 23, item 11).
struct ScreenWriter {
    buf: Vec<u8>,
    out: Arc<Mutex<UnixStream>>,
    gone: bool,
}

impl Write for ScreenWriter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if !self.gone {
            self.buf.extend_from_slice(b);
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() || self.gone {
            self.buf.clear();
            return Ok(());
        }
        let bytes = std::mem::take(&mut self.buf);
        let mut w = self.out.lock().unwrap_or_else(|e| e.into_inner());
        proto::write_msg(&mut *w, &ServerMsg::Screen(bytes)).map_err(|e| {
            self.gone = true;
            io::Error::new(io::ErrorKind::BrokenPipe, e.to_string())
        })
    }
}

/// Starts the UI of one connection; returns where its inputs go (a
/// [`crate::wire::UiHost`]).
pub fn host(
    app: &Arc<App>,
    acting: &str,
    r: TuiReq,
    writer: &Arc<Mutex<UnixStream>>,
    closed: &Arc<AtomicBool>,
) -> Result<Sender<Msg>> {
    let acting = acting.to_string();
    // The same refusals as the embedded UI, before any screen is sent.
    app.session(&acting)?;
    // The server reads no file for a client: a theme file's text comes from
    // the client, and a name must look like a built-in theme's.
    let mut theme = match (&r.theme_toml, &r.theme) {
        (Some(text), _) => crate::tui::theme::Theme::from_toml(text).map_err(Error::invalid)?,
        (None, Some(name))
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            return Err(Error::invalid(format!(
                "theme '{}': no such built-in theme",
                crate::domain::text::escape(name)
            )))
        }
        (None, name) => crate::tui::theme::Theme::load(name.as_deref()).map_err(Error::invalid)?,
    };
    if r.no_color {
        theme = theme.no_color();
    }
    let mut keys = crate::tui::keymap::KeyMap::default();
    let mut notes = Vec::new();
    if let Some(text) = &r.keys {
        notes.extend(keys.apply_config(text));
    }
    notes.extend(keys.conflicts());
    let (tx, rx) = std::sync::mpsc::channel::<Msg>();
    // Committed changes join the inputs in one queue.
    let feed = app.subscribe(FEED_CAPACITY);
    {
        let (tx, closed) = (tx.clone(), closed.clone());
        std::thread::Builder::new()
            .name("ui-feed".into())
            .spawn(move || loop {
                match feed.recv_timeout(Duration::from_millis(500)) {
                    Ok(e) => {
                        if tx.send(Msg::Change(e)).is_err() {
                            return;
                        }
                    }
                    Err(RecvTimeoutError::Timeout) if !closed.load(SeqCst) => {}
                    Err(_) => return,
                }
            })
            .map_err(|e| Error::unavailable(format!("cannot start a thread: {e}")))?;
    }
    let (app, writer) = (app.clone(), writer.clone());
    std::thread::Builder::new()
        .name(format!("ui-{acting}"))
        .spawn(move || {
            // A bug in the UI ends this UI, not the server: the client is
            // told, and nothing is printed on the holder's terminal (the
            // panic hooks stay silent for a panic that is caught).
            let quiet = crate::QuietPanics::new();
            let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                ui_loop(&app, &acting, &r, theme, keys, notes, rx, &writer)
            }));
            drop(quiet);
            let end = match res {
                Ok(Ok(())) => String::new(),
                Ok(Err(e)) => {
                    format!("store unavailable: the server's terminal UI failed: {e}")
                }
                Err(p) => {
                    let m = crate::panic_text(&p);
                    format!("internal error in the server's terminal UI: {m}")
                }
            };
            let mut w = writer.lock().unwrap_or_else(|e| e.into_inner());
            let _ = proto::write_msg(&mut *w, &ServerMsg::TuiEnded(end));
        })
        .map_err(|e| Error::unavailable(format!("cannot start a thread: {e}")))?;
    Ok(tx)
}

#[allow(clippy::too_many_arguments)]
fn ui_loop(
    app: &App,
    login: &str,
    r: &TuiReq,
    theme: crate::tui::theme::Theme,
    keys: crate::tui::keymap::KeyMap,
    notes: Vec<String>,
    rx: Receiver<Msg>,
    writer: &Arc<Mutex<UnixStream>>,
) -> io::Result<()> {
    let out = ScreenWriter {
        buf: Vec::new(),
        out: writer.clone(),
        gone: false,
    };
    // No screen byte before the reply that announces the screen.
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Msg::Start) => break,
            Ok(_) => {}
            Err(_) => return Ok(()),
        }
    }
    let mut term = Terminal::with_options(
        CrosstermBackend::new(out),
        TerminalOptions {
            viewport: Viewport::Fixed(area(r.cols, r.rows)),
        },
    )?;
    let mut ui = crate::tui::Ui::new(app, login, keys, theme, r.ascii)
        .map_err(|e| io::Error::other(e.to_string()))?;
    if notes.is_empty() {
        ui.set_message(format!(
            "connected as {login} to the treeward process holding this store; ? shows the keys"
        ));
    } else {
        ui.set_error(format!("key bindings: {}", notes.join("; ")));
    }
    // Slow work on a worker of this connection's own, as in the embedded UI.
    std::thread::scope(|scope| {
        ui.attach_worker(crate::tui::worker::Worker::spawn(scope, app));
        let res = serve_ui(app, login, &mut ui, &mut term, &rx);
        drop(ui);
        res
    })
}

fn area(c: u16, r: u16) -> Rect {
    Rect::new(0, 0, c.max(1), r.max(1))
}

/// Draws a frame into the client's screen.
fn remote_frame(
    term: &mut Terminal<CrosstermBackend<ScreenWriter>>,
    ui: &mut crate::tui::Ui,
) -> io::Result<()> {
    use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
    ui.prepare();
    crate::tui::repaint_if_asked(term, ui)?;
    crossterm::queue!(term.backend_mut(), BeginSynchronizedUpdate)?;
    term.draw(|f| crate::tui::render::draw(f, ui))?;
    crossterm::queue!(term.backend_mut(), EndSynchronizedUpdate)?;
    if !ui.clipboard.is_empty() {
        let w = term.backend_mut();
        for s in ui.clipboard.drain(..) {
            w.write_all(s.as_bytes())?;
        }
    }
    term.backend_mut().flush()
}

/// The hosted UI's loop: inputs and changes in, frames out, until the client leaves.
fn serve_ui(
    app: &App,
    login: &str,
    ui: &mut crate::tui::Ui,
    term: &mut Terminal<CrosstermBackend<ScreenWriter>>,
    rx: &Receiver<Msg>,
) -> io::Result<()> {
    let mut own = super::changes::Own::default();
    let mut link = super::changes::LinkSeen::now(app);
    loop {
        // Every pass draws: ratatui sends only the cells that changed.
        ui.poll_jobs();
        remote_frame(term, ui)?;
        // Idle: a tick redraws (anything the UI settles by time, such as a
        // what-if waiting for its inputs to settle, shows; ratatui sends only
        // what changed); shortly while the worker has work out.
        let tick = if ui.working() { 5 } else { 250 };
        let first = match rx.recv_timeout(Duration::from_millis(tick)) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => {
                super::changes::show_link(app, ui, &mut link);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(()), // the client left
        };
        let Some(changes) = take_messages(app, ui, term, rx, first, &mut own)? else {
            return Ok(());
        };
        // Others' changes: reload, and say who changed what. This UI's own
        // were reloaded by it when it made them.
        super::changes::show_link(app, ui, &mut link);
        super::changes::show_others(app, ui, changes, &own, login, &link);
    }
}

/// Everything pending before the next frame (for at most 50 ms); the
/// others' changes among them coalesce into one reload. `None`: quit.
fn take_messages(
    app: &App,
    ui: &mut crate::tui::Ui,
    term: &mut Terminal<CrosstermBackend<ScreenWriter>>,
    rx: &Receiver<Msg>,
    first: Msg,
    own: &mut super::changes::Own,
) -> io::Result<Option<Vec<AuditEntry>>> {
    let mut changes: Vec<AuditEntry> = Vec::new();
    let mut next = Some(first);
    let started = Instant::now();
    while let Some(m) = next.take() {
        match m {
            Msg::Input(i) => {
                if let WireInput::Resize(c, rr) = i {
                    term.resize(area(c, rr))?;
                }
                if let Some(input) = from_wire(i) {
                    // Changes this UI makes itself are reloaded by it.
                    let before = app.last_seq();
                    ui.handle(input);
                    own.note(before, app.last_seq());
                }
                if ui.quit {
                    return Ok(None);
                }
            }
            Msg::Change(e) => changes.push(e),
            Msg::Start => {}
        }
        if started.elapsed() < Duration::from_millis(50) {
            next = rx.try_recv().ok();
        }
    }
    Ok(Some(changes))
}

fn from_wire(i: WireInput) -> Option<Input> {
    Some(match i {
        WireInput::Key { code, ctrl, alt } => Input::Key(Key {
            code: match code {
                WireKey::Char(c) => KeyCode::Char(c),
                WireKey::Enter => KeyCode::Enter,
                WireKey::Esc => KeyCode::Esc,
                WireKey::Tab => KeyCode::Tab,
                WireKey::BackTab => KeyCode::BackTab,
                WireKey::Up => KeyCode::Up,
                WireKey::Down => KeyCode::Down,
                WireKey::Left => KeyCode::Left,
                WireKey::Right => KeyCode::Right,
                WireKey::PageUp => KeyCode::PageUp,
                WireKey::PageDown => KeyCode::PageDown,
                WireKey::Home => KeyCode::Home,
                WireKey::End => KeyCode::End,
                WireKey::Backspace => KeyCode::Backspace,
                WireKey::Delete => KeyCode::Delete,
                WireKey::F(n) => KeyCode::F(n),
            },
            ctrl,
            alt,
        }),
        WireInput::Click { col, row } => Input::Mouse {
            kind: MouseKind::Click,
            col,
            row,
        },
        WireInput::ScrollUp { col, row } => Input::Mouse {
            kind: MouseKind::ScrollUp,
            col,
            row,
        },
        WireInput::ScrollDown { col, row } => Input::Mouse {
            kind: MouseKind::ScrollDown,
            col,
            row,
        },
        WireInput::Resize(c, r) => Input::Resize(c, r),
        WireInput::Paste(s) => Input::Paste(s),
    })
}

fn to_wire(i: Input) -> WireInput {
    match i {
        Input::Key(k) => WireInput::Key {
            code: match k.code {
                KeyCode::Char(c) => WireKey::Char(c),
                KeyCode::Enter => WireKey::Enter,
                KeyCode::Esc => WireKey::Esc,
                KeyCode::Tab => WireKey::Tab,
                KeyCode::BackTab => WireKey::BackTab,
                KeyCode::Up => WireKey::Up,
                KeyCode::Down => WireKey::Down,
                KeyCode::Left => WireKey::Left,
                KeyCode::Right => WireKey::Right,
                KeyCode::PageUp => WireKey::PageUp,
                KeyCode::PageDown => WireKey::PageDown,
                KeyCode::Home => WireKey::Home,
                KeyCode::End => WireKey::End,
                KeyCode::Backspace => WireKey::Backspace,
                KeyCode::Delete => WireKey::Delete,
                KeyCode::F(n) => WireKey::F(n),
            },
            ctrl: k.ctrl,
            alt: k.alt,
        },
        Input::Mouse { kind, col, row } => match kind {
            MouseKind::Click => WireInput::Click { col, row },
            MouseKind::ScrollUp => WireInput::ScrollUp { col, row },
            MouseKind::ScrollDown => WireInput::ScrollDown { col, row },
        },
        Input::Resize(c, r) => WireInput::Resize(c, r),
        Input::Paste(s) => WireInput::Paste(s),
    }
}

// ---- the client's side ----

static TAKEN: AtomicBool = AtomicBool::new(false);

fn take_terminal() -> io::Result<()> {
    use crossterm::event::{EnableBracketedPaste, EnableMouseCapture};
    use crossterm::terminal::{self, EnterAlternateScreen};
    terminal::enable_raw_mode()?;
    TAKEN.store(true, SeqCst);
    crossterm::execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        crossterm::cursor::Hide,
        terminal::Clear(terminal::ClearType::All)
    )
}

fn give_back_terminal() {
    use crossterm::event::{DisableBracketedPaste, DisableMouseCapture};
    use crossterm::terminal::{self, EndSynchronizedUpdate, LeaveAlternateScreen};
    if TAKEN.swap(false, SeqCst) {
        let _ = crossterm::execute!(
            io::stdout(),
            EndSynchronizedUpdate,
            DisableMouseCapture,
            DisableBracketedPaste,
            LeaveAlternateScreen,
            crossterm::cursor::Show
        );
        let _ = terminal::disable_raw_mode();
    }
}

/// The request a client sends to start (or restart) its UI.
fn tui_request(env: &Env) -> TuiReq {
    let (cols, rows) = crossterm::terminal::size().unwrap_or((80, 24));
    let keys = std::env::var_os("TREEWARD_KEYS")
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            directories::ProjectDirs::from("", "", "treeward")
                .map(|d| d.config_dir().join("keys.toml"))
        })
        .and_then(|p| std::fs::read_to_string(p).ok());
    TuiReq {
        cols,
        rows,
        as_: env.as_.clone(),
        theme: env
            .theme
            .clone()
            .filter(|t| !std::path::Path::new(t).is_file()),
        theme_toml: env
            .theme
            .as_ref()
            .filter(|t| std::path::Path::new(t).is_file())
            .and_then(|t| std::fs::read_to_string(t).ok()),
        no_color: crate::tui::theme::Theme::no_color_requested(),
        ascii: env.ascii,
        keys,
    }
}

/// Asks the server for a UI; on success the connection carries the screen.
fn open_ui(client: Client, req: TuiReq) -> Result<UnixStream> {
    let mut client = client;
    match client.request(ClientReq::Tui(req))? {
        Answer::TuiStarted => Ok(client.into_stream()),
        Answer::Failed { code, message } => Err(proto::failure(code, message)),
        other => Err(Error::unavailable(format!(
            "unexpected answer from the server: {other:?}"
        ))),
    }
}

/// `treeward` with no command, when another process holds the store and
/// answers on its socket. Returns the exit code.
pub fn run_client(env: &Env, client: Client) -> Ended {
    let socket = env.socket.as_path();
    // Everything that can fail without a screen fails before the terminal is touched.
    let stream = match open_ui(client, tui_request(env)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return Ended::Exit(e.outcome.exit_code());
        }
    };
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        give_back_terminal();
        prev(info);
    }));
    if let Err(e) = super::need_terminal() {
        give_back_terminal();
        eprintln!("{e}");
        return Ended::Exit(2);
    }
    if let Err(e) = take_terminal() {
        give_back_terminal();
        eprintln!("invalid input: cannot drive this terminal: {e}");
        return Ended::Exit(2);
    }
    let ended = session(env, stream, socket);
    give_back_terminal();
    ended
}

/// How a UI session through a holder ended.
pub enum Ended {
    /// With this exit code.
    Exit(i32),
    /// The holder quit and nobody holds the store now: the launcher takes it.
    HolderGone,
}

fn session(env: &Env, stream: UnixStream, socket: &std::path::Path) -> Ended {
    // Where keys go: the current connection (replaced after a reconnect).
    let sink: Arc<Mutex<Option<UnixStream>>> = Arc::new(Mutex::new(stream.try_clone().ok()));
    let quit_while_away = Arc::new(AtomicBool::new(false));
    // Set when this session ends: the key reader stops, so that the terminal
    // can be handed to a UI of this process's own.
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (sink, quit, done) = (sink.clone(), quit_while_away.clone(), done.clone());
        std::thread::spawn(move || loop {
            if done.load(SeqCst) {
                return;
            }
            match crossterm::event::poll(Duration::from_millis(50)) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(_) => return,
            }
            let Ok(ev) = crossterm::event::read() else {
                return;
            };
            let Some(input) = crate::tui::keys::from_crossterm(ev) else {
                continue;
            };
            let mut s = sink.lock().unwrap_or_else(|e| e.into_inner());
            match s.as_mut() {
                Some(w) => {
                    let m = ClientMsg {
                        id: 0,
                        req: ClientReq::TuiInput(to_wire(input)),
                    };
                    if proto::write_msg(w, &m).is_err() {
                        *s = None;
                    }
                }
                None => {
                    // Disconnected: q, Esc or Ctrl-C leaves.
                    if let Input::Key(k) = input {
                        if matches!(k.code, KeyCode::Char('q') | KeyCode::Esc)
                            || (k.ctrl && k.code == KeyCode::Char('c'))
                        {
                            quit.store(true, SeqCst);
                        }
                    }
                }
            }
        })
    };
    let ended = screens(env, stream, socket, &sink, &quit_while_away);
    done.store(true, SeqCst);
    let _ = reader.join();
    ended
}

/// Writes the holder's screens until the UI ends, reconnecting when the
/// holder goes away.
fn screens(
    env: &Env,
    stream: UnixStream,
    socket: &std::path::Path,
    sink: &Arc<Mutex<Option<UnixStream>>>,
    quit_while_away: &AtomicBool,
) -> Ended {
    let mut stream = stream;
    loop {
        let m = proto::read_msg::<ServerMsg>(&mut stream, || {});
        match m {
            Ok(ServerMsg::Screen(bytes)) => {
                let mut out = io::stdout().lock();
                let _ = out.write_all(&bytes).and_then(|_| out.flush());
            }
            Ok(ServerMsg::TuiEnded(msg)) => {
                give_back_terminal();
                if msg.is_empty() {
                    return Ended::Exit(0);
                }
                eprintln!("{msg}");
                return Ended::Exit(6);
            }
            Ok(_) => {}
            Err(_) => {
                *sink.lock().unwrap_or_else(|e| e.into_inner()) = None;
                let s = match reconnect(env, socket, quit_while_away) {
                    Reconnected::To(s) => s,
                    Reconnected::Quit => return Ended::Exit(0),
                    Reconnected::NobodyHolds => return Ended::HolderGone,
                };
                *sink.lock().unwrap_or_else(|e| e.into_inner()) = s.try_clone().ok();
                stream = s;
            }
        }
    }
}

enum Reconnected {
    To(UnixStream),
    Quit,
    /// The holder removed its socket on the way out: the store is free.
    NobodyHolds,
}

/// Shows "disconnected, retrying" on the last row until a holder is back.
fn reconnect(env: &Env, socket: &std::path::Path, quit: &AtomicBool) -> Reconnected {
    let (_, rows) = crossterm::terminal::size().unwrap_or((80, 24));
    let mut wait = Duration::from_millis(50);
    loop {
        {
            let mut out = io::stdout().lock();
            let _ = crossterm::queue!(
                out,
                crossterm::cursor::MoveTo(0, rows.saturating_sub(1)),
                crossterm::terminal::Clear(crossterm::terminal::ClearType::CurrentLine),
                crossterm::style::Print(" disconnected, retrying (q leaves)",)
            );
            let _ = out.flush();
        }
        if quit.load(SeqCst) {
            return Reconnected::Quit;
        }
        match Client::connect(socket) {
            Ok(c) => {
                if let Ok(s) = open_ui(c, tui_request(env)) {
                    let _ = crossterm::execute!(
                        io::stdout(),
                        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
                    );
                    return Reconnected::To(s);
                }
            }
            Err(_) if !env.socket_given && std::fs::symlink_metadata(socket).is_err() => {
                return Reconnected::NobodyHolds;
            }
            Err(_) => {}
        }
        let until = Instant::now() + wait;
        while Instant::now() < until {
            if quit.load(SeqCst) {
                return Reconnected::Quit;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        wait = (wait * 2).min(Duration::from_secs(2));
    }
}
