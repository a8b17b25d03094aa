//! The directory backend: `gs://b/o` is the file `ROOT/b/o`, read and written with `tokio::fs`.
//!
//! Safety: a path is only ever built by [`DirStore::object_path`], which appends the bucket name
//! (whose rules admit no `/` and no leading `.`) and then each `/`-separated segment of the object
//! name after refusing empty, `.` and `..` segments. Object names cannot hold NUL. So every path
//! built here is strictly inside the root.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use bytes::Bytes;
use retune_model::Timestamp;

use super::{
    BucketMeta, BucketName, Conditions, DEFAULT_CONTENT_TYPE, ObjectMeta, ObjectName, PutOptions,
    StorageError,
};

/// Prefix of the temporary files uploads are written to, in the root (never inside a bucket).
const TEMP_PREFIX: &str = ".mock-vertex-upload-";

const SEGMENT_RULE: &str = "in directory mode, every '/'-separated segment of an object name \
                            must be non-empty and neither \".\" nor \"..\"";
const CONFLICT_RULE: &str =
    "in directory mode, an object cannot share its name with a folder of other objects";

#[derive(Debug, Clone)]
pub(crate) struct DirStore {
    root: Arc<PathBuf>,
    known: Arc<Mutex<Known>>,
    temp_counter: Arc<AtomicU64>,
}

/// What the store remembers of the files it wrote (or already described).
#[derive(Debug, Default)]
struct Known {
    objects: HashMap<(BucketName, ObjectName), (Fingerprint, ObjectMeta)>,
    last_generation: u64,
}

/// Identifies one version of a file well enough to reuse its recorded metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    len: u64,
    modified: Option<SystemTime>,
}

impl Fingerprint {
    fn of(metadata: &std::fs::Metadata) -> Fingerprint {
        Fingerprint {
            len: metadata.len(),
            modified: metadata.modified().ok(),
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StorageError + '_ {
    move |source| StorageError::Io {
        path: path.to_owned(),
        source,
    }
}

fn timestamp(time: Option<SystemTime>) -> Timestamp {
    let nanos = time
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128);
    Timestamp::from_unix_nanos(nanos)
}

fn micros(t: Timestamp) -> u64 {
    u64::try_from(t.unix_nanos() / 1_000).unwrap_or(0)
}

/// The content type of a file the store did not write, guessed from its extension.
fn guess_content_type(object: &ObjectName) -> &'static str {
    let extension = object
        .as_str()
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    match extension.as_deref() {
        Some("json") => "application/json",
        Some("jsonl") => "application/jsonl",
        Some("txt") => "text/plain",
        Some("csv") => "text/csv",
        _ => DEFAULT_CONTENT_TYPE,
    }
}

fn object_not_found(bucket: &BucketName, object: &ObjectName) -> StorageError {
    StorageError::ObjectNotFound {
        bucket: bucket.to_string(),
        object: object.to_string(),
    }
}

fn conflict(object: &ObjectName) -> StorageError {
    StorageError::InvalidObjectName {
        name: object.to_string(),
        reason: CONFLICT_RULE,
    }
}

impl DirStore {
    pub(crate) fn new(root: PathBuf) -> DirStore {
        DirStore {
            root: Arc::new(root),
            known: Arc::default(),
            temp_counter: Arc::default(),
        }
    }

