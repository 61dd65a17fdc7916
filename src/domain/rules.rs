//! The rule table: one function, [`decide`], answers `(principal, action,
//! target)` with a [`Decision`]. Every listing, check, explanation and mutation
//! asks it; nothing else in treeward decides who may do what.
//!
//! Readings of SPEC that are ours (the rule table is the one place they live):
//! - Tenant users reach items only through their tenant's grants (R26 "exactly");
//!   a grant naming a tenant user directly is refused when shared (see `app`).
//! - A `manager` grant that reaches My Creations (an app moved back, R25) acts as
//!   `editor` there: only the owner moves, deletes and shares (R16).
//! - `edit` on a folder (its description) follows the same levels as on an app.
//! - `create` on an app is never allowed (assets are added by `edit`); `copy`
//!   applies to apps only (R20).
//! - Names (R1, R2; `names.rs`): every name, typed or imported, is trimmed
//!   and stored in NFC, so a path typed decomposed finds it; format (Cf) and
//!   other default-ignorable characters are invalid input; a sibling item
//!   whose UTS #39 skeleton equals another's is a conflict like the same name
//!   (an item may be renamed to a look of its own name). Workspaces, groups,
//!   units and tenants are compared the same way, each kind across the
//!   account (a workspace may be renamed to a look of its own name).

use std::collections::{BTreeMap, BTreeSet};

use super::model::*;

/// The user whose rights are decided, with groups and org units resolved once
/// per request (R10): `orgs` maps every unit that covers the user (the units
/// they are in and all their ancestors) to the unit they are actually in.
#[derive(Debug, Clone, Default)]
pub struct Principal {
    pub login: String,
    pub is_account_owner: bool,
    pub tenant: Option<String>,
    pub groups: BTreeSet<String>,
    pub orgs: BTreeMap<String, String>,
    pub roles: BTreeMap<WsId, Roles>,
}

/// How a grant's subject reaches a principal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "via", rename_all = "lowercase")]
pub enum Via {
    User,
    Group { group: String },
    Org { unit: String, member_of: String },
    Tenant { tenant: String },
}

impl Via {
    pub fn kind(&self) -> &'static str {
        match self {
            Via::User => "user",
            Via::Group { .. } => "group",
            Via::Org { .. } => "org",
            Via::Tenant { .. } => "tenant",
        }
    }
}

impl Principal {
    /// R5: the account owner holds all three roles in every workspace.
    pub fn roles_in(&self, ws: WsId) -> Roles {
        if self.is_account_owner {
            Roles::ALL
        } else {
            self.roles.get(&ws).copied().unwrap_or_default()
        }
    }
    /// R7.
    pub fn is_admin(&self, ws: WsId) -> bool {
        self.roles_in(ws).is_admin()
    }
    pub fn is_member(&self, ws: WsId) -> bool {
        !self.roles_in(ws).is_empty()
    }
    pub fn is_tenant_user(&self) -> bool {
        self.tenant.is_some()
    }
    /// R10, R26: whether (and how) a grant's subject covers this user. Tenant
    /// users are covered by their tenant only.
    pub fn reach(&self, s: &Subject) -> Option<Via> {
        if let Some(t) = &self.tenant {
            return match s {
                Subject::Tenant(n) if n == t => Some(Via::Tenant { tenant: n.clone() }),
                _ => None,
            };
        }
        match s {
            Subject::User(l) if *l == self.login => Some(Via::User),
            Subject::Group(g) if self.groups.contains(g) => Some(Via::Group { group: g.clone() }),
            Subject::Org(u) => self.orgs.get(u).map(|m| Via::Org {
                unit: u.clone(),
                member_of: m.clone(),
            }),
            _ => None,
        }
    }
}

/// A link's path: a prefix of the chain's item path, shared rather than
/// copied (a check builds a chain of 20 links; their paths cost one string).
#[derive(Clone)]
pub struct LinkPath {
    full: std::sync::Arc<str>,
    len: usize,
}

impl LinkPath {
    /// The first `len` bytes of `full` (clamped to a character boundary).
    pub fn new(full: std::sync::Arc<str>, len: usize) -> LinkPath {
        let mut len = len.min(full.len());
        while !full.is_char_boundary(len) {
            len -= 1;
        }
        LinkPath { full, len }
    }
    pub fn as_str(&self) -> &str {
        &self.full[..self.len]
    }
}

impl std::ops::Deref for LinkPath {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for LinkPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for LinkPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for LinkPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for LinkPath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let len = s.len();
        Ok(LinkPath::new(s.into(), len))
    }
}

