//! Drives mock-vertex with the official Rust crate `google-cloud-aiplatform-v1` over REST.
//!
//! ```text
//! cargo run --manifest-path conformance/gapic-rust/Cargo.toml -- http://127.0.0.1:PORT [--direct]
//! ```
//!
//! The emulator must run with `--jobs instant`. The clients are built exactly as an application
//! points them at an emulator: `.with_endpoint(url)` and anonymous credentials, which makes the
//! crate send no `Authorization` header. Every call goes through a transparent TCP relay that
//! keeps a transcript of the bytes exchanged, so a failing check prints the exact requests and
//! responses behind it; `--direct` skips the relay.
//!
//! Flow: tune `gemini-2.5-flash`, poll until the job ends, read the tuned model, its versions and
//! checkpoints; continue tuning from checkpoint 1 (a new version of the same model); continue with
//! a new display name (a new model); merge a version alias and get by it; list jobs; get a missing
//! job (NOT_FOUND). Prints one line per check and `N passed, M failed`; exits 1 when a check
//! fails and 2 on a usage or setup error.

use std::collections::BTreeSet;
use std::future::Future;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail, ensure};
use google_cloud_aiplatform_v1::client::{GenAiTuningService, ModelService};
use google_cloud_aiplatform_v1::model::supervised_hyper_parameters::AdapterSize;
use google_cloud_aiplatform_v1::model::{
    JobState, PreTunedModel, SupervisedHyperParameters, SupervisedTuningSpec, TuningJob,
};
use google_cloud_auth::credentials::anonymous;
use google_cloud_gax::error::rpc::Code;
use google_cloud_gax::paginator::ItemPaginator as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Prefix of the project used in every resource name. Each run adds its start time and process
/// id: the emulator isolates projects, so a run sees only what it creates, even when the same
/// emulator served earlier runs.
const PROJECT_PREFIX: &str = "gapic-rust";
/// Location used in every resource name.
const LOCATION: &str = "us-central1";
/// The base model the source document tunes.
const BASE_MODEL: &str = "gemini-2.5-flash";
/// Label the service puts on tuned models, and its value for [`BASE_MODEL`].
const BASE_MODEL_LABEL: (&str, &str) =
    ("google-vertex-llm-tuning-base-model-id", "gemini-2_5-flash");
/// The source document's training data, preloaded by the emulator.
const TRAINING_URI: &str =
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";
/// The source document's validation data, preloaded by the emulator.
const VALIDATION_URI: &str =
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_validation_data.jsonl";
const DISPLAY_NAME: &str = "gapic-rust-model";
const NEW_DISPLAY_NAME: &str = "gapic-rust-something-new";
const ALIAS: &str = "golden";
/// Upper bound on `get` calls while waiting for a job; instant jobs end within a few.
const MAX_POLLS: usize = 100;
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// How much of the transcript a failing check prints, from its end.
const TRANSCRIPT_TAIL: usize = 12_000;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Parses the arguments, sets up the clients and runs every check; `Ok(false)` when one failed.
async fn run() -> Result<bool> {
    let mut url = None;
    let mut direct = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--direct" => direct = true,
            _ if url.is_none() && !arg.starts_with('-') => url = Some(arg),
            _ => bail!("usage: gapic-rust-conformance http://127.0.0.1:PORT [--direct]"),
        }
    }
    let url = url.context("usage: gapic-rust-conformance http://127.0.0.1:PORT [--direct]")?;
    let url = url.trim_end_matches('/').to_string();

    let transcript = Transcript::default();
    let endpoint = if direct {
        url
    } else {
        let upstream = url
            .strip_prefix("http://")
            .filter(|authority| !authority.contains('/'))
            .with_context(|| format!("{url}: expected http://HOST:PORT (or pass --direct)"))?;
        start_relay(upstream.to_string(), transcript.clone()).await?
    };

    let flow = Flow::new(&endpoint).await?;
    let mut runner = Runner {
        transcript,
        passed: 0,
        failed: 0,
    };
    flow.run_all(&mut runner).await;
    println!("{} passed, {} failed", runner.passed, runner.failed);
    Ok(runner.failed == 0)
}

/// Runs checks in order, printing one line each and the wire exchange behind a failure.
struct Runner {
    transcript: Transcript,
    passed: usize,
    failed: usize,
}

