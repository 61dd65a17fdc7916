//! The tree pane's state: an arena of nodes loaded lazily (children are
//! fetched when a node is first expanded) and the flat list of rows that are
//! currently shown. Drawing touches only the rows in the viewport.

use crate::domain::{AssetKind, ItemId, SpaceRef};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    Space(SpaceRef),
    Folder,
    App,
    Asset(AssetKind),
    /// Stands for the children not loaded yet (a huge folder is listed page by page).
    More,
}

/// What a loader hands the tree for one child.
#[derive(Debug, Clone)]
pub struct NodeData {
    pub kind: NodeKind,
    pub name: String,
    pub id: Option<ItemId>,
    /// The full path of a root (a space); empty below it, where the path is
    /// the names up from the row ([`TreeState::path`]): a folder of 100,000
    /// children does not keep 100,000 copies of its own path.
    pub path: String,
    /// The viewer's standing (owner, admin, editor…), shown at the right.
    pub level: &'static str,
    /// Seen only as the path to something below it (R11): drawn dimmed.
    pub path_only: bool,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub data: NodeData,
    pub depth: u16,
    pub parent: Option<usize>,
    pub expanded: bool,
    /// None: not loaded yet.
    pub children: Option<Vec<usize>>,
}

impl Node {
    pub fn expandable(&self) -> bool {
        let leaf = matches!(self.data.kind, NodeKind::Asset(_) | NodeKind::More);
        let path_only_app = self.data.path_only && self.data.kind == NodeKind::App;
        !leaf && !path_only_app
    }
}

#[derive(Debug, Default, Clone)]
pub struct TreeState {
    /// Where the listing of a node goes on (its last child is a `More` node).
    pub more: std::collections::HashMap<usize, Vec<u8>>,
    pub nodes: Vec<Node>,
    pub roots: Vec<usize>,
    /// Node indices of the rows shown, in order.
    pub rows: Vec<usize>,
    pub sel: usize,
    pub offset: usize,
    /// Rows that fit in the viewport (set when drawn).
    pub height: usize,
    /// Matched letters (character positions) of a node's name, when filtered.
    pub marks: std::collections::HashMap<usize, Vec<u32>>,
}

impl TreeState {
    pub fn new(roots: Vec<NodeData>) -> TreeState {
        let mut t = TreeState {
            height: 10,
            ..Default::default()
        };
        for d in roots {
            let i = t.nodes.len();
            t.nodes.push(Node {
                data: d,
                depth: 0,
                parent: None,
                expanded: false,
                children: None,
            });
            t.roots.push(i);
        }
        t.rebuild_rows();
        t
    }

    pub fn selected(&self) -> Option<usize> {
        self.rows.get(self.sel).copied()
    }
    pub fn selected_node(&self) -> Option<&Node> {
        self.selected().map(|i| &self.nodes[i])
    }

    /// Stores loaded children of a node.
    pub fn set_children(&mut self, parent: usize, kids: Vec<NodeData>) {
        self.nodes[parent].children = Some(Vec::with_capacity(kids.len()));
        for d in kids {
            self.push_child(parent, d);
        }
    }

    /// Adds a node as the last child of `parent`; returns its index.
    pub fn push_child(&mut self, parent: usize, data: NodeData) -> usize {
        let i = self.nodes.len();
        self.nodes.push(Node {
            data,
            depth: self.nodes[parent].depth + 1,
            parent: Some(parent),
            expanded: false,
            children: None,
        });
        self.nodes[parent]
            .children
            .get_or_insert_with(Vec::new)
            .push(i);
        i
    }

    /// Notes that a node's listing goes on after its loaded children.
    pub fn set_more(&mut self, parent: usize, cursor: Option<Vec<u8>>) {
        let Some(c) = cursor else {
            self.more.remove(&parent);
            return;
        };
        self.push_child(
            parent,
            NodeData {
                kind: NodeKind::More,
                name: "… more".into(),
                id: None,
                path: String::new(),
                level: "",
                path_only: false,
            },
        );
        self.more.insert(parent, c);
    }

