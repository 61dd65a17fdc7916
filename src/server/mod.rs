//! `treeward serve`: one process owns the store and answers many clients over
//! a Unix domain socket (protocol: [`proto`]).
//!
//! - Identity comes from the kernel: the peer's uid (`SO_PEERCRED`) mapped to
//!   its login name is the treeward user a connection acts as. `--as` naming
//!   anyone else is refused (permission denied), except for the user the
//!   server runs as (the service account), so that its scripts can act for
//!   others.
//! - One thread per connection. A peer that sends something that is not a
//!   frame, a frame over [`proto::MAX_FRAME`], or stops in the middle of one
//!   is dropped with a line on stderr; nothing else is disturbed. A peer that
//!   never speaks is dropped after [`HANDSHAKE_TIMEOUT`].
//! - Every committed change is pushed to subscribed connections (see
//!   `Store::subscribe`), filtered by what each reader may read.
//! - SIGTERM or SIGINT: stop accepting, let the requests in flight finish and
//!   answer (each commit is flushed before it is acknowledged), remove the
//!   socket, exit 0.

pub mod client;
pub mod proto;
pub mod remote_ui;
pub mod watch;

use std::io::Write;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::app::App;
use crate::cli::{Cmd, Out};
use crate::domain::{Error, Result};
use proto::{ClientMsg, Event, FrameError, Hello, Reply, Request, RunReq, ServerMsg, WireOut};

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

/// The socket a store is served on: `--socket`, else `DIR/treeward.sock`.
pub fn socket_path(dir: &Path, socket: Option<&Path>) -> PathBuf {
    socket
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.join(proto::SOCKET_FILE))
}

/// `treeward` with no command: when a server serves the store (or
/// `--socket` is given), the terminal UI runs through it
/// ([`remote_ui`]); `None` when the embedded UI should run.
pub fn tui_guard(cli: &crate::cli::Cli) -> Option<i32> {
    let dir = crate::cli::store_dir(cli.db.clone()).ok()?;
    let sock = socket_path(&dir, cli.socket.as_deref());
    let found = if cli.socket.is_some() {
        client::Client::connect(&sock).map(Some)
    } else {
        client::probe(&sock)
    };
    match found {
        Ok(Some(c)) => Some(remote_ui::run_client(cli, c, &sock)),
        Ok(None) => None,
        Err(e) => {
            eprintln!("{e}");
            Some(e.outcome.exit_code())
        }
    }
}

pub(crate) struct Shared {
    app: App,
    dir: PathBuf,
    service_uid: u32,
    service_login: String,
    stop: AtomicBool,
    in_flight: AtomicUsize,
    connections: AtomicUsize,
}

/// The peer of a connection, as the kernel tells it.
pub(crate) struct Peer {
    uid: u32,
    pid: i32,
    login: std::result::Result<String, String>,
}

