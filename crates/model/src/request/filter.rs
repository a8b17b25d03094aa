//! The `filter` query parameter of list calls: a small, lenient subset of AIP-160.
//!
//! A filter is a conjunction of terms joined by `AND` (any case), by whitespace, or by the
//! `&filter=` that the Gen AI SDK glues between a user filter and its own
//! (`display_name="m"&filter=labels.tune-type:*`). A term is one of:
//!
//! - `field = value`, `field != value` (value bare or in double quotes);
//! - `field : value` (has; `field:*` means "is set");
//! - `field < value`, `<=`, `>`, `>=` (compared as strings, except the times below);
//! - `labels:key` (the label is set); a label key may be quoted (`labels."tune-type"=sft`), as
//!   the ListModels proto documents for keys with a space.
//!
//! `create_time` and `update_time` are compared as instants, not as text: the value is RFC 3339
//! with any fraction and offset (`2025-07-11T09:30:00+09:00`), and a value that is not one is
//! 400 naming the field. `state` is compared by the `JobState` value name; a number is 400.
//!
//! Field names are accepted in snake_case and camelCase. Which fields exist depends on the list
//! (see [`Filterable`]); an unknown field or a term that does not parse is 400 INVALID_ARGUMENT
//! naming it. `OR`, `NOT` and parentheses are not supported (400).
//!
//! The fields each list knows are [`super::ListKind::filter_fields`]; the emulator applies a
//! parsed filter to its records through [`Filterable`].

use crate::job_state::JobState;
use crate::proto_enum::ProtoEnum;
use crate::time::Timestamp;
use crate::wire;

