//! Request routing: from `(method, path)` to a typed [`Route`], and the list query parameters.
//!
//! Paths are parsed here rather than by axum's router because Google's path templates do not fit
//! it: `{name=projects/*/locations/*/models/*}` includes an `@version` suffix, custom verbs are
//! glued to the last segment (`models/9@2:listCheckpoints`), and some clients percent-encode `@`.
//!
//! Steps: strip `/v1` or `/v1beta1` (remembered as [`ApiVersion`]); split the path on `/`; split a
//! `:verb` off the last segment (at its last `:`); percent-decode each segment; match the shape
//! and the method; then parse the resource names into `retune_model::names` types. A shape that
//! matches no route is 404 NOT_FOUND (also for a known path with the wrong method, as Google's
//! front end answers); a matched route whose ids are malformed is 400 INVALID_ARGUMENT.

use std::borrow::Cow;

use axum::http::Method;
use percent_encoding::percent_decode_str;
use retune_model::names::{
    EndpointName, Located, LocationName, ModelName, ModelRef, NameError, OperationId,
    OperationName, OperationParent, ProjectId, TuningJobName,
};
use retune_model::publisher::PublisherModelName;
use retune_model::request::ListQuery;
use retune_model::wire::{EnumEncoding, Selection, SelectionError};

use crate::error::ApiError;
use crate::faults::Rpc;
use retune_model::rpc::binds_operation;

/// The API version a request came in on (shared with the client through `retune_model::wire`).
pub use retune_model::wire::ApiVersion;

/// Every method the emulator serves, with its parsed path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `POST {parent}/tuningJobs`
    CreateTuningJob { parent: LocationName },
    /// `GET {parent}/tuningJobs`
    ListTuningJobs { parent: LocationName },
    /// `GET {name=…/tuningJobs/*}`
    GetTuningJob { name: TuningJobName },
    /// `POST {name=…/tuningJobs/*}:cancel`
    CancelTuningJob { name: TuningJobName },
    /// `POST {parent}/tuningJobs:rebaseTunedModel` (a finished operation; the job it created)
    RebaseTunedModel { parent: LocationName },
    /// `GET {parent}/models`
    ListModels { parent: LocationName },
    /// `GET {name=…/models/*}` (with `@version`, `@alias` or bare)
    GetModel { model: ModelRef },
    /// `PATCH {model.name=…/models/*}`
    UpdateModel { model: ModelRef },
    /// `DELETE {name=…/models/*}`
    DeleteModel { model: ModelRef },
    /// `GET {name=…/models/*}:listVersions`
    ListModelVersions { model: ModelRef },
    /// `GET {name=…/models/*}:listCheckpoints`
    ListModelVersionCheckpoints { model: ModelRef },
    /// `DELETE {name=…/models/*}:deleteVersion`
    DeleteModelVersion { model: ModelRef },
    /// `POST {name=…/models/*}:mergeVersionAliases`
    MergeVersionAliases { model: ModelRef },
    /// `GET {name=…/operations}` under a location, a model or a tuning job
    ListOperations { parent: OperationParent },
    /// `GET {name=…/operations/*}`
    GetOperation { name: OperationName },
    /// `DELETE {name=…/operations/*}`
    DeleteOperation { name: OperationName },
    /// `POST {name=…/operations/*}:cancel`
    CancelOperation { name: OperationName },
    /// `POST {name=…/operations/*}:wait`
    WaitOperation { name: OperationName },
    /// `GET {name=…/endpoints/*}`
    GetEndpoint { name: EndpointName },
    /// `GET {parent}/endpoints`
    ListEndpoints { parent: LocationName },
    /// `POST {model}:generateContent` (`stream: false`) or `:streamGenerateContent` (`true`)
    GenerateContent {
        target: GenerateTarget,
        stream: bool,
    },
    /// `POST {model}:countTokens`
    CountTokens { target: GenerateTarget },
    /// `GET {name=[…/]publishers/google/models/*}`
    GetPublisherModel { name: PublisherModelName },
    /// `GET [{parent}/]publishers/google/models`
    ListPublisherModels,
}

/// What a GenerateContent or CountTokens path names: an endpoint (a tuned model's) or a
/// publisher model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GenerateTarget {
    /// `projects/*/locations/*/endpoints/*`.
    Endpoint(EndpointName),
    /// `[projects/*/locations/*/]publishers/google/models/*`.
    Publisher(PublisherModelName),
}

