//! Which query parameters bind to a field of each method's request message, as Google's front
//! end transcodes HTTP to RPC: a parameter that binds to no field is 400 "Cannot bind query
//! parameter", while the system parameters every Google API takes are always accepted.
//!
//! The fields are those of the request messages in `google/cloud/aiplatform/{v1,v1beta1}/*_service.proto`
//! and `google/longrunning/operations.proto`, minus the fields bound by the path (`name`,
//! `parent`) and by the body (`body: "*"` binds every field; CreateTuningJob's body is
//! `tuning_job`, UpdateModel's `model`), per the HTTP bindings of the service yaml.

use crate::Code;
use crate::rpc::Rpc;
use crate::wire::ApiVersion;

/// The system parameters of every Google API (`$alt`, `fields`, `key`, ...): accepted on any
/// method, bound to no request field.
pub const SYSTEM_PARAMETERS: &[&str] = &[
    "$alt",
    "alt",
    "fields",
    "$fields",
    "prettyPrint",
    "pp",
    "key",
    "quotaUser",
    "$.xgafv",
    "callback",
    "upload_protocol",
    "uploadType",
    "access_token",
    "oauth_token",
    "$callback",
    "$prettyPrint",
    "$key",
    "$quotaUser",
    "$userIp",
    "userIp",
];

/// The request fields (snake_case) a query parameter may bind to, for `rpc` on `version`.
///
/// ```
/// use retune_model::request::query_fields;
/// use retune_model::rpc::Rpc;
/// use retune_model::wire::ApiVersion;
/// // ListModelsRequest.order_by exists in v1 only (model_service.proto).
/// assert!(query_fields(Rpc::ListModels, ApiVersion::V1).contains(&"order_by"));
/// assert!(!query_fields(Rpc::ListModels, ApiVersion::V1Beta1).contains(&"order_by"));
/// ```
pub fn query_fields(rpc: Rpc, version: ApiVersion) -> &'static [&'static str] {
    let v1 = version == ApiVersion::V1;
    match rpc {
        // ListTuningJobsRequest: parent, filter, page_size, page_token.
        Rpc::ListTuningJobs => &["filter", "page_size", "page_token"],
        // ListModelsRequest: parent, filter, page_size, page_token, read_mask, order_by (v1).
        Rpc::ListModels if v1 => &["filter", "page_size", "page_token", "read_mask", "order_by"],
        Rpc::ListModels => &["filter", "page_size", "page_token", "read_mask"],
        // ListModelVersionsRequest: name, page_size, page_token, filter, read_mask, order_by.
        Rpc::ListModelVersions => &["filter", "page_size", "page_token", "read_mask", "order_by"],
        // ListModelVersionCheckpointsRequest: name, page_size, page_token.
        Rpc::ListModelVersionCheckpoints => &["page_size", "page_token"],
        // ListEndpointsRequest: parent, filter, page_size, page_token, read_mask, order_by (v1).
        Rpc::ListEndpoints if v1 => &["filter", "page_size", "page_token", "read_mask", "order_by"],
        Rpc::ListEndpoints => &["filter", "page_size", "page_token", "read_mask"],
        // google.longrunning.ListOperationsRequest: name, filter, page_size, page_token,
        // return_partial_success.
        Rpc::ListOperations => &[
            "filter",
            "page_size",
            "page_token",
            "return_partial_success",
        ],
        // WaitOperationRequest: name, timeout (`post` without a body).
        Rpc::WaitOperation => &["timeout"],
        // UpdateModelRequest: model (the body), update_mask.
        Rpc::UpdateModel => &["update_mask"],
        // GetPublisherModelRequest (model_garden_service.proto).
        Rpc::GetPublisherModel if v1 => &[
            "language_code",
            "view",
            "is_hugging_face_model",
            "hugging_face_token",
        ],
        Rpc::GetPublisherModel => &[
            "language_code",
            "view",
            "is_hugging_face_model",
            "hugging_face_token",
            "include_equivalent_model_garden_model_deployment_configs",
        ],
        // ListPublisherModelsRequest (v1beta1 only).
        Rpc::ListPublisherModels => &[
            "filter",
            "page_size",
            "page_token",
            "view",
            "order_by",
            "language_code",
            "list_all_versions",
        ],
        // Gets and deletes bind only the path; creates, cancels, merges, rebases and the
        // GenerateContent family take every other field in the body.
        Rpc::CreateTuningJob
        | Rpc::GetTuningJob
        | Rpc::CancelTuningJob
        | Rpc::RebaseTunedModel
        | Rpc::GetModel
        | Rpc::DeleteModel
        | Rpc::DeleteModelVersion
        | Rpc::MergeVersionAliases
        | Rpc::GetOperation
        | Rpc::DeleteOperation
        | Rpc::CancelOperation
        | Rpc::GetEndpoint
        | Rpc::GenerateContent
        | Rpc::StreamGenerateContent
        | Rpc::CountTokens => &[],
    }
}

