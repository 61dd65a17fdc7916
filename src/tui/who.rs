//! The "Who has access" view of one item: a line per user with their
//! level, and a line per grant or role that gives it; sorted by level or by
//! user, scrollable. Its rows come from the app layer's `who`.

use crate::app::review::WhoRow;
use crate::domain::text::escape;

use super::keymap::Cmd;
use super::model::Tone;

/// The "Who has access" view of one item.
#[derive(Debug, Clone)]
pub struct WhoView {
    pub path: String,
    pub rows: Vec<WhoRow>,
    /// Sorted by login (else by level, highest first).
    pub by_user: bool,
    /// The action the rows may take: view (everyone with access), or a
    /// change, to see who can edit or share.
    pub can: crate::domain::Action,
    pub scroll: usize,
    /// Body rows at the last frame (for paging).
    pub height: usize,
    /// Body lines at the last frame, once wrapped (for scrolling to the end).
    pub total: usize,
}

/// The order of level words, highest first when sorting by level.
pub fn level_rank(w: &str) -> u8 {
    match w {
        "owner" | "admin" => 6,
        "manager" => 5,
        "editor" => 4,
        "viewer" | "member" => 3,
        "tenant" => 2,
        "path only" => 1,
        _ => 0,
    }
}

/// The who view's actions, in the order `can` cycles through them.
pub const CAN: [crate::domain::Action; 5] = {
    use crate::domain::Action::*;
    [View, Edit, Share, Move, Delete]
};

pub fn next_can(a: crate::domain::Action) -> crate::domain::Action {
    let i = CAN.iter().position(|c| *c == a).unwrap_or(0);
    CAN[(i + 1) % CAN.len()]
}

impl WhoView {
    pub fn sort(&mut self) {
        if self.by_user {
            self.rows.sort_by(|a, b| a.login.cmp(&b.login));
        } else {
            self.rows.sort_by(|a, b| {
                level_rank(&b.level)
                    .cmp(&level_rank(&a.level))
                    .then(a.login.cmp(&b.login))
            });
        }
    }

    /// The body: a line per user, then a line per contributing grant (or role).
    pub fn lines(&self) -> Vec<(Tone, String)> {
        let mut out = Vec::new();
        if self.rows.is_empty() {
            let none = match self.can {
                crate::domain::Action::View => "Nobody you can see has access.".to_string(),
                a => format!("Nobody you can see can {} it.", super::words::verb(a)),
            };
            out.push((Tone::Dim, none));
        }
        for r in &self.rows {
            out.push((
                Tone::Heading,
                format!(
                    "{:<16} {:<9} {}",
                    escape(&r.login),
                    r.level,
                    escape(&r.name)
                ),
            ));
            for v in &r.via {
                let on =
                    v.on.as_ref()
                        .map(|p| format!("  on {}", escape(p)))
                        .unwrap_or_default();
                out.push((
                    Tone::Dim,
                    format!("    via {:<6} {}{on}", v.kind, escape(&v.detail)),
                ));
            }
        }
        out
    }

    /// Scrolls by `d` lines within the body as last drawn.
    pub fn scroll_by(&mut self, d: isize) {
        let max = self.total.saturating_sub(self.height.max(1));
        self.scroll = (self.scroll as isize + d).clamp(0, max as isize) as usize;
    }
}

impl WhoView {
    /// A command of the who scope; true when the view should close.
    pub fn handle(&mut self, cmd: Cmd) -> bool {
        let page = self.height.max(1) as isize;
        match cmd {
            Cmd::Down => self.scroll_by(1),
            Cmd::Up => self.scroll_by(-1),
            Cmd::PageDown => self.scroll_by(page),
            Cmd::PageUp => self.scroll_by(-page),
            Cmd::Top => self.scroll = 0,
            Cmd::Bottom => self.scroll_by(self.total as isize),
            Cmd::Sort => {
                self.by_user = !self.by_user;
                self.sort();
                self.scroll = 0;
            }
            Cmd::Can => {
                self.can = next_can(self.can);
                self.scroll = 0;
            }
            Cmd::Close => return true,
            _ => {}
        }
        false
    }
}
