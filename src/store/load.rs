//! Loads are all or nothing (issue 23 #6). A load — `gen`, `import`, `copy`,
//! `demo`, the store `backup` writes — fills an empty store in many commits;
//! cut short, it leaves part of an account. So it marks the store first,
//! with [`Loading`] in its own durable commit before any record, and its last
//! commit (the one that writes the account) removes the mark. A marked
//! store is refused by every other command (exit 6, one line naming what to
//! do) and reported by `doctor`; a new load refuses it unless told to clear
//! it (`--clear-incomplete`), and clearing removes every record but the
//! store's format. Leftovers are never merged.
//!
//! While a load runs, other processes must not take its mark for an
//! interrupted one: the loading process says so in memory (requests it
//! answers for others), and on a database several processes share it holds
//! the engine's claim ([`Kv::claim_load`]), which dies with it.

use serde::{Deserialize, Serialize};

use super::kv::{Check, Op};
use super::{codec, keys, Store};
use crate::domain::{text, Error, Result, Timestamp};

/// The mark of a load under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loading {
    /// `gen`, `import`, `copy`, `demo` or `backup`.
    pub command: String,
    /// Where a copy comes from (the source store, as shown).
    pub from: Option<String>,
    /// Who ran it.
    pub by: String,
    pub started: Timestamp,
    pub pid: u32,
    pub host: String,
}

impl Loading {
    /// A mark for `command` run by `by` in this process, now.
    pub fn new(command: &str, by: &str, from: Option<String>) -> Loading {
        Loading {
            command: command.into(),
            from,
            by: by.into(),
            started: time::OffsetDateTime::now_utc().unix_timestamp(),
            pid: std::process::id(),
            host: std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_default(),
        }
    }

    fn started_text(&self) -> String {
        time::OffsetDateTime::from_unix_timestamp(self.started)
            .ok()
            .and_then(|t| {
                t.format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
                ))
                .ok()
            })
            .unwrap_or_else(|| self.started.to_string())
    }

    /// `gen (started … by own, process 12 on host)`.
    fn described(&self) -> String {
        let from = match &self.from {
            Some(f) => format!(" from {}", text::escape(f)),
            None => String::new(),
        };
        format!(
            "`{}`{from} (started {} by {}, process {} on {})",
            self.command,
            self.started_text(),
            text::escape(&self.by),
            self.pid,
            text::escape(&self.host)
        )
    }

    /// The command that clears what it left and loads again.
    fn again(&self) -> String {
        match self.command.as_str() {
            "gen" => "`treeward gen --clear-incomplete …`".into(),
            "import" => "`treeward import --clear-incomplete FILE`".into(),
            "copy" => "`treeward copy --clear-incomplete FROM TO`".into(),
            "demo" => "`treeward demo --clear-incomplete`".into(),
            "backup" => "`treeward backup --force DIR` on the backup's directory".into(),
            _ => "a load with `--clear-incomplete`".into(),
        }
    }
}

/// The key of the mark.
pub fn key() -> Vec<u8> {
    keys::meta("loading")
}

/// What a store that is not a whole account holds instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unfinished {
    /// A load is filling it now (this process, or another one of a store
    /// several processes share).
    Running(Loading),
    /// A load was cut short: its mark and what it wrote are left.
    Interrupted(Loading),
    /// Records but no account and no mark: a load of a treeward from before
    /// the marks, cut short.
    Leftovers,
}

impl Unfinished {
    /// The one line other commands answer (store unavailable, exit 6).
    pub fn error(&self, store: &str) -> Error {
        Error::unavailable(self.describe(store))
    }

    /// The store's state in words, with what to do.
    pub fn describe(&self, store: &str) -> String {
        match self {
            Unfinished::Running(m) => format!(
                "{store} is being filled by {}: wait for it to end",
                m.described()
            ),
            Unfinished::Interrupted(m) => format!(
                "{store} holds what an interrupted {} left: not a whole account, so nothing reads it; clear it and load again with {}",
                m.described(),
                m.again()
            ),
            Unfinished::Leftovers => format!(
                "{store} holds records but no account (what an interrupted load left): nothing reads them; clear them and load again with `--clear-incomplete` (gen, import, copy or demo)"
            ),
        }
    }

    /// Who may clear it: the one who ran the load (`None`: anyone who may
    /// fill an empty store).
    pub fn by(&self) -> Option<&str> {
        match self {
            Unfinished::Running(m) | Unfinished::Interrupted(m) => Some(&m.by),
            Unfinished::Leftovers => None,
        }
    }
}

/// Held while a load fills the store: drops the process's mark (and the
/// engine's claim) when the load ends, whichever way.
pub struct LoadGuard<'s> {
    store: &'s Store,
    _claim: Box<dyn Send>,
}

