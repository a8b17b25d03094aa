//! Which records changed since they were last taken: what a `--data-dir` writes in its next
//! transaction ([`crate::persist`]). Tracking is off (and free) for an in-memory emulator.

use std::collections::BTreeSet;

use retune_model::names::{EndpointName, LocationName, ModelName, OperationName, TuningJobName};

use super::Store;

/// One stored record, by its resource name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RecordName {
    /// A tuning job (with its job faults).
    Job(TuningJobName),
    /// A model with its versions.
    Model(ModelName),
    /// An endpoint.
    Endpoint(EndpointName),
    /// An operation.
    Operation(OperationName),
}

/// What changed: records by name (each now stored or gone), locations emptied, or everything.
#[derive(Debug, Default)]
pub struct Changes {
    /// The whole store was replaced (reset, import): every record is written anew.
    pub everything: bool,
    /// Locations whose records were all forgotten (before `records` are applied).
    pub cleared: Vec<LocationName>,
    /// Records added, changed or removed.
    pub records: BTreeSet<RecordName>,
}

impl Changes {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        !self.everything && self.cleared.is_empty() && self.records.is_empty()
    }
}

impl Store {
    /// Starts tracking changes; with `everything`, the whole current store counts as changed.
    pub fn track_changes(&mut self, everything: bool) {
        self.tracking = true;
        self.changes.everything |= everything;
    }

    /// Whether changes are tracked.
    pub fn tracks_changes(&self) -> bool {
        self.tracking
    }

    /// The changes since the last call (empty when not tracking).
    pub fn take_changes(&mut self) -> Changes {
        std::mem::take(&mut self.changes)
    }

    pub(super) fn touch(&mut self, record: RecordName) {
        if self.tracking && !self.changes.everything {
            self.changes.records.insert(record);
        }
    }

    pub(super) fn touch_job(&mut self, name: &TuningJobName) {
        if self.tracking {
            self.touch(RecordName::Job(name.clone()));
        }
    }

    pub(super) fn touch_model(&mut self, name: &ModelName) {
        if self.tracking {
            self.touch(RecordName::Model(name.clone()));
        }
    }

    pub(super) fn touch_cleared(&mut self, location: &LocationName) {
        if self.tracking && !self.changes.everything {
            self.changes
                .records
                .retain(|r| r.location_name() != location);
            self.changes.cleared.push(location.clone());
        }
    }
}

impl RecordName {
    /// The location the record lives under.
    pub fn location_name(&self) -> &LocationName {
        match self {
            RecordName::Job(n) => n.location_name(),
            RecordName::Model(n) => n.location_name(),
            RecordName::Endpoint(n) => n.location_name(),
            RecordName::Operation(n) => n.location_name(),
        }
    }
}
