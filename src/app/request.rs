//! The operations as data: one [`Request`] for every front end (the command
//! line parses into it, the server carries it, the terminal UI's dialogs end
//! in it) and one typed [`Reply`]. [`App::execute`] runs them all; the
//! questions front ends ask about a request (does it alter access, does it
//! act as someone, does it create a store, is it store-level) are answered
//! here and nowhere else.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use super::gen::GenSpec;
use super::review::WhatIf;
use super::*;
use crate::domain::rules::Person;
use crate::store::load::Loading;

/// Every operation of SPEC §11, and the views the front ends read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    // ---- store-level: the account owner's (and a server's service account) ----
    Init {
        owner: String,
    },
    /// Load an export (its text) into an empty store.
    Import {
        text: String,
    },
    /// Fill an empty store with the demo account, owned by the actor.
    Demo,
    /// Fill an empty store with a generated account, owned by the actor.
    Gen(GenSpec),
    Export,
    Doctor {
        repair: bool,
        backup: Option<PathBuf>,
    },
    Backup {
        dir: PathBuf,
        /// Replace the backup already in `dir` (its export.json and store).
        force: bool,
    },
    // ---- the account ----
    UserRm {
        login: String,
        transfer_to: Option<String>,
    },
    UserAdd {
        login: String,
        name: Option<String>,
        tenant: Option<String>,
    },
    UserLs,
    GroupAdd {
        group: String,
    },
    GroupRm {
        group: String,
    },
    GroupJoin {
        group: String,
        login: String,
    },
    GroupLeave {
        group: String,
        login: String,
    },
    GroupLs,
    OrgAdd {
        unit: String,
        parent: Option<String>,
    },
    OrgRm {
        unit: String,
    },
    OrgJoin {
        unit: String,
        login: String,
    },
    OrgLeave {
        unit: String,
        login: String,
    },
    OrgLs,
    TenantAdd {
        tenant: String,
    },
    TenantLs,
    WsAdd {
        name: String,
    },
    WsRename {
        name: String,
        new: String,
    },
    WsRm {
        name: String,
    },
    WsLs,
    RoleGrant {
        ws: String,
        login: String,
        roles: Vec<Role>,
    },
    RoleRevoke {
        ws: String,
        login: String,
        roles: Vec<Role>,
        transfer_to: Option<String>,
    },
    RoleLs {
        ws: String,
    },
    // ---- items ----
    Mkdir {
        path: String,
    },
    App {
        path: String,
    },
    AssetAdd {
        app_path: String,
        kind: String,
        name: String,
    },
    AssetRm {
        asset_path: String,
    },
    Mv {
        path: String,
        dest: String,
    },
    Rename {
        path: String,
        new_name: String,
    },
    Rm {
        path: String,
    },
    /// Copy an app into `dest`, or beside itself when `dest` is `None` (R20).
    Cp {
        path: String,
        dest: Option<String>,
    },
    Describe {
        path: String,
        text: String,
    },
    Share {
        path: String,
        subject: String,
        level: String,
        note: String,
    },
    Unshare {
        path: String,
        subject: String,
    },
    Leave {
        path: String,
    },
    // ---- workspace resources and integrations ----
    ResourceLs {
        ws: String,
    },
    ResourceSet {
        ws: String,
        kind: String,
        endpoint: String,
    },
    /// `restrict`: true to restrict the app from the resource, false to allow it again (R30).
    ResourceRestrict {
        app_path: String,
        kind: String,
        restrict: bool,
    },
    IntegAdd {
        ws: String,
        name: String,
        kind: String,
        endpoint: String,
        settings: String,
    },
    IntegRm {
        ws: String,
        name: String,
    },
    IntegEdit {
        ws: String,
        name: String,
        endpoint: Option<String>,
        settings: Option<String>,
    },
    IntegLs {
        ws: String,
    },
    /// `attach`: true to let the app use the integration, false to stop it (R31).
    IntegAttach {
        app_path: String,
        name: String,
        attach: bool,
    },
    // ---- views ----
    Ls {
        path: Option<String>,
    },
    Tree {
        path: Option<String>,
    },
    Detail {
        path: String,
    },
    Check {
        login: String,
        action: String,
        path: String,
        /// For move and copy: the destination to decide for.
        #[serde(default)]
        to: Option<String>,
    },
    Explain {
        login: String,
        path: String,
    },
    Who {
        path: String,
        level: Option<String>,
        via: Option<String>,
    },
    Access {
        login: String,
        workspace: Option<String>,
    },
    Log {
        workspace: Option<String>,
        /// `--since`, `--until`, `--actor`, `--action`, `--path`.
        #[serde(default)]
        filter: super::audit::LogFilter,
    },
    /// `grants ls [PATH] [--subject S] [--recursive]`.
    GrantsLs {
        path: Option<String>,
        subject: Option<String>,
        recursive: bool,
    },
    /// What a change would do to access, made on a view of the store: nothing changes.
    WhatIf(Box<Request>),
    /// A page of `access --all`: what `login` can view, level and source.
    Entitlements {
        login: String,
        workspace: Option<String>,
        /// Where the previous page ended.
        after: Option<super::entitlements::Cursor>,
        limit: usize,
    },
    /// A page of `who --recursive PATH`: each item below, who can view it.
    WhoBelow {
        path: String,
        level: Option<String>,
        via: Option<String>,
        after: Option<super::entitlements::Cursor>,
        limit: usize,
    },
    /// `apply FILE`: the entries of a changes file, made as one change.
    Apply {
        entries: Vec<super::apply::Entry>,
    },
    /// `asset rename ASSET_PATH NEW_NAME`.
    AssetRename {
        asset_path: String,
        new_name: String,
    },
    /// An item's audit entries, as far as the actor reads them (the
    /// Activity tab, R35).
    Activity {
        path: String,
    },
    /// `--clear-incomplete` of a load: removes what an interrupted load
    /// (gen, import, copy, demo) left, before the load runs again.
    ClearIncomplete,
    /// `copy FROM TO`'s load into TO: an import that names where it comes
    /// from (last: the variants before it keep their numbers).
    CopyIn {
        text: String,
        from: String,
    },
}

