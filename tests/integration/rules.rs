//! The rules of SPEC R1–R32, each with an allowed and a refused case, run on
//! the operations (`treeward::app`) over an in-memory store. Test names start
//! with the rule they cite (`r1_…` … `r32_…`).
//!
//! `setup()` builds the set-up of SPEC §12 (the workspace `DW` is created by
//! the account owner, who holds every role in it, R5).

use treeward::app::{App, Session, TreeNode};
use treeward::domain::*;

// An empty store: in memory, or a new PostgreSQL database when the suite
// runs on PostgreSQL (`TREEWARD_TEST_STORE=postgres`).
use crate::common::new_app;

// ---------------------------------------------------------------- helpers

/// A fresh session per operation: a session resolves the actor once.
fn s<'a>(app: &'a App, login: &str) -> Session<'a> {
    app.session(login)
        .unwrap_or_else(|e| panic!("session {login}: {e}"))
}

/// The outcome of a failed operation (panics if it succeeded).
fn err<T: std::fmt::Debug>(r: Result<T>) -> Outcome {
    match r {
        Ok(v) => panic!("expected a failure, got {v:?}"),
        Err(e) => e.outcome,
    }
}

fn err_msg<T: std::fmt::Debug>(r: Result<T>) -> Error {
    match r {
        Ok(v) => panic!("expected a failure, got {v:?}"),
        Err(e) => e,
    }
}

fn ok<T>(r: Result<T>) -> T {
    r.unwrap_or_else(|e| panic!("expected success: {e}"))
}

fn check(app: &App, actor: &str, login: &str, action: &str, path: &str) -> bool {
    ok(s(app, actor).check(login, action, path)).allowed
}

/// What `login` may do, asked by the account owner where it can see, else by the user.
fn can(app: &App, login: &str, action: &str, path: &str) -> bool {
    ok(s(app, login).check(login, action, path)).allowed
}

fn names_in(app: &App, login: &str, path: &str) -> Vec<String> {
    ok(s(app, login).ls(Some(path)))
        .entries
        .into_iter()
        .map(|e| e.name)
        .collect()
}

fn snapshot(app: &App) -> String {
    ok(app.export_json())
}

/// Runs a failing operation and asserts it changed nothing (§10), not even the log.
fn refused<T: std::fmt::Debug>(app: &App, expect: Outcome, f: impl FnOnce() -> Result<T>) -> Error {
    let before = snapshot(app);
    let e = err_msg(f());
    assert_eq!(e.outcome, expect, "{e}");
    assert_eq!(
        before,
        snapshot(app),
        "a failed operation changed the store: {e}"
    );
    e
}

fn audit_len(app: &App) -> usize {
    ok(s(app, "own").log(None)).len()
}

const F: ItemKind = ItemKind::Folder;
const A: ItemKind = ItemKind::App;
const ALL: [Role; 3] = [Role::Sysadmin, Role::Datamanager, Role::Analyst];

/// SPEC §12 set-up.
fn setup() -> App {
    let app = new_app("rules");
    ok(app.init("own"));
    {
        let own = s(&app, "own");
        for u in ["alice", "bob", "carol", "dave", "erin", "frank"] {
            ok(own.user_add(u, None, None));
        }
        ok(own.tenant_add("acme"));
        ok(own.user_add("tina", None, Some("acme")));
        ok(own.group_add("qa"));
        ok(own.group_join("qa", "bob"));
        ok(own.group_join("qa", "carol"));
        ok(own.org_add("sales", None));
        ok(own.org_add("emea", Some("sales")));
        ok(own.org_join("emea", "dave"));
        ok(own.ws_add("DW"));
        ok(own.role_grant("DW", "alice", &ALL));
        ok(own.role_grant("DW", "bob", &[Role::Analyst]));
        ok(own.role_grant("DW", "carol", &[Role::Analyst, Role::Datamanager]));
        ok(own.role_grant("DW", "dave", &[Role::Analyst]));
        ok(own.role_grant("DW", "erin", &[Role::Sysadmin]));
    }
    ok(s(&app, "alice").create("/DW/team/Plant", F));
    ok(s(&app, "alice").create("/DW/team/Plant/Line1", F));
    ok(s(&app, "alice").create("/DW/team/Plant/Line1/OEE", A));
    ok(s(&app, "alice").share("/DW/team/Plant", "group:qa", "editor", ""));
    ok(s(&app, "alice").share("/DW/team/Plant/Line1", "org:sales", "manager", ""));
    ok(s(&app, "alice").share("/DW/team/Plant/Line1/OEE", "tenant:acme", "tenant", ""));
    ok(s(&app, "bob").create("/DW/my/bob/Drafts", F));
    ok(s(&app, "bob").create("/DW/my/bob/Drafts/Forecast", A));
    ok(s(&app, "bob").share("/DW/my/bob/Drafts", "user:carol", "editor", ""));
    app
}

const OEE: &str = "/DW/team/Plant/Line1/OEE";
const LINE1: &str = "/DW/team/Plant/Line1";
const PLANT: &str = "/DW/team/Plant";
const DRAFTS: &str = "/DW/my/bob/Drafts";
const FORECAST: &str = "/DW/my/bob/Drafts/Forecast";

fn flatten(nodes: &[TreeNode], out: &mut Vec<(String, bool)>) {
    for n in nodes {
        out.push((n.entry.path.clone(), n.entry.path_only));
        flatten(&n.children, out);
    }
}

fn tree_of(app: &App, login: &str, path: &str) -> Vec<(String, bool)> {
    let mut v = Vec::new();
    flatten(&ok(s(app, login).tree(Some(path))), &mut v);
    v
}

// ---------------------------------------------------------------- R1

#[test]
fn r1_distinct_sibling_names_are_allowed_case_sensitively() {
    let app = setup();
    ok(s(&app, "alice").create("/DW/team/Plant/Line2", F));
    // Compared exactly: another case is another name.
    ok(s(&app, "alice").create("/DW/team/plant", F));
    // The same name in another folder is fine.
    ok(s(&app, "alice").create("/DW/team/Plant/Line2/OEE", A));
    assert_eq!(names_in(&app, "alice", "/DW/team"), vec!["Plant", "plant"]);
}

#[test]
fn r1_equal_sibling_names_conflict_and_nothing_changes() {
    let app = setup();
    let alice = || s(&app, "alice");
    // create, any kind, after trimming
    refused(&app, Outcome::Conflict, || {
        alice().create("/DW/team/Plant", F)
    });
    refused(&app, Outcome::Conflict, || {
        alice().create("/DW/team/Plant", A)
    });
    refused(&app, Outcome::Conflict, || {
        alice().create("/DW/team/ Plant ", F)
    });
    // rename
    ok(alice().create("/DW/team/Plant/Line2", F));
    refused(&app, Outcome::Conflict, || {
        alice().rename("/DW/team/Plant/Line2", "Line1")
    });
    // move
    ok(alice().create("/DW/team/Plant/Line2/OEE", A));
    refused(&app, Outcome::Conflict, || {
        alice().mv("/DW/team/Plant/Line2/OEE", LINE1)
    });
    // copy to
    refused(&app, Outcome::Conflict, || {
        alice().cp("/DW/team/Plant/Line2/OEE", Some(LINE1))
    });
    // import of a document with two equal siblings
    let mut e = ok(app.export());
    let w = e.workspaces.iter_mut().find(|w| w.name == "DW").unwrap();
    let line2 = w.items.iter().position(|i| i.item.name == "Line2").unwrap();
    w.items[line2].item.name = "Line1".into();
    let fresh = new_app("rules");
    assert_eq!(err(fresh.import(&e)), Outcome::Conflict);
    assert!(!ok(fresh.is_initialized()));
}

// ---------------------------------------------------------------- R2

#[test]
fn r2_valid_names_are_trimmed_and_stored() {
    let app = setup();
    let it = ok(s(&app, "alice").create("/DW/team/  Plant ops  ", F));
    assert_eq!(it.name, "Plant ops");
    let long = "x".repeat(64);
    ok(s(&app, "alice").create(&format!("/DW/team/{long}"), A));
    ok(s(&app, "alice").create("/DW/team/数据 📊", A));
    ok(s(&app, "alice").rename(OEE, "OEE v2"));
    assert!(names_in(&app, "alice", LINE1).contains(&"OEE v2".to_string()));
}

#[test]
fn r2_invalid_names_are_invalid_input_and_nothing_is_stored() {
    let app = setup();
    let long = "x".repeat(65);
    for bad in ["/DW/team/a:b", "/DW/team/.", "/DW/team/..", "/DW/team/   "] {
        refused(&app, Outcome::Invalid, || s(&app, "alice").create(bad, F));
    }
    refused(&app, Outcome::Invalid, || {
        s(&app, "alice").create(&format!("/DW/team/{long}"), F)
    });
    for bad in [
        "a\u{7}b",
        "x\ny",
        "tab\there",
        "\u{1b}[31mred",
        "\u{202e}evil",
        "a:b",
        ".",
        "..",
    ] {
        refused(&app, Outcome::Invalid, || {
            s(&app, "alice").create(&format!("/DW/team/Plant/{bad}"), F)
        });
    }
    for bad in [
        "a\u{7}b",
        "x\ny",
        "\u{1b}[31mred",
        "a/b",
        "a:b",
        "",
        "   ",
        ".",
        "..",
    ] {
        refused(&app, Outcome::Invalid, || s(&app, "alice").rename(OEE, bad));
    }
    refused(&app, Outcome::Invalid, || s(&app, "alice").ws_add("a/b"));
    refused(&app, Outcome::Invalid, || {
        s(&app, "own").group_add("g\u{0}")
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "own").user_add("Bad Login", None, None)
    });
    // row 22: bob renames with a ':' → invalid input before anything else
    refused(&app, Outcome::Invalid, || {
        s(&app, "bob").rename(LINE1, "a:b")
    });
}

// ---------------------------------------------------------------- R3

