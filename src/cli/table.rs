//! Answers that are tables, in the formats other tools read: `-o
//! text|json|jsonl|csv|tsv`. Rows are written as they come, so a report of
//! millions of rows streams through without being held.

use std::io::Write;

use serde_json::{Map, Value};

use crate::domain::text::escape;
use crate::domain::{Error, Result};

/// `-o/--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    // No doc comments here: clap would list each value on a line of its own
    // and move every option's help below its name. `--output`'s help says it.
    #[default]
    Text,
    Json,
    Jsonl,
    Csv,
    Tsv,
}

impl Format {
    /// One row per line, rather than one document or one view.
    pub fn is_rows(self) -> bool {
        matches!(self, Format::Jsonl | Format::Csv | Format::Tsv)
    }
}

/// A cell of a row as text: scalars as they are, lists of scalars joined
/// with spaces, anything else as compact JSON.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) if a.iter().all(|x| !x.is_array() && !x.is_object()) => {
            a.iter().map(cell).collect::<Vec<_>>().join(" ")
        }
        other => other.to_string(),
    }
}

fn tsv_cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// The reader of the output went away (`| head`): the command stops
/// quietly, as other tools do, rather than report a failure.
pub const OUTPUT_CLOSED: &str = "the output was closed";

/// An error writing the output: [`OUTPUT_CLOSED`] for a closed pipe.
pub fn output_error(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Error::unavailable(OUTPUT_CLOSED);
    }
    Error::unavailable(format!("cannot write the output: {e}"))
}

/// Writes rows (JSON objects) in one of the formats, as they come.
pub struct RowWriter<'w> {
    format: Format,
    out: &'w mut dyn Write,
    columns: Vec<String>,
    rows: usize,
}

impl<'w> RowWriter<'w> {
    /// `columns`: the header, and the order of the cells.
    pub fn new(format: Format, out: &'w mut dyn Write, columns: &[&str]) -> Result<Self> {
        let mut w = RowWriter {
            format,
            out,
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: 0,
        };
        let header: Vec<String> = w.columns.clone();
        match format {
            Format::Csv => w.csv_line(&header)?,
            Format::Tsv => w.line(&header.join("\t"))?,
            Format::Json => w.put("[")?,
            Format::Text | Format::Jsonl => {}
        }
        Ok(w)
    }

    fn io(e: std::io::Error) -> Error {
        output_error(e)
    }
    fn put(&mut self, s: &str) -> Result<()> {
        self.out.write_all(s.as_bytes()).map_err(Self::io)
    }
    fn line(&mut self, s: &str) -> Result<()> {
        self.put(s)?;
        self.put("\n")
    }
    fn csv_line(&mut self, cells: &[String]) -> Result<()> {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(cells)
            .map_err(|e| Error::unavailable(format!("cannot write CSV: {e}")))?;
        let bytes = w
            .into_inner()
            .map_err(|e| Error::unavailable(format!("cannot write CSV: {e}")))?;
        self.out.write_all(&bytes).map_err(Self::io)
    }

    /// One row; `text`: how the text format shows it.
    pub fn row(&mut self, row: &Map<String, Value>, text: impl FnOnce() -> String) -> Result<()> {
        let cells = || -> Vec<String> {
            self.columns
                .iter()
                .map(|c| row.get(c).map(cell).unwrap_or_default())
                .collect()
        };
        match self.format {
            Format::Text => {
                let t = text();
                self.line(&t)?
            }
            Format::Csv => {
                let c = cells();
                self.csv_line(&c)?
            }
            Format::Tsv => {
                let c: Vec<String> = cells().iter().map(|c| tsv_cell(c)).collect();
                self.line(&c.join("\t"))?
            }
            Format::Jsonl => self.line(&Value::Object(row.clone()).to_string())?,
            Format::Json => {
                let sep = if self.rows == 0 { "\n  " } else { ",\n  " };
                self.put(sep)?;
                self.put(&Value::Object(row.clone()).to_string())?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends the document; returns how many rows were written.
    pub fn finish(mut self) -> Result<usize> {
        if self.format == Format::Json {
            self.put(if self.rows == 0 { "]\n" } else { "\n]\n" })?;
        }
        self.out.flush().map_err(Self::io)?;
        Ok(self.rows)
    }
}

/// The rows of an answer given whole: an array of objects, or the list a
/// document holds under `key` (each row with the document's `path`, if any).
pub fn rows_of(doc: &Value, key: Option<&str>) -> Option<Vec<Map<String, Value>>> {
    let (list, path) = match key {
        None => (doc.as_array()?, None),
        Some(k) => (doc.get(k)?.as_array()?, doc.get("path")),
    };
    list.iter()
        .map(|r| {
            let mut m = Map::new();
            if let Some(p) = path {
                m.insert("path".into(), p.clone());
            }
            m.extend(r.as_object()?.clone());
            Some(m)
        })
        .collect()
}

/// Nodes of a tree (`tree`, `access`) as rows, depth first, without their children.
pub fn tree_rows(nodes: &Value) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    let mut stack: Vec<&Value> = nodes
        .as_array()
        .map(|a| a.iter().rev().collect())
        .unwrap_or_default();
    while let Some(n) = stack.pop() {
        if let Some(o) = n.as_object() {
            let mut row = o.clone();
            row.remove("children");
            out.push(row);
            if let Some(c) = o.get("children").and_then(Value::as_array) {
                stack.extend(c.iter().rev());
            }
        }
    }
    out
}

/// Writes rows given whole, their columns in first-seen order.
pub fn write_rows(format: Format, rows: &[Map<String, Value>], out: &mut dyn Write) -> Result<()> {
    let mut columns: Vec<&str> = Vec::new();
    for r in rows {
        for k in r.keys() {
            if !columns.contains(&k.as_str()) {
                columns.push(k);
            }
        }
    }
    let mut w = RowWriter::new(format, out, &columns)?;
    for r in rows {
        w.row(r, || escape(&Value::Object(r.clone()).to_string()))?;
    }
    w.finish().map(|_| ())
}
