//! The people the random-store tests start from: a tenant with its user
//! `tina` (R26), group `qa` (bob, carol), org unit `emea` below `sales`
//! (dave, R10), and `alice` with all three roles in the Default Workspace (R7).
#![allow(dead_code)]

use treeward::app::Session;
use treeward::domain::Role;

/// Adds `users` (plain users) and the people above, as the account owner.
pub fn add_people(s: &Session<'_>, users: &[&str]) {
    s.tenant_add("acme").unwrap();
    for u in users {
        s.user_add(u, None, None).unwrap();
    }
    s.user_add("tina", None, Some("acme")).unwrap();
    s.group_add("qa").unwrap();
    s.group_join("qa", "bob").unwrap();
    s.group_join("qa", "carol").unwrap();
    s.org_add("sales", None).unwrap();
    s.org_add("emea", Some("sales")).unwrap();
    s.org_join("emea", "dave").unwrap();
    s.role_grant(
        "Default Workspace",
        "alice",
        &[Role::Sysadmin, Role::Datamanager, Role::Analyst],
    )
    .unwrap();
}
