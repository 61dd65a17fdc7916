//! `treeward serve` (issue 6): the real binary as the server on a temporary
//! store, clients through the command line and through the protocol's own
//! client (`treeward::wire::client`). All traffic is on the local socket.
//!
//! The tests run one at a time (they measure): the figures are printed with
//!   cargo test --release --test integration -- server:: --nocapture
//!
//! On PostgreSQL (`TREEWARD_TEST_STORE=postgres`) each test's store is a new
//! database of a private cluster, and its server answers on the database's
//! socket (in the runtime directory), where the command line finds it by
//! itself as it finds a directory's.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use treeward::app::{Reply, Request};
use treeward::wire::client::{Called, Client};
use treeward::wire::proto;

use crate::common::pty::Tui;
use crate::common::store::socket_of;
use crate::common::{as_nobody, entry_names, fresh, out, pg, treeward, Run};

const DW: &str = "Default Workspace";

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// The login of the user running the tests: the server's service account.
fn me() -> String {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .unwrap()
        .unwrap()
        .name
}

/// `treeward --db DIR ARGS…`, as the user running the tests.
fn cli_in(dir: &Path, args: &[&str]) -> Run {
    out(treeward(dir).args(args))
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = cli_in(dir, args);
    assert_eq!(o.code, 0, "{args:?}: {}{}", o.stdout, o.stderr);
    o.stdout
}

fn team(p: &str) -> String {
    format!("/{DW}/team/{p}")
}

