//! The second phase: `Config::try_from(Args)` turns clap's strings into typed values.
//!
//! Every name, URI, label and number is parsed here, once, with a one-line error that says what
//! was wrong; commands receive only typed values. Nothing here does IO beyond reading the
//! arguments already in memory.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use retune_client::DatasetUri;
use retune_client::endpoint::{ApiVersion, Endpoint};
use retune_model::base_model::BaseModel;
use retune_model::duration::HumanDuration;
use retune_model::hyperparameters::AdapterSize;
use retune_model::names::{
    CheckpointId, KmsKeyName, LocationId, LocationName, ModelId, ModelName, ModelRef, NameError,
    ProjectId, ServiceAccount, TuningJobId, TuningJobName, VersionAlias, VersionId,
    VersionSelector,
};

use crate::args::{
    AliasArgs, Args, CommandArgs, ContinueArgs, DatasetArgs, EmulatorArgs, GlobalArgs, JobsArgs,
    ListArgs, ModelsArgs, ServeArgs, TrainingArgs, TuneArgs,
};
use crate::gcs::GcsObject;

/// The location used when neither `--location` nor `GOOGLE_CLOUD_LOCATION` is set: the region
/// where Vertex AI supervised tuning of Gemini models is documented first.
pub const DEFAULT_LOCATION: &str = "us-central1";

/// A command-line value that cannot be used. Always a usage error (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A remote command without a project.
    #[error("no project given: pass --project PROJECT or set GOOGLE_CLOUD_PROJECT")]
    NoProject,
    /// A resource name that does not parse; the message names the input and the bad part.
    #[error("{error}; {hint}")]
    Name {
        /// What the model crate said.
        error: NameError,
        /// The accepted forms.
        hint: &'static str,
    },
    /// A value the client's parser rejected; its reason quotes the input.
    #[error("invalid {what}: {reason}")]
    Rejected {
        /// The flag or argument, such as `--endpoint`.
        what: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// Any other flag or argument value.
    #[error("invalid {what} {input:?}: {reason}")]
    Invalid {
        /// The flag or argument, such as `--label`.
        what: &'static str,
        /// The value as given.
        input: String,
        /// Why it was rejected.
        reason: String,
    },
}

impl ConfigError {
    fn invalid(what: &'static str, input: &str, reason: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            what,
            input: input.to_owned(),
            reason: reason.into(),
        }
    }
}

const MODEL_HINT: &str =
    "expected MODEL[@VERSION|@ALIAS] with MODEL an id or projects/P/locations/L/models/ID";
const JOB_HINT: &str = "expected a job id or projects/P/locations/L/tuningJobs/ID";

/// Output format for results on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned tables and sentences for people.
    Table,
    /// The API's own JSON, for scripts.
    Json,
}

/// How much the command says on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// `-q`: results and errors only.
    Quiet,
    /// Narration and progress.
    Normal,
    /// `-v` (1), `-vv` (2), `-vvv` (3): logs as well.
    Verbose(u8),
}

/// Where and how to reach Vertex AI (or the emulator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// `projects/P/locations/L` the client works in.
    pub location: LocationName,
    /// `--endpoint` or `GOOGLE_VERTEX_BASE_URL`; `None` = the location's Vertex AI host.
    pub endpoint: Option<Endpoint>,
    /// `--api-version`.
    pub api_version: ApiVersion,
    /// `--access-token`; `None` = Application Default Credentials (or none for plain http).
    pub access_token: Option<String>,
}

/// A whole, resolved command line.
#[derive(Debug, Clone)]
pub struct Config {
    /// `--format`.
    pub format: Format,
    /// `-v` / `-q`.
    pub verbosity: Verbosity,
    /// The command and its typed arguments.
    pub command: Command,
}

