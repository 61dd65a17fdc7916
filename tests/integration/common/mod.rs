//! What the integration tests share: running the built binary on a store
//! and checking its exit code and the shape of its error line (SPEC §10).
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};

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
}

pub fn cmd(db: &Path) -> Command {
    let mut c = Command::new(BIN);
    // A store held without an answer is given up on quickly here (the
    // tests of waiting set their own patience).
    c.env_remove("TREEWARD_DB")
        .env_remove("TREEWARD_USER")
        .env("TREEWARD_WAIT_MS", "300")
        .arg("--db")
        .arg(db);
    c
}

pub fn out(c: &mut Command) -> Run {
    let o = c.stdin(Stdio::null()).output().expect("run treeward");
    Run {
        code: o.status.code().expect("exit code"),
        stdout: String::from_utf8(o.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(o.stderr).expect("utf-8 stderr"),
    }
}

pub fn run(db: &Path, actor: &str, args: &[&str]) -> Run {
    out(cmd(db).args(["--as", actor]).args(args))
}

/// Runs, asserts the exit code and the shape of the error line.
pub fn expect(db: &Path, actor: &str, args: &[&str], code: i32) -> Run {
    let r = run(db, actor, args);
    assert_code(&r, code, &format!("{actor} {args:?}"));
    r
}

pub fn assert_code(r: &Run, code: i32, what: &str) {
    assert_eq!(
        r.code, code,
        "{what}: stdout {:?} stderr {:?}",
        r.stdout, r.stderr
    );
    let label = match code {
        2 => "invalid input: ",
        3 => "permission denied: ",
        4 => "not found: ",
        5 => "conflict: ",
        6 => "store unavailable: ",
        _ => {
            assert!(r.stderr.is_empty(), "{what}: stderr {:?}", r.stderr);
            return;
        }
    };
    assert!(r.stderr.starts_with(label), "{what}: stderr {:?}", r.stderr);
    assert!(
        r.stderr.ends_with('\n') && r.stderr.trim_end().lines().count() == 1,
        "{what}: one line: {:?}",
        r.stderr
    );
}
