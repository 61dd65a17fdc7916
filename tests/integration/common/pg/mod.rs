//! A private PostgreSQL cluster for the tests: `initdb` in a temporary
//! directory as an unprivileged user (PostgreSQL refuses to run as root), on
//! a free port, started with `pg_ctl -w` and stopped when the last test is
//! done with it. `$TREEWARD_TEST_PG` (a connection string to a server where
//! the tests may create databases) is used instead when set.
#![allow(dead_code)]

pub mod standby;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// The password of the cluster's superuser (tests only).
pub const PASSWORD: &str = "tw-test-secret-7f3a";
/// `treeward migrate` on the database of `url`, as an administrator would
/// run it before the first use (every other command makes no tables).
pub fn migrated(url: &str) {
    treeward::store::pg_migrate::migrate(url, false)
        .unwrap_or_else(|e| panic!("migrate {url}: {e}"));
}

/// The unprivileged OS user the cluster runs as when the tests run as root.
const OS_USER: &str = "treeward-pg";

pub struct Cluster {
    /// `postgresql://postgres:PASSWORD@127.0.0.1:PORT` (no database).
    pub base: String,
    pub port: u16,
    dir: Option<tempfile::TempDir>,
    bin: PathBuf,
    run_as: Option<String>,
    /// A test's own cluster ([`private_cluster`]): stopped when dropped.
    private: bool,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.private {
            self.stop();
        }
    }
}

static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
static NEXT_DB: AtomicUsize = AtomicUsize::new(0);
static CREATING: Mutex<()> = Mutex::new(());

fn pg_bin() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists())
        .collect();
    found.sort();
    found.pop()
}

/// A port nobody listens on now, and that this process has not handed out
/// before: the clusters of tests running at once (a suite's cluster, a
/// failover test's pair) each get ports of their own, though a port is only
/// taken when its server starts.
fn free_port() -> u16 {
    static GIVEN: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

fn as_user(run_as: &Option<String>, program: &Path) -> Command {
    match run_as {
        Some(u) => {
            let mut c = Command::new("runuser");
            c.arg("-u").arg(u).arg("--").arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// The unprivileged OS user the cluster runs as (`None`: not root, run as
/// ourselves), created when missing.
fn os_user() -> Option<String> {
    // Once at a time: two clusters starting at once must not both create it.
    static CREATING_USER: Mutex<()> = Mutex::new(());
    let _g = CREATING_USER.lock().unwrap_or_else(|e| e.into_inner());
    let root = nix::unistd::getuid().is_root();
    root.then(|| {
        if nix::unistd::User::from_name(OS_USER)
            .ok()
            .flatten()
            .is_none()
        {
            let ok = Command::new("useradd")
                .args([
                    "--system",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    OS_USER,
                ])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(
                ok,
                "cannot create the OS user {OS_USER} for the test cluster"
            );
        }
        OS_USER.to_string()
    })
}

/// `path` (made by us) handed to the cluster's OS user.
fn give(run_as: &Option<String>, path: &Path) {
    if let Some(u) = run_as {
        let user = nix::unistd::User::from_name(u).unwrap().unwrap();
        nix::unistd::chown(path, Some(user.uid), Some(user.gid)).unwrap();
    }
}

/// A temporary directory the cluster's OS user owns.
fn owned_tempdir(prefix: &str, run_as: &Option<String>) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
    give(run_as, dir.path());
    dir
}

/// `initdb` in `dir/data`, superuser `postgres` with [`PASSWORD`] over TCP
/// and trusted on the local socket.
fn initdb(bin: &Path, run_as: &Option<String>, dir: &Path) -> PathBuf {
    let pw = dir.join("pw");
    std::fs::write(&pw, PASSWORD).unwrap();
    give(run_as, &pw);
    let data = dir.join("data");
    let o = as_user(run_as, &bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        ])
        .arg(format!("--pwfile={}", pw.display()))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    data
}

/// Starts the server of `data` on `port`, its socket and log in `dir`,
/// with `extra` server options (`-c name=value …`).
fn pg_start(bin: &Path, run_as: &Option<String>, data: &Path, port: u16, dir: &Path, extra: &str) {
    let o = as_user(run_as, &bin.join("pg_ctl"))
        .arg("-D")
        .arg(data)
        .arg("-w")
        .arg("-l")
        .arg(dir.join(format!("log-{port}")))
        .arg("-o")
        .arg(format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on {extra}",
            dir.display()
        ))
        .arg("start")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "pg_ctl start: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// PostgreSQL's programs; `None` (the test skipped) where it is not
/// installed, outside CI only.
fn installed() -> Option<PathBuf> {
    let bin = pg_bin();
    if bin.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostgreSQL is not installed, and CI must test the database store (.ci/run installs it)"
        );
        println!("skipped: PostgreSQL is not installed here");
    }
    bin
}

fn start() -> Option<Cluster> {
    if let Ok(url) = std::env::var("TREEWARD_TEST_PG") {
        return Some(Cluster {
            base: url.trim_end_matches('/').to_string(),
            port: 0,
            dir: None,
            bin: PathBuf::new(),
            run_as: None,
            private: false,
        });
    }
    let bin = installed()?;
    let run_as = os_user();
    let dir = owned_tempdir("twpg", &run_as);
    let data = initdb(&bin, &run_as, dir.path());
    let port = free_port();
    pg_start(&bin, &run_as, &data, port, dir.path(), "");
    Some(Cluster {
        base: format!("postgresql://postgres:{PASSWORD}@127.0.0.1:{port}"),
        port,
        dir: Some(dir),
        bin,
        run_as,
        private: false,
    })
}

