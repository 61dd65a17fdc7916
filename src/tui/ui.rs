//! The UI state and what commands do. Nothing here draws ([`super::render`]
//! does) and nothing here decides who may do what: every enabled or disabled
//! action comes from `Session::decide`, `check_move` or an app-layer allowance.

use std::collections::HashSet;

use ratatui::layout::Rect;

use crate::app::{App, Resolved, Session};
use crate::domain::rules::Seen;
use crate::domain::text::escape;
use crate::domain::*;

use super::access::{WhatIfState, WhoView};
use super::dialog::{Dialog, Outcome as DOutcome, Purpose};
use super::keys::{Cmd, Input, Key, KeyCode, KeyMap, MouseKind, Scope};
use super::theme::Theme;
use super::tree::{NodeData, NodeKind, TreeState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Workspaces,
    Spaces,
    Tree,
    Detail,
}

impl Focus {
    pub const ORDER: [Focus; 4] = [Focus::Workspaces, Focus::Spaces, Focus::Tree, Focus::Detail];
    pub fn scope(self) -> Scope {
        match self {
            Focus::Workspaces => Scope::Workspaces,
            Focus::Spaces => Scope::Spaces,
            Focus::Tree => Scope::Tree,
            Focus::Detail => Scope::Detail,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Info,
    Permissions,
    Activity,
    Workspace,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Info, Tab::Permissions, Tab::Activity, Tab::Workspace];
    pub fn title(self, short: bool) -> &'static str {
        match (self, short) {
            (Tab::Info, _) => "Info",
            (Tab::Permissions, false) => "Permissions",
            (Tab::Permissions, true) => "Perms",
            (Tab::Activity, false) => "Activity",
            (Tab::Activity, true) => "Log",
            (Tab::Workspace, false) => "Workspace",
            (Tab::Workspace, true) => "WS",
        }
    }
    /// Whether the short titles are needed in `width` columns.
    pub fn short_titles(width: u16) -> bool {
        Tab::ALL
            .iter()
            .map(|t| t.title(false).len() as u16 + 3)
            .sum::<u16>()
            > width
    }
}

/// One entry of the spaces list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpaceChoice {
    Team(SpaceRef),
    Mine(SpaceRef),
    /// Items other users shared from their My Creations.
    Shared(Vec<SpaceRef>),
}

impl SpaceChoice {
    pub fn label(&self) -> String {
        match self {
            SpaceChoice::Team(_) => "Team Space".into(),
            SpaceChoice::Mine(_) => "My Creations".into(),
            SpaceChoice::Shared(v) => format!("Shared with me ({})", v.len()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Normal,
    Heading,
    Dim,
    Ok,
    Bad,
}

/// A line of the detail pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DLine {
    pub tone: Tone,
    pub text: String,
}

pub(super) fn dl(tone: Tone, text: impl Into<String>) -> DLine {
    DLine {
        tone,
        text: text.into(),
    }
}

/// Screen areas of the last frame, for the mouse.
#[derive(Debug, Clone, Copy, Default)]
pub struct Areas {
    pub workspaces: Rect,
    pub spaces: Rect,
    pub tree: Rect,
    pub detail: Rect,
    pub tabs: Rect,
}

pub struct Inspecting<'a> {
    pub login: String,
    pub sess: Session<'a>,
}

pub struct Ui<'a> {
    pub app: &'a App,
    pub login: String,
    pub sess: Session<'a>,
    pub inspect: Option<Inspecting<'a>>,
    pub keys: KeyMap,
    pub theme: Theme,
    pub ascii: bool,
    pub focus: Focus,
    pub workspaces: Vec<Workspace>,
    pub ws_sel: usize,
    pub spaces: Vec<SpaceChoice>,
    pub space_sel: usize,
    pub tree: TreeState,
    pub tab: Tab,
    pub detail_scroll: u16,
    pub detail_key: Option<(String, Tab, u64)>,
    pub detail_lines: Vec<DLine>,
    pub dialog: Option<Dialog>,
    pub help: bool,
    pub help_scroll: u16,
    pub message: Option<(String, bool)>,
    /// The last change found its result already there: the message says so.
    pub unchanged: Option<String>,
    pub quit: bool,
    pub areas: Areas,
    /// OSC 52 sequences to write after the next frame.
    pub clipboard: Vec<String>,
    /// Bumped on every change so cached details are recomputed.
    pub generation: u64,
    /// The "Who has access" view, when open.
    pub who: Option<WhoView>,
    /// The what-if of the open dialog.
    pub whatif: WhatIfState,
}

