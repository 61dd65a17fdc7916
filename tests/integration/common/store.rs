//! Where a test's store goes, and the stores the tests start from.
//!
//! The suites that run on both stores ask [`fresh`] or [`new_app`]: a
//! directory (sled) or memory, or a new database of the private PostgreSQL
//! cluster when `TREEWARD_TEST_STORE=postgres` ([`super::pg::selected`]).

use std::path::{Path, PathBuf};

use treeward::app::App;

use super::{expect, pg};

/// Where a new store goes: `name` in `t`, or a new PostgreSQL database
/// (its name starting with `tag`) when the suite runs on PostgreSQL.
pub fn fresh(t: &tempfile::TempDir, name: &str, tag: &str) -> PathBuf {
    if pg::selected() {
        return PathBuf::from(pg::required().database(tag));
    }
    t.path().join(name)
}

/// An empty store opened in the test process: in memory, or a new
/// PostgreSQL database (named after `tag`) when the suite runs on PostgreSQL.
pub fn new_app(tag: &str) -> App {
    if pg::selected() {
        let url = pg::required().database(tag);
        return App::open_postgres(&url).expect("open the test database");
    }
    App::in_memory()
}

/// The demo account in `db`, owned by `owner`.
pub fn demo(db: &Path, owner: &str) {
    expect(db, owner, &["demo"], 0);
}

/// A demo store owned by `owner` in `store` of a new temporary directory.
pub fn demo_store(owner: &str) -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let db = t.path().join("store");
    demo(&db, owner);
    (t, db)
}

/// A new temporary directory that is itself a demo store owned by `owner`.
pub fn demo_dir(owner: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    demo(t.path(), owner);
    t
}

/// Where the holder of the store answers by default: `treeward.sock` in
/// the directory, or the database's socket in the runtime directory.
pub fn socket_of(db: &Path) -> PathBuf {
    if pg::selected() {
        return treeward::env::Env::resolve(Some(db.to_path_buf()), None, None)
            .unwrap()
            .socket;
    }
    db.join("treeward.sock")
}

/// A copy of the directory `from` (a store) at `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}