impl Request {
    /// A change that can alter anyone's level on an item that exists, or
    /// end it: made, it reports who gains and who loses what, and records
    /// that for `log --access` (what-if, R10-R14, R26). Changes that only
    /// add items (mkdir, app, cp) or rename them are not among them: their
    /// dry run still reports who will see the new item.
    pub fn alters_access(&self) -> bool {
        matches!(
            self,
            Request::Mv { .. }
                | Request::Share { .. }
                | Request::Unshare { .. }
                | Request::Rm { .. }
                | Request::Leave { .. }
                | Request::RoleGrant { .. }
                | Request::RoleRevoke { .. }
                | Request::GroupJoin { .. }
                | Request::GroupLeave { .. }
                | Request::GroupRm { .. }
                | Request::OrgJoin { .. }
                | Request::OrgLeave { .. }
                | Request::OrgRm { .. }
                | Request::UserRm { .. }
                | Request::UserAdd {
                    tenant: Some(_),
                    ..
                }
                | Request::WsRm { .. }
                | Request::Apply { .. }
        )
    }

    /// A change of the account a dry run can plan: every request that
    /// changes something and acts as a user of the account (SPEC §11:
    /// `--dry-run` on every change). Store-level loads are not among them.
    pub fn is_change(&self) -> bool {
        self.needs_session() && !self.is_read_only()
    }

    /// Acts as a user of the account: needs a session (the account exists,
    /// the actor is a user of it).
    pub fn needs_session(&self) -> bool {
        !matches!(
            self,
            Request::Init { .. }
                | Request::Import { .. }
                | Request::Demo
                | Request::Gen(_)
                | Request::Export
                | Request::Doctor { .. }
                | Request::Backup { .. }
                | Request::ClearIncomplete
                | Request::CopyIn { .. }
        )
    }

    /// Asks who acts: every request but those that need no actor at all.
    pub fn needs_actor(&self) -> bool {
        self.needs_session() || matches!(self, Request::Demo | Request::Gen(_))
    }

    /// Fills a store, so it may create the store's directory.
    pub fn creates_store(&self) -> bool {
        matches!(
            self,
            Request::Init { .. }
                | Request::Import { .. }
                | Request::Demo
                | Request::Gen(_)
                | Request::CopyIn { .. }
        )
    }

    /// Works on the store as a whole: the account owner's (R4) and a server's
    /// service account's.
    pub fn is_store_level(&self) -> bool {
        !self.needs_session()
    }

    /// A bulk load: not one transaction, and the store is reopened after it.
    pub fn is_bulk_load(&self) -> bool {
        matches!(
            self,
            Request::Import { .. } | Request::Gen(_) | Request::CopyIn { .. }
        )
    }

    /// Takes long enough that the process holding the store should answer
    /// other processes meanwhile (see the launcher).
    pub fn is_long(&self) -> bool {
        matches!(
            self,
            Request::Import { .. }
                | Request::Gen(_)
                | Request::Demo
                | Request::Doctor { .. }
                | Request::Backup { .. }
                | Request::ClearIncomplete
                | Request::CopyIn { .. }
        )
    }

    /// May take long on a big store: it has a long job's deadline
    /// (`$TREEWARD_LONG_TIMEOUT`, see [`crate::deadline`]) rather than an
    /// ordinary request's.
    pub fn is_long_job(&self) -> bool {
        self.is_long()
            || matches!(
                self,
                Request::Init { .. }
                    | Request::Export
                    | Request::Entitlements { .. }
                    | Request::WhoBelow { .. }
                    | Request::Log { .. }
                    | Request::Tree { .. }
                    | Request::Apply { .. }
                    | Request::Cp { .. }
                    | Request::Rm { .. }
                    | Request::WsRm { .. }
            )
    }

