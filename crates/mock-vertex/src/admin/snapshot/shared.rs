//! Content many records share (data-set statistics, training pairs): stored once under a key
//! derived from the content ([`Sharing`], when writing), and read back once per key however many
//! records refer to it ([`Resolver`], when importing).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use retune_model::answer::{AnswerIndex, TrainingPair};
use retune_model::wire::{self, EnumEncoding};

use super::{SharedSnapshot, SnapshotError};

/// How many recently keyed values of each kind are remembered by identity.
const RECENT: usize = 8;

/// The key of data-set statistics in their JSON shape (the same as [`Sharing::stats`] gives).
pub(crate) fn stats_key(value: &serde_json::Value) -> String {
    key("stats", &value.to_string())
}

/// The content key of JSON text: its kind and MD5 digest (content addressing, not security).
fn key(kind: &str, json: &str) -> String {
    format!("{kind}-{:x}", md5::compute(json.as_bytes()))
}

/// A small most-recent-first memo of the key of a shared value, by identity.
#[derive(Debug)]
struct Recent<T: ?Sized> {
    entries: Vec<(Arc<T>, String)>,
}

impl<T: ?Sized> Default for Recent<T> {
    fn default() -> Self {
        Recent {
            entries: Vec::new(),
        }
    }
}

impl<T: ?Sized> Recent<T> {
    fn get(&self, value: &Arc<T>) -> Option<&str> {
        self.entries
            .iter()
            .find(|(v, _)| Arc::ptr_eq(v, value))
            .map(|(_, k)| k.as_str())
    }

    fn put(&mut self, value: &Arc<T>, key: String) {
        if self.entries.len() == RECENT {
            self.entries.pop();
        }
        self.entries.insert(0, (Arc::clone(value), key));
    }
}

/// Keys shared content while records are written, and gathers the content not handed out yet.
///
/// One `Sharing` per destination: for an export, a new one (everything it keys ends up in the
/// export's table); for a data directory, one for its life (content keyed once is in its
/// database, so later records only refer to it).
#[derive(Debug, Default)]
pub(crate) struct Sharing {
    stats: Recent<wire::TuningDataStats>,
    pairs: Recent<[TrainingPair]>,
    indexes: Recent<AnswerIndex>,
    /// Every key handed out.
    known: HashSet<String>,
    /// The content of the keys handed out since [`take_new`](Sharing::take_new).
    new: SharedSnapshot,
}

impl Sharing {
    /// The key of data-set statistics.
    pub(crate) fn stats(&mut self, stats: &Arc<wire::TuningDataStats>) -> String {
        if let Some(key) = self.stats.get(stats) {
            return key.to_owned();
        }
        let value = wire::to_value(&**stats, EnumEncoding::Names);
        let k = key("stats", &value.to_string());
        if self.known.insert(k.clone()) {
            self.new.stats.insert(k.clone(), value);
        }
        self.stats.put(stats, k.clone());
        k
    }

    fn pairs_key(&mut self, pairs: &[TrainingPair]) -> String {
        let owned: Vec<(&str, &str)> = pairs
            .iter()
            .map(|p| (p.prompt.as_str(), p.answer.as_str()))
            .collect();
        // Plain strings: serializing cannot fail.
        let k = key("pairs", &serde_json::to_string(&owned).unwrap_or_default());
        if self.known.insert(k.clone()) {
            self.new.pairs.insert(
                k.clone(),
                pairs
                    .iter()
                    .map(|p| (p.prompt.clone(), p.answer.clone()))
                    .collect(),
            );
        }
        k
    }

    /// The key of a job's training pairs (`None`: it has none).
    pub(crate) fn training(&mut self, pairs: &Arc<[TrainingPair]>) -> Option<String> {
        if pairs.is_empty() {
            return None;
        }
        if let Some(key) = self.pairs.get(pairs) {
            return Some(key.to_owned());
        }
        let k = self.pairs_key(pairs);
        self.pairs.put(pairs, k.clone());
        Some(k)
    }

    /// The key of the pairs a version's answer index holds (`None`: it knows nothing).
    pub(crate) fn answers(&mut self, index: &Arc<AnswerIndex>) -> Option<String> {
        if index.is_empty() {
            return None;
        }
        if let Some(key) = self.indexes.get(index) {
            return Some(key.to_owned());
        }
        let k = self.pairs_key(index.pairs());
        self.indexes.put(index, k.clone());
        Some(k)
    }

    /// Takes the keys of `table` as known (content a database already holds).
    pub(crate) fn know(&mut self, table: &SharedSnapshot) {
        self.known
            .extend(table.stats.keys().chain(table.pairs.keys()).cloned());
    }

    /// The content keyed since the last call (and not before).
    pub(crate) fn take_new(&mut self) -> SharedSnapshot {
        std::mem::take(&mut self.new)
    }
}

