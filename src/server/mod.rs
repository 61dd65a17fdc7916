//! The listener: the process that holds a store answers other treeward
//! processes on the store's Unix socket (protocol: [`crate::wire::proto`]).
//! `treeward serve` does nothing else; an open terminal UI and a long command
//! do it beside their own work ([`Listener`]), so no second process is turned
//! away while the store is held.
//!
//! - Identity comes from the kernel: the peer's uid (`SO_PEERCRED`) mapped to
//!   its login name is the treeward user a connection acts as. `--as` naming
//!   anyone else is refused (permission denied), except for the user the
//!   holder runs as (the service account), so that its scripts can act for
//!   others.
//! - One thread per connection. A peer that sends something that is not a
//!   frame, a frame over [`proto::MAX_FRAME`], or stops in the middle of one
//!   is dropped with a line on stderr; nothing else is disturbed. A peer that
//!   never speaks is dropped after [`HANDSHAKE_TIMEOUT`].
//! - Every committed change is pushed to subscribed connections (see
//!   `App::subscribe`), filtered by what each reader may read.
//! - Stopping (SIGTERM or SIGINT for `serve`; the end of the UI or the
//!   command for the others): stop accepting, remove the socket, answer
//!   every request already read (each commit is flushed before it is
//!   acknowledged) and tell any later one to ask again ([`Answer::Retry`]).

use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::app::{App, Caller, Request};
use crate::domain::{Error, Result};
use crate::wire::proto::{
    self, Answer, Call, ClientMsg, ClientReq, Event, FrameError, Hello, ServerMsg,
};
use crate::wire::UiHost;

/// A connection must say hello within this time.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Once a frame has started, its last byte must arrive within this time.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection that is not subscribed and sends nothing for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// A reply or an event that cannot be written for this long drops the peer.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; more are refused (each holds a thread).
pub const MAX_CONNECTIONS: usize = 1024;
/// Events a subscriber may fall behind before it is dropped.
pub const FEED_CAPACITY: usize = 65_536;
/// How long a stopping holder waits for the requests it has read.
const DRAIN: Duration = Duration::from_secs(60);

pub(crate) struct Shared {
    app: Arc<App>,
    ui: Option<UiHost>,
    /// What this holder is, for the log: "serve", "terminal UI", "gen"…
    role: String,
    service_uid: u32,
    service_login: String,
    stop: AtomicBool,
    in_flight: AtomicUsize,
    connections: AtomicUsize,
    /// Every open connection, to end them when the holder stops.
    open: Mutex<Vec<(u64, UnixStream)>>,
    /// Write a line per connection problem on stderr (not under a terminal UI).
    quiet: bool,
}

/// The peer of a connection, as the kernel tells it.
pub(crate) struct Peer {
    uid: u32,
    pid: i32,
    login: std::result::Result<String, String>,
}

fn log(role: &str, msg: impl std::fmt::Display) {
    let at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let _ = writeln!(
        std::io::stderr().lock(),
        "{at} treeward {role}: {}",
        crate::domain::text::one_line(&msg.to_string())
    );
}

fn login_of(uid: u32) -> std::result::Result<String, String> {
    match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(u)) => Ok(u.name),
        Ok(None) => Err(format!("uid {uid} has no login name on this machine")),
        Err(e) => Err(format!("cannot look up uid {uid}: {e}")),
    }
}

/// A holder's listener, answering on the store's socket until stopped.
pub struct Listener {
    shared: Arc<Shared>,
    sock: PathBuf,
    /// The listening socket itself (a handle on it): stopping shuts it
    /// down, which wakes the accept thread whatever became of the socket's
    /// file (removed by hand or by a temporary-files cleaner).
    listening: Option<UnixListener>,
    /// The socket's file as bound (see [`file_id`]).
    file: Option<(u64, u64)>,
    accept: Option<std::thread::JoinHandle<()>>,
}

/// How long a stopping listener waits for its accept thread.
const ACCEPT_STOP: Duration = Duration::from_secs(5);

