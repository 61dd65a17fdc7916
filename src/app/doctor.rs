//! `treeward doctor [--repair]`: checks a store's invariants and, with
//! `--repair`, fixes what is safe after writing a backup.
//!
//! Every record is read raw and decoded here (a record that does not decode
//! is a problem to report, not an error that stops the check). Indexes are
//! recomputed from the records they index and compared with what is stored:
//! children ↔ items, subject-grants ↔ grants, integration uses ↔ apps,
//! audit item index ↔ audit entries, memberships ↔ their reverse indexes,
//! workspace names ↔ workspaces. Structural rules are checked on the items:
//! R1 sibling names, no cycles, parents exist and are folders of the same
//! space, My Creations items owned by the space owner.
//!
//! Safe to repair (one transaction): dropping dangling index entries and
//! re-adding missing ones from the records, dropping grants and assets of
//! items that no longer exist, grants and memberships naming subjects that no
//! longer exist, and raising id/sequence counters. Not repaired (needs a
//! person, or a backup): records that do not decode, cycles, missing parents,
//! R1 clashes, wrong owners. A store with undecodable records is not
//! repaired at all: index entries pointing at them cannot be told from
//! dangling ones.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::*;
use crate::store::codec::{decode, encode};
use crate::store::tally::{self, Tally};
use crate::store::{keys, Kv, PAGE};

/// One problem found: a line for people, and the fix when it is safe.
#[derive(Debug, Clone)]
pub struct Problem {
    pub text: String,
    pub fix: Vec<Fix>,
}

#[derive(Debug, Clone)]
pub enum Fix {
    Put(Vec<u8>, Vec<u8>),
    Del(Vec<u8>),
}

/// What `doctor` found and did.
#[derive(Debug, Default)]
pub struct Report {
    pub records: usize,
    pub problems: Vec<Problem>,
    /// Fixes applied by `--repair`.
    pub repaired: usize,
    /// Problems left after a repair (the store re-checked).
    pub remaining: Vec<Problem>,
    pub backup: Option<PathBuf>,
    /// What an unfinished load left, in words: the store is not an account.
    pub incomplete: Option<String>,
}

impl Report {
    pub fn clean(&self) -> bool {
        if self.incomplete.is_some() {
            return false;
        }
        if self.repaired > 0 || self.backup.is_some() {
            self.remaining.is_empty()
        } else {
            self.problems.is_empty()
        }
    }
}

fn show_key(k: &[u8]) -> String {
    let mut s = String::new();
    for &b in k {
        if b.is_ascii_graphic() || b == b' ' {
            s.push(b as char);
        } else {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    text::escape(&s)
}

pub(crate) fn table_name(t: u8) -> &'static str {
    match t {
        keys::META => "meta",
        keys::USER => "user",
        keys::GROUP => "group",
        keys::GROUP_MEMBER => "group member",
        keys::USER_GROUP => "user-group index",
        keys::ORG => "org unit",
        keys::ORG_MEMBER => "org member",
        keys::USER_ORG => "user-org index",
        keys::TENANT => "tenant",
        keys::WORKSPACE => "workspace",
        keys::WS_NAME => "workspace name index",
        keys::ROLE => "role",
        keys::USER_WS => "user-workspace index",
        keys::ITEM => "item",
        keys::CHILD => "children index",
        keys::ASSET => "asset",
        keys::GRANT => "grant",
        keys::SUBJECT_GRANT => "subject-grant index",
        keys::INTEG => "integration",
        keys::INTEG_USE => "integration-use index",
        keys::AUDIT => "audit entry",
        keys::AUDIT_ITEM => "audit item index",
        keys::AUDIT_DETAIL => "audit detail",
        keys::AUDIT_ACCESS => "audit access record",
        _ => "unknown table",
    }
}

/// Every pair of the store, read page by page.
pub(crate) fn all_pairs(kv: &dyn Kv) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = kv.scan(&[], after.as_deref(), PAGE)?;
        let n = page.len();
        after = page.last().map(|(k, _)| k.clone());
        out.extend(page);
        if n < PAGE {
            return Ok(out);
        }
    }
}

