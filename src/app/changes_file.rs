//! Reading a changes file (`apply FILE`, a test file's set-up): YAML, JSON or
//! CSV, each entry remembered with the line it starts on, so that a refusal
//! names the line to fix.

use serde_json::{Map, Value};

use super::apply::{Change, Entry, CHANGE_WORDS};
use crate::domain::{text, Error, Result};

/// The formats a changes file may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Csv,
}

impl Format {
    /// By the file's extension, else by its first character (`[`/`{`: JSON).
    pub fn guess(name: &str, text: &str) -> Format {
        let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Format::Csv,
            "json" => Format::Json,
            "yaml" | "yml" => Format::Yaml,
            _ if text.trim_start().starts_with(['[', '{']) => Format::Json,
            _ => Format::Yaml,
        }
    }
}

/// Every entry of a changes file, in order.
pub fn parse(name: &str, text: &str) -> Result<Vec<Entry>> {
    match Format::guess(name, text) {
        Format::Csv => parse_csv(text),
        Format::Json => parse_json(text),
        Format::Yaml => parse_yaml(text),
    }
}

/// A list of entries, or a map holding one under `changes`.
fn entries_of(v: Value) -> Result<Vec<Value>> {
    match v {
        Value::Array(a) => Ok(a),
        Value::Object(mut o) if o.contains_key("changes") => {
            entries_of(o.remove("changes").unwrap_or(Value::Null))
        }
        Value::Null => Ok(Vec::new()),
        _ => Err(Error::invalid(
            "a changes file is a list of entries (or a map with one under `changes`)",
        )),
    }
}

/// One entry from its value: a one-key map named after a change.
pub fn entry_of(line: usize, v: Value) -> Result<Entry> {
    let at = |m: String| {
        let place = if line > 0 {
            format!("line {line}: ")
        } else {
            String::new()
        };
        Error::invalid(format!("{place}{m}"))
    };
    let name = match &v {
        Value::Object(o) if o.len() == 1 => o.keys().next().cloned().unwrap_or_default(),
        _ => {
            return Err(at(format!(
                "an entry is a map with one key, the change (one of: {})",
                CHANGE_WORDS.join(", ")
            )))
        }
    };
    let change: Change = serde_json::from_value(v).map_err(|e| {
        let why = e.to_string();
        if why.starts_with("unknown variant") {
            at(format!(
                "'{}' is not a change (one of: {})",
                text::escape(&name),
                CHANGE_WORDS.join(", ")
            ))
        } else {
            at(format!("{}: {}", text::escape(&name), text::escape(&why)))
        }
    })?;
    Ok(Entry { line, change })
}

fn parse_json(text: &str) -> Result<Vec<Entry>> {
    use serde_json::value::RawValue;
    let bad = |e: serde_json::Error| {
        Error::invalid(format!(
            "line {}: not JSON: {}",
            e.line(),
            text::escape(&e.to_string())
        ))
    };
    let top: Value = serde_json::from_str(text).map_err(bad)?;
    // The raw entries borrow from the text: where each starts is its line.
    let raw: Vec<&RawValue> = match &top {
        Value::Array(_) => serde_json::from_str(text).map_err(bad)?,
        _ => {
            #[derive(serde::Deserialize)]
            struct Wrapped<'a> {
                #[serde(borrow)]
                changes: Vec<&'a RawValue>,
            }
            let w: Wrapped = serde_json::from_str(text).map_err(bad)?;
            w.changes
        }
    };
    raw.into_iter()
        .map(|r| {
            let offset = r.get().as_ptr() as usize - text.as_ptr() as usize;
            let line = text[..offset].matches('\n').count() + 1;
            let v: Value = serde_json::from_str(r.get()).map_err(bad)?;
            entry_of(line, v)
        })
        .collect()
}

