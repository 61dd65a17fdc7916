//! Access as code (issue 14): `apply` files of changes, `test` files of
//! expectations, through the built binary on demo stores.

use std::path::Path;

use crate::common::*;

const TEAM: &str = "/Default Workspace/team";

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
    let (t, db) = demo_store("root");
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
    let (t, db) = demo_store("root");
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
    let (t, db) = demo_store("root");
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
    let (t, db) = demo_store("root");
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

/// The README's example test file, as `.ci/run` runs it.
const EXAMPLE: &str = "assets/examples/plant-access.yaml";

fn tool(args: &[&str]) -> Run {
    out(bare()
        // The child's working directory: the test process's stays as it is.
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args))
}

#[test]
fn the_readme_example_test_file_passes_and_is_the_one_the_readme_shows() {
    let r = tool(&["test", EXAMPLE]);
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, "10 passed, 0 failed"),
        "{}",
        r.stderr
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let file = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/examples/plant-access.yaml"
    ))
    .unwrap();
    assert!(readme.contains(&file), "README.md shows {EXAMPLE} as it is");
}

const FAILING: &str = r#"tests:
  - name: wrong on purpose
    check:
      - {user: tina, action: edit, path: "/Default Workspace/team/Plant/Line1/OEE", expect: allow}
      - {user: bob, action: edit, path: "/Default Workspace/team/Plant", expect: allow}
    who:
      - {path: "/Default Workspace/team/Plant/Line1", users: {alice: admin, bob: manager, zed: viewer}}
    access:
      - {user: tina, includes: ["/Default Workspace/team/Quality"], excludes: ["/Default Workspace/team/Plant/Line1/OEE"]}
    explain:
      - {user: dave, path: "/Default Workspace/team/Plant/Line1/OEE", on: "/Default Workspace/team/Plant"}
    whatif:
      - change: {unshare: {path: "/Default Workspace/team/Plant", subject: "group:qa"}}
        nobody: true
      - change: {share: {path: "/Default Workspace/team/Plant", subject: "user:frank", level: viewer}}
        gain: [{user: frank, level: editor}]
"#;

#[test]
fn a_failing_test_file_names_each_failed_assertion_with_expected_and_actual() {
    let (t, db) = demo_store("root");
    let file = write(&t, "fail.yaml", FAILING);
    let junit = t.path().join("report.xml");
    let r = run(
        &db,
        "root",
        &["test", &file, "--junit", junit.to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "{} {}", r.stdout, r.stderr);
    let fails: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("FAIL "))
        .collect();
    assert_eq!(fails.len(), 6, "{}", r.stdout);
    let has = |kind: &str, words: &[&str]| {
        assert!(
            fails
                .iter()
                .any(|l| l.contains(&format!("wrong on purpose: {kind}"))
                    && words.iter().all(|w| l.contains(w))),
            "{kind} {words:?} in {}",
            r.stdout
        )
    };
    has("check tina edit", &["expected allow, got deny ("]);
    has(
        "who ",
        &[
            "bob is editor, not manager",
            "zed missing",
            "also carol, dave, erin, root",
        ],
    );
    has(
        "access tina",
        &[
            "/Default Workspace/team/Quality missing",
            "Line1/OEE present (tenant)",
        ],
    );
    has("explain dave", &["expected a grant on /Default Workspace/team/Plant, got org:sales on /Default Workspace/team/Plant/Line1"]);
    has(
        "whatif unshare",
        &["expected nobody's access changes", "lose editor"],
    );
    has(
        "whatif share",
        &["expected frank gains editor", "gain viewer"],
    );
    assert_eq!(r.stdout.lines().last(), Some("1 passed, 6 failed"));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"tests="7""#) && xml.contains(r#"failures="6""#),
        "{xml}"
    );
    // JSON: the same results, for scripts.
    let j = run(&db, "root", &["--json", "test", &file]).json();
    assert_eq!(
        (j["passed"].as_u64(), j["failed"].as_u64()),
        (Some(1), Some(6))
    );
}

