//! The what-if of a dialog whose change alters access: what the dialog
//! shows of it, and the answers kept per request. The change is the dialog's
//! request run as a `Request::WhatIf` (nothing changes), on the worker
//! thread when there is one: the dialog says "working out…" meanwhile and
//! keys are never held up by it.
//!
//! Without a worker (tests) it is computed in place when the inputs settle:
//! at once while answers come fast, and after [`SETTLE`] without input once
//! one took longer than [`SLOW`], so moving through a picker never waits.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::app::Request;
use crate::domain::text::escape;

use super::model::Tone;

/// Quiet time after the last input before a slow what-if is computed.
pub const SETTLE: Duration = Duration::from_millis(300);
/// A what-if that took longer than this is computed only when inputs settle.
pub const SLOW: Duration = Duration::from_millis(30);

/// The key of a request in the what-if cache (`Request` is not `Hash`).
pub fn key_of(req: &Request) -> String {
    format!("{req:?}")
}

/// What a dialog shows of its what-if.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhatIfView {
    /// Not computed yet (inputs have not settled).
    Pending,
    /// The summary lines ("2 user(s) gain editor on 4 items below …"); empty: nobody's access changes.
    Ready(Vec<String>),
    /// The change would be refused, or the answer failed.
    Failed(String),
}

impl WhatIfView {
    /// The lines shown in the dialog, with their tone.
    pub fn lines(&self) -> Vec<(Tone, String)> {
        let mut out = vec![(
            Tone::Heading,
            "What this changes (nothing is changed yet):".into(),
        )];
        match self {
            WhatIfView::Pending => {
                out.push((Tone::Dim, "  working out who gains or loses…".into()))
            }
            WhatIfView::Ready(l) if l.is_empty() => {
                out.push((Tone::Ok, "  nobody's access changes".into()))
            }
            WhatIfView::Ready(l) => {
                const MAX: usize = 8;
                for s in l.iter().take(MAX) {
                    out.push((Tone::Normal, format!("  {}", escape(s))));
                }
                if l.len() > MAX {
                    out.push((Tone::Dim, format!("  … and {} more lines", l.len() - MAX)));
                }
            }
            WhatIfView::Failed(e) => out.push((Tone::Bad, format!("  {}", escape(e)))),
        }
        out
    }
}

/// The what-if of the open dialog: what is wanted, since when, and the answers so far.
#[derive(Debug)]
pub struct WhatIfState {
    pub want: Option<Request>,
    pub since: Instant,
    /// Answers by request (its [`key_of`]).
    pub cache: HashMap<String, WhatIfView>,
    /// The store generation the cache belongs to.
    pub cache_gen: u64,
    /// An answer took longer than [`SLOW`]: wait for inputs to settle.
    pub slow: bool,
    /// How long the last answer took.
    pub last_cost: Duration,
    /// The request last sent to be answered (not asked twice).
    pub asked: Option<String>,
}

impl Default for WhatIfState {
    fn default() -> Self {
        WhatIfState {
            want: None,
            since: Instant::now(),
            cache: HashMap::new(),
            cache_gen: 0,
            slow: false,
            last_cost: Duration::ZERO,
            asked: None,
        }
    }
}
