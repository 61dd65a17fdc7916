//! Moving and copying: only destinations where the rules allow it are offered.

use crate::app::{Request, Resolved};
use crate::domain::text::escape;
use crate::domain::*;

use super::super::dialog::{Body, Dialog, PickItem, Purpose};
use super::super::ui::Ui;
use super::{last_name, placed};

pub fn move_to(u: &mut Ui) {
    let Some((it, r)) = u.need_item("move") else {
        return;
    };
    let dests = match u.sess.move_destinations(&it, &r) {
        Ok(d) => d,
        Err(e) => return u.set_error(e.to_string()),
    };
    if dests.is_empty() {
        return match u.sess.decide(Action::Move, &r) {
            Ok(d) if !d.allowed => u.refuse_decision(&r, &d),
            _ => u.refuse(
                &format!("move {}", escape(&it.name)),
                "no folder accepts this item from you (R18, R23, R24, R25)",
            ),
        };
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
    u.open_dialog(dlg);
}

pub fn copy_beside(u: &mut Ui) {
    let Some((it, r)) = u.item_for("copy", Action::Copy) else {
        return;
    };
    let parent = match u.sess.parent_of(&it, &r) {
        Ok(p) => p,
        Err(e) => return u.set_error(e.to_string()),
    };
    if !u.allowed(Action::Create, &parent) {
        return;
    }
    let res = u
        .execute(Request::Cp {
            path: r.path.clone(),
            dest: None,
        })
        .and_then(placed);
    if let Ok((id, path)) = &res {
        u.undo
            .push(super::super::undo::created(path, "copy").watching_below(*id));
    }
    u.done(
        "copy",
        res.map(|(id, path)| (format!("copied to {}", escape(last_name(&path))), Some(id))),
    );
}

pub fn copy_to(u: &mut Ui) {
    let Some((it, r)) = u.item_for("copy", Action::Copy) else {
        return;
    };
    let dests = match u.sess.copy_destinations(&it) {
        Ok(d) => d,
        Err(e) => return u.set_error(e.to_string()),
    };
    if dests.is_empty() {
        return u.refuse(
            &format!("copy {}", escape(&it.name)),
            "no folder where you may create is free of that name (R1, R20)",
        );
    }
    let items = dests
        .iter()
        .map(|d| PickItem::new(escape(&d.path), "", d.path.clone()))
        .collect();
    u.open_dialog(Dialog::pick(
        format!("Copy {} to", escape(&it.name)),
        vec!["Folders where you may create:".into()],
        items,
        Purpose::CopyDest {
            id: it.id,
            path: r.path.clone(),
        },
    ));
}

fn dest_note(it: &Item, d: &Resolved) -> String {
    if d.space() == &it.space {
        String::new()
    } else if d.space().is_team() {
        "to Team Space (R24)".into()
    } else {
        "back to My Creations (R25)".into()
    }
}
