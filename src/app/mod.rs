//! The operations: each takes an actor and arguments, asks the rule table,
//! mutates the store in one atomic change and appends its audit entry.
//! The command line and the terminal UI are thin front ends over this.

mod account;
pub mod apply;
pub mod audit;
pub mod backup;
mod browse;
pub mod changes_file;
pub mod demo;
pub mod doctor;
pub mod entitlements;
pub mod expect;
pub mod gen;
pub mod grants;
mod items;
pub mod lookalike;
pub mod loss;
mod reach;
pub mod reads;
pub mod request;
mod resources;
pub mod review;
pub mod salvage;
mod scope;
mod sharing;
pub mod since;
mod stress;
pub mod transfer;
mod views;
mod whatif;

use std::cell::OnceCell;
use std::path::Path;

use crate::domain::path::{ItemPath, SpaceName};
use crate::domain::rules::{decide, Chain, Decision, Link, LinkPath, Principal, Seen, Target};
use crate::domain::*;
use crate::store::{Parent, Store, Txn};

pub use crate::store::kv::DbLink;
pub use audit::{At, AuditAction};
pub use browse::Allowance;
pub use reach::Reach;
pub use request::{Caller, Reply, Request};
pub use views::{Entry, ItemDetail, Listing, TreeNode};

pub struct App {
    store: Store,
}

