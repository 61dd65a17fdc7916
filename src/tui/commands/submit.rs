//! A dialog's submitted step, by its purpose: the next dialog of a longer
//! exchange, or the app layer's `Request` it ends in. A refusal keeps the
//! dialog open with the reason, so the input can be fixed.

use crate::app::Request;
use crate::domain::text::escape;
use crate::domain::*;

use super::super::dialog::{Dialog, PickItem, Purpose};
use super::super::model::Focus;
use super::super::requests::request_of;
use super::super::ui::{Inspecting, Ui, R};
use super::super::undo;
use super::super::words;
use super::{last_name, place_words, placed};

/// What a submitted step leads to.
enum Step {
    /// A change was made: the message, and the item to select.
    Done(String, Option<ItemId>),
    /// The next dialog of the exchange.
    Next(Dialog),
    /// Nothing more to show (a jump, a quit).
    Over,
}

impl Ui<'_> {
    /// Runs a submitted dialog. Every change ends in a [`Request`] run as
    /// the UI's own user: the path the dialog was opened on is resolved, and
    /// the rules asked, inside the change's transaction, so a right lost
    /// meanwhile refuses it (R12).
    pub(in super::super) fn submit(&mut self, mut d: Dialog) {
        match step(self, &d) {
            Ok(Step::Done(msg, id)) => self.done(&doing(&d), Ok((msg, id))),
            Ok(Step::Next(next)) => self.open_dialog(next),
            Ok(Step::Over) => {}
            Err(e) => {
                d.error = Some(e.to_string());
                self.set_error(words::failure(&doing(&d), &e));
                self.open_dialog(d);
            }
        }
    }
}

/// What a dialog was doing, as a failure names it: "rename Plant".
fn doing(d: &Dialog) -> String {
    let on = |verb: &str, path: &str| format!("{verb} {}", words::name_of(path));
    match &d.purpose {
        Purpose::NewItem { parent, kind } => on(&format!("create a {kind} in"), parent),
        Purpose::NewAssetName { path, .. } => on("add to", path),
        Purpose::Rename { path, .. } => on("rename", path),
        Purpose::Describe { path, .. } => on("describe", path),
        Purpose::MoveDest { path, .. } => on("move", path),
        Purpose::CopyDest { path, .. } => on("copy", path),
        Purpose::Delete { path, .. } => on("delete", path),
        Purpose::AssetRename { path, .. } => on("rename", path),
        Purpose::AssetDelete { path, .. } => on("delete", path),
        Purpose::ShareSubject { path, .. }
        | Purpose::ShareLevel { path, .. }
        | Purpose::ShareNote { path, .. } => on("share", path),
        Purpose::Unshare { path, .. } | Purpose::UnshareConfirm { path, .. } => on("unshare", path),
        Purpose::Undo { what, .. } => format!("undo {what}"),
        Purpose::Leave { path, .. } => on("leave", path),
        _ => {
            let t = d.title.trim();
            match t.get(..1) {
                Some(c) => format!("{}{}", c.to_lowercase(), &t[1..]),
                None => t.to_string(),
            }
        }
    }
}

