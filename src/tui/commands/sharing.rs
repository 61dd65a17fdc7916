//! Sharing, removing grants, leaving a collaboration, inspecting as another user.

use crate::domain::text::escape;
use crate::domain::*;

use super::super::dialog::{Dialog, PickItem, Purpose};
use super::super::ui::{Ui, R};

pub fn share(u: &mut Ui) {
    let Some((it, r)) = u.item_for("share", Action::Share) else {
        return;
    };
    let items = match subject_items(u, it.space.is_team()) {
        Ok(i) => i,
        Err(e) => return u.set_error(e.to_string()),
    };
    u.open_dialog(Dialog::pick(
        format!("Share {}", escape(&it.name)),
        vec!["With whom? Type to filter users, groups, org units and tenants.".into()],
        items,
        Purpose::ShareSubject {
            id: it.id,
            path: r.path.clone(),
        },
    ));
}

fn subject_items(u: &Ui, team: bool) -> R<Vec<PickItem>> {
    Ok(u.sess
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

pub fn unshare(u: &mut Ui) {
    let Some((it, r)) = u.item_for("unshare", Action::Share) else {
        return;
    };
    let grants = u.read_grants_on(&r.path).unwrap_or_default();
    if grants.is_empty() {
        return u.set_error(format!(
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
                g.subject.clone(),
            )
        })
        .collect();
    u.open_dialog(Dialog::pick(
        format!("Unshare {}", escape(&it.name)),
        vec!["Remove which grant?".into()],
        items,
        Purpose::Unshare {
            id: it.id,
            path: r.path.clone(),
        },
    ));
}

pub fn leave(u: &mut Ui) {
    let Some((it, r)) = u.need_item("leave") else {
        return;
    };
    match u.sess.may_leave(&r) {
        Ok(a) if !u.allowance(&format!("leave {}", escape(&it.name)), a.clone()) => return,
        Err(e) => return u.set_error(e.to_string()),
        _ => {}
    }
    u.open_dialog(Dialog::confirm(
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

pub fn inspect(u: &mut Ui) {
    // R33: the picker offers only the users the actor reads.
    let users = match u.read_users() {
        Ok(u) => u,
        Err(e) => return u.set_error(e.to_string()),
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
    u.open_dialog(Dialog::pick(
        "Inspect as",
        vec!["See the tree as this user sees it (never more than you see).".into()],
        items,
        Purpose::Inspect,
    ));
}