/// The pairs of one table, by key.
type Pairs = BTreeMap<Vec<u8>, Vec<u8>>;

/// A store's pairs by table (a key's first byte).
struct Tables(BTreeMap<u8, Pairs>);

impl Tables {
    /// The pairs of one table; none when the store holds none.
    fn get(&self, table: u8) -> &Pairs {
        static NONE: Pairs = BTreeMap::new();
        self.0.get(&table).unwrap_or(&NONE)
    }
}

struct Checker {
    problems: Vec<Problem>,
    undecodable: Vec<Vec<u8>>,
}

impl Checker {
    fn report(&mut self, text: String, fix: Vec<Fix>) {
        self.problems.push(Problem { text, fix });
    }
    fn dec<T: DeserializeOwned>(&mut self, k: &[u8], v: &[u8]) -> Option<T> {
        match decode::<T>(v, table_name(k[0])) {
            Ok(t) => Some(t),
            Err(e) => {
                self.undecodable.push(k.to_vec());
                self.report(
                    format!("record {} does not decode: {}", show_key(k), e.message),
                    vec![],
                );
                None
            }
        }
    }
    /// Decodes each record of a table in key order, and hands the ones that
    /// decode to `keep` with their key.
    fn decode_each<T: DeserializeOwned>(
        &mut self,
        pairs: &Pairs,
        mut keep: impl FnMut(&mut Self, &Vec<u8>, T),
    ) {
        for (k, v) in pairs {
            if let Some(x) = self.dec::<T>(k, v) {
                keep(self, k, x);
            }
        }
    }
    /// Compares stored index entries with the expected ones: extras are
    /// dropped, missing ones re-added.
    fn index(&mut self, what: &str, stored: &Pairs, expected: &Pairs) {
        for (k, v) in stored {
            match expected.get(k) {
                None => self.report(
                    format!("{what}: dangling entry {}", show_key(k)),
                    vec![Fix::Del(k.clone())],
                ),
                Some(want) if want != v => self.report(
                    format!("{what}: entry {} points at the wrong record", show_key(k)),
                    vec![Fix::Put(k.clone(), want.clone())],
                ),
                _ => {}
            }
        }
        for (k, v) in expected {
            if !stored.contains_key(k) {
                self.report(
                    format!("{what}: missing entry {}", show_key(k)),
                    vec![Fix::Put(k.clone(), v.clone())],
                );
            }
        }
    }
    /// What the check found, once every check has run.
    fn found(self, records: usize, r: &Records, lost_seqs: Vec<(u64, u64)>) -> Found {
        let mut problems = self.problems;
        if !self.undecodable.is_empty() {
            // Fixes cannot be trusted while records are unreadable.
            for p in &mut problems {
                p.fix.clear();
            }
        }
        Found {
            records,
            problems,
            undecodable: self.undecodable,
            next_seq: r.next_seq,
            next_id: r.next_id,
            lost_seqs,
            gaps: r.gaps.clone(),
        }
    }
}

/// What a check found: records read, problems, the keys of records that do
/// not decode, and the first free audit seq and item/workspace id.
pub struct Found {
    pub records: usize,
    pub problems: Vec<Problem>,
    pub undecodable: Vec<Vec<u8>>,
    /// Past every seq ever issued (the counter, the entries, the tally):
    /// a seq is never handed out twice, even after a loss.
    pub next_seq: u64,
    pub next_id: u64,
    /// Audit seqs issued and not found (nor recorded lost before).
    pub lost_seqs: Vec<(u64, u64)>,
    /// Audit seqs recorded lost before.
    pub gaps: Vec<(u64, u64)>,
}