/// One item of a chain: the item itself, then each ancestor up to the space root.
#[derive(Debug, Clone)]
pub struct Link {
    pub id: ItemId,
    pub kind: ItemKind,
    pub path: LinkPath,
    /// Shared: a chain is built per check, its grants are read once.
    pub grants: std::sync::Arc<Vec<Grant>>,
}

/// An item with its ancestors and the grants on each: what R10 needs.
#[derive(Debug, Clone)]
pub struct Chain {
    pub space: SpaceRef,
    /// `links[0]` is the item; the last link sits at the space root.
    pub links: Vec<Link>,
}

impl Chain {
    pub fn item(&self) -> &Link {
        &self.links[0]
    }
}

/// What a decision is about.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A space root; `visible_inside`: the principal can see some item in it (R11).
    Root {
        space: &'a SpaceRef,
        visible_inside: bool,
    },
    /// An item; `visible_below`: the principal can view some item below it (R11).
    Item {
        chain: &'a Chain,
        visible_below: bool,
    },
}

/// How much of a target the principal sees (R11, R12).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Seen {
    /// Not at all: acting on it answers *not found* (R12).
    Hidden,
    /// Only as the path to something visible: listed, but no action (R11).
    PathOnly,
    Visible,
}

/// Where the principal's rights on a target come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The owner of the My Creations space (R15).
    SpaceOwner,
    /// A Team Space admin (R7, R21), the account owner included (R5).
    Admin,
    /// A member of the workspace at the Team Space root (R11).
    Member,
    /// The effective level of the grants that reach the principal (R10).
    Granted(Level),
    None,
}

/// A grant on the chain that reaches the principal (R13).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Contribution {
    pub on: LinkPath,
    pub item: ItemId,
    pub subject: Subject,
    pub level: Level,
    #[serde(flatten)]
    pub via: Via,
    /// This grant gives the effective level (a grant at a lower level is listed
    /// but does not decide).
    pub decisive: bool,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Decision {
    pub action: Action,
    pub allowed: bool,
    pub seen: Seen,
    pub standing: Standing,
    /// The effective level from grants (R10), whatever the standing.
    pub level: Option<Level>,
    pub grants: Vec<Contribution>,
    /// Why, in words, with the rule numbers.
    pub reason: String,
    /// For a move or a copy asked about by `check`: the destination it was
    /// decided for, or `None` when none was given (only the source was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<Option<String>>,
}

impl Decision {
    /// The effective level in words: a role or space ownership, else the grant level.
    pub fn level_word(&self) -> String {
        self.level_str().into()
    }

    /// The level word, without an allocation (the tree keeps one per row).
    pub fn level_str(&self) -> &'static str {
        match self.standing {
            Standing::SpaceOwner => "owner",
            Standing::Admin => "admin",
            Standing::Member => "member",
            Standing::Granted(l) => l.as_str(),
            Standing::None if self.seen == Seen::PathOnly => "path only",
            Standing::None => "none",
        }
    }
}

/// What a level lets one do in the Team Space (SPEC §4 table, R22).
fn team_level_allows(level: Level, action: Action) -> bool {
    use Action::*;
    match level {
        Level::Manager => true,
        Level::Editor => !matches!(action, Move | Share),
        Level::Viewer => matches!(action, View | Copy),
        Level::Tenant => matches!(action, View | Copy),
    }
}

/// What a collaborator's level lets one do in another user's My Creations (R16).
fn collaborator_allows(level: Level, action: Action) -> bool {
    use Action::*;
    match action {
        View | Copy => level >= Level::Viewer,
        Create | Edit | Rename => level >= Level::Editor,
        Move | Delete | Share => false,
    }
}

/// Whether a grant level alone would allow `action` in a space (the level
/// tables of R16 and R22; roles and kind checks aside).
pub fn level_allows(space: &SpaceKind, level: Level, action: Action) -> bool {
    match space {
        SpaceKind::Team => team_level_allows(level, action),
        SpaceKind::My(_) => collaborator_allows(level, action),
    }
}

/// What `action` needs in a space, in words a refusal can say: the lowest
/// grant level allowing it (Team Space admins may always, R21), else who
/// alone may (R16: only the owner moves, deletes and shares in My Creations).
pub fn needs(space: &SpaceKind, action: Action) -> String {
    let lowest = [Level::Viewer, Level::Editor, Level::Manager]
        .into_iter()
        .find(|l| level_allows(space, *l, action));
    match (space, lowest) {
        (SpaceKind::Team, Some(l)) => format!("{l} or admin"),
        (SpaceKind::Team, None) => "a Team Space admin".into(),
        (SpaceKind::My(_), Some(l)) => format!("{l} or the owner"),
        (SpaceKind::My(o), None) => format!("the owner ({})", super::text::escape(o)),
    }
}

