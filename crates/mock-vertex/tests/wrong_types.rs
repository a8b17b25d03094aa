//! Property: a wrongly typed value in any field of a CreateTuningJob or UpdateModel body is 400
//! INVALID_ARGUMENT naming that field, never a 2xx and never a 5xx.
//!
//! Each case takes a valid body, replaces one field (at any depth) with a value of another JSON
//! type than the field's proto type, sends it through the router in-process, and reads the
//! `google.rpc.BadRequest` field violations of the answer.

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

/// The proto3 JSON type of a field, which decides what a wrong value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Message,
    Int64,
    Double,
    Bool,
    Enum,
    Timestamp,
    StringMap,
    RepeatedString,
    RepeatedMessage,
}

/// A field: its JSON path (camelCase keys), its proto path, and its type.
type Field = (&'static [&'static str], &'static str, Kind);

const JOB_FIELDS: &[Field] = &[
    (&["baseModel"], "tuning_job.base_model", Kind::String),
    (
        &["tunedModelDisplayName"],
        "tuning_job.tuned_model_display_name",
        Kind::String,
    ),
    (&["description"], "tuning_job.description", Kind::String),
    (
        &["serviceAccount"],
        "tuning_job.service_account",
        Kind::String,
    ),
    (&["name"], "tuning_job.name", Kind::String),
    (
        &["customBaseModel"],
        "tuning_job.custom_base_model",
        Kind::String,
    ),
    (&["labels"], "tuning_job.labels", Kind::StringMap),
    (&["state"], "tuning_job.state", Kind::Enum),
    (&["createTime"], "tuning_job.create_time", Kind::Timestamp),
    (
        &["encryptionSpec"],
        "tuning_job.encryption_spec",
        Kind::Message,
    ),
    (
        &["encryptionSpec", "kmsKeyName"],
        "tuning_job.encryption_spec.kms_key_name",
        Kind::String,
    ),
    (
        &["preTunedModel"],
        "tuning_job.pre_tuned_model",
        Kind::Message,
    ),
    (&["tunedModel"], "tuning_job.tuned_model", Kind::Message),
    (&["error"], "tuning_job.error", Kind::Message),
    (
        &["evaluateDatasetRuns"],
        "tuning_job.evaluate_dataset_runs",
        Kind::RepeatedMessage,
    ),
    (
        &["supervisedTuningSpec"],
        "tuning_job.supervised_tuning_spec",
        Kind::Message,
    ),
    (
        &["supervisedTuningSpec", "trainingDatasetUri"],
        "tuning_job.supervised_tuning_spec.training_dataset_uri",
        Kind::String,
    ),
    (
        &["supervisedTuningSpec", "validationDatasetUri"],
        "tuning_job.supervised_tuning_spec.validation_dataset_uri",
        Kind::String,
    ),
    (
        &["supervisedTuningSpec", "exportLastCheckpointOnly"],
        "tuning_job.supervised_tuning_spec.export_last_checkpoint_only",
        Kind::Bool,
    ),
    (
        &["supervisedTuningSpec", "hyperParameters"],
        "tuning_job.supervised_tuning_spec.hyper_parameters",
        Kind::Message,
    ),
    (
        &["supervisedTuningSpec", "hyperParameters", "epochCount"],
        "tuning_job.supervised_tuning_spec.hyper_parameters.epoch_count",
        Kind::Int64,
    ),
    (
        &[
            "supervisedTuningSpec",
            "hyperParameters",
            "learningRateMultiplier",
        ],
        "tuning_job.supervised_tuning_spec.hyper_parameters.learning_rate_multiplier",
        Kind::Double,
    ),
    (
        &["supervisedTuningSpec", "hyperParameters", "adapterSize"],
        "tuning_job.supervised_tuning_spec.hyper_parameters.adapter_size",
        Kind::Enum,
    ),
];

/// Fields under `preTunedModel`, sent in a continuous-tuning body (no `baseModel`).
const PRE_TUNED_FIELDS: &[Field] = &[
    (
        &["preTunedModel", "tunedModelName"],
        "tuning_job.pre_tuned_model.tuned_model_name",
        Kind::String,
    ),
    (
        &["preTunedModel", "checkpointId"],
        "tuning_job.pre_tuned_model.checkpoint_id",
        Kind::String,
    ),
];

