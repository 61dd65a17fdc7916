//! `doctor` tells the truth about loss (issue 23 #5). Damage is written into
//! sled's data file of random stores at random places; `doctor --repair`'s
//! report (its JSON: per kind of record, how many the store held, how many
//! are kept, which audit seqs and which names are lost) is checked against
//! what the test knows the store held: its export taken before the damage,
//! and the export of the repaired store. A repair reports exactly what it
//! lost: nothing lost silently, nothing reported lost that survived. And a
//! repair never reuses an audit seq: numbering goes on past the highest
//! ever issued, with an entry recording the gap (also on PostgreSQL, where
//! doctor finds audit entries missing below the counter).
//!
//! `LOSS_STORES` and `LOSS_DAMAGES` size the random run (default 4 × 10).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::trust_util::*;
use crate::common::world::Rng;
use crate::common::{copy_dir, env_number, fresh, pg};
use serde_json::Value;
use treeward::app::App;
use treeward::domain::ItemKind;
use treeward::store::keys;
use treeward::store::kv::{Kv, Op};

fn sled_file(db: &Path) -> PathBuf {
    db.join("data").join("db")
}

/// 400 bytes of garbage in the 4 KiB block at `block` of the part of the
/// data file in use (the issue's damage), at `at` inside it.
fn garbage(db: &Path, block: usize, at: usize, seed: u64) {
    let mut b = fs::read(sled_file(db)).unwrap();
    let start = (block * 4096 + at).min(b.len().saturating_sub(400));
    let mut rng = Rng(seed);
    for x in &mut b[start..start + 400] {
        *x = rng.next() as u8;
    }
    fs::write(sled_file(db), &b).unwrap();
}

/// Blocks of the data file that hold something.
fn used_blocks(db: &Path) -> usize {
    let b = fs::read(sled_file(db)).unwrap();
    b.iter().rposition(|x| *x != 0).unwrap_or(0) / 4096 + 1
}

/// What an export holds, by kind of record (the kinds doctor reports),
/// each record by its identity.
fn census(export: &Value) -> Census {
    let mut c: Census = BTreeMap::new();
    let s = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    let mut put = |kind: &'static str, id: String| {
        c.entry(kind).or_default().insert(id);
    };
    for u in export["users"].as_array().unwrap() {
        put("users", s(&u["login"]));
    }
    for g in export["groups"].as_array().unwrap() {
        put("groups", s(&g["name"]));
        for m in g["members"].as_array().unwrap() {
            put("group memberships", format!("{}/{}", s(&g["name"]), s(m)));
        }
    }
    for o in export["orgs"].as_array().unwrap() {
        put("org units", s(&o["name"]));
        for m in o["members"].as_array().unwrap() {
            put(
                "org unit memberships",
                format!("{}/{}", s(&o["name"]), s(m)),
            );
        }
    }
    for t in export["tenants"].as_array().unwrap() {
        put("tenants", s(&t["name"]));
    }
    for w in export["workspaces"].as_array().unwrap() {
        let ws = s(&w["id"]);
        put("workspaces", ws.clone());
        for m in w["members"].as_array().unwrap() {
            put("workspace roles", format!("{ws}/{}", s(&m["login"])));
        }
        for i in w["integrations"].as_array().unwrap() {
            put("integrations", format!("{ws}/{}", s(&i["name"])));
        }
        for it in w["items"].as_array().unwrap() {
            let id = s(&it["id"]);
            put("items", id.clone());
            for a in it["assets"].as_array().unwrap() {
                put(
                    "assets",
                    format!("{id}/{}/{}", s(&a["kind"]), s(&a["name"])),
                );
            }
            for g in it["grants"].as_array().unwrap() {
                put("grants", format!("{id}/{}", s(&g["subject"])));
            }
        }
    }
    for a in export["audit"].as_array().unwrap() {
        put("audit entries", s(&a["seq"]));
    }
    c
}

