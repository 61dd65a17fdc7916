//! `doctor` on a store directory whose data file sled cannot open: the
//! records are read from the log directly (`store::salvage`, read-only),
//! checked as doctor checks any store, and reported with what is lost.
//! `--repair` copies the damaged files aside first, then builds a fresh
//! store from every record that decodes (dangling references dropped the
//! way doctor's ordinary repair drops them) and swaps it in for the damaged
//! data only once it is complete, synced and read back.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::doctor::{
    check_pairs, check_pairs_with, default_backup_dir, repair_entry, table_name, Fix, Found,
};
use super::request::DoctorReply;
use super::*;
use crate::store::codec::{decode, encode};
use crate::store::kv::{Kv, Op};
use crate::store::open::{self, SLED_DIR};
use crate::store::salvage::{self, Salvaged};
use crate::store::sled_kv::{self, SledKv};
use crate::store::tally::{self, Tally};
use crate::store::{keys, MAGIC, SCHEMA_VERSION};

/// Where the fresh store is built, beside the damaged data (same file
/// system, so the swap is one rename).
const FRESH: &str = "data.salvaged";

type Pairs = BTreeMap<Vec<u8>, Vec<u8>>;

/// What `doctor` read from a store it could not open as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalvageNote {
    /// Why the store could not be opened, in words.
    pub why: String,
    /// Records read, per table.
    pub read: BTreeMap<String, usize>,
    /// What could not be read, a line each.
    pub lost: Vec<String>,
    /// Records read that do not decode (a repair leaves them out).
    pub dropped: usize,
    /// Records in the fresh store that replaced the damaged one.
    pub kept: Option<usize>,
    /// What the store held by its tally against what a repair keeps, per
    /// kind of record (issue 23 #5).
    #[serde(default)]
    pub losses: Vec<super::loss::Loss>,
    /// The tally compared with: its generation (changes counted), `None`
    /// when the store kept none (written by an older treeward).
    #[serde(default)]
    pub tally: Option<u64>,
    /// What is lost for good, in a few words (`None`: nothing known lost).
    #[serde(default)]
    pub summary: Option<String>,
}

/// An error that says the store's data is damaged (not locked, not newer,
/// not someone else's): `doctor` reads such a store itself.
pub fn is_damage(e: &Error) -> bool {
    e.outcome == Outcome::Unavailable
        && [sled_kv::DAMAGED, "does not decode", "has no schema version"]
            .iter()
            .any(|m| e.message.contains(m))
}

fn nothing_read(dir: &Path) -> Error {
    Error::unavailable(format!(
        "{} {}: nothing could be read from it; restore a backup (from `treeward backup`)",
        dir.display(),
        sled_kv::DAMAGED
    ))
}

/// `doctor` on the store in `dir` when its data is damaged (`failed`: the
/// ordinary open's error, when it was tried). `None` when the data reads
/// whole, or another process holds the store: the ordinary doctor runs.
pub fn doctor_if_damaged(
    dir: &Path,
    req: &Request,
    caller: Caller<'_>,
    failed: Option<&Error>,
) -> Result<Option<Reply>> {
    let Request::Doctor { repair, backup } = req else {
        return Ok(None);
    };
    let data = dir.join(SLED_DIR);
    if !data.is_dir() {
        return Ok(None);
    }
    let Ok(lock) = open::take_lock(dir) else {
        return Ok(None);
    };
    let read = match salvage::read(&data) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(nothing_read(dir)),
        Err(e) => return Err(sled_kv::io_error(dir, &e)),
    };
    if failed.is_none() && !read.is_damaged() {
        return Ok(None);
    }
    if read.pairs.is_empty() {
        return Err(nothing_read(dir));
    }
    let app = App {
        store: Store::of_pairs(read.pairs.clone()),
    };
    app.owners_only(&caller, req)?;
    let truth = truth(&data, &read);
    let found = check_pairs_with(read.pairs.clone().into_iter().collect(), truth.as_ref());
    let (fresh, fixes, entry) = fresh_pairs(read.pairs.clone(), &found, truth.as_ref())?;
    let mut counted = fresh.clone();
    counted.remove(&entry);
    let losses = super::loss::losses(truth.as_ref(), &read, &counted, &found.lost_seqs);
    let mut reply = DoctorReply {
        records: found.records,
        problems: found.problems.iter().map(|p| p.text.clone()).collect(),
        repaired: 0,
        remaining: Vec::new(),
        backup: None,
        repair: *repair,
        clean: false,
        salvage: Some(note(dir, &read, &found, failed, truth.as_ref(), losses)),
        incomplete: None,
    };
    if *repair {
        salvage_in_place(dir, fresh, fixes, backup.as_deref(), &mut reply)?;
    }
    drop(lock);
    Ok(Some(Reply::Doctor(reply)))
}

