//! What a salvage of a damaged store loses, told from what the store is
//! known to have held (issue 23 #5): its tally (`store::tally`: records per
//! table, each table's keys as an invertible set, the highest audit seq
//! ever issued, the seqs recorded lost before), against the records a
//! repair keeps. Per kind of record: how many the store held, how many are
//! kept, how many are lost and how many came back from an older copy of
//! their page (removed since), which audit seqs are lost, and by name the
//! lost users, groups, org units, tenants, workspaces and items that other
//! records name. While the differences are few, the sets tell them exactly
//! (`exact`); beyond, the counts are net and the report says so. Nothing is
//! reported lost that a repair keeps, and no kind loses records without a
//! line saying so.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::*;
use crate::store::codec::decode;
use crate::store::iblt::{key_hash, Iblt};
use crate::store::keys;
use crate::store::salvage::Salvaged;
use crate::store::tally::{self, Tally};

type Pairs = BTreeMap<Vec<u8>, Vec<u8>>;

/// One kind of record: what the store held and what a repair keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loss {
    /// users, groups, audit entries, …
    pub kind: String,
    /// How many the store held, by its tally (`None`: it kept none).
    pub held: Option<u64>,
    /// How many a repair keeps.
    pub kept: u64,
    /// How many the store held that a repair does not keep.
    pub lost: u64,
    /// How many a repair keeps that the store no longer held: an older copy
    /// of their page brought back records removed since.
    pub extra: u64,
    /// `lost` and `extra` are told record by record (the tally's sets);
    /// else they are net counts, and more may have been lost and come back.
    pub exact: bool,
    /// More records differ than the sets can tell (the counts are net).
    pub differs: bool,
    /// Kept records read from an older copy of their page: they may have
    /// changed since.
    pub stale: u64,
    /// The lost ones by name, where other records name them.
    pub names: Vec<String>,
    /// The ones that came back, by name (users, groups, org units,
    /// tenants; workspaces and items by id).
    pub came_back: Vec<String>,
    /// Audit entries: the seqs lost, as inclusive ranges.
    pub seqs: Vec<(u64, u64)>,
    /// Items: kept, but cut off (a folder above them, or their space, is
    /// lost), so that no command reaches them.
    pub cut_off: u64,
}

/// The kinds of record a store holds (its indexes are rebuilt from them).
pub const KINDS: &[(u8, &str)] = &[
    (keys::USER, "users"),
    (keys::GROUP, "groups"),
    (keys::GROUP_MEMBER, "group memberships"),
    (keys::ORG, "org units"),
    (keys::ORG_MEMBER, "org unit memberships"),
    (keys::TENANT, "tenants"),
    (keys::WORKSPACE, "workspaces"),
    (keys::ROLE, "workspace roles"),
    (keys::ITEM, "items"),
    (keys::ASSET, "assets"),
    (keys::GRANT, "grants"),
    (keys::INTEG, "integrations"),
    (keys::AUDIT, "audit entries"),
    (keys::AUDIT_DETAIL, "audit details"),
    (keys::AUDIT_ACCESS, "access records"),
];

/// Per kind, what the store held (`truth`) against what the repair keeps
/// (`kept`: the fresh store's records, the repair's own entry aside);
/// `lost_seqs`: the audit seqs the check found lost (used where the store
/// kept no tally).
pub fn losses(
    truth: Option<&Tally>,
    read: &Salvaged,
    kept: &Pairs,
    lost_seqs: &[(u64, u64)],
) -> Vec<Loss> {
    let refs = references(read);
    KINDS
        .iter()
        .map(|(table, kind)| {
            let mut l = kind_loss(truth, read, kept, *table, &refs);
            l.kind = kind.to_string();
            if *table == keys::AUDIT {
                l.seqs = seqs_lost(truth, read, kept, lost_seqs);
            }
            if *table == keys::ITEM {
                l.cut_off = cut_off(kept);
            }
            l
        })
        .collect()
}