    /// Replaces a node's `More` child with the next page (and a new `More` if it goes on).
    pub fn append_page(&mut self, parent: usize, kids: Vec<NodeData>, cursor: Option<Vec<u8>>) {
        let cur = self.selected();
        let old_sel = self.sel;
        let old_offset = self.offset;
        let more_node = self.nodes[parent].children.as_mut().and_then(|c| c.pop());
        let more_row = more_node.and_then(|m| self.rows.iter().position(|&r| r == m));
        for d in kids {
            self.push_child(parent, d);
        }
        self.more.remove(&parent);
        self.set_more(parent, cursor);
        self.rebuild_rows();
        match (cur, more_row) {
            // At or past the page's place: the new rows come in under the
            // selection, which stays on its row (scrolling on into the listing).
            (_, Some(mr)) if old_sel >= mr => {
                self.offset = old_offset;
                self.sel = old_sel.min(self.rows.len().saturating_sub(1));
                self.scroll_to_sel();
            }
            (Some(c), _) => self.select_node(c),
            (None, _) => {}
        }
    }

    /// `More` nodes among the rows from `from` on, up to `n` rows.
    pub fn more_in(&self, from: usize, n: usize) -> Vec<usize> {
        let end = (from + n).min(self.rows.len());
        self.rows[from.min(end)..end]
            .iter()
            .copied()
            .filter(|&i| self.nodes[i].data.kind == NodeKind::More)
            .collect()
    }

    pub fn is_loaded(&self, i: usize) -> bool {
        self.nodes[i].children.is_some()
    }

    /// Expands a loaded node and shows its children.
    pub fn expand(&mut self, i: usize) {
        if !self.nodes[i].expanded {
            self.nodes[i].expanded = true;
            self.rebuild_rows_keep(i);
        }
    }

    pub fn collapse(&mut self, i: usize) {
        if self.nodes[i].expanded {
            self.nodes[i].expanded = false;
            self.rebuild_rows_keep(i);
        }
    }

    /// Selects a node's row (it must be shown).
    pub fn select_node(&mut self, i: usize) {
        if let Some(r) = self.rows.iter().position(|&n| n == i) {
            self.sel = r;
            self.scroll_to_sel();
        }
    }

    fn rebuild_rows_keep(&mut self, keep: usize) {
        let cur = self.selected();
        self.rebuild_rows();
        let target = cur.filter(|c| self.rows.contains(c)).unwrap_or(keep);
        self.select_node(target);
    }

    /// Recomputes the shown rows from the expanded nodes.
    pub fn rebuild_rows(&mut self) {
        let mut rows = Vec::with_capacity(self.rows.len().max(16));
        let mut stack: Vec<usize> = self.roots.iter().rev().copied().collect();
        while let Some(i) = stack.pop() {
            rows.push(i);
            let n = &self.nodes[i];
            if n.expanded {
                if let Some(kids) = &n.children {
                    stack.extend(kids.iter().rev().copied());
                }
            }
        }
        self.rows = rows;
        if self.sel >= self.rows.len() {
            self.sel = self.rows.len().saturating_sub(1);
        }
        self.scroll_to_sel();
    }

    /// The tree pane's own navigation commands (loading is the UI's part).
    /// Returns false for commands it does not handle.
    pub fn handle(&mut self, cmd: super::keymap::Cmd) -> bool {
        use super::keymap::Cmd;
        let page = self.height.max(2) as isize - 1;
        match cmd {
            Cmd::Up => self.move_by(-1),
            Cmd::Down => self.move_by(1),
            Cmd::PageUp => self.move_by(-page),
            Cmd::PageDown => self.move_by(page),
            Cmd::Top => self.to_top(),
            Cmd::Bottom => self.to_bottom(),
            _ => return false,
        }
        true
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        let max = self.rows.len() as isize - 1;
        self.sel = (self.sel as isize + delta).clamp(0, max) as usize;
        self.scroll_to_sel();
    }

    pub fn to_top(&mut self) {
        self.sel = 0;
        self.scroll_to_sel();
    }
    pub fn to_bottom(&mut self) {
        self.sel = self.rows.len().saturating_sub(1);
        self.scroll_to_sel();
    }

