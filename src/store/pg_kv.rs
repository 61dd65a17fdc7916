//! PostgreSQL behind [`Kv`]: the store for teams on several hosts.
//!
//! - One table of keys and values (`treeward_kv`, `bytea` keys compare byte
//!   by byte, as sled's do), so every layer above is the same as on sled.
//! - Writes from any number of processes are serialised by one row
//!   (`treeward_generation`) taken `FOR UPDATE` when a change starts
//!   ([`Kv::begin_write`]): the reads that decide the change run inside the
//!   same database transaction, after every earlier change committed, so a
//!   change is never decided on stale reads. Each commit bumps the
//!   generation and logs the keys it touched (`treeward_changes`), so other
//!   processes know their caches are stale.
//! - Durable when `commit` returns (PostgreSQL's `synchronous_commit`).
//! - The connection string is never shown: errors and messages name the
//!   database as `postgresql://USER@HOST:PORT/DB`.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tokio_postgres::Config;

use super::pg_client::{Client, DbError};

use super::kv::{upper_bound, Check, DbLink, Kv, Op, Pairs};
use crate::domain::{Error, Result};

/// The layout of the tables below: bumped by a migration, refused when newer.
pub const PG_SCHEMA_VERSION: i32 = 1;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Connections one process keeps to the database at most by default (its
/// listener aside): a busy server waits for one rather than exhausting the
/// server's `max_connections`. Each thread holds at most one while it waits.
/// `$TREEWARD_PG_MAX_CONNECTIONS` sets it.
pub const MAX_CONNECTIONS: usize = 64;
/// Idle connections kept for reuse by default (`$TREEWARD_PG_IDLE_CONNECTIONS`).
const POOLED: usize = 16;

/// The pool's sizes: at most this many connections, this many kept idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSizes {
    pub max: usize,
    pub idle: usize,
}

impl PoolSizes {
    /// From `$TREEWARD_PG_MAX_CONNECTIONS` and `$TREEWARD_PG_IDLE_CONNECTIONS`
    /// (a whole number each; the idle ones no more than the most).
    pub fn from_env() -> Result<PoolSizes> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Self::of(
            var("TREEWARD_PG_MAX_CONNECTIONS").as_deref(),
            var("TREEWARD_PG_IDLE_CONNECTIONS").as_deref(),
        )
    }

    fn of(max: Option<&str>, idle: Option<&str>) -> Result<PoolSizes> {
        let number = |name: &str, v: Option<&str>, default: usize, least: usize| match v {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (least..=10_000).contains(n))
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "${name} must be a whole number from {least} to 10000 (it is {:?})",
                        crate::domain::text::escape(v)
                    ))
                }),
        };
        let max = number("TREEWARD_PG_MAX_CONNECTIONS", max, MAX_CONNECTIONS, 1)?;
        let idle = number("TREEWARD_PG_IDLE_CONNECTIONS", idle, POOLED.min(max), 0)?;
        if idle > max {
            return Err(Error::invalid(format!(
                "$TREEWARD_PG_IDLE_CONNECTIONS ({idle}) is more than $TREEWARD_PG_MAX_CONNECTIONS ({max})"
            )));
        }
        Ok(PoolSizes { max, idle })
    }
}

struct Limit {
    live: Mutex<usize>,
    freed: std::sync::Condvar,
}

/// One of the process's connections: counted while it lives.
struct Slot(std::sync::Arc<Limit>);

impl Drop for Slot {
    fn drop(&mut self) {
        let mut n = self.0.live.lock().unwrap_or_else(|e| e.into_inner());
        *n = n.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

/// A counted connection.
struct Conn {
    client: Client,
    _slot: Slot,
    /// The link's epoch when it was made: one made before the link was
    /// last lost leads to the lost server and is not pooled again.
    epoch: u64,
    /// Statements prepared on this connection, by their text.
    prepared: HashMap<&'static str, tokio_postgres::Statement>,
}

impl Conn {
    /// `sql` prepared once per connection: later runs skip the round trip
    /// that parses and describes it.
    fn prepared(
        &mut self,
        sql: &'static str,
    ) -> std::result::Result<tokio_postgres::Statement, DbError> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.prepared.insert(sql, s.clone());
        Ok(s)
    }

    /// Begins a transaction with `begin` and reads the generation in the
    /// same round trip (`… FOR UPDATE` takes the writer's row).
    fn begin_at(&mut self, sql: &str) -> std::result::Result<u64, DbError> {
        let gen = self
            .client
            .simple_query(sql)?
            .into_iter()
            .find_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => {
                    r.get(0).and_then(|g| g.parse::<u64>().ok())
                }
                _ => None,
            });
        Ok(gen.unwrap_or(0))
    }
}

const BEGIN_SNAPSHOT: &str =
    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT gen FROM treeward_generation";
const BEGIN_CHANGE: &str = "BEGIN; SELECT gen FROM treeward_generation FOR UPDATE";

impl std::ops::Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

thread_local! {
    /// The connection of the change open on this thread, per engine.
    static OPEN: RefCell<HashMap<u64, Conn>> = RefCell::new(HashMap::new());
    /// Engines whose reads on this thread should share a snapshot.
    static WANT_SNAPSHOT: RefCell<std::collections::HashSet<u64>> = RefCell::new(Default::default());
    /// The connection of this thread's read snapshot, per engine.
    static SNAPSHOT: RefCell<HashMap<u64, Conn>> = RefCell::new(HashMap::new());
    /// The generation of the state this thread's open change or snapshot reads.
    static READ_GEN: RefCell<HashMap<u64, u64>> = RefCell::new(HashMap::new());
}

