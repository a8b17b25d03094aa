//! `retune quickstart`: the whole continuous-tuning flow against an in-process emulator, narrated
//! for someone who has never seen it, in well under five seconds.
//!
//! It starts the emulator on a free loopback port (jobs finish instantly), uploads the bundled
//! data sets through the Cloud Storage JSON API, tunes `gemini-2.5-flash`, lists the checkpoints,
//! continues tuning from one of them with new data, asks both versions a question of the new
//! data (only the new one knows it), shows the new version under the same parent, sets an alias, shows a continuation the rules refuse (nothing is sent), and prints the
//! lineage. Every call goes through the same client and HTTP as the other commands.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use bytes::Bytes;
use futures::TryStreamExt;
use mock_vertex::{JobSpeed, MockVertex};
use retune_client::auth::NoAuth;
use retune_client::endpoint::Endpoint;
use retune_client::transport::{ReqwestTransport, Transport};
use retune_client::{
    Checkpoint, Client, DatasetUri, GenerateTarget, ListOptions, Model, TuningJob, TuningJobSpec,
    user_text,
};
use retune_model::base_model::BaseModel;
use retune_model::dataset::{DatasetKind, DatasetLimits, validate_dataset};
use retune_model::gcs::{BucketName, GcsUri, ObjectName};
use retune_model::job_state::JobState;
use retune_model::names::{CheckpointId, KmsKeyName, ModelRef, VersionAlias};
use retune_model::registry::AliasChange;
use retune_model::wire;

use crate::exit::Exit;
use crate::gcs;
use crate::output::Out;
use crate::progress;
use crate::render;

/// The project the quickstart works in (the emulator accepts any).
pub const PROJECT: &str = "quickstart-project";
/// The location.
pub const LOCATION: &str = "us-central1";
/// The bucket the data sets are uploaded to.
pub const BUCKET: &str = "retune-quickstart";
/// The foundation model tuned first.
pub const BASE_MODEL: &str = "gemini-2.5-flash";
/// Epochs of the first job: one checkpoint per epoch.
const EPOCHS: u32 = 3;
/// The alias put on the continued version.
const ALIAS: &str = "production";

/// The bundled data sets: name and contents.
const DATASETS: [(&str, &str); 3] = [
    (
        "support-v1.jsonl",
        include_str!("../../data/support-v1.jsonl"),
    ),
    (
        "support-v2.jsonl",
        include_str!("../../data/support-v2.jsonl"),
    ),
    (
        "support-validation.jsonl",
        include_str!("../../data/support-validation.jsonl"),
    ),
];

const STEPS: usize = 10;

/// A question of the second data set (support-v2.jsonl) that the first one has no words for.
const NEW_QUESTION: &str = "How do I turn on parental controls?";

struct Narrator<'a> {
    out: &'a Out,
    step: usize,
}

impl Narrator<'_> {
    fn step(&mut self, text: impl AsRef<str>) -> anyhow::Result<()> {
        self.step += 1;
        self.out.say("")?;
        self.out
            .say(format!("[{}/{STEPS}] {}", self.step, text.as_ref()))?;
        Ok(())
    }

    fn detail(&self, text: impl AsRef<str>) -> anyhow::Result<()> {
        for line in text.as_ref().lines() {
            self.out.say(format!("      {line}"))?;
        }
        Ok(())
    }
}

