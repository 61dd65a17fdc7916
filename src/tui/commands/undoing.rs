//! `z`: the last change made here, taken back as one new change (the app
//! layer's `apply`, so it is audited and asked of the rules), newest first.
//! It is asked first: the confirmation shows the changes it will make and
//! what they do to who has access (their what-if), and only `y` makes them.
//! It is refused when someone changed the item since: undoing would take
//! their change back too (a dashboard added to a copy, deleted with it).

use crate::app::apply::Entry;
use crate::app::since::Changed;
use crate::app::Request;
use crate::domain::text::escape;
use crate::domain::Error;

use super::super::dialog::{Dialog, Purpose};
use super::super::ui::Ui;
use super::super::undo::Undo;
use super::super::words;

/// Changes of an undo listed in its confirmation, at most.
const SHOWN_CHANGES: usize = 6;

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
    if stands_in_the_way(u, &last) {
        return;
    }
    u.open_dialog(confirmation(&last));
}

/// `y` on the confirmation: made, unless something came in the way since
/// it was asked (the item changed, its place was taken).
pub fn confirmed(u: &mut Ui, what: &str) {
    let Some(last) = u.undo.last().cloned().filter(|l| l.what == what) else {
        return u.set_error(format!(
            "Can't undo {what}: it is no longer the last change made here"
        ));
    };
    if stands_in_the_way(u, &last) {
        return;
    }
    make(u, last);
}

/// The question `z` asks: the undo, the changes it makes (as a changes
/// file names them) and, drawn under them, their what-if.
fn confirmation(last: &Undo) -> Dialog {
    let mut lines = vec![
        format!("Undo {}?", last.what),
        "It is made as a new change, by you:".into(),
    ];
    lines.extend(
        last.entries
            .iter()
            .take(SHOWN_CHANGES)
            .map(|c| format!("  {}", escape(&c.words()))),
    );
    if last.entries.len() > SHOWN_CHANGES {
        lines.push(format!(
            "  … and {} more",
            last.entries.len() - SHOWN_CHANGES
        ));
    }
    lines.push("y: undo   n / Esc: keep things as they are".into());
    Dialog::confirm(
        "Undo",
        lines,
        Purpose::Undo {
            what: last.what.clone(),
            entries: last.entries.clone(),
        },
    )
}

/// Refuses the undo (saying why) when its place is taken again, or when
/// the item changed since; true when refused.
fn stands_in_the_way(u: &mut Ui, last: &Undo) -> bool {
    if let Some(p) = &last.needs_free {
        if u.sess.resolve_str(p).is_ok() {
            u.set_error(format!(
                "Can't undo {}: {} is taken again; rename or move what is there first (R1)",
                last.what,
                escape(p)
            ));
            return true;
        }
    }
    changed_since(u, last)
}

/// Someone changed the item since the change: the undo would take their
/// change back too, so it is refused for good and leaves the list (`z`
/// goes on with the change before it). Who changed what is said to
/// readers of the log only (R35).
fn changed_since(u: &mut Ui, last: &Undo) -> bool {
    if last.watch.is_empty() {
        return false;
    }
    let asked = u.app.session(&u.login).and_then(|s| {
        let (stack, login) = (&u.undo, u.login.as_str());
        s.changed_since(&last.watch, last.below, last.since, &|e| {
            stack.made_here(e, login)
        })
    });
    let changed = match asked {
        Ok(None) => return false,
        Ok(Some(c)) => c,
        Err(e) => {
            u.set_failure(&format!("undo {}", last.what), &e);
            return true;
        }
    };
    u.undo.pop();
    let (text, more) = changed_words(&u.login, last, &changed);
    u.set_explained(text, more);
    true
}

/// The refusal of an undo whose item changed since, in one line, and the
/// whole of it for the message history.
fn changed_words(login: &str, last: &Undo, c: &Changed) -> (String, Vec<String>) {
    let what = &last.what;
    let who = match &c.entry {
        Some(e) if e.actor == login => {
            format!("you changed it since, elsewhere: {}", entry_words(e))
        }
        Some(e) => format!("{} changed it since: {}", escape(&e.actor), entry_words(e)),
        None => "it changed since you made the change".into(),
    };
    let text = format!("Can't undo {what}: {who}");
    let mut more = vec![
        text.clone(),
        format!(
            "Undoing it would take that change back too, so {what} stays as it is; z goes on with the change before it."
        ),
    ];
    if let Some(p) = &c.path {
        more.push(format!("The item: {}", escape(p)));
    }
    if c.entry.is_none() {
        more.push(
            "Who changed what is read by the workspace's admins and the account owner (R35)."
                .into(),
        );
    }
    (text, more)
}

/// An audit entry in the log's words ("asset add /…/OEE:dashboard/X").
fn entry_words(e: &crate::domain::AuditEntry) -> String {
    format!("{} {}", escape(&e.action), escape(&e.target))
}

/// Makes the undo: its entries as one change, then the selection goes back
/// where the change was.
fn make(u: &mut Ui, last: Undo) {
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
