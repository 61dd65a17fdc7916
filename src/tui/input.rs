//! Input routing: a key goes to the layers from the top (each looks it up
//! in its own scope of the key table and answers consumed or ignored), then
//! to the focused pane's command; the mouse goes to what is under it, by the
//! layout of the last frame.

use super::dialog::{Dialog, Purpose};
use super::keymap::{Cmd, Scope};
use super::keys::{Input, Key, KeyCode, MouseKind};
use super::layers::{Answer, Layer};
use super::layout::{list_offset, Hit};
use super::model::Focus;
use super::ui::Ui;
use super::worker::Job;

impl Ui<'_> {
    pub fn handle(&mut self, input: Input) {
        match input {
            Input::Key(k) => self.route_key(k),
            Input::Mouse { kind, col, row } => self.handle_mouse(kind, col, row),
            Input::Resize(_, _) => {}
            Input::Paste(s) => {
                if let Some(l) = self.layers.last_mut() {
                    l.paste(&s);
                }
                self.after_filter_input();
            }
        }
        self.sync_whatif();
    }

    pub fn handle_key(&mut self, k: Key) {
        self.route_key(k);
        self.sync_whatif();
    }

    fn route_key(&mut self, k: Key) {
        if self.repaints(k) {
            self.repaint = true;
            return;
        }
        for i in (0..self.layers.len()).rev() {
            let scope = self.layers[i].scope();
            let cmd = self.keys.lookup(scope, k);
            let answer = self.layers[i].handle(cmd, k);
            if answer != Answer::Ignored {
                return self.answered(i, answer);
            }
        }
        // A message lasts until the next key.
        self.messages.clear();
        match self.keys.lookup(self.focus.scope(), k) {
            Some(cmd) => self.run(cmd),
            None if k.code != KeyCode::Esc => {
                self.set_message(format!("{k}: no command here (? shows the keys)"))
            }
            None => {}
        }
    }

    /// The global `redraw` key (`C-l`) repaints under any layer that does
    /// not bind the key itself: a screen written over is put right whatever
    /// is open.
    fn repaints(&self, k: Key) -> bool {
        let top = self.layers.last().map(|l| l.scope());
        self.keys.lookup(Scope::Global, k) == Some(Cmd::Redraw)
            && top.is_none_or(|s| self.keys.lookup(s, k).is_none())
    }

    /// What a layer's answer does to the stack.
    fn answered(&mut self, i: usize, answer: Answer) {
        match answer {
            Answer::Consumed | Answer::Ignored => self.after_filter_input(),
            Answer::Quit => self.quit_asked(i),
            Answer::Close => {
                if let Layer::Filter(_) = self.layers.remove(i) {
                    self.end_filter(false);
                }
            }
            Answer::Submit => match self.layers.remove(i) {
                Layer::Dialog(d) => self.submit(d),
                Layer::Filter(f) => {
                    let n = self.filter.as_ref().map_or(0, |f| f.shown);
                    self.set_message(format!(
                        "filter {:?}: {n} match(es); Esc shows the whole tree",
                        f.query
                    ));
                }
                Layer::Who(w) => {
                    let job = Job::Who(w.path.clone(), w.can);
                    self.layers.insert(i, Layer::Who(w));
                    self.ask(job);
                }
                other => self.layers.insert(i, other),
            },
        }
    }

    /// The filter's layer may have a new query: the tree follows it.
    fn after_filter_input(&mut self) {
        let q = self.layers.iter().rev().find_map(|l| match l {
            Layer::Filter(f) => Some(f.query.clone()),
            _ => None,
        });
        if let Some(q) = q {
            self.filter_typed(&q);
        }
    }

    /// Ctrl-C in a layer: a dialog holding unsaved input asks first.
    fn quit_asked(&mut self, i: usize) {
        let unsaved = match &self.layers[i] {
            Layer::Dialog(d) if d.purpose == Purpose::Quit => false,
            Layer::Dialog(d) => d.has_unsaved_input(),
            _ => false,
        };
        if !unsaved {
            self.quit = true;
            return;
        }
        self.open_dialog(Dialog::confirm(
            "Quit?",
            vec![
                "A dialog holds input that is not saved.".into(),
                "Quit anyway? (y/n)".into(),
            ],
            Purpose::Quit,
        ));
    }

    fn handle_mouse(&mut self, kind: MouseKind, col: u16, row: u16) {
        if let Some(top) = self.layers.last_mut().filter(|l| l.covers()) {
            match (kind, top) {
                (MouseKind::ScrollUp, top) => top.scroll(-3),
                (MouseKind::ScrollDown, top) => top.scroll(3),
                (MouseKind::Click, Layer::Dialog(d)) => {
                    if d.click(col, row) == super::dialog::Outcome::Submit {
                        let i = self.layers.len() - 1;
                        self.answered(i, Answer::Submit);
                    }
                }
                (MouseKind::Click, _) => {}
            }
            return;
        }
        let Some(hit) = self.areas.hit(col, row) else {
            return;
        };
        match (kind, hit) {
            (MouseKind::Click, hit) => self.click(hit),
            (_, Hit::Pane(Focus::Tree, _)) => self.tree.scroll(wheel(kind)),
            (_, Hit::Pane(Focus::Detail, _)) => self.detail.scroll_by(wheel(kind)),
            _ => {}
        }
    }

    fn click(&mut self, hit: Hit) {
        match hit {
            Hit::Tab(t) => {
                self.detail.tab = t;
                self.detail.scroll = 0;
                self.focus = Focus::Detail;
            }
            Hit::Pane(Focus::Workspaces, r) => {
                self.focus = Focus::Workspaces;
                let h = self.areas.workspaces.height.saturating_sub(2) as usize;
                let i = r + list_offset(self.workspaces.sel, self.workspaces.items.len(), h);
                if self.workspaces.select(i) {
                    self.spaces.sel = 0;
                    self.after(|u| u.load_spaces());
                }
            }
            Hit::Pane(Focus::Spaces, r) => {
                self.focus = Focus::Spaces;
                let h = self.areas.spaces.height.saturating_sub(2) as usize;
                let i = r + list_offset(self.spaces.sel, self.spaces.items.len(), h);
                if self.spaces.select(i) {
                    self.after(|u| u.load_tree());
                }
            }
            Hit::Pane(Focus::Tree, r) => {
                self.focus = Focus::Tree;
                let r = self.tree.offset + r;
                if r == self.tree.sel {
                    self.run(Cmd::Toggle);
                } else if r < self.tree.rows.len() {
                    self.tree.sel = r;
                }
            }
            Hit::Pane(Focus::Detail, _) => self.focus = Focus::Detail,
        }
    }
}

fn wheel(kind: MouseKind) -> isize {
    if kind == MouseKind::ScrollUp {
        -3
    } else {
        3
    }
}
