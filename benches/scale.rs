//! Whole-path benchmarks of treeward at scale, each printing the figure it
//! measures (run: `cargo bench --bench scale`; tiny sizes: `-- --smoke`).
//!
//! 1. a permission check through the app layer on an item 20 folders deep,
//!    for a user in 20 groups and an org unit 5 levels deep, with grants on
//!    many ancestors: median and p99;
//! 2. the same check answered by SQLite with a recursive CTE over the same
//!    data, and the ratio;
//! 3. listing a folder of 100,000 children: first screenful and the whole;
//! 4. `who` on a folder with many items below it, and a what-if for moving it;
//! 5. generating an account (items per second).

use std::time::{Duration, Instant};

use treeward::app::gen::GenSpec;
use treeward::app::App;
use treeward::domain::*;
use treeward::store::Parent;

struct Sizes {
    base_items: usize,
    wide: usize,
    iterations: usize,
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn fmt(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns < 10_000 {
        format!("{:.2} µs", ns as f64 / 1000.0)
    } else if ns < 10_000_000 {
        format!("{:.1} µs", ns as f64 / 1000.0)
    } else {
        format!("{:.1} ms", ns as f64 / 1e6)
    }
}

/// The deep scenario: 20 nested folders, a user in 20 groups and in a unit
/// 5 levels deep, grants on every other ancestor to groups, units and others.
fn deep_scenario(app: &App) -> (String, Vec<(u64, String, String, String)>) {
    let own = app.session("own").unwrap();
    for g in 0..40 {
        own.group_add(&format!("g{g}")).unwrap();
    }
    own.user_add("bench", None, None).unwrap();
    for g in 0..20 {
        own.group_join(&format!("g{g}"), "bench").unwrap();
    }
    let mut parent: Option<String> = None;
    for d in 0..5 {
        let u = format!("unit{d}");
        own.org_add(&u, parent.as_deref()).unwrap();
        parent = Some(u);
    }
    own.org_join("unit4", "bench").unwrap();
    let mut path = "/W1/team".to_string();
    let mut grants = Vec::new();
    for d in 0..20 {
        path = format!("{path}/Level {d}");
        own.create(&path, ItemKind::Folder).unwrap();
        let mut add = |subject: String, level: &str| {
            own.share(&path, &subject, level, "").unwrap();
            grants.push((d as u64, path.clone(), subject, level.to_string()));
        };
        if d % 2 == 0 {
            add(format!("group:g{}", d + 20), "editor"); // a group bench is not in
            add(format!("group:g{d}"), "viewer");
        }
        if d % 5 == 0 {
            add(format!("org:unit{}", d / 5), "viewer");
        }
    }
    let app_path = format!("{path}/Deep app");
    own.create(&app_path, ItemKind::App).unwrap();
    own.share(&app_path, "org:unit1", "editor", "").unwrap();
    grants.push((20, app_path.clone(), "org:unit1".into(), "editor".into()));
    (app_path, grants)
}

fn bench_check(app: &App, path: &str, n: usize) -> (Duration, Duration) {
    let own = app.session("own").unwrap();
    assert!(own.check("bench", "edit", path).unwrap().allowed);
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let d = own.check("bench", "edit", path).unwrap();
        times.push(t.elapsed());
        assert!(d.allowed);
    }
    (percentile(&mut times, 0.5), percentile(&mut times, 0.99))
}

/// The question SQLite answers (an item id in, a level out), through the app
/// layer: the item by id, its chain, the rule table with its explanation.
fn bench_check_by_id(app: &App, path: &str, n: usize) -> (Duration, Duration) {
    let own = app.session("own").unwrap();
    let id = own.resolve_str(path).unwrap().item().unwrap().id;
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let r = own.resolve_id(id).unwrap();
        let d = own.decide_as("bench", Action::Edit, &r).unwrap();
        times.push(t.elapsed());
        assert!(d.allowed);
    }
    (percentile(&mut times, 0.5), percentile(&mut times, 0.99))
}

