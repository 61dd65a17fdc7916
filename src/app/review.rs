//! Access review: `who` can reach an item and through what, everything one
//! user can `access`, and what-if answers: who gains and who loses which level
//! on which items, before a change is made (`--dry-run`) or after it.
//! All of it asks the same decision function, and shows only what the actor
//! sees (R12, R14).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::*;
use crate::domain::rules::{Standing, Via};
use crate::store::{keys, Op};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WhoRow {
    pub login: String,
    pub name: String,
    pub level: String,
    /// Where it comes from: each contributing grant, or the role.
    pub via: Vec<WhoVia>,
}

/// `who PATH`'s answer: the rows, and what the header says about them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WhoReport {
    pub path: String,
    pub users: Vec<WhoRow>,
    /// The filters applied (`--level`, `--via`), in words.
    #[serde(default)]
    pub filter: Vec<String>,
    /// A folder: users who see it only as the path to an item below are
    /// not listed (they cannot view it, R11).
    #[serde(default)]
    pub path_only_hidden: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WhoVia {
    /// user, group, org, tenant, role
    pub kind: String,
    pub detail: String,
    /// The path of the item the grant sits on.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub on: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct LevelChange {
    pub login: String,
    pub path: String,
    pub item: ItemId,
    pub before: String,
    pub after: String,
}

/// An item whose level changes, with its path (after the change, or before
/// it for an item the change removes).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChangedItem {
    pub item: ItemId,
    pub path: String,
}

/// Users who all go from one level to another on the same items.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeGroup {
    pub before: String,
    pub after: String,
    pub logins: Vec<String>,
    pub items: Vec<ChangedItem>,
}

/// What a change does to access: grouped (a move can change millions of
/// (user, item) pairs, alike for most users), and summed up in words.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct WhatIf {
    pub groups: Vec<ChangeGroup>,
    pub summary: Vec<String>,
}

impl WhatIf {
    /// How many (user, item) pairs change.
    pub fn count(&self) -> usize {
        self.groups
            .iter()
            .map(|g| g.logins.len() * g.items.len())
            .sum()
    }
    /// The users whose access changes.
    pub fn logins(&self) -> BTreeSet<&str> {
        self.groups
            .iter()
            .flat_map(|g| g.logins.iter().map(|l| l.as_str()))
            .collect()
    }
    /// Every changed (user, item) pair, one by one.
    pub fn changes(&self) -> impl Iterator<Item = LevelChange> + '_ {
        self.groups.iter().flat_map(|g| {
            g.logins.iter().flat_map(move |l| {
                g.items.iter().map(move |c| LevelChange {
                    login: l.clone(),
                    path: c.path.clone(),
                    item: c.item,
                    before: g.before.clone(),
                    after: g.after.clone(),
                })
            })
        })
    }
}

/// The levels `who --level` filters by: for its errors and the command line's help.
pub const WHO_LEVELS: &[&str] = &[
    "owner",
    "admin",
    "manager",
    "editor",
    "viewer",
    "tenant",
    "member",
    "path only",
];
/// What `who --via` filters by: the kinds of grant, a role, and the path to
/// an item inside (a space root seen as a path only).
pub const WHO_VIAS: &[&str] = &["user", "group", "org", "tenant", "role", "path"];

fn level_rank(w: &str) -> u8 {
    match w {
        "none" => 0,
        "path only" => 1,
        "tenant" => 2,
        "viewer" => 3,
        "editor" => 4,
        "manager" => 5,
        "member" => 3,
        "owner" | "admin" => 6,
        _ => 0,
    }
}