/// What the store is known to have held: the newest of the tally kept
/// beside the data file and the one read from the data.
fn truth(data: &Path, read: &Salvaged) -> Option<Tally> {
    let beside = tally::read_file(data);
    let inside = read.pairs.get(&tally::key()).and_then(|v| Tally::decode(v));
    // Of the same change, the one beside (it holds the sets): the last
    // of equals is the one taken.
    [inside, beside]
        .into_iter()
        .flatten()
        .max_by_key(|t| t.generation)
}

fn note(
    dir: &Path,
    read: &Salvaged,
    found: &Found,
    failed: Option<&Error>,
    truth: Option<&Tally>,
    losses: Vec<super::loss::Loss>,
) -> SalvageNote {
    let why = match failed {
        // Its advice is to run doctor: this is doctor.
        Some(e) => e
            .message
            .trim_end_matches(sled_kv::SEE_DOCTOR)
            .trim_end_matches("; run `treeward doctor`")
            .to_string(),
        None => format!(
            "{} {}: its data file is corrupt",
            dir.display(),
            sled_kv::DAMAGED
        ),
    };
    let mut tables = BTreeMap::new();
    for k in read.pairs.keys() {
        *tables.entry(table_name(k[0]).to_string()).or_insert(0) += 1;
    }
    let mut lost = super::loss::lines(truth, read, &losses);
    let account = keys::meta("account");
    if !read.pairs.contains_key(&account) {
        lost.push(match truth.and_then(|t| t.account.as_deref()) {
            Some(a) => format!(
                "the account record (owner {}) could not be read: a repair restores it from the tally kept with the store",
                decode::<Account>(a, "account").map(|a| a.owner).unwrap_or_default()
            ),
            None => "the account record could not be read, and no tally holds it: restore a backup".into(),
        });
    }
    lost.extend(damage_lines(read, found.undecodable.len()));
    SalvageNote {
        why,
        read: tables,
        lost,
        dropped: found.undecodable.len(),
        kept: None,
        summary: super::loss::summary(&losses),
        losses,
        tally: truth.map(|t| t.generation),
    }
}

/// Where the data file was unreadable, and what that cost the reader.
fn damage_lines(read: &Salvaged, undecodable: usize) -> Vec<String> {
    let stretch = |v: &[(u64, u64)]| {
        let bytes: u64 = v.iter().map(|(_, n)| n).sum();
        let at: Vec<String> = v.iter().take(5).map(|(o, _)| o.to_string()).collect();
        format!("{bytes} bytes (at offset {})", at.join(", "))
    };
    let mut out = Vec::new();
    if !read.damaged.is_empty() {
        out.push(format!(
            "{} of the data file could not be read",
            stretch(&read.damaged)
        ));
    }
    if !read.tail.is_empty() {
        out.push(format!(
            "{} at the end of a log segment could not be read (the last writes before a crash, or damage)",
            stretch(&read.tail)
        ));
    }
    for (n, what) in [
        (read.lost_pages, "pages could not be read at all (the records lost with them, if any, are counted above)"),
        (read.stale_pages, "pages were read from an older copy in the log (what changed since is counted above)"),
        (read.lost_blobs, "large pages kept beside the data file (in blobs/) are missing or damaged"),
        (undecodable, "records read do not decode: a repair leaves them out"),
    ] {
        if n > 0 {
            out.push(format!("{n} {what}"));
        }
    }
    out
}

/// The fresh store's records: those that decode, the safe fixes applied,
/// counters past every seq and id ever issued, the audit seqs found lost
/// recorded as such, the format records, and the repair logged (past the
/// highest seq ever issued: a seq is never reused, R32).
fn fresh_pairs(
    mut pairs: Pairs,
    found: &Found,
    truth: Option<&Tally>,
) -> Result<(Pairs, usize, Vec<u8>)> {
    for k in &found.undecodable {
        pairs.remove(k);
    }
    // The engine keeps its own tally (a load's mark is kept: a store cut
    // short stays so).
    pairs.remove(&tally::key());
    // The account record, when it could not be read, from the tally.
    if let Some(a) = truth.and_then(|t| t.account.clone()) {
        pairs.entry(keys::meta("account")).or_insert(a);
    }
    let again = check_pairs_with(pairs.clone().into_iter().collect(), truth);
    let fixes: Vec<&Fix> = again.problems.iter().flat_map(|p| &p.fix).collect();
    for f in &fixes {
        match f {
            Fix::Put(k, v) => pairs.insert(k.clone(), v.clone()),
            Fix::Del(k) => pairs.remove(k),
        };
    }
    let schema = pairs
        .get(&keys::meta("schema"))
        .and_then(|v| decode::<u32>(v, "schema").ok());
    if schema.is_some_and(|v| v > SCHEMA_VERSION) {
        return Err(Error::unavailable(format!(
            "the store was written by a newer treeward (schema {}): repair it with that version",
            schema.unwrap_or_default()
        )));
    }
    pairs.insert(keys::meta("magic"), MAGIC.to_vec());
    pairs.insert(keys::meta("schema"), encode(&SCHEMA_VERSION));
    let id = pairs
        .get(&keys::meta("next_id"))
        .and_then(|v| decode::<u64>(v, "counter").ok());
    pairs.insert(
        keys::meta("next_id"),
        encode(&id.unwrap_or(0).max(again.next_id)),
    );
    let seq = again.next_seq;
    let mut target = format!("salvaged {} records", pairs.len());
    if !again.lost_seqs.is_empty() {
        target.push_str(&format!(
            "; audit entries {} are lost",
            tally::show_ranges(&again.lost_seqs)
        ));
    }
    let entry = repair_entry(seq, target);
    pairs.insert(keys::audit(seq), encode(&entry));
    pairs.insert(keys::meta("next_seq"), encode(&(seq + 1)));
    let n = fixes.len();
    Ok((pairs, n, keys::audit(seq)))
}

