//! Messages in the words of the person at the keyboard: a refusal is one
//! line, to "you", naming your standing, what the action needs, the rule,
//! and whom to ask; every refusal begins "You can't", every other failure
//! "Can't". The rule table's own reasons speak of "this user" (they also
//! answer `check` and `explain` about anyone); here they are put to you.

use crate::app::review::WhoRow;
use crate::domain::rules::{level_allows, needs, Decision, Standing};
use crate::domain::text::escape;
use crate::domain::*;

/// The verb of an action, as "You can't ___ NAME" says it.
pub fn verb(a: Action) -> &'static str {
    match a {
        Action::View => "view",
        Action::Create => "create in",
        Action::Edit => "edit",
        Action::Rename => "rename",
        Action::Move => "move",
        Action::Delete => "delete",
        Action::Share => "share",
        Action::Copy => "copy",
    }
}

fn gerund(a: Action) -> &'static str {
    match a {
        Action::View => "viewing",
        Action::Create => "creating here",
        Action::Edit => "editing",
        Action::Rename => "renaming",
        Action::Move => "moving",
        Action::Delete => "deleting",
        Action::Share => "sharing",
        Action::Copy => "copying",
    }
}

/// A path as it reads inside its space: `/DW/team/Plant/OEE` is
/// `/Plant/OEE`, a space root is the space's name.
pub fn in_space(path: &str) -> String {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (rest, root) = match segs.get(1) {
        Some(&"team") => (segs.get(2..), "Team Space"),
        Some(&"my") => (segs.get(3..), "My Creations"),
        _ => (None, ""),
    };
    match rest {
        Some(r) if !r.is_empty() => escape(&format!("/{}", r.join("/"))),
        Some(_) => root.to_string(),
        None => escape(path),
    }
}

/// The name a message calls an item by: its last name, or its space's.
pub fn name_of(path: &str) -> String {
    let shown = in_space(path);
    match shown.rsplit_once('/') {
        Some((_, n)) => n.to_string(),
        None => shown,
    }
}

/// A reason of the rule table, put to "you".
pub fn to_you(reason: &str) -> String {
    reason
        .replace("this user is", "you are")
        .replace("this user", "you")
}

/// The rule numbers a reason ends with: "(R23)", "(R10, R22)".
fn rules_cited(reason: &str) -> &str {
    match reason.rfind("(R") {
        Some(i) if reason.ends_with(')') => &reason[i..],
        _ => "",
    }
}

/// "group:qa on /Plant" for the decisive grants of a decision.
fn through(d: &Decision) -> String {
    let parts: Vec<String> = d
        .grants
        .iter()
        .filter(|c| c.decisive)
        .map(|c| format!("{} on {}", c.subject, in_space(&c.on)))
        .collect();
    parts.join(" and ")
}

/// Why, in one clause to "you": the level you hold and what the action
/// needs, when a level is what is missing; else the rule's own reason.
fn why(space: &SpaceKind, d: &Decision) -> String {
    let Standing::Granted(l) = d.standing else {
        return to_you(&d.reason);
    };
    if level_allows(space, l, d.action) {
        // The level would do: a kind check or a precondition refused it.
        return to_you(&d.reason);
    }
    let who = match space {
        SpaceKind::Team => format!("you are {l}"),
        SpaceKind::My(_) => format!("you are a collaborator with {l}"),
    };
    format!(
        "{who} through {}; {} needs {} {}",
        through(d),
        gerund(d.action),
        needs(space, d.action),
        rules_cited(&d.reason)
    )
    .trim_end()
    .to_string()
}

/// Why not, in the fewest words: what the action needs and the rule
/// ("sharing needs manager or admin (R27); you are editor") where a level is missing, else
/// the rule's reason to you (the palette's mark).
pub fn short_why(space: &SpaceKind, d: &Decision) -> String {
    match d.standing {
        Standing::Granted(l) if !level_allows(space, l, d.action) => format!(
            "{} needs {} {}; you are {l}",
            gerund(d.action),
            needs(space, d.action),
            rules_cited(&d.reason)
        ),
        _ => to_you(&d.reason),
    }
}

/// "ask alice, bob or 2 others": who may do it, as a refusal names them.
pub fn ask(rows: &[WhoRow], me: &str) -> Option<String> {
    let names: Vec<String> = rows
        .iter()
        .filter(|r| r.login != me)
        .map(|r| escape(&r.login))
        .collect();
    let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
    match names.len() {
        0 => None,
        n if n > 3 => Some(format!(
            "ask {}, {}, {} or {} more",
            shown[0],
            shown[1],
            shown[2],
            n - 3
        )),
        _ => Some(format!("ask {}", crate::domain::text::either(&shown))),
    }
}

/// A refusal in one line: "You can't share Line1: you are editor through
/// group:qa on /Plant; sharing needs manager or admin (R27).
/// Ask alice".
pub fn refusal(path: &str, space: &SpaceKind, d: &Decision, asked: Option<String>) -> String {
    let mut s = format!(
        "You can't {} {}: {}",
        verb(d.action),
        name_of(path),
        why(space, d)
    );
    if let Some(a) = asked {
        s.push_str(&format!(". {}{}", a[..1].to_uppercase(), &a[1..]));
    }
    s
}

