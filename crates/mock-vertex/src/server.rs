//! Serving: the axum [`router`] (REST, and gRPC in front of it), [`serve`] over TCP (HTTP/1.1 and
//! cleartext HTTP/2), and the [`MockVertex`] handle for tests.

use std::borrow::Cow;
use std::future::Future;
use std::io;
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::{Router, ServiceExt as _};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::error::{ApiError, CatchPanicLayer};
use crate::faults::FaultTiming;
use crate::handlers::{self, Request};
use crate::journal::Recorded;
use crate::routes::{QueryParams, parse_route, split_version};
use crate::state::{Emulator, EmulatorBuilder};
use crate::storage::gcs_router;
use retune_model::error_details::Method as ErrorMethod;
use retune_model::request::check_query_parameters;
use retune_model::wire::{BadRequest, Selection};

/// The largest request body accepted, as Google's front end: 10 MiB.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The emulator as an axum router, for in-process use (no socket).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use axum::body::Body;
/// use axum::http::{Request, StatusCode};
/// use tower::ServiceExt;
/// let app = mock_vertex::router(mock_vertex::Emulator::new());
/// let response = app
///     .oneshot(Request::get("/v1/projects/p/locations/us-central1/tuningJobs/1").body(Body::empty()).unwrap())
///     .await
///     .unwrap();
/// assert_eq!(response.status(), StatusCode::NOT_FOUND);
/// # });
/// ```
pub fn router(state: Emulator) -> Router {
    let gcs = gcs_router(state.objects().clone());
    let durable = state.clone();
    let rest = Router::new()
        .merge(crate::admin::router())
        .merge(crate::metadata::router())
        .merge(crate::console::assets_router(
            crate::console::ConsoleConfig::emulator(),
        ))
        .merge(crate::oauth::router())
        .merge(crate::proxy::router())
        .method_not_allowed_fallback(crate::routes::wrong_method)
        .fallback(dispatch)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
        .merge(gcs)
        .layer(axum::middleware::from_fn_with_state(
            durable,
            crate::persist::await_durable,
        ))
        .layer(CatchPanicLayer);
    crate::grpc::with_grpc(rest).layer(CatchPanicLayer)
}

/// Serves the emulator on `listener` until the process ends.
///
/// `CONNECT` requests are the intercepting proxy's ([`crate::proxy`]); the rest is [`router`].
pub async fn serve(listener: TcpListener, state: Emulator) -> io::Result<()> {
    axum::serve(without_delay(listener), service(state).into_make_service()).await
}

/// `listener` with `TCP_NODELAY` on every accepted connection: an HTTP/2 answer is written in
/// several small frames (a gRPC reply's data, then its trailers), which Nagle's algorithm would
/// hold back until the client's delayed acknowledgement, some 40 ms per call.
fn without_delay(listener: TcpListener) -> impl axum::serve::Listener<Addr = SocketAddr> {
    use axum::serve::ListenerExt as _;
    listener.tap_io(|stream| {
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(%err, "cannot set TCP_NODELAY");
        }
    })
}

/// The router behind the `CONNECT` handling of [`crate::proxy`].
fn service(
    state: Emulator,
) -> impl tower::Service<
    axum::extract::Request,
    Response = Response,
    Error = std::convert::Infallible,
    Future = impl Future<Output = Result<Response, std::convert::Infallible>> + Send,
> + Clone
+ Send
+ 'static {
    let app = router(state.clone());
    tower::service_fn(move |request| {
        crate::proxy::serve_request(state.clone(), app.clone(), request)
    })
}

/// Serves the emulator on `listener` until `shutdown` completes, then finishes open requests.
pub async fn serve_with_shutdown(
    listener: TcpListener,
    state: Emulator,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(without_delay(listener), service(state).into_make_service())
        .with_graceful_shutdown(shutdown)
        .await
}

