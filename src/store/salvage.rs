//! Reading what can be read from a damaged sled 0.34 data directory without
//! sled: sled refuses a store as soon as one page it needs fails its
//! checksum (and zeroes the rest of a segment when the damage is in its
//! unsnapshotted tail), so `doctor` reads the log itself, read-only.
//!
//! The log is segments of `segment_size` bytes (from `conf`), each a 20-byte
//! header then messages: crc32, kind, length, segment number, page id, body.
//! A page's state is its newest whole node ("base") plus the links (one key
//! set or removed) written after it. A message whose checksum fails is
//! skipped by searching forward for the next message that checks; a page
//! whose newest version is unreadable falls back to an older one when the
//! log still holds it. Only leaf nodes hold records.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

const SEG_HEADER: usize = 20;
const DEFAULT_SEGMENT: usize = 512 * 1024;
const LSN_MASK: i64 = 0x7FFF_FFFF_FFFF_FFFF;
// Message kinds (sled's `MessageKind`).
const CAP: u8 = 2;
const FREE: u8 = 4;
const INLINE_NODE: u8 = 8;
const BLOB_NODE: u8 = 9;
const INLINE_LINK: u8 = 10;
const BLOB_LINK: u8 = 11;

/// What a read of the log found.
#[derive(Debug, Default)]
pub struct Salvaged {
    /// Every record read, newest version of each key.
    pub pairs: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Log messages read whole.
    pub messages: usize,
    /// Damaged stretches of the log (offset, bytes) with readable data after them.
    pub damaged: Vec<(u64, u64)>,
    /// Unreadable bytes at the end of a segment (a torn last write looks so too).
    pub tail: Vec<(u64, u64)>,
    /// Pages whose newest version was unreadable but an older one was used.
    pub stale_pages: usize,
    /// Pages of which no version could be read.
    pub lost_pages: usize,
    /// Blob files (large pages) missing or failing their checksum.
    pub lost_blobs: usize,
    /// The keys of records read from an older copy of their page (a newer
    /// copy was unreadable): they may have changed or gone since.
    pub stale: std::collections::BTreeSet<Vec<u8>>,
}

impl Salvaged {
    /// Damage sled would refuse (a torn tail alone it repairs by itself).
    pub fn is_damaged(&self) -> bool {
        !self.damaged.is_empty() || self.lost_pages + self.stale_pages + self.lost_blobs > 0
    }
}

/// A cursor over bytes; every read is bounds-checked (the bytes are damaged).
struct Cur<'a>(&'a [u8]);

impl<'a> Cur<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
    }
    /// sled's variable-length integer.
    fn var(&mut self) -> Option<u64> {
        let first = self.u8()?;
        Some(match first {
            0..=240 => u64::from(first),
            241..=248 => 240 + 256 * (u64::from(first) - 241) + u64::from(self.u8()?),
            249 => {
                let b = self.take(2)?;
                2288 + 256 * u64::from(b[0]) + u64::from(b[1])
            }
            other => {
                let n = other as usize - 247;
                let mut a = [0u8; 8];
                a[..n].copy_from_slice(self.take(n)?);
                u64::from_le_bytes(a)
            }
        })
    }
    fn bytes(&mut self) -> Option<Vec<u8>> {
        let n = usize::try_from(self.var()?).ok()?;
        self.take(n).map(|b| b.to_vec())
    }
}

/// One version of a page, as the log holds it.
enum Frag {
    Base(Leaf),
    Set(Vec<u8>, Vec<u8>),
    Del(Vec<u8>),
    /// A merge marker: nothing to read.
    Other,
    Free,
    /// Its header read, its body did not check.
    Damaged,
}

/// A leaf's records with its key prefix (sled stores keys without the
/// prefix they share with the node's low bound).
struct Leaf {
    prefix: Vec<u8>,
    pairs: Vec<(Vec<u8>, Vec<u8>)>,
}

fn node(body: &[u8]) -> Option<Frag> {
    let mut c = Cur(body);
    c.var()?; // next
    c.var()?; // merging child
    c.u8()?; // merging
    let prefix_len = c.u8()? as usize;
    let lo = c.bytes()?;
    c.bytes()?; // hi
    let leaf = c.u8()? == 0;
    let n = usize::try_from(c.var()?).ok()?;
    if !leaf {
        // An index node: a page version with no records of its own.
        return Some(Frag::Base(Leaf {
            prefix: Vec::new(),
            pairs: Vec::new(),
        }));
    }
    let keys = (0..n).map(|_| c.bytes()).collect::<Option<Vec<_>>>()?;
    let values = (0..n).map(|_| c.bytes()).collect::<Option<Vec<_>>>()?;
    Some(Frag::Base(Leaf {
        prefix: lo.get(..prefix_len)?.to_vec(),
        pairs: keys.into_iter().zip(values).collect(),
    }))
}

