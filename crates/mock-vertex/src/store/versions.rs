//! A model's versions, kept in a vector sorted by id and grown one slot at a time: most models
//! have one or a few versions, for which a `BTreeMap` leaf (room for eleven records) would cost
//! kilobytes per model.

use retune_model::names::VersionId;

use super::records::VersionRecord;

/// Versions by id.
#[derive(Debug, Clone, Default)]
pub struct Versions(Vec<VersionRecord>);

impl Versions {
    fn position(&self, id: VersionId) -> Result<usize, usize> {
        self.0.binary_search_by(|v| v.id.cmp(&id))
    }

    /// Version `id`.
    pub fn get(&self, id: &VersionId) -> Option<&VersionRecord> {
        self.position(*id).ok().map(|i| &self.0[i])
    }

    /// Version `id`, to change (its id must stay).
    pub fn get_mut(&mut self, id: &VersionId) -> Option<&mut VersionRecord> {
        self.position(*id).ok().map(|i| &mut self.0[i])
    }

    /// Whether version `id` is there.
    pub fn contains_key(&self, id: &VersionId) -> bool {
        self.position(*id).is_ok()
    }

    /// Adds `record` under its id, replacing a version with that id.
    pub fn insert(&mut self, record: VersionRecord) {
        match self.position(record.id) {
            Ok(i) => self.0[i] = record,
            Err(i) => {
                self.0.reserve_exact(1);
                self.0.insert(i, record);
            }
        }
    }

    /// Removes version `id`.
    pub fn remove(&mut self, id: &VersionId) -> Option<VersionRecord> {
        let removed = self.position(*id).ok().map(|i| self.0.remove(i));
        self.0.shrink_to_fit();
        removed
    }

    /// The versions, by id.
    pub fn values(&self) -> std::slice::Iter<'_, VersionRecord> {
        self.0.iter()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<VersionRecord> for Versions {
    /// Versions from records in any order; of two with one id, the last one stays.
    fn from_iter<I: IntoIterator<Item = VersionRecord>>(records: I) -> Versions {
        let mut versions = Versions::default();
        for record in records {
            versions.insert(record);
        }
        versions.0.shrink_to_fit();
        versions
    }
}