    fn known(&self) -> MutexGuard<'_, Known> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn bucket_path(&self, bucket: &BucketName) -> PathBuf {
        self.root.join(bucket.as_str())
    }

    /// The file of an object, or why the name cannot be a file safely.
    fn object_path(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
    ) -> Result<PathBuf, StorageError> {
        let mut path = self.bucket_path(bucket);
        for segment in object.as_str().split('/') {
            let unsafe_on_windows = cfg!(windows) && segment.contains(['\\', ':']);
            if segment.is_empty() || segment == "." || segment == ".." || unsafe_on_windows {
                return Err(StorageError::InvalidObjectName {
                    name: object.to_string(),
                    reason: SEGMENT_RULE,
                });
            }
            path.push(segment);
        }
        Ok(path)
    }

    async fn ensure_bucket(&self, bucket: &BucketName) -> Result<PathBuf, StorageError> {
        let path = self.bucket_path(bucket);
        match tokio::fs::metadata(&path).await {
            Ok(m) if m.is_dir() => Ok(path),
            Ok(_) => Err(StorageError::BucketNotFound {
                bucket: bucket.to_string(),
            }),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(StorageError::BucketNotFound {
                bucket: bucket.to_string(),
            }),
            Err(e) => Err(io_error(&path)(e)),
        }
    }

    pub(crate) async fn create_bucket(
        &self,
        bucket: &BucketName,
        now: Timestamp,
    ) -> Result<BucketMeta, StorageError> {
        tokio::fs::create_dir_all(&*self.root)
            .await
            .map_err(io_error(&self.root))?;
        let path = self.bucket_path(bucket);
        match tokio::fs::create_dir(&path).await {
            Ok(()) => Ok(BucketMeta {
                name: bucket.clone(),
                time_created: now,
            }),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                Err(StorageError::BucketAlreadyExists {
                    bucket: bucket.to_string(),
                })
            }
            Err(e) => Err(io_error(&path)(e)),
        }
    }

    pub(crate) async fn get_bucket(&self, bucket: &BucketName) -> Result<BucketMeta, StorageError> {
        let path = self.ensure_bucket(bucket).await?;
        let metadata = tokio::fs::metadata(&path).await.map_err(io_error(&path))?;
        Ok(BucketMeta {
            name: bucket.clone(),
            time_created: timestamp(metadata.created().or_else(|_| metadata.modified()).ok()),
        })
    }

    pub(crate) async fn list_buckets(&self) -> Result<Vec<BucketMeta>, StorageError> {
        let mut entries = match tokio::fs::read_dir(&*self.root).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&self.root)(e)),
        };
        let mut buckets = Vec::new();
        while let Some(entry) = entries.next_entry().await.map_err(io_error(&self.root))? {
            let Some(name) = entry
                .file_name()
                .to_str()
                .and_then(|n| BucketName::parse(n).ok())
            else {
                continue;
            };
            if entry.file_type().await.is_ok_and(|t| t.is_dir()) {
                buckets.push(self.get_bucket(&name).await?);
            }
        }
        buckets.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(buckets)
    }

    pub(crate) async fn delete_bucket(&self, bucket: &BucketName) -> Result<(), StorageError> {
        let path = self.ensure_bucket(bucket).await?;
        if !self.list_names(bucket, "").await?.is_empty() {
            return Err(StorageError::BucketNotEmpty {
                bucket: bucket.to_string(),
            });
        }
        tokio::fs::remove_dir_all(&path)
            .await
            .map_err(io_error(&path))
    }

    /// The live generation of an object, 0 if there is none.
    async fn current_generation(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
        path: &Path,
    ) -> Result<u64, StorageError> {
        match self.describe(bucket, object, path, None).await {
            Ok(meta) => Ok(meta.generation),
            Err(StorageError::ObjectNotFound { .. }) => Ok(0),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn put(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
        data: Bytes,
        options: &PutOptions,
        now: Timestamp,
    ) -> Result<ObjectMeta, StorageError> {
        self.ensure_bucket(bucket).await?;
        let path = self.object_path(bucket, object)?;
        let current = self.current_generation(bucket, object, &path).await?;
        options.conditions.check(bucket, object, current)?;
        if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_dir()) {
            return Err(conflict(object));
        }
        if let Some(parent) = path.parent() {
            match tokio::fs::create_dir_all(parent).await {
                Ok(()) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::AlreadyExists | ErrorKind::NotADirectory
                    ) =>
                {
                    return Err(conflict(object));
                }
                Err(e) => return Err(io_error(parent)(e)),
            }
        }
        let temp = self.root.join(format!(
            "{TEMP_PREFIX}{}-{}",
            std::process::id(),
            self.temp_counter.fetch_add(1, Ordering::Relaxed)
        ));
        tokio::fs::write(&temp, &data)
            .await
            .map_err(io_error(&temp))?;
        if let Err(e) = tokio::fs::rename(&temp, &path).await {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(match e.kind() {
                ErrorKind::IsADirectory | ErrorKind::DirectoryNotEmpty => conflict(object),
                _ => io_error(&path)(e),
            });
        }
        let metadata = tokio::fs::metadata(&path).await.map_err(io_error(&path))?;
        let mut known = self.known();
        known.last_generation = micros(now).max(known.last_generation + 1);
        let meta = ObjectMeta::new(
            bucket.clone(),
            object.clone(),
            &data,
            known.last_generation,
            now,
            options
                .content_type
                .clone()
                .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned()),
            options.metadata.clone(),
        );
        known.objects.insert(
            (bucket.clone(), object.clone()),
            (Fingerprint::of(&metadata), meta.clone()),
        );
        Ok(meta)
    }

    /// The metadata of the file at `path`: recorded if the file is unchanged since, otherwise
    /// derived from the file (reading it, unless its `data` is at hand).
    async fn describe(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
        path: &Path,
        data: Option<&Bytes>,
    ) -> Result<ObjectMeta, StorageError> {
        let metadata = match tokio::fs::metadata(path).await {
            Ok(m) if m.is_file() => m,
            Ok(_) => return Err(object_not_found(bucket, object)),
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                self.ensure_bucket(bucket).await?;
                return Err(object_not_found(bucket, object));
            }
            Err(e) => return Err(io_error(path)(e)),
        };
        let fingerprint = Fingerprint::of(&metadata);
        let key = (bucket.clone(), object.clone());
        if let Some((known, meta)) = self.known().objects.get(&key)
            && *known == fingerprint
        {
            return Ok(meta.clone());
        }
        let read;
        let data = match data {
            Some(data) => data,
            None => {
                read = Bytes::from(tokio::fs::read(path).await.map_err(io_error(path))?);
                &read
            }
        };
        let modified = timestamp(fingerprint.modified);
        let meta = ObjectMeta::new(
            bucket.clone(),
            object.clone(),
            data,
            micros(modified).max(1),
            modified,
            guess_content_type(object).to_owned(),
            Default::default(),
        );
        self.known()
            .objects
            .insert(key, (fingerprint, meta.clone()));
        Ok(meta)
    }

    pub(crate) async fn get(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
    ) -> Result<(ObjectMeta, Bytes), StorageError> {
        let path = self.object_path(bucket, object)?;
        let data = match tokio::fs::read(&path).await {
            Ok(data) => Bytes::from(data),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::NotFound | ErrorKind::NotADirectory | ErrorKind::IsADirectory
                ) =>
            {
                self.ensure_bucket(bucket).await?;
                return Err(object_not_found(bucket, object));
            }
            Err(e) => return Err(io_error(&path)(e)),
        };
        let meta = self.describe(bucket, object, &path, Some(&data)).await?;
        Ok((meta, data))
    }

    pub(crate) async fn head(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
    ) -> Result<ObjectMeta, StorageError> {
        let path = self.object_path(bucket, object)?;
        self.describe(bucket, object, &path, None).await
    }

    /// The names of every file under the bucket that begins with `prefix`, sorted.
    async fn list_names(
        &self,
        bucket: &BucketName,
        prefix: &str,
    ) -> Result<Vec<ObjectName>, StorageError> {
        let bucket_path = self.ensure_bucket(bucket).await?;
        // Start the walk at the deepest folder the prefix names.
        let mut start = bucket_path;
        let mut start_name = String::new();
        if let Some((folders, _)) = prefix.rsplit_once('/') {
            for segment in folders.split('/') {
                if segment.is_empty() || segment == "." || segment == ".." {
                    return Ok(Vec::new());
                }
                start.push(segment);
                start_name.push_str(segment);
                start_name.push('/');
            }
        }
        let mut names = Vec::new();
        let mut pending = vec![(start, start_name)];
        while let Some((folder, folder_name)) = pending.pop() {
            let mut entries = match tokio::fs::read_dir(&folder).await {
                Ok(entries) => entries,
                Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                    continue;
                }
                Err(e) => return Err(io_error(&folder)(e)),
            };
            while let Some(entry) = entries.next_entry().await.map_err(io_error(&folder))? {
                let Some(file_name) = entry.file_name().to_str().map(str::to_owned) else {
                    continue;
                };
                let name = format!("{folder_name}{file_name}");
                let file_type = entry.file_type().await.map_err(io_error(&entry.path()))?;
                if file_type.is_dir() {
                    if name.starts_with(prefix) || prefix.starts_with(&format!("{name}/")) {
                        pending.push((entry.path(), format!("{name}/")));
                    }
                    continue;
                }
                // A symbolic link counts if it leads to a file; linked folders are not walked.
                let is_file = file_type.is_file()
                    || (file_type.is_symlink()
                        && tokio::fs::metadata(entry.path())
                            .await
                            .is_ok_and(|m| m.is_file()));
                if is_file
                    && name.starts_with(prefix)
                    && let Ok(name) = ObjectName::parse(&name)
                {
                    names.push(name);
                }
            }
        }
        names.sort();
        Ok(names)
    }

    pub(crate) async fn list_all(
        &self,
        bucket: &BucketName,
        prefix: &str,
    ) -> Result<Vec<ObjectMeta>, StorageError> {
        let mut objects = Vec::new();
        for name in self.list_names(bucket, prefix).await? {
            let path = self.object_path(bucket, &name)?;
            match self.describe(bucket, &name, &path, None).await {
                Ok(meta) => objects.push(meta),
                // Deleted while we were listing.
                Err(StorageError::ObjectNotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(objects)
    }

    pub(crate) async fn delete(
        &self,
        bucket: &BucketName,
        object: &ObjectName,
        conditions: &Conditions,
    ) -> Result<(), StorageError> {
        let bucket_path = self.ensure_bucket(bucket).await?;
        let path = self.object_path(bucket, object)?;
        let current = self.describe(bucket, object, &path, None).await?.generation;
        conditions.check(bucket, object, current)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(object_not_found(bucket, object));
            }
            Err(e) => return Err(io_error(&path)(e)),
        }
        self.known()
            .objects
            .remove(&(bucket.clone(), object.clone()));
        // Folders exist only for the objects in them: remove the ones this deletion emptied.
        let mut folder = path.parent();
        while let Some(dir) = folder.filter(|d| *d != bucket_path) {
            if tokio::fs::remove_dir(dir).await.is_err() {
                break;
            }
            folder = dir.parent();
        }
        Ok(())
    }
}
