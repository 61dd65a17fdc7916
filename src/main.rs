//! The `treeward` binary: the command line, or the terminal UI with no command.

use std::process::ExitCode;

fn main() -> ExitCode {
    treeward::tune_allocator();
    // A bug must never print a backtrace over a user's terminal: one line, exit 70.
    std::panic::set_hook(Box::new(|info| {
        if treeward::panics_are_caught() {
            return; // caught and reported as one `store unavailable` line
        }
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "internal error: {}{at}",
            treeward::domain::text::escape(&msg)
        );
    }));
    ExitCode::from(treeward::launch::main() as u8)
}
