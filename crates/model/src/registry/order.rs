//! How ListModels and ListModelVersions order model versions by a parsed `order_by`.

use std::cmp::Ordering;

use crate::Timestamp;
use crate::request::{Direction, OrderBy, OrderKey};

/// What `order_by` compares of one version of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionOrderFacts<'a> {
    /// The model's `displayName`.
    pub display_name: &'a str,
    /// The version's `versionCreateTime`.
    pub version_created: Timestamp,
    /// The model's `createTime`.
    pub model_created: Timestamp,
    /// The version's `versionUpdateTime`.
    pub version_updated: Timestamp,
    /// The model's `updateTime`.
    pub model_updated: Timestamp,
}

/// How two model versions compare under `order`: key by key, each in its direction, the first
/// difference deciding. `display_name` is the model's; `create_time` and `update_time` compare
/// the versions' times, then the models'. An empty order makes every pair equal (a stable sort
/// keeps the store's order).
///
/// ```
/// use std::cmp::Ordering;
/// use retune_model::registry::{VersionOrderFacts, compare_versions};
/// use retune_model::request::{OrderBy, OrderKey};
/// let t = |s: &str| s.parse().unwrap();
/// let a = VersionOrderFacts {
///     display_name: "a",
///     version_created: t("2025-08-01T00:00:00Z"),
///     model_created: t("2025-08-01T00:00:00Z"),
///     version_updated: t("2025-08-02T00:00:00Z"),
///     model_updated: t("2025-08-01T00:00:00Z"),
/// };
/// let b = VersionOrderFacts { display_name: "b", ..a };
/// let all = [OrderKey::DisplayName, OrderKey::CreateTime, OrderKey::UpdateTime];
/// let order = |s: &str| OrderBy::parse(Some(s), &all).unwrap();
/// assert_eq!(compare_versions(&a, &b, &order("display_name")), Ordering::Less);
/// assert_eq!(compare_versions(&a, &b, &order("display_name desc")), Ordering::Greater);
/// assert_eq!(compare_versions(&a, &b, &order("create_time")), Ordering::Equal);
/// let later = VersionOrderFacts { model_created: t("2025-09-01T00:00:00Z"), ..b };
/// assert_eq!(compare_versions(&a, &later, &order("create_time")), Ordering::Less);
/// ```
pub fn compare_versions(
    a: &VersionOrderFacts<'_>,
    b: &VersionOrderFacts<'_>,
    order: &OrderBy,
) -> Ordering {
    for (key, direction) in order.keys() {
        let ordering = match key {
            OrderKey::DisplayName => a.display_name.cmp(b.display_name),
            OrderKey::CreateTime => a
                .version_created
                .cmp(&b.version_created)
                .then(a.model_created.cmp(&b.model_created)),
            OrderKey::UpdateTime => a
                .version_updated
                .cmp(&b.version_updated)
                .then(a.model_updated.cmp(&b.model_updated)),
        };
        let ordering = match direction {
            Direction::Ascending => ordering,
            Direction::Descending => ordering.reverse(),
        };
        if ordering.is_ne() {
            return ordering;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(name: &str, version_day: u8, model_day: u8) -> VersionOrderFacts<'_> {
        let t = |day: u8| format!("2025-08-{day:02}T00:00:00Z").parse().unwrap();
        VersionOrderFacts {
            display_name: name,
            version_created: t(version_day),
            model_created: t(model_day),
            version_updated: t(version_day),
            model_updated: t(model_day),
        }
    }

    #[test]
    fn later_keys_break_the_ties_of_earlier_ones() {
        let all = [
            OrderKey::DisplayName,
            OrderKey::CreateTime,
            OrderKey::UpdateTime,
        ];
        let order = OrderBy::parse(Some("display_name, update_time desc"), &all).unwrap();
        let mut items = [facts("b", 1, 1), facts("a", 1, 1), facts("a", 2, 1)];
        items.sort_by(|x, y| compare_versions(x, y, &order));
        let got: Vec<_> = items
            .iter()
            .map(|f| (f.display_name, f.version_updated.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", "2025-08-02T00:00:00Z".to_owned()),
                ("a", "2025-08-01T00:00:00Z".to_owned()),
                ("b", "2025-08-01T00:00:00Z".to_owned()),
            ]
        );
    }

    #[test]
    fn no_keys_leave_every_pair_equal() {
        let order = OrderBy::parse(None, &[]).unwrap();
        assert_eq!(
            compare_versions(&facts("a", 1, 1), &facts("b", 2, 2), &order),
            Ordering::Equal
        );
    }
}
