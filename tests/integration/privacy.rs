//! Privacy (issue 7; R12, R14): for random stores and every pair of users,
//! nothing one user is shown — `ls`, `tree`, `check`, `explain`, `log`,
//! `who`, `access`, an item's detail, or any error message — names an item
//! of another user's My Creations that was not shared with them.
//!
//! Private items get distinctive names (`secret-<random>`) so a substring
//! search is meaningful; they are created, renamed, nested, described and
//! deleted in their owner's My Creations and never shared. Beside them each
//! analyst shares other items (`shared-…`) with users, groups and org units,
//! collaborators create inside those, and admins move apps to Team Space.
//!
//! Two layers:
//! - the app layer, every view of every user on many stores (fast);
//! - the real binary on an on-disk store, text and `--json`, for the views
//!   and the error lines the command line prints.
//!
//! Besides the substring search, every user *probes* other users' private
//! paths (ls, tree, check, explain, who, rm, rename, mv, cp, share, unshare,
//! leave, describe): the answer must be the same, word for word once the name
//! is swapped, as for a path that does not exist (R12: existence is not revealed).
//!
//! CI: 40 stores on the app layer, 1 through the binary (some 10 s). Longer:
//!   PRIVACY_STORES=500 PRIVACY_BIN_STORES=10 cargo test --release --test integration -- privacy:: --nocapture

// Users are numbered: an index names one.
#![allow(clippy::needless_range_loop)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use treeward::app::App;
use treeward::domain::{ItemKind, Role};

use crate::common::world::Rng;
use crate::common::{env_number, out, treeward};

static PAIRS: AtomicUsize = AtomicUsize::new(0);
static VIEWS: AtomicUsize = AtomicUsize::new(0);
static PROBES: AtomicUsize = AtomicUsize::new(0);
static RUNS: AtomicUsize = AtomicUsize::new(0);

const USERS: [&str; 6] = ["own", "u1", "u2", "u3", "u4", "tina"];

/// What a built store holds, for the checks.
#[derive(Debug, Default)]
struct World {
    /// Every private name ever used, with its owner (index into USERS).
    secrets: Vec<(usize, String)>,
    /// Private items still present: (owner, path).
    secret_paths: Vec<(usize, String)>,
    /// Paths that are not private (Team Space, shared items).
    open_paths: Vec<String>,
    /// Per user: every name they must not be shown (filled by `forbid`):
    /// others' private names, and the names of items shared in others' My
    /// Creations with someone else (R14: only those shared with them show).
    forbidden: Vec<Vec<String>>,
}

fn ok<T, E: std::fmt::Debug>(r: Result<T, E>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("building the store: {what}: {e:?}"))
}

