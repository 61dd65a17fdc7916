//! Access review in the UI (issue 5): the "Who has access" view of the
//! selected item, and the what-if of a change that alters access, shown in
//! its dialog before the user confirms.
//!
//! The what-if is computed with `App::with_access_report(actor, true, …)`
//! running the very operation the dialog would run, on a view of the store
//! with the change laid over it: nothing changes. It is computed when the
//! dialog's inputs settle: at once while answers come fast, and after
//! [`SETTLE`] without input once one took longer than [`SLOW`] (a move of a
//! folder of 100,000 items), so moving through a picker never waits on it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::app::review::WhoRow;
use crate::app::Session;
use crate::domain::text::escape;
use crate::domain::*;

use super::dialog::{Dialog, Purpose};
use super::tree::NodeKind;
use super::ui::{Tone, Ui, R};

/// Quiet time after the last input before a slow what-if is computed.
pub const SETTLE: Duration = Duration::from_millis(300);
/// A what-if that took longer than this is computed only when inputs settle.
pub const SLOW: Duration = Duration::from_millis(30);

/// A change that alters access, as a dialog would make it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Change {
    Move {
        id: ItemId,
        dest: String,
    },
    Delete {
        id: ItemId,
    },
    Share {
        id: ItemId,
        subject: Subject,
        level: Level,
    },
    Unshare {
        id: ItemId,
        subject: Subject,
    },
    Leave {
        id: ItemId,
    },
    Role {
        ws: String,
        login: String,
        role: Role,
        grant: bool,
    },
}

impl Change {
    /// The change a dialog would make with its current input, when it alters access.
    pub fn of(d: &Dialog) -> Option<Change> {
        let v = d.value();
        Some(match &d.purpose {
            Purpose::MoveDest { id } => Change::Move { id: *id, dest: v? },
            Purpose::Delete { id } => Change::Delete { id: *id },
            Purpose::ShareLevel { id, subject } => Change::Share {
                id: *id,
                subject: subject.clone(),
                level: v?.parse().ok()?,
            },
            Purpose::ShareNote { id, subject, level } => Change::Share {
                id: *id,
                subject: subject.clone(),
                level: *level,
            },
            Purpose::Unshare { id } => Change::Unshare {
                id: *id,
                subject: v?.parse().ok()?,
            },
            Purpose::Leave { id } => Change::Leave { id: *id },
            Purpose::MemberRole { ws, login } => {
                let v = v?;
                Change::Role {
                    ws: ws.clone(),
                    login: login.clone(),
                    role: v.get(1..)?.parse().ok()?,
                    grant: v.starts_with('+'),
                }
            }
            _ => return None,
        })
    }

    /// Makes the change as `s` (inside a dry run, this only gathers its writes).
    pub fn apply(&self, s: &Session<'_>) -> R<()> {
        let item = |id: ItemId| -> R<_> {
            let r = s.resolve_id(id)?;
            let it = r
                .item()
                .cloned()
                .ok_or_else(|| Error::not_found("the item is gone"))?;
            Ok((it, r))
        };
        match self {
            Change::Move { id, dest } => {
                let (it, r) = item(*id)?;
                let dst = s.resolve_str(dest)?;
                let tx = s.store().begin()?;
                s.mv_resolved(tx, &it, &r, &dst)?;
            }
            Change::Delete { id } => {
                let (it, r) = item(*id)?;
                let tx = s.store().begin()?;
                s.rm_resolved(tx, &it, &r)?;
            }
            Change::Share { id, subject, level } => {
                let r = s.resolve_id(*id)?;
                let tx = s.store().begin()?;
                s.share_resolved(tx, &r, subject, *level, "")?;
            }
            Change::Unshare { id, subject } => {
                let r = s.resolve_id(*id)?;
                let tx = s.store().begin()?;
                s.unshare_resolved(tx, &r, subject)?;
            }
            Change::Leave { id } => {
                let r = s.resolve_id(*id)?;
                s.leave(&r.path)?;
            }
            Change::Role {
                ws,
                login,
                role,
                grant,
            } => {
                if *grant {
                    s.role_grant(ws, login, &[*role])?;
                } else {
                    s.role_revoke(ws, login, &[*role], None)?;
                }
            }
        }
        Ok(())
    }
}

/// What a dialog shows of its what-if.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhatIfView {
    /// Not computed yet (inputs have not settled).
    Pending,
    /// The summary lines ("2 user(s) gain editor on 4 items below …"); empty: nobody's access changes.
    Ready(Vec<String>),
    /// The change would be refused, or the answer failed.
    Failed(String),
}

impl WhatIfView {
    /// The lines shown in the dialog, with their tone.
    pub fn lines(&self) -> Vec<(Tone, String)> {
        let mut out = vec![(
            Tone::Heading,
            "What this changes (nothing is changed yet):".into(),
        )];
        match self {
            WhatIfView::Pending => {
                out.push((Tone::Dim, "  working out who gains or loses…".into()))
            }
            WhatIfView::Ready(l) if l.is_empty() => {
                out.push((Tone::Ok, "  nobody's access changes".into()))
            }
            WhatIfView::Ready(l) => {
                const MAX: usize = 8;
                for s in l.iter().take(MAX) {
                    out.push((Tone::Normal, format!("  {}", escape(s))));
                }
                if l.len() > MAX {
                    out.push((Tone::Dim, format!("  … and {} more lines", l.len() - MAX)));
                }
            }
            WhatIfView::Failed(e) => out.push((Tone::Bad, format!("  {}", escape(e)))),
        }
        out
    }
}