/// Records named by other records: per table, the key of the named record
/// and how it is shown, with whether the naming record was read whole.
type Refs = BTreeMap<u8, BTreeMap<Vec<u8>, (String, bool)>>;

/// One kind: exactly, from the tally's set, where it can tell; else net.
fn kind_loss(truth: Option<&Tally>, read: &Salvaged, kept: &Pairs, table: u8, refs: &Refs) -> Loss {
    let mine: Vec<&Vec<u8>> = kept
        .range(vec![table]..vec![table + 1])
        .map(|(k, _)| k)
        .collect();
    let count = mine.len() as u64;
    let held = truth.map(|t| t.count(table));
    let set = truth.and_then(|t| t.set(table));
    let diff = set
        .and_then(|s| s.difference(&Iblt::of(mine.iter().map(|k| k.as_slice()))))
        .filter(|(lost, back)| {
            held.map(|h| h as i64 - count as i64) == Some(lost.len() as i64 - back.len() as i64)
        });
    let named = refs.get(&table).cloned().unwrap_or_default();
    let mut l = Loss {
        kind: String::new(),
        held,
        kept: count,
        lost: held.map_or(0, |h| h.saturating_sub(count)),
        extra: held.map_or(0, |h| count.saturating_sub(h)),
        exact: diff.is_some(),
        differs: set.is_some() && diff.is_none(),
        stale: mine.iter().filter(|k| read.stale.contains(**k)).count() as u64,
        names: Vec::new(),
        came_back: Vec::new(),
        seqs: Vec::new(),
        cut_off: 0,
    };
    match diff {
        Some((lost, back)) => {
            let lost: BTreeSet<u64> = lost.into_iter().collect();
            let back: BTreeSet<u64> = back.into_iter().collect();
            (l.lost, l.extra) = (lost.len() as u64, back.len() as u64);
            l.names = named
                .iter()
                .filter(|(k, _)| lost.contains(&key_hash(k)))
                .map(|(_, (shown, _))| shown.clone())
                .collect();
            l.came_back = mine
                .iter()
                .filter(|k| back.contains(&key_hash(k)))
                .filter_map(|k| shown(k))
                .collect();
        }
        None => {
            // Net counts: names only from records read whole, and only
            // when there are no more of them than losses.
            let names: Vec<String> = named
                .iter()
                .filter(|(k, (_, whole))| *whole && !kept.contains_key(*k))
                .map(|(_, (shown, _))| shown.clone())
                .collect();
            if held.is_none() || names.len() as u64 <= l.lost {
                l.names = names;
            }
        }
    }
    l
}

/// How a record is named in a report, from its key.
fn shown(k: &[u8]) -> Option<String> {
    let text = || String::from_utf8(k[1..].to_vec()).ok();
    match k[0] {
        keys::USER | keys::GROUP | keys::ORG | keys::TENANT => text(),
        keys::WORKSPACE | keys::ITEM if k.len() == 9 => Some(keys::tail_u64(k).to_string()),
        _ => None,
    }
}

/// The audit seqs issued and neither kept nor recorded lost before (`found`:
/// what the check found lost, where the store kept no tally).
fn seqs_lost(
    truth: Option<&Tally>,
    read: &Salvaged,
    kept: &Pairs,
    found: &[(u64, u64)],
) -> Vec<(u64, u64)> {
    let Some(t) = truth else {
        return found.to_vec();
    };
    let recorded: Vec<(u64, u64)> = read
        .pairs
        .get(&tally::gaps_key())
        .and_then(|v| decode::<Vec<(u64, u64)>>(v, "audit gaps").ok())
        .unwrap_or_default();
    let before = tally::merged([recorded, t.gaps.clone()].concat());
    tally::ranges_of(
        (1..=t.max_seq)
            .filter(|s| !kept.contains_key(&keys::audit(*s)) && !tally::in_ranges(&before, *s)),
    )
}

