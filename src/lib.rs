//! treeward: a terminal console for an app platform's hierarchy and its rules.
//!
//! Layers, arrows one way:
//!
//! - [`domain`]: types, names, paths and the rule table (`rules::decide`); no I/O.
//! - [`store`] ← domain: the engines behind one small interface (sled, memory),
//!   keys, records, the schema version, transactions.
//! - [`app`] ← store: the operations. One [`app::Request`] in, one
//!   [`app::Reply`] out ([`app::App::execute`]); each opens its transaction,
//!   decides inside it, writes, audits and commits.
//! - [`env`] (where the store is, who acts) and [`wire`] (the protocol between
//!   treeward processes and its client end) ← app.
//! - Front ends, siblings that never import each other nor the store:
//!   [`cli`] (clap → Request, Reply → text/JSON), [`tui`] (panes, the key
//!   table, dialogs → Request), [`server`] (the listener: socket, peer
//!   identity, Request/Reply, push).
//! - [`deadline`] ← domain: the time each request may take, per thread
//!   (every database call and a server's changes keep to it).
//! - [`launch`]: composes them (who answers for the store; a listener beside
//!   the UI and long commands).

pub mod app;
pub mod cli;
pub mod deadline;
pub mod domain;
pub mod env;
pub mod launch;
pub mod server;
pub mod store;
pub mod tui;
pub mod wire;

/// The text of a caught panic.
pub fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".into()
    }
}

thread_local! {
    static QUIET: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// While one lives, a panic on this thread is being caught and turned into an
/// error (sled on a damaged store): the panic hook stays silent.
pub struct QuietPanics(());

impl QuietPanics {
    #[allow(clippy::new_without_default)]
    pub fn new() -> QuietPanics {
        QUIET.with(|q| q.set(q.get() + 1));
        QuietPanics(())
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        QUIET.with(|q| q.set(q.get().saturating_sub(1)));
    }
}

/// True when a panic on this thread will be caught (see [`QuietPanics`]).
pub fn panics_are_caught() -> bool {
    QUIET.with(|q| q.get() > 0)
}

/// A faster allocator than the system's for the many small strings a
/// permission check builds (measured: benches/scale.rs, 4.1 against 6.3 µs).
/// Without transparent huge pages: with them, opening a 1.1M-item store held
/// 150 MB where sled needs 107 (BENCHMARKS.md, row 7).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mimalloc.h` (15 in both its v2
/// and v3 lines; the crate exports no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Returns freed memory to the system at once rather than after 10 ms: the
/// UI on 1.1M items holds 96-100 MB while browsing instead of 112; the
/// check is as fast. A delay of 2 ms already loses the gain (measured).
/// Called first thing by the binary.
pub fn tune_allocator() {
    // SAFETY: sets one process-wide allocator option; touches no memory.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
}
