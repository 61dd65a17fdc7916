//! Looking without changing: who has access, search, the filter in place.

use crate::domain::ItemId;

use super::super::dialog::{Body, Dialog, Purpose};
use super::super::filter::{FilterBar, FilterIndex, Match};
use super::super::jobs::gathering;
use super::super::layers::Layer;
use super::super::model::Focus;
use super::super::tree::NodeKind;
use super::super::ui::{Filtering, Ui};
use super::super::worker::Job;

/// Opens the "Who has access" view of the selected item (or space); the
/// answer comes from the worker on a large folder.
pub fn who(u: &mut Ui) {
    let Some(n) = u.tree.selected_node() else {
        return u.set_error("who: select an item first");
    };
    let path = match (&n.data.kind, n.data.id) {
        (NodeKind::Space(_), _) => n.data.path.clone(),
        (_, Some(id)) => match u.sess.resolve_id(id) {
            Ok(r) => r.path,
            Err(e) => return u.set_error(e.to_string()),
        },
        _ => return u.set_error("who: select an item first"),
    };
    u.set_message("working out who has access…");
    u.ask(Job::Who(path, crate::domain::Action::View));
}

/// The message history: every message of the session, whole.
pub fn messages(u: &mut Ui) {
    u.layers.retain(|l| !matches!(l, Layer::Messages(_)));
    u.layers.push(Layer::Messages(
        super::super::layers::MessagesView::default(),
    ));
}

/// The search picker: every name of the space, gathered on the worker.
pub fn search(u: &mut Ui) {
    let mut d = Dialog::pick("Search", vec![], Vec::new(), Purpose::Search);
    if let Body::Pick(p) = &mut d.body {
        p.match_detail = false;
    }
    gathering(&mut d);
    u.open_dialog(d);
    let spaces = u.selected_spaces();
    u.ask(Job::Search(spaces));
}

/// Starts the filter: the tree narrows as the query is typed.
pub fn filter(u: &mut Ui) {
    if u.focus != Focus::Tree {
        u.focus = Focus::Tree;
    }
    let query = match u.filter.take() {
        // Filtering already: the query is edited again.
        Some(f) => {
            let q = f.query.clone();
            u.filter = Some(f);
            q
        }
        None => {
            u.filter = Some(Filtering {
                saved: u.tree.clone(),
                query: String::new(),
                index: None,
                shown: 0,
            });
            let spaces = u.selected_spaces();
            u.ask(Job::FilterIndex(spaces));
            String::new()
        }
    };
    u.layers.push(Layer::Filter(FilterBar { query }));
}

/// Esc in a pane: the filter ends first, then an inspection.
pub fn end_filter_or_inspect(u: &mut Ui) {
    if u.filter.is_some() {
        return u.end_filter(true);
    }
    if u.inspect.take().is_some() {
        u.set_message("inspection ended: you see the tree as yourself again");
        u.refresh();
    }
}

impl Ui<'_> {
    /// The filter's query changed (a key in its layer).
    pub(in super::super) fn filter_typed(&mut self, query: &str) {
        let Some(f) = self.filter.as_mut() else {
            return;
        };
        if f.query == query {
            return;
        }
        f.query = query.to_string();
        if query.trim().is_empty() {
            let height = self.tree.height;
            self.tree = f.saved.clone();
            self.tree.set_height(height);
            f.shown = 0;
            return;
        }
        if let Some(ix) = f.index.clone() {
            self.ask(Job::FilterMatch(ix, query.to_string()));
        }
    }

    pub(in super::super) fn filter_indexed(
        &mut self,
        res: crate::domain::Result<std::sync::Arc<FilterIndex>>,
    ) {
        match res {
            Ok(ix) => {
                let Some(f) = self.filter.as_mut() else {
                    return;
                };
                f.index = Some(ix.clone());
                let q = f.query.clone();
                if !q.trim().is_empty() {
                    self.ask(Job::FilterMatch(ix, q));
                }
            }
            Err(e) => self.set_error(format!("filter: {e}")),
        }
    }

    pub(in super::super) fn filter_matched(&mut self, query: &str, m: Vec<Match>) {
        let Some(f) = self.filter.as_mut() else {
            return;
        };
        let Some(ix) = f.index.clone().filter(|_| f.query == query) else {
            return;
        };
        f.shown = m.len();
        let height = self.tree.height;
        self.tree = ix.tree(&m);
        self.tree.set_height(height);
        // The first match selected, as a picker does.
        if let Some(first) = self
            .tree
            .rows
            .iter()
            .position(|r| self.tree.marks.contains_key(r))
        {
            self.tree.sel = first;
            self.tree.scroll_to_sel();
        }
    }

    /// Ends the filter: the whole tree again, with the item selected in the
    /// narrowed one revealed (`keep`), else as it was.
    pub(in super::super) fn end_filter(&mut self, keep: bool) {
        self.layers.retain(|l| !matches!(l, Layer::Filter(_)));
        let Some(f) = self.filter.take() else {
            return;
        };
        let picked: Option<ItemId> = self.tree.selected_node().and_then(|n| n.data.id);
        let height = self.tree.height;
        self.tree = f.saved;
        self.tree.set_height(height);
        if let (true, Some(id)) = (keep, picked) {
            self.reveal(id);
        }
    }

    /// The filter is dropped without a word (the tree is being reloaded).
    pub(in super::super) fn end_filter_quietly(&mut self) {
        if let Some(f) = self.filter.take() {
            self.layers.retain(|l| !matches!(l, Layer::Filter(_)));
            self.tree = f.saved;
        }
    }
}
