//! The request a dialog ends in: the app layer's [`Request`], the very one
//! its what-if runs and confirming it makes.

use crate::app::Request;
use crate::domain::*;

use super::dialog::{Dialog, Purpose};

/// The change that alters access which a dialog makes with its current
/// input: what its what-if runs as a [`Request::WhatIf`], and what confirming
/// it runs for real. `None` for the other dialogs, or while nothing is chosen.
pub fn request_of(d: &Dialog) -> Option<Request> {
    let v = d.value();
    Some(match &d.purpose {
        Purpose::MoveDest { path, .. } => Request::Mv {
            path: path.clone(),
            dest: v?,
        },
        Purpose::Delete { path, .. } => Request::Rm { path: path.clone() },
        Purpose::ShareLevel { path, subject, .. } => Request::Share {
            path: path.clone(),
            subject: String::from(subject.clone()),
            level: v?.parse::<Level>().ok()?.as_str().into(),
            note: String::new(),
        },
        Purpose::ShareNote {
            path,
            subject,
            level,
            ..
        } => Request::Share {
            path: path.clone(),
            subject: String::from(subject.clone()),
            level: level.as_str().into(),
            note: v?,
        },
        Purpose::Unshare { path, .. } => Request::Unshare {
            path: path.clone(),
            subject: String::from(v?.parse::<Subject>().ok()?),
        },
        Purpose::UnshareConfirm { path, subject, .. } => Request::Unshare {
            path: path.clone(),
            subject: String::from(subject.clone()),
        },
        // An undo is the entries of a changes file, made as one change.
        Purpose::Undo { entries, .. } => Request::Apply {
            entries: entries
                .iter()
                .map(|c| crate::app::apply::Entry {
                    line: 0,
                    change: c.clone(),
                })
                .collect(),
        },
        Purpose::Leave { path, .. } => Request::Leave { path: path.clone() },
        Purpose::MemberRole { ws, login } => {
            let v = v?;
            let roles = vec![v.get(1..)?.parse::<Role>().ok()?];
            if v.starts_with('+') {
                Request::RoleGrant {
                    ws: ws.clone(),
                    login: login.clone(),
                    roles,
                }
            } else {
                Request::RoleRevoke {
                    ws: ws.clone(),
                    login: login.clone(),
                    roles,
                    transfer_to: None,
                }
            }
        }
        _ => return None,
    })
}

/// The request whose what-if a dialog shows: its change, less what changes
/// nobody's access (a grant's note), so typing a note asks nothing again.
pub fn whatif_of(d: &Dialog) -> Option<Request> {
    let mut req = request_of(d)?;
    if let Request::Share { note, .. } = &mut req {
        note.clear();
    }
    Some(req)
}
