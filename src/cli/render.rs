//! Runs a command for an actor and renders its result as text and JSON.
//! Everything shown passes through `escape`: stored text never reaches the
//! terminal raw.

use serde_json::json;

use super::args::*;
use super::Out;
use crate::app::{Session, TreeNode};
use crate::domain::text::escape;
use crate::domain::*;

pub(crate) fn fmt_time(t: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]Z"
            ))
            .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

fn roles_of(words: &[String]) -> Result<Vec<Role>> {
    words.iter().map(|w| w.parse()).collect()
}

/// "  (restricted from influxdb)" for an app an admin restricted (R30).
fn restriction_note(r: &[ResourceKind]) -> String {
    if r.is_empty() {
        String::new()
    } else {
        let v: Vec<&str> = r.iter().map(|k| k.as_str()).collect();
        format!("  (restricted from {})", v.join(", "))
    }
}

fn entry_line(kind: &str, name: &str, level: Option<&str>, path_only: bool) -> String {
    let suffix = if kind == "folder" || kind == "workspace" || kind == "space" {
        "/"
    } else {
        ""
    };
    let mut s = format!("{kind:<10} {}{suffix}", escape(name));
    if path_only {
        s.push_str("  (path only)");
    } else if let Some(l) = level {
        s.push_str(&format!("  [{l}]"));
    }
    s
}

fn draw_tree(nodes: &[TreeNode], prefix: &str, out: &mut String) {
    for (i, n) in nodes.iter().enumerate() {
        let last = i + 1 == nodes.len();
        let e = &n.entry;
        let label = match e.kind.as_str() {
            "folder" => format!("{}/", escape(&e.name)),
            "app" => escape(&e.name),
            "workspace" | "space" => format!("{}/", escape(&e.name)),
            k => format!("{k}: {}", escape(&e.name)),
        };
        let note = if e.path_only {
            "  (path only)".to_string()
        } else {
            match (&e.kind[..], &e.level) {
                ("app", Some(l)) => format!("  [app, {l}]"),
                (_, Some(l)) => format!("  [{l}]"),
                _ => String::new(),
            }
        };
        let note = note + &restriction_note(&e.restricted);
        out.push_str(&format!(
            "{prefix}{}{label}{note}\n",
            if last { "└── " } else { "├── " }
        ));
        let child_prefix = format!("{prefix}{}", if last { "    " } else { "│   " });
        draw_tree(&n.children, &child_prefix, out);
    }
}

