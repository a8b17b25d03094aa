//! The `filter` query parameter of list calls: a small, lenient subset of AIP-160.
//!
//! A filter is a conjunction of terms joined by `AND` (any case), by whitespace, or by the
//! `&filter=` that the Gen AI SDK glues between a user filter and its own
//! (`display_name="m"&filter=labels.tune-type:*`). A term is one of:
//!
//! - `field = value`, `field != value` (value bare or in double quotes);
//! - `field : value` (has; `field:*` means "is set");
//! - `field < value`, `<=`, `>`, `>=` (compared as strings, which orders RFC 3339 times);
//! - `labels:key` (the label is set).
//!
//! Field names are accepted in snake_case and camelCase. Which fields exist depends on the list
//! (see [`Filterable`]); an unknown field or a term that does not parse is 400 INVALID_ARGUMENT
//! naming it. `OR`, `NOT` and parentheses are not supported (400).
//!
//! The fields each list knows are [`super::ListKind::filter_fields`]; the emulator applies a
//! parsed filter to its records through [`Filterable`].

use crate::wire;

/// A filter that does not parse, or names a field the list does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// The text is not a conjunction of comparisons.
    #[error("Invalid filter {filter:?}: {reason}.")]
    Syntax {
        /// The filter as given.
        filter: String,
        /// What could not be read.
        reason: String,
    },
    /// A term names a field the list does not filter on.
    #[error("Invalid filter: unsupported field {field:?}.")]
    UnknownField {
        /// The field as written in the term (snake_case).
        field: String,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `:` (has)
    Has,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// One `field op value` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The field path in snake_case, e.g. `display_name` or `labels.tune-type`.
    pub field: String,
    /// The operator.
    pub op: Op,
    /// The value, unquoted.
    pub value: String,
}

/// A parsed filter: every term must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    terms: Vec<Term>,
}

/// What a filter sees of a listed resource.
pub trait Filterable {
    /// The value of `field` (snake_case; `labels.k` for a label), `Some(None)` for a known field
    /// that is unset, or `None` for a field this list does not know.
    fn field(&self, field: &str) -> Option<Option<String>>;
}

/// Splits a filter into raw terms: on `&filter=`, on `AND`, and on whitespace outside quotes.
fn tokenize(filter: &str) -> Result<Vec<String>, String> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    for chunk in filter.split("&filter=") {
        let mut group: Vec<String> = Vec::new();
        for word in words(chunk)? {
            if word.eq_ignore_ascii_case("AND") {
                if !group.is_empty() {
                    groups.push(std::mem::take(&mut group));
                }
            } else if word.eq_ignore_ascii_case("OR")
                || word.eq_ignore_ascii_case("NOT")
                || word.starts_with('(')
                || word.starts_with('-')
            {
                return Err(format!("{word:?} is not supported; join terms with AND"));
            } else {
                group.push(word);
            }
        }
        if !group.is_empty() {
            groups.push(group);
        }
    }
    groups.into_iter().map(glue).collect()
}

/// Whitespace-separated words, keeping quoted strings whole.
fn words(chunk: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let mut chars = chunk.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                current.push(c);
            }
            '\\' if in_quotes => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            c if c.is_whitespace() && !in_quotes => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if in_quotes {
        return Err("unterminated string".to_owned());
    }
    if !current.is_empty() {
        words.push(current);
    }
    Ok(words)
}

const OP_CHARS: [char; 5] = ['=', '!', ':', '<', '>'];

/// Joins `field = value` written with spaces back into one term; refuses terms not joined by AND.
fn glue(group: Vec<String>) -> Result<String, String> {
    let is_op = |w: &str| matches!(w, "=" | "!=" | ":" | "<" | "<=" | ">" | ">=");
    let ok = match group.as_slice() {
        [_] => true,
        [a, b] => a.ends_with(OP_CHARS) || b.starts_with(OP_CHARS),
        [_, op, _] => is_op(op),
        _ => false,
    };
    if ok {
        Ok(group.concat())
    } else {
        Err(format!(
            "cannot read {:?} as one comparison; join terms with AND",
            group.join(" ")
        ))
    }
}

