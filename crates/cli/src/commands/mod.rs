//! Running a resolved [`Config`]: local commands run as they are, remote ones get a tokio runtime
//! and a [`Client`] built here, and then only take `&Client` (the seam tests can fill with any
//! transport).

mod console;
mod dataset;
mod emulator;
mod generate;
mod jobs;
mod models;
mod quickstart;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use retune_client::auth::{NoAuth, StaticToken, TokenProvider};
use retune_client::endpoint::Endpoint;
use retune_client::retry::{Backoff, RetryPolicy};
use retune_client::{Client, PollPolicy};

use crate::config::{Command, Config, Connection};
use crate::exit::Exit;
use crate::output::Out;
use crate::slow::Patient;

/// Runs the command and says how `retune` should exit.
pub fn run(config: Config) -> anyhow::Result<Exit> {
    let out = Out::new(config.format, config.verbosity, config.assume_yes);
    match config.command {
        Command::DatasetValidate {
            file,
            validation,
            format,
        } => dataset::validate(&file, validation, format, &out),
        Command::Completions(shell) => completions(shell),
        Command::EmulatorServe(serve) => {
            multi_thread_runtime()?.block_on(emulator::serve(serve, &out))
        }
        Command::EmulatorSnapshot { endpoint, action } => {
            runtime()?.block_on(emulator::snapshot(endpoint.as_ref(), action, &out))
        }
        Command::EmulatorEnv { endpoint, unset } => {
            runtime()?.block_on(emulator::env(endpoint.as_ref(), unset, &out))
        }
        Command::Quickstart => runtime()?.block_on(quickstart::run(&out)),
        Command::Console(settings) => {
            multi_thread_runtime()?.block_on(console::serve(settings, &out))
        }
        Command::DatasetUpload {
            file,
            destination,
            endpoint,
            access_token,
            skip_validation,
            create_bucket,
            request_timeout,
        } => runtime()?.block_on(dataset::upload(
            &file,
            &destination,
            &dataset::Storage {
                endpoint: endpoint.as_ref(),
                access_token: access_token.as_deref(),
                request_timeout,
            },
            dataset::UploadOptions {
                skip_validation,
                create_bucket: create_bucket.as_ref(),
            },
            &out,
        )),
        command => {
            let client = client(connection(&command), out.narrates())?;
            runtime()?.block_on(remote(command, &client, &out))
        }
    }
}

/// The commands that talk to Vertex AI, given a client.
pub async fn remote(command: Command, client: &Client, out: &Out) -> anyhow::Result<Exit> {
    match command {
        Command::Tune {
            connection,
            base_model,
            training,
        } => jobs::tune(client, &connection, base_model, &training, out).await,
        Command::Continue {
            connection,
            model,
            checkpoint,
            training,
        } => jobs::continue_tuning(client, &connection, model, checkpoint, &training, out).await,
        Command::JobsList { list, .. } => jobs::list(client, &list, out).await,
        Command::JobsGet { job, .. } => jobs::get(client, &job, out).await,
        Command::JobsCancel { job, .. } => jobs::cancel(client, &job, out).await,
        Command::JobsWait { job, timeout, .. } => jobs::wait(client, &job, timeout, out).await,
        Command::ModelsList { list, .. } => models::list(client, &list, out).await,
        Command::Generate {
            target,
            prompt,
            stream,
            ..
        } => generate::run(client, &target, &prompt, stream, out).await,
        Command::Models { model, action, .. } => models::run(client, &model, action, out).await,
        Command::Quickstart
        | Command::DatasetValidate { .. }
        | Command::DatasetUpload { .. }
        | Command::EmulatorServe(_)
        | Command::Console(_)
        | Command::EmulatorEnv { .. }
        | Command::EmulatorSnapshot { .. }
        | Command::Completions(_) => {
            anyhow::bail!("this command does not talk to Vertex AI")
        }
    }
}

fn connection(command: &Command) -> Option<&Connection> {
    match command {
        Command::Tune { connection, .. }
        | Command::Continue { connection, .. }
        | Command::JobsList { connection, .. }
        | Command::JobsGet { connection, .. }
        | Command::JobsCancel { connection, .. }
        | Command::JobsWait { connection, .. }
        | Command::ModelsList { connection, .. }
        | Command::Generate { connection, .. }
        | Command::Models { connection, .. } => Some(connection),
        _ => None,
    }
}

/// A single-threaded runtime: the client needs no more.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// A multi-threaded runtime, for serving.
fn multi_thread_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Whether `endpoint` is plain http: a local emulator, never Google (which is https only).
fn is_local(endpoint: Option<&Endpoint>) -> bool {
    endpoint.is_some_and(|e| e.as_str().starts_with("http://"))
}

/// `--access-token` if given; none for a plain-http emulator; otherwise Application Default
/// Credentials.
fn token_provider(
    access_token: Option<&str>,
    endpoint: Option<&Endpoint>,
) -> Option<Arc<dyn TokenProvider>> {
    match access_token {
        Some(token) => Some(Arc::new(StaticToken::new(token))),
        None if is_local(endpoint) => Some(Arc::new(NoAuth)),
        None => None,
    }
}

/// Polls an emulator often (its jobs take seconds), real Vertex AI with the client's default.
fn poll_policy(endpoint: Option<&Endpoint>) -> Option<PollPolicy> {
    is_local(endpoint).then(|| {
        PollPolicy::new(Backoff::new(
            Duration::from_millis(100),
            Duration::from_secs(1),
            1.5,
        ))
    })
}

/// An emulator is either there or not: retry briefly. Real Vertex AI: the client's default.
fn retry_policy(endpoint: Option<&Endpoint>) -> Option<RetryPolicy> {
    is_local(endpoint).then(|| {
        RetryPolicy::default()
            .with_attempt_limit(2)
            .with_backoff(Backoff::new(
                Duration::from_millis(50),
                Duration::from_millis(200),
                2.0,
            ))
    })
}

/// The client for a connection; `report` says whether slow requests are told about.
fn client(connection: Option<&Connection>, report: bool) -> anyhow::Result<Client> {
    let connection = connection.context("this command does not talk to Vertex AI")?;
    let location = &connection.location;
    let mut builder = Client::builder()
        .project(location.project().clone())
        .location(location.location().clone())
        .api_version(connection.api_version)
        // clap already read GOOGLE_VERTEX_BASE_URL into --endpoint.
        .read_environment(false)
        .transport(Arc::new(
            Patient::reqwest(connection.request_timeout, report).context("cannot set up HTTPS")?,
        ));
    let endpoint = connection.endpoint.as_ref();
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint(endpoint.clone());
    }
    if let Some(provider) = token_provider(connection.access_token.as_deref(), endpoint) {
        builder = builder.token_provider(provider);
    }
    if let Some(policy) = poll_policy(endpoint) {
        builder = builder.poll_policy(policy);
    }
    if let Some(policy) = retry_policy(endpoint) {
        builder = builder.retry_policy(policy);
    }
    builder
        .build()
        .context("cannot set up the Vertex AI client")
}

/// `retune completions SHELL`: the script on stdout.
fn completions(shell: clap_complete::Shell) -> anyhow::Result<Exit> {
    let mut command = crate::args::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "retune", &mut script);
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&script)?;
    stdout.flush()?;
    Ok(Exit::Ok)
}
