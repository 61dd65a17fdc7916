//! Crash safety (issue 7): a writer process (`treeward stress-writer`, a
//! hidden command doing random mkdir/app/mv/rename/rm/share/unshare/cp
//! through the app layer) reports each change only once it is acknowledged;
//! this test kills it with SIGKILL at random moments, reopens the store each
//! time and checks that every acknowledged change is there, the one in
//! flight is wholly done or wholly absent (a move is done or not), doctor
//! finds the invariants hold, and the audit log holds exactly one entry per
//! applied change, in order.
//!
//! CI runs 25 kills (about 10 s). The long variant:
//!   TREEWARD_CRASH_ROUNDS=1000 cargo test --release --test integration -- crash:: --nocapture
//!
//! On PostgreSQL (`TREEWARD_TEST_STORE=postgres`) the store is a new
//! database of a private cluster: the writer is killed while connected, its
//! transaction in flight is the database's to roll back or, when its
//! `COMMIT` was sent, to commit after the writer is gone: the round is
//! judged once the database has no session of the writer left (`settle`;
//! issue 23 #7). 25 kills, about 30 s: each round is longer, see `span`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::trust_util::*;
use crate::common::world::Rng;
use crate::common::{env_number, fresh, pg, team_items};
use serde_json::Value;

const WS: &str = "Default Workspace";
const ROOT: &str = "stress";

/// The expected state of the writer's region, from acknowledged changes
/// alone (written here from the operations' meaning, not from the writer).
#[derive(Clone, Debug, PartialEq, Default)]
struct Model {
    items: BTreeMap<String, &'static str>,
    grants: BTreeMap<(String, String), String>,
}

fn under(p: &str, root: &str) -> bool {
    p == root || p.starts_with(&format!("{root}/"))
}

fn last(p: &str) -> &str {
    p.rsplit('/').next().unwrap()
}

fn up(p: &str) -> &str {
    p.rsplit_once('/').map(|x| x.0).unwrap_or("")
}

impl Model {
    fn moved(&mut self, from: &str, to: &str) {
        let items = std::mem::take(&mut self.items);
        for (p, k) in items {
            let p = if under(&p, from) {
                format!("{to}{}", &p[from.len()..])
            } else {
                p
            };
            self.items.insert(p, k);
        }
        let grants = std::mem::take(&mut self.grants);
        for ((p, s), l) in grants {
            let p = if under(&p, from) {
                format!("{to}{}", &p[from.len()..])
            } else {
                p
            };
            self.grants.insert((p, s), l);
        }
    }
    fn apply(&mut self, op: &[String]) {
        match op[0].as_str() {
            "mkdir" => {
                self.items.insert(op[1].clone(), "folder");
            }
            "app" => {
                self.items.insert(op[1].clone(), "app");
            }
            "mv" => self.moved(&op[1], &format!("{}/{}", op[2], last(&op[1]))),
            "rename" => self.moved(&op[1], &format!("{}/{}", up(&op[1]), op[2])),
            "rm" => {
                assert!(
                    !self.items.keys().any(|q| up(q) == op[1]),
                    "rm of a full folder acknowledged"
                );
                self.items.remove(&op[1]);
                self.grants.retain(|(p, _), _| *p != op[1]);
            }
            "share" => {
                self.grants
                    .insert((op[1].clone(), op[2].clone()), op[3].clone());
            }
            "unshare" => {
                self.grants.remove(&(op[1].clone(), op[2].clone()));
            }
            "cp" => {
                self.items
                    .insert(format!("{}/{}", op[2], last(&op[1])), "app");
            }
            other => panic!("unknown op {other}"),
        }
    }
}

