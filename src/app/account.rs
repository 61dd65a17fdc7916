//! The account: init, users, groups, org units, tenants, workspaces and roles
//! (R4–R9). Only the account owner changes these (R4).

use super::lookalike::Kind;
use super::*;
use crate::store::keys;

pub const DEFAULT_WORKSPACE: &str = "Default Workspace";

pub(super) fn default_resources(ws: &str) -> std::collections::BTreeMap<ResourceKind, String> {
    let slug: String = ws
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    ResourceKind::ALL
        .iter()
        .map(|k| {
            let ep = match k {
                ResourceKind::Influxdb => format!("influxdb://internal:8086/{slug}"),
                ResourceKind::Postgresql => format!("postgresql://internal:5432/{slug}"),
                ResourceKind::Fileserver => format!("files://internal/{slug}"),
            };
            (*k, ep)
        })
        .collect()
}

/// Writes a new workspace; R5: the account owner holds all roles in it.
fn put_new_workspace(tx: &mut Txn<'_>, name: &str, owner: &str) -> Workspace {
    let ws = Workspace {
        id: tx.alloc_id(),
        name: name.to_string(),
        created: now(),
        resources: default_resources(name),
    };
    tx.require_absent(
        keys::ws_name(name),
        format!("workspace '{}' exists", text::escape(name)),
    );
    tx.put(keys::workspace(ws.id), &ws);
    tx.put(keys::ws_name(name), &ws.id);
    tx.put(keys::role(ws.id, owner), &Roles::ALL);
    tx.put(keys::user_ws(owner, ws.id), &());
    ws
}

impl App {
    /// R5: the account, its owner as a user, and `Default Workspace`.
    pub fn init(&self, owner: &str) -> Result<Account> {
        let owner = names::validate_login(owner)?;
        let mut tx = self.store.begin()?;
        if self.store.account()?.is_some() {
            return Err(Error::conflict("the store already holds an account"));
        }
        // What an interrupted load left is never made part of an account.
        if let Some(u) = self.store.unfinished()? {
            return Err(u.error(&self.store.label()));
        }
        tx.require_absent(
            crate::store::load::key(),
            "a load began meanwhile; run it again",
        );
        let t = now();
        let account = Account {
            owner: owner.clone(),
            created: t,
        };
        tx.put(keys::meta("account"), &account);
        tx.put(
            keys::user(&owner),
            &User {
                login: owner.clone(),
                name: owner.clone(),
                tenant: None,
                created: t,
            },
        );
        let ws = put_new_workspace(&mut tx, DEFAULT_WORKSPACE, &owner);
        tx.audit(AuditEntry {
            seq: 0,
            at: t,
            actor: owner.clone(),
            action: AuditAction::Init.as_str().into(),
            target: format!("/{}", ws.name),
            item: None,
            ws: None,
            space: None,
            outcome: "ok".into(),
        });
        tx.commit()?;
        Ok(account)
    }
}

