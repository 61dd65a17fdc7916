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
}

impl Report {
    pub fn clean(&self) -> bool {
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
    /// Compares stored index entries with the expected ones: extras are
    /// dropped, missing ones re-added.
    fn index(
        &mut self,
        what: &str,
        stored: &BTreeMap<Vec<u8>, Vec<u8>>,
        expected: &BTreeMap<Vec<u8>, Vec<u8>>,
    ) {
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
}

/// What a check found: records read, problems, the keys of records that do
/// not decode, and the first free audit seq and item/workspace id.
pub struct Found {
    pub records: usize,
    pub problems: Vec<Problem>,
    pub undecodable: Vec<Vec<u8>>,
    pub next_seq: u64,
    pub next_id: u64,
}

/// Checks every invariant; reads the whole store (doctor only).
pub fn check(store: &Store) -> Result<Found> {
    Ok(check_pairs(all_pairs(store.kv())?))
}

/// Checks every invariant of a store's pairs (read from it, or salvaged).
/// Records that only need to decode: the indexes (unit values), the
/// workspace names, and what is kept beside audit entries.
fn plain_records<'a>(c: &mut Checker, t: impl Fn(u8) -> &'a BTreeMap<Vec<u8>, Vec<u8>>) {
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
        for (k, v) in t(tb) {
            c.dec::<()>(k, v);
        }
    }
    for (k, v) in t(keys::WS_NAME) {
        c.dec::<WsId>(k, v);
    }
    for (k, v) in t(keys::AUDIT_DETAIL) {
        c.dec::<super::audit::Detail>(k, v);
    }
    for (k, v) in t(keys::AUDIT_ACCESS) {
        c.dec::<super::audit::AccessRecord>(k, v);
    }
}