/// Any failure of a command, in one line: refusals (outcome denied) are put
/// to "you"; the others say what stood in the way, without the outcome's
/// label ("conflict:"), which the command line prints for scripts.
pub fn failure(what: &str, e: &Error) -> String {
    let msg = crate::domain::text::one_line(&e.message);
    let msg = without_location(&msg);
    match e.outcome {
        Outcome::Denied => match denial(&msg) {
            Some((action, path, reason)) => format!(
                "You can't {} {}: {}",
                verb(action),
                name_of(path),
                to_you(reason)
            ),
            None => format!("You can't {what}: {}", to_you(&msg)),
        },
        _ => format!("Can't {what}: {msg}"),
    }
}

/// A store's message without the store's location in front ("postgresql://
/// host/db: the connection was lost"): the screen is about that store.
fn without_location(msg: &str) -> &str {
    let located = ["postgresql://", "postgres://"]
        .iter()
        .any(|p| msg.starts_with(p));
    match msg.split_once(": ") {
        Some((_, rest)) if located => rest,
        _ => msg,
    }
}

/// The app layer's refusal "share /DW/team/Plant: REASON", in its parts.
fn denial(msg: &str) -> Option<(Action, &str, &str)> {
    let (head, reason) = msg.split_once(": ")?;
    let (word, path) = head.split_once(' ')?;
    let action = word.parse().ok()?;
    path.starts_with('/').then_some((action, path, reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::{Contribution, Seen, Via};

    fn editor_refused_share() -> Decision {
        Decision {
            action: Action::Share,
            allowed: false,
            seen: Seen::Visible,
            standing: Standing::Granted(Level::Editor),
            level: Some(Level::Editor),
            grants: vec![Contribution {
                on: crate::domain::rules::LinkPath::new("/DW/team/Plant".into(), 14),
                item: 2,
                subject: Subject::Group("qa".into()),
                level: Level::Editor,
                via: Via::Group { group: "qa".into() },
                decisive: true,
            }],
            reason:
                "editor through group:qa on /DW/team/Plant; only managers and admins share (R27)"
                    .into(),
            destination: None,
        }
    }

    #[test]
    fn r27_a_refusal_is_one_line_to_you_with_the_need_and_whom_to_ask() {
        let d = editor_refused_share();
        let s = refusal(
            "/DW/team/Plant/Line1",
            &SpaceKind::Team,
            &d,
            Some("ask alice".into()),
        );
        assert_eq!(
            s,
            "You can't share Line1: you are editor through group:qa on /Plant; \
             sharing needs manager or admin (R27). Ask alice"
        );
        assert!(!s.contains("this user") && !s.contains('\n'));
    }

    #[test]
    fn r28_a_failure_that_is_not_a_refusal_says_cant_without_the_label() {
        let e = Error::conflict("/DW/team/Plant is not empty (R28)");
        assert_eq!(
            failure("delete Plant", &e),
            "Can't delete Plant: /DW/team/Plant is not empty (R28)"
        );
        let e = Error::denied("no grant reaches this user (R10)");
        assert_eq!(
            failure("rename X", &e),
            "You can't rename X: no grant reaches you (R10)"
        );
        let e = Error::denied("share /DW/team/Plant/OEE: editor through group:qa; only managers and admins share (R27)");
        assert_eq!(
            failure("note", &e),
            "You can't share OEE: editor through group:qa; only managers and admins share (R27)"
        );
    }

    #[test]
    fn a_lost_database_reads_without_its_location() {
        let e = Error::unavailable(
            "postgresql://postgres@127.0.0.1:5432,127.0.0.1:5433/tw: the connection to the database was lost (reconnecting)",
        );
        assert_eq!(
            failure("reload", &e),
            "Can't reload: the connection to the database was lost (reconnecting)"
        );
    }

    #[test]
    fn paths_read_inside_their_space() {
        assert_eq!(in_space("/DW/team/Plant/OEE"), "/Plant/OEE");
        assert_eq!(in_space("/DW/team"), "Team Space");
        assert_eq!(in_space("/DW/my/bob/Drafts"), "/Drafts");
        assert_eq!(name_of("/DW/my/bob"), "My Creations");
        assert_eq!(name_of("/DW/team/Plant/OEE"), "OEE");
    }

    #[test]
    fn whom_to_ask_leaves_you_out_and_counts_the_rest() {
        let row = |l: &str| WhoRow {
            login: l.into(),
            name: String::new(),
            level: "manager".into(),
            via: vec![],
        };
        let rows: Vec<WhoRow> = ["me", "a", "b", "c", "d", "e"]
            .iter()
            .map(|l| row(l))
            .collect();
        assert_eq!(ask(&rows, "me").unwrap(), "ask a, b, c or 2 more");
        assert_eq!(ask(&rows[..3], "me").unwrap(), "ask a or b");
        assert_eq!(ask(&rows[..1], "me"), None);
    }
}
