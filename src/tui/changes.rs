//! Changes made by others while the UI is open: committed through this
//! process's socket (the UI holds the store) or by the holder this UI runs
//! in. The UI reloads, keeping its selection, and says who changed what.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::app::reads::Sighted;
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
    link: &LinkSeen,
) -> bool {
    let others: Vec<AuditEntry> = changes
        .into_iter()
        .filter(|e| !own.made(e, login))
        .collect();
    if others.is_empty() {
        return false;
    }
    // The newest change this reader may learn of (R35).
    let shown = app.session(login).ok().and_then(|s| {
        others
            .iter()
            .rev()
            .find_map(|e| match s.sighted(e.clone()) {
                Ok(Sighted::Nothing) | Err(_) => None,
                Ok(seen) => Some(seen),
            })
    });
    ui.refresh();
    if link.holding() {
        // The news of the database's link stays on the line a while.
        return true;
    }
    let more = if others.len() > 1 {
        format!(" (+{} more changes)", others.len() - 1)
    } else {
        String::new()
    };
    match shown {
        Some(Sighted::Entry(e)) => ui.set_message(format!(
            "{}: {} {}{more}",
            e.actor,
            e.action,
            crate::domain::text::escape(&e.target)
        )),
        Some(Sighted::Changed { path }) => ui.set_message(format!(
            "changed: {}{more} (reloaded)",
            crate::domain::text::escape(&path)
        )),
        _ => ui.set_message("the store changed (reloaded)"),
    }
    true
}

/// The last state of the database link this UI told about.
pub struct LinkSeen {
    turns: u64,
    /// Until when the link's news keeps the status line (others' changes
    /// reload meanwhile without replacing it).
    hold: Option<Instant>,
}

/// How long "reconnected" stays on the status line, for a person to read it.
const HOLD: Duration = Duration::from_secs(4);

impl LinkSeen {
    pub fn now(app: &App) -> LinkSeen {
        LinkSeen {
            turns: app.link().map_or(0, |l| l.turns),
            hold: None,
        }
    }

    fn holding(&self) -> bool {
        self.hold.is_some_and(|t| Instant::now() < t)
    }
}

/// Says in the status line when the connection to the database was lost and
/// when it came back (reloading then). True when the screen changed.
pub fn show_link(app: &App, ui: &mut Ui, seen: &mut LinkSeen) -> bool {
    let Some(l) = app.link() else {
        return false;
    };
    if l.turns == seen.turns {
        return false;
    }
    seen.turns = l.turns;
    match (l.lost_since, l.last_outage) {
        (Some(_), _) => {
            // Held while it lasts.
            seen.hold = Some(Instant::now() + Duration::from_secs(24 * 3600));
            ui.set_error("the connection to the database was lost: reconnecting…");
        }
        (None, outage) => {
            seen.hold = Some(Instant::now() + HOLD);
            ui.refresh();
            ui.set_message(match outage {
                Some(d) => format!(
                    "reconnected to the database after {:.1} s (reloaded)",
                    d.as_secs_f64()
                ),
                None => "reconnected to the database (reloaded)".to_string(),
            });
        }
    }
    true
}
