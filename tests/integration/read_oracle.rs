//! The privacy oracle (issue 23): what each user is shown is a subset of what
//! SPEC lets them read (R11, R12, R14, R26, R29, R31, R33, R34, R35), on
//! every surface: every read request of the command line (its reply, its
//! text as the binary prints it), and the terminal UI (every pane, item and
//! tab, the who view, the pickers, the palette, help, the message history,
//! and the status line after others' changes).
//!
//! The truth is a model written here from SPEC, not from treeward: the world
//! is built through the app layer as its users would build it and recorded
//! beside; the model says, per user, which names they may read. Every name
//! of a world is distinctive — two letters, `q`, ten hexadecimal digits — so
//! a name the UI cut short still matches on its first nine characters.
//!
//! Besides names, the structure: `who`, `explain` and `check` of another
//! user answer where R34 lets the reader and only there; people the reader
//! may not read are answered as absent, in the same words as a name that
//! does not exist (R12, R33); the Activity a reader gets holds only what
//! R35 gives them; a change pushed to a reader is the entry, only that an
//! item they can view changed, or nothing (R35).
//!
//! The demo store's shape is checked too (`demo`: its 13 users, every name
//! made distinctive; READ_ORACLE_DEMO_RUNS, default 2).
//!
//! CI: READ_ORACLE_WORLDS (default 5) random worlds on each store (sled, and
//! PostgreSQL in its pass). Longer:
//!   READ_ORACLE_WORLDS=200 cargo test --release --test integration -- read_oracle:: --nocapture

use std::collections::BTreeSet;

use treeward::app::{App, Caller, Reply, Request};
use treeward::domain::AuditEntry;
use treeward::tui::keys::{Input, Key, KeyCode};
use treeward::tui::theme::Theme;
use treeward::tui::{buffer_text, render_test, KeyMap, Ui};

use crate::common::env_number;
use crate::common::world::Rng;

mod demo;

// ---- the world and its model ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Lvl {
    Tenant,
    Viewer,
    Editor,
    Manager,
}

