//! Keystroke-to-frame cost of the terminal UI, measured in-process: the time
//! from a key reaching the UI to a finished frame (state change, detail pane,
//! drawing into a 120×35 buffer), on the demo store and on a folder of
//! 100,000 children. Run with `--nocapture` to see the numbers. The bounds are
//! loose (a shared CI machine); the numbers are what matters.

use std::time::{Duration, Instant};

use treeward::app::gen::GenSpec;
use treeward::app::App;
use treeward::tui::keys::{Key, KeyCode};
use treeward::tui::theme::Theme;
use treeward::tui::{render_test, KeyMap, Ui};

use crate::common::demo_dir;
use crate::common::pty::Tui;

struct Stats {
    n: usize,
    total: Duration,
    max: Duration,
}

impl Stats {
    fn new() -> Stats {
        Stats {
            n: 0,
            total: Duration::ZERO,
            max: Duration::ZERO,
        }
    }
    fn add(&mut self, d: Duration) {
        self.n += 1;
        self.total += d;
        self.max = self.max.max(d);
    }
    fn mean(&self) -> Duration {
        self.total / self.n.max(1) as u32
    }
}

/// One keystroke, then one frame.
fn stroke(ui: &mut Ui, k: Key, st: &mut Stats) {
    let t = Instant::now();
    ui.handle_key(k);
    render_test(ui, 120, 35);
    st.add(t.elapsed());
}

fn ui<'a>(app: &'a App) -> Ui<'a> {
    Ui::new(
        app,
        "root",
        KeyMap::default(),
        Theme::load(None).unwrap(),
        false,
    )
    .unwrap()
}

#[test]
fn keystroke_to_frame_on_the_demo_store() {
    let app = App::in_memory();
    app.demo("root").unwrap();
    let mut u = ui(&app);
    u.workspaces.sel = u
        .workspaces
        .items
        .iter()
        .position(|w| w.name == "Default Workspace")
        .unwrap();
    u.load_spaces().unwrap();
    render_test(&mut u, 120, 35);
    let mut st = Stats::new();
    for _ in 0..5 {
        for _ in 0..12 {
            stroke(&mut u, Key::ch('l'), &mut st);
            stroke(&mut u, Key::ch('j'), &mut st);
        }
        for _ in 0..30 {
            stroke(&mut u, Key::ch('k'), &mut st);
        }
        stroke(&mut u, Key::ch(']'), &mut st);
    }
    println!(
        "demo store: {} keystrokes, mean {:?}, max {:?} per keystroke-to-frame",
        st.n,
        st.mean(),
        st.max
    );
    assert!(
        st.mean() < Duration::from_millis(100),
        "mean {:?}",
        st.mean()
    );
}

#[test]
fn keystroke_to_frame_in_a_folder_of_100000_children() {
    let app = App::in_memory();
    let spec = GenSpec {
        items: 100,
        users: 10,
        groups: 2,
        grants: 10,
        wide: 100_000,
        ..Default::default()
    };
    app.generate("root", &spec, &mut |_, _| {}).unwrap();
    let mut u = ui(&app);
    render_test(&mut u, 120, 35);
    // Select the wide folder and open it (its children load now, once).
    let wide = u
        .tree
        .rows
        .iter()
        .position(|&i| u.tree.nodes[i].data.name == "Wide")
        .expect("the Wide folder");
    u.tree.sel = wide;
    let t = Instant::now();
    u.handle_key(Key::plain(KeyCode::Enter));
    render_test(&mut u, 120, 35);
    let open = t.elapsed();
    assert!(
        u.tree.rows.len() < 2_000,
        "only the first page is loaded: {}",
        u.tree.rows.len()
    );
    let mut st = Stats::new();
    for _ in 0..50 {
        stroke(&mut u, Key::ch('j'), &mut st);
    }
    // Paging down scrolls new pages of children into view.
    for _ in 0..400 {
        stroke(&mut u, Key::plain(KeyCode::PageDown), &mut st);
    }
    for _ in 0..20 {
        stroke(&mut u, Key::plain(KeyCode::PageUp), &mut st);
    }
    for _ in 0..50 {
        stroke(&mut u, Key::ch('k'), &mut st);
    }
    let loaded = u.tree.rows.len();
    assert!(loaded > 10_000, "pages loaded while scrolling: {loaded}");
    // End: the last row of the tree (the folders after Wide).
    let t = Instant::now();
    u.handle_key(Key::ch('G'));
    render_test(&mut u, 120, 35);
    let end = t.elapsed();
    // What listing all 100,000 at once costs (search and End inside the folder pay it).
    let wide_node = u.tree.nodes[u.tree.rows[wide]].data.clone();
    let t = Instant::now();
    let all = u.load_children_of(&wide_node).unwrap();
    let full = t.elapsed();
    assert_eq!(all.len(), 100_000);
    let mut st2 = Stats::new();
    for _ in 0..50 {
        stroke(&mut u, Key::ch('k'), &mut st2);
    }
    stroke(&mut u, Key::ch('g'), &mut st2);
    println!(
        "100,000 children: open {:?}; {} keystrokes while paging in, mean {:?}, max {:?}; \
         End {:?}; listing all at once {:?}; {} keystrokes after, mean {:?}, max {:?}",
        open,
        st.n,
        st.mean(),
        st.max,
        end,
        full,
        st2.n,
        st2.mean(),
        st2.max
    );
    assert!(
        st2.mean() < Duration::from_millis(100),
        "mean {:?}",
        st2.mean()
    );
    assert!(
        st.mean() < Duration::from_millis(100),
        "mean {:?}",
        st.mean()
    );
}

/// The whole way: a key written to a pseudo-terminal, the binary's event
/// loop, the frame written back and parsed by a terminal emulator.
#[test]
fn keystroke_to_screen_through_a_pseudo_terminal() {
    let dir = demo_dir("root");
    let mut ui = Tui::spawn(dir.path(), "root", 120, 35);
    // Polled every 0.2 ms: the time from a key written to its frame parsed.
    let wait = |ui: &Tui, pred: &dyn Fn(&str) -> bool| {
        let t = Instant::now();
        while !pred(&ui.screen()) {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "timed out:\n{}",
                ui.screen()
            );
            std::thread::sleep(Duration::from_micros(200));
        }
        t.elapsed()
    };
    wait(&ui, &|s: &str| s.contains("■ Archive"));
    // The detail pane names the selected row: each key changes it.
    let steps = [
        ("j", "folder  Archive"),
        ("j", "folder  Plant"),
        ("j", "folder  Quality"),
        ("j", "folder  Sales"),
        ("j", "app  Welcome"),
        ("k", "folder  Sales"),
        ("k", "folder  Quality"),
        ("k", "folder  Plant"),
        ("k", "folder  Archive"),
        ("k", "The workspace's shared space"),
    ];
    let mut stats = Stats::new();
    for _ in 0..5 {
        for (key, want) in steps {
            // Keys as a person types them: more than one frame interval (10 ms) apart, so
            // the frame cap does not hold a key back.
            std::thread::sleep(Duration::from_millis(15));
            ui.send(key);
            stats.add(wait(&ui, &|s: &str| s.contains(want)));
        }
    }
    println!(
        "through a pty: {} keystrokes, mean {:?}, max {:?} from key written to screen parsed",
        stats.n,
        stats.mean(),
        stats.max
    );
    ui.send("q");
    ui.wait_exit();
}
