//! The store: typed records over a [`Kv`] engine, the key layout, the schema
//! version, and atomic changes ([`Txn`]), flushed before they are reported.

pub mod cache;
pub mod codec;
pub mod iblt;
pub mod keys;
pub mod kv;
pub mod load;
pub mod open;
pub use open::require_existing;
pub mod overlay;
pub mod pg_client;
pub mod pg_kv;
pub mod pg_migrate;
pub mod pg_pass;
pub mod pg_tls;
pub mod salvage;
pub mod sled_kv;
pub mod tally;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::{de::DeserializeOwned, Serialize};

use crate::domain::*;
use codec::encode;
pub use keys::Parent;

thread_local! {
    /// Changes committed by this thread (see [`Store::committed_here`]).
    static COMMITTED_HERE: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}
pub use kv::{Check, Kv, MemKv, Op};

/// The store's format: written in `meta`, refused when newer than this build.
pub const SCHEMA_VERSION: u32 = 1;
pub const MAGIC: &[u8] = b"treeward-store";

pub struct Store {
    kv: std::sync::Arc<dyn Kv>,
    cache: std::sync::Arc<cache::Cache>,
    dir: Option<PathBuf>,
    /// How the store is named in messages (a directory, or a database
    /// without its credentials).
    label: Option<String>,
    writer: Mutex<()>,
    _lock: Option<std::fs::File>,
    feed: std::sync::Arc<Feed>,
    /// Engines several processes write: the thread that learns of their
    /// changes (see [`Store::follow`]); stopped when the store is dropped.
    follower: Option<Follower>,
    /// A load of this process fills the store now (see [`load`]).
    loading_here: std::sync::atomic::AtomicBool,
}

/// Committed changes as they happen, for `treeward serve`'s push stream: each
/// subscriber gets every audit entry of every successful commit, in `seq`
/// order (published under the writer lock). A subscriber that falls more than
/// its channel's capacity behind is dropped (its receiver sees the end) rather
/// than slowing writers down.
#[derive(Default)]
struct Feed {
    subs: Mutex<Vec<std::sync::mpsc::SyncSender<AuditEntry>>>,
    /// The seq of the last entry published (each once, in order).
    last: std::sync::atomic::AtomicU64,
}

impl Feed {
    fn publish(&self, entries: &[AuditEntry]) {
        use std::sync::atomic::Ordering::SeqCst;
        let last = self.last.load(SeqCst);
        let fresh: Vec<&AuditEntry> = entries.iter().filter(|e| e.seq > last).collect();
        let Some(newest) = fresh.last() else {
            return;
        };
        self.last.store(newest.seq, SeqCst);
        let mut subs = self.subs.lock().unwrap_or_else(|e| e.into_inner());
        subs.retain(|tx| fresh.iter().all(|e| tx.try_send((*e).clone()).is_ok()));
    }
}

/// The thread that follows other processes' changes to a shared store.
struct Follower {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Page size of listings: big folders are read a page at a time.
pub const PAGE: usize = 1000;

impl Store {
    /// A store in memory: tests, and what-if runs.
    pub fn in_memory() -> Store {
        let s = Store::of_pairs(Default::default());
        s.init_meta().expect("memory store");
        s
    }

    /// Pairs read from a damaged store, in memory, taken as they are (no
    /// format check: they are what `doctor` examines).
    pub(crate) fn of_pairs(pairs: std::collections::BTreeMap<Vec<u8>, Vec<u8>>) -> Store {
        Store {
            kv: std::sync::Arc::new(MemKv::from_pairs(pairs)),
            cache: Default::default(),
            dir: None,
            label: None,
            writer: Mutex::new(()),
            _lock: None,
            feed: Default::default(),
            follower: None,
            loading_here: Default::default(),
        }
    }

    pub(crate) fn from_parts(kv: Box<dyn Kv>, dir: PathBuf, lock: std::fs::File) -> Result<Store> {
        let s = Store {
            kv: kv.into(),
            cache: Default::default(),
            label: Some(dir.display().to_string()),
            dir: Some(dir),
            writer: Mutex::new(()),
            _lock: Some(lock),
            feed: Default::default(),
            follower: None,
            loading_here: Default::default(),
        };
        s.init_meta()?;
        Ok(s)
    }