fn step(u: &mut Ui, d: &Dialog) -> R<Step> {
    let v = d.value().unwrap_or_default();
    match d.purpose.clone() {
        Purpose::Quit => {
            u.quit = true;
            Ok(Step::Over)
        }
        Purpose::NewItem { parent, kind } => new_item(u, &parent, kind, &v),
        Purpose::NewAssetKind { app, path } => Ok(Step::Next(Dialog::input(
            format!("New {v}"),
            vec!["Name:".into()],
            "",
            Purpose::NewAssetName {
                app,
                path,
                kind: v.parse()?,
            },
        ))),
        Purpose::NewAssetName { app, path, kind } => new_asset(u, app, path, kind, &v),
        Purpose::Rename { id, path } => rename(u, id, path, v),
        Purpose::AssetRename { app, path } => asset_change(u, app, path, Some(v)),
        Purpose::AssetDelete { app, path } => asset_change(u, app, path, None),
        Purpose::Describe { id, path } => {
            let (it, _) = u.sess.resolve_item(&path)?;
            u.execute(Request::Describe {
                path: path.clone(),
                text: v,
            })?;
            u.undo
                .push(undo::described(&path, &it.description).watching(id));
            Ok(Step::Done("description saved".into(), Some(id)))
        }
        Purpose::CopyDest { path, .. } => copy(u, path, v),
        Purpose::ShareSubject { id, path } => share_level(u, id, path, &v),
        Purpose::ShareLevel {
            id, path, subject, ..
        } => share_note(u, id, path, subject, &v),
        Purpose::Inspect => inspect(u, v),
        Purpose::Unshare { id, path } => unshare_confirm(u, id, path, &v),
        Purpose::Undo { what, .. } => {
            super::undoing::confirmed(u, &what);
            Ok(Step::Over)
        }
        Purpose::Palette => {
            if let Some(cmd) = crate::tui::keymap::Cmd::from_name(&v) {
                u.run(cmd);
            }
            Ok(Step::Over)
        }
        Purpose::Search => {
            let id: ItemId = v.parse().map_err(|_| Error::invalid("bad match"))?;
            u.reveal(id);
            u.focus = Focus::Tree;
            Ok(Step::Over)
        }
        _ => settings_step(u, d, v),
    }
}

/// The steps of the workspace's settings dialogs: resources, restrictions,
/// integrations; anything else is a change's last step.
fn settings_step(u: &mut Ui, d: &Dialog, v: String) -> R<Step> {
    match d.purpose.clone() {
        Purpose::ResourceKind { ws } => resource_endpoint(u, ws, &v),
        Purpose::ResourceEndpoint { ws, kind } => {
            u.execute(Request::ResourceSet {
                ws,
                kind: kind.as_str().into(),
                endpoint: v,
            })?;
            u.undo.push(undo::Undo::not_here(
                format!("the {kind} endpoint"),
                "set it again with R",
            ));
            Ok(Step::Done(format!("{kind} endpoint set"), None))
        }
        Purpose::Restrict { app, path } => restrict(u, app, path, &v),
        Purpose::IntegMenu { ws } => integ_menu(u, ws, &v),
        Purpose::IntegName { ws } => integ_kind(ws, &v),
        Purpose::IntegKind { ws, name } => Ok(Step::Next(Dialog::input(
            "Endpoint",
            vec![format!("{} ({})", escape(&name), v.parse::<IntegKind>()?)],
            "",
            Purpose::IntegEndpoint {
                ws,
                name,
                kind: v.parse()?,
            },
        ))),
        Purpose::IntegEditEndpoint { ws, name, settings } => Ok(Step::Next(Dialog::input(
            "Settings",
            vec![format!("{}: settings (free text)", escape(&name))],
            &settings,
            Purpose::IntegEditSettings {
                ws,
                name,
                endpoint: v,
            },
        ))),
        _ => change(u, d, v),
    }
}

