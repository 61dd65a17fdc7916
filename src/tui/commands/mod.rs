//! What the commands of the key table do: one small handler per command,
//! found by a table lookup ([`handler`]); each asks the app layer whether
//! it is open (a refusal shows the rule's reason at once), opens its dialog,
//! and a dialog's last step ends in the app layer's `Request`, run as the
//! UI's own user ([`Ui::execute`]), then the view is refreshed.
//!
//! - [`nav`]: focus, tabs, moving, expanding, quitting, help.
//! - [`items`]: new folder, app and asset; rename; describe; delete.
//! - [`moving`]: move and copy.
//! - [`sharing`]: share, unshare, leave, inspect.
//! - [`workspace`]: resources, restrictions, integrations, members.
//! - [`view`]: who has access, search, the filter, the message history.
//! - [`undoing`]: the last change made here, taken back.
//! - [`palette`]: every command by name, marked open or not on the row.
//! - [`submit`]: a dialog's submitted step, by its purpose.

mod items;
mod moving;
mod nav;
mod palette;
mod sharing;
mod submit;
mod undoing;
mod view;
mod workspace;

use crate::app::{Allowance, Reply, Request, Resolved};
use crate::domain::text::escape;
use crate::domain::*;

use super::keymap::Cmd;
use super::model::{changes, split_path};
use super::ui::{Ui, R};
use super::words;
use crate::app::review::WhoRow;
use crate::domain::rules::{explain_lines, Decision, Seen};

/// A command's handler.
pub type Handler = fn(&mut Ui);

/// The table: every command a pane runs, and its handler. The layers'
/// own commands (submit, cancel, sort…) are answered by the layers.
const TABLE: &[(Cmd, Handler)] = &[
    (Cmd::Quit, nav::quit),
    (Cmd::Help, nav::help),
    (Cmd::FocusNext, nav::focus_next),
    (Cmd::FocusPrev, nav::focus_prev),
    (Cmd::EndInspect, view::end_filter_or_inspect),
    (Cmd::Refresh, nav::refresh),
    (Cmd::Redraw, nav::redraw),
    (Cmd::NextTab, nav::next_tab),
    (Cmd::PrevTab, nav::prev_tab),
    (Cmd::Up, nav::up),
    (Cmd::Down, nav::down),
    (Cmd::PageUp, nav::page_up),
    (Cmd::PageDown, nav::page_down),
    (Cmd::Top, nav::top),
    (Cmd::Bottom, nav::bottom),
    (Cmd::Select, nav::select),
    (Cmd::Expand, nav::expand),
    (Cmd::Collapse, nav::collapse),
    (Cmd::Toggle, nav::toggle),
    (Cmd::CopyPath, nav::copy_path),
    (Cmd::NewFolder, items::new_folder),
    (Cmd::NewApp, items::new_app),
    (Cmd::NewAsset, items::new_asset),
    (Cmd::Rename, items::rename),
    (Cmd::Describe, items::describe),
    (Cmd::Delete, items::delete),
    (Cmd::Move, moving::move_to),
    (Cmd::CopyTo, moving::copy_to),
    (Cmd::CopyBeside, moving::copy_beside),
    (Cmd::Share, sharing::share),
    (Cmd::Unshare, sharing::unshare),
    (Cmd::Leave, sharing::leave),
    (Cmd::Inspect, sharing::inspect),
    (Cmd::Search, view::search),
    (Cmd::Filter, view::filter),
    (Cmd::Who, view::who),
    (Cmd::Resources, workspace::resources),
    (Cmd::Restrict, workspace::restrict),
    (Cmd::Integrations, workspace::integrations),
    (Cmd::Attach, workspace::attach),
    (Cmd::Members, workspace::members),
    (Cmd::Messages, view::messages),
    (Cmd::Palette, palette::open),
    (Cmd::Undo, undoing::undo),
];

/// The handler of a command, if a pane runs it.
pub fn handler(cmd: Cmd) -> Option<Handler> {
    TABLE.iter().find(|(c, _)| *c == cmd).map(|(_, h)| *h)
}

