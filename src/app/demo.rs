//! `demo`: fills an empty store with a realistic account, made through the
//! same operations a person would use (so its audit log is real too). The
//! acting login becomes the account owner, so a newcomer sees everything.
//! The account is made in memory, then loaded into the store as one import
//! (all or nothing: a demo cut short leaves a store marked as such,
//! `store::load`).

use super::*;

/// Counts the operations a demo makes.
#[derive(Default)]
struct Steps(usize);

impl Steps {
    fn step(&mut self, r: Result<()>) -> Result<()> {
        self.0 += 1;
        r
    }
}

const DW: &str = account::DEFAULT_WORKSPACE;

/// A path in the Default Workspace's Team Space.
fn team(p: &str) -> String {
    format!("/{DW}/team/{p}")
}

impl App {
    pub fn demo(&self, owner: &str) -> Result<usize> {
        let owner = names::validate_login(owner)?;
        let built = App::in_memory();
        let steps = built.build_demo(&owner)?;
        let e = built.export()?;
        let mark = crate::store::load::Loading::new("demo", &owner, None);
        self.import_as(&e, mark)?;
        Ok(steps)
    }

    /// The demo account, made operation by operation in this (empty) store.
    fn build_demo(&self, owner: &str) -> Result<usize> {
        self.init(owner)?;
        let own = self.session(owner)?;
        let mut ok = Steps::default();
        self.demo_people(&own, &mut ok, owner)?;
        self.demo_roles(&own, &mut ok, owner)?;
        self.demo_team_space(&own, &mut ok)?;
        self.demo_team_shares(&own, &mut ok)?;
        self.demo_integrations(&own, &mut ok)?;
        self.demo_my_creations(&mut ok)?;
        self.demo_plant_ops(&own, &mut ok)?;
        self.demo_portal(&own, &mut ok)?;
        Ok(ok.0)
    }

    /// Tenants, users, groups and org units with their members.
    fn demo_people(&self, own: &Session<'_>, ok: &mut Steps, owner: &str) -> Result<()> {
        for t in ["acme", "globex"] {
            ok.step(own.tenant_add(t))?;
        }
        let people: &[(&str, &str, Option<&str>)] = &[
            ("alice", "Alice Martin", None),
            ("bob", "Bob Nakamura", None),
            ("carol", "Carol Díaz", None),
            ("dave", "Dave Okafor", None),
            ("erin", "Erin Walsh", None),
            ("frank", "Frank Müller", None),
            ("grace", "Grace Lindqvist", None),
            ("heidi", "Heidi Brandt", None),
            ("ivan", "Ivan Petrov", None),
            ("judy", "Judy Chen", None),
            ("tina", "Tina Reyes (Acme)", Some("acme")),
            ("tomas", "Tomás Silva (Globex)", Some("globex")),
        ];
        for (login, name, tenant) in people {
            if *login != owner {
                ok.step(own.user_add(login, Some(name), *tenant).map(|_| ()))?;
            }
        }
        for g in ["qa", "operations", "analytics"] {
            ok.step(own.group_add(g))?;
        }
        for (g, who) in [
            ("qa", &["bob", "carol"][..]),
            ("operations", &["frank", "heidi", "dave"]),
            ("analytics", &["carol", "ivan", "judy"]),
        ] {
            for w in who {
                ok.step(own.group_join(g, w).map(|_| ()))?;
            }
        }
        for (u, parent) in [
            ("company", None),
            ("sales", Some("company")),
            ("engineering", Some("company")),
            ("emea", Some("sales")),
            ("apac", Some("sales")),
            ("plant-engineering", Some("engineering")),
        ] {
            ok.step(own.org_add(u, parent))?;
        }
        for (u, who) in [
            ("emea", "dave"),
            ("apac", "erin"),
            ("plant-engineering", "grace"),
            ("plant-engineering", "heidi"),
            ("company", "judy"),
        ] {
            ok.step(own.org_join(u, who).map(|_| ()))?;
        }
        Ok(())
    }

    /// Two more workspaces, and roles in all three.
    fn demo_roles(&self, own: &Session<'_>, ok: &mut Steps, owner: &str) -> Result<()> {
        own.ws_add("Plant Ops")?;
        own.ws_add("Customer Portal")?;
        use Role::*;
        let roles: &[(&str, &str, &[Role])] = &[
            (DW, "alice", &[Sysadmin, Datamanager, Analyst]),
            (DW, "bob", &[Analyst]),
            (DW, "carol", &[Analyst, Datamanager]),
            (DW, "dave", &[Analyst]),
            (DW, "erin", &[Sysadmin]),
            ("Plant Ops", "grace", &[Sysadmin, Datamanager, Analyst]),
            ("Plant Ops", "heidi", &[Analyst]),
            ("Plant Ops", "ivan", &[Analyst, Datamanager]),
            ("Plant Ops", "frank", &[Analyst]),
            ("Customer Portal", "judy", &[Sysadmin, Datamanager, Analyst]),
            ("Customer Portal", "alice", &[Analyst]),
        ];
        for (ws, who, rs) in roles {
            if *who != owner {
                ok.step(own.role_grant(ws, who, rs).map(|_| ()))?;
            }
        }
        Ok(())
    }

