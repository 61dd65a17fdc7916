//! Pure types and rules: no store, no terminal, no I/O.

pub mod error;
pub mod model;
pub mod names;
pub mod path;
pub mod rules;
pub mod text;

pub use error::{file_error, Error, Outcome, Result};
pub use model::*;
pub use rules::{
    decide, Chain, Contribution, Decision, Link, Principal, Seen, Standing, Target, Via,
};