/// The fields whose values are `google.protobuf.Timestamp`s (`TuningJob.create_time`,
/// `update_time` in `google/cloud/aiplatform/v1/tuning_job.proto`): compared as instants.
const TIME_FIELDS: [&str; 2] = ["create_time", "update_time"];

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
    /// A term uses an operator its field does not take (`base_model_name!=x` in ListModels).
    #[error("Invalid filter: field {field:?} does not support the operator {op}.")]
    UnsupportedOperator {
        /// The field (snake_case).
        field: String,
        /// The operator as written in the canonical form (`!=`, `:`, ...).
        op: &'static str,
    },
    /// A term compares a field with a value of the wrong kind (a time that is not RFC 3339, an
    /// enum written as a number).
    #[error("Invalid filter: {field:?} {reason}.")]
    InvalidValue {
        /// The field (snake_case).
        field: String,
        /// What the value should be.
        reason: String,
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

impl Op {
    /// How the operator is written.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Has => ":",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
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
                    Some((head, rest)) => {
                        format!("{}.{}", wire::fields::camel_to_snake(head), unquote(rest))
                    }
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
            .map(|t| format!("{}{}{:?}", t.field, t.op.symbol(), t.value))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// Checks every term against `operators`, which gives the operators a field takes, or
    /// `None` for a field the list does not know (`labels:k` is asked as `labels.k`).
    pub fn check_fields(
        &self,
        operators: impl Fn(&str) -> Option<&'static [Op]>,
    ) -> Result<(), FilterError> {
        for term in &self.terms {
            let field = normalized_field(term);
            match operators(&field) {
                None => {
                    return Err(FilterError::UnknownField {
                        field: term.field.clone(),
                    });
                }
                Some(ops) if !ops.contains(&term.op) => {
                    return Err(FilterError::UnsupportedOperator {
                        field: field.clone(),
                        op: term.op.symbol(),
                    });
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Checks the values of the typed fields: times must be RFC 3339 (any fraction, any offset),
    /// `state` a `JobState` value name.
    ///
    /// AIP-160 ("Literals") compares an enum by the name of its value (`state = ACTIVE`) and
    /// gives no numeric form, and the real service answers `state=4` with 400: so a number is
    /// refused here, naming the field, rather than matching nothing.
    pub fn check_values(&self) -> Result<(), FilterError> {
        for term in &self.terms {
            let invalid = |reason: &str| FilterError::InvalidValue {
                field: term.field.clone(),
                reason: reason.to_owned(),
            };
            if term.op == Op::Has && term.value == "*" {
                continue;
            }
            if TIME_FIELDS.contains(&term.field.as_str()) {
                if term.op == Op::Has {
                    return Err(invalid("is a time: compare it with =, !=, <, <=, > or >="));
                }
                term.value.parse::<Timestamp>().map_err(|_| {
                    invalid("takes an RFC 3339 time, such as \"2025-07-11T00:00:00Z\"")
                })?;
            } else if term.field == "state" && JobState::from_proto_name(&term.value).is_none() {
                return Err(invalid(
                    "takes a JobState value name, such as JOB_STATE_RUNNING (not a number)",
                ));
            }
        }
        Ok(())
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
                (op, _, Some(v)) if TIME_FIELDS.contains(&field.as_str()) => {
                    compare_instants(op, &v, &term.value)
                }
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

/// `actual op wanted` between two RFC 3339 times, as instants; false if either is not a time.
fn compare_instants(op: Op, actual: &str, wanted: &str) -> bool {
    let (Ok(actual), Ok(wanted)) = (actual.parse::<Timestamp>(), wanted.parse::<Timestamp>())
    else {
        return false;
    };
    match op {
        Op::Eq => actual == wanted,
        Op::Ne => actual != wanted,
        Op::Lt => actual < wanted,
        Op::Le => actual <= wanted,
        Op::Gt => actual > wanted,
        Op::Ge => actual >= wanted,
        Op::Has => true,
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
        create_time: String,
    }

    impl Filterable for Item {
        fn field(&self, field: &str) -> Option<Option<String>> {
            if let Some(key) = field.strip_prefix("labels.") {
                return Some(self.labels.get(key).cloned());
            }
            match field {
                "display_name" => Some(Some(self.display_name.clone())),
                "create_time" => Some(Some(self.create_time.clone())),
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
            create_time: "2025-07-11T00:00:39.875Z".to_owned(),
        }
    }

    fn created_at(time: &str) -> Item {
        Item {
            create_time: time.to_owned(),
            ..item("m", &[])
        }
    }

    fn values_error(filter: &str) -> Option<String> {
        match Filter::parse(Some(filter)).unwrap().check_values() {
            Err(FilterError::InvalidValue { field, .. }) => Some(field),
            Err(other) => panic!("{other}"),
            Ok(()) => None,
        }
    }

    // `TuningJob.create_time` is a `google.protobuf.Timestamp`
    // (google/cloud/aiplatform/v1/tuning_job.proto): a filter on it compares instants, so a
    // fraction after the second and an offset are read, not compared as text.
    #[test]
    fn times_compare_as_instants_not_as_text() {
        let job = created_at("2025-07-11T00:00:39.875Z");
        assert!(!check("create_time<\"2025-07-11T00:00:39Z\"", &job));
        assert!(check("create_time>\"2025-07-11T00:00:39Z\"", &job));
        assert!(check("create_time<\"2025-07-11T05:00:40+05:00\"", &job));
        assert!(!check("create_time<\"2025-07-11T05:00:39+05:00\"", &job));
        assert!(check(
            "create_time=\"2025-07-11T09:00:39.875000+09:00\"",
            &job
        ));
        assert!(check("createTime >= 2025-07-11T00:00:39.875Z", &job));
        assert!(!check("create_time!=\"2025-07-11T00:00:39.875Z\"", &job));
    }

    #[test]
    fn a_time_that_is_not_rfc_3339_names_its_field() {
        assert_eq!(
            values_error("create_time<\"2025-07-11\"").as_deref(),
            Some("create_time")
        );
        assert_eq!(
            values_error("update_time>yesterday").as_deref(),
            Some("update_time")
        );
        assert_eq!(values_error("update_time:*"), None);
        assert_eq!(
            values_error("create_time>=\"2025-07-11T00:00:00+05:00\""),
            None
        );
    }

    // The ListModels and ListModelVersions filters document quoted keys
    // (google/cloud/aiplatform/v1/model_service.proto, `ListModelsRequest.filter`: "A key
    // including a space must be quoted. `labels.\"a key\"`") and `labels.key:*` for existence.
    #[test]
    fn quoted_label_keys_and_key_existence_match() {
        let tuned = item("m", &[("tune-type", "sft"), ("a key", "v")]);
        assert!(check("labels.\"tune-type\"=sft", &tuned));
        assert!(check("labels.\"tune-type\" = \"sft\"", &tuned));
        assert!(!check("labels.\"tune-type\"=rl", &tuned));
        assert!(check("labels.\"a key\"=v", &tuned));
        assert!(check("labels.\"a key\":*", &tuned));
        assert!(check("labels.tune-type:*", &tuned));
        assert!(!check("labels.other:*", &tuned));
        assert!(check("labels:\"a key\"", &tuned));
    }

    // `TuningJob.state` is the enum `JobState` (google/cloud/aiplatform/v1/job_state.proto);
    // AIP-160 compares enums by value name, so `state=4` is a 400 naming `state`, not an empty
    // list.
    #[test]
    fn a_state_written_as_a_number_names_the_field() {
        assert_eq!(values_error("state=4").as_deref(), Some("state"));
        assert_eq!(values_error("state=RUNNING").as_deref(), Some("state"));
        assert_eq!(values_error("state=JOB_STATE_RUNNING"), None);
        assert_eq!(values_error("state!=\"JOB_STATE_FAILED\""), None);
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
    fn unknown_fields_and_operators_are_reported() {
        let known = |f: &str| -> Option<&'static [Op]> {
            match f {
                "display_name" => Some(&[Op::Eq]),
                f if f.starts_with("labels.") => Some(&[Op::Eq, Op::Has]),
                _ => None,
            }
        };
        let check = |text: &str| Filter::parse(Some(text)).unwrap().check_fields(known);
        assert!(matches!(
            check("colour=blue"),
            Err(FilterError::UnknownField { .. })
        ));
        assert!(check("labels.any:*").is_ok());
        assert!(check("labels:any").is_ok());
        assert_eq!(
            check("display_name!=m"),
            Err(FilterError::UnsupportedOperator {
                field: "display_name".to_owned(),
                op: "!="
            })
        );
    }

    proptest::proptest! {
        // Whatever the offset and fraction of either side, the filter orders as the instants do.
        #[test]
        fn time_filters_order_as_the_instants_do(
            a in -1_000_000_000_000i64..1_000_000_000_000i64,
            b in -1_000_000_000_000i64..1_000_000_000_000i64,
            offset_minutes in -(23 * 60 + 59)..(23 * 60 + 59),
        ) {
            let base: i128 = 1_750_000_000_000_000_000;
            let actual = Timestamp::from_unix_nanos(base + i128::from(a));
            let wanted = Timestamp::from_unix_nanos(base + i128::from(b));
            let offset = time::UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap();
            let written = time::OffsetDateTime::from_unix_timestamp_nanos(wanted.unix_nanos())
                .unwrap()
                .to_offset(offset)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap();
            let job = created_at(&actual.to_string());
            for (op, holds) in [
                ("<", actual < wanted),
                ("<=", actual <= wanted),
                (">", actual > wanted),
                (">=", actual >= wanted),
                ("=", actual == wanted),
                ("!=", actual != wanted),
            ] {
                let filter = format!("create_time{op}\"{written}\"");
                proptest::prop_assert_eq!(check(&filter, &job), holds, "{}", filter);
            }
        }

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