impl App {
    /// After a bulk load (gen, import), once its `App` is dropped: opens the
    /// store once, so that sled's replay of the load's log at the next open
    /// (0.6-0.8 s on a million items, then a snapshot) is paid by the load,
    /// not by a user's first open. Best effort: the load is already on disk,
    /// and sled's own threads may hold its file lock a moment after the drop.
    pub fn settle_after_bulk_load(dir: &Path) {
        for _ in 0..100 {
            if matches!(App::open_unless_busy(dir), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    pub fn open(dir: &Path) -> Result<App> {
        Ok(App {
            store: Store::open(dir)?,
        })
    }
    /// Opens a PostgreSQL database as the store (a connection string).
    pub fn open_postgres(connection: &str) -> Result<App> {
        Ok(App {
            store: Store::open_postgres(connection)?,
        })
    }

    /// Opens the store in `dir`; `None` while another process holds it.
    pub fn open_unless_busy(dir: &Path) -> Result<Option<App>> {
        Ok(Store::open_unless_busy(dir)?.map(|store| App { store }))
    }

    /// The pid of the process holding the store in `dir` (`None`: the
    /// kernel does not tell).
    pub fn holder_of(dir: &Path) -> Option<u32> {
        crate::store::open::holder_pid(dir)
    }

    /// Refuses a store directory that does not exist (without creating it).
    pub fn require_existing(dir: &Path) -> Result<()> {
        crate::store::require_existing(dir)
    }

    /// Every audit entry committed from now on, in order (see `Store::subscribe`).
    pub fn subscribe(&self, capacity: usize) -> std::sync::mpsc::Receiver<AuditEntry> {
        self.store.subscribe(capacity)
    }

    /// The seq of the last committed audit entry (0 for none).
    pub fn last_seq(&self) -> u64 {
        self.store
            .kv()
            .last(&[crate::store::keys::AUDIT])
            .ok()
            .flatten()
            .and_then(|(_, v)| crate::store::codec::decode::<AuditEntry>(&v, "audit entry").ok())
            .map(|e| e.seq)
            .unwrap_or(0)
    }

    /// The account owner's login; `None` before `init`.
    pub fn account_owner(&self) -> Result<Option<String>> {
        Ok(self.store.account()?.map(|a| a.owner))
    }

    pub fn in_memory() -> App {
        App {
            store: Store::in_memory(),
        }
    }
    /// How the store is named in messages (a database: without credentials).
    pub fn label(&self) -> String {
        self.store().label()
    }

    /// The link to a database server (`None`: the store is in this process).
    pub fn link(&self) -> Option<DbLink> {
        self.store().link()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
    /// The store's directory (`None` in memory).
    pub fn dir(&self) -> Option<&Path> {
        self.store.dir()
    }
    pub fn is_initialized(&self) -> Result<bool> {
        Ok(self.store.account()?.is_some())
    }

    /// A request by `login`: the user is looked up and their groups, org
    /// units and roles resolved once (R10).
    pub fn session(&self, login: &str) -> Result<Session<'_>> {
        // SPEC §10 as the README states it: a malformed login is invalid
        // input and an unknown one not found, for the actor as for any argument.
        let login = names::validate_login(login)
            .map_err(|e| Error::invalid(format!("--as: {}", e.message)))?;
        // Another process may have changed a shared store since the last request.
        self.store.refresh()?;
        // A store a load left unfinished is refused, saying what to do.
        let account = self.store.complete_account()?;
        let actor = self.principal_of(&login, &account).map_err(|e| {
            if e.outcome == Outcome::NotFound {
                Error::not_found(format!(
                    "no user '{login}' in this store (set --as or TREEWARD_USER)"
                ))
            } else {
                e
            }
        })?;
        Ok(Session {
            app: self,
            account,
            actor,
            reach: OnceCell::new(),
            space_paths: Default::default(),
            unchanged: Default::default(),
        })
    }

    fn principal_of(&self, login: &str, account: &Account) -> Result<Principal> {
        Ok((*self.principal_shared(login, account)?).clone())
    }

    /// The principal of `login`, resolved once per generation of the store.
    fn principal_shared(
        &self,
        login: &str,
        account: &Account,
    ) -> Result<std::sync::Arc<Principal>> {
        if let Some(p) = self.store.cached_principal(login) {
            if p.is_account_owner == (account.owner == login) {
                return Ok(p);
            }
        }
        let gen = self.store.cache_generation();
        let p = self.resolve_principal(login, account)?;
        self.store.cache_principal(gen, p.clone());
        Ok(self
            .store
            .cached_principal(login)
            .unwrap_or_else(|| std::sync::Arc::new(p)))
    }

    fn resolve_principal(&self, login: &str, account: &Account) -> Result<Principal> {
        let st = &self.store;
        let user = st
            .user(login)?
            .ok_or_else(|| Error::not_found(format!("no user '{login}'")))?;
        let mut p = Principal {
            login: user.login.clone(),
            is_account_owner: account.owner == user.login,
            tenant: user.tenant.clone(),
            ..Default::default()
        };
        p.groups = st.user_groups(login)?.into_iter().collect();
        for unit in st.user_orgs(login)? {
            // R10: a grant to a unit covers its sub-units.
            let mut cur = Some(unit.clone());
            let mut guard = 0;
            while let Some(u) = cur {
                if p.orgs.contains_key(&u) || guard > 1000 {
                    break;
                }
                guard += 1;
                cur = st.org(&u)?.and_then(|o| o.parent);
                p.orgs.insert(u, unit.clone());
            }
        }
        for ws in st.user_workspaces(login)? {
            p.roles.insert(ws, st.roles(ws, login)?);
        }
        Ok(p)
    }
}

pub fn now() -> Timestamp {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A place in a space: a space root or an item.
#[derive(Debug, Clone)]
pub enum Loc {
    Root(SpaceRef),
    Item(Item),
}

/// A resolved location with what the rules need about it.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub loc: Loc,
    pub path: String,
    pub chain: Option<Chain>,
}

impl Resolved {
    pub fn space(&self) -> &SpaceRef {
        match &self.loc {
            Loc::Root(s) => s,
            Loc::Item(i) => &i.space,
        }
    }
    pub fn as_parent(&self) -> Parent {
        match &self.loc {
            Loc::Root(s) => Parent::Root(s.clone()),
            Loc::Item(i) => Parent::Folder(i.id),
        }
    }
    pub fn item(&self) -> Option<&Item> {
        match &self.loc {
            Loc::Item(i) => Some(i),
            Loc::Root(_) => None,
        }
    }
}

/// One request by one actor.
pub struct Session<'a> {
    app: &'a App,
    pub account: Account,
    pub actor: Principal,
    reach: OnceCell<Reach>,
    /// "/WS/team", "/WS/my/LOGIN" by space: every chain starts with one.
    space_paths: std::cell::RefCell<std::collections::HashMap<SpaceRef, String>>,
    /// Set by an operation whose result already held (README, "Repeats"):
    /// it wrote nothing, audited nothing, and its reply says "unchanged".
    unchanged: std::cell::RefCell<Option<String>>,
}

impl<'a> Session<'a> {
    pub fn store(&self) -> &'a Store {
        &self.app.store
    }
    pub fn app(&self) -> &'a App {
        self.app
    }
    pub fn login(&self) -> &str {
        &self.actor.login
    }
    pub fn is_owner(&self) -> bool {
        self.actor.is_account_owner
    }