/// Kept items no command reaches: their chain of parents meets an item
/// that is not kept, or ends in a space that is gone (its workspace, or the
/// role of the My Creations' owner, is not kept).
fn cut_off(kept: &Pairs) -> u64 {
    let items: BTreeMap<ItemId, Item> = kept
        .range(vec![keys::ITEM]..vec![keys::ITEM + 1])
        .filter_map(|(_, v)| decode::<Item>(v, "item").ok())
        .map(|it| (it.id, it))
        .collect();
    let space_there = |s: &SpaceRef| {
        kept.contains_key(&keys::workspace(s.ws))
            && s.my_owner()
                .is_none_or(|o| kept.contains_key(&keys::role(s.ws, o)))
    };
    let reached = |it: &Item| {
        let mut cur = it;
        for _ in 0..=items.len() {
            match cur.parent {
                None => return space_there(&cur.space),
                Some(p) => match items.get(&p) {
                    None => return false,
                    Some(up) => cur = up,
                },
            }
        }
        false
    };
    items.values().filter(|it| !reached(it)).count() as u64
}

/// The records other records name, as the salvage read them: users,
/// groups, org units and tenants by name, workspaces by their name index
/// entry, items by their children index entry.
fn references(read: &Salvaged) -> Refs {
    let mut refs: Refs = BTreeMap::new();
    for (k, v) in &read.pairs {
        let whole = !read.stale.contains(k);
        refers_to(k, v, &mut |key: Vec<u8>, shown: String| {
            if !shown.is_empty() {
                let e = refs
                    .entry(key[0])
                    .or_default()
                    .entry(key)
                    .or_insert((shown, whole));
                e.1 |= whole;
            }
        });
    }
    refs
}

/// The records one record names: `add(key of the named record, how it is shown)`.
fn refers_to(k: &[u8], v: &[u8], add: &mut impl FnMut(Vec<u8>, String)) {
    let body = &k[1..];
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap_or_default();
    let pair = || {
        let z = body.iter().position(|b| *b == 0)?;
        Some((&body[..z], &body[z + 1..]))
    };
    match k[0] {
        keys::GROUP_MEMBER | keys::USER_GROUP | keys::ORG_MEMBER | keys::USER_ORG => {
            let Some((a, b)) = pair() else { return };
            let by_set = matches!(k[0], keys::GROUP_MEMBER | keys::ORG_MEMBER);
            let (set, login) = if by_set { (a, b) } else { (b, a) };
            let groups = matches!(k[0], keys::GROUP_MEMBER | keys::USER_GROUP);
            let set_table = if groups { keys::GROUP } else { keys::ORG };
            add(keys::k(set_table, &[set]), text(set));
            add(keys::user(&text(login)), text(login));
        }
        keys::ROLE if body.len() > 8 => add(keys::user(&text(&body[8..])), text(&body[8..])),
        keys::USER_WS => {
            if let Some((login, _)) = pair() {
                add(keys::user(&text(login)), text(login));
            }
        }
        keys::SUBJECT_GRANT => {
            let Some((&kind, rest)) = body.split_first() else {
                return;
            };
            let Some(z) = rest.iter().position(|b| *b == 0) else {
                return;
            };
            let table = match kind {
                b'u' => keys::USER,
                b'g' => keys::GROUP,
                b'o' => keys::ORG,
                b't' => keys::TENANT,
                _ => return,
            };
            add(keys::k(table, &[&rest[..z]]), text(&rest[..z]));
        }
        keys::WS_NAME => {
            if let Ok(id) = decode::<WsId>(v, "workspace id") {
                add(keys::workspace(id), format!("{id} '{}'", text(body)));
            }
        }
        keys::CHILD => {
            if let (Some((_, _, name)), Ok(id)) =
                (keys::parse_child(k), decode::<ItemId>(v, "child index"))
            {
                add(keys::item(id), format!("{id} '{name}'"));
            }
        }
        keys::USER => {
            if let Some(t) = decode::<User>(v, "user").ok().and_then(|u| u.tenant) {
                add(keys::tenant(&t), t);
            }
        }
        keys::ORG => {
            if let Some(p) = decode::<OrgUnit>(v, "org unit").ok().and_then(|o| o.parent) {
                add(keys::org(&p), p);
            }
        }
        _ => {}
    }
}

