//! One contract suite, several targets: plain async functions that take a `&Client`, run
//! against the emulator in process and over TCP, and against real Vertex AI. Keeping every target
//! on the same functions keeps the emulator honest.
//!
//! On the emulator the suite first creates what it then lists (tuned jobs and their models), so
//! the listing checks compare what comes back with what is there, across pages. The live target
//! runs only the read-only checks, and exists only when asked for: it is compiled under
//! `--cfg retune_live`, which `cargo xtask live` sets (see the README), so an ordinary test run
//! neither calls Vertex AI nor reports a live check that did not run as passed.

mod support;

use std::collections::BTreeSet;
use std::error::Error;

use futures::{StreamExt, TryStreamExt};
use mock_vertex::{Emulator, JobTarget};
use retune_client::{Client, ListOptions, TuningJobSpec};
use retune_model::Code;
use retune_model::job_state::{CANCELLED_ERROR_CODE, JobState};
use retune_model::names::{ModelName, ModelRef, TuningJobName};
use support::*;

/// Jobs the emulator targets create before listing: with pages of two, three pages.
const SEEDED_JOBS: usize = 5;

/// The suite. Read-only checks first; `mutating` ones create jobs (emulator only).
mod suite {
    use super::*;

    /// What a target holds before the read-only checks run.
    #[derive(Debug, Default)]
    pub struct Known {
        /// Jobs the listing must return.
        pub jobs: BTreeSet<TuningJobName>,
        /// Models the listing must return.
        pub models: BTreeSet<ModelName>,
        /// True when nothing else is there (a fresh emulator location): the listings must return
        /// exactly these. False on a live project, where only the first page or two are read.
        pub complete: bool,
    }

    /// Creates `count` jobs from the base model, waits for each, and returns them and their
    /// models as the complete contents of the client's (fresh) location.
    pub async fn seed(client: &Client, count: usize) -> Result<Known, Box<dyn Error>> {
        let mut known = Known {
            complete: true,
            ..Known::default()
        };
        for n in 0..count {
            let spec = TuningJobSpec::from_base_model(base("gemini-2.5-flash"), sample_data())
                .with_display_name(format!("listed-{n}"));
            let job = client.create_tuning_job(&spec).await?;
            let done = client.wait_for_job(&job_name(&job)).until_done().await?;
            assert_eq!(done.state, Some(JobState::Succeeded), "{}", done.name);
            let model: ModelRef = done
                .tuned_model
                .as_ref()
                .map(|t| t.model.as_str())
                .ok_or("a succeeded job without tunedModel")?
                .parse()?;
            known.jobs.insert(job_name(&job));
            known.models.insert(model.name().clone());
        }
        assert_eq!(
            known.models.len(),
            count,
            "each job made a model of its own"
        );
        Ok(known)
    }

    /// How many items a listing reads: everything on a fresh emulator, the first few elsewhere.
    fn read_limit(known: &Known) -> usize {
        if known.complete { usize::MAX } else { 3 }
    }

    pub async fn unknown_model_is_not_found(client: &Client) -> TestResult {
        let model: ModelName =
            format!("{}/models/987654321987654321", client.location()).parse()?;
        let err = client
            .get_model(&model.into())
            .await
            .err()
            .ok_or("expected NOT_FOUND")?;
        assert!(err.is_not_found(), "{err}");
        assert_eq!(err.code(), Some(Code::NotFound));
        Ok(())
    }

    pub async fn unknown_tuning_job_is_not_found(client: &Client) -> TestResult {
        let name: TuningJobName =
            format!("{}/tuningJobs/987654321987654321", client.location()).parse()?;
        let err = client
            .get_tuning_job(&name)
            .await
            .err()
            .ok_or("expected NOT_FOUND")?;
        assert!(err.is_not_found(), "{err}");
        Ok(())
    }

    pub async fn listing_tuning_jobs_pages_through_every_job(
        client: &Client,
        known: &Known,
    ) -> TestResult {
        let listed: Vec<TuningJobName> = client
            .list_tuning_jobs(ListOptions::new().with_page_size(2))
            .take(read_limit(known))
            .map(|item| -> Result<TuningJobName, Box<dyn Error>> { Ok(item?.name.parse()?) })
            .try_collect()
            .await?;
        let unique: BTreeSet<_> = listed.iter().cloned().collect();
        assert_eq!(unique.len(), listed.len(), "a job listed twice: {listed:?}");
        for name in &listed {
            // Answered with the project number (google/cloud/aiplatform/v1/tuning_job.proto,
            // `TuningJob.name`), not the id the client was built with: compare the location.
            assert_eq!(name.location(), client.location().location(), "{name}");
        }
        if known.complete {
            assert_eq!(unique, known.jobs, "listed jobs");
        } else {
            assert!(unique.is_superset(&known.jobs), "listed {listed:?}");
        }
        Ok(())
    }