/// The rule table: may `p` take `action` on `target`?
pub fn decide(p: &Principal, action: Action, target: Target<'_>) -> Decision {
    match target {
        Target::Root {
            space,
            visible_inside,
        } => decide_root(p, action, space, visible_inside),
        Target::Item {
            chain,
            visible_below,
        } => decide_item(p, action, chain, visible_below),
    }
}

fn decision(
    action: Action,
    allowed: bool,
    seen: Seen,
    standing: Standing,
    reason: String,
) -> Decision {
    Decision {
        action,
        allowed,
        seen,
        standing,
        level: None,
        grants: Vec::new(),
        reason,
        destination: None,
    }
}

fn decide_root(p: &Principal, action: Action, space: &SpaceRef, visible_inside: bool) -> Decision {
    let (seen, standing) = match &space.kind {
        SpaceKind::Team if p.is_admin(space.ws) => (Seen::Visible, Standing::Admin),
        SpaceKind::Team if p.is_member(space.ws) => (Seen::Visible, Standing::Member),
        SpaceKind::My(o) if *o == p.login => (Seen::Visible, Standing::SpaceOwner),
        _ if visible_inside => (Seen::Visible, Standing::None),
        _ => (Seen::Hidden, Standing::None),
    };
    if seen == Seen::Hidden {
        return decision(
            action,
            false,
            seen,
            standing,
            "the space is not visible to this user (R11, R12, R14)".into(),
        );
    }
    let (allowed, reason) = match action {
        Action::View => (true, "a space root is visible to its members, its owner and whoever sees an item in it (R11)".to_string()),
        Action::Create => match standing {
            Standing::Admin => (true, "Team Space admins create at the root (R21)".into()),
            Standing::SpaceOwner => (true, "the owner holds every action in their My Creations (R15)".into()),
            _ if space.is_team() => (false, "only Team Space admins create at the root (R21)".into()),
            _ => (false, "only the owner creates at the root of a My Creations (R15, R16)".into()),
        },
        other => (false, format!("a space root is not an item: it cannot be {} (R21)", past(other))),
    };
    decision(action, allowed, seen, standing, reason)
}

fn past(a: Action) -> &'static str {
    match a {
        Action::View => "viewed",
        Action::Create => "created in",
        Action::Edit => "edited",
        Action::Rename => "renamed",
        Action::Move => "moved",
        Action::Delete => "deleted",
        Action::Share => "shared",
        Action::Copy => "copied",
    }
}

/// R10: every grant on the chain that reaches `p`, and the highest level.
fn contributions(p: &Principal, chain: &Chain) -> (Option<Level>, Vec<Contribution>) {
    let mut out = Vec::new();
    for link in &chain.links {
        for g in link.grants.iter() {
            if let Some(via) = p.reach(&g.subject) {
                out.push(Contribution {
                    on: link.path.clone(),
                    item: link.id,
                    subject: g.subject.clone(),
                    level: g.level,
                    via,
                    decisive: false,
                });
            }
        }
    }
    let best = out.iter().map(|c| c.level).max();
    for c in &mut out {
        c.decisive = Some(c.level) == best;
    }
    (best, out)
}

/// The rule table for an item. Who the principal is in the item's space
/// decides, first match wins:
/// - the owner of a My Creations: every action (R15);
/// - anyone else there: a collaborator's level; roles count for nothing (R14, R16);
/// - a Team Space admin: every action (R7, R21);
/// - anyone else in the Team Space: the level of the grants that reach them
///   (R10, R22), tenants on apps only (R26).
///
/// Without a standing the item is hidden or only a path (R11, R12); with
/// one, the item's kind may still refuse the action (a create in an app, a
/// copy of a folder: R20).
fn decide_item(p: &Principal, action: Action, chain: &Chain, visible_below: bool) -> Decision {
    let kind = chain.item().kind;
    let (level, grants) = contributions(p, chain);
    let not_seen = |reason: &str| hidden_or_path(action, visible_below, reason);
    let d = match &chain.space.kind {
        SpaceKind::My(owner) if *owner == p.login => holds_every_action(
            action,
            Standing::SpaceOwner,
            "the owner holds every action in their My Creations (R15)",
        ),
        // R14: admins and the account owner have no special standing here.
        SpaceKind::My(_) => match level.filter(|_| !p.is_tenant_user()) {
            Some(l) => collaborator_decision(action, l, &grants),
            None => {
                not_seen("no collaboration reaches this user in another user's My Creations (R14)")
            }
        },
        SpaceKind::Team if p.is_admin(chain.space.ws) => holds_every_action(
            action,
            Standing::Admin,
            "Team Space admins hold every action on every Team Space item (R7, R21)",
        ),
        SpaceKind::Team => match level {
            None => not_seen("no grant on the item or its folders reaches this user (R10, R22)"),
            // R26: tenants see apps; their folders are only a path.
            Some(Level::Tenant) if kind != ItemKind::App => {
                not_seen("tenant users see apps, not folders (R26)")
            }
            Some(l) => team_grant_decision(action, l, &grants),
        },
    };
    let mut d = refuse_kind(d, kind);
    d.level = level;
    d.grants = grants;
    d
}