/// The audit seqs of an export.
fn seqs(export: &Value) -> BTreeSet<u64> {
    export["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["seq"].as_u64().unwrap())
        .collect()
}

fn expand(ranges: &Value) -> BTreeSet<u64> {
    ranges
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r[0].as_u64().unwrap()..=r[1].as_u64().unwrap())
        .collect()
}

/// Checks one repair's report against the exports before and after.
/// Returns how many records it says are lost, how many names it gives,
/// and how many kinds it tells one by one.
fn check_report(what: &str, report: &Value, before: &Value, after: &Value) -> (u64, usize, usize) {
    let note = &report["salvage"];
    let (b, a) = (census(before), census(after));
    let repair_seq = seqs(after)
        .difference(&seqs(before))
        .copied()
        .max()
        .unwrap_or_else(|| panic!("{what}: the repair logged no entry of its own"));
    let highest = seqs(before).into_iter().max().unwrap_or(0);
    assert!(
        repair_seq > highest,
        "{what}: the repair's entry reused seq {repair_seq} (highest before {highest})"
    );
    let global = note["lost"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l.as_str().unwrap().contains("end of a log segment"));
    let mut lost_total = 0;
    for l in note["losses"].as_array().unwrap() {
        lost_total += check_kind(what, l, &b, &a, repair_seq, global);
    }
    let losses = note["losses"].as_array().unwrap();
    let named = losses
        .iter()
        .map(|l| l["names"].as_array().unwrap().len())
        .sum();
    let told = losses
        .iter()
        .filter(|l| l["exact"] == true && (l["lost"] != 0 || l["extra"] != 0))
        .count();
    (lost_total, named, told)
}

type Census = BTreeMap<&'static str, BTreeSet<String>>;

/// One kind of record of a report, against the exports' census before and
/// after; returns how many it says are lost.
fn check_kind(what: &str, l: &Value, b: &Census, a: &Census, repair_seq: u64, global: bool) -> u64 {
    let kind = l["kind"].as_str().unwrap();
    let n = |k: &str| l[k].as_u64().unwrap();
    if ["audit details", "access records"].contains(&kind) {
        return n("lost");
    }
    let bk = b.get(kind).cloned().unwrap_or_default();
    let mut ak = a.get(kind).cloned().unwrap_or_default();
    if kind == "audit entries" {
        ak.remove(&repair_seq.to_string());
    }
    let gone: BTreeSet<String> = bk.difference(&ak).cloned().collect();
    let back: BTreeSet<String> = ak.difference(&bk).cloned().collect();
    let (lost, extra, cut) = (n("lost"), n("extra"), n("cut_off"));
    let exact = l["exact"].as_bool().unwrap();
    let item_bound = ["assets", "grants"].contains(&kind);
    // The tally knew what the store held.
    assert_eq!(
        l["held"].as_u64(),
        Some(bk.len() as u64),
        "{what}: {kind} held"
    );
    // What a repair keeps is what the repaired store holds.
    if kind == "items" {
        assert_eq!(
            n("kept") - cut,
            ak.len() as u64,
            "{what}: items kept and reachable"
        );
    } else if !item_bound {
        assert_eq!(n("kept"), ak.len() as u64, "{what}: {kind} kept");
    }
    let g = gone.len() as u64;
    if exact && !item_bound {
        told_one_by_one(what, kind, (lost, extra, cut), &gone, &back);
    }
    // Nothing reported lost that survived.
    assert!(
        lost <= g + cut,
        "{what}: {kind}: {lost} reported lost, {g} gone"
    );
    let id = |shown: &str| shown.split(' ').next().unwrap().to_string();
    for name in l["names"].as_array().unwrap() {
        let name = id(name.as_str().unwrap());
        assert!(gone.contains(&name), "{what}: {kind} {name} reported lost, but the repaired store holds it (or it never was)");
    }
    if cut == 0 {
        for name in l["came_back"].as_array().unwrap() {
            let name = name.as_str().unwrap().to_string();
            assert!(
                back.contains(&name),
                "{what}: {kind} {name} reported back, but it is not"
            );
        }
    }
    // Nothing lost silently.
    let loud = lost > 0 || extra > 0 || n("stale") > 0 || cut > 0 || l["differs"] == true || global;
    if !gone.is_empty() {
        assert!(
            loud || item_bound,
            "{what}: {kind} {gone:?} lost without a word: {l}"
        );
    }
    if !back.is_empty() {
        assert!(
            loud,
            "{what}: {kind} {back:?} came back without a word: {l}"
        );
    }
    if kind == "audit entries" {
        let reported = expand(&l["seqs"]);
        let lost: BTreeSet<u64> = gone.iter().map(|s| s.parse().unwrap()).collect();
        assert_eq!(reported, lost, "{what}: the audit seqs lost");
    }
    lost
}

