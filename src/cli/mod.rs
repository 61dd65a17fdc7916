//! The command-line front end: parses SPEC §11 into the app layer's
//! [`Request`], renders its [`Reply`] as plain text or one JSON document, and
//! maps outcomes to exit codes. Where the request runs (on a store this
//! process opens, or in the process that holds it) is the launcher's choice.

pub mod args;
pub mod complete;
pub mod man;
pub(crate) mod render;
pub mod report;
pub mod table;
pub mod tests_file;
pub mod watch;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::app::{App, Reply, Request};
use crate::domain::text::escape;
use crate::domain::*;
use crate::env::Env;
use args::*;
pub use args::{Cli, Cmd};

/// What a command printed: text for people, JSON for scripts, and the exit code.
pub struct Out {
    pub text: String,
    pub json: serde_json::Value,
    pub code: i32,
    /// The rows of an answer that is a table held in a document (`who`,
    /// `ls`); an answer that is a JSON array is its own rows.
    pub rows: Option<Vec<serde_json::Map<String, serde_json::Value>>>,
}

impl Out {
    fn ok(text: impl Into<String>, json: serde_json::Value) -> Out {
        Out {
            text: text.into(),
            json,
            code: 0,
            rows: None,
        }
    }
    fn done(msg: impl Into<String>) -> Out {
        let m = msg.into();
        Out {
            json: json!({ "ok": true, "message": m }),
            text: m,
            code: 0,
            rows: None,
        }
    }
}

/// Parses arguments; usage errors become one `invalid input:` line (exit 2).
pub fn parse_args() -> std::result::Result<Cli, i32> {
    match args::try_parse() {
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
                    let mut rendered = e.render().to_string();
                    if let Some(why) = misplaced_option(&e) {
                        rendered = with_tip(&rendered, &why);
                    }
                    eprintln!("invalid input: {}", usage_error(&rendered));
                    Err(2)
                }
            }
        }
    }
}

/// An option of `treeward` itself (`--theme`, `--ascii`, `--dry-run`) given
/// to a command it does not apply to: where it applies.
fn misplaced_option(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    let Some(ContextValue::String(given)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let name = given.split('=').next()?;
    let top = args::command();
    let arg = top
        .get_arguments()
        .find(|a| !a.is_global_set() && a.get_long().is_some_and(|l| name == format!("--{l}")))?;
    Some(format!(
        "this command does not take {name}: {}",
        arg.get_help()?
    ))
}

/// clap's rendered error with `tip` in place of its own tips.
fn with_tip(rendered: &str, tip: &str) -> String {
    let mut lines = rendered
        .lines()
        .filter(|l| !l.trim_start().starts_with("tip: "));
    let first = lines.next().unwrap_or_default();
    let rest: Vec<&str> = lines.collect();
    format!("{first}\ntip: {tip}\n{}", rest.join("\n"))
}

/// clap's usage error in one line, its detail kept: the missing arguments,
/// the "did you mean" tip, and the help of the command it was about.
fn usage_error(rendered: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut help = "treeward --help".to_string();
    for line in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(usage) = line.strip_prefix("Usage: ") {
            // "Usage: treeward check [OPTIONS] <LOGIN> …": the command's own help.
            let words: Vec<&str> = usage
                .split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect();
            if !words.is_empty() {
                help = format!("{} --help", words.join(" "));
            }
            continue;
        }
        if line.starts_with("For more information") {
            continue;
        }
        let line = line.trim_start_matches("error: ");
        let line = line.strip_prefix("tip: ").unwrap_or(line);
        match parts.last_mut() {
            // The arguments a header line ("… not provided:") lists.
            Some(last) if line.starts_with(['<', '-']) => {
                if !last.ends_with(':') {
                    last.push(',');
                }
                last.push(' ');
                last.push_str(line);
            }
            _ => parts.push(line.to_string()),
        }
    }
    if parts.is_empty() {
        parts.push("bad arguments".into());
    }
    escape(&format!("{} (see {help})", parts.join("; ")))
}