/// The records that decode, which the indexes and references are checked
/// against.
#[derive(Default)]
struct Records {
    users: BTreeMap<String, User>,
    groups: BTreeSet<String>,
    orgs: BTreeMap<String, OrgUnit>,
    tenants: BTreeSet<String>,
    wss: BTreeMap<WsId, Workspace>,
    items: BTreeMap<ItemId, Item>,
    integs: BTreeSet<(WsId, String)>,
    /// Each role record's key, with the workspace and login it names.
    roles: BTreeMap<Vec<u8>, (WsId, String)>,
    /// The audit item index the audit entries call for.
    audit_items: Pairs,
    /// The seqs of the audit entries stored.
    audit_seqs: BTreeSet<u64>,
    /// Audit seqs recorded lost by an earlier repair.
    gaps: Vec<(u64, u64)>,
    /// The first free audit seq: past the stored counter and every entry.
    next_seq: u64,
    /// The first free item/workspace id.
    next_id: u64,
}

impl Records {
    fn subject_exists(&self, s: &Subject) -> bool {
        match s {
            Subject::User(l) => self.users.contains_key(l),
            Subject::Group(n) => self.groups.contains(n),
            Subject::Org(n) => self.orgs.contains_key(n),
            Subject::Tenant(n) => self.tenants.contains(n),
        }
    }
}

/// Checks every invariant; reads the whole store (doctor only).
pub fn check(store: &Store) -> Result<Found> {
    let tally = store.kv().tally();
    Ok(check_pairs_with(all_pairs(store.kv())?, tally.as_ref()))
}

/// Checks every invariant of a store's pairs (read from it, or salvaged).
pub fn check_pairs(pairs: Vec<(Vec<u8>, Vec<u8>)>) -> Found {
    check_pairs_with(pairs, None)
}

/// Like [`check_pairs`], with what the store's tally knows of its audit
/// log (the highest seq ever issued, the seqs recorded lost).
pub fn check_pairs_with(pairs: Vec<(Vec<u8>, Vec<u8>)>, known: Option<&Tally>) -> Found {
    let records = pairs.len();
    let mut c = Checker {
        problems: Vec::new(),
        undecodable: Vec::new(),
    };
    let t = by_table(&mut c, pairs);
    let mut r = read_records(&mut c, &t);
    let lost_seqs = check_audit_seqs(&mut c, &mut r, known);
    check_hierarchy(&mut c, &r);
    check_indexes(&mut c, &t, &r);
    c.found(records, &r, lost_seqs)
}

/// Every audit seq issued is stored, or was recorded lost by a repair:
/// the others are reported lost (the repair records them, and its own
/// entry goes past the highest seq ever issued, R32).
fn check_audit_seqs(c: &mut Checker, r: &mut Records, known: Option<&Tally>) -> Vec<(u64, u64)> {
    if let Some(k) = known {
        r.next_seq = r.next_seq.max(k.max_seq + 1);
        r.gaps = tally::merged([r.gaps.clone(), k.gaps.clone()].concat());
    }
    let issued = r.next_seq - 1;
    let missing = tally::ranges_of(
        (1..=issued).filter(|s| !r.audit_seqs.contains(s) && !tally::in_ranges(&r.gaps, *s)),
    );
    if !missing.is_empty() {
        let n: u64 = missing.iter().map(|(a, b)| b - a + 1).sum();
        let gaps = tally::merged([r.gaps.clone(), missing.clone()].concat());
        c.report(
            format!(
                "audit entries lost: seqs {} ({n} of the {issued} issued); a repair records them as lost",
                tally::show_ranges(&missing)
            ),
            vec![Fix::Put(tally::gaps_key(), encode(&gaps))],
        );
    }
    missing
}

/// The pairs by table; an empty key belongs to none and is reported.
fn by_table(c: &mut Checker, pairs: Vec<(Vec<u8>, Vec<u8>)>) -> Tables {
    let mut tables: BTreeMap<u8, Pairs> = BTreeMap::new();
    for (k, v) in pairs {
        if k.is_empty() {
            c.report("an empty key".into(), vec![]);
            continue;
        }
        tables.entry(k[0]).or_default().insert(k, v);
    }
    Tables(tables)
}