/// A kind told one by one: exactly what the repaired store lacks and
/// gained (items cut off are kept, but no export shows them).
fn told_one_by_one(
    what: &str,
    kind: &str,
    (lost, extra, cut): (u64, u64, u64),
    gone: &BTreeSet<String>,
    back: &BTreeSet<String>,
) {
    let (g, b) = (gone.len() as u64, back.len() as u64);
    if kind == "items" {
        assert!(
            g <= lost + cut && g + extra >= lost + cut,
            "{what}: items: {lost} lost, {cut} cut off, {g} gone"
        );
        assert!(
            b <= extra && b + cut >= extra,
            "{what}: items: {extra} back, {b} in the export"
        );
    } else {
        assert_eq!(lost, g, "{what}: {kind}: lost {gone:?}");
        assert_eq!(extra, b, "{what}: {kind}: came back {back:?}");
    }
}

/// The repaired store goes on past the highest seq ever issued.
fn numbering_goes_on(db: &Path, repair_seq: u64, what: &str) {
    let r = tw(
        db,
        "own",
        &["mkdir", "/Default Workspace/team/after-repair"],
    );
    if !r.ok() {
        return; // the Team Space itself may be what was lost
    }
    let after: Value = serde_json::from_str(&export(db)).unwrap();
    let last = seqs(&after).into_iter().max().unwrap();
    assert_eq!(last, repair_seq + 1, "{what}: the next change's seq");
}

/// Issue 23 #5 as found: 400 bytes of garbage in one 4 KiB block of a demo
/// store's data file; `doctor --repair` said nothing was lost, and its own
/// entry reused a seq. Now the first block (from the end) whose damage
/// loses records: the report names what, against the export before.
#[test]
fn item5_doctor_names_what_a_damaged_block_lost() {
    if pg::selected() {
        println!("skipped: damages sled's data file (directory stores)");
        return;
    }
    let (t, db, before) = demo_with_export();
    let before: Value = serde_json::from_str(&before).unwrap();
    let blocks = used_blocks(&db);
    for block in (0..blocks).rev() {
        let d = t.path().join(format!("block{block}"));
        copy_dir(&db, &d);
        garbage(&d, block, 1000, block as u64);
        let r = tw(&d, "own", &["--json", "doctor", "--repair"]);
        let Ok(report) = serde_json::from_str::<Value>(&r.out()) else {
            continue;
        };
        if report["salvage"].is_null() || !tw(&d, "own", &["export"]).ok() {
            continue;
        }
        let after: Value = serde_json::from_str(&export(&d)).unwrap();
        let what = format!("block {block}");
        let (lost, _, _) = check_report(&what, &report, &before, &after);
        if lost == 0 {
            continue;
        }
        let text = tw(&d, "own", &["doctor"]).out();
        assert!(!text.contains("no record is known lost"), "{text}");
        let repair_seq = seqs(&after).into_iter().max().unwrap();
        numbering_goes_on(&d, repair_seq, &what);
        println!("doctor: damage in block {block} of {blocks} lost {lost} records; the report named them");
        return;
    }
    panic!("no block's damage lost a record");
}

