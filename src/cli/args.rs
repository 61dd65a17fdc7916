//! The command line of SPEC §11 (a contract: scripts rely on it). Every
//! command's `--help` names its arguments, lists the values they accept
//! (taken from the types that parse them) and ends with examples.

use std::path::PathBuf;

use clap::{Arg, ArgMatches, Command, CommandFactory, FromArgMatches, Parser, Subcommand};
use serde::{Deserialize, Serialize};

use crate::app::review::{WHO_LEVELS, WHO_VIAS};
use crate::domain::{Action, AssetKind, IntegKind, Level, ResourceKind, Role, Subject};

/// "HEAD (one of: a, b, c)": an argument's help with the words it accepts.
fn one_of(head: &str, words: &[&str]) -> String {
    format!("{head} (one of: {})", words.join(", "))
}

/// The `Examples:` block that ends a command's help.
macro_rules! examples {
    ($($line:literal),+ $(,)?) => {
        concat!("Examples:", $("\n  ", $line),+)
    };
}

/// The commands `--dry-run` applies to: every change of the account (SPEC
/// §11, `Request::is_change`), those that alter access first. It is taken
/// after them, or before the command.
pub const DRY_RUN_ON: &[&[&str]] = &[
    &["mv"],
    &["share"],
    &["unshare"],
    &["rm"],
    &["leave"],
    &["role", "grant"],
    &["role", "revoke"],
    &["group", "rm"],
    &["group", "join"],
    &["group", "leave"],
    &["org", "rm"],
    &["org", "join"],
    &["org", "leave"],
    &["user", "rm"],
    &["user", "add"],
    &["ws", "rm"],
    &["apply"],
    &["mkdir"],
    &["app"],
    &["cp"],
    &["rename"],
    &["describe"],
    &["asset", "add"],
    &["asset", "rm"],
    &["asset", "rename"],
    &["group", "add"],
    &["org", "add"],
    &["tenant", "add"],
    &["ws", "add"],
    &["ws", "rename"],
    &["resource", "set"],
    &["resource", "restrict"],
    &["resource", "allow"],
    &["integ", "add"],
    &["integ", "rm"],
    &["integ", "edit"],
    &["integ", "attach"],
    &["integ", "detach"],
];

/// `--clear-incomplete` of the loads (gen, import, copy, demo).
const CLEAR_INCOMPLETE: &str = "First clear what an interrupted load left in the store (a store such a load marked, or records without an account; never a whole account), then load";

/// The shells `completions` writes a script for.
pub const SHELLS: &[&str] = &["bash", "zsh", "fish"];

/// The commands that draw trees: `--ascii` applies to them and to the terminal UI.
pub const ASCII_ON: &[&[&str]] = &[&["tree"], &["access"]];

/// The whole command line: [`Cli`], with `--dry-run` and `--ascii` also on
/// the commands they apply to (and in no other command's help).
pub fn command() -> Command {
    let top = Cli::command();
    let arg = |id: &str| top.get_arguments().find(|a| a.get_id() == id).cloned();
    let (dry_run, ascii) = (arg("dry_run"), arg("ascii"));
    let mut c = top;
    for (paths, arg) in [(DRY_RUN_ON, dry_run), (ASCII_ON, ascii)] {
        for path in paths {
            c = with_arg(c, path, arg.clone().expect("a flag of Cli"));
        }
    }
    c
}

fn with_arg(c: Command, path: &[&str], arg: Arg) -> Command {
    match path {
        [] => c.arg(arg),
        [first, rest @ ..] => c.mut_subcommand(*first, |s| with_arg(s, rest, arg)),
    }
}

/// Parses the command line: a flag given after a command counts as one
/// given before it.
pub fn try_parse() -> Result<Cli, clap::Error> {
    let m = command().try_get_matches()?;
    let mut cli = Cli::from_arg_matches(&m)?;
    cli.dry_run |= flag_below(&m, "dry_run");
    cli.ascii |= flag_below(&m, "ascii");
    Ok(cli)
}

/// The flag `id` set on the command (or subcommand) that was given.
fn flag_below(m: &ArgMatches, id: &str) -> bool {
    let mut at = m;
    while let Some((_, sub)) = at.subcommand() {
        if let Ok(Some(true)) = sub.try_get_one::<bool>(id) {
            return true;
        }
        at = sub;
    }
    false
}

