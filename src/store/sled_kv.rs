//! sled 0.34 behind [`Kv`]. sled can panic on a damaged store, so every call
//! runs inside `catch_unwind` and a panic becomes a *store unavailable* error.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::kv::{Check, Kv, Op, Pairs};
use super::tally::{self, Tally, TallyFile};
use crate::domain::{Error, Result};

pub struct SledKv {
    db: sled::Db,
    dir: PathBuf,
    /// The tally as the data holds it now (see [`tally`]).
    tally: std::sync::Mutex<Tally>,
    /// The tally's copy beside the data file (`None`: it cannot be written).
    file: Option<TallyFile>,
}

/// Cache kept modest: sled's cache grows well past its setting while reading
/// (measured on 1.1M items, UI after browsing: 238 MB at 32 MiB, 172 MB at
/// 8 MiB, 163 MB at 2 MiB; generating 300k items: 3.9 s at 8, 4.9 s at 2).
/// Our own read cache (`store::cache`) keeps what checks walk.
const CACHE_BYTES: u64 = 8 * 1024 * 1024;

/// In every message about damaged data (`doctor` reads such a store itself).
pub(crate) const DAMAGED: &str = "is damaged";
/// Where other commands send the owner of a damaged store.
pub(crate) const SEE_DOCTOR: &str = "; restore a backup or run `treeward doctor`";

fn damaged(dir: &Path, what: impl std::fmt::Display) -> Error {
    Error::unavailable(format!("{} {DAMAGED} or unreadable: {what}", dir.display()))
}

/// What went wrong, in words: sled's own text carries a debug backtrace
/// field and raw offsets that mean nothing to an administrator.
fn sled_error(dir: &Path, e: &sled::Error) -> Error {
    let shown = dir.display();
    match e {
        sled::Error::Io(io) => io_error(dir, io),
        sled::Error::Corruption { at, .. } => Error::unavailable(format!(
            "{shown} {DAMAGED}: its data file is corrupt{}{SEE_DOCTOR}",
            match at {
                Some(p) => format!(" (at {p:?})"),
                None => String::new(),
            }
        )),
        sled::Error::Unsupported(m) => Error::unavailable(format!("{shown} cannot be used: {m}")),
        sled::Error::ReportableBug(m) => Error::unavailable(format!(
            "{shown} {DAMAGED} or unreadable: the storage engine failed ({m})"
        )),
        other => damaged(dir, other),
    }
}

/// File-system errors, named by cause: full disk, read-only, no permission.
pub fn io_error(dir: &Path, e: &std::io::Error) -> Error {
    let shown = dir.display();
    if e.raw_os_error() == Some(nix::libc::EWOULDBLOCK) {
        // sled's own lock on its files: held by another process (or by one
        // this process just forked, until it runs its program).
        return Error::unavailable(format!("{shown} {}", super::open::IN_USE));
    }
    let why = match e.raw_os_error() {
        Some(nix::libc::ENOSPC) | Some(nix::libc::EDQUOT) => {
            "the disk holding it is full (no space left on device)".to_string()
        }
        Some(nix::libc::EROFS) => "it is on a read-only file system".to_string(),
        Some(nix::libc::EACCES) | Some(nix::libc::EPERM) => {
            "permission denied by the file system".to_string()
        }
        Some(nix::libc::ENOTDIR) => "part of it is not a directory".to_string(),
        _ => format!("input/output error ({e})"),
    };
    Error::unavailable(format!("{shown} cannot be used: {why}"))
}

fn guarded<T>(dir: &Path, f: impl FnOnce() -> sled::Result<T>) -> Result<T> {
    let _quiet = crate::QuietPanics::new();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(sled_error(dir, &e)),
        Err(p) => Err(damaged(
            dir,
            format!("the storage engine failed ({})", crate::panic_text(&p)),
        )),
    }
}

impl SledKv {
    pub fn open(dir: &Path, sled_dir: &Path) -> Result<SledKv> {
        let cfg = sled::Config::new()
            .path(sled_dir)
            .cache_capacity(CACHE_BYTES)
            .mode(sled::Mode::HighThroughput);
        let db = guarded(dir, || cfg.open())?;
        let kv = SledKv {
            db,
            dir: dir.to_path_buf(),
            tally: Default::default(),
            file: TallyFile::open(sled_dir).ok(),
        };
        let held = kv.read_tally(tally::read_file(sled_dir))?;
        *kv.tally_mut() = held;
        Ok(kv)
    }