pub(crate) fn vias(d: &Decision, ws_name: &str) -> Vec<WhoVia> {
    match d.standing {
        Standing::Admin => vec![WhoVia {
            kind: "role".into(),
            detail: format!("Team Space admin of {ws_name} (R7)"),
            on: None,
        }],
        Standing::SpaceOwner => vec![WhoVia {
            kind: "role".into(),
            detail: "owner of this My Creations (R15)".into(),
            on: None,
        }],
        // Membership is a reason: Team Space is visible to its members.
        Standing::Member => vec![WhoVia {
            kind: "role".into(),
            detail: format!("member of {ws_name}: members see Team Space (R11)"),
            on: None,
        }],
        // A space root seen because an item inside is: the path to it only.
        Standing::None if d.grants.is_empty() => vec![WhoVia {
            kind: "path".into(),
            detail: "sees an item inside, so the space as its path (R11)".into(),
            on: None,
        }],
        _ => d
            .grants
            .iter()
            .filter(|c| c.decisive)
            .map(|c| {
                let detail = match &c.via {
                    Via::User => format!("{} {}", c.subject, c.level),
                    Via::Group { .. } => format!("{} {}", c.subject, c.level),
                    Via::Org { unit, member_of } if unit == member_of => {
                        format!("{} {}", c.subject, c.level)
                    }
                    Via::Org { member_of, .. } => {
                        format!("{} {} (in {member_of})", c.subject, c.level)
                    }
                    Via::Tenant { .. } => format!("{} {}", c.subject, c.level),
                };
                WhoVia {
                    kind: c.via.kind().into(),
                    detail,
                    on: Some(c.on.to_string()),
                }
            })
            .collect(),
    }
}

