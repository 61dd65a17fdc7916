//! Access as code (issue 14): `apply` files of changes, `test` files of
//! expectations, through the built binary on demo stores.

mod common;
use common::*;

use std::path::{Path, PathBuf};

const TEAM: &str = "/Default Workspace/team";

fn demo() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let db = t.path().join("store");
    expect(&db, "root", &["demo"], 0);
    (t, db)
}

fn write(t: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = t.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn export(db: &Path) -> String {
    expect(db, "root", &["export"], 0).stdout
}

const CHANGES: &str = r#"# sales gets its own folder (R16, R27)
- group_add: {group: sales}
- group_join: {group: sales, login: dave}
- mkdir: {path: "/Default Workspace/team/Sales/New"}
- share:
    path: "/Default Workspace/team/Sales/New"
    subject: "group:sales"
    level: editor
    note: "sales edits"
- mv: {path: "/Default Workspace/team/Welcome", to: "/Default Workspace/team/Sales/New"}
- rename: {path: "/Default Workspace/team/Quality/SPC", name: "Process control"}
- role_grant: {ws: "Default Workspace", login: frank, roles: [analyst]}
"#;

#[test]
fn apply_twice_gives_the_same_store_as_once() {
    let (t, db) = demo();
    let file = write(&t, "changes.yaml", CHANGES);
    let first = expect(&db, "root", &["--json", "apply", &file], 0).json();
    assert_eq!(first["changed"], 7, "{first}");
    assert!(
        first["access"]["summary"].as_array().unwrap().len() > 1,
        "{first}"
    );
    let once = export(&db);
    let again = expect(&db, "root", &["apply", &file], 0);
    assert!(
        again
            .stdout
            .contains("0 of 7 entries changed the store, 7 already held"),
        "{}",
        again.stdout
    );
    assert!(again.stdout.contains("access: nobody's access changes"));
    assert_eq!(
        export(&db),
        once,
        "a second apply changes nothing, not even the log"
    );
    // What the entries state holds.
    let r = expect(&db, "root", &["ls", &format!("{TEAM}/Sales/New")], 0);
    assert!(r.stdout.contains("Welcome"), "{}", r.stdout);
    let g = expect(
        &db,
        "root",
        &["grants", "ls", &format!("{TEAM}/Sales/New")],
        0,
    );
    assert!(
        g.stdout.contains("group:sales") && g.stdout.contains("sales edits"),
        "{}",
        g.stdout
    );
}

#[test]
fn a_file_with_one_invalid_line_changes_nothing_and_names_the_line() {
    let (t, db) = demo();
    let before = export(&db);
    // Refused by the rules on line 3: the first two entries are not made either.
    let file = write(
        &t,
        "bad.yaml",
        "- mkdir: {path: \"/Default Workspace/team/Sales/A\"}\n- group_add: {group: sales}\n- share: {path: \"/Default Workspace/team/Nowhere\", subject: \"group:sales\", level: viewer}\n",
    );
    let r = expect(&db, "root", &["apply", &file], 4);
    assert!(
        r.stderr.contains("line 3 (share)") && r.stderr.contains("nothing was applied"),
        "{}",
        r.stderr
    );
    assert_eq!(export(&db), before);
    // Malformed on line 2: refused before the store is asked.
    let file = write(
        &t,
        "typo.yaml",
        "- mkdir: {path: \"/Default Workspace/team/B\"}\n- shar: {path: x}\n",
    );
    let r = expect(&db, "root", &["apply", &file], 2);
    assert!(
        r.stderr.contains("line 2: 'shar' is not a change"),
        "{}",
        r.stderr
    );
    // A user without the rights: refused with the rules' reason (R4), nothing made.
    let file = write(&t, "ok.yaml", CHANGES);
    let r = expect(&db, "dave", &["apply", &file], 3);
    assert!(r.stderr.contains("line 2 (group_add)"), "{}", r.stderr);
    assert_eq!(export(&db), before);
}

#[test]
fn apply_dry_run_shows_one_what_if_for_the_whole_file_and_changes_nothing() {
    let (t, db) = demo();
    let before = export(&db);
    let file = write(&t, "changes.yaml", CHANGES);
    let dry = expect(&db, "root", &["apply", "--dry-run", &file], 0);
    assert!(
        dry.stdout.starts_with("dry run: nothing changed."),
        "{}",
        dry.stdout
    );
    assert_eq!(export(&db), before);
    // The same what-if as the change reports when it is made.
    let made = expect(&db, "root", &["apply", &file], 0);
    let access = |s: &str| {
        s.lines()
            .filter(|l| l.starts_with("access: "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(access(&dry.stdout), access(&made.stdout));
    assert!(
        access(&made.stdout)
            .iter()
            .any(|l| l.contains("gain editor") && l.contains("dave")),
        "{}",
        made.stdout
    );
}

#[test]
fn apply_reads_json_and_csv_too() {
    let (t, db) = demo();
    let json = write(
        &t,
        "c.json",
        r#"{"changes": [
  {"mkdir": {"path": "/Default Workspace/team/Sales/J"}},
  {"share": {"path": "/Default Workspace/team/Sales/J", "subject": "user:frank", "level": "viewer"}}
]}"#,
    );
    expect(&db, "root", &["apply", &json], 0);
    let csv = write(
        &t,
        "c.csv",
        "change,path,subject,level,note\nshare,/Default Workspace/team/Sales/J,user:frank,editor,promoted\nunshare,/Default Workspace/team/Sales/J,user:frank,,\nbogus,/x,,,\n",
    );
    let r = expect(&db, "root", &["apply", &csv], 2);
    assert!(
        r.stderr.contains("line 4: 'bogus' is not a change"),
        "{}",
        r.stderr
    );
    let csv = write(
        &t,
        "d.csv",
        "change,path,subject,level,note\nshare,/Default Workspace/team/Sales/J,user:frank,editor,promoted\n",
    );
    expect(&db, "root", &["apply", &csv], 0);
    let r = expect(
        &db,
        "root",
        &["check", "frank", "edit", &format!("{TEAM}/Sales/J")],
        0,
    );
    assert!(r.stdout.starts_with("allow"), "{}", r.stdout);
    let json = write(&t, "e.json", "[\n  {\"mkdir\": {\"path\": \"/Default Workspace/team/Sales/K\"}},\n  {\"rm\": {\"path\": \"/Default Workspace/team/Nope/Deeper\"}},\n  {\"app\": {\"path\": \"/Default Workspace/team/Sales/J\"}}\n]");
    // Line 4: an app where a folder is (R1); the rm of a missing item already holds.
    let r = expect(&db, "root", &["apply", &json], 5);
    assert!(r.stderr.contains("line 4 (app)"), "{}", r.stderr);
}
