//! Issue 23, items 1-3: the cases found, each as a person met it on the demo
//! store (R29, R31, R32, R33, R34, R35). The random worlds of the same
//! promises are `read_oracle`.

use treeward::app::{App, Caller, Reply, Request};
use treeward::tui::keys::{Input, Key, KeyCode};
use treeward::tui::theme::Theme;
use treeward::tui::{buffer_text, render_test, KeyMap, Ui};

const DW: &str = "/Default Workspace/team";

fn demo() -> App {
    let app = App::in_memory();
    app.demo("root").unwrap();
    app
}

fn exec(app: &App, login: &str, req: Request) -> treeward::domain::Result<Reply> {
    let l = login.to_string();
    app.execute(Caller::new(&|| Ok(l.clone())), req)
}

fn ui<'a>(app: &'a App, login: &str) -> Ui<'a> {
    Ui::new(
        app,
        login,
        KeyMap::default(),
        Theme::load(None).unwrap(),
        false,
    )
    .unwrap()
}

fn key(ui: &mut Ui, c: KeyCode) {
    ui.handle(Input::Key(Key {
        code: c,
        ctrl: false,
        alt: false,
    }));
}

fn screen(ui: &mut Ui) -> String {
    buffer_text(&render_test(ui, 160, 50))
}

/// Selects the row of the tree named `name` (expanding as it goes down).
fn select(ui: &mut Ui, name: &str) {
    while ui.focus != treeward::tui::model::Focus::Tree {
        key(ui, KeyCode::Tab);
    }
    key(ui, KeyCode::Char('g'));
    for _ in 0..200 {
        let Some(n) = ui.tree.selected_node() else {
            break;
        };
        if n.data.name == name {
            return;
        }
        if n.expandable() && !n.expanded {
            key(ui, KeyCode::Char('l'));
        }
        let before = ui.tree.selected();
        key(ui, KeyCode::Char('j'));
        if ui.tree.selected() == before {
            break;
        }
    }
    panic!("no row {name}:\n{}", screen(ui));
}

/// Every tab of the selected row, one after another.
fn tabs(ui: &mut Ui) -> String {
    let mut all = String::new();
    for _ in 0..4 {
        all.push_str(&screen(ui));
        key(ui, KeyCode::Char(']'));
    }
    all
}

/// Item 1: tina (a tenant user in no workspace) is shown no member, role,
/// resource or integration of the Default Workspace in the UI, as the
/// command line refuses her `resource ls` (R29, R31, R33, R34).
#[test]
fn item1_r34_a_tenant_users_ui_shows_no_members_resources_or_integrations() {
    let app = demo();
    let mut u = ui(&app, "tina");
    let mut seen = String::new();
    for row in ["Sales", "OEE"] {
        select(&mut u, row);
        seen.push_str(&tabs(&mut u));
    }
    for secret in [
        "alice",
        "erin",
        "sysadmin",
        "tsdb.plant.local",
        "internal:5432",
        "erp.example.com",
        "mes.plant.local",
        "MES",
        "Line sensors",
    ] {
        assert!(!seen.contains(secret), "tina is shown {secret}:\n{seen}");
    }
    assert!(seen.contains("R34"), "the tab says why, in place:\n{seen}");
    let refused = exec(
        &app,
        "tina",
        Request::ResourceLs {
            ws: "Default Workspace".into(),
        },
    );
    assert!(refused.is_err());
}

