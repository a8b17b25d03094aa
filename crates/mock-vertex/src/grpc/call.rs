//! One gRPC call: find the method, read its request message, transcode it onto the REST router,
//! and answer the REST reply as gRPC messages and trailers.

use std::convert::Infallible;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use http_body_util::{BodyExt, Limited, StreamBody};
use hyper::body::Frame;
use prost_reflect::{DynamicMessage, MethodDescriptor};
use retune_model::Code;
use tower::ServiceExt;

use super::descriptors;
use super::frames::{self, FrameError};
use super::operations::OperationVersions;
use super::status::GrpcStatus;
use super::transcode;
use crate::server::MAX_BODY_BYTES;

/// The services served over gRPC, under both API versions where they have one.
const SERVED: &[(&str, &[&str])] = &[
    (
        "GenAiTuningService",
        &[
            "CreateTuningJob",
            "GetTuningJob",
            "ListTuningJobs",
            "CancelTuningJob",
            "RebaseTunedModel",
        ],
    ),
    (
        "ModelService",
        &[
            "GetModel",
            "ListModels",
            "ListModelVersions",
            "ListModelVersionCheckpoints",
            "UpdateModel",
            "DeleteModel",
            "DeleteModelVersion",
            "MergeVersionAliases",
        ],
    ),
    ("EndpointService", &["GetEndpoint", "ListEndpoints"]),
    (
        "PredictionService",
        &["GenerateContent", "StreamGenerateContent", "CountTokens"],
    ),
    // CountTokens of `v1` (`v1beta1` has it in PredictionService).
    ("LlmUtilityService", &["CountTokens"]),
];

/// The API versions of the Vertex AI services.
const PACKAGES: &[&str] = &[
    "google.cloud.aiplatform.v1",
    "google.cloud.aiplatform.v1beta1",
];

/// The package whose operations `google.longrunning.Operations` answers under `/v1beta1`.
const BETA_PACKAGE: &str = "google.cloud.aiplatform.v1beta1";

/// The message of a long-running operation.
const OPERATION_MESSAGE: &str = "google.longrunning.Operation";

/// The long-running operations service, and its emulated methods.
const OPERATIONS: (&str, &[&str]) = (
    "google.longrunning.Operations",
    &[
        "ListOperations",
        "GetOperation",
        "DeleteOperation",
        "CancelOperation",
        "WaitOperation",
    ],
);

/// Request headers that belong to gRPC itself, not to the REST request made from the call.
const GRPC_ONLY_HEADERS: &[&str] = &["content-type", "content-length", "te", "transfer-encoding"];

/// Answers one gRPC request (`POST /package.Service/Method`) through the REST router `rest`.
pub(crate) async fn serve(
    rest: Router,
    operations: &OperationVersions,
    request: Request,
) -> Response {
    let (messages, status) = match call(rest, operations, request).await {
        Ok(messages) => (messages, GrpcStatus::ok()),
        Err(status) => (Vec::new(), status),
    };
    tracing::info!(code = %status.code(), "grpc served");
    respond(messages, &status)
}

/// A gRPC answer: HTTP 200, the framed messages, then the status as trailers.
pub(crate) fn respond(messages: Vec<Bytes>, status: &GrpcStatus) -> Response {
    let frames: Vec<Result<Frame<Bytes>, Infallible>> = messages
        .into_iter()
        .map(|message| Ok(Frame::data(message)))
        .chain(std::iter::once(Ok(Frame::trailers(status.trailers()))))
        .collect();
    let mut response = Response::new(Body::new(StreamBody::new(futures::stream::iter(frames))));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/grpc"),
    );
    response
}