// ---- records ----

/// Decodes every record, and checks what the records tell on their own:
/// keys that match their record, the meta records, known tables.
fn read_records(c: &mut Checker, t: &Tables) -> Records {
    let mut r = Records::default();
    read_directory(c, t, &mut r);
    c.decode_each(t.get(keys::WORKSPACE), |_, _, w: Workspace| {
        r.wss.insert(w.id, w);
    });
    r.items = read_items(c, t);
    c.decode_each(t.get(keys::INTEG), |_, _, i: Integration| {
        r.integs.insert((i.ws, i.name));
    });
    let max_seq = read_audit(c, t, &mut r.audit_items, &mut r.audit_seqs);
    let ids = r.items.keys().chain(r.wss.keys());
    r.next_id = ids.max().copied().unwrap_or(0) + 1;
    r.next_seq = check_meta(c, t, &r.users, r.next_id, max_seq).max(max_seq + 1);
    r.gaps = t
        .get(keys::META)
        .get(&tally::gaps_key())
        .and_then(|v| decode::<Vec<(u64, u64)>>(v, "audit gaps").ok())
        .unwrap_or_default();
    // Decode the pair tables' values too: every record decodes.
    plain_records(c, t);
    r.roles = read_roles(c, t);
    for (k, v) in t.get(keys::CHILD) {
        c.dec::<ItemId>(k, v);
    }
    unknown_tables(c, t);
    account_there(c, t);
    r
}

/// Records of an account need its account record (a store a load is
/// filling, or left unfinished, has none yet: `store::load`).
fn account_there(c: &mut Checker, t: &Tables) {
    let meta = t.get(keys::META);
    let records = t.0.keys().any(|table| *table != keys::META);
    if records
        && !meta.contains_key(&keys::meta("account"))
        && !meta.contains_key(&crate::store::load::key())
    {
        c.report(
            "the account record is missing: the store's records belong to no account (restore a backup)".into(),
            vec![],
        );
    }
}

/// Users, groups, org units and tenants.
fn read_directory(c: &mut Checker, t: &Tables, r: &mut Records) {
    c.decode_each(t.get(keys::USER), |_, _, u: User| {
        r.users.insert(u.login.clone(), u);
    });
    c.decode_each(t.get(keys::GROUP), |_, _, g: Group| {
        r.groups.insert(g.name);
    });
    c.decode_each(t.get(keys::ORG), |_, _, o: OrgUnit| {
        r.orgs.insert(o.name.clone(), o);
    });
    c.decode_each(t.get(keys::TENANT), |_, _, x: Tenant| {
        r.tenants.insert(x.name);
    });
}

/// The items, each of which must be stored under its own id.
fn read_items(c: &mut Checker, t: &Tables) -> BTreeMap<ItemId, Item> {
    let mut items = BTreeMap::new();
    c.decode_each(t.get(keys::ITEM), |c, k, it: Item| {
        if keys::item(it.id) != *k {
            c.report(
                format!("item record {} holds item {}", show_key(k), it.id),
                vec![],
            );
        }
        items.insert(it.id, it);
    });
    items
}

/// The audit entries, each of which must be stored under its own seq: adds
/// the audit item index they call for, and returns the highest seq.
fn read_audit(
    c: &mut Checker,
    t: &Tables,
    audit_items: &mut Pairs,
    seqs: &mut BTreeSet<u64>,
) -> u64 {
    let mut max_seq = 0;
    c.decode_each(t.get(keys::AUDIT), |c, k, e: AuditEntry| {
        seqs.insert(e.seq);
        if keys::audit(e.seq) != *k {
            c.report(
                format!("audit entry {} holds seq {}", show_key(k), e.seq),
                vec![],
            );
        }
        max_seq = max_seq.max(e.seq);
        if let Some(item) = e.item {
            audit_items.insert(keys::audit_item(item, e.seq), unit());
        }
    });
    max_seq
}