pub struct PgKv {
    id: u64,
    config: Config,
    sizes: PoolSizes,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    /// How the database is named in messages (no password).
    shown: String,
    pool: Mutex<Vec<Conn>>,
    limit: std::sync::Arc<Limit>,
    /// The connection that `LISTEN`s for others' commits (`None` where the
    /// server cannot: a hot standby, CockroachDB; then it polls).
    listener: Mutex<Option<Client>>,
    link: Mutex<LinkState>,
    /// Set while the link is lost: the fast check of every successful call.
    lost: std::sync::atomic::AtomicBool,
    /// Counts the losses of the link (see [`Conn::epoch`]).
    epoch: AtomicU64,
    /// Whether the server takes `NOTIFY` (CockroachDB does not).
    notify: std::sync::atomic::AtomicBool,
}

/// The link to the database: whether it was ever reached (a database never
/// reached is an error at once; one reached and lost is waited for), and
/// what people are told about it.
#[derive(Default)]
struct LinkState {
    reached: bool,
    link: DbLink,
}

/// What a database error means for the request that met it.
enum Failure {
    /// The connection is gone or the server cannot serve it now (shut
    /// down, in recovery, read-only after a failover): another connection,
    /// perhaps to another host, may succeed.
    Lost,
    /// A serialisation failure or deadlock (SQLSTATE 40001, 40P01): the
    /// transaction was rolled back; running it again is safe.
    Busy,
    Other,
}

fn failure(e: &DbError) -> Failure {
    let e = match e {
        DbError::Pg(e) => e,
        // No answer in time: the connection was closed, as a lost one is.
        DbError::Late(_) => return Failure::Lost,
        DbError::Local(_) => return Failure::Other,
    };
    match e.code().map(|c| c.code()) {
        Some("40001" | "40P01") => Failure::Busy,
        Some("57P01" | "57P02" | "57P03" | "25006") => Failure::Lost,
        Some(c) if c.starts_with("08") => Failure::Lost,
        Some(_) => Failure::Other,
        None if e.is_closed() => Failure::Lost,
        None => {
            let io = std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>());
            if io || e.to_string().contains("timed out") {
                Failure::Lost
            } else {
                Failure::Other
            }
        }
    }
}

/// Puts `keys` with `values` in one statement, replacing what is there.
fn upsert(c: &mut Conn, keys: &[&[u8]], values: &[&[u8]]) -> std::result::Result<(), DbError> {
    let st = c.prepared(
        "INSERT INTO treeward_kv (k, v) SELECT * FROM unnest($1::bytea[], $2::bytea[])
         ON CONFLICT (k) DO UPDATE SET v = excluded.v",
    )?;
    c.execute(&st, &[&keys, &values]).map(|_| ())
}

/// An item by its key (also the check that a key is there or not).
const GET: &str = "SELECT v FROM treeward_kv WHERE k = $1";

/// A path of names walked down the child index in one query (see
/// [`Kv::walk_children`]): step `i` looks for its suffix under each kind in
/// the children of the previous step's item. A child key's value is the
/// child's id in the record envelope (`codec`): the version (0 for V1), then
/// a bincode varint: one byte below 251, else a marker (251, 252, 253) and 2,
/// 4 or 8 bytes little-endian. Another version gives -1 (walked in Rust).
/// (`|` and `<<` bind alike in SQL: every shift is in parentheses.)
const WALK: &str = "
WITH RECURSIVE walk(i, pfx, n) AS (
    SELECT 0, $1::bytea, NULL::bigint
  UNION ALL
    SELECT w.i + 1, $2::bytea || int8send(d.n), d.n
      FROM walk w
      CROSS JOIN LATERAL (
        SELECT v FROM treeward_kv
         WHERE k = ANY(ARRAY(SELECT w.pfx || kb || ($4::bytea[])[w.i + 1] FROM unnest($3::bytea[]) kb))
         LIMIT 1) t
      CROSS JOIN LATERAL (
        SELECT CASE
          WHEN get_byte(t.v, 0) <> 0 THEN -1
          WHEN get_byte(t.v, 1) = 251 THEN get_byte(t.v, 2)::bigint | (get_byte(t.v, 3)::bigint << 8)
          WHEN get_byte(t.v, 1) = 252 THEN get_byte(t.v, 2)::bigint | (get_byte(t.v, 3)::bigint << 8)
                      | (get_byte(t.v, 4)::bigint << 16) | (get_byte(t.v, 5)::bigint << 24)
          WHEN get_byte(t.v, 1) = 253 THEN get_byte(t.v, 2)::bigint | (get_byte(t.v, 3)::bigint << 8)
                      | (get_byte(t.v, 4)::bigint << 16) | (get_byte(t.v, 5)::bigint << 24)
                      | (get_byte(t.v, 6)::bigint << 32) | (get_byte(t.v, 7)::bigint << 40)
                      | (get_byte(t.v, 8)::bigint << 48) | (get_byte(t.v, 9)::bigint << 56)
          ELSE get_byte(t.v, 1)::bigint
        END AS n) d
     WHERE w.i < cardinality($4::bytea[]) AND (w.n IS NULL OR w.n >= 0)
)
SELECT i, n FROM walk WHERE i > 0 ORDER BY i";

/// The advisory lock held while treeward's tables are made ("twmg").
pub(crate) const MIGRATE_LOCK: i64 = 0x7477_6d67;

/// The advisory lock a load holds while it fills the database ("twld").
const LOAD_LOCK: i64 = 0x7477_6c64;

/// The channel a commit notifies, with its generation as the payload.
const CHANNEL: &str = "treeward_changes";
/// The end of a change that notifies [`CHANNEL`].
const NOTIFY_AND_COMMIT: &str = "NOTIFY treeward_changes; COMMIT";