    fn flush(&self) -> Result<()> {
        guarded(&self.dir, || self.db.flush()).map(|_| ())
    }

    fn tally_mut(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The tally of the data: the one kept beside it when it is of the same
    /// change (it holds the sets), else counted from the data, once, and
    /// written (so that no later open counts again). A tally beside the
    /// data that is ahead of it says the data lost committed changes.
    fn read_tally(&self, beside: Option<Tally>) -> Result<Tally> {
        let k = tally::key();
        let inside = guarded(&self.dir, || self.db.get(&k))?.and_then(|v| Tally::decode(&v));
        let at = inside.as_ref().map_or(0, |t| t.generation);
        match beside {
            Some(b) if b.generation > at => {
                return Err(Error::unavailable(format!(
                    "{} {DAMAGED}: its data file lost {} committed change(s) (the tally kept beside it counts {} changes, the data {at}){SEE_DOCTOR}",
                    self.dir.display(),
                    b.generation - at,
                    b.generation,
                )))
            }
            Some(b) if inside.is_some() && b.generation == at => return Ok(b),
            _ => {}
        }
        let mut t = self.counted()?;
        if let Some(i) = &inside {
            t.generation = i.generation;
            t.max_seq = t.max_seq.max(i.max_seq);
        }
        if !guarded(&self.dir, || Ok(self.db.is_empty()))? {
            // Best effort: a read-only store is still read.
            let written = match inside {
                Some(_) => Ok(()),
                None => {
                    guarded(&self.dir, || self.db.insert(&k, t.encode())).and_then(|_| self.flush())
                }
            };
            if written.is_ok() {
                self.tally_written(&t);
            }
        }
        Ok(t)
    }

    /// The tally of what the data holds now, counted (its generation 0).
    fn counted(&self) -> Result<Tally> {
        let k = tally::key();
        guarded(&self.dir, || {
            let mut t = Tally::default();
            for kv in self.db.iter() {
                let (key, v) = kv?;
                if key != k.as_slice() {
                    t.wrote(&key, Some(&v), false);
                }
            }
            Ok(t)
        })
    }

    /// The tally after a commit is on disk: its copy beside the data.
    fn tally_written(&self, t: &Tally) {
        if let Some(f) = &self.file {
            f.write(t);
        }
    }
}

impl Drop for SledKv {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            f.sync();
        }
    }
}

fn op_key(op: &Op) -> &[u8] {
    match op {
        Op::Put(k, _) | Op::Del(k) => k,
    }
}

