//! Resource labels: the syntax of keys and values and how many a resource may carry.
//!
//! Sources (spec §3.1 and §7.2): the `TuningJob.labels` proto comment says keys and values are
//! at most 64 Unicode code points of lowercase letters, digits, underscores and dashes, with
//! international characters allowed, and the labels go onto the generated Model and Endpoint too;
//! the Model documentation adds "no more than 64 user labels". Keys must also be non-empty and
//! start with a lowercase letter, as Google Cloud labels do everywhere; values may be empty.
//!
//! "Lowercase letter" includes international letters that have no case (`日本`, `ü` is fine, `Ü`
//! is not): a letter is refused only when it is uppercase (or titlecase).
//!
//! On a command line a label is written `key=value` and parsed as a [`Label`].
//!
//! ```
//! use retune_model::labels::{check_labels, Label, LabelError};
//! let label: Label = "チーム=言語".parse().unwrap();
//! assert_eq!((label.key(), label.value()), ("チーム", "言語"));
//! assert!(matches!("team".parse::<Label>(), Err(LabelError::NotKeyValue { .. })));
//! assert_eq!(check_labels([("team", "nlp"), ("チーム", "言語")]), Ok(()));
//! assert_eq!(check_labels([("env", "")]), Ok(()));
//! assert!(matches!(
//!     check_labels([("Team", "nlp")]),
//!     Err(LabelError::KeyStart { .. })
//! ));
//! ```

use std::fmt;
use std::str::FromStr;

use crate::Code;

/// The most labels one resource may carry.
pub const MAX_LABELS: usize = 64;
/// The longest label key, in Unicode code points.
pub const MAX_KEY_CHARS: usize = 64;
/// The longest label value, in Unicode code points.
pub const MAX_VALUE_CHARS: usize = 64;

/// Why a set of labels is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// A `key=value` string without `=`.
    #[error("expected KEY=VALUE; found {input:?}")]
    NotKeyValue {
        /// The string as given.
        input: String,
    },
    /// More than [`MAX_LABELS`] labels.
    #[error("a resource can have at most {MAX_LABELS} labels; found {count}")]
    TooMany {
        /// How many were given.
        count: usize,
    },
    /// An empty key.
    #[error("label keys must not be empty")]
    EmptyKey,
    /// A key longer than [`MAX_KEY_CHARS`].
    #[error("label key {key:?} is {chars} characters long; the limit is {MAX_KEY_CHARS}")]
    KeyTooLong {
        /// The key.
        key: String,
        /// Its length in code points.
        chars: usize,
    },
    /// A key that does not start with a lowercase letter.
    #[error("label key {key:?} must start with a lowercase letter")]
    KeyStart {
        /// The key.
        key: String,
    },
    /// A key with a character other than lowercase letters, digits, `_` and `-`.
    #[error(
        "label key {key:?} contains {found:?}; keys may contain only lowercase letters, digits, `_` and `-`"
    )]
    KeyCharacter {
        /// The key.
        key: String,
        /// The first refused character.
        found: char,
    },
    /// A value longer than [`MAX_VALUE_CHARS`].
    #[error(
        "the value of label {key:?} is {chars} characters long; the limit is {MAX_VALUE_CHARS}"
    )]
    ValueTooLong {
        /// The key.
        key: String,
        /// The value's length in code points.
        chars: usize,
    },
    /// A value with a character other than lowercase letters, digits, `_` and `-`.
    #[error(
        "the value {value:?} of label {key:?} contains {found:?}; values may contain only lowercase letters, digits, `_` and `-`"
    )]
    ValueCharacter {
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// The first refused character.
        found: char,
    },
}

impl LabelError {
    /// Always `INVALID_ARGUMENT`.
    pub fn code(&self) -> Code {
        Code::InvalidArgument
    }

    /// The key at fault, if one label is.
    pub fn key(&self) -> Option<&str> {
        match self {
            LabelError::NotKeyValue { .. } | LabelError::TooMany { .. } | LabelError::EmptyKey => {
                None
            }
            LabelError::KeyTooLong { key, .. }
            | LabelError::KeyStart { key }
            | LabelError::KeyCharacter { key, .. }
            | LabelError::ValueTooLong { key, .. }
            | LabelError::ValueCharacter { key, .. } => Some(key),
        }
    }
}

