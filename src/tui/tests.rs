//! TestBackend tests of each pane and dialog, asserting on rendered cells.
//! They drive the UI through the same commands and keys the terminal does.

use ratatui::style::Modifier;

use super::keys::{Key, KeyCode};
use super::model::{Focus, Tab};
use super::theme::Theme;
use super::*;
use crate::app::App;

const DW: &str = "/Default Workspace/team";

fn demo() -> App {
    let a = App::in_memory();
    a.demo("root").unwrap();
    a
}

fn ui_as<'a>(app: &'a App, login: &str) -> Ui<'a> {
    let mut u = Ui::new(
        app,
        login,
        KeyMap::default(),
        Theme::load(None).unwrap(),
        false,
    )
    .unwrap();
    select_ws(&mut u, "Default Workspace");
    u
}

fn select_ws(u: &mut Ui, name: &str) {
    u.workspaces.sel = u
        .workspaces
        .items
        .iter()
        .position(|w| w.name == name)
        .expect("workspace listed");
    u.spaces.sel = 0;
    u.load_spaces().unwrap();
}

/// A frame as a person reads it once the inputs settled: a what-if the UI
/// would wait for (one took over `whatif::SLOW` on a loaded machine) is
/// asked first, as the event loop asks it after `whatif::SETTLE`.
fn screen(u: &mut Ui, w: u16, h: u16) -> String {
    if u.whatif_due().is_some() {
        u.settle_whatif();
    }
    buffer_text(&render_test(u, w, h))
}

fn keys(u: &mut Ui, s: &str) {
    for c in s.chars() {
        u.handle_key(Key::ch(c));
    }
}

fn press(u: &mut Ui, code: KeyCode) {
    u.handle_key(Key::plain(code));
}

/// Selects an item by path (expanding its folders), as search does.
fn select(u: &mut Ui, path: &str) {
    let id = u.sess.resolve_str(path).unwrap().item().unwrap().id;
    u.reveal(id);
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some(path),
        "selected {path}"
    );
}

/// The grants set on the item at `path`, as the account owner reads them.
fn grants_on(app: &App, path: &str) -> Vec<crate::domain::Grant> {
    let s = app.session("root").unwrap();
    let (it, _) = s.resolve_item(path).unwrap();
    s.grants_of(&it).unwrap()
}

fn message(u: &Ui) -> String {
    u.messages
        .current()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

/// The row of the screen holding `text`.
fn row_of(s: &str, text: &str) -> usize {
    s.lines()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no row with {text:?} in\n{s}"))
}

#[test]
fn layout_shows_every_pane_and_the_status_bar() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let s = screen(&mut u, 120, 35);
    for want in [
        "Workspaces",
        "Default Workspace",
        "Plant Ops",
        "Spaces",
        "Team Space",
        "My Creations",
        "Shared with me",
    ] {
        assert!(s.contains(want), "{want} missing in\n{s}");
    }
    assert!(s.contains("Default Workspace › Team Space"), "{s}");
    assert!(
        s.contains(" Info │ Permissions │ Activity │ Workspace "),
        "{s}"
    );
    let narrow = screen(&mut u, 100, 35);
    assert!(
        narrow.contains(" Info │ Perms │ Log │ WS "),
        "short tab titles when narrow: {narrow}"
    );
    let last = s.lines().last().unwrap();
    assert!(
        last.contains("n new-folder") && last.contains("? help"),
        "hints from the key table: {last}"
    );
    assert!(
        s.lines().nth(33).unwrap().contains("root"),
        "acting user in the status bar"
    );
}

#[test]
fn r3_tree_lists_folders_first_then_apps_and_expands_lazily() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let s = screen(&mut u, 120, 35);
    let (plant, quality, welcome) = (
        row_of(&s, "■ Plant"),
        row_of(&s, "■ Quality"),
        row_of(&s, "◆ Welcome"),
    );
    assert!(plant < quality && quality < welcome, "{s}");
    let before = u.tree.nodes.len();
    select(&mut u, &format!("{DW}/Plant"));
    assert_eq!(
        u.tree.nodes.len(),
        before,
        "nothing loaded before expanding"
    );
    u.focus = Focus::Tree;
    press(&mut u, KeyCode::Right);
    assert!(u.tree.nodes.len() > before, "children loaded on expand");
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("▾ ■ Plant"), "{s}");
    assert!(s.contains("  ▸ ■ Line1"), "children indented: {s}");
    keys(&mut u, "h"); // to the parent
    keys(&mut u, "h"); // collapse
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("▸ ■ Plant") && !s.contains("Line1"), "{s}");
}

#[test]
fn apps_expand_to_their_assets() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    u.run(Cmd::Toggle);
    let s = screen(&mut u, 120, 35);
    for a in ["▦ Shift overview", "◔ Availability", "≡ Machine states"] {
        assert!(s.contains(a), "{a} in\n{s}");
    }
}

#[test]
fn r11_path_only_ancestors_are_dimmed_and_grant_nothing() {
    let app = demo();
    let mut u = ui_as(&app, "bob");
    let buf = render_test(&mut u, 120, 35);
    let s = buffer_text(&buf);
    let y = row_of(&s, "Quality") as u16;
    let x = s.lines().nth(y as usize).unwrap().find("Quality").unwrap();
    let x = s.lines().nth(y as usize).unwrap()[..x].chars().count() as u16;
    assert!(
        s.lines().nth(y as usize).unwrap().contains("path only"),
        "{s}"
    );
    // Quality is not the selected row: its name is drawn in the dim colour.
    assert_ne!(
        u.tree.selected_path().as_deref(),
        Some("/Default Workspace/team/Quality")
    );
    assert_eq!(buf[(x, y)].fg, u.theme.dim);
    select(&mut u, &format!("{DW}/Quality"));
    u.run(Cmd::Rename);
    assert!(u.dialog().is_none(), "no dialog for a refused action");
    assert!(message(&u).contains("R11"), "{}", message(&u));
}

#[test]
fn detail_info_tab_shows_item_and_actions_with_reasons() {
    let app = demo();
    let mut u = ui_as(&app, "bob");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    let s = screen(&mut u, 140, 45);
    assert!(s.contains("app  OEE"), "{s}");
    assert!(s.contains("owner"), "{s}");
    assert!(s.contains("Resources (R30)"), "{s}");
    assert!(s.contains("✓ r   rename"), "{s}");
    assert!(s.contains("✗ m   move"), "move disabled for an editor: {s}");
    assert!(s.contains("R23"), "with the rule's reason: {s}");
}

#[test]
fn r13_permissions_tab_explains_the_effective_level() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    u.detail.tab = Tab::Permissions;
    let s = screen(&mut u, 220, 50);
    assert!(s.contains("Grants on this item"), "{s}");
    assert!(s.contains("Inherited (R10)"), "{s}");
    assert!(
        s.contains("from /Default Workspace/team/Plant"),
        "inherited with its folder: {s}"
    );
    assert!(s.contains("Effective level of root"), "{s}");
    // Inspecting dave: the explanation is his.
    u.inspect = Some(ui::Inspecting {
        login: "dave".into(),
        sess: app.session("dave").unwrap(),
    });
    u.refresh();
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    u.detail.tab = Tab::Permissions;
    let s = screen(&mut u, 220, 50);
    assert!(s.contains("Effective level of dave"), "{s}");
    assert!(
        s.contains("dave on /Default Workspace/team/Plant/Line1/OEE: manager"),
        "{s}"
    );
}

#[test]
fn activity_and_workspace_tabs() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Plant"));
    u.focus = Focus::Detail;
    keys(&mut u, "l");
    assert_eq!(u.detail.tab, Tab::Permissions);
    keys(&mut u, "l");
    let s = screen(&mut u, 120, 35);
    // R32: in words, newest first, without the path on every line.
    assert!(
        s.contains("Activity (R32, R35)") && s.contains("created the folder"),
        "{s}"
    );
    assert!(!s.contains("mkdir"), "{s}");
    keys(&mut u, "l");
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("Members") && s.contains("★ alice"), "{s}");
    assert!(s.contains("influxdb"), "{s}");
}

#[test]
fn new_folder_dialog_creates_and_selects() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Plant"));
    keys(&mut u, "n");
    let s = screen(&mut u, 100, 30);
    assert!(
        s.contains("New folder") && s.contains("In /Default Workspace/team/Plant"),
        "{s}"
    );
    keys(&mut u, "Line3");
    let s = screen(&mut u, 100, 30);
    assert!(s.contains("Line3"), "typed text shown: {s}");
    press(&mut u, KeyCode::Enter);
    assert!(u.dialog().is_none(), "{:?}", message(&u));
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some("/Default Workspace/team/Plant/Line3")
    );
    assert!(message(&u).contains("created folder Line3"));
}

#[test]
fn r1_a_taken_name_keeps_the_dialog_open_with_the_reason() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Plant/Line2"));
    keys(&mut u, "r");
    press(&mut u, KeyCode::End);
    for _ in 0..5 {
        press(&mut u, KeyCode::Backspace);
    }
    keys(&mut u, "Line1");
    press(&mut u, KeyCode::Enter);
    let s = screen(&mut u, 100, 30);
    assert!(u.dialog().is_some(), "dialog stays open");
    assert!(s.contains("conflict") && s.contains("R1"), "{s}");
    press(&mut u, KeyCode::Esc);
    assert!(u.dialog().is_none());
}

#[test]
fn rename_dialog_renames() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Welcome"));
    keys(&mut u, "r");
    let s = screen(&mut u, 100, 30);
    assert!(s.contains("Rename app") && s.contains("Welcome"), "{s}");
    u.handle_key(Key::ctrl('u'));
    keys(&mut u, "Start");
    press(&mut u, KeyCode::Enter);
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some("/Default Workspace/team/Start")
    );
}

#[test]
fn r23_move_picker_offers_only_allowed_destinations() {
    let app = demo();
    // dave: manager on Line1 (through org sales), not on Plant.
    let mut u = ui_as(&app, "dave");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    keys(&mut u, "m");
    let s = screen(&mut u, 110, 35);
    assert!(s.contains("Move OEE"), "{s}");
    let d = u.dialog().unwrap();
    let dialog::Body::Pick(p) = &d.body else {
        panic!()
    };
    let offered: Vec<&str> = p.items.iter().map(|i| i.value.as_str()).collect();
    assert!(
        offered.contains(&"/Default Workspace/team/Plant/Line1/Cells"),
        "{offered:?}"
    );
    assert!(
        !offered.contains(&"/Default Workspace/team/Plant"),
        "R23: not manager on Plant: {offered:?}"
    );
    assert!(
        !offered.contains(&"/Default Workspace/team"),
        "R21: not admin: {offered:?}"
    );
    keys(&mut u, "Cells");
    press(&mut u, KeyCode::Enter);
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some("/Default Workspace/team/Plant/Line1/Cells/OEE"),
        "{:?}",
        message(&u)
    );
}

#[test]
fn r23_editor_gets_move_refused_with_the_reason() {
    let app = demo();
    let mut u = ui_as(&app, "bob");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    keys(&mut u, "m");
    assert!(u.dialog().is_none());
    let m = message(&u);
    // One line to "you": the standing, what moving needs, the rule, whom to ask.
    assert!(
        m.starts_with("You can't move OEE: you are editor through group:qa on /Plant")
            && m.contains("moving needs manager")
            && m.contains("(R23)")
            && m.contains("Ask alice"),
        "{m}"
    );
    assert!(!m.contains("this user"), "{m}");
    let s = screen(&mut u, 120, 35);
    assert!(
        s.contains("You can't move OEE"),
        "shown in the status bar: {s}"
    );
}

