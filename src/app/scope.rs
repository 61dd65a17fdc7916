//! What a change can affect, for the what-if engine: the items below which
//! levels can change, the spaces whose every item can, and the users whose
//! access can. Every name a change touches is read in both states of the
//! store, before the change and as the change leaves it (issue 23 #4): a
//! unit's parent chain, a group's members, a user's tenant or an admin that
//! the same change creates exist only after it; what it removes, only
//! before. So are the users who may change: those a grant on the affected
//! items reaches, and the admins and owners of the affected spaces.

use std::collections::BTreeSet;

use super::*;
use crate::store::{keys, Op};

/// The store before a change, and as the change leaves it.
pub(super) type States<'a, 'b> = &'b [&'a Store];

#[derive(Default)]
pub(super) struct Scope {
    /// Items whose subtrees the change can affect (found in either state).
    pub items: BTreeSet<ItemId>,
    /// Spaces whose every item the change can affect.
    pub spaces: BTreeSet<SpaceRef>,
    /// Users the change names (a member, a role holder, a removed user).
    pub users: BTreeSet<String>,
    /// Items or grants change: whoever reaches them may change too.
    pub everyone: bool,
}

fn id_at(b: &[u8]) -> u64 {
    u64::from_be_bytes(b[..8].try_into().unwrap_or_default())
}

impl Scope {
    /// The scope of a planned change's writes, read in both states.
    pub fn of(states: States<'_, '_>, ops: &[Op]) -> Result<Scope> {
        let mut sc = Scope::default();
        for op in ops {
            let (Op::Put(k, _) | Op::Del(k)) = op;
            let Some((&table, rest)) = k.split_first() else {
                continue;
            };
            for st in states.iter().copied() {
                sc.add(st, table, rest)?;
            }
        }
        Ok(sc)
    }

