//! Damaged stores (issue 7): truncated and bit-flipped sled files, values
//! that do not decode, unknown format bytes, a newer schema, directories that
//! are not stores, read-only directories, a full disk. Each must give one
//! `store unavailable:` line (exit 6) naming the store and what is wrong,
//! never a panic and never a hang; and nothing acknowledged may be lost
//! silently (a store that still opens must export what it held).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::copy_dir;
use crate::common::trust_util::*;
use treeward::store::kv::{Kv, Op};
use treeward::store::sled_kv::SledKv;
use treeward::store::{keys, SCHEMA_VERSION};

/// Damaged-store cases tried in this run (printed, for the closing note).
static CASES: AtomicUsize = AtomicUsize::new(0);

fn case() {
    CASES.fetch_add(1, Ordering::Relaxed);
}

fn report(name: &str) {
    println!(
        "{name}: {} damaged-store cases so far",
        CASES.load(Ordering::Relaxed)
    );
}

/// A damaged store either refuses cleanly (exit 6, one line naming it) or,
/// when the damage hit bytes sled no longer uses, still holds exactly what
/// it held.
fn refused_or_intact(db: &Path, before: &str, what: &str) -> bool {
    case();
    for args in [
        &["tree"][..],
        &["export"][..],
        &["mkdir", "/Default Workspace/team/after"][..],
    ] {
        let r = tw(db, "own", args);
        if r.code == Some(6) {
            assert_unavailable(&r, db, what);
            return true;
        }
        assert!(
            r.ok(),
            "{what}: `{}` gave exit {:?}: {}",
            args.join(" "),
            r.code,
            r.err()
        );
        if args[0] == "export" {
            assert_eq!(r.out(), before, "{what}: the store opened but lost data");
        }
        assert_no_escape(&r, what);
    }
    false
}

fn sled_file(db: &Path) -> PathBuf {
    db.join("data").join("db")
}

#[test]
fn truncated_sled_files() {
    let (_t, db, before) = demo_with_export();
    let len = fs::metadata(sled_file(&db)).unwrap().len();
    let mut refused = 0;
    let cuts = [
        0,
        1,
        16,
        100,
        512,
        4096,
        len / 4,
        len / 2,
        len - 100,
        len - 1,
    ];
    for (i, cut) in cuts.iter().enumerate() {
        let d = db.with_file_name(format!("trunc{i}"));
        copy_dir(&db, &d);
        let f = fs::OpenOptions::new()
            .write(true)
            .open(sled_file(&d))
            .unwrap();
        f.set_len(*cut).unwrap();
        drop(f);
        if refused_or_intact(&d, &before, &format!("db truncated to {cut} bytes")) {
            refused += 1;
        }
    }
    // sled's config file, emptied.
    let d = db.with_file_name("conf-empty");
    copy_dir(&db, &d);
    fs::write(d.join("data").join("conf"), b"").unwrap();
    refused_or_intact(&d, &before, "empty conf");
    // The data file removed.
    let d = db.with_file_name("no-db");
    copy_dir(&db, &d);
    fs::remove_file(sled_file(&d)).unwrap();
    assert!(refused_or_intact(&d, &before, "db file removed"));
    assert!(
        refused >= cuts.len() / 2,
        "most truncations must be noticed"
    );
    report("truncated");
}

#[test]
fn flipped_bytes_in_sled_files() {
    let (_t, db, before) = demo_with_export();
    let bytes = fs::read(sled_file(&db)).unwrap();
    let mut refused = 0;
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let runs = 40;
    for i in 0..runs {
        let d = db.with_file_name(format!("flip{i}"));
        copy_dir(&db, &d);
        let mut b = bytes.clone();
        let flips = [1, 1, 4, 32][i % 4];
        for _ in 0..flips {
            let at = (next() % b.len() as u64) as usize;
            b[at] ^= 1 << (next() % 8);
        }
        fs::write(sled_file(&d), &b).unwrap();
        if refused_or_intact(&d, &before, &format!("flip run {i} ({flips} bits)")) {
            refused += 1;
        }
        let _ = fs::remove_dir_all(&d);
    }
    println!("flipped bytes: {refused} of {runs} runs refused, the rest intact");
    report("flipped");
}

fn first_key(kv: &SledKv, table: u8) -> Vec<u8> {
    kv.scan(&[table], None, 1).unwrap()[0].0.clone()
}