fn link(body: &[u8]) -> Option<Frag> {
    let mut c = Cur(body);
    Some(match c.u8()? {
        0 => Frag::Set(c.bytes()?, c.bytes()?),
        1 => Frag::Del(c.bytes()?),
        2..=4 => Frag::Other,
        _ => return None,
    })
}

/// A message at the start of `buf`: (kind, segment number, page id, body, length).
struct Msg<'a> {
    kind: u8,
    seg: u64,
    pid: u64,
    body: &'a [u8],
    len: usize,
}

/// Parses a message header; `Err(pid)` when the header reads but the body
/// fails its checksum.
fn message(buf: &[u8]) -> Option<Result<Msg<'_>, (u8, u64, u64)>> {
    let mut c = Cur(buf);
    let crc = c.u32()?;
    let kind = c.u8()?;
    let len = usize::try_from(c.var()?).ok()?;
    let seg = c.var()?;
    let pid = c.var()?;
    if kind == 0 || kind > BLOB_LINK {
        return None;
    }
    let head = buf.len() - c.0.len();
    let body = c.take(len)?;
    let mut h = crc32fast::Hasher::new();
    h.update(body);
    h.update(&buf[4..head]);
    if h.finalize() ^ 0xFFFF_FFFF != crc {
        return Some(Err((kind, seg, pid)));
    }
    Some(Ok(Msg {
        kind,
        seg,
        pid,
        body,
        len: head + len,
    }))
}

/// `segment_size` from sled's `conf` (the default when it cannot be read).
fn segment_size(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("conf"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("segment_size: "))
                .and_then(|v| v.trim().parse::<usize>().ok())
        })
        .filter(|n| n.is_power_of_two() && (4096..=1 << 30).contains(n))
        .unwrap_or(DEFAULT_SEGMENT)
}

/// The segment number a segment's header gives, when its checksum holds.
fn header_segment(seg: &[u8], size: usize) -> Option<u64> {
    let h = seg.get(..SEG_HEADER)?;
    let crc = u32::from_le_bytes(h[..4].try_into().unwrap()) ^ 0xFFFF_FFFF;
    let lsn = i64::from_le_bytes(h[4..12].try_into().unwrap()) ^ LSN_MASK;
    (crc32fast::hash(&h[4..20]) == crc && lsn >= 0).then(|| lsn as u64 / size as u64)
}

struct Reader<'a> {
    dir: &'a Path,
    size: usize,
    pages: HashMap<u64, Vec<(u64, Frag)>>,
    out: Salvaged,
}

impl Reader<'_> {
    /// The body of a blob message: its own file under `blobs/`.
    fn blob(&mut self, body: &[u8]) -> Option<Vec<u8>> {
        let id = i64::from_le_bytes(body.get(..8)?.try_into().ok()?);
        let data = std::fs::read(self.dir.join("blobs").join(id.to_string())).ok();
        let ok = data.filter(|d| {
            d.len() >= 5
                && crc32fast::hash(&d[4..]) == u32::from_le_bytes(d[..4].try_into().unwrap())
        });
        if ok.is_none() {
            self.lost_blob();
        }
        ok.map(|d| d[5..].to_vec())
    }
    fn lost_blob(&mut self) {
        self.out.lost_blobs += 1;
    }

    fn record(&mut self, m: &Msg<'_>, lsn: u64) {
        let frag = match m.kind {
            FREE => Some(Frag::Free),
            INLINE_NODE => node(m.body),
            INLINE_LINK => link(m.body),
            BLOB_NODE => self.blob(m.body).and_then(|b| node(&b)),
            BLOB_LINK => self.blob(m.body).and_then(|b| link(&b)),
            _ => return,
        };
        self.pages
            .entry(m.pid)
            .or_default()
            .push((lsn, frag.unwrap_or(Frag::Damaged)));
    }

    /// The next offset at or after `from` where a message of segment `want`
    /// checks (searching byte by byte: the damage hid where it starts).
    fn resync(seg: &[u8], from: usize, want: Option<u64>) -> Option<usize> {
        (from..seg.len().saturating_sub(5))
            .find(|&q| matches!(message(&seg[q..]), Some(Ok(m)) if want.is_none_or(|w| w == m.seg)))
    }

    fn segment(&mut self, base: u64, seg: &[u8]) {
        let mut want = header_segment(seg, self.size);
        let mut pos = SEG_HEADER;
        while pos + 5 < seg.len() {
            match message(&seg[pos..]) {
                Some(Ok(m)) if want.is_none_or(|w| w == m.seg) => {
                    want = Some(m.seg);
                    if m.kind == CAP {
                        return;
                    }
                    let lsn = m.seg * self.size as u64 + pos as u64;
                    self.out.messages += 1;
                    self.record(&m, lsn);
                    pos += m.len;
                }
                // A whole message of an earlier use of this segment: the end.
                Some(Ok(_)) => return,
                bad => {
                    if seg[pos..].iter().all(|b| *b == 0) {
                        return;
                    }
                    let Some(next) = Self::resync(seg, pos + 1, want) else {
                        // Nothing readable after it: sled drops such a tail too.
                        self.out
                            .tail
                            .push((base + pos as u64, (seg.len() - pos) as u64));
                        return;
                    };
                    // A header that reads names the page that lost a version.
                    if let (Some(Err((k, s, pid))), Some(w)) = (bad, want) {
                        if s == w && k >= INLINE_NODE {
                            let lsn = s * self.size as u64 + pos as u64;
                            self.pages
                                .entry(pid)
                                .or_default()
                                .push((lsn, Frag::Damaged));
                        }
                    }
                    self.out
                        .damaged
                        .push((base + pos as u64, (next - pos) as u64));
                    pos = next;
                }
            }
        }
    }
}

