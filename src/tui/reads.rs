//! The UI's reads of what the rules keep from some readers (people, grants,
//! members, resources, integrations, activity: R29-R35): requests to the app
//! layer, as the command line makes them, so that one decision answers both.

use crate::app::request::{IntegRow, UserRow};
use crate::app::{ItemDetail, Reply, Request, Resolved};
use crate::domain::*;

use super::ui::{Ui, R};

/// A reply of another kind than the request asks for: a defect, said as one.
pub fn unexpected(r: &Reply) -> Error {
    let s = format!("{r:?}");
    let kind = s.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    Error::unavailable(format!("unexpected reply: {kind}"))
}

impl Ui<'_> {
    /// A read through the app layer as the acting user.
    pub fn read(&self, req: Request) -> R<Reply> {
        self.sess.execute(req)
    }

    /// The item's details as the actor reads them (R33, R34).
    pub fn item_detail(&self, r: &Resolved) -> R<ItemDetail> {
        match self.read(Request::Detail {
            path: r.path.clone(),
        })? {
            Reply::Detail(d) => Ok(*d),
            other => Err(unexpected(&other)),
        }
    }

    /// The users the actor reads (R33): the pickers offer no one else.
    pub fn read_users(&self) -> R<Vec<UserRow>> {
        match self.read(Request::UserLs)? {
            Reply::Users(v) => Ok(v),
            other => Err(unexpected(&other)),
        }
    }

    /// A workspace's members and roles, its members' to read (R33, R34).
    pub fn read_members(&self, ws: &str) -> R<Vec<(String, Roles)>> {
        match self.read(Request::RoleLs { ws: ws.into() })? {
            Reply::WsMembers(v) => Ok(v),
            other => Err(unexpected(&other)),
        }
    }

    /// A workspace's integrations, its members' to read (R31, R34).
    pub fn read_integrations(&self, ws: &str) -> R<Vec<IntegRow>> {
        match self.read(Request::IntegLs { ws: ws.into() })? {
            Reply::Integrations(v) => Ok(v),
            other => Err(unexpected(&other)),
        }
    }

    /// A workspace's resources, its members' to read (R29, R34).
    pub fn read_resources(&self, ws: &str) -> R<std::collections::BTreeMap<ResourceKind, String>> {
        match self.read(Request::ResourceLs { ws: ws.into() })? {
            Reply::Resources(v) => Ok(v),
            other => Err(unexpected(&other)),
        }
    }

    /// The grants set on an item itself, as the actor reads them (R34).
    pub fn read_grants_on(&self, path: &str) -> R<Vec<crate::app::grants::GrantRow>> {
        match self.read(Request::GrantsLs {
            path: Some(path.into()),
            subject: None,
            recursive: false,
        })? {
            Reply::Grants(v) => Ok(v),
            other => Err(unexpected(&other)),
        }
    }
}
