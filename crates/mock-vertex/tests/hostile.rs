//! Hostile input to the in-process router: random methods, paths, queries and bodies, and the
//! classic nasty cases (huge bodies, invalid UTF-8, deep nesting, null bytes, duplicate keys,
//! odd content types). The emulator never answers 5xx, and every 4xx is Google's error envelope.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use mock_vertex::storage::SAMPLE_TRAIN_URI;
use mock_vertex::{Emulator, JobSpeed, router};
use proptest::prelude::*;
use serde_json::{Value, json};
use tower::ServiceExt;

const LOC: &str = "projects/p1/locations/us-central1";

fn app() -> Router {
    router(Emulator::builder().jobs(JobSpeed::Instant).build())
}

/// Sends one request; returns the status and the raw body.
async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Vec<u8>) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, bytes.to_vec())
}

/// Why an answer is not acceptable, if it is not: a 5xx, or a 4xx that is not an error envelope.
fn violation(status: u16, body: &[u8]) -> Option<String> {
    if status >= 500 {
        return Some(format!(
            "status {status}: {}",
            String::from_utf8_lossy(body)
        ));
    }
    if !(400..500).contains(&status) {
        return None;
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Some(format!(
            "{status} body is not JSON: {:?}",
            String::from_utf8_lossy(body)
        ));
    };
    let error = &value["error"];
    let envelope = error["code"].as_u64() == Some(u64::from(status))
        && error["message"].is_string()
        && value.as_object().is_some_and(|o| o.len() == 1);
    (!envelope).then(|| format!("{status} body is not an error envelope: {value}"))
}

fn assert_acceptable(what: &str, status: u16, body: &[u8]) {
    if let Some(why) = violation(status, body) {
        panic!("{what}: {why}");
    }
}

// ---------------------------------------------------------------------------------------------
// Random input
// ---------------------------------------------------------------------------------------------

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::PATCH),
        Just(Method::DELETE),
        Just(Method::PUT),
        Just(Method::HEAD),
        Just(Method::OPTIONS),
        "[A-Z]{1,12}".prop_map(|m| Method::from_bytes(m.as_bytes()).unwrap()),
    ]
}

/// One path segment: plausible ids, name-shaped garbage, huge runs, `%` sequences, dots, unicode.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("projects".to_owned()),
        Just("locations".to_owned()),
        Just("us-central1".to_owned()),
        Just("global".to_owned()),
        Just("tuningJobs".to_owned()),
        Just("models".to_owned()),
        Just("operations".to_owned()),
        Just("endpoints".to_owned()),
        Just("..".to_owned()),
        Just(".".to_owned()),
        Just(String::new()),
        "[0-9]{1,25}",
        "[0-9]{1,5}(@|%40)[a-z0-9-]{0,10}(:[a-zA-Z]{0,20})?",
        "[a-z]{1,8}:[a-zA-Z]{1,20}",
        "(%[0-9A-Fa-f]{2}|%[^0-9A-Fa-f]{0,2}|%)+",
        "\\PC{1,12}",
        "[a-z]{2000,5000}",
    ]
}

/// Percent-encodes what a URI cannot carry, keeping `%` (so random `%` sequences get through).
fn uri_safe(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@%/".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

fn path() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![
        4 => Just("/v1".to_owned()),
        4 => Just("/v1beta1".to_owned()),
        1 => Just("/v2".to_owned()),
        1 => Just(String::new()),
        1 => Just("/_emulator".to_owned()),
        1 => Just("/storage/v1".to_owned()),
    ];
    let shaped = prop_oneof![
        Just(vec![]),
        prop::collection::vec(segment(), 0..10),
        (segment(), segment(), prop::collection::vec(segment(), 0..5)).prop_map(|(l, m, rest)| {
            let mut segments = vec![
                "projects".to_owned(),
                "p1".to_owned(),
                "locations".to_owned(),
                l,
                m,
            ];
            segments.extend(rest);
            segments
        }),
    ];
    (prefix, shaped).prop_map(|(prefix, segments)| {
        let joined: String = segments.iter().map(|s| format!("/{s}")).collect();
        let path = uri_safe(&format!("{prefix}{joined}"));
        if path.is_empty() {
            "/".to_owned()
        } else {
            path
        }
    })
}