/// Runs the quickstart.
pub async fn run(out: &Out) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let mut n = Narrator { out, step: 0 };
    out.say("retune quickstart: continuous tuning of a Gemini model, end to end, against a local")?;
    out.say(
        "Vertex AI emulator. Every step below is an ordinary API call you can make with retune.",
    )?;

    // 1. The emulator.
    let server = MockVertex::builder()
        .jobs(JobSpeed::Instant)
        .start()
        .await
        .context("cannot start the emulator")?;
    let base_url = server.base_url();
    let endpoint: Endpoint = base_url
        .parse()
        .with_context(|| format!("the emulator's address {base_url:?} is not a URL"))?;
    let client = Client::builder()
        .project(PROJECT.parse().context("project id")?)
        .location(LOCATION.parse().context("location id")?)
        .endpoint(endpoint.clone())
        .token_provider(Arc::new(NoAuth))
        .read_environment(false)
        .poll_policy(super::poll_policy(Some(&endpoint)).unwrap_or_default())
        .build()
        .context("cannot set up the client")?;
    n.step(format!(
        "Started the Vertex AI emulator at {base_url} (project {PROJECT}, location {LOCATION})."
    ))?;
    n.detail("Tuning jobs finish instantly here; on Vertex AI they take minutes to hours.")?;

    // 2. Data.
    n.step(format!(
        "Checking the bundled data sets and uploading them to gs://{BUCKET}:"
    ))?;
    let uris = upload_datasets(&endpoint, &n).await?;
    let [first_data, more_data, validation_data] = uris;

    // 3. Tune the foundation model.
    let base = BaseModel::lookup(BASE_MODEL).context("the quickstart's base model")?;
    n.step(format!(
        "Tuning {BASE_MODEL} on support-v1.jsonl for {EPOCHS} epochs (supervised fine-tuning)."
    ))?;
    let spec = TuningJobSpec::from_base_model(base, first_data)
        .with_validation_dataset(validation_data)
        .with_epoch_count(EPOCHS)
        .with_display_name("acme-support");
    let job = client
        .create_tuning_job(&spec)
        .await
        .context("cannot create the first tuning job")?;
    let job = wait(&client, &job, out).await?;
    let first_version = tuned_version(&job)?;
    let model = first_version.name().clone();
    n.detail(format!(
        "Job {} {}: it made model {}, version {}.",
        render::job_id(&job.name),
        render::state_name(job.state.unwrap_or(JobState::Unspecified)),
        model.model_id(),
        version_of(&first_version)
    ))?;
    n.detail(format!("Full name: {first_version}"))?;

    // 4. Checkpoints.
    n.step(format!(
        "Checkpoints of version {}: one per epoch; the default one is served and continued from.",
        version_of(&first_version)
    ))?;
    let version = client
        .get_model(&first_version)
        .await
        .context("cannot get the tuned model")?;
    let checkpoints: Vec<Checkpoint> = client
        .list_checkpoints(&first_version)
        .try_collect()
        .await
        .context("cannot list checkpoints")?;
    let table: Vec<wire::ModelVersionCheckpoint> =
        checkpoints.iter().map(|c| c.as_wire().clone()).collect();
    n.detail(render::checkpoints_table(&table, &version.default_checkpoint_id).render())?;
    let chosen = choose_checkpoint(&checkpoints, &version.default_checkpoint_id)?;

    // 5. Continue tuning.
    n.step(format!(
        "Continuing tuning from checkpoint {chosen} (not the default) with new data, support-v2.jsonl."
    ))?;
    let request = client
        .continue_tuning(first_version.clone(), more_data.clone())
        .checkpoint(chosen)
        .spec(|s| s.with_epoch_count(2));
    let plan = request
        .dry_run()
        .await
        .context("cannot plan the continuation")?;
    n.detail(
        "The client checks every rule first, without sending anything (--dry-run shows this):",
    )?;
    n.detail(render::plan_fields(&plan).render(2))?;
    let continued = request
        .send()
        .await
        .context("cannot create the continuous-tuning job")?;
    let job = wait(&client, &continued.job, out).await?;
    let second_version = tuned_version(&job)?;
    n.detail(format!(
        "Job {} {}: it made version {} of the same model {}.",
        render::job_id(&job.name),
        render::state_name(job.state.unwrap_or(JobState::Unspecified)),
        version_of(&second_version),
        model.model_id()
    ))?;

    // 6. Both versions answer a question of the new data.
    n.step(format!(
        "Asking versions {} and {} a question of the new data: \"{NEW_QUESTION}\"",
        version_of(&first_version),
        version_of(&second_version)
    ))?;
    for version in [&first_version, &second_version] {
        let target = GenerateTarget::Version {
            model: version.clone(),
            checkpoint: None,
        };
        let answer = client
            .generate_content(&target, &user_text(NEW_QUESTION))
            .await
            .with_context(|| format!("cannot ask version {}", version_of(version)))?;
        n.detail(format!(
            "Version {}: {}",
            version_of(version),
            answer.text()
        ))?;
    }
    n.detail("Version 1 was never tuned on it, so its base model answers; version 2 learned it.")?;

    // 7. Versions.
    n.step(format!(
        "Versions of model {}: the new version sits under the same parent.",
        model.model_id()
    ))?;
    let versions: Vec<wire::Model> = client
        .list_model_versions(&model, ListOptions::new())
        .map_ok(Model::into_wire)
        .try_collect()
        .await
        .context("cannot list versions")?;
    n.detail(render::models_table(&versions).render())?;

    // 8. Alias.
    let alias: VersionAlias = ALIAS.parse().context("the quickstart's alias")?;
    n.step(format!(
        "Putting the alias \"{alias}\" on version {}, so callers can use {}@{alias}.",
        version_of(&second_version),
        model.model_id()
    ))?;
    let updated = client
        .merge_version_aliases(&second_version, &[AliasChange::Add(alias.clone())])
        .await
        .context("cannot set the alias")?;
    n.detail(format!(
        "Version {} now has the aliases: {}.",
        updated.version_id,
        updated.version_aliases.join(", ")
    ))?;

    // 9. A refused continuation.
    let other_key: KmsKeyName = format!(
        "projects/{PROJECT}/locations/{LOCATION}/keyRings/quickstart/cryptoKeys/another-key"
    )
    .parse()
    .context("the quickstart's KMS key")?;
    let missing_checkpoint = CheckpointId::from_number(99);
    let refused_ref = model.at(Some(alias.clone().into()));
    n.step(format!(
        "A continuation the rules refuse: {}@{alias} with another KMS key and checkpoint {missing_checkpoint}.",
        model.model_id()
    ))?;
    let refusal = client
        .continue_tuning(refused_ref, more_data)
        .checkpoint(missing_checkpoint)
        .kms_key(other_key)
        .dry_run()
        .await;
    match refusal {
        Ok(_) => anyhow::bail!("the emulator accepted a continuation it must refuse"),
        Err(err) if !err.refusals().is_empty() => {
            n.detail(format!(
                "Refused before anything was sent, with every reason at once ({}):",
                err.refusals().len()
            ))?;
            for reason in err.refusals() {
                n.detail(format!("- {}: {reason}", reason.code().as_str()))?;
            }
        }
        Err(err) => return Err(anyhow::Error::new(err).context("cannot check the continuation")),
    }

    // 10. Lineage.
    n.step(format!(
        "Lineage of model {}: each version back to the foundation model.",
        model.model_id()
    ))?;
    let lineage = client
        .lineage(&model)
        .await
        .context("cannot trace the lineage")?;
    for line in render::lineage_lines(&lineage) {
        n.detail(line)?;
    }

    drop(server);
    out.say("")?;
    if out.is_json() {
        // Scripts get one document: what was made, and the lineage.
        out.json_value(&serde_json::json!({
            "firstVersion": first_version.to_string(),
            "continuedVersion": second_version.to_string(),
            "alias": alias.to_string(),
            "lineage": render::lineage_json(&lineage),
            "seconds": started.elapsed().as_secs_f64(),
        }))?;
        return Ok(Exit::Ok);
    }
    out.line(format!(
        "Quickstart complete in {:.1}s: tuned, continued from a checkpoint, aliased, refused, traced.",
        started.elapsed().as_secs_f64()
    ))?;
    out.say("Try it yourself: `retune emulator serve` in one terminal, then for example")?;
    out.say("  retune --endpoint http://127.0.0.1:8080 --project my-project tune --base-model gemini-2.5-flash \\")?;
    out.say("    --train gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl --wait")?;
    Ok(Exit::Ok)
}

