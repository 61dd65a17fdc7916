//! The outcomes of SPEC §10 as the command line shows them: an exit code,
//! and for a failure one line on stderr that starts with the outcome's label.
//! Written from SPEC (not taken from treeward), so a wrong label is caught.

/// The label that starts the error line of exit `code`: 2 invalid input,
/// 3 permission denied, 4 not found, 5 conflict, 6 store unavailable.
/// `None` for 0 (done) and 1 (a check's deny), which print no error line.
pub fn label(code: i32) -> Option<&'static str> {
    match code {
        2 => Some("invalid input: "),
        3 => Some("permission denied: "),
        4 => Some("not found: "),
        5 => Some("conflict: "),
        6 => Some("store unavailable: "),
        _ => None,
    }
}

/// `stderr` is one line, ending in a newline, that starts with the label of
/// exit `code`.
pub fn assert_error_line(stderr: &str, code: i32, what: &str) {
    let label = label(code).unwrap_or_else(|| panic!("{what}: exit {code} has no error line"));
    assert!(stderr.starts_with(label), "{what}: stderr {stderr:?}");
    assert!(
        stderr.ends_with('\n') && stderr.trim_end().lines().count() == 1,
        "{what}: one line: {stderr:?}"
    );
}