    /// Opens (creating if needed) the store in `dir`: see [`open::open_dir`].
    /// A lock held for a moment is waited for (up to 2 s): a process this one
    /// forks holds a copy of the lock until it runs its program.
    pub fn open(dir: &Path) -> Result<Store> {
        let started = std::time::Instant::now();
        while started.elapsed() < std::time::Duration::from_secs(2) {
            if let Some(s) = open::open_dir_unless_busy(dir)? {
                return Ok(s);
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        open::open_dir(dir)
    }

    /// Opens the store in `dir`; `None` while another process holds it.
    pub fn open_unless_busy(dir: &Path) -> Result<Option<Store>> {
        open::open_dir_unless_busy(dir)
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Opens a PostgreSQL database as a store (several processes at once:
    /// no lock; see [`pg_kv`]).
    pub fn open_postgres(connection: &str) -> Result<Store> {
        let kv = pg_kv::PgKv::open(pg_kv::config_of(connection)?)?;
        let s = Store {
            label: Some(kv.shown().to_string()),
            kv: std::sync::Arc::new(kv),
            cache: Default::default(),
            dir: None,
            writer: Mutex::new(()),
            _lock: None,
            feed: Default::default(),
            follower: None,
            loading_here: Default::default(),
        };
        s.init_meta()?;
        let mut s = s;
        s.follow()?;
        Ok(s)
    }

    /// Follows the changes other processes commit to a shared store: woken
    /// by the engine (PostgreSQL's `LISTEN`) or every half second, it makes
    /// the read cache forget what the changes since it was filled touched
    /// (see [`catch_up`]) and publishes the new audit entries, read from the
    /// log itself (so none is missed while it was not listening), to this
    /// process's subscribers: `watch`, open UIs.
    fn follow(&mut self) -> Result<()> {
        use std::sync::atomic::Ordering::SeqCst;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let last_seq = self
            .kv
            .last(&[keys::AUDIT])?
            .and_then(|(_, v)| codec::decode::<AuditEntry>(&v, "audit entry").ok())
            .map(|e| e.seq)
            .unwrap_or(0);
        self.feed.last.store(last_seq, SeqCst);
        let (kv, cache, feed, stop2) = (
            self.kv.clone(),
            self.cache.clone(),
            self.feed.clone(),
            stop.clone(),
        );
        let mut seen = self.kv.generation()?.unwrap_or(0);
        // The cache is empty: it holds this generation as well as any.
        self.cache.reset(seen);
        let mut turns = self.kv.link().map_or(0, |l| l.turns);
        std::thread::Builder::new()
            .name("follow".into())
            .spawn(move || {
                while !stop2.load(SeqCst) {
                    let g = match kv.wait_for_change(std::time::Duration::from_millis(500)) {
                        Ok(Some(g)) => g,
                        Ok(None) => return,
                        Err(_) => {
                            std::thread::sleep(std::time::Duration::from_millis(500));
                            continue;
                        }
                    };
                    // Back after losing the database (a failover): what the
                    // cache read may have been a change the new server never
                    // got (a commit that was not acknowledged), and the new
                    // server's change log may differ from the old one's.
                    let now = kv.link().map_or(0, |l| l.turns);
                    if now != turns {
                        turns = now;
                        cache.reset(g);
                    } else if g < cache.store_generation().0 {
                        // Behind the cache: another thread may have seen a
                        // newer generation since `g` was read; if the store
                        // is still behind, it went back (restored): start over.
                        match kv.generation() {
                            Ok(Some(g)) if g < cache.store_generation().0 => cache.reset(g),
                            _ => {}
                        }
                    } else {
                        catch_up(kv.as_ref(), &cache, g);
                    }
                    if g == seen {
                        continue;
                    }
                    seen = g;
                    let from = feed.last.load(SeqCst);
                    let after = keys::audit(from);
                    if let Ok(page) = kv.scan(&[keys::AUDIT], Some(&after), 10_000) {
                        let entries: Vec<AuditEntry> = page
                            .iter()
                            .filter_map(|(_, v)| codec::decode(v, "audit entry").ok())
                            .collect();
                        feed.publish(&entries);
                    }
                }
            })
            .map_err(|e| Error::unavailable(format!("cannot start a thread: {e}")))?;
        self.follower = Some(Follower { stop });
        Ok(())
    }

    /// Publishes the entries other processes committed before `seq` that the
    /// follower has not published yet.
    fn publish_others_before(&self, seq: u64) {
        use std::sync::atomic::Ordering::SeqCst;
        let from = self.feed.last.load(SeqCst);
        if seq <= from + 1 {
            return;
        }
        let after = keys::audit(from);
        if let Ok(page) = self
            .kv
            .scan(&[keys::AUDIT], Some(&after), (seq - from - 1) as usize)
        {
            let entries: Vec<AuditEntry> = page
                .iter()
                .filter_map(|(_, v)| codec::decode(v, "audit entry").ok())
                .filter(|e: &AuditEntry| e.seq < seq)
                .collect();
            self.feed.publish(&entries);
        }
    }

    /// How the store is named in messages.
    pub fn label(&self) -> String {
        self.where_()
    }

    /// Drops the read cache when another process changed the store since it
    /// was filled (engines that several processes write).
    pub fn refresh(&self) -> Result<()> {
        if self.kv.read_generation().is_some() {
            // Inside a snapshot or a change: the cache was aligned with it.
            return Ok(());
        }
        if let Some(g) = self.kv.generation()? {
            self.saw_generation(g);
        }
        Ok(())
    }

    /// Until the guard is dropped, this thread's reads outside a change see
    /// one consistent state of a store several processes write (renewed
    /// after each of its own commits).
    pub fn consistent_reads(&self) -> ReadGuard<'_> {
        self.kv.begin_read();
        // The snapshot begins here; the cache follows it when it is newer.
        if let Ok(Some(g)) = self.kv.generation() {
            self.saw_generation(g);
        }
        ReadGuard(self)
    }

    /// This thread reads the store's generation `g`: the cache catches up
    /// with it (see [`catch_up`]).
    fn saw_generation(&self, g: u64) {
        catch_up(self.kv.as_ref(), &self.cache, g);
    }

    /// How many changes this thread has committed (to any store): a request
    /// that committed one is never run again.
    pub fn committed_here() -> u64 {
        COMMITTED_HERE.with(|c| c.get())
    }

    /// Items per batch of a bulk load (see [`Kv::bulk_batch`]).
    pub fn bulk_batch(&self) -> usize {
        self.kv.bulk_batch()
    }

    /// The link to a database server (`None`: the store is in this process).
    pub fn link(&self) -> Option<kv::DbLink> {
        self.kv.link()
    }

    pub fn kv(&self) -> &dyn Kv {
        self.kv.as_ref()
    }

    fn where_(&self) -> String {
        self.label.clone().unwrap_or_else(|| "the store".into())
    }

    fn init_meta(&self) -> Result<()> {
        match self.kv.get(&keys::meta("magic"))? {
            Some(m) if m == MAGIC => {
                let v: u32 = match self.kv.get(&keys::meta("schema"))? {
                    Some(b) => self.decode(&b, "schema version")?,
                    None => {
                        return Err(Error::unavailable(format!(
                            "{} has no schema version",
                            self.where_()
                        )))
                    }
                };
                if v > SCHEMA_VERSION {
                    return Err(Error::unavailable(format!(
                        "{} was written by a newer treeward (schema {v}; this build reads up to {SCHEMA_VERSION})",
                        self.where_()
                    )));
                }
                Ok(())
            }
            Some(_) => Err(Error::unavailable(format!(
                "{} is not a treeward store",
                self.where_()
            ))),
            None if self.kv.is_empty()? => self.kv.commit(
                &[],
                &[
                    Op::Put(keys::meta("magic"), MAGIC.to_vec()),
                    Op::Put(keys::meta("schema"), encode(&SCHEMA_VERSION)),
                ],
            ),
            None => Err(Error::unavailable(format!(
                "{} is not a treeward store",
                self.where_()
            ))),
        }
    }

    /// Decodes a stored value; an undecodable one names the store (exit 6).
    fn decode<T: DeserializeOwned>(&self, bytes: &[u8], what: &str) -> Result<T> {
        codec::decode(bytes, what).map_err(|e| self.named(e))
    }

    /// A store-level error that names the store directory.
    fn named(&self, e: Error) -> Error {
        match &self.label {
            Some(d) if !e.message.contains(d.as_str()) => Error {
                message: format!("{d}: {}", e.message),
                ..e
            },
            _ => e,
        }
    }

    // ---- typed reads ----

    pub fn get<T: DeserializeOwned>(&self, key: &[u8], what: &str) -> Result<Option<T>> {
        match self.kv.get(key)? {
            Some(b) => Ok(Some(self.decode(&b, what)?)),
            None => Ok(None),
        }
    }

    fn scan_all(&self, prefix: &[u8]) -> Result<kv::Pairs> {
        let mut out = Vec::new();
        let mut after: Option<Vec<u8>> = None;
        loop {
            let page = self.kv.scan(prefix, after.as_deref(), PAGE)?;
            let n = page.len();
            after = page.last().map(|(k, _)| k.clone());
            out.extend(page);
            if n < PAGE {
                return Ok(out);
            }
        }
    }

    fn values<T: DeserializeOwned>(&self, prefix: &[u8], what: &str) -> Result<Vec<T>> {
        self.scan_all(prefix)?
            .iter()
            .map(|(_, v)| self.decode(v, what))
            .collect()
    }

    fn key_tails(&self, prefix: &[u8]) -> Result<Vec<String>> {
        Ok(self
            .scan_all(prefix)?
            .iter()
            .map(|(k, _)| keys::tail_str(k))
            .collect())
    }

    pub fn account(&self) -> Result<Option<Account>> {
        self.get(&keys::meta("account"), "account")
    }
    pub fn user(&self, login: &str) -> Result<Option<User>> {
        self.get(&keys::user(login), "user")
    }
    pub fn users(&self) -> Result<Vec<User>> {
        self.values(&[keys::USER], "user")
    }
    pub fn group(&self, name: &str) -> Result<Option<Group>> {
        self.get(&keys::group(name), "group")
    }
    pub fn groups(&self) -> Result<Vec<Group>> {
        self.values(&[keys::GROUP], "group")
    }
    pub fn group_members(&self, g: &str) -> Result<Vec<String>> {
        self.key_tails(&keys::pair_prefix(keys::GROUP_MEMBER, g))
    }
    pub fn user_groups(&self, login: &str) -> Result<Vec<String>> {
        self.key_tails(&keys::pair_prefix(keys::USER_GROUP, login))
    }
    pub fn org(&self, name: &str) -> Result<Option<OrgUnit>> {
        self.get(&keys::org(name), "org unit")
    }
    pub fn orgs(&self) -> Result<Vec<OrgUnit>> {
        self.values(&[keys::ORG], "org unit")
    }
    pub fn org_members(&self, u: &str) -> Result<Vec<String>> {
        self.key_tails(&keys::pair_prefix(keys::ORG_MEMBER, u))
    }
    pub fn user_orgs(&self, login: &str) -> Result<Vec<String>> {
        self.key_tails(&keys::pair_prefix(keys::USER_ORG, login))
    }
    pub fn tenant(&self, name: &str) -> Result<Option<Tenant>> {
        self.get(&keys::tenant(name), "tenant")
    }
    pub fn tenants(&self) -> Result<Vec<Tenant>> {
        self.values(&[keys::TENANT], "tenant")
    }
    pub fn workspace(&self, id: WsId) -> Result<Option<Workspace>> {
        if let Some(w) = self.cache.workspace(self.at(), id) {
            return Ok(Some((*w).clone()));
        }
        let gen = self.put_gen();
        let w: Option<Workspace> = self.get(&keys::workspace(id), "workspace")?;
        if let Some(w) = &w {
            self.cache
                .put_workspace(gen, std::sync::Arc::new(w.clone()));
        }
        Ok(w)
    }
    pub fn workspace_by_name(&self, name: &str) -> Result<Option<Workspace>> {
        let id = match self.cache.ws_name(self.at(), name) {
            Some(id) => id,
            None => {
                let gen = self.put_gen();
                let id = self.get::<WsId>(&keys::ws_name(name), "workspace name")?;
                self.cache.put_ws_name(gen, name, id);
                id
            }
        };
        match id {
            Some(id) => self.workspace(id),
            None => Ok(None),
        }
    }
    pub fn workspaces(&self) -> Result<Vec<Workspace>> {
        let mut v: Vec<Workspace> = self.values(&[keys::WORKSPACE], "workspace")?;
        v.sort_by_key(|w| names::sort_key(&w.name));
        Ok(v)
    }
    pub fn roles(&self, ws: WsId, login: &str) -> Result<Roles> {
        Ok(self
            .get(&keys::role(ws, login), "roles")?
            .unwrap_or_default())
    }
    /// Members of a workspace and their roles, by login.
    pub fn members(&self, ws: WsId) -> Result<Vec<(String, Roles)>> {
        let prefix = keys::k(keys::ROLE, &[&ws.to_be_bytes()]);
        self.scan_all(&prefix)?
            .iter()
            .map(|(k, v)| {
                Ok((
                    String::from_utf8_lossy(&k[9..]).into_owned(),
                    self.decode(v, "roles")?,
                ))
            })
            .collect()
    }
    pub fn user_workspaces(&self, login: &str) -> Result<Vec<WsId>> {
        Ok(self
            .scan_all(&keys::pair_prefix(keys::USER_WS, login))?
            .iter()
            .map(|(k, _)| keys::tail_u64(k))
            .collect())
    }
    pub fn item(&self, id: ItemId) -> Result<Option<Item>> {
        if let Some(it) = self.cache.item(self.at(), id) {
            return Ok(Some((*it).clone()));
        }
        let gen = self.put_gen();
        let it: Option<Item> = self.get(&keys::item(id), "item")?;
        if let Some(it) = &it {
            self.cache.put_item(gen, std::sync::Arc::new(it.clone()));
        }
        Ok(it)
    }
    pub fn item_required(&self, id: ItemId) -> Result<Item> {
        self.item(id)?.ok_or_else(|| {
            self.named(Error::unavailable(format!(
                "item {id} is indexed but missing; run `treeward doctor`"
            )))
        })
    }
    /// The child of `parent` named exactly `name` (R1: at most one, of either kind).
    pub fn child(&self, parent: &Parent, name: &str) -> Result<Option<Item>> {
        for kind in ItemKind::ALL {
            if let Some(id) =
                self.get::<ItemId>(&keys::child(parent, *kind, name), "child index")?
            {
                return Ok(Some(self.item_required(id)?));
            }
        }
        Ok(None)
    }
    /// A page of children in R3 order, after the cursor `after` (a child key).
    pub fn children_page(
        &self,
        parent: &Parent,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<(Vec<Item>, Option<Vec<u8>>)> {
        let page = self.kv.scan(&keys::children_prefix(parent), after, limit)?;
        let cursor = if page.len() == limit {
            page.last().map(|(k, _)| k.clone())
        } else {
            None
        };
        let items = page
            .iter()
            .map(|(_, v)| self.item_required(self.decode(v, "child index")?))
            .collect::<Result<Vec<_>>>()?;
        Ok((items, cursor))
    }
    /// Every child, in R3 order.
    pub fn children(&self, parent: &Parent) -> Result<Vec<Item>> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let (items, cursor) = self.children_page(parent, after.as_deref(), PAGE)?;
            out.extend(items);
            match cursor {
                Some(c) => after = Some(c),
                None => return Ok(out),
            }
        }
    }
    /// Every child's id, kind and name, read from the children index alone
    /// (no item records: what a walk over a large subtree needs).
    pub fn child_entries(&self, parent: &Parent) -> Result<Vec<(ItemId, ItemKind, String)>> {
        let prefix = keys::children_prefix(parent);
        let mut out = Vec::new();
        for (k, v) in self.scan_all(&prefix)? {
            let (kind, name) = keys::child_key_parts(&k, prefix.len()).ok_or_else(|| {
                self.named(Error::unavailable(
                    "a children index key is damaged; run `treeward doctor`",
                ))
            })?;
            out.push((self.decode(&v, "child index")?, kind, name.to_string()));
        }
        Ok(out)
    }
    /// The ids of the first `limit` children (R3 order), from the index alone.
    pub fn child_ids(&self, parent: &Parent, limit: usize) -> Result<Vec<ItemId>> {
        self.kv
            .scan(&keys::children_prefix(parent), None, limit)?
            .iter()
            .map(|(_, v)| self.decode(v, "child index"))
            .collect()
    }
    pub fn has_children(&self, parent: &Parent) -> Result<bool> {
        Ok(!self
            .kv
            .scan(&keys::children_prefix(parent), None, 1)?
            .is_empty())
    }
    /// R6: does any space of the workspace hold an item?
    pub fn workspace_has_items(&self, ws: WsId) -> Result<bool> {
        Ok(!self
            .kv
            .scan(&keys::ws_roots_prefix(ws), None, 1)?
            .is_empty())
    }
    pub fn assets(&self, app: ItemId) -> Result<Vec<Asset>> {
        self.values(&keys::asset_prefix(app), "asset")
    }
    pub fn asset(&self, app: ItemId, kind: AssetKind, name: &str) -> Result<Option<Asset>> {
        self.get(&keys::asset(app, kind, name), "asset")
    }
    pub fn grants_on(&self, item: ItemId) -> Result<Vec<Grant>> {
        self.values(&keys::grants_prefix(item), "grant")
    }
    pub fn grant(&self, item: ItemId, s: &Subject) -> Result<Option<Grant>> {
        self.get(&keys::grant(item, s), "grant")
    }
    /// Every grant in the store, in one scan.
    pub fn all_grants(&self) -> Result<Vec<Grant>> {
        self.values(&[keys::GRANT], "grant")
    }
    /// Items holding a grant to `s`.
    pub fn granted_items(&self, s: &Subject) -> Result<Vec<ItemId>> {
        Ok(self
            .scan_all(&keys::subject_grants_prefix(s))?
            .iter()
            .map(|(k, _)| keys::tail_u64(k))
            .collect())
    }
    pub fn integrations(&self, ws: WsId) -> Result<Vec<Integration>> {
        self.values(&keys::integ_prefix(ws), "integration")
    }
    pub fn integration(&self, ws: WsId, name: &str) -> Result<Option<Integration>> {
        self.get(&keys::integ(ws, name), "integration")
    }
    pub fn integration_users(&self, ws: WsId, name: &str) -> Result<Vec<ItemId>> {
        Ok(self
            .scan_all(&keys::integ_use_prefix(ws, name))?
            .iter()
            .map(|(k, _)| keys::tail_u64(k))
            .collect())
    }
    /// Audit entries from `from_seq` on, at most `limit`.
    pub fn audit(&self, from_seq: u64, limit: usize) -> Result<Vec<AuditEntry>> {
        let start = if from_seq == 0 {
            None
        } else {
            Some(keys::audit(from_seq - 1))
        };
        self.kv
            .scan(&[keys::AUDIT], start.as_deref(), limit)?
            .iter()
            .map(|(_, v)| self.decode(v, "audit entry"))
            .collect()
    }
    pub fn audit_all(&self) -> Result<Vec<AuditEntry>> {
        self.values(&[keys::AUDIT], "audit entry")
    }
    /// A record kept beside the audit entry `seq` in `table` (its detail,
    /// or the access a change altered), if there is one.
    pub fn audit_extra<T: serde::de::DeserializeOwned>(
        &self,
        table: u8,
        seq: u64,
        what: &str,
    ) -> Result<Option<T>> {
        let key = match table {
            keys::AUDIT_DETAIL => keys::audit_detail(seq),
            _ => keys::audit_access(seq),
        };
        self.get(&key, what)
    }
    /// Every record of `table` (details or access records), by seq.
    pub fn audit_extras<T: serde::de::DeserializeOwned>(
        &self,
        table: u8,
        what: &str,
    ) -> Result<Vec<(u64, T)>> {
        self.scan_all(&[table])?
            .into_iter()
            .map(|(k, v)| Ok((keys::tail_u64(&k), self.decode(&v, what)?)))
            .collect()
    }
    pub fn audit_of_item(&self, item: ItemId) -> Result<Vec<AuditEntry>> {
        self.scan_all(&keys::audit_item_prefix(item))?
            .iter()
            .filter_map(|(k, _)| {
                self.get::<AuditEntry>(&keys::audit(keys::tail_u64(k)), "audit entry")
                    .transpose()
            })
            .collect()
    }
    fn counter(&self, name: &str) -> Result<u64> {
        Ok(self.get(&keys::meta(name), "counter")?.unwrap_or(1))
    }

    /// The seq the next audit entry gets: every change moves it on.
    pub fn next_audit_seq(&self) -> Result<u64> {
        self.counter("next_seq")
    }

    /// The store as it would be after `ops`: read-only, for what-if answers.
    pub fn overlay(&self, ops: &[Op]) -> Store {
        Store {
            kv: std::sync::Arc::new(overlay::OverlayKv::new(self.kv.clone(), ops)),
            cache: Default::default(),
            dir: None,
            label: self.label.clone(),
            writer: Mutex::new(()),
            _lock: None,
            feed: Default::default(),
            follower: None,
            loading_here: Default::default(),
        }
    }

    /// Every audit entry committed from now on, in order (see [`Feed`]); at
    /// most `capacity` unread before the subscription is dropped.
    pub fn subscribe(&self, capacity: usize) -> std::sync::mpsc::Receiver<AuditEntry> {
        let (tx, rx) = std::sync::mpsc::sync_channel(capacity);
        self.feed
            .subs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tx);
        rx
    }

    // ---- cached reads of the hierarchy (permission checks walk these) ----

    /// An item's place in the hierarchy, from the cache when it is there.
    pub fn node(&self, id: ItemId) -> Result<Option<std::sync::Arc<cache::Node>>> {
        if let Some(n) = self.cache.node(self.at(), id) {
            return Ok(Some(n));
        }
        let gen = self.put_gen();
        let Some(it) = self.item(id)? else {
            return Ok(None);
        };
        let n = std::sync::Arc::new(node_of(it));
        self.cache.put_node(gen, n.clone());
        Ok(Some(n))
    }

    /// Reads into the cache, in one round trip each, the places and grants
    /// of `ids` it lacks: the items of a path just resolved, whose chain a
    /// check walks next (on a database, one round trip instead of two per
    /// level).
    pub fn prefetch_chain(&self, ids: &[ItemId]) -> Result<()> {
        let (at, gen) = (self.at(), self.put_gen());
        if gen == u64::MAX {
            // This thread's state is not the cache's.
            return Ok(());
        }
        let c = &self.cache;
        let nodes: Vec<ItemId> = ids
            .iter()
            .copied()
            .filter(|i| c.node(at, *i).is_none())
            .collect();
        if nodes.len() > 1 {
            let keys: Vec<Vec<u8>> = nodes.iter().map(|i| keys::item(*i)).collect();
            for v in self.kv.get_many(&keys)?.into_iter().flatten() {
                let it: Item = self.decode(&v, "item")?;
                self.cache.put_node(gen, std::sync::Arc::new(node_of(it)));
            }
        }
        let grants: Vec<ItemId> = ids
            .iter()
            .copied()
            .filter(|i| c.grants(at, *i).is_none())
            .collect();
        if grants.len() > 1 {
            let prefixes: Vec<Vec<u8>> = grants.iter().map(|i| keys::grants_prefix(*i)).collect();
            let pages = self.kv.scan_many(&prefixes, PAGE)?;
            for (id, page) in grants.iter().zip(pages) {
                if page.len() >= PAGE {
                    continue; // more than a page: read whole when asked
                }
                let g = page
                    .iter()
                    .map(|(_, v)| self.decode(v, "grant"))
                    .collect::<Result<Vec<Grant>>>()?;
                self.cache.put_grants(gen, *id, std::sync::Arc::new(g));
            }
        }
        Ok(())
    }

    /// An item's chain built earlier in this generation of the store.
    pub fn cached_chain(&self, id: ItemId) -> Option<std::sync::Arc<crate::domain::rules::Chain>> {
        self.cache.chain(self.at(), id)
    }
    pub fn cache_chain(
        &self,
        gen: u64,
        id: ItemId,
        c: std::sync::Arc<crate::domain::rules::Chain>,
    ) {
        self.cache.put_chain(gen, id, c);
    }

    /// A principal resolved earlier in this generation of the store.
    pub fn cached_principal(
        &self,
        login: &str,
    ) -> Option<std::sync::Arc<crate::domain::rules::Principal>> {
        self.cache.principal(self.at(), login)
    }
    /// Whether the read cache holds the place of item `id` (tests: what a
    /// change left cached).
    pub fn caches_node(&self, id: ItemId) -> bool {
        self.cache.node(None, id).is_some()
    }
    /// Empties the read cache (benchmarks of cold checks).
    pub fn forget_cache(&self) {
        self.cache.invalidate();
    }

    pub fn cache_generation(&self) -> u64 {
        self.put_gen()
    }

    /// The generation of the state this thread reads: on a store several
    /// processes write, a request reading an older or newer state (its
    /// snapshot) than the cache's neither reads nor fills it.
    fn at(&self) -> Option<u64> {
        self.kv.read_generation()
    }

    /// The cache generation a read fills the cache under (none when this
    /// thread's state is not the cache's).
    fn put_gen(&self) -> u64 {
        self.cache.token(self.at())
    }
    pub fn cache_principal(&self, gen: u64, p: crate::domain::rules::Principal) {
        self.cache.put_principal(gen, std::sync::Arc::new(p));
    }

    /// The grants on an item, shared.
    pub fn grants_shared(&self, id: ItemId) -> Result<std::sync::Arc<Vec<Grant>>> {
        if let Some(g) = self.cache.grants(self.at(), id) {
            return Ok(g);
        }
        let gen = self.put_gen();
        let g = std::sync::Arc::new(self.grants_on(id)?);
        self.cache.put_grants(gen, id, g.clone());
        Ok(g)
    }

    /// The ids down a path of names from `parent`, stopping at the first
    /// name not there: from the cache where it holds them, else (on a
    /// database) in one query, else a name at a time.
    pub fn ids_down(&self, parent: &Parent, names: &[String]) -> Result<Vec<ItemId>> {
        let mut ids = Vec::with_capacity(names.len());
        let mut at = parent.clone();
        // The levels the cache holds need no reading.
        let when = self.at();
        for n in names {
            match self.cache.child(when, &at, n) {
                Some(Some(id)) => {
                    ids.push(id);
                    at = Parent::Folder(id);
                }
                Some(None) => return Ok(ids),
                None => break,
            }
        }
        let rest = &names[ids.len()..];
        if rest.len() > 1 {
            let gen = self.put_gen();
            let steps: Vec<Vec<u8>> = rest.iter().map(|n| keys::child_suffix(n)).collect();
            if let Some(found) = self.kv.walk_children(
                &keys::children_prefix(&at),
                &keys::FOLDER_CHILDREN,
                &keys::child_kinds(),
                &steps,
            )? {
                for (n, id) in rest.iter().zip(&found) {
                    self.cache.put_child(gen, &at, n, Some(*id));
                    at = Parent::Folder(*id);
                }
                if let Some(missing) = rest.get(found.len()) {
                    self.cache.put_child(gen, &at, missing, None);
                }
                ids.extend(found);
                return Ok(ids);
            }
        }
        for n in rest {
            match self.child_id(&at, n)? {
                Some(id) => {
                    ids.push(id);
                    at = Parent::Folder(id);
                }
                None => break,
            }
        }
        Ok(ids)
    }

    /// The id of the child of `parent` named exactly `name`.
    pub fn child_id(&self, parent: &Parent, name: &str) -> Result<Option<ItemId>> {
        if let Some(c) = self.cache.child(self.at(), parent, name) {
            return Ok(c);
        }
        let gen = self.put_gen();
        // Every kind's key at once (a name is unique across kinds, R1).
        let asked: Vec<Vec<u8>> = ItemKind::ALL
            .iter()
            .map(|kind| keys::child(parent, *kind, name))
            .collect();
        let found = match self.kv.get_many(&asked)?.into_iter().flatten().next() {
            Some(v) => Some(self.decode::<ItemId>(&v, "child index")?),
            None => None,
        };
        self.cache.put_child(gen, parent, name, found);
        Ok(found)
    }

    /// Starts a change: holds the writer lock until it commits or is dropped,
    /// so reads made to validate it stay true until it is applied.
    /// Puts every write so far on disk (after a bulk load).
    pub fn sync(&self) -> Result<()> {
        self.kv.commit(&[], &[])
    }
    pub fn begin(&self) -> Result<Txn<'_>> {
        // A change planned (a dry run, an entry of `apply`, a change planned
        // under the writer lock) only reads: it takes no lock of its own.
        if planning() {
            return self.txn(None);
        }
        // A server's client that gave up or went away gets no change.
        crate::deadline::before_change()?;
        // Never wait for the writer lock holding a connection the writer
        // may need (shared engines keep a bounded number).
        self.kv.pause_reads();
        let guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        crate::deadline::before_change()?;
        // Shared engines: wait for other processes' changes, then read the
        // store as they left it (the cache too).
        if let Some(g) = self.kv.begin_write()? {
            // The change is decided on the state after every earlier change:
            // the cache serves it only if it holds that state.
            self.saw_generation(g);
        }
        self.txn(Some(guard))
    }