impl Route {
    /// The RPC it serves.
    pub fn rpc(&self) -> Rpc {
        match self {
            Route::CreateTuningJob { .. } => Rpc::CreateTuningJob,
            Route::ListTuningJobs { .. } => Rpc::ListTuningJobs,
            Route::GetTuningJob { .. } => Rpc::GetTuningJob,
            Route::CancelTuningJob { .. } => Rpc::CancelTuningJob,
            Route::RebaseTunedModel { .. } => Rpc::RebaseTunedModel,
            Route::ListModels { .. } => Rpc::ListModels,
            Route::GetModel { .. } => Rpc::GetModel,
            Route::UpdateModel { .. } => Rpc::UpdateModel,
            Route::DeleteModel { .. } => Rpc::DeleteModel,
            Route::ListModelVersions { .. } => Rpc::ListModelVersions,
            Route::ListModelVersionCheckpoints { .. } => Rpc::ListModelVersionCheckpoints,
            Route::DeleteModelVersion { .. } => Rpc::DeleteModelVersion,
            Route::MergeVersionAliases { .. } => Rpc::MergeVersionAliases,
            Route::ListOperations { .. } => Rpc::ListOperations,
            Route::GetOperation { .. } => Rpc::GetOperation,
            Route::DeleteOperation { .. } => Rpc::DeleteOperation,
            Route::CancelOperation { .. } => Rpc::CancelOperation,
            Route::WaitOperation { .. } => Rpc::WaitOperation,
            Route::GetEndpoint { .. } => Rpc::GetEndpoint,
            Route::ListEndpoints { .. } => Rpc::ListEndpoints,
            Route::GenerateContent { stream: false, .. } => Rpc::GenerateContent,
            Route::GenerateContent { stream: true, .. } => Rpc::StreamGenerateContent,
            Route::CountTokens { .. } => Rpc::CountTokens,
            Route::GetPublisherModel { .. } => Rpc::GetPublisherModel,
            Route::ListPublisherModels => Rpc::ListPublisherModels,
        }
    }

    /// The parent of the operation (or operations) an operations route names.
    pub fn operation_parent(&self) -> Option<&OperationParent> {
        match self {
            Route::ListOperations { parent } => Some(parent),
            Route::GetOperation { name }
            | Route::DeleteOperation { name }
            | Route::CancelOperation { name }
            | Route::WaitOperation { name } => Some(name.parent()),
            _ => None,
        }
    }

    /// The RPC name, for logs.
    pub fn rpc_name(&self) -> &'static str {
        self.rpc().as_str()
    }

    /// The resource the call acts on, as IAM checks it (the parent of a create or a list, the
    /// named resource otherwise), and its project; `None` for the project-less publisher routes.
    pub fn resource(&self) -> Option<(String, &ProjectId)> {
        fn of<N: Located + std::fmt::Display>(n: &N) -> Option<(String, &ProjectId)> {
            Some((n.to_string(), n.project()))
        }
        match self {
            Route::CreateTuningJob { parent }
            | Route::ListTuningJobs { parent }
            | Route::RebaseTunedModel { parent }
            | Route::ListModels { parent }
            | Route::ListEndpoints { parent } => of(parent),
            Route::GetTuningJob { name } | Route::CancelTuningJob { name } => of(name),
            Route::GetModel { model }
            | Route::UpdateModel { model }
            | Route::DeleteModel { model }
            | Route::ListModelVersions { model }
            | Route::ListModelVersionCheckpoints { model }
            | Route::DeleteModelVersion { model }
            | Route::MergeVersionAliases { model } => of(model.name()),
            Route::ListOperations { parent } => of(parent),
            Route::GetOperation { name }
            | Route::DeleteOperation { name }
            | Route::CancelOperation { name }
            | Route::WaitOperation { name } => of(name),
            Route::GetEndpoint { name } => of(name),
            Route::GenerateContent { target, .. } | Route::CountTokens { target } => match target {
                GenerateTarget::Endpoint(name) => of(name),
                GenerateTarget::Publisher(name) => name
                    .location_name()
                    .map(|l| (name.to_string(), l.project())),
            },
            Route::GetPublisherModel { name } => name
                .location_name()
                .map(|l| (name.to_string(), l.project())),
            Route::ListPublisherModels => None,
        }
    }
}