#[test]
fn values_that_do_not_decode() {
    let (_t, db, _) = demo_with_export();
    // (table, replacement value, what it is)
    let cases: Vec<(u8, Vec<u8>, &str)> = vec![
        (keys::ITEM, vec![0, 1, 2], "item too short"),
        (keys::ITEM, vec![0xff; 40], "item of garbage"),
        (keys::ITEM, vec![7, 0, 0], "unknown format byte on an item"),
        (keys::USER, vec![9], "unknown format byte on a user"),
        (
            keys::CHILD,
            vec![0, 0xfd, 0xff, 0xff],
            "child index cut short",
        ),
        (keys::GRANT, vec![], "empty grant"),
        (
            keys::AUDIT,
            vec![0, 0xfc, 0xff, 0xff, 0xff, 0x7f],
            "audit entry with a huge length",
        ),
        (
            keys::WORKSPACE,
            vec![0; 2000],
            "workspace with trailing bytes",
        ),
    ];
    for (i, (table, value, what)) in cases.into_iter().enumerate() {
        let d = db.with_file_name(format!("bad{i}"));
        copy_dir(&db, &d);
        with_raw(&d, |kv| {
            let k = first_key(kv, table);
            kv.commit(&[], &[Op::Put(k, value.clone())]).unwrap();
        });
        case();
        // `export` reads every record: it must refuse, naming the store.
        let r = tw(&d, "own", &["export"]);
        assert_unavailable(&r, &d, what);
        assert!(r.err().contains("does not decode"), "{what}: {}", r.err());
        // And so must every command that reads it, and none may panic.
        for args in [
            &["tree"][..],
            &["ls", "/"][..],
            &["log"][..],
            &["user", "ls"][..],
        ] {
            let r = tw(&d, "own", args);
            if !r.ok() {
                assert_unavailable(&r, &d, what);
            }
        }
    }
    report("undecodable");
}

#[test]
fn unknown_format_and_newer_schema() {
    let (_t, db, _) = demo_with_export();
    let schema_cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (
            bincode_u32_v1(SCHEMA_VERSION + 1),
            "newer treeward",
            "a newer schema version",
        ),
        (
            bincode_u32_v1(u32::MAX),
            "newer treeward",
            "schema u32::MAX",
        ),
        (
            vec![1, SCHEMA_VERSION as u8],
            "does not decode",
            "schema in an unknown envelope",
        ),
        (vec![], "does not decode", "empty schema value"),
    ];
    for (i, (value, expect, what)) in schema_cases.into_iter().enumerate() {
        let d = db.with_file_name(format!("schema{i}"));
        copy_dir(&db, &d);
        with_raw(&d, |kv| {
            kv.commit(&[], &[Op::Put(keys::meta("schema"), value)])
                .unwrap()
        });
        case();
        let r = tw(&d, "own", &["tree"]);
        assert_unavailable(&r, &d, what);
        assert!(r.err().contains(expect), "{what}: {}", r.err());
        // A refused store is left as it was: refused again, not rewritten.
        let r2 = tw(&d, "own", &["tree"]);
        assert_eq!(r.stderr, r2.stderr, "{what}: second open differs");
    }
    // No schema at all, a different magic, no magic at all.
    for (i, (op, expect, what)) in [
        (
            Op::Del(keys::meta("schema")),
            "no schema version",
            "schema removed",
        ),
        (
            Op::Put(keys::meta("magic"), b"someone-else".to_vec()),
            "not a treeward store",
            "another magic",
        ),
        (
            Op::Del(keys::meta("magic")),
            "not a treeward store",
            "magic removed",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let d = db.with_file_name(format!("magic{i}"));
        copy_dir(&db, &d);
        with_raw(&d, |kv| kv.commit(&[], &[op]).unwrap());
        case();
        let r = tw(&d, "own", &["ls"]);
        assert_unavailable(&r, &d, what);
        assert!(r.err().contains(expect), "{what}: {}", r.err());
    }
    report("format");
}