/// Logs a change: bumps the generation and records the keys it touched
/// (`$1`; a bulk load's, `'{}'`: every key). Every 1,000th generation
/// also prunes the log to its last 10,000: other processes read it to catch
/// their caches up ([`Kv::changes_since`]), and one that is connected lags by
/// a notification or a half-second poll, so the log only has to outlast a
/// disconnection: a failover is waited for up to 30 s, and 10,000 changes
/// cover that at 300 commits a second. A process further behind empties its
/// cache, which costs it cold reads, never a wrong answer. At a few hundred
/// bytes a change, the log stays a few MB; pruning a thousand rows at once
/// keeps the cost off all but one commit in a thousand.
macro_rules! log_change {
    ($keys:literal) => {
        concat!(
            "WITH g AS (UPDATE treeward_generation SET gen = gen + 1 RETURNING gen),
                  logged AS (INSERT INTO treeward_changes (gen, keys) SELECT gen, ",
            $keys,
            " FROM g RETURNING gen)
             DELETE FROM treeward_changes
              WHERE gen <= (SELECT gen FROM logged WHERE gen % 1000 = 0) - 10000"
        )
    };
}
const LOG_CHANGE: &str = log_change!("$1");

/// What [`Kv::changes_since`] reads, in one statement (one snapshot): the
/// generation, how many changes are logged after `$1` (all of them when
/// that is the generation's distance from `$1`: generations go up by one
/// per logged change, and pruning takes the oldest), whether one of them
/// is a bulk load, and the keys they touched.
const CHANGES_SINCE: &str = "SELECT (SELECT gen FROM treeward_generation),
        (SELECT count(*) FROM treeward_changes WHERE gen > $1),
        (SELECT coalesce(bool_or(cardinality(keys) = 0), false) FROM treeward_changes WHERE gen > $1),
        (SELECT coalesce(array_agg(DISTINCT k), '{}') FROM treeward_changes, unnest(keys) AS k WHERE gen > $1)";

/// Is `s` a PostgreSQL connection string rather than a directory?
pub fn is_connection_string(s: &str) -> bool {
    s.starts_with("postgresql://")
        || s.starts_with("postgres://")
        || (s.contains('=') && (s.contains("host=") || s.contains("dbname=")))
}

/// The database's name for people: `postgresql://USER@HOST[,HOST…]/DB`.
pub fn shown(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
        .map(|(h, p)| match h {
            tokio_postgres::config::Host::Tcp(h) => format!("{h}:{p}"),
            tokio_postgres::config::Host::Unix(d) => format!("{}:{p}", d.display()),
        })
        .collect();
    format!(
        "postgresql://{}@{}/{}",
        config.get_user().unwrap_or(""),
        hosts.join(","),
        config.get_dbname().unwrap_or("")
    )
}

/// Parses a connection string, filling what libpq would take from the
/// environment (`PGUSER`, `PGHOST`, `PGPORT`, `PGDATABASE`, `PGPASSWORD`);
/// the password file (`PGPASSFILE`, else `~/.pgpass`) is read for each host
/// as it is tried.
pub fn config_of(s: &str) -> Result<Target> {
    let (s, tls) = super::pg_tls::take(s)?;
    // libpq's name for the count of unanswered keepalives, as this client reads it.
    let s = s.replace("keepalives_count=", "keepalives_retries=");
    let mut c: Config = s.parse().map_err(|_| {
        // The parser's message may quote the string, password included.
        Error::invalid("the database connection string cannot be read (postgresql://USER@HOST:PORT/DB or host=… dbname=…)")
    })?;
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if c.get_user().is_none() {
        let user = var("PGUSER").or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.name)
        });
        if let Some(u) = user {
            c.user(&u);
        }
    }
    if c.get_hosts().is_empty() {
        match var("PGHOST") {
            Some(h) => {
                for h in h.split(',') {
                    c.host(h);
                }
            }
            None => {
                c.host("/var/run/postgresql");
            }
        }
    }
    if c.get_ports().is_empty() {
        if let Some(p) = var("PGPORT").and_then(|p| p.parse().ok()) {
            c.port(p);
        }
    }
    if c.get_dbname().is_none() {
        let db = var("PGDATABASE")
            .or_else(|| c.get_user().map(str::to_string))
            .unwrap_or_default();
        c.dbname(&db);
    }
    if c.get_password().is_none() {
        // The password file is read per host as each is tried (`store::pg_pass`).
        if let Some(p) = var("PGPASSWORD") {
            c.password(p);
        }
    }
    c.application_name("treeward");
    c.ssl_mode(tls.mode.client_mode());
    with_link_defaults(&mut c, &s);
    Ok(Target { config: c, tls })
}

/// A database to connect to: the client's settings, and TLS as libpq's
/// settings of the string say (`store::pg_tls`).
pub struct Target {
    pub config: Config,
    pub tls: super::pg_tls::Settings,
}

/// What the connection string leaves out of connecting and of TCP
/// keepalives (libpq's names; `connect_timeout` bounds the whole start-up
/// of each host): 10 s to connect; a keepalive after 30 s idle, then every
/// 10 s, the connection given up after 3 unanswered (a host that vanished
/// is noticed in about a minute rather than the kernel's two hours).
fn with_link_defaults(c: &mut Config, given: &str) {
    use std::time::Duration;
    if c.get_connect_timeout().is_none() {
        c.connect_timeout(Duration::from_secs(10));
    }
    let has = |key: &str| given.contains(&format!("{key}="));
    if !has("keepalives_idle") {
        c.keepalives_idle(Duration::from_secs(30));
    }
    if c.get_keepalives_interval().is_none() {
        c.keepalives_interval(Duration::from_secs(10));
    }
    if c.get_keepalives_retries().is_none() {
        c.keepalives_retries(3);
    }
}

/// Whether treeward's schema table is there, and how many tables of
/// another application the database holds.
pub(crate) const SCHEMA_STATE: &str = "SELECT to_regclass('treeward_schema') IS NOT NULL,
        (SELECT count(*) FROM pg_catalog.pg_tables
          WHERE schemaname = current_schema() AND tablename NOT LIKE 'treeward\\_%')";

/// A database of another application, refused as a store.
pub(crate) fn not_a_store(shown: &str) -> Error {
    Error::unavailable(format!(
        "{shown} is not a treeward store (it holds tables of another application)"
    ))
}

