//! What a principal can see through grants (R10, R11, R26): the items that
//! anchor their view and the ancestors they see only as a path. Computed once
//! per request from the index of grants by subject, never by a full scan.

use std::collections::HashSet;

use crate::domain::rules::Principal;
use crate::domain::*;
use crate::store::{Parent, Store};

#[derive(Debug, Default, Clone)]
pub struct Reach {
    /// Items the principal views through a grant on them or above them.
    pub anchors: HashSet<ItemId>,
    /// Strict ancestors of viewable items: listed as path only (R11).
    pub path: HashSet<ItemId>,
    /// Spaces where the principal views some item (their roots are visible, R11).
    pub spaces: HashSet<SpaceRef>,
}

impl Reach {
    pub fn of(st: &Store, p: &Principal) -> Result<Reach> {
        let mut r = Reach::default();
        let mut subjects = Vec::new();
        match &p.tenant {
            Some(t) => subjects.push(Subject::Tenant(t.clone())),
            None => {
                subjects.push(Subject::User(p.login.clone()));
                subjects.extend(p.groups.iter().map(|g| Subject::Group(g.clone())));
                subjects.extend(p.orgs.keys().map(|u| Subject::Org(u.clone())));
            }
        }
        for s in &subjects {
            for id in st.granted_items(s)? {
                let Some(item) = st.item(id)? else { continue };
                if p.tenant.is_some() {
                    // R26: a tenant grant shows the apps at or below the item.
                    if !item.space.is_team() {
                        continue;
                    }
                    for app in apps_at_or_below(st, &item)? {
                        r.add_viewable(st, &app)?;
                    }
                } else {
                    r.add_viewable(st, &item)?;
                }
            }
        }
        Ok(r)
    }

    fn add_viewable(&mut self, st: &Store, item: &Item) -> Result<()> {
        self.anchors.insert(item.id);
        self.spaces.insert(item.space.clone());
        let mut cur = item.parent;
        let mut steps = 0;
        while let Some(pid) = cur {
            if !self.path.insert(pid) || steps > 10_000 {
                break; // the rest of the way up is already known
            }
            steps += 1;
            cur = st.item(pid)?.and_then(|i| i.parent);
        }
        Ok(())
    }
}

fn apps_at_or_below(st: &Store, item: &Item) -> Result<Vec<Item>> {
    let mut out = Vec::new();
    let mut stack = vec![item.clone()];
    while let Some(it) = stack.pop() {
        match it.kind {
            ItemKind::App => out.push(it),
            ItemKind::Folder => stack.extend(st.children(&Parent::Folder(it.id))?),
        }
    }
    Ok(out)
}
