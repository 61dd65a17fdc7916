//! `demo`: fills an empty store with a realistic account, made through the
//! same operations a person would use (so its audit log is real too). The
//! acting login becomes the account owner, so a newcomer sees everything.

use super::*;

impl App {
    pub fn demo(&self, owner: &str) -> Result<usize> {
        if self.is_initialized()? {
            return Err(Error::conflict(
                "demo fills an empty store; this one holds an account",
            ));
        }
        let owner = names::validate_login(owner)?;
        self.init(&owner)?;
        let own = self.session(&owner)?;
        let mut steps = 0usize;
        let mut ok = |r: Result<()>| -> Result<()> {
            steps += 1;
            r
        };

        // People.
        for t in ["acme", "globex"] {
            ok(own.tenant_add(t))?;
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
                ok(own.user_add(login, Some(name), *tenant).map(|_| ()))?;
            }
        }
        for g in ["qa", "operations", "analytics"] {
            ok(own.group_add(g))?;
        }
        for (g, who) in [
            ("qa", &["bob", "carol"][..]),
            ("operations", &["frank", "heidi", "dave"]),
            ("analytics", &["carol", "ivan", "judy"]),
        ] {
            for w in who {
                ok(own.group_join(g, w).map(|_| ()))?;
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
            ok(own.org_add(u, parent))?;
        }
        for (u, who) in [
            ("emea", "dave"),
            ("apac", "erin"),
            ("plant-engineering", "grace"),
            ("plant-engineering", "heidi"),
            ("company", "judy"),
        ] {
            ok(own.org_join(u, who).map(|_| ()))?;
        }

        // Workspaces and roles.
        let dw = account::DEFAULT_WORKSPACE;
        own.ws_add("Plant Ops")?;
        own.ws_add("Customer Portal")?;
        use Role::*;
        let roles: &[(&str, &str, &[Role])] = &[
            (dw, "alice", &[Sysadmin, Datamanager, Analyst]),
            (dw, "bob", &[Analyst]),
            (dw, "carol", &[Analyst, Datamanager]),
            (dw, "dave", &[Analyst]),
            (dw, "erin", &[Sysadmin]),
            ("Plant Ops", "grace", &[Sysadmin, Datamanager, Analyst]),
            ("Plant Ops", "heidi", &[Analyst]),
            ("Plant Ops", "ivan", &[Analyst, Datamanager]),
            ("Plant Ops", "frank", &[Analyst]),
            ("Customer Portal", "judy", &[Sysadmin, Datamanager, Analyst]),
            ("Customer Portal", "alice", &[Analyst]),
        ];
        for (ws, who, rs) in roles {
            if *who != owner {
                ok(own.role_grant(ws, who, rs).map(|_| ()))?;
            }
        }

        // Team Space of the Default Workspace.
        let t = |p: &str| format!("/{dw}/team/{p}");
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
            ok(own.create(&t(f), ItemKind::Folder).map(|_| ()))?;
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
            ok(own.create(&t(a), ItemKind::App).map(|_| ()))?;
            for (k, n) in *assets {
                ok(own.asset_add(&t(a), k, n).map(|_| ()))?;
            }
        }
        ok(own
            .describe(
                &t("Plant/Line1/OEE"),
                "Overall equipment effectiveness of line 1, per shift",
            )
            .map(|_| ()))?;
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
            ok(own.share(&t(p), s, l, n).map(|_| ()))?;
        }

        // Resources and integrations.
        ok(own.resource_set(dw, "influxdb", "influxdb://tsdb.plant.local:8086/plant"))?;
        for (name, kind, ep) in [
            ("MES", "opcua", "opc.tcp://mes.plant.local:4840"),
            ("ERP orders", "http", "https://erp.example.com/api/orders"),
            (
                "Line sensors",
                "mqtt",
                "mqtt://broker.plant.local:1883/line/#",
            ),
        ] {
            ok(own.integ_add(dw, name, kind, ep, "").map(|_| ()))?;
        }
        ok(own
            .integ_attach(&t("Plant/Line1/OEE"), "MES", true)
            .map(|_| ()))?;
        ok(own
            .integ_attach(&t("Plant/Line1/OEE"), "Line sensors", true)
            .map(|_| ()))?;
        ok(own
            .integ_attach(&t("Sales/Customer portal"), "ERP orders", true)
            .map(|_| ()))?;
        ok(own
            .resource_restrict(&t("Sales/Customer portal"), "influxdb", true)
            .map(|_| ()))?;

        // My Creations with collaborations: to a user, a group and an org unit.
        let my = |who: &str, p: &str| format!("/{dw}/my/{who}/{p}");
        let bob = self.session("bob")?;
        ok(bob
            .create(&my("bob", "Drafts"), ItemKind::Folder)
            .map(|_| ()))?;
        ok(bob
            .create(&my("bob", "Drafts/Forecast"), ItemKind::App)
            .map(|_| ()))?;
        ok(bob
            .asset_add(&my("bob", "Drafts/Forecast"), "chart", "Demand forecast")
            .map(|_| ()))?;
        ok(bob.create(&my("bob", "Scratch"), ItemKind::App).map(|_| ()))?;
        ok(bob
            .share(
                &my("bob", "Drafts"),
                "user:carol",
                "editor",
                "Help with the forecast model",
            )
            .map(|_| ()))?;
        let carol = self.session("carol")?;
        ok(carol
            .create(&my("carol", "Experiments"), ItemKind::Folder)
            .map(|_| ()))?;
        ok(carol
            .create(&my("carol", "Experiments/Anomaly detection"), ItemKind::App)
            .map(|_| ()))?;
        ok(carol
            .asset_add(
                &my("carol", "Experiments/Anomaly detection"),
                "dataset",
                "Vibration",
            )
            .map(|_| ()))?;
        ok(carol
            .share(
                &my("carol", "Experiments"),
                "group:qa",
                "viewer",
                "For review",
            )
            .map(|_| ()))?;
        let dave = self.session("dave")?;
        ok(dave
            .create(&my("dave", "Quotes"), ItemKind::App)
            .map(|_| ()))?;
        ok(dave
            .share(
                &my("dave", "Quotes"),
                "org:sales",
                "editor",
                "Sales team quote builder",
            )
            .map(|_| ()))?;

        // Plant Ops workspace.
        let po = |p: &str| format!("/Plant Ops/team/{p}");
        for f in ["Lines", "Lines/Press shop", "Lines/Paint shop", "Utilities"] {
            ok(own.create(&po(f), ItemKind::Folder).map(|_| ()))?;
        }
        for (a, k, n) in [
            ("Lines/Press shop/Press monitor", "dashboard", "Tonnage"),
            ("Lines/Paint shop/Booth climate", "chart", "Humidity"),
            ("Utilities/Compressed air", "dashboard", "Leak map"),
        ] {
            ok(own.create(&po(a), ItemKind::App).map(|_| ()))?;
            ok(own.asset_add(&po(a), k, n).map(|_| ()))?;
        }
        ok(own
            .share(&po("Lines"), "org:plant-engineering", "editor", "")
            .map(|_| ()))?;
        ok(own
            .share(&po("Utilities"), "group:operations", "manager", "")
            .map(|_| ()))?;
        ok(own
            .share(
                &po("Lines/Press shop/Press monitor"),
                "tenant:globex",
                "tenant",
                "Globex supplies the presses",
            )
            .map(|_| ()))?;
        let heidi = self.session("heidi")?;
        ok(heidi
            .create("/Plant Ops/my/heidi/Shift notes", ItemKind::App)
            .map(|_| ()))?;

        // Customer Portal workspace.
        ok(own
            .create("/Customer Portal/team/Portals", ItemKind::Folder)
            .map(|_| ()))?;
        ok(own
            .create("/Customer Portal/team/Portals/Acme portal", ItemKind::App)
            .map(|_| ()))?;
        ok(own
            .share(
                "/Customer Portal/team/Portals/Acme portal",
                "tenant:acme",
                "tenant",
                "",
            )
            .map(|_| ()))?;
        ok(own
            .share(
                "/Customer Portal/team/Portals",
                "group:analytics",
                "editor",
                "",
            )
            .map(|_| ()))?;
        Ok(steps)
    }
}
