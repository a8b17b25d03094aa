//! One contract suite, several targets: plain async functions that take a `&Client`, run
//! against the emulator in process and over TCP, and against real Vertex AI only when
//! `RETUNE_LIVE=1` and Application Default Credentials are present (the live run is read-only
//! and says so). Keeping both targets on the same functions keeps the emulator honest.

mod support;

use futures::{StreamExt, TryStreamExt};
use retune_client::{Client, ListOptions, TuningJobSpec};
use retune_model::Code;
use retune_model::job_state::JobState;
use retune_model::names::{ModelName, TuningJobName};
use support::*;

/// The suite. Read-only checks first; `mutating` ones create jobs (emulator only).
mod suite {
    use super::*;

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

    pub async fn listing_tuning_jobs_reads_at_least_one_page(client: &Client) -> TestResult {
        let first: Vec<_> = client
            .list_tuning_jobs(ListOptions::new().with_page_size(2))
            .take(3)
            .collect()
            .await;
        for item in first {
            let job = item?;
            let _: TuningJobName = job.name.parse()?;
        }
        Ok(())
    }

    pub async fn listing_models_reads_at_least_one_page(client: &Client) -> TestResult {
        let first: Vec<_> = client
            .list_models(ListOptions::new().with_page_size(2))
            .take(3)
            .collect()
            .await;
        for item in first {
            let model = item?;
            assert!(
                model.name.starts_with(&client.location().to_string()),
                "{}",
                model.name
            );
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
        let model = done.tuned_model.map(|t| t.model).unwrap_or_default();
        let version = client.get_model(&model.parse()?).await?;
        assert_eq!(version.display_name, "contract");
        let jobs: Vec<_> = client
            .list_tuning_jobs(ListOptions::new())
            .try_collect()
            .await?;
        assert!(jobs.iter().any(|j| j.name == job.name));
        Ok(())
    }

    pub async fn cancel_a_running_job(client: &Client) -> TestResult {
        let spec = TuningJobSpec::from_base_model(base("gemini-2.5-flash"), sample_data());
        let job = client.create_tuning_job(&spec).await?;
        let name = job_name(&job);
        match client.cancel_tuning_job(&name).await {
            Ok(()) => {}
            // An instant emulator may have finished the job already.
            Err(e) if e.code() == Some(Code::FailedPrecondition) => {}
            Err(e) => return Err(e.into()),
        }
        let state = client.get_tuning_job(&name).await?.state;
        assert!(state.is_some_and(|s| s != JobState::Pending), "{state:?}");
        Ok(())
    }

    pub async fn read_only(client: &Client) -> TestResult {
        unknown_model_is_not_found(client).await?;
        unknown_tuning_job_is_not_found(client).await?;
        listing_tuning_jobs_reads_at_least_one_page(client).await?;
        listing_models_reads_at_least_one_page(client).await
    }

    pub async fn mutating(client: &Client) -> TestResult {
        create_wait_and_read_the_tuned_model(client).await?;
        cancel_a_running_job(client).await
    }
}

#[tokio::test(start_paused = true)]
async fn contract_holds_in_process() -> TestResult {
    let client = in_process(&instant_emulator());
    suite::read_only(&client).await?;
    suite::mutating(&client).await
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
    #[cfg(feature = "adc")]
    use retune_model::names::LocationName;

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
        suite::read_only(&client).await?;
        suite::mutating(&client).await
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

    /// Runs the read-only suite against real Vertex AI when asked to and credentials exist.
    #[cfg(feature = "adc")]
    #[tokio::test]
    async fn contract_holds_against_live_vertex_when_enabled() -> TestResult {
        if std::env::var("RETUNE_LIVE").ok().as_deref() != Some("1") {
            eprintln!(
                "contract suite: live Vertex AI skipped (set RETUNE_LIVE=1 with credentials to run it)"
            );
            return Ok(());
        }
        let Ok(adc) = retune_client::auth::Adc::discover().await else {
            eprintln!(
                "contract suite: RETUNE_LIVE=1 but no Application Default Credentials; live run skipped"
            );
            return Ok(());
        };
        let project = std::env::var("RETUNE_LIVE_PROJECT")
            .or_else(|_| std::env::var("GOOGLE_CLOUD_PROJECT"))
            .map_err(|_| "RETUNE_LIVE=1 needs RETUNE_LIVE_PROJECT or GOOGLE_CLOUD_PROJECT")?;
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
        suite::read_only(&client).await
    }
}