/// What the command line asks for, once parsed.
pub enum Invocation {
    /// No command: the terminal UI.
    Ui,
    /// `serve`: hold the store and answer on its socket until stopped.
    Serve,
    /// `migrate [--dry-run]`: a database's schema made or brought up to date.
    Migrate { dry_run: bool },
    /// `watch`: print every change the holder of the store commits (after
    /// those after `since`, from the log).
    Watch { since: Option<u64> },
    /// The hidden `stress-writer` of the crash tests: on a store it opens itself.
    StressWriter {
        seed: u64,
        ops: u64,
        workspace: String,
        root: String,
    },
    /// `test FILE…`: expectations checked; `junit`: where the XML report goes.
    Test {
        files: Vec<PathBuf>,
        junit: Option<PathBuf>,
    },
    /// `access --all`, `who --recursive`: an entitlement report, streamed.
    Report(report::Report),
    /// `copy FROM TO`: every record of one store into another, empty one
    /// (`clear`: what an interrupted load left in TO goes first).
    Copy {
        from: PathBuf,
        to: PathBuf,
        clear: bool,
    },
    /// `completions`, `man`: printed or written here, without the store.
    Offline(Cmd),
    /// `complete`: a completion script's candidates (never an error).
    Complete(complete::Query),
    /// One request of the app layer; `export_to`: the file an export is
    /// written to; `clear_first`: a load's `--clear-incomplete`.
    Run {
        request: Request,
        export_to: Option<PathBuf>,
        clear_first: bool,
    },
}

/// Parses the command line: the launch environment, resolved once, and
/// what to do. Usage errors are printed here (exit 2).
pub fn parse() -> std::result::Result<(Env, Invocation), i32> {
    let cli = parse_args()?;
    if let Some(Cmd::Complete { .. }) = cli.cmd {
        return complete::invocation(cli).ok_or(0);
    }
    let fail = |e: Error| {
        eprintln!("{e}");
        e.outcome.exit_code()
    };
    let mut env = Env::resolve(cli.db, cli.socket, cli.as_).map_err(fail)?;
    env.output = match (cli.output, cli.json) {
        (Some(f), _) => f,
        (None, true) => table::Format::Json,
        (None, false) => table::Format::Text,
    };
    env.json = env.output == table::Format::Json;
    env.dry_run = cli.dry_run;
    env.theme = cli.theme;
    env.ascii = cli.ascii;
    env.quiet = cli.quiet;
    let inv = match cli.cmd {
        None => Invocation::Ui,
        Some(cmd) => invocation(cmd, env.dry_run).map_err(fail)?,
    };
    Ok((env, inv))
}

fn roles_of(words: &[String]) -> Result<Vec<Role>> {
    words.iter().map(|w| w.parse()).collect()
}

/// The request a command makes. Files named on the command line are read
/// and written here, on the caller's side (also when another process holds
/// the store); paths are made absolute for the same reason.
pub fn invocation(cmd: Cmd, dry_run: bool) -> Result<Invocation> {
    if let Cmd::Migrate { dry_run: asked } = cmd {
        return Ok(Invocation::Migrate {
            dry_run: dry_run || asked,
        });
    }
    let inv = invocation_of(cmd)?;
    if !dry_run {
        return Ok(inv);
    }
    // --dry-run: the change's what-if, and nothing changes (SPEC §11). What
    // is not a change of the account (a view, a load, a copy, a server)
    // is refused rather than run for real.
    match inv {
        Invocation::Run {
            request,
            export_to,
            clear_first: false,
        } if request.is_change() => Ok(Invocation::Run {
            request: Request::WhatIf(Box::new(request)),
            export_to,
            clear_first: false,
        }),
        _ => Err(Error::invalid(
            "--dry-run applies to changes of the account (mv, share, rm, user rm, apply …); this command is not one, and nothing was run",
        )),
    }
}

/// The request a command makes, as made for real.
fn invocation_of(cmd: Cmd) -> Result<Invocation> {
    let absolute = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
    let mut export_to = None;
    let cmd = match own_invocation(cmd)? {
        Ok(inv) => return Ok(inv),
        Err(cmd) => cmd,
    };
    let request = match cmd {
        Cmd::Init { owner } => Request::Init { owner },
        Cmd::Apply { file } => Request::Apply {
            entries: crate::app::changes_file::parse(&file.to_string_lossy(), &read_input(&file)?)?,
        },
        Cmd::Export { file, force } => {
            // Checked before the store is opened: a refusal changes nothing.
            if let Some(f) = file.as_ref().filter(|f| !force && f.exists()) {
                return Err(Error::conflict(format!(
                    "{} exists; pass --force to replace it",
                    escape(&f.display().to_string())
                )));
            }
            export_to = file;
            Request::Export
        }
        Cmd::Doctor { repair, backup } => Request::Doctor {
            repair,
            backup: backup.map(absolute),
        },
        Cmd::Backup { dir, force } => Request::Backup {
            dir: absolute(dir),
            force,
        },
        other => request_of(other)?,
    };
    Ok(Invocation::Run {
        request,
        export_to,
        clear_first: false,
    })
}

