//! Name rules: R2 (item, workspace, group, org and tenant names) and logins.

use super::error::{Error, Result};
use super::text::escape;
use unicode_normalization::UnicodeNormalization;

pub const MAX_NAME_CHARS: usize = 64;

/// R2: 1–64 characters after trimming and NFC normalisation, no `/`, no
/// `:`, no control characters, no invisible ones (format characters and
/// other default-ignorable code points: a name must look like what it is),
/// not `.` or `..`. Returns the trimmed NFC name, which is what R1 compares
/// and what is stored: `Qualität` typed composed or decomposed is one name.
pub fn validate_name(raw: &str, what: &str) -> Result<String> {
    let normal: String = raw.trim().nfc().collect();
    let name = normal.as_str();
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
        .find(|c| matches!(c, '/' | ':') || super::text::needs_escape(*c) || invisible(*c))
    {
        let what_char = match c {
            '/' => "'/'".to_string(),
            ':' => "':'".to_string(),
            c if invisible(c) => format!("the invisible character U+{:04X}", c as u32),
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

/// A character that shows nothing (or changes how its neighbours show):
/// Unicode's format characters (Cf: zero-width space and joiners, soft
/// hyphen, bidirectional controls…) and the other default-ignorable code
/// points (variation selectors, fillers). UTS #39 drops exactly the
/// default-ignorable ones from a skeleton, so a character whose skeleton is
/// empty is one.
pub fn invisible(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    c.general_category() == GeneralCategory::Format
        || unicode_security::skeleton(c.encode_utf8(&mut [0; 4]))
            .next()
            .is_none()
}

/// Two different names that look alike (the same UTS #39 skeleton:
/// `Plant` and `Рlant` with a Cyrillic Р, `0` and `O`, `rn` and `m`). R1
/// refuses such a sibling as it refuses the same name. Compared lazily: most
/// names differ in their first characters.
pub fn confusable(a: &str, b: &str) -> bool {
    a != b && unicode_security::skeleton(a).eq(unicode_security::skeleton(b))
}

/// What a name looks like (its UTS #39 skeleton): two names with the same
/// look are equal for R1.
pub fn look(name: &str) -> String {
    unicode_security::skeleton(name).collect()
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

#[cfg(test)]
mod look_tests {
    use super::*;

    #[test]
    fn r1_r2_names_that_look_equal_are_equal() {
        // NFC: composed and decomposed are one name.
        assert_eq!(
            validate_name("Qualita\u{308}t", "item").unwrap(),
            "Qualität"
        );
        // Invisible characters are refused, counted after normalising.
        for c in [
            '\u{200b}', '\u{200d}', '\u{feff}', '\u{ad}', '\u{fe0f}', '\u{202e}', '\u{2060}',
        ] {
            let e = validate_name(&format!("a{c}b"), "item").unwrap_err();
            assert!(e.message.contains(&format!("U+{:04X}", c as u32)), "{e}");
        }
        let long = "a\u{308}".repeat(MAX_NAME_CHARS);
        assert!(validate_name(&long, "item").is_ok(), "64 after NFC");
        // Confusables: the same skeleton, different strings.
        assert!(confusable("Plant", "\u{420}lant"));
        assert!(confusable("Line1", "Linel"));
        assert!(!confusable("Plant", "Plant"));
        assert!(!confusable("Plant", "Plans"));
        assert_eq!(look("Plant"), look("\u{420}lant"));
        // Ordinary letters of other scripts are names like any other.
        for n in ["Café", "Qualität", "日本語", "Ελληνικά", "emoji 🚀"] {
            assert_eq!(validate_name(n, "item").unwrap(), n);
        }
    }
}
