//! `export` and `import`: the whole store as one JSON document. `import`
//! works on an empty store, checks every rule a store must satisfy (R1, R2,
//! references, no cycles) and writes everything in one transaction.
//! The audit log travels with the data and import adds no entry of its own,
//! so export → import → export gives the same document.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::*;
use crate::store::keys;

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
        let account = st
            .account()?
            .ok_or_else(|| Error::unavailable("the store holds no account yet"))?;
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
        let mut workspaces = Vec::new();
        let mut all_ws = st.workspaces()?;
        all_ws.sort_by_key(|w| w.id);
        for w in all_ws {
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
                if r.has(Role::Analyst)
                    || st.has_children(&Parent::Root(SpaceRef::my(w.id, &login)))?
                {
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
            workspaces.push(WorkspaceExport {
                integrations: st.integrations(w.id)?,
                id: w.id,
                name: w.name,
                created: w.created,
                resources: w.resources,
                members,
                items,
            });
        }
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
        let mut tx = self.store.begin()?;
        if self.store.account()?.is_some() {
            return Err(Error::conflict(
                "import works on an empty store; this one holds an account",
            ));
        }
        let n = validate(e)?;
        // Large imports are written in atomic batches; the account record
        // goes last, in an ordinary (flushed) commit, so an interrupted
        // import leaves a store that claims no account and can be imported again.
        const CHUNK: usize = 20_000;
        let mut pending = 0usize;
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
        let mut max_id = 0;
        for w in &e.workspaces {
            max_id = max_id.max(w.id);
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
                max_id = max_id.max(it.id);
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
                if pending == CHUNK {
                    tx.commit_bulk()?;
                    tx = self.store.begin()?;
                    pending = 0;
                }
            }
        }
        // The rest goes in one ordinary commit, once every record before it
        // is on disk: a load cut short never claims an account.
        tx.commit_bulk()?;
        self.store.sync()?;
        let mut tx = self.store.begin()?;
        tx.reserve_ids_above(max_id);
        put_audit(&mut tx, e);
        tx.put(keys::meta("account"), &e.account);
        tx.commit()?;
        Ok(n)
    }
}

fn inv(m: impl Into<String>) -> Error {
    Error::invalid(format!("import: {}", m.into()))
}

/// Every rule a stored account must satisfy; returns the number of items.
fn validate(e: &Export) -> Result<usize> {
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
    let groups: HashSet<&str> = e.groups.iter().map(|g| g.name.as_str()).collect();
    if groups.len() != e.groups.len() {
        return Err(inv("a group appears twice"));
    }
    for g in &e.groups {
        names::validate_name(&g.name, "group")?;
        for m in &g.members {
            if !logins.contains_key(m.as_str()) {
                return Err(inv(format!(
                    "group '{}' lists an unknown user",
                    text::escape(&g.name)
                )));
            }
        }
    }
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
        let mut seen = HashSet::new();
        let mut cur = Some(o.name.as_str());
        while let Some(c) = cur {
            if !seen.insert(c) {
                return Err(inv(format!(
                    "org unit '{}' is its own ancestor",
                    text::escape(&o.name)
                )));
            }
            cur = match orgs.get(c) {
                Some(p) => *p,
                None => {
                    return Err(inv(format!(
                        "org unit '{}' has an unknown parent",
                        text::escape(&o.name)
                    )))
                }
            };
        }
        for m in &o.members {
            if !logins.contains_key(m.as_str()) {
                return Err(inv(format!(
                    "org unit '{}' lists an unknown user",
                    text::escape(&o.name)
                )));
            }
        }
    }
    let mut clash: Option<Error> = None;
    let mut ws_names = HashSet::new();
    let mut ids = HashSet::new();
    let mut n = 0;
    for w in &e.workspaces {
        names::validate_name(&w.name, "workspace")?;
        if !ws_names.insert(w.name.as_str()) || !ids.insert(w.id) {
            return Err(inv(format!(
                "workspace '{}' appears twice",
                text::escape(&w.name)
            )));
        }
        if w.resources.len() != ResourceKind::ALL.len() {
            return Err(inv("a workspace needs one resource of each kind (R29)"));
        }
        let mut roles = HashMap::new();
        for m in &w.members {
            let u = logins
                .get(m.login.as_str())
                .ok_or_else(|| inv(format!("workspace member '{}' is unknown", m.login)))?;
            if u.tenant.is_some() && !m.roles.is_empty() {
                return Err(inv(format!("tenant user '{}' holds roles (R9)", m.login)));
            }
            roles.insert(m.login.as_str(), Roles::from_list(&m.roles));
        }
        if roles.get(e.account.owner.as_str()) != Some(&Roles::ALL) {
            return Err(inv(format!(
                "the account owner must hold every role in '{}' (R5)",
                text::escape(&w.name)
            )));
        }
        let integ_names: HashSet<&str> = w.integrations.iter().map(|i| i.name.as_str()).collect();
        for i in &w.integrations {
            names::validate_name(&i.name, "integration")?;
            if i.ws != w.id {
                return Err(inv("an integration names another workspace"));
            }
        }
        let mut by_id: HashMap<ItemId, &Item> = HashMap::new();
        let mut siblings: HashSet<(Option<ItemId>, SpaceRef, String)> = HashSet::new();
        for ie in &w.items {
            let it = &ie.item;
            n += 1;
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
                if !logins.contains_key(o.as_str()) || it.owner != *o {
                    return Err(inv(format!(
                        "item '{}' in My Creations of '{o}' has another owner",
                        text::escape(&it.name)
                    )));
                }
            }
            if !ids.insert(it.id) {
                return Err(inv(format!("item id {} appears twice", it.id)));
            }
            if let Some(p) = it.parent {
                // Parents come first: this also rules out cycles.
                let parent = by_id.get(&p).ok_or_else(|| {
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
            }
            if !siblings.insert((it.parent, it.space.clone(), names::look(&it.name)))
                && clash.is_none()
            {
                // R1: a conflict, reported only when the document is otherwise valid (§10 order).
                clash = Some(Error::conflict(format!(
                    "import: two items named '{}' or alike in one folder (R1)",
                    text::escape(&it.name)
                )));
            }
            for i in &it.integrations {
                if !integ_names.contains(i.as_str()) || it.kind != ItemKind::App {
                    return Err(inv(format!(
                        "item '{}' uses an unknown integration",
                        text::escape(&it.name)
                    )));
                }
            }
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
            let mut subjects = HashSet::new();
            for g in &ie.grants {
                let ok = g.item == it.id
                    && subjects.insert(g.subject.clone())
                    && match &g.subject {
                        Subject::User(l) => logins.contains_key(l.as_str()),
                        Subject::Group(x) => groups.contains(x.as_str()),
                        Subject::Org(x) => orgs.contains_key(x.as_str()),
                        Subject::Tenant(x) => {
                            tenants.contains(x.as_str())
                                && it.space.is_team()
                                && g.level == Level::Tenant
                        }
                    };
                if !ok {
                    return Err(inv(format!(
                        "a grant on '{}' is malformed",
                        text::escape(&it.name)
                    )));
                }
                names::validate_text(&g.note, "note", 500)?;
            }
            by_id.insert(it.id, it);
        }
    }
    validate_audit(e)?;
    if let Some(e) = clash {
        return Err(e);
    }
    Ok(n)
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