/// The what-if of the open dialog: what is wanted, since when, and the answers so far.
#[derive(Debug)]
pub struct WhatIfState {
    pub want: Option<Change>,
    pub since: Instant,
    pub cache: HashMap<Change, WhatIfView>,
    /// The store generation the cache belongs to.
    pub cache_gen: u64,
    /// An answer took longer than [`SLOW`]: wait for inputs to settle.
    pub slow: bool,
    /// How long the last answer took.
    pub last_cost: Duration,
}

impl Default for WhatIfState {
    fn default() -> Self {
        WhatIfState {
            want: None,
            since: Instant::now(),
            cache: HashMap::new(),
            cache_gen: 0,
            slow: false,
            last_cost: Duration::ZERO,
        }
    }
}

/// The "Who has access" view of one item.
#[derive(Debug, Clone)]
pub struct WhoView {
    pub path: String,
    pub rows: Vec<WhoRow>,
    /// Sorted by login (else by level, highest first).
    pub by_user: bool,
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
            out.push((Tone::Dim, "Nobody you can see has access.".to_string()));
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

impl Ui<'_> {
    /// Opens the "Who has access" view of the selected item (or space).
    pub(super) fn open_who(&mut self) {
        let Some(n) = self.tree.selected_node() else {
            return self.set_error("who: select an item first");
        };
        let path = match (&n.data.kind, n.data.id) {
            (NodeKind::Space(_), _) => n.data.path.clone(),
            (_, Some(id)) => match self.sess.resolve_id(id) {
                Ok(r) => r.path,
                Err(e) => return self.set_error(e.to_string()),
            },
            _ => return self.set_error("who: select an item first"),
        };
        match self.sess.who(&path, None, None) {
            Ok((path, rows)) => {
                let mut v = WhoView {
                    path,
                    rows,
                    by_user: false,
                    scroll: 0,
                    height: 10,
                    total: 0,
                };
                v.sort();
                self.who = Some(v);
            }
            Err(e) => self.set_error(format!("who: {e}")),
        }
    }

    /// Keys of the open "Who has access" view.
    pub(super) fn who_key(&mut self, code: super::keys::KeyCode) {
        use super::keys::KeyCode as K;
        let Some(v) = self.who.as_mut() else {
            return;
        };
        let page = v.height.max(1) as isize;
        let len = v.total as isize;
        match code {
            K::Down | K::Char('j') => v.scroll_by(1),
            K::Up | K::Char('k') => v.scroll_by(-1),
            K::PageDown | K::Char(' ') => v.scroll_by(page),
            K::PageUp => v.scroll_by(-page),
            K::Home | K::Char('g') => v.scroll = 0,
            K::End | K::Char('G') => v.scroll_by(len),
            K::Char('s') | K::Char('o') => {
                v.by_user = !v.by_user;
                v.sort();
                v.scroll = 0;
            }
            K::Esc | K::Char('q') | K::Char('w') | K::Enter => self.who = None,
            _ => {}
        }
    }

    /// Brings the open dialog's what-if up to date with its input: from the
    /// cache, else pending. Called after every input and before every frame.
    pub fn sync_whatif(&mut self) {
        if self.whatif.cache_gen != self.generation {
            self.whatif.cache.clear();
            self.whatif.cache_gen = self.generation;
        }
        let want = self.dialog.as_ref().and_then(Change::of);
        if want != self.whatif.want {
            self.whatif.want = want.clone();
            self.whatif.since = Instant::now();
        }
        if let Some(d) = self.dialog.as_mut() {
            d.whatif = want.map(|c| {
                self.whatif
                    .cache
                    .get(&c)
                    .cloned()
                    .unwrap_or(WhatIfView::Pending)
            });
        }
    }

    /// When the pending what-if should be computed: `None` when nothing is
    /// pending, else the time left until the inputs count as settled.
    pub fn whatif_due(&self) -> Option<Duration> {
        let c = self.whatif.want.as_ref()?;
        if self.whatif.cache.contains_key(c) {
            return None;
        }
        if !self.whatif.slow {
            return Some(Duration::ZERO);
        }
        Some(SETTLE.saturating_sub(self.whatif.since.elapsed()))
    }

    /// Computes the pending what-if now (a dry run as the acting user).
    pub fn settle_whatif(&mut self) {
        self.sync_whatif();
        let Some(c) = self.whatif.want.clone() else {
            return;
        };
        if self.whatif.cache.contains_key(&c) {
            return;
        }
        let t = Instant::now();
        let view = match self
            .app
            .with_access_report(&self.login, true, |s| c.apply(s))
        {
            Ok((_, w)) => WhatIfView::Ready(w.summary),
            Err(e) => WhatIfView::Failed(e.to_string()),
        };
        self.whatif.last_cost = t.elapsed();
        self.whatif.slow = self.whatif.last_cost > SLOW;
        self.whatif.cache.insert(c, view);
        self.sync_whatif();
    }

    /// Before a frame: a what-if that is due is computed.
    pub(super) fn prepare_whatif(&mut self) {
        self.sync_whatif();
        if self.whatif_due() == Some(Duration::ZERO) {
            self.settle_whatif();
        }
    }
}
