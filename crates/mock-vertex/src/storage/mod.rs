//! The emulator's object store: where `gs://bucket/object` URIs resolve, and its GCS JSON API.
//!
//! Tuning jobs read their training and validation data through [`ObjectStore::read_uri`]; test
//! writers and users load that data the way they would in Google Cloud, with the official
//! `google-cloud-storage` client pointed at the emulator (`STORAGE_EMULATOR_HOST`), through
//! [`gcs_router`].
//!
//! # Backends
//! - **Memory** ([`ObjectStore::memory`], [`ObjectStore::with_samples`]): the default. Nothing
//!   touches the disk.
//! - **Directory** ([`ObjectStore::directory`], the binary's `--gcs-dir DIR`): `gs://b/o` is the
//!   file `DIR/b/o`. Buckets are directories; a `/` in an object name is a subdirectory. Files
//!   dropped into `DIR` by hand are objects. Object names that cannot be mapped onto a file safely
//!   are refused with [`StorageError::InvalidObjectName`]: an empty, `.` or `..` segment (so
//!   `a//b`, `a/./b`, `../x`, `/x` and `x/`); a path can never leave `DIR`. A symbolic link placed
//!   in `DIR` by its owner is followed when read but never descended into when listing. An object
//!   cannot share its name with a folder of other objects (`a` and `a/b`). Content type, custom
//!   metadata and generation are kept in memory for files the store wrote; for other files they
//!   are derived from the file (generation from its modification time, content type from its
//!   extension). Writes go to a temporary file in `DIR` and are renamed into place.
//!
//! # Samples
//! The source document's sample URIs ([`SAMPLE_TRAIN_URI`], [`SAMPLE_VALIDATION_URI`]) hold small
//! valid Gemini supervised-tuning data sets. [`ObjectStore::with_samples`] preloads them into
//! memory (where they can be overwritten or deleted like any object). The directory store serves
//! them, read-only, whenever the file does not exist on disk, and lists them too; a file at that
//! path wins.
//!
//! # Choices where Cloud Storage leaves room
//! - Generations are microseconds since the Unix epoch on the store's clock (as in Cloud
//!   Storage), made strictly increasing; `metageneration` is always 1 (metadata patching is not
//!   emulated). Only the live generation of an object is kept.
//! - Preconditions `ifGenerationMatch` and `ifGenerationNotMatch` are honoured (0 meaning "does
//!   not exist"); in directory mode they are checked just before the write, not atomically with it.

mod dir;
mod error;
mod gcs;
mod listing;
mod memory;
mod names;
mod samples;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use retune_model::Timestamp;

pub use error::StorageError;
pub use gcs::{MAX_REQUEST_BYTES, gcs_router};
pub use listing::MAX_LIST_RESULTS;
pub use names::{BucketName, GcsUri, ObjectName};
pub use samples::{
    SAMPLE_BUCKET, SAMPLE_TRAIN_JSONL, SAMPLE_TRAIN_OBJECT, SAMPLE_TRAIN_URI,
    SAMPLE_VALIDATION_JSONL, SAMPLE_VALIDATION_OBJECT, SAMPLE_VALIDATION_URI,
};

use dir::DirStore;
use memory::MemoryStore;

/// The content type of objects uploaded without one, as in Cloud Storage.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// A bucket's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BucketMeta {
    /// The bucket's name.
    pub name: BucketName,
    /// When it was created.
    pub time_created: Timestamp,
}

/// An object's metadata, as the JSON API's object resource reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectMeta {
    /// The bucket holding the object.
    pub bucket: BucketName,
    /// The object's name.
    pub name: ObjectName,
    /// The generation: changes on every write.
    pub generation: u64,
    /// The metadata generation (always 1 here).
    pub metageneration: u64,
    /// Size in bytes.
    pub size: u64,
    /// The content type given at upload, or [`DEFAULT_CONTENT_TYPE`].
    pub content_type: String,
    /// The MD5 digest of the data.
    pub md5: [u8; 16],
    /// The CRC32C (Castagnoli) checksum of the data.
    pub crc32c: u32,
    /// When this generation was created.
    pub time_created: Timestamp,
    /// When this generation was last updated (equal to `time_created`).
    pub updated: Timestamp,
    /// Custom metadata (`metadata` in the object resource).
    pub metadata: BTreeMap<String, String>,
}

