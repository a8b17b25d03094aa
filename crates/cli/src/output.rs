//! Where results go: aligned tables and sentences for people, JSON for scripts, on stdout.
//!
//! Every write returns an `io::Result` (a closed pipe, as in `retune jobs list | head -1`, is an
//! error the caller ends quietly on, never a panic). Narration for people goes through
//! [`Out::say`], which `-q` and `--format json` silence.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::config::{Format, Verbosity};

/// stdout, with the output settings of this run.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    format: Format,
    verbosity: Verbosity,
}

impl Out {
    /// Output for `format` and `verbosity`.
    pub fn new(format: Format, verbosity: Verbosity) -> Out {
        Out { format, verbosity }
    }

    /// Whether results are JSON.
    pub fn is_json(&self) -> bool {
        self.format == Format::Json
    }

    /// Whether narration and progress are wanted (not `-q`, not JSON).
    pub fn narrates(&self) -> bool {
        self.verbosity != Verbosity::Quiet && self.format == Format::Table
    }

    /// Writes `text` and a newline to stdout: a result, always shown.
    pub fn line(&self, text: impl AsRef<str>) -> io::Result<()> {
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.as_ref().as_bytes())?;
        stdout.write_all(b"\n")?;
        stdout.flush()
    }

    /// Narration for people: shown unless `-q` or `--format json`.
    pub fn say(&self, text: impl AsRef<str>) -> io::Result<()> {
        if self.narrates() {
            self.line(text)
        } else {
            Ok(())
        }
    }

    /// A `serde_json` value on stdout, pretty-printed.
    pub fn json_value(&self, value: &serde_json::Value) -> io::Result<()> {
        let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
        self.line(text)
    }
}

/// A table with a header row; columns are padded to the widest cell and separated by two
/// spaces, as gcloud prints them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are empty, extra cells are dropped).
    pub fn row(&mut self, cells: Vec<String>) {
        let mut cells = cells;
        cells.resize(self.headers.len(), String::new());
        self.rows.push(cells);
    }

    /// The table as text, one line per row, no trailing newline.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for (i, row) in std::iter::once(&self.headers).chain(&self.rows).enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let mut line = String::new();
            for (j, (cell, width)) in row.iter().zip(&widths).enumerate() {
                if j + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    let _ = write!(line, "{cell:<width$}  ");
                }
            }
            out.push_str(line.trim_end());
        }
        out
    }
}

/// `key  value` lines with the keys aligned, for one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    rows: Vec<(String, String)>,
}

impl Fields {
    /// No fields yet.
    pub fn new() -> Fields {
        Fields::default()
    }

    /// Adds `key: value`, skipping empty values.
    pub fn add(&mut self, key: &str, value: impl Into<String>) -> &mut Fields {
        let value = value.into();
        if !value.is_empty() {
            self.rows.push((key.to_owned(), value));
        }
        self
    }

    /// The fields as text, each line indented by `indent` spaces.
    pub fn render(&self, indent: usize) -> String {
        let width = self
            .rows
            .iter()
            .map(|(k, _)| k.chars().count() + 1)
            .max()
            .unwrap_or(0);
        self.rows
            .iter()
            .map(|(k, v)| format!("{:indent$}{:<width$}  {v}", "", format!("{k}:")))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_pads_columns_to_the_widest_cell() {
        let mut t = Table::new(&["NAME", "STATE"]);
        t.row(vec!["a-long-name".into(), "SUCCEEDED".into()]);
        t.row(vec!["b".into(), "RUNNING".into()]);
        assert_eq!(
            t.render(),
            "NAME         STATE\na-long-name  SUCCEEDED\nb            RUNNING"
        );
    }

    #[test]
    fn table_trims_trailing_spaces_of_empty_last_cells() {
        let mut t = Table::new(&["A", "B"]);
        t.row(vec!["x".into()]);
        assert_eq!(t.render(), "A  B\nx");
    }

    #[test]
    fn fields_align_keys_and_skip_empty_values() {
        let mut f = Fields::new();
        f.add("name", "m").add("state", "").add("display name", "d");
        assert_eq!(f.render(2), "  name:          m\n  display name:  d");
    }
}
