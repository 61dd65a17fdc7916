//! The command palette (`:`): every command of the panes by name, fuzzy
//! searched, with its key, what it does, and whether it is open on the
//! selected row (✓ with what it does, or ✗ with the rule's reason); choosing one runs it as
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
            // Open: what it does; refused: why, so the reason is read first.
            let (label, detail) = match mark(u, c) {
                None => (
                    format!("✓ {:<12} {:<5}", c.name(), key_of(u, c)),
                    c.desc().to_string(),
                ),
                Some(why) => (format!("✗ {:<12} {:<5}", c.name(), key_of(u, c)), why),
            };
            PickItem::new(label, detail, c.name())
        })
        .collect();
    let mut d = Dialog::pick(
        "Commands",
        vec!["Type to narrow; Enter runs the command as its key would.".into()],
        items,
        Purpose::Palette,
    );
    if let Body::Pick(p) = &mut d.body {
        // Found by what it does too ("who has").
        p.match_detail = true;
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

/// Why the command is not open on the selected row (`None`: it is).
fn mark(u: &Ui, c: Cmd) -> Option<String> {
    debug_assert!(handler(c).is_some());
    if changes(c) && u.inspect.is_some() {
        return Some("not while inspecting (Esc ends it)".into());
    }
    let kind = u.tree.selected_node().map(|n| &n.data.kind);
    if kind.is_some_and(|k| !offered(c, k)) {
        return Some("not on this row".into());
    }
    let action = action_of(c)?;
    let target: Option<Resolved> = match action {
        Action::Create => u.create_place(),
        _ => u.selected_item().map(|(_, r)| r),
    };
    let Some(r) = target else {
        return Some("select an item first".into());
    };
    match u.sess.decide(action, &r) {
        Ok(d) if d.allowed => None,
        Ok(d) => Some(words::short_why(&r.space().kind, &d)),
        Err(e) => Some(e.message),
    }
}