/// Builds a random store through the app layer (as its users would).
fn build(app: &App, seed: u64) -> World {
    let mut rng = Rng(seed);
    let mut w = World::default();
    ok(app.init("own"), "init");
    let o = ok(app.session("own"), "session");
    ok(o.ws_rename("Default Workspace", "DW"), "ws rename");
    ok(o.tenant_add("acme"), "tenant");
    for g in ["g0", "g1"] {
        ok(o.group_add(g), "group");
    }
    ok(o.org_add("o0", None), "org");
    ok(o.org_add("o1", Some("o0")), "org");
    for (u, login) in USERS.iter().enumerate().skip(1) {
        let tenant = (u == 5).then_some("acme");
        ok(o.user_add(login, None, tenant), "user");
    }
    for login in &USERS[..5] {
        for g in ["g0", "g1"] {
            if rng.chance(40) {
                ok(o.group_join(g, login), "group join");
            }
        }
        if rng.chance(40) {
            ok(o.org_join(["o0", "o1"][rng.below(2)], login), "org join");
        }
    }
    // u1..u3 analysts (some admins); u4 anything, perhaps nothing.
    let mut roles = [7u8, 4, 4, 4, 0, 0];
    for r in roles.iter_mut().take(4).skip(1) {
        if rng.chance(30) {
            *r = 7;
        } else if rng.chance(50) {
            *r |= 1;
        }
    }
    roles[4] = rng.below(8) as u8;
    for u in 1..5 {
        let rs: Vec<Role> = [
            (1, Role::Sysadmin),
            (2, Role::Datamanager),
            (4, Role::Analyst),
        ]
        .into_iter()
        .filter(|(b, _)| roles[u] & b != 0)
        .map(|(_, r)| r)
        .collect();
        if !rs.is_empty() {
            ok(o.role_grant("DW", USERS[u], &rs), "role grant");
        }
    }
    // Team Space: a folder and an app, shared around.
    let team = format!("/DW/team/T-{}", rng.tag());
    ok(o.create(&team, ItemKind::Folder), "team folder");
    let team_app = format!("{team}/board-{}", rng.tag());
    ok(o.create(&team_app, ItemKind::App), "team app");
    for p in [&team, &team_app] {
        let subject = [
            "group:g0",
            "group:g1",
            "org:o0",
            "org:o1",
            "user:u4",
            "tenant:acme",
        ][rng.below(6)];
        let level = if subject.starts_with("tenant") {
            "tenant"
        } else {
            ["viewer", "editor", "manager"][rng.below(3)]
        };
        ok(o.share(p, subject, level, ""), "team share");
    }
    w.open_paths.extend([team.clone(), team_app.clone()]);
    drop(o);

    for (u, login) in USERS.iter().enumerate().take(5) {
        if roles[u] & 4 == 0 {
            continue;
        }
        let s = ok(app.session(login), "session");
        let my = format!("/DW/my/{login}");
        let secret = |rng: &mut Rng, w: &mut World| {
            let n = format!("secret-{}", rng.tag());
            w.secrets.push((u, n.clone()));
            n
        };
        // Private: a folder, an app in it, an app at the root; renamed,
        // nested, described, one created and deleted.
        let sf = format!("{my}/{}", secret(&mut rng, &mut w));
        ok(s.create(&sf, ItemKind::Folder), "secret folder");
        let inner = format!("{sf}/{}", secret(&mut rng, &mut w));
        ok(s.create(&inner, ItemKind::App), "secret app");
        let mut top = format!("{my}/{}", secret(&mut rng, &mut w));
        ok(s.create(&top, ItemKind::App), "secret app");
        if rng.chance(50) {
            let new = secret(&mut rng, &mut w);
            ok(s.rename(&top, &new), "secret rename");
            top = format!("{my}/{new}");
        }
        if rng.chance(50) {
            let sub = format!("{sf}/{}", secret(&mut rng, &mut w));
            ok(s.create(&sub, ItemKind::Folder), "secret sub");
            ok(s.mv(&top, &sub), "secret mv");
            top = format!("{sub}/{}", top.rsplit('/').next().unwrap());
            w.secret_paths.push((u, sub));
        }
        if rng.chance(50) {
            let d = secret(&mut rng, &mut w);
            ok(s.describe(&inner, &format!("notes {d}")), "secret describe");
        }
        if rng.chance(50) {
            let gone = format!("{my}/{}", secret(&mut rng, &mut w));
            ok(s.create(&gone, ItemKind::App), "secret app");
            ok(s.rm(&gone), "secret rm");
        }
        w.secret_paths.extend([(u, sf), (u, inner), (u, top)]);

        // Shared: a folder with an app, and perhaps an app at the root.
        let shf = format!("{my}/shared-{}", rng.tag());
        ok(s.create(&shf, ItemKind::Folder), "shared folder");
        let sha = format!("{shf}/shared-{}", rng.tag());
        ok(s.create(&sha, ItemKind::App), "shared app");
        let others: Vec<usize> = (0..5).filter(|x| *x != u).collect();
        let x = others[rng.below(others.len())];
        let subject = match rng.below(3) {
            0 => format!("user:{}", USERS[x]),
            1 => ["group:g0", "group:g1"][rng.below(2)].to_string(),
            _ => ["org:o0", "org:o1"][rng.below(2)].to_string(),
        };
        let level = ["viewer", "editor"][rng.below(2)];
        ok(s.share(&shf, &subject, level, "for you"), "share");
        w.open_paths.extend([shf.clone(), sha.clone()]);
        if rng.chance(60) {
            let p = format!("{my}/shared-{}", rng.tag());
            ok(s.create(&p, ItemKind::App), "shared app");
            ok(
                s.share(&p, &format!("user:{}", USERS[x]), "viewer", ""),
                "share",
            );
            w.open_paths.push(p);
        }
        // A collaborator with editor creates inside the shared folder (R16).
        if level == "editor" && subject == format!("user:{}", USERS[x]) {
            let c = ok(app.session(USERS[x]), "session");
            let p = format!("{shf}/shared-{}", rng.tag());
            ok(c.create(&p, ItemKind::App), "collaborator app");
            w.open_paths.push(p);
        }
        // An admin moves an app of theirs to Team Space (R24).
        if roles[u] == 7 {
            let p = format!("{my}/pub-{}", rng.tag());
            ok(s.create(&p, ItemKind::App), "pub app");
            ok(s.mv(&p, "/DW/team"), "mv to team");
            w.open_paths
                .push(format!("/DW/team/{}", p.rsplit('/').next().unwrap()));
        }
    }
    w
}

