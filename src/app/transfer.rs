//! `export` and `import`: the whole store as one JSON document. `import`
//! works on an empty store, checks every rule a store must satisfy (R1, R2,
//! references, no cycles), then writes it all or nothing: in batches, the
//! store marked as being loaded until the last commit (`store::load`).
//! The audit log travels with the data and import adds no entry of its own,
//! so export → import → export gives the same document.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::*;
use crate::store::keys;
use crate::store::load::Loading;

pub const FORMAT: &str = "treeward-export";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Export {
    pub format: String,
    pub version: u32,
    pub account: Account,
    pub users: Vec<User>,
    pub groups: Vec<GroupExport>,
    pub orgs: Vec<OrgExport>,
    pub tenants: Vec<Tenant>,
    pub workspaces: Vec<WorkspaceExport>,
    pub audit: Vec<AuditEntry>,
    /// The structured fields of audit entries, by seq.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit_details: Vec<(u64, super::audit::Detail)>,
    /// Who gained and who lost what by changes that altered access, by the seq of their first entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit_access: Vec<(u64, super::audit::AccessRecord)>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GroupExport {
    pub name: String,
    pub members: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OrgExport {
    pub name: String,
    pub parent: Option<String>,
    pub members: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MemberExport {
    pub login: String,
    pub roles: Vec<Role>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceExport {
    pub id: WsId,
    pub name: String,
    pub created: Timestamp,
    pub resources: BTreeMap<ResourceKind, String>,
    pub members: Vec<MemberExport>,
    pub integrations: Vec<Integration>,
    /// Every item of every space, parents before children.
    pub items: Vec<ItemExport>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct ItemExport {
    #[serde(flatten)]
    pub item: Item,
    pub assets: Vec<Asset>,
    pub grants: Vec<Grant>,
}

impl App {
    /// The whole store, in a stable order.
    pub fn export(&self) -> Result<Export> {
        let st = &self.store;
        let account = st.complete_account()?;
        let mut users = st.users()?;
        users.sort_by(|a, b| a.login.cmp(&b.login));
        let mut groups = Vec::new();
        for g in st.groups()? {
            groups.push(GroupExport {
                members: st.group_members(&g.name)?,
                name: g.name,
            });
        }
        let mut orgs = Vec::new();
        for o in st.orgs()? {
            orgs.push(OrgExport {
                members: st.org_members(&o.name)?,
                name: o.name,
                parent: o.parent,
            });
        }
        let mut all_ws = st.workspaces()?;
        all_ws.sort_by_key(|w| w.id);
        let workspaces = all_ws
            .into_iter()
            .map(|w| self.export_workspace(w))
            .collect::<Result<Vec<_>>>()?;
        Ok(Export {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            account,
            users,
            groups,
            orgs,
            tenants: st.tenants()?,
            workspaces,
            audit: st.audit_all()?,
            audit_details: st.audit_extras(keys::AUDIT_DETAIL, "audit detail")?,
            audit_access: st.audit_extras(keys::AUDIT_ACCESS, "audit access record")?,
        })
    }

    /// A workspace with its members, integrations and every item of its
    /// spaces (Team Space, and the My Creations of its members).
    fn export_workspace(&self, w: Workspace) -> Result<WorkspaceExport> {
        let st = &self.store;
        let members = st
            .members(w.id)?
            .into_iter()
            .map(|(login, r)| MemberExport {
                login,
                roles: r.list(),
            })
            .collect();
        let mut roots = vec![SpaceRef::team(w.id)];
        for (login, r) in st.members(w.id)? {
            if r.has(Role::Analyst) || st.has_children(&Parent::Root(SpaceRef::my(w.id, &login)))? {
                roots.push(SpaceRef::my(w.id, &login));
            }
        }
        let mut items = Vec::new();
        for space in roots {
            // Depth first, in R3 order: parents always precede children.
            let mut stack: Vec<Item> = st.children(&Parent::Root(space))?;
            stack.reverse();
            while let Some(it) = stack.pop() {
                if it.kind == ItemKind::Folder {
                    let mut kids = st.children(&Parent::Folder(it.id))?;
                    kids.reverse();
                    stack.extend(kids);
                }
                items.push(ItemExport {
                    assets: st.assets(it.id)?,
                    grants: st.grants_on(it.id)?,
                    item: it,
                });
            }
        }
        Ok(WorkspaceExport {
            integrations: st.integrations(w.id)?,
            id: w.id,
            name: w.name,
            created: w.created,
            resources: w.resources,
            members,
            items,
        })
    }

    pub fn export_json(&self) -> Result<String> {
        let e = self.export()?;
        serde_json::to_string_pretty(&e)
            .map_err(|e| Error::unavailable(format!("export failed: {e}")))
    }

    /// Parses an export document: invalid input on anything malformed.
    pub fn parse_export(json: &str) -> Result<Export> {
        // R2: names are stored in NFC. Normalising the whole document keeps
        // every reference to a name (grants, memberships) the same as the name.
        use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
        let normal: String;
        let json = if is_nfc_quick(json.chars()) == IsNormalized::Yes {
            json
        } else {
            normal = json.nfc().collect();
            &normal
        };
        // serde_json limits nesting to 128 levels, so a deeply nested document is an error, not a crash.
        let e: Export = serde_json::from_str(json)
            .map_err(|e| Error::invalid(format!("the import is not a treeward export: {e}")))?;
        if e.format != FORMAT {
            return Err(Error::invalid(format!(
                "the import's format is '{}', not '{FORMAT}'",
                text::escape(&e.format)
            )));
        }
        if e.version > FORMAT_VERSION {
            return Err(Error::invalid(format!(
                "the import has format version {} (this build reads up to {FORMAT_VERSION})",
                e.version
            )));
        }
        Ok(e)
    }

    /// Imports into an empty store, after checking the document whole.
    pub fn import(&self, e: &Export) -> Result<usize> {
        let mark = Loading::new("import", &e.account.owner, None);
        self.import_as(e, mark)
    }

    /// Imports into an empty store, marked as `mark` says while it loads
    /// (an import, a copy, the demo, a backup's store).
    pub fn import_as(&self, e: &Export, mark: Loading) -> Result<usize> {
        let n = validate(e)?;
        // All or nothing: the store is marked before the first record, and
        // the mark goes with the account record, in the last commit (an
        // ordinary, flushed one). An interrupted import leaves a store every
        // command refuses until a load clears it (`store::load`).
        let _load = self.store.begin_load(mark)?;
        let mut tx = self.store.begin()?;
        self.import_people(&mut tx, e);
        let tx = self.import_workspaces(tx, e)?;
        tx.commit_bulk()?;
        self.store.sync()?;
        let mut tx = self.store.begin()?;
        tx.reserve_ids_above(max_id(e));
        put_audit(&mut tx, e);
        tx.put(keys::meta("account"), &e.account);
        tx.end_load();
        tx.commit()?;
        Ok(n)
    }

    /// Users, tenants, groups and org units with their members.
    fn import_people(&self, tx: &mut crate::store::Txn<'_>, e: &Export) {
        for u in &e.users {
            tx.put(keys::user(&u.login), u);
        }
        for t in &e.tenants {
            tx.put(keys::tenant(&t.name), t);
        }
        for g in &e.groups {
            tx.put(
                keys::group(&g.name),
                &Group {
                    name: g.name.clone(),
                },
            );
            for m in &g.members {
                tx.put(keys::pair(keys::GROUP_MEMBER, &g.name, m), &());
                tx.put(keys::pair(keys::USER_GROUP, m, &g.name), &());
            }
        }
        for o in &e.orgs {
            tx.put(
                keys::org(&o.name),
                &OrgUnit {
                    name: o.name.clone(),
                    parent: o.parent.clone(),
                },
            );
            for m in &o.members {
                tx.put(keys::pair(keys::ORG_MEMBER, &o.name, m), &());
                tx.put(keys::pair(keys::USER_ORG, m, &o.name), &());
            }
        }
    }

    /// Workspaces with their members, integrations and items, written in
    /// batches of [`IMPORT_CHUNK`] items.
    fn import_workspaces<'s>(
        &'s self,
        mut tx: crate::store::Txn<'s>,
        e: &Export,
    ) -> Result<crate::store::Txn<'s>> {
        let mut pending = 0usize;
        for w in &e.workspaces {
            let ws = Workspace {
                id: w.id,
                name: w.name.clone(),
                created: w.created,
                resources: w.resources.clone(),
            };
            tx.put(keys::workspace(w.id), &ws);
            tx.put(keys::ws_name(&w.name), &w.id);
            for m in &w.members {
                tx.put(keys::role(w.id, &m.login), &Roles::from_list(&m.roles));
                tx.put(keys::user_ws(&m.login, w.id), &());
            }
            for i in &w.integrations {
                tx.put(keys::integ(w.id, &i.name), i);
            }
            for ie in &w.items {
                let it = &ie.item;
                tx.put_item(it);
                for a in &ie.assets {
                    tx.put(keys::asset(it.id, a.kind, &a.name), a);
                }
                for g in &ie.grants {
                    tx.put_grant(g);
                }
                for i in &it.integrations {
                    tx.put(keys::integ_use(w.id, i, it.id), &());
                }
                pending += 1;
                if pending == IMPORT_CHUNK {
                    tx.commit_bulk()?;
                    tx = self.store.begin()?;
                    pending = 0;
                }
            }
        }
        Ok(tx)
    }
}

/// Items per batch of an import.
const IMPORT_CHUNK: usize = 20_000;

/// The highest workspace or item id of an export.
fn max_id(e: &Export) -> u64 {
    e.workspaces
        .iter()
        .flat_map(|w| std::iter::once(w.id).chain(w.items.iter().map(|i| i.item.id)))
        .max()
        .unwrap_or(0)
}

fn inv(m: impl Into<String>) -> Error {
    Error::invalid(format!("import: {}", m.into()))
}

/// Every rule a stored account must satisfy; returns the number of items.
fn validate(e: &Export) -> Result<usize> {
    let logins = validate_users(e)?;
    let tenants = validate_tenants(e)?;
    let groups = validate_groups(e, &logins)?;
    let orgs = validate_orgs(e, &logins)?;
    let mut check = Workspaces {
        dir: Directory {
            logins,
            tenants,
            groups,
            orgs,
        },
        owner: &e.account.owner,
        names: HashSet::new(),
        ids: HashSet::new(),
        items: 0,
        clash: None,
    };
    for w in &e.workspaces {
        check.workspace(w)?;
    }
    validate_audit(e)?;
    if let Some(e) = check.clash.or_else(|| lookalikes(e)) {
        return Err(e);
    }
    Ok(check.items)
}

/// R1 across the account: two workspaces, groups, org units or tenants of
/// the document whose names look alike (a conflict, as an item's).
fn lookalikes(e: &Export) -> Option<Error> {
    use super::lookalike::{clash_in, Kind};
    let ws: Vec<&str> = e.workspaces.iter().map(|w| w.name.as_str()).collect();
    let groups: Vec<&str> = e.groups.iter().map(|g| g.name.as_str()).collect();
    let orgs: Vec<&str> = e.orgs.iter().map(|o| o.name.as_str()).collect();
    let tenants: Vec<&str> = e.tenants.iter().map(|t| t.name.as_str()).collect();
    clash_in(Kind::Workspace, &ws)
        .or_else(|| clash_in(Kind::Group, &groups))
        .or_else(|| clash_in(Kind::Org, &orgs))
        .or_else(|| clash_in(Kind::Tenant, &tenants))
}

/// Users: logins in lower case, each once (R4), display names; the account
/// owner among them.
fn validate_users(e: &Export) -> Result<HashMap<&str, &User>> {
    let mut logins = HashMap::new();
    for u in &e.users {
        if names::validate_login(&u.login)? != u.login {
            return Err(inv(format!(
                "login '{}' is not in lower case",
                text::escape(&u.login)
            )));
        }
        names::validate_text(&u.name, "display name", 128)?;
        if logins.insert(u.login.as_str(), u).is_some() {
            return Err(inv(format!("user '{}' appears twice (R4)", u.login)));
        }
    }
    if !logins.contains_key(e.account.owner.as_str()) {
        return Err(inv("the account owner is not a user"));
    }
    Ok(logins)
}

/// Tenants: valid names, each once; every tenant user's tenant among them.
fn validate_tenants(e: &Export) -> Result<HashSet<&str>> {
    let tenants: HashSet<&str> = e.tenants.iter().map(|t| t.name.as_str()).collect();
    for t in &e.tenants {
        names::validate_name(&t.name, "tenant")?;
    }
    if tenants.len() != e.tenants.len() {
        return Err(inv("a tenant appears twice"));
    }
    for u in &e.users {
        if let Some(t) = &u.tenant {
            if !tenants.contains(t.as_str()) {
                return Err(inv(format!("user '{}' names an unknown tenant", u.login)));
            }
        }
    }
    Ok(tenants)
}

/// Groups: each once, valid names, members who are users.
fn validate_groups<'a>(e: &'a Export, logins: &HashMap<&str, &User>) -> Result<HashSet<&'a str>> {
    let groups: HashSet<&str> = e.groups.iter().map(|g| g.name.as_str()).collect();
    if groups.len() != e.groups.len() {
        return Err(inv("a group appears twice"));
    }
    for g in &e.groups {
        names::validate_name(&g.name, "group")?;
        members_are_users(logins, &g.members, "group", &g.name)?;
    }
    Ok(groups)
}

