//! `treeward doctor [--repair]` (issue 7): damage a store's indexes on
//! purpose, see doctor name each problem (exit 5), and see `--repair` write
//! a backup, fix what is safe in one change, and leave a consistent store
//! holding exactly the records it held. Damage that is not safe to repair
//! (a lost parent, an R1 clash, a cycle, a wrong owner, an undecodable
//! record) is reported and left alone.

use std::path::Path;

use crate::common::trust_util::*;
use serde_json::Value;
use treeward::domain::*;
use treeward::store::codec::{decode, encode};
use treeward::store::kv::{Kv, Op};
use treeward::store::sled_kv::SledKv;
use treeward::store::{keys, Parent};

fn raw(db: &Path, f: impl FnOnce(&SledKv)) {
    with_raw(db, f)
}

fn pairs(kv: &SledKv, table: u8) -> Vec<(Vec<u8>, Vec<u8>)> {
    kv.scan(&[table], None, 100_000).unwrap()
}

fn doctor(db: &Path, args: &[&str]) -> Run {
    let mut a = vec!["doctor"];
    a.extend_from_slice(args);
    let r = tw(db, "own", &a);
    assert_no_escape(&r, "doctor");
    assert!(!r.err().contains("internal error"), "{}", r.err());
    r
}

/// The export without its audit log (a repair adds one entry).
fn records(db: &Path) -> Value {
    let mut v: Value = serde_json::from_str(&export(db)).unwrap();
    v.as_object_mut().unwrap().remove("audit");
    v
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf, Value) {
    let (t, db) = demo_tempdir();
    let r = doctor(&db, &[]);
    assert_eq!(
        r.code,
        Some(0),
        "a fresh demo store is consistent: {}",
        r.out()
    );
    assert!(r.out().contains("consistent"));
    let rec = records(&db);
    (t, db, rec)
}

