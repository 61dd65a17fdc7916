//! Sending slow work to the worker and taking its answers into the UI's
//! state (the latest request of each kind wins). Without a worker a job
//! runs in place, so the tests see the same answers at once.

use std::time::Duration;

use super::dialog::{Body, Dialog, Purpose};
use super::layers::Layer;
use super::requests::whatif_of;
use super::ui::Ui;
use super::whatif::{key_of, WhatIfView, SETTLE, SLOW};
use super::who::WhoView;
use super::worker::{run, Done, Job, Kind};

impl Ui<'_> {
    /// Sends a job (or runs it here without a worker); returns its ticket.
    pub(super) fn ask(&mut self, job: Job) -> u64 {
        self.jobs.next += 1;
        let t = self.jobs.next;
        match &job {
            Job::Page { parent, .. } => {
                self.jobs.pages.insert(*parent, t);
            }
            _ => {
                self.jobs.latest.insert(job.kind(), t);
            }
        }
        match &self.jobs.worker {
            Some(w) => w.send(t, self.asker(), job),
            None => {
                let done = run(self.app, &self.asker(), job);
                self.take(t, done);
            }
        }
        t
    }

    /// Work still out on the worker.
    pub fn working(&self) -> bool {
        self.jobs.worker.is_some() && (!self.jobs.latest.is_empty() || !self.jobs.pages.is_empty())
    }

    /// Takes the worker's answers; true when any changed what is shown.
    pub fn poll_jobs(&mut self) -> bool {
        let answers = match &self.jobs.worker {
            Some(w) => w.answers(),
            None => return false,
        };
        let any = !answers.is_empty();
        for (t, done) in answers {
            self.take(t, done);
        }
        any
    }

    /// One answer, unless a newer request of its kind was made since.
    fn take(&mut self, ticket: u64, done: Done) {
        let done = match done {
            Done::Page { parent, tree, page } => return self.take_page(ticket, parent, tree, page),
            Done::WhatIf { key, view, cost } => {
                // Every answer is kept: the dialog may come back to that input.
                self.whatif.last_cost = cost;
                self.whatif.slow = cost > SLOW;
                self.whatif.cache.insert(key.clone(), view.clone());
                Done::WhatIf { key, view, cost }
            }
            other => other,
        };
        let kind = match &done {
            Done::WhatIf { .. } => Kind::WhatIf,
            Done::Who(..) => Kind::Who,
            Done::Search(_) => Kind::Search,
            Done::FilterIndex(_) => Kind::FilterIndex,
            Done::FilterMatch(..) => Kind::FilterMatch,
            Done::Page { .. } => Kind::Page,
        };
        if self.jobs.latest.get(&kind) != Some(&ticket) {
            return;
        }
        self.jobs.latest.remove(&kind);
        match done {
            Done::Who(can, res) => self.show_who(can, res),
            Done::Search(items) => self.show_search(items),
            Done::FilterIndex(res) => self.filter_indexed(res),
            Done::FilterMatch(q, m) => self.filter_matched(&q, m),
            Done::WhatIf { .. } => self.sync_whatif(),
            Done::Page { .. } => {}
        }
    }

    fn take_page(
        &mut self,
        ticket: u64,
        parent: usize,
        tree: u64,
        page: crate::domain::Result<(Vec<super::tree::NodeData>, Option<Vec<u8>>)>,
    ) {
        if self.jobs.pages.get(&parent) != Some(&ticket) {
            return;
        }
        self.jobs.pages.remove(&parent);
        if tree != self.tree_generation() || !self.tree.more.contains_key(&parent) {
            return;
        }
        match page {
            Ok((kids, next)) => {
                self.tree.append_page(parent, kids, next);
                if self.jobs.bottom == Some(parent) {
                    self.tree.to_bottom();
                    if self.tree.more.contains_key(&parent) {
                        self.ask_page(parent);
                    } else {
                        self.jobs.bottom = None;
                    }
                }
            }
            Err(e) => self.set_error(e.to_string()),
        }
    }

    fn show_who(
        &mut self,
        can: crate::domain::Action,
        res: crate::domain::Result<(String, Vec<crate::app::review::WhoRow>)>,
    ) {
        match res {
            Ok((path, rows)) => {
                // A new question keeps the order chosen.
                let by_user = self
                    .layers
                    .iter()
                    .any(|l| matches!(l, Layer::Who(w) if w.by_user));
                let mut v = WhoView {
                    path,
                    rows,
                    by_user,
                    can,
                    scroll: 0,
                    height: 10,
                    total: 0,
                };
                v.sort();
                self.layers.retain(|l| !matches!(l, Layer::Who(_)));
                self.layers.push(Layer::Who(v));
                self.messages.clear();
            }
            Err(e) => self.set_error(format!("who: {e}")),
        }
    }

    pub(super) fn show_search(&mut self, items: Vec<super::dialog::PickItem>) {
        let Some(d) = self.dialog_mut().filter(|d| d.purpose == Purpose::Search) else {
            return;
        };
        let mut chosen = false;
        if let Body::Pick(p) = &mut d.body {
            p.items = items;
            p.gathering = false;
            p.refilter();
            chosen = p.chosen_early && p.current().is_some();
            p.chosen_early = false;
        }
        d.lines = vec!["Type to filter by name; Enter jumps to the match.".into()];
        // Enter pressed before the names came: it chooses the first match now.
        if chosen {
            if let Some(Layer::Dialog(d)) = self.layers.pop() {
                self.submit(d);
            }
        }
    }

    // ---- the what-if of the open dialog ----

    /// Brings the open dialog's what-if up to date with its input: from the
    /// cache, else pending. Called after every input and before every frame.
    pub fn sync_whatif(&mut self) {
        if self.whatif.cache_gen != self.generation {
            self.whatif.cache.clear();
            self.whatif.asked = None;
            self.whatif.cache_gen = self.generation;
        }
        let want = self.dialog().and_then(whatif_of);
        if want != self.whatif.want {
            self.whatif.want = want.clone();
            self.whatif.since = std::time::Instant::now();
        }
        let cache = &self.whatif.cache;
        let view = want.map(|req| {
            cache
                .get(&key_of(&req))
                .cloned()
                .unwrap_or(WhatIfView::Pending)
        });
        if let Some(d) = self.dialog_mut() {
            d.whatif = view;
        }
    }

    /// When the pending what-if should be asked: `None` when nothing is
    /// pending (or it is out on the worker), else the time left until the
    /// inputs count as settled.
    pub fn whatif_due(&self) -> Option<Duration> {
        let req = self.whatif.want.as_ref()?;
        let key = key_of(req);
        if self.whatif.cache.contains_key(&key) || self.whatif.asked.as_deref() == Some(&key) {
            return None;
        }
        if !self.whatif.slow || self.jobs.worker.is_some() {
            return Some(Duration::ZERO);
        }
        Some(SETTLE.saturating_sub(self.whatif.since.elapsed()))
    }

    /// Asks for the pending what-if now.
    pub fn settle_whatif(&mut self) {
        self.sync_whatif();
        let Some(req) = self.whatif.want.clone() else {
            return;
        };
        let key = key_of(&req);
        if self.whatif.cache.contains_key(&key) || self.whatif.asked.as_deref() == Some(&key) {
            return;
        }
        self.whatif.asked = Some(key);
        self.ask(Job::WhatIf(req));
        self.sync_whatif();
    }

    /// Before a frame: a what-if that is due is asked.
    pub(super) fn prepare_whatif(&mut self) {
        self.sync_whatif();
        if self.whatif_due() == Some(Duration::ZERO) {
            self.settle_whatif();
        }
    }
}

/// A dialog's explanation while its entries are being gathered.
pub(super) fn gathering(d: &mut Dialog) {
    d.lines = vec!["Gathering the names of this space…".into()];
    if let Body::Pick(p) = &mut d.body {
        p.gathering = true;
    }
}
