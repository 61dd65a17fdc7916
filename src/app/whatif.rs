//! The what-if engine: every candidate's view level on every affected item,
//! in one state of the store, without deciding each (user, item) pair.
//!
//! A view decision depends on the user only through which grant subjects
//! reach them (R10, R26), whether they administer the workspace (R7) or own
//! the My Creations (R15), whether they are a tenant user, and whether they
//! see something below the item (R11). Users alike in all of that form a
//! *class*: the rule table is asked once per class and per distinct (best
//! level reaching the item, item kind, space, path below), and that best
//! level is carried down the tree instead of rebuilding each item's chain.
//! Ancestors whose subtree reaches outside the scope (the old and new parents
//! of a moved folder) may be path only through grants elsewhere: those few
//! are settled per user from the subjects granted below them.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::reach::Reach;
use super::*;
use crate::domain::rules::Seen;

const NONE: u32 = u32::MAX;

/// Values numbered in the order first seen (spaces, grant subjects): the
/// engine's tables hold the numbers.
pub(super) struct Interner<T> {
    pub all: Vec<T>,
    index: HashMap<T, u32>,
}

impl<T: Clone + Eq + std::hash::Hash> Interner<T> {
    fn new() -> Self {
        Interner {
            all: Vec::new(),
            index: HashMap::new(),
        }
    }
    fn id(&mut self, t: &T) -> u32 {
        if let Some(i) = self.index.get(t) {
            return *i;
        }
        let i = self.all.len() as u32;
        self.all.push(t.clone());
        self.index.insert(t.clone(), i);
        i
    }
    fn get(&self, t: &T) -> Option<u32> {
        self.index.get(t).copied()
    }
}

impl<T> std::ops::Index<u32> for Interner<T> {
    type Output = T;
    fn index(&self, i: u32) -> &T {
        &self.all[i as usize]
    }
}

/// The items a change can affect (both states), and what is interned across
/// the two states: spaces and grant subjects.
pub(super) struct Universe {
    pub ids: Vec<ItemId>,
    index: HashMap<ItemId, u32>,
    pub spaces: Interner<SpaceRef>,
    pub subjects: Interner<Subject>,
}

impl Universe {
    pub fn new(ids: &BTreeSet<ItemId>) -> Universe {
        let ids: Vec<ItemId> = ids.iter().copied().collect();
        let index = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i as u32))
            .collect();
        Universe {
            ids,
            index,
            spaces: Interner::new(),
            subjects: Interner::new(),
        }
    }
    pub fn len(&self) -> usize {
        self.ids.len()
    }
}

/// An item's place, as a walk over the children index finds it.
struct Lite {
    parent: Option<ItemId>,
    kind: ItemKind,
    space: u32,
    name: Arc<str>,
}

/// The items at or below a change's items and spaces, with the folders above
/// them, in one state of the store.
pub(super) struct Scan {
    nodes: HashMap<ItemId, Lite>,
    spaces: Interner<SpaceRef>,
}

impl Scan {
    pub fn of(st: &Store, roots: &BTreeSet<ItemId>, spaces: &BTreeSet<SpaceRef>) -> Result<Scan> {
        let mut sc = Scan {
            nodes: HashMap::new(),
            spaces: Interner::new(),
        };
        let mut stack: Vec<(Parent, u32)> = Vec::new();
        // Folders walked down from: an ancestor noted on the way up from
        // another root is still walked down when a root holds it.
        let mut walked: std::collections::HashSet<ItemId> = Default::default();
        for id in roots {
            let Some(n) = st.node(*id)? else { continue };
            let sp = sc.spaces.id(&n.space);
            sc.put(&n, sp);
            if walked.insert(*id) {
                stack.push((Parent::Folder(*id), sp));
            }
            // Its folders may become (or stop being) the path to it (R11).
            let mut cur = n.parent;
            let mut steps = 0;
            while let Some(p) = cur {
                let Some(pn) = st.node(p)? else { break };
                steps += 1;
                if steps > 10_000 {
                    break;
                }
                cur = pn.parent;
                if !sc.nodes.contains_key(&p) {
                    sc.put(&pn, sp);
                }
            }
        }
        for s in spaces {
            let sp = sc.spaces.id(s);
            stack.push((Parent::Root(s.clone()), sp));
        }
        while let Some((p, sp)) = stack.pop() {
            let parent = match p {
                Parent::Folder(id) => Some(id),
                Parent::Root(_) => None,
            };
            for (id, kind, name) in st.child_entries(&p)? {
                sc.nodes.insert(
                    id,
                    Lite {
                        parent,
                        kind,
                        space: sp,
                        name: name.into(),
                    },
                );
                if kind == ItemKind::Folder && walked.insert(id) {
                    stack.push((Parent::Folder(id), sp));
                }
            }
        }
        Ok(sc)
    }