/// The last step of a dialog that makes a change.
fn change(u: &mut Ui, d: &Dialog, v: String) -> R<Step> {
    // The change an access-altering dialog makes: the very request its what-if ran.
    let made = || request_of(d).ok_or_else(|| Error::invalid("nothing chosen"));
    let (msg, id) = match d.purpose.clone() {
        Purpose::MoveDest { id, path: from } => {
            let (_, path) = placed(u.execute(made()?)?)?;
            u.undo.push(undo::moved(&from, &path).watching(id));
            let (to, name) = place_words(&path);
            (format!("moved {name} to {to}"), Some(id))
        }
        Purpose::Delete { path, .. } => {
            // The selection stays where the item was: on its neighbour.
            let beside = beside(u);
            let (it, _) = u.sess.resolve_item(&path)?;
            let assets = match it.kind {
                ItemKind::App => u.sess.assets_of(&it)?,
                ItemKind::Folder => Vec::new(),
            };
            let grants = u.sess.grants_of(&it)?;
            u.execute(made()?)?;
            u.undo.push(undo::deleted(&path, &it, &assets, &grants));
            (format!("deleted {}", escape(&path)), beside)
        }
        Purpose::ShareNote {
            id,
            path,
            subject,
            level,
        } => {
            let before = held_grant(u, &path, &subject)?;
            u.execute(made()?)?;
            u.undo
                .push(undo::shared(&path, &subject, before.as_ref()).watching(id));
            let what = format!("shared {} with {subject} {level}", escape(&path));
            (what, Some(id))
        }
        Purpose::UnshareConfirm { id, path, subject } => {
            let before = held_grant(u, &path, &subject)?;
            u.execute(made()?)?;
            if let Some(g) = before {
                u.undo.push(undo::unshared(&path, &g).watching(id));
            }
            let what = format!("removed the grant to {subject} on {}", escape(&path));
            (what, Some(id))
        }
        Purpose::Leave { path, .. } => {
            u.execute(made()?)?;
            // Sharing it back is the owner's alone (R16), and it is out of sight now.
            u.undo.push(undo::Undo::not_here(
                format!("leaving {}", escape(last_name(&path))),
                "ask its owner to share it with you again (R16)",
            ));
            (format!("left the collaboration on {}", escape(&path)), None)
        }
        Purpose::MemberRole { ws, login } => {
            let role: Role = v.get(1..).unwrap_or_default().parse()?;
            u.execute(made()?)?;
            u.undo
                .push(undo::role_changed(&ws, &login, role, v.starts_with('+')));
            let verb = if v.starts_with('+') {
                "granted"
            } else {
                "revoked"
            };
            (format!("{login}: {verb} {role}"), None)
        }
        other => return integ_change(u, other, v),
    };
    Ok(Step::Done(msg, id))
}

/// The last step of the integration and member dialogs.
fn integ_change(u: &mut Ui, purpose: Purpose, v: String) -> R<Step> {
    let msg = match purpose {
        Purpose::IntegEndpoint { ws, name, kind } => {
            u.execute(Request::IntegAdd {
                ws,
                name: name.clone(),
                kind: kind.as_str().into(),
                endpoint: v,
                settings: String::new(),
            })?;
            format!("integration {} added", escape(&name))
        }
        Purpose::IntegEditSettings { ws, name, endpoint } => {
            u.execute(Request::IntegEdit {
                ws,
                name: name.clone(),
                endpoint: Some(endpoint),
                settings: Some(v),
            })?;
            format!("integration {} saved", escape(&name))
        }
        Purpose::IntegDelete { ws, name } => {
            u.execute(Request::IntegRm {
                ws,
                name: name.clone(),
            })?;
            format!("integration {} deleted", escape(&name))
        }
        Purpose::Attach { app, path } => return attach(u, app, path, &v),
        Purpose::MemberUser { ws } => return member_roles(u, ws, v),
        other => return Err(Error::invalid(format!("nothing to do for {other:?}"))),
    };
    u.undo.push(undo::Undo::not_here(
        msg.clone(),
        "change it back in the integrations menu (I)",
    ));
    Ok(Step::Done(msg, None))
}