/// Data and hyperparameters of a tuning job, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Training {
    /// `--train`.
    pub train: DatasetUri,
    /// `--validation`.
    pub validation: Option<DatasetUri>,
    /// `--epochs`.
    pub epochs: Option<u32>,
    /// `--lr-multiplier`.
    pub lr_multiplier: Option<f64>,
    /// `--adapter-size`.
    pub adapter_size: Option<AdapterSize>,
    /// `--display-name`.
    pub display_name: Option<String>,
    /// `--label`s.
    pub labels: BTreeMap<String, String>,
    /// `--kms-key`.
    pub kms_key: Option<KmsKeyName>,
    /// `--service-account`.
    pub service_account: Option<ServiceAccount>,
    /// `--export-last-checkpoint-only`.
    pub export_last_checkpoint_only: bool,
    /// `--wait`.
    pub wait: bool,
}

/// Every command, with typed arguments.
#[derive(Debug, Clone)]
pub enum Command {
    /// `retune quickstart`.
    Quickstart,
    /// `retune tune`.
    Tune {
        /// The client's target.
        connection: Connection,
        /// `--base-model`.
        base_model: &'static BaseModel,
        /// Data and hyperparameters.
        training: Box<Training>,
    },
    /// `retune continue`.
    Continue {
        /// The client's target.
        connection: Connection,
        /// The pre-tuned model.
        model: ModelRef,
        /// `--checkpoint`.
        checkpoint: Option<CheckpointId>,
        /// Data and hyperparameters.
        training: Box<Training>,
        /// `--dry-run`.
        dry_run: bool,
    },
    /// `retune jobs list`.
    JobsList {
        /// The client's target.
        connection: Connection,
        /// Filter, page size, limit.
        list: List,
    },
    /// `retune jobs get`.
    JobsGet {
        /// The client's target.
        connection: Connection,
        /// The job.
        job: TuningJobName,
    },
    /// `retune jobs cancel`.
    JobsCancel {
        /// The client's target.
        connection: Connection,
        /// The job.
        job: TuningJobName,
    },
    /// `retune jobs wait`.
    JobsWait {
        /// The client's target.
        connection: Connection,
        /// The job.
        job: TuningJobName,
        /// `--timeout`.
        timeout: Option<Duration>,
    },
    /// `retune models list`.
    ModelsList {
        /// The client's target.
        connection: Connection,
        /// Filter, page size, limit.
        list: List,
    },
    /// `retune models get|versions|checkpoints|lineage|delete-version|set-default-checkpoint`
    /// and the alias edits.
    Models {
        /// The client's target.
        connection: Connection,
        /// The model (and version) named on the command line.
        model: ModelRef,
        /// Which command.
        action: ModelAction,
    },
    /// `retune dataset validate`.
    DatasetValidate {
        /// The file.
        file: PathBuf,
        /// Training or validation limits.
        validation: bool,
    },
    /// `retune dataset upload`.
    DatasetUpload {
        /// The local file.
        file: PathBuf,
        /// Where to.
        destination: GcsObject,
        /// `--endpoint` (the emulator's store) or real Cloud Storage.
        endpoint: Option<Endpoint>,
        /// `--access-token`.
        access_token: Option<String>,
        /// `--no-validate`.
        skip_validation: bool,
    },
    /// `retune emulator serve`.
    EmulatorServe(Serve),
    /// `retune completions`.
    Completions(clap_complete::Shell),
}

/// What to do with a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelAction {
    /// Show the version.
    Get,
    /// List versions.
    Versions,
    /// List checkpoints of the version.
    Checkpoints,
    /// Show the lineage of every version.
    Lineage,
    /// Set the version's default checkpoint.
    SetDefaultCheckpoint(CheckpointId),
    /// Put aliases on the version.
    AddAliases(Vec<VersionAlias>),
    /// Take aliases off whichever version holds them.
    RemoveAliases(Vec<VersionAlias>),
    /// Delete the version.
    DeleteVersion(VersionId),
}

/// Filter and limits of a list command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct List {
    /// `--filter`.
    pub filter: Option<String>,
    /// `--page-size`.
    pub page_size: Option<u32>,
    /// `--limit`.
    pub limit: Option<usize>,
}

