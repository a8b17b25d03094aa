//! gRPC to REST and back, by the method's `google.api.http` binding, the way Google's front end
//! maps them: path variables from fields, the `body` field (or `*`: every field left) as the JSON
//! body, every other set field as a query parameter; the REST answer's JSON read back into the
//! output message.

use axum::http::Method;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use prost_reflect::{
    DeserializeOptions, DynamicMessage, MessageDescriptor, MethodDescriptor, SerializeOptions,
    Value as ProtoValue,
};
use retune_model::Code;
use serde_json::Value;

use super::descriptors;
use super::status::GrpcStatus;

/// What stays unescaped in a path variable: unreserved characters and the `/` of multi-segment
/// names; `@` too, as model versions (`models/1@2`) are sent by REST clients.
const PATH_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/')
    .remove(b'@');

/// What stays unescaped in a query parameter: unreserved characters.
const QUERY_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `google.longrunning.Operations` has no binding of its own for these resources: the service
/// configuration (`aiplatform_v1.yaml`) gives them, one per resource kind; the REST router
/// accepts the same paths for every kind, so one template per method covers them.
const OPERATIONS_BINDINGS: &[(&str, &str, &str)] = &[
    ("ListOperations", "GET", "/v1/{name=projects/**}/operations"),
    ("GetOperation", "GET", "/v1/{name=projects/**}"),
    ("DeleteOperation", "DELETE", "/v1/{name=projects/**}"),
    ("CancelOperation", "POST", "/v1/{name=projects/**}:cancel"),
    ("WaitOperation", "POST", "/v1/{name=projects/**}:wait"),
];

/// One HTTP binding of a method: verb, path template and body selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Binding {
    method: Method,
    template: String,
    body: Option<String>,
}

/// A REST request, ready for the router.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RestCall {
    /// The HTTP method.
    pub(crate) method: Method,
    /// The path and the query string.
    pub(crate) path_and_query: String,
    /// The JSON body (`None`: no body).
    pub(crate) body: Option<Vec<u8>>,
}

/// The bindings of `method`: its `google.api.http` option (then its `additional_bindings`), or
/// for `google.longrunning.Operations` the service configuration's.
pub(crate) fn bindings(method: &MethodDescriptor) -> Vec<Binding> {
    if method.parent_service().full_name() == "google.longrunning.Operations" {
        return OPERATIONS_BINDINGS
            .iter()
            .filter(|(name, _, _)| *name == method.name())
            .filter_map(|(_, verb, template)| {
                Some(Binding {
                    method: verb.parse().ok()?,
                    template: (*template).to_owned(),
                    body: None,
                })
            })
            .collect();
    }
    let Ok(pool) = descriptors::pool() else {
        return Vec::new();
    };
    let Some(extension) = pool.get_extension_by_name("google.api.http") else {
        return Vec::new();
    };
    let options = method.options();
    if !options.has_extension(&extension) {
        return Vec::new();
    }
    let ProtoValue::Message(rule) = options.get_extension(&extension).into_owned() else {
        return Vec::new();
    };
    let mut bindings = Vec::new();
    if let Some(binding) = binding_of(&rule) {
        bindings.push(binding);
    }
    if let Some(additional) = rule.get_field_by_name("additional_bindings")
        && let Some(list) = additional.as_list()
    {
        bindings.extend(
            list.iter()
                .filter_map(ProtoValue::as_message)
                .filter_map(binding_of),
        );
    }
    bindings
}

/// The binding an `HttpRule` message describes (`custom` verbs are not used by these services).
fn binding_of(rule: &DynamicMessage) -> Option<Binding> {
    let (method, template) = [
        ("get", Method::GET),
        ("post", Method::POST),
        ("patch", Method::PATCH),
        ("delete", Method::DELETE),
        ("put", Method::PUT),
    ]
    .into_iter()
    .find_map(|(field, method)| {
        let template = rule.get_field_by_name(field)?.as_str()?.to_owned();
        (!template.is_empty()).then_some((method, template))
    })?;
    let body = rule
        .get_field_by_name("body")
        .and_then(|body| body.as_str().map(str::to_owned))
        .filter(|body| !body.is_empty());
    Some(Binding {
        method,
        template,
        body,
    })
}

