//! Test fixtures shared by the registry's unit tests: version ids, aliases and a three-version
//! model.

use super::VersionEntry;
use crate::names::{VersionAlias, VersionId};

/// Version `n` (a valid id in every test).
pub(super) fn v(n: u64) -> VersionId {
    VersionId::from_number(n).unwrap()
}

/// The alias `s` (a valid alias in every test).
pub(super) fn a(s: &str) -> VersionAlias {
    s.parse().unwrap()
}

/// Version 1 holds `default` and `golden`, version 2 holds `rc`, version 3 holds nothing.
pub(super) fn three_versions() -> Vec<VersionEntry> {
    vec![
        VersionEntry::new(v(1)).with_aliases(vec![VersionAlias::DEFAULT, a("golden")]),
        VersionEntry::new(v(2)).with_aliases(vec![a("rc")]),
        VersionEntry::new(v(3)),
    ]
}