#[test]
fn a_test_file_runs_on_the_store_given_or_on_its_own_set_up() {
    let (t, db) = demo_store("root");
    // On the store: a change there makes the same file fail.
    let file = write(
        &t,
        "store.yaml",
        "tests:\n  - name: qa edits the plant\n    check:\n      - {user: bob, action: edit, path: \"/Default Workspace/team/Plant\", expect: allow}\n",
    );
    let r = run(&db, "root", &["test", &file]);
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, "1 passed, 0 failed"),
        "{}",
        r.stderr
    );
    expect(
        &db,
        "root",
        &["unshare", "/Default Workspace/team/Plant", "group:qa"],
        0,
    );
    let r = run(&db, "root", &["test", &file]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    // Its own set-up, from an export beside it plus changes: the store given is not read.
    std::fs::write(t.path().join("base.json"), export(&db)).unwrap();
    let own = write(
        &t,
        "own.yaml",
        "setup:\n  export: base.json\n  changes:\n    - share: {path: \"/Default Workspace/team/Plant\", subject: \"group:qa\", level: editor}\ntests:\n  - name: qa edits the plant\n    check:\n      - {user: bob, action: edit, path: \"/Default Workspace/team/Plant\", expect: allow}\n",
    );
    let r = run(&t.path().join("no-store-here"), "root", &["test", &own]);
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, "1 passed, 0 failed"),
        "{}",
        r.stderr
    );
    // An inline set-up from nothing: users, a group, items, a grant.
    let inline = write(
        &t,
        "inline.yaml",
        "setup:\n  owner: own\n  changes:\n    - user_add: {login: ann}\n    - group_add: {group: ops}\n    - group_join: {group: ops, login: ann}\n    - mkdir: {path: \"/Default Workspace/team/Ops\"}\n    - share: {path: \"/Default Workspace/team/Ops\", subject: \"group:ops\", level: viewer}\ntests:\n  - name: ops reads ops\n    who:\n      - {path: \"/Default Workspace/team/Ops\", users: {ann: viewer, own: admin}}\n",
    );
    let r = run(&t.path().join("none"), "own", &["test", &inline]);
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, "1 passed, 0 failed"),
        "{}",
        r.stderr
    );
    // A malformed file: invalid input naming the line, nothing run.
    let bad = write(&t, "bad.yaml", "tests:\n  - name: x\n    chek: []\n");
    let r = expect(&db, "root", &["test", &bad], 2);
    assert!(
        r.stderr
            .contains("bad.yaml: line 3: tests[0]: unknown field `chek`"),
        "{}",
        r.stderr
    );
}

#[test]
fn entitlement_reports_stream_as_csv_tsv_jsonl_and_json() {
    let (_t, db) = demo_store("root");
    // Every user × every item they can view: the same pairs as `access LOGIN` in JSON.
    let csv = expect(&db, "root", &["access", "--all", "-o", "csv"], 0).stdout;
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("login,path,kind,level,via"));
    let rows: Vec<&str> = lines.collect();
    let tina: Vec<&&str> = rows.iter().filter(|l| l.starts_with("tina,")).collect();
    assert_eq!(
        tina.iter()
            .map(|l| l.split(',').nth(1).unwrap())
            .collect::<Vec<_>>(),
        [
            "/Customer Portal/team/Portals/Acme portal",
            "/Default Workspace/team/Plant/Line1/OEE",
            "/Default Workspace/team/Sales/Customer portal"
        ],
        "{csv}"
    );
    assert!(
        tina.iter()
            .all(|l| l.contains(",app,tenant,tenant:acme tenant")),
        "{tina:?}"
    );
    // JSON lines: one object per row, the same rows.
    let jsonl = expect(&db, "root", &["access", "--all", "-o", "jsonl"], 0).stdout;
    assert_eq!(jsonl.lines().count(), rows.len());
    let first: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(first["login"], "root");
    // One JSON document (`--json` is -o json), the same rows.
    let doc = expect(&db, "root", &["--json", "access", "--all"], 0).json();
    assert_eq!(doc.as_array().unwrap().len(), rows.len());
    // who --recursive: every item below, each user who can view it, as `who` lists them.
    let tsv = expect(
        &db,
        "root",
        &[
            "who",
            "--recursive",
            &format!("{TEAM}/Plant/Line1"),
            "-o",
            "tsv",
        ],
        0,
    )
    .stdout;
    let line1: Vec<&str> = tsv
        .lines()
        .filter(|l| l.split('\t').nth(1) == Some("/Default Workspace/team/Plant/Line1"))
        .collect();
    assert_eq!(line1.len(), 6, "{tsv}");
    assert!(
        tsv.lines()
            .any(|l| l.starts_with("tina\t/Default Workspace/team/Plant/Line1/OEE\tapp\ttenant\t")),
        "{tsv}"
    );
    // What the actor cannot see is not reported to them (R12).
    let as_tina = expect(&db, "tina", &["access", "--all", "-o", "csv"], 0).stdout;
    assert!(!as_tina.contains("/Quality"), "{as_tina}");
    let r = expect(
        &db,
        "tina",
        &["who", "-r", &format!("{TEAM}/Quality"), "-o", "csv"],
        4,
    );
    assert!(
        r.stdout.trim().is_empty() || r.stdout.trim() == "login,path,kind,level,via",
        "{}",
        r.stdout
    );
}