    fn put(&mut self, n: &crate::store::cache::Node, sp: u32) {
        self.nodes.insert(
            n.id,
            Lite {
                parent: n.parent,
                kind: n.kind,
                space: sp,
                name: n.name.clone(),
            },
        );
    }

    pub fn ids(&self) -> impl Iterator<Item = ItemId> + '_ {
        self.nodes.keys().copied()
    }
}

/// One state of the store, over the universe's items.
pub(super) struct StateView {
    exists: Vec<bool>,
    parent: Vec<u32>,
    kind: Vec<ItemKind>,
    space: Vec<u32>,
    name: Vec<Arc<str>>,
    /// The grants on each item: (subject, level).
    grants: Vec<Box<[(u32, Level)]>>,
    /// For items whose parent lies outside the universe: the grants above them.
    above: HashMap<u32, Vec<(u32, Level)>>,
    /// Parents before children.
    order: Vec<u32>,
    /// Items whose subtree reaches outside the universe.
    partial: Vec<u32>,
    /// Per partial item: every subject granted on an item strictly below it.
    below: HashMap<u32, std::collections::HashSet<u32>>,
}

impl StateView {
    /// Reads one state. `full_roots` and `full_spaces` are where the universe
    /// holds whole subtrees (the change's items and spaces).
    pub fn build(
        app: &App,
        u: &mut Universe,
        scan: &Scan,
        full_roots: &BTreeSet<ItemId>,
        full_spaces: &BTreeSet<SpaceRef>,
    ) -> Result<StateView> {
        let st = &app.store;
        let n = u.len();
        let mut v = StateView {
            exists: vec![false; n],
            parent: vec![NONE; n],
            kind: vec![ItemKind::App; n],
            space: vec![0; n],
            name: vec![Arc::from(""); n],
            grants: (0..n).map(|_| Box::default()).collect(),
            above: HashMap::new(),
            order: Vec::with_capacity(n),
            partial: Vec::new(),
            below: HashMap::new(),
        };
        let outside_parent = v.read_nodes(st, u, scan)?;
        // Grants: one scan of them all when the universe is large, else per item.
        let all_grants = if n > 2_000 {
            Some(st.all_grants()?)
        } else {
            None
        };
        v.read_grants(st, u, &all_grants)?;
        v.read_above(st, u, outside_parent)?;
        v.order_and_wholes(st, u, full_roots, full_spaces)?;
        if !v.partial.is_empty() {
            v.below = subjects_below(st, u, &v.partial, &all_grants)?;
        }
        Ok(v)
    }

    /// Each item's kind, space, name and parent in this state; the items
    /// whose parent lies outside the universe, with that parent.
    fn read_nodes(
        &mut self,
        st: &Store,
        u: &mut Universe,
        scan: &Scan,
    ) -> Result<Vec<(u32, ItemId)>> {
        let mut outside_parent: Vec<(u32, ItemId)> = Vec::new();
        let local_spaces: Vec<u32> = scan.spaces.all.iter().map(|s| u.spaces.id(s)).collect();
        for i in 0..u.len() {
            let id = u.ids[i];
            let parent = match scan.nodes.get(&id) {
                Some(l) => {
                    self.kind[i] = l.kind;
                    self.space[i] = local_spaces[l.space as usize];
                    self.name[i] = l.name.clone();
                    l.parent
                }
                None => {
                    // In the other state's walk only (an old parent of a moved folder).
                    let Some(node) = st.node(id)? else {
                        continue;
                    };
                    self.kind[i] = node.kind;
                    self.space[i] = u.spaces.id(&node.space);
                    self.name[i] = node.name.clone();
                    node.parent
                }
            };
            self.exists[i] = true;
            if let Some(p) = parent {
                match u.index.get(&p) {
                    Some(pi) => self.parent[i] = *pi,
                    None => outside_parent.push((i as u32, p)),
                }
            }
        }
        Ok(outside_parent)
    }