    /// Notes that the request's result already held: nothing is written.
    pub(crate) fn unchanged(&self, why: impl Into<String>) {
        *self.unchanged.borrow_mut() = Some(why.into());
    }

    /// Why the last operation changed nothing, if it did not (cleared).
    pub fn take_unchanged(&self) -> Option<String> {
        self.unchanged.borrow_mut().take()
    }

    /// What the actor can see through grants (computed once per request).
    pub fn reach(&self) -> Result<&Reach> {
        if let Some(r) = self.reach.get() {
            return Ok(r);
        }
        let r = Reach::of(self.store(), &self.actor)?;
        Ok(self.reach.get_or_init(|| r))
    }

    /// The principal of another user, for `check`, `explain` and inspection.
    pub fn principal(&self, login: &str) -> Result<Principal> {
        let login = names::validate_login(login)?;
        self.app.principal_of(&login, &self.account)
    }

    /// Like [`Session::principal`], shared rather than copied.
    pub fn principal_shared(&self, login: &str) -> Result<std::sync::Arc<Principal>> {
        let login = names::validate_login(login)?;
        self.app.principal_shared(&login, &self.account)
    }

    // ---- resolution (R12) ----

    pub fn workspace_named(&self, name: &str) -> Result<Workspace> {
        let no_such = || self.no_such(lookalike::Kind::Workspace, name);
        let ws = self.store().workspace_by_name(name)?.ok_or_else(no_such)?;
        if !self.ws_seen(&ws)? {
            return Err(no_such());
        }
        Ok(ws)
    }

    /// A workspace is seen by its members, the account owner, and whoever sees an item in it.
    pub fn ws_seen(&self, ws: &Workspace) -> Result<bool> {
        Ok(self.actor.is_account_owner
            || self.actor.is_member(ws.id)
            || self.reach()?.spaces.iter().any(|s| s.ws == ws.id))
    }

    pub fn space_path(&self, space: &SpaceRef) -> Result<String> {
        if let Some(p) = self.space_paths.borrow().get(space) {
            return Ok(p.clone());
        }
        let ws = self
            .store()
            .workspace(space.ws)?
            .ok_or_else(|| Error::unavailable("a space's workspace is missing"))?;
        let p = match &space.kind {
            SpaceKind::Team => format!("/{}/team", ws.name),
            SpaceKind::My(l) => format!("/{}/my/{}", ws.name, l),
        };
        self.space_paths
            .borrow_mut()
            .insert(space.clone(), p.clone());
        Ok(p)
    }

