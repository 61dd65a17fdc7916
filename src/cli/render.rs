//! Renders a reply as text and JSON, with its exit code.
//! Everything shown passes through `escape`: stored text never reaches the
//! terminal raw.

use serde_json::json;

use super::Out;
use crate::app::gen::GenSummary;
use crate::app::request::{DoctorReply, IntegRow, Members, Placed, UserRow};
use crate::app::review::{WhatIf, WhoReport};
use crate::app::{Reply, TreeNode};
use crate::domain::rules::Decision;
use crate::domain::text::escape;
use crate::domain::*;
use crate::env::Env;

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

/// The branches of a drawn tree: box drawing, or plain ASCII (`--ascii`).
struct Branches {
    mid: &'static str,
    last: &'static str,
    down: &'static str,
}

const BOX: Branches = Branches {
    mid: "├── ",
    last: "└── ",
    down: "│   ",
};
const ASCII: Branches = Branches {
    mid: "|-- ",
    last: "`-- ",
    down: "|   ",
};

fn branches(ascii: bool) -> &'static Branches {
    if ascii {
        &ASCII
    } else {
        &BOX
    }
}

fn draw_tree(nodes: &[TreeNode], prefix: &str, b: &Branches, out: &mut String) {
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
            if last { b.last } else { b.mid }
        ));
        let child_prefix = format!("{prefix}{}", if last { "    " } else { b.down });
        draw_tree(&n.children, &child_prefix, b, out);
    }
}

/// The text and JSON of a reply, and its exit code.
pub fn reply(env: &Env, r: Reply) -> Out {
    match r {
        Reply::Done { message } => Out::done(escape(&message)),
        Reply::Unchanged { message } => {
            let mut out = Out::done(format!("unchanged: {}", escape(&message)));
            out.json["unchanged"] = json!(true);
            out
        }
        Reply::Placed { how, id, path } => placed(how, id, path),
        Reply::Roles { login, ws, roles } => roles_now(login, ws, roles),
        Reply::Initialized { owner } => initialized(env, owner),
        Reply::Imported { items } => Out::ok(
            format!("imported {items} items"),
            json!({ "ok": true, "items": items }),
        ),
        Reply::DemoCreated { owner, operations } => demo_created(env, owner, operations),
        Reply::Generated {
            seconds,
            summary,
            owner,
        } => generated(seconds, summary, owner),
        Reply::Exported { json } => Out {
            json: serde_json::from_str(&json).unwrap_or_default(),
            text: json,
            code: 0,
            rows: None,
        },
        Reply::Doctor(d) => doctor(d),
        Reply::Backup(b) => backed_up(b),
        Reply::Users(v) => users(v),
        Reply::Groups(v) => groups(v),
        Reply::Orgs(v) => orgs(v),
        Reply::Tenants(t) => Out::ok(
            t.iter().map(|t| escape(t)).collect::<Vec<_>>().join("\n"),
            json!(t),
        ),
        Reply::Workspaces(v) => workspaces(v),
        Reply::WsMembers(v) => ws_members(v),
        Reply::Resources(v) => resources(v),
        Reply::Integrations(v) => integrations(v),
        Reply::Listing(l) => listing(l),
        Reply::Tree(nodes) => tree(nodes, branches(env.ascii)),
        Reply::Detail(d) => detail(&d),
        Reply::Decision(d) => decision(d),
        Reply::Explained { decision, lines } => Out::ok(
            lines.join("\n"),
            serde_json::to_value(&decision).unwrap_or_default(),
        ),
        Reply::Who(report) => who(report),
        Reply::Access { login, nodes } => access(login, nodes, branches(env.ascii)),
        Reply::Log(v) => log(v),
        Reply::Grants(rows) => grants(rows),
        Reply::Applied(entries) => applied(entries),
        Reply::Entitlements(page) => entitlements(&page.rows),
        Reply::AccessChanged {
            reply,
            report,
            dry_run,
        } => access_changed(env, *reply, report, dry_run),
        Reply::Activity { entries, whole } => activity(entries, whole),
    }
}

fn initialized(env: &Env, owner: String) -> Out {
    Out::ok(
        format!(
            "initialized {}: owner {owner}, workspace Default Workspace",
            env.store_label
        ),
        json!({ "ok": true, "owner": owner, "store": env.store_label }),
    )
}

