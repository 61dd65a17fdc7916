//! Making stored text safe to show: nothing read from a store or an argument
//! reaches a terminal raw (control characters and escape sequences are escaped).

/// Escapes control characters (C0, DEL, C1), bidirectional controls and
/// invisible characters so a string cannot move the cursor, change colours,
/// reorder a line or hide part of itself.
pub fn escape(s: &str) -> String {
    let hidden = |c: char| needs_escape(c) || (!c.is_ascii() && super::names::invisible(c));
    if !s.chars().any(hidden) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// True for characters that must never reach a terminal unescaped.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Bidirectional formatting characters (they can make text read backwards).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// An escaped string on one line (messages are one line by contract).
pub fn one_line(s: &str) -> String {
    escape(s)
}

/// Words as a sentence lists them: "a, b, c or d".
pub fn either(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