pub(crate) fn log(msg: impl std::fmt::Display) {
    let at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let _ = writeln!(
        std::io::stderr().lock(),
        "{at} treeward serve: {}",
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

/// Runs the server until SIGTERM or SIGINT.
pub fn serve(dir: &Path, socket: Option<PathBuf>) -> Result<()> {
    use nix::sys::signal::{SigSet, Signal};
    // Signals are taken by one thread (below); every other thread, spawned
    // after this, inherits the block.
    let mut sigs = SigSet::empty();
    sigs.add(Signal::SIGTERM);
    sigs.add(Signal::SIGINT);
    sigs.thread_block()
        .map_err(|e| Error::unavailable(format!("cannot block signals: {e}")))?;

    let app = App::open(dir)?;
    let sock = socket_path(dir, socket.as_deref());
    let listener = bind(&sock)?;
    let service_uid = nix::unistd::getuid().as_raw();
    let service_login = login_of(service_uid).unwrap_or_else(|e| e);
    let shared = Arc::new(Shared {
        app,
        dir: dir.to_path_buf(),
        service_uid,
        service_login,
        stop: AtomicBool::new(false),
        in_flight: AtomicUsize::new(0),
        connections: AtomicUsize::new(0),
    });
    {
        let shared = shared.clone();
        let sock = sock.clone();
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                if let Ok(sig) = sigs.wait() {
                    log(format!("{sig}: stopping after the requests in flight"));
                    shared.stop.store(true, SeqCst);
                    // Wake the accept loop.
                    let _ = UnixStream::connect(&sock);
                }
            })
            .map_err(|e| Error::unavailable(format!("cannot start a thread: {e}")))?;
    }
    log(format!(
        "serving {} on {} (protocol {}, service account {})",
        dir.display(),
        sock.display(),
        proto::PROTOCOL_VERSION,
        shared.service_login
    ));
    let mut n: u64 = 0;
    for conn in listener.incoming() {
        if shared.stop.load(SeqCst) {
            break;
        }
        let stream = match conn {
            Ok(s) => s,
            Err(e) => {
                log(format!("accept failed: {e}"));
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        n += 1;
        if shared.connections.fetch_add(1, SeqCst) >= MAX_CONNECTIONS {
            shared.connections.fetch_sub(1, SeqCst);
            log(format!(
                "connection {n} refused: {MAX_CONNECTIONS} connections already open"
            ));
            continue;
        }
        let sh = shared.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("conn-{n}"))
            .spawn(move || {
                connection(&sh, stream, n);
                sh.connections.fetch_sub(1, SeqCst);
            });
        if let Err(e) = spawned {
            shared.connections.fetch_sub(1, SeqCst);
            log(format!(
                "connection {n} refused: cannot start a thread: {e}"
            ));
        }
    }
    drop(listener);
    let _ = std::fs::remove_file(&sock);
    let started = Instant::now();
    while shared.in_flight.load(SeqCst) > 0 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    // Every commit was flushed before it was acknowledged; nothing is pending.
    log("stopped");
    Ok(())
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
        log(format!(
            "replacing the stale socket {shown} (no server answers on it)"
        ));
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

fn connection(sh: &Arc<Shared>, mut stream: UnixStream, n: u64) {
    let peer = match peer_of(&stream) {
        Ok(p) => p,
        Err(e) => {
            log(format!("connection {n}: {e}; closed"));
            return;
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
    let Ok(ctl) = stream.try_clone() else {
        return;
    };
    let frame_started = || {
        let _ = ctl.set_read_timeout(Some(FRAME_TIMEOUT));
    };
    let hello: Hello = match proto::read_msg(&mut stream, frame_started) {
        Ok(h) => h,
        Err(FrameError::Closed) => return,
        Err(e) => {
            log(format!("{who}: bad handshake: {e}; closed"));
            return;
        }
    };
    if hello.magic != proto::MAGIC {
        log(format!("{who}: not a treeward client; closed"));
        return;
    }
    if hello.version != proto::PROTOCOL_VERSION {
        let msg = format!(
            "protocol version mismatch: this server speaks {}, the client {} ({})",
            proto::PROTOCOL_VERSION,
            hello.version,
            hello.text
        );
        log(format!("{who}: {msg}; closed"));
        let _ = proto::write_msg(&mut stream, &Hello::new(msg, false));
        return;
    }
    let login = match &peer.login {
        Ok(l) => l.clone(),
        Err(e) => {
            log(format!("{who}: {e}; closed"));
            let _ = proto::write_msg(&mut stream, &Hello::new(e.clone(), false));
            return;
        }
    };
    if proto::write_msg(&mut stream, &Hello::new(login.clone(), true)).is_err() {
        return;
    }
    let writer = match stream.try_clone() {
        Ok(w) => Arc::new(Mutex::new(w)),
        Err(_) => return,
    };
    let closed = Arc::new(AtomicBool::new(false));
    let mut subscribed = false;
    let mut tui: Option<std::sync::mpsc::Sender<remote_ui::Msg>> = None;
    loop {
        let _ = stream.set_read_timeout(if subscribed { None } else { Some(IDLE_TIMEOUT) });
        let msg: ClientMsg = match proto::read_msg(&mut stream, frame_started) {
            Ok(m) => m,
            Err(FrameError::Closed) => break,
            Err(FrameError::Io(e)) if proto::is_timeout(&e) && !subscribed => {
                log(format!("{who}: idle or stalled in a frame; closed"));
                break;
            }
            Err(e) => {
                log(format!("{who}: {e}; closed"));
                break;
            }
        };
        if let Request::TuiInput(i) = msg.req {
            // No reply: the screen answers.
            if let Some(tx) = &tui {
                let _ = tx.send(remote_ui::Msg::Input(i));
            }
            continue;
        }
        sh.in_flight.fetch_add(1, SeqCst);
        let had_ui = tui.is_some();
        let reply = if sh.stop.load(SeqCst) {
            Reply::Failed {
                code: 6,
                message: "the treeward server is stopping; try again when it is back".into(),
            }
        } else {
            match msg.req {
                Request::Ping => Reply::Pong,
                Request::Subscribe if subscribed => Reply::Subscribed {
                    after_seq: last_seq(&sh.app),
                },
                Request::Subscribe => {
                    subscribed = true;
                    subscribe(sh, &login, &writer, &closed, &who)
                }
                Request::Run(r) => run(sh, &peer, &login, r),
                Request::Tui(_) if tui.is_some() => Reply::Failed {
                    code: 2,
                    message: "this connection already runs a terminal UI".into(),
                },
                Request::Tui(r) => match remote_ui::start(sh, &peer, &login, r, &writer, &closed) {
                    Ok(tx) => {
                        subscribed = true; // long-lived: no idle timeout
                        tui = Some(tx);
                        Reply::TuiStarted
                    }
                    Err(e) => Reply::Failed {
                        code: e.outcome.exit_code(),
                        message: e.message,
                    },
                },
                Request::TuiInput(_) => Reply::Pong,
            }
        };
        let started_ui = !had_ui && tui.is_some();
        let sent = {
            let mut w = writer.lock().unwrap_or_else(|e| e.into_inner());
            proto::write_msg(&mut *w, &ServerMsg::Reply { id: msg.id, reply })
        };
        sh.in_flight.fetch_sub(1, SeqCst);
        if let Err(e) = sent {
            log(format!("{who}: cannot answer: {e}; closed"));
            break;
        }
        if started_ui {
            if let Some(tx) = &tui {
                let _ = tx.send(remote_ui::Msg::Start);
            }
        }
    }
    closed.store(true, SeqCst);
    drop(tui);
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

fn last_seq(app: &App) -> u64 {
    app.store()
        .kv()
        .last(&[crate::store::keys::AUDIT])
        .ok()
        .flatten()
        .and_then(|(_, v)| {
            crate::store::codec::decode::<crate::domain::AuditEntry>(&v, "audit entry").ok()
        })
        .map(|e| e.seq)
        .unwrap_or(0)
}

/// Starts pushing committed changes to this connection, from a thread of its own.
fn subscribe(
    sh: &Arc<Shared>,
    login: &str,
    writer: &Arc<Mutex<UnixStream>>,
    closed: &Arc<AtomicBool>,
    who: &str,
) -> Reply {
    let rx = sh.app.store().subscribe(FEED_CAPACITY);
    let after_seq = last_seq(&sh.app);
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
                        log(format!("{who}: fell too far behind the changes; closed"));
                        break;
                    }
                };
                if closed.load(SeqCst) {
                    return;
                }
                let seq = e.seq;
                let entry = sh
                    .app
                    .session(&login)
                    .and_then(|s| s.readable_entry(e))
                    .ok()
                    .flatten();
                let mut w = writer.lock().unwrap_or_else(|e| e.into_inner());
                if proto::write_msg(&mut *w, &ServerMsg::Event(Event { seq, entry })).is_err() {
                    break;
                }
            }
            // Unblock the reader so the connection ends.
            let w = writer.lock().unwrap_or_else(|e| e.into_inner());
            let _ = w.shutdown(std::net::Shutdown::Both);
        });
    match spawned {
        Ok(_) => Reply::Subscribed { after_seq },
        Err(e) => Reply::Failed {
            code: 6,
            message: format!("cannot start a thread: {e}"),
        },
    }
}