impl PgKv {
    /// Connects, creates the tables in an empty database, and refuses a
    /// database of another application or of a newer treeward (exit 6).
    pub fn open(target: Target) -> Result<PgKv> {
        let config = target.config;
        let kv = PgKv {
            sizes: PoolSizes::from_env()?,
            id: NEXT_ID.fetch_add(1, Ordering::SeqCst),
            shown: shown(&config),
            tls: super::pg_tls::connector(&target.tls)
                .map_err(|e| Error::unavailable(format!("{}: {}", shown(&config), e.message)))?,
            config,
            pool: Mutex::new(Vec::new()),
            limit: std::sync::Arc::new(Limit {
                live: Mutex::new(0),
                freed: Default::default(),
            }),
            listener: Mutex::new(None),
            link: Mutex::new(LinkState::default()),
            lost: Default::default(),
            epoch: AtomicU64::new(0),
            notify: std::sync::atomic::AtomicBool::new(true),
        };
        let mut c = kv.take()?;
        kv.check_schema(&mut c)?;
        kv.put_back(c);
        kv.link_state().reached = true;
        Ok(kv)
    }

    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn connect(&self) -> Result<Client> {
        let c = Client::connect(&self.config, &self.tls).map_err(|e| self.failed(&e))?;
        self.link_back();
        Ok(c)
    }

    fn link_state(&self) -> std::sync::MutexGuard<'_, LinkState> {
        self.link.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// No connection to the database for now: the pooled ones go (they
    /// lead to the same lost server) and people are told.
    fn link_lost(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.pool.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let mut l = self.link_state();
        self.lost.store(true, Ordering::SeqCst);
        if l.link.lost_since.is_none() {
            l.link.lost_since = Some(std::time::Instant::now());
            l.link.turns += 1;
        }
    }

    /// A connection made or a statement answered: the database is back.
    fn link_back(&self) {
        if !self.lost.load(Ordering::SeqCst) {
            return;
        }
        let mut l = self.link_state();
        self.lost.store(false, Ordering::SeqCst);
        if let Some(t) = l.link.lost_since.take() {
            l.link.last_outage = Some(t.elapsed());
            l.link.turns += 1;
        }
    }

    /// A database error in words, naming the database but never the
    /// connection string. A lost connection to a database reached before,
    /// and a serialisation failure, are transient: nothing was written.
    fn failed(&self, e: &DbError) -> Error {
        let reached = self.link_state().reached;
        match failure(e) {
            Failure::Busy => {
                return Error::transient(format!(
                    "{}: the database could not order this change with a concurrent one",
                    self.shown
                ))
            }
            Failure::Lost if reached => {
                self.link_lost();
                let why = match e {
                    DbError::Late(_) => "the database did not answer in time (the connection was closed; no commit was pending on it)".to_string(),
                    _ => "the connection to the database was lost (reconnecting)".to_string(),
                };
                return Error::transient(format!("{}: {why}", self.shown));
            }
            _ => {}
        }
        let e = match e {
            DbError::Pg(e) => e,
            DbError::Late(d) => {
                return Error::unavailable(format!(
                    "{}: cannot reach the database (no answer within {:.1} s)",
                    self.shown,
                    d.as_secs_f64()
                ))
            }
            DbError::Local(m) => return Error::unavailable(format!("{}: {m}", self.shown)),
        };
        let why = match e.as_db_error() {
            Some(db) => match db.code().code() {
                "28P01" | "28000" => "the database refused the credentials".to_string(),
                "3D000" => "no such database".to_string(),
                _ => db.message().to_string(),
            },
            None if e.is_closed() => "the connection to the database was lost".to_string(),
            None => {
                // Connection errors: the cause, never the configuration.
                let text = e.to_string();
                let cause = std::error::Error::source(e)
                    .map(|s| s.to_string())
                    .unwrap_or(text.clone());
                if text.contains("password") || cause == "password missing" {
                    let note = super::pg_pass::refused()
                        .map(|r| format!("; {r}"))
                        .unwrap_or_default();
                    format!("the database asks for a password and none was given (URL, PGPASSWORD or .pgpass){note}")
                } else {
                    super::pg_tls::refusal(&cause)
                        .unwrap_or_else(|| format!("cannot reach the database ({cause})"))
                }
            }
        };
        Error::unavailable(format!("{}: {why}", self.shown))
    }

    /// Checks the database's schema, changing nothing (only `treeward
    /// migrate` makes or alters tables, `store::pg_migrate`): no tables yet,
    /// a half-made schema or an older one say what to run; a newer one and
    /// another application's tables are refused. Each is one line, exit 6.
    fn check_schema(&self, c: &mut Client) -> Result<()> {
        let f = |e: DbError| self.failed(&e);
        let row = c.query_one(SCHEMA_STATE, &[]).map_err(f)?;
        let (ours, others): (bool, i64) = (row.get(0), row.get(1));
        let run = |state: &str| {
            Error::unavailable(format!(
                "{} {state}: run `treeward migrate` (as a role that may create tables)",
                self.shown
            ))
        };
        if !ours && others > 0 {
            return Err(not_a_store(&self.shown));
        }
        if !ours {
            return Err(run("holds no treeward tables yet"));
        }
        let v: Option<i32> = c
            .query_opt("SELECT version FROM treeward_schema", &[])
            .map_err(f)?
            .map(|r| r.get(0));
        match v {
            None => Err(run("has a half-made treeward schema (no version)")),
            Some(v) if v > PG_SCHEMA_VERSION => Err(Error::unavailable(format!(
                "{} was written by a newer treeward (database schema {v}; this build reads up to {PG_SCHEMA_VERSION})",
                self.shown
            ))),
            Some(v) if v < PG_SCHEMA_VERSION => {
                Err(run(&format!("has an older treeward schema ({v}; this build needs {PG_SCHEMA_VERSION})")))
            }
            Some(_) => Ok(()),
        }
    }

