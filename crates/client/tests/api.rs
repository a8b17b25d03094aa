//! The whole client API against the emulator, in process: tuning jobs, models, operations,
//! endpoints, pagination, cancel, waiting, retries under injected faults, and auth.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::TryStreamExt;
use mock_vertex::{AuthMode, Emulator, JobSpeed};
use retune_client::auth::{AccessToken, AuthError, NoAuth, StaticToken, TokenProvider};
use retune_client::transport::{InProcess, Transport, TransportErrorKind};
use retune_client::{Client, Error, ListOptions, ModelUpdate, TuningJobSpec, WaitError};
use retune_model::Code;
use retune_model::job_state::JobState;
use retune_model::labels::{LabelError, check_labels};
use retune_model::names::{CheckpointId, ModelName, VersionAlias, VersionId};
use retune_model::registry::AliasChange;
use retune_model::registry::{UpdatableField, UpdateLevel, UpdateMaskError};
use support::*;

fn emulator_transport(emulator: &Emulator) -> Arc<dyn Transport> {
    Arc::new(InProcess::new(mock_vertex::router(emulator.clone())))
}

#[tokio::test]
async fn created_job_can_be_read_back_and_listed() -> TestResult {
    let client = in_process(&instant_emulator());
    let spec = TuningJobSpec::from_base_model(base("gemini-2.5-flash"), sample_data())
        .with_display_name("support-bot")
        .with_epoch_count(2)
        .with_label("team", "nlp");
    let job = client.create_tuning_job(&spec).await?;
    assert_eq!(job.state, Some(JobState::Pending));
    assert_eq!(job.base_model.as_deref(), Some("gemini-2.5-flash"));

    let name = job_name(&job);
    let read = client.get_tuning_job(&name).await?;
    assert_eq!(read.name, job.name);
    assert_eq!(read.labels.get("team").map(String::as_str), Some("nlp"));

    let listed: Vec<_> = client
        .list_tuning_jobs(ListOptions::new())
        .try_collect()
        .await?;
    assert_eq!(
        listed.iter().map(|j| j.name.as_str()).collect::<Vec<_>>(),
        [job.name.as_str()]
    );
    Ok(())
}

#[tokio::test]
async fn unknown_job_is_not_found() -> TestResult {
    let client = in_process(&instant_emulator());
    let name = format!("{LOCATION}/tuningJobs/424242").parse()?;
    let err = client
        .get_tuning_job(&name)
        .await
        .err()
        .ok_or("expected an error")?;
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.status().map(|s| s.http_status().as_u16()), Some(404));
    Ok(())
}

#[tokio::test]
async fn name_in_another_location_is_refused_before_sending() -> TestResult {
    let emulator = instant_emulator();
    let recorder = Recorder::new(emulator_transport(&emulator));
    let client = client_over(recorder.clone());
    let name = "projects/test-project/locations/europe-west4/tuningJobs/1".parse()?;
    let err = client
        .get_tuning_job(&name)
        .await
        .err()
        .ok_or("expected an error")?;
    assert!(matches!(err, Error::Build(_)), "{err}");
    assert!(!err.may_have_been_sent());
    assert!(recorder.requests().is_empty());
    Ok(())
}

#[tokio::test]
async fn listing_follows_page_tokens_across_many_pages() -> TestResult {
    let emulator = instant_emulator();
    let recorder = Recorder::new(emulator_transport(&emulator));
    let client = client_over(recorder.clone());
    let mut created = Vec::new();
    for i in 0..23 {
        let spec = TuningJobSpec::from_base_model(base("gemini-2.5-flash"), sample_data())
            .with_label("batch", format!("b{}", i % 2));
        created.push(client.create_tuning_job(&spec).await?.name().clone());
    }
    let listed: Vec<_> = client
        .list_tuning_jobs(ListOptions::new().with_page_size(4))
        .map_ok(|j| j.name().clone())
        .try_collect()
        .await?;
    let mut expected = created.clone();
    expected.sort();
    let mut got = listed.clone();
    got.sort();
    assert_eq!(got, expected, "every job exactly once");
    // 23 jobs at 4 per page: 6 pages, each one request.
    assert_eq!(recorder.count(&http::Method::GET, "/tuningJobs"), 6);
    let with_token = recorder
        .requests()
        .iter()
        .filter(|(_, p)| p.contains("pageToken="))
        .count();
    assert_eq!(with_token, 5);
    Ok(())
}

