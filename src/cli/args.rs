//! The command line of SPEC §11 (a contract: scripts rely on it).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use serde::{Deserialize, Serialize};

#[derive(Parser, Debug)]
#[command(
    name = "treeward",
    version,
    about = "A terminal console for the application hierarchy of an app platform: who can do what here, and why."
)]
pub struct Cli {
    /// The store: a directory, or a PostgreSQL connection string (postgresql://USER@HOST/DB) [default: $TREEWARD_DB, else the user's data directory]
    #[arg(long, global = true, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Act as this user [default: $TREEWARD_USER, else the login name]
    #[arg(long = "as", global = true, value_name = "LOGIN")]
    pub as_: Option<String>,
    /// One JSON document on stdout, for scripts
    #[arg(long, global = true)]
    pub json: bool,
    /// Terminal UI colour theme: a name from assets/themes or a TOML file
    #[arg(long, global = true, value_name = "THEME")]
    pub theme: Option<String>,
    /// Plain ASCII glyphs in the terminal UI
    #[arg(long, global = true)]
    pub ascii: bool,
    /// For changes that alter access: change nothing, print who would gain and lose what
    #[arg(long, global = true)]
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
    Init {
        #[arg(long)]
        owner: String,
    },
    /// Users: add, ls
    #[command(subcommand)]
    User(UserCmd),
    /// Groups: add, rm, join, leave (R4)
    #[command(subcommand)]
    Group(GroupCmd),
    /// Org units: add, rm, join, leave (R4)
    #[command(subcommand)]
    Org(OrgCmd),
    /// Tenants: add
    #[command(subcommand)]
    Tenant(TenantCmd),
    /// Workspaces: add, rename, rm, ls
    #[command(subcommand)]
    Ws(WsCmd),
    /// Workspace roles: grant, revoke (R7, R8)
    #[command(subcommand)]
    Role(RoleCmd),
    /// Create a folder at PATH
    Mkdir { path: String },
    /// Create an app at PATH
    App { path: String },
    /// Assets of an app: add, rm
    #[command(subcommand)]
    Asset(AssetCmd),
    /// Move PATH into DEST_FOLDER_PATH (a folder or a space root)
    Mv { path: String, dest: String },
    /// Rename PATH to NEW_NAME
    Rename { path: String, new_name: String },
    /// Delete PATH (a folder only when empty, R28)
    Rm { path: String },
    /// Copy an app into DEST, or beside itself with --beside (R20)
    Cp {
        path: String,
        #[arg(required_unless_present = "beside", conflicts_with = "beside")]
        dest: Option<String>,
        #[arg(long)]
        beside: bool,
    },
    /// Grant SUBJECT (user:L, group:G, org:U, tenant:T) a LEVEL on PATH
    Share {
        path: String,
        subject: String,
        level: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Revoke SUBJECT's grant on PATH
    Unshare { path: String, subject: String },
    /// Cancel your own collaboration on PATH (R17)
    Leave { path: String },
    /// List what you see at PATH (R3)
    Ls { path: Option<String> },
    /// Draw the hierarchy you see below PATH
    Tree { path: Option<String> },
    /// May LOGIN take ACTION on PATH? Prints allow or deny (exit 0 or 1)
    Check {
        login: String,
        action: String,
        path: String,
        /// For move and copy: decide for this destination folder too
        #[arg(long, value_name = "DEST")]
        to: Option<String>,
    },
    /// Explain LOGIN's effective level on PATH (R13)
    Explain { login: String, path: String },
    /// Set an item's description
    Describe { path: String, text: String },
    /// Workspace resources (R29, R30)
    #[command(subcommand)]
    Resource(ResourceCmd),
    /// Integrations (R31)
    #[command(subcommand)]
    Integ(IntegCmd),
    /// The audit log (R32)
    Log {
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Write the whole store as JSON to FILE (or stdout)
    Export {
        /// The file to write (mode 0600); an existing one only with --force
        file: Option<PathBuf>,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
    },
    /// Load an export into an empty store ('-' reads stdin)
    Import { file: PathBuf },
    /// Fill an empty store with a realistic sample account owned by you
    Demo,
    /// Every user who can view PATH, their level and where it comes from
    Who {
        path: String,
        /// Only users at this level (owner, admin, manager, editor, viewer, tenant, member)
        #[arg(long)]
        level: Option<String>,
        /// Only users reached through: user, group, org, tenant, role
        #[arg(long)]
        via: Option<String>,
    },
    /// Everything LOGIN can view, as a tree with their level on each item
    Access {
        login: String,
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Fill an empty store with a large generated account (benchmarks)
    Gen {
        #[arg(long, default_value_t = 10_000)]
        items: usize,
        #[arg(long, default_value_t = 200)]
        users: usize,
        #[arg(long, default_value_t = 20)]
        groups: usize,
        #[arg(long, default_value_t = 4)]
        org_depth: usize,
        #[arg(long, default_value_t = 6)]
        depth: usize,
        #[arg(long, default_value_t = 1_000)]
        grants: usize,
        /// Also a folder /W1/team/Wide with this many apps
        #[arg(long, default_value_t = 0)]
        wide: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Check the store's invariants; with --repair, back up then fix what is safe
    Doctor {
        /// Fix what is safe (dangling or missing index entries), after a backup
        #[arg(long)]
        repair: bool,
        /// Where the backup before a repair goes [default: beside the store]
        #[arg(long, value_name = "DIR", requires = "repair")]
        backup: Option<PathBuf>,
    },
    /// Write a consistent copy of the store into DIR (export.json and a store)
    Backup {
        /// The directory to write: new or empty, or holding an earlier backup with --force
        dir: PathBuf,
        /// Replace the backup already in DIR (its export.json and store; nothing else is touched)
        #[arg(long)]
        force: bool,
    },
    /// Copy a whole store into an empty one: a directory or a PostgreSQL
    /// connection string either way (consistent while FROM is in use)
    Copy { from: PathBuf, to: PathBuf },
    /// Serve the store to several users at once over a Unix socket (--socket)
    Serve,
    /// Print every change as a server commits it (needs `treeward serve`);
    /// reconnects by itself when the server comes back
    Watch,
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
    Add {
        login: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        tenant: Option<String>,
    },
    Ls,
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum GroupCmd {
    Add { group: String },
    Rm { group: String },
    Join { group: String, login: String },
    Leave { group: String, login: String },
    Ls,
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum OrgCmd {
    Add {
        unit: String,
        #[arg(long)]
        parent: Option<String>,
    },
    Rm {
        unit: String,
    },
    Join {
        unit: String,
        login: String,
    },
    Leave {
        unit: String,
        login: String,
    },
    Ls,
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum TenantCmd {
    Add { tenant: String },
    Ls,
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum WsCmd {
    Add { name: String },
    Rename { name: String, new: String },
    Rm { name: String },
    Ls,
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum RoleCmd {
    Grant {
        ws: String,
        login: String,
        #[arg(required = true)]
        roles: Vec<String>,
    },
    Revoke {
        ws: String,
        login: String,
        #[arg(required = true)]
        roles: Vec<String>,
        #[arg(long, value_name = "LOGIN")]
        transfer_to: Option<String>,
    },
    /// Members of a workspace and their roles
    Ls { ws: String },
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum AssetCmd {
    Add {
        app_path: String,
        kind: String,
        name: String,
    },
    Rm {
        asset_path: String,
    },
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum ResourceCmd {
    Ls {
        ws: String,
    },
    Set {
        ws: String,
        kind: String,
        endpoint: String,
    },
    Restrict {
        app_path: String,
        kind: String,
    },
    Allow {
        app_path: String,
        kind: String,
    },
}

#[derive(Subcommand, Debug, Clone, Serialize, Deserialize)]
pub enum IntegCmd {
    Add {
        ws: String,
        name: String,
        kind: String,
        endpoint: String,
        #[arg(long, default_value = "")]
        settings: String,
    },
    Rm {
        ws: String,
        name: String,
    },
    /// Change an integration's endpoint or settings (R31)
    Edit {
        ws: String,
        name: String,
        #[arg(long)]
        endpoint: Option<String>,
        #[arg(long)]
        settings: Option<String>,
    },
    Ls {
        ws: String,
    },
    Attach {
        app_path: String,
        name: String,
    },
    Detach {
        app_path: String,
        name: String,
    },
}
