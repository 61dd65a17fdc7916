//! A read cache of the hierarchy: the few facts a permission check walks
//! (an item's parent, name, kind and space; a name's child; an item's grants).
//! Filled on demand, never by loading the whole store; emptied by every
//! commit (a generation counter keeps a read that raced a commit from being
//! cached), and bounded so a long browse cannot grow it past a few tens of MB.
//! Keys are ids and names from our own store: a fast non-keyed hash serves.

use rustc_hash::FxHashMap as HashMap;
use std::sync::{Arc, Mutex};

use super::keys::Parent;
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
    gen: u64,
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

#[derive(Default)]
pub struct Cache {
    maps: Mutex<Maps>,
}

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Maps> {
        self.maps.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn generation(&self) -> u64 {
        self.lock().gen
    }
    /// Called after every commit.
    pub fn invalidate(&self) {
        let mut m = self.lock();
        m.gen += 1;
        m.nodes.clear();
        m.grants.clear();
        m.children.clear();
        m.children_len = 0;
        m.items.clear();
        m.workspaces.clear();
        m.ws_names.clear();
        m.principals.clear();
        m.chains.clear();
    }
    pub fn node(&self, id: ItemId) -> Option<Arc<Node>> {
        self.lock().nodes.get(&id).cloned()
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
    pub fn grants(&self, id: ItemId) -> Option<Arc<Vec<Grant>>> {
        self.lock().grants.get(&id).cloned()
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
    pub fn child(&self, p: &Parent, name: &str) -> Option<Option<ItemId>> {
        self.lock()
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
    pub fn item(&self, id: ItemId) -> Option<Arc<Item>> {
        self.lock().items.get(&id).cloned()
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
    pub fn workspace(&self, id: WsId) -> Option<Arc<Workspace>> {
        self.lock().workspaces.get(&id).cloned()
    }
    pub fn put_workspace(&self, gen: u64, w: Arc<Workspace>) {
        let mut m = self.lock();
        if m.gen == gen {
            m.workspaces.insert(w.id, w);
        }
    }
    pub fn ws_name(&self, name: &str) -> Option<Option<WsId>> {
        self.lock().ws_names.get(name).copied()
    }
    pub fn put_ws_name(&self, gen: u64, name: &str, id: Option<WsId>) {
        let mut m = self.lock();
        if m.gen == gen && m.ws_names.len() < 10_000 {
            m.ws_names.insert(name.to_string(), id);
        }
    }
    pub fn principal(&self, login: &str) -> Option<Arc<crate::domain::rules::Principal>> {
        self.lock().principals.get(login).cloned()
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
    pub fn chain(&self, id: ItemId) -> Option<Arc<crate::domain::rules::Chain>> {
        self.lock().chains.get(&id).cloned()
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
