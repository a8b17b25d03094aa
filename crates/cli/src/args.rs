//! The command line as clap sees it: each flag value parsed by a value parser of [`crate::values`]
//! into a domain type, or kept as a string where the environment supplies it.
//!
//! Nothing here reads a file or touches the network. Values that depend on each other (a short
//! model id and `--project`, the connection) are resolved by `config`, the second phase. The
//! global options that the environment can set stay strings until then, so that `--help` never
//! fails on a malformed environment variable.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args as ClapArgs, CommandFactory, Parser, Subcommand};
use retune_client::DatasetUri;
use retune_model::base_model::BaseModel;
use retune_model::dataset::DatasetFormat;
use retune_model::gcs::{BucketName, GcsUri};
use retune_model::hyperparameters::AdapterSize;
use retune_model::labels::Label;
use retune_model::names::{CheckpointId, KmsKeyName, ServiceAccount, VersionAlias};

use crate::config::Format;
use crate::values::{self, ApiVersionArg, JobInput, ModelInput, ShellArg};

/// The heading the options shared by every command are listed under, after the command's own.
const GLOBAL_HEADING: &str = "Global options";

/// The exit codes, shown at the end of `retune --help`.
const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    other error (a file that cannot be read, an unexpected failure)
  2    usage error: an unknown flag, or a value that cannot be used (a malformed name, label
       or URI, a hyperparameter the base model does not allow)
  3    refused: invalid input found locally (invalid data set lines, a continuation the rules
       refuse); nothing was sent
  4    the tuning job failed, was cancelled or expired
  5    the service (or the network) returned an error
  6    gave up waiting (--timeout): the job is still running
  130  interrupted (Ctrl-C); a job being waited for keeps running

Environment:
  GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_LOCATION, GOOGLE_VERTEX_BASE_URL, RETUNE_ACCESS_TOKEN;
  without them, the project and region of the active gcloud configuration (CLOUDSDK_CONFIG)

Start with `retune quickstart`: it runs the whole flow against a local emulator in seconds.";

/// Continuous tuning of Gemini models on Vertex AI.
#[derive(Debug, Parser)]
#[command(
    name = "retune",
    version,
    about,
    after_help = EXIT_CODES,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Args {
    /// Options that apply to every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: CommandArgs,
}