    /// The Default Workspace's Team Space: folders, apps with assets.
    fn demo_team_space(&self, own: &Session<'_>, ok: &mut Steps) -> Result<()> {
        for f in [
            "Plant",
            "Plant/Line1",
            "Plant/Line2",
            "Plant/Line1/Cells",
            "Quality",
            "Quality/Audits",
            "Sales",
            "Sales/Regional",
            "Archive",
        ] {
            ok.step(own.create(&team(f), ItemKind::Folder).map(|_| ()))?;
        }
        let apps: &[(&str, &[(&str, &str)])] = &[
            (
                "Plant/Line1/OEE",
                &[
                    ("dashboard", "Shift overview"),
                    ("chart", "Availability"),
                    ("chart", "Performance"),
                    ("dataset", "Machine states"),
                ],
            ),
            (
                "Plant/Line1/Cells/Cell monitor",
                &[("dashboard", "Cells"), ("dataset", "Cell telemetry")],
            ),
            (
                "Plant/Line2/Energy",
                &[
                    ("dashboard", "Energy use"),
                    ("chart", "kWh per part"),
                    ("dataset", "Meters"),
                ],
            ),
            (
                "Plant/Maintenance planner",
                &[("dashboard", "Work orders"), ("dataset", "Assets")],
            ),
            (
                "Quality/SPC",
                &[
                    ("dashboard", "Control charts"),
                    ("chart", "X-bar"),
                    ("dataset", "Measurements"),
                ],
            ),
            (
                "Quality/Audits/ISO 9001 checklist",
                &[("dashboard", "Checklist")],
            ),
            (
                "Sales/Regional/EMEA pipeline",
                &[("dashboard", "Pipeline"), ("dataset", "Opportunities")],
            ),
            (
                "Sales/Customer portal",
                &[("dashboard", "Orders"), ("chart", "Deliveries")],
            ),
            ("Archive/Legacy KPIs", &[("dataset", "KPIs 2023")]),
            ("Welcome", &[("dashboard", "Start here")]),
        ];
        for (a, assets) in apps {
            ok.step(own.create(&team(a), ItemKind::App).map(|_| ()))?;
            for (k, n) in *assets {
                ok.step(own.asset_add(&team(a), k, n).map(|_| ()))?;
            }
        }
        Ok(())
    }

    /// The Team Space's description and grants.
    fn demo_team_shares(&self, own: &Session<'_>, ok: &mut Steps) -> Result<()> {
        ok.step(
            own.describe(
                &team("Plant/Line1/OEE"),
                "Overall equipment effectiveness of line 1, per shift",
            )
            .map(|_| ()),
        )?;
        let shares: &[(&str, &str, &str, &str)] = &[
            ("Plant", "group:qa", "editor", "QA maintains the plant apps"),
            (
                "Plant/Line1",
                "org:sales",
                "manager",
                "Sales engineering runs line 1 demos",
            ),
            (
                "Plant/Line1/OEE",
                "tenant:acme",
                "tenant",
                "Acme sees its line's OEE",
            ),
            ("Plant/Line2", "group:operations", "viewer", ""),
            ("Quality", "user:erin", "viewer", ""),
            ("Quality/SPC", "user:bob", "manager", "Bob owns SPC"),
            (
                "Sales",
                "org:company",
                "viewer",
                "Everyone in the company reads sales",
            ),
            ("Sales/Customer portal", "tenant:acme", "tenant", ""),
            ("Sales/Customer portal", "tenant:globex", "tenant", ""),
            ("Sales/Regional", "user:dave", "editor", ""),
        ];
        for (p, s, l, n) in shares {
            ok.step(own.share(&team(p), s, l, n).map(|_| ()))?;
        }
        Ok(())
    }

    /// Resources and integrations of the Default Workspace.
    fn demo_integrations(&self, own: &Session<'_>, ok: &mut Steps) -> Result<()> {
        ok.step(own.resource_set(DW, "influxdb", "influxdb://tsdb.plant.local:8086/plant"))?;
        for (name, kind, ep) in [
            ("MES", "opcua", "opc.tcp://mes.plant.local:4840"),
            ("ERP orders", "http", "https://erp.example.com/api/orders"),
            (
                "Line sensors",
                "mqtt",
                "mqtt://broker.plant.local:1883/line/#",
            ),
        ] {
            ok.step(own.integ_add(DW, name, kind, ep, "").map(|_| ()))?;
        }
        ok.step(
            own.integ_attach(&team("Plant/Line1/OEE"), "MES", true)
                .map(|_| ()),
        )?;
        ok.step(
            own.integ_attach(&team("Plant/Line1/OEE"), "Line sensors", true)
                .map(|_| ()),
        )?;
        ok.step(
            own.integ_attach(&team("Sales/Customer portal"), "ERP orders", true)
                .map(|_| ()),
        )?;
        ok.step(
            own.resource_restrict(&team("Sales/Customer portal"), "influxdb", true)
                .map(|_| ()),
        )?;
        Ok(())
    }