/// Org units: each once, valid names, known parents without a cycle,
/// members who are users. Returns each unit's parent.
fn validate_orgs<'a>(
    e: &'a Export,
    logins: &HashMap<&str, &User>,
) -> Result<HashMap<&'a str, Option<&'a str>>> {
    let orgs: HashMap<&str, Option<&str>> = e
        .orgs
        .iter()
        .map(|o| (o.name.as_str(), o.parent.as_deref()))
        .collect();
    if orgs.len() != e.orgs.len() {
        return Err(inv("an org unit appears twice"));
    }
    for o in &e.orgs {
        names::validate_name(&o.name, "org unit")?;
        validate_org_ancestors(&orgs, &o.name)?;
        members_are_users(logins, &o.members, "org unit", &o.name)?;
    }
    Ok(orgs)
}

/// The walk up from an org unit meets only known units and ends.
fn validate_org_ancestors(orgs: &HashMap<&str, Option<&str>>, name: &str) -> Result<()> {
    let mut seen = HashSet::new();
    let mut cur = Some(name);
    while let Some(c) = cur {
        if !seen.insert(c) {
            return Err(inv(format!(
                "org unit '{}' is its own ancestor",
                text::escape(name)
            )));
        }
        cur = match orgs.get(c) {
            Some(p) => *p,
            None => {
                return Err(inv(format!(
                    "org unit '{}' has an unknown parent",
                    text::escape(name)
                )))
            }
        };
    }
    Ok(())
}