    /// A change, its counters read inside it: should these reads fail,
    /// dropping it ends it.
    fn txn<'s>(&'s self, guard: Option<MutexGuard<'s, ()>>) -> Result<Txn<'s>> {
        let mut t = Txn {
            store: self,
            _guard: guard,
            checks: Vec::new(),
            ops: Vec::new(),
            next_id: 0,
            next_seq: 0,
            ids_used: false,
            audits: Vec::new(),
            adopted: Vec::new(),
        };
        t.next_id = self.counter("next_id")?;
        t.next_seq = self.counter("next_seq")?;
        Ok(t)
    }
}

/// Brings the read cache of a store several processes write from the
/// generation it holds to `g`, one a thread of this process just read: it
/// forgets the keys the changes in between touched, from the engine's change
/// log ([`Kv::changes_since`]), or everything when the log cannot tell (it
/// no longer reaches back that far, a bulk load is in between, the read
/// failed). A `g` behind the cache's is an older snapshot's: nothing to do.
fn catch_up(kv: &dyn Kv, cache: &cache::Cache, g: u64) {
    let (from, era) = cache.store_generation();
    if g <= from {
        return;
    }
    let keys = kv.changes_since(from).ok().flatten();
    cache.advance(era, from, g, keys.as_deref());
}

/// See [`Store::consistent_reads`].
pub struct ReadGuard<'s>(&'s Store);