fn query() -> impl Strategy<Value = String> {
    let pair = prop_oneof![
        Just("pageSize=-1".to_owned()),
        Just("pageSize=99999999999999999999".to_owned()),
        Just("pageToken=%FF%FE".to_owned()),
        Just("filter=state%3D%22".to_owned()),
        Just("filter=labels.%3A%3A%3A".to_owned()),
        Just("$alt=json;enum-encoding=int".to_owned()),
        Just("updateMask=%00".to_owned()),
        Just("orderBy=display_name%20sideways".to_owned()),
        "[a-zA-Z_$%]{0,10}=[\\PC]{0,20}",
    ];
    prop::collection::vec(pair, 0..4).prop_map(|pairs| uri_safe(&pairs.join("&")))
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,20}".prop_map(Value::String),
        Just(json!("gemini-2.5-flash")),
        Just(json!(SAMPLE_TRAIN_URI)),
        Just(json!(format!("{LOC}/models/2000000000000001@1"))),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        let keys = prop_oneof![
            Just("baseModel".to_owned()),
            Just("preTunedModel".to_owned()),
            Just("tunedModelName".to_owned()),
            Just("checkpointId".to_owned()),
            Just("supervisedTuningSpec".to_owned()),
            Just("trainingDatasetUri".to_owned()),
            Just("hyperParameters".to_owned()),
            Just("epochCount".to_owned()),
            Just("labels".to_owned()),
            Just("versionAliases".to_owned()),
            Just("displayName".to_owned()),
            Just("defaultCheckpointId".to_owned()),
            Just("encryptionSpec".to_owned()),
            "[a-zA-Z_]{1,12}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        // Truncated JSON.
        (json_value(), any::<prop::sample::Index>()).prop_map(|(v, cut)| {
            let bytes = serde_json::to_vec(&v).unwrap();
            let at = cut.index(bytes.len().max(1));
            bytes[..at.min(bytes.len())].to_vec()
        }),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_requests_never_get_a_5xx_and_4xx_is_always_an_envelope(
        method in method(),
        path in path(),
        query in query(),
        body in body(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let uri = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
        let app = app();
        let (status, response) = runtime.block_on(send(&app, method.clone(), &uri, Some("application/json"), body));
        if method == Method::HEAD {
            // HEAD answers carry no body by HTTP's rules; only the status can be checked.
            prop_assert!(response.is_empty());
            prop_assert!(status < 500, "HEAD {uri}: {status}");
            return Ok(());
        }
        prop_assert!(violation(status, &response).is_none(), "{method} {uri}: {:?}", violation(status, &response));
    }

    #[test]
    fn random_bodies_on_every_write_route_never_get_a_5xx(
        body in body(),
        target in 0usize..6,
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (method, uri) = [
            (Method::POST, format!("/v1/{LOC}/tuningJobs")),
            (Method::POST, format!("/v1beta1/{LOC}/tuningJobs/1000000000000001:cancel")),
            (Method::PATCH, format!("/v1/{LOC}/models/2000000000000001")),
            (Method::PATCH, format!("/v1/{LOC}/models/2000000000000001@1?updateMask=labels")),
            (Method::POST, format!("/v1/{LOC}/models/2000000000000001@1:mergeVersionAliases")),
            (Method::POST, format!("/v1/{LOC}/operations/4000000000000001:wait")),
        ][target].clone();
        let (status, response) = runtime.block_on(async {
            // A finished job and its model exist, so bodies reach the deeper checks.
            let app = app();
            let job = json!({"baseModel": "gemini-2.5-flash", "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE_TRAIN_URI}});
            let (status, _) = send(&app, Method::POST, &format!("/v1/{LOC}/tuningJobs"), None, serde_json::to_vec(&job).unwrap()).await;
            assert_eq!(status, 200);
            send(&app, Method::GET, &format!("/v1/{LOC}/tuningJobs"), None, Vec::new()).await;
            send(&app, method.clone(), &uri, Some("application/json"), body).await
        });
        prop_assert!(violation(status, &response).is_none(), "{method} {uri}: {:?}", violation(status, &response));
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic cases
// ---------------------------------------------------------------------------------------------

fn valid_job() -> Value {
    json!({
        "baseModel": "gemini-2.5-flash",
        "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE_TRAIN_URI}
    })
}

#[tokio::test]
async fn a_body_over_ten_mebibytes_is_invalid_argument_with_googles_wording() {
    let app = app();
    let mut body = serde_json::to_vec(&valid_job()).unwrap();
    body.pop();
    body.extend_from_slice(b", \"description\": \"");
    body.resize(10 * 1024 * 1024 + 1024, b'a');
    body.extend_from_slice(b"\"}");
    let (status, response) = send(
        &app,
        Method::POST,
        &format!("/v1/{LOC}/tuningJobs"),
        Some("application/json"),
        body,
    )
    .await;
    assert_acceptable("huge body", status, &response);
    assert_eq!(status, 400);
    let value: Value = serde_json::from_slice(&response).unwrap();
    assert_eq!(value["error"]["status"], "INVALID_ARGUMENT");
    assert_eq!(
        value["error"]["message"],
        "Request payload size exceeds the limit: 10485760 bytes."
    );
}

#[tokio::test]
async fn invalid_utf8_in_the_path_and_the_body_is_a_client_error() {
    let app = app();
    for uri in [
        "/v1/projects/%FF%FE/locations/us-central1/tuningJobs".to_owned(),
        format!("/v1/{LOC}/models/%C3%28"),
        format!("/v1/{LOC}/models/1%40%FF"),
        format!("/v1/{LOC}/tuningJobs/%ED%A0%80:cancel"),
    ] {
        let (status, body) = send(&app, Method::GET, &uri, None, Vec::new()).await;
        assert_acceptable(&uri, status, &body);
        assert!((400..500).contains(&status), "{uri}: {status}");
    }
    let mut bytes = b"{\"baseModel\": \"gemini-".to_vec();
    bytes.extend_from_slice(&[0xFF, 0xFE, 0xC3, 0x28]);
    bytes.extend_from_slice(b"\"}");
    let (status, body) = send(
        &app,
        Method::POST,
        &format!("/v1/{LOC}/tuningJobs"),
        Some("application/json"),
        bytes,
    )
    .await;
    assert_acceptable("invalid UTF-8 body", status, &body);
    assert_eq!(status, 400);
}

#[test]
fn json_nested_ten_thousand_deep_is_refused_without_overflowing_the_stack() {
    // Run on a thread with a small stack so that unbounded recursion would crash, not pass.
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let app = app();
                for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
                    let deep = format!("{}1{}", open.repeat(10_000), close.repeat(10_000));
                    let inside =
                        format!("{{\"baseModel\": \"gemini-2.5-flash\", \"labels\": {deep}}}");
                    for (method, uri, body) in [
                        (Method::POST, format!("/v1/{LOC}/tuningJobs"), deep.clone()),
                        (Method::POST, format!("/v1/{LOC}/tuningJobs"), inside),
                        (Method::PATCH, format!("/v1/{LOC}/models/1"), deep.clone()),
                        (
                            Method::POST,
                            format!("/v1/{LOC}/models/1@1:mergeVersionAliases"),
                            deep.clone(),
                        ),
                    ] {
                        let (status, response) =
                            send(&app, method, &uri, None, body.into_bytes()).await;
                        assert_acceptable(&uri, status, &response);
                        assert!((400..500).contains(&status), "{uri}: {status}");
                    }
                }
            });
        })
        .unwrap();
    handle.join().unwrap();
}