#[test]
fn r3_listings_show_folders_first_then_apps_by_name_case_insensitively() {
    let app = setup();
    let alice = || s(&app, "alice");
    for (n, k) in [
        ("zeta", A),
        ("Alpha", A),
        ("beta", F),
        ("Gamma", F),
        ("alpha2", F),
        ("Delta", A),
    ] {
        ok(alice().create(&format!("/DW/team/Plant/{n}"), k));
    }
    let l = ok(alice().ls(Some(PLANT)));
    let got: Vec<(String, String)> = l
        .entries
        .iter()
        .map(|e| (e.kind.clone(), e.name.clone()))
        .collect();
    let want: Vec<(String, String)> = [
        ("folder", "alpha2"),
        ("folder", "beta"),
        ("folder", "Gamma"),
        ("folder", "Line1"),
        ("app", "Alpha"),
        ("app", "Delta"),
        ("app", "zeta"),
    ]
    .iter()
    .map(|(k, n)| (k.to_string(), n.to_string()))
    .collect();
    assert_eq!(got, want);
    // the tree uses the same order
    let tree = tree_of(&app, "alice", PLANT);
    let children: Vec<&str> = tree
        .iter()
        .skip(1)
        .filter(|(p, _)| p.matches('/').count() == 4)
        .map(|(p, _)| p.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        children,
        vec!["alpha2", "beta", "Gamma", "Line1", "Alpha", "Delta", "zeta"]
    );
}

#[test]
fn r3_listings_leave_out_what_the_actor_cannot_see() {
    let app = setup();
    ok(s(&app, "alice").create("/DW/team/Secret", F));
    // bob lists the Team Space root: Plant (granted) but not Secret.
    assert_eq!(names_in(&app, "bob", "/DW/team"), vec!["Plant"]);
    // and a listing of something he cannot see is refused as not found
    assert_eq!(
        err(s(&app, "bob").ls(Some("/DW/team/Secret"))),
        Outcome::NotFound
    );
}

// ---------------------------------------------------------------- R4

#[test]
fn r4_owner_manages_people_and_removing_a_group_removes_its_grants() {
    let app = setup();
    let own = || s(&app, "own");
    ok(own().user_add("gina", Some("Gina"), None));
    ok(own().group_add("ops"));
    assert!(ok(own().group_join("ops", "gina")));
    // joining twice is a no-op success
    assert!(!ok(own().group_join("ops", "gina")));
    ok(own().group_leave("ops", "gina"));
    ok(own().org_add("apac", Some("sales")));
    ok(own().org_join("apac", "gina"));
    ok(own().org_leave("apac", "gina"));
    ok(own().tenant_add("globex"));
    ok(own().ws_add("W2"));
    ok(own().ws_rename("W2", "W3"));
    ok(own().ws_rm("W3"));
    // removing qa removes the grant on Plant: bob no longer sees it
    assert!(can(&app, "bob", "view", PLANT));
    assert_eq!(ok(own().group_rm("qa")), 1);
    assert_eq!(
        err(s(&app, "bob").check("bob", "view", PLANT)),
        Outcome::NotFound
    );
    // removing the tenant … and the org unit removes theirs too
    ok(own().org_rm("apac"));
    assert_eq!(ok(own().org_rm("emea")), 0);
    assert_eq!(ok(own().org_rm("sales")), 1);
    assert!(ok(app.store().granted_items(&Subject::Org("sales".into()))).is_empty());
}

#[test]
fn r4_only_the_owner_manages_people_and_logins_are_unique_case_insensitively() {
    let app = setup();
    let alice = || s(&app, "alice"); // an admin, not the account owner
    refused(&app, Outcome::Denied, || {
        alice().user_add("gina", None, None)
    });
    refused(&app, Outcome::Denied, || alice().group_add("ops"));
    refused(&app, Outcome::Denied, || alice().group_join("qa", "alice"));
    refused(&app, Outcome::Denied, || alice().group_leave("qa", "bob"));
    refused(&app, Outcome::Denied, || alice().group_rm("qa"));
    refused(&app, Outcome::Denied, || alice().org_add("apac", None));
    refused(&app, Outcome::Denied, || alice().org_join("emea", "alice"));
    refused(&app, Outcome::Denied, || alice().org_rm("emea"));
    refused(&app, Outcome::Denied, || alice().tenant_add("globex"));
    refused(&app, Outcome::Denied, || alice().ws_add("W2"));
    refused(&app, Outcome::Denied, || alice().ws_rename("DW", "W2"));
    refused(&app, Outcome::Denied, || {
        alice().role_grant("DW", "frank", &[Role::Analyst])
    });
    refused(&app, Outcome::Denied, || {
        alice().role_revoke("DW", "erin", &[Role::Sysadmin], None)
    });
    // logins are unique case-insensitively
    refused(&app, Outcome::Conflict, || {
        s(&app, "own").user_add("Alice", None, None)
    });
    refused(&app, Outcome::Conflict, || {
        s(&app, "own").user_add("BOB", None, None)
    });
    // a unit with sub-units is not removed (our reading)
    refused(&app, Outcome::Conflict, || s(&app, "own").org_rm("sales"));
}

// ---------------------------------------------------------------- R5

#[test]
fn r5_init_creates_owner_and_default_workspace_owner_holds_all_roles() {
    let app = new_app("rules");
    let acc = ok(app.init("own"));
    assert_eq!(acc.owner, "own");
    let own = s(&app, "own");
    let ws: Vec<String> = ok(own.workspaces()).into_iter().map(|w| w.name).collect();
    assert_eq!(ws, vec!["Default Workspace"]);
    assert_eq!(
        ok(own.users())
            .iter()
            .map(|u| u.login.clone())
            .collect::<Vec<_>>(),
        vec!["own"]
    );
    // all three roles there and in every workspace from its creation on
    let w = ok(own.ws_add("Later"));
    assert!(own.actor.is_admin(w.id));
    assert_eq!(ok(app.store().roles(w.id, "own")), Roles::ALL);
    ok(s(&app, "own").create("/Default Workspace/team/F", F));
    ok(s(&app, "own").create("/Later/my/own/Mine", F));
}

#[test]
fn r5_owner_roles_cannot_be_revoked_and_init_runs_once() {
    let app = setup();
    for r in ALL {
        refused(&app, Outcome::Denied, || {
            s(&app, "own").role_revoke("DW", "own", &[r], None)
        });
    }
    refused(&app, Outcome::Conflict, || app.init("other"));
    let dw = ok(app.store().workspace_by_name("DW")).unwrap();
    assert_eq!(ok(app.store().roles(dw.id, "own")), Roles::ALL);
}

// ---------------------------------------------------------------- R6

#[test]
fn r6_an_empty_workspace_is_deleted() {
    let app = setup();
    let own = || s(&app, "own");
    ok(own().ws_add("W2"));
    ok(own().role_grant("W2", "bob", &[Role::Analyst]));
    ok(s(&app, "bob").create("/W2/my/bob/Tmp", F));
    ok(s(&app, "bob").rm("/W2/my/bob/Tmp"));
    ok(own().ws_rm("W2"));
    assert!(ok(app.store().workspace_by_name("W2")).is_none());
    assert_eq!(err(s(&app, "bob").ls(Some("/W2/team"))), Outcome::NotFound);
}

#[test]
fn r6_a_workspace_with_items_in_team_space_or_a_my_creations_is_kept() {
    let app = setup();
    refused(&app, Outcome::Conflict, || s(&app, "own").ws_rm("DW"));
    ok(s(&app, "own").ws_add("W2"));
    ok(s(&app, "own").role_grant("W2", "bob", &[Role::Analyst]));
    ok(s(&app, "bob").create("/W2/my/bob/Only", A));
    refused(&app, Outcome::Conflict, || s(&app, "own").ws_rm("W2"));
}

// ---------------------------------------------------------------- R7

#[test]
fn r7_all_three_roles_make_a_team_space_admin() {
    let app = setup();
    ok(s(&app, "alice").create("/DW/team/ByAlice", F));
    // carol has analyst+datamanager: one more role makes her an admin
    ok(s(&app, "own").role_grant("DW", "carol", &[Role::Sysadmin]));
    ok(s(&app, "carol").create("/DW/team/ByCarol", F));
    // admins hold every action on every Team Space item
    assert!(can(&app, "carol", "share", OEE));
    assert!(can(&app, "carol", "move", OEE));
}

#[test]
fn r7_two_roles_are_not_an_admin() {
    let app = setup();
    refused(&app, Outcome::Denied, || {
        s(&app, "carol").create("/DW/team/ByCarol", F)
    });
    // alice loses one role: no longer an admin
    ok(s(&app, "own").role_revoke("DW", "alice", &[Role::Sysadmin], None));
    refused(&app, Outcome::Denied, || {
        s(&app, "alice").create("/DW/team/ByAlice", F)
    });
    // and with no grant she no longer sees Plant at all (R22)
    assert_eq!(err(s(&app, "alice").ls(Some(PLANT))), Outcome::NotFound);
}

// ---------------------------------------------------------------- R8

#[test]
fn r8_analysts_have_my_creations_and_revoking_with_transfer_keeps_grants() {
    let app = setup();
    ok(s(&app, "carol").create("/DW/my/carol/Mine", A));
    ok(s(&app, "bob").share(FORECAST, "user:dave", "viewer", "for dave"));
    let before = audit_len(&app);
    // bob loses analyst; his items go to carol, in a folder named "bob", grants kept
    ok(s(&app, "own").role_revoke("DW", "bob", &[Role::Analyst], Some("carol")));
    assert_eq!(audit_len(&app), before + 1);
    assert_eq!(names_in(&app, "carol", "/DW/my/carol"), vec!["bob", "Mine"]);
    assert_eq!(names_in(&app, "carol", "/DW/my/carol/bob"), vec!["Drafts"]);
    let moved = "/DW/my/carol/bob/Drafts/Forecast";
    let g = ok(app.store().grant(
        ok(s(&app, "carol").resolve_item(moved)).0.id,
        &Subject::User("dave".into()),
    ))
    .unwrap();
    assert_eq!(g.level, Level::Viewer);
    assert_eq!(g.note, "for dave");
    // dave still views it; it is owned by the space owner now (§1)
    assert!(can(&app, "dave", "view", moved));
    assert_eq!(ok(s(&app, "carol").resolve_item(moved)).0.owner, "carol");
    // bob has no My Creations any more
    assert_eq!(
        err(s(&app, "bob").ls(Some("/DW/my/bob"))),
        Outcome::NotFound
    );
    // leaving the workspace with an empty My Creations needs no transfer
    ok(s(&app, "own").role_revoke("DW", "dave", &[Role::Analyst], None));
}

