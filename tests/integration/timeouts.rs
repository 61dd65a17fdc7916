//! Issue 23, item 9: every database call ends in time. A stopped server's
//! kernel still accepts connections and acknowledges what is sent, so no
//! keepalive or `statement_timeout` ever fires: treeward keeps the time
//! itself (`src/deadline.rs`, `src/store/pg_client.rs`).
//!
//! - A silent TCP listener as the database's host: a command ends within
//!   the connect timeout, exit 6.
//! - A primary stopped (SIGSTOP) under load, direct and through `serve`:
//!   each command ends within its deadline (`$TREEWARD_TIMEOUT`), exit 6;
//!   nothing is applied once the primary goes on (its clients gave up);
//!   with the standby promoted, requests go there.
//!
//! These start PostgreSQL clusters of their own (tests/integration/common/pg/)
//! where PostgreSQL is installed; the first needs none.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::common::{bare, entry_names, out, pg, terminate};

const TEAM: &str = "/Default Workspace/team";
/// An ordinary request's deadline here (`$TREEWARD_TIMEOUT`), in seconds.
const DEADLINE: u64 = 4;
/// What a command may take beyond its deadline or connect timeout: its own
/// start, and the way back of an answer.
const SLACK: Duration = Duration::from_secs(4);
const PASSWORD_WORD: &str = "tw-test-secret";

/// Runs `c`, killed if it outlives `limit` (exit -1): exit code, stderr
/// and stdout, and how long it took.
fn timed(mut c: Command, limit: Duration) -> (i32, String, Duration) {
    let started = Instant::now();
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut so, mut se) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let said = std::thread::spawn(move || {
        let (mut o, mut e) = (String::new(), String::new());
        let _ = se.read_to_string(&mut e);
        let _ = so.read_to_string(&mut o);
        e + &o
    });
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code().unwrap_or(-1);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break -1;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (code, said.join().unwrap(), started.elapsed())
}

/// Issue 23, item 9: a host that accepts TCP connections and never speaks
/// (a listener that never calls accept) holds a command no longer than the
/// connect timeout: `connect_timeout` of the string, else the request's
/// deadline. One exit-6 line, no password.
#[test]
fn item9_a_silent_tcp_listener_as_host_ends_within_the_connect_timeout() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let cases = [
        (
            format!(
                "host=127.0.0.1 port={port} user=tw password=sekrit-9 dbname=tw connect_timeout=2"
            ),
            None,
        ),
        (
            format!("postgresql://tw:sekrit-9@127.0.0.1:{port}/tw?connect_timeout=2"),
            None,
        ),
        // No connect_timeout: the request's deadline bounds it.
        (
            format!("postgresql://tw:sekrit-9@127.0.0.1:{port}/tw"),
            Some("2"),
        ),
    ];
    for (db, deadline) in cases {
        let mut c = bare();
        c.args(["--db", &db, "--as", "root", "ls", TEAM]);
        if let Some(d) = deadline {
            c.env("TREEWARD_TIMEOUT", d);
        }
        let (code, said, took) = timed(c, Duration::from_secs(60));
        assert_eq!(code, 6, "exit 6 after {took:.1?}: {said}");
        crate::common::assert_error_line(&said, 6, "a silent host");
        assert!(
            took < Duration::from_secs(2) + SLACK,
            "it took {took:.1?} (connect timeout 2 s): {said}"
        );
        assert!(!said.contains("sekrit"), "the password was printed: {said}");
    }
    drop(silent);
}

/// One `mkdir` of a writer: which, how it ended, when.
struct Tried {
    name: String,
    through_serve: bool,
    started: Instant,
    took: Duration,
    code: i32,
    said: String,
}

/// `mkdir TEAM/name` as root with the tests' deadline, on the database
/// itself or through the server on `sock`.
fn mkdir(db: &str, sock: Option<&Path>, name: &str) -> Tried {
    let mut c = bare();
    c.env("TREEWARD_TIMEOUT", DEADLINE.to_string())
        .args(["--db", db, "--as", "root"]);
    if let Some(s) = sock {
        c.arg("--socket").arg(s);
    }
    c.args(["mkdir", &format!("{TEAM}/{name}")]);
    let started = Instant::now();
    let (code, said, took) = timed(c, Duration::from_secs(DEADLINE * 10));
    Tried {
        name: name.to_string(),
        through_serve: sock.is_some(),
        started,
        took,
        code,
        said,
    }
}

/// Four writers (two on the database, two through the server) making
/// folders named `{tag}{writer}-{i}` until `during` returns.
fn under_load(db: &str, sock: &Path, tag: &str, during: impl FnOnce()) -> Vec<Tried> {
    let stop = AtomicBool::new(false);
    let tried = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for w in 0..4 {
            let (stop, tried) = (&stop, &tried);
            s.spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let t = mkdir(db, (w % 2 == 1).then_some(sock), &format!("{tag}{w}-{i}"));
                    let failed = t.code != 0;
                    tried.lock().unwrap().push(t);
                    i += 1;
                    if failed {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            });
        }
        during();
        stop.store(true, Ordering::SeqCst);
    });
    tried.into_inner().unwrap()
}

/// The folders under TEAM, read on the database by a new process.
fn folders(db: &str) -> std::collections::BTreeSet<String> {
    let r = out(bare().args(["--db", db, "--as", "root", "--json", "ls", TEAM]));
    assert_eq!(r.code, 0, "{}", r.said());
    entry_names(&r.json()).into_iter().collect()
}