    /// The grants on each item: from `all` (every grant, read once) or per item.
    fn read_grants(
        &mut self,
        st: &Store,
        u: &mut Universe,
        all: &Option<Vec<Grant>>,
    ) -> Result<()> {
        match all {
            Some(all) => {
                let mut on_item: HashMap<ItemId, Vec<(u32, Level)>> = HashMap::new();
                for g in all {
                    let s = u.subjects.id(&g.subject);
                    on_item.entry(g.item).or_default().push((s, g.level));
                }
                for (i, id) in u.ids.iter().enumerate() {
                    if let (true, Some(gs)) = (self.exists[i], on_item.get(id)) {
                        self.grants[i] = gs.clone().into_boxed_slice();
                    }
                }
            }
            None => {
                for i in 0..u.len() {
                    if self.exists[i] {
                        let gs = st.grants_shared(u.ids[i])?;
                        self.grants[i] = gs
                            .iter()
                            .map(|g| (u.subjects.id(&g.subject), g.level))
                            .collect();
                    }
                }
            }
        }
        Ok(())
    }

    /// The grants above each item whose parent lies outside the universe.
    fn read_above(
        &mut self,
        st: &Store,
        u: &mut Universe,
        outside: Vec<(u32, ItemId)>,
    ) -> Result<()> {
        for (i, mut cur) in outside {
            let mut above = Vec::new();
            let mut steps = 0;
            loop {
                for g in st.grants_shared(cur)?.iter() {
                    above.push((u.subjects.id(&g.subject), g.level));
                }
                steps += 1;
                match st.node(cur)?.and_then(|nd| nd.parent) {
                    Some(p) if steps < 10_000 => cur = p,
                    _ => break,
                }
            }
            self.above.insert(i, above);
        }
        Ok(())
    }

    /// Parents before children (`order`), and the items that do not hold
    /// their whole subtree (`partial`).
    fn order_and_wholes(
        &mut self,
        st: &Store,
        u: &Universe,
        full_roots: &BTreeSet<ItemId>,
        full_spaces: &BTreeSet<SpaceRef>,
    ) -> Result<()> {
        let n = u.len();
        let mut kids: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        for i in 0..n {
            if !self.exists[i] {
                continue;
            }
            match self.parent[i] {
                NONE => roots.push(i as u32),
                p => kids[p as usize].push(i as u32),
            }
        }
        let mut full = vec![false; n];
        let mut stack: Vec<u32> = roots;
        while let Some(i) = stack.pop() {
            let iu = i as usize;
            let p = self.parent[iu];
            full[iu] = full_roots.contains(&u.ids[iu])
                || full_spaces.contains(&u.spaces[self.space[iu]])
                || (p != NONE && full[p as usize]);
            self.order.push(i);
            stack.extend(kids[iu].iter().copied());
        }
        // An item none of whose children lies outside is whole too (the folder
        // a subtree moves into, an empty one): children before parents.
        for i in self.order.iter().rev() {
            let iu = *i as usize;
            if full[iu] {
                continue;
            }
            let inside = kids[iu].len();
            let whole = kids[iu].iter().all(|k| full[*k as usize])
                && st.child_ids(&Parent::Folder(u.ids[iu]), inside + 1)?.len() == inside;
            if whole {
                full[iu] = true;
            } else {
                self.partial.push(*i);
            }
        }
        Ok(())
    }

    pub fn exists(&self, i: usize) -> bool {
        self.exists[i]
    }

    /// The item's path in this state.
    fn path(
        &self,
        app: &App,
        u: &Universe,
        i: u32,
        memo: &mut HashMap<u32, String>,
    ) -> Result<String> {
        if let Some(p) = memo.get(&i) {
            return Ok(p.clone());
        }
        let p = match self.parent[i as usize] {
            NONE => {
                let it = app.store.item_required(u.ids[i as usize])?;
                let owner = app.store.account()?.map(|a| a.owner).unwrap_or_default();
                app.session(&owner)?.chain_of(&it)?.item().path.to_string()
            }
            par => format!(
                "{}/{}",
                self.path(app, u, par, memo)?,
                self.name[i as usize]
            ),
        };
        memo.insert(i, p.clone());
        Ok(p)
    }