/// `retune emulator serve`, typed.
#[derive(Debug, Clone)]
pub struct Serve {
    /// `--host`.
    pub host: std::net::IpAddr,
    /// `--port`.
    pub port: u16,
    /// `--gcs-dir`.
    pub gcs_dir: Option<PathBuf>,
    /// `--auth`.
    pub auth: mock_vertex::AuthMode,
    /// `--jobs`.
    pub jobs: mock_vertex::JobSpeed,
}

impl TryFrom<Args> for Config {
    type Error = ConfigError;

    fn try_from(args: Args) -> Result<Config, ConfigError> {
        let global = Global::try_from(&args.global)?;
        let command = match args.command {
            CommandArgs::Quickstart => Command::Quickstart,
            CommandArgs::Tune(tune) => resolve_tune(&global, tune)?,
            CommandArgs::Continue(cont) => resolve_continue(&global, cont)?,
            CommandArgs::Jobs(jobs) => resolve_jobs(&global, jobs)?,
            CommandArgs::Models(models) => resolve_models(&global, models)?,
            CommandArgs::Dataset(DatasetArgs::Validate(v)) => Command::DatasetValidate {
                file: PathBuf::from(v.file),
                validation: v.validation,
            },
            CommandArgs::Dataset(DatasetArgs::Upload(u)) => Command::DatasetUpload {
                file: PathBuf::from(u.file),
                destination: u
                    .destination
                    .parse()
                    .map_err(|e: crate::gcs::GcsUriError| {
                        ConfigError::invalid("destination", &u.destination, e.to_string())
                    })?,
                endpoint: global.endpoint.clone(),
                access_token: global.access_token.clone(),
                skip_validation: u.no_validate,
            },
            CommandArgs::Emulator(EmulatorArgs::Serve(serve)) => {
                Command::EmulatorServe(resolve_serve(serve)?)
            }
            CommandArgs::Completions(c) => Command::Completions(parse_shell(&c.shell)?),
        };
        Ok(Config {
            format: global.format,
            verbosity: global.verbosity,
            command,
        })
    }
}

/// The global options, typed; the project and location stay optional until a command needs them.
#[derive(Debug)]
struct Global {
    project: Option<ProjectId>,
    location: LocationId,
    endpoint: Option<Endpoint>,
    api_version: ApiVersion,
    access_token: Option<String>,
    format: Format,
    verbosity: Verbosity,
}

impl TryFrom<&GlobalArgs> for Global {
    type Error = ConfigError;

    fn try_from(g: &GlobalArgs) -> Result<Global, ConfigError> {
        let project = non_empty(g.project.as_deref())
            .map(|p| p.parse::<ProjectId>())
            .transpose()
            .map_err(|e| ConfigError::invalid("--project", e.input(), e.reason()))?;
        let location = non_empty(g.location.as_deref())
            .unwrap_or(DEFAULT_LOCATION)
            .parse::<LocationId>()
            .map_err(|e| ConfigError::invalid("--location", e.input(), e.reason()))?;
        let endpoint = non_empty(g.endpoint.as_deref())
            .map(|e| {
                e.parse::<Endpoint>().map_err(|err| ConfigError::Rejected {
                    what: "--endpoint",
                    reason: err.reason().to_owned(),
                })
            })
            .transpose()?;
        let api_version = match g.api_version.as_str() {
            "v1beta1" => ApiVersion::V1Beta1,
            "v1" => ApiVersion::V1,
            other => {
                return Err(ConfigError::invalid(
                    "--api-version",
                    other,
                    "use v1 or v1beta1",
                ));
            }
        };
        let format = match g.format.as_str() {
            "json" => Format::Json,
            "table" => Format::Table,
            other => return Err(ConfigError::invalid("--format", other, "use table or json")),
        };
        let verbosity = match (g.quiet, g.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, n) => Verbosity::Verbose(n.min(3)),
        };
        Ok(Global {
            project,
            location,
            endpoint,
            api_version,
            access_token: non_empty(g.access_token.as_deref()).map(str::to_owned),
            format,
            verbosity,
        })
    }
}

