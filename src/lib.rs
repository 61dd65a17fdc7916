//! treeward: a terminal console for an app platform's hierarchy and its rules.
//!
//! Layers, arrows one way: [`domain`] (types and the rule table) ←
//! [`store`] (keys, encoding, transactions) ← [`app`] (operations) ←
//! [`cli`] and the terminal UI (front ends).

pub mod app;
pub mod cli;
pub mod domain;
pub mod store;

/// The text of a caught panic.
pub fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".into()
    }
}

/// The terminal UI entry point (no command given).
pub fn tui_entry(cli: cli::Cli) -> i32 {
    let _ = cli;
    eprintln!("invalid input: the terminal UI is not built yet; use a command (treeward --help)");
    2
}