#[test]
fn tables_take_every_output_format_and_documents_carry_their_schema() {
    let (_t, db) = demo_store("root");
    let csv = expect(&db, "root", &["ls", TEAM, "-o", "csv"], 0).stdout;
    assert!(
        csv.starts_with("path,kind,name,id,level,path_only\n"),
        "{csv}"
    );
    assert!(
        csv.contains("/Default Workspace/team/Plant,folder,Plant,4,admin,false"),
        "{csv}"
    );
    let who = expect(
        &db,
        "root",
        &["-o", "jsonl", "who", &format!("{TEAM}/Plant")],
        0,
    )
    .stdout;
    let row: serde_json::Value = serde_json::from_str(who.lines().next().unwrap()).unwrap();
    assert_eq!(row["path"], "/Default Workspace/team/Plant");
    let log = expect(&db, "root", &["log", "-o", "tsv"], 0).stdout;
    assert!(
        log.lines()
            .next()
            .unwrap()
            .split('\t')
            .any(|c| c == "actor"),
        "{log}"
    );
    // An answer that is not a table: invalid input, with what to use instead.
    let r = expect(&db, "root", &["check", "bob", "edit", TEAM, "-o", "csv"], 2);
    assert!(r.stderr.contains("use -o text or json"), "{}", r.stderr);
    // Object documents carry the version of their shape.
    let j = expect(&db, "root", &["-o", "json", "who", TEAM], 0).json();
    assert_eq!(j["schema"], 1);
    // A closed pipe ends a long report quietly.
    let mut child = treeward(&db)
        .args(["--as", "root", "access", "--all"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn log_access_equals_the_what_if_recorded_with_the_change() {
    let (t, db) = demo_store("root");
    let line1 = format!("{TEAM}/Plant/Line1");
    let changes: [&[&str]; 3] = [
        &[
            "share",
            &line1,
            "user:frank",
            "editor",
            "--note",
            "line 1 review",
        ],
        &["unshare", "/Default Workspace/team/Plant", "group:qa"],
        &[
            "mv",
            &format!("{TEAM}/Plant/Line1/OEE"),
            &format!("{TEAM}/Quality"),
        ],
    ];
    for args in changes {
        let mut dry: Vec<&str> = args.to_vec();
        dry.push("--dry-run");
        let what_if = expect(&db, "root", &[&["--json"], dry.as_slice()].concat(), 0).json();
        let made = expect(&db, "root", &[&["--json"], args].concat(), 0).json();
        assert_eq!(
            what_if["access"], made["access"],
            "{args:?}: the dry run and the change agree"
        );
        let log = expect(&db, "root", &["--json", "log", "--access"], 0).json();
        let last = log.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["action"], args[0], "{last}");
        assert_eq!(
            last["access"]["summary"], made["access"]["summary"],
            "{args:?}"
        );
        let groups = |v: &serde_json::Value| -> Vec<(String, String, Vec<String>, usize)> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|g| {
                    let n = g
                        .get("items")
                        .map(|i| {
                            i.as_array()
                                .map(|a| a.len())
                                .unwrap_or_else(|| i.as_u64().unwrap() as usize)
                        })
                        .unwrap();
                    (
                        g["before"].to_string(),
                        g["after"].to_string(),
                        serde_json::from_value(g["logins"].clone()).unwrap(),
                        n,
                    )
                })
                .collect()
        };
        assert_eq!(
            groups(&last["access"]["groups"]),
            groups(&made["access"]["groups"]),
            "{args:?}"
        );
    }
    // Structured fields: subject, level, previous level, note.
    let log = expect(&db, "root", &["--json", "log", "--action", "share"], 0).json();
    let share = log.as_array().unwrap().last().unwrap();
    assert_eq!(
        (
            share["subject"].as_str(),
            share["level"].as_str(),
            share["note"].as_str()
        ),
        (Some("user:frank"), Some("editor"), Some("line 1 review"))
    );
    expect(&db, "root", &["share", &line1, "user:frank", "viewer"], 0);
    let log = expect(&db, "root", &["--json", "log", "--action", "share"], 0).json();
    let share = log.as_array().unwrap().last().unwrap();
    assert_eq!(
        (share["level"].as_str(), share["previous_level"].as_str()),
        (Some("viewer"), Some("editor"))
    );
    // Text: each access-changing entry with who gained and who lost what.
    let text = expect(&db, "root", &["log", "--access"], 0).stdout;
    assert!(text.contains("access: 2 user(s) lose editor"), "{text}");
    // They travel with an export.
    let exported = export(&db);
    let copy = t.path().join("copy");
    std::fs::write(t.path().join("e.json"), &exported).unwrap();
    expect(
        &copy,
        "root",
        &["import", t.path().join("e.json").to_str().unwrap()],
        0,
    );
    assert_eq!(export(&copy), exported);
}
