//! Dialogs: a text input, a confirmation, and a type-ahead picker. Each holds
//! its own state and handles keys; what a dialog is *for* ([`Purpose`]) is
//! carried along and acted on by the UI when it is submitted.

use crate::domain::{AssetKind, IntegKind, ItemId, ItemKind, Level, ResourceKind, Subject};

use super::keymap::{Cmd, Scope};
use super::keys::{Key, KeyCode};
use super::whatif::WhatIfView;

/// What a dialog is for. Dialogs that act on an item carry its id (to show
/// it again afterwards) and the path the user saw it at: the change they end
/// in names that path, and the rules are asked about it when it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// `parent`: the folder or space root to create in, by path.
    NewItem {
        parent: String,
        kind: ItemKind,
    },
    NewAssetKind {
        app: ItemId,
        path: String,
    },
    NewAssetName {
        app: ItemId,
        path: String,
        kind: AssetKind,
    },
    Rename {
        id: ItemId,
        path: String,
    },
    Describe {
        id: ItemId,
        path: String,
    },
    MoveDest {
        id: ItemId,
        path: String,
    },
    CopyDest {
        id: ItemId,
        path: String,
    },
    Delete {
        id: ItemId,
        path: String,
    },
    /// An asset of app `app`, by its path `APP:kind/name`.
    AssetRename {
        app: ItemId,
        path: String,
    },
    AssetDelete {
        app: ItemId,
        path: String,
    },
    ShareSubject {
        id: ItemId,
        path: String,
    },
    ShareLevel {
        id: ItemId,
        path: String,
        subject: Subject,
    },
    ShareNote {
        id: ItemId,
        path: String,
        subject: Subject,
        level: Level,
    },
    /// The grant to remove is chosen: asked `y`, like a delete.
    Unshare {
        id: ItemId,
        path: String,
    },
    UnshareConfirm {
        id: ItemId,
        path: String,
        subject: Subject,
    },
    /// `z`, asked `y`: the changes that take back `what` (an undo's).
    Undo {
        what: String,
        entries: Vec<crate::app::apply::Change>,
    },
    Leave {
        id: ItemId,
        path: String,
    },
    Inspect,
    Search,
    /// The command palette: the value is a command's name.
    Palette,
    ResourceKind {
        ws: String,
    },
    ResourceEndpoint {
        ws: String,
        kind: ResourceKind,
    },
    Restrict {
        app: ItemId,
        path: String,
    },
    IntegMenu {
        ws: String,
    },
    IntegName {
        ws: String,
    },
    IntegKind {
        ws: String,
        name: String,
    },
    IntegEndpoint {
        ws: String,
        name: String,
        kind: IntegKind,
    },
    IntegDelete {
        ws: String,
        name: String,
    },
    /// Editing an integration (R31): its endpoint, then its settings.
    IntegEditEndpoint {
        ws: String,
        name: String,
        settings: String,
    },
    IntegEditSettings {
        ws: String,
        name: String,
        endpoint: String,
    },
    Attach {
        app: ItemId,
        path: String,
    },
    MemberUser {
        ws: String,
    },
    MemberRole {
        ws: String,
        login: String,
    },
    Quit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickItem {
    pub label: String,
    /// Shown dimmed after the label (a path, a kind, a reason).
    pub detail: String,
    /// What submitting this item means to the purpose.
    pub value: String,
}

