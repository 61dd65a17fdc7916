//! `treeward backup DIR` (issue 7): a consistent copy while the store is in
//! use; `import` of the backup's JSON gives the same `export`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use treeward::app::App;
use treeward::domain::ItemKind;

use crate::common::trust_util::*;

#[test]
fn backup_then_import_gives_the_same_export() {
    let (t, db) = demo_tempdir();
    let before = export(&db);
    let bk = t.path().join("bk");
    let r = tw(&db, "own", &["backup", bk.to_str().unwrap()]);
    assert!(r.ok(), "{}", r.err());
    assert_no_escape(&r, "backup");
    // The backup's store exports the same document…
    assert_eq!(export(&bk.join("store")), before);
    // …and so does a fresh store that imports the backup's JSON.
    let fresh = t.path().join("fresh");
    let r = tw(
        &fresh,
        "own",
        &["import", bk.join("export.json").to_str().unwrap()],
    );
    assert!(r.ok(), "{}", r.err());
    assert_eq!(export(&fresh), before);
    // Owner-only files.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(bk.join("export.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o077,
        0,
        "export.json is readable by others: {mode:o}"
    );
    // The source store was not changed by being backed up.
    assert_eq!(export(&db), before);
}

/// Issue 13 #11: `backup` into a directory that holds something is a
/// conflict (5), as `export` onto an existing file is; `--force` replaces
/// the earlier backup's export.json and store and leaves the rest alone.
#[test]
fn backup_does_not_overwrite_a_directory_without_force() {
    let (t, db) = demo_tempdir();
    let bk = t.path().join("bk");
    let dir = bk.to_str().unwrap();
    assert!(tw(&db, "own", &["backup", dir]).ok());
    std::fs::write(bk.join("NOTES"), "kept").unwrap();
    let first = std::fs::read(bk.join("export.json")).unwrap();
    let r = tw(&db, "own", &["backup", dir]);
    assert_eq!(r.code, Some(5), "{}", r.err());
    assert!(
        r.err().starts_with("conflict:") && r.err().contains("--force"),
        "{}",
        r.err()
    );
    assert_eq!(std::fs::read(bk.join("export.json")).unwrap(), first);
    // A change, then --force: the backup holds it; other files stay.
    assert!(tw(&db, "own", &["mkdir", "/Default Workspace/team/After"]).ok());
    let r = tw(&db, "own", &["backup", "--force", dir]);
    assert!(r.ok(), "{}", r.err());
    assert_eq!(export(&bk.join("store")), export(&db));
    assert_ne!(std::fs::read(bk.join("export.json")).unwrap(), first);
    assert_eq!(std::fs::read_to_string(bk.join("NOTES")).unwrap(), "kept");
    let left: Vec<_> = std::fs::read_dir(&bk)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// While writers work on the store (as in a server), each backup is a
/// consistent state: it imports (import checks every rule), reads back the
/// same, passes doctor, and holds a prefix of the writes.
#[test]
fn backup_while_writers_run() {
    let (t, db) = demo_tempdir();
    let app = Arc::new(App::open(&db).unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (app, stop) = (app.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) && n < 2000 {
                let s = app.session("own").unwrap();
                let f = format!("/Default Workspace/team/w{n}");
                s.create(&f, ItemKind::Folder).unwrap();
                let s = app.session("own").unwrap();
                s.create(&format!("{f}/app"), ItemKind::App).unwrap();
                n += 1;
            }
            n
        })
    };
    let mut counts = Vec::new();
    for i in 0..6 {
        std::thread::sleep(std::time::Duration::from_millis(60));
        let dir = t.path().join(format!("bk{i}"));
        let b = app.backup(&dir, false).expect("backup while writing");
        let copy = App::open(&b.store).unwrap();
        // Consistent: every folder w{n} has its app (each pair is written by
        // two separate changes, so a folder may lack it only as the last one).
        let json: serde_json::Value = serde_json::from_str(&copy.export_json().unwrap()).unwrap();
        let items = json["workspaces"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|w| w["items"].as_array().unwrap().clone())
            .collect::<Vec<_>>();
        let folders = items
            .iter()
            .filter(|i| i["name"].as_str().unwrap().starts_with('w') && i["kind"] == "folder")
            .count();
        let apps = items.iter().filter(|i| i["name"] == "app").count();
        assert!(
            apps == folders || apps + 1 == folders,
            "{folders} folders, {apps} apps"
        );
        let report = copy.doctor(false, None).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        counts.push(folders);
    }
    stop.store(true, Ordering::Relaxed);
    let n = writer.join().unwrap();
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
    println!("6 backups taken during {n} write pairs: {counts:?}");
}
