//! The command line as clap sees it: strings, flags and counts only.
//!
//! Nothing here parses a resource name, reads a file or touches the network; `config` turns these
//! strings into typed values (the second phase), so `retune --help` costs nothing but clap.

use clap::{Args as ClapArgs, Parser, Subcommand};

/// The exit codes, shown at the end of `retune --help`.
const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  other error (a file that cannot be read, an unexpected failure)
  2  usage error (unknown flag, malformed name, label or URI)
  3  refused: invalid input found locally (invalid data set lines, a continuation the rules refuse)
  4  the tuning job failed, was cancelled or expired
  5  the service (or the network) returned an error

Environment:
  GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_LOCATION, GOOGLE_VERTEX_BASE_URL, RETUNE_ACCESS_TOKEN

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

/// Options shared by every command.
#[derive(Debug, ClapArgs)]
pub struct GlobalArgs {
    /// Google Cloud project id or number.
    #[arg(
        long,
        global = true,
        env = "GOOGLE_CLOUD_PROJECT",
        value_name = "PROJECT"
    )]
    pub project: Option<String>,
    /// Vertex AI location, such as us-central1 [default: us-central1].
    #[arg(
        long,
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
    #[arg(long, global = true, value_name = "VERSION", default_value = "v1",
          value_parser = ["v1", "v1beta1"])]
    pub api_version: String,
    /// Bearer token to send instead of Application Default Credentials.
    #[arg(
        long,
        global = true,
        env = "RETUNE_ACCESS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub access_token: Option<String>,
    /// Output format: tables for people, or the API's own JSON for scripts.
    #[arg(long, global = true, value_name = "FORMAT", default_value = "table",
          value_parser = ["table", "json"])]
    pub format: String,
    /// More diagnostics on stderr (-v: info, -vv: debug, -vvv: trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only results and errors; no narration or progress.
    #[arg(short, long, global = true)]
    pub quiet: bool,
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
    /// Run the Vertex AI emulator.
    #[command(subcommand)]
    Emulator(EmulatorArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

/// Options shared by `tune` and `continue`.
#[derive(Debug, ClapArgs)]
pub struct TrainingArgs {
    /// Training data: gs://bucket/file.jsonl.
    #[arg(long, value_name = "URI")]
    pub train: String,
    /// Validation data: gs://bucket/file.jsonl.
    #[arg(long, value_name = "URI")]
    pub validation: Option<String>,
    /// Number of epochs [default: chosen by the service from the data set size].
    #[arg(long, value_name = "N")]
    pub epochs: Option<String>,
    /// Learning-rate multiplier.
    #[arg(long, value_name = "X")]
    pub lr_multiplier: Option<String>,
    /// LoRA adapter size (rank): 1, 2, 4, 8 or 16, as the base model allows.
    #[arg(long, value_name = "N")]
    pub adapter_size: Option<String>,
    /// Display name of the tuned model.
    #[arg(long, value_name = "NAME")]
    pub display_name: Option<String>,
    /// Label of the tuning job, KEY=VALUE (repeatable).
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// Customer-managed encryption key:
    /// projects/P/locations/L/keyRings/R/cryptoKeys/K.
    #[arg(long, value_name = "KEY")]
    pub kms_key: Option<String>,
    /// Service account the job runs as.
    #[arg(long, value_name = "EMAIL")]
    pub service_account: Option<String>,
    /// Export only the last checkpoint instead of one per epoch.
    #[arg(long)]
    pub export_last_checkpoint_only: bool,
    /// Wait for the job to end, showing its progress.
    #[arg(long)]
    pub wait: bool,
}

/// `retune tune`.
#[derive(Debug, ClapArgs)]
pub struct TuneArgs {
    /// Foundation model to tune, such as gemini-2.5-flash.
    #[arg(long, value_name = "MODEL")]
    pub base_model: String,
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
    pub model: String,
    /// Checkpoint to start from [default: the version's default checkpoint].
    #[arg(long, value_name = "ID")]
    pub checkpoint: Option<String>,
    /// Data and hyperparameters.
    #[command(flatten)]
    pub training: TrainingArgs,
    /// Print the plan (or every reason it would be refused) and send nothing.
    #[arg(long, conflicts_with = "wait")]
    pub dry_run: bool,
}

/// `retune jobs ...`.
#[derive(Debug, Subcommand)]
pub enum JobsArgs {
    /// List tuning jobs.
    List(ListArgs),
    /// Show one tuning job.
    Get(JobArg),
    /// Ask the service to cancel a tuning job.
    Cancel(JobArg),
    /// Wait for a tuning job to end, showing its progress.
    Wait(WaitArgs),
}

/// Filter and limits of a list.
#[derive(Debug, ClapArgs)]
pub struct ListArgs {
    /// Filter in the API's filter language, such as 'labels.team=nlp'.
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
    /// Items fetched per request.
    #[arg(long, value_name = "N")]
    pub page_size: Option<String>,
    /// Stop after this many items.
    #[arg(long, value_name = "N")]
    pub limit: Option<String>,
}

/// A tuning job argument.
#[derive(Debug, ClapArgs)]
pub struct JobArg {
    /// The job: ID or projects/P/locations/L/tuningJobs/ID.
    #[arg(value_name = "JOB")]
    pub job: String,
}

/// `retune jobs wait`.
#[derive(Debug, ClapArgs)]
pub struct WaitArgs {
    /// The job.
    #[command(flatten)]
    pub job: JobArg,
    /// Give up after this long, such as 90s, 30m or 2h [default: 24h].
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
}

/// A model argument.
#[derive(Debug, ClapArgs)]
pub struct ModelArg {
    /// The model: ID or projects/P/locations/L/models/ID, optionally with @VERSION or @ALIAS.
    #[arg(value_name = "MODEL[@VERSION|@ALIAS]")]
    pub model: String,
}

/// `retune models ...`.
#[derive(Debug, Subcommand)]
pub enum ModelsArgs {
    /// List models.
    List(ListArgs),
    /// Show one model version (the default version unless @VERSION or @ALIAS is given).
    Get(ModelArg),
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
    /// Delete one version of a model.
    DeleteVersion(ModelArg),
}

/// `retune models set-default-checkpoint`.
#[derive(Debug, ClapArgs)]
pub struct SetDefaultCheckpointArgs {
    /// The model version.
    #[arg(value_name = "MODEL[@VERSION|@ALIAS]")]
    pub model: String,
    /// The checkpoint id.
    #[arg(value_name = "CHECKPOINT")]
    pub checkpoint: String,
}

/// `retune models alias ...`.
#[derive(Debug, Subcommand)]
pub enum AliasArgs {
    /// Put aliases on a version (moving them from any other version).
    Add(AliasEditArgs),
    /// Take aliases off the version that holds them.
    Remove(AliasEditArgs),
}

/// A model version and aliases.
#[derive(Debug, ClapArgs)]
pub struct AliasEditArgs {
    /// The model version (for add), or the model (for remove).
    #[arg(value_name = "MODEL[@VERSION]")]
    pub model: String,
    /// Aliases, such as golden.
    #[arg(value_name = "ALIAS", required = true)]
    pub aliases: Vec<String>,
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
    pub file: String,
    /// Apply the validation-set limits instead of the training-set ones.
    #[arg(long)]
    pub validation: bool,
}

/// `retune dataset upload`.
#[derive(Debug, ClapArgs)]
pub struct UploadArgs {
    /// The local file.
    #[arg(value_name = "FILE")]
    pub file: String,
    /// Where to: gs://bucket/object.
    #[arg(value_name = "URI")]
    pub destination: String,
    /// Upload even if the file fails `dataset validate`.
    #[arg(long)]
    pub no_validate: bool,
}

/// `retune emulator ...`.
#[derive(Debug, Subcommand)]
pub enum EmulatorArgs {
    /// Serve the emulator over HTTP until interrupted.
    Serve(ServeArgs),
}

/// `retune emulator serve`.
#[derive(Debug, ClapArgs)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value = "8080", value_name = "PORT")]
    pub port: String,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub host: String,
    /// Serve gs://bucket/object from DIR/bucket/object [default: in memory].
    #[arg(long, value_name = "DIR")]
    pub gcs_dir: Option<String>,
    /// Which callers to accept: none, required, or token=T.
    #[arg(long, default_value = "none", value_name = "MODE")]
    pub auth: String,
    /// How fast tuning jobs move: instant, scaled or manual.
    #[arg(long, default_value = "scaled", value_name = "SPEED")]
    pub jobs: String,
}

/// `retune completions`.
#[derive(Debug, ClapArgs)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_name = "SHELL", value_parser = ["bash", "zsh", "fish"])]
    pub shell: String,
}
