//! The key-value engine behind the store: a small interface so that another
//! engine can stand behind it later. Two engines: sled (on disk) and an
//! in-memory map (tests and dry runs).

use std::collections::BTreeMap;
use std::sync::RwLock;

use crate::domain::{Error, Result};

/// One write of a change.
#[derive(Debug, Clone)]
pub enum Op {
    Put(Vec<u8>, Vec<u8>),
    Del(Vec<u8>),
}

/// A precondition checked inside the transaction, before any write.
#[derive(Debug, Clone)]
pub enum Check {
    /// The key must not exist (a name must still be free, R1).
    Absent(Vec<u8>, String),
    /// The key must exist (a parent must still be there).
    Present(Vec<u8>, String),
}

pub type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

pub trait Kv: Send + Sync {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;
    /// Up to `limit` pairs whose key starts with `prefix`, in key order,
    /// starting after `after` when given.
    fn scan(&self, prefix: &[u8], after: Option<&[u8]>, limit: usize) -> Result<Pairs>;
    /// The last pair under `prefix` (counters, the newest audit entry).
    fn last(&self, prefix: &[u8]) -> Result<Option<(Vec<u8>, Vec<u8>)>>;
    /// Checks, then applies every op, atomically; durable when it returns.
    fn commit(&self, checks: &[Check], ops: &[Op]) -> Result<()>;
    fn is_empty(&self) -> Result<bool>;
    /// Bytes on disk, where there is a disk.
    fn size_on_disk(&self) -> Option<u64>;
    /// Bulk loading (gen, import into an empty store): applies the ops without
    /// checks, not necessarily atomically; durable only after the next
    /// `commit`, which the bulk load must end with (its account record).
    fn bulk(&self, ops: &[Op]) -> Result<()> {
        self.commit(&[], ops)
    }
    /// A change starts on this thread: engines shared by several processes
    /// (PostgreSQL) serialise writers here and make this thread's reads, until
    /// `commit` or `end_write`, those of the change. Returns the store's
    /// generation when the engine keeps one (others may have changed it).
    fn begin_write(&self) -> Result<Option<u64>> {
        Ok(None)
    }
    /// The change begun on this thread ends without a commit (dropped).
    fn end_write(&self) {}
    /// Until `end_read`, this thread's reads outside a change see one
    /// consistent state (engines several processes write: a snapshot, begun
    /// at the first read and renewed after each commit).
    fn begin_read(&self) {}
    fn end_read(&self) {}
    /// This thread is about to wait (for the writer lock): it gives back
    /// what it holds of the engine (a snapshot's connection), so that the
    /// thread it waits for is never left waiting for one in turn.
    fn pause_reads(&self) {}
    /// The generation of the state this thread reads now (its open change's
    /// or its snapshot's); `None` when it reads whatever is newest.
    fn read_generation(&self) -> Option<u64> {
        None
    }
    /// The generation of a store several processes write: it moves with
    /// every commit by any of them. `None`: only this process writes.
    fn generation(&self) -> Result<Option<u64>> {
        Ok(None)
    }
    /// Waits up to `timeout` for another process to commit, then returns
    /// the generation (which may not have moved). `None`: only this process
    /// writes, there is nothing to wait for.
    fn wait_for_change(&self, _timeout: std::time::Duration) -> Result<Option<u64>> {
        Ok(None)
    }
    /// Walks names down the child index in one request where the engine is
    /// across a network: `first` is the starting parent's children prefix,
    /// each next prefix is `folder` and the found id (8 bytes big-endian),
    /// each key that prefix, one of `kinds`, and the step's suffix; a child
    /// key's value is its id (a bincode varint). The ids found, stopping at
    /// the first name not there; `None`: walk it a key at a time.
    fn walk_children(
        &self,
        _first: &[u8],
        _folder: &[u8],
        _kinds: &[u8],
        _steps: &[Vec<u8>],
    ) -> Result<Option<Vec<u64>>> {
        Ok(None)
    }
    /// How many records a bulk load puts in one batch: sled's log favours
    /// small batches, a database server large ones (fewer round trips).
    fn bulk_batch(&self) -> usize {
        1_000
    }
    /// The values of several keys, in their order: one round trip where the
    /// engine is across a network.
    fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>> {
        keys.iter().map(|k| self.get(k)).collect()
    }
    /// The first `limit` pairs under each prefix, in their order (one round
    /// trip where the engine is across a network).
    fn scan_many(&self, prefixes: &[Vec<u8>], limit: usize) -> Result<Vec<Pairs>> {
        prefixes.iter().map(|p| self.scan(p, None, limit)).collect()
    }
    /// The keys the changes after the store's generation `gen` touched, up
    /// to the newest (read caches forget them, and keep the rest). `None`:
    /// unknown, so everything may have changed: the engine keeps no log,
    /// or its log no longer reaches back that far, or a bulk load is among
    /// them (it logs no keys).
    fn changes_since(&self, _gen: u64) -> Result<Option<Vec<Vec<u8>>>> {
        Ok(None)
    }
    /// The state of the link to a store behind a network connection; `None`
    /// for a store in this process.
    fn link(&self) -> Option<DbLink> {
        None
    }
    /// The tally kept with every commit, where the engine keeps one (a
    /// directory store: see [`super::tally`]).
    fn tally(&self) -> Option<super::tally::Tally> {
        None
    }
    /// Removes every record but those of `keep` (what an interrupted load
    /// left, cleared by the next one): in batches, each committed; returns
    /// how many went.
    fn clear_except(&self, keep: &[Vec<u8>]) -> Result<usize> {
        clear_in_batches(self, keep)
    }
    /// This process is about to fill the store (a load): engines several
    /// processes write mark it for them until the returned token is
    /// dropped. `None`: another process marks it now.
    fn claim_load(&self) -> Result<Option<Box<dyn Send>>> {
        Ok(Some(Box::new(())))
    }
    /// Whether another process marks the store as being filled now.
    fn load_claimed_elsewhere(&self) -> Result<bool> {
        Ok(false)
    }
}