#[tokio::test]
async fn serde_json_refuses_nesting_past_its_recursion_limit() {
    // The guard the emulator relies on: serde_json stops at 128 levels by default.
    let ok = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    assert!(serde_json::from_str::<Value>(&ok).is_ok());
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let err = serde_json::from_str::<Value>(&deep).unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");
}

#[tokio::test]
async fn null_bytes_in_paths_queries_and_bodies_are_client_errors() {
    let app = app();
    for uri in [
        format!("/v1/{LOC}/models/1%00"),
        "/v1/projects/p%001/locations/us-central1/tuningJobs".to_owned(),
        format!("/v1/{LOC}/tuningJobs?filter=state%3D%00&pageToken=%00"),
    ] {
        let (status, body) = send(&app, Method::GET, &uri, None, Vec::new()).await;
        assert_acceptable(&uri, status, &body);
    }
    let mut job = valid_job();
    job["tunedModelDisplayName"] = json!("bad\u{0}name");
    job["labels"] = json!({"k\u{0}": "v"});
    let (status, body) = send(
        &app,
        Method::POST,
        &format!("/v1/{LOC}/tuningJobs"),
        None,
        serde_json::to_vec(&job).unwrap(),
    )
    .await;
    assert_acceptable("null byte label", status, &body);
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    let (status, body) = send(
        &app,
        Method::POST,
        &format!("/v1/{LOC}/tuningJobs"),
        None,
        b"{\"baseModel\":\"gemini-2.5-flash\"}\0".to_vec(),
    )
    .await;
    assert_acceptable("trailing null byte", status, &body);
    assert_eq!(status, 400);
}

