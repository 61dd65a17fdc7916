//! Issue 12: a primary with a synchronous streaming-replication standby
//! (tests/integration/pg/standby.rs). The primary is killed (SIGKILL) while writers run
//! through a `treeward serve` and on their own; the standby is promoted.
//! Nothing acknowledged is lost, each applied change has its one audit
//! entry, the writers resume by themselves, and the server and an open UI
//! say that the connection was lost and came back.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::pty::Tui;
use crate::common::{bare, entry_names, out, pg, serve, terminate};

const TEAM: &str = "/Default Workspace/team";

/// `treeward ARGS…` as root (the account's owner): exit code and output.
fn tw(args: &[&str]) -> (i32, String) {
    let r = out(bare().args(args));
    (r.code, r.said())
}

fn json(db: &str, args: &[&str]) -> Value {
    let mut all = vec!["--db", db, "--json"];
    all.extend_from_slice(args);
    let (code, out) = tw(&all);
    assert_eq!(code, 0, "{args:?}: {out}");
    serde_json::from_str(&out).unwrap()
}

/// A writer's result: the folder it asked for, its exit code and when.
struct Tried {
    name: String,
    code: i32,
    at: Instant,
    took: Duration,
    said: String,
}

#[test]
fn the_primary_killed_mid_load_and_the_standby_promoted_lose_nothing_acknowledged() {
    let Some(pair) = pg::standby::pair() else {
        return;
    };
    pair.create_database("tw_failover");
    let db = pair.conninfo("tw_failover");
    let (code, out) = tw(&["--db", &db, "init", "--owner", "root"]);
    assert_eq!(code, 0, "{out}");

    // One server (as on a host of the team), its log kept.
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("serve.sock");
    let log_path = dir.path().join("serve.log");
    let server = serve(
        Path::new(&db),
        &sock,
        std::fs::File::create(&log_path).unwrap(),
    );
    // An open UI through that server.
    let mut ui = Tui::spawn_args(
        Path::new(&db),
        "root",
        120,
        30,
        &[],
        &["--socket", sock.to_str().unwrap()],
    );
    ui.wait_for("Workspaces");
    // And one on the database by itself (its socket where the writers
    // below do not look, so they stay processes of their own).
    let own_runtime = tempfile::tempdir().unwrap();
    let mut ui_direct = Tui::spawn_with(
        Path::new(&db),
        "root",
        120,
        30,
        &[("XDG_RUNTIME_DIR", own_runtime.path().to_str().unwrap())],
    );
    ui_direct.wait_for("Workspaces");

    // Writers: three through the server, two processes of their own.
    let stop = AtomicBool::new(false);
    let tried: Mutex<Vec<Tried>> = Mutex::new(Vec::new());
    let promoted_at: Mutex<Option<Instant>> = Mutex::new(None);
    // What the two screens said at any time during the run: a status line
    // lasts until the next change shows, so the screens are watched.
    let said: Vec<Mutex<String>> = vec![Mutex::new(String::new()), Mutex::new(String::new())];
    let screens = [ui.parser.clone(), ui_direct.parser.clone()];
    let watching = AtomicBool::new(true);
    std::thread::scope(|s| {
        for (screen, said) in screens.iter().zip(&said) {
            let watching = &watching;
            s.spawn(move || {
                while watching.load(Ordering::SeqCst) {
                    let text = screen.lock().unwrap().screen().contents();
                    let mut all = said.lock().unwrap();
                    // The status line is at the bottom (the key bar's place
                    // or above it).
                    let lines: Vec<&str> = text.lines().map(str::trim).collect();
                    let bottom = lines[lines.len().saturating_sub(3)..].join(" ");
                    if !all.contains(&bottom) {
                        all.push_str(&bottom);
                        all.push('\n');
                    }
                    drop(all);
                    std::thread::sleep(Duration::from_millis(5));
                }
            });
        }
        for w in 0..5 {
            let (db, sock, stop, tried) = (&db, &sock, &stop, &tried);
            s.spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let name = format!("w{w}-{i}");
                    let path = format!("{TEAM}/{name}");
                    let asked = Instant::now();
                    let (code, said) = if w < 3 {
                        tw(&["--socket", sock.to_str().unwrap(), "mkdir", &path])
                    } else {
                        tw(&["--db", db, "mkdir", &path])
                    };
                    tried.lock().unwrap().push(Tried {
                        name,
                        code,
                        at: Instant::now(),
                        took: asked.elapsed(),
                        said,
                    });
                    i += 1;
                    if code != 0 {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_millis(1500));
        pair.kill_primary();
        std::thread::sleep(Duration::from_millis(1500));
        pair.promote();
        *promoted_at.lock().unwrap() = Some(Instant::now());
        // Go on until every writer made changes on the new primary.
        let t = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(200));
            let after = *promoted_at.lock().unwrap();
            let acked_after = |w: usize| {
                tried.lock().unwrap().iter().any(|t| {
                    t.code == 0 && t.name.starts_with(&format!("w{w}-")) && Some(t.at) > after
                })
            };
            if (0..5).all(acked_after) || t.elapsed() > Duration::from_secs(40) {
                break;
            }
        }
        stop.store(true, Ordering::SeqCst);
        // Each UI learns it is back when it next reaches the database.
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(15)
            && !said.iter().all(|s| {
                s.lock()
                    .unwrap()
                    .contains("reconnected to the database after")
            })
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        watching.store(false, Ordering::SeqCst);
    });
    let promoted = promoted_at.lock().unwrap().unwrap();
    let tried = tried.into_inner().unwrap();

    // Every refusal was the store being unavailable for a while: no
    // conflict from a change run twice, nothing else.
    for t in &tried {
        assert!(
            t.code == 0 || t.code == 6,
            "{}: exit {}: {}",
            t.name,
            t.code,
            t.said
        );
        assert!(
            !t.said.contains("tw-test-secret"),
            "the password was printed: {}",
            t.said
        );
    }
    // The writers resumed by themselves.
    for w in 0..5 {
        assert!(
            tried
                .iter()
                .any(|t| t.code == 0 && t.name.starts_with(&format!("w{w}-")) && t.at > promoted),
            "writer {w} made no change after the standby was promoted: {}",
            tried
                .iter()
                .filter(|t| t.name.starts_with(&format!("w{w}-")))
                .map(|t| format!(
                    "{} exit {} after {:.1?}: {}",
                    t.name,
                    t.code,
                    t.took,
                    t.said.trim()
                ))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    let acked: Vec<&str> = tried
        .iter()
        .filter(|t| t.code == 0)
        .map(|t| t.name.as_str())
        .collect();
    let refused = tried.len() - acked.len();

    // The server and the open UI said so, and the UI shows the new state.
    for (which, said) in ["through the server", "on the database"].iter().zip(&said) {
        let said = said.lock().unwrap();
        assert!(
            said.contains("the connection to the database was lost"),
            "the UI {which} did not say the database was lost:\n{said}"
        );
        assert!(
            said.contains("reconnected to the database after"),
            "the UI {which} did not say it reconnected:\n{said}"
        );
        assert!(!said.contains("tw-test-secret"));
    }
    for ui in [&mut ui, &mut ui_direct] {
        ui.keys("q");
        assert_eq!(ui.wait_exit(), 0);
    }
    terminate(server);
    let log = std::fs::read_to_string(&log_path).unwrap();
    print!("{log}");
    assert!(
        log.contains("the connection to the database was lost"),
        "{log}"
    );
    assert!(log.contains("reconnected to the database"), "{log}");
    assert!(!log.contains("tw-test-secret"), "{log}");

    // Nothing acknowledged lost, read by a new process from the new primary.
    let listing = json(&db, &["ls", TEAM]);
    let present: std::collections::BTreeSet<String> = entry_names(&listing).into_iter().collect();
    for a in &acked {
        assert!(present.contains(*a), "{a} was acknowledged and is lost");
    }
    // One audit entry per folder there (a change whose commit was cut off
    // may be there or not, never half).
    let log = json(&db, &["log"]);
    let mut audited: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "mkdir")
        .map(|e| {
            e["target"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    audited.sort();
    let listed: Vec<String> = present.iter().cloned().collect();
    assert_eq!(audited, listed, "one audit entry per folder");
    let longest = tried
        .iter()
        .filter(|t| t.code == 0)
        .map(|t| t.took)
        .max()
        .unwrap();
    println!(
        "failover: {} changes acknowledged, {} refused while the database was away, none lost; the longest acknowledged change waited {:.1?}",
        acked.len(),
        refused,
        longest
    );
}