impl Ui<'_> {
    /// Runs a named command (keys, the mouse and tests come through here).
    pub fn run(&mut self, cmd: Cmd) {
        if let (true, Some(i)) = (changes(cmd), &self.inspect) {
            let who = escape(&i.login);
            return self.set_error(format!(
                "You can't {} while inspecting as {who}: changes are made as yourself; Esc ends the inspection",
                cmd.name()
            ));
        }
        if let Some(h) = handler(cmd) {
            h(self);
        }
    }

    /// A refusal shown instead of a dialog, where no decision is at hand
    /// (no destination accepts the item): never a silent no-op.
    fn refuse(&mut self, what: &str, reason: &str) {
        self.set_error(format!("You can't {what}: {}", words::to_you(reason)));
    }

    /// A refusal of the rule table, in one line to "you" (your standing,
    /// what the action needs, the rule, whom to ask); the whole
    /// explanation waits in the message history.
    fn refuse_decision(&mut self, r: &Resolved, d: &Decision) {
        let able = match d.seen {
            Seen::Visible => self.able(r, d.action),
            _ => Vec::new(),
        };
        let asked = words::ask(&able, self.sess.login());
        let text = words::refusal(&r.path, &r.space().kind, d, asked);
        let mut more = explain_lines(self.sess.login(), &r.path, d);
        if !able.is_empty() {
            let names: Vec<String> = able
                .iter()
                .map(|w| format!("{} ({})", escape(&w.login), w.level))
                .collect();
            more.push(format!(
                "Who can {} it: {}",
                words::verb(d.action),
                names.join(", ")
            ));
        }
        self.set_explained(text, more);
    }

    /// Who may take `action` at `r`, as far as the acting user sees. A space
    /// root names its workspace's admins (asking every user would be slow).
    fn able(&self, r: &Resolved, action: Action) -> Vec<WhoRow> {
        if r.chain.is_some() {
            return self
                .sess
                .who_can(&r.path, action)
                .map(|(_, rows)| rows)
                .unwrap_or_default();
        }
        let ws = crate::domain::path::parse_in(&r.path).map(|p| p.ws);
        let admins = ws.and_then(|ws| self.read_members(&ws)).unwrap_or_default();
        admins
            .into_iter()
            .filter(|(_, roles)| roles.is_admin() && r.space().is_team())
            .map(|(login, _)| WhoRow {
                login,
                name: String::new(),
                level: "admin".into(),
                via: Vec::new(),
            })
            .collect()
    }

    fn need_item(&mut self, what: &str) -> Option<(Item, Resolved)> {
        let r = self.selected_item();
        if r.is_none() {
            self.set_error(format!("Select a folder or an app first, then {what}"));
        }
        r
    }

    fn allowed(&mut self, action: Action, r: &Resolved) -> bool {
        match self.sess.decide(action, r) {
            Ok(d) if d.allowed => true,
            Ok(d) => {
                self.refuse_decision(r, &d);
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

    /// The selected item, if the action is open on it.
    fn item_for(&mut self, what: &str, action: Action) -> Option<(Item, Resolved)> {
        let (it, r) = self.need_item(what)?;
        self.allowed(action, &r).then_some((it, r))
    }

    /// Runs a change as the UI's own user, as the store has them now (their
    /// groups, org units and roles, R10). The request names paths: they are
    /// resolved, and the rules asked, inside the change's transaction.
    fn execute(&mut self, req: Request) -> R<Reply> {
        self.sess = self.app.session(&self.login)?;
        // The audit entries this change makes are this UI's own: an undo
        // does not count them as changes made since by someone else.
        let before = self.app.last_seq();
        let reply = self.sess.execute(req);
        self.undo.made(before, self.app.last_seq());
        let reply = reply?;
        self.unchanged = match &reply {
            Reply::Unchanged { message } => Some(escape(message)),
            Reply::Placed {
                how: crate::app::request::Placed::Unchanged,
                path,
                ..
            } => Some(format!("{} is already so", escape(path))),
            _ => None,
        };
        Ok(reply)
    }

    /// Ends an action: a message, a refresh, and the new item selected; a
    /// failure says what could not be done (`what`: "delete Plant").
    fn done(&mut self, what: &str, res: R<(String, Option<ItemId>)>) {
        match res {
            Ok((msg, id)) => {
                self.refresh();
                if let Some(id) = id {
                    self.reveal(id);
                }
                match self.unchanged.take() {
                    Some(why) => self.set_message(format!("unchanged: {why}")),
                    None => self.set_message(msg),
                }
            }
            Err(e) => self.set_error(words::failure(what, &e)),
        }
    }
}

/// The item a request placed (created, moved, renamed or copied): its id and path.
fn placed(reply: Reply) -> R<(ItemId, String)> {
    match reply {
        Reply::Placed { id, path, .. } => Ok((id, path)),
        other => Err(Error::unavailable(format!(
            "expected the place of an item, got {other:?}"
        ))),
    }
}

/// The last name of a path.
fn last_name(path: &str) -> &str {
    split_path(path).1
}

/// "to" and "name" of a path, escaped for a message.
fn place_words(path: &str) -> (String, String) {
    let (to, name) = split_path(path);
    (escape(to), escape(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pane_command_of_the_key_table_has_a_handler() {
        let km = super::super::keymap::KeyMap::default();
        for b in km.bindings.iter().filter(|b| !b.scope.is_layer()) {
            assert!(handler(b.cmd).is_some(), "{:?} has no handler", b.cmd);
        }
    }
}