#[test]
fn r8_losing_analyst_with_items_is_refused_without_a_valid_transfer() {
    let app = setup();
    let own = || s(&app, "own");
    refused(&app, Outcome::Conflict, || {
        own().role_revoke("DW", "bob", &[Role::Analyst], None)
    });
    // leaving the workspace (every role) too
    refused(&app, Outcome::Conflict, || {
        own().role_revoke("DW", "bob", &ALL, None)
    });
    // the heir must be another analyst of the workspace
    refused(&app, Outcome::Invalid, || {
        own().role_revoke("DW", "bob", &[Role::Analyst], Some("erin"))
    });
    refused(&app, Outcome::Invalid, || {
        own().role_revoke("DW", "bob", &[Role::Analyst], Some("bob"))
    });
    // a folder named bob already in carol's My Creations
    ok(s(&app, "carol").create("/DW/my/carol/bob", F));
    refused(&app, Outcome::Conflict, || {
        own().role_revoke("DW", "bob", &[Role::Analyst], Some("carol"))
    });
    // a non-analyst has no My Creations
    assert_eq!(
        err(s(&app, "erin").create("/DW/my/erin/X", F)),
        Outcome::NotFound
    );
}

// ---------------------------------------------------------------- R9

#[test]
fn r9_tenant_users_view_granted_apps_without_roles() {
    let app = setup();
    assert!(can(&app, "tina", "view", OEE));
    let ws: Vec<String> = ok(s(&app, "tina").workspaces())
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(ws, vec!["DW"]);
}

#[test]
fn r9_tenant_users_hold_no_roles_and_have_no_my_creations() {
    let app = setup();
    refused(&app, Outcome::Invalid, || {
        s(&app, "own").role_grant("DW", "tina", &[Role::Analyst])
    });
    assert_eq!(
        err(s(&app, "tina").ls(Some("/DW/my/tina"))),
        Outcome::NotFound
    );
    assert_eq!(
        err(s(&app, "tina").create("/DW/my/tina/X", F)),
        Outcome::NotFound
    );
    let l = ok(s(&app, "tina").ls(Some("/DW")));
    assert_eq!(
        l.entries
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>(),
        vec!["team"]
    );
}

// ---------------------------------------------------------------- R10

#[test]
fn r10_grants_are_inherited_through_groups_and_org_units() {
    let app = setup();
    // row 1: editor through qa on Plant, inherited
    assert!(can(&app, "bob", "view", OEE));
    assert!(can(&app, "bob", "edit", OEE));
    // dave: manager on Line1 through emea ⊂ sales
    let d = ok(s(&app, "dave").check("dave", "move", OEE));
    assert!(d.allowed);
    assert_eq!(d.level, Some(Level::Manager));
    // inheritance applies whoever created the item below
    ok(s(&app, "bob").create("/DW/team/Plant/ByBob", A));
    assert!(can(&app, "carol", "edit", "/DW/team/Plant/ByBob"));
    // the highest level wins: bob is viewer directly but editor via qa
    ok(s(&app, "alice").share(OEE, "user:bob", "viewer", ""));
    let d = ok(s(&app, "bob").check("bob", "edit", OEE));
    assert!(d.allowed);
    assert_eq!(d.level, Some(Level::Editor));
    // and manager directly beats editor via group
    ok(s(&app, "alice").share(OEE, "user:bob", "manager", ""));
    assert_eq!(
        ok(s(&app, "bob").check("bob", "share", OEE)).level,
        Some(Level::Manager)
    );
}

#[test]
fn r10_grants_do_not_reach_up_or_sideways() {
    let app = setup();
    // dave's manager on Line1 does not reach Plant
    assert!(!can(&app, "dave", "view", PLANT));
    // a grant to a sub-unit does not cover its parent unit
    ok(s(&app, "own").user_add("sam", None, None));
    ok(s(&app, "own").org_join("sales", "sam"));
    ok(s(&app, "alice").create("/DW/team/EU", A));
    ok(s(&app, "alice").share("/DW/team/EU", "org:emea", "viewer", ""));
    assert!(can(&app, "dave", "view", "/DW/team/EU"));
    assert_eq!(
        err(s(&app, "sam").check("sam", "view", "/DW/team/EU")),
        Outcome::NotFound
    );
    // frank is in nothing
    assert_eq!(
        err(s(&app, "frank").check("frank", "view", OEE)),
        Outcome::NotFound
    );
    assert!(!check(&app, "own", "frank", "view", OEE));
}

// ---------------------------------------------------------------- R11

#[test]
fn r11_viewers_see_the_path_and_members_see_the_team_root() {
    let app = setup();
    // any user of the account may receive a grant, member or not
    ok(s(&app, "alice").share(OEE, "user:frank", "viewer", ""));
    let t = tree_of(&app, "frank", "/DW/team");
    assert_eq!(
        t,
        vec![
            ("/DW/team".to_string(), false),
            (PLANT.to_string(), true),
            (LINE1.to_string(), true),
            (OEE.to_string(), false),
        ]
    );
    assert!(can(&app, "frank", "view", OEE));
    // the Team Space root is visible to every member (row 6)
    assert!(ok(s(&app, "erin").ls(Some("/DW/team"))).entries.is_empty());
    // a My Creations root to its owner, even when empty
    assert!(ok(s(&app, "dave").ls(Some("/DW/my/dave")))
        .entries
        .is_empty());
}

#[test]
fn r11_path_only_ancestors_grant_no_action() {
    let app = setup();
    ok(s(&app, "alice").share(OEE, "user:frank", "viewer", ""));
    for action in [
        "view", "create", "edit", "rename", "move", "delete", "share",
    ] {
        let d = ok(s(&app, "frank").check("frank", action, PLANT));
        assert!(!d.allowed, "{action}");
        assert_eq!(d.seen, Seen::PathOnly);
    }
    refused(&app, Outcome::Denied, || {
        s(&app, "frank").create("/DW/team/Plant/X", F)
    });
    refused(&app, Outcome::Denied, || {
        s(&app, "frank").rename(PLANT, "P")
    });
    // row 9
    assert!(!can(&app, "tina", "view", PLANT));
    // frank is no member: the root shows only because he sees an item in it
    ok(s(&app, "alice").unshare(OEE, "user:frank"));
    assert_eq!(
        err(s(&app, "frank").ls(Some("/DW/team"))),
        Outcome::NotFound
    );
}

// ---------------------------------------------------------------- R12

#[test]
fn r12_visible_items_without_the_right_answer_permission_denied() {
    let app = setup();
    // row 2: bob sees OEE, editors cannot move
    let e = refused(&app, Outcome::Denied, || s(&app, "bob").mv(OEE, PLANT));
    assert!(e.message.contains("R23"), "{e}");
    refused(&app, Outcome::Denied, || {
        s(&app, "bob").share(OEE, "user:frank", "viewer", "")
    });
    assert!(can(&app, "bob", "view", OEE));
}

#[test]
fn r12_unseen_items_answer_not_found_like_missing_ones() {
    let app = setup();
    // row 5, row 20
    let e1 = refused(&app, Outcome::NotFound, || s(&app, "frank").ls(Some(PLANT)));
    refused(&app, Outcome::NotFound, || s(&app, "frank").rm(PLANT));
    // erin is a member but holds no grant on Plant
    refused(&app, Outcome::NotFound, || s(&app, "erin").rm(PLANT));
    refused(&app, Outcome::NotFound, || {
        s(&app, "erin").rename(PLANT, "X")
    });
    refused(&app, Outcome::NotFound, || {
        s(&app, "erin").share(PLANT, "user:erin", "viewer", "")
    });
    refused(&app, Outcome::NotFound, || {
        s(&app, "erin").create("/DW/team/Plant/X", F)
    });
    // the same answer as for something that does not exist
    let e2 = refused(&app, Outcome::NotFound, || {
        s(&app, "frank").ls(Some("/DW/team/Nope"))
    });
    assert_eq!(
        e1.message.replace("Plant", "X"),
        e2.message.replace("Nope", "X")
    );
    // check and explain too (row 14)
    assert_eq!(
        err(s(&app, "frank").check("frank", "view", OEE)),
        Outcome::NotFound
    );
    assert_eq!(
        err(s(&app, "own").check("own", "view", DRAFTS)),
        Outcome::NotFound
    );
    assert_eq!(err(s(&app, "frank").explain("bob", OEE)), Outcome::NotFound);
}

#[test]
fn r12_outcome_order_invalid_then_not_found_then_denied_then_conflict() {
    let app = setup();
    // invalid beats not found: frank, who sees nothing, with a bad name
    refused(&app, Outcome::Invalid, || {
        s(&app, "frank").rename(PLANT, "a:b")
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "frank").create("/DW/team/Plant/a\u{1}", F)
    });
    // not found beats conflict (row 20): frank, Plant is not empty
    refused(&app, Outcome::NotFound, || s(&app, "frank").rm(PLANT));
    // not found beats denied: erin, not an owner of the thing, does not see it
    refused(&app, Outcome::NotFound, || {
        s(&app, "erin").mv(OEE, "/DW/team")
    });
    // denied beats conflict: bob may not delete a non-empty folder… he is editor
    // and may delete; carol may not move though, and the name is taken
    ok(s(&app, "alice").create("/DW/team/Plant/Line1/Plant", A));
    refused(&app, Outcome::Denied, || {
        s(&app, "carol").mv("/DW/team/Plant/Line1/Plant", "/DW/team")
    });
    // dave sees Plant as path only: deleting Line1 (not empty) is his right…
    refused(&app, Outcome::Conflict, || s(&app, "dave").rm(LINE1));
    // …but renaming Line1 to a taken name by a viewer is denied, not conflict
    ok(s(&app, "alice").create("/DW/team/Plant/Line2", F));
    ok(s(&app, "alice").share(LINE1, "user:frank", "viewer", ""));
    refused(&app, Outcome::Denied, || {
        s(&app, "frank").rename(LINE1, "Line2")
    });
    // and a create by a viewer where the name is taken
    refused(&app, Outcome::Denied, || s(&app, "frank").create(OEE, A));
}

// ---------------------------------------------------------------- R13

