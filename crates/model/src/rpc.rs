//! The RPCs of the Vertex AI surface: their names, the service that declares each, and the IAM
//! permission each needs.
//!
//! Services and method names are those of `google/cloud/aiplatform/v1/*_service.proto`
//! (`GenAiTuningService`, `ModelService`, `EndpointService`, `PredictionService`,
//! `ModelGardenService`) and of `google/longrunning/operations.proto` (`Operations`); the
//! permissions are those of Vertex AI's IAM reference (`aiplatform.<collection>.<verb>`).

use std::fmt;
use std::str::FromStr;

use crate::names::OperationParent;
use crate::wire::ApiVersion;

/// One RPC of the Vertex AI surface, without its path parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rpc {
    CreateTuningJob,
    ListTuningJobs,
    GetTuningJob,
    CancelTuningJob,
    RebaseTunedModel,
    ListModels,
    GetModel,
    UpdateModel,
    DeleteModel,
    ListModelVersions,
    ListModelVersionCheckpoints,
    DeleteModelVersion,
    MergeVersionAliases,
    ListOperations,
    GetOperation,
    DeleteOperation,
    CancelOperation,
    WaitOperation,
    GetEndpoint,
    ListEndpoints,
    GenerateContent,
    StreamGenerateContent,
    CountTokens,
    GetPublisherModel,
    ListPublisherModels,
}

impl Rpc {
    /// Every RPC.
    pub const ALL: [Rpc; 25] = [
        Rpc::CreateTuningJob,
        Rpc::ListTuningJobs,
        Rpc::GetTuningJob,
        Rpc::CancelTuningJob,
        Rpc::RebaseTunedModel,
        Rpc::ListModels,
        Rpc::GetModel,
        Rpc::UpdateModel,
        Rpc::DeleteModel,
        Rpc::ListModelVersions,
        Rpc::ListModelVersionCheckpoints,
        Rpc::DeleteModelVersion,
        Rpc::MergeVersionAliases,
        Rpc::ListOperations,
        Rpc::GetOperation,
        Rpc::DeleteOperation,
        Rpc::CancelOperation,
        Rpc::WaitOperation,
        Rpc::GetEndpoint,
        Rpc::ListEndpoints,
        Rpc::GenerateContent,
        Rpc::StreamGenerateContent,
        Rpc::CountTokens,
        Rpc::GetPublisherModel,
        Rpc::ListPublisherModels,
    ];

    /// The RPC's name, as its service proto declares it.
    pub fn as_str(self) -> &'static str {
        match self {
            Rpc::CreateTuningJob => "CreateTuningJob",
            Rpc::ListTuningJobs => "ListTuningJobs",
            Rpc::GetTuningJob => "GetTuningJob",
            Rpc::CancelTuningJob => "CancelTuningJob",
            Rpc::RebaseTunedModel => "RebaseTunedModel",
            Rpc::ListModels => "ListModels",
            Rpc::GetModel => "GetModel",
            Rpc::UpdateModel => "UpdateModel",
            Rpc::DeleteModel => "DeleteModel",
            Rpc::ListModelVersions => "ListModelVersions",
            Rpc::ListModelVersionCheckpoints => "ListModelVersionCheckpoints",
            Rpc::DeleteModelVersion => "DeleteModelVersion",
            Rpc::MergeVersionAliases => "MergeVersionAliases",
            Rpc::ListOperations => "ListOperations",
            Rpc::GetOperation => "GetOperation",
            Rpc::DeleteOperation => "DeleteOperation",
            Rpc::CancelOperation => "CancelOperation",
            Rpc::WaitOperation => "WaitOperation",
            Rpc::GetEndpoint => "GetEndpoint",
            Rpc::ListEndpoints => "ListEndpoints",
            Rpc::GenerateContent => "GenerateContent",
            Rpc::StreamGenerateContent => "StreamGenerateContent",
            Rpc::CountTokens => "CountTokens",
            Rpc::GetPublisherModel => "GetPublisherModel",
            Rpc::ListPublisherModels => "ListPublisherModels",
        }
    }

    /// The service that declares it, without its package (`ModelService`; `Operations` is
    /// `google.longrunning`'s).
    pub fn service(self) -> &'static str {
        match self {
            Rpc::CreateTuningJob
            | Rpc::ListTuningJobs
            | Rpc::GetTuningJob
            | Rpc::CancelTuningJob
            | Rpc::RebaseTunedModel => "GenAiTuningService",
            Rpc::ListModels
            | Rpc::GetModel
            | Rpc::UpdateModel
            | Rpc::DeleteModel
            | Rpc::ListModelVersions
            | Rpc::ListModelVersionCheckpoints
            | Rpc::DeleteModelVersion
            | Rpc::MergeVersionAliases => "ModelService",
            Rpc::ListOperations
            | Rpc::GetOperation
            | Rpc::DeleteOperation
            | Rpc::CancelOperation
            | Rpc::WaitOperation => "Operations",
            Rpc::GetEndpoint | Rpc::ListEndpoints => "EndpointService",
            Rpc::GenerateContent | Rpc::StreamGenerateContent | Rpc::CountTokens => {
                "PredictionService"
            }
            Rpc::GetPublisherModel | Rpc::ListPublisherModels => "ModelGardenService",
        }
    }

    /// The fully qualified method, as Google's front end names it in `ErrorInfo.metadata`:
    /// `google.cloud.aiplatform.v1.ModelService.GetModel`, `google.longrunning.Operations.GetOperation`.
    ///
    /// ```
    /// use retune_model::rpc::Rpc;
    /// use retune_model::wire::ApiVersion;
    /// assert_eq!(
    ///     Rpc::CreateTuningJob.method(ApiVersion::V1),
    ///     "google.cloud.aiplatform.v1.GenAiTuningService.CreateTuningJob"
    /// );
    /// assert_eq!(Rpc::GetOperation.method(ApiVersion::V1Beta1), "google.longrunning.Operations.GetOperation");
    /// ```
    pub fn method(self, version: ApiVersion) -> String {
        match self.service() {
            "Operations" => format!("google.longrunning.Operations.{}", self.as_str()),
            service => format!("{}.{service}.{}", version.proto_package(), self.as_str()),
        }
    }

    /// The IAM permission a caller needs on the resource (`aiplatform.tuningJobs.create`).
    pub fn permission(self) -> &'static str {
        match self {
            Rpc::CreateTuningJob | Rpc::RebaseTunedModel => "aiplatform.tuningJobs.create",
            Rpc::ListTuningJobs => "aiplatform.tuningJobs.list",
            Rpc::GetTuningJob => "aiplatform.tuningJobs.get",
            Rpc::CancelTuningJob => "aiplatform.tuningJobs.cancel",
            Rpc::ListModels | Rpc::ListModelVersions => "aiplatform.models.list",
            Rpc::GetModel | Rpc::ListModelVersionCheckpoints => "aiplatform.models.get",
            Rpc::UpdateModel | Rpc::MergeVersionAliases => "aiplatform.models.update",
            Rpc::DeleteModel | Rpc::DeleteModelVersion => "aiplatform.models.delete",
            Rpc::ListOperations => "aiplatform.operations.list",
            Rpc::GetOperation | Rpc::WaitOperation => "aiplatform.operations.get",
            Rpc::DeleteOperation => "aiplatform.operations.delete",
            Rpc::CancelOperation => "aiplatform.operations.cancel",
            Rpc::GetEndpoint => "aiplatform.endpoints.get",
            Rpc::ListEndpoints => "aiplatform.endpoints.list",
            Rpc::GenerateContent | Rpc::StreamGenerateContent | Rpc::CountTokens => {
                "aiplatform.endpoints.predict"
            }
            Rpc::GetPublisherModel | Rpc::ListPublisherModels => "aiplatform.publisherModels.get",
        }
    }
}