#[test]
fn delete_asks_and_deletes_an_app() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Welcome"));
    keys(&mut u, "d");
    let s = screen(&mut u, 110, 30);
    assert!(
        s.contains("Delete app") && s.contains("with its dashboards"),
        "{s}"
    );
    keys(&mut u, "y");
    assert!(message(&u).contains("deleted"), "{}", message(&u));
    assert!(u.sess.resolve_str(&format!("{DW}/Welcome")).is_err());
}

#[test]
fn r28_delete_of_a_non_empty_folder_is_refused_before_any_dialog() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Plant"));
    keys(&mut u, "d");
    assert!(u.dialog().is_none());
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("Can't delete Plant: "), "{s}");
    assert!(message(&u).contains("R28"));
}

#[test]
fn r27_share_dialog_picks_subject_level_and_note() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Sales"));
    keys(&mut u, "s");
    let s = screen(&mut u, 110, 40);
    assert!(
        s.contains("Share Sales") && s.contains("user:alice") && s.contains("tenant:acme"),
        "{s}"
    );
    keys(&mut u, "group:qa");
    press(&mut u, KeyCode::Enter);
    let s = screen(&mut u, 110, 40);
    assert!(s.contains("manager") && s.contains("viewer"), "{s}");
    keys(&mut u, "edit");
    press(&mut u, KeyCode::Enter);
    let s = screen(&mut u, 110, 40);
    assert!(s.contains("Note"), "{s}");
    keys(&mut u, "QA reads sales");
    press(&mut u, KeyCode::Enter);
    assert!(message(&u).contains("shared"), "{}", message(&u));
    let g = grants_on(&app, &format!("{DW}/Sales"));
    assert!(g
        .iter()
        .any(|g| g.subject.to_string() == "group:qa" && g.level == crate::domain::Level::Editor));
    // Unshare it again.
    keys(&mut u, "u");
    keys(&mut u, "group:qa");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "y");
    assert!(message(&u).contains("removed the grant"), "{}", message(&u));
}

#[test]
fn r16_share_in_my_creations_offers_no_tenant_and_no_manager() {
    let app = demo();
    let mut u = ui_as(&app, "bob");
    u.spaces.sel = u
        .spaces
        .items
        .iter()
        .position(|s| s.label() == "My Creations")
        .unwrap();
    u.load_tree().unwrap();
    select(&mut u, "/Default Workspace/my/bob/Drafts");
    keys(&mut u, "s");
    let s = screen(&mut u, 110, 40);
    assert!(!s.contains("tenant:"), "{s}");
    keys(&mut u, "user:carol");
    press(&mut u, KeyCode::Enter);
    let s = screen(&mut u, 110, 40);
    assert!(s.contains("editor") && !s.contains("manager"), "{s}");
}

#[test]
fn r26_inspect_as_tenant_shows_only_tenant_apps() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    keys(&mut u, "i");
    let s = screen(&mut u, 110, 40);
    assert!(s.contains("Inspect as") && s.contains("tina"), "{s}");
    keys(&mut u, "tina");
    press(&mut u, KeyCode::Enter);
    assert_eq!(u.inspect.as_ref().map(|i| i.login.as_str()), Some("tina"));
    // Open every folder to see the whole space as tina.
    for _ in 0..20 {
        u.tree.to_top();
        for r in 0..u.tree.rows.len() {
            u.tree.sel = r;
            u.run(Cmd::Expand);
        }
    }
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("inspecting tina"), "{s}");
    assert!(
        s.contains("◆ OEE") && s.contains("◆ Customer portal"),
        "{s}"
    );
    for hidden in [
        "Welcome",
        "Quality",
        "Archive",
        "Energy",
        "Maintenance planner",
    ] {
        assert!(!s.contains(hidden), "{hidden} must not show for tina:\n{s}");
    }
    assert!(s.contains("path only"), "ancestors as path only: {s}");
    assert!(
        !s.contains("My Creations"),
        "R9: no My Creations for tenant users: {s}"
    );
    press(&mut u, KeyCode::Esc);
    assert!(u.inspect.is_none());
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("Welcome"), "{s}");
}

#[test]
fn r14_inspection_never_reveals_what_the_actor_cannot_see() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    u.inspect = Some(ui::Inspecting {
        login: "bob".into(),
        sess: app.session("bob").unwrap(),
    });
    u.refresh();
    let labels: Vec<String> = u.spaces.items.iter().map(|s| s.label()).collect();
    assert!(
        !labels.contains(&"My Creations".to_string()),
        "root cannot see bob's My Creations: {labels:?}"
    );
    for s in &u.spaces.items {
        if let model::SpaceChoice::Shared(v) = s {
            assert!(v.is_empty(), "{v:?}");
        }
    }
    for (i, _) in u.spaces.items.clone().iter().enumerate() {
        u.spaces.sel = i;
        u.load_tree().unwrap();
        let s = screen(&mut u, 120, 35);
        assert!(!s.contains("Drafts") && !s.contains("Forecast"), "{s}");
    }
}

#[test]
fn search_jumps_to_a_match_with_its_path() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    keys(&mut u, "/");
    keys(&mut u, "machine");
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("Search"), "{s}");
    keys(&mut u, "\u{8}"); // not a key we send; harmless
    let d = u.dialog_mut().unwrap();
    if let dialog::Body::Pick(p) = &mut d.body {
        p.query = "oee".into();
        p.refilter();
    }
    let s = screen(&mut u, 120, 35);
    assert!(
        s.contains("/Default Workspace/team/Plant/Line1/OEE"),
        "matches with their paths: {s}"
    );
    press(&mut u, KeyCode::Enter);
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some("/Default Workspace/team/Plant/Line1/OEE")
    );
}

/// "/OEE⏎" typed faster than the names of the space are gathered (over
/// SSH, on a loaded machine): the Enter is kept, and the search jumps to
/// the first match once the names arrive.
#[test]
fn search_enter_before_the_names_arrive_jumps_when_they_do() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    keys(&mut u, "/");
    let names = match &mut u.dialog_mut().unwrap().body {
        dialog::Body::Pick(p) => {
            // As if the worker had not answered yet.
            p.gathering = true;
            let names = std::mem::take(&mut p.items);
            p.refilter();
            names
        }
        _ => panic!("the search is a picker"),
    };
    keys(&mut u, "OEE");
    press(&mut u, KeyCode::Enter);
    assert!(
        u.dialog_mut().is_some(),
        "nothing to jump to yet: the search stays"
    );
    u.show_search(names);
    assert!(u.dialog_mut().is_none(), "the kept Enter chose the match");
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some("/Default Workspace/team/Plant/Line1/OEE")
    );
}

#[test]
fn help_lists_every_key_of_the_focused_pane_first_then_every_layer() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    keys(&mut u, "?");
    let first = screen(&mut u, 120, 60);
    assert!(first.contains("Keys: Tree first"), "{first}");
    // Scrolled to its end, help has shown every key of every pane and layer.
    let mut seen = first.clone();
    for _ in 0..120 {
        keys(&mut u, "j");
        seen.push_str(&screen(&mut u, 120, 60));
    }
    // Issue 16, item 11: help teaches the model too, after the pane's keys.
    for said in [
        "Legend",
        "manager  also moves and shares (R23, R27)",
        "path only  seen only as the way to an item below it",
        "R-numbers name the rule",
        "▸ ◎ space",
    ] {
        assert!(seen.contains(said), "{said:?} in the legend:\n{seen}");
    }
    for b in &u.keys.bindings {
        let keys: Vec<String> = b.keys.iter().map(|k| k.to_string()).collect();
        let row = format!("{:<18} {}", keys.join(" "), b.cmd.desc());
        assert!(
            seen.contains(&row),
            "{:?}: {row} missing in help:\n{seen}",
            b.scope
        );
        if b.scope == keymap::Scope::Tree {
            assert!(
                first.contains(&row),
                "the tree's own keys come first: {row}"
            );
        }
    }
    for title in [
        "Confirmations",
        "Pickers",
        "Text fields",
        "Who has access",
        "Filter",
    ] {
        assert!(seen.contains(title), "{title} section in help");
    }
    keys(&mut u, "x");
    assert!(u.help().is_none());
}

#[test]
fn too_small_terminal_shows_a_notice_and_every_size_draws() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let s = screen(&mut u, 39, 12);
    assert!(s.contains("terminal too small"), "{s}");
    let s = screen(&mut u, 40, 11);
    assert!(s.contains("terminal too small"), "{s}");
    let s = screen(&mut u, 40, 12);
    assert!(
        !s.contains("terminal too small") && s.contains("Plant"),
        "{s}"
    );
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    for w in [1u16, 10, 40, 41, 63, 64, 99, 100, 180] {
        for h in [1u16, 5, 12, 13, 30] {
            for f in Focus::ORDER {
                u.focus = f;
                render_test(&mut u, w, h);
            }
            keys(&mut u, "s");
            render_test(&mut u, w, h);
            press(&mut u, KeyCode::Esc);
        }
    }
}

#[test]
fn wide_characters_keep_columns_aligned() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    keys(&mut u, "n");
    keys(&mut u, "工場📊 Linie");
    press(&mut u, KeyCode::Enter);
    let buf = render_test(&mut u, 120, 35);
    let s = buffer_text(&buf);
    let wide = s.lines().find(|l| l.contains("■ 工場")).unwrap();
    let plain = s.lines().find(|l| l.contains("■ Plant")).unwrap();
    use unicode_width::UnicodeWidthStr;
    let end = |l: &str| l[..l.find("admin").unwrap() + 5].width();
    assert_eq!(
        end(wide),
        end(plain),
        "level column aligned:\n{wide}\n{plain}"
    );
}

#[test]
fn no_color_uses_reverse_for_the_selection_and_ascii_glyphs() {
    let app = demo();
    let mut u = Ui::new(
        &app,
        "root",
        KeyMap::default(),
        Theme::load(None).unwrap().no_color(),
        true,
    )
    .unwrap();
    select_ws(&mut u, "Default Workspace");
    let buf = render_test(&mut u, 120, 35);
    let s = buffer_text(&buf);
    assert!(s.contains("  + / Archive"), "ascii glyphs: {s}");
    assert!(!s.contains('■') && !s.contains('│'), "{s}");
    // The selected row (the space root) is drawn reversed.
    let y = row_of(&s, "- @ Team Space") as u16;
    let x = s
        .lines()
        .nth(y as usize)
        .unwrap()
        .find("Team Space")
        .unwrap() as u16;
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
    for yy in 0..35 {
        for xx in 0..120 {
            assert_eq!(buf[(xx, yy)].fg, ratatui::style::Color::Reset);
        }
    }
}