    /// A connection: an idle one, a new one while fewer than
    /// the most of [`PoolSizes`] live, else the next one freed.
    fn take(&self) -> Result<Conn> {
        let started = std::time::Instant::now();
        loop {
            let pooled = self.pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
            match pooled {
                Some(c) if !c.is_closed() => return Ok(c),
                Some(_) => continue, // dropped: its slot is freed
                None => {}
            }
            let mut n = self.limit.live.lock().unwrap_or_else(|e| e.into_inner());
            if *n < self.sizes.max {
                *n += 1;
                drop(n);
                let slot = Slot(self.limit.clone());
                let epoch = self.epoch.load(Ordering::SeqCst);
                return Ok(Conn {
                    client: self.connect()?,
                    _slot: slot,
                    epoch,
                    prepared: HashMap::new(),
                });
            }
            if started.elapsed() > std::time::Duration::from_secs(30) || crate::deadline::spent() {
                return Err(Error::unavailable(format!(
                    "{}: all {} connections of this process stayed busy for 30 s ($TREEWARD_PG_MAX_CONNECTIONS)",
                    self.shown, self.sizes.max
                )));
            }
            let _ = self
                .limit
                .freed
                .wait_timeout(n, std::time::Duration::from_millis(100));
        }
    }

    fn put_back(&self, c: Conn) {
        if !c.is_closed() && c.epoch == self.epoch.load(Ordering::SeqCst) {
            let mut p = self.pool.lock().unwrap_or_else(|e| e.into_inner());
            if p.len() < self.sizes.idle {
                p.push(c);
            }
        }
        self.limit.freed.notify_one();
    }

    /// Runs `f` on this thread's open change's connection, else on its read
    /// snapshot's (begun here when one is wanted), else on a pooled one.
    fn with<T>(&self, f: impl FnOnce(&mut Conn) -> std::result::Result<T, DbError>) -> Result<T> {
        if let Some(mut c) = OPEN.with(|o| o.borrow_mut().remove(&self.id)) {
            let r = self.answered(f(&mut c));
            OPEN.with(|o| o.borrow_mut().insert(self.id, c));
            return r;
        }
        let snap = SNAPSHOT.with(|o| o.borrow_mut().remove(&self.id));
        let snap = match snap {
            Some(c) => Some(c),
            None if WANT_SNAPSHOT.with(|w| w.borrow().contains(&self.id)) => {
                let mut c = self.take()?;
                // The snapshot is taken by its first statement: the read of
                // the generation, in the same round trip as BEGIN.
                let g = c.begin_at(BEGIN_SNAPSHOT).map_err(|e| self.failed(&e))?;
                READ_GEN.with(|r| r.borrow_mut().insert(self.id, g));
                Some(c)
            }
            None => None,
        };
        match snap {
            Some(mut c) => {
                let r = self.answered(f(&mut c));
                SNAPSHOT.with(|o| o.borrow_mut().insert(self.id, c));
                r
            }
            None => {
                let mut c = self.take()?;
                let r = self.answered(f(&mut c));
                self.put_back(c);
                r
            }
        }
    }

    /// A statement's result: an answer means the database is there.
    fn answered<T>(&self, r: std::result::Result<T, DbError>) -> Result<T> {
        match r {
            Ok(v) => {
                self.link_back();
                Ok(v)
            }
            Err(e) => Err(self.failed(&e)),
        }
    }

    /// The connection of this thread's change: the one `begin_write`
    /// opened, else a new transaction holding the generation row.
    fn the_change(&self) -> Result<Conn> {
        self.end_snapshot();
        if let Some(c) = OPEN.with(|o| o.borrow_mut().remove(&self.id)) {
            return Ok(c);
        }
        let mut c = self.take()?;
        c.begin_at(BEGIN_CHANGE).map_err(|e| self.failed(&e))?;
        Ok(c)
    }

    /// Ends this thread's read snapshot; the next read (if one is still
    /// wanted) begins a new one, seeing every change committed by then.
    fn end_snapshot(&self) {
        if OPEN.with(|o| !o.borrow().contains_key(&self.id)) {
            READ_GEN.with(|r| r.borrow_mut().remove(&self.id));
        }
        if let Some(mut c) = SNAPSHOT.with(|o| o.borrow_mut().remove(&self.id)) {
            if c.batch_execute("ROLLBACK").is_ok() {
                self.put_back(c);
            }
        }
    }

    /// Writes `ops` (puts only) on `c` inside its open transaction with
    /// binary `COPY`, and records the change (its keys: all of them).
    fn load(&self, c: &mut Conn, ops: &[Op]) -> Result<()> {
        use tokio_postgres::types::{ToSql, Type};
        let f = |e: DbError| self.failed(&e);
        // A batch of a load need not be on disk when it commits: the load
        // ends with an ordinary commit, which flushes everything before it.
        c.batch_execute(
            "SET LOCAL synchronous_commit TO OFF;
             CREATE TEMP TABLE IF NOT EXISTS treeward_load (k bytea, v bytea) ON COMMIT DELETE ROWS;
             SAVEPOINT treeward_load",
        )
        .map_err(f)?;
        let mut last: BTreeMap<&[u8], &[u8]> = BTreeMap::new();
        for op in ops {
            if let Op::Put(k, v) = op {
                last.insert(k, v);
            }
        }
        // Counters and the account (the `meta` table) are replaced, not new.
        let (mk, mv): (Vec<&[u8]>, Vec<&[u8]>) = last
            .iter()
            .filter(|(k, _)| k.first() == Some(&super::keys::META))
            .map(|(k, v)| (*k, *v))
            .unzip();
        last.retain(|k, _| k.first() != Some(&super::keys::META));
        // Most keys of a load are new: straight into the table. Should one
        // be there already, the batch goes again through the scratch table
        // (which replaces what it finds).
        let copy = |c: &mut Conn, table: &str, rows: &BTreeMap<&[u8], &[u8]>| {
            let sql = format!("COPY {table} (k, v) FROM STDIN (FORMAT binary)");
            let mut pairs = rows
                .iter()
                .map(|(k, v)| vec![k as &(dyn ToSql + Sync), v as &(dyn ToSql + Sync)]);
            c.copy_in_binary(&sql, &[Type::BYTEA, Type::BYTEA], &mut pairs)
                .map(|_| ())
        };
        if copy(c, "treeward_kv", &last).is_err() {
            c.batch_execute("ROLLBACK TO SAVEPOINT treeward_load")
                .map_err(f)?;
            copy(c, "treeward_load", &last).map_err(f)?;
            c.batch_execute(
                "INSERT INTO treeward_kv SELECT k, v FROM treeward_load
                   ON CONFLICT (k) DO UPDATE SET v = excluded.v",
            )
            .map_err(f)?;
        }
        if !mk.is_empty() {
            upsert(c, &mk, &mv).map_err(f)?;
        }
        Ok(())
    }