impl Drop for ReadGuard<'_> {
    fn drop(&mut self) {
        self.0.kv.end_read();
    }
}

/// A change planned on a view of the store and not made: its writes (its
/// audit entries among them) and those entries, to publish once committed.
#[derive(Debug, Default, Clone)]
pub struct Planned {
    pub ops: Vec<Op>,
    pub audits: Vec<AuditEntry>,
}

thread_local! {
    /// While set, commits on this thread record their writes here instead of
    /// making them (`--dry-run`, and the entries of `apply` planned one by one).
    static DRY_RUN: std::cell::RefCell<Option<Planned>> = const { std::cell::RefCell::new(None) };
}

/// A change is being planned on this thread: commits are recorded, not made.
pub(crate) fn planning() -> bool {
    DRY_RUN.with(|d| d.borrow().is_some())
}

/// Runs `f` with every commit on this thread recorded instead of made;
/// returns its result and the writes it would have made.
pub fn dry_run<T>(f: impl FnOnce() -> Result<T>) -> (Result<T>, Vec<Op>) {
    let (r, planned) = plan(f);
    (r, planned.ops)
}

/// Like [`dry_run`], with the audit entries the change would append. Plans
/// nest: one made inside another's is recorded apart from it.
pub fn plan<T>(f: impl FnOnce() -> Result<T>) -> (Result<T>, Planned) {
    let outer = DRY_RUN.with(|d| d.borrow_mut().replace(Planned::default()));
    let r = f();
    let planned = DRY_RUN.with(|d| std::mem::replace(&mut *d.borrow_mut(), outer));
    (r, planned.unwrap_or_default())
}