    pub async fn listing_models_pages_through_every_model(
        client: &Client,
        known: &Known,
    ) -> TestResult {
        let listed: Vec<ModelName> = client
            .list_models(ListOptions::new().with_page_size(2))
            .take(read_limit(known))
            .map(|item| -> Result<ModelName, Box<dyn Error>> {
                let model: ModelRef = item?.name.parse()?;
                Ok(model.name().clone())
            })
            .try_collect()
            .await?;
        let unique: BTreeSet<_> = listed.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            listed.len(),
            "a model listed twice: {listed:?}"
        );
        for name in &listed {
            assert_eq!(name.location(), client.location().location(), "{name}");
        }
        if known.complete {
            assert_eq!(unique, known.models, "listed models");
        } else {
            assert!(unique.is_superset(&known.models), "listed {listed:?}");
        }
        Ok(())
    }

    pub async fn create_wait_and_read_the_tuned_model(client: &Client) -> TestResult {
        let spec = TuningJobSpec::from_base_model(base("gemini-2.5-flash"), sample_data())
            .with_display_name("contract");
        let job = client.create_tuning_job(&spec).await?;
        let name = job_name(&job);
        let done = client.wait_for_job(&name).until_done().await?;
        assert_eq!(done.state, Some(JobState::Succeeded));
        let model = done.tuned_model().ok_or("no tuned model")?;
        let version = client.get_model(model).await?;
        assert_eq!(version.display_name, "contract");
        let jobs: Vec<_> = client
            .list_tuning_jobs(ListOptions::new())
            .try_collect()
            .await?;
        assert!(jobs.iter().any(|j| j.name == job.name));
        Ok(())
    }

    /// `emulator` holds the job in `PENDING`, so the cancel reaches a job that has not ended.
    pub async fn cancel_a_running_job(client: &Client, emulator: &Emulator) -> TestResult {
        emulator.hold_job(JobTarget::Next)?;
        let spec = TuningJobSpec::from_base_model(base("gemini-2.5-flash"), sample_data());
        let job = client.create_tuning_job(&spec).await?;
        let name = job_name(&job);
        let held = client.get_tuning_job(&name).await?;
        assert_eq!(held.state, Some(JobState::Pending), "{}", held.name);
        client.cancel_tuning_job(&name).await?;
        // Instant jobs end their cancellation at the next read.
        let done = client.get_tuning_job(&name).await?;
        assert_eq!(done.state, Some(JobState::Cancelled));
        assert_eq!(
            done.error.as_ref().map(|e| e.code),
            Some(CANCELLED_ERROR_CODE.number())
        );
        Ok(())
    }

    pub async fn cancel_a_finished_job_is_failed_precondition(client: &Client) -> TestResult {
        let spec = TuningJobSpec::from_base_model(base("gemini-2.5-flash"), sample_data());
        let job = client.create_tuning_job(&spec).await?;
        let name = job_name(&job);
        client.wait_for_job(&name).until_done().await?;
        let err = client
            .cancel_tuning_job(&name)
            .await
            .err()
            .ok_or("cancelling a finished job was accepted")?;
        assert_eq!(err.code(), Some(Code::FailedPrecondition), "{err}");
        let state = client.get_tuning_job(&name).await?.state;
        assert_eq!(state, Some(JobState::Succeeded));
        Ok(())
    }

    pub async fn read_only(client: &Client, known: &Known) -> TestResult {
        unknown_model_is_not_found(client).await?;
        unknown_tuning_job_is_not_found(client).await?;
        listing_tuning_jobs_pages_through_every_job(client, known).await?;
        listing_models_pages_through_every_model(client, known).await
    }

    pub async fn mutating(client: &Client, emulator: &Emulator) -> TestResult {
        create_wait_and_read_the_tuned_model(client).await?;
        cancel_a_running_job(client, emulator).await?;
        cancel_a_finished_job_is_failed_precondition(client).await
    }
}

