//! The one key table: every key of every pane and every layer (help, the
//! who view, dialogs, pickers, the filter) is bound here to a named [`Cmd`]
//! in a [`Scope`], with a description. Help, the status-bar hints, the
//! README's table and the user's `keys.toml` all read or write this table;
//! nothing in the UI reads a key outside it (typing into a field is text,
//! not a command).

use std::collections::BTreeMap;

use super::keys::Key;

/// Where a binding applies. Pane scopes fall back to [`Scope::Global`]
/// unless the pane binds the key itself; a layer's scope is complete on its
/// own (a dialog takes `q` as text, so `quit` there is `ctrl-c` only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Global,
    Workspaces,
    Spaces,
    Tree,
    Detail,
    Help,
    Messages,
    Who,
    Input,
    Picker,
    Confirm,
    Filter,
}

impl Scope {
    pub const ALL: [Scope; 12] = [
        Scope::Global,
        Scope::Workspaces,
        Scope::Spaces,
        Scope::Tree,
        Scope::Detail,
        Scope::Help,
        Scope::Messages,
        Scope::Who,
        Scope::Input,
        Scope::Picker,
        Scope::Confirm,
        Scope::Filter,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Workspaces => "workspaces",
            Scope::Spaces => "spaces",
            Scope::Tree => "tree",
            Scope::Detail => "detail",
            Scope::Help => "help",
            Scope::Messages => "messages",
            Scope::Who => "who",
            Scope::Input => "input",
            Scope::Picker => "picker",
            Scope::Confirm => "confirm",
            Scope::Filter => "filter",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::Workspaces => "Workspaces",
            Scope::Spaces => "Spaces",
            Scope::Tree => "Tree",
            Scope::Detail => "Detail",
            Scope::Help => "This help",
            Scope::Messages => "Messages (the history)",
            Scope::Who => "Who has access",
            Scope::Input => "Text fields",
            Scope::Picker => "Pickers",
            Scope::Confirm => "Confirmations",
            Scope::Filter => "Filter (f in the tree)",
        }
    }
    /// A layer's scope stands alone; a pane's falls back to the global one.
    pub fn is_layer(self) -> bool {
        matches!(
            self,
            Scope::Help
                | Scope::Messages
                | Scope::Who
                | Scope::Input
                | Scope::Picker
                | Scope::Confirm
                | Scope::Filter
        )
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
    Help = "help": "show the keys (this pane's first)",
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
    EndInspect = "end-inspect": "clear the filter / stop inspecting",
    Search = "search": "search names in this space (jump)",
    Filter = "filter": "narrow the tree to matching names",
    CopyPath = "copy-path": "copy the path (OSC 52)",
    NextTab = "next-tab": "next detail tab",
    PrevTab = "prev-tab": "previous detail tab",
    Resources = "resources": "edit workspace resources",
    Restrict = "restrict": "restrict / allow an app's resources",
    Integrations = "integrations": "add, edit or delete workspace integrations",
    Attach = "attach": "attach / detach integrations of an app",
    Members = "members": "members and roles (account owner)",
    Refresh = "refresh": "reload from the store",
    Redraw = "redraw": "repaint the whole screen (whatever wrote over it)",
    Who = "who": "who has access, and through what",
    Messages = "messages": "the messages so far, whole: why, whom to ask",
    Palette = "palette": "find a command: its key, and whether it is open here",
    Undo = "undo": "undo your last change here (a new, audited change)",
    Can = "can": "who can: view, edit, share, move, delete",
    Close = "close": "close",
    Sort = "sort": "sort by level / by user",
    Submit = "submit": "ok",
    Cancel = "cancel": "cancel",
    Yes = "yes": "yes, do it",
    No = "no": "no, keep things as they are",
    ClearText = "clear-text": "clear the text",
    DeleteBack = "delete-back": "delete the character before the cursor",
    DeleteForward = "delete-forward": "delete the character at the cursor",
    CursorLeft = "cursor-left": "cursor left",
    CursorRight = "cursor-right": "cursor right",
    LineStart = "line-start": "cursor to the start",
    LineEnd = "line-end": "cursor to the end",
}

/// One binding of the table.
#[derive(Debug, Clone)]
pub struct Binding {
    pub scope: Scope,
    pub cmd: Cmd,
    pub keys: Vec<Key>,
    /// Shown in the status bar of the pane (or layer).
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

/// Adds bindings to a table under construction.
struct Builder(Vec<Binding>);

impl Builder {
    fn add(&mut self, scope: Scope, cmd: Cmd, keys: &[&str], hint: bool) {
        self.0.push(Binding {
            scope,
            cmd,
            keys: keys.iter().map(|s| k(s)).collect(),
            hint,
        });
    }