    /// The chain of an item (R10): the item, then its ancestors, with their grants.
    pub fn chain_of(&self, item: &Item) -> Result<Chain> {
        let st = self.store();
        // Built earlier in this generation of the store, for this same place?
        if let Some(c) = st.cached_chain(item.id) {
            let same = c.space == item.space
                && c.item().kind == item.kind
                && c.links.get(1).map(|l| l.id) == item.parent
                && c.item()
                    .path
                    .strip_suffix(item.name.as_str())
                    .is_some_and(|p| p.ends_with('/'));
            if same {
                return Ok((*c).clone());
            }
        }
        let gen = st.cache_generation();
        // Walk up through the hierarchy cache: ids, names and kinds only.
        let mut ups: Vec<(ItemId, ItemKind, std::sync::Arc<str>)> =
            vec![(item.id, item.kind, item.name.as_str().into())];
        let mut cur = item.parent;
        while let Some(pid) = cur {
            if ups.len() > 10_000 {
                return Err(Error::unavailable(
                    "a folder chain loops; run `treeward doctor`",
                ));
            }
            let n = st.node(pid)?.ok_or_else(|| {
                Error::unavailable(format!("folder {pid} is missing; run `treeward doctor`"))
            })?;
            cur = n.parent;
            ups.push((n.id, n.kind, n.name.clone()));
        }
        // One string for the item's path; each link's path is a prefix of it.
        let mut path = self.space_path(&item.space)?;
        let mut ends = Vec::with_capacity(ups.len());
        for (_, _, name) in ups.iter().rev() {
            path.push('/');
            path.push_str(name);
            ends.push(path.len());
        }
        let full: std::sync::Arc<str> = path.into();
        let mut links = Vec::with_capacity(ups.len());
        for ((id, kind, _), end) in ups.iter().rev().zip(ends) {
            links.push(Link {
                id: *id,
                kind: *kind,
                path: LinkPath::new(full.clone(), end),
                grants: st.grants_shared(*id)?,
            });
        }
        links.reverse();
        let chain = Chain {
            space: item.space.clone(),
            links,
        };
        st.cache_chain(gen, item.id, std::sync::Arc::new(chain.clone()));
        Ok(chain)
    }

    /// The chain of a child given its parent's chain (listings: one read per child).
    pub fn child_chain(
        &self,
        parent: Option<&Chain>,
        space: &SpaceRef,
        space_path: &str,
        child: &Item,
    ) -> Result<Chain> {
        let path = match parent {
            Some(c) => format!("{}/{}", c.item().path, child.name),
            None => format!("{space_path}/{}", child.name),
        };
        let len = path.len();
        let mut links = vec![Link {
            id: child.id,
            kind: child.kind,
            path: LinkPath::new(path.into(), len),
            grants: self.store().grants_shared(child.id)?,
        }];
        if let Some(c) = parent {
            links.extend(c.links.iter().cloned());
        }
        Ok(Chain {
            space: space.clone(),
            links,
        })
    }

    pub fn path_of(&self, item: &Item) -> Result<String> {
        Ok(self.chain_of(item)?.item().path.to_string())
    }

    fn space_ref(&self, ws: &Workspace, s: &SpaceName) -> SpaceRef {
        match s {
            SpaceName::Team => SpaceRef::team(ws.id),
            SpaceName::My(l) => SpaceRef::my(ws.id, l),
        }
    }

    /// Resolves a path for `p` (the actor unless inspecting). An item or a
    /// space that `p` cannot see is *not found* (R12).
    pub fn resolve(&self, ip: &ItemPath) -> Result<Resolved> {
        let missing =
            || Error::not_found(format!("{} does not exist", text::escape(&ip.to_string())));
        let ws = self
            .store()
            .workspace_by_name(&ip.ws)?
            .ok_or_else(missing)?;
        let space = self.space_ref(&ws, &ip.space);
        let ids = self
            .store()
            .ids_down(&Parent::Root(space.clone()), &ip.names)?;
        if ids.len() < ip.names.len() {
            return Err(missing());
        }
        let found: Option<ItemId> = ids.last().copied();
        // The chain walked next: its places and grants in one read each.
        self.store().prefetch_chain(&ids)?;
        let found = match found {
            Some(id) => Some(self.store().item_required(id)?),
            None => None,
        };
        let r = match found {
            None => Resolved {
                loc: Loc::Root(space.clone()),
                path: ip.to_string(),
                chain: None,
            },
            Some(it) => {
                let chain = self.chain_of(&it)?;
                Resolved {
                    path: chain.item().path.to_string(),
                    loc: Loc::Item(it),
                    chain: Some(chain),
                }
            }
        };
        if let (SpaceName::My(l), None) = (&ip.space, &r.chain) {
            // A My Creations root exists for analysts only (R8, R9).
            if !self.store().roles(ws.id, l)?.has(Role::Analyst)
                && !self.store().has_children(&r.as_parent())?
            {
                return Err(missing());
            }
        }
        if self.decide(Action::View, &r)?.seen == Seen::Hidden {
            return Err(missing());
        }
        Ok(r)
    }

