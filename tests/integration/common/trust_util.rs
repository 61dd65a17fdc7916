//! Helpers shared by the trust tests (damaged stores, crashes, hostile
//! input): run the real binary with a timeout, so a hang fails the test
//! instead of stalling it, and keep its output as bytes, to look for raw
//! control characters (arguments and output need not be UTF-8 here).

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::outcome;
use treeward::store::sled_kv::SledKv;

pub fn bin() -> PathBuf {
    PathBuf::from(super::BIN)
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Run {
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn err(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `cmd`, failing the test if it does not end within `limit`.
pub fn run_with_timeout(mut cmd: Command, limit: Duration) -> Run {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn treeward");
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let to = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = so.read_to_end(&mut v);
        v
    });
    let te = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = se.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("treeward hung (killed after {limit:?}): {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code(),
        stdout: to.join().unwrap(),
        stderr: te.join().unwrap(),
    }
}

/// `treeward --db DB --as AS` ([`super::treeward`]), without colours.
pub fn command(db: &Path, as_: &str) -> Command {
    let mut c = super::treeward(db);
    c.env("NO_COLOR", "1").arg("--as").arg(as_);
    c
}

/// `treeward --db DB --as AS ARGS…`
pub fn tw(db: &Path, as_: &str, args: &[&str]) -> Run {
    let mut c = command(db, as_);
    c.args(args);
    run_with_timeout(c, TIMEOUT)
}

/// The same with raw (possibly non-UTF-8) arguments.
pub fn tw_os(db: &Path, as_: &str, args: &[OsString]) -> Run {
    let mut c = command(db, as_);
    c.args(args.iter().map(|a| a.as_os_str()));
    run_with_timeout(c, TIMEOUT)
}

pub fn os(s: &str) -> OsString {
    OsStr::new(s).to_os_string()
}

/// A demo store owned by `own` in `dir`.
pub fn demo(dir: &Path) {
    let r = tw(dir, "own", &["demo"]);
    assert!(r.ok(), "demo failed: {}", r.err());
}

pub fn export(dir: &Path) -> String {
    let r = tw(dir, "own", &["export"]);
    assert!(r.ok(), "export of {} failed: {}", dir.display(), r.err());
    r.out()
}

/// A demo store owned by `own` in `store` of a new temporary directory.
pub fn demo_tempdir() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let db = t.path().join("store");
    demo(&db);
    (t, db)
}

/// The same, and its export.
pub fn demo_with_export() -> (tempfile::TempDir, PathBuf, String) {
    let (t, db) = demo_tempdir();
    let ex = export(&db);
    (t, db, ex)
}

/// The contract for a store that cannot be used: exit 6, one line on
/// stderr starting `store unavailable:`, naming the store directory, with
/// no panic text, and nothing on stdout.
pub fn assert_unavailable(r: &Run, dir: &Path, case: &str) {
    let err = r.err();
    assert_eq!(r.code, Some(6), "{case}: exit {:?}, stderr {err:?}", r.code);
    outcome::assert_error_line(&err, 6, case);
    assert!(
        err.contains(&dir.display().to_string()),
        "{case}: does not name {}: {err:?}",
        dir.display()
    );
    for bad in ["internal error", "panicked", "backtrace", "RUST_BACKTRACE"] {
        assert!(!err.contains(bad), "{case}: {bad:?} in {err:?}");
    }
    assert!(r.stdout.is_empty(), "{case}: stdout {:?}", r.out());
    assert_no_escape(r, case);
}

/// No raw ESC (or other C0 control but newline/tab) ever reaches a terminal.
pub fn assert_no_escape(r: &Run, case: &str) {
    for (which, bytes) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
        if let Some(b) = bytes
            .iter()
            .find(|b| (**b < 0x20 && **b != b'\n' && **b != b'\t') || **b == 0x7f)
        {
            panic!(
                "{case}: raw control byte {b:#04x} in {which}: {:?}",
                String::from_utf8_lossy(bytes)
            );
        }
        let s = String::from_utf8_lossy(bytes);
        for c in s.chars() {
            let bad = ('\u{80}'..='\u{9f}').contains(&c)
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            assert!(!bad, "{case}: raw control {c:?} in {which}: {s:?}");
        }
    }
}

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Opens the sled files directly (as another program might damage them).
pub fn with_raw<T>(db: &Path, f: impl FnOnce(&SledKv) -> T) -> T {
    let kv = SledKv::open(db, &db.join("data")).expect("raw open");
    let out = f(&kv);
    drop(kv);
    // sled's threads let go of the data file's lock a moment after the
    // drop: wait for it, so the command under test does not find the
    // store "in use" instead of what the test did to it.
    let file = std::fs::File::open(db.join("data").join("db")).expect("the data file");
    for _ in 0..500 {
        if file.try_lock().is_ok() {
            file.unlock().expect("unlock");
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    out
}
