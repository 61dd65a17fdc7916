//! `gen`: fills an empty store with a large, realistic, reproducible account
//! (Team Space trees of a given depth, My Creations, collaborations, tenant
//! grants) for measuring treeward at scale. Records are written in chunks of
//! one transaction each; the store is marked as being loaded first, and the
//! account record goes last with the mark's removal, so an interrupted run
//! leaves a store every command refuses until a load clears it
//! (`store::load`).

use std::collections::HashSet;

use super::*;
use crate::store::keys;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GenSpec {
    pub items: usize,
    pub users: usize,
    pub groups: usize,
    pub org_depth: usize,
    pub depth: usize,
    pub grants: usize,
    /// One extra folder `/W1/team/Wide` holding this many apps (listing benchmarks).
    pub wide: usize,
    pub seed: u64,
}

impl Default for GenSpec {
    fn default() -> Self {
        GenSpec {
            items: 10_000,
            users: 200,
            groups: 20,
            org_depth: 4,
            depth: 6,
            grants: 1_000,
            wide: 0,
            seed: 1,
        }
    }
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct GenSummary {
    pub items: usize,
    pub folders: usize,
    pub apps: usize,
    pub assets: usize,
    pub users: usize,
    pub tenant_users: usize,
    pub groups: usize,
    pub org_units: usize,
    pub workspaces: usize,
    pub grants: usize,
    pub max_depth: usize,
}

/// SplitMix64: small, fast and reproducible across platforms.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

const WORDS: &[&str] = &[
    "Line",
    "Cell",
    "Press",
    "Paint",
    "Quality",
    "Energy",
    "Shift",
    "Plant",
    "Sales",
    "Ops",
    "Maintenance",
    "Yield",
    "Scrap",
    "OEE",
    "Throughput",
    "Logistics",
    "Inbound",
    "Audit",
    "Forecast",
    "Batch",
];

/// Progress callback: (done, total).
pub type Progress<'p> = &'p mut dyn FnMut(usize, usize);

/// A generation under way: what is made so far, and where it writes.
struct Gen<'a, 'p> {
    app: &'a App,
    spec: &'a GenSpec,
    owner: String,
    rng: Rng,
    t: Timestamp,
    sum: GenSummary,
    done: usize,
    total: usize,
    chunk: usize,
    progress: Progress<'p>,
    /// Records in the change being filled: it is committed (bulk) every
    /// `chunk` records.
    in_chunk: usize,
}

type Txn<'a> = crate::store::Txn<'a>;

/// The people and workspaces made first: what items and grants draw from.
struct People {
    tenants: Vec<String>,
    workspaces: Vec<Workspace>,
    org_levels: Vec<Vec<String>>,
    groups: Vec<String>,
    logins: Vec<String>,
    analysts: Vec<Vec<String>>,
}

impl App {
    pub fn generate(
        &self,
        owner: &str,
        spec: &GenSpec,
        progress: Progress<'_>,
    ) -> Result<GenSummary> {
        let owner = names::validate_login(owner)?;
        if spec.items == 0 && spec.wide == 0 || spec.users == 0 {
            return Err(Error::invalid(
                "gen needs --items and --users of at least 1",
            ));
        }
        // All or nothing: the store is marked before the first record and
        // the mark goes with the account, in the last commit.
        let _load = self
            .store
            .begin_load(crate::store::load::Loading::new("gen", &owner, None))?;
        let mut g = Gen {
            app: self,
            spec,
            owner,
            rng: Rng::new(spec.seed),
            t: now(),
            sum: GenSummary::default(),
            done: 0,
            total: spec.items + spec.wide + spec.users + spec.grants,
            chunk: self.store.bulk_batch(),
            progress,
            in_chunk: 0,
        };
        let mut tx = self.store.begin()?;
        let people = g.people(&mut tx);
        g.done += spec.users;
        (g.progress)(g.done, g.total);
        tx.commit_bulk()?;
        let (tx, all_items) = g.items(&people, self.store.begin()?)?;
        let tx = g.wide(&people, tx)?;
        g.sum.items = g.sum.folders + g.sum.apps;
        let tx = g.grants(&people, &all_items, tx)?;
        tx.commit_bulk()?;
        g.finish()
    }
}

impl<'a> Gen<'a, '_> {
    /// One more record in `tx`: a full chunk is committed (bulk) and the
    /// next one begun.
    fn counted(&mut self, tx: Txn<'a>, report: bool) -> Result<Txn<'a>> {
        self.in_chunk += 1;
        if self.in_chunk < self.chunk {
            return Ok(tx);
        }
        tx.commit_bulk()?;
        self.in_chunk = 0;
        if report {
            self.done += self.chunk;
            (self.progress)(self.done, self.total);
        }
        self.app.store.begin()
    }

    /// Tenants, workspaces, the org tree, groups and users (in one chunk).
    fn people(&mut self, tx: &mut Txn<'a>) -> People {
        let spec = self.spec;
        let tenants: Vec<String> = (0..(spec.users / 500).max(1))
            .map(|i| format!("tenant{i:03}"))
            .collect();
        for tn in &tenants {
            tx.put(keys::tenant(tn), &Tenant { name: tn.clone() });
        }
        let workspaces = self.workspaces(tx);
        let org_levels = self.org_tree(tx);
        let groups: Vec<String> = (0..spec.groups).map(|i| format!("group{i:04}")).collect();
        for g in &groups {
            tx.put(keys::group(g), &Group { name: g.clone() });
        }
        self.sum.groups = groups.len();
        let mut p = People {
            tenants,
            analysts: vec![Vec::new(); workspaces.len()],
            workspaces,
            org_levels,
            groups,
            logins: Vec::new(),
        };
        self.users(tx, &mut p);
        p
    }

    /// One workspace per 250,000 items (1 to 8), the owner admin of each.
    fn workspaces(&mut self, tx: &mut Txn<'a>) -> Vec<Workspace> {
        let ws_count = (self.spec.items / 250_000).clamp(1, 8);
        let mut workspaces = Vec::new();
        for i in 0..ws_count {
            let name = format!("W{}", i + 1);
            let ws = Workspace {
                id: tx.alloc_id(),
                name: name.clone(),
                created: self.t,
                resources: super::account::default_resources(&name),
            };
            tx.put(keys::workspace(ws.id), &ws);
            tx.put(keys::ws_name(&ws.name), &ws.id);
            tx.put(keys::role(ws.id, &self.owner), &Roles::ALL);
            tx.put(keys::user_ws(&self.owner, ws.id), &());
            workspaces.push(ws);
        }
        self.sum.workspaces = ws_count;
        workspaces
    }

    /// The org tree: three children per unit down to org_depth levels.
    fn org_tree(&mut self, tx: &mut Txn<'a>) -> Vec<Vec<String>> {
        let mut org_levels: Vec<Vec<String>> = Vec::new();
        for level in 0..self.spec.org_depth.max(1) {
            let parents = if level == 0 {
                vec![None]
            } else {
                org_levels[level - 1].iter().cloned().map(Some).collect()
            };
            let mut units = Vec::new();
            for p in parents.iter().take(200) {
                for k in 0..3 {
                    let name = match p {
                        None => format!("org{k}"),
                        Some(p) => format!("{p}.{k}"),
                    };
                    tx.put(
                        keys::org(&name),
                        &OrgUnit {
                            name: name.clone(),
                            parent: p.clone(),
                        },
                    );
                    units.push(name);
                }
            }
            org_levels.push(units);
        }
        self.sum.org_units = org_levels.iter().map(|l| l.len()).sum();
        org_levels
    }

    /// The owner, then users: a few tenant users, the others in groups, an
    /// org unit and a workspace with roles.
    fn users(&mut self, tx: &mut Txn<'a>, p: &mut People) {
        let owner = self.owner.clone();
        tx.put(
            keys::user(&owner),
            &User {
                login: owner.clone(),
                name: owner.clone(),
                tenant: None,
                created: self.t,
            },
        );
        p.logins.push(owner);
        let leaves = p.org_levels.last().cloned().unwrap_or_default();
        for i in 1..self.spec.users {
            let login = format!("user{i:06}");
            let tenant = if self.rng.chance(2) {
                Some(p.tenants[self.rng.below(p.tenants.len())].clone())
            } else {
                None
            };
            tx.put(
                keys::user(&login),
                &User {
                    login: login.clone(),
                    name: format!("User {i}"),
                    tenant: tenant.clone(),
                    created: self.t,
                },
            );
            if tenant.is_some() {
                self.sum.tenant_users += 1;
            } else {
                self.member(tx, p, &leaves, &login);
            }
            p.logins.push(login);
        }
        self.sum.users = p.logins.len();
    }

    /// A user's groups, org unit, workspace and roles.
    fn member(&mut self, tx: &mut Txn<'a>, p: &mut People, leaves: &[String], login: &str) {
        let groups = &p.groups;
        for _ in 0..(1 + self.rng.below(4)).min(groups.len()) {
            let g = &groups[self.rng.below(groups.len())];
            tx.put(keys::pair(keys::GROUP_MEMBER, g, login), &());
            tx.put(keys::pair(keys::USER_GROUP, login, g), &());
        }
        if !leaves.is_empty() {
            let u = &leaves[self.rng.below(leaves.len())];
            tx.put(keys::pair(keys::ORG_MEMBER, u, login), &());
            tx.put(keys::pair(keys::USER_ORG, login, u), &());
        }
        let w = self.rng.below(p.workspaces.len());
        let roles = if self.rng.chance(2) {
            Roles::ALL
        } else if self.rng.chance(70) {
            Roles::default().with(Role::Analyst)
        } else {
            Roles::default().with(Role::Sysadmin)
        };
        tx.put(keys::role(p.workspaces[w].id, login), &roles);
        tx.put(keys::user_ws(login, p.workspaces[w].id), &());
        if roles.has(Role::Analyst) {
            p.analysts[w].push(login.to_string());
        }
    }

    /// Items: Team Space trees of the given depth, and My Creations.
    /// Returns each item's id, whether it is in Team Space, and whether it
    /// is a folder.
    #[allow(clippy::type_complexity)]
    fn items(
        &mut self,
        p: &People,
        mut tx: Txn<'a>,
    ) -> Result<(Txn<'a>, Vec<(ItemId, bool, bool)>)> {
        let mut folders: Vec<Slot> = Vec::new();
        let mut all_items = Vec::new();
        for n in 0..self.spec.items {
            let (it, d) = self.item(&mut tx, p, &folders, n as u64 + 1);
            tx.put_item(&it);
            self.sum.max_depth = self.sum.max_depth.max(d);
            if it.kind == ItemKind::Folder {
                folders.push(Slot {
                    id: it.id,
                    space: it.space.clone(),
                    depth: d,
                });
                self.sum.folders += 1;
            } else {
                self.sum.apps += 1;
                self.asset(&mut tx, &it);
            }
            all_items.push((it.id, it.space.is_team(), it.kind == ItemKind::Folder));
            tx = self.counted(tx, true)?;
        }
        Ok((tx, all_items))
    }

    /// One item: its space, its parent (often the newest folder: deep
    /// paths), its kind and name.
    fn item(
        &mut self,
        tx: &mut Txn<'a>,
        p: &People,
        folders: &[Slot],
        name_seq: u64,
    ) -> (Item, usize) {
        let depth = self.spec.depth.max(1);
        let w = self.rng.below(p.workspaces.len());
        let ws = &p.workspaces[w];
        let my_owner = if self.rng.chance(15) && !p.analysts[w].is_empty() {
            Some(p.analysts[w][self.rng.below(p.analysts[w].len())].clone())
        } else {
            None
        };
        let space = match &my_owner {
            Some(o) => SpaceRef::my(ws.id, o),
            None => SpaceRef::team(ws.id),
        };
        let parent = if folders.is_empty() || self.rng.chance(8) {
            None
        } else {
            let cand = if self.rng.chance(50) {
                folders.len() - 1 - self.rng.below(folders.len().min(50))
            } else {
                self.rng.below(folders.len())
            };
            let f = &folders[cand];
            (f.space == space && f.depth < depth).then_some((f.id, f.depth))
        };
        let d = parent.map(|p| p.1 + 1).unwrap_or(1);
        let is_folder = d < depth && self.rng.chance(30);
        let name = format!("{} {}", WORDS[self.rng.below(WORDS.len())], name_seq);
        let owner_login = space
            .my_owner()
            .map(|s| s.to_string())
            .unwrap_or_else(|| self.owner.clone());
        let it = Item {
            id: tx.alloc_id(),
            kind: if is_folder {
                ItemKind::Folder
            } else {
                ItemKind::App
            },
            name,
            space,
            parent: parent.map(|p| p.0),
            owner: owner_login.clone(),
            creator: owner_login,
            created: self.t,
            modified: self.t,
            description: String::new(),
            restricted: Default::default(),
            integrations: Default::default(),
        };
        (it, d)
    }

    /// Half the apps get an asset.
    fn asset(&mut self, tx: &mut Txn<'a>, it: &Item) {
        if self.rng.chance(50) {
            let kind = AssetKind::ALL[self.rng.below(3)];
            tx.put(
                keys::asset(it.id, kind, "Overview"),
                &Asset {
                    app: it.id,
                    kind,
                    name: "Overview".into(),
                    created: self.t,
                },
            );
            self.sum.assets += 1;
        }
    }

    /// `--wide N`: one folder `/W1/team/Wide` holding N apps.
    fn wide(&mut self, p: &People, mut tx: Txn<'a>) -> Result<Txn<'a>> {
        if self.spec.wide == 0 {
            return Ok(tx);
        }
        let owner = self.owner.clone();
        let wide = Item {
            id: tx.alloc_id(),
            kind: ItemKind::Folder,
            name: "Wide".into(),
            space: SpaceRef::team(p.workspaces[0].id),
            parent: None,
            owner: owner.clone(),
            creator: owner,
            created: self.t,
            modified: self.t,
            description: format!("{} apps, for listing benchmarks", self.spec.wide),
            restricted: Default::default(),
            integrations: Default::default(),
        };
        tx.put_item(&wide);
        self.sum.folders += 1;
        for i in 0..self.spec.wide {
            let it = Item {
                id: tx.alloc_id(),
                kind: ItemKind::App,
                name: format!("App {i:06}"),
                parent: Some(wide.id),
                ..wide.clone()
            };
            tx.put_item(&it);
            self.sum.apps += 1;
            tx = self.counted(tx, true)?;
        }
        Ok(tx)
    }

    /// Grants: users, groups and org units at every level; tenants on Team
    /// Space items.
    fn grants(
        &mut self,
        p: &People,
        all_items: &[(ItemId, bool, bool)],
        mut tx: Txn<'a>,
    ) -> Result<Txn<'a>> {
        let mut granted = HashSet::new();
        for _ in 0..self.spec.grants {
            if all_items.is_empty() {
                break;
            }
            let (id, team, _) = all_items[self.rng.below(all_items.len())];
            let (subject, level) = self.grant_of(p, team);
            if let Subject::Group(g) = &subject {
                if !p.groups.contains(g) {
                    continue;
                }
            }
            if !granted.insert((id, subject.clone())) {
                continue;
            }
            tx.put_grant(&Grant {
                item: id,
                subject,
                level,
                note: String::new(),
                granted_by: self.owner.clone(),
                at: self.t,
            });
            self.sum.grants += 1;
            tx = self.counted(tx, false)?;
        }
        Ok(tx)
    }

    /// A random grant's subject and level.
    fn grant_of(&mut self, p: &People, team: bool) -> (Subject, Level) {
        let roll = self.rng.below(100);
        if team && roll < 5 {
            return (
                Subject::Tenant(p.tenants[self.rng.below(p.tenants.len())].clone()),
                Level::Tenant,
            );
        }
        let s = if roll < 50 {
            let l = &p.logins[self.rng.below(p.logins.len())];
            if l.starts_with("user") && l != &self.owner {
                Subject::User(l.clone())
            } else {
                Subject::Group(
                    p.groups
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "group0000".into()),
                )
            }
        } else if roll < 80 && !p.groups.is_empty() {
            Subject::Group(p.groups[self.rng.below(p.groups.len())].clone())
        } else {
            let level = &p.org_levels[self.rng.below(p.org_levels.len())];
            Subject::Org(level[self.rng.below(level.len())].clone())
        };
        let lv = if team {
            [Level::Viewer, Level::Editor, Level::Manager][self.rng.below(3)]
        } else {
            [Level::Viewer, Level::Editor][self.rng.below(2)]
        };
        (s, lv)
    }

    /// Last, once everything before is on disk: the account, the one audit
    /// entry of this change (R32), and the load's mark removed.
    fn finish(self) -> Result<GenSummary> {
        let store = &self.app.store;
        store.sync()?;
        let mut tx = store.begin()?;
        tx.put(
            keys::meta("account"),
            &Account {
                owner: self.owner.clone(),
                created: self.t,
            },
        );
        tx.audit(AuditEntry {
            seq: 0,
            at: self.t,
            actor: self.owner.clone(),
            action: super::AuditAction::Gen.as_str().into(),
            target: format!("{} items, {} users", self.sum.items, self.sum.users),
            item: None,
            ws: None,
            space: None,
            outcome: "ok".into(),
        });
        tx.end_load();
        tx.commit()?;
        (self.progress)(self.total, self.total);
        Ok(self.sum)
    }
}

/// A folder items may go into.
struct Slot {
    id: ItemId,
    space: SpaceRef,
    depth: usize,
}