impl ObjectMeta {
    pub(crate) fn new(
        bucket: BucketName,
        name: ObjectName,
        data: &[u8],
        generation: u64,
        created: Timestamp,
        content_type: String,
        metadata: BTreeMap<String, String>,
    ) -> ObjectMeta {
        let (md5, crc32c) = digests(data);
        ObjectMeta {
            bucket,
            name,
            generation,
            metageneration: 1,
            size: data.len() as u64,
            content_type,
            md5,
            crc32c,
            time_created: created,
            updated: created,
            metadata,
        }
    }

    /// The object's `gs://` URI.
    pub fn uri(&self) -> GcsUri {
        GcsUri::new(self.bucket.clone(), self.name.clone())
    }

    /// The MD5 digest in base64, as in `md5Hash` and `X-Goog-Hash`.
    pub fn md5_base64(&self) -> String {
        STANDARD.encode(self.md5)
    }

    /// The CRC32C checksum in base64 (big-endian), as in `crc32c` and `X-Goog-Hash`.
    pub fn crc32c_base64(&self) -> String {
        STANDARD.encode(self.crc32c.to_be_bytes())
    }

    /// An opaque entity tag that changes with every generation.
    pub fn etag(&self) -> String {
        STANDARD.encode(format!("{}/{}", self.generation, self.metageneration))
    }
}

/// The MD5 digest and CRC32C checksum of `data`.
pub(crate) fn digests(data: &[u8]) -> ([u8; 16], u32) {
    (md5::compute(data).0, crc32c::crc32c(data))
}

/// Generation preconditions, as the JSON API's `ifGenerationMatch` / `ifGenerationNotMatch`.
///
/// A generation of 0 stands for "the object does not exist".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Conditions {
    /// Proceed only if the live generation is this one (0: only if there is no live object).
    pub if_generation_match: Option<u64>,
    /// Proceed only if the live generation is not this one (0: only if there is a live object).
    pub if_generation_not_match: Option<u64>,
}

impl Conditions {
    /// Checks the conditions against the live generation (0 when absent).
    pub(crate) fn check(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
        current: u64,
    ) -> Result<(), StorageError> {
        let failed = |condition: String| StorageError::PreconditionFailed {
            bucket: bucket.to_string(),
            object: object.to_string(),
            condition,
            current,
        };
        if let Some(want) = self.if_generation_match
            && want != current
        {
            return Err(failed(format!("ifGenerationMatch={want}")));
        }
        if let Some(avoid) = self.if_generation_not_match
            && avoid == current
        {
            return Err(failed(format!("ifGenerationNotMatch={avoid}")));
        }
        Ok(())
    }
}

/// How to write an object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutOptions {
    /// The content type; [`DEFAULT_CONTENT_TYPE`] when `None`.
    pub content_type: Option<String>,
    /// Custom metadata.
    pub metadata: BTreeMap<String, String>,
    /// Preconditions on the generation being replaced.
    pub conditions: Conditions,
}

/// What to list, as the JSON API's `objects.list` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// Only objects whose names begin with this.
    pub prefix: Option<String>,
    /// Fold names that contain this after the prefix into `prefixes` (usually `/`).
    pub delimiter: Option<String>,
    /// The `next_page_token` of the previous page.
    pub page_token: Option<String>,
    /// The most items plus prefixes in the page; at most (and by default) [`MAX_LIST_RESULTS`].
    pub max_results: Option<u32>,
}

/// One page of a listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectList {
    /// The objects, in name order.
    pub objects: Vec<ObjectMeta>,
    /// The folded prefixes, in order, each ending with the delimiter.
    pub prefixes: Vec<String>,
    /// The token of the next page, if there is one.
    pub next_page_token: Option<String>,
}

type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

#[derive(Debug, Clone)]
enum Backend {
    Memory(MemoryStore),
    Dir(DirStore),
}

