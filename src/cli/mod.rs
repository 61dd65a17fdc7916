//! The command-line front end: parses SPEC §11, runs one app operation,
//! prints plain text or one JSON document, and maps outcomes to exit codes.

pub mod args;
mod render;

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Parser;
use serde_json::json;

use crate::app::App;
use crate::domain::text::escape;
use crate::domain::*;
pub use args::{Cli, Cmd};

/// What a command printed: text for people, JSON for scripts, and the exit code.
pub struct Out {
    pub text: String,
    pub json: serde_json::Value,
    pub code: i32,
}

impl Out {
    fn ok(text: impl Into<String>, json: serde_json::Value) -> Out {
        Out { text: text.into(), json, code: 0 }
    }
    fn done(msg: impl Into<String>) -> Out {
        let m = msg.into();
        Out { json: json!({ "ok": true, "message": m }), text: m, code: 0 }
    }
}

/// The store directory: `--db`, else `$TREEWARD_DB`, else the data directory.
pub fn store_dir(db: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(d) = db {
        return Ok(d);
    }
    if let Some(d) = std::env::var_os("TREEWARD_DB").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "treeward")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or_else(|| Error::invalid("no data directory is known for this user: pass --db DIR or set TREEWARD_DB"))
}

/// The acting login: `--as`, else `$TREEWARD_USER`, else the OS login name.
pub fn actor_login(as_: Option<String>) -> Result<String> {
    if let Some(a) = as_ {
        return Ok(a);
    }
    if let Ok(u) = std::env::var("TREEWARD_USER") {
        if !u.is_empty() {
            return Ok(u);
        }
    }
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|u| u.name)
        .ok_or_else(|| Error::denied("cannot tell who you are: pass --as LOGIN or set TREEWARD_USER"))
}

/// Parses arguments; usage errors become one `invalid input:` line (exit 2).
pub fn parse_args() -> std::result::Result<Cli, i32> {
    match Cli::try_parse() {
        Ok(c) => Ok(c),
        Err(e) => {
            use clap::error::ErrorKind;
            match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    Err(0)
                }
                _ => {
                    let full = e.render().to_string();
                    let first = full.lines().find(|l| !l.trim().is_empty()).unwrap_or("bad arguments");
                    let first = first.trim_start_matches("error: ");
                    eprintln!("invalid input: {} (see treeward --help)", escape(first));
                    Err(2)
                }
            }
        }
    }
}

/// Runs one command and prints its result; returns the exit code.
pub fn run(cli: Cli) -> i32 {
    let json_mode = cli.json;
    match execute(cli) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            let r = if json_mode {
                writeln!(stdout, "{}", serde_json::to_string_pretty(&out.json).unwrap_or_default())
            } else if out.text.is_empty() {
                Ok(())
            } else {
                writeln!(stdout, "{}", out.text.trim_end_matches('\n'))
            };
            let _ = r.and_then(|_| stdout.flush());
            out.code
        }
        Err(e) => {
            eprintln!("{e}");
            e.outcome.exit_code()
        }
    }
}

fn execute(cli: Cli) -> Result<Out> {
    let Some(cmd) = cli.cmd else {
        return Err(Error::invalid("no command given (the terminal UI is started by main)"));
    };
    let dir = store_dir(cli.db)?;
    let app = App::open(&dir)?;
    // Commands that need no actor.
    match &cmd {
        Cmd::Init { owner } => {
            let a = app.init(owner)?;
            return Ok(Out::ok(
                format!("initialized {}: owner {}, workspace Default Workspace", dir.display(), a.owner),
                json!({ "ok": true, "owner": a.owner, "store": dir }),
            ));
        }
        Cmd::Import { file } => {
            let text = read_input(file)?;
            let e = App::parse_export(&text)?;
            let n = app.import(&e)?;
            return Ok(Out::ok(format!("imported {n} items"), json!({ "ok": true, "items": n })));
        }
        Cmd::Demo => {
            let owner = names::validate_login(&actor_login(cli.as_.clone())?)?;
            let steps = app.demo(&owner)?;
            return Ok(Out::ok(
                format!("demo account created in {} ({steps} operations); you ({owner}) own it.\nTry: treeward --db {} tree", dir.display(), shell_quote(&dir.display().to_string())),
                json!({ "ok": true, "owner": owner, "operations": steps }),
            ));
        }
        Cmd::Export { file } => {
            let text = app.export_json()?;
            return match file {
                Some(f) => {
                    write_private(f, text.as_bytes())?;
                    Ok(Out::ok(format!("exported to {}", f.display()), json!({ "ok": true, "file": f })))
                }
                None => Ok(Out { text: text.clone(), json: serde_json::from_str(&text).unwrap_or_default(), code: 0 }),
            };
        }
        _ => {}
    }
    let login = actor_login(cli.as_)?;
    let s = app.session(&login)?;
    render::command(&s, cmd)
}

fn shell_quote(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn read_input(file: &PathBuf) -> Result<String> {
    let mut bytes = Vec::new();
    let r = if file.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(file).and_then(|mut f| f.read_to_end(&mut bytes)).map(|_| ())
    };
    r.map_err(|e| Error::invalid(format!("cannot read {}: {e}", file.display())))?;
    String::from_utf8(bytes).map_err(|_| Error::invalid(format!("{} is not UTF-8 text", file.display())))
}

/// Export files hold the whole permission structure: owner-only.
fn write_private(path: &PathBuf, data: &[u8]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::invalid(format!("cannot write {}: {e}", path.display())))?;
    f.write_all(data)
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::invalid(format!("cannot write {}: {e}", path.display())))
}