/// Runs one command for a peer: identity first, then exactly what the
/// embedded command line would do.
fn run(sh: &Shared, peer: &Peer, login: &str, r: RunReq) -> Reply {
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_checked(sh, peer, login, r)
    }));
    match res {
        Ok(Ok(out)) => Reply::Out(WireOut {
            json: serde_json::to_string(&out.json).unwrap_or_else(|_| "null".into()),
            text: out.text,
            code: out.code,
        }),
        Ok(Err(e)) => Reply::Failed {
            code: e.outcome.exit_code(),
            message: e.message,
        },
        Err(p) => {
            let m = crate::panic_text(&p);
            log(format!("internal error while serving {login}: {m}"));
            Reply::Failed {
                code: 70,
                message: format!("internal error in the server: {m}"),
            }
        }
    }
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

fn run_checked(sh: &Shared, peer: &Peer, login: &str, r: RunReq) -> Result<Out> {
    let service = peer.uid == sh.service_uid;
    let acting = acting_as(sh, peer, login, r.as_)?;
    let store_level = matches!(
        r.cmd,
        Cmd::Init { .. }
            | Cmd::Import { .. }
            | Cmd::Demo
            | Cmd::Gen { .. }
            | Cmd::Export { .. }
            | Cmd::Doctor { .. }
            | Cmd::Backup { .. }
    );
    if store_level && !service {
        let owner = sh.app.store().account()?.map(|a| a.owner);
        if owner.as_deref() != Some(login) {
            return Err(Error::denied(format!(
                "over a server, store-level commands (init, import, demo, gen, export, doctor, backup) are for the account owner and the service account '{}'",
                sh.service_login
            )));
        }
    }
    match &r.cmd {
        Cmd::Serve => return Err(Error::unavailable("this store is already being served")),
        Cmd::Watch => {
            return Err(Error::invalid(
                "watch is a subscription (Request::Subscribe), not a command to run",
            ))
        }
        Cmd::StressWriter { .. } => {
            return Err(Error::invalid(
                "stress-writer runs only on a store it opens itself: stop the server first",
            ))
        }
        Cmd::Export { file: Some(_) } => {
            return Err(Error::invalid(
                "over a server, the client writes the export file",
            ))
        }
        Cmd::Import { .. } if r.input.is_none() => {
            return Err(Error::invalid(
                "over a server, the client sends the import's text",
            ))
        }
        Cmd::Backup { dir } if dir.is_relative() => {
            return Err(Error::invalid(
                "over a server, the backup directory must be absolute",
            ))
        }
        _ => {}
    }
    let ctx = crate::cli::Ctx {
        dir: &sh.dir,
        dry_run: r.dry_run,
        actor: &|| Ok(acting.clone()),
        input: r.input,
    };
    crate::cli::execute_on(&sh.app, r.cmd, &ctx)
}