/// An asset renamed (to `new_name`) or deleted; its app is selected after.
fn asset_change(u: &mut Ui, app: ItemId, path: String, new_name: Option<String>) -> R<Step> {
    let what = match new_name {
        Some(v) => {
            let what = format!("renamed {} to {}", escape(&path), escape(&v));
            let renamed = match path.rsplit_once('/') {
                Some((head, _)) => format!("{head}/{v}"),
                None => v.clone(),
            };
            u.execute(Request::AssetRename {
                asset_path: path.clone(),
                new_name: v,
            })?;
            u.undo
                .push(undo::asset_renamed(&path, &renamed).watching(app));
            what
        }
        None => {
            let what = format!("deleted {}", escape(&path));
            let ap = crate::domain::path::parse_asset(&path)?;
            u.execute(Request::AssetRm {
                asset_path: path.clone(),
            })?;
            u.undo
                .push(undo::asset_deleted(undo::app_of(&path), ap.kind, &ap.name).watching(app));
            what
        }
    };
    Ok(Step::Done(what, Some(app)))
}

/// The item beside the selected row: the next sibling, else the previous
/// one, else the folder it is in.
fn beside(u: &Ui) -> Option<ItemId> {
    let t = &u.tree;
    let i = t.selected()?;
    let p = t.nodes[i].parent?;
    let kin: Vec<usize> = t.nodes[p].children.as_ref()?.iter().copied().collect();
    let at = kin.iter().position(|&k| k == i)?;
    let item = |k: &usize| {
        t.nodes[*k]
            .data
            .id
            .filter(|_| t.nodes[*k].data.kind != super::super::tree::NodeKind::More)
    };
    kin.get(at + 1)
        .and_then(item)
        .or_else(|| at.checked_sub(1).and_then(|b| kin.get(b)).and_then(item))
        .or(t.nodes[p].data.id)
}

fn new_item(u: &mut Ui, parent: &str, kind: ItemKind, v: &str) -> R<Step> {
    // R2: a name, not a deeper path.
    let name = names::validate_name(v, kind.as_str())?;
    let path = format!("{parent}/{name}");
    let req = match kind {
        ItemKind::Folder => Request::Mkdir { path },
        ItemKind::App => Request::App { path },
    };
    let (id, path) = placed(u.execute(req)?)?;
    u.undo
        .push(undo::created(&path, kind.as_str()).watching_below(id));
    Ok(Step::Done(
        format!("created {kind} {}", escape(last_name(&path))),
        Some(id),
    ))
}

fn new_asset(u: &mut Ui, app: ItemId, path: String, kind: AssetKind, v: &str) -> R<Step> {
    let name = names::validate_name(v, "asset")?;
    u.execute(Request::AssetAdd {
        app_path: path.clone(),
        kind: kind.as_str().into(),
        name: name.clone(),
    })?;
    u.undo
        .push(undo::asset_added(&format!("{path}:{kind}/{name}")).watching(app));
    Ok(Step::Done(
        format!("added {kind} {}", escape(&name)),
        Some(app),
    ))
}

fn rename(u: &mut Ui, id: ItemId, from: String, v: String) -> R<Step> {
    let (_, path) = placed(u.execute(Request::Rename {
        path: from.clone(),
        new_name: v,
    })?)?;
    u.undo.push(undo::renamed(&from, &path).watching(id));
    Ok(Step::Done(
        format!("renamed to {}", escape(last_name(&path))),
        Some(id),
    ))
}

fn copy(u: &mut Ui, path: String, v: String) -> R<Step> {
    let (id, path) = placed(u.execute(Request::Cp {
        path,
        dest: Some(v),
    })?)?;
    u.undo.push(undo::created(&path, "copy").watching_below(id));
    let (to, name) = place_words(&path);
    Ok(Step::Done(format!("copied {name} to {to}"), Some(id)))
}

fn share_level(u: &mut Ui, id: ItemId, path: String, v: &str) -> R<Step> {
    let subject: Subject = v.parse()?;
    let r = u.sess.resolve_str(&path)?;
    let levels: Vec<Level> = match (&subject, r.space().is_team()) {
        (Subject::Tenant(_), _) => vec![Level::Tenant],
        (_, true) => vec![Level::Viewer, Level::Editor, Level::Manager],
        (_, false) => vec![Level::Viewer, Level::Editor],
    };
    let items = levels
        .iter()
        .map(|l| PickItem::new(l.as_str(), level_note(*l), l.as_str()))
        .collect();
    Ok(Step::Next(Dialog::pick(
        "Level",
        vec![format!("Share {} with {subject} as:", escape(&path))],
        items,
        Purpose::ShareLevel { id, path, subject },
    )))
}