impl Lvl {
    fn word(self) -> &'static str {
        match self {
            Lvl::Tenant => "tenant",
            Lvl::Viewer => "viewer",
            Lvl::Editor => "editor",
            Lvl::Manager => "manager",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subj {
    User(usize),
    Group(usize),
    Unit(usize),
    Tenant(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Space {
    Team(usize),
    /// (workspace, owner)
    My(usize, usize),
}

impl Space {
    fn ws(self) -> usize {
        match self {
            Space::Team(w) | Space::My(w, _) => w,
        }
    }
}

#[derive(Debug, Clone)]
struct Grant {
    subj: Subj,
    lvl: Lvl,
    note: String,
}

#[derive(Debug, Clone)]
struct Item {
    id: u64,
    name: String,
    folder: bool,
    parent: Option<usize>,
    space: Space,
    alive: bool,
    grants: Vec<Grant>,
    assets: Vec<String>,
    description: String,
    /// Every note its grants ever had (its log entries name them).
    notes_ever: Vec<String>,
}

#[derive(Debug, Clone)]
struct User {
    login: String,
    tenant: Option<usize>,
    /// Per workspace: 1 sysadmin, 2 datamanager, 4 analyst.
    roles: Vec<u8>,
    groups: BTreeSet<usize>,
    unit: Option<usize>,
}

#[derive(Debug, Default)]
struct World {
    users: Vec<User>,
    groups: Vec<String>,
    units: Vec<(String, Option<usize>)>,
    tenants: Vec<String>,
    ws: Vec<String>,
    /// Per workspace: resource endpoints, integration names and endpoints.
    ws_secrets: Vec<Vec<String>>,
    items: Vec<Item>,
    /// Per user: the names they were shown at a checkpoint (they keep them).
    known: Vec<BTreeSet<String>>,
    /// Per workspace: every name its Team Space ever held (its log names them).
    team_history: Vec<BTreeSet<String>>,
    /// Notes a user wrote themselves.
    wrote: Vec<BTreeSet<String>>,
    /// Every distinctive name of the world.
    tokens: BTreeSet<String>,
}

const OWNER: usize = 0;

fn token(rng: &mut Rng, kind: &str, w: &mut World) -> String {
    let t = format!("{kind}q{}", rng.tag());
    w.tokens.insert(t.clone());
    t
}

impl World {
    fn is_tenant(&self, u: usize) -> bool {
        self.users[u].tenant.is_some()
    }
    fn member(&self, u: usize, w: usize) -> bool {
        u == OWNER || self.users[u].roles[w] != 0
    }
    fn admin(&self, u: usize, w: usize) -> bool {
        u == OWNER || self.users[u].roles[w] == 7
    }
    fn unit_covers(&self, granted: usize, u: usize) -> bool {
        let mut cur = self.users[u].unit;
        while let Some(x) = cur {
            if x == granted {
                return true;
            }
            cur = self.units[x].1;
        }
        false
    }
    /// R10, R26: the subject reaches the user (tenant users by their tenant only).
    fn covers(&self, u: usize, s: Subj) -> bool {
        match (self.users[u].tenant, s) {
            (Some(t), Subj::Tenant(x)) => t == x,
            (Some(_), _) => false,
            (None, Subj::User(x)) => x == u,
            (None, Subj::Group(g)) => self.users[u].groups.contains(&g),
            (None, Subj::Unit(o)) => self.unit_covers(o, u),
            (None, Subj::Tenant(_)) => false,
        }
    }
    fn chain(&self, i: usize) -> Vec<usize> {
        let mut v = vec![i];
        let mut cur = self.items[i].parent;
        while let Some(p) = cur {
            v.push(p);
            cur = self.items[p].parent;
        }
        v
    }
    fn level(&self, u: usize, i: usize) -> Option<Lvl> {
        self.chain(i)
            .into_iter()
            .flat_map(|k| self.items[k].grants.iter())
            .filter(|g| self.covers(u, g.subj))
            .map(|g| g.lvl)
            .max()
    }
    /// The user may view the item (R10, R14, R15, R16, R21, R22, R26).
    fn sees(&self, u: usize, i: usize) -> bool {
        let it = &self.items[i];
        if !it.alive {
            return false;
        }
        match it.space {
            Space::Team(w) => {
                self.admin(u, w)
                    || match self.level(u, i) {
                        Some(Lvl::Tenant) => !it.folder,
                        Some(_) => true,
                        None => false,
                    }
            }
            Space::My(_, o) => u == o || (!self.is_tenant(u) && self.level(u, i).is_some()),
        }
    }
    /// Seen at least as the path to an item below (R11).
    fn visible(&self, u: usize, i: usize) -> bool {
        self.sees(u, i)
            || (self.items[i].alive
                && (0..self.items.len())
                    .any(|d| d != i && self.sees(u, d) && self.chain(d).contains(&i)))
    }
    fn ws_seen(&self, u: usize, w: usize) -> bool {
        self.member(u, w)
            || (0..self.items.len()).any(|i| self.items[i].space.ws() == w && self.visible(u, i))
    }
    fn people_all(&self, u: usize) -> bool {
        u == OWNER || self.users[u].roles.iter().any(|r| *r != 0)
    }
    /// R33.
    fn reads(&self, u: usize, s: Subj) -> bool {
        if self.people_all(u) {
            return true;
        }
        let t = self.is_tenant(u);
        match s {
            Subj::User(x) => x == u,
            Subj::Tenant(x) => self.users[u].tenant == Some(x),
            Subj::Group(g) => !t && self.users[u].groups.contains(&g),
            Subj::Unit(o) => !t && self.unit_covers(o, u),
        }
    }
    fn may_share(&self, u: usize, i: usize) -> bool {
        match self.items[i].space {
            Space::Team(w) => self.admin(u, w) || self.level(u, i) == Some(Lvl::Manager),
            Space::My(_, o) => u == o,
        }
    }
    /// R34: the reader reads every grant on the item and everyone's level there.
    fn sight_all(&self, u: usize, i: usize) -> bool {
        let sp = self.items[i].space;
        self.sees(u, i)
            && !self.is_tenant(u)
            && (self.member(u, sp.ws())
                || matches!(sp, Space::My(_, o) if o == u)
                || self.may_share(u, i))
    }
    /// R32, R35.
    fn reads_log(&self, u: usize, w: usize) -> bool {
        self.admin(u, w)
    }
    fn subj_name(&self, s: Subj) -> String {
        match s {
            Subj::User(x) => format!("user:{}", self.users[x].login),
            Subj::Group(g) => format!("group:{}", self.groups[g]),
            Subj::Unit(o) => format!("org:{}", self.units[o].0),
            Subj::Tenant(t) => format!("tenant:{}", self.tenants[t]),
        }
    }
    fn path(&self, i: usize) -> String {
        let names: Vec<&str> = self
            .chain(i)
            .into_iter()
            .rev()
            .map(|k| self.items[k].name.as_str())
            .collect();
        format!(
            "{}/{}",
            self.space_path(self.items[i].space),
            names.join("/")
        )
    }
    fn space_path(&self, s: Space) -> String {
        match s {
            Space::Team(w) => format!("/{}/team", self.ws[w]),
            Space::My(w, o) => format!("/{}/my/{}", self.ws[w], self.users[o].login),
        }
    }

    /// Every name the model lets `u` read now (R11-R14, R26, R29, R31, R33-R35),
    /// with what they were shown before and their own notes.
    fn allowed(&self, u: usize) -> BTreeSet<String> {
        let mut ok = self.known[u].clone();
        ok.extend(self.wrote[u].iter().cloned());
        for x in 0..self.users.len() {
            if self.reads(u, Subj::User(x)) {
                ok.insert(self.users[x].login.clone());
            }
        }
        for g in 0..self.groups.len() {
            if self.reads(u, Subj::Group(g)) {
                ok.insert(self.groups[g].clone());
            }
        }
        for o in 0..self.units.len() {
            if self.reads(u, Subj::Unit(o)) {
                ok.insert(self.units[o].0.clone());
            }
        }
        for t in 0..self.tenants.len() {
            if self.reads(u, Subj::Tenant(t)) {
                ok.insert(self.tenants[t].clone());
            }
        }
        for w in 0..self.ws.len() {
            if self.ws_seen(u, w) {
                ok.insert(self.ws[w].clone());
            }
            if self.member(u, w) {
                ok.extend(self.ws_secrets[w].iter().cloned());
            }
            if self.reads_log(u, w) {
                ok.extend(self.team_history[w].iter().cloned());
            }
        }
        ok.extend(self.now_visible(u));
        ok
    }

    /// The names of items, assets, descriptions and notes `u` reads now.
    fn now_visible(&self, u: usize) -> BTreeSet<String> {
        let mut ok = BTreeSet::new();
        for i in 0..self.items.len() {
            if !self.visible(u, i) {
                continue;
            }
            let it = &self.items[i];
            ok.insert(it.name.clone());
            // The path to it names its My Creations' owner (R11).
            if let Space::My(_, o) = it.space {
                ok.insert(self.users[o].login.clone());
            }
            if !self.sees(u, i) {
                continue;
            }
            ok.extend(it.assets.iter().cloned());
            ok.insert(it.description.clone());
            // Notes on the item and above it, by the sight of R34; with the
            // whole sight, the subjects they name and who can view it.
            let all = self.sight_all(u, i);
            for k in self.chain(i) {
                for g in &self.items[k].grants {
                    if all || self.covers(u, g.subj) {
                        ok.insert(g.note.clone());
                    }
                    if all {
                        ok.insert(
                            self.subj_name(g.subj)
                                .split(':')
                                .nth(1)
                                .unwrap()
                                .to_string(),
                        );
                    }
                }
            }
            if all {
                ok.extend(
                    (0..self.users.len())
                        .filter(|x| self.sees(*x, i))
                        .map(|x| self.users[x].login.clone()),
                );
            }
            // The log's readers read the item's entries, its past notes too (R35).
            if self.reads_log(u, it.space.ws()) {
                ok.extend(it.notes_ever.iter().cloned());
            }
        }
        ok.remove("");
        ok
    }

    /// A checkpoint: what each user is shown now, they keep knowing; every
    /// Team Space name goes into its workspace's history.
    fn checkpoint(&mut self) {
        for u in 0..self.users.len() {
            let v = self.now_visible(u);
            self.known[u].extend(v);
            for w in 0..self.ws.len() {
                if self.ws_seen(u, w) {
                    let name = self.ws[w].clone();
                    self.known[u].insert(name);
                }
            }
        }
        for i in 0..self.items.len() {
            if let (Space::Team(w), true) = (self.items[i].space, self.items[i].alive) {
                let it = self.items[i].clone();
                self.team_history[w].insert(it.name.clone());
                self.team_history[w].extend(it.assets.iter().cloned());
                self.team_history[w].insert(it.description.clone());
                self.team_history[w].extend(it.grants.iter().map(|g| g.note.clone()));
            }
        }
    }
}

// ---- building a world through the app layer, as its users would ----

fn exec(app: &App, login: &str, req: Request) -> treeward::domain::Result<Reply> {
    let l = login.to_string();
    app.execute(Caller::new(&|| Ok(l.clone())), req)
}

fn must(app: &App, login: &str, req: Request) -> Reply {
    exec(app, login, req.clone()).unwrap_or_else(|e| panic!("building: {login} {req:?}: {e}"))
}

const USERS: usize = 8;
const WORKSPACES: usize = 2;
const ROLES: [&str; 3] = ["sysadmin", "datamanager", "analyst"];

fn people(app: &App, rng: &mut Rng, w: &mut World) {
    let own = w.users[OWNER].login.clone();
    for t in 0..2 {
        let name = token(rng, "tn", w);
        must(
            app,
            &own,
            Request::TenantAdd {
                tenant: name.clone(),
            },
        );
        w.tenants.push(name);
        let _ = t;
    }
    for u in 1..USERS {
        // u1-u4 members (roles below), u5 in no workspace, u6 and u7 tenant users.
        let tenant = match u {
            6 => Some(0),
            7 => Some(1),
            _ => None,
        };
        let login = token(rng, "ux", w);
        must(
            app,
            &own,
            Request::UserAdd {
                login: login.clone(),
                name: None,
                tenant: tenant.map(|t| w.tenants[t].clone()),
            },
        );
        w.users.push(User {
            login,
            tenant,
            roles: vec![0; WORKSPACES],
            groups: BTreeSet::new(),
            unit: None,
        });
    }
    for g in 0..3 {
        let name = token(rng, "gr", w);
        must(
            app,
            &own,
            Request::GroupAdd {
                group: name.clone(),
            },
        );
        w.groups.push(name);
        for u in 1..USERS {
            if rng.chance(35) {
                let login = w.users[u].login.clone();
                must(
                    app,
                    &own,
                    Request::GroupJoin {
                        group: w.groups[g].clone(),
                        login,
                    },
                );
                w.users[u].groups.insert(g);
            }
        }
    }
    for o in 0..3 {
        let name = token(rng, "ou", w);
        let parent = (o == 1).then_some(0);
        must(
            app,
            &own,
            Request::OrgAdd {
                unit: name.clone(),
                parent: parent.map(|p: usize| w.units[p].0.clone()),
            },
        );
        w.units.push((name, parent));
    }
    for u in 1..USERS {
        if rng.chance(50) {
            let o = rng.below(3);
            let login = w.users[u].login.clone();
            must(
                app,
                &own,
                Request::OrgJoin {
                    unit: w.units[o].0.clone(),
                    login,
                },
            );
            w.users[u].unit = Some(o);
        }
    }
}

fn workspaces(app: &App, rng: &mut Rng, w: &mut World) {
    let own = w.users[OWNER].login.clone();
    let first = token(rng, "ws", w);
    must(
        app,
        &own,
        Request::WsRename {
            name: "Default Workspace".into(),
            new: first.clone(),
        },
    );
    w.ws.push(first);
    for _ in 1..WORKSPACES {
        let name = token(rng, "ws", w);
        must(app, &own, Request::WsAdd { name: name.clone() });
        w.ws.push(name);
    }
    for ws in 0..WORKSPACES {
        // u1 admin of the first, u2 an analyst in both; the rest at random.
        for u in 1..=4 {
            let mask = match (ws, u) {
                (0, 1) => 7,
                (_, 2) => 4 | rng.below(4) as u8,
                _ if rng.chance(30) => 0,
                _ => rng.below(8) as u8,
            };
            let roles: Vec<_> = (0..3)
                .filter(|b| mask & (1 << b) != 0)
                .map(|b| ROLES[b].parse().unwrap())
                .collect();
            if !roles.is_empty() {
                let login = w.users[u].login.clone();
                let wsname = w.ws[ws].clone();
                must(
                    app,
                    &own,
                    Request::RoleGrant {
                        ws: wsname,
                        login,
                        roles,
                    },
                );
            }
            w.users[u].roles[ws] = mask;
        }
        let mut secrets = Vec::new();
        for kind in ["influxdb", "postgresql", "fileserver"] {
            let t = token(rng, "rs", w);
            must(
                app,
                &own,
                Request::ResourceSet {
                    ws: w.ws[ws].clone(),
                    kind: kind.into(),
                    endpoint: format!("{kind}://{t}:1/x"),
                },
            );
            secrets.push(t);
        }
        for _ in 0..2 {
            let (name, end) = (token(rng, "ig", w), token(rng, "ie", w));
            must(
                app,
                &own,
                Request::IntegAdd {
                    ws: w.ws[ws].clone(),
                    name: name.clone(),
                    kind: "http".into(),
                    endpoint: format!("https://{end}.example/api"),
                    settings: String::new(),
                },
            );
            secrets.extend([name, end]);
        }
        w.ws_secrets.push(secrets);
    }
}

/// Creates an item in `space` under `parent` as `actor`; recorded when made.
fn create(
    app: &App,
    rng: &mut Rng,
    w: &mut World,
    space: Space,
    parent: Option<usize>,
    folder: bool,
    actor: usize,
) -> bool {
    let name = token(rng, "it", w);
    create_named(app, w, (space, parent), folder, actor, name)
}

/// Creates the item `name` in `space` under `parent` as `actor`; recorded
/// when made.
fn create_named(
    app: &App,
    w: &mut World,
    (space, parent): (Space, Option<usize>),
    folder: bool,
    actor: usize,
    name: String,
) -> bool {
    let at = match parent {
        Some(p) => w.path(p),
        None => w.space_path(space),
    };
    let path = format!("{at}/{name}");
    let req = if folder {
        Request::Mkdir { path }
    } else {
        Request::App { path }
    };
    if let Ok(Reply::Placed { id, .. }) = exec(app, &w.users[actor].login.clone(), req) {
        w.items.push(Item {
            id,
            name,
            folder,
            parent,
            space,
            alive: true,
            grants: Vec::new(),
            assets: Vec::new(),
            description: String::new(),
            notes_ever: Vec::new(),
        });
        return true;
    }
    false
}

/// A random item tree in each Team Space (by its admin) and each analyst's
/// My Creations (by its owner), with assets, descriptions and integrations.
fn items(app: &App, rng: &mut Rng, w: &mut World) {
    let mut spaces = Vec::new();
    for ws in 0..WORKSPACES {
        spaces.push((Space::Team(ws), OWNER));
        for u in 1..=4 {
            if w.users[u].roles[ws] & 4 != 0 {
                spaces.push((Space::My(ws, u), u));
            }
        }
    }
    for (space, actor) in spaces {
        let n = 2 + rng.below(5);
        for _ in 0..n {
            let folders: Vec<usize> = (0..w.items.len())
                .filter(|i| w.items[*i].space == space && w.items[*i].folder)
                .collect();
            let parent = if folders.is_empty() || rng.chance(30) {
                None
            } else {
                Some(folders[rng.below(folders.len())])
            };
            let folder = rng.chance(55);
            create(app, rng, w, space, parent, folder, actor);
        }
    }
    for i in 0..w.items.len() {
        let actor = match w.items[i].space {
            Space::Team(_) => OWNER,
            Space::My(_, o) => o,
        };
        let login = w.users[actor].login.clone();
        let path = w.path(i);
        if !w.items[i].folder && rng.chance(60) {
            let a = token(rng, "as", w);
            must(
                app,
                &login,
                Request::AssetAdd {
                    app_path: path.clone(),
                    kind: "dashboard".into(),
                    name: a.clone(),
                },
            );
            w.items[i].assets.push(a);
        }
        if rng.chance(40) {
            let d = token(rng, "ds", w);
            must(
                app,
                &login,
                Request::Describe {
                    path: path.clone(),
                    text: format!("about {d}"),
                },
            );
            w.items[i].description = d;
        }
        if !w.items[i].folder && rng.chance(40) {
            let ws = w.items[i].space.ws();
            let name = w.ws_secrets[ws][3].clone();
            let _ = exec(
                app,
                &login,
                Request::IntegAttach {
                    app_path: path,
                    name,
                    attach: true,
                },
            );
        }
    }
}

/// A random subject and a level the space takes (R16, R26, R27).
fn some_grant(rng: &mut Rng, w: &World, space: Space) -> (Subj, Lvl) {
    let subj = match rng.below(10) {
        0..=3 => Subj::User(1 + rng.below(w.users.len() - 1)),
        4..=5 => Subj::Group(rng.below(w.groups.len())),
        6..=7 => Subj::Unit(rng.below(w.units.len())),
        _ => Subj::Tenant(rng.below(w.tenants.len())),
    };
    let subj = match (space, subj) {
        (Space::My(..), Subj::Tenant(_)) => Subj::Group(0),
        (_, Subj::User(x)) if w.is_tenant(x) => Subj::Tenant(w.users[x].tenant.unwrap()),
        (_, s) => s,
    };
    let lvl = match (space, subj) {
        (_, Subj::Tenant(_)) => Lvl::Tenant,
        (Space::My(..), _) => [Lvl::Viewer, Lvl::Editor][rng.below(2)],
        _ => [Lvl::Viewer, Lvl::Editor, Lvl::Manager][rng.below(3)],
    };
    (subj, lvl)
}

/// Shares as `actor`; recorded when made (sharing again replaces, R16, R27).
fn share(app: &App, rng: &mut Rng, w: &mut World, i: usize, actor: usize) -> bool {
    let (subj, lvl) = some_grant(rng, w, w.items[i].space);
    let note = token(rng, "nt", w);
    share_as(app, w, (i, actor), subj, lvl, note)
}

/// Shares item `i` as `actor` with `subj` at `lvl`; recorded when made.
fn share_as(
    app: &App,
    w: &mut World,
    (i, actor): (usize, usize),
    subj: Subj,
    lvl: Lvl,
    note: String,
) -> bool {
    let req = Request::Share {
        path: w.path(i),
        subject: w.subj_name(subj),
        level: lvl.word().into(),
        note: note.clone(),
    };
    if exec(app, &w.users[actor].login.clone(), req).is_err() {
        return false;
    }
    w.wrote[actor].insert(note.clone());
    w.items[i].notes_ever.push(note.clone());
    w.items[i].grants.retain(|g| g.subj != subj);
    w.items[i].grants.push(Grant { subj, lvl, note });
    true
}

fn grants(app: &App, rng: &mut Rng, w: &mut World) {
    for i in 0..w.items.len() {
        let actor = match w.items[i].space {
            Space::Team(_) => OWNER,
            Space::My(_, o) => o,
        };
        for _ in 0..rng.below(3) {
            share(app, rng, w, i, actor);
        }
    }
}

fn build(app: &App, seed: u64) -> (World, Rng) {
    let mut rng = Rng(seed);
    let mut w = World::default();
    let own = token(&mut rng, "ux", &mut w);
    app.init(&own).expect("init");
    w.users.push(User {
        login: own,
        tenant: None,
        roles: vec![7; WORKSPACES],
        groups: BTreeSet::new(),
        unit: None,
    });
    people(app, &mut rng, &mut w);
    workspaces(app, &mut rng, &mut w);
    w.known = vec![BTreeSet::new(); USERS];
    w.wrote = vec![BTreeSet::new(); USERS];
    w.team_history = vec![BTreeSet::new(); WORKSPACES];
    items(app, &mut rng, &mut w);
    grants(app, &mut rng, &mut w);
    w.checkpoint();
    (w, rng)
}

// ---- others' changes ----

/// One random change by someone who may make it (renames, moves within a
/// space, shares, unshares, deletes of a leaf); the model follows what was made.
fn change(app: &App, rng: &mut Rng, w: &mut World) -> Option<usize> {
    let alive: Vec<usize> = (0..w.items.len()).filter(|i| w.items[*i].alive).collect();
    let i = alive[rng.below(alive.len())];
    let actor = match w.items[i].space {
        Space::Team(_) => [OWNER, 1][rng.below(2)],
        Space::My(_, o) => o,
    };
    let login = w.users[actor].login.clone();
    if rng.chance(15) {
        return membership(app, rng, w);
    }
    let made = match rng.below(5) {
        0 => {
            let new = token(rng, "it", w);
            let ok = exec(
                app,
                &login,
                Request::Rename {
                    path: w.path(i),
                    new_name: new.clone(),
                },
            )
            .is_ok();
            if ok {
                w.items[i].name = new;
            }
            ok
        }
        1 => {
            let sp = w.items[i].space;
            let dests: Vec<usize> = alive
                .iter()
                .copied()
                .filter(|d| {
                    w.items[*d].space == sp && w.items[*d].folder && !w.chain(*d).contains(&i)
                })
                .collect();
            let dest = dests.get(rng.below(dests.len().max(1))).copied();
            let to = dest.map(|d| w.path(d)).unwrap_or_else(|| w.space_path(sp));
            let ok = exec(
                app,
                &login,
                Request::Mv {
                    path: w.path(i),
                    dest: to,
                },
            )
            .is_ok();
            if ok {
                w.items[i].parent = dest;
            }
            ok
        }
        2 => share(app, rng, w, i, actor),
        3 if !w.items[i].grants.is_empty() => {
            let g = rng.below(w.items[i].grants.len());
            let subject = w.subj_name(w.items[i].grants[g].subj);
            let ok = exec(
                app,
                &login,
                Request::Unshare {
                    path: w.path(i),
                    subject,
                },
            )
            .is_ok();
            if ok {
                w.items[i].grants.remove(g);
            }
            ok
        }
        _ => {
            let leaf = !alive.iter().any(|c| w.items[*c].parent == Some(i));
            let ok = leaf && exec(app, &login, Request::Rm { path: w.path(i) }).is_ok();
            if ok {
                w.items[i].alive = false;
            }
            ok
        }
    };
    made.then_some(actor)
}

/// The account owner adds someone to a group or takes them out (R4): their
/// reach grows or shrinks (R10), and an open UI must follow.
fn membership(app: &App, rng: &mut Rng, w: &mut World) -> Option<usize> {
    let (g, u) = (rng.below(w.groups.len()), 1 + rng.below(w.users.len() - 1));
    let (group, login) = (w.groups[g].clone(), w.users[u].login.clone());
    let own = w.users[OWNER].login.clone();
    let join = !w.users[u].groups.contains(&g);
    let req = if join {
        Request::GroupJoin { group, login }
    } else {
        Request::GroupLeave { group, login }
    };
    exec(app, &own, req).ok()?;
    if join {
        w.users[u].groups.insert(g);
    } else {
        w.users[u].groups.remove(&g);
    }
    Some(OWNER)
}

// ---- what a reader is shown ----

/// A finding: who saw what where.
fn fail(w: &World, u: usize, seed: u64, surface: &str, what: &str, text: &str) -> ! {
    panic!(
        "seed {seed}: {} ({}) {surface}: {what}\n--- shown ---\n{text}",
        w.users[u].login,
        describe(w, u)
    )
}

fn describe(w: &World, u: usize) -> String {
    let roles: Vec<String> = w.users[u].roles.iter().map(|r| r.to_string()).collect();
    match (u, w.users[u].tenant) {
        (OWNER, _) => "account owner".into(),
        (_, Some(_)) => "tenant user".into(),
        _ => format!("roles {}", roles.join("/")),
    }
}

/// The world's names in `text` that `u` may not read; a name cut short
/// (nine characters at least) counts as the name.
fn leaks(w: &World, allowed: &BTreeSet<String>, text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 3 < b.len() {
        let starts = b[i].is_ascii_lowercase()
            && b[i + 1].is_ascii_lowercase()
            && b[i + 2] == b'q'
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i + 3;
        while j < b.len() && b[j].is_ascii_hexdigit() && !b[j].is_ascii_uppercase() {
            j += 1;
        }
        if j - i >= 9 {
            let cut = &text[i..j];
            let theirs = |t: &String| t.starts_with(cut);
            if w.tokens.iter().any(theirs) && !allowed.iter().any(theirs) {
                out.push(cut.to_string());
            }
        }
        i = j.max(i + 1);
    }
    out
}

fn check_text(
    w: &World,
    u: usize,
    seed: u64,
    allowed: &BTreeSet<String>,
    surface: &str,
    text: &str,
) {
    let found = leaks(w, allowed, text);
    if !found.is_empty() {
        // Where each was shown: 200 characters around it.
        let around: Vec<String> = found
            .iter()
            .filter_map(|f| text.find(f.as_str()))
            .map(|at| {
                let (mut a, mut b) = (at.saturating_sub(200), (at + 200).min(text.len()));
                while !text.is_char_boundary(a) {
                    a -= 1;
                }
                while !text.is_char_boundary(b) {
                    b += 1;
                }
                text[a..b].to_string()
            })
            .collect();
        fail(
            w,
            u,
            seed,
            surface,
            &format!("names it may not read: {found:?}"),
            &around.join("\n…\n"),
        );
    }
}

/// What a reply says, as the command line prints it and as its JSON.
fn shown(r: &treeward::domain::Result<Reply>) -> String {
    match r {
        Ok(reply) => format!("{reply:?}"),
        Err(e) => e.to_string(),
    }
}

/// The typed arguments' names count as read: an error may quote them.
fn with_typed(allowed: &BTreeSet<String>, req: &Request) -> BTreeSet<String> {
    let mut a = allowed.clone();
    let typed = format!("{req:?}");
    for t in typed.split(|c: char| !c.is_ascii_alphanumeric()) {
        if t.len() >= 9 && t.as_bytes()[2] == b'q' {
            a.insert(t.to_string());
        }
    }
    a
}

/// Every read request of the command line, as `u`, against the model.
fn cli_reads(app: &App, w: &World, u: usize, seed: u64) {
    let login = w.users[u].login.clone();
    let allowed = w.allowed(u);
    let mut reqs = vec![
        Request::UserLs,
        Request::GroupLs,
        Request::OrgLs,
        Request::TenantLs,
        Request::WsLs,
        Request::Tree { path: None },
        Request::Log {
            workspace: None,
            filter: Default::default(),
        },
        Request::GrantsLs {
            path: None,
            subject: None,
            recursive: true,
        },
    ];
    for ws in &w.ws {
        reqs.push(Request::RoleLs { ws: ws.clone() });
        reqs.push(Request::ResourceLs { ws: ws.clone() });
        reqs.push(Request::IntegLs { ws: ws.clone() });
        reqs.push(Request::Log {
            workspace: Some(ws.clone()),
            filter: Default::default(),
        });
    }
    for x in &w.users {
        reqs.push(Request::Access {
            login: x.login.clone(),
            workspace: None,
        });
        reqs.push(Request::Entitlements {
            login: x.login.clone(),
            workspace: None,
            after: None,
            limit: 1000,
        });
    }
    for i in 0..w.items.len() {
        let path = w.path(i);
        reqs.push(Request::Ls {
            path: Some(path.clone()),
        });
        reqs.push(Request::Detail { path: path.clone() });
        reqs.push(Request::Activity { path: path.clone() });
        reqs.push(Request::GrantsLs {
            path: Some(path.clone()),
            subject: None,
            recursive: false,
        });
        reqs.push(Request::WhoBelow {
            path: path.clone(),
            level: None,
            via: None,
            after: None,
            limit: 1000,
        });
    }
    for r in reqs {
        let got = exec(app, &login, r.clone());
        check_text(
            w,
            u,
            seed,
            &with_typed(&allowed, &r),
            &format!("{r:?}"),
            &shown(&got),
        );
    }
    people_structure(app, w, u, seed);
    standing_structure(app, w, u, seed, &allowed);
    activity_structure(app, w, u, seed);
}

/// R33: the people lists hold exactly whom the reader reads.
fn people_structure(app: &App, w: &World, u: usize, seed: u64) {
    let login = w.users[u].login.clone();
    let Ok(Reply::Users(rows)) = exec(app, &login, Request::UserLs) else {
        fail(w, u, seed, "user ls", "refused", "")
    };
    let got: BTreeSet<String> = rows.into_iter().map(|r| r.login).collect();
    let want: BTreeSet<String> = (0..w.users.len())
        .filter(|x| w.reads(u, Subj::User(*x)))
        .map(|x| w.users[x].login.clone())
        .collect();
    if got != want {
        fail(
            w,
            u,
            seed,
            "user ls",
            &format!("got {got:?}, the model says {want:?}"),
            "",
        );
    }
    for (ws, name) in w.ws.iter().enumerate() {
        let r = exec(app, &login, Request::RoleLs { ws: name.clone() });
        if r.is_ok() != w.member(u, ws) {
            fail(
                w,
                u,
                seed,
                "role ls",
                &format!("answered {} for a member: {}", r.is_ok(), w.member(u, ws)),
                &shown(&r),
            );
        }
    }
}

/// R12, R33, R34: `who`, `explain` and `check` of others where the model
/// says, and an unreadable person answered as an absent one.
fn standing_structure(app: &App, w: &World, u: usize, seed: u64, allowed: &BTreeSet<String>) {
    let login = w.users[u].login.clone();
    let ghost = "uxq0000000000".to_string();
    for i in 0..w.items.len() {
        if !w.visible(u, i) {
            continue;
        }
        let path = w.path(i);
        let who = exec(
            app,
            &login,
            Request::Who {
                path: path.clone(),
                level: None,
                via: None,
            },
        );
        if who.is_ok() != w.sight_all(u, i) {
            fail(
                w,
                u,
                seed,
                &format!("who {path}"),
                &format!(
                    "answered {}, the model's R34 sight: {}",
                    who.is_ok(),
                    w.sight_all(u, i)
                ),
                &shown(&who),
            );
        }
        for x in 0..w.users.len() {
            let them = w.users[x].login.clone();
            let explain = |l: &str| {
                exec(
                    app,
                    &login,
                    Request::Explain {
                        login: l.into(),
                        path: path.clone(),
                    },
                )
            };
            let got = explain(&them);
            let may = x == u || (w.sight_all(u, i) && (w.reads(u, Subj::User(x)) || w.sees(x, i)));
            if got.is_ok() != may {
                fail(
                    w,
                    u,
                    seed,
                    &format!("explain {them} {path}"),
                    &format!("answered {}, the model: {may}", got.is_ok()),
                    &shown(&got),
                );
            }
            if !may && !w.reads(u, Subj::User(x)) {
                let absent = shown(&explain(&ghost)).replace(&ghost, &them);
                if shown(&got) != absent {
                    fail(
                        w,
                        u,
                        seed,
                        &format!("explain {them} {path}"),
                        &format!("an unreadable user is told apart from an absent one: {absent}"),
                        &shown(&got),
                    );
                }
            }
            let check = exec(
                app,
                &login,
                Request::Check {
                    login: them.clone(),
                    action: "view".into(),
                    path: path.clone(),
                    to: None,
                },
            );
            if check.is_ok() != may {
                fail(
                    w,
                    u,
                    seed,
                    &format!("check {them} view {path}"),
                    &format!("answered {}, the model: {may}", check.is_ok()),
                    &shown(&check),
                );
            }
            let _ = allowed;
        }
    }
}

/// R35: an item's Activity holds the reader's own changes, or all of them
/// for the workspace's admins and the account owner.
fn activity_structure(app: &App, w: &World, u: usize, seed: u64) {
    let login = w.users[u].login.clone();
    for i in 0..w.items.len() {
        if !w.visible(u, i) {
            continue;
        }
        let ws = w.items[i].space.ws();
        match exec(app, &login, Request::Activity { path: w.path(i) }) {
            Ok(Reply::Activity { entries, whole }) => {
                if whole != w.reads_log(u, ws) {
                    fail(w, u, seed, "activity", &format!("whole: {whole}"), "");
                }
                if !whole && entries.iter().any(|e| e.actor != login) {
                    fail(
                        w,
                        u,
                        seed,
                        "activity",
                        "another's entry reached a reader of their own only",
                        &format!("{entries:?}"),
                    );
                }
            }
            other => fail(
                w,
                u,
                seed,
                "activity",
                "refused on a visible item",
                &shown(&other),
            ),
        }
    }
}

/// R35: a change pushed to `u`: the entry to the log's readers and its own
/// actor, else only the path now of an item they view, else nothing.
fn push_structure(app: &App, w: &World, u: usize, seed: u64, e: &AuditEntry) {
    use treeward::app::reads::Sighted;
    let s = app.session(&w.users[u].login).unwrap();
    let got = s.sighted(e.clone()).unwrap();
    let ws =
        w.ws.iter()
            .position(|n| e.target.starts_with(&format!("/{n}/")));
    let entry_ok =
        u == OWNER || e.actor == w.users[u].login || ws.is_some_and(|x| w.reads_log(u, x));
    match &got {
        Sighted::Entry(_) if !entry_ok => fail(
            w,
            u,
            seed,
            "push",
            "the entry reached a reader who may not read it",
            &format!("{got:?}"),
        ),
        Sighted::Changed { path } => {
            let i = (0..w.items.len()).find(|i| w.items[*i].alive && w.path(*i) == *path);
            if !i.is_some_and(|i| w.sees(u, i)) {
                fail(
                    w,
                    u,
                    seed,
                    "push",
                    "named a path the reader does not view",
                    path,
                )
            }
        }
        _ => {}
    }
}

// ---- the terminal UI ----

fn key(ui: &mut Ui, code: KeyCode) {
    ui.handle(Input::Key(Key {
        code,
        ctrl: false,
        alt: false,
    }));
    ui.quit = false;
}

fn ch(ui: &mut Ui, c: char) {
    key(ui, KeyCode::Char(c));
}

fn frame(ui: &mut Ui) -> String {
    buffer_text(&render_test(ui, 150, 45))
}

struct Seen<'w> {
    w: &'w World,
    u: usize,
    seed: u64,
    allowed: BTreeSet<String>,
    frames: usize,
}

impl Seen<'_> {
    fn look(&mut self, ui: &mut Ui, surface: &str) {
        let text = frame(ui);
        self.frames += 1;
        check_text(self.w, self.u, self.seed, &self.allowed, surface, &text);
    }

    /// An overlay opened by `c`, looked at, then closed.
    fn overlay(&mut self, ui: &mut Ui, c: char, surface: &str) {
        ch(ui, c);
        self.look(ui, surface);
        key(ui, KeyCode::Esc);
    }
}

/// The tree's folders and apps are items the reader sees now, at least as
/// a path (R11, R12, R14): an open UI dropped what they lost.
fn rows_now(ui: &Ui, seen: &Seen<'_>, where_: &str) {
    use treeward::tui::tree::NodeKind;
    let w = seen.w;
    for &n in &ui.tree.rows {
        let d = &ui.tree.nodes[n].data;
        if !matches!(d.kind, NodeKind::Folder | NodeKind::App) {
            continue;
        }
        let Some(id) = d.id else { continue };
        let i = w.items.iter().position(|it| it.id == id);
        if !i.is_some_and(|i| w.visible(seen.u, i)) {
            fail(
                w,
                seen.u,
                seen.seed,
                where_,
                &format!(
                    "the tree shows {} (item {id}), which the reader does not see now",
                    d.name
                ),
                "",
            );
        }
    }
}

/// Every row of the tree: each tab, the who view and the pickers.
fn walk_tree(ui: &mut Ui, seen: &mut Seen<'_>, where_: &str) {
    rows_now(ui, seen, where_);
    ch(ui, 'g');
    for _ in 0..400 {
        let row = ui.tree.selected();
        for tab in 0..4 {
            seen.look(ui, &format!("{where_} tree row, tab {tab}"));
            ch(ui, ']');
        }
        for c in ['w', 's', 'u', 't', 'm', ':'] {
            seen.overlay(ui, c, &format!("{where_} overlay {c}"));
        }
        if ui
            .tree
            .selected_node()
            .is_some_and(|n| n.expandable() && !n.expanded)
        {
            ch(ui, 'l');
        }
        ch(ui, 'j');
        if ui.tree.selected() == row {
            return;
        }
    }
}

fn open_ui<'a>(app: &'a App, w: &World, u: usize) -> Ui<'a> {
    let login = w.users[u].login.clone();
    Ui::new(
        app,
        &login,
        KeyMap::default(),
        Theme::load(None).unwrap(),
        false,
    )
    .unwrap()
}

