//! `retune`: continuous tuning of Gemini models on Vertex AI, from the command line.
//!
//! Two phases, as ripgrep does it: clap parses each flag into a domain type with the value parsers
//! of [`values`] ([`args`]), then [`config`] resolves what depends on several flags, with one-line
//! errors. Only then does a command run; a tokio runtime and a client
//! are built only for the commands that talk to a service, so `retune --help` costs nothing but
//! parsing. Results go to stdout (tables, or the API's JSON with `--format json`); diagnostics,
//! progress and errors go to stderr. [`exit`] decides every exit code.

mod args;
mod commands;
mod config;
mod exit;
mod gcloud;
mod gcs;
mod output;
mod progress;
mod render;
mod slow;
mod values;

use std::io::Write;
use std::process::ExitCode;

use clap::FromArgMatches;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::config::{Config, ConfigError, Verbosity};
use crate::exit::Exit;

/// The emulator's allocator (`mock-vertex`'s binary uses the same): `retune emulator serve` and
/// `quickstart` run the same store.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Phase 1: flags into values. Help, version and usage errors end here (codes 0 and 2).
    let args = match args::command()
        .try_get_matches()
        .and_then(|matches| args::Args::from_arg_matches(&matches))
    {
        Ok(args) => args,
        Err(err) => return usage(err),
    };
    // Phase 2: typed values, with gcloud's project and region for what the line leaves out.
    let config = match Config::resolve(args, &gcloud::GcloudDefaults::load()) {
        Ok(config) => config,
        Err(err) => return fail(&anyhow::Error::new(err)),
    };
    init_logging(config.verbosity);
    match commands::run(config) {
        Ok(exit) => exit.into(),
        Err(err) => fail(&err),
    }
}

/// Ends on a clap error: a value that a value parser refused, or one outside a closed set, is one
/// line and exit code 2 like every other usage error; help, version and the other usage errors
/// are clap's own.
fn usage(err: clap::Error) -> ExitCode {
    let refused = match err.kind() {
        ErrorKind::ValueValidation => std::error::Error::source(&err)
            .and_then(|source| source.downcast_ref::<ConfigError>())
            .cloned(),
        ErrorKind::InvalidValue => invalid_value(&err),
        _ => None,
    };
    match refused {
        Some(refused) => fail(&anyhow::Error::new(refused)),
        None => {
            let code = if err.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            };
            // Printing fails only when the stream is gone, and then nobody is listening.
            let _ = err.print();
            code.into()
        }
    }
}

/// `invalid --api-version "v2": use v1 or v1beta1` from clap's context.
fn invalid_value(err: &clap::Error) -> Option<ConfigError> {
    let text = |kind| match err.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let arg = text(ContextKind::InvalidArg)?;
    let what = arg.split_whitespace().next().unwrap_or_default();
    let what: &'static str = match what {
        "--api-version" => "--api-version",
        _ if arg.starts_with("<SHELL") => "shell",
        _ => return None,
    };
    let input = text(ContextKind::InvalidValue)?;
    let valid = match err.get(ContextKind::ValidValue) {
        Some(ContextValue::Strings(values)) => values.clone(),
        _ => Vec::new(),
    };
    let reason = match valid.split_last() {
        Some((last, [])) => format!("use {last}"),
        Some((last, rest)) => format!("use {} or {last}", rest.join(", ")),
        None => "not a known value".to_owned(),
    };
    Some(ConfigError::invalid(what, &input, reason))
}

/// Prints `err` as one line on stderr and returns its exit code.
fn fail(err: &anyhow::Error) -> ExitCode {
    let (exit, message) = exit::describe(err);
    if exit != Exit::Ok {
        let prefix = if exit::is_notice(err) { "" } else { "error: " };
        // If stderr itself is gone there is nobody left to tell.
        let _ = writeln!(std::io::stderr().lock(), "{prefix}{message}");
    }
    exit.into()
}

/// Logs to stderr with `-v`; `RUST_LOG` overrides the level.
fn init_logging(verbosity: Verbosity) {
    let level = match verbosity {
        Verbosity::Quiet | Verbosity::Normal => return,
        Verbosity::Verbose(1) => "info",
        Verbosity::Verbose(2) => "debug",
        Verbosity::Verbose(_) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .init();
}