/// A standing that holds every action: the space's owner, an admin.
fn holds_every_action(action: Action, standing: Standing, reason: &str) -> Decision {
    decision(action, true, Seen::Visible, standing, reason.into())
}

/// No standing: the item is hidden (R12), or only the path to a visible
/// item below it (R11).
fn hidden_or_path(action: Action, visible_below: bool, reason: &str) -> Decision {
    let (seen, why) = if visible_below {
        (Seen::PathOnly, format!("{reason}; the item is seen only as the path to an item below it, which grants nothing (R11)"))
    } else {
        (Seen::Hidden, format!("{reason} (R12)"))
    };
    decision(action, false, seen, Standing::None, why)
}

/// A collaborator with level `l` in another user's My Creations (R16).
fn collaborator_decision(action: Action, l: Level, grants: &[Contribution]) -> Decision {
    let allowed = collaborator_allows(l, action);
    let reason = if allowed {
        format!(
            "collaborator with {l} through {} (R16)",
            describe_decisive(grants)
        )
    } else if matches!(action, Action::Move | Action::Delete | Action::Share) {
        format!(
            "only the owner {action}s in My Creations; this user is a collaborator with {l} (R16)"
        )
    } else {
        format!("a collaborator with {l} cannot {action} (R16)")
    };
    decision(action, allowed, Seen::Visible, Standing::Granted(l), reason)
}

/// Grants at level `l` in the Team Space (R10, R22; tenants R26).
fn team_grant_decision(action: Action, l: Level, grants: &[Contribution]) -> Decision {
    let allowed = team_level_allows(l, action);
    let through = describe_decisive(grants);
    let reason = match (allowed, l) {
        (true, _) => format!("{l} through {through} (R10, R22)"),
        (false, Level::Tenant) => {
            format!("tenant users may only view apps; tenant through {through} (R26)")
        }
        (false, _) if action == Action::Move => {
            format!("{l} through {through}; only managers and admins move (R23)")
        }
        (false, _) if action == Action::Share => {
            format!("{l} through {through}; only managers and admins share (R27)")
        }
        (false, _) => format!("{l} through {through}; a {l} cannot {action} (R22)"),
    };
    decision(action, allowed, Seen::Visible, Standing::Granted(l), reason)
}

/// Kind checks come first: they hold whoever asks. An item not seen stays
/// hidden or a path rather than refused for its kind.
fn refuse_kind(mut d: Decision, kind: ItemKind) -> Decision {
    let refusal = match (d.action, kind) {
        (Action::Create, ItemKind::App) => {
            "items are created in folders or at a space root, not in an app"
        }
        (Action::Copy, ItemKind::Folder) => "only apps are copied (R20)",
        _ => return d,
    };
    if d.seen == Seen::Visible {
        d.allowed = false;
        d.reason = refusal.to_string();
    }
    d
}

/// "group:qa on /DW/team/Plant" for the decisive grants.
fn describe_decisive(grants: &[Contribution]) -> String {
    let parts: Vec<String> = grants
        .iter()
        .filter(|c| c.decisive)
        .map(|c| format!("{} on {}", c.subject, super::text::escape(&c.on)))
        .collect();
    parts.join(" and ")
}

