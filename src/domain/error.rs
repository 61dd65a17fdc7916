//! Outcomes of SPEC §10: every operation ends in exactly one.

use std::fmt;

/// The outcome classes of SPEC §10, in the order that decides which wins when
/// several apply (invalid input, not found, permission denied, conflict).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Invalid,
    NotFound,
    Denied,
    Conflict,
    Unavailable,
}

impl Outcome {
    /// The process exit code of SPEC §10.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Invalid => 2,
            Outcome::Denied => 3,
            Outcome::NotFound => 4,
            Outcome::Conflict => 5,
            Outcome::Unavailable => 6,
        }
    }

    /// The word an error line starts with.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Invalid => "invalid input",
            Outcome::NotFound => "not found",
            Outcome::Denied => "permission denied",
            Outcome::Conflict => "conflict",
            Outcome::Unavailable => "store unavailable",
        }
    }
}

/// A failed operation: its outcome and a one-line message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub outcome: Outcome,
    pub message: String,
    /// Nothing was written and the store may answer in a moment (a database
    /// connection lost before the commit, a serialisation failure): running
    /// the request again is safe.
    pub again: bool,
}

impl Error {
    pub fn new(outcome: Outcome, message: impl Into<String>) -> Self {
        Error {
            outcome,
            message: message.into(),
            again: false,
        }
    }
    pub fn invalid(m: impl Into<String>) -> Self {
        Self::new(Outcome::Invalid, m)
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        Self::new(Outcome::NotFound, m)
    }
    pub fn denied(m: impl Into<String>) -> Self {
        Self::new(Outcome::Denied, m)
    }
    pub fn conflict(m: impl Into<String>) -> Self {
        Self::new(Outcome::Conflict, m)
    }
    pub fn unavailable(m: impl Into<String>) -> Self {
        Self::new(Outcome::Unavailable, m)
    }
    /// The same failure, marked as one that wrote nothing and may not
    /// happen if the request is run again.
    pub fn retry(self) -> Self {
        Error {
            again: true,
            ..self
        }
    }
    /// Unavailable for now, nothing written: worth asking again.
    pub fn transient(m: impl Into<String>) -> Self {
        Error {
            again: true,
            ..Self::unavailable(m)
        }
    }
}

/// A file or directory named on the command line could not be used: one
/// outcome per cause, the same for every command (README, "Outcomes").
pub fn file_error(verb: &str, path: &std::path::Path, e: &std::io::Error) -> Error {
    use std::io::ErrorKind as K;
    let shown = crate::domain::text::escape(&path.display().to_string());
    let (outcome, why) = match e.kind() {
        K::NotFound => (
            Outcome::NotFound,
            "it or a directory above it does not exist".to_string(),
        ),
        K::PermissionDenied => (
            Outcome::Denied,
            "permission denied by the file system".to_string(),
        ),
        K::AlreadyExists => (Outcome::Conflict, "it already exists".to_string()),
        K::NotADirectory => (
            Outcome::Invalid,
            "part of the path is not a directory".to_string(),
        ),
        K::IsADirectory => (Outcome::Invalid, "it is a directory".to_string()),
        K::StorageFull | K::QuotaExceeded => (
            Outcome::Unavailable,
            "the disk holding it is full (no space left on device)".to_string(),
        ),
        K::ReadOnlyFilesystem => (
            Outcome::Unavailable,
            "it is on a read-only file system".to_string(),
        ),
        _ => (Outcome::Unavailable, format!("input/output error ({e})")),
    };
    Error::new(outcome, format!("cannot {verb} {shown}: {why}"))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, always: a message never carries a raw line break.
        let msg = crate::domain::text::one_line(&self.message);
        write!(f, "{}: {}", self.outcome.label(), msg)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