#[test]
fn r13_explain_names_each_grant_its_item_subject_and_unit() {
    let app = setup();
    // row 25
    let (d, lines) = ok(s(&app, "own").explain("dave", OEE));
    assert_eq!(d.level, Some(Level::Manager));
    assert_eq!(d.level_word(), "manager");
    assert_eq!(d.grants.len(), 1);
    let c = &d.grants[0];
    assert_eq!(c.subject, Subject::Org("sales".into()));
    assert_eq!(&*c.on, LINE1);
    assert_eq!(c.level, Level::Manager);
    assert_eq!(
        c.via,
        Via::Org {
            unit: "sales".into(),
            member_of: "emea".into()
        }
    );
    let text = lines.join("\n");
    assert!(text.contains("manager"), "{text}");
    assert!(
        text.contains("org:sales manager on /DW/team/Plant/Line1"),
        "{text}"
    );
    assert!(text.contains("emea"), "{text}");
    // bob: two grants, the decisive one named
    ok(s(&app, "alice").share(OEE, "user:bob", "viewer", ""));
    let (d, lines) = ok(s(&app, "alice").explain("bob", OEE));
    assert_eq!(d.level, Some(Level::Editor));
    let mut subjects: Vec<(String, String, bool)> = d
        .grants
        .iter()
        .map(|c| (c.subject.to_string(), c.on.to_string(), c.decisive))
        .collect();
    subjects.sort();
    assert_eq!(
        subjects,
        vec![
            ("group:qa".into(), PLANT.into(), true),
            ("user:bob".into(), OEE.into(), false)
        ]
    );
    assert!(lines.join("\n").contains("bob is in group qa"));
    // check decisions carry the same explanation
    let d = ok(s(&app, "bob").check("bob", "move", OEE));
    assert!(!d.allowed);
    assert!(d.reason.contains("R23"), "{}", d.reason);
}

#[test]
fn r13_explain_without_grants_and_refused_where_unseen() {
    let app = setup();
    let (d, lines) = ok(s(&app, "own").explain("frank", OEE));
    assert_eq!(d.level, None);
    assert!(d.grants.is_empty());
    assert!(!d.allowed);
    assert!(lines.join("\n").contains("no grant reaches frank"));
    // the actor must see the path (R12)
    assert_eq!(
        err(s(&app, "frank").explain("dave", OEE)),
        Outcome::NotFound
    );
    assert_eq!(
        err(s(&app, "alice").explain("bob", FORECAST)),
        Outcome::NotFound
    );
    // unknown user
    assert_eq!(
        err(s(&app, "own").explain("nobody", OEE)),
        Outcome::NotFound
    );
}

// ---------------------------------------------------------------- R14

#[test]
fn r14_the_owner_and_collaborators_see_into_a_my_creations() {
    let app = setup();
    ok(s(&app, "bob").create("/DW/my/bob/Secret", A));
    assert_eq!(
        names_in(&app, "bob", "/DW/my/bob"),
        vec!["Drafts", "Secret"]
    );
    // carol sees only what is shared with her, and below it
    assert_eq!(names_in(&app, "carol", "/DW/my/bob"), vec!["Drafts"]);
    assert!(can(&app, "carol", "view", FORECAST));
    let spaces: Vec<String> = ok(s(&app, "carol").ls(Some("/DW")))
        .entries
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert!(spaces.contains(&"my/bob".to_string()), "{spaces:?}");
}

#[test]
fn r14_admins_and_the_account_owner_do_not_see_into_it() {
    let app = setup();
    // rows 13 and 14
    refused(&app, Outcome::NotFound, || {
        s(&app, "alice").ls(Some("/DW/my/bob"))
    });
    refused(&app, Outcome::NotFound, || {
        s(&app, "own").check("own", "view", DRAFTS)
    });
    refused(&app, Outcome::NotFound, || s(&app, "own").rm(FORECAST));
    refused(&app, Outcome::NotFound, || {
        s(&app, "alice").share(DRAFTS, "user:alice", "viewer", "")
    });
    assert_eq!(
        err(s(&app, "carol").ls(Some("/DW/my/bob/Secret"))),
        Outcome::NotFound
    );
    let tree = tree_of(&app, "own", "/DW");
    assert!(tree.iter().all(|(p, _)| !p.contains("/my/bob")), "{tree:?}");
}

// ---------------------------------------------------------------- R15

#[test]
fn r15_the_owner_holds_every_action_in_their_my_creations() {
    let app = setup();
    let bob = || s(&app, "bob");
    for action in [
        "view", "create", "edit", "rename", "move", "delete", "share",
    ] {
        assert!(can(&app, "bob", action, DRAFTS), "{action}");
    }
    assert!(can(&app, "bob", "copy", FORECAST));
    ok(bob().create("/DW/my/bob/Drafts/Sub", F));
    ok(bob().asset_add(FORECAST, "chart", "Trend"));
    ok(bob().describe(FORECAST, "weekly"));
    ok(bob().rename(FORECAST, "Forecast2"));
    ok(bob().mv("/DW/my/bob/Drafts/Forecast2", "/DW/my/bob/Drafts/Sub"));
    ok(bob().cp("/DW/my/bob/Drafts/Sub/Forecast2", None));
    ok(bob().share("/DW/my/bob/Drafts/Sub", "org:emea", "viewer", ""));
    ok(bob().rm("/DW/my/bob/Drafts/Sub/Forecast2 (copy)"));
}

#[test]
fn r15_no_one_else_holds_actions_there_by_role() {
    let app = setup();
    // alice is admin, own is account owner: neither has a standing in bob's space
    for who in ["alice", "own"] {
        refused(&app, Outcome::NotFound, || {
            s(&app, who).create("/DW/my/bob/X", F)
        });
        refused(&app, Outcome::NotFound, || s(&app, who).rename(DRAFTS, "D"));
    }
    // carol, a collaborator, may not create at bob's root
    refused(&app, Outcome::Denied, || {
        s(&app, "carol").create("/DW/my/bob/X", F)
    });
}

// ---------------------------------------------------------------- R16

#[test]
fn r16_collaborator_editor_views_creates_edits_and_renames() {
    let app = setup();
    let carol = || s(&app, "carol");
    // row 11
    ok(carol().rename(FORECAST, "Forecast2"));
    ok(carol().create("/DW/my/bob/Drafts/ByCarol", A));
    ok(carol().asset_add("/DW/my/bob/Drafts/Forecast2", "dataset", "Sales"));
    ok(carol().describe("/DW/my/bob/Drafts/Forecast2", "by carol"));
    // items carol creates there belong to bob (§1)
    assert_eq!(
        ok(carol().resolve_item("/DW/my/bob/Drafts/ByCarol"))
            .0
            .owner,
        "bob"
    );
    // the owner shares with a group and an org unit, with a note
    let g = ok(s(&app, "bob").share(DRAFTS, "org:sales", "viewer", "for sales"));
    assert_eq!(g.note, "for sales");
    ok(s(&app, "bob").share(DRAFTS, "group:qa", "viewer", ""));
    assert!(can(
        &app,
        "dave",
        "view",
        FORECAST.replace("Forecast", "Forecast2").as_str()
    ));
    // sharing again replaces the level
    ok(s(&app, "bob").share(DRAFTS, "user:carol", "viewer", ""));
    let grants = ok(app
        .store()
        .grants_on(ok(s(&app, "bob").resolve_item(DRAFTS)).0.id));
    let carol_g: Vec<_> = grants
        .iter()
        .filter(|g| g.subject == Subject::User("carol".into()))
        .collect();
    assert_eq!(carol_g.len(), 1);
    assert_eq!(carol_g[0].level, Level::Viewer);
    assert!(!can(&app, "carol", "rename", "/DW/my/bob/Drafts/Forecast2"));
}

#[test]
fn r16_collaborators_do_not_share_move_or_delete_and_no_tenants_or_managers() {
    let app = setup();
    let carol = || s(&app, "carol");
    // row 12
    refused(&app, Outcome::Denied, || carol().rm(FORECAST));
    refused(&app, Outcome::Denied, || {
        carol().share(FORECAST, "user:dave", "viewer", "")
    });
    refused(&app, Outcome::Denied, || carol().mv(FORECAST, "/DW/my/bob"));
    refused(&app, Outcome::Denied, || {
        carol().unshare(DRAFTS, "user:carol")
    });
    // row 10: no tenants in My Creations; no manager level
    refused(&app, Outcome::Invalid, || {
        s(&app, "bob").share(DRAFTS, "tenant:acme", "tenant", "")
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "bob").share(DRAFTS, "user:carol", "manager", "")
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "bob").share(DRAFTS, "user:dave", "tenant", "")
    });
    // a viewer collaborator does not rename or create
    ok(s(&app, "bob").share(DRAFTS, "user:dave", "viewer", ""));
    refused(&app, Outcome::Denied, || {
        s(&app, "dave").rename(FORECAST, "F")
    });
    refused(&app, Outcome::Denied, || {
        s(&app, "dave").create("/DW/my/bob/Drafts/X", F)
    });
}

// ---------------------------------------------------------------- R17

#[test]
fn r17_a_direct_user_collaboration_can_be_left() {
    let app = setup();
    let before = audit_len(&app);
    // row 23
    let g = ok(s(&app, "carol").leave(DRAFTS));
    assert_eq!(g.subject, Subject::User("carol".into()));
    assert_eq!(audit_len(&app), before + 1);
    assert_eq!(err(s(&app, "carol").ls(Some(DRAFTS))), Outcome::NotFound);
}

#[test]
fn r17_a_collaboration_through_a_group_or_unit_cannot_be_left() {
    let app = setup();
    ok(s(&app, "carol").leave(DRAFTS));
    // row 24
    ok(s(&app, "bob").share(DRAFTS, "group:qa", "viewer", ""));
    refused(&app, Outcome::Denied, || s(&app, "carol").leave(DRAFTS));
    ok(s(&app, "bob").share(DRAFTS, "org:emea", "viewer", ""));
    refused(&app, Outcome::Denied, || s(&app, "dave").leave(DRAFTS));
    // nor below the shared item
    refused(&app, Outcome::Denied, || s(&app, "dave").leave(FORECAST));
    // and someone who sees nothing learns nothing
    refused(&app, Outcome::NotFound, || s(&app, "frank").leave(DRAFTS));
}

// ---------------------------------------------------------------- R18

#[test]
fn r18_the_owner_moves_within_their_my_creations() {
    let app = setup();
    let bob = || s(&app, "bob");
    ok(bob().mv(FORECAST, "/DW/my/bob"));
    assert_eq!(
        names_in(&app, "bob", "/DW/my/bob"),
        vec!["Drafts", "Forecast"]
    );
    ok(bob().create("/DW/my/bob/Archive", F));
    ok(bob().mv(DRAFTS, "/DW/my/bob/Archive"));
    assert_eq!(names_in(&app, "bob", "/DW/my/bob/Archive"), vec!["Drafts"]);
}