/// Options shared by every command, listed after the command's own.
#[derive(Debug, ClapArgs)]
#[command(next_help_heading = GLOBAL_HEADING)]
pub struct GlobalArgs {
    /// Google Cloud project id or number [default: gcloud's core/project].
    #[arg(
        long,
        global = true,
        env = "GOOGLE_CLOUD_PROJECT",
        value_name = "PROJECT"
    )]
    pub project: Option<String>,
    /// Vertex AI region, such as us-central1 [default: gcloud's ai/region, else us-central1].
    #[arg(
        long,
        visible_alias = "region",
        global = true,
        env = "GOOGLE_CLOUD_LOCATION",
        value_name = "LOCATION"
    )]
    pub location: Option<String>,
    /// Base URL of the API, for example an emulator's http://127.0.0.1:8080
    /// [default: the location's Vertex AI host].
    #[arg(
        long,
        global = true,
        env = "GOOGLE_VERTEX_BASE_URL",
        value_name = "URL"
    )]
    pub endpoint: Option<String>,
    /// REST API version.
    #[arg(long, global = true, value_name = "VERSION", value_enum, default_value_t = ApiVersionArg::V1)]
    pub api_version: ApiVersionArg,
    /// Bearer token to send instead of Application Default Credentials.
    #[arg(
        long,
        global = true,
        env = "RETUNE_ACCESS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub access_token: Option<String>,
    /// Give up on a request that takes longer than this, such as 30s [default: 60s]; a slow
    /// request is reported while it waits.
    #[arg(long, global = true, value_name = "DURATION", value_parser = values::timeout_flag("--request-timeout"))]
    pub request_timeout: Option<Duration>,
    /// Output format: table for people; json, yaml or value(FIELD,...) for scripts (the API's
    /// own field names, such as value(name,state)).
    #[arg(long, global = true, value_name = "FORMAT", default_value = "table", value_parser = values::format)]
    pub format: Format,
    /// More diagnostics on stderr (-v: info, -vv: debug, -vvv: trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "silent")]
    pub verbose: u8,
    /// Answer yes to every confirmation (deletes ask on a terminal), as gcloud's --quiet.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Only results and errors: no narration or progress.
    #[arg(short, long, global = true)]
    pub silent: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum CommandArgs {
    /// Run the whole continuous-tuning flow against a local emulator, narrated, in seconds.
    Quickstart,
    /// Start a supervised tuning job from a foundation model.
    Tune(TuneArgs),
    /// Continue tuning a tuned model from one of its checkpoints, with new data.
    Continue(ContinueArgs),
    /// List, inspect, cancel and wait for tuning jobs.
    #[command(subcommand)]
    Jobs(JobsArgs),
    /// Inspect tuned models, their versions, checkpoints, aliases and lineage.
    #[command(subcommand)]
    Models(ModelsArgs),
    /// Check training data locally and upload it to Cloud Storage.
    #[command(subcommand)]
    Dataset(DatasetArgs),
    /// Ask a tuned model (an endpoint, a model version or checkpoint) or a base model.
    Generate(GenerateArgs),
    /// Run the Vertex AI emulator.
    #[command(subcommand)]
    Emulator(EmulatorArgs),
    /// Serve the web console on 127.0.0.1, forwarding its API calls to Vertex AI with your
    /// Application Default Credentials (or to --endpoint).
    Console(ConsoleArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

/// Options shared by `tune` and `continue`.
#[derive(Debug, ClapArgs)]
pub struct TrainingArgs {
    /// Training data: gs://bucket/file.jsonl (put a local file there with `retune dataset
    /// upload`).
    #[arg(long, value_name = "URI", value_parser = values::train)]
    pub train: DatasetUri,
    /// Validation data: gs://bucket/file.jsonl.
    #[arg(long, value_name = "URI", value_parser = values::validation)]
    pub validation: Option<DatasetUri>,
    /// Number of epochs [default: chosen by the service from the data set size].
    #[arg(long, value_name = "N", value_parser = values::epochs)]
    pub epochs: Option<u32>,
    /// Learning-rate multiplier.
    #[arg(long, value_name = "X", value_parser = values::lr_multiplier)]
    pub lr_multiplier: Option<f64>,
    /// LoRA adapter size (rank): 1, 2, 4, 8, 16 or 32, as the base model allows.
    #[arg(long, value_name = "N", value_parser = values::adapter_size)]
    pub adapter_size: Option<AdapterSize>,
    /// Display name of the tuned model.
    #[arg(long, value_name = "NAME")]
    pub display_name: Option<String>,
    /// Label of the tuning job, KEY=VALUE (repeatable): lowercase letters (any script), digits,
    /// `_` and `-`, at most 64 characters each; keys start with a letter.
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = values::label)]
    pub labels: Vec<Label>,
    /// Customer-managed encryption key:
    /// projects/P/locations/L/keyRings/R/cryptoKeys/K.
    #[arg(long, value_name = "KEY", value_parser = values::kms_key)]
    pub kms_key: Option<KmsKeyName>,
    /// Service account the job runs as.
    #[arg(long, value_name = "EMAIL", value_parser = values::service_account)]
    pub service_account: Option<ServiceAccount>,
    /// Export only the last checkpoint instead of one per epoch.
    #[arg(long)]
    pub export_last_checkpoint_only: bool,
    /// Preference tuning instead of supervised fine-tuning: the data hold prompts with a
    /// preferred and a dispreferred completion (`dataset validate --kind preference`).
    #[arg(long)]
    pub preference: bool,
    /// Preference tuning: the weight of the KL-divergence regularisation (implies --preference).
    #[arg(long, value_name = "X", value_parser = values::beta)]
    pub beta: Option<f64>,
    /// Wait for the job to end, showing its progress (Ctrl-C stops waiting, not the job).
    #[arg(long)]
    pub wait: bool,
    /// Check everything, the training data included when it can be read, print the plan (or
    /// every reason it would be refused) and send nothing.
    #[arg(long, conflicts_with = "wait")]
    pub dry_run: bool,
}

