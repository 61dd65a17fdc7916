//! Folders, apps and assets: create, rename, move, copy, delete (R1, R2,
//! R18–R20, R23–R25, R28).

use super::*;
use crate::store::keys;

/// §1: in a My Creations the owner is always the space owner; in Team Space the creator.
fn owner_for(space: &SpaceRef, actor: &str) -> String {
    space.my_owner().unwrap_or(actor).to_string()
}

fn split_last(ip: &ItemPath) -> (ItemPath, String) {
    let mut parent = ip.clone();
    let name = parent.names.pop().unwrap_or_default();
    (parent, name)
}

fn taken(name: &str, where_: &str) -> Error {
    Error::conflict(format!(
        "'{}' is already taken in {} (R1)",
        text::escape(name),
        text::escape(where_)
    ))
}

impl Session<'_> {
    /// R1, as the rule table reads it: a name taken by a sibling, or that
    /// looks like a sibling's (UTS #39), is a conflict. `except`: the item
    /// being renamed, which may keep looking like itself.
    fn require_free_look(
        &self,
        parent: &Parent,
        name: &str,
        except: Option<ItemId>,
        where_: &str,
    ) -> Result<()> {
        // One pass over the children's index answers both: the same name,
        // and a name that looks the same.
        for (id, _, other) in self.store().child_entries(parent)? {
            if Some(id) == except {
                continue;
            }
            if other == name {
                return Err(taken(name, where_));
            }
            if names::confusable(&other, name) {
                return Err(Error::conflict(format!(
                    "'{}' looks like '{}', already in {} (R1: names that look alike are refused)",
                    text::escape(name),
                    text::escape(&other),
                    text::escape(where_)
                )));
            }
        }
        Ok(())
    }

    /// `mkdir PATH` / `app PATH`.
    pub fn create(&self, raw: &str, kind: ItemKind) -> Result<Item> {
        let ip = path::parse_item(raw)?;
        let (pp, name) = split_last(&ip);
        let name = names::validate_name(&name, kind.as_str())?;
        let mut tx = self.store().begin()?;
        let parent = &self.resolve(&pp)?;
        if parent.item().map(|i| i.kind) == Some(ItemKind::App) {
            return Err(Error::invalid(
                "items are created in folders or at a space root, not in an app",
            ));
        }
        self.require(Action::Create, parent)?;
        let pk = parent.as_parent();
        self.require_free_look(&pk, &name, None, &parent.path)?;
        let space = parent.space().clone();
        let t = now();
        let item = Item {
            id: tx.alloc_id(),
            kind,
            name: name.clone(),
            owner: owner_for(&space, self.login()),
            creator: self.login().to_string(),
            space: space.clone(),
            parent: parent.item().map(|i| i.id),
            created: t,
            modified: t,
            description: String::new(),
            restricted: Default::default(),
            integrations: Default::default(),
        };
        tx.require_free_name(&pk, &name);
        if let Some(p) = parent.item() {
            tx.require_present(keys::item(p.id), "the folder was removed meanwhile");
        }
        tx.put_item(&item);
        let verb = if kind == ItemKind::Folder {
            AuditAction::Mkdir
        } else {
            AuditAction::App
        };
        self.commit(
            tx,
            verb,
            format!("{}/{}", parent.path, name),
            At::item(&item),
        )?;
        Ok(item)
    }

    fn app_required(&self, raw_app: &ItemPath) -> Result<(Item, Resolved)> {
        let r = self.resolve(raw_app)?;
        match &r.loc {
            Loc::Item(i) if i.kind == ItemKind::App => Ok((i.clone(), r.clone())),
            _ => Err(Error::invalid(format!(
                "{} is not an app",
                text::escape(&r.path)
            ))),
        }
    }

    pub fn asset_add(&self, app: &str, kind: &str, name: &str) -> Result<Asset> {
        let ip = path::parse_item(app)?;
        let kind: AssetKind = kind.parse()?;
        let name = names::validate_name(name, "asset")?;
        let mut tx = self.store().begin()?;
        let (app, r) = self.app_required(&ip)?;
        self.require(Action::Edit, &r)?;
        if self.store().asset(app.id, kind, &name)?.is_some() {
            return Err(Error::conflict(format!(
                "{}:{kind}/{} exists (R1)",
                text::escape(&r.path),
                text::escape(&name)
            )));
        }
        let a = Asset {
            app: app.id,
            kind,
            name: name.clone(),
            created: now(),
        };
        tx.require_absent(keys::asset(app.id, kind, &name), "the asset exists (R1)");
        tx.put(keys::asset(app.id, kind, &name), &a);
        let mut touched = app.clone();
        touched.modified = now();
        tx.replace_item(&app, &touched);
        self.commit(
            tx,
            AuditAction::AssetAdd,
            format!("{}:{kind}/{name}", r.path),
            At::item(&app),
        )?;
        Ok(a)
    }

    /// The asset a path names in its app, or not found.
    fn asset_required(&self, app: &Item, r: &Resolved, ap: &path::AssetPath) -> Result<Asset> {
        self.store()
            .asset(app.id, ap.kind, &ap.name)?
            .ok_or_else(|| {
                Error::not_found(format!(
                    "{}:{}/{} does not exist",
                    text::escape(&r.path),
                    ap.kind,
                    text::escape(&ap.name)
                ))
            })
    }

    pub fn asset_rm(&self, raw: &str) -> Result<()> {
        let ap = path::parse_asset(raw)?;
        let mut tx = self.store().begin()?;
        let (app, r) = self.app_required(&ap.app)?;
        self.require(Action::Edit, &r)?;
        self.asset_required(&app, &r, &ap)?;
        tx.del(keys::asset(app.id, ap.kind, &ap.name));
        self.commit(
            tx,
            AuditAction::AssetRm,
            format!("{}:{}/{}", r.path, ap.kind, ap.name),
            At::item(&app),
        )?;
        Ok(())
    }

    /// Renames an asset within its app (R1: no other asset of its kind has the name).
    pub fn asset_rename(&self, raw: &str, new_name: &str) -> Result<Asset> {
        let ap = path::parse_asset(raw)?;
        let new_name = names::validate_name(new_name, "asset")?;
        let mut tx = self.store().begin()?;
        let (app, r) = self.app_required(&ap.app)?;
        self.require(Action::Edit, &r)?;
        let old = self.asset_required(&app, &r, &ap)?;
        if new_name == old.name {
            self.unchanged(format!("{raw} is already named so"));
            return Ok(old);
        }
        if self.store().asset(app.id, ap.kind, &new_name)?.is_some() {
            return Err(Error::conflict(format!(
                "{}:{}/{} exists (R1)",
                text::escape(&r.path),
                ap.kind,
                text::escape(&new_name)
            )));
        }
        let a = Asset {
            name: new_name.clone(),
            ..old
        };
        tx.require_absent(
            keys::asset(app.id, ap.kind, &new_name),
            "the asset exists (R1)",
        );
        tx.del(keys::asset(app.id, ap.kind, &ap.name));
        tx.put(keys::asset(app.id, ap.kind, &new_name), &a);
        self.commit(
            tx,
            AuditAction::AssetRename,
            format!("{}:{}/{} -> {new_name}", r.path, ap.kind, ap.name),
            At::item(&app),
        )?;
        Ok(a)
    }

    pub fn rename(&self, raw: &str, new_name: &str) -> Result<Item> {
        let ip = path::parse_item(raw)?;
        let new_name = names::validate_name(new_name, "item")?;
        let mut tx = self.store().begin()?;
        let (item, r) = self.resolve_item(&ip.to_string())?;
        self.require(Action::Rename, &r)?;
        if new_name == item.name {
            self.unchanged(format!("{} is already named so", r.path));
            return Ok(item);
        }
        let pk = Parent::of(&item);
        let folder = r.path.rsplit_once('/').map(|x| x.0).unwrap_or("/");
        self.require_free_look(&pk, &new_name, Some(item.id), folder)?;
        let mut it = item.clone();
        it.name = new_name.clone();
        it.modified = now();
        tx.require_free_name(&pk, &new_name);
        tx.replace_item(&item, &it);
        self.commit(
            tx,
            AuditAction::Rename,
            format!("{} -> {}", r.path, new_name),
            At::item(&it),
        )?;
        Ok(it)
    }

    /// `mv PATH DEST` (R18, R19, R23, R24, R25).
    pub fn mv(&self, raw: &str, dest: &str) -> Result<Item> {
        let ip = path::parse_item(raw)?;
        let dp = path::parse_in(dest)?;
        let mut tx = self.store().begin()?;
        let (item, src) = self.resolve_item(&ip.to_string())?;
        let dst = self.resolve(&dp)?;
        self.check_move(&item, &src, &dst)?;
        if Parent::of(&item) == dst.as_parent() {
            self.unchanged(format!("{} is already in {}", src.path, dst.path));
            return Ok(item);
        }
        let mut it = item.clone();
        it.parent = dst.item().map(|i| i.id);
        it.space = dst.space().clone();
        it.modified = now();
        // R24: into Team Space the app keeps its owner and its grants (nothing to do).
        if item.space.is_team() && !it.space.is_team() {
            // R25: tenant grants are dropped on the way back.
            for g in self.store().grants_on(item.id)? {
                if matches!(g.subject, Subject::Tenant(_)) {
                    tx.del_grant(item.id, &g.subject);
                }
            }
        }
        tx.require_free_name(&dst.as_parent(), &it.name);
        tx.require_present(keys::item(item.id), "the item was removed meanwhile");
        tx.replace_item(&item, &it);
        let target = format!("{} -> {}", src.path, dst.path);
        // R14, R32: a move out of a My Creations names the private path it
        // left, so its entry belongs to that space (masked for others).
        let audit_space = if item.space.is_team() {
            it.space.clone()
        } else {
            item.space.clone()
        };
        self.commit(
            tx,
            AuditAction::Mv,
            target,
            At::Item {
                id: it.id,
                space: audit_space,
            },
        )?;
        Ok(it)
    }

    /// Checks a move without making it: what the UI's destination picker asks.
    pub fn check_move(&self, item: &Item, src: &Resolved, dst: &Resolved) -> Result<()> {
        if dst.item().map(|i| i.kind) == Some(ItemKind::App) {
            return Err(Error::invalid(
                "the destination must be a folder or a space root",
            ));
        }
        let (from, to) = (&item.space, dst.space());
        if from != to {
            if item.kind == ItemKind::Folder {
                return Err(Error::invalid(
                    "only apps move between spaces; a folder moves within its space (R24)",
                ));
            }
            if from.ws != to.ws {
                return Err(Error::invalid("items do not move between workspaces"));
            }
            match (&from.kind, &to.kind) {
                (SpaceKind::My(_), SpaceKind::My(_)) => return Err(Error::invalid(
                    "items move only within their own My Creations, or to Team Space (R18, R24)",
                )),
                (SpaceKind::My(owner), SpaceKind::Team) => {
                    // R24: the app's owner moves it into a folder where they may create.
                    if owner != self.login() {
                        return Err(Error::denied(format!(
                            "only the owner moves {} to Team Space (R24)",
                            text::escape(&src.path)
                        )));
                    }
                    let d = self.decide(Action::Create, dst)?;
                    if !d.allowed {
                        return Err(Error::denied(format!(
                            "cannot create in {}: {} (R24)",
                            text::escape(&dst.path),
                            d.reason
                        )));
                    }
                }
                (SpaceKind::Team, SpaceKind::My(target)) => {
                    // R25: only the app's owner, and only to their own My Creations.
                    if item.owner != self.login() || target != self.login() {
                        return Err(Error::denied(format!(
                            "only the app's owner ({}) moves it back to their own My Creations (R25)",
                            item.owner
                        )));
                    }
                    self.require(Action::Create, dst)?;
                }
                _ => unreachable!("distinct spaces of one workspace"),
            }
        } else {
            self.require(Action::Move, src)?;
            match &dst.chain {
                None if to.is_team() && !self.actor.is_admin(to.ws) => {
                    return Err(Error::denied(
                        "only Team Space admins move items to the root (R21, R23)",
                    ));
                }
                None => {}
                Some(_) => {
                    let d = self.decide(Action::Move, dst)?;
                    if !d.allowed {
                        let why = if to.is_team() {
                            format!(
                                "a move needs manager on the destination folder; {} (R23)",
                                d.reason
                            )
                        } else {
                            d.reason.clone()
                        };
                        return Err(Error::denied(format!(
                            "move into {}: {why}",
                            text::escape(&dst.path)
                        )));
                    }
                }
            }
        }
        // R18, R23: no move into itself or below itself.
        if let Some(chain) = &dst.chain {
            if chain.links.iter().any(|l| l.id == item.id) {
                return Err(Error::conflict(format!(
                    "{} cannot move into itself or below itself (R18, R23)",
                    text::escape(&src.path)
                )));
            }
        }
        if Parent::of(item) != dst.as_parent() {
            self.require_free_look(&dst.as_parent(), &item.name, None, &dst.path)?;
        }
        Ok(())
    }

    /// Whether the actor may copy `item` into `dst` (R20), as `cp` decides.
    pub fn check_copy(
        &self,
        item: &Item,
        src: &Resolved,
        dst: &Resolved,
        beside: bool,
    ) -> Result<()> {
        if item.kind != ItemKind::App {
            return Err(Error::invalid("only apps are copied (R20)"));
        }
        if dst.item().map(|i| i.kind) == Some(ItemKind::App) {
            return Err(Error::invalid(
                "the destination must be a folder or a space root",
            ));
        }
        self.require(Action::Copy, src)?;
        self.require(Action::Create, dst)?;
        // R20: "create a copy" names it `<name> (copy)`, …; "copy to" keeps the
        // name, so copying into its own folder is a conflict like any taken name.
        if !beside {
            self.require_free_look(&dst.as_parent(), &item.name, None, &dst.path)?;
        }
        Ok(())
    }

    /// `cp PATH DEST` or `cp PATH --beside` (R20).
    pub fn cp(&self, raw: &str, dest: Option<&str>) -> Result<Item> {
        let ip = path::parse_item(raw)?;
        let dp = dest.map(path::parse_in).transpose()?;
        let mut tx = self.store().begin()?;
        let (item, src) = self.resolve_item(&ip.to_string())?;
        let dst = match dp {
            Some(dp) => Some(self.resolve(&dp)?),
            None => None,
        };
        let copy_beside = dst.is_none();
        let dst = match dst {
            Some(d) => d,
            None => self.parent_of(&item, &src)?,
        };
        self.check_copy(&item, &src, &dst, copy_beside)?;
        let pk = dst.as_parent();
        let name = if copy_beside {
            self.copy_name(&pk, &item.name)?
        } else {
            item.name.clone()
        };
        let space = dst.space().clone();
        let t = now();
        let copy = Item {
            id: tx.alloc_id(),
            kind: ItemKind::App,
            name: name.clone(),
            owner: owner_for(&space, self.login()),
            creator: self.login().to_string(),
            parent: dst.item().map(|i| i.id),
            created: t,
            modified: t,
            description: item.description.clone(),
            restricted: item.restricted.clone(),
            // Integrations belong to a workspace: they follow only within it.
            integrations: if space.ws == item.space.ws {
                item.integrations.clone()
            } else {
                Default::default()
            },
            space: space.clone(),
        };
        tx.require_free_name(&pk, &name);
        tx.put_item(&copy);
        for a in self.store().assets(item.id)? {
            let na = Asset {
                app: copy.id,
                created: t,
                ..a
            };
            tx.put(keys::asset(copy.id, na.kind, &na.name), &na);
        }
        for i in &copy.integrations {
            tx.put(keys::integ_use(space.ws, i, copy.id), &());
        }
        self.commit(
            tx,
            AuditAction::Cp,
            format!("{} -> {}/{}", src.path, dst.path, name),
            At::item(&copy),
        )?;
        Ok(copy)
    }

    /// The parent of an item, resolved for the actor (seen at least as a path).
    pub fn parent_of(&self, item: &Item, src: &Resolved) -> Result<Resolved> {
        match item.parent {
            Some(pid) => {
                let p = self.store().item_required(pid)?;
                let chain = self.chain_of(&p)?;
                Ok(Resolved {
                    path: chain.item().path.to_string(),
                    loc: Loc::Item(p),
                    chain: Some(chain),
                })
            }
            None => {
                let space = src.space().clone();
                Ok(Resolved {
                    path: self.space_path(&space)?,
                    loc: Loc::Root(space),
                    chain: None,
                })
            }
        }
    }

    /// The name "create a copy" gives: `<name> (copy)`, `<name> (copy 2)`, … (R20).
    pub fn copy_name(&self, parent: &Parent, name: &str) -> Result<String> {
        for n in 1.. {
            let suffix = if n == 1 {
                " (copy)".to_string()
            } else {
                format!(" (copy {n})")
            };
            let room = names::MAX_NAME_CHARS - suffix.chars().count();
            let base: String = name.chars().take(room).collect();
            let candidate = format!("{}{suffix}", base.trim_end());
            if self.store().child(parent, &candidate)?.is_none() {
                return Ok(candidate);
            }
        }
        unreachable!()
    }

    /// `rm PATH` (R28: a folder only when empty; an app with its assets and grants).
    pub fn rm(&self, raw: &str) -> Result<Item> {
        let ip = path::parse_item(raw)?;
        let mut tx = self.store().begin()?;
        let (item, r) = self.resolve_item(&ip.to_string())?;
        self.require(Action::Delete, &r)?;
        if item.kind == ItemKind::Folder && self.store().has_children(&Parent::Folder(item.id))? {
            return Err(Error::conflict(format!(
                "{} is not empty: delete or move its items first (R28)",
                text::escape(&r.path)
            )));
        }
        for g in self.store().grants_on(item.id)? {
            tx.del_grant(item.id, &g.subject);
        }
        for a in self.store().assets(item.id)? {
            tx.del(keys::asset(item.id, a.kind, &a.name));
        }
        for i in &item.integrations {
            tx.del(keys::integ_use(item.space.ws, i, item.id));
        }
        tx.del_item(&item);
        self.commit(tx, AuditAction::Rm, r.path.to_string(), At::item(&item))?;
        Ok(item)
    }

    /// Sets an item's description (edit).
    pub fn describe(&self, raw: &str, description: &str) -> Result<Item> {
        let ip = path::parse_item(raw)?;
        let description = names::validate_text(description, "description", 1000)?;
        let mut tx = self.store().begin()?;
        let (item, r) = self.resolve_item(&ip.to_string())?;
        self.require(Action::Edit, &r)?;
        if item.description == description {
            self.unchanged(format!("{} already has that description", r.path));
            return Ok(item);
        }
        let mut it = item.clone();
        it.description = description;
        it.modified = now();
        tx.replace_item(&item, &it);
        self.commit(tx, AuditAction::Describe, r.path.to_string(), At::item(&it))?;
        Ok(it)
    }
}
