//! `z`: the last change made here, taken back as one new change (the app
//! layer's `apply`, so it is audited and asked of the rules), newest first.

use crate::app::apply::Entry;
use crate::app::Request;
use crate::domain::text::escape;
use crate::domain::Error;

use super::super::ui::Ui;
use super::super::words;

pub fn undo(u: &mut Ui) {
    let Some(last) = u.undo.last().cloned() else {
        return u.set_message(
            "Nothing to undo: the changes you make here can be taken back, newest first",
        );
    };
    if let Some(how) = &last.elsewhere {
        u.undo.pop();
        return u.set_error(format!("Can't undo {} from here: {how}", last.what));
    }
    if let Some(p) = &last.needs_free {
        if u.sess.resolve_str(p).is_ok() {
            return u.set_error(format!(
                "Can't undo {}: {} is taken again; rename or move what is there first (R1)",
                last.what,
                escape(p)
            ));
        }
    }
    let entries = last
        .entries
        .iter()
        .map(|c| Entry {
            line: 0,
            change: c.clone(),
        })
        .collect();
    match u.execute(Request::Apply { entries }) {
        Ok(_) => {
            u.undo.pop();
            u.refresh();
            if let Ok(r) = u.sess.resolve_str(&last.back_at) {
                if let Some(id) = r.item().map(|i| i.id) {
                    u.reveal(id);
                }
            }
            let left = match u.undo.len() {
                0 => String::new(),
                n => format!(" ({n} more to undo)"),
            };
            u.set_message(format!("undone: {}{left}", last.what));
        }
        // The entry's place ("share: ") says nothing here: the change does.
        Err(e) => {
            let e = Error {
                message: without_place(&e.message).to_string(),
                ..e
            };
            u.set_error(words::failure(&format!("undo {}", last.what), &e));
        }
    }
}

/// An apply error's message without the entry's place ("share: …").
fn without_place(m: &str) -> &str {
    match m.split_once(": ") {
        Some((place, rest)) if !place.contains(' ') => rest,
        _ => m,
    }
}
