//! The terminal UI at scale (issue 4, items 4, 5 and 7), each figure printed:
//!
//! 4. opening a store of 1,000,000 items and rendering the first frame of the
//!    UI into a ratatui `TestBackend` (target < 150 ms);
//! 5. one keystroke (move down, expand) to the next rendered frame on that
//!    store, and inside its folder of 100,000 children (target < 5 ms);
//! 7. the peak RSS of the UI process after browsing (target < 100 MB).
//!
//! Run: `cargo bench --bench tui` (generates the store first, about a
//! minute); tiny sizes: `cargo bench --bench tui -- --smoke`. To keep a
//! generated store between runs: `TREEWARD_BENCH_TUI_DB=/tmp/tw1m cargo bench
//! --bench tui` (generated there when empty, reused after).
//!
//! The measurements run in a fresh process (this bench started again with
//! `--browse DIR`): generating a million items takes gigabytes, which would
//! hide the UI's own peak RSS. That process is the UI without its terminal:
//! the same state, key handling and drawing, into a 120×35 `TestBackend`.

use std::time::{Duration, Instant};

use treeward::app::gen::GenSpec;
use treeward::app::App;
use treeward::tui::keys::{Key, KeyCode};
use treeward::tui::model::Focus;
use treeward::tui::theme::Theme;
use treeward::tui::{buffer_text, render_test, KeyMap, Ui};

const W: u16 = 120;
const H: u16 = 35;

struct Stats {
    v: Vec<Duration>,
}