/// The REST request for `message` by the first of `bindings` whose path variables its fields
/// match; INVALID_ARGUMENT naming the field when none does.
pub(crate) fn to_rest(
    bindings: &[Binding],
    message: &DynamicMessage,
) -> Result<RestCall, GrpcStatus> {
    let mut first_mismatch = None;
    for binding in bindings {
        match apply(binding, message.clone()) {
            Ok(call) => return Ok(call),
            Err(mismatch) => {
                first_mismatch.get_or_insert(mismatch);
            }
        }
    }
    Err(first_mismatch
        .unwrap_or_else(|| GrpcStatus::new(Code::Unimplemented, "the method has no HTTP binding")))
}

/// One binding applied: the path with its variables, then the body, then the query.
fn apply(binding: &Binding, mut message: DynamicMessage) -> Result<RestCall, GrpcStatus> {
    let mut path = String::new();
    let mut rest = binding.template.as_str();
    while let Some(open) = rest.find('{') {
        path.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .map(|at| open + at)
            .ok_or_else(|| GrpcStatus::new(Code::Internal, "a malformed path template"))?;
        let variable = &rest[open + 1..close];
        let (field_path, pattern) = variable.split_once('=').unwrap_or((variable, "*"));
        let value = take_string(&mut message, field_path).unwrap_or_default();
        if !matches_pattern(&value, pattern) {
            return Err(GrpcStatus::new(
                Code::InvalidArgument,
                format!(
                    "Invalid resource field value in the request: {field_path} \"{value}\" does not match {pattern}"
                ),
            ));
        }
        path.push_str(&utf8_percent_encode(&value, PATH_ESCAPES).to_string());
        rest = &rest[close + 1..];
    }
    path.push_str(rest);

    let options = SerializeOptions::new();
    let (body, query_source) = match binding.body.as_deref() {
        Some("*") => (Some(to_json(&message, &options)), None),
        Some(field) => {
            let body = match message.get_field_by_name(field).map(|v| v.into_owned()) {
                Some(ProtoValue::Message(inner)) if message.has_field_by_name(field) => {
                    to_json(&inner, &options)
                }
                _ => Value::Object(serde_json::Map::new()),
            };
            message.clear_field_by_name(field);
            (Some(body), Some(message))
        }
        None => (None, Some(message)),
    };
    let mut query = Vec::new();
    if let Some(remaining) = query_source {
        flatten("", &to_json(&remaining, &options), &mut query);
    }
    if !query.is_empty() {
        let encoded: Vec<String> = query
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, QUERY_ESCAPES),
                    utf8_percent_encode(v, QUERY_ESCAPES)
                )
            })
            .collect();
        path.push('?');
        path.push_str(&encoded.join("&"));
    }
    Ok(RestCall {
        method: binding.method.clone(),
        path_and_query: path,
        body: body.map(|json| json.to_string().into_bytes()),
    })
}

/// Takes the string at a dotted field path (`tuning_job.name`) out of `message`.
fn take_string(message: &mut DynamicMessage, field_path: &str) -> Option<String> {
    match field_path.split_once('.') {
        None => {
            let value = message.get_field_by_name(field_path)?.as_str()?.to_owned();
            message.clear_field_by_name(field_path);
            Some(value)
        }
        Some((head, tail)) => match message.get_field_by_name_mut(head)? {
            ProtoValue::Message(inner) => take_string(inner, tail),
            _ => None,
        },
    }
}

/// True when `value` matches a path pattern: literals, `*` (one segment), `**` (the rest).
fn matches_pattern(value: &str, pattern: &str) -> bool {
    if value.is_empty() {
        return false;
    }
    let mut segments = value.split('/');
    for part in pattern.split('/') {
        match part {
            "**" => return segments.all(|segment| !segment.is_empty()),
            "*" => match segments.next() {
                Some(segment) if !segment.is_empty() => {}
                _ => return false,
            },
            literal => {
                if segments.next() != Some(literal) {
                    return false;
                }
            }
        }
    }
    segments.next().is_none()
}

