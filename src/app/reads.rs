//! What each user may read (R33, R34, R35): the app's one place that applies
//! the rule table's read decisions (`domain::rules::reads_person`,
//! `grant_sight`, `reads_workspace`, `audit_sight`) to what a reply or a push
//! carries. Every surface — the command line, every pane, tab, picker and
//! status line of the UI, `watch`, reports, completions — reads through the
//! requests that call these.

use super::*;
use crate::domain::rules::{self, AuditSight, GrantSight, Person};

/// A committed change as one reader may learn of it (R35).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sighted {
    /// The entry itself (masked where it names a private item, R14).
    Entry(AuditEntry),
    /// Only that an item the reader can view changed: its path now.
    Changed { path: String },
    /// Nothing the reader may learn (the store changed, that is all).
    Nothing,
}

/// A login that a reader may not read is answered as one that does not
/// exist (R12, R33).
fn no_user(login: &str) -> Error {
    Error::not_found(format!("no user '{}'", text::escape(login)))
}

impl Session<'_> {
    /// R33: may the actor read this user, group, unit or tenant?
    pub fn reads(&self, who: Person<'_>) -> bool {
        rules::reads_person(&self.actor, who)
    }

    /// A user the actor may read, else *not found* as if absent (R12, R33).
    pub fn require_user_readable(&self, login: &str) -> Result<User> {
        let u = self.store().user(login)?.ok_or_else(|| no_user(login))?;
        if !self.reads(Person::User(&u.login)) {
            return Err(no_user(login));
        }
        Ok(u)
    }

    /// R33, R34: the workspace's members, roles, resources and integrations
    /// are its members' to read.
    pub fn require_workspace_readable(&self, ws: &Workspace) -> Result<()> {
        rules::reads_workspace(&self.actor, ws.id, &ws.name).or_denied()
    }

    /// R34: how much of the grants at `r` (an item or a space root) and of
    /// others' levels there the actor reads.
    pub fn grant_sight(&self, r: &Resolved) -> Result<GrantSight> {
        let view = self.decide(Action::View, r)?;
        let space = r.space();
        // Sharing is asked only where no standing in the workspace decides.
        let cheap = rules::grant_sight(&self.actor, &view, space, false);
        if cheap != GrantSight::Own || r.chain.is_none() {
            return Ok(cheap);
        }
        let may_share = self.decide(Action::Share, r)?.allowed;
        Ok(rules::grant_sight(&self.actor, &view, space, may_share))
    }

    /// R33, R34: the actor may read how `of` stands at `r` (see
    /// [`rules::reads_standing_of`]); a person they may not read there is
    /// answered as absent.
    pub fn require_standing_readable(&self, r: &Resolved, of: &str) -> Result<GrantSight> {
        let sight = self.grant_sight(r)?;
        if of == self.login() {
            return Ok(sight);
        }
        self.store().user(of)?.ok_or_else(|| no_user(of))?;
        let of_views = sight == GrantSight::All && self.decide_as(of, Action::View, r)?.allowed;
        rules::reads_standing_of(&self.actor, sight, of, of_views).or_refused(&r.path, of)?;
        Ok(sight)
    }

    /// The grants of `grants` the actor reads at a sight (R34): all, those
    /// that reach the actor, or none.
    pub fn grants_in_sight<'g>(
        &self,
        sight: GrantSight,
        grants: impl IntoIterator<Item = &'g Grant>,
    ) -> Vec<&'g Grant> {
        grants
            .into_iter()
            .filter(|g| match sight {
                GrantSight::All => true,
                GrantSight::Own => self.actor.reach(&g.subject).is_some(),
                GrantSight::Nothing => false,
            })
            .collect()
    }

    /// A login as the actor may read it: itself, or a mark that says why not (R33).
    pub fn login_in_sight(&self, login: &str) -> String {
        if self.reads(Person::User(login)) {
            login.to_string()
        } else {
            "(someone, R33)".into()
        }
    }

    /// R32, R35: may the actor read the log of workspace `ws` (`None`: the
    /// account's own entries)?
    pub fn reads_log_of(&self, ws: Option<WsId>) -> bool {
        rules::reads_log_of(&self.actor, ws)
    }

    /// A committed change as the actor may learn of it (R35): the entry for
    /// the log's readers and the change's own actor; for anyone else only
    /// that an item they can view changed, by the path they see now.
    pub fn sighted(&self, e: AuditEntry) -> Result<Sighted> {
        if rules::audit_sight(&self.actor, e.ws, &e.actor) == AuditSight::Entry {
            return Ok(Sighted::Entry(self.mask_entry(e)?));
        }
        let Some(id) = e.item else {
            return Ok(Sighted::Nothing);
        };
        Ok(match self.resolve_id(id) {
            Ok(r) if self.decide(Action::View, &r)?.allowed => Sighted::Changed { path: r.path },
            _ => Sighted::Nothing,
        })
    }
}
