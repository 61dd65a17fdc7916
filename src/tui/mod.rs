//! The terminal UI (ratatui + crossterm): one event loop over the app layer.
//!
//! The modules, each depending only on those listed before it:
//! - [`keys`] (input at the edge), [`keymap`] (the one key table),
//!   [`model`] (plain state types), [`layout`] (where the panes are),
//!   [`theme`].
//! - Per-pane and per-layer state: [`panes`], [`tree`], [`whatif`],
//!   [`who`], [`dialog`], [`filter`], [`layers`] (the overlay stack);
//!   [`requests`] (the app-layer request a dialog ends in).
//! - [`source`] (what the tree shows of the store, through the viewer's
//!   eyes) and [`worker`] (slow work on its own thread).
//! - [`ui`]: the state of the whole UI. `loading`, `jobs`, `detail`,
//!   `commands` (one handler per command of the key table, dispatched by
//!   table lookup) and `input` (keys to layers, then to commands) act on it.
//! - [`render`]: drawing, reading the state.
//!
//! Terminal hygiene: the store is opened (a locked store exits 6) before the
//! terminal is touched; the terminal is restored on quit, on panic (a hook)
//! and on SIGTERM / SIGHUP. Frames are drawn only after the pending input is
//! drained, at most one per 10 ms, into a buffered writer wrapped in
//! synchronized-output sequences; ratatui diffs cells, so the screen is never
//! cleared in the normal path.

pub mod activity;
pub(crate) mod changes;
mod commands;
mod detail;
pub mod dialog;
pub mod filter;
mod input;
mod jobs;
pub mod keymap;
pub mod keys;
pub mod layers;
pub mod layout;
mod loading;
pub mod messages;
pub mod model;
pub mod panes;
mod reads;
pub mod remote;
pub mod render;
pub mod requests;
pub mod source;
pub mod theme;
pub mod tree;
pub mod ui;
pub mod undo;
pub mod whatif;
pub mod who;
pub mod words;
pub mod worker;

use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    self, BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen,
    LeaveAlternateScreen,
};
use crossterm::{cursor, execute};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use crate::app::App;
use crate::env::Env;

pub use keymap::{Cmd, KeyMap};
pub use keys::{Input, Key};
pub use ui::Ui;

static SIGNALLED: AtomicI32 = AtomicI32::new(0);
static TERMINAL_TAKEN: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(sig: i32) {
    SIGNALLED.store(sig, Ordering::SeqCst);
}

/// Puts the terminal back as it was (idempotent; safe from the panic hook).
pub fn restore_terminal() {
    if TERMINAL_TAKEN.swap(false, Ordering::SeqCst) {
        let mut out = std::io::stdout();
        let _ = execute!(
            out,
            EndSynchronizedUpdate,
            DisableMouseCapture,
            DisableBracketedPaste,
            LeaveAlternateScreen,
            cursor::Show
        );
        let _ = terminal::disable_raw_mode();
        let _ = out.flush();
    }
}

/// Watches for SIGTERM / SIGHUP from a thread: the main thread may be inside
/// the terminal library when the terminal goes away (a dropped SSH
/// connection), and must not spin there. The terminal is restored and the
/// process ends as the signal would have ended it.
fn start_watchdog() {
    std::thread::spawn(|| loop {
        std::thread::sleep(Duration::from_millis(50));
        let sig = SIGNALLED.load(Ordering::SeqCst);
        if sig != 0 {
            // The event loop gets a moment to leave on its own first.
            std::thread::sleep(Duration::from_millis(300));
            restore_terminal();
            std::process::exit(128 + sig);
        }
    });
}

fn install_signal_handlers() {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let act = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for s in [Signal::SIGTERM, Signal::SIGHUP, Signal::SIGINT] {
        // SAFETY: the handler only stores to an atomic.
        unsafe {
            let _ = sigaction(s, &act);
        }
    }
}

/// Where key bindings are read from: `$TREEWARD_KEYS`, else
/// `<config dir>/treeward/keys.toml`.
fn key_config_path() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("TREEWARD_KEYS").filter(|p| !p.is_empty()) {
        return Some(p.into());
    }
    directories::ProjectDirs::from("", "", "treeward").map(|d| d.config_dir().join("keys.toml"))
}

/// The key table with the user's configuration applied, and what to report.
pub fn load_keys() -> (KeyMap, Vec<String>) {
    let mut km = KeyMap::default();
    let mut notes = Vec::new();
    if let Some(p) = key_config_path() {
        if let Ok(text) = std::fs::read_to_string(&p) {
            notes.extend(km.apply_config(&text));
        }
    }
    notes.extend(km.conflicts());
    (km, notes)
}

