//! Tests of the REST wire shapes: both spellings in, canonical proto3 JSON out, errors with paths.

use std::collections::BTreeMap;

use proptest::prelude::*;
use retune_model::hyperparameters::AdapterSize;
use retune_model::job_state::{JobState, TuningJobState};
use retune_model::wire::{self, *};
use retune_model::{Code, Timestamp};
use serde_json::{Value, json};

/// The body google-genai 3.6.1 sends for plain SFT with every option (spec §9.4).
const SDK_SFT_BODY: &str = r#"{"baseModel": "gemini-2.5-flash",
 "supervisedTuningSpec": {"trainingDatasetUri": "gs://b/t.jsonl", "validationDatasetUri": "gs://b/v.jsonl",
   "hyperParameters": {"epochCount": 5, "learningRateMultiplier": 1.0, "adapterSize": "ADAPTER_SIZE_FOUR"},
   "exportLastCheckpointOnly": true},
 "tunedModelDisplayName": "m", "description": "d", "labels": {"a": "b"},
 "encryptionSpec": {"kms_key_name": "projects/x/locations/us-central1/keyRings/r/cryptoKeys/k"}}"#;

/// The body google-genai 3.6.1 sends for continuous tuning with a checkpoint (spec §9.4).
const SDK_CONTINUOUS_BODY: &str = r#"{"preTunedModel": {"checkpoint_id": "2", "tuned_model_name": "projects/p1/locations/us-central1/models/9@1"},
 "supervisedTuningSpec": {"trainingDatasetUri": "gs://b/t.jsonl", "hyperParameters": {"epochCount": 2}}}"#;

/// What a GAPIC (google-cloud-aiplatform REST) client sends: int64 as strings, enums as numbers.
const GAPIC_BODY: &str = r#"{"preTunedModel": {"tunedModelName": "projects/p1/locations/us-central1/models/9@golden", "checkpointId": "2"},
 "supervisedTuningSpec": {"trainingDatasetUri": "gs://b/t.jsonl",
   "hyperParameters": {"epochCount": "3", "learningRateMultiplier": 1.0, "adapterSize": 2}},
 "labels": {"team": "nlp"}}"#;

fn encoded(value: &impl serde::Serialize, enums: EnumEncoding) -> Value {
    serde_json::from_slice(&wire::encode(value, enums)).unwrap()
}

fn job_err(body: &str) -> WireError {
    wire::decode::<TuningJob>(body.as_bytes()).unwrap_err()
}

#[test]
fn sdk_sft_body_decodes_with_snake_case_inside_encryption_spec() {
    let job: TuningJob = wire::decode(SDK_SFT_BODY.as_bytes()).unwrap();
    assert_eq!(job.base_model.as_deref(), Some("gemini-2.5-flash"));
    assert_eq!(job.tuned_model_display_name, "m");
    assert_eq!(job.description, "d");
    assert_eq!(job.labels, BTreeMap::from([("a".into(), "b".into())]));
    assert_eq!(
        job.encryption_spec.unwrap().kms_key_name,
        "projects/x/locations/us-central1/keyRings/r/cryptoKeys/k"
    );
    let spec = job.supervised_tuning_spec.unwrap();
    assert_eq!(spec.training_dataset_uri, "gs://b/t.jsonl");
    assert_eq!(spec.validation_dataset_uri, "gs://b/v.jsonl");
    assert!(spec.export_last_checkpoint_only);
    let hp = spec.hyper_parameters.unwrap();
    assert_eq!(hp.epoch_count, Some(5));
    assert_eq!(hp.learning_rate_multiplier, Some(1.0));
    assert_eq!(hp.adapter_size, Some(AdapterSize::Four));
}

#[test]
fn sdk_continuous_body_decodes_with_snake_case_pre_tuned_model() {
    let job: TuningJob = wire::decode(SDK_CONTINUOUS_BODY.as_bytes()).unwrap();
    let pre = job.pre_tuned_model.unwrap();
    assert_eq!(
        pre.tuned_model_name,
        "projects/p1/locations/us-central1/models/9@1"
    );
    assert_eq!(pre.checkpoint_id, "2");
    assert_eq!(pre.base_model, "");
    assert_eq!(job.base_model, None);
    let hp = job
        .supervised_tuning_spec
        .unwrap()
        .hyper_parameters
        .unwrap();
    assert_eq!(hp.epoch_count, Some(2));
    assert_eq!(hp.adapter_size, None);
}

#[test]
fn gapic_body_with_int64_strings_and_integer_enums_decodes() {
    let job: TuningJob = wire::decode(GAPIC_BODY.as_bytes()).unwrap();
    let hp = job
        .supervised_tuning_spec
        .unwrap()
        .hyper_parameters
        .unwrap();
    assert_eq!(hp.epoch_count, Some(3));
    assert_eq!(hp.adapter_size, Some(AdapterSize::Four));
    assert_eq!(job.pre_tuned_model.unwrap().checkpoint_id, "2");
}

