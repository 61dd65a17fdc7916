//! Property test of the core issue: random sequences of operations by random
//! actors. After every step the tree invariants hold (R1 distinct sibling
//! names, no cycle, every item reachable from a space root), nobody sees
//! another user's My Creations item unless it is shared with them (R14), and
//! a failed operation changes nothing (the export is byte-for-byte the same).

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use treeward::app::transfer::Export;
use treeward::app::App;
use treeward::domain::*;

use crate::common::world::{people_app, proptest_config};

const USERS: &[&str] = &["own", "alice", "bob", "carol", "dave", "tina"];
const NAMES: &[&str] = &[
    "A", "B", "a", "Line 1", "数据", "C", "D", "E", "x/y", " ", "..",
];
const LEVELS: &[&str] = &["manager", "editor", "viewer", "tenant"];
const SUBJECTS: &[&str] = &[
    "user:alice",
    "user:bob",
    "user:carol",
    "group:qa",
    "org:sales",
    "org:emea",
    "tenant:acme",
    "user:tina",
];

fn setup() -> App {
    let app = people_app(&["alice", "bob", "carol", "dave"]);
    let s = app.session("own").unwrap();
    let dw = "Default Workspace";
    for u in ["bob", "carol", "dave"] {
        s.role_grant(dw, u, &[Role::Analyst]).unwrap();
    }
    s.ws_add("W2").unwrap();
    s.role_grant("W2", "bob", &[Role::Analyst]).unwrap();
    app
}

/// Every path an actor might name: each item, each space root, and one
/// missing child of each.
fn paths(e: &Export) -> Vec<String> {
    let mut out = Vec::new();
    for w in &e.workspaces {
        out.push(format!("/{}/team", w.name));
        for m in &w.members {
            out.push(format!("/{}/my/{}", w.name, m.login));
        }
        let by_id: HashMap<ItemId, &Item> = w.items.iter().map(|i| (i.item.id, &i.item)).collect();
        for ie in &w.items {
            let mut names = vec![ie.item.name.clone()];
            let mut cur = ie.item.parent;
            while let Some(p) = cur {
                names.push(by_id[&p].name.clone());
                cur = by_id[&p].parent;
            }
            names.reverse();
            let root = match &ie.item.space.kind {
                SpaceKind::Team => format!("/{}/team", w.name),
                SpaceKind::My(l) => format!("/{}/my/{l}", w.name),
            };
            out.push(format!("{root}/{}", names.join("/")));
        }
    }
    out.sort();
    out
}

fn pick(v: &[String], i: usize) -> &str {
    if v.is_empty() {
        "/Default Workspace/team"
    } else {
        &v[i % v.len()]
    }
}

#[derive(Debug, Clone)]
struct Step {
    op: u8,
    actor: usize,
    a: usize,
    b: usize,
    n: usize,
}

fn step_strategy() -> impl Strategy<Value = Step> {
    (
        0u8..15,
        0..USERS.len(),
        any::<usize>(),
        any::<usize>(),
        0..NAMES.len(),
    )
        .prop_map(|(op, actor, a, b, n)| Step { op, actor, a, b, n })
}

fn apply(app: &App, st: &Step, all: &[String]) -> Result<()> {
    let s = app.session(USERS[st.actor])?;
    // Mostly paths the actor sees (so operations get far), sometimes any path (R12).
    let seen: Vec<(String, bool)> = all
        .iter()
        .filter_map(|p| {
            s.resolve_str(p)
                .ok()
                .map(|r| (p.clone(), r.item().is_some()))
        })
        .collect();
    let any_seen: Vec<String> = seen.iter().map(|x| x.0.clone()).collect();
    let items: Vec<String> = seen.iter().filter(|x| x.1).map(|x| x.0.clone()).collect();
    let wants_item = matches!(st.op, 4..=13);
    let ps = if st.a.is_multiple_of(10) || any_seen.is_empty() {
        all
    } else if wants_item && !items.is_empty() {
        &items[..]
    } else {
        &any_seen[..]
    };
    let a = pick(ps, st.a / 10);
    let b = pick(
        if any_seen.is_empty() {
            all
        } else {
            &any_seen[..]
        },
        st.b,
    );
    let name = NAMES[st.n];
    match st.op {
        0 | 1 => s
            .create(&format!("{a}/{name}"), ItemKind::Folder)
            .map(|_| ()),
        2 | 3 => s.create(&format!("{a}/{name}"), ItemKind::App).map(|_| ()),
        4 => s.rename(a, name).map(|_| ()),
        5 | 6 => s.mv(a, b).map(|_| ()),
        7 => s
            .cp(
                a,
                if st.b.is_multiple_of(3) {
                    None
                } else {
                    Some(b)
                },
            )
            .map(|_| ()),
        8 => s.rm(a).map(|_| ()),
        9 | 10 => s
            .share(
                a,
                SUBJECTS[st.b % SUBJECTS.len()],
                LEVELS[st.n % LEVELS.len()],
                "",
            )
            .map(|_| ()),
        11 => s.unshare(a, SUBJECTS[st.b % SUBJECTS.len()]).map(|_| ()),
        12 => s.leave(a).map(|_| ()),
        13 => s
            .asset_add(a, ["dashboard", "chart", "dataset"][st.b % 3], name)
            .map(|_| ()),
        _ => {
            let s = app.session("own")?;
            let who = USERS[st.b % USERS.len()];
            if st.n.is_multiple_of(2) {
                s.role_grant("Default Workspace", who, &[Role::Analyst])
                    .map(|_| ())
            } else {
                let heir = USERS[st.a % USERS.len()];
                s.role_revoke("Default Workspace", who, &[Role::Analyst], Some(heir))
                    .map(|_| ())
            }
        }
    }
}

