//! Read-only views: listings (R3, R11), trees, check and explain (R13), the
//! audit log (R32), and an item's details. All of them show only what the
//! actor sees (R12, R14).

use serde::{Deserialize, Serialize};

use super::*;
use crate::domain::rules::{self, explain_lines, Decision, Seen};

/// The row of an asset of the app at `app_path`.
fn entry_of_asset(a: Asset, app_path: &str) -> Entry {
    Entry {
        kind: a.kind.as_str().into(),
        path: format!("{app_path}:{}/{}", a.kind, a.name),
        name: a.name,
        id: None,
        level: None,
        path_only: false,
        restricted: Vec::new(),
    }
}

/// One row of a listing or a tree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub kind: String,
    pub name: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<ItemId>,
    /// The actor's standing here: owner, admin, manager, editor, viewer, tenant, member…
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub level: Option<String>,
    /// Seen only as the path to something visible below it (R11).
    pub path_only: bool,
    /// Resources an admin restricted this app from (R30).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub restricted: Vec<ResourceKind>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Listing {
    pub path: String,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TreeNode {
    #[serde(flatten)]
    pub entry: Entry,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub children: Vec<TreeNode>,
}

/// An item as the detail pane shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemDetail {
    pub item: Item,
    pub path: String,
    pub assets: Vec<Asset>,
    /// Grants on the item itself.
    pub direct: Vec<Grant>,
    /// Grants on its folders, with the path of the folder each sits on (R10).
    pub inherited: Vec<(String, Grant)>,
    pub decision: Decision,
    /// How much of the grants the reader reads (R34).
    pub grant_sight: crate::domain::rules::GrantSight,
}

fn level_word(d: &Decision) -> String {
    d.level_word()
}

