//! Grants: share, unshare and leave (R16, R17, R21, R26, R27).

use super::audit::Detail;
use super::*;

impl Session<'_> {
    /// R26: tenants get the `tenant` level and only they do. This does not
    /// depend on the item, so it is checked before the path is resolved
    /// (§10: invalid input before not found).
    fn check_level_pair(subject: &Subject, level: Level) -> Result<()> {
        match (subject, level) {
            (Subject::Tenant(_), Level::Tenant) => Ok(()),
            (Subject::Tenant(_), _) => Err(Error::invalid(
                "tenants are granted the `tenant` level only (R26)",
            )),
            (_, Level::Tenant) => Err(Error::invalid(
                "the `tenant` level is granted to tenants only (R26)",
            )),
            _ => Ok(()),
        }
    }

    /// Checks the subject of a grant exists and fits the space and level.
    fn check_grant_shape(&self, r: &Resolved, subject: &Subject, level: Level) -> Result<()> {
        let space = r.space();
        if r.chain.is_none() {
            return Err(Error::invalid("a space root takes no grants (R21)"));
        }
        Self::check_level_pair(subject, level)?;
        if !space.is_team() {
            if matches!(subject, Subject::Tenant(_)) {
                return Err(Error::invalid(
                    "only Team Space items are granted to tenants (R16, R26)",
                ));
            }
            if level == Level::Manager {
                return Err(Error::invalid(
                    "My Creations collaborations are `editor` or `viewer` (R16)",
                ));
            }
        }
        Ok(())
    }

    /// A subject a grant may name: it exists and is not a tenant user (R26).
    fn subject_exists(&self, subject: &Subject) -> Result<()> {
        if let Subject::User(l) = subject {
            if self.store().user(l)?.is_some_and(|u| u.tenant.is_some()) {
                return Err(Error::invalid(format!(
                    "{l} is a tenant user: tenant users see apps through their tenant's grants (R26)"
                )));
            }
        }
        self.subject_exists_at_all(subject)
    }

    /// The user, group, org unit or tenant a subject names is in the store.
    pub(super) fn subject_exists_at_all(&self, subject: &Subject) -> Result<()> {
        let st = self.store();
        let found = match subject {
            Subject::User(l) => st.user(l)?.is_some(),
            Subject::Group(g) => st.group(g)?.is_some(),
            Subject::Org(u) => st.org(u)?.is_some(),
            Subject::Tenant(t) => st.tenant(t)?.is_some(),
        };
        use super::lookalike::Kind;
        // A subject the actor may not read is answered as absent (R12, R33).
        let found = found && crate::domain::rules::reads_subject(&self.actor, subject);
        let kind = match subject {
            _ if found => return Ok(()),
            Subject::User(l) => {
                return Err(Error::not_found(format!("no user '{}'", text::escape(l))))
            }
            Subject::Group(_) => Kind::Group,
            Subject::Org(_) => Kind::Org,
            Subject::Tenant(_) => Kind::Tenant,
        };
        Err(self.no_such(kind, subject.name()))
    }

    pub fn share(&self, raw: &str, subject: &str, level: &str, note: &str) -> Result<Grant> {
        let ip = path::parse_item(raw)?;
        let subject: Subject = subject.parse()?;
        let level: Level = level.parse()?;
        let note = names::validate_text(note, "note", 500)?;
        Self::check_level_pair(&subject, level)?;
        let mut tx = self.store().begin()?;
        let r = self.resolve(&ip)?;
        self.check_grant_shape(&r, &subject, level)?;
        self.subject_exists(&subject)?;
        self.require(Action::Share, &r)?;
        let item = r.item().expect("checked: not a root");
        let before = self.store().grant(item.id, &subject)?;
        // A share without a note keeps the note the grant has.
        let note = match &before {
            Some(b) if note.is_empty() => b.note.clone(),
            _ => note,
        };
        if let Some(b) = before
            .as_ref()
            .filter(|b| b.level == level && b.note == note)
        {
            self.unchanged(format!("{subject} already has {level} on {}", r.path));
            return Ok(b.clone());
        }
        let g = Grant {
            item: item.id,
            subject: subject.clone(),
            level,
            note,
            granted_by: self.login().to_string(),
            at: now(),
        };
        tx.put_grant(&g);
        record_detail(
            &mut tx,
            Detail {
                subject: Some(subject.to_string()),
                level: Some(level.to_string()),
                previous_level: before.map(|b| b.level.to_string()),
                note: Some(g.note.clone()).filter(|n| !n.is_empty()),
            },
        );
        // The log keeps what was given, note included.
        let target = if g.note.is_empty() {
            format!("{} {subject} {level}", r.path)
        } else {
            format!("{} {subject} {level} (note: {})", r.path, g.note)
        };
        self.commit(tx, AuditAction::Share, target, At::item(item))?;
        Ok(g)
    }

    /// `unshare PATH SUBJECT`: the grant is gone afterwards. When there was
    /// none, nothing changes and the answer says so (`None`).
    pub fn unshare(&self, raw: &str, subject: &str) -> Result<Option<Grant>> {
        let ip = path::parse_item(raw)?;
        let subject: Subject = subject.parse()?;
        let mut tx = self.store().begin()?;
        let r = self.resolve(&ip)?;
        let item = r
            .item()
            .ok_or_else(|| Error::invalid("a space root takes no grants (R21)"))?
            .clone();
        self.subject_exists_at_all(&subject)?;
        self.require(Action::Share, &r)?;
        let Some(g) = self.store().grant(item.id, &subject)? else {
            self.unchanged(format!("{} holds no grant to {subject}", r.path));
            return Ok(None);
        };
        tx.del_grant(item.id, &subject);
        record_detail(
            &mut tx,
            Detail {
                subject: Some(subject.to_string()),
                previous_level: Some(g.level.to_string()),
                note: Some(g.note.clone()).filter(|n| !n.is_empty()),
                ..Detail::default()
            },
        );
        // The log keeps what was taken back: the level revoked.
        self.commit(
            tx,
            AuditAction::Unshare,
            format!("{} {subject} {}", r.path, g.level),
            At::item(&item),
        )?;
        Ok(Some(g))
    }

    /// R17: a collaborator cancels a collaboration granted to them directly as
    /// a user; one that reaches them through a group or unit is not theirs to cancel.
    pub fn leave(&self, raw: &str) -> Result<Grant> {
        let ip = path::parse_item(raw)?;
        let mut tx = self.store().begin()?;
        let r = self.resolve(&ip)?;
        let item = r
            .item()
            .ok_or_else(|| Error::invalid("a space root takes no grants (R21)"))?
            .clone();
        let me = Subject::User(self.login().to_string());
        let Some(g) = self.store().grant(item.id, &me)? else {
            let d = self.decide(Action::View, &r)?;
            let why = if d.grants.iter().any(|c| c.item == item.id || c.decisive) {
                "your access here comes through a group, an org unit or a folder above; only a collaboration granted to you directly on this item can be left (R17)"
            } else {
                "no collaboration is granted to you on this item (R17)"
            };
            return Err(Error::denied(format!(
                "leave {}: {why}",
                text::escape(&r.path)
            )));
        };
        tx.del_grant(item.id, &me);
        self.commit(
            tx,
            AuditAction::Leave,
            format!("{} {me}", r.path),
            At::item(&item),
        )?;
        Ok(g)
    }
}

/// The structured fields of the change's (next) audit entry, in its transaction.
fn record_detail(tx: &mut crate::store::Txn<'_>, d: Detail) {
    let seq = tx.next_seq();
    tx.put(crate::store::keys::audit_detail(seq), &d);
}