#[test]
fn output_is_camel_case_with_int64_strings_and_enum_names() {
    let job: TuningJob = wire::decode(SDK_CONTINUOUS_BODY.as_bytes()).unwrap();
    assert_eq!(
        encoded(&job, EnumEncoding::Names),
        json!({
            "preTunedModel": {"tunedModelName": "projects/p1/locations/us-central1/models/9@1", "checkpointId": "2"},
            "supervisedTuningSpec": {"trainingDatasetUri": "gs://b/t.jsonl", "hyperParameters": {"epochCount": "2"}}
        })
    );
}

#[test]
fn enums_are_numbers_when_int_encoding_is_asked() {
    let job = TuningJob {
        state: Some(JobState::Running),
        tuning_job_state: Some(TuningJobState::Tuning),
        supervised_tuning_spec: Some(SupervisedTuningSpec {
            hyper_parameters: Some(SupervisedHyperParameters {
                adapter_size: Some(AdapterSize::Two),
                ..Default::default()
            }),
            tuning_mode: Some(TuningMode::PeftAdapter),
            ..Default::default()
        }),
        ..Default::default()
    };
    let ints = encoded(&job, EnumEncoding::Ints);
    assert_eq!(ints["state"], json!(3));
    assert_eq!(ints["tuningJobState"], json!(4));
    assert_eq!(
        ints["supervisedTuningSpec"]["hyperParameters"]["adapterSize"],
        json!(6)
    );
    assert_eq!(ints["supervisedTuningSpec"]["tuningMode"], json!(2));
    let names = encoded(&job, EnumEncoding::Names);
    assert_eq!(names["state"], json!("JOB_STATE_RUNNING"));
    assert_eq!(
        names["supervisedTuningSpec"]["hyperParameters"]["adapterSize"],
        json!("ADAPTER_SIZE_TWO")
    );
    // Both decode back to the same value.
    for v in [ints, names] {
        let back: TuningJob = wire::decode(v.to_string().as_bytes()).unwrap();
        assert_eq!(back, job);
    }
}

#[test]
fn int_encoding_does_not_leak_into_later_encodes() {
    let job = TuningJob {
        state: Some(JobState::Succeeded),
        ..Default::default()
    };
    let _ = wire::encode(&job, EnumEncoding::Ints);
    assert_eq!(
        encoded(&job, EnumEncoding::Names)["state"],
        json!("JOB_STATE_SUCCEEDED")
    );
    assert_eq!(
        serde_json::to_value(&job).unwrap()["state"],
        json!("JOB_STATE_SUCCEEDED")
    );
}

#[test]
fn enum_encoding_is_read_from_raw_query_strings() {
    for q in [
        "$alt=json;enum-encoding=int",
        "%24alt=json%3Benum-encoding%3Dint",
        "pageSize=10&%24alt=json%3Benum-encoding%3Dint&pageToken=",
        "alt=json;enum-encoding=int",
    ] {
        assert_eq!(EnumEncoding::from_query(Some(q)), EnumEncoding::Ints, "{q}");
    }
    for q in [
        "",
        "$alt=json",
        "enum-encoding=int",
        "filter=enum-encoding%3Dint",
        "$alt=json;enum-encoding=string",
    ] {
        assert_eq!(
            EnumEncoding::from_query(Some(q)),
            EnumEncoding::Names,
            "{q}"
        );
    }
}

#[test]
fn default_values_are_omitted() {
    assert_eq!(
        wire::encode(&TuningJob::default(), EnumEncoding::Names),
        b"{}"
    );
    assert_eq!(wire::encode(&Model::default(), EnumEncoding::Names), b"{}");
    let cp = TunedModelCheckpoint {
        checkpoint_id: "1".into(),
        ..Default::default()
    };
    assert_eq!(
        encoded(&cp, EnumEncoding::Names),
        json!({"checkpointId": "1"})
    );
    let spec = SupervisedTuningSpec {
        export_last_checkpoint_only: false,
        ..Default::default()
    };
    assert_eq!(wire::encode(&spec, EnumEncoding::Names), b"{}");
}

