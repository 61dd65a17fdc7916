//! A second, independent oracle (issue 7): AWS Cedar. Random Team Space
//! stores are encoded as Cedar entities and policies, written from SPEC
//! alone, and Cedar's answer for `view`, `edit` and `share` — and the other
//! columns of SPEC §4's table: `copy`, `create`, `rename`, `delete`, `move` —
//! is compared with treeward's `check` for every (user, item) pair of every store.
//!
//! The encoding:
//! - entities: `Folder::"nI"` / `App::"nI"` whose parent is their folder, or
//!   the workspace `Workspace::"DW"` at the Team Space root (R10 inheritance
//!   is Cedar's `in`); `User::"login"` whose parents are their groups, their
//!   org units and, for tenant users, their tenant; `Org::"u"` whose parent
//!   is its parent unit (R10: a grant to a unit covers its sub-units);
//!   Team Space admins (R7) are also in `Admins::"DW"`.
//! - each grant is a link of the template of its level (SPEC §4 table, R27):
//!   `permit(principal in ?principal, action in [...], resource in ?resource)`;
//!   the tenant level permits `view` of apps only (R26).
//! - admins: one static policy on the workspace (R21: every action); two
//!   `forbid`s: nothing is created in an app, only apps are copied (R20).
//!
//! Readings of SPEC this encoding shares with treeward (rules.rs header):
//! `edit` on a folder follows the same levels as on an app; tenant users are
//! reached only through their tenant (a grant naming one directly is refused,
//! so none is generated). R11's path-only folders need no encoding: a folder
//! seen only as a path holds no permit, and `check` denies there too.
//!
//! CI: 200 stores, some 175,000 decisions, a few seconds. Longer:
//!   CEDAR_STORES=2000 cargo test --release --test integration -- cedar_oracle:: --nocapture

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityUid, PolicyId, PolicySet, Request,
    SlotId, Template,
};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};
use treeward::app::App;
use treeward::domain::ItemKind;

use crate::common::env_number;
use crate::common::world::{item_path, item_tree, roles_of};

const USERS: [&str; 9] = ["own", "u1", "u2", "u3", "u4", "u5", "u6", "tina", "tom"];
/// The tenant of each user (tina of acme, tom of beta).
fn tenant_of(u: usize) -> Option<&'static str> {
    match u {
        7 => Some("acme"),
        8 => Some("beta"),
        _ => None,
    }
}
const GROUPS: usize = 3;
const ORGS: usize = 5;
const LEVELS: [&str; 4] = ["viewer", "editor", "manager", "tenant"];

#[derive(Debug, Clone)]
struct Store {
    /// Roles in DW per user (mask: 1 sysadmin, 2 datamanager, 4 analyst).
    roles: Vec<u8>,
    groups: Vec<Vec<bool>>,
    /// Per user: the units they are in (any number).
    orgs: Vec<Vec<bool>>,
    /// Per unit: its parent among earlier units.
    org_parent: Vec<Option<usize>>,
    /// (folder?, parent among earlier folders).
    items: Vec<(bool, Option<usize>)>,
    /// (item, subject, level), applied in order: a later grant to the same
    /// subject on the same item replaces the level (R27).
    grants: Vec<(usize, String, usize)>,
}

fn store() -> impl Strategy<Value = Store> {
    (
        prop::collection::vec(prop_oneof![Just(0u8), Just(7), 0u8..8], 6),
        prop::collection::vec(prop::collection::vec(any::<bool>(), GROUPS), 7),
        prop::collection::vec(prop::collection::vec(prop::bool::weighted(0.25), ORGS), 7),
        prop::collection::vec(any::<Index>(), ORGS),
        prop::collection::vec((prop::bool::weighted(0.6), any::<Index>()), 1..24),
        prop::collection::vec((any::<Index>(), 0u8..4, any::<Index>(), 0usize..3), 0..24),
    )
        .prop_map(|(r, groups, orgs, op, raw_items, raw_grants)| {
            let mut roles = vec![7];
            roles.extend(r);
            roles.extend([0, 0]); // tenant users hold no roles (R9)
            let org_parent = op
                .iter()
                .enumerate()
                .map(|(k, ix)| (k > 0 && ix.index(3) != 0).then(|| ix.index(k)))
                .collect();
            let items = item_tree(raw_items, 5);
            let n = items.len();
            let grants = raw_grants
                .into_iter()
                .map(|(it, kind, s, l)| match kind {
                    // Users that are not tenant users (R26: those are reached through their tenant).
                    0 => (it.index(n), format!("user:{}", USERS[s.index(7)]), l),
                    1 => (it.index(n), format!("group:g{}", s.index(GROUPS)), l),
                    2 => (it.index(n), format!("org:o{}", s.index(ORGS)), l),
                    _ => (
                        it.index(n),
                        format!("tenant:{}", ["acme", "beta"][s.index(2)]),
                        3,
                    ),
                })
                .collect();
            Store {
                roles,
                groups,
                orgs,
                org_parent,
                items,
                grants,
            }
        })
}