impl Drop for LoadGuard<'_> {
    fn drop(&mut self) {
        self.store
            .loading_here
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The meta records a clear keeps: the store's format, and the mark (it
/// stays until the clear is done, so a clear cut short is still refused).
fn kept() -> Vec<Vec<u8>> {
    vec![keys::meta("magic"), keys::meta("schema"), key()]
}

impl Store {
    /// The mark of a load, if the store holds one.
    pub fn loading(&self) -> Result<Option<Loading>> {
        self.get(&key(), "load mark")
    }

    /// The account and the mark of a load, read together.
    pub fn account_and_mark(&self) -> Result<(Option<crate::domain::Account>, Option<Loading>)> {
        let v = self.kv.get_many(&[keys::meta("account"), key()])?;
        let account = match &v[0] {
            Some(b) => Some(self.decode(b, "account")?),
            None => None,
        };
        let mark = match &v[1] {
            Some(b) => Some(self.decode(b, "load mark")?),
            None => None,
        };
        Ok((account, mark))
    }

    /// The account of a whole store: a store a load left unfinished, or one
    /// with no account yet, is refused with what to do (exit 6).
    pub fn complete_account(&self) -> Result<crate::domain::Account> {
        let (account, mark) = self.account_and_mark()?;
        if let Some(u) = self.unfinished_with(account.is_some(), mark)? {
            return Err(u.error(&self.label()));
        }
        account.ok_or_else(|| {
            Error::unavailable(format!(
                "{} holds no account yet: run `treeward init --owner LOGIN` or `treeward demo`",
                self.label()
            ))
        })
    }

    /// What an unfinished load left, if anything.
    pub fn unfinished(&self) -> Result<Option<Unfinished>> {
        let (account, mark) = self.account_and_mark()?;
        self.unfinished_with(account.is_some(), mark)
    }

    fn unfinished_with(&self, account: bool, mark: Option<Loading>) -> Result<Option<Unfinished>> {
        Ok(match mark {
            Some(m) if self.load_running()? => Some(Unfinished::Running(m)),
            Some(m) => Some(Unfinished::Interrupted(m)),
            None if !account && self.has_leftovers()? => Some(Unfinished::Leftovers),
            None => None,
        })
    }

    /// Whether a load runs now: in this process, or (a shared store) in another.
    fn load_running(&self) -> Result<bool> {
        Ok(self.loading_here.load(std::sync::atomic::Ordering::SeqCst)
            || self.kv.load_claimed_elsewhere()?)
    }

    /// Any record outside the meta table (the store's format, counters).
    fn has_leftovers(&self) -> Result<bool> {
        let first = self.kv.scan(&[], None, 1)?;
        if first.first().is_some_and(|(k, _)| k[0] != keys::META) {
            return Ok(true);
        }
        let past_meta = [keys::META, 0xff, 0xff, 0xff, 0xff];
        Ok(!self.kv.scan(&[], Some(&past_meta), 1)?.is_empty())
    }

    /// Starts a load: refuses a store holding an account (conflict), one a
    /// load fills now, and one a load left unfinished (exit 6: clear it
    /// first, [`Store::clear_incomplete`]); then marks the store, durably,
    /// before the load writes anything. The load's last commit removes the
    /// mark ([`super::Txn::end_load`]); the guard lives until then.
    pub fn begin_load(&self, mark: Loading) -> Result<LoadGuard<'_>> {
        let guard = self.begin_claim(&mark)?;
        let (account, old) = self.account_and_mark()?;
        if account.is_some() && old.is_none() {
            return Err(Error::conflict(format!(
                "{} fills an empty store; this one holds an account",
                mark.command
            )));
        }
        let left = match old {
            Some(m) => Some(Unfinished::Interrupted(m)),
            None if self.has_leftovers()? => Some(Unfinished::Leftovers),
            None => None,
        };
        if let Some(u) = left {
            return Err(u.error(&self.label()));
        }
        // An account made meanwhile (an `init` answered for another
        // process) is not loaded over.
        let no_account = Check::Absent(
            keys::meta("account"),
            format!(
                "{} fills an empty store; this one holds an account",
                mark.command
            ),
        );
        self.kv
            .commit(&[no_account], &[Op::Put(key(), codec::encode(&mark))])?;
        self.cache.invalidate();
        Ok(guard)
    }

    /// Removes every record an unfinished load left (the mark last); returns
    /// how many went. The caller holds the load's claim.
    fn clear_unfinished(&self) -> Result<usize> {
        let n = self.kv.clear_except(&kept())?;
        self.kv.commit(&[], &[Op::Del(key())])?;
        self.cache.invalidate();
        Ok(n)
    }

    /// `--clear-incomplete` on its own: what an interrupted load left goes,
    /// and the store is empty again. Refuses a store a load fills now and a
    /// whole account; an empty store is left as it is. Returns the mark that
    /// was cleared (if any) and how many records went.
    pub fn clear_incomplete(&self) -> Result<(Option<Loading>, usize)> {
        let any = Loading::new("clear", "", None);
        let guard = self.begin_claim(&any)?;
        let (account, old) = self.account_and_mark()?;
        if account.is_some() && old.is_none() {
            return Err(Error::conflict(format!(
                "{} holds a whole account: there is nothing incomplete to clear",
                self.label()
            )));
        }
        if old.is_none() && !self.has_leftovers()? {
            return Ok((None, 0));
        }
        let n = self.clear_unfinished()?;
        drop(guard);
        Ok((old, n))
    }

    /// The process's mark and the engine's claim, without writing a mark.
    fn begin_claim(&self, mark: &Loading) -> Result<LoadGuard<'_>> {
        use std::sync::atomic::Ordering::SeqCst;
        if self.loading_here.swap(true, SeqCst) {
            let m = self.loading()?.unwrap_or_else(|| mark.clone());
            return Err(Unfinished::Running(m).error(&self.label()));
        }
        match self.kv.claim_load() {
            Ok(Some(c)) => Ok(LoadGuard {
                store: self,
                _claim: c,
            }),
            other => {
                self.loading_here.store(false, SeqCst);
                other?;
                let m = self.loading()?.unwrap_or_else(|| mark.clone());
                Err(Unfinished::Running(m).error(&self.label()))
            }
        }
    }
}