fn demo_created(env: &Env, owner: String, operations: usize) -> Out {
    Out::ok(
        format!(
            "demo account created in {} ({operations} operations); you ({owner}) own it.\nTry: treeward --db {} tree",
            env.store_label,
            super::shell_quote(&env.store_label)
        ),
        json!({ "ok": true, "owner": owner, "operations": operations }),
    )
}

fn backed_up(b: crate::app::backup::Backup) -> Out {
    Out::ok(
        format!(
            "backed up {} items to {} ({} and the store {})",
            b.items,
            b.dir.display(),
            b.export.display(),
            b.store.display()
        ),
        json!({ "ok": true, "backup": b }),
    )
}

fn detail(d: &crate::app::ItemDetail) -> Out {
    Out::ok(
        format!(
            "{} {}  [{}]",
            d.item.kind,
            escape(&d.path),
            d.decision.level_word()
        ),
        serde_json::to_value(d).unwrap_or_default(),
    )
}

fn entitlements(rows: &[crate::app::entitlements::EntitlementRow]) -> Out {
    Out::ok(
        rows.iter()
            .map(entitlement_line)
            .collect::<Vec<_>>()
            .join("\n"),
        serde_json::to_value(rows).unwrap_or_default(),
    )
}

/// An item's Activity: the entries the reader reads, and when that is not
/// all of them, whose they are (R35).
fn activity(entries: Vec<crate::domain::AuditEntry>, whole: bool) -> Out {
    let mut lines: Vec<String> = entries.iter().map(log_line).collect();
    if !whole {
        lines.push(format!(
            "(your own changes only: {})",
            crate::domain::rules::AUDIT_READERS
        ));
    }
    Out::ok(
        lines.join("\n"),
        json!({ "entries": entries, "whole": whole }),
    )
}

fn placed(how: Placed, id: ItemId, path: String) -> Out {
    let shown = escape(&path);
    match how {
        Placed::Created(kind) => Out::ok(
            format!("created {kind} {shown}"),
            json!({ "ok": true, "id": id, "path": path }),
        ),
        Placed::Moved => Out::ok(
            format!("moved to {shown}"),
            json!({ "ok": true, "path": path }),
        ),
        Placed::Renamed => Out::ok(
            format!("renamed to {shown}"),
            json!({ "ok": true, "path": path }),
        ),
        Placed::Unchanged => Out::ok(
            format!("unchanged: {shown} is already so"),
            json!({ "ok": true, "path": path, "unchanged": true }),
        ),
        Placed::Copied => Out::ok(
            format!("copied to {shown}"),
            json!({ "ok": true, "path": path, "id": id }),
        ),
    }
}

fn roles_now(login: String, ws: String, roles: Roles) -> Out {
    let shown = if roles.is_empty() {
        "no roles (not a member)".to_string()
    } else {
        roles.to_string()
    };
    Out::ok(
        format!("{login} in {}: {shown}", escape(&ws)),
        json!({ "ok": true, "roles": roles.list() }),
    )
}

fn generated(seconds: f64, sum: GenSummary, owner: String) -> Out {
    Out::ok(
    format!(
        "generated in {seconds:.1} s: {} items ({} folders, {} apps, depth {}), {} assets, {} users ({} tenant users), {} groups, {} org units, {} workspaces, {} grants; owner {owner}",
        sum.items, sum.folders, sum.apps, sum.max_depth, sum.assets, sum.users, sum.tenant_users, sum.groups, sum.org_units, sum.workspaces, sum.grants
    ),
    json!({ "ok": true, "seconds": seconds, "summary": sum }),
)
}

fn users(users: Vec<UserRow>) -> Out {
    let text = users
        .iter()
        .map(|u| {
            let mut l = format!("{:<20} {}", u.login, escape(&u.name));
            if let Some(t) = &u.tenant {
                l.push_str(&format!("  (tenant {})", escape(t)));
            }
            if u.owner {
                l.push_str("  (account owner)");
            }
            l
        })
        .collect::<Vec<_>>()
        .join("\n");
    let j: Vec<_> = users
        .iter()
        .map(|u| json!({ "login": u.login, "name": u.name, "tenant": u.tenant, "owner": u.owner }))
        .collect();
    Out::ok(text, json!(j))
}

fn groups(groups: Vec<Members>) -> Out {
    let text: Vec<String> = groups
        .iter()
        .map(|g| format!("{:<20} {}", escape(&g.name), g.members.join(" ")))
        .collect();
    let rows: Vec<_> = groups
        .iter()
        .map(|g| json!({ "name": g.name, "members": g.members }))
        .collect();
    Out::ok(text.join("\n"), json!(rows))
}

