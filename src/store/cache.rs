//! A read cache of the hierarchy: the few facts a permission check walks
//! (an item's parent, name, kind and space; a name's child; an item's grants).
//! Filled on demand, never by loading the whole store; a commit forgets only
//! what its keys can affect ([`Cache::forget`]), and so does a change another
//! process made to a shared store, read from the store's change log. A
//! generation counter, bumped by every forget, keeps a read that raced one
//! from being cached. Bounded so a long browse cannot grow it past a few
//! tens of MB.
//! Keys are ids and names from our own store: a fast non-keyed hash serves.

use rustc_hash::FxHashMap as HashMap;
use std::sync::{Arc, Mutex};

use super::keys::{self, Parent};
use crate::domain::*;

/// What a chain of ancestors needs of an item.
#[derive(Debug, Clone)]
pub struct Node {
    pub id: ItemId,
    pub kind: ItemKind,
    pub name: Arc<str>,
    pub parent: Option<ItemId>,
    pub space: SpaceRef,
}

/// Entries kept at most (each map), before the cache starts over.
const MAX_ENTRIES: usize = 50_000;

#[derive(Default)]
struct Maps {
    /// Bumped by every forget: a read begun before it is not cached.
    gen: u64,
    /// Stores several processes write: the store's generation the entries
    /// hold (reads of another generation's snapshot neither read nor fill
    /// them), and how many times the cache started over at a generation
    /// found otherwise than by following the change log (`era`).
    store_gen: u64,
    era: u64,
    nodes: HashMap<ItemId, Arc<Node>>,
    grants: HashMap<ItemId, Arc<Vec<Grant>>>,
    children: HashMap<Parent, HashMap<String, Option<ItemId>>>,
    children_len: usize,
    items: HashMap<ItemId, Arc<Item>>,
    workspaces: HashMap<WsId, Arc<Workspace>>,
    ws_names: HashMap<String, Option<WsId>>,
    principals: HashMap<String, Arc<crate::domain::rules::Principal>>,
    chains: HashMap<ItemId, Arc<crate::domain::rules::Chain>>,
}

impl Maps {
    fn serves(&self, at: Option<u64>) -> bool {
        at.is_none_or(|g| g == self.store_gen)
    }

    fn clear(&mut self) {
        self.gen += 1;
        self.nodes.clear();
        self.grants.clear();
        self.children.clear();
        self.children_len = 0;
        self.items.clear();
        self.workspaces.clear();
        self.ws_names.clear();
        self.principals.clear();
        self.chains.clear();
    }

    /// Forgets what a change to `key` can affect; `false` when that is
    /// everything (a key whose table it cannot tell apart).
    fn forget_key(&mut self, key: &[u8]) -> bool {
        let id = || -> Option<u64> { Some(u64::from_be_bytes(key.get(1..9)?.try_into().ok()?)) };
        let Some(&table) = key.first() else {
            return false;
        };
        match table {
            // An item: its record and node; every chain (a chain holds its
            // ancestors' names and places).
            keys::ITEM => {
                let Some(id) = id().filter(|_| key.len() == 9) else {
                    return false;
                };
                self.nodes.remove(&id);
                self.items.remove(&id);
                self.chains.clear();
            }
            // A name under a parent: that name's entry.
            keys::CHILD => match keys::parse_child(key) {
                Some((parent, _, name)) => {
                    if let Some(names) = self.children.get_mut(&parent) {
                        if names.remove(name).is_some() {
                            self.children_len = self.children_len.saturating_sub(1);
                        }
                        if names.is_empty() {
                            self.children.remove(&parent);
                        }
                    }
                }
                None => {
                    self.children.clear();
                    self.children_len = 0;
                }
            },
            // A grant: its item's grants; every chain (each holds its
            // links' grants).
            keys::GRANT => {
                let Some(id) = id() else {
                    return false;
                };
                self.grants.remove(&id);
                self.chains.clear();
            }
            // A workspace: its record; every chain (paths begin with its
            // name).
            keys::WORKSPACE => {
                let Some(id) = id().filter(|_| key.len() == 9) else {
                    return false;
                };
                self.workspaces.remove(&id);
                self.chains.clear();
            }
            keys::WS_NAME => match std::str::from_utf8(&key[1..]) {
                Ok(name) => {
                    self.ws_names.remove(name);
                }
                Err(_) => self.ws_names.clear(),
            },
            // What a principal is resolved from (a user, their groups, org
            // units and their parents, tenant, workspace roles): every
            // principal.
            keys::USER
            | keys::GROUP
            | keys::GROUP_MEMBER
            | keys::USER_GROUP
            | keys::ORG
            | keys::ORG_MEMBER
            | keys::USER_ORG
            | keys::TENANT
            | keys::ROLE
            | keys::USER_WS => self.principals.clear(),
            // The counters move with every commit and nothing cached reads
            // them; any other meta record (the account, the schema) may
            // change anything.
            keys::META => {
                let name = &key[1..];
                return name == b"next_id" || name == b"next_seq";
            }
            // Read by no cached entry.
            keys::ASSET
            | keys::SUBJECT_GRANT
            | keys::INTEG
            | keys::INTEG_USE
            | keys::AUDIT
            | keys::AUDIT_ITEM
            | keys::AUDIT_DETAIL
            | keys::AUDIT_ACCESS => {}
            _ => return false,
        }
        true
    }
}