    /// Changes nothing: a view, or a what-if.
    pub fn is_read_only(&self) -> bool {
        matches!(
            self,
            Request::Export
                | Request::UserLs
                | Request::GroupLs
                | Request::OrgLs
                | Request::TenantLs
                | Request::WsLs
                | Request::RoleLs { .. }
                | Request::ResourceLs { .. }
                | Request::IntegLs { .. }
                | Request::Ls { .. }
                | Request::Tree { .. }
                | Request::Detail { .. }
                | Request::Check { .. }
                | Request::Explain { .. }
                | Request::Who { .. }
                | Request::Access { .. }
                | Request::Log { .. }
                | Request::GrantsLs { .. }
                | Request::Entitlements { .. }
                | Request::WhoBelow { .. }
                | Request::WhatIf(_)
                | Request::Activity { .. }
        ) || matches!(self, Request::Doctor { repair: false, .. })
    }
}

/// A group or an org unit with its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Members {
    pub name: String,
    pub parent: Option<String>,
    pub members: Vec<String>,
}

/// A user as `user ls` shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub login: String,
    pub name: String,
    pub tenant: Option<String>,
    pub owner: bool,
}

/// An integration and how many apps use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegRow {
    pub integration: Integration,
    pub apps: usize,
}

/// What `doctor` found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorReply {
    pub records: usize,
    pub problems: Vec<String>,
    pub repaired: usize,
    pub remaining: Vec<String>,
    pub backup: Option<PathBuf>,
    pub repair: bool,
    pub clean: bool,
    /// The store could not be opened as it was: what was read from its files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salvage: Option<super::salvage::SalvageNote>,
    /// A load left the store unfinished: what it holds, and what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
}

/// How an item came to be where it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Placed {
    Created(ItemKind),
    Moved,
    Renamed,
    Copied,
    /// Already named and placed so: nothing changed.
    Unchanged,
}

/// The answer to a [`Request`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    /// A change made; the message says what, in words (not yet escaped).
    Done {
        message: String,
    },
    /// The result already held: nothing written, nothing audited (the
    /// message says what holds, not yet escaped).
    Unchanged {
        message: String,
    },
    /// An item made, moved, renamed or copied, and where it is now.
    Placed {
        how: Placed,
        id: ItemId,
        path: String,
    },
    /// A user's roles in a workspace after a grant or a revoke.
    Roles {
        login: String,
        ws: String,
        roles: Roles,
    },
    Initialized {
        owner: String,
    },
    Imported {
        items: usize,
    },
    DemoCreated {
        owner: String,
        operations: usize,
    },
    Generated {
        seconds: f64,
        summary: super::gen::GenSummary,
        owner: String,
    },
    Exported {
        json: String,
    },
    Doctor(DoctorReply),
    Backup(super::backup::Backup),
    Users(Vec<UserRow>),
    Groups(Vec<Members>),
    Orgs(Vec<Members>),
    Tenants(Vec<String>),
    /// Workspaces the actor sees, with the actor's roles in each.
    Workspaces(Vec<(String, Roles)>),
    /// Members of a workspace and their roles.
    WsMembers(Vec<(String, Roles)>),
    Resources(std::collections::BTreeMap<ResourceKind, String>),
    Integrations(Vec<IntegRow>),
    Listing(Listing),
    Tree(Vec<TreeNode>),
    Detail(Box<ItemDetail>),
    Decision(Decision),
    Explained {
        decision: Decision,
        lines: Vec<String>,
    },
    Who(super::review::WhoReport),
    Access {
        login: String,
        nodes: Vec<TreeNode>,
    },
    Log(Vec<super::audit::LogEntry>),
    Grants(Vec<super::grants::GrantRow>),
    /// A page of an entitlement report.
    Entitlements(super::entitlements::Page),
    /// What `apply` made of each entry of the file.
    Applied(Vec<super::apply::Applied>),
    /// A change that alters access, with who gains and who loses what:
    /// after it was made, or, for a dry run, what it would do.
    AccessChanged {
        reply: Box<Reply>,
        report: WhatIf,
        dry_run: bool,
    },
    /// An item's audit entries the actor reads; `whole`: all of them (the
    /// workspace's admins and the account owner), else only the actor's own
    /// changes (R35).
    Activity {
        entries: Vec<AuditEntry>,
        whole: bool,
    },
}

/// Who asks, and what they want to hear while a long request runs.
/// How long a request waits for a lost database to come back (a failover:
/// the standby promoted, the connection string's next host accepting writes).
const RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(30);

pub struct Caller<'a> {
    /// The acting login; asked only by requests that act as someone.
    pub login: &'a dyn Fn() -> Result<String>,
    /// Progress of a long request: units done so far (gen), and the total.
    pub progress: Option<&'a mut dyn FnMut(usize, usize)>,
    /// The service account of the server holding the store, acting as
    /// itself: the store-level requests are its own (backups, exports),
    /// whoever owns the account.
    pub service: bool,
}