pub(super) type R<T> = crate::domain::Result<T>;

/// Children loaded at a time: a folder of 100,000 opens at once and pages in as it
/// scrolls; a page costs about 3 ms on a million-item store (500 cost 7–10 ms, past
/// the 5 ms keystroke target).
pub const PAGE: usize = 200;

impl<'a> Ui<'a> {
    pub fn new(app: &'a App, login: &str, keys: KeyMap, theme: Theme, ascii: bool) -> R<Ui<'a>> {
        let sess = app.session(login)?;
        let mut ui = Ui {
            app,
            login: sess.login().to_string(),
            sess,
            inspect: None,
            keys,
            theme,
            ascii,
            focus: Focus::Tree,
            workspaces: Vec::new(),
            ws_sel: 0,
            spaces: Vec::new(),
            space_sel: 0,
            tree: TreeState::new(vec![]),
            tab: Tab::Info,
            detail_scroll: 0,
            detail_key: None,
            detail_lines: Vec::new(),
            dialog: None,
            help: false,
            help_scroll: 0,
            message: None,
            unchanged: None,
            quit: false,
            areas: Areas::default(),
            clipboard: Vec::new(),
            generation: 0,
            who: None,
            whatif: WhatIfState::default(),
        };
        ui.load_workspaces()?;
        // A newcomer starts where most of the work is.
        if let Some(i) = ui
            .workspaces
            .iter()
            .position(|w| w.name == "Default Workspace")
        {
            if i != ui.ws_sel {
                ui.ws_sel = i;
                ui.load_spaces()?;
            }
        }
        Ok(ui)
    }

    // ---- the viewer: the acting user, or the inspected one ----

    /// The session whose eyes the tree shows.
    pub fn viewer(&self) -> &Session<'a> {
        self.inspect.as_ref().map(|i| &i.sess).unwrap_or(&self.sess)
    }

    /// Seen by the acting user: inspection never reveals more (R12, R14).
    pub(super) fn actor_sees(&self, r: &Resolved) -> bool {
        self.sess
            .decide(Action::View, r)
            .map(|d| d.seen != Seen::Hidden)
            .unwrap_or(false)
    }

    pub fn set_message(&mut self, m: impl Into<String>) {
        self.message = Some((m.into(), false));
    }
    pub fn set_error(&mut self, m: impl Into<String>) {
        self.message = Some((m.into(), true));
    }

    // ---- loading ----

    pub fn load_workspaces(&mut self) -> R<()> {
        let cur = self.workspaces.get(self.ws_sel).map(|w| w.id);
        let mut list = Vec::new();
        for w in self.sess.workspaces()? {
            if self.inspect.is_none() || self.viewer().ws_seen(&w)? {
                list.push(w);
            }
        }
        self.workspaces = list;
        self.ws_sel = cur
            .and_then(|id| self.workspaces.iter().position(|w| w.id == id))
            .unwrap_or(0);
        self.load_spaces()
    }

    pub fn current_ws(&self) -> Option<&Workspace> {
        self.workspaces.get(self.ws_sel)
    }