/// The note of a share: a grant the subject holds here already keeps its
/// note unless it is changed (the field starts with it).
fn share_note(u: &Ui, id: ItemId, path: String, subject: Subject, v: &str) -> R<Step> {
    let level: Level = v.parse()?;
    let held = held_grant(u, &path, &subject)?;
    let mut lines = vec![format!("{subject} {level}")];
    if let Some(why) = no_effect(u, &path, &subject, level)? {
        lines.push(why);
    }
    let note = match &held {
        Some(g) if !g.note.is_empty() => {
            lines.push(format!(
                "{subject} holds {} here now; its note is kept unless you change it (a new one replaces it):",
                g.level
            ));
            g.note.clone()
        }
        Some(g) => {
            lines.push(format!("{subject} holds {} here now.", g.level));
            lines.push("A note for the grant, Enter to share:".into());
            String::new()
        }
        None => {
            lines.push("A note for the grant, Enter to share:".into());
            String::new()
        }
    };
    Ok(Step::Next(Dialog::input(
        "Note (optional)",
        lines,
        &note,
        Purpose::ShareNote {
            id,
            path,
            subject,
            level,
        },
    )))
}

/// Why a grant of `level` would give `subject` nothing here: a grant on a
/// folder above already gives as much (R10: the highest level wins).
fn no_effect(u: &Ui, path: &str, subject: &Subject, level: Level) -> R<Option<String>> {
    let r = u.sess.resolve_str(path)?;
    let det = u.sess.detail(&r)?;
    Ok(det
        .inherited
        .iter()
        .filter(|(_, g)| g.subject == *subject && g.level >= level)
        .max_by_key(|(_, g)| g.level)
        .map(|(on, g)| {
            format!(
                "{subject} already has {} here through {}: adds nothing (R10)",
                g.level,
                words::in_space(on)
            )
        }))
}

/// The grant `subject` holds on the item at `path` now, if any.
fn held_grant(u: &Ui, path: &str, subject: &Subject) -> R<Option<Grant>> {
    let (it, _) = u.sess.resolve_item(path)?;
    Ok(u.sess
        .grants_of(&it)?
        .into_iter()
        .find(|g| g.subject == *subject))
}

/// The grant to remove is chosen: asked `y`, like a delete, with the
/// what-if of its removal (the same request) drawn under the question.
fn unshare_confirm(u: &mut Ui, id: ItemId, path: String, v: &str) -> R<Step> {
    let subject: Subject = v.parse()?;
    let held = held_grant(u, &path, &subject)?
        .map(|g| format!("{}'s {} grant", escape(&subject.to_string()), g.level))
        .unwrap_or_else(|| format!("the grant to {}", escape(&subject.to_string())));
    Ok(Step::Next(Dialog::confirm(
        "Remove grant",
        vec![
            format!("Remove {held} on {}?", escape(&path)),
            "y: remove   n / Esc: keep".into(),
        ],
        Purpose::UnshareConfirm { id, path, subject },
    )))
}

fn inspect(u: &mut Ui, v: String) -> R<Step> {
    if v == u.login {
        u.inspect = None;
    } else {
        // R33: only a user the actor reads (the picker offers no other).
        u.sess.require_user_readable(&v)?;
        let sess = u.app.session(&v)?;
        u.inspect = Some(Inspecting {
            login: v.clone(),
            sess,
        });
    }
    Ok(Step::Done(
        format!("inspecting as {} (Esc returns)", escape(&v)),
        None,
    ))
}