/// Lines that explain a decision (R13).
pub fn explain_lines(login: &str, path: &str, d: &Decision) -> Vec<String> {
    use super::text::escape;
    let mut lines = vec![format!(
        "{} on {}: {}",
        escape(login),
        escape(path),
        d.level_word()
    )];
    match d.standing {
        Standing::SpaceOwner => {
            lines.push("  owner of this My Creations: every action (R15)".into())
        }
        Standing::Admin => {
            lines.push("  Team Space admin (all three roles): every action (R7, R21)".into())
        }
        _ => {}
    }
    if d.grants.is_empty() && !matches!(d.standing, Standing::SpaceOwner | Standing::Admin) {
        lines.push(format!("  no grant reaches {} here", escape(login)));
    }
    for c in &d.grants {
        let via = match &c.via {
            Via::User => "granted to the user directly".to_string(),
            Via::Group { group } => format!("{} is in group {}", escape(login), escape(group)),
            Via::Org { unit, member_of } if unit == member_of => {
                format!("{} is in {}", escape(login), escape(unit))
            }
            Via::Org { unit, member_of } => {
                format!(
                    "{} is in {}, under {}",
                    escape(login),
                    escape(member_of),
                    escape(unit)
                )
            }
            Via::Tenant { tenant } => {
                format!("{} is a user of tenant {}", escape(login), escape(tenant))
            }
        };
        lines.push(format!(
            "  {} grant {} {} on {} ({via}){}",
            if c.decisive { "*" } else { "-" },
            c.subject,
            c.level,
            escape(&c.on),
            if c.decisive {
                ""
            } else {
                ", lower than the effective level"
            }
        ));
    }
    if d.seen == Seen::PathOnly {
        lines.push("  seen only as the path to an item below it: no action (R11)".into());
    }
    lines.push(format!("  (R10, R13) {}", d.reason));
    lines
}

// ---- What each user may read (R33, R34, R35; R12, R14, R29, R31, R32) ----
//
// Readings of SPEC that are ours:
// - "A user who belongs to no workspace reads the groups and units they are
//   in": the units that cover them (theirs and the units above, R10), and of
//   each only the name and themselves as a member.
// - Everyone who can view an item reads their own level on it and the grants
//   that reach them (`ls` shows the level already); the other grants, and
//   other users' levels (`who`, `explain`, `check` of someone else, `access`
//   of someone else), need the full sight of R34.
// - R34 over R33 on the items it covers: whoever reads an item's grants (a
//   manager in no workspace included) reads them whole, with the subjects
//   they name, and the people who can view the item (`who`'s rows, their
//   `explain` there). R33 alone decides the people lists, the pickers and
//   everyone else. The path to an item names its My Creations' owner (R11).
// - A reader always reads the entries of their own changes (R35 speaks of
//   "another person's change").

/// Someone or something of the account a reader may or may not read (R33).
#[derive(Debug, Clone, Copy)]
pub enum Person<'a> {
    User(&'a str),
    Group(&'a str),
    Unit(&'a str),
    Tenant(&'a str),
}

/// How much of the account's people a principal reads (R33).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeopleSight {
    /// The account owner and every member of a workspace: everyone.
    All,
    /// A tenant user, or a user in no workspace: themselves and what they are in.
    Own,
}

pub fn people_sight(p: &Principal) -> PeopleSight {
    if p.is_account_owner || p.roles.values().any(|r| !r.is_empty()) {
        PeopleSight::All
    } else {
        PeopleSight::Own
    }
}

/// R33: may `p` read this user, group, unit or tenant (its name, and for a
/// user, that they exist)?
pub fn reads_person(p: &Principal, who: Person<'_>) -> bool {
    if people_sight(p) == PeopleSight::All {
        return true;
    }
    match who {
        Person::User(login) => login == p.login,
        Person::Tenant(t) => p.tenant.as_deref() == Some(t),
        // A tenant user reads only themselves and their tenant.
        Person::Group(g) => !p.is_tenant_user() && p.groups.contains(g),
        Person::Unit(u) => !p.is_tenant_user() && p.orgs.contains_key(u),
    }
}

/// R34: may `p` read the name of a grant's subject?
pub fn reads_subject(p: &Principal, s: &Subject) -> bool {
    reads_person(p, person_of(s))
}

/// The person a grant's subject names.
pub fn person_of(s: &Subject) -> Person<'_> {
    match s {
        Subject::User(l) => Person::User(l),
        Subject::Group(g) => Person::Group(g),
        Subject::Org(u) => Person::Unit(u),
        Subject::Tenant(t) => Person::Tenant(t),
    }
}

/// A read allowed or refused, with the rule that decides, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub allowed: bool,
    pub reason: String,
}

impl Read {
    /// The read's outcome: a refusal is *permission denied* with its reason.
    pub fn or_denied(self) -> super::Result<()> {
        if self.allowed {
            Ok(())
        } else {
            Err(super::Error::denied(self.reason))
        }
    }
    fn yes(reason: &str) -> Read {
        Read {
            allowed: true,
            reason: reason.into(),
        }
    }
    fn no(reason: String) -> Read {
        Read {
            allowed: false,
            reason,
        }
    }
}

