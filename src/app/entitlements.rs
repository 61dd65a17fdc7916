//! The entitlement report for auditors: every user × every item they can
//! view, their level and where it comes from (`access --all`), or every item
//! below a folder with everyone who can view it (`who --recursive`). Both
//! are answered a page at a time, so a front end streams them and neither
//! end holds the whole answer; a page is found again by walking the same
//! tree in the same order (R3) and skipping the items already given.

use serde::{Deserialize, Serialize};

use super::review::{vias, WhoVia};
use super::*;
use crate::domain::rules::GrantSight;
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

/// Where a page ended: the space, and the ids from the space root (or
/// the folder asked about) down to the last item given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub space: Option<SpaceRef>,
    pub ids: Vec<ItemId>,
}

/// A page of the report: its rows, and where the next page starts (`None`:
/// this was the last).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub rows: Vec<EntitlementRow>,
    pub next: Option<Cursor>,
}

/// Items per page, unless the request says otherwise.
pub const PAGE_ITEMS: usize = 20_000;

/// A page ends after the item that brings it to this many rows, however
/// few items it holds (`who --recursive`: an item has a row per user).
pub const PAGE_ROWS: usize = 20_000;

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

/// Where a walk stands: the page being filled, and the items above the one
/// being visited.
struct Walk {
    limit: usize,
    taken: usize,
    rows: Vec<EntitlementRow>,
    full: bool,
    space: Option<SpaceRef>,
    /// The ids from the walk's top down to the current item.
    stack: Vec<ItemId>,
    /// The same for the last item taken.
    last: Vec<ItemId>,
}

impl Walk {
    fn new(limit: usize) -> Walk {
        Walk {
            limit: limit.max(1),
            taken: 0,
            rows: Vec::new(),
            full: false,
            space: None,
            stack: Vec::new(),
            last: Vec::new(),
        }
    }
    /// Counts the current item: false once the page is full.
    fn take(&mut self) -> bool {
        if self.taken >= self.limit || self.rows.len() >= PAGE_ROWS {
            self.full = true;
            return false;
        }
        self.taken += 1;
        self.last = self.stack.clone();
        true
    }
    fn page(self) -> Page {
        Page {
            next: self.full.then_some(Cursor {
                space: self.space,
                ids: self.last,
            }),
            rows: self.rows,
        }
    }
}

type Visit<'v> = dyn FnMut(&Resolved, &Decision, &mut Walk) -> Result<()> + 'v;

impl Session<'_> {
    /// Depth first below `r`, in listing order: every item this session's
    /// user can view (path-only folders are walked, not visited). `after`:
    /// the ids down to the last item a previous page gave; the walk goes
    /// straight there and on from it.
    fn walk_viewable(
        &self,
        r: &Resolved,
        after: Option<&[ItemId]>,
        walk: &mut Walk,
        visit: &mut Visit<'_>,
    ) -> Result<()> {
        let children = self.visible_children(r)?;
        let after = after.filter(|a| !a.is_empty());
        // Where the previous page was (gone meanwhile: from the start).
        let at = after.and_then(|a| children.iter().position(|(i, ..)| i.id == a[0]));
        for (n, (item, cr, d)) in children.into_iter().enumerate() {
            if walk.full {
                break;
            }
            let resume = match (at, after) {
                (Some(p), _) if n < p => continue,
                // Given by an earlier page, or above what was: its children are next.
                (Some(p), Some(a)) if n == p => Some(&a[1..]),
                _ => None,
            };
            walk.stack.push(item.id);
            if resume.is_none() && d.allowed && walk.take() {
                visit(&cr, &d, walk)?;
            }
            if item.kind == ItemKind::Folder && !walk.full {
                self.walk_viewable(&cr, resume, walk, visit)?;
            }
            walk.stack.pop();
        }
        Ok(())
    }

    /// `access --all`'s rows for one user: every item `login` can view, as
    /// far as the actor sees it too (R12, R14); at most `limit`, from `after`.
    pub fn entitlements(
        &self,
        login: &str,
        ws: Option<&str>,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page> {
        let login = names::validate_login(login)?;
        self.require_user_readable(&login)?;
        let theirs = login != self.login();
        let only = match ws {
            Some(w) => Some(
                self.workspace_named(&names::validate_name(w, "workspace")?)?
                    .id,
            ),
            None => None,
        };
        let them = self.app().session(&login)?;
        let mut walk = Walk::new(limit);
        // Spaces before the cursor's were given whole by earlier pages.
        let mut skipping = after.and_then(|c| c.space.clone());
        for w in them.workspaces()? {
            if only.is_some_and(|id| id != w.id) {
                continue;
            }
            let name = w.name.clone();
            let mut visit = |r: &Resolved, d: &Decision, walk: &mut Walk| -> Result<()> {
                // What the actor does not see is not reported to them (R12),
                // nor another user's level where they do not read it (R34).
                if self.decide(Action::View, r)?.seen == Seen::Hidden {
                    return Ok(());
                }
                if theirs && self.grant_sight(r)? != GrantSight::All {
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
                let resume = match &skipping {
                    Some(s) if *s != space => continue,
                    Some(_) => after.map(|c| c.ids.as_slice()),
                    None => None,
                };
                skipping = None;
                walk.space = Some(space.clone());
                let root = Resolved {
                    loc: Loc::Root(space),
                    path,
                    chain: None,
                };
                them.walk_viewable(&root, resume, &mut walk, &mut visit)?;
                if walk.full {
                    return Ok(walk.page());
                }
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
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page> {
        let r = self.resolve(&path::parse_in(raw)?)?;
        let mut walk = Walk::new(limit);
        let mut visit = |r: &Resolved, _: &Decision, walk: &mut Walk| -> Result<()> {
            // R34: where the actor does not read others' levels, no row.
            if self.grant_sight(r)? != GrantSight::All {
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
        // PATH itself first (an earlier page gave it).
        let d = self.decide(Action::View, &r)?;
        if after.is_none() && d.allowed && walk.take() {
            visit(&r, &d, &mut walk)?;
        }
        if r.item().is_none_or(|i| i.kind == ItemKind::Folder) {
            let resume = after.map(|c| c.ids.as_slice());
            self.walk_viewable(&r, resume, &mut walk, &mut visit)?;
        }
        Ok(walk.page())
    }
}
