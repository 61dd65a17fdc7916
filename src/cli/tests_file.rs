//! `test FILE…`: reads test files, prints one line per failed assertion
//! with what was expected and what was found, a summary line, and writes
//! JUnit XML for CI systems. Where the assertions are asked (a store the
//! file describes, or the store given) is the launcher's choice.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::{read_input, write_private, Out};
use crate::app::expect::{self, Outcome, TestFile};
use crate::domain::text::escape;
use crate::domain::{Error, Result};

/// A test file as read: its expectations, and the text of the export its
/// set-up starts from (a path relative to the file).
pub struct Loaded {
    pub path: PathBuf,
    pub file: TestFile,
    pub export: Option<String>,
}

pub fn load(path: &Path) -> Result<Loaded> {
    let shown = escape(&path.display().to_string());
    let at = |e: Error| Error {
        message: format!("{shown}: {}", e.message),
        ..e
    };
    let file = expect::parse(&read_input(&path.to_path_buf())?).map_err(at)?;
    let export = match file.setup.as_ref().and_then(|s| s.export.as_ref()) {
        Some(rel) => {
            let beside = path.parent().unwrap_or(Path::new(".")).join(rel);
            Some(read_input(&beside).map_err(at)?)
        }
        None => None,
    };
    Ok(Loaded {
        path: path.to_path_buf(),
        file,
        export,
    })
}

/// The results of every file: failures listed, then `N passed, M failed`;
/// exit 1 when any failed. `junit`: where the XML report goes.
pub fn report(results: &[(PathBuf, Vec<Outcome>)], junit: Option<&Path>) -> Result<Out> {
    let all: Vec<&Outcome> = results.iter().flat_map(|(_, o)| o).collect();
    let failed = all.iter().filter(|o| o.failure.is_some()).count();
    let passed = all.len() - failed;
    let mut text = String::new();
    for (path, outcomes) in results {
        for o in outcomes {
            if let Some(f) = &o.failure {
                text.push_str(&format!(
                    "FAIL {}: {}: {}: expected {}, got {}\n",
                    escape(&path.display().to_string()),
                    escape(&o.test),
                    escape(&o.what),
                    escape(&f.expected),
                    escape(&f.actual)
                ));
            }
        }
    }
    text.push_str(&format!("{passed} passed, {failed} failed"));
    if let Some(j) = junit {
        write_private(j, junit_xml(results)?.as_bytes())?;
    }
    let files: Vec<_> = results
        .iter()
        .map(|(p, o)| json!({ "file": p, "results": o }))
        .collect();
    Ok(Out {
        text,
        json: json!({ "ok": failed == 0, "passed": passed, "failed": failed, "files": files }),
        code: i32::from(failed > 0),
        rows: None,
    })
}

/// One suite per file, one case per assertion (named by its test and its words).
fn junit_xml(results: &[(PathBuf, Vec<Outcome>)]) -> Result<String> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("treeward test");
    for (path, outcomes) in results {
        let mut suite = TestSuite::new(path.display().to_string());
        for o in outcomes {
            let status = match &o.failure {
                None => TestCaseStatus::success(),
                Some(f) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(format!("expected {}, got {}", f.expected, f.actual));
                    s
                }
            };
            let mut case = TestCase::new(o.what.clone(), status);
            case.set_classname(o.test.clone());
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .map_err(|e| Error::unavailable(format!("cannot write the JUnit report: {e}")))
}