/// The proto3 JSON form of a message (camelCase names, enums by name, unset fields left out).
fn to_json(message: &DynamicMessage, options: &SerializeOptions) -> Value {
    message
        .serialize_with_options(serde_json::value::Serializer, options)
        .unwrap_or(Value::Null)
}

/// Query parameters from a JSON value: nested objects as dotted names, lists repeated.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, value, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                flatten(prefix, item, out);
            }
        }
        Value::String(text) => out.push((prefix.to_owned(), text.clone())),
        Value::Number(number) => out.push((prefix.to_owned(), number.to_string())),
        Value::Bool(flag) => out.push((prefix.to_owned(), flag.to_string())),
        Value::Null => {}
    }
}

/// The messages of a REST answer: one for an object, one per element for a JSON array (a
/// server stream). Fields the proto does not know are ignored.
pub(crate) fn from_rest(
    output: &MessageDescriptor,
    body: &[u8],
) -> Result<Vec<DynamicMessage>, String> {
    let mut json: Value =
        serde_json::from_slice(body).map_err(|err| format!("the answer is not JSON: {err}"))?;
    normalize_any(&mut json);
    let options = DeserializeOptions::new().deny_unknown_fields(false);
    let decode = |value: Value| {
        DynamicMessage::deserialize_with_options(output.clone(), value, &options)
            .map_err(|err| format!("the answer does not fit {}: {err}", output.full_name()))
    };
    match json {
        Value::Array(items) => items.into_iter().map(decode).collect(),
        other => decode(other).map(|message| vec![message]),
    }
}

