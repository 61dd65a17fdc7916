//! Access review: `who` can reach an item and through what, everything one
//! user can `access`, and what-if answers: who gains and who loses which level
//! on which items, before a change is made (`--dry-run`) or after it.
//! All of it asks the same decision function, and shows only what the actor
//! sees (R12, R14).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;

use super::*;
use crate::domain::rules::{Seen, Standing, Via};
use crate::store::{keys, Op};

#[derive(Debug, Clone, Serialize)]
pub struct WhoRow {
    pub login: String,
    pub name: String,
    pub level: String,
    /// Where it comes from: each contributing grant, or the role.
    pub via: Vec<WhoVia>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WhoVia {
    /// user, group, org, tenant, role
    pub kind: String,
    pub detail: String,
    /// The path of the item the grant sits on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct LevelChange {
    pub login: String,
    pub path: String,
    pub item: ItemId,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct WhatIf {
    pub changes: Vec<LevelChange>,
    pub summary: Vec<String>,
}

fn level_rank(w: &str) -> u8 {
    match w {
        "none" => 0,
        "path only" => 1,
        "tenant" => 2,
        "viewer" => 3,
        "editor" => 4,
        "manager" => 5,
        "member" => 3,
        "owner" | "admin" => 6,
        _ => 0,
    }
}

fn vias(d: &Decision, ws_name: &str) -> Vec<WhoVia> {
    match d.standing {
        Standing::Admin => vec![WhoVia {
            kind: "role".into(),
            detail: format!("Team Space admin of {ws_name} (R7)"),
            on: None,
        }],
        Standing::SpaceOwner => vec![WhoVia {
            kind: "role".into(),
            detail: "owner of this My Creations (R15)".into(),
            on: None,
        }],
        _ => d
            .grants
            .iter()
            .filter(|c| c.decisive)
            .map(|c| {
                let detail = match &c.via {
                    Via::User => format!("{} {}", c.subject, c.level),
                    Via::Group { .. } => format!("{} {}", c.subject, c.level),
                    Via::Org { unit, member_of } if unit == member_of => {
                        format!("{} {}", c.subject, c.level)
                    }
                    Via::Org { member_of, .. } => {
                        format!("{} {} (in {member_of})", c.subject, c.level)
                    }
                    Via::Tenant { .. } => format!("{} {}", c.subject, c.level),
                };
                WhoVia {
                    kind: c.via.kind().into(),
                    detail,
                    on: Some(c.on.to_string()),
                }
            })
            .collect(),
    }
}

impl Session<'_> {
    /// `who PATH`: every user who can view PATH, with level and source.
    /// Agrees with `check LOGIN view PATH` for every user.
    pub fn who(
        &self,
        raw: &str,
        level: Option<&str>,
        via: Option<&str>,
    ) -> Result<(String, Vec<WhoRow>)> {
        let ip = path::parse_in(raw)?;
        if let Some(v) = via {
            if !["user", "group", "org", "tenant", "role"].contains(&v) {
                return Err(Error::invalid(
                    "--via is one of user, group, org, tenant, role",
                ));
            }
        }
        if let Some(l) = level {
            if level_rank(l) == 0 && l != "none" {
                return Err(Error::invalid(
                    "--level is one of owner, admin, manager, editor, viewer, tenant, member",
                ));
            }
        }
        let r = self.resolve(&ip)?;
        let ws_name = self
            .store()
            .workspace(r.space().ws)?
            .map(|w| w.name)
            .unwrap_or_default();
        let mut rows = Vec::new();
        // Only users reached by a grant on the chain, or holding a role or the
        // space, can view it (R10, R15, R21): the others need no decision.
        let mut subjects = BTreeSet::new();
        if let Some(chain) = &r.chain {
            for l in &chain.links {
                subjects.extend(l.grants.iter().map(|g| g.subject.clone()));
            }
        }
        let mut spaces = BTreeSet::new();
        spaces.insert(r.space().clone());
        let mut candidates = candidates(self.store(), &subjects, &spaces)?;
        if r.chain.is_none() {
            // R11: a space root is visible to every member of its workspace
            // (Team Space) and to whoever sees an item in it, whatever grant
            // lets them: every user is a candidate (the model test checks it).
            candidates.extend(self.store().users()?.into_iter().map(|u| u.login));
        }
        for login in candidates {
            let Some(u) = self.store().user(&login)? else {
                continue;
            };
            let d = self.decide_as(&u.login, Action::View, &r)?;
            if !d.allowed {
                continue;
            }
            let row = WhoRow {
                level: d.level_word(),
                via: vias(&d, &ws_name),
                login: u.login,
                name: u.name,
            };
            if level.is_some_and(|l| l != row.level) {
                continue;
            }
            if via.is_some_and(|v| !row.via.iter().any(|x| x.kind == v)) {
                continue;
            }
            rows.push(row);
        }
        rows.sort_by(|a, b| {
            level_rank(&b.level)
                .cmp(&level_rank(&a.level))
                .then(a.login.cmp(&b.login))
        });
        Ok((r.path, rows))
    }

    /// `access LOGIN [--workspace WS]`: what LOGIN can view, as a tree, limited
    /// to what the actor sees (R12, R14).
    pub fn access(&self, login: &str, ws: Option<&str>) -> Result<Vec<TreeNode>> {
        let login = names::validate_login(login)?;
        if self.store().user(&login)?.is_none() {
            return Err(Error::not_found(format!("no user '{login}'")));
        }
        if let Some(w) = ws {
            self.workspace_named(&names::validate_name(w, "workspace")?)?;
        }
        let them = self.app().session(&login)?;
        let root = ws.map(|w| format!("/{}", w.trim()));
        let trees = match them.tree(root.as_deref()) {
            Ok(t) => t,
            Err(e) if e.outcome == Outcome::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(trees
            .into_iter()
            .filter_map(|n| self.keep_seen(n))
            .collect())
    }

    /// Drops from another user's tree what the actor does not see.
    fn keep_seen(&self, mut n: TreeNode) -> Option<TreeNode> {
        if let Some(id) = n.entry.id {
            if self.resolve_id(id).is_err() {
                return None;
            }
        } else if n.entry.kind == "space" && self.resolve_str(&n.entry.path).is_err() {
            return None;
        } else if n.entry.kind == "workspace" {
            let name = n.entry.path.trim_start_matches('/');
            if self.workspace_named(name).is_err() {
                return None;
            }
        }
        n.children = n
            .children
            .into_iter()
            .filter_map(|c| self.keep_seen(c))
            .collect();
        Some(n)
    }
}

/// What a change can affect: the items below these roots (or whole spaces),
/// for these users (None: everyone).
#[derive(Default)]
struct Scope {
    items: BTreeSet<ItemId>,
    spaces: BTreeSet<SpaceRef>,
    users: Option<BTreeSet<String>>,
}

impl Scope {
    fn add_users(&mut self, us: impl IntoIterator<Item = String>) {
        self.users.get_or_insert_with(BTreeSet::new).extend(us);
    }
}

fn scope_of(st: &Store, ops: &[Op]) -> Result<Scope> {
    let mut sc = Scope::default();
    let mut everyone = false;
    for op in ops {
        let k = match op {
            Op::Put(k, _) | Op::Del(k) => k,
        };
        let Some((&table, rest)) = k.split_first() else {
            continue;
        };
        match table {
            keys::ITEM if rest.len() == 8 => {
                sc.items.insert(keys::tail_u64(k));
                everyone = true;
            }
            keys::GRANT if rest.len() > 8 => {
                sc.items
                    .insert(u64::from_be_bytes(rest[..8].try_into().unwrap_or_default()));
                everyone = true;
            }
            keys::ROLE if rest.len() > 8 => {
                let ws = u64::from_be_bytes(rest[..8].try_into().unwrap_or_default());
                let login = String::from_utf8_lossy(&rest[8..]).into_owned();
                sc.spaces.insert(SpaceRef::team(ws));
                sc.spaces.insert(SpaceRef::my(ws, &login));
                sc.add_users([login]);
            }
            keys::GROUP_MEMBER | keys::ORG_MEMBER => {
                let s = String::from_utf8_lossy(rest);
                if let Some((name, login)) = s.split_once('\0') {
                    let subjects = if table == keys::GROUP_MEMBER {
                        vec![Subject::Group(name.to_string())]
                    } else {
                        let mut v = Vec::new();
                        let mut cur = Some(name.to_string());
                        while let Some(u) = cur {
                            cur = st.org(&u)?.and_then(|o| o.parent);
                            v.push(Subject::Org(u));
                            if v.len() > 1000 {
                                break;
                            }
                        }
                        v
                    };
                    for s in subjects {
                        sc.items.extend(st.granted_items(&s)?);
                    }
                    sc.add_users([login.to_string()]);
                }
            }
            keys::GROUP | keys::ORG => {
                let name = String::from_utf8_lossy(rest).into_owned();
                let (s, members) = if table == keys::GROUP {
                    (Subject::Group(name.clone()), st.group_members(&name)?)
                } else {
                    (Subject::Org(name.clone()), st.org_members(&name)?)
                };
                sc.items.extend(st.granted_items(&s)?);
                sc.add_users(members);
            }
            _ => {}
        }
    }
    if everyone {
        sc.users = None;
    }
    Ok(sc)
}

/// The users a set of grant subjects reaches, with the admins (and the
/// account owner) of the workspaces of `spaces` and the owners of its My Creations.
fn candidates(
    st: &Store,
    subjects: &BTreeSet<Subject>,
    spaces: &BTreeSet<SpaceRef>,
) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut units: BTreeSet<String> = BTreeSet::new();
    let mut tenants: BTreeSet<&str> = BTreeSet::new();
    for s in subjects {
        match s {
            Subject::User(l) => {
                out.insert(l.clone());
            }
            Subject::Group(g) => out.extend(st.group_members(g)?),
            Subject::Org(u) => {
                units.insert(u.clone());
            }
            Subject::Tenant(t) => {
                tenants.insert(t);
            }
        }
    }
    if !units.is_empty() {
        // A grant to a unit covers its sub-units (R10).
        let orgs = st.orgs()?;
        let mut grew = true;
        while grew {
            grew = false;
            for o in &orgs {
                if o.parent.as_ref().is_some_and(|p| units.contains(p))
                    && units.insert(o.name.clone())
                {
                    grew = true;
                }
            }
        }
        for u in &units {
            out.extend(st.org_members(u)?);
        }
    }
    if !tenants.is_empty() {
        for u in st.users()? {
            if u.tenant.as_deref().is_some_and(|t| tenants.contains(t)) {
                out.insert(u.login);
            }
        }
    }
    if let Some(a) = st.account()? {
        out.insert(a.owner);
    }
    let mut seen_ws = BTreeSet::new();
    for s in spaces {
        if let Some(o) = s.my_owner() {
            out.insert(o.to_string());
        }
        if seen_ws.insert(s.ws) {
            for (login, roles) in st.members(s.ws)? {
                if roles.is_admin() {
                    out.insert(login);
                }
            }
        }
    }
    Ok(out)
}

/// Every item at or below the scope's roots, in one state of the store.
fn items_in_scope(st: &Store, sc: &Scope, out: &mut BTreeSet<ItemId>) -> Result<()> {
    let mut stack: Vec<Parent> = Vec::new();
    for id in &sc.items {
        let Some(it) = st.item(*id)? else { continue };
        if out.insert(*id) {
            stack.push(Parent::Folder(*id));
        }
        // Its folders may become (or stop being) the path to it (R11).
        let mut cur = it.parent;
        while let Some(p) = cur {
            out.insert(p);
            cur = st.node(p)?.and_then(|n| n.parent);
        }
    }
    for s in &sc.spaces {
        stack.push(Parent::Root(s.clone()));
    }
    while let Some(p) = stack.pop() {
        for c in st.children(&p)? {
            if out.insert(c.id) && c.kind == ItemKind::Folder {
                stack.push(Parent::Folder(c.id));
            }
        }
    }
    Ok(())
}

/// The level words a decision can give, by a small code (what-if tables
/// hold millions of them).
const WORDS: &[&str] = &[
    "none",
    "path only",
    "tenant",
    "viewer",
    "editor",
    "manager",
    "member",
    "owner",
    "admin",
];

fn word_code(w: &str) -> u8 {
    WORDS.iter().position(|x| *x == w).unwrap_or(0) as u8
}

/// Each candidate's level on each item, in one state of the store.
struct Levels {
    paths: std::collections::HashMap<ItemId, String>,
    space_of: std::collections::HashMap<ItemId, SpaceRef>,
    /// Per login: a standing that holds for a whole space (admin, owner), and per-item levels.
    users: Vec<(
        std::collections::HashMap<SpaceRef, u8>,
        std::collections::HashMap<ItemId, u8>,
    )>,
}

impl Levels {
    fn get(&self, user: usize, id: ItemId) -> u8 {
        let (whole, items) = &self.users[user];
        if let Some(w) = items.get(&id) {
            return *w;
        }
        self.space_of
            .get(&id)
            .and_then(|s| whole.get(s))
            .copied()
            .unwrap_or(0)
    }
}

/// The affected items of one state of the store, resolved once: their paths,
/// spaces and chains (with the grants on every link).
struct Prepared {
    paths: std::collections::HashMap<ItemId, String>,
    space_of: std::collections::HashMap<ItemId, SpaceRef>,
    resolved: Vec<Resolved>,
}

fn prepare(app: &App, items: &BTreeSet<ItemId>) -> Result<Prepared> {
    let mut out = Prepared {
        paths: Default::default(),
        space_of: Default::default(),
        resolved: Vec::new(),
    };
    let Some(account) = app.store.account()? else {
        return Ok(out);
    };
    let base = app.session(&account.owner)?;
    for id in items {
        let Some(it) = app.store.item(*id)? else {
            continue;
        };
        let chain = base.chain_of(&it)?;
        out.paths.insert(*id, chain.item().path.to_string());
        out.space_of.insert(*id, it.space.clone());
        out.resolved.push(Resolved {
            path: String::new(),
            loc: Loc::Item(it),
            chain: Some(chain),
        });
    }
    Ok(out)
}

impl Prepared {
    /// Every subject granted on an affected item or one of its folders.
    fn subjects(&self, into: &mut BTreeSet<Subject>) {
        for r in &self.resolved {
            for l in r.chain.iter().flat_map(|c| c.links.iter()) {
                into.extend(l.grants.iter().map(|g| g.subject.clone()));
            }
        }
    }
}

fn levels(app: &App, logins: &[String], prep: Prepared) -> Result<Levels> {
    let Prepared {
        paths,
        space_of,
        resolved,
    } = prep;
    let mut out = Levels {
        paths,
        space_of,
        users: Vec::new(),
    };
    let Some(account) = app.store.account()? else {
        return Ok(out);
    };
    for login in logins {
        let mut whole: std::collections::HashMap<SpaceRef, u8> = Default::default();
        let mut per_item: std::collections::HashMap<ItemId, u8> = Default::default();
        if let Ok(p) = app.principal_of(login, &account) {
            let reach = std::cell::OnceCell::new();
            for r in &resolved {
                // An admin's or a space owner's standing holds for every item of
                // the space (R7, R15, R21): one decision answers for the rest.
                if whole.contains_key(r.space()) {
                    continue;
                }
                let d = decide_lazily(&p, Action::View, r, || {
                    if reach.get().is_none() {
                        let _ = reach.set(Reach::of(&app.store, &p)?);
                    }
                    Ok(reach.get().expect("set above"))
                })?;
                let code = if d.seen == Seen::Hidden {
                    0
                } else {
                    word_code(&d.level_word())
                };
                if matches!(d.standing, Standing::Admin | Standing::SpaceOwner) {
                    whole.insert(r.space().clone(), code);
                } else if code != 0 {
                    per_item.insert(r.item().map(|i| i.id).unwrap_or_default(), code);
                }
            }
        }
        out.users.push((whole, per_item));
    }
    Ok(out)
}

impl App {
    /// Runs `op` as `login` and reports who gains and who loses which level on
    /// which items. With `dry_run`, nothing changes: the answer is computed on
    /// a view of the store with the change laid over it.
    pub fn with_access_report<T>(
        &self,
        login: &str,
        dry_run: bool,
        op: impl Fn(&Session<'_>) -> Result<T>,
    ) -> Result<(T, WhatIf)> {
        let (first, ops) = {
            let s = self.session(login)?;
            crate::store::dry_run(|| op(&s))
        };
        let first = first?;
        // The store as the change would leave it: what the scope is read from,
        // and (dry run) what the answer is computed on.
        let planned = App {
            store: self.store.overlay(&ops),
        };
        let live_after = App {
            store: self.store.overlay(&[]),
        };
        let after_app: &App = if dry_run { &planned } else { &live_after };
        let sc = scope_of(&self.store, &ops)?;
        let mut items = BTreeSet::new();
        items_in_scope(&self.store, &sc, &mut items)?;
        items_in_scope(&planned.store, &sc, &mut items)?;
        let before_prep = prepare(self, &items)?;
        let after_prep_planned = prepare(&planned, &items)?;
        let after_prep = &after_prep_planned;
        let logins: Vec<String> = match &sc.users {
            Some(u) => u.iter().cloned().collect(),
            None => {
                // Only users reached by a grant on an affected item or its
                // folders, or holding a role or the space, can change (R10).
                let mut subjects = BTreeSet::new();
                before_prep.subjects(&mut subjects);
                after_prep.subjects(&mut subjects);
                let spaces: BTreeSet<SpaceRef> = before_prep
                    .space_of
                    .values()
                    .chain(after_prep.space_of.values())
                    .cloned()
                    .collect();
                candidates(&self.store, &subjects, &spaces)?
                    .into_iter()
                    .collect()
            }
        };
        // The actor is evaluated too: what they see of the answer is what they
        // see before or after the change (R12, R14).
        let mut logins = logins;
        if !logins.iter().any(|l| l == login) {
            logins.push(login.to_string());
        }
        let before = levels(self, &logins, before_prep)?;
        let result = if dry_run {
            first
        } else {
            let s = self.session(login)?;
            op(&s)?
        };
        let after_prep = if dry_run {
            after_prep_planned
        } else {
            prepare(after_app, &items)?
        };
        let after = levels(after_app, &logins, after_prep)?;
        let me = logins.iter().position(|l| l == login).unwrap_or(0);
        let mut changes = Vec::new();
        // Items that change space (R24, R25) or exist in one state only.
        let moved: BTreeSet<ItemId> = items
            .iter()
            .copied()
            .filter(|id| before.space_of.get(id) != after.space_of.get(id))
            .collect();
        for (u, who) in logins.iter().enumerate() {
            // Only items with a level of their own in either state, or in a
            // space whose whole-space standing differs, can differ.
            let (bw, bi) = &before.users[u];
            let (aw, ai) = &after.users[u];
            let whole_differs = bw != aw;
            let mut ids: BTreeSet<ItemId> = bi
                .keys()
                .chain(ai.keys())
                .chain(moved.iter())
                .copied()
                .collect();
            if whole_differs {
                ids.extend(items.iter().copied());
            }
            for id in &ids {
                let (b, a) = (before.get(u, *id), after.get(u, *id));
                if a == b {
                    continue;
                }
                // What the actor may see of the answer: items they see before or after (R12, R14).
                if before.get(me, *id) == 0 && after.get(me, *id) == 0 {
                    continue;
                }
                let path = after
                    .paths
                    .get(id)
                    .or_else(|| before.paths.get(id))
                    .cloned()
                    .unwrap_or_default();
                changes.push(LevelChange {
                    login: who.clone(),
                    item: *id,
                    path,
                    before: WORDS[b as usize].to_string(),
                    after: WORDS[a as usize].to_string(),
                });
            }
        }
        let summary = summarize(&changes);
        Ok((result, WhatIf { changes, summary }))
    }
}

/// "12 users lose viewer on 340 items below /Plant Ops/team/Line 3".
fn summarize(changes: &[LevelChange]) -> Vec<String> {
    let mut groups: BTreeMap<(String, String), (BTreeSet<&str>, Vec<&str>)> = BTreeMap::new();
    for c in changes {
        let g = groups
            .entry((c.before.clone(), c.after.clone()))
            .or_default();
        g.0.insert(&c.login);
        g.1.push(&c.path);
    }
    let mut out = Vec::new();
    for ((b, a), (users, paths)) in groups {
        let distinct: HashSet<&str> = paths.iter().copied().collect();
        let mut common = common_prefix(&distinct.iter().copied().collect::<Vec<_>>());
        if distinct.len() == 1 {
            common = distinct
                .iter()
                .next()
                .map(|s| s.to_string())
                .unwrap_or_default();
        }
        let verb = match (level_rank(&b), level_rank(&a)) {
            (rb, ra) if rb <= 1 && ra > 1 => format!("gain {a}"),
            (rb, ra) if ra <= 1 && rb > 1 => format!(
                "lose {b}{}",
                if a == "path only" {
                    " (path only remains)"
                } else {
                    ""
                }
            ),
            _ => format!("go from {b} to {a}"),
        };
        let who: Vec<&str> = users.iter().copied().take(5).collect();
        let more = if users.len() > 5 {
            format!(", +{}", users.len() - 5)
        } else {
            String::new()
        };
        let place = if distinct.len() == 1 {
            format!("on {}", text::escape(&common))
        } else {
            format!(
                "on {} items below {}",
                distinct.len(),
                text::escape(&common)
            )
        };
        out.push(format!(
            "{} user(s) {verb} {place} ({}{more})",
            users.len(),
            who.join(", ")
        ));
    }
    if out.is_empty() {
        out.push("nobody's access changes".into());
    }
    out
}

fn common_prefix(paths: &[&str]) -> String {
    let Some(first) = paths.first() else {
        return String::new();
    };
    let mut segs: Vec<&str> = first.split('/').collect();
    for p in &paths[1..] {
        let other: Vec<&str> = p.split('/').collect();
        let n = segs.iter().zip(&other).take_while(|(a, b)| a == b).count();
        segs.truncate(n);
    }
    let s = segs.join("/");
    if s.is_empty() {
        "/".into()
    } else {
        s
    }
}