    /// Scrolls the viewport (mouse wheel) without moving past the ends.
    pub fn scroll(&mut self, delta: isize) {
        let max = self.rows.len().saturating_sub(self.height.max(1)) as isize;
        self.offset = (self.offset as isize + delta).clamp(0, max.max(0)) as usize;
        if self.sel < self.offset {
            self.sel = self.offset;
        } else if self.sel >= self.offset + self.height.max(1) {
            self.sel =
                (self.offset + self.height.max(1) - 1).min(self.rows.len().saturating_sub(1));
        }
    }

    pub fn scroll_to_sel(&mut self) {
        let h = self.height.max(1);
        if self.sel < self.offset {
            self.offset = self.sel;
        } else if self.sel >= self.offset + h {
            self.offset = self.sel + 1 - h;
        }
        let max = self.rows.len().saturating_sub(h);
        if self.offset > max {
            self.offset = max;
        }
    }

    pub fn set_height(&mut self, h: usize) {
        if h != self.height {
            self.height = h.max(1);
            self.scroll_to_sel();
        }
    }

    /// The node whose item id is `id`, among loaded nodes.
    pub fn find_id(&self, id: ItemId) -> Option<usize> {
        self.nodes
            .iter()
            .position(|n| n.data.id == Some(id) && !matches!(n.data.kind, NodeKind::Asset(_)))
    }

    /// The path of the selected row, for messages.
    pub fn selected_path(&self) -> Option<String> {
        self.selected().map(|i| self.path(i))
    }

    /// The path of a node: its root's path and the names down to it (an
    /// asset as `APP:kind/name`; a `More` row stands at its folder's path).
    pub fn path(&self, i: usize) -> String {
        let mut chain = vec![i];
        while let Some(p) = self.nodes[*chain.last().unwrap_or(&i)].parent {
            chain.push(p);
        }
        let root = chain.pop().unwrap_or(i);
        let mut p = self.nodes[root].data.path.clone();
        for &c in chain.iter().rev() {
            let d = &self.nodes[c].data;
            match &d.kind {
                NodeKind::Asset(k) => p = format!("{p}:{k}/{}", d.name),
                NodeKind::More => {}
                _ => {
                    p.push('/');
                    p.push_str(&d.name);
                }
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_append_in_place_of_the_more_node() {
        let mut t = TreeState::new(vec![d("W", NodeKind::Folder), d("Z", NodeKind::Folder)]);
        t.set_children(
            0,
            (0..3).map(|i| d(&format!("a{i}"), NodeKind::App)).collect(),
        );
        t.set_more(0, Some(vec![1]));
        t.expand(0);
        assert_eq!(t.rows.len(), 6);
        assert_eq!(t.more_in(0, 10).len(), 1);
        t.to_bottom();
        t.move_by(-1); // the More row
        t.append_page(
            0,
            (3..5).map(|i| d(&format!("a{i}"), NodeKind::App)).collect(),
            None,
        );
        assert_eq!(t.rows.len(), 7, "no More row left");
        assert!(t.more.is_empty());
        assert_eq!(
            t.selected_node().unwrap().data.name,
            "a3",
            "the first new row takes the selection"
        );
        assert_eq!(t.nodes[t.rows[6]].data.name, "Z");
    }

    fn d(name: &str, kind: NodeKind) -> NodeData {
        NodeData {
            kind,
            name: name.into(),
            id: None,
            path: format!("/w/team/{name}"),
            level: "admin",
            path_only: false,
        }
    }

    #[test]
    fn rows_follow_expansion_and_viewport() {
        let mut t = TreeState::new(vec![d("A", NodeKind::Folder), d("B", NodeKind::Folder)]);
        t.set_height(3);
        assert_eq!(t.rows, vec![0, 1]);
        let kids: Vec<NodeData> = (0..100_000)
            .map(|i| d(&format!("x{i}"), NodeKind::App))
            .collect();
        t.set_children(0, kids);
        t.expand(0);
        assert_eq!(t.rows.len(), 100_002);
        t.to_bottom();
        assert_eq!(t.selected(), Some(1));
        assert_eq!(t.offset, 100_002 - 3);
        t.move_by(-5);
        assert_eq!(t.sel, 100_002 - 6);
        assert_eq!(t.offset, 100_002 - 6);
        t.to_top();
        t.move_by(1);
        t.collapse(0);
        assert_eq!(t.rows, vec![0, 1]);
        assert_eq!(t.selected(), Some(0));
    }
}