/// Each safe-to-repair damage: found, repaired after a backup, gone.
#[test]
fn repairs_damaged_indexes() {
    type Damage = (&'static str, &'static str, fn(&SledKv));
    let damages: Vec<Damage> = vec![
        (
            "child entry removed",
            "children index: missing entry",
            |kv| {
                let (k, _) = pairs(kv, keys::CHILD)[3].clone();
                kv.commit(&[], &[Op::Del(k)]).unwrap();
            },
        ),
        (
            "child entry to nothing",
            "children index: dangling entry",
            |kv| {
                let k = keys::child(&Parent::Folder(999_999), ItemKind::App, "ghost");
                kv.commit(&[], &[Op::Put(k, encode(&999_999u64))]).unwrap();
            },
        ),
        (
            "child entry to the wrong item",
            "points at the wrong record",
            |kv| {
                let (k, _) = pairs(kv, keys::CHILD)[2].clone();
                let (_, other) = pairs(kv, keys::CHILD)[5].clone();
                kv.commit(&[], &[Op::Put(k, other)]).unwrap();
            },
        ),
        (
            "subject-grant entry removed",
            "subject-grant index: missing",
            |kv| {
                let (k, _) = pairs(kv, keys::SUBJECT_GRANT)[0].clone();
                kv.commit(&[], &[Op::Del(k)]).unwrap();
            },
        ),
        (
            "subject-grant entry to nothing",
            "subject-grant index: dangling",
            |kv| {
                let k = keys::subject_grant(&Subject::Group("nobody".into()), 31337);
                kv.commit(&[], &[Op::Put(k, encode(&()))]).unwrap();
            },
        ),
        ("grant on a missing item", "does not exist", |kv| {
            let (_, v) = pairs(kv, keys::GRANT)[0].clone();
            let mut g: Grant = decode(&v, "grant").unwrap();
            g.item = 424_242;
            kv.commit(
                &[],
                &[
                    Op::Put(keys::grant(g.item, &g.subject), encode(&g)),
                    Op::Put(keys::subject_grant(&g.subject, g.item), encode(&())),
                ],
            )
            .unwrap();
        }),
        (
            "integration use removed",
            "integration-use index: missing",
            |kv| {
                let (k, _) = pairs(kv, keys::INTEG_USE)[0].clone();
                kv.commit(&[], &[Op::Del(k)]).unwrap();
            },
        ),
        (
            "integration use of nothing",
            "integration-use index: dangling",
            |kv| {
                let k = keys::integ_use(1, "ghost", 77);
                kv.commit(&[], &[Op::Put(k, encode(&()))]).unwrap();
            },
        ),
        (
            "audit item entry removed",
            "audit item index: missing",
            |kv| {
                let (k, _) = pairs(kv, keys::AUDIT_ITEM)[4].clone();
                kv.commit(&[], &[Op::Del(k)]).unwrap();
            },
        ),
        (
            "audit item entry to nothing",
            "audit item index: dangling",
            |kv| {
                kv.commit(&[], &[Op::Put(keys::audit_item(5, 999_999), encode(&()))])
                    .unwrap();
            },
        ),
        (
            "user-group entry removed",
            "user-group index: missing",
            |kv| {
                let (k, _) = pairs(kv, keys::USER_GROUP)[0].clone();
                kv.commit(&[], &[Op::Del(k)]).unwrap();
            },
        ),
        ("id counter reset", "counter", |kv| {
            kv.commit(&[], &[Op::Put(keys::meta("next_id"), encode(&1u64))])
                .unwrap();
        }),
        ("asset of a missing app", "asset", |kv| {
            let (_, v) = pairs(kv, keys::ASSET)[0].clone();
            let mut a: Asset = decode(&v, "asset").unwrap();
            a.app = 555_555;
            kv.commit(
                &[],
                &[Op::Put(keys::asset(a.app, a.kind, &a.name), encode(&a))],
            )
            .unwrap();
        }),
    ];
    let (_t, db, before) = setup();
    let mut n = 0;
    for (what, expect, damage) in damages {
        n += 1;
        let d = db.with_file_name(format!("d{n}"));
        assert!(tw(
            &db,
            "own",
            &[
                "backup",
                d.with_file_name(format!("b{n}")).to_str().unwrap()
            ]
        )
        .ok());
        let d = d.with_file_name(format!("b{n}")).join("store");
        raw(&d, damage);
        let r = doctor(&d, &[]);
        assert_eq!(
            r.code,
            Some(5),
            "{what}: doctor exit {:?}: {}",
            r.code,
            r.out()
        );
        assert!(
            r.out().contains(expect),
            "{what}: {expect:?} not in {}",
            r.out()
        );
        let problems = r
            .out()
            .lines()
            .filter(|l| l.starts_with("problem: "))
            .count();
        assert!(problems >= 1);
        // Repair: a backup first, then the fixes.
        let bk = d.with_file_name("before-repair");
        let r = doctor(&d, &["--repair", "--backup", bk.to_str().unwrap()]);
        assert_eq!(
            r.code,
            Some(0),
            "{what}: repair exit {:?}: {} {}",
            r.code,
            r.out(),
            r.err()
        );
        assert!(r.out().contains("backup written to"), "{}", r.out());
        // The backup is the damaged store, whole: doctor finds the same there.
        let rb = doctor(&bk, &[]);
        assert_eq!(
            rb.code,
            Some(5),
            "{what}: the backup is not the store before repair"
        );
        // After: consistent, and the records are those of the undamaged store.
        let r = doctor(&d, &[]);
        assert_eq!(r.code, Some(0), "{what}: still damaged: {}", r.out());
        assert_eq!(records(&d), before, "{what}: a repair changed records");
        // The repair is in the audit log (R32).
        let log: Value = serde_json::from_str(&export(&d)).unwrap();
        let last = log["audit"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["action"], "doctor repair", "{what}");
        // And the store works: a new item does not overwrite an old one.
        let r = tw(
            &d,
            "own",
            &["mkdir", "/Default Workspace/team/after-repair"],
        );
        assert!(r.ok(), "{what}: {}", r.err());
        assert_eq!(doctor(&d, &[]).code, Some(0), "{what}: after a write");
    }
    println!("doctor repaired {n} kinds of index damage");
}