impl Global {
    /// The connection for a command; a full resource name on the command line carries its own
    /// project and location, which then win over the flags and environment.
    fn connection(&self, from_name: Option<&LocationName>) -> Result<Connection, ConfigError> {
        let location = match from_name {
            Some(location) => location.clone(),
            None => LocationName::new(
                self.project.clone().ok_or(ConfigError::NoProject)?,
                self.location.clone(),
            ),
        };
        Ok(Connection {
            location,
            endpoint: self.endpoint.clone(),
            api_version: self.api_version,
            access_token: self.access_token.clone(),
        })
    }

    /// The location for short names (`ID`), which need a project.
    fn location_name(&self) -> Result<LocationName, ConfigError> {
        let project = self.project.clone().ok_or(ConfigError::NoProject)?;
        Ok(LocationName::new(project, self.location.clone()))
    }

    /// `ID[@SEL]` or `projects/P/locations/L/models/ID[@SEL]`.
    fn model_ref(&self, input: &str) -> Result<ModelRef, ConfigError> {
        let name_error = |error| ConfigError::Name {
            error,
            hint: MODEL_HINT,
        };
        if input.starts_with("projects/") {
            return input.parse::<ModelRef>().map_err(name_error);
        }
        let decoded = input.replace("%40", "@");
        let (id, selector) = match decoded.split_once('@') {
            Some((id, selector)) => (id, Some(selector)),
            None => (decoded.as_str(), None),
        };
        let id = id.parse::<ModelId>().map_err(name_error)?;
        let selector = selector
            .map(VersionSelector::from_str)
            .transpose()
            .map_err(name_error)?;
        Ok(ModelName::new(self.location_name()?, id).at(selector))
    }

    /// `ID` or `projects/P/locations/L/tuningJobs/ID`.
    fn job_name(&self, input: &str) -> Result<TuningJobName, ConfigError> {
        let name_error = |error| ConfigError::Name {
            error,
            hint: JOB_HINT,
        };
        if input.starts_with("projects/") {
            return input.parse::<TuningJobName>().map_err(name_error);
        }
        let id = input.parse::<TuningJobId>().map_err(name_error)?;
        Ok(TuningJobName::new(self.location_name()?, id))
    }
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn resolve_tune(global: &Global, tune: TuneArgs) -> Result<Command, ConfigError> {
    let base_model = BaseModel::lookup(&tune.base_model).map_err(|e| ConfigError::Rejected {
        what: "--base-model",
        reason: e.to_string(),
    })?;
    Ok(Command::Tune {
        connection: global.connection(None)?,
        base_model,
        training: Box::new(resolve_training(tune.training)?),
    })
}

fn resolve_continue(global: &Global, cont: ContinueArgs) -> Result<Command, ConfigError> {
    let model = global.model_ref(&cont.model)?;
    if model.selector() == Some(&VersionSelector::ModelLevel) {
        return Err(ConfigError::invalid(
            "model",
            &cont.model,
            "name a version (@VERSION or @ALIAS) or none for the default version, not @-",
        ));
    }
    let checkpoint = cont
        .checkpoint
        .as_deref()
        .map(|c| c.parse::<CheckpointId>())
        .transpose()
        .map_err(|e| ConfigError::invalid("--checkpoint", e.input(), e.reason()))?;
    Ok(Command::Continue {
        connection: global.connection(Some(model.name().location_name()))?,
        model,
        checkpoint,
        training: Box::new(resolve_training(cont.training)?),
        dry_run: cont.dry_run,
    })
}

fn resolve_training(t: TrainingArgs) -> Result<Training, ConfigError> {
    let dataset = |flag: &'static str, uri: &str| {
        uri.parse::<DatasetUri>()
            .map_err(|e| ConfigError::Rejected {
                what: flag,
                reason: e.reason().to_owned(),
            })
    };
    let epochs = t
        .epochs
        .as_deref()
        .map(|e| parse_number::<u32>("--epochs", e, "a whole number of epochs, such as 3"))
        .transpose()?;
    let lr_multiplier = t
        .lr_multiplier
        .as_deref()
        .map(|x| parse_number::<f64>("--lr-multiplier", x, "a number, such as 0.5"))
        .transpose()?;
    let adapter_size = t
        .adapter_size
        .as_deref()
        .map(|s| {
            parse_number::<u32>("--adapter-size", s, "a rank: 1, 2, 4, 8, 16 or 32").and_then(
                |rank| {
                    AdapterSize::from_rank(rank).ok_or_else(|| {
                        ConfigError::invalid("--adapter-size", s, "use 1, 2, 4, 8, 16 or 32")
                    })
                },
            )
        })
        .transpose()?;
    let kms_key = t
        .kms_key
        .as_deref()
        .map(|k| {
            k.parse::<KmsKeyName>()
                .map_err(|e| ConfigError::invalid("--kms-key", k, e.reason()))
        })
        .transpose()?;
    let mut labels = BTreeMap::new();
    for label in &t.labels {
        let (key, value) = parse_label(label)?;
        labels.insert(key.to_owned(), value.to_owned());
    }
    let service_account = t
        .service_account
        .as_deref()
        .map(|sa| {
            sa.parse::<ServiceAccount>()
                .map_err(|e| ConfigError::invalid("--service-account", sa, e.reason()))
        })
        .transpose()?;
    Ok(Training {
        train: dataset("--train", &t.train)?,
        validation: t
            .validation
            .as_deref()
            .map(|v| dataset("--validation", v))
            .transpose()?,
        epochs,
        lr_multiplier,
        adapter_size,
        display_name: t.display_name,
        labels,
        kms_key,
        service_account,
        export_last_checkpoint_only: t.export_last_checkpoint_only,
        wait: t.wait,
    })
}