impl Runner {
    async fn check(&mut self, name: &str, check: impl Future<Output = Result<()>>) {
        let mark = self.transcript.len();
        match check.await {
            Ok(()) => {
                self.passed += 1;
                println!("ok     {name}");
            }
            Err(error) => {
                self.failed += 1;
                println!("FAILED {name}: {error:#}");
                let exchange = self.transcript.since(mark);
                if !exchange.is_empty() {
                    println!("--- wire exchange of {name} ---\n{exchange}\n--- end of {name} ---");
                }
            }
        }
    }
}

/// The flow's clients and the names earlier checks created for later ones.
struct Flow {
    tuning: GenAiTuningService,
    models: ModelService,
    parent: String,
    state: Mutex<Created>,
}

/// Resources created along the flow.
#[derive(Default, Clone)]
struct Created {
    job_names: Vec<String>,
    /// `projects/p/locations/l/models/{id}@1`, from the first job.
    tuned_model: Option<String>,
}

impl Flow {
    /// Builds both clients as an application would against an emulator.
    async fn new(endpoint: &str) -> Result<Self> {
        let tuning = GenAiTuningService::builder()
            .with_endpoint(endpoint)
            .with_credentials(anonymous::Builder::new().build())
            .build()
            .await
            .context("building GenAiTuningService")?;
        let models = ModelService::builder()
            .with_endpoint(endpoint)
            .with_credentials(anonymous::Builder::new().build())
            .build()
            .await
            .context("building ModelService")?;
        Ok(Self {
            tuning,
            models,
            parent: format!("projects/{}/locations/{LOCATION}", run_project()),
            state: Mutex::new(Created::default()),
        })
    }

    /// Runs every check in order; each is named after the method that performs it.
    async fn run_all(&self, runner: &mut Runner) {
        macro_rules! run {
            ($($check:ident),* $(,)?) => {
                $(runner.check(stringify!($check), self.$check()).await;)*
            };
        }
        run!(
            create_job_from_base_model,
            get_tuned_model_version,
            list_model_versions,
            list_model_version_checkpoints,
            continue_from_checkpoint_adds_version,
            continue_with_new_display_name_creates_model,
            merge_version_aliases_and_get_by_alias,
            list_tuning_jobs_across_pages,
            get_missing_job_is_not_found,
        );
    }

    // --- helpers --------------------------------------------------------------------------

    fn created(&self) -> Created {
        self.state
            .lock()
            .map(|state| state.clone())
            .unwrap_or_default()
    }

    fn update(&self, change: impl FnOnce(&mut Created)) {
        if let Ok(mut state) = self.state.lock() {
            change(&mut state);
        }
    }

    /// The first job's tuned model version (`…/models/{id}@1`), or why it is missing.
    fn tuned_model(&self) -> Result<String> {
        self.created()
            .tuned_model
            .context("needs the tuned model of create_job_from_base_model")
    }

    fn supervised_spec(epochs: i64, validation: bool) -> SupervisedTuningSpec {
        SupervisedTuningSpec::new()
            .set_training_dataset_uri(TRAINING_URI)
            .set_validation_dataset_uri(if validation { VALIDATION_URI } else { "" })
            .set_hyper_parameters(
                SupervisedHyperParameters::new()
                    .set_epoch_count(epochs)
                    .set_adapter_size(AdapterSize::Four),
            )
    }

    async fn create(&self, job: TuningJob) -> Result<TuningJob> {
        let created = self
            .tuning
            .create_tuning_job()
            .set_parent(&self.parent)
            .set_tuning_job(job)
            .send()
            .await
            .map_err(rpc_error)
            .context("create_tuning_job")?;
        let id = created
            .name
            .strip_prefix(&format!("{}/tuningJobs/", self.parent))
            .with_context(|| format!("job name {:?} is not under {}", created.name, self.parent))?;
        ensure!(
            id.bytes().all(|b| b.is_ascii_digit()),
            "job id is not numeric: {}",
            created.name
        );
        ensure!(
            !matches!(created.state, JobState::Failed | JobState::Cancelled),
            "create answered {:?}: {:?}",
            created.state,
            created.error
        );
        let name = created.name.clone();
        self.update(|state| state.job_names.push(name));
        Ok(created)
    }

    async fn wait_until_ended(&self, name: &str) -> Result<TuningJob> {
        let mut last = JobState::Unspecified;
        for _ in 0..MAX_POLLS {
            let job = self
                .tuning
                .get_tuning_job()
                .set_name(name)
                .send()
                .await
                .map_err(rpc_error)
                .with_context(|| format!("get_tuning_job {name}"))?;
            if is_terminal(&job.state) {
                return Ok(job);
            }
            last = job.state;
            tokio::time::sleep(POLL_INTERVAL).await;
        }
        bail!("{name} had not ended after {MAX_POLLS} polls (state {last:?})")
    }

