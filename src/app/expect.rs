//! `test FILE`: a file of access expectations (check, who, access, explain,
//! what-if), each asked as the request the command line makes and compared
//! with its answer. The file may describe its own store (`setup`: an
//! export, the demo, and a list of changes as `apply` takes them), or be run
//! against the store the command is given.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::apply::Entry;
use super::request::{Caller, Reply, Request};
use super::*;

/// A test file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// The store the tests run on; without it, the store given (`--db`).
    #[serde(default)]
    pub setup: Option<Setup>,
    #[serde(default)]
    pub tests: Vec<Test>,
}

/// A store described in the file itself, built in memory.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// The account owner; the tests ask as them [default: `owner`, or the
    /// export's owner].
    #[serde(default)]
    pub owner: Option<String>,
    /// An export to start from (a path beside the test file).
    #[serde(default)]
    pub export: Option<String>,
    /// Start from the demo account.
    #[serde(default)]
    pub demo: bool,
    /// Changes made then, as `apply` takes them: users, groups, org units,
    /// tenants, roles, items, grants.
    #[serde(default)]
    pub changes: Vec<serde_json::Value>,
}

/// A named group of assertions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Test {
    pub name: String,
    #[serde(default)]
    pub check: Vec<CheckCase>,
    #[serde(default)]
    pub who: Vec<WhoCase>,
    #[serde(default)]
    pub access: Vec<AccessCase>,
    #[serde(default)]
    pub explain: Vec<ExplainCase>,
    #[serde(default)]
    pub whatif: Vec<WhatIfCase>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckCase {
    pub user: String,
    pub action: String,
    pub path: String,
    /// For move and copy: the destination decided for.
    #[serde(default)]
    pub to: Option<String>,
    pub expect: Verdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Allow,
    Deny,
}

/// Logins, or logins with their levels.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Expected {
    Names(Vec<String>),
    Levels(BTreeMap<String, String>),
}