impl Store {
    fn path(&self, i: usize) -> String {
        item_path(&self.items, i)
    }
}

fn build(s: &Store) -> App {
    let app = App::in_memory();
    app.init("own").unwrap();
    let o = app.session("own").unwrap();
    o.ws_rename("Default Workspace", "DW").unwrap();
    for g in 0..GROUPS {
        o.group_add(&format!("g{g}")).unwrap();
    }
    for (k, p) in s.org_parent.iter().enumerate() {
        o.org_add(&format!("o{k}"), p.map(|p| format!("o{p}")).as_deref())
            .unwrap();
    }
    for t in ["acme", "beta"] {
        o.tenant_add(t).unwrap();
    }
    for (u, login) in USERS.iter().enumerate().skip(1) {
        o.user_add(login, None, tenant_of(u)).unwrap();
    }
    for (u, login) in USERS.iter().enumerate().take(7) {
        for g in 0..GROUPS {
            if s.groups[u][g] {
                o.group_join(&format!("g{g}"), login).unwrap();
            }
        }
        for k in 0..ORGS {
            if s.orgs[u][k] {
                o.org_join(&format!("o{k}"), login).unwrap();
            }
        }
        let roles = roles_of(s.roles[u]);
        if u > 0 && !roles.is_empty() {
            o.role_grant("DW", login, &roles).unwrap();
        }
    }
    for (i, (folder, _)) in s.items.iter().enumerate() {
        let kind = if *folder {
            ItemKind::Folder
        } else {
            ItemKind::App
        };
        o.create(&s.path(i), kind).unwrap();
    }
    for (i, subject, l) in &s.grants {
        o.share(&s.path(*i), subject, LEVELS[*l], "").unwrap();
    }
    drop(o);
    app
}

// ---- the Cedar side, from SPEC ----

fn uid(ty: &str, id: &str) -> EntityUid {
    EntityUid::from_str(&format!("{ty}::{id:?}")).unwrap()
}

fn item_uid(s: &Store, i: usize) -> EntityUid {
    uid(
        if s.items[i].0 { "Folder" } else { "App" },
        &format!("n{i}"),
    )
}

fn subject_uid(subject: &str) -> EntityUid {
    let (kind, name) = subject.split_once(':').unwrap();
    let ty = match kind {
        "user" => "User",
        "group" => "Group",
        "org" => "Org",
        _ => "Tenant",
    };
    uid(ty, name)
}

/// The level templates of SPEC §4's table, one column per action.
const TEMPLATES: [(&str, &str); 4] = [
    (
        "viewer",
        r#"permit(principal in ?principal, action in [Action::"view", Action::"copy"], resource in ?resource);"#,
    ),
    (
        "editor",
        r#"permit(principal in ?principal, action in [Action::"view", Action::"copy", Action::"create", Action::"edit", Action::"rename", Action::"delete"], resource in ?resource);"#,
    ),
    (
        "manager",
        r#"permit(principal in ?principal, action in [Action::"view", Action::"copy", Action::"create", Action::"edit", Action::"rename", Action::"delete", Action::"move", Action::"share"], resource in ?resource);"#,
    ),
    // R26: tenant users view (and so may copy, R20) apps only; a folder is
    // only the path to them.
    (
        "tenant",
        r#"permit(principal in ?principal, action in [Action::"view", Action::"copy"], resource is App in ?resource);"#,
    ),
];

/// R7, R21: Team Space admins hold every action on every Team Space item;
/// whoever holds what, nothing is created inside an app and only apps are
/// copied (R20; READING, rules.rs header: assets are added by `edit`).
const STATIC: &str = r#"
permit(principal in Admins::"DW", action, resource in Workspace::"DW");
forbid(principal, action == Action::"create", resource is App);
forbid(principal, action == Action::"copy", resource is Folder);
"#;

