//! `/v1` and `/v1beta1` know different `TuningJob` fields: the v1beta1-only ones
//! (`retune_model::wire::V1BETA1_ONLY`) are unknown names under `/v1`, in requests and in
//! responses. The table is checked here against the vendored protos
//! (`google/cloud/aiplatform/{v1,v1beta1}/tuning_job.proto`, compiled into `DESCRIPTOR_SET`).

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use prost_reflect::{DescriptorPool, MessageDescriptor};
use retune_model::wire::{FieldSource, V1BETA1_ONLY};
use serde_json::json;

mod support;
use mock_vertex::storage::SAMPLE_TRAIN_URI;
use support::App;

const LOC: &str = "projects/p1/locations/us-central1";

fn pool() -> DescriptorPool {
    DescriptorPool::decode(mock_vertex::grpc::DESCRIPTOR_SET).unwrap()
}

fn message(pool: &DescriptorPool, version: &str, name: &str) -> Option<MessageDescriptor> {
    pool.get_message_by_name(&format!("google.cloud.aiplatform.{version}.{name}"))
}

fn json_names(message: &Option<MessageDescriptor>) -> BTreeSet<String> {
    message
        .iter()
        .flat_map(|m| m.fields().map(|f| f.json_name().to_owned()))
        .collect()
}

/// Each entry from the protos is a field of the v1beta1 message and not of the v1 one; each
/// entry from the REST surface is in neither proto snapshot (else it would be a proto entry).
#[test]
fn the_v1beta1_only_table_agrees_with_the_protos() {
    let pool = pool();
    for entry in V1BETA1_ONLY {
        let v1 = json_names(&message(&pool, "v1", entry.message));
        let v1beta1 = json_names(&message(&pool, "v1beta1", entry.message));
        assert!(
            !v1.contains(entry.field),
            "v1 {} has {}",
            entry.message,
            entry.field
        );
        match entry.source {
            FieldSource::Proto => assert!(
                v1beta1.contains(entry.field),
                "v1beta1 {} lacks {}",
                entry.message,
                entry.field
            ),
            FieldSource::RestSurface(_) => assert!(
                !v1beta1.contains(entry.field),
                "{}.{} is in the v1beta1 proto: mark it so",
                entry.message,
                entry.field
            ),
        }
    }
}

/// Every field the v1beta1 proto adds to a message the emulator reads is in the table.
#[test]
fn every_field_the_v1beta1_proto_adds_is_refused_under_v1() {
    let pool = pool();
    for name in [
        "TuningJob",
        "SupervisedTuningSpec",
        "SupervisedHyperParameters",
        "TuningDataStats",
        "PreTunedModel",
        "TunedModel",
        "TunedModelCheckpoint",
        "EvaluateDatasetRun",
        "SupervisedTuningDataStats",
    ] {
        let v1 = json_names(&message(&pool, "v1", name));
        let v1beta1 = json_names(&message(&pool, "v1beta1", name));
        let listed: BTreeSet<String> = V1BETA1_ONLY
            .iter()
            .filter(|e| e.message == name)
            .map(|e| e.field.to_owned())
            .collect();
        let added: BTreeSet<String> = v1beta1.difference(&v1).cloned().collect();
        let missing: Vec<_> = added.difference(&listed).collect();
        assert!(
            missing.is_empty(),
            "{name}: v1beta1-only {missing:?} not listed"
        );
    }
}

#[tokio::test]
async fn v1_refuses_a_v1beta1_field_nested_in_the_tuning_spec_as_an_unknown_name() {
    let app = App::instant();
    // tuning_job.proto (v1beta1): SupervisedHyperParameters.batch_size = 5; not in v1.
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/{LOC}/tuningJobs"),
            Some(json!({
                "baseModel": "gemini-2.5-flash",
                "supervisedTuningSpec": {
                    "trainingDatasetUri": SAMPLE_TRAIN_URI,
                    "hyperParameters": {"epochCount": 1, "batchSize": 8}
                }
            })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
    assert_eq!(
        body["error"]["message"],
        "Invalid JSON payload received. Unknown name \"batchSize\" at \
         'tuning_job.supervised_tuning_spec.hyper_parameters': Cannot find field."
    );
    let violations = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["@type"] == "type.googleapis.com/google.rpc.BadRequest")
        .map(|d| d["fieldViolations"].clone())
        .unwrap();
    assert_eq!(
        violations[0]["field"],
        "tuning_job.supervised_tuning_spec.hyper_parameters"
    );
}

