//! The `order_by` query parameter of list calls: `field [asc|desc], ...` (AIP-132).
//!
//! Fields are accepted in snake_case and camelCase; each list allows its own keys
//! ([`super::ListKind::order_by_keys`]). The emulator applies a parsed [`OrderBy`] to its records.

use std::fmt;

use crate::wire;

/// A key a list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderKey {
    /// `display_name` (the model's).
    DisplayName,
    /// `create_time` (the version's, then the model's).
    CreateTime,
    /// `update_time` (the version's, then the model's).
    UpdateTime,
}

impl OrderKey {
    /// The key as written in `order_by`, in snake_case.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderKey::DisplayName => "display_name",
            OrderKey::CreateTime => "create_time",
            OrderKey::UpdateTime => "update_time",
        }
    }

    fn parse(field: &str) -> Option<OrderKey> {
        match wire::fields::camel_to_snake(field).as_str() {
            "display_name" => Some(OrderKey::DisplayName),
            "create_time" => Some(OrderKey::CreateTime),
            "update_time" => Some(OrderKey::UpdateTime),
            _ => None,
        }
    }
}

impl fmt::Display for OrderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Ascending (the default) or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// `asc`, or nothing.
    #[default]
    Ascending,
    /// `desc`.
    Descending,
}

/// A parsed `order_by`: the keys in order of precedence. Empty means the list's natural order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderBy {
    keys: Vec<(OrderKey, Direction)>,
}

/// An `order_by` that does not parse or names a key the list cannot sort by.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid order_by {order_by:?}: {reason}.")]
pub struct OrderByError {
    order_by: String,
    reason: String,
}

impl OrderBy {
    /// Parses `order_by` against the keys a list `allowed`; `None` or blank is the natural order.
    ///
    /// ```
    /// use retune_model::request::{Direction, OrderBy, OrderKey};
    /// let all = [OrderKey::DisplayName, OrderKey::CreateTime, OrderKey::UpdateTime];
    /// let order = OrderBy::parse(Some("displayName, create_time desc"), &all).unwrap();
    /// assert_eq!(
    ///     order.keys(),
    ///     [(OrderKey::DisplayName, Direction::Ascending), (OrderKey::CreateTime, Direction::Descending)]
    /// );
    /// assert!(OrderBy::parse(Some("create_time sideways"), &all).is_err());
    /// assert!(OrderBy::parse(Some("display_name"), &[OrderKey::CreateTime]).is_err());
    /// ```
    pub fn parse(order_by: Option<&str>, allowed: &[OrderKey]) -> Result<OrderBy, OrderByError> {
        let Some(text) = order_by.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(OrderBy::default());
        };
        let error = |reason: String| OrderByError {
            order_by: text.to_owned(),
            reason,
        };
        let allowed_list = || {
            allowed
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut keys = Vec::new();
        for part in text.split(',').map(str::trim) {
            let mut words = part.split_whitespace();
            let Some(field) = words.next() else {
                return Err(error("an empty key between commas".to_owned()));
            };
            let direction = match words.next() {
                None => Direction::Ascending,
                Some(w) if w.eq_ignore_ascii_case("desc") => Direction::Descending,
                Some(w) if w.eq_ignore_ascii_case("asc") => Direction::Ascending,
                Some(w) => return Err(error(format!("unexpected {w:?}"))),
            };
            if let Some(extra) = words.next() {
                return Err(error(format!("unexpected {extra:?}")));
            }
            let key = OrderKey::parse(field)
                .filter(|k| allowed.contains(k))
                .ok_or_else(|| {
                    let shown = wire::fields::camel_to_snake(field);
                    if allowed.is_empty() {
                        error("this list cannot be sorted".to_owned())
                    } else {
                        error(format!("{shown:?} is not one of {}", allowed_list()))
                    }
                })?;
            keys.push((key, direction));
        }
        Ok(OrderBy { keys })
    }

    /// The keys, most significant first.
    pub fn keys(&self) -> &[(OrderKey, Direction)] {
        &self.keys
    }

    /// A canonical spelling (`display_name asc,create_time desc`), the same for every way of
    /// writing one order; page tokens are bound to it.
    pub fn canonical(&self) -> String {
        self.keys
            .iter()
            .map(|(k, d)| match d {
                Direction::Ascending => format!("{k} asc"),
                Direction::Descending => format!("{k} desc"),
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [OrderKey; 3] = [
        OrderKey::DisplayName,
        OrderKey::CreateTime,
        OrderKey::UpdateTime,
    ];

    #[test]
    fn blank_is_the_natural_order() {
        assert_eq!(OrderBy::parse(None, &ALL), Ok(OrderBy::default()));
        assert_eq!(OrderBy::parse(Some("  "), &ALL), Ok(OrderBy::default()));
    }

    #[test]
    fn spellings_of_one_order_share_a_canonical_form() {
        let a = OrderBy::parse(Some("createTime DESC"), &ALL).unwrap();
        let b = OrderBy::parse(Some(" create_time  desc "), &ALL).unwrap();
        assert_eq!(a.canonical(), b.canonical());
    }

    #[test]
    fn malformed_orders_are_refused() {
        for bad in [
            "a",
            "create_time desc extra",
            "create_time,,display_name",
            "display_name up",
        ] {
            assert!(OrderBy::parse(Some(bad), &ALL).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,40}") {
            let _ = OrderBy::parse(Some(&text), &ALL);
        }
    }
}