/// Runs the whole suite on an emulator target: seed, read-only checks, then the mutating ones.
async fn emulator_contract(client: &Client, emulator: &Emulator) -> TestResult {
    let known = suite::seed(client, SEEDED_JOBS).await?;
    suite::read_only(client, &known).await?;
    suite::mutating(client, emulator).await
}

#[tokio::test(start_paused = true)]
async fn contract_holds_in_process() -> TestResult {
    let emulator = instant_emulator();
    emulator_contract(&in_process(&emulator), &emulator).await
}

#[tokio::test(start_paused = true)]
async fn listing_an_empty_location_returns_nothing() -> TestResult {
    let client = in_process(&instant_emulator());
    let known = suite::Known {
        complete: true,
        ..suite::Known::default()
    };
    suite::read_only(&client, &known).await
}

/// Targets that need the reqwest transport: the emulator over TCP, and live Vertex AI.
#[cfg(feature = "reqwest")]
mod over_http {
    use std::sync::Arc;
    use std::time::Duration;

    use mock_vertex::MockVertex;
    use retune_client::auth::StaticToken;
    use retune_client::retry::{Backoff, Jitter};
    use retune_client::wait::PollPolicy;

    use super::*;

    #[tokio::test]
    async fn contract_holds_over_tcp() -> TestResult {
        let server = MockVertex::start_with(instant_emulator()).await?;
        let client = Client::builder()
            .project(location().project().clone())
            .location(location().location().clone())
            .endpoint(server.base_url().parse()?)
            .read_environment(false)
            .token_provider(Arc::new(StaticToken::new("tcp-token")))
            .retry_policy(fast_retries())
            .poll_policy(PollPolicy::new(
                Backoff::new(Duration::from_millis(1), Duration::from_millis(5), 2.0)
                    .with_jitter(Jitter::None),
            ))
            .build()?;
        emulator_contract(&client, server.emulator()).await
    }

    #[tokio::test]
    async fn tcp_connection_refused_is_a_transport_error_that_was_not_sent() -> TestResult {
        // Bind, learn the port, close: nothing listens there any more.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let client = Client::builder()
            .project(location().project().clone())
            .location(location().location().clone())
            .endpoint(format!("http://127.0.0.1:{port}").parse()?)
            .read_environment(false)
            .token_provider(Arc::new(StaticToken::new("t")))
            .retry_policy(retune_client::retry::RetryPolicy::never())
            .build()?;
        let err = client
            .get_model(&format!("{LOCATION}/models/1").parse()?)
            .await
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, retune_client::Error::Transport(_)), "{err}");
        assert!(!err.may_have_been_sent());
        Ok(())
    }
}

/// The live target: the read-only checks against real Vertex AI, with Application Default
/// Credentials, in `RETUNE_LIVE_PROJECT` (or `GOOGLE_CLOUD_PROJECT`) and `RETUNE_LIVE_LOCATION`
/// (default `us-central1`). Compiled only under `--cfg retune_live` (`cargo xtask live`); once
/// compiled in, missing credentials or project are a failure, not a skip.
#[cfg(all(feature = "reqwest", feature = "adc"))]
#[allow(unexpected_cfgs, reason = "`retune_live` is set by `cargo xtask live`")]
mod live {
    #[cfg(retune_live)]
    #[tokio::test]
    async fn contract_holds_against_live_vertex() -> super::TestResult {
        use std::sync::Arc;

        use retune_model::names::LocationName;

        use super::*;

        let adc = retune_client::auth::Adc::discover()
            .await
            .map_err(|e| format!("no Application Default Credentials: {e}"))?;
        let project = std::env::var("RETUNE_LIVE_PROJECT")
            .or_else(|_| std::env::var("GOOGLE_CLOUD_PROJECT"))
            .map_err(|_| "the live contract needs RETUNE_LIVE_PROJECT or GOOGLE_CLOUD_PROJECT")?;
        let region =
            std::env::var("RETUNE_LIVE_LOCATION").unwrap_or_else(|_| "us-central1".to_owned());
        let location: LocationName = format!("projects/{project}/locations/{region}").parse()?;
        eprintln!(
            "contract suite: running the read-only checks against LIVE Vertex AI ({location})"
        );
        let client = Client::builder()
            .project(location.project().clone())
            .location(location.location().clone())
            .token_provider(Arc::new(adc))
            .build()?;
        suite::read_only(&client, &suite::Known::default()).await
    }
}
