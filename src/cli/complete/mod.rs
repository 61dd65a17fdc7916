//! Shell completion: `treeward completions SHELL` prints a script (clap's
//! static part — subcommands and options — and a little glue per shell), and
//! the glue calls back the hidden `treeward complete` for the values that
//! come from the store: paths, logins, groups, org units, tenants, subjects
//! and workspaces. Those are asked of the app layer as the acting user, as
//! any command is, so a completion offers only what that user sees (R12).
//! A completion never prints an error: whatever fails completes nothing.

use std::io::Write;
use std::path::PathBuf;

use clap::{Arg, Command};

use super::args::{self, Cmd};
use super::Invocation;
use crate::app::{Reply, Request};
use crate::domain::{Action, Level, Result, Role, Subject};
use crate::env::Env;

/// What a value typed on the command line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/WS/team/…`, `/WS/my/LOGIN/…`: what `ls` shows the actor.
    Path,
    Login,
    Group,
    Org,
    Tenant,
    /// `user:LOGIN`, `group:G`, `org:UNIT`, `tenant:T` (`Subject::FORMS`).
    Subject,
    Workspace,
    /// One of a fixed list of words (levels, actions, roles).
    Word(&'static [&'static str]),
}

/// The kinds `treeward complete KIND PREFIX` takes, by name.
const KINDS: &[(&str, Kind)] = &[
    ("path", Kind::Path),
    ("login", Kind::Login),
    ("group", Kind::Group),
    ("org", Kind::Org),
    ("tenant", Kind::Tenant),
    ("subject", Kind::Subject),
    ("workspace", Kind::Workspace),
];

impl Kind {
    pub fn named(name: &str) -> Option<Kind> {
        KINDS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }
    pub fn name(self) -> &'static str {
        match self {
            Kind::Word(_) => "word",
            k => KINDS.iter().find(|(_, x)| *x == k).map_or("", |(n, _)| n),
        }
    }
}

/// What `treeward complete` was asked: the candidates of `kind` that begin
/// with `prefix`, each printed after `lead` (the `--as=` of the word being
/// completed) and from byte `cut` of that on (bash replaces only the part of
/// a word after its last `:` or `=`); `kind_line`: the kind's name first, so
/// that the script knows whether to fall back on its static part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub kind: Option<Kind>,
    pub prefix: String,
    pub lead: String,
    pub cut: usize,
    pub kind_line: bool,
}

/// The completion script for `shell`: clap's, then the glue that asks
/// `treeward complete --shell SHELL` for the values from the store.
pub fn script(shell: &str) -> String {
    let (which, glue) = match shell {
        "zsh" => (clap_complete::Shell::Zsh, include_str!("treeward.zsh")),
        "fish" => (clap_complete::Shell::Fish, include_str!("treeward.fish")),
        _ => (clap_complete::Shell::Bash, include_str!("treeward.bash")),
    };
    let mut out = Vec::new();
    clap_complete::generate(which, &mut args::command(), "treeward", &mut out);
    let mut text = String::from_utf8_lossy(&out).into_owned();
    if which == clap_complete::Shell::Zsh {
        // The glue registers itself in place of clap's own function.
        if let Some(at) = text.find("if [ \"$funcstack[1]\" = \"_treeward\" ]") {
            text.truncate(at);
        }
    }
    text.push('\n');
    text.push_str(glue);
    text
}

/// `treeward complete …`: the store and actor (those typed on the line being
/// completed first), and the query. `None` when nothing can be completed:
/// the caller prints nothing and exits 0.
pub fn invocation(cli: args::Cli) -> Option<(Env, Invocation)> {
    let Some(Cmd::Complete {
        kind,
        prefix,
        shell,
        words,
    }) = cli.cmd
    else {
        return None;
    };
    let (db, socket, as_) = (cli.db, cli.socket, cli.as_);
    let (query, typed) = match shell.as_deref() {
        None => {
            let query = Query {
                kind: Kind::named(kind.as_deref()?),
                prefix: prefix.unwrap_or_default(),
                lead: String::new(),
                cut: 0,
                kind_line: false,
            };
            (query, Vec::new())
        }
        Some(shell) => from_words(shell, &words)?,
    };
    let typed = Globals::of(&typed);
    let env = Env::resolve(typed.db.or(db), typed.socket.or(socket), typed.as_.or(as_)).ok()?;
    Some((env, Invocation::Complete(query)))
}

