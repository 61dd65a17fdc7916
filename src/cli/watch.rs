//! `treeward watch`: every committed change, one line each, as the process
//! holding the store pushes it. When the server goes away it says so on stderr
//! (`disconnected, retrying`), reconnects by itself when it is back, and
//! prints the changes made meanwhile from the log. `--since SEQ` starts the
//! same way: the changes after SEQ from the log, then the live ones.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::app::audit::LogFilter;
use crate::app::{Reply, Request};
use crate::domain::{AuditEntry, Result};
use crate::env::Env;
use crate::wire::client::{Called, Client};
use crate::wire::proto::Event;

/// The entries after `after` up to `through` from the log, on a second
/// connection (the first is subscribed). A reader the log is not open to
/// (R32) is told so on stderr.
fn missed(env: &Env, after: u64, through: u64) -> Vec<AuditEntry> {
    let ask = || -> Result<Vec<AuditEntry>> {
        let mut c = Client::connect(&env.socket)?;
        let filter = LogFilter {
            after_seq: Some(after),
            ..LogFilter::default()
        };
        match c.call(
            Request::Log {
                workspace: None,
                filter,
            },
            env.as_.clone(),
        ) {
            Called::Done(Ok(Reply::Log(v))) => Ok(v.into_iter().map(|e| e.entry).collect()),
            Called::Done(Err(e)) => Err(e),
            _ => Err(crate::domain::Error::unavailable("the server went away")),
        }
    };
    match ask() {
        Ok(v) => v.into_iter().filter(|e| e.seq <= through).collect(),
        Err(e) => {
            eprintln!("changes {} to {through} are not shown: {e}", after + 1);
            Vec::new()
        }
    }
}

/// Runs until killed (or stdout is closed).
pub fn watch(mut client: Client, env: &Env, since: Option<u64>) -> Result<super::Out> {
    let (socket, json) = (env.socket.as_path(), env.json);
    let mut last_seq = client.subscribe()?;
    if let Some(since) = since.filter(|s| *s < last_seq) {
        if print_missed(env, since, last_seq).is_err() {
            return Ok(closed());
        }
    }
    loop {
        match client.next_event(Duration::from_secs(3600)) {
            Ok(Some(e)) => {
                last_seq = last_seq.max(e.seq);
                if print(&e, json).is_err() {
                    return Ok(closed());
                }
            }
            Ok(None) => {}
            Err(_) => {
                eprintln!("disconnected, retrying");
                let (c, after) = reconnect(socket);
                client = c;
                eprintln!("reconnected");
                if after > last_seq {
                    // What was committed meanwhile, from the log, in order.
                    if print_missed(env, last_seq, after).is_err() {
                        return Ok(closed());
                    }
                    last_seq = after;
                }
            }
        }
    }
}

/// Prints the changes after `after` up to `through`, from the log.
fn print_missed(env: &Env, after: u64, through: u64) -> std::io::Result<()> {
    for e in missed(env, after, through) {
        let event = Event {
            seq: e.seq,
            entry: Some(e),
            changed: None,
        };
        print(&event, env.json)?;
    }
    Ok(())
}

/// stdout was closed: the watch ends without an error.
fn closed() -> super::Out {
    super::Out {
        text: String::new(),
        json: serde_json::json!({ "ok": true }),
        code: 0,
        rows: None,
    }
}

fn reconnect(socket: &Path) -> (Client, u64) {
    let mut wait = Duration::from_millis(50);
    loop {
        if let Ok(mut c) = Client::connect(socket) {
            if let Ok(after) = c.subscribe() {
                return (c, after);
            }
        }
        std::thread::sleep(wait);
        wait = (wait * 2).min(Duration::from_secs(2));
    }
}

fn print(e: &Event, json: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        // One JSON document per line (a stream).
        let v = serde_json::json!({ "seq": e.seq, "entry": e.entry, "changed": e.changed });
        writeln!(out, "{v}")?;
    } else if let Some(a) = &e.entry {
        writeln!(out, "{}", super::render::log_line(a))?;
    } else if let Some(p) = &e.changed {
        // R35: only that an item the reader can view changed.
        writeln!(
            out,
            "{:>6}  changed: {}",
            e.seq,
            crate::domain::text::escape(p)
        )?;
    } else {
        return Ok(());
    }
    out.flush()
}