/// The meta records: the account's owner is a user, and the counters are
/// past what is stored. Returns the stored next seq (1 when there is none).
fn check_meta(
    c: &mut Checker,
    t: &Tables,
    users: &BTreeMap<String, User>,
    next_id: u64,
    max_seq: u64,
) -> u64 {
    let mut next_seq = 1;
    for (k, v) in t.get(keys::META) {
        match &k[1..] {
            b"magic" => {}
            b"schema" => {
                c.dec::<u32>(k, v);
            }
            b"account" => {
                if let Some(a) = c.dec::<Account>(k, v) {
                    if !users.contains_key(&a.owner) {
                        c.report(
                            format!(
                                "the account owner '{}' is not a user",
                                text::escape(&a.owner)
                            ),
                            vec![],
                        );
                    }
                }
            }
            b"next_id" => {
                check_counter(c, k, v, next_id);
            }
            b"next_seq" => {
                if let Some(n) = check_counter(c, k, v, max_seq + 1) {
                    next_seq = n;
                }
            }
            b"audit_gaps" => {
                c.dec::<Vec<(u64, u64)>>(k, v);
            }
            b"tally" => {
                c.dec::<Tally>(k, v);
            }
            b"loading" => {
                c.dec::<crate::store::load::Loading>(k, v);
            }
            _ => {}
        }
    }
    next_seq
}

/// A counter below `need` would hand out a used id or seq: it is raised.
/// Returns the stored value.
fn check_counter(c: &mut Checker, k: &[u8], v: &[u8], need: u64) -> Option<u64> {
    let n = c.dec::<u64>(k, v)?;
    if n < need {
        c.report(
            format!(
                "counter {} is {n}, below {need}: a new record would overwrite an old one",
                show_key(&k[1..])
            ),
            vec![Fix::Put(k.to_vec(), encode(&need))],
        );
    }
    Some(n)
}

/// Records that only need to decode: the indexes (unit values), the
/// workspace names, and what is kept beside audit entries.
fn plain_records(c: &mut Checker, t: &Tables) {
    for tb in [
        keys::GROUP_MEMBER,
        keys::USER_GROUP,
        keys::ORG_MEMBER,
        keys::USER_ORG,
        keys::USER_WS,
        keys::SUBJECT_GRANT,
        keys::INTEG_USE,
        keys::AUDIT_ITEM,
    ] {
        for (k, v) in t.get(tb) {
            c.dec::<()>(k, v);
        }
    }
    for (k, v) in t.get(keys::WS_NAME) {
        c.dec::<WsId>(k, v);
    }
    for (k, v) in t.get(keys::AUDIT_DETAIL) {
        c.dec::<super::audit::Detail>(k, v);
    }
    for (k, v) in t.get(keys::AUDIT_ACCESS) {
        c.dec::<super::audit::AccessRecord>(k, v);
    }
}

/// The role records, by key, with the workspace and login their key names.
fn read_roles(c: &mut Checker, t: &Tables) -> BTreeMap<Vec<u8>, (WsId, String)> {
    let mut roles = BTreeMap::new();
    c.decode_each(t.get(keys::ROLE), |_, k, _: Roles| {
        if k.len() >= 9 {
            let ws = u64::from_be_bytes(k[1..9].try_into().unwrap());
            roles.insert(
                k.clone(),
                (ws, String::from_utf8_lossy(&k[9..]).into_owned()),
            );
        }
    });
    roles
}

/// Records whose table treeward does not know.
fn unknown_tables(c: &mut Checker, t: &Tables) {
    for tb in t.0.keys() {
        if table_name(*tb) == "unknown table" {
            c.report(
                format!("records of an unknown table {:?}", *tb as char),
                vec![],
            );
        }
    }
}

