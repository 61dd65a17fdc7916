//! The real binary in a pseudo-terminal (portable-pty), its output parsed by
//! a terminal emulator (vt100): what a person would see. Every wait polls
//! the screen up to a deadline; no test depends on timing luck.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

pub use super::BIN;
use super::{out, treeward};

pub const DEADLINE: Duration = Duration::from_secs(20);

/// `treeward --db DB --as LOGIN ARGS…`: exit code, stdout, stderr. A store
/// held by another process is waited for as treeward waits by itself.
pub fn cli(db: &Path, login: &str, args: &[&str]) -> (i32, String, String) {
    let r = out(treeward(db).args(["--as", login]).args(args));
    (r.code, r.stdout, r.stderr)
}

pub struct Tui {
    pub parser: Arc<Mutex<vt100::Parser>>,
    pub writer: Box<dyn Write + Send>,
    pub child: Box<dyn Child + Send + Sync>,
    pub master: Box<dyn MasterPty + Send>,
}

impl Tui {
    pub fn spawn(db: &Path, login: &str, cols: u16, rows: u16) -> Tui {
        Self::spawn_with(db, login, cols, rows, &[])
    }

    pub fn spawn_themed(db: &Path, theme: &str) -> Tui {
        Self::spawn_args(db, "root", 100, 30, &[], &["--theme", theme])
    }

    pub fn spawn_with(db: &Path, login: &str, cols: u16, rows: u16, env: &[(&str, &str)]) -> Tui {
        Self::spawn_args(db, login, cols, rows, env, &[])
    }

    pub fn spawn_args(
        db: &Path,
        login: &str,
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> Tui {
        Self::launch(db, Some(login), cols, rows, env, args)
    }

    /// The UI on `db` as `login` (`None`: as the OS user, as a person at
    /// their own terminal), in a `cols`×`rows` terminal, with `env` and
    /// `args` besides; a reader thread feeds its output to the screen.
    pub fn launch(
        db: &Path,
        login: Option<&str>,
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> Tui {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(BIN);
        cmd.arg("--db");
        cmd.arg(db);
        if let Some(login) = login {
            cmd.arg("--as");
            cmd.arg(login);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("TREEWARD_KEYS", "/nonexistent/keys.toml");
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("TREEWARD_USER");
        for a in args {
            cmd.arg(a);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let p2 = parser.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => p2.lock().unwrap().process(&buf[..n]),
                }
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Tui {
            parser,
            writer,
            child,
            master: pair.master,
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn send(&mut self, s: &str) {
        self.writer.write_all(s.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Sends keys one event at a time (a lone Esc must stay a lone Esc).
    pub fn keys(&mut self, s: &str) {
        for c in s.chars() {
            let mut b = [0u8; 4];
            self.send(c.encode_utf8(&mut b));
        }
    }

    pub fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if start.elapsed() > DEADLINE {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(15));
        }
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |s| s.contains(text))
    }

    /// How long `text` took to show (polled every 5 ms); `None` when it did
    /// not within `limit`.
    pub fn shows_within(&self, text: &str, limit: Duration) -> Option<Duration> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.screen().contains(text) {
                return Some(start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(rows, cols);
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    /// Waits for the process to end; returns its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                // Let the reader thread take in the last bytes.
                std::thread::sleep(Duration::from_millis(100));
                return st.exit_code();
            }
            if start.elapsed() > DEADLINE {
                let _ = self.child.kill();
                panic!("the UI did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(15));
        }
    }

    pub fn assert_restored(&self) {
        let p = self.parser.lock().unwrap();
        let s = p.screen();
        assert!(!s.alternate_screen(), "left the alternate screen");
        assert!(!s.hide_cursor(), "cursor shown again");
        assert_eq!(
            s.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse capture off"
        );
        assert!(!s.bracketed_paste(), "bracketed paste off");
    }
}

/// A UI still running when its test ends (or fails) is killed, not left
/// behind on the machine.
impl Drop for Tui {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}