/// Validates each bundled data set locally, then uploads it; returns the three URIs.
async fn upload_datasets(endpoint: &Endpoint, n: &Narrator<'_>) -> anyhow::Result<[DatasetUri; 3]> {
    let transport: Arc<dyn Transport> =
        Arc::new(ReqwestTransport::new().context("cannot set up HTTP")?);
    let bucket = BucketName::parse(BUCKET).context("the quickstart's bucket")?;
    gcs::create_bucket(&transport, Some(endpoint), PROJECT, &bucket)
        .await
        .context("cannot create the bucket")?;
    let mut uris = Vec::new();
    for (name, text) in DATASETS {
        let kind = if name.contains("validation") {
            DatasetKind::Validation
        } else {
            DatasetKind::Training
        };
        let report = validate_dataset(text, kind, &DatasetLimits::GEMINI_2_5);
        anyhow::ensure!(report.is_valid(), "the bundled data set {name} is invalid");
        let object = ObjectName::parse(name).context("the quickstart's data set name")?;
        let destination = GcsUri::new(bucket.clone(), object);
        gcs::upload(
            &transport,
            Some(endpoint),
            &destination,
            Bytes::from_static(text.as_bytes()),
            &|_| {},
        )
        .await
        .with_context(|| format!("cannot upload {name}"))?;
        n.detail(format!(
            "{destination}  {} examples, {kind} set, valid",
            report.example_count
        ))?;
        uris.push(DatasetUri::from(destination));
    }
    uris.try_into()
        .map_err(|_| anyhow::anyhow!("expected three data sets"))
}

/// Waits for a job (instant here) and insists that it succeeded.
async fn wait(client: &Client, job: &TuningJob, out: &Out) -> anyhow::Result<TuningJob> {
    let done = progress::follow(client, job.name(), None, out).await?;
    let state = done.state.unwrap_or(JobState::Unspecified);
    anyhow::ensure!(
        state == JobState::Succeeded,
        "tuning job {} ended {}",
        done.name,
        render::state_name(state)
    );
    Ok(done)
}

/// `…/models/{m}@{v}` of the model a job made.
fn tuned_version(job: &TuningJob) -> anyhow::Result<ModelRef> {
    job.tuned_model()
        .cloned()
        .context("the finished job names no tuned model")
}

fn version_of(model: &ModelRef) -> String {
    model
        .selector()
        .map(ToString::to_string)
        .unwrap_or_else(|| "default".to_owned())
}

/// A checkpoint other than the default (the one before it), to show that any can be chosen.
fn choose_checkpoint(checkpoints: &[Checkpoint], default: &str) -> anyhow::Result<CheckpointId> {
    checkpoints
        .iter()
        .rev()
        .find(|c| c.checkpoint_id != default)
        .or_else(|| checkpoints.first())
        .map(Checkpoint::id)
        .context("the tuned model has no checkpoints")
}