fn parse_number<T: FromStr>(
    flag: &'static str,
    input: &str,
    expected: &str,
) -> Result<T, ConfigError> {
    input
        .trim()
        .parse::<T>()
        .map_err(|_| ConfigError::invalid(flag, input, format!("expected {expected}")))
}

/// `KEY=VALUE` with Google Cloud's label rules: keys start with a lowercase letter; keys and
/// values have at most 63 lowercase letters, digits, `_` and `-`.
pub fn parse_label(input: &str) -> Result<(&str, &str), ConfigError> {
    let invalid = |reason: &str| ConfigError::invalid("--label", input, reason);
    let (key, value) = input
        .split_once('=')
        .ok_or_else(|| invalid("expected KEY=VALUE"))?;
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
    if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(invalid("the key must start with a lowercase letter"));
    }
    if key.len() > 63 || value.len() > 63 {
        return Err(invalid("keys and values have at most 63 characters"));
    }
    if !key.chars().all(allowed) || !value.chars().all(allowed) {
        return Err(invalid(
            "keys and values may contain only lowercase letters, digits, `_` and `-`",
        ));
    }
    Ok((key, value))
}

fn resolve_list(list: &ListArgs) -> Result<List, ConfigError> {
    Ok(List {
        filter: non_empty(list.filter.as_deref()).map(str::to_owned),
        page_size: list
            .page_size
            .as_deref()
            .map(|n| parse_number::<u32>("--page-size", n, "a positive number"))
            .transpose()?
            .filter(|n| *n > 0),
        limit: list
            .limit
            .as_deref()
            .map(|n| parse_number::<usize>("--limit", n, "a number"))
            .transpose()?,
    })
}

fn resolve_jobs(global: &Global, jobs: JobsArgs) -> Result<Command, ConfigError> {
    Ok(match jobs {
        JobsArgs::List(list) => Command::JobsList {
            connection: global.connection(None)?,
            list: resolve_list(&list)?,
        },
        JobsArgs::Get(arg) => {
            let job = global.job_name(&arg.job)?;
            Command::JobsGet {
                connection: global.connection(Some(job.location_name()))?,
                job,
            }
        }
        JobsArgs::Cancel(arg) => {
            let job = global.job_name(&arg.job)?;
            Command::JobsCancel {
                connection: global.connection(Some(job.location_name()))?,
                job,
            }
        }
        JobsArgs::Wait(wait) => {
            let job = global.job_name(&wait.job.job)?;
            let timeout = wait.timeout.as_deref().map(parse_duration).transpose()?;
            Command::JobsWait {
                connection: global.connection(Some(job.location_name()))?,
                job,
                timeout,
            }
        }
    })
}