    pub fn resolve_str(&self, raw: &str) -> Result<Resolved> {
        self.resolve(&path::parse_in(raw)?)
    }

    pub fn resolve_item(&self, raw: &str) -> Result<(Item, Resolved)> {
        let r = self.resolve(&path::parse_item(raw)?)?;
        match &r.loc {
            Loc::Item(i) => Ok((i.clone(), r.clone())),
            Loc::Root(_) => Err(Error::invalid("a space root is not an item")),
        }
    }

    pub fn resolve_id(&self, id: ItemId) -> Result<Resolved> {
        let it = self
            .store()
            .item(id)?
            .ok_or_else(|| Error::not_found("the item no longer exists"))?;
        let chain = self.chain_of(&it)?;
        let r = Resolved {
            path: chain.item().path.to_string(),
            loc: Loc::Item(it),
            chain: Some(chain),
        };
        if self.decide(Action::View, &r)?.seen == Seen::Hidden {
            return Err(Error::not_found("the item no longer exists"));
        }
        Ok(r)
    }

    // ---- decisions ----

    /// The rule table, for the actor.
    pub fn decide(&self, action: Action, r: &Resolved) -> Result<Decision> {
        decide_lazily(&self.actor, action, r, || self.reach())
    }

    /// Asks the rule table and turns a refusal into the right outcome:
    /// *not found* when unseen (R12), *permission denied* otherwise.
    pub fn require(&self, action: Action, r: &Resolved) -> Result<Decision> {
        let d = self.decide(action, r)?;
        if d.seen == Seen::Hidden {
            return Err(Error::not_found(format!(
                "{} does not exist",
                text::escape(&r.path)
            )));
        }
        if !d.allowed {
            return Err(Error::denied(format!(
                "{} {}: {}",
                action,
                text::escape(&r.path),
                d.reason
            )));
        }
        Ok(d)
    }

    fn require_owner(&self, what: &str) -> Result<()> {
        if self.actor.is_account_owner {
            Ok(())
        } else {
            Err(Error::denied(format!("only the account owner {what} (R4)")))
        }
    }
}

/// The rule table for any principal with its reach.
/// The rule table, computing the principal's reach only when the answer
/// depends on it: what they see as a path (R11) matters only where no grant,
/// role or ownership lets them see the target itself.
pub fn decide_lazily<'r>(
    p: &Principal,
    action: Action,
    r: &Resolved,
    reach: impl FnOnce() -> Result<&'r Reach>,
) -> Result<Decision> {
    let d = decide_for(p, &Reach::default(), action, r);
    if d.seen != Seen::Hidden {
        return Ok(d);
    }
    Ok(decide_for(p, reach()?, action, r))
}

pub fn decide_for(p: &Principal, reach: &Reach, action: Action, r: &Resolved) -> Decision {
    match &r.chain {
        Some(chain) => decide(
            p,
            action,
            Target::Item {
                chain,
                visible_below: reach.path.contains(&chain.item().id),
            },
        ),
        None => {
            let space = r.space();
            decide(
                p,
                action,
                Target::Root {
                    space,
                    visible_inside: reach.spaces.contains(space),
                },
            )
        }
    }
}
