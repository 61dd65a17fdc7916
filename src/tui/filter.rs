//! Filter in place: `f` in the tree narrows it, as you type, to the items
//! whose names match (fuzzy, matched letters highlighted) and the folders
//! above them; Enter keeps the narrowed tree to work in, Esc restores the
//! whole tree. The index (every item of the space with its parent) is built
//! once per filter on the worker thread and matched there with
//! nucleo's matcher, so typing never waits on a large space.

use std::collections::HashMap;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::domain::ItemId;

use super::keymap::Cmd;
use super::layers::Answer;
use super::tree::{NodeData, NodeKind, TreeState};

/// At most this many matches are shown (the best first); the title says so.
pub const MAX_MATCHES: usize = 2_000;

/// The filter's input line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterBar {
    pub query: String,
}

impl FilterBar {
    pub fn handle(&mut self, cmd: Option<Cmd>, typed: Option<char>) -> Answer {
        match (cmd, typed) {
            (Some(Cmd::Submit), _) => Answer::Submit,
            (Some(Cmd::Cancel), _) => Answer::Close,
            (Some(Cmd::Quit), _) => Answer::Quit,
            (Some(Cmd::DeleteBack), _) => {
                self.query.pop();
                Answer::Consumed
            }
            (Some(Cmd::ClearText), _) => {
                self.query.clear();
                Answer::Consumed
            }
            (None, Some(c)) => {
                self.query.push(c);
                Answer::Consumed
            }
            _ => Answer::Ignored,
        }
    }
    pub fn paste(&mut self, s: &str) {
        self.query.extend(s.chars().filter(|c| !c.is_control()));
    }
}

/// One item of the index.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: ItemId,
    /// The folder it is in (None: at the space's root).
    pub parent: Option<ItemId>,
    /// Which of the index's roots (spaces) it is in.
    pub space: usize,
    pub name: String,
    pub folder: bool,
    pub level: &'static str,
    pub path_only: bool,
}

/// Every item of the filtered spaces, with its parent.
#[derive(Debug)]
pub struct FilterIndex {
    pub roots: Vec<NodeData>,
    pub entries: Vec<Entry>,
    by_id: HashMap<ItemId, usize>,
}

/// A match: the entry and the positions (in characters) of its matched letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub entry: usize,
    pub score: u32,
    pub indices: Vec<u32>,
}

impl FilterIndex {
    pub fn new(roots: Vec<NodeData>, entries: Vec<Entry>) -> FilterIndex {
        let by_id = entries.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
        FilterIndex {
            roots,
            entries,
            by_id,
        }
    }

    /// The best matches of a query, best first (ties in tree order).
    pub fn matches(&self, query: &str) -> Vec<Match> {
        if query.trim().is_empty() {
            return Vec::new();
        }
        let pattern = Pattern::parse(query, CaseMatching::Smart, Normalization::Smart);
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        let mut scored: Vec<(u32, usize)> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                pattern
                    .score(Utf32Str::new(&e.name, &mut buf), &mut matcher)
                    .map(|s| (s, i))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(MAX_MATCHES);
        scored.sort_by_key(|&(_, i)| i);
        scored
            .into_iter()
            .map(|(score, entry)| {
                let mut indices = Vec::new();
                let name = &self.entries[entry].name;
                pattern.indices(Utf32Str::new(name, &mut buf), &mut matcher, &mut indices);
                indices.sort_unstable();
                indices.dedup();
                Match {
                    entry,
                    score,
                    indices,
                }
            })
            .collect()
    }

    /// The tree narrowed to the matches and the folders above them, every
    /// folder open; matched letters are marked on the match rows.
    pub fn tree(&self, matches: &[Match]) -> TreeState {
        if matches.is_empty() {
            return TreeState::new(Vec::new());
        }
        let mut t = TreeState::new(self.roots.clone());
        let mut node_of: HashMap<ItemId, usize> = HashMap::new();
        for m in matches {
            let Some(i) = self.place(&mut t, &mut node_of, m.entry) else {
                continue;
            };
            t.marks.insert(i, m.indices.clone());
        }
        for i in 0..t.nodes.len() {
            if t.nodes[i].children.is_some() {
                t.nodes[i].expanded = true;
            }
        }
        t.rebuild_rows();
        t
    }

    /// The node of an entry in the narrowed tree, with its ancestors.
    fn place(
        &self,
        t: &mut TreeState,
        node_of: &mut HashMap<ItemId, usize>,
        entry: usize,
    ) -> Option<usize> {
        let e = &self.entries[entry];
        if let Some(&i) = node_of.get(&e.id) {
            return Some(i);
        }
        let parent = match e.parent.and_then(|p| self.by_id.get(&p)) {
            Some(&pi) => self.place(t, node_of, pi)?,
            None => *t.roots.get(e.space)?,
        };
        let i = t.push_child(
            parent,
            NodeData {
                kind: if e.folder {
                    NodeKind::Folder
                } else {
                    NodeKind::App
                },
                name: e.name.clone(),
                id: Some(e.id),
                path: String::new(),
                level: e.level,
                path_only: e.path_only,
            },
        );
        node_of.insert(e.id, i);
        Some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{SpaceKind, SpaceRef};

    fn entry(id: ItemId, parent: Option<ItemId>, name: &str, folder: bool) -> Entry {
        Entry {
            id,
            parent,
            space: 0,
            name: name.into(),
            folder,
            level: "editor",
            path_only: false,
        }
    }

    fn index() -> FilterIndex {
        let root = NodeData {
            kind: NodeKind::Space(SpaceRef {
                ws: 1,
                kind: SpaceKind::Team,
            }),
            name: "Team Space".into(),
            id: None,
            path: "/W/team".into(),
            level: "",
            path_only: false,
        };
        FilterIndex::new(
            vec![root],
            vec![
                entry(1, None, "Plant", true),
                entry(2, Some(1), "Line1", true),
                entry(3, Some(2), "OEE", false),
                entry(4, None, "Sales", true),
                entry(5, Some(4), "Pipeline", false),
            ],
        )
    }

    #[test]
    fn matches_keep_their_ancestors_and_mark_the_letters() {
        let ix = index();
        let m = ix.matches("oee");
        assert_eq!(m.len(), 1);
        let t = ix.tree(&m);
        let names: Vec<&str> = t
            .rows
            .iter()
            .map(|&i| t.nodes[i].data.name.as_str())
            .collect();
        assert_eq!(names, ["Team Space", "Plant", "Line1", "OEE"]);
        let oee = t.rows[3];
        assert_eq!(t.marks.get(&oee), Some(&vec![0, 1, 2]));
        assert_eq!(t.path(oee), "/W/team/Plant/Line1/OEE");
    }

    #[test]
    fn a_fuzzy_query_matches_across_the_tree_and_an_empty_one_nothing() {
        let ix = index();
        let m = ix.matches("pl");
        let ids: Vec<ItemId> = m.iter().map(|m| ix.entries[m.entry].id).collect();
        assert_eq!(ids, [1, 5], "Plant and Pipeline");
        assert!(ix.matches("  ").is_empty());
        assert!(ix.matches("zzz").is_empty());
    }
}