/// What `codec::encode` writes for a u32: variant 0 (V1), then the varint.
fn bincode_u32_v1(v: u32) -> Vec<u8> {
    let mut out = vec![0u8];
    if v < 251 {
        out.push(v as u8);
    } else if v <= u16::MAX as u32 {
        out.push(251);
        out.extend_from_slice(&(v as u16).to_le_bytes());
    } else {
        out.push(252);
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[test]
fn directories_that_are_not_stores() {
    let tmp = tempfile::tempdir().unwrap();
    // A directory of someone else's files.
    let d = tmp.path().join("papers");
    fs::create_dir(&d).unwrap();
    fs::write(d.join("notes.txt"), "mine").unwrap();
    case();
    let r = tw(&d, "own", &["init", "--owner", "own"]);
    assert_unavailable(&r, &d, "a directory of other files");
    assert!(r.err().contains("not a treeward store"));
    assert_eq!(
        fs::read_dir(&d).unwrap().count(),
        1,
        "nothing written there"
    );
    // A file.
    let f = tmp.path().join("plain-file");
    fs::write(&f, "x").unwrap();
    case();
    let r = tw(&f, "own", &["ls"]);
    assert_unavailable(&r, &f, "a file");
    assert!(r.err().contains("not a directory"), "{}", r.err());
    // `data` is a file, not sled's directory.
    let d = tmp.path().join("data-is-file");
    fs::create_dir(&d).unwrap();
    fs::write(d.join("data"), "x").unwrap();
    case();
    let r = tw(&d, "own", &["ls"]);
    assert_unavailable(&r, &d, "data is a file");
    // A sled database of another program.
    let d = tmp.path().join("foreign");
    fs::create_dir(&d).unwrap();
    {
        let db = sled::open(d.join("data")).unwrap();
        db.insert(b"hello", b"world").unwrap();
        db.flush().unwrap();
    }
    case();
    let r = tw(&d, "own", &["ls"]);
    assert_unavailable(&r, &d, "a foreign sled database");
    assert!(r.err().contains("not a treeward store"), "{}", r.err());
    // No directory at all: refused, and not created.
    let d = tmp.path().join("missing");
    case();
    let r = tw(&d, "own", &["ls"]);
    assert_unavailable(&r, &d, "a missing store");
    assert!(r.err().contains("no store") && !d.exists(), "{}", r.err());
    // An empty store: opens, but holds no account.
    let d = tmp.path().join("empty");
    fs::create_dir(&d).unwrap();
    case();
    let r = tw(&d, "own", &["ls"]);
    assert_unavailable(&r, &d, "an empty store");
    assert!(r.err().contains("no account"), "{}", r.err());
    report("not a store");
}

/// A read-only bind mount of `dir` at a new path (root only), unmounted on drop.
struct RoMount(PathBuf);

impl RoMount {
    fn new(src: &Path, at: &Path) -> Option<RoMount> {
        fs::create_dir_all(at).ok()?;
        let ok = |c: &mut Command| c.status().map(|s| s.success()).unwrap_or(false);
        if !ok(Command::new("mount").arg("--bind").arg(src).arg(at)) {
            return None;
        }
        let m = RoMount(at.to_path_buf());
        if !ok(Command::new("mount")
            .args(["-o", "remount,bind,ro"])
            .arg(at))
        {
            return None;
        }
        Some(m)
    }
}

impl Drop for RoMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn read_only_directory() {
    let (_t, db, before) = demo_with_export();
    if is_root() {
        // Root ignores file modes: a read-only file system is what is meaningful.
        let at = db.with_file_name("ro-view");
        match RoMount::new(&db, &at) {
            Some(_m) => {
                for args in [&["ls"][..], &["mkdir", "/Default Workspace/team/x"][..]] {
                    case();
                    let r = tw(&at, "own", args);
                    assert_unavailable(&r, &at, "read-only file system");
                    assert!(r.err().contains("read-only"), "{}", r.err());
                }
            }
            None => println!(
                "SKIPPED read-only sub-case: running as root (file modes are ignored) and `mount --bind -o ro` is not permitted here"
            ),
        }
    } else {
        use std::os::unix::fs::PermissionsExt;
        let set = |p: &Path, m: u32| fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
        set(&db, 0o500);
        set(&db.join("data"), 0o500);
        for f in ["db", "conf"] {
            set(&db.join("data").join(f), 0o400);
        }
        set(&db.join("treeward.lock"), 0o400);
        case();
        let r = tw(&db, "own", &["mkdir", "/Default Workspace/team/x"]);
        // Restore before asserting, so the temp dir can be removed.
        set(&db, 0o700);
        set(&db.join("data"), 0o700);
        for f in ["db", "conf"] {
            set(&db.join("data").join(f), 0o600);
        }
        set(&db.join("treeward.lock"), 0o600);
        assert_unavailable(&r, &db, "read-only directory");
    }
    assert_eq!(export(&db), before, "nothing changed");
    report("read-only");
}

/// A small tmpfs (root only), unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn new(at: &Path, size: &str) -> Option<Tmpfs> {
        fs::create_dir_all(at).ok()?;
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .ok()?;
        st.success().then(|| Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let p = dir.join("filler");
    let mut f = fs::File::create(&p).unwrap();
    let buf = vec![0u8; 64 * 1024];
    while f.write_all(&buf).is_ok() {}
    let _ = f.sync_all();
    p
}

#[test]
fn full_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(m) = Tmpfs::new(&tmp.path().join("small"), "2m") else {
        println!("SKIPPED tmpfs sub-case: mounting a tmpfs is not permitted here (the file-size limit case below still runs)");
        return;
    };
    let db = m.0.join("store");
    demo(&db);
    let filler = fill(&m.0);
    // Write until the disk refuses: every write acknowledged before that
    // must survive, the refused one must not half-appear.
    let mut acked = Vec::new();
    let mut refused = None;
    for i in 0..2000 {
        let name = format!("full{i}");
        let r = tw(
            &db,
            "own",
            &["mkdir", &format!("/Default Workspace/team/{name}")],
        );
        case();
        if r.ok() {
            acked.push(name);
            continue;
        }
        assert_unavailable(&r, &db, "full disk");
        assert!(r.err().contains("full"), "{}", r.err());
        refused = Some(name);
        break;
    }
    let refused = refused.expect("the disk never filled");
    // Reading on a full disk: allowed to fail (sled writes on open), cleanly.
    case();
    let r = tw(&db, "own", &["ls"]);
    if !r.ok() {
        assert_unavailable(&r, &db, "read on a full disk");
    }
    fs::remove_file(filler).unwrap();
    let after = export(&db);
    for a in &acked {
        assert!(after.contains(&format!("\"{a}\"")), "acknowledged {a} lost");
    }
    let r = tw(&db, "own", &["doctor"]);
    assert_eq!(r.code, Some(0), "doctor after a full disk: {}", r.out());
    println!(
        "full disk: {} writes acknowledged before ENOSPC, refused one {}",
        acked.len(),
        if after.contains(&format!("\"{refused}\"")) {
            "present (written before the error)"
        } else {
            "absent"
        }
    );
    report("full disk");
}

/// The other honest way to meet a failing write without a mount: a file-size
/// limit (RLIMIT_FSIZE) so sled's writes fail with EFBIG.
#[test]
fn write_refused_by_file_size_limit() {
    use std::os::unix::process::CommandExt;
    let (_t, db, before) = demo_with_export();
    let len = fs::metadata(sled_file(&db)).unwrap().len();
    case();
    let mut c = command(&db, "own");
    c.args(["mkdir", "/Default Workspace/team/limited"]);
    unsafe {
        c.pre_exec(move || {
            use nix::libc;
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: len,
                rlim_max: len,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &lim);
            Ok(())
        });
    }
    let r = run_with_timeout(c, TIMEOUT);
    if r.ok() {
        // sled found room inside its file: then the change must be there.
        assert!(export(&db).contains("\"limited\""));
    } else {
        assert_unavailable(&r, &db, "file-size limit");
        let after = export(&db);
        assert!(after == before || !after.contains("\"limited\""));
    }
    report("file-size limit");
}