pub fn check_pairs(pairs: Vec<(Vec<u8>, Vec<u8>)>) -> Found {
    let n = pairs.len();
    let mut c = Checker {
        problems: Vec::new(),
        undecodable: Vec::new(),
    };
    let mut tables: BTreeMap<u8, BTreeMap<Vec<u8>, Vec<u8>>> = BTreeMap::new();
    for (k, v) in pairs {
        if k.is_empty() {
            c.report("an empty key".into(), vec![]);
            continue;
        }
        tables.entry(k[0]).or_default().insert(k, v);
    }
    let empty = BTreeMap::new();
    let t = |b: u8| tables.get(&b).unwrap_or(&empty);
    let unit = encode(&());

    // ---- records ----
    let mut users: BTreeMap<String, User> = BTreeMap::new();
    for (k, v) in t(keys::USER) {
        if let Some(u) = c.dec::<User>(k, v) {
            users.insert(u.login.clone(), u);
        }
    }
    let mut groups = BTreeSet::new();
    for (k, v) in t(keys::GROUP) {
        if let Some(g) = c.dec::<Group>(k, v) {
            groups.insert(g.name);
        }
    }
    let mut orgs = BTreeMap::new();
    for (k, v) in t(keys::ORG) {
        if let Some(o) = c.dec::<OrgUnit>(k, v) {
            orgs.insert(o.name.clone(), o);
        }
    }
    let mut tenants = BTreeSet::new();
    for (k, v) in t(keys::TENANT) {
        if let Some(x) = c.dec::<Tenant>(k, v) {
            tenants.insert(x.name);
        }
    }
    let mut wss: BTreeMap<WsId, Workspace> = BTreeMap::new();
    for (k, v) in t(keys::WORKSPACE) {
        if let Some(w) = c.dec::<Workspace>(k, v) {
            wss.insert(w.id, w);
        }
    }
    let mut items: BTreeMap<ItemId, Item> = BTreeMap::new();
    for (k, v) in t(keys::ITEM) {
        if let Some(it) = c.dec::<Item>(k, v) {
            if keys::item(it.id) != *k {
                c.report(
                    format!("item record {} holds item {}", show_key(k), it.id),
                    vec![],
                );
            }
            items.insert(it.id, it);
        }
    }
    let mut integs: BTreeSet<(WsId, String)> = BTreeSet::new();
    for (k, v) in t(keys::INTEG) {
        if let Some(i) = c.dec::<Integration>(k, v) {
            integs.insert((i.ws, i.name));
        }
    }
    let mut audit_items: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    let mut max_seq = 0;
    let mut next_seq = 1;
    for (k, v) in t(keys::AUDIT) {
        if let Some(e) = c.dec::<AuditEntry>(k, v) {
            if keys::audit(e.seq) != *k {
                c.report(
                    format!("audit entry {} holds seq {}", show_key(k), e.seq),
                    vec![],
                );
            }
            max_seq = max_seq.max(e.seq);
            if let Some(item) = e.item {
                audit_items.insert(keys::audit_item(item, e.seq), unit.clone());
            }
        }
    }
    let next_id = items.keys().chain(wss.keys()).max().copied().unwrap_or(0) + 1;
    for (k, v) in t(keys::META) {
        let name = &k[1..];
        match name {
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
            b"next_id" | b"next_seq" => {
                if let Some(n) = c.dec::<u64>(k, v) {
                    if name == b"next_seq" {
                        next_seq = n;
                    }
                    let need = if name == b"next_id" {
                        next_id
                    } else {
                        max_seq + 1
                    };
                    if n < need {
                        c.report(
                            format!("counter {} is {n}, below {need}: a new record would overwrite an old one", show_key(name)),
                            vec![Fix::Put(k.clone(), encode(&need))],
                        );
                    }
                }
            }
            _ => {}
        }
    }
    // Decode the pair tables' values too: every record decodes.
    plain_records(&mut c, t);
    let mut roles: BTreeMap<Vec<u8>, (WsId, String)> = BTreeMap::new();
    for (k, v) in t(keys::ROLE) {
        if c.dec::<Roles>(k, v).is_some() && k.len() >= 9 {
            let ws = u64::from_be_bytes(k[1..9].try_into().unwrap());
            roles.insert(
                k.clone(),
                (ws, String::from_utf8_lossy(&k[9..]).into_owned()),
            );
        }
    }
    for (k, v) in t(keys::CHILD) {
        c.dec::<ItemId>(k, v);
    }
    for tb in tables.keys() {
        if table_name(*tb) == "unknown table" {
            c.report(
                format!("records of an unknown table {:?}", *tb as char),
                vec![],
            );
        }
    }

    // ---- structure of the hierarchy ----
    let mut siblings: HashMap<(Parent, String), Vec<ItemId>> = HashMap::new();
    for it in items.values() {
        let at = format!("item {} '{}'", it.id, text::escape(&it.name));
        if !wss.contains_key(&it.space.ws) {
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
            match items.get(&pid) {
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
        // No cycles: the walk up must end at a root.
        let mut seen = BTreeSet::new();
        let mut cur = it.parent;
        while let Some(p) = cur {
            if !seen.insert(p) || p == it.id {
                c.report(format!("{at}: its chain of parents loops"), vec![]);
                break;
            }
            cur = items.get(&p).and_then(|x| x.parent);
        }
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

    // ---- indexes, recomputed from the records ----
    let mut want_child = BTreeMap::new();
    for it in items.values() {
        want_child.insert(
            keys::child(&Parent::of(it), it.kind, &it.name),
            encode(&it.id),
        );
    }
    c.index("children index", t(keys::CHILD), &want_child);

    let mut want_grant_keys = BTreeMap::new();
    let mut want_sg = BTreeMap::new();
    for (k, v) in t(keys::GRANT) {
        let Some(g) = c.dec::<Grant>(k, v) else {
            continue;
        };
        let subject_exists = match &g.subject {
            Subject::User(l) => users.contains_key(l),
            Subject::Group(n) => groups.contains(n),
            Subject::Org(n) => orgs.contains_key(n),
            Subject::Tenant(n) => tenants.contains(n),
        };
        let why = if !items.contains_key(&g.item) {
            Some(format!("is on item {} that does not exist", g.item))
        } else if !subject_exists {
            Some(format!("names {} that does not exist", g.subject))
        } else if keys::grant(g.item, &g.subject) != *k {
            Some("is stored under the wrong key".to_string())
        } else {
            None
        };
        match why {
            Some(w) => c.report(
                format!("grant {}: {w}", show_key(k)),
                vec![Fix::Del(k.clone())],
            ),
            None => {
                want_grant_keys.insert(k.clone(), ());
                want_sg.insert(keys::subject_grant(&g.subject, g.item), unit.clone());
            }
        }
    }
    c.index("subject-grant index", t(keys::SUBJECT_GRANT), &want_sg);

    for (k, v) in t(keys::ASSET) {
        let Some(a) = c.dec::<Asset>(k, v) else {
            continue;
        };
        match items.get(&a.app) {
            Some(app) if app.kind == ItemKind::App => {}
            _ => c.report(
                format!("asset {}: its app {} does not exist", show_key(k), a.app),
                vec![Fix::Del(k.clone())],
            ),
        }
    }

    let mut want_use = BTreeMap::new();
    for it in items.values() {
        for name in &it.integrations {
            if integs.contains(&(it.space.ws, name.clone())) {
                want_use.insert(keys::integ_use(it.space.ws, name, it.id), unit.clone());
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
    c.index("integration-use index", t(keys::INTEG_USE), &want_use);
    c.index("audit item index", t(keys::AUDIT_ITEM), &audit_items);

    let mut want_wsname = BTreeMap::new();
    for w in wss.values() {
        want_wsname.insert(keys::ws_name(&w.name), encode(&w.id));
    }
    c.index("workspace name index", t(keys::WS_NAME), &want_wsname);

    // Roles: dangling when the user or workspace is gone; user-ws from roles.
    let mut want_uws = BTreeMap::new();
    for (k, (ws, login)) in &roles {
        if !users.contains_key(login) || !wss.contains_key(ws) {
            c.report(
                format!("role {}: its user or workspace does not exist", show_key(k)),
                vec![Fix::Del(k.clone())],
            );
        } else {
            want_uws.insert(keys::user_ws(login, *ws), unit.clone());
        }
    }
    c.index("user-workspace index", t(keys::USER_WS), &want_uws);

    // Memberships: the member tables are the records, the user tables their index.
    for (member, by_user) in [
        (keys::GROUP_MEMBER, keys::USER_GROUP),
        (keys::ORG_MEMBER, keys::USER_ORG),
    ] {
        let exists = |n: &str| {
            if member == keys::GROUP_MEMBER {
                groups.contains(n)
            } else {
                orgs.contains_key(n)
            }
        };
        let mut want = BTreeMap::new();
        for k in t(member).keys() {
            let body = &k[1..];
            let Some(z) = body.iter().position(|b| *b == 0) else {
                c.report(
                    format!("membership {} is malformed", show_key(k)),
                    vec![Fix::Del(k.clone())],
                );
                continue;
            };
            let set = String::from_utf8_lossy(&body[..z]).into_owned();
            let login = String::from_utf8_lossy(&body[z + 1..]).into_owned();
            if !exists(&set) || !users.contains_key(&login) {
                c.report(
                    format!(
                        "membership {}: its {} or user does not exist",
                        show_key(k),
                        if member == keys::GROUP_MEMBER {
                            "group"
                        } else {
                            "org unit"
                        }
                    ),
                    vec![Fix::Del(k.clone())],
                );
            } else {
                want.insert(keys::pair(by_user, &login, &set), unit.clone());
            }
        }
        c.index(table_name(by_user), t(by_user), &want);
    }
    for o in orgs.values() {
        if let Some(p) = &o.parent {
            if !orgs.contains_key(p) {
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
    let undecodable = c.undecodable;
    let mut problems = c.problems;
    if !undecodable.is_empty() {
        // Fixes cannot be trusted while records are unreadable.
        for p in &mut problems {
            p.fix.clear();
        }
    }
    Found {
        records: n,
        problems,
        undecodable,
        next_seq: next_seq.max(max_seq + 1),
        next_id,
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
        // past every stored entry, since the counter itself may be under repair.
        let seq = found.next_seq;
        tx.put(
            keys::audit(seq),
            &repair_entry(seq, format!("{} fixes", fixes.len())),
        );
        tx.put(keys::meta("next_seq"), &(seq + 1));
        tx.commit()?;
        report.repaired = fixes.len();
        report.remaining = check(&self.store)?.problems;
        Ok(report)
    }
}
