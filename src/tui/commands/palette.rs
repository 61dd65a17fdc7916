//! The command palette (`:`): every command of the panes by name, fuzzy
//! searched, with its key, what it does, and whether it is open on the
//! selected row (✓, or ✗ with the rule's reason); choosing one runs it as
//! its key would.

use crate::app::Resolved;
use crate::domain::Action;

use super::super::dialog::{Body, Dialog, PickItem, Purpose};
use super::super::keymap::Cmd;
use super::super::model::{action_of, changes, offered};
use super::super::ui::Ui;
use super::super::words;
use super::{handler, TABLE};

pub fn open(u: &mut Ui) {
    let items = TABLE
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| *c != Cmd::Palette)
        .map(|c| {
            let label = format!("{:<13} {:<6} {}", c.name(), key_of(u, c), c.desc());
            PickItem::new(label, mark(u, c), c.name())
        })
        .collect();
    let mut d = Dialog::pick(
        "Commands",
        vec!["Type to narrow; Enter runs the command as its key would.".into()],
        items,
        Purpose::Palette,
    );
    if let Body::Pick(p) = &mut d.body {
        p.match_detail = false;
    }
    u.open_dialog(d);
}

/// The command's first key, in the pane it belongs to.
fn key_of(u: &Ui, c: Cmd) -> String {
    u.keys
        .bindings
        .iter()
        .find(|b| b.cmd == c && !b.scope.is_layer())
        .and_then(|b| b.keys.first())
        .map(|k| k.to_string())
        .unwrap_or_default()
}

/// ✓ or ✗ with why, for the selected row.
fn mark(u: &Ui, c: Cmd) -> String {
    debug_assert!(handler(c).is_some());
    if changes(c) && u.inspect.is_some() {
        return "✗ not while inspecting (Esc ends it)".into();
    }
    let kind = u.tree.selected_node().map(|n| &n.data.kind);
    if kind.is_some_and(|k| !offered(c, k)) {
        return "✗ not on this row".into();
    }
    let Some(action) = action_of(c) else {
        return "✓".into();
    };
    let target: Option<Resolved> = match action {
        Action::Create => u.create_place(),
        _ => u.selected_item().map(|(_, r)| r),
    };
    let Some(r) = target else {
        return "✗ select an item first".into();
    };
    match u.sess.decide(action, &r) {
        Ok(d) if d.allowed => "✓".into(),
        Ok(d) => format!("✗ {}", words::to_you(&d.reason)),
        Err(e) => format!("✗ {}", e.message),
    }
}