#[test]
fn int64_is_accepted_as_number_or_string_and_rejected_otherwise() {
    for (raw, want) in [
        ("5", 5),
        ("\"5\"", 5),
        ("\"-7\"", -7),
        ("5.0", 5),
        ("\"9223372036854775807\"", i64::MAX),
    ] {
        let body = format!(
            r#"{{"supervisedTuningSpec": {{"hyperParameters": {{"epochCount": {raw}}}}}}}"#
        );
        let job: TuningJob = wire::decode(body.as_bytes()).unwrap();
        assert_eq!(
            job.supervised_tuning_spec
                .unwrap()
                .hyper_parameters
                .unwrap()
                .epoch_count,
            Some(want),
            "{raw}"
        );
    }
    for raw in [
        "\"abc\"",
        "1.5",
        "\"1.5\"",
        "\"\"",
        "\"9223372036854775808\"",
        "18446744073709551615",
        "true",
        "[1]",
        "\" 5\"",
    ] {
        let body = format!(
            r#"{{"supervisedTuningSpec": {{"hyperParameters": {{"epochCount": {raw}}}}}}}"#
        );
        let err = job_err(&body);
        assert_eq!(err.kind(), WireErrorKind::InvalidValue, "{raw}");
        assert_eq!(
            err.field(),
            "tuning_job.supervised_tuning_spec.hyper_parameters.epoch_count",
            "{raw}"
        );
    }
}

