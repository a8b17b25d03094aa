//! Same port, two faces: requests with `content-type: application/grpc…` go to the gRPC face,
//! every other request to the REST router.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use tower::ServiceExt;

use super::call;
use super::operations::OperationVersions;
use super::reflection;

/// True for a gRPC request: its content type is `application/grpc` or `application/grpc+…`.
pub(crate) fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value == "application/grpc"
                || value.starts_with("application/grpc+")
                || value.starts_with("application/grpc;")
        })
}

/// `rest` with the gRPC face in front of it: gRPC calls are transcoded onto `rest`.
pub(crate) fn with_grpc(rest: Router) -> Router {
    let operations = OperationVersions::default();
    let reflection = reflection::service();
    let service = tower::service_fn(move |request: Request| {
        let rest = rest.clone();
        let operations = operations.clone();
        let reflection = reflection.clone();
        async move {
            if is_grpc(request.headers())
                && reflection::is_reflection(request.uri().path())
                && let Some(reflection) = reflection
            {
                reflection.oneshot(request).await
            } else if is_grpc(request.headers()) {
                Ok(call::serve(rest, &operations, request).await)
            } else {
                rest.oneshot(request).await
            }
        }
    });
    Router::new().fallback_service(service)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn grpc_content_types_are_recognised_and_json_is_not() {
        for (value, expected) in [
            ("application/grpc", true),
            ("application/grpc+proto", true),
            ("application/grpc-web", false),
            ("application/json", false),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            assert_eq!(is_grpc(&headers), expected, "{value}");
        }
        assert!(!is_grpc(&HeaderMap::new()));
    }
}
