//! Where each pane is: computed once per frame from the terminal's size,
//! the focus and the number of workspaces, then read by drawing and by the
//! mouse (hit-testing) alike.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

use super::model::{Focus, Tab};

pub const MIN_W: u16 = 40;
pub const MIN_H: u16 = 12;

/// The screen's areas; a pane not shown (a narrow terminal) has an empty rect.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub whole: Rect,
    pub workspaces: Rect,
    pub spaces: Rect,
    pub tree: Rect,
    pub detail: Rect,
    /// The detail pane's tab bar (one row inside its border).
    pub tabs: Rect,
    pub status: Rect,
    /// Smaller than [`MIN_W`] × [`MIN_H`]: only a note is drawn.
    pub too_small: bool,
}

impl Areas {
    pub fn compute(area: Rect, focus: Focus, workspaces: usize) -> Areas {
        let mut a = Areas {
            whole: area,
            ..Areas::default()
        };
        if area.width < MIN_W || area.height < MIN_H {
            a.too_small = true;
            return a;
        }
        let rows = Layout::default()
            .direction(Direction::Vertical)
            .constraints([Constraint::Min(1), Constraint::Length(2)])
            .split(area);
        a.status = rows[1];
        let (left, tree, detail) = split_main(rows[0], focus);
        if let Some(l) = left {
            let wsh = (workspaces as u16 + 2).min(l.height / 2).max(3);
            let parts = Layout::default()
                .direction(Direction::Vertical)
                .constraints([Constraint::Length(wsh), Constraint::Min(3)])
                .split(l);
            a.workspaces = parts[0];
            a.spaces = parts[1];
        }
        a.tree = tree.unwrap_or_default();
        if let Some(d) = detail {
            a.detail = d;
            if d.height >= 4 {
                a.tabs = Rect {
                    x: d.x + 1,
                    y: d.y + 1,
                    width: d.width.saturating_sub(2),
                    height: 1,
                };
            }
        }
        a
    }

    /// Which pane (or the tab bar) a cell is in.
    pub fn hit(&self, col: u16, row: u16) -> Option<Hit> {
        let inside =
            |r: Rect| col >= r.x && col < r.x + r.width && row >= r.y && row < r.y + r.height;
        if inside(self.tabs) {
            let short = Tab::short_titles(self.tabs.width);
            let mut x = self.tabs.x;
            for t in Tab::ALL {
                let w = t.title(short).len() as u16 + 3;
                if col >= x && col < x + w {
                    return Some(Hit::Tab(t));
                }
                x += w;
            }
            return Some(Hit::Pane(Focus::Detail, 0));
        }
        let inner_row = |r: Rect| (row as isize - r.y as isize - 1).max(0) as usize;
        for (r, f) in [
            (self.workspaces, Focus::Workspaces),
            (self.spaces, Focus::Spaces),
            (self.tree, Focus::Tree),
            (self.detail, Focus::Detail),
        ] {
            if inside(r) {
                return Some(Hit::Pane(f, inner_row(r)));
            }
        }
        None
    }
}

/// What a mouse position is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// A pane, and the row inside its border (0 = the first inner row).
    Pane(Focus, usize),
    Tab(Tab),
}

/// The main area: three columns when wide, fewer when narrow (the focused pane wins).
fn split_main(main: Rect, focus: Focus) -> (Option<Rect>, Option<Rect>, Option<Rect>) {
    let w = main.width;
    if w >= 100 {
        let left = (w / 6).clamp(22, 30);
        let detail = ((w - left) as u32 * 50 / 100) as u16;
        let c = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([
                Constraint::Length(left),
                Constraint::Min(20),
                Constraint::Length(detail),
            ])
            .split(main);
        (Some(c[0]), Some(c[1]), Some(c[2]))
    } else if w >= 64 {
        let left = (w / 4).clamp(18, 24);
        let c = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Length(left), Constraint::Min(20)])
            .split(main);
        if focus == Focus::Detail {
            (Some(c[0]), None, Some(c[1]))
        } else {
            (Some(c[0]), Some(c[1]), None)
        }
    } else {
        match focus {
            Focus::Workspaces | Focus::Spaces => (Some(main), None, None),
            Focus::Tree => (None, Some(main), None),
            Focus::Detail => (None, None, Some(main)),
        }
    }
}

/// The first row shown of a list of `len` rows in `height` rows with `sel` in view.
pub fn list_offset(sel: usize, len: usize, height: usize) -> usize {
    let h = height.max(1);
    sel.saturating_sub(h - 1).min(len.saturating_sub(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_screens_show_three_columns_and_the_mouse_finds_them() {
        let a = Areas::compute(Rect::new(0, 0, 120, 35), Focus::Tree, 2);
        assert!(!a.too_small);
        assert!(a.workspaces.width > 0 && a.tree.width > 0 && a.detail.width > 0);
        assert_eq!(a.status.height, 2);
        let row = a.tree.y + 3;
        assert_eq!(a.hit(a.tree.x + 2, row), Some(Hit::Pane(Focus::Tree, 2)));
        assert_eq!(a.hit(a.tabs.x + 1, a.tabs.y), Some(Hit::Tab(Tab::Info)));
    }

    #[test]
    fn narrow_screens_show_the_focused_pane() {
        let a = Areas::compute(Rect::new(0, 0, 60, 20), Focus::Detail, 2);
        assert_eq!(a.tree, Rect::default());
        assert!(a.detail.width > 0);
        let a = Areas::compute(Rect::new(0, 0, 30, 10), Focus::Tree, 2);
        assert!(a.too_small);
        assert_eq!(a.hit(1, 1), None);
    }
}
