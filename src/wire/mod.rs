//! How treeward processes talk: the protocol ([`proto`]) and its client end
//! ([`client`]). The listener is `crate::server`; the command line and the
//! terminal UI use the client without importing it.

pub mod client;
pub mod proto;

use std::os::unix::net::UnixStream;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use crate::app::App;
use crate::domain::{AuditEntry, Result};
pub use proto::{TuiReq, WireInput, WireKey};

/// What a terminal UI run inside the holder (for a connection) waits for.
pub enum UiEvent {
    /// The `TuiStarted` reply is out: the screen may follow it.
    Start,
    Input(WireInput),
    Change(AuditEntry),
}

/// Starts a terminal UI inside the process that holds the store, for one
/// connection, acting as `login` (already checked against the peer): its
/// screen goes out through `writer` as `Screen` messages, and it ends when
/// the returned sender is dropped or `closed` is set. The launcher hands the
/// terminal UI's own function to the listener, so neither imports the other.
pub type UiHost = fn(
    app: &Arc<App>,
    login: &str,
    req: TuiReq,
    writer: &Arc<Mutex<UnixStream>>,
    closed: &Arc<AtomicBool>,
) -> Result<Sender<UiEvent>>;