/// A 200 response with a JSON body.
pub(crate) fn json_ok(body: impl Into<Bytes>) -> Response {
    let mut response = (StatusCode::OK, body.into()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    response
}

/// A 200 response with the answer's body and content type.
fn answered(answer: handlers::Answer) -> Response {
    let mut response = (StatusCode::OK, answer.body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(answer.content_type),
    );
    response
}

async fn dispatch(
    State(emulator): State<Emulator>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let path = uri.path();
    let is_vertex = split_version(path).is_some();
    // Names are answered with project numbers, as Vertex AI does: the request is read with every
    // project id written as its number, before the store is asked (`crate::projects`).
    let projects = emulator.projects();
    let canonical_path = match split_version(path) {
        Some((_, rest)) => match projects.canonical(rest) {
            Cow::Owned(canonical) => {
                Cow::Owned(format!("{}{canonical}", &path[..path.len() - rest.len()]))
            }
            Cow::Borrowed(_) => Cow::Borrowed(path),
        },
        None => Cow::Borrowed(path),
    };
    let mut rpc = None;
    let mut faulted = false;
    let body_for_journal = body.as_ref().ok().cloned().unwrap_or_default();
    let mut called = None;
    let result = async {
        if !is_vertex {
            return Err(ApiError::not_found(format!(
                "The requested URL {path} was not found on this server."
            )));
        }
        let parsed = parse_route(&method, &canonical_path);
        if let Ok((version, route)) = &parsed {
            called = Some(ErrorMethod {
                rpc: route.rpc(),
                version: *version,
            });
        }
        emulator.check_auth(&headers)?;
        let (version, route) = parsed?;
        rpc = Some(route.rpc_name());
        let call = ErrorMethod {
            rpc: route.rpc(),
            version,
        };
        emulator.check_access(&headers, &route, call)?;
        let project = route.resource().map(|(_, project)| project.to_string());
        let fault = emulator.faults().fire(call, project.as_deref());
        if let Some((err, FaultTiming::Before)) = &fault {
            faulted = true;
            return Err(err.clone());
        }
        let body = projects.canonical_body(body.map_err(body_error)?);
        tracing::debug!(rpc = route.rpc_name(), %version, "request");
        let query = QueryParams::parse(uri.query()).map_values(|v| projects.canonical(v));
        check_query_parameters(call.rpc, version, query.names()).map_err(|e| {
            ApiError::new(e.code(), e.to_string())
                .with_detail(BadRequest::new([("", e.to_string().as_str())]).to_detail())
        })?;
        let fields = query
            .fields()
            .transpose()
            .map_err(|e| ApiError::invalid_field("fields", e.to_string()))?;
        let selections: Vec<Selection> = query
            .read_mask()
            .and_then(|mask| Selection::of_read_mask(call.rpc, &mask))
            .into_iter()
            .chain(fields)
            .collect();
        let request = Request {
            version,
            query,
            body,
        };
        let answer = handlers::handle(&emulator, route, request)
            .await
            .map(|answer| select(answer, &selections));
        if method != Method::GET {
            emulator.notify_changed();
        }
        match fault {
            Some((err, _)) => {
                faulted = true;
                Err(err)
            }
            None => answer,
        }
    }
    .await;
    let response = match result {
        Ok(answer) => answered(answer),
        Err(err) => err.with_error_info(called).into_response(),
    };
    let status = response.status().as_u16();
    if is_vertex {
        emulator.journal().record(Recorded {
            time: emulator.now(),
            method: method.as_str(),
            path,
            query: uri.query(),
            rpc,
            status,
            faulted,
            body: &body_for_journal,
        });
    }
    tracing::info!(%method, %path, status, "served");
    response
}

/// The answer with only the fields of `selections` (the list's `readMask`, then `fields`), when
/// it is JSON.
fn select(answer: handlers::Answer, selections: &[Selection]) -> handlers::Answer {
    if selections.is_empty() || !answer.content_type.starts_with("application/json") {
        return answer;
    }
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&answer.body) else {
        return answer;
    };
    for selection in selections {
        selection.apply(&mut value);
    }
    handlers::Answer {
        body: serde_json::to_vec(&value).unwrap_or_default().into(),
        content_type: answer.content_type,
    }
}

fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::invalid_argument(format!(
            "Request payload size exceeds the limit: {MAX_BODY_BYTES} bytes."
        ))
    } else {
        ApiError::invalid_argument(format!("Invalid request body: {rejection}"))
    }
}

/// A running emulator on `127.0.0.1`, port 0; it stops when dropped.
///
/// ```
/// # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
/// let server = mock_vertex::MockVertex::start().await.unwrap();
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// # });
/// ```
#[derive(Debug)]
pub struct MockVertex {
    addr: SocketAddr,
    emulator: Emulator,
    task: JoinHandle<()>,
}

impl MockVertex {
    /// Starts an emulator with the default settings.
    pub async fn start() -> io::Result<MockVertex> {
        MockVertex::start_with(Emulator::new()).await
    }

    /// Settings for an emulator to start with [`EmulatorBuilder::start`].
    pub fn builder() -> EmulatorBuilder {
        Emulator::builder()
    }

    /// Starts serving `emulator` on a free loopback port.
    pub async fn start_with(emulator: Emulator) -> io::Result<MockVertex> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = emulator.clone();
        let task = tokio::spawn(async move {
            if let Err(err) = serve(listener, state).await {
                tracing::error!(%err, "mock-vertex server stopped");
            }
        });
        Ok(MockVertex {
            addr,
            emulator,
            task,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:{port}`, with no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The emulator's state (clock, settings, store).
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// An in-process router over the same state.
    pub fn router(&self) -> Router {
        router(self.emulator.clone())
    }
}

impl Drop for MockVertex {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl EmulatorBuilder {
    /// Builds the emulator and starts serving it on a free loopback port.
    pub async fn start(self) -> io::Result<MockVertex> {
        MockVertex::start_with(self.build()).await
    }
}