/// Every route the emulator serves, as `(method, path template)`, for docs and tests.
pub const ROUTE_TABLE: &[(&str, &str)] = &[
    ("POST", "/{v}/projects/*/locations/*/tuningJobs"),
    ("GET", "/{v}/projects/*/locations/*/tuningJobs"),
    ("GET", "/{v}/projects/*/locations/*/tuningJobs/*"),
    ("POST", "/{v}/projects/*/locations/*/tuningJobs/*:cancel"),
    (
        "POST",
        "/{v}/projects/*/locations/*/tuningJobs:rebaseTunedModel",
    ),
    ("GET", "/{v}/projects/*/locations/*/models"),
    ("GET", "/{v}/projects/*/locations/*/models/*"),
    ("PATCH", "/{v}/projects/*/locations/*/models/*"),
    ("DELETE", "/{v}/projects/*/locations/*/models/*"),
    ("GET", "/{v}/projects/*/locations/*/models/*:listVersions"),
    (
        "GET",
        "/{v}/projects/*/locations/*/models/*:listCheckpoints",
    ),
    (
        "DELETE",
        "/{v}/projects/*/locations/*/models/*:deleteVersion",
    ),
    (
        "POST",
        "/{v}/projects/*/locations/*/models/*:mergeVersionAliases",
    ),
    ("GET", "/{v}/projects/*/locations/*/operations"),
    ("GET", "/{v}/projects/*/locations/*/operations/*"),
    ("DELETE", "/{v}/projects/*/locations/*/operations/*"),
    ("POST", "/{v}/projects/*/locations/*/operations/*:cancel"),
    ("POST", "/{v}/projects/*/locations/*/operations/*:wait"),
    ("GET", "/{v}/projects/*/locations/*/models/*/operations"),
    ("GET", "/{v}/projects/*/locations/*/models/*/operations/*"),
    (
        "DELETE",
        "/{v}/projects/*/locations/*/models/*/operations/*",
    ),
    (
        "POST",
        "/{v}/projects/*/locations/*/models/*/operations/*:cancel",
    ),
    (
        "POST",
        "/{v}/projects/*/locations/*/models/*/operations/*:wait",
    ),
    // v1 only, and only these three (aiplatform_v1.yaml; aiplatform_v1beta1.yaml binds none).
    ("GET", "/v1/projects/*/locations/*/tuningJobs/*/operations"),
    (
        "GET",
        "/v1/projects/*/locations/*/tuningJobs/*/operations/*",
    ),
    (
        "POST",
        "/v1/projects/*/locations/*/tuningJobs/*/operations/*:cancel",
    ),
    ("GET", "/{v}/projects/*/locations/*/endpoints/*"),
    ("GET", "/{v}/projects/*/locations/*/endpoints"),
    ("GET", "/{v}/projects/*/locations/*/endpoints/*/operations"),
    (
        "GET",
        "/{v}/projects/*/locations/*/endpoints/*/operations/*",
    ),
    (
        "DELETE",
        "/{v}/projects/*/locations/*/endpoints/*/operations/*",
    ),
    (
        "POST",
        "/{v}/projects/*/locations/*/endpoints/*/operations/*:cancel",
    ),
    (
        "POST",
        "/{v}/projects/*/locations/*/endpoints/*/operations/*:wait",
    ),
    (
        "POST",
        "/{v}/projects/*/locations/*/endpoints/*:generateContent",
    ),
    (
        "POST",
        "/{v}/projects/*/locations/*/endpoints/*:streamGenerateContent",
    ),
    (
        "POST",
        "/{v}/projects/*/locations/*/endpoints/*:countTokens",
    ),
    (
        "POST",
        "/{v}/[projects/*/locations/*/]publishers/google/models/*:generateContent",
    ),
    (
        "POST",
        "/{v}/[projects/*/locations/*/]publishers/google/models/*:streamGenerateContent",
    ),
    (
        "POST",
        "/{v}/[projects/*/locations/*/]publishers/google/models/*:countTokens",
    ),
    (
        "GET",
        "/{v}/[projects/*/locations/*/]publishers/google/models/*",
    ),
    (
        "GET",
        "/{v}/[projects/*/locations/*/]publishers/google/models",
    ),
];

