//! Issue 12, first step: PostgreSQL as the store, through the real binary,
//! on a private cluster (tests/integration/pg). Each test has databases of its own.
//!
//! - the same operations give the same export on sled and on PostgreSQL;
//! - bad input at this boundary (unreachable, wrong credentials, a database
//!   of another application, a newer schema, no such database): one exit-6
//!   line each, and the password never printed;
//! - conflicting changes from several processes at once (A into B while B
//!   into A, the same name twice, a share racing a delete), many rounds: the
//!   tree stays whole (doctor clean) and each refusal has its outcome;
//! - writers in several processes at once lose nothing, one audit entry each;
//! - a server killed (SIGKILL) under load loses no change it acknowledged,
//!   each with its audit entry, and a new server on the database goes on.
//! - read caches across processes: a change another process made shows up
//!   in this one's next read, and only what it touched leaves the cache;
//!   when the change log no longer reaches back, the cache starts over and
//!   reads stay right; the log keeps its last 10,000 generations.

use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

use crate::common::pty::Tui;
use crate::common::{
    assert_code, entry_names, out, pg, serve, team_items, terminate, treeward, Run,
};

const TEAM: &str = "/Default Workspace/team";

/// The cluster, stopped when the test process exits (`None`: PostgreSQL is
/// not installed, outside CI).
fn cluster() -> Option<&'static pg::Cluster> {
    pg::cluster()?;
    Some(pg::required())
}

/// `treeward --db DB --as LOGIN ARGS…`, without a password from the
/// environment (`$PGPASSWORD`): only the connection string gives one.
fn tw(db: &str, login: &str, args: &[&str]) -> Run {
    out(treeward(Path::new(db))
        .env_remove("PGPASSWORD")
        .args(["--as", login])
        .args(args))
}

fn ok(db: &str, login: &str, args: &[&str]) -> String {
    let r = tw(db, login, args);
    assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
    r.stdout
}

