//! Slow work off the UI thread: the what-if of a dialog, `who` on an item,
//! the search picker's and the filter's walk of a space, matching the
//! filter, and the pages of a long folder scrolling into view. The UI sends
//! a [`Job`] and goes on drawing; the answer comes back tagged with its
//! ticket, and only the latest ticket of each kind is taken (an older answer
//! is dropped: the latest request wins). Queued jobs a newer one of the same
//! kind replaces are never run.
//!
//! Without a worker (the `TestBackend` tests, the benches) a job runs in
//! place through the same [`run`], so both paths answer alike.

use std::collections::HashMap;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::app::review::WhoRow;
use crate::app::{App, Caller, Reply, Request, Session};
use crate::domain::{Action, SpaceRef};

use super::dialog::PickItem;
use super::filter::{FilterIndex, Match};
use super::source::Eyes;
use super::tree::NodeData;
use super::whatif::{key_of, WhatIfView};

type R<T> = crate::domain::Result<T>;

/// Who asks: the acting user, and the inspected one if inspecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asker {
    pub actor: String,
    pub inspected: Option<String>,
}

pub enum Job {
    WhatIf(Request),
    Who(String, Action),
    Search(Vec<SpaceRef>),
    FilterIndex(Vec<SpaceRef>),
    FilterMatch(Arc<FilterIndex>, String),
    /// The next page of node `parent` of tree `tree` (a generation).
    Page {
        node: NodeData,
        after: Vec<u8>,
        parent: usize,
        tree: u64,
    },
}

pub enum Done {
    WhatIf {
        key: String,
        view: WhatIfView,
        cost: Duration,
    },
    Who(Action, R<(String, Vec<WhoRow>)>),
    Search(Vec<PickItem>),
    FilterIndex(R<Arc<FilterIndex>>),
    FilterMatch(String, Vec<Match>),
    Page {
        parent: usize,
        tree: u64,
        page: R<(Vec<NodeData>, Option<Vec<u8>>)>,
    },
}

/// The kind of a job: one latest ticket each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    WhatIf,
    Who,
    Search,
    FilterIndex,
    FilterMatch,
    Page,
}

impl Job {
    pub fn kind(&self) -> Kind {
        match self {
            Job::WhatIf(_) => Kind::WhatIf,
            Job::Who(..) => Kind::Who,
            Job::Search(_) => Kind::Search,
            Job::FilterIndex(_) => Kind::FilterIndex,
            Job::FilterMatch(..) => Kind::FilterMatch,
            Job::Page { .. } => Kind::Page,
        }
    }
}

/// Runs a job (on the worker, or in place).
pub fn run(app: &App, who: &Asker, job: Job) -> Done {
    let sessions = || -> R<(Session<'_>, Option<Session<'_>>)> {
        let actor = app.session(&who.actor)?;
        let inspected = match &who.inspected {
            Some(l) => Some(app.session(l)?),
            None => None,
        };
        Ok((actor, inspected))
    };
    match job {
        Job::WhatIf(req) => what_if(app, &who.actor, req),
        Job::Who(path, can) => Done::Who(
            can,
            app.session(&who.actor).and_then(|s| s.who_can(&path, can)),
        ),
        Job::FilterMatch(ix, q) => {
            let m = ix.matches(&q);
            Done::FilterMatch(q, m)
        }
        Job::Search(spaces) => Done::Search(match sessions() {
            Ok((a, i)) => eyes(&a, &i).search_items(&spaces),
            Err(_) => Vec::new(),
        }),
        Job::FilterIndex(spaces) => {
            Done::FilterIndex(sessions().and_then(|(a, i)| eyes(&a, &i).filter_index(&spaces)))
        }
        Job::Page {
            node,
            after,
            parent,
            tree,
        } => Done::Page {
            parent,
            tree,
            page: sessions().and_then(|(a, i)| eyes(&a, &i).page_of(&node, Some(after))),
        },
    }
}

fn eyes<'s, 'a>(a: &'s Session<'a>, i: &'s Option<Session<'a>>) -> Eyes<'s, 'a> {
    Eyes {
        actor: a,
        inspected: i.as_ref(),
    }
}

/// The what-if of a change: the request run as a `Request::WhatIf` by the
/// acting user, which changes nothing.
fn what_if(app: &App, login: &str, req: Request) -> Done {
    let key = key_of(&req);
    let t = Instant::now();
    let login = login.to_string();
    let asked = app.execute(
        Caller::new(&|| Ok(login.clone())),
        Request::WhatIf(Box::new(req)),
    );
    let view = match asked {
        Ok(Reply::AccessChanged { report, .. }) => WhatIfView::Ready(report.summary),
        Ok(other) => WhatIfView::Failed(format!("unexpected answer: {other:?}")),
        Err(e) => WhatIfView::Failed(e.to_string()),
    };
    Done::WhatIf {
        key,
        view,
        cost: t.elapsed(),
    }
}

/// The UI's end of the worker thread.
pub struct Worker {
    tx: Sender<(u64, Asker, Job)>,
    rx: Receiver<(u64, Done)>,
}

impl Worker {
    /// Starts the worker thread in a scope (it borrows the app).
    pub fn spawn<'scope, 'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        app: &'env App,
    ) -> Worker {
        let (tx, jobs) = channel::<(u64, Asker, Job)>();
        let (done, rx) = channel();
        scope.spawn(move || serve(app, jobs, done));
        Worker { tx, rx }
    }

    pub fn send(&self, ticket: u64, who: Asker, job: Job) {
        let _ = self.tx.send((ticket, who, job));
    }

    pub fn answers(&self) -> Vec<(u64, Done)> {
        self.rx.try_iter().collect()
    }
}

/// The worker's loop: takes every queued job, keeps the latest of each kind
/// (pages of different folders are all kept), runs them, answers. Ends
/// when the UI drops its end.
fn serve(app: &App, jobs: Receiver<(u64, Asker, Job)>, done: Sender<(u64, Done)>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        batch.extend(jobs.try_iter());
        let mut latest: HashMap<Kind, u64> = HashMap::new();
        for (t, _, j) in &batch {
            latest.insert(j.kind(), *t);
        }
        for (ticket, who, job) in batch {
            if job.kind() != Kind::Page && latest.get(&job.kind()) != Some(&ticket) {
                continue;
            }
            if done.send((ticket, run(app, &who, job))).is_err() {
                return;
            }
        }
    }
}