/// Others' changes, as an open UI learns of them: its status line says what
/// the reader may learn (R35), and its tree follows their access.
fn tell(app: &App, w: &World, u: usize, seed: u64, ui: &mut Ui, changes: &[AuditEntry]) -> usize {
    let mut seen = Seen {
        w,
        u,
        seed,
        allowed: w.allowed(u),
        frames: 0,
    };
    for e in changes {
        treeward::tui::others_changed(app, ui, vec![e.clone()]);
        seen.look(ui, &format!("status line after change #{}", e.seq));
        rows_now(ui, &seen, &format!("the tree after change #{}", e.seq));
    }
    seen.frames
}

/// The whole UI of `u`: every workspace, space and row, the overlays, the
/// inspection of another user they read, help and the message history.
fn walk_ui(w: &World, u: usize, seed: u64, ui: &mut Ui) -> usize {
    let mut seen = Seen {
        w,
        u,
        seed,
        allowed: w.allowed(u),
        frames: 0,
    };
    seen.look(ui, "start");
    seen.overlay(ui, '!', "message history");
    for ws in 0..w.ws.len() {
        walk_workspace(ui, &mut seen, ws);
    }
    seen.overlay(ui, '?', "help");
    inspect_someone(ui, &mut seen);
    seen.frames
}