fn check_invariants(app: &App) {
    let e = app.export().unwrap();
    for w in &e.workspaces {
        let by_id: HashMap<ItemId, &Item> = w.items.iter().map(|i| (i.item.id, &i.item)).collect();
        let mut siblings = HashSet::new();
        for ie in &w.items {
            let it = &ie.item;
            // R1: distinct names among siblings.
            assert!(
                siblings.insert((it.space.clone(), it.parent, it.name.clone())),
                "R1: duplicate sibling {:?}",
                it.name
            );
            // No cycle; reachable from a root of the same space.
            let mut cur = it.parent;
            let mut steps = 0;
            while let Some(p) = cur {
                let parent = by_id.get(&p).expect("parent exists");
                assert_eq!(parent.kind, ItemKind::Folder);
                assert_eq!(parent.space, it.space, "an item sits in its parent's space");
                cur = parent.parent;
                steps += 1;
                assert!(steps < 1000, "cycle");
            }
            if let SpaceKind::My(o) = &it.space.kind {
                assert_eq!(&it.owner, o, "My Creations items belong to the space owner");
            }
        }
    }
    // R14: what each user sees of another's My Creations is shared with them.
    for u in USERS {
        let s = app.session(u).unwrap();
        let mut reaching: HashSet<Subject> = HashSet::new();
        reaching.insert(Subject::User(u.to_string()));
        for g in app.store().user_groups(u).unwrap() {
            reaching.insert(Subject::Group(g));
        }
        for o in app.store().user_orgs(u).unwrap() {
            let mut cur = Some(o);
            while let Some(x) = cur {
                cur = app.store().org(&x).unwrap().and_then(|o| o.parent);
                reaching.insert(Subject::Org(x));
            }
        }
        for w in &e.workspaces {
            let by_id: HashMap<ItemId, &treeward::app::transfer::ItemExport> =
                w.items.iter().map(|i| (i.item.id, i)).collect();
            for ie in &w.items {
                let SpaceKind::My(o) = &ie.item.space.kind else {
                    continue;
                };
                if o == u {
                    continue;
                }
                let Ok(r) = s.resolve_id(ie.item.id) else {
                    continue;
                };
                // Seen: the item, an ancestor or a descendant must hold a grant reaching u.
                let mut on_chain = false;
                let mut cur = Some(ie.item.id);
                while let Some(id) = cur {
                    let x = by_id[&id];
                    on_chain |= x.grants.iter().any(|g| reaching.contains(&g.subject));
                    cur = x.item.parent;
                }
                let below = w.items.iter().any(|d| {
                    let mut cur = d.item.parent;
                    while let Some(p) = cur {
                        if p == ie.item.id {
                            return d.grants.iter().any(|g| reaching.contains(&g.subject));
                        }
                        cur = by_id[&p].item.parent;
                    }
                    false
                });
                assert!(
                    on_chain || below,
                    "R14: {u} sees {} in {o}'s My Creations without a collaboration",
                    r.path
                );
                assert!(
                    app.store().user(u).unwrap().unwrap().tenant.is_none(),
                    "R26: a tenant user sees into My Creations"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(proptest_config(48))]

    #[test]
    fn r1_r14_r28_random_operations_keep_invariants(steps in prop::collection::vec(step_strategy(), 1..80)) {
        let app = setup();
        let mut ok = 0;
        for st in &steps {
            let before = app.export_json().unwrap();
            let audit_before = app.store().audit_all().unwrap().len();
            let ps = paths(&app.export().unwrap());
            match apply(&app, st, &ps) {
                Ok(()) => ok += 1,
                Err(err) => {
                    if std::env::var("PROPS_DEBUG").is_ok() { eprintln!("E op{} {}: {}", st.op, USERS[st.actor], err); }
                    // A failed operation leaves the store byte-for-byte unchanged.
                    let after = app.export_json().unwrap();
                    prop_assert_eq!(&before, &after, "failed op {:?} ({}) changed the store", st, err);
                    prop_assert!(err.outcome != Outcome::Unavailable, "store error: {}", err);
                }
            }
            // R32: at most one entry per step, none for a failure (checked above).
            let audit_after = app.store().audit_all().unwrap().len();
            prop_assert!(audit_after <= audit_before + 1);
            check_invariants(&app);
        }
        if std::env::var("PROPS_DEBUG").is_ok() {
            eprintln!("ok {ok} of {}", steps.len());
        }
    }
}