    /// My Creations with collaborations: to a user, a group and an org unit.
    fn demo_my_creations(&self, ok: &mut Steps) -> Result<()> {
        let my = |who: &str, p: &str| format!("/{DW}/my/{who}/{p}");
        let bob = self.session("bob")?;
        ok.step(
            bob.create(&my("bob", "Drafts"), ItemKind::Folder)
                .map(|_| ()),
        )?;
        ok.step(
            bob.create(&my("bob", "Drafts/Forecast"), ItemKind::App)
                .map(|_| ()),
        )?;
        ok.step(
            bob.asset_add(&my("bob", "Drafts/Forecast"), "chart", "Demand forecast")
                .map(|_| ()),
        )?;
        ok.step(bob.create(&my("bob", "Scratch"), ItemKind::App).map(|_| ()))?;
        ok.step(
            bob.share(
                &my("bob", "Drafts"),
                "user:carol",
                "editor",
                "Help with the forecast model",
            )
            .map(|_| ()),
        )?;
        let carol = self.session("carol")?;
        ok.step(
            carol
                .create(&my("carol", "Experiments"), ItemKind::Folder)
                .map(|_| ()),
        )?;
        ok.step(
            carol
                .create(&my("carol", "Experiments/Anomaly detection"), ItemKind::App)
                .map(|_| ()),
        )?;
        ok.step(
            carol
                .asset_add(
                    &my("carol", "Experiments/Anomaly detection"),
                    "dataset",
                    "Vibration",
                )
                .map(|_| ()),
        )?;
        ok.step(
            carol
                .share(
                    &my("carol", "Experiments"),
                    "group:qa",
                    "viewer",
                    "For review",
                )
                .map(|_| ()),
        )?;
        let dave = self.session("dave")?;
        ok.step(
            dave.create(&my("dave", "Quotes"), ItemKind::App)
                .map(|_| ()),
        )?;
        ok.step(
            dave.share(
                &my("dave", "Quotes"),
                "org:sales",
                "editor",
                "Sales team quote builder",
            )
            .map(|_| ()),
        )?;
        Ok(())
    }

    /// The Plant Ops workspace.
    fn demo_plant_ops(&self, own: &Session<'_>, ok: &mut Steps) -> Result<()> {
        let po = |p: &str| format!("/Plant Ops/team/{p}");
        for f in ["Lines", "Lines/Press shop", "Lines/Paint shop", "Utilities"] {
            ok.step(own.create(&po(f), ItemKind::Folder).map(|_| ()))?;
        }
        for (a, k, n) in [
            ("Lines/Press shop/Press monitor", "dashboard", "Tonnage"),
            ("Lines/Paint shop/Booth climate", "chart", "Humidity"),
            ("Utilities/Compressed air", "dashboard", "Leak map"),
        ] {
            ok.step(own.create(&po(a), ItemKind::App).map(|_| ()))?;
            ok.step(own.asset_add(&po(a), k, n).map(|_| ()))?;
        }
        ok.step(
            own.share(&po("Lines"), "org:plant-engineering", "editor", "")
                .map(|_| ()),
        )?;
        ok.step(
            own.share(&po("Utilities"), "group:operations", "manager", "")
                .map(|_| ()),
        )?;
        ok.step(
            own.share(
                &po("Lines/Press shop/Press monitor"),
                "tenant:globex",
                "tenant",
                "Globex supplies the presses",
            )
            .map(|_| ()),
        )?;
        let heidi = self.session("heidi")?;
        ok.step(
            heidi
                .create("/Plant Ops/my/heidi/Shift notes", ItemKind::App)
                .map(|_| ()),
        )?;
        Ok(())
    }

    /// The Customer Portal workspace.
    fn demo_portal(&self, own: &Session<'_>, ok: &mut Steps) -> Result<()> {
        ok.step(
            own.create("/Customer Portal/team/Portals", ItemKind::Folder)
                .map(|_| ()),
        )?;
        ok.step(
            own.create("/Customer Portal/team/Portals/Acme portal", ItemKind::App)
                .map(|_| ()),
        )?;
        ok.step(
            own.share(
                "/Customer Portal/team/Portals/Acme portal",
                "tenant:acme",
                "tenant",
                "",
            )
            .map(|_| ()),
        )?;
        ok.step(
            own.share(
                "/Customer Portal/team/Portals",
                "group:analytics",
                "editor",
                "",
            )
            .map(|_| ()),
        )?;
        Ok(())
    }
}