/// A path one of the emulator's own routes (admin, metadata, console, token) serves, asked with
/// a method it does not serve: 404 in Google's envelope, as every unknown route.
pub(crate) async fn wrong_method(method: Method, uri: axum::http::Uri) -> ApiError {
    no_route(&method, uri.path())
}

/// A request path that names no route (or a known path with a method it does not serve).
fn no_route(method: &Method, path: &str) -> ApiError {
    ApiError::not_found(format!(
        "The requested URL {path} was not found on this server (method {method})."
    ))
}

/// 400 INVALID_ARGUMENT for a malformed name in the path, with a `google.rpc.BadRequest`
/// naming the request field the path segment binds to (`name` or `parent`).
fn bad_field(field: &'static str) -> impl Fn(NameError) -> ApiError {
    move |err| ApiError::invalid_field(field, err.to_string())
}

fn bad_name(err: NameError) -> ApiError {
    bad_field("name")(err)
}

/// Splits `/v1/...` or `/v1beta1/...` into the version and the rest (without a leading `/`).
pub fn split_version(path: &str) -> Option<(ApiVersion, &str)> {
    if let Some(rest) = path.strip_prefix("/v1beta1/") {
        Some((ApiVersion::V1Beta1, rest))
    } else {
        path.strip_prefix("/v1/").map(|rest| (ApiVersion::V1, rest))
    }
}

/// What a request for the operations of some parent asks for.
enum OpAction {
    Get,
    Delete,
    Cancel,
    Wait,
}

/// Maps a method and a raw (still percent-encoded) path to its [`Route`].
///
/// ```
/// use axum::http::Method;
/// use mock_vertex::routes::{parse_route, ApiVersion, Route};
/// let (version, route) =
///     parse_route(&Method::GET, "/v1/projects/p/locations/us-central1/models/9%40golden").unwrap();
/// assert_eq!(version, ApiVersion::V1);
/// assert!(matches!(route, Route::GetModel { model } if model.to_string().ends_with("9@golden")));
/// // No such route: 404. A matched route with a malformed id: 400.
/// let bad = |path| parse_route(&Method::GET, path).unwrap_err().http_status();
/// assert_eq!(bad("/v1/projects/p/locations/us-central1/123"), 404);
/// assert_eq!(bad("/v1/projects/p/locations/us-central1/tuningJobs/abc"), 400);
/// ```
pub fn parse_route(method: &Method, path: &str) -> Result<(ApiVersion, Route), ApiError> {
    let (version, rest) = split_version(path).ok_or_else(|| no_route(method, path))?;
    let mut raw: Vec<&str> = rest.split('/').collect();
    let mut verb = None;
    if let Some(last) = raw.last_mut()
        && let Some((segment, v)) = last.rsplit_once(':')
    {
        *last = segment;
        verb = Some(v);
    }
    let decoded: Vec<Cow<'_, str>> = raw
        .iter()
        .map(|s| {
            percent_decode_str(s).decode_utf8().map_err(|_| {
                ApiError::invalid_argument(format!("Invalid path {path:?}: not UTF-8."))
            })
        })
        .collect::<Result<_, _>>()?;
    let segments: Vec<&str> = decoded.iter().map(|s| s.as_ref()).collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(no_route(method, path));
    }
    let route = match_route(method, &segments, verb).ok_or_else(|| no_route(method, path))??;
    if let Some(parent) = route.operation_parent()
        && !binds_operation(version, parent, route.rpc())
    {
        return Err(no_route(method, path));
    }
    Ok((version, route))
}