#[test]
fn mouse_click_selects_and_focuses_and_wheel_scrolls() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let s = screen(&mut u, 120, 35);
    let y = row_of(&s, "■ Quality") as u16;
    u.handle(Input::Mouse {
        kind: keys::MouseKind::Click,
        col: 40,
        row: y,
    });
    assert_eq!(u.focus, Focus::Tree);
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some("/Default Workspace/team/Quality")
    );
    let y = row_of(&s, "Plant Ops") as u16;
    u.handle(Input::Mouse {
        kind: keys::MouseKind::Click,
        col: 3,
        row: y,
    });
    assert_eq!(u.focus, Focus::Workspaces);
    assert_eq!(u.current_ws().unwrap().name, "Plant Ops");
    u.handle(Input::Mouse {
        kind: keys::MouseKind::ScrollDown,
        col: 40,
        row: 5,
    });
}

#[test]
fn copy_path_emits_osc52() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Plant"));
    keys(&mut u, "y");
    assert_eq!(u.clipboard.len(), 1);
    assert!(u.clipboard[0].starts_with("\x1b]52;c;"));
    use base64::Engine;
    let b64 = u.clipboard[0]
        .trim_start_matches("\x1b]52;c;")
        .trim_end_matches('\x07');
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(
        String::from_utf8(raw).unwrap(),
        "/Default Workspace/team/Plant"
    );
}

#[test]
fn quit_asks_only_when_a_dialog_holds_input() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    keys(&mut u, "n");
    keys(&mut u, "half typed");
    u.handle_key(Key::ctrl('c'));
    assert!(!u.quit);
    let s = screen(&mut u, 100, 30);
    assert!(s.contains("Quit anyway"), "{s}");
    keys(&mut u, "y");
    assert!(u.quit);
    let mut u = ui_as(&app, "root");
    keys(&mut u, "q");
    assert!(u.quit);
}

#[test]
fn workspace_actions_are_refused_with_reasons_for_non_admins() {
    let app = demo();
    let mut u = ui_as(&app, "bob");
    u.focus = Focus::Workspaces;
    keys(&mut u, "M");
    assert!(message(&u).contains("R4"), "{}", message(&u));
    keys(&mut u, "R");
    assert!(message(&u).contains("R29"), "{}", message(&u));
}

#[test]
fn spaces_list_switches_the_tree() {
    let app = demo();
    let mut u = ui_as(&app, "carol");
    u.focus = Focus::Spaces;
    let labels: Vec<String> = u.spaces.items.iter().map(|s| s.label()).collect();
    assert!(
        labels.iter().any(|l| l.starts_with("Shared with me (1)")),
        "{labels:?}"
    );
    keys(&mut u, "G");
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("bob's My Creations"), "{s}");
    u.focus = Focus::Tree;
    u.run(Cmd::Expand);
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("Drafts"), "{s}");
}

#[test]
fn detail_lines_wrap_under_their_value() {
    let w = render::wrap_hanging("path      /Default Workspace/team/Plant/Line1/OEE", 30);
    assert_eq!(
        w[0], "path      /Default Workspace/",
        "paths break after a slash"
    );
    assert!(w[1].starts_with("          team/Plant/"), "{w:?}");
    assert!(
        w.iter()
            .all(|l| unicode_width::UnicodeWidthStr::width(l.as_str()) <= 30),
        "{w:?}"
    );
    let w = render::wrap_hanging("x".repeat(70).as_str(), 30);
    assert_eq!(w.len(), 3, "{w:?}");
}

fn open_space(u: &mut Ui, label: &str) {
    u.spaces.sel = u
        .spaces
        .items
        .iter()
        .position(|s| s.label().starts_with(label))
        .expect("space listed");
    u.load_tree().unwrap();
}

#[test]
fn r17_leave_a_direct_collaboration() {
    let app = demo();
    let mut u = ui_as(&app, "carol");
    open_space(&mut u, "Shared with me");
    u.tree.sel = 0;
    u.run(Cmd::Expand);
    select(&mut u, "/Default Workspace/my/bob/Drafts");
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("✓ L   leave a collaboration"), "{s}");
    keys(&mut u, "L");
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("Leave your collaboration"), "{s}");
    keys(&mut u, "y");
    assert!(
        message(&u).contains("left the collaboration"),
        "{}",
        message(&u)
    );
    assert!(
        u.sess
            .resolve_str("/Default Workspace/my/bob/Drafts")
            .is_err(),
        "gone from carol's view"
    );
}

#[test]
fn r17_leave_through_a_group_is_refused_with_the_reason() {
    let app = demo();
    let mut u = ui_as(&app, "bob");
    select(&mut u, &format!("{DW}/Plant"));
    keys(&mut u, "L");
    assert!(u.dialog().is_none());
    assert!(message(&u).contains("R17"), "{}", message(&u));
}

#[test]
fn r20_copy_beside_and_copy_to() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Welcome"));
    keys(&mut u, "C");
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some("/Default Workspace/team/Welcome (copy)"),
        "{:?}",
        message(&u)
    );
    keys(&mut u, "c");
    let s = screen(&mut u, 110, 40);
    assert!(
        s.contains("Copy Welcome (copy) to") && s.contains("/Default Workspace/team/Plant"),
        "{s}"
    );
    keys(&mut u, "Quality");
    press(&mut u, KeyCode::Enter);
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some("/Default Workspace/team/Quality/Welcome (copy)"),
        "{:?}",
        message(&u)
    );
}

#[test]
fn r24_move_an_app_from_my_creations_to_team_space_and_r25_back() {
    let app = demo();
    let mut u = ui_as(&app, "bob");
    open_space(&mut u, "My Creations");
    select(&mut u, "/Default Workspace/my/bob/Drafts/Forecast");
    keys(&mut u, "m");
    let d = u.dialog().expect("a picker");
    let dialog::Body::Pick(p) = &d.body else {
        panic!()
    };
    let offered: Vec<&str> = p.items.iter().map(|i| i.value.as_str()).collect();
    assert!(
        offered.contains(&"/Default Workspace/team/Plant"),
        "R24: bob may create in Plant: {offered:?}"
    );
    assert!(
        !offered.contains(&"/Default Workspace/team"),
        "R21: not at the root: {offered:?}"
    );
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("to Team Space (R24)"), "{s}");
    keys(&mut u, "team/Plant");
    press(&mut u, KeyCode::Enter);
    assert!(message(&u).contains("moved Forecast"), "{}", message(&u));
    // Back from Team Space to bob's own My Creations (R25).
    open_space(&mut u, "Team Space");
    select(&mut u, &format!("{DW}/Plant/Forecast"));
    let s = screen(&mut u, 120, 45);
    assert!(s.contains("✓ m   move back to My Creations (R25)"), "{s}");
    keys(&mut u, "m");
    let d = u.dialog().expect("a picker");
    let dialog::Body::Pick(p) = &d.body else {
        panic!()
    };
    let offered: Vec<&str> = p.items.iter().map(|i| i.value.as_str()).collect();
    assert!(
        offered.contains(&"/Default Workspace/my/bob"),
        "R25: {offered:?}"
    );
}

#[test]
fn new_app_and_new_asset() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Quality"));
    keys(&mut u, "a");
    keys(&mut u, "Scrap");
    press(&mut u, KeyCode::Enter);
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some("/Default Workspace/team/Quality/Scrap")
    );
    keys(&mut u, "A");
    let s = screen(&mut u, 110, 35);
    assert!(
        s.contains("New asset") && s.contains("dashboard") && s.contains("dataset"),
        "{s}"
    );
    keys(&mut u, "chart");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "Scrap rate");
    press(&mut u, KeyCode::Enter);
    assert!(
        message(&u).contains("added chart Scrap rate"),
        "{}",
        message(&u)
    );
    u.run(Cmd::Expand);
    let s = screen(&mut u, 110, 35);
    assert!(s.contains("◔ Scrap rate"), "{s}");
}

#[test]
fn r31_integrations_add_attach_and_refuse_delete_in_use() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    u.focus = Focus::Workspaces;
    keys(&mut u, "I");
    keys(&mut u, "+ add");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "Historian");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "opcua");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "opc.tcp://hist:4840");
    press(&mut u, KeyCode::Enter);
    assert!(
        message(&u).contains("integration Historian added"),
        "{}",
        message(&u)
    );
    u.focus = Focus::Tree;
    select(&mut u, &format!("{DW}/Welcome"));
    keys(&mut u, "t");
    keys(&mut u, "attach Historian");
    press(&mut u, KeyCode::Enter);
    assert!(
        message(&u).contains("attached Historian"),
        "{}",
        message(&u)
    );
    let s = screen(&mut u, 120, 45);
    assert!(s.contains("Historian"), "{s}");
    u.focus = Focus::Workspaces;
    keys(&mut u, "I");
    keys(&mut u, "delete Historian");
    // Issue 16, item 5: marked before it is tried.
    let s = screen(&mut u, 120, 45);
    assert!(
        s.contains("✗ in use: detach it from its apps first (R31)"),
        "{s}"
    );
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "y");
    assert!(
        message(&u).starts_with("Can't delete integration") && message(&u).contains("in use"),
        "R31 in use: {}",
        message(&u)
    );
}

#[test]
fn r29_resources_and_r30_restrict() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    u.focus = Focus::Workspaces;
    keys(&mut u, "R");
    keys(&mut u, "influx");
    press(&mut u, KeyCode::Enter);
    u.handle_key(Key::ctrl('u'));
    keys(&mut u, "influxdb://new:8086/x");
    press(&mut u, KeyCode::Enter);
    assert!(
        message(&u).contains("influxdb endpoint set"),
        "{}",
        message(&u)
    );
    assert_eq!(
        u.current_ws().unwrap().resources[&crate::domain::ResourceKind::Influxdb],
        "influxdb://new:8086/x"
    );
    u.focus = Focus::Tree;
    select(&mut u, &format!("{DW}/Welcome"));
    keys(&mut u, "x");
    keys(&mut u, "restrict post");
    press(&mut u, KeyCode::Enter);
    let s = screen(&mut u, 120, 50);
    assert!(s.contains("postgresql: restricted for this app"), "{s}");
}

#[test]
fn r4_members_and_roles_for_the_account_owner() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    u.focus = Focus::Workspaces;
    keys(&mut u, "M");
    keys(&mut u, "frank");
    press(&mut u, KeyCode::Enter);
    let s = screen(&mut u, 110, 35);
    assert!(
        s.contains("Roles of frank") && s.contains("grant analyst"),
        "{s}"
    );
    keys(&mut u, "grant analyst");
    press(&mut u, KeyCode::Enter);
    assert!(
        message(&u).contains("frank: granted analyst"),
        "{}",
        message(&u)
    );
    let s = screen(&mut u, 110, 40);
    assert!(s.contains("frank") && s.contains("analyst"), "{s}");
}

/// The README section's key table is the key table (so they cannot drift).
#[test]
fn readme_key_table_matches_the_key_table() {
    let readme = include_str!("README.md");
    let start = readme
        .find("<!-- keys:begin -->\n")
        .expect("keys:begin marker")
        + "<!-- keys:begin -->\n".len();
    let end = readme.find("<!-- keys:end -->").expect("keys:end marker");
    let want = KeyMap::default().markdown();
    if readme[start..end] != want {
        panic!("src/tui/README.md's key table is stale; it should read:\n{want}");
    }
}