#[derive(Default)]
pub struct Cache {
    maps: Mutex<Maps>,
}

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Maps> {
        self.maps.lock().unwrap_or_else(|e| e.into_inner())
    }
    /// The maps, when a reader at `at` may use them (see [`Cache::token`]).
    fn read(&self, at: Option<u64>) -> Option<std::sync::MutexGuard<'_, Maps>> {
        let m = self.lock();
        m.serves(at).then_some(m)
    }
    /// Empties the cache (a failed commit, a bulk load).
    pub fn invalidate(&self) {
        self.lock().clear();
    }
    /// Empties the cache, which holds the store's generation `g` from now
    /// on: the store was found at a generation the change log cannot lead
    /// to (the link to the database came back, perhaps to another server).
    pub fn reset(&self, g: u64) {
        let mut m = self.lock();
        m.clear();
        m.era += 1;
        m.store_gen = g;
    }
    /// Forgets whatever the given store keys can affect (a commit's, or
    /// another process's read from the change log).
    pub fn forget<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) {
        let mut m = self.lock();
        m.gen += 1;
        for k in keys {
            if !m.forget_key(k.as_ref()) {
                m.clear();
                return;
            }
        }
    }
    /// The store's generation the entries hold, and the cache's era.
    pub fn store_generation(&self) -> (u64, u64) {
        let m = self.lock();
        (m.store_gen, m.era)
    }
    /// Moves the cache from the store's generation `from` (read with
    /// `era` by [`Cache::store_generation`]) to `to`, forgetting `keys`:
    /// what the changes after `from` up to at least `to` touched (`None`:
    /// unknown, everything goes). Another thread may have moved it since:
    /// past `to`, there is nothing left to do; in another era, the keys
    /// may come from another log: everything goes.
    pub fn advance(&self, era: u64, from: u64, to: u64, keys: Option<&[Vec<u8>]>) {
        let mut m = self.lock();
        if m.era != era {
            m.clear();
            return;
        }
        if m.store_gen >= to {
            return;
        }
        match keys {
            // The keys cover (from, to] and the cache holds a generation
            // in [from, to): they cover what it lacks.
            Some(keys) if m.store_gen >= from => {
                m.gen += 1;
                if !keys.iter().all(|k| m.forget_key(k)) {
                    m.clear();
                }
            }
            _ => m.clear(),
        }
        m.store_gen = to;
    }
    /// The token a read fills the cache under: its generation when the
    /// state the reader sees (its snapshot's generation of the store, or
    /// `None`: the newest) is the cache's, else one no entry is put under.
    pub fn token(&self, at: Option<u64>) -> u64 {
        let m = self.lock();
        if m.serves(at) {
            m.gen
        } else {
            u64::MAX
        }
    }
    pub fn node(&self, at: Option<u64>, id: ItemId) -> Option<Arc<Node>> {
        self.read(at)?.nodes.get(&id).cloned()
    }
    pub fn put_node(&self, gen: u64, n: Arc<Node>) {
        let mut m = self.lock();
        if m.gen == gen {
            if m.nodes.len() >= MAX_ENTRIES {
                m.nodes.clear();
            }
            m.nodes.insert(n.id, n);
        }
    }
    pub fn grants(&self, at: Option<u64>, id: ItemId) -> Option<Arc<Vec<Grant>>> {
        self.read(at)?.grants.get(&id).cloned()
    }
    pub fn put_grants(&self, gen: u64, id: ItemId, g: Arc<Vec<Grant>>) {
        let mut m = self.lock();
        if m.gen == gen {
            if m.grants.len() >= MAX_ENTRIES {
                m.grants.clear();
            }
            m.grants.insert(id, g);
        }
    }
    pub fn child(&self, at: Option<u64>, p: &Parent, name: &str) -> Option<Option<ItemId>> {
        self.read(at)?
            .children
            .get(p)
            .and_then(|m| m.get(name))
            .copied()
    }
    pub fn put_child(&self, gen: u64, p: &Parent, name: &str, id: Option<ItemId>) {
        let mut m = self.lock();
        if m.gen == gen {
            if m.children_len >= MAX_ENTRIES {
                m.children.clear();
                m.children_len = 0;
            }
            m.children_len += 1;
            m.children
                .entry(p.clone())
                .or_default()
                .insert(name.to_string(), id);
        }
    }
    pub fn item(&self, at: Option<u64>, id: ItemId) -> Option<Arc<Item>> {
        self.read(at)?.items.get(&id).cloned()
    }
    pub fn put_item(&self, gen: u64, it: Arc<Item>) {
        let mut m = self.lock();
        if m.gen == gen {
            if m.items.len() >= MAX_ENTRIES / 4 {
                m.items.clear();
            }
            m.items.insert(it.id, it);
        }
    }
    pub fn workspace(&self, at: Option<u64>, id: WsId) -> Option<Arc<Workspace>> {
        self.read(at)?.workspaces.get(&id).cloned()
    }
    pub fn put_workspace(&self, gen: u64, w: Arc<Workspace>) {
        let mut m = self.lock();
        if m.gen == gen {
            m.workspaces.insert(w.id, w);
        }
    }
    pub fn ws_name(&self, at: Option<u64>, name: &str) -> Option<Option<WsId>> {
        self.read(at)?.ws_names.get(name).copied()
    }
    pub fn put_ws_name(&self, gen: u64, name: &str, id: Option<WsId>) {
        let mut m = self.lock();
        if m.gen == gen && m.ws_names.len() < 10_000 {
            m.ws_names.insert(name.to_string(), id);
        }
    }
    pub fn principal(
        &self,
        at: Option<u64>,
        login: &str,
    ) -> Option<Arc<crate::domain::rules::Principal>> {
        self.read(at)?.principals.get(login).cloned()
    }
    pub fn put_principal(&self, gen: u64, p: Arc<crate::domain::rules::Principal>) {
        let mut m = self.lock();
        if m.gen == gen {
            if m.principals.len() >= 50_000 {
                m.principals.clear();
            }
            m.principals.insert(p.login.clone(), p);
        }
    }
}

