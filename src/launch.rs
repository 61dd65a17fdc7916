//! The launcher: composes the front ends. It finds who answers for the
//! store — the process that holds it, on its socket, or the store itself,
//! opened here — and, when this process holds the store for longer than a
//! moment (the terminal UI, `serve`, any command that runs longer than
//! [`ANSWER_AFTER`]: a report, an export, a load), answers other treeward
//! processes on the store's socket meanwhile (`crate::server::Listener`), so
//! that nobody waits on a busy holder.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::app::{App, Caller, Reply, Request};
use crate::cli::{self, Invocation};
use crate::domain::{Error, Result};
use crate::env::Env;
use crate::server::{self, Listener};
use crate::wire::client::{self, Called, Client};

/// How long a process waits for a store that another process is opening,
/// closing or using for a moment, before it gives up (exit 6).
/// `$TREEWARD_WAIT_MS` sets it (tests).
fn patience() -> Duration {
    std::env::var("TREEWARD_WAIT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(15))
}

/// Who answers for the store.
enum Reached {
    /// Another process holds it and answers on its socket.
    Holder(Client),
    /// This process opened it (boxed: a store is larger than a connection).
    Opened(Box<App>),
}

/// Finds who answers for the store: the holder on its socket, else the store
/// opened here. While another process holds the lock without answering (it
/// is opening or closing the store, or is a short command), waits and tries
/// again, up to [`patience`].
fn reach(env: &Env, creates: bool) -> Result<Reached> {
    if env.socket_given {
        return Client::connect(&env.socket).map(Reached::Holder);
    }
    if let Some(url) = env.postgres() {
        // A database: a holder answers for it when one runs here (clients
        // without the database's credentials go through it); else this
        // process connects itself, beside any others.
        if let Some(c) = client::probe(&env.socket, patience().min(client::HANDSHAKE_WAIT))? {
            return Ok(Reached::Holder(c));
        }
        return match App::open_postgres(url) {
            Ok(app) => Ok(Reached::Opened(Box::new(app))),
            // Say where the server was looked for: a login without the
            // database's credentials goes through it (issue 24 #5).
            Err(mut e) if e.outcome == crate::domain::Outcome::Unavailable => {
                e.message = format!(
                    "{}; no treeward serve answered on {} (--socket or $TREEWARD_SOCKET names another)",
                    e.message,
                    crate::domain::text::escape(&env.socket.display().to_string())
                );
                Err(e)
            }
            Err(e) => Err(e),
        };
    }
    let started = Instant::now();
    let mut pause = Duration::from_millis(2);
    loop {
        // A holder that is there but silent (stopped, stuck) is waited for
        // no longer than the rest of the patience.
        let left = patience().saturating_sub(started.elapsed());
        let wait = left.clamp(Duration::from_millis(50), client::HANDSHAKE_WAIT);
        if let Some(c) = client::probe(&env.socket, wait)? {
            return Ok(Reached::Holder(c));
        }
        if !creates {
            App::require_existing(&env.store)?;
        }
        if let Some(app) = App::open_unless_busy(&env.store)? {
            return Ok(Reached::Opened(Box::new(app)));
        }
        if started.elapsed() >= patience() {
            return Err(not_answering(env));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// A store held by a process that does not answer on its socket: named by
/// its pid and treeward command word (never its arguments: they may hold a
/// connection string), as the kernel tells (`/proc/locks`, its command line).
fn not_answering(env: &Env) -> Error {
    let pid = App::holder_of(&env.store);
    let who = match pid.map(|p| (p, cli::command_of(p))) {
        Some((pid, Some(word))) if word.is_empty() => {
            format!("treeward process {pid} (`treeward`, the terminal UI)")
        }
        Some((pid, Some(word))) => format!("treeward process {pid} (`treeward {word}`)"),
        Some((pid, None)) => format!("process {pid}"),
        None => "another process".to_string(),
    };
    Error::unavailable(format!(
        "{} is held by {who}, which does not answer on {} (stopped, stuck, or an older treeward): wait for it to end, or stop it",
        env.store.display(),
        env.socket.display()
    ))
}

/// How long a command works on a store it opened before it answers other
/// processes on the store's socket: a short command never does, anything
/// longer (a report, an export, `log`, a test file, a big change) does.
const ANSWER_AFTER: Duration = Duration::from_millis(200);

/// While it lives, this process answers other treeward processes on the
/// store's socket (a [`Listener`] beside its own work on the store it
/// opened): at once, or once the work has lasted [`ANSWER_AFTER`]. Dropped
/// when the work is done: the listener answers what it read and stops.
struct Answering {
    done: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Answering {
    fn start(env: &Env, app: &Arc<App>, at_once: bool) -> Answering {
        // A database needs no holder for a short command: every process
        // connects by itself.
        if env.postgres().is_some() && !at_once {
            return Answering {
                done: None,
                thread: None,
            };
        }
        let (tx, rx) = mpsc::channel::<()>();
        let (app, sock) = (app.clone(), env.socket.clone());
        let wait = if at_once {
            Duration::ZERO
        } else {
            ANSWER_AFTER
        };
        let thread = std::thread::Builder::new()
            .name("answer".into())
            .spawn(move || {
                if rx.recv_timeout(wait) != Err(mpsc::RecvTimeoutError::Timeout) {
                    return; // done before it was worth it
                }
                let l =
                    Listener::start(app, &sock, Some(crate::tui::remote::host), "command", true);
                let _ = rx.recv(); // until the work is done
                drop(l);
            })
            .ok();
        Answering {
            done: Some(tx),
            thread,
        }
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A store reached for many requests (a report's pages, test files): its
/// holder, or the store opened here, answering others meanwhile.
enum Asked {
    Holder(Client),
    Here {
        app: Arc<App>,
        _answering: Answering,
    },
}

fn reach_for_many(env: &Env) -> Result<Asked> {
    Ok(match reach(env, false)? {
        Reached::Holder(c) => Asked::Holder(c),
        Reached::Opened(app) => {
            let app: Arc<App> = Arc::from(app);
            let _answering = Answering::start(env, &app, false);
            Asked::Here { app, _answering }
        }
    })
}

/// `test FILE…`: each file's assertions, asked of the store its set-up
/// describes (built in memory) or of the store given, reached once.
fn test_files(
    env: &Env,
    files: &[std::path::PathBuf],
    junit: Option<&std::path::Path>,
) -> Result<cli::Out> {
    use crate::app::expect;
    let mut results = Vec::new();
    let mut reached: Option<Asked> = None;
    for path in files {
        let loaded = cli::tests_file::load(path)?;
        let outcomes = match &loaded.file.setup {
            Some(setup) => {
                let (app, owner) = App::for_setup(setup, loaded.export.as_deref())?;
                let who = move || Ok(owner.clone());
                expect::run(&loaded.file, &mut |req| app.execute(Caller::new(&who), req))
            }
            None => {
                if reached.is_none() {
                    reached = Some(reach_for_many(env)?);
                }
                let Some(r) = reached.as_mut() else {
                    unreachable!("reached just above")
                };
                expect::run(&loaded.file, &mut |req| ask(env, r, req))
            }
        };
        results.push((loaded.path, outcomes));
    }
    cli::tests_file::report(&results, junit)
}

/// One request of many, to the store reached once for all of them.
fn ask(env: &Env, reached: &mut Asked, request: Request) -> Result<Reply> {
    match reached {
        Asked::Holder(c) => match c.call(request, env.as_.clone()) {
            Called::Done(r) => r,
            Called::Retry => Err(Error::unavailable(
                "the process holding the store went away; run the tests again",
            )),
        },
        Asked::Here { app, .. } => {
            let login = || env.actor();
            app.execute(Caller::new(&login), request)
        }
    }
}

/// The binary: parse, then run what was asked. Returns the exit code.
pub fn main() -> i32 {
    let (env, inv) = match cli::parse() {
        Ok(x) => x,
        Err(code) => return code,
    };
    match inv {
        Invocation::Ui => ui(&env),
        Invocation::Serve => serve(&env),
        Invocation::Migrate { dry_run } => {
            let out = match env.postgres() {
                Some(url) => crate::store::pg_migrate::migrate(url, dry_run).map(|lines| {
                    for l in lines {
                        println!("{l}");
                    }
                }),
                None => Err(Error::invalid(
                    "migrate is for a database store (--db postgresql://…); a directory store is brought up to date when it is opened",
                )),
            };
            match out {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("{e}");
                    e.outcome.exit_code()
                }
            }
        }
        Invocation::Watch { since } => {
            let c = if env.socket_given {
                Client::connect(&env.socket).map(Some)
            } else {
                client::probe(&env.socket, client::HANDSHAKE_WAIT)
            };
            let out = c.and_then(|c| match c {
                Some(c) => cli::watch::watch(c, &env, since),
                None => Err(Error::unavailable(format!(
                    "watch needs a treeward process holding the store, and none answers on {}: start one with `treeward serve` (or open the terminal UI)",
                    env.socket.display()
                ))),
            });
            cli::print(env.output, out)
        }
        Invocation::StressWriter {
            seed,
            ops,
            workspace,
            root,
        } => match reach(&env, false) {
            Ok(Reached::Opened(app)) => cli::stress_writer(&app, &env, seed, ops, &workspace, &root),
            Ok(Reached::Holder(_)) => cli::fail(&Error::invalid(
                "stress-writer runs only on a store it opens itself: stop the process holding it first",
            )),
            Err(e) => cli::fail(&e),
        },
        Invocation::Copy { from, to, clear } => {
            cli::print(env.output, copy(&env, from, to, clear))
        }
        Invocation::Report(report) => match reach_for_many(&env) {
            Ok(mut reached) => {
                let mut stdout = std::io::stdout().lock();
                let r = cli::report::stream(&report, env.output, &mut stdout, &mut |req| {
                    ask(&env, &mut reached, req)
                });
                r.map_or_else(|e| cli::fail(&e), |_| 0)
            }
            Err(e) => cli::fail(&e),
        },
        Invocation::Test { files, junit } => match test_files(&env, &files, junit.as_deref()) {
            // `--quiet`: the exit code is the answer.
            Ok(out) if env.quiet => out.code,
            out => cli::print(env.output, out),
        },
        Invocation::Offline(cmd) => cli::print(env.output, cli::offline(cmd)),
        Invocation::Complete(query) => cli::complete::answer(&query, &mut |r| run(&env, r)),
        Invocation::Run {
            request,
            export_to,
            clear_first,
        } => {
            let reply = clear_incomplete(&env, clear_first).and_then(|_| run(&env, request));
            cli::finish(&env, reply, export_to.as_deref())
        }
    }
}

/// Runs one request where the store is: in its holder, or here. A store
/// directory the request made and then failed to fill (an import of a file
/// that is not an export) is removed again.
pub fn run(env: &Env, request: Request) -> Result<Reply> {
    let made_here = request.creates_store() && env.postgres().is_none() && !env.store().exists();
    let r = run_somewhere(env, request);
    if r.is_err() && made_here && env.store().exists() {
        let _ = std::fs::remove_dir_all(env.store());
    }
    r
}

fn run_somewhere(env: &Env, request: Request) -> Result<Reply> {
    if let Some(r) = doctor_damaged(env, &request, None)? {
        return Ok(r);
    }
    loop {
        let reached = match reach(env, request.creates_store()) {
            Ok(r) => r,
            Err(e) => return doctor_damaged(env, &request, Some(&e))?.ok_or(e),
        };
        match reached {
            Reached::Holder(mut c) => match c.call(request.clone(), env.as_.clone()) {
                Called::Done(r) => return r,
                // The holder went away without doing it: find the next one.
                Called::Retry => std::thread::sleep(Duration::from_millis(5)),
            },
            Reached::Opened(app) => return run_here(env, *app, request),
        }
    }
}

/// `doctor` on a store directory whose data is damaged, read from its files
/// (`app::salvage`); `None` for any other request or store, or when the
/// data reads whole (`failed`: the ordinary open's error, if it was tried).
fn doctor_damaged(env: &Env, request: &Request, failed: Option<&Error>) -> Result<Option<Reply>> {
    let local = !env.socket_given && env.postgres().is_none();
    if !local || !matches!(request, Request::Doctor { .. }) {
        return Ok(None);
    }
    if failed.is_some_and(|e| !crate::app::salvage::is_damage(e)) {
        return Ok(None);
    }
    let login = || env.actor();
    crate::app::salvage::doctor_if_damaged(&env.store, request, Caller::new(&login), failed)
}

/// A load's `--clear-incomplete`: what an interrupted load left in the
/// store goes before the load runs (said on stderr; nothing to clear in a
/// store directory not made yet).
fn clear_incomplete(env: &Env, asked: bool) -> Result<()> {
    if !asked || (env.postgres().is_none() && !env.store().exists()) {
        return Ok(());
    }
    if let Reply::Done { message } = run(env, Request::ClearIncomplete)? {
        if !env.quiet {
            eprintln!("{}", crate::domain::text::escape(&message));
        }
    }
    Ok(())
}

/// `copy FROM TO`: an export of FROM (one consistent state: through its
/// holder when one runs, else in one read snapshot or under the writer
/// lock) imported into TO, which must be empty (`clear`: after what an
/// interrupted load left there is cleared); both reached as any command
/// reaches a store, so FROM may be in use meanwhile. TO is marked as being
/// loaded until the copy is whole (`store::load`).
fn copy(
    env: &Env,
    from: std::path::PathBuf,
    to: std::path::PathBuf,
    clear: bool,
) -> Result<cli::Out> {
    let at = |store: std::path::PathBuf| -> Result<Env> {
        let mut e = Env::resolve(Some(store), None, env.as_.clone())?;
        e.json = env.json;
        e.output = env.output;
        Ok(e)
    };
    let (src, dst) = (at(from)?, at(to)?);
    let json = match run(&src, Request::Export)? {
        Reply::Exported { json } => json,
        other => {
            return Err(Error::unavailable(format!(
                "unexpected reply to an export: {other:?}"
            )))
        }
    };
    clear_incomplete(&dst, clear)?;
    let copy_in = Request::CopyIn {
        text: json,
        from: src.store_label.clone(),
    };
    let items = match run(&dst, copy_in)? {
        Reply::Imported { items } => items,
        other => {
            return Err(Error::unavailable(format!(
                "unexpected reply to an import: {other:?}"
            )))
        }
    };
    Ok(cli::Out {
        text: format!(
            "copied {items} items from {} to {}",
            src.store_label, dst.store_label
        ),
        json: serde_json::json!({ "ok": true, "items": items, "from": src.store_label, "to": dst.store_label }),
        code: 0,
        rows: None,
    })
}

/// Runs a request on a store this process opened, answering other
/// processes meanwhile if it lasts (a long one at once).
fn run_here(env: &Env, app: App, request: Request) -> Result<Reply> {
    let bulk = request.is_bulk_load();
    let app = Arc::new(app);
    let answering = Answering::start(env, &app, request.is_long());
    let bar = cli::progress_bar(&request);
    let mut progress = |done: usize, _total: usize| {
        if let Some(b) = &bar {
            b.set_position(done as u64)
        }
    };
    let login = || env.actor();
    let caller = Caller {
        login: &login,
        progress: Some(&mut progress),
        service: false,
    };
    let reply = app.execute(caller, request);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    drop(answering);
    if bulk && reply.is_ok() && env.postgres().is_none() {
        drop(app);
        App::settle_after_bulk_load(&env.store);
    }
    reply
}

/// `treeward` with no command: the terminal UI, in the holder or here. When
/// the holder quits, this process takes the store and goes on with a UI of
/// its own.
fn ui(env: &Env) -> i32 {
    let mut took_over = false;
    loop {
        match reach(env, false) {
            Err(e) => return cli::fail(&e),
            Ok(Reached::Holder(c)) => match crate::tui::remote::run_client(env, c) {
                crate::tui::remote::Ended::Exit(code) => return code,
                crate::tui::remote::Ended::HolderGone => took_over = true,
            },
            Ok(Reached::Opened(app)) => return ui_here(env, *app, took_over),
        }
    }
}

/// The terminal UI on a store this process opened, answering others meanwhile.
fn ui_here(env: &Env, app: App, took_over: bool) -> i32 {
    let app = Arc::new(app);
    let (listener, problem) = match Listener::start(
        app.clone(),
        &env.socket,
        Some(crate::tui::remote::host),
        "terminal UI",
        true,
    ) {
        Ok(l) => (Some(l), None),
        Err(e) => (None, Some(e.message)),
    };
    let code = crate::tui::run(env, &app, crate::tui::Holding { problem, took_over });
    drop(listener);
    code
}

/// `treeward serve`.
fn serve(env: &Env) -> i32 {
    let res = (|| {
        if env.postgres().is_none() {
            App::require_existing(&env.store)?;
        }
        // `--socket` says where to listen, not where a holder must be.
        let here = Env {
            socket_given: false,
            ..env.clone()
        };
        let app = match reach(&here, false)? {
            Reached::Opened(app) => *app,
            Reached::Holder(_) => {
                return Err(Error::unavailable(format!(
                    "a treeward process already answers on {}",
                    env.socket.display()
                )))
            }
        };
        server::serve(app, &env.socket, Some(crate::tui::remote::host))
    })();
    cli::print(
        env.output,
        res.map(|_| cli::Out {
            text: String::new(),
            json: serde_json::json!({ "ok": true }),
            code: 0,
            rows: None,
        }),
    )
}