/// The commands that are not one request of the app layer (or that are
/// one with more to do: a load's `--clear-incomplete`); the others are
/// handed back.
fn own_invocation(cmd: Cmd) -> Result<Result<Invocation, Cmd>> {
    Ok(Ok(match cmd {
        Cmd::Serve => Invocation::Serve,
        Cmd::Copy {
            from,
            to,
            clear_incomplete,
        } => Invocation::Copy {
            from,
            to,
            clear: clear_incomplete,
        },
        Cmd::Watch { since } => Invocation::Watch { since },
        Cmd::Test { files, junit } => Invocation::Test { files, junit },
        Cmd::Access {
            all: true,
            workspace,
            ..
        } => Invocation::Report(report::Report::Everyone { workspace }),
        Cmd::Who {
            path,
            level,
            via,
            recursive: true,
        } => Invocation::Report(report::Report::Below { path, level, via }),
        c @ (Cmd::Completions { .. } | Cmd::Man { .. }) => Invocation::Offline(c),
        Cmd::StressWriter {
            seed,
            ops,
            workspace,
            root,
        } => Invocation::StressWriter {
            seed,
            ops,
            workspace,
            root,
        },
        c @ (Cmd::Import { .. } | Cmd::Demo { .. } | Cmd::Gen { .. }) => {
            let (request, clear_first) = load_request(c)?;
            Invocation::Run {
                request,
                export_to: None,
                clear_first,
            }
        }
        other => return Ok(Err(other)),
    }))
}

/// A load's request (import, demo, gen), and whether `--clear-incomplete`
/// asks to clear what an interrupted load left first.
fn load_request(cmd: Cmd) -> Result<(Request, bool)> {
    Ok(match cmd {
        Cmd::Import {
            file,
            clear_incomplete,
        } => (
            Request::Import {
                text: read_input(&file)?,
            },
            clear_incomplete,
        ),
        Cmd::Demo { clear_incomplete } => (Request::Demo, clear_incomplete),
        Cmd::Gen {
            items,
            users,
            groups,
            org_depth,
            depth,
            grants,
            wide,
            seed,
            clear_incomplete,
        } => (
            Request::Gen(crate::app::request::GenSpec {
                items,
                users,
                groups,
                org_depth,
                depth,
                grants,
                wide,
                seed,
            }),
            clear_incomplete,
        ),
        _ => return Err(Error::invalid("not a load (gen, import or demo)")),
    })
}

/// The request of a command that acts on the account: each group of
/// commands answers its own and hands the others on.
fn request_of(cmd: Cmd) -> Result<Request> {
    type Group = fn(Cmd) -> Result<Result<Request, Cmd>>;
    let groups: [Group; 4] = [
        people_request,
        item_request,
        resource_request,
        review_request,
    ];
    let mut cmd = cmd;
    for group in groups {
        cmd = match group(cmd)? {
            Ok(request) => return Ok(request),
            Err(cmd) => cmd,
        };
    }
    Err(Error::invalid(format!("{cmd:?} makes no request")))
}