#[test]
fn int64_type_error_is_worded_like_google() {
    let err = job_err(r#"{"supervisedTuningSpec": {"hyperParameters": {"epochCount": "abc"}}}"#);
    assert_eq!(
        err.to_string(),
        r#"Invalid value at 'tuning_job.supervised_tuning_spec.hyper_parameters.epoch_count' (TYPE_INT64), "abc""#
    );
}

#[test]
fn repeated_int64_is_written_as_strings() {
    let stats = SupervisedTuningDataStats {
        tuning_dataset_example_count: 100,
        truncated_example_indices: vec![1, 7],
        user_input_token_distribution: Some(DatasetDistribution {
            sum: 5000,
            billable_sum: 4000,
            mean: 50.5,
            buckets: vec![DatasetBucket {
                count: 3.0,
                left: 1.0,
                right: 10.0,
            }],
            ..Default::default()
        }),
        ..Default::default()
    };
    let v = encoded(&stats, EnumEncoding::Names);
    assert_eq!(
        v,
        json!({
            "tuningDatasetExampleCount": "100",
            "userInputTokenDistribution": {"sum": "5000", "billableSum": "4000", "mean": 50.5,
                "buckets": [{"count": 3.0, "left": 1.0, "right": 10.0}]},
            "truncatedExampleIndices": ["1", "7"]
        })
    );
    let back: TuningDataStats = wire::decode(
        json!({"supervisedTuningDataStats": v})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(back.supervised_tuning_data_stats, Some(stats));
}

#[test]
fn unknown_field_is_rejected_with_its_path() {
    let err =
        job_err(r#"{"supervisedTuningSpec": {"trainingDatasetUri": "gs://b/t.jsonl", "foo": 1}}"#);
    assert_eq!(err.kind(), WireErrorKind::UnknownField);
    assert_eq!(err.field(), "tuning_job.supervised_tuning_spec");
    assert_eq!(
        err.to_string(),
        r#"Invalid JSON payload received. Unknown name "foo" at 'tuning_job.supervised_tuning_spec': Cannot find field."#
    );
    let err = job_err(r#"{"fooBar": 1}"#);
    assert_eq!(err.field(), "tuning_job");
    assert!(
        err.to_string()
            .contains(r#"Unknown name "fooBar" at 'tuning_job'"#)
    );
}

#[test]
fn unknown_field_error_becomes_a_bad_request_envelope() {
    let env = job_err(r#"{"supervisedTuningSpec": {"foo": 1}}"#).to_envelope();
    let v = encoded(&env, EnumEncoding::Names);
    assert_eq!(v["error"]["code"], json!(400));
    assert_eq!(v["error"]["status"], json!("INVALID_ARGUMENT"));
    assert_eq!(
        v["error"]["details"][0]["@type"],
        json!("type.googleapis.com/google.rpc.BadRequest")
    );
    assert_eq!(
        v["error"]["details"][0]["fieldViolations"][0]["field"],
        json!("tuning_job.supervised_tuning_spec")
    );
}

#[test]
fn source_model_oneof_conflict_is_rejected() {
    let err = job_err(
        r#"{"baseModel": "gemini-2.5-flash", "preTunedModel": {"tunedModelName": "projects/p/locations/l/models/1"}}"#,
    );
    assert_eq!(err.kind(), WireErrorKind::OneofConflict);
    assert_eq!(err.field(), "tuning_job.pre_tuned_model");
    assert_eq!(
        err.to_string(),
        "Invalid JSON payload received. Oneof field 'source_model' is already set. Cannot set 'preTunedModel'"
    );
}

#[test]
fn tuning_spec_oneof_conflict_is_rejected() {
    let err = job_err(r#"{"supervisedTuningSpec": {}, "preferenceOptimizationSpec": {}}"#);
    assert_eq!(err.kind(), WireErrorKind::OneofConflict);
    assert_eq!(err.field(), "tuning_job.preference_optimization_spec");
    let err = job_err(r#"{"supervised_tuning_spec": {}, "veo_tuning_spec": {}}"#);
    assert_eq!(err.field(), "tuning_job.veo_tuning_spec");
    assert!(
        err.to_string()
            .contains("Oneof field 'tuning_spec' is already set. Cannot set 'veoTuningSpec'")
    );
}

#[test]
fn out_of_scope_tuning_specs_are_recognised() {
    let job: TuningJob =
        wire::decode(br#"{"baseModel": "x", "distillationSpec": {"a": 1}}"#).unwrap();
    assert_eq!(job.tuning_specs_set(), vec!["distillationSpec"]);
    let job: TuningJob = wire::decode(br#"{"reinforcement_tuning_spec": {}}"#).unwrap();
    assert_eq!(job.tuning_specs_set(), vec!["reinforcementTuningSpec"]);
}

#[test]
fn pre_tuned_model_given_as_a_string_names_the_field_and_asks_for_an_object() {
    let err = job_err(
        r#"{"preTunedModel": "gemini-2.5-flash", "supervisedTuningSpec": {"trainingDatasetUri": "gs://b/t.jsonl"}}"#,
    );
    assert_eq!(err.kind(), WireErrorKind::InvalidValue);
    assert_eq!(err.field(), "tuning_job.pre_tuned_model");
    assert!(err.to_string().contains("object"), "{err}");
    assert!(err.to_string().contains("\"gemini-2.5-flash\""), "{err}");
    assert!(
        err.to_string()
            .contains("google.cloud.aiplatform.v1.PreTunedModel"),
        "{err}"
    );
}

#[test]
fn unknown_enum_names_and_numbers_are_rejected_naming_the_value() {
    let err = job_err(
        r#"{"supervisedTuningSpec": {"hyperParameters": {"adapterSize": "ADAPTER_SIZE_FIVE"}}}"#,
    );
    assert_eq!(
        err.field(),
        "tuning_job.supervised_tuning_spec.hyper_parameters.adapter_size"
    );
    assert!(err.to_string().contains("\"ADAPTER_SIZE_FIVE\""));
    let err = job_err(r#"{"state": 42}"#);
    assert_eq!(err.field(), "tuning_job.state");
    assert!(err.to_string().contains("42"));
}

#[test]
fn camel_and_snake_spelling_of_one_field_together_is_a_duplicate() {
    let err = job_err(r#"{"tunedModelDisplayName": "a", "tuned_model_display_name": "b"}"#);
    assert_eq!(err.kind(), WireErrorKind::DuplicateField);
    assert_eq!(err.field(), "tuning_job.tuned_model_display_name");
}

#[test]
fn null_means_not_set() {
    let job: TuningJob = wire::decode(
        br#"{"baseModel": null, "description": null, "preTunedModel": {"tunedModelName": "n"}}"#,
    )
    .unwrap();
    assert_eq!(job.base_model, None);
    assert_eq!(job.pre_tuned_model.unwrap().tuned_model_name, "n");
}

#[test]
fn timestamps_are_written_with_z_and_read_with_any_offset() {
    let body = br#"{"createTime": "2025-08-01T09:00:00.123456789+09:00", "updateTime": "2025-08-01T00:00:00Z"}"#;
    let job: TuningJob = wire::decode(body).unwrap();
    assert_eq!(
        job.create_time,
        Some(
            "2025-08-01T00:00:00.123456789Z"
                .parse::<Timestamp>()
                .unwrap()
        )
    );
    let v = encoded(&job, EnumEncoding::Names);
    assert_eq!(v["createTime"], json!("2025-08-01T00:00:00.123456789Z"));
    assert_eq!(v["updateTime"], json!("2025-08-01T00:00:00Z"));
    let err = job_err(r#"{"createTime": "2025-08-01 00:00:00"}"#);
    assert_eq!(err.field(), "tuning_job.create_time");
    assert!(err.to_string().contains("google.protobuf.Timestamp"));
}

#[test]
fn succeeded_job_round_trips() {
    let job = TuningJob {
        name: "projects/123/locations/us-central1/tuningJobs/456".into(),
        tuned_model_display_name: "my-model".into(),
        pre_tuned_model: Some(PreTunedModel {
            tuned_model_name: "projects/123/locations/us-central1/models/9@golden".into(),
            checkpoint_id: "2".into(),
            base_model: "gemini-2.5-flash".into(),
        }),
        supervised_tuning_spec: Some(SupervisedTuningSpec {
            training_dataset_uri: "gs://b/t.jsonl".into(),
            hyper_parameters: Some(SupervisedHyperParameters {
                epoch_count: Some(3),
                learning_rate_multiplier: Some(0.5),
                adapter_size: Some(AdapterSize::Sixteen),
                ..Default::default()
            }),
            ..Default::default()
        }),
        state: Some(JobState::Succeeded),
        create_time: Some(Timestamp::from_unix_seconds(1_754_006_400)),
        end_time: Some(Timestamp::from_unix_nanos(1_754_010_000_123_000_000)),
        labels: BTreeMap::from([("team".into(), "nlp".into())]),
        experiment:
            "projects/123/locations/us-central1/metadataStores/default/contexts/tuning-experiment-1"
                .into(),
        tuned_model: Some(TunedModel {
            model: "projects/123/locations/us-central1/models/9@3".into(),
            endpoint: "projects/123/locations/us-central1/endpoints/111".into(),
            checkpoints: vec![TunedModelCheckpoint {
                checkpoint_id: "1".into(),
                epoch: 1,
                step: 10,
                endpoint: "projects/123/locations/us-central1/endpoints/110".into(),
            }],
        }),
        tuning_job_metadata: Some(TuningJobMetadata {
            completed_epoch_count: 3,
            completed_step_count: 30,
        }),
        error: None,
        ..Default::default()
    };
    for enums in [EnumEncoding::Names, EnumEncoding::Ints] {
        let back: TuningJob = wire::decode(&wire::encode(&job, enums)).unwrap();
        assert_eq!(back, job);
    }
    let v = encoded(&job, EnumEncoding::Names);
    assert_eq!(
        v["tunedModel"]["checkpoints"][0],
        json!({"checkpointId": "1", "epoch": "1", "step": "10",
        "endpoint": "projects/123/locations/us-central1/endpoints/110"})
    );
    assert_eq!(v["endTime"], json!("2025-08-01T01:00:00.123Z"));
}

#[test]
fn cancel_accepts_an_empty_body_or_empty_object() {
    assert_eq!(
        wire::decode::<CancelTuningJobRequest>(b"").unwrap(),
        CancelTuningJobRequest::default()
    );
    assert_eq!(
        wire::decode::<CancelTuningJobRequest>(b"{}").unwrap(),
        CancelTuningJobRequest::default()
    );
    let err = wire::decode::<TuningJob>(b"  ").unwrap_err();
    assert_eq!(err.kind(), WireErrorKind::EmptyBody);
}

#[test]
fn syntax_errors_and_non_object_roots_are_rejected() {
    assert_eq!(job_err("{").kind(), WireErrorKind::Syntax);
    assert_eq!(job_err("[]").kind(), WireErrorKind::Syntax);
    assert_eq!(job_err("\"x\"").kind(), WireErrorKind::Syntax);
    assert!(
        job_err("{")
            .to_string()
            .starts_with("Invalid JSON payload received.")
    );
}

#[test]
fn evaluation_config_keys_are_camel_cased() {
    let body = br#"{"supervisedTuningSpec": {"trainingDatasetUri": "gs://b/t.jsonl",
        "evaluationConfig": {"metrics": [{"aggregation_metrics": ["AVERAGE"], "bleu_spec": {}}],
                             "outputConfig": {"gcs_destination": {"output_uri_prefix": "gs://b/out"}}}}}"#;
    let job: TuningJob = wire::decode(body).unwrap();
    let v = encoded(&job, EnumEncoding::Names);
    assert_eq!(
        v["supervisedTuningSpec"]["evaluationConfig"],
        json!({"metrics": [{"aggregationMetrics": ["AVERAGE"], "bleuSpec": {}}],
               "outputConfig": {"gcsDestination": {"outputUriPrefix": "gs://b/out"}}})
    );
}

#[test]
fn model_decodes_sdk_patch_body_and_round_trips() {
    let patch: Model =
        wire::decode(br#"{"displayName": "d", "description": "x", "defaultCheckpointId": "2"}"#)
            .unwrap();
    assert_eq!(patch.default_checkpoint_id, "2");
    let model = Model {
        name: "projects/p/locations/l/models/9@2".into(),
        version_id: "2".into(),
        version_aliases: vec!["default".into(), "golden".into()],
        display_name: "m".into(),
        default_checkpoint_id: "2".into(),
        checkpoints: vec![Checkpoint {
            checkpoint_id: "1".into(),
            epoch: 1,
            step: 10,
        }],
        deployed_models: vec![DeployedModelRef {
            endpoint: "projects/p/locations/l/endpoints/1".into(),
            deployed_model_id: "7".into(),
        }],
        model_source_info: Some(ModelSourceInfo {
            source_type: Some(ModelSourceType::Genie),
            copy: false,
        }),
        base_model_source: Some(BaseModelSource {
            model_garden_source: Some(ModelGardenSource {
                public_model_name: "publishers/google/models/gemini-2.5-flash".into(),
                ..Default::default()
            }),
            genie_source: None,
        }),
        version_create_time: Some(Timestamp::from_unix_seconds(0)),
        ..Default::default()
    };
    for enums in [EnumEncoding::Names, EnumEncoding::Ints] {
        assert_eq!(
            wire::decode::<Model>(&wire::encode(&model, enums)).unwrap(),
            model
        );
    }
    assert_eq!(
        encoded(&model, EnumEncoding::Ints)["modelSourceInfo"]["sourceType"],
        json!(5)
    );
    assert_eq!(
        encoded(&model, EnumEncoding::Names)["checkpoints"][0]["step"],
        json!("10")
    );
}

#[test]
fn list_responses_decode_and_check_nested_oneofs() {
    let list: ListModelVersionCheckpointsResponse = wire::decode(
        br#"{"checkpoints": [{"checkpointId": "1", "epoch": "1", "step": "10"}, {"checkpoint_id": "2", "epoch": 2, "step": 20}], "nextPageToken": "t"}"#,
    )
    .unwrap();
    assert_eq!(list.checkpoints[1].step, 20);
    assert_eq!(list.next_page_token, "t");
    let err = wire::decode::<ListTuningJobsResponse>(
        br#"{"tuningJobs": [{"name": "a"}, {"baseModel": "x", "preTunedModel": {}}]}"#,
    )
    .unwrap_err();
    assert_eq!(err.field(), "tuning_jobs[1].pre_tuned_model");
    let err = wire::decode::<ListModelsResponse>(br#"{"models": [{"versionId": 2}]}"#).unwrap_err();
    assert_eq!(err.field(), "models[0].version_id");
}

#[test]
fn merge_version_aliases_request_decodes_both_spellings() {
    for body in [
        &br#"{"versionAliases": ["golden", "-old"]}"#[..],
        br#"{"version_aliases": ["golden", "-old"]}"#,
    ] {
        let r: MergeVersionAliasesRequest = wire::decode(body).unwrap();
        assert_eq!(r.version_aliases, vec!["golden", "-old"]);
    }
    let err = wire::decode::<MergeVersionAliasesRequest>(br#"{"aliases": []}"#).unwrap_err();
    assert_eq!(err.field(), "");
    assert_eq!(
        err.to_string(),
        r#"Invalid JSON payload received. Unknown name "aliases": Cannot find field."#
    );
}

#[test]
fn operation_carries_typed_metadata_and_response() {
    let op = Operation::deleted(
        "projects/p/locations/l/operations/5",
        GenericOperationMetadata {
            create_time: Some(Timestamp::from_unix_seconds(1)),
            ..Default::default()
        },
    );
    let v = encoded(&op, EnumEncoding::Names);
    assert_eq!(
        v["metadata"]["@type"],
        json!("type.googleapis.com/google.cloud.aiplatform.v1.DeleteOperationMetadata")
    );
    assert_eq!(
        v["metadata"]["genericMetadata"]["createTime"],
        json!("1970-01-01T00:00:01Z")
    );
    assert_eq!(
        v["response"],
        json!({"@type": "type.googleapis.com/google.protobuf.Empty"})
    );
    let back: Operation = wire::decode(&wire::encode(&op, EnumEncoding::Names)).unwrap();
    let meta: DeleteOperationMetadata = back.metadata_as().unwrap().unwrap();
    assert_eq!(
        meta.generic_metadata.unwrap().create_time,
        Some(Timestamp::from_unix_seconds(1))
    );
    let empty: Empty = back.response_as().unwrap().unwrap();
    assert_eq!(empty, Empty {});
    let err = wire::decode::<Operation>(br#"{"done": true, "error": {"code": 5}, "response": {}}"#)
        .unwrap_err();
    assert_eq!(err.kind(), WireErrorKind::OneofConflict);
}

#[test]
fn error_envelope_and_status_helpers() {
    let env = ErrorEnvelope::new(Code::FailedPrecondition, "not eligible").with_detail(
        ErrorInfo::new("PRE_TUNED_MODEL_NOT_ELIGIBLE")
            .with_metadata("model", "m")
            .to_detail(),
    );
    let v = encoded(&env, EnumEncoding::Names);
    assert_eq!(
        v,
        json!({"error": {"code": 400, "message": "not eligible", "status": "FAILED_PRECONDITION",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "PRE_TUNED_MODEL_NOT_ELIGIBLE",
                         "domain": "aiplatform.googleapis.com", "metadata": {"model": "m"}}]}})
    );
    let back: ErrorEnvelope = wire::decode(v.to_string().as_bytes()).unwrap();
    assert_eq!(back.code(), Some(Code::FailedPrecondition));
    assert_eq!(back.to_status().code, 9);
    let cancelled = Status::new(Code::Cancelled, "cancelled");
    assert_eq!(
        encoded(&cancelled, EnumEncoding::Names),
        json!({"code": 1, "message": "cancelled"})
    );
    let d = BadRequest::new([(
        "tuning_job.supervised_tuning_spec.training_dataset_uri",
        "required",
    )])
    .to_detail();
    assert_eq!(
        wire::any_type(&d),
        Some("type.googleapis.com/google.rpc.BadRequest")
    );
}

#[test]
fn endpoint_round_trips() {
    let e = Endpoint {
        name: "projects/p/locations/l/endpoints/1".into(),
        deployed_models: vec![DeployedModel {
            id: "7".into(),
            model: "projects/p/locations/l/models/9".into(),
            model_version_id: "2".into(),
            checkpoint_id: "3".into(),
            ..Default::default()
        }],
        traffic_split: BTreeMap::from([("7".into(), 100)]),
        ..Default::default()
    };
    let back: Endpoint = wire::decode(&wire::encode(&e, EnumEncoding::Names)).unwrap();
    assert_eq!(back, e);
}

#[test]
fn doubles_accept_strings_and_write_non_finite_values_as_strings() {
    let job: TuningJob = wire::decode(
        br#"{"supervisedTuningSpec": {"hyperParameters": {"learningRateMultiplier": "0.5"}}}"#,
    )
    .unwrap();
    let hp = job
        .supervised_tuning_spec
        .unwrap()
        .hyper_parameters
        .unwrap();
    assert_eq!(hp.learning_rate_multiplier, Some(0.5));
    let hp = SupervisedHyperParameters {
        learning_rate_multiplier: Some(f64::INFINITY),
        ..Default::default()
    };
    assert_eq!(
        encoded(&hp, EnumEncoding::Names),
        json!({"learningRateMultiplier": "Infinity"})
    );
    let err = job_err(
        r#"{"supervisedTuningSpec": {"hyperParameters": {"learningRateMultiplier": "fast"}}}"#,
    );
    assert!(err.to_string().contains("(TYPE_DOUBLE)"));
}

proptest! {
    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = wire::decode::<TuningJob>(&bytes);
        let _ = wire::decode::<Model>(&bytes);
        let _ = wire::decode::<CancelTuningJobRequest>(&bytes);
        let _ = wire::decode::<Operation>(&bytes);
    }

    #[test]
    fn decoding_arbitrary_json_shaped_text_never_panics(s in r#"\{("[a-zA-Z_]{1,20}": ?("[^"]{0,10}"|-?[0-9.e]{1,12}|\{\}|\[\]|null|true), ?){0,4}\}"#) {
        let _ = wire::decode::<TuningJob>(s.as_bytes());
        let _ = wire::decode::<SupervisedTuningSpecProbe>(s.as_bytes());
    }

    #[test]
    fn int64_string_round_trips(n in any::<i64>()) {
        let cp = Checkpoint { checkpoint_id: "1".into(), epoch: n, step: 1 };
        let back: Model = wire::decode(&wire::encode(&Model { checkpoints: vec![cp.clone()], ..Default::default() }, EnumEncoding::Names)).unwrap();
        prop_assert_eq!(&back.checkpoints[0], &cp);
    }

    #[test]
    fn enum_query_detection_never_panics(q in ".*") {
        let _ = EnumEncoding::from_query(Some(&q));
    }
}

/// A wrapper so the property test also drives decoding of a nested message at the root.
#[derive(Debug, serde::Deserialize)]
#[serde(transparent)]
struct SupervisedTuningSpecProbe(#[allow(dead_code)] SupervisedTuningSpec);

impl WireMessage for SupervisedTuningSpecProbe {
    const PROTO_NAME: &'static str = "supervised_tuning_spec";
}

#[test]
fn lenient_decoding_drops_unknown_fields_anywhere_and_reports_them() {
    let body = br#"{"tuningJobs": [{"name": "a", "newTop": 1}, {"name": "b", "tunedModel": {"checkpoints": [{"checkpointId": "1", "extra_thing": true}]}}],
                    "unreachable": ["x"]}"#;
    let (list, ignored) = wire::decode_lenient::<ListTuningJobsResponse>(body).unwrap();
    assert_eq!(list.tuning_jobs.len(), 2);
    assert_eq!(
        list.tuning_jobs[1]
            .tuned_model
            .as_ref()
            .unwrap()
            .checkpoints[0]
            .checkpoint_id,
        "1"
    );
    assert_eq!(
        ignored,
        vec![
            "tuning_jobs[0].new_top",
            "tuning_jobs[1].tuned_model.checkpoints[0].extra_thing",
            "unreachable"
        ]
    );
}

#[test]
fn lenient_decoding_still_rejects_wrong_types_and_oneof_conflicts() {
    let err =
        wire::decode_lenient::<TuningJob>(br#"{"state": "JOB_STATE_NOPE", "x": 1}"#).unwrap_err();
    assert_eq!(err.field(), "tuning_job.state");
    let err =
        wire::decode_lenient::<TuningJob>(br#"{"baseModel": "a", "preTunedModel": {}, "x": 1}"#)
            .unwrap_err();
    assert_eq!(err.kind(), WireErrorKind::OneofConflict);
}

#[test]
fn null_inside_a_list_is_rejected_naming_the_element() {
    let err = wire::decode::<MergeVersionAliasesRequest>(br#"{"versionAliases": ["a", null]}"#)
        .unwrap_err();
    assert_eq!(err.field(), "version_aliases[1]");
    assert_eq!(
        err.to_string(),
        "Invalid value at 'version_aliases[1]' (TYPE_STRING), null"
    );
}

#[test]
fn a_list_where_a_message_belongs_is_refused_with_the_field_path() {
    for (body, field) in [
        (
            r#"{"supervisedTuningSpec": {"trainingDatasetUri": "gs://b/t.jsonl", "hyperParameters": []}}"#,
            "tuning_job.supervised_tuning_spec.hyper_parameters",
        ),
        (
            r#"{"supervisedTuningSpec": [1]}"#,
            "tuning_job.supervised_tuning_spec",
        ),
        (r#"{"preTunedModel": []}"#, "tuning_job.pre_tuned_model"),
        (r#"{"encryptionSpec": ["k"]}"#, "tuning_job.encryption_spec"),
    ] {
        let err = job_err(body);
        assert_eq!(err.kind(), WireErrorKind::InvalidValue, "{body}");
        assert_eq!(err.field(), field, "{body}");
        assert!(
            err.message().contains("a JSON object is expected here"),
            "{body}: {err}"
        );
    }
    let err = wire::decode::<Model>(br#"{"encryptionSpec": []}"#).unwrap_err();
    assert_eq!(err.field(), "model.encryption_spec");
}

/// A generateContent body that sets every field of `Content`, `Part` and `GenerationConfig` as
/// the v1 and v1beta1 protos declare them (content.proto: `Part.thought_signature = 11`,
/// `Part.media_resolution = 12` (v1), `GenerationConfig.model_config = 27` (v1beta1), ...), as a
/// client echoing a real response back would send: every one is accepted.
#[test]
fn every_field_of_the_content_part_and_generation_config_protos_is_accepted() {
    let part = json!({
        "text": "hi", "thought": true, "thoughtSignature": "c2lnbmF0dXJl",
        "mediaResolution": {"level": "MEDIA_RESOLUTION_LOW"},
        "videoMetadata": {"startOffset": "1s"},
    });
    let data_parts = [
        json!({"inlineData": {"mimeType": "image/png", "data": "AAAA"}}),
        json!({"fileData": {"mimeType": "image/png", "fileUri": "gs://b/o.png"}}),
        json!({"functionCall": {"name": "f", "args": {}}}),
        json!({"functionResponse": {"name": "f", "response": {}}}),
        json!({"executableCode": {"language": "PYTHON", "code": "1"}}),
        json!({"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1"}}),
    ];
    let mut parts = vec![part];
    parts.extend(data_parts);
    let body = json!({
        "contents": [{"role": "user", "parts": parts}],
        "generationConfig": {
            "temperature": 0.5, "topP": 0.9, "topK": 40, "candidateCount": 1,
            "maxOutputTokens": 64, "stopSequences": ["x"], "responseLogprobs": true,
            "logprobs": 2, "presencePenalty": 0.1, "frequencyPenalty": 0.1, "seed": 7,
            "responseMimeType": "text/plain", "responseSchema": {"type": "STRING"},
            "responseJsonSchema": {"type": "string"}, "routingConfig": {"autoMode": {}},
            "audioTimestamp": true, "responseModalities": ["TEXT"],
            "mediaResolution": "MEDIA_RESOLUTION_LOW", "speechConfig": {},
            "thinkingConfig": {"thinkingBudget": 0}, "modelConfig": {"featureSelectionPreference": "BALANCED"},
            "imageConfig": {"aspectRatio": "1:1"},
        },
    });
    let request: GenerateContentRequest =
        wire::decode(body.to_string().as_bytes()).expect("every proto field is known");
    let decoded = &request.contents[0].parts[0];
    assert_eq!(decoded.thought_signature, "c2lnbmF0dXJl");
    assert!(decoded.media_resolution.is_some());
    let config = request.generation_config.expect("generationConfig");
    assert!(config.model_config.is_some());
    assert_eq!(config.max_output_tokens, Some(64));
}