    async fn succeeded(&self, name: &str) -> Result<TuningJob> {
        let job = self.wait_until_ended(name).await?;
        ensure!(
            job.state == JobState::Succeeded,
            "{name}: {:?}, error {:?}",
            job.state,
            job.error
        );
        let tuned = job
            .tuned_model
            .as_ref()
            .context("succeeded job without tunedModel")?;
        ensure!(
            !tuned.model.is_empty() && !tuned.endpoint.is_empty(),
            "tunedModel {tuned:?}"
        );
        ensure!(
            !job.experiment.is_empty(),
            "succeeded job without experiment"
        );
        ensure!(
            job.create_time.is_some() && job.start_time.is_some() && job.end_time.is_some(),
            "times: create {:?}, start {:?}, end {:?}",
            job.create_time,
            job.start_time,
            job.end_time
        );
        let examples = job
            .tuning_data_stats
            .as_ref()
            .and_then(|stats| stats.supervised_tuning_data_stats())
            .map(|stats| stats.tuning_dataset_example_count);
        ensure!(
            examples.is_some_and(|n| n > 0),
            "tuningDataStats {:?}",
            job.tuning_data_stats
        );
        Ok(job)
    }

    async fn versions_of(&self, model: &str) -> Result<Vec<(String, String)>> {
        let mut versions = Vec::new();
        let mut items = self.models.list_model_versions().set_name(model).by_item();
        while let Some(version) = items.next().await {
            let version = version.map_err(rpc_error).context("list_model_versions")?;
            versions.push((version.name, version.version_id));
        }
        versions.sort();
        Ok(versions)
    }

    // --- checks ---------------------------------------------------------------------------

    async fn create_job_from_base_model(&self) -> Result<()> {
        let created = self
            .create(
                TuningJob::new()
                    .set_base_model(BASE_MODEL)
                    .set_supervised_tuning_spec(Self::supervised_spec(2, true))
                    .set_tuned_model_display_name(DISPLAY_NAME)
                    .set_labels([("suite", "gapic-rust")]),
            )
            .await?;
        ensure!(
            created.base_model().map(String::as_str) == Some(BASE_MODEL),
            "created job's baseModel: {:?}",
            created.base_model()
        );
        let job = self.succeeded(&created.name).await?;
        let spec = job
            .supervised_tuning_spec()
            .context("job without supervisedTuningSpec")?;
        ensure!(
            spec.training_dataset_uri == TRAINING_URI
                && spec.validation_dataset_uri == VALIDATION_URI,
            "dataset URIs echoed as {spec:?}"
        );
        let hyper = spec
            .hyper_parameters
            .as_ref()
            .context("job without hyperParameters")?;
        ensure!(hyper.epoch_count == 2, "epochCount {}", hyper.epoch_count);
        ensure!(
            hyper.adapter_size == AdapterSize::Four,
            "adapterSize {:?}",
            hyper.adapter_size
        );
        ensure!(
            job.labels.get("suite").map(String::as_str) == Some("gapic-rust"),
            "labels {:?}",
            job.labels
        );

        let tuned = job.tuned_model.context("tunedModel")?;
        let (_, version) = split_model(&tuned.model)?;
        ensure!(
            version == Some("1"),
            "tuned model {} is not version 1",
            tuned.model
        );
        let ids: Vec<&str> = tuned
            .checkpoints
            .iter()
            .map(|c| c.checkpoint_id.as_str())
            .collect();
        ensure!(ids == ["1", "2"], "checkpoint ids {ids:?}");
        let epochs: Vec<i64> = tuned.checkpoints.iter().map(|c| c.epoch).collect();
        ensure!(epochs == [1, 2], "checkpoint epochs {epochs:?}");
        ensure!(
            tuned.checkpoints.iter().all(|c| !c.endpoint.is_empty()),
            "checkpoint without endpoint: {:?}",
            tuned.checkpoints
        );
        let last = tuned.checkpoints.last().map(|c| c.endpoint.as_str());
        ensure!(
            last == Some(tuned.endpoint.as_str()),
            "tuned model endpoint {} is not the default (last) checkpoint's {last:?}",
            tuned.endpoint
        );
        self.update(|state| state.tuned_model = Some(tuned.model.clone()));
        Ok(())
    }