/// `retune tune`.
#[derive(Debug, ClapArgs)]
pub struct TuneArgs {
    /// Foundation model to tune, such as gemini-2.5-flash (a tuned model is tuned further
    /// with `retune continue`).
    #[arg(long, value_name = "MODEL", value_parser = values::base_model)]
    pub base_model: &'static BaseModel,
    /// Data and hyperparameters.
    #[command(flatten)]
    pub training: TrainingArgs,
}

/// `retune continue`.
#[derive(Debug, ClapArgs)]
pub struct ContinueArgs {
    /// The tuned model: ID or projects/P/locations/L/models/ID, optionally with @VERSION or
    /// @ALIAS [default: its default version].
    #[arg(value_name = "MODEL[@VERSION|@ALIAS]")]
    pub model: ModelInput,
    /// Checkpoint to start from [default: the version's default checkpoint].
    #[arg(long, value_name = "ID", value_parser = values::checkpoint_flag)]
    pub checkpoint: Option<CheckpointId>,
    /// Data and hyperparameters.
    #[command(flatten)]
    pub training: TrainingArgs,
}

/// `retune generate`.
#[derive(Debug, ClapArgs)]
pub struct GenerateArgs {
    /// What to ask: a base model id (gemini-2.5-flash), an endpoint
    /// (projects/P/locations/L/endpoints/ID), or a model (ID or projects/P/locations/L/models/ID,
    /// optionally with @VERSION or @ALIAS), which is called through the endpoint serving it.
    #[arg(value_name = "TARGET")]
    pub target: values::TargetInput,
    /// The question, sent as one user turn.
    #[arg(value_name = "PROMPT")]
    pub prompt: String,
    /// With a model: the checkpoint to ask [default: the version's default checkpoint].
    #[arg(long, value_name = "ID", value_parser = values::checkpoint_flag)]
    pub checkpoint: Option<CheckpointId>,
    /// Print the answer chunk by chunk, as streamed.
    #[arg(long)]
    pub stream: bool,
}

/// `retune jobs ...`.
#[derive(Debug, Subcommand)]
pub enum JobsArgs {
    /// List tuning jobs.
    List(ListArgs),
    /// Show one tuning job.
    #[command(visible_alias = "get")]
    Describe(JobArg),
    /// Ask the service to cancel a tuning job.
    Cancel(JobArg),
    /// Wait for a tuning job to end, showing its progress.
    Wait(WaitArgs),
}

/// Filter and limits of a list.
#[derive(Debug, ClapArgs)]
pub struct ListArgs {
    /// Filter in the API's filter language, such as 'labels.team=nlp' or 'state=SUCCEEDED'
    /// (the short state names of the tables are accepted).
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
    /// Items fetched per request.
    #[arg(long, value_name = "N", value_parser = values::page_size)]
    pub page_size: Option<u32>,
    /// Stop after this many items.
    #[arg(long, value_name = "N", value_parser = values::limit)]
    pub limit: Option<usize>,
}

/// A tuning job argument.
#[derive(Debug, ClapArgs)]
pub struct JobArg {
    /// The job: ID or projects/P/locations/L/tuningJobs/ID.
    #[arg(value_name = "JOB")]
    pub job: JobInput,
}

/// `retune jobs wait`.
#[derive(Debug, ClapArgs)]
pub struct WaitArgs {
    /// The job.
    #[command(flatten)]
    pub job: JobArg,
    /// Give up after this long, such as 90s, 30m or 2h (exit code 6; the job keeps running)
    /// [default: 24h].
    #[arg(long, value_name = "DURATION", value_parser = values::timeout)]
    pub timeout: Option<Duration>,
}