const MODEL_FIELDS: &[Field] = &[
    (&["displayName"], "model.display_name", Kind::String),
    (&["description"], "model.description", Kind::String),
    (
        &["versionDescription"],
        "model.version_description",
        Kind::String,
    ),
    (
        &["defaultCheckpointId"],
        "model.default_checkpoint_id",
        Kind::String,
    ),
    (&["etag"], "model.etag", Kind::String),
    (&["name"], "model.name", Kind::String),
    (&["labels"], "model.labels", Kind::StringMap),
    (
        &["versionAliases"],
        "model.version_aliases",
        Kind::RepeatedString,
    ),
    (&["checkpoints"], "model.checkpoints", Kind::RepeatedMessage),
    (&["encryptionSpec"], "model.encryption_spec", Kind::Message),
    (
        &["baseModelSource"],
        "model.base_model_source",
        Kind::Message,
    ),
    (&["createTime"], "model.create_time", Kind::Timestamp),
];

/// A value of another JSON type than `kind` (and, for strings and enums, a value no parser takes).
fn wrong_value(kind: Kind) -> BoxedStrategy<Value> {
    let number = prop_oneof![any::<i64>().prop_map(Value::from), Just(json!(1.5))];
    let string = "[a-z ]{0,8}".prop_map(Value::from);
    let boolean = any::<bool>().prop_map(Value::from);
    let array = prop_oneof![Just(json!([])), Just(json!([1])), Just(json!(["a", {}]))];
    let object = prop_oneof![Just(json!({})), Just(json!({"x": 1}))];
    match kind {
        Kind::String => prop_oneof![number, boolean, array, object].boxed(),
        Kind::Message => prop_oneof![number, string, boolean, array].boxed(),
        Kind::Int64 => prop_oneof![
            Just(json!(1.5)),
            Just(json!("many")),
            Just(json!("")),
            boolean,
            array,
            object
        ]
        .boxed(),
        Kind::Double => prop_oneof![Just(json!("fast")), boolean, array, object].boxed(),
        Kind::Bool => prop_oneof![number, string, array, object].boxed(),
        Kind::Enum => prop_oneof![
            Just(json!("NO_SUCH_VALUE")),
            Just(json!(1.5)),
            boolean,
            array,
            object
        ]
        .boxed(),
        Kind::Timestamp => {
            prop_oneof![Just(json!("yesterday")), number, boolean, array, object].boxed()
        }
        Kind::StringMap => prop_oneof![
            number,
            string,
            boolean,
            array,
            Just(json!({"a": 1})),
            Just(json!({"a": {}}))
        ]
        .boxed(),
        Kind::RepeatedString => prop_oneof![
            number,
            string,
            boolean,
            object,
            Just(json!([1])),
            Just(json!([null])),
            Just(json!([{}]))
        ]
        .boxed(),
        Kind::RepeatedMessage => prop_oneof![
            number,
            string,
            boolean,
            object,
            Just(json!([1])),
            Just(json!([null])),
            Just(json!([[]]))
        ]
        .boxed(),
    }
}

fn valid_job() -> Value {
    json!({
        "baseModel": "gemini-2.5-flash",
        "supervisedTuningSpec": {
            "trainingDatasetUri": SAMPLE_TRAIN_URI,
            "hyperParameters": {"epochCount": 1}
        }
    })
}

fn valid_continuous_job() -> Value {
    json!({
        "preTunedModel": {"tunedModelName": format!("{LOC}/models/1"), "checkpointId": "1"},
        "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE_TRAIN_URI}
    })
}

/// `body` with the field at `path` set to `value` (parents created as objects).
fn with_field(mut body: Value, path: &[&str], value: Value) -> Value {
    let (last, parents) = path.split_last().expect("a field path is not empty");
    let mut at = &mut body;
    for key in parents {
        if !at[*key].is_object() {
            at[*key] = json!({});
        }
        at = &mut at[*key];
    }
    at[*last] = value;
    body
}