/// What the terminal UI says about the process's socket in its status line.
pub struct Holding {
    /// Why other processes cannot reach the store while the UI holds it
    /// (its socket could not be made), if so.
    pub problem: Option<String>,
    /// The process that held the store quit while this UI ran through it.
    pub took_over: bool,
}

/// `treeward` with no command: the terminal UI on a store this process
/// holds (the launcher opened it). Returns the exit code.
pub fn run(env: &Env, app: &App, holding: Holding) -> i32 {
    let fail = |e: crate::domain::Error| {
        eprintln!("{e}");
        e.outcome.exit_code()
    };
    // Everything that can fail without a screen fails before the terminal is touched.
    let login = match env.actor() {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let mut theme = match theme::Theme::load(env.theme.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("invalid input: {}", crate::domain::text::escape(&e));
            return 2;
        }
    };
    if theme::Theme::no_color_requested() {
        theme = theme.no_color();
    }
    if let Err(e) = app.session(&login) {
        return fail(e);
    }
    let (keys, notes) = load_keys();
    for n in &notes {
        eprintln!("treeward: {n}");
    }
    if let Err(e) = need_terminal() {
        eprintln!("{e}");
        return 2;
    }
    match event_loop(app, &login, keys, theme, env.ascii, notes, holding) {
        Ok(()) => 0,
        Err(e) => {
            restore_terminal();
            eprintln!("invalid input: cannot drive this terminal: {e}");
            2
        }
    }
}

/// Takes the terminal: raw mode, the alternate screen, mouse and paste.
fn take_terminal() -> std::io::Result<Terminal<CrosstermBackend<BufWriter<std::io::Stdout>>>> {
    install_signal_handlers();
    start_watchdog();
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A panic that is caught (a hosted UI's, a damaged store's) leaves
        // this terminal as it is: the UI goes on.
        if !crate::panics_are_caught() {
            restore_terminal();
        }
        prev(info);
    }));
    terminal::enable_raw_mode()?;
    TERMINAL_TAKEN.store(true, Ordering::SeqCst);
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout());
    execute!(
        out,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        cursor::Hide,
        // Cleared once on entry (never in the normal path); no cursor-position
        // query, which would stall on a slow link.
        terminal::Clear(terminal::ClearType::All)
    )?;
    Terminal::new(CrosstermBackend::new(out))
}

type Term = Terminal<CrosstermBackend<BufWriter<std::io::Stdout>>>;

fn event_loop(
    app: &App,
    login: &str,
    keys: KeyMap,
    theme: theme::Theme,
    ascii: bool,
    notes: Vec<String>,
    holding: Holding,
) -> std::io::Result<()> {
    // Changes other processes make through this process's socket.
    let feed = app.subscribe(65_536);
    let mut term = take_terminal()?;
    // The first frame, before anything slow runs.
    term.draw(|f| {
        let a = f.area();
        f.render_widget(ratatui::widgets::Paragraph::new(" treeward: loading…"), a);
    })?;
    let mut ui = match Ui::new(app, login, keys, theme, ascii) {
        Ok(u) => u,
        Err(e) => {
            restore_terminal();
            eprintln!("{e}");
            return Ok(());
        }
    };
    greet(&mut ui, &notes, &holding);
    // The worker borrows the app: it lives in this scope, and ends when the
    // UI (its sender) is dropped at the end of the loop.
    std::thread::scope(|scope| {
        ui.attach_worker(worker::Worker::spawn(scope, app));
        let res = run_loop(app, login, &mut ui, &mut term, &feed);
        drop(ui);
        res
    })?;
    drop(term);
    restore_terminal();
    let sig = SIGNALLED.load(Ordering::SeqCst);
    if sig != 0 {
        // Exit the way the signal would have, now that the terminal is sane.
        std::process::exit(128 + sig);
    }
    Ok(())
}

/// The status line's first words.
fn greet(ui: &mut Ui, notes: &[String], holding: &Holding) {
    if !notes.is_empty() {
        ui.set_error(format!("key bindings: {}", notes.join("; ")));
    } else if let Some(p) = &holding.problem {
        ui.set_error(format!(
            "other treeward processes cannot reach this store: {p}"
        ));
    } else if holding.took_over {
        ui.set_message("the treeward process holding this store quit; this UI holds it now");
    } else {
        ui.set_message("? shows the keys of the focused pane; Tab moves between panes");
    }
}

/// Draws a frame (inside synchronized output) and writes pending clipboard sequences.
fn frame(term: &mut Term, ui: &mut Ui) -> std::io::Result<()> {
    ui.prepare();
    repaint_if_asked(term, ui)?;
    // Begin is queued: it leaves with the frame, in one write.
    crossterm::queue!(term.backend_mut(), BeginSynchronizedUpdate)?;
    term.draw(|f| render::draw(f, ui))?;
    execute!(term.backend_mut(), EndSynchronizedUpdate)?;
    if !ui.clipboard.is_empty() {
        let w = term.backend_mut();
        for s in ui.clipboard.drain(..) {
            w.write_all(s.as_bytes())?;
        }
        w.flush()?;
    }
    Ok(())
}