#[test]
fn r21_the_space_root_row_creates_at_the_root_for_admins_only() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    u.tree.to_top();
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("▾ ◎ Team Space"), "{s}");
    assert!(s.contains("✓ n   new folder or app at the root"), "{s}");
    keys(&mut u, "n");
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("In /Default Workspace/team"), "{s}");
    press(&mut u, KeyCode::Esc);
    let mut u = ui_as(&app, "bob");
    u.tree.to_top();
    keys(&mut u, "n");
    assert!(u.dialog().is_none());
    assert!(message(&u).contains("R21"), "{}", message(&u));
}

#[test]
fn a_long_workspace_list_scrolls_with_its_selection() {
    let app = demo();
    let s = app.session("root").unwrap();
    for i in 0..30 {
        s.ws_add(&format!("WS {i:02}")).unwrap();
    }
    let mut u = ui_as(&app, "root");
    u.focus = Focus::Workspaces;
    keys(&mut u, "G");
    let txt = screen(&mut u, 120, 30);
    assert!(
        txt.contains("›WS 29"),
        "the last workspace is in view: {txt}"
    );
    assert!(!txt.contains("Customer Portal"), "{txt}");
    assert_eq!(layout::list_offset(0, 5, 10), 0);
    assert_eq!(layout::list_offset(20, 33, 10), 11);
}

#[test]
fn r12_inspecting_a_user_who_sees_nothing_shows_nothing() {
    let app = demo();
    app.session("root")
        .unwrap()
        .user_add("nobody", None, None)
        .unwrap();
    let mut u = ui_as(&app, "root");
    keys(&mut u, "i");
    keys(&mut u, "nobody");
    press(&mut u, KeyCode::Enter);
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("inspecting nobody"), "{s}");
    assert!(
        !s.contains("Default Workspace"),
        "no workspace is seen: {s}"
    );
    for name in ["Plant", "Welcome", "Archive"] {
        assert!(!s.contains(name), "{name}: {s}");
    }
    for c in [Cmd::Down, Cmd::Expand, Cmd::Search, Cmd::NextTab] {
        u.run(c);
        render_test(&mut u, 120, 35);
        u.close_dialog();
    }
}

#[test]
fn a_long_refusal_keeps_its_rule_number_on_a_narrow_screen() {
    let app = demo();
    let mut u = ui_as(&app, "bob");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    keys(&mut u, "m");
    let s = screen(&mut u, 80, 24);
    let status: String = s.lines().skip(22).collect::<Vec<_>>().join("\n");
    assert!(status.contains("R23"), "{status}");
    keys(&mut u, "j");
    let s = screen(&mut u, 80, 24);
    assert!(
        s.lines().last().unwrap().contains("new-folder"),
        "hints back after the next key: {s}"
    );
}

/// Random keys (a fixed seed) for several users, a frame after each: no
/// panic, whatever the keys open or change.
#[test]
fn random_keys_never_panic() {
    let pool: Vec<Key> = "jjjkkkhllgG nNarmcCdsuLi/?]y[xtARIMqe"
        .chars()
        .map(Key::ch)
        .chain([
            Key::plain(KeyCode::Enter),
            Key::plain(KeyCode::Enter),
            Key::plain(KeyCode::Esc),
            Key::plain(KeyCode::Tab),
            Key::plain(KeyCode::BackTab),
            Key::plain(KeyCode::PageDown),
            Key::plain(KeyCode::PageUp),
            Key::plain(KeyCode::Backspace),
            Key::plain(KeyCode::Down),
            Key::plain(KeyCode::Up),
        ])
        .collect();
    for (n, login) in ["root", "bob", "tina", "carol", "dave"].iter().enumerate() {
        let app = demo();
        let mut u = ui_as(&app, login);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ n as u64;
        for step in 0..600 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let k = pool[(x % pool.len() as u64) as usize];
            u.handle_key(k);
            u.quit = false;
            let (w, h) = if step % 50 == 0 {
                (40 + (x % 100) as u16, 12 + (x % 30) as u16)
            } else {
                (120, 35)
            };
            render_test(&mut u, w, h);
        }
    }
}

#[test]
fn dialogs_fit_their_content() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Welcome"));
    for k in ["r", "s", "d", "n", "m", "i", "/", "c"] {
        keys(&mut u, k);
        let s = screen(&mut u, 100, 30);
        let hint = s
            .lines()
            .position(|l| l.contains("Esc cancel") || l.contains("n / Esc no"))
            .unwrap_or_else(|| panic!("{k}: {s}"));
        assert!(
            s.lines().nth(hint + 1).unwrap().contains('└'),
            "{k}: the border follows the hint:\n{s}"
        );
        press(&mut u, KeyCode::Esc);
        u.messages.clear();
    }
}

// ---- access review (issue 5) ----

#[test]
fn who_view_lists_users_levels_and_grant_paths_sorts_and_scrolls() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    keys(&mut u, "w");
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("Who has access"), "{s}");
    assert!(s.contains(&format!("{DW}/Plant/Line1/OEE")), "{s}");
    assert!(s.contains("7 user(s) can view it, sorted by level"), "{s}");
    assert!(
        s.contains("org:sales manager (in emea)")
            && s.contains("on /Default Workspace/team/Plant/Line1"),
        "via with the path of the grant: {s}"
    );
    assert!(
        s.contains("group:qa editor  on /Default Workspace/team/Plant"),
        "{s}"
    );
    assert!(
        s.contains("Team Space admin of Default Workspace (R7)"),
        "{s}"
    );
    // By level: the admins first, the tenant user last.
    assert!(row_of(&s, "root  ") < row_of(&s, "dave  "), "{s}");
    assert!(row_of(&s, "bob  ") < row_of(&s, "tina  "), "{s}");
    // The same rows as the app layer's answer.
    let (_, rows) = u
        .sess
        .who(&format!("{DW}/Plant/Line1/OEE"), None, None)
        .unwrap();
    for r in &rows {
        assert!(
            s.contains(&format!("{:<16} {:<9}", r.login, r.level)),
            "{} in {s}",
            r.login
        );
    }
    // s toggles the order: by user.
    keys(&mut u, "s");
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("sorted by user"), "{s}");
    assert!(row_of(&s, "dave  ") < row_of(&s, "root  "), "{s}");
    assert!(row_of(&s, "bob  ") < row_of(&s, "carol  "), "{s}");
    keys(&mut u, "s");
    assert!(screen(&mut u, 120, 35).contains("sorted by level"));
    // Scrolls on a short screen; keys do not reach the tree meanwhile.
    let s = screen(&mut u, 80, 14);
    assert!(s.contains("PgUp/PgDn scroll (0/"), "{s}");
    let first = s.lines().nth(3).unwrap().to_string();
    keys(&mut u, "jj");
    let s = screen(&mut u, 80, 14);
    assert!(s.contains("PgUp/PgDn scroll (2/"), "{s}");
    assert_ne!(s.lines().nth(3).unwrap(), first, "{s}");
    press(&mut u, KeyCode::End);
    press(&mut u, KeyCode::PageDown);
    let s = screen(&mut u, 80, 14);
    assert!(s.contains("tina"), "the end: {s}");
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some(&*format!("{DW}/Plant/Line1/OEE"))
    );
    press(&mut u, KeyCode::Esc);
    assert!(u.who().is_none());
    assert!(!screen(&mut u, 120, 35).contains("Who has access"));
}

#[test]
fn who_view_shows_only_what_the_actor_sees() {
    let app = demo();
    // bob (group qa, editor on Plant) asks about OEE: the answer is the same
    // decision function; a space root works too.
    let mut u = ui_as(&app, "bob");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    keys(&mut u, "w");
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("Who has access") && s.contains("bob"), "{s}");
    press(&mut u, KeyCode::Esc);
    keys(&mut u, "g");
    keys(&mut u, "w");
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("Who has access") && s.contains(DW), "{s}");
    // The key is in the key table (help and hints come from it).
    assert_eq!(
        KeyMap::default().lookup(super::keymap::Scope::Tree, Key::ch('w')),
        Some(Cmd::Who)
    );
}

#[test]
fn move_dialog_shows_the_what_if_of_the_highlighted_destination_before_confirming() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let oee = format!("{DW}/Plant/Line1/OEE");
    select(&mut u, &oee);
    keys(&mut u, "m");
    let s = screen(&mut u, 120, 40);
    assert!(
        s.contains("What this changes (nothing is changed yet)"),
        "{s}"
    );
    keys(&mut u, "Quality");
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("filter: Quality"), "{s}");
    assert!(
        s.contains("2 user(s) lose editor on /Default Workspace/team/Quality/OEE (bob,"),
        "{s}"
    );
    assert!(s.contains("lose manager") && s.contains("(dave)"), "{s}");
    // Nothing changed yet.
    assert!(u.sess.resolve_str(&oee).is_ok());
    // Another destination, another answer.
    press(&mut u, KeyCode::Esc);
    keys(&mut u, "m");
    keys(&mut u, "Cells");
    let s = screen(&mut u, 120, 40);
    assert!(
        s.contains("1 user(s) go from none to path only on") && s.contains("Cells (tina)"),
        "{s}"
    );
    assert!(!s.contains("lose editor"), "{s}");
    // Confirming makes the real change, and the what-if was right.
    let before = app
        .with_access_report("root", true, |s| {
            s.mv(&oee, &format!("{DW}/Plant/Line1/Cells")).map(|_| ())
        })
        .unwrap()
        .1
        .summary;
    press(&mut u, KeyCode::Enter);
    assert!(message(&u).contains("moved OEE"), "{}", message(&u));
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some(&*format!("{DW}/Plant/Line1/Cells/OEE"))
    );
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(
        app.session("root")
            .unwrap()
            .check("tina", "view", &format!("{DW}/Plant/Line1/Cells"))
            .map(|d| d.level_word())
            .unwrap_or_default(),
        "path only"
    );
}

#[test]
fn share_dialog_shows_the_what_if_after_the_level_is_chosen() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Sales"));
    keys(&mut u, "s");
    let s = screen(&mut u, 120, 40);
    assert!(
        !s.contains("What this changes"),
        "no level yet, no what-if: {s}"
    );
    keys(&mut u, "group:qa");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "edit");
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("What this changes"), "{s}");
    assert!(
        s.contains("2 user(s) gain editor on 4 items at and below") && s.contains("(bob, carol)"),
        "{s}"
    );
    press(&mut u, KeyCode::Enter);
    let s = screen(&mut u, 120, 40);
    assert!(
        s.contains("Note (optional)") && s.contains("gain editor"),
        "{s}"
    );
    let g = |_: &Ui| grants_on(&app, &format!("{DW}/Sales")).len();
    let n = g(&u);
    keys(&mut u, "QA");
    press(&mut u, KeyCode::Enter);
    assert!(message(&u).contains("shared"), "{}", message(&u));
    assert_eq!(g(&u), n + 1, "the real change on confirm");
    // Unshare shows what would be lost; delete and leave show theirs too.
    keys(&mut u, "u");
    keys(&mut u, "group:qa");
    let s = screen(&mut u, 120, 40);
    assert!(
        s.contains("lose editor") || s.contains("from editor"),
        "{s}"
    );
    press(&mut u, KeyCode::Esc);
    select(&mut u, &format!("{DW}/Welcome"));
    keys(&mut u, "d");
    let s = screen(&mut u, 120, 40);
    assert!(
        s.contains("Delete app") && s.contains("What this changes"),
        "{s}"
    );
}

