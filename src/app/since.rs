//! What changed an item since a change was made: the UI asks before it
//! undoes a change, which would take back whatever came after it on the
//! same items too. What the asker learns of that change is R35's to say.

use super::*;

/// A change to an item since the asked seq.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    /// The item asked about, by the path the asker sees it at now (R35).
    pub path: Option<String>,
    /// The change itself, when the asker may read it: their own, or an
    /// entry of a log they read (R35), masked as `log` masks it (R14).
    /// Otherwise they learn only that the item changed.
    pub entry: Option<AuditEntry>,
}

/// Items visited below one asked about, at most: more is a change anyway
/// (the items below an item made here were made by someone).
const BELOW_MAX: usize = 10_000;

impl Session<'_> {
    /// The first change since audit seq `after` to one of `items` (and,
    /// with `below`, to an item below one of them), leaving out the entries
    /// `mine` says were the asker's own (made where they ask from).
    pub fn changed_since(
        &self,
        items: &[ItemId],
        below: bool,
        after: u64,
        mine: &dyn Fn(&AuditEntry) -> bool,
    ) -> Result<Option<Changed>> {
        for &id in items {
            let mut stack = vec![id];
            let mut visited = 0;
            while let Some(at) = stack.pop() {
                visited += 1;
                let found = self
                    .store()
                    .audit_of_item(at)?
                    .into_iter()
                    .find(|e| e.seq > after && !mine(e));
                if let Some(e) = found {
                    return Ok(Some(self.changed(id, e)?));
                }
                if below && visited < BELOW_MAX {
                    let kids = self.store().children(&Parent::Folder(at))?;
                    stack.extend(kids.into_iter().map(|c| c.id));
                }
            }
        }
        Ok(None)
    }

    /// A change as the asker may learn of it (R35).
    fn changed(&self, asked: ItemId, e: AuditEntry) -> Result<Changed> {
        let path = self.resolve_id(asked).ok().map(|r| r.path);
        let entry = match self.sighted(e)? {
            super::reads::Sighted::Entry(e) => Some(e),
            _ => None,
        };
        Ok(Changed { path, entry })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEAM: &str = "/Default Workspace/team";

    fn demo() -> App {
        let a = App::in_memory();
        a.demo("root").unwrap();
        a
    }

    #[test]
    fn r35_a_change_since_names_who_only_to_readers_of_the_log() {
        let app = demo();
        let oee = format!("{TEAM}/Plant/Line1/OEE");
        let bob = app.session("bob").unwrap();
        let id = bob.resolve_str(&oee).unwrap().item().unwrap().id;
        let after = app.last_seq();
        let none = |_: &AuditEntry| false;
        assert_eq!(bob.changed_since(&[id], false, after, &none).unwrap(), None);
        // carol (qa: editor on Plant) adds a chart.
        app.session("carol")
            .unwrap()
            .asset_add(&oee, "chart", "Scrap")
            .unwrap();
        // bob (an analyst, no admin) learns only that OEE changed (R35).
        let c = bob
            .changed_since(&[id], false, after, &none)
            .unwrap()
            .unwrap();
        assert_eq!(c.path.as_deref(), Some(oee.as_str()));
        assert_eq!(c.entry, None, "bob does not read the log");
        // alice (sysadmin of Default Workspace) and root read who and what.
        for reader in ["alice", "root"] {
            let s = app.session(reader).unwrap();
            let c = s
                .changed_since(&[id], false, after, &none)
                .unwrap()
                .unwrap();
            let e = c.entry.expect("an admin reads the entry");
            assert_eq!(
                (e.actor.as_str(), e.action.as_str()),
                ("carol", "asset add")
            );
        }
        // The asker's own entries, when said to be theirs, do not count.
        let carol = app.session("carol").unwrap();
        let hers = |e: &AuditEntry| e.actor == "carol";
        assert_eq!(
            carol.changed_since(&[id], false, after, &hers).unwrap(),
            None
        );
    }

    #[test]
    fn a_change_below_counts_only_when_asked() {
        let app = demo();
        let line1 = format!("{TEAM}/Plant/Line1");
        let root = app.session("root").unwrap();
        let id = root.resolve_str(&line1).unwrap().item().unwrap().id;
        let after = app.last_seq();
        root.describe(&format!("{line1}/OEE"), "changed below")
            .unwrap();
        let none = |_: &AuditEntry| false;
        assert_eq!(
            root.changed_since(&[id], false, after, &none).unwrap(),
            None
        );
        let c = root
            .changed_since(&[id], true, after, &none)
            .unwrap()
            .unwrap();
        assert_eq!(c.path.as_deref(), Some(line1.as_str()));
        assert_eq!(c.entry.unwrap().action, "describe");
    }
}