// ---- structure of the hierarchy ----

/// Each item's place in the hierarchy, and R1 among siblings.
fn check_hierarchy(c: &mut Checker, r: &Records) {
    let mut siblings: HashMap<(Parent, String), Vec<ItemId>> = HashMap::new();
    for it in r.items.values() {
        check_item_place(c, r, it);
        siblings
            .entry((Parent::of(it), it.name.trim().to_string()))
            .or_default()
            .push(it.id);
    }
    for ((_, name), ids) in &siblings {
        if ids.len() > 1 {
            c.report(
                format!(
                    "R1: siblings {ids:?} share the name '{}'",
                    text::escape(name)
                ),
                vec![],
            );
        }
    }
}

/// An item's workspace exists, a My Creations item is its owner's, its
/// parent is a folder of its space, and its chain of parents ends.
fn check_item_place(c: &mut Checker, r: &Records, it: &Item) {
    let at = format!("item {} '{}'", it.id, text::escape(&it.name));
    if !r.wss.contains_key(&it.space.ws) {
        c.report(
            format!("{at}: its workspace {} does not exist", it.space.ws),
            vec![],
        );
    }
    if let Some(owner) = it.space.my_owner() {
        if it.owner != owner {
            c.report(
                format!(
                    "{at}: in {}'s My Creations but owned by '{}'",
                    text::escape(owner),
                    text::escape(&it.owner)
                ),
                vec![],
            );
        }
    }
    if let Some(pid) = it.parent {
        match r.items.get(&pid) {
            None => c.report(format!("{at}: its parent {pid} does not exist"), vec![]),
            Some(p) if p.kind != ItemKind::Folder => {
                c.report(format!("{at}: its parent {pid} is not a folder"), vec![])
            }
            Some(p) if p.space != it.space => c.report(
                format!("{at}: its parent {pid} is in another space"),
                vec![],
            ),
            _ => {}
        }
    }
    if parents_loop(&r.items, it) {
        c.report(format!("{at}: its chain of parents loops"), vec![]);
    }
}

/// No cycles: the walk up must end at a root.
fn parents_loop(items: &BTreeMap<ItemId, Item>, it: &Item) -> bool {
    let mut seen = BTreeSet::new();
    let mut cur = it.parent;
    while let Some(p) = cur {
        if !seen.insert(p) || p == it.id {
            return true;
        }
        cur = items.get(&p).and_then(|x| x.parent);
    }
    false
}

// ---- indexes, recomputed from the records ----

/// Every index against the records it indexes, and the records that name
/// other records.
fn check_indexes(c: &mut Checker, t: &Tables, r: &Records) {
    let children = r
        .items
        .values()
        .map(|it| {
            (
                keys::child(&Parent::of(it), it.kind, &it.name),
                encode(&it.id),
            )
        })
        .collect();
    c.index("children index", t.get(keys::CHILD), &children);
    check_grants(c, t, r);
    check_assets(c, t, r);
    check_integration_uses(c, t, r);
    c.index("audit item index", t.get(keys::AUDIT_ITEM), &r.audit_items);
    let ws_names = r
        .wss
        .values()
        .map(|w| (keys::ws_name(&w.name), encode(&w.id)))
        .collect();
    c.index("workspace name index", t.get(keys::WS_NAME), &ws_names);
    check_roles(c, t, r);
    check_memberships(c, t, r);
    check_org_parents(c, r);
}

/// The value of every entry of the pair indexes.
fn unit() -> Vec<u8> {
    encode(&())
}