#[test]
fn a_slow_what_if_waits_for_the_inputs_to_settle() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    u.whatif.slow = true;
    keys(&mut u, "m");
    keys(&mut u, "Quality");
    // The frame while typing, before the inputs settle.
    let s = buffer_text(&render_test(&mut u, 120, 40));
    assert!(s.contains("working out who gains or loses"), "{s}");
    let due = u.whatif_due().expect("pending");
    assert!(due > std::time::Duration::ZERO, "not per keystroke");
    assert!(u.whatif.cache.is_empty(), "nothing computed while typing");
    u.settle_whatif();
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("lose editor"), "{s}");
    assert_eq!(u.whatif_due(), None);
}

#[test]
fn reveal_finds_a_root_item_beyond_the_first_page_of_the_space() {
    let app = App::in_memory();
    let spec = crate::app::gen::GenSpec {
        items: 10,
        users: 3,
        groups: 1,
        grants: 1,
        wide: 3,
        ..Default::default()
    };
    app.generate("root", &spec, &mut |_, _| {}).unwrap();
    let s = app.session("root").unwrap();
    for i in 0..(source::PAGE + 20) {
        s.create(
            &format!("/W1/team/A{i:04}"),
            crate::domain::ItemKind::Folder,
        )
        .unwrap();
    }
    let mut u = Ui::new(
        &app,
        "root",
        KeyMap::default(),
        Theme::load(None).unwrap(),
        false,
    )
    .unwrap();
    render_test(&mut u, 120, 35);
    select(&mut u, "/W1/team/Wide");
}

/// The status line's text, and whether it shows an error.
fn status(u: &Ui) -> (String, bool) {
    u.messages
        .current()
        .map(|m| (m.text.clone(), m.error))
        .unwrap_or_default()
}

#[test]
fn r10_r12_r27_the_decision_is_made_inside_the_transaction_a_share_whose_grant_was_revoked_meanwhile_is_refused(
) {
    let app = demo();
    let oee = format!("{DW}/Plant/Line1/OEE");
    let root = app.session("root").unwrap();
    // bob: editor on Plant through qa, manager on OEE through a grant to him (R27).
    root.share(&oee, "user:bob", "manager", "").unwrap();
    let mut u = ui_as(&app, "bob");
    select(&mut u, &oee);
    keys(&mut u, "s");
    keys(&mut u, "group:analytics");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "viewer");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "for the analysts");
    assert!(
        matches!(
            u.dialog().map(|d| &d.purpose),
            Some(dialog::Purpose::ShareNote { .. })
        ),
        "the note is asked: {:?}",
        message(&u)
    );
    // Before bob confirms, the owner revokes the grant that let him share.
    root.unshare(&oee, "user:bob").unwrap();
    press(&mut u, KeyCode::Enter);
    let (m, error) = status(&u);
    assert!(error && m.starts_with("You can't share OEE"), "{m}");
    assert!(m.contains("share"), "{m}");
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("permission denied"), "in the status line: {s}");
    assert!(
        u.dialog().is_some(),
        "the dialog stays open with the refusal"
    );
    // Nothing was written: no grant to analytics, none back to bob.
    let g = grants_on(&app, &oee);
    assert!(
        !g.iter()
            .any(|g| matches!(&g.subject, crate::domain::Subject::Group(n) if n == "analytics")),
        "{g:?}"
    );
    assert!(
        !g.iter().any(|g| g.subject.to_string() == "user:bob"),
        "{g:?}"
    );
}

#[test]
fn r12_r16_the_decision_is_made_inside_the_transaction_a_rename_after_the_collaboration_was_revoked_is_not_found(
) {
    let app = demo();
    let forecast = "/Default Workspace/my/bob/Drafts/Forecast";
    // carol: editor on bob's Drafts through a grant to her; a collaborator renames (R16).
    let mut u = ui_as(&app, "carol");
    open_space(&mut u, "Shared with me");
    u.tree.sel = 0;
    u.run(Cmd::Expand);
    select(&mut u, forecast);
    keys(&mut u, "r");
    assert!(u.dialog().is_some(), "{:?}", message(&u));
    u.handle_key(Key::ctrl('u'));
    keys(&mut u, "Forecast v2");
    // Before carol confirms, bob ends the collaboration.
    app.session("bob")
        .unwrap()
        .unshare("/Default Workspace/my/bob/Drafts", "user:carol")
        .unwrap();
    press(&mut u, KeyCode::Enter);
    // She no longer sees the app: not found, never permission denied (R12, R14).
    let (m, error) = status(&u);
    // Not found, never refused: the item is not there for them (R12).
    assert!(
        error && m.starts_with("Can't rename") && m.contains("does not exist"),
        "{m}"
    );
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("does not exist"), "in the status line: {s}");
    let bob = app.session("bob").unwrap();
    assert!(bob.resolve_str(forecast).is_ok(), "the app keeps its name");
    assert!(bob
        .resolve_str("/Default Workspace/my/bob/Drafts/Forecast v2")
        .is_err());
}

#[test]
fn r10_r12_the_decision_is_made_inside_the_transaction_with_the_groups_the_user_is_in_now() {
    let app = demo();
    let line2 = format!("{DW}/Plant/Line2");
    // bob: editor on Plant through group qa (R10).
    let mut u = ui_as(&app, "bob");
    select(&mut u, &line2);
    keys(&mut u, "r");
    assert!(u.dialog().is_some(), "{:?}", message(&u));
    u.handle_key(Key::ctrl('u'));
    keys(&mut u, "Line2b");
    // Before bob confirms, the owner takes him out of qa.
    app.session("root")
        .unwrap()
        .group_leave("qa", "bob")
        .unwrap();
    press(&mut u, KeyCode::Enter);
    let (m, error) = status(&u);
    // Not found, never refused: the item is not there for them (R12).
    assert!(
        error && m.starts_with("Can't rename") && m.contains("does not exist"),
        "{m}"
    );
    let root = app.session("root").unwrap();
    assert!(root.resolve_str(&line2).is_ok(), "not renamed");
    assert!(root.resolve_str(&format!("{DW}/Plant/Line2b")).is_err());
}

#[test]
fn the_what_if_a_dialog_shows_is_its_request_run_as_a_what_if() {
    use crate::app::{Caller, Reply, Request};
    let app = demo();
    let mut u = ui_as(&app, "root");
    let oee = format!("{DW}/Plant/Line1/OEE");
    select(&mut u, &oee);
    keys(&mut u, "m");
    keys(&mut u, "Quality");
    let s = screen(&mut u, 120, 40);
    let want = Request::Mv {
        path: oee.clone(),
        dest: format!("{DW}/Quality"),
    };
    assert_eq!(u.whatif.want.as_ref(), Some(&want), "the dialog's request");
    assert_eq!(
        requests::request_of(u.dialog().unwrap()).as_ref(),
        Some(&want)
    );
    // The same request, asked through App::execute as a what-if.
    let asked = app
        .execute(
            Caller::new(&|| Ok("root".to_string())),
            Request::WhatIf(Box::new(want.clone())),
        )
        .unwrap();
    let Reply::AccessChanged {
        report, dry_run, ..
    } = asked
    else {
        panic!("{asked:?}")
    };
    assert!(dry_run);
    assert!(!report.summary.is_empty());
    assert_eq!(
        u.dialog().unwrap().whatif,
        Some(whatif::WhatIfView::Ready(report.summary.clone()))
    );
    for line in &report.summary {
        let head: String = line.chars().take(40).collect();
        assert!(s.contains(&head), "{head} in\n{s}");
    }
    // Nothing changed.
    assert!(u.sess.resolve_str(&oee).is_ok());
    // A what-if the rules refuse shows the refusal (editors do not move, R23).
    let mut b = ui_as(&app, "bob");
    let line2 = format!("{DW}/Plant/Line2");
    select(&mut b, &line2);
    b.open_dialog(dialog::Dialog::pick(
        "Move Line2",
        vec![],
        vec![dialog::PickItem::new(
            "Quality",
            "",
            format!("{DW}/Quality"),
        )],
        dialog::Purpose::MoveDest {
            id: b.tree.selected_node().unwrap().data.id.unwrap(),
            path: line2,
        },
    ));
    b.settle_whatif();
    let w = b.dialog().unwrap().whatif.clone();
    assert!(
        matches!(&w, Some(whatif::WhatIfView::Failed(e)) if e.contains("R23")),
        "{w:?}"
    );
}

#[test]
fn the_filter_narrows_the_tree_to_matches_and_their_folders_and_esc_restores_it() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let before = u.tree.rows.len();
    keys(&mut u, "f");
    keys(&mut u, "oee");
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("filter: oee"), "{s}");
    // The match and the folders above it, and nothing else of the space.
    for name in ["Team Space", "Plant", "Line1", "OEE"] {
        assert!(s.contains(name), "{name} in\n{s}");
    }
    assert!(!s.contains("Sales"), "{s}");
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some("/Default Workspace/team/Plant/Line1/OEE"),
        "the first match is selected"
    );
    // The matched letters are marked.
    let buf = render_test(&mut u, 120, 35);
    let y = row_of(&s, "◆ OEE") as u16;
    let x = buffer_text(&buf)
        .lines()
        .nth(y as usize)
        .unwrap()
        .find("OEE")
        .unwrap();
    let x = s.lines().nth(y as usize).unwrap()[..x].chars().count() as u16;
    assert!(
        buf[(x, y)].modifier.contains(Modifier::UNDERLINED),
        "marked"
    );
    // Arrows go through the filter's layer to the tree it narrows.
    press(&mut u, KeyCode::Up);
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some("/Default Workspace/team/Plant/Line1")
    );
    // Enter keeps the narrowed tree; Esc then shows the whole tree, the item still selected.
    press(&mut u, KeyCode::Enter);
    assert!(message(&u).contains("1 match"), "{}", message(&u));
    keys(&mut u, "x");
    press(&mut u, KeyCode::Esc);
    assert!(u.filter.is_none());
    assert!(u.tree.rows.len() >= before);
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some("/Default Workspace/team/Plant/Line1")
    );
    // Esc while typing restores the tree as it was.
    keys(&mut u, "fzzzz");
    assert!(screen(&mut u, 120, 35).contains("No name matches the filter"));
    press(&mut u, KeyCode::Esc);
    assert!(u.filter.is_none() && u.layers.is_empty());
    assert!(screen(&mut u, 120, 35).contains("Sales"));
}

#[test]
fn r12_the_filter_shows_only_what_the_inspected_user_and_the_actor_see() {
    let app = demo();
    let mut u = ui_as(&app, "bob");
    keys(&mut u, "f");
    keys(&mut u, "s");
    let names: Vec<String> = u
        .tree
        .rows
        .iter()
        .map(|&i| u.tree.nodes[i].data.name.clone())
        .collect();
    let s = u.login.clone();
    assert!(!names.is_empty());
    for n in u.tree.rows.iter().filter_map(|&i| u.tree.nodes[i].data.id) {
        let r = u.sess.resolve_id(n).unwrap();
        let d = u.sess.decide(crate::domain::Action::View, &r).unwrap();
        assert!(
            d.seen != crate::domain::rules::Seen::Hidden,
            "{s} sees {names:?}"
        );
    }
}