/// The region as the store holds it, read through `export`.
fn actual(ex: &Value) -> Model {
    let ws = ex["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == WS)
        .unwrap();
    let mut m = Model::default();
    for (path, it) in team_items(ws) {
        if !under(&path, ROOT) {
            continue;
        }
        let kind = if it["kind"] == "folder" {
            "folder"
        } else {
            "app"
        };
        m.items.insert(path.clone(), kind);
        for g in it["grants"].as_array().unwrap() {
            m.grants.insert(
                (path.clone(), g["subject"].as_str().unwrap().to_string()),
                g["level"].as_str().unwrap().to_string(),
            );
        }
    }
    m
}

fn audit_actions(ex: &Value) -> Vec<String> {
    ex["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

fn setup(db: &Path) {
    let steps: &[&[&str]] = &[
        &["init", "--owner", "own"],
        &["user", "add", "alice"],
        &["user", "add", "bob"],
        &["group", "add", "qa"],
        &["org", "add", "sales"],
        &["mkdir", "/Default Workspace/team/stress"],
    ];
    for s in steps {
        let r = tw(db, "own", s);
        assert!(r.ok(), "{s:?}: {}", r.err());
    }
}

/// One writer run, killed after `after`: its acknowledged ops, in order, and
/// the op in flight when it died (if any).
fn run_writer(
    db: &Path,
    seed: u64,
    after: Duration,
) -> (Vec<Vec<String>>, Option<Vec<String>>, usize) {
    let started = Instant::now();
    run_writer_until(db, seed, || started.elapsed() >= after)
}

/// One writer run, killed once `stop` says so (asked every 5 ms): its
/// acknowledged ops, the op in flight when it died, and the refused ops.
fn run_writer_until(
    db: &Path,
    seed: u64,
    mut stop: impl FnMut() -> bool,
) -> (Vec<Vec<String>>, Option<Vec<String>>, usize) {
    let mut c = command(db, "own");
    c.args(["stress-writer", "--seed", &seed.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(out)
            .lines()
            .map_while(|l| l.ok())
            .collect::<Vec<String>>()
    });
    while !stop() {
        std::thread::sleep(Duration::from_millis(5));
    }
    let still_running = child.try_wait().unwrap().is_none();
    assert!(still_running, "the writer stopped by itself");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let lines = reader.join().unwrap();
    let mut acked = Vec::new();
    let mut pending: Option<(String, Vec<String>)> = None;
    let mut failed = 0;
    for l in lines {
        let f: Vec<String> = l.split('\t').map(String::from).collect();
        match f[0].as_str() {
            "begin" => {
                assert!(pending.is_none(), "two ops in flight");
                pending = Some((f[1].clone(), f[2..].to_vec()));
            }
            "ok" => {
                let (n, op) = pending.take().expect("ok without begin");
                assert_eq!(n, f[1]);
                acked.push(op);
            }
            // Already so: acknowledged with nothing written and no audit entry.
            "fail" | "same" => {
                let (n, _) = pending.take().expect("fail without begin");
                assert_eq!(n, f[1]);
                failed += usize::from(f[0] == "fail");
            }
            _ => panic!("unexpected writer line {l:?}"),
        }
    }
    (acked, pending.map(|p| p.1), failed)
}

/// How the op in flight when a writer was killed turned out.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    /// No op was in flight.
    None,
    Done,
    Absent,
}

/// What the test knows: the model of the region, the actions of the audit
/// entries applied since the set-up, and the fates of earlier rounds' ops
/// in flight (for the messages).
struct Known {
    model: Model,
    applied: Vec<String>,
    base_audit: usize,
    history: Vec<String>,
}

/// The items and grants only one side holds, in words.
fn diff(store: &Model, model: &Model) -> String {
    let only = |a: &Model, b: &Model| {
        let mut v: Vec<String> = a
            .items
            .iter()
            .filter(|(p, k)| b.items.get(*p) != Some(*k))
            .map(|(p, k)| format!("{k} {p}"))
            .collect();
        v.extend(
            a.grants
                .iter()
                .filter(|(g, l)| b.grants.get(*g) != Some(*l))
                .map(|((p, s), l)| format!("grant {s} {l} on {p}")),
        );
        v
    };
    format!(
        "only in the store: {:?}; only in the model: {:?}",
        only(store, model),
        only(model, store)
    )
}

/// Once the database has finished with the killed writer (see [`settle`]),
/// judges the round: the acknowledged ops are in the store, and the op in
/// flight is wholly done or wholly absent; R32: one audit entry per
/// applied change, in order. Updates what the test knows.
fn judge_round(
    db: &Path,
    round: usize,
    known: &mut Known,
    acked: &[Vec<String>],
    pending: &Option<Vec<String>>,
) -> Fate {
    let ex: Value = serde_json::from_str(&export(db)).unwrap();
    let got = actual(&ex);
    let audit = audit_actions(&ex);
    let story = |known: &Known| {
        format!(
            "acknowledged this round: {acked:?}; earlier rounds: {}",
            known.history.join("; ")
        )
    };
    let fate = match pending {
        Some(op) if got != known.model => {
            // The op in flight must then be wholly done.
            let mut after = known.model.clone();
            after.apply(op);
            assert!(
                got == after,
                "round {round}: the store is neither before nor after {op:?}: {}; {}",
                diff(&got, &after),
                story(known)
            );
            known.model = after;
            known.applied.push(op[0].clone());
            Fate::Done
        }
        Some(op) => {
            // Not applied, or applied with no visible effect (a share
            // repeating the same level): the audit log tells.
            if audit.len() == known.base_audit + known.applied.len() + 1 {
                known.applied.push(op[0].clone());
                Fate::Done
            } else {
                Fate::Absent
            }
        }
        None => {
            assert!(
                got == known.model,
                "round {round}: acknowledged changes lost: {}; {}",
                diff(&got, &known.model),
                story(known)
            );
            Fate::None
        }
    };
    assert_eq!(
        audit[known.base_audit..].to_vec(),
        known.applied,
        "round {round}: the audit log does not match the changes; {}",
        story(known)
    );
    if let Some(op) = pending {
        known.history.push(format!("{round}: {op:?} {fate:?}"));
    }
    fate
}

/// A connection to the test's database (PostgreSQL).
fn connect(db: &Path) -> postgres::Client {
    postgres::Client::connect(&db.to_string_lossy(), postgres::NoTls).unwrap()
}

/// The database's client sessions on its database other than `c`'s own.
fn sessions(c: &mut postgres::Client) -> Vec<String> {
    c.query(
        "SELECT pid::text || ' ' || coalesce(state, '') || ' ' || coalesce(wait_event, '') || ' ' || left(coalesce(query, ''), 60)
           FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND backend_type = 'client backend'",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| r.get::<_, String>(0))
    .collect()
}

/// The store's generation (PostgreSQL): it moves with every commit.
fn generation(c: &mut postgres::Client) -> i64 {
    c.query_one("SELECT gen FROM treeward_generation", &[])
        .unwrap()
        .get(0)
}

/// Waits until the database has finished with a killed writer: until no
/// session of it is left. Issue 23 #7: a writer killed after it sent its
/// `COMMIT` does not take the commit with it. The server reads the
/// `COMMIT`, makes the change durable and visible, and only then finds its
/// client gone; until then the store reads as before the change. A
/// directory store has no such lag: the writer's process was the store.
/// Returns whether a change landed after the writer was killed.
fn settle(db: &Path) -> bool {
    // `TREEWARD_CRASH_JUDGE_AT_ONCE=1`: the judgement before issue 23 #7,
    // made as soon as the writer is dead (to see the flaw it had).
    if !pg::selected() || std::env::var_os("TREEWARD_CRASH_JUDGE_AT_ONCE").is_some() {
        return false;
    }
    let mut c = connect(db);
    let before = generation(&mut c);
    let started = Instant::now();
    loop {
        let left = sessions(&mut c);
        if left.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the database still serves the killed writer after 60 s: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    generation(&mut c) != before
}

#[test]
fn sigkill_loses_no_acknowledged_change() {
    let rounds: usize = env_number("TREEWARD_CRASH_ROUNDS", 25);
    let t = tempfile::tempdir().unwrap();
    let db = fresh(&t, "store", "crash");
    setup(&db);
    let mut known = Known {
        model: Model::default(),
        applied: Vec::new(),
        base_audit: audit_actions(&serde_json::from_str(&export(&db)).unwrap()).len(),
        history: Vec::new(),
    };
    known.model.items.insert(ROOT.into(), "folder");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // A writer on PostgreSQL starts in about 0.13 s (connecting, listening
    // for others' commits) and commits over the network: it is given longer
    // per round to do as many operations (some kills still come while it
    // starts).
    let span = if pg::selected() { 1500 } else { 260 };
    let (mut total_acked, mut done, mut absent, mut failed, mut late) = (0, 0, 0, 0, 0);
    let started = Instant::now();
    for round in 0..rounds {
        let wait = Duration::from_millis(40 + rng.next() % span);
        let (acked, pending, f) = run_writer(&db, 1000 + round as u64, wait);
        failed += f;
        total_acked += acked.len();
        for op in &acked {
            known.model.apply(op);
            known.applied.push(op[0].clone());
        }
        late += usize::from(settle(&db));
        match judge_round(&db, round, &mut known, &acked, &pending) {
            Fate::Done => done += 1,
            Fate::Absent => absent += 1,
            Fate::None => {}
        }
        // Invariants of the core issue.
        let r = tw(&db, "own", &["doctor"]);
        assert_eq!(r.code, Some(0), "round {round}: doctor: {}", r.out());
    }
    println!(
        "crash: {rounds} SIGKILLs survived in {:.1} s; {total_acked} acknowledged changes kept, {failed} refused ops, in-flight op done {done} / absent {absent}; {late} of them committed by the database after their writer was killed; {} items at the end",
        started.elapsed().as_secs_f64(),
        known.model.items.len()
    );
    // How many changes a round acknowledges depends on the machine's speed
    // (a loaded CI machine made 976 in 25 rounds): only that the writers
    // wrote at all is asserted.
    assert!(total_acked > 0, "no writer acknowledged any change");
}

/// Issue 23 #7, shown on purpose: a writer killed while its `COMMIT` is
/// in flight, on PostgreSQL. The commit is held at the server (a private
/// cluster that waits for a synchronous standby that is not there), the
/// writer is killed, and the store reads as before the change; then the
/// server is let go and the change lands, after its writer died. The crash
/// test's judgement of the op in flight must wait for that (it once
/// judged at once, called the op absent, and a later round found the
/// store "neither before nor after" its own op in flight).
#[test]
fn item7_a_change_in_flight_when_its_writer_is_killed_is_judged_after_the_database_settles() {
    if !pg::selected() {
        println!("skipped: a killed writer of a directory store takes its store with it (PostgreSQL only)");
        return;
    }
    let Some(cluster) = pg::private_cluster() else {
        return;
    };
    let db = std::path::PathBuf::from(cluster.database("late"));
    setup(&db);
    let mut known = Known {
        model: Model::default(),
        applied: Vec::new(),
        base_audit: audit_actions(&serde_json::from_str(&export(&db)).unwrap()).len(),
        history: Vec::new(),
    };
    known.model.items.insert(ROOT.into(), "folder");
    // Commits wait for a synchronous standby named `ghost`, which never
    // comes: until the setting is taken back.
    let hold = |on: bool| {
        let value = if on { "ghost" } else { "" };
        let mut c = connect(&db);
        c.batch_execute(&format!(
            "ALTER SYSTEM SET synchronous_standby_names = '{value}'"
        ))
        .unwrap();
        c.batch_execute("SELECT pg_reload_conf()").unwrap();
        let started = Instant::now();
        while connect(&db)
            .query_one("SHOW synchronous_standby_names", &[])
            .unwrap()
            .get::<_, String>(0)
            != value
        {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the setting did not take"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    hold(true);
    let (acked, pending, committing) = writer_until_commit_waits(&db);
    assert!(acked.is_empty(), "no commit could finish: {acked:?}");
    assert!(committing, "the writer's commit never reached the server");
    let pending = pending.expect("an op in flight");
    // The writer is dead; its change is not visible yet.
    let before: Value = serde_json::from_str(&export(&db)).unwrap();
    assert_eq!(
        actual(&before),
        known.model,
        "the change showed before it committed"
    );
    // Judged while the server still holds the commit: the judgement waits.
    let judged = std::thread::scope(|sc| {
        let (db, pending) = (&db, &pending);
        let h = sc.spawn(move || {
            let late = settle(db);
            (
                late,
                judge_round(db, 0, &mut known, &[], &Some(pending.clone())),
            )
        });
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            !h.is_finished(),
            "judged while the change was still in flight"
        );
        hold(false);
        h.join().unwrap()
    });
    assert_eq!(
        judged,
        (true, Fate::Done),
        "the change committed after its writer was killed, and is judged done"
    );
}

/// Runs the writer until its commit waits at the server (a backend waiting
/// for a synchronous standby), then kills it: its acknowledged ops, the op
/// in flight, and whether the commit was seen waiting.
fn writer_until_commit_waits(db: &Path) -> (Vec<Vec<String>>, Option<Vec<String>>, bool) {
    let started = Instant::now();
    let mut waiting = false;
    let mut c = connect(db);
    let (acked, pending, _) = run_writer_until(db, 7, || {
        waiting = sessions(&mut c).iter().any(|s| s.contains("SyncRep"));
        waiting || started.elapsed() > Duration::from_secs(20)
    });
    (acked, pending, waiting)
}
