//! Name rules: R2 (item, workspace, group, org and tenant names) and logins.

use super::error::{Error, Result};
use super::text::escape;

pub const MAX_NAME_CHARS: usize = 64;

/// R2: 1–64 characters after trimming, no `/`, no `:`, no control characters
/// (nor bidirectional controls, which would garble a terminal), not `.` or `..`.
/// Returns the trimmed name, which is what R1 compares and what is stored.
pub fn validate_name(raw: &str, what: &str) -> Result<String> {
    let name = raw.trim();
    let n = name.chars().count();
    let shown = || escape(&truncate_chars(name, 40));
    if n == 0 {
        return Err(Error::invalid(format!("{what} name is empty (R2)")));
    }
    if n > MAX_NAME_CHARS {
        return Err(Error::invalid(format!(
            "{what} name '{}…' is {n} characters, at most {MAX_NAME_CHARS} (R2)",
            shown()
        )));
    }
    if let Some(c) = name
        .chars()
        .find(|c| matches!(c, '/' | ':') || super::text::needs_escape(*c))
    {
        let what_char = match c {
            '/' => "'/'".to_string(),
            ':' => "':'".to_string(),
            c => format!("the control character U+{:04X}", c as u32),
        };
        return Err(Error::invalid(format!(
            "{what} name '{}' contains {what_char} (R2)",
            shown()
        )));
    }
    if name == "." || name == ".." {
        return Err(Error::invalid(format!(
            "{what} name cannot be '{name}' (R2)"
        )));
    }
    Ok(name.to_string())
}

/// Logins: `[a-z0-9][a-z0-9._-]{0,31}`. Input is lowered first, so logins are
/// unique case-insensitively (R4) and `--as Alice` finds `alice`.
pub fn validate_login(raw: &str) -> Result<String> {
    let login = raw.trim().to_lowercase();
    let ok = !login.is_empty()
        && login.len() <= 32
        && login.chars().enumerate().all(|(i, c)| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || (i > 0 && matches!(c, '.' | '_' | '-'))
        });
    if ok {
        Ok(login)
    } else {
        Err(Error::invalid(format!(
            "login '{}' must match [a-z0-9][a-z0-9._-]{{0,31}}",
            escape(&truncate_chars(raw, 40))
        )))
    }
}

/// Free text (descriptions, notes, endpoints): bounded, no control characters.
pub fn validate_text(raw: &str, what: &str, max: usize) -> Result<String> {
    let t = raw.trim();
    if t.chars().count() > max {
        return Err(Error::invalid(format!(
            "{what} is longer than {max} characters"
        )));
    }
    if t.chars().any(super::text::needs_escape) {
        return Err(Error::invalid(format!(
            "{what} contains control characters"
        )));
    }
    Ok(t.to_string())
}

pub fn truncate_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// The key R3 sorts by: case-insensitive name.
pub fn sort_key(name: &str) -> String {
    name.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r2_names_valid_and_invalid() {
        assert_eq!(
            validate_name("  Plant ops ", "folder").unwrap(),
            "Plant ops"
        );
        assert_eq!(validate_name("数据 📊", "app").unwrap(), "数据 📊");
        for bad in [
            "",
            "   ",
            "a/b",
            "a:b",
            ".",
            "..",
            "a\u{1b}[31m",
            "x\ny",
            "\u{202e}abc",
        ] {
            assert!(validate_name(bad, "folder").is_err(), "{bad:?}");
        }
        assert!(validate_name(&"x".repeat(64), "f").is_ok());
        assert!(validate_name(&"x".repeat(65), "f").is_err());
    }

    #[test]
    fn logins() {
        assert_eq!(validate_login("Alice").unwrap(), "alice");
        assert!(validate_login("a.b-c_1").is_ok());
        assert!(validate_login("-a").is_err());
        assert!(validate_login(&"a".repeat(33)).is_err());
        assert!(validate_login("a b").is_err());
    }
}
