//! What the action commands do: each asks the app layer whether it is open
//! (a refusal shows the rule's reason at once), opens its dialog, and on
//! submit calls the app-layer operation, then refreshes the view.

use crate::app::{Allowance, Reply, Request, Resolved};
use crate::domain::rules::Seen;
use crate::domain::text::escape;
use crate::domain::*;

use super::access::request_of;
use super::dialog::{Body, Dialog, PickItem, Purpose};
use super::keys::Cmd;
use super::ui::{Focus, Inspecting, SpaceChoice, Ui, R};

impl Ui<'_> {
    // ---- actions ----

    /// A refusal shown instead of a dialog: the rule's reason, never a silent no-op.
    fn refuse(&mut self, what: &str, reason: &str) {
        self.set_error(format!("{what}: not allowed: {reason}"));
    }

    fn need_item(&mut self, what: &str) -> Option<(Item, Resolved)> {
        let r = self.selected_item();
        if r.is_none() {
            self.set_error(format!("{what}: select a folder or an app first"));
        }
        r
    }

    fn allowed(&mut self, what: &str, action: Action, r: &Resolved) -> bool {
        match self.sess.decide(action, r) {
            Ok(d) if d.allowed => true,
            Ok(d) => {
                self.refuse(what, &d.reason);
                false
            }
            Err(e) => {
                self.set_error(e.to_string());
                false
            }
        }
    }

    fn allowance(&mut self, what: &str, a: Allowance) -> bool {
        if !a.allowed {
            self.refuse(what, &a.reason);
        }
        a.allowed
    }

    pub(super) fn action(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::NewFolder | Cmd::NewApp => {
                let kind = if cmd == Cmd::NewFolder {
                    ItemKind::Folder
                } else {
                    ItemKind::App
                };
                let what = format!("new {kind}");
                let Some(r) = self.create_place() else {
                    return self
                        .set_error(format!("{what}: choose Team Space or My Creations first"));
                };
                if !self.allowed(&what, Action::Create, &r) {
                    return;
                }
                self.dialog = Some(Dialog::input(
                    format!("New {kind}"),
                    vec![format!("In {}", escape(&r.path)), "Name:".into()],
                    "",
                    Purpose::NewItem {
                        parent: r.path.clone(),
                        kind,
                    },
                ));
            }
            Cmd::NewAsset => {
                let Some((it, r)) = self.need_item("new asset") else {
                    return;
                };
                if it.kind != ItemKind::App {
                    return self.set_error(
                        "new asset: dashboards, charts and datasets live in apps: select an app",
                    );
                }
                if !self.allowed("new asset", Action::Edit, &r) {
                    return;
                }
                let items = AssetKind::ALL
                    .iter()
                    .map(|k| PickItem::new(k.as_str(), "", k.as_str()))
                    .collect();
                self.dialog = Some(Dialog::pick(
                    "New asset",
                    vec![format!("In {}", escape(&r.path))],
                    items,
                    Purpose::NewAssetKind {
                        app: it.id,
                        path: r.path.clone(),
                    },
                ));
            }
            Cmd::Rename => {
                let Some((it, r)) = self.need_item("rename") else {
                    return;
                };
                if !self.allowed("rename", Action::Rename, &r) {
                    return;
                }
                self.dialog = Some(Dialog::input(
                    format!("Rename {}", it.kind),
                    vec![escape(&r.path), "New name:".into()],
                    &it.name,
                    Purpose::Rename {
                        id: it.id,
                        path: r.path.clone(),
                    },
                ));
            }
            Cmd::Describe => {
                let Some((it, r)) = self.need_item("describe") else {
                    return;
                };
                if !self.allowed("edit description", Action::Edit, &r) {
                    return;
                }
                self.dialog = Some(Dialog::input(
                    "Description",
                    vec![escape(&r.path)],
                    &it.description,
                    Purpose::Describe {
                        id: it.id,
                        path: r.path.clone(),
                    },
                ));
            }
            Cmd::Move => {
                let Some((it, r)) = self.need_item("move") else {
                    return;
                };
                let dests = match self.sess.move_destinations(&it, &r) {
                    Ok(d) => d,
                    Err(e) => return self.set_error(e.to_string()),
                };
                if dests.is_empty() {
                    let why = match self.sess.decide(Action::Move, &r) {
                        Ok(d) if !d.allowed => d.reason,
                        _ => "no folder accepts this item from you (R18, R23, R24, R25)".into(),
                    };
                    return self.refuse("move", &why);
                }
                let items = dests
                    .iter()
                    .map(|d| PickItem::new(escape(&d.path), dest_note(&it, d), d.path.clone()))
                    .collect();
                let mut dlg = Dialog::pick(
                    format!("Move {}", escape(&it.name)),
                    vec![
                        format!("From {}", escape(&r.path)),
                        "Only destinations where the move is allowed are listed.".into(),
                    ],
                    items,
                    Purpose::MoveDest {
                        id: it.id,
                        path: r.path.clone(),
                    },
                );
                if let Body::Pick(p) = &mut dlg.body {
                    p.match_detail = true;
                }
                self.dialog = Some(dlg);
            }
            Cmd::CopyTo | Cmd::CopyBeside => {
                let Some((it, r)) = self.need_item("copy") else {
                    return;
                };
                if !self.allowed("copy", Action::Copy, &r) {
                    return;
                }
                if cmd == Cmd::CopyBeside {
                    let parent = match self.sess.parent_of(&it, &r) {
                        Ok(p) => p,
                        Err(e) => return self.set_error(e.to_string()),
                    };
                    if !self.allowed("create a copy", Action::Create, &parent) {
                        return;
                    }
                    let res = self
                        .execute(Request::Cp {
                            path: r.path.clone(),
                            dest: None,
                        })
                        .and_then(placed);
                    return self.done(res.map(|(id, path)| {
                        (format!("copied to {}", escape(last_name(&path))), Some(id))
                    }));
                }
                let dests = match self.sess.copy_destinations(&it) {
                    Ok(d) => d,
                    Err(e) => return self.set_error(e.to_string()),
                };
                if dests.is_empty() {
                    return self.refuse(
                        "copy to",
                        "no folder where you may create is free of that name (R1, R20)",
                    );
                }
                let items = dests
                    .iter()
                    .map(|d| PickItem::new(escape(&d.path), "", d.path.clone()))
                    .collect();
                self.dialog = Some(Dialog::pick(
                    format!("Copy {} to", escape(&it.name)),
                    vec!["Folders where you may create:".into()],
                    items,
                    Purpose::CopyDest {
                        id: it.id,
                        path: r.path.clone(),
                    },
                ));
            }
            Cmd::Delete => {
                let Some((it, r)) = self.need_item("delete") else {
                    return;
                };
                if !self.allowed("delete", Action::Delete, &r) {
                    return;
                }
                match self.sess.delete_blocker(&r) {
                    Ok(Some(e)) => return self.set_error(format!("delete refused: {e}")),
                    Err(e) => return self.set_error(e.to_string()),
                    Ok(None) => {}
                }
                let extra = if it.kind == ItemKind::App {
                    " with its dashboards, charts, datasets and grants"
                } else {
                    ""
                };
                self.dialog = Some(Dialog::confirm(
                    format!("Delete {}", it.kind),
                    vec![
                        format!("Delete {}{extra}?", escape(&r.path)),
                        "y: delete   n / Esc: keep".into(),
                    ],
                    Purpose::Delete {
                        id: it.id,
                        path: r.path.clone(),
                    },
                ));
            }
            Cmd::Share => {
                let Some((it, r)) = self.need_item("share") else {
                    return;
                };
                if !self.allowed("share", Action::Share, &r) {
                    return;
                }
                let items = match self.subject_items(it.space.is_team()) {
                    Ok(i) => i,
                    Err(e) => return self.set_error(e.to_string()),
                };
                self.dialog = Some(Dialog::pick(
                    format!("Share {}", escape(&it.name)),
                    vec!["With whom? Type to filter users, groups, org units and tenants.".into()],
                    items,
                    Purpose::ShareSubject {
                        id: it.id,
                        path: r.path.clone(),
                    },
                ));
            }
            Cmd::Unshare => {
                let Some((it, r)) = self.need_item("unshare") else {
                    return;
                };
                if !self.allowed("unshare", Action::Share, &r) {
                    return;
                }
                let grants = self.sess.grants_of(&it).unwrap_or_default();
                if grants.is_empty() {
                    return self.set_error(format!(
                        "unshare: {} holds no grants of its own",
                        escape(&r.path)
                    ));
                }
                let items = grants
                    .iter()
                    .map(|g| {
                        PickItem::new(
                            format!("{} {}", g.subject, g.level),
                            escape(&g.note),
                            String::from(g.subject.clone()),
                        )
                    })
                    .collect();
                self.dialog = Some(Dialog::pick(
                    format!("Unshare {}", escape(&it.name)),
                    vec!["Remove which grant?".into()],
                    items,
                    Purpose::Unshare {
                        id: it.id,
                        path: r.path.clone(),
                    },
                ));
            }
            Cmd::Leave => {
                let Some((it, r)) = self.need_item("leave") else {
                    return;
                };
                match self.sess.may_leave(&r) {
                    Ok(a) if !self.allowance("leave", a.clone()) => return,
                    Err(e) => return self.set_error(e.to_string()),
                    _ => {}
                }
                self.dialog = Some(Dialog::confirm(
                    "Leave collaboration",
                    vec![
                        format!("Leave your collaboration on {}?", escape(&r.path)),
                        "y / n".into(),
                    ],
                    Purpose::Leave {
                        id: it.id,
                        path: r.path.clone(),
                    },
                ));
            }
            Cmd::Inspect => {
                let users = match self.sess.users() {
                    Ok(u) => u,
                    Err(e) => return self.set_error(e.to_string()),
                };
                let items = users
                    .iter()
                    .map(|u| {
                        let t = u
                            .tenant
                            .as_ref()
                            .map(|t| format!("tenant {}", escape(t)))
                            .unwrap_or_default();
                        PickItem::new(
                            escape(&u.login),
                            format!("{} {t}", escape(&u.name)),
                            u.login.clone(),
                        )
                    })
                    .collect();
                self.dialog = Some(Dialog::pick(
                    "Inspect as",
                    vec!["See the tree as this user sees it (never more than you see).".into()],
                    items,
                    Purpose::Inspect,
                ));
            }
            Cmd::Search => {
                let items = self.search_items();
                let mut d = Dialog::pick(
                    "Search",
                    vec!["Type to filter by name; Enter jumps to the match.".into()],
                    items,
                    Purpose::Search,
                );
                if let Body::Pick(p) = &mut d.body {
                    p.match_detail = false;
                }
                self.dialog = Some(d);
            }
            Cmd::Resources => {
                let Some(ws) = self.current_ws().cloned() else {
                    return;
                };
                let a = self.sess.may_edit_resources(&ws);
                if !self.allowance("edit resources", a) {
                    return;
                }
                let items = ws
                    .resources
                    .iter()
                    .map(|(k, e)| PickItem::new(k.as_str(), escape(e), k.as_str()))
                    .collect();
                self.dialog = Some(Dialog::pick(
                    format!("Resources of {}", escape(&ws.name)),
                    vec!["Which endpoint to change?".into()],
                    items,
                    Purpose::ResourceKind {
                        ws: ws.name.clone(),
                    },
                ));
            }
            Cmd::Restrict => {
                let Some((it, r)) = self.need_item("restrict") else {
                    return;
                };
                let a = self.sess.may_restrict(&it);
                if !self.allowance("restrict resources", a) {
                    return;
                }
                let items = ResourceKind::ALL
                    .iter()
                    .map(|k| {
                        let (label, v) = if it.restricted.contains(k) {
                            (format!("allow {k}"), format!("allow:{k}"))
                        } else {
                            (format!("restrict {k}"), format!("restrict:{k}"))
                        };
                        PickItem::new(label, "", v)
                    })
                    .collect();
                self.dialog = Some(Dialog::pick(
                    "Resources of the app",
                    vec![escape(&r.path)],
                    items,
                    Purpose::Restrict {
                        app: it.id,
                        path: r.path.clone(),
                    },
                ));
            }
            Cmd::Integrations => {
                let Some(ws) = self.current_ws().cloned() else {
                    return;
                };
                let a = self.sess.may_manage_integrations(&ws);
                if !self.allowance("integrations", a) {
                    return;
                }
                let mut items = vec![PickItem::new("+ add an integration", "", "+")];
                for i in self.sess.integrations_of(ws.id).unwrap_or_default() {
                    items.push(PickItem::new(
                        format!("delete {}", escape(&i.name)),
                        format!("{} {}", i.kind, escape(&i.endpoint)),
                        format!("-{}", i.name),
                    ));
                }
                self.dialog = Some(Dialog::pick(
                    format!("Integrations of {}", escape(&ws.name)),
                    vec![],
                    items,
                    Purpose::IntegMenu {
                        ws: ws.name.clone(),
                    },
                ));
            }
            Cmd::Attach => {
                let Some((it, r)) = self.need_item("attach") else {
                    return;
                };
                if it.kind != ItemKind::App {
                    return self
                        .set_error("attach: integrations are attached to apps: select an app");
                }
                if !self.allowed("attach integrations", Action::Edit, &r) {
                    return;
                }
                let all = self.sess.integrations_of(it.space.ws).unwrap_or_default();
                if all.is_empty() {
                    return self
                        .set_error("attach: this workspace has no integrations yet (I adds one)");
                }
                let items = all
                    .iter()
                    .map(|i| {
                        let on = it.integrations.contains(&i.name);
                        PickItem::new(
                            format!(
                                "{} {}",
                                if on { "detach" } else { "attach" },
                                escape(&i.name)
                            ),
                            format!("{} {}", i.kind, escape(&i.endpoint)),
                            format!("{}{}", if on { "-" } else { "+" }, i.name),
                        )
                    })
                    .collect();
                self.dialog = Some(Dialog::pick(
                    "Integrations of the app",
                    vec![escape(&r.path)],
                    items,
                    Purpose::Attach {
                        app: it.id,
                        path: r.path.clone(),
                    },
                ));
            }
            Cmd::Members => {
                let Some(ws) = self.current_ws().cloned() else {
                    return;
                };
                let a = self.sess.may_manage_roles();
                if !self.allowance("members and roles", a) {
                    return;
                }
                let users = self.sess.users().unwrap_or_default();
                let items = users
                    .iter()
                    .filter(|u| u.tenant.is_none())
                    .map(|u| {
                        let roles = self.sess.roles_of(ws.id, &u.login).unwrap_or_default();
                        PickItem::new(escape(&u.login), roles.to_string(), u.login.clone())
                    })
                    .collect();
                self.dialog = Some(Dialog::pick(
                    format!("Members of {}", escape(&ws.name)),
                    vec!["Whose roles to change?".into()],
                    items,
                    Purpose::MemberUser {
                        ws: ws.name.clone(),
                    },
                ));
            }
            Cmd::Who => self.open_who(),
            _ => {}
        }
    }

    fn subject_items(&self, team: bool) -> R<Vec<PickItem>> {
        Ok(self
            .sess
            .share_subjects(team)?
            .into_iter()
            .map(|(subject, detail)| {
                let detail = match &subject {
                    Subject::User(_) => escape(&detail),
                    Subject::Org(_) if !detail.is_empty() => {
                        format!("org unit under {}", escape(&detail))
                    }
                    Subject::Org(_) => "org unit".into(),
                    Subject::Group(_) => "group".into(),
                    Subject::Tenant(_) => "tenant".into(),
                };
                PickItem::new(subject.to_string(), detail, String::from(subject))
            })
            .collect())
    }

    fn search_items(&self) -> Vec<PickItem> {
        let spaces: Vec<SpaceRef> = match self.spaces.get(self.space_sel) {
            Some(SpaceChoice::Team(s)) | Some(SpaceChoice::Mine(s)) => vec![s.clone()],
            Some(SpaceChoice::Shared(v)) => v.clone(),
            None => vec![],
        };
        let mut items = Vec::new();
        for s in spaces {
            let Ok(all) = self.viewer().walk_space(&s) else {
                continue;
            };
            for (it, r, d) in all {
                if self.inspect.is_some() && !self.actor_sees(&r) {
                    continue;
                }
                let tag = if d.seen == Seen::PathOnly {
                    " (path only)"
                } else {
                    ""
                };
                items.push(PickItem::new(
                    escape(&it.name),
                    format!("{}{tag}", escape(&r.path)),
                    it.id.to_string(),
                ));
            }
        }
        items
    }

    /// Runs a change as the UI's own user, as the store has them now (their
    /// groups, org units and roles, R10). The request names paths: they are
    /// resolved, and the rules asked, inside the change's transaction.
    fn execute(&mut self, req: Request) -> R<Reply> {
        self.sess = self.app.session(&self.login)?;
        let reply = self.sess.execute(req)?;
        self.unchanged = match &reply {
            Reply::Unchanged { message } => Some(escape(message)),
            Reply::Placed {
                how: crate::app::request::Placed::Unchanged,
                path,
                ..
            } => Some(format!("{} is already so", escape(path))),
            _ => None,
        };
        Ok(reply)
    }

    /// Ends an action: a message, a refresh, and the new item selected.
    fn done(&mut self, res: R<(String, Option<ItemId>)>) {
        match res {
            Ok((msg, id)) => {
                self.refresh();
                if let Some(id) = id {
                    self.reveal(id);
                }
                match self.unchanged.take() {
                    Some(why) => self.set_message(format!("unchanged: {why}")),
                    None => self.set_message(msg),
                }
            }
            Err(e) => self.set_error(e.to_string()),
        }
    }

    /// Runs a submitted dialog; a refusal keeps an input dialog open with the reason.
    /// Every change ends in a [`Request`] run as the UI's own user: the path
    /// the dialog was opened on is resolved, and the rules asked, inside the
    /// change's transaction, so a right lost meanwhile refuses it (R12).
    pub(super) fn submit(&mut self, mut d: Dialog) {
        let v = d.value().unwrap_or_default();
        let res: R<Option<(String, Option<ItemId>)>> = (|| {
            // The change an access-altering dialog makes: the very request its what-if ran.
            let change = || request_of(&d).ok_or_else(|| Error::invalid("nothing chosen"));
            Ok(match d.purpose.clone() {
                Purpose::Quit => {
                    self.quit = true;
                    None
                }
                Purpose::NewItem { parent, kind } => {
                    // R2: a name, not a deeper path.
                    let name = names::validate_name(&v, kind.as_str())?;
                    let path = format!("{parent}/{name}");
                    let req = match kind {
                        ItemKind::Folder => Request::Mkdir { path },
                        ItemKind::App => Request::App { path },
                    };
                    let (id, path) = placed(self.execute(req)?)?;
                    Some((
                        format!("created {kind} {}", escape(last_name(&path))),
                        Some(id),
                    ))
                }
                Purpose::NewAssetKind { app, path } => {
                    self.dialog = Some(Dialog::input(
                        format!("New {v}"),
                        vec!["Name:".into()],
                        "",
                        Purpose::NewAssetName {
                            app,
                            path,
                            kind: v.parse()?,
                        },
                    ));
                    return Ok(None);
                }
                Purpose::NewAssetName { app, path, kind } => {
                    let name = names::validate_name(&v, "asset")?;
                    self.execute(Request::AssetAdd {
                        app_path: path,
                        kind: kind.as_str().into(),
                        name: name.clone(),
                    })?;
                    Some((format!("added {kind} {}", escape(&name)), Some(app)))
                }
                Purpose::Rename { id, path } => {
                    let (_, path) = placed(self.execute(Request::Rename {
                        path,
                        new_name: v.clone(),
                    })?)?;
                    Some((format!("renamed to {}", escape(last_name(&path))), Some(id)))
                }
                Purpose::Describe { id, path } => {
                    self.execute(Request::Describe { path, text: v })?;
                    Some(("description saved".into(), Some(id)))
                }
                Purpose::MoveDest { id, .. } => {
                    let (_, path) = placed(self.execute(change()?)?)?;
                    let (to, name) = path.rsplit_once('/').unwrap_or(("", &path));
                    Some((
                        format!("moved {} to {}", escape(name), escape(to)),
                        Some(id),
                    ))
                }
                Purpose::CopyDest { path, .. } => {
                    let (id, path) = placed(self.execute(Request::Cp {
                        path,
                        dest: Some(v.clone()),
                    })?)?;
                    let (to, name) = path.rsplit_once('/').unwrap_or(("", &path));
                    Some((
                        format!("copied {} to {}", escape(name), escape(to)),
                        Some(id),
                    ))
                }
                Purpose::Delete { path, .. } => {
                    self.execute(change()?)?;
                    Some((format!("deleted {}", escape(&path)), None))
                }
                Purpose::ShareSubject { id, path } => {
                    let subject: Subject = v.parse()?;
                    let r = self.sess.resolve_str(&path)?;
                    let levels: Vec<Level> = match (&subject, r.space().is_team()) {
                        (Subject::Tenant(_), _) => vec![Level::Tenant],
                        (_, true) => vec![Level::Viewer, Level::Editor, Level::Manager],
                        (_, false) => vec![Level::Viewer, Level::Editor],
                    };
                    let items = levels
                        .iter()
                        .map(|l| PickItem::new(l.as_str(), level_note(*l), l.as_str()))
                        .collect();
                    self.dialog = Some(Dialog::pick(
                        "Level",
                        vec![format!("Share {} with {subject} as:", escape(&path))],
                        items,
                        Purpose::ShareLevel { id, path, subject },
                    ));
                    return Ok(None);
                }
                Purpose::ShareLevel { id, path, subject } => {
                    let level: Level = v.parse()?;
                    self.dialog = Some(Dialog::input(
                        "Note (optional)",
                        vec![
                            format!("{subject} {level}"),
                            "A note for the grant, Enter to share:".into(),
                        ],
                        "",
                        Purpose::ShareNote {
                            id,
                            path,
                            subject,
                            level,
                        },
                    ));
                    return Ok(None);
                }
                Purpose::ShareNote {
                    id,
                    path,
                    subject,
                    level,
                } => {
                    self.execute(change()?)?;
                    Some((
                        format!("shared {} with {subject} {level}", escape(&path)),
                        Some(id),
                    ))
                }
                Purpose::Unshare { id, path } => {
                    let subject: Subject = v.parse()?;
                    self.execute(change()?)?;
                    Some((
                        format!("removed the grant to {subject} on {}", escape(&path)),
                        Some(id),
                    ))
                }
                Purpose::Leave { path, .. } => {
                    self.execute(change()?)?;
                    Some((format!("left the collaboration on {}", escape(&path)), None))
                }
                Purpose::Inspect => {
                    if v == self.login {
                        self.inspect = None;
                    } else {
                        let sess = self.app.session(&v)?;
                        self.inspect = Some(Inspecting {
                            login: v.clone(),
                            sess,
                        });
                    }
                    Some((format!("inspecting as {} (Esc returns)", escape(&v)), None))
                }
                Purpose::Search => {
                    let id: ItemId = v.parse().map_err(|_| Error::invalid("bad match"))?;
                    self.reveal(id);
                    self.focus = Focus::Tree;
                    return Ok(None);
                }
                Purpose::ResourceKind { ws } => {
                    let kind: ResourceKind = v.parse()?;
                    let cur = self
                        .current_ws()
                        .and_then(|w| w.resources.get(&kind).cloned())
                        .unwrap_or_default();
                    self.dialog = Some(Dialog::input(
                        format!("{kind} endpoint"),
                        vec![format!("Workspace {}", escape(&ws))],
                        &cur,
                        Purpose::ResourceEndpoint { ws, kind },
                    ));
                    return Ok(None);
                }
                Purpose::ResourceEndpoint { ws, kind } => {
                    self.execute(Request::ResourceSet {
                        ws,
                        kind: kind.as_str().into(),
                        endpoint: v,
                    })?;
                    Some((format!("{kind} endpoint set"), None))
                }
                Purpose::Restrict { app, path } => {
                    let (op, kind) = v.split_once(':').unwrap_or(("", ""));
                    self.execute(Request::ResourceRestrict {
                        app_path: path.clone(),
                        kind: kind.into(),
                        restrict: op == "restrict",
                    })?;
                    Some((format!("{op} {kind} on {}", escape(&path)), Some(app)))
                }
                Purpose::IntegMenu { ws } => {
                    if v == "+" {
                        self.dialog = Some(Dialog::input(
                            "New integration",
                            vec!["Name:".into()],
                            "",
                            Purpose::IntegName { ws },
                        ));
                    } else {
                        let name = v[1..].to_string();
                        self.dialog = Some(Dialog::confirm(
                            "Delete integration",
                            vec![format!("Delete integration {}? (y/n)", escape(&name))],
                            Purpose::IntegDelete { ws, name },
                        ));
                    }
                    return Ok(None);
                }
                Purpose::IntegName { ws } => {
                    let name = names::validate_name(&v, "integration")?;
                    let items = IntegKind::ALL
                        .iter()
                        .map(|k| PickItem::new(k.as_str(), "", k.as_str()))
                        .collect();
                    self.dialog = Some(Dialog::pick(
                        "Kind",
                        vec![escape(&name)],
                        items,
                        Purpose::IntegKind { ws, name },
                    ));
                    return Ok(None);
                }
                Purpose::IntegKind { ws, name } => {
                    let kind: IntegKind = v.parse()?;
                    self.dialog = Some(Dialog::input(
                        "Endpoint",
                        vec![format!("{} ({kind})", escape(&name))],
                        "",
                        Purpose::IntegEndpoint { ws, name, kind },
                    ));
                    return Ok(None);
                }
                Purpose::IntegEndpoint { ws, name, kind } => {
                    self.execute(Request::IntegAdd {
                        ws,
                        name: name.clone(),
                        kind: kind.as_str().into(),
                        endpoint: v,
                        settings: String::new(),
                    })?;
                    Some((format!("integration {} added", escape(&name)), None))
                }
                Purpose::IntegDelete { ws, name } => {
                    self.execute(Request::IntegRm {
                        ws,
                        name: name.clone(),
                    })?;
                    Some((format!("integration {} deleted", escape(&name)), None))
                }
                Purpose::Attach { app, path } => {
                    let attach = v.starts_with('+');
                    let name = v[1..].to_string();
                    self.execute(Request::IntegAttach {
                        app_path: path,
                        name: name.clone(),
                        attach,
                    })?;
                    Some((
                        format!(
                            "{} {}",
                            if attach { "attached" } else { "detached" },
                            escape(&name)
                        ),
                        Some(app),
                    ))
                }
                Purpose::MemberUser { ws } => {
                    let w = self.sess.workspace_named(&ws)?;
                    let roles = self.sess.roles_of(w.id, &v)?;
                    let items = Role::ALL
                        .iter()
                        .map(|r| {
                            if roles.has(*r) {
                                PickItem::new(format!("revoke {r}"), "", format!("-{r}"))
                            } else {
                                PickItem::new(format!("grant {r}"), "", format!("+{r}"))
                            }
                        })
                        .collect();
                    self.dialog = Some(Dialog::pick(
                        format!("Roles of {}", escape(&v)),
                        vec![format!(
                            "Now: {}",
                            if roles.is_empty() {
                                "none".into()
                            } else {
                                roles.to_string()
                            }
                        )],
                        items,
                        Purpose::MemberRole { ws, login: v },
                    ));
                    return Ok(None);
                }
                Purpose::MemberRole { login, .. } => {
                    let role: Role = v[1..].parse()?;
                    self.execute(change()?)?;
                    Some((
                        format!(
                            "{login}: {} {role}",
                            if v.starts_with('+') {
                                "granted"
                            } else {
                                "revoked"
                            }
                        ),
                        None,
                    ))
                }
            })
        })();
        match res {
            Ok(Some((msg, id))) => self.done(Ok((msg, id))),
            // A step of a longer dialog opened the next one (or a jump happened).
            Ok(None) => {}
            Err(e) => {
                // The dialog stays open, with the refusal in it, so the input can be fixed.
                d.error = Some(e.to_string());
                self.set_error(e.to_string());
                self.dialog = Some(d);
            }
        }
    }
}

/// The item a request placed (created, moved, renamed or copied): its id and path.
fn placed(reply: Reply) -> R<(ItemId, String)> {
    match reply {
        Reply::Placed { id, path, .. } => Ok((id, path)),
        other => Err(Error::unavailable(format!(
            "expected the place of an item, got {other:?}"
        ))),
    }
}

/// The last name of a path.
fn last_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, n)| n)
}

fn level_note(l: Level) -> &'static str {
    match l {
        Level::Manager => "every action",
        Level::Editor => "view, create, edit, rename, delete",
        Level::Viewer => "view only",
        Level::Tenant => "tenant users view apps",
    }
}

fn dest_note(it: &Item, d: &Resolved) -> String {
    if d.space() != &it.space {
        if d.space().is_team() {
            "to Team Space (R24)".into()
        } else {
            "back to My Creations (R25)".into()
        }
    } else {
        String::new()
    }
}