fn orgs(orgs: Vec<Members>) -> Out {
    let text: Vec<String> = orgs
        .iter()
        .map(|o| {
            let parent = o
                .parent
                .as_ref()
                .map(|p| format!(" (under {})", escape(p)))
                .unwrap_or_default();
            format!("{}{parent}: {}", escape(&o.name), o.members.join(" "))
        })
        .collect();
    let rows: Vec<_> = orgs
        .iter()
        .map(|o| json!({ "name": o.name, "parent": o.parent, "members": o.members }))
        .collect();
    Out::ok(text.join("\n"), json!(rows))
}

fn workspaces(v: Vec<(String, Roles)>) -> Out {
    let mut text = Vec::new();
    let mut rows = Vec::new();
    for (name, roles) in &v {
        let r = if roles.is_empty() {
            "-".to_string()
        } else {
            roles.to_string()
        };
        text.push(format!("{:<30} {r}", escape(name)));
        rows.push(json!({ "name": name, "roles": roles.list(), "admin": roles.is_admin() }));
    }
    Out::ok(text.join("\n"), json!(rows))
}

fn ws_members(members: Vec<(String, Roles)>) -> Out {
    let text = members
        .iter()
        .map(|(l, r)| format!("{l:<20} {r}{}", if r.is_admin() { "  (admin)" } else { "" }))
        .collect::<Vec<_>>()
        .join("\n");
    let rows: Vec<_> = members
        .iter()
        .map(|(l, r)| json!({ "login": l, "roles": r.list(), "admin": r.is_admin() }))
        .collect();
    Out::ok(text, json!(rows))
}

fn resources(res: std::collections::BTreeMap<ResourceKind, String>) -> Out {
    let text = res
        .iter()
        .map(|(k, e)| format!("{:<12} {}", k.as_str(), escape(e)))
        .collect::<Vec<_>>()
        .join("\n");
    Out::ok(text, json!(res))
}

fn integrations(v: Vec<IntegRow>) -> Out {
    let mut text = Vec::new();
    let mut rows = Vec::new();
    for IntegRow {
        integration: i,
        apps,
    } in &v
    {
        text.push(format!(
            "{:<24} {:<8} {}  (used by {apps} app(s))",
            escape(&i.name),
            i.kind.as_str(),
            escape(&i.endpoint)
        ));
        rows.push(json!({ "name": i.name, "kind": i.kind, "endpoint": i.endpoint, "settings": i.settings, "apps": apps }));
    }
    Out::ok(text.join("\n"), json!(rows))
}