/// A case: which body, which field, which wrong value.
fn case(fields: &'static [Field]) -> impl Strategy<Value = (Field, Value)> {
    (0..fields.len()).prop_flat_map(move |i| {
        let field = fields[i];
        wrong_value(field.2).prop_map(move |v| (field, v))
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Sends `body` and returns the status and the fields the answer names.
fn send(
    rt: &tokio::runtime::Runtime,
    app: &Router,
    method: Method,
    uri: &str,
    body: &Value,
) -> (u16, Vec<String>, String) {
    rt.block_on(async {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::from(serde_json::to_vec(body).unwrap()))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value: Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let fields = value["error"]["details"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|d| d["fieldViolations"].as_array().cloned().unwrap_or_default())
            .filter_map(|v| v["field"].as_str().map(str::to_owned))
            .collect();
        (status, fields, String::from_utf8_lossy(&bytes).into_owned())
    })
}

/// The field named is `expected` or inside it (`labels["a"]`, `version_aliases[0]`).
fn names(fields: &[String], expected: &str) -> bool {
    fields.iter().any(|f| {
        f == expected
            || f.strip_prefix(expected)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

fn app() -> Router {
    router(Emulator::builder().jobs(JobSpeed::Instant).build())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_wrongly_typed_create_tuning_job_field_is_400_naming_it(
        ((path, field, _), value) in case(JOB_FIELDS),
    ) {
        let (rt, app) = (runtime(), app());
        let body = with_field(valid_job(), path, value);
        // Under /v1beta1, which knows every field listed (some, such as `customBaseModel`, are
        // unknown names under /v1).
        let (status, fields, text) =
            send(&rt, &app, Method::POST, &format!("/v1beta1/{LOC}/tuningJobs"), &body);
        prop_assert_eq!(status, 400, "{} -> {}", body, text);
        prop_assert!(names(&fields, field), "{} -> {:?} ({})", body, fields, text);
    }

    #[test]
    fn a_wrongly_typed_pre_tuned_model_field_is_400_naming_it(
        ((path, field, _), value) in case(PRE_TUNED_FIELDS),
    ) {
        let (rt, app) = (runtime(), app());
        let body = with_field(valid_continuous_job(), path, value);
        let (status, fields, text) =
            send(&rt, &app, Method::POST, &format!("/v1/{LOC}/tuningJobs"), &body);
        prop_assert_eq!(status, 400, "{} -> {}", body, text);
        prop_assert!(names(&fields, field), "{} -> {:?} ({})", body, fields, text);
    }

    #[test]
    fn a_wrongly_typed_update_model_field_is_400_naming_it(
        ((path, field, _), value) in case(MODEL_FIELDS),
        mask in prop_oneof![Just(""), Just("?updateMask=displayName")],
    ) {
        let (rt, app) = (runtime(), app());
        let body = with_field(json!({"displayName": "m"}), path, value);
        let uri = format!("/v1/{LOC}/models/1{mask}");
        let (status, fields, text) = send(&rt, &app, Method::PATCH, &uri, &body);
        prop_assert_eq!(status, 400, "{} -> {}", body, text);
        prop_assert!(names(&fields, field), "{} -> {:?} ({})", body, fields, text);
    }
}

/// The bodies the properties start from pass every request check, so a 400 above is the wrong
/// value's doing (the continuous body and the update name model 1, which does not exist: 404).
#[test]
fn the_valid_bodies_are_not_refused() {
    let (rt, app) = (runtime(), app());
    let uri = format!("/v1/{LOC}/tuningJobs");
    assert_eq!(send(&rt, &app, Method::POST, &uri, &valid_job()).0, 200);
    assert_eq!(
        send(&rt, &app, Method::POST, &uri, &valid_continuous_job()).0,
        404
    );
    let model = format!("/v1/{LOC}/models/1");
    let body = json!({"displayName": "m"});
    assert_eq!(send(&rt, &app, Method::PATCH, &model, &body).0, 404);
}
