//! The Activity tab's entries in human words: "renamed Line 1 to Line1",
//! "shared with group:qa as editor", not the log's command words and the
//! full path on every line. The log names each change's target by the
//! path it had then; following the item's renames and moves from its
//! first entry tells which part of each target is the item itself.

use super::model::split_path;
use crate::domain::text::escape;
use crate::domain::AuditEntry;

/// One entry as the tab shows it: who, and what they did, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub at: crate::domain::Timestamp,
    pub actor: String,
    pub what: String,
}

/// The item's entries, oldest first, in words (escaped for the screen).
pub fn in_words(entries: &[AuditEntry]) -> Vec<Said> {
    let mut path: Option<String> = None;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let target = e.target.as_str();
        if path.is_none() || e.action == "cp" {
            path = first_path(&e.action, target);
        }
        let rest = match &path {
            Some(p) if target.starts_with(p.as_str()) => Some(&target[p.len()..]),
            _ => None,
        };
        let what = match rest {
            Some(rest) => phrase(&e.action, rest, path.as_deref().unwrap_or_default()),
            // A private item masked for the reader (R14), or a target of
            // another shape: shown as the log has it.
            None => format!("{} {}", e.action, escape(target)),
        };
        if let (Some(p), Some(rest)) = (&mut path, rest) {
            *p = after(&e.action, rest, p);
        }
        let what = match e.outcome.as_str() {
            "ok" | "" => what,
            o => format!("{what} ({})", escape(o)),
        };
        out.push(Said {
            at: e.at,
            actor: escape(&e.actor),
            what,
        });
    }
    out
}

/// The item's path as its first entry names it.
fn first_path(action: &str, target: &str) -> Option<String> {
    let p = match action {
        // The copy's own entry: "SRC -> DEST/NAME".
        "cp" => target.rsplit_once(" -> ")?.1,
        "rename" | "mv" => target.rsplit_once(" -> ")?.0,
        "asset add" | "asset rm" | "asset rename" => target.split_once(':')?.0,
        "share" | "unshare" => subject_at(target).map(|i| &target[..i])?,
        _ => target,
    };
    Some(p.to_string())
}

/// Where " SUBJECT LEVEL" starts in a share's target (names have no colon, R2).
fn subject_at(target: &str) -> Option<usize> {
    let colon = target.find(':')?;
    target[..colon].rfind(' ')
}

/// The item's path after the change.
fn after(action: &str, rest: &str, path: &str) -> String {
    let (parent, name) = split_path(path);
    match (action, rest.strip_prefix(" -> ")) {
        ("rename", Some(new)) => format!("{parent}/{new}"),
        ("mv", Some(dest)) => format!("{dest}/{name}"),
        _ => path.to_string(),
    }
}

/// What one change did, without the item's own path.
fn phrase(action: &str, rest: &str, path: &str) -> String {
    let (parent, name) = split_path(path);
    let (parent, name) = (escape(parent), escape(name));
    let to = |r: &str| escape(r.strip_prefix(" -> ").unwrap_or(r));
    match action {
        "mkdir" => "created the folder".into(),
        "app" => "created the app".into(),
        "cp" => "created as a copy".into(),
        "rm" => "deleted it".into(),
        "describe" => "changed the description".into(),
        "rename" => format!("renamed {name} to {}", to(rest)),
        "mv" => format!("moved it from {parent} to {}", to(rest)),
        "share" => share_words("shared with", rest),
        "unshare" => share_words("took back the grant of", rest),
        "leave" => format!("{} left the collaboration", escape(rest.trim())),
        "asset add" => format!("added {}", asset_words(rest)),
        "asset rm" => format!("deleted {}", asset_words(rest)),
        "asset rename" => match rest.split_once(" -> ") {
            Some((a, new)) => format!("renamed {} to {}", asset_words(a), escape(new)),
            None => format!("renamed {}", asset_words(rest)),
        },
        "integ attach" => format!("attached the integration {}", escape(rest.trim())),
        "integ detach" => format!("detached the integration {}", escape(rest.trim())),
        "resource restrict" => format!("restricted the resource{}", escape(rest)),
        "resource allow" => format!("allowed the resource{}", escape(rest)),
        other => format!("{other}{}", escape(rest)),
    }
}

/// " group:qa editor (note: N)" as "shared with group:qa as editor (note: N)".
fn share_words(verb: &str, rest: &str) -> String {
    let rest = rest.trim_start();
    let (main, note) = match rest.split_once(" (note: ") {
        Some((m, n)) => (m, format!(" (note: {}", escape(n))),
        None => (rest, String::new()),
    };
    match main.rsplit_once(' ') {
        Some((subject, level)) => format!("{verb} {} as {}{note}", escape(subject), escape(level)),
        None => format!("{verb} {}{note}", escape(main)),
    }
}

/// ":dashboard/Tonnage" as "the dashboard Tonnage".
fn asset_words(rest: &str) -> String {
    let r = rest.trim_start_matches(':');
    match r.split_once('/') {
        Some((kind, name)) => format!("the {} {}", escape(kind), escape(name)),
        None => escape(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(action: &str, target: &str) -> AuditEntry {
        AuditEntry {
            seq: 0,
            at: 0,
            actor: "root".into(),
            action: action.into(),
            target: target.into(),
            item: Some(1),
            ws: Some(1),
            space: None,
            outcome: "ok".into(),
        }
    }

    #[test]
    fn r32_activity_reads_as_words_and_follows_renames_and_moves() {
        let said: Vec<String> = in_words(&[
            e("app", "/DW/team/Plant/Line 1"),
            e("asset add", "/DW/team/Plant/Line 1:dashboard/Speed"),
            e(
                "share",
                "/DW/team/Plant/Line 1 group:qa viewer (note: QA reads line 2)",
            ),
            e("rename", "/DW/team/Plant/Line 1 -> Line1"),
            e("mv", "/DW/team/Plant/Line1 -> /DW/team/Lines"),
            e("unshare", "/DW/team/Lines/Line1 group:qa viewer"),
            e(
                "asset rename",
                "/DW/team/Lines/Line1:dashboard/Speed -> Pace",
            ),
            e("leave", "/DW/team/Lines/Line1 bob"),
            e("rm", "/DW/team/Lines/Line1"),
        ])
        .into_iter()
        .map(|s| s.what)
        .collect();
        assert_eq!(
            said,
            [
                "created the app",
                "added the dashboard Speed",
                "shared with group:qa as viewer (note: QA reads line 2)",
                "renamed Line 1 to Line1",
                "moved it from /DW/team/Plant to /DW/team/Lines",
                "took back the grant of group:qa as viewer",
                "renamed the dashboard Speed to Pace",
                "bob left the collaboration",
                "deleted it",
            ]
        );
    }

    #[test]
    fn r14_a_masked_entry_is_shown_as_the_log_has_it() {
        let said = in_words(&[
            e("app", "/DW/my/bob/… (a private item)"),
            e("mv", "/DW/my/bob/… (a private item) -> /DW/team"),
        ]);
        assert_eq!(said[0].what, "created the app");
        assert!(said[1].what.starts_with("moved it from"), "{:?}", said[1]);
    }
}