/// Every member of a group or org unit (`what` and `name`) is a user.
fn members_are_users(
    logins: &HashMap<&str, &User>,
    members: &[String],
    what: &str,
    name: &str,
) -> Result<()> {
    if members.iter().any(|m| !logins.contains_key(m.as_str())) {
        return Err(inv(format!(
            "{what} '{}' lists an unknown user",
            text::escape(name)
        )));
    }
    Ok(())
}

/// The users, tenants, groups and org units of an import: what its
/// workspaces and grants may name.
struct Directory<'a> {
    logins: HashMap<&'a str, &'a User>,
    tenants: HashSet<&'a str>,
    groups: HashSet<&'a str>,
    /// Each org unit's parent.
    orgs: HashMap<&'a str, Option<&'a str>>,
}

impl Directory<'_> {
    /// A grant's subject exists; a tenant is granted only in the Team Space,
    /// at the tenant level.
    fn subject_fits(&self, it: &Item, g: &Grant) -> bool {
        match &g.subject {
            Subject::User(l) => self.logins.contains_key(l.as_str()),
            Subject::Group(x) => self.groups.contains(x.as_str()),
            Subject::Org(x) => self.orgs.contains_key(x.as_str()),
            Subject::Tenant(x) => {
                self.tenants.contains(x.as_str()) && it.space.is_team() && g.level == Level::Tenant
            }
        }
    }
}

