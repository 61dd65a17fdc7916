//! The key layout: one ordered keyspace, a table byte first.
//!
//! Children of a folder or space root are keyed
//! `C parent kind lower(name) 0 name`, so one prefix scan lists them in R3
//! order (folders first, then apps, each by name case-insensitively) and a path
//! resolves by walking names with point reads. Nothing loads the whole store.

use crate::domain::*;

pub const META: u8 = b'M';
pub const USER: u8 = b'U';
pub const GROUP: u8 = b'G';
pub const GROUP_MEMBER: u8 = b'g'; // group 0 login
pub const USER_GROUP: u8 = b'h'; // login 0 group
pub const ORG: u8 = b'O';
pub const ORG_MEMBER: u8 = b'o'; // unit 0 login
pub const USER_ORG: u8 = b'p'; // login 0 unit
pub const TENANT: u8 = b'T';
pub const WORKSPACE: u8 = b'W'; // id
pub const WS_NAME: u8 = b'w'; // name -> id
pub const ROLE: u8 = b'R'; // ws login -> Roles
pub const USER_WS: u8 = b'r'; // login 0 ws
pub const ITEM: u8 = b'I'; // id -> Item
pub const CHILD: u8 = b'C'; // parent kind lower 0 name -> id
pub const ASSET: u8 = b'A'; // app kind name -> Asset
pub const GRANT: u8 = b'N'; // item subject -> Grant
pub const SUBJECT_GRANT: u8 = b'S'; // subject item -> ()
pub const INTEG: u8 = b'X'; // ws name -> Integration
pub const INTEG_USE: u8 = b'x'; // ws name 0 app -> ()
pub const AUDIT: u8 = b'L'; // seq -> AuditEntry
pub const AUDIT_ITEM: u8 = b'l'; // item seq -> ()
pub const AUDIT_DETAIL: u8 = b'D'; // seq -> app::audit::Detail (who, what level, note)
pub const AUDIT_ACCESS: u8 = b'E'; // seq -> app::audit::AccessRecord (who gained, who lost)

pub fn k(table: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut v = vec![table];
    for p in parts {
        v.extend_from_slice(p);
    }
    v
}

pub fn s0(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

pub fn meta(name: &str) -> Vec<u8> {
    k(META, &[name.as_bytes()])
}
pub fn user(login: &str) -> Vec<u8> {
    k(USER, &[login.as_bytes()])
}
pub fn group(name: &str) -> Vec<u8> {
    k(GROUP, &[name.as_bytes()])
}
pub fn org(name: &str) -> Vec<u8> {
    k(ORG, &[name.as_bytes()])
}
pub fn tenant(name: &str) -> Vec<u8> {
    k(TENANT, &[name.as_bytes()])
}
pub fn pair(table: u8, a: &str, b: &str) -> Vec<u8> {
    k(table, &[&s0(a), b.as_bytes()])
}
pub fn pair_prefix(table: u8, a: &str) -> Vec<u8> {
    k(table, &[&s0(a)])
}
pub fn workspace(id: WsId) -> Vec<u8> {
    k(WORKSPACE, &[&id.to_be_bytes()])
}
pub fn ws_name(name: &str) -> Vec<u8> {
    k(WS_NAME, &[name.as_bytes()])
}
pub fn role(ws: WsId, login: &str) -> Vec<u8> {
    k(ROLE, &[&ws.to_be_bytes(), login.as_bytes()])
}
pub fn user_ws(login: &str, ws: WsId) -> Vec<u8> {
    k(USER_WS, &[&s0(login), &ws.to_be_bytes()])
}
pub fn item(id: ItemId) -> Vec<u8> {
    k(ITEM, &[&id.to_be_bytes()])
}

/// Where children hang: a space root or a folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Parent {
    Root(SpaceRef),
    Folder(ItemId),
}

impl Parent {
    pub fn of(item: &Item) -> Parent {
        match item.parent {
            Some(p) => Parent::Folder(p),
            None => Parent::Root(item.space.clone()),
        }
    }
}