const ACTIONS: [&str; 8] = [
    "view", "copy", "create", "edit", "rename", "delete", "move", "share",
];

fn cedar(s: &Store) -> (PolicySet, Entities) {
    let mut ps = PolicySet::from_str(STATIC).unwrap();
    for (id, src) in TEMPLATES {
        ps.add_template(Template::parse(Some(PolicyId::new(id)), src).unwrap())
            .unwrap();
    }
    // R27: the last grant per (item, subject) is the one that holds.
    let mut last: BTreeMap<(usize, &str), usize> = BTreeMap::new();
    for (i, subject, l) in &s.grants {
        last.insert((*i, subject.as_str()), *l);
    }
    for (n, ((i, subject), l)) in last.into_iter().enumerate() {
        ps.link(
            PolicyId::new(LEVELS[l]),
            PolicyId::new(format!("grant{n}")),
            HashMap::from([
                (SlotId::principal(), subject_uid(subject)),
                (SlotId::resource(), item_uid(s, i)),
            ]),
        )
        .unwrap();
    }
    let mut es = vec![
        Entity::new_no_attrs(uid("Workspace", "DW"), HashSet::new()),
        Entity::new_no_attrs(uid("Admins", "DW"), HashSet::new()),
    ];
    for g in 0..GROUPS {
        es.push(Entity::new_no_attrs(
            uid("Group", &format!("g{g}")),
            HashSet::new(),
        ));
    }
    for (k, p) in s.org_parent.iter().enumerate() {
        let parents = p.iter().map(|p| uid("Org", &format!("o{p}"))).collect();
        es.push(Entity::new_no_attrs(uid("Org", &format!("o{k}")), parents));
    }
    for t in ["acme", "beta"] {
        es.push(Entity::new_no_attrs(uid("Tenant", t), HashSet::new()));
    }
    for (u, login) in USERS.iter().enumerate() {
        let mut parents = HashSet::new();
        if let Some(t) = tenant_of(u) {
            parents.insert(uid("Tenant", t));
        } else {
            for g in 0..GROUPS {
                if s.groups[u][g] {
                    parents.insert(uid("Group", &format!("g{g}")));
                }
            }
            for k in 0..ORGS {
                if s.orgs[u][k] {
                    parents.insert(uid("Org", &format!("o{k}")));
                }
            }
        }
        if s.roles[u] == 7 {
            parents.insert(uid("Admins", "DW"));
        }
        es.push(Entity::new_no_attrs(uid("User", login), parents));
    }
    for (i, (_, parent)) in s.items.iter().enumerate() {
        let p = match parent {
            Some(p) => item_uid(s, *p),
            None => uid("Workspace", "DW"),
        };
        es.push(Entity::new_no_attrs(item_uid(s, i), HashSet::from([p])));
    }
    (ps, Entities::from_entities(es, None).unwrap())
}

#[test]
fn team_space_decisions_agree_with_cedar() {
    let stores: u32 = env_number("CEDAR_STORES", 200);
    let mut runner = TestRunner::new(Config {
        cases: stores,
        failure_persistence: None,
        ..Config::default()
    });
    let compared = std::cell::Cell::new(0usize);
    let allowed = std::cell::Cell::new(0usize);
    let authorizer = Authorizer::new();
    runner
        .run(&store(), |s| {
            let app = build(&s);
            let (ps, es) = cedar(&s);
            let own = app.session("own").unwrap();
            for login in USERS {
                for i in 0..s.items.len() {
                    for action in ACTIONS {
                        let req = Request::new(
                            uid("User", login),
                            uid("Action", action),
                            item_uid(&s, i),
                            Context::empty(),
                            None,
                        )
                        .unwrap();
                        let c =
                            authorizer.is_authorized(&req, &ps, &es).decision() == Decision::Allow;
                        // The account owner is an admin: `check` answers for any user here.
                        let d = own.check(login, action, &s.path(i)).unwrap();
                        compared.set(compared.get() + 1);
                        allowed.set(allowed.get() + usize::from(c));
                        prop_assert_eq!(
                            d.allowed,
                            c,
                            "{} {} {}: treeward {} ({}), Cedar {}",
                            login,
                            action,
                            s.path(i),
                            d.allowed,
                            d.reason,
                            c
                        );
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    println!(
        "cedar: {} stores, {} decisions compared ({} allowed), all agree",
        stores,
        compared.get(),
        allowed.get()
    );
    assert!(compared.get() > 1000 || stores < 10);
}