pub fn command(s: &Session<'_>, cmd: Cmd) -> Result<Out> {
    Ok(match cmd {
        Cmd::Init { .. }
        | Cmd::Import { .. }
        | Cmd::Demo
        | Cmd::Gen { .. }
        | Cmd::Export { .. }
        | Cmd::Doctor { .. }
        | Cmd::Backup { .. }
        | Cmd::StressWriter { .. }
        | Cmd::Serve
        | Cmd::Watch => {
            unreachable!("handled before a session")
        }
        Cmd::User(UserCmd::Add {
            login,
            name,
            tenant,
        }) => {
            let u = s.user_add(&login, name.as_deref(), tenant.as_deref())?;
            Out::done(format!("added user {}", u.login))
        }
        Cmd::User(UserCmd::Ls) => {
            let users = s.users()?;
            let owner = s.account.owner.clone();
            let text = users
                .iter()
                .map(|u| {
                    let mut l = format!("{:<20} {}", u.login, escape(&u.name));
                    if let Some(t) = &u.tenant {
                        l.push_str(&format!("  (tenant {})", escape(t)));
                    }
                    if u.login == owner {
                        l.push_str("  (account owner)");
                    }
                    l
                })
                .collect::<Vec<_>>()
                .join("\n");
            let j: Vec<_> = users
                .iter()
                .map(|u| json!({ "login": u.login, "name": u.name, "tenant": u.tenant, "owner": u.login == owner }))
                .collect();
            Out::ok(text, json!(j))
        }
        Cmd::Group(g) => match g {
            GroupCmd::Add { group } => {
                s.group_add(&group)?;
                Out::done(format!("added group {}", escape(group.trim())))
            }
            GroupCmd::Rm { group } => {
                let n = s.group_rm(&group)?;
                Out::done(format!(
                    "removed group {} and {n} grant(s) to it",
                    escape(group.trim())
                ))
            }
            GroupCmd::Join { group, login } => {
                let new = s.group_join(&group, &login)?;
                Out::done(if new {
                    format!("{login} joined group {}", escape(group.trim()))
                } else {
                    format!("{login} is already in group {}", escape(group.trim()))
                })
            }
            GroupCmd::Leave { group, login } => {
                s.group_leave(&group, &login)?;
                Out::done(format!("{login} left group {}", escape(group.trim())))
            }
            GroupCmd::Ls => {
                let mut rows = Vec::new();
                let mut text = Vec::new();
                for g in s.store().groups()? {
                    let m = s.store().group_members(&g.name)?;
                    text.push(format!("{:<20} {}", escape(&g.name), m.join(" ")));
                    rows.push(json!({ "name": g.name, "members": m }));
                }
                Out::ok(text.join("\n"), json!(rows))
            }
        },
        Cmd::Org(o) => match o {
            OrgCmd::Add { unit, parent } => {
                s.org_add(&unit, parent.as_deref())?;
                Out::done(format!("added org unit {}", escape(unit.trim())))
            }
            OrgCmd::Rm { unit } => {
                let n = s.org_rm(&unit)?;
                Out::done(format!(
                    "removed org unit {} and {n} grant(s) to it",
                    escape(unit.trim())
                ))
            }
            OrgCmd::Join { unit, login } => {
                let new = s.org_join(&unit, &login)?;
                Out::done(if new {
                    format!("{login} joined org unit {}", escape(unit.trim()))
                } else {
                    format!("{login} is already in org unit {}", escape(unit.trim()))
                })
            }
            OrgCmd::Leave { unit, login } => {
                s.org_leave(&unit, &login)?;
                Out::done(format!("{login} left org unit {}", escape(unit.trim())))
            }
            OrgCmd::Ls => {
                let mut rows = Vec::new();
                let mut text = Vec::new();
                for o in s.store().orgs()? {
                    let m = s.store().org_members(&o.name)?;
                    let parent = o
                        .parent
                        .clone()
                        .map(|p| format!(" (under {})", escape(&p)))
                        .unwrap_or_default();
                    text.push(format!("{}{parent}: {}", escape(&o.name), m.join(" ")));
                    rows.push(json!({ "name": o.name, "parent": o.parent, "members": m }));
                }
                Out::ok(text.join("\n"), json!(rows))
            }
        },
        Cmd::Tenant(TenantCmd::Add { tenant }) => {
            s.tenant_add(&tenant)?;
            Out::done(format!("added tenant {}", escape(tenant.trim())))
        }
        Cmd::Tenant(TenantCmd::Ls) => {
            let t = s.store().tenants()?;
            Out::ok(
                t.iter()
                    .map(|t| escape(&t.name))
                    .collect::<Vec<_>>()
                    .join("\n"),
                json!(t.iter().map(|t| &t.name).collect::<Vec<_>>()),
            )
        }
        Cmd::Ws(w) => {
            match w {
                WsCmd::Add { name } => {
                    let ws = s.ws_add(&name)?;
                    Out::done(format!("added workspace {}", escape(&ws.name)))
                }
                WsCmd::Rename { name, new } => {
                    s.ws_rename(&name, &new)?;
                    Out::done(format!(
                        "renamed workspace {} to {}",
                        escape(name.trim()),
                        escape(new.trim())
                    ))
                }
                WsCmd::Rm { name } => {
                    s.ws_rm(&name)?;
                    Out::done(format!("removed workspace {}", escape(name.trim())))
                }
                WsCmd::Ls => {
                    let v = s.workspaces()?;
                    let mut text = Vec::new();
                    let mut rows = Vec::new();
                    for w in &v {
                        let roles = s.actor.roles_in(w.id);
                        let r = if roles.is_empty() {
                            "-".to_string()
                        } else {
                            roles.to_string()
                        };
                        text.push(format!("{:<30} {r}", escape(&w.name)));
                        rows.push(json!({ "name": w.name, "roles": roles.list(), "admin": roles.is_admin() }));
                    }
                    Out::ok(text.join("\n"), json!(rows))
                }
            }
        }
        Cmd::Role(r) => {
            match r {
                RoleCmd::Grant { ws, login, roles } => {
                    let now = s.role_grant(&ws, &login, &roles_of(&roles)?)?;
                    Out::ok(
                        format!("{login} in {}: {now}", escape(ws.trim())),
                        json!({ "ok": true, "roles": now.list() }),
                    )
                }
                RoleCmd::Revoke {
                    ws,
                    login,
                    roles,
                    transfer_to,
                } => {
                    let now =
                        s.role_revoke(&ws, &login, &roles_of(&roles)?, transfer_to.as_deref())?;
                    let shown = if now.is_empty() {
                        "no roles (not a member)".to_string()
                    } else {
                        now.to_string()
                    };
                    Out::ok(
                        format!("{login} in {}: {shown}", escape(ws.trim())),
                        json!({ "ok": true, "roles": now.list() }),
                    )
                }
                RoleCmd::Ls { ws } => {
                    let w = s.workspace_named(ws.trim())?;
                    let members = s.store().members(w.id)?;
                    let text = members
                        .iter()
                        .map(|(l, r)| {
                            format!("{l:<20} {r}{}", if r.is_admin() { "  (admin)" } else { "" })
                        })
                        .collect::<Vec<_>>()
                        .join("\n");
                    let rows: Vec<_> = members.iter().map(|(l, r)| json!({ "login": l, "roles": r.list(), "admin": r.is_admin() })).collect();
                    Out::ok(text, json!(rows))
                }
            }
        }
        Cmd::Mkdir { path } => {
            let it = s.create(&path, ItemKind::Folder)?;
            Out::ok(
                format!("created folder {}", escape(&s.path_of(&it)?)),
                json!({ "ok": true, "id": it.id, "path": s.path_of(&it)? }),
            )
        }
        Cmd::App { path } => {
            let it = s.create(&path, ItemKind::App)?;
            Out::ok(
                format!("created app {}", escape(&s.path_of(&it)?)),
                json!({ "ok": true, "id": it.id, "path": s.path_of(&it)? }),
            )
        }
        Cmd::Asset(AssetCmd::Add {
            app_path,
            kind,
            name,
        }) => {
            let a = s.asset_add(&app_path, &kind, &name)?;
            Out::done(format!(
                "added {} {} to {}",
                a.kind,
                escape(&a.name),
                escape(app_path.trim())
            ))
        }
        Cmd::Asset(AssetCmd::Rm { asset_path }) => {
            s.asset_rm(&asset_path)?;
            Out::done(format!("removed {}", escape(&asset_path)))
        }
        Cmd::Mv { path, dest } => {
            let it = s.mv(&path, &dest)?;
            let p = s.path_of(&it)?;
            Out::ok(
                format!("moved to {}", escape(&p)),
                json!({ "ok": true, "path": p }),
            )
        }
        Cmd::Rename { path, new_name } => {
            let it = s.rename(&path, &new_name)?;
            let p = s.path_of(&it)?;
            Out::ok(
                format!("renamed to {}", escape(&p)),
                json!({ "ok": true, "path": p }),
            )
        }
        Cmd::Rm { path } => {
            s.rm(&path)?;
            Out::done(format!("deleted {}", escape(&path)))
        }
        Cmd::Cp { path, dest, beside } => {
            let it = s.cp(&path, if beside { None } else { dest.as_deref() })?;
            let p = s.path_of(&it)?;
            Out::ok(
                format!("copied to {}", escape(&p)),
                json!({ "ok": true, "path": p, "id": it.id }),
            )
        }
        Cmd::Share {
            path,
            subject,
            level,
            note,
        } => {
            let g = s.share(&path, &subject, &level, &note)?;
            Out::done(format!(
                "shared {} with {} as {}",
                escape(path.trim()),
                g.subject,
                g.level
            ))
        }
        Cmd::Unshare { path, subject } => {
            let g = s.unshare(&path, &subject)?;
            Out::done(format!(
                "revoked {}'s {} on {}",
                g.subject,
                g.level,
                escape(path.trim())
            ))
        }
        Cmd::Leave { path } => {
            s.leave(&path)?;
            Out::done(format!("left the collaboration on {}", escape(path.trim())))
        }
        Cmd::Ls { path } => {
            let l = s.ls(path.as_deref())?;
            let text = l
                .entries
                .iter()
                .map(|e| {
                    entry_line(&e.kind, &e.name, e.level.as_deref(), e.path_only)
                        + &restriction_note(&e.restricted)
                })
                .collect::<Vec<_>>()
                .join("\n");
            Out::ok(text, serde_json::to_value(&l).unwrap_or_default())
        }
        Cmd::Tree { path } => {
            let nodes = s.tree(path.as_deref())?;
            let mut text = String::new();
            for n in &nodes {
                let e = &n.entry;
                text.push_str(&escape(&e.path));
                if e.path_only {
                    text.push_str("  (path only)");
                } else if let Some(l) = &e.level {
                    text.push_str(&format!("  [{l}]"));
                }
                text.push('\n');
                draw_tree(&n.children, "", &mut text);
            }
            Out::ok(text, serde_json::to_value(&nodes).unwrap_or_default())
        }
        Cmd::Check {
            login,
            action,
            path,
        } => {
            let d = s.check(&login, &action, &path)?;
            let word = if d.allowed { "allow" } else { "deny" };
            Out {
                text: word.into(),
                json: json!({ "allowed": d.allowed, "decision": word, "level": d.level_word(), "reason": d.reason, "grants": d.grants }),
                code: if d.allowed { 0 } else { 1 },
            }
        }
        Cmd::Who { path, level, via } => {
            let (p, rows) = s.who(&path, level.as_deref(), via.as_deref())?;
            let mut text = format!("{} user(s) can view {}", rows.len(), escape(&p));
            for r in &rows {
                let via: Vec<String> = r
                    .via
                    .iter()
                    .map(|v| match &v.on {
                        Some(on) => format!("{} on {}", escape(&v.detail), escape(on)),
                        None => escape(&v.detail),
                    })
                    .collect();
                text.push_str(&format!(
                    "\n{:<16} {:<10} {}",
                    r.login,
                    r.level,
                    via.join("; ")
                ));
            }
            Out::ok(text, json!({ "path": p, "users": rows }))
        }
        Cmd::Access { login, workspace } => {
            let nodes = s.access(&login, workspace.as_deref())?;
            let mut text = String::new();
            for n in &nodes {
                text.push_str(&escape(&n.entry.path));
                text.push('\n');
                draw_tree(&n.children, "", &mut text);
            }
            if text.is_empty() {
                text = format!("{login} sees nothing you can see");
            }
            Out::ok(text, serde_json::to_value(&nodes).unwrap_or_default())
        }
        Cmd::Explain { login, path } => {
            let (d, lines) = s.explain(&login, &path)?;
            Out::ok(
                lines.join("\n"),
                serde_json::to_value(&d).unwrap_or_default(),
            )
        }
        Cmd::Describe { path, text } => {
            s.describe(&path, &text)?;
            Out::done(format!("described {}", escape(path.trim())))
        }
        Cmd::Resource(r) => match r {
            ResourceCmd::Ls { ws } => {
                let w = s.resources(&ws)?;
                let text = w
                    .resources
                    .iter()
                    .map(|(k, e)| format!("{:<12} {}", k.as_str(), escape(e)))
                    .collect::<Vec<_>>()
                    .join("\n");
                Out::ok(text, json!(w.resources))
            }
            ResourceCmd::Set { ws, kind, endpoint } => {
                s.resource_set(&ws, &kind, &endpoint)?;
                Out::done(format!("{} of {} set", kind.trim(), escape(ws.trim())))
            }
            ResourceCmd::Restrict { app_path, kind } => {
                s.resource_restrict(&app_path, &kind, true)?;
                Out::done(format!(
                    "{} may no longer use {} (R30)",
                    escape(app_path.trim()),
                    kind.trim()
                ))
            }
            ResourceCmd::Allow { app_path, kind } => {
                s.resource_restrict(&app_path, &kind, false)?;
                Out::done(format!(
                    "{} may use {} again (R30)",
                    escape(app_path.trim()),
                    kind.trim()
                ))
            }
        },
        Cmd::Integ(i) => match i {
            IntegCmd::Edit {
                ws,
                name,
                endpoint,
                settings,
            } => {
                let i = s.integ_edit(&ws, &name, endpoint.as_deref(), settings.as_deref())?;
                Out::done(format!(
                    "integration {} now points at {}",
                    escape(&i.name),
                    escape(&i.endpoint)
                ))
            }
            IntegCmd::Add {
                ws,
                name,
                kind,
                endpoint,
                settings,
            } => {
                let i = s.integ_add(&ws, &name, &kind, &endpoint, &settings)?;
                Out::done(format!(
                    "added integration {} ({})",
                    escape(&i.name),
                    i.kind
                ))
            }
            IntegCmd::Rm { ws, name } => {
                s.integ_rm(&ws, &name)?;
                Out::done(format!("removed integration {}", escape(name.trim())))
            }
            IntegCmd::Ls { ws } => {
                let (w, v) = s.integrations(&ws)?;
                let mut text = Vec::new();
                let mut rows = Vec::new();
                for i in &v {
                    let users = s.store().integration_users(w.id, &i.name)?.len();
                    text.push(format!(
                        "{:<24} {:<8} {}  (used by {users} app(s))",
                        escape(&i.name),
                        i.kind.as_str(),
                        escape(&i.endpoint)
                    ));
                    rows.push(json!({ "name": i.name, "kind": i.kind, "endpoint": i.endpoint, "settings": i.settings, "apps": users }));
                }
                Out::ok(text.join("\n"), json!(rows))
            }
            IntegCmd::Attach { app_path, name } => {
                s.integ_attach(&app_path, &name, true)?;
                Out::done(format!(
                    "{} uses {}",
                    escape(app_path.trim()),
                    escape(name.trim())
                ))
            }
            IntegCmd::Detach { app_path, name } => {
                s.integ_attach(&app_path, &name, false)?;
                Out::done(format!(
                    "{} no longer uses {}",
                    escape(app_path.trim()),
                    escape(name.trim())
                ))
            }
        },
        Cmd::Log { workspace } => {
            let v = s.log(workspace.as_deref())?;
            let text = v
                .iter()
                .map(|e| {
                    format!(
                        "{:>6}  {}  {:<10} {:<14} {}  {}",
                        e.seq,
                        fmt_time(e.at),
                        e.actor,
                        e.action,
                        escape(&e.target),
                        e.outcome
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Out::ok(text, serde_json::to_value(&v).unwrap_or_default())
        }
    })
}