impl Listener {
    /// Binds `sock` (replacing a stale one) and answers on it from threads of
    /// its own. `role` names the holder in log lines; `quiet` keeps
    /// connection problems off stderr (a terminal UI owns the screen).
    pub fn start(
        app: Arc<App>,
        sock: &Path,
        ui: Option<UiHost>,
        role: &str,
        quiet: bool,
    ) -> Result<Listener> {
        let listener = bind(sock)?;
        let listening = listener.try_clone().ok();
        let file = file_id(sock);
        let service_uid = nix::unistd::getuid().as_raw();
        let service_login = login_of(service_uid).unwrap_or_else(|e| e);
        let shared = Arc::new(Shared {
            app,
            ui,
            role: role.to_string(),
            service_uid,
            service_login,
            stop: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            open: Mutex::new(Vec::new()),
            quiet,
        });
        let sh = shared.clone();
        let accept = std::thread::Builder::new()
            .name("accept".into())
            .spawn(move || accept_loop(&sh, listener))
            .map_err(|e| Error::unavailable(format!("cannot start a thread: {e}")))?;
        if shared.app.link().is_some() {
            let sh = shared.clone();
            std::thread::Builder::new()
                .name("db-link".into())
                .spawn(move || log_link(&sh))
                .map_err(|e| Error::unavailable(format!("cannot start a thread: {e}")))?;
        }
        Ok(Listener {
            shared,
            sock: sock.to_path_buf(),
            listening,
            file,
            accept: Some(accept),
        })
    }

    pub fn socket(&self) -> &Path {
        &self.sock
    }

    pub fn service_login(&self) -> &str {
        &self.shared.service_login
    }