impl PickItem {
    pub fn new(
        label: impl Into<String>,
        detail: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        PickItem {
            label: label.into(),
            detail: detail.into(),
            value: value.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub query: String,
    pub items: Vec<PickItem>,
    pub filtered: Vec<usize>,
    pub sel: usize,
    pub offset: usize,
    /// Also match the detail (search matches paths).
    pub match_detail: bool,
    /// The entries are still being gathered (the search's names).
    pub gathering: bool,
    /// Enter was pressed while they were gathered: the first match is
    /// chosen as soon as they arrive (a fast "/name⏎" is not lost).
    pub chosen_early: bool,
}

/// Where the query's letters fall in `text` (character indices, case
/// ignored), and whether they run together: the first contiguous run if
/// there is one, else the first letters in order. `None`: no match.
fn locate(query: &str, text: &str) -> Option<(Vec<usize>, bool)> {
    let low = |c: char| c.to_lowercase().next().unwrap_or(c);
    let t: Vec<char> = text.chars().map(low).collect();
    let q: Vec<char> = query.chars().map(low).collect();
    if let Some(start) = (0..=t.len().saturating_sub(q.len())).find(|&i| t[i..].starts_with(&q)) {
        return Some(((start..start + q.len()).collect(), true));
    }
    let mut out = Vec::with_capacity(q.len());
    let mut ti = 0;
    for qc in q {
        let i = (ti..t.len()).find(|&i| t[i] == qc)?;
        out.push(i);
        ti = i + 1;
    }
    Some((out, false))
}

/// Fuzzy match: the query's characters appear in order (case-insensitively).
/// Returns a score (lower is better) or None: a contiguous match ranks
/// first, by where it starts; then by the letters skipped between.
pub fn fuzzy(query: &str, text: &str) -> Option<usize> {
    match locate(query, text)? {
        (_, _) if query.is_empty() => Some(0),
        (at, true) => Some(at[0]),
        (at, false) => {
            let (first, last) = (at[0], at[at.len() - 1]);
            Some(1000 + (last - first + 1 - at.len()) + first)
        }
    }
}

/// The letters [`fuzzy`] matched, to mark them when drawn.
pub fn matched(query: &str, text: &str) -> Vec<usize> {
    locate(query, text).map(|(at, _)| at).unwrap_or_default()
}

impl Picker {
    pub fn new(items: Vec<PickItem>) -> Picker {
        let mut p = Picker {
            query: String::new(),
            filtered: Vec::new(),
            items,
            sel: 0,
            offset: 0,
            match_detail: false,
            gathering: false,
            chosen_early: false,
        };
        p.refilter();
        p
    }

    pub fn refilter(&mut self) {
        let mut scored: Vec<(usize, usize)> = self
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| {
                let a = fuzzy(&self.query, &it.label);
                let b = if self.match_detail {
                    fuzzy(&self.query, &it.detail).map(|s| s + 5000)
                } else {
                    None
                };
                match (a, b) {
                    (Some(x), Some(y)) => Some((x.min(y), i)),
                    (Some(x), None) | (None, Some(x)) => Some((x, i)),
                    _ => None,
                }
            })
            .collect();
        if !self.query.is_empty() {
            scored.sort_by_key(|&(s, i)| (s, i));
        }
        self.filtered = scored.into_iter().map(|(_, i)| i).collect();
        self.sel = 0;
        self.offset = 0;
    }

    pub fn current(&self) -> Option<&PickItem> {
        self.filtered.get(self.sel).map(|&i| &self.items[i])
    }

    pub fn move_by(&mut self, d: isize, height: usize) {
        if self.filtered.is_empty() {
            return;
        }
        self.sel = (self.sel as isize + d).clamp(0, self.filtered.len() as isize - 1) as usize;
        let h = height.max(1);
        if self.sel < self.offset {
            self.offset = self.sel;
        } else if self.sel >= self.offset + h {
            self.offset = self.sel + 1 - h;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Input {
        text: String,
        cursor: usize,
        initial: String,
    },
    Confirm,
    Pick(Picker),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    pub title: String,
    /// Lines of explanation above the field or list.
    pub lines: Vec<String>,
    pub body: Body,
    pub purpose: Purpose,
    /// The last refusal, shown in the dialog (it stays open to fix the input).
    pub error: Option<String>,
    /// Rows the picker list had when last drawn.
    pub list_height: usize,
    /// Where the picker's rows were drawn (for the mouse).
    pub list_area: ratatui::layout::Rect,
    /// What the change would do to who has access, for a change that alters
    /// access (kept up to date by the UI, see `access`).
    pub whatif: Option<WhatIfView>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    Cancel,
    Submit,
    /// Quit asked (ctrl-c) while the dialog is open.
    Quit,
}

impl Dialog {
    pub fn input(
        title: impl Into<String>,
        lines: Vec<String>,
        initial: &str,
        purpose: Purpose,
    ) -> Dialog {
        Dialog {
            title: title.into(),
            lines,
            body: Body::Input {
                text: initial.into(),
                cursor: initial.chars().count(),
                initial: initial.into(),
            },
            purpose,
            error: None,
            list_height: 8,
            list_area: Default::default(),
            whatif: None,
        }
    }
    pub fn confirm(title: impl Into<String>, lines: Vec<String>, purpose: Purpose) -> Dialog {
        Dialog {
            title: title.into(),
            lines,
            body: Body::Confirm,
            purpose,
            error: None,
            list_height: 8,
            list_area: Default::default(),
            whatif: None,
        }
    }
    pub fn pick(
        title: impl Into<String>,
        lines: Vec<String>,
        items: Vec<PickItem>,
        purpose: Purpose,
    ) -> Dialog {
        Dialog {
            title: title.into(),
            lines,
            body: Body::Pick(Picker::new(items)),
            purpose,
            error: None,
            list_height: 8,
            list_area: Default::default(),
            whatif: None,
        }
    }

    /// The text typed (an input) or the value chosen (a picker).
    pub fn value(&self) -> Option<String> {
        match &self.body {
            Body::Input { text, .. } => Some(text.clone()),
            Body::Pick(p) => p.current().map(|i| i.value.clone()),
            Body::Confirm => None,
        }
    }

    /// Input that would be lost by closing (asked about on quit).
    pub fn has_unsaved_input(&self) -> bool {
        match &self.body {
            Body::Input { text, initial, .. } => text != initial,
            Body::Pick(p) => !p.query.is_empty(),
            Body::Confirm => false,
        }
    }

    /// A click at a screen cell: a picker's row is chosen; a click on the
    /// chosen row submits it.
    pub fn click(&mut self, col: u16, row: u16) -> Outcome {
        let a = self.list_area;
        let inside = col >= a.x && col < a.x + a.width && row >= a.y && row < a.y + a.height;
        let Body::Pick(p) = &mut self.body else {
            return Outcome::Stay;
        };
        if !inside {
            return Outcome::Stay;
        }
        let i = p.offset + (row - a.y) as usize;
        if i >= p.filtered.len() {
            return Outcome::Stay;
        }
        if i == p.sel {
            return Outcome::Submit;
        }
        p.sel = i;
        Outcome::Stay
    }

    /// The mouse wheel: a picker moves its selection.
    pub fn scroll(&mut self, d: isize) {
        let h = self.list_height;
        if let Body::Pick(p) = &mut self.body {
            p.move_by(d.signum(), h);
        }
    }

    pub fn paste(&mut self, s: &str) {
        let clean: String = s.chars().filter(|c| !c.is_control()).collect();
        match &mut self.body {
            Body::Input { text, cursor, .. } => {
                let at = byte_at(text, *cursor);
                text.insert_str(at, &clean);
                *cursor += clean.chars().count();
            }
            Body::Pick(p) => {
                p.query.push_str(&clean);
                p.refilter();
            }
            Body::Confirm => {}
        }
    }

    /// The scope of the key table this dialog's keys are looked up in.
    pub fn scope(&self) -> Scope {
        match self.body {
            Body::Input { .. } => Scope::Input,
            Body::Pick(_) => Scope::Picker,
            Body::Confirm => Scope::Confirm,
        }
    }

    /// A key, with the command the key table binds it to in [`Dialog::scope`]
    /// (unbound printable keys are typed).
    pub fn handle(&mut self, cmd: Option<Cmd>, key: Key) -> Outcome {
        match cmd {
            Some(Cmd::Quit) => return Outcome::Quit,
            Some(Cmd::Cancel) | Some(Cmd::No) => return Outcome::Cancel,
            _ => {}
        }
        let typed = match key.code {
            KeyCode::Char(c) if !key.ctrl && !key.alt && cmd.is_none() => Some(c),
            _ => None,
        };
        let h = self.list_height;
        match &mut self.body {
            Body::Confirm if cmd == Some(Cmd::Yes) => Outcome::Submit,
            Body::Confirm => Outcome::Stay,
            Body::Input { text, cursor, .. } => {
                self.error = None;
                if cmd == Some(Cmd::Submit) {
                    return Outcome::Submit;
                }
                edit(text, cursor, cmd, typed);
                Outcome::Stay
            }
            Body::Pick(p) => p.handle(cmd, typed, h),
        }
    }
}

/// Edits a text field: a command of the input scope, or a typed character.
fn edit(text: &mut String, cursor: &mut usize, cmd: Option<Cmd>, typed: Option<char>) {
    let len = text.chars().count();
    match (cmd, typed) {
        (Some(Cmd::ClearText), _) => {
            text.clear();
            *cursor = 0;
        }
        (Some(Cmd::DeleteBack), _) if *cursor > 0 => {
            *cursor -= 1;
            text.remove(byte_at(text, *cursor));
        }
        (Some(Cmd::DeleteForward), _) if *cursor < len => {
            text.remove(byte_at(text, *cursor));
        }
        (Some(Cmd::CursorLeft), _) => *cursor = cursor.saturating_sub(1),
        (Some(Cmd::CursorRight), _) => *cursor = (*cursor + 1).min(len),
        (Some(Cmd::LineStart), _) => *cursor = 0,
        (Some(Cmd::LineEnd), _) => *cursor = len,
        (None, Some(c)) => {
            text.insert(byte_at(text, *cursor), c);
            *cursor += 1;
        }
        _ => {}
    }
}

impl Picker {
    /// A key of the picker scope: move, filter, or choose.
    fn handle(&mut self, cmd: Option<Cmd>, typed: Option<char>, h: usize) -> Outcome {
        match (cmd, typed) {
            (Some(Cmd::Submit), _) if self.current().is_some() => return Outcome::Submit,
            (Some(Cmd::Submit), _) if self.gathering => self.chosen_early = true,
            (Some(Cmd::Up), _) => self.move_by(-1, h),
            (Some(Cmd::Down), _) => self.move_by(1, h),
            (Some(Cmd::PageUp), _) => self.move_by(-(h as isize), h),
            (Some(Cmd::PageDown), _) => self.move_by(h as isize, h),
            (Some(Cmd::ClearText), _) => {
                self.query.clear();
                self.refilter();
            }
            (Some(Cmd::DeleteBack), _) => {
                self.query.pop();
                self.refilter();
            }
            (None, Some(c)) => {
                self.query.push(c);
                self.refilter();
            }
            _ => {}
        }
        Outcome::Stay
    }
}

fn byte_at(s: &str, chars: usize) -> usize {
    s.char_indices()
        .nth(chars)
        .map(|(b, _)| b)
        .unwrap_or(s.len())
}

#[cfg(test)]
mod tests {
    use super::super::keymap::KeyMap;
    use super::*;

    fn key(d: &mut Dialog, k: Key) -> Outcome {
        let cmd = KeyMap::default().lookup(d.scope(), k);
        d.handle(cmd, k)
    }

    #[test]
    fn fuzzy_ranks_contiguous_first() {
        assert!(fuzzy("oee", "OEE").unwrap() < fuzzy("oee", "Overall equipment eff").unwrap());
        assert_eq!(fuzzy("xyz", "OEE"), None);
        assert!(fuzzy("lne", "Line1").is_some());
    }

    #[test]
    fn input_edits_by_characters() {
        let mut d = Dialog::input("t", vec![], "", Purpose::Search);
        for c in "工場A".chars() {
            key(&mut d, Key::ch(c));
        }
        key(&mut d, Key::plain(KeyCode::Left));
        key(&mut d, Key::plain(KeyCode::Backspace));
        assert_eq!(d.value().unwrap(), "工A");
        assert!(d.has_unsaved_input());
        assert_eq!(key(&mut d, Key::plain(KeyCode::Enter)), Outcome::Submit);
    }

    #[test]
    fn picker_filters_as_you_type() {
        let items = vec![
            PickItem::new("group:qa", "", "group:qa"),
            PickItem::new("user:alice", "", "user:alice"),
        ];
        let mut d = Dialog::pick("t", vec![], items, Purpose::Inspect);
        key(&mut d, Key::ch('a'));
        key(&mut d, Key::ch('l'));
        assert_eq!(d.value().unwrap(), "user:alice");
        key(&mut d, Key::ch('z'));
        assert_eq!(d.value(), None);
        assert_eq!(key(&mut d, Key::plain(KeyCode::Enter)), Outcome::Stay);
    }

    #[test]
    fn a_confirmation_takes_y_not_enter() {
        let mut d = Dialog::confirm("t", vec![], Purpose::Quit);
        assert_eq!(key(&mut d, Key::plain(KeyCode::Enter)), Outcome::Stay);
        assert_eq!(key(&mut d, Key::ch('q')), Outcome::Stay);
        assert_eq!(key(&mut d, Key::ctrl('c')), Outcome::Quit);
        assert_eq!(key(&mut d, Key::ch('n')), Outcome::Cancel);
        assert_eq!(key(&mut d, Key::ch('y')), Outcome::Submit);
    }
}
