//! Continuous tuning through the client: plans, every refusal reason (all reported at once and
//! before anything is sent), and lineage back to the foundation model.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use mock_vertex::{Emulator, JobSpeed, ManualClock, SeedTunedModel};
use retune_client::lineage::Origin;
use retune_client::transport::{InProcess, Transport, TransportError};
use retune_client::{Client, ClientConfig, Error};
use retune_model::Code;
use retune_model::Timestamp;
use retune_model::continuous::{Refusal, TuningOutcome};
use retune_model::job_state::JobState;
use retune_model::names::{CheckpointId, KmsKeyName, LocationName, ModelRef, VersionId};
use support::*;

const KEY: &str = "projects/test-project/locations/us-central1/keyRings/ring/cryptoKeys/key";
const OTHER_KEY: &str =
    "projects/test-project/locations/us-central1/keyRings/ring/cryptoKeys/other";

/// A client and a recorder over one emulator.
fn recorded(emulator: &Emulator) -> (Client, Arc<Recorder>) {
    let recorder = Recorder::new(Arc::new(InProcess::new(mock_vertex::router(
        emulator.clone(),
    ))));
    (client_over(recorder.clone()), recorder)
}

#[track_caller]
fn refusals(result: Result<impl std::fmt::Debug, Error>) -> Vec<Refusal> {
    match result {
        Err(Error::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn at(model: &ModelRef, selector: &str) -> ModelRef {
    format!("{}@{selector}", model.name())
        .parse()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(start_paused = true)]
async fn dry_run_resolves_default_version_and_checkpoint_without_sending() -> TestResult {
    let emulator = instant_emulator();
    let (client, recorder) = recorded(&emulator);
    let (_, v1) = tune(&client, "gemini-2.5-flash", |s| {
        s.with_display_name("bot").with_epoch_count(3)
    })
    .await;
    let posts_before = recorder.count(&http::Method::POST, "");

    let plan = client
        .continue_tuning(v1.name().clone().into(), sample_data())
        .dry_run()
        .await?;
    assert_eq!(plan.version, VersionId::FIRST);
    assert_eq!(
        plan.checkpoint,
        CheckpointId::from_number(3),
        "the default checkpoint is the last"
    );
    assert_eq!(
        plan.outcome,
        TuningOutcome::NewVersion {
            parent: v1.name().clone()
        }
    );
    assert_eq!(plan.root_base_model.id(), "gemini-2.5-flash");
    assert_eq!(
        recorder.count(&http::Method::POST, ""),
        posts_before,
        "a dry run sends no job"
    );
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn send_pins_the_resolved_version_and_checkpoint() -> TestResult {
    let client = in_process(&instant_emulator());
    let (_, v1) = tune(&client, "gemini-2.5-flash", |s| {
        s.with_display_name("bot").with_epoch_count(2)
    })
    .await;
    let continued = client
        .continue_tuning(v1.name().clone().into(), sample_data())
        .checkpoint(CheckpointId::from_number(1))
        .spec(|s| s.with_epoch_count(1))
        .send()
        .await?;
    let pre = continued
        .job
        .pre_tuned_model
        .as_ref()
        .ok_or("preTunedModel")?;
    assert_eq!(pre.tuned_model_name, format!("{}@1", v1.name()));
    assert_eq!(pre.checkpoint_id, "1");
    let done = client
        .wait_for_job(&job_name(&continued.job))
        .until_done()
        .await?;
    let model = done
        .tuned_model()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert_eq!(
        model,
        format!("{}@2", v1.name()),
        "a new version of the same model"
    );
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_different_display_name_plans_a_new_model() -> TestResult {
    let client = in_process(&instant_emulator());
    let (_, v1) = tune(&client, "gemini-2.5-flash", |s| s.with_display_name("bot")).await;
    let plan = client
        .continue_tuning(v1.clone(), sample_data())
        .display_name("bot-v2")
        .dry_run()
        .await?;
    assert_eq!(
        plan.outcome,
        TuningOutcome::NewModel {
            display_name: "bot-v2".into()
        }
    );
    let same = client
        .continue_tuning(v1, sample_data())
        .display_name("bot")
        .dry_run()
        .await?;
    assert!(matches!(same.outcome, TuningOutcome::NewVersion { .. }));
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn unknown_version_alias_and_model_level_selector_are_refused() -> TestResult {
    let emulator = instant_emulator();
    let (client, recorder) = recorded(&emulator);
    let (_, v1) = tune(&client, "gemini-2.5-flash", |s| s).await;
    let posts = recorder.count(&http::Method::POST, "");
    for (selector, code) in [
        ("9", Code::NotFound),
        ("nope", Code::NotFound),
        ("-", Code::InvalidArgument),
    ] {
        let r = refusals(
            client
                .continue_tuning(at(&v1, selector), sample_data())
                .send()
                .await,
        );
        assert!(
            matches!(r.as_slice(), [Refusal::Version { .. }]),
            "@{selector}: {r:?}"
        );
        assert_eq!(r[0].code(), code, "@{selector}");
    }
    assert_eq!(
        recorder.count(&http::Method::POST, ""),
        posts,
        "nothing was sent"
    );
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn unknown_checkpoint_is_refused() -> TestResult {
    let client = in_process(&instant_emulator());
    let (_, v1) = tune(&client, "gemini-2.5-flash", |s| s.with_epoch_count(2)).await;
    let r = refusals(
        client
            .continue_tuning(v1, sample_data())
            .checkpoint(CheckpointId::from_number(7))
            .dry_run()
            .await,
    );
    assert!(
        matches!(r.as_slice(), [Refusal::Checkpoint { .. }]),
        "{r:?}"
    );
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn base_model_without_continuous_tuning_is_refused() -> TestResult {
    let client = in_process(&instant_emulator());
    let (_, v1) = tune(&client, "gemini-2.0-flash-001", |s| s).await;
    let r = refusals(client.continue_tuning(v1, sample_data()).dry_run().await);
    assert!(
        matches!(r.as_slice(), [Refusal::BaseModelNotSupported { .. }]),
        "{r:?}"
    );
    assert_eq!(r[0].code(), Code::FailedPrecondition);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn kms_key_must_match_the_pre_tuned_model() -> TestResult {
    let client = in_process(&instant_emulator());
    let key: KmsKeyName = KEY.parse()?;
    let (_, v1) = tune(&client, "gemini-2.5-flash", |s| s.with_kms_key(key.clone())).await;

    let none = refusals(
        client
            .continue_tuning(v1.clone(), sample_data())
            .dry_run()
            .await,
    );
    assert!(
        matches!(none.as_slice(), [Refusal::KmsKeyMismatch { .. }]),
        "{none:?}"
    );
    let other = refusals(
        client
            .continue_tuning(v1.clone(), sample_data())
            .kms_key(OTHER_KEY.parse()?)
            .dry_run()
            .await,
    );
    assert!(
        matches!(other.as_slice(), [Refusal::KmsKeyMismatch { .. }]),
        "{other:?}"
    );
    client
        .continue_tuning(v1, sample_data())
        .kms_key(key)
        .dry_run()
        .await?;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn every_reason_is_reported_at_once() -> TestResult {
    let client = in_process(&instant_emulator());
    let (_, v1) = tune(&client, "gemini-2.5-flash", |s| {
        s.with_kms_key(KEY.parse().unwrap_or_else(|e| panic!("{e}")))
    })
    .await;
    let r = refusals(
        client
            .continue_tuning(v1, sample_data())
            .checkpoint(CheckpointId::from_number(99))
            .kms_key(OTHER_KEY.parse()?)
            .dry_run()
            .await,
    );
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(r.iter().any(|x| matches!(x, Refusal::Checkpoint { .. })));
    assert!(
        r.iter()
            .any(|x| matches!(x, Refusal::KmsKeyMismatch { .. }))
    );
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn model_tuned_before_the_cutoff_is_refused() -> TestResult {
    let start = Timestamp::from_date(2025, 6, 1).ok_or("date")?;
    let emulator = Emulator::builder()
        .jobs(JobSpeed::Manual)
        .manual_clock(ManualClock::new(start))
        .build();
    let client = in_process(&emulator);
    let spec =
        retune_client::TuningJobSpec::from_base_model(base("gemini-2.5-flash"), sample_data());
    let job = client.create_tuning_job(&spec).await?;
    for _ in 0..48 {
        emulator.advance(Duration::from_secs(3600));
    }
    let done = client.get_tuning_job(&job_name(&job)).await?;
    assert_eq!(done.state, Some(JobState::Succeeded));
    let model: ModelRef = done.tuned_model().cloned().ok_or("no tuned model")?;
    let r = refusals(client.continue_tuning(model, sample_data()).dry_run().await);
    assert!(
        matches!(r.as_slice(), [Refusal::TunedTooEarly { .. }]),
        "{r:?}"
    );
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn several_reasons_give_the_emulators_status_whatever_their_order() -> TestResult {
    // A model tuned before the cutoff (FAILED_PRECONDITION, found first) continued with another
    // KMS key (INVALID_ARGUMENT, found second): the status is the model's `refusal_status`, not
    // the first reason's code, and the emulator answers the same request with the same status.
    let start = Timestamp::from_date(2025, 6, 1).ok_or("date")?;
    let emulator = Emulator::builder()
        .jobs(JobSpeed::Manual)
        .manual_clock(ManualClock::new(start))
        .build();
    let client = in_process(&emulator);
    let spec =
        retune_client::TuningJobSpec::from_base_model(base("gemini-2.5-flash"), sample_data());
    let job = client.create_tuning_job(&spec).await?;
    for _ in 0..48 {
        emulator.advance(Duration::from_secs(3600));
    }
    let done = client.get_tuning_job(&job_name(&job)).await?;
    let model: ModelRef = done.tuned_model().cloned().ok_or("no tuned model")?;
    let other_key: KmsKeyName = OTHER_KEY.parse()?;

    let err = client
        .continue_tuning(model.clone(), sample_data())
        .kms_key(other_key.clone())
        .dry_run()
        .await
        .err()
        .ok_or("refused")?;
    let codes: Vec<Code> = err.refusals().iter().map(Refusal::code).collect();
    assert_eq!(
        codes,
        [Code::FailedPrecondition, Code::InvalidArgument],
        "{err}"
    );
    assert_eq!(err.code(), Some(Code::InvalidArgument));
    assert!(!err.is_not_found());

    // The same request sent as is: the emulator decides with the same rule.
    let unchecked = retune_client::TuningJobSpec::from_pre_tuned(model, None, sample_data())
        .with_kms_key(other_key);
    let served = client
        .create_tuning_job(&unchecked)
        .await
        .err()
        .ok_or("the emulator refuses")?;
    assert!(matches!(served, Error::Service(_)), "{served:?}");
    assert_eq!(served.code(), err.code(), "{served}");
    Ok(())
}

#[tokio::test]
async fn model_in_another_location_or_project_is_read_where_it_lives_and_nothing_is_created()
-> TestResult {
    let emulator = instant_emulator();
    let (client, recorder) = recorded(&emulator);

    // A model elsewhere that exists: refused for its project, as the emulator refuses the job.
    let other: LocationName = "projects/other/locations/us-central1".parse()?;
    let seeded = emulator.seed_tuned_model(SeedTunedModel::new(other, "gemini-2.5-flash"))?;
    // Named by the project id, as a user writes it: the answered name carries the number, which
    // only the service relates to an id.
    let other_project: ModelRef = format!(
        "projects/other/locations/us-central1/models/{}",
        seeded.model.name().model_id()
    )
    .parse()?;
    let r = refusals(
        client
            .continue_tuning(other_project, sample_data())
            .send()
            .await,
    );
    assert!(
        matches!(r.as_slice(), [Refusal::DifferentProject { .. }]),
        "{r:?}"
    );

    // One that does not exist, in another location: NOT_FOUND, the emulator's answer too.
    let elsewhere: ModelRef = "projects/test-project/locations/europe-west4/models/1".parse()?;
    let err = client
        .continue_tuning(elsewhere, sample_data())
        .send()
        .await
        .err()
        .ok_or("refused")?;
    assert!(err.is_not_found(), "{err}");

    // Only the registry was read; no job was created.
    let requests = recorder.requests();
    assert!(!requests.is_empty());
    assert!(
        requests
            .iter()
            .all(|(method, _)| method == http::Method::GET),
        "{requests:?}"
    );
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn lineage_walks_back_to_the_foundation_model() -> TestResult {
    let client = in_process(&instant_emulator());
    let (_, v1) = tune(&client, "gemini-2.5-flash", |s| {
        s.with_display_name("bot").with_epoch_count(2)
    })
    .await;
    let second = client
        .continue_tuning(v1.name().clone().into(), sample_data())
        .checkpoint(CheckpointId::from_number(1))
        .send()
        .await?;
    client
        .wait_for_job(&job_name(&second.job))
        .until_done()
        .await?;
    let third = client
        .continue_tuning(at(&v1, "2"), sample_data())
        .display_name("bot-fork")
        .send()
        .await?;
    let done = client
        .wait_for_job(&job_name(&third.job))
        .until_done()
        .await?;
    let fork: ModelRef = done.tuned_model().cloned().ok_or("no tuned model")?;
    assert_ne!(fork.name(), v1.name());

    let lineage = client.lineage(fork.name()).await?;
    assert_eq!(lineage.versions.len(), 1);
    let chain = &lineage.versions[0];
    let links: Vec<String> = chain
        .steps
        .iter()
        .map(|s| format!("{}@{}", s.model, s.version))
        .collect();
    assert_eq!(
        links,
        [
            format!("{}@1", fork.name()),
            format!("{}@2", v1.name()),
            format!("{}@1", v1.name())
        ]
    );
    assert_eq!(chain.foundation(), Some("gemini-2.5-flash"));
    assert!(
        matches!(&chain.steps[1].origin, Origin::PreTuned { checkpoint: Some(c), .. } if *c == CheckpointId::from_number(1))
    );
    assert!(chain.steps.iter().all(|s| s.job.is_some()));

    let original = client.lineage(v1.name()).await?;
    assert_eq!(
        original
            .versions
            .iter()
            .map(|v| v.steps.len())
            .collect::<Vec<_>>(),
        [1, 2]
    );
    Ok(())
}

/// Serves fixed bodies by path, for model histories the emulator cannot produce.
#[derive(Debug)]
struct Canned(HashMap<String, String>);

#[async_trait]
impl Transport for Canned {
    async fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let path = req.uri().path().trim_start_matches("/v1/").to_owned();
        let (status, body) = match self.0.get(&path) {
            Some(body) => (200, body.clone()),
            None => (
                404,
                r#"{"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}"#
                    .to_owned(),
            ),
        };
        let mut r = http::Response::new(Bytes::from(body));
        *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
        Ok(r)
    }
}

fn canned(version_labels: &str, job: Option<&str>) -> Client {
    let model = format!("{LOCATION}/models/5");
    let versions = format!(
        r#"{{"models": [{{"name": "{model}@1", "versionId": "1", "versionAliases": ["default"], "displayName": "m",
            "checkpoints": [{{"checkpointId": "1", "epoch": "1", "step": "10"}}], "defaultCheckpointId": "1",
            "labels": {version_labels}}}]}}"#
    );
    let mut bodies = HashMap::from([(format!("{model}:listVersions"), versions)]);
    if let Some(job) = job {
        bodies.insert(format!("{LOCATION}/tuningJobs/77"), job.to_owned());
    }
    Client::from_transport(
        Arc::new(Canned(bodies)),
        ClientConfig::new(location(), endpoint()),
    )
}

#[tokio::test]
async fn model_not_made_by_a_tuning_job_is_refused() -> TestResult {
    let client = canned("{}", None);
    let model: ModelRef = format!("{LOCATION}/models/5").parse()?;
    let r = refusals(client.continue_tuning(model, sample_data()).dry_run().await);
    assert!(matches!(r.as_slice(), [Refusal::NotTuned { .. }]), "{r:?}");
    Ok(())
}

#[tokio::test]
async fn model_made_by_preference_tuning_is_refused() -> TestResult {
    let job = format!(
        r#"{{"name": "{LOCATION}/tuningJobs/77", "baseModel": "gemini-2.5-flash", "state": "JOB_STATE_SUCCEEDED",
            "endTime": "2025-09-01T00:00:00Z",
            "preferenceOptimizationSpec": {{"trainingDatasetUri": "gs://b/p.jsonl"}}}}"#
    );
    let client = canned(r#"{"google-vertex-llm-tuning-job-id": "77"}"#, Some(&job));
    let model: ModelRef = format!("{LOCATION}/models/5").parse()?;
    let r = refusals(client.continue_tuning(model, sample_data()).dry_run().await);
    assert!(
        matches!(r.as_slice(), [Refusal::NotSupervised { .. }]),
        "{r:?}"
    );
    assert_eq!(r[0].code(), Code::FailedPrecondition);
    Ok(())
}
