//! Named snapshots saved on disk (`retune emulator snapshot save|load|list|delete`), and the
//! state files of `--import` and `--export-on-exit`.
//!
//! A snapshot file is plain JSON ([`SnapshotFile`]): the state ([`StateSnapshot`]) and, when
//! asked for, every object of the object store (base64), so it moves between machines as is.
//! Files are written atomically: to a hidden temporary file in the same directory, fsynced,
//! renamed over the name, and the directory fsynced; a crash mid-save leaves the previous file
//! whole. Nothing here deletes anything but `delete` itself.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use retune_model::Code;
use serde::{Deserialize, Serialize};

use super::StateSnapshot;
use crate::error::ApiError;
use crate::state::Emulator;
use crate::storage::{BucketName, ListOptions, ObjectName, SAMPLE_BUCKET};

/// The version of the snapshot file format.
pub const SNAPSHOT_FILE_FORMAT: u32 = 1;

/// The longest snapshot name.
pub const MAX_SNAPSHOT_NAME: usize = 100;

/// A snapshot file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SnapshotFile {
    /// [`SNAPSHOT_FILE_FORMAT`].
    pub format: u32,
    /// The emulator's state.
    pub state: StateSnapshot,
    /// The object store's objects (the public samples left out), when saved with them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objects: Option<Vec<ObjectFile>>,
}

/// One object of a snapshot file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectFile {
    /// The bucket.
    pub bucket: String,
    /// The object name.
    pub name: String,
    /// Its content type.
    pub content_type: String,
    /// Its bytes, base64.
    pub data: String,
}

/// A saved snapshot, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotInfo {
    /// Its name.
    pub name: String,
    /// The file's size.
    pub size_bytes: u64,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename, directory fsync).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{file_name}.tmp-{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)?;
        std::fs::File::open(&dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

fn check_name(name: &str) -> Result<(), ApiError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_SNAPSHOT_NAME
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            "name",
            format!(
                "Invalid snapshot name {name:?}: use 1 to {MAX_SNAPSHOT_NAME} letters, digits, '-', '_' or '.', not starting with '.'."
            ),
        ))
    }
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> ApiError {
    ApiError::internal(format!("Cannot {what} {}: {e}.", path.display()))
}

impl Emulator {
    fn snapshot_path(&self, name: &str) -> Result<PathBuf, ApiError> {
        check_name(name)?;
        let dir = self.snapshot_dir().ok_or_else(|| {
            ApiError::failed_precondition(
                "Snapshots need a directory: start the emulator with --data-dir (or --snapshot-dir).",
            )
        })?;
        Ok(dir.join(format!("{name}.json")))
    }

    /// The state and, with `objects`, the object store's objects, as a snapshot file.
    pub async fn snapshot_file(&self, objects: bool) -> Result<SnapshotFile, ApiError> {
        let state = self.export_state();
        let objects = if objects {
            Some(self.object_files().await?)
        } else {
            None
        };
        Ok(SnapshotFile {
            format: SNAPSHOT_FILE_FORMAT,
            state,
            objects,
        })
    }

    async fn object_files(&self) -> Result<Vec<ObjectFile>, ApiError> {
        let store = self.objects();
        let storage = |e: crate::storage::StorageError| ApiError::internal(e.to_string());
        let mut files = Vec::new();
        for bucket in store.list_buckets().await.map_err(storage)? {
            if bucket.name.as_str() == SAMPLE_BUCKET {
                continue;
            }
            let mut options = ListOptions::default();
            loop {
                let page = store.list(&bucket.name, &options).await.map_err(storage)?;
                for meta in page.objects {
                    let (meta, data) =
                        store.get(&bucket.name, &meta.name).await.map_err(storage)?;
                    files.push(ObjectFile {
                        bucket: bucket.name.as_str().to_owned(),
                        name: meta.name.as_str().to_owned(),
                        content_type: meta.content_type.clone(),
                        data: STANDARD.encode(&data),
                    });
                }
                match page.next_page_token {
                    Some(token) => options.page_token = Some(token),
                    None => break,
                }
            }
        }
        Ok(files)
    }