    fn global(&mut self) {
        use Cmd::*;
        let s = Scope::Global;
        self.add(s, Quit, &["q", "ctrl-c"], true);
        self.add(s, Help, &["?", "f1"], true);
        self.add(s, FocusNext, &["tab"], false);
        self.add(s, FocusPrev, &["backtab"], false);
        self.add(s, Inspect, &["i"], true);
        self.add(s, EndInspect, &["esc"], false);
        self.add(s, Refresh, &["ctrl-r"], false);
        self.add(s, Redraw, &["ctrl-l"], false);
        self.add(s, Messages, &["!"], false);
        self.add(s, Palette, &[":"], true);
        self.add(s, NextTab, &["]"], false);
        self.add(s, PrevTab, &["["], false);
    }

    fn lists(&mut self) {
        use Cmd::*;
        for s in [Scope::Workspaces, Scope::Spaces] {
            self.add(s, Up, &["up", "k"], false);
            self.add(s, Down, &["down", "j"], false);
            self.add(s, Top, &["home", "g"], false);
            self.add(s, Bottom, &["end", "G"], false);
            self.add(s, Select, &["enter", "right", "l", "space"], true);
        }
        self.add(Scope::Workspaces, Resources, &["R"], true);
        self.add(Scope::Workspaces, Integrations, &["I"], true);
        self.add(Scope::Workspaces, Members, &["M"], true);
    }

    fn tree(&mut self) {
        use Cmd::*;
        let s = Scope::Tree;
        self.add(s, Up, &["up", "k"], false);
        self.add(s, Down, &["down", "j"], false);
        self.add(s, PageUp, &["pgup"], false);
        self.add(s, PageDown, &["pgdn"], false);
        self.add(s, Top, &["home", "g"], false);
        self.add(s, Bottom, &["end", "G"], false);
        self.add(s, Expand, &["right", "l"], false);
        self.add(s, Collapse, &["left", "h"], false);
        self.add(s, Toggle, &["enter", "space"], false);
        self.add(s, NewFolder, &["n"], true);
        self.add(s, NewApp, &["a"], true);
        self.add(s, NewAsset, &["A"], false);
        self.add(s, Rename, &["r"], true);
        self.add(s, Describe, &["e"], false);
        self.add(s, Move, &["m"], true);
        self.add(s, CopyTo, &["c"], false);
        self.add(s, CopyBeside, &["C"], false);
        self.add(s, Delete, &["d", "delete"], true);
        self.add(s, Share, &["s"], true);
        self.add(s, Unshare, &["u"], false);
        self.add(s, Leave, &["L"], false);
        self.add(s, Search, &["/"], true);
        self.add(s, Filter, &["f"], true);
        self.add(s, Who, &["w"], true);
        self.add(s, Undo, &["z"], true);
        self.add(s, CopyPath, &["y"], false);
        self.add(s, Restrict, &["x"], false);
        self.add(s, Attach, &["t"], false);
        self.add(s, Resources, &["R"], false);
        self.add(s, Integrations, &["I"], false);
        self.add(s, Members, &["M"], false);
    }

    fn detail(&mut self) {
        use Cmd::*;
        let s = Scope::Detail;
        self.add(s, NextTab, &["right", "l", "]"], true);
        self.add(s, PrevTab, &["left", "h", "["], true);
        self.add(s, Up, &["up", "k"], false);
        self.add(s, Down, &["down", "j"], false);
        self.add(s, PageUp, &["pgup"], false);
        self.add(s, PageDown, &["pgdn"], false);
    }

    /// The overlays: help and the who view scroll; dialogs edit and choose.
    fn layers(&mut self) {
        use Cmd::*;
        for s in [Scope::Help, Scope::Messages, Scope::Who] {
            self.add(s, Down, &["down", "j"], false);
            self.add(s, Up, &["up", "k"], false);
            self.add(s, PageDown, &["pgdn", "space"], false);
            self.add(s, PageUp, &["pgup"], false);
            self.add(s, Top, &["home", "g"], false);
            self.add(s, Bottom, &["end", "G"], false);
        }
        self.add(Scope::Help, Close, &["esc", "q", "?", "f1", "enter"], true);
        self.add(Scope::Help, Quit, &["ctrl-c"], false);
        self.add(Scope::Messages, Close, &["esc", "q", "!", "enter"], true);
        self.add(Scope::Messages, Quit, &["ctrl-c"], false);
        self.add(Scope::Who, Sort, &["s", "o"], true);
        self.add(Scope::Who, Can, &["c"], true);
        self.add(Scope::Who, Close, &["esc", "q", "w", "enter"], true);
        self.add(Scope::Who, Quit, &["ctrl-c"], false);
        self.text_fields();
        self.add(Scope::Confirm, Yes, &["y", "Y"], true);
        self.add(Scope::Confirm, No, &["n", "N", "esc"], true);
        self.add(Scope::Confirm, Quit, &["ctrl-c"], false);
    }

