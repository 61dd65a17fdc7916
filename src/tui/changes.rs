//! Changes made by others while the UI is open: committed through this
//! process's socket (the UI holds the store) or by the holder this UI runs
//! in. The UI reloads, keeping its selection, and says who changed what.

use std::collections::VecDeque;

use crate::app::App;
use crate::domain::AuditEntry;

use super::Ui;

/// The seq ranges of the changes this UI made itself (it reloads after them).
#[derive(Default)]
pub struct Own(VecDeque<(u64, u64)>);

impl Own {
    /// The last committed seq before and after one input was handled.
    pub fn note(&mut self, before: u64, after: u64) {
        if after > before {
            self.0.push_back((before, after));
            if self.0.len() > 32 {
                self.0.pop_front();
            }
        }
    }

    fn made(&self, e: &AuditEntry, login: &str) -> bool {
        e.actor == login && self.0.iter().any(|(a, b)| e.seq > *a && e.seq <= *b)
    }
}

/// Given the changes committed since the last call: when others made some,
/// reloads and says who changed what. True when the screen changed.
pub fn show_others(
    app: &App,
    ui: &mut Ui,
    changes: Vec<AuditEntry>,
    own: &Own,
    login: &str,
) -> bool {
    let others: Vec<AuditEntry> = changes
        .into_iter()
        .filter(|e| !own.made(e, login))
        .collect();
    if others.is_empty() {
        return false;
    }
    let shown = app.session(login).ok().and_then(|s| {
        others
            .iter()
            .rev()
            .find_map(|e| s.readable_entry(e.clone()).ok().flatten())
    });
    ui.refresh();
    let more = if others.len() > 1 {
        format!(" (+{} more changes)", others.len() - 1)
    } else {
        String::new()
    };
    match shown {
        Some(e) => ui.set_message(format!(
            "{}: {} {}{more}",
            e.actor,
            e.action,
            crate::domain::text::escape(&e.target)
        )),
        None => ui.set_message("the store changed (reloaded)"),
    }
    true
}
