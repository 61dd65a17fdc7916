//! The command-line front end: parses SPEC §11, runs one app operation,
//! prints plain text or one JSON document, and maps outcomes to exit codes.

pub mod args;
pub(crate) mod render;

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Parser;
use serde_json::json;

use crate::app::App;
use crate::domain::text::escape;
use crate::domain::*;
pub use args::{Cli, Cmd};
use args::{GroupCmd, OrgCmd, RoleCmd};

/// What a command printed: text for people, JSON for scripts, and the exit code.
pub struct Out {
    pub text: String,
    pub json: serde_json::Value,
    pub code: i32,
}

impl Out {
    fn ok(text: impl Into<String>, json: serde_json::Value) -> Out {
        Out {
            text: text.into(),
            json,
            code: 0,
        }
    }
    fn done(msg: impl Into<String>) -> Out {
        let m = msg.into();
        Out {
            json: json!({ "ok": true, "message": m }),
            text: m,
            code: 0,
        }
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
        .ok_or_else(|| {
            Error::invalid(
                "no data directory is known for this user: pass --db DIR or set TREEWARD_DB",
            )
        })
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
        .ok_or_else(|| {
            Error::denied("cannot tell who you are: pass --as LOGIN or set TREEWARD_USER")
        })
}

/// Parses arguments; usage errors become one `invalid input:` line (exit 2).
pub fn parse_args() -> std::result::Result<Cli, i32> {
    match Cli::try_parse() {
        Ok(c) => Ok(c),
        Err(e) => {
            use clap::error::ErrorKind;
            match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    Err(0)
                }
                _ => {
                    let full = e.render().to_string();
                    let first = full
                        .lines()
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("bad arguments");
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
                writeln!(
                    stdout,
                    "{}",
                    serde_json::to_string_pretty(&out.json).unwrap_or_default()
                )
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
        return Err(Error::invalid(
            "no command given (the terminal UI is started by main)",
        ));
    };
    let dir = store_dir(cli.db)?;
    if let Cmd::Serve = cmd {
        crate::server::serve(&dir, cli.socket)?;
        return Ok(Out::ok(String::new(), json!({ "ok": true })));
    }
    // A server listening for this store answers instead (`--socket`: must).
    let sock = crate::server::socket_path(&dir, cli.socket.as_deref());
    let server = if cli.socket.is_some() {
        Some(crate::server::client::Client::connect(&sock)?)
    } else {
        crate::server::client::probe(&sock)?
    };
    if let Cmd::Watch = cmd {
        let Some(client) = server else {
            return Err(Error::unavailable(format!(
                "watch needs a treeward server, and none listens on {}: start one with `treeward serve`",
                sock.display()
            )));
        };
        return crate::server::watch::watch(client, &sock, cli.json);
    }
    if let Some(client) = server {
        return remote(client, cmd, cli.json, cli.dry_run, cli.as_);
    }
    // Only the commands that fill a store create its directory.
    let creates = matches!(
        cmd,
        Cmd::Init { .. } | Cmd::Demo | Cmd::Gen { .. } | Cmd::Import { .. }
    );
    if !creates {
        crate::store::require_existing(&dir)?;
    }
    let app = App::open(&dir)?;
    let as_ = cli.as_;
    let actor = move || actor_login(as_.clone());
    let ctx = Ctx {
        dir: &dir,
        dry_run: cli.dry_run,
        actor: &actor,
        input: None,
    };
    let bulk = matches!(cmd, Cmd::Gen { .. } | Cmd::Import { .. });
    let out = execute_on(&app, cmd, &ctx);
    if bulk && out.is_ok() {
        drop(app);
        App::settle_after_bulk_load(&dir);
    }
    out
}

/// Sends one command to a `treeward serve`; files named on the command line
/// are read and written here, on the client's side.
fn remote(
    mut client: crate::server::client::Client,
    cmd: Cmd,
    json: bool,
    dry_run: bool,
    as_: Option<String>,
) -> Result<Out> {
    let as_ = as_.or_else(|| {
        std::env::var("TREEWARD_USER")
            .ok()
            .filter(|u| !u.is_empty())
    });
    let absolute = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
    let mut input = None;
    let mut export_to = None;
    let cmd = match cmd {
        Cmd::Import { file } => {
            input = Some(read_input(&file)?);
            Cmd::Import { file }
        }
        Cmd::Export { file: Some(f) } => {
            export_to = Some(f);
            Cmd::Export { file: None }
        }
        Cmd::Backup { dir } => Cmd::Backup { dir: absolute(dir) },
        Cmd::Doctor { repair, backup } => Cmd::Doctor {
            repair,
            backup: backup.map(absolute),
        },
        Cmd::StressWriter { .. } => {
            return Err(Error::invalid(
                "stress-writer runs only on a store it opens itself: stop the server first",
            ))
        }
        c => c,
    };
    let out = client.run(crate::server::proto::RunReq {
        cmd,
        json,
        dry_run,
        as_,
        input,
    })?;
    if let Some(f) = export_to {
        write_private(&f, out.text.as_bytes())?;
        return Ok(Out::ok(
            format!("exported to {}", f.display()),
            json!({ "ok": true, "file": f }),
        ));
    }
    Ok(out)
}

/// How one command runs: where the store is, who acts, and the text of
/// `import`'s file when a remote client sent it.
pub(crate) struct Ctx<'a> {
    pub dir: &'a std::path::Path,
    pub dry_run: bool,
    /// The acting login: `--as` and its defaults embedded; the socket's peer
    /// (or whom the service account names) on a server.
    pub actor: &'a dyn Fn() -> Result<String>,
    pub input: Option<String>,
}

/// Runs one command on an open store: the embedded mode, and the server.
pub(crate) fn execute_on(app: &App, cmd: Cmd, ctx: &Ctx<'_>) -> Result<Out> {
    let dir = ctx.dir;
    // Commands that need no actor.
    match &cmd {
        Cmd::Init { owner } => {
            let a = app.init(owner)?;
            return Ok(Out::ok(
                format!(
                    "initialized {}: owner {}, workspace Default Workspace",
                    dir.display(),
                    a.owner
                ),
                json!({ "ok": true, "owner": a.owner, "store": dir }),
            ));
        }
        Cmd::Import { file } => {
            let text = match &ctx.input {
                Some(t) => t.clone(),
                None => read_input(file)?,
            };
            let e = App::parse_export(&text)?;
            let n = app.import(&e)?;
            return Ok(Out::ok(
                format!("imported {n} items"),
                json!({ "ok": true, "items": n }),
            ));
        }
        Cmd::Demo => {
            let owner = names::validate_login(&(ctx.actor)()?)?;
            let steps = app.demo(&owner)?;
            return Ok(Out::ok(
                format!("demo account created in {} ({steps} operations); you ({owner}) own it.\nTry: treeward --db {} tree", dir.display(), shell_quote(&dir.display().to_string())),
                json!({ "ok": true, "owner": owner, "operations": steps }),
            ));
        }
        Cmd::Gen {
            items,
            users,
            groups,
            org_depth,
            depth,
            grants,
            wide,
            seed,
        } => {
            let owner = names::validate_login(&(ctx.actor)()?)?;
            let spec = crate::app::gen::GenSpec {
                items: *items,
                users: *users,
                groups: *groups,
                org_depth: *org_depth,
                depth: *depth,
                grants: *grants,
                wide: *wide,
                seed: *seed,
            };
            let bar = indicatif::ProgressBar::new((items + wide + users + grants) as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let started = std::time::Instant::now();
            let sum = app.generate(&owner, &spec, &mut |done, _| bar.set_position(done as u64))?;
            bar.finish_and_clear();
            let secs = started.elapsed().as_secs_f64();
            return Ok(Out::ok(
                format!(
                    "generated in {secs:.1} s: {} items ({} folders, {} apps, depth {}), {} assets, {} users ({} tenant users), {} groups, {} org units, {} workspaces, {} grants; owner {owner}",
                    sum.items, sum.folders, sum.apps, sum.max_depth, sum.assets, sum.users, sum.tenant_users, sum.groups, sum.org_units, sum.workspaces, sum.grants
                ),
                json!({ "ok": true, "seconds": secs, "summary": sum }),
            ));
        }
        Cmd::Doctor { repair, backup } => return doctor(app, *repair, backup.as_deref()),
        Cmd::Backup { dir: to } => {
            let b = app.backup(to)?;
            return Ok(Out::ok(
                format!(
                    "backed up {} items to {} ({} and the store {})",
                    b.items,
                    b.dir.display(),
                    b.export.display(),
                    b.store.display()
                ),
                json!({ "ok": true, "backup": b }),
            ));
        }
        Cmd::StressWriter {
            seed,
            ops,
            workspace,
            root,
        } => {
            let login = (ctx.actor)()?;
            let mut out = std::io::stdout().lock();
            let n = app.stress_writer(&login, workspace, root, *seed, *ops, &mut out)?;
            return Ok(Out::ok(
                String::new(),
                json!({ "ok": true, "operations": n }),
            ));
        }
        Cmd::Export { file } => {
            let text = app.export_json()?;
            return match file {
                Some(f) => {
                    write_private(f, text.as_bytes())?;
                    Ok(Out::ok(
                        format!("exported to {}", f.display()),
                        json!({ "ok": true, "file": f }),
                    ))
                }
                None => Ok(Out {
                    text: text.clone(),
                    json: serde_json::from_str(&text).unwrap_or_default(),
                    code: 0,
                }),
            };
        }
        _ => {}
    }
    let login = (ctx.actor)()?;
    if alters_access(&cmd) {
        // Who gains and who loses what: before the change with --dry-run, after it without.
        let (mut out, report) =
            app.with_access_report(&login, ctx.dry_run, |s| render::command(s, cmd.clone()))?;
        if ctx.dry_run {
            out.text = format!("dry run: nothing changed. {}", out.text);
            out.json["dry_run"] = json!(true);
        }
        out.text
            .push_str(&format!("\naccess: {}", report.summary.join("\naccess: ")));
        out.json["access"] = serde_json::to_value(&report).unwrap_or_default();
        return Ok(out);
    }
    if ctx.dry_run {
        return Err(Error::invalid(
            "--dry-run applies to changes that alter access: mv, share, unshare, rm, role, group and org changes",
        ));
    }
    let s = app.session(&login)?;
    render::command(&s, cmd)
}

/// `doctor`: one line per problem; exit 0 when clean, 5 when problems remain.
fn doctor(app: &App, repair: bool, backup: Option<&std::path::Path>) -> Result<Out> {
    let r = app.doctor(repair, backup)?;
    let mut text = String::new();
    for p in &r.problems {
        text.push_str(&format!("problem: {}\n", escape(&p.text)));
    }
    if let Some(b) = &r.backup {
        text.push_str(&format!(
            "backup written to {}\nrepaired {} entries; {} problems remain\n",
            b.display(),
            r.repaired,
            r.remaining.len()
        ));
        for p in &r.remaining {
            text.push_str(&format!("remains: {}\n", escape(&p.text)));
        }
    } else if repair && !r.problems.is_empty() {
        text.push_str("nothing here is safe to repair automatically; restore a backup\n");
    }
    let clean = r.clean();
    if r.problems.is_empty() {
        text.push_str(&format!(
            "store is consistent ({} records checked)\n",
            r.records
        ));
    }
    let list = |v: &Vec<crate::app::doctor::Problem>| -> Vec<String> {
        v.iter().map(|p| p.text.clone()).collect()
    };
    Ok(Out {
        json: json!({
            "ok": clean,
            "records": r.records,
            "problems": list(&r.problems),
            "repaired": r.repaired,
            "remaining": list(&r.remaining),
            "backup": r.backup,
        }),
        text,
        code: if clean { 0 } else { 5 },
    })
}

/// Commands whose change can alter who reaches what (what-if reports).
fn alters_access(cmd: &Cmd) -> bool {
    matches!(
        cmd,
        Cmd::Mv { .. }
            | Cmd::Share { .. }
            | Cmd::Unshare { .. }
            | Cmd::Rm { .. }
            | Cmd::Leave { .. }
            | Cmd::Role(RoleCmd::Grant { .. } | RoleCmd::Revoke { .. })
            | Cmd::Group(GroupCmd::Join { .. } | GroupCmd::Leave { .. } | GroupCmd::Rm { .. })
            | Cmd::Org(OrgCmd::Join { .. } | OrgCmd::Leave { .. } | OrgCmd::Rm { .. })
    )
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
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
        std::fs::File::open(file)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map(|_| ())
    };
    r.map_err(|e| Error::invalid(format!("cannot read {}: {e}", file.display())))?;
    String::from_utf8(bytes)
        .map_err(|_| Error::invalid(format!("{} is not UTF-8 text", file.display())))
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