/// One atomic change: checks and writes gathered, then committed in one
/// transaction of the engine and flushed.
pub struct Txn<'s> {
    pub store: &'s Store,
    /// The writer lock (none while planning).
    _guard: Option<MutexGuard<'s, ()>>,
    checks: Vec<Check>,
    ops: Vec<Op>,
    next_id: u64,
    next_seq: u64,
    ids_used: bool,
    audits: Vec<AuditEntry>,
    /// Entries of a planned change adopted whole: already among the writes.
    adopted: Vec<AuditEntry>,
}

impl Drop for Txn<'_> {
    /// A change dropped without a commit (refused, or a dry run) ends here.
    fn drop(&mut self) {
        if self._guard.is_some() {
            self.store.kv.end_write();
        }
    }
}

impl<'s> Txn<'s> {
    pub fn put<T: Serialize>(&mut self, key: Vec<u8>, v: &T) {
        self.ops.push(Op::Put(key, encode(v)));
    }
    pub fn put_raw(&mut self, key: Vec<u8>, v: Vec<u8>) {
        self.ops.push(Op::Put(key, v));
    }
    pub fn del(&mut self, key: Vec<u8>) {
        self.ops.push(Op::Del(key));
    }
    pub fn require_absent(&mut self, key: Vec<u8>, msg: impl Into<String>) {
        self.checks.push(Check::Absent(key, msg.into()));
    }
    pub fn require_present(&mut self, key: Vec<u8>, msg: impl Into<String>) {
        self.checks.push(Check::Present(key, msg.into()));
    }
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
    pub fn alloc_id(&mut self) -> u64 {
        self.ids_used = true;
        let id = self.next_id;
        self.next_id += 1;
        id
    }
    /// Keeps ids above those of imported records.
    pub fn reserve_ids_above(&mut self, max: u64) {
        if self.next_id <= max {
            self.next_id = max + 1;
            self.ids_used = true;
        }
    }

