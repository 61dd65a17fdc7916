//! Keys and commands: crossterm events become [`Input`] at the edge; one
//! table binds keys to named [`Cmd`]s per [`Scope`], with a description each.
//! The help overlay and the status-bar hints are generated from this table.

use std::collections::BTreeMap;
use std::fmt;

/// A key as the UI knows it (independent of the terminal library).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Backspace,
    Delete,
    F(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
        }
    }
    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }
    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            ctrl: true,
            alt: false,
        }
    }

    /// Parses `q`, `Q`, `ctrl-c`, `alt-x`, `enter`, `f2`, `pgdn`, `space`, `?`…
    pub fn parse(s: &str) -> Option<Key> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if lower.starts_with("ctrl-") || lower.starts_with("ctrl+") {
                ctrl = true;
                rest = &rest[5..];
            } else if lower.starts_with("alt-") || lower.starts_with("alt+") {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let code = if rest.chars().count() == 1 {
            let c = rest.chars().next()?;
            KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
        } else {
            match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" | "shift-tab" => KeyCode::BackTab,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "space" => KeyCode::Char(' '),
                f if f.starts_with('f') => {
                    KeyCode::F(f[1..].parse().ok().filter(|n| (1..=24).contains(n))?)
                }
                _ => return None,
            }
        };
        Some(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("C-")?;
        }
        if self.alt {
            f.write_str("M-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Backspace => f.write_str("Bksp"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::F(n) => write!(f, "F{n}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseKind {
    Click,
    ScrollUp,
    ScrollDown,
}

/// An input event, converted from the terminal library at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Key(Key),
    Mouse { kind: MouseKind, col: u16, row: u16 },
    Resize(u16, u16),
    Paste(String),
}

/// Converts a crossterm event (key releases and unknown events are dropped).
pub fn from_crossterm(ev: crossterm::event::Event) -> Option<Input> {
    use crossterm::event::{
        Event, KeyCode as C, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
    };
    match ev {
        Event::Key(k) => {
            if k.kind == KeyEventKind::Release {
                return None;
            }
            let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
            let alt = k.modifiers.contains(KeyModifiers::ALT);
            let code = match k.code {
                C::Char(c) => KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
                C::Enter => KeyCode::Enter,
                C::Esc => KeyCode::Esc,
                C::Tab if k.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
                C::Tab => KeyCode::Tab,
                C::BackTab => KeyCode::BackTab,
                C::Up => KeyCode::Up,
                C::Down => KeyCode::Down,
                C::Left => KeyCode::Left,
                C::Right => KeyCode::Right,
                C::PageUp => KeyCode::PageUp,
                C::PageDown => KeyCode::PageDown,
                C::Home => KeyCode::Home,
                C::End => KeyCode::End,
                C::Backspace => KeyCode::Backspace,
                C::Delete => KeyCode::Delete,
                C::F(n) => KeyCode::F(n),
                _ => return None,
            };
            Some(Input::Key(Key { code, ctrl, alt }))
        }
        Event::Mouse(m) => {
            let kind = match m.kind {
                MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
                MouseEventKind::ScrollUp => MouseKind::ScrollUp,
                MouseEventKind::ScrollDown => MouseKind::ScrollDown,
                _ => return None,
            };
            Some(Input::Mouse {
                kind,
                col: m.column,
                row: m.row,
            })
        }
        Event::Resize(w, h) => Some(Input::Resize(w, h)),
        Event::Paste(s) => Some(Input::Paste(s)),
        _ => None,
    }
}

/// Where a binding applies. Global bindings apply in every pane unless the
/// pane binds the same key itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Global,
    Workspaces,
    Spaces,
    Tree,
    Detail,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::Global,
        Scope::Workspaces,
        Scope::Spaces,
        Scope::Tree,
        Scope::Detail,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Workspaces => "workspaces",
            Scope::Spaces => "spaces",
            Scope::Tree => "tree",
            Scope::Detail => "detail",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::Workspaces => "Workspaces",
            Scope::Spaces => "Spaces",
            Scope::Tree => "Tree",
            Scope::Detail => "Detail",
        }
    }
}

macro_rules! commands {
    ($($var:ident = $name:literal : $desc:literal),+ $(,)?) => {
        /// The named commands of the UI.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Cmd { $($var),+ }
        impl Cmd {
            pub const ALL: &'static [Cmd] = &[$(Cmd::$var),+];
            /// The name used in the key configuration file.
            pub fn name(self) -> &'static str { match self { $(Cmd::$var => $name),+ } }
            pub fn desc(self) -> &'static str { match self { $(Cmd::$var => $desc),+ } }
            pub fn from_name(s: &str) -> Option<Cmd> { match s { $($name => Some(Cmd::$var),)+ _ => None } }
        }
    };
}

