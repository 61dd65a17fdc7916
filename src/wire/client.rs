//! The client end of the protocol: the command line and the terminal UI use
//! it when another process holds the store and answers on its socket; tests
//! and benchmarks use it directly.

use std::collections::VecDeque;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use super::proto::{self, Answer, Call, ClientMsg, ClientReq, Event, FrameError, Hello, ServerMsg};
use crate::app::{Reply, Request};
use crate::domain::{Error, Result};

pub struct Client {
    stream: UnixStream,
    next_id: u64,
    /// The login the server acts as for this connection (from the kernel).
    pub login: String,
    events: VecDeque<Event>,
    socket: String,
    /// The last request got no answer in time.
    timed_out: bool,
}

/// How long a client waits for a server's handshake.
pub const HANDSHAKE_WAIT: Duration = Duration::from_secs(30);
/// How much longer than its deadline a client waits for an answer (the
/// holder answers within the deadline; this is for the way back).
const ANSWER_SLACK: Duration = Duration::from_secs(1);

/// Is a server listening on `socket`, answering within `wait`? `Ok(None)`
/// when nothing is there (no file, a stale one from a crashed server) or
/// what is there does not answer in time (a stopped or stuck holder); an
/// error when something answers but refuses us (another protocol version).
pub fn probe(socket: &Path, wait: Duration) -> Result<Option<Client>> {
    if std::fs::symlink_metadata(socket).is_err() {
        return Ok(None);
    }
    match UnixStream::connect(socket) {
        Ok(s) => match Client::handshake(s, socket, wait) {
            Ok(c) => Ok(Some(c)),
            Err(Silent) => Ok(None),
            Err(Refused(e)) => Err(e),
        },
        Err(_) => Ok(None),
    }
}

/// Why a handshake failed.
enum Unshaken {
    /// No answer within the wait.
    Silent,
    Refused(Error),
}
use Unshaken::{Refused, Silent};

impl Client {
    /// Connects and shakes hands; exit 6 when no server is there.
    pub fn connect(socket: &Path) -> Result<Client> {
        let s = UnixStream::connect(socket).map_err(|e| {
            Error::unavailable(format!(
                "no treeward server listens on {} ({e}); start one with `treeward serve`",
                socket.display()
            ))
        })?;
        Client::handshake(s, socket, HANDSHAKE_WAIT).map_err(|e| match e {
            Silent => Error::unavailable(format!(
                "the treeward server on {} does not answer (within {} s)",
                socket.display(),
                HANDSHAKE_WAIT.as_secs()
            )),
            Refused(e) => e,
        })
    }

    fn handshake(
        mut stream: UnixStream,
        socket: &Path,
        wait: Duration,
    ) -> std::result::Result<Client, Unshaken> {
        let shown = socket.display().to_string();
        let io = |e: FrameError| match e {
            FrameError::Io(e) if proto::is_timeout(&e) => Silent,
            e => Refused(Error::unavailable(format!(
                "the treeward server on {shown} failed: {e}"
            ))),
        };
        // A server that accepts but never answers must not hang us.
        let _ = stream.set_read_timeout(Some(wait.max(Duration::from_millis(1))));
        let _ = stream.set_write_timeout(Some(wait.max(Duration::from_millis(1))));
        proto::write_msg(
            &mut stream,
            &Hello::new(format!("treeward {}", env!("CARGO_PKG_VERSION")), true),
        )
        .map_err(io)?;
        let h: Hello = proto::read_msg(&mut stream, || {}).map_err(io)?;
        let _ = stream.set_write_timeout(None);
        Self::shaken(stream, h, shown).map_err(Refused)
    }

    /// The client, once the server's hello is read.
    fn shaken(stream: UnixStream, h: Hello, shown: String) -> Result<Client> {
        if h.magic != proto::MAGIC {
            return Err(Error::unavailable(format!(
                "{shown} is not a treeward server"
            )));
        }
        if h.version != proto::PROTOCOL_VERSION {
            return Err(Error::unavailable(format!(
                "the treeward server on {shown} speaks protocol {}, this treeward speaks {}: use the same version of treeward on both ends",
                h.version,
                proto::PROTOCOL_VERSION
            )));
        }
        if !h.ok {
            return Err(Error::unavailable(format!(
                "the treeward server on {shown} refused the connection: {}",
                h.text
            )));
        }
        let _ = stream.set_read_timeout(None);
        Ok(Client {
            stream,
            next_id: 1,
            login: h.text,
            events: VecDeque::new(),
            socket: shown,
            timed_out: false,
        })
    }

    fn lost(&mut self, e: FrameError) -> Error {
        self.timed_out = matches!(&e, FrameError::Io(io) if proto::is_timeout(io));
        Error::unavailable(format!("lost the treeward server on {}: {e}", self.socket))
    }