#[test]
fn r18_no_move_by_others_out_of_the_space_or_below_itself() {
    let app = setup();
    let bob = || s(&app, "bob");
    ok(bob().create("/DW/my/bob/Drafts/Sub", F));
    refused(&app, Outcome::Conflict, || bob().mv(DRAFTS, DRAFTS));
    refused(&app, Outcome::Conflict, || {
        bob().mv(DRAFTS, "/DW/my/bob/Drafts/Sub")
    });
    // collaborator editor does not move (R16)
    refused(&app, Outcome::Denied, || {
        s(&app, "carol").mv(FORECAST, "/DW/my/bob/Drafts/Sub")
    });
    // not into another user's My Creations (our reading: invalid input)
    ok(s(&app, "carol").create("/DW/my/carol/Box", F));
    ok(s(&app, "carol").share("/DW/my/carol/Box", "user:bob", "editor", ""));
    refused(&app, Outcome::Invalid, || {
        bob().mv(FORECAST, "/DW/my/carol/Box")
    });
    // not into an app
    refused(&app, Outcome::Invalid, || {
        bob().mv("/DW/my/bob/Drafts/Sub", FORECAST)
    });
}

// ---------------------------------------------------------------- R19

#[test]
fn r19_moving_keeps_own_grants_and_takes_the_new_ancestors() {
    let app = setup();
    let bob = || s(&app, "bob");
    ok(bob().share(FORECAST, "user:dave", "viewer", ""));
    ok(bob().create("/DW/my/bob/Other", F));
    ok(bob().share("/DW/my/bob/Other", "user:erin", "viewer", ""));
    ok(bob().mv(FORECAST, "/DW/my/bob/Other"));
    let moved = "/DW/my/bob/Other/Forecast";
    // own grant kept
    assert!(can(&app, "dave", "view", moved));
    // new ancestor's grant applies
    assert!(can(&app, "erin", "view", moved));
}

#[test]
fn r19_grants_of_the_old_ancestors_no_longer_apply() {
    let app = setup();
    ok(s(&app, "bob").create("/DW/my/bob/Other", F));
    ok(s(&app, "bob").mv(FORECAST, "/DW/my/bob/Other"));
    // carol's editor on Drafts no longer reaches Forecast
    assert_eq!(
        err(s(&app, "carol").check("carol", "view", "/DW/my/bob/Other/Forecast")),
        Outcome::NotFound
    );
    // Team Space: OEE moves out of Line1; dave's manager (on Line1) is gone,
    // the tenant grant on OEE itself stays
    ok(s(&app, "alice").mv(OEE, PLANT));
    let moved = "/DW/team/Plant/OEE";
    assert_eq!(
        err(s(&app, "dave").check("dave", "view", moved)),
        Outcome::NotFound
    );
    assert!(can(&app, "tina", "view", moved));
    let (d, _) = ok(s(&app, "own").explain("bob", moved));
    assert_eq!(d.level, Some(Level::Editor));
}

// ---------------------------------------------------------------- R20

#[test]
fn r20_copies_are_named_owned_by_the_actor_and_carry_assets_not_grants() {
    let app = setup();
    ok(s(&app, "alice").asset_add(OEE, "dashboard", "Overview"));
    ok(s(&app, "alice").asset_add(OEE, "dataset", "Shifts"));
    // bob (editor via qa) creates copies beside OEE
    let c1 = ok(s(&app, "bob").cp(OEE, None));
    assert_eq!(c1.name, "OEE (copy)");
    let c2 = ok(s(&app, "bob").cp(OEE, None));
    assert_eq!(c2.name, "OEE (copy 2)");
    let c3 = ok(s(&app, "bob").cp(OEE, None));
    assert_eq!(c3.name, "OEE (copy 3)");
    assert_eq!(c1.owner, "bob");
    assert_eq!(c1.creator, "bob");
    let assets: Vec<(AssetKind, String)> = ok(app.store().assets(c1.id))
        .into_iter()
        .map(|a| (a.kind, a.name))
        .collect();
    assert_eq!(
        assets,
        vec![
            (AssetKind::Dashboard, "Overview".into()),
            (AssetKind::Dataset, "Shifts".into())
        ]
    );
    assert!(ok(app.store().grants_on(c1.id)).is_empty());
    // tina sees OEE, not its copies (no grants copied)
    assert_eq!(
        err(s(&app, "tina").check("tina", "view", "/DW/team/Plant/Line1/OEE (copy)")),
        Outcome::NotFound
    );
    // "copy to" keeps the name
    let c = ok(s(&app, "bob").cp(OEE, Some(PLANT)));
    assert_eq!(c.name, "OEE");
    // into bob's own My Creations: owned by bob
    let c = ok(s(&app, "bob").cp(OEE, Some("/DW/my/bob")));
    assert_eq!(c.owner, "bob");
    // carol copies into bob's Drafts (collaborator editor): owned by bob
    let c = ok(s(&app, "carol").cp(OEE, Some(DRAFTS)));
    assert_eq!(c.owner, "bob");
    assert_eq!(c.creator, "carol");
    // a copy of a long name stays within 64 characters
    let long = "y".repeat(64);
    ok(s(&app, "alice").create(&format!("/DW/team/{long}"), A));
    let c = ok(s(&app, "alice").cp(&format!("/DW/team/{long}"), None));
    assert!(
        c.name.ends_with(" (copy)") && c.name.chars().count() <= 64,
        "{}",
        c.name
    );
}

#[test]
fn r20_copy_needs_view_and_create_and_a_free_name() {
    let app = setup();
    // tina views OEE but cannot create in Line1 (path only)
    refused(&app, Outcome::Denied, || s(&app, "tina").cp(OEE, None));
    // dave views OEE but may not create in Plant (path only)
    refused(&app, Outcome::Denied, || {
        s(&app, "dave").cp(OEE, Some(PLANT))
    });
    // a viewer cannot create copies beside
    ok(s(&app, "alice").share(OEE, "user:frank", "viewer", ""));
    refused(&app, Outcome::Denied, || s(&app, "frank").cp(OEE, None));
    // "copy to" keeps the name: conflict if taken
    ok(s(&app, "bob").cp(OEE, Some(PLANT)));
    refused(&app, Outcome::Conflict, || {
        s(&app, "bob").cp(OEE, Some(PLANT))
    });
    // copying to its own folder keeps the name too, so it is taken
    refused(&app, Outcome::Conflict, || {
        s(&app, "alice").cp(OEE, Some(LINE1))
    });
    // folders are not copied
    refused(&app, Outcome::Invalid, || s(&app, "alice").cp(LINE1, None));
    // frank sees nothing of Drafts
    refused(&app, Outcome::NotFound, || {
        s(&app, "frank").cp(FORECAST, None)
    });
}

// ---------------------------------------------------------------- R21

#[test]
fn r21_admins_create_at_the_root_and_hold_every_action() {
    let app = setup();
    ok(s(&app, "alice").create("/DW/team/Root", A));
    ok(s(&app, "own").create("/DW/team/ByOwner", F));
    for action in ["view", "edit", "rename", "move", "delete", "share", "copy"] {
        assert!(can(&app, "alice", action, OEE), "{action}");
    }
    ok(s(&app, "alice").mv(OEE, "/DW/team"));
    ok(s(&app, "alice").rename("/DW/team/OEE", "OEE2"));
    ok(s(&app, "alice").rm("/DW/team/OEE2"));
}

#[test]
fn r21_others_do_not_create_at_the_root_and_the_root_takes_no_grants() {
    let app = setup();
    // row 7: erin
    refused(&app, Outcome::Denied, || {
        s(&app, "erin").create("/DW/team/X", F)
    });
    // bob (editor in Plant) neither
    refused(&app, Outcome::Denied, || {
        s(&app, "bob").create("/DW/team/X", A)
    });
    // the root takes no grants
    refused(&app, Outcome::Invalid, || {
        s(&app, "alice").share("/DW/team", "group:qa", "viewer", "")
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "alice").unshare("/DW/team", "group:qa")
    });
    assert!(!can(&app, "alice", "delete", "/DW/team"));
}

// ---------------------------------------------------------------- R22

#[test]
fn r22_members_act_by_their_effective_level() {
    let app = setup();
    // bob, editor: create, edit, rename, delete
    ok(s(&app, "bob").create("/DW/team/Plant/Line2", F));
    ok(s(&app, "bob").create("/DW/team/Plant/Line2/Energy", A));
    ok(s(&app, "bob").asset_add("/DW/team/Plant/Line2/Energy", "chart", "kWh"));
    ok(s(&app, "bob").rename("/DW/team/Plant/Line2", "Line3"));
    ok(s(&app, "bob").rm("/DW/team/Plant/Line3/Energy"));
    // a viewer views
    ok(s(&app, "alice").share(PLANT, "user:erin", "viewer", ""));
    assert!(can(&app, "erin", "view", OEE));
    assert_eq!(names_in(&app, "erin", PLANT), vec!["Line1", "Line3"]);
}

#[test]
fn r22_viewers_and_members_without_a_grant_are_refused() {
    let app = setup();
    ok(s(&app, "alice").share(PLANT, "user:erin", "viewer", ""));
    refused(&app, Outcome::Denied, || {
        s(&app, "erin").create("/DW/team/Plant/X", F)
    });
    refused(&app, Outcome::Denied, || s(&app, "erin").rename(OEE, "O"));
    refused(&app, Outcome::Denied, || s(&app, "erin").rm(OEE));
    refused(&app, Outcome::Denied, || {
        s(&app, "erin").asset_add(OEE, "chart", "c")
    });
    // editors do not share
    refused(&app, Outcome::Denied, || {
        s(&app, "bob").share(OEE, "user:erin", "editor", "")
    });
    // a member without a grant does not see the item
    ok(s(&app, "alice").create("/DW/team/Hidden", A));
    refused(&app, Outcome::NotFound, || {
        s(&app, "carol").rename("/DW/team/Hidden", "H")
    });
    assert_eq!(names_in(&app, "carol", "/DW/team"), vec!["Plant"]);
}

// ---------------------------------------------------------------- R23

