//! A primary and a synchronous streaming-replication standby, for the
//! failover tests: the primary waits for the standby to have flushed every
//! commit before it acknowledges it (`synchronous_standby_names = '*'`), so
//! promoting the standby after the primary dies loses nothing acknowledged.

use std::path::{Path, PathBuf};

use super::{as_user, free_port, initdb, os_user, owned_tempdir, pg_bin, pg_start, PASSWORD};

pub struct Pair {
    pub primary_port: u16,
    pub standby_port: u16,
    dir: tempfile::TempDir,
    bin: PathBuf,
    run_as: Option<String>,
}

/// A running pair (`None` where PostgreSQL is not installed, outside CI).
pub fn pair() -> Option<Pair> {
    let Some(bin) = pg_bin() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostgreSQL is not installed, and CI must test the database store"
        );
        println!("skipped: PostgreSQL is not installed here");
        return None;
    };
    let run_as = os_user();
    let dir = owned_tempdir("twpair", &run_as);
    let primary = initdb(&bin, &run_as, dir.path());
    let (p1, p2) = (free_port(), free_port());
    pg_start(
        &bin,
        &run_as,
        &primary,
        p1,
        dir.path(),
        "-c synchronous_standby_names=* -c wal_level=replica",
    );
    let pair = Pair {
        primary_port: p1,
        standby_port: p2,
        dir,
        bin,
        run_as,
    };
    // The standby: a base backup over the primary's local socket (trusted),
    // `-R` writes its connection to the primary and standby.signal.
    let standby = pair.standby_data();
    let o = as_user(&pair.run_as, &pair.bin.join("pg_basebackup"))
        .arg("-D")
        .arg(&standby)
        .args(["-R", "-X", "stream", "-U", "postgres", "-h"])
        .arg(pair.dir.path())
        .args(["-p", &p1.to_string()])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "pg_basebackup: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Once promoted it has no standby of its own: it must not wait for one.
    pg_start(
        &pair.bin,
        &pair.run_as,
        &standby,
        p2,
        pair.dir.path(),
        "-c synchronous_standby_names=",
    );
    pair.wait_until_synchronous();
    Some(pair)
}

impl Pair {
    fn primary_data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn standby_data(&self) -> PathBuf {
        self.dir.path().join("standby")
    }

    /// `postgresql://…@127.0.0.1:PORT/postgres` of the primary (superuser).
    pub fn primary_url(&self) -> String {
        format!(
            "postgresql://postgres:{PASSWORD}@127.0.0.1:{}/postgres",
            self.primary_port
        )
    }

    /// The connection string a team would use: both hosts, the one that
    /// accepts writes wins.
    pub fn conninfo(&self, db: &str) -> String {
        format!(
            "host=127.0.0.1,127.0.0.1 port={},{} user=postgres password={PASSWORD} dbname={db} target_session_attrs=read-write connect_timeout=2",
            self.primary_port, self.standby_port
        )
    }