/// A `--timeout`: the one duration grammar of `retune_model::duration`, and more than zero.
pub fn parse_duration(input: &str) -> Result<Duration, ConfigError> {
    let invalid = |reason: String| ConfigError::invalid("--timeout", input, reason);
    let duration = Duration::from(
        input
            .parse::<HumanDuration>()
            .map_err(|e| invalid(e.to_string()))?,
    );
    if duration.is_zero() {
        return Err(invalid("a timeout must be more than zero".to_owned()));
    }
    Ok(duration)
}

fn resolve_models(global: &Global, models: ModelsArgs) -> Result<Command, ConfigError> {
    let (input, action) = match models {
        ModelsArgs::List(list) => {
            return Ok(Command::ModelsList {
                connection: global.connection(None)?,
                list: resolve_list(&list)?,
            });
        }
        ModelsArgs::Get(m) => (m.model, ModelAction::Get),
        ModelsArgs::Versions(m) => (m.model, ModelAction::Versions),
        ModelsArgs::Checkpoints(m) => (m.model, ModelAction::Checkpoints),
        ModelsArgs::Lineage(m) => (m.model, ModelAction::Lineage),
        ModelsArgs::SetDefaultCheckpoint(s) => {
            let checkpoint = s
                .checkpoint
                .parse::<CheckpointId>()
                .map_err(|e| ConfigError::invalid("checkpoint", e.input(), e.reason()))?;
            (s.model, ModelAction::SetDefaultCheckpoint(checkpoint))
        }
        ModelsArgs::Alias(AliasArgs::Add(a)) => {
            (a.model, ModelAction::AddAliases(parse_aliases(&a.aliases)?))
        }
        ModelsArgs::Alias(AliasArgs::Remove(a)) => (
            a.model,
            ModelAction::RemoveAliases(parse_aliases(&a.aliases)?),
        ),
        ModelsArgs::DeleteVersion(m) => {
            let model = global.model_ref(&m.model)?;
            let Some(VersionSelector::Id(version)) = model.selector().cloned() else {
                return Err(ConfigError::invalid(
                    "model",
                    &m.model,
                    "name the version to delete by number: MODEL@VERSION",
                ));
            };
            return Ok(Command::Models {
                connection: global.connection(Some(model.name().location_name()))?,
                model,
                action: ModelAction::DeleteVersion(version),
            });
        }
    };
    let model = global.model_ref(&input)?;
    match (&action, model.selector()) {
        (ModelAction::Versions | ModelAction::Lineage | ModelAction::RemoveAliases(_), Some(_)) => {
            return Err(ConfigError::invalid(
                "model",
                &input,
                "this command takes the model without @VERSION",
            ));
        }
        (ModelAction::AddAliases(_), None | Some(VersionSelector::ModelLevel)) => {
            return Err(ConfigError::invalid(
                "model",
                &input,
                "name the version to put the aliases on: MODEL@VERSION",
            ));
        }
        _ => {}
    }
    Ok(Command::Models {
        connection: global.connection(Some(model.name().location_name()))?,
        model,
        action,
    })
}

fn parse_aliases(aliases: &[String]) -> Result<Vec<VersionAlias>, ConfigError> {
    aliases
        .iter()
        .map(|a| {
            a.parse::<VersionAlias>()
                .map_err(|e| ConfigError::invalid("alias", a, e.reason()))
        })
        .collect()
}

