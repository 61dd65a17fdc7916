//! Connecting to the database as libpq does (issue 24, items 3 and 4).
//!
//! TLS: a private
//! cluster with `ssl=on` and a certificate authority this test makes.
//! `verify-full` with the right authority works; with another authority, or
//! a host name the certificate is not made out to, it is refused in one line
//! (exit 6); `verify-ca` checks the authority and not the name; `require`
//! encrypts without checking; a client certificate logs in where the server
//! asks for one, and a key file others can read is refused as libpq refuses
//! it. `require` against a server without TLS is refused.
//!
//! The password file: read for each host of a multi-host string as it is
//! tried; a file group or others may read is not read, and the refusal
//! says so.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

use crate::common::pg;
use crate::common::trust_util::{command, run_with_timeout, Run, TIMEOUT};

/// An authority: its certificate (PEM) and what signs with it.
struct Authority {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Authority {
    fn new(name: &str) -> Authority {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Authority { issuer }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A certificate for `names` with common name `cn`: (cert, key) in PEM.
    fn sign(&self, names: &[&str], cn: &str) -> (String, String) {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

/// The files a client is given, in a directory that is also its `HOME`
/// (so no `~/.postgresql` of the machine's is read).
struct Client {
    home: tempfile::TempDir,
}

impl Client {
    fn file(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        let p = self.home.path().join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    /// `treeward --db URL --as own ARGS…` with this client's `HOME`.
    fn run(&self, url: &str, args: &[&str]) -> Run {
        let mut c = command(Path::new(url), "own");
        c.env("HOME", self.home.path())
            .env_remove("PGSSLMODE")
            .env_remove("PGSSLROOTCERT")
            .args(args);
        run_with_timeout(c, TIMEOUT)
    }
}

/// A refusal: exit 6 and one line that says why.
fn refused(r: &Run, why: &str, what: &str) {
    let err = r.err();
    assert_eq!(r.code, Some(6), "{what}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{what}: one line: {err}");
    assert!(err.contains(why), "{what}: says {why:?}: {err}");
    assert!(!err.contains(pg::PASSWORD), "{what}: no password: {err}");
}

#[test]
fn tls_verify_full_verify_ca_require_and_client_certificates_as_libpq() {
    let ca = Authority::new("treeward test authority");
    let other = Authority::new("another authority");
    let (server_cert, server_key) = ca.sign(&["localhost"], "localhost");
    let Some(cluster) = pg::tls_cluster(&server_cert, &server_key, &ca.pem()) else {
        return;
    };
    let client = Client {
        home: tempfile::tempdir().unwrap(),
    };
    let root = client.file("ca.pem", &ca.pem(), 0o644);
    let wrong = client.file("other.pem", &other.pem(), 0o644);
    let port = cluster.port;
    let pw = pg::PASSWORD;
    let url = |host: &str, mode: &str, rootcert: &Path| {
        format!(
            "postgresql://postgres:{pw}@{host}:{port}/postgres?sslmode={mode}&sslrootcert={}",
            rootcert.display()
        )
    };

    // verify-full with the authority that signed the server's certificate.
    let good = url("localhost", "verify-full", &root);
    let r = client.run(&good, &["migrate"]);
    assert!(r.ok(), "migrate over verify-full: {}", r.err());
    let r = client.run(&good, &["init", "--owner", "own"]);
    assert!(r.ok(), "verify-full with the right authority: {}", r.err());
    let r = client.run(&good, &["ws", "ls"]);
    assert!(
        r.ok() && r.out().contains("Default Workspace"),
        "{}",
        r.err()
    );

    // Another authority: refused, whatever the mode that checks it.
    for mode in ["verify-full", "verify-ca"] {
        let r = client.run(&url("localhost", mode, &wrong), &["ws", "ls"]);
        refused(&r, "certificate", &format!("{mode} with another authority"));
        eprintln!("{mode} with another authority: {}", r.err().trim_end());
    }
    // A host name the certificate is not made out to: verify-full refuses,
    // verify-ca (the authority only) connects.
    let r = client.run(&url("127.0.0.1", "verify-full", &root), &["ws", "ls"]);
    refused(
        &r,
        "certificate",
        "verify-full to a name not on the certificate",
    );
    eprintln!("verify-full, another name: {}", r.err().trim_end());
    let r = client.run(&url("127.0.0.1", "verify-ca", &root), &["ws", "ls"]);
    assert!(r.ok(), "verify-ca ignores the name: {}", r.err());
    // verify-full without the authorities' file named or at home: refused.
    let none = format!("postgresql://postgres:{pw}@localhost:{port}/postgres?sslmode=verify-full");
    let r = client.run(&none, &["ws", "ls"]);
    refused(&r, "sslrootcert", "verify-full with no root file");
    // require: encrypted, nothing checked (no root file at home).
    let require = format!("postgresql://postgres:{pw}@127.0.0.1:{port}/postgres?sslmode=require");
    let r = client.run(&require, &["ws", "ls"]);
    assert!(r.ok(), "require: {}", r.err());
    // The key=value form says the same.
    let words = format!(
        "host=localhost port={port} user=postgres password={pw} dbname=postgres sslmode=verify-full sslrootcert='{}'",
        root.display()
    );
    let r = client.run(&words, &["ws", "ls"]);
    assert!(r.ok(), "key=value words: {}", r.err());

    // A client certificate where the server asks for one (certuser: cert).
    let (cert, key) = ca.sign(&[], "certuser");
    let cert = client.file("client.crt", &cert, 0o644);
    let key_path = client.file("client.key", &key, 0o600);
    let by_cert = format!(
        "postgresql://certuser@localhost:{port}/certdb?sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}",
        root.display(),
        cert.display(),
        key_path.display()
    );
    let r = client.run(&by_cert, &["migrate"]);
    assert!(r.ok(), "migrate by a client certificate: {}", r.err());
    let r = client.run(&by_cert, &["init", "--owner", "own"]);
    assert!(r.ok(), "a client certificate: {}", r.err());
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = client.run(&by_cert, &["ws", "ls"]);
    refused(&r, "group or world access", "a key file others can read");
}

/// `require` against a server that does not speak TLS is refused in one
/// line; `prefer` (the default) connects without it.
#[test]
fn tls_require_against_a_server_without_tls_is_refused() {
    let Some(cluster) = pg::cluster() else {
        return;
    };
    if cluster.port == 0 {
        return; // a server of the caller's: whether it speaks TLS is unknown
    }
    let client = Client {
        home: tempfile::tempdir().unwrap(),
    };
    let db = cluster.database("tlsnone");
    let r = client.run(
        &format!("{db}?sslmode=require"),
        &["init", "--owner", "own"],
    );
    assert_eq!(r.code, Some(6), "{}", r.err());
    assert_eq!(r.err().trim_end().lines().count(), 1, "{}", r.err());
    assert!(!r.err().contains(pg::PASSWORD), "{}", r.err());
    let r = client.run(&format!("{db}?sslmode=prefer"), &["init", "--owner", "own"]);
    assert!(r.ok(), "prefer: {}", r.err());
}

/// `.pgpass` per host (libpq): the first host listed does not answer, the
/// second is the test cluster, and only the second has a line in the file.
/// A file others may read is not read, and the refusal names why.
#[test]
fn pgpass_is_read_for_each_host_and_not_when_others_can_read_it() {
    let Some(cluster) = pg::cluster() else {
        return;
    };
    if cluster.port == 0 {
        return; // a server of the caller's: its hosts are not ours to list
    }
    let client = Client {
        home: tempfile::tempdir().unwrap(),
    };
    let db = cluster.database("pgpass");
    let name = db.rsplit('/').next().unwrap().to_string();
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead); // nobody listens there now
    let pass = client.file(
        ".pgpass",
        &format!(
            "127.0.0.1:{}:{name}:postgres:{}\n",
            cluster.port,
            pg::PASSWORD
        ),
        0o600,
    );
    let url = format!(
        "postgresql://postgres@127.0.0.1:{dead_port},127.0.0.1:{}/{name}",
        cluster.port
    );
    let r = client.run(&url, &["init", "--owner", "own"]);
    assert!(r.ok(), "the second host's line: {}", r.err());
    std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = client.run(&url, &["ws", "ls"]);
    refused(
        &r,
        "group or world access",
        "a password file others can read",
    );
}

/// The OS user a test's server runs as (not root, not the cluster's).
const SERVICE_USER: &str = "treeward-svc";

/// `SERVICE_USER`, created when missing; `None` unless the tests run as root.
fn service_user() -> Option<nix::unistd::User> {
    if !nix::unistd::getuid().is_root() {
        println!("skipped: serving as another OS user needs root");
        return None;
    }
    static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _g = CREATING.lock().unwrap_or_else(|e| e.into_inner());
    if nix::unistd::User::from_name(SERVICE_USER)
        .unwrap()
        .is_none()
    {
        let ok = std::process::Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cannot create the OS user {SERVICE_USER}");
    }
    nix::unistd::User::from_name(SERVICE_USER).unwrap()
}

/// Issue 24 #5: `serve` runs as the service account (it alone has the
/// database's password); another login's treeward, with no `--socket` and
/// no credentials, finds it where every login looks (`$TREEWARD_SOCKET`,
/// set alike for both, as the unit and a profile script would) and acts as
/// itself, the identity the kernel gives. With no server answering, the
/// refusal names the socket it looked for.
#[test]
fn a_server_run_by_one_login_is_found_by_another_without_socket_options() {
    let Some(cluster) = pg::cluster() else {
        return;
    };
    let Some(svc) = service_user() else { return };
    if cluster.port == 0 {
        return;
    }
    let with_password = cluster.database("logins");
    let name = with_password.rsplit('/').next().unwrap().to_string();
    let without = format!("postgresql://postgres@127.0.0.1:{}/{name}", cluster.port);
    let run = tempfile::tempdir().unwrap();
    nix::unistd::chown(run.path(), Some(svc.uid), Some(svc.gid)).unwrap();
    let socket = run.path().join("treeward.sock");
    let home = tempfile::tempdir().unwrap();
    let as_root = |args: &[&str]| {
        let mut c = crate::common::bare();
        c.env("TREEWARD_DB", &without)
            .env("TREEWARD_SOCKET", &socket)
            .env("HOME", home.path())
            .env_remove("PGPASSWORD")
            .args(args);
        run_with_timeout(c, TIMEOUT)
    };
    // No server yet: the credentials are missing, and the socket is named.
    let r = as_root(&["ws", "ls"]);
    refused(&r, &socket.display().to_string(), "no server answering");
    // The account: root owns it (made with the password, directly).
    let mut init = crate::common::bare();
    init.args([
        "--db",
        &with_password,
        "--as",
        "root",
        "init",
        "--owner",
        "root",
    ]);
    assert!(run_with_timeout(init, TIMEOUT).ok());
    let mut serve = std::process::Command::new("runuser");
    serve
        .args(["-u", SERVICE_USER, "--"])
        .arg(crate::common::BIN)
        .arg("serve")
        .env("TREEWARD_DB", &with_password)
        .env("TREEWARD_SOCKET", &socket)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let server = Stopped(serve.spawn().unwrap());
    let started = std::time::Instant::now();
    while !socket.exists() {
        assert!(started.elapsed() < TIMEOUT, "serve made no socket");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let r = as_root(&["mkdir", "/Default Workspace/team/Made by root"]);
    assert!(r.ok(), "through the service's server: {}", r.err());
    let r = as_root(&["--json", "log"]);
    assert!(r.ok(), "{}", r.err());
    let log: serde_json::Value = serde_json::from_str(&r.out()).unwrap();
    let last = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "root", "acts as itself: {last}");
    assert_eq!(last["action"], "mkdir", "{last}");
    drop(server);
}

/// A child process killed and reaped when dropped (a failing test leaves no server).
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Issue 24 #2: only `treeward migrate` makes or alters tables. On an
/// empty database every other command (a read-only `ls`, `init`, `doctor`)
/// says what to run in one line, exit 6, and makes nothing; `migrate
/// --dry-run` says what it would apply and changes nothing; six first
/// `migrate`s at once all succeed (an advisory lock), and a half-made
/// schema (tables without a version) is completed by `migrate`.
#[test]
fn only_migrate_makes_tables_and_concurrent_first_runs_are_safe() {
    let Some(cluster) = pg::cluster() else {
        return;
    };
    let client = Client {
        home: tempfile::tempdir().unwrap(),
    };
    let db = cluster.unmigrated_database("migrate");
    let tables = || -> i64 {
        let mut c = postgres::Client::connect(&db, postgres::NoTls).unwrap();
        c.query_one(
            "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()",
            &[],
        )
        .unwrap()
        .get(0)
    };
    for args in [&["ls"][..], &["init", "--owner", "own"], &["doctor"]] {
        let r = client.run(&db, args);
        refused(
            &r,
            "run `treeward migrate`",
            &format!("{args:?} on an empty database"),
        );
    }
    let r = client.run(&db, &["migrate", "--dry-run"]);
    assert!(
        r.ok() && r.out().contains("would apply"),
        "{}{}",
        r.out(),
        r.err()
    );
    assert_eq!(tables(), 0, "nothing is made before migrate");
    let runs: Vec<_> = (0..6)
        .map(|_| {
            let mut c = command(Path::new(&db), "own");
            c.env("HOME", client.home.path()).arg("migrate");
            std::thread::spawn(move || run_with_timeout(c, TIMEOUT))
        })
        .collect();
    for r in runs {
        let r = r.join().unwrap();
        assert!(r.ok(), "six first migrates at once: {}", r.err());
    }
    let r = client.run(&db, &["init", "--owner", "own"]);
    assert!(r.ok(), "after migrate: {}", r.err());
    let r = client.run(&db, &["migrate"]);
    assert!(r.out().contains("up to date"), "{}", r.out());
    // Half-made: the version row gone (as a crash between the tables and
    // the version once left it).
    cluster.sql(&db, "DELETE FROM treeward_schema");
    let r = client.run(&db, &["ls"]);
    refused(&r, "run `treeward migrate`", "a half-made schema");
    let mut c = postgres::Client::connect(&db, postgres::NoTls).unwrap();
    c.batch_execute("DELETE FROM treeward_migrations").unwrap();
    let r = client.run(&db, &["migrate"]);
    assert!(r.ok(), "migrate completes it: {}", r.err());
    let r = client.run(&db, &["ws", "ls"]);
    assert!(
        r.ok() && r.out().contains("Default Workspace"),
        "{}",
        r.err()
    );
    runtime_role_without_ddl(cluster, &db, &client);
}

/// The README's grants for a runtime role without DDL rights: everything
/// but `migrate` works as that role, and it can create no table.
fn runtime_role_without_ddl(cluster: &pg::Cluster, db: &str, client: &Client) {
    let name = db.rsplit('/').next().unwrap();
    let role = format!("tw_rt_{}", std::process::id());
    cluster.sql(
        db,
        &format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'rt-secret';
             GRANT CONNECT, TEMPORARY ON DATABASE {name} TO {role};
             GRANT USAGE ON SCHEMA public TO {role};
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};"
        ),
    );
    let url = format!(
        "postgresql://{role}:rt-secret@127.0.0.1:{}/{name}",
        cluster.port
    );
    for args in [
        &["mkdir", "/Default Workspace/team/By the runtime role"][..],
        &["ls", "/Default Workspace/team"],
    ] {
        let r = client.run(&url, args);
        assert!(r.ok(), "{args:?} as a role without DDL rights: {}", r.err());
    }
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    assert!(
        c.batch_execute("CREATE TABLE sneaky (id int)").is_err(),
        "the runtime role creates no table"
    );
}

/// Issue 24 #4: the pool's sizes are settable. A server given
/// `TREEWARD_PG_MAX_CONNECTIONS=2` keeps at most two connections (and its
/// listener) while twelve clients make changes at once through it, and all
/// twelve are made; a size that is not a number is refused in one line.
#[test]
fn the_pool_size_is_settable_and_kept() {
    let Some(cluster) = pg::cluster() else {
        return;
    };
    if cluster.port == 0 {
        return;
    }
    let db = cluster.database("poolsize");
    let client = Client {
        home: tempfile::tempdir().unwrap(),
    };
    let r = client.run(&db, &["init", "--owner", "own"]);
    assert!(r.ok(), "{}", r.err());
    let mut bad = command(Path::new(&db), "own");
    bad.env("TREEWARD_PG_MAX_CONNECTIONS", "lots")
        .args(["ws", "ls"]);
    let r = run_with_timeout(bad, TIMEOUT);
    assert_eq!(r.code, Some(2), "{}", r.err());
    assert!(
        r.err().contains("TREEWARD_PG_MAX_CONNECTIONS"),
        "{}",
        r.err()
    );
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("pool.sock");
    let mut serve = crate::common::bare();
    serve
        .args(["--db", &db, "--socket"])
        .arg(&sock)
        .arg("serve")
        .env("TREEWARD_PG_MAX_CONNECTIONS", "2")
        .env("TREEWARD_PG_IDLE_CONNECTIONS", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let server = Stopped(serve.spawn().unwrap());
    let started = std::time::Instant::now();
    while !sock.exists() {
        assert!(started.elapsed() < TIMEOUT, "serve made no socket");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let name = db.rsplit('/').next().unwrap().to_string();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watching = {
        let (done, admin) = (done.clone(), format!("{}/postgres", cluster.base));
        std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
            let mut most = 0i64;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let n: i64 = c
                    .query_one(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'treeward'",
                        &[&name],
                    )
                    .unwrap()
                    .get(0);
                most = most.max(n);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            most
        })
    };
    let writers: Vec<_> = (0..12)
        .map(|k| {
            let mut c = command(Path::new(&db), "own");
            c.arg("--socket")
                .arg(&sock)
                .args(["mkdir", &format!("/Default Workspace/team/pool {k}")]);
            std::thread::spawn(move || run_with_timeout(c, TIMEOUT))
        })
        .collect();
    for w in writers {
        let r = w.join().unwrap();
        assert!(r.ok(), "{}", r.err());
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let most = watching.join().unwrap();
    drop(server);
    println!(
        "a server limited to 2 connections: at most {most} to the database (its listener included)"
    );
    // Two in the pool, the listener, and slack for one being closed while counted.
    assert!(most <= 4, "{most} connections");
    let r = client.run(&db, &["ls", "/Default Workspace/team"]);
    assert_eq!(r.out().matches("pool ").count(), 12, "{}", r.out());
}
