//! Helpers for browsing front ends (the terminal UI): space roots as
//! locations, whole-space walks for search and pickers, and the answers to
//! "may the actor do this workspace-level action?" with the rule's reason, so a
//! front end shows an action disabled instead of failing after a dialog.

use super::*;

/// Whether an action is open to the actor, and why (with the rule number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowance {
    pub allowed: bool,
    pub reason: String,
}

impl Allowance {
    fn yes(reason: impl Into<String>) -> Self {
        Allowance {
            allowed: true,
            reason: reason.into(),
        }
    }
    fn no(reason: impl Into<String>) -> Self {
        Allowance {
            allowed: false,
            reason: reason.into(),
        }
    }
}

impl From<&Decision> for Allowance {
    fn from(d: &Decision) -> Self {
        Allowance {
            allowed: d.allowed,
            reason: d.reason.clone(),
        }
    }
}

impl Session<'_> {
    /// A space root as a location (the caller knows the actor sees the space).
    pub fn space_root(&self, space: &SpaceRef) -> Result<Resolved> {
        Ok(Resolved {
            loc: Loc::Root(space.clone()),
            path: self.space_path(space)?,
            chain: None,
        })
    }

    /// Every item of a space that the actor sees (at least as a path), depth
    /// first in R3 order: what search and the destination pickers walk.
    pub fn walk_space(&self, space: &SpaceRef) -> Result<Vec<(Item, Resolved, Decision)>> {
        let root = self.space_root(space)?;
        let mut out = Vec::new();
        let mut stack = vec![root];
        while let Some(r) = stack.pop() {
            let kids = self.visible_children(&r)?;
            let mut folders = Vec::new();
            for (it, cr, d) in kids {
                if it.kind == ItemKind::Folder {
                    folders.push(cr.clone());
                }
                out.push((it, cr, d));
            }
            stack.extend(folders.into_iter().rev());
        }
        Ok(out)
    }

    /// The folders and roots an item may move to (R18, R23, R24, R25): its own
    /// space and, for apps, the other spaces of its workspace the actor owns or
    /// sees; each offered only where [`Session::check_move`] allows it.
    pub fn move_destinations(&self, item: &Item, src: &Resolved) -> Result<Vec<Resolved>> {
        let mut spaces = vec![item.space.clone()];
        if item.kind == ItemKind::App {
            let team = SpaceRef::team(item.space.ws);
            let mine = SpaceRef::my(item.space.ws, self.login());
            for s in [team, mine] {
                if !spaces.contains(&s) {
                    spaces.push(s);
                }
            }
        }
        let mut out = Vec::new();
        for s in spaces {
            let root = self.space_root(&s)?;
            if self.decide(Action::View, &root)?.seen == Seen::Hidden {
                continue;
            }
            let mut cands = vec![root];
            cands.extend(
                self.walk_space(&s)?
                    .into_iter()
                    .filter(|(i, _, _)| i.kind == ItemKind::Folder)
                    .map(|(_, r, _)| r),
            );
            for c in cands {
                if Parent::of(item) == c.as_parent() {
                    continue; // already there
                }
                if self.check_move(item, src, &c).is_ok() {
                    out.push(c);
                }
            }
        }
        Ok(out)
    }

    /// The folders and roots an app may be copied to (R20): where the actor may create.
    pub fn copy_destinations(&self, item: &Item) -> Result<Vec<Resolved>> {
        let mut spaces = vec![
            SpaceRef::team(item.space.ws),
            SpaceRef::my(item.space.ws, self.login()),
        ];
        if !spaces.contains(&item.space) {
            spaces.push(item.space.clone());
        }
        let mut out = Vec::new();
        for s in spaces {
            let root = self.space_root(&s)?;
            if self.decide(Action::View, &root)?.seen == Seen::Hidden {
                continue;
            }
            let mut cands = vec![root];
            cands.extend(
                self.walk_space(&s)?
                    .into_iter()
                    .filter(|(i, _, _)| i.kind == ItemKind::Folder)
                    .map(|(_, r, _)| r),
            );
            for c in cands {
                if self.decide(Action::Create, &c)?.allowed
                    && self.store().child(&c.as_parent(), &item.name)?.is_none()
                {
                    out.push(c);
                }
            }
        }
        Ok(out)
    }

    /// R29: members with `sysadmin` edit resource endpoints.
    pub fn may_edit_resources(&self, ws: &Workspace) -> Allowance {
        if self.actor.roles_in(ws.id).has(Role::Sysadmin) {
            Allowance::yes("members with the sysadmin role edit resources (R29)")
        } else {
            Allowance::no("only members with the sysadmin role edit resources (R29)")
        }
    }

    /// R30: Team Space admins restrict apps from resources.
    pub fn may_restrict(&self, item: &Item) -> Allowance {
        if item.kind != ItemKind::App {
            Allowance::no("only apps are restricted from resources (R30)")
        } else if self.actor.is_admin(item.space.ws) {
            Allowance::yes("Team Space admins restrict apps from resources (R30)")
        } else {
            Allowance::no("only Team Space admins restrict apps from resources (R30)")
        }
    }

    /// R31: members with `datamanager` create, edit and delete integrations.
    pub fn may_manage_integrations(&self, ws: &Workspace) -> Allowance {
        if self.actor.roles_in(ws.id).has(Role::Datamanager) {
            Allowance::yes("members with the datamanager role manage integrations (R31)")
        } else {
            Allowance::no(
                "only members with the datamanager role create, edit and delete integrations (R31)",
            )
        }
    }

    /// R4: only the account owner assigns and revokes workspace roles.
    pub fn may_manage_roles(&self) -> Allowance {
        if self.actor.is_account_owner {
            Allowance::yes("the account owner assigns workspace roles (R4)")
        } else {
            Allowance::no("only the account owner assigns and revokes workspace roles (R4)")
        }
    }

    /// R17: a collaboration granted to the actor directly as a user can be left.
    pub fn may_leave(&self, r: &Resolved) -> Result<Allowance> {
        let Some(item) = r.item() else {
            return Ok(Allowance::no("a space root takes no grants (R21)"));
        };
        let me = Subject::User(self.login().to_string());
        Ok(if self.store().grant(item.id, &me)?.is_some() {
            Allowance::yes("a collaboration granted to you directly can be left (R17)")
        } else {
            Allowance::no("only a collaboration granted to you directly as a user on this item can be left (R17)")
        })
    }

    /// R28 ahead of time: a delete the actor may do that would be refused as not empty.
    pub fn delete_blocker(&self, r: &Resolved) -> Result<Option<Error>> {
        let d = self.decide(Action::Delete, r)?;
        if !d.allowed {
            return Ok(None);
        }
        if let Some(item) = r.item() {
            if item.kind == ItemKind::Folder
                && self.store().has_children(&Parent::Folder(item.id))?
            {
                return Ok(Some(Error::conflict(format!(
                    "{} is not empty: delete or move its items first (R28)",
                    text::escape(&r.path)
                ))));
            }
        }
        Ok(None)
    }
}