fn space_bytes(s: &SpaceRef) -> Vec<u8> {
    let mut v = s.ws.to_be_bytes().to_vec();
    match &s.kind {
        SpaceKind::Team => v.push(b'T'),
        SpaceKind::My(l) => {
            v.push(b'M');
            v.extend_from_slice(&s0(l));
        }
    }
    v
}

pub fn children_prefix(p: &Parent) -> Vec<u8> {
    match p {
        Parent::Root(s) => k(CHILD, &[&[0], &space_bytes(s)]),
        Parent::Folder(id) => k(CHILD, &[&[1], &id.to_be_bytes()]),
    }
}

/// Every space root of a workspace (R6).
pub fn ws_roots_prefix(ws: WsId) -> Vec<u8> {
    k(CHILD, &[&[0], &ws.to_be_bytes()])
}

fn kind_byte(kind: ItemKind) -> u8 {
    match kind {
        ItemKind::Folder => 0,
        ItemKind::App => 1,
    }
}

pub fn child(p: &Parent, kind: ItemKind, name: &str) -> Vec<u8> {
    let mut v = children_prefix(p);
    v.push(kind_byte(kind));
    v.extend_from_slice(&child_suffix(name));
    v
}

/// What follows the parent's prefix and the kind byte in a child key.
pub fn child_suffix(name: &str) -> Vec<u8> {
    let mut v = s0(&crate::domain::names::sort_key(name));
    v.extend_from_slice(name.as_bytes());
    v
}

/// The kind bytes of child keys, in [`ItemKind::ALL`]'s order.
pub fn child_kinds() -> Vec<u8> {
    ItemKind::ALL.iter().map(|k| kind_byte(*k)).collect()
}

/// A folder's children prefix without its id (which follows, 8 bytes big-endian).
pub const FOLDER_CHILDREN: [u8; 2] = [CHILD, 1];

/// The kind and exact name in a child key (after its parent's prefix).
pub fn child_key_parts(key: &[u8], prefix_len: usize) -> Option<(ItemKind, &str)> {
    let rest = key.get(prefix_len..)?;
    let (&kb, rest) = rest.split_first()?;
    let kind = match kb {
        0 => ItemKind::Folder,
        1 => ItemKind::App,
        _ => return None,
    };
    let z = rest.iter().position(|b| *b == 0)?;
    let name = std::str::from_utf8(&rest[z + 1..]).ok()?;
    Some((kind, name))
}

/// The parent, kind and exact name a child key stands for (the inverse of
/// [`child`]); `None` for a key that is not one.
pub fn parse_child(key: &[u8]) -> Option<(Parent, ItemKind, &str)> {
    if key.first() != Some(&CHILD) {
        return None;
    }
    let id_at =
        |i: usize| -> Option<u64> { Some(u64::from_be_bytes(key.get(i..i + 8)?.try_into().ok()?)) };
    let (parent, len) = match *key.get(1)? {
        1 => (Parent::Folder(id_at(2)?), 10),
        0 => {
            let ws = id_at(2)?;
            match *key.get(10)? {
                b'T' => (Parent::Root(SpaceRef::team(ws)), 11),
                b'M' => {
                    let z = key.get(11..)?.iter().position(|b| *b == 0)?;
                    let login = std::str::from_utf8(&key[11..11 + z]).ok()?;
                    (Parent::Root(SpaceRef::my(ws, login)), 11 + z + 1)
                }
                _ => return None,
            }
        }
        _ => return None,
    };
    let (kind, name) = child_key_parts(key, len)?;
    Some((parent, kind, name))
}

pub fn asset_prefix(app: ItemId) -> Vec<u8> {
    k(ASSET, &[&app.to_be_bytes()])
}
pub fn asset(app: ItemId, kind: AssetKind, name: &str) -> Vec<u8> {
    let kb = AssetKind::ALL.iter().position(|x| *x == kind).unwrap_or(0) as u8;
    k(ASSET, &[&app.to_be_bytes(), &[kb], name.as_bytes()])
}