/// The query of a completion script: bash sends the line up to the cursor,
/// zsh and fish the words after `treeward`, the last being completed. Also
/// the words before it (their `--db`, `--as` and `--socket` apply).
fn from_words(shell: &str, words: &[String]) -> Option<(Query, Vec<String>)> {
    let (words, cut_at) = if shell == "bash" {
        let breaks = std::env::var("COMP_WORDBREAKS").unwrap_or_else(|_| DEFAULT_BREAKS.into());
        let line = lex(words.first()?, &breaks, true);
        let mut w = line.words;
        w.remove(0); // the program
        (w, line.cut)
    } else {
        let w: Vec<String> = words
            .iter()
            .map(|w| lex(w, "", false).words.concat())
            .collect();
        (w, 0)
    };
    let (current, before) = words.split_last()?;
    let (kind, start) = match slot(before, current) {
        Some((kind, start)) => (Some(kind), start),
        None => (None, 0),
    };
    let query = Query {
        kind,
        prefix: current[start..].to_string(),
        lead: current[..start].to_string(),
        cut: cut_at,
        kind_line: true,
    };
    Some((query, before.to_vec()))
}

/// bash's `COMP_WORDBREAKS` when the script does not pass it.
const DEFAULT_BREAKS: &str = " \t\n\"'><=;|&(:";

/// A command line (or one word) as a POSIX shell splits it.
struct Lexed {
    /// Quotes and backslashes removed; the last word is the one at the end
    /// (empty after a space).
    words: Vec<String>,
    /// Where, in the last word, the text readline replaces begins: after
    /// its last unquoted word-break character, or its open quote.
    cut: usize,
}

/// Splits `text` into words (`split`: at unquoted blanks; a `;`, `|` or `&`
/// starts a new command) and removes quoting.
fn lex(text: &str, breaks: &str, split: bool) -> Lexed {
    let mut words = vec![String::new()];
    let (mut quote, mut escaped, mut cut, mut quoted_at) = (None, false, 0, 0);
    for c in text.chars() {
        let w = words.last_mut().expect("one word at least");
        if escaped {
            escaped = false;
            w.push(c);
            continue;
        }
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"') | None, '\\') => escaped = true,
            (Some(_), c) => w.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                quoted_at = w.len();
            }
            (None, c) if split && c.is_whitespace() => {
                if !w.is_empty() {
                    words.push(String::new());
                }
                cut = 0;
            }
            (None, ';' | '|' | '&') if split => {
                words = vec![String::new()];
                cut = 0;
            }
            (None, c) => {
                w.push(c);
                if breaks.contains(c) {
                    cut = w.len();
                }
            }
        }
    }
    if quote.is_some() {
        cut = quoted_at;
    }
    Lexed { words, cut }
}

/// `--db`, `--as` and `--socket` as typed on the line being completed.
#[derive(Default)]
struct Globals {
    db: Option<PathBuf>,
    socket: Option<PathBuf>,
    as_: Option<String>,
}

impl Globals {
    fn of(words: &[String]) -> Globals {
        let mut g = Globals::default();
        let mut it = words.iter();
        while let Some(w) = it.next() {
            let (name, inline) = match w.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (w.as_str(), None),
            };
            if !matches!(name, "--db" | "--as" | "--socket") {
                continue;
            }
            let Some(value) = inline.or_else(|| it.next().cloned()) else {
                break;
            };
            match name {
                "--db" => g.db = Some(value.into()),
                "--socket" => g.socket = Some(value.into()),
                _ => g.as_ = Some(value),
            }
        }
        g
    }
}

/// The kind of value `current` is, given the words before it (after
/// `treeward`), and where in `current` the value begins (after `--opt=`).
/// `None` where no value from the store goes (a subcommand, an option, a
/// file): the script's static part answers there.
fn slot(before: &[String], current: &str) -> Option<(Kind, usize)> {
    let mut root = args::command();
    root.build();
    let mut at = &root;
    let mut path: Vec<String> = Vec::new();
    let (mut positional, mut pending, mut options_end) = (0, None::<&Arg>, false);
    for w in before {
        if pending.take().is_some() {
            continue;
        }
        if w == "--" && !options_end {
            options_end = true;
        } else if w.starts_with('-') && w.len() > 1 && !options_end {
            pending = option(at, w).filter(|a| !w.contains('=') && a.get_action().takes_values());
        } else if let Some(sub) = at.find_subcommand(w).filter(|_| positional == 0) {
            at = sub;
            path.push(sub.get_name().to_string());
        } else {
            positional += 1;
        }
    }
    let cmd: Vec<&str> = path.iter().map(String::as_str).collect();
    if let Some(arg) = pending {
        return kind_of(&cmd, arg).map(|k| (k, 0));
    }
    if current.starts_with('-') && !options_end {
        let (_, value) = current.split_once('=')?;
        let arg = option(at, current)?;
        return kind_of(&cmd, arg).map(|k| (k, current.len() - value.len()));
    }
    let args: Vec<&Arg> = at.get_positionals().collect();
    let arg = args.get(positional).or_else(|| {
        args.last()
            .filter(|a| a.get_num_args().is_some_and(|n| n.max_values() > 1))
    })?;
    kind_of(&cmd, arg).map(|k| (k, 0))
}

