//! The tally of a directory store: how many records each table holds, the
//! highest audit seq ever written and the audit seqs a repair recorded as
//! lost, kept with every commit in two places:
//!
//! - in the data, as `meta("tally")`, written in the commit's own
//!   transaction (so it always matches the records beside it), and
//! - in a small file beside sled's data file (`data/treeward.tally`),
//!   written once the commit is on disk (so it is never ahead of the data).
//!
//! Damage to the data file cannot take both. `doctor` compares what it
//! salvaged with the newest of the two (issue 23 #5: a repair reports what
//! it lost), and an open that finds the file ahead of the data knows the
//! data lost committed changes and refuses it as damaged.
//!
//! The file also keeps each kind of record's keys as an invertible set
//! (`store::iblt`), so that `doctor` can tell exactly which records are lost
//! or came back, as long as they are few.
//!
//! The file holds two slots of [`SLOT`] bytes, written in turn (generation
//! modulo 2), each with a checksum: a write torn by a crash leaves the
//! other slot whole. It is not flushed per commit (sled's data file is):
//! after a power loss it may be older than the data, never newer.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::codec::{decode, encode};
use super::iblt::Iblt;
use super::keys;

/// The file beside sled's data file, in sled's directory.
pub const FILE: &str = "treeward.tally";
/// One slot of the file.
pub const SLOT: usize = 32768;
const MAGIC: &[u8; 8] = b"twtally1";
/// Magic, generation, length, checksum.
const HEADER: usize = 8 + 8 + 4 + 4;
/// Gap ranges kept at most (older ones merge into one range).
const MAX_GAPS: usize = 200;

/// The key of the tally in the data.
pub fn key() -> Vec<u8> {
    keys::meta("tally")
}

/// The key of the audit seqs recorded lost (a `Vec<(u64, u64)>` of
/// inclusive ranges), on every engine.
pub fn gaps_key() -> Vec<u8> {
    keys::meta("audit_gaps")
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Commits counted: each commit that writes adds one.
    pub generation: u64,
    /// Records per table (a key's first byte), the meta table aside.
    pub counts: BTreeMap<u8, u64>,
    /// The highest audit seq ever written (or handed out by the counter).
    pub max_seq: u64,
    /// Audit seqs a repair recorded as lost: they are not lost again.
    pub gaps: Vec<(u64, u64)>,
    /// The account record as written (a repair restores it when lost).
    pub account: Option<Vec<u8>>,
    /// The keys of each kind of record ([`SET_TABLES`]) as invertible sets
    /// (`store::iblt`): kept beside the data only (not in its tally record).
    #[serde(skip)]
    pub sets: BTreeMap<u8, Iblt>,
}

/// The tables whose keys the tally keeps as sets: the kinds of record a
/// store holds (the indexes are rebuilt from them).
pub const SET_TABLES: &[u8] = &[
    keys::USER,
    keys::GROUP,
    keys::GROUP_MEMBER,
    keys::ORG,
    keys::ORG_MEMBER,
    keys::TENANT,
    keys::WORKSPACE,
    keys::ROLE,
    keys::ITEM,
    keys::ASSET,
    keys::GRANT,
    keys::INTEG,
    keys::AUDIT,
    keys::AUDIT_DETAIL,
    keys::AUDIT_ACCESS,
];

impl Tally {
    /// Records of `table`.
    pub fn count(&self, table: u8) -> u64 {
        self.counts.get(&table).copied().unwrap_or(0)
    }

    /// A record of `key`'s table came to be.
    pub fn added(&mut self, key: &[u8]) {
        if let Some(&t) = key.first().filter(|t| **t != keys::META) {
            *self.counts.entry(t).or_insert(0) += 1;
            if SET_TABLES.contains(&t) {
                self.sets.entry(t).or_default().insert(key);
            }
        }
    }

    /// A record of `key`'s table went.
    pub fn removed(&mut self, key: &[u8]) {
        if let Some(&t) = key.first().filter(|t| **t != keys::META) {
            let n = self.counts.entry(t).or_insert(0);
            *n = n.saturating_sub(1);
            if SET_TABLES.contains(&t) {
                self.sets.entry(t).or_default().remove(key);
            }
        }
    }

    /// What another writer of the same load tallied (its counts from zero).
    pub fn merge(&mut self, part: &Tally) {
        for (table, n) in &part.counts {
            *self.counts.entry(*table).or_insert(0) += n;
        }
        for (table, set) in &part.sets {
            self.sets.entry(*table).or_default().merge(set);
        }
        self.max_seq = self.max_seq.max(part.max_seq);
        if !part.gaps.is_empty() {
            self.gaps = part.gaps.clone();
        }
        if part.account.is_some() {
            self.account = part.account.clone();
        }
    }

    /// The set of `table`'s keys, when the tally holds one.
    pub fn set(&self, table: u8) -> Option<&Iblt> {
        self.sets.get(&table)
    }

    /// What a write tells beyond counts: an audit seq, the seq counter, the
    /// gaps recorded.
    pub fn saw_put(&mut self, key: &[u8], value: &[u8]) {
        if key.first() == Some(&keys::AUDIT) && key.len() == 9 {
            self.max_seq = self.max_seq.max(keys::tail_u64(key));
        } else if key == keys::meta("next_seq").as_slice() {
            if let Ok(n) = decode::<u64>(value, "counter") {
                self.max_seq = self.max_seq.max(n.saturating_sub(1));
            }
        } else if key == keys::meta("account").as_slice() {
            self.account = Some(value.to_vec());
        } else if key == gaps_key().as_slice() {
            if let Ok(g) = decode::<Vec<(u64, u64)>>(value, "audit gaps") {
                self.gaps = capped(g);
            }
        }
    }