/// Fills `w.forbidden`: the shared items of another's My Creations that a
/// user cannot open themselves (not shared with them) join the private names.
fn forbid(app: &App, w: &mut World) {
    w.forbidden = (0..USERS.len())
        .map(|v| {
            let s = app.session(USERS[v]).unwrap();
            let mut f: Vec<String> = w
                .secrets
                .iter()
                .filter(|(o, _)| *o != v)
                .map(|(_, n)| n.clone())
                .collect();
            for p in &w.open_paths {
                let Some(rest) = p.strip_prefix("/DW/my/") else {
                    continue;
                };
                let owner = rest.split('/').next().unwrap();
                if owner != USERS[v] && s.resolve_str(p).is_err() {
                    f.push(p.rsplit('/').next().unwrap().to_string());
                }
            }
            f
        })
        .collect();
}

/// The names `v` must not be shown that appear in `text`, beyond the paths
/// `v` typed in `command` (an error line may quote what was typed).
fn leaks<'a>(w: &'a World, v: usize, command: &str, text: &str) -> Vec<&'a str> {
    let mut text = text.to_string();
    for typed in command.split(' ').filter(|a| a.starts_with('/')) {
        text = text.replace(typed, "<typed>");
    }
    w.forbidden[v]
        .iter()
        .filter(|n| text.contains(n.as_str()))
        .map(|n| n.as_str())
        .collect()
}

/// `path` with each private name swapped for a ghost of the same shape.
fn ghostly(w: &World, text: &str) -> String {
    let mut t = text.to_string();
    for (_, n) in &w.secrets {
        t = t.replace(n.as_str(), &n.replace("secret-", "ghost--"));
    }
    t
}

// ---- the app layer ----

/// Everything `v` can ask, as text (Debug of the result, or the error line).
fn views(app: &App, w: &World, v: usize) -> Vec<(String, String)> {
    let s = app.session(USERS[v]).unwrap();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |what: String, text: String| out.push((what, text));
    fn show<T: std::fmt::Debug>(r: treeward::domain::Result<T>) -> String {
        match r {
            Ok(x) => format!("{x:?}"),
            Err(e) => e.to_string(),
        }
    }
    let mut paths: Vec<String> = vec!["/".into(), "/DW".into(), "/DW/team".into()];
    paths.extend(USERS.iter().map(|x| format!("/DW/my/{x}")));
    paths.extend(w.open_paths.iter().cloned());
    for p in &paths {
        put(format!("ls {p}"), show(s.ls(Some(p))));
        put(format!("tree {p}"), show(s.tree(Some(p))));
        if p.len() > 3 {
            put(format!("who {p}"), show(s.who(p, None, None)));
            put(
                format!("detail {p}"),
                show(s.resolve_str(p).and_then(|r| s.detail(&r))),
            );
            for x in USERS {
                put(format!("explain {x} {p}"), show(s.explain(x, p)));
                put(format!("check {x} view {p}"), show(s.check(x, "view", p)));
            }
        }
    }
    put("tree".into(), show(s.tree(None)));
    put("log".into(), show(s.log(None)));
    put("log DW".into(), show(s.log(Some("DW"))));
    for x in USERS {
        put(format!("access {x}"), show(s.access(x, None)));
        put(format!("access {x} DW"), show(s.access(x, Some("DW"))));
    }
    put("users".into(), show(s.users()));
    put("workspaces".into(), show(s.workspaces()));
    out
}