#[tokio::test]
async fn duplicate_keys_do_not_crash_and_the_last_one_wins() {
    let app = app();
    let body = format!(
        "{{\"baseModel\": \"gemini-2.5-flash\", \"baseModel\": \"gemini-2.5-pro\", \
         \"supervisedTuningSpec\": {{\"trainingDatasetUri\": \"{SAMPLE_TRAIN_URI}\"}}}}"
    );
    let (status, response) = send(
        &app,
        Method::POST,
        &format!("/v1/{LOC}/tuningJobs"),
        None,
        body.into_bytes(),
    )
    .await;
    assert_acceptable("duplicate keys", status, &response);
    // Accepted, the last value winning, as serde_json and most JSON parsers do (the service's
    // behaviour is undocumented).
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&response));
    let job: Value = serde_json::from_slice(&response).unwrap();
    assert_eq!(job["baseModel"], "gemini-2.5-pro");
    // camelCase and snake_case spellings of one field are the same field twice.
    let body = format!(
        "{{\"base_model\": \"gemini-2.5-flash\", \"baseModel\": \"gemini-2.5-flash\", \
         \"supervisedTuningSpec\": {{\"trainingDatasetUri\": \"{SAMPLE_TRAIN_URI}\"}}}}"
    );
    let (status, response) = send(
        &app,
        Method::POST,
        &format!("/v1/{LOC}/tuningJobs"),
        None,
        body.into_bytes(),
    )
    .await;
    assert_acceptable("both spellings", status, &response);
}