/// Backs the damaged files up, builds the fresh store, swaps it in.
fn salvage_in_place(
    dir: &Path,
    pairs: Pairs,
    fixes: usize,
    backup: Option<&Path>,
    reply: &mut DoctorReply,
) -> Result<()> {
    let to = backup
        .map(Path::to_path_buf)
        .unwrap_or_else(|| default_backup_dir(dir));
    super::backup::copy_store_files(dir, &to)?;
    reply.backup = Some(to);
    write_fresh(dir, &pairs)?;
    swap_in(dir)?;
    let after = check_pairs(pairs.clone().into_iter().collect());
    reply.repaired = fixes;
    reply.remaining = after.problems.iter().map(|p| p.text.clone()).collect();
    reply.clean = reply.remaining.is_empty();
    if let Some(n) = reply.salvage.as_mut() {
        n.kept = Some(pairs.len());
    }
    Ok(())
}

fn io(dir: &Path, e: impl std::fmt::Display) -> Error {
    Error::unavailable(format!(
        "{}: the fresh store could not be written ({e}); the damaged store is left as it was",
        dir.display()
    ))
}

/// Writes the pairs into a new sled directory beside the damaged data, and
/// reads them back before anything is swapped.
fn write_fresh(dir: &Path, pairs: &Pairs) -> Result<()> {
    let fresh = dir.join(FRESH);
    if fresh.exists() {
        // An earlier repair cut short: its half-built store is of no use.
        fs::remove_dir_all(&fresh).map_err(|e| io(dir, e))?;
    }
    let mut ops: Vec<Op> = pairs
        .iter()
        .map(|(k, v)| Op::Put(k.clone(), v.clone()))
        .collect();
    // The counter last, in an ordinary commit: it writes the fresh store's
    // tally (and its copy beside the data) and flushes the bulk writes.
    let last = ops.pop();
    let back = open::owner_only(|| -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let kv = SledKv::open(dir, &fresh)?;
        kv.bulk(&ops)?;
        kv.commit(&[], last.as_slice())?;
        let mut back = super::doctor::all_pairs(&kv)?;
        back.retain(|(k, _)| *k != tally::key());
        Ok(back)
    })
    .map_err(|e| io(dir, e.message))?;
    if back.len() != pairs.len()
        || back
            .iter()
            .zip(pairs)
            .any(|(a, b)| a.0 != *b.0 || a.1 != *b.1)
    {
        return Err(io(dir, "it does not read back what was written"));
    }
    Ok(())
}

/// Puts the fresh data in place of the damaged data in one step (an
/// exchange of the two directories), then removes the damaged files: the
/// backup holds them.
fn swap_in(dir: &Path) -> Result<()> {
    use nix::fcntl::{renameat2, RenameFlags};
    let d = fs::File::open(dir).map_err(|e| io(dir, e))?;
    renameat2(&d, FRESH, &d, SLED_DIR, RenameFlags::RENAME_EXCHANGE)
        .or_else(|_| {
            // A file system without the exchange: two renames.
            fs::rename(dir.join(SLED_DIR), dir.join("data.damaged"))
                .and_then(|_| fs::rename(dir.join(FRESH), dir.join(SLED_DIR)))
                .and_then(|_| fs::rename(dir.join("data.damaged"), dir.join(FRESH)))
                .map_err(|e| nix::Error::from_raw(e.raw_os_error().unwrap_or(0)))
        })
        .map_err(|e| io(dir, e))?;
    d.sync_all().map_err(|e| io(dir, e))?;
    // Best effort: a leftover is removed by the next repair's build.
    let _ = fs::remove_dir_all(dir.join(FRESH));
    Ok(())
}