commands! {
    Quit = "quit": "quit",
    Help = "help": "show the keys of this pane",
    FocusNext = "focus-next": "focus the next pane",
    FocusPrev = "focus-prev": "focus the previous pane",
    Up = "up": "move up",
    Down = "down": "move down",
    PageUp = "page-up": "page up",
    PageDown = "page-down": "page down",
    Top = "top": "go to the first row",
    Bottom = "bottom": "go to the last row",
    Expand = "expand": "expand / go into",
    Collapse = "collapse": "collapse / go to parent",
    Toggle = "toggle": "expand or collapse",
    Select = "select": "open",
    NewFolder = "new-folder": "new folder",
    NewApp = "new-app": "new app",
    NewAsset = "new-asset": "new dashboard, chart or dataset",
    Rename = "rename": "rename",
    Describe = "describe": "edit the description",
    Move = "move": "move (also to Team Space and back)",
    CopyTo = "copy-to": "copy an app to a folder",
    CopyBeside = "copy-beside": "create a copy beside",
    Delete = "delete": "delete",
    Share = "share": "share",
    Unshare = "unshare": "remove a grant",
    Leave = "leave": "leave a collaboration",
    Inspect = "inspect": "inspect as another user",
    EndInspect = "end-inspect": "stop inspecting / close",
    Search = "search": "search names in this space",
    CopyPath = "copy-path": "copy the path (OSC 52)",
    NextTab = "next-tab": "next detail tab",
    PrevTab = "prev-tab": "previous detail tab",
    Resources = "resources": "edit workspace resources",
    Restrict = "restrict": "restrict / allow an app's resources",
    Integrations = "integrations": "add / delete workspace integrations",
    Attach = "attach": "attach / detach integrations of an app",
    Members = "members": "members and roles (account owner)",
    Refresh = "refresh": "reload from the store",
    Who = "who": "who has access, and through what",
}

/// One binding of the table.
#[derive(Debug, Clone)]
pub struct Binding {
    pub scope: Scope,
    pub cmd: Cmd,
    pub keys: Vec<Key>,
    /// Shown in the status bar of the pane.
    pub hint: bool,
}

/// The key table.
#[derive(Debug, Clone)]
pub struct KeyMap {
    pub bindings: Vec<Binding>,
}

fn k(s: &str) -> Key {
    Key::parse(s).unwrap_or_else(|| panic!("bad built-in key {s}"))
}

impl Default for KeyMap {
    fn default() -> Self {
        use Cmd::*;
        use Scope::*;
        let mut b = Vec::new();
        let mut add = |scope: Scope, cmd: Cmd, keys: &[&str], hint: bool| {
            b.push(Binding {
                scope,
                cmd,
                keys: keys.iter().map(|s| k(s)).collect(),
                hint,
            });
        };
        add(Global, Quit, &["q", "ctrl-c"], true);
        add(Global, Help, &["?", "f1"], true);
        add(Global, FocusNext, &["tab"], false);
        add(Global, FocusPrev, &["backtab"], false);
        add(Global, Inspect, &["i"], true);
        add(Global, EndInspect, &["esc"], false);
        add(Global, Refresh, &["ctrl-r"], false);
        add(Global, NextTab, &["]"], false);
        add(Global, PrevTab, &["["], false);
        for s in [Workspaces, Spaces] {
            add(s, Up, &["up", "k"], false);
            add(s, Down, &["down", "j"], false);
            add(s, Top, &["home", "g"], false);
            add(s, Bottom, &["end", "G"], false);
            add(s, Select, &["enter", "right", "l", "space"], true);
        }
        add(Workspaces, Resources, &["R"], true);
        add(Workspaces, Integrations, &["I"], true);
        add(Workspaces, Members, &["M"], true);
        add(Tree, Up, &["up", "k"], false);
        add(Tree, Down, &["down", "j"], false);
        add(Tree, PageUp, &["pgup"], false);
        add(Tree, PageDown, &["pgdn"], false);
        add(Tree, Top, &["home", "g"], false);
        add(Tree, Bottom, &["end", "G"], false);
        add(Tree, Expand, &["right", "l"], false);
        add(Tree, Collapse, &["left", "h"], false);
        add(Tree, Toggle, &["enter", "space"], false);
        add(Tree, NewFolder, &["n"], true);
        add(Tree, NewApp, &["a"], true);
        add(Tree, NewAsset, &["A"], false);
        add(Tree, Rename, &["r"], true);
        add(Tree, Describe, &["e"], false);
        add(Tree, Move, &["m"], true);
        add(Tree, CopyTo, &["c"], false);
        add(Tree, CopyBeside, &["C"], false);
        add(Tree, Delete, &["d", "delete"], true);
        add(Tree, Share, &["s"], true);
        add(Tree, Unshare, &["u"], false);
        add(Tree, Leave, &["L"], false);
        add(Tree, Search, &["/"], true);
        add(Tree, Who, &["w"], true);
        add(Tree, CopyPath, &["y"], false);
        add(Tree, Restrict, &["x"], false);
        add(Tree, Attach, &["t"], false);
        add(Tree, Resources, &["R"], false);
        add(Tree, Integrations, &["I"], false);
        add(Tree, Members, &["M"], false);
        add(Detail, NextTab, &["right", "l", "]"], true);
        add(Detail, PrevTab, &["left", "h", "["], true);
        add(Detail, Up, &["up", "k"], false);
        add(Detail, Down, &["down", "j"], false);
        add(Detail, PageUp, &["pgup"], false);
        add(Detail, PageDown, &["pgdn"], false);
        KeyMap { bindings: b }
    }
}