    fn text_fields(&mut self) {
        use Cmd::*;
        for s in [Scope::Input, Scope::Picker, Scope::Filter] {
            self.add(s, Submit, &["enter"], true);
            self.add(s, Cancel, &["esc"], true);
            self.add(s, DeleteBack, &["backspace"], false);
            self.add(s, ClearText, &["ctrl-u"], false);
            self.add(s, Quit, &["ctrl-c"], false);
        }
        let s = Scope::Input;
        self.add(s, DeleteForward, &["delete"], false);
        self.add(s, CursorLeft, &["left"], false);
        self.add(s, CursorRight, &["right"], false);
        self.add(s, LineStart, &["home"], false);
        self.add(s, LineEnd, &["end"], false);
        let s = Scope::Picker;
        self.add(s, Up, &["up", "ctrl-p"], true);
        self.add(s, Down, &["down", "tab", "ctrl-n"], true);
        self.add(s, PageUp, &["pgup"], false);
        self.add(s, PageDown, &["pgdn"], false);
    }
}

impl Default for KeyMap {
    fn default() -> Self {
        let mut b = Builder(Vec::new());
        b.global();
        b.lists();
        b.tree();
        b.detail();
        b.layers();
        KeyMap { bindings: b.0 }
    }
}

impl KeyMap {
    /// The command a key runs in a scope: the scope's own bindings first,
    /// then (for a pane) the global ones.
    pub fn lookup(&self, scope: Scope, key: Key) -> Option<Cmd> {
        let find = |s: Scope| {
            self.bindings
                .iter()
                .find(|b| b.scope == s && b.keys.contains(&key))
                .map(|b| b.cmd)
        };
        match find(scope) {
            Some(c) => Some(c),
            None if scope.is_layer() => None,
            None => find(Scope::Global),
        }
    }