fn unquote(value: &str) -> String {
    let trimmed = value.trim();
    match trimmed.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => trimmed.to_owned(),
    }
}

fn parse_term(raw: &str) -> Result<Term, String> {
    // Find the first operator outside quotes.
    let bytes: Vec<char> = raw.chars().collect();
    let mut in_quotes = false;
    for (i, c) in bytes.iter().enumerate() {
        match c {
            '"' => in_quotes = !in_quotes,
            '=' | '!' | ':' | '<' | '>' if !in_quotes => {
                let next = bytes.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('!', Some('=')) => (Op::Ne, 2),
                    ('<', Some('=')) => (Op::Le, 2),
                    ('>', Some('=')) => (Op::Ge, 2),
                    ('=', _) => (Op::Eq, 1),
                    (':', _) => (Op::Has, 1),
                    ('<', _) => (Op::Lt, 1),
                    ('>', _) => (Op::Gt, 1),
                    _ => return Err(format!("unexpected {c:?} in {raw:?}")),
                };
                let field: String = bytes[..i].iter().collect();
                let value: String = bytes[i + len..].iter().collect();
                let field = field.trim();
                if field.is_empty() {
                    return Err(format!("missing field name in {raw:?}"));
                }
                if value.trim().is_empty() {
                    return Err(format!("missing value in {raw:?}"));
                }
                if let Some(extra) = value
                    .trim_start()
                    .chars()
                    .next()
                    .filter(|c| "=!:<>".contains(*c))
                {
                    return Err(format!(
                        "unexpected {extra:?} after the operator in {raw:?}"
                    ));
                }
                let field = match field.split_once('.') {
                    Some((head, rest)) => format!("{}.{rest}", wire::fields::camel_to_snake(head)),
                    None => wire::fields::camel_to_snake(field),
                };
                return Ok(Term {
                    field,
                    op,
                    value: unquote(&value),
                });
            }
            _ => {}
        }
    }
    Err(format!(
        "expected a comparison such as field=\"value\", found {raw:?}"
    ))
}

impl Filter {
    /// Parses a filter; `None` or blank matches everything.
    ///
    /// ```
    /// use retune_model::request::Filter;
    /// assert!(Filter::parse(Some("labels.tune-type:* AND display_name=\"m\"")).is_ok());
    /// assert!(Filter::parse(Some("display_name=\"m\"&filter=labels.tune-type:*")).is_ok());
    /// assert!(Filter::parse(Some("a=1 OR b=2")).is_err());
    /// ```
    pub fn parse(filter: Option<&str>) -> Result<Filter, FilterError> {
        let Some(filter) = filter.map(str::trim).filter(|f| !f.is_empty()) else {
            return Ok(Filter::default());
        };
        let terms = tokenize(filter)
            .and_then(|tokens| tokens.iter().map(|t| parse_term(t)).collect())
            .map_err(|reason| FilterError::Syntax {
                filter: filter.to_owned(),
                reason,
            })?;
        Ok(Filter { terms })
    }

