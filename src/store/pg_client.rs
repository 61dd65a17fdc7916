//! One connection to PostgreSQL whose every round trip ends in time.
//!
//! A stopped server (SIGSTOP, a frozen VM) still has a kernel that answers
//! TCP: connections are accepted, statements are acknowledged, and neither
//! TCP keepalives nor `statement_timeout` ever fire. So the time a call may
//! wait is the client's to keep: each call here waits at most what is left
//! of its thread's deadline ([`crate::deadline`]), and a connection whose
//! call ran out is closed at once (its socket with it: a server that wakes
//! up later finds the connection gone and rolls back whatever was open; a
//! `COMMIT` already sent is the one case whose outcome cannot be known).
//!
//! Connecting tries each host of the connection string in turn (libpq's
//! order), each within `connect_timeout` (the whole start-up, not only the
//! TCP handshake: a listener that accepts and says nothing is given up on)
//! and within the deadline; the first that accepts — and, with
//! `target_session_attrs=read-write`, takes writes — wins.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use tokio_postgres::config::Host;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{AsyncMessage, Config, Row, SimpleQueryMessage, Statement, ToStatement};
use tokio_postgres_rustls::MakeRustlsConnect;

/// A database call's failure.
#[derive(Debug)]
pub enum DbError {
    /// What the server or the connection said.
    Pg(tokio_postgres::Error),
    /// No answer within the time the call had (the connection is closed).
    Late(Duration),
    /// This process could not make what a connection needs.
    Local(String),
}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> DbError {
        DbError::Pg(e)
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Pg(e) => write!(f, "{e}"),
            DbError::Late(d) => write!(f, "no answer within {:.1} s", d.as_secs_f64()),
            DbError::Local(m) => write!(f, "{m}"),
        }
    }
}

impl DbError {
    pub fn code(&self) -> Option<&tokio_postgres::error::SqlState> {
        match self {
            DbError::Pg(e) => e.code(),
            DbError::Late(_) | DbError::Local(_) => None,
        }
    }
}

/// Notifications the connection's driver received, for [`Client::wait_notification`].
#[derive(Default)]
struct Notes {
    arrived: VecDeque<()>,
    ended: bool,
    waker: Option<Waker>,
}

pub struct Client {
    /// A runtime of its own (one thread: the caller's), as the `postgres`
    /// crate keeps per connection; the connection is driven while a call waits.
    rt: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
    notes: Arc<Mutex<Notes>>,
    /// A call ran out of its time (this long) on it: it is closed and
    /// never used again.
    broken: Option<Duration>,
}

fn runtime() -> Result<tokio::runtime::Runtime, DbError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DbError::Local(format!("cannot start a connection's runtime: {e}")))
}

impl Client {
    /// Connects to the first host of `config` that accepts (see the module).
    pub fn connect(config: &Config, tls: &MakeRustlsConnect) -> Result<Client, DbError> {
        let rt = runtime()?;
        let hosts = config.get_hosts().len().max(config.get_hostaddrs().len());
        let per_host = config
            .get_connect_timeout()
            .copied()
            .unwrap_or(Duration::from_secs(10));
        let mut last = None;
        for i in 0..hosts.max(1) {
            let mut one = single_host(config, i);
            if one.get_password().is_none() {
                // libpq's password file, for this host.
                if let Some(p) = super::pg_pass::password_for(&one) {
                    one.password(p);
                }
            }
            let limit = per_host.min(crate::deadline::call_limit());
            let attempt =
                rt.block_on(async { tokio::time::timeout(limit, one.connect(tls.clone())).await });
            match attempt {
                Ok(Ok((client, connection))) => {
                    let notes = Arc::new(Mutex::new(Notes::default()));
                    rt.spawn(drive(connection, notes.clone()));
                    return Ok(Client {
                        rt,
                        client,
                        notes,
                        broken: None,
                    });
                }
                Ok(Err(e)) => last = Some(DbError::Pg(e)),
                Err(_) => {
                    if !matches!(last, Some(DbError::Pg(_))) {
                        last = Some(DbError::Late(limit));
                    }
                }
            }
        }
        // A name lookup still running (in the runtime's blocking pool) is
        // not waited for.
        rt.shutdown_background();
        Err(last.unwrap_or(DbError::Late(Duration::ZERO)))
    }

    pub fn is_closed(&self) -> bool {
        self.broken.is_some() || self.client.is_closed()
    }

    pub fn prepare(&mut self, sql: &str) -> Result<Statement, DbError> {
        let Client {
            rt, client, broken, ..
        } = self;
        timed(rt, broken, client.prepare(sql))
    }

