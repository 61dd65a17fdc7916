//! The what-if oracle (issue 23 #4; SPEC §11 `--dry-run` on every change,
//! R10, R11, R14, R26): what a change reports about access — its dry run,
//! the report made with it, and the record `log --access` keeps — equals the
//! difference between every user's level on every item before and after the
//! real change. The truth is computed without the what-if engine: each
//! (user, item) pair asked of the app layer as that user (`resolve_id`, then
//! the rule table's view decision), in the store before and after. The
//! report shown to the actor names the pairs they may read (R33, R34: their
//! own; others' where their `who` answers before or after, for people their
//! `user ls` lists or who view the item) and counts the rest; the record
//! `log --access` keeps names every pair.
//!
//! Random worlds (people, groups, a unit tree, tenants, two workspaces,
//! roles, Team Space trees, My Creations with collaborations, grants; every
//! name distinctive) take random changes files (entries of every kind,
//! creating groups, units, users, tenants, folders and apps and using them,
//! in any order) and random single changes of every kind, by turns.
//!
//! Size: `TREEWARD_WHATIF_WORLDS` worlds (default 40; 8 on PostgreSQL) of
//! `TREEWARD_WHATIF_STEPS` changes each (default 24), from seed
//! `TREEWARD_WHATIF_SEED` (default 1). A failure names the seed and the
//! step. Every disagreement of a run is listed, with the rate per kind of
//! change, before it fails; `TREEWARD_WHATIF_VERBOSE=1` also prints each
//! change the rules refused (refused alike by its dry run). The long run:
//!   TREEWARD_WHATIF_WORLDS=300 cargo test --release --test integration -- whatif_oracle:: --nocapture
//!
//! Before the fix (what a change can affect, and who, read from the store
//! before the change only; `user rm` and `user add --tenant` not reported;
//! `--dry-run` only on some changes), worlds 1-100 gave: 95 of 981 changes
//! files (9.7%) disagreeing (first: seed 1 step 2, a group joined beside a
//! share, a rename and a mkdir), and every `user rm`, `user add --tenant`,
//! `ws rm`, `mkdir`, `app` and `rename` (no dry run, or no report); after
//! it, none of 2,956 files and 2,336 single changes in worlds 1-300.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use treeward::app::apply::{Change, Entry, Words};
use treeward::app::audit::AccessRecord;
use treeward::app::review::WhatIf;
use treeward::app::{App, Caller, Reply, Request, Session};
use treeward::domain::rules::Seen;
use treeward::domain::{Action, ItemId, ItemKind, Outcome, SpaceRef};
use treeward::store::{keys, Parent};

use crate::common::world::Rng;
use crate::common::*;

// ---------------------------------------------------------------------------
// The truth: every user's level on every item, pair by pair.

/// Every user's level word on every item of one state (words other than
/// `none` only), with each item's path.
#[derive(PartialEq, Debug)]
struct State {
    levels: BTreeMap<(String, ItemId), String>,
    paths: BTreeMap<ItemId, String>,
    users: BTreeSet<String>,
}

impl State {
    fn word(&self, login: &str, id: ItemId) -> &str {
        self.levels
            .get(&(login.to_string(), id))
            .map(|s| s.as_str())
            .unwrap_or("none")
    }
}

/// Every item of the store with its path: each workspace's Team Space and
/// every user's My Creations, walked down.
fn all_items(app: &App) -> BTreeMap<ItemId, String> {
    let st = app.store();
    let users = st.users().unwrap();
    let mut out = BTreeMap::new();
    for ws in st.workspaces().unwrap() {
        let mut roots = vec![(SpaceRef::team(ws.id), format!("/{}/team", ws.name))];
        for u in &users {
            roots.push((
                SpaceRef::my(ws.id, &u.login),
                format!("/{}/my/{}", ws.name, u.login),
            ));
        }
        for (space, at) in roots {
            let mut stack = vec![(Parent::Root(space), at)];
            while let Some((p, at)) = stack.pop() {
                for it in st.children(&p).unwrap() {
                    let path = format!("{at}/{}", it.name);
                    if it.kind == ItemKind::Folder {
                        stack.push((Parent::Folder(it.id), path.clone()));
                    }
                    out.insert(it.id, path);
                }
            }
        }
    }
    out
}

/// One user's level word on one item, as the app layer decides it for
/// them: `none` where they cannot see it (R12), `path only` on a folder
/// above what they see (R11).
fn word(s: &Session<'_>, id: ItemId) -> String {
    match s.resolve_id(id) {
        Ok(r) => {
            let d = s.decide(Action::View, &r).unwrap();
            if d.seen == Seen::Hidden {
                "none".into()
            } else {
                d.level_word()
            }
        }
        Err(e) if e.outcome == Outcome::NotFound => "none".into(),
        Err(e) => panic!("resolve {id}: {e}"),
    }
}

fn state(app: &App) -> State {
    let paths = all_items(app);
    let mut levels = BTreeMap::new();
    let mut users = BTreeSet::new();
    for u in app.store().users().unwrap() {
        let s = app.session(&u.login).unwrap();
        for id in paths.keys() {
            let w = word(&s, *id);
            if w != "none" {
                levels.insert((u.login.clone(), *id), w);
            }
        }
        users.insert(u.login);
    }
    State {
        levels,
        paths,
        users,
    }
}

/// A changed (user, item) pair: login, item, its path, level before, after.
type Row = (String, ItemId, String, String, String);

/// What the report must say: every pair whose level differs, on the items
/// the actor sees before or after the change (R12, R14), each named by its
/// path after the change (before it, for an item the change removes).
fn expected(before: &State, after: &State, actor: &str) -> BTreeSet<Row> {
    let ids: BTreeSet<ItemId> = before
        .paths
        .keys()
        .chain(after.paths.keys())
        .copied()
        .collect();
    let users: BTreeSet<&String> = before.users.iter().chain(&after.users).collect();
    let mut out = BTreeSet::new();
    for id in ids {
        if before.word(actor, id) == "none" && after.word(actor, id) == "none" {
            continue;
        }
        let path = after.paths.get(&id).or(before.paths.get(&id)).unwrap();
        for u in &users {
            let (b, a) = (before.word(u, id), after.word(u, id));
            if a != b {
                out.insert(((*u).clone(), id, path.clone(), b.into(), a.into()));
            }
        }
    }
    out
}

/// What the actor reads of others' access, in one state: the items where
/// they read who may use them (their `who` answers there; R34) and the
/// people they read (their `user ls`; R33).
struct Sight {
    items: BTreeSet<ItemId>,
    people: BTreeSet<String>,
}

