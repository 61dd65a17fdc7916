//! The UI's state: one struct of per-pane states, the layer stack and the
//! sessions it sees the store through. Nothing here draws ([`super::render`]
//! does), loads ([`super::loading`]) or runs commands ([`super::commands`]);
//! nothing here decides who may do what (the app layer does).

use std::collections::HashMap;

use crate::app::{App, Resolved, Session};
use crate::domain::*;

use super::dialog::Dialog;
use super::filter::FilterIndex;
use super::keymap::KeyMap;
use super::layers::{HelpView, Layer};
use super::layout::Areas;
use super::messages::Messages;
use super::model::{Focus, SpaceChoice, Tab};
use super::panes::{DetailPane, ListPane};
use super::source::Eyes;
use super::theme::Theme;
use super::tree::TreeState;
use super::undo::UndoStack;
use super::whatif::WhatIfState;
use super::who::WhoView;
use super::worker::{Asker, Kind, Worker};

pub struct Inspecting<'a> {
    pub login: String,
    pub sess: Session<'a>,
}

/// The filter's state while the tree is narrowed.
pub struct Filtering {
    /// The whole tree, restored when the filter ends.
    pub saved: TreeState,
    pub query: String,
    /// The index of the space (None while the worker builds it).
    pub index: Option<std::sync::Arc<FilterIndex>>,
    /// Matches shown (capped at `filter::MAX_MATCHES`).
    pub shown: usize,
}

/// Jobs sent to the worker and the latest ticket of each kind.
#[derive(Default)]
pub struct Jobs {
    pub worker: Option<Worker>,
    pub next: u64,
    pub latest: HashMap<Kind, u64>,
    /// Pages being loaded, by parent node.
    pub pages: HashMap<usize, u64>,
    /// The node whose listing is being loaded to its end (End), selecting the last row.
    pub bottom: Option<usize>,
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
    pub workspaces: ListPane<Workspace>,
    pub spaces: ListPane<SpaceChoice>,
    pub tree: TreeState,
    pub detail: DetailPane,
    /// Overlays, the top one last.
    pub layers: Vec<Layer>,
    pub filter: Option<Filtering>,
    /// The status bar's message and the history behind it.
    pub messages: Messages,
    /// The changes made here, each with the changes that put it back.
    pub undo: UndoStack,
    /// The last change found its result already there: the message says so.
    pub unchanged: Option<String>,
    pub quit: bool,
    /// `C-l` asked: the next frame clears the screen and draws every cell.
    pub repaint: bool,
    /// Where the panes were at the last frame (for the mouse).
    pub areas: Areas,
    /// OSC 52 sequences to write after the next frame.
    pub clipboard: Vec<String>,
    /// Bumped on every change so cached details are recomputed.
    pub generation: u64,
    /// The what-if of the open dialog.
    pub whatif: WhatIfState,
    pub jobs: Jobs,
    /// Each space's expanded rows and selection, kept while another is shown.
    pub places: HashMap<String, (std::collections::HashSet<String>, Option<String>)>,
}

pub(super) type R<T> = crate::domain::Result<T>;

