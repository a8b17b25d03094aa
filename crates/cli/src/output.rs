//! Where results go: aligned tables and sentences for people; JSON, YAML or `value(...)` lines
//! for scripts, on stdout.
//!
//! Every write returns an `io::Result` (a closed pipe, as in `retune jobs list | head -1`, is an
//! error the caller ends quietly on, never a panic). Narration for people goes through
//! [`Out::say`], which `--silent` and the formats for scripts silence. A result for scripts is
//! one `serde_json::Value`, the API's JSON, which [`Out::json_value`] prints in the chosen format.

use std::fmt::Write as _;
use std::io::{self, BufRead, IsTerminal, Write};

use serde_json::Value;

use crate::config::{Format, Verbosity};

/// stdout, with the output settings of this run.
#[derive(Debug, Clone)]
pub struct Out {
    format: Format,
    verbosity: Verbosity,
    assume_yes: bool,
}

impl Out {
    /// Output for `format` and `verbosity`; `assume_yes` (`--quiet`) answers every
    /// confirmation.
    pub fn new(format: Format, verbosity: Verbosity, assume_yes: bool) -> Out {
        Out {
            format,
            verbosity,
            assume_yes,
        }
    }

    /// Whether results are for scripts (JSON, YAML or `value(...)`), printed by
    /// [`Out::json_value`].
    pub fn is_json(&self) -> bool {
        self.format != Format::Table
    }

    /// Asks `question` on a terminal and says whether the answer is yes (the default). With
    /// `--quiet`, or when stdin is not a terminal (a script), nobody is asked.
    pub fn confirm(&self, question: &str) -> io::Result<bool> {
        if self.assume_yes || !io::stdin().is_terminal() {
            return Ok(true);
        }
        {
            let mut stderr = io::stderr().lock();
            write!(stderr, "{question}\nDo you want to continue (Y/n)? ")?;
            stderr.flush()?;
        }
        let mut answer = String::new();
        io::stdin().lock().read_line(&mut answer)?;
        let answer = answer.trim().to_lowercase();
        Ok(answer.is_empty() || answer == "y" || answer == "yes")
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

    /// A result for scripts on stdout: pretty JSON, YAML, or the `value(...)` fields of each
    /// resource (each item of a list) on a line.
    pub fn json_value(&self, value: &Value) -> io::Result<()> {
        let text = match &self.format {
            Format::Table | Format::Json => {
                serde_json::to_string_pretty(value).map_err(io::Error::other)?
            }
            Format::Yaml => yaml(value),
            Format::Value(fields) => values(value, fields),
        };
        if text.is_empty() {
            return Ok(());
        }
        self.line(text)
    }
}

/// `value(a,b.c)`: one line per resource, its fields tab-separated; a list in a field is joined
/// with `;`, a missing field is empty.
fn values(value: &Value, fields: &[String]) -> String {
    let one = |item: &Value| {
        fields
            .iter()
            .map(|field| {
                let found = field
                    .split('.')
                    .try_fold(item, |v, key| v.get(key))
                    .unwrap_or(&Value::Null);
                scalar_text(found)
            })
            .collect::<Vec<_>>()
            .join("\t")
    };
    match value {
        Value::Array(items) => items.iter().map(one).collect::<Vec<_>>().join("\n"),
        other => one(other),
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(scalar_text).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

/// A JSON value as block-style YAML; strings that YAML would read as something else are
/// double-quoted (JSON's escapes are YAML's).
pub fn yaml(value: &Value) -> String {
    let mut lines = Vec::new();
    yaml_lines(value, 0, &mut lines);
    lines.join("\n")
}

fn yaml_lines(value: &Value, indent: usize, lines: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, v) in map {
                match v {
                    Value::Object(m) if !m.is_empty() => {
                        lines.push(format!("{pad}{}:", yaml_string(key)));
                        yaml_lines(v, indent + 2, lines);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        lines.push(format!("{pad}{}:", yaml_string(key)));
                        yaml_lines(v, indent, lines);
                    }
                    _ => lines.push(format!("{pad}{}: {}", yaml_string(key), yaml_scalar(v))),
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                let mut inner = Vec::new();
                yaml_lines(item, indent + 2, &mut inner);
                for (i, line) in inner.into_iter().enumerate() {
                    if i == 0 {
                        lines.push(format!("{pad}- {}", &line[indent + 2..]));
                    } else {
                        lines.push(line);
                    }
                }
            }
        }
        scalar => lines.push(format!("{pad}{}", yaml_scalar(scalar))),
    }
}

fn yaml_scalar(value: &Value) -> String {
    match value {
        Value::String(s) => yaml_string(s),
        Value::Object(_) => "{}".to_owned(),
        Value::Array(_) => "[]".to_owned(),
        other => other.to_string(),
    }
}

/// A string plain when YAML reads it back as the same string, double-quoted otherwise.
fn yaml_string(s: &str) -> String {
    let plain_chars = s
        .chars()
        .all(|c| c.is_alphanumeric() || "-_./@+".contains(c));
    let starts_well = s.chars().next().is_some_and(char::is_alphabetic);
    let reserved = ["true", "false", "yes", "no", "on", "off", "null", "y", "n"]
        .contains(&s.to_lowercase().as_str());
    if plain_chars && starts_well && !reserved {
        s.to_owned()
    } else {
        Value::String(s.to_owned()).to_string()
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
    fn yaml_quotes_what_would_read_back_as_another_type() {
        let value = serde_json::json!({
            "name": "projects/p/locations/l/tuningJobs/1",
            "epochCount": "3",
            "labels": {"team": "nlp", "flag": "true"},
            "checkpoints": [{"checkpointId": "1", "epoch": "1"}, {"checkpointId": "2"}],
            "empty": [],
            "count": 2,
        });
        assert_eq!(
            yaml(&value),
            "name: projects/p/locations/l/tuningJobs/1\nepochCount: \"3\"\nlabels:\n  team: nlp\n  flag: \"true\"\ncheckpoints:\n- checkpointId: \"1\"\n  epoch: \"1\"\n- checkpointId: \"2\"\nempty: []\ncount: 2"
        );
    }

    #[test]
    fn value_format_prints_the_fields_of_each_resource_on_a_line() {
        let list = serde_json::json!([
            {"name": "a", "state": "JOB_STATE_SUCCEEDED", "tunedModel": {"model": "m"}},
            {"name": "b", "labels": ["x", "y"]},
        ]);
        let fields = vec![
            "name".to_owned(),
            "tunedModel.model".to_owned(),
            "labels".to_owned(),
        ];
        assert_eq!(values(&list, &fields), "a\tm\t\nb\t\tx;y");
    }

    #[test]
    fn fields_align_keys_and_skip_empty_values() {
        let mut f = Fields::new();
        f.add("name", "m").add("state", "").add("display name", "d");
        assert_eq!(f.render(2), "  name:          m\n  display name:  d");
    }
}