async fn call(
    rest: Router,
    operations: &OperationVersions,
    request: Request,
) -> Result<Vec<Bytes>, GrpcStatus> {
    let (parts, body) = request.into_parts();
    let method = find_method(parts.uri.path())?;
    if let Some(encoding) = parts.headers.get("grpc-encoding")
        && encoding != "identity"
    {
        return Err(GrpcStatus::new(
            Code::Unimplemented,
            format!(
                "Content is compressed with {}, which is not supported",
                String::from_utf8_lossy(encoding.as_bytes())
            ),
        ));
    }
    let body = Limited::new(body, MAX_BODY_BYTES + frames::HEADER_LEN)
        .collect()
        .await
        .map_err(|err| {
            GrpcStatus::new(
                Code::ResourceExhausted,
                format!("cannot read the request: {err}"),
            )
        })?
        .to_bytes();
    let mut messages = frames::split(&body, MAX_BODY_BYTES)
        .map_err(|err: FrameError| GrpcStatus::new(err.code(), err.to_string()))?;
    let encoded = match (messages.pop(), messages.is_empty()) {
        (Some(message), true) => message,
        (None, _) => {
            return Err(GrpcStatus::new(
                Code::Internal,
                "the request ended without a request message",
            ));
        }
        (Some(_), false) => {
            return Err(GrpcStatus::new(
                Code::Internal,
                "more than one request message for a unary request",
            ));
        }
    };
    let message = DynamicMessage::decode(method.input(), encoded).map_err(|err| {
        GrpcStatus::new(
            Code::Internal,
            format!(
                "the request is not a valid {}: {err}",
                method.input().full_name()
            ),
        )
    })?;
    let mut rest_call = transcode::to_rest(&transcode::bindings(&method), &message)?;
    let service = method.parent_service();
    if service.full_name() == OPERATIONS.0
        && let Some(name) = message.get_field_by_name("name")
        && let Some(version) = name.as_str().and_then(|name| operations.version_of(name))
        && let Some(rest_of_path) = rest_call.path_and_query.strip_prefix("/v1/")
    {
        rest_call.path_and_query = format!("/{version}/{rest_of_path}");
    }
    let rest_request = rest_request(rest_call, &parts.headers)?;
    let answer = rest
        .oneshot(rest_request)
        .await
        .unwrap_or_else(|never| match never {});
    let http_status = answer.status();
    let answer_body = answer
        .into_body()
        .collect()
        .await
        .map_err(|err| GrpcStatus::new(Code::Internal, format!("cannot read the answer: {err}")))?
        .to_bytes();
    if http_status != StatusCode::OK {
        return Err(GrpcStatus::from_rest(http_status.as_u16(), &answer_body));
    }
    let replies = transcode::from_rest(&method.output(), &answer_body)
        .map_err(|err| GrpcStatus::new(Code::Internal, err))?;
    if service.package_name() == BETA_PACKAGE && method.output().full_name() == OPERATION_MESSAGE {
        for reply in &replies {
            if let Some(name) = reply.get_field_by_name("name")
                && let Some(name) = name.as_str()
            {
                operations.remember(name, "v1beta1");
            }
        }
    }
    Ok(replies
        .iter()
        .map(|reply| frames::frame(&prost::Message::encode_to_vec(reply)))
        .collect())
}

