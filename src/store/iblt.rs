//! An invertible set of keys (an invertible Bloom lookup table), kept per
//! kind of record with a directory store's tally (`store::tally`): about
//! 1.5 KB that, subtracted from the same set of another key set, gives back
//! the keys (as 64-bit hashes) in one and not the other, as long as they are
//! few (a few dozen). `doctor` subtracts the set of the keys it salvaged
//! from the one kept with the store's last commit: the hashes of exactly the
//! keys lost, and of the keys that came back from an older copy of their
//! page.

use serde::{Deserialize, Serialize};

/// Cells per set: [`PARTS`] parts of [`PART`], one cell per part for each
/// key (measured: 40 differences are told 99 times in 100, 10 always).
pub const CELLS: usize = PARTS * PART;
const PARTS: usize = 4;
const PART: usize = 20;

/// A key's hash (FNV-1a, then mixed): what the set holds of it.
pub fn key_hash(key: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The check that a cell holds one key alone (derived from its hash).
fn check(id: u64) -> u64 {
    mix(id ^ 0x5bd1_e995_5bd1_e995)
}

/// The key's cell in each part.
fn cells_of(id: u64) -> [usize; PARTS] {
    let mut out = [0; PARTS];
    for (i, c) in out.iter_mut().enumerate() {
        *c = i * PART + (mix(id.wrapping_add(i as u64 + 1)) % PART as u64) as usize;
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Iblt {
    /// Per cell: how many keys, the XOR of their hashes, the XOR of their checks.
    cells: Vec<(i64, u64, u64)>,
}

impl Default for Iblt {
    fn default() -> Self {
        Iblt {
            cells: vec![(0, 0, 0); CELLS],
        }
    }
}

impl Iblt {
    /// A set of these keys.
    pub fn of<'a>(keys: impl IntoIterator<Item = &'a [u8]>) -> Iblt {
        let mut s = Iblt::default();
        for k in keys {
            s.insert(k);
        }
        s
    }

    pub fn insert(&mut self, key: &[u8]) {
        self.toggle(key_hash(key), 1);
    }

    pub fn remove(&mut self, key: &[u8]) {
        self.toggle(key_hash(key), -1);
    }

    fn toggle(&mut self, id: u64, d: i64) {
        if self.cells.len() != CELLS {
            // Read from a file of another shape: no set at all.
            return;
        }
        for c in cells_of(id) {
            let cell = &mut self.cells[c];
            cell.0 += d;
            cell.1 ^= id;
            cell.2 ^= check(id);
        }
    }

    /// Another set's keys added to this one's (two writers' parts).
    pub fn merge(&mut self, other: &Iblt) {
        for (a, b) in self.cells.iter_mut().zip(&other.cells) {
            a.0 += b.0;
            a.1 ^= b.1;
            a.2 ^= b.2;
        }
    }

    /// The hashes of the keys in this set and not in `other`, and of those
    /// in `other` and not in this one; `None` when they are too many to tell.
    pub fn difference(&self, other: &Iblt) -> Option<(Vec<u64>, Vec<u64>)> {
        if self.cells.len() != CELLS || other.cells.len() != CELLS {
            return None;
        }
        let mut d = self.clone();
        for (a, b) in d.cells.iter_mut().zip(&other.cells) {
            a.0 -= b.0;
            a.1 ^= b.1;
            a.2 ^= b.2;
        }
        let (mut only_here, mut only_there) = (Vec::new(), Vec::new());
        loop {
            let pure = d
                .cells
                .iter()
                .find(|c| (c.0 == 1 || c.0 == -1) && c.2 == check(c.1))
                .copied();
            let Some((n, id, _)) = pure else { break };
            if n == 1 {
                only_here.push(id);
            } else {
                only_there.push(id);
            }
            d.toggle(id, -n);
        }
        d.cells
            .iter()
            .all(|c| *c == (0, 0, 0))
            .then_some((only_here, only_there))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_the_keys_one_set_lacks_and_the_other_gained() {
        let keys: Vec<Vec<u8>> = (0..500u32)
            .map(|i| format!("Uuser{i}").into_bytes())
            .collect();
        let held = Iblt::of(keys.iter().map(|k| k.as_slice()));
        // Kept: all but 3, and 2 that were not held.
        let mut kept = Iblt::of(keys[3..].iter().map(|k| k.as_slice()));
        kept.insert(b"Ughost1");
        kept.insert(b"Ughost2");
        let (lost, back) = held.difference(&kept).unwrap();
        let want: std::collections::BTreeSet<u64> = keys[..3].iter().map(|k| key_hash(k)).collect();
        assert_eq!(
            lost.into_iter().collect::<std::collections::BTreeSet<_>>(),
            want
        );
        assert_eq!(back.len(), 2);
        assert!(back.contains(&key_hash(b"Ughost1")));
        // Equal sets: nothing either way.
        assert_eq!(held.difference(&held), Some((vec![], vec![])));
        // Far too many differences: not told.
        let none = Iblt::default();
        assert!(held.difference(&none).is_none());
    }
}