#[test]
fn store_in_use() {
    let (_t, db, _) = demo_with_export();
    // Hold the lock as a second treeward process would.
    let _lock = treeward::store::open::take_lock(&db).unwrap();
    case();
    // It waits for the holder a moment (issue 11), then says what to do.
    let mut c = command(&db, "own");
    c.env("TREEWARD_WAIT_MS", "300").arg("ls");
    let r = run_with_timeout(c, TIMEOUT);
    assert_unavailable(&r, &db, "store in use");
    assert!(
        r.err().contains(&format!(
            "held by process {}, which does not answer",
            std::process::id()
        )),
        "{}",
        r.err()
    );
}

/// Every file under `dir` with its bytes (to show a read changed nothing).
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push((p.clone(), fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

/// Flips 16 bytes in the middle of the part of sled's data file in use.
fn damage_middle(db: &Path) {
    let mut b = fs::read(sled_file(db)).unwrap();
    let used = b.iter().rposition(|x| *x != 0).unwrap();
    for x in &mut b[used / 2..used / 2 + 16] {
        *x ^= 0xff;
    }
    fs::write(sled_file(db), &b).unwrap();
}

/// The export without the audit log (a repair logs itself).
fn without_log(export: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(export).unwrap();
    v.as_object_mut().unwrap().remove("audit");
    v
}

/// Issue 13 #4: doctor opens what it is sent to repair.
#[test]
fn doctor_opens_a_damaged_store_and_salvages_it() {
    let (_t, db, before) = demo_with_export();
    damage_middle(&db);
    let damaged = files(&db);
    case();
    // Read-only: a report naming what was read and what is lost, exit 6.
    let r = tw(&db, "own", &["doctor"]);
    assert_eq!(r.code, Some(6), "doctor: {} {}", r.out(), r.err());
    let out = r.out();
    for want in ["damaged: ", "read: ", "item ", "lost: ", "doctor --repair"] {
        assert!(out.contains(want), "{want:?} not in {out}");
    }
    assert!(!out.contains("run `treeward doctor`"), "{out}");
    assert_eq!(
        files(&db),
        damaged,
        "doctor without --repair changed the store"
    );
    // Only the owner repairs.
    let r = tw(&db, "alice", &["doctor", "--repair"]);
    assert_eq!(r.code, Some(3), "{}", r.err());
    assert_eq!(files(&db), damaged);
    // Repair: the damaged files copied aside, a fresh store in their place.
    let bk = db.with_file_name("before-salvage");
    let bks = bk.to_str().unwrap();
    let r = tw(&db, "own", &["doctor", "--repair", "--backup", bks]);
    assert!(
        r.code == Some(0) || r.code == Some(5),
        "{} {}",
        r.out(),
        r.err()
    );
    assert!(
        r.out().contains("salvaged: a fresh store of"),
        "{}",
        r.out()
    );
    assert!(r.out().contains("backup written to"), "{}", r.out());
    let mode = fs::metadata(&bk).unwrap().permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o700
    );
    assert_eq!(
        fs::read(bk.join("data").join("db")).unwrap(),
        damaged
            .iter()
            .find(|(p, _)| p.ends_with("data/db"))
            .unwrap()
            .1,
        "the backup holds the damaged data file as it was"
    );
    for args in [&["ls", "/"][..], &["tree"][..], &["log"][..]] {
        let r = tw(&db, "own", args);
        assert!(r.ok(), "{}: {}", args.join(" "), r.err());
    }
    // Flipped bytes in a demo store hit copies the log had replaced: every
    // record is back; at least most must be.
    let after = export(&db);
    let (a, b) = (without_log(&before), without_log(&after));
    let named = |v: &serde_json::Value| v.to_string().matches("\"name\"").count();
    assert!(named(&a) > 50, "the demo export names its records");
    assert!(
        named(&b) * 10 >= named(&a) * 9,
        "{} of {} named records",
        named(&b),
        named(&a)
    );
    assert!(after.contains("salvaged"), "the repair is logged");
    let r = tw(&db, "own", &["doctor"]);
    assert!(
        r.code == Some(0) || r.code == Some(5),
        "{} {}",
        r.out(),
        r.err()
    );
    report("salvaged");
}

/// Issue 13 #4: where nothing can be read, doctor says so in one line and
/// does not send the user back to itself; other commands name doctor.
#[test]
fn doctor_says_when_nothing_can_be_read() {
    let (_t, db, _) = demo_with_export();
    // Every byte of the data file overwritten.
    let d = db.with_file_name("garbage");
    copy_dir(&db, &d);
    let len = fs::metadata(sled_file(&d)).unwrap().len() as usize;
    fs::write(sled_file(&d), vec![0x5a; len]).unwrap();
    // The data file gone.
    let g = db.with_file_name("gone");
    copy_dir(&db, &g);
    fs::remove_file(sled_file(&g)).unwrap();
    for (d, what) in [(&d, "garbage"), (&g, "data file removed")] {
        for args in [&["doctor"][..], &["doctor", "--repair"][..]] {
            case();
            let r = tw(d, "own", args);
            assert_unavailable(&r, d, what);
            assert!(
                r.err().contains("nothing could be read"),
                "{what}: {}",
                r.err()
            );
            assert!(r.err().contains("treeward backup"), "{what}: {}", r.err());
            assert!(!r.err().contains("treeward doctor"), "{what}: {}", r.err());
        }
    }
    // Another command on a damaged store points at doctor, which now acts on it.
    let m = db.with_file_name("middle");
    copy_dir(&db, &m);
    damage_middle(&m);
    let r = tw(&m, "own", &["tree"]);
    assert_unavailable(&r, &m, "damaged middle");
    assert!(r.err().contains("treeward doctor"), "{}", r.err());
    report("nothing readable");
}