    pub fn put_item(&mut self, it: &Item) {
        self.put(keys::item(it.id), it);
        self.put(keys::child(&Parent::of(it), it.kind, &it.name), &it.id);
    }
    /// Writes `new` in place of `old`, moving its name in the children index.
    pub fn replace_item(&mut self, old: &Item, new: &Item) {
        let (ok, nk) = (
            keys::child(&Parent::of(old), old.kind, &old.name),
            keys::child(&Parent::of(new), new.kind, &new.name),
        );
        if ok != nk {
            self.del(ok);
            self.put(nk, &new.id);
        }
        self.put(keys::item(new.id), new);
    }
    /// The last commit of a load removes its mark (see [`load`]).
    pub fn end_load(&mut self) {
        self.del(load::key());
    }
    pub fn del_item(&mut self, it: &Item) {
        self.del(keys::item(it.id));
        self.del(keys::child(&Parent::of(it), it.kind, &it.name));
    }
    /// R1, inside the transaction: the name must still be free under `parent`.
    pub fn require_free_name(&mut self, parent: &Parent, name: &str) {
        for kind in ItemKind::ALL {
            self.require_absent(
                keys::child(parent, *kind, name),
                format!("'{}' is already taken there (R1)", text::escape(name)),
            );
        }
    }
    pub fn put_grant(&mut self, g: &Grant) {
        self.put(keys::grant(g.item, &g.subject), g);
        self.put(keys::subject_grant(&g.subject, g.item), &());
    }
    pub fn del_grant(&mut self, item: ItemId, s: &Subject) {
        self.del(keys::grant(item, s));
        self.del(keys::subject_grant(s, item));
    }

