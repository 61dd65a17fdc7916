//! The demo store's shape for the privacy oracle: `assets/demo.json` (its
//! people, tenants, groups, org units, workspaces with their members' roles,
//! resources and integrations, the items of every space with assets,
//! descriptions, attached integrations, a restricted resource, and grants)
//! built through the app layer as its users would build it, every name
//! replaced by a distinctive token, and recorded in the oracle's model.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::*;

const DEMO: &str = include_str!("../../../assets/demo.json");

/// The demo's names, as the tokens that stand for them.
#[derive(Default)]
struct Names {
    users: BTreeMap<String, usize>,
    groups: BTreeMap<String, usize>,
    units: BTreeMap<String, usize>,
    tenants: BTreeMap<String, usize>,
    /// Per workspace: the demo's integration name, its token.
    integrations: Vec<BTreeMap<String, String>>,
    /// The demo's item ids, the model's items.
    items: BTreeMap<u64, usize>,
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn list(v: &Value) -> &Vec<Value> {
    v.as_array().expect("a list in demo.json")
}

/// Builds the demo's shape in an empty store; the world and its generator
/// (for the changes others make next).
pub(super) fn build(app: &App, seed: u64) -> (World, Rng) {
    let demo: Value = serde_json::from_str(DEMO).expect("demo.json");
    let mut rng = Rng(seed);
    let mut w = World::default();
    let mut n = Names::default();
    let workspaces = list(&demo["workspaces"]).len();
    let own = token(&mut rng, "ux", &mut w);
    app.init(&own).expect("init");
    n.users.insert(text(&demo["account"]["owner"]), OWNER);
    w.users.push(User {
        login: own,
        tenant: None,
        roles: vec![7; workspaces],
        groups: BTreeSet::new(),
        unit: None,
    });
    people(app, &demo, &mut rng, &mut w, &mut n);
    for (k, ws) in list(&demo["workspaces"]).iter().enumerate() {
        workspace(app, ws, k, &mut rng, &mut w, &mut n);
    }
    w.known = vec![BTreeSet::new(); w.users.len()];
    w.wrote = vec![BTreeSet::new(); w.users.len()];
    w.team_history = vec![BTreeSet::new(); workspaces];
    for (k, ws) in list(&demo["workspaces"]).iter().enumerate() {
        items(app, ws, k, &mut rng, &mut w, &mut n);
    }
    w.checkpoint();
    (w, rng)
}

/// Tenants, users, groups and org units, with their members.
fn people(app: &App, demo: &Value, rng: &mut Rng, w: &mut World, n: &mut Names) {
    let own = w.users[OWNER].login.clone();
    let workspaces = list(&demo["workspaces"]).len();
    for t in list(&demo["tenants"]) {
        let tenant = token(rng, "tn", w);
        must(
            app,
            &own,
            Request::TenantAdd {
                tenant: tenant.clone(),
            },
        );
        n.tenants.insert(text(&t["name"]), w.tenants.len());
        w.tenants.push(tenant);
    }
    for u in list(&demo["users"]) {
        if n.users.contains_key(&text(&u["login"])) {
            continue;
        }
        let tenant = u["tenant"].as_str().map(|t| n.tenants[t]);
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
        n.users.insert(text(&u["login"]), w.users.len());
        w.users.push(User {
            login,
            tenant,
            roles: vec![0; workspaces],
            groups: BTreeSet::new(),
            unit: None,
        });
    }
    for g in list(&demo["groups"]) {
        let group = token(rng, "gr", w);
        must(
            app,
            &own,
            Request::GroupAdd {
                group: group.clone(),
            },
        );
        let k = w.groups.len();
        w.groups.push(group.clone());
        n.groups.insert(text(&g["name"]), k);
        for m in list(&g["members"]) {
            let u = n.users[&text(m)];
            let login = w.users[u].login.clone();
            let group = group.clone();
            must(app, &own, Request::GroupJoin { group, login });
            w.users[u].groups.insert(k);
        }
    }
    units(app, demo, rng, w, n);
}

/// Org units, each after its parent, and their members (one unit each).
fn units(app: &App, demo: &Value, rng: &mut Rng, w: &mut World, n: &mut Names) {
    let own = w.users[OWNER].login.clone();
    let mut left: Vec<&Value> = list(&demo["orgs"]).iter().collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|o| {
            let parent = o["parent"].as_str().map(|p| n.units.get(p).copied());
            let Some(parent) = parent.unwrap_or(Some(usize::MAX)) else {
                return true; // its parent is not made yet
            };
            let parent = (parent != usize::MAX).then_some(parent);
            let unit = token(rng, "ou", w);
            must(
                app,
                &own,
                Request::OrgAdd {
                    unit: unit.clone(),
                    parent: parent.map(|p| w.units[p].0.clone()),
                },
            );
            let k = w.units.len();
            n.units.insert(text(&o["name"]), k);
            w.units.push((unit.clone(), parent));
            for m in list(&o["members"]) {
                let u = n.users[&text(m)];
                assert!(w.users[u].unit.is_none(), "the model keeps one unit a user");
                let login = w.users[u].login.clone();
                let unit = unit.clone();
                must(app, &own, Request::OrgJoin { unit, login });
                w.users[u].unit = Some(k);
            }
            false
        });
        assert!(
            left.len() < before,
            "demo.json: a unit whose parent is missing"
        );
    }
}