    /// Sends one request and waits for its reply (events that arrive
    /// meanwhile are kept for [`Client::next_event`]).
    pub fn request(&mut self, req: ClientReq) -> Result<Answer> {
        let id = self.next_id;
        self.next_id += 1;
        proto::write_msg(&mut self.stream, &ClientMsg { id, req }).map_err(|e| self.lost(e))?;
        loop {
            let m: ServerMsg =
                proto::read_msg(&mut self.stream, || {}).map_err(|e| self.lost(e))?;
            match m {
                ServerMsg::Reply { id: rid, reply } if rid == id => return Ok(reply),
                ServerMsg::Reply { id: rid, .. } => {
                    return Err(Error::unavailable(format!(
                        "the treeward server on {} answered request {rid}, not {id}",
                        self.socket
                    )))
                }
                ServerMsg::Event(e) => self.events.push_back(e),
                ServerMsg::Screen(_) | ServerMsg::TuiEnded(_) => {}
            }
        }
    }

    /// Runs one request of the app layer as `as_` (the connection's own
    /// login when `None`). [`Called::Retry`]: the holder did nothing with it.
    /// The holder answers within the request's deadline (sent with it,
    /// [`crate::deadline`]); no answer by then (and a moment for the way
    /// back) ends it with exit 6.
    pub fn call(&mut self, request: Request, as_: Option<String>) -> Called {
        let read_only = request.is_read_only();
        let (budget, var) = crate::deadline::budget(request.is_long_job());
        let within = crate::deadline::remaining().map_or(budget, |r| r.min(budget));
        let call = Call {
            request,
            as_,
            within_ms: Some(within.as_millis().min(u64::MAX as u128) as u64),
        };
        let _ = self.stream.set_read_timeout(Some(within + ANSWER_SLACK));
        self.timed_out = false;
        let asked = self.request(ClientReq::Call(call));
        let _ = self.stream.set_read_timeout(None);
        let answer = match asked {
            Ok(a) => a,
            Err(_) if self.timed_out => {
                let outcome = if read_only {
                    ""
                } else {
                    "; the change may or may not have been made: `treeward log` tells"
                };
                return Called::Done(Err(Error::unavailable(format!(
                    "the treeward process on {} did not answer within {}{outcome}",
                    self.socket,
                    crate::deadline::describe(within, var)
                ))));
            }
            // Gone before answering: a holder that stops answers every request
            // it reads; one it never read was not made.
            Err(_) if read_only => return Called::Retry,
            Err(e) => {
                return Called::Done(Err(Error::unavailable(format!(
                    "{}; the change may not have been made: `treeward log` tells",
                    e.message
                ))))
            }
        };
        Called::Done(match answer {
            Answer::Reply(json) => serde_json::from_str::<Reply>(&json).map_err(|e| {
                Error::unavailable(format!(
                    "the treeward process on {} sent a reply this treeward cannot read: {e}",
                    self.socket
                ))
            }),
            Answer::Failed { code, message } => Err(proto::failure(code, message)),
            Answer::Retry(_) => return Called::Retry,
            other => Err(Error::unavailable(format!(
                "unexpected answer from the server: {other:?}"
            ))),
        })
    }

    /// The connection itself (the terminal UI's client takes it over).
    pub fn into_stream(self) -> UnixStream {
        self.stream
    }

    /// From now on the server pushes every committed change here.
    pub fn subscribe(&mut self) -> Result<u64> {
        match self.request(ClientReq::Subscribe)? {
            Answer::Subscribed { after_seq } => Ok(after_seq),
            other => Err(Error::unavailable(format!(
                "unexpected answer from the server: {other:?}"
            ))),
        }
    }

    /// The next pushed change, waiting at most `timeout`.
    pub fn next_event(&mut self, timeout: Duration) -> Result<Option<Event>> {
        if let Some(e) = self.events.pop_front() {
            return Ok(Some(e));
        }
        let _ = self
            .stream
            .set_read_timeout(Some(timeout.max(Duration::from_millis(1))));
        // Once a frame has started, finish it (do not lose the frame boundary).
        let ctl = self.stream.try_clone().ok();
        let r = proto::read_msg::<ServerMsg>(&mut self.stream, || {
            if let Some(c) = &ctl {
                let _ = c.set_read_timeout(Some(Duration::from_secs(30)));
            }
        });
        let _ = self.stream.set_read_timeout(None);
        match r {
            Ok(ServerMsg::Event(e)) => Ok(Some(e)),
            Ok(ServerMsg::Reply { id, .. }) => Err(Error::unavailable(format!(
                "the server answered request {id} that was not asked"
            ))),
            Ok(ServerMsg::Screen(_) | ServerMsg::TuiEnded(_)) => Ok(None),
            Err(FrameError::Io(e)) if proto::is_timeout(&e) => Ok(None),
            Err(e) => Err(self.lost(e)),
        }
    }
}

/// The end of a [`Client::call`].
pub enum Called {
    Done(Result<Reply>),
    /// The holder is going away and did nothing: find who holds the store now.
    Retry,
}
