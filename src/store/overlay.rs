//! A read-only view of a store with a change laid over it: what the store
//! would be after the change. What-if answers (`--dry-run`) are computed on it
//! with the same decision function as everything else.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::kv::{Check, Kv, Op, Pairs};
use crate::domain::{Error, Result};

pub struct OverlayKv {
    base: Arc<dyn Kv>,
    /// Some(value): written by the change; None: removed by it.
    over: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl OverlayKv {
    pub fn new(base: Arc<dyn Kv>, ops: &[Op]) -> OverlayKv {
        let mut over = BTreeMap::new();
        for op in ops {
            match op {
                Op::Put(k, v) => over.insert(k.clone(), Some(v.clone())),
                Op::Del(k) => over.insert(k.clone(), None),
            };
        }
        OverlayKv { base, over }
    }
}

impl Kv for OverlayKv {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.over.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.base.get(key),
        }
    }
    fn scan(&self, prefix: &[u8], after: Option<&[u8]>, limit: usize) -> Result<Pairs> {
        let in_range =
            |k: &Vec<u8>| k.starts_with(prefix) && after.is_none_or(|a| k.as_slice() > a);
        let mine: Vec<(&Vec<u8>, &Option<Vec<u8>>)> =
            self.over.iter().filter(|(k, _)| in_range(k)).collect();
        // Each overlaid key can hide at most one base pair: read that many more.
        let base = self
            .base
            .scan(prefix, after, limit.saturating_add(mine.len()))?;
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = base
            .into_iter()
            .filter(|(k, _)| !self.over.contains_key(k))
            .collect();
        for (k, v) in mine {
            if let Some(v) = v {
                merged.insert(k.clone(), v.clone());
            }
        }
        Ok(merged.into_iter().take(limit).collect())
    }
    fn last(&self, prefix: &[u8]) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let mut all = Vec::new();
        let mut after: Option<Vec<u8>> = None;
        loop {
            let page = self.scan(prefix, after.as_deref(), 1000)?;
            let n = page.len();
            after = page.last().map(|p| p.0.clone());
            all.extend(page);
            if n < 1000 {
                return Ok(all.pop());
            }
        }
    }
    fn commit(&self, _checks: &[Check], _ops: &[Op]) -> Result<()> {
        Err(Error::invalid(
            "a what-if view of the store cannot be changed",
        ))
    }
    fn is_empty(&self) -> Result<bool> {
        Ok(self.scan(&[], None, 1)?.is_empty())
    }
    fn size_on_disk(&self) -> Option<u64> {
        None
    }
}
