//! The integration tests, one crate: each former test file is a module
//! (`cargo test --test integration -- cli::` runs the command-line tests
//! alone), and what they share is one module, `common`.
//!
//! The modules run in one process, on parallel threads: nothing here may
//! change what is process-wide (the environment, the current directory,
//! signal dispositions) for the test process; a setting a test needs goes
//! to the child process it spawns (`Command::env`, `current_dir`, a
//! `pre_exec` that runs in the child). What is shared on purpose:
//! - one private PostgreSQL cluster per process (`common::pg`), started by
//!   the first test that needs it and stopped at exit; each test makes
//!   databases of its own (named after the process and a counter), ports
//!   are handed out once, and its OS user is created once at a time;
//! - the server tests measure, so they run one at a time (`server::serial`);
//! - treeward's library sets the process's umask to 077 for a moment while
//!   it opens a store (cli, backup, privacy and tui_e2e open stores in this
//!   process): a child another test spawns at that moment, or a file it
//!   creates, is more private than usual, which no test depends on
//!   (stores and sockets set their own modes).
//!
//! Proptest keeps its regressions beside each module's file
//! (`model.proptest-regressions`): the suites say so
//! (`common::world::proptest_config`), as proptest's default would put them
//! in `tests/proptest-regressions/` now that this directory has a main.rs.

mod common;

mod access_review;
mod as_code;
mod backup;
mod cedar_oracle;
mod cli;
mod crash;
mod damaged_store;
mod doctor;
mod failover;
mod holder;
mod hostile;
mod loads;
mod loss;
mod model;
mod pg_connect;
mod postgres;
mod privacy;
mod props;
mod read_oracle;
mod reads;
mod rules;
mod server;
mod spec_examples;
mod timeouts;
mod tui_e2e;
mod tui_perf;
mod tui_props;
mod whatif_oracle;