/// Chains kept at most: each holds its links' grants, so fewer than nodes.
const MAX_CHAINS: usize = 20_000;

impl Cache {
    pub fn chain(&self, at: Option<u64>, id: ItemId) -> Option<Arc<crate::domain::rules::Chain>> {
        self.read(at)?.chains.get(&id).cloned()
    }
    pub fn put_chain(&self, gen: u64, id: ItemId, c: Arc<crate::domain::rules::Chain>) {
        let mut m = self.lock();
        if m.gen == gen {
            if m.chains.len() >= MAX_CHAINS {
                m.chains.clear();
            }
            m.chains.insert(id, c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::{Chain, Link, LinkPath, Principal};

    const ALL: &[&str] = &[
        "node1", "node2", "item1", "item2", "grants1", "grants2", "child1/a", "child1/b",
        "child2/a", "root/a", "ws5", "ws6", "name:W", "name:X", "ann", "bob", "chain1", "chain2",
    ];

    fn item(id: ItemId) -> Item {
        Item {
            id,
            kind: ItemKind::Folder,
            name: format!("i{id}"),
            space: SpaceRef::team(5),
            parent: None,
            owner: "ann".into(),
            creator: "ann".into(),
            created: 0,
            modified: 0,
            description: String::new(),
            restricted: Default::default(),
            integrations: Default::default(),
        }
    }

    fn chain(id: ItemId) -> Arc<Chain> {
        Arc::new(Chain {
            space: SpaceRef::team(5),
            links: vec![Link {
                id,
                kind: ItemKind::Folder,
                path: LinkPath::new("/W/team/x".into(), 9),
                grants: Arc::new(Vec::new()),
            }],
        })
    }

    /// A cache with two of each entry.
    fn filled() -> Cache {
        let c = Cache::default();
        let g = c.token(None);
        for id in [1, 2] {
            let it = item(id);
            c.put_node(
                g,
                Arc::new(Node {
                    id,
                    kind: it.kind,
                    name: it.name.as_str().into(),
                    parent: None,
                    space: it.space.clone(),
                }),
            );
            c.put_item(g, Arc::new(it));
            c.put_grants(g, id, Arc::new(Vec::new()));
            c.put_chain(g, id, chain(id));
        }
        c.put_child(g, &Parent::Folder(1), "a", Some(3));
        c.put_child(g, &Parent::Folder(1), "b", None);
        c.put_child(g, &Parent::Folder(2), "a", Some(4));
        c.put_child(g, &Parent::Root(SpaceRef::team(5)), "a", Some(1));
        for id in [5, 6] {
            c.put_workspace(
                g,
                Arc::new(Workspace {
                    id,
                    name: format!("w{id}"),
                    created: 0,
                    resources: Default::default(),
                }),
            );
        }
        c.put_ws_name(g, "W", Some(5));
        c.put_ws_name(g, "X", None);
        for login in ["ann", "bob"] {
            c.put_principal(
                g,
                Arc::new(Principal {
                    login: login.into(),
                    ..Default::default()
                }),
            );
        }
        assert_eq!(present(&c), ALL);
        c
    }

    /// The entries the cache holds, by the names of [`ALL`].
    fn present(c: &Cache) -> Vec<&'static str> {
        let f1 = Parent::Folder(1);
        let f2 = Parent::Folder(2);
        let root = Parent::Root(SpaceRef::team(5));
        let has = [
            c.node(None, 1).is_some(),
            c.node(None, 2).is_some(),
            c.item(None, 1).is_some(),
            c.item(None, 2).is_some(),
            c.grants(None, 1).is_some(),
            c.grants(None, 2).is_some(),
            c.child(None, &f1, "a").is_some(),
            c.child(None, &f1, "b").is_some(),
            c.child(None, &f2, "a").is_some(),
            c.child(None, &root, "a").is_some(),
            c.workspace(None, 5).is_some(),
            c.workspace(None, 6).is_some(),
            c.ws_name(None, "W").is_some(),
            c.ws_name(None, "X").is_some(),
            c.principal(None, "ann").is_some(),
            c.principal(None, "bob").is_some(),
            c.chain(None, 1).is_some(),
            c.chain(None, 2).is_some(),
        ];
        ALL.iter()
            .zip(has)
            .filter(|(_, h)| *h)
            .map(|(n, _)| *n)
            .collect()
    }

    /// What is left after forgetting `key` in a full cache.
    fn left_after(key: Vec<u8>) -> Vec<&'static str> {
        let c = filled();
        c.forget([key]);
        present(&c)
    }

    fn all_but(gone: &[&str]) -> Vec<&'static str> {
        for g in gone {
            assert!(ALL.contains(g), "{g}");
        }
        ALL.iter().copied().filter(|n| !gone.contains(n)).collect()
    }