#[test]
fn r23_admins_move_anywhere_managers_between_their_folders() {
    let app = setup();
    // row 4
    ok(s(&app, "dave").create("/DW/team/Plant/Line1/Cells", F));
    ok(s(&app, "dave").mv(OEE, "/DW/team/Plant/Line1/Cells"));
    assert!(can(&app, "dave", "view", "/DW/team/Plant/Line1/Cells/OEE"));
    // admins: anything, anywhere, root included
    ok(s(&app, "alice").mv(LINE1, "/DW/team"));
    ok(s(&app, "alice").mv("/DW/team/Line1", PLANT));
}

#[test]
fn r23_editors_viewers_and_managers_out_of_their_reach_cannot_move() {
    let app = setup();
    // rows 2 and 3
    refused(&app, Outcome::Denied, || s(&app, "bob").mv(OEE, PLANT));
    refused(&app, Outcome::Denied, || s(&app, "dave").mv(OEE, PLANT));
    // managers cannot move to the root
    refused(&app, Outcome::Denied, || {
        s(&app, "dave").mv(OEE, "/DW/team")
    });
    // row 21: into its own descendant
    refused(&app, Outcome::Conflict, || {
        s(&app, "alice").mv(PLANT, LINE1)
    });
    refused(&app, Outcome::Conflict, || {
        s(&app, "alice").mv(PLANT, PLANT)
    });
    refused(&app, Outcome::Conflict, || s(&app, "dave").mv(LINE1, LINE1));
}

// ---------------------------------------------------------------- R24

#[test]
fn r24_the_owner_moves_an_app_to_team_space_with_its_grants() {
    let app = setup();
    ok(s(&app, "bob").share(FORECAST, "user:dave", "viewer", "look"));
    // row 16
    let it = ok(s(&app, "bob").mv(FORECAST, PLANT));
    assert!(it.space.is_team());
    assert_eq!(it.owner, "bob");
    let g = ok(app.store().grant(it.id, &Subject::User("dave".into()))).unwrap();
    assert_eq!((g.level, g.note.as_str()), (Level::Viewer, "look"));
    // it is a Team Space item now: alice (admin) sees it, qa editors too
    assert!(can(&app, "alice", "view", "/DW/team/Plant/Forecast"));
    assert!(can(&app, "carol", "edit", "/DW/team/Plant/Forecast"));
    assert!(can(&app, "dave", "view", "/DW/team/Plant/Forecast"));
    // an admin owner moves to the root
    ok(s(&app, "alice").create("/DW/my/alice/Mine", A));
    ok(s(&app, "alice").mv("/DW/my/alice/Mine", "/DW/team"));
}

#[test]
fn r24_only_apps_only_the_owner_and_only_where_they_may_create() {
    let app = setup();
    // row 15
    refused(&app, Outcome::Denied, || {
        s(&app, "bob").mv(FORECAST, "/DW/team")
    });
    // folders do not cross spaces
    refused(&app, Outcome::Invalid, || s(&app, "bob").mv(DRAFTS, PLANT));
    // carol is editor in both places, but not the owner
    refused(&app, Outcome::Denied, || {
        s(&app, "carol").mv(FORECAST, PLANT)
    });
    // dave is analyst with a manager grant on Line1 only: his app can go into Line1…
    ok(s(&app, "dave").create("/DW/my/dave/Tool", A));
    // …but not into Plant (path only)
    refused(&app, Outcome::Denied, || {
        s(&app, "dave").mv("/DW/my/dave/Tool", PLANT)
    });
    ok(s(&app, "dave").mv("/DW/my/dave/Tool", LINE1));
}

// ---------------------------------------------------------------- R25

#[test]
fn r25_the_owner_moves_it_back_and_tenant_grants_are_dropped() {
    let app = setup();
    ok(s(&app, "bob").mv(FORECAST, PLANT));
    let moved = "/DW/team/Plant/Forecast";
    ok(s(&app, "alice").share(moved, "tenant:acme", "tenant", ""));
    ok(s(&app, "alice").share(moved, "user:erin", "viewer", ""));
    assert!(can(&app, "tina", "view", moved));
    // row 18
    let it = ok(s(&app, "bob").mv(moved, "/DW/my/bob"));
    assert_eq!(it.space, SpaceRef::my(it.space.ws, "bob"));
    let subjects: Vec<Subject> = ok(app.store().grants_on(it.id))
        .into_iter()
        .map(|g| g.subject)
        .collect();
    assert_eq!(subjects, vec![Subject::User("erin".into())]);
    assert!(
        ok(app.store().granted_items(&Subject::Tenant("acme".into())))
            .iter()
            .all(|id| *id != it.id)
    );
    // and moved to Team Space again, tina still does not see it
    ok(s(&app, "bob").mv("/DW/my/bob/Forecast", PLANT));
    assert_eq!(
        err(s(&app, "tina").check("tina", "view", moved)),
        Outcome::NotFound
    );
}

#[test]
fn r25_only_the_owner_moves_it_back_and_only_to_their_own_space() {
    let app = setup();
    ok(s(&app, "bob").mv(FORECAST, PLANT));
    let moved = "/DW/team/Plant/Forecast";
    // row 17
    refused(&app, Outcome::Denied, || {
        s(&app, "alice").mv(moved, "/DW/my/alice")
    });
    refused(&app, Outcome::Denied, || {
        s(&app, "carol").mv(moved, "/DW/my/carol")
    });
    // an app alice created in Team Space is hers; bob cannot take it to his space
    refused(&app, Outcome::Denied, || {
        s(&app, "bob").mv(OEE, "/DW/my/bob")
    });
}

// ---------------------------------------------------------------- R26

#[test]
fn r26_tenant_users_see_granted_apps_and_their_ancestors() {
    let app = setup();
    // row 8
    assert_eq!(
        tree_of(&app, "tina", "/DW/team"),
        vec![
            ("/DW/team".to_string(), false),
            (PLANT.to_string(), true),
            (LINE1.to_string(), true),
            (OEE.to_string(), false),
        ]
    );
    // a tenant grant on a folder shows the apps below it
    ok(s(&app, "alice").create("/DW/team/Dist", F));
    ok(s(&app, "alice").create("/DW/team/Dist/Sub", F));
    ok(s(&app, "alice").create("/DW/team/Dist/Sub/App1", A));
    ok(s(&app, "alice").share("/DW/team/Dist", "tenant:acme", "tenant", ""));
    assert!(can(&app, "tina", "view", "/DW/team/Dist/Sub/App1"));
    assert!(!can(&app, "tina", "view", "/DW/team/Dist"));
    assert_eq!(names_in(&app, "tina", "/DW/team"), vec!["Dist", "Plant"]);
}

#[test]
fn r26_tenants_only_view_apps_and_only_in_team_space() {
    let app = setup();
    for action in ["edit", "rename", "move", "delete", "share"] {
        assert!(!can(&app, "tina", action, OEE), "{action}");
    }
    refused(&app, Outcome::Denied, || s(&app, "tina").rename(OEE, "X"));
    refused(&app, Outcome::Denied, || {
        s(&app, "tina").asset_add(OEE, "chart", "x")
    });
    // row 9
    assert!(!can(&app, "tina", "view", PLANT));
    // tenant level only for tenants, tenants only at tenant level
    refused(&app, Outcome::Invalid, || {
        s(&app, "alice").share(PLANT, "tenant:acme", "viewer", "")
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "alice").share(PLANT, "group:qa", "tenant", "")
    });
    // a grant to the tenant user directly is refused (tenants reach items only through tenant grants)
    refused(&app, Outcome::Invalid, || {
        s(&app, "alice").share(PLANT, "user:tina", "viewer", "")
    });
    // another tenant's users see nothing
    ok(s(&app, "own").tenant_add("globex"));
    ok(s(&app, "own").user_add("tom", None, Some("globex")));
    assert_eq!(err(s(&app, "tom").ls(Some("/DW/team"))), Outcome::NotFound);
    // a group grant does not reach a tenant user in that group
    ok(s(&app, "own").group_join("qa", "tina"));
    assert!(!can(&app, "tina", "edit", OEE));
    assert!(!can(&app, "tina", "view", LINE1));
}

// ---------------------------------------------------------------- R27

#[test]
fn r27_admins_and_managers_share_in_team_space() {
    let app = setup();
    // dave is manager on Line1
    ok(s(&app, "dave").share(OEE, "user:frank", "viewer", "read only"));
    ok(s(&app, "dave").share(LINE1, "group:qa", "manager", ""));
    ok(s(&app, "dave").share(OEE, "tenant:acme", "tenant", ""));
    ok(s(&app, "dave").unshare(OEE, "user:frank"));
    for level in ["manager", "editor", "viewer"] {
        ok(s(&app, "alice").share(OEE, "user:erin", level, ""));
        let g = ok(app.store().grant(
            ok(s(&app, "alice").resolve_item(OEE)).0.id,
            &Subject::User("erin".into()),
        ))
        .unwrap();
        assert_eq!(g.level.as_str(), level);
        assert_eq!(g.granted_by, "alice");
    }
}

#[test]
fn r27_editors_viewers_and_tenants_do_not_share() {
    let app = setup();
    refused(&app, Outcome::Denied, || {
        s(&app, "bob").share(OEE, "user:frank", "viewer", "")
    });
    refused(&app, Outcome::Denied, || {
        s(&app, "bob").unshare(OEE, "tenant:acme")
    });
    refused(&app, Outcome::Denied, || {
        s(&app, "tina").share(OEE, "tenant:acme", "tenant", "")
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "alice").share(OEE, "user:frank", "owner", "")
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "alice").share(OEE, "robot:x", "viewer", "")
    });
    refused(&app, Outcome::NotFound, || {
        s(&app, "alice").share(OEE, "user:nobody", "viewer", "")
    });
    // A grant that is not there: nothing to revoke, unchanged (README, "Repeats").
    assert_eq!(ok(s(&app, "alice").unshare(OEE, "user:frank")), None);
    refused(&app, Outcome::NotFound, || {
        s(&app, "alice").unshare(OEE, "user:nobody")
    });
}

// ---------------------------------------------------------------- R28