    pub fn execute<T: ?Sized + ToStatement>(
        &mut self,
        st: &T,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, DbError> {
        let Client {
            rt, client, broken, ..
        } = self;
        timed(rt, broken, client.execute(st, params))
    }

    pub fn query<T: ?Sized + ToStatement>(
        &mut self,
        st: &T,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, DbError> {
        let Client {
            rt, client, broken, ..
        } = self;
        timed(rt, broken, client.query(st, params))
    }

    pub fn query_one<T: ?Sized + ToStatement>(
        &mut self,
        st: &T,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, DbError> {
        let Client {
            rt, client, broken, ..
        } = self;
        timed(rt, broken, client.query_one(st, params))
    }

    pub fn query_opt<T: ?Sized + ToStatement>(
        &mut self,
        st: &T,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, DbError> {
        let Client {
            rt, client, broken, ..
        } = self;
        timed(rt, broken, client.query_opt(st, params))
    }

    pub fn simple_query(&mut self, sql: &str) -> Result<Vec<SimpleQueryMessage>, DbError> {
        let Client {
            rt, client, broken, ..
        } = self;
        timed(rt, broken, client.simple_query(sql))
    }

    pub fn batch_execute(&mut self, sql: &str) -> Result<(), DbError> {
        let Client {
            rt, client, broken, ..
        } = self;
        timed(rt, broken, client.batch_execute(sql))
    }

    /// `COPY … FROM STDIN (FORMAT binary)` of `rows`, each of `types`.
    pub fn copy_in_binary<'a>(
        &mut self,
        sql: &str,
        types: &[Type],
        rows: &mut dyn Iterator<Item = Vec<&'a (dyn ToSql + Sync)>>,
    ) -> Result<u64, DbError> {
        use tokio_postgres::binary_copy::BinaryCopyInWriter;
        let Client {
            rt, client, broken, ..
        } = self;
        timed(rt, broken, async move {
            let sink = client.copy_in(sql).await?;
            let w = BinaryCopyInWriter::new(sink, types);
            let mut w = std::pin::pin!(w);
            for row in rows {
                w.as_mut().write(&row).await?;
            }
            w.finish().await
        })
    }

    /// Waits up to `timeout` for notifications (`LISTEN`): whether any
    /// came (all that came are taken); an error when the connection ended.
    pub fn wait_notification(&mut self, timeout: Duration) -> Result<bool, DbError> {
        let notes = self.notes.clone();
        let came = std::future::poll_fn(move |cx| {
            let mut n = notes.lock().unwrap_or_else(|e| e.into_inner());
            if !n.arrived.is_empty() {
                n.arrived.clear();
                return Poll::Ready(Ok(true));
            }
            if n.ended {
                return Poll::Ready(Err(()));
            }
            n.waker = Some(cx.waker().clone());
            Poll::Pending
        });
        match self
            .rt
            .block_on(async { tokio::time::timeout(timeout, came).await })
        {
            Ok(Ok(c)) => Ok(c),
            Ok(Err(())) => {
                self.broken = Some(Duration::ZERO);
                Err(DbError::Late(Duration::ZERO))
            }
            Err(_) => Ok(false),
        }
    }
}

/// Runs one call on `rt` within what is left of the thread's deadline;
/// one that runs out marks its connection `broken`.
fn timed<T>(
    rt: &tokio::runtime::Runtime,
    broken: &mut Option<Duration>,
    call: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, DbError> {
    if let Some(d) = *broken {
        return Err(DbError::Late(d));
    }
    let limit = crate::deadline::call_limit();
    match rt.block_on(async { tokio::time::timeout(limit, call).await }) {
        Ok(r) => r.map_err(DbError::Pg),
        Err(_) => {
            *broken = Some(limit);
            Err(DbError::Late(limit))
        }
    }
}

/// Drives the connection (on the client's runtime, while a call waits),
/// keeping the notifications it brings.
async fn drive<S, T>(mut connection: tokio_postgres::Connection<S, T>, notes: Arc<Mutex<Notes>>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        let m = std::future::poll_fn(|cx| connection.poll_message(cx)).await;
        let mut n = notes.lock().unwrap_or_else(|e| e.into_inner());
        match m {
            Some(Ok(AsyncMessage::Notification(_))) => n.arrived.push_back(()),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => n.ended = true,
        }
        if let Some(w) = n.waker.take() {
            w.wake();
        }
        if n.ended {
            return;
        }
    }
}

/// `config` reduced to its host number `i` (with its port and address),
/// every other setting kept.
fn single_host(config: &Config, i: usize) -> Config {
    let mut c = Config::new();
    if let Some(u) = config.get_user() {
        c.user(u);
    }
    if let Some(p) = config.get_password() {
        c.password(p);
    }
    if let Some(d) = config.get_dbname() {
        c.dbname(d);
    }
    if let Some(o) = config.get_options() {
        c.options(o);
    }
    if let Some(a) = config.get_application_name() {
        c.application_name(a);
    }
    c.ssl_mode(config.get_ssl_mode());
    c.ssl_negotiation(config.get_ssl_negotiation());
    match config.get_hosts().get(i) {
        Some(Host::Tcp(h)) => {
            c.host(h);
        }
        Some(Host::Unix(p)) => {
            c.host_path(p);
        }
        None => {}
    }
    if let Some(a) = config.get_hostaddrs().get(i) {
        c.hostaddr(*a);
    }
    let ports = config.get_ports();
    if let Some(p) = ports.get(i).or_else(|| ports.first()) {
        c.port(*p);
    }
    if let Some(t) = config.get_connect_timeout() {
        c.connect_timeout(*t);
    }
    if let Some(t) = config.get_tcp_user_timeout() {
        c.tcp_user_timeout(*t);
    }
    c.keepalives(config.get_keepalives());
    c.keepalives_idle(config.get_keepalives_idle());
    if let Some(t) = config.get_keepalives_interval() {
        c.keepalives_interval(t);
    }
    if let Some(n) = config.get_keepalives_retries() {
        c.keepalives_retries(n);
    }
    c.target_session_attrs(config.get_target_session_attrs());
    c.channel_binding(config.get_channel_binding());
    c
}
