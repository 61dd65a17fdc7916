//! R1 for the names of the account: workspaces, groups, org units and
//! tenants are compared as item names are (trimmed, NFC, then the UTS #39
//! skeleton: Latin `a` and Cyrillic `а` are one letter), each kind across
//! the account. Adding or renaming to a look-alike is a *conflict* naming
//! the one that exists; a *not found* whose name looks like one the actor
//! may read says so, and never hints at one they may not (R12, R33).

use super::*;

/// The kinds of names R1 keeps apart across the account (each among its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Workspace,
    Group,
    Org,
    Tenant,
}

impl Kind {
    pub fn what(self) -> &'static str {
        match self {
            Kind::Workspace => "workspace",
            Kind::Group => "group",
            Kind::Org => "org unit",
            Kind::Tenant => "tenant",
        }
    }
}

/// The characters of `name` that `other` lacks, by code point ("U+0430"):
/// what tells two look-alikes apart, which the screen does not show.
fn telling(name: &str, other: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for c in name.chars().filter(|c| !other.contains(*c)) {
        let u = format!("U+{:04X}", c as u32);
        if !out.contains(&u) {
            out.push(u);
        }
    }
    out.join(", ")
}

/// The conflict of a new name that looks like `other`, which exists.
fn looks_taken(kind: Kind, name: &str, other: &str) -> Error {
    Error::conflict(format!(
        "{w} '{}' looks like {w} '{}', which exists ('{}' holds {}) (R1: names that look alike are refused)",
        text::escape(name),
        text::escape(other),
        text::escape(name),
        telling(name, other),
        w = kind.what(),
    ))
}

/// R1 in a document (an import): two names of one kind that look alike.
pub fn clash_in(kind: Kind, names: &[&str]) -> Option<Error> {
    let mut seen: std::collections::HashMap<String, &str> = Default::default();
    for n in names {
        if let Some(other) = seen.insert(names::look(n), n) {
            if other != *n {
                return Some(Error::conflict(format!(
                    "import: {w}s '{}' and '{}' look alike (R1: names that look alike are refused)",
                    text::escape(other),
                    text::escape(n),
                    w = kind.what(),
                )));
            }
        }
    }
    None
}

impl Session<'_> {
    /// The names of `kind` in the store.
    fn names_of(&self, kind: Kind) -> Result<Vec<String>> {
        let st = self.store();
        Ok(match kind {
            Kind::Workspace => st.workspaces()?.into_iter().map(|w| w.name).collect(),
            Kind::Group => st.groups()?.into_iter().map(|g| g.name).collect(),
            Kind::Org => st.orgs()?.into_iter().map(|o| o.name).collect(),
            Kind::Tenant => st.tenants()?.into_iter().map(|t| t.name).collect(),
        })
    }

    /// R1: no other name of `kind` looks like `name` (an NFC name). The same
    /// name is the caller's to answer ("exists"); `renamed`, the name being
    /// renamed, may keep looking like itself.
    pub(super) fn require_unlike(
        &self,
        kind: Kind,
        name: &str,
        renamed: Option<&str>,
    ) -> Result<()> {
        for other in self.names_of(kind)? {
            if other != name && Some(other.as_str()) != renamed && names::confusable(&other, name) {
                return Err(looks_taken(kind, name, &other));
            }
        }
        Ok(())
    }

    /// The *not found* of `name` of `kind`: with the look-alike the actor
    /// may read, when there is one (R1); one they may not read is never
    /// named (R12, R33).
    pub(super) fn no_such(&self, kind: Kind, name: &str) -> Error {
        let base = format!("no {} '{}'", kind.what(), text::escape(name));
        match self.lookalike_read(kind, name) {
            Some(other) => Error::not_found(format!(
                "{base}; did you mean '{}'? (R1)",
                text::escape(&other)
            )),
            None => Error::not_found(base),
        }
    }

    /// A name of `kind` that looks like `name`, which the actor reads.
    /// A failure to read the store gives no hint (the *not found* stands).
    fn lookalike_read(&self, kind: Kind, name: &str) -> Option<String> {
        let all = self.names_of(kind).ok()?;
        all.into_iter()
            .filter(|o| names::confusable(o, name))
            .find(|o| self.reads_name(kind, o))
    }

    /// R33 (groups, units, tenants); workspaces: those `ws ls` shows the actor.
    fn reads_name(&self, kind: Kind, name: &str) -> bool {
        let subject = match kind {
            Kind::Workspace => {
                return matches!(
                    self.store().workspace_by_name(name),
                    Ok(Some(w)) if self.ws_seen(&w).unwrap_or(false)
                )
            }
            Kind::Group => Subject::Group(name.into()),
            Kind::Org => Subject::Org(name.into()),
            Kind::Tenant => Subject::Tenant(name.into()),
        };
        crate::domain::rules::reads_subject(&self.actor, &subject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r1_look_alikes_in_a_document_clash_and_the_same_look_twice_is_one_name() {
        assert!(clash_in(Kind::Group, &["qa", "ops"]).is_none());
        let e = clash_in(Kind::Group, &["qa", "q\u{430}"]).unwrap();
        assert_eq!(e.outcome, Outcome::Conflict);
        assert!(
            e.message.contains("groups 'qa' and 'q\u{430}' look alike"),
            "{e}"
        );
        assert_eq!(telling("q\u{430}", "qa"), "U+0430");
    }
}