/// Users, groups, org units, tenants, workspaces and roles (another command is handed back).
fn people_request(cmd: Cmd) -> Result<Result<Request, Cmd>> {
    Ok(Ok(match cmd {
        Cmd::User(UserCmd::Add {
            login,
            name,
            tenant,
        }) => Request::UserAdd {
            login,
            name,
            tenant,
        },
        Cmd::User(UserCmd::Ls) => Request::UserLs,
        Cmd::User(UserCmd::Rm { login, transfer_to }) => Request::UserRm { login, transfer_to },
        Cmd::Group(g) => match g {
            GroupCmd::Add { group } => Request::GroupAdd { group },
            GroupCmd::Rm { group } => Request::GroupRm { group },
            GroupCmd::Join { group, login } => Request::GroupJoin { group, login },
            GroupCmd::Leave { group, login } => Request::GroupLeave { group, login },
            GroupCmd::Ls => Request::GroupLs,
        },
        Cmd::Org(o) => match o {
            OrgCmd::Add { unit, parent } => Request::OrgAdd { unit, parent },
            OrgCmd::Rm { unit } => Request::OrgRm { unit },
            OrgCmd::Join { unit, login } => Request::OrgJoin { unit, login },
            OrgCmd::Leave { unit, login } => Request::OrgLeave { unit, login },
            OrgCmd::Ls => Request::OrgLs,
        },
        Cmd::Tenant(TenantCmd::Add { tenant }) => Request::TenantAdd { tenant },
        Cmd::Tenant(TenantCmd::Ls) => Request::TenantLs,
        Cmd::Ws(w) => match w {
            WsCmd::Add { name } => Request::WsAdd { name },
            WsCmd::Rename { name, new } => Request::WsRename { name, new },
            WsCmd::Rm { name } => Request::WsRm { name },
            WsCmd::Ls => Request::WsLs,
        },
        Cmd::Role(r) => match r {
            RoleCmd::Grant { ws, login, roles } => Request::RoleGrant {
                ws,
                login,
                roles: roles_of(&roles)?,
            },
            RoleCmd::Revoke {
                ws,
                login,
                roles,
                transfer_to,
            } => Request::RoleRevoke {
                ws,
                login,
                roles: roles_of(&roles)?,
                transfer_to,
            },
            RoleCmd::Ls { ws } => Request::RoleLs { ws },
        },
        other => return Ok(Err(other)),
    }))
}

/// Items, assets, grants and what one sees of them (another command is handed back).
fn item_request(cmd: Cmd) -> Result<Result<Request, Cmd>> {
    Ok(Ok(match cmd {
        Cmd::Mkdir { path } => Request::Mkdir { path },
        Cmd::App { path } => Request::App { path },
        Cmd::Asset(AssetCmd::Add {
            app_path,
            kind,
            name,
        }) => Request::AssetAdd {
            app_path,
            kind,
            name,
        },
        Cmd::Asset(AssetCmd::Rm { asset_path }) => Request::AssetRm { asset_path },
        Cmd::Asset(AssetCmd::Rename {
            asset_path,
            new_name,
        }) => Request::AssetRename {
            asset_path,
            new_name,
        },
        Cmd::Mv { path, dest } => Request::Mv { path, dest },
        Cmd::Rename { path, new_name } => Request::Rename { path, new_name },
        Cmd::Rm { path } => Request::Rm { path },
        Cmd::Cp { path, dest, beside } => Request::Cp {
            path,
            dest: if beside { None } else { dest },
        },
        Cmd::Share {
            path,
            subject,
            level,
            note,
        } => Request::Share {
            path,
            subject,
            level,
            note,
        },
        Cmd::Unshare { path, subject } => Request::Unshare { path, subject },
        Cmd::Leave { path } => Request::Leave { path },
        Cmd::Ls { path } => Request::Ls { path },
        Cmd::Tree { path } => Request::Tree { path },
        Cmd::Check {
            login,
            action,
            path,
            to,
        } => Request::Check {
            login,
            action,
            path,
            to,
        },
        Cmd::Explain { login, path } => Request::Explain { login, path },
        Cmd::Describe { path, text } => Request::Describe { path, text },
        other => return Ok(Err(other)),
    }))
}

