//! Which API version each long-running operation was started under, so that the unversioned
//! `google.longrunning.Operations` service answers it in that version: its metadata and response
//! `@type`s name the version's types, as the client that started it unpacks them.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

/// How many operations are remembered; older ones are answered under `v1`.
const REMEMBERED: usize = 10_000;

/// Operation names started under a version other than `v1`, newest last.
#[derive(Debug, Clone, Default)]
pub(crate) struct OperationVersions {
    inner: Arc<Mutex<Remembered>>,
}

#[derive(Debug, Default)]
struct Remembered {
    versions: HashMap<String, &'static str>,
    order: VecDeque<String>,
}

impl OperationVersions {
    /// Notes that `operation` was started under `version` (`v1beta1`).
    pub(crate) fn remember(&self, operation: &str, version: &'static str) {
        let mut remembered = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if remembered
            .versions
            .insert(operation.to_owned(), version)
            .is_none()
        {
            remembered.order.push_back(operation.to_owned());
        }
        while remembered.order.len() > REMEMBERED {
            if let Some(oldest) = remembered.order.pop_front() {
                remembered.versions.remove(&oldest);
            }
        }
    }

    /// The version `operation` was started under, when it is not `v1`.
    pub(crate) fn version_of(&self, operation: &str) -> Option<&'static str> {
        let remembered = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        remembered.versions.get(operation).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_operation_keeps_its_version_and_others_have_none() {
        let versions = OperationVersions::default();
        versions.remember("projects/p/locations/l/operations/4", "v1beta1");
        assert_eq!(
            versions.version_of("projects/p/locations/l/operations/4"),
            Some("v1beta1")
        );
        assert_eq!(
            versions.version_of("projects/p/locations/l/operations/5"),
            None
        );
    }

    #[test]
    fn only_the_newest_operations_are_remembered() {
        let versions = OperationVersions::default();
        for n in 0..=REMEMBERED {
            versions.remember(&format!("operations/{n}"), "v1beta1");
        }
        assert_eq!(versions.version_of("operations/0"), None);
        assert_eq!(
            versions.version_of(&format!("operations/{REMEMBERED}")),
            Some("v1beta1")
        );
    }
}