fn shown(t: &Tried) -> String {
    format!(
        "{} ({}) exit {} after {:.1?}: {}",
        t.name,
        if t.through_serve {
            "through serve"
        } else {
            "direct"
        },
        t.code,
        t.took,
        t.said.trim()
    )
}

/// A child process, killed should the test end before it (a failed assertion).
struct Reaped(Option<std::process::Child>);

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `treeward serve` on `db` with the tests' deadline, its log in `log`.
fn serve_with_deadline(db: &str, sock: &Path, log: &Path) -> Reaped {
    let child = bare()
        .env("TREEWARD_TIMEOUT", DEADLINE.to_string())
        .args(["--db", db, "--socket"])
        .arg(sock)
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !sock.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "serve did not listen"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    Reaped(Some(child))
}

/// Issue 23, item 9: the primary stopped (SIGSTOP) under load, with a
/// standby listed that does not take writes (not promoted): each command,
/// direct or through `serve`, ends within its deadline with exit 6, and
/// each is as its message says once the primary goes on: made (exit 0, or
/// "is made"), not made, or — a COMMIT cut off — either.
/// Then stopped again with the standby promoted: requests go there.
#[test]
fn item9_a_stopped_primary_ends_each_request_in_time_and_applies_nothing_later() {
    let Some(pair) = pg::standby::pair() else {
        return;
    };
    pair.create_database("tw_frozen");
    let db = pair.conninfo("tw_frozen");
    let (code, said, _) = timed(
        {
            let mut c = bare();
            c.args(["--db", &db, "init", "--owner", "root"]);
            c
        },
        Duration::from_secs(60),
    );
    assert_eq!(code, 0, "{said}");
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("serve.sock");
    let log = dir.path().join("serve.log");
    let mut server = serve_with_deadline(&db, &sock, &log);

    let mut frozen_at = None;
    let tried = under_load(&db, &sock, "f", || {
        std::thread::sleep(Duration::from_millis(1500));
        pair.freeze_primary();
        frozen_at = Some(Instant::now());
        std::thread::sleep(Duration::from_secs(DEADLINE + 4));
    });
    let frozen_at = frozen_at.unwrap();
    // What the stopped primary was sent, it reads now; its clients are gone.
    pair.thaw_primary();
    std::thread::sleep(Duration::from_secs(2));
    check_the_frozen_spell(&db, &tried, frozen_at);

    // Stopped again, the standby promoted: new requests go to it.
    pair.freeze_primary();
    pair.promote();
    let on_standby = [false, true].map(|through| {
        let started = Instant::now();
        let mut i = 0;
        loop {
            let t = mkdir(
                &db,
                through.then_some(sock.as_path()),
                &format!("s{}-{i}", through as u8),
            );
            assert!(
                t.took <= Duration::from_secs(DEADLINE) + SLACK,
                "{}",
                shown(&t)
            );
            assert!(t.code == 0 || t.code == 6, "{}", shown(&t));
            if t.code == 0 {
                break t.name;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no request went to the promoted standby: {}",
                shown(&t)
            );
            i += 1;
        }
    });
    let now = folders(&db);
    for name in &on_standby {
        assert!(
            now.contains(name),
            "{name} was acknowledged and is not there"
        );
    }
    // The old primary never goes on (it would be a second primary).
    pair.kill_frozen_primary();
    assert!(terminate(server.0.take().unwrap()).success());
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(!log.contains(PASSWORD_WORD), "{log}");
}

/// While the primary was stopped: every command ended within its deadline,
/// those begun after the stop failed with exit 6 in one line (no password),
/// and each is as it said now that the primary goes on.
fn check_the_frozen_spell(db: &str, tried: &[Tried], frozen_at: Instant) {
    let limit = Duration::from_secs(DEADLINE) + SLACK;
    for t in tried {
        assert!(t.took <= limit, "over the deadline: {}", shown(t));
        assert!(t.code == 0 || t.code == 6, "{}", shown(t));
        assert!(!t.said.contains(PASSWORD_WORD), "{}", shown(t));
        if t.code == 6 {
            crate::common::assert_error_line(&t.said, 6, &t.name);
        }
    }
    let after: Vec<&Tried> = tried.iter().filter(|t| t.started > frozen_at).collect();
    for through in [false, true] {
        assert!(
            after.iter().any(|t| t.through_serve == through),
            "no command {} while the primary was stopped",
            if through { "through serve" } else { "direct" }
        );
    }
    for t in &after {
        assert_eq!(t.code, 6, "{}", shown(t));
    }
    let present = folders(db);
    for t in tried {
        let made = t.code == 0 || t.said.contains("is made");
        let unknown = t.said.contains("may or may not");
        if made {
            assert!(
                present.contains(&t.name),
                "said made and lost: {}",
                shown(t)
            );
        } else if !unknown {
            assert!(
                !present.contains(&t.name),
                "applied after its client was told it was not: {}",
                shown(t)
            );
        }
    }
    println!(
        "primary stopped: {} commands, {} after the stop (all exit 6), the longest took {:.1?}",
        tried.len(),
        after.len(),
        tried.iter().map(|t| t.took).max().unwrap_or_default()
    );
}