/// An export without what differs between two runs (times, audit seqs' times).
fn export_of(db: &str) -> Value {
    let mut v: Value = serde_json::from_str(&ok(db, "root", &["export"])).unwrap();
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in ["created", "modified", "at"] {
                    m.remove(k);
                }
                for x in m.values_mut() {
                    strip(x);
                }
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

/// Changes of every kind, as the command line makes them.
const SCRIPT: &[&[&str]] = &[
    &["mkdir", "/Default Workspace/team/Ops"],
    &["app", "/Default Workspace/team/Ops/Board"],
    &[
        "asset",
        "add",
        "/Default Workspace/team/Ops/Board",
        "dashboard",
        "Main",
    ],
    &[
        "share",
        "/Default Workspace/team/Ops",
        "group:qa",
        "editor",
        "--note",
        "qa edits ops",
    ],
    &[
        "share",
        "/Default Workspace/team/Ops/Board",
        "user:bob",
        "manager",
    ],
    &[
        "mv",
        "/Default Workspace/team/Ops/Board",
        "/Default Workspace/team/Plant",
    ],
    &["rename", "/Default Workspace/team/Plant/Board", "Board 2"],
    &["cp", "/Default Workspace/team/Plant/Board 2", "--beside"],
    &["unshare", "/Default Workspace/team/Ops", "group:qa"],
    &["group", "add", "night-shift"],
    &["group", "join", "night-shift", "carol"],
    &["role", "grant", "Default Workspace", "dave", "analyst"],
    &["describe", "/Default Workspace/team/Ops", "operations"],
    &["rm", "/Default Workspace/team/Ops"],
    &["ws", "add", "Lab"],
];

#[test]
fn the_same_operations_give_the_same_export_on_sled_and_postgres() {
    let Some(c) = cluster() else { return };
    let pg = c.database("export");
    let dir = tempfile::tempdir().unwrap();
    let sled = dir.path().join("s").display().to_string();
    for db in [&sled, &pg] {
        ok(db, "root", &["demo"]);
        for step in SCRIPT {
            ok(db, "root", step);
        }
    }
    assert_eq!(export_of(&sled), export_of(&pg));
    // Reads agree too: a listing, a check, who.
    for args in [
        &["--json", "ls", TEAM][..],
        &["--json", "tree", TEAM],
        &[
            "--json",
            "check",
            "bob",
            "edit",
            "/Default Workspace/team/Plant/Board 2",
        ],
        &["--json", "who", "/Default Workspace/team/Plant"],
    ] {
        assert_eq!(
            tw(&sled, "root", args).stdout,
            tw(&pg, "root", args).stdout,
            "{args:?}"
        );
    }
}

fn assert_one_line_6(r: &Run, what: &str) {
    assert_code(r, 6, what);
    assert!(r.stdout.is_empty(), "{what}: {}", r.stdout);
    assert!(
        !r.stderr.contains(pg::PASSWORD),
        "{what}: the password was shown: {}",
        r.stderr
    );
}

#[test]
fn bad_database_input_gives_one_exit_6_line_and_never_the_password() {
    let Some(c) = cluster() else { return };
    let good = c.database("bad");
    ok(&good, "root", &["init", "--owner", "root"]);
    // Unreachable: a port nobody listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let r = tw(
        &format!("postgresql://postgres:{}@127.0.0.1:{port}/x", pg::PASSWORD),
        "root",
        &["ls"],
    );
    assert_one_line_6(&r, "unreachable");
    // Wrong credentials.
    let r = tw(
        &good.replace(pg::PASSWORD, "not-the-password"),
        "root",
        &["ls"],
    );
    assert_one_line_6(&r, "wrong password");
    assert!(r.stderr.contains("refused the credentials"), "{}", r.stderr);
    // No such database.
    let r = tw(&format!("{}/no_such_db", c.base), "root", &["ls"]);
    assert_one_line_6(&r, "no such database");
    // A database of another application.
    let other = c.unmigrated_database("other");
    c.sql(&other, "CREATE TABLE invoices (id int PRIMARY KEY)");
    let r = tw(&other, "root", &["ls"]);
    assert_one_line_6(&r, "another application");
    assert!(r.stderr.contains("not a treeward store"), "{}", r.stderr);
    // Written by a newer treeward.
    let newer = c.database("newer");
    ok(&newer, "root", &["init", "--owner", "root"]);
    c.sql(&newer, "UPDATE treeward_schema SET version = 99");
    let r = tw(&newer, "root", &["ls"]);
    assert_one_line_6(&r, "newer schema");
    assert!(r.stderr.contains("newer treeward"), "{}", r.stderr);
    // The good one is untouched by all this, and its messages name it
    // without the password.
    let r = tw(&good, "root", &["--json", "init", "--owner", "root"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(!r.stderr.contains(pg::PASSWORD) && !r.stdout.contains(pg::PASSWORD));
    let out = ok(&good, "root", &["--json", "ws", "ls"]);
    assert!(!out.contains(pg::PASSWORD));
}

/// Runs two commands at once, each in its own process.
fn race(db: &str, a: &[&str], b: &[&str]) -> (Run, Run) {
    std::thread::scope(|s| {
        let ha = s.spawn(|| tw(db, "root", a));
        let hb = s.spawn(|| tw(db, "root", b));
        (ha.join().unwrap(), hb.join().unwrap())
    })
}

#[test]
fn conflicting_changes_from_several_processes_keep_the_tree_whole() {
    let Some(c) = cluster() else { return };
    let db = c.database("race");
    ok(&db, "root", &["demo"]);
    let (mut both_moved, mut names_twice) = (0, 0);
    for i in 0..12 {
        let a = format!("{TEAM}/A{i}");
        let b = format!("{TEAM}/B{i}");
        ok(&db, "root", &["mkdir", &a]);
        ok(&db, "root", &["mkdir", &b]);
        // A into B while B into A (R19: never a cycle).
        let (x, y) = race(&db, &["mv", &a, &b], &["mv", &b, &a]);
        assert!(
            !(x.code == 0 && y.code == 0),
            "both moves were made: {} / {}",
            x.stdout,
            y.stdout
        );
        if x.code == 0 || y.code == 0 {
            both_moved += 1;
        }
        for r in [&x, &y] {
            assert!([0, 2, 4, 5].contains(&r.code), "{}{}", r.stdout, r.stderr);
        }
        // The same name created twice (R1): exactly one wins, the other is a conflict.
        let n = format!("{TEAM}/Same{i}");
        let (x, y) = race(&db, &["mkdir", &n], &["mkdir", &n]);
        let mut codes = [x.code, y.code];
        codes.sort();
        assert_eq!(
            codes,
            [0, 5],
            "{}{} / {}{}",
            x.stdout,
            x.stderr,
            y.stdout,
            y.stderr
        );
        names_twice += 1;
        // A share racing a delete: either order, never a grant on a deleted item.
        let f = format!("{TEAM}/Shared{i}");
        ok(&db, "root", &["mkdir", &f]);
        let (x, y) = race(&db, &["share", &f, "user:bob", "viewer"], &["rm", &f]);
        assert_eq!(y.code, 0, "{}", y.stderr);
        assert!([0, 4].contains(&x.code), "{}{}", x.stdout, x.stderr);
    }
    let d = tw(&db, "root", &["doctor"]);
    assert_eq!(d.code, 0, "doctor: {}{}", d.stdout, d.stderr);
    println!("{both_moved} rounds of crossed moves made one move; {names_twice} rounds of a doubled name made one folder");
}

#[test]
fn writers_in_several_processes_lose_nothing() {
    let Some(c) = cluster() else { return };
    let db = c.database("writers");
    ok(&db, "root", &["init", "--owner", "root"]);
    let before: Vec<Value> = serde_json::from_str(&ok(&db, "root", &["--json", "log"])).unwrap();
    let per = 15;
    std::thread::scope(|s| {
        for w in 0..4 {
            let db = &db;
            s.spawn(move || {
                for i in 0..per {
                    ok(db, "root", &["mkdir", &format!("{TEAM}/w{w}-{i}")]);
                }
            });
        }
    });
    let listing: Value = serde_json::from_str(&ok(&db, "root", &["--json", "ls", TEAM])).unwrap();
    let names = entry_names(&listing);
    assert_eq!(names.len(), 4 * per, "{names:?}");
    let after: Vec<Value> = serde_json::from_str(&ok(&db, "root", &["--json", "log"])).unwrap();
    assert_eq!(
        after.len() - before.len(),
        4 * per,
        "one audit entry per change"
    );
    // Audit seqs have no gaps and no repeats.
    let seqs: Vec<u64> = after.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
}

#[test]
fn an_open_ui_shows_a_change_another_process_made_in_the_database() {
    let Some(c) = cluster() else { return };
    let db = c.database("ui");
    ok(&db, "root", &["demo"]);
    let mut ui = Tui::spawn(Path::new(&db), "root", 120, 30);
    ui.wait_for("Workspaces");
    // Another process (it could be on another host) writes to the database.
    ok(&db, "root", &["mkdir", &format!("{TEAM}/FromAnotherHost")]);
    let made = std::time::Instant::now();
    ui.wait_for("FromAnotherHost");
    println!(
        "a change made by another process shows in the open UI after {:.1?}",
        made.elapsed()
    );
    ui.keys("q");
    assert_eq!(ui.wait_exit(), 0);
}

#[test]
fn watch_through_one_server_sees_a_change_made_through_another() {
    use std::io::{BufRead, BufReader};
    let Some(c) = cluster() else { return };
    let db = c.database("servers");
    ok(&db, "root", &["demo"]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.sock"), dir.path().join("b.sock"));
    let servers = [serve_on(&db, &a), serve_on(&db, &b)];
    let mut watch = treeward(Path::new(&db))
        .arg("--socket")
        .arg(&a)
        .arg("watch")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    {
        let lines = lines.clone();
        let out = watch.stdout.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(l);
            }
        });
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    // Forty changes one after another: how long each takes to reach the
    // other server's subscriber, from the moment its command returned.
    let mut took = Vec::new();
    for i in 0..40 {
        let name = format!("ThroughB{i}");
        mkdir_through(&db, &b, &name);
        let made = std::time::Instant::now();
        loop {
            if lines.lock().unwrap().iter().any(|l| l.contains(&name)) {
                break;
            }
            assert!(
                made.elapsed() < std::time::Duration::from_secs(20),
                "watch on server A never showed the change made through server B: {:?}",
                lines.lock().unwrap()
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        took.push(made.elapsed());
    }
    took.sort();
    println!(
        "a change through server B reaches a watch on server A after {:.1?} (median of 40; p99 {:.1?})",
        took[took.len() / 2],
        took[(took.len() * 99).div_ceil(100) - 1]
    );
    let _ = watch.kill();
    let _ = watch.wait();
    for s in servers {
        terminate(s);
    }
}

#[test]
fn copy_moves_a_store_between_a_directory_and_a_database_either_way() {
    let Some(c) = cluster() else { return };
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a").display().to_string();
    let b = dir.path().join("b").display().to_string();
    ok(&a, "root", &["demo"]);
    for step in SCRIPT {
        ok(&a, "root", step);
    }
    // The source is in use meanwhile: a server holds it (the copy goes through it).
    let srv = serve_on(&a, &Path::new(&a).join("treeward.sock"));
    let pg = c.database("copy");
    let out = ok(&a, "root", &["copy", &a, &pg]);
    assert!(out.starts_with("copied "), "{out}");
    assert!(!out.contains(pg::PASSWORD), "{out}");
    terminate(srv);
    ok(&a, "root", &["copy", &pg, &b]);
    // The same store, byte for byte in its export: times and audit included.
    let raw = |db: &str| ok(db, "root", &["export"]);
    assert_eq!(raw(&a), raw(&pg));
    assert_eq!(raw(&pg), raw(&b));
    // Into a store that holds an account: refused, nothing changed.
    let r = tw(&a, "root", &["copy", &b, &pg]);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains(pg::PASSWORD), "{}", r.stderr);
    assert_eq!(raw(&a), raw(&pg));
}

/// Starts `treeward serve` on `db`, listening on `sock`; waits for the socket.
fn serve_on(db: &str, sock: &Path) -> std::process::Child {
    serve(Path::new(db), sock, Stdio::null())
}

/// `mkdir TEAM/NAME` through the server on `sock`; it must succeed.
fn mkdir_through(db: &str, sock: &Path, name: &str) {
    let r = treeward(Path::new(db))
        .arg("--socket")
        .arg(sock)
        .args(["mkdir", &format!("{TEAM}/{name}")])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

#[test]
fn two_servers_with_25_clients_each_lose_nothing() {
    use treeward::app::{Reply, Request};
    use treeward::wire::client::{Called, Client};
    let Some(c) = cluster() else { return };
    let db = c.database("two_servers");
    ok(&db, "root", &["init", "--owner", "root"]);
    let dir = tempfile::tempdir().unwrap();
    let socks = [dir.path().join("a.sock"), dir.path().join("b.sock")];
    let servers: Vec<_> = socks.iter().map(|s| serve_on(&db, s)).collect();
    ok(&db, "root", &["user", "add", "bob"]);
    let before: Vec<Value> = serde_json::from_str(&ok(&db, "root", &["--json", "log"])).unwrap();
    let per = 12;
    let started = std::time::Instant::now();
    /// What one client saw acknowledged: its changes, and the folders it
    /// left (each with whether bob was given viewer on it).
    struct Seen {
        changes: usize,
        left: Vec<(String, bool)>,
    }
    let seen: Vec<Seen> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..50)
            .map(|k| {
                let sock = &socks[k % 2];
                s.spawn(move || {
                    let mut cl = Client::connect(sock).unwrap();
                    let mut seen = Seen {
                        changes: 0,
                        left: Vec::new(),
                    };
                    let mut call = |req: Request| match cl.call(req, Some("root".into())) {
                        Called::Done(Ok(r)) => r,
                        Called::Done(Err(e)) => panic!("client {k}: {e}"),
                        Called::Retry => panic!("client {k}: the server stopped"),
                    };
                    for i in 0..per {
                        // Mixed: a folder made, shared, renamed or removed,
                        // and reads between the changes.
                        let mut path = format!("{TEAM}/c{k}-{i}");
                        call(Request::Mkdir { path: path.clone() });
                        seen.changes += 1;
                        let shared = i % 3 == 1;
                        if shared {
                            call(Request::Share {
                                path: path.clone(),
                                subject: "user:bob".into(),
                                level: "viewer".into(),
                                note: String::new(),
                            });
                            seen.changes += 1;
                        }
                        if i % 4 == 2 {
                            call(Request::Rename {
                                path: path.clone(),
                                new_name: format!("r{k}-{i}"),
                            });
                            path = format!("{TEAM}/r{k}-{i}");
                            seen.changes += 1;
                        }
                        if i % 5 == 3 {
                            call(Request::Rm { path: path.clone() });
                            seen.changes += 1;
                        } else {
                            seen.left.push((path, shared));
                        }
                        if i % 3 == 0 {
                            let r = call(Request::Ls {
                                path: Some(TEAM.into()),
                            });
                            assert!(matches!(r, Reply::Listing(_)));
                        }
                    }
                    seen
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let secs = started.elapsed().as_secs_f64();
    let n: usize = seen.iter().map(|s| s.changes).sum();
    println!(
        "two servers, 50 clients, mixed changes: {n} acknowledged in {secs:.2} s ({:.0} changes/s)",
        n as f64 / secs
    );
    for s in servers {
        terminate(s);
    }
    // Exactly the folders the acknowledged changes left, bob seeing exactly
    // the shared ones, and one audit entry per acknowledged change.
    let names_for = |login: &str| -> std::collections::BTreeSet<String> {
        let listing: Value =
            serde_json::from_str(&ok(&db, login, &["--json", "ls", TEAM])).unwrap();
        entry_names(&listing)
            .into_iter()
            .map(|name| format!("{TEAM}/{name}"))
            .collect()
    };
    let left: std::collections::BTreeSet<String> = seen
        .iter()
        .flat_map(|s| s.left.iter().map(|(p, _)| p.clone()))
        .collect();
    assert_eq!(names_for("root"), left);
    let shared: std::collections::BTreeSet<String> = seen
        .iter()
        .flat_map(|s| s.left.iter().filter(|(_, b)| *b).map(|(p, _)| p.clone()))
        .collect();
    assert_eq!(names_for("bob"), shared);
    let after: Vec<Value> = serde_json::from_str(&ok(&db, "root", &["--json", "log"])).unwrap();
    assert_eq!(
        after.len() - before.len(),
        n,
        "one audit entry per acknowledged change"
    );
    assert_eq!(tw(&db, "root", &["doctor"]).code, 0);
}

#[test]
fn a_busy_process_keeps_its_connections_bounded() {
    use treeward::app::{App, Caller, Request};
    let Some(c) = cluster() else { return };
    let db = c.database("bounded");
    ok(&db, "root", &["demo"]);
    let app = App::open_postgres(&db).unwrap();
    let name = db.rsplit('/').next().unwrap().to_string();
    let done = std::sync::atomic::AtomicBool::new(false);
    let most = std::thread::scope(|s| {
        let monitor = s.spawn(|| {
            let mut m = postgres::Client::connect(&format!("{}/postgres", c.base), postgres::NoTls)
                .unwrap();
            let mut most = 0i64;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let n: i64 = m
                    .query_one(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
                        &[&name],
                    )
                    .unwrap()
                    .get(0);
                most = most.max(n);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            most
        });
        let workers: Vec<_> = (0..100)
            .map(|k| {
                let app = &app;
                s.spawn(move || {
                    for i in 0..4 {
                        let login = || Ok("root".to_string());
                        let r = if i % 2 == 0 {
                            app.execute(
                                Caller::new(&login),
                                Request::Tree {
                                    path: Some(TEAM.into()),
                                },
                            )
                        } else {
                            app.execute(
                                Caller::new(&login),
                                Request::Mkdir {
                                    path: format!("{TEAM}/b{k}-{i}"),
                                },
                            )
                        };
                        r.unwrap();
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        monitor.join().unwrap()
    });
    println!("100 threads in one process: at most {most} connections to the database");
    // The process's connections, its listener for others' changes, and slack
    // for a connection being closed while it is counted.
    assert!(
        most <= treeward::store::pg_kv::MAX_CONNECTIONS as i64 + 2,
        "{most} connections"
    );
}

/// Waits until a server answers on `sock` (a killed one's socket file may
/// still be there).
fn answering(sock: &Path) {
    let started = std::time::Instant::now();
    while treeward::wire::client::Client::connect(sock).is_err() {
        assert!(started.elapsed().as_secs() < 20, "serve did not start");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn a_server_killed_mid_load_loses_nothing_acknowledged() {
    use std::collections::BTreeSet;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use treeward::app::{Reply, Request};
    use treeward::wire::client::{Called, Client};
    let Some(c) = cluster() else { return };
    let db = c.database("killed");
    ok(&db, "root", &["init", "--owner", "root"]);
    ok(&db, "root", &["user", "add", "bob"]);
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("a.sock");
    let mut server = serve_on(&db, &sock);
    let before: Vec<Value> = serde_json::from_str(&ok(&db, "root", &["--json", "log"])).unwrap();
    let clients = 16;
    let killed = AtomicBool::new(false);
    // One client's changes, each with the audit entry it makes (action, target).
    type Acked = Vec<(&'static str, String)>;
    // Makes changes until the server is gone: those acknowledged, and
    // whether one was in flight then.
    let load = |k: usize, round: &str| -> (Acked, bool) {
        let mut cl = Client::connect(&sock).unwrap();
        let mut mine = Vec::new();
        let mut i = 0;
        loop {
            let folder = format!("{TEAM}/{round}{k}-{i}");
            let mut steps = vec![(
                "mkdir",
                folder.clone(),
                Request::Mkdir {
                    path: folder.clone(),
                },
            )];
            if i % 2 == 1 {
                steps.push((
                    "share",
                    format!("{folder} user:bob viewer"),
                    Request::Share {
                        path: folder.clone(),
                        subject: "user:bob".into(),
                        level: "viewer".into(),
                        note: String::new(),
                    },
                ));
            }
            if i % 3 == 2 {
                let app = format!("{folder}/Board");
                steps.push(("app", app.clone(), Request::App { path: app }));
            }
            for (action, target, req) in steps {
                match cl.call(req, Some("root".into())) {
                    Called::Done(Ok(_)) => mine.push((action, target)),
                    Called::Done(Err(e)) if killed.load(SeqCst) => {
                        assert_eq!(e.outcome, treeward::domain::Outcome::Unavailable, "{e}");
                        return (mine, true);
                    }
                    Called::Retry if killed.load(SeqCst) => return (mine, true),
                    Called::Done(Err(e)) => panic!("client {k} before the kill: {e}"),
                    Called::Retry => panic!("client {k}: the server stopped before the kill"),
                }
            }
            i += 1;
        }
    };
    let acked: Vec<(&'static str, String)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..clients)
            .map(|k| {
                let load = &load;
                s.spawn(move || load(k, "k"))
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(1500));
        killed.store(true, SeqCst);
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        hs.into_iter().flat_map(|h| h.join().unwrap().0).collect()
    });
    assert!(acked.len() > clients, "too little load: {acked:?}");
    // A fresh process, on the database itself: every acknowledged change is
    // there, with one audit entry each.
    let check = |acked: &[(&'static str, String)], before: usize, in_flight: usize| {
        let ex: Value = serde_json::from_str(&ok(&db, "root", &["export"])).unwrap();
        let mut items = BTreeSet::new();
        for (path, it) in team_items(&ex["workspaces"][0]) {
            let path = format!("{TEAM}/{path}");
            items.insert(format!("{} {path}", it["kind"].as_str().unwrap()));
            for g in it["grants"].as_array().unwrap() {
                items.insert(format!(
                    "grant {path} {} {}",
                    g["subject"].as_str().unwrap(),
                    g["level"].as_str().unwrap()
                ));
            }
        }
        for (action, target) in acked {
            let want = match *action {
                "mkdir" => format!("folder {target}"),
                "app" => format!("app {target}"),
                _ => format!("grant {target}"),
            };
            assert!(
                items.contains(&want),
                "{action} {target} was acknowledged but is missing"
            );
        }
        let log: Vec<Value> = serde_json::from_str(&ok(&db, "root", &["--json", "log"])).unwrap();
        let new = &log[before..];
        for (action, target) in acked {
            let n = new
                .iter()
                .filter(|e| e["action"] == *action && e["target"] == target.as_str())
                .count();
            assert_eq!(n, 1, "{n} audit entries for {action} {target}");
        }
        // At most one change per client was made but not acknowledged (in
        // flight at the kill); the audit log has no gaps nor repeats.
        assert!(
            new.len() >= acked.len() && new.len() <= acked.len() + in_flight,
            "{} audit entries for {} acknowledged changes",
            new.len(),
            acked.len()
        );
        let seqs: Vec<u64> = log.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
        log.len()
    };
    let after_kill = check(&acked, before.len(), clients);
    println!(
        "a server killed under {clients} clients: {} changes acknowledged, all in the database; {} made but not acknowledged (in flight at the kill)",
        acked.len(),
        after_kill - before.len() - acked.len()
    );
    // A new server on the same database (the killed one's socket is still
    // there): the writers resume.
    let server = treeward(Path::new(&db))
        .arg("--socket")
        .arg(&sock)
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    answering(&sock);
    let resumed: Vec<(&'static str, String)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..clients)
            .map(|k| {
                let sock = &sock;
                s.spawn(move || {
                    let mut cl = Client::connect(sock).unwrap();
                    (0..3)
                        .map(|i| {
                            let path = format!("{TEAM}/after{k}-{i}");
                            match cl
                                .call(Request::Mkdir { path: path.clone() }, Some("root".into()))
                            {
                                Called::Done(Ok(Reply::Placed { .. })) => ("mkdir", path),
                                Called::Done(r) => panic!("client {k} after the restart: {r:?}"),
                                Called::Retry => panic!("client {k}: the new server stopped"),
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    terminate(server);
    assert_eq!(resumed.len(), clients * 3);
    check(&resumed, after_kill, 0);
    let d = tw(&db, "root", &["doctor"]);
    assert_eq!(d.code, 0, "doctor: {}{}", d.stdout, d.stderr);
}

#[test]
fn paths_resolve_in_one_query_whatever_the_size_of_their_ids() {
    // The database walks a path in one query, reading each child's id from
    // its record: ids of one byte, of two (from 251) and of four (from
    // 65,536) must all come out as the store wrote them.
    use treeward::app::gen::GenSpec;
    use treeward::app::App;
    let Some(c) = cluster() else { return };
    let db = c.database("walk");
    let app = App::open_postgres(&db).unwrap();
    let spec = GenSpec {
        items: 70_000,
        users: 20,
        groups: 2,
        org_depth: 1,
        depth: 5,
        grants: 100,
        wide: 0,
        seed: 3,
    };
    app.generate("root", &spec, &mut |_, _| {}).unwrap();
    let own = app.session("root").unwrap();
    let mut tried = 0;
    for id in (1..200)
        .chain(240..300)
        .chain(65_400..65_700)
        .chain(69_000..70_000)
    {
        // Team Space items: others' My Creations are not the owner's to see (R14).
        let Some(it) = app.store().item(id).unwrap().filter(|i| i.space.is_team()) else {
            continue;
        };
        let path = own.path_of(&it).unwrap();
        app.store().forget_cache();
        let r = own.resolve_str(&path).unwrap();
        assert_eq!(r.item().map(|i| i.id), Some(id), "{path}");
        tried += 1;
    }
    assert!(tried > 1000, "only {tried} items tried");
    // A name missing at any depth is not found, the cache cold or warm.
    app.store().forget_cache();
    let it = (60_000..70_000)
        .rev()
        .find_map(|id| {
            app.store()
                .item(id)
                .unwrap()
                .filter(|i| i.space.is_team() && i.parent.is_some())
        })
        .unwrap();
    let path = own.path_of(&it).unwrap();
    let (head, _) = path.rsplit_once('/').unwrap();
    for _ in 0..2 {
        let e = own
            .resolve_str(&format!("{head}/No such name/x"))
            .unwrap_err();
        assert_eq!(e.outcome, treeward::domain::Outcome::NotFound);
    }
}

/// Two processes on one database, each with its read cache: two stores in
/// this process (each its own cache and follower of the change log).
fn two_processes(tag: &str) -> Option<(String, treeward::app::App, treeward::app::App, [u64; 2])> {
    use treeward::app::App;
    let c = cluster()?;
    let db = c.database(tag);
    let here = App::open_postgres(&db).unwrap();
    here.init("own").unwrap();
    let own = here.session("own").unwrap();
    own.user_add("bob", None, None).unwrap();
    let mut ids = [0; 2];
    for (i, name) in ["A", "B"].iter().enumerate() {
        ids[i] = own
            .create(&format!("{TEAM}/{name}"), ItemKind::Folder)
            .unwrap()
            .id;
        own.create(&format!("{TEAM}/{name}/x"), ItemKind::App)
            .unwrap();
    }
    drop(own);
    let there = App::open_postgres(&db).unwrap();
    Some((db, here, there, ids))
}

/// Whether bob may view `path` (under the team space), asked in a new
/// session (as a server answers a request).
fn bob_views(app: &treeward::app::App, path: &str) -> bool {
    app.session("own")
        .unwrap()
        .check("bob", "view", &format!("{TEAM}/{path}"))
        .unwrap()
        .allowed
}

use treeward::domain::ItemKind;

#[test]
fn a_change_another_process_made_shows_up_here_and_leaves_the_rest_cached() {
    let Some((_db, here, there, [a, b])) = two_processes("cache_keys") else {
        return;
    };
    // Checks walk (and cache) the places of the items' ancestors.
    assert!(!bob_views(&here, "A/x") && !bob_views(&here, "B/x"));
    assert!(here.store().caches_node(a) && here.store().caches_node(b));
    let other = there.session("own").unwrap();
    other
        .share(&format!("{TEAM}/A"), "user:bob", "viewer", "")
        .unwrap();
    other.rename(&format!("{TEAM}/B"), "C").unwrap();
    // The next request here catches up from the change log: B's place is
    // forgotten, A's (a grant changed, not the item) stays.
    here.store().refresh().unwrap();
    assert!(here.store().caches_node(a), "A's place is still cached");
    assert!(!here.store().caches_node(b), "B's place is forgotten");
    assert!(bob_views(&here, "A/x") && !bob_views(&here, "C/x"));
    let s = here.session("own").unwrap();
    assert!(s.resolve_str(&format!("{TEAM}/B/x")).is_err());
    assert!(s.resolve_str(&format!("{TEAM}/C/x")).is_ok());
    drop(s);
    // Withdrawn there, withdrawn here.
    other.unshare(&format!("{TEAM}/A"), "user:bob").unwrap();
    assert!(!bob_views(&here, "A/x"));
    // Whoever catches up first (the follower, woken by the notification,
    // or a request), the other finds nothing left to do.
    other
        .share(&format!("{TEAM}/C"), "user:bob", "viewer", "")
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert!(bob_views(&here, "C/x") && !bob_views(&here, "A/x"));
}

#[test]
fn when_the_change_log_no_longer_reaches_back_the_cache_starts_over() {
    let Some((db, here, there, [a, b])) = two_processes("cache_pruned") else {
        return;
    };
    assert!(!bob_views(&here, "A/x") && !bob_views(&here, "B/x"));
    assert!(here.store().caches_node(a) && here.store().caches_node(b));
    // The log is emptied as the next change commits, so no process can
    // learn from it what that change touched.
    let c = cluster().unwrap();
    c.sql(
        &db,
        "CREATE FUNCTION tw_prune() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN DELETE FROM treeward_changes; RETURN NULL; END $$;
         CREATE TRIGGER tw_prune AFTER INSERT ON treeward_changes
           FOR EACH STATEMENT EXECUTE FUNCTION tw_prune();",
    );
    let other = there.session("own").unwrap();
    other
        .share(&format!("{TEAM}/A"), "user:bob", "viewer", "")
        .unwrap();
    here.store().refresh().unwrap();
    assert!(
        !here.store().caches_node(a) && !here.store().caches_node(b),
        "everything is forgotten"
    );
    assert!(bob_views(&here, "A/x") && !bob_views(&here, "B/x"));
    // The log reaches back again from here on: only what changes goes.
    c.sql(&db, "DROP TRIGGER tw_prune ON treeward_changes");
    assert!(here.store().caches_node(a) && here.store().caches_node(b));
    other.rename(&format!("{TEAM}/B"), "C").unwrap();
    here.store().refresh().unwrap();
    assert!(here.store().caches_node(a) && !here.store().caches_node(b));
    assert!(bob_views(&here, "A/x") && !bob_views(&here, "C/x"));
}

#[test]
fn the_change_log_keeps_its_last_10000_generations_and_says_when_it_cannot_tell() {
    use treeward::store::keys;
    let Some((db, here, there, [a, _])) = two_processes("cache_log") else {
        return;
    };
    let kv = here.store().kv();
    let g0 = kv.generation().unwrap().unwrap();
    assert_eq!(kv.changes_since(g0).unwrap(), Some(vec![]));
    assert_eq!(
        kv.changes_since(g0 + 1).unwrap(),
        None,
        "ahead of the store"
    );
    let other = there.session("own").unwrap();
    other.rename(&format!("{TEAM}/A"), "A2").unwrap();
    let touched = kv.changes_since(g0).unwrap().expect("logged");
    assert!(touched.contains(&keys::item(a)), "{touched:?}");
    // A bulk load logs no keys: whatever came after it cannot be told.
    let c = cluster().unwrap();
    let g1 = kv.generation().unwrap().unwrap();
    c.sql(
        &db,
        "WITH g AS (UPDATE treeward_generation SET gen = gen + 1 RETURNING gen)
           INSERT INTO treeward_changes (gen, keys) SELECT gen, '{}' FROM g",
    );
    assert_eq!(kv.changes_since(g0).unwrap(), None);
    assert_eq!(kv.changes_since(g1 + 1).unwrap(), Some(vec![]));
    // A long history: at generation 20,000 the log is pruned to its last
    // 10,000, and no further until 21,000.
    c.sql(
        &db,
        "DELETE FROM treeward_changes;
         INSERT INTO treeward_changes (gen, keys)
           SELECT g, ARRAY['\\x4c'::bytea] FROM generate_series(1, 19998) AS g;
         UPDATE treeward_generation SET gen = 19998;",
    );
    let log = || {
        let mut m = postgres::Client::connect(&db, postgres::NoTls).unwrap();
        let r = m
            .query_one(
                "SELECT count(*), min(gen), max(gen) FROM treeward_changes",
                &[],
            )
            .unwrap();
        (r.get::<_, i64>(0), r.get::<_, i64>(1), r.get::<_, i64>(2))
    };
    other
        .create(&format!("{TEAM}/D"), ItemKind::Folder)
        .unwrap();
    assert_eq!(log(), (19_999, 1, 19_999));
    other
        .create(&format!("{TEAM}/E"), ItemKind::Folder)
        .unwrap();
    assert_eq!(log(), (10_000, 10_001, 20_000));
    other
        .create(&format!("{TEAM}/F"), ItemKind::Folder)
        .unwrap();
    assert_eq!(log(), (10_001, 10_001, 20_001));
    assert_eq!(
        kv.changes_since(10_000).unwrap().map(|k| k.is_empty()),
        Some(false)
    );
    assert_eq!(kv.changes_since(9_999).unwrap(), None, "pruned");
    // This process learnt of all that and reads the store as it is.
    here.store().refresh().unwrap();
    let s = here.session("own").unwrap();
    for name in ["A2", "D", "E", "F"] {
        assert!(s.resolve_str(&format!("{TEAM}/{name}")).is_ok(), "{name}");
    }
    assert!(s.resolve_str(&format!("{TEAM}/A")).is_err());
}

#[test]
fn a_ui_through_one_server_shows_changes_made_through_another() {
    let Some(c) = cluster() else { return };
    let db = c.database("ui_servers");
    ok(&db, "root", &["init", "--owner", "root"]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.sock"), dir.path().join("b.sock"));
    let servers = [serve_on(&db, &a), serve_on(&db, &b)];
    let mut ui = Tui::spawn_args(
        Path::new(&db),
        "root",
        120,
        40,
        &[],
        &["--socket", a.to_str().unwrap()],
    );
    ui.wait_for("Workspaces");
    // Twenty changes through server B, each timed until server A's UI shows it.
    let mut took = Vec::new();
    for i in 0..20 {
        let name = format!("ViaB{i:02}");
        mkdir_through(&db, &b, &name);
        let made = std::time::Instant::now();
        ui.wait_for(&name);
        took.push(made.elapsed());
    }
    took.sort();
    println!(
        "a change through server B shows in a UI through server A after {:.1?} (median of 20; p99 {:.1?})",
        took[took.len() / 2],
        took[took.len() - 1]
    );
    ui.keys("q");
    assert_eq!(ui.wait_exit(), 0);
    for s in servers {
        terminate(s);
    }
}