    /// Replaces the state with a snapshot file's, and writes its objects (if any) into the
    /// object store (creating their buckets; other objects stay).
    pub async fn restore_snapshot_file(&self, file: &SnapshotFile) -> Result<(), ApiError> {
        if file.format != SNAPSHOT_FILE_FORMAT {
            return Err(ApiError::failed_precondition(format!(
                "Snapshot file format {} is not {SNAPSHOT_FILE_FORMAT}.",
                file.format
            )));
        }
        let invalid = |e: &dyn std::fmt::Display| ApiError::invalid_argument(format!("{e}."));
        // Everything is checked before anything changes.
        let mut objects = Vec::new();
        for o in file.objects.iter().flatten() {
            let bucket: BucketName = o.bucket.parse().map_err(|e| invalid(&e))?;
            let name: ObjectName = o.name.parse().map_err(|e| invalid(&e))?;
            let data = STANDARD.decode(&o.data).map_err(|e| invalid(&e))?;
            objects.push((bucket, name, data, o.content_type.as_str()));
        }
        crate::admin::snapshot::import(&file.state).map_err(|e| invalid(&e))?;
        self.import_state(&file.state).map_err(|e| invalid(&e))?;
        let store = self.objects();
        for (bucket, name, data, content_type) in objects {
            if store.get_bucket(&bucket).await.is_err() {
                store
                    .create_bucket(&bucket)
                    .await
                    .map_err(|e| ApiError::internal(e.to_string()))?;
            }
            store
                .put(&bucket, &name, Bytes::from(data), Some(content_type))
                .await
                .map_err(|e| ApiError::internal(e.to_string()))?;
        }
        Ok(())
    }

    /// Saves the state (and, with `objects`, the object store) as snapshot `name`, atomically.
    pub async fn save_snapshot(&self, name: &str, objects: bool) -> Result<SnapshotInfo, ApiError> {
        let path = self.snapshot_path(name)?;
        let file = self.snapshot_file(objects).await?;
        let bytes = serde_json::to_vec(&file).unwrap_or_default();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io_error("create", dir, &e))?;
        }
        write_atomically(&path, &bytes).map_err(|e| io_error("write", &path, &e))?;
        Ok(SnapshotInfo {
            name: name.to_owned(),
            size_bytes: bytes.len() as u64,
        })
    }

    /// Loads snapshot `name`: the state is replaced, its objects written.
    pub async fn load_snapshot(&self, name: &str) -> Result<(), ApiError> {
        let path = self.snapshot_path(name)?;
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ApiError::not_found(format!("Snapshot {name} not found.")));
            }
            Err(e) => return Err(io_error("read", &path, &e)),
        };
        let file: SnapshotFile = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::new(
                Code::DataLoss,
                format!("Snapshot {name} cannot be read: {e}."),
            )
        })?;
        self.restore_snapshot_file(&file).await
    }

    /// The saved snapshots, by name.
    pub fn list_snapshots(&self) -> Result<Vec<SnapshotInfo>, ApiError> {
        let dir = self.snapshot_path("x")?.with_file_name("");
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("read", &dir, &e)),
        };
        let mut list: Vec<SnapshotInfo> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let file_name = entry.file_name().to_string_lossy().into_owned();
                let name = file_name.strip_suffix(".json")?;
                check_name(name).ok()?;
                Some(SnapshotInfo {
                    name: name.to_owned(),
                    size_bytes: entry.metadata().ok()?.len(),
                })
            })
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    /// Deletes snapshot `name`.
    pub fn delete_snapshot(&self, name: &str) -> Result<(), ApiError> {
        let path = self.snapshot_path(name)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(ApiError::not_found(format!("Snapshot {name} not found.")))
            }
            Err(e) => Err(io_error("delete", &path, &e)),
        }
    }
}

impl Emulator {
    /// Replaces the state with the file at `path`: a snapshot file, or a state export
    /// (`GET /_emulator/state`).
    pub async fn import_file(&self, path: &Path) -> Result<(), ApiError> {
        let bytes = std::fs::read(path).map_err(|e| io_error("read", path, &e))?;
        let file = match serde_json::from_slice::<SnapshotFile>(&bytes) {
            Ok(file) => file,
            Err(as_file) => match serde_json::from_slice::<StateSnapshot>(&bytes) {
                Ok(state) => SnapshotFile {
                    format: SNAPSHOT_FILE_FORMAT,
                    state,
                    objects: None,
                },
                Err(_) => {
                    return Err(ApiError::invalid_argument(format!(
                        "{} is neither a snapshot file nor a state export: {as_file}.",
                        path.display()
                    )));
                }
            },
        };
        self.restore_snapshot_file(&file).await
    }

    /// Writes the state and every object to `path` as a snapshot file, atomically (an
    /// existing file is replaced whole, never left half-written; nothing else is touched).
    pub async fn export_to_file(&self, path: &Path) -> Result<(), ApiError> {
        let file = self.snapshot_file(true).await?;
        let bytes = serde_json::to_vec(&file).unwrap_or_default();
        write_atomically(path, &bytes).map_err(|e| io_error("write", path, &e))
    }
}
