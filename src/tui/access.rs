//! Access review in the UI (issue 5): the "Who has access" view of the
//! selected item, and the what-if of a change that alters access, shown in
//! its dialog before the user confirms.
//!
//! The what-if is the dialog's [`Request`] (the very change confirming it
//! makes, [`request_of`]) run as a [`Request::WhatIf`] through `App::execute`:
//! it is computed on a view of the store with the change laid over it, and
//! nothing changes. It is computed when the
//! dialog's inputs settle: at once while answers come fast, and after
//! [`SETTLE`] without input once one took longer than [`SLOW`] (a move of a
//! folder of 100,000 items), so moving through a picker never waits on it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::app::review::WhoRow;
use crate::app::{Caller, Reply, Request};
use crate::domain::text::escape;
use crate::domain::*;

use super::dialog::{Dialog, Purpose};
use super::tree::NodeKind;
use super::ui::{Tone, Ui};

/// Quiet time after the last input before a slow what-if is computed.
pub const SETTLE: Duration = Duration::from_millis(300);
/// A what-if that took longer than this is computed only when inputs settle.
pub const SLOW: Duration = Duration::from_millis(30);

/// The change that alters access which a dialog makes with its current
/// input: what its what-if runs as a [`Request::WhatIf`], and what confirming
/// it runs for real. `None` for the other dialogs, or while nothing is chosen.
pub fn request_of(d: &Dialog) -> Option<Request> {
    let v = d.value();
    Some(match &d.purpose {
        Purpose::MoveDest { path, .. } => Request::Mv {
            path: path.clone(),
            dest: v?,
        },
        Purpose::Delete { path, .. } => Request::Rm { path: path.clone() },
        Purpose::ShareLevel { path, subject, .. } => Request::Share {
            path: path.clone(),
            subject: String::from(subject.clone()),
            level: v?.parse::<Level>().ok()?.as_str().into(),
            note: String::new(),
        },
        Purpose::ShareNote {
            path,
            subject,
            level,
            ..
        } => Request::Share {
            path: path.clone(),
            subject: String::from(subject.clone()),
            level: level.as_str().into(),
            note: v?,
        },
        Purpose::Unshare { path, .. } => Request::Unshare {
            path: path.clone(),
            subject: String::from(v?.parse::<Subject>().ok()?),
        },
        Purpose::Leave { path, .. } => Request::Leave { path: path.clone() },
        Purpose::MemberRole { ws, login } => {
            let v = v?;
            let roles = vec![v.get(1..)?.parse::<Role>().ok()?];
            if v.starts_with('+') {
                Request::RoleGrant {
                    ws: ws.clone(),
                    login: login.clone(),
                    roles,
                }
            } else {
                Request::RoleRevoke {
                    ws: ws.clone(),
                    login: login.clone(),
                    roles,
                    transfer_to: None,
                }
            }
        }
        _ => return None,
    })
}

/// The request whose what-if a dialog shows: its change, less what changes
/// nobody's access (a grant's note), so typing a note asks nothing again.
fn whatif_of(d: &Dialog) -> Option<Request> {
    let mut req = request_of(d)?;
    if let Request::Share { note, .. } = &mut req {
        note.clear();
    }
    Some(req)
}

/// The key of a request in the what-if cache (`Request` is not `Hash`).
fn key_of(req: &Request) -> String {
    format!("{req:?}")
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
    pub want: Option<Request>,
    pub since: Instant,
    /// Answers by request (its [`key_of`]).
    pub cache: HashMap<String, WhatIfView>,
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
        let want = self.dialog.as_ref().and_then(whatif_of);
        if want != self.whatif.want {
            self.whatif.want = want.clone();
            self.whatif.since = Instant::now();
        }
        if let Some(d) = self.dialog.as_mut() {
            d.whatif = want.map(|req| {
                self.whatif
                    .cache
                    .get(&key_of(&req))
                    .cloned()
                    .unwrap_or(WhatIfView::Pending)
            });
        }
    }

    /// When the pending what-if should be computed: `None` when nothing is
    /// pending, else the time left until the inputs count as settled.
    pub fn whatif_due(&self) -> Option<Duration> {
        let req = self.whatif.want.as_ref()?;
        if self.whatif.cache.contains_key(&key_of(req)) {
            return None;
        }
        if !self.whatif.slow {
            return Some(Duration::ZERO);
        }
        Some(SETTLE.saturating_sub(self.whatif.since.elapsed()))
    }

    /// Computes the pending what-if now: the dialog's request run as a
    /// [`Request::WhatIf`] by the acting user, which changes nothing.
    pub fn settle_whatif(&mut self) {
        self.sync_whatif();
        let Some(req) = self.whatif.want.clone() else {
            return;
        };
        let key = key_of(&req);
        if self.whatif.cache.contains_key(&key) {
            return;
        }
        let t = Instant::now();
        let login = self.login.clone();
        let asked = self.app.execute(
            Caller::new(&|| Ok(login.clone())),
            Request::WhatIf(Box::new(req)),
        );
        let view = match asked {
            Ok(Reply::AccessChanged { report, .. }) => WhatIfView::Ready(report.summary),
            Ok(other) => WhatIfView::Failed(format!("unexpected answer: {other:?}")),
            Err(e) => WhatIfView::Failed(e.to_string()),
        };
        self.whatif.last_cost = t.elapsed();
        self.whatif.slow = self.whatif.last_cost > SLOW;
        self.whatif.cache.insert(key, view);
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