    async fn get_tuned_model_version(&self) -> Result<()> {
        let tuned_model = self.tuned_model()?;
        let model = self
            .models
            .get_model()
            .set_name(&tuned_model)
            .send()
            .await
            .map_err(rpc_error)
            .context("get_model")?;
        let (base, _) = split_model(&tuned_model)?;
        ensure!(
            split_model(&model.name)?.0 == base,
            "model name {}",
            model.name
        );
        ensure!(model.version_id == "1", "versionId {:?}", model.version_id);
        ensure!(
            model.version_aliases.iter().any(|a| a == "default"),
            "aliases {:?}",
            model.version_aliases
        );
        ensure!(
            model.display_name == DISPLAY_NAME,
            "displayName {:?}",
            model.display_name
        );
        ensure!(
            model.default_checkpoint_id == "2",
            "defaultCheckpointId {:?}",
            model.default_checkpoint_id
        );
        let ids: Vec<&str> = model
            .checkpoints
            .iter()
            .map(|c| c.checkpoint_id.as_str())
            .collect();
        ensure!(ids == ["1", "2"], "model checkpoints {ids:?}");
        let (key, value) = BASE_MODEL_LABEL;
        ensure!(
            model.labels.get(key).map(String::as_str) == Some(value),
            "labels {:?}",
            model.labels
        );

        let bare = self
            .models
            .get_model()
            .set_name(base)
            .send()
            .await
            .map_err(rpc_error)
            .context("get_model without a version")?;
        ensure!(
            bare.version_id == "1",
            "bare name gave version {:?}",
            bare.version_id
        );
        Ok(())
    }

    async fn list_model_versions(&self) -> Result<()> {
        let tuned_model = self.tuned_model()?;
        let (base, _) = split_model(&tuned_model)?;
        let versions = self.versions_of(base).await?;
        ensure!(
            versions == [(format!("{base}@1"), "1".to_string())],
            "versions (name, versionId): {versions:?}"
        );
        Ok(())
    }

    async fn list_model_version_checkpoints(&self) -> Result<()> {
        let tuned_model = self.tuned_model()?;
        let mut checkpoints = Vec::new();
        let mut items = self
            .models
            .list_model_version_checkpoints()
            .set_name(&tuned_model)
            .by_item();
        while let Some(checkpoint) = items.next().await {
            checkpoints.push(
                checkpoint
                    .map_err(rpc_error)
                    .context("list_model_version_checkpoints")?,
            );
        }
        let ids: Vec<&str> = checkpoints
            .iter()
            .map(|c| c.checkpoint_id.as_str())
            .collect();
        ensure!(ids == ["1", "2"], "checkpoint ids {ids:?}");
        let epochs: Vec<i64> = checkpoints.iter().map(|c| c.epoch).collect();
        ensure!(epochs == [1, 2], "checkpoint epochs {epochs:?}");
        ensure!(
            checkpoints.iter().all(|c| c.step > 0),
            "checkpoint steps {checkpoints:?}"
        );
        Ok(())
    }

    async fn continue_from_checkpoint_adds_version(&self) -> Result<()> {
        let tuned_model = self.tuned_model()?;
        let created = self
            .create(
                TuningJob::new()
                    .set_pre_tuned_model(
                        PreTunedModel::new()
                            .set_tuned_model_name(&tuned_model)
                            .set_checkpoint_id("1"),
                    )
                    .set_supervised_tuning_spec(Self::supervised_spec(1, false)),
            )
            .await?;
        let echoed = created
            .pre_tuned_model()
            .context("created job without preTunedModel")?;
        ensure!(
            echoed.tuned_model_name == tuned_model,
            "preTunedModel {echoed:?}"
        );
        ensure!(
            created.base_model().is_none(),
            "baseModel on a continuous job: {:?}",
            created.base_model()
        );

        let job = self.succeeded(&created.name).await?;
        let (base, _) = split_model(&tuned_model)?;
        let new_version = job
            .tuned_model
            .as_ref()
            .map(|t| t.model.clone())
            .unwrap_or_default();
        ensure!(
            new_version == format!("{base}@2"),
            "tuned model {new_version}, expected {base}@2"
        );
        let pre = job.pre_tuned_model().context("job without preTunedModel")?;
        ensure!(
            pre.base_model == BASE_MODEL,
            "preTunedModel.baseModel {:?}",
            pre.base_model
        );
        ensure!(
            pre.checkpoint_id == "1",
            "preTunedModel.checkpointId {:?}",
            pre.checkpoint_id
        );

        let version_2 = self
            .models
            .get_model()
            .set_name(&new_version)
            .send()
            .await
            .map_err(rpc_error)
            .context("get_model of version 2")?;
        ensure!(
            version_2.version_id == "2",
            "versionId {:?}",
            version_2.version_id
        );
        ensure!(
            version_2.display_name == DISPLAY_NAME,
            "displayName {:?}",
            version_2.display_name
        );
        let versions: Vec<String> = self
            .versions_of(base)
            .await?
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        ensure!(
            versions == ["1", "2"],
            "versions after continuing: {versions:?}"
        );
        Ok(())
    }

