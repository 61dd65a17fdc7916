//! The detail pane's lines: Info, Permissions, Activity and Workspace.
//! Computed when the selection or the tab changes, not on every frame.

use crate::app::{Allowance, ItemDetail, Reply, Request, Resolved};
use crate::domain::rules::{grant_sight_refusal, GrantSight, Seen};
use crate::domain::text::escape;
use crate::domain::*;

use super::keymap::{Cmd, Scope};
use super::model::{dl, node_key, when, DLine, Tab, Tone};
use super::reads::unexpected;
use super::tree::{NodeData, NodeKind};
use super::ui::{Ui, R};

impl Ui<'_> {
    // ---- the detail pane ----

    /// Computes the detail lines of the selection when it or the tab changed.
    pub fn prepare(&mut self) {
        self.fill_viewport();
        self.prepare_whatif();
        let key = self
            .tree
            .selected_node()
            .map(|n| node_key(&n.data))
            .unwrap_or_default();
        let k = (key, self.shown_tab(), self.generation);
        if self.detail.key.as_ref() == Some(&k) {
            return;
        }
        if self.detail.key.as_ref().map(|d| (&d.0, d.1)) != Some((&k.0, k.1)) {
            self.detail.scroll = 0;
        }
        self.detail.lines = match self.detail_for_tab() {
            Ok(l) => l,
            Err(e) => vec![dl(Tone::Bad, e.to_string())],
        };
        self.detail.key = Some(k);
    }

    fn detail_for_tab(&self) -> R<Vec<DLine>> {
        if self.shown_tab() == Tab::Workspace {
            return self.workspace_lines();
        }
        let Some(n) = self.tree.selected_node() else {
            return Ok(vec![dl(
                Tone::Dim,
                "Nothing here yet. Select a space on the left, or create with n / a.",
            )]);
        };
        let data = n.data.clone();
        match &data.kind {
            NodeKind::Space(sp) => match self.shown_tab() {
                Tab::Permissions => self.space_permission_lines(sp),
                Tab::Activity => Ok(space_activity_lines()),
                _ => self.space_info_lines(sp, &data),
            },
            _ => {
                let Some(id) = data.id else {
                    return Ok(vec![dl(
                        Tone::Dim,
                        "More children: they load as they scroll into view (Enter loads the next page, End all).",
                    )]);
                };
                let r = match self.sess.resolve_id(id) {
                    Ok(r) => r,
                    Err(e) => return Ok(vec![dl(Tone::Bad, e.to_string())]),
                };
                match self.shown_tab() {
                    Tab::Info => self.info_lines(&r, &data),
                    Tab::Permissions => self.permission_lines(&r),
                    Tab::Activity => self.activity_lines(&r),
                    Tab::Workspace => unreachable!(),
                }
            }
        }
    }

    fn info_lines(&self, r: &Resolved, data: &NodeData) -> R<Vec<DLine>> {
        // While inspecting, the level and the actions are the inspected user's.
        let s = self.viewer();
        let det = self.item_detail(r)?;
        let it = det.item.clone();
        let d = s.decide(Action::View, r)?;
        let mut out = Vec::new();
        if let NodeKind::Asset(k) = &data.kind {
            out.push(dl(Tone::Heading, format!("{k}  {}", escape(&data.name))));
            let path = self.tree.selected_path().unwrap_or_default();
            out.push(dl(Tone::Normal, format!("  {}", escape(&path))));
            out.push(dl(Tone::Normal, format!("in app    {}", escape(&r.path))));
            out.push(dl(Tone::Dim, ""));
        }
        out.push(dl(
            Tone::Heading,
            format!("{}  {}", it.kind, escape(&it.name)),
        ));
        out.push(dl(Tone::Normal, format!("  {}", escape(&r.path))));
        if d.seen == Seen::PathOnly {
            out.push(dl(
                Tone::Dim,
                "seen only as the path to an item below it: no action (R11)",
            ));
            return Ok(out);
        }
        out.push(dl(Tone::Normal, format!("owner     {}", escape(&it.owner))));
        out.push(dl(
            Tone::Normal,
            format!("creator   {}", escape(&it.creator)),
        ));
        out.push(dl(Tone::Normal, format!("created   {}", when(it.created))));
        out.push(dl(Tone::Normal, format!("modified  {}", when(it.modified))));
        if !it.description.is_empty() {
            out.push(dl(
                Tone::Normal,
                format!("about     {}", escape(&it.description)),
            ));
        }
        match &self.inspect {
            // R34: another user's level and actions where the actor reads them.
            Some(i) if det.grant_sight != GrantSight::All => {
                out.push(dl(
                    Tone::Dim,
                    format!(
                        "{}'s level here is not shown: {}",
                        escape(&i.login),
                        grant_sight_refusal(det.grant_sight)
                    ),
                ));
            }
            _ => {
                let who = match &self.inspect {
                    Some(i) => escape(&i.login),
                    None => "you".into(),
                };
                out.push(dl(Tone::Normal, format!("{who:<9} {}", d.level_word())));
                self.action_lines(&mut out, &it, r)?;
            }
        }
        if it.kind == ItemKind::App {
            self.app_lines(&mut out, &det)?;
        }
        Ok(out)
    }

    /// A space root's Info: what the space is, and creating at its root.
    fn space_info_lines(&self, s: &SpaceRef, data: &NodeData) -> R<Vec<DLine>> {
        let r = self.sess.space_root(s)?;
        let mut out = vec![
            dl(Tone::Heading, escape(&data.name)),
            dl(Tone::Normal, format!("  {}", escape(&r.path))),
        ];
        let about = match s.my_owner() {
            None => "The workspace's shared space: admins create at its root (R21); others act by their grants (R22).".to_string(),
            Some(o) if o == self.login => "Your private space: you hold every action here (R15); others see only what you share (R14, R16).".to_string(),
            Some(o) => format!("Items {} shared from their My Creations (R14, R16).", escape(o)),
        };
        out.push(dl(Tone::Dim, about));
        out.push(dl(Tone::Heading, "Actions"));
        let d = self.sess.decide(Action::Create, &r)?;
        let key = self.keys.key_label(Scope::Tree, Cmd::NewFolder);
        if d.allowed {
            out.push(dl(
                Tone::Ok,
                format!("  ✓ {key:<3} new folder or app at the root"),
            ));
        } else {
            out.push(dl(
                Tone::Dim,
                format!(
                    "  ✗ {key:<3} new folder or app: {}",
                    self.reason_for_viewer(&d.reason)
                ),
            ));
        }
        Ok(out)
    }

    /// A rule's reason put to the person it is about: "you", or the
    /// inspected user by name.
    fn reason_for_viewer(&self, reason: &str) -> String {
        match &self.inspect {
            Some(i) => reason.replace("this user", &escape(&i.login)),
            None => super::words::to_you(reason),
        }
    }

    /// A space root holds no grants: where access here comes from.
    fn space_permission_lines(&self, s: &SpaceRef) -> R<Vec<DLine>> {
        let r = self.sess.space_root(s)?;
        let d = self.viewer().decide(Action::View, &r)?;
        let who = match &self.inspect {
            Some(i) => escape(&i.login),
            None => "you".into(),
        };
        let mut out = vec![
            dl(Tone::Heading, "Where access comes from"),
            dl(
                Tone::Dim,
                "  A space root holds no grants: grants are set on the folders and apps inside it (R10).",
            ),
        ];
        let rules: &[&str] = match s.my_owner() {
            None => &[
                "  Team Space admins (all three workspace roles): every action (R7, R21)",
                "  Workspace members: see the root; only admins create at it (R11, R21)",
                "  Everyone else: what their grants on folders and apps give (R22)",
            ],
            Some(_) => &[
                "  Its owner: every action (R15)",
                "  Collaborators: what is shared with them, nothing more (R16)",
                "  Nobody else sees in, admins and the account owner included (R14)",
            ],
        };
        out.extend(rules.iter().map(|l| dl(Tone::Normal, *l)));
        out.push(dl(Tone::Normal, format!("{who:<9} {}", d.level_word())));
        let w = self.keys.key_label(Scope::Tree, Cmd::Who);
        out.push(dl(
            Tone::Dim,
            format!("  {w} lists everyone who can view it, and why."),
        ));
        Ok(out)
    }

    /// The actions of the selected item, each marked open or refused with the rule's reason.
    fn action_lines(&self, out: &mut Vec<DLine>, it: &Item, r: &Resolved) -> R<()> {
        let s = self.viewer();
        match &self.inspect {
            Some(i) => {
                out.push(dl(
                    Tone::Heading,
                    format!("What {} may do", escape(&i.login)),
                ));
                out.push(dl(
                    Tone::Dim,
                    "  (you change nothing while inspecting; Esc ends it)",
                ));
            }
            None => out.push(dl(Tone::Heading, "Actions")),
        }
        let mut acts: Vec<(Cmd, Action, &Resolved)> = vec![
            (Cmd::Rename, Action::Rename, r),
            (Cmd::Move, Action::Move, r),
            (Cmd::Delete, Action::Delete, r),
            (Cmd::Share, Action::Share, r),
            (Cmd::Unshare, Action::Share, r),
            (Cmd::Describe, Action::Edit, r),
        ];
        if it.kind == ItemKind::Folder {
            acts.insert(0, (Cmd::NewFolder, Action::Create, r));
            acts.insert(1, (Cmd::NewApp, Action::Create, r));
        } else {
            acts.push((Cmd::CopyTo, Action::Copy, r));
            acts.push((Cmd::NewAsset, Action::Edit, r));
            acts.push((Cmd::Attach, Action::Edit, r));
        }
        for (cmd, action, rr) in acts {
            let dd = s.decide(action, rr)?;
            let key = self.keys.key_label(Scope::Tree, cmd);
            if cmd == Cmd::Move && !dd.allowed && it.kind == ItemKind::App && it.space.is_team() {
                // R25: the app's owner moves it back without the move right in Team Space.
                let mine = SpaceRef::my(it.space.ws, self.sess.login());
                if let Ok(root) = s.space_root(&mine) {
                    if s.check_move(it, r, &root).is_ok() {
                        out.push(dl(
                            Tone::Ok,
                            format!("  ✓ {key:<3} move back to My Creations (R25)"),
                        ));
                        continue;
                    }
                }
            }
            // What the rules allow may still be refused by what is known now
            // (a folder that is not empty cannot be deleted, R28): said before it is tried.
            let blocked = match (dd.allowed, cmd) {
                (true, Cmd::Delete) => s.delete_blocker(r)?.map(|e| e.message),
                _ => None,
            };
            out.push(match (dd.allowed, blocked) {
                (true, None) => mark(&key, cmd, None),
                (true, Some(why)) => {
                    dl(Tone::Dim, format!("  ✗ {key:<3} {} now: {why}", cmd.desc()))
                }
                (false, _) => mark(&key, cmd, Some(&self.reason_for_viewer(&dd.reason))),
            });
        }
        let mut extra: Vec<(Cmd, Allowance)> = Vec::new();
        if it.kind == ItemKind::App {
            extra.push((Cmd::Restrict, s.may_restrict(it)));
        }
        // Leaving is listed where it can matter: in another user's My Creations, or when it is open.
        let others_space = it.space.my_owner().is_some_and(|o| o != s.login());
        if let Ok(a) = s.may_leave(r) {
            if a.allowed || others_space {
                extra.push((Cmd::Leave, a));
            }
        }
        for (cmd, a) in extra {
            let key = self.keys.key_label(Scope::Tree, cmd);
            out.push(mark(&key, cmd, (!a.allowed).then_some(a.reason.as_str())));
        }
        Ok(())
    }

    /// An app's resources (R30) and integrations (R31), read by the
    /// members of its workspace (R34).
    fn app_lines(&self, out: &mut Vec<DLine>, det: &ItemDetail) -> R<()> {
        let it = &det.item;
        out.push(dl(Tone::Heading, "Resources (R30)"));
        let ws = crate::domain::path::parse_in(&det.path)?.ws;
        let resources = match self.read_resources(&ws) {
            Ok(r) => r,
            Err(e) => {
                out.push(dl(Tone::Dim, format!("  {}", e.message)));
                return Ok(());
            }
        };
        for (k, e) in &resources {
            if it.restricted.contains(k) {
                out.push(dl(Tone::Bad, format!("  ✗ {k}: restricted for this app")));
            } else {
                out.push(dl(Tone::Normal, format!("  ✓ {k}")));
                out.push(dl(Tone::Dim, format!("    {}", escape(e))));
            }
        }
        out.push(dl(Tone::Heading, "Integrations (R31)"));
        if it.integrations.is_empty() {
            out.push(dl(Tone::Dim, "  none"));
        }
        for i in &it.integrations {
            out.push(dl(Tone::Normal, format!("  {}", escape(i))));
        }
        Ok(())
    }

    fn permission_lines(&self, r: &Resolved) -> R<Vec<DLine>> {
        let det = self.item_detail(r)?;
        let mut out = Vec::new();
        if !det.decision.allowed {
            out.push(dl(
                Tone::Dim,
                "You see this item only as a path: its grants are not shown (R11, R12, R34).",
            ));
            return Ok(out);
        }
        self.grant_lines(&mut out, &det);
        let who = self.viewer().login().to_string();
        out.push(dl(
            Tone::Heading,
            format!("Effective level of {} (R13)", escape(&who)),
        ));
        match self.read(Request::Explain {
            login: who.clone(),
            path: r.path.clone(),
        }) {
            Ok(Reply::Explained { lines, .. }) => {
                out.extend(lines.into_iter().map(|l| dl(Tone::Normal, l)));
            }
            Ok(other) => return Err(unexpected(&other)),
            Err(e) => {
                out.push(dl(Tone::Dim, format!("  {}", e.message)));
                return Ok(out);
            }
        }
        out.push(dl(Tone::Heading, format!("What {} may do", escape(&who))));
        for a in Action::ALL {
            let dd = match self.read(Request::Check {
                login: who.clone(),
                action: a.to_string(),
                path: r.path.clone(),
                to: None,
            })? {
                Reply::Decision(d) => d,
                other => return Err(unexpected(&other)),
            };
            let (t, m) = if dd.allowed {
                (Tone::Ok, "✓")
            } else {
                (Tone::Dim, "✗")
            };
            let why = if dd.allowed {
                String::new()
            } else {
                format!(": {}", dd.reason)
            };
            out.push(dl(t, format!("  {m} {a}{why}")));
        }
        Ok(out)
    }

    /// The grants on the item and above it, as far as the actor reads them (R34).
    fn grant_lines(&self, out: &mut Vec<DLine>, det: &ItemDetail) {
        if det.grant_sight != GrantSight::All {
            out.push(dl(Tone::Dim, grant_sight_refusal(det.grant_sight)));
            out.push(dl(Tone::Heading, "Grants that reach you"));
            if det.direct.is_empty() && det.inherited.is_empty() {
                out.push(dl(Tone::Dim, "  none"));
            }
        } else {
            out.push(dl(Tone::Heading, "Grants on this item"));
            if det.direct.is_empty() {
                let s_key = self.keys.key_label(Scope::Tree, Cmd::Share);
                out.push(dl(
                    Tone::Dim,
                    format!(
                        "  none set here ({s_key} shares it); grants on the folders above apply, below"
                    ),
                ));
            }
        }
        for g in &det.direct {
            let note = if g.note.is_empty() {
                String::new()
            } else {
                format!(" \"{}\"", escape(&g.note))
            };
            out.push(dl(
                Tone::Normal,
                format!(
                    "  {} {}{note}  by {}",
                    g.subject,
                    g.level,
                    escape(&g.granted_by)
                ),
            ));
        }
        if det.grant_sight == GrantSight::All {
            out.push(dl(Tone::Heading, "Inherited (R10)"));
            if det.inherited.is_empty() {
                out.push(dl(Tone::Dim, "  none: no folder above it holds a grant"));
            }
        }
        for (p, g) in &det.inherited {
            out.push(dl(Tone::Normal, format!("  {} {}", g.subject, g.level)));
            out.push(dl(Tone::Dim, format!("    from {}", escape(p))));
        }
    }

    fn activity_lines(&self, r: &Resolved) -> R<Vec<DLine>> {
        let mut out = vec![dl(Tone::Heading, "Activity (R32, R35)")];
        let (entries, whole) = match self.read(Request::Activity {
            path: r.path.clone(),
        })? {
            Reply::Activity { entries, whole } => (entries, whole),
            other => return Err(unexpected(&other)),
        };
        if !whole {
            out.push(dl(
                Tone::Dim,
                format!(
                    "  Your own changes only: {}.",
                    crate::domain::rules::AUDIT_READERS
                ),
            ));
        }
        if entries.is_empty() {
            out.push(dl(
                Tone::Dim,
                "  No changes recorded: every change to this item (create, rename, move, share…) is listed here, newest first.",
            ));
        }
        // Newest first, in words; the item's path is the pane's title.
        for s in super::activity::in_words(&entries).into_iter().rev() {
            out.push(dl(
                Tone::Normal,
                format!("{}  {:<8} {}", when(s.at), s.actor, s.what),
            ));
        }
        Ok(out)
    }

    fn workspace_lines(&self) -> R<Vec<DLine>> {
        let Some(ws) = self.current_ws().cloned() else {
            return Ok(vec![dl(Tone::Dim, "no workspace")]);
        };
        let mut out = vec![dl(Tone::Heading, format!("Workspace {}", escape(&ws.name)))];
        // R33, R34: members, roles, resources and integrations are its members' to read.
        match self.read_members(&ws.name) {
            Ok(members) => self.member_lines(&mut out, members),
            Err(e) => {
                out.push(dl(Tone::Dim, format!("  {}", e.message)));
                return Ok(out);
            }
        }
        out.push(dl(Tone::Heading, "Resources (R29)"));
        for (k, e) in &self.read_resources(&ws.name)? {
            out.push(dl(Tone::Normal, format!("  {k}")));
            out.push(dl(Tone::Dim, format!("    {}", escape(e))));
        }
        out.push(dl(Tone::Heading, "Integrations (R31)"));
        let ints = self.read_integrations(&ws.name)?;
        if ints.is_empty() {
            out.push(dl(Tone::Dim, "  none"));
        }
        for row in ints {
            let i = row.integration;
            out.push(dl(
                Tone::Normal,
                format!("  {} ({})", escape(&i.name), i.kind),
            ));
            out.push(dl(Tone::Dim, format!("    {}", escape(&i.endpoint))));
        }
        self.workspace_action_lines(&mut out, &ws);
        Ok(out)
    }

    fn member_lines(&self, out: &mut Vec<DLine>, mut members: Vec<(String, Roles)>) {
        let owner = &self.sess.account.owner;
        out.push(dl(Tone::Heading, "Members (★ Team Space admin, R7)"));
        if !members.iter().any(|(l, _)| l == owner) {
            members.insert(0, (owner.clone(), Roles::ALL));
        }
        for (login, roles) in members {
            let roles = if login == *owner { Roles::ALL } else { roles };
            let star = if roles.is_admin() { "★" } else { " " };
            let roles = if roles.is_admin() {
                "admin (all three roles)".to_string()
            } else {
                roles.to_string()
            };
            out.push(dl(
                Tone::Normal,
                format!("  {star} {:<10} {roles}", escape(&login)),
            ));
        }
    }

    fn workspace_action_lines(&self, out: &mut Vec<DLine>, ws: &Workspace) {
        let s = &self.sess;
        for (what, a) in [
            (Cmd::Resources, s.may_edit_resources(ws)),
            (Cmd::Integrations, s.may_manage_integrations(ws)),
            (Cmd::Members, s.may_manage_roles()),
        ] {
            let key = self.keys.key_label(Scope::Workspaces, what);
            if a.allowed {
                out.push(dl(Tone::Ok, format!("  ✓ {key} {}", what.desc())));
            } else {
                out.push(dl(
                    Tone::Dim,
                    format!("  ✗ {key} {}: {}", what.desc(), a.reason),
                ));
            }
        }
    }
}

/// An action's line: ✓ open, or ✗ with the rule's reason.
fn mark(key: &str, cmd: Cmd, refused: Option<&str>) -> DLine {
    match refused {
        None => dl(Tone::Ok, format!("  ✓ {key:<3} {}", cmd.desc())),
        Some(why) => dl(Tone::Dim, format!("  ✗ {key:<3} {}: {why}", cmd.desc())),
    }
}

/// A space root's Activity: the log is kept per item.
fn space_activity_lines() -> Vec<DLine> {
    vec![
        dl(Tone::Heading, "Activity (R32)"),
        dl(
            Tone::Dim,
            "  Changes are listed on the item they touched: select a folder or app to see its own.",
        ),
        dl(
            Tone::Dim,
            "  The whole workspace's log: treeward log --workspace NAME (admins and the account owner).",
        ),
    ]
}