#[test]
fn r28_empty_folders_and_apps_with_their_assets_and_grants_are_deleted() {
    let app = setup();
    ok(s(&app, "alice").create("/DW/team/Plant/Empty", F));
    ok(s(&app, "alice").rm("/DW/team/Plant/Empty"));
    ok(s(&app, "alice").asset_add(OEE, "chart", "Trend"));
    let id = ok(s(&app, "alice").resolve_item(OEE)).0.id;
    ok(s(&app, "dave").rm(OEE)); // manager deletes
    assert!(ok(app.store().assets(id)).is_empty());
    assert!(ok(app.store().grants_on(id)).is_empty());
    assert!(ok(app.store().granted_items(&Subject::Tenant("acme".into()))).is_empty());
    // a new app with the same name starts bare
    let new = ok(s(&app, "alice").create(OEE, A));
    assert!(ok(app.store().assets(new.id)).is_empty());
    assert_eq!(
        err(s(&app, "tina").check("tina", "view", OEE)),
        Outcome::NotFound
    );
    // Line1 and Plant are empty now, bottom up
    ok(s(&app, "alice").rm(OEE));
    ok(s(&app, "alice").rm(LINE1));
    ok(s(&app, "alice").rm(PLANT));
    assert!(names_in(&app, "alice", "/DW/team").is_empty());
}

#[test]
fn r28_a_folder_holding_items_is_not_deleted() {
    let app = setup();
    // row 19
    refused(&app, Outcome::Conflict, || s(&app, "alice").rm(PLANT));
    refused(&app, Outcome::Conflict, || s(&app, "alice").rm(LINE1));
    refused(&app, Outcome::Conflict, || s(&app, "bob").rm(DRAFTS));
    // row 20
    refused(&app, Outcome::NotFound, || s(&app, "frank").rm(PLANT));
}

// ---------------------------------------------------------------- R29

#[test]
fn r29_one_resource_of_each_kind_sysadmins_edit_members_view() {
    let app = setup();
    let w = ok(s(&app, "bob").resources("DW"));
    let kinds: Vec<ResourceKind> = w.resources.keys().copied().collect();
    assert_eq!(
        kinds,
        vec![
            ResourceKind::Influxdb,
            ResourceKind::Postgresql,
            ResourceKind::Fileserver
        ]
    );
    ok(s(&app, "erin").resource_set("DW", "influxdb", "influxdb://plant:8086/x"));
    assert_eq!(
        ok(s(&app, "bob").resources("DW")).resources[&ResourceKind::Influxdb],
        "influxdb://plant:8086/x"
    );
    ok(s(&app, "alice").resource_set("DW", "fileserver", "files://nas/x"));
    // a new workspace gets all three
    let w2 = ok(s(&app, "own").ws_add("W2"));
    assert_eq!(w2.resources.len(), 3);
}

#[test]
fn r29_non_sysadmins_do_not_edit_and_non_members_do_not_view() {
    let app = setup();
    refused(&app, Outcome::Denied, || {
        s(&app, "bob").resource_set("DW", "influxdb", "x://y")
    });
    refused(&app, Outcome::Denied, || {
        s(&app, "carol").resource_set("DW", "postgresql", "x://y")
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "erin").resource_set("DW", "mongodb", "x://y")
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "erin").resource_set("DW", "influxdb", "")
    });
    assert_eq!(err(s(&app, "frank").resources("DW")), Outcome::NotFound);
    // tina sees the workspace (an app in it) but is no member
    assert_eq!(err(s(&app, "tina").resources("DW")), Outcome::Denied);
}

// ---------------------------------------------------------------- R30

#[test]
fn r30_admins_restrict_an_app_from_a_resource_and_it_shows() {
    let app = setup();
    let it = ok(s(&app, "alice").resource_restrict(OEE, "postgresql", true));
    assert!(it.restricted.contains(&ResourceKind::Postgresql));
    let d = ok(s(&app, "bob").detail(&ok(s(&app, "bob").resolve_str(OEE))));
    assert!(d.item.restricted.contains(&ResourceKind::Postgresql));
    let it = ok(s(&app, "alice").resource_restrict(OEE, "postgresql", false));
    assert!(it.restricted.is_empty());
    // every app may use every resource by default
    assert!(ok(s(&app, "alice").resolve_item(OEE))
        .0
        .restricted
        .is_empty());
}

#[test]
fn r30_non_admins_do_not_restrict() {
    let app = setup();
    refused(&app, Outcome::Denied, || {
        s(&app, "bob").resource_restrict(OEE, "influxdb", true)
    });
    refused(&app, Outcome::Denied, || {
        s(&app, "dave").resource_restrict(OEE, "influxdb", true)
    });
    refused(&app, Outcome::NotFound, || {
        s(&app, "erin").resource_restrict(OEE, "influxdb", true)
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "alice").resource_restrict(LINE1, "influxdb", true)
    });
}

// ---------------------------------------------------------------- R31

#[test]
fn r31_datamanagers_manage_integrations_editors_attach() {
    let app = setup();
    let i = ok(s(&app, "carol").integ_add("DW", "plc", "s7", "s7://10.0.0.5", "rack=0"));
    assert_eq!(i.kind, IntegKind::S7);
    let (_, v) = ok(s(&app, "erin").integrations("DW"));
    assert_eq!(v.len(), 1);
    // bob edits OEE (editor via qa): attaches and detaches
    let it = ok(s(&app, "bob").integ_attach(OEE, "plc", true));
    assert!(it.integrations.contains("plc"));
    ok(s(&app, "bob").integ_attach(OEE, "plc", false));
    ok(s(&app, "carol").integ_rm("DW", "plc"));
    assert!(ok(s(&app, "bob").integrations("DW")).1.is_empty());
}

#[test]
fn r31_others_do_not_manage_and_an_integration_in_use_is_kept() {
    let app = setup();
    ok(s(&app, "carol").integ_add("DW", "plc", "s7", "s7://10.0.0.5", ""));
    refused(&app, Outcome::Denied, || {
        s(&app, "bob").integ_add("DW", "mq", "mqtt", "mqtt://x", "")
    });
    refused(&app, Outcome::Denied, || {
        s(&app, "erin").integ_rm("DW", "plc")
    });
    refused(&app, Outcome::Conflict, || {
        s(&app, "carol").integ_add("DW", "plc", "http", "http://x", "")
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "carol").integ_add("DW", "x", "ftp", "ftp://x", "")
    });
    // tina views OEE but may not edit it
    refused(&app, Outcome::Denied, || {
        s(&app, "tina").integ_attach(OEE, "plc", true)
    });
    ok(s(&app, "alice").integ_attach(OEE, "plc", true));
    let e = refused(&app, Outcome::Conflict, || {
        s(&app, "carol").integ_rm("DW", "plc")
    });
    // the message lists the app
    assert!(e.message.contains(OEE), "{e}");
    refused(&app, Outcome::NotFound, || {
        s(&app, "bob").integ_attach(OEE, "nope", true)
    });
}

// ---------------------------------------------------------------- R32

#[test]
fn r32_each_successful_change_appends_one_entry_and_readers_are_checked() {
    let app = setup();
    let before = ok(s(&app, "own").log(None));
    ok(s(&app, "alice").create("/DW/team/Plant/New", A));
    ok(s(&app, "alice").rename("/DW/team/Plant/New", "New2"));
    ok(s(&app, "alice").share("/DW/team/Plant/New2", "user:erin", "viewer", ""));
    let after = ok(s(&app, "own").log(None));
    assert_eq!(after.len(), before.len() + 3);
    // earlier entries unchanged
    assert_eq!(&after[..before.len()], &before[..]);
    let last = after.last().unwrap();
    assert_eq!(last.actor, "alice");
    assert_eq!(last.action, "share");
    assert_eq!(last.outcome, "ok");
    assert!(
        last.target.contains("/DW/team/Plant/New2"),
        "{}",
        last.target
    );
    let seqs: Vec<u64> = after.iter().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    // an admin reads the log of their workspace
    let alice_log = ok(s(&app, "alice").log(Some("DW")));
    assert!(alice_log
        .iter()
        .any(|e| e.target.contains("/DW/team/Plant/New2")));
    let alice_all = ok(s(&app, "alice").log(None));
    assert!(alice_all.iter().all(|e| e.ws.is_some()));
    // reads add nothing
    ok(s(&app, "bob").ls(Some(PLANT)));
    ok(s(&app, "own").check("bob", "view", OEE));
    assert_eq!(ok(s(&app, "own").log(None)).len(), after.len());
}

#[test]
fn r32_failures_add_nothing_non_admins_are_denied_private_targets_masked() {
    let app = setup();
    let n = audit_len(&app);
    let _ = s(&app, "bob").mv(OEE, PLANT);
    let _ = s(&app, "alice").rm(PLANT);
    let _ = s(&app, "frank").rm(PLANT);
    let _ = s(&app, "alice").create("/DW/team/Plant", F);
    assert_eq!(audit_len(&app), n);
    // no-op changes add nothing either
    assert!(!ok(s(&app, "own").group_join("qa", "bob")));
    assert_eq!(audit_len(&app), n);
    // only admins and the owner read the log
    refused(&app, Outcome::Denied, || s(&app, "bob").log(None));
    refused(&app, Outcome::Denied, || s(&app, "erin").log(Some("DW")));
    refused(&app, Outcome::Denied, || s(&app, "carol").log(Some("DW")));
    refused(&app, Outcome::NotFound, || s(&app, "frank").log(Some("DW")));
    // alice reads DW's entries but bob's private item names are masked
    ok(s(&app, "bob").create("/DW/my/bob/Secret plan", A));
    let log = ok(s(&app, "alice").log(Some("DW")));
    assert!(
        log.iter().all(|e| !e.target.contains("Secret plan")),
        "{log:?}"
    );
    assert!(
        log.iter().all(|e| !e.target.contains("Forecast")),
        "{log:?}"
    );
    assert!(log.iter().any(|e| e.target.contains("a private item")));
    // the account owner does not see into My Creations either (R14)
    let log = ok(s(&app, "own").log(None));
    assert!(log.iter().all(|e| !e.target.contains("Secret plan")));
    // a user who sees the item (its owner) reads it unmasked — if an admin
    ok(s(&app, "own").role_grant("DW", "bob", &[Role::Sysadmin, Role::Datamanager]));
    let log = ok(s(&app, "bob").log(Some("DW")));
    assert!(log.iter().any(|e| e.target.contains("Secret plan")));
    // an entry in a workspace alice does not administer is not hers to read
    ok(s(&app, "own").ws_add("W2"));
    ok(s(&app, "own").create("/W2/team/Other", F));
    assert!(ok(s(&app, "alice").log(None))
        .iter()
        .all(|e| !e.target.contains("/W2")));
}

// ---------------------------------------------------------------- §10 order on account changes and grants