/// Damage that needs a person: reported, not repaired, nothing changed.
#[test]
fn reports_what_it_cannot_repair() {
    type Damage = (&'static str, &'static str, fn(&SledKv));
    let damages: Vec<Damage> = vec![
        ("parent lost", "parent", |kv| {
            let (k, v) = pairs(kv, keys::ITEM)[6].clone();
            let mut it: Item = decode(&v, "item").unwrap();
            let old = keys::child(&Parent::of(&it), it.kind, &it.name);
            it.parent = Some(888_888);
            let new = keys::child(&Parent::of(&it), it.kind, &it.name);
            kv.commit(
                &[],
                &[
                    Op::Put(k, encode(&it)),
                    Op::Del(old),
                    Op::Put(new, encode(&it.id)),
                ],
            )
            .unwrap();
        }),
        ("R1 clash", "R1", |kv| {
            // A folder and an app of one name under one parent.
            let (_, v) = pairs(kv, keys::ITEM)
                .into_iter()
                .find(|(_, v)| decode::<Item>(v, "item").unwrap().kind == ItemKind::Folder)
                .unwrap();
            let f: Item = decode(&v, "item").unwrap();
            let mut twin = f.clone();
            twin.id = 700_000;
            twin.kind = ItemKind::App;
            kv.commit(
                &[],
                &[
                    Op::Put(keys::item(twin.id), encode(&twin)),
                    Op::Put(
                        keys::child(&Parent::of(&twin), twin.kind, &twin.name),
                        encode(&twin.id),
                    ),
                    Op::Put(keys::meta("next_id"), encode(&700_001u64)),
                ],
            )
            .unwrap();
        }),
        ("cycle", "loops", |kv| {
            let folders: Vec<Item> = pairs(kv, keys::ITEM)
                .into_iter()
                .map(|(_, v)| decode::<Item>(&v, "item").unwrap())
                .filter(|i| i.kind == ItemKind::Folder && i.parent.is_some())
                .collect();
            let child = folders[0].clone();
            let mut parent: Item = decode(
                &kv.get(&keys::item(child.parent.unwrap())).unwrap().unwrap(),
                "item",
            )
            .unwrap();
            let old = keys::child(&Parent::of(&parent), parent.kind, &parent.name);
            parent.parent = Some(child.id);
            let new = keys::child(&Parent::of(&parent), parent.kind, &parent.name);
            kv.commit(
                &[],
                &[
                    Op::Put(keys::item(parent.id), encode(&parent)),
                    Op::Del(old),
                    Op::Put(new, encode(&parent.id)),
                ],
            )
            .unwrap();
        }),
        ("My Creations item of another owner", "My Creations", |kv| {
            let (k, v) = pairs(kv, keys::ITEM)
                .into_iter()
                .find(|(_, v)| {
                    decode::<Item>(v, "item")
                        .unwrap()
                        .space
                        .my_owner()
                        .is_some()
                })
                .unwrap();
            let mut it: Item = decode(&v, "item").unwrap();
            it.owner = "intruder".into();
            kv.commit(&[], &[Op::Put(k, encode(&it))]).unwrap();
        }),
        ("undecodable record", "does not decode", |kv| {
            let (k, _) = pairs(kv, keys::GRANT)[1].clone();
            let (k2, _) = pairs(kv, keys::CHILD)[1].clone();
            // With an unreadable record, not even the safe fixes are made.
            kv.commit(&[], &[Op::Put(k, vec![3, 3, 3]), Op::Del(k2)])
                .unwrap();
        }),
    ];
    let (_t, db, _) = setup();
    for (n, (what, expect, damage)) in damages.into_iter().enumerate() {
        let d = db.with_file_name(format!("x{n}"));
        assert!(tw(&db, "own", &["backup", d.to_str().unwrap()]).ok());
        let d = d.join("store");
        raw(&d, damage);
        let r = doctor(&d, &[]);
        assert_eq!(r.code, Some(5), "{what}: {} {}", r.out(), r.err());
        assert!(
            r.out().contains(expect),
            "{what}: {expect:?} not in {}",
            r.out()
        );
        let bk = d.with_file_name("bk");
        let r = doctor(&d, &["--repair", "--backup", bk.to_str().unwrap()]);
        assert_eq!(
            r.code,
            Some(5),
            "{what}: repair must not claim success: {}",
            r.out()
        );
        assert!(r.out().contains(expect), "{what}: {}", r.out());
    }
}

#[test]
fn doctor_json_and_clean_store() {
    let (_t, db, _) = setup();
    let r = tw(&db, "own", &["--json", "doctor"]);
    assert!(r.ok());
    let v: Value = serde_json::from_str(&r.out()).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["problems"].as_array().unwrap().len(), 0);
    // --repair on a clean store writes nothing, not even a backup.
    let r = doctor(&db, &["--repair"]);
    assert_eq!(r.code, Some(0));
    assert!(!r.out().contains("backup"));
}
