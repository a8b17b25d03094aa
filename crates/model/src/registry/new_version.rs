//! What registering a tuning job's result adds to the registry: the version id (never reused),
//! and later the rest of the new version.

use crate::names::VersionId;

/// The id of the next version of a model, given the highest id it has **ever** issued.
///
/// Version ids are monotonic and never reused, also after deletes: a model keeps this high-water
/// mark even when the version that set it is gone. `None` (a new model) gives version 1.
///
/// ```
/// use retune_model::names::VersionId;
/// use retune_model::registry::next_version_id;
/// assert_eq!(next_version_id(None), VersionId::FIRST);
/// assert_eq!(next_version_id(VersionId::from_number(3)).get(), 4);
/// ```
pub fn next_version_id(highest_ever_issued: Option<VersionId>) -> VersionId {
    highest_ever_issued.map_or(VersionId::FIRST, VersionId::next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(n: u64) -> VersionId {
        VersionId::from_number(n).unwrap()
    }

    #[test]
    fn version_ids_are_never_reused_after_deletes() {
        // Versions 1..=3 were issued, then 3 was deleted: the high-water mark is still 3.
        let high_water = Some(v(3));
        assert_eq!(next_version_id(high_water), v(4));
        assert_eq!(next_version_id(None), v(1));
    }

    proptest! {
        #[test]
        fn next_version_id_is_always_above_the_high_water_mark(n in 1..u64::MAX) {
            prop_assert!(next_version_id(Some(v(n))) > v(n));
        }
    }
}