/// A random store in `db`: users in groups, org units and tenants, workspaces
/// with roles, folders and apps with assets and grants; items renamed, moved
/// and removed, grants removed. Users, groups, org units, tenants and
/// workspaces are only ever added.
fn random_store(db: &Path, rng: &mut Rng) {
    let app = App::open(db).unwrap();
    app.init("own").unwrap();
    let own = app.session("own").unwrap();
    let users: Vec<String> = (0..5 + rng.below(10))
        .map(|i| format!("u{i}x{}", rng.below(99)))
        .collect();
    own.tenant_add("acme").unwrap();
    for (i, u) in users.iter().enumerate() {
        let tenant = (i % 5 == 4).then_some("acme");
        own.user_add(u, None, tenant).unwrap();
    }
    let members: Vec<&String> = users
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 5 != 4)
        .map(|(_, u)| u)
        .collect();
    for g in 0..2 + rng.below(4) {
        let name = format!("g{g}");
        own.group_add(&name).unwrap();
        for u in &members {
            if rng.chance(40) {
                own.group_join(&name, u).unwrap();
            }
        }
    }
    own.org_add("company", None).unwrap();
    own.org_add("sales", Some("company")).unwrap();
    for u in &members {
        if rng.chance(30) {
            own.org_join(if rng.chance(50) { "company" } else { "sales" }, u)
                .unwrap();
        }
    }
    let wss = ["Default Workspace", "W2", "W3"];
    for w in &wss[1..1 + rng.below(3)] {
        own.ws_add(w).unwrap();
    }
    random_items(&app, &own, &members, rng);
}

/// Folders and apps in the Default Workspace's Team Space, then changes.
fn random_items(app: &App, own: &treeward::app::Session<'_>, members: &[&String], rng: &mut Rng) {
    use treeward::domain::Role;
    for u in members.iter().take(3) {
        own.role_grant("Default Workspace", u, &[Role::Analyst])
            .unwrap();
    }
    let root = "/Default Workspace/team";
    let mut folders = vec![root.to_string()];
    let mut items: Vec<String> = Vec::new();
    for i in 0..30 + rng.below(120) {
        let parent = folders[rng.below(folders.len())].clone();
        let path = format!("{parent}/n{i}");
        let kind = if rng.chance(35) {
            ItemKind::Folder
        } else {
            ItemKind::App
        };
        own.create(&path, kind).unwrap();
        if kind == ItemKind::Folder {
            folders.push(path.clone());
        } else if rng.chance(40) {
            own.asset_add(&path, "dashboard", "Overview").unwrap();
        }
        if rng.chance(25) {
            let subject = match rng.below(3) {
                0 => format!("user:{}", members[rng.below(members.len())]),
                1 => "group:g0".to_string(),
                _ => "org:sales".to_string(),
            };
            own.share(&path, &subject, "viewer", "").unwrap();
        }
        items.push(path);
    }
    // Changes: renames, removals of apps, grants taken back.
    for path in items.iter().rev().take(10) {
        if rng.chance(30) && own.rm(path).is_ok() {
            continue;
        }
        if rng.chance(30) {
            let _ = own.rename(path, &format!("{}r", path.rsplit('/').next().unwrap()));
        }
        if rng.chance(30) {
            let _ = own.unshare(path, "group:g0");
        }
    }
    if let Some(u) = members.first() {
        let mine = format!("/Default Workspace/my/{u}/Draft");
        app.session(u)
            .unwrap()
            .create(&mine, ItemKind::App)
            .unwrap();
    }
}