fn focus(ui: &mut Ui, f: treeward::tui::model::Focus) {
    while ui.focus != f {
        key(ui, KeyCode::Tab);
    }
}

/// A workspace's tab and menus, then every space of it, row by row.
fn walk_workspace(ui: &mut Ui, seen: &mut Seen<'_>, ws: usize) {
    use treeward::tui::model::Focus;
    focus(ui, Focus::Workspaces);
    ch(ui, 'g');
    for _ in 0..ws {
        ch(ui, 'j');
    }
    key(ui, KeyCode::Enter);
    seen.look(ui, &format!("workspace {ws}"));
    for c in ['I', 'M', 'R'] {
        seen.overlay(ui, c, &format!("workspace {ws} overlay {c}"));
    }
    for sp in 0..ui.spaces.items.len() {
        focus(ui, Focus::Spaces);
        ch(ui, 'g');
        for _ in 0..sp {
            ch(ui, 'j');
        }
        key(ui, KeyCode::Enter);
        focus(ui, Focus::Tree);
        walk_tree(ui, seen, &format!("ws {ws} space {sp}"));
    }
}

/// Inspects the first other user the picker offers, and walks the tree as them.
fn inspect_someone(ui: &mut Ui, seen: &mut Seen<'_>) {
    ch(ui, 'i');
    seen.look(ui, "inspect picker");
    key(ui, KeyCode::Down);
    key(ui, KeyCode::Enter);
    seen.look(ui, "inspecting");
    while ui.focus != treeward::tui::model::Focus::Tree {
        key(ui, KeyCode::Tab);
    }
    walk_tree(ui, seen, "inspecting");
    key(ui, KeyCode::Esc);
}