/// `Some(Ok)` for a route, `Some(Err)` for a matched route with bad names, `None` for no route.
fn match_route(
    method: &Method,
    segments: &[&str],
    verb: Option<&str>,
) -> Option<Result<Route, ApiError>> {
    if let ["publishers", "google", "models", rest @ ..] = segments {
        return publisher_route(method, None, rest, verb);
    }
    let ["projects", _, "locations", _, rest @ ..] = segments else {
        return None;
    };
    let join = |n: usize| segments[..n].join("/");
    let location = || join(4).parse::<LocationName>().map_err(bad_field("parent"));
    let job = || join(6).parse::<TuningJobName>().map_err(bad_name);
    let model = || join(6).parse::<ModelRef>().map_err(bad_name);
    let model_name = || join(6).parse::<ModelName>().map_err(bad_name);
    let endpoint_name = || join(6).parse::<EndpointName>().map_err(bad_name);
    let m = method.clone();
    let route = match (rest, verb) {
        (["tuningJobs"], None) if m == Method::POST => {
            location().map(|parent| Route::CreateTuningJob { parent })
        }
        (["tuningJobs"], None) if m == Method::GET => {
            location().map(|parent| Route::ListTuningJobs { parent })
        }
        (["tuningJobs"], Some("rebaseTunedModel")) if m == Method::POST => {
            location().map(|parent| Route::RebaseTunedModel { parent })
        }
        (["tuningJobs", _], None) if m == Method::GET => {
            job().map(|name| Route::GetTuningJob { name })
        }
        (["tuningJobs", _], Some("cancel")) if m == Method::POST => {
            job().map(|name| Route::CancelTuningJob { name })
        }
        (["models"], None) if m == Method::GET => {
            location().map(|parent| Route::ListModels { parent })
        }
        (["models", _], None) if m == Method::GET => model().map(|model| Route::GetModel { model }),
        (["models", _], None) if m == Method::PATCH => {
            model().map(|model| Route::UpdateModel { model })
        }
        (["models", _], None) if m == Method::DELETE => {
            model().map(|model| Route::DeleteModel { model })
        }
        (["models", _], Some("listVersions")) if m == Method::GET => {
            model().map(|model| Route::ListModelVersions { model })
        }
        (["models", _], Some("listCheckpoints")) if m == Method::GET => {
            model().map(|model| Route::ListModelVersionCheckpoints { model })
        }
        (["models", _], Some("deleteVersion")) if m == Method::DELETE => {
            model().map(|model| Route::DeleteModelVersion { model })
        }
        (["models", _], Some("mergeVersionAliases")) if m == Method::POST => {
            model().map(|model| Route::MergeVersionAliases { model })
        }
        (["endpoints", _], None) if m == Method::GET => join(6)
            .parse::<EndpointName>()
            .map_err(bad_name)
            .map(|name| Route::GetEndpoint { name }),
        (["endpoints"], None) if m == Method::GET => {
            location().map(|parent| Route::ListEndpoints { parent })
        }
        (["endpoints", _], Some(verb)) if m == Method::POST => {
            let endpoint = || {
                join(6)
                    .parse::<EndpointName>()
                    .map_err(bad_name)
                    .map(GenerateTarget::Endpoint)
            };
            return generate_route(verb, endpoint);
        }
        (["publishers", "google", "models", tail @ ..], verb) => {
            return match location() {
                Ok(l) => publisher_route(method, Some(l), tail, verb),
                Err(err) => Some(Err(err)),
            };
        }
        (["operations"], None) if m == Method::GET => location().map(|l| Route::ListOperations {
            parent: OperationParent::Location(l),
        }),
        (["models", _, "operations"], None) if m == Method::GET => {
            model_name().map(|n| Route::ListOperations {
                parent: OperationParent::Model(n),
            })
        }
        (["tuningJobs", _, "operations"], None) if m == Method::GET => {
            job().map(|n| Route::ListOperations {
                parent: OperationParent::TuningJob(n),
            })
        }
        (["operations", id], verb) => {
            let action = op_action(&m, verb)?;
            return Some(
                location().and_then(|l| op_route(OperationParent::Location(l), id, action)),
            );
        }
        (["models", _, "operations", id], verb) => {
            let action = op_action(&m, verb)?;
            return Some(
                model_name().and_then(|n| op_route(OperationParent::Model(n), id, action)),
            );
        }
        (["endpoints", _, "operations"], None) if m == Method::GET => {
            endpoint_name().map(|n| Route::ListOperations {
                parent: OperationParent::Endpoint(n),
            })
        }
        (["endpoints", _, "operations", id], verb) => {
            let action = op_action(&m, verb)?;
            return Some(
                endpoint_name().and_then(|n| op_route(OperationParent::Endpoint(n), id, action)),
            );
        }
        (["tuningJobs", _, "operations", id], verb) => {
            let action = op_action(&m, verb)?;
            return Some(job().and_then(|n| op_route(OperationParent::TuningJob(n), id, action)));
        }
        _ => return None,
    };
    Some(route)
}