/// The REST request of a call: its metadata (`authorization`, `x-goog-request-params`, ...) are
/// the REST request's headers.
fn rest_request(call: transcode::RestCall, metadata: &HeaderMap) -> Result<Request, GrpcStatus> {
    let mut request = Request::new(call.body.map_or_else(Body::empty, Body::from));
    *request.method_mut() = call.method;
    *request.uri_mut() = call.path_and_query.parse().map_err(|err| {
        GrpcStatus::new(
            Code::InvalidArgument,
            format!("the request makes no valid REST path: {err}"),
        )
    })?;
    let headers = request.headers_mut();
    for (name, value) in metadata {
        let name_str = name.as_str();
        if !GRPC_ONLY_HEADERS.contains(&name_str) && !name_str.starts_with("grpc-") {
            headers.append(name.clone(), value.clone());
        }
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(request)
}

/// The method a request path (`/google.cloud.aiplatform.v1.ModelService/GetModel`) names, when
/// it is served; UNIMPLEMENTED for an unknown service or method and for one not emulated.
fn find_method(path: &str) -> Result<MethodDescriptor, GrpcStatus> {
    let pool = descriptors::pool().map_err(|err| GrpcStatus::new(Code::Internal, err))?;
    let (service_name, method_name) =
        path.trim_start_matches('/')
            .split_once('/')
            .ok_or_else(|| {
                GrpcStatus::new(
                    Code::Unimplemented,
                    format!("malformed method name: {path}"),
                )
            })?;
    let emulated = served_methods(service_name).ok_or_else(|| {
        GrpcStatus::new(
            Code::Unimplemented,
            format!("unknown service {service_name}"),
        )
    })?;
    let service = pool.get_service_by_name(service_name).ok_or_else(|| {
        GrpcStatus::new(
            Code::Unimplemented,
            format!("unknown service {service_name}"),
        )
    })?;
    let method = service
        .methods()
        .find(|method| method.name() == method_name)
        .ok_or_else(|| {
            GrpcStatus::new(
                Code::Unimplemented,
                format!("unknown method {method_name} for service {service_name}"),
            )
        })?;
    if !emulated.contains(&method_name) {
        return Err(GrpcStatus::new(
            Code::Unimplemented,
            format!("{service_name}/{method_name} is not emulated by mock-vertex"),
        ));
    }
    Ok(method)
}

/// The emulated methods of a service, by its full name; `None` for a service not served.
fn served_methods(service: &str) -> Option<&'static [&'static str]> {
    if service == OPERATIONS.0 {
        return Some(OPERATIONS.1);
    }
    let (package, name) = service.rsplit_once('.')?;
    if !PACKAGES.contains(&package) {
        return None;
    }
    SERVED
        .iter()
        .find(|(served, _)| *served == name)
        .map(|(_, methods)| *methods)
}

/// The names of the services served over gRPC, for reflection.
pub(crate) fn served_services() -> Vec<String> {
    let Ok(pool) = descriptors::pool() else {
        return Vec::new();
    };
    PACKAGES
        .iter()
        .flat_map(|package| {
            SERVED
                .iter()
                .map(move |(name, _)| format!("{package}.{name}"))
        })
        .chain(std::iter::once(OPERATIONS.0.to_owned()))
        .filter(|name| pool.get_service_by_name(name).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_of_a_served_service_that_is_not_emulated_is_unimplemented() {
        let err = find_method("/google.cloud.aiplatform.v1.ModelService/UploadModel").unwrap_err();
        assert_eq!(err.code(), Code::Unimplemented);
        assert!(err.message().contains("not emulated"), "{}", err.message());
    }

    #[test]
    fn unknown_services_and_methods_are_unimplemented() {
        for path in [
            "/google.cloud.aiplatform.v1.DatasetService/GetDataset",
            "/google.cloud.aiplatform.v1.ModelService/NoSuchMethod",
            "/nonsense",
            "/",
        ] {
            assert_eq!(
                find_method(path).unwrap_err().code(),
                Code::Unimplemented,
                "{path}"
            );
        }
    }

    #[test]
    fn every_method_of_every_served_service_is_found() {
        let pool = descriptors::pool().unwrap();
        let services = served_services();
        assert_eq!(services.len(), 10, "{services:?}");
        let mut found = 0;
        for service in services {
            let descriptor = pool.get_service_by_name(&service).unwrap();
            for method in served_methods(&service).unwrap() {
                // v1 counts tokens in LlmUtilityService, v1beta1 in PredictionService.
                if descriptor.methods().any(|m| m.name() == *method) {
                    find_method(&format!("/{service}/{method}")).unwrap();
                    found += 1;
                }
            }
        }
        assert_eq!(found, 41);
    }
}