/// A query parameter that binds to no field of the request message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Invalid JSON payload received. Unknown name \"{parameter}\": Cannot bind query parameter. \
     Field '{parameter}' could not be found in request message."
)]
pub struct QueryBindingError {
    parameter: String,
}

impl QueryBindingError {
    /// The parameter, as sent.
    pub fn parameter(&self) -> &str {
        &self.parameter
    }

    /// Always INVALID_ARGUMENT.
    pub fn code(&self) -> Code {
        Code::InvalidArgument
    }
}

/// The snake_case form of a camelCase parameter name (`pageSize` is `page_size`); the field
/// part of a nested parameter (`readMask.paths` is `read_mask`).
fn field_of(parameter: &str) -> String {
    let head = parameter.split('.').next().unwrap_or(parameter);
    let mut out = String::with_capacity(head.len() + 4);
    for c in head.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Checks that every query parameter (by name, in camelCase or snake_case) is a system
/// parameter or binds to a field of `rpc`'s request on `version`; the first one that does not
/// is the error, worded as Google's front end words it.
///
/// ```
/// use retune_model::request::check_query_parameters;
/// use retune_model::rpc::Rpc;
/// use retune_model::wire::ApiVersion;
/// assert!(check_query_parameters(Rpc::ListTuningJobs, ApiVersion::V1, ["pageSize", "$alt", "filter"]).is_ok());
/// let err = check_query_parameters(Rpc::ListTuningJobs, ApiVersion::V1, ["orderBy"]).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "Invalid JSON payload received. Unknown name \"orderBy\": Cannot bind query parameter. \
///      Field 'orderBy' could not be found in request message."
/// );
/// ```
pub fn check_query_parameters<'a>(
    rpc: Rpc,
    version: ApiVersion,
    parameters: impl IntoIterator<Item = &'a str>,
) -> Result<(), QueryBindingError> {
    let fields = query_fields(rpc, version);
    for parameter in parameters {
        if SYSTEM_PARAMETERS.contains(&parameter) {
            continue;
        }
        if !fields.contains(&field_of(parameter).as_str()) {
            return Err(QueryBindingError {
                parameter: parameter.to_owned(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn camel_and_snake_case_bind_the_same_field() {
        for p in [
            "pageSize",
            "page_size",
            "readMask",
            "read_mask",
            "readMask.paths",
        ] {
            assert!(
                check_query_parameters(Rpc::ListModels, ApiVersion::V1, [p]).is_ok(),
                "{p}"
            );
        }
    }

    #[test]
    fn order_by_binds_only_where_the_proto_has_it() {
        // model_service.proto: ListModelsRequest.order_by (v1 only),
        // ListModelVersionsRequest.order_by (both); genai_tuning_service.proto:
        // ListTuningJobsRequest has none.
        let ok = |rpc, v| check_query_parameters(rpc, v, ["orderBy"]).is_ok();
        assert!(ok(Rpc::ListModels, ApiVersion::V1));
        assert!(!ok(Rpc::ListModels, ApiVersion::V1Beta1));
        assert!(ok(Rpc::ListModelVersions, ApiVersion::V1Beta1));
        assert!(!ok(Rpc::ListTuningJobs, ApiVersion::V1));
        assert!(!ok(Rpc::ListModelVersionCheckpoints, ApiVersion::V1));
    }

    #[test]
    fn read_mask_binds_on_models_and_versions_not_on_tuning_jobs() {
        let ok = |rpc| check_query_parameters(rpc, ApiVersion::V1, ["readMask"]).is_ok();
        assert!(ok(Rpc::ListModels));
        assert!(ok(Rpc::ListModelVersions));
        assert!(!ok(Rpc::ListTuningJobs));
    }

    proptest! {
        #[test]
        fn system_parameters_bind_on_every_method(i in 0..SYSTEM_PARAMETERS.len(), r in 0..Rpc::ALL.len()) {
            prop_assert!(check_query_parameters(Rpc::ALL[r], ApiVersion::V1Beta1, [SYSTEM_PARAMETERS[i]]).is_ok());
        }

        #[test]
        fn an_unknown_parameter_is_named_in_the_error(name in "[a-z]{3,8}Xq") {
            let err = check_query_parameters(Rpc::ListModels, ApiVersion::V1, [name.as_str()]).unwrap_err();
            prop_assert_eq!(err.parameter(), name.as_str());
        }
    }
}