/// `{"@type": ".../google.protobuf.Empty"}` as proto3 JSON spells an `Any` of a well-known
/// type: with its payload under `value`.
fn normalize_any(json: &mut Value) {
    match json {
        Value::Object(map) => {
            let is_empty_any = map
                .get("@type")
                .and_then(Value::as_str)
                .is_some_and(|url| url.ends_with("/google.protobuf.Empty"));
            if is_empty_any && !map.contains_key("value") {
                map.insert("value".to_owned(), Value::Object(serde_json::Map::new()));
            }
            map.values_mut().for_each(normalize_any);
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_any),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn method(full: &str) -> MethodDescriptor {
        let (service, method) = full.rsplit_once('/').unwrap();
        descriptors::pool()
            .unwrap()
            .get_service_by_name(service)
            .unwrap()
            .methods()
            .find(|m| m.name() == method)
            .unwrap()
    }

    fn request(method: &MethodDescriptor, json: Value) -> DynamicMessage {
        DynamicMessage::deserialize(method.input(), json).unwrap()
    }

    #[test]
    fn create_sends_the_named_field_as_the_body_and_the_parent_in_the_path() {
        let create = method("google.cloud.aiplatform.v1.GenAiTuningService/CreateTuningJob");
        let message = request(
            &create,
            json!({"parent": "projects/p/locations/us-central1", "tuningJob": {"baseModel": "gemini-2.5-flash"}}),
        );
        let call = to_rest(&bindings(&create), &message).unwrap();
        assert_eq!(call.method, Method::POST);
        assert_eq!(
            call.path_and_query,
            "/v1/projects/p/locations/us-central1/tuningJobs"
        );
        let body: Value = serde_json::from_slice(&call.body.unwrap()).unwrap();
        assert_eq!(body, json!({"baseModel": "gemini-2.5-flash"}));
    }

    #[test]
    fn list_sends_the_other_fields_as_query_parameters() {
        let list = method("google.cloud.aiplatform.v1beta1.ModelService/ListModelVersions");
        let message = request(
            &list,
            json!({"name": "projects/p/locations/l/models/7", "pageSize": 2, "filter": "labels.a=b c",
                "readMask": "name,versionId"}),
        );
        let call = to_rest(&bindings(&list), &message).unwrap();
        assert_eq!(call.method, Method::GET);
        assert_eq!(
            call.path_and_query,
            "/v1beta1/projects/p/locations/l/models/7:listVersions?pageSize=2&filter=labels.a%3Db%20c&readMask=name%2CversionId"
        );
        assert_eq!(call.body, None);
    }

    #[test]
    fn a_star_body_takes_every_field_not_in_the_path() {
        let merge = method("google.cloud.aiplatform.v1.ModelService/MergeVersionAliases");
        let message = request(
            &merge,
            json!({"name": "projects/p/locations/l/models/7@2", "versionAliases": ["prod"]}),
        );
        let call = to_rest(&bindings(&merge), &message).unwrap();
        assert_eq!(
            call.path_and_query,
            "/v1/projects/p/locations/l/models/7@2:mergeVersionAliases"
        );
        let body: Value = serde_json::from_slice(&call.body.unwrap()).unwrap();
        assert_eq!(body, json!({"versionAliases": ["prod"]}));
    }

    #[test]
    fn an_additional_binding_serves_names_the_first_does_not_match() {
        let generate = method("google.cloud.aiplatform.v1.PredictionService/GenerateContent");
        let message = request(
            &generate,
            json!({"model": "projects/p/locations/l/publishers/google/models/gemini-2.5-flash"}),
        );
        let call = to_rest(&bindings(&generate), &message).unwrap();
        assert_eq!(
            call.path_and_query,
            "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:generateContent"
        );
    }

    #[test]
    fn operations_use_the_service_configurations_bindings() {
        let get = method("google.longrunning.Operations/GetOperation");
        let message = request(
            &get,
            json!({"name": "projects/p/locations/l/models/7/operations/4"}),
        );
        let call = to_rest(&bindings(&get), &message).unwrap();
        assert_eq!(
            call.path_and_query,
            "/v1/projects/p/locations/l/models/7/operations/4"
        );
    }

    #[test]
    fn a_name_outside_every_pattern_is_invalid_argument_naming_the_field() {
        let get = method("google.cloud.aiplatform.v1.GenAiTuningService/GetTuningJob");
        let message = request(&get, json!({"name": "tuningJobs/1"}));
        let err = to_rest(&bindings(&get), &message).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert!(
            err.message().contains("name \"tuningJobs/1\""),
            "{}",
            err.message()
        );
    }

    #[test]
    fn an_operation_answer_with_an_empty_response_decodes() {
        let get = method("google.longrunning.Operations/GetOperation");
        let body = json!({"name": "projects/p/locations/l/operations/4", "done": true,
            "metadata": {"@type": "type.googleapis.com/google.cloud.aiplatform.v1.DeleteOperationMetadata",
                "genericMetadata": {"createTime": "2026-01-01T00:00:00Z"}},
            "response": {"@type": "type.googleapis.com/google.protobuf.Empty"}, "unknownField": 1});
        let messages = from_rest(&get.output(), body.to_string().as_bytes()).unwrap();
        assert_eq!(messages.len(), 1);
        assert!(messages[0].has_field_by_name("response"));
    }

    #[test]
    fn a_json_array_answer_is_one_message_per_element() {
        let stream = method("google.cloud.aiplatform.v1.PredictionService/StreamGenerateContent");
        let body = json!([{"modelVersion": "a"}, {"modelVersion": "b"}]);
        let messages = from_rest(&stream.output(), body.to_string().as_bytes()).unwrap();
        assert_eq!(messages.len(), 2);
    }

    proptest! {
        #[test]
        fn a_single_segment_pattern_takes_exactly_one_non_empty_segment(value in "[a-z/]{0,12}") {
            let expected = !value.is_empty() && !value.contains('/');
            prop_assert_eq!(matches_pattern(&value, "*"), expected);
        }

        #[test]
        fn a_name_built_from_segments_matches_its_pattern(
            project in "[a-z0-9-]{1,8}", location in "[a-z0-9-]{1,8}", job in "[0-9]{1,8}"
        ) {
            let name = format!("projects/{project}/locations/{location}/tuningJobs/{job}");
            prop_assert!(matches_pattern(&name, "projects/*/locations/*/tuningJobs/*"));
            prop_assert!(matches_pattern(&name, "projects/**"));
            prop_assert!(!matches_pattern(&name, "projects/*/locations/*"));
        }
    }
}
