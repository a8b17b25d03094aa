//! gRPC server reflection (`grpc.reflection.v1` and `v1alpha`) over the same descriptor set, so
//! that `grpcurl` lists, describes and calls the served services without local protos.

use std::convert::Infallible;

use axum::extract::Request;
use axum::response::Response;
use tonic_reflection::server::Builder;
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;

use super::call;
use super::descriptors::DESCRIPTOR_SET;

/// The reflection services as one tower service.
pub(crate) type ReflectionService = BoxCloneSyncService<Request, Response, Infallible>;

/// The path prefix of the reflection services' methods (`v1.` and `v1alpha.` follow).
const PREFIX: &str = "/grpc.reflection.";

/// True for a call of a reflection service.
pub(crate) fn is_reflection(path: &str) -> bool {
    path.starts_with(PREFIX)
}

/// Both reflection versions, advertising the served services and themselves; `None` when the
/// descriptor set does not load (the calls then answer UNIMPLEMENTED).
pub(crate) fn service() -> Option<ReflectionService> {
    let configure = |own_name: &str| {
        call::served_services()
            .into_iter()
            .fold(Builder::configure(), Builder::with_service_name)
            .with_service_name(own_name)
            .register_encoded_file_descriptor_set(DESCRIPTOR_SET)
    };
    let v1 = ServiceExt::<Request>::map_response(
        configure("grpc.reflection.v1.ServerReflection")
            .build_v1()
            .ok()?,
        |response| response.map(axum::body::Body::new),
    );
    let v1alpha = ServiceExt::<Request>::map_response(
        configure("grpc.reflection.v1alpha.ServerReflection")
            .build_v1alpha()
            .ok()?,
        |response| response.map(axum::body::Body::new),
    );
    Some(BoxCloneSyncService::new(tower::service_fn(
        move |request: Request| {
            let v1 = v1.clone();
            let v1alpha = v1alpha.clone();
            async move {
                if request
                    .uri()
                    .path()
                    .starts_with("/grpc.reflection.v1alpha.")
                {
                    v1alpha.oneshot(request).await
                } else {
                    v1.oneshot(request).await
                }
            }
        },
    )))
}
