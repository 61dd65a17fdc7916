//! What the integration tests share, one copy each:
//!
//! - running the built binary (below): [`treeward`] is the command on a
//!   store with nothing of the test process's environment that would choose
//!   a store or a user for it; [`run`] and [`expect`] run it and check its
//!   exit code and the shape of its error line (SPEC §10);
//! - [`outcome`]: the exit codes and the labels their error lines start with;
//! - [`store`]: where a test's store goes (a directory, or a PostgreSQL
//!   database when `TREEWARD_TEST_STORE=postgres`), demo stores, `copy_dir`;
//! - [`trust_util`]: runs with a time limit and raw output bytes, for the
//!   trust tests (damaged stores, crashes, hostile input);
//! - [`pty`]: the binary in a pseudo-terminal, its screen parsed;
//! - [`pg`]: a private PostgreSQL cluster (and a primary with a standby);
//! - [`world`]: the makings of random worlds (people, item trees, roles,
//!   a seeded generator) for the property and model tests.
//!
//! The tests run on parallel threads of one process: a setting a test needs
//! is given to the child it spawns (`Command::env`), never set on the test
//! process (`std::env::set_var`, the current directory, signal handlers).
#![allow(dead_code)]

pub mod outcome;
pub mod pg;
pub mod pty;
pub mod store;
pub mod trust_util;
pub mod world;

pub use outcome::{assert_error_line, label};
pub use store::{copy_dir, demo_dir, demo_store, fresh, new_app};

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_treeward");

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.stdout))
    }

    /// Both streams, as a person at a terminal reads them.
    pub fn said(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// `treeward`, with neither `$TREEWARD_DB` nor `$TREEWARD_USER` of the test
/// process: each test names its store and its user itself. Nothing on stdin.
pub fn bare() -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("TREEWARD_DB")
        .env_remove("TREEWARD_USER")
        .stdin(Stdio::null());
    c
}

/// `treeward --db DB`, as [`bare`]. A store held by another process is
/// waited for as long as treeward waits by itself.
pub fn treeward(db: &Path) -> Command {
    let mut c = bare();
    c.arg("--db").arg(db);
    c
}

/// `treeward --db DB`, where a store held without an answer is given up on
/// quickly (the tests of waiting set their own patience).
pub fn cmd(db: &Path) -> Command {
    let mut c = treeward(db);
    c.env("TREEWARD_WAIT_MS", "300");
    c
}

/// Runs `c` to its end: its exit code (-1 when a signal ended it) and output.
pub fn out(c: &mut Command) -> Run {
    let o = c.output().expect("run treeward");
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8(o.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(o.stderr).expect("utf-8 stderr"),
    }
}

/// `treeward --db DB --as ACTOR ARGS…` through [`cmd`].
pub fn run(db: &Path, actor: &str, args: &[&str]) -> Run {
    out(cmd(db).args(["--as", actor]).args(args))
}

/// Runs, asserts the exit code and the shape of the error line.
pub fn expect(db: &Path, actor: &str, args: &[&str], code: i32) -> Run {
    let r = run(db, actor, args);
    assert_code(&r, code, &format!("{actor} {args:?}"));
    r
}

/// The exit code, and for a failure one error line with its label
/// ([`outcome::label`]); a success or a deny (0, 1) writes nothing on
/// stderr. (A failure may follow output: a streamed report's header.)
pub fn assert_code(r: &Run, code: i32, what: &str) {
    assert_eq!(
        r.code, code,
        "{what}: stdout {:?} stderr {:?}",
        r.stdout, r.stderr
    );
    if label(code).is_some() {
        assert_error_line(&r.stderr, code, what);
    } else {
        assert!(r.stderr.is_empty(), "{what}: stderr {:?}", r.stderr);
    }
}

/// `treeward --db DB --socket SOCK serve`, its stderr to `log`; returns once
/// it listens (its socket is there).
pub fn serve(db: &Path, sock: &Path, log: impl Into<Stdio>) -> Child {
    let child = treeward(db)
        .arg("--socket")
        .arg(sock)
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start treeward serve");
    let started = Instant::now();
    while !sock.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "serve did not listen on {}",
            sock.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

/// Asks `child` to end as a service manager does (SIGTERM) and waits for it.
pub fn terminate(mut child: Child) -> ExitStatus {
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    child.wait().expect("wait for treeward")
}

/// Makes `c` run as another OS user, uid and gid 65534 (nobody), with no
/// user of treeward's own named and a home it cannot write. Root only.
pub fn as_nobody(c: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    c.env_remove("TREEWARD_USER").env("HOME", "/");
    // In the child, between fork and exec: the test process keeps its own ids.
    unsafe {
        c.pre_exec(|| {
            nix::unistd::setgroups(&[]).map_err(std::io::Error::from)?;
            nix::unistd::setgid(nix::unistd::Gid::from_raw(65534)).map_err(std::io::Error::from)?;
            nix::unistd::setuid(nix::unistd::Uid::from_raw(65534)).map_err(std::io::Error::from)?;
            Ok(())
        })
    }
}

/// The names of a listing's entries (`--json ls`), in its order.
pub fn entry_names(listing: &Value) -> Vec<String> {
    listing["entries"]
        .as_array()
        .expect("a listing's entries")
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

/// The Team Space items of an exported workspace, each with its path below
/// the Team Space (`Plant/Line1`), parents first as the export has them.
pub fn team_items(ws: &Value) -> Vec<(String, &Value)> {
    let mut paths: std::collections::BTreeMap<u64, String> = Default::default();
    let mut out = Vec::new();
    for it in ws["items"].as_array().unwrap() {
        if it["space"]["kind"] != "Team" {
            continue;
        }
        let name = it["name"].as_str().unwrap();
        let path = match it["parent"].as_u64() {
            None => name.to_string(),
            Some(p) => format!("{}/{name}", paths.get(&p).expect("parent exported first")),
        };
        paths.insert(it["id"].as_u64().unwrap(), path.clone());
        out.push((path, it));
    }
    out
}

/// A whole number from the environment (a long run's size), or `default`.
pub fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