    /// Stops accepting, removes the socket, answers what was read, ends
    /// every connection (a client then finds the next holder).
    pub fn stop(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        let Some(accept) = self.accept.take() else {
            return;
        };
        let sh = &self.shared;
        sh.stop.store(true, SeqCst);
        // Wakes the accept loop: accept(2) on a socket shut down returns at
        // once (EINVAL). A connection to the socket's path would too, but
        // the path may be gone.
        if let Some(l) = &self.listening {
            let _ = nix::sys::socket::shutdown(l.as_raw_fd(), nix::sys::socket::Shutdown::Both);
        } else {
            let _ = UnixStream::connect(&self.sock);
        }
        let asked = Instant::now();
        while !accept.is_finished() && asked.elapsed() < ACCEPT_STOP {
            std::thread::sleep(Duration::from_millis(2));
        }
        if accept.is_finished() {
            let _ = accept.join();
        } else {
            sh.log("the accept thread did not stop; leaving it");
        }
        // Only our own socket file: another holder may have bound the path
        // since ours was removed.
        if self.file.is_some() && file_id(&self.sock) == self.file {
            let _ = std::fs::remove_file(&self.sock);
        }
        let started = Instant::now();
        while sh.in_flight.load(SeqCst) > 0 && started.elapsed() < DRAIN {
            std::thread::sleep(Duration::from_millis(2));
        }
        for (_, s) in sh.open.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        // Every commit was flushed before it was acknowledged; nothing is pending.
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// `treeward serve`: answers on `sock` until SIGTERM or SIGINT.
pub fn serve(app: App, sock: &Path, ui: Option<UiHost>) -> Result<()> {
    use nix::sys::signal::{SigSet, Signal};
    // Signals are taken by this thread (below); every other thread, spawned
    // after this, inherits the block.
    let mut sigs = SigSet::empty();
    sigs.add(Signal::SIGTERM);
    sigs.add(Signal::SIGINT);
    sigs.thread_block()
        .map_err(|e| Error::unavailable(format!("cannot block signals: {e}")))?;
    let dir = match (app.dir(), app.link()) {
        (Some(d), _) => d.display().to_string(),
        (None, Some(_)) => app.label(),
        (None, None) => "a store in memory".into(),
    };
    let l = Listener::start(Arc::new(app), sock, ui, "serve", false)?;
    log(
        "serve",
        format!(
            "serving {dir} on {} (protocol {}, service account {})",
            sock.display(),
            proto::PROTOCOL_VERSION,
            l.service_login()
        ),
    );
    if let Ok(sig) = sigs.wait() {
        log(
            "serve",
            format!("{sig}: stopping after the requests in flight"),
        );
    }
    l.stop();
    log("serve", "stopped");
    Ok(())
}

/// The file at `sock` (device and inode), to know it again.
fn file_id(sock: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(sock)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

fn accept_loop(shared: &Arc<Shared>, listener: UnixListener) {
    let mut n: u64 = 0;
    for conn in listener.incoming() {
        if shared.stop.load(SeqCst) {
            break;
        }
        let stream = match conn {
            Ok(s) => s,
            Err(e) => {
                shared.log(format!("accept failed: {e}"));
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        n += 1;
        if shared.connections.fetch_add(1, SeqCst) >= MAX_CONNECTIONS {
            shared.connections.fetch_sub(1, SeqCst);
            shared.log(format!(
                "connection {n} refused: {MAX_CONNECTIONS} connections already open"
            ));
            continue;
        }
        if let Ok(c) = stream.try_clone() {
            shared
                .open
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((n, c));
        }
        let sh = shared.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("conn-{n}"))
            .spawn(move || {
                connection(&sh, stream, n);
                sh.open
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .retain(|(i, _)| *i != n);
                sh.connections.fetch_sub(1, SeqCst);
            });
        if let Err(e) = spawned {
            shared.connections.fetch_sub(1, SeqCst);
            shared.log(format!(
                "connection {n} refused: cannot start a thread: {e}"
            ));
        }
    }
}

/// Says in the log when the connection to the database was lost and when it
/// came back (requests meanwhile wait for it, up to the app's limit).
fn log_link(sh: &Shared) {
    let mut turns = sh.app.link().map_or(0, |l| l.turns);
    while !sh.stop.load(SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
        let Some(l) = sh.app.link() else { return };
        if l.turns == turns {
            continue;
        }
        turns = l.turns;
        match (l.lost_since, l.last_outage) {
            (Some(_), _) => sh.log("the connection to the database was lost: reconnecting"),
            (None, d) => sh.log(format!(
                "reconnected to the database after {:.1} s",
                d.unwrap_or_default().as_secs_f64()
            )),
        }
    }
}

impl Shared {
    fn log(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            log(&self.role, msg);
        }
    }
}

/// Binds the socket, mode 0660: its group decides who may connect. A socket
/// file left by a crashed server (nobody answers on it) is replaced.
fn bind(sock: &Path) -> Result<UnixListener> {
    let shown = sock.display();
    if let Ok(meta) = std::fs::symlink_metadata(sock) {
        if !meta.file_type().is_socket() {
            return Err(Error::unavailable(format!(
                "{shown} exists and is not a socket; remove it or pass --socket PATH"
            )));
        }
        if UnixStream::connect(sock).is_ok() {
            return Err(Error::unavailable(format!(
                "a treeward server already listens on {shown}"
            )));
        }
        log(
            "listener",
            format!("replacing the stale socket {shown} (no server answers on it)"),
        );
        std::fs::remove_file(sock)
            .map_err(|e| Error::unavailable(format!("cannot remove {shown}: {e}")))?;
    }
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o117));
    let l = UnixListener::bind(sock);
    nix::sys::stat::umask(old);
    let l = l.map_err(|e| Error::unavailable(format!("cannot listen on {shown}: {e}")))?;
    std::fs::set_permissions(sock, std::fs::Permissions::from_mode(0o660))
        .map_err(|e| Error::unavailable(format!("cannot set the mode of {shown}: {e}")))?;
    Ok(l)
}

fn peer_of(stream: &UnixStream) -> std::result::Result<Peer, String> {
    let c = nix::sys::socket::getsockopt(stream, nix::sys::socket::sockopt::PeerCredentials)
        .map_err(|e| format!("cannot read the peer's credentials: {e}"))?;
    Ok(Peer {
        uid: c.uid(),
        pid: c.pid(),
        login: login_of(c.uid()),
    })
}

/// The handshake of connection `n`: the peer as the kernel tells, its login
/// and how the log names it; `None` when it ends here (said in the log).
fn greet(sh: &Shared, stream: &mut UnixStream, n: u64) -> Option<(Peer, String, String)> {
    let peer = match peer_of(stream) {
        Ok(p) => p,
        Err(e) => {
            sh.log(format!("connection {n}: {e}; closed"));
            return None;
        }
    };
    let who = format!(
        "connection {n} (uid {}, pid {}, {})",
        peer.uid,
        peer.pid,
        peer.login.as_deref().unwrap_or("no login")
    );
    let _ = stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let ctl = stream.try_clone().ok()?;
    let frame_started = || {
        let _ = ctl.set_read_timeout(Some(FRAME_TIMEOUT));
    };
    let hello: Hello = match proto::read_msg(stream, frame_started) {
        Ok(h) => h,
        Err(FrameError::Closed) => return None,
        Err(e) => {
            sh.log(format!("{who}: bad handshake: {e}; closed"));
            return None;
        }
    };
    if hello.magic != proto::MAGIC {
        sh.log(format!("{who}: not a treeward client; closed"));
        return None;
    }
    if hello.version != proto::PROTOCOL_VERSION {
        let msg = format!(
            "protocol version mismatch: this server speaks {}, the client {} ({})",
            proto::PROTOCOL_VERSION,
            hello.version,
            hello.text
        );
        sh.log(format!("{who}: {msg}; closed"));
        let _ = proto::write_msg(stream, &Hello::new(msg, false));
        return None;
    }
    let login = match &peer.login {
        Ok(l) => l.clone(),
        Err(e) => {
            sh.log(format!("{who}: {e}; closed"));
            let _ = proto::write_msg(stream, &Hello::new(e.clone(), false));
            return None;
        }
    };
    proto::write_msg(stream, &Hello::new(login.clone(), true)).ok()?;
    Some((peer, login, who))
}

/// What one connection's requests need besides the request itself.
struct Conn<'a> {
    sh: &'a Arc<Shared>,
    peer: Peer,
    login: String,
    who: String,
    stream: &'a UnixStream,
    writer: Arc<Mutex<UnixStream>>,
    closed: Arc<AtomicBool>,
    /// Pushed changes go to it (or its UI runs): no idle timeout.
    subscribed: bool,
    tui: Option<std::sync::mpsc::Sender<crate::wire::UiEvent>>,
}

