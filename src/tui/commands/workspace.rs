//! The workspace's resources and integrations, an app's restrictions and
//! attached integrations, and members' roles.

use crate::domain::text::escape;
use crate::domain::*;

use super::super::dialog::{Dialog, PickItem, Purpose};
use super::super::ui::Ui;

pub fn resources(u: &mut Ui) {
    let Some(ws) = u.current_ws().cloned() else {
        return;
    };
    let a = u.sess.may_edit_resources(&ws);
    if !u.allowance("edit resources", a) {
        return;
    }
    let items = ws
        .resources
        .iter()
        .map(|(k, e)| PickItem::new(k.as_str(), escape(e), k.as_str()))
        .collect();
    u.open_dialog(Dialog::pick(
        format!("Resources of {}", escape(&ws.name)),
        vec!["Which endpoint to change?".into()],
        items,
        Purpose::ResourceKind {
            ws: ws.name.clone(),
        },
    ));
}

pub fn restrict(u: &mut Ui) {
    let Some((it, r)) = u.need_item("restrict") else {
        return;
    };
    let a = u.sess.may_restrict(&it);
    if !u.allowance("restrict resources", a) {
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
    u.open_dialog(Dialog::pick(
        "Resources of the app",
        vec![escape(&r.path)],
        items,
        Purpose::Restrict {
            app: it.id,
            path: r.path.clone(),
        },
    ));
}

/// The integrations menu: add one, edit one's endpoint and settings (R31), delete one.
pub fn integrations(u: &mut Ui) {
    let Some(ws) = u.current_ws().cloned() else {
        return;
    };
    let a = u.sess.may_manage_integrations(&ws);
    if !u.allowance("manage integrations", a) {
        return;
    }
    let mut items = vec![PickItem::new("+ add an integration", "", "+")];
    let rows = match u.read_integrations(&ws.name) {
        Ok(rows) => rows,
        Err(e) => return u.set_error(e.to_string()),
    };
    for row in rows {
        let i = row.integration;
        let about = format!("{} {}", i.kind, escape(&i.endpoint));
        items.push(PickItem::new(
            format!("edit {}", escape(&i.name)),
            about.clone(),
            format!("~{}", i.name),
        ));
        // R31: one in use is not deleted; said before it is tried.
        let about = if row.apps > 0 {
            format!("✗ in use: detach it from its apps first (R31); {about}")
        } else {
            about
        };
        items.push(PickItem::new(
            format!("delete {}", escape(&i.name)),
            about,
            format!("-{}", i.name),
        ));
    }
    u.open_dialog(Dialog::pick(
        format!("Integrations of {}", escape(&ws.name)),
        vec![],
        items,
        Purpose::IntegMenu {
            ws: ws.name.clone(),
        },
    ));
}

pub fn attach(u: &mut Ui) {
    let Some((it, r)) = u.need_item("attach") else {
        return;
    };
    if it.kind != ItemKind::App {
        return u.set_error("attach: integrations are attached to apps: select an app");
    }
    if !u.allowed(Action::Edit, &r) {
        return;
    }
    let ws = match crate::domain::path::parse_in(&r.path) {
        Ok(p) => p.ws,
        Err(e) => return u.set_error(e.to_string()),
    };
    let all: Vec<Integration> = match u.read_integrations(&ws) {
        Ok(rows) => rows.into_iter().map(|row| row.integration).collect(),
        Err(e) => return u.set_error(format!("attach: {e}")),
    };
    if all.is_empty() {
        return u.set_error("attach: this workspace has no integrations yet (I adds one)");
    }
    let items = all
        .iter()
        .map(|i| {
            let on = it.integrations.contains(&i.name);
            let verb = if on { "detach" } else { "attach" };
            PickItem::new(
                format!("{verb} {}", escape(&i.name)),
                format!("{} {}", i.kind, escape(&i.endpoint)),
                format!("{}{}", if on { "-" } else { "+" }, i.name),
            )
        })
        .collect();
    u.open_dialog(Dialog::pick(
        "Integrations of the app",
        vec![escape(&r.path)],
        items,
        Purpose::Attach {
            app: it.id,
            path: r.path.clone(),
        },
    ));
}

pub fn members(u: &mut Ui) {
    let Some(ws) = u.current_ws().cloned() else {
        return;
    };
    let a = u.sess.may_manage_roles();
    if !u.allowance("manage members and roles", a) {
        return;
    }
    let (users, members) = match (u.read_users(), u.read_members(&ws.name)) {
        (Ok(users), Ok(members)) => (users, members),
        (Err(e), _) | (_, Err(e)) => return u.set_error(e.to_string()),
    };
    let items = users
        .iter()
        .filter(|x| x.tenant.is_none())
        .map(|x| {
            let roles = members
                .iter()
                .find(|(l, _)| *l == x.login)
                .map(|(_, r)| *r)
                .unwrap_or_default();
            PickItem::new(escape(&x.login), roles.to_string(), x.login.clone())
        })
        .collect();
    u.open_dialog(Dialog::pick(
        format!("Members of {}", escape(&ws.name)),
        vec!["Whose roles to change?".into()],
        items,
        Purpose::MemberUser {
            ws: ws.name.clone(),
        },
    ));
}