impl Kv for SledKv {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        guarded(&self.dir, || self.db.get(key)).map(|o| o.map(|v| v.to_vec()))
    }
    fn scan(&self, prefix: &[u8], after: Option<&[u8]>, limit: usize) -> Result<Pairs> {
        guarded(&self.dir, || {
            let mut out = Vec::new();
            let iter = match after {
                Some(a) => {
                    let mut start = a.to_vec();
                    start.push(0);
                    self.db.range(start..)
                }
                None => self.db.range(prefix.to_vec()..),
            };
            for kv in iter {
                let (k, v) = kv?;
                if !k.starts_with(prefix) || out.len() >= limit {
                    break;
                }
                out.push((k.to_vec(), v.to_vec()));
            }
            Ok(out)
        })
    }
    fn last(&self, prefix: &[u8]) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        guarded(&self.dir, || {
            Ok(self
                .db
                .scan_prefix(prefix)
                .next_back()
                .transpose()?
                .map(|(k, v)| (k.to_vec(), v.to_vec())))
        })
    }
    fn commit(&self, checks: &[Check], ops: &[Op]) -> Result<()> {
        let quiet = crate::QuietPanics::new();
        let before = self.tally_mut().clone();
        let tally_key = tally::key();
        let res = catch_unwind(AssertUnwindSafe(|| {
            self.db.transaction(|tx| {
                let mut t = before.clone();
                for c in checks {
                    let (k, want) = match c {
                        Check::Absent(k, _) => (k, false),
                        Check::Present(k, _) => (k, true),
                    };
                    if tx.get(k)?.is_some() != want {
                        return Err(ConflictableTransactionError::Abort(c.clone()));
                    }
                }
                for op in ops {
                    // The tally is the engine's own record.
                    if op_key(op) == tally_key.as_slice() {
                        continue;
                    }
                    match op {
                        Op::Put(k, v) => {
                            let old = tx.insert(k.as_slice(), v.as_slice())?;
                            t.wrote(k, Some(v), old.is_some());
                        }
                        Op::Del(k) => {
                            let old = tx.remove(k.as_slice())?;
                            t.wrote(k, None, old.is_some());
                        }
                    }
                }
                if !ops.is_empty() {
                    t.generation += 1;
                    tx.insert(tally_key.as_slice(), t.encode())?;
                }
                Ok(t)
            })
        }));
        let tally = match res {
            Ok(Ok(t)) => t,
            Ok(Err(TransactionError::Abort(c))) => {
                return Err(match c {
                    Check::Absent(_, m) | Check::Present(_, m) => Error::conflict(m),
                })
            }
            Ok(Err(TransactionError::Storage(e))) => return Err(sled_error(&self.dir, &e)),
            Err(p) => {
                return Err(damaged(
                    &self.dir,
                    format!("the storage engine failed ({})", crate::panic_text(&p)),
                ))
            }
        };
        drop(quiet);
        // The data holds the change (and its tally) from here on, on disk or not.
        *self.tally_mut() = tally.clone();
        // Nothing is reported done before it is on disk.
        self.flush()?;
        if !ops.is_empty() {
            self.tally_written(&tally);
        }
        Ok(())
    }
    fn is_empty(&self) -> Result<bool> {
        guarded(&self.dir, || Ok(self.db.is_empty()))
    }
    fn bulk(&self, ops: &[Op]) -> Result<()> {
        // Plain inserts in key order: measured 2x faster than one sled batch
        // and flat in memory (a batch of 20,000 records grew sled's cache to
        // gigabytes). Not atomic: a bulk load writes its account record last,
        // with an ordinary commit, so a store cut short claims no account.
        let mut order: Vec<&Op> = ops.iter().collect();
        order.sort_by(|a, b| op_key(a).cmp(op_key(b)));
        // Two writers on disjoint key ranges (sled takes concurrent inserts;
        // measured 1.3x on two cores); ops on one key stay with one writer.
        let mut mid = order.len() / 2;
        while mid > 0 && mid < order.len() && op_key(order[mid - 1]) == op_key(order[mid]) {
            mid += 1;
        }
        let (first, second) = order.split_at(mid);
        // Each writer tallies what it replaced; the tally in the data
        // follows with the load's next commit.
        let tally_key = tally::key();
        let write = |part: &[&Op]| {
            let mut t = Tally::default();
            let mut gone: Vec<Vec<u8>> = Vec::new();
            let r = guarded(&self.dir, || {
                for op in part {
                    if op_key(op) == tally_key.as_slice() {
                        continue;
                    }
                    match op {
                        Op::Put(k, v) => {
                            let old = self.db.insert(k.as_slice(), v.as_slice())?;
                            t.wrote(k, Some(v), old.is_some());
                        }
                        Op::Del(k) => {
                            if self.db.remove(k.as_slice())?.is_some() {
                                gone.push(k.clone());
                            }
                        }
                    }
                }
                Ok(())
            });
            (r, t, gone)
        };
        let (a, b) = std::thread::scope(|sc| {
            let h = sc.spawn(|| write(second));
            let a = write(first);
            (a, h.join())
        });
        let b = b.unwrap_or_else(|_| {
            (
                Err(damaged(&self.dir, "a bulk writer failed")),
                Tally::default(),
                Vec::new(),
            )
        });
        {
            let mut t = self.tally_mut();
            for (_, part, gone) in [&a, &b] {
                t.merge(part);
                for k in gone {
                    t.removed(k);
                }
            }
        }
        a.0?;
        b.0
    }
    fn tally(&self) -> Option<Tally> {
        Some(self.tally_mut().clone())
    }
    /// Clears in batches, then counts what is left: an interrupted load
    /// wrote records its tally never counted (bulk writes are counted in
    /// memory, and written with the load's last commit).
    fn clear_except(&self, keep: &[Vec<u8>]) -> Result<usize> {
        let n = super::kv::clear_in_batches(self, keep)?;
        let mut left = self.counted()?;
        let mut t = self.tally_mut();
        left.generation = t.generation;
        *t = left;
        Ok(n)
    }
    fn size_on_disk(&self) -> Option<u64> {
        self.db.size_on_disk().ok()
    }
}
