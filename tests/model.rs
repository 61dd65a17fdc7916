//! Model-based test (issue 7), a first slice: a reference model of SPEC's
//! Team Space permission rules (R7, R10, R11, R21, R22, R23, R27 and the §4
//! table), written from SPEC in plain Rust, against treeward's `check` on
//! random stores (random users, groups, a three-level org tree, roles,
//! folders/apps and grants). Every (user, action, item) decision is compared.
//!
//! CI runs 48 random stores; the long variant:
//!   PROPTEST_CASES=100000 cargo test --release --test model -- --nocapture

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use treeward::app::App;
use treeward::domain::{ItemKind, Role};

static COMPARED: AtomicUsize = AtomicUsize::new(0);

const USERS: usize = 5;
const LEVELS: [&str; 3] = ["viewer", "editor", "manager"];

#[derive(Debug, Clone)]
struct World {
    /// Per user: roles bitmask (1 sysadmin, 2 datamanager, 4 analyst).
    roles: Vec<u8>,
    /// Per user: member of g0, g1.
    groups: Vec<[bool; 2]>,
    /// Per user: org unit (None, or 0..3: o0 ⊃ o1 ⊃ o2).
    org: Vec<Option<usize>>,
    /// Items: (is_folder, parent index among earlier folders or None).
    items: Vec<(bool, Option<usize>)>,
    /// Grants: (item, subject kind 0 user/1 group/2 org, subject index, level).
    grants: Vec<(usize, u8, usize, usize)>,
}

fn world() -> impl Strategy<Value = World> {
    (
        prop::collection::vec(0u8..8, USERS),
        prop::collection::vec(prop::array::uniform2(any::<bool>()), USERS),
        prop::collection::vec(prop::option::of(0usize..3), USERS),
        prop::collection::vec((any::<bool>(), any::<prop::sample::Index>()), 1..14),
        prop::collection::vec(
            (any::<prop::sample::Index>(), 0u8..3, 0usize..5, 0usize..3),
            0..12,
        ),
    )
        .prop_map(|(roles, groups, org, raw_items, raw_grants)| {
            let mut items: Vec<(bool, Option<usize>)> = Vec::new();
            for (i, (folder, pick)) in raw_items.into_iter().enumerate() {
                let folders: Vec<usize> = (0..i).filter(|j| items[*j].0).collect();
                // Some items at the root, the rest under a random earlier folder.
                let parent = if folders.is_empty() || pick.index(4) == 0 {
                    None
                } else {
                    Some(folders[pick.index(folders.len())])
                };
                items.push((folder || i == 0, parent));
            }
            let n = items.len();
            let grants = raw_grants
                .into_iter()
                .map(|(it, kind, s, l)| {
                    let s = match kind {
                        0 => s % USERS,
                        1 => s % 2,
                        _ => s % 3,
                    };
                    (it.index(n), kind, s, l)
                })
                .collect();
            World {
                roles,
                groups,
                org,
                items,
                grants,
            }
        })
}