/// Whether the service yaml binds operation method `rpc` under `parent` on `version`
/// (`google/cloud/aiplatform/{v1,v1beta1}/aiplatform_*.yaml`, `http.rules` of
/// `google.longrunning.Operations.*`): every method under a location, a model or an endpoint;
/// under a tuning job, v1 binds only GetOperation, ListOperations and CancelOperation, and
/// v1beta1 none.
///
/// ```
/// use retune_model::names::OperationParent;
/// use retune_model::rpc::{Rpc, binds_operation};
/// use retune_model::wire::ApiVersion;
/// let job = OperationParent::TuningJob("projects/p/locations/us-central1/tuningJobs/123".parse().unwrap());
/// assert!(binds_operation(ApiVersion::V1, &job, Rpc::CancelOperation));
/// assert!(!binds_operation(ApiVersion::V1, &job, Rpc::WaitOperation));
/// assert!(!binds_operation(ApiVersion::V1Beta1, &job, Rpc::GetOperation));
/// ```
pub fn binds_operation(version: ApiVersion, parent: &OperationParent, rpc: Rpc) -> bool {
    match parent {
        OperationParent::TuningJob(_) => {
            version == ApiVersion::V1
                && matches!(
                    rpc,
                    Rpc::GetOperation | Rpc::ListOperations | Rpc::CancelOperation
                )
        }
        OperationParent::Location(_) | OperationParent::Model(_) | OperationParent::Endpoint(_) => {
            true
        }
    }
}

impl fmt::Display for Rpc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is no [`Rpc`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown route {input:?}: expected an RPC name such as CreateTuningJob, or \"*\"")]
pub struct RpcError {
    input: String,
}

impl FromStr for Rpc {
    type Err = RpcError;
    fn from_str(s: &str) -> Result<Rpc, RpcError> {
        Rpc::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| RpcError {
                input: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpc_names_round_trip() {
        for rpc in Rpc::ALL {
            assert_eq!(rpc.as_str().parse::<Rpc>(), Ok(rpc));
        }
        assert!("Nope".parse::<Rpc>().is_err());
    }

    #[test]
    fn every_permission_is_an_aiplatform_permission_of_three_parts() {
        for rpc in Rpc::ALL {
            let parts: Vec<&str> = rpc.permission().split('.').collect();
            assert_eq!(parts.len(), 3, "{rpc}");
            assert_eq!(parts[0], "aiplatform", "{rpc}");
        }
    }
}