/// R4: what reads or replaces the whole store (`what`: export, backup, a
/// load, `doctor --repair`, clearing what a load left) is its holder's: the
/// account owner, or while a load left the store unfinished, whoever ran
/// it. A store with neither (empty) has no holder yet: filling it makes one.
pub fn runs_store_level(what: &str, actor: &str, holder: Option<&str>) -> Read {
    match holder {
        Some(h) if h != actor => Read::no(format!(
            "{what} is the account owner's (R4); you act as '{}'",
            super::text::escape(actor)
        )),
        Some(_) => Read::yes("the account owner (R4)"),
        None => Read::yes("no account yet: filling the store makes its owner (R4)"),
    }
}

/// R33, R34 (R29, R31): the members and roles, resources and integrations of
/// a workspace are read by its members (the account owner is one of every
/// workspace, R5).
pub fn reads_workspace(p: &Principal, ws: WsId, ws_name: &str) -> Read {
    if p.is_member(ws) {
        Read::yes("members read their workspace's members, roles, resources and integrations (R29, R31, R33, R34)")
    } else {
        Read::no(format!(
            "only members of '{}' read its members, roles, resources and integrations (R29, R31, R33, R34)",
            super::text::escape(ws_name)
        ))
    }
}

/// How much of an item's grants and of other users' levels on it a reader
/// reads (R34).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum GrantSight {
    /// Hidden, or a path only: no grant (R11, R12, R34).
    Nothing,
    /// Their own level and the grants that reach them (a tenant user's
    /// tenant, R26; a viewer without a standing in the workspace).
    Own,
    /// Every grant, and every user's level and why (R13).
    All,
}

/// R34: the sight of `p` on an item, given their view decision on it and
/// whether they may share it (R16, R27).
pub fn grant_sight(
    p: &Principal,
    view: &Decision,
    space: &SpaceRef,
    may_share: bool,
) -> GrantSight {
    if !view.allowed {
        return GrantSight::Nothing;
    }
    if p.is_tenant_user() {
        return GrantSight::Own;
    }
    let standing = match &space.kind {
        SpaceKind::My(owner) => *owner == p.login || p.is_member(space.ws),
        SpaceKind::Team => p.is_member(space.ws),
    };
    if standing || may_share {
        GrantSight::All
    } else {
        GrantSight::Own
    }
}

/// Why a sight short of [`GrantSight::All`] keeps a reader from the grants
/// and other users' levels on an item (R34).
pub fn grant_sight_refusal(sight: GrantSight) -> String {
    match sight {
        GrantSight::All => String::new(),
        GrantSight::Nothing => "you see this item only as the path to an item below it: its grants and who may use it are not shown (R11, R34)".into(),
        GrantSight::Own => "the grants on an item and who may use it are read by members of its workspace, the owner of its My Creations and whoever may share it; you read your own level (R34)".into(),
    }
}

/// Whether a reader may read how another user stands on an item (R34).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StandingRead {
    Yes,
    /// Refused, with the rule's reason (*permission denied*).
    Refused(String),
    /// A person the reader may not read: answered as one that does not
    /// exist (R12, R33).
    Absent,
}

/// R33, R34: may `p` read how `of` (a login) stands on an item (`explain`,
/// `check` of another user)? Everyone reads their own standing. With the
/// whole sight of an item, the reader reads the people R33 gives them and
/// everyone who can view the item (`of_views`: they are `who`'s rows there).
pub fn reads_standing_of(
    p: &Principal,
    sight: GrantSight,
    of: &str,
    of_views: bool,
) -> StandingRead {
    let person = reads_person(p, Person::User(of));
    if of == p.login || (sight == GrantSight::All && (person || of_views)) {
        StandingRead::Yes
    } else if person {
        StandingRead::Refused(grant_sight_refusal(sight))
    } else {
        StandingRead::Absent
    }
}

/// R34: `who` at a place lists others' levels: the whole sight is needed.
pub fn reads_who(sight: GrantSight, path: &str) -> Read {
    if sight == GrantSight::All {
        Read::yes("R34")
    } else {
        Read::no(format!(
            "who {}: {}",
            super::text::escape(path),
            grant_sight_refusal(sight)
        ))
    }
}

impl StandingRead {
    /// The read's outcome for `of` at `path`: absent is *not found*, as for
    /// a login that does not exist (R12, R33).
    pub fn or_refused(self, path: &str, of: &str) -> super::Result<()> {
        match self {
            StandingRead::Yes => Ok(()),
            StandingRead::Refused(why) => Err(super::Error::denied(format!(
                "{}: {why}",
                super::text::escape(path)
            ))),
            StandingRead::Absent => Err(super::Error::not_found(format!(
                "no user '{}'",
                super::text::escape(of)
            ))),
        }
    }
}