    #[test]
    fn an_item_evicts_its_node_and_record_and_every_chain() {
        assert_eq!(
            left_after(keys::item(1)),
            all_but(&["node1", "item1", "chain1", "chain2"])
        );
        // An item nothing cached yet: still every chain (one may hold it).
        assert_eq!(left_after(keys::item(9)), all_but(&["chain1", "chain2"]));
    }

    #[test]
    fn a_child_key_evicts_that_name_under_that_parent() {
        for kind in ItemKind::ALL {
            assert_eq!(
                left_after(keys::child(&Parent::Folder(1), *kind, "a")),
                all_but(&["child1/a"])
            );
            assert_eq!(
                left_after(keys::child(&Parent::Root(SpaceRef::team(5)), *kind, "a")),
                all_but(&["root/a"])
            );
        }
        // Another space's root, another name: nothing.
        assert_eq!(
            left_after(keys::child(
                &Parent::Root(SpaceRef::my(5, "ann")),
                ItemKind::App,
                "a"
            )),
            ALL
        );
        assert_eq!(
            left_after(keys::child(&Parent::Folder(1), ItemKind::App, "A")),
            ALL
        );
        // A child key it cannot read: every name.
        assert_eq!(
            left_after(vec![keys::CHILD, 7]),
            all_but(&["child1/a", "child1/b", "child2/a", "root/a"])
        );
    }

    #[test]
    fn a_grant_evicts_its_items_grants_and_every_chain() {
        let g = keys::grant(2, &Subject::Group("g".into()));
        assert_eq!(left_after(g), all_but(&["grants2", "chain1", "chain2"]));
        // The subject's index is read by no cached entry.
        let s = keys::subject_grant(&Subject::Group("g".into()), 2);
        assert_eq!(left_after(s), ALL);
    }

