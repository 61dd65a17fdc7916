//! Moving around: focus, tabs, rows, expanding, help, quitting.

use crate::domain::text::escape;

use super::super::keymap::Cmd;
use super::super::layers::{HelpView, Layer};
use super::super::model::{osc52, Focus};
use super::super::tree::NodeKind;
use super::super::ui::Ui;

pub fn quit(u: &mut Ui) {
    u.quit = true;
}

pub fn help(u: &mut Ui) {
    u.layers.push(Layer::Help(HelpView {
        scope: u.focus.scope(),
        scroll: 0,
        max: 0,
    }));
}

fn cycle_focus(u: &mut Ui, forward: bool) {
    let i = Focus::ORDER.iter().position(|f| *f == u.focus).unwrap_or(0);
    let n = Focus::ORDER.len();
    u.focus = Focus::ORDER[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }];
}

pub fn focus_next(u: &mut Ui) {
    cycle_focus(u, true)
}

pub fn focus_prev(u: &mut Ui) {
    cycle_focus(u, false)
}

pub fn refresh(u: &mut Ui) {
    u.refresh();
    u.set_message("reloaded");
}

/// `C-l`: the next frame repaints the whole screen.
pub fn redraw(u: &mut Ui) {
    u.repaint = true;
}

pub fn next_tab(u: &mut Ui) {
    u.detail.cycle_tab(true)
}

pub fn prev_tab(u: &mut Ui) {
    u.detail.cycle_tab(false)
}

pub fn up(u: &mut Ui) {
    navigate(u, Cmd::Up)
}
pub fn down(u: &mut Ui) {
    navigate(u, Cmd::Down)
}
pub fn page_up(u: &mut Ui) {
    navigate(u, Cmd::PageUp)
}
pub fn page_down(u: &mut Ui) {
    navigate(u, Cmd::PageDown)
}
pub fn top(u: &mut Ui) {
    navigate(u, Cmd::Top)
}

/// The real end: a listing that goes on is loaded to its end (page by
/// page on the worker, the selection following).
pub fn bottom(u: &mut Ui) {
    navigate(u, Cmd::Bottom);
    if u.focus != Focus::Tree {
        return;
    }
    loop {
        let more = u
            .tree
            .selected()
            .filter(|&i| u.tree.nodes[i].data.kind == NodeKind::More)
            .and_then(|i| u.tree.nodes[i].parent);
        let Some(p) = more else {
            return;
        };
        if u.jobs.worker.is_some() {
            u.jobs.bottom = Some(p);
            if !u.jobs.pages.contains_key(&p) {
                u.ask_page(p);
            }
            return;
        }
        while u.tree.more.contains_key(&p) {
            if u.load_more(p).is_err() {
                return;
            }
        }
        u.tree.to_bottom();
    }
}

/// Up, down, page, top and bottom in the focused pane.
fn navigate(u: &mut Ui, cmd: Cmd) {
    match u.focus {
        Focus::Workspaces => {
            if u.workspaces.navigate(cmd) {
                u.spaces.sel = 0;
                u.after(|u| u.load_spaces());
            }
        }
        Focus::Spaces => {
            if u.spaces.navigate(cmd) {
                u.after(|u| u.load_tree());
            }
        }
        Focus::Tree => {
            u.jobs.bottom = None;
            u.tree.handle(cmd);
        }
        Focus::Detail => u.detail.navigate(cmd),
    }
}

pub fn select(u: &mut Ui) {
    match u.focus {
        Focus::Workspaces => u.focus = Focus::Spaces,
        Focus::Spaces => u.focus = Focus::Tree,
        _ => {}
    }
}

pub fn expand(u: &mut Ui) {
    let Some(i) = u.tree.selected() else {
        return;
    };
    if u.tree.nodes[i].expanded {
        u.tree.move_by(1);
    } else if !u.expand_selected() && !u.tree.nodes[i].expandable() {
        u.focus = Focus::Detail;
    }
}

pub fn collapse(u: &mut Ui) {
    let Some(i) = u.tree.selected() else {
        return;
    };
    if u.tree.nodes[i].expanded {
        u.tree.collapse(i);
    } else if let Some(p) = u.tree.nodes[i].parent {
        u.tree.select_node(p);
    }
}

pub fn toggle(u: &mut Ui) {
    let Some(i) = u.tree.selected() else {
        return;
    };
    if u.tree.nodes[i].data.kind == NodeKind::More {
        if let Some(p) = u.tree.nodes[i].parent {
            u.after(|u| u.load_more(p));
        }
    } else if u.tree.nodes[i].expanded {
        u.tree.collapse(i);
    } else {
        u.expand_selected();
    }
}

pub fn copy_path(u: &mut Ui) {
    if let Some(p) = u.tree.selected_path() {
        u.clipboard.push(osc52(&p));
        u.set_message(format!("copied {} to the clipboard (OSC 52)", escape(&p)));
    }
}