fn sight(app: &App, actor: &str, st: &State) -> Sight {
    let items = st
        .paths
        .iter()
        .filter(|(_, p)| {
            let req = Request::Who {
                path: p.to_string(),
                level: None,
                via: None,
            };
            run(app, actor, req).is_ok()
        })
        .map(|(id, _)| *id)
        .collect();
    let people = match run(app, actor, Request::UserLs) {
        Ok(Reply::Users(rows)) => rows.into_iter().map(|r| r.login).collect(),
        other => panic!("user ls as {actor}: {other:?}"),
    };
    Sight { items, people }
}

/// The pairs of `all` that the report shown to the actor names (R33, R34):
/// their own, and another user's on an item whose grants the actor reads
/// before or after the change, where the actor reads that user (before
/// or after: a user the change adds) or the user views the item before or
/// after. `log --access` keeps all of them.
fn shown(all: &BTreeSet<Row>, actor: &str, before: &Sight, after: &Sight) -> BTreeSet<Row> {
    let views = |w: &str| !matches!(w, "none" | "path only");
    all.iter()
        .filter(|(u, id, _, b, a)| {
            u == actor
                || ((before.items.contains(id) || after.items.contains(id))
                    && (before.people.contains(u)
                        || after.people.contains(u)
                        || views(b)
                        || views(a)))
        })
        .cloned()
        .collect()
}

