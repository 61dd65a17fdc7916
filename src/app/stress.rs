//! `treeward stress-writer` (hidden): a long-running writer for the crash
//! test. It performs random mixed operations (mkdir, app, mv, rename, rm,
//! share, unshare, cp) through the app layer, below one Team Space folder,
//! and prints a line before each (`begin`) and after it is acknowledged
//! (`ok`, or `fail` with the exit code), flushed, so a test that kills it
//! knows exactly what was acknowledged and what was in flight.
//!
//! Protocol, tab-separated: `begin N OP ARG…`, then `ok N`, `same N` (already
//! so: nothing written) or `fail N CODE`.
//! Paths are relative to the workspace's Team Space root.

use std::collections::BTreeMap;
use std::io::Write;

use super::*;

pub const SUBJECTS: &[&str] = &["user:alice", "user:bob", "group:qa", "org:sales"];
pub const LEVELS: &[&str] = &["viewer", "editor", "manager"];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        if v.is_empty() {
            None
        } else {
            Some(&v[self.below(v.len())])
        }
    }
}

/// The writer's view of its region: relative path → kind, and grants.
#[derive(Default)]
struct View {
    items: BTreeMap<String, ItemKind>,
    grants: BTreeMap<(String, String), String>,
}

fn base(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

fn parent(p: &str) -> &str {
    p.rsplit_once('/').map(|(a, _)| a).unwrap_or("")
}

fn within(p: &str, root: &str) -> bool {
    p == root || p.starts_with(&format!("{root}/"))
}

impl View {
    fn load(s: &Session<'_>, ws: &str, root: &str) -> Result<View> {
        let mut v = View::default();
        let r = s.resolve_str(&format!("/{ws}/team/{root}"))?;
        let Some(it) = r.item() else {
            return Err(Error::invalid("the stress root must be a folder"));
        };
        v.items.insert(root.to_string(), ItemKind::Folder);
        let mut stack = vec![(it.clone(), root.to_string())];
        while let Some((it, p)) = stack.pop() {
            for g in s.store().grants_on(it.id)? {
                v.grants.insert(
                    (p.clone(), String::from(g.subject.clone())),
                    g.level.to_string(),
                );
            }
            if it.kind == ItemKind::Folder {
                for c in s.store().children(&crate::store::Parent::Folder(it.id))? {
                    let cp = format!("{p}/{}", c.name);
                    v.items.insert(cp.clone(), c.kind);
                    stack.push((c, cp));
                }
            }
        }
        Ok(v)
    }
    fn folders(&self) -> Vec<String> {
        self.items
            .iter()
            .filter(|(_, k)| **k == ItemKind::Folder)
            .map(|(p, _)| p.clone())
            .collect()
    }
    fn non_root(&self, root: &str) -> Vec<String> {
        self.items.keys().filter(|p| *p != root).cloned().collect()
    }
    fn name_taken(&self, folder: &str, name: &str) -> bool {
        self.items.contains_key(&format!("{folder}/{name}"))
    }
    fn relocate(&mut self, from: &str, to: &str) {
        let moved: Vec<(String, ItemKind)> = self
            .items
            .iter()
            .filter(|(p, _)| within(p, from))
            .map(|(p, k)| (p.clone(), *k))
            .collect();
        for (p, k) in moved {
            self.items.remove(&p);
            self.items.insert(format!("{to}{}", &p[from.len()..]), k);
        }
        let gs: Vec<((String, String), String)> = self
            .grants
            .iter()
            .filter(|((p, _), _)| within(p, from))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for ((p, s), l) in gs {
            self.grants.remove(&(p.clone(), s.clone()));
            self.grants
                .insert((format!("{to}{}", &p[from.len()..]), s), l);
        }
    }
    /// Applies an acknowledged op (the same rules the crash test's model uses).
    fn apply(&mut self, op: &[String]) {
        match op[0].as_str() {
            "mkdir" => {
                self.items.insert(op[1].clone(), ItemKind::Folder);
            }
            "app" => {
                self.items.insert(op[1].clone(), ItemKind::App);
            }
            "mv" => {
                let to = format!("{}/{}", op[2], base(&op[1]));
                self.relocate(&op[1].clone(), &to);
            }
            "rename" => {
                let to = format!("{}/{}", parent(&op[1]), op[2]);
                self.relocate(&op[1].clone(), &to);
            }
            "rm" => {
                self.items.remove(&op[1]);
                self.grants.retain(|(p, _), _| p != &op[1]);
            }
            "share" => {
                self.grants
                    .insert((op[1].clone(), op[2].clone()), op[3].clone());
            }
            "unshare" => {
                self.grants.remove(&(op[1].clone(), op[2].clone()));
            }
            "cp" => {
                self.items
                    .insert(format!("{}/{}", op[2], base(&op[1])), ItemKind::App);
            }
            _ => {}
        }
    }
}

impl App {
    /// Runs `ops` random operations (0: until killed) as `login` below
    /// `/WS/team/ROOT`, reporting each on `out` as the module notes say.
    pub fn stress_writer(
        &self,
        login: &str,
        ws: &str,
        root: &str,
        seed: u64,
        ops: u64,
        out: &mut dyn Write,
    ) -> Result<u64> {
        let mut rng = Rng(seed);
        let mut view = View::load(&self.session(login)?, ws, root)?;
        let mut n = 0u64;
        let abs = |p: &str| format!("/{ws}/team/{p}");
        let say = |out: &mut dyn Write, line: String| -> Result<()> {
            writeln!(out, "{line}")
                .and_then(|_| out.flush())
                .map_err(|e| Error::invalid(format!("cannot report: {e}")))
        };
        while ops == 0 || n < ops {
            let folders = view.folders();
            let others = view.non_root(root);
            let tag = rng.next() % 100_000;
            let op: Vec<String> = match rng.below(10) {
                0 | 1 => {
                    let f = rng.pick(&folders).unwrap().clone();
                    vec!["mkdir".into(), format!("{f}/f{tag}")]
                }
                2 | 3 => {
                    let f = rng.pick(&folders).unwrap().clone();
                    vec!["app".into(), format!("{f}/a{tag}")]
                }
                4 => {
                    let Some(x) = rng.pick(&others).cloned() else {
                        continue;
                    };
                    let dests: Vec<String> = folders
                        .iter()
                        .filter(|d| !within(d, &x) && d.as_str() != parent(&x))
                        .filter(|d| !view.name_taken(d, base(&x)))
                        .cloned()
                        .collect();
                    let Some(d) = rng.pick(&dests).cloned() else {
                        continue;
                    };
                    vec!["mv".into(), x, d]
                }
                5 => {
                    let Some(x) = rng.pick(&others).cloned() else {
                        continue;
                    };
                    vec!["rename".into(), x, format!("r{tag}")]
                }
                6 => {
                    let parents: std::collections::BTreeSet<&str> =
                        view.items.keys().map(|p| parent(p)).collect();
                    let leaves: Vec<String> = others
                        .iter()
                        .filter(|p| !parents.contains(p.as_str()))
                        .cloned()
                        .collect();
                    let Some(x) = rng.pick(&leaves).cloned() else {
                        continue;
                    };
                    vec!["rm".into(), x]
                }
                7 => {
                    let Some(x) = rng.pick(&others).cloned() else {
                        continue;
                    };
                    let s = rng.pick(SUBJECTS).unwrap().to_string();
                    let l = rng.pick(LEVELS).unwrap().to_string();
                    vec!["share".into(), x, s, l]
                }
                8 => {
                    let gs: Vec<(String, String)> = view.grants.keys().cloned().collect();
                    let Some((p, s)) = rng.pick(&gs).cloned() else {
                        continue;
                    };
                    vec!["unshare".into(), p, s]
                }
                _ => {
                    let apps: Vec<String> = view
                        .items
                        .iter()
                        .filter(|(_, k)| **k == ItemKind::App)
                        .map(|(p, _)| p.clone())
                        .collect();
                    let Some(x) = rng.pick(&apps).cloned() else {
                        continue;
                    };
                    let dests: Vec<String> = folders
                        .iter()
                        .filter(|d| !view.name_taken(d, base(&x)))
                        .cloned()
                        .collect();
                    let Some(d) = rng.pick(&dests).cloned() else {
                        continue;
                    };
                    vec!["cp".into(), x, d]
                }
            };
            n += 1;
            say(out, format!("begin\t{n}\t{}", op.join("\t")))?;
            let s = self.session(login)?;
            let res = match op[0].as_str() {
                "mkdir" => s.create(&abs(&op[1]), ItemKind::Folder).map(|_| ()),
                "app" => s.create(&abs(&op[1]), ItemKind::App).map(|_| ()),
                "mv" => s.mv(&abs(&op[1]), &abs(&op[2])).map(|_| ()),
                "rename" => s.rename(&abs(&op[1]), &op[2]).map(|_| ()),
                "rm" => s.rm(&abs(&op[1])).map(|_| ()),
                "share" => s.share(&abs(&op[1]), &op[2], &op[3], "stress").map(|_| ()),
                "unshare" => s.unshare(&abs(&op[1]), &op[2]).map(|_| ()),
                _ => s.cp(&abs(&op[1]), Some(&abs(&op[2]))).map(|_| ()),
            };
            let same = s.take_unchanged().is_some();
            drop(s);
            match res {
                // Already so (a share repeating its level): acknowledged, no audit entry.
                Ok(()) if same => say(out, format!("same\t{n}"))?,
                Ok(()) => {
                    view.apply(&op);
                    say(out, format!("ok\t{n}"))?;
                }
                Err(e) if e.outcome == Outcome::Unavailable => return Err(e),
                Err(e) => say(out, format!("fail\t{n}\t{}", e.outcome.exit_code()))?,
            }
        }
        Ok(n)
    }
}