    /// The keys of a command in a scope (its own binding, else a pane's global one).
    pub fn keys_of(&self, scope: Scope, cmd: Cmd) -> Vec<Key> {
        let own = self
            .bindings
            .iter()
            .find(|b| b.scope == scope && b.cmd == cmd);
        own.or_else(|| {
            self.bindings
                .iter()
                .find(|b| b.scope == Scope::Global && b.cmd == cmd && !scope.is_layer())
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

    /// Rows for the help overlay: the scope's bindings first, then the
    /// global ones, then every other scope's (each layer's keys too), as
    /// (keys, description, section title).
    pub fn help_rows(&self, scope: Scope) -> Vec<(String, &'static str, &'static str)> {
        let mut order = vec![scope];
        if scope != Scope::Global {
            order.push(Scope::Global);
        }
        let rest: Vec<Scope> = Scope::ALL
            .iter()
            .filter(|s| !order.contains(s))
            .copied()
            .collect();
        order.extend(rest);
        let mut out = Vec::new();
        for s in order {
            for b in self.bindings.iter().filter(|b| b.scope == s) {
                if b.keys.is_empty() {
                    continue;
                }
                let keys: Vec<String> = b.keys.iter().map(|k| k.to_string()).collect();
                out.push((keys.join(" "), b.cmd.desc(), s.title()));
            }
            if matches!(s, Scope::Input | Scope::Picker | Scope::Filter) {
                out.push(("(type)".into(), "text: typed at the cursor", s.title()));
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

    /// Short hints for the status bar of a pane or layer.
    pub fn hints(&self, scope: Scope) -> Vec<(String, &'static str)> {
        self.hint_cmds(scope)
            .into_iter()
            .map(|(k, c)| (k, c.name()))
            .collect()
    }

    /// The status bar's hints with their commands: the first key of each.
    pub fn hint_cmds(&self, scope: Scope) -> Vec<(String, Cmd)> {
        let mut out = Vec::new();
        let scopes: &[Scope] = if scope.is_layer() || scope == Scope::Global {
            &[scope]
        } else {
            &[scope, Scope::Global]
        };
        for &s in scopes {
            for b in self.bindings.iter().filter(|b| b.scope == s && b.hint) {
                if let Some(k) = b.keys.first() {
                    out.push((k.to_string(), b.cmd));
                }
            }
        }
        out
    }

    /// Applies a key configuration (TOML): a table per scope mapping command
    /// names to a key or a list of keys, e.g. `[tree]` / `rename = ["F2", "r"]`.
    /// Returns warnings for unknown scopes, commands and keys.
    pub fn apply_config(&mut self, text: &str) -> Vec<String> {
        let doc: BTreeMap<String, toml::Value> = match toml::from_str(text) {
            Ok(d) => d,
            Err(e) => return vec![format!("key config: {}", e.message())],
        };
        let mut warn = Vec::new();
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
                match config_keys(&scope_name, cmd_name, v, &mut warn) {
                    Some((cmd, keys)) => self.bind(scope, cmd, keys),
                    None => continue,
                }
            }
        }
        warn
    }

    /// Replaces the keys of a command in a scope (adding the binding if new).
    fn bind(&mut self, scope: Scope, cmd: Cmd, keys: Vec<Key>) {
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

    /// Two commands bound to one key in one scope. A pane's own binding that
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
                    if let Some(prev) = seen.insert(*k, b.cmd).filter(|p| *p != b.cmd) {
                        out.push(format!(
                            "key {k} in {} is bound to both {} and {}",
                            scope.name(),
                            prev.name(),
                            b.cmd.name()
                        ));
                    }
                    if scope == Scope::Global || scope.is_layer() {
                        continue;
                    }
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
        out
    }
}

/// One `command = keys` line of a key configuration: the command and its
/// parsed keys, with a warning for whatever is unknown.
fn config_keys(
    scope: &str,
    cmd_name: &str,
    v: &toml::Value,
    warn: &mut Vec<String>,
) -> Option<(Cmd, Vec<Key>)> {
    let Some(cmd) = Cmd::from_name(cmd_name) else {
        warn.push(format!(
            "key config: unknown command '{cmd_name}' in [{scope}]"
        ));
        return None;
    };
    let raw: Vec<&str> = match v {
        toml::Value::String(s) => vec![s.as_str()],
        toml::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
        _ => {
            warn.push(format!(
                "key config: {scope}.{cmd_name} must be a key or a list of keys"
            ));
            return None;
        }
    };
    let mut keys = Vec::new();
    for r in raw {
        match Key::parse(r) {
            Some(k) => keys.push(k),
            None => warn.push(format!(
                "key config: unknown key '{r}' for {scope}.{cmd_name}"
            )),
        }
    }
    Some((cmd, keys))
}

#[cfg(test)]
mod tests {
    use super::super::keys::KeyCode;
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
    fn layers_do_not_fall_back_to_global_keys() {
        let km = KeyMap::default();
        // `q` is text in a field and quits nowhere but the panes and help.
        assert_eq!(km.lookup(Scope::Input, Key::ch('q')), None);
        assert_eq!(km.lookup(Scope::Tree, Key::ch('q')), Some(Cmd::Quit));
        for s in Scope::ALL.iter().filter(|s| s.is_layer()) {
            assert_eq!(km.lookup(*s, Key::ctrl('c')), Some(Cmd::Quit), "{s:?}");
        }
    }

    #[test]
    fn layer_keys_are_rebindable() {
        let mut km = KeyMap::default();
        assert!(km
            .apply_config("[confirm]\nyes = [\"enter\", \"y\"]\n[who]\nsort = \"t\"\n")
            .is_empty());
        assert_eq!(
            km.lookup(Scope::Confirm, Key::plain(KeyCode::Enter)),
            Some(Cmd::Yes)
        );
        assert_eq!(km.lookup(Scope::Who, Key::ch('t')), Some(Cmd::Sort));
        assert_eq!(km.lookup(Scope::Who, Key::ch('s')), None);
    }

    #[test]
    fn help_lists_every_key_of_every_scope() {
        let km = KeyMap::default();
        let rows = km.help_rows(Scope::Tree);
        for b in &km.bindings {
            let keys: Vec<String> = b.keys.iter().map(|k| k.to_string()).collect();
            let keys = keys.join(" ");
            assert!(
                rows.iter()
                    .any(|(k, d, s)| *k == keys && *d == b.cmd.desc() && *s == b.scope.title()),
                "{:?} {:?} missing from help",
                b.scope,
                b.cmd
            );
        }
    }

    #[test]
    fn keys_parse() {
        assert_eq!(Key::parse("ctrl-c"), Some(Key::ctrl('c')));
        assert_eq!(Key::parse("G"), Some(Key::ch('G')));
        assert_eq!(Key::parse("pgdn"), Some(Key::plain(KeyCode::PageDown)));
        assert_eq!(Key::parse("nope"), None);
    }
}