    pub fn load_spaces(&mut self) -> R<()> {
        let cur = self.spaces.get(self.space_sel).map(|s| s.label());
        self.spaces.clear();
        if let Some(ws) = self.current_ws().cloned() {
            let mut shared = Vec::new();
            let viewer_login = self.viewer().login().to_string();
            for (s, _) in self.viewer().visible_spaces(&ws)? {
                let root = self.sess.space_root(&s)?;
                if !self.actor_sees(&root) {
                    continue;
                }
                match &s.kind {
                    SpaceKind::Team => self.spaces.push(SpaceChoice::Team(s)),
                    SpaceKind::My(o) if *o == viewer_login => {
                        self.spaces.push(SpaceChoice::Mine(s))
                    }
                    SpaceKind::My(_) => shared.push(s),
                }
            }
            // "Shared with me" is listed even when empty, so it is never silently missing.
            if !self.viewer().actor.is_tenant_user() {
                self.spaces.push(SpaceChoice::Shared(shared));
            }
        }
        let cur_label = cur.map(|l| l.split(" (").next().unwrap_or("").to_string());
        self.space_sel = cur_label
            .and_then(|l| self.spaces.iter().position(|s| s.label().starts_with(&l)))
            .unwrap_or(0);
        self.load_tree()
    }

    fn node_data(&self, it: &Item, r: &Resolved) -> R<Option<NodeData>> {
        let d = self.viewer().decide(Action::View, r)?;
        if d.seen == Seen::Hidden || (self.inspect.is_some() && !self.actor_sees(r)) {
            return Ok(None);
        }
        Ok(Some(NodeData {
            kind: if it.kind == ItemKind::Folder {
                NodeKind::Folder
            } else {
                NodeKind::App
            },
            name: it.name.clone(),
            id: Some(it.id),
            path: r.path.clone(),
            level: d.level_word(),
            path_only: d.seen == Seen::PathOnly,
        }))
    }

