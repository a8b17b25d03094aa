//! `retune`: continuous tuning of Gemini models on Vertex AI, from the command line.
//!
//! Two phases, as ripgrep does it: clap parses strings ([`args`]), then [`config`] turns them into
//! typed values with one-line errors. Only then does a command run; a tokio runtime and a client
//! are built only for the commands that talk to a service, so `retune --help` costs nothing but
//! parsing. Results go to stdout (tables, or the API's JSON with `--format json`); diagnostics,
//! progress and errors go to stderr. [`exit`] decides every exit code.

mod args;
mod commands;
mod config;
mod exit;
mod gcs;
mod output;
mod progress;
mod render;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::config::{Config, Verbosity};
use crate::exit::Exit;

fn main() -> ExitCode {
    // Phase 1: strings. Help, version and usage errors end here (codes 0 and 2).
    let args = args::Args::parse();
    // Phase 2: typed values.
    let config = match Config::try_from(args) {
        Ok(config) => config,
        Err(err) => return fail(&anyhow::Error::new(err)),
    };
    init_logging(config.verbosity);
    match commands::run(config) {
        Ok(exit) => exit.into(),
        Err(err) => fail(&err),
    }
}

/// Prints `err` as one line on stderr and returns its exit code.
fn fail(err: &anyhow::Error) -> ExitCode {
    let (exit, message) = exit::describe(err);
    if exit != Exit::Ok {
        // If stderr itself is gone there is nobody left to tell.
        let _ = writeln!(std::io::stderr().lock(), "error: {message}");
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