/// A lowercase letter: any letter that is not uppercase or titlecase (caseless scripts count).
fn is_lowercase_letter(c: char) -> bool {
    c.is_alphabetic() && !c.is_uppercase() && c.to_lowercase().eq(std::iter::once(c))
}

fn is_label_char(c: char) -> bool {
    is_lowercase_letter(c) || c.is_numeric() || c == '_' || c == '-'
}

/// Checks one label.
pub fn check_label(key: &str, value: &str) -> Result<(), LabelError> {
    let Some(first) = key.chars().next() else {
        return Err(LabelError::EmptyKey);
    };
    let chars = key.chars().count();
    if chars > MAX_KEY_CHARS {
        return Err(LabelError::KeyTooLong {
            key: key.to_owned(),
            chars,
        });
    }
    if !is_lowercase_letter(first) {
        return Err(LabelError::KeyStart {
            key: key.to_owned(),
        });
    }
    if let Some(found) = key.chars().find(|&c| !is_label_char(c)) {
        return Err(LabelError::KeyCharacter {
            key: key.to_owned(),
            found,
        });
    }
    let chars = value.chars().count();
    if chars > MAX_VALUE_CHARS {
        return Err(LabelError::ValueTooLong {
            key: key.to_owned(),
            chars,
        });
    }
    if let Some(found) = value.chars().find(|&c| !is_label_char(c)) {
        return Err(LabelError::ValueCharacter {
            key: key.to_owned(),
            value: value.to_owned(),
            found,
        });
    }
    Ok(())
}

/// Checks a set of labels: the count first, then each label in order; the first fault wins.
pub fn check_labels<'a>(
    labels: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), LabelError> {
    let labels: Vec<(&str, &str)> = labels.into_iter().collect();
    if labels.len() > MAX_LABELS {
        return Err(LabelError::TooMany {
            count: labels.len(),
        });
    }
    labels
        .into_iter()
        .try_for_each(|(key, value)| check_label(key, value))
}

/// One label, valid by [`check_label`]; written `key=value`.
///
/// ```
/// use retune_model::labels::Label;
/// assert_eq!("team=nlp".parse::<Label>().unwrap().to_string(), "team=nlp");
/// assert!("env=".parse::<Label>().is_ok());
/// assert!("Team=nlp".parse::<Label>().is_err());
/// assert!(Label::new("team", "a".repeat(65)).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label {
    key: String,
    value: String,
}

impl Label {
    /// The label `key=value`, if both follow the rules.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Result<Label, LabelError> {
        let (key, value) = (key.into(), value.into());
        check_label(&key, &value)?;
        Ok(Label { key, value })
    }

    /// The key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value (possibly empty).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The key and the value.
    pub fn into_parts(self) -> (String, String) {
        (self.key, self.value)
    }
}

impl FromStr for Label {
    type Err = LabelError;