    /// The subjects granted on the items (and the chains above them).
    pub fn subjects(&self, into: &mut BTreeSet<u32>) {
        for gs in &self.grants {
            into.extend(gs.iter().map(|g| g.0));
        }
        for gs in self.above.values() {
            into.extend(gs.iter().map(|g| g.0));
        }
    }

    pub fn spaces(&self, into: &mut BTreeSet<u32>) {
        for i in &self.order {
            into.insert(self.space[*i as usize]);
        }
    }
}

/// For each partial item: the subjects granted strictly below it, anywhere
/// in the store (what makes it a path for someone, R11).
fn subjects_below(
    st: &Store,
    u: &mut Universe,
    partial: &[u32],
    all_grants: &Option<Vec<Grant>>,
) -> Result<HashMap<u32, std::collections::HashSet<u32>>> {
    let partial_ids: HashMap<ItemId, u32> =
        partial.iter().map(|i| (u.ids[*i as usize], *i)).collect();
    let owned;
    let grants = match all_grants {
        Some(g) => g,
        None => {
            owned = st.all_grants()?;
            &owned
        }
    };
    // The partial items at or above an item, memoised along the way up.
    let mut memo: HashMap<ItemId, Arc<[u32]>> = HashMap::new();
    let mut out: HashMap<u32, std::collections::HashSet<u32>> = HashMap::new();
    for g in grants {
        let Some(node) = st.node(g.item)? else {
            continue;
        };
        let Some(parent) = node.parent else { continue };
        let above = partials_up(st, parent, &partial_ids, &mut memo)?;
        if above.is_empty() {
            continue;
        }
        let s = u.subjects.id(&g.subject);
        for p in above.iter() {
            out.entry(*p).or_default().insert(s);
        }
    }
    Ok(out)
}

fn partials_up(
    st: &Store,
    start: ItemId,
    partial_ids: &HashMap<ItemId, u32>,
    memo: &mut HashMap<ItemId, Arc<[u32]>>,
) -> Result<Arc<[u32]>> {
    // Walk up until an item already known, then fill in on the way down.
    let mut path = Vec::new();
    let mut cur = Some(start);
    let mut known: Arc<[u32]> = Arc::from(Vec::new());
    while let Some(id) = cur {
        if let Some(k) = memo.get(&id) {
            known = k.clone();
            break;
        }
        if path.len() > 10_000 {
            break;
        }
        path.push(id);
        cur = st.node(id)?.and_then(|n| n.parent);
    }
    for id in path.into_iter().rev() {
        if let Some(p) = partial_ids.get(&id) {
            let mut v = known.to_vec();
            v.push(*p);
            known = Arc::from(v);
        }
        memo.insert(id, known.clone());
    }
    Ok(known)
}

/// Users alike for every decision on the universe's items.
#[derive(PartialEq, Eq, Hash)]
struct Signature {
    tenant: bool,
    /// Per interned space: administers it (Team) or owns it (My Creations).
    standing: Vec<bool>,
    /// Per chain subject: it reaches the user.
    covered: Vec<bool>,
}

/// Each user's level codes on the universe's items, in one state.
pub(super) struct Levels {
    /// Per class: a code per item (see `review::WORDS`).
    codes: Vec<Vec<u8>>,
    /// Per user: their class (NONE: not a user in this state) and the codes
    /// that differ from it (partial items seen as a path through grants elsewhere).
    users: Vec<(u32, Vec<(u32, u8)>)>,
}

impl Levels {
    /// One user's codes on every item.
    pub fn row(&self, user: usize, n: usize) -> Vec<u8> {
        let (c, over) = &self.users[user];
        if *c == NONE {
            return vec![0; n];
        }
        let mut r = self.codes[*c as usize].clone();
        for (i, code) in over {
            r[*i as usize] = *code;
        }
        r
    }
    /// What makes two users' codes the same.
    pub fn key(&self, user: usize) -> (u32, &[(u32, u8)]) {
        let (c, over) = &self.users[user];
        (*c, over)
    }
}