/// The same question asked of SQLite the way a relational console does: a
/// recursive CTE for the item's ancestors and one for the user's units, over
/// the same data (every item, grant, group and unit of the generated account,
/// loaded from its export; in memory, indexes on the join columns).
fn bench_sqlite(app: &App, item: u64, n: usize) -> (Duration, Duration) {
    let e = app.export().unwrap();
    let mut db = rusqlite::Connection::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE items(id INTEGER PRIMARY KEY, parent INTEGER, name TEXT);
         CREATE TABLE grants(item INTEGER, kind TEXT, subject TEXT, level INTEGER);
         CREATE INDEX grants_item ON grants(item);
         CREATE TABLE group_members(grp TEXT, login TEXT);
         CREATE INDEX gm_login ON group_members(login);
         CREATE TABLE orgs(name TEXT PRIMARY KEY, parent TEXT);
         CREATE TABLE org_members(unit TEXT, login TEXT);
         CREATE INDEX om_login ON org_members(login);",
    )
    .unwrap();
    let lv = |l: Level| match l {
        Level::Tenant => 0,
        Level::Viewer => 1,
        Level::Editor => 2,
        Level::Manager => 3,
    };
    let tx = db.transaction().unwrap();
    {
        let mut it = tx.prepare("INSERT INTO items VALUES (?1, ?2, ?3)").unwrap();
        let mut gr = tx
            .prepare("INSERT INTO grants VALUES (?1, ?2, ?3, ?4)")
            .unwrap();
        for w in &e.workspaces {
            for ie in &w.items {
                let i = &ie.item;
                it.execute(rusqlite::params![i.id, i.parent, i.name])
                    .unwrap();
                for g in &ie.grants {
                    gr.execute(rusqlite::params![
                        g.item,
                        g.subject.kind(),
                        g.subject.name(),
                        lv(g.level)
                    ])
                    .unwrap();
                }
            }
        }
        let mut gm = tx
            .prepare("INSERT INTO group_members VALUES (?1, ?2)")
            .unwrap();
        for g in &e.groups {
            for m in &g.members {
                gm.execute(rusqlite::params![g.name, m]).unwrap();
            }
        }
        let mut og = tx.prepare("INSERT INTO orgs VALUES (?1, ?2)").unwrap();
        let mut om = tx
            .prepare("INSERT INTO org_members VALUES (?1, ?2)")
            .unwrap();
        for o in &e.orgs {
            og.execute(rusqlite::params![o.name, o.parent]).unwrap();
            for m in &o.members {
                om.execute(rusqlite::params![o.name, m]).unwrap();
            }
        }
    }
    tx.commit().unwrap();
    drop(e);
    let sql = "WITH RECURSIVE anc(id) AS (SELECT ?1 UNION ALL SELECT items.parent FROM items JOIN anc ON items.id = anc.id WHERE items.parent IS NOT NULL),
               units(name) AS (SELECT unit FROM org_members WHERE login = ?2 UNION SELECT orgs.parent FROM orgs JOIN units ON orgs.name = units.name WHERE orgs.parent IS NOT NULL)
               SELECT MAX(level) FROM grants WHERE item IN (SELECT id FROM anc) AND (
                 (kind = 'user' AND subject = ?2) OR
                 (kind = 'group' AND subject IN (SELECT grp FROM group_members WHERE login = ?2)) OR
                 (kind = 'org' AND subject IN (SELECT name FROM units)))";
    let mut stmt = db.prepare(sql).unwrap();
    let level: i64 = stmt
        .query_row(rusqlite::params![item, "bench"], |r| r.get(0))
        .unwrap();
    assert_eq!(level, 2, "SQLite agrees: editor");
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let l: i64 = stmt
            .query_row(rusqlite::params![item, "bench"], |r| r.get(0))
            .unwrap();
        times.push(t.elapsed());
        assert!(l >= 2);
    }
    (percentile(&mut times, 0.5), percentile(&mut times, 0.99))
}

fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let sizes = if smoke {
        Sizes {
            base_items: 2_000,
            wide: 2_000,
            iterations: 2_000,
        }
    } else {
        Sizes {
            base_items: 200_000,
            wide: 100_000,
            iterations: 100_000,
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(&dir.path().join("store")).unwrap();
    let t = Instant::now();
    let spec = GenSpec {
        items: sizes.base_items,
        users: 2_000,
        groups: 20,
        org_depth: 4,
        depth: 8,
        grants: sizes.base_items / 10,
        wide: sizes.wide,
        seed: 7,
    };
    let sum = app.generate("own", &spec, &mut |_, _| {}).unwrap();
    let gen_secs = t.elapsed().as_secs_f64();
    println!(
        "gen: {} items, {} users, {} grants in {:.2} s ({:.0} items/s)",
        sum.items,
        sum.users,
        sum.grants,
        gen_secs,
        sum.items as f64 / gen_secs
    );

    // TREEWARD_BENCH_WHATIF_ONLY: only `who` and the what-if (for profiling).
    let whatif_only = std::env::var("TREEWARD_BENCH_WHATIF_ONLY").is_ok();
    if !whatif_only {
        bench_check_and_list(&app, &sizes);
    }
    bench_who_and_whatif(&app, &sizes, sum.users);
    // TREEWARD_BENCH_PG: an empty PostgreSQL database; the same account and
    // the same checks there, beside sled's.
    if let Ok(url) = std::env::var("TREEWARD_BENCH_PG") {
        bench_postgres(&url, &spec, &sizes);
    }
}

/// The check on the PostgreSQL store: warm (the process's read cache, as a
/// server answers), per request (a new session: one look at the
/// generation first), and cold (the cache emptied before each check).
fn bench_postgres(url: &str, spec: &GenSpec, sizes: &Sizes) {
    treeward::store::pg_migrate::migrate(url, false).expect("TREEWARD_BENCH_PG: migrate");
    let app = App::open_postgres(url).expect("TREEWARD_BENCH_PG: an empty database");
    let t = Instant::now();
    let sum = app.generate("own", spec, &mut |_, _| {}).unwrap();
    println!(
        "postgres gen: {} items in {:.2} s",
        sum.items,
        t.elapsed().as_secs_f64()
    );
    let (path, _) = deep_scenario(&app);
    let (m, p) = bench_check(&app, &path, sizes.iterations);
    println!("postgres check, warm: median {} p99 {}", fmt(m), fmt(p));
    let check_in_new_session = || {
        let own = app.session("own").unwrap();
        assert!(own.check("bench", "edit", &path).unwrap().allowed);
    };
    report(
        "postgres check, a new session each",
        timed(sizes.iterations / 10, |_| {}, check_in_new_session),
    );
    let own = app.session("own").unwrap();
    let n = (sizes.iterations / 100).max(100);
    report(
        "postgres check, cold (cache emptied)",
        timed(
            n,
            |_| app.store().forget_cache(),
            || assert!(own.check("bench", "edit", &path).unwrap().allowed),
        ),
    );
    // Another process renames an unrelated folder before each check: what
    // the check (in a new session, as a server answers) finds cached.
    let other = App::open_postgres(url).unwrap();
    let changer = other.session("own").unwrap();
    let names = ["Elsewhere", "Elsewhere 2"];
    changer
        .create(&format!("/W1/team/{}", names[0]), ItemKind::Folder)
        .unwrap();
    let rename_elsewhere = |i: usize| {
        let (from, to) = (names[i % 2], names[(i + 1) % 2]);
        changer.rename(&format!("/W1/team/{from}"), to).unwrap();
    };
    report(
        "postgres check, a new session each, after another process's change",
        timed(n, rename_elsewhere, check_in_new_session),
    );
}

/// Median and p99 of `n` runs of `measured`, each after an untimed `before(i)`.
fn timed(
    n: usize,
    mut before: impl FnMut(usize),
    mut measured: impl FnMut(),
) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        before(i);
        let t = Instant::now();
        measured();
        times.push(t.elapsed());
    }
    (percentile(&mut times, 0.5), percentile(&mut times, 0.99))
}