    async fn continue_with_new_display_name_creates_model(&self) -> Result<()> {
        let tuned_model = self.tuned_model()?;
        let (base, _) = split_model(&tuned_model)?;
        let created = self
            .create(
                TuningJob::new()
                    .set_pre_tuned_model(PreTunedModel::new().set_tuned_model_name(base))
                    .set_supervised_tuning_spec(Self::supervised_spec(1, false))
                    .set_tuned_model_display_name(NEW_DISPLAY_NAME),
            )
            .await?;
        let job = self.succeeded(&created.name).await?;
        let new_model = job
            .tuned_model
            .as_ref()
            .map(|t| t.model.clone())
            .unwrap_or_default();
        let (new_base, version) = split_model(&new_model)?;
        ensure!(
            version == Some("1") && new_base != base,
            "tuned model {new_model}: expected version 1 of a model other than {base}"
        );
        let pre = job.pre_tuned_model().context("job without preTunedModel")?;
        ensure!(
            pre.base_model == BASE_MODEL,
            "preTunedModel.baseModel {:?}",
            pre.base_model
        );

        let model = self
            .models
            .get_model()
            .set_name(&new_model)
            .send()
            .await
            .map_err(rpc_error)
            .context("get_model of the new model")?;
        ensure!(
            model.display_name == NEW_DISPLAY_NAME,
            "displayName {:?}",
            model.display_name
        );
        ensure!(model.version_id == "1", "versionId {:?}", model.version_id);
        Ok(())
    }

    async fn merge_version_aliases_and_get_by_alias(&self) -> Result<()> {
        let tuned_model = self.tuned_model()?;
        let (base, _) = split_model(&tuned_model)?;
        let merged = self
            .models
            .merge_version_aliases()
            .set_name(format!("{base}@2"))
            .set_version_aliases([ALIAS])
            .send()
            .await
            .map_err(rpc_error)
            .context("merge_version_aliases")?;
        ensure!(
            merged.version_id == "2",
            "merged into version {:?}",
            merged.version_id
        );
        ensure!(
            merged.version_aliases.iter().any(|a| a == ALIAS),
            "aliases {:?}",
            merged.version_aliases
        );

        let by_alias = self
            .models
            .get_model()
            .set_name(format!("{base}@{ALIAS}"))
            .send()
            .await
            .map_err(rpc_error)
            .context("get_model by alias")?;
        ensure!(
            by_alias.version_id == "2",
            "@{ALIAS} gave version {:?}",
            by_alias.version_id
        );
        Ok(())
    }

    async fn list_tuning_jobs_across_pages(&self) -> Result<()> {
        let mut listed = Vec::new();
        let mut items = self
            .tuning
            .list_tuning_jobs()
            .set_parent(&self.parent)
            .set_page_size(2)
            .by_item();
        while let Some(job) = items.next().await {
            listed.push(job.map_err(rpc_error).context("list_tuning_jobs")?.name);
        }
        let unique: BTreeSet<&String> = listed.iter().collect();
        ensure!(
            unique.len() == listed.len(),
            "a job listed twice: {listed:?}"
        );
        let mut newest_first = self.created().job_names;
        ensure!(
            !newest_first.is_empty(),
            "needs the jobs of the earlier checks"
        );
        newest_first.reverse();
        ensure!(
            listed == newest_first,
            "listed {listed:?}, created (newest first) {newest_first:?}"
        );
        Ok(())
    }

