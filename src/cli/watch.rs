//! `treeward watch`: every committed change, one line each, as the process
//! holding the store pushes it. When the server goes away it says so on stderr
//! (`disconnected, retrying`) and reconnects by itself when it is back.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::domain::Result;
use crate::wire::client::Client;
use crate::wire::proto::Event;

/// Runs until killed (or stdout is closed).
pub fn watch(mut client: Client, socket: &Path, json: bool) -> Result<super::Out> {
    let mut last_seq = client.subscribe()?;
    loop {
        match client.next_event(Duration::from_secs(3600)) {
            Ok(Some(e)) => {
                last_seq = last_seq.max(e.seq);
                if print(&e, json).is_err() {
                    return Ok(super::Out {
                        text: String::new(),
                        json: serde_json::json!({ "ok": true }),
                        code: 0,
                        rows: None,
                    });
                }
            }
            Ok(None) => {}
            Err(_) => {
                eprintln!("disconnected, retrying");
                let (c, after) = reconnect(socket);
                client = c;
                if after > last_seq {
                    eprintln!("reconnected; changes {} to {after} happened meanwhile (see `treeward log`)", last_seq + 1);
                    last_seq = after;
                } else {
                    eprintln!("reconnected");
                }
            }
        }
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
        let v = serde_json::json!({ "seq": e.seq, "entry": e.entry });
        writeln!(out, "{v}")?;
    } else if let Some(a) = &e.entry {
        writeln!(out, "{}", super::render::log_line(a))?;
    } else {
        return Ok(());
    }
    out.flush()
}