pub fn subject_bytes(s: &Subject) -> Vec<u8> {
    let t = match s {
        Subject::User(_) => b'u',
        Subject::Group(_) => b'g',
        Subject::Org(_) => b'o',
        Subject::Tenant(_) => b't',
    };
    let mut v = vec![t];
    v.extend_from_slice(&s0(s.name()));
    v
}

pub fn grants_prefix(item: ItemId) -> Vec<u8> {
    k(GRANT, &[&item.to_be_bytes()])
}
pub fn grant(item: ItemId, s: &Subject) -> Vec<u8> {
    k(GRANT, &[&item.to_be_bytes(), &subject_bytes(s)])
}
pub fn subject_grants_prefix(s: &Subject) -> Vec<u8> {
    k(SUBJECT_GRANT, &[&subject_bytes(s)])
}
pub fn subject_grant(s: &Subject, item: ItemId) -> Vec<u8> {
    k(SUBJECT_GRANT, &[&subject_bytes(s), &item.to_be_bytes()])
}

pub fn integ_prefix(ws: WsId) -> Vec<u8> {
    k(INTEG, &[&ws.to_be_bytes()])
}
pub fn integ(ws: WsId, name: &str) -> Vec<u8> {
    k(INTEG, &[&ws.to_be_bytes(), name.as_bytes()])
}
pub fn integ_use_prefix(ws: WsId, name: &str) -> Vec<u8> {
    k(INTEG_USE, &[&ws.to_be_bytes(), &s0(name)])
}
pub fn integ_use(ws: WsId, name: &str, app: ItemId) -> Vec<u8> {
    k(
        INTEG_USE,
        &[&ws.to_be_bytes(), &s0(name), &app.to_be_bytes()],
    )
}

pub fn audit(seq: u64) -> Vec<u8> {
    k(AUDIT, &[&seq.to_be_bytes()])
}
/// The structured fields of the audit entry `seq` (a share's subject, level …).
pub fn audit_detail(seq: u64) -> Vec<u8> {
    k(AUDIT_DETAIL, &[&seq.to_be_bytes()])
}
/// Who gained and who lost what by the change whose first entry is `seq`.
pub fn audit_access(seq: u64) -> Vec<u8> {
    k(AUDIT_ACCESS, &[&seq.to_be_bytes()])
}
pub fn audit_item_prefix(item: ItemId) -> Vec<u8> {
    k(AUDIT_ITEM, &[&item.to_be_bytes()])
}
pub fn audit_item(item: ItemId, seq: u64) -> Vec<u8> {
    k(AUDIT_ITEM, &[&item.to_be_bytes(), &seq.to_be_bytes()])
}

/// The trailing big-endian u64 of a key.
pub fn tail_u64(key: &[u8]) -> u64 {
    let n = key.len();
    let mut b = [0u8; 8];
    if n >= 8 {
        b.copy_from_slice(&key[n - 8..]);
    }
    u64::from_be_bytes(b)
}

/// The text after the last 0 byte of a key (the second half of a pair key).
pub fn tail_str(key: &[u8]) -> String {
    let start = key
        .iter()
        .rposition(|b| *b == 0)
        .map(|i| i + 1)
        .unwrap_or(1);
    String::from_utf8_lossy(&key[start..]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_key_gives_back_its_parent_kind_and_name() {
        let parents = [
            Parent::Folder(7),
            Parent::Folder(u64::MAX),
            Parent::Root(SpaceRef::team(3)),
            Parent::Root(SpaceRef::my(3, "ann")),
            Parent::Root(SpaceRef::my(0, "")),
        ];
        for p in &parents {
            for kind in ItemKind::ALL {
                for name in ["Sales", "é x", "a\u{1F600}b", ""] {
                    let key = child(p, *kind, name);
                    assert_eq!(parse_child(&key), Some((p.clone(), *kind, name)));
                }
            }
        }
        assert_eq!(parse_child(&item(7)), None);
        assert_eq!(parse_child(&[CHILD]), None);
        assert_eq!(parse_child(&[CHILD, 1, 0, 0]), None);
        assert_eq!(parse_child(&[CHILD, 2]), None);
    }
}
