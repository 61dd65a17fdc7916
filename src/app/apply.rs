//! `apply FILE`: a list of changes, each stating what should hold (a folder
//! that exists, a grant at a level, a membership), made as one atomic change.
//! Each entry is planned on a view of the store with the entries before it
//! laid over (the same operations, the same rules), then all of them are
//! committed in one transaction, or none. An entry whose state already holds
//! changes nothing, so applying a file twice changes nothing the second time.

use serde::{Deserialize, Serialize};

use super::request::{Placed, Request};
use super::*;
use crate::store::Planned;

/// One entry of a changes file: a one-key map named after the command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    Share {
        path: String,
        subject: String,
        level: String,
        /// Without one, a grant already there keeps its note.
        #[serde(default)]
        note: Option<String>,
    },
    Unshare {
        path: String,
        subject: String,
    },
    Mkdir {
        path: String,
    },
    App {
        path: String,
    },
    /// Moves `path` into the folder `to`.
    Mv {
        path: String,
        #[serde(alias = "dest")]
        to: String,
    },
    Rename {
        path: String,
        #[serde(alias = "new_name")]
        name: String,
    },
    Rm {
        path: String,
    },
    Describe {
        path: String,
        text: String,
    },
    #[serde(alias = "role grant")]
    RoleGrant {
        ws: String,
        login: String,
        roles: Words,
    },
    #[serde(alias = "role revoke")]
    RoleRevoke {
        ws: String,
        login: String,
        roles: Words,
        #[serde(default)]
        transfer_to: Option<String>,
    },
    #[serde(alias = "user add")]
    UserAdd {
        login: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        tenant: Option<String>,
    },
    #[serde(alias = "group add")]
    GroupAdd {
        group: String,
    },
    #[serde(alias = "group join")]
    GroupJoin {
        group: String,
        login: String,
    },
    #[serde(alias = "group leave")]
    GroupLeave {
        group: String,
        login: String,
    },
    #[serde(alias = "org add")]
    OrgAdd {
        unit: String,
        #[serde(default)]
        parent: Option<String>,
    },
    #[serde(alias = "org join")]
    OrgJoin {
        unit: String,
        login: String,
    },
    #[serde(alias = "org leave")]
    OrgLeave {
        unit: String,
        login: String,
    },
    #[serde(alias = "tenant add")]
    TenantAdd {
        tenant: String,
    },
    #[serde(alias = "ws add")]
    WsAdd {
        name: String,
    },
    #[serde(alias = "asset add")]
    AssetAdd {
        app: String,
        kind: String,
        name: String,
    },
    /// `path`: the asset's path, `APP:KIND/NAME`.
    #[serde(alias = "asset rm")]
    AssetRm {
        path: String,
    },
    #[serde(alias = "asset rename")]
    AssetRename {
        path: String,
        #[serde(alias = "new_name")]
        name: String,
    },
}

/// One word or a list of them (`roles: analyst` or `roles: [analyst, admin]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Words {
    One(String),
    Many(Vec<String>),
}

impl Words {
    pub fn list(&self) -> Vec<String> {
        match self {
            Words::One(w) => w
                .split([',', ';', ' '])
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect(),
            Words::Many(v) => v.clone(),
        }
    }
    fn roles(&self) -> Result<Vec<Role>> {
        self.list().iter().map(|w| w.parse()).collect()
    }
}

/// The names of the entries a changes file may hold, as it spells them.
pub const CHANGE_WORDS: &[&str] = &[
    "share",
    "unshare",
    "mkdir",
    "app",
    "mv",
    "rename",
    "rm",
    "describe",
    "role_grant",
    "role_revoke",
    "user_add",
    "group_add",
    "group_join",
    "group_leave",
    "org_add",
    "org_join",
    "org_leave",
    "tenant_add",
    "ws_add",
    "asset_add",
    "asset_rm",
    "asset_rename",
];

/// An entry and where the file holds it (for messages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The line of the file it starts on (1-based; 0 when not known).
    pub line: usize,
    pub change: Change,
}

impl Entry {
    /// "line 7 (share)": how a message names the entry.
    pub fn place(&self) -> String {
        let name = serde_json::to_value(&self.change)
            .ok()
            .and_then(|v| v.as_object().and_then(|o| o.keys().next().cloned()))
            .unwrap_or_default();
        if self.line > 0 {
            format!("line {} ({name})", self.line)
        } else {
            name
        }
    }
}

/// What became of one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub line: usize,
    /// The entry's change in words ("share /W/team/Sales user:frank viewer").
    pub change: String,
    pub changed: bool,
    /// What was done, or what already held.
    pub message: String,
}

