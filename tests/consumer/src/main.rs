//! Continuous tuning as a crate that depends on `retune-client` writes it: every import from
//! `retune_client::prelude`, every flow function returning `retune_client::Error`, and nothing
//! the client returned parsed again.
//!
//! It runs the recipe twice against the emulator: in process (`Client::in_process` over
//! `mock_vertex::router`), then over HTTP on 127.0.0.1:0 (`Client::for_emulator`). It tunes a
//! base model, waits, lists the checkpoints, continues from one of them, puts an alias on the
//! new version, walks the lineage, and sees a continuation refused before anything is sent.
//! Last, it runs the README's library snippet as pasted (lifted by `build.rs`) against an
//! emulator over HTTP started as the README says (`--jobs instant`).
//! `tests/tests/consumer.rs` builds and runs it.

use std::sync::OnceLock;

use mock_vertex::{Emulator, JobSpeed, MockVertex};
use retune_client::prelude::*;

/// The README's library snippet, with its `main` renamed `readme_main`.
mod readme {
    include!(concat!(env!("OUT_DIR"), "/readme_snippet.rs"));
}

/// Where the README snippet finds the emulator (the README says `http://127.0.0.1:8080`).
static README_EMULATOR: OnceLock<String> = OnceLock::new();

fn readme_emulator_url() -> &'static str {
    README_EMULATOR
        .get()
        .map(String::as_str)
        .expect("the emulator for the README snippet is started first")
}

const TRAINING_DATA: &str =
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let in_process = Client::in_process(
        mock_vertex::router(Emulator::builder().jobs(JobSpeed::Instant).build()),
        "consumer-project".parse()?,
        "us-central1".parse()?,
    );
    recipe(&in_process).await?;
    println!("in process: ok");

    let server = MockVertex::builder().jobs(JobSpeed::Instant).start().await?;
    let over_http = Client::for_emulator(
        server.base_url().parse()?,
        "consumer-project".parse()?,
        "us-central1".parse()?,
    )?;
    recipe(&over_http).await?;
    println!("over HTTP: ok");

    let readme_server = MockVertex::builder().jobs(JobSpeed::Instant).start().await?;
    README_EMULATOR
        .set(readme_server.base_url().to_string())
        .expect("set once");
    let started = std::time::Instant::now();
    readme::readme_main().await?;
    println!("README snippet: ok in {} ms", started.elapsed().as_millis());
    Ok(())
}

/// The whole recipe against one client.
async fn recipe(client: &Client) -> Result<(), Error> {
    let first = tune(client).await?;
    let checkpoint = pick_checkpoint(client, &first).await?;
    let second = continue_from(client, &first, checkpoint).await?;
    set_alias(client, &second).await?;
    check_lineage(client, &second, checkpoint).await?;
    see_a_refusal(client, &second).await?;
    Ok(())
}

/// Tunes `gemini-2.5-flash` and returns the model version the job made.
async fn tune(client: &Client) -> Result<ModelRef, Error> {
    let spec = TuningJobSpec::from_base_model("gemini-2.5-flash".parse()?, TRAINING_DATA.parse()?)
        .with_display_name("consumer-bot")
        .with_epoch_count(3);
    let job = client.create_tuning_job(&spec).await?;
    println!("created {}", job.name());
    let done = client.wait_for_job(job.name()).until_done().await?;
    assert_eq!(done.state(), JobState::Succeeded);
    let tuned = done.tuned_model().expect("a succeeded job names its model");
    assert_eq!(tuned.version_id(), Some(VersionId::FIRST));
    println!("{} made {tuned}", done.name());
    Ok(tuned.clone())
}

/// Lists the checkpoints of `version` and picks the first one (not the default, the last).
async fn pick_checkpoint(client: &Client, version: &ModelRef) -> Result<CheckpointId, Error> {
    let checkpoints: Vec<Checkpoint> = client.list_checkpoints(version).try_collect().await?;
    assert_eq!(checkpoints.len(), 3, "one checkpoint per epoch");
    for c in &checkpoints {
        println!("checkpoint {} (epoch {}, step {})", c.id(), c.epoch(), c.step());
    }
    Ok(checkpoints[0].id())
}

/// Continues tuning `version` from `checkpoint`; returns the new version.
async fn continue_from(
    client: &Client,
    version: &ModelRef,
    checkpoint: CheckpointId,
) -> Result<ModelRef, Error> {
    let continued = client
        .continue_tuning(version.clone(), TRAINING_DATA.parse()?)
        .checkpoint(checkpoint)
        .spec(|s| s.with_epoch_count(2))
        .send()
        .await?;
    println!("plan: {}", continued.plan);
    assert_eq!(continued.plan.checkpoint, checkpoint);
    let done = client
        .wait_for_job(continued.job.name())
        .until_done()
        .await?;
    let tuned = done.tuned_model().expect("a succeeded job names its model");
    assert_eq!(tuned.name(), version.name(), "a new version of the same model");
    assert_eq!(tuned.version_id(), VersionId::from_number(2));
    Ok(tuned.clone())
}

/// Puts `production` on `version`, and reads the version back through the alias.
async fn set_alias(client: &Client, version: &ModelRef) -> Result<(), Error> {
    let production: VersionAlias = "production".parse()?;
    let updated = client
        .merge_version_aliases(version, &[AliasChange::Add(production.clone())])
        .await?;
    assert!(updated.has_alias(&production));
    let by_alias = client
        .get_model(&version.name().at(Some(production.into())))
        .await?;
    assert_eq!(by_alias.model_ref(), *version);
    println!("{} is now {}@production", by_alias.model_ref(), by_alias.name());
    Ok(())
}

/// Walks the lineage of the model: version 2 came from version 1 at `checkpoint`, which came
/// from the foundation model.
async fn check_lineage(
    client: &Client,
    version: &ModelRef,
    checkpoint: CheckpointId,
) -> Result<(), Error> {
    let lineage = client.lineage(version.name()).await?;
    println!("lineage:\n{lineage}");
    assert_eq!(lineage.versions.len(), 2);
    let second = &lineage.versions[1];
    assert_eq!(second.foundation(), Some("gemini-2.5-flash"));
    match &second.steps[0].origin {
        Origin::PreTuned {
            checkpoint: from, ..
        } => assert_eq!(*from, Some(checkpoint)),
        other => panic!("version 2 should come from version 1, not {other}"),
    }
    Ok(())
}

/// Asks to continue from a checkpoint that does not exist: refused, with the reason, before
/// anything is sent.
async fn see_a_refusal(client: &Client, version: &ModelRef) -> Result<(), Error> {
    let err = client
        .continue_tuning(version.clone(), TRAINING_DATA.parse()?)
        .checkpoint(CheckpointId::from_number(99))
        .dry_run()
        .await
        .expect_err("checkpoint 99 does not exist");
    assert!(!err.may_have_been_sent());
    assert_eq!(err.code(), Some(Code::InvalidArgument));
    let reasons = err.refusals();
    assert!(
        reasons
            .iter()
            .any(|r| matches!(r, Refusal::Checkpoint { .. })),
        "{err}"
    );
    println!("refused: {err}");
    Ok(())
}
