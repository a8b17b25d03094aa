//! Cloud Storage names for the object store: the model crate's bucket names, object names and
//! `gs://` URIs, with their errors in the store's terms.

use retune_model::gcs::GcsNameError;
pub use retune_model::gcs::{BucketName, GcsUri, ObjectName};

use super::StorageError;

impl From<GcsNameError> for StorageError {
    fn from(e: GcsNameError) -> StorageError {
        match e {
            GcsNameError::Bucket { name, reason } => {
                StorageError::InvalidBucketName { name, reason }
            }
            GcsNameError::Object { name, reason } => {
                StorageError::InvalidObjectName { name, reason }
            }
            GcsNameError::Uri { uri, reason } => StorageError::InvalidUri { uri, reason },
        }
    }
}
