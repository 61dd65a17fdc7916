//! The entitlement report for auditors: every user × every item they can
//! view, their level and where it comes from (`access --all`), or every item
//! below a folder with everyone who can view it (`who --recursive`). Both
//! are answered a page at a time, so a front end streams them and neither
//! end holds the whole answer; a page is found again by walking the same
//! tree in the same order (R3) and skipping the items already given.

use serde::{Deserialize, Serialize};

use super::review::{vias, WhoVia};
use super::*;
use crate::domain::rules::Seen;

/// One (user, item) pair of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntitlementRow {
    pub login: String,
    pub path: String,
    pub kind: String,
    pub level: String,
    /// Where the level comes from: the deciding grants, or the role.
    pub via: String,
}

/// A page of the report: its rows, and how many items to skip for the next
/// page (`None`: this was the last).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub rows: Vec<EntitlementRow>,
    pub next: Option<u64>,
}

/// Items per page, unless the request says otherwise.
pub const PAGE_ITEMS: usize = 2_000;

/// "group:qa editor on /W/team/Plant; role …": the reasons in one cell.
pub fn via_text(v: &[WhoVia]) -> String {
    v.iter()
        .map(|w| match &w.on {
            Some(on) if !w.detail.contains(on.as_str()) => format!("{} on {on}", w.detail),
            _ => w.detail.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Where a walk stands: items passed over, and the page being filled.
struct Walk {
    skip: u64,
    seen: u64,
    limit: usize,
    taken: usize,
    rows: Vec<EntitlementRow>,
    full: bool,
}

impl Walk {
    fn new(skip: u64, limit: usize) -> Walk {
        Walk {
            skip,
            seen: 0,
            limit: limit.max(1),
            taken: 0,
            rows: Vec::new(),
            full: false,
        }
    }
    /// Counts an item: true when its rows belong on this page.
    fn take(&mut self) -> bool {
        if self.taken >= self.limit {
            self.full = true;
            return false;
        }
        self.seen += 1;
        if self.seen <= self.skip {
            return false;
        }
        self.taken += 1;
        true
    }
    fn page(self) -> Page {
        Page {
            next: self.full.then_some(self.skip + self.taken as u64),
            rows: self.rows,
        }
    }
}

impl Session<'_> {
    /// Depth first below `r`, in listing order: every item this session's
    /// user can view (path-only folders are walked, not visited).
    fn walk_viewable(
        &self,
        r: &Resolved,
        walk: &mut Walk,
        visit: &mut dyn FnMut(&Resolved, &Decision, &mut Walk) -> Result<()>,
    ) -> Result<()> {
        for (item, cr, d) in self.visible_children(r)? {
            if walk.full {
                break;
            }
            if d.allowed {
                visit(&cr, &d, walk)?;
            }
            if item.kind == ItemKind::Folder {
                self.walk_viewable(&cr, walk, visit)?;
            }
        }
        Ok(())
    }

    /// `access --all`'s rows for one user: every item `login` can view, as
    /// far as the actor sees it too (R12, R14). `skip` items are passed over
    /// and at most `limit` given.
    pub fn entitlements(
        &self,
        login: &str,
        ws: Option<&str>,
        skip: u64,
        limit: usize,
    ) -> Result<Page> {
        let login = names::validate_login(login)?;
        if self.store().user(&login)?.is_none() {
            return Err(Error::not_found(format!("no user '{login}'")));
        }
        let only = match ws {
            Some(w) => Some(
                self.workspace_named(&names::validate_name(w, "workspace")?)?
                    .id,
            ),
            None => None,
        };
        let them = self.app().session(&login)?;
        let mut walk = Walk::new(skip, limit);
        for w in them.workspaces()? {
            if only.is_some_and(|id| id != w.id) {
                continue;
            }
            let name = w.name.clone();
            let mut visit = |r: &Resolved, d: &Decision, walk: &mut Walk| -> Result<()> {
                // What the actor does not see is not reported to them (R12).
                if !walk.take() || self.decide(Action::View, r)?.seen == Seen::Hidden {
                    return Ok(());
                }
                walk.rows.push(EntitlementRow {
                    login: login.clone(),
                    path: r.path.clone(),
                    kind: r.item().map(|i| i.kind.as_str()).unwrap_or("").into(),
                    level: d.level_word(),
                    via: via_text(&vias(d, &name)),
                });
                Ok(())
            };
            for (space, path) in them.visible_spaces(&w)? {
                let root = Resolved {
                    loc: Loc::Root(space),
                    path,
                    chain: None,
                };
                them.walk_viewable(&root, &mut walk, &mut visit)?;
            }
        }
        Ok(walk.page())
    }

    /// `who --recursive PATH`: PATH and every item below it the actor can
    /// view, each with every user who can view it (as `who` lists them).
    pub fn who_below(
        &self,
        raw: &str,
        level: Option<&str>,
        via: Option<&str>,
        skip: u64,
        limit: usize,
    ) -> Result<Page> {
        let r = self.resolve(&path::parse_in(raw)?)?;
        let mut walk = Walk::new(skip, limit);
        let mut visit = |r: &Resolved, _: &Decision, walk: &mut Walk| -> Result<()> {
            if !walk.take() {
                return Ok(());
            }
            let (_, rows, _) = self.who_rows(&r.path, level, via)?;
            let kind = r.item().map(|i| i.kind.as_str()).unwrap_or("space");
            walk.rows.extend(rows.into_iter().map(|u| EntitlementRow {
                via: via_text(&u.via),
                login: u.login,
                path: r.path.clone(),
                kind: kind.into(),
                level: u.level,
            }));
            Ok(())
        };
        let d = self.decide(Action::View, &r)?;
        if d.allowed {
            visit(&r, &d, &mut walk)?;
        }
        if r.item().is_none_or(|i| i.kind == ItemKind::Folder) {
            self.walk_viewable(&r, &mut walk, &mut visit)?;
        }
        Ok(walk.page())
    }
}