fn connection(sh: &Arc<Shared>, mut stream: UnixStream, n: u64) {
    let Some((peer, login, who)) = greet(sh, &mut stream, n) else {
        return;
    };
    let Ok(ctl) = stream.try_clone() else {
        return;
    };
    let frame_started = || {
        let _ = ctl.set_read_timeout(Some(FRAME_TIMEOUT));
    };
    let writer = match stream.try_clone() {
        Ok(w) => Arc::new(Mutex::new(w)),
        Err(_) => return,
    };
    let reader = match stream.try_clone() {
        Ok(r) => r,
        Err(_) => return,
    };
    let mut c = Conn {
        sh,
        peer,
        login,
        who,
        stream: &reader,
        writer,
        closed: Arc::new(AtomicBool::new(false)),
        subscribed: false,
        tui: None,
    };
    let who = c.who.clone();
    loop {
        let idle = if c.subscribed {
            None
        } else {
            Some(IDLE_TIMEOUT)
        };
        let _ = stream.set_read_timeout(idle);
        let msg: ClientMsg = match proto::read_msg(&mut stream, frame_started) {
            Ok(m) => m,
            Err(FrameError::Closed) => break,
            Err(FrameError::Io(e)) if proto::is_timeout(&e) && !c.subscribed => {
                sh.log(format!("{who}: idle or stalled in a frame; closed"));
                break;
            }
            Err(e) => {
                if !sh.stop.load(SeqCst) {
                    sh.log(format!("{who}: {e}; closed"));
                }
                break;
            }
        };
        if let ClientReq::TuiInput(i) = msg.req {
            // No reply: the screen answers.
            if let Some(tx) = &c.tui {
                let _ = tx.send(crate::wire::UiEvent::Input(i));
            }
            continue;
        }
        // Counted before the stop flag is read: a stopping holder waits for
        // every request it has let through.
        sh.in_flight.fetch_add(1, SeqCst);
        let had_ui = c.tui.is_some();
        let reply = if sh.stop.load(SeqCst) {
            Answer::Retry(format!("the {} holding this store is stopping", sh.role))
        } else {
            c.answer(msg.req)
        };
        let started_ui = !had_ui && c.tui.is_some();
        let sent = {
            let mut w = c.writer.lock().unwrap_or_else(|e| e.into_inner());
            proto::write_msg(&mut *w, &ServerMsg::Reply { id: msg.id, reply })
        };
        sh.in_flight.fetch_sub(1, SeqCst);
        if let Err(e) = sent {
            sh.log(format!("{who}: cannot answer: {e}; closed"));
            break;
        }
        if started_ui {
            if let Some(tx) = &c.tui {
                let _ = tx.send(crate::wire::UiEvent::Start);
            }
        }
    }
    c.closed.store(true, SeqCst);
    drop(c.tui.take());
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

impl Conn<'_> {
    /// The answer to one request of this connection.
    fn answer(&mut self, req: ClientReq) -> Answer {
        let sh = self.sh;
        match req {
            ClientReq::Ping => Answer::Pong,
            ClientReq::Subscribe if self.subscribed => Answer::Subscribed {
                after_seq: sh.app.last_seq(),
            },
            ClientReq::Subscribe => {
                self.subscribed = true;
                subscribe(sh, &self.login, &self.writer, &self.closed, &self.who)
            }
            ClientReq::Call(call) => run(sh, &self.peer, &self.login, call, self.stream),
            ClientReq::Tui(_) if self.tui.is_some() => Answer::Failed {
                code: 2,
                message: "this connection already runs a terminal UI".into(),
            },
            ClientReq::Tui(r) => {
                match start_ui(sh, &self.peer, &self.login, r, &self.writer, &self.closed) {
                    Ok(tx) => {
                        self.subscribed = true; // long-lived: no idle timeout
                        self.tui = Some(tx);
                        Answer::TuiStarted
                    }
                    Err(e) => Answer::Failed {
                        code: e.outcome.exit_code(),
                        message: e.message,
                    },
                }
            }
            ClientReq::TuiInput(_) => Answer::Pong,
        }
    }
}