fn report(what: &str, (m, p): (Duration, Duration)) {
    println!("{what}: median {} p99 {}", fmt(m), fmt(p));
}

fn bench_check_and_list(app: &App, sizes: &Sizes) {
    let (deep, grants) = deep_scenario(app);
    let (med, p99) = bench_check(app, &deep, sizes.iterations);
    println!(
        "check (20 deep, 20 groups, org 5 deep, {} grants on the chain): median {}, p99 {}",
        grants.len(),
        fmt(med),
        fmt(p99)
    );
    if std::env::var("TREEWARD_BENCH_CHECK_ONLY").is_ok() {
        let (med, _) = bench_check(app, &deep, 300_000);
        println!("check (300k more): median {}", fmt(med));
        return;
    }
    let deep_id = app
        .session("own")
        .unwrap()
        .resolve_str(&deep)
        .unwrap()
        .item()
        .unwrap()
        .id;
    let (smed, sp99) = bench_sqlite(app, deep_id, sizes.iterations);
    println!(
        "check by SQLite recursive CTE: median {}, p99 {}",
        fmt(smed),
        fmt(sp99)
    );
    println!(
        "ratio SQLite / treeward (median): {:.1}x",
        smed.as_secs_f64() / med.as_secs_f64()
    );
    let (imed, ip99) = bench_check_by_id(app, &deep, sizes.iterations);
    println!(
        "check by item id (SQLite's question): median {}, p99 {}; ratio SQLite / treeward {:.1}x",
        fmt(imed),
        fmt(ip99),
        smed.as_secs_f64() / imed.as_secs_f64()
    );

    // Listing the wide folder: the first screenful and the whole.
    let own = app.session("own").unwrap();
    let wide = own.resolve_str("/W1/team/Wide").unwrap();
    let t = Instant::now();
    let (page, _) = app
        .store()
        .children_page(&Parent::Folder(wide.item().unwrap().id), None, 60)
        .unwrap();
    let first = t.elapsed();
    assert_eq!(page.len(), 60.min(sizes.wide));
    let t = Instant::now();
    let all = own.ls(Some("/W1/team/Wide")).unwrap();
    let whole = t.elapsed();
    assert_eq!(all.entries.len(), sizes.wide);
    println!(
        "list {} children: first screenful (60) {}, whole listing with decisions {}",
        sizes.wide,
        fmt(first),
        fmt(whole)
    );
}

fn bench_who_and_whatif(app: &App, sizes: &Sizes, users: usize) {
    // who on a big folder, and a what-if for moving it.
    let own = app.session("own").unwrap();
    let t = Instant::now();
    let (_, rows) = own.who("/W1/team/Wide", None, None).unwrap();
    println!(
        "who on a folder with {} items below, {} users: {} users can view, {}",
        sizes.wide,
        users,
        rows.len(),
        fmt(t.elapsed())
    );
    own.create("/W1/team/Elsewhere", ItemKind::Folder).unwrap();
    own.share("/W1/team/Elsewhere", "group:group0000", "viewer", "")
        .unwrap();
    // TREEWARD_BENCH_WHATIF_REPEAT=N: run it N times more first (for profiling).
    let repeat: usize = std::env::var("TREEWARD_BENCH_WHATIF_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for _ in 0..repeat {
        app.with_access_report("own", true, |s| s.mv("/W1/team/Wide", "/W1/team/Elsewhere"))
            .unwrap();
    }
    let t = Instant::now();
    let (_, report) = app
        .with_access_report("own", true, |s| s.mv("/W1/team/Wide", "/W1/team/Elsewhere"))
        .unwrap();
    println!(
        "what-if of moving it: {} level changes, {}",
        report.count(),
        fmt(t.elapsed())
    );
}