/// The `lost:` lines of a doctor report: a line per kind that lost records,
/// got some back from an older copy, or has some cut off; or one line
/// saying nothing is lost.
pub fn lines(truth: Option<&Tally>, read: &Salvaged, losses: &[Loss]) -> Vec<String> {
    let mut out = Vec::new();
    match truth {
        None => out.push(
            "the store kept no tally of its records (written by an older treeward): how many are lost cannot be counted".into(),
        ),
        Some(t) => {
            let newest_read = read
                .pairs
                .range(keys::audit(0)..keys::audit(u64::MAX))
                .next_back()
                .map(|(k, _)| keys::tail_u64(k))
                .unwrap_or(0);
            if newest_read > t.max_seq {
                out.push(format!(
                    "the tally kept with the store counts audit entries up to {}, but entries up to {newest_read} were read: what changed after it cannot be counted",
                    t.max_seq
                ));
            }
        }
    }
    for l in losses {
        out.extend(kind_lines(l));
    }
    if out.is_empty() {
        out.push(format!(
            "nothing: every record the store held (by the tally kept with it, {} changes) is kept",
            truth.map_or(0, |t| t.generation)
        ));
    }
    out
}

fn kind_lines(l: &Loss) -> Vec<String> {
    let mut out = Vec::new();
    let list = |v: &[String]| {
        if v.is_empty() {
            String::new()
        } else {
            format!(": {}", v.join(", "))
        }
    };
    let seqs = if l.seqs.is_empty() {
        String::new()
    } else {
        format!(" (seqs {})", tally::show_ranges(&l.seqs))
    };
    // Net counts may hide records lost in exchange for others that came back.
    let net = if l.exact {
        ""
    } else {
        " at least (counted, not told one by one)"
    };
    if l.lost > 0 {
        out.push(format!(
            "{}: {} of {} lost{net}{seqs}{}",
            l.kind,
            l.lost,
            l.held.unwrap_or(0),
            list(&l.names)
        ));
    } else if l.held.is_none() && (!l.names.is_empty() || !l.seqs.is_empty()) {
        out.push(format!("{}: lost{seqs}{}", l.kind, list(&l.names)));
    }
    if l.extra > 0 {
        out.push(format!(
            "{}: {} came back that had been removed (an older copy of their page was read){}",
            l.kind,
            l.extra,
            list(&l.came_back)
        ));
    }
    if l.differs {
        out.push(format!(
            "{}: more records differ from those the store held than can be told one by one: the counts are net, and records made, changed or removed since an older copy of their page may be lost or back",
            l.kind
        ));
    }
    if l.stale > 0 {
        out.push(format!(
            "{}: {} of those kept were read from an older copy of their page: they may have changed since",
            l.kind, l.stale
        ));
    }
    if l.cut_off > 0 {
        out.push(format!(
            "{}: {} kept but cut off (a folder above them, or their space, is lost): no command reaches them",
            l.kind, l.cut_off
        ));
    }
    out
}

/// What is lost for good, in a few words: `users 1 (erin), audit entries
/// 30 (seqs 33-62)`; `None` when nothing is known lost.
pub fn summary(losses: &[Loss]) -> Option<String> {
    let parts: Vec<String> = losses
        .iter()
        .filter(|l| l.lost > 0 || (l.held.is_none() && !l.seqs.is_empty()))
        .map(|l| {
            let mut p = format!("{} {}", l.kind, l.lost);
            if !l.names.is_empty() {
                p.push_str(&format!(" ({})", l.names.join(", ")));
            }
            if !l.seqs.is_empty() {
                p.push_str(&format!(" (seqs {})", tally::show_ranges(&l.seqs)));
            }
            p
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}
