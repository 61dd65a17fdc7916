//! The makings of random worlds for the property and model tests: the
//! people a store starts from, random item trees, role masks, a seeded
//! generator, and proptest's configuration.

use proptest::prelude::ProptestConfig;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;
use treeward::app::{App, Session};
use treeward::domain::Role;

/// `cases` cases, and the regressions proptest finds kept beside the test's
/// own file (`model.rs`: `model.proptest-regressions`). Proptest's default
/// would look for them in `tests/proptest-regressions/`, beside the crate's
/// directory, since that directory holds a main.rs.
pub fn proptest_config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

/// The people the random-store tests start from: a tenant with its user
/// `tina` (R26), group `qa` (bob, carol), org unit `emea` below `sales`
/// (dave, R10), and `alice` with all three roles in the Default Workspace
/// (R7); besides, `users` as plain users. Added by the account owner.
pub fn add_people(s: &Session<'_>, users: &[&str]) {
    s.tenant_add("acme").unwrap();
    for u in users {
        s.user_add(u, None, None).unwrap();
    }
    s.user_add("tina", None, Some("acme")).unwrap();
    s.group_add("qa").unwrap();
    s.group_join("qa", "bob").unwrap();
    s.group_join("qa", "carol").unwrap();
    s.org_add("sales", None).unwrap();
    s.org_add("emea", Some("sales")).unwrap();
    s.org_join("emea", "dave").unwrap();
    s.role_grant(
        "Default Workspace",
        "alice",
        &[Role::Sysadmin, Role::Datamanager, Role::Analyst],
    )
    .unwrap();
}

/// A store in memory owned by `own`, with [`add_people`] and `users`.
pub fn people_app(users: &[&str]) -> App {
    let app = App::in_memory();
    app.init("own").unwrap();
    add_people(&app.session("own").unwrap(), users);
    app
}

/// The roles of a mask: 1 sysadmin, 2 datamanager, 4 analyst.
pub fn roles_of(mask: u8) -> Vec<Role> {
    [
        (1, Role::Sysadmin),
        (2, Role::Datamanager),
        (4, Role::Analyst),
    ]
    .into_iter()
    .filter(|(b, _)| mask & b != 0)
    .map(|(_, r)| r)
    .collect()
}

/// A random item tree from its draws: item `i` is a folder or an app (the
/// first is always a folder), at the root one time in `root_one_in`, else
/// under a random earlier folder. Each item: (is a folder, its parent).
pub fn item_tree(draws: Vec<(bool, Index)>, root_one_in: usize) -> Vec<(bool, Option<usize>)> {
    let mut items: Vec<(bool, Option<usize>)> = Vec::new();
    for (i, (folder, pick)) in draws.into_iter().enumerate() {
        let folders: Vec<usize> = (0..i).filter(|j| items[*j].0).collect();
        let parent = if folders.is_empty() || pick.index(root_one_in) == 0 {
            None
        } else {
            Some(folders[pick.index(folders.len())])
        };
        items.push((folder || i == 0, parent));
    }
    items
}

/// Item `i` and its ancestors, nearest first.
pub fn chain(items: &[(bool, Option<usize>)], i: usize) -> Vec<usize> {
    let mut v = vec![i];
    let mut cur = items[i].1;
    while let Some(p) = cur {
        v.push(p);
        cur = items[p].1;
    }
    v
}

/// Item `i`'s path: `/DW/team/n0/n3/n7` (each item is named `n` and its index).
pub fn item_path(items: &[(bool, Option<usize>)], i: usize) -> String {
    let names: Vec<String> = chain(items, i)
        .into_iter()
        .rev()
        .map(|k| format!("n{k}"))
        .collect();
    format!("/DW/team/{}", names.join("/"))
}

/// A small deterministic generator (splitmix64): what it drives is
/// reproduced from its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// True `pct` times in a hundred.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    /// Ten hexadecimal digits.
    pub fn tag(&mut self) -> String {
        format!("{:010x}", self.next() & 0xff_ffff_ffff)
    }
}