/// A model argument.
#[derive(Debug, ClapArgs)]
pub struct ModelArg {
    /// The model: ID or projects/P/locations/L/models/ID, optionally with @VERSION or @ALIAS.
    #[arg(value_name = "MODEL[@VERSION|@ALIAS]")]
    pub model: ModelInput,
}

/// `retune models ...`.
#[derive(Debug, Subcommand)]
pub enum ModelsArgs {
    /// List models.
    List(ListArgs),
    /// Show one model version (the default version unless @VERSION or @ALIAS is given).
    #[command(visible_alias = "get")]
    Describe(ModelArg),
    /// List the versions of a model.
    Versions(ModelArg),
    /// List the checkpoints of a model version.
    Checkpoints(ModelArg),
    /// Show how each version was made, back to the foundation model.
    Lineage(ModelArg),
    /// Set the checkpoint a version serves and continues from by default.
    SetDefaultCheckpoint(SetDefaultCheckpointArgs),
    /// Add or remove version aliases.
    #[command(subcommand)]
    Alias(AliasArgs),
    /// Delete one version of a model (asks first on a terminal; --quiet does not ask).
    DeleteVersion(ModelArg),
    /// Tune a tuned model's data and hyperparameters again on a newer base model (a new tuning
    /// job; see `jobs wait`).
    Rebase(RebaseArgs),
    /// Change a model's display name or description (MODEL), or a version's description or
    /// default checkpoint (MODEL@VERSION or @ALIAS); labels go with either.
    Update(UpdateArgs),
}

/// `retune models rebase`.
#[derive(Debug, ClapArgs)]
pub struct RebaseArgs {
    /// The tuned model (its default version) or one of its versions.
    #[arg(value_name = "MODEL[@VERSION|@ALIAS]")]
    pub model: ModelInput,
    /// The display name of the rebased model (default: the tuned model's).
    #[arg(long, value_name = "NAME")]
    pub display_name: Option<String>,
}

/// `retune models update`: the fields to change, sent to the name as given.
#[derive(Debug, ClapArgs)]
pub struct UpdateArgs {
    /// The model (model-level fields) or one of its versions (version-level fields).
    #[arg(value_name = "MODEL[@VERSION|@ALIAS]")]
    pub model: ModelInput,
    /// Model level: the display name.
    #[arg(long, value_name = "NAME")]
    pub display_name: Option<String>,
    /// Model level: the description.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Version level: the version description.
    #[arg(long, value_name = "TEXT")]
    pub version_description: Option<String>,
    /// Version level: the default checkpoint.
    #[arg(long, value_name = "ID", value_parser = values::default_checkpoint_flag)]
    pub default_checkpoint: Option<CheckpointId>,
}

/// `retune models set-default-checkpoint`.
#[derive(Debug, ClapArgs)]
pub struct SetDefaultCheckpointArgs {
    /// The model version.
    #[arg(value_name = "MODEL[@VERSION|@ALIAS]")]
    pub model: ModelInput,
    /// The checkpoint id.
    #[arg(value_name = "CHECKPOINT", value_parser = values::checkpoint)]
    pub checkpoint: CheckpointId,
}

/// `retune models alias ...`.
#[derive(Debug, Subcommand)]
pub enum AliasArgs {
    /// Put aliases on a version (moving them from any other version, which is named).
    Add(AliasEditArgs),
    /// Take aliases off the version that holds them.
    Remove(AliasEditArgs),
}

/// A model version and aliases.
#[derive(Debug, ClapArgs)]
pub struct AliasEditArgs {
    /// The model and version: ID@VERSION or projects/P/locations/L/models/ID@VERSION (for
    /// remove, the version may be left out: each alias comes off the version that holds it).
    #[arg(value_name = "MODEL@VERSION")]
    pub model: ModelInput,
    /// Aliases, such as golden.
    #[arg(value_name = "ALIAS", required = true, value_parser = values::alias)]
    pub aliases: Vec<VersionAlias>,
}