impl Stats {
    fn new() -> Stats {
        Stats { v: Vec::new() }
    }
    fn add(&mut self, d: Duration) {
        self.v.push(d);
    }
    fn summary(&mut self) -> String {
        self.v.sort();
        let n = self.v.len().max(1);
        let mean = self.v.iter().sum::<Duration>() / n as u32;
        let p = |q: f64| self.v[((self.v.len() - 1) as f64 * q).round() as usize];
        format!(
            "{} keystrokes: mean {}, median {}, p99 {}, max {}",
            self.v.len(),
            ms(mean),
            ms(p(0.5)),
            ms(p(0.99)),
            ms(*self.v.last().unwrap())
        )
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// One keystroke to the next finished frame. The tree keeps the focus (an
/// expand on an app moves it to the detail pane; it is given back, untimed).
fn stroke(ui: &mut Ui, k: Key, st: &mut Stats) {
    let t = Instant::now();
    // As the event loop does: the worker's answers (pages) first, then the key.
    ui.poll_jobs();
    ui.handle_key(k);
    render_test(ui, W, H);
    st.add(t.elapsed());
    ui.focus = Focus::Tree;
}

/// VmHWM (peak) and VmRSS of this process, in MB.
fn rss() -> (f64, f64) {
    rss_in("/proc/self/status")
}

/// VmHWM and VmRSS, in MB, from a `/proc/…/status` file.
fn rss_in(status: &str) -> (f64, f64) {
    let s = std::fs::read_to_string(status).unwrap_or_default();
    let field = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(0.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// A store directory, or a PostgreSQL database (`TREEWARD_BENCH_TUI_DB`
/// may be a connection string: the same figures on the database).
fn open(dir: &std::path::Path) -> App {
    let s = dir.to_string_lossy();
    if is_database(dir) {
        App::open_postgres(&s).expect("open the database")
    } else {
        App::open(dir).expect("open the store")
    }
}

fn is_database(dir: &std::path::Path) -> bool {
    treeward::store::pg_kv::is_connection_string(&dir.to_string_lossy())
}

/// The measuring process: open, first frame, keystrokes, RSS.
fn browse(dir: &str, wide_n: usize) {
    let t = Instant::now();
    let app = open(std::path::Path::new(dir));
    let opened = t.elapsed();
    let (hwm_open, _) = rss();
    let ui = Ui::new(
        &app,
        "own",
        KeyMap::default(),
        Theme::load(None).unwrap(),
        false,
    )
    .expect("the UI state");
    // Slow work on the worker, as in the binary (pages load while keys go on).
    std::thread::scope(|scope| {
        // Owned here: dropped (its worker's sender with it) even on a panic,
        // so the scope never waits on the worker.
        let mut ui = ui;
        ui.attach_worker(treeward::tui::worker::Worker::spawn(scope, &app));
        measure(&mut ui, t, hwm_open, opened, wide_n);
        drop(ui);
    });
}

/// The figures, on a UI with its worker.
fn measure(ui: &mut Ui, t: Instant, hwm_open: f64, opened: Duration, wide_n: usize) {
    let buf = render_test(ui, W, H);
    let first = t.elapsed();
    let text = buffer_text(&buf);
    assert!(text.contains("Team Space"), "{text}");
    let (hwm0, _) = rss();
    println!(
        "first frame: store opened in {}, first frame rendered {} after the start (target < 150 ms); \
         {} rows loaded; RSS peak after opening the store {hwm_open:.1} MB, after the first frame {hwm0:.1} MB",
        ms(opened),
        ms(first),
        ui.tree.rows.len()
    );

    // Keystrokes in the Team Space tree: expand and move down into the
    // hierarchy, and back up.
    let mut st = Stats::new();
    for _ in 0..5 {
        for _ in 0..12 {
            stroke(ui, Key::ch('l'), &mut st);
            stroke(ui, Key::ch('j'), &mut st);
        }
        for _ in 0..30 {
            stroke(ui, Key::ch('k'), &mut st);
        }
    }
    for _ in 0..40 {
        stroke(ui, Key::plain(KeyCode::PageDown), &mut st);
    }
    for _ in 0..40 {
        stroke(ui, Key::ch('j'), &mut st);
    }
    println!(
        "keystroke to frame, Team Space of the whole store (move down, expand, page): {} (target < 5 ms)",
        st.summary()
    );

    let (hwm1, _) = rss();
    println!("RSS peak after browsing Team Space: {hwm1:.1} MB");

    // The folder of 100,000 children, reached as a search jump reaches it
    // (every page of its own folder up to it is listed on the way).
    let wide = ui
        .sess
        .resolve_str("/W1/team/Wide")
        .expect("the Wide folder")
        .item()
        .unwrap()
        .id;
    ui.reveal(wide);
    render_test(ui, W, H);
    assert_eq!(ui.tree.selected_path().as_deref(), Some("/W1/team/Wide"));
    let t = Instant::now();
    ui.handle_key(Key::ch('l'));
    render_test(ui, W, H);
    let open = t.elapsed();
    let mut st = Stats::new();
    for _ in 0..100 {
        stroke(ui, Key::ch('j'), &mut st);
    }
    for _ in 0..300 {
        stroke(ui, Key::plain(KeyCode::PageDown), &mut st);
    }
    for _ in 0..100 {
        stroke(ui, Key::ch('k'), &mut st);
    }
    for _ in 0..20 {
        stroke(ui, Key::plain(KeyCode::PageUp), &mut st);
    }
    println!(
        "keystroke to frame inside the folder of {} children: opening it {}; {} (target < 5 ms); {} rows loaded",
        wide_n,
        ms(open),
        st.summary(),
        ui.tree.rows.len()
    );
    let (hwm, now) = rss();
    println!(
        "RSS of the UI after browsing the big folder too: peak (VmHWM) {hwm:.1} MB, now (VmRSS) {now:.1} MB (target < 100 MB)"
    );
    // What the tree's rows hold of that: the RSS with the tree dropped.
    let rows = ui.tree.nodes.len();
    drop(std::mem::take(&mut ui.tree));
    let (_, without) = rss();
    println!(
        "RSS without the tree's {rows} nodes: {without:.1} MB (the rows held {:.1} MB)",
        now - without
    );
    ui.load_tree().expect("the tree again");
    keys_during_what_if(ui, wide, wide_n);
}

/// Keystroke to frame while the what-if of moving the big folder is being
/// computed on the worker thread: the move dialog's destinations are
/// walked with ↓, each asking a new what-if (the latest wins).
fn keys_during_what_if(ui: &mut Ui, wide: treeward::domain::ItemId, wide_n: usize) {
    {
        ui.reveal(wide);
        ui.handle_key(Key::ch('m'));
        render_test(ui, W, H);
        assert!(ui.dialog().is_some(), "the move dialog");
        let mut st = Stats::new();
        let mut busy = 0;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            ui.poll_jobs();
            let working = ui.working();
            let k = if st.v.len() % 8 < 4 {
                KeyCode::Down
            } else {
                KeyCode::Up
            };
            let t = Instant::now();
            ui.handle_key(Key::plain(k));
            render_test(ui, W, H);
            st.add(t.elapsed());
            busy += usize::from(working);
            // About a key every 20 ms, a fast typist's pace.
            std::thread::sleep(Duration::from_millis(20));
        }
        // The answer of the last destination, after the keys stop.
        let t = Instant::now();
        while ui.working() && t.elapsed() < Duration::from_secs(60) {
            ui.poll_jobs();
            std::thread::sleep(Duration::from_millis(1));
        }
        let settled = t.elapsed();
        render_test(ui, W, H);
        let answer = ui.dialog().and_then(|d| d.whatif.clone());
        let cost = ui.whatif.last_cost;
        println!(
            "keystroke to frame while the what-if of moving the folder of {wide_n} children runs on the worker: {} (target < 5 ms); {busy} of them while a what-if was out; one what-if costs {}; the last answer came {} after the last key ({})",
            st.summary(),
            ms(cost),
            ms(settled),
            match answer {
                Some(treeward::tui::whatif::WhatIfView::Ready(l)) => format!("{} summary lines", l.len()),
                other => format!("{other:?}"),
            }
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // The measuring process allocates as the binary does.
    treeward::tune_allocator();
    if let Some(i) = args.iter().position(|a| a == "--browse") {
        browse(&args[i + 1], args[i + 2].parse().unwrap());
        return;
    }
    let smoke = args.iter().any(|a| a == "--smoke");
    let spec = if smoke {
        GenSpec {
            items: 2_000,
            users: 50,
            groups: 5,
            grants: 200,
            wide: 2_000,
            seed: 7,
            ..Default::default()
        }
    } else {
        GenSpec {
            items: 1_000_000,
            users: 5_000,
            groups: 50,
            org_depth: 4,
            depth: 8,
            grants: 50_000,
            wide: 100_000,
            seed: 7,
        }
    };
    let keep = std::env::var("TREEWARD_BENCH_TUI_DB")
        .ok()
        .filter(|s| !s.is_empty() && !smoke);
    let tmp = tempfile::tempdir().unwrap();
    let dir = match &keep {
        Some(d) => std::path::PathBuf::from(d),
        None => tmp.path().join("store"),
    };
    let mut generated = false;
    {
        let app = open(&dir);
        if app.is_initialized().unwrap() {
            println!("reusing the store in {}", dir.display());
        } else {
            let t = Instant::now();
            let sum = app
                .generate("own", &spec, &mut |_, _| {})
                .expect("generate");
            println!(
                "generated {} items (+{} in one folder), {} users, {} grants in {:.1} s",
                sum.items,
                spec.wide,
                sum.users,
                sum.grants,
                t.elapsed().as_secs_f64()
            );
            generated = true;
        }
    }
    if generated && !is_database(&dir) {
        // As `treeward gen` does: the open after a bulk load replays its log
        // once; it is paid here, not by the measured first open.
        App::settle_after_bulk_load(&dir);
    }
    // A fresh process measures: its RSS is the UI's alone.
    let st = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--browse")
        .arg(&dir)
        .arg(spec.wide.to_string())
        .status()
        .expect("start the measuring process");
    assert!(st.success(), "the measuring process failed");
    binary_rss(&dir);
}

/// Peak and current RSS of another process, in MB.
fn rss_of(pid: u32) -> (f64, f64) {
    rss_in(&format!("/proc/{pid}/status"))
}

/// The real `treeward` binary in a pseudo-terminal (120×35): its RSS after
/// the first frame and after browsing with keys, as a user's process has it.
fn binary_rss(dir: &std::path::Path) {
    use portable_pty::{native_pty_system, CommandBuilder, PtySize};
    use std::io::{Read, Write};
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 35,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_treeward"));
    cmd.arg("--db");
    cmd.arg(dir);
    cmd.env("TREEWARD_USER", "own");
    cmd.env("TERM", "xterm-256color");
    let mut child = pair.slave.spawn_command(cmd).expect("start treeward");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().expect("pty reader");
    // Drain the screen output; note when the first frame arrived.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        let mut seen = Vec::new();
        let mut told = false;
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            if !told {
                seen.extend_from_slice(&buf[..n]);
                if String::from_utf8_lossy(&seen).contains("Team Space") {
                    let _ = tx.send(());
                    told = true;
                }
            }
        }
    });
    let mut w = pair.master.take_writer().expect("pty writer");
    let pid = child.process_id().expect("pid");
    let t = Instant::now();
    let framed = rx.recv_timeout(Duration::from_secs(30)).is_ok();
    let first = t.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    let (hwm0, now0) = rss_of(pid);
    for _ in 0..20 {
        for k in ["j", "l", "j", "j", "\x1b[6~"] {
            let _ = w.write_all(k.as_bytes());
            let _ = w.flush();
            std::thread::sleep(Duration::from_millis(15));
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    let (hwm1, now1) = rss_of(pid);
    let _ = w.write_all(b"q");
    let _ = w.flush();
    let _ = child.wait();
    println!(
        "the treeward binary in a pseudo-terminal: first frame {} after start{}; RSS peak after the first frame {hwm0:.1} MB (now {now0:.1}), after 100 keys browsing Team Space {hwm1:.1} MB (now {now1:.1}) (target < 100 MB)",
        ms(first),
        if framed { "" } else { " (no frame seen)" }
    );
}
