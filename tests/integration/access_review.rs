//! Access review (who, access, what-if) agrees with the decision function:
//! for random stores, `who PATH` lists exactly the users `check LOGIN view
//! PATH` allows; `access LOGIN` shows exactly the items `check` lets LOGIN
//! view; and a what-if followed by the real change lists exactly the users
//! whose effective level changed, on which items, from which level to which
//! (R10, R11, R13).

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use treeward::app::{App, TreeNode};
use treeward::domain::*;

use crate::common::world::{people_app, proptest_config};

const USERS: &[&str] = &["own", "alice", "bob", "carol", "dave", "erin", "tina"];
const SUBJECTS: &[&str] = &[
    "user:bob",
    "user:carol",
    "user:erin",
    "group:qa",
    "org:sales",
    "org:emea",
    "tenant:acme",
];
const LEVELS: &[&str] = &["viewer", "editor", "manager"];

fn base() -> App {
    let app = people_app(&["alice", "bob", "carol", "dave", "erin"]);
    let s = app.session("own").unwrap();
    let dw = "Default Workspace";
    s.role_grant(dw, "bob", &[Role::Analyst]).unwrap();
    s.role_grant(dw, "erin", &[Role::Sysadmin]).unwrap();
    app
}

/// A random Team Space tree with random grants, and a My Creations of bob's.
fn random_store(seed: &[(u8, u8, u8)]) -> (App, Vec<String>) {
    let app = base();
    let own = app.session("own").unwrap();
    let mut folders = vec!["/Default Workspace/team".to_string()];
    let mut all = Vec::new();
    for (i, (a, b, c)) in seed.iter().enumerate() {
        let parent = folders[*a as usize % folders.len()].clone();
        let path = format!("{parent}/n{i}");
        if b % 3 == 0 {
            own.create(&path, ItemKind::App).unwrap();
        } else {
            own.create(&path, ItemKind::Folder).unwrap();
            folders.push(path.clone());
        }
        all.push(path.clone());
        if c % 2 == 0 {
            let subject = SUBJECTS[*c as usize % SUBJECTS.len()];
            let level = if subject.starts_with("tenant") {
                "tenant"
            } else {
                LEVELS[*b as usize % LEVELS.len()]
            };
            own.share(&path, subject, level, "").unwrap();
        }
    }
    let bob = app.session("bob").unwrap();
    bob.create("/Default Workspace/my/bob/Private", ItemKind::Folder)
        .unwrap();
    bob.create("/Default Workspace/my/bob/Private/Secret", ItemKind::App)
        .unwrap();
    bob.share(
        "/Default Workspace/my/bob/Private",
        "user:carol",
        "viewer",
        "",
    )
    .unwrap();
    all.push("/Default Workspace/my/bob/Private".into());
    all.push("/Default Workspace/my/bob/Private/Secret".into());
    (app, all)
}

fn walk(nodes: &[TreeNode], out: &mut BTreeMap<String, (bool, Option<String>)>) {
    for n in nodes {
        if n.entry.id.is_some() {
            out.insert(
                n.entry.path.clone(),
                (n.entry.path_only, n.entry.level.clone()),
            );
        }
        walk(&n.children, out);
    }
}

/// Every page of an entitlement report, asked `limit` items at a time.
fn all_pages(
    mut page: impl FnMut(
        Option<&treeward::app::entitlements::Cursor>,
    ) -> treeward::app::entitlements::Page,
) -> Vec<treeward::app::entitlements::EntitlementRow> {
    let (mut rows, mut after) = (Vec::new(), None);
    loop {
        let p = page(after.as_ref());
        rows.extend(p.rows);
        match p.next {
            Some(n) => after = Some(n),
            None => return rows,
        }
    }
}

