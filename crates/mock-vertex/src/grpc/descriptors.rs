//! The vendored googleapis protos (`proto/`), compiled by `build.rs`: the encoded
//! `FileDescriptorSet` (also what reflection serves) and the pool of descriptors decoded from it.

use std::sync::LazyLock;

use prost_reflect::DescriptorPool;

/// The encoded `google.protobuf.FileDescriptorSet` of the served services and their imports.
pub const DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptors.bin"));

static POOL: LazyLock<Result<DescriptorPool, String>> =
    LazyLock::new(|| DescriptorPool::decode(DESCRIPTOR_SET).map_err(|err| err.to_string()));

/// The descriptors, or why the compiled set does not decode (a build defect, reported to the
/// caller as INTERNAL rather than a panic).
pub(crate) fn pool() -> Result<&'static DescriptorPool, &'static str> {
    POOL.as_ref().map_err(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_set_holds_every_served_service() {
        let pool = pool().unwrap();
        for service in [
            "google.cloud.aiplatform.v1.GenAiTuningService",
            "google.cloud.aiplatform.v1beta1.GenAiTuningService",
            "google.cloud.aiplatform.v1.ModelService",
            "google.cloud.aiplatform.v1.EndpointService",
            "google.cloud.aiplatform.v1.PredictionService",
            "google.longrunning.Operations",
        ] {
            assert!(pool.get_service_by_name(service).is_some(), "{service}");
        }
        assert!(pool.get_extension_by_name("google.api.http").is_some());
        assert!(
            pool.get_message_by_name("google.rpc.PreconditionFailure")
                .is_some()
        );
    }
}
