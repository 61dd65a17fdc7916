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
    /// Last: stored logs keep the numbers of the actions before it.
    AssetRename,
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
            AssetRename => "asset rename",
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
    /// Only changes that altered access, each with who gained and who lost what.
    #[serde(default)]
    pub access: bool,
    /// Only entries after this seq (`watch --since`).
    #[serde(default)]
    pub after_seq: Option<u64>,
}

impl LogFilter {
    pub fn keeps(&self, e: &AuditEntry) -> bool {
        self.since.is_none_or(|t| e.at >= t)
            && self.until.is_none_or(|t| e.at < t)
            && self.actor.as_ref().is_none_or(|a| *a == e.actor)
            && self.action.as_ref().is_none_or(|a| *a == e.action)
            && self.path.as_ref().is_none_or(|p| names_path(&e.target, p))
            && self.after_seq.is_none_or(|s| e.seq > s)
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

/// The structured fields of an audit entry, for reviewers: who was granted
/// or lost what, at which level before and after, with which note. Kept
/// beside the entry (`keys::audit_detail`), written in the same change.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Detail {
    pub subject: Option<String>,
    pub level: Option<String>,
    pub previous_level: Option<String>,
    pub note: Option<String>,
}

/// Who gained and who lost what by a change that alters access: the what-if
/// of the change, computed before it was made and committed with it
/// (`keys::audit_access`, under its first entry; `through`: its last).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AccessRecord {
    pub through: u64,
    pub summary: Vec<String>,
    pub groups: Vec<AccessGroup>,
}

/// Users who went alike from one level to another, on these items (at most
/// [`RECORDED_ITEMS`] paths kept; `items` counts them all).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccessGroup {
    pub before: String,
    pub after: String,
    pub logins: Vec<String>,
    pub items: usize,
    pub paths: Vec<String>,
}

/// Paths kept per group in a recorded what-if (a move of a large folder
/// changes every item below it: the summary line counts them).
pub const RECORDED_ITEMS: usize = 1_000;

impl AccessRecord {
    pub fn of(report: &super::review::WhatIf, through: u64) -> AccessRecord {
        AccessRecord {
            through,
            summary: report.summary.clone(),
            groups: report
                .groups
                .iter()
                .map(|g| AccessGroup {
                    before: g.before.clone(),
                    after: g.after.clone(),
                    logins: g.logins.clone(),
                    items: g.items.len(),
                    paths: g
                        .items
                        .iter()
                        .take(RECORDED_ITEMS)
                        .map(|i| i.path.clone())
                        .collect(),
                })
                .collect(),
        }
    }
}

/// An audit entry as `log` gives it: with its structured fields and, for a
/// change that altered access, who gained and who lost what (`log --access`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogEntry {
    #[serde(flatten)]
    pub entry: AuditEntry,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Detail>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<AccessRecord>,
}

impl Session<'_> {
    /// `log`'s entries with their structured fields and (`access`) the
    /// access records of the changes that altered access, as far as the
    /// reader sees the items they name (R12, R14).
    pub fn log_entries(&self, entries: Vec<AuditEntry>, access: bool) -> Result<Vec<LogEntry>> {
        use crate::store::keys::{AUDIT_ACCESS, AUDIT_DETAIL};
        let st = self.store();
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            // A masked entry's subject, level and note are as private as its target (R14).
            let private = entry.target.ends_with(super::views::PRIVATE_ITEM);
            let detail = match private {
                true => None,
                false => st.audit_extra(AUDIT_DETAIL, entry.seq, "audit detail")?,
            };
            let record = if access {
                match st.audit_extra::<AccessRecord>(AUDIT_ACCESS, entry.seq, "audit access")? {
                    Some(r) => Some(self.seen_part(r)),
                    None => continue,
                }
            } else {
                None
            };
            out.push(LogEntry {
                entry,
                detail,
                access: record,
            });
        }
        Ok(out)
    }

    /// A path named by a past change: as the log treats its entries, a Team
    /// Space path is the log reader's to read; an item of someone's My
    /// Creations only when they can see it now (R14).
    fn may_read_in_log(&self, p: &str) -> bool {
        match path::parse_in(p) {
            Ok(ip) => match &ip.space {
                path::SpaceName::Team => true,
                path::SpaceName::My(l) => *l == self.actor.login || self.resolve(&ip).is_ok(),
            },
            Err(_) => false,
        }
    }

    /// An access record without the paths this reader cannot see; when any
    /// was left out, its summary counts instead of naming.
    fn seen_part(&self, mut r: AccessRecord) -> AccessRecord {
        let mut dropped = false;
        for g in &mut r.groups {
            let before = g.paths.len();
            g.paths.retain(|p| self.may_read_in_log(p));
            if g.paths.len() < before {
                dropped = true;
                g.items -= before - g.paths.len();
            }
        }
        r.groups.retain(|g| g.items > 0);
        if dropped {
            r.summary = r
                .groups
                .iter()
                .map(|g| {
                    format!(
                        "{} user(s) go from {} to {} on {} item(s) you can see ({})",
                        g.logins.len(),
                        g.before,
                        g.after,
                        g.items,
                        g.logins
                            .iter()
                            .take(5)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
                .collect();
        }
        r
    }
}