fn resolve_serve(serve: ServeArgs) -> Result<Serve, ConfigError> {
    Ok(Serve {
        host: serve.host.parse().map_err(|_| {
            ConfigError::invalid(
                "--host",
                &serve.host,
                "expected an IP address such as 127.0.0.1",
            )
        })?,
        port: parse_number::<u16>("--port", &serve.port, "a port number (0 picks a free one)")?,
        gcs_dir: serve.gcs_dir.map(PathBuf::from),
        auth: serve.auth.parse().map_err(|_| {
            ConfigError::invalid("--auth", &serve.auth, "use none, required or token=T")
        })?,
        jobs: serve.jobs.parse().map_err(|_| {
            ConfigError::invalid("--jobs", &serve.jobs, "use instant, scaled or manual")
        })?,
    })
}

fn parse_shell(shell: &str) -> Result<clap_complete::Shell, ConfigError> {
    match shell {
        "bash" => Ok(clap_complete::Shell::Bash),
        "zsh" => Ok(clap_complete::Shell::Zsh),
        "fish" => Ok(clap_complete::Shell::Fish),
        other => Err(ConfigError::invalid(
            "shell",
            other,
            "use bash, zsh or fish",
        )),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn config(args: &[&str]) -> Result<Config, ConfigError> {
        let mut argv = vec!["retune"];
        argv.extend_from_slice(args);
        let args = Args::try_parse_from(argv)
            .map_err(|e| ConfigError::invalid("args", "", e.to_string()))?;
        Config::try_from(args)
    }

    fn model_of(args: &[&str]) -> ModelRef {
        match config(args) {
            Ok(Config {
                command: Command::Models { model, .. },
                ..
            }) => model,
            other => panic!("not a models command: {other:?}"),
        }
    }

    #[test]
    fn short_model_reference_takes_project_and_location_from_the_flags() {
        let model = model_of(&[
            "--project",
            "p",
            "--location",
            "europe-west4",
            "models",
            "get",
            "9@golden",
        ]);
        assert_eq!(
            model.to_string(),
            "projects/p/locations/europe-west4/models/9@golden"
        );
    }

    #[test]
    fn full_model_name_carries_its_own_project_and_location() {
        let name = "projects/q/locations/us-east1/models/9%402";
        match config(&["--project", "p", "models", "get", name]) {
            Ok(Config {
                command:
                    Command::Models {
                        model, connection, ..
                    },
                ..
            }) => {
                assert_eq!(
                    model.to_string(),
                    "projects/q/locations/us-east1/models/9@2"
                );
                assert_eq!(
                    connection.location.to_string(),
                    "projects/q/locations/us-east1"
                );
            }
            other => panic!("not a models command: {other:?}"),
        }
    }

    #[test]
    fn location_defaults_to_us_central1() {
        let model = model_of(&["--project", "p", "models", "get", "9"]);
        assert_eq!(model.name().location().as_str(), DEFAULT_LOCATION);
    }

    #[test]
    fn versions_of_a_model_take_no_version() {
        let err = config(&["--project", "p", "models", "versions", "9@1"]).unwrap_err();
        assert!(err.to_string().contains("without @VERSION"), "{err}");
    }

    #[test]
    fn durations_take_a_unit_or_mean_seconds() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        for bad in ["", "0", "0s", "1d", "-3s", "s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn labels_follow_google_cloud_rules() {
        assert_eq!(parse_label("team=nlp"), Ok(("team", "nlp")));
        assert_eq!(parse_label("empty="), Ok(("empty", "")));
        for bad in ["team", "Team=x", "1team=x", "team=NLP", "te am=x"] {
            assert!(parse_label(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn empty_environment_values_count_as_unset() {
        let err = config(&["--project", " ", "jobs", "list"]).unwrap_err();
        assert_eq!(err, ConfigError::NoProject);
    }

    #[test]
    fn quiet_wins_over_narration_and_json_is_parsed() {
        let c =
            config(&["-q", "--format", "json", "dataset", "validate", "f.jsonl"]).expect("valid");
        assert_eq!(c.verbosity, Verbosity::Quiet);
        assert_eq!(c.format, Format::Json);
    }
}