/// Plain reads a browsing front end shows next to an item or a workspace it
/// already holds (the actor was allowed to see it): no rule is asked here.
impl Session<'_> {
    /// The dashboards, charts and datasets of an app.
    pub fn assets_of(&self, app: &Item) -> Result<Vec<Asset>> {
        self.store().assets(app.id)
    }

    /// The grants set on the item itself (not those inherited, R10).
    pub fn grants_of(&self, item: &Item) -> Result<Vec<Grant>> {
        self.store().grants_on(item.id)
    }

    /// The workspace an item lives in.
    pub fn workspace_of(&self, item: &Item) -> Result<Option<Workspace>> {
        self.store().workspace(item.space.ws)
    }

    /// The members of a workspace with their roles (R5-R7).
    pub fn members_of(&self, ws: WsId) -> Result<Vec<(String, Roles)>> {
        self.store().members(ws)
    }

    /// A user's roles in a workspace.
    pub fn roles_of(&self, ws: WsId, login: &str) -> Result<Roles> {
        self.store().roles(ws, login)
    }

    /// The integrations of a workspace (R31).
    pub fn integrations_of(&self, ws: WsId) -> Result<Vec<Integration>> {
        self.store().integrations(ws)
    }

    /// Who an item may be shared with: users who are not tenant users, groups,
    /// org units and, in Team Space only, tenants (R16, R26, R27). Each with a
    /// word about it: a user's name, an org unit's parent unit, else empty.
    pub fn share_subjects(&self, team: bool) -> Result<Vec<(Subject, String)>> {
        let st = self.store();
        let mut out = Vec::new();
        for u in st.users()? {
            if u.tenant.is_none() {
                out.push((Subject::User(u.login), u.name));
            }
        }
        for g in st.groups()? {
            out.push((Subject::Group(g.name), String::new()));
        }
        for o in st.orgs()? {
            out.push((Subject::Org(o.name), o.parent.unwrap_or_default()));
        }
        if team {
            for t in st.tenants()? {
                out.push((Subject::Tenant(t.name), String::new()));
            }
        }
        // The picker offers only what the actor reads (R33).
        out.retain(|(s, _)| crate::domain::rules::reads_subject(&self.actor, s));
        for (s, word) in &mut out {
            if matches!(s, Subject::Org(_)) && !self.reads(crate::domain::rules::Person::Unit(word))
            {
                word.clear();
            }
        }
        Ok(out)
    }
}

impl Session<'_> {
    /// A page of the visible children of a folder or root, in R3 order: at
    /// least `want` of them unless the listing ends, and the cursor to go on
    /// from (None at the end). A front end lists a huge folder page by page.
    #[allow(clippy::type_complexity)]
    pub fn visible_children_page(
        &self,
        parent: &Resolved,
        after: Option<Vec<u8>>,
        want: usize,
    ) -> Result<(Vec<(Item, Resolved, Decision)>, Option<Vec<u8>>)> {
        let space = parent.space().clone();
        let space_path = self.space_path(&space)?;
        let pk = parent.as_parent();
        let mut out = Vec::new();
        let mut cursor = after;
        loop {
            let (items, next) = self
                .store()
                .children_page(&pk, cursor.as_deref(), want.max(1))?;
            for child in items {
                let chain = self.child_chain(parent.chain.as_ref(), &space, &space_path, &child)?;
                let r = Resolved {
                    path: chain.item().path.to_string(),
                    loc: Loc::Item(child.clone()),
                    chain: Some(chain),
                };
                let d = self.decide(Action::View, &r)?;
                if d.seen != Seen::Hidden {
                    out.push((child, r, d));
                }
            }
            cursor = next;
            if cursor.is_none() || out.len() >= want {
                return Ok((out, cursor));
            }
        }
    }
}