#[tokio::test]
async fn list_stream_stops_at_the_first_error() -> TestResult {
    let emulator = instant_emulator();
    let client = client_over(Faulty::new(
        emulator_transport(&emulator),
        http::Method::GET,
        Fault::Unavailable,
        1,
    ));
    let first = client
        .list_tuning_jobs(ListOptions::new())
        .try_collect::<Vec<_>>()
        .await;
    let err = first.err().ok_or("expected the injected 503")?;
    assert_eq!(err.code(), Some(Code::Unavailable));
    assert!(err.is_retryable());
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn waiting_ends_with_the_succeeded_job() -> TestResult {
    let client = in_process(&instant_emulator());
    let (job, model) = tune(&client, "gemini-2.5-flash", |s| s.with_display_name("bot")).await;
    assert!(job.end_time.is_some());
    // Answered with the project number (google/cloud/aiplatform/v1/tuning_job.proto,
    // `TunedModel.model`), in the client's location.
    let location: retune_model::names::LocationName = LOCATION.parse()?;
    assert_eq!(model.name().location(), location.location());
    assert_ne!(model.name().project(), location.project());
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn waiting_for_a_failed_job_returns_failed_with_the_status() -> TestResult {
    let client = in_process(&instant_emulator());
    let spec = TuningJobSpec::from_base_model(
        base("gemini-2.5-flash"),
        "gs://nowhere/missing.jsonl".parse()?,
    );
    let job = client.create_tuning_job(&spec).await?;
    let err = client
        .wait_for_job(&job_name(&job))
        .until_done()
        .await
        .err()
        .ok_or("expected failure")?;
    let WaitError::Failed { job } = err else {
        return Err(format!("expected Failed, got {err}").into());
    };
    assert_eq!(job.state, Some(JobState::Failed));
    assert!(
        job.error
            .as_ref()
            .is_some_and(|e| e.message.contains("missing.jsonl"))
    );
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn cancelled_job_ends_the_wait_with_cancelled() -> TestResult {
    let emulator = Emulator::builder().jobs(JobSpeed::Manual).build();
    let client = in_process(&emulator);
    let job = client
        .create_tuning_job(&TuningJobSpec::from_base_model(
            base("gemini-2.5-flash"),
            sample_data(),
        ))
        .await?;
    let name = job_name(&job);
    client.cancel_tuning_job(&name).await?;
    let cancelling = client.get_tuning_job(&name).await?;
    assert!(matches!(
        cancelling.state,
        Some(JobState::Cancelling | JobState::Cancelled)
    ));
    emulator.advance(Duration::from_secs(3600));
    let err = client
        .wait_for_job(&name)
        .until_done()
        .await
        .err()
        .ok_or("expected cancelled")?;
    let job = err.job().ok_or("expected the final job")?;
    assert!(matches!(err, WaitError::Cancelled { .. }), "{err}");
    assert_eq!(
        job.error.as_ref().map(|e| e.code),
        Some(Code::Cancelled.number())
    );
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn poller_reports_each_change_until_the_end() -> TestResult {
    let emulator = Emulator::builder().jobs(JobSpeed::Manual).build();
    let client = in_process(&emulator);
    let job = client
        .create_tuning_job(&TuningJobSpec::from_base_model(
            base("gemini-2.5-flash"),
            sample_data(),
        ))
        .await?;
    let name = job_name(&job);
    let driver = {
        let emulator = emulator.clone();
        tokio::spawn(async move {
            for _ in 0..200 {
                tokio::time::sleep(Duration::from_millis(500)).await;
                emulator.advance(Duration::from_secs(1));
            }
        })
    };
    let changes: Vec<_> = client.wait_for_job(&name).changes().try_collect().await?;
    driver.abort();
    let states: Vec<JobState> = changes.iter().map(|c| c.state).collect();
    assert_eq!(states.first(), Some(&JobState::Pending));
    assert_eq!(states.last(), Some(&JobState::Succeeded));
    assert!(states.contains(&JobState::Running), "{states:?}");
    // Every yielded item differs from the one before it.
    for pair in changes.windows(2) {
        assert!(
            (pair[0].state, pair[0].sub_state, pair[0].progress)
                != (pair[1].state, pair[1].sub_state, pair[1].progress)
        );
    }
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn poll_timeout_reports_the_last_state() -> TestResult {
    let emulator = Emulator::builder().jobs(JobSpeed::Manual).build();
    let client = in_process(&emulator);
    let job = client
        .create_tuning_job(&TuningJobSpec::from_base_model(
            base("gemini-2.5-flash"),
            sample_data(),
        ))
        .await?;
    let policy = fast_polling().with_timeout(Duration::from_secs(5));
    let err = client
        .wait_for_job(&job_name(&job))
        .with_policy(policy)
        .until_done()
        .await
        .err();
    let Some(WaitError::TimedOut { last_state, waited }) = err else {
        return Err(format!("expected a timeout, got {err:?}").into());
    };
    assert_eq!(last_state, Some(JobState::Pending));
    assert!(waited <= Duration::from_secs(5));
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn model_registry_round_trip() -> TestResult {
    let client = in_process(&instant_emulator());
    let (_, v1) = tune(&client, "gemini-2.5-flash", |s| {
        s.with_display_name("bot").with_epoch_count(3)
    })
    .await;
    let model: ModelName = v1.name().clone();

    // Default version, by id and by alias.
    let by_default = client.get_model(&model.clone().into()).await?;
    assert_eq!(by_default.version_id, "1");
    assert!(by_default.version_aliases.iter().any(|a| a == "default"));
    assert_eq!(by_default.display_name, "bot");

    // A second version by continuous tuning, then aliases.
    let continued = client
        .continue_tuning(model.clone().into(), sample_data())
        .send()
        .await?;
    client
        .wait_for_job(&job_name(&continued.job))
        .until_done()
        .await?;
    let versions: Vec<_> = client
        .list_model_versions(&model, ListOptions::new())
        .try_collect()
        .await?;
    assert_eq!(
        versions
            .iter()
            .map(|m| m.version_id.as_str())
            .collect::<Vec<_>>(),
        ["1", "2"]
    );

    let v2 = VersionId::from_number(2).ok_or("version 2")?;
    let golden: VersionAlias = "golden".parse()?;
    let merged = client
        .merge_version_aliases(&model.at_version(v2), &[AliasChange::Add(golden.clone())])
        .await?;
    assert!(merged.version_aliases.iter().any(|a| a == "golden"));
    let by_alias = client
        .get_model(&model.at(Some(retune_model::names::VersionSelector::Alias(golden))))
        .await?;
    assert_eq!(by_alias.version_id, "2");

    // Checkpoints of version 1 and a new default checkpoint.
    let checkpoints: Vec<_> = client
        .list_checkpoints(&model.at_version(VersionId::FIRST))
        .try_collect()
        .await?;
    assert_eq!(checkpoints.len(), 3);
    let updated = client
        .update_model(
            &model.at_version(VersionId::FIRST),
            &ModelUpdate::new().with_default_checkpoint(CheckpointId::from_number(1)),
        )
        .await?;
    assert_eq!(updated.default_checkpoint_id, "1");

    // Model-level update.
    let renamed = client
        .update_model(
            &model.clone().into(),
            &ModelUpdate::new()
                .with_display_name("bot-2")
                .with_description("weekly"),
        )
        .await?;
    assert_eq!(renamed.display_name, "bot-2");
    assert_eq!(renamed.description, "weekly");

    // The tuned model's endpoint.
    let endpoint = by_default
        .deployed_models
        .first()
        .map(|d| d.endpoint.clone())
        .ok_or("deployed endpoint")?;
    let endpoint = client.get_endpoint(&endpoint.parse()?).await?;
    assert!(!endpoint.name.is_empty());

    // Listing models sees it.
    let models: Vec<_> = client.list_models(ListOptions::new()).try_collect().await?;
    assert!(
        models
            .iter()
            .any(|m| m.name.starts_with(&model.to_string()))
    );

    // Delete version 2, then the model; operations are done.
    let op = client.delete_model_version(&model.at_version(v2)).await?;
    assert!(op.done);
    let op = client.delete_model(&model).await?;
    let op_name = op.name.parse()?;
    let waited = client.wait_operation(&op_name).await?;
    assert!(waited.done && waited.error.is_none());
    let gone = client
        .get_model(&model.into())
        .await
        .err()
        .ok_or("model should be gone")?;
    assert!(gone.is_not_found());
    Ok(())
}

#[tokio::test]
async fn update_mixing_levels_is_refused_before_sending() -> TestResult {
    let emulator = instant_emulator();
    let recorder = Recorder::new(emulator_transport(&emulator));
    let client = client_over(recorder.clone());
    let model: ModelName = format!("{LOCATION}/models/1").parse()?;
    let mixed = ModelUpdate::new()
        .with_display_name("x")
        .with_default_checkpoint(CheckpointId::from_number(1));
    let err = client
        .update_model(&model.at_version(VersionId::FIRST), &mixed)
        .await
        .err();
    assert!(matches!(err, Some(Error::Build(_))), "{err:?}");
    let version_field_on_model =
        ModelUpdate::new().with_default_checkpoint(CheckpointId::from_number(1));
    let err = client
        .update_model(&model.clone().into(), &version_field_on_model)
        .await
        .err();
    assert!(matches!(err, Some(Error::Build(_))), "{err:?}");
    let labels_only =
        ModelUpdate::new().with_labels(BTreeMap::from([("a".to_owned(), "b".to_owned())]));
    assert_eq!(labels_only.update_mask(), "labels");
    assert!(recorder.requests().is_empty());
    Ok(())
}

#[tokio::test]
async fn update_levels_are_decided_by_the_registry_rule() -> TestResult {
    let emulator = instant_emulator();
    let recorder = Recorder::new(emulator_transport(&emulator));
    let client = client_over(recorder.clone());
    let model: ModelName = format!("{LOCATION}/models/1").parse()?;
    let version_field_on_model = ModelUpdate::new().with_version_description("v");
    assert_eq!(version_field_on_model.update_mask(), "versionDescription");
    let err = client
        .update_model(&model.clone().into(), &version_field_on_model)
        .await
        .err();
    let Some(Error::Build(build)) = &err else {
        panic!("{err:?}");
    };
    // The registry's rule, as the request validator reports it (and the emulator answers).
    let rule = UpdateMaskError::WrongLevel {
        level: UpdateLevel::Model,
        fields: vec![UpdatableField::VersionDescription],
    };
    let [violation] = build.violations() else {
        panic!("{build:?}");
    };
    assert_eq!(violation.field, "update_mask");
    assert_eq!(violation.code, rule.code());
    assert!(
        violation.description.contains(&rule.to_string()),
        "{violation}"
    );
    assert_eq!(err.as_ref().and_then(Error::code), Some(rule.code()));
    let nothing = client
        .update_model(&model.into(), &ModelUpdate::new())
        .await;
    assert!(matches!(nothing, Err(Error::Build(_))), "{nothing:?}");
    assert!(recorder.requests().is_empty());
    Ok(())
}

#[tokio::test]
async fn an_empty_alias_merge_is_refused_for_the_validators_field_before_sending() -> TestResult {
    let emulator = instant_emulator();
    let recorder = Recorder::new(emulator_transport(&emulator));
    let client = client_over(recorder.clone());
    let model: ModelName = format!("{LOCATION}/models/1").parse()?;
    let err = client
        .merge_version_aliases(&model.at_version(VersionId::FIRST), &[])
        .await
        .err()
        .ok_or("refused")?;
    assert!(matches!(err, Error::Build(_)), "{err}");
    assert_eq!(err.code(), Some(Code::InvalidArgument));
    let fields: Vec<&str> = err.violations().iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["version_aliases"]);
    assert!(recorder.requests().is_empty());
    Ok(())
}

#[tokio::test]
async fn labels_are_checked_by_the_model_rule_before_sending() -> TestResult {
    let emulator = instant_emulator();
    let recorder = Recorder::new(emulator_transport(&emulator));
    let client = client_over(recorder.clone());
    let spec = || TuningJobSpec::from_base_model(base("gemini-2.5-flash"), sample_data());

    for (key, value) in [("Team", "nlp"), ("team", "NLP"), ("", "x")] {
        let err = client
            .create_tuning_job(&spec().with_label(key, value))
            .await
            .err();
        let Some(Error::Build(build)) = &err else {
            panic!("{key}={value}: {err:?}");
        };
        let rule: LabelError =
            check_labels([(key, value)]).expect_err("the model refuses this label");
        let [violation] = build.violations() else {
            panic!("{key}={value}: {build:?}");
        };
        assert!(
            violation.field.starts_with("tuning_job.labels"),
            "{key}={value}: {violation:?}"
        );
        assert!(
            violation.description.contains(&rule.to_string()),
            "{key}={value}: {violation}"
        );
    }
    let long = "v".repeat(65);
    let err = client
        .update_model(
            &format!("{LOCATION}/models/1").parse()?,
            &ModelUpdate::new().with_labels(BTreeMap::from([("team".to_owned(), long)])),
        )
        .await
        .err();
    assert!(matches!(err, Some(Error::Build(_))), "{err:?}");
    assert!(recorder.requests().is_empty());

    let job = client
        .create_tuning_job(&spec().with_checked_label("チーム=言語".parse()?))
        .await?;
    assert_eq!(job.labels.get("チーム").map(String::as_str), Some("言語"));
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn get_retries_injected_503s_and_succeeds() -> TestResult {
    let emulator = instant_emulator();
    let flaky = Faulty::new(
        emulator_transport(&emulator),
        http::Method::GET,
        Fault::Unavailable,
        3,
    );
    let recorder = Recorder::new(flaky);
    let client = decorated(recorder.clone());
    let job = client
        .create_tuning_job(&TuningJobSpec::from_base_model(
            base("gemini-2.5-flash"),
            sample_data(),
        ))
        .await?;
    let read = client.get_tuning_job(&job_name(&job)).await?;
    assert_eq!(read.name, job.name);
    assert_eq!(recorder.count(&http::Method::GET, "/tuningJobs/"), 4);
    Ok(())
}

/// Creates one job through a transport that fails the first `times` POSTs with `fault`;
/// returns the create's result and how many jobs the emulator then holds.
async fn create_through_fault(
    fault: Fault,
    times: usize,
) -> Result<
    (
        Result<retune_client::TuningJob, retune_client::Error>,
        usize,
    ),
    Box<dyn std::error::Error>,
> {
    let emulator = instant_emulator();
    let flaky = Faulty::new(
        emulator_transport(&emulator),
        http::Method::POST,
        fault,
        times,
    );
    let created = decorated(flaky)
        .create_tuning_job(&TuningJobSpec::from_base_model(
            base("gemini-2.5-flash"),
            sample_data(),
        ))
        .await;
    let jobs: Vec<_> = in_process(&emulator)
        .list_tuning_jobs(ListOptions::new())
        .try_collect()
        .await?;
    Ok((created, jobs.len()))
}

#[tokio::test(start_paused = true)]
async fn create_answered_503_after_reaching_the_server_is_not_retried() -> TestResult {
    let (created, jobs) = create_through_fault(Fault::UnavailableAfterForwarding, 1).await?;
    let err = created.err().ok_or("expected the 503")?;
    assert_eq!(err.code(), Some(Code::Unavailable));
    assert_eq!(jobs, 1, "exactly one job, no duplicate");
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn create_with_a_connection_reset_is_not_retried() -> TestResult {
    let (created, jobs) = create_through_fault(Fault::ResetAfterForwarding, 1).await?;
    let err = created.err().ok_or("expected the reset")?;
    assert!(err.may_have_been_sent());
    assert_eq!(jobs, 1);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn create_is_retried_when_the_connection_was_refused() -> TestResult {
    let (created, jobs) = create_through_fault(Fault::ConnectRefused, 2).await?;
    created?;
    assert_eq!(jobs, 1);
    Ok(())
}

fn authed(emulator: &Emulator, provider: Arc<dyn TokenProvider>) -> Client {
    Client::builder()
        .project(location().project().clone())
        .location(location().location().clone())
        .endpoint(endpoint())
        .read_environment(false)
        .token_provider(provider)
        .retry_policy(fast_retries())
        .transport(emulator_transport(emulator))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn wrong_token_is_unauthenticated_and_not_retried() -> TestResult {
    let emulator = Emulator::builder()
        .auth(AuthMode::Token("secret".into()))
        .build();
    let model = format!("{LOCATION}/models/1").parse()?;
    let ok = authed(&emulator, Arc::new(StaticToken::new("secret")))
        .get_model(&model)
        .await;
    assert!(
        ok.err().is_some_and(|e| e.is_not_found()),
        "the right token gets through"
    );
    let err = authed(&emulator, Arc::new(StaticToken::new("wrong")))
        .get_model(&model)
        .await
        .err();
    let err = err.ok_or("expected 401")?;
    assert!(err.is_auth(), "{err}");
    assert_eq!(err.code(), Some(Code::Unauthenticated));
    assert!(!err.is_retryable());
    Ok(())
}

#[tokio::test]
async fn missing_token_is_refused_when_the_emulator_requires_one() -> TestResult {
    let emulator = Emulator::builder().auth(AuthMode::AnyToken).build();
    let model = format!("{LOCATION}/models/1").parse()?;
    let err = authed(&emulator, Arc::new(NoAuth))
        .get_model(&model)
        .await
        .err()
        .ok_or("expected 401")?;
    assert_eq!(err.code(), Some(Code::Unauthenticated));
    Ok(())
}

#[derive(Debug)]
struct BrokenCredentials;

#[async_trait]
impl TokenProvider for BrokenCredentials {
    async fn token(&self) -> Result<Option<AccessToken>, AuthError> {
        Err(AuthError::new("metadata server unreachable", None))
    }
}

#[tokio::test]
async fn token_provider_failure_sends_nothing() -> TestResult {
    let emulator = instant_emulator();
    let recorder = Recorder::new(emulator_transport(&emulator));
    let client = Client::builder()
        .project(location().project().clone())
        .location(location().location().clone())
        .endpoint(endpoint())
        .read_environment(false)
        .token_provider(Arc::new(BrokenCredentials))
        .transport(recorder.clone())
        .build()?;
    let err = client
        .list_models(ListOptions::new())
        .try_collect::<Vec<_>>()
        .await
        .err()
        .ok_or("expected auth failure")?;
    let Error::Transport(t) = &err else {
        return Err(format!("expected a transport error, got {err}").into());
    };
    assert_eq!(t.kind(), TransportErrorKind::Auth);
    assert!(err.is_auth() && !err.may_have_been_sent() && !err.is_retryable());
    assert!(recorder.requests().is_empty());
    Ok(())
}

#[tokio::test]
async fn requests_carry_the_api_version_and_encoded_query_values() -> TestResult {
    let emulator = instant_emulator();
    let recorder = Recorder::new(emulator_transport(&emulator));
    let config = retune_client::ClientConfig::new(location(), endpoint())
        .with_api_version(retune_client::endpoint::ApiVersion::V1Beta1);
    let client = Client::from_transport(recorder.clone(), config);
    let _: Vec<_> = client
        .list_models(
            ListOptions::new()
                .with_filter("labels.team=nlp")
                .with_page_size(7),
        )
        .try_collect()
        .await?;
    assert_eq!(
        recorder.requests(),
        [(
            http::Method::GET,
            format!("/v1beta1/{LOCATION}/models?filter=labels.team%3Dnlp&pageSize=7")
        )]
    );
    Ok(())
}

#[tokio::test]
async fn rebase_tuned_model_returns_the_operation_of_the_new_job() -> TestResult {
    let client = in_process(&instant_emulator());
    let spec = TuningJobSpec::from_base_model(base("gemini-2.5-flash"), sample_data())
        .with_display_name("support-bot")
        .with_epoch_count(2);
    let job = client.create_tuning_job(&spec).await?;
    let done = client.wait_for_job(&job_name(&job)).until_done().await?;
    let tuned = done.tuned_model().ok_or("a tuned model")?.clone();

    let op = client.rebase_tuned_model(&tuned, None).await?;
    assert!(op.done && op.error.is_none(), "{op:?}");
    let new_job: retune_model::wire::TuningJob = op.response_as().ok_or("a response")??;
    assert_eq!(new_job.base_model.as_deref(), Some("gemini-3.5-flash"));
    let rebased = client
        .wait_for_job(&new_job.name.parse()?)
        .until_done()
        .await?;
    assert_eq!(rebased.state, Some(JobState::Succeeded));
    let waited = client.wait_operation(&op.name.parse()?).await?;
    assert_eq!(waited.name, op.name);

    // The rebased model is on the newest Flash: rebasing it again is refused with the reason.
    let again = rebased.tuned_model().ok_or("a tuned model")?.clone();
    let err = client
        .rebase_tuned_model(&again, None)
        .await
        .err()
        .ok_or("expected a refusal")?;
    assert_eq!(
        err.status().map(|s| s.code()),
        Some(Code::FailedPrecondition)
    );
    assert!(err.to_string().contains("no newer base model"), "{err}");
    Ok(())
}

const PREFERENCE_LINE: &str = r#"{"contents": [{"role": "user", "parts": [{"text": "Favourite fruit?"}]}], "completions": [{"score": 1, "completion": {"role": "model", "parts": [{"text": "Apple!"}]}}, {"score": 0, "completion": {"role": "model", "parts": [{"text": "Pear."}]}}]}"#;

#[tokio::test]
async fn an_sft_model_continues_with_preference_tuning_and_a_preference_model_is_refused_before_sending()
-> TestResult {
    let emulator = instant_emulator();
    let bucket: mock_vertex::storage::BucketName = "preference-data".parse()?;
    emulator.objects().create_bucket(&bucket).await?;
    emulator
        .objects()
        .put(
            &bucket,
            &"pref.jsonl".parse()?,
            bytes::Bytes::from(format!("{PREFERENCE_LINE}\n{PREFERENCE_LINE}\n")),
            None,
        )
        .await?;
    let preference_data: retune_client::DatasetUri = "gs://preference-data/pref.jsonl".parse()?;
    let client = in_process(&emulator);
    let sft = client
        .create_tuning_job(&TuningJobSpec::from_base_model(
            base("gemini-2.5-flash"),
            sample_data(),
        ))
        .await?;
    let sft = client.wait_for_job(&job_name(&sft)).until_done().await?;
    let sft_model = sft.tuned_model().ok_or("a tuned model")?.clone();

    let continued = client
        .continue_tuning(sft_model.clone(), preference_data.clone())
        .spec(|s| s.with_preference_tuning(Some(0.1)).with_epoch_count(1))
        .send()
        .await?;
    let done = client
        .wait_for_job(&job_name(&continued.job))
        .until_done()
        .await?;
    let tuned = done.tuned_model().ok_or("a tuned model")?.clone();
    assert_eq!(tuned.name(), sft_model.name());
    assert_eq!(
        tuned.version_id().map(|v| v.to_string()),
        Some("2".to_owned())
    );

    // The preference-tuned version cannot be the base of another job: refused before sending,
    // with the reason (rule 5).
    let err = client
        .continue_tuning(tuned, sample_data())
        .dry_run()
        .await
        .err()
        .ok_or("expected a refusal")?;
    assert!(matches!(err, Error::Refused(_)), "{err}");
    assert!(err.to_string().contains("preference optimization"), "{err}");
    Ok(())
}