#[test]
fn r31_an_integration_is_edited_from_the_ui() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    u.focus = Focus::Workspaces;
    keys(&mut u, "I");
    keys(&mut u, "edit MES");
    press(&mut u, KeyCode::Enter);
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("Edit MES") && s.contains("endpoint"), "{s}");
    press(&mut u, KeyCode::End);
    keys(&mut u, "/v2");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "poll=30s");
    press(&mut u, KeyCode::Enter);
    assert!(
        message(&u).contains("integration MES saved"),
        "{}",
        message(&u)
    );
    let s = app.session("root").unwrap();
    let ws = s.workspace_named("Default Workspace").unwrap();
    let i = s
        .integrations_of(ws.id)
        .unwrap()
        .into_iter()
        .find(|i| i.name == "MES")
        .unwrap();
    assert!(i.endpoint.ends_with("/v2"), "{}", i.endpoint);
    assert_eq!(i.settings, "poll=30s");
}

#[test]
fn slow_work_runs_on_the_worker_and_the_latest_answer_wins() {
    let app = demo();
    std::thread::scope(|scope| {
        let mut u = ui_as(&app, "root");
        u.attach_worker(worker::Worker::spawn(scope, &app));
        select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
        keys(&mut u, "w");
        assert!(message(&u).contains("working out"), "{}", message(&u));
        let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while u.who().is_none() && std::time::Instant::now() < until {
            u.poll_jobs();
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert!(
            u.who().is_some_and(|w| w.path.ends_with("/OEE")),
            "who answered"
        );
        press(&mut u, KeyCode::Esc);
        // Two what-ifs asked in a row: both are kept, the dialog shows its own.
        keys(&mut u, "m");
        assert!(matches!(
            u.dialog().and_then(|d| d.whatif.clone()),
            Some(whatif::WhatIfView::Pending)
        ));
        u.settle_whatif();
        press(&mut u, KeyCode::Down);
        u.settle_whatif();
        while u.working() && std::time::Instant::now() < until {
            u.poll_jobs();
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        u.sync_whatif();
        assert!(
            matches!(
                u.dialog().and_then(|d| d.whatif.clone()),
                Some(whatif::WhatIfView::Ready(_))
            ),
            "{:?}",
            u.dialog().map(|d| d.whatif.clone())
        );
        drop(u);
    });
}

#[test]
fn ascii_draws_every_screen_in_ascii_only() {
    let app = demo();
    let mut u = Ui::new(
        &app,
        "root",
        KeyMap::default(),
        Theme::load(None).unwrap(),
        true,
    )
    .unwrap();
    select_ws(&mut u, "Default Workspace");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    let check = |u: &mut Ui, what: &str| {
        let b = render_test(u, 100, 32);
        for y in 0..b.area.height {
            for x in 0..b.area.width {
                let sym = b[(x, y)].symbol();
                assert!(
                    sym.is_ascii(),
                    "{what}: {sym:?} at {x},{y}:\n{}",
                    buffer_text(&b)
                );
            }
        }
        buffer_text(&b)
    };
    let s = check(&mut u, "the panes");
    // `>` marks the selection only; the tree's folders are + (closed) and - (open).
    assert!(s.contains("- / Plant"), "{s}");
    assert!(s.contains("* OEE"), "{s}");
    keys(&mut u, "m");
    check(&mut u, "a picker with its what-if");
    press(&mut u, KeyCode::Esc);
    keys(&mut u, "d");
    check(&mut u, "a confirmation");
    press(&mut u, KeyCode::Esc);
    keys(&mut u, "?");
    check(&mut u, "help");
    press(&mut u, KeyCode::Esc);
    keys(&mut u, "w");
    check(&mut u, "who has access");
}

#[test]
fn the_key_bar_and_the_action_list_follow_the_selected_row() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    let s = screen(&mut u, 140, 35);
    let bar = s.lines().last().unwrap_or_default().to_string();
    assert!(
        !bar.contains("new-folder") && !bar.contains("new-app"),
        "on an app: {bar}"
    );
    assert!(bar.contains("r rename") && bar.contains("s share"), "{bar}");
    select(&mut u, &format!("{DW}/Plant/Line1"));
    let s = screen(&mut u, 140, 35);
    let bar = s.lines().last().unwrap_or_default().to_string();
    assert!(
        bar.contains("n new-folder") && bar.contains("a new-app"),
        "on a folder: {bar}"
    );
    assert!(
        s.contains("✓ a   new app"),
        "a folder's actions list new app:\n{s}"
    );
}

#[test]
fn the_place_is_kept_after_a_delete_and_across_workspaces() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    // A delete leaves the selection beside the deleted item, not at the root.
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    let siblings: Vec<String> = {
        let i = u.tree.selected().unwrap();
        let p = u.tree.nodes[i].parent.unwrap();
        u.tree.nodes[p]
            .children
            .clone()
            .unwrap()
            .iter()
            .map(|&k| u.tree.path(k))
            .collect()
    };
    let at = siblings.iter().position(|p| p.ends_with("/OEE")).unwrap();
    let want = siblings
        .get(at + 1)
        .or(at.checked_sub(1).and_then(|b| siblings.get(b)))
        .cloned();
    keys(&mut u, "d");
    keys(&mut u, "y");
    assert!(message(&u).starts_with("deleted"), "{}", message(&u));
    let want = want.unwrap_or_else(|| format!("{DW}/Plant/Line1"));
    assert_eq!(u.tree.selected_path(), Some(want.clone()));
    // The detail pane's title names the selected item.
    let s = screen(&mut u, 120, 35);
    let name = want.rsplit('/').next().unwrap();
    assert!(
        s.lines().next().unwrap().contains(&format!(" {name} ")),
        "{s}"
    );
    // Another workspace and back: the tree is open as it was, the selection too.
    u.focus = Focus::Workspaces;
    press(&mut u, KeyCode::Up);
    assert_ne!(u.current_ws().unwrap().name, "Default Workspace");
    press(&mut u, KeyCode::Down);
    assert_eq!(u.current_ws().unwrap().name, "Default Workspace");
    assert_eq!(u.tree.selected_path(), Some(want), "selection kept");
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("▾ ■ Line1"), "expansion kept:\n{s}");
}

#[test]
fn a_re_share_keeps_the_grants_note_unless_it_is_changed() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let plant = format!("{DW}/Plant");
    let note_of = |app: &App| {
        grants_on(app, &plant)
            .into_iter()
            .find(|g| g.subject.to_string() == "group:qa")
            .map(|g| (g.level.to_string(), g.note))
    };
    let before = note_of(&app).expect("the demo's grant to group:qa");
    assert!(!before.1.is_empty());
    select(&mut u, &plant);
    keys(&mut u, "s");
    keys(&mut u, "group:qa");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "viewer");
    press(&mut u, KeyCode::Enter);
    let s = screen(&mut u, 120, 35);
    assert!(s.contains("its note is kept unless you change it"), "{s}");
    press(&mut u, KeyCode::Enter);
    assert_eq!(
        note_of(&app),
        Some(("viewer".into(), before.1.clone())),
        "{}",
        message(&u)
    );
}

#[test]
fn r26_inspecting_shows_the_inspected_users_level_and_actions_and_changes_nothing() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    keys(&mut u, "i");
    keys(&mut u, "tina");
    press(&mut u, KeyCode::Enter);
    assert!(u.inspect.is_some(), "{}", message(&u));
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    let s = screen(&mut u, 140, 40);
    assert!(
        s.contains("tina      tenant"),
        "tina's level, by name:\n{s}"
    );
    assert!(s.contains("What tina may do"), "{s}");
    assert!(!s.contains("you       admin"), "{s}");
    assert!(!s.contains("✓ d"), "tina deletes nothing:\n{s}");
    let bar = s.lines().last().unwrap_or_default().to_string();
    assert!(!bar.contains("rename") && !bar.contains("share"), "{bar}");
    // Root's own actions are not offered while inspecting.
    keys(&mut u, "d");
    assert!(u.dialog().is_none());
    assert!(
        message(&u).contains("inspecting as tina"),
        "{}",
        message(&u)
    );
}

#[test]
fn r14_inspecting_names_the_private_spaces_it_does_not_show() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    keys(&mut u, "i");
    keys(&mut u, "bob");
    press(&mut u, KeyCode::Enter);
    let labels: Vec<String> = u.spaces.items.iter().map(|s| s.label()).collect();
    assert!(
        labels.contains(&"bob's My Creations: private".to_string()),
        "{labels:?}"
    );
    let i = labels
        .iter()
        .position(|l| l.starts_with("bob's My Creations"))
        .unwrap();
    u.spaces.sel = i;
    u.load_tree().unwrap();
    let s = screen(&mut u, 140, 35);
    assert!(s.contains("bob's My Creations: private (R14)"), "{s}");
    assert!(u.tree.rows.is_empty(), "nothing of it is shown");
}

#[test]
fn r28_a_folder_that_is_not_empty_is_not_marked_deletable() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Plant/Line1"));
    let s = screen(&mut u, 160, 45);
    assert!(!s.contains("✓ d   delete"), "{s}");
    assert!(s.contains("✗ d   delete now:") && s.contains("R28"), "{s}");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    let s = screen(&mut u, 160, 45);
    assert!(s.contains("✓ d   delete"), "an app is deletable:\n{s}");
}

#[test]
fn mouse_clicks_choose_in_a_picker_and_the_wheel_moves_it() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    keys(&mut u, "i");
    let s = screen(&mut u, 120, 35);
    let d = u.dialog().unwrap();
    let a = d.list_area;
    assert!(a.height > 2, "{a:?}\n{s}");
    let dialog::Body::Pick(p) = &d.body else {
        panic!()
    };
    let second = p.items[p.filtered[1]].value.clone();
    // A click on the second row chooses it; a second click submits it.
    u.handle(Input::Mouse {
        kind: keys::MouseKind::Click,
        col: a.x + 3,
        row: a.y + 1,
    });
    assert_eq!(u.dialog().and_then(|d| d.value()), Some(second.clone()));
    u.handle(Input::Mouse {
        kind: keys::MouseKind::ScrollDown,
        col: a.x + 3,
        row: a.y + 1,
    });
    u.handle(Input::Mouse {
        kind: keys::MouseKind::ScrollUp,
        col: a.x + 3,
        row: a.y + 1,
    });
    assert_eq!(u.dialog().and_then(|d| d.value()), Some(second.clone()));
    u.handle(Input::Mouse {
        kind: keys::MouseKind::Click,
        col: a.x + 3,
        row: a.y + 1,
    });
    assert!(u.dialog().is_none());
    assert!(
        message(&u).contains(&format!("inspecting as {second}")),
        "{}",
        message(&u)
    );
}