/// How many dry runs showed their actor only part of the truth (R34).
static PARTLY_HIDDEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The count of hidden changes the shown report ends with (none: 0).
fn hidden_count(r: &WhatIf) -> usize {
    r.summary
        .iter()
        .find_map(|l| {
            l.strip_prefix("and ")?
                .strip_suffix(" change(s) of others' access where you do not read it (R33, R34)")?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// A report shown to the actor, against the truth it may show.
fn judge(r: &WhatIf, want: &BTreeSet<Row>, all: usize) -> Option<String> {
    let got = rows_of(r);
    if got != *want {
        return Some(diff_text(&got, want));
    }
    let hidden = hidden_count(r);
    (hidden != all - want.len()).then(|| {
        format!(
            "it counts {hidden} hidden change(s), the truth is {}",
            all - want.len()
        )
    })
}

fn rows_of(r: &WhatIf) -> BTreeSet<Row> {
    r.changes()
        .map(|c| (c.login, c.item, c.path, c.before, c.after))
        .collect()
}

/// A recorded report's pairs, by path (the record keeps paths, not ids).
fn recorded_rows(r: &AccessRecord) -> Vec<(String, String, String, String)> {
    let mut v = Vec::new();
    for g in &r.groups {
        assert_eq!(
            g.items,
            g.paths.len(),
            "a small world's record keeps every path"
        );
        for l in &g.logins {
            for p in &g.paths {
                v.push((l.clone(), p.clone(), g.before.clone(), g.after.clone()));
            }
        }
    }
    v.sort();
    v
}

fn by_path(rows: &BTreeSet<Row>) -> Vec<(String, String, String, String)> {
    let mut v: Vec<_> = rows
        .iter()
        .map(|(l, _, p, b, a)| (l.clone(), p.clone(), b.clone(), a.clone()))
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------
// One change, checked.

fn run(app: &App, login: &str, req: Request) -> treeward::domain::Result<Reply> {
    let login = login.to_string();
    app.execute(Caller::new(&|| Ok(login.clone())), req)
}

/// A change to make and check: who makes it, the request, and whether the
/// real change must carry its report (every change that can alter access
/// to what exists; a creation only adds items, so only its dry run reports).
struct Step {
    actor: String,
    req: Request,
    must_record: bool,
    what: String,
}

/// What a step came to: not made (refused alike by its dry run and by the
/// change), made and agreeing, or a disagreement in words.
enum Verdict {
    Refused,
    Agrees,
    Disagrees(String),
}

fn diff_text(got: &BTreeSet<Row>, want: &BTreeSet<Row>) -> String {
    let extra: Vec<_> = got.difference(want).take(6).collect();
    let missing: Vec<_> = want.difference(got).take(6).collect();
    format!("reported but false: {extra:?}; true but not reported: {missing:?}")
}

/// The step's dry run, then the step made: both answers, or the verdict
/// when either was refused.
fn dry_then_made(app: &App, step: &Step, before: &State) -> Result<(Reply, Reply), Verdict> {
    let dry = run(
        app,
        &step.actor,
        Request::WhatIf(Box::new(step.req.clone())),
    );
    if state(app) != *before {
        return Err(Verdict::Disagrees("the dry run changed access".into()));
    }
    let real = run(app, &step.actor, step.req.clone());
    match (dry, real) {
        (Err(d), Err(r)) if d.outcome == r.outcome => {
            if std::env::var("TREEWARD_WHATIF_VERBOSE").is_ok() {
                let what: String = step.what.chars().take(60).collect();
                eprintln!("refused alike: {what}: {r}");
            }
            Err(Verdict::Refused)
        }
        (Err(d), Err(r)) => Err(Verdict::Disagrees(format!(
            "dry run refused ({d}), the change otherwise ({r})"
        ))),
        (Err(d), Ok(_)) => Err(Verdict::Disagrees(format!(
            "no dry run ({d}) of a change that was made"
        ))),
        (Ok(_), Err(r)) => Err(Verdict::Disagrees(format!(
            "the dry run passed, the change failed: {r}"
        ))),
        (Ok(d), Ok(r)) => Ok((d, r)),
    }
}

/// Makes the step, and compares its dry run, its own report and the record
/// `log --access` keeps with the truth.
fn check_step(app: &App, step: &Step) -> Verdict {
    let before = state(app);
    let sight_before = sight(app, &step.actor, &before);
    let seq = app.store().next_audit_seq().unwrap();
    let (dry, real) = match dry_then_made(app, step, &before) {
        Ok(both) => both,
        Err(v) => return v,
    };
    let after = state(app);
    let all = expected(&before, &after, &step.actor);
    let want = shown(
        &all,
        &step.actor,
        &sight_before,
        &sight(app, &step.actor, &after),
    );
    let mut wrong = Vec::new();
    match dry {
        Reply::AccessChanged {
            report,
            dry_run: true,
            ..
        } => {
            if let Some(w) = judge(&report, &want, all.len()) {
                wrong.push(format!("dry run: {w}"));
            }
            if want.len() < all.len() {
                PARTLY_HIDDEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        other => wrong.push(format!("the dry run answered {other:?}")),
    }
    match (&real, step.must_record) {
        (Reply::AccessChanged { report, .. }, _) => {
            if let Some(w) = judge(report, &want, all.len()) {
                wrong.push(format!("the change's report: {w}"));
            }
        }
        (_, false) => {}
        (other, true) => wrong.push(format!("the change reported no access change: {other:?}")),
    }
    wrong.extend(check_record(app, seq, step.must_record, &all));
    if wrong.is_empty() {
        Verdict::Agrees
    } else {
        Verdict::Disagrees(wrong.join("; "))
    }
}

/// What `log --access` keeps of the change whose first entry is `seq`:
/// the truth, path by path (nothing, where nothing changed).
fn check_record(app: &App, seq: u64, must_record: bool, want: &BTreeSet<Row>) -> Option<String> {
    let record: Option<AccessRecord> = app
        .store()
        .audit_extra(keys::AUDIT_ACCESS, seq, "access record")
        .unwrap();
    match record {
        Some(r) if recorded_rows(&r) != by_path(want) => Some(format!(
            "log --access keeps {:?}, the truth is {:?}",
            r.summary,
            by_path(want)
        )),
        None if must_record && !want.is_empty() => Some("log --access keeps nothing".into()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Random worlds.

/// A distinctive name: a prefix and six hexadecimal digits.
fn name(rng: &mut Rng, prefix: &str) -> String {
    format!("{prefix}{}", &rng.tag()[..6])
}

fn pick<'a, T>(rng: &mut Rng, v: &'a [T]) -> Option<&'a T> {
    (!v.is_empty()).then(|| &v[rng.below(v.len())])
}

const DW: &str = "Default Workspace";

/// A store to test on: sled in a new directory, or a new PostgreSQL
/// database when the suite runs on PostgreSQL.
fn open_store(t: &tempfile::TempDir, seed: u64) -> App {
    if pg::selected() {
        return new_app(&format!("whatif{seed}"));
    }
    App::open(&t.path().join(format!("w{seed}"))).unwrap()
}

/// A random world, made by the owner `own` (and the owners of My
/// Creations) through the app layer.
fn build_world(app: &App, rng: &mut Rng) {
    app.init("own").unwrap();
    let plain = build_people(app, rng);
    let other = name(rng, "WS-");
    own(
        app,
        Request::WsAdd {
            name: other.clone(),
        },
    );
    for ws in [DW, other.as_str()] {
        for u in &plain {
            let mask = [0, 0, 0, 4, 4, 6, 1, 5, 7][rng.below(9)];
            let roles = crate::common::world::roles_of(mask);
            if !roles.is_empty() {
                own(
                    app,
                    Request::RoleGrant {
                        ws: ws.into(),
                        login: u.clone(),
                        roles,
                    },
                );
            }
        }
        build_team(app, rng, ws, if ws == DW { 11 } else { 5 });
    }
    build_my_creations(app, rng);
    share_randomly(app, rng, 10);
}

/// A request the owner makes in building a world.
fn own(app: &App, req: Request) {
    run(app, "own", req).unwrap();
}

/// Two tenants, seven plain users and two tenant users (R26), three groups
/// and a tree of four units with random members. Returns the plain users.
fn build_people(app: &App, rng: &mut Rng) -> Vec<String> {
    let tenants: Vec<String> = (0..2).map(|_| name(rng, "tn")).collect();
    for t in &tenants {
        own(app, Request::TenantAdd { tenant: t.clone() });
    }
    let plain: Vec<String> = (0..7).map(|_| name(rng, "u")).collect();
    let tenant_users: Vec<(String, Option<String>)> = (0..2)
        .map(|_| (name(rng, "t"), pick(rng, &tenants).cloned()))
        .collect();
    let everyone = plain.iter().map(|u| (u.clone(), None)).chain(tenant_users);
    for (login, tenant) in everyone {
        own(
            app,
            Request::UserAdd {
                login,
                name: None,
                tenant,
            },
        );
    }
    for _ in 0..3 {
        let group = name(rng, "grp");
        own(
            app,
            Request::GroupAdd {
                group: group.clone(),
            },
        );
        for login in plain.iter().filter(|_| rng.chance(35)) {
            let (group, login) = (group.clone(), login.clone());
            own(app, Request::GroupJoin { group, login });
        }
    }
    let mut units: Vec<String> = Vec::new();
    for _ in 0..4 {
        let unit = name(rng, "ou");
        let parent = pick(rng, &units).filter(|_| rng.chance(70)).cloned();
        own(
            app,
            Request::OrgAdd {
                unit: unit.clone(),
                parent,
            },
        );
        units.push(unit);
    }
    for login in &plain {
        if !rng.chance(45) {
            continue;
        }
        let unit = pick(rng, &units).unwrap().clone();
        own(
            app,
            Request::OrgJoin {
                unit,
                login: login.clone(),
            },
        );
    }
    plain
}

/// A random Team Space tree of `n` items, a few apps with assets.
fn build_team(app: &App, rng: &mut Rng, ws: &str, n: usize) {
    let mut folders: Vec<String> = Vec::new();
    for i in 0..n {
        let folder = i == 0 || rng.chance(55);
        let at = match pick(rng, &folders) {
            Some(f) if !rng.chance(25) => f.clone(),
            _ => format!("/{ws}/team"),
        };
        let path = format!("{at}/{}", name(rng, if folder { "F" } else { "A" }));
        let req = if folder {
            Request::Mkdir { path: path.clone() }
        } else {
            Request::App { path: path.clone() }
        };
        run(app, "own", req).unwrap();
        if folder {
            folders.push(path);
        } else if rng.chance(50) {
            let (kind, asset) = ("chart".to_string(), name(rng, "c"));
            run(
                app,
                "own",
                Request::AssetAdd {
                    app_path: path,
                    kind,
                    name: asset,
                },
            )
            .unwrap();
        }
    }
}

/// Two analysts of the Default Workspace make items in their My Creations
/// and share them with collaborators (R16).
fn build_my_creations(app: &App, rng: &mut Rng) {
    let n = names(app);
    let analysts = n.analysts.get(DW).cloned().unwrap_or_default();
    for who in analysts.iter().take(2) {
        let root = format!("/{DW}/my/{who}");
        let folder = format!("{root}/{}", name(rng, "F"));
        run(
            app,
            who,
            Request::Mkdir {
                path: folder.clone(),
            },
        )
        .unwrap();
        for at in [folder.as_str(), root.as_str()] {
            let path = format!("{at}/{}", name(rng, "A"));
            run(app, who, Request::App { path }).unwrap();
        }
        let subject = subject(rng, &n, false);
        let level = ["editor", "viewer"][rng.below(2)].to_string();
        let _ = run(
            app,
            who,
            Request::Share {
                path: folder,
                subject,
                level,
                note: String::new(),
            },
        );
    }
}

/// `k` random grants by the owner (those the rules refuse are left out).
fn share_randomly(app: &App, rng: &mut Rng, k: usize) {
    for _ in 0..k {
        let n = names(app);
        let Some((path, _)) = pick(rng, &n.team_items).cloned() else {
            return;
        };
        let subject = subject(rng, &n, true);
        let level = level_for(rng, &subject);
        let _ = run(
            app,
            "own",
            Request::Share {
                path,
                subject,
                level,
                note: String::new(),
            },
        );
    }
}

/// What the store holds now, by name: what random changes pick from.
#[derive(Default, Clone)]
struct Names {
    users: Vec<String>,
    plain: Vec<String>,
    groups: Vec<String>,
    members: Vec<(String, String)>,
    units: Vec<String>,
    unit_members: Vec<(String, String)>,
    tenants: Vec<String>,
    workspaces: Vec<String>,
    analysts: BTreeMap<String, Vec<String>>,
    /// (workspace, login, roles) of every member.
    roles: Vec<(String, String, Vec<String>)>,
    /// Every item: (path, is a folder).
    items: Vec<(String, bool)>,
    /// Every app with its owner (§1; who may move it across spaces, R24, R25).
    apps: Vec<(String, String)>,
    team_items: Vec<(String, bool)>,
    /// (path, subject) of every grant.
    grants: Vec<(String, String)>,
    assets: Vec<String>,
    /// Folders and space roots: where items go.
    places: Vec<String>,
}

fn names(app: &App) -> Names {
    let st = app.store();
    let mut n = Names::default();
    let owner = app.account_owner().unwrap().unwrap();
    for u in st.users().unwrap() {
        if u.login == owner {
            continue;
        }
        if u.tenant.is_none() {
            n.plain.push(u.login.clone());
        }
        n.users.push(u.login);
    }
    for g in st.groups().unwrap() {
        for m in st.group_members(&g.name).unwrap() {
            n.members.push((g.name.clone(), m));
        }
        n.groups.push(g.name);
    }
    for o in st.orgs().unwrap() {
        for m in st.org_members(&o.name).unwrap() {
            n.unit_members.push((o.name.clone(), m));
        }
        n.units.push(o.name);
    }
    n.tenants = st.tenants().unwrap().into_iter().map(|t| t.name).collect();
    for ws in st.workspaces().unwrap() {
        n.places.push(format!("/{}/team", ws.name));
        for (login, roles) in st.members(ws.id).unwrap() {
            if roles.has(treeward::domain::Role::Analyst) {
                n.analysts
                    .entry(ws.name.clone())
                    .or_default()
                    .push(login.clone());
                n.places.push(format!("/{}/my/{login}", ws.name));
            }
            let words = roles
                .to_string()
                .split_whitespace()
                .map(str::to_string)
                .collect();
            n.roles.push((ws.name.clone(), login, words));
        }
        n.workspaces.push(ws.name);
    }
    for (id, path) in all_items(app) {
        let it = st.item(id).unwrap().unwrap();
        let folder = it.kind == ItemKind::Folder;
        if folder {
            n.places.push(path.clone());
        } else {
            n.apps.push((path.clone(), it.owner.clone()));
            for a in st.assets(id).unwrap() {
                n.assets
                    .push(format!("{path}:{}/{}", a.kind.as_str(), a.name));
            }
        }
        for g in st.grants_on(id).unwrap() {
            n.grants.push((
                path.clone(),
                format!("{}:{}", g.subject.kind(), g.subject.name()),
            ));
        }
        if path.contains("/team/") {
            n.team_items.push((path.clone(), folder));
        }
        n.items.push((path, folder));
    }
    n
}

/// A random grant subject; tenants only where `tenants`.
fn subject(rng: &mut Rng, n: &Names, tenants: bool) -> String {
    let kinds = if tenants { 4 } else { 3 };
    for _ in 0..8 {
        let s = match rng.below(kinds) {
            0 => pick(rng, &n.users).map(|u| format!("user:{u}")),
            1 => pick(rng, &n.groups).map(|g| format!("group:{g}")),
            2 => pick(rng, &n.units).map(|u| format!("org:{u}")),
            _ => pick(rng, &n.tenants).map(|t| format!("tenant:{t}")),
        };
        if let Some(s) = s {
            return s;
        }
    }
    "user:own".into()
}

fn level_for(rng: &mut Rng, subject: &str) -> String {
    if subject.starts_with("tenant:") {
        "tenant".into()
    } else {
        ["manager", "editor", "viewer"][rng.below(3)].into()
    }
}

fn roles_word(rng: &mut Rng) -> Words {
    let all = ["sysadmin", "datamanager", "analyst"];
    let k = 1 + rng.below(3);
    let start = rng.below(3);
    Words::Many((0..k).map(|i| all[(start + i) % 3].to_string()).collect())
}

// ---------------------------------------------------------------------------
// Random changes files.

/// Names a changes file creates, used by its entries (before or after the
/// entry that creates them: in any order).
struct Fresh {
    group: String,
    unit: String,
    user: String,
    tenant: String,
    folder: String,
    app: String,
}

fn fresh_names(rng: &mut Rng, n: &Names) -> Fresh {
    let place = pick(rng, &n.places)
        .cloned()
        .unwrap_or(format!("/{DW}/team"));
    let folder = format!("{place}/{}", name(rng, "F"));
    let app = format!("{folder}/{}", name(rng, "A"));
    Fresh {
        group: name(rng, "grp"),
        unit: name(rng, "ou"),
        user: name(rng, "u"),
        tenant: name(rng, "tn"),
        folder,
        app,
    }
}

/// Names as a file sees them: what exists and what the file creates.
fn with_fresh(n: &Names, f: &Fresh) -> Names {
    let mut m = n.clone();
    m.groups.push(f.group.clone());
    m.units.push(f.unit.clone());
    m.users.push(f.user.clone());
    m.plain.push(f.user.clone());
    m.tenants.push(f.tenant.clone());
    m.items.push((f.folder.clone(), true));
    m.items.push((f.app.clone(), false));
    m.places.push(f.folder.clone());
    m
}

/// One random entry, of any kind.
fn entry(rng: &mut Rng, n: &Names, f: &Fresh) -> Option<Change> {
    if rng.chance(55) {
        item_entry(rng, n, f)
    } else {
        people_entry(rng, n, f)
    }
}

/// An entry about items, grants or roles.
fn item_entry(rng: &mut Rng, n: &Names, f: &Fresh) -> Option<Change> {
    let s = |v: Option<&String>| v.cloned();
    let item = |rng: &mut Rng| pick(rng, &n.items).map(|(p, _)| p.clone());
    Some(match rng.below(13) {
        0..=3 => {
            let subject = subject(rng, n, true);
            Change::Share {
                path: item(rng)?,
                level: level_for(rng, &subject),
                subject,
                note: None,
            }
        }
        4 => {
            let (path, subject) = pick(rng, &n.grants)?.clone();
            Change::Unshare { path, subject }
        }
        5 => Change::Mkdir {
            path: f.folder.clone(),
        },
        6 => Change::App {
            path: f.app.clone(),
        },
        7 => Change::Mv {
            path: item(rng)?,
            to: s(pick(rng, &n.places))?,
        },
        8 => Change::Rename {
            path: item(rng)?,
            name: name(rng, "R"),
        },
        9 => Change::Rm { path: item(rng)? },
        10 => Change::RoleGrant {
            ws: s(pick(rng, &n.workspaces))?,
            login: s(pick(rng, &n.plain))?,
            roles: roles_word(rng),
        },
        11 => {
            let (ws, login, _) = pick(rng, &n.roles)?.clone();
            let transfer_to = n.analysts.get(&ws).and_then(|a| pick(rng, a)).cloned();
            Change::RoleRevoke {
                ws,
                login,
                roles: roles_word(rng),
                transfer_to,
            }
        }
        _ => match rng.below(4) {
            0 => Change::Describe {
                path: item(rng)?,
                text: name(rng, "d"),
            },
            1 => Change::AssetAdd {
                app: f.app.clone(),
                kind: "chart".into(),
                name: name(rng, "c"),
            },
            2 => Change::AssetRm {
                path: s(pick(rng, &n.assets))?,
            },
            _ => Change::WsAdd {
                name: name(rng, "WS-"),
            },
        },
    })
}

/// An entry about people: users, groups, units, tenants; half of the
/// memberships name the group or unit the file itself makes.
fn people_entry(rng: &mut Rng, n: &Names, f: &Fresh) -> Option<Change> {
    let s = |v: Option<&String>| v.cloned();
    let fresh_or = |rng: &mut Rng, new: &String, old: &[String]| {
        if rng.chance(50) {
            Some(new.clone())
        } else {
            pick(rng, old).cloned()
        }
    };
    Some(match rng.below(10) {
        0 => Change::UserAdd {
            login: f.user.clone(),
            name: None,
            tenant: s(pick(rng, &n.tenants)).filter(|_| rng.chance(50)),
        },
        1 => Change::GroupAdd {
            group: f.group.clone(),
        },
        2 | 3 => Change::GroupJoin {
            group: fresh_or(rng, &f.group, &n.groups)?,
            login: s(pick(rng, &n.users))?,
        },
        4 => {
            let (group, login) = pick(rng, &n.members)?.clone();
            Change::GroupLeave { group, login }
        }
        5 => Change::OrgAdd {
            unit: f.unit.clone(),
            parent: s(pick(rng, &n.units)).filter(|_| rng.chance(80)),
        },
        6 | 7 => Change::OrgJoin {
            unit: fresh_or(rng, &f.unit, &n.units)?,
            login: s(pick(rng, &n.users))?,
        },
        8 => {
            let (unit, login) = pick(rng, &n.unit_members)?.clone();
            Change::OrgLeave { unit, login }
        }
        _ => Change::TenantAdd {
            tenant: f.tenant.clone(),
        },
    })
}

/// A random changes file of 2 to 9 entries, trimmed to the entries the
/// store takes (a refused entry names its line: it is left out and the
/// rest tried again), made by the owner mostly, else by another user.
fn changes_file(app: &App, rng: &mut Rng) -> Option<Step> {
    let n = names(app);
    let fresh = fresh_names(rng, &n);
    let seen = with_fresh(&n, &fresh);
    let k = 2 + rng.below(8);
    let changes: Vec<Change> = (0..k * 2)
        .filter_map(|_| entry(rng, &seen, &fresh))
        .take(k)
        .collect();
    let actor = if rng.chance(75) {
        "own".to_string()
    } else {
        pick(rng, &n.plain)?.clone()
    };
    let mut entries: Vec<Entry> = changes
        .into_iter()
        .enumerate()
        .map(|(i, change)| Entry {
            line: i + 1,
            change,
        })
        .collect();
    let s = app.session(&actor).ok()?;
    loop {
        if entries.is_empty() {
            return None;
        }
        let (r, _) = treeward::store::plan(|| s.apply(&entries));
        match r {
            Ok(_) => break,
            Err(e) => {
                let line: usize = e
                    .message
                    .strip_prefix("line ")?
                    .split(' ')
                    .next()?
                    .parse()
                    .ok()?;
                entries.retain(|x| x.line != line);
            }
        }
    }
    let what = entries
        .iter()
        .map(|e| e.change.words())
        .collect::<Vec<_>>()
        .join("; ");
    Some(Step {
        actor,
        req: Request::Apply { entries },
        must_record: true,
        what: format!("apply [{what}]"),
    })
}

// ---------------------------------------------------------------------------
// Random single changes, of every kind.

/// The places in the workspace of `path` (items move within one).
fn same_workspace(places: &[String], path: &str) -> Vec<String> {
    let ws = path.split('/').nth(1).unwrap_or_default();
    let prefix = format!("/{ws}/");
    places
        .iter()
        .filter(|p| p.starts_with(&prefix))
        .cloned()
        .collect()
}

/// A random single change, of any kind: who makes it, what, and whether
/// the change made must carry its report.
fn single(app: &App, rng: &mut Rng) -> Option<Step> {
    let n = names(app);
    let (actor, req, must_record) = if rng.chance(45) {
        item_single(rng, &n)?
    } else {
        ("own".to_string(), account_single(rng, &n)?, true)
    };
    let what = format!("{req:?}");
    Some(Step {
        actor,
        req,
        must_record,
        what,
    })
}

/// A change of items or grants, by the owner or another user. Adding an
/// item or renaming one changes no one's access to what exists: only its
/// dry run reports (who will see the new item).
fn item_single(rng: &mut Rng, n: &Names) -> Option<(String, Request, bool)> {
    let item = |rng: &mut Rng| pick(rng, &n.items).map(|(p, _)| p.clone());
    let anyone = |rng: &mut Rng| {
        if rng.chance(40) {
            Some("own".to_string())
        } else {
            pick(rng, &n.plain).cloned()
        }
    };
    let own = "own".to_string();
    Some(match rng.below(9) {
        // A move within the workspace, mostly by the owner (R23).
        0 => {
            let path = item(rng)?;
            let dest = pick(rng, &same_workspace(&n.places, &path))?.clone();
            let who = if rng.chance(70) { own } else { anyone(rng)? };
            (who, Request::Mv { path, dest }, true)
        }
        // An app moved by its owner, across spaces too (R24, R25).
        1 => {
            let (path, owner) = pick(rng, &n.apps)?.clone();
            let dest = pick(rng, &same_workspace(&n.places, &path))?.clone();
            (owner, Request::Mv { path, dest }, true)
        }
        2 | 3 => {
            let subject = subject(rng, n, true);
            let level = level_for(rng, &subject);
            let path = item(rng)?;
            let note = String::new();
            let req = Request::Share {
                path,
                subject,
                level,
                note,
            };
            (anyone(rng)?, req, true)
        }
        4 => {
            let (path, subject) = pick(rng, &n.grants)?.clone();
            (anyone(rng)?, Request::Unshare { path, subject }, true)
        }
        5 => (anyone(rng)?, Request::Rm { path: item(rng)? }, true),
        // Leaving a collaboration: the user a grant names (R17).
        6 => {
            let (path, subject) = pick(rng, &n.grants)?.clone();
            let who = subject.strip_prefix("user:").map(str::to_string);
            (who.unwrap_or(own), Request::Leave { path }, true)
        }
        7 => {
            let path = format!("{}/{}", pick(rng, &n.places)?, name(rng, "N"));
            let req = if rng.chance(50) {
                Request::Mkdir { path }
            } else {
                Request::App { path }
            };
            let who = if rng.chance(60) { own } else { anyone(rng)? };
            (who, req, false)
        }
        _ => {
            let req = Request::Rename {
                path: item(rng)?,
                new_name: name(rng, "R"),
            };
            (anyone(rng)?, req, false)
        }
    })
}

/// A change of people, memberships, roles or workspaces (the owner's, R4).
fn account_single(rng: &mut Rng, n: &Names) -> Option<Request> {
    let s = |v: Option<&String>| v.cloned();
    let heir = |rng: &mut Rng, ws: Option<&str>, not: &str| {
        let all: Vec<String> = n
            .analysts
            .iter()
            .filter(|(w, _)| ws.is_none_or(|x| x == w.as_str()))
            .flat_map(|(_, a)| a.iter().filter(|l| *l != not).cloned())
            .collect();
        pick(rng, &all).cloned().filter(|_| rng.chance(70))
    };
    Some(match rng.below(11) {
        0 => Request::RoleGrant {
            ws: s(pick(rng, &n.workspaces))?,
            login: s(pick(rng, &n.plain))?,
            roles: parse_roles(&roles_word(rng).list()),
        },
        1 => {
            let (ws, login, roles) = pick(rng, &n.roles)?.clone();
            let k = 1 + rng.below(roles.len().max(1));
            let transfer_to = heir(rng, Some(&ws), &login);
            let roles = parse_roles(&roles[..k.min(roles.len())]);
            Request::RoleRevoke {
                ws,
                login,
                roles,
                transfer_to,
            }
        }
        2 => Request::GroupJoin {
            group: s(pick(rng, &n.groups))?,
            login: s(pick(rng, &n.users))?,
        },
        3 => {
            let (group, login) = pick(rng, &n.members)?.clone();
            Request::GroupLeave { group, login }
        }
        4 => Request::GroupRm {
            group: s(pick(rng, &n.groups))?,
        },
        5 => Request::OrgJoin {
            unit: s(pick(rng, &n.units))?,
            login: s(pick(rng, &n.users))?,
        },
        6 => {
            let (unit, login) = pick(rng, &n.unit_members)?.clone();
            Request::OrgLeave { unit, login }
        }
        7 => Request::OrgRm {
            unit: s(pick(rng, &n.units))?,
        },
        // Offboarding, with the My Creations handed over (R8).
        8 => {
            let login = s(pick(rng, &n.users))?;
            let transfer_to = heir(rng, None, &login);
            Request::UserRm { login, transfer_to }
        }
        // A new tenant user sees their tenant's apps (R26).
        9 => Request::UserAdd {
            login: name(rng, "u"),
            name: None,
            tenant: s(pick(rng, &n.tenants)),
        },
        _ => Request::WsRm {
            name: s(pick(rng, &n.workspaces))?,
        },
    })
}

fn parse_roles(words: &[String]) -> Vec<treeward::domain::Role> {
    words.iter().map(|w| w.parse().unwrap()).collect()
}

// ---------------------------------------------------------------------------
// The run.

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Default)]
struct Tally {
    files: usize,
    singles: usize,
    refused: usize,
    wrong_files: usize,
    wrong_singles: usize,
    /// Per kind of change: made, disagreeing.
    kinds: BTreeMap<String, (usize, usize)>,
    notes: Vec<String>,
}

fn run_world(seed: u64, steps: u64, tally: &mut Tally) {
    let t = tempfile::tempdir().unwrap();
    let app = open_store(&t, seed);
    let mut rng = Rng(seed);
    build_world(&app, &mut rng);
    for i in 0..steps {
        let file = i % 2 == 0;
        let step = if file {
            changes_file(&app, &mut rng)
        } else {
            single(&app, &mut rng)
        };
        let Some(step) = step else { continue };
        let verdict = check_step(&app, &step);
        if matches!(verdict, Verdict::Refused) {
            tally.refused += 1;
            continue;
        }
        let (made, wrong) = if file {
            (&mut tally.files, &mut tally.wrong_files)
        } else {
            (&mut tally.singles, &mut tally.wrong_singles)
        };
        *made += 1;
        let kind = step.what.split([' ', '[']).next().unwrap_or("").to_string();
        let per_kind = tally.kinds.entry(kind).or_default();
        per_kind.0 += 1;
        if let Verdict::Disagrees(why) = verdict {
            *wrong += 1;
            per_kind.1 += 1;
            tally.notes.push(format!(
                "seed {seed} step {i}, {} as {}: {why}",
                step.what, step.actor
            ));
        }
    }
}

/// The oracle: on random worlds, every changes file and every single
/// change reports exactly the access it changes (dry run, the change's own
/// report, and `log --access`), pair by pair (issue 23 #4).
#[test]
fn what_if_equals_the_change_pair_by_pair_on_random_worlds() {
    let worlds = env_or(
        "TREEWARD_WHATIF_WORLDS",
        if pg::selected() { 8 } else { 40 },
    );
    let steps = env_or("TREEWARD_WHATIF_STEPS", 24);
    let first = env_or("TREEWARD_WHATIF_SEED", 1);
    let mut tally = Tally::default();
    for seed in first..first + worlds {
        run_world(seed, steps, &mut tally);
    }
    let rate =
        |w: usize, n: usize| format!("{w} of {n} ({:.1}%)", 100.0 * w as f64 / n.max(1) as f64);
    eprintln!(
        "what-if oracle: {worlds} worlds from seed {first}; changes files disagreeing: {}; single changes disagreeing: {}; refused alike: {}",
        rate(tally.wrong_files, tally.files),
        rate(tally.wrong_singles, tally.singles),
        tally.refused
    );
    let kinds: Vec<String> = tally
        .kinds
        .iter()
        .map(|(k, (n, w))| format!("{k} {w}/{n}"))
        .collect();
    eprintln!("  by kind (disagreeing/made): {}", kinds.join(", "));
    eprintln!(
        "  dry runs showing their actor part of the truth, the rest counted (R33, R34): {}",
        PARTLY_HIDDEN.load(std::sync::atomic::Ordering::Relaxed)
    );
    for n in tally.notes.iter().take(20) {
        eprintln!("  {n}");
    }
    assert!(
        tally.notes.is_empty(),
        "{} disagreement(s); the first: {}",
        tally.notes.len(),
        tally.notes[0]
    );
}

// ---------------------------------------------------------------------------
// The cases found (issue 23 #4), through the command line on the demo store.

const TEAM: &str = "/Default Workspace/team";

/// (login, path, before, after) of a report as `--json` gives it: a
/// change's (`items`, each with its path) or a log entry's (`paths`).
fn pairs(access: &Value) -> BTreeSet<(String, String, String, String)> {
    let mut out = BTreeSet::new();
    for g in access["groups"].as_array().unwrap() {
        let paths: Vec<String> = match g["paths"].as_array() {
            Some(ps) => ps.iter().map(|p| p.as_str().unwrap().to_string()).collect(),
            None => g["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["path"].as_str().unwrap().to_string())
                .collect(),
        };
        for l in g["logins"].as_array().unwrap() {
            for p in &paths {
                out.insert((
                    l.as_str().unwrap().to_string(),
                    p.clone(),
                    g["before"].as_str().unwrap().to_string(),
                    g["after"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out
}

fn quad(login: &str, path: &str, before: &str, after: &str) -> (String, String, String, String) {
    (login.into(), path.into(), before.into(), after.into())
}

/// A demo store owned by `root` (on PostgreSQL when the suite runs there).
fn demo_db(t: &tempfile::TempDir, tag: &str) -> std::path::PathBuf {
    let db = fresh(t, "store", tag);
    crate::common::store::demo(&db, "root");
    db
}

fn export(db: &Path) -> String {
    expect(db, "root", &["export"], 0).stdout
}

/// The last entry of `log --access`, as JSON.
fn last_access(db: &Path) -> Value {
    let log = expect(db, "root", &["--json", "log", "--access"], 0).json();
    log.as_array().unwrap().last().unwrap().clone()
}

/// Applies `text` as a changes file: its dry run (nothing changes), then
/// the change; both reports and `log --access` must agree. Returns the pairs.
fn apply_both_ways(
    t: &tempfile::TempDir,
    db: &Path,
    text: &str,
) -> BTreeSet<(String, String, String, String)> {
    let file = t.path().join("changes.yaml");
    std::fs::write(&file, text).unwrap();
    let file = file.to_str().unwrap();
    let before = export(db);
    let dry = expect(db, "root", &["--json", "apply", "--dry-run", file], 0).json();
    assert_eq!(export(db), before, "a dry run changed the store");
    let made = expect(db, "root", &["--json", "apply", file], 0).json();
    let (dry, made) = (pairs(&dry["access"]), pairs(&made["access"]));
    assert_eq!(dry, made, "the dry run and the change agree");
    assert_eq!(
        pairs(&last_access(db)["access"]),
        made,
        "log --access keeps the report"
    );
    made
}

/// Issue 23 #4: a unit made under `sales` (granted manager on Plant/Line1)
/// and joined by heidi in one file: heidi gains manager on Line1 and the
/// three items below it (R10; Plant she already saw as a path, through
/// `operations` on Line2, R11). It reported "nobody's access changes".
#[test]
fn issue23_4_org_added_and_joined_in_one_file_reports_heidi_gaining_manager() {
    let t = tempfile::tempdir().unwrap();
    let db = demo_db(&t, "wforg");
    let got = apply_both_ways(
        &t,
        &db,
        "- org_add: {unit: u1, parent: sales}\n- org_join: {unit: u1, login: heidi}\n",
    );
    let line1 = format!("{TEAM}/Plant/Line1");
    let want: BTreeSet<_> = ["", "/OEE", "/Cells", "/Cells/Cell monitor"]
        .iter()
        .map(|p| quad("heidi", &format!("{line1}{p}"), "none", "manager"))
        .collect();
    assert_eq!(got, want);
}

/// Issue 23 #4: a group made, joined by frank and shared on Quality in one
/// file: frank gains viewer on Quality and everything below it (R10).
#[test]
fn issue23_4_group_made_joined_and_shared_in_one_file_reports_its_member() {
    let t = tempfile::tempdir().unwrap();
    let db = demo_db(&t, "wfgroup");
    let got = apply_both_ways(
        &t,
        &db,
        &format!(
            "- group_add: {{group: reviewers}}\n- group_join: {{group: reviewers, login: frank}}\n- share: {{path: \"{TEAM}/Quality\", subject: \"group:reviewers\", level: viewer}}\n"
        ),
    );
    let want: BTreeSet<_> = ["", "/SPC", "/Audits", "/Audits/ISO 9001 checklist"]
        .iter()
        .map(|p| quad("frank", &format!("{TEAM}/Quality{p}"), "none", "viewer"))
        .collect();
    assert_eq!(got, want);
}

/// Issue 23 #4: judy joins the existing group `operations` (viewer on
/// Plant/Line2, manager on Plant Ops' Utilities) in a file that also makes
/// a folder: she gains those, and Plant as a path (R10, R11).
#[test]
fn issue23_4_existing_group_joined_in_a_file_with_other_entries_reports_the_joiner() {
    let t = tempfile::tempdir().unwrap();
    let db = demo_db(&t, "wfjoin");
    let got = apply_both_ways(
        &t,
        &db,
        &format!(
            "- group_join: {{group: operations, login: judy}}\n- mkdir: {{path: \"{TEAM}/Archive/Old\"}}\n"
        ),
    );
    let judy: BTreeSet<_> = got.iter().filter(|q| q.0 == "judy").cloned().collect();
    let want: BTreeSet<_> = [
        quad("judy", &format!("{TEAM}/Plant"), "none", "path only"),
        quad("judy", &format!("{TEAM}/Plant/Line2"), "none", "viewer"),
        quad(
            "judy",
            &format!("{TEAM}/Plant/Line2/Energy"),
            "none",
            "viewer",
        ),
        quad("judy", "/Plant Ops/team/Utilities", "none", "manager"),
        quad(
            "judy",
            "/Plant Ops/team/Utilities/Compressed air",
            "none",
            "manager",
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(judy, want);
}

/// Issue 23 #4, SPEC §11: `user rm --dry-run` says who loses what and
/// changes nothing; the removal then reports the same and `log --access`
/// shows the offboarding. frank (in `operations`) loses viewer on
/// Plant/Line2 and manager on Plant Ops' Utilities, with what lies below.
#[test]
fn issue23_4_user_rm_dry_run_and_log_access_show_offboarding() {
    let t = tempfile::tempdir().unwrap();
    let db = demo_db(&t, "wfuserrm");
    let before = export(&db);
    let dry = expect(&db, "root", &["user", "rm", "frank", "--dry-run"], 0);
    assert!(
        dry.stdout.starts_with("dry run: nothing changed."),
        "{}",
        dry.stdout
    );
    assert!(dry.stdout.contains("lose manager"), "{}", dry.stdout);
    assert_eq!(export(&db), before, "a dry run changed the store");
    let dry = expect(
        &db,
        "root",
        &["--json", "--dry-run", "user", "rm", "frank"],
        0,
    )
    .json();
    let made = expect(&db, "root", &["--json", "user", "rm", "frank"], 0).json();
    let want: BTreeSet<_> = [
        quad("frank", &format!("{TEAM}/Plant"), "path only", "none"),
        quad("frank", &format!("{TEAM}/Plant/Line2"), "viewer", "none"),
        quad(
            "frank",
            &format!("{TEAM}/Plant/Line2/Energy"),
            "viewer",
            "none",
        ),
        quad("frank", "/Plant Ops/team/Utilities", "manager", "none"),
        quad(
            "frank",
            "/Plant Ops/team/Utilities/Compressed air",
            "manager",
            "none",
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(pairs(&dry["access"]), want);
    assert_eq!(pairs(&made["access"]), want);
    let last = last_access(&db);
    assert_eq!(last["action"], "user rm", "{last}");
    assert_eq!(pairs(&last["access"]), want);
    let text = expect(&db, "root", &["log", "--access"], 0).stdout;
    assert!(
        text.contains("user rm") && text.contains("lose manager"),
        "{text}"
    );
}

/// Issue 23 #4: a change made through a session (the terminal UI's path:
/// its moves, shares, unshares, deletes and its undo, which is a changes
/// file) records the same access change as the command line, so `log
/// --access` shows it: on random worlds, each against the truth.
#[test]
fn issue23_4_changes_made_through_a_session_record_their_access_change() {
    let t = tempfile::tempdir().unwrap();
    let seed = env_or("TREEWARD_WHATIF_SEED", 1) + 9_000;
    let app = open_store(&t, seed);
    let mut rng = Rng(seed);
    build_world(&app, &mut rng);
    let mut recorded = 0;
    for i in 0..30 {
        let step = if i % 2 == 0 {
            changes_file(&app, &mut rng)
        } else {
            single(&app, &mut rng)
        };
        let Some(step) = step.filter(|s| s.must_record) else {
            continue;
        };
        let before = state(&app);
        let seq = app.store().next_audit_seq().unwrap();
        let Ok(s) = app.session(&step.actor) else {
            continue;
        };
        if s.execute(step.req.clone()).is_err() {
            assert_eq!(state(&app), before, "a refused change changed access");
            continue;
        }
        let want = expected(&before, &state(&app), &step.actor);
        let wrong = check_record(&app, seq, true, &want);
        assert!(
            wrong.is_none(),
            "seed {seed} step {i}, {}: {wrong:?}",
            step.what
        );
        recorded += usize::from(!want.is_empty());
    }
    assert!(recorded > 3, "only {recorded} changes altered access");
}

/// SPEC §11: a dry run changes nothing, on every command. `--dry-run`
/// before a command that is no change of the account (a load, a copy, a
/// view) is refused (exit 2) instead of running it for real: `--dry-run
/// demo` filled the store.
#[test]
fn dry_run_never_runs_a_command_for_real() {
    let t = tempfile::tempdir().unwrap();
    let db = fresh(&t, "store", "wfdry");
    let r = expect(&db, "root", &["--dry-run", "demo"], 2);
    assert!(r.stderr.contains("nothing was run"), "{}", r.stderr);
    // The store is still empty: the demo fills it now.
    crate::common::store::demo(&db, "root");
    let file = t.path().join("e.json");
    std::fs::write(&file, export(&db)).unwrap();
    let before = export(&db);
    let other = fresh(&t, "other", "wfdry2");
    for args in [
        vec!["--dry-run", "import", file.to_str().unwrap()],
        vec![
            "--dry-run",
            "copy",
            db.to_str().unwrap(),
            other.to_str().unwrap(),
        ],
        vec!["--dry-run", "who", "/Default Workspace/team/Plant"],
        vec!["--dry-run", "doctor", "--repair"],
    ] {
        expect(&db, "root", &args, 2);
    }
    assert_eq!(export(&db), before);
    // Every change of the account has one: a rename, a new user.
    for args in [
        vec![
            "--dry-run",
            "rename",
            "/Default Workspace/team/Plant",
            "Works",
        ],
        vec!["--dry-run", "user", "add", "zed"],
        vec!["ws", "add", "Spare", "--dry-run"],
    ] {
        let r = expect(&db, "root", &args, 0);
        assert!(
            r.stdout.starts_with("dry run: nothing changed."),
            "{args:?}: {}",
            r.stdout
        );
    }
    assert_eq!(export(&db), before);
}
