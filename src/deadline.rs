//! Every request has a deadline (every wait has a timeout): the time it may
//! take, kept per thread while it runs, so that every database call it
//! makes waits at most what is left (`store::pg_client`), and a server does
//! not begin a change for a client that has given up or gone.
//!
//! - An ordinary request has `$TREEWARD_TIMEOUT` seconds (default 30); a
//!   long job (gen, import, demo, doctor, backup, export, a report's pages,
//!   a schema migration) has `$TREEWARD_LONG_TIMEOUT` (default 3600).
//! - A server answers a client within the client's own deadline (it comes
//!   with the request) and, before it begins a change, checks that the
//!   client is still connected and the deadline not spent ([`before_change`]).
//! - A thread with no deadline (a background thread) waits at most an
//!   ordinary request's time for each database call.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::domain::{Error, Result};

/// The variable that sets an ordinary request's deadline, in seconds.
pub const ORDINARY_VAR: &str = "TREEWARD_TIMEOUT";
/// The variable that sets a long job's deadline, in seconds.
pub const LONG_VAR: &str = "TREEWARD_LONG_TIMEOUT";

fn seconds(var: &str, default: f64) -> Duration {
    std::env::var(var)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9)
        .map(Duration::from_secs_f64)
        .unwrap_or_else(|| Duration::from_secs_f64(default))
}

/// An ordinary request's time (`$TREEWARD_TIMEOUT`, default 30 s).
pub fn ordinary() -> Duration {
    static D: OnceLock<Duration> = OnceLock::new();
    *D.get_or_init(|| seconds(ORDINARY_VAR, 30.0))
}

/// A long job's time (`$TREEWARD_LONG_TIMEOUT`, default an hour).
pub fn long() -> Duration {
    static D: OnceLock<Duration> = OnceLock::new();
    *D.get_or_init(|| seconds(LONG_VAR, 3600.0))
}

/// A request's time by its kind, and the variable that sets it.
pub fn budget(long_job: bool) -> (Duration, &'static str) {
    if long_job {
        (long(), LONG_VAR)
    } else {
        (ordinary(), ORDINARY_VAR)
    }
}

/// Whether the one who asked still waits (a server's client).
pub type Wanted = Rc<dyn Fn() -> bool>;

#[derive(Clone)]
struct Due {
    at: Instant,
    budget: Duration,
    var: &'static str,
    wanted: Option<Wanted>,
}

thread_local! {
    static DUE: RefCell<Option<Due>> = const { RefCell::new(None) };
}

/// Until dropped, this thread works under a deadline; then the one before
/// it (if any) holds again.
#[must_use]
pub struct Guard {
    before: Option<Due>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let before = self.before.take();
        DUE.with(|d| *d.borrow_mut() = before);
    }
}

fn set(due: Due) -> Guard {
    let before = DUE.with(|d| d.borrow_mut().replace(due));
    Guard { before }
}

/// This thread's work ends within `budget` from now, or by the deadline it
/// already has if that is sooner (`var`: the variable that sets it, for
/// messages).
pub fn within(budget: Duration, var: &'static str) -> Guard {
    let at = Instant::now() + budget;
    let current = DUE.with(|d| d.borrow().clone());
    match current {
        Some(c) if c.at <= at => set(c),
        Some(c) => set(Due {
            at,
            budget,
            var,
            wanted: c.wanted,
        }),
        None => set(Due {
            at,
            budget,
            var,
            wanted: None,
        }),
    }
}

/// A server's request: within `at_most` (a little less than the client's
/// time, `budget`, which messages name), and only while `wanted` says the
/// client still waits.
pub fn within_for(at_most: Duration, budget: Duration, var: &'static str, wanted: Wanted) -> Guard {
    set(Due {
        at: Instant::now() + at_most,
        budget,
        var,
        wanted: Some(wanted),
    })
}

/// A long job inside a request (a schema migration): `budget` from now,
/// whatever the request had.
pub fn extended(budget: Duration, var: &'static str) -> Guard {
    let wanted = DUE.with(|d| d.borrow().as_ref().and_then(|d| d.wanted.clone()));
    set(Due {
        at: Instant::now() + budget,
        budget,
        var,
        wanted,
    })
}

/// What is left of this thread's deadline (`None`: it has none).
pub fn remaining() -> Option<Duration> {
    DUE.with(|d| {
        d.borrow()
            .as_ref()
            .map(|d| d.at.saturating_duration_since(Instant::now()))
    })
}

/// The longest a database call on this thread may wait now.
pub fn call_limit() -> Duration {
    remaining().unwrap_or_else(ordinary)
}

/// This thread's deadline in words: "30 s ($TREEWARD_TIMEOUT)".
pub fn described() -> String {
    DUE.with(|d| match d.borrow().as_ref() {
        Some(d) => describe(d.budget, d.var),
        None => describe(ordinary(), ORDINARY_VAR),
    })
}

/// A budget in words.
pub fn describe(budget: Duration, var: &str) -> String {
    let s = budget.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s (${var})")
    } else {
        format!("{s:.1} s (${var})")
    }
}

/// Whether this thread's deadline has passed.
pub fn spent() -> bool {
    remaining().is_some_and(|r| r.is_zero())
}

/// Before a server begins a change for a client: refused (exit 6, nothing
/// changed) when the client has gone or its deadline is spent. A request
/// of this process's own (no client) is not refused here: its database
/// calls are bounded by the deadline instead.
pub fn before_change() -> Result<()> {
    let due = DUE.with(|d| d.borrow().clone());
    let Some(Due {
        at,
        budget,
        var,
        wanted: Some(wanted),
    }) = due
    else {
        return Ok(());
    };
    if !wanted() {
        return Err(Error::unavailable(
            "the client went away before its change began: nothing was changed",
        ));
    }
    if Instant::now() >= at {
        return Err(Error::unavailable(format!(
            "the request's time ran out ({}) before its change began: nothing was changed",
            describe(budget, var)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sooner_deadline_holds_and_the_one_before_comes_back() {
        assert!(remaining().is_none());
        {
            let _outer = within(Duration::from_secs(10), ORDINARY_VAR);
            {
                let _inner = within(Duration::from_secs(100), LONG_VAR);
                assert!(remaining().unwrap() <= Duration::from_secs(10));
                assert!(described().contains("TREEWARD_TIMEOUT"));
            }
            {
                let _inner = within(Duration::from_secs(1), LONG_VAR);
                assert!(remaining().unwrap() <= Duration::from_secs(1));
            }
            assert!(remaining().unwrap() > Duration::from_secs(5));
        }
        assert!(remaining().is_none());
        assert!(before_change().is_ok());
    }

    #[test]
    fn a_server_does_not_begin_a_change_for_a_client_that_is_gone_or_late() {
        let gone: Wanted = Rc::new(|| false);
        let g = within_for(
            Duration::from_secs(10),
            Duration::from_secs(10),
            ORDINARY_VAR,
            gone,
        );
        let e = before_change().unwrap_err();
        assert_eq!(e.outcome.exit_code(), 6);
        assert!(e.message.contains("went away"), "{}", e.message);
        drop(g);
        let here: Wanted = Rc::new(|| true);
        let _g = within_for(Duration::ZERO, Duration::ZERO, ORDINARY_VAR, here);
        let e = before_change().unwrap_err();
        assert!(e.message.contains("ran out"), "{}", e.message);
        assert!(spent());
    }
}
