//! The REST API versions, `v1` and `v1beta1`, which serve the same paths.

use std::fmt;

/// The API version in every REST path (`/v1/...` or `/v1beta1/...`).
///
/// Both serve the same routes; `v1beta1` adds a few output fields (`tuningJobState`,
/// `tuningJobMetadata`) and names its own proto package in `@type` strings. `v1` is the default,
/// as in the REST reference; the Gen AI SDK defaults to `v1beta1`.
///
/// ```
/// use retune_model::wire::ApiVersion;
/// assert_eq!(ApiVersion::default().as_str(), "v1");
/// assert_eq!(ApiVersion::V1Beta1.proto_package(), "google.cloud.aiplatform.v1beta1");
/// assert_eq!(ApiVersion::from_path_segment("v1beta1"), Some(ApiVersion::V1Beta1));
/// assert_eq!(ApiVersion::from_path_segment("v2"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ApiVersion {
    /// `/v1/...`: the stable surface.
    #[default]
    V1,
    /// `/v1beta1/...`: the Gen AI SDK's default.
    V1Beta1,
}

impl ApiVersion {
    /// The path segment: `v1` or `v1beta1`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1",
            ApiVersion::V1Beta1 => "v1beta1",
        }
    }

    /// The version for a path segment, if it is one.
    pub fn from_path_segment(segment: &str) -> Option<ApiVersion> {
        match segment {
            "v1" => Some(ApiVersion::V1),
            "v1beta1" => Some(ApiVersion::V1Beta1),
            _ => None,
        }
    }

    /// The proto package of this version, e.g. `google.cloud.aiplatform.v1`.
    pub fn proto_package(self) -> &'static str {
        match self {
            ApiVersion::V1 => "google.cloud.aiplatform.v1",
            ApiVersion::V1Beta1 => "google.cloud.aiplatform.v1beta1",
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
