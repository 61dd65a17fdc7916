//! The launch environment, resolved once: where the store is, who acts, the
//! socket, and the terminal's look. The launcher builds it from the command
//! line; the command line, the terminal UI and the server receive it.

use std::path::{Path, PathBuf};

use crate::domain::{Error, Result};

/// The socket's file name beside the store.
pub const SOCKET_FILE: &str = "treeward.sock";

#[derive(Debug, Clone)]
pub struct Env {
    /// The store directory: `--db`, else `$TREEWARD_DB`, else the data directory.
    pub store: PathBuf,
    /// The socket of the process that holds the store: `--socket`, else
    /// `treeward.sock` in the store directory.
    pub socket: PathBuf,
    /// `--socket` was given: a command must go there (exit 6 when nobody listens).
    pub socket_given: bool,
    /// `--as`, else `$TREEWARD_USER` (when set and not empty).
    pub as_: Option<String>,
    pub json: bool,
    pub dry_run: bool,
    pub theme: Option<String>,
    pub ascii: bool,
}

impl Env {
    /// Resolves the defaults of the options given on the command line.
    pub fn resolve(
        db: Option<PathBuf>,
        socket: Option<PathBuf>,
        as_: Option<String>,
    ) -> Result<Env> {
        let store = store_dir(db)?;
        Ok(Env {
            socket: socket.clone().unwrap_or_else(|| store.join(SOCKET_FILE)),
            socket_given: socket.is_some(),
            store,
            as_: as_.or_else(|| {
                std::env::var("TREEWARD_USER")
                    .ok()
                    .filter(|u| !u.is_empty())
            }),
            json: false,
            dry_run: false,
            theme: None,
            ascii: false,
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
                Error::denied("cannot tell who you are: pass --as LOGIN or set TREEWARD_USER")
            })
    }

    pub fn store(&self) -> &Path {
        &self.store
    }
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