#[test]
fn assets_are_renamed_and_deleted_on_their_own_rows() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let oee = format!("{DW}/Plant/Line1/OEE");
    select(&mut u, &oee);
    u.run(Cmd::Expand);
    let asset_row = u
        .tree
        .rows
        .iter()
        .position(|&i| matches!(u.tree.nodes[i].data.kind, tree::NodeKind::Asset(_)))
        .expect("OEE's assets listed");
    u.tree.sel = asset_row;
    let path = u.tree.selected_path().unwrap();
    let (kind, name) = path.rsplit_once(':').unwrap().1.split_once('/').unwrap();
    let (kind, name) = (kind.to_string(), name.to_string());
    keys(&mut u, "r");
    let s = screen(&mut u, 120, 35);
    assert!(
        s.contains(&format!("Rename {kind}")),
        "the asset's own dialog:\n{s}"
    );
    press(&mut u, KeyCode::End);
    keys(&mut u, " v2");
    press(&mut u, KeyCode::Enter);
    assert!(message(&u).starts_with("renamed"), "{}", message(&u));
    let s = app.session("root").unwrap();
    let (it, _) = s.resolve_item(&oee).unwrap();
    let names: Vec<String> = s
        .assets_of(&it)
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert!(
        names.contains(&format!("{name} v2")) && !names.contains(&name),
        "{names:?}"
    );
    // Delete: the asset goes, its app stays.
    u.run(Cmd::Expand);
    let row = u
        .tree
        .rows
        .iter()
        .position(|&i| u.tree.nodes[i].data.name == format!("{name} v2"))
        .expect("the renamed asset listed");
    u.tree.sel = row;
    keys(&mut u, "d");
    assert!(screen(&mut u, 120, 35).contains("Its app stays"));
    keys(&mut u, "y");
    let (it, _) = s.resolve_item(&oee).expect("the app stays");
    let names: Vec<String> = s
        .assets_of(&it)
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert!(!names.contains(&format!("{name} v2")), "{names:?}");
}

// ---- issue 16, items 7, 11 and 12 ----

#[test]
fn a_refusal_is_one_line_with_the_key_bar_kept_and_explained_whole_in_the_history() {
    let app = demo();
    let mut u = ui_as(&app, "bob");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    keys(&mut u, "s");
    let s = screen(&mut u, 100, 30);
    let rows: Vec<&str> = s.lines().collect();
    let (status, bar) = (rows[28], rows[29]);
    // R27 in one line to "you", the rule number kept, the key bar below it.
    assert!(
        status.contains("You can't share OEE") && status.contains("(R27)"),
        "{s}"
    );
    assert!(status.contains("! more"), "{status}");
    assert!(
        bar.contains("rename") && bar.contains("who"),
        "key bar kept: {bar}"
    );
    // The history holds it whole, with whom to ask.
    keys(&mut u, "!");
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("Messages, newest first"), "{s}");
    assert!(s.contains("sharing needs manager"), "{s}");
    assert!(s.contains("Who can share it: alice (admin)"), "{s}");
    assert!(s.contains("bob is in group qa"), "the explanation: {s}");
    press(&mut u, KeyCode::Esc);
    assert!(!screen(&mut u, 120, 40).contains("Messages, newest first"));
}

#[test]
fn the_palette_finds_a_command_says_if_it_is_open_here_and_runs_it() {
    let app = demo();
    let mut u = ui_as(&app, "bob");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    keys(&mut u, ":");
    keys(&mut u, "share");
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("Commands"), "{s}");
    assert!(
        s.contains("share") && s.contains("✗"),
        "refused here, said so: {s}"
    );
    assert!(s.contains("R27"), "{s}");
    press(&mut u, KeyCode::Esc);
    keys(&mut u, ":");
    keys(&mut u, "who has");
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("who") && s.contains("✓"), "{s}");
    press(&mut u, KeyCode::Enter);
    // The worker answers in place in tests: the who view is open.
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("Who has access"), "ran the command: {s}");
}

#[test]
fn the_who_view_filters_by_what_people_can_do() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    keys(&mut u, "w");
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("can view it"), "{s}");
    assert!(s.contains("bob "), "bob views it: {s}");
    keys(&mut u, "c");
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("can edit it"), "{s}");
    keys(&mut u, "c");
    let s = screen(&mut u, 120, 40);
    assert!(s.contains("can share it"), "{s}");
    // R27: bob is an editor through group:qa, so not among those who share.
    assert!(!s.contains("bob "), "{s}");
    assert!(s.contains("alice"), "{s}");
}

#[test]
fn activity_reads_in_words_without_the_path_on_every_line() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let line1 = format!("{DW}/Plant/Line1");
    select(&mut u, &line1);
    keys(&mut u, "r");
    u.handle_key(Key::ctrl('u'));
    keys(&mut u, "Line One");
    press(&mut u, KeyCode::Enter);
    u.focus = Focus::Detail;
    keys(&mut u, "ll");
    let s = screen(&mut u, 140, 40);
    assert!(s.contains("renamed Line1 to Line One"), "{s}");
    assert!(s.contains("created the folder"), "{s}");
    assert!(!s.contains("/Plant/Line1 ->"), "{s}");
}

#[test]
fn r28_undo_restores_a_deleted_app_with_its_grants_notes_and_assets() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let oee = format!("{DW}/Plant/Line1/OEE");
    let root = app.session("root").unwrap();
    root.share(&oee, "group:qa", "viewer", "QA reads line 2")
        .unwrap();
    let (it, _) = root.resolve_item(&oee).unwrap();
    let assets_before: Vec<String> = root
        .assets_of(&it)
        .unwrap()
        .into_iter()
        .map(|a| format!("{}/{}", a.kind, a.name))
        .collect();
    assert!(!assets_before.is_empty());
    u.sess = app.session("root").unwrap();
    select(&mut u, &oee);
    keys(&mut u, "d");
    keys(&mut u, "y");
    assert!(root.resolve_str(&oee).is_err(), "deleted: {}", message(&u));
    keys(&mut u, "zy");
    assert!(
        message(&u).starts_with("undone: the delete of OEE"),
        "{}",
        message(&u)
    );
    let (back, _) = root.resolve_item(&oee).expect("restored");
    let assets: Vec<String> = root
        .assets_of(&back)
        .unwrap()
        .into_iter()
        .map(|a| format!("{}/{}", a.kind, a.name))
        .collect();
    assert_eq!(assets, assets_before);
    let g = grants_on(&app, &oee);
    assert!(
        g.iter()
            .any(|g| g.subject.to_string() == "group:qa" && g.note == "QA reads line 2"),
        "{g:?}"
    );
    assert_eq!(u.tree.selected_path().as_deref(), Some(oee.as_str()));
    // The undo is a change of its own in the log (R32).
    let log = root.log(None).unwrap();
    assert!(log.iter().any(|e| e.action == "app" && e.target == oee));
    keys(&mut u, "z");
    assert!(
        message(&u).starts_with("Nothing to undo"),
        "{}",
        message(&u)
    );
}

#[test]
fn r25_undo_moves_back_and_a_re_share_gets_its_note_back() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let plant = format!("{DW}/Plant");
    let note_of = |app: &App| {
        grants_on(app, &plant)
            .into_iter()
            .find(|g| g.subject.to_string() == "group:qa")
            .map(|g| (g.level.to_string(), g.note))
    };
    let before = note_of(&app).unwrap();
    select(&mut u, &plant);
    keys(&mut u, "s");
    keys(&mut u, "group:qa");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "manager");
    press(&mut u, KeyCode::Enter);
    u.handle_key(Key::ctrl('u'));
    keys(&mut u, "new note");
    press(&mut u, KeyCode::Enter);
    assert_eq!(note_of(&app), Some(("manager".into(), "new note".into())));
    keys(&mut u, "zy");
    assert_eq!(note_of(&app), Some(before), "{}", message(&u));
    // A move, undone: back to the folder it left.
    let oee = format!("{DW}/Plant/Line1/OEE");
    select(&mut u, &oee);
    keys(&mut u, "m");
    keys(&mut u, "Archive");
    press(&mut u, KeyCode::Enter);
    let root = app.session("root").unwrap();
    assert!(root.resolve_str(&oee).is_err(), "moved: {}", message(&u));
    keys(&mut u, "zy");
    assert!(
        root.resolve_str(&oee).is_ok(),
        "moved back: {}",
        message(&u)
    );
}

#[test]
fn r16_an_undo_the_rules_no_longer_allow_is_refused_with_the_reason() {
    let app = demo();
    let forecast = "/Default Workspace/my/bob/Drafts/Forecast";
    // carol collaborates on bob's Drafts as an editor: she renames, then loses the grant.
    let mut c = ui_as(&app, "carol");
    open_space(&mut c, "Shared with me");
    c.tree.sel = 0;
    c.run(Cmd::Expand);
    select(&mut c, forecast);
    keys(&mut c, "r");
    c.handle_key(Key::ctrl('u'));
    keys(&mut c, "Forecast 2");
    press(&mut c, KeyCode::Enter);
    assert!(message(&c).contains("renamed"), "{}", message(&c));
    app.session("bob")
        .unwrap()
        .unshare("/Default Workspace/my/bob/Drafts", "user:carol")
        .unwrap();
    keys(&mut c, "zy");
    let (m, error) = status(&c);
    // R12, R14: she no longer sees it, so it is not found, not refused.
    assert!(error && m.starts_with("Can't undo the rename"), "{m}");
    assert!(m.contains("does not exist"), "{m}");
}

#[test]
fn workspace_settings_say_they_are_not_undone_here_instead_of_undoing_an_older_change() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    select(&mut u, &format!("{DW}/Plant"));
    keys(&mut u, "n");
    keys(&mut u, "Kept");
    press(&mut u, KeyCode::Enter);
    u.undo.push(undo::Undo::not_here(
        "the influxdb endpoint".into(),
        "set it again with R",
    ));
    keys(&mut u, "z");
    assert!(message(&u).starts_with("Can't undo the influxdb endpoint from here"));
    let root = app.session("root").unwrap();
    assert!(root.resolve_str(&format!("{DW}/Plant/Kept")).is_ok());
    keys(&mut u, "zy");
    assert!(
        root.resolve_str(&format!("{DW}/Plant/Kept")).is_err(),
        "{}",
        message(&u)
    );
}

#[test]
fn r22_an_undo_after_losing_the_level_is_refused_with_the_rules_reason() {
    let app = demo();
    let mut u = ui_as(&app, "bob");
    let oee = format!("{DW}/Plant/Line1/OEE");
    select(&mut u, &oee);
    keys(&mut u, "r");
    u.handle_key(Key::ctrl('u'));
    keys(&mut u, "OEE2");
    press(&mut u, KeyCode::Enter);
    assert!(message(&u).contains("renamed"), "{}", message(&u));
    // qa drops to viewer on Plant: bob may no longer rename there.
    app.session("root")
        .unwrap()
        .share(&format!("{DW}/Plant"), "group:qa", "viewer", "")
        .unwrap();
    keys(&mut u, "zy");
    let (m, error) = status(&u);
    assert!(
        error && m.starts_with("You can't rename OEE2") && m.contains("(R22)"),
        "{m}"
    );
    let root = app.session("root").unwrap();
    assert!(root.resolve_str(&format!("{DW}/Plant/Line1/OEE2")).is_ok());
    // Kept: once the level is back, z tries again.
    root.share(&format!("{DW}/Plant"), "group:qa", "editor", "")
        .unwrap();
    keys(&mut u, "zy");
    assert!(root.resolve_str(&oee).is_ok(), "{}", message(&u));
}