// ---- the oracle ----

fn open_store(tag: &str, t: &tempfile::TempDir) -> App {
    if crate::common::pg::selected() {
        return crate::common::new_app(tag);
    }
    App::open(&t.path().join("store")).expect("a sled store")
}

fn one_world(seed: u64) -> (usize, usize) {
    let t = tempfile::tempdir().unwrap();
    let app = open_store("readoracle", &t);
    let (w, rng) = build(&app, seed);
    explore(&app, w, rng, seed)
}

/// Every user's UI is open while others make 12 changes; then every read
/// of the command line and every screen of the UI, for every user. Returns
/// the changes made and the frames read.
fn explore(app: &App, mut w: World, mut rng: Rng, seed: u64) -> (usize, usize) {
    let mut uis: Vec<Ui> = (0..w.users.len()).map(|u| open_ui(app, &w, u)).collect();
    let since = app.last_seq();
    let mut frames = 0;
    for _ in 0..12 {
        let before = app.last_seq();
        if change(app, &mut rng, &mut w).is_none() {
            continue;
        }
        w.checkpoint();
        let made = entries_after(app, before);
        for (u, ui) in uis.iter_mut().enumerate() {
            frames += tell(app, &w, u, seed, ui, &made);
        }
    }
    let others = entries_after(app, since);
    for (u, ui) in uis.iter_mut().enumerate() {
        for e in &others {
            push_structure(app, &w, u, seed, e);
        }
        cli_reads(app, &w, u, seed);
        frames += walk_ui(&w, u, seed, ui);
    }
    (others.len(), frames)
}

