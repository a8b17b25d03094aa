//! What machine-readable details an error carries (AIP-193, `google/rpc/error_details.proto`):
//! every error an `ErrorInfo`, and the full detail sets of a permission refusal, a disabled
//! service and an exhausted quota, as Vertex AI's front end answers them.
//!
//! The `ErrorInfo` of an error that has no more specific reason is the emulator's choice (Vertex
//! AI documents no reason list of its own): the canonical code's name as `reason`, domain
//! `aiplatform.googleapis.com`, and the fully qualified method and the service in `metadata`.

use crate::Code;
use crate::rpc::Rpc;
use crate::wire::{
    ApiVersion, ErrorInfo, Help, HelpLink, LocalizedMessage, QuotaFailure, QuotaViolation,
};

/// The service name Vertex AI's errors carry in `ErrorInfo.metadata.service`.
pub const AIPLATFORM_SERVICE: &str = "aiplatform.googleapis.com";
/// The domain of errors raised by Google's API infrastructure rather than by Vertex AI itself
/// (disabled services, exhausted quotas, credentials): `google/api/error_reason.proto`.
pub const GOOGLEAPIS_DOMAIN: &str = "googleapis.com";

/// The method an error happened in: its RPC and the API version it came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Method {
    /// The RPC.
    pub rpc: Rpc,
    /// `/v1` or `/v1beta1`.
    pub version: ApiVersion,
}

/// An error's code, message and details, before it is put in an envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorDetails {
    /// The canonical code.
    pub code: Code,
    /// The message.
    pub message: String,
    /// `Any` values, each with `@type`, in the order Vertex AI sends them.
    pub details: Vec<serde_json::Value>,
}

/// The `ErrorInfo` an error of `code` carries when nothing more specific applies: the code's
/// name as reason, domain `aiplatform.googleapis.com`, the method and service when known.
///
/// ```
/// use retune_model::Code;
/// use retune_model::error_details::{Method, default_error_info};
/// use retune_model::rpc::Rpc;
/// use retune_model::wire::ApiVersion;
/// let info = default_error_info(Code::NotFound, Some(Method { rpc: Rpc::GetModel, version: ApiVersion::V1 }));
/// assert_eq!(info.reason, "NOT_FOUND");
/// assert_eq!(info.domain, "aiplatform.googleapis.com");
/// assert_eq!(info.metadata["method"], "google.cloud.aiplatform.v1.ModelService.GetModel");
/// ```
pub fn default_error_info(code: Code, method: Option<Method>) -> ErrorInfo {
    let info = ErrorInfo::new(code.as_str());
    match method {
        Some(m) => info
            .with_metadata("method", m.rpc.method(m.version))
            .with_metadata("service", AIPLATFORM_SERVICE),
        None => info.with_metadata("service", AIPLATFORM_SERVICE),
    }
}

/// 403 PERMISSION_DENIED for a caller that lacks `method`'s permission on `resource` (a
/// resource name, `projects/p/locations/l/tuningJobs/1`): reason `IAM_PERMISSION_DENIED`, the
/// permission and the resource in `metadata`, as Vertex AI answers.
///
/// ```
/// use retune_model::error_details::{Method, permission_denied};
/// use retune_model::rpc::Rpc;
/// use retune_model::wire::ApiVersion;
/// let e = permission_denied(Method { rpc: Rpc::CreateTuningJob, version: ApiVersion::V1 }, "projects/p/locations/us-central1");
/// assert_eq!(e.code, retune_model::Code::PermissionDenied);
/// assert!(e.message.starts_with("Permission 'aiplatform.tuningJobs.create' denied on resource"));
/// assert_eq!(e.details[0]["reason"], "IAM_PERMISSION_DENIED");
/// ```
pub fn permission_denied(method: Method, resource: &str) -> ErrorDetails {
    let permission = method.rpc.permission();
    let info = ErrorInfo::new("IAM_PERMISSION_DENIED")
        .with_metadata("permission", permission)
        .with_metadata("resource", resource);
    ErrorDetails {
        code: Code::PermissionDenied,
        message: format!(
            "Permission '{permission}' denied on resource '//{AIPLATFORM_SERVICE}/{resource}' \
             (or it may not exist)."
        ),
        details: vec![info.to_detail()],
    }
}

/// 403 PERMISSION_DENIED for a project whose Vertex AI API is disabled: reason
/// `SERVICE_DISABLED` in domain `googleapis.com` with the service and the consumer, a
/// `LocalizedMessage` and a `Help` link to the activation page, as Google's front end answers.
///
/// ```
/// use retune_model::error_details::service_disabled;
/// let e = service_disabled("123456789012");
/// assert_eq!(e.details[0]["reason"], "SERVICE_DISABLED");
/// assert_eq!(e.details[0]["metadata"]["consumer"], "projects/123456789012");
/// assert_eq!(e.details[2]["@type"], "type.googleapis.com/google.rpc.Help");
/// ```
pub fn service_disabled(project: &str) -> ErrorDetails {
    let activation = format!(
        "https://console.developers.google.com/apis/api/{AIPLATFORM_SERVICE}/overview?project={project}"
    );
    let message = format!(
        "Vertex AI API has not been used in project {project} before or it is disabled. Enable \
         it by visiting {activation} then retry. If you enabled this API recently, wait a few \
         minutes for the action to propagate to our systems and retry."
    );
    let mut info = ErrorInfo::new("SERVICE_DISABLED")
        .with_metadata("service", AIPLATFORM_SERVICE)
        .with_metadata("consumer", format!("projects/{project}"))
        .with_metadata("serviceTitle", "Vertex AI API")
        .with_metadata("containerInfo", project)
        .with_metadata("activationUrl", activation.clone());
    info.domain = GOOGLEAPIS_DOMAIN.to_owned();
    let help = Help {
        links: vec![HelpLink {
            description: "Google developers console API activation".to_owned(),
            url: activation,
        }],
    };
    ErrorDetails {
        code: Code::PermissionDenied,
        details: vec![
            info.to_detail(),
            LocalizedMessage::en_us(message.clone()).to_detail(),
            help.to_detail(),
        ],
        message,
    }
}

