//! The entities of SPEC §1, as stored records and small value types.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use super::error::{Error, Result};

pub type ItemId = u64;
pub type WsId = u64;
/// Seconds since the Unix epoch, UTC.
pub type Timestamp = i64;

macro_rules! word_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident = $word:literal),+ $(,)? } $what:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($var),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// The words that parse, in order: for errors and the command line's help.
            pub const WORDS: &'static [&'static str] = &[$($word),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$var => $word),+ } }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                let l = s.trim().to_ascii_lowercase();
                $(if l == $word { return Ok($name::$var); })+
                Err(Error::invalid(format!("unknown {} '{}' (one of: {})", $what,
                    super::text::escape(s), Self::WORDS.join(", "))))
            }
        }
    };
}

word_enum!(
    /// Permission levels of SPEC §4. Order: Tenant < Viewer < Editor < Manager;
    /// `tenant` is only ever granted to tenants and only lets their users view apps.
    Level { Tenant = "tenant", Viewer = "viewer", Editor = "editor", Manager = "manager" } "level"
);
word_enum!(
    /// Workspace roles (SPEC §1): system management, data management, data analysis.
    Role { Sysadmin = "sysadmin", Datamanager = "datamanager", Analyst = "analyst" } "role"
);
word_enum!(ItemKind { Folder = "folder", App = "app" } "item kind");
word_enum!(AssetKind { Dashboard = "dashboard", Chart = "chart", Dataset = "dataset" } "asset kind");
word_enum!(ResourceKind { Influxdb = "influxdb", Postgresql = "postgresql", Fileserver = "fileserver" } "resource kind");
word_enum!(
    IntegKind { Http = "http", Mqtt = "mqtt", Opcua = "opcua", Graphql = "graphql", Sql = "sql",
        File = "file", S7 = "s7", Serial = "serial" } "integration kind"
);
word_enum!(
    /// The actions of SPEC §4.
    Action { View = "view", Create = "create", Edit = "edit", Rename = "rename", Move = "move",
        Delete = "delete", Share = "share", Copy = "copy" } "action"
);

/// A set of workspace roles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Roles(u8);

impl Roles {
    pub const ALL: Roles = Roles(0b111);
    fn bit(r: Role) -> u8 {
        match r {
            Role::Sysadmin => 1,
            Role::Datamanager => 2,
            Role::Analyst => 4,
        }
    }
    pub fn has(self, r: Role) -> bool {
        self.0 & Self::bit(r) != 0
    }
    pub fn with(self, r: Role) -> Roles {
        Roles(self.0 | Self::bit(r))
    }
    pub fn without(self, r: Role) -> Roles {
        Roles(self.0 & !Self::bit(r))
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// R7: a Team Space admin holds all three roles.
    pub fn is_admin(self) -> bool {
        self.0 & 0b111 == 0b111
    }
    pub fn list(self) -> Vec<Role> {
        Role::ALL.iter().copied().filter(|r| self.has(*r)).collect()
    }
    pub fn from_list(rs: &[Role]) -> Roles {
        rs.iter().fold(Roles::default(), |a, r| a.with(*r))
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v: Vec<&str> = self.list().iter().map(|r| r.as_str()).collect();
        f.write_str(&v.join(" "))
    }
}

/// Who a grant names (SPEC §1, `user:L`, `group:G`, `org:U`, `tenant:T`).
/// Stored and exported in that text form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Subject {
    User(String),
    Group(String),
    Org(String),
    Tenant(String),
}

impl Subject {
    /// The forms a subject is written in: for errors and the command line's help.
    pub const FORMS: &'static [&'static str] = &["user:LOGIN", "group:G", "org:UNIT", "tenant:T"];

    pub fn kind(&self) -> &'static str {
        match self {
            Subject::User(_) => "user",
            Subject::Group(_) => "group",
            Subject::Org(_) => "org",
            Subject::Tenant(_) => "tenant",
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Subject::User(n) | Subject::Group(n) | Subject::Org(n) | Subject::Tenant(n) => n,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), super::text::escape(self.name()))
    }
}

impl From<Subject> for String {
    fn from(s: Subject) -> String {
        format!("{}:{}", s.kind(), s.name())
    }
}

impl TryFrom<String> for Subject {
    type Error = Error;
    fn try_from(s: String) -> Result<Subject> {
        s.parse()
    }
}

impl FromStr for Subject {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let Some((kind, name)) = s.split_once(':') else {
            return Err(Error::invalid(format!(
                "subject '{}' must be {}",
                super::text::escape(s),
                super::text::either(Subject::FORMS)
            )));
        };
        Ok(match kind.trim() {
            "user" => Subject::User(super::names::validate_login(name)?),
            "group" => Subject::Group(super::names::validate_name(name, "group")?),
            "org" => Subject::Org(super::names::validate_name(name, "org unit")?),
            "tenant" => Subject::Tenant(super::names::validate_name(name, "tenant")?),
            other => {
                let kinds: Vec<&str> = Subject::FORMS
                    .iter()
                    .filter_map(|f| f.split(':').next())
                    .collect();
                return Err(Error::invalid(format!(
                    "subject kind '{}' must be {}",
                    super::text::escape(other),
                    super::text::either(&kinds)
                )));
            }
        })
    }
}

/// Which space of a workspace: the Team Space or one analyst's My Creations.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SpaceKind {
    Team,
    My(String),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SpaceRef {
    pub ws: WsId,
    pub kind: SpaceKind,
}

impl SpaceRef {
    pub fn team(ws: WsId) -> Self {
        SpaceRef {
            ws,
            kind: SpaceKind::Team,
        }
    }
    pub fn my(ws: WsId, login: &str) -> Self {
        SpaceRef {
            ws,
            kind: SpaceKind::My(login.to_string()),
        }
    }
    pub fn is_team(&self) -> bool {
        matches!(self.kind, SpaceKind::Team)
    }
    /// The owner of a My Creations space.
    pub fn my_owner(&self) -> Option<&str> {
        match &self.kind {
            SpaceKind::My(l) => Some(l),
            SpaceKind::Team => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub owner: String,
    pub created: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub login: String,
    pub name: String,
    pub tenant: Option<String>,
    pub created: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub name: String,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    pub id: WsId,
    pub name: String,
    pub created: Timestamp,
    /// R29: exactly one resource of each kind; the value is its endpoint.
    pub resources: BTreeMap<ResourceKind, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: ItemId,
    pub kind: ItemKind,
    pub name: String,
    pub space: SpaceRef,
    /// None: the item sits at its space root.
    pub parent: Option<ItemId>,
    pub owner: String,
    pub creator: String,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub description: String,
    /// R30: resources this app may not use.
    pub restricted: BTreeSet<ResourceKind>,
    /// R31: integrations (by name, of the item's workspace) this app uses.
    pub integrations: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    pub app: ItemId,
    pub kind: AssetKind,
    pub name: String,
    pub created: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub item: ItemId,
    pub subject: Subject,
    pub level: Level,
    pub note: String,
    pub granted_by: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integration {
    pub ws: WsId,
    pub name: String,
    pub kind: IntegKind,
    pub endpoint: String,
    pub settings: String,
    pub created: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    /// The target as it was named when the change was made.
    pub target: String,
    pub item: Option<ItemId>,
    pub ws: Option<WsId>,
    /// The space the target was in, so readers of the log can be kept from
    /// learning the names of private items (R14).
    pub space: Option<SpaceRef>,
    pub outcome: String,
}