/// The checks of an import's workspaces, and what they carry from one
/// workspace to the next.
struct Workspaces<'a> {
    dir: Directory<'a>,
    owner: &'a str,
    names: HashSet<&'a str>,
    /// Workspace and item ids, which must all differ.
    ids: HashSet<u64>,
    /// The number of items checked.
    items: usize,
    /// R1: a conflict, reported only when the document is otherwise valid (§10 order).
    clash: Option<Error>,
}

/// One workspace's items checked so far, and the names taken beside them.
#[derive(Default)]
struct Tree<'a> {
    by_id: HashMap<ItemId, &'a Item>,
    siblings: HashSet<(Option<ItemId>, SpaceRef, String)>,
}

impl<'a> Workspaces<'a> {
    /// A workspace: its name and id once, one resource of each kind (R29),
    /// its members, integrations and items.
    fn workspace(&mut self, w: &'a WorkspaceExport) -> Result<()> {
        names::validate_name(&w.name, "workspace")?;
        if !self.names.insert(w.name.as_str()) || !self.ids.insert(w.id) {
            return Err(inv(format!(
                "workspace '{}' appears twice",
                text::escape(&w.name)
            )));
        }
        if w.resources.len() != ResourceKind::ALL.len() {
            return Err(inv("a workspace needs one resource of each kind (R29)"));
        }
        self.members(w)?;
        let integrations = validate_integrations(w)?;
        let mut tree = Tree::default();
        for ie in &w.items {
            self.item(w, &integrations, &mut tree, ie)?;
        }
        Ok(())
    }