/// `v` acts on a private path of another user: every answer must read as
/// it would for a path that does not exist.
fn probes(app: &App, w: &World, v: usize, p: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let me = USERS[v];
    for target in [p.to_string(), ghostly(w, p)] {
        let s = app.session(me).unwrap();
        fn show<T: std::fmt::Debug>(r: treeward::domain::Result<T>) -> String {
            match r {
                Ok(x) => format!("ok: {x:?}"),
                Err(e) => e.to_string(),
            }
        }
        let t = target.as_str();
        let answers = vec![
            ("ls", show(s.ls(Some(t)))),
            ("tree", show(s.tree(Some(t)))),
            ("check", show(s.check(me, "view", t))),
            ("explain", show(s.explain(me, t))),
            ("who", show(s.who(t, None, None))),
            ("rm", show(s.rm(t))),
            ("rename", show(s.rename(t, "zz"))),
            ("mv", show(s.mv(t, "/DW/team"))),
            ("cp", show(s.cp(t, Some(&format!("/DW/my/{me}"))))),
            ("cp beside", show(s.cp(t, None))),
            (
                "share",
                show(s.share(t, &format!("user:{me}"), "viewer", "")),
            ),
            ("unshare", show(s.unshare(t, &format!("user:{me}")))),
            ("leave", show(s.leave(t))),
            ("describe", show(s.describe(t, "x"))),
            (
                "mkdir in",
                show(s.create(&format!("{t}/zz"), ItemKind::Folder)),
            ),
        ];
        for (what, a) in answers {
            out.push((what.to_string(), target.clone(), a));
        }
    }
    out
}

fn check_store(seed: u64) {
    let app = App::in_memory();
    let mut w = build(&app, seed);
    forbid(&app, &mut w);
    assert!(!w.secrets.is_empty());
    for v in 0..USERS.len() {
        let all = views(&app, &w, v);
        // The search is meaningful: an owner's own private items do show to them.
        for (_, p) in w.secret_paths.iter().filter(|(o, _)| *o == v) {
            let name = p.rsplit('/').next().unwrap();
            assert!(
                all.iter().any(|(_, t)| t.contains(name)),
                "seed {seed}: {} does not see their own {p}",
                USERS[v]
            );
        }
        for (what, text) in all {
            VIEWS.fetch_add(1, Ordering::Relaxed);
            let l = leaks(&w, v, &what, &text);
            assert!(
                l.is_empty(),
                "seed {seed}: {} sees {l:?} in `{what}`:\n{text}",
                USERS[v]
            );
        }
        for o in 0..USERS.len() {
            if o == v {
                continue;
            }
            PAIRS.fetch_add(1, Ordering::Relaxed);
            for (_, p) in w.secret_paths.iter().filter(|(x, _)| *x == o) {
                let answers = probes(&app, &w, v, p);
                let (real, ghost) = answers.split_at(answers.len() / 2);
                for ((what, _, a), (_, _, b)) in real.iter().zip(ghost) {
                    PROBES.fetch_add(1, Ordering::Relaxed);
                    assert_eq!(
                        ghostly(&w, a),
                        *b,
                        "seed {seed}: {} `{what} {p}` answers unlike a missing path",
                        USERS[v]
                    );
                    assert!(
                        a.starts_with("not found") || a.starts_with("invalid input"),
                        "seed {seed}: {} `{what} {p}`: {a}",
                        USERS[v]
                    );
                }
            }
        }
    }
}

fn seeds(n: u64, salt: u64) -> Vec<u64> {
    // Fixed seeds in CI (reproducible); PRIVACY_SEED varies them.
    let base = env_number("PRIVACY_SEED", 0x7a5e_55ed);
    let mut r = Rng(base ^ salt);
    (0..n).map(|_| r.next()).collect()
}

#[test]
fn app_layer_views_reveal_no_private_name() {
    let n = env_number("PRIVACY_STORES", 40);
    for seed in seeds(n, 1) {
        check_store(seed);
    }
    println!(
        "privacy (app layer): {n} stores, {} user pairs, {} views searched, {} probes compared",
        PAIRS.load(Ordering::Relaxed),
        VIEWS.load(Ordering::Relaxed),
        PROBES.load(Ordering::Relaxed)
    );
}

// ---- the real binary ----

