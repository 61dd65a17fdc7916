//! Loading the panes from the store as the viewer sees it: workspaces,
//! spaces, the lazy tree page by page, and putting things back in place
//! after a change (expanded folders and the selection are kept).

use std::collections::HashSet;

use crate::app::App;
use crate::domain::*;

use super::keymap::KeyMap;
use super::model::{node_key, SpaceChoice};
use super::theme::Theme;
use super::tree::{NodeData, NodeKind, TreeState};
use super::ui::{Inspecting, Ui, R};
use super::worker::Job;

impl<'a> Ui<'a> {
    pub fn new(app: &'a App, login: &str, keys: KeyMap, theme: Theme, ascii: bool) -> R<Ui<'a>> {
        let sess = app.session(login)?;
        let mut ui = Ui::empty(app, sess, keys, theme, ascii);
        ui.load_workspaces()?;
        // A newcomer starts where most of the work is.
        if let Some(i) = ui
            .workspaces
            .items
            .iter()
            .position(|w| w.name == "Default Workspace")
        {
            if ui.workspaces.select(i) {
                ui.load_spaces()?;
            }
        }
        Ok(ui)
    }

    pub fn load_workspaces(&mut self) -> R<()> {
        let cur = self.current_ws().map(|w| w.id);
        let mut list = Vec::new();
        for w in self.sess.workspaces()? {
            if self.inspect.is_none() || self.viewer().ws_seen(&w)? {
                list.push(w);
            }
        }
        self.workspaces.items = list;
        self.workspaces.sel = cur
            .and_then(|id| self.workspaces.items.iter().position(|w| w.id == id))
            .unwrap_or(0);
        self.load_spaces()
    }

    pub fn load_spaces(&mut self) -> R<()> {
        let cur = self.spaces.current().map(|s| s.label());
        self.spaces.items = self.space_choices()?;
        let cur_label = cur.map(|l| l.split(" (").next().unwrap_or("").to_string());
        self.spaces.sel = cur_label
            .and_then(|l| {
                self.spaces
                    .items
                    .iter()
                    .position(|s| s.label().starts_with(&l))
            })
            .unwrap_or(0);
        self.load_tree()
    }

    /// The entries of the spaces list for the selected workspace.
    fn space_choices(&self) -> R<Vec<SpaceChoice>> {
        let mut out = Vec::new();
        let Some(ws) = self.current_ws().cloned() else {
            return Ok(out);
        };
        let mut shared = Vec::new();
        let viewer_login = self.viewer().login().to_string();
        let (mut private_mine, mut private_shared) = (false, 0);
        for (s, _) in self.viewer().visible_spaces(&ws)? {
            let root = self.sess.space_root(&s)?;
            if !self.actor_sees(&root) {
                match &s.kind {
                    SpaceKind::My(o) if *o == viewer_login => private_mine = true,
                    SpaceKind::My(_) => private_shared += 1,
                    SpaceKind::Team => {}
                }
                continue;
            }
            match &s.kind {
                SpaceKind::Team => out.push(SpaceChoice::Team(s)),
                SpaceKind::My(o) if *o == viewer_login => out.push(SpaceChoice::Mine(s)),
                SpaceKind::My(_) => shared.push(s),
            }
        }
        // "Shared with me" is listed even when empty, so it is never silently missing.
        if !self.viewer().actor.is_tenant_user() {
            out.push(SpaceChoice::Shared(shared));
        }
        // Inspecting: what the inspected user has and you may not see is named, not shown (R14).
        if private_mine {
            out.insert(
                out.len().min(1),
                SpaceChoice::Private(format!("{viewer_login}'s My Creations")),
            );
        }
        if private_shared > 0 {
            out.push(SpaceChoice::Private(format!(
                "{private_shared} shared with {viewer_login}"
            )));
        }
        Ok(out)
    }

    /// Every child of a node as the viewer sees them (all pages).
    pub fn load_children_of(&self, node: &NodeData) -> R<Vec<NodeData>> {
        let (mut all, mut cursor) = self.load_page_of(node, None)?;
        while cursor.is_some() {
            let (more, next) = self.load_page_of(node, cursor)?;
            all.extend(more);
            cursor = next;
        }
        Ok(all)
    }

    /// A page of the children of a node as the viewer sees them (filtered by
    /// what the actor sees), and the cursor when the listing goes on.
    pub fn load_page_of(
        &self,
        node: &NodeData,
        after: Option<Vec<u8>>,
    ) -> R<(Vec<NodeData>, Option<Vec<u8>>)> {
        self.eyes().page_of(node, after)
    }

    /// Loads a node's first page of children into the tree.
    pub(super) fn load_into(&mut self, i: usize) -> R<()> {
        let data = self.tree.nodes[i].data.clone();
        let (kids, cursor) = self.load_page_of(&data, None)?;
        self.tree.set_children(i, kids);
        self.tree.set_more(i, cursor);
        Ok(())
    }

    /// Loads the next page of a node whose listing goes on, here and now.
    pub(super) fn load_more(&mut self, parent: usize) -> R<()> {
        let Some(cursor) = self.tree.more.get(&parent).cloned() else {
            return Ok(());
        };
        let data = self.tree.nodes[parent].data.clone();
        let (kids, next) = self.load_page_of(&data, Some(cursor))?;
        self.jobs.pages.remove(&parent);
        self.tree.append_page(parent, kids, next);
        Ok(())
    }

    /// Loads the next pages of a node until one holds `id` (not the rest:
    /// the folder may have a hundred thousand children after it).
    fn load_until(&mut self, parent: usize, id: ItemId) -> Option<usize> {
        while self.tree.more.contains_key(&parent) {
            let from = self.tree.nodes.len();
            if self.load_more(parent).is_err() {
                return None;
            }
            if let Some(k) = self.tree.nodes[from..]
                .iter()
                .position(|n| n.data.id == Some(id) && n.data.kind != NodeKind::More)
            {
                return Some(from + k);
            }
        }
        None
    }

    /// Asks for the pages that scrolled into view (on the worker when there
    /// is one: the rows say "loading" until they come).
    pub(super) fn fill_viewport(&mut self) {
        for _ in 0..4 {
            let mores = self.tree.more_in(self.tree.offset, self.tree.height + 1);
            let wanted: Vec<usize> = mores
                .iter()
                .filter_map(|&m| self.tree.nodes[m].parent)
                .filter(|p| !self.jobs.pages.contains_key(p))
                .collect();
            if wanted.is_empty() {
                return;
            }
            for p in wanted {
                self.ask_page(p);
            }
            if self.jobs.worker.is_some() {
                return;
            }
        }
    }

    /// Asks for the next page of node `parent`.
    pub(super) fn ask_page(&mut self, parent: usize) {
        let Some(after) = self.tree.more.get(&parent).cloned() else {
            return;
        };
        let job = Job::Page {
            node: self.tree.nodes[parent].data.clone(),
            after,
            parent,
            tree: self.tree_generation(),
        };
        self.ask(job);
    }

    /// Rebuilds the tree of the selected space, keeping expanded folders and the selection.
    pub fn load_tree(&mut self) -> R<()> {
        self.end_filter_quietly();
        let mut expanded: HashSet<String> = self
            .tree
            .nodes
            .iter()
            .filter(|n| n.expanded)
            .map(|n| node_key(&n.data))
            .collect();
        let mut sel = self.tree.selected_node().map(|n| node_key(&n.data));
        let shown = roots_key(&self.tree);
        self.places
            .insert(shown.clone(), (expanded.clone(), sel.clone()));
        // The space root is a row of its own (creating at the root starts there), open.
        let roots = match self.spaces.current().cloned() {
            None => Vec::new(),
            Some(SpaceChoice::Team(s)) | Some(SpaceChoice::Mine(s)) => {
                let root_node = self.eyes().space_node(&s)?;
                expanded.insert(node_key(&root_node));
                vec![root_node]
            }
            Some(SpaceChoice::Shared(v)) => v
                .iter()
                .map(|s| self.eyes().space_node(s))
                .collect::<R<Vec<_>>>()?,
            Some(SpaceChoice::Private(_)) => Vec::new(),
        };
        let height = self.tree.height;
        self.tree = TreeState::new(roots);
        // Another space: as it was left.
        let key = roots_key(&self.tree);
        if key != shown {
            if let Some((e, s)) = self.places.get(&key).cloned() {
                expanded.extend(e);
                sel = s;
            } else {
                sel = None;
            }
        }
        self.tree.height = height;
        self.jobs.pages.clear();
        // Re-expand what was expanded (breadth first, loading as we go).
        let mut i = 0;
        while i < self.tree.nodes.len() {
            if expanded.contains(&node_key(&self.tree.nodes[i].data)) && self.load_into(i).is_ok() {
                self.tree.nodes[i].expanded = true;
            }
            i += 1;
        }
        self.tree.rebuild_rows();
        if let Some(k) = sel {
            if let Some(n) = self.tree.nodes.iter().position(|n| node_key(&n.data) == k) {
                self.tree.select_node(n);
            }
        }
        self.generation += 1;
        Ok(())
    }

    /// Which tree a page belongs to: pages for a tree since rebuilt are dropped.
    pub(super) fn tree_generation(&self) -> u64 {
        self.generation
    }

    /// After a change: a fresh session (current reach), then everything reloaded.
    pub fn refresh(&mut self) {
        match self.app.session(&self.login) {
            Ok(s) => self.sess = s,
            Err(e) => {
                self.set_failure("reload", &e);
                return;
            }
        }
        if let Some(ins) = self.inspect.take() {
            match self.app.session(&ins.login) {
                Ok(s) => {
                    self.inspect = Some(Inspecting {
                        login: ins.login,
                        sess: s,
                    })
                }
                Err(e) => self.set_failure("reload", &e),
            }
        }
        if let Err(e) = self.load_workspaces() {
            self.set_failure("reload", &e);
        }
        self.generation += 1;
    }

    pub(super) fn expand_selected(&mut self) -> bool {
        let Some(i) = self.tree.selected() else {
            return false;
        };
        if !self.tree.nodes[i].expandable() {
            return false;
        }
        if !self.tree.is_loaded(i) {
            if let Err(e) = self.load_into(i) {
                self.set_failure("open it", &e);
                return false;
            }
        }
        self.tree.expand(i);
        true
    }

    /// Expands the ancestors of an item and selects it (search, after a change).
    pub fn reveal(&mut self, id: ItemId) {
        let Ok(r) = self.viewer().resolve_id(id) else {
            return;
        };
        let Some(chain) = r.chain.as_ref() else {
            return;
        };
        let ids: Vec<ItemId> = chain.links.iter().rev().map(|l| l.id).collect();
        // The space's row: an item at the root beyond its first page is loaded from there.
        let mut parent: Option<usize> = self
            .tree
            .nodes
            .iter()
            .position(|n| matches!(&n.data.kind, NodeKind::Space(s) if s == r.space()));
        for (n, aid) in ids.iter().enumerate() {
            let mut found = self.tree.find_id(*aid);
            if found.is_none() {
                // Beyond the loaded pages of its folder: load pages up to it.
                if let Some(p) = parent {
                    found = self.load_until(p, *aid);
                }
            }
            let Some(i) = found else {
                return;
            };
            parent = Some(i);
            if n + 1 < ids.len() {
                if !self.tree.is_loaded(i) && self.load_into(i).is_err() {
                    return;
                }
                self.tree.nodes[i].expanded = true;
            } else {
                self.tree.rebuild_rows();
                self.tree.select_node(i);
            }
        }
    }
}

/// The key of the spaces a tree shows (its roots).
fn roots_key(t: &TreeState) -> String {
    t.roots
        .iter()
        .map(|&r| node_key(&t.nodes[r].data))
        .collect::<Vec<_>>()
        .join(",")
}