/// `retune dataset ...`.
#[derive(Debug, Subcommand)]
pub enum DatasetArgs {
    /// Check a JSONL file with the service's rules: every bad line, then the statistics.
    Validate(ValidateArgs),
    /// Upload a file to Cloud Storage (or to the emulator's store with --endpoint).
    Upload(UploadArgs),
}

/// `retune dataset validate`.
#[derive(Debug, ClapArgs)]
pub struct ValidateArgs {
    /// The JSONL file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Apply the validation-set limits instead of the training-set ones.
    #[arg(long)]
    pub validation: bool,
    /// The data format: `supervised` (supervised fine-tuning) or `preference` (preference
    /// tuning: two scored completions per prompt).
    #[arg(long, value_name = "FORMAT", default_value = "supervised", value_parser = values::dataset_format)]
    pub kind: DatasetFormat,
}

/// `retune dataset upload`.
#[derive(Debug, ClapArgs)]
pub struct UploadArgs {
    /// The local file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Where to: gs://bucket/object.
    #[arg(value_name = "URI", value_parser = values::destination)]
    pub destination: GcsUri,
    /// Upload even if the file fails `dataset validate`.
    #[arg(long)]
    pub no_validate: bool,
    /// Create the bucket first if it does not exist (in --project).
    #[arg(long)]
    pub create_bucket: bool,
}

/// `retune emulator ...`.
#[derive(Debug, Subcommand)]
pub enum EmulatorArgs {
    /// Serve the emulator over HTTP until interrupted.
    Serve(Box<ServeArgs>),
    /// Print the environment that points unmodified programs at a running emulator
    /// (`eval "$(retune emulator env)"`); --endpoint names it [default: http://127.0.0.1:8080].
    Env(EnvArgs),
    /// Save, load, list or delete named snapshots of a running emulator (--endpoint names it
    /// [default: http://127.0.0.1:8080]); saved in its --data-dir or --snapshot-dir.
    #[command(subcommand)]
    Snapshot(SnapshotArgs),
}

/// `retune emulator snapshot ...`.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum SnapshotArgs {
    /// Save the emulator's state as NAME (replacing an older NAME atomically).
    Save {
        /// The snapshot's name: letters, digits, '-', '_', '.'.
        name: String,
        /// Include the object store's objects (data sets, uploads).
        #[arg(long)]
        objects: bool,
    },
    /// Replace the emulator's state with snapshot NAME.
    Load {
        /// The snapshot's name.
        name: String,
    },
    /// List the saved snapshots.
    List,
    /// Delete snapshot NAME.
    Delete {
        /// The snapshot's name.
        name: String,
    },
}

/// `retune emulator env`.
#[derive(Debug, ClapArgs)]
pub struct EnvArgs {
    /// Print the lines that undo it instead.
    #[arg(long)]
    pub unset: bool,
}