fn run(db: &std::path::Path, v: &str, args: &[&str]) -> (i32, String) {
    RUNS.fetch_add(1, Ordering::Relaxed);
    let r = out(treeward(db).args(["--as", v]).args(args));
    (r.code, r.said())
}

#[test]
fn command_line_reveals_no_private_name() {
    let n = env_number("PRIVACY_BIN_STORES", 1);
    let mut pairs = 0;
    for seed in seeds(n, 2) {
        let dir = tempfile::tempdir().unwrap();
        let w = {
            let app = App::open(dir.path()).unwrap();
            let mut w = build(&app, seed);
            forbid(&app, &mut w);
            w
        };
        let db = dir.path();
        let mut by_owner: BTreeMap<usize, Vec<&String>> = BTreeMap::new();
        for (o, p) in &w.secret_paths {
            by_owner.entry(*o).or_default().push(p);
        }
        for (v, me) in USERS.iter().enumerate() {
            let mut cmds: Vec<Vec<String>> = vec![
                vec!["ls".into(), "/".into()],
                vec!["ls".into(), "/DW".into()],
                vec!["tree".into()],
                vec!["--json".into(), "tree".into(), "/DW".into()],
                vec!["log".into()],
                vec![
                    "--json".into(),
                    "log".into(),
                    "--workspace".into(),
                    "DW".into(),
                ],
                vec!["who".into(), "/DW/team".into()],
            ];
            for x in USERS {
                cmds.push(vec!["ls".into(), format!("/DW/my/{x}")]);
                cmds.push(vec!["access".into(), x.into()]);
            }
            for p in &w.open_paths {
                cmds.push(vec!["explain".into(), (*me).into(), p.clone()]);
            }
            // Changes print who gains and loses what (dry runs: the store stays
            // as built). Only the account owner may make these (R4).
            for x in USERS[1..5].iter().filter(|_| v == 0) {
                for c in [
                    "group join g0",
                    "group leave g0",
                    "group join g1",
                    "group leave g1",
                    "org join o1",
                    "org leave o0",
                ] {
                    let mut v: Vec<String> = vec!["--dry-run".into()];
                    v.extend(c.split(' ').map(String::from));
                    v.push((*x).into());
                    cmds.push(v);
                }
                cmds.push(vec![
                    "--dry-run".into(),
                    "role".into(),
                    "revoke".into(),
                    "DW".into(),
                    (*x).into(),
                    "analyst".into(),
                    // Not to the viewer: handed to `own`, the items become theirs (R8).
                    "--transfer-to".into(),
                    if *x == "u1" { "u3" } else { "u1" }.into(),
                ]);
            }
            for c in &cmds {
                let args: Vec<&str> = c.iter().map(|s| s.as_str()).collect();
                let (code, text) = run(db, me, &args);
                let l = leaks(&w, v, &c.join(" "), &text);
                assert!(
                    l.is_empty(),
                    "seed {seed}: {me} sees {l:?} in `{}` (exit {code}):\n{text}",
                    c.join(" ")
                );
            }
            // Probes: one private path of each other owner, against a ghost.
            for (o, ps) in &by_owner {
                if *o == v {
                    continue;
                }
                pairs += 1;
                let p = ps[(seed as usize + v) % ps.len()];
                for cmd in [
                    vec!["ls", p.as_str()],
                    vec!["check", me, "view", p.as_str()],
                    vec!["rm", p.as_str()],
                    vec!["share", p.as_str(), "user:u1", "viewer"],
                ] {
                    let g = ghostly(&w, p);
                    let gcmd: Vec<&str> = cmd
                        .iter()
                        .map(|a| if *a == p.as_str() { g.as_str() } else { a })
                        .collect();
                    let (c1, t1) = run(db, me, &cmd);
                    let (c2, t2) = run(db, me, &gcmd);
                    assert_eq!(
                        (c1, ghostly(&w, &t1)),
                        (c2, t2),
                        "seed {seed}: {me} `{}` answers unlike a missing path",
                        cmd.join(" ")
                    );
                    assert_eq!(c1, 4, "seed {seed}: {me} `{}`: {t1}", cmd.join(" "));
                }
            }
        }
    }
    println!(
        "privacy (binary): {n} stores, {pairs} user pairs probed, {} runs of treeward",
        RUNS.load(Ordering::Relaxed)
    );
}
