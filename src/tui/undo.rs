//! Undo: every change made in the UI leaves, beside it, the changes that
//! put things back, as entries of a changes file (the app layer's `apply`).
//! Undoing runs them as one new change: audited, atomic, and asked of the
//! rules like any other, so it is refused with the rule's reason where you
//! may no longer do it. A delete is undone by creating the item again at
//! its place, with its description, its assets and its grants (each with
//! its note); the new item is yours, with a new history.

use super::model::split_path;
use crate::app::apply::Change;
use crate::domain::*;

/// Changes kept for undo (the newest is undone first).
pub const KEPT: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undo {
    /// What is undone, for messages: "the delete of OEE".
    pub what: String,
    /// The changes that put things back, in order.
    pub entries: Vec<Change>,
    /// A path that must be free before the undo runs (a deleted item's
    /// place): otherwise the entries would act on what is there now.
    pub needs_free: Option<String>,
    /// Where the selection goes once undone.
    pub back_at: String,
    /// A change this key cannot take back: where to change it back instead.
    pub elsewhere: Option<String>,
    /// The items the change made or changed: a change to one of them since
    /// (by anyone but this UI) refuses the undo, which would take it back too.
    pub watch: Vec<ItemId>,
    /// Whether changes to the items below the watched ones count too (an
    /// item created here is undone by deleting it, with what is in it).
    pub below: bool,
    /// The audit seq before the change was made (set by [`UndoStack::push`]).
    pub since: u64,
}

impl Undo {
    fn new(what: String, entries: Vec<Change>, back_at: &str) -> Undo {
        Undo {
            what,
            entries,
            needs_free: None,
            back_at: back_at.into(),
            elsewhere: None,
            watch: Vec::new(),
            below: false,
            since: 0,
        }
    }

    /// Refused once `id` changed since (by anyone but this UI).
    pub fn watching(mut self, id: ItemId) -> Undo {
        self.watch.push(id);
        self
    }

    /// Refused once `id`, or anything below it, changed since.
    pub fn watching_below(self, id: ItemId) -> Undo {
        Undo {
            below: true,
            ..self.watching(id)
        }
    }

    /// A change made here that this key cannot take back (workspace
    /// settings): undo says so instead of undoing an older change.
    pub fn not_here(what: String, how: &str) -> Undo {
        Undo {
            elsewhere: Some(how.into()),
            ..Undo::new(what, Vec::new(), "")
        }
    }
}

/// Ranges of audit seqs kept of the changes made here (enough for the
/// changes kept for undo and the undos between them).
const MADE_KEPT: usize = 4 * KEPT;

#[derive(Debug, Default)]
pub struct UndoStack {
    list: Vec<Undo>,
    /// The changes made here, as ranges of audit seqs `(before, after]`: the
    /// entries of this UI's own user in them are this UI's (its changes and
    /// its undos), which do not count as changed "since".
    made: Vec<(u64, u64)>,
}