    /// The children of a node as the viewer sees them, filtered by what the actor sees.
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
        let v = self.viewer();
        let r = match &node.kind {
            NodeKind::Space(s) => v.space_root(s)?,
            NodeKind::Folder => v.resolve_id(node.id.unwrap_or_default())?,
            NodeKind::App => {
                let r = v.resolve_id(node.id.unwrap_or_default())?;
                if !v.decide(Action::View, &r)?.allowed {
                    return Ok((Vec::new(), None));
                }
                let Some(app) = r.item() else {
                    return Ok((Vec::new(), None));
                };
                let mut assets = v.assets_of(app)?;
                assets.sort_by_key(|a| (a.kind, names::sort_key(&a.name)));
                let kids = assets
                    .into_iter()
                    .map(|a| NodeData {
                        kind: NodeKind::Asset(a.kind),
                        path: format!("{}:{}/{}", r.path, a.kind, a.name),
                        name: a.name,
                        id: node.id,
                        level: String::new(),
                        path_only: false,
                    })
                    .collect();
                return Ok((kids, None));
            }
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

    /// Loads a node's first page of children into the tree.
    fn load_into(&mut self, i: usize) -> R<()> {
        let data = self.tree.nodes[i].data.clone();
        let (kids, cursor) = self.load_page_of(&data, None)?;
        self.tree.set_children(i, kids);
        self.tree.set_more(i, cursor);
        Ok(())
    }

    /// Loads the next page of a node whose listing goes on.
    fn load_more(&mut self, parent: usize) -> R<()> {
        let Some(cursor) = self.tree.more.get(&parent).cloned() else {
            return Ok(());
        };
        let data = self.tree.nodes[parent].data.clone();
        let (kids, next) = self.load_page_of(&data, Some(cursor))?;
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

    /// Loads every remaining page of a node.
    fn load_all(&mut self, parent: usize) -> R<()> {
        while self.tree.more.contains_key(&parent) {
            self.load_more(parent)?;
        }
        Ok(())
    }

    /// Pages in what scrolled into view.
    pub(super) fn fill_viewport(&mut self) {
        for _ in 0..4 {
            let mores = self.tree.more_in(self.tree.offset, self.tree.height + 1);
            if mores.is_empty() {
                return;
            }
            for m in mores {
                if let Some(p) = self.tree.nodes[m].parent {
                    if let Err(e) = self.load_more(p) {
                        self.set_error(e.to_string());
                        return;
                    }
                }
            }
        }
    }

    fn space_node(&self, s: &SpaceRef) -> R<NodeData> {
        let path = self.sess.space_path(s)?;
        let name = match s.my_owner() {
            None => "Team Space".to_string(),
            Some(o) if o == self.viewer().login() => "My Creations".to_string(),
            Some(o) => format!("{o}'s My Creations"),
        };
        let level = self
            .viewer()
            .decide(Action::View, &self.sess.space_root(s)?)?
            .level_word();
        Ok(NodeData {
            kind: NodeKind::Space(s.clone()),
            name,
            id: None,
            path,
            level: if level == "none" {
                String::new()
            } else {
                level
            },
            path_only: false,
        })
    }

    /// Rebuilds the tree of the selected space, keeping expanded folders and the selection.
    pub fn load_tree(&mut self) -> R<()> {
        let expanded: HashSet<String> = self
            .tree
            .nodes
            .iter()
            .filter(|n| n.expanded)
            .map(|n| node_key(&n.data))
            .collect();
        let mut expanded = expanded;
        let sel = self.tree.selected_node().map(|n| node_key(&n.data));
        // The space root is a row of its own (creating at the root starts there), open.
        let roots = match self.spaces.get(self.space_sel).cloned() {
            None => Vec::new(),
            Some(SpaceChoice::Team(s)) | Some(SpaceChoice::Mine(s)) => {
                let root_node = self.space_node(&s)?;
                expanded.insert(node_key(&root_node));
                vec![root_node]
            }
            Some(SpaceChoice::Shared(v)) => v
                .iter()
                .map(|s| self.space_node(s))
                .collect::<R<Vec<_>>>()?,
        };
        let height = self.tree.height;
        self.tree = TreeState::new(roots);
        self.tree.height = height;
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

    /// After a change: a fresh session (current reach), then everything reloaded.
    pub fn refresh(&mut self) {
        match self.app.session(&self.login) {
            Ok(s) => self.sess = s,
            Err(e) => {
                self.set_error(e.to_string());
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
                Err(e) => self.set_error(e.to_string()),
            }
        }
        if let Err(e) = self.load_workspaces() {
            self.set_error(e.to_string());
        }
        self.generation += 1;
    }

    fn expand_selected(&mut self) -> bool {
        let Some(i) = self.tree.selected() else {
            return false;
        };
        if !self.tree.nodes[i].expandable() {
            return false;
        }
        if !self.tree.is_loaded(i) {
            if let Err(e) = self.load_into(i) {
                self.set_error(e.to_string());
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

    // ---- the selection ----

    /// The item behind the selected row (an asset's app), resolved for the actor.
    pub fn selected_item(&self) -> Option<(Item, Resolved)> {
        let n = self.tree.selected_node()?;
        let id = n.data.id?;
        let r = self.sess.resolve_id(id).ok()?;
        let it = r.item()?.clone();
        Some((it, r))
    }

    /// Where "new folder" creates: the selected folder, else the selected item's
    /// parent, else the space root.
    pub(super) fn create_place(&self) -> Option<Resolved> {
        if let Some(n) = self.tree.selected_node() {
            match (&n.data.kind, n.data.id) {
                (NodeKind::Folder, Some(id)) => return self.sess.resolve_id(id).ok(),
                (NodeKind::Space(s), _) => return self.sess.space_root(s).ok(),
                _ => {
                    if let Some((it, r)) = self.selected_item() {
                        return self.sess.parent_of(&it, &r).ok();
                    }
                }
            }
        }
        match self.spaces.get(self.space_sel)? {
            SpaceChoice::Team(s) | SpaceChoice::Mine(s) => self.sess.space_root(s).ok(),
            SpaceChoice::Shared(_) => None,
        }
    }

    // ---- input ----

    pub fn handle(&mut self, input: Input) {
        self.handle_input(input);
        self.sync_whatif();
    }

    fn handle_input(&mut self, input: Input) {
        match input {
            Input::Key(k) => self.handle_key_inner(k),
            Input::Mouse { kind, col, row } => self.handle_mouse(kind, col, row),
            Input::Resize(_, _) => {}
            Input::Paste(s) => {
                if let Some(d) = &mut self.dialog {
                    d.paste(&s);
                }
            }
        }
    }

    pub fn handle_key(&mut self, k: Key) {
        self.handle_key_inner(k);
        self.sync_whatif();
    }

    fn handle_key_inner(&mut self, k: Key) {
        if self.who.is_some() {
            if k == Key::ctrl('c') {
                self.quit = true;
            } else {
                self.who_key(k.code);
            }
            return;
        }
        if self.help {
            // The overlay scrolls; any other key closes it.
            match k.code {
                KeyCode::Down | KeyCode::Char('j') => {
                    self.help_scroll = self.help_scroll.saturating_add(1)
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    self.help_scroll = self.help_scroll.saturating_sub(1)
                }
                KeyCode::PageDown => self.help_scroll = self.help_scroll.saturating_add(10),
                KeyCode::PageUp => self.help_scroll = self.help_scroll.saturating_sub(10),
                _ => {
                    self.help = false;
                    self.help_scroll = 0;
                }
            }
            return;
        }
        if let Some(mut d) = self.dialog.take() {
            if k == Key::ctrl('c') {
                if d.purpose == Purpose::Quit {
                    self.quit = true;
                } else if d.has_unsaved_input() {
                    self.dialog = Some(Dialog::confirm(
                        "Quit?",
                        vec![
                            "A dialog holds input that is not saved.".into(),
                            "Quit anyway? (y/n)".into(),
                        ],
                        Purpose::Quit,
                    ));
                } else {
                    self.quit = true;
                }
                return;
            }
            match d.handle(k) {
                DOutcome::Stay => self.dialog = Some(d),
                DOutcome::Cancel => {}
                DOutcome::Submit => self.submit(d),
            }
            return;
        }
        // A message lasts until the next key.
        self.message = None;
        let Some(cmd) = self.keys.lookup(self.focus.scope(), k) else {
            if k.code != KeyCode::Esc {
                self.set_message(format!("{k}: no command here (? shows the keys)"));
            }
            return;
        };
        self.run(cmd);
    }

    fn handle_mouse(&mut self, kind: MouseKind, col: u16, row: u16) {
        let hit = |r: Rect| col >= r.x && col < r.x + r.width && row >= r.y && row < r.y + r.height;
        if let Some(v) = self.who.as_mut() {
            match kind {
                MouseKind::ScrollUp => v.scroll_by(-3),
                MouseKind::ScrollDown => v.scroll_by(3),
                MouseKind::Click => {}
            }
            return;
        }
        if self.dialog.is_some() || self.help {
            return;
        }
        let a = self.areas;
        match kind {
            MouseKind::ScrollUp | MouseKind::ScrollDown => {
                let d = if kind == MouseKind::ScrollUp { -3 } else { 3 };
                if hit(a.tree) {
                    self.tree.scroll(d);
                } else if hit(a.detail) {
                    self.detail_scroll = (self.detail_scroll as isize + d).max(0) as u16;
                }
            }
            MouseKind::Click => {
                let inner_row = |r: Rect| (row as isize - r.y as isize - 1).max(0) as usize;
                if hit(a.tabs) {
                    let mut x = a.tabs.x;
                    let short = Tab::short_titles(a.tabs.width);
                    for t in Tab::ALL {
                        let w = t.title(short).len() as u16 + 3;
                        if col >= x && col < x + w {
                            self.tab = t;
                            self.detail_scroll = 0;
                        }
                        x += w;
                    }
                    self.focus = Focus::Detail;
                } else if hit(a.workspaces) {
                    self.focus = Focus::Workspaces;
                    let h = a.workspaces.height.saturating_sub(2) as usize;
                    let i = inner_row(a.workspaces)
                        + super::render::list_offset(self.ws_sel, self.workspaces.len(), h);
                    if i < self.workspaces.len() && i != self.ws_sel {
                        self.ws_sel = i;
                        self.space_sel = 0;
                        self.after(|u| u.load_spaces());
                    }
                } else if hit(a.spaces) {
                    self.focus = Focus::Spaces;
                    let h = a.spaces.height.saturating_sub(2) as usize;
                    let i = inner_row(a.spaces)
                        + super::render::list_offset(self.space_sel, self.spaces.len(), h);
                    if i < self.spaces.len() && i != self.space_sel {
                        self.space_sel = i;
                        self.after(|u| u.load_tree());
                    }
                } else if hit(a.tree) {
                    self.focus = Focus::Tree;
                    let r = self.tree.offset + inner_row(a.tree);
                    if r < self.tree.rows.len() {
                        if r == self.tree.sel {
                            self.run(Cmd::Toggle);
                        } else {
                            self.tree.sel = r;
                        }
                    }
                } else if hit(a.detail) {
                    self.focus = Focus::Detail;
                }
            }
        }
    }

    pub(super) fn after(&mut self, f: impl FnOnce(&mut Self) -> R<()>) {
        if let Err(e) = f(self) {
            self.set_error(e.to_string());
        }
    }

    /// Runs a named command (keys and tests come through here).
    pub fn run(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Quit => {
                self.quit = true;
            }
            Cmd::Help => self.help = true,
            Cmd::FocusNext | Cmd::FocusPrev => {
                let i = Focus::ORDER
                    .iter()
                    .position(|f| *f == self.focus)
                    .unwrap_or(0);
                let n = Focus::ORDER.len();
                let j = if cmd == Cmd::FocusNext {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.focus = Focus::ORDER[j];
            }
            Cmd::EndInspect => {
                if self.inspect.take().is_some() {
                    self.set_message("inspection ended: you see the tree as yourself again");
                    self.refresh();
                }
            }
            Cmd::Refresh => {
                self.refresh();
                self.set_message("reloaded");
            }
            Cmd::NextTab | Cmd::PrevTab => {
                let i = Tab::ALL.iter().position(|t| *t == self.tab).unwrap_or(0);
                let j = if cmd == Cmd::NextTab {
                    (i + 1) % 4
                } else {
                    (i + 3) % 4
                };
                self.tab = Tab::ALL[j];
                self.detail_scroll = 0;
            }
            Cmd::Up | Cmd::Down | Cmd::PageUp | Cmd::PageDown | Cmd::Top | Cmd::Bottom => {
                self.navigate(cmd)
            }
            Cmd::Select => match self.focus {
                Focus::Workspaces | Focus::Spaces => {
                    self.focus = if self.focus == Focus::Workspaces {
                        Focus::Spaces
                    } else {
                        Focus::Tree
                    }
                }
                _ => {}
            },
            Cmd::Expand => {
                let Some(i) = self.tree.selected() else {
                    return;
                };
                if self.tree.nodes[i].expanded {
                    self.tree.move_by(1);
                } else if !self.expand_selected() && !self.tree.nodes[i].expandable() {
                    self.focus = Focus::Detail;
                }
            }
            Cmd::Collapse => {
                let Some(i) = self.tree.selected() else {
                    return;
                };
                if self.tree.nodes[i].expanded {
                    self.tree.collapse(i);
                } else if let Some(p) = self.tree.nodes[i].parent {
                    self.tree.select_node(p);
                }
            }
            Cmd::Toggle => {
                let Some(i) = self.tree.selected() else {
                    return;
                };
                if self.tree.nodes[i].data.kind == NodeKind::More {
                    if let Some(p) = self.tree.nodes[i].parent {
                        self.after(|u| u.load_more(p));
                    }
                } else if self.tree.nodes[i].expanded {
                    self.tree.collapse(i);
                } else {
                    self.expand_selected();
                }
            }
            Cmd::CopyPath => {
                if let Some(p) = self.tree.selected_path().map(str::to_string) {
                    self.clipboard.push(osc52(&p));
                    self.set_message(format!("copied {} to the clipboard (OSC 52)", escape(&p)));
                }
            }
            _ => self.action(cmd),
        }
    }

    fn navigate(&mut self, cmd: Cmd) {
        match self.focus {
            Focus::Workspaces => {
                let new = list_nav(self.ws_sel, self.workspaces.len(), cmd);
                if new != self.ws_sel {
                    self.ws_sel = new;
                    self.space_sel = 0;
                    self.after(|u| u.load_spaces());
                }
            }
            Focus::Spaces => {
                let new = list_nav(self.space_sel, self.spaces.len(), cmd);
                if new != self.space_sel {
                    self.space_sel = new;
                    self.after(|u| u.load_tree());
                }
            }
            Focus::Tree => {
                self.tree.handle(cmd);
                // The real end: a listing that goes on is loaded to its end.
                if cmd == Cmd::Bottom {
                    loop {
                        let more = self
                            .tree
                            .selected()
                            .filter(|&i| self.tree.nodes[i].data.kind == NodeKind::More)
                            .and_then(|i| self.tree.nodes[i].parent);
                        match more {
                            Some(p) if self.load_all(p).is_ok() => self.tree.to_bottom(),
                            _ => break,
                        }
                    }
                }
            }
            Focus::Detail => {
                self.detail_scroll = scroll_nav(self.detail_scroll, self.detail_lines.len(), cmd)
            }
        }
    }
}

/// The workspaces and spaces lists: the selection after a navigation command.
pub fn list_nav(sel: usize, len: usize, cmd: Cmd) -> usize {
    if len == 0 {
        return 0;
    }
    match cmd {
        Cmd::Up => sel.saturating_sub(1),
        Cmd::Down => (sel + 1).min(len - 1),
        Cmd::Top | Cmd::PageUp => 0,
        Cmd::Bottom | Cmd::PageDown => len - 1,
        _ => sel,
    }
}

/// The detail pane: the scroll offset after a navigation command.
pub fn scroll_nav(scroll: u16, lines: usize, cmd: Cmd) -> u16 {
    let s = scroll as isize;
    let n = match cmd {
        Cmd::Up => s - 1,
        Cmd::Down => s + 1,
        Cmd::PageUp => s - 10,
        Cmd::PageDown => s + 10,
        Cmd::Top => 0,
        Cmd::Bottom => lines as isize,
        _ => s,
    };
    n.clamp(0, lines as isize) as u16
}

/// A stable key for a node across reloads.
pub fn node_key(d: &NodeData) -> String {
    match &d.kind {
        NodeKind::Space(s) => format!("s{}:{:?}", s.ws, s.kind),
        NodeKind::Asset(k) => format!("a{}:{k}:{}", d.id.unwrap_or_default(), d.name),
        NodeKind::More => format!("m{}", d.path),
        _ => format!("i{}", d.id.unwrap_or_default()),
    }
}

/// A timestamp as `YYYY-MM-DD HH:MM` UTC.
pub fn when(t: Timestamp) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&fmt).ok())
        .unwrap_or_else(|| t.to_string())
}

/// The OSC 52 sequence that puts text on the clipboard (works through SSH).
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}