/// The oracle: random stores, random damage; each repair's report checked
/// against the truth.
#[test]
fn item5_a_repair_reports_exactly_what_it_lost() {
    if pg::selected() {
        println!("skipped: damages sled's data file (directory stores)");
        return;
    }
    let stores: usize = env_number("LOSS_STORES", 4);
    let damages: usize = env_number("LOSS_DAMAGES", 10);
    let mut rng = Rng(0x1055_7e57);
    let t = tempfile::tempdir().unwrap();
    let (mut salvaged, mut lossy, mut intact, mut unreadable, mut names, mut told) =
        (0, 0, 0, 0, 0, 0);
    for s in 0..stores {
        let db = t.path().join(format!("store{s}"));
        random_store(&db, &mut rng);
        let before: Value = serde_json::from_str(&export(&db)).unwrap();
        let blocks = used_blocks(&db);
        for d in 0..damages {
            let what = format!("store {s}, damage {d}");
            let copy = t.path().join(format!("s{s}d{d}"));
            copy_dir(&db, &copy);
            // One to four blocks, most often among the newest writes (the
            // last third of the file), where a page's newest copy is.
            for _ in 0..1 + rng.below(4) {
                let block = if rng.chance(60) {
                    blocks * 2 / 3 + rng.below(blocks - blocks * 2 / 3)
                } else {
                    rng.below(blocks)
                };
                garbage(&copy, block, rng.below(3696), rng.next());
            }
            let r = tw(&copy, "own", &["--json", "doctor", "--repair"]);
            match serde_json::from_str::<Value>(&r.out()) {
                Ok(report) if !report["salvage"].is_null() => {
                    let ex = tw(&copy, "own", &["export"]);
                    if !ex.ok() {
                        // The repair left problems a person must settle
                        // (it says so): no export to compare with.
                        assert!(
                            !report["remaining"].as_array().unwrap().is_empty(),
                            "{what}: {}",
                            ex.err()
                        );
                        continue;
                    }
                    let after: Value = serde_json::from_str(&ex.out()).unwrap();
                    let (lost, named, exact) = check_report(&what, &report, &before, &after);
                    salvaged += 1;
                    lossy += usize::from(lost > 0);
                    names += named;
                    told += exact;
                }
                Ok(report) => {
                    // The damage hit bytes the store no longer uses.
                    assert!(
                        report["problems"].as_array().unwrap().is_empty(),
                        "{what}: {report}"
                    );
                    let after: Value = serde_json::from_str(&export(&copy)).unwrap();
                    assert_eq!(
                        after, before,
                        "{what}: a store doctor calls whole holds what it held"
                    );
                    intact += 1;
                }
                Err(_) => {
                    // Nothing could be read (or not even the format): one
                    // line, store unavailable.
                    assert_unavailable(&r, &copy, &what);
                    unreadable += 1;
                }
            }
            let _ = fs::remove_dir_all(&copy);
        }
    }
    println!("loss: {salvaged} repairs checked against the truth ({lossy} of them lost records; {told} kinds told one by one, {names} names of lost records), {intact} intact, {unreadable} unreadable");
    assert!(salvaged > 0, "no damage needed a repair");
    assert!(
        lossy == 0 || told > 0,
        "losses were only ever counted, never told one by one"
    );
}