/// Item 2: root renames a folder bob cannot see and moves an app out of it
/// into one he can; bob's status line and the app's Activity tab say only
/// that it changed, by its path now; tina's Activity of OEE names nothing
/// she cannot see (R32, R35).
#[test]
fn item2_r35_others_changes_reach_a_reader_only_as_that_an_item_they_view_changed() {
    let app = demo();
    let mut bob = ui(&app, "bob");
    let since = app.last_seq();
    exec(
        &app,
        "root",
        Request::Rename {
            path: format!("{DW}/Archive"),
            new_name: "Secret-X".into(),
        },
    )
    .unwrap();
    exec(
        &app,
        "root",
        Request::Mv {
            path: format!("{DW}/Secret-X/Legacy KPIs"),
            dest: format!("{DW}/Plant"),
        },
    )
    .unwrap();
    let changes: Vec<_> = app
        .store()
        .audit_all()
        .unwrap()
        .into_iter()
        .filter(|e| e.seq > since)
        .collect();
    treeward::tui::others_changed(&app, &mut bob, changes);
    let status = screen(&mut bob);
    assert!(
        !status.contains("Secret-X") && !status.contains("Archive"),
        "{status}"
    );
    assert!(
        status.contains("changed: /Default Workspace/team/Plant/Legacy KPIs"),
        "{status}"
    );
    select(&mut bob, "Legacy KPIs");
    let seen = tabs(&mut bob);
    assert!(
        !seen.contains("Secret-X") && !seen.contains("Archive"),
        "{seen}"
    );
    key(&mut bob, KeyCode::Char('!'));
    let history = screen(&mut bob);
    assert!(
        !history.contains("Secret-X") && !history.contains("root: mv"),
        "{history}"
    );

    let mut tina = ui(&app, "tina");
    select(&mut tina, "OEE");
    let seen = tabs(&mut tina);
    assert!(
        !seen.contains("Line2") && !seen.contains("Quality") && !seen.contains("  root    "),
        "{seen}"
    );
    assert!(
        seen.contains("R35"),
        "the Activity tab says whose it is:\n{seen}"
    );
}

/// Item 3: tina reads the grants of Line1 nowhere — not by `grants ls`, nor
/// `who`, nor `explain dave` — and of the account's people only herself and
/// her tenant (R33, R34).
#[test]
fn item3_r33_r34_people_and_grants_are_read_alike_on_every_surface() {
    let app = demo();
    let line1 = format!("{DW}/Plant/Line1");
    for req in [
        Request::GrantsLs {
            path: Some(line1.clone()),
            subject: None,
            recursive: false,
        },
        Request::Who {
            path: line1.clone(),
            level: None,
            via: None,
        },
        Request::Explain {
            login: "dave".into(),
            path: line1.clone(),
        },
        Request::Check {
            login: "dave".into(),
            action: "view".into(),
            path: line1.clone(),
            to: None,
        },
        Request::RoleLs {
            ws: "Default Workspace".into(),
        },
    ] {
        let r = exec(&app, "tina", req.clone());
        assert!(r.is_err(), "{req:?} answered tina: {r:?}");
        assert!(!format!("{r:?}").contains("org:sales"), "{r:?}");
    }
    // dave is a person tina may not read: as absent as a user who does not exist.
    let dave = exec(
        &app,
        "tina",
        Request::Explain {
            login: "dave".into(),
            path: format!("{line1}/OEE"),
        },
    );
    let nobody = exec(
        &app,
        "tina",
        Request::Explain {
            login: "nobody".into(),
            path: format!("{line1}/OEE"),
        },
    );
    assert_eq!(
        dave.unwrap_err().to_string(),
        nobody.unwrap_err().to_string().replace("nobody", "dave")
    );
    let Ok(Reply::Users(users)) = exec(&app, "tina", Request::UserLs) else {
        panic!()
    };
    assert_eq!(
        users.iter().map(|u| u.login.as_str()).collect::<Vec<_>>(),
        ["tina"]
    );
    let Ok(Reply::Groups(groups)) = exec(&app, "tina", Request::GroupLs) else {
        panic!()
    };
    assert!(groups.is_empty(), "{groups:?}");
    let Ok(Reply::Orgs(orgs)) = exec(&app, "tina", Request::OrgLs) else {
        panic!()
    };
    assert!(orgs.is_empty(), "{orgs:?}");
    let Ok(Reply::Tenants(tenants)) = exec(&app, "tina", Request::TenantLs) else {
        panic!()
    };
    assert_eq!(tenants, ["acme"]);
    // Her own level on OEE, and that it comes from her tenant, she reads.
    let Ok(Reply::Explained { lines, .. }) = exec(
        &app,
        "tina",
        Request::Explain {
            login: "tina".into(),
            path: format!("{line1}/OEE"),
        },
    ) else {
        panic!()
    };
    assert!(lines.join("\n").contains("tenant:acme"), "{lines:?}");
    // A member reads them all (R33, R34).
    assert!(exec(
        &app,
        "bob",
        Request::Who {
            path: line1.clone(),
            level: None,
            via: None
        }
    )
    .is_ok());
    let Ok(Reply::Users(users)) = exec(&app, "bob", Request::UserLs) else {
        panic!()
    };
    assert!(users.len() > 10);
}