/// Records with the log position that wrote them (the newest wins), and
/// whether their page was read from an older copy.
type Newest = BTreeMap<Vec<u8>, (u64, Vec<u8>, bool)>;

/// The newest readable base of a page; `None` when the page was freed or no
/// base reads. `stale` when a newer version of it was unreadable.
fn newest_base(frags: &[(u64, Frag)]) -> (Option<usize>, bool, bool) {
    let mut stale = false;
    for (i, (_, f)) in frags.iter().enumerate().rev() {
        match f {
            Frag::Base(_) => return (Some(i), stale, false),
            Frag::Free => return (None, stale, true),
            Frag::Damaged => stale = true,
            _ => {}
        }
    }
    (None, stale, false)
}

impl Reader<'_> {
    /// A page's records: its newest readable base, then the links after it.
    fn page(&mut self, mut frags: Vec<(u64, Frag)>, into: &mut Newest) {
        frags.sort_by_key(|(lsn, _)| *lsn);
        let (base, stale, freed) = newest_base(&frags);
        let Some(b) = base else {
            // Freed: its records live on in another page. Else nothing read.
            if !freed || stale {
                self.out.lost_pages += 1;
            }
            return;
        };
        if stale {
            self.out.stale_pages += 1;
        }
        let (lsn, Frag::Base(leaf)) = &frags[b] else {
            unreachable!("newest_base returns a base")
        };
        let full = |k: &[u8]| [leaf.prefix.as_slice(), k].concat();
        let mut page: Newest = BTreeMap::new();
        for (k, v) in &leaf.pairs {
            page.insert(full(k), (*lsn, v.clone(), stale));
        }
        for (lsn, f) in &frags[b + 1..] {
            match f {
                Frag::Set(k, v) => {
                    page.insert(full(k), (*lsn, v.clone(), stale));
                }
                Frag::Del(k) => {
                    page.remove(&full(k));
                }
                _ => {}
            }
        }
        for (k, (lsn, v, stale)) in page {
            match into.get(&k) {
                Some((old, _, _)) if *old > lsn => {}
                _ => {
                    into.insert(k, (lsn, v, stale));
                }
            }
        }
    }
}

/// Reads every record the log of the sled directory `dir` still holds.
/// Touches nothing: the files are only read.
pub fn read(dir: &Path) -> std::io::Result<Salvaged> {
    let log = std::fs::read(dir.join("db"))?;
    let size = segment_size(dir);
    let mut r = Reader {
        dir,
        size,
        pages: HashMap::new(),
        out: Salvaged::default(),
    };
    for (i, seg) in log.chunks(size).enumerate() {
        r.segment((i * size) as u64, seg);
    }
    let mut newest = Newest::new();
    for (_, frags) in std::mem::take(&mut r.pages) {
        r.page(frags, &mut newest);
    }
    for (k, (_, v, stale)) in newest {
        if stale {
            r.out.stale.insert(k.clone());
        }
        r.out.pairs.insert(k, v);
    }
    Ok(r.out)
}