    /// Every write of a change: counts from what the engine replaced.
    pub fn wrote(&mut self, key: &[u8], value: Option<&[u8]>, existed: bool) {
        match (value, existed) {
            (Some(v), false) => {
                self.added(key);
                self.saw_put(key, v);
            }
            (Some(v), true) => self.saw_put(key, v),
            (None, true) => self.removed(key),
            (None, false) => {}
        }
    }

    /// Whether audit seq `s` was recorded as lost by a repair.
    pub fn in_gaps(&self, s: u64) -> bool {
        in_ranges(&self.gaps, s)
    }

    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    pub fn decode(v: &[u8]) -> Option<Tally> {
        decode(v, "tally").ok()
    }
}

/// Whether `s` lies in one of the inclusive `ranges`.
pub fn in_ranges(ranges: &[(u64, u64)], s: u64) -> bool {
    ranges.iter().any(|(a, b)| (*a..=*b).contains(&s))
}

/// Sorted seqs as inclusive ranges.
pub fn ranges_of(seqs: impl IntoIterator<Item = u64>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for s in seqs {
        match out.last_mut() {
            Some((_, b)) if *b + 1 == s => *b = s,
            _ => out.push((s, s)),
        }
    }
    out
}

/// Ranges merged, sorted, and at most [`MAX_GAPS`] of them.
pub fn merged(mut ranges: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    ranges.sort();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (a, b) in ranges {
        match out.last_mut() {
            Some((_, e)) if a <= e.saturating_add(1) => *e = (*e).max(b),
            _ => out.push((a, b)),
        }
    }
    capped(out)
}

fn capped(mut g: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    if g.len() > MAX_GAPS {
        // The oldest merge into one: a later report may then name seqs of
        // that range that were never lost, never the other way round.
        let cut = g.len() - MAX_GAPS + 1;
        let first = (g[0].0, g[cut - 1].1);
        g.drain(..cut);
        g.insert(0, first);
    }
    g
}

/// Inclusive ranges in words: `33-62, 70`.
pub fn show_ranges(r: &[(u64, u64)]) -> String {
    r.iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The file beside the data, open for writing.
pub struct TallyFile {
    file: File,
}

impl TallyFile {
    /// Opens (creating) the file in sled's directory `sled_dir`.
    pub fn open(sled_dir: &Path) -> std::io::Result<TallyFile> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(sled_dir.join(FILE))?;
        if file.metadata()?.len() < (2 * SLOT) as u64 {
            file.set_len((2 * SLOT) as u64)?;
        }
        Ok(TallyFile { file })
    }

    /// Writes `t` (with its sets) into its slot; best effort (the data
    /// holds it too, its sets aside).
    pub fn write(&self, t: &Tally) {
        let body = encode(&(t, &t.sets));
        if HEADER + body.len() > SLOT {
            return;
        }
        let mut slot = Vec::with_capacity(HEADER + body.len());
        slot.extend_from_slice(MAGIC);
        slot.extend_from_slice(&t.generation.to_le_bytes());
        slot.extend_from_slice(&(body.len() as u32).to_le_bytes());
        slot.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        slot.extend_from_slice(&body);
        let at = (t.generation % 2) * SLOT as u64;
        let _ = self.file.write_all_at(&slot, at);
    }

    /// Puts what was written on disk (closing a store, after a load).
    pub fn sync(&self) {
        let _ = self.file.sync_data();
    }
}

/// The newest whole tally in the file in `sled_dir` (`None`: no file, or
/// neither slot reads).
pub fn read_file(sled_dir: &Path) -> Option<Tally> {
    let bytes = std::fs::read(sled_dir.join(FILE)).ok()?;
    bytes
        .chunks(SLOT)
        .take(2)
        .filter_map(read_slot)
        .max_by_key(|t| t.generation)
}

fn read_slot(slot: &[u8]) -> Option<Tally> {
    if slot.len() < HEADER || &slot[..8] != MAGIC {
        return None;
    }
    let gen = u64::from_le_bytes(slot[8..16].try_into().ok()?);
    let len = u32::from_le_bytes(slot[16..20].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(slot[20..24].try_into().ok()?);
    let body = slot.get(HEADER..HEADER + len)?;
    if crc32fast::hash(body) != crc {
        return None;
    }
    let (mut t, sets): (Tally, BTreeMap<u8, Iblt>) = decode(body, "tally").ok()?;
    t.sets = sets;
    (t.generation == gen).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_and_show() {
        assert_eq!(
            ranges_of([1, 2, 3, 7, 9, 10]),
            vec![(1, 3), (7, 7), (9, 10)]
        );
        assert_eq!(
            merged(vec![(5, 9), (1, 2), (3, 4), (20, 21)]),
            vec![(1, 9), (20, 21)]
        );
        assert_eq!(show_ranges(&[(1, 3), (7, 7)]), "1-3, 7");
    }

    #[test]
    fn the_file_keeps_the_newest_whole_slot() {
        let d = tempfile::tempdir().unwrap();
        let f = TallyFile::open(d.path()).unwrap();
        let mut t = Tally::default();
        for g in 1..=5 {
            t.generation = g;
            t.added(&keys::user(&format!("u{g}")));
            f.write(&t);
        }
        assert_eq!(read_file(d.path()).unwrap(), t);
        // The newest slot torn: the other one is read.
        let mut b = std::fs::read(d.path().join(FILE)).unwrap();
        let at = (5 % 2) * SLOT + HEADER + 1;
        b[at] ^= 0xff;
        std::fs::write(d.path().join(FILE), &b).unwrap();
        assert_eq!(read_file(d.path()).unwrap().generation, 4);
    }
}