fn parse_yaml(text: &str) -> Result<Vec<Entry>> {
    let v: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(0);
        let full = e.to_string();
        let what = full.split(" at line ").next().unwrap_or(&full);
        Error::invalid(format!("line {line}: not YAML: {}", text::escape(what)))
    })?;
    let v: Value = serde_json::to_value(v)
        .map_err(|e| Error::invalid(format!("not a list of changes: {e}")))?;
    let values = entries_of(v)?;
    let lines = yaml_item_lines(text, values.len());
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| entry_of(lines.get(i).copied().unwrap_or(0), v))
        .collect()
}

/// The lines the items of a YAML file's list start on: those `- ` lines
/// indented least (the outer list). When they do not count `n`, unknown.
pub fn yaml_item_lines(text: &str, n: usize) -> Vec<usize> {
    let items: Vec<(usize, usize)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let body = l.trim_start();
            let starts = body == "-" || body.starts_with("- ");
            starts.then(|| (i + 1, l.len() - body.len()))
        })
        .collect();
    let Some(least) = items.iter().map(|(_, indent)| *indent).min() else {
        return Vec::new();
    };
    let lines: Vec<usize> = items
        .into_iter()
        .filter(|(_, indent)| *indent == least)
        .map(|(line, _)| line)
        .collect();
    if lines.len() == n {
        lines
    } else {
        Vec::new()
    }
}

/// CSV: a header row naming the columns (`change`, then the entries'
/// fields: path, subject, level, note, to, name, ws, login, roles, …); one
/// entry per row, its empty cells left out.
fn parse_csv(text: &str) -> Result<Vec<Entry>> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| Error::invalid(format!("line 1: not CSV: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let Some(kind_col) = header.iter().position(|h| h == "change" || h == "op") else {
        return Err(Error::invalid(
            "line 1: a CSV changes file needs a `change` column naming each row's change",
        ));
    };
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            Error::invalid(format!("line {line}: not CSV: {e}"))
        })?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let mut fields = Map::new();
        for (i, cell) in rec.iter().enumerate() {
            if i != kind_col && !cell.is_empty() {
                let key = header.get(i).cloned().unwrap_or_default();
                fields.insert(key, Value::String(cell.to_string()));
            }
        }
        let kind = rec.get(kind_col).unwrap_or("").to_string();
        let mut entry = Map::new();
        entry.insert(kind, Value::Object(fields));
        out.push(entry_of(line, Value::Object(entry))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_gives_the_entries_with_their_lines() {
        let yaml = "# grants for sales\n- share: {path: \"/W/team/Sales\", subject: \"user:frank\", level: viewer}\n- mkdir:\n    path: /W/team/Sales/New\n";
        let e = parse("c.yaml", yaml).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].line, e[1].line), (2, 3));
        assert!(matches!(&e[1].change, Change::Mkdir { path } if path == "/W/team/Sales/New"));
        let json = "[\n {\"mkdir\": {\"path\": \"/W/team/A\"}},\n\n {\"rm\": {\"path\": \"/W/team/B\"}}\n]";
        let e = parse("c.json", json).unwrap();
        assert_eq!((e[0].line, e[1].line), (2, 4));
        let csv = "change,path,subject,level\nshare,/W/team/A,group:qa,viewer\nmkdir,/W/team/B,,\n";
        let e = parse("c.csv", csv).unwrap();
        assert_eq!((e[0].line, e[1].line), (2, 3));
        assert!(matches!(&e[0].change, Change::Share { note: None, .. }));
    }

    #[test]
    fn a_bad_entry_names_its_line() {
        let yaml = "- mkdir: {path: /W/team/A}\n- shre: {path: /W/team/A}\n";
        let e = parse("c.yaml", yaml).unwrap_err();
        assert!(
            e.message.starts_with("line 2: 'shre' is not a change"),
            "{e}"
        );
        let yaml = "- mkdir: {path: /W/team/A}\n- share: {path: /W/team/A, level: viewer}\n";
        let e = parse("c.yaml", yaml).unwrap_err();
        assert!(
            e.message.contains("line 2: share: missing field `subject`"),
            "{e}"
        );
    }
}