/// Workspace resources and integrations (another command is handed back).
fn resource_request(cmd: Cmd) -> Result<Result<Request, Cmd>> {
    Ok(Ok(match cmd {
        Cmd::Resource(r) => match r {
            ResourceCmd::Ls { ws } => Request::ResourceLs { ws },
            ResourceCmd::Set { ws, kind, endpoint } => Request::ResourceSet { ws, kind, endpoint },
            ResourceCmd::Restrict { app_path, kind } => Request::ResourceRestrict {
                app_path,
                kind,
                restrict: true,
            },
            ResourceCmd::Allow { app_path, kind } => Request::ResourceRestrict {
                app_path,
                kind,
                restrict: false,
            },
        },
        Cmd::Integ(i) => match i {
            IntegCmd::Add {
                ws,
                name,
                kind,
                endpoint,
                settings,
            } => Request::IntegAdd {
                ws,
                name,
                kind,
                endpoint,
                settings,
            },
            IntegCmd::Rm { ws, name } => Request::IntegRm { ws, name },
            IntegCmd::Edit {
                ws,
                name,
                endpoint,
                settings,
            } => Request::IntegEdit {
                ws,
                name,
                endpoint,
                settings,
            },
            IntegCmd::Ls { ws } => Request::IntegLs { ws },
            IntegCmd::Attach { app_path, name } => Request::IntegAttach {
                app_path,
                name,
                attach: true,
            },
            IntegCmd::Detach { app_path, name } => Request::IntegAttach {
                app_path,
                name,
                attach: false,
            },
        },
        other => return Ok(Err(other)),
    }))
}

/// The log, grants, who and access (another command is handed back).
fn review_request(cmd: Cmd) -> Result<Result<Request, Cmd>> {
    Ok(Ok(match cmd {
        Cmd::Log {
            workspace,
            since,
            until,
            actor,
            action,
            path,
            access,
        } => Request::Log {
            workspace,
            filter: crate::app::audit::LogFilter {
                since: since.as_deref().map(parse_time).transpose()?,
                until: until.as_deref().map(parse_time).transpose()?,
                actor: actor.map(|a| names::validate_login(&a)).transpose()?,
                action,
                path,
                access,
                after_seq: None,
            },
        },
        Cmd::Grants(GrantsCmd::Ls {
            path,
            subject,
            recursive,
        }) => Request::GrantsLs {
            path,
            subject,
            recursive,
        },
        Cmd::Who {
            path, level, via, ..
        } => Request::Who { path, level, via },
        Cmd::Access {
            login, workspace, ..
        } => Request::Access {
            login: login.unwrap_or_default(),
            workspace,
        },
        other => return Ok(Err(other)),
    }))
}

/// Which treeward command the process `pid` runs, read from its command
/// line: `Some("access")`, `Some("")` for the terminal UI (no command),
/// `None` for a process that is not the treeward binary. Only a command
/// word is ever returned, never an argument (one may hold a connection
/// string).
pub fn command_of(pid: u32) -> Option<String> {
    let line = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let mut words = line
        .split(|b| *b == 0)
        .map(|w| String::from_utf8_lossy(w).into_owned());
    let program = words.next()?;
    if std::path::Path::new(&program).file_name()? != "treeward" {
        return None;
    }
    let top = args::command();
    let commands: Vec<&str> = top
        .get_subcommands()
        .flat_map(|c| std::iter::once(c.get_name()).chain(c.get_all_aliases()))
        .collect();
    Some(
        words
            .find(|w| commands.contains(&w.as_str()))
            .unwrap_or_default(),
    )
}