/// A terminal UI for this connection, run here by the UI the launcher gave.
fn start_ui(
    sh: &Arc<Shared>,
    peer: &Peer,
    login: &str,
    r: proto::TuiReq,
    writer: &Arc<Mutex<UnixStream>>,
    closed: &Arc<AtomicBool>,
) -> Result<std::sync::mpsc::Sender<crate::wire::UiEvent>> {
    let Some(host) = sh.ui else {
        return Err(Error::unavailable(format!(
            "the {} holding this store runs no terminal UI for others",
            sh.role
        )));
    };
    let acting = acting_as(sh, peer, login, r.as_.clone())?;
    host(&sh.app, &acting, r, writer, closed)
}

/// Starts pushing committed changes to this connection, from a thread of its own.
fn subscribe(
    sh: &Arc<Shared>,
    login: &str,
    writer: &Arc<Mutex<UnixStream>>,
    closed: &Arc<AtomicBool>,
    who: &str,
) -> Answer {
    let rx = sh.app.subscribe(FEED_CAPACITY);
    let after_seq = sh.app.last_seq();
    let (sh, login, writer, closed, who) = (
        sh.clone(),
        login.to_string(),
        writer.clone(),
        closed.clone(),
        who.to_string(),
    );
    let spawned = std::thread::Builder::new()
        .name("push".into())
        .spawn(move || {
            loop {
                let e = match rx.recv_timeout(Duration::from_millis(500)) {
                    Ok(e) => e,
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        if closed.load(SeqCst) {
                            return;
                        }
                        continue;
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                        sh.log(format!("{who}: fell too far behind the changes; closed"));
                        break;
                    }
                };
                if closed.load(SeqCst) {
                    return;
                }
                let seq = e.seq;
                let sighted = sh
                    .app
                    .session(&login)
                    .and_then(|s| s.sighted(e))
                    .unwrap_or(crate::app::reads::Sighted::Nothing);
                let mut w = writer.lock().unwrap_or_else(|e| e.into_inner());
                if proto::write_msg(&mut *w, &ServerMsg::Event(Event::of(seq, sighted))).is_err() {
                    break;
                }
            }
            // Unblock the reader so the connection ends.
            let w = writer.lock().unwrap_or_else(|e| e.into_inner());
            let _ = w.shutdown(std::net::Shutdown::Both);
        });
    match spawned {
        Ok(_) => Answer::Subscribed { after_seq },
        Err(e) => Answer::Failed {
            code: 6,
            message: format!("cannot start a thread: {e}"),
        },
    }
}