/// Grants on items or subjects that do not exist are dropped; the
/// subject-grant index is recomputed from the grants that stay.
fn check_grants(c: &mut Checker, t: &Tables, r: &Records) {
    let mut want_sg = BTreeMap::new();
    c.decode_each(t.get(keys::GRANT), |c, k, g: Grant| {
        match grant_problem(r, k, &g) {
            Some(w) => c.report(
                format!("grant {}: {w}", show_key(k)),
                vec![Fix::Del(k.clone())],
            ),
            None => {
                want_sg.insert(keys::subject_grant(&g.subject, g.item), unit());
            }
        }
    });
    c.index("subject-grant index", t.get(keys::SUBJECT_GRANT), &want_sg);
}

/// What is wrong with a grant stored under `k`, if anything.
fn grant_problem(r: &Records, k: &[u8], g: &Grant) -> Option<String> {
    if !r.items.contains_key(&g.item) {
        Some(format!("is on item {} that does not exist", g.item))
    } else if !r.subject_exists(&g.subject) {
        Some(format!("names {} that does not exist", g.subject))
    } else if keys::grant(g.item, &g.subject) != k {
        Some("is stored under the wrong key".to_string())
    } else {
        None
    }
}

/// Assets of apps that do not exist are dropped.
fn check_assets(c: &mut Checker, t: &Tables, r: &Records) {
    c.decode_each(t.get(keys::ASSET), |c, k, a: Asset| {
        match r.items.get(&a.app) {
            Some(app) if app.kind == ItemKind::App => {}
            _ => c.report(
                format!("asset {}: its app {} does not exist", show_key(k), a.app),
                vec![Fix::Del(k.clone())],
            ),
        }
    });
}

/// The integration-use index, from the integrations the items use; an
/// item using one that does not exist is reported.
fn check_integration_uses(c: &mut Checker, t: &Tables, r: &Records) {
    let mut want_use = BTreeMap::new();
    for it in r.items.values() {
        for name in &it.integrations {
            if r.integs.contains(&(it.space.ws, name.clone())) {
                want_use.insert(keys::integ_use(it.space.ws, name, it.id), unit());
            } else {
                c.report(
                    format!(
                        "item {} uses integration '{}' that does not exist",
                        it.id,
                        text::escape(name)
                    ),
                    vec![],
                );
            }
        }
    }
    c.index("integration-use index", t.get(keys::INTEG_USE), &want_use);
}

/// Roles: dangling when the user or workspace is gone; user-ws from roles.
fn check_roles(c: &mut Checker, t: &Tables, r: &Records) {
    let mut want_uws = BTreeMap::new();
    for (k, (ws, login)) in &r.roles {
        if !r.users.contains_key(login) || !r.wss.contains_key(ws) {
            c.report(
                format!("role {}: its user or workspace does not exist", show_key(k)),
                vec![Fix::Del(k.clone())],
            );
        } else {
            want_uws.insert(keys::user_ws(login, *ws), unit());
        }
    }
    c.index("user-workspace index", t.get(keys::USER_WS), &want_uws);
}

/// Memberships: the member tables are the records, the user tables their index.
fn check_memberships(c: &mut Checker, t: &Tables, r: &Records) {
    for (member, by_user, set_kind) in [
        (keys::GROUP_MEMBER, keys::USER_GROUP, "group"),
        (keys::ORG_MEMBER, keys::USER_ORG, "org unit"),
    ] {
        let set_exists = |n: &str| {
            if member == keys::GROUP_MEMBER {
                r.groups.contains(n)
            } else {
                r.orgs.contains_key(n)
            }
        };
        let mut want = BTreeMap::new();
        for k in t.get(member).keys() {
            let Some((set, login)) = membership_names(k) else {
                c.report(
                    format!("membership {} is malformed", show_key(k)),
                    vec![Fix::Del(k.clone())],
                );
                continue;
            };
            if !set_exists(&set) || !r.users.contains_key(&login) {
                c.report(
                    format!(
                        "membership {}: its {set_kind} or user does not exist",
                        show_key(k)
                    ),
                    vec![Fix::Del(k.clone())],
                );
            } else {
                want.insert(keys::pair(by_user, &login, &set), unit());
            }
        }
        c.index(table_name(by_user), t.get(by_user), &want);
    }
}

