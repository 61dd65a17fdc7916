//! `grants ls [PATH] [--subject S] [--recursive]` (issue 14): the raw grants
//! (item, subject, level, note, granted by, when) on the items the actor can
//! view (R12, R14), the thing to read before a bulk change.

use serde::{Deserialize, Serialize};

use super::*;

/// One grant as `grants ls` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRow {
    pub path: String,
    pub subject: String,
    pub level: Level,
    pub note: String,
    pub granted_by: String,
    pub at: Timestamp,
}

impl Session<'_> {
    /// The grants on PATH (with `recursive`, on it and every item below it
    /// the actor can view); without PATH, or on a space root, which holds no
    /// grants itself, on everything the actor can view below it.
    pub fn grants_ls(
        &self,
        raw: Option<&str>,
        subject: Option<&str>,
        recursive: bool,
    ) -> Result<Vec<GrantRow>> {
        let subject: Option<Subject> = subject.map(str::parse).transpose()?;
        if let Some(s) = &subject {
            self.subject_exists_at_all(s)?;
        }
        let items = match raw.map(path::parse_in).transpose()? {
            Some(ip) if !recursive && !ip.names.is_empty() => {
                let r = self.resolve(&ip)?;
                self.require(Action::View, &r)?;
                vec![(r.item().expect("an item path").id, r.path)]
            }
            _ => self.viewable_items(raw)?,
        };
        let mut rows = Vec::new();
        for (id, path) in items {
            // R34: the grants the actor reads on the item.
            let sight = self.grant_sight(&self.resolve_id(id)?)?;
            let grants = self.store().grants_on(id)?;
            for g in self.grants_in_sight(sight, &grants) {
                if subject.as_ref().is_none_or(|s| *s == g.subject) {
                    rows.push(GrantRow {
                        path: path.clone(),
                        subject: g.subject.to_string(),
                        level: g.level,
                        note: g.note.clone(),
                        granted_by: self.login_in_sight(&g.granted_by),
                        at: g.at,
                    });
                }
            }
        }
        Ok(rows)
    }

    /// Every item at or below `raw` (everything, without it) that the actor
    /// can view, in tree order: what `tree` shows, less path-only folders.
    fn viewable_items(&self, raw: Option<&str>) -> Result<Vec<(ItemId, String)>> {
        fn walk(n: &TreeNode, out: &mut Vec<(ItemId, String)>) {
            if let (Some(id), false) = (n.entry.id, n.entry.path_only) {
                out.push((id, n.entry.path.clone()));
            }
            for c in &n.children {
                walk(c, out);
            }
        }
        let mut out = Vec::new();
        for n in self.tree(raw)? {
            walk(&n, &mut out);
        }
        Ok(out)
    }
}