/// Removes every record of `kv` but those of `keep`, in committed batches;
/// returns how many went.
pub fn clear_in_batches(kv: &(impl Kv + ?Sized), keep: &[Vec<u8>]) -> Result<usize> {
    const BATCH: usize = 10_000;
    let mut gone = 0;
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = kv.scan(&[], after.as_deref(), BATCH)?;
        let last = page.len() < BATCH;
        after = page.last().map(|(k, _)| k.clone());
        let dels: Vec<Op> = page
            .into_iter()
            .filter(|(k, _)| !keep.contains(k))
            .map(|(k, _)| Op::Del(k))
            .collect();
        gone += dels.len();
        if !dels.is_empty() {
            kv.commit(&[], &dels)?;
        }
        if last {
            return Ok(gone);
        }
    }
}

/// The link to a database server, as people are told about it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DbLink {
    /// Since when no connection can be made (the server went away, a
    /// failover is under way); `None` while connected.
    pub lost_since: Option<std::time::Instant>,
    /// Counts every loss and every return: a change of it is news.
    pub turns: u64,
    /// How long the last outage lasted, once it is over.
    pub last_outage: Option<std::time::Duration>,
}

fn check_failed(c: &Check) -> Error {
    match c {
        Check::Absent(_, m) | Check::Present(_, m) => Error::conflict(m.clone()),
    }
}

/// The in-memory engine.
#[derive(Default)]
pub struct MemKv {
    map: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl MemKv {
    pub fn new() -> Self {
        Self::default()
    }
    /// A map holding these pairs (a salvaged store, checked in memory).
    pub fn from_pairs(pairs: BTreeMap<Vec<u8>, Vec<u8>>) -> Self {
        MemKv {
            map: RwLock::new(pairs),
        }
    }
    /// Every pair: the byte-for-byte state, for tests.
    pub fn dump(&self) -> Pairs {
        self.map
            .read()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// The first key after every key that starts with `prefix` (`None`: no end).
pub(crate) fn upper_bound(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut p = prefix.to_vec();
    while let Some(last) = p.pop() {
        if last < 0xff {
            p.push(last + 1);
            return Some(p);
        }
    }
    None
}

impl Kv for MemKv {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.map.read().unwrap().get(key).cloned())
    }
    fn scan(&self, prefix: &[u8], after: Option<&[u8]>, limit: usize) -> Result<Pairs> {
        use std::ops::Bound;
        let map = self.map.read().unwrap();
        let lo = match after {
            Some(a) => Bound::Excluded(a.to_vec()),
            None => Bound::Included(prefix.to_vec()),
        };
        Ok(map
            .range((lo, Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
    fn last(&self, prefix: &[u8]) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        use std::ops::Bound;
        let map = self.map.read().unwrap();
        let hi = match upper_bound(prefix) {
            Some(u) => Bound::Excluded(u),
            None => Bound::Unbounded,
        };
        Ok(map
            .range((Bound::Included(prefix.to_vec()), hi))
            .next_back()
            .map(|(k, v)| (k.clone(), v.clone())))
    }
    fn commit(&self, checks: &[Check], ops: &[Op]) -> Result<()> {
        let mut map = self.map.write().unwrap();
        for c in checks {
            let ok = match c {
                Check::Absent(k, _) => !map.contains_key(k),
                Check::Present(k, _) => map.contains_key(k),
            };
            if !ok {
                return Err(check_failed(c));
            }
        }
        for op in ops {
            match op {
                Op::Put(k, v) => {
                    map.insert(k.clone(), v.clone());
                }
                Op::Del(k) => {
                    map.remove(k);
                }
            }
        }
        Ok(())
    }
    fn is_empty(&self) -> Result<bool> {
        Ok(self.map.read().unwrap().is_empty())
    }
    fn size_on_disk(&self) -> Option<u64> {
        None
    }
}
