//! Customer-managed encryption keys (CMEK): where a tuning job's Cloud KMS key must live.
//!
//! Source (spec §3.1, `encryption_spec.proto`): the key "must be in the same region" as the
//! resource it protects. The key's project does not matter (keys are often kept in a separate
//! security project); its location must equal the job's. The spec is silent about jobs in
//! `global` or a multi-region (`us`, `eu`); we apply the same rule literally: a `global` job takes
//! a key in KMS location `global`, an `eu` job a key in `eu`. Rule 6 of continuous tuning (the
//! same key as the pre-tuned model's job) is checked by [`crate::continuous`].
//!
//! ```
//! use retune_model::encryption::check_kms_key_location;
//! use retune_model::names::{KmsKeyName, LocationName};
//! let job: LocationName = "projects/p1/locations/us-central1".parse().unwrap();
//! let key: KmsKeyName = "projects/keys/locations/us-central1/keyRings/r/cryptoKeys/k".parse().unwrap();
//! assert_eq!(check_kms_key_location(&job, &key), Ok(()));
//! let far: KmsKeyName = "projects/p1/locations/europe-west4/keyRings/r/cryptoKeys/k".parse().unwrap();
//! assert!(check_kms_key_location(&job, &far).is_err());
//! ```

use crate::Code;
use crate::names::{KmsKeyName, LocationId, LocationName};

/// A CMEK key outside the job's location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the KMS key {key} is in location {key_location}, but the job runs in {job_location}; a CMEK key must be in the same region as the job"
)]
pub struct KmsKeyLocationError {
    /// The key's full name.
    pub key: String,
    /// The key's location.
    pub key_location: LocationId,
    /// Where the job runs.
    pub job_location: LocationId,
}

impl KmsKeyLocationError {
    /// Always `INVALID_ARGUMENT`.
    pub fn code(&self) -> Code {
        Code::InvalidArgument
    }
}

/// Whether `key` may protect a job (and what it creates) in `job`: same location id, any project.
pub fn check_kms_key_location(
    job: &LocationName,
    key: &KmsKeyName,
) -> Result<(), KmsKeyLocationError> {
    if key.location() == job.location() {
        Ok(())
    } else {
        Err(KmsKeyLocationError {
            key: key.to_string(),
            key_location: key.location().clone(),
            job_location: job.location().clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_location_table() {
        let cases = [
            ("projects/p/locations/us-central1", "us-central1", true),
            ("projects/p/locations/us-central1", "us-east1", false),
            ("projects/p/locations/us-central1", "us", false),
            ("projects/p/locations/us-central1", "global", false),
            ("projects/p/locations/global", "global", true),
            ("projects/p/locations/global", "us-central1", false),
            ("projects/p/locations/eu", "eu", true),
            ("projects/p/locations/eu", "europe-west4", false),
            ("projects/p/locations/europe-west4", "europe-west4", true),
        ];
        for (job, key_location, ok) in cases {
            let job: LocationName = job.parse().unwrap();
            let key: KmsKeyName =
                format!("projects/other/locations/{key_location}/keyRings/r/cryptoKeys/k")
                    .parse()
                    .unwrap();
            let got = check_kms_key_location(&job, &key);
            assert_eq!(got.is_ok(), ok, "{job} with {key}: {got:?}");
            if let Err(err) = got {
                assert_eq!(err.code(), Code::InvalidArgument);
                assert!(err.to_string().contains(key_location), "{err}");
            }
        }
    }
}