/// `C-l` (the `redraw` command): the screen is cleared and the next frame
/// draws every cell, so whatever wrote over the terminal meanwhile is gone.
/// No cursor-position query (ratatui's `Terminal::clear` asks one, which
/// would stall on a slow link and, in a hosted UI, read the holder's input).
pub fn repaint_if_asked<B: ratatui::backend::Backend>(
    term: &mut Terminal<B>,
    ui: &mut Ui,
) -> Result<(), B::Error> {
    if std::mem::take(&mut ui.repaint) {
        term.backend_mut()
            .clear_region(ratatui::backend::ClearType::All)?;
        // Both buffers blank: the next draw sends every cell that is not.
        term.swap_buffers();
    }
    Ok(())
}

/// Input, the worker's answers and others' changes, until quit: frames are
/// drawn after the pending input is drained, at most one per 10 ms.
fn run_loop(
    app: &App,
    login: &str,
    ui: &mut Ui,
    term: &mut Term,
    feed: &std::sync::mpsc::Receiver<crate::domain::AuditEntry>,
) -> std::io::Result<()> {
    let mut own = changes::Own::default();
    let mut link = changes::LinkSeen::now(app);
    let panic_for_tests = std::env::var_os("TREEWARD_TUI_TEST_PANIC").is_some();
    let frame_gap = Duration::from_millis(10);
    let mut last_draw = Instant::now() - frame_gap;
    let mut dirty = true;
    while SIGNALLED.load(Ordering::SeqCst) == 0 {
        dirty |= ui.poll_jobs();
        if dirty {
            let wait = frame_gap.saturating_sub(last_draw.elapsed());
            if wait.is_zero() || !event::poll(wait)? {
                frame(term, ui)?;
                last_draw = Instant::now();
                dirty = false;
                // The tests of terminal restoration (TREEWARD_TUI_TEST_PANIC) end here.
                assert!(!panic_for_tests, "TREEWARD_TUI_TEST_PANIC is set");
                continue;
            }
        }
        if !event::poll(idle_wait(ui))? {
            dirty |= ui.whatif_due().is_some();
            dirty |= changes::show_link(app, ui, &mut link);
            let changed = feed.try_iter().collect();
            dirty |= changes::show_others(app, ui, changed, &own, login, &link);
            continue;
        }
        // Drain everything pending before the next frame.
        loop {
            if let Some(input) = keys::from_crossterm(event::read()?) {
                if let Input::Resize(_, _) = input {
                    term.autoresize()?;
                }
                let before = app.last_seq();
                ui.handle(input);
                own.note(before, app.last_seq());
                dirty = true;
            }
            if ui.quit || !event::poll(Duration::ZERO)? {
                break;
            }
        }
        if ui.quit {
            break;
        }
    }
    Ok(())
}

/// How long to wait for input: shortly while the worker has work out (its
/// answer is drawn as it comes) or a what-if waits for the inputs to
/// settle; others' changes show within 50 ms.
fn idle_wait(ui: &Ui) -> Duration {
    if ui.working() {
        return Duration::from_millis(5);
    }
    ui.whatif_due().map_or(Duration::from_millis(50), |d| {
        d.min(Duration::from_millis(50))
    })
}

/// Others' changes handed to a UI as its event loop hands them (for tests:
/// the status line and the message history say what the reader may learn
/// of them, R35). True when the screen changed.
pub fn others_changed(app: &App, ui: &mut Ui, changes: Vec<crate::domain::AuditEntry>) -> bool {
    let login = ui.login.clone();
    let link = changes::LinkSeen::now(app);
    changes::show_others(app, ui, changes, &changes::Own::default(), &login, &link)
}

/// Renders one frame of a UI into a test backend (for tests and measurements).
pub fn render_test(ui: &mut Ui, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let mut term = Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("test backend");
    ui.prepare();
    term.draw(|f| render::draw(f, ui)).expect("draw");
    term.backend().buffer().clone()
}

/// The text of a buffer, one line per row (wide characters once).
pub fn buffer_text(b: &ratatui::buffer::Buffer) -> String {
    let mut s = String::new();
    for y in 0..b.area.height {
        let mut skip = 0;
        for x in 0..b.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = b[(x, y)].symbol();
            s.push_str(sym);
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests;

/// The UI draws on a terminal: without one (input or output redirected),
/// one line saying so, after the store and the theme were checked.
pub(crate) fn need_terminal() -> std::result::Result<(), crate::domain::Error> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        Ok(())
    } else {
        Err(crate::domain::Error::invalid(
            "the terminal UI needs a terminal; give a command (see treeward --help)",
        ))
    }
}