/// The test cluster (started on first use), or `None` where PostgreSQL is
/// not installed outside CI.
pub fn cluster() -> Option<&'static Cluster> {
    CLUSTER.get_or_init(start).as_ref()
}

/// A cluster of the caller's own, for a test that changes server-wide
/// settings (no other test's commits are touched); stopped when dropped.
/// `None` where PostgreSQL is not installed (outside CI), or where the tests
/// were given a server of their own (`$TREEWARD_TEST_PG`, not ours to change).
pub fn private_cluster() -> Option<Cluster> {
    if std::env::var_os("TREEWARD_TEST_PG").is_some() {
        println!("skipped: the tests were given a server ($TREEWARD_TEST_PG); its settings are not ours to change");
        return None;
    }
    start().map(|mut c| {
        c.private = true;
        c
    })
}

/// Whether the suites that run on both stores run on PostgreSQL this time
/// (`TREEWARD_TEST_STORE=postgres`; `.ci/run` does both passes).
pub fn selected() -> bool {
    std::env::var("TREEWARD_TEST_STORE").is_ok_and(|v| v == "postgres")
}

/// The cluster for a suite run on PostgreSQL: required (a run that asked
/// for PostgreSQL must not pass by skipping), and stopped at exit.
pub fn required() -> &'static Cluster {
    static ONCE: std::sync::Once = std::sync::Once::new();
    let c = cluster().expect("TREEWARD_TEST_STORE=postgres, but PostgreSQL is not installed");
    ONCE.call_once(|| unsafe {
        nix::libc::atexit(stop_at_exit);
    });
    c
}

extern "C" fn stop_at_exit() {
    if let Some(c) = cluster() {
        c.stop();
    }
}

impl Cluster {
    /// A new database made from `template` (a database no one is connected to).
    pub fn database_from(&self, template: &str, tag: &str) -> String {
        let _g = CREATING.lock().unwrap_or_else(|e| e.into_inner());
        let name = format!(
            "tw_{tag}_{}_{}",
            std::process::id(),
            NEXT_DB.fetch_add(1, Ordering::SeqCst)
        );
        let tname = template.rsplit('/').next().unwrap();
        let mut c = postgres::Client::connect(&format!("{}/postgres", self.base), postgres::NoTls)
            .expect("connect to the test cluster");
        c.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {tname}"))
            .unwrap();
        format!("{}/{name}", self.base)
    }

    /// A new database, migrated as an administrator would before its
    /// first use (no account yet); returns its connection string.
    pub fn database(&self, tag: &str) -> String {
        let url = self.unmigrated_database(tag);
        migrated(&url);
        url
    }

    /// A new database with no tables at all (`treeward migrate` not run).
    pub fn unmigrated_database(&self, tag: &str) -> String {
        let _g = CREATING.lock().unwrap_or_else(|e| e.into_inner());
        let name = format!(
            "tw_{tag}_{}_{}",
            std::process::id(),
            NEXT_DB.fetch_add(1, Ordering::SeqCst)
        );
        let mut c = postgres::Client::connect(&format!("{}/postgres", self.base), postgres::NoTls)
            .expect("connect to the test cluster");
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        format!("{}/{name}", self.base)
    }

    /// Runs SQL on a database of the cluster.
    pub fn sql(&self, url: &str, sql: &str) {
        let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
        c.batch_execute(sql).unwrap();
    }

    /// Stops the cluster (the last test calls it; a leftover one dies with
    /// its temporary directory's removal at the next reboot).
    pub fn stop(&self) {
        if let Some(d) = &self.dir {
            let _ = as_user(&self.run_as, &self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(d.path().join("data"))
                .args(["-m", "fast", "-w", "stop"])
                .output();
            let _ = std::fs::remove_dir_all(d.path());
        }
    }
}

/// A private cluster that serves TLS with the server certificate `cert` and
/// its `key` (PEM), and lets `certuser` log in over TLS by a client
/// certificate signed by `ca` (`hostssl … cert`; everyone else by password
/// as usual). `None` where PostgreSQL is not installed or the tests were
/// given a server of their own.
pub fn tls_cluster(cert: &str, key: &str, ca: &str) -> Option<Cluster> {
    if std::env::var_os("TREEWARD_TEST_PG").is_some() {
        println!("skipped: the tests were given a server ($TREEWARD_TEST_PG); its settings are not ours to change");
        return None;
    }
    let bin = installed()?;
    let run_as = os_user();
    let dir = owned_tempdir("twpgtls", &run_as);
    let data = initdb(&bin, &run_as, dir.path());
    for (name, text) in [("server.crt", cert), ("server.key", key), ("ca.crt", ca)] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        give(&run_as, &p);
    }
    let hba = data.join("pg_hba.conf");
    let old = std::fs::read_to_string(&hba).unwrap();
    std::fs::write(
        &hba,
        format!("hostssl all certuser 127.0.0.1/32 cert\n{old}"),
    )
    .unwrap();
    let port = free_port();
    let d = dir.path().display();
    pg_start(
        &bin,
        &run_as,
        &data,
        port,
        dir.path(),
        &format!(
            "-c ssl=on -c ssl_cert_file={d}/server.crt -c ssl_key_file={d}/server.key -c ssl_ca_file={d}/ca.crt"
        ),
    );
    let c = Cluster {
        base: format!("postgresql://postgres:{PASSWORD}@127.0.0.1:{port}"),
        port,
        dir: Some(dir),
        bin,
        run_as,
        private: true,
    };
    let admin = format!("{}/postgres", c.base);
    c.sql(&admin, "CREATE ROLE certuser LOGIN");
    c.sql(&admin, "CREATE DATABASE certdb OWNER certuser");
    Some(c)
}