    #[test]
    fn a_workspace_evicts_its_record_and_every_chain_and_a_name_its_entry() {
        assert_eq!(
            left_after(keys::workspace(5)),
            all_but(&["ws5", "chain1", "chain2"])
        );
        assert_eq!(left_after(keys::ws_name("X")), all_but(&["name:X"]));
        assert_eq!(left_after(keys::ws_name("Y")), ALL);
    }

    #[test]
    fn people_and_memberships_evict_every_principal() {
        let principals = all_but(&["ann", "bob"]);
        for key in [
            keys::user("carl"),
            keys::group("g"),
            keys::pair(keys::GROUP_MEMBER, "g", "carl"),
            keys::pair(keys::USER_GROUP, "carl", "g"),
            keys::org("u"),
            keys::pair(keys::ORG_MEMBER, "u", "carl"),
            keys::pair(keys::USER_ORG, "carl", "u"),
            keys::tenant("t"),
            keys::role(5, "carl"),
            keys::user_ws("carl", 5),
        ] {
            assert_eq!(left_after(key.clone()), principals, "{key:?}");
        }
    }

    #[test]
    fn counters_and_uncached_tables_evict_nothing() {
        for key in [
            keys::meta("next_id"),
            keys::meta("next_seq"),
            keys::asset(1, AssetKind::ALL[0], "x"),
            keys::integ(5, "i"),
            keys::integ_use(5, "i", 1),
            keys::audit(7),
            keys::audit_item(1, 7),
        ] {
            assert_eq!(left_after(key.clone()), ALL, "{key:?}");
        }
    }

    #[test]
    fn other_meta_records_and_unknown_tables_evict_everything() {
        for key in [
            keys::meta("account"),
            keys::meta("schema"),
            keys::meta("next_idx"),
            vec![b'Z', 1],
            vec![],
            vec![keys::ITEM, 1],
        ] {
            assert_eq!(left_after(key.clone()), Vec::<&str>::new(), "{key:?}");
        }
    }

    #[test]
    fn a_read_that_raced_a_forget_is_not_cached() {
        let c = filled();
        let before = c.token(None);
        // Even a key that evicts nothing moves the generation.
        c.forget([keys::audit(1)]);
        c.put_item(before, Arc::new(item(9)));
        c.put_chain(before, 9, chain(9));
        assert!(c.item(None, 9).is_none() && c.chain(None, 9).is_none());
        c.put_item(c.token(None), Arc::new(item(9)));
        assert!(c.item(None, 9).is_some());
    }

    #[test]
    fn only_readers_of_the_caches_generation_of_the_store_use_it() {
        let c = filled();
        c.reset(10);
        let g = c.token(Some(10));
        c.put_item(g, Arc::new(item(1)));
        assert!(c.item(Some(10), 1).is_some() && c.item(None, 1).is_some());
        // A snapshot of another generation neither reads nor fills it.
        assert!(c.item(Some(9), 1).is_none() && c.item(Some(11), 1).is_none());
        assert_eq!(c.token(Some(11)), u64::MAX);
        c.put_item(c.token(Some(11)), Arc::new(item(2)));
        assert!(c.item(Some(10), 2).is_none());
    }

    #[test]
    fn advancing_forgets_the_logged_keys_or_everything() {
        let c = filled();
        c.reset(10);
        assert_eq!(present(&c), Vec::<&str>::new());
        let refill = |c: &Cache| {
            let g = c.token(None);
            c.put_item(g, Arc::new(item(1)));
            c.put_item(g, Arc::new(item(2)));
        };
        refill(&c);
        let (from, era) = c.store_generation();
        assert_eq!(from, 10);
        c.advance(era, 10, 12, Some(&[keys::item(2)]));
        assert_eq!(c.store_generation(), (12, era));
        assert_eq!(present(&c), vec!["item1"]);
        // Another thread got there first: nothing to do.
        c.advance(era, 10, 11, Some(&[keys::item(1)]));
        assert_eq!(present(&c), vec!["item1"]);
        assert_eq!(c.store_generation(), (12, era));
        // Keys from further back still cover what the cache lacks.
        c.advance(era, 11, 13, Some(&[keys::audit(1)]));
        assert_eq!((present(&c), c.store_generation().0), (vec!["item1"], 13));
        // Unknown: everything.
        c.advance(era, 13, 14, None);
        assert_eq!((present(&c), c.store_generation().0), (vec![], 14));
        // Started over in between (another server's log): everything, and
        // the generation stays the one it started over at.
        refill(&c);
        c.reset(20);
        refill(&c);
        c.advance(era, 14, 21, Some(&[]));
        assert_eq!(present(&c), Vec::<&str>::new());
        assert_eq!(c.store_generation(), (20, era + 1));
    }
}