/// The GenerateContent family of verbs on a target.
fn generate_route(
    verb: &str,
    target: impl FnOnce() -> Result<GenerateTarget, ApiError>,
) -> Option<Result<Route, ApiError>> {
    let make: fn(GenerateTarget) -> Route = match verb {
        "generateContent" => |target| Route::GenerateContent {
            target,
            stream: false,
        },
        "streamGenerateContent" => |target| Route::GenerateContent {
            target,
            stream: true,
        },
        "countTokens" => |target| Route::CountTokens { target },
        _ => return None,
    };
    Some(target().map(make))
}

/// Routes under `publishers/google/models` (`tail` is what follows it).
fn publisher_route(
    method: &Method,
    location: Option<LocationName>,
    tail: &[&str],
    verb: Option<&str>,
) -> Option<Result<Route, ApiError>> {
    match (tail, verb) {
        ([], None) if method == Method::GET => Some(Ok(Route::ListPublisherModels)),
        ([model], None) if method == Method::GET => Some(Ok(Route::GetPublisherModel {
            name: PublisherModelName::new(location, *model),
        })),
        ([model], Some(verb)) if method == Method::POST => generate_route(verb, || {
            Ok(GenerateTarget::Publisher(PublisherModelName::new(
                location, *model,
            )))
        }),
        _ => None,
    }
}

fn op_action(method: &Method, verb: Option<&str>) -> Option<OpAction> {
    match (verb, method) {
        (None, m) if m == Method::GET => Some(OpAction::Get),
        (None, m) if m == Method::DELETE => Some(OpAction::Delete),
        (Some("cancel"), m) if m == Method::POST => Some(OpAction::Cancel),
        (Some("wait"), m) if m == Method::POST => Some(OpAction::Wait),
        _ => None,
    }
}

fn op_route(parent: OperationParent, id: &str, action: OpAction) -> Result<Route, ApiError> {
    let id: OperationId = id.parse().map_err(bad_name)?;
    let name = OperationName::new(parent, id);
    Ok(match action {
        OpAction::Get => Route::GetOperation { name },
        OpAction::Delete => Route::DeleteOperation { name },
        OpAction::Cancel => Route::CancelOperation { name },
        OpAction::Wait => Route::WaitOperation { name },
    })
}

/// The query parameters of a request, decoded (`+` is a space, `%XX` is a byte).
///
/// Empty values count as absent, as the official Rust crate sends `filter=&pageSize=0&pageToken=`
/// for "not set". Keys are accepted in camelCase and snake_case. Which keys a method accepts is
/// `retune_model::request::check_query_parameters`, checked before the handler runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
    enum_encoding: EnumEncoding,
}