impl Session<'_> {
    /// `who PATH`: every user who can view PATH, with level and source.
    /// Agrees with `check LOGIN view PATH` for every user.
    pub fn who(
        &self,
        raw: &str,
        level: Option<&str>,
        via: Option<&str>,
    ) -> Result<(String, Vec<WhoRow>)> {
        let (path, rows, _) = self.who_rows(raw, level, via)?;
        Ok((path, rows))
    }

    /// Who may take `action` on PATH: `who`'s rows, kept where the rule
    /// table allows the action (the who view's filter, and the people a
    /// refusal names to ask). On an asset, its app's rights hold (§4):
    /// viewing is viewing the app, any change is editing it.
    pub fn who_can(&self, raw: &str, action: Action) -> Result<(String, Vec<WhoRow>)> {
        let (shown, rows) = self.who(raw, None, None)?;
        if action == Action::View {
            return Ok((shown, rows));
        }
        let (r, action) = match path::parse_target(raw)? {
            path::Target::Asset(ap) => (self.resolve_asset(&ap)?.0, Action::Edit),
            path::Target::In(ip) => (self.resolve(&ip)?, action),
        };
        let mut kept = Vec::new();
        for row in rows {
            if self.decide_as(&row.login, action, &r)?.allowed {
                kept.push(row);
            }
        }
        Ok((shown, kept))
    }

    /// `who`'s rows, and whether PATH is a folder (whose path-only users
    /// are not listed).
    pub(crate) fn who_rows(
        &self,
        raw: &str,
        level: Option<&str>,
        via: Option<&str>,
    ) -> Result<(String, Vec<WhoRow>, bool)> {
        // An asset: whoever can view its app (§4).
        if let path::Target::Asset(ap) = path::parse_target(raw)? {
            let (r, _) = self.resolve_asset(&ap)?;
            let (_, rows) = self.who(&r.path, level, via)?;
            return Ok((ap.to_string(), rows, false));
        }
        let ip = path::parse_in(raw)?;
        if let Some(v) = via {
            if !WHO_VIAS.contains(&v) {
                return Err(Error::invalid(format!(
                    "--via is one of {}",
                    WHO_VIAS.join(", ")
                )));
            }
        }
        if let Some(l) = level {
            if level_rank(l) == 0 && l != "none" {
                return Err(Error::invalid(format!(
                    "--level is one of {}",
                    WHO_LEVELS.join(", ")
                )));
            }
        }
        let r = self.resolve(&ip)?;
        self.require_who_readable(&r)?;
        let ws_name = self
            .store()
            .workspace(r.space().ws)?
            .map(|w| w.name)
            .unwrap_or_default();
        let mut rows = Vec::new();
        // Only users reached by a grant on the chain, or holding a role or the
        // space, can view it (R10, R15, R21): the others need no decision.
        let mut subjects = BTreeSet::new();
        if let Some(chain) = &r.chain {
            for l in &chain.links {
                subjects.extend(l.grants.iter().map(|g| g.subject.clone()));
            }
        }
        let mut spaces = BTreeSet::new();
        spaces.insert(r.space().clone());
        let mut candidates = scope::candidates(&[self.store()], &subjects, &spaces)?;
        if r.chain.is_none() {
            // R11: a space root is visible to every member of its workspace
            // (Team Space) and to whoever sees an item in it, whatever grant
            // lets them: every user is a candidate (the model test checks it).
            candidates.extend(self.store().users()?.into_iter().map(|u| u.login));
        }
        for login in candidates {
            let Some(u) = self.store().user(&login)? else {
                continue;
            };
            let d = self.decide_as(&u.login, Action::View, &r)?;
            if !d.allowed {
                continue;
            }
            let row = WhoRow {
                level: match d.standing {
                    Standing::None if r.chain.is_none() => "path only".into(),
                    _ => d.level_word(),
                },
                via: vias(&d, &ws_name),
                login: u.login,
                name: u.name,
            };
            if level.is_some_and(|l| l != row.level) {
                continue;
            }
            if via.is_some_and(|v| !row.via.iter().any(|x| x.kind == v)) {
                continue;
            }
            rows.push(row);
        }
        rows.sort_by(|a, b| {
            level_rank(&b.level)
                .cmp(&level_rank(&a.level))
                .then(a.login.cmp(&b.login))
        });
        let folder = r.item().is_some_and(|i| i.kind == ItemKind::Folder);
        Ok((r.path, rows, folder))
    }

    /// `who` with what its header says: the filters applied and, on a
    /// folder, that users who see it only as a path are not listed.
    pub fn who_report(
        &self,
        raw: &str,
        level: Option<&str>,
        via: Option<&str>,
    ) -> Result<WhoReport> {
        let (path, users, folder) = self.who_rows(raw, level, via)?;
        let filter: Vec<String> = [
            level.map(|l| format!("level {l}")),
            via.map(|v| format!("access through a {v}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        Ok(WhoReport {
            path,
            users,
            filter,
            path_only_hidden: folder,
        })
    }

    /// R34: `who` at `r` lists others' levels: the reader needs the whole
    /// sight of the grants there.
    pub(crate) fn require_who_readable(&self, r: &Resolved) -> Result<()> {
        crate::domain::rules::reads_who(self.grant_sight(r)?, &r.path).or_denied()
    }

    /// `access LOGIN [--workspace WS]`: what LOGIN can view, as a tree, limited
    /// to what the actor sees (R12, R14) and, for another user, to where the
    /// actor reads others' levels (R33, R34): above those, folders are paths.
    pub fn access(&self, login: &str, ws: Option<&str>) -> Result<Vec<TreeNode>> {
        let login = names::validate_login(login)?;
        self.require_user_readable(&login)?;
        if let Some(w) = ws {
            self.workspace_named(&names::validate_name(w, "workspace")?)?;
        }
        let them = self.app().session(&login)?;
        let root = ws.map(|w| format!("/{}", w.trim()));
        let trees = match them.tree(root.as_deref()) {
            Ok(t) => t,
            Err(e) if e.outcome == Outcome::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        let theirs = login != self.login();
        Ok(trees
            .into_iter()
            .filter_map(|n| self.keep_seen(n, theirs))
            .collect())
    }

    /// Drops from another user's tree what the actor does not see; with
    /// `theirs`, an item where the actor does not read others' levels (R34)
    /// stays only as the path to one where they do.
    fn keep_seen(&self, mut n: TreeNode, theirs: bool) -> Option<TreeNode> {
        n.children = n
            .children
            .into_iter()
            .filter_map(|c| self.keep_seen(c, theirs))
            .collect();
        if let Some(id) = n.entry.id {
            let r = self.resolve_id(id).ok()?;
            let sight = if theirs {
                self.grant_sight(&r).ok()?
            } else {
                crate::domain::rules::GrantSight::All
            };
            if sight != crate::domain::rules::GrantSight::All {
                if n.children.is_empty() {
                    return None;
                }
                n.entry.level = Some("path only".into());
                n.entry.path_only = true;
            }
            return Some(n);
        } else if n.entry.kind == "space" && self.resolve_str(&n.entry.path).is_err() {
            return None;
        } else if n.entry.kind == "workspace" {
            let name = n.entry.path.trim_start_matches('/');
            if self.workspace_named(name).is_err() {
                return None;
            }
        }
        Some(n)
    }
}

/// The level words a decision can give, by a small code (what-if tables
/// hold millions of them).
const WORDS: &[&str] = &[
    "none",
    "path only",
    "tenant",
    "viewer",
    "editor",
    "manager",
    "member",
    "owner",
    "admin",
];

fn word_code(w: &str) -> u8 {
    WORDS.iter().position(|x| *x == w).unwrap_or(0) as u8
}

impl App {
    /// Runs `op` as `login` and reports who gains and who loses which level on
    /// which items. With `dry_run`, nothing changes: the answer is computed on
    /// a view of the store with the change laid over it. Every change that
    /// reports on access comes here, made or not, so a dry run and the report
    /// recorded with the change (`log --access`) are one answer.
    pub fn with_access_report<T>(
        &self,
        login: &str,
        dry_run: bool,
        op: impl Fn(&Session<'_>) -> Result<T>,
    ) -> Result<(T, WhatIf)> {
        // The change is planned once, on the store as it is; its access
        // report is computed on the store as the plan leaves it; then (not
        // a dry run) the plan is made, with the report, in one transaction.
        // Planned under the writer lock: nothing commits between the plan
        // and its making (a dry run only reads).
        let lock = if dry_run {
            None
        } else {
            Some(self.store.begin()?)
        };
        let seq = match &lock {
            Some(t) => t.next_seq(),
            None => self.store.next_audit_seq()?,
        };
        let (first, plan) = {
            let s = self.session(login)?;
            crate::store::plan(|| op(&s))
        };
        let first = first?;
        let report = self.what_if(&plan.ops, login)?;
        let shown = self.in_sight(login, &plan.ops, &report)?;
        if let Some(t) = lock {
            make_planned(t, plan, seq, &report)?;
        }
        Ok((first, shown))
    }

    /// The report as `login` may read it (R33, R34): the items where they
    /// read others' levels, in the store as it is or as the change leaves
    /// it, and there the people they read or who view the item in either
    /// state; what is left out is counted, never named. (`log --access`
    /// keeps the whole report for the log's readers.)
    fn in_sight(&self, login: &str, ops: &[Op], report: &WhatIf) -> Result<WhatIf> {
        let planned = App {
            store: self.store.overlay(ops),
        };
        let (now, then) = (self.session(login)?, planned.session(login)?);
        let mut whole: HashMap<ItemId, bool> = HashMap::new();
        let mut hidden = 0usize;
        let mut groups = Vec::new();
        for g in &report.groups {
            // Everyone reads their own level on what they see (R34).
            if g.logins.iter().any(|l| l == login) {
                groups.push(ChangeGroup {
                    logins: vec![login.to_string()],
                    ..g.clone()
                });
            }
            let items: Vec<ChangedItem> = g
                .items
                .iter()
                .filter(|c| {
                    *whole
                        .entry(c.item)
                        .or_insert_with(|| reads_all(&now, c.item) || reads_all(&then, c.item))
                })
                .cloned()
                .collect();
            let views = |w: &str| !matches!(w, "none" | "path only");
            let others: Vec<&String> = g.logins.iter().filter(|l| *l != login).collect();
            let logins: Vec<String> = others
                .iter()
                .filter(|l| {
                    views(&g.before)
                        || views(&g.after)
                        || now.reads(crate::domain::rules::Person::User(l))
                })
                .map(|l| l.to_string())
                .collect();
            hidden += others.len() * g.items.len() - logins.len() * items.len();
            if !items.is_empty() && !logins.is_empty() {
                groups.push(ChangeGroup {
                    before: g.before.clone(),
                    after: g.after.clone(),
                    logins,
                    items,
                });
            }
        }
        if hidden == 0 {
            return Ok(report.clone());
        }
        let mut summary = summarize(&groups);
        summary.push(format!(
            "and {hidden} change(s) of others' access where you do not read it (R33, R34)"
        ));
        Ok(WhatIf { groups, summary })
    }

    /// The what-if engine's answer for planned writes `ops`, as `login`
    /// sees it: every affected user's level on every affected item, on the
    /// store as it is and as `ops` leave it (the overlay), compared. What
    /// can be affected is read from both states ([`scope::Scope`]).
    fn what_if(&self, ops: &[Op], login: &str) -> Result<WhatIf> {
        let planned = App {
            store: self.store.overlay(ops),
        };
        let states = [&self.store, &planned.store];
        let sc = scope::Scope::of(&states, ops)?;
        let before_scan = whatif::Scan::of(&self.store, &sc.items, &sc.spaces)?;
        let planned_scan = whatif::Scan::of(&planned.store, &sc.items, &sc.spaces)?;
        let items: BTreeSet<ItemId> = before_scan.ids().chain(planned_scan.ids()).collect();
        let mut u = whatif::Universe::new(&items);
        let before_v = whatif::StateView::build(self, &mut u, &before_scan, &sc.items, &sc.spaces)?;
        let planned_v =
            whatif::StateView::build(&planned, &mut u, &planned_scan, &sc.items, &sc.spaces)?;
        let logins = affected_logins(&states, &sc, &u, [&before_v, &planned_v], login)?;
        let before = whatif::levels(self, &u, &before_v, &logins, word_code)?;
        // Paths of items the change removes, while they still exist.
        let gone: BTreeSet<u32> = (0..u.len() as u32)
            .filter(|i| before_v.exists(*i as usize) && !planned_v.exists(*i as usize))
            .collect();
        let gone_paths = before_v.paths(self, &u, &gone)?;
        let after = whatif::levels(&planned, &u, &planned_v, &logins, word_code)?;
        let merged = merge_alike(&before, &after, &logins, login, u.len());
        let shown: BTreeSet<u32> = merged
            .keys()
            .flat_map(|(_, _, idx)| idx.iter().copied())
            .filter(|i| planned_v.exists(*i as usize))
            .collect();
        let mut paths = planned_v.paths(&planned, &u, &shown)?;
        paths.extend(gone_paths);
        let groups = change_groups(merged, &u, &paths);
        let summary = summarize(&groups);
        Ok(WhatIf { groups, summary })
    }
}

/// Who the what-if asks about: the users the change names; where items or
/// grants change, also those a grant on an affected item or its folders
/// reaches, or holding a role or the space (only they can change, R10), in
/// either state; and the actor, whose sight of the answer is what they see
/// before or after the change (R12, R14).
fn affected_logins(
    states: scope::States<'_, '_>,
    sc: &scope::Scope,
    u: &whatif::Universe,
    views: [&whatif::StateView; 2],
    actor: &str,
) -> Result<Vec<String>> {
    let mut logins: BTreeSet<String> = sc.users.clone();
    if sc.everyone {
        let (mut subj, mut sp) = (BTreeSet::new(), BTreeSet::new());
        for v in views {
            v.subjects(&mut subj);
            v.spaces(&mut sp);
        }
        let subjects: BTreeSet<Subject> = subj.iter().map(|i| u.subjects[*i].clone()).collect();
        let spaces: BTreeSet<SpaceRef> = sp.iter().map(|i| u.spaces[*i].clone()).collect();
        logins.extend(scope::candidates(states, &subjects, &spaces)?);
    }
    logins.insert(actor.to_string());
    Ok(logins.into_iter().collect())
}

/// The report's groups: who went from which level to which, on which items.
fn change_groups(
    merged: Merged,
    u: &whatif::Universe,
    paths: &HashMap<u32, String>,
) -> Vec<ChangeGroup> {
    merged
        .into_iter()
        .map(|((b, a, idx), mut logins)| {
            logins.sort();
            ChangeGroup {
                before: WORDS[b as usize].to_string(),
                after: WORDS[a as usize].to_string(),
                logins,
                items: idx
                    .iter()
                    .map(|i| ChangedItem {
                        item: u.ids[*i as usize],
                        path: paths.get(i).cloned().unwrap_or_default(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Makes a planned change that alters access in `t` (which holds the writer
/// lock since before the plan), recording who gains and who loses what
/// with it (`log --access`).
fn make_planned(
    mut t: crate::store::Txn<'_>,
    plan: crate::store::Planned,
    seq: u64,
    report: &WhatIf,
) -> Result<()> {
    if plan.ops.is_empty() {
        return Ok(());
    }
    let entries = plan.audits.first().zip(plan.audits.last());
    let entries = entries.map(|(f, l)| (f.seq, l.seq));
    t.adopt(plan, seq)?;
    if let Some((first, last)) = entries {
        let record = super::audit::AccessRecord::of(report, last);
        t.put(keys::audit_access(first), &record);
    }
    t.commit()?;
    Ok(())
}

/// Who goes from which level to which on which items (item indexes),
/// users alike in both states compared once; only items the actor (`login`)
/// sees before or after (R12, R14).
type Merged = BTreeMap<(u8, u8, Vec<u32>), Vec<String>>;

fn merge_alike(
    before: &whatif::Levels,
    after: &whatif::Levels,
    logins: &[String],
    login: &str,
    n: usize,
) -> Merged {
    let me = logins.iter().position(|l| l == login).unwrap_or(0);
    let (me_b, me_a) = (before.row(me, n), after.row(me, n));
    // Users alike in both states change alike: one comparison per kind of user.
    let mut alike: HashMap<_, Vec<usize>> = HashMap::new();
    for k in 0..logins.len() {
        alike
            .entry((before.key(k), after.key(k)))
            .or_default()
            .push(k);
    }
    let mut merged = Merged::new();
    for users in alike.values() {
        let (rb, ra) = (before.row(users[0], n), after.row(users[0], n));
        let mut parts: BTreeMap<(u8, u8), Vec<u32>> = BTreeMap::new();
        for i in 0..n {
            let (b, a) = (rb[i], ra[i]);
            if a == b || (me_b[i] == 0 && me_a[i] == 0) {
                continue;
            }
            parts.entry((b, a)).or_default().push(i as u32);
        }
        for ((b, a), idx) in parts {
            merged
                .entry((b, a, idx))
                .or_default()
                .extend(users.iter().map(|k| logins[*k].clone()));
        }
    }
    merged
}

/// R34: whether the session's user reads everyone's level on the item.
fn reads_all(s: &Session<'_>, id: ItemId) -> bool {
    s.resolve_id(id)
        .and_then(|r| s.grant_sight(&r))
        .is_ok_and(|g| g == crate::domain::rules::GrantSight::All)
}

/// "12 users lose viewer on 340 items below /Plant Ops/team/Line 3".
fn summarize(groups: &[ChangeGroup]) -> Vec<String> {
    type Users<'a> = BTreeSet<&'a str>;
    type Items<'a> = BTreeMap<ItemId, &'a str>;
    let mut by_change: BTreeMap<(String, String), (Users<'_>, Items<'_>)> = BTreeMap::new();
    for g in groups {
        let e = by_change
            .entry((g.before.clone(), g.after.clone()))
            .or_default();
        e.0.extend(g.logins.iter().map(|l| l.as_str()));
        e.1.extend(g.items.iter().map(|c| (c.item, c.path.as_str())));
    }
    let mut out = Vec::new();
    for ((b, a), (users, items)) in by_change {
        let distinct: Vec<&str> = items.values().copied().collect();
        let common = if distinct.len() == 1 {
            distinct[0].to_string()
        } else {
            common_prefix(&distinct)
        };
        let verb = match (level_rank(&b), level_rank(&a)) {
            (rb, ra) if rb <= 1 && ra > 1 => format!("gain {a}"),
            (rb, ra) if ra <= 1 && rb > 1 => format!(
                "lose {b}{}",
                if a == "path only" {
                    " (path only remains)"
                } else {
                    ""
                }
            ),
            _ => format!("go from {b} to {a}"),
        };
        let who: Vec<&str> = users.iter().copied().take(5).collect();
        let more = if users.len() > 5 {
            format!(", +{}", users.len() - 5)
        } else {
            String::new()
        };
        let place = if distinct.len() == 1 {
            format!("on {}", text::escape(&common))
        } else {
            // The common folder may be one of the items (a moved folder).
            let at = if distinct.contains(&common.as_str()) {
                "at and below"
            } else {
                "below"
            };
            format!("on {} items {at} {}", distinct.len(), text::escape(&common))
        };
        out.push(format!(
            "{} user(s) {verb} {place} ({}{more})",
            users.len(),
            who.join(", ")
        ));
    }
    if out.is_empty() {
        out.push("nobody's access changes".into());
    }
    out
}

fn common_prefix(paths: &[&str]) -> String {
    let Some(first) = paths.first() else {
        return String::new();
    };
    let mut segs: Vec<&str> = first.split('/').collect();
    for p in &paths[1..] {
        let other: Vec<&str> = p.split('/').collect();
        let n = segs.iter().zip(&other).take_while(|(a, b)| a == b).count();
        segs.truncate(n);
    }
    let s = segs.join("/");
    if s.is_empty() {
        "/".into()
    } else {
        s
    }
}
