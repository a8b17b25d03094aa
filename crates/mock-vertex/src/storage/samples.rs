//! The source document's sample data sets, shipped with the emulator and served at their URIs.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use bytes::Bytes;
use retune_model::Timestamp;

use super::{BucketMeta, BucketName, ObjectMeta, ObjectName};

/// The bucket of the public sample data sets.
pub const SAMPLE_BUCKET: &str = "cloud-samples-data";
/// The training data set's object name.
pub const SAMPLE_TRAIN_OBJECT: &str = "ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";
/// The validation data set's object name.
pub const SAMPLE_VALIDATION_OBJECT: &str =
    "ai-platform/generative_ai/gemini/text/sft_validation_data.jsonl";
/// The training data set's URI, as the source document writes it.
pub const SAMPLE_TRAIN_URI: &str =
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";
/// The validation data set's URI, as the source document writes it.
pub const SAMPLE_VALIDATION_URI: &str =
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_validation_data.jsonl";

/// The training data set: 20 valid Gemini supervised-tuning examples, one JSON object a line.
pub const SAMPLE_TRAIN_JSONL: &str = include_str!("../../data/sft_train_data.jsonl");
/// The validation data set: 5 valid Gemini supervised-tuning examples.
pub const SAMPLE_VALIDATION_JSONL: &str = include_str!("../../data/sft_validation_data.jsonl");

/// The content type the samples are stored with.
pub(crate) const CONTENT_TYPE: &str = "application/jsonl";

/// When the samples served from the binary were "created": 2024-01-01T00:00:00Z.
const SAMPLES_CREATED: Timestamp = Timestamp::from_unix_seconds(1_704_067_200);

pub(crate) fn bucket_name() -> BucketName {
    BucketName::trusted(SAMPLE_BUCKET)
}

/// The samples' object names and data.
pub(crate) fn objects() -> [(ObjectName, &'static [u8]); 2] {
    [
        (
            ObjectName::trusted(SAMPLE_TRAIN_OBJECT),
            SAMPLE_TRAIN_JSONL.as_bytes(),
        ),
        (
            ObjectName::trusted(SAMPLE_VALIDATION_OBJECT),
            SAMPLE_VALIDATION_JSONL.as_bytes(),
        ),
    ]
}

/// The samples as served from the binary, in name order.
pub(crate) fn all() -> Vec<(ObjectMeta, Bytes)> {
    described().to_vec()
}

/// The samples with their metadata, described once (their checksums are computed over the
/// data, and every create that reads a sample data set asks for it).
fn described() -> &'static [(ObjectMeta, Bytes)] {
    static DESCRIBED: OnceLock<Vec<(ObjectMeta, Bytes)>> = OnceLock::new();
    DESCRIBED.get_or_init(describe)
}

fn describe() -> Vec<(ObjectMeta, Bytes)> {
    let generation = SAMPLES_CREATED.unix_seconds().unsigned_abs() * 1_000_000;
    objects()
        .into_iter()
        .map(|(name, data)| {
            let meta = ObjectMeta::new(
                bucket_name(),
                name,
                data,
                generation,
                SAMPLES_CREATED,
                CONTENT_TYPE.to_owned(),
                BTreeMap::new(),
            );
            (meta, Bytes::from_static(data))
        })
        .collect()
}

/// The sample at `bucket`/`object`, if there is one.
pub(crate) fn object(bucket: &BucketName, object: &ObjectName) -> Option<(ObjectMeta, Bytes)> {
    described()
        .iter()
        .find(|(meta, _)| meta.bucket == *bucket && meta.name == *object)
        .cloned()
}

/// The sample bucket as served from the binary.
pub(crate) fn bucket_meta() -> BucketMeta {
    BucketMeta {
        name: bucket_name(),
        time_created: SAMPLES_CREATED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::GcsUri;

    #[test]
    fn sample_constants_are_valid_and_agree() {
        let train = GcsUri::parse(SAMPLE_TRAIN_URI).expect("valid URI");
        assert_eq!(train.bucket().as_str(), SAMPLE_BUCKET);
        assert_eq!(train.object().as_str(), SAMPLE_TRAIN_OBJECT);
        let validation = GcsUri::parse(SAMPLE_VALIDATION_URI).expect("valid URI");
        assert_eq!(validation.bucket().as_str(), SAMPLE_BUCKET);
        assert_eq!(validation.object().as_str(), SAMPLE_VALIDATION_OBJECT);
    }
}