impl World {
    fn path(&self, i: usize) -> String {
        let mut names = vec![format!("n{i}")];
        let mut cur = self.items[i].1;
        while let Some(p) = cur {
            names.push(format!("n{p}"));
            cur = self.items[p].1;
        }
        names.reverse();
        format!("/DW/team/{}", names.join("/"))
    }
    fn chain(&self, i: usize) -> Vec<usize> {
        let mut v = vec![i];
        let mut cur = self.items[i].1;
        while let Some(p) = cur {
            v.push(p);
            cur = self.items[p].1;
        }
        v
    }
    /// R10: the highest level of any grant on the item or an ancestor to
    /// the user, a group of theirs, or their unit or an ancestor unit.
    fn level(&self, u: usize, i: usize) -> Option<usize> {
        let chain: BTreeSet<usize> = self.chain(i).into_iter().collect();
        // R16/R27: sharing again with the same subject on the same item
        // replaces the level: the last grant per (item, subject) counts.
        let mut last = std::collections::BTreeMap::new();
        for (it, kind, s, l) in &self.grants {
            last.insert((*it, *kind, *s), *l);
        }
        last.iter()
            .map(|((it, kind, s), l)| (*it, *kind, *s, *l))
            .filter(|(it, _, _, _)| chain.contains(it))
            .filter(|(_, kind, s, _)| match kind {
                0 => *s == u,
                1 => self.groups[u][*s],
                // Units nest o0 ⊃ o1 ⊃ o2: a grant to unit s covers s and below.
                _ => self.org[u].is_some_and(|o| o >= *s),
            })
            .map(|(_, _, _, l)| l)
            .max()
    }
    /// SPEC §4 table with R7/R21 (admins hold every action in Team Space).
    fn allowed(&self, u: usize, action: &str, i: usize) -> bool {
        if action == "create" && !self.items[i].0 {
            return false; // items are created in folders or at a root (§4)
        }
        if self.roles[u] == 7 {
            return true;
        }
        let Some(l) = self.level(u, i) else {
            return false;
        };
        match action {
            "view" => true,
            "rename" | "delete" => l >= 1,
            // SPEC: edit "an app and its assets"; a folder's description is edited at the same level.
            "edit" => l >= 1,
            "create" => l >= 1 && self.items[i].0,
            "share" | "move" => l >= 2,
            _ => unreachable!(),
        }
    }
}

fn build(w: &World) -> App {
    let app = App::in_memory();
    app.init("own").unwrap();
    let s = app.session("own").unwrap();
    s.ws_rename("Default Workspace", "DW").unwrap();
    for g in ["g0", "g1"] {
        s.group_add(g).unwrap();
    }
    s.org_add("o0", None).unwrap();
    s.org_add("o1", Some("o0")).unwrap();
    s.org_add("o2", Some("o1")).unwrap();
    for u in 0..USERS {
        let login = format!("u{u}");
        s.user_add(&login, None, None).unwrap();
        for g in 0..2 {
            if w.groups[u][g] {
                s.group_join(&format!("g{g}"), &login).unwrap();
            }
        }
        if let Some(o) = w.org[u] {
            s.org_join(&format!("o{o}"), &login).unwrap();
        }
        let roles: Vec<Role> = [
            (1, Role::Sysadmin),
            (2, Role::Datamanager),
            (4, Role::Analyst),
        ]
        .into_iter()
        .filter(|(b, _)| w.roles[u] & b != 0)
        .map(|(_, r)| r)
        .collect();
        if !roles.is_empty() {
            s.role_grant("DW", &login, &roles).unwrap();
        }
    }
    drop(s);
    for (i, (folder, _)) in w.items.iter().enumerate() {
        let s = app.session("own").unwrap();
        let kind = if *folder {
            ItemKind::Folder
        } else {
            ItemKind::App
        };
        s.create(&w.path(i), kind).unwrap();
    }
    for (it, kind, sub, l) in &w.grants {
        let s = app.session("own").unwrap();
        let subject = match kind {
            0 => format!("user:u{sub}"),
            1 => format!("group:g{sub}"),
            _ => format!("org:o{sub}"),
        };
        s.share(&w.path(*it), &subject, LEVELS[*l], "").unwrap();
    }
    app
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]

    #[test]
    fn team_space_decisions_match_the_model(w in world()) {
        let app = build(&w);
        let s = app.session("own").unwrap();
        for u in 0..USERS {
            for i in 0..w.items.len() {
                for action in ["view", "create", "edit", "rename", "delete", "share", "move"] {
                    let d = s.check(&format!("u{u}"), action, &w.path(i)).unwrap();
                    COMPARED.fetch_add(1, Ordering::Relaxed);
                    prop_assert_eq!(
                        d.allowed,
                        w.allowed(u, action, i),
                        "u{} {} {}: treeward says {} ({}); model level {:?}",
                        u, action, w.path(i), d.allowed, d.reason, w.level(u, i)
                    );
                }
            }
        }
    }
}

#[test]
fn zz_report() {
    // Runs last only by name order within one thread; the count is
    // printed by whichever finishes later, for the closing note.
    std::thread::sleep(std::time::Duration::from_millis(10));
    println!(
        "model: {} decisions compared so far",
        COMPARED.load(Ordering::Relaxed)
    );
}