    /// The terms.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// One spelling for every way of writing the same filter (camelCase or snake_case fields,
    /// spaces around operators, quotes, `AND` or `&filter=`); page tokens are bound to it.
    ///
    /// ```
    /// use retune_model::request::Filter;
    /// let a = Filter::parse(Some("displayName = \"m\" AND labels.a:*")).unwrap();
    /// let b = Filter::parse(Some("display_name=m&filter=labels.a:*")).unwrap();
    /// assert_eq!(a.canonical(), b.canonical());
    /// ```
    pub fn canonical(&self) -> String {
        self.terms
            .iter()
            .map(|t| {
                let op = match t.op {
                    Op::Eq => "=",
                    Op::Ne => "!=",
                    Op::Has => ":",
                    Op::Lt => "<",
                    Op::Le => "<=",
                    Op::Gt => ">",
                    Op::Ge => ">=",
                };
                format!("{}{op}{:?}", t.field, t.value)
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// Checks that every field of the filter is `known` (`labels:k` is asked as `labels.k`).
    pub fn check_fields(&self, known: impl Fn(&str) -> bool) -> Result<(), FilterError> {
        match self.terms.iter().find(|t| !known(&normalized_field(t))) {
            Some(term) => Err(FilterError::UnknownField {
                field: term.field.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Whether `item` satisfies every term (an unknown field never matches).
    pub fn matches(&self, item: &impl Filterable) -> bool {
        self.terms.iter().all(|term| {
            let field = normalized_field(term);
            let Some(actual) = item.field(&field) else {
                return false;
            };
            match (term.op, term.field == "labels", actual) {
                (Op::Has, true, value) => value.is_some(),
                (Op::Has, false, value) => match value {
                    Some(v) => term.value == "*" || v.contains(&term.value),
                    None => false,
                },
                (Op::Eq, _, value) => value.as_deref().unwrap_or_default() == term.value,
                (Op::Ne, _, value) => value.as_deref().unwrap_or_default() != term.value,
                (op, _, Some(v)) => match op {
                    Op::Lt => v.as_str() < term.value.as_str(),
                    Op::Le => v.as_str() <= term.value.as_str(),
                    Op::Gt => v.as_str() > term.value.as_str(),
                    _ => v.as_str() >= term.value.as_str(),
                },
                (_, _, None) => false,
            }
        })
    }
}

/// `labels:k` is the same field as `labels.k`.
fn normalized_field(term: &Term) -> String {
    if term.field == "labels" {
        format!("labels.{}", term.value)
    } else {
        term.field.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Item {
        display_name: String,
        labels: BTreeMap<String, String>,
    }

    impl Filterable for Item {
        fn field(&self, field: &str) -> Option<Option<String>> {
            if let Some(key) = field.strip_prefix("labels.") {
                return Some(self.labels.get(key).cloned());
            }
            match field {
                "display_name" => Some(Some(self.display_name.clone())),
                _ => None,
            }
        }
    }

    fn item(name: &str, labels: &[(&str, &str)]) -> Item {
        Item {
            display_name: name.to_owned(),
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    fn check(filter: &str, item: &Item) -> bool {
        Filter::parse(Some(filter)).unwrap().matches(item)
    }

    #[test]
    fn label_presence_and_equality() {
        let tuned = item("m", &[("tune-type", "sft"), ("team", "nlp")]);
        let plain = item("m", &[]);
        assert!(check("labels.tune-type:*", &tuned));
        assert!(!check("labels.tune-type:*", &plain));
        assert!(check("labels:team", &tuned));
        assert!(check("labels.team=nlp", &tuned));
        assert!(check("labels.team = \"nlp\"", &tuned));
        assert!(!check("labels.team=cv", &tuned));
    }

    #[test]
    fn sdk_ampersand_form_is_a_conjunction() {
        let tuned = item("my model", &[("tune-type", "sft")]);
        assert!(check(
            "display_name=\"my model\"&filter=labels.tune-type:*",
            &tuned
        ));
        assert!(!check(
            "display_name=\"other\"&filter=labels.tune-type:*",
            &tuned
        ));
        assert!(check(
            "displayName=\"my model\" AND labels.tune-type:*",
            &tuned
        ));
    }

    #[test]
    fn unparseable_filters_are_invalid_argument() {
        for bad in [
            "display_name",
            "=x",
            "a=1 OR b=2",
            "display_name=\"open",
            "x=",
            "labels.a===b",
            "state=<1",
            "labels.a: :b",
        ] {
            assert!(Filter::parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_fields_are_reported() {
        let known = |f: &str| f == "display_name" || f.starts_with("labels.");
        let filter = Filter::parse(Some("colour=blue")).unwrap();
        assert!(filter.check_fields(known).is_err());
        let filter = Filter::parse(Some("labels.any:*")).unwrap();
        assert!(filter.check_fields(known).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,40}") {
            let _ = Filter::parse(Some(&text));
        }

        #[test]
        fn parse_never_panics_on_filter_like_text(
            text in "[a-zA-Z_.:=!<>*\" ()&-]{0,40}"
        ) {
            if let Ok(filter) = Filter::parse(Some(&text)) {
                let _ = filter.matches(&item("m", &[("a", "b")]));
            }
        }
    }
}