    /// Members are users; tenant users hold no roles (R9); the account
    /// owner holds every role (R5).
    fn members(&self, w: &WorkspaceExport) -> Result<()> {
        let mut roles = HashMap::new();
        for m in &w.members {
            let u = self
                .dir
                .logins
                .get(m.login.as_str())
                .ok_or_else(|| inv(format!("workspace member '{}' is unknown", m.login)))?;
            if u.tenant.is_some() && !m.roles.is_empty() {
                return Err(inv(format!("tenant user '{}' holds roles (R9)", m.login)));
            }
            roles.insert(m.login.as_str(), Roles::from_list(&m.roles));
        }
        if roles.get(self.owner) != Some(&Roles::ALL) {
            return Err(inv(format!(
                "the account owner must hold every role in '{}' (R5)",
                text::escape(&w.name)
            )));
        }
        Ok(())
    }

    /// An item, with its integrations, assets and grants.
    fn item(
        &mut self,
        w: &WorkspaceExport,
        integrations: &HashSet<&str>,
        tree: &mut Tree<'a>,
        ie: &'a ItemExport,
    ) -> Result<()> {
        let it = &ie.item;
        self.items += 1;
        self.place(w, tree, it)?;
        if !tree
            .siblings
            .insert((it.parent, it.space.clone(), names::look(&it.name)))
            && self.clash.is_none()
        {
            // R1: a conflict, reported only when the document is otherwise valid (§10 order).
            self.clash = Some(Error::conflict(format!(
                "import: two items named '{}' or alike in one folder (R1)",
                text::escape(&it.name)
            )));
        }
        validate_integration_uses(it, integrations)?;
        validate_assets(ie)?;
        self.grants(ie)?;
        tree.by_id.insert(it.id, it);
        Ok(())
    }

    /// An item's name (R2), its workspace, its owner in My Creations, its id
    /// once, and its parent.
    fn place(&mut self, w: &WorkspaceExport, tree: &Tree<'_>, it: &Item) -> Result<()> {
        if names::validate_name(&it.name, "item")? != it.name {
            return Err(inv(format!(
                "item name '{}' has surrounding spaces or is not in NFC (R2)",
                text::escape(&it.name)
            )));
        }
        if it.space.ws != w.id {
            return Err(inv("an item names another workspace"));
        }
        if let SpaceKind::My(o) = &it.space.kind {
            if !self.dir.logins.contains_key(o.as_str()) || it.owner != *o {
                return Err(inv(format!(
                    "item '{}' in My Creations of '{o}' has another owner",
                    text::escape(&it.name)
                )));
            }
        }
        if !self.ids.insert(it.id) {
            return Err(inv(format!("item id {} appears twice", it.id)));
        }
        tree.validate_parent(it)
    }

    /// An item's grants: on the item, one per subject, each subject fitting,
    /// with a valid note.
    fn grants(&self, ie: &ItemExport) -> Result<()> {
        let it = &ie.item;
        let mut subjects = HashSet::new();
        for g in &ie.grants {
            let ok = g.item == it.id
                && subjects.insert(g.subject.clone())
                && self.dir.subject_fits(it, g);
            if !ok {
                return Err(inv(format!(
                    "a grant on '{}' is malformed",
                    text::escape(&it.name)
                )));
            }
            names::validate_text(&g.note, "note", 500)?;
        }
        Ok(())
    }
}

