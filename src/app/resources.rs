//! Workspace resources and integrations (R29, R30, R31).

use super::*;
use crate::store::keys;

impl Session<'_> {
    /// Members (and the account owner) of a workspace the actor sees.
    fn member_ws(&self, ws: &str) -> Result<Workspace> {
        let wsn = names::validate_name(ws, "workspace")?;
        let ws = self.workspace_named(&wsn)?;
        self.require_workspace_readable(&ws)?;
        Ok(ws)
    }

    pub fn resources(&self, ws: &str) -> Result<Workspace> {
        self.member_ws(ws)
    }

    /// R29: members with `sysadmin` edit endpoints.
    pub fn resource_set(&self, ws: &str, kind: &str, endpoint: &str) -> Result<()> {
        names::validate_name(ws, "workspace")?;
        let kind: ResourceKind = kind.parse()?;
        let endpoint = validate_endpoint(endpoint)?;
        let mut tx = self.store().begin()?;
        let mut w = self.member_ws(ws)?;
        if !self.actor.roles_in(w.id).has(Role::Sysadmin) {
            return Err(Error::denied(
                "only members with the sysadmin role edit resources (R29)",
            ));
        }
        if w.resources.get(&kind) == Some(&endpoint) {
            self.unchanged(format!("{kind} of {} is already {endpoint}", w.name));
            return Ok(());
        }
        w.resources.insert(kind, endpoint.clone());
        tx.put(keys::workspace(w.id), &w);
        self.commit(
            tx,
            AuditAction::ResourceSet,
            format!("/{} {kind} {endpoint}", w.name),
            At::Workspace(w.id),
        )?;
        Ok(())
    }

    /// R30: an admin restricts (or allows again) an app's use of a resource.
    pub fn resource_restrict(&self, app: &str, kind: &str, restrict: bool) -> Result<Item> {
        let ip = path::parse_item(app)?;
        let kind: ResourceKind = kind.parse()?;
        let mut tx = self.store().begin()?;
        let (item, r) = self.resolve_item(&ip.to_string())?;
        if item.kind != ItemKind::App {
            return Err(Error::invalid(format!(
                "{} is not an app (R30)",
                text::escape(&r.path)
            )));
        }
        if !self.actor.is_admin(item.space.ws) {
            return Err(Error::denied(
                "only Team Space admins restrict apps from resources (R30)",
            ));
        }
        let mut it = item.clone();
        let changed = if restrict {
            it.restricted.insert(kind)
        } else {
            it.restricted.remove(&kind)
        };
        if !changed {
            self.unchanged(format!(
                "{} {} {kind} already (R30)",
                r.path,
                if restrict { "may not use" } else { "may use" }
            ));
            return Ok(item);
        }
        it.modified = now();
        tx.replace_item(&item, &it);
        let verb = if restrict {
            AuditAction::ResourceRestrict
        } else {
            AuditAction::ResourceAllow
        };
        self.commit(tx, verb, format!("{} {kind}", r.path), At::item(&it))?;
        Ok(it)
    }

    pub fn integrations(&self, ws: &str) -> Result<(Workspace, Vec<Integration>)> {
        let w = self.member_ws(ws)?;
        let v = self.store().integrations(w.id)?;
        Ok((w, v))
    }

    /// R31: members with `datamanager` edit an integration's endpoint and settings.
    pub fn integ_edit(
        &self,
        ws: &str,
        name: &str,
        endpoint: Option<&str>,
        settings: Option<&str>,
    ) -> Result<Integration> {
        names::validate_name(ws, "workspace")?;
        let name = names::validate_name(name, "integration")?;
        let endpoint = endpoint.map(validate_endpoint).transpose()?;
        let settings = settings
            .map(|t| names::validate_text(t, "settings", 2000))
            .transpose()?;
        if endpoint.is_none() && settings.is_none() {
            return Err(Error::invalid(
                "name what to change: --endpoint and/or --settings",
            ));
        }
        let mut tx = self.store().begin()?;
        let w = self.member_ws(ws)?;
        let mut i = self.integration_required(&w, &name)?;
        self.require_datamanager(&w)?;
        let before = i.clone();
        if let Some(e) = endpoint {
            i.endpoint = e;
        }
        if let Some(t) = settings {
            i.settings = t;
        }
        if i == before {
            self.unchanged(format!("integration {name} is already so"));
            return Ok(i);
        }
        tx.put(keys::integ(w.id, &name), &i);
        self.commit(
            tx,
            AuditAction::IntegEdit,
            format!("/{} {name}", w.name),
            At::Workspace(w.id),
        )?;
        Ok(i)
    }

    /// R31: members with `datamanager` create, edit and delete integrations.
    pub fn integ_add(
        &self,
        ws: &str,
        name: &str,
        kind: &str,
        endpoint: &str,
        settings: &str,
    ) -> Result<Integration> {
        names::validate_name(ws, "workspace")?;
        let name = names::validate_name(name, "integration")?;
        let kind: IntegKind = kind.parse()?;
        let endpoint = validate_endpoint(endpoint)?;
        let settings = names::validate_text(settings, "settings", 2000)?;
        let mut tx = self.store().begin()?;
        let w = self.member_ws(ws)?;
        self.require_datamanager(&w)?;
        if self.store().integration(w.id, &name)?.is_some() {
            return Err(Error::conflict(format!(
                "integration '{}' exists in '{}' (R1)",
                text::escape(&name),
                text::escape(&w.name)
            )));
        }
        let i = Integration {
            ws: w.id,
            name: name.clone(),
            kind,
            endpoint,
            settings,
            created: now(),
        };
        tx.require_absent(keys::integ(w.id, &name), "the integration exists");
        tx.put(keys::integ(w.id, &name), &i);
        self.commit(
            tx,
            AuditAction::IntegAdd,
            format!("/{} {name}", w.name),
            At::Workspace(w.id),
        )?;
        Ok(i)
    }

    fn integration_required(&self, w: &Workspace, name: &str) -> Result<Integration> {
        self.store().integration(w.id, name)?.ok_or_else(|| {
            Error::not_found(format!(
                "no integration '{}' in '{}'",
                text::escape(name),
                text::escape(&w.name)
            ))
        })
    }

    fn require_datamanager(&self, w: &Workspace) -> Result<()> {
        if self.actor.roles_in(w.id).has(Role::Datamanager) {
            Ok(())
        } else {
            Err(Error::denied(
                "only members with the datamanager role create, edit and delete integrations (R31)",
            ))
        }
    }

    /// R31: refused while apps use it, listing the apps (those the actor may see by path).
    pub fn integ_rm(&self, ws: &str, name: &str) -> Result<()> {
        names::validate_name(ws, "workspace")?;
        let name = names::validate_name(name, "integration")?;
        let mut tx = self.store().begin()?;
        let w = self.member_ws(ws)?;
        self.integration_required(&w, &name)?;
        self.require_datamanager(&w)?;
        let users = self.store().integration_users(w.id, &name)?;
        if !users.is_empty() {
            let mut shown = Vec::new();
            let mut hidden = 0;
            for id in &users {
                match self.resolve_id(*id) {
                    Ok(r) => shown.push(r.path),
                    Err(_) => hidden += 1, // R12: never name an item the actor cannot see
                }
            }
            let mut list = shown
                .iter()
                .map(|p| text::escape(p))
                .collect::<Vec<_>>()
                .join(", ");
            if hidden > 0 {
                if !list.is_empty() {
                    list.push_str(", ");
                }
                list.push_str(&format!("{hidden} app(s) you cannot see"));
            }
            return Err(Error::conflict(format!(
                "integration '{}' is in use by {} app(s): {list} (R31)",
                text::escape(&name),
                users.len()
            )));
        }
        tx.del(keys::integ(w.id, &name));
        self.commit(
            tx,
            AuditAction::IntegRm,
            format!("/{} {name}", w.name),
            At::Workspace(w.id),
        )?;
        Ok(())
    }

    /// R31: apps the actor can edit attach and detach integrations of their workspace.
    pub fn integ_attach(&self, app: &str, name: &str, attach: bool) -> Result<Item> {
        let ip = path::parse_item(app)?;
        let name = names::validate_name(name, "integration")?;
        let mut tx = self.store().begin()?;
        let (item, r) = self.resolve_item(&ip.to_string())?;
        if item.kind != ItemKind::App {
            return Err(Error::invalid(format!(
                "{} is not an app (R31)",
                text::escape(&r.path)
            )));
        }
        // Detaching one the app still names is allowed even when the
        // integration itself is gone.
        let known = item.integrations.contains(&name)
            || self.store().integration(item.space.ws, &name)?.is_some();
        if !known {
            return Err(Error::not_found(format!(
                "no integration '{}' in this workspace",
                text::escape(&name)
            )));
        }
        self.require(Action::Edit, &r)?;
        let mut it = item.clone();
        let changed = if attach {
            it.integrations.insert(name.clone())
        } else {
            it.integrations.remove(&name)
        };
        if !changed {
            self.unchanged(format!(
                "{} {} integration {name} already",
                r.path,
                if attach { "uses" } else { "does not use" }
            ));
            return Ok(item);
        }
        it.modified = now();
        tx.replace_item(&item, &it);
        if attach {
            tx.require_present(
                keys::integ(item.space.ws, &name),
                "the integration was removed meanwhile",
            );
            tx.put(keys::integ_use(item.space.ws, &name, item.id), &());
        } else {
            tx.del(keys::integ_use(item.space.ws, &name, item.id));
        }
        let verb = if attach {
            AuditAction::IntegAttach
        } else {
            AuditAction::IntegDetach
        };
        self.commit(tx, verb, format!("{} {name}", r.path), At::item(&it))?;
        Ok(it)
    }
}

fn validate_endpoint(e: &str) -> Result<String> {
    let e = names::validate_text(e, "endpoint", 512)?;
    if e.is_empty() {
        return Err(Error::invalid("the endpoint is empty"));
    }
    Ok(e)
}