impl Expected {
    fn names(&self) -> BTreeSet<String> {
        match self {
            Expected::Names(v) => v.iter().cloned().collect(),
            Expected::Levels(m) => m.keys().cloned().collect(),
        }
    }
    fn level(&self, name: &str) -> Option<&str> {
        match self {
            Expected::Names(_) => None,
            Expected::Levels(m) => m.get(name).map(String::as_str),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhoCase {
    pub path: String,
    /// Exactly these users (with these levels, when given as a map).
    #[serde(default)]
    pub users: Option<Expected>,
    /// At least these.
    #[serde(default)]
    pub includes: Option<Expected>,
    /// None of these.
    #[serde(default)]
    pub excludes: Vec<String>,
    /// Only users at this level (as `who --level`).
    #[serde(default)]
    pub level: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessCase {
    pub user: String,
    /// Paths they can view (with their level, when given as a map).
    #[serde(default)]
    pub includes: Option<Expected>,
    /// Paths they cannot view.
    #[serde(default)]
    pub excludes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplainCase {
    pub user: String,
    pub path: String,
    /// Their effective level (a role or ownership word, else the grant's).
    #[serde(default)]
    pub level: Option<String>,
    /// The decisive grant: the item it is on, and its subject.
    #[serde(default)]
    pub on: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    /// Words the explanation contains.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatIfCase {
    /// The change, as an entry of a changes file.
    pub change: serde_json::Value,
    #[serde(default)]
    pub gain: Vec<LevelCase>,
    #[serde(default)]
    pub lose: Vec<LevelCase>,
    /// Nobody's access changes.
    #[serde(default)]
    pub nobody: bool,
}

/// A user gaining (or losing) a level, on a path when one is given.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelCase {
    pub user: String,
    pub level: String,
    #[serde(default)]
    pub path: Option<String>,
}

/// One assertion's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The test's name.
    pub test: String,
    /// The assertion in the command line's words ("check bob edit /W/team/X").
    pub what: String,
    /// `None`: it held; else what was expected and what was found.
    pub failure: Option<Failure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub expected: String,
    pub actual: String,
}

/// Asks a request as the tests' actor.
pub type Ask<'a> = dyn FnMut(Request) -> Result<Reply> + 'a;

/// Parses a test file (YAML, or JSON).
pub fn parse(text: &str) -> Result<TestFile> {
    serde_yaml_ng::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(0);
        let full = e.to_string();
        // The place is said first, once.
        let what = text::escape(full.split(" at line ").next().unwrap_or(&full));
        Error::invalid(if line > 0 {
            format!("line {line}: {what}")
        } else {
            what
        })
    })
}

impl App {
    /// The store a test file describes, in memory; returns it and the
    /// login the tests ask as. `export`: the text of the export named.
    pub fn for_setup(setup: &Setup, export: Option<&str>) -> Result<(App, String)> {
        let app = App::in_memory();
        let mut owner = setup.owner.clone().unwrap_or_else(|| "owner".into());
        if let Some(text) = export {
            let e = App::parse_export(text)?;
            app.import(&e)?;
            owner = app.account_owner()?.unwrap_or(owner);
        } else if setup.demo {
            app.demo(&owner)?;
        } else {
            app.init(&owner)?;
        }
        let entries = setup
            .changes
            .iter()
            .map(|v| super::changes_file::entry_of(0, v.clone()))
            .collect::<Result<Vec<Entry>>>()
            .map_err(|e| Error::invalid(format!("setup: {}", e.message)))?;
        if !entries.is_empty() {
            let login = owner.clone();
            let who = move || Ok(login.clone());
            app.execute(Caller::new(&who), Request::Apply { entries })
                .map_err(|e| Error {
                    message: format!("setup: {}", e.message),
                    ..e
                })?;
        }
        Ok((app, owner))
    }
}

/// Runs every assertion of `file`, asking through `ask`.
pub fn run(file: &TestFile, ask: &mut Ask<'_>) -> Vec<Outcome> {
    let mut out = Vec::new();
    for t in &file.tests {
        let mut note = |what: String, r: Result<Option<Failure>>| {
            let failure = r.unwrap_or_else(|e| {
                Some(Failure {
                    expected: "an answer".into(),
                    actual: e.to_string(),
                })
            });
            out.push(Outcome {
                test: t.name.clone(),
                what,
                failure,
            });
        };
        for c in &t.check {
            let to =
                c.to.as_ref()
                    .map(|d| format!(" --to {d}"))
                    .unwrap_or_default();
            let what = format!("check {} {} {}{to}", c.user, c.action, c.path);
            note(what, check(c, ask));
        }
        for c in &t.who {
            note(format!("who {}", c.path), who(c, ask));
        }
        for c in &t.access {
            note(format!("access {}", c.user), access(c, ask));
        }
        for c in &t.explain {
            note(format!("explain {} {}", c.user, c.path), explain(c, ask));
        }
        for c in &t.whatif {
            let what = match super::changes_file::entry_of(0, c.change.clone()) {
                Ok(e) => format!("whatif {}", e.change.words()),
                Err(_) => "whatif".into(),
            };
            note(what, whatif(c, ask));
        }
    }
    out
}

fn unexpected(r: Reply) -> Error {
    let name = format!("{r:?}");
    Error::invalid(format!(
        "unexpected answer {}",
        name.split(['(', ' ', '{']).next().unwrap_or("")
    ))
}

fn differ(expected: impl Into<String>, actual: impl Into<String>) -> Option<Failure> {
    Some(Failure {
        expected: expected.into(),
        actual: actual.into(),
    })
}

fn check(c: &CheckCase, ask: &mut Ask<'_>) -> Result<Option<Failure>> {
    let d = match ask(Request::Check {
        login: c.user.clone(),
        action: c.action.clone(),
        path: c.path.clone(),
        to: c.to.clone(),
    })? {
        Reply::Decision(d) => d,
        r => return Err(unexpected(r)),
    };
    let got = if d.allowed {
        Verdict::Allow
    } else {
        Verdict::Deny
    };
    if got == c.expect {
        return Ok(None);
    }
    let word = |v: Verdict| format!("{v:?}").to_lowercase();
    Ok(differ(
        word(c.expect),
        format!("{} ({})", word(got), d.reason),
    ))
}

/// Compares what was found (name → level) with what was expected.
fn compare(
    found: &BTreeMap<String, String>,
    exact: Option<&Expected>,
    includes: Option<&Expected>,
    excludes: &[String],
) -> Option<Failure> {
    let mut wrong = Vec::new();
    for want in exact.into_iter().chain(includes) {
        for name in want.names() {
            match (found.get(&name), want.level(&name)) {
                (None, _) => wrong.push(format!("{name} missing")),
                (Some(l), Some(w)) if l != w => wrong.push(format!("{name} is {l}, not {w}")),
                _ => {}
            }
        }
    }
    if let Some(want) = exact {
        let names = want.names();
        let extra: Vec<&String> = found.keys().filter(|n| !names.contains(*n)).collect();
        if !extra.is_empty() {
            wrong.push(format!(
                "also {}",
                extra
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    for name in excludes {
        if let Some(l) = found.get(name) {
            wrong.push(format!("{name} present ({l})"));
        }
    }
    if wrong.is_empty() {
        return None;
    }
    let expected = match (exact, includes) {
        (Some(e), _) => show(e),
        (None, Some(i)) => format!("at least {}", show(i)),
        (None, None) => String::new(),
    };
    let expected = match (expected.is_empty(), excludes.is_empty()) {
        (false, false) => format!("{expected}, none of {}", excludes.join(", ")),
        (true, false) => format!("none of {}", excludes.join(", ")),
        _ => expected,
    };
    differ(expected, wrong.join("; "))
}

fn show(e: &Expected) -> String {
    match e {
        Expected::Names(v) => v.join(", "),
        Expected::Levels(m) => m
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn who(c: &WhoCase, ask: &mut Ask<'_>) -> Result<Option<Failure>> {
    let report = match ask(Request::Who {
        path: c.path.clone(),
        level: c.level.clone(),
        via: None,
    })? {
        Reply::Who(r) => r,
        r => return Err(unexpected(r)),
    };
    let found: BTreeMap<String, String> = report
        .users
        .into_iter()
        .map(|u| (u.login, u.level))
        .collect();
    Ok(compare(
        &found,
        c.users.as_ref(),
        c.includes.as_ref(),
        &c.excludes,
    ))
}

fn access(c: &AccessCase, ask: &mut Ask<'_>) -> Result<Option<Failure>> {
    let nodes = match ask(Request::Access {
        login: c.user.clone(),
        workspace: None,
    })? {
        Reply::Access { nodes, .. } => nodes,
        r => return Err(unexpected(r)),
    };
    // What they can view: every item not seen as a path only (R11).
    let mut found = BTreeMap::new();
    let mut stack: Vec<&TreeNode> = nodes.iter().collect();
    while let Some(n) = stack.pop() {
        if !n.entry.path_only {
            let level = n.entry.level.clone().unwrap_or_default();
            found.insert(n.entry.path.clone(), level);
        }
        stack.extend(n.children.iter());
    }
    Ok(compare(&found, None, c.includes.as_ref(), &c.excludes))
}

fn explain(c: &ExplainCase, ask: &mut Ask<'_>) -> Result<Option<Failure>> {
    let (d, lines) = match ask(Request::Explain {
        login: c.user.clone(),
        path: c.path.clone(),
    })? {
        Reply::Explained { decision, lines } => (decision, lines),
        r => return Err(unexpected(r)),
    };
    let decisive = d.grants.iter().find(|g| g.decisive);
    let mut wrong = Vec::new();
    let mut wanted = Vec::new();
    if let Some(l) = &c.level {
        wanted.push(format!("level {l}"));
        if d.level_word() != *l {
            wrong.push(format!("level {}", d.level_word()));
        }
    }
    let grant = decisive
        .map(|g| format!("{} on {}", g.subject, g.on))
        .unwrap_or_else(|| "no grant decides".into());
    if let Some(on) = &c.on {
        wanted.push(format!("a grant on {on}"));
        if decisive.is_none_or(|g| g.on.as_str() != on.as_str()) {
            wrong.push(grant.clone());
        }
    }
    if let Some(s) = &c.subject {
        wanted.push(format!("a grant to {s}"));
        if decisive.is_none_or(|g| g.subject.to_string() != *s) {
            wrong.push(grant.clone());
        }
    }
    if let Some(words) = &c.reason {
        wanted.push(format!("reason with '{words}'"));
        let all = lines.join(" ");
        if !all.contains(words.as_str()) && !d.reason.contains(words.as_str()) {
            wrong.push(format!("reason: {}", d.reason));
        }
    }
    wrong.dedup();
    Ok((!wrong.is_empty())
        .then(|| differ(wanted.join(", "), wrong.join("; ")))
        .flatten())
}

fn whatif(c: &WhatIfCase, ask: &mut Ask<'_>) -> Result<Option<Failure>> {
    let entry = super::changes_file::entry_of(0, c.change.clone())?;
    let report = match ask(Request::WhatIf(Box::new(entry.change.request()?)))? {
        Reply::AccessChanged { report, .. } => report,
        r => return Err(unexpected(r)),
    };
    let mut wrong = Vec::new();
    let mut wanted = Vec::new();
    for (cases, gains) in [(&c.gain, true), (&c.lose, false)] {
        for case in cases {
            let verb = if gains { "gains" } else { "loses" };
            let place = case
                .path
                .as_ref()
                .map(|p| format!(" on {p}"))
                .unwrap_or_default();
            let said = format!("{} {verb} {}{place}", case.user, case.level);
            let holds = report.groups.iter().any(|g| {
                let level = if gains { &g.after } else { &g.before };
                g.logins.contains(&case.user)
                    && *level == case.level
                    && case
                        .path
                        .as_ref()
                        .is_none_or(|p| g.items.iter().any(|i| i.path == *p))
            });
            if !holds {
                wrong.push(format!("not: {said}"));
            }
            wanted.push(said);
        }
    }
    if c.nobody {
        wanted.push("nobody's access changes".into());
        if !report.groups.is_empty() {
            wrong.push("access changes".into());
        }
    }
    if wrong.is_empty() {
        return Ok(None);
    }
    Ok(differ(
        wanted.join(", "),
        format!(
            "{} (what-if: {})",
            wrong.join("; "),
            report.summary.join("; ")
        ),
    ))
}

/// How many assertions failed.
pub fn failed(outcomes: &[Outcome]) -> usize {
    outcomes.iter().filter(|o| o.failure.is_some()).count()
}
