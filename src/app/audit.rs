//! The audit log's vocabulary (R32), and the one way an operation ends:
//! append its entry and commit, in one transaction.

use super::*;

/// What a change did: the `action` of its audit entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Init,
    UserAdd,
    UserRm,
    GroupAdd,
    GroupRm,
    GroupJoin,
    GroupLeave,
    OrgAdd,
    OrgRm,
    OrgJoin,
    OrgLeave,
    TenantAdd,
    WsAdd,
    WsRename,
    WsRm,
    RoleGrant,
    RoleRevoke,
    Mkdir,
    App,
    AssetAdd,
    AssetRm,
    Mv,
    Rename,
    Rm,
    Cp,
    Describe,
    Share,
    Unshare,
    Leave,
    ResourceSet,
    ResourceRestrict,
    ResourceAllow,
    IntegAdd,
    IntegEdit,
    IntegRm,
    IntegAttach,
    IntegDetach,
    Gen,
    DoctorRepair,
}

impl AuditAction {
    /// The word stored in the log (a contract: `log --json` and scripts read it).
    pub fn as_str(self) -> &'static str {
        use AuditAction::*;
        match self {
            Init => "init",
            UserAdd => "user add",
            UserRm => "user rm",
            GroupAdd => "group add",
            GroupRm => "group rm",
            GroupJoin => "group join",
            GroupLeave => "group leave",
            OrgAdd => "org add",
            OrgRm => "org rm",
            OrgJoin => "org join",
            OrgLeave => "org leave",
            TenantAdd => "tenant add",
            WsAdd => "ws add",
            WsRename => "ws rename",
            WsRm => "ws rm",
            RoleGrant => "role grant",
            RoleRevoke => "role revoke",
            Mkdir => "mkdir",
            App => "app",
            AssetAdd => "asset add",
            AssetRm => "asset rm",
            Mv => "mv",
            Rename => "rename",
            Rm => "rm",
            Cp => "cp",
            Describe => "describe",
            Share => "share",
            Unshare => "unshare",
            Leave => "leave",
            ResourceSet => "resource set",
            ResourceRestrict => "resource restrict",
            ResourceAllow => "resource allow",
            IntegAdd => "integ add",
            IntegEdit => "integ edit",
            IntegRm => "integ rm",
            IntegAttach => "integ attach",
            IntegDetach => "integ detach",
            Gen => "gen",
            DoctorRepair => "doctor repair",
        }
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a change happened: what its audit entry points at (R32 filters on it).
#[derive(Debug, Clone)]
pub enum At {
    /// Account-wide: users, groups, org units, tenants.
    Account,
    Workspace(WsId),
    Item {
        id: ItemId,
        space: SpaceRef,
    },
}

impl At {
    pub fn item(it: &Item) -> At {
        At::Item {
            id: it.id,
            space: it.space.clone(),
        }
    }
}

/// An audit entry for `actor` (`seq` is assigned by the transaction).
pub fn entry(actor: &str, action: AuditAction, target: String, at: At) -> AuditEntry {
    let (item, ws, space) = match at {
        At::Account => (None, None, None),
        At::Workspace(w) => (None, Some(w), None),
        At::Item { id, space } => (Some(id), Some(space.ws), Some(space)),
    };
    AuditEntry {
        seq: 0,
        at: now(),
        actor: actor.to_string(),
        action: action.as_str().to_string(),
        target,
        item,
        ws,
        space,
        outcome: "ok".into(),
    }
}

impl Session<'_> {
    /// Ends an operation: appends its audit entry and commits the change,
    /// atomically and durably, before it is reported done.
    pub fn commit(
        &self,
        mut tx: Txn<'_>,
        action: AuditAction,
        target: impl Into<String>,
        at: At,
    ) -> Result<()> {
        tx.audit(entry(&self.actor.login, action, target.into(), at));
        tx.commit()?;
        Ok(())
    }
}

/// What a reviewer narrows the log to (`log --since … --until … --actor …
/// --action … --path …`): every given condition must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LogFilter {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Entries whose target names this path or a path below it.
    pub path: Option<String>,
}

impl LogFilter {
    pub fn keeps(&self, e: &AuditEntry) -> bool {
        self.since.is_none_or(|t| e.at >= t)
            && self.until.is_none_or(|t| e.at < t)
            && self.actor.as_ref().is_none_or(|a| *a == e.actor)
            && self.action.as_ref().is_none_or(|a| *a == e.action)
            && self.path.as_ref().is_none_or(|p| names_path(&e.target, p))
    }
}

/// Does an entry's target (a path, `A -> B`, or a path and words after it)
/// name `p` or something below it?
fn names_path(target: &str, p: &str) -> bool {
    let p = p.trim_end_matches('/');
    target.match_indices(p).any(|(i, _)| {
        let before = target[..i].chars().next_back();
        let after = target[i + p.len()..].chars().next();
        matches!(before, None | Some(' ')) && matches!(after, None | Some('/' | ' ' | ':'))
    })
}