    /// R32: one audit entry for the change; `seq` is assigned here.
    pub fn audit(&mut self, mut e: AuditEntry) {
        e.seq = self.next_seq;
        self.next_seq += 1;
        self.audits.push(e);
    }

    /// Makes a change planned on a view of this store (see [`plan`]) part
    /// of this one. The plan read the store as it was when `seq` was the
    /// next audit seq: if another change came since, nothing is adopted and
    /// the request is to be planned again (`again`).
    pub fn adopt(&mut self, planned: Planned, seq: u64) -> Result<()> {
        if self.next_seq != seq || !self.ops.is_empty() || !self.audits.is_empty() {
            return Err(Error::conflict(
                "the store changed while the change was planned; run it again",
            )
            .retry());
        }
        self.ops.extend(planned.ops);
        self.next_seq += planned.audits.len() as u64;
        self.adopted.extend(planned.audits);
        Ok(())
    }

    /// The seq the next audit entry of this change gets.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Applies the change atomically and durably.
    pub fn commit(self) -> Result<Vec<AuditEntry>> {
        self.finish(false)
    }

    /// Like `commit`, for bulk loads (gen, import into an empty store): no
    /// checks, not atomic, not flushed: the load ends with a `commit`.
    pub fn commit_bulk(self) -> Result<Vec<AuditEntry>> {
        self.finish(true)
    }