    /// Creates a database on the primary (replicated to the standby).
    pub fn create_database(&self, name: &str) {
        let mut c = postgres::Client::connect(&self.primary_url(), postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        super::migrated(&format!(
            "postgresql://postgres:{PASSWORD}@127.0.0.1:{}/{name}",
            self.primary_port
        ));
    }

    fn wait_until_synchronous(&self) {
        let started = std::time::Instant::now();
        loop {
            let mut c = postgres::Client::connect(&self.primary_url(), postgres::NoTls).unwrap();
            let n: i64 = c
                .query_one(
                    "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'",
                    &[],
                )
                .unwrap()
                .get(0);
            if n > 0 {
                return;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "the standby did not become synchronous"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// Kills the primary as a crash would: SIGKILL to the postmaster and
    /// every process it started, at once (pg_ctl makes the postmaster the
    /// leader of a process group of its own, which its children share), so
    /// none is forked in between and none lives on serving stale reads.
    pub fn kill_primary(&self) {
        use nix::sys::signal::{kill, killpg, Signal::SIGKILL};
        use nix::unistd::Pid;
        let pid = postmaster_pid(&self.primary_data());
        if process_group(pid) == Some(pid) {
            killpg(Pid::from_raw(pid), SIGKILL).unwrap();
        } else {
            let _ = kill(Pid::from_raw(pid), nix::sys::signal::Signal::SIGSTOP);
            let children = children_of(pid);
            let _ = kill(Pid::from_raw(pid), SIGKILL);
            for c in children {
                let _ = kill(Pid::from_raw(c), SIGKILL);
            }
        }
    }

    /// Stops the primary as a frozen host would (SIGSTOP to the postmaster
    /// and every process it started): its kernel still accepts connections
    /// and acknowledges what is sent, and nothing answers.
    pub fn freeze_primary(&self) {
        self.signal_primary(nix::sys::signal::Signal::SIGSTOP);
    }

    /// Lets a frozen primary go on (SIGCONT): what it was sent meanwhile,
    /// it now reads.
    pub fn thaw_primary(&self) {
        self.signal_primary(nix::sys::signal::Signal::SIGCONT);
    }

    /// Kills a primary stopped with [`Pair::freeze_primary`]: SIGKILL to the
    /// postmaster and to each process it started (a stopped backend would
    /// never notice its postmaster's death, and never end).
    pub fn kill_frozen_primary(&self) {
        self.signal_primary(nix::sys::signal::Signal::SIGKILL);
    }

    /// `sig` to the postmaster first (it forks no more), then to every
    /// process it started: each backend leads a process group of its own
    /// (PostgreSQL calls setsid in each child), so the postmaster's group
    /// is not all of them.
    fn signal_primary(&self, sig: nix::sys::signal::Signal) {
        use nix::sys::signal::kill;
        use nix::unistd::Pid;
        let pid = postmaster_pid(&self.primary_data());
        let children = children_of(pid);
        kill(Pid::from_raw(pid), sig).unwrap();
        for p in children {
            let _ = kill(Pid::from_raw(p), sig);
        }
    }

    /// Promotes the standby; it accepts writes when this returns.
    pub fn promote(&self) {
        let o = as_user(&self.run_as, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.standby_data())
            .args(["-w", "promote"])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "pg_ctl promote: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        // A primary a test left stopped (it failed meanwhile) must go on to stop.
        if let Ok(text) = std::fs::read_to_string(self.primary_data().join("postmaster.pid")) {
            let pid = text
                .lines()
                .next()
                .and_then(|l| l.trim().parse::<i32>().ok());
            // (Only while it is still a postgres process: a pid is reused.)
            let comm = |p: i32| std::fs::read_to_string(format!("/proc/{p}/comm"));
            if let Some(pid) = pid.filter(|p| comm(*p).is_ok_and(|c| c.trim() == "postgres")) {
                use nix::sys::signal::{kill, Signal::SIGCONT};
                for p in std::iter::once(pid).chain(children_of(pid)) {
                    let _ = kill(nix::unistd::Pid::from_raw(p), SIGCONT);
                }
            }
        }
        for data in [self.primary_data(), self.standby_data()] {
            let _ = as_user(&self.run_as, &self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .args(["-m", "immediate", "-w", "stop"])
                .output();
        }
    }
}

fn postmaster_pid(data: &Path) -> i32 {
    std::fs::read_to_string(data.join("postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The fields of `/proc/PID/stat` after the command (which may hold spaces).
fn stat_fields(pid: i32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

fn process_group(pid: i32) -> Option<i32> {
    stat_fields(pid)?.get(2)?.parse().ok()
}

fn children_of(pid: i32) -> Vec<i32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        // state ppid pgrp …
        let ppid = stat_fields(p).and_then(|f| f.get(1)?.parse::<i32>().ok());
        if ppid == Some(pid) {
            out.push(p);
        }
    }
    out
}