/// The object store: a cheap-to-clone handle shared by the Vertex handlers and the GCS router.
///
/// ```
/// # tokio_test_block_on(async {
/// use mock_vertex::storage::{ObjectStore, SAMPLE_TRAIN_URI};
/// let store = ObjectStore::with_samples();
/// let data = store.read_uri(SAMPLE_TRAIN_URI).await.unwrap();
/// assert!(data.starts_with(b"{"));
/// let err = store.read_uri("gs://cloud-samples-data/missing.jsonl").await.unwrap_err();
/// assert_eq!(err.to_string(), "no such object: gs://cloud-samples-data/missing.jsonl");
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Clone)]
pub struct ObjectStore {
    backend: Backend,
    clock: Clock,
    serves_samples: bool,
}

impl fmt::Debug for ObjectStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStore")
            .field("backend", &self.backend)
            .field("serves_samples", &self.serves_samples)
            .finish_non_exhaustive()
    }
}

fn system_clock() -> Timestamp {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0);
    Timestamp::from_unix_nanos(nanos)
}

impl ObjectStore {
    /// An empty in-memory store.
    pub fn memory() -> ObjectStore {
        ObjectStore {
            backend: Backend::Memory(MemoryStore::default()),
            clock: Arc::new(system_clock),
            serves_samples: false,
        }
    }

    /// An in-memory store holding the sample data sets (the emulator's default).
    pub fn with_samples() -> ObjectStore {
        let store = ObjectStore::memory();
        if let Backend::Memory(memory) = &store.backend {
            memory.preload_samples(system_clock());
        }
        store
    }

    /// A store over the directory `root` (`gs://b/o` is `root/b/o`), which serves the samples
    /// when their files do not exist. `root` is created on the first bucket creation.
    pub fn directory(root: impl Into<PathBuf>) -> ObjectStore {
        ObjectStore {
            backend: Backend::Dir(DirStore::new(root.into())),
            clock: Arc::new(system_clock),
            serves_samples: true,
        }
    }