/// The quota a method's requests count against (Vertex AI's quota metric names).
fn quota_metric(rpc: Rpc) -> &'static str {
    match rpc {
        Rpc::GenerateContent | Rpc::StreamGenerateContent | Rpc::CountTokens => {
            "aiplatform.googleapis.com/generate_content_requests_per_minute_per_project_per_base_model"
        }
        _ => "aiplatform.googleapis.com/resource_management_requests",
    }
}

/// 429 RESOURCE_EXHAUSTED for a project over its quota on `method`: reason
/// `RATE_LIMIT_EXCEEDED` in domain `googleapis.com` with the quota metric, and a `QuotaFailure`
/// naming the project, as Google's front end answers.
///
/// ```
/// use retune_model::error_details::{Method, quota_exceeded};
/// use retune_model::rpc::Rpc;
/// use retune_model::wire::ApiVersion;
/// let e = quota_exceeded(Method { rpc: Rpc::GenerateContent, version: ApiVersion::V1 }, Some("p"));
/// assert_eq!(e.code, retune_model::Code::ResourceExhausted);
/// assert_eq!(e.details[0]["reason"], "RATE_LIMIT_EXCEEDED");
/// assert_eq!(e.details[1]["violations"][0]["subject"], "project:p");
/// ```
pub fn quota_exceeded(method: Method, project: Option<&str>) -> ErrorDetails {
    let metric = quota_metric(method.rpc);
    let message = format!(
        "Quota exceeded for {metric}. Please submit a quota increase request. \
         https://cloud.google.com/vertex-ai/docs/generative-ai/quotas-genai."
    );
    let mut info = ErrorInfo::new("RATE_LIMIT_EXCEEDED")
        .with_metadata("service", AIPLATFORM_SERVICE)
        .with_metadata("quota_metric", metric)
        .with_metadata("quota_limit_value", "0");
    info.domain = GOOGLEAPIS_DOMAIN.to_owned();
    if let Some(project) = project {
        info = info.with_metadata("consumer", format!("projects/{project}"));
    }
    let quota = QuotaFailure {
        violations: vec![QuotaViolation {
            subject: project.map_or_else(|| "project".to_owned(), |p| format!("project:{p}")),
            description: message.clone(),
        }],
    };
    ErrorDetails {
        code: Code::ResourceExhausted,
        details: vec![info.to_detail(), quota.to_detail()],
        message,
    }
}

/// 503 UNAVAILABLE, as Google's front end answers a transient failure: its message, and an
/// `ErrorInfo` with the method.
pub fn unavailable(method: Option<Method>) -> ErrorDetails {
    ErrorDetails {
        code: Code::Unavailable,
        message: "The service is currently unavailable.".to_owned(),
        details: vec![default_error_info(Code::Unavailable, method).to_detail()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::any_type;

    fn v1(rpc: Rpc) -> Method {
        Method {
            rpc,
            version: ApiVersion::V1,
        }
    }

    #[test]
    fn every_code_has_an_upper_snake_case_reason_of_at_most_63_characters() {
        // AIP-193: reason is UPPER_SNAKE_CASE, [A-Z][A-Z0-9_]+[A-Z0-9], at most 63 characters.
        for rpc in Rpc::ALL {
            let info = default_error_info(Code::Internal, Some(v1(rpc)));
            assert!(info.reason.len() <= 63);
            assert!(
                info.reason
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_')
            );
            assert_eq!(info.metadata["service"], AIPLATFORM_SERVICE);
        }
    }

    #[test]
    fn quota_details_are_error_info_then_quota_failure() {
        let e = quota_exceeded(v1(Rpc::CreateTuningJob), None);
        assert_eq!(
            any_type(&e.details[0]),
            Some("type.googleapis.com/google.rpc.ErrorInfo")
        );
        assert_eq!(e.details[0]["domain"], "googleapis.com");
        assert_eq!(
            any_type(&e.details[1]),
            Some("type.googleapis.com/google.rpc.QuotaFailure")
        );
    }

    #[test]
    fn permission_refusal_names_the_permission_and_the_resource() {
        let e = permission_denied(v1(Rpc::GetModel), "projects/p/locations/l/models/1");
        assert_eq!(
            e.details[0]["metadata"]["permission"],
            "aiplatform.models.get"
        );
        assert_eq!(
            e.details[0]["metadata"]["resource"],
            "projects/p/locations/l/models/1"
        );
        assert_eq!(e.details[0]["domain"], "aiplatform.googleapis.com");
    }
}