    /// A failed `COMMIT`: when the connection went with it, whether the
    /// change was applied cannot be known here, so it is not run again.
    fn at_commit(&self, e: &DbError) -> Error {
        match failure(e) {
            Failure::Lost => {
                self.link_lost();
                let how = match e {
                    DbError::Late(_) => {
                        "the database did not answer the commit in time".to_string()
                    }
                    _ => "the connection to the database was lost while the change was committed"
                        .to_string(),
                };
                Error::unavailable(format!(
                    "{}: {how}: it may or may not have been applied; look before you make it again",
                    self.shown
                ))
            }
            _ => self.failed(e),
        }
    }

    /// Applies checks and ops on `c`, inside its open transaction, and
    /// records the change; the caller commits.
    fn apply(&self, c: &mut Conn, checks: &[Check], ops: &[Op]) -> Result<()> {
        let f = |e: DbError| self.failed(&e);
        for ch in checks {
            let (k, want) = match ch {
                Check::Absent(k, _) => (k, false),
                Check::Present(k, _) => (k, true),
            };
            let st = c.prepared(GET).map_err(f)?;
            let found = c.query_opt(&st, &[&k.as_slice()]).map_err(f)?.is_some();
            if found != want {
                let (Check::Absent(_, m) | Check::Present(_, m)) = ch;
                return Err(Error::conflict(m.clone()));
            }
        }
        // Ops in order: the last one on a key decides.
        let mut last: BTreeMap<&[u8], Option<&[u8]>> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Put(k, v) => last.insert(k, Some(v)),
                Op::Del(k) => last.insert(k, None),
            };
        }
        let (mut pk, mut pv, mut dk) = (
            Vec::<&[u8]>::new(),
            Vec::<&[u8]>::new(),
            Vec::<&[u8]>::new(),
        );
        for (k, v) in &last {
            match v {
                Some(v) => {
                    pk.push(k);
                    pv.push(v);
                }
                None => dk.push(k),
            }
        }
        if !dk.is_empty() {
            let st = c
                .prepared("DELETE FROM treeward_kv WHERE k = ANY($1)")
                .map_err(f)?;
            c.execute(&st, &[&dk]).map_err(f)?;
        }
        if !pk.is_empty() {
            upsert(c, &pk, &pv).map_err(f)?;
        }
        let keys: Vec<&[u8]> = last.keys().copied().collect();
        if !keys.is_empty() {
            let st = c.prepared(LOG_CHANGE).map_err(f)?;
            c.execute(&st, &[&keys]).map_err(f)?;
        }
        Ok(())
    }
}