/// A progress bar for a long request on this terminal (gen).
pub fn progress_bar(request: &Request) -> Option<indicatif::ProgressBar> {
    let Request::Gen(g) = request else {
        return None;
    };
    let bar = indicatif::ProgressBar::new((g.items + g.wide + g.users + g.grants) as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// Prints the result of one request and returns the exit code.
pub fn finish(env: &Env, reply: Result<Reply>, export_to: Option<&Path>) -> i32 {
    let quiet = env.quiet && reply.as_ref().is_ok_and(render::code_answers);
    let out = reply.and_then(|r| match (r, export_to) {
        (Reply::Exported { json }, Some(f)) => {
            write_private(f, json.as_bytes())?;
            Ok(Out::ok(
                format!("exported to {}", f.display()),
                json!({ "ok": true, "file": f }),
            ))
        }
        (r, _) => Ok(render::reply(env, r)),
    });
    match out {
        // `--quiet`: the exit code is the answer.
        Ok(out) if quiet => out.code,
        out => print(env.output, out),
    }
}

/// `completions SHELL` and `man [DIR]`.
pub fn offline(cmd: Cmd) -> Result<Out> {
    match cmd {
        Cmd::Completions { shell } => {
            let script = complete::script(&shell);
            Ok(Out::ok(
                script.clone(),
                json!({ "shell": shell, "script": script }),
            ))
        }
        Cmd::Man { dir: None } => {
            let page = String::from_utf8_lossy(&man::top_page()?).into_owned();
            Ok(Out::ok(page.clone(), json!({ "page": page })))
        }
        Cmd::Man { dir: Some(dir) } => {
            let files = man::write_pages(&dir)?;
            Ok(Out::ok(
                format!("wrote {} man pages to {}", files.len(), dir.display()),
                json!({ "ok": true, "files": files }),
            ))
        }
        other => Err(Error::invalid(format!("{other:?} is no offline command"))),
    }
}

/// The version of the JSON documents' shapes: every document that is an
/// object carries it as `"schema"` (README, "JSON").
pub const JSON_SCHEMA: u64 = 1;

/// Prints what a command produced; returns the exit code.
pub fn print(format: table::Format, out: Result<Out>) -> i32 {
    let out = match out {
        Ok(out) => out,
        Err(e) => return fail(&e),
    };
    let mut stdout = std::io::stdout().lock();
    let r = match format {
        table::Format::Json => {
            let mut doc = out.json;
            if let Some(o) = doc.as_object_mut() {
                o.insert("schema".into(), json!(JSON_SCHEMA));
            }
            let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            writeln!(stdout, "{text}").map_err(table::output_error)
        }
        table::Format::Text if out.text.is_empty() => Ok(()),
        table::Format::Text => writeln!(stdout, "{}", out.text.trim_end_matches('\n'))
            .map_err(table::output_error),
        rows => match out.rows.or_else(|| out.json.is_array().then(|| table::tree_rows(&out.json))) {
            Some(r) => table::write_rows(rows, &r, &mut stdout),
            None => Err(Error::invalid(
                "-o jsonl, csv and tsv apply to answers that are tables (ls, who, access, tree, grants ls, log, user ls, …); this one is not: use -o text or json",
            )),
        },
    };
    let _ = stdout.flush();
    match r {
        Ok(()) => out.code,
        Err(e) => fail(&e),
    }
}

/// Prints one error line; returns its exit code (SPEC §10). A closed
/// output pipe ends the command quietly.
pub fn fail(e: &Error) -> i32 {
    if e.message == table::OUTPUT_CLOSED {
        return 0;
    }
    eprintln!("{e}");
    e.outcome.exit_code()
}

/// The hidden `stress-writer`: random changes on a store this process
/// holds, one line per acknowledged change (the crash tests read them).
pub fn stress_writer(
    app: &App,
    env: &Env,
    seed: u64,
    ops: u64,
    workspace: &str,
    root: &str,
) -> i32 {
    let run = || -> Result<Out> {
        let login = env.actor()?;
        let mut out = std::io::stdout().lock();
        let n = app.stress_writer(&login, workspace, root, seed, ops, &mut out)?;
        Ok(Out::ok(
            String::new(),
            json!({ "ok": true, "operations": n }),
        ))
    };
    print(env.output, run())
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

pub(crate) fn read_input(file: &PathBuf) -> Result<String> {
    let mut bytes = Vec::new();
    let r = if file.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(file)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map(|_| ())
    };
    r.map_err(|e| file_error("read", file, &e))?;
    String::from_utf8(bytes)
        .map_err(|_| Error::invalid(format!("{} is not UTF-8 text", file.display())))
}

/// Export files hold the whole permission structure: owner-only.
pub(crate) fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| file_error("write", path, &e))?;
    f.write_all(data)
        .and_then(|_| f.sync_all())
        .map_err(|e| file_error("write", path, &e))
}

/// A time given on the command line, UTC: a day (`2026-11-30`, its start)
/// or an RFC 3339 instant (`2026-11-30T14:00:00Z`).
fn parse_time(raw: &str) -> Result<Timestamp> {
    use time::format_description::well_known::Rfc3339;
    let day = time::macros::format_description!("[year]-[month]-[day]");
    time::OffsetDateTime::parse(raw, &Rfc3339)
        .map(|t| t.unix_timestamp())
        .or_else(|_| {
            time::Date::parse(raw, &day).map(|d| d.midnight().assume_utc().unix_timestamp())
        })
        .map_err(|_| {
            Error::invalid(format!(
                "time '{}' is not a day (2026-11-30) or an instant (2026-11-30T14:00:00Z)",
                escape(raw)
            ))
        })
}
