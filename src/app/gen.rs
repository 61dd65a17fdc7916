//! `gen`: fills an empty store with a large, realistic, reproducible account
//! (Team Space trees of a given depth, My Creations, collaborations, tenant
//! grants) for measuring treeward at scale. Records are written in chunks of
//! one transaction each; the account record goes last, so an interrupted run
//! leaves a store that does not claim to hold an account.

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

impl App {
    pub fn generate(
        &self,
        owner: &str,
        spec: &GenSpec,
        progress: Progress<'_>,
    ) -> Result<GenSummary> {
        if self.is_initialized()? {
            return Err(Error::conflict(
                "gen fills an empty store; this one holds an account",
            ));
        }
        let owner = names::validate_login(owner)?;
        if spec.items == 0 && spec.wide == 0 || spec.users == 0 {
            return Err(Error::invalid(
                "gen needs --items and --users of at least 1",
            ));
        }
        let depth = spec.depth.max(1);
        let mut rng = Rng::new(spec.seed);
        let t = now();
        let mut sum = GenSummary::default();
        let total = spec.items + spec.wide + spec.users + spec.grants;
        let mut done = 0usize;
        let chunk = self.store.bulk_batch();

        // People and workspaces, in one chunk.
        let mut tx = self.store.begin()?;
        let tenants: Vec<String> = (0..(spec.users / 500).max(1))
            .map(|i| format!("tenant{i:03}"))
            .collect();
        for tn in &tenants {
            tx.put(keys::tenant(tn), &Tenant { name: tn.clone() });
        }
        let ws_count = (spec.items / 250_000).clamp(1, 8);
        let mut workspaces = Vec::new();
        for i in 0..ws_count {
            let name = format!("W{}", i + 1);
            let ws = Workspace {
                id: tx.alloc_id(),
                name: name.clone(),
                created: t,
                resources: super::account::default_resources(&name),
            };
            tx.put(keys::workspace(ws.id), &ws);
            tx.put(keys::ws_name(&ws.name), &ws.id);
            tx.put(keys::role(ws.id, &owner), &Roles::ALL);
            tx.put(keys::user_ws(&owner, ws.id), &());
            workspaces.push(ws);
        }
        sum.workspaces = ws_count;
        // The org tree: three children per unit down to org_depth levels.
        let mut org_levels: Vec<Vec<String>> = Vec::new();
        for level in 0..spec.org_depth.max(1) {
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
        sum.org_units = org_levels.iter().map(|l| l.len()).sum();
        let leaves = org_levels.last().cloned().unwrap_or_default();
        let groups: Vec<String> = (0..spec.groups).map(|i| format!("group{i:04}")).collect();
        for g in &groups {
            tx.put(keys::group(g), &Group { name: g.clone() });
        }
        sum.groups = groups.len();
        let mut logins = vec![owner.clone()];
        tx.put(
            keys::user(&owner),
            &User {
                login: owner.clone(),
                name: owner.clone(),
                tenant: None,
                created: t,
            },
        );
        let mut analysts: Vec<Vec<String>> = vec![Vec::new(); ws_count];
        for i in 1..spec.users {
            let login = format!("user{i:06}");
            let tenant = if rng.chance(2) {
                Some(tenants[rng.below(tenants.len())].clone())
            } else {
                None
            };
            tx.put(
                keys::user(&login),
                &User {
                    login: login.clone(),
                    name: format!("User {i}"),
                    tenant: tenant.clone(),
                    created: t,
                },
            );
            if tenant.is_some() {
                sum.tenant_users += 1;
            } else {
                for _ in 0..(1 + rng.below(4)).min(groups.len()) {
                    let g = &groups[rng.below(groups.len())];
                    tx.put(keys::pair(keys::GROUP_MEMBER, g, &login), &());
                    tx.put(keys::pair(keys::USER_GROUP, &login, g), &());
                }
                if !leaves.is_empty() {
                    let u = &leaves[rng.below(leaves.len())];
                    tx.put(keys::pair(keys::ORG_MEMBER, u, &login), &());
                    tx.put(keys::pair(keys::USER_ORG, &login, u), &());
                }
                let w = rng.below(ws_count);
                let roles = if rng.chance(2) {
                    Roles::ALL
                } else if rng.chance(70) {
                    Roles::default().with(Role::Analyst)
                } else {
                    Roles::default().with(Role::Sysadmin)
                };
                tx.put(keys::role(workspaces[w].id, &login), &roles);
                tx.put(keys::user_ws(&login, workspaces[w].id), &());
                if roles.has(Role::Analyst) {
                    analysts[w].push(login.clone());
                }
            }
            logins.push(login);
        }
        sum.users = logins.len();
        done += spec.users;
        progress(done, total);
        tx.commit_bulk()?;

        // Items: Team Space trees of the given depth, and My Creations.
        struct Slot {
            id: ItemId,
            space: SpaceRef,
            depth: usize,
        }
        let mut folders: Vec<Slot> = Vec::new();
        let mut all_items: Vec<(ItemId, bool, bool)> = Vec::new(); // (id, in team, is folder)
        let mut tx = self.store.begin()?;
        let mut in_chunk = 0;
        let mut name_seq = 0u64;
        for n in 0..spec.items {
            let w = rng.below(ws_count);
            let ws = &workspaces[w];
            let my_owner = if rng.chance(15) && !analysts[w].is_empty() {
                Some(analysts[w][rng.below(analysts[w].len())].clone())
            } else {
                None
            };
            let space = match &my_owner {
                Some(o) => SpaceRef::my(ws.id, o),
                None => SpaceRef::team(ws.id),
            };
            // A parent: often the newest folder (deep paths), else a random one, else the root.
            let parent = if folders.is_empty() || rng.chance(8) {
                None
            } else {
                let cand = if rng.chance(50) {
                    folders.len() - 1 - rng.below(folders.len().min(50))
                } else {
                    rng.below(folders.len())
                };
                let f = &folders[cand];
                if f.space == space && f.depth < depth {
                    Some((f.id, f.depth))
                } else {
                    None
                }
            };
            let d = parent.map(|p| p.1 + 1).unwrap_or(1);
            let is_folder = d < depth && rng.chance(30);
            name_seq += 1;
            let name = format!("{} {}", WORDS[rng.below(WORDS.len())], name_seq);
            let owner_login = space
                .my_owner()
                .map(|s| s.to_string())
                .unwrap_or_else(|| owner.clone());
            let it = Item {
                id: tx.alloc_id(),
                kind: if is_folder {
                    ItemKind::Folder
                } else {
                    ItemKind::App
                },
                name,
                space: space.clone(),
                parent: parent.map(|p| p.0),
                owner: owner_login.clone(),
                creator: owner_login,
                created: t,
                modified: t,
                description: String::new(),
                restricted: Default::default(),
                integrations: Default::default(),
            };
            tx.put_item(&it);
            sum.max_depth = sum.max_depth.max(d);
            if is_folder {
                folders.push(Slot {
                    id: it.id,
                    space: space.clone(),
                    depth: d,
                });
                sum.folders += 1;
            } else {
                sum.apps += 1;
                if rng.chance(50) {
                    let kind = AssetKind::ALL[rng.below(3)];
                    tx.put(
                        keys::asset(it.id, kind, "Overview"),
                        &Asset {
                            app: it.id,
                            kind,
                            name: "Overview".into(),
                            created: t,
                        },
                    );
                    sum.assets += 1;
                }
            }
            all_items.push((it.id, space.is_team(), is_folder));
            in_chunk += 1;
            if in_chunk == chunk {
                tx.commit_bulk()?;
                tx = self.store.begin()?;
                in_chunk = 0;
                done += chunk;
                progress(done, total);
            }
            let _ = n;
        }
        if spec.wide > 0 {
            let ws = &workspaces[0];
            let wide = Item {
                id: tx.alloc_id(),
                kind: ItemKind::Folder,
                name: "Wide".into(),
                space: SpaceRef::team(ws.id),
                parent: None,
                owner: owner.clone(),
                creator: owner.clone(),
                created: t,
                modified: t,
                description: format!("{} apps, for listing benchmarks", spec.wide),
                restricted: Default::default(),
                integrations: Default::default(),
            };
            tx.put_item(&wide);
            sum.folders += 1;
            for i in 0..spec.wide {
                let it = Item {
                    id: tx.alloc_id(),
                    kind: ItemKind::App,
                    name: format!("App {i:06}"),
                    parent: Some(wide.id),
                    ..wide.clone()
                };
                tx.put_item(&it);
                sum.apps += 1;
                in_chunk += 1;
                if in_chunk == chunk {
                    tx.commit_bulk()?;
                    tx = self.store.begin()?;
                    in_chunk = 0;
                    done += chunk;
                    progress(done, total);
                }
            }
        }
        sum.items = sum.folders + sum.apps;

        // Grants: users, groups and org units at every level; tenants on Team Space items.
        let mut granted = HashSet::new();
        for _ in 0..spec.grants {
            if all_items.is_empty() {
                break;
            }
            let (id, team, _) = all_items[rng.below(all_items.len())];
            let roll = rng.below(100);
            let (subject, level) = if team && roll < 5 {
                (
                    Subject::Tenant(tenants[rng.below(tenants.len())].clone()),
                    Level::Tenant,
                )
            } else {
                let s = if roll < 50 {
                    let l = &logins[rng.below(logins.len())];
                    if l.starts_with("user") && l != &owner {
                        Subject::User(l.clone())
                    } else {
                        Subject::Group(
                            groups
                                .first()
                                .cloned()
                                .unwrap_or_else(|| "group0000".into()),
                        )
                    }
                } else if roll < 80 && !groups.is_empty() {
                    Subject::Group(groups[rng.below(groups.len())].clone())
                } else {
                    let level = &org_levels[rng.below(org_levels.len())];
                    Subject::Org(level[rng.below(level.len())].clone())
                };
                let lv = if team {
                    [Level::Viewer, Level::Editor, Level::Manager][rng.below(3)]
                } else {
                    [Level::Viewer, Level::Editor][rng.below(2)]
                };
                (s, lv)
            };
            if let Subject::Group(g) = &subject {
                if !groups.contains(g) {
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
                granted_by: owner.clone(),
                at: t,
            });
            sum.grants += 1;
            in_chunk += 1;
            if in_chunk == chunk {
                tx.commit_bulk()?;
                tx = self.store.begin()?;
                in_chunk = 0;
            }
        }
        // Last, once everything before is on disk: the account, and the one
        // audit entry of this change (R32).
        tx.commit_bulk()?;
        self.store.sync()?;
        let mut tx = self.store.begin()?;
        tx.put(
            keys::meta("account"),
            &Account {
                owner: owner.clone(),
                created: t,
            },
        );
        tx.audit(AuditEntry {
            seq: 0,
            at: t,
            actor: owner.clone(),
            action: super::AuditAction::Gen.as_str().into(),
            target: format!("{} items, {} users", sum.items, sum.users),
            item: None,
            ws: None,
            space: None,
            outcome: "ok".into(),
        });
        tx.commit()?;
        progress(total, total);
        Ok(sum)
    }
}
