//! The UI's plain state types: which pane has the focus, the detail tabs,
//! the spaces list's entries, tones of text, and the small pure helpers the
//! panes share. No I/O and no drawing.

use crate::domain::{Action, Timestamp};

use super::keymap::{Cmd, Scope};
use super::tree::{NodeData, NodeKind};
use crate::domain::SpaceRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Workspaces,
    Spaces,
    Tree,
    Detail,
}

impl Focus {
    pub const ORDER: [Focus; 4] = [Focus::Workspaces, Focus::Spaces, Focus::Tree, Focus::Detail];
    pub fn scope(self) -> Scope {
        match self {
            Focus::Workspaces => Scope::Workspaces,
            Focus::Spaces => Scope::Spaces,
            Focus::Tree => Scope::Tree,
            Focus::Detail => Scope::Detail,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Info,
    Permissions,
    Activity,
    Workspace,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Info, Tab::Permissions, Tab::Activity, Tab::Workspace];
    pub fn title(self, short: bool) -> &'static str {
        match (self, short) {
            (Tab::Info, _) => "Info",
            (Tab::Permissions, false) => "Permissions",
            (Tab::Permissions, true) => "Perms",
            (Tab::Activity, false) => "Activity",
            (Tab::Activity, true) => "Log",
            (Tab::Workspace, false) => "Workspace",
            (Tab::Workspace, true) => "WS",
        }
    }
    /// Whether the short titles are needed in `width` columns.
    pub fn short_titles(width: u16) -> bool {
        Tab::ALL
            .iter()
            .map(|t| t.title(false).len() as u16 + 3)
            .sum::<u16>()
            > width
    }
}

/// One entry of the spaces list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpaceChoice {
    Team(SpaceRef),
    Mine(SpaceRef),
    /// Items other users shared from their My Creations.
    Shared(Vec<SpaceRef>),
    /// While inspecting: spaces the inspected user has that the actor may
    /// not see (R14), named so the picture is not silently incomplete.
    Private(String),
}

impl SpaceChoice {
    pub fn label(&self) -> String {
        match self {
            SpaceChoice::Team(_) => "Team Space".into(),
            SpaceChoice::Mine(_) => "My Creations".into(),
            SpaceChoice::Shared(v) => format!("Shared with me ({})", v.len()),
            SpaceChoice::Private(what) => format!("{what}: private"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Normal,
    Heading,
    Dim,
    Ok,
    Bad,
}

/// A line of the detail pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DLine {
    pub tone: Tone,
    pub text: String,
}

pub fn dl(tone: Tone, text: impl Into<String>) -> DLine {
    DLine {
        tone,
        text: text.into(),
    }
}

/// The workspaces and spaces lists: the selection after a navigation command.
pub fn list_nav(sel: usize, len: usize, cmd: Cmd) -> usize {
    if len == 0 {
        return 0;
    }
    match cmd {
        Cmd::Up => sel.saturating_sub(1),
        Cmd::Down => (sel + 1).min(len - 1),
        Cmd::Top | Cmd::PageUp => 0,
        Cmd::Bottom | Cmd::PageDown => len - 1,
        _ => sel,
    }
}

/// The detail pane: the scroll offset after a navigation command.
pub fn scroll_nav(scroll: u16, lines: usize, cmd: Cmd) -> u16 {
    let s = scroll as isize;
    let n = match cmd {
        Cmd::Up => s - 1,
        Cmd::Down => s + 1,
        Cmd::PageUp => s - 10,
        Cmd::PageDown => s + 10,
        Cmd::Top => 0,
        Cmd::Bottom => lines as isize,
        _ => s,
    };
    n.clamp(0, lines as isize) as u16
}

/// A stable key for a node across reloads.
pub fn node_key(d: &NodeData) -> String {
    match &d.kind {
        NodeKind::Space(s) => format!("s{}:{:?}", s.ws, s.kind),
        NodeKind::Asset(k) => format!("a{}:{k}:{}", d.id.unwrap_or_default(), d.name),
        NodeKind::More => "m".to_string(),
        _ => format!("i{}", d.id.unwrap_or_default()),
    }
}

/// A timestamp as `YYYY-MM-DD HH:MM` UTC.
pub fn when(t: Timestamp) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&fmt).ok())
        .unwrap_or_else(|| t.to_string())
}

/// The OSC 52 sequence that puts text on the clipboard (works through SSH).
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

/// Whether a tree command is offered on a row of this kind (the key bar
/// follows the selected row): creating in folders and space roots, the
/// app-only actions on apps, item actions on items.
pub fn offered(cmd: Cmd, kind: &NodeKind) -> bool {
    use NodeKind as K;
    match cmd {
        Cmd::NewFolder | Cmd::NewApp => matches!(kind, K::Folder | K::Space(_)),
        Cmd::NewAsset | Cmd::Attach | Cmd::Restrict | Cmd::CopyTo | Cmd::CopyBeside => {
            matches!(kind, K::App | K::Asset(_))
        }
        Cmd::Rename
        | Cmd::Move
        | Cmd::Delete
        | Cmd::Share
        | Cmd::Unshare
        | Cmd::Leave
        | Cmd::Describe => matches!(kind, K::Folder | K::App | K::Asset(_)),
        Cmd::Who | Cmd::CopyPath => !matches!(kind, K::More),
        _ => true,
    }
}

/// A path's folder and last name: `/W/team/A/B` is (`/W/team/A`, `B`).
pub fn split_path(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// The rule-table action a command asks for on the selected row (its
/// mark in the palette and the Info tab); `None` for commands the rules
/// do not gate (navigation, views, workspace settings with their own checks).
pub fn action_of(cmd: Cmd) -> Option<Action> {
    Some(match cmd {
        Cmd::NewFolder | Cmd::NewApp => Action::Create,
        Cmd::NewAsset | Cmd::Describe | Cmd::Attach | Cmd::Restrict => Action::Edit,
        Cmd::Rename => Action::Rename,
        Cmd::Move => Action::Move,
        Cmd::CopyTo | Cmd::CopyBeside => Action::Copy,
        Cmd::Delete => Action::Delete,
        Cmd::Share | Cmd::Unshare => Action::Share,
        Cmd::Who | Cmd::CopyPath => Action::View,
        _ => return None,
    })
}

/// Whether a command changes the store (not offered while inspecting: the
/// actions shown then are the inspected user's, and changes are made as
/// oneself).
pub fn changes(cmd: Cmd) -> bool {
    matches!(
        cmd,
        Cmd::NewFolder
            | Cmd::NewApp
            | Cmd::NewAsset
            | Cmd::Rename
            | Cmd::Describe
            | Cmd::Move
            | Cmd::CopyTo
            | Cmd::CopyBeside
            | Cmd::Delete
            | Cmd::Share
            | Cmd::Unshare
            | Cmd::Leave
            | Cmd::Resources
            | Cmd::Restrict
            | Cmd::Integrations
            | Cmd::Attach
            | Cmd::Members
            | Cmd::Undo
    )
}