    fn finish(mut self, bulk: bool) -> Result<Vec<AuditEntry>> {
        if self.ids_used {
            let v = encode(&self.next_id);
            self.ops.push(Op::Put(keys::meta("next_id"), v));
        }
        let mut audits = std::mem::take(&mut self.audits);
        for e in &audits {
            self.put(keys::audit(e.seq), e);
            if let Some(item) = e.item {
                self.put(keys::audit_item(item, e.seq), &());
            }
        }
        if !audits.is_empty() {
            let v = encode(&self.next_seq);
            self.ops.push(Op::Put(keys::meta("next_seq"), v));
        }
        let mut adopted = std::mem::take(&mut self.adopted);
        adopted.append(&mut audits);
        let audits = adopted;
        if let Some(ops) =
            DRY_RUN.with(|d| d.borrow().is_some().then(|| std::mem::take(&mut self.ops)))
        {
            // A dry run: the change is recorded, not made.
            DRY_RUN.with(|d| {
                if let Some(p) = d.borrow_mut().as_mut() {
                    p.ops.extend(ops);
                    p.audits.extend(audits.iter().cloned());
                }
            });
            return Ok(audits);
        }
        if !bulk && self._guard.is_some() {
            // The last moment to leave it unmade for a client that is gone.
            crate::deadline::before_change()?;
        }
        let res = if bulk {
            self.store.kv.bulk(&self.ops)
        } else {
            self.store.kv.commit(&self.checks, &self.ops)
        };
        if res.is_err() || bulk {
            // A failed commit may have touched the engine (part of a bulk
            // load): start the cache over. So does a bulk load.
            self.store.cache.invalidate();
        } else {
            self.store.cache.forget(self.ops.iter().map(|op| match op {
                Op::Put(k, _) | Op::Del(k) => k,
            }));
        }
        res?;
        COMMITTED_HERE.with(|c| c.set(c.get() + 1));
        // Still under the writer lock: subscribers see changes in seq order,
        // others' (on a shared store) that came before this one first.
        if let (Some(_), Some(first)) = (&self.store.follower, audits.first()) {
            self.store.publish_others_before(first.seq);
        }
        self.store.feed.publish(&audits);
        Ok(audits)
    }
}

/// What a chain of ancestors needs of an item.
fn node_of(it: Item) -> cache::Node {
    cache::Node {
        id: it.id,
        kind: it.kind,
        name: it.name.as_str().into(),
        parent: it.parent,
        space: it.space,
    }
}

#[cfg(test)]
mod tests {
    use crate::app::App;
    use crate::domain::*;

    const TEAM: &str = "/Default Workspace/team";

    #[test]
    fn a_change_to_one_item_leaves_the_cached_places_of_others() {
        let app = App::in_memory();
        app.init("own").unwrap();
        let own = app.session("own").unwrap();
        own.user_add("bob", None, None).unwrap();
        let mk = |path: &str, kind| own.create(&format!("{TEAM}/{path}"), kind).unwrap();
        let a = mk("A", ItemKind::Folder);
        mk("A/x", ItemKind::App);
        let b = mk("B", ItemKind::Folder);
        mk("B/y", ItemKind::App);
        let view = |path: &str| {
            app.session("own")
                .unwrap()
                .check("bob", "view", &format!("{TEAM}/{path}"))
                .unwrap()
                .allowed
        };
        // Checks walk (and cache) the places of the items' ancestors.
        assert!(!view("A/x") && !view("B/y"));
        let st = app.store();
        assert!(st.caches_node(a.id) && st.caches_node(b.id));
        own.rename(&format!("{TEAM}/B"), "C").unwrap();
        assert!(st.caches_node(a.id), "A's place is still cached");
        assert!(!st.caches_node(b.id), "B's place is forgotten");
        own.share(&format!("{TEAM}/A"), "user:bob", "viewer", "")
            .unwrap();
        assert!(st.caches_node(a.id), "a grant leaves places cached");
        // And every read is of the changed store.
        assert!(view("A/x") && !view("C/y"));
        assert!(app
            .session("own")
            .unwrap()
            .resolve_str(&format!("{TEAM}/B/y"))
            .is_err());
        own.share(&format!("{TEAM}/C"), "user:bob", "viewer", "")
            .unwrap();
        assert!(view("C/y"));
    }
}