impl KeyMap {
    /// The command a key runs in a pane: the pane's own bindings first, then global ones.
    pub fn lookup(&self, scope: Scope, key: Key) -> Option<Cmd> {
        let find = |s: Scope| {
            self.bindings
                .iter()
                .find(|b| b.scope == s && b.keys.contains(&key))
                .map(|b| b.cmd)
        };
        find(scope).or_else(|| find(Scope::Global))
    }

    /// The keys of a command in a pane (pane binding, else global).
    pub fn keys_of(&self, scope: Scope, cmd: Cmd) -> Vec<Key> {
        self.bindings
            .iter()
            .find(|b| b.scope == scope && b.cmd == cmd)
            .or_else(|| {
                self.bindings
                    .iter()
                    .find(|b| b.scope == Scope::Global && b.cmd == cmd)
            })
            .map(|b| b.keys.clone())
            .unwrap_or_default()
    }

    /// The first key of a command, for hints ("" if unbound).
    pub fn key_label(&self, scope: Scope, cmd: Cmd) -> String {
        self.keys_of(scope, cmd)
            .first()
            .map(|k| k.to_string())
            .unwrap_or_default()
    }

    /// Rows for the help overlay: the pane's bindings, then the global ones.
    pub fn help_rows(&self, scope: Scope) -> Vec<(String, &'static str, &'static str)> {
        let mut out = Vec::new();
        for s in [scope, Scope::Global] {
            for b in self.bindings.iter().filter(|b| b.scope == s) {
                if b.keys.is_empty() {
                    continue;
                }
                let keys: Vec<String> = b.keys.iter().map(|k| k.to_string()).collect();
                out.push((keys.join(" "), b.cmd.desc(), s.title()));
            }
            if scope == Scope::Global {
                break;
            }
        }
        out
    }