/// Runs one request for a peer: identity first, then exactly what the
/// embedded command line would do.
fn run(sh: &Shared, peer: &Peer, login: &str, c: Call, client: &UnixStream) -> Answer {
    // Within the client's time (it gives up after it): no change begins
    // once it is spent or the client has gone.
    let (own, var) = crate::deadline::budget(c.request.is_long_job());
    let (at_most, budget) = match c.within_ms.map(Duration::from_millis) {
        // A margin for the way back.
        Some(theirs) if theirs < own => (
            theirs.saturating_sub((theirs / 10).min(ANSWER_MARGIN)),
            theirs,
        ),
        _ => (own, own),
    };
    let _due = crate::deadline::within_for(at_most, budget, var, still_there(client));
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_checked(sh, peer, login, c)
    }));
    match res {
        Ok(r) => Answer::of(&r),
        Err(p) => {
            let m = crate::panic_text(&p);
            sh.log(format!("internal error while serving {login}: {m}"));
            Answer::Failed {
                code: 70,
                message: format!("internal error in the server: {m}"),
            }
        }
    }
}

/// How much sooner than its client's deadline a request's own ends.
const ANSWER_MARGIN: Duration = Duration::from_millis(500);

/// Whether the client on `stream` still waits: it has not closed its end.
fn still_there(stream: &UnixStream) -> crate::deadline::Wanted {
    let peer = stream.try_clone().ok();
    std::rc::Rc::new(move || {
        use nix::sys::socket::{recv, MsgFlags};
        let Some(s) = &peer else { return true };
        let mut b = [0u8; 1];
        match recv(
            s.as_raw_fd(),
            &mut b,
            MsgFlags::MSG_PEEK | MsgFlags::MSG_DONTWAIT,
        ) {
            Ok(0) => false, // closed
            Ok(_) => true,  // more to read: it is there
            Err(nix::errno::Errno::EAGAIN) => true,
            Err(_) => false,
        }
    })
}

/// Who a request acts as: the peer's own login; `--as` someone else only
/// for the service account.
fn acting_as(sh: &Shared, peer: &Peer, login: &str, as_: Option<String>) -> Result<String> {
    match as_ {
        None => Ok(login.to_string()),
        Some(a) if a == login => Ok(a),
        Some(a) if peer.uid == sh.service_uid => Ok(a),
        Some(a) => Err(Error::denied(format!(
            "this server knows you as '{login}' (from the socket); only its service account '{}' may act as '{}'",
            sh.service_login,
            crate::domain::text::escape(&a)
        ))),
    }
}

fn run_checked(sh: &Shared, peer: &Peer, login: &str, c: Call) -> Result<crate::app::Reply> {
    let service = peer.uid == sh.service_uid;
    let acting = acting_as(sh, peer, login, c.as_)?;
    let req = c.request;
    if req.is_store_level() && !service {
        let owner = sh.app.account_owner()?;
        if owner.as_deref() != Some(login) {
            return Err(Error::denied(format!(
                "over a socket, store-level commands (init, import, demo, gen, export, doctor, backup) are for the account owner and the service account '{}'",
                sh.service_login
            )));
        }
    }
    let relative = match &req {
        Request::Backup { dir, .. } => dir.is_relative(),
        Request::Doctor {
            backup: Some(dir), ..
        } => dir.is_relative(),
        _ => false,
    };
    if relative {
        return Err(Error::invalid(
            "over a socket, the backup directory must be absolute",
        ));
    }
    let login_fn = || Ok(acting.clone());
    let caller = Caller {
        // The service account acting as someone else is that someone (R4).
        service: service && acting == sh.service_login,
        ..Caller::new(&login_fn)
    };
    sh.app.execute(caller, req)
}
