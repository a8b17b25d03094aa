//! The `etag` of a model as UpdateModel compares it (model.proto `Model.etag`: "Used to perform
//! consistent read-modify-write updates. If not set, a blind overwrite update happens."; AIP-154):
//! opaque, it changes with every update of the model or of the version read, and an update
//! that sends a stale one is 409 ABORTED.

use crate::{Code, Timestamp};

/// The etag of a model version last updated at `updated` (the later of the model's and the
/// version's update times): an FNV-1a hash of that instant, in hex.
///
/// ```
/// use retune_model::registry::model_etag;
/// let a = model_etag("2025-01-01T00:00:00Z".parse().unwrap());
/// assert_eq!(a, model_etag("2025-01-01T00:00:00Z".parse().unwrap()));
/// assert_ne!(a, model_etag("2025-01-01T00:00:01Z".parse().unwrap()));
/// ```
pub fn model_etag(updated: Timestamp) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in updated.to_string().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// An UpdateModel whose `etag` is not the model's current one: someone else updated it since
/// it was read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "The etag {given:?} does not match the model's current etag {current:?}: it was changed \
     since it was read. Read it again and retry."
)]
pub struct StaleEtagError {
    given: String,
    current: String,
}

impl StaleEtagError {
    /// Always ABORTED (AIP-154: a concurrency conflict).
    pub fn code(&self) -> Code {
        Code::Aborted
    }
}

/// Accepts an update without an etag (a blind overwrite) or with the current one.
pub fn check_etag(given: Option<&str>, current: &str) -> Result<(), StaleEtagError> {
    match given {
        Some(given) if given != current => Err(StaleEtagError {
            given: given.to_owned(),
            current: current.to_owned(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_current_etag_passes_and_a_stale_one_is_aborted() {
        let current = model_etag("2025-01-01T00:00:00Z".parse().unwrap());
        assert!(check_etag(None, &current).is_ok());
        assert!(check_etag(Some(&current), &current).is_ok());
        let err = check_etag(Some("stale"), &current).unwrap_err();
        assert_eq!(err.code(), Code::Aborted);
    }
}