impl Change {
    /// The command this entry is a form of, in the command line's words.
    pub fn words(&self) -> String {
        match self {
            Change::Share {
                path,
                subject,
                level,
                ..
            } => format!("share {path} {subject} {level}"),
            Change::Unshare { path, subject } => format!("unshare {path} {subject}"),
            Change::Mkdir { path } => format!("mkdir {path}"),
            Change::App { path } => format!("app {path}"),
            Change::Mv { path, to } => format!("mv {path} {to}"),
            Change::Rename { path, name } => format!("rename {path} {name}"),
            Change::Rm { path } => format!("rm {path}"),
            Change::Describe { path, .. } => format!("describe {path}"),
            Change::RoleGrant { ws, login, roles } => {
                format!("role grant {ws} {login} {}", roles.list().join(" "))
            }
            Change::RoleRevoke {
                ws, login, roles, ..
            } => format!("role revoke {ws} {login} {}", roles.list().join(" ")),
            Change::UserAdd { login, .. } => format!("user add {login}"),
            Change::GroupAdd { group } => format!("group add {group}"),
            Change::GroupJoin { group, login } => format!("group join {group} {login}"),
            Change::GroupLeave { group, login } => format!("group leave {group} {login}"),
            Change::OrgAdd { unit, .. } => format!("org add {unit}"),
            Change::OrgJoin { unit, login } => format!("org join {unit} {login}"),
            Change::OrgLeave { unit, login } => format!("org leave {unit} {login}"),
            Change::TenantAdd { tenant } => format!("tenant add {tenant}"),
            Change::WsAdd { name } => format!("ws add {name}"),
            Change::AssetAdd { app, kind, name } => format!("asset add {app} {kind} {name}"),
            Change::AssetRm { path } => format!("asset rm {path}"),
            Change::AssetRename { path, name } => format!("asset rename {path} {name}"),
        }
    }

    /// The request that makes this entry hold (the command's own request).
    pub fn request(&self) -> Result<Request> {
        let s = |v: &String| v.clone();
        Ok(match self {
            Change::Share {
                path,
                subject,
                level,
                note,
            } => Request::Share {
                path: s(path),
                subject: s(subject),
                level: s(level),
                note: note.clone().unwrap_or_default(),
            },
            Change::Unshare { path, subject } => Request::Unshare {
                path: s(path),
                subject: s(subject),
            },
            Change::Mkdir { path } => Request::Mkdir { path: s(path) },
            Change::App { path } => Request::App { path: s(path) },
            Change::Mv { path, to } => Request::Mv {
                path: s(path),
                dest: s(to),
            },
            Change::Rename { path, name } => Request::Rename {
                path: s(path),
                new_name: s(name),
            },
            Change::Rm { path } => Request::Rm { path: s(path) },
            Change::Describe { path, text } => Request::Describe {
                path: s(path),
                text: s(text),
            },
            Change::RoleGrant { ws, login, roles } => Request::RoleGrant {
                ws: s(ws),
                login: s(login),
                roles: roles.roles()?,
            },
            Change::RoleRevoke {
                ws,
                login,
                roles,
                transfer_to,
            } => Request::RoleRevoke {
                ws: s(ws),
                login: s(login),
                roles: roles.roles()?,
                transfer_to: transfer_to.clone(),
            },
            other => return other.account_request(),
        })
    }

    /// The requests of entries about the account's people and workspaces.
    fn account_request(&self) -> Result<Request> {
        let s = |v: &String| v.clone();
        Ok(match self {
            Change::UserAdd {
                login,
                name,
                tenant,
            } => Request::UserAdd {
                login: s(login),
                name: name.clone(),
                tenant: tenant.clone(),
            },
            Change::GroupAdd { group } => Request::GroupAdd { group: s(group) },
            Change::GroupJoin { group, login } => Request::GroupJoin {
                group: s(group),
                login: s(login),
            },
            Change::GroupLeave { group, login } => Request::GroupLeave {
                group: s(group),
                login: s(login),
            },
            Change::OrgAdd { unit, parent } => Request::OrgAdd {
                unit: s(unit),
                parent: parent.clone(),
            },
            Change::OrgJoin { unit, login } => Request::OrgJoin {
                unit: s(unit),
                login: s(login),
            },
            Change::OrgLeave { unit, login } => Request::OrgLeave {
                unit: s(unit),
                login: s(login),
            },
            Change::TenantAdd { tenant } => Request::TenantAdd { tenant: s(tenant) },
            Change::WsAdd { name } => Request::WsAdd { name: s(name) },
            Change::AssetAdd { app, kind, name } => Request::AssetAdd {
                app_path: s(app),
                kind: s(kind),
                name: s(name),
            },
            Change::AssetRm { path } => Request::AssetRm {
                asset_path: s(path),
            },
            Change::AssetRename { path, name } => Request::AssetRename {
                asset_path: s(path),
                new_name: s(name),
            },
            other => other.request()?,
        })
    }
}