fn resource_endpoint(u: &mut Ui, ws: String, v: &str) -> R<Step> {
    let kind: ResourceKind = v.parse()?;
    let cur = u
        .current_ws()
        .and_then(|w| w.resources.get(&kind).cloned())
        .unwrap_or_default();
    Ok(Step::Next(Dialog::input(
        format!("{kind} endpoint"),
        vec![format!("Workspace {}", escape(&ws))],
        &cur,
        Purpose::ResourceEndpoint { ws, kind },
    )))
}

fn restrict(u: &mut Ui, app: ItemId, path: String, v: &str) -> R<Step> {
    let (op, kind) = v.split_once(':').unwrap_or(("", ""));
    u.execute(Request::ResourceRestrict {
        app_path: path.clone(),
        kind: kind.into(),
        restrict: op == "restrict",
    })?;
    u.undo.push(undo::Undo::not_here(
        format!("{op} {kind}"),
        "change it back with x on the app",
    ));
    Ok(Step::Done(
        format!("{op} {kind} on {}", escape(&path)),
        Some(app),
    ))
}

/// The integrations menu's choice: `+` add, `~name` edit, `-name` delete.
fn integ_menu(u: &mut Ui, ws: String, v: &str) -> R<Step> {
    let name = v.get(1..).unwrap_or_default().to_string();
    Ok(Step::Next(match v.chars().next() {
        Some('+') => Dialog::input(
            "New integration",
            vec!["Name:".into()],
            "",
            Purpose::IntegName { ws },
        ),
        Some('~') => {
            let i = u
                .read_integrations(&ws)?
                .into_iter()
                .map(|row| row.integration)
                .find(|i| i.name == name)
                .ok_or_else(|| Error::not_found(format!("integration {}", escape(&name))))?;
            Dialog::input(
                format!("Edit {}", escape(&name)),
                vec![format!("{} integration: endpoint", i.kind)],
                &i.endpoint,
                Purpose::IntegEditEndpoint {
                    ws,
                    name,
                    settings: i.settings,
                },
            )
        }
        _ => Dialog::confirm(
            "Delete integration",
            vec![format!("Delete integration {}? (y/n)", escape(&name))],
            Purpose::IntegDelete { ws, name },
        ),
    }))
}

fn integ_kind(ws: String, v: &str) -> R<Step> {
    let name = names::validate_name(v, "integration")?;
    let items = IntegKind::ALL
        .iter()
        .map(|k| PickItem::new(k.as_str(), "", k.as_str()))
        .collect();
    Ok(Step::Next(Dialog::pick(
        "Kind",
        vec![escape(&name)],
        items,
        Purpose::IntegKind { ws, name },
    )))
}

fn attach(u: &mut Ui, app: ItemId, path: String, v: &str) -> R<Step> {
    let attach = v.starts_with('+');
    let name = v.get(1..).unwrap_or_default().to_string();
    u.execute(Request::IntegAttach {
        app_path: path,
        name: name.clone(),
        attach,
    })?;
    let verb = if attach { "attached" } else { "detached" };
    Ok(Step::Done(format!("{verb} {}", escape(&name)), Some(app)))
}

fn member_roles(u: &mut Ui, ws: String, v: String) -> R<Step> {
    let w = u.sess.workspace_named(&ws)?;
    let roles = u.sess.roles_of(w.id, &v)?;
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
    let now = if roles.is_empty() {
        "none".into()
    } else {
        roles.to_string()
    };
    Ok(Step::Next(Dialog::pick(
        format!("Roles of {}", escape(&v)),
        vec![format!("Now: {now}")],
        items,
        Purpose::MemberRole { ws, login: v },
    )))
}

fn level_note(l: Level) -> &'static str {
    match l {
        Level::Manager => "every action",
        Level::Editor => "view, create, edit, rename, delete",
        Level::Viewer => "view only",
        Level::Tenant => "tenant users view apps",
    }
}