/// R32, R35: the `log` command: of workspace `ws` (its id and name), its
/// admins and the account owner; of everything they may read, whoever
/// administers a workspace, and the account owner.
pub fn reads_log(p: &Principal, ws: Option<(WsId, &str)>) -> Read {
    match ws {
        Some((w, _)) if reads_log_of(p, Some(w)) => Read::yes("R32, R35"),
        Some((_, name)) => Read::no(format!(
            "only admins of '{}' and the account owner read its log (R32, R35)",
            super::text::escape(name)
        )),
        None if p.is_account_owner || p.roles.values().any(|r| r.is_admin()) => {
            Read::yes("R32, R35")
        }
        None => {
            Read::no("only workspace admins and the account owner read the log (R32, R35)".into())
        }
    }
}

/// How much of an audit entry a reader reads (R35).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditSight {
    /// The entry: admins of its workspace, the account owner, its own actor.
    Entry,
    /// Only that an item they can view now changed, named by its path now.
    ThatItChanged,
}

/// R32, R35: who reads an audit entry.
pub fn audit_sight(p: &Principal, ws: Option<WsId>, actor: &str) -> AuditSight {
    if actor == p.login || reads_log_of(p, ws) {
        AuditSight::Entry
    } else {
        AuditSight::ThatItChanged
    }
}

/// What a reader without [`AuditSight::Entry`] is told of an item's activity.
pub const AUDIT_READERS: &str =
    "the activity of an item is read by its workspace's admins and the account owner (R35)";

/// The rule table on its own: chains and principals built by hand, no store.
#[cfg(test)]
mod tests {
    use super::*;

    const WS: WsId = 1;

    #[test]
    fn r16_r22_what_an_action_needs_follows_the_level_tables() {
        use Action::*;
        assert_eq!(needs(&SpaceKind::Team, Share), "manager or admin");
        assert_eq!(needs(&SpaceKind::Team, Move), "manager or admin");
        assert_eq!(needs(&SpaceKind::Team, Rename), "editor or admin");
        assert_eq!(needs(&SpaceKind::Team, View), "viewer or admin");
        let my = SpaceKind::My("bob".into());
        assert_eq!(needs(&my, Delete), "the owner (bob)");
        assert_eq!(needs(&my, Edit), "editor or the owner");
        for a in Action::ALL {
            for l in [Level::Viewer, Level::Editor, Level::Manager] {
                assert_eq!(
                    level_allows(&SpaceKind::Team, l, *a),
                    team_level_allows(l, *a)
                );
            }
        }
    }

    /// `/W/team/F/A`: an app A in folder F, with these grants on F.
    fn chain(on_folder: &[(Subject, Level)]) -> Chain {
        let full: std::sync::Arc<str> = "/W/team/F/A".into();
        let grant = |(subject, level): &(Subject, Level)| Grant {
            item: 10,
            subject: subject.clone(),
            level: *level,
            note: String::new(),
            granted_by: "own".into(),
            at: 0,
        };
        Chain {
            space: SpaceRef::team(WS),
            links: vec![
                Link {
                    id: 11,
                    kind: ItemKind::App,
                    path: LinkPath::new(full.clone(), full.len()),
                    grants: Default::default(),
                },
                Link {
                    id: 10,
                    kind: ItemKind::Folder,
                    path: LinkPath::new(full, "/W/team/F".len()),
                    grants: std::sync::Arc::new(on_folder.iter().map(grant).collect()),
                },
            ],
        }
    }

    fn someone(login: &str) -> Principal {
        Principal {
            login: login.into(),
            ..Default::default()
        }
    }

    fn on_app(p: &Principal, action: Action, c: &Chain, visible_below: bool) -> Decision {
        decide(
            p,
            action,
            Target::Item {
                chain: c,
                visible_below,
            },
        )
    }

    #[test]
    fn r10_a_grant_on_a_folder_reaches_below_and_the_highest_level_decides() {
        let mut bob = someone("bob");
        bob.groups.insert("qa".into());
        let c = chain(&[
            (Subject::User("bob".into()), Level::Viewer),
            (Subject::Group("qa".into()), Level::Editor),
        ]);
        let d = on_app(&bob, Action::Edit, &c, false);
        assert!(d.allowed, "{}", d.reason);
        assert_eq!(d.level, Some(Level::Editor));
        let decisive: Vec<&Contribution> = d.grants.iter().filter(|g| g.decisive).collect();
        assert_eq!(decisive.len(), 1);
        assert_eq!(decisive[0].subject, Subject::Group("qa".into()));
        assert_eq!(
            decisive[0].on.as_str(),
            "/W/team/F",
            "inherited from the folder"
        );
        // A viewer alone may view, not edit (SPEC §4).
        let carol_view = chain(&[(Subject::User("carol".into()), Level::Viewer)]);
        let carol = someone("carol");
        assert!(on_app(&carol, Action::View, &carol_view, false).allowed);
        assert!(!on_app(&carol, Action::Edit, &carol_view, false).allowed);
    }

