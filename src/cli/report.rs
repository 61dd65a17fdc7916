//! The entitlement reports, streamed: `access --all` (every user × every
//! item they can view) and `who --recursive PATH` (every item below PATH ×
//! everyone who can view it). Each asks the store a page at a time and
//! writes the rows as they come, in the format asked (`-o`).

use serde_json::{Map, Value};

use super::table::{Format, RowWriter};
use crate::app::entitlements::{Cursor, EntitlementRow, PAGE_ITEMS};
use crate::app::{Reply, Request};
use crate::domain::{Error, Result};

/// Which report.
#[derive(Debug, Clone)]
pub enum Report {
    /// `access --all [--workspace WS]`.
    Everyone { workspace: Option<String> },
    /// `who --recursive PATH [--level L] [--via V]`.
    Below {
        path: String,
        level: Option<String>,
        via: Option<String>,
    },
}

/// The columns of both reports, in order.
pub const COLUMNS: &[&str] = &["login", "path", "kind", "level", "via"];

fn row_map(r: &EntitlementRow) -> Map<String, Value> {
    match serde_json::to_value(r) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Every page of one request, its rows written as they come; returns how many.
fn pages(
    w: &mut RowWriter<'_>,
    ask: &mut dyn FnMut(Request) -> Result<Reply>,
    page: &dyn Fn(Option<Cursor>) -> Request,
) -> Result<usize> {
    let mut after = None;
    let mut n = 0;
    loop {
        let p = match ask(page(after.take()))? {
            Reply::Entitlements(p) => p,
            _ => return Err(Error::unavailable("unexpected answer to a report page")),
        };
        for r in &p.rows {
            w.row(&row_map(r), || super::render::entitlement_line(r))?;
        }
        n += p.rows.len();
        match p.next {
            Some(next) => after = Some(next),
            None => return Ok(n),
        }
    }
}

/// Streams `report` to `out`; returns the number of rows.
pub fn stream(
    report: &Report,
    format: Format,
    out: &mut dyn std::io::Write,
    ask: &mut dyn FnMut(Request) -> Result<Reply>,
) -> Result<usize> {
    let mut w = RowWriter::new(format, out, COLUMNS)?;
    let n = match report {
        Report::Everyone { workspace } => {
            let users = match ask(Request::UserLs)? {
                Reply::Users(u) => u,
                _ => return Err(Error::unavailable("unexpected answer to user ls")),
            };
            let mut n = 0;
            for u in users {
                let page = |after| Request::Entitlements {
                    login: u.login.clone(),
                    workspace: workspace.clone(),
                    after,
                    limit: PAGE_ITEMS,
                };
                n += pages(&mut w, ask, &page)?;
            }
            n
        }
        Report::Below { path, level, via } => {
            let page = |after| Request::WhoBelow {
                path: path.clone(),
                level: level.clone(),
                via: via.clone(),
                after,
                limit: PAGE_ITEMS,
            };
            pages(&mut w, ask, &page)?
        }
    };
    w.finish()?;
    Ok(n)
}