fn entries_after(app: &App, seq: u64) -> Vec<AuditEntry> {
    let all = app.store().audit_all().unwrap();
    all.into_iter().filter(|e| e.seq > seq).collect()
}

#[test]
fn r33_r34_r35_every_user_is_shown_only_what_the_rules_let_them_read() {
    let worlds: u64 = env_number("READ_ORACLE_WORLDS", 5);
    let first: u64 = env_number("READ_ORACLE_SEED", 1);
    let (mut changes, mut frames) = (0, 0);
    for seed in first..first + worlds {
        let (c, f) = one_world(seed);
        changes += c;
        frames += f;
    }
    eprintln!(
        "read oracle: {worlds} worlds, {USERS} users each, {changes} changes by others, {frames} UI frames read"
    );
    assert!(frames > 0);
}

/// The same, on the demo store's shape (`demo::build`): its 13 users
/// (tenant users, members of one workspace or three, a user in none), its
/// three workspaces, units, groups, items, integrations and grants, every
/// name made distinctive; READ_ORACLE_DEMO_RUNS runs (default 2), each with
/// other changes by others.
#[test]
fn r33_r34_r35_every_user_of_the_demo_store_is_shown_only_what_the_rules_let_them_read() {
    let runs: u64 = env_number("READ_ORACLE_DEMO_RUNS", 2);
    let first: u64 = env_number("READ_ORACLE_SEED", 1);
    let (mut changes, mut frames) = (0, 0);
    for seed in first..first + runs {
        let t = tempfile::tempdir().unwrap();
        let app = open_store("readdemo", &t);
        let (w, rng) = demo::build(&app, seed);
        let users = w.users.len();
        let (c, f) = explore(&app, w, rng, seed);
        changes += c;
        frames += f;
        assert_eq!(users, 13, "the demo's users");
    }
    eprintln!(
        "read oracle, demo store: {runs} runs, 13 users each, {changes} changes by others, {frames} UI frames read"
    );
    assert!(frames > 0);
}

#[test]
fn r33_names_are_matched_when_cut_short() {
    let mut w = World::default();
    w.tokens.insert("itq0123456789".into());
    let none = BTreeSet::new();
    assert_eq!(
        leaks(&w, &none, "a itq012345… b"),
        vec!["itq012345".to_string()]
    );
    assert!(leaks(&w, &none, "itq0123").is_empty(), "too short to tell");
    let mut ok = BTreeSet::new();
    ok.insert("itq0123456789".to_string());
    assert!(leaks(&w, &ok, "itq0123456789").is_empty());
}