struct Server {
    child: Child,
    dir: PathBuf,
    log: PathBuf,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let log = if pg::selected() {
            std::env::temp_dir().join(format!(
                "treeward-test-serve-{}-{}.log",
                std::process::id(),
                rand_u64() % 1_000_000
            ))
        } else {
            dir.with_extension(format!("log{}", rand_u64() % 1000))
        };
        let child = treeward(dir)
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let s = Server {
            child,
            dir: dir.to_path_buf(),
            log,
        };
        let t = Instant::now();
        loop {
            if Client::connect(&s.sock()).is_ok() {
                return s;
            }
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "server did not start: {}",
                s.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    fn sock(&self) -> PathBuf {
        socket_of(&self.dir)
    }
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
    fn client(&self) -> Client {
        Client::connect(&self.sock()).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if pg::selected() {
            // Outside the test's temporary directory: left behind otherwise.
            let _ = std::fs::remove_file(self.sock());
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish()
}

/// A store owned by the test's user, with alice (a Team Space admin) and bob.
fn store() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let dir = fresh(&t, "store", "server");
    let me = me();
    ok(&dir, &["init", "--owner", &me]);
    for u in ["alice", "bob"] {
        ok(&dir, &["--as", &me, "user", "add", u]);
    }
    ok(
        &dir,
        &[
            "--as",
            &me,
            "role",
            "grant",
            DW,
            "alice",
            "sysadmin",
            "datamanager",
            "analyst",
        ],
    );
    (t, dir)
}

fn run(c: &mut Client, req: Request) -> treeward::domain::Result<Reply> {
    match c.call(req, None) {
        Called::Done(r) => r,
        Called::Retry => Err(treeward::domain::Error::unavailable(
            "the server is stopping",
        )),
    }
}

/// What an acknowledged change does to a client's expected folder names.
type Change = Box<dyn FnOnce(&mut BTreeSet<String>)>;

fn audit_count(dir: &Path) -> usize {
    let v: Value = serde_json::from_str(&ok(dir, &["--json", "log"])).unwrap();
    v.as_array().unwrap().len()
}

fn names_in(dir: &Path, path: &str) -> BTreeSet<String> {
    let v: Value = serde_json::from_str(&ok(dir, &["--json", "ls", path])).unwrap();
    entry_names(&v).into_iter().collect()
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[test]
fn a_change_on_the_command_line_reaches_the_other_client_and_a_later_tree() {
    let _g = serial();
    let (_t, dir) = store();
    let srv = Server::start(&dir);
    let mut watcher = srv.client();
    watcher.subscribe().unwrap();
    // The command line finds the server by itself and goes through it.
    let o = cli_in(&dir, &["mkdir", &team("Plant")]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.trim(), format!("created folder {}", team("Plant")));
    let e = watcher
        .next_event(Duration::from_secs(5))
        .unwrap()
        .expect("pushed");
    let entry = e.entry.expect("the owner reads every entry");
    assert_eq!(entry.actor, me());
    assert!(entry.target.contains("Plant"), "{entry:?}");
    let tree = ok(&dir, &["tree"]);
    assert!(tree.contains("Plant/"), "{tree}");
    // Errors keep their outcome and exit code through the server.
    let o = cli_in(&dir, &["mkdir", &team("Plant")]);
    assert_eq!(o.code, 5);
    assert!(o.stderr.starts_with("conflict: "), "{}", o.stderr);
    // --json is the same document as embedded.
    let v: Value = serde_json::from_str(&ok(&dir, &["--json", "ls", &team("")])).unwrap();
    assert_eq!(v["entries"][0]["name"], "Plant");

    // Push latency: a change by one client seen by the other.
    let mut writer = srv.client();
    let mut lat = Vec::new();
    let mut whole = Vec::new();
    for i in 0..200 {
        let t = Instant::now();
        run(
            &mut writer,
            Request::Mkdir {
                path: team(&format!("Plant/L{i}")),
            },
        )
        .unwrap();
        let acked = t.elapsed();
        let e = watcher.next_event(Duration::from_secs(5)).unwrap().unwrap();
        let seen = t.elapsed();
        assert!(e.entry.unwrap().target.ends_with(&format!("L{i}")));
        lat.push((seen.as_secs_f64() - acked.as_secs_f64()).max(0.0) * 1e6);
        whole.push(seen.as_secs_f64() * 1e6);
    }
    let mut lat2 = lat.clone();
    let mut whole2 = whole.clone();
    println!(
        "push: change sent -> seen by the other client: median {:.0} µs, p99 {:.0} µs; \
         after the writer's own acknowledgement: median {:.0} µs, p99 {:.0} µs",
        pct(&mut whole, 0.5),
        pct(&mut whole2, 0.99),
        pct(&mut lat, 0.5),
        pct(&mut lat2, 0.99)
    );
    // A later tree through the command line shows them all.
    let tree = ok(&dir, &["tree", &team("Plant")]);
    assert!(tree.contains("L199/"), "{tree}");
}

#[test]
fn identity_comes_from_the_socket() {
    let _g = serial();
    let (t, dir) = store();
    let srv = Server::start(&dir);
    // The service account (the user the server runs as: this test) acts for others.
    let o = cli_in(&dir, &["--as", "alice", "mkdir", &team("ByAlice")]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&ok(&dir, &["--json", "log"])).unwrap();
    let last = v.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "alice");
    // Not the service account: only when the tests run as root can a child
    // take another uid.
    if !nix::unistd::getuid().is_root() {
        println!("skipped the refused case: not root, so no client with another uid can be made");
        return;
    }
    let other = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(65534))
        .ok()
        .flatten();
    let Some(other) = other else {
        println!("skipped the refused case: uid 65534 has no login here");
        return;
    };
    // Let uid 65534 reach the socket (in a team: the socket's group does this).
    use std::os::unix::fs::PermissionsExt;
    if !pg::selected() {
        // (A database's socket is in the runtime directory, not in these.)
        for d in [t.path(), dir.as_path()] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o711)).unwrap();
        }
    }
    std::fs::set_permissions(srv.sock(), std::fs::Permissions::from_mode(0o666)).unwrap();
    ok(&dir, &["user", "add", &other.name]);
    let as_other_env = |args: &[&str], env_user: Option<&str>| -> Run {
        let mut c = treeward(&dir);
        as_nobody(&mut c);
        if let Some(u) = env_user {
            c.env("TREEWARD_USER", u);
        }
        out(c.args(args))
    };
    let as_other = |args: &[&str]| as_other_env(args, None);
    let o = as_other(&["--as", "alice", "mkdir", &team("Forged")]);
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
    crate::common::assert_error_line(&o.stderr, 3, "claiming to be alice");
    assert!(o.stderr.contains(&other.name), "{}", o.stderr);
    // Nor can TREEWARD_USER claim another user.
    let o = as_other_env(&["ls", &team("")], Some("alice"));
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
    // Acting as themselves (named or not), the rules apply to them: not a
    // member, they see no Team Space (R11, R12).
    let o = as_other(&["tree"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let o = as_other(&["mkdir", &team("Mine")]);
    assert_eq!(o.code, 4, "{}{}", o.stdout, o.stderr);
    let o = as_other(&["--as", &other.name, "ls", &team("")]);
    assert_eq!(o.code, 4, "{}{}", o.stdout, o.stderr);
    // Store-level commands are not theirs.
    let o = as_other(&["export"]);
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
    assert!(!names_in(&dir, &team("")).contains("Forged"));
}

/// One client's private region: its own folder, only it writes there, so the
/// expected contents follow from its acknowledged changes alone.
fn worker(
    sock: &Path,
    i: usize,
    ops: usize,
    shared_acks: &Mutex<Vec<String>>,
) -> (usize, BTreeSet<String>) {
    let mut c = Client::connect(sock).unwrap();
    let home = team(&format!("C{i}"));
    let mut acked = 0;
    let mut mine: BTreeSet<String> = BTreeSet::new();
    let mut seed = (i as u64 + 1) * 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for k in 0..ops {
        let r = next() % 100;
        let pick = |n: u64| -> Option<String> {
            if mine.is_empty() {
                None
            } else {
                mine.iter().nth((n % mine.len() as u64) as usize).cloned()
            }
        };
        let (cmd, change): (Request, Option<Change>) = match r {
            0..=24 => {
                let n = format!("f{k}");
                let n2 = n.clone();
                (
                    Request::Mkdir {
                        path: format!("{home}/{n}"),
                    },
                    Some(Box::new(move |m| {
                        m.insert(n2);
                    })),
                )
            }
            25..=34 => {
                let n = format!("a{k}");
                let n2 = n.clone();
                (
                    Request::App {
                        path: format!("{home}/{n}"),
                    },
                    Some(Box::new(move |m| {
                        m.insert(n2);
                    })),
                )
            }
            35..=44 => match pick(next()) {
                Some(old) => {
                    let new = format!("r{k}");
                    let (o2, n2) = (old.clone(), new.clone());
                    (
                        Request::Rename {
                            path: format!("{home}/{old}"),
                            new_name: new,
                        },
                        Some(Box::new(move |m| {
                            m.remove(&o2);
                            m.insert(n2);
                        })),
                    )
                }
                None => (
                    Request::Ls {
                        path: Some(home.clone()),
                    },
                    None,
                ),
            },
            45..=49 => match pick(next()) {
                Some(old) => {
                    let o2 = old.clone();
                    (
                        Request::Rm {
                            path: format!("{home}/{old}"),
                        },
                        Some(Box::new(move |m| {
                            m.remove(&o2);
                        })),
                    )
                }
                None => (
                    Request::Tree {
                        path: Some(home.clone()),
                    },
                    None,
                ),
            },
            50..=57 => match pick(next()) {
                Some(it) => (
                    Request::Share {
                        path: format!("{home}/{it}"),
                        subject: "user:bob".into(),
                        level: "viewer".into(),
                        note: String::new(),
                    },
                    Some(Box::new(|_| {})),
                ),
                None => (
                    Request::Ls {
                        path: Some(home.clone()),
                    },
                    None,
                ),
            },
            58..=64 => {
                // Contended: every client races for the same few names.
                let n = format!("s{}", next() % 300);
                (
                    Request::Mkdir {
                        path: team(&format!("Shared/{n}")),
                    },
                    None,
                )
            }
            65..=84 => (
                Request::Ls {
                    path: Some(home.clone()),
                },
                None,
            ),
            _ => (
                Request::Tree {
                    path: Some(home.clone()),
                },
                None,
            ),
        };
        let contended = matches!(&cmd, Request::Mkdir { path } if path.contains("/Shared/"));
        let shared_path = match &cmd {
            Request::Mkdir { path } => path.clone(),
            _ => String::new(),
        };
        match run(&mut c, cmd) {
            Ok(reply) => {
                // A repeated share is unchanged: no audit entry (README, "Repeats").
                let unchanged = reply.is_unchanged();
                if let Some(f) = change {
                    f(&mut mine);
                    acked += usize::from(!unchanged);
                }
                if contended {
                    acked += 1;
                    shared_acks.lock().unwrap().push(shared_path);
                }
            }
            Err(e) => {
                // Only a contended name may be refused (taken: R1).
                assert!(contended, "client {i} op {k}: {e}");
                assert_eq!(e.outcome, treeward::domain::Outcome::Conflict, "{e}");
            }
        }
    }
    (acked, mine)
}

fn load(
    sock: &Path,
    clients: usize,
    ops: usize,
    shared: &Arc<Mutex<Vec<String>>>,
) -> (f64, usize, Vec<BTreeSet<String>>) {
    let t = Instant::now();
    let hs: Vec<_> = (0..clients)
        .map(|i| {
            let sock = sock.to_path_buf();
            let shared = shared.clone();
            std::thread::spawn(move || worker(&sock, i, ops, &shared))
        })
        .collect();
    let res: Vec<(usize, BTreeSet<String>)> = hs.into_iter().map(|h| h.join().unwrap()).collect();
    let secs = t.elapsed().as_secs_f64();
    let acked = res.iter().map(|r| r.0).sum();
    (
        (clients * ops) as f64 / secs,
        acked,
        res.into_iter().map(|r| r.1).collect(),
    )
}

#[test]
fn fifty_clients_two_hundred_operations_each() {
    let _g = serial();
    let (_t, dir) = store();
    let srv = Server::start(&dir);
    let mut c = srv.client();
    run(
        &mut c,
        Request::Mkdir {
            path: team("Shared"),
        },
    )
    .unwrap();
    for i in 0..50 {
        run(
            &mut c,
            Request::Mkdir {
                path: team(&format!("C{i}")),
            },
        )
        .unwrap();
    }
    // Requests per second of the bare protocol (a read that touches little).
    let t = Instant::now();
    for _ in 0..2000 {
        c.request(proto::ClientReq::Ping).unwrap();
    }
    println!(
        "ping, 1 client: {:.0} req/s",
        2000.0 / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    for _ in 0..1000 {
        run(
            &mut c,
            Request::Ls {
                path: Some(team("")),
            },
        )
        .unwrap();
    }
    println!(
        "ls, 1 client: {:.0} req/s",
        1000.0 / t.elapsed().as_secs_f64()
    );

    // One client, the same mix, in a region of its own.
    run(
        &mut c,
        Request::Mkdir {
            path: team("C1000"),
        },
    )
    .unwrap();
    let shared = Arc::new(Mutex::new(Vec::new()));
    let before = audit_count(&dir);
    let t = Instant::now();
    let (acked1, region1) = worker(&srv.sock(), 1000, 400, &shared);
    let rate1 = 400.0 / t.elapsed().as_secs_f64();
    println!("mixed operations, 1 client: {rate1:.0} req/s ({acked1} changes acknowledged)");
    assert_eq!(names_in(&dir, &team("C1000")), region1);
    let (rate50, acked, regions) = load(&srv.sock(), 50, 200, &shared);
    let acked = acked + acked1;
    let shared = shared.lock().unwrap().clone();
    println!(
        "mixed operations, 50 clients x 200: {rate50:.0} req/s ({acked} changes acknowledged)"
    );
    // Every acknowledged change is there, exactly once in the audit log.
    for (i, expect) in regions.iter().enumerate() {
        assert_eq!(
            &names_in(&dir, &team(&format!("C{i}"))),
            expect,
            "client {i}"
        );
    }
    let got: BTreeSet<String> = names_in(&dir, &team("Shared"));
    let want: BTreeSet<String> = shared
        .iter()
        .map(|p| p.rsplit('/').next().unwrap().to_string())
        .collect();
    assert_eq!(shared.len(), want.len(), "a name acknowledged twice");
    assert_eq!(got, want);
    assert_eq!(audit_count(&dir), before + acked);
    // The tree's invariants hold.
    let o = cli_in(&dir, &["doctor"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    drop(srv);
}

fn hello_frame() -> Vec<u8> {
    proto::encode(&proto::Hello::new("raw test", true)).unwrap()
}

/// Waits until the server closes the connection (or gives up).
fn closed_by_server(s: &mut UnixStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn bad_peers_do_not_disturb_the_server_or_the_others() {
    let _g = serial();
    let (_t, dir) = store();
    let mut srv = Server::start(&dir);
    let sock = srv.sock();
    // A silent client is held open the whole time.
    let silent = UnixStream::connect(&sock).unwrap();
    // And a subscribed client must keep getting its events.
    let mut watcher = srv.client();
    watcher.subscribe().unwrap();

    // Random bytes.
    let mut s = UnixStream::connect(&sock).unwrap();
    let junk: Vec<u8> = (0..4096).map(|i| (rand_u64() >> (i % 50)) as u8).collect();
    let _ = s.write_all(&junk);
    assert!(closed_by_server(&mut s));
    // A frame announcing 4 GiB, before and after the handshake.
    let mut s = UnixStream::connect(&sock).unwrap();
    s.write_all(&[0xff, 0xff, 0xff, 0xff, 1, 2, 3]).unwrap();
    assert!(closed_by_server(&mut s));
    let mut s = UnixStream::connect(&sock).unwrap();
    s.write_all(&hello_frame()).unwrap();
    let _: proto::Hello = proto::read_msg(&mut s, || {}).unwrap();
    s.write_all(&[0xff, 0xff, 0xff, 0xff]).unwrap();
    assert!(closed_by_server(&mut s));
    // A frame cut in the middle (the peer goes away).
    let mut s = UnixStream::connect(&sock).unwrap();
    s.write_all(&hello_frame()).unwrap();
    let _: proto::Hello = proto::read_msg(&mut s, || {}).unwrap();
    s.write_all(&[0, 0, 0, 100, 1, 2, 3]).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    assert!(closed_by_server(&mut s));
    // A well-framed message that does not decode.
    let mut s = UnixStream::connect(&sock).unwrap();
    s.write_all(&hello_frame()).unwrap();
    let _: proto::Hello = proto::read_msg(&mut s, || {}).unwrap();
    s.write_all(&[0, 0, 0, 3, 9, 9, 9]).unwrap();
    assert!(closed_by_server(&mut s));
    // Another protocol version: told clearly.
    let mut s = UnixStream::connect(&sock).unwrap();
    let mut h = proto::Hello::new("from the future", true);
    h.version = 999;
    s.write_all(&proto::encode(&h).unwrap()).unwrap();
    let back: proto::Hello = proto::read_msg(&mut s, || {}).unwrap();
    assert!(!back.ok && back.version == proto::PROTOCOL_VERSION);
    assert!(
        back.text.contains("protocol version mismatch"),
        "{}",
        back.text
    );
    // A client that sends a request and goes away before the answer.
    for i in 0..5 {
        let mut s = UnixStream::connect(&sock).unwrap();
        s.write_all(&hello_frame()).unwrap();
        let _: proto::Hello = proto::read_msg(&mut s, || {}).unwrap();
        let m = proto::ClientMsg {
            id: 1,
            req: proto::ClientReq::Call(proto::Call {
                request: Request::Mkdir {
                    path: team(&format!("Gone{i}")),
                },
                as_: None,
                within_ms: None,
            }),
        };
        s.write_all(&proto::encode(&m).unwrap()).unwrap();
        drop(s);
    }
    // Client processes killed in the middle of their requests.
    for i in 0..10 {
        let mut c = treeward(&dir)
            .args(["mkdir", &team(&format!("Killed{i}"))])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(i as u64));
        let _ = c.kill();
        let _ = c.wait();
    }
    // The others are served all along, the silent one included.
    let t = Instant::now();
    let o = cli_in(&dir, &["mkdir", &team("StillHere")]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(t.elapsed() < Duration::from_secs(5));
    let mut seen = false;
    while let Some(e) = watcher.next_event(Duration::from_secs(5)).unwrap() {
        if e.entry.is_some_and(|e| e.target.ends_with("StillHere")) {
            seen = true;
            break;
        }
    }
    assert!(seen, "the subscriber lost its events");
    assert!(srv.alive());
    let log = srv.log_text();
    assert!(log.contains("a frame announces 4294967295 bytes"), "{log}");
    assert!(log.contains("truncated frame"), "{log}");
    assert!(log.contains("malformed frame"), "{log}");
    assert!(log.contains("protocol version mismatch"), "{log}");
    drop(silent);
    let o = cli_in(&dir, &["doctor"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}

#[test]
fn killed_server_restarts_without_losing_acknowledged_changes() {
    let _g = serial();
    let (_t, dir) = store();
    let mut srv = Server::start(&dir);
    ok(&dir, &["mkdir", &team("K")]);
    let sock = srv.sock();
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reconnects = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let hs: Vec<_> = (0..8)
        .map(|w| {
            let (sock, acked, stop, reconnects) = (
                sock.clone(),
                acked.clone(),
                stop.clone(),
                reconnects.clone(),
            );
            std::thread::spawn(move || {
                let mut c: Option<Client> = None;
                let mut k = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let Some(cl) = c.as_mut() else {
                        match Client::connect(&sock) {
                            Ok(cl) => {
                                c = Some(cl);
                                reconnects.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            }
                            Err(_) => std::thread::sleep(Duration::from_millis(20)),
                        }
                        continue;
                    };
                    let name = format!("w{w}n{k}");
                    k += 1;
                    match run(
                        cl,
                        Request::Mkdir {
                            path: team(&format!("K/{name}")),
                        },
                    ) {
                        Ok(_) => acked.lock().unwrap().push(name),
                        Err(e) if e.outcome == treeward::domain::Outcome::Unavailable => c = None,
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    let before_kill = acked.lock().unwrap().len();
    srv.child.kill().unwrap(); // SIGKILL
    srv.child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // The socket file is stale now; a new server replaces it.
    assert!(sock.exists());
    let srv2 = Server::start(&dir);
    let at_restart = acked.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(1000));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for h in hs {
        h.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        before_kill > 0 && acked.len() > at_restart,
        "clients did not go on after the restart"
    );
    assert!(reconnects.load(std::sync::atomic::Ordering::SeqCst) >= 16);
    assert!(
        srv2.log_text().contains("stale socket"),
        "{}",
        srv2.log_text()
    );
    let there = names_in(&dir, &team("K"));
    for n in &acked {
        assert!(there.contains(n), "acknowledged {n} lost");
    }
    // At most one per client was done but not acknowledged (in flight at the kill).
    assert!(there.len() <= acked.len() + 8);
    let o = cli_in(&dir, &["doctor"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    println!(
        "SIGKILL: {} changes acknowledged, {} before the kill; all present after the restart",
        acked.len(),
        before_kill
    );
}

#[test]
fn one_server_per_store_sigterm_and_forced_socket() {
    let _g = serial();
    let (t, dir) = store();
    // --socket with no server there: a clear exit 6.
    let nowhere = t.path().join("nowhere.sock");
    let o = cli_in(&dir, &["--socket", nowhere.to_str().unwrap(), "tree"]);
    assert_eq!(o.code, 6, "{}", o.stderr);
    assert!(
        o.stderr.contains("no treeward server listens"),
        "{}",
        o.stderr
    );
    let mut srv = Server::start(&dir);
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let meta = std::fs::metadata(srv.sock()).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o660);
    // A second server on the same store.
    let o = cli_in(&dir, &["serve"]);
    assert_eq!(o.code, 6);
    assert!(
        o.stderr.contains("a treeward process already answers on"),
        "{}",
        o.stderr
    );
    // --socket naming the server's socket.
    let o = cli_in(&dir, &["--socket", srv.sock().to_str().unwrap(), "tree"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    // Export and import files are read and written on the client's side.
    let exp = t.path().join("export.json");
    ok(&dir, &["export", exp.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&exp).unwrap().contains("alice"));
    // SIGTERM: stops after what is in flight, removes the socket, exit 0.
    let mut c = srv.client();
    let h = std::thread::spawn(move || {
        let mut n = 0;
        for i in 0..100_000 {
            match run(
                &mut c,
                Request::Mkdir {
                    path: team(&format!("T{i}")),
                },
            ) {
                Ok(_) => n += 1,
                Err(_) => break,
            }
        }
        n
    });
    std::thread::sleep(Duration::from_millis(500));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(srv.child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = srv.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success(), "{}", srv.log_text());
    let n = h.join().unwrap();
    assert!(!srv.sock().exists());
    // Embedded again: the store opens, every acknowledged change is there.
    let there = names_in(&dir, &team(""));
    for i in 0..n {
        assert!(there.contains(&format!("T{i}")), "T{i} lost");
    }
    let o = cli_in(&dir, &["doctor"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}

#[test]
fn watch_prints_changes_and_reconnects_to_a_restarted_server() {
    use std::io::BufRead;
    let _g = serial();
    let (_t, dir) = store();
    let mut srv = Server::start(&dir);
    let mut w = treeward(&dir)
        .arg("watch")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let (out, err) = (w.stdout.take().unwrap(), w.stderr.take().unwrap());
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(out).lines().map_while(|l| l.ok()) {
            let _ = tx.send(format!("out: {l}"));
        }
    });
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(err).lines().map_while(|l| l.ok()) {
            let _ = tx2.send(format!("err: {l}"));
        }
    });
    let wait_for = |what: &str| {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(15) {
            if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
                if l.contains(what) {
                    return l;
                }
            }
        }
        panic!("watch never printed {what}");
    };
    // Give watch a moment to subscribe, then change something.
    let t = Instant::now();
    loop {
        ok(
            &dir,
            &["mkdir", &team(&format!("W{}", t.elapsed().as_millis()))],
        );
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(300)) {
            assert!(l.starts_with("out: ") && l.contains("/team/W"), "{l}");
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "watch printed nothing"
        );
    }
    srv.child.kill().unwrap();
    srv.child.wait().unwrap();
    wait_for("err: disconnected, retrying");
    let _srv2 = Server::start(&dir);
    wait_for("err: reconnected");
    ok(&dir, &["mkdir", &team("AfterRestart")]);
    let l = wait_for("AfterRestart");
    assert!(l.starts_with("out: "), "{l}");
    let _ = w.kill();
    let _ = w.wait();
}

/// `watch --since SEQ` prints the changes after SEQ from the log first, then
/// the live ones, each once and in order.
#[test]
fn watch_since_resumes_a_stream_from_the_log() {
    use std::io::BufRead;
    let _g = serial();
    let (_t, dir) = store();
    let _srv = Server::start(&dir);
    ok(&dir, &["mkdir", &team("Before")]);
    let log: serde_json::Value = serde_json::from_str(&ok(&dir, &["--json", "log"])).unwrap();
    let since = log.as_array().unwrap().last().unwrap()["seq"]
        .as_u64()
        .unwrap();
    ok(&dir, &["mkdir", &team("Missed1")]);
    ok(&dir, &["mkdir", &team("Missed2")]);
    let mut w = treeward(&dir)
        .args(["watch", "--since", &since.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = w.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(out).lines().map_while(|l| l.ok()) {
            let _ = tx.send(l);
        }
    });
    let next = || {
        rx.recv_timeout(Duration::from_secs(15))
            .expect("a line from watch")
    };
    let (a, b) = (next(), next());
    assert!(
        a.contains("/team/Missed1") && b.contains("/team/Missed2"),
        "{a}\n{b}"
    );
    assert!(a.trim_start().starts_with(&(since + 1).to_string()), "{a}");
    // Then the live stream, with nothing printed twice.
    let t = Instant::now();
    loop {
        ok(
            &dir,
            &["mkdir", &team(&format!("Live{}", t.elapsed().as_millis()))],
        );
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(300)) {
            assert!(l.contains("/team/Live"), "{l}");
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "watch printed nothing live"
        );
    }
    let _ = w.kill();
    let _ = w.wait();
}

/// A terminal UI on the store in a 110×30 pseudo-terminal, as the user
/// running the tests unless `args` say `--as`.
fn ui(dir: &Path, args: &[&str]) -> Tui {
    Tui::launch(dir, None, 110, 30, &[], args)
}

#[test]
fn two_terminal_uis_and_a_script_on_one_server() {
    let _g = serial();
    let (_t, dir) = store();
    ok(&dir, &["mkdir", &team("Plant")]);
    let mut srv = Server::start(&dir);
    let me = me();
    let a = ui(&dir, &[]);
    let mut b = ui(&dir, &["--as", "alice"]);
    let limit = Duration::from_secs(10);
    assert!(a.shows_within("Plant", limit).is_some(), "{}", a.screen());
    assert!(b.shows_within("Plant", limit).is_some(), "{}", b.screen());
    assert!(
        a.screen().contains(&format!(
            "connected as {me} to the treeward process holding this store"
        )),
        "{}",
        a.screen()
    );
    // A script's change appears in both, with who made it in the status line.
    let t = Instant::now();
    ok(&dir, &["--as", "alice", "mkdir", &team("Scripted")]);
    let ack = t.elapsed();
    let seen_a = a
        .shows_within("Scripted", limit)
        .expect("UI a shows the change");
    let seen_b = b
        .shows_within("Scripted", limit)
        .expect("UI b shows the change");
    assert!(a.shows_within("alice: ", limit).is_some(), "{}", a.screen());
    println!(
        "terminal UIs: a command-line change (the command took {:.0} ms, process start included) was on both screens {:.0} ms and {:.0} ms after the command returned",
        ack.as_secs_f64() * 1e3,
        seen_a.as_secs_f64() * 1e3,
        seen_b.as_secs_f64() * 1e3
    );
    // The server goes away: the UIs say so, and come back by themselves.
    srv.child.kill().unwrap();
    srv.child.wait().unwrap();
    assert!(
        b.shows_within("disconnected, retrying", limit).is_some(),
        "{}",
        b.screen()
    );
    let _srv2 = Server::start(&dir);
    ok(&dir, &["mkdir", &team("AfterRestart")]);
    assert!(
        b.shows_within("AfterRestart", limit).is_some(),
        "{}",
        b.screen()
    );
    // q quits.
    b.send("q");
    let t = Instant::now();
    while t.elapsed() < limit {
        if let Ok(Some(_)) = b.child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        matches!(b.child.try_wait(), Ok(Some(_))),
        "the UI did not quit"
    );
}