impl Session<'_> {
    /// What already holds of `change`, when all of it does: the entry then
    /// changes nothing. Entries the command itself answers "unchanged" for
    /// (share, membership, roles, describe …) are left to it.
    fn already_holds(&self, change: &Change) -> Result<Option<String>> {
        let found = |raw: &str| match self.resolve_str(raw) {
            Ok(r) => Ok(Some(r)),
            Err(e) if e.outcome == Outcome::NotFound => Ok(None),
            Err(e) => Err(e),
        };
        let kind_at = |raw: &str| -> Result<Option<ItemKind>> {
            Ok(found(raw)?.and_then(|r| r.item().map(|i| i.kind)))
        };
        let shown = |p: &str| text::escape(p.trim());
        Ok(match change {
            Change::Mkdir { path } | Change::App { path } => {
                let want = match change {
                    Change::Mkdir { .. } => ItemKind::Folder,
                    _ => ItemKind::App,
                };
                match kind_at(path)? {
                    Some(k) if k == want => Some(format!("{} exists", shown(path))),
                    // A different kind there: the command says it is taken.
                    _ => None,
                }
            }
            Change::Mv { path, to } if found(path)?.is_none() => {
                let name = path::parse_item(path)?.names.pop().unwrap_or_default();
                let there = format!("{}/{name}", to.trim_end_matches('/'));
                found(&there)?.map(|_| format!("{} is in {}", shown(&there), shown(to)))
            }
            Change::Rename { path, name } if found(path)?.is_none() => {
                let mut p = path::parse_item(path)?;
                p.names.pop();
                p.names.push(names::validate_name(name, "the new")?);
                let there = p.to_string();
                found(&there)?.map(|_| format!("{} exists", shown(&there)))
            }
            Change::Rm { path } if found(path)?.is_none() => {
                Some(format!("{} does not exist", shown(path)))
            }
            _ => self.account_holds(change)?,
        })
    }

    /// Users, groups, org units, tenants and workspaces that exist (the
    /// owner's to add: anyone else is answered by the command, refused).
    fn account_holds(&self, change: &Change) -> Result<Option<String>> {
        if !self.is_owner() {
            return Ok(None);
        }
        let st = self.store();
        let shown = |w: &str, n: &str| Some(format!("{w} {} exists", text::escape(n.trim())));
        Ok(match change {
            Change::UserAdd { login, .. } if st.user(login.trim())?.is_some() => {
                shown("user", login)
            }
            Change::GroupAdd { group } if st.group(group.trim())?.is_some() => {
                shown("group", group)
            }
            Change::OrgAdd { unit, .. } if st.org(unit.trim())?.is_some() => {
                shown("org unit", unit)
            }
            Change::TenantAdd { tenant } if st.tenant(tenant.trim())?.is_some() => {
                shown("tenant", tenant)
            }
            Change::WsAdd { name } if st.workspace_by_name(name.trim())?.is_some() => {
                shown("workspace", name)
            }
            _ => None,
        })
    }

    /// Makes one entry hold, on this session's store (a view, when planned).
    fn apply_one(&self, entry: &Entry) -> Result<Applied> {
        let applied = |changed: bool, message: String| Applied {
            line: entry.line,
            change: entry.change.words(),
            changed,
            message,
        };
        if let Some(why) = self.already_holds(&entry.change)? {
            return Ok(applied(false, why));
        }
        let reply = self.execute(entry.change.request()?)?;
        let message = match &reply {
            Reply::Unchanged { message } | Reply::Done { message } => message.clone(),
            Reply::Placed { path, how, .. } => match how {
                Placed::Created(kind) => format!("created {kind} {path}"),
                Placed::Moved => format!("moved to {path}"),
                Placed::Renamed => format!("renamed to {path}"),
                Placed::Copied => format!("copied to {path}"),
                Placed::Unchanged => format!("{path} is already so"),
            },
            Reply::Roles { login, ws, roles } => format!("{login} has {roles} in {ws}"),
            _ => entry.change.words(),
        };
        Ok(applied(!reply.is_unchanged(), message))
    }

    /// `apply`: every entry planned in order on a view of the store with the
    /// entries before it made, then all committed in one transaction. The
    /// first entry refused refuses the whole file, naming its line.
    pub fn apply(&self, entries: &[Entry]) -> Result<Vec<Applied>> {
        let seq = self.store().next_audit_seq()?;
        let mut planned = Planned::default();
        let mut done = Vec::with_capacity(entries.len());
        for entry in entries {
            let view = App {
                store: self.store().overlay(&planned.ops),
            };
            let at = |e: Error| Error {
                message: format!("{}: {}; nothing was applied", entry.place(), e.message),
                ..e
            };
            let s = view.session(self.login()).map_err(at)?;
            let (r, p) = crate::store::plan(|| s.apply_one(entry));
            done.push(r.map_err(at)?);
            planned.ops.extend(p.ops);
            planned.audits.extend(p.audits);
        }
        if !planned.ops.is_empty() {
            let mut t = self.store().begin()?;
            t.adopt(planned, seq)?;
            t.commit()?;
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEAM: &str = "/Default Workspace/team";

    fn entry(line: usize, change: Change) -> Entry {
        Entry { line, change }
    }

    #[test]
    fn a_plan_is_not_made_over_a_change_that_came_after_it() {
        let app = App::in_memory();
        app.init("own").unwrap();
        let own = app.session("own").unwrap();
        let seq = app.store().next_audit_seq().unwrap();
        let (r, plan) = crate::store::plan(|| own.create(&format!("{TEAM}/A"), ItemKind::Folder));
        r.unwrap();
        // Another change commits between the plan and its making.
        own.create(&format!("{TEAM}/B"), ItemKind::Folder).unwrap();
        let mut t = app.store().begin().unwrap();
        let e = t.adopt(plan, seq).unwrap_err();
        assert!(e.again, "planned again by the request's retry: {e}");
        drop(t);
        assert!(
            own.resolve_str(&format!("{TEAM}/A")).is_err(),
            "nothing of the plan was made"
        );
    }

    #[test]
    fn assets_are_added_renamed_and_removed_in_one_change() {
        let app = App::in_memory();
        app.init("own").unwrap();
        let own = app.session("own").unwrap();
        let x = format!("{TEAM}/x");
        let entries = vec![
            entry(1, Change::App { path: x.clone() }),
            entry(
                2,
                Change::AssetAdd {
                    app: x.clone(),
                    kind: "chart".into(),
                    name: "Trend".into(),
                },
            ),
            entry(
                3,
                Change::AssetRename {
                    path: format!("{x}:chart/Trend"),
                    name: "Speed".into(),
                },
            ),
            entry(
                4,
                Change::AssetAdd {
                    app: x.clone(),
                    kind: "dataset".into(),
                    name: "Raw".into(),
                },
            ),
            entry(
                5,
                Change::AssetRm {
                    path: format!("{x}:dataset/Raw"),
                },
            ),
        ];
        own.apply(&entries).unwrap();
        let (it, _) = own.resolve_item(&x).unwrap();
        let names: Vec<String> = own
            .assets_of(&it)
            .unwrap()
            .into_iter()
            .map(|a| format!("{}/{}", a.kind, a.name))
            .collect();
        assert_eq!(names, ["chart/Speed"]);
        // From a file, by the names the file spells.
        let parsed: Vec<Change> = serde_json::from_str(
            r#"[{"asset_rm": {"path": "/W/team/x:chart/Speed"}},
                {"asset_rename": {"path": "/W/team/x:chart/A", "name": "B"}}]"#,
        )
        .unwrap();
        assert_eq!(parsed[0].words(), "asset rm /W/team/x:chart/Speed");
        assert_eq!(parsed[1].words(), "asset rename /W/team/x:chart/A B");
    }

    #[test]
    fn r1_entries_see_the_entries_before_them_and_all_or_none_are_made() {
        let app = App::in_memory();
        app.init("own").unwrap();
        let own = app.session("own").unwrap();
        let entries = vec![
            entry(
                1,
                Change::Mkdir {
                    path: format!("{TEAM}/A"),
                },
            ),
            entry(
                2,
                Change::App {
                    path: format!("{TEAM}/A/x"),
                },
            ),
            // R1: a name taken by an entry before it.
            entry(
                3,
                Change::Mkdir {
                    path: format!("{TEAM}/A/x"),
                },
            ),
        ];
        let e = own.apply(&entries).unwrap_err();
        assert_eq!(e.outcome, Outcome::Conflict, "{e}");
        assert!(e.message.starts_with("line 3 (mkdir)"), "{e}");
        assert!(own.resolve_str(&format!("{TEAM}/A")).is_err(), "none made");
        let done = own.apply(&entries[..2]).unwrap();
        assert!(done.iter().all(|a| a.changed));
        // One audit entry per entry, in order, in one change.
        let log = app.store().audit_all().unwrap();
        let last: Vec<&str> = log
            .iter()
            .rev()
            .take(2)
            .map(|e| e.action.as_str())
            .collect();
        assert_eq!(last, ["app", "mkdir"]);
        let again = own.apply(&entries[..2]).unwrap();
        assert!(again.iter().all(|a| !a.changed), "{again:?}");
    }
}