    #[test]
    fn r12_without_a_grant_a_role_or_a_path_the_item_is_hidden() {
        let c = chain(&[(Subject::Group("qa".into()), Level::Manager)]);
        let d = on_app(&someone("dave"), Action::View, &c, false);
        assert_eq!((d.allowed, d.seen), (false, Seen::Hidden), "{}", d.reason);
    }

    #[test]
    fn r11_an_item_seen_below_makes_its_folder_a_path_only() {
        let folder = Chain {
            space: SpaceRef::team(WS),
            links: chain(&[]).links[1..].to_vec(),
        };
        let d = on_app(&someone("tina"), Action::View, &folder, true);
        assert_eq!((d.allowed, d.seen), (false, Seen::PathOnly), "{}", d.reason);
        assert_eq!(d.level_word(), "path only");
    }

    #[test]
    fn r7_r5_team_space_admins_and_the_account_owner_may_do_anything_there() {
        let mut alice = someone("alice");
        alice.roles.insert(WS, Roles::ALL);
        let c = chain(&[]);
        for p in [
            alice,
            Principal {
                is_account_owner: true,
                ..someone("own")
            },
        ] {
            let d = on_app(&p, Action::Delete, &c, false);
            assert!(d.allowed, "{}: {}", p.login, d.reason);
            assert_eq!(d.standing, Standing::Admin);
        }
    }
}

// ---- R33, R35: who reads the account's people and whose log (small
// predicates the app asks: look-alike hints, the undo's "changed since") ----

/// R35: whether `p` reads the audit entries of workspace `ws` (`None`: the
/// account's own entries: users, groups, units, tenants): its admins and
/// the account owner.
pub fn reads_log_of(p: &Principal, ws: Option<WsId>) -> bool {
    p.is_account_owner || ws.is_some_and(|w| p.is_admin(w))
}

#[cfg(test)]
mod reads_tests {
    use super::*;

    fn user(login: &str) -> Principal {
        Principal {
            login: login.into(),
            ..Default::default()
        }
    }

    #[test]
    fn r33_members_read_all_people_others_only_themselves_and_theirs() {
        let mut member = user("bob");
        member.roles.insert(1, Roles::default().with(Role::Analyst));
        let owner = Principal {
            is_account_owner: true,
            ..user("root")
        };
        let qa = Subject::Group("qa".into());
        let acme = Subject::Tenant("acme".into());
        for p in [&member, &owner] {
            assert_eq!(people_sight(p), PeopleSight::All, "{}", p.login);
            assert!(reads_subject(p, &qa) && reads_subject(p, &acme));
        }
        // A user in no workspace: themselves, their groups and units.
        let mut loner = user("ann");
        loner.groups.insert("qa".into());
        loner.orgs.insert("sales".into(), "emea".into());
        assert_eq!(people_sight(&loner), PeopleSight::Own);
        assert!(reads_subject(&loner, &qa));
        assert!(reads_subject(&loner, &Subject::Org("sales".into())));
        assert!(!reads_subject(&loner, &Subject::Group("ops".into())));
        assert!(!reads_subject(&loner, &acme));
        assert!(!reads_subject(&loner, &Subject::User("bob".into())));
        assert!(reads_subject(&loner, &Subject::User("ann".into())));
        // A tenant user: themselves and their tenant, whatever else they are in.
        let mut tina = user("tina");
        tina.tenant = Some("acme".into());
        tina.groups.insert("qa".into());
        assert_eq!(people_sight(&tina), PeopleSight::Own);
        assert!(reads_subject(&tina, &acme));
        assert!(!reads_subject(&tina, &Subject::Tenant("globex".into())));
        assert!(!reads_subject(&tina, &qa));
    }

    #[test]
    fn r35_admins_read_their_workspaces_log_the_owner_all() {
        let mut alice = user("alice");
        alice.roles.insert(1, Roles::ALL);
        let mut bob = user("bob");
        bob.roles.insert(1, Roles::default().with(Role::Analyst));
        assert!(reads_log_of(&alice, Some(1)));
        assert!(!reads_log_of(&alice, Some(2)));
        assert!(!reads_log_of(&alice, None));
        assert!(!reads_log_of(&bob, Some(1)));
        let owner = Principal {
            is_account_owner: true,
            ..user("root")
        };
        assert!(reads_log_of(&owner, None) && reads_log_of(&owner, Some(2)));
    }
}