/// The group or unit and the login a membership key names.
fn membership_names(k: &[u8]) -> Option<(String, String)> {
    let body = &k[1..];
    let z = body.iter().position(|b| *b == 0)?;
    let set = String::from_utf8_lossy(&body[..z]).into_owned();
    let login = String::from_utf8_lossy(&body[z + 1..]).into_owned();
    Some((set, login))
}

/// Org units whose parent unit does not exist (not repaired).
fn check_org_parents(c: &mut Checker, r: &Records) {
    for o in r.orgs.values() {
        if let Some(p) = &o.parent {
            if !r.orgs.contains_key(p) {
                c.report(
                    format!(
                        "org unit '{}': its parent unit does not exist",
                        text::escape(&o.name)
                    ),
                    vec![],
                );
            }
        }
    }
}

/// Where a repair's backup goes by default: beside the store.
pub fn default_backup_dir(store_dir: &Path) -> PathBuf {
    let ts = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_else(|_| "backup".into());
    let name = store_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    store_dir.with_file_name(format!("{name}.before-repair-{ts}"))
}

/// R32: a repair is a change, and is logged.
pub(crate) fn repair_entry(seq: u64, target: String) -> AuditEntry {
    AuditEntry {
        seq,
        at: now(),
        actor: "treeward-doctor".into(),
        action: AuditAction::DoctorRepair.as_str().into(),
        target,
        item: None,
        ws: None,
        space: None,
        outcome: "ok".into(),
    }
}

impl App {
    /// `doctor`: checks, and with `repair`, backs up then fixes what is safe.
    pub fn doctor(&self, repair: bool, backup_dir: Option<&Path>) -> Result<Report> {
        // What a load left unfinished is not an account to check or repair:
        // it is cleared by the next load (`--clear-incomplete`).
        if let Some(u) = self.store.unfinished()? {
            return Ok(Report {
                records: all_pairs(self.store.kv())?.len(),
                incomplete: Some(u.describe(&self.store.label())),
                ..Default::default()
            });
        }
        let found = check(&self.store)?;
        let mut report = Report {
            records: found.records,
            problems: found.problems,
            ..Default::default()
        };
        if !repair || report.problems.is_empty() {
            return Ok(report);
        }
        let fixes: Vec<Fix> = report
            .problems
            .iter()
            .flat_map(|p| p.fix.iter().cloned())
            .collect();
        if fixes.is_empty() {
            report.remaining = report.problems.clone();
            return Ok(report);
        }
        let dir = match (backup_dir, self.store.dir()) {
            (Some(d), _) => d.to_path_buf(),
            (None, Some(sd)) => default_backup_dir(sd),
            (None, None) => std::env::temp_dir().join(format!(
                "treeward-backup-{}",
                time::OffsetDateTime::now_utc().unix_timestamp()
            )),
        };
        self.raw_backup(&dir)?;
        report.backup = Some(dir);
        let mut tx = self.store.begin()?;
        for f in &fixes {
            match f {
                Fix::Put(k, v) => tx.put_raw(k.clone(), v.clone()),
                Fix::Del(k) => tx.del(k.clone()),
            }
        }
        // R32: the repair is a change, and is logged. Its seq is chosen here,
        // past every seq ever issued, since the counter itself may be under
        // repair; seqs found lost are recorded as such, and named.
        let seq = found.next_seq;
        let mut target = format!("{} fixes", fixes.len());
        if !found.lost_seqs.is_empty() {
            target.push_str(&format!(
                "; audit entries {} recorded lost",
                tally::show_ranges(&found.lost_seqs)
            ));
        }
        tx.put(keys::audit(seq), &repair_entry(seq, target));
        tx.put(keys::meta("next_seq"), &(seq + 1));
        tx.commit()?;
        report.repaired = fixes.len();
        report.remaining = check(&self.store)?.problems;
        Ok(report)
    }
}