/// Workspace `k`: its name, its members' roles, resources and integrations.
fn workspace(app: &App, ws: &Value, k: usize, rng: &mut Rng, w: &mut World, n: &mut Names) {
    let own = w.users[OWNER].login.clone();
    let name = token(rng, "ws", w);
    let req = if k == 0 {
        Request::WsRename {
            name: text(&ws["name"]),
            new: name.clone(),
        }
    } else {
        Request::WsAdd { name: name.clone() }
    };
    must(app, &own, req);
    w.ws.push(name.clone());
    for m in list(&ws["members"]) {
        let u = n.users[&text(&m["login"])];
        if u == OWNER {
            continue;
        }
        let words: Vec<String> = list(&m["roles"]).iter().map(text).collect();
        let mask = words
            .iter()
            .map(|r| 1u8 << ROLES.iter().position(|x| x == r).expect("a role"))
            .fold(0, |a, b| a | b);
        let roles = words.iter().map(|r| r.parse().unwrap()).collect();
        let login = w.users[u].login.clone();
        let ws = name.clone();
        must(app, &own, Request::RoleGrant { ws, login, roles });
        w.users[u].roles[k] = mask;
    }
    let mut secrets = Vec::new();
    let resources = ws["resources"].as_object().expect("resources");
    for kind in resources.keys() {
        let t = token(rng, "rs", w);
        let endpoint = format!("{kind}://{t}:1/x");
        let (ws, kind) = (name.clone(), kind.clone());
        must(app, &own, Request::ResourceSet { ws, kind, endpoint });
        secrets.push(t);
    }
    let mut integrations = BTreeMap::new();
    for i in list(&ws["integrations"]) {
        let (iname, end) = (token(rng, "ig", w), token(rng, "ie", w));
        must(
            app,
            &own,
            Request::IntegAdd {
                ws: name.clone(),
                name: iname.clone(),
                kind: text(&i["kind"]),
                endpoint: format!("https://{end}.example/api"),
                settings: String::new(),
            },
        );
        integrations.insert(text(&i["name"]), iname.clone());
        secrets.extend([iname, end]);
    }
    n.integrations.push(integrations);
    w.ws_secrets.push(secrets);
}

/// The items of workspace `k`, each after its parent, by the owner of its
/// space; then their assets, descriptions, integrations, restrictions and
/// grants.
fn items(app: &App, ws: &Value, k: usize, rng: &mut Rng, w: &mut World, n: &mut Names) {
    let mut left: Vec<&Value> = list(&ws["items"]).iter().collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|it| {
            let parent = it["parent"].as_u64().map(|p| n.items.get(&p).copied());
            let Some(parent) = parent.unwrap_or(Some(usize::MAX)) else {
                return true;
            };
            let parent = (parent != usize::MAX).then_some(parent);
            let (space, actor) = match it["space"]["kind"].as_str() {
                Some("Team") => (Space::Team(k), OWNER),
                _ => {
                    let o = n.users[&text(&it["space"]["kind"]["My"])];
                    (Space::My(k, o), o)
                }
            };
            let name = token(rng, "it", w);
            let folder = it["kind"] == "folder";
            assert!(
                create_named(app, w, (space, parent), folder, actor, name),
                "demo item {}",
                it["name"]
            );
            n.items
                .insert(it["id"].as_u64().unwrap(), w.items.len() - 1);
            false
        });
        assert!(
            left.len() < before,
            "demo.json: an item whose parent is missing"
        );
    }
    for it in list(&ws["items"]) {
        furnish(app, it, k, rng, w, n);
    }
}

/// One item's assets, description, integrations, restrictions and grants.
fn furnish(app: &App, it: &Value, k: usize, rng: &mut Rng, w: &mut World, n: &Names) {
    let i = n.items[&it["id"].as_u64().unwrap()];
    let actor = match w.items[i].space {
        Space::Team(_) => OWNER,
        Space::My(_, o) => o,
    };
    let login = w.users[actor].login.clone();
    let path = w.path(i);
    for a in list(&it["assets"]) {
        let name = token(rng, "as", w);
        let (app_path, kind) = (path.clone(), text(&a["kind"]));
        must(
            app,
            &login,
            Request::AssetAdd {
                app_path,
                kind,
                name: name.clone(),
            },
        );
        w.items[i].assets.push(name);
    }
    if !text(&it["description"]).is_empty() {
        let d = token(rng, "ds", w);
        let text = format!("about {d}");
        must(
            app,
            &login,
            Request::Describe {
                path: path.clone(),
                text,
            },
        );
        w.items[i].description = d;
    }
    let own = w.users[OWNER].login.clone();
    for g in list(&it["integrations"]) {
        let name = n.integrations[k][&text(g)].clone();
        let app_path = path.clone();
        must(
            app,
            &own,
            Request::IntegAttach {
                app_path,
                name,
                attach: true,
            },
        );
    }
    for r in list(&it["restricted"]) {
        let (app_path, kind) = (path.clone(), text(r));
        must(
            app,
            &own,
            Request::ResourceRestrict {
                app_path,
                kind,
                restrict: true,
            },
        );
    }
    for g in list(&it["grants"]) {
        let subject = text(&g["subject"]);
        let (kind, name) = subject.split_once(':').expect("kind:name");
        let subj = match kind {
            "user" => Subj::User(n.users[name]),
            "group" => Subj::Group(n.groups[name]),
            "org" => Subj::Unit(n.units[name]),
            _ => Subj::Tenant(n.tenants[name]),
        };
        let lvl = match g["level"].as_str() {
            Some("tenant") => Lvl::Tenant,
            Some("viewer") => Lvl::Viewer,
            Some("editor") => Lvl::Editor,
            _ => Lvl::Manager,
        };
        let note = token(rng, "nt", w);
        assert!(
            share_as(app, w, (i, actor), subj, lvl, note),
            "demo grant {subject} on {}",
            it["name"]
        );
    }
}
