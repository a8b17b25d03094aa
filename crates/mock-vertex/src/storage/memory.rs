//! The in-memory backend: buckets and objects in ordered maps behind one mutex.
//!
//! The mutex is never held across an `.await`: every operation here is synchronous.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use retune_model::Timestamp;

use super::{
    BucketMeta, BucketName, Conditions, DEFAULT_CONTENT_TYPE, ObjectMeta, ObjectName, PutOptions,
    StorageError, samples,
};

#[derive(Debug, Clone, Default)]
pub(crate) struct MemoryStore {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    buckets: BTreeMap<BucketName, Bucket>,
    last_generation: u64,
}

#[derive(Debug)]
struct Bucket {
    meta: BucketMeta,
    objects: BTreeMap<ObjectName, (ObjectMeta, Bytes)>,
}

impl State {
    fn bucket(&self, name: &BucketName) -> Result<&Bucket, StorageError> {
        self.buckets
            .get(name)
            .ok_or_else(|| StorageError::BucketNotFound {
                bucket: name.to_string(),
            })
    }

    fn bucket_mut(&mut self, name: &BucketName) -> Result<&mut Bucket, StorageError> {
        self.buckets
            .get_mut(name)
            .ok_or_else(|| StorageError::BucketNotFound {
                bucket: name.to_string(),
            })
    }

    /// A generation from the clock's microseconds, strictly above every earlier one.
    fn next_generation(&mut self, now: Timestamp) -> u64 {
        let micros = u64::try_from(now.unix_nanos() / 1_000).unwrap_or(0);
        self.last_generation = micros.max(self.last_generation + 1);
        self.last_generation
    }
}

fn not_found(bucket: &BucketName, object: &ObjectName) -> StorageError {
    StorageError::ObjectNotFound {
        bucket: bucket.to_string(),
        object: object.to_string(),
    }
}

impl MemoryStore {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters to an emulator, so a poisoned lock is simply taken over.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn preload_samples(&self, now: Timestamp) {
        let bucket = samples::bucket_name();
        let _ = self.create_bucket(&bucket, now);
        for (object, data) in samples::objects() {
            let options = PutOptions {
                content_type: Some(samples::CONTENT_TYPE.to_owned()),
                ..PutOptions::default()
            };
            let _ = self.put(&bucket, &object, Bytes::from_static(data), &options, now);
        }
    }

    pub(crate) fn create_bucket(
        &self,
        name: &BucketName,
        now: Timestamp,
    ) -> Result<BucketMeta, StorageError> {
        let mut state = self.lock();
        if state.buckets.contains_key(name) {
            return Err(StorageError::BucketAlreadyExists {
                bucket: name.to_string(),
            });
        }
        let meta = BucketMeta {
            name: name.clone(),
            time_created: now,
        };
        state.buckets.insert(
            name.clone(),
            Bucket {
                meta: meta.clone(),
                objects: BTreeMap::new(),
            },
        );
        Ok(meta)
    }

    pub(crate) fn get_bucket(&self, name: &BucketName) -> Result<BucketMeta, StorageError> {
        Ok(self.lock().bucket(name)?.meta.clone())
    }

    pub(crate) fn list_buckets(&self) -> Vec<BucketMeta> {
        self.lock()
            .buckets
            .values()
            .map(|b| b.meta.clone())
            .collect()
    }

    pub(crate) fn delete_bucket(&self, name: &BucketName) -> Result<(), StorageError> {
        let mut state = self.lock();
        if !state.bucket(name)?.objects.is_empty() {
            return Err(StorageError::BucketNotEmpty {
                bucket: name.to_string(),
            });
        }
        state.buckets.remove(name);
        Ok(())
    }

    pub(crate) fn put(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
        data: Bytes,
        options: &PutOptions,
        now: Timestamp,
    ) -> Result<ObjectMeta, StorageError> {
        let mut state = self.lock();
        let current = state
            .bucket(bucket)?
            .objects
            .get(object)
            .map_or(0, |(meta, _)| meta.generation);
        options.conditions.check(bucket, object, current)?;
        let generation = state.next_generation(now);
        let meta = ObjectMeta::new(
            bucket.clone(),
            object.clone(),
            &data,
            generation,
            now,
            options
                .content_type
                .clone()
                .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned()),
            options.metadata.clone(),
        );
        state
            .bucket_mut(bucket)?
            .objects
            .insert(object.clone(), (meta.clone(), data));
        Ok(meta)
    }

    pub(crate) fn get(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
    ) -> Result<(ObjectMeta, Bytes), StorageError> {
        self.lock()
            .bucket(bucket)?
            .objects
            .get(object)
            .cloned()
            .ok_or_else(|| not_found(bucket, object))
    }

    pub(crate) fn head(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
    ) -> Result<ObjectMeta, StorageError> {
        self.get(bucket, object).map(|(meta, _)| meta)
    }

    pub(crate) fn list_all(
        &self,
        bucket: &BucketName,
        prefix: &str,
    ) -> Result<Vec<ObjectMeta>, StorageError> {
        let state = self.lock();
        let objects = &state.bucket(bucket)?.objects;
        Ok(objects
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(name, _)| name.as_str().starts_with(prefix))
            .map(|(_, (meta, _))| meta.clone())
            .collect())
    }

    pub(crate) fn delete(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
        conditions: &Conditions,
    ) -> Result<(), StorageError> {
        let mut state = self.lock();
        let objects = &mut state.bucket_mut(bucket)?.objects;
        let current = objects
            .get(object)
            .map(|(meta, _)| meta.generation)
            .ok_or_else(|| not_found(bucket, object))?;
        conditions.check(bucket, object, current)?;
        objects.remove(object);
        Ok(())
    }
}