impl Session<'_> {
    fn user_required(&self, login: &str) -> Result<User> {
        let login = names::validate_login(login)?;
        self.store()
            .user(&login)?
            .ok_or_else(|| Error::not_found(format!("no user '{login}'")))
    }

    pub fn user_add(&self, login: &str, name: Option<&str>, tenant: Option<&str>) -> Result<User> {
        let login = names::validate_login(login)?;
        let display = match name {
            Some(n) => names::validate_text(n, "display name", 128)?,
            None => login.clone(),
        };
        let tenant = tenant
            .map(|t| names::validate_name(t, "tenant"))
            .transpose()?;
        let mut tx = self.store().begin()?;
        if let Some(t) = &tenant {
            if self.store().tenant(t)?.is_none() {
                return Err(self.no_such(Kind::Tenant, t));
            }
        }
        // §10: not found before permission denied.
        self.require_owner("adds users")?;
        if self.store().user(&login)?.is_some() {
            return Err(Error::conflict(format!(
                "user '{login}' exists (logins are unique case-insensitively, R4)"
            )));
        }
        let u = User {
            login: login.clone(),
            name: display,
            tenant,
            created: now(),
        };
        tx.require_absent(keys::user(&login), format!("user '{login}' exists (R4)"));
        tx.put(keys::user(&login), &u);
        self.commit(
            tx,
            AuditAction::UserAdd,
            format!("user:{login}"),
            At::Account,
        )?;
        Ok(u)
    }

    /// Every user, the account owner first, then by login.
    pub fn users(&self) -> Result<Vec<User>> {
        let mut v = self.store().users()?;
        let owner = self.account.owner.clone();
        v.sort_by_key(|u| (u.login != owner, u.login.clone()));
        Ok(v)
    }

    pub fn group_add(&self, g: &str) -> Result<()> {
        let g = names::validate_name(g, "group")?;
        self.require_owner("adds groups")?;
        let mut tx = self.store().begin()?;
        if self.store().group(&g)?.is_some() {
            return Err(Error::conflict(format!(
                "group '{}' exists",
                text::escape(&g)
            )));
        }
        self.require_unlike(Kind::Group, &g, None)?;
        tx.put(keys::group(&g), &Group { name: g.clone() });
        self.commit(tx, AuditAction::GroupAdd, format!("group:{g}"), At::Account)?;
        Ok(())
    }

    fn group_required(&self, g: &str) -> Result<String> {
        let g = names::validate_name(g, "group")?;
        self.store()
            .group(&g)?
            .map(|x| x.name)
            .ok_or_else(|| self.no_such(Kind::Group, &g))
    }

    /// Drops every grant to `s` (R4: removing a group, unit or tenant).
    fn drop_grants_to(&self, tx: &mut Txn<'_>, s: &Subject) -> Result<usize> {
        let items = self.store().granted_items(s)?;
        for id in &items {
            tx.del_grant(*id, s);
        }
        Ok(items.len())
    }

    pub fn group_rm(&self, g: &str) -> Result<usize> {
        let g = names::validate_name(g, "group")?;
        let mut tx = self.store().begin()?;
        let g = self.group_required(&g)?;
        // §10: not found before permission denied.
        self.require_owner("removes groups")?;
        for login in self.store().group_members(&g)? {
            tx.del(keys::pair(keys::GROUP_MEMBER, &g, &login));
            tx.del(keys::pair(keys::USER_GROUP, &login, &g));
        }
        let n = self.drop_grants_to(&mut tx, &Subject::Group(g.clone()))?;
        tx.del(keys::group(&g));
        self.commit(tx, AuditAction::GroupRm, format!("group:{g}"), At::Account)?;
        Ok(n)
    }

    fn org_required(&self, u: &str) -> Result<OrgUnit> {
        let u = names::validate_name(u, "org unit")?;
        self.store()
            .org(&u)?
            .ok_or_else(|| self.no_such(Kind::Org, &u))
    }

    pub fn org_add(&self, unit: &str, parent: Option<&str>) -> Result<()> {
        let unit = names::validate_name(unit, "org unit")?;
        let parent = parent
            .map(|p| names::validate_name(p, "org unit"))
            .transpose()?;
        let mut tx = self.store().begin()?;
        if let Some(p) = &parent {
            self.org_required(p)?;
        }
        // §10: not found before permission denied.
        self.require_owner("adds org units")?;
        if self.store().org(&unit)?.is_some() {
            return Err(Error::conflict(format!(
                "org unit '{}' exists",
                text::escape(&unit)
            )));
        }
        self.require_unlike(Kind::Org, &unit, None)?;
        tx.put(
            keys::org(&unit),
            &OrgUnit {
                name: unit.clone(),
                parent: parent.clone(),
            },
        );
        self.commit(tx, AuditAction::OrgAdd, format!("org:{unit}"), At::Account)?;
        Ok(())
    }

    /// A unit with sub-units is refused (*conflict*), like a non-empty folder.
    pub fn org_rm(&self, unit: &str) -> Result<usize> {
        let unit = names::validate_name(unit, "org unit")?;
        let mut tx = self.store().begin()?;
        let o = self.org_required(&unit)?;
        // §10: not found before permission denied.
        self.require_owner("removes org units")?;
        let subs: Vec<String> = self
            .store()
            .orgs()?
            .into_iter()
            .filter(|x| x.parent.as_deref() == Some(&o.name))
            .map(|x| x.name)
            .collect();
        if !subs.is_empty() {
            return Err(Error::conflict(format!(
                "org unit '{}' has sub-units ({}); remove them first",
                text::escape(&o.name),
                text::escape(&subs.join(", "))
            )));
        }
        for login in self.store().org_members(&o.name)? {
            tx.del(keys::pair(keys::ORG_MEMBER, &o.name, &login));
            tx.del(keys::pair(keys::USER_ORG, &login, &o.name));
        }
        let n = self.drop_grants_to(&mut tx, &Subject::Org(o.name.clone()))?;
        tx.del(keys::org(&o.name));
        self.commit(
            tx,
            AuditAction::OrgRm,
            format!("org:{}", o.name),
            At::Account,
        )?;
        Ok(n)
    }

    pub fn group_join(&self, g: &str, login: &str) -> Result<bool> {
        self.membership(Membership::Group, g, login, true)
    }

    pub fn group_leave(&self, g: &str, login: &str) -> Result<()> {
        self.membership(Membership::Group, g, login, false)
            .map(|_| ())
    }

    pub fn org_join(&self, unit: &str, login: &str) -> Result<bool> {
        self.membership(Membership::Org, unit, login, true)
    }

    pub fn org_leave(&self, unit: &str, login: &str) -> Result<()> {
        self.membership(Membership::Org, unit, login, false)
            .map(|_| ())
    }

    /// Joins or leaves a group or an org unit (R4). A membership that is
    /// already as asked changes nothing (false) and says so (README, "Repeats").
    fn membership(&self, m: Membership, name: &str, login: &str, join: bool) -> Result<bool> {
        names::validate_name(name, m.what())?;
        names::validate_login(login)?;
        let mut tx = self.store().begin()?;
        let name = match m {
            Membership::Group => self.group_required(name)?,
            Membership::Org => self.org_required(name)?.name,
        };
        let u = self.user_required(login)?;
        // §10: not found before permission denied.
        self.require_owner(&format!("changes {} membership", m.word()))?;
        let (members, of_user) = m.tables();
        let member_key = keys::pair(members, &name, &u.login);
        let is_member = self.store().kv().get(&member_key)?.is_some();
        if join == is_member {
            self.unchanged(format!(
                "{} is {} {} '{}'",
                u.login,
                if join { "already in" } else { "not in" },
                m.what(),
                name
            ));
            return Ok(false);
        }
        let user_key = keys::pair(of_user, &u.login, &name);
        if join {
            tx.put(member_key, &());
            tx.put(user_key, &());
        } else {
            tx.del(member_key);
            tx.del(user_key);
        }
        let action = match (m, join) {
            (Membership::Group, true) => AuditAction::GroupJoin,
            (Membership::Group, false) => AuditAction::GroupLeave,
            (Membership::Org, true) => AuditAction::OrgJoin,
            (Membership::Org, false) => AuditAction::OrgLeave,
        };
        self.commit(
            tx,
            action,
            format!("{}:{name} user:{}", m.word(), u.login),
            At::Account,
        )?;
        Ok(true)
    }

    pub fn tenant_add(&self, t: &str) -> Result<()> {
        let t = names::validate_name(t, "tenant")?;
        self.require_owner("adds tenants")?;
        let mut tx = self.store().begin()?;
        if self.store().tenant(&t)?.is_some() {
            return Err(Error::conflict(format!(
                "tenant '{}' exists",
                text::escape(&t)
            )));
        }
        self.require_unlike(Kind::Tenant, &t, None)?;
        tx.put(keys::tenant(&t), &Tenant { name: t.clone() });
        self.commit(
            tx,
            AuditAction::TenantAdd,
            format!("tenant:{t}"),
            At::Account,
        )?;
        Ok(())
    }

    // ---- workspaces ----

    pub fn ws_add(&self, name: &str) -> Result<Workspace> {
        let name = names::validate_name(name, "workspace")?;
        self.require_owner("creates workspaces")?;
        let mut tx = self.store().begin()?;
        if self.store().workspace_by_name(&name)?.is_some() {
            return Err(Error::conflict(format!(
                "workspace '{}' exists",
                text::escape(&name)
            )));
        }
        self.require_unlike(Kind::Workspace, &name, None)?;
        let ws = put_new_workspace(&mut tx, &name, &self.account.owner);
        self.commit(
            tx,
            AuditAction::WsAdd,
            format!("/{name}"),
            At::Workspace(ws.id),
        )?;
        Ok(ws)
    }

    pub fn ws_rename(&self, name: &str, new: &str) -> Result<()> {
        let name = names::validate_name(name, "workspace")?;
        let new = names::validate_name(new, "workspace")?;
        let mut tx = self.store().begin()?;
        let mut ws = self.workspace_named(&name)?;
        self.require_owner("renames workspaces")?;
        if new == ws.name {
            self.unchanged(format!("workspace {new} is already named so"));
            return Ok(());
        }
        if self.store().workspace_by_name(&new)?.is_some() {
            return Err(Error::conflict(format!(
                "workspace '{}' exists",
                text::escape(&new)
            )));
        }
        self.require_unlike(Kind::Workspace, &new, Some(&ws.name))?;
        tx.del(keys::ws_name(&ws.name));
        tx.require_absent(keys::ws_name(&new), "the new name is taken");
        ws.name = new.clone();
        tx.put(keys::ws_name(&new), &ws.id);
        tx.put(keys::workspace(ws.id), &ws);
        self.commit(
            tx,
            AuditAction::WsRename,
            format!("/{name} -> /{new}"),
            At::Workspace(ws.id),
        )?;
        Ok(())
    }

    /// R6: only when every space in it is empty.
    pub fn ws_rm(&self, name: &str) -> Result<()> {
        let name = names::validate_name(name, "workspace")?;
        let mut tx = self.store().begin()?;
        let ws = self.workspace_named(&name)?;
        self.require_owner("deletes workspaces")?;
        if self.store().workspace_has_items(ws.id)? {
            return Err(Error::conflict(format!(
                "workspace '{}' is not empty: its Team Space or a My Creations holds items (R6)",
                text::escape(&ws.name)
            )));
        }
        for (login, _) in self.store().members(ws.id)? {
            tx.del(keys::role(ws.id, &login));
            tx.del(keys::user_ws(&login, ws.id));
        }
        for i in self.store().integrations(ws.id)? {
            tx.del(keys::integ(ws.id, &i.name));
        }
        tx.del(keys::ws_name(&ws.name));
        tx.del(keys::workspace(ws.id));
        self.commit(
            tx,
            AuditAction::WsRm,
            format!("/{}", ws.name),
            At::Workspace(ws.id),
        )?;
        Ok(())
    }

    /// Workspaces the actor sees, by name.
    pub fn workspaces(&self) -> Result<Vec<Workspace>> {
        let mut out = Vec::new();
        for ws in self.store().workspaces()? {
            if self.ws_seen(&ws)? {
                out.push(ws);
            }
        }
        Ok(out)
    }

    // ---- roles ----

    pub fn role_grant(&self, ws: &str, login: &str, roles: &[Role]) -> Result<Roles> {
        let wsn = names::validate_name(ws, "workspace")?;
        names::validate_login(login)?;
        if roles.is_empty() {
            return Err(Error::invalid(
                "name at least one role: sysadmin, datamanager, analyst",
            ));
        }
        let mut tx = self.store().begin()?;
        let ws = self.workspace_named(&wsn)?;
        let u = self.user_required(login)?;
        if u.tenant.is_some() {
            return Err(Error::invalid(format!(
                "{} is a tenant user: tenant users hold no roles (R9)",
                u.login
            )));
        }
        self.require_owner("assigns workspace roles")?;
        let old = self.store().roles(ws.id, &u.login)?;
        let new = roles.iter().fold(old, |a, r| a.with(*r));
        if new == old {
            self.unchanged(format!(
                "{} already holds those roles in {}",
                u.login, ws.name
            ));
            return Ok(new);
        }
        tx.put(keys::role(ws.id, &u.login), &new);
        tx.put(keys::user_ws(&u.login, ws.id), &());
        let words: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        self.commit(
            tx,
            AuditAction::RoleGrant,
            format!("/{} user:{} {}", ws.name, u.login, words.join(" ")),
            At::Workspace(ws.id),
        )?;
        Ok(new)
    }

    /// R8: losing `analyst` (or the workspace) is refused while the user's My
    /// Creations holds items, unless they go to another analyst's My Creations
    /// in a folder named after the leaving login, grants kept.
    pub fn role_revoke(
        &self,
        ws: &str,
        login: &str,
        roles: &[Role],
        transfer_to: Option<&str>,
    ) -> Result<Roles> {
        let wsn = names::validate_name(ws, "workspace")?;
        names::validate_login(login)?;
        let transfer_to = transfer_to.map(names::validate_login).transpose()?;
        if roles.is_empty() {
            return Err(Error::invalid(
                "name at least one role: sysadmin, datamanager, analyst",
            ));
        }
        let mut tx = self.store().begin()?;
        let ws = self.workspace_named(&wsn)?;
        let u = self.user_required(login)?;
        self.require_owner("revokes workspace roles")?;
        if u.login == self.account.owner {
            return Err(Error::denied("the account owner holds every role in every workspace; they cannot be revoked (R5)"));
        }
        let old = self.store().roles(ws.id, &u.login)?;
        let new = roles.iter().fold(old, |a, r| a.without(*r));
        let loses_space = old.has(Role::Analyst) && !new.has(Role::Analyst);
        let my = SpaceRef::my(ws.id, &u.login);
        let my_items = if loses_space {
            self.store().children(&Parent::Root(my.clone()))?
        } else {
            Vec::new()
        };
        if let Some(to) = &transfer_to {
            if my_items.is_empty() {
                // Nothing to carry: the option is harmless, but say so only when it names someone odd.
                self.user_required(to)?;
            }
        }
        let transfer_note = self.hand_over(&mut tx, &ws, &u, my_items, transfer_to)?;
        if new.is_empty() {
            tx.del(keys::role(ws.id, &u.login));
            tx.del(keys::user_ws(&u.login, ws.id));
        } else {
            tx.put(keys::role(ws.id, &u.login), &new);
        }
        if new == old && transfer_note.is_empty() {
            self.unchanged(format!(
                "{} holds none of those roles in {}",
                u.login, ws.name
            ));
            return Ok(new);
        }
        let words: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        self.commit(
            tx,
            AuditAction::RoleRevoke,
            format!(
                "/{} user:{} {}{}",
                ws.name,
                u.login,
                words.join(" "),
                transfer_note
            ),
            At::Workspace(ws.id),
        )?;
        Ok(new)
    }

    /// `user rm LOGIN [--transfer-to HEIR]` (offboarding), one change: in
    /// every workspace the user's My Creations goes to HEIR as R8 hands it
    /// over (refused while items would be left behind), their roles,
    /// memberships and the grants to them end, and the user is gone. Team
    /// Space items they own keep their owner's name (R24), as history.
    pub fn user_rm(&self, login: &str, transfer_to: Option<&str>) -> Result<String> {
        let login = names::validate_login(login)?;
        let transfer_to = transfer_to.map(names::validate_login).transpose()?;
        let mut tx = self.store().begin()?;
        let u = self.user_required(&login)?;
        if let Some(h) = &transfer_to {
            self.user_required(h)?;
        }
        self.require_owner("removes users")?;
        if u.login == self.account.owner {
            return Err(Error::denied("the account owner cannot be removed (R5)"));
        }
        let mut moved = String::new();
        for ws_id in self.store().user_workspaces(&u.login)? {
            let Some(ws) = self.store().workspace(ws_id)? else {
                continue;
            };
            let mine = self
                .store()
                .children(&Parent::Root(SpaceRef::my(ws.id, &u.login)))?;
            moved += &self.hand_over(&mut tx, &ws, &u, mine, transfer_to.clone())?;
            tx.del(keys::role(ws.id, &u.login));
            tx.del(keys::user_ws(&u.login, ws.id));
        }
        for g in self.store().user_groups(&u.login)? {
            tx.del(keys::pair(keys::GROUP_MEMBER, &g, &u.login));
            tx.del(keys::pair(keys::USER_GROUP, &u.login, &g));
        }
        for o in self.store().user_orgs(&u.login)? {
            tx.del(keys::pair(keys::ORG_MEMBER, &o, &u.login));
            tx.del(keys::pair(keys::USER_ORG, &u.login, &o));
        }
        let grants = self.drop_grants_to(&mut tx, &Subject::User(u.login.clone()))?;
        tx.require_present(keys::user(&u.login), "the user was removed meanwhile");
        tx.del(keys::user(&u.login));
        let what = format!("user:{} ({grants} grant(s) removed){moved}", u.login);
        self.commit(tx, AuditAction::UserRm, what.clone(), At::Account)?;
        Ok(format!("removed {what}"))
    }

    /// R8: the items of `u`'s My Creations in `ws` go to another analyst's
    /// My Creations, in a folder named after `u`, grants kept. Nothing to
    /// carry: "". Items and no heir: a conflict naming the option.
    fn hand_over(
        &self,
        tx: &mut Txn<'_>,
        ws: &Workspace,
        u: &User,
        my_items: Vec<Item>,
        transfer_to: Option<String>,
    ) -> Result<String> {
        if my_items.is_empty() {
            return Ok(String::new());
        }
        let Some(to) = transfer_to else {
            return Err(Error::conflict(format!(
                "{}'s My Creations in '{}' holds {} item(s); pass --transfer-to LOGIN to hand them to another analyst (R8)",
                u.login,
                text::escape(&ws.name),
                my_items.len()
            )));
        };
        let heir = self.user_required(&to)?;
        if heir.login == u.login || !self.store().roles(ws.id, &heir.login)?.has(Role::Analyst) {
            return Err(Error::invalid(format!(
                "--transfer-to must name another analyst of '{}' (R8)",
                text::escape(&ws.name)
            )));
        }
        let heir_root = Parent::Root(SpaceRef::my(ws.id, &heir.login));
        if self.store().child(&heir_root, &u.login)?.is_some() {
            return Err(Error::conflict(format!(
                "{}'s My Creations already holds an item named '{}' (R1, R8)",
                heir.login, u.login
            )));
        }
        let t = now();
        let heir_space = SpaceRef::my(ws.id, &heir.login);
        let folder = Item {
            id: tx.alloc_id(),
            kind: ItemKind::Folder,
            name: u.login.clone(),
            space: heir_space.clone(),
            parent: None,
            owner: heir.login.clone(),
            creator: heir.login.clone(),
            created: t,
            modified: t,
            description: format!("transferred from {} (R8)", u.login),
            restricted: Default::default(),
            integrations: Default::default(),
        };
        tx.require_free_name(&heir_root, &folder.name);
        tx.put_item(&folder);
        // Every item below moves space and owner (§1: My Creations items belong to the space owner).
        let mut stack: Vec<(Item, Option<ItemId>)> =
            my_items.into_iter().map(|i| (i, Some(folder.id))).collect();
        let mut n = 0;
        while let Some((old_item, new_parent)) = stack.pop() {
            let mut it = old_item.clone();
            it.space = heir_space.clone();
            it.owner = heir.login.clone();
            it.parent = new_parent;
            if it.kind == ItemKind::Folder {
                for c in self.store().children(&Parent::Folder(it.id))? {
                    stack.push((c, Some(it.id)));
                }
            }
            tx.replace_item(&old_item, &it);
            n += 1;
        }
        Ok(format!(
            " (moved {n} item(s) to /{}/my/{}/{})",
            ws.name, heir.login, u.login
        ))
    }
}

#[derive(Clone, Copy)]
enum Membership {
    Group,
    Org,
}

impl Membership {
    fn what(self) -> &'static str {
        match self {
            Membership::Group => "group",
            Membership::Org => "org unit",
        }
    }
    fn word(self) -> &'static str {
        match self {
            Membership::Group => "group",
            Membership::Org => "org",
        }
    }
    /// The two indexes of a membership: by group/unit, and by user.
    fn tables(self) -> (u8, u8) {
        match self {
            Membership::Group => (keys::GROUP_MEMBER, keys::USER_GROUP),
            Membership::Org => (keys::ORG_MEMBER, keys::USER_ORG),
        }
    }
}