/// Audit entries missing below the counter (removed behind treeward's back,
/// on either store): doctor names their seqs, and the repair records the
/// gap in an entry past the highest seq ever issued; numbering goes on.
#[test]
fn item5_a_repair_never_reuses_an_audit_seq() {
    let t = tempfile::tempdir().unwrap();
    let db = fresh(&t, "store", "auditgap");
    demo(&db);
    let before: Value = serde_json::from_str(&export(&db)).unwrap();
    let all = seqs(&before);
    let highest = *all.iter().max().unwrap();
    // The newest three entries, and one in the middle, go.
    let gone: Vec<u64> = vec![highest - 2, highest - 1, highest, highest / 2];
    remove_audit(&db, &gone);
    let r = tw(&db, "own", &["doctor"]);
    assert_eq!(r.code, Some(5), "{}", r.out());
    let want = format!("seqs {}, {}-{}", highest / 2, highest - 2, highest);
    assert!(
        r.out().contains("audit entries lost") && r.out().contains(&want),
        "{want}: {}",
        r.out()
    );
    let bk = t.path().join("bk");
    let r = tw(
        &db,
        "own",
        &["doctor", "--repair", "--backup", bk.to_str().unwrap()],
    );
    assert_eq!(r.code, Some(0), "{} {}", r.out(), r.err());
    let after: Value = serde_json::from_str(&export(&db)).unwrap();
    let entry = after["audit"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        entry["seq"].as_u64(),
        Some(highest + 1),
        "the repair's entry: {entry}"
    );
    assert!(
        entry["target"].as_str().unwrap().contains("recorded lost"),
        "{entry}"
    );
    // Recorded: doctor is content now, and numbering goes on.
    let r = tw(&db, "own", &["doctor"]);
    assert_eq!(r.code, Some(0), "{}", r.out());
    numbering_goes_on(&db, highest + 1, "after the repair");
}

/// Removes audit entries `seqs` from the store, raw.
fn remove_audit(db: &Path, seqs: &[u64]) {
    let dels: Vec<Op> = seqs.iter().map(|s| Op::Del(keys::audit(*s))).collect();
    if pg::selected() {
        let mut c = postgres::Client::connect(&db.to_string_lossy(), postgres::NoTls).unwrap();
        let ks: Vec<Vec<u8>> = seqs.iter().map(|s| keys::audit(*s)).collect();
        c.execute("DELETE FROM treeward_kv WHERE k = ANY($1)", &[&ks])
            .unwrap();
        // Other processes' caches learn of it as of any bulk change.
        c.execute(
            "WITH g AS (UPDATE treeward_generation SET gen = gen + 1 RETURNING gen)
             INSERT INTO treeward_changes (gen, keys) SELECT gen, '{}' FROM g",
            &[],
        )
        .unwrap();
        return;
    }
    with_raw(db, |kv| kv.commit(&[], &dels).unwrap());
}

/// A data file behind the tally kept beside it (here: the data of two
/// changes ago put back, as a storage engine that drops what follows a
/// damaged stretch would leave it) is refused by every command as damaged,
/// not read as if nothing happened; doctor counts what it lacks.
#[test]
fn item5_an_open_refuses_data_behind_its_tally() {
    if pg::selected() {
        println!("skipped: sled's data file (directory stores)");
        return;
    }
    let (t, db) = demo_tempdir();
    let old = t.path().join("old-data");
    copy_dir(&db.join("data"), &old);
    for name in ["x1", "x2"] {
        let r = tw(
            &db,
            "own",
            &["mkdir", &format!("/Default Workspace/team/{name}")],
        );
        assert!(r.ok(), "{}", r.err());
    }
    let tally = fs::read(db.join("data").join("treeward.tally")).unwrap();
    fs::remove_dir_all(db.join("data")).unwrap();
    copy_dir(&old, &db.join("data"));
    fs::write(db.join("data").join("treeward.tally"), tally).unwrap();
    let r = tw(&db, "own", &["tree"]);
    assert_unavailable(&r, &db, "data behind its tally");
    assert!(
        r.err().contains("lost 2 committed change(s)"),
        "{}",
        r.err()
    );
    let r = tw(&db, "own", &["--json", "doctor"]);
    assert_eq!(r.code, Some(6), "{}", r.err());
    let report: Value = serde_json::from_str(&r.out()).unwrap();
    let losses = report["salvage"]["losses"].as_array().unwrap();
    let kind = |k: &str| losses.iter().find(|l| l["kind"] == k).unwrap().clone();
    assert_eq!(kind("items")["lost"], 2, "{report}");
    assert_eq!(kind("audit entries")["lost"], 2, "{report}");
    assert_eq!(
        kind("audit entries")["seqs"].as_array().unwrap().len(),
        1,
        "{report}"
    );
}