/// Resolves the keys of a snapshot's shared table: each entry is parsed once (an answer index
/// built once, when first asked for) and every record referring to it gets the same `Arc`.
/// Shared between threads, so records are turned into store records in parallel.
#[derive(Debug)]
pub(super) struct Resolver<'a> {
    stats: HashMap<&'a str, Arc<wire::TuningDataStats>>,
    pairs: HashMap<&'a str, Pairs>,
}

/// Training pairs, and their answer index once built.
type Pairs = (Arc<[TrainingPair]>, OnceLock<Arc<AnswerIndex>>);

impl<'a> Resolver<'a> {
    /// Parses every entry of `table`.
    pub(super) fn new(table: &'a SharedSnapshot) -> Result<Resolver<'a>, SnapshotError> {
        let stats = table
            .stats
            .iter()
            .map(|(key, value)| {
                let stats: wire::TuningDataStats = wire::decode_value(value.clone())
                    .map_err(|e| SnapshotError::new(format!("shared.stats {key:?}"), e))?;
                Ok((key.as_str(), Arc::new(stats)))
            })
            .collect::<Result<_, SnapshotError>>()?;
        let pairs = table
            .pairs
            .iter()
            .map(|(key, pairs)| (key.as_str(), (to_pairs(pairs), OnceLock::new())))
            .collect();
        Ok(Resolver { stats, pairs })
    }

    fn missing(what: &str, key: &str) -> SnapshotError {
        SnapshotError::new(format!("{what} {key:?}"), "not in the shared table")
    }

    /// The statistics under `key`.
    pub(super) fn stats(&self, key: &str) -> Result<Arc<wire::TuningDataStats>, SnapshotError> {
        self.stats
            .get(key)
            .map(Arc::clone)
            .ok_or_else(|| Self::missing("job.data.validShared", key))
    }

    /// The training pairs under `key`.
    pub(super) fn training(&self, key: &str) -> Result<Arc<[TrainingPair]>, SnapshotError> {
        self.pairs
            .get(key)
            .map(|(pairs, _)| Arc::clone(pairs))
            .ok_or_else(|| Self::missing("job.training", key))
    }

    /// The answer index of the pairs under `key` (built once per key).
    pub(super) fn answers(&self, key: &str) -> Result<Arc<AnswerIndex>, SnapshotError> {
        let (pairs, index) = self
            .pairs
            .get(key)
            .ok_or_else(|| Self::missing("version.answers", key))?;
        Ok(Arc::clone(index.get_or_init(|| {
            Arc::new(AnswerIndex::build(pairs.to_vec()))
        })))
    }
}

fn to_pairs(pairs: &[(String, String)]) -> Arc<[TrainingPair]> {
    pairs
        .iter()
        .map(|(prompt, answer)| TrainingPair {
            prompt: prompt.clone(),
            answer: answer.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn pairs(raw: &[(String, String)]) -> Arc<[TrainingPair]> {
        to_pairs(raw)
    }

    proptest! {
        #[test]
        fn shared_pairs_come_back_equal_and_equal_content_is_keyed_once(
            raw in prop::collection::vec((".{0,12}", ".{0,12}"), 1..20),
            other in prop::collection::vec((".{0,12}", ".{0,12}"), 1..20),
        ) {
            let mut sharing = Sharing::default();
            let first = pairs(&raw);
            let key = sharing.training(&first).unwrap();
            // Equal content in another allocation, and as an index: the same key, no new entry.
            let mut table = sharing.take_new();
            prop_assert_eq!(table.pairs.len(), 1);
            prop_assert_eq!(sharing.training(&pairs(&raw)), Some(key.clone()));
            let index = Arc::new(AnswerIndex::build(first.to_vec()));
            prop_assert_eq!(sharing.answers(&index), Some(key.clone()));
            prop_assert!(sharing.take_new().is_empty());
            // Other content: another key unless equal.
            let other_key = sharing.training(&pairs(&other)).unwrap();
            prop_assert_eq!(other_key == key, raw == other);
            table.pairs.extend(sharing.take_new().pairs);

            let resolver = Resolver::new(&table).unwrap();
            let back = resolver.training(&key).unwrap();
            prop_assert_eq!(&*back, &*first);
            prop_assert!(Arc::ptr_eq(&back, &resolver.training(&key).unwrap()));
            let index = resolver.answers(&key).unwrap();
            prop_assert_eq!(index.pairs(), &*first);
            prop_assert_eq!(&*resolver.training(&other_key).unwrap(), &*pairs(&other));
        }
    }

    #[test]
    fn empty_pairs_are_not_shared_and_unknown_keys_are_refused() {
        let mut sharing = Sharing::default();
        assert_eq!(sharing.training(&pairs(&[])), None);
        assert_eq!(sharing.answers(&Arc::default()), None);
        let table = SharedSnapshot::default();
        let resolver = Resolver::new(&table).unwrap();
        let err = resolver.stats("stats-00").unwrap_err();
        assert_eq!(err.reason(), "not in the shared table");
        assert!(resolver.answers("pairs-00").is_err());
    }
}