impl QueryParams {
    /// Parses a raw query string (without the `?`).
    pub fn parse(raw: Option<&str>) -> QueryParams {
        let pairs = raw
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode_component(k), decode_component(v))
            })
            .collect();
        QueryParams {
            pairs,
            enum_encoding: EnumEncoding::from_query(raw),
        }
    }

    /// The parameters with every value rewritten by `f` (the project table writes the names in
    /// a filter with project numbers).
    pub fn map_values(mut self, f: impl Fn(&str) -> Cow<'_, str>) -> QueryParams {
        for (_, value) in &mut self.pairs {
            if let Cow::Owned(rewritten) = f(value) {
                *value = rewritten;
            }
        }
        self
    }

    /// The parameter names, as sent (decoded), in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(k, _)| k.as_str())
    }

    /// How enums must be written in the response (`$alt=json;enum-encoding=int` asks for ints).
    pub fn enum_encoding(&self) -> EnumEncoding {
        self.enum_encoding
    }

    /// Every value of a parameter spelled `camel` or `snake`, as sent, except empty ones.
    fn raw_values<'a>(
        &'a self,
        camel: &'a str,
        snake: &'a str,
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == camel || k == snake)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every non-blank value of a parameter spelled `camel` or `snake`, trimmed.
    fn values<'a>(&'a self, camel: &'a str, snake: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.raw_values(camel, snake)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    fn first<'a>(&'a self, camel: &'a str, snake: &'a str) -> Option<&'a str> {
        self.values(camel, snake).next()
    }

    /// True for `alt=sse`: a stream as server-sent events (google-genai asks for it) rather than
    /// a JSON array.
    pub fn server_sent_events(&self) -> bool {
        self.first("alt", "$alt") == Some("sse")
    }

    /// `pageSize` as sent (not trimmed: a blank number is an error, not "unset").
    pub fn page_size(&self) -> Option<&str> {
        self.raw_values("pageSize", "page_size").next()
    }

    /// `pageToken` as sent (not trimmed: a blank token is an error, not "unset").
    pub fn page_token(&self) -> Option<&str> {
        self.raw_values("pageToken", "page_token").next()
    }

    /// `filter`: every non-empty `filter` parameter, joined with ` AND `.
    pub fn filter(&self) -> Option<String> {
        let parts: Vec<&str> = self.values("filter", "filter").collect();
        (!parts.is_empty()).then(|| parts.join(" AND "))
    }

    /// WaitOperation's `timeout` (a `google.protobuf.Duration` such as `30s`), if set.
    pub fn timeout(&self) -> Option<&str> {
        self.first("timeout", "timeout")
    }

    /// `orderBy`, if set.
    pub fn order_by(&self) -> Option<&str> {
        self.first("orderBy", "order_by")
    }

    /// The list parameters, for [`retune_model::request::check_list`] (`filter` is joined
    /// first, so the result borrows it).
    pub fn list_query<'a>(&'a self, filter: Option<&'a str>) -> ListQuery<'a> {
        ListQuery {
            page_size: self.page_size(),
            page_token: self.page_token(),
            filter,
            order_by: self.order_by(),
        }
    }

    /// `readMask` as a selection of each listed resource's fields, or `None` when absent.
    pub fn read_mask(&self) -> Option<Selection> {
        let mask = Selection::from_mask_paths(
            self.values("readMask", "read_mask")
                .flat_map(|v| v.split(','))
                .chain(self.values("readMask.paths", "read_mask.paths")),
        );
        (!mask.is_everything()).then_some(mask)
    }

    /// The `fields` system parameter (a partial response), or `None` when absent.
    pub fn fields(&self) -> Option<Result<Selection, SelectionError>> {
        self.first("fields", "$fields").map(Selection::parse_fields)
    }

    /// `updateMask` as field paths, or `None` when absent or empty.
    pub fn update_mask(&self) -> Option<Vec<String>> {
        let paths: Vec<String> = self
            .values("updateMask", "update_mask")
            .flat_map(|v| v.split(','))
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        (!paths.is_empty()).then_some(paths)
    }
}