impl<'a> Caller<'a> {
    pub fn new(login: &'a dyn Fn() -> Result<String>) -> Caller<'a> {
        Caller {
            login,
            progress: None,
            service: false,
        }
    }
}

impl App {
    /// Runs one request: the one entry point of every front end.
    pub fn execute(&self, mut caller: Caller<'_>, req: Request) -> Result<Reply> {
        // Within its time (or the sooner one it came with: a server's client's).
        let (budget, var) = crate::deadline::budget(req.is_long_job());
        let _due = crate::deadline::within(budget, var);
        self.owners_only(&caller, &req)?;
        if req.is_long() {
            // A long request commits as it goes: it is not run again.
            let _reads = self.store().consistent_reads();
            return self.execute_here(caller, req);
        }
        // A database connection lost before the commit (a failover under
        // way) or a serialisation failure wrote nothing: the request runs
        // again on a new connection, for a while.
        let started = std::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(50);
        loop {
            let again = Caller {
                login: caller.login,
                progress: caller.progress.as_mut().map(|p| &mut **p as _),
                service: caller.service,
            };
            let committed = crate::store::Store::committed_here();
            let r = {
                // One consistent state for the request's reads (a store
                // several processes write), renewed after each of its commits.
                let _reads = self.store().consistent_reads();
                self.execute_here(again, req.clone())
            };
            let unchanged = crate::store::Store::committed_here() == committed;
            match r {
                // Only what wrote nothing: a change committed before the
                // connection went (its reply then failed) is not made twice.
                Err(e)
                    if e.again
                        && unchanged
                        && started.elapsed() < RETRY_FOR
                        && !crate::deadline::spent() =>
                {
                    let left = crate::deadline::remaining().unwrap_or(pause);
                    std::thread::sleep(pause.min(left));
                    pause = (pause * 2).min(std::time::Duration::from_secs(1));
                }
                // Out of time: said once, as what it is.
                Err(e) if e.again && unchanged => {
                    return Err(Error::unavailable(format!(
                        "{}; nothing was changed; gave up after {}",
                        e.message,
                        crate::deadline::described()
                    )))
                }
                // Failed after a commit of its own (reading for the reply):
                // what it committed is made, and is said to be.
                Err(e) if !unchanged && e.outcome == Outcome::Unavailable => {
                    let n = crate::store::Store::committed_here() - committed;
                    let made = if n == 1 {
                        "its change was committed before that and is made".to_string()
                    } else {
                        format!("{n} of its changes were committed before that and are made")
                    };
                    return Err(Error::unavailable(format!(
                        "{}; {made} (`treeward log` shows it)",
                        e.message
                    )));
                }
                r => return r,
            }
        }
    }

    /// R4: what reads or replaces the whole store — export, backup, import,
    /// gen, demo, doctor --repair — is the account owner's, on every path:
    /// a local `--as tina export` is refused as it is through a server. An
    /// empty store has no owner yet (filling it makes one); a store whose
    /// account cannot be read is doctor's to repair.
    pub(crate) fn owners_only(&self, caller: &Caller<'_>, req: &Request) -> Result<()> {
        let what = match req {
            Request::Export => "export",
            Request::Backup { .. } => "backup",
            Request::Import { .. } => "import",
            Request::Gen(_) => "gen",
            Request::Demo => "demo",
            Request::Doctor { repair: true, .. } => "doctor --repair",
            Request::ClearIncomplete => "--clear-incomplete",
            Request::CopyIn { .. } => "copy",
            _ => return Ok(()),
        };
        if caller.service {
            return Ok(());
        }
        // A store an interrupted load left is its runner's to clear or fill.
        let owner = match self.store.account_and_mark() {
            Ok((Some(a), _)) => Some(a.owner),
            Ok((None, mark)) => mark.map(|m| m.by),
            Err(_) if matches!(req, Request::Doctor { .. }) => None,
            Err(e) => return Err(e),
        };
        if owner.is_none() {
            return Ok(());
        }
        let actor = (caller.login)()?;
        crate::domain::rules::runs_store_level(what, &actor, owner.as_deref()).or_denied()
    }

