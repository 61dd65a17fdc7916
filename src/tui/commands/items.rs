//! Creating, renaming, describing and deleting folders, apps and assets.

use crate::domain::text::escape;
use crate::domain::*;

use super::super::dialog::{Dialog, PickItem, Purpose};
use super::super::tree::NodeKind;
use super::super::ui::Ui;

pub fn new_folder(u: &mut Ui) {
    new_item(u, ItemKind::Folder)
}

pub fn new_app(u: &mut Ui) {
    new_item(u, ItemKind::App)
}

fn new_item(u: &mut Ui, kind: ItemKind) {
    let what = format!("new {kind}");
    let Some(r) = u.create_place() else {
        return u.set_error(format!("{what}: choose Team Space or My Creations first"));
    };
    if !u.allowed(Action::Create, &r) {
        return;
    }
    u.open_dialog(Dialog::input(
        format!("New {kind}"),
        vec![format!("In {}", escape(&r.path)), "Name:".into()],
        "",
        Purpose::NewItem {
            parent: r.path.clone(),
            kind,
        },
    ));
}

pub fn new_asset(u: &mut Ui) {
    let Some((it, r)) = u.need_item("new asset") else {
        return;
    };
    if it.kind != ItemKind::App {
        return u
            .set_error("new asset: dashboards, charts and datasets live in apps: select an app");
    }
    if !u.allowed(Action::Edit, &r) {
        return;
    }
    let items = AssetKind::ALL
        .iter()
        .map(|k| PickItem::new(k.as_str(), "", k.as_str()))
        .collect();
    u.open_dialog(Dialog::pick(
        "New asset",
        vec![format!("In {}", escape(&r.path))],
        items,
        Purpose::NewAssetKind {
            app: it.id,
            path: r.path.clone(),
        },
    ));
}

/// The selected asset (its app, the app's place, its kind and name), if an
/// asset row is selected and the actor may edit its app.
fn asset_for(u: &mut Ui, what: &str) -> Option<(ItemId, String, AssetKind, String)> {
    let i = u.tree.selected()?;
    let NodeKind::Asset(kind) = u.tree.nodes[i].data.kind else {
        return None;
    };
    let name = u.tree.nodes[i].data.name.clone();
    let path = u.tree.path(i);
    let (it, r) = u.need_item(what)?;
    u.allowed(Action::Edit, &r)
        .then_some((it.id, path, kind, name))
}

fn is_asset(u: &Ui) -> bool {
    u.tree
        .selected_node()
        .is_some_and(|n| matches!(n.data.kind, NodeKind::Asset(_)))
}

pub fn rename(u: &mut Ui) {
    if is_asset(u) {
        let Some((app, path, kind, name)) = asset_for(u, "rename") else {
            return;
        };
        return u.open_dialog(Dialog::input(
            format!("Rename {kind}"),
            vec![escape(&path), "New name:".into()],
            &name,
            Purpose::AssetRename { app, path },
        ));
    }
    let Some((it, r)) = u.item_for("rename", Action::Rename) else {
        return;
    };
    u.open_dialog(Dialog::input(
        format!("Rename {}", it.kind),
        vec![escape(&r.path), "New name:".into()],
        &it.name,
        Purpose::Rename {
            id: it.id,
            path: r.path.clone(),
        },
    ));
}

pub fn describe(u: &mut Ui) {
    let Some((it, r)) = u.need_item("describe") else {
        return;
    };
    if !u.allowed(Action::Edit, &r) {
        return;
    }
    u.open_dialog(Dialog::input(
        "Description",
        vec![escape(&r.path)],
        &it.description,
        Purpose::Describe {
            id: it.id,
            path: r.path.clone(),
        },
    ));
}

pub fn delete(u: &mut Ui) {
    if is_asset(u) {
        let Some((app, path, kind, _)) = asset_for(u, "delete") else {
            return;
        };
        return u.open_dialog(Dialog::confirm(
            format!("Delete {kind}"),
            vec![
                format!("Delete {}?", escape(&path)),
                "Its app stays.".into(),
                "y: delete   n / Esc: keep".into(),
            ],
            Purpose::AssetDelete { app, path },
        ));
    }
    let Some((it, r)) = u.item_for("delete", Action::Delete) else {
        return;
    };
    match u.sess.delete_blocker(&r) {
        Ok(Some(e)) => {
            let what = format!("delete {}", escape(&it.name));
            return u.set_error(super::super::words::failure(&what, &e));
        }
        Err(e) => return u.set_error(e.to_string()),
        Ok(None) => {}
    }
    let extra = if it.kind == ItemKind::App {
        " with its dashboards, charts, datasets and grants"
    } else {
        ""
    };
    u.open_dialog(Dialog::confirm(
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
