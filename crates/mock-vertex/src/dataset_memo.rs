//! A memo of the last data sets CreateTuningJob read and checked: checking is a pure function of
//! the URI, the role, the format and the bytes, and most creates read the same few data sets, so
//! a check whose inputs are all equal (the bytes compared in full) is reused instead of parsing
//! every line again. It is invisible to callers: a changed object has other bytes.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use retune_model::dataset::DatasetKind;

/// How many checks are kept (the training and validation sets of a couple of data sets).
const SLOTS: usize = 4;

/// What a check depends on.
#[derive(Debug, PartialEq, Eq)]
struct Inputs {
    uri: String,
    kind: DatasetKind,
    preference: bool,
    bytes: Bytes,
}

/// The memo of one check function, whose results are `T`.
#[derive(Debug)]
pub(crate) struct DatasetMemo<T> {
    /// Most recent last.
    slots: Mutex<Vec<(Inputs, Arc<T>)>>,
}

impl<T> DatasetMemo<T> {
    /// An empty memo.
    pub(crate) const fn new() -> DatasetMemo<T> {
        DatasetMemo {
            slots: Mutex::new(Vec::new()),
        }
    }

    /// The result of `check` for these inputs: the kept one when the inputs are all equal.
    /// `check` runs without the memo's lock.
    pub(crate) fn get_or_check(
        &self,
        uri: &str,
        kind: DatasetKind,
        preference: bool,
        bytes: Bytes,
        check: impl FnOnce(&Bytes) -> T,
    ) -> Arc<T> {
        let inputs = Inputs {
            uri: uri.to_owned(),
            kind,
            preference,
            bytes,
        };
        let kept = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|(k, _)| *k == inputs)
            .map(|(_, v)| Arc::clone(v));
        if let Some(kept) = kept {
            return kept;
        }
        let result = Arc::new(check(&inputs.bytes));
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if slots.len() >= SLOTS {
            slots.remove(0);
        }
        slots.push((inputs, Arc::clone(&result)));
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_inputs_reuse_the_check_and_other_bytes_check_again() {
        let memo = DatasetMemo::new();
        let mut runs = 0;
        let mut check = |uri: &str, bytes: &'static [u8]| {
            *memo.get_or_check(
                uri,
                DatasetKind::Training,
                false,
                Bytes::from_static(bytes),
                |b| {
                    runs += 1;
                    b.len()
                },
            )
        };
        assert_eq!(check("gs://b/o", b"abc"), 3);
        assert_eq!(check("gs://b/o", b"abc"), 3);
        assert_eq!(check("gs://b/o", b"abcd"), 4);
        assert_eq!(check("gs://b/other", b"abcd"), 4);
        assert_eq!(runs, 3, "only the first repeat was reused");
    }
}
