//! Opening a store directory: our own lock file first (so a second process
//! gets a clear message, not sled's raw lock error), owner-only permissions,
//! and sled opened where a panic cannot escape.

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use super::sled_kv::SledKv;
use super::Store;
use crate::domain::{Error, Result};

pub const LOCK_FILE: &str = "treeward.lock";
pub const SLED_DIR: &str = "data";

/// Refuses a store directory that does not exist (without creating it).
pub fn require_existing(dir: &Path) -> Result<()> {
    if dir.exists() {
        return Ok(());
    }
    Err(Error::unavailable(format!(
        "there is no store at {}: run `treeward init --owner LOGIN` or `treeward demo` to create one",
        crate::domain::text::escape(&dir.display().to_string())
    )))
}

/// Like [`open_dir`], but `None` when another process holds the store's lock
/// (it may be opening or closing it, or answering on its socket).
pub fn open_dir_unless_busy(dir: &Path) -> Result<Option<Store>> {
    match open_dir(dir) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.message.ends_with(IN_USE) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The end of the message for a store whose lock another process holds.
pub(crate) const IN_USE: &str = "is in use by another treeward process";

pub fn open_dir(dir: &Path) -> Result<Store> {
    let shown = dir.display();
    if dir.exists() {
        if !dir.is_dir() {
            return Err(Error::unavailable(format!("{shown} is not a directory")));
        }
        let entries: Vec<String> = fs::read_dir(dir)
            .map_err(|e| Error::unavailable(format!("{shown} cannot be read: {e}")))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let ours = entries.iter().any(|n| n == SLED_DIR || n == LOCK_FILE);
        if !entries.is_empty() && !ours {
            return Err(Error::unavailable(format!(
                "{shown} is not a treeward store (it holds other files)"
            )));
        }
    } else {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::unavailable(format!("{shown} cannot be created: {e}")))?;
    }
    owner_only(|| open_locked(dir))
}

/// Runs `f` with files it creates (sled's) for the owner alone.
pub(crate) fn owner_only<T>(f: impl FnOnce() -> T) -> T {
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    let res = f();
    nix::sys::stat::umask(old);
    res
}

fn open_locked(dir: &Path) -> Result<Store> {
    let shown = dir.display();
    let lock = take_lock(dir)?;
    let kv = SledKv::open(dir, &dir.join(SLED_DIR))?;
    Store::from_parts(Box::new(kv), dir.to_path_buf(), lock).map_err(|e| {
        if e.outcome == crate::domain::Outcome::Unavailable {
            e
        } else {
            Error::unavailable(format!("{shown}: {}", e.message))
        }
    })
}

/// The pid of the process holding the store's lock in `dir`, as the kernel
/// tells (`/proc/locks`: `1: FLOCK  ADVISORY  WRITE PID MAJ:MIN:INODE 0 EOF`);
/// `None` where it cannot tell. Nothing is written for it: the store's
/// files stay as they are.
pub fn holder_pid(dir: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(dir.join(LOCK_FILE)).ok()?;
    let (major, minor) = (
        nix::sys::stat::major(m.dev()),
        nix::sys::stat::minor(m.dev()),
    );
    let file = format!("{major:02x}:{minor:02x}:{}", m.ino());
    let locks = fs::read_to_string("/proc/locks").ok()?;
    locks.lines().find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        let held = f.get(1) == Some(&"FLOCK") && f.get(5) == Some(&file.as_str());
        held.then(|| f.get(4)?.parse().ok()).flatten()
    })
}

/// Waits, up to `limit`, until the storage engine of the directory store in
/// `dir`, closed a moment ago in this process, has let go of its data file:
/// sled's threads keep their lock on it a little after the store is dropped,
/// and whatever opens the store next would find it busy.
pub fn wait_released(dir: &Path, limit: std::time::Duration) {
    let data = dir.join("data").join("db");
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        match File::open(&data) {
            // Taken and at once let go (the file is closed at the end of the arm).
            Ok(f) if f.try_lock().is_ok() => return,
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
            Err(_) => return,
        }
    }
}

/// The lock is held for the life of the returned file.
pub fn take_lock(dir: &Path) -> Result<File> {
    let shown = dir.display();
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .mode(0o600)
        .open(dir.join(LOCK_FILE))
        .map_err(|e| super::sled_kv::io_error(dir, &e))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(fs::TryLockError::WouldBlock) => Err(Error::unavailable(format!("{shown} {IN_USE}"))),
        Err(fs::TryLockError::Error(e)) => {
            Err(Error::unavailable(format!("{shown} cannot be locked: {e}")))
        }
    }
}