/// Every user's code on every item in state `v`, asking the rule table once
/// per class and distinct situation.
pub(super) fn levels(
    app: &App,
    u: &Universe,
    v: &StateView,
    logins: &[String],
    word_code: impl Fn(&str) -> u8,
) -> Result<Levels> {
    let mut out = Levels {
        codes: Vec::new(),
        users: Vec::new(),
    };
    let Some(account) = app.store.account()? else {
        out.users = logins.iter().map(|_| (NONE, Vec::new())).collect();
        return Ok(out);
    };
    let base = app.session(&account.owner)?;
    let (reps, principals) = classes(app, u, v, logins, &account)?;
    // Per class: the code of each partial item should it be a path (R11).
    let mut if_path_per_class: Vec<HashMap<u32, u8>> = Vec::new();
    let mut vb_in_per_class: Vec<Vec<bool>> = Vec::new();
    for rep in &reps {
        let (codes, vb_in, if_path) = class_codes(app, &base, u, v, rep, &word_code)?;
        if_path_per_class.push(if_path);
        out.codes.push(codes);
        vb_in_per_class.push(vb_in);
    }
    // Partial items: a path for a user through grants outside the universe.
    let mut tenant_reach: HashMap<String, Reach> = HashMap::new();
    for pr in principals {
        let Some((c, p)) = pr else {
            out.users.push((NONE, Vec::new()));
            continue;
        };
        let c = c as usize;
        let paths = Paths {
            codes: &out.codes[c],
            vb_in: &vb_in_per_class[c],
            if_path: &if_path_per_class[c],
        };
        let over = paths_below(app, u, v, &p, paths, &mut tenant_reach)?;
        out.users.push((c as u32, over));
    }
    Ok(out)
}

/// The users in classes that the rule table answers alike on every item
/// of the universe: a representative of each class, and each login's class
/// and principal (`None`: not a user).
#[allow(clippy::type_complexity)]
fn classes(
    app: &App,
    u: &Universe,
    v: &StateView,
    logins: &[String],
    account: &Account,
) -> Result<(Vec<Arc<Principal>>, Vec<Option<(u32, Arc<Principal>)>>)> {
    // The subjects granted on the items' chains: what tells users apart.
    let mut chain_subjects = BTreeSet::new();
    v.subjects(&mut chain_subjects);
    let mut classes: HashMap<Signature, u32> = HashMap::new();
    let mut reps: Vec<Arc<Principal>> = Vec::new();
    let mut principals: Vec<Option<(u32, Arc<Principal>)>> = Vec::new();
    for login in logins {
        let Ok(p) = app.principal_shared(login, account) else {
            principals.push(None);
            continue;
        };
        let sig = Signature {
            tenant: p.is_tenant_user(),
            standing: u
                .spaces
                .all
                .iter()
                .map(|s| match &s.kind {
                    SpaceKind::Team => p.is_admin(s.ws),
                    SpaceKind::My(o) => *o == p.login,
                })
                .collect(),
            covered: chain_subjects
                .iter()
                .map(|s| p.reach(&u.subjects[*s]).is_some())
                .collect(),
        };
        let next = reps.len() as u32;
        let c = *classes.entry(sig).or_insert(next);
        if c == next {
            reps.push(p.clone());
        }
        principals.push(Some((c, p)));
    }
    Ok((reps, principals))
}