impl UndoStack {
    /// A change of this UI's own pushed: it was made after `since`.
    pub fn push(&mut self, mut u: Undo) {
        if self.list.len() == KEPT {
            self.list.remove(0);
        }
        u.since = self.made.last().map_or(0, |(before, _)| *before);
        self.list.push(u);
    }
    pub fn last(&self) -> Option<&Undo> {
        self.list.last()
    }
    pub fn pop(&mut self) -> Option<Undo> {
        self.list.pop()
    }
    pub fn len(&self) -> usize {
        self.list.len()
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// This UI made a change: the audit's last seq was `before` when it
    /// began and `after` when it ended.
    pub fn made(&mut self, before: u64, after: u64) {
        if self.made.len() == MADE_KEPT {
            self.made.remove(0);
        }
        self.made.push((before, after));
    }

    /// An entry this UI made (as `login`, inside one of its changes).
    pub fn made_here(&self, e: &AuditEntry, login: &str) -> bool {
        e.actor == login
            && self
                .made
                .iter()
                .any(|&(before, after)| e.seq > before && e.seq <= after)
    }
}

fn name_of(path: &str) -> &str {
    split_path(path).1
}

fn parent_of(path: &str) -> &str {
    split_path(path).0
}

fn shown(path: &str) -> String {
    crate::domain::text::escape(name_of(path))
}

/// An item created at `path` (or copied to it): undone by deleting it.
pub fn created(path: &str, kind: &str) -> Undo {
    Undo::new(
        format!("the {kind} {}", shown(path)),
        vec![Change::Rm { path: path.into() }],
        parent_of(path),
    )
}

/// Renamed from `old_path`; it is now at `new_path`.
pub fn renamed(old_path: &str, new_path: &str) -> Undo {
    Undo::new(
        format!("the rename of {} to {}", shown(old_path), shown(new_path)),
        vec![Change::Rename {
            path: new_path.into(),
            name: name_of(old_path).into(),
        }],
        old_path,
    )
}

/// Moved from `old_path`; it is now at `new_path`.
pub fn moved(old_path: &str, new_path: &str) -> Undo {
    Undo::new(
        format!("the move of {}", shown(old_path)),
        vec![Change::Mv {
            path: new_path.into(),
            to: parent_of(old_path).into(),
        }],
        old_path,
    )
}

/// The description of `path` was `old`.
pub fn described(path: &str, old: &str) -> Undo {
    Undo::new(
        format!("the new description of {}", shown(path)),
        vec![Change::Describe {
            path: path.into(),
            text: old.into(),
        }],
        path,
    )
}

fn share_back(path: &str, g: &Grant) -> Change {
    Change::Share {
        path: path.into(),
        subject: g.subject.to_string(),
        level: g.level.as_str().into(),
        note: Some(g.note.clone()),
    }
}

/// `subject` was shared on `path`; `before` is the grant it held then.
pub fn shared(path: &str, subject: &Subject, before: Option<&Grant>) -> Undo {
    let back = match before {
        Some(g) => share_back(path, g),
        None => Change::Unshare {
            path: path.into(),
            subject: subject.to_string(),
        },
    };
    Undo::new(
        format!("the share of {} with {subject}", shown(path)),
        vec![back],
        path,
    )
}

/// The grant `g` on `path` was removed (or left).
pub fn unshared(path: &str, g: &Grant) -> Undo {
    Undo::new(
        format!("the removal of {}'s grant on {}", g.subject, shown(path)),
        vec![share_back(path, g)],
        path,
    )
}

/// The item at `path` was deleted: it is created again, with what it held.
pub fn deleted(path: &str, it: &Item, assets: &[Asset], grants: &[Grant]) -> Undo {
    let mut entries = vec![match it.kind {
        ItemKind::Folder => Change::Mkdir { path: path.into() },
        ItemKind::App => Change::App { path: path.into() },
    }];
    if !it.description.is_empty() {
        entries.push(Change::Describe {
            path: path.into(),
            text: it.description.clone(),
        });
    }
    entries.extend(assets.iter().map(|a| Change::AssetAdd {
        app: path.into(),
        kind: a.kind.as_str().into(),
        name: a.name.clone(),
    }));
    entries.extend(grants.iter().map(|g| share_back(path, g)));
    Undo {
        needs_free: Some(path.into()),
        ..Undo::new(format!("the delete of {}", shown(path)), entries, path)
    }
}

/// An asset added at `asset_path` (`APP:KIND/NAME`).
pub fn asset_added(asset_path: &str) -> Undo {
    Undo::new(
        format!("the new asset {}", shown(asset_path)),
        vec![Change::AssetRm {
            path: asset_path.into(),
        }],
        app_of(asset_path),
    )
}

/// An asset renamed: it was `old_path`, it is `new_path`.
pub fn asset_renamed(old_path: &str, new_path: &str) -> Undo {
    Undo::new(
        format!("the rename of {}", shown(old_path)),
        vec![Change::AssetRename {
            path: new_path.into(),
            name: name_of(old_path).into(),
        }],
        app_of(old_path),
    )
}

/// An asset of the app at `app_path` deleted.
pub fn asset_deleted(app_path: &str, kind: AssetKind, name: &str) -> Undo {
    Undo::new(
        format!(
            "the delete of the {kind} {}",
            crate::domain::text::escape(name)
        ),
        vec![Change::AssetAdd {
            app: app_path.into(),
            kind: kind.as_str().into(),
            name: name.into(),
        }],
        app_path,
    )
}

/// A workspace role granted (`granted`) or revoked.
pub fn role_changed(ws: &str, login: &str, role: Role, granted: bool) -> Undo {
    use crate::app::apply::Words;
    let (ws, login, roles) = (
        ws.to_string(),
        login.to_string(),
        Words::One(role.as_str().into()),
    );
    let back = if granted {
        Change::RoleRevoke {
            ws,
            login: login.clone(),
            roles,
            transfer_to: None,
        }
    } else {
        Change::RoleGrant {
            ws,
            login: login.clone(),
            roles,
        }
    };
    let verb = if granted { "grant" } else { "revoke" };
    Undo::new(
        format!(
            "the {verb} of {role} to {}",
            crate::domain::text::escape(&login)
        ),
        vec![back],
        "",
    )
}

/// The app of an asset path `APP:KIND/NAME`.
pub fn app_of(asset_path: &str) -> &str {
    asset_path.split_once(':').map_or(asset_path, |(a, _)| a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r28_a_deleted_app_comes_back_with_its_description_assets_and_noted_grants() {
        let it = Item {
            id: 7,
            kind: ItemKind::App,
            name: "OEE".into(),
            space: SpaceRef::team(1),
            parent: None,
            owner: "alice".into(),
            creator: "alice".into(),
            created: 0,
            modified: 0,
            description: "line speed".into(),
            integrations: Default::default(),
            restricted: Default::default(),
        };
        let assets = [Asset {
            app: 7,
            kind: AssetKind::Dashboard,
            name: "Speed".into(),
            created: 0,
        }];
        let grants = [Grant {
            item: 7,
            subject: Subject::Group("qa".into()),
            level: Level::Viewer,
            note: "QA reads line 2".into(),
            granted_by: "root".into(),
            at: 0,
        }];
        let u = deleted("/W/team/P/OEE", &it, &assets, &grants);
        assert_eq!(u.needs_free.as_deref(), Some("/W/team/P/OEE"));
        let words: Vec<String> = u.entries.iter().map(|c| c.words()).collect();
        assert_eq!(
            words,
            [
                "app /W/team/P/OEE",
                "describe /W/team/P/OEE",
                "asset add /W/team/P/OEE dashboard Speed",
                "share /W/team/P/OEE group:qa viewer",
            ]
        );
        assert!(
            matches!(&u.entries[3], Change::Share { note: Some(n), .. } if n == "QA reads line 2")
        );
    }

    #[test]
    fn a_move_goes_back_to_the_folder_it_left_and_a_rename_to_its_name() {
        let m = moved("/W/team/A/OEE", "/W/team/B/OEE");
        assert_eq!(m.entries[0].words(), "mv /W/team/B/OEE /W/team/A");
        let r = renamed("/W/team/A/Line 1", "/W/team/A/Line1");
        assert_eq!(r.entries[0].words(), "rename /W/team/A/Line1 Line 1");
    }

    #[test]
    fn a_re_share_goes_back_to_the_grant_and_note_it_replaced() {
        let before = Grant {
            item: 1,
            subject: Subject::Group("qa".into()),
            level: Level::Viewer,
            note: "QA reads line 2".into(),
            granted_by: "root".into(),
            at: 0,
        };
        let u = shared("/W/team/P", &before.subject, Some(&before));
        assert!(matches!(&u.entries[0],
            Change::Share { level, note: Some(n), .. } if level == "viewer" && n == "QA reads line 2"));
        let u = shared("/W/team/P", &before.subject, None);
        assert_eq!(u.entries[0].words(), "unshare /W/team/P group:qa");
    }

    #[test]
    fn the_stack_keeps_the_newest() {
        let mut s = UndoStack::default();
        for i in 0..KEPT + 3 {
            s.push(created(&format!("/W/team/F{i}"), "folder"));
        }
        assert_eq!(s.len(), KEPT);
        assert_eq!(s.pop().unwrap().what, format!("the folder F{}", KEPT + 2));
    }
}