impl<'a> Ui<'a> {
    /// The state before anything is loaded (see `Ui::new`).
    pub(super) fn empty(
        app: &'a App,
        sess: Session<'a>,
        keys: KeyMap,
        theme: Theme,
        ascii: bool,
    ) -> Ui<'a> {
        Ui {
            app,
            login: sess.login().to_string(),
            sess,
            inspect: None,
            keys,
            theme,
            ascii,
            focus: Focus::Tree,
            workspaces: ListPane::default(),
            spaces: ListPane::default(),
            tree: TreeState::new(vec![]),
            detail: DetailPane::default(),
            layers: Vec::new(),
            filter: None,
            messages: Messages::default(),
            undo: UndoStack::default(),
            unchanged: None,
            quit: false,
            repaint: false,
            areas: Areas::default(),
            clipboard: Vec::new(),
            generation: 0,
            whatif: WhatIfState::default(),
            jobs: Jobs::default(),
            places: HashMap::new(),
        }
    }

    /// Slow work goes to this worker from now on.
    pub fn attach_worker(&mut self, w: Worker) {
        self.jobs.worker = Some(w);
    }

    // ---- the viewer: the acting user, or the inspected one ----

    /// The session whose eyes the tree shows.
    pub fn viewer(&self) -> &Session<'a> {
        self.inspect.as_ref().map(|i| &i.sess).unwrap_or(&self.sess)
    }

    pub fn eyes(&self) -> Eyes<'_, 'a> {
        Eyes {
            actor: &self.sess,
            inspected: self.inspect.as_ref().map(|i| &i.sess),
        }
    }

    pub fn asker(&self) -> Asker {
        Asker {
            actor: self.login.clone(),
            inspected: self.inspect.as_ref().map(|i| i.login.clone()),
        }
    }

    /// Seen by the acting user: inspection never reveals more (R12, R14).
    pub(super) fn actor_sees(&self, r: &Resolved) -> bool {
        self.eyes().actor_sees(r)
    }

    pub fn set_message(&mut self, m: impl Into<String>) {
        self.messages.push(m.into(), Vec::new(), false);
    }
    pub fn set_error(&mut self, m: impl Into<String>) {
        self.messages.push(m.into(), Vec::new(), true);
    }
    /// A failure in one line ("Can't reload: the connection to the database
    /// was lost"); the error whole waits in the message history.
    pub fn set_failure(&mut self, what: &str, e: &crate::domain::Error) {
        self.messages
            .push(super::words::failure(what, e), vec![e.to_string()], true);
    }
    /// An error whose full explanation waits in the message history.
    pub fn set_explained(&mut self, m: String, more: Vec<String>) {
        self.messages.push(m, more, true);
    }

    pub fn current_ws(&self) -> Option<&Workspace> {
        self.workspaces.current()
    }

    /// The tab shown: the Workspace tab while the workspaces list has the focus.
    pub fn shown_tab(&self) -> Tab {
        if self.focus == Focus::Workspaces {
            Tab::Workspace
        } else {
            self.detail.tab
        }
    }

    /// The spaces of the selected entry of the spaces list.
    pub fn selected_spaces(&self) -> Vec<SpaceRef> {
        match self.spaces.current() {
            Some(SpaceChoice::Team(s)) | Some(SpaceChoice::Mine(s)) => vec![s.clone()],
            Some(SpaceChoice::Shared(v)) => v.clone(),
            Some(SpaceChoice::Private(_)) | None => vec![],
        }
    }

    // ---- the layers ----

    /// The open dialog, if the top layer is one.
    pub fn dialog(&self) -> Option<&Dialog> {
        match self.layers.last() {
            Some(Layer::Dialog(d)) => Some(d),
            _ => None,
        }
    }
    pub fn dialog_mut(&mut self) -> Option<&mut Dialog> {
        match self.layers.last_mut() {
            Some(Layer::Dialog(d)) => Some(d),
            _ => None,
        }
    }
    /// Opens a dialog (replacing an open one: a dialog's next step).
    pub fn open_dialog(&mut self, d: Dialog) {
        self.close_dialog();
        self.layers.push(Layer::Dialog(d));
    }
    pub fn close_dialog(&mut self) -> Option<Dialog> {
        match self.layers.last() {
            Some(Layer::Dialog(_)) => match self.layers.pop() {
                Some(Layer::Dialog(d)) => Some(d),
                _ => None,
            },
            _ => None,
        }
    }
    pub fn help(&self) -> Option<&HelpView> {
        self.layers.iter().rev().find_map(|l| match l {
            Layer::Help(h) => Some(h),
            _ => None,
        })
    }
    pub fn who(&self) -> Option<&WhoView> {
        self.layers.iter().rev().find_map(|l| match l {
            Layer::Who(w) => Some(w),
            _ => None,
        })
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
        use super::tree::NodeKind;
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
        match self.spaces.current()? {
            SpaceChoice::Team(s) | SpaceChoice::Mine(s) => self.sess.space_root(s).ok(),
            SpaceChoice::Shared(_) | SpaceChoice::Private(_) => None,
        }
    }

    pub(super) fn after(&mut self, f: impl FnOnce(&mut Self) -> R<()>) {
        if let Err(e) = f(self) {
            self.set_error(e.to_string());
        }
    }
}
