//! The integration tests, one crate: each former test file is a module
//! (`cargo test --test integration -- cli::` runs the command-line tests
//! alone), and what they share is one module, `common`.
//!
//! The modules run in one process, on parallel threads: nothing here may
//! change what is process-wide (the environment, the current directory,
//! signal dispositions) for the test process; a setting a test needs goes
//! to the child process it spawns.
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
mod model;
mod postgres;
mod privacy;
mod props;
mod rules;
mod server;
mod spec_examples;
mod tui_e2e;
mod tui_perf;
mod tui_props;