    /// What one write can affect, as `st` holds the names it touches.
    fn add(&mut self, st: &Store, table: u8, rest: &[u8]) -> Result<()> {
        let text = String::from_utf8_lossy(rest);
        match table {
            keys::ITEM if rest.len() == 8 => {
                self.items.insert(id_at(rest));
                self.everyone = true;
            }
            keys::GRANT if rest.len() > 8 => {
                self.items.insert(id_at(rest));
                self.everyone = true;
            }
            // Roles (R7, R8, R11): that user, on every item of the
            // workspace's Team Space and of their My Creations.
            keys::ROLE if rest.len() > 8 => {
                let (ws, login) = (id_at(rest), String::from_utf8_lossy(&rest[8..]));
                self.spaces.insert(SpaceRef::team(ws));
                self.spaces.insert(SpaceRef::my(ws, &login));
                self.users.insert(login.into_owned());
            }
            keys::WORKSPACE if rest.len() == 8 => {
                self.spaces.insert(SpaceRef::team(id_at(rest)));
            }
            keys::GROUP_MEMBER | keys::ORG_MEMBER => {
                if let Some((name, login)) = text.split_once('\0') {
                    let subjects = match table {
                        keys::GROUP_MEMBER => vec![Subject::Group(name.to_string())],
                        _ => unit_and_above(st, name)?,
                    };
                    self.granted(st, &subjects)?;
                    self.users.insert(login.to_string());
                }
            }
            keys::GROUP => {
                self.granted(st, &[Subject::Group(text.to_string())])?;
                self.users.extend(st.group_members(&text)?);
            }
            keys::ORG => self.unit(st, &text)?,
            keys::USER => self.user(st, &text)?,
            keys::TENANT => {
                self.granted(st, &[Subject::Tenant(text.to_string())])?;
                for u in st.users()? {
                    if u.tenant.as_deref() == Some(&*text) {
                        self.users.insert(u.login);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The items granted to any of `subjects` (the grant's subtree).
    fn granted(&mut self, st: &Store, subjects: &[Subject]) -> Result<()> {
        for s in subjects {
            self.items.extend(st.granted_items(s)?);
        }
        Ok(())
    }

    /// A unit made, removed or moved: the members of it and of its
    /// sub-units, on what is granted to it and to the units above (R10).
    fn unit(&mut self, st: &Store, name: &str) -> Result<()> {
        self.granted(st, &unit_and_above(st, name)?)?;
        let mut below: BTreeSet<String> = [name.to_string()].into();
        with_sub_units(st, &mut below)?;
        for u in &below {
            self.users.extend(st.org_members(u)?);
        }
        Ok(())
    }

    /// A user added or removed: them, on what is granted to them and (a
    /// tenant user, R26) to their tenant.
    fn user(&mut self, st: &Store, login: &str) -> Result<()> {
        self.users.insert(login.to_string());
        self.granted(st, &[Subject::User(login.to_string())])?;
        if let Some(t) = st.user(login)?.and_then(|u| u.tenant) {
            self.granted(st, &[Subject::Tenant(t)])?;
        }
        Ok(())
    }
}

/// Adds to `units` every unit below one of them, as `st` holds the tree.
fn with_sub_units(st: &Store, units: &mut BTreeSet<String>) -> Result<()> {
    let orgs = st.orgs()?;
    let mut grew = true;
    while grew {
        grew = false;
        for o in &orgs {
            if o.parent.as_ref().is_some_and(|p| units.contains(p)) && units.insert(o.name.clone())
            {
                grew = true;
            }
        }
    }
    Ok(())
}

/// A unit and the units above it, as `st` holds them: a grant to any of
/// them reaches the unit's members (R10).
fn unit_and_above(st: &Store, name: &str) -> Result<Vec<Subject>> {
    let mut v = Vec::new();
    let mut cur = Some(name.to_string());
    while let Some(u) = cur {
        cur = st.org(&u)?.and_then(|o| o.parent);
        v.push(Subject::Org(u));
        if v.len() > 1000 {
            break;
        }
    }
    Ok(v)
}

/// The users a set of grant subjects reaches, with the account owner, the
/// admins of the workspaces of `spaces` and the owners of its My Creations:
/// in either state (a member, a unit or an admin the change makes or ends).
pub(super) fn candidates(
    states: States<'_, '_>,
    subjects: &BTreeSet<Subject>,
    spaces: &BTreeSet<SpaceRef>,
) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for st in states.iter().copied() {
        reached(st, subjects, &mut out)?;
        if let Some(a) = st.account()? {
            out.insert(a.owner);
        }
        let mut seen_ws = BTreeSet::new();
        for s in spaces {
            if let Some(o) = s.my_owner() {
                out.insert(o.to_string());
            }
            if seen_ws.insert(s.ws) {
                for (login, roles) in st.members(s.ws)? {
                    if roles.is_admin() {
                        out.insert(login);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The users `subjects` reach in `st`: a unit covers its sub-units (R10), a
/// tenant its users (R26).
fn reached(st: &Store, subjects: &BTreeSet<Subject>, out: &mut BTreeSet<String>) -> Result<()> {
    let mut units: BTreeSet<String> = BTreeSet::new();
    let mut tenants: BTreeSet<&str> = BTreeSet::new();
    for s in subjects {
        match s {
            Subject::User(l) => {
                out.insert(l.clone());
            }
            Subject::Group(g) => out.extend(st.group_members(g)?),
            Subject::Org(u) => {
                units.insert(u.clone());
            }
            Subject::Tenant(t) => {
                tenants.insert(t);
            }
        }
    }
    if !units.is_empty() {
        with_sub_units(st, &mut units)?;
        for u in &units {
            out.extend(st.org_members(u)?);
        }
    }
    if !tenants.is_empty() {
        for u in st.users()? {
            if u.tenant.as_deref().is_some_and(|t| tenants.contains(t)) {
                out.insert(u.login);
            }
        }
    }
    Ok(())
}