/// `retune emulator serve`.
#[derive(Debug, ClapArgs)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value = "8080", value_name = "PORT", value_parser = values::port)]
    pub port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR", value_parser = values::host)]
    pub host: std::net::IpAddr,
    /// Serve gs://bucket/object from DIR/bucket/object [default: in memory].
    #[arg(long, value_name = "DIR")]
    pub gcs_dir: Option<PathBuf>,
    /// Which callers to accept.
    #[arg(long, default_value = "none", value_name = "MODE", value_parser = values::auth())]
    pub auth: mock_vertex::AuthMode,
    /// How fast tuning jobs move.
    #[arg(long, default_value = "scaled", value_name = "SPEED", value_parser = values::job_speed())]
    pub jobs: mock_vertex::JobSpeed,
    /// Where the local CA that intercepts HTTPS lives (created on first use)
    /// [default: ~/.config/retune/emulator-ca].
    #[arg(long, value_name = "DIR", env = "MOCK_VERTEX_CA_DIR")]
    pub ca_dir: Option<PathBuf>,
    /// Keep the emulator's state in DIR (created if missing) so it survives restarts and
    /// crashes [default: in memory].
    #[arg(long, value_name = "DIR", env = "MOCK_VERTEX_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// With --data-dir, fsync every commit, so acknowledged changes survive a power loss too
    /// [default: they survive the emulator's crash or kill -9].
    #[arg(long, requires = "data_dir")]
    pub fsync: bool,
    /// Where `retune emulator snapshot save` writes [default: DATA_DIR/snapshots].
    #[arg(long, value_name = "DIR")]
    pub snapshot_dir: Option<PathBuf>,
    /// At start, replace the state with FILE (a snapshot file or a state export).
    #[arg(long, value_name = "FILE")]
    pub import: Option<PathBuf>,
    /// On Ctrl-C or SIGTERM, write the state and the objects to FILE, atomically.
    #[arg(long, value_name = "FILE")]
    pub export_on_exit: Option<PathBuf>,
    /// Create this Cloud Storage bucket at start, ready for `retune dataset upload`
    /// (repeatable).
    #[arg(long = "bucket", value_name = "NAME", value_parser = values::bucket)]
    pub buckets: Vec<BucketName>,
    /// Give a project id its number: resource names are answered with the number, as Vertex AI
    /// does [default: a stable 12-digit number derived from the id] (repeatable).
    #[arg(long = "project-number", value_name = "ID=NUMBER", value_parser = values::project_number)]
    pub project_numbers: Vec<retune_model::names::ProjectNumbering>,
}

/// `retune console`.
#[derive(Debug, ClapArgs)]
pub struct ConsoleArgs {
    /// Port to listen on, on 127.0.0.1 only (0 picks a free one).
    #[arg(long, default_value = "8080", value_name = "PORT", value_parser = values::port)]
    pub port: u16,
}

/// `retune completions`.
#[derive(Debug, ClapArgs)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_name = "SHELL", value_enum)]
    pub shell: ShellArg,
}

/// Which global options each command leaves out of its help: those it does not use. They are
/// still accepted (a shell alias may pass them to every command), and ignored.
const UNUSED_GLOBALS: &[(&[&str], &[&str])] = &[
    (
        &["quickstart"],
        &[
            "project",
            "location",
            "endpoint",
            "api_version",
            "access_token",
            "request_timeout",
            "quiet",
        ],
    ),
    (
        &["dataset", "validate"],
        &[
            "project",
            "location",
            "endpoint",
            "api_version",
            "access_token",
            "request_timeout",
            "quiet",
        ],
    ),
    (
        &["dataset", "upload"],
        &["location", "api_version", "quiet"],
    ),
    (
        &["emulator", "serve"],
        &[
            "project",
            "location",
            "endpoint",
            "api_version",
            "access_token",
            "request_timeout",
            "format",
            "quiet",
        ],
    ),
    (&["console"], &["api_version", "format", "quiet"]),
    (
        &["completions"],
        &[
            "project",
            "location",
            "endpoint",
            "api_version",
            "access_token",
            "request_timeout",
            "format",
            "quiet",
            "silent",
            "verbose",
        ],
    ),
];

/// The command line as parsed, with the global options each command does not use hidden from
/// its help.
pub fn command() -> clap::Command {
    let command = Args::command();
    let globals: Vec<clap::Arg> = command
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    UNUSED_GLOBALS
        .iter()
        .fold(command, |command, (path, unused)| {
            hide_in(command, path, unused, &globals)
        })
}

/// Gives the subcommand at `path` its own hidden copy of each unused global option, which
/// clap then does not add (and which still passes its value up, as a global option does).
fn hide_in(
    command: clap::Command,
    path: &[&str],
    unused: &[&str],
    globals: &[clap::Arg],
) -> clap::Command {
    match path.split_first() {
        None => globals
            .iter()
            .filter(|a| unused.contains(&a.get_id().as_str()))
            .fold(command, |c, a| c.arg(a.clone().hide(true))),
        Some((first, rest)) => command.mut_subcommands(|sub| {
            if sub.get_name() == *first {
                hide_in(sub, rest, unused, globals)
            } else {
                sub
            }
        }),
    }
}