    /// `key=value`, split at the first `=` (a key cannot contain one).
    fn from_str(input: &str) -> Result<Label, LabelError> {
        let (key, value) = input
            .split_once('=')
            .ok_or_else(|| LabelError::NotKeyValue {
                input: input.to_owned(),
            })?;
        Label::new(key, value)
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn label_table() {
        let long = |n: usize| "a".repeat(n);
        let cases: Vec<(String, String, Result<(), &str>)> = vec![
            ("team".into(), "nlp".into(), Ok(())),
            ("a".into(), String::new(), Ok(())),
            ("tune-type".into(), "sft".into(), Ok(())),
            ("k_1".into(), "v-2_x".into(), Ok(())),
            ("チーム".into(), "言語".into(), Ok(())),
            ("über".into(), "straße".into(), Ok(())),
            ("é1".into(), "0".into(), Ok(())),
            (long(64), long(64), Ok(())),
            (String::new(), "v".into(), Err("EmptyKey")),
            (long(65), "v".into(), Err("KeyTooLong")),
            ("k".into(), long(65), Err("ValueTooLong")),
            ("Team".into(), "nlp".into(), Err("KeyStart")),
            ("1team".into(), "nlp".into(), Err("KeyStart")),
            ("_team".into(), "nlp".into(), Err("KeyStart")),
            ("-team".into(), "nlp".into(), Err("KeyStart")),
            ("Über".into(), "x".into(), Err("KeyStart")),
            ("team.x".into(), "nlp".into(), Err("KeyCharacter")),
            ("teaM".into(), "nlp".into(), Err("KeyCharacter")),
            ("te am".into(), "nlp".into(), Err("KeyCharacter")),
            ("team".into(), "NLP".into(), Err("ValueCharacter")),
            ("team".into(), "a/b".into(), Err("ValueCharacter")),
            ("team".into(), "a b".into(), Err("ValueCharacter")),
            ("team".into(), "ǅ".into(), Err("ValueCharacter")),
        ];
        for (key, value, want) in cases {
            let got = check_label(&key, &value);
            match (want, got) {
                (Ok(()), Ok(())) => {}
                (Err(variant), Err(err)) => {
                    assert!(
                        format!("{err:?}").starts_with(variant),
                        "{key:?}={value:?}: want {variant}, got {err:?}"
                    );
                    assert_eq!(err.code(), Code::InvalidArgument);
                }
                (want, got) => panic!("{key:?}={value:?}: want {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn sixty_four_labels_pass_and_sixty_five_do_not() {
        let keys: Vec<String> = (0..65).map(|i| format!("k{i}")).collect();
        let labels = |n: usize| keys[..n].iter().map(|k| (k.as_str(), "v"));
        assert_eq!(check_labels(labels(64)), Ok(()));
        assert_eq!(
            check_labels(labels(65)),
            Err(LabelError::TooMany { count: 65 })
        );
    }

    #[test]
    fn the_first_bad_label_is_reported_with_its_key() {
        let err = check_labels([("ok", "1"), ("bad", "X"), ("Worse", "y")]).unwrap_err();
        assert_eq!(err.key(), Some("bad"));
        assert!(err.to_string().contains("\"X\""), "{err}");
    }

    #[test]
    fn label_strings_split_at_the_first_equals_sign() {
        assert_eq!(
            "team=a=b".parse::<Label>(),
            Err(LabelError::ValueCharacter {
                key: "team".into(),
                value: "a=b".into(),
                found: '=',
            })
        );
        assert_eq!(
            "=v".parse::<Label>(),
            Err(LabelError::EmptyKey),
            "an empty key is refused"
        );
        assert_eq!(
            "team".parse::<Label>(),
            Err(LabelError::NotKeyValue {
                input: "team".into()
            })
        );
    }

    proptest! {
        #[test]
        fn label_parse_never_panics_and_agrees_with_check_label(s in "\\PC{0,80}") {
            match s.parse::<Label>() {
                Ok(label) => {
                    prop_assert_eq!(check_label(label.key(), label.value()), Ok(()));
                    prop_assert_eq!(label.to_string(), s);
                }
                Err(LabelError::NotKeyValue { input }) => {
                    prop_assert!(!s.contains('='));
                    prop_assert_eq!(input, s);
                }
                Err(err) => {
                    let (key, value) = s.split_once('=').expect("has =");
                    prop_assert_eq!(check_label(key, value), Err(err));
                }
            }
        }

        #[test]
        fn well_formed_labels_are_accepted(
            key in "[a-z][a-z0-9_-]{0,63}",
            value in "[a-z0-9_-]{0,64}",
        ) {
            prop_assert_eq!(check_label(&key, &value), Ok(()));
        }

        #[test]
        fn any_uppercase_ascii_letter_is_refused(
            key in "[a-z][a-z0-9]{0,20}",
            upper in "[A-Z]",
        ) {
            let value = format!("x{upper}");
            prop_assert!(check_label(&key, &value).is_err());
            let bad_key = format!("{key}{upper}");
            prop_assert!(check_label(&bad_key, "v").is_err());
        }
    }
}