#[derive(Parser, Debug)]
#[command(
    name = "treeward",
    version,
    about = "A terminal console for the application hierarchy of an app platform: who can do what here, and why.",
    after_help = concat!(
        "With no command: the terminal UI. `treeward COMMAND --help` names the command's\n",
        "arguments, the values they accept, and gives examples.\n\n",
        examples!(
        "treeward demo                     # a sample account you own",
        r#"treeward tree "/Default Workspace/team""#,
        r#"treeward check dave edit "/Default Workspace/team/Plant/Line1/OEE""#,
        "treeward --theme light            # the terminal UI, light colours",
    ))
)]
pub struct Cli {
    /// The store: a directory, or a PostgreSQL connection string (postgresql://USER@HOST/DB) [default: $TREEWARD_DB, else the user's data directory]
    #[arg(long, global = true, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Act as this user [default: $TREEWARD_USER, else the login name]
    #[arg(long = "as", global = true, value_name = "LOGIN")]
    pub as_: Option<String>,
    /// One JSON document on stdout, for scripts (the same as `-o json`)
    #[arg(long, global = true)]
    pub json: bool,
    /// How answers are written: text for people; json, one document (as --json); for answers that are tables also jsonl (a JSON object per line), csv (RFC 4180) and tsv (\t, \n, \\ escaped), a header row first
    #[arg(short = 'o', long, global = true, value_enum, value_name = "FORMAT")]
    pub output: Option<super::table::Format>,
    /// Print nothing on stdout where the exit code is the answer (check: 0
    /// allow, 1 deny); errors still go to stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[arg(long, value_name = "THEME", help = format!(
        "Terminal UI colour theme: a TOML file, or one built in ({})",
        crate::tui::theme::Theme::built_in_names().join(", "),
    ))]
    pub theme: Option<String>,
    /// Plain ASCII glyphs: in the terminal UI, and in the trees of `tree` and `access`
    #[arg(long)]
    pub ascii: bool,
    #[arg(long, help = format!(
        "Change nothing; print what the change would do and who would gain and lose which level. On every change: {} (before the command or after it)",
        DRY_RUN_ON.iter().map(|p| p.join(" ")).collect::<Vec<_>>().join(", "),
    ))]
    pub dry_run: bool,
    /// The socket of a `treeward serve`: with a command, send it there (exit 6
    /// when no server listens); with `serve`, where to listen
    /// [default: treeward.sock in the store directory, used when a server listens]
    #[arg(long, global = true, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    #[command(subcommand)]
    pub cmd: Option<Cmd>,
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum Cmd {
    /// Create the account, its owner and Default Workspace (R5)
    #[command(after_help = examples!("treeward init --owner admin"))]
    Init {
        /// The login of the account owner: every role in every workspace (R5)
        #[arg(long, value_name = "LOGIN")]
        owner: String,
    },
    /// Users: add, ls
    #[command(subcommand, after_help = examples!(
        r#"treeward user add erin --name "Erin Walsh""#,
        "treeward user ls",
    ))]
    User(UserCmd),
    /// Groups: add, rm, join, leave, ls (R4)
    #[command(subcommand, after_help = examples!(
        "treeward group add ops",
        "treeward group join ops carol",
    ))]
    Group(GroupCmd),
    /// Org units: add, rm, join, leave, ls (R4)
    #[command(subcommand, after_help = examples!(
        "treeward org add emea --parent sales",
        "treeward org join emea dave",
    ))]
    Org(OrgCmd),
    /// Tenants: add, ls
    #[command(subcommand, after_help = examples!("treeward tenant add acme", "treeward tenant ls"))]
    Tenant(TenantCmd),
    /// Workspaces: add, rename, rm, ls
    #[command(subcommand, after_help = examples!(r#"treeward ws add "Plant Ops""#, "treeward ws ls"))]
    Ws(WsCmd),
    /// Workspace roles: grant, revoke, ls (R7, R8)
    #[command(subcommand, after_help = examples!(
        r#"treeward role grant "Default Workspace" dave analyst"#,
        r#"treeward role ls "Default Workspace""#,
    ))]
    Role(RoleCmd),
    /// Create a folder at PATH
    #[command(after_help = examples!(r#"treeward mkdir "/Default Workspace/team/Plant/Line3""#))]
    Mkdir {
        /// The new folder: /WS/team/…/NAME or /WS/my/LOGIN/…/NAME
        path: String,
    },
    /// Create an app at PATH
    #[command(after_help = examples!(
        r#"treeward app "/Default Workspace/team/Plant/Line3/Throughput""#
    ))]
    App {
        /// The new app: /WS/team/…/NAME or /WS/my/LOGIN/…/NAME
        path: String,
    },
    /// Assets of an app: add, rm
    #[command(subcommand, after_help = examples!(
        r#"treeward asset add "/Default Workspace/team/Plant/Line1/OEE" chart Scrap"#,
        r#"treeward asset rm "/Default Workspace/team/Plant/Line1/OEE:chart/Scrap""#,
    ))]
    Asset(AssetCmd),
    /// Move PATH into DEST_FOLDER_PATH (a folder or a space root)
    #[command(after_help = examples!(
        r#"treeward mv "/Default Workspace/team/Plant/Line1/OEE" "/Default Workspace/team/Quality""#,
        r#"treeward mv --dry-run "/Default Workspace/team/Plant/Line1" "/Default Workspace/my/alice""#,
    ))]
    Mv {
        /// The folder or app to move: /WS/team/… or /WS/my/LOGIN/…
        path: String,
        /// Where it goes: a folder, or a space root (/WS/team, /WS/my/LOGIN)
        #[arg(value_name = "DEST_FOLDER_PATH")]
        dest: String,
    },
    /// Rename PATH to NEW_NAME
    #[command(after_help = examples!(
        r#"treeward rename "/Default Workspace/team/Plant/Line2/Energy" "Energy use""#
    ))]
    Rename {
        /// The folder or app to rename: /WS/team/… or /WS/my/LOGIN/…
        path: String,
        /// Its new name (one path segment: no '/' or ':')
        new_name: String,
    },
    /// Delete PATH (a folder only when empty, R28)
    #[command(after_help = examples!(
        r#"treeward rm "/Default Workspace/team/Archive/Legacy KPIs""#,
        r#"treeward rm --dry-run "/Default Workspace/team/Welcome""#,
    ))]
    Rm {
        /// The folder or app to delete: /WS/team/… or /WS/my/LOGIN/…
        path: String,
    },
    /// Copy an app into DEST, or beside itself with --beside (R20)
    #[command(after_help = examples!(
        r#"treeward cp "/Default Workspace/team/Quality/SPC" "/Default Workspace/my/bob""#,
        r#"treeward cp "/Default Workspace/team/Quality/SPC" --beside"#,
    ))]
    Cp {
        /// The app to copy: /WS/team/… or /WS/my/LOGIN/…
        path: String,
        /// The folder or space root to copy into (the name is kept)
        #[arg(required_unless_present = "beside", conflicts_with = "beside")]
        dest: Option<String>,
        /// Copy into the app's own folder as "NAME (copy)"
        #[arg(long)]
        beside: bool,
    },
    /// Grant SUBJECT a LEVEL on PATH (R16, R27)
    #[command(after_help = examples!(
        r#"treeward share "/Default Workspace/team/Plant/Line1" group:qa editor --note "QA reviews line 1""#,
        r#"treeward share "/Default Workspace/team/Sales/Customer portal" tenant:acme tenant"#,
    ))]
    Share {
        /// The folder or app to share: /WS/team/… or /WS/my/LOGIN/…
        path: String,
        #[arg(help = one_of("Who is granted", Subject::FORMS))]
        subject: String,
        #[arg(help = one_of(
            "The level granted; tenant only to a tenant (its users view apps)",
            Level::WORDS,
        ))]
        level: String,
        /// A note kept with the grant and in the audit log; without one, a grant already there keeps its note
        #[arg(long, default_value = "", hide_default_value = true)]
        note: String,
    },
    /// Revoke SUBJECT's grant on PATH
    #[command(after_help = examples!(
        r#"treeward unshare "/Default Workspace/team/Plant/Line1" group:qa"#
    ))]
    Unshare {
        /// The folder or app shared: /WS/team/… or /WS/my/LOGIN/…
        path: String,
        #[arg(help = one_of("Whose grant is revoked", Subject::FORMS))]
        subject: String,
    },
    /// Cancel your own collaboration on PATH (R17)
    #[command(after_help = examples!(r#"treeward --as carol leave "/Default Workspace/my/bob/Drafts""#))]
    Leave {
        /// The item shared with you as a user: /WS/team/… or /WS/my/LOGIN/…
        path: String,
    },
    /// List what you see at PATH (R3)
    #[command(after_help = examples!("treeward ls", r#"treeward ls "/Default Workspace/team/Plant""#))]
    Ls {
        /// What to list: /, /WS, /WS/team/…, /WS/my/LOGIN/… [default: every workspace]
        path: Option<String>,
    },
    /// Draw the hierarchy you see below PATH
    #[command(after_help = examples!("treeward tree", r#"treeward --as bob tree "/Default Workspace/team""#))]
    Tree {
        /// Where to start: /WS, /WS/team/…, /WS/my/LOGIN/… [default: everything]
        path: Option<String>,
    },
    /// May LOGIN take ACTION on PATH? Prints allow or deny (exit 0 or 1)
    #[command(after_help = examples!(
        r#"treeward check dave edit "/Default Workspace/team/Plant/Line1/OEE""#,
        r#"treeward check dave move "/Default Workspace/team/Plant/Line1/OEE" --to "/Default Workspace/team/Plant""#,
    ))]
    Check {
        /// The user asked about
        login: String,
        #[arg(help = one_of("What they would do", Action::WORDS))]
        action: String,
        /// The item: /WS/team/… or /WS/my/LOGIN/…
        path: String,
        /// For move and copy: decide for this destination folder too
        #[arg(long, value_name = "DEST")]
        to: Option<String>,
    },
    /// Explain LOGIN's effective level on PATH (R13)
    #[command(after_help = examples!(r#"treeward explain dave "/Default Workspace/team/Plant/Line1/OEE""#))]
    Explain {
        /// The user asked about
        login: String,
        /// The item: /WS/team/… or /WS/my/LOGIN/…
        path: String,
    },
    /// Set an item's description
    #[command(after_help = examples!(
        r#"treeward describe "/Default Workspace/team/Plant/Line1/OEE" "Availability, performance, quality""#
    ))]
    Describe {
        /// The folder or app: /WS/team/… or /WS/my/LOGIN/…
        path: String,
        /// The new description
        text: String,
    },
    /// Workspace resources: ls, set, restrict, allow (R29, R30)
    #[command(subcommand, after_help = examples!(
        r#"treeward resource ls "Default Workspace""#,
        r#"treeward resource restrict "/Default Workspace/team/Sales/Customer portal" influxdb"#,
    ))]
    Resource(ResourceCmd),
    /// Integrations: add, rm, edit, ls, attach, detach (R31)
    #[command(subcommand, after_help = examples!(
        r#"treeward integ ls "Default Workspace""#,
        r#"treeward integ attach "/Default Workspace/team/Plant/Line2/Energy" MES"#,
    ))]
    Integ(IntegCmd),
    /// The raw grants on what you can view: read them before a bulk change
    #[command(subcommand, after_help = examples!(
        r#"treeward grants ls "/Default Workspace/team/Plant" --recursive"#,
        "treeward grants ls --subject group:qa",
    ))]
    Grants(GrantsCmd),
    /// Make a file of changes hold, as one atomic change (YAML, JSON or CSV)
    #[command(after_help = concat!(
        "Each entry is a one-key map named after a change, stating what should hold:\n",
        "  - share: {path: \"/W/team/Sales\", subject: \"user:frank\", level: viewer, note: \"Q3\"}\n",
        "  - mkdir: {path: \"/W/team/Sales/New\"}\n",
        "Entries already holding change nothing, so applying a file twice changes nothing\n",
        "the second time. The first entry refused refuses the file (its line is named).\n",
        "Changes: share, unshare, mkdir, app, mv, rename, rm, describe, role_grant,\n",
        "role_revoke, user_add, group_add, group_join, group_leave, org_add, org_join,\n",
        "org_leave, tenant_add, ws_add, asset_add (README, \"Changes files\").\n\n",
        examples!(
            "treeward apply access.yaml",
            "treeward apply --dry-run access.yaml     # one what-if for the whole file",
            "treeward apply grants.csv",
        )
    ))]
    Apply {
        /// The changes file (.yaml, .json, .csv), or '-' for stdin (YAML or JSON)
        file: PathBuf,
    },
    /// Check a file of access expectations against the store, or against a store the file describes
    #[command(after_help = concat!(
        "A YAML file: `tests`, each with a name and lists of check, who, access, explain and\n",
        "whatif assertions, and optionally a `setup` describing its own store (an export, the\n",
        "demo, and changes as `apply` takes them). Prints one line per failed assertion with\n",
        "what was expected and what was found, then `N passed, M failed`; exits 1 when any\n",
        "failed (README, \"Test files\").\n\n",
        examples!(
            "treeward test access-tests.yaml",
            "treeward test --junit report.xml tests/*.yaml",
        )
    ))]
    Test {
        /// Test files (YAML)
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also write the results as JUnit XML to this file
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
    },
    /// The audit log (R32)
    #[command(after_help = examples!(
        "treeward log",
        r#"treeward log --workspace "Default Workspace""#,
        r#"treeward log --access --since 2026-11-01 --path "/Default Workspace/team/Plant"   # who got access since the review"#,
        "treeward log -o csv > audit.csv",
    ))]
    Log {
        /// Only the entries of this workspace
        #[arg(long, value_name = "WS")]
        workspace: Option<String>,
        /// Only entries at or after this time (2026-11-30, 2026-11-30T14:00:00Z), UTC
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Only entries before this time (the same forms as --since)
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// Only the changes this user made
        #[arg(long, value_name = "LOGIN")]
        actor: Option<String>,
        /// Only this kind of change (share, unshare, mv, rm, …: the log's action column)
        #[arg(long)]
        action: Option<String>,
        /// Only entries naming this path or a path below it
        #[arg(long)]
        path: Option<String>,
        /// Only changes that altered access, each with who gained and who lost what (recorded with the change)
        #[arg(long)]
        access: bool,
    },
    /// Write the whole store as JSON to FILE (or stdout)
    #[command(after_help = examples!("treeward export backup.json", "treeward export --force backup.json"))]
    Export {
        /// The file to write (mode 0600); an existing one only with --force
        file: Option<PathBuf>,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
    },
    /// Load an export into an empty store ('-' reads stdin)
    #[command(after_help = examples!(
        "treeward --db /tmp/copy import backup.json",
        "treeward export | treeward --db /tmp/copy import -",
    ))]
    Import {
        /// A file written by `treeward export`, or '-' for stdin
        file: PathBuf,
        #[arg(long, help = CLEAR_INCOMPLETE)]
        clear_incomplete: bool,
    },
    /// Fill an empty store with a realistic sample account owned by you
    #[command(after_help = examples!("treeward --db /tmp/treeward-demo demo", "treeward --db /tmp/treeward-demo --as alice tree"))]
    Demo {
        #[arg(long, help = CLEAR_INCOMPLETE)]
        clear_incomplete: bool,
    },
    /// Every user who can view PATH, their level and where it comes from
    #[command(after_help = examples!(
        r#"treeward who "/Default Workspace/team/Plant""#,
        r#"treeward who "/Default Workspace/team/Plant" --level editor --via group"#,
        r#"treeward who --recursive "/Default Workspace/team/Plant" -o csv > plant.csv"#,
    ))]
    Who {
        /// The item: /WS/team/… or /WS/my/LOGIN/…
        path: String,
        #[arg(long, help = one_of("Only users at this level", WHO_LEVELS))]
        level: Option<String>,
        #[arg(long, help = one_of("Only users reached through", WHO_VIAS))]
        via: Option<String>,
        /// PATH and every item below it you can view, a row per user and item, streamed (-o csv, tsv, jsonl for other tools)
        #[arg(long, short = 'r')]
        recursive: bool,
    },
    /// Everything LOGIN can view, as a tree with their level on each item
    #[command(after_help = examples!(
        "treeward access tina",
        r#"treeward access bob --workspace "Default Workspace""#,
        "treeward access --all -o csv > entitlements.csv",
    ))]
    Access {
        /// The user asked about (not with --all)
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        login: Option<String>,
        /// Only this workspace
        #[arg(long, value_name = "WS")]
        workspace: Option<String>,
        /// The entitlement report: every user × every item they can view, with level and where it comes from, streamed (-o csv, tsv, jsonl for other tools)
        #[arg(long)]
        all: bool,
    },
    /// Fill an empty store with a large generated account (benchmarks)
    #[command(after_help = examples!(
        "treeward gen --items 100000 --users 2000 --grants 5000",
        "treeward gen --wide 5000 --seed 7",
    ))]
    Gen {
        /// Folders and apps
        #[arg(long, default_value_t = 10_000)]
        items: usize,
        /// Users besides you
        #[arg(long, default_value_t = 200)]
        users: usize,
        /// Groups
        #[arg(long, default_value_t = 20)]
        groups: usize,
        /// Levels of org units
        #[arg(long, default_value_t = 4)]
        org_depth: usize,
        /// Levels of folders
        #[arg(long, default_value_t = 6)]
        depth: usize,
        /// Grants on folders and apps
        #[arg(long, default_value_t = 1_000)]
        grants: usize,
        /// Also a folder /W1/team/Wide with this many apps
        #[arg(long, default_value_t = 0)]
        wide: usize,
        /// The random seed: the same seed, the same account
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, help = CLEAR_INCOMPLETE)]
        clear_incomplete: bool,
    },
    /// Check the store's invariants; with --repair, back up then fix what is safe
    #[command(after_help = examples!("treeward doctor", "treeward doctor --repair --backup /tmp/before-repair"))]
    Doctor {
        /// Fix what is safe (dangling or missing index entries), after a backup
        #[arg(long)]
        repair: bool,
        /// Where the backup before a repair goes [default: beside the store]
        #[arg(long, value_name = "DIR", requires = "repair")]
        backup: Option<PathBuf>,
    },
    /// Write a consistent copy of the store into DIR (export.json and a store)
    #[command(after_help = examples!("treeward backup /var/backups/treeward", "treeward backup --force /var/backups/treeward"))]
    Backup {
        /// The directory to write: new or empty, or holding an earlier backup with --force
        dir: PathBuf,
        /// Replace the backup already in DIR (its export.json and store; nothing else is touched)
        #[arg(long)]
        force: bool,
    },
    /// Copy a whole store into an empty one: a directory or a PostgreSQL
    /// connection string either way (consistent while FROM is in use)
    #[command(after_help = examples!(
        "treeward copy ~/.local/share/treeward postgresql://treeward@db.internal/treeward",
        "treeward copy postgresql://treeward@db.internal/treeward /tmp/treeward-copy",
    ))]
    Copy {
        /// The store to copy: a directory or postgresql://USER@HOST/DB
        from: PathBuf,
        /// The empty store to fill: a directory or postgresql://USER@HOST/DB
        to: PathBuf,
        #[arg(long, help = CLEAR_INCOMPLETE)]
        clear_incomplete: bool,
    },
    /// Make or bring up to date a database store's tables (as a role that
    /// may create tables; every other command creates and alters nothing)
    #[command(after_help = examples!("treeward --db postgresql://treeward_admin@db1/treeward migrate", "treeward --db postgresql://treeward_admin@db1/treeward migrate --dry-run"))]
    Migrate {
        /// Say which migrations would be applied, and change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Serve the store to several users at once over a Unix socket (--socket)
    #[command(after_help = examples!("treeward serve", "treeward serve --socket /run/treeward/treeward.sock"))]
    Serve,
    /// Print every change as a server commits it (needs `treeward serve`);
    /// reconnects by itself when the server comes back
    #[command(after_help = examples!(
        "treeward watch",
        "treeward --json watch",
        "treeward watch --since 1200        # first the changes after 1200, from the log",
    ))]
    Watch {
        /// First print the changes after this seq (the log's first column), from the log; a
        /// reconnection catches up the same way
        #[arg(long, value_name = "SEQ")]
        since: Option<u64>,
    },
    /// Print a completion script for bash, zsh or fish: subcommands, options,
    /// and values from the store (paths, logins, groups, subjects) as you see them
    #[command(after_help = examples!(
        "treeward completions bash > ~/.local/share/bash-completion/completions/treeward",
        r#"treeward completions zsh > "${fpath[1]}/_treeward""#,
        "treeward completions fish > ~/.config/fish/completions/treeward.fish",
    ))]
    Completions {
        #[arg(value_parser = SHELLS.to_vec(), help = one_of("The shell", SHELLS))]
        shell: String,
    },
    /// Print the man page, or write one page per command into DIR
    #[command(after_help = examples!(
        "treeward man | man -l -",
        "treeward man /usr/local/share/man/man1",
    ))]
    Man {
        /// Where to write treeward.1, treeward-share.1, treeward-role-grant.1, …
        /// [default: the top page on stdout]
        dir: Option<PathBuf>,
    },
    /// The completion scripts' call back: candidates, one a line. `complete
    /// KIND [PREFIX]`, or `complete --shell SHELL -- WORDS` (the kind found
    /// from the words typed, on the first line)
    #[command(hide = true)]
    Complete {
        /// path, login, group, org, tenant, subject, workspace
        kind: Option<String>,
        /// What is typed so far
        prefix: Option<String>,
        /// bash: WORDS is the line up to the cursor; zsh, fish: the words
        /// after `treeward`, the last one being completed
        #[arg(long, value_parser = SHELLS.to_vec())]
        shell: Option<String>,
        #[arg(last = true)]
        words: Vec<String>,
    },
    /// Test-only: random operations until killed, one line per acknowledged change
    #[command(hide = true)]
    StressWriter {
        #[arg(long)]
        seed: u64,
        /// Stop after this many operations (0: run until killed)
        #[arg(long, default_value_t = 0)]
        ops: u64,
        #[arg(long, default_value = "Default Workspace")]
        workspace: String,
        /// The Team Space folder the writer works below
        #[arg(long, default_value = "stress")]
        root: String,
    },
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum UserCmd {
    /// Add a user to the account
    #[command(after_help = examples!(
        r#"treeward user add erin --name "Erin Walsh""#,
        "treeward user add tina --tenant acme",
    ))]
    Add {
        /// The new login: [a-z0-9][a-z0-9._-]{0,31}
        login: String,
        /// The name shown for them [default: the login]
        #[arg(long, value_name = "TEXT")]
        name: Option<String>,
        /// The tenant (an outside company) they belong to
        #[arg(long, value_name = "T")]
        tenant: Option<String>,
    },
    /// List the users (the account owner first)
    #[command(after_help = examples!("treeward user ls", "treeward --json user ls"))]
    Ls,
    /// Offboard a user: their My Creations handed over (R8), their roles,
    /// memberships and the grants to them ended, in one change; it reports
    /// who loses what (`log --access` keeps it)
    #[command(after_help = examples!(
        "treeward user rm --dry-run frank   # who would lose what; nothing changes",
        "treeward user rm frank",
        "treeward user rm bob --transfer-to carol",
    ))]
    Rm {
        /// The login to remove (never the account owner, R5)
        login: String,
        /// Another analyst who receives their My Creations items, in a
        /// folder named after the login (needed while they hold items)
        #[arg(long, value_name = "LOGIN")]
        transfer_to: Option<String>,
    },
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum GroupCmd {
    /// Add a group
    #[command(after_help = examples!("treeward group add ops"))]
    Add {
        /// The new group's name
        group: String,
    },
    /// Remove a group (its grants go with it)
    #[command(after_help = examples!("treeward group rm ops", "treeward group rm --dry-run qa"))]
    Rm {
        /// The group to remove
        group: String,
    },
    /// Add LOGIN to a group
    #[command(after_help = examples!("treeward group join qa dave", "treeward group join --dry-run qa dave"))]
    Join {
        /// The group
        group: String,
        /// The user who joins it
        login: String,
    },
    /// Take LOGIN out of a group
    #[command(after_help = examples!("treeward group leave qa carol"))]
    Leave {
        /// The group
        group: String,
        /// The user who leaves it
        login: String,
    },
    /// List the groups and their members
    #[command(after_help = examples!("treeward group ls"))]
    Ls,
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum OrgCmd {
    /// Add an org unit, at the top or under --parent
    #[command(after_help = examples!("treeward org add company", "treeward org add emea --parent sales"))]
    Add {
        /// The new unit's name
        unit: String,
        /// The unit it belongs under [default: none, a top unit]
        #[arg(long, value_name = "UNIT")]
        parent: Option<String>,
    },
    /// Remove an org unit (its grants go with it)
    #[command(after_help = examples!("treeward org rm apac"))]
    Rm {
        /// The unit to remove
        unit: String,
    },
    /// Add LOGIN to an org unit
    #[command(after_help = examples!("treeward org join emea dave"))]
    Join {
        /// The org unit
        unit: String,
        /// The user who joins it
        login: String,
    },
    /// Take LOGIN out of an org unit
    #[command(after_help = examples!("treeward org leave emea dave"))]
    Leave {
        /// The org unit
        unit: String,
        /// The user who leaves it
        login: String,
    },
    /// List the org units, their parents and members
    #[command(after_help = examples!("treeward org ls"))]
    Ls,
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum TenantCmd {
    /// Add a tenant: an outside company whose users see only what is shared with it
    #[command(after_help = examples!("treeward tenant add acme"))]
    Add {
        /// The new tenant's name
        tenant: String,
    },
    /// List the tenants
    #[command(after_help = examples!("treeward tenant ls"))]
    Ls,
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum WsCmd {
    /// Add a workspace (its Team Space is empty)
    #[command(after_help = examples!(r#"treeward ws add "Plant Ops""#))]
    Add {
        /// The new workspace's name
        name: String,
    },
    /// Rename a workspace (its paths change with it)
    #[command(after_help = examples!(r#"treeward ws rename "Plant Ops" "Plant Operations""#))]
    Rename {
        /// The workspace
        name: String,
        /// Its new name
        new: String,
    },
    /// Remove a workspace
    #[command(after_help = examples!(r#"treeward ws rm "Plant Ops""#))]
    Rm {
        /// The workspace to remove
        name: String,
    },
    /// List the workspaces you are a member of, with your roles
    #[command(after_help = examples!("treeward ws ls"))]
    Ls,
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum RoleCmd {
    /// Give LOGIN roles in a workspace (all three: a Team Space admin, R7)
    #[command(after_help = examples!(
        r#"treeward role grant "Default Workspace" dave analyst"#,
        r#"treeward role grant "Default Workspace" erin sysadmin datamanager analyst"#,
    ))]
    Grant {
        /// The workspace's name
        ws: String,
        /// The user
        login: String,
        #[arg(required = true, help = one_of("One role or more", Role::WORDS))]
        roles: Vec<String>,
    },
    /// Take roles from LOGIN in a workspace (R8: analyst items go to --transfer-to)
    #[command(after_help = examples!(
        r#"treeward role revoke "Default Workspace" erin sysadmin"#,
        r#"treeward role revoke "Default Workspace" bob analyst --transfer-to carol"#,
    ))]
    Revoke {
        /// The workspace's name
        ws: String,
        /// The user
        login: String,
        #[arg(required = true, help = one_of("One role or more", Role::WORDS))]
        roles: Vec<String>,
        /// The analyst who receives the items of LOGIN's My Creations, when analyst is revoked
        #[arg(long, value_name = "LOGIN")]
        transfer_to: Option<String>,
    },
    /// Members of a workspace and their roles
    #[command(after_help = examples!(r#"treeward role ls "Default Workspace""#))]
    Ls {
        /// The workspace's name
        ws: String,
    },
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum AssetCmd {
    /// Add an asset (a dashboard, chart or dataset) to an app
    #[command(after_help = examples!(
        r#"treeward asset add "/Default Workspace/team/Plant/Line1/OEE" chart Scrap"#,
        r#"treeward asset add "/Default Workspace/team/Quality/SPC" dataset "Gauge study""#,
    ))]
    Add {
        /// The app: /WS/team/… or /WS/my/LOGIN/…
        app_path: String,
        #[arg(help = one_of("The asset's kind", AssetKind::WORDS))]
        kind: String,
        /// The asset's name
        name: String,
    },
    /// Remove an asset from its app
    #[command(after_help = examples!(
        r#"treeward asset rm "/Default Workspace/team/Plant/Line1/OEE:chart/Availability""#
    ))]
    Rm {
        #[arg(help = one_of("The asset: APP_PATH:KIND/NAME; KIND", AssetKind::WORDS))]
        asset_path: String,
    },
    /// Rename an asset within its app
    #[command(after_help = examples!(
        r#"treeward asset rename "/Default Workspace/team/Plant/Line1/OEE:chart/Availability" Uptime"#
    ))]
    Rename {
        #[arg(help = one_of("The asset: APP_PATH:KIND/NAME; KIND", AssetKind::WORDS))]
        asset_path: String,
        /// The new name
        new_name: String,
    },
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum ResourceCmd {
    /// List a workspace's resources and their endpoints
    #[command(after_help = examples!(r#"treeward resource ls "Default Workspace""#))]
    Ls {
        /// The workspace's name
        ws: String,
    },
    /// Set the endpoint of a workspace's resource (sysadmin, R29)
    #[command(after_help = examples!(
        r#"treeward resource set "Default Workspace" influxdb influxdb://tsdb.plant.local:8086/plant"#
    ))]
    Set {
        /// The workspace's name
        ws: String,
        #[arg(help = one_of("The resource", ResourceKind::WORDS))]
        kind: String,
        /// Where it is: a URL or connection string
        endpoint: String,
    },
    /// Keep an app from using a resource of its workspace (admins, R30)
    #[command(after_help = examples!(
        r#"treeward resource restrict "/Default Workspace/team/Sales/Customer portal" influxdb"#
    ))]
    Restrict {
        /// The app: /WS/team/… or /WS/my/LOGIN/…
        app_path: String,
        #[arg(help = one_of("The resource", ResourceKind::WORDS))]
        kind: String,
    },
    /// Let an app use a resource again (admins, R30)
    #[command(after_help = examples!(
        r#"treeward resource allow "/Default Workspace/team/Sales/Customer portal" influxdb"#
    ))]
    Allow {
        /// The app: /WS/team/… or /WS/my/LOGIN/…
        app_path: String,
        #[arg(help = one_of("The resource", ResourceKind::WORDS))]
        kind: String,
    },
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum GrantsCmd {
    /// Every grant (item, subject, level, note, granted by, when) on PATH,
    /// or below it with --recursive; without PATH, on everything you can view
    #[command(after_help = examples!(
        r#"treeward grants ls "/Default Workspace/team/Plant" --recursive"#,
        r#"treeward --json grants ls --subject group:qa"#,
    ))]
    Ls {
        /// The item: /WS/team/… or /WS/my/LOGIN/… (a space root or none: everything below)
        path: Option<String>,
        #[arg(long, help = one_of("Only the grants to this subject", Subject::FORMS))]
        subject: Option<String>,
        /// The grants on every item below PATH too
        #[arg(long)]
        recursive: bool,
    },
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum IntegCmd {
    /// Add an integration to a workspace (datamanager, R31)
    #[command(after_help = examples!(
        r#"treeward integ add "Default Workspace" MES opcua opc.tcp://mes.plant.local:4840"#,
        r#"treeward integ add "Default Workspace" "ERP orders" http https://erp.example.com/api/orders --settings "timeout=5s""#,
    ))]
    Add {
        /// The workspace's name
        ws: String,
        /// The new integration's name
        name: String,
        #[arg(help = one_of("Its kind", IntegKind::WORDS))]
        kind: String,
        /// Where it connects: a URL or address
        endpoint: String,
        /// Free settings text kept with it
        #[arg(long, default_value = "")]
        settings: String,
    },
    /// Remove an integration no app uses (R31)
    #[command(after_help = examples!(r#"treeward integ rm "Default Workspace" MES"#))]
    Rm {
        /// The workspace's name
        ws: String,
        /// The integration
        name: String,
    },
    /// Change an integration's endpoint or settings (R31)
    #[command(after_help = examples!(
        r#"treeward integ edit "Default Workspace" MES --endpoint opc.tcp://mes2.plant.local:4840"#
    ))]
    Edit {
        /// The workspace's name
        ws: String,
        /// The integration
        name: String,
        /// The new endpoint
        #[arg(long)]
        endpoint: Option<String>,
        /// The new settings text
        #[arg(long)]
        settings: Option<String>,
    },
    /// List a workspace's integrations and how many apps use each
    #[command(after_help = examples!(r#"treeward integ ls "Default Workspace""#))]
    Ls {
        /// The workspace's name
        ws: String,
    },
    /// Let an app use an integration of its workspace
    #[command(after_help = examples!(
        r#"treeward integ attach "/Default Workspace/team/Plant/Line2/Energy" MES"#
    ))]
    Attach {
        /// The app: /WS/team/… or /WS/my/LOGIN/…
        app_path: String,
        /// The integration
        name: String,
    },
    /// Stop an app using an integration
    #[command(after_help = examples!(
        r#"treeward integ detach "/Default Workspace/team/Plant/Line2/Energy" MES"#
    ))]
    Detach {
        /// The app: /WS/team/… or /WS/my/LOGIN/…
        app_path: String,
        /// The integration
        name: String,
    },
}
