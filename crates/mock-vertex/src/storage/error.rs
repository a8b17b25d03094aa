//! `StorageError`: everything the object store can refuse, with its `google.rpc` code.

use std::path::PathBuf;

use retune_model::Code;

/// Why an object-store operation failed.
///
/// Each variant carries the input it refuses. Messages name buckets and objects as `gs://` URIs,
/// so an error surfaced in a tuning job already says which data set was at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The bucket does not exist.
    #[error("no such bucket: gs://{bucket}")]
    BucketNotFound {
        /// The bucket.
        bucket: String,
    },
    /// The object does not exist.
    #[error("no such object: gs://{bucket}/{object}")]
    ObjectNotFound {
        /// The bucket.
        bucket: String,
        /// The object.
        object: String,
    },
    /// A bucket of that name exists already.
    #[error("bucket gs://{bucket} already exists")]
    BucketAlreadyExists {
        /// The bucket.
        bucket: String,
    },
    /// The bucket still holds objects and cannot be deleted.
    #[error("bucket gs://{bucket} is not empty")]
    BucketNotEmpty {
        /// The bucket.
        bucket: String,
    },
    /// The string is not a valid bucket name.
    #[error("invalid bucket name {name:?}: {reason}")]
    InvalidBucketName {
        /// The rejected name.
        name: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// The string is not a valid object name (or, in directory mode, one that cannot be stored).
    #[error("invalid object name {name:?}: {reason}")]
    InvalidObjectName {
        /// The rejected name.
        name: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// The string is not a `gs://bucket/object` URI.
    #[error("invalid Cloud Storage URI {uri:?}: {reason}")]
    InvalidUri {
        /// The rejected URI.
        uri: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The page token was not produced by this store.
    #[error("invalid page token {token:?}")]
    InvalidPageToken {
        /// The rejected token.
        token: String,
    },
    /// An `ifGenerationMatch`/`ifGenerationNotMatch` condition does not hold.
    #[error(
        "precondition failed for gs://{bucket}/{object}: {condition} (current generation: {current})"
    )]
    PreconditionFailed {
        /// The bucket.
        bucket: String,
        /// The object.
        object: String,
        /// The condition, as `ifGenerationMatch=N`.
        condition: String,
        /// The current generation; 0 when the object does not exist.
        current: u64,
    },
    /// The directory backend could not read or write a file.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl StorageError {
    /// The `google.rpc` code of this error.
    pub fn code(&self) -> Code {
        match self {
            StorageError::BucketNotFound { .. } | StorageError::ObjectNotFound { .. } => {
                Code::NotFound
            }
            StorageError::BucketAlreadyExists { .. } => Code::AlreadyExists,
            StorageError::BucketNotEmpty { .. } | StorageError::PreconditionFailed { .. } => {
                Code::FailedPrecondition
            }
            StorageError::InvalidBucketName { .. }
            | StorageError::InvalidObjectName { .. }
            | StorageError::InvalidUri { .. }
            | StorageError::InvalidPageToken { .. } => Code::InvalidArgument,
            StorageError::Io { .. } => Code::Internal,
        }
    }

    /// Whether the bucket or object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.code() == Code::NotFound
    }
}