impl Session<'_> {
    /// The visible children of a folder or root, in R3 order, with the actor's decision on each.
    pub fn visible_children(&self, parent: &Resolved) -> Result<Vec<(Item, Resolved, Decision)>> {
        let space = parent.space().clone();
        let space_path = self.space_path(&space)?;
        let mut out = Vec::new();
        for child in self.store().children(&parent.as_parent())? {
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
        Ok(out)
    }

    fn item_entry(&self, item: &Item, r: &Resolved, d: &Decision) -> Entry {
        Entry {
            kind: item.kind.as_str().into(),
            name: item.name.clone(),
            path: r.path.clone(),
            id: Some(item.id),
            level: Some(level_word(d)),
            path_only: d.seen == Seen::PathOnly,
            restricted: item.restricted.iter().copied().collect(),
        }
    }

    /// Spaces of a workspace the actor sees: Team Space, their own My
    /// Creations, and other users' My Creations where something is shared with them.
    pub fn visible_spaces(&self, ws: &Workspace) -> Result<Vec<(SpaceRef, String)>> {
        let mut out = Vec::new();
        let team = SpaceRef::team(ws.id);
        if self.actor.is_member(ws.id) || self.reach()?.spaces.contains(&team) {
            out.push((team, format!("/{}/team", ws.name)));
        }
        if self.actor.roles_in(ws.id).has(Role::Analyst) && !self.actor.is_tenant_user() {
            out.push((
                SpaceRef::my(ws.id, self.login()),
                format!("/{}/my/{}", ws.name, self.login()),
            ));
        }
        let mut others: Vec<&SpaceRef> = self
            .reach()?
            .spaces
            .iter()
            .filter(|s| s.ws == ws.id && s.my_owner().is_some_and(|o| o != self.login()))
            .collect();
        others.sort();
        for s in others {
            out.push((
                s.clone(),
                format!("/{}/my/{}", ws.name, s.my_owner().unwrap_or_default()),
            ));
        }
        Ok(out)
    }

    /// `ls [PATH]`.
    pub fn ls(&self, raw: Option<&str>) -> Result<Listing> {
        match path::parse(raw.unwrap_or("/"))? {
            path::ParsedPath::Top => Ok(Listing {
                path: "/".into(),
                entries: self
                    .workspaces()?
                    .into_iter()
                    .map(|w| Entry {
                        kind: "workspace".into(),
                        path: format!("/{}", w.name),
                        name: w.name,
                        id: None,
                        level: None,
                        path_only: false,
                        restricted: Vec::new(),
                    })
                    .collect(),
            }),
            path::ParsedPath::Workspace(name) => {
                let ws = self.workspace_named(&name)?;
                let entries = self
                    .visible_spaces(&ws)?
                    .into_iter()
                    .map(|(s, p)| Entry {
                        kind: "space".into(),
                        name: match &s.kind {
                            SpaceKind::Team => "team".into(),
                            SpaceKind::My(l) => format!("my/{l}"),
                        },
                        path: p,
                        id: None,
                        level: None,
                        path_only: false,
                        restricted: Vec::new(),
                    })
                    .collect();
                Ok(Listing {
                    path: format!("/{}", ws.name),
                    entries,
                })
            }
            path::ParsedPath::In(ip) => {
                let r = self.resolve(&ip)?;
                self.ls_resolved(&r)
            }
            path::ParsedPath::Asset(ap) => Ok(Listing {
                path: ap.to_string(),
                entries: vec![self.asset_entry(&ap)?],
            }),
        }
    }

    /// An asset the actor may view (its app's view, R12) and its app's
    /// place; not found when either is not there for them.
    pub fn resolve_asset(&self, ap: &path::AssetPath) -> Result<(Resolved, Asset)> {
        let r = self.resolve(&ap.app)?;
        self.require(Action::View, &r)?;
        let app = r.item().expect("require: an item path");
        if app.kind != ItemKind::App {
            return Err(Error::invalid(format!(
                "{} is a folder; assets belong to apps",
                text::escape(&r.path)
            )));
        }
        match self.store().asset(app.id, ap.kind, &ap.name)? {
            Some(a) => Ok((r, a)),
            None => Err(Error::not_found(format!(
                "{} does not exist",
                text::escape(&ap.to_string())
            ))),
        }
    }

    /// The listing row of one asset, as `ls APP` prints it.
    fn asset_entry(&self, ap: &path::AssetPath) -> Result<Entry> {
        let (r, a) = self.resolve_asset(ap)?;
        Ok(entry_of_asset(a, &r.path))
    }

    pub fn ls_resolved(&self, r: &Resolved) -> Result<Listing> {
        if let Some(item) = r.item() {
            if item.kind == ItemKind::App {
                let d = self.decide(Action::View, r)?;
                let entries = if d.allowed {
                    self.asset_entries(item, &r.path)?
                } else {
                    Vec::new()
                };
                return Ok(Listing {
                    path: r.path.clone(),
                    entries,
                });
            }
        }
        let entries = self
            .visible_children(r)?
            .iter()
            .map(|(i, cr, d)| self.item_entry(i, cr, d))
            .collect();
        Ok(Listing {
            path: r.path.clone(),
            entries,
        })
    }

    fn asset_entries(&self, item: &Item, path: &str) -> Result<Vec<Entry>> {
        let mut assets = self.store().assets(item.id)?;
        assets.sort_by_key(|a| (a.kind, names::sort_key(&a.name)));
        Ok(assets
            .into_iter()
            .map(|a| entry_of_asset(a, path))
            .collect())
    }

    /// `tree [PATH]`: the hierarchy the actor sees, folders first (R3).
    pub fn tree(&self, raw: Option<&str>) -> Result<Vec<TreeNode>> {
        match path::parse(raw.unwrap_or("/"))? {
            path::ParsedPath::Top => {
                let mut out = Vec::new();
                for ws in self.workspaces()? {
                    out.push(self.ws_tree(&ws)?);
                }
                Ok(out)
            }
            path::ParsedPath::Workspace(name) => {
                let ws = self.workspace_named(&name)?;
                Ok(vec![self.ws_tree(&ws)?])
            }
            path::ParsedPath::In(ip) => {
                let r = self.resolve(&ip)?;
                let d = self.decide(Action::View, &r)?;
                let entry = match r.item() {
                    Some(i) => self.item_entry(i, &r, &d),
                    None => self.space_entry(r.space(), &r.path),
                };
                Ok(vec![TreeNode {
                    entry,
                    children: self.subtree(&r)?,
                }])
            }
            path::ParsedPath::Asset(ap) => Ok(vec![TreeNode {
                entry: self.asset_entry(&ap)?,
                children: Vec::new(),
            }]),
        }
    }

    fn space_entry(&self, s: &SpaceRef, path: &str) -> Entry {
        Entry {
            kind: "space".into(),
            name: path
                .rsplit_once('/')
                .map(|x| x.1)
                .unwrap_or(path)
                .to_string(),
            path: path.to_string(),
            id: None,
            level: None,
            path_only: false,
            restricted: Vec::new(),
        }
        .with_space_name(s)
    }

    fn ws_tree(&self, ws: &Workspace) -> Result<TreeNode> {
        let mut children = Vec::new();
        for (s, p) in self.visible_spaces(ws)? {
            let r = Resolved {
                loc: Loc::Root(s.clone()),
                path: p.clone(),
                chain: None,
            };
            children.push(TreeNode {
                entry: self.space_entry(&s, &p),
                children: self.subtree(&r)?,
            });
        }
        Ok(TreeNode {
            entry: Entry {
                kind: "workspace".into(),
                name: ws.name.clone(),
                path: format!("/{}", ws.name),
                id: None,
                level: None,
                path_only: false,
                restricted: Vec::new(),
            },
            children,
        })
    }

    fn subtree(&self, r: &Resolved) -> Result<Vec<TreeNode>> {
        if let Some(item) = r.item() {
            if item.kind == ItemKind::App {
                let d = self.decide(Action::View, r)?;
                let assets = if d.allowed {
                    self.asset_entries(item, &r.path)?
                } else {
                    Vec::new()
                };
                return Ok(assets
                    .into_iter()
                    .map(|entry| TreeNode {
                        entry,
                        children: vec![],
                    })
                    .collect());
            }
        }
        let mut out = Vec::new();
        for (i, cr, d) in self.visible_children(r)? {
            let entry = self.item_entry(&i, &cr, &d);
            out.push(TreeNode {
                entry,
                children: self.subtree(&cr)?,
            });
        }
        Ok(out)
    }

    /// `check LOGIN ACTION PATH`: only where the actor sees PATH (R12).
    pub fn check(&self, login: &str, action: &str, raw: &str) -> Result<Decision> {
        self.check_to(login, action, raw, None)
    }

    /// `check LOGIN ACTION PATH [--to DEST]`: a move or a copy is decided
    /// for its destination too when one is given, as `mv` and `cp` decide
    /// it for LOGIN; without one, the answer says the destination was not
    /// considered. The actor must see PATH and DEST (R12).
    pub fn check_to(
        &self,
        login: &str,
        action: &str,
        raw: &str,
        to: Option<&str>,
    ) -> Result<Decision> {
        let login = names::validate_login(login)?;
        let action: Action = action.parse()?;
        let places = matches!(action, Action::Move | Action::Copy);
        if to.is_some() && !places {
            return Err(Error::invalid(format!(
                "--to applies to move and copy, not to {action}"
            )));
        }
        let ip = match path::parse_target(raw)? {
            path::Target::In(ip) => ip,
            path::Target::Asset(ap) => return self.check_asset(&login, action, &ap),
        };
        let dp = to.map(path::parse_in).transpose()?;
        let r = self.resolve(&ip)?;
        let dst = dp.map(|d| self.resolve(&d)).transpose()?;
        self.require_standing_readable(&r, &login)?;
        let mut d = self.decide_as(&login, action, &r)?;
        if !places {
            return Ok(d);
        }
        d.destination = Some(dst.as_ref().map(|x| x.path.clone()));
        if let (Some(dst), true) = (dst, d.allowed) {
            if let Err(e) = self.app().session(&login)?.check_placing(action, &r, &dst) {
                d.allowed = false;
                d.reason = if e.outcome == Outcome::NotFound {
                    format!("{login} cannot see {} (R12)", dst.path)
                } else {
                    e.message
                };
            }
        }
        Ok(d)
    }

    /// `check` on an asset: it takes its app's rights (§4): viewing it is
    /// viewing the app, changing or deleting it is editing the app.
    fn check_asset(&self, login: &str, action: Action, ap: &path::AssetPath) -> Result<Decision> {
        let on_app = match action {
            Action::View => Action::View,
            Action::Edit | Action::Rename | Action::Delete => Action::Edit,
            _ => {
                return Err(Error::invalid(format!(
                    "assets are not {action}d on their own: they are placed, copied and shared with their app ({})",
                    text::escape(&ap.app.to_string())
                )))
            }
        };
        let (r, _) = self.resolve_asset(ap)?;
        self.require_standing_readable(&r, login)?;
        let mut d = self.decide_as(login, on_app, &r)?;
        d.reason = format!(
            "an asset takes its app's rights ({on_app} on the app, §4): {}",
            d.reason
        );
        Ok(d)
    }

    /// The checks of `mv` or `cp` into `dst`, as this session's user, who
    /// must see both places (else: not found, as for them).
    fn check_placing(&self, action: Action, src: &Resolved, dst: &Resolved) -> Result<()> {
        let (item, src) = self.resolve_item(&src.path)?;
        let dst = self.resolve(&path::parse_in(&dst.path)?)?;
        match action {
            Action::Move => self.check_move(&item, &src, &dst),
            _ => self.check_copy(&item, &src, &dst, false),
        }
    }

    /// The rule table for another user on a location the actor has resolved.
    pub fn decide_as(&self, login: &str, action: Action, r: &Resolved) -> Result<Decision> {
        if login == self.login() {
            return self.decide(action, r);
        }
        let p = self
            .principal_shared(login)
            .map_err(|_| Error::not_found(format!("no user '{login}'")))?;
        let reach = std::cell::OnceCell::new();
        decide_lazily(&p, action, r, || {
            if reach.get().is_none() {
                let _ = reach.set(Reach::of(self.store(), &p)?);
            }
            Ok(reach.get().expect("set above"))
        })
    }

    /// `explain LOGIN PATH` (R13).
    pub fn explain(&self, login: &str, raw: &str) -> Result<(Decision, Vec<String>)> {
        let login = names::validate_login(login)?;
        let (r, asset) = match path::parse_target(raw)? {
            path::Target::In(ip) => (self.resolve(&ip)?, None),
            path::Target::Asset(ap) => (self.resolve_asset(&ap)?.0, Some(ap)),
        };
        self.require_standing_readable(&r, &login)?;
        let d = self.decide_as(&login, Action::View, &r)?;
        let mut lines = explain_lines(&login, &r.path, &d);
        if let Some(ap) = asset {
            lines.insert(
                0,
                format!(
                    "{ap} is an asset of {}: it takes the app's rights (§4)",
                    r.path
                ),
            );
        }
        Ok((d, lines))
    }

    /// `log [--workspace WS]` (R32, R35): admins read their workspace's
    /// entries, the account owner all. Targets in another user's My
    /// Creations that the reader cannot see are masked (R14).
    pub fn log(&self, ws: Option<&str>) -> Result<Vec<AuditEntry>> {
        let ws = ws
            .map(|w| names::validate_name(w, "workspace"))
            .transpose()?;
        let w = ws.as_deref().map(|n| self.workspace_named(n)).transpose()?;
        rules::reads_log(&self.actor, w.as_ref().map(|w| (w.id, w.name.as_str()))).or_denied()?;
        let filter: Option<WsId> = w.map(|w| w.id);
        let mut out = Vec::new();
        for e in self.store().audit_all()? {
            let keep = match filter {
                Some(f) => e.ws == Some(f),
                None => self.reads_log_of(e.ws),
            };
            if keep {
                out.push(self.mask_entry(e)?);
            }
        }
        Ok(out)
    }

    /// The audit entries of one item the actor sees (the Activity tab), as
    /// far as the actor reads them (R35): all of them for the workspace's
    /// admins and the account owner, else the actor's own changes only.
    pub fn activity(&self, id: ItemId) -> Result<Vec<AuditEntry>> {
        self.resolve_id(id)?;
        let mut out = Vec::new();
        for e in self.store().audit_of_item(id)? {
            if let reads::Sighted::Entry(e) = self.sighted(e)? {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// An entry as a reader of another user's My Creations may read it
    /// (R14): its target names the private folders it was in at the time,
    /// so it is named by its path now when the reader can view it there,
    /// else masked.
    pub(super) fn mask_entry(&self, e: AuditEntry) -> Result<AuditEntry> {
        Ok(self.masked(e)?.0)
    }

    /// [`Session::mask_entry`], and whether the entry was private to the
    /// reader (masked: its structured detail is not theirs either).
    pub(super) fn masked(&self, mut e: AuditEntry) -> Result<(AuditEntry, bool)> {
        let Some(SpaceRef {
            ws,
            kind: SpaceKind::My(o),
        }) = e.space.clone()
        else {
            return Ok((e, false));
        };
        if o == self.login() {
            return Ok((e, false));
        }
        // Viewable now, and still in that space (an item that has left it, R24, is not).
        let now = match e.item {
            Some(id) => match self.resolve_id(id) {
                Ok(r)
                    if r.space() == e.space.as_ref().expect("matched above")
                        && self.decide(Action::View, &r)?.allowed =>
                {
                    Some(r.path)
                }
                _ => None,
            },
            None => None,
        };
        let private = now.is_none();
        e.target = match now {
            // Named where it is now: the entry says nothing more.
            Some(path) if e.target == path || e.target.starts_with(&format!("{path} ")) => e.target,
            Some(path) => format!("{path} (named by its path now, R14)"),
            None => {
                let wsname = self
                    .store()
                    .workspace(ws)?
                    .map(|w| w.name)
                    .unwrap_or_else(|| "?".into());
                format!("/{wsname}/my/{o}/… {PRIVATE_ITEM}")
            }
        };
        Ok((e, private))
    }

    /// An item's details for the detail pane, as far as the actor reads
    /// them: the grants by their sight (R34), the people they name (R33),
    /// the integrations it uses by workspace membership (R31, R34).
    pub fn detail(&self, r: &Resolved) -> Result<ItemDetail> {
        let mut item = r
            .item()
            .ok_or_else(|| Error::invalid("a space root has no details"))?
            .clone();
        let d = self.decide(Action::View, r)?;
        let sight = self.grant_sight(r)?;
        let chain = r.chain.as_ref().expect("items have chains");
        let direct = self.grants_in_sight(sight, chain.links[0].grants.iter());
        let direct = direct.into_iter().map(|g| self.grant_in_sight(g)).collect();
        let inherited = chain.links[1..]
            .iter()
            .flat_map(|l| {
                self.grants_in_sight(sight, l.grants.iter())
                    .into_iter()
                    .map(move |g| (l.path.to_string(), g))
            })
            .map(|(p, g)| (p, self.grant_in_sight(g)))
            .collect();
        let mut assets = if d.allowed {
            self.store().assets(item.id)?
        } else {
            Vec::new()
        };
        assets.sort_by_key(|a| (a.kind, names::sort_key(&a.name)));
        // The owner of a My Creations is named by the item's path (R11).
        if item.space.my_owner() != Some(item.owner.as_str()) {
            item.owner = self.login_in_sight(&item.owner);
        }
        item.creator = self.login_in_sight(&item.creator);
        if !crate::domain::rules::reads_workspace(&self.actor, item.space.ws, "").allowed {
            item.integrations.clear();
        }
        if !d.allowed {
            // A path only: its name and place, nothing more (R11).
            item.owner.clear();
            item.creator.clear();
            item.description.clear();
            item.integrations.clear();
            item.restricted.clear();
        }
        Ok(ItemDetail {
            path: r.path.clone(),
            item,
            assets,
            direct,
            inherited,
            decision: d,
            grant_sight: sight,
        })
    }

    /// A grant as the actor may read it: who granted it is a person (R33).
    fn grant_in_sight(&self, g: &Grant) -> Grant {
        let mut g = g.clone();
        g.granted_by = self.login_in_sight(&g.granted_by);
        g
    }
}

/// How a masked entry names its target's item (R14).
pub(super) const PRIVATE_ITEM: &str = "(a private item)";

trait WithSpace {
    fn with_space_name(self, s: &SpaceRef) -> Self;
}

impl WithSpace for Entry {
    fn with_space_name(mut self, s: &SpaceRef) -> Self {
        self.name = match &s.kind {
            SpaceKind::Team => "team".into(),
            SpaceKind::My(l) => format!("my/{l}"),
        };
        self
    }
}