#[test]
fn r4_not_found_comes_before_permission_denied_for_account_changes() {
    let app = setup();
    let alice = || s(&app, "alice"); // not the account owner
    refused(&app, Outcome::NotFound, || alice().group_rm("nosuch"));
    refused(&app, Outcome::NotFound, || {
        alice().group_join("nosuch", "bob")
    });
    refused(&app, Outcome::NotFound, || {
        alice().group_join("qa", "nobody")
    });
    refused(&app, Outcome::NotFound, || {
        alice().group_leave("nosuch", "bob")
    });
    refused(&app, Outcome::NotFound, || alice().org_rm("nosuch"));
    refused(&app, Outcome::NotFound, || {
        alice().org_join("nosuch", "bob")
    });
    refused(&app, Outcome::NotFound, || {
        alice().org_leave("emea", "nobody")
    });
    refused(&app, Outcome::NotFound, || {
        alice().org_add("apac", Some("nosuch"))
    });
    refused(&app, Outcome::NotFound, || {
        alice().user_add("gina", None, Some("nosuch"))
    });
    refused(&app, Outcome::NotFound, || alice().ws_rename("Nope", "W"));
    refused(&app, Outcome::NotFound, || {
        alice().role_grant("DW", "nobody", &[Role::Analyst])
    });
    // and permission denied before conflict
    refused(&app, Outcome::Denied, || alice().group_add("qa"));
    refused(&app, Outcome::Denied, || alice().org_add("sales", None));
    refused(&app, Outcome::Denied, || {
        alice().user_add("bob", None, None)
    });
    refused(&app, Outcome::Denied, || alice().ws_add("DW"));
    refused(&app, Outcome::Denied, || alice().ws_rm("DW"));
    refused(&app, Outcome::Denied, || alice().org_rm("sales"));
}

#[test]
fn r26_a_tenant_level_mismatch_is_invalid_even_where_the_item_is_unseen() {
    let app = setup();
    // frank sees nothing: the subject/level pairing is wrong whatever the item (§10)
    refused(&app, Outcome::Invalid, || {
        s(&app, "frank").share(PLANT, "tenant:acme", "viewer", "")
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "frank").share(PLANT, "group:qa", "tenant", "")
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "frank").share("/DW/team/Nope", "tenant:acme", "editor", "")
    });
    // with the right pairing, frank learns only that nothing is there
    refused(&app, Outcome::NotFound, || {
        s(&app, "frank").share(PLANT, "tenant:acme", "tenant", "")
    });
    // an admin shares with the right pairing
    ok(s(&app, "alice").share(PLANT, "tenant:acme", "tenant", ""));
}

#[test]
fn r32_entries_naming_a_private_path_stay_masked_after_the_item_leaves_it() {
    let app = setup();
    // R24: bob moves Forecast out of his Drafts into Team Space
    ok(s(&app, "bob").mv(FORECAST, PLANT));
    assert!(can(&app, "alice", "view", "/DW/team/Plant/Forecast"));
    // alice (admin) now sees the app, but not bob's Drafts: no entry names it
    let log = ok(s(&app, "alice").log(Some("DW")));
    assert!(log.iter().all(|e| !e.target.contains("Drafts")), "{log:#?}");
    let mv = log.iter().find(|e| e.action == "mv").unwrap();
    assert!(mv.target.contains("a private item"), "{}", mv.target);
    // bob, once an admin, reads his own entries in full
    ok(s(&app, "own").role_grant("DW", "bob", &[Role::Sysadmin, Role::Datamanager]));
    let log = ok(s(&app, "bob").log(Some("DW")));
    let mv = log.iter().find(|e| e.action == "mv").unwrap();
    assert_eq!(mv.target, "/DW/my/bob/Drafts/Forecast -> /DW/team/Plant");
    // carol, a collaborator on Drafts and an admin, still reads entries of items shared with her
    ok(s(&app, "own").role_grant("DW", "carol", &[Role::Sysadmin]));
    ok(s(&app, "bob").create("/DW/my/bob/Drafts/Plan", A));
    let log = ok(s(&app, "carol").log(Some("DW")));
    assert!(
        log.iter().any(|e| e.target == "/DW/my/bob/Drafts/Plan"),
        "{log:#?}"
    );
}

// ---------------------------------------------------------------- more inheritance, visibility and consistency

#[test]
fn r10_a_grant_to_a_unit_covers_every_level_below_it() {
    let app = setup();
    let own = || s(&app, "own");
    ok(own().org_add("company", None));
    ok(own().org_add("field", Some("emea")));
    ok(own().user_add("fay", None, None));
    ok(own().org_join("field", "fay"));
    // sales > emea > field: the org:sales manager grant on Line1 reaches fay
    let (d, _) = ok(own().explain("fay", OEE));
    assert_eq!(d.level, Some(Level::Manager));
    assert_eq!(
        d.grants[0].via,
        Via::Org {
            unit: "sales".into(),
            member_of: "field".into()
        }
    );
    // leaving the unit takes it away
    ok(own().org_leave("field", "fay"));
    assert_eq!(ok(own().explain("fay", OEE)).0.level, None);
    // a group's grant goes with the membership too
    ok(own().group_leave("qa", "bob"));
    assert_eq!(
        err(s(&app, "bob").check("bob", "view", OEE)),
        Outcome::NotFound
    );
}

#[test]
fn r11_every_ancestor_of_a_deep_item_is_path_only() {
    let app = setup();
    let alice = || s(&app, "alice");
    ok(alice().create("/DW/team/A", F));
    ok(alice().create("/DW/team/A/B", F));
    ok(alice().create("/DW/team/A/B/C", F));
    ok(alice().create("/DW/team/A/B/C/Deep", A));
    ok(alice().create("/DW/team/A/B/Other", A));
    ok(alice().share("/DW/team/A/B/C/Deep", "user:erin", "viewer", ""));
    let t = tree_of(&app, "erin", "/DW/team/A");
    assert_eq!(
        t,
        vec![
            ("/DW/team/A".to_string(), true),
            ("/DW/team/A/B".to_string(), true),
            ("/DW/team/A/B/C".to_string(), true),
            ("/DW/team/A/B/C/Deep".to_string(), false),
        ]
    );
    refused(&app, Outcome::NotFound, || {
        s(&app, "erin").rename("/DW/team/A/B/Other", "X")
    });
    refused(&app, Outcome::Denied, || {
        s(&app, "erin").rename("/DW/team/A/B", "X")
    });
}

#[test]
fn r19_renamed_and_moved_folders_show_at_once_in_paths_and_inheritance() {
    let app = setup();
    // rename Plant: every path below it follows, grants still inherited
    ok(s(&app, "alice").rename(PLANT, "Factory"));
    let oee = "/DW/team/Factory/Line1/OEE";
    assert_eq!(err(s(&app, "bob").ls(Some(PLANT))), Outcome::NotFound);
    let (d, lines) = ok(s(&app, "own").explain("dave", oee));
    assert_eq!(&*d.grants[0].on, "/DW/team/Factory/Line1");
    assert!(lines.join("\n").contains("on /DW/team/Factory/Line1"));
    assert!(can(&app, "bob", "edit", oee));
    // move Line1 to the root: qa's grant on Factory no longer reaches OEE
    ok(s(&app, "alice").mv("/DW/team/Factory/Line1", "/DW/team"));
    assert_eq!(
        err(s(&app, "bob").check("bob", "view", "/DW/team/Line1/OEE")),
        Outcome::NotFound
    );
    assert!(can(&app, "dave", "share", "/DW/team/Line1/OEE"));
    assert!(can(&app, "tina", "view", "/DW/team/Line1/OEE"));
    // a deleted and re-created name is a new item without the old grants
    ok(s(&app, "alice").rm("/DW/team/Line1/OEE"));
    ok(s(&app, "alice").create("/DW/team/Line1/OEE", A));
    assert_eq!(err(s(&app, "tina").ls(Some("/DW/team"))), Outcome::NotFound);
    // a refused change leaves every read as it was
    refused(&app, Outcome::Conflict, || {
        s(&app, "alice").mv("/DW/team/Line1", "/DW/team/Line1")
    });
    assert!(can(&app, "dave", "view", "/DW/team/Line1/OEE"));
}

#[test]
fn r26_apps_added_under_a_tenant_folder_later_are_seen_and_removed_ones_are_not() {
    let app = setup();
    let alice = || s(&app, "alice");
    ok(alice().create("/DW/team/Dist", F));
    ok(alice().share("/DW/team/Dist", "tenant:acme", "tenant", ""));
    // an empty granted folder shows nothing to the tenant
    assert_eq!(names_in(&app, "tina", "/DW/team"), vec!["Plant"]);
    ok(alice().create("/DW/team/Dist/Later", A));
    assert!(can(&app, "tina", "view", "/DW/team/Dist/Later"));
    assert_eq!(names_in(&app, "tina", "/DW/team"), vec!["Dist", "Plant"]);
    ok(alice().rm("/DW/team/Dist/Later"));
    assert_eq!(names_in(&app, "tina", "/DW/team"), vec!["Plant"]);
    // unsharing takes it away
    ok(alice().unshare(OEE, "tenant:acme"));
    assert_eq!(err(s(&app, "tina").ls(Some("/DW/team"))), Outcome::NotFound);
}

#[test]
fn r31_datamanagers_edit_an_integration_and_others_may_not() {
    let app = setup();
    ok(s(&app, "carol").integ_add("DW", "plc", "s7", "s7://10.0.0.5", "rack=0"));
    let i = ok(s(&app, "carol").integ_edit("DW", "plc", Some("s7://10.0.0.6"), None));
    assert_eq!(
        (i.endpoint.as_str(), i.settings.as_str()),
        ("s7://10.0.0.6", "rack=0")
    );
    let (_, v) = ok(s(&app, "erin").integrations("DW"));
    assert_eq!(v[0].endpoint, "s7://10.0.0.6");
    refused(&app, Outcome::Denied, || {
        s(&app, "bob").integ_edit("DW", "plc", Some("s7://x"), None)
    });
    refused(&app, Outcome::NotFound, || {
        s(&app, "carol").integ_edit("DW", "nope", Some("s7://x"), None)
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "carol").integ_edit("DW", "plc", None, None)
    });
    refused(&app, Outcome::Invalid, || {
        s(&app, "carol").integ_edit("DW", "plc", Some("a\u{1b}[2J"), None)
    });
}