    async fn get_missing_job_is_not_found(&self) -> Result<()> {
        let name = format!("{}/tuningJobs/999999999999", self.parent);
        match self.tuning.get_tuning_job().set_name(&name).send().await {
            Ok(job) => bail!("GET {name} succeeded: {job:?}"),
            Err(error) => {
                let code = error.status().map(|status| status.code);
                ensure!(
                    code == Some(Code::NotFound),
                    "expected NOT_FOUND, got {code:?}: {error}"
                );
                ensure!(
                    error.http_status_code() == Some(404),
                    "HTTP status {:?}",
                    error.http_status_code()
                );
                Ok(())
            }
        }
    }
}

/// `gapic-rust-{unix seconds}-{pid}`: at most 29 characters, within the 30 a project id allows.
fn run_project() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    format!("{PROJECT_PREFIX}-{seconds}-{}", std::process::id())
}

fn is_terminal(state: &JobState) -> bool {
    matches!(
        state,
        JobState::Succeeded
            | JobState::Failed
            | JobState::Cancelled
            | JobState::Expired
            | JobState::PartiallySucceeded
    )
}

/// `projects/p/locations/l/models/m@v` -> (`projects/p/locations/l/models/m`, `Some("v")`).
fn split_model(name: &str) -> Result<(&str, Option<&str>)> {
    let segments: Vec<&str> = name.split('/').collect();
    let well_formed = matches!(
        segments.as_slice(),
        ["projects", p, "locations", l, "models", m] if !p.is_empty() && !l.is_empty() && !m.is_empty()
    );
    ensure!(well_formed, "not a model resource name: {name:?}");
    Ok(match name.rsplit_once('@') {
        Some((base, version)) => (base, Some(version)),
        None => (name, None),
    })
}

/// Turns a client error into one that shows the RPC status the crate decoded, if any.
fn rpc_error(error: google_cloud_gax::error::Error) -> anyhow::Error {
    match (error.status(), error.http_status_code()) {
        (Some(status), http) => anyhow!(
            "{:?} (HTTP {}): {}",
            status.code,
            http.map_or_else(|| "?".to_string(), |h| h.to_string()),
            status.message
        ),
        (None, _) => anyhow!(error),
    }
}

/// Bytes exchanged through the relay, in order, as readable text.
#[derive(Clone, Default)]
struct Transcript(Arc<Mutex<String>>);

impl Transcript {
    fn len(&self) -> usize {
        self.0.lock().map(|text| text.len()).unwrap_or(0)
    }

    /// The text recorded after `mark`, cut to its last [`TRANSCRIPT_TAIL`] bytes.
    fn since(&self, mark: usize) -> String {
        let Ok(text) = self.0.lock() else {
            return String::new();
        };
        let recent = text.get(mark..).unwrap_or("");
        let mut start = recent.len().saturating_sub(TRANSCRIPT_TAIL);
        while !recent.is_char_boundary(start) {
            start += 1;
        }
        let cut = if start > 0 { "[…]\n" } else { "" };
        format!("{cut}{}", &recent[start..])
    }

    fn record(&self, direction: &str, bytes: &[u8]) {
        if let Ok(mut text) = self.0.lock() {
            text.push_str(direction);
            text.push_str(&String::from_utf8_lossy(bytes));
            if !text.ends_with('\n') {
                text.push('\n');
            }
        }
    }
}

/// Listens on 127.0.0.1:0 and relays every connection to `upstream`, recording both directions.
/// Returns the relay's URL.
async fn start_relay(upstream: String, transcript: Transcript) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("relay: bind")?;
    let url = format!(
        "http://{}",
        listener.local_addr().context("relay: address")?
    );
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let upstream = upstream.clone();
            let transcript = transcript.clone();
            tokio::spawn(async move {
                match TcpStream::connect(&upstream).await {
                    Ok(outbound) => relay(inbound, outbound, transcript).await,
                    Err(error) => transcript.record(
                        "!! ",
                        format!("relay: cannot reach {upstream}: {error}").as_bytes(),
                    ),
                }
            });
        }
    });
    Ok(url)
}

async fn relay(inbound: TcpStream, outbound: TcpStream, transcript: Transcript) {
    let (client_read, client_write) = inbound.into_split();
    let (server_read, server_write) = outbound.into_split();
    let requests = copy(client_read, server_write, transcript.clone(), ">> ");
    let responses = copy(server_read, client_write, transcript, "<< ");
    tokio::join!(requests, responses);
}

async fn copy(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    transcript: Transcript,
    direction: &str,
) {
    let mut buffer = vec![0_u8; 64 * 1024];
    loop {
        match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let bytes = &buffer[..n];
                transcript.record(direction, bytes);
                if to.write_all(bytes).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown().await;
}