proptest! {
    #![proptest_config(proptest_config(96))]

    /// The entitlement report (`access --all`) lists, for every user, exactly
    /// the items `check LOGIN view` allows, at the level `check` gives, on
    /// what the actor sees (R10, R12, R14); `who --recursive` lists, for every
    /// item, exactly the users `who` lists. Small pages: paging loses nothing.
    #[test]
    fn r10_r13_the_entitlement_report_agrees_with_check(
        seed in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 1..25),
        limit in 1usize..7,
    ) {
        let (app, paths) = random_store(&seed);
        for actor in ["own", "bob"] {
            let s = app.session(actor).unwrap();
            for u in USERS {
                let rows = all_pages(|after| s.entitlements(u, None, after, limit).unwrap());
                let listed: BTreeMap<&str, &str> =
                    rows.iter().map(|r| (r.path.as_str(), r.level.as_str())).collect();
                prop_assert_eq!(listed.len(), rows.len(), "an item twice for {}", u);
                for p in &paths {
                    match s.check(u, "view", p) {
                        Ok(d) if d.allowed => {
                            let want = d.level_word();
                            prop_assert_eq!(listed.get(p.as_str()).copied(), Some(want.as_str()), "{} on {} as {}", u, p, actor)
                        }
                        _ => prop_assert!(!listed.contains_key(p.as_str()), "{} listed for {} as {}", p, u, actor),
                    }
                }
            }
            let below = all_pages(|after| s.who_below("/Default Workspace/team", None, None, after, limit).unwrap());
            for p in &paths {
                let Ok((_, rows)) = s.who(p, None, None) else { continue };
                let Ok(d) = s.check(actor, "view", p) else { continue };
                let mut want: Vec<(String, String)> = rows.into_iter().map(|r| (r.login, r.level)).collect();
                let mut got: Vec<(String, String)> = below.iter().filter(|r| &r.path == p).map(|r| (r.login.clone(), r.level.clone())).collect();
                want.sort();
                got.sort();
                if !d.allowed || !p.contains("/team/") {
                    want.clear();
                }
                prop_assert_eq!(got, want, "who --recursive on {} as {}", p, actor);
            }
        }
    }

    #[test]
    fn r10_r13_who_and_access_agree_with_check(seed in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 1..25)) {
        let (app, paths) = random_store(&seed);
        for actor in ["own", "bob"] {
            let s = app.session(actor).unwrap();
            for p in &paths {
                if s.resolve_str(p).is_err() {
                    prop_assert_eq!(s.who(p, None, None).unwrap_err().outcome, Outcome::NotFound);
                    continue;
                }
                // R34: others' levels are read where the actor reads the item's grants.
                let rows = match s.who(p, None, None) {
                    Ok((_, rows)) => rows,
                    Err(e) => {
                        prop_assert_eq!(e.outcome, Outcome::Denied, "{}", e);
                        prop_assert!(e.message.contains("R34"), "{}", e);
                        continue;
                    }
                };
                let listed: BTreeSet<&str> = rows.iter().map(|r| r.login.as_str()).collect();
                for u in USERS {
                    let d = s.check(u, "view", p).unwrap();
                    prop_assert_eq!(d.allowed, listed.contains(u), "who {} vs check {} view: {}", p, u, d.reason);
                }
            }
        }
        // access LOGIN agrees with check LOGIN view, on what the actor sees.
        let own = app.session("own").unwrap();
        for u in USERS {
            let mut seen = BTreeMap::new();
            walk(&own.access(u, None).unwrap(), &mut seen);
            for p in &paths {
                let Ok(d) = own.check(u, "view", p) else {
                    prop_assert!(!seen.contains_key(p), "R14: access shows {} the owner cannot see", p);
                    continue;
                };
                match seen.get(p) {
                    Some((false, _)) => prop_assert!(d.allowed, "access shows {} to {} but check denies", p, u),
                    Some((true, _)) => prop_assert!(!d.allowed && d.seen == rules::Seen::PathOnly),
                    None => prop_assert!(!d.allowed && d.seen == rules::Seen::Hidden, "access hides {} from {}", p, u),
                }
            }
        }
    }

    #[test]
    fn r19_r23_what_if_lists_exactly_who_changes(
        seed in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 2..20),
        pick in any::<(u8, u8, u8)>(),
    ) {
        let (app, paths) = random_store(&seed);
        let team: Vec<&String> = paths.iter().filter(|p| p.contains("/team/")).collect();
        let a = team[pick.0 as usize % team.len()].clone();
        let b = team[pick.1 as usize % team.len()].clone();
        // Each user's own view of every path that exists: their level, or
        // none where they cannot see it (R12); missing paths are left out.
        let level_of = |app: &App| -> BTreeMap<(String, String), String> {
            let own = app.session("own").unwrap();
            let mut m = BTreeMap::new();
            for u in USERS {
                let me = app.session(u).unwrap();
                for p in &paths {
                    let exists = own.check("own", "view", p).is_ok()
                        || p.contains("/my/bob/") && app.session("bob").unwrap().check("bob", "view", p).is_ok();
                    if !exists {
                        continue;
                    }
                    let w = match me.check(u, "view", p) {
                        Ok(d) if d.seen != rules::Seen::Hidden => d.level_word(),
                        _ => "none".to_string(),
                    };
                    m.insert((u.to_string(), p.clone()), w);
                }
            }
            m
        };
        // Who asks: the owner, an admin, a sysadmin, an analyst (R12, R14 on the answer).
        let actor = ["own", "alice", "erin", "bob"][pick.0 as usize % 4];
        let before = level_of(&app);
        let subject = SUBJECTS[pick.2 as usize % SUBJECTS.len()];
        let level = if subject.starts_with("tenant") { "tenant" } else { "viewer" };
        let user = USERS[pick.1 as usize % USERS.len()];
        let dw = "Default Workspace";
        // Every kind of change that alters access (R10, R17, R19, R23, R27).
        let op = |s: &treeward::app::Session<'_>| -> Result<()> {
            match pick.2 % 12 {
                0 => s.mv(&a, &b).map(|_| ()),
                1 => s.share(&a, subject, level, "").map(|_| ()),
                2 => s.unshare(&a, subject).map(|_| ()),
                3 => s.rm(&a).map(|_| ()),
                4 => s.group_join("qa", user).map(|_| ()),
                5 => s.group_leave("qa", "bob"),
                6 => s.org_join(if pick.0 % 2 == 0 { "sales" } else { "emea" }, user).map(|_| ()),
                7 => s.org_leave("emea", "dave"),
                8 => s.role_grant(dw, user, &[if pick.0 % 2 == 0 { Role::Sysadmin } else { Role::Analyst }]).map(|_| ()),
                9 => s.role_revoke(dw, "erin", &[Role::Sysadmin], None).map(|_| ()),
                10 => s.group_rm("qa").map(|_| ()),
                _ => s.org_rm("emea").map(|_| ()),
            }
        };
        let Ok((_, dry)) = app.with_access_report(actor, true, op) else { return Ok(()) };
        prop_assert_eq!(&before, &level_of(&app), "a dry run changed access");
        let (_, real) = app.with_access_report(actor, false, op).unwrap();
        let after = level_of(&app);
        // The dry run and the change list the same changes, user by user, item by item.
        let dry_all: BTreeSet<_> = dry.changes().collect();
        let real_all: BTreeSet<_> = real.changes().collect();
        prop_assert_eq!(&dry_all, &real_all, "dry run and real change disagree");
        prop_assert_eq!(dry.count(), dry_all.len());
        // On every path that exists before and after, the what-if lists exactly
        // the (user, level before, level after) that `check` sees change, on
        // what the actor sees (R12, R14).
        let sees = |m: &BTreeMap<(String, String), String>, p: &String| {
            m.get(&(actor.to_string(), p.clone())).is_some_and(|w| w != "none")
        };
        let mut expected = BTreeSet::new();
        for (k, b) in &before {
            if let Some(a) = after.get(k) {
                if a != b && (sees(&before, &k.1) || sees(&after, &k.1)) {
                    expected.insert((k.0.clone(), k.1.clone(), b.clone(), a.clone()));
                }
            }
        }
        let both: BTreeSet<&String> = before.keys().filter(|k| after.contains_key(*k)).map(|k| &k.1).collect();
        let listed: BTreeSet<_> = dry_all
            .iter()
            .filter(|c| both.contains(&c.path))
            .map(|c| (c.login.clone(), c.path.clone(), c.before.clone(), c.after.clone()))
            .collect();
        prop_assert_eq!(&listed, &expected, "op {} {} {} {} {} as {}", pick.2 % 12, a, b, subject, user, actor);
    }
}
