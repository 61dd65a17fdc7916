//! What the tree shows of the store, through a pair of eyes: the acting
//! user's, or an inspected user's bounded by the actor's (inspection never
//! reveals more, R12, R14). Free of the UI's state, so the UI thread and the
//! worker thread load the same way.

use std::sync::Arc;

use crate::app::{Resolved, Session};
use crate::domain::rules::{GrantSight, Seen};
use crate::domain::text::escape;
use crate::domain::*;

use super::dialog::PickItem;
use super::filter::{Entry, FilterIndex};
use super::tree::{NodeData, NodeKind};

type R<T> = crate::domain::Result<T>;

/// Children loaded at a time: a folder of 100,000 opens at once and pages in as it
/// scrolls; a page costs about 3 ms on a million-item store (500 cost 7–10 ms, past
/// the 5 ms keystroke target).
pub const PAGE: usize = 200;

/// The sessions the tree is seen through.
#[derive(Clone, Copy)]
pub struct Eyes<'s, 'a> {
    pub actor: &'s Session<'a>,
    /// The inspected user's session, if inspecting.
    pub inspected: Option<&'s Session<'a>>,
}

impl<'s, 'a> Eyes<'s, 'a> {
    pub fn viewer(&self) -> &'s Session<'a> {
        self.inspected.unwrap_or(self.actor)
    }

    /// Seen by the acting user.
    pub fn actor_sees(&self, r: &Resolved) -> bool {
        self.actor
            .decide(Action::View, r)
            .map(|d| d.seen != Seen::Hidden)
            .unwrap_or(false)
    }

    /// Seen by the viewer and, when inspecting, by the actor too.
    fn both_see(&self, r: &Resolved) -> bool {
        self.inspected.is_none() || self.actor_sees(r)
    }

    pub fn node_data(&self, it: &Item, r: &Resolved) -> R<Option<NodeData>> {
        let d = self.viewer().decide(Action::View, r)?;
        if d.seen == Seen::Hidden || !self.both_see(r) {
            return Ok(None);
        }
        // R34: an inspected user's level where the actor does not read it.
        let level = match self.inspected {
            Some(_) if d.seen == Seen::Visible && self.actor.grant_sight(r)? != GrantSight::All => {
                "not shown"
            }
            _ => d.level_str(),
        };
        Ok(Some(NodeData {
            kind: if it.kind == ItemKind::Folder {
                NodeKind::Folder
            } else {
                NodeKind::App
            },
            name: it.name.clone(),
            id: Some(it.id),
            path: String::new(),
            level,
            path_only: d.seen == Seen::PathOnly,
        }))
    }

    /// The assets of an app, as child rows.
    fn assets_of(&self, node: &NodeData) -> R<Vec<NodeData>> {
        let v = self.viewer();
        let r = v.resolve_id(node.id.unwrap_or_default())?;
        if !v.decide(Action::View, &r)?.allowed {
            return Ok(Vec::new());
        }
        let Some(app) = r.item() else {
            return Ok(Vec::new());
        };
        let mut assets = v.assets_of(app)?;
        assets.sort_by_key(|a| (a.kind, names::sort_key(&a.name)));
        Ok(assets
            .into_iter()
            .map(|a| NodeData {
                kind: NodeKind::Asset(a.kind),
                path: String::new(),
                name: a.name,
                id: node.id,
                level: "",
                path_only: false,
            })
            .collect())
    }

    /// A page of the children of a node, and the cursor when the listing goes on.
    pub fn page_of(
        &self,
        node: &NodeData,
        after: Option<Vec<u8>>,
    ) -> R<(Vec<NodeData>, Option<Vec<u8>>)> {
        let v = self.viewer();
        let r = match &node.kind {
            NodeKind::Space(s) => v.space_root(s)?,
            NodeKind::Folder => v.resolve_id(node.id.unwrap_or_default())?,
            NodeKind::App => return Ok((self.assets_of(node)?, None)),
            NodeKind::Asset(_) | NodeKind::More => return Ok((Vec::new(), None)),
        };
        let (page, cursor) = v.visible_children_page(&r, after, PAGE)?;
        let mut out = Vec::new();
        for (it, cr, _) in page {
            if let Some(d) = self.node_data(&it, &cr)? {
                out.push(d);
            }
        }
        Ok((out, cursor))
    }

