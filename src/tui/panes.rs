//! The state of the list panes and the detail pane, apart from drawing and
//! from the store: selection, scrolling and the cached detail lines.

use super::keymap::Cmd;
use super::model::{list_nav, scroll_nav, DLine, Tab};

/// A list pane (workspaces, spaces): its entries and the selected one.
#[derive(Debug, Clone)]
pub struct ListPane<T> {
    pub items: Vec<T>,
    pub sel: usize,
}

impl<T> Default for ListPane<T> {
    fn default() -> Self {
        ListPane {
            items: Vec::new(),
            sel: 0,
        }
    }
}

impl<T> ListPane<T> {
    pub fn current(&self) -> Option<&T> {
        self.items.get(self.sel)
    }
    /// Moves the selection by a navigation command; true when it changed.
    pub fn navigate(&mut self, cmd: Cmd) -> bool {
        let new = list_nav(self.sel, self.items.len(), cmd);
        let changed = new != self.sel;
        self.sel = new;
        changed
    }
    /// Selects entry `i` if there is one; true when the selection changed.
    pub fn select(&mut self, i: usize) -> bool {
        let changed = i < self.items.len() && i != self.sel;
        if changed {
            self.sel = i;
        }
        changed
    }
}

/// The detail pane: the tab, the scroll offset, and the lines of the
/// selection (computed when the selection, the tab or the store changes).
#[derive(Debug, Clone)]
pub struct DetailPane {
    pub tab: Tab,
    pub scroll: u16,
    /// What the lines were computed for: (selection key, tab, generation).
    pub key: Option<(String, Tab, u64)>,
    pub lines: Vec<DLine>,
}

impl Default for DetailPane {
    fn default() -> Self {
        DetailPane {
            tab: Tab::Info,
            scroll: 0,
            key: None,
            lines: Vec::new(),
        }
    }
}

impl DetailPane {
    pub fn navigate(&mut self, cmd: Cmd) {
        self.scroll = scroll_nav(self.scroll, self.lines.len(), cmd);
    }
    /// The next (or previous) tab, from the top.
    pub fn cycle_tab(&mut self, forward: bool) {
        let i = Tab::ALL.iter().position(|t| *t == self.tab).unwrap_or(0);
        let n = Tab::ALL.len();
        self.tab = Tab::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
        self.scroll = 0;
    }
    pub fn scroll_by(&mut self, d: isize) {
        self.scroll = (self.scroll as isize + d).max(0) as u16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_pane_moves_within_its_entries() {
        let mut l = ListPane {
            items: vec!["a", "b", "c"],
            sel: 0,
        };
        assert!(!l.navigate(Cmd::Up));
        assert!(l.navigate(Cmd::Bottom));
        assert_eq!(l.current(), Some(&"c"));
        assert!(!l.select(7));
        assert!(l.select(1));
    }

    #[test]
    fn tabs_cycle_both_ways_and_reset_the_scroll() {
        let mut d = DetailPane {
            scroll: 4,
            ..DetailPane::default()
        };
        d.cycle_tab(false);
        assert_eq!((d.tab, d.scroll), (Tab::Workspace, 0));
        d.cycle_tab(true);
        assert_eq!(d.tab, Tab::Info);
    }
}