    fn execute_here(&self, caller: Caller<'_>, req: Request) -> Result<Reply> {
        match req {
            Request::Init { owner } => {
                let a = self.init(&owner)?;
                Ok(Reply::Initialized { owner: a.owner })
            }
            Request::Import { text } => self.load_export(&caller, &text, None),
            Request::CopyIn { text, from } => self.load_export(&caller, &text, Some(from)),
            Request::ClearIncomplete => self.clear_incomplete(),
            Request::Demo => {
                let owner = names::validate_login(&(caller.login)()?)?;
                let operations = self.demo(&owner)?;
                Ok(Reply::DemoCreated { owner, operations })
            }
            Request::Gen(spec) => {
                let owner = names::validate_login(&(caller.login)()?)?;
                let started = std::time::Instant::now();
                let mut progress = caller.progress;
                let summary = self.generate(&owner, &spec, &mut |done, total| {
                    if let Some(p) = progress.as_mut() {
                        p(done, total)
                    }
                })?;
                Ok(Reply::Generated {
                    seconds: started.elapsed().as_secs_f64(),
                    summary,
                    owner,
                })
            }
            Request::Export => Ok(Reply::Exported {
                json: self.export_json()?,
            }),
            Request::Doctor { repair, backup } => {
                let r = self.doctor(repair, backup.as_deref())?;
                let list =
                    |v: &[super::doctor::Problem]| v.iter().map(|p| p.text.clone()).collect();
                Ok(Reply::Doctor(DoctorReply {
                    records: r.records,
                    problems: list(&r.problems),
                    repaired: r.repaired,
                    remaining: list(&r.remaining),
                    clean: r.clean(),
                    backup: r.backup,
                    repair,
                    salvage: None,
                    incomplete: r.incomplete,
                }))
            }
            Request::Backup { dir, force } => Ok(Reply::Backup(self.backup(&dir, force)?)),
            req => self.execute_as_user(caller, req),
        }
    }

    /// A request of a user of the account: a what-if (any change, made on
    /// a view of the store), a change that alters access (made with its
    /// what-if, recorded for `log --access`), or any other.
    fn execute_as_user(&self, caller: Caller<'_>, req: Request) -> Result<Reply> {
        match req {
            Request::WhatIf(inner) => {
                if !inner.is_change() {
                    return Err(Error::invalid(
                        "--dry-run applies to changes (mv, share, rm, user rm, apply …), not to views",
                    ));
                }
                let login = (caller.login)()?;
                let (reply, report) =
                    self.with_access_report(&login, true, |s| s.execute((*inner).clone()))?;
                Ok(Reply::AccessChanged {
                    reply: Box::new(reply),
                    report,
                    dry_run: true,
                })
            }
            req if req.alters_access() => {
                let login = (caller.login)()?;
                let (reply, report) =
                    self.with_access_report(&login, false, |s| s.execute(req.clone()))?;
                Ok(Reply::AccessChanged {
                    reply: Box::new(reply),
                    report,
                    dry_run: false,
                })
            }
            req => {
                let login = (caller.login)()?;
                self.session(&login)?.execute(req)
            }
        }
    }
}

impl Reply {
    /// The request found its result already there and changed nothing.
    pub fn is_unchanged(&self) -> bool {
        match self {
            Reply::Unchanged { .. } => true,
            Reply::Placed { how, .. } => *how == Placed::Unchanged,
            Reply::AccessChanged { reply, .. } => reply.is_unchanged(),
            Reply::Applied(entries) => entries.iter().all(|e| !e.changed),
            _ => false,
        }
    }
}

impl App {
    /// `import` (or `copy`'s load, `from` its source): the export's text
    /// loaded, the store marked meanwhile as the actor's load.
    fn load_export(&self, caller: &Caller<'_>, text: &str, from: Option<String>) -> Result<Reply> {
        let e = App::parse_export(text)?;
        // The mark names who runs it: the actor, else the export's owner.
        let by = (caller.login)()
            .ok()
            .and_then(|l| names::validate_login(&l).ok())
            .unwrap_or_else(|| e.account.owner.clone());
        let command = if from.is_some() { "copy" } else { "import" };
        let items = self.import_as(&e, Loading::new(command, &by, from))?;
        Ok(Reply::Imported { items })
    }

    /// `--clear-incomplete`: what an interrupted load left goes.
    fn clear_incomplete(&self) -> Result<Reply> {
        let (mark, gone) = self.store.clear_incomplete()?;
        Ok(done(match mark {
            Some(m) => format!("cleared {gone} records an interrupted {} left", m.command),
            None if gone > 0 => format!("cleared {gone} records an interrupted load left"),
            None => "nothing to clear: the store is empty".to_string(),
        }))
    }
}

fn done(message: impl Into<String>) -> Reply {
    Reply::Done {
        message: message.into(),
    }
}

/// A group or org unit removed with the grants to it.
fn removed(what: &str, name: &str, grants: usize) -> Reply {
    done(format!(
        "removed {what} {} and {grants} grant(s) to it",
        name.trim()
    ))
}

/// A user joined a group or org unit (when they were in it already, the
/// session's "unchanged" note answers instead).
fn joined(what: &str, name: &str, login: &str) -> Reply {
    done(format!("{login} joined {what} {}", name.trim()))
}

impl Session<'_> {
    /// Runs one request that acts as this session's user. Store-level
    /// requests are the [`App`]'s; asked here they are refused. A request
    /// whose result already held answers "unchanged" (README, "Repeats").
    /// A change that alters access, made here rather than planned (the
    /// terminal UI's changes and its undo), goes through the what-if engine
    /// as [`App::execute`] does: its access change is recorded with it
    /// (`log --access`); the reply is the change's own.
    pub fn execute(&self, req: Request) -> Result<Reply> {
        if req.alters_access() && !crate::store::planning() {
            let (reply, _) = self
                .app()
                .with_access_report(self.login(), false, |s| s.execute_plain(req.clone()))?;
            return Ok(reply);
        }
        self.execute_plain(req)
    }