    /// The row of a space's root.
    pub fn space_node(&self, s: &SpaceRef) -> R<NodeData> {
        let path = self.actor.space_path(s)?;
        let name = match s.my_owner() {
            None => "Team Space".to_string(),
            Some(o) if o == self.viewer().login() => "My Creations".to_string(),
            Some(o) => format!("{o}'s My Creations"),
        };
        let level = self
            .viewer()
            .decide(Action::View, &self.actor.space_root(s)?)?
            .level_str();
        Ok(NodeData {
            kind: NodeKind::Space(s.clone()),
            name,
            id: None,
            path,
            level: if level == "none" { "" } else { level },
            path_only: false,
        })
    }

    /// Every item of some spaces the viewer sees (and the actor too).
    fn walk(&self, spaces: &[SpaceRef], mut each: impl FnMut(&Item, &Resolved, Seen)) {
        for s in spaces {
            let Ok(all) = self.viewer().walk_space(s) else {
                continue;
            };
            for (it, r, d) in all {
                if self.both_see(&r) {
                    each(&it, &r, d.seen);
                }
            }
        }
    }

    /// The search picker's entries: every item of the spaces, and every
    /// asset of the apps the viewer sees, by kind, name and path. Choosing
    /// an asset jumps to its app.
    pub fn search_items(&self, spaces: &[SpaceRef]) -> Vec<PickItem> {
        let mut items = Vec::new();
        self.walk(spaces, |it, r, seen| {
            let tag = if seen == Seen::PathOnly {
                " (path only)"
            } else {
                ""
            };
            let glyph = match it.kind {
                ItemKind::Folder => "■",
                ItemKind::App => "◆",
            };
            items.push(PickItem::new(
                format!("{glyph} {}", escape(&it.name)),
                format!("{}{tag}", escape(&r.path)),
                it.id.to_string(),
            ));
            // A path-only app shows nothing of itself (R11).
            if it.kind != ItemKind::App || seen == Seen::PathOnly {
                return;
            }
            for a in self.viewer().assets_of(it).unwrap_or_default() {
                let glyph = match a.kind {
                    AssetKind::Dashboard => "▦",
                    AssetKind::Chart => "◔",
                    AssetKind::Dataset => "≡",
                };
                items.push(PickItem::new(
                    format!("{glyph} {}", escape(&a.name)),
                    escape(&format!("{}:{}/{}", r.path, a.kind, a.name)),
                    it.id.to_string(),
                ));
            }
        });
        items
    }

    /// The filter's index of the spaces: every item with its parent, to
    /// narrow the tree to matches and their ancestors.
    pub fn filter_index(&self, spaces: &[SpaceRef]) -> R<Arc<FilterIndex>> {
        let mut roots = Vec::new();
        for s in spaces {
            roots.push(self.space_node(s)?);
        }
        let mut entries = Vec::new();
        self.walk(spaces, |it, r, seen| {
            let level = self
                .viewer()
                .decide(Action::View, r)
                .map(|d| d.level_str())
                .unwrap_or("");
            entries.push(Entry {
                id: it.id,
                parent: r.chain.as_ref().and_then(|c| c.links.get(1)).map(|l| l.id),
                space: spaces.iter().position(|s| *s == it.space).unwrap_or(0),
                name: it.name.clone(),
                folder: it.kind == ItemKind::Folder,
                level,
                path_only: seen == Seen::PathOnly,
            });
        });
        Ok(Arc::new(FilterIndex::new(roots, entries)))
    }
}