/// The option `word` (`--name` or `--name=value`, or a short `-x`) of `cmd`.
fn option<'a>(cmd: &'a Command, word: &str) -> Option<&'a Arg> {
    let name = word.split('=').next()?;
    cmd.get_arguments().find(|a| match name.strip_prefix("--") {
        Some(long) => a.get_long() == Some(long),
        None => name.len() == 2 && a.get_short() == name.chars().nth(1),
    })
}

/// The kind of value the argument `arg` of the command `cmd` (its words
/// after `treeward`) takes. A new name (`user add LOGIN`) completes nothing.
fn kind_of(cmd: &[&str], arg: &Arg) -> Option<Kind> {
    let id = arg.get_id().as_str();
    Some(match (cmd, id) {
        (["user" | "group" | "org" | "tenant", "add"], "login" | "group" | "unit" | "tenant") => {
            return None
        }
        (_, "path" | "dest" | "app_path") | (["check"], "to") => Kind::Path,
        (_, "login" | "transfer_to" | "actor" | "as_") => Kind::Login,
        (_, "group") => Kind::Group,
        (_, "unit" | "parent") => Kind::Org,
        (_, "tenant") => Kind::Tenant,
        (_, "subject") => Kind::Subject,
        (_, "ws" | "workspace") | (["ws", "rename" | "rm"], "name") => Kind::Workspace,
        (["share"], "level") => Kind::Word(Level::WORDS),
        (["check"], "action") => Kind::Word(Action::WORDS),
        (["role", _], "roles") => Kind::Word(Role::WORDS),
        _ => return None,
    })
}

/// Runs one request of the app layer, as the acting user.
pub type Run<'a> = &'a mut dyn FnMut(Request) -> Result<Reply>;