fn listing(l: crate::app::Listing) -> Out {
    let text = l
        .entries
        .iter()
        .map(|e| {
            entry_line(&e.kind, &e.name, e.level.as_deref(), e.path_only)
                + &restriction_note(&e.restricted)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let json = serde_json::to_value(&l).unwrap_or_default();
    Out {
        rows: super::table::rows_of(&json, Some("entries")),
        ..Out::ok(text, json)
    }
}

fn tree(nodes: Vec<TreeNode>, b: &Branches) -> Out {
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
        draw_tree(&n.children, "", b, &mut text);
    }
    Out::ok(text, serde_json::to_value(&nodes).unwrap_or_default())
}

/// A reply whose exit code is the answer (check: 0 allow, 1 deny): under
/// `--quiet` nothing else is said.
pub fn code_answers(r: &Reply) -> bool {
    matches!(r, Reply::Decision(_))
}

fn decision(d: Decision) -> Out {
    let word = if d.allowed { "allow" } else { "deny" };
    let mut text = word.to_string();
    if let Some(None) = &d.destination {
        text.push_str(
            "\nnote: the destination was not considered; give --to DEST to decide for it",
        );
    }
    Out {
        text,
        json: json!({ "allowed": d.allowed, "decision": word, "level": d.level_word(), "reason": d.reason, "grants": d.grants,
            "destination": d.destination.clone().flatten(),
            "destination_considered": d.destination.as_ref().map(Option::is_some) }),
        code: if d.allowed { 0 } else { 1 },
        rows: None,
    }
}

/// `who`: a header that counts exactly the rows below it (with the filters
/// applied, and those who see a root only as a path counted apart), then a
/// row per user with their level and every reason for it.
fn who(w: WhoReport) -> Out {
    let (p, rows) = (&w.path, &w.users);
    let paths = rows.iter().filter(|r| r.level == "path only").count();
    let mut text = format!("{} user(s) can view {}", rows.len(), escape(p));
    if !w.filter.is_empty() {
        text.push_str(&format!(" with {}", w.filter.join(" and ")));
    }
    if paths > 0 {
        text.push_str(&format!(
            " ({paths} of them only as the path to an item inside, R11)"
        ));
    }

    // The login column as wide as the longest login (up to R2's 32).
    let width = rows
        .iter()
        .map(|r| r.login.chars().count())
        .max()
        .unwrap_or(0)
        .max(16);
    for r in rows {
        let via: Vec<String> = r
            .via
            .iter()
            .map(|v| match &v.on {
                Some(on) => format!("{} on {}", escape(&v.detail), escape(on)),
                None => escape(&v.detail),
            })
            .collect();
        text.push_str(&format!(
            "\n{:<width$} {:<10} {}",
            r.login,
            r.level,
            via.join("; ")
        ));
    }
    if w.path_only_hidden {
        text.push_str(
            "\n(users who see it only as the path to an item below cannot view it and are not listed, R11)",
        );
    }
    let json = serde_json::to_value(&w).unwrap_or_default();
    Out {
        rows: super::table::rows_of(&json, Some("users")),
        ..Out::ok(text, json)
    }
}

fn access(login: String, nodes: Vec<TreeNode>, b: &Branches) -> Out {
    let mut text = String::new();
    for n in &nodes {
        text.push_str(&escape(&n.entry.path));
        text.push('\n');
        draw_tree(&n.children, "", b, &mut text);
    }
    if text.is_empty() {
        text = format!("{login} sees nothing you can see");
    }
    Out::ok(text, serde_json::to_value(&nodes).unwrap_or_default())
}

/// `grants ls`: one row per grant, the item's path last (it is the longest).
fn grants(rows: Vec<crate::app::grants::GrantRow>) -> Out {
    let width = rows
        .iter()
        .map(|r| r.subject.chars().count())
        .max()
        .unwrap_or(0)
        .max(12);
    let text = rows
        .iter()
        .map(|r| {
            let note = if r.note.is_empty() {
                String::new()
            } else {
                format!("  \"{}\"", escape(&r.note))
            };
            format!(
                "{:<width$} {:<8} {:<10} {}  {}{note}",
                escape(&r.subject),
                r.level,
                r.granted_by,
                fmt_time(r.at),
                escape(&r.path),
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    Out::ok(text, serde_json::to_value(&rows).unwrap_or_default())
}

/// `log`: a line per entry; with `--access`, who gained and who lost what
/// below each change that altered access. JSON: the entries with their
/// structured fields (`detail`) and access records.
fn log(v: Vec<crate::app::audit::LogEntry>) -> Out {
    let mut text = Vec::new();
    for e in &v {
        text.push(log_line(&e.entry));
        if let Some(a) = &e.access {
            let through = if a.through > e.entry.seq {
                format!(" (entries {}-{})", e.entry.seq, a.through)
            } else {
                String::new()
            };
            for line in &a.summary {
                text.push(format!("        access{through}: {}", escape(line)));
            }
        }
    }
    let rows: Vec<serde_json::Value> = v
        .iter()
        .map(|e| {
            let mut j = serde_json::to_value(&e.entry).unwrap_or_default();
            if let (Some(o), Some(d)) = (j.as_object_mut(), &e.detail) {
                for (k, val) in [
                    ("subject", &d.subject),
                    ("level", &d.level),
                    ("previous_level", &d.previous_level),
                    ("note", &d.note),
                ] {
                    o.insert(k.into(), json!(val));
                }
            }
            if let (Some(o), Some(a)) = (j.as_object_mut(), &e.access) {
                o.insert("access".into(), json!(a));
            }
            j
        })
        .collect();
    Out::ok(text.join("\n"), json!(rows))
}

/// A row of an entitlement report as text: login, level, path, where from.
pub(crate) fn entitlement_line(r: &crate::app::entitlements::EntitlementRow) -> String {
    format!(
        "{:<16} {:<10} {}  ({})",
        r.login,
        r.level,
        escape(&r.path),
        escape(&r.via)
    )
}

/// `apply`: one line per entry (what it did, or what already held), then a count.
fn applied(entries: Vec<crate::app::apply::Applied>) -> Out {
    let changed = entries.iter().filter(|e| e.changed).count();
    let mut text = String::new();
    for e in &entries {
        let mark = if e.changed { "changed  " } else { "unchanged" };
        text.push_str(&format!(
            "line {:<4} {mark} {}: {}\n",
            e.line,
            escape(&e.change),
            escape(&e.message)
        ));
    }
    text.push_str(&format!(
        "{changed} of {} entries changed the store, {} already held",
        entries.len(),
        entries.len() - changed
    ));
    Out::ok(
        text,
        json!({ "ok": true, "changed": changed, "unchanged": changed == 0, "entries": entries }),
    )
}

fn access_changed(env: &Env, inner: Reply, report: WhatIf, dry_run: bool) -> Out {
    // Who gains and who loses what: before the change with --dry-run, after it without.
    let mut out = reply(env, inner);
    if dry_run {
        let sep = if out.text.contains('\n') { "\n" } else { " " };
        out.text = format!("dry run: nothing changed.{sep}{}", out.text);
        out.json["dry_run"] = json!(true);
    }
    out.text
        .push_str(&format!("\naccess: {}", report.summary.join("\naccess: ")));
    out.json["access"] = serde_json::to_value(&report).unwrap_or_default();
    out
}

/// One line of the audit log (R32), as `log` and `watch` print it.
pub(crate) fn log_line(e: &AuditEntry) -> String {
    format!(
        "{:>6}  {}  {:<10} {:<14} {}  {}",
        e.seq,
        fmt_time(e.at),
        e.actor,
        e.action,
        escape(&e.target),
        e.outcome
    )
}

/// `doctor` on a damaged store: what was read, what is lost, what next.
fn salvage_text(n: &crate::app::salvage::SalvageNote, records: usize) -> String {
    let tables: Vec<String> = n.read.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let mut t = format!(
        "damaged: {}\nread: {records} records ({})\n",
        escape(&n.why),
        tables.join(", ")
    );
    for l in &n.lost {
        t.push_str(&format!("lost: {}\n", escape(l)));
    }
    t.push_str(&match n.kept {
        Some(k) => format!(
            "salvaged: a fresh store of {k} records replaces the damaged data ({} left out){}\n",
            n.dropped,
            match &n.summary {
                Some(s) => format!(
                    "; lost for good: {} (a backup from before the damage holds them)",
                    escape(s)
                ),
                None => String::new(),
            }
        ),
        None => "next: `treeward doctor --repair` copies the damaged files aside, then builds a fresh store from the records read\n".into(),
    });
    t
}

/// `doctor`: one line per problem; exit 0 when clean, 5 when problems remain,
/// 6 when the store is damaged and was not repaired.
fn doctor(r: DoctorReply) -> Out {
    if let Some(why) = &r.incomplete {
        // Not an account: what an unfinished load left (exit 6, as every
        // other command answers for such a store).
        return Out {
            text: format!(
                "incomplete: {}
records: {} (none of them is checked or repaired)
",
                escape(why),
                r.records
            ),
            json: json!({ "ok": false, "records": r.records, "incomplete": why }),
            code: 6,
            rows: None,
        };
    }
    let mut text = String::new();
    let unrepaired = r.salvage.as_ref().is_some_and(|n| n.kept.is_none());
    if let Some(n) = &r.salvage {
        text.push_str(&salvage_text(n, r.records));
    }
    for p in &r.problems {
        text.push_str(&format!("problem: {}\n", escape(p)));
    }
    if let Some(b) = &r.backup {
        text.push_str(&format!(
            "backup written to {}\nrepaired {} entries; {} problems remain\n",
            b.display(),
            r.repaired,
            r.remaining.len()
        ));
        for p in &r.remaining {
            text.push_str(&format!("remains: {}\n", escape(p)));
        }
    } else if r.repair && !r.problems.is_empty() {
        text.push_str("nothing here is safe to repair automatically; restore a backup\n");
    }
    if r.problems.is_empty() && !unrepaired {
        text.push_str(&format!(
            "store is consistent ({} records checked)\n",
            r.records
        ));
    }
    Out {
        json: json!({
            "ok": r.clean,
            "records": r.records,
            "problems": r.problems,
            "repaired": r.repaired,
            "remaining": r.remaining,
            "backup": r.backup,
            "salvage": r.salvage,
        }),
        text,
        code: match (unrepaired, r.clean) {
            (true, _) => 6,
            (false, true) => 0,
            (false, false) => 5,
        },
        rows: None,
    }
}