#[tokio::test]
async fn v1_refuses_top_level_fields_of_v1beta1_and_of_no_proto() {
    let app = App::instant();
    for (field, value) in [
        // tuning_job.proto (v1beta1) TuningJob.output_uri = 25, custom_base_model = 26.
        ("outputUri", json!("gs://b/out")),
        ("customBaseModel", json!("gs://b/weights")),
        // In no tuning_job.proto: google-genai's v1beta1 TuningJob alone has it.
        ("evaluationConfig", json!({})),
        // In no TuningJob of either proto.
        ("satisfiesPzs", json!(true)),
    ] {
        let mut job = json!({
            "baseModel": "gemini-2.5-flash",
            "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE_TRAIN_URI}
        });
        job[field] = value;
        let (status, body) = app
            .call(Method::POST, &format!("/v1/{LOC}/tuningJobs"), Some(job))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
        assert_eq!(
            body["error"]["message"],
            format!(
                "Invalid JSON payload received. Unknown name \"{field}\" at 'tuning_job': Cannot find field."
            )
        );
    }
}

#[tokio::test]
async fn v1beta1_knows_the_tuning_mode_and_v1_does_not_show_it() {
    let app = App::instant();
    // tuning_job.proto (v1beta1): SupervisedTuningSpec.tuning_mode = 7; not in v1.
    let created = app
        .ok(
            Method::POST,
            &format!("/v1beta1/{LOC}/tuningJobs"),
            Some(json!({
                "baseModel": "gemini-2.5-flash",
                "supervisedTuningSpec": {
                    "trainingDatasetUri": SAMPLE_TRAIN_URI,
                    "tuningMode": "TUNING_MODE_PEFT_ADAPTER"
                }
            })),
        )
        .await;
    let name = created["name"].as_str().unwrap();
    let beta = app.ok(Method::GET, &format!("/v1beta1/{name}"), None).await;
    assert_eq!(
        beta["supervisedTuningSpec"]["tuningMode"],
        "TUNING_MODE_PEFT_ADAPTER"
    );
    assert!(beta.get("tuningJobMetadata").is_some(), "{beta}");

    let v1 = app.ok(Method::GET, &format!("/v1/{name}"), None).await;
    assert_eq!(
        v1["supervisedTuningSpec"]["trainingDatasetUri"],
        SAMPLE_TRAIN_URI
    );
    assert!(
        v1["supervisedTuningSpec"].get("tuningMode").is_none(),
        "{v1}"
    );
    assert!(v1.get("tuningJobMetadata").is_none(), "{v1}");
    assert!(v1.get("tuningJobState").is_none(), "{v1}");
}

#[tokio::test]
async fn v1_refuses_a_v1beta1_field_in_the_tuning_job_of_a_rebase() {
    let app = App::instant();
    // genai_tuning_service.proto: RebaseTunedModelRequest.tuning_job = 3 is a TuningJob, so its
    // v1beta1-only fields (tuning_job.proto v1beta1 TuningJob.output_uri = 25) are unknown on /v1.
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/{LOC}/tuningJobs:rebaseTunedModel"),
            Some(json!({
                "tunedModelRef": {"tunedModel": format!("{LOC}/models/1")},
                "tuningJob": {"outputUri": "gs://b/out"}
            })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["error"]["message"],
        "Invalid JSON payload received. Unknown name \"outputUri\" at 'tuning_job': Cannot find field."
    );
}