impl Tree<'_> {
    /// An item's parent is a folder of its space, checked before it.
    fn validate_parent(&self, it: &Item) -> Result<()> {
        let Some(p) = it.parent else {
            return Ok(());
        };
        // Parents come first: this also rules out cycles.
        let parent = self.by_id.get(&p).ok_or_else(|| {
            inv(format!(
                "item '{}' comes before its folder",
                text::escape(&it.name)
            ))
        })?;
        if parent.kind != ItemKind::Folder || parent.space != it.space {
            return Err(inv(format!(
                "item '{}' sits in an app or another space",
                text::escape(&it.name)
            )));
        }
        Ok(())
    }
}

/// A workspace's integrations: valid names, in this workspace. Returns
/// their names.
fn validate_integrations(w: &WorkspaceExport) -> Result<HashSet<&str>> {
    for i in &w.integrations {
        names::validate_name(&i.name, "integration")?;
        if i.ws != w.id {
            return Err(inv("an integration names another workspace"));
        }
    }
    Ok(w.integrations.iter().map(|i| i.name.as_str()).collect())
}

/// Only apps use integrations, and only their workspace's.
fn validate_integration_uses(it: &Item, integrations: &HashSet<&str>) -> Result<()> {
    for i in &it.integrations {
        if !integrations.contains(i.as_str()) || it.kind != ItemKind::App {
            return Err(inv(format!(
                "item '{}' uses an unknown integration",
                text::escape(&it.name)
            )));
        }
    }
    Ok(())
}

/// An item's assets: valid names, on this item, which is an app, each kind
/// and name once.
fn validate_assets(ie: &ItemExport) -> Result<()> {
    let it = &ie.item;
    let mut asset_keys = BTreeSet::new();
    for a in &ie.assets {
        names::validate_name(&a.name, "asset")?;
        if a.app != it.id
            || it.kind != ItemKind::App
            || !asset_keys.insert((a.kind, a.name.clone()))
        {
            return Err(inv(format!(
                "asset '{}' does not fit its app",
                text::escape(&a.name)
            )));
        }
    }
    Ok(())
}

/// The audit log of an export, with what is kept beside its entries, and
/// the seq the next entry gets.
fn put_audit(tx: &mut crate::store::Txn<'_>, e: &Export) {
    let mut max_seq = 0;
    for a in &e.audit {
        max_seq = max_seq.max(a.seq);
        tx.put(keys::audit(a.seq), a);
        if let Some(item) = a.item {
            tx.put(keys::audit_item(item, a.seq), &());
        }
    }
    for (seq, d) in &e.audit_details {
        tx.put(keys::audit_detail(*seq), d);
    }
    for (seq, a) in &e.audit_access {
        tx.put(keys::audit_access(*seq), a);
    }
    tx.put(keys::meta("next_seq"), &(max_seq + 1));
    // Seqs the exported store no longer had (lost before, and recorded so
    // there) are not this store's loss either.
    let seqs: HashSet<u64> = e.audit.iter().map(|a| a.seq).collect();
    let gaps = crate::store::tally::ranges_of((1..=max_seq).filter(|s| !seqs.contains(s)));
    if !gaps.is_empty() {
        tx.put(crate::store::tally::gaps_key(), &gaps);
    }
}

/// An export's audit log: distinct sequence numbers, and what is kept beside
/// an entry (its detail, an access record) belongs to one.
fn validate_audit(e: &Export) -> Result<()> {
    let mut seqs = HashSet::new();
    for a in &e.audit {
        if !seqs.insert(a.seq) || a.seq == 0 {
            return Err(inv("audit entries need distinct sequence numbers"));
        }
    }
    let beside = e.audit_details.iter().map(|(s, _)| s);
    if let Some(s) = beside
        .chain(e.audit_access.iter().map(|(s, _)| s))
        .find(|s| !seqs.contains(*s))
    {
        return Err(inv(&format!("audit detail {s} belongs to no audit entry")));
    }
    Ok(())
}
