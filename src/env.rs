//! The launch environment, resolved once: where the store is, who acts, the
//! socket, and the terminal's look. The launcher builds it from the command
//! line; the command line, the terminal UI and the server receive it.

use std::path::{Path, PathBuf};

use crate::domain::{Error, Result};

/// The socket's file name beside the store.
pub const SOCKET_FILE: &str = "treeward.sock";

#[derive(Debug, Clone)]
pub struct Env {
    /// The store: a directory (sled) or a PostgreSQL connection string;
    /// `--db`, else `$TREEWARD_DB`, else the data directory.
    pub store: PathBuf,
    /// How the store is named in messages (a connection string without its
    /// credentials).
    pub store_label: String,
    /// The socket of the process that holds the store: `--socket`, else
    /// `treeward.sock` in the store directory.
    pub socket: PathBuf,
    /// `--socket` was given: a command must go there (exit 6 when nobody listens).
    pub socket_given: bool,
    /// `--as`, else `$TREEWARD_USER` (when set and not empty).
    pub as_: Option<String>,
    pub json: bool,
    /// `-o/--output` (`--json`: json).
    pub output: crate::cli::table::Format,
    pub dry_run: bool,
    pub theme: Option<String>,
    pub ascii: bool,
    /// `--quiet`: nothing on stdout where the exit code is the answer.
    pub quiet: bool,
}

impl Env {
    /// Resolves the defaults of the options given on the command line.
    pub fn resolve(
        db: Option<PathBuf>,
        socket: Option<PathBuf>,
        as_: Option<String>,
    ) -> Result<Env> {
        let store = store_dir(db)?;
        let (store_label, default_socket) = match postgres_of(&store) {
            Some(url) => {
                let c = crate::store::pg_kv::config_of(url)?.config;
                let socket = socket_from_env().unwrap_or_else(|| database_socket(&c));
                (crate::store::pg_kv::shown(&c), socket)
            }
            None => (store.display().to_string(), store.join(SOCKET_FILE)),
        };
        Ok(Env {
            socket: socket.clone().unwrap_or(default_socket),
            socket_given: socket.is_some(),
            store,
            store_label,
            as_: as_.or_else(|| {
                std::env::var("TREEWARD_USER")
                    .ok()
                    .filter(|u| !u.is_empty())
            }),
            json: false,
            output: Default::default(),
            dry_run: false,
            theme: None,
            ascii: false,
            quiet: false,
        })
    }

    /// The acting login: `--as`, else `$TREEWARD_USER`, else the OS login name.
    pub fn actor(&self) -> Result<String> {
        if let Some(a) = &self.as_ {
            return Ok(a.clone());
        }
        nix::unistd::User::from_uid(nix::unistd::getuid())
            .ok()
            .flatten()
            .map(|u| u.name)
            .ok_or_else(|| {
                Error::invalid("cannot tell who you are: pass --as LOGIN or set TREEWARD_USER")
            })
    }

    pub fn store(&self) -> &Path {
        &self.store
    }

    /// The connection string, when the store is a PostgreSQL database.
    pub fn postgres(&self) -> Option<&str> {
        postgres_of(&self.store)
    }
}

fn postgres_of(store: &Path) -> Option<&str> {
    store
        .to_str()
        .filter(|s| crate::store::pg_kv::is_connection_string(s))
}

/// Where the holder of a database store answers by default: one socket per
/// database (its hosts and name, not who connects), in the runtime directory.
fn database_socket(c: &tokio_postgres::Config) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{:?}{:?}{:?}", c.get_hosts(), c.get_ports(), c.get_dbname()).hash(&mut h);
    let name = format!("treeward-{:016x}.sock", h.finish());
    let shared = Path::new(SHARED_RUN_DIR);
    let dir = if shared.is_dir() {
        shared.to_path_buf()
    } else {
        std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir)
    };
    dir.join(name)
}

/// The directory the shipped unit makes for the server's socket
/// (`RuntimeDirectory=treeward`), where every login's treeward looks first.
pub const SHARED_RUN_DIR: &str = "/run/treeward";

/// `$TREEWARD_SOCKET`: a database's server socket, where `serve` listens and
/// every command looks, instead of the default (a command still opens the
/// database itself when no server answers there; `--socket` does not). A
/// directory store's socket stays in its directory.
fn socket_from_env() -> Option<PathBuf> {
    std::env::var_os("TREEWARD_SOCKET")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
}

/// The store directory: `--db`, else `$TREEWARD_DB`, else the data directory.
pub fn store_dir(db: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(d) = db {
        return Ok(d);
    }
    if let Some(d) = std::env::var_os("TREEWARD_DB").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "treeward")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or_else(|| {
            Error::invalid(
                "no data directory is known for this user: pass --db DIR or set TREEWARD_DB",
            )
        })
}
