//! The UI state and what commands do. Nothing here draws ([`super::render`]
//! does) and nothing here decides who may do what: every enabled or disabled
//! action comes from `Session::decide`, `check_move` or an app-layer allowance.

use std::collections::HashSet;

use ratatui::layout::Rect;

use crate::app::{Allowance, App, Loc, Resolved, Session};
use crate::domain::rules::{explain_lines, Seen};
use crate::domain::text::escape;
use crate::domain::*;

use super::dialog::{Body, Dialog, Outcome as DOutcome, PickItem, Place, Purpose};
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
        Tab::ALL.iter().map(|t| t.title(false).len() as u16 + 3).sum::<u16>() > width
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

fn dl(tone: Tone, text: impl Into<String>) -> DLine {
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
    pub quit: bool,
    pub areas: Areas,
    /// OSC 52 sequences to write after the next frame.
    pub clipboard: Vec<String>,
    /// Bumped on every change so cached details are recomputed.
    pub generation: u64,
}

type R<T> = crate::domain::Result<T>;

/// Children loaded at a time: a folder of 100,000 opens at once and pages in as it scrolls.
pub const PAGE: usize = 500;

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
            quit: false,
            areas: Areas::default(),
            clipboard: Vec::new(),
            generation: 0,
        };
        ui.load_workspaces()?;
        // A newcomer starts where most of the work is.
        if let Some(i) = ui.workspaces.iter().position(|w| w.name == "Default Workspace") {
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
    fn actor_sees(&self, r: &Resolved) -> bool {
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
                    SpaceKind::My(o) if *o == viewer_login => self.spaces.push(SpaceChoice::Mine(s)),
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
    pub fn load_page_of(&self, node: &NodeData, after: Option<Vec<u8>>) -> R<(Vec<NodeData>, Option<Vec<u8>>)> {
        let v = self.viewer();
        let r = match &node.kind {
            NodeKind::Space(s) => v.space_root(s)?,
            NodeKind::Folder => v.resolve_id(node.id.unwrap_or_default())?,
            NodeKind::App => {
                let r = v.resolve_id(node.id.unwrap_or_default())?;
                if !v.decide(Action::View, &r)?.allowed {
                    return Ok((Vec::new(), None));
                }
                let mut assets = self.sess.store().assets(node.id.unwrap_or_default())?;
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

    /// Loads every remaining page of a node.
    fn load_all(&mut self, parent: usize) -> R<()> {
        while self.tree.more.contains_key(&parent) {
            self.load_more(parent)?;
        }
        Ok(())
    }

    /// Pages in what scrolled into view.
    fn fill_viewport(&mut self) {
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
            level: if level == "none" { String::new() } else { level },
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
            Some(SpaceChoice::Shared(v)) => v.iter().map(|s| self.space_node(s)).collect::<R<Vec<_>>>()?,
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
        let mut parent: Option<usize> = None;
        for (n, aid) in ids.iter().enumerate() {
            let mut found = self.tree.find_id(*aid);
            if found.is_none() {
                // Beyond the loaded pages of its folder: load the rest.
                if let Some(p) = parent {
                    let _ = self.load_all(p);
                    found = self.tree.find_id(*aid);
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
    fn create_place(&self) -> Option<(Place, Resolved)> {
        if let Some(n) = self.tree.selected_node() {
            match (&n.data.kind, n.data.id) {
                (NodeKind::Folder, Some(id)) => {
                    let r = self.sess.resolve_id(id).ok()?;
                    return Some((Place::Item(id), r));
                }
                (NodeKind::Space(s), _) => return Some((Place::Root(s.clone()), self.sess.space_root(s).ok()?)),
                _ => {
                    if let Some((it, r)) = self.selected_item() {
                        let p = self.sess.parent_of(&it, &r).ok()?;
                        return Some(match &p.loc {
                            Loc::Root(s) => (Place::Root(s.clone()), p.clone()),
                            Loc::Item(pi) => (Place::Item(pi.id), p.clone()),
                        });
                    }
                }
            }
        }
        match self.spaces.get(self.space_sel)? {
            SpaceChoice::Team(s) | SpaceChoice::Mine(s) => {
                Some((Place::Root(s.clone()), self.sess.space_root(s).ok()?))
            }
            SpaceChoice::Shared(_) => None,
        }
    }

    // ---- input ----

    pub fn handle(&mut self, input: Input) {
        match input {
            Input::Key(k) => self.handle_key(k),
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
        if self.help {
            // The overlay scrolls; any other key closes it.
            match k.code {
                KeyCode::Down | KeyCode::Char('j') => self.help_scroll = self.help_scroll.saturating_add(1),
                KeyCode::Up | KeyCode::Char('k') => self.help_scroll = self.help_scroll.saturating_sub(1),
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
                    let i = inner_row(a.workspaces);
                    if i < self.workspaces.len() && i != self.ws_sel {
                        self.ws_sel = i;
                        self.space_sel = 0;
                        self.after(|u| u.load_spaces());
                    }
                } else if hit(a.spaces) {
                    self.focus = Focus::Spaces;
                    let i = inner_row(a.spaces);
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

    fn after(&mut self, f: impl FnOnce(&mut Self) -> R<()>) {
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
                let i = Focus::ORDER.iter().position(|f| *f == self.focus).unwrap_or(0);
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
                let j = if cmd == Cmd::NextTab { (i + 1) % 4 } else { (i + 3) % 4 };
                self.tab = Tab::ALL[j];
                self.detail_scroll = 0;
            }
            Cmd::Up | Cmd::Down | Cmd::PageUp | Cmd::PageDown | Cmd::Top | Cmd::Bottom => self.navigate(cmd),
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
            Focus::Workspaces | Focus::Spaces => {
                let (sel, len) = if self.focus == Focus::Workspaces {
                    (self.ws_sel, self.workspaces.len())
                } else {
                    (self.space_sel, self.spaces.len())
                };
                if len == 0 {
                    return;
                }
                let new = match cmd {
                    Cmd::Up => sel.saturating_sub(1),
                    Cmd::Down => (sel + 1).min(len - 1),
                    Cmd::Top | Cmd::PageUp => 0,
                    _ => len - 1,
                };
                if new != sel {
                    if self.focus == Focus::Workspaces {
                        self.ws_sel = new;
                        self.space_sel = 0;
                        self.after(|u| u.load_spaces());
                    } else {
                        self.space_sel = new;
                        self.after(|u| u.load_tree());
                    }
                }
            }
            Focus::Tree => {
                let page = self.tree.height.max(2) as isize - 1;
                match cmd {
                    Cmd::Up => self.tree.move_by(-1),
                    Cmd::Down => self.tree.move_by(1),
                    Cmd::PageUp => self.tree.move_by(-page),
                    Cmd::PageDown => self.tree.move_by(page),
                    Cmd::Top => self.tree.to_top(),
                    _ => loop {
                        // The real end: a listing that goes on is loaded to its end.
                        self.tree.to_bottom();
                        let more = self
                            .tree
                            .selected()
                            .filter(|&i| self.tree.nodes[i].data.kind == NodeKind::More)
                            .and_then(|i| self.tree.nodes[i].parent);
                        match more {
                            Some(p) if self.load_all(p).is_ok() => {}
                            _ => break,
                        }
                    },
                }
            }
            Focus::Detail => {
                let s = self.detail_scroll as isize;
                let n = match cmd {
                    Cmd::Up => s - 1,
                    Cmd::Down => s + 1,
                    Cmd::PageUp => s - 10,
                    Cmd::PageDown => s + 10,
                    Cmd::Top => 0,
                    _ => self.detail_lines.len() as isize,
                };
                self.detail_scroll = n.clamp(0, self.detail_lines.len() as isize) as u16;
            }
        }
    }

    // ---- actions ----

    /// A refusal shown instead of a dialog: the rule's reason, never a silent no-op.
    fn refuse(&mut self, what: &str, reason: &str) {
        self.set_error(format!("{what}: not allowed: {reason}"));
    }

    fn need_item(&mut self, what: &str) -> Option<(Item, Resolved)> {
        let r = self.selected_item();
        if r.is_none() {
            self.set_error(format!("{what}: select a folder or an app first"));
        }
        r
    }

    fn allowed(&mut self, what: &str, action: Action, r: &Resolved) -> bool {
        match self.sess.decide(action, r) {
            Ok(d) if d.allowed => true,
            Ok(d) => {
                self.refuse(what, &d.reason);
                false
            }
            Err(e) => {
                self.set_error(e.to_string());
                false
            }
        }
    }

    fn allowance(&mut self, what: &str, a: Allowance) -> bool {
        if !a.allowed {
            self.refuse(what, &a.reason);
        }
        a.allowed
    }

    fn action(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::NewFolder | Cmd::NewApp => {
                let kind = if cmd == Cmd::NewFolder {
                    ItemKind::Folder
                } else {
                    ItemKind::App
                };
                let what = format!("new {kind}");
                let Some((place, r)) = self.create_place() else {
                    return self.set_error(format!("{what}: choose Team Space or My Creations first"));
                };
                if !self.allowed(&what, Action::Create, &r) {
                    return;
                }
                self.dialog = Some(Dialog::input(
                    format!("New {kind}"),
                    vec![format!("In {}", escape(&r.path)), "Name:".into()],
                    "",
                    Purpose::NewItem { parent: place, kind },
                ));
            }
            Cmd::NewAsset => {
                let Some((it, r)) = self.need_item("new asset") else {
                    return;
                };
                if it.kind != ItemKind::App {
                    return self.set_error("new asset: dashboards, charts and datasets live in apps: select an app");
                }
                if !self.allowed("new asset", Action::Edit, &r) {
                    return;
                }
                let items = AssetKind::ALL
                    .iter()
                    .map(|k| PickItem::new(k.as_str(), "", k.as_str()))
                    .collect();
                self.dialog = Some(Dialog::pick(
                    "New asset",
                    vec![format!("In {}", escape(&r.path))],
                    items,
                    Purpose::NewAssetKind { app: it.id },
                ));
            }
            Cmd::Rename => {
                let Some((it, r)) = self.need_item("rename") else {
                    return;
                };
                if !self.allowed("rename", Action::Rename, &r) {
                    return;
                }
                self.dialog = Some(Dialog::input(
                    format!("Rename {}", it.kind),
                    vec![escape(&r.path), "New name:".into()],
                    &it.name,
                    Purpose::Rename { id: it.id },
                ));
            }
            Cmd::Describe => {
                let Some((it, r)) = self.need_item("describe") else {
                    return;
                };
                if !self.allowed("edit description", Action::Edit, &r) {
                    return;
                }
                self.dialog = Some(Dialog::input(
                    "Description",
                    vec![escape(&r.path)],
                    &it.description,
                    Purpose::Describe { id: it.id },
                ));
            }
            Cmd::Move => {
                let Some((it, r)) = self.need_item("move") else {
                    return;
                };
                let dests = match self.sess.move_destinations(&it, &r) {
                    Ok(d) => d,
                    Err(e) => return self.set_error(e.to_string()),
                };
                if dests.is_empty() {
                    let why = match self.sess.decide(Action::Move, &r) {
                        Ok(d) if !d.allowed => d.reason,
                        _ => "no folder accepts this item from you (R18, R23, R24, R25)".into(),
                    };
                    return self.refuse("move", &why);
                }
                let items = dests
                    .iter()
                    .map(|d| PickItem::new(escape(&d.path), dest_note(&it, d), d.path.clone()))
                    .collect();
                let mut dlg = Dialog::pick(
                    format!("Move {}", escape(&it.name)),
                    vec![
                        format!("From {}", escape(&r.path)),
                        "Only destinations where the move is allowed are listed.".into(),
                    ],
                    items,
                    Purpose::MoveDest { id: it.id },
                );
                if let Body::Pick(p) = &mut dlg.body {
                    p.match_detail = true;
                }
                self.dialog = Some(dlg);
            }
            Cmd::CopyTo | Cmd::CopyBeside => {
                let Some((it, r)) = self.need_item("copy") else {
                    return;
                };
                if !self.allowed("copy", Action::Copy, &r) {
                    return;
                }
                if cmd == Cmd::CopyBeside {
                    let parent = match self.sess.parent_of(&it, &r) {
                        Ok(p) => p,
                        Err(e) => return self.set_error(e.to_string()),
                    };
                    if !self.allowed("create a copy", Action::Create, &parent) {
                        return;
                    }
                    let res = self
                        .sess
                        .store()
                        .begin()
                        .and_then(|tx| self.sess.cp_resolved(tx, &it, &r, None));
                    return self.done(res.map(|c| (format!("copied to {}", escape(&c.name)), Some(c.id))));
                }
                let dests = match self.sess.copy_destinations(&it) {
                    Ok(d) => d,
                    Err(e) => return self.set_error(e.to_string()),
                };
                if dests.is_empty() {
                    return self.refuse(
                        "copy to",
                        "no folder where you may create is free of that name (R1, R20)",
                    );
                }
                let items = dests
                    .iter()
                    .map(|d| PickItem::new(escape(&d.path), "", d.path.clone()))
                    .collect();
                self.dialog = Some(Dialog::pick(
                    format!("Copy {} to", escape(&it.name)),
                    vec!["Folders where you may create:".into()],
                    items,
                    Purpose::CopyDest { id: it.id },
                ));
            }
            Cmd::Delete => {
                let Some((it, r)) = self.need_item("delete") else {
                    return;
                };
                if !self.allowed("delete", Action::Delete, &r) {
                    return;
                }
                match self.sess.delete_blocker(&r) {
                    Ok(Some(e)) => return self.set_error(format!("delete refused: {e}")),
                    Err(e) => return self.set_error(e.to_string()),
                    Ok(None) => {}
                }
                let extra = if it.kind == ItemKind::App {
                    " with its dashboards, charts, datasets and grants"
                } else {
                    ""
                };
                self.dialog = Some(Dialog::confirm(
                    format!("Delete {}", it.kind),
                    vec![
                        format!("Delete {}{extra}?", escape(&r.path)),
                        "y: delete   n / Esc: keep".into(),
                    ],
                    Purpose::Delete { id: it.id },
                ));
            }
            Cmd::Share => {
                let Some((it, r)) = self.need_item("share") else {
                    return;
                };
                if !self.allowed("share", Action::Share, &r) {
                    return;
                }
                let items = match self.subject_items(it.space.is_team()) {
                    Ok(i) => i,
                    Err(e) => return self.set_error(e.to_string()),
                };
                self.dialog = Some(Dialog::pick(
                    format!("Share {}", escape(&it.name)),
                    vec!["With whom? Type to filter users, groups, org units and tenants.".into()],
                    items,
                    Purpose::ShareSubject { id: it.id },
                ));
            }
            Cmd::Unshare => {
                let Some((it, r)) = self.need_item("unshare") else {
                    return;
                };
                if !self.allowed("unshare", Action::Share, &r) {
                    return;
                }
                let grants = self.sess.store().grants_on(it.id).unwrap_or_default();
                if grants.is_empty() {
                    return self.set_error(format!("unshare: {} holds no grants of its own", escape(&r.path)));
                }
                let items = grants
                    .iter()
                    .map(|g| {
                        PickItem::new(
                            format!("{} {}", g.subject, g.level),
                            escape(&g.note),
                            String::from(g.subject.clone()),
                        )
                    })
                    .collect();
                self.dialog = Some(Dialog::pick(
                    format!("Unshare {}", escape(&it.name)),
                    vec!["Remove which grant?".into()],
                    items,
                    Purpose::Unshare { id: it.id },
                ));
            }
            Cmd::Leave => {
                let Some((it, r)) = self.need_item("leave") else {
                    return;
                };
                match self.sess.may_leave(&r) {
                    Ok(a) if !self.allowance("leave", a.clone()) => return,
                    Err(e) => return self.set_error(e.to_string()),
                    _ => {}
                }
                self.dialog = Some(Dialog::confirm(
                    "Leave collaboration",
                    vec![
                        format!("Leave your collaboration on {}?", escape(&r.path)),
                        "y / n".into(),
                    ],
                    Purpose::Leave { id: it.id },
                ));
            }
            Cmd::Inspect => {
                let users = match self.sess.users() {
                    Ok(u) => u,
                    Err(e) => return self.set_error(e.to_string()),
                };
                let items = users
                    .iter()
                    .map(|u| {
                        let t = u
                            .tenant
                            .as_ref()
                            .map(|t| format!("tenant {}", escape(t)))
                            .unwrap_or_default();
                        PickItem::new(escape(&u.login), format!("{} {t}", escape(&u.name)), u.login.clone())
                    })
                    .collect();
                self.dialog = Some(Dialog::pick(
                    "Inspect as",
                    vec!["See the tree as this user sees it (never more than you see).".into()],
                    items,
                    Purpose::Inspect,
                ));
            }
            Cmd::Search => {
                let items = self.search_items();
                let mut d = Dialog::pick(
                    "Search",
                    vec!["Type to filter by name; Enter jumps to the match.".into()],
                    items,
                    Purpose::Search,
                );
                if let Body::Pick(p) = &mut d.body {
                    p.match_detail = false;
                }
                self.dialog = Some(d);
            }
            Cmd::Resources => {
                let Some(ws) = self.current_ws().cloned() else {
                    return;
                };
                let a = self.sess.may_edit_resources(&ws);
                if !self.allowance("edit resources", a) {
                    return;
                }
                let items = ws
                    .resources
                    .iter()
                    .map(|(k, e)| PickItem::new(k.as_str(), escape(e), k.as_str()))
                    .collect();
                self.dialog = Some(Dialog::pick(
                    format!("Resources of {}", escape(&ws.name)),
                    vec!["Which endpoint to change?".into()],
                    items,
                    Purpose::ResourceKind { ws: ws.name.clone() },
                ));
            }
            Cmd::Restrict => {
                let Some((it, r)) = self.need_item("restrict") else {
                    return;
                };
                let a = self.sess.may_restrict(&it);
                if !self.allowance("restrict resources", a) {
                    return;
                }
                let items = ResourceKind::ALL
                    .iter()
                    .map(|k| {
                        let (label, v) = if it.restricted.contains(k) {
                            (format!("allow {k}"), format!("allow:{k}"))
                        } else {
                            (format!("restrict {k}"), format!("restrict:{k}"))
                        };
                        PickItem::new(label, "", v)
                    })
                    .collect();
                self.dialog = Some(Dialog::pick(
                    "Resources of the app",
                    vec![escape(&r.path)],
                    items,
                    Purpose::Restrict { app: it.id },
                ));
            }
            Cmd::Integrations => {
                let Some(ws) = self.current_ws().cloned() else {
                    return;
                };
                let a = self.sess.may_manage_integrations(&ws);
                if !self.allowance("integrations", a) {
                    return;
                }
                let mut items = vec![PickItem::new("+ add an integration", "", "+")];
                for i in self.sess.store().integrations(ws.id).unwrap_or_default() {
                    items.push(PickItem::new(
                        format!("delete {}", escape(&i.name)),
                        format!("{} {}", i.kind, escape(&i.endpoint)),
                        format!("-{}", i.name),
                    ));
                }
                self.dialog = Some(Dialog::pick(
                    format!("Integrations of {}", escape(&ws.name)),
                    vec![],
                    items,
                    Purpose::IntegMenu { ws: ws.name.clone() },
                ));
            }
            Cmd::Attach => {
                let Some((it, r)) = self.need_item("attach") else {
                    return;
                };
                if it.kind != ItemKind::App {
                    return self.set_error("attach: integrations are attached to apps: select an app");
                }
                if !self.allowed("attach integrations", Action::Edit, &r) {
                    return;
                }
                let all = self.sess.store().integrations(it.space.ws).unwrap_or_default();
                if all.is_empty() {
                    return self.set_error("attach: this workspace has no integrations yet (I adds one)");
                }
                let items = all
                    .iter()
                    .map(|i| {
                        let on = it.integrations.contains(&i.name);
                        PickItem::new(
                            format!("{} {}", if on { "detach" } else { "attach" }, escape(&i.name)),
                            format!("{} {}", i.kind, escape(&i.endpoint)),
                            format!("{}{}", if on { "-" } else { "+" }, i.name),
                        )
                    })
                    .collect();
                self.dialog = Some(Dialog::pick(
                    "Integrations of the app",
                    vec![escape(&r.path)],
                    items,
                    Purpose::Attach { app: it.id },
                ));
            }
            Cmd::Members => {
                let Some(ws) = self.current_ws().cloned() else {
                    return;
                };
                let a = self.sess.may_manage_roles();
                if !self.allowance("members and roles", a) {
                    return;
                }
                let users = self.sess.users().unwrap_or_default();
                let items = users
                    .iter()
                    .filter(|u| u.tenant.is_none())
                    .map(|u| {
                        let roles = self.sess.store().roles(ws.id, &u.login).unwrap_or_default();
                        PickItem::new(escape(&u.login), roles.to_string(), u.login.clone())
                    })
                    .collect();
                self.dialog = Some(Dialog::pick(
                    format!("Members of {}", escape(&ws.name)),
                    vec!["Whose roles to change?".into()],
                    items,
                    Purpose::MemberUser { ws: ws.name.clone() },
                ));
            }
            _ => {}
        }
    }

    fn subject_items(&self, team: bool) -> R<Vec<PickItem>> {
        let st = self.sess.store();
        let mut items = Vec::new();
        for u in st.users()? {
            if u.tenant.is_none() {
                items.push(PickItem::new(
                    format!("user:{}", escape(&u.login)),
                    escape(&u.name),
                    format!("user:{}", u.login),
                ));
            }
        }
        for g in st.groups()? {
            items.push(PickItem::new(
                format!("group:{}", escape(&g.name)),
                "group",
                format!("group:{}", g.name),
            ));
        }
        for o in st.orgs()? {
            let p = o
                .parent
                .map(|p| format!("org unit under {}", escape(&p)))
                .unwrap_or_else(|| "org unit".into());
            items.push(PickItem::new(
                format!("org:{}", escape(&o.name)),
                p,
                format!("org:{}", o.name),
            ));
        }
        if team {
            for t in st.tenants()? {
                items.push(PickItem::new(
                    format!("tenant:{}", escape(&t.name)),
                    "tenant",
                    format!("tenant:{}", t.name),
                ));
            }
        }
        Ok(items)
    }

    fn search_items(&self) -> Vec<PickItem> {
        let spaces: Vec<SpaceRef> = match self.spaces.get(self.space_sel) {
            Some(SpaceChoice::Team(s)) | Some(SpaceChoice::Mine(s)) => vec![s.clone()],
            Some(SpaceChoice::Shared(v)) => v.clone(),
            None => vec![],
        };
        let mut items = Vec::new();
        for s in spaces {
            let Ok(all) = self.viewer().walk_space(&s) else {
                continue;
            };
            for (it, r, d) in all {
                if self.inspect.is_some() && !self.actor_sees(&r) {
                    continue;
                }
                let tag = if d.seen == Seen::PathOnly { " (path only)" } else { "" };
                items.push(PickItem::new(
                    escape(&it.name),
                    format!("{}{tag}", escape(&r.path)),
                    it.id.to_string(),
                ));
            }
        }
        items
    }

    /// Ends an action: a message, a refresh, and the new item selected.
    fn done(&mut self, res: R<(String, Option<ItemId>)>) {
        match res {
            Ok((msg, id)) => {
                self.refresh();
                if let Some(id) = id {
                    self.reveal(id);
                }
                self.set_message(msg);
            }
            Err(e) => self.set_error(e.to_string()),
        }
    }

    /// Runs a submitted dialog; a refusal keeps an input dialog open with the reason.
    fn submit(&mut self, mut d: Dialog) {
        let v = d.value().unwrap_or_default();
        let res: R<Option<(String, Option<ItemId>)>> = (|| {
            Ok(match d.purpose.clone() {
                Purpose::Quit => {
                    self.quit = true;
                    None
                }
                Purpose::NewItem { parent, kind } => {
                    let pr = match &parent {
                        Place::Root(sr) => self.sess.space_root(sr)?,
                        Place::Item(id) => self.sess.resolve_id(*id)?,
                    };
                    let tx = self.sess.store().begin()?;
                    let it = self.sess.create_in(tx, &pr, &v, kind, "")?;
                    Some((format!("created {kind} {}", escape(&it.name)), Some(it.id)))
                }
                Purpose::NewAssetKind { app } => {
                    self.dialog = Some(Dialog::input(
                        format!("New {v}"),
                        vec!["Name:".into()],
                        "",
                        Purpose::NewAssetName { app, kind: v.parse()? },
                    ));
                    return Ok(None);
                }
                Purpose::NewAssetName { app, kind } => {
                    let r = self.sess.resolve_id(app)?;
                    let a = self.sess.asset_add(&r.path, kind.as_str(), &v)?;
                    Some((format!("added {} {}", a.kind, escape(&a.name)), Some(app)))
                }
                Purpose::Rename { id } => {
                    let r = self.sess.resolve_id(id)?;
                    let it = r.item().cloned().ok_or_else(|| Error::not_found("gone"))?;
                    let tx = self.sess.store().begin()?;
                    let n = self.sess.rename_resolved(tx, &it, &r, &v)?;
                    Some((format!("renamed to {}", escape(&n.name)), Some(id)))
                }
                Purpose::Describe { id } => {
                    let r = self.sess.resolve_id(id)?;
                    self.sess.describe(&r.path, &v)?;
                    Some(("description saved".into(), Some(id)))
                }
                Purpose::MoveDest { id } | Purpose::CopyDest { id } => {
                    let r = self.sess.resolve_id(id)?;
                    let it = r.item().cloned().ok_or_else(|| Error::not_found("gone"))?;
                    let dst = self.sess.resolve_str(&v)?;
                    let tx = self.sess.store().begin()?;
                    if matches!(d.purpose, Purpose::MoveDest { .. }) {
                        let m = self.sess.mv_resolved(tx, &it, &r, &dst)?;
                        Some((format!("moved {} to {}", escape(&m.name), escape(&dst.path)), Some(id)))
                    } else {
                        let c = self.sess.cp_resolved(tx, &it, &r, Some(&dst))?;
                        Some((
                            format!("copied {} to {}", escape(&c.name), escape(&dst.path)),
                            Some(c.id),
                        ))
                    }
                }
                Purpose::Delete { id } => {
                    let r = self.sess.resolve_id(id)?;
                    let it = r.item().cloned().ok_or_else(|| Error::not_found("gone"))?;
                    let tx = self.sess.store().begin()?;
                    self.sess.rm_resolved(tx, &it, &r)?;
                    Some((format!("deleted {}", escape(&r.path)), None))
                }
                Purpose::ShareSubject { id } => {
                    let subject: Subject = v.parse()?;
                    let r = self.sess.resolve_id(id)?;
                    let levels: Vec<Level> = match (&subject, r.space().is_team()) {
                        (Subject::Tenant(_), _) => vec![Level::Tenant],
                        (_, true) => vec![Level::Viewer, Level::Editor, Level::Manager],
                        (_, false) => vec![Level::Viewer, Level::Editor],
                    };
                    let items = levels
                        .iter()
                        .map(|l| PickItem::new(l.as_str(), level_note(*l), l.as_str()))
                        .collect();
                    self.dialog = Some(Dialog::pick(
                        "Level",
                        vec![format!("Share {} with {subject} as:", escape(&r.path))],
                        items,
                        Purpose::ShareLevel { id, subject },
                    ));
                    return Ok(None);
                }
                Purpose::ShareLevel { id, subject } => {
                    let level: Level = v.parse()?;
                    self.dialog = Some(Dialog::input(
                        "Note (optional)",
                        vec![
                            format!("{subject} {level}"),
                            "A note for the grant, Enter to share:".into(),
                        ],
                        "",
                        Purpose::ShareNote { id, subject, level },
                    ));
                    return Ok(None);
                }
                Purpose::ShareNote { id, subject, level } => {
                    let r = self.sess.resolve_id(id)?;
                    let tx = self.sess.store().begin()?;
                    self.sess.share_resolved(tx, &r, &subject, level, &v)?;
                    Some((format!("shared {} with {subject} {level}", escape(&r.path)), Some(id)))
                }
                Purpose::Unshare { id } => {
                    let subject: Subject = v.parse()?;
                    let r = self.sess.resolve_id(id)?;
                    let tx = self.sess.store().begin()?;
                    self.sess.unshare_resolved(tx, &r, &subject)?;
                    Some((
                        format!("removed the grant to {subject} on {}", escape(&r.path)),
                        Some(id),
                    ))
                }
                Purpose::Leave { id } => {
                    let r = self.sess.resolve_id(id)?;
                    self.sess.leave(&r.path)?;
                    Some((format!("left the collaboration on {}", escape(&r.path)), None))
                }
                Purpose::Inspect => {
                    if v == self.login {
                        self.inspect = None;
                    } else {
                        let sess = self.app.session(&v)?;
                        self.inspect = Some(Inspecting { login: v.clone(), sess });
                    }
                    Some((format!("inspecting as {} (Esc returns)", escape(&v)), None))
                }
                Purpose::Search => {
                    let id: ItemId = v.parse().map_err(|_| Error::invalid("bad match"))?;
                    self.reveal(id);
                    self.focus = Focus::Tree;
                    return Ok(None);
                }
                Purpose::ResourceKind { ws } => {
                    let kind: ResourceKind = v.parse()?;
                    let cur = self
                        .current_ws()
                        .and_then(|w| w.resources.get(&kind).cloned())
                        .unwrap_or_default();
                    self.dialog = Some(Dialog::input(
                        format!("{kind} endpoint"),
                        vec![format!("Workspace {}", escape(&ws))],
                        &cur,
                        Purpose::ResourceEndpoint { ws, kind },
                    ));
                    return Ok(None);
                }
                Purpose::ResourceEndpoint { ws, kind } => {
                    self.sess.resource_set(&ws, kind.as_str(), &v)?;
                    Some((format!("{kind} endpoint set"), None))
                }
                Purpose::Restrict { app } => {
                    let r = self.sess.resolve_id(app)?;
                    let (op, kind) = v.split_once(':').unwrap_or(("", ""));
                    self.sess.resource_restrict(&r.path, kind, op == "restrict")?;
                    Some((format!("{op} {kind} on {}", escape(&r.path)), Some(app)))
                }
                Purpose::IntegMenu { ws } => {
                    if v == "+" {
                        self.dialog = Some(Dialog::input(
                            "New integration",
                            vec!["Name:".into()],
                            "",
                            Purpose::IntegName { ws },
                        ));
                    } else {
                        let name = v[1..].to_string();
                        self.dialog = Some(Dialog::confirm(
                            "Delete integration",
                            vec![format!("Delete integration {}? (y/n)", escape(&name))],
                            Purpose::IntegDelete { ws, name },
                        ));
                    }
                    return Ok(None);
                }
                Purpose::IntegName { ws } => {
                    let name = names::validate_name(&v, "integration")?;
                    let items = IntegKind::ALL
                        .iter()
                        .map(|k| PickItem::new(k.as_str(), "", k.as_str()))
                        .collect();
                    self.dialog = Some(Dialog::pick(
                        "Kind",
                        vec![escape(&name)],
                        items,
                        Purpose::IntegKind { ws, name },
                    ));
                    return Ok(None);
                }
                Purpose::IntegKind { ws, name } => {
                    let kind: IntegKind = v.parse()?;
                    self.dialog = Some(Dialog::input(
                        "Endpoint",
                        vec![format!("{} ({kind})", escape(&name))],
                        "",
                        Purpose::IntegEndpoint { ws, name, kind },
                    ));
                    return Ok(None);
                }
                Purpose::IntegEndpoint { ws, name, kind } => {
                    self.sess.integ_add(&ws, &name, kind.as_str(), &v, "")?;
                    Some((format!("integration {} added", escape(&name)), None))
                }
                Purpose::IntegDelete { ws, name } => {
                    self.sess.integ_rm(&ws, &name)?;
                    Some((format!("integration {} deleted", escape(&name)), None))
                }
                Purpose::Attach { app } => {
                    let r = self.sess.resolve_id(app)?;
                    let attach = v.starts_with('+');
                    self.sess.integ_attach(&r.path, &v[1..], attach)?;
                    Some((
                        format!("{} {}", if attach { "attached" } else { "detached" }, escape(&v[1..])),
                        Some(app),
                    ))
                }
                Purpose::MemberUser { ws } => {
                    let w = self.sess.workspace_named(&ws)?;
                    let roles = self.sess.store().roles(w.id, &v)?;
                    let items = Role::ALL
                        .iter()
                        .map(|r| {
                            if roles.has(*r) {
                                PickItem::new(format!("revoke {r}"), "", format!("-{r}"))
                            } else {
                                PickItem::new(format!("grant {r}"), "", format!("+{r}"))
                            }
                        })
                        .collect();
                    self.dialog = Some(Dialog::pick(
                        format!("Roles of {}", escape(&v)),
                        vec![format!(
                            "Now: {}",
                            if roles.is_empty() {
                                "none".into()
                            } else {
                                roles.to_string()
                            }
                        )],
                        items,
                        Purpose::MemberRole { ws, login: v },
                    ));
                    return Ok(None);
                }
                Purpose::MemberRole { ws, login } => {
                    let role: Role = v[1..].parse()?;
                    if v.starts_with('+') {
                        self.sess.role_grant(&ws, &login, &[role])?;
                    } else {
                        self.sess.role_revoke(&ws, &login, &[role], None)?;
                    }
                    Some((
                        format!(
                            "{login}: {} {role}",
                            if v.starts_with('+') { "granted" } else { "revoked" }
                        ),
                        None,
                    ))
                }
            })
        })();
        match res {
            Ok(Some((msg, id))) => self.done(Ok((msg, id))),
            Ok(None) => {
                if matches!(d.purpose, Purpose::Inspect) {
                    // handled above
                }
            }
            Err(e) => {
                // Input dialogs stay open to fix the input; pickers too (the reason shows in them).
                d.error = Some(e.to_string());
                self.set_error(e.to_string());
                self.dialog = Some(d);
            }
        }
        if matches!(self.message.as_ref(), Some((m, _)) if m.starts_with("inspecting as")) {
            // the inspection changes the whole view
        }
    }

    // ---- the detail pane ----

    /// The tab shown: the Workspace tab while the workspaces list has the focus.
    pub fn shown_tab(&self) -> Tab {
        if self.focus == Focus::Workspaces {
            Tab::Workspace
        } else {
            self.tab
        }
    }

    /// Computes the detail lines of the selection when it or the tab changed.
    pub fn prepare(&mut self) {
        self.fill_viewport();
        let key = self.tree.selected_node().map(|n| node_key(&n.data)).unwrap_or_default();
        let k = (key, self.shown_tab(), self.generation);
        if self.detail_key.as_ref() == Some(&k) {
            return;
        }
        if self.detail_key.as_ref().map(|d| (&d.0, d.1)) != Some((&k.0, k.1)) {
            self.detail_scroll = 0;
        }
        self.detail_lines = match self.detail_for_tab() {
            Ok(l) => l,
            Err(e) => vec![dl(Tone::Bad, e.to_string())],
        };
        self.detail_key = Some(k);
    }

    fn detail_for_tab(&self) -> R<Vec<DLine>> {
        if self.shown_tab() == Tab::Workspace {
            return self.workspace_lines();
        }
        let Some(n) = self.tree.selected_node() else {
            return Ok(vec![dl(
                Tone::Dim,
                "Nothing here yet. Select a space on the left, or create with n / a.",
            )]);
        };
        let data = n.data.clone();
        match &data.kind {
            NodeKind::Space(s) => {
                let r = self.sess.space_root(s)?;
                let mut out = vec![
                    dl(Tone::Heading, escape(&data.name)),
                    dl(Tone::Normal, format!("  {}", escape(&r.path))),
                ];
                let about = match s.my_owner() {
                    None => "The workspace's shared space: admins create at its root (R21); others act by their grants (R22).".to_string(),
                    Some(o) if o == self.login => "Your private space: you hold every action here (R15); others see only what you share (R14, R16).".to_string(),
                    Some(o) => format!("Items {} shared from their My Creations (R14, R16).", escape(o)),
                };
                out.push(dl(Tone::Dim, about));
                out.push(dl(Tone::Heading, "Actions"));
                let d = self.sess.decide(Action::Create, &r)?;
                let key = self.keys.key_label(Scope::Tree, Cmd::NewFolder);
                if d.allowed {
                    out.push(dl(Tone::Ok, format!("  ✓ {key:<3} new folder or app at the root")));
                } else {
                    out.push(dl(Tone::Dim, format!("  ✗ {key:<3} new folder or app: {}", d.reason)));
                }
                Ok(out)
            }
            _ => {
                let Some(id) = data.id else {
                    return Ok(vec![dl(
                        Tone::Dim,
                        "More children: they load as they scroll into view (Enter loads the next page, End all).",
                    )]);
                };
                let r = match self.sess.resolve_id(id) {
                    Ok(r) => r,
                    Err(e) => return Ok(vec![dl(Tone::Bad, e.to_string())]),
                };
                match self.shown_tab() {
                    Tab::Info => self.info_lines(&r, &data),
                    Tab::Permissions => self.permission_lines(&r),
                    Tab::Activity => self.activity_lines(id),
                    Tab::Workspace => unreachable!(),
                }
            }
        }
    }

    fn info_lines(&self, r: &Resolved, data: &NodeData) -> R<Vec<DLine>> {
        let s = &self.sess;
        let it = r.item().cloned().ok_or_else(|| Error::not_found("gone"))?;
        let d = s.decide(Action::View, r)?;
        let mut out = Vec::new();
        if let NodeKind::Asset(k) = &data.kind {
            out.push(dl(Tone::Heading, format!("{k}  {}", escape(&data.name))));
            out.push(dl(Tone::Normal, format!("  {}", escape(&data.path))));
            out.push(dl(Tone::Normal, format!("in app    {}", escape(&r.path))));
            out.push(dl(Tone::Dim, ""));
        }
        out.push(dl(Tone::Heading, format!("{}  {}", it.kind, escape(&it.name))));
        out.push(dl(Tone::Normal, format!("  {}", escape(&r.path))));
        if d.seen == Seen::PathOnly {
            out.push(dl(
                Tone::Dim,
                "seen only as the path to an item below it: no action (R11)",
            ));
            return Ok(out);
        }
        out.push(dl(Tone::Normal, format!("owner     {}", escape(&it.owner))));
        out.push(dl(Tone::Normal, format!("creator   {}", escape(&it.creator))));
        out.push(dl(Tone::Normal, format!("created   {}", when(it.created))));
        out.push(dl(Tone::Normal, format!("modified  {}", when(it.modified))));
        out.push(dl(Tone::Normal, format!("you       {}", d.level_word())));
        if !it.description.is_empty() {
            out.push(dl(Tone::Normal, format!("about     {}", escape(&it.description))));
        }
        out.push(dl(Tone::Heading, "Actions"));
        let mut acts: Vec<(Cmd, Action, &Resolved)> = vec![
            (Cmd::Rename, Action::Rename, r),
            (Cmd::Move, Action::Move, r),
            (Cmd::Delete, Action::Delete, r),
            (Cmd::Share, Action::Share, r),
            (Cmd::Unshare, Action::Share, r),
            (Cmd::Describe, Action::Edit, r),
        ];
        if it.kind == ItemKind::Folder {
            acts.insert(0, (Cmd::NewFolder, Action::Create, r));
        } else {
            acts.push((Cmd::CopyTo, Action::Copy, r));
            acts.push((Cmd::NewAsset, Action::Edit, r));
            acts.push((Cmd::Attach, Action::Edit, r));
        }
        for (cmd, action, rr) in acts {
            let dd = s.decide(action, rr)?;
            let key = self.keys.key_label(Scope::Tree, cmd);
            if cmd == Cmd::Move && !dd.allowed && it.kind == ItemKind::App && it.space.is_team() {
                // R25: the app's owner moves it back without the move right in Team Space.
                let mine = SpaceRef::my(it.space.ws, self.sess.login());
                if let Ok(root) = s.space_root(&mine) {
                    if s.check_move(&it, r, &root).is_ok() {
                        out.push(dl(Tone::Ok, format!("  ✓ {key:<3} move back to My Creations (R25)")));
                        continue;
                    }
                }
            }
            if dd.allowed {
                out.push(dl(Tone::Ok, format!("  ✓ {key:<3} {}", cmd.desc())));
            } else {
                out.push(dl(Tone::Dim, format!("  ✗ {key:<3} {}: {}", cmd.desc(), dd.reason)));
            }
        }
        let mut extra: Vec<(Cmd, Allowance)> = Vec::new();
        if it.kind == ItemKind::App {
            extra.push((Cmd::Restrict, s.may_restrict(&it)));
        }
        // Leaving is listed where it can matter: in another user's My Creations, or when it is open.
        let others_space = it.space.my_owner().is_some_and(|o| o != s.login());
        if let Ok(a) = s.may_leave(r) {
            if a.allowed || others_space {
                extra.push((Cmd::Leave, a));
            }
        }
        for (cmd, a) in extra {
            let key = self.keys.key_label(Scope::Tree, cmd);
            if a.allowed {
                out.push(dl(Tone::Ok, format!("  ✓ {key:<3} {}", cmd.desc())));
            } else {
                out.push(dl(Tone::Dim, format!("  ✗ {key:<3} {}: {}", cmd.desc(), a.reason)));
            }
        }
        if it.kind == ItemKind::App {
            if let Some(ws) = s.store().workspace(it.space.ws)? {
                out.push(dl(Tone::Heading, "Resources (R30)"));
                for (k, e) in &ws.resources {
                    if it.restricted.contains(k) {
                        out.push(dl(Tone::Bad, format!("  ✗ {k}: restricted for this app")));
                    } else {
                        out.push(dl(Tone::Normal, format!("  ✓ {k}")));
                        out.push(dl(Tone::Dim, format!("    {}", escape(e))));
                    }
                }
            }
            out.push(dl(Tone::Heading, "Integrations (R31)"));
            if it.integrations.is_empty() {
                out.push(dl(Tone::Dim, "  none"));
            }
            for i in &it.integrations {
                out.push(dl(Tone::Normal, format!("  {}", escape(i))));
            }
        }
        Ok(out)
    }

    fn permission_lines(&self, r: &Resolved) -> R<Vec<DLine>> {
        let s = &self.sess;
        let det = s.detail(r)?;
        let mut out = Vec::new();
        if !det.decision.allowed {
            out.push(dl(
                Tone::Dim,
                "You see this item only as a path: its grants are not shown (R11, R12).",
            ));
            return Ok(out);
        }
        out.push(dl(Tone::Heading, "Grants on this item"));
        if det.direct.is_empty() {
            out.push(dl(Tone::Dim, "  none"));
        }
        for g in &det.direct {
            let note = if g.note.is_empty() {
                String::new()
            } else {
                format!(" \"{}\"", escape(&g.note))
            };
            out.push(dl(
                Tone::Normal,
                format!("  {} {}{note}  by {}", g.subject, g.level, escape(&g.granted_by)),
            ));
        }
        out.push(dl(Tone::Heading, "Inherited (R10)"));
        if det.inherited.is_empty() {
            out.push(dl(Tone::Dim, "  none"));
        }
        for (p, g) in &det.inherited {
            out.push(dl(Tone::Normal, format!("  {} {}", g.subject, g.level)));
            out.push(dl(Tone::Dim, format!("    from {}", escape(p))));
        }
        let who = self.viewer().login().to_string();
        let d = if self.inspect.is_some() {
            s.decide_as(&who, Action::View, r)?
        } else {
            det.decision.clone()
        };
        out.push(dl(Tone::Heading, format!("Effective level of {} (R13)", escape(&who))));
        for l in explain_lines(&who, &r.path, &d) {
            out.push(dl(Tone::Normal, l));
        }
        out.push(dl(Tone::Heading, format!("What {} may do", escape(&who))));
        for a in Action::ALL {
            let dd = s.decide_as(&who, *a, r)?;
            let (t, m) = if dd.allowed {
                (Tone::Ok, "✓")
            } else {
                (Tone::Dim, "✗")
            };
            let why = if dd.allowed {
                String::new()
            } else {
                format!(": {}", dd.reason)
            };
            out.push(dl(t, format!("  {m} {a}{why}")));
        }
        Ok(out)
    }

    fn activity_lines(&self, id: ItemId) -> R<Vec<DLine>> {
        let mut out = vec![dl(Tone::Heading, "Activity (R32)")];
        let entries = self.sess.activity(id)?;
        if entries.is_empty() {
            out.push(dl(Tone::Dim, "  no entries"));
        }
        for e in entries.iter().rev() {
            out.push(dl(
                Tone::Normal,
                format!(
                    "{} {} {} {}",
                    when(e.at),
                    escape(&e.actor),
                    escape(&e.action),
                    escape(&e.target)
                ),
            ));
        }
        Ok(out)
    }

    fn workspace_lines(&self) -> R<Vec<DLine>> {
        let Some(ws) = self.current_ws().cloned() else {
            return Ok(vec![dl(Tone::Dim, "no workspace")]);
        };
        let s = &self.sess;
        let mut out = vec![dl(Tone::Heading, format!("Workspace {}", escape(&ws.name)))];
        out.push(dl(Tone::Heading, "Members (★ Team Space admin, R7)"));
        let mut members = s.store().members(ws.id)?;
        if !members.iter().any(|(l, _)| *l == s.account.owner) {
            members.insert(0, (s.account.owner.clone(), Roles::ALL));
        }
        for (login, roles) in members {
            let roles = if login == s.account.owner { Roles::ALL } else { roles };
            let star = if roles.is_admin() { "★" } else { " " };
            out.push(dl(Tone::Normal, format!("  {star} {:<10} {roles}", escape(&login))));
        }
        out.push(dl(Tone::Heading, "Resources (R29)"));
        for (k, e) in &ws.resources {
            out.push(dl(Tone::Normal, format!("  {k:<11} {}", escape(e))));
        }
        out.push(dl(Tone::Heading, "Integrations (R31)"));
        let ints = s.store().integrations(ws.id)?;
        if ints.is_empty() {
            out.push(dl(Tone::Dim, "  none"));
        }
        for i in ints {
            out.push(dl(Tone::Normal, format!("  {} ({})", escape(&i.name), i.kind)));
            out.push(dl(Tone::Dim, format!("    {}", escape(&i.endpoint))));
        }
        for (what, a) in [
            (Cmd::Resources, s.may_edit_resources(&ws)),
            (Cmd::Integrations, s.may_manage_integrations(&ws)),
            (Cmd::Members, s.may_manage_roles()),
        ] {
            let key = self.keys.key_label(Scope::Workspaces, what);
            if a.allowed {
                out.push(dl(Tone::Ok, format!("  ✓ {key} {}", what.desc())));
            } else {
                out.push(dl(Tone::Dim, format!("  ✗ {key} {}: {}", what.desc(), a.reason)));
            }
        }
        Ok(out)
    }
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

fn level_note(l: Level) -> &'static str {
    match l {
        Level::Manager => "every action",
        Level::Editor => "view, create, edit, rename, delete",
        Level::Viewer => "view only",
        Level::Tenant => "tenant users view apps",
    }
}

fn dest_note(it: &Item, d: &Resolved) -> String {
    if d.space() != &it.space {
        if d.space().is_team() {
            "to Team Space (R24)".into()
        } else {
            "back to My Creations (R25)".into()
        }
    } else {
        String::new()
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