    /// [`Session::execute`] itself, with no what-if around it.
    fn execute_plain(&self, req: Request) -> Result<Reply> {
        self.take_unchanged();
        let reply = self.run(req)?;
        Ok(match (self.take_unchanged(), reply) {
            (None, r) => r,
            (Some(_), Reply::Placed { id, path, .. }) => Reply::Placed {
                how: Placed::Unchanged,
                id,
                path,
            },
            (Some(message), _) => Reply::Unchanged { message },
        })
    }

    fn run(&self, req: Request) -> Result<Reply> {
        // Each group answers its own requests and hands the others on.
        type Group<'s> = fn(&Session<'s>, Request) -> Result<Result<Reply, Request>>;
        let groups: [Group<'_>; 5] = [
            Self::run_people,
            Self::run_workspaces,
            Self::run_items,
            Self::run_resources,
            Self::run_views,
        ];
        let mut req = req;
        for group in groups {
            req = match group(self, req)? {
                Ok(reply) => return Ok(reply),
                Err(req) => req,
            };
        }
        // Store-level requests and what-ifs are the app's.
        Err(Error::invalid(
            "a store-level request or a what-if is run by the app, not inside a session",
        ))
    }

    /// Users, groups, org units and tenants (not its own: handed back).
    fn run_people(&self, req: Request) -> Result<Result<Reply, Request>> {
        Ok(Ok(match req {
            Request::UserAdd {
                login,
                name,
                tenant,
            } => {
                let u = self.user_add(&login, name.as_deref(), tenant.as_deref())?;
                done(format!("added user {}", u.login))
            }
            Request::UserRm { login, transfer_to } => {
                done(self.user_rm(&login, transfer_to.as_deref())?)
            }
            Request::UserLs => {
                let owner = self.account.owner.clone();
                Reply::Users(
                    self.users()?
                        .into_iter()
                        .filter(|u| self.reads(Person::User(&u.login)))
                        .map(|u| UserRow {
                            owner: u.login == owner,
                            login: u.login,
                            name: u.name,
                            tenant: u.tenant,
                        })
                        .collect(),
                )
            }
            Request::GroupAdd { group } => {
                self.group_add(&group)?;
                done(format!("added group {}", group.trim()))
            }
            Request::GroupRm { group } => removed("group", &group, self.group_rm(&group)?),
            Request::GroupJoin { group, login } => {
                self.group_join(&group, &login)?;
                joined("group", &group, &login)
            }
            Request::GroupLeave { group, login } => {
                self.group_leave(&group, &login)?;
                done(format!("{login} left group {}", group.trim()))
            }
            Request::GroupLs => Reply::Groups(self.groups_with_members()?),
            Request::OrgAdd { unit, parent } => {
                self.org_add(&unit, parent.as_deref())?;
                done(format!("added org unit {}", unit.trim()))
            }
            Request::OrgRm { unit } => removed("org unit", &unit, self.org_rm(&unit)?),
            Request::OrgJoin { unit, login } => {
                self.org_join(&unit, &login)?;
                joined("org unit", &unit, &login)
            }
            Request::OrgLeave { unit, login } => {
                self.org_leave(&unit, &login)?;
                done(format!("{login} left org unit {}", unit.trim()))
            }
            Request::OrgLs => Reply::Orgs(self.orgs_with_members()?),
            Request::TenantAdd { tenant } => {
                self.tenant_add(&tenant)?;
                done(format!("added tenant {}", tenant.trim()))
            }
            Request::TenantLs => Reply::Tenants(self.tenant_names()?),
            other => return Ok(Err(other)),
        }))
    }

    /// Items, assets and grants (not its own: handed back).
    /// Workspaces and the roles in them (not its own: handed back).
    fn run_workspaces(&self, req: Request) -> Result<Result<Reply, Request>> {
        Ok(Ok(match req {
            Request::WsAdd { name } => {
                let ws = self.ws_add(&name)?;
                done(format!("added workspace {}", ws.name))
            }
            Request::WsRename { name, new } => {
                self.ws_rename(&name, &new)?;
                done(format!(
                    "renamed workspace {} to {}",
                    name.trim(),
                    new.trim()
                ))
            }
            Request::WsRm { name } => {
                self.ws_rm(&name)?;
                done(format!("removed workspace {}", name.trim()))
            }
            Request::WsLs => Reply::Workspaces(
                self.workspaces()?
                    .into_iter()
                    .map(|w| {
                        let r = self.actor.roles_in(w.id);
                        (w.name, r)
                    })
                    .collect(),
            ),
            Request::RoleGrant { ws, login, roles } => {
                let now = self.role_grant(&ws, &login, &roles)?;
                Reply::Roles {
                    login,
                    ws: ws.trim().to_string(),
                    roles: now,
                }
            }
            Request::RoleRevoke {
                ws,
                login,
                roles,
                transfer_to,
            } => {
                let now = self.role_revoke(&ws, &login, &roles, transfer_to.as_deref())?;
                Reply::Roles {
                    login,
                    ws: ws.trim().to_string(),
                    roles: now,
                }
            }
            Request::RoleLs { ws } => Reply::WsMembers(self.ws_members(&ws)?),
            other => return Ok(Err(other)),
        }))
    }

    fn run_items(&self, req: Request) -> Result<Result<Reply, Request>> {
        Ok(Ok(match req {
            Request::Mkdir { path } => self.placed_new(&path, ItemKind::Folder)?,
            Request::App { path } => self.placed_new(&path, ItemKind::App)?,
            Request::AssetAdd {
                app_path,
                kind,
                name,
            } => {
                let a = self.asset_add(&app_path, &kind, &name)?;
                done(format!(
                    "added {} {} to {}",
                    a.kind,
                    a.name,
                    app_path.trim()
                ))
            }
            Request::AssetRm { asset_path } => {
                self.asset_rm(&asset_path)?;
                done(format!("removed {asset_path}"))
            }
            Request::AssetRename {
                asset_path,
                new_name,
            } => {
                let a = self.asset_rename(&asset_path, &new_name)?;
                done(format!("renamed {asset_path} to {}", a.name))
            }
            Request::Mv { path, dest } => {
                let it = self.mv(&path, &dest)?;
                self.placed(Placed::Moved, &it)?
            }
            Request::Rename { path, new_name } => {
                let it = self.rename(&path, &new_name)?;
                self.placed(Placed::Renamed, &it)?
            }
            Request::Rm { path } => {
                // `rm` takes every path `ls` prints, an asset's too.
                match path::parse_target(&path)? {
                    path::Target::Asset(_) => self.asset_rm(&path)?,
                    path::Target::In(_) => {
                        self.rm(&path)?;
                    }
                }
                done(format!("deleted {path}"))
            }
            Request::Cp { path, dest } => {
                let it = self.cp(&path, dest.as_deref())?;
                self.placed(Placed::Copied, &it)?
            }
            Request::Describe { path, text } => {
                self.describe(&path, &text)?;
                done(format!("described {}", path.trim()))
            }
            Request::Share {
                path,
                subject,
                level,
                note,
            } => {
                let g = self.share(&path, &subject, &level, &note)?;
                done(format!(
                    "shared {} with {} as {}",
                    path.trim(),
                    g.subject,
                    g.level
                ))
            }
            Request::Unshare { path, subject } => match self.unshare(&path, &subject)? {
                Some(g) => done(format!(
                    "revoked {}'s {} on {}",
                    g.subject,
                    g.level,
                    path.trim()
                )),
                None => done(format!("{} holds no grant to {subject}", path.trim())),
            },
            Request::Leave { path } => {
                self.leave(&path)?;
                done(format!("left the collaboration on {}", path.trim()))
            }
            Request::Apply { entries } => Reply::Applied(self.apply(&entries)?),
            other => return Ok(Err(other)),
        }))
    }

    /// Workspace resources and integrations (not its own: handed back).
    fn run_resources(&self, req: Request) -> Result<Result<Reply, Request>> {
        Ok(Ok(match req {
            Request::ResourceLs { ws } => Reply::Resources(self.resources(&ws)?.resources),
            Request::ResourceSet { ws, kind, endpoint } => {
                self.resource_set(&ws, &kind, &endpoint)?;
                done(format!("{} of {} set", kind.trim(), ws.trim()))
            }
            Request::ResourceRestrict {
                app_path,
                kind,
                restrict,
            } => {
                self.resource_restrict(&app_path, &kind, restrict)?;
                done(if restrict {
                    format!(
                        "{} may no longer use {} (R30)",
                        app_path.trim(),
                        kind.trim()
                    )
                } else {
                    format!("{} may use {} again (R30)", app_path.trim(), kind.trim())
                })
            }
            Request::IntegAdd {
                ws,
                name,
                kind,
                endpoint,
                settings,
            } => {
                let i = self.integ_add(&ws, &name, &kind, &endpoint, &settings)?;
                done(format!("added integration {} ({})", i.name, i.kind))
            }
            Request::IntegRm { ws, name } => {
                self.integ_rm(&ws, &name)?;
                done(format!("removed integration {}", name.trim()))
            }
            Request::IntegEdit {
                ws,
                name,
                endpoint,
                settings,
            } => {
                let i = self.integ_edit(&ws, &name, endpoint.as_deref(), settings.as_deref())?;
                done(format!(
                    "integration {} now points at {}",
                    i.name, i.endpoint
                ))
            }
            Request::IntegLs { ws } => Reply::Integrations(self.integration_rows(&ws)?),
            Request::IntegAttach {
                app_path,
                name,
                attach,
            } => {
                self.integ_attach(&app_path, &name, attach)?;
                done(if attach {
                    format!("{} uses {}", app_path.trim(), name.trim())
                } else {
                    format!("{} no longer uses {}", app_path.trim(), name.trim())
                })
            }
            other => return Ok(Err(other)),
        }))
    }

    /// Read-only views (not its own: handed back).
    fn run_views(&self, req: Request) -> Result<Result<Reply, Request>> {
        Ok(Ok(match req {
            Request::Ls { path } => Reply::Listing(self.ls(path.as_deref())?),
            Request::Tree { path } => Reply::Tree(self.tree(path.as_deref())?),
            Request::Detail { path } => {
                let r = self.resolve_str(&path)?;
                Reply::Detail(Box::new(self.detail(&r)?))
            }
            Request::Check {
                login,
                action,
                path,
                to,
            } => Reply::Decision(self.check_to(&login, &action, &path, to.as_deref())?),
            Request::Explain { login, path } => {
                let (decision, lines) = self.explain(&login, &path)?;
                Reply::Explained { decision, lines }
            }
            Request::Who { path, level, via } => {
                Reply::Who(self.who_report(&path, level.as_deref(), via.as_deref())?)
            }
            Request::Access { login, workspace } => {
                let nodes = self.access(&login, workspace.as_deref())?;
                Reply::Access { login, nodes }
            }
            Request::Log { workspace, filter } => {
                let entries = self.log(workspace.as_deref())?;
                let kept = entries.into_iter().filter(|e| filter.keeps(e)).collect();
                Reply::Log(self.log_entries(kept, filter.access)?)
            }
            Request::Activity { path } => {
                let r = self.resolve_str(&path)?;
                let id = r
                    .item()
                    .ok_or_else(|| Error::invalid("a space root has no activity of its own"))?
                    .id;
                Reply::Activity {
                    entries: self.activity(id)?,
                    whole: self.reads_log_of(Some(r.space().ws)),
                }
            }
            Request::GrantsLs {
                path,
                subject,
                recursive,
            } => Reply::Grants(self.grants_ls(path.as_deref(), subject.as_deref(), recursive)?),
            Request::Entitlements {
                login,
                workspace,
                after,
                limit,
            } => Reply::Entitlements(self.entitlements(
                &login,
                workspace.as_deref(),
                after.as_ref(),
                limit,
            )?),
            Request::WhoBelow {
                path,
                level,
                via,
                after,
                limit,
            } => Reply::Entitlements(self.who_below(
                &path,
                level.as_deref(),
                via.as_deref(),
                after.as_ref(),
                limit,
            )?),
            other => return Ok(Err(other)),
        }))
    }

    fn placed_new(&self, path: &str, kind: ItemKind) -> Result<Reply> {
        let it = self.create(path, kind)?;
        self.placed(Placed::Created(kind), &it)
    }

    fn placed(&self, how: Placed, it: &Item) -> Result<Reply> {
        Ok(Reply::Placed {
            how,
            id: it.id,
            path: self.path_of(it)?,
        })
    }

    /// The groups the actor reads, with the members they read (R33).
    fn groups_with_members(&self) -> Result<Vec<Members>> {
        let st = self.store();
        let mut out = Vec::new();
        for g in st.groups()? {
            if self.reads(Person::Group(&g.name)) {
                out.push(Members {
                    members: self.readable_logins(st.group_members(&g.name)?),
                    name: g.name,
                    parent: None,
                });
            }
        }
        Ok(out)
    }

    /// The org units the actor reads, with the members they read (R33).
    fn orgs_with_members(&self) -> Result<Vec<Members>> {
        let st = self.store();
        let mut out = Vec::new();
        for o in st.orgs()? {
            if self.reads(Person::Unit(&o.name)) {
                out.push(Members {
                    members: self.readable_logins(st.org_members(&o.name)?),
                    parent: o.parent.filter(|p| self.reads(Person::Unit(p))),
                    name: o.name,
                });
            }
        }
        Ok(out)
    }

    fn readable_logins(&self, logins: Vec<String>) -> Vec<String> {
        logins
            .into_iter()
            .filter(|l| self.reads(Person::User(l)))
            .collect()
    }

    fn tenant_names(&self) -> Result<Vec<String>> {
        Ok(self
            .store()
            .tenants()?
            .into_iter()
            .map(|t| t.name)
            .filter(|t| self.reads(Person::Tenant(t)))
            .collect())
    }

    /// `role ls WS`: the members and roles of a workspace, its members' to
    /// read (R33, R34).
    fn ws_members(&self, ws: &str) -> Result<Vec<(String, Roles)>> {
        let w = self.workspace_named(&names::validate_name(ws, "workspace")?)?;
        self.require_workspace_readable(&w)?;
        self.store().members(w.id)
    }

    fn integration_rows(&self, ws: &str) -> Result<Vec<IntegRow>> {
        let (w, v) = self.integrations(ws)?;
        v.into_iter()
            .map(|i| {
                Ok(IntegRow {
                    apps: self.store().integration_users(w.id, &i.name)?.len(),
                    integration: i,
                })
            })
            .collect()
    }
}
