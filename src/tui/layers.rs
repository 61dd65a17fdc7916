//! Overlays as a stack of layers, drawn over the panes and asked first for
//! every key: help, the who view, dialogs and pickers, and the filter. A
//! layer looks the key up in its own scope of the key table and answers
//! whether it used it; a key it ignores goes to the layer below it, and
//! from the bottom to the focused pane (the filter lets the arrows through
//! to the tree it narrows).

use super::dialog::{Dialog, Outcome};
use super::filter::FilterBar;
use super::keymap::{Cmd, Scope};
use super::keys::{Key, KeyCode};
use super::who::WhoView;

/// The help overlay: the key table, the focused pane's section first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpView {
    /// The pane that had the focus when help opened.
    pub scope: Scope,
    pub scroll: u16,
    /// The largest useful scroll at the last frame.
    pub max: u16,
}

/// The message history: every message of the session, whole, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessagesView {
    pub scroll: u16,
    /// The largest useful scroll at the last frame.
    pub max: u16,
}

/// A key in a view that is read and then left (help, the messages):
/// scrolling keys scroll; any other key closes it.
fn read_key(s: &mut u16, max: u16, cmd: Option<Cmd>) -> Answer {
    match cmd {
        Some(Cmd::Down) => *s = s.saturating_add(1),
        Some(Cmd::Up) => *s = s.saturating_sub(1),
        Some(Cmd::PageDown) => *s = s.saturating_add(10),
        Some(Cmd::PageUp) => *s = s.saturating_sub(10),
        Some(Cmd::Top) => *s = 0,
        Some(Cmd::Bottom) => *s = max,
        Some(Cmd::Quit) => return Answer::Quit,
        _ => return Answer::Close,
    }
    Answer::Consumed
}

fn wheel(s: &mut u16, max: u16, d: isize) {
    *s = (*s as isize + d).clamp(0, max as isize) as u16;
}

pub enum Layer {
    Help(HelpView),
    Messages(MessagesView),
    Who(WhoView),
    Dialog(Dialog),
    Filter(FilterBar),
}

/// What a layer did with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Consumed,
    /// Not this layer's: the next layer down (or the pane) gets it.
    Ignored,
    /// The layer is done and leaves the stack.
    Close,
    /// The layer's input is complete (a dialog's choice, the filter kept).
    Submit,
    Quit,
}

impl Layer {
    pub fn scope(&self) -> Scope {
        match self {
            Layer::Help(_) => Scope::Help,
            Layer::Messages(_) => Scope::Messages,
            Layer::Who(_) => Scope::Who,
            Layer::Dialog(d) => d.scope(),
            Layer::Filter(_) => Scope::Filter,
        }
    }

    /// A key, with the command it is bound to in [`Layer::scope`].
    pub fn handle(&mut self, cmd: Option<Cmd>, key: Key) -> Answer {
        match self {
            Layer::Help(h) => read_key(&mut h.scroll, h.max, cmd),
            Layer::Messages(m) => read_key(&mut m.scroll, m.max, cmd),
            Layer::Who(_) if cmd == Some(Cmd::Quit) => Answer::Quit,
            Layer::Who(w) => match cmd {
                Some(c) if w.handle(c) => Answer::Close,
                // A new question for the worker: who can take the next action.
                Some(Cmd::Can) => Answer::Submit,
                _ => Answer::Consumed,
            },
            Layer::Dialog(d) => match d.handle(cmd, key) {
                Outcome::Stay => Answer::Consumed,
                Outcome::Cancel => Answer::Close,
                Outcome::Submit => Answer::Submit,
                Outcome::Quit => Answer::Quit,
            },
            Layer::Filter(f) => f.handle(cmd, typed(cmd, key)),
        }
    }

    /// Pasted text goes to a field.
    pub fn paste(&mut self, s: &str) {
        match self {
            Layer::Dialog(d) => d.paste(s),
            Layer::Filter(f) => f.paste(s),
            _ => {}
        }
    }

    /// The mouse wheel over the layer.
    pub fn scroll(&mut self, d: isize) {
        match self {
            Layer::Help(h) => wheel(&mut h.scroll, h.max, d),
            Layer::Messages(m) => wheel(&mut m.scroll, m.max, d),
            Layer::Who(w) => w.scroll_by(d),
            Layer::Dialog(dl) => dl.scroll(d),
            Layer::Filter(_) => {}
        }
    }

    /// Covers the panes: the mouse does not reach them.
    pub fn covers(&self) -> bool {
        !matches!(self, Layer::Filter(_))
    }
}

/// A printable key not bound in the layer's scope: typed text.
pub fn typed(cmd: Option<Cmd>, key: Key) -> Option<char> {
    match key.code {
        KeyCode::Char(c) if !key.ctrl && !key.alt && cmd.is_none() => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::keymap::KeyMap;
    use super::*;

    fn press(l: &mut Layer, k: Key) -> Answer {
        let cmd = KeyMap::default().lookup(l.scope(), k);
        l.handle(cmd, k)
    }

    #[test]
    fn help_scrolls_and_any_other_key_closes_it() {
        let mut l = Layer::Help(HelpView {
            scope: Scope::Tree,
            scroll: 0,
            max: 5,
        });
        assert_eq!(press(&mut l, Key::ch('j')), Answer::Consumed);
        assert_eq!(press(&mut l, Key::ctrl('c')), Answer::Quit);
        assert_eq!(press(&mut l, Key::ch('x')), Answer::Close);
    }

    #[test]
    fn the_filter_lets_navigation_through_to_the_tree() {
        let mut l = Layer::Filter(FilterBar::default());
        assert_eq!(press(&mut l, Key::ch('o')), Answer::Consumed);
        assert_eq!(press(&mut l, Key::plain(KeyCode::Down)), Answer::Ignored);
        assert_eq!(press(&mut l, Key::plain(KeyCode::Esc)), Answer::Close);
    }
}