/// Prints the answer to `query`, one candidate a line; always exit 0.
pub fn answer(query: &Query, run: Run) -> i32 {
    let found = match query.kind {
        Some(kind) => candidates(kind, &query.prefix, run).unwrap_or_default(),
        None => Vec::new(),
    };
    let mut out = String::new();
    if query.kind_line {
        out.push_str(query.kind.map_or("", Kind::name));
        out.push('\n');
    }
    for c in found {
        let whole = format!("{}{c}", query.lead);
        out.push_str(whole.get(query.cut..).unwrap_or(&whole));
        out.push('\n');
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(out.as_bytes())
        .and_then(|_| stdout.flush());
    0
}

/// The values of `kind` that begin with `prefix`, as the actor sees them.
pub fn candidates(kind: Kind, prefix: &str, run: Run) -> Result<Vec<String>> {
    let all: Vec<String> = match kind {
        Kind::Path => return paths(prefix, run),
        Kind::Subject => return subjects(prefix, run),
        Kind::Word(words) => words.iter().map(|w| w.to_string()).collect(),
        Kind::Login => match run(Request::UserLs)? {
            Reply::Users(v) => v.into_iter().map(|u| u.login).collect(),
            _ => Vec::new(),
        },
        Kind::Group | Kind::Org => match run(if kind == Kind::Group {
            Request::GroupLs
        } else {
            Request::OrgLs
        })? {
            Reply::Groups(v) | Reply::Orgs(v) => v.into_iter().map(|m| m.name).collect(),
            _ => Vec::new(),
        },
        Kind::Tenant => match run(Request::TenantLs)? {
            Reply::Tenants(v) => v,
            _ => Vec::new(),
        },
        Kind::Workspace => match run(Request::WsLs)? {
            Reply::Workspaces(v) => v.into_iter().map(|(name, _)| name).collect(),
            _ => Vec::new(),
        },
    };
    Ok(all.into_iter().filter(|c| c.starts_with(prefix)).collect())
}

/// The paths below the folder `prefix` ends in that begin with `prefix`:
/// what `ls` of that folder shows the actor (R12). A workspace, space or
/// folder ends in `/`, to go on typing below it.
fn paths(prefix: &str, run: Run) -> Result<Vec<String>> {
    let prefix = if prefix.is_empty() { "/" } else { prefix };
    let Some(slash) = prefix.rfind('/').filter(|_| prefix.starts_with('/')) else {
        return Ok(Vec::new());
    };
    let ls = |p: &str| Request::Ls {
        path: Some(p).filter(|p| !p.is_empty()).map(String::from),
    };
    let parent = &prefix[..slash];
    // `/WS/my` is no folder: its owners are listed in `/WS`.
    let listing = match run(ls(parent)) {
        Err(_) if !parent.is_empty() => run(ls(&parent[..parent.rfind('/').unwrap_or(0)]))?,
        other => other?,
    };
    let Reply::Listing(listing) = listing else {
        return Ok(Vec::new());
    };
    Ok(listing
        .entries
        .into_iter()
        .map(|e| match e.kind.as_str() {
            "workspace" | "space" | "folder" => format!("{}/", e.path),
            _ => e.path,
        })
        .filter(|p| p.starts_with(prefix))
        .collect())
}

/// `KIND:` while no kind is typed, then the names of that kind.
fn subjects(prefix: &str, run: Run) -> Result<Vec<String>> {
    let kinds = Subject::FORMS.iter().filter_map(|f| f.split(':').next());
    let Some((kind, name)) = prefix.split_once(':') else {
        return Ok(kinds
            .map(|k| format!("{k}:"))
            .filter(|k| k.starts_with(prefix))
            .collect());
    };
    let of = match kind {
        "user" => Kind::Login,
        "group" => Kind::Group,
        "org" => Kind::Org,
        "tenant" => Kind::Tenant,
        _ => return Ok(Vec::new()),
    };
    Ok(candidates(of, name, run)?
        .into_iter()
        .map(|n| format!("{kind}:{n}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ws: &[&str]) -> Vec<String> {
        ws.iter().map(|w| w.to_string()).collect()
    }

    fn kind_at(line: &[&str]) -> Option<(Kind, usize)> {
        let (current, before) = line.split_last().unwrap();
        slot(&words(before), current)
    }

    #[test]
    fn slots_name_the_kind_of_value() {
        assert_eq!(kind_at(&["ls", ""]), Some((Kind::Path, 0)));
        assert_eq!(kind_at(&["share", "/a b", "gr"]), Some((Kind::Subject, 0)));
        assert_eq!(
            kind_at(&["share", "/a", "group:qa", ""]),
            Some((Kind::Word(Level::WORDS), 0))
        );
        assert_eq!(
            kind_at(&["--as", "bob", "mv", "/x", "/"]),
            Some((Kind::Path, 0))
        );
        assert_eq!(kind_at(&["--as", ""]), Some((Kind::Login, 0)));
        assert_eq!(kind_at(&["ls", "--as=bo"]), Some((Kind::Login, 5)));
        assert_eq!(
            kind_at(&["check", "dave", "edit", "/x", "--to", ""]),
            Some((Kind::Path, 0))
        );
        assert_eq!(
            kind_at(&["role", "grant", "W", "dave", "analyst", ""]),
            Some((Kind::Word(Role::WORDS), 0))
        );
        assert_eq!(kind_at(&["group", "join", ""]), Some((Kind::Group, 0)));
        assert_eq!(
            kind_at(&["group", "join", "qa", ""]),
            Some((Kind::Login, 0))
        );
        assert_eq!(kind_at(&["ws", "rm", ""]), Some((Kind::Workspace, 0)));
        assert_eq!(
            kind_at(&["grants", "ls", "--subject", ""]),
            Some((Kind::Subject, 0))
        );
        for none in [
            &["sh"][..],
            &["ls", "--j"],
            &["user", "add", ""],
            &["group", "add", ""],
            &["ws", "add", ""],
            &["export", ""],
            &["copy", "a", ""],
            &["share", "--note", ""],
        ] {
            assert_eq!(kind_at(none), None, "{none:?}");
        }
    }

    #[test]
    fn lines_split_as_the_shell_splits_them() {
        let l = lex(
            r#"treeward --as bob ls "/Default Wor"#,
            DEFAULT_BREAKS,
            true,
        );
        assert_eq!(l.words, ["treeward", "--as", "bob", "ls", "/Default Wor"]);
        assert_eq!(l.cut, 0);
        let l = lex(r"treeward ls /Default\ Workspace/te", DEFAULT_BREAKS, true);
        assert_eq!(l.words.last().unwrap(), "/Default Workspace/te");
        assert_eq!(l.cut, 0);
        let l = lex("x; treeward share '/a b' group:q", DEFAULT_BREAKS, true);
        assert_eq!(l.words, ["treeward", "share", "/a b", "group:q"]);
        assert_eq!(l.cut, "group:".len());
        assert_eq!(
            lex("treeward ls ", DEFAULT_BREAKS, true)
                .words
                .last()
                .unwrap(),
            ""
        );
        assert_eq!(lex(r#""/a b"/c"#, "", false).words.concat(), "/a b/c");
    }

    #[test]
    fn globals_typed_on_the_line_are_found() {
        let g = Globals::of(&words(&["--db", "/tmp/x", "ls", "--as=bob"]));
        assert_eq!(g.db, Some(PathBuf::from("/tmp/x")));
        assert_eq!(g.as_.as_deref(), Some("bob"));
        assert!(g.socket.is_none());
    }
}