#[tokio::test]
async fn any_or_no_content_type_is_accepted() {
    let app = app();
    for content_type in [
        None,
        Some("application/json"),
        Some("application/json; charset=utf-8"),
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("garbage"),
    ] {
        let (status, body) = send(
            &app,
            Method::POST,
            &format!("/v1/{LOC}/tuningJobs"),
            content_type,
            serde_json::to_vec(&valid_job()).unwrap(),
        )
        .await;
        assert_eq!(
            status,
            200,
            "{content_type:?}: {}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[tokio::test]
async fn wrong_json_types_name_the_field() {
    let app = app();
    let cases = [
        (json!([]), None),
        (json!("a string"), None),
        (json!(42), None),
        (json!({"baseModel": 7}), Some("base_model")),
        (
            json!({"baseModel": "gemini-2.5-flash", "labels": ["a"]}),
            Some("labels"),
        ),
        (
            json!({"baseModel": "gemini-2.5-flash", "supervisedTuningSpec": {"hyperParameters": {"epochCount": "many"}}}),
            Some("epoch_count"),
        ),
        (
            json!({"baseModel": "gemini-2.5-flash", "supervisedTuningSpec": {"hyperParameters": {"epochCount": 1e300}}}),
            Some("epoch_count"),
        ),
        (
            json!({"baseModel": "gemini-2.5-flash", "supervisedTuningSpec": {"exportLastCheckpointOnly": "yes"}}),
            Some("export_last_checkpoint_only"),
        ),
    ];
    for (body, field) in cases {
        let (status, response) = send(
            &app,
            Method::POST,
            &format!("/v1/{LOC}/tuningJobs"),
            None,
            serde_json::to_vec(&body).unwrap(),
        )
        .await;
        assert_acceptable(&body.to_string(), status, &response);
        assert_eq!(status, 400, "{body}");
        if let Some(field) = field {
            let text = String::from_utf8_lossy(&response);
            let camel = field
                .split('_')
                .enumerate()
                .fold(String::new(), |mut s, (i, w)| {
                    if i == 0 {
                        s.push_str(w);
                    } else {
                        let mut c = w.chars();
                        s.extend(c.next().map(|f| f.to_ascii_uppercase()));
                        s.push_str(c.as_str());
                    }
                    s
                });
            assert!(
                text.contains(field) || text.contains(&camel),
                "{body}: {field} not in {text}"
            );
        }
    }
}

/// The `field`s of the `google.rpc.BadRequest` detail of an error body.
fn violated_fields(body: &[u8]) -> Vec<String> {
    let value: Value = serde_json::from_slice(body).unwrap_or_default();
    value["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["@type"] == "type.googleapis.com/google.rpc.BadRequest")
        .flat_map(|d| d["fieldViolations"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v["field"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_list_or_scalar_where_a_message_belongs_names_the_message() {
    let app = app();
    let spec = |hyper: Value| {
        json!({"baseModel": "gemini-2.5-flash",
               "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE_TRAIN_URI, "hyperParameters": hyper}})
    };
    let cases = [
        (
            spec(json!([])),
            "tuning_job.supervised_tuning_spec.hyper_parameters",
        ),
        (
            spec(json!("x")),
            "tuning_job.supervised_tuning_spec.hyper_parameters",
        ),
        (
            json!({"baseModel": "gemini-2.5-flash", "supervisedTuningSpec": [1]}),
            "tuning_job.supervised_tuning_spec",
        ),
        (
            json!({"preTunedModel": [], "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE_TRAIN_URI}}),
            "tuning_job.pre_tuned_model",
        ),
        (
            json!({"baseModel": "gemini-2.5-flash", "encryptionSpec": [], "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE_TRAIN_URI}}),
            "tuning_job.encryption_spec",
        ),
    ];
    for (body, field) in cases {
        let (status, response) = send(
            &app,
            Method::POST,
            &format!("/v1/{LOC}/tuningJobs"),
            None,
            serde_json::to_vec(&body).unwrap(),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(violated_fields(&response), [field], "{body}");
    }
    let (status, response) = send(
        &app,
        Method::PATCH,
        &format!("/v1/{LOC}/models/1"),
        None,
        br#"{"encryptionSpec": [], "displayName": "m"}"#.to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(violated_fields(&response), ["model.encryption_spec"]);
}

#[tokio::test]
async fn a_base_model_with_surrounding_whitespace_is_invalid_argument() {
    let app = app();
    for base in [
        "gemini-2.5-flash ",
        "gemini-2.5-flash\n",
        "\tgemini-2.5-flash",
        " ",
    ] {
        let mut body = valid_job();
        body["baseModel"] = json!(base);
        let (status, response) = send(
            &app,
            Method::POST,
            &format!("/v1/{LOC}/tuningJobs"),
            None,
            serde_json::to_vec(&body).unwrap(),
        )
        .await;
        assert_eq!(status, 400, "{base:?}");
        assert_eq!(
            violated_fields(&response),
            ["tuning_job.base_model"],
            "{base:?}"
        );
    }
}

const LISTS: [&str; 6] = [
    "tuningJobs",
    "models",
    "models/1:listVersions",
    "models/1:listCheckpoints",
    "models/1@2:listCheckpoints",
    "operations",
];

#[tokio::test]
async fn a_blank_page_size_is_invalid_argument_on_every_list() {
    let app = app();
    for list in LISTS {
        for size in ["%20", "+", "1%0A"] {
            let uri = format!("/v1/{LOC}/{list}?pageSize={size}");
            let (status, response) = send(&app, Method::GET, &uri, None, Vec::new()).await;
            assert_eq!(status, 400, "{uri}");
            assert_eq!(violated_fields(&response), ["page_size"], "{uri}");
        }
    }
}

#[tokio::test]
async fn an_unparsable_page_token_is_invalid_argument_on_every_list() {
    let app = app();
    for list in LISTS {
        for token in ["c3a9", "%20", "j5eed5eef", "AQxAAAAAAAAAAGQAAAAAAAAAAA"] {
            let uri = format!("/v1/{LOC}/{list}?pageToken={token}");
            let (status, response) = send(&app, Method::GET, &uri, None, Vec::new()).await;
            assert_eq!(status, 400, "{uri}");
            assert_eq!(violated_fields(&response), ["page_token"], "{uri}");
        }
    }
}

#[tokio::test]
async fn a_page_token_is_bound_to_the_filter_it_was_issued_for() {
    let app = app();
    for _ in 0..3 {
        let (status, _) = send(
            &app,
            Method::POST,
            &format!("/v1/{LOC}/tuningJobs"),
            None,
            serde_json::to_vec(&valid_job()).unwrap(),
        )
        .await;
        assert_eq!(status, 200);
    }
    let first = format!("/v1/{LOC}/tuningJobs?pageSize=1&filter=base_model%3Dgemini-2.5-flash");
    let (status, page) = send(&app, Method::GET, &first, None, Vec::new()).await;
    assert_eq!(status, 200);
    let page: Value = serde_json::from_slice(&page).unwrap();
    let token = page["nextPageToken"].as_str().unwrap().to_owned();

    let same = format!("{first}&pageToken={token}");
    let (status, next) = send(&app, Method::GET, &same, None, Vec::new()).await;
    assert_eq!(status, 200);
    let next: Value = serde_json::from_slice(&next).unwrap();
    assert_ne!(next["tuningJobs"][0]["name"], page["tuningJobs"][0]["name"]);

    let other = format!("/v1/{LOC}/tuningJobs?pageSize=1&pageToken={token}");
    let (status, response) = send(&app, Method::GET, &other, None, Vec::new()).await;
    assert_eq!(status, 400);
    assert_eq!(violated_fields(&response), ["page_token"]);
    let text = String::from_utf8_lossy(&response);
    assert!(
        text.contains("another parent, filter or order_by"),
        "{text}"
    );

    let other_list = format!("/v1/{LOC}/models?pageToken={token}");
    let (status, response) = send(&app, Method::GET, &other_list, None, Vec::new()).await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&response).contains("issued by ListTuningJobs"));
}

/// The emulator's own routes (admin API, metadata server, token endpoint) asked with a method
/// they do not serve answer like an unknown route: 404 in Google's envelope, not an empty 405.
#[tokio::test]
async fn a_method_an_emulator_route_does_not_serve_is_a_not_found_envelope() {
    let app = app();
    for (method, uri) in [
        (Method::OPTIONS, "/_emulator/projects"),
        (Method::DELETE, "/_emulator/health"),
        (Method::PUT, "/_emulator/clock"),
        (Method::PATCH, "/computeMetadata/v1/project/project-id"),
    ] {
        let (status, body) = send(&app, method.clone(), uri, None, Vec::new()).await;
        assert_eq!(status, 404, "{method} {uri}");
        assert_acceptable(&format!("{method} {uri}"), status, &body);
        let message = serde_json::from_slice::<Value>(&body).unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(&format!("(method {method})")), "{message}");
    }
}