    /// This store, reading time from `clock` (for creation times and generations).
    pub fn with_clock(mut self, clock: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Writes the sample data sets into the store, creating their bucket if needed. (A directory
    /// store serves them without this; calling it writes real files.)
    pub async fn preload_samples(&self) -> Result<(), StorageError> {
        let bucket = BucketName::parse(SAMPLE_BUCKET)?;
        match self.create_bucket(&bucket).await {
            Ok(_) | Err(StorageError::BucketAlreadyExists { .. }) => {}
            Err(e) => return Err(e),
        }
        for (object, data) in samples::objects() {
            let options = PutOptions {
                content_type: Some(samples::CONTENT_TYPE.to_owned()),
                ..PutOptions::default()
            };
            self.put_with(&bucket, &object, Bytes::from_static(data), &options)
                .await?;
        }
        Ok(())
    }

    fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Creates a bucket.
    pub async fn create_bucket(&self, bucket: &BucketName) -> Result<BucketMeta, StorageError> {
        let now = self.now();
        match &self.backend {
            Backend::Memory(m) => m.create_bucket(bucket, now),
            Backend::Dir(d) => d.create_bucket(bucket, now).await,
        }
    }

    /// A bucket's metadata.
    pub async fn get_bucket(&self, bucket: &BucketName) -> Result<BucketMeta, StorageError> {
        let found = match &self.backend {
            Backend::Memory(m) => m.get_bucket(bucket),
            Backend::Dir(d) => d.get_bucket(bucket).await,
        };
        match found {
            Err(StorageError::BucketNotFound { .. }) if self.is_sample_bucket(bucket) => {
                Ok(samples::bucket_meta())
            }
            other => other,
        }
    }

    /// Every bucket, in name order.
    pub async fn list_buckets(&self) -> Result<Vec<BucketMeta>, StorageError> {
        let mut buckets = match &self.backend {
            Backend::Memory(m) => m.list_buckets(),
            Backend::Dir(d) => d.list_buckets().await?,
        };
        if self.serves_samples && !buckets.iter().any(|b| b.name.as_str() == SAMPLE_BUCKET) {
            buckets.push(samples::bucket_meta());
            buckets.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Ok(buckets)
    }

    /// Deletes an empty bucket.
    pub async fn delete_bucket(&self, bucket: &BucketName) -> Result<(), StorageError> {
        match &self.backend {
            Backend::Memory(m) => m.delete_bucket(bucket),
            Backend::Dir(d) => d.delete_bucket(bucket).await,
        }
    }

    /// Writes an object (replacing any live generation) with a content type.
    pub async fn put(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
        data: Bytes,
        content_type: Option<&str>,
    ) -> Result<ObjectMeta, StorageError> {
        let options = PutOptions {
            content_type: content_type.map(str::to_owned),
            ..PutOptions::default()
        };
        self.put_with(bucket, object, data, &options).await
    }

    /// Writes an object with metadata and preconditions.
    pub async fn put_with(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
        data: Bytes,
        options: &PutOptions,
    ) -> Result<ObjectMeta, StorageError> {
        let now = self.now();
        match &self.backend {
            Backend::Memory(m) => m.put(bucket, object, data, options, now),
            Backend::Dir(d) => d.put(bucket, object, data, options, now).await,
        }
    }

    /// An object's metadata and data.
    pub async fn get(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
    ) -> Result<(ObjectMeta, Bytes), StorageError> {
        let found = match &self.backend {
            Backend::Memory(m) => m.get(bucket, object),
            Backend::Dir(d) => d.get(bucket, object).await,
        };
        match found {
            Err(e) if e.is_not_found() && self.serves_samples => {
                samples::object(bucket, object).ok_or(e)
            }
            other => other,
        }
    }

    /// An object's metadata.
    pub async fn head(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
    ) -> Result<ObjectMeta, StorageError> {
        let found = match &self.backend {
            Backend::Memory(m) => m.head(bucket, object),
            Backend::Dir(d) => d.head(bucket, object).await,
        };
        match found {
            Err(e) if e.is_not_found() && self.serves_samples => samples::object(bucket, object)
                .map(|(meta, _)| meta)
                .ok_or(e),
            other => other,
        }
    }

    /// One page of the objects in a bucket.
    pub async fn list(
        &self,
        bucket: &BucketName,
        options: &ListOptions,
    ) -> Result<ObjectList, StorageError> {
        let prefix = options.prefix.as_deref().unwrap_or("");
        let listed = match &self.backend {
            Backend::Memory(m) => m.list_all(bucket, prefix),
            Backend::Dir(d) => d.list_all(bucket, prefix).await,
        };
        let mut objects = match listed {
            Err(StorageError::BucketNotFound { .. }) if self.is_sample_bucket(bucket) => Vec::new(),
            other => other?,
        };
        if self.serves_samples {
            for (meta, _) in samples::all() {
                let shadowed = objects.iter().any(|o| o.name == meta.name);
                if meta.bucket == *bucket && meta.name.as_str().starts_with(prefix) && !shadowed {
                    objects.push(meta);
                }
            }
            objects.sort_by(|a, b| a.name.cmp(&b.name));
        }
        listing::paginate(objects, options)
    }

    /// Deletes an object.
    pub async fn delete(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
    ) -> Result<(), StorageError> {
        self.delete_with(bucket, object, &Conditions::default())
            .await
    }

    /// Deletes an object if the conditions hold.
    pub async fn delete_with(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
        conditions: &Conditions,
    ) -> Result<(), StorageError> {
        match &self.backend {
            Backend::Memory(m) => m.delete(bucket, object, conditions),
            Backend::Dir(d) => d.delete(bucket, object, conditions).await,
        }
    }

    /// The data of the object a `gs://bucket/object` URI names.
    ///
    /// Errors name the URI: [`StorageError::InvalidUri`] for a malformed one,
    /// [`StorageError::ObjectNotFound`] for a missing one (also when its bucket is missing: the
    /// URI names an object, and the error names the URI).
    pub async fn read_uri(&self, uri: &str) -> Result<Bytes, StorageError> {
        let uri = GcsUri::parse(uri)?;
        self.read(&uri).await
    }

    /// The data of the object `uri` names.
    pub async fn read(&self, uri: &GcsUri) -> Result<Bytes, StorageError> {
        match self.get(uri.bucket(), uri.object()).await {
            Ok((_, data)) => Ok(data),
            Err(StorageError::BucketNotFound { bucket }) => Err(StorageError::ObjectNotFound {
                bucket,
                object: uri.object().to_string(),
            }),
            Err(e) => Err(e),
        }
    }

    fn is_sample_bucket(&self, bucket: &BucketName) -> bool {
        self.serves_samples && bucket.as_str() == SAMPLE_BUCKET
    }
}