fn decode_component(s: &str) -> String {
    let spaced = s.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use retune_model::Code;

    fn route(method: Method, path: &str) -> Route {
        parse_route(&method, path).unwrap().1
    }

    fn status(method: Method, path: &str) -> u16 {
        parse_route(&method, path).unwrap_err().http_status()
    }

    #[test]
    fn both_api_versions_serve_the_same_routes() {
        let p = "projects/p/locations/us-central1/tuningJobs/12";
        assert_eq!(
            parse_route(&Method::GET, &format!("/v1/{p}")).unwrap().0,
            ApiVersion::V1
        );
        assert_eq!(
            parse_route(&Method::GET, &format!("/v1beta1/{p}"))
                .unwrap()
                .0,
            ApiVersion::V1Beta1
        );
        assert_eq!(status(Method::GET, &format!("/v2/{p}")), 404);
    }

    #[test]
    fn custom_verbs_split_off_the_last_segment() {
        let r = route(
            Method::GET,
            "/v1/projects/p/locations/us-central1/models/123@2:listCheckpoints",
        );
        assert!(
            matches!(r, Route::ListModelVersionCheckpoints { model } if model.to_string() == "projects/p/locations/us-central1/models/123@2")
        );
        let r = route(
            Method::POST,
            "/v1beta1/projects/p/locations/us-central1/tuningJobs/5:cancel",
        );
        assert!(matches!(r, Route::CancelTuningJob { .. }));
        let r = route(
            Method::POST,
            "/v1/projects/p/locations/us-central1/tuningJobs:rebaseTunedModel",
        );
        assert!(matches!(r, Route::RebaseTunedModel { .. }));
    }

    #[test]
    fn percent_encoded_at_sign_names_a_version() {
        let r = route(
            Method::POST,
            "/v1/projects/p/locations/us-central1/models/9%402:mergeVersionAliases",
        );
        assert!(
            matches!(r, Route::MergeVersionAliases { model } if model.to_string().ends_with("/9@2"))
        );
    }

    #[test]
    fn wrong_method_on_a_known_path_is_not_found() {
        assert_eq!(
            status(Method::PUT, "/v1/projects/p/locations/us-central1/models/9"),
            404
        );
        assert_eq!(
            status(
                Method::GET,
                "/v1/projects/p/locations/us-central1/tuningJobs/5:cancel"
            ),
            404
        );
        assert_eq!(
            status(
                Method::DELETE,
                "/v1/projects/p/locations/us-central1/tuningJobs"
            ),
            404
        );
    }

    #[test]
    fn malformed_ids_on_a_matched_route_are_invalid_argument() {
        let err = parse_route(
            &Method::GET,
            "/v1/projects/p/locations/us-central1/models/9@Bad",
        )
        .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert_eq!(
            status(
                Method::GET,
                "/v1/projects/P!/locations/us-central1/tuningJobs"
            ),
            400
        );
        assert_eq!(
            status(
                Method::GET,
                "/v1/projects/p/locations/us-central1/operations/x"
            ),
            400
        );
    }

    #[test]
    fn unmatched_shapes_are_not_found() {
        for path in [
            "/v1/projects/p/locations/us-central1/123",
            "/v1/projects/p/locations/us-central1/tuningJobs/",
            "/v1/projects/p",
            "/v1/",
            "/",
            "/v1/projects/p/locations/us-central1/models/9:frobnicate",
        ] {
            assert_eq!(status(Method::GET, path), 404, "{path}");
        }
    }

    #[test]
    fn nested_operation_routes_keep_their_parent() {
        let r = route(
            Method::POST,
            "/v1/projects/p/locations/us-central1/models/9/operations/4:wait",
        );
        assert!(
            matches!(r, Route::WaitOperation { name } if name.to_string() == "projects/p/locations/us-central1/models/9/operations/4")
        );
        let r = route(
            Method::GET,
            "/v1/projects/p/locations/us-central1/operations",
        );
        assert!(matches!(
            r,
            Route::ListOperations {
                parent: OperationParent::Location(_)
            }
        ));
    }

    #[test]
    fn empty_and_zero_query_values_mean_unset() {
        let q = QueryParams::parse(Some("filter=&pageSize=0&pageToken=&orderBy="));
        // 0 is passed on: the list validator reads it as the default page size.
        assert_eq!(q.page_size(), Some("0"));
        assert_eq!(q.page_token(), None);
        assert_eq!(q.filter(), None);
        assert_eq!(q.order_by(), None);
    }

    #[test]
    fn blank_page_size_and_token_are_kept_for_the_validator() {
        let q = QueryParams::parse(Some("pageSize=%20&page_token=+"));
        assert_eq!(q.page_size(), Some(" "));
        assert_eq!(q.page_token(), Some(" "));
        assert_eq!(
            QueryParams::parse(Some("page_size=7")).page_size(),
            Some("7")
        );
    }

    #[test]
    fn encoded_filter_keeps_the_sdk_ampersand_form_in_one_value() {
        let q = QueryParams::parse(Some(
            "filter=display_name%3D%22m%22%26filter%3Dlabels.tune-type%3A%2A&pageSize=10",
        ));
        assert_eq!(
            q.filter().as_deref(),
            Some("display_name=\"m\"&filter=labels.tune-type:*")
        );
    }

    #[test]
    fn enum_encoding_int_is_detected_encoded_or_not() {
        let q = QueryParams::parse(Some("%24alt=json%3Benum-encoding%3Dint"));
        assert_eq!(q.enum_encoding(), EnumEncoding::Ints);
        let q = QueryParams::parse(Some("$alt=json;enum-encoding=int&pageSize=1"));
        assert_eq!(q.enum_encoding(), EnumEncoding::Ints);
        assert_eq!(
            QueryParams::parse(None).enum_encoding(),
            EnumEncoding::Names
        );
    }

    #[test]
    fn update_mask_splits_on_commas() {
        let q = QueryParams::parse(Some("updateMask=displayName,description"));
        assert_eq!(
            q.update_mask(),
            Some(vec!["displayName".into(), "description".into()])
        );
        assert_eq!(QueryParams::parse(Some("updateMask=")).update_mask(), None);
    }
}