/// One class's code on every item, whether each item has a visible item
/// below it, and the code of each partial item should it be a path (R11).
#[allow(clippy::type_complexity)]
fn class_codes(
    app: &App,
    base: &Session<'_>,
    u: &Universe,
    v: &StateView,
    rep: &Principal,
    word_code: &impl Fn(&str) -> u8,
) -> Result<(Vec<u8>, Vec<bool>, HashMap<u32, u8>)> {
    let n = u.len();
    let reach_set: Vec<bool> = u
        .subjects
        .all
        .iter()
        .map(|s| rep.reach(s).is_some())
        .collect();
    let best_of = |gs: &[(u32, Level)]| -> Option<Level> {
        gs.iter()
            .filter(|(s, _)| reach_set[*s as usize])
            .map(|(_, l)| *l)
            .max()
    };
    let mut best: Vec<Option<Level>> = vec![None; n];
    for i in &v.order {
        let iu = *i as usize;
        let inherited = match v.parent[iu] {
            NONE => v.above.get(i).and_then(|a| best_of(a)),
            p => best[p as usize],
        };
        best[iu] = inherited.max(best_of(&v.grants[iu]));
    }
    // The rule table's answer, per (best level, kind, space, path below).
    let mut memo: HashMap<(Option<Level>, ItemKind, u32, bool), u8> = HashMap::new();
    let mut ask = |i: u32, vb: bool| -> Result<u8> {
        let iu = i as usize;
        let key = (best[iu], v.kind[iu], v.space[iu], vb);
        if let Some(c) = memo.get(&key) {
            return Ok(*c);
        }
        let it = app.store.item_required(u.ids[iu])?;
        let chain = base.chain_of(&it)?;
        let target = Target::Item {
            chain: &chain,
            visible_below: vb,
        };
        let d = decide(rep, Action::View, target);
        let c = if d.seen == Seen::Hidden {
            0
        } else {
            word_code(&d.level_word())
        };
        memo.insert(key, c);
        Ok(c)
    };
    let mut codes = vec![0u8; n];
    let mut vb_in = vec![false; n];
    for i in v.order.iter().rev() {
        let iu = *i as usize;
        let mut c = ask(*i, false)?;
        if c == 0 && vb_in[iu] {
            c = ask(*i, true)?;
        }
        codes[iu] = c;
        let p = v.parent[iu];
        if p != NONE && (c >= 2 || vb_in[iu]) {
            vb_in[p as usize] = true;
        }
    }
    let mut if_path = HashMap::new();
    for i in &v.partial {
        if codes[*i as usize] == 0 {
            if_path.insert(*i, ask(*i, true)?);
        }
    }
    Ok((codes, vb_in, if_path))
}

/// A class's answers that [`paths_below`] reads.
struct Paths<'a> {
    codes: &'a [u8],
    vb_in: &'a [bool],
    if_path: &'a HashMap<u32, u8>,
}

/// The partial items that are a path for user `p` (through grants outside
/// the universe, below them), with the code they then have.
fn paths_below(
    app: &App,
    u: &Universe,
    v: &StateView,
    p: &Principal,
    class: Paths<'_>,
    tenant_reach: &mut HashMap<String, Reach>,
) -> Result<Vec<(u32, u8)>> {
    let mut over = Vec::new();
    // The user's own subjects, by number (non-tenant users, R10).
    let mine: Vec<u32> = if v.partial.is_empty() || p.tenant.is_some() {
        Vec::new()
    } else {
        std::iter::once(Subject::User(p.login.clone()))
            .chain(p.groups.iter().map(|g| Subject::Group(g.clone())))
            .chain(p.orgs.keys().map(|o| Subject::Org(o.clone())))
            .filter_map(|s| u.subjects.get(&s))
            .collect()
    };
    for i in &v.partial {
        let iu = *i as usize;
        if class.codes[iu] != 0 || class.vb_in[iu] {
            continue;
        }
        let below = match &p.tenant {
            Some(t) => {
                if !tenant_reach.contains_key(t) {
                    tenant_reach.insert(t.clone(), Reach::of(&app.store, p)?);
                }
                tenant_reach[t].path.contains(&u.ids[iu])
            }
            None => v
                .below
                .get(i)
                .is_some_and(|ss| mine.iter().any(|s| ss.contains(s))),
        };
        if below {
            let code = class.if_path.get(i).copied().unwrap_or(0);
            if code != 0 {
                over.push((*i, code));
            }
        }
    }
    over.sort();
    Ok(over)
}

impl StateView {
    /// The paths of these items in this state.
    pub fn paths(
        &self,
        app: &App,
        u: &Universe,
        idx: &BTreeSet<u32>,
    ) -> Result<HashMap<u32, String>> {
        let mut memo = HashMap::new();
        let mut out = HashMap::new();
        for i in idx {
            out.insert(*i, self.path(app, u, *i, &mut memo)?);
        }
        Ok(out)
    }
}