impl Kv for PgKv {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.with(|c| {
            let st = c.prepared(GET)?;
            Ok(c.query_opt(&st, &[&key])?.map(|r| r.get::<_, Vec<u8>>(0)))
        })
    }

    fn scan(&self, prefix: &[u8], after: Option<&[u8]>, limit: usize) -> Result<Pairs> {
        let lo: &[u8] = match after {
            Some(a) if a >= prefix => a,
            _ => prefix,
        };
        let strict = after.is_some_and(|a| a >= prefix);
        let hi = upper_bound(prefix);
        let limit = limit as i64;
        // One statement per shape: a prepared statement's generic plan
        // must be the index range scan, which `$2 IS NULL OR …` would spoil.
        self.with(|c| {
            let rows = match (strict, &hi) {
                (true, Some(hi)) => {
                    let st = c.prepared(
                        "SELECT k, v FROM treeward_kv WHERE k > $1 AND k < $2 ORDER BY k LIMIT $3",
                    )?;
                    c.query(&st, &[&lo, hi, &limit])?
                }
                (false, Some(hi)) => {
                    let st = c.prepared(
                        "SELECT k, v FROM treeward_kv WHERE k >= $1 AND k < $2 ORDER BY k LIMIT $3",
                    )?;
                    c.query(&st, &[&lo, hi, &limit])?
                }
                (true, None) => {
                    let st = c.prepared(
                        "SELECT k, v FROM treeward_kv WHERE k > $1 ORDER BY k LIMIT $2",
                    )?;
                    c.query(&st, &[&lo, &limit])?
                }
                (false, None) => {
                    let st = c.prepared(
                        "SELECT k, v FROM treeward_kv WHERE k >= $1 ORDER BY k LIMIT $2",
                    )?;
                    c.query(&st, &[&lo, &limit])?
                }
            };
            Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
        })
    }

    fn last(&self, prefix: &[u8]) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let hi = upper_bound(prefix);
        self.with(|c| {
            let row = match &hi {
                Some(hi) => {
                    let st = c.prepared("SELECT k, v FROM treeward_kv WHERE k >= $1 AND k < $2 ORDER BY k DESC LIMIT 1")?;
                    c.query_opt(&st, &[&prefix, hi])?
                }
                None => {
                    let st = c.prepared("SELECT k, v FROM treeward_kv WHERE k >= $1 ORDER BY k DESC LIMIT 1")?;
                    c.query_opt(&st, &[&prefix])?
                }
            };
            Ok(row.map(|r| (r.get(0), r.get(1))))
        })
    }

    /// Ten times sled's: a 1.1M-item `gen` in 8 s instead of 11.4 s.
    fn bulk_batch(&self) -> usize {
        10_000
    }

    fn walk_children(
        &self,
        first: &[u8],
        folder: &[u8],
        kinds: &[u8],
        steps: &[Vec<u8>],
    ) -> Result<Option<Vec<u64>>> {
        if steps.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let kinds: Vec<Vec<u8>> = kinds.iter().map(|k| vec![*k]).collect();
        let steps: Vec<&[u8]> = steps.iter().map(|s| s.as_slice()).collect();
        let rows = self.with(|c| {
            let st = c.prepared(WALK)?;
            c.query(&st, &[&first, &folder, &kinds, &steps])
        })?;
        let mut ids = Vec::with_capacity(steps.len());
        for r in rows {
            match r.get::<_, Option<i64>>(1) {
                Some(id) if id >= 0 => ids.push(id as u64),
                // A record in an envelope this query does not read.
                Some(_) => return Ok(None),
                None => break,
            }
        }
        Ok(Some(ids))
    }

    fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>> {
        let asked: Vec<&[u8]> = keys.iter().map(|k| k.as_slice()).collect();
        let mut found: HashMap<Vec<u8>, Vec<u8>> = self.with(|c| {
            let st = c.prepared("SELECT k, v FROM treeward_kv WHERE k = ANY($1)")?;
            Ok(c.query(&st, &[&asked])?
                .into_iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })?;
        Ok(keys.iter().map(|k| found.remove(k)).collect())
    }

    fn scan_many(&self, prefixes: &[Vec<u8>], limit: usize) -> Result<Vec<Pairs>> {
        // Each prefix as a range [lo, hi); a prefix of 0xff bytes only has
        // no upper bound: those go one by one.
        if prefixes.iter().any(|p| upper_bound(p).is_none()) {
            return prefixes.iter().map(|p| self.scan(p, None, limit)).collect();
        }
        let lo: Vec<&[u8]> = prefixes.iter().map(|p| p.as_slice()).collect();
        let hi: Vec<Vec<u8>> = prefixes.iter().filter_map(|p| upper_bound(p)).collect();
        let limit = limit as i64;
        let rows = self.with(|c| {
            let st = c.prepared(
                "SELECT r.i, t.k, t.v
                   FROM unnest($1::bytea[], $2::bytea[]) WITH ORDINALITY AS r(lo, hi, i)
                   CROSS JOIN LATERAL (
                     SELECT k, v FROM treeward_kv WHERE k >= r.lo AND k < r.hi ORDER BY k LIMIT $3
                   ) t
                  ORDER BY r.i, t.k",
            )?;
            c.query(&st, &[&lo, &hi, &limit])
        })?;
        let mut out: Vec<Pairs> = vec![Vec::new(); prefixes.len()];
        for r in rows {
            let i: i64 = r.get(0);
            out[(i - 1) as usize].push((r.get(1), r.get(2)));
        }
        Ok(out)
    }

    fn begin_read(&self) {
        WANT_SNAPSHOT.with(|w| w.borrow_mut().insert(self.id));
    }

    fn end_read(&self) {
        WANT_SNAPSHOT.with(|w| w.borrow_mut().remove(&self.id));
        self.end_snapshot();
    }

    fn begin_write(&self) -> Result<Option<u64>> {
        self.end_write();
        // Reads after this change must see it (and whatever came before it).
        self.end_snapshot();
        let mut c = self.take()?;
        match c.begin_at(BEGIN_CHANGE) {
            Ok(g) => {
                OPEN.with(|o| o.borrow_mut().insert(self.id, c));
                READ_GEN.with(|r| r.borrow_mut().insert(self.id, g));
                Ok(Some(g))
            }
            Err(e) => Err(self.failed(&e)),
        }
    }

    fn pause_reads(&self) {
        self.end_snapshot();
    }

    fn read_generation(&self) -> Option<u64> {
        READ_GEN.with(|r| r.borrow().get(&self.id).copied())
    }

    fn end_write(&self) {
        self.end_snapshot();
        READ_GEN.with(|r| r.borrow_mut().remove(&self.id));
        if let Some(mut c) = OPEN.with(|o| o.borrow_mut().remove(&self.id)) {
            if c.batch_execute("ROLLBACK").is_ok() {
                self.put_back(c);
            }
        }
    }

    fn generation(&self) -> Result<Option<u64>> {
        self.with(|c| {
            let st = c.prepared("SELECT gen FROM treeward_generation")?;
            let g: i64 = c.query_one(&st, &[])?.get(0);
            Ok(Some(g as u64))
        })
    }

    fn wait_for_change(&self, timeout: std::time::Duration) -> Result<Option<u64>> {
        let mut l = self.listener.lock().unwrap_or_else(|e| e.into_inner());
        if l.as_ref().is_none_or(|c| c.is_closed()) {
            *l = self.connect().ok().and_then(|mut c| {
                c.batch_execute(&format!("LISTEN {CHANNEL}"))
                    .ok()
                    .map(|_| c)
            });
        }
        match l.as_mut() {
            // Every notification already here is taken with the first: one
            // look at the generation serves them all.
            Some(c) => {
                if c.wait_notification(timeout).is_err() {
                    *l = None;
                }
            }
            None => std::thread::sleep(timeout),
        }
        drop(l);
        self.generation()
    }

    fn commit(&self, checks: &[Check], ops: &[Op]) -> Result<()> {
        let mut c = self.the_change()?;
        // The notification goes with the COMMIT, in its round trip: it is
        // delivered when the change commits; a listener that misses it
        // (disconnected, or none can listen) polls the generation.
        let notify = !ops.is_empty() && self.notify.load(Ordering::SeqCst);
        let end = if notify { NOTIFY_AND_COMMIT } else { "COMMIT" };
        let r = self.apply(&mut c, checks, ops).and_then(|_| {
            c.batch_execute(end).map_err(|e| {
                if e.code() == Some(&tokio_postgres::error::SqlState::FEATURE_NOT_SUPPORTED) {
                    // A server without NOTIFY (CockroachDB): the change was
                    // rolled back with it; it goes again without.
                    self.notify.store(false, Ordering::SeqCst);
                    return Error::transient(format!(
                        "{}: the database has no NOTIFY; polling instead",
                        self.shown
                    ));
                }
                self.at_commit(&e)
            })
        });
        if r.is_err() {
            let _ = c.batch_execute("ROLLBACK");
        }
        self.put_back(c);
        READ_GEN.with(|g| g.borrow_mut().remove(&self.id));
        r
    }

    /// Bulk loads (gen, import into an empty store): each batch through
    /// binary `COPY` into a scratch table, then merged in one statement.
    fn bulk(&self, ops: &[Op]) -> Result<()> {
        if ops.iter().any(|o| matches!(o, Op::Del(_))) {
            return self.commit(&[], ops);
        }
        let mut c = self.the_change()?;
        // The load's change is logged as "every key" (an empty list) and
        // committed in the same round trip; listeners learn of it by the
        // load's last, ordinary commit.
        let r = self.load(&mut c, ops).and_then(|_| {
            c.batch_execute(concat!(
                "RELEASE SAVEPOINT treeward_load; ",
                log_change!("'{}'"),
                "; COMMIT"
            ))
            .map_err(|e| self.at_commit(&e))
        });
        if r.is_err() {
            let _ = c.batch_execute("ROLLBACK");
        }
        self.put_back(c);
        READ_GEN.with(|g| g.borrow_mut().remove(&self.id));
        r
    }

    fn link(&self) -> Option<DbLink> {
        Some(self.link_state().link)
    }

    /// The load's mark for other processes: an advisory lock held on a
    /// connection of its own, released when the token is dropped (the
    /// connection closes) or the process dies (the server ends its session).
    fn claim_load(&self) -> Result<Option<Box<dyn Send>>> {
        let mut c = self.take()?;
        let got: bool = c
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LOAD_LOCK])
            .map_err(|e| self.failed(&e))?
            .get(0);
        if !got {
            self.put_back(c);
            return Ok(None);
        }
        Ok(Some(Box::new(c)))
    }

    fn load_claimed_elsewhere(&self) -> Result<bool> {
        self.with(|c| {
            let st = c.prepared(
                "SELECT EXISTS (SELECT 1 FROM pg_locks
                  WHERE locktype = 'advisory' AND granted AND classid::bigint = 0
                    AND objid::bigint = $1 AND objsubid = 1
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
            )?;
            Ok(c.query_one(&st, &[&LOAD_LOCK])?.get(0))
        })
    }

    /// In one statement and one transaction, logged as a bulk change (every
    /// key: caches start over).
    fn clear_except(&self, keep: &[Vec<u8>]) -> Result<usize> {
        let keep: Vec<&[u8]> = keep.iter().map(|k| k.as_slice()).collect();
        let mut c = self.the_change()?;
        let r = c
            .execute("DELETE FROM treeward_kv WHERE NOT (k = ANY($1))", &[&keep])
            .map_err(|e| self.failed(&e))
            .and_then(|n| {
                c.batch_execute(concat!(log_change!("'{}'"), "; COMMIT"))
                    .map_err(|e| self.at_commit(&e))
                    .map(|_| n as usize)
            });
        if r.is_err() {
            let _ = c.batch_execute("ROLLBACK");
        }
        self.put_back(c);
        READ_GEN.with(|g| g.borrow_mut().remove(&self.id));
        r
    }

    fn changes_since(&self, gen: u64) -> Result<Option<Vec<Vec<u8>>>> {
        let Ok(since) = i64::try_from(gen) else {
            return Ok(None);
        };
        self.with(|c| {
            let st = c.prepared(CHANGES_SINCE)?;
            let r = c.query_one(&st, &[&since])?;
            let (now, logged, bulk): (i64, i64, bool) = (r.get(0), r.get(1), r.get(2));
            Ok((now >= since && logged == now - since && !bulk).then(|| r.get(3)))
        })
    }

    fn is_empty(&self) -> Result<bool> {
        self.with(|c| {
            Ok(
                c.query_one("SELECT NOT EXISTS (SELECT 1 FROM treeward_kv)", &[])?
                    .get(0),
            )
        })
    }

    fn size_on_disk(&self) -> Option<u64> {
        self.with(|c| {
            let n: i64 = c
                .query_one("SELECT pg_total_relation_size('treeward_kv')", &[])?
                .get(0);
            Ok(n as u64)
        })
        .ok()
    }
}

impl Drop for PgKv {
    fn drop(&mut self) {
        self.end_write();
        self.end_read();
    }
}

#[cfg(test)]
mod tests {
    use super::PoolSizes;

    #[test]
    fn pool_sizes_are_settable_and_checked() {
        let of = |m: Option<&str>, i: Option<&str>| PoolSizes::of(m, i);
        assert_eq!(of(None, None).unwrap(), PoolSizes { max: 64, idle: 16 });
        assert_eq!(of(Some("8"), None).unwrap(), PoolSizes { max: 8, idle: 8 });
        assert_eq!(
            of(Some(" 200 "), Some("40")).unwrap(),
            PoolSizes { max: 200, idle: 40 }
        );
        assert_eq!(
            of(Some("4"), Some("0")).unwrap(),
            PoolSizes { max: 4, idle: 0 }
        );
        for (m, i) in [
            (Some("0"), None),
            (Some("many"), None),
            (Some("4"), Some("5")),
            (None, Some("-1")),
        ] {
            let e = of(m, i).unwrap_err();
            assert!(e.message.contains("TREEWARD_PG_"), "{e}");
        }
    }
}