    /// The key table as Markdown (the README's copy is checked against it).
    pub fn markdown(&self) -> String {
        let mut out = String::from("| pane | keys | command | what it does |\n|---|---|---|---|\n");
        for scope in Scope::ALL {
            for b in self
                .bindings
                .iter()
                .filter(|b| b.scope == scope && !b.keys.is_empty())
            {
                let keys: Vec<String> = b
                    .keys
                    .iter()
                    .map(|k| format!("`{k}`").replace("`|`", "`\\|`"))
                    .collect();
                out.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    scope.name(),
                    keys.join(" "),
                    b.cmd.name(),
                    b.cmd.desc()
                ));
            }
        }
        out
    }

    /// Short hints for the status bar of a pane.
    pub fn hints(&self, scope: Scope) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        for s in [scope, Scope::Global] {
            for b in self.bindings.iter().filter(|b| b.scope == s && b.hint) {
                if let Some(k) = b.keys.first() {
                    out.push((k.to_string(), b.cmd.name()));
                }
            }
            if scope == Scope::Global {
                break;
            }
        }
        out
    }

    /// Applies a key configuration (TOML): a table per scope mapping command
    /// names to a key or a list of keys, e.g. `[tree]` / `rename = ["F2", "r"]`.
    /// Returns warnings for unknown scopes, commands and keys.
    pub fn apply_config(&mut self, text: &str) -> Vec<String> {
        let mut warn = Vec::new();
        let doc: BTreeMap<String, toml::Value> = match toml::from_str(text) {
            Ok(d) => d,
            Err(e) => return vec![format!("key config: {}", e.message())],
        };
        for (scope_name, table) in doc {
            let Some(scope) = Scope::ALL.iter().copied().find(|s| s.name() == scope_name) else {
                warn.push(format!("key config: unknown pane [{scope_name}]"));
                continue;
            };
            let Some(table) = table.as_table() else {
                warn.push(format!("key config: [{scope_name}] is not a table"));
                continue;
            };
            for (cmd_name, v) in table {
                let Some(cmd) = Cmd::from_name(cmd_name) else {
                    warn.push(format!(
                        "key config: unknown command '{cmd_name}' in [{scope_name}]"
                    ));
                    continue;
                };
                let raw: Vec<String> = match v {
                    toml::Value::String(s) => vec![s.clone()],
                    toml::Value::Array(a) => a
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect(),
                    _ => {
                        warn.push(format!(
                            "key config: {scope_name}.{cmd_name} must be a key or a list of keys"
                        ));
                        continue;
                    }
                };
                let mut keys = Vec::new();
                for r in raw {
                    match Key::parse(&r) {
                        Some(k) => keys.push(k),
                        None => warn.push(format!(
                            "key config: unknown key '{r}' for {scope_name}.{cmd_name}"
                        )),
                    }
                }
                match self
                    .bindings
                    .iter_mut()
                    .find(|b| b.scope == scope && b.cmd == cmd)
                {
                    Some(b) => b.keys = keys,
                    None => self.bindings.push(Binding {
                        scope,
                        cmd,
                        keys,
                        hint: false,
                    }),
                }
            }
        }
        warn
    }

    /// Two commands bound to one key in one pane. A pane's own binding that
    /// hides a global one counts too (the global command would be out of reach there).
    pub fn conflicts(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut global: BTreeMap<Key, Cmd> = BTreeMap::new();
        for b in self.bindings.iter().filter(|b| b.scope == Scope::Global) {
            for k in &b.keys {
                global.entry(*k).or_insert(b.cmd);
            }
        }
        for scope in Scope::ALL {
            let mut seen: BTreeMap<Key, Cmd> = BTreeMap::new();
            for b in self.bindings.iter().filter(|b| b.scope == scope) {
                for k in &b.keys {
                    if let Some(prev) = seen.insert(*k, b.cmd) {
                        if prev != b.cmd {
                            out.push(format!(
                                "key {k} in {} is bound to both {} and {}",
                                scope.name(),
                                prev.name(),
                                b.cmd.name()
                            ));
                        }
                    }
                    if scope != Scope::Global {
                        if let Some(g) = global.get(k).filter(|g| **g != b.cmd) {
                            out.push(format!(
                                "key {k} in {} is bound to both {} and the global {}",
                                scope.name(),
                                b.cmd.name(),
                                g.name()
                            ));
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_has_no_conflicts() {
        assert_eq!(KeyMap::default().conflicts(), Vec::<String>::new());
    }

    #[test]
    fn config_rebinds_and_reports_conflicts() {
        let mut km = KeyMap::default();
        let w = km.apply_config("[tree]\nrename = [\"F2\"]\nmove = \"n\"\nbogus = \"z\"\n");
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(
            km.lookup(Scope::Tree, Key::plain(KeyCode::F(2))),
            Some(Cmd::Rename)
        );
        assert_eq!(km.lookup(Scope::Tree, Key::ch('r')), None);
        let c = km.conflicts();
        assert_eq!(c.len(), 1, "{c:?}");
        assert!(
            c[0].contains("new-folder") && c[0].contains("move"),
            "{c:?}"
        );
    }

    #[test]
    fn a_pane_binding_hiding_a_global_one_is_reported() {
        let mut km = KeyMap::default();
        assert!(km.apply_config("[tree]\nrename = \"i\"\n").is_empty());
        let c = km.conflicts();
        assert_eq!(c.len(), 1, "{c:?}");
        assert!(
            c[0].contains("rename") && c[0].contains("global inspect"),
            "{c:?}"
        );
    }

    #[test]
    fn keys_parse() {
        assert_eq!(Key::parse("ctrl-c"), Some(Key::ctrl('c')));
        assert_eq!(Key::parse("G"), Some(Key::ch('G')));
        assert_eq!(Key::parse("pgdn"), Some(Key::plain(KeyCode::PageDown)));
        assert_eq!(Key::parse("nope"), None);
    }
}