#[test]
fn r10_a_grant_an_inherited_one_already_covers_is_said_to_add_nothing() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    // group:qa holds editor on Plant (the demo); sharing OEE below it as viewer adds nothing.
    select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
    keys(&mut u, "s");
    keys(&mut u, "group:qa");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "viewer");
    press(&mut u, KeyCode::Enter);
    let s = screen(&mut u, 120, 35);
    assert!(
        s.contains("group:qa already has editor here through /Plant: adds nothing (R10)"),
        "{s}"
    );
}

#[test]
fn a_space_roots_tabs_each_say_their_own_thing() {
    let app = demo();
    let mut u = ui_as(&app, "bob");
    u.tree.to_top();
    u.focus = Focus::Detail;
    let info = screen(&mut u, 120, 35);
    assert!(info.contains("The workspace's shared space"), "{info}");
    keys(&mut u, "l");
    let perms = screen(&mut u, 120, 35);
    assert!(perms.contains("A space root holds no grants"), "{perms}");
    assert!(perms.contains("you       member"), "{perms}");
    assert!(!perms.contains("The workspace's shared space"), "{perms}");
    keys(&mut u, "l");
    let act = screen(&mut u, 120, 35);
    assert!(
        act.contains("Changes are listed on the item they touched"),
        "{act}"
    );
}

#[test]
fn search_lists_assets_with_kind_glyphs_marks_the_match_and_cuts_paths_by_whole_names() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    keys(&mut u, "/");
    keys(&mut u, "shift");
    let buf = render_test(&mut u, 90, 35);
    let s = buffer_text(&buf);
    // Issue 16, item 10: an asset is found, with its kind's glyph.
    let y = row_of(&s, "▦ Shift overview") as u16;
    let line: String = s.lines().nth(y as usize).unwrap().to_string();
    assert!(line.contains(":dashboard/Shift overview"), "{line}");
    // The path gives way from the left, by whole names.
    assert!(
        !line.contains("/Default Workspace/team/Plant/Line1/OEE:"),
        "cut: {line}"
    );
    assert!(line.contains("…/"), "{line}");
    // The matched letters are marked.
    let x = (0..buf.area.width)
        .find(|x| buf[(*x, y)].symbol() == "S")
        .expect("the S of Shift");
    assert!(
        buf[(x, y)].modifier.contains(Modifier::UNDERLINED),
        "{line}"
    );
    press(&mut u, KeyCode::Enter);
    assert_eq!(
        u.tree.selected_path().as_deref(),
        Some("/Default Workspace/team/Plant/Line1/OEE"),
        "an asset jumps to its app"
    );
}

// ---- issue 23, item 10: the UI asks before what it cannot take back ----

/// The open dialog's lines and what-if, as drawn.
fn dialog_text(u: &mut Ui) -> String {
    assert!(u.dialog().is_some(), "a dialog is open: {}", message(u));
    screen(u, 140, 45)
}

fn assets_of(app: &App, path: &str) -> Vec<String> {
    let s = app.session("root").unwrap();
    let (it, _) = s.resolve_item(path).unwrap();
    s.assets_of(&it)
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect()
}

#[test]
fn item10_undo_of_a_copy_carol_added_a_dashboard_to_is_refused_and_keeps_it() {
    let app = demo();
    let copy = format!("{DW}/Plant/Line1/OEE (copy)");
    // root (the account owner: reads the log, R35) and bob (an analyst: does not).
    for (login, names_carol) in [("root", true), ("bob", false)] {
        let mut u = ui_as(&app, login);
        select(&mut u, &format!("{DW}/Plant/Line1/OEE"));
        keys(&mut u, "C");
        assert_eq!(u.tree.selected_path().as_deref(), Some(copy.as_str()));
        app.session("carol")
            .unwrap()
            .asset_add(&copy, "dashboard", "Carols board")
            .unwrap();
        keys(&mut u, "z");
        let (m, error) = status(&u);
        assert!(
            error && m.starts_with("Can't undo the copy OEE (copy): "),
            "{m}"
        );
        assert!(u.dialog().is_none(), "nothing is asked: it is refused");
        assert_eq!(
            m.contains("carol changed it since: asset add"),
            names_carol,
            "{login}: who changed what only to readers of the log (R35): {m}"
        );
        if !names_carol {
            assert!(m.contains("it changed since"), "{m}");
            let all = u.messages.current().unwrap().more.join("\n");
            assert!(all.contains("(R35)") && !all.contains("carol"), "{all}");
        }
        assert!(
            assets_of(&app, &copy).contains(&"Carols board".to_string()),
            "{login}: the copy keeps carol's dashboard"
        );
        // Refused for good: the next z goes on with the change before it.
        keys(&mut u, "z");
        assert!(
            message(&u).starts_with("Nothing to undo"),
            "{}",
            message(&u)
        );
        app.session("root").unwrap().rm(&copy).unwrap();
    }
}

#[test]
fn item10_undo_of_a_share_shows_its_what_if_and_changes_nothing_until_y() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let sales = format!("{DW}/Sales");
    let qa = |app: &App| {
        grants_on(app, &sales)
            .iter()
            .any(|g| g.subject.to_string() == "group:qa")
    };
    select(&mut u, &sales);
    keys(&mut u, "s");
    keys(&mut u, "group:qa");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "editor");
    press(&mut u, KeyCode::Enter);
    press(&mut u, KeyCode::Enter);
    assert!(qa(&app), "{}", message(&u));
    keys(&mut u, "z");
    let s = dialog_text(&mut u);
    assert!(
        s.contains("Undo the share of Sales with group:qa?")
            && s.contains("unshare /Default Workspace/team/Sales group:qa")
            && s.contains("What this changes")
            && (s.contains("lose editor") || s.contains("from editor")),
        "{s}"
    );
    assert!(qa(&app), "nothing is undone while it is asked");
    // Enter does not confirm; n keeps things as they are, and the undo.
    press(&mut u, KeyCode::Enter);
    assert!(u.dialog().is_some() && qa(&app));
    keys(&mut u, "n");
    assert!(u.dialog().is_none() && qa(&app));
    assert_eq!(u.undo.len(), 1);
    keys(&mut u, "zy");
    assert!(!qa(&app), "undone on y: {}", message(&u));
    assert!(message(&u).starts_with("undone: the share of Sales with group:qa"));
}

#[test]
fn item10_unshare_asks_y_like_delete() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let sales = format!("{DW}/Sales");
    let company = |app: &App| {
        grants_on(app, &sales)
            .iter()
            .any(|g| g.subject.to_string() == "org:company")
    };
    select(&mut u, &sales);
    keys(&mut u, "u");
    keys(&mut u, "org:company");
    press(&mut u, KeyCode::Enter);
    let s = dialog_text(&mut u);
    assert!(
        s.contains("Remove org:company's viewer grant on /Default Workspace/team/Sales?")
            && s.contains("What this changes")
            && s.contains("y yes"),
        "{s}"
    );
    press(&mut u, KeyCode::Enter);
    assert!(company(&app), "Enter removes nothing");
    press(&mut u, KeyCode::Esc);
    assert!(u.dialog().is_none() && company(&app), "Esc keeps it");
    keys(&mut u, "u");
    keys(&mut u, "org:company");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "y");
    assert!(!company(&app), "removed on y: {}", message(&u));
    assert!(message(&u).contains("removed the grant to org:company"));
}

#[test]
fn item10_changes_made_here_and_undone_do_not_refuse_an_older_undo() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let root = app.session("root").unwrap();
    let at = |n: &str| format!("{DW}/Plant/{n}");
    select(&mut u, &at("Line2"));
    for name in ["Line B", "Line C"] {
        keys(&mut u, "r");
        u.handle_key(Key::ctrl('u'));
        keys(&mut u, name);
        press(&mut u, KeyCode::Enter);
    }
    assert!(root.resolve_str(&at("Line C")).is_ok(), "{}", message(&u));
    keys(&mut u, "zy");
    assert!(root.resolve_str(&at("Line B")).is_ok(), "{}", message(&u));
    keys(&mut u, "zy");
    assert!(root.resolve_str(&at("Line2")).is_ok(), "{}", message(&u));
}

#[test]
fn item10_a_change_made_while_the_undo_is_asked_refuses_it_on_y() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let line2 = format!("{DW}/Plant/Line2");
    select(&mut u, &line2);
    keys(&mut u, "e");
    u.handle_key(Key::ctrl('u'));
    keys(&mut u, "line two");
    press(&mut u, KeyCode::Enter);
    keys(&mut u, "z");
    assert!(u.dialog().is_some(), "{}", message(&u));
    // alice (sysadmin) renames it before root says y.
    app.session("alice")
        .unwrap()
        .rename(&line2, "Line 2")
        .unwrap();
    keys(&mut u, "y");
    let (m, error) = status(&u);
    assert!(error && m.contains("alice changed it since: rename"), "{m}");
    let root = app.session("root").unwrap();
    let (it, _) = root.resolve_item(&format!("{DW}/Plant/Line 2")).unwrap();
    assert_eq!(it.description, "line two", "the undo was not made");
}

// ---- issue 23, item 11: C-l repaints ----

/// Draws a frame on a terminal kept from frame to frame, as the UI's loop does.
fn frame_on(term: &mut ratatui::Terminal<ratatui::backend::TestBackend>, u: &mut Ui) -> String {
    u.prepare();
    repaint_if_asked(term, u).unwrap();
    term.draw(|f| render::draw(f, u)).unwrap();
    buffer_text(term.backend().buffer())
}

/// Writes over the terminal behind the UI's back, as a stray process would.
fn scribble(term: &mut ratatui::Terminal<ratatui::backend::TestBackend>) {
    use ratatui::backend::Backend;
    let cell = ratatui::buffer::Cell::new("#");
    let cells: Vec<(u16, u16, &ratatui::buffer::Cell)> = (0..30).map(|x| (x, 4, &cell)).collect();
    term.backend_mut().draw(cells.into_iter()).unwrap();
}

#[test]
fn item11_ctrl_l_repaints_every_cell_whatever_is_open_and_is_rebindable() {
    let app = demo();
    let mut u = ui_as(&app, "root");
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(110, 32)).unwrap();
    let clean = frame_on(&mut term, &mut u);
    scribble(&mut term);
    // A frame draws only what changed: the scribble stays.
    assert!(frame_on(&mut term, &mut u).contains("#####"));
    u.handle_key(Key::ctrl('l'));
    assert_eq!(frame_on(&mut term, &mut u), clean, "repainted whole");
    // Under a dialog too (dialogs bind no C-l).
    keys(&mut u, "n");
    let asked = frame_on(&mut term, &mut u);
    scribble(&mut term);
    u.handle_key(Key::ctrl('l'));
    assert_eq!(frame_on(&mut term, &mut u), asked);
    assert!(u.dialog().is_some(), "the dialog stays open");
    press(&mut u, KeyCode::Esc);
    // A key in the key table: rebindable, and listed in help.
    let mut km = KeyMap::default();
    assert!(km.apply_config("[global]\nredraw = \"f5\"\n").is_empty());
    u.keys = km;
    let clean = frame_on(&mut term, &mut u);
    scribble(&mut term);
    u.handle_key(Key::plain(KeyCode::F(5)));
    assert_eq!(frame_on(&mut term, &mut u), clean);
    let help = KeyMap::default().help_rows(crate::tui::keymap::Scope::Tree);
    assert!(help
        .iter()
        .any(|(k, d, _)| k == "C-l" && d.contains("repaint")));
}
