//! The `mock-vertex` server binary: a local Vertex AI tuning and Model Registry emulator.
//!
//! ```text
//! mock-vertex [--port 8080] [--host 127.0.0.1] [--gcs-dir DIR] [--auth none|required|any-token|token=T]
//!             [--grant TOKEN=PROJECT[,PROJECT...]]... [--disable-api PROJECT]...
//!             [--project-number ID=NUMBER]...
//!             [--jobs instant|scaled|manual] [--ca-dir DIR] [--data-dir DIR [--fsync]]
//!             [--snapshot-dir DIR] [--import FILE] [--export-on-exit FILE]
//! ```
//!
//! With `--data-dir DIR` the state (and, without `--gcs-dir`, the object store) is kept in `DIR`
//! and survives restarts and crashes (see `mock_vertex::persist`; `--fsync` makes every commit
//! survive a power loss too); a directory it cannot use
//! (a file, unreadable, locked by another emulator, a damaged database) is one line on stderr and
//! exit status 1. Without it, the state lives in memory.
//!
//! It also intercepts HTTPS (`CONNECT`) for Google's hosts with a local CA kept in `--ca-dir`
//! (created on first use), and serves a metadata server and an OAuth token endpoint, so that
//! `eval "$(retune emulator env)"` points unmodified programs at it; it prints that guidance
//! line on stderr at start-up.
//!
//! Prints one ready line with its address to stdout, logs to stderr (`RUST_LOG`), and stops
//! cleanly (exit status 0) on SIGINT and SIGTERM. A bad flag or a port it cannot bind is one line
//! on stderr (`mock-vertex: ...`) and a non-zero exit status (2 for usage errors, 1 otherwise).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use mock_vertex::access::Grant;
use mock_vertex::{AuthMode, Durability, Emulator, JobSpeed};
use retune_model::names::ProjectNumbering;
use tokio::net::TcpListener;

/// mimalloc: a start from a data directory allocates every record of the state on two threads
/// at once (parsing and storing), where it takes 10 to 15% less time than the system allocator;
/// built without transparent huge pages, whose first touch (zeroing 2 MiB at a time) cost more
/// than it saved (`BENCHMARKS.md`, restart).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A local emulator of the Vertex AI tuning-jobs and Model Registry REST API.
#[derive(Debug, Parser)]
#[command(name = "mock-vertex", version, about)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080, env = "MOCK_VERTEX_PORT")]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1", env = "MOCK_VERTEX_HOST")]
    host: String,
    /// Serve `gs://bucket/object` from `DIR/bucket/object` (default: in memory).
    #[arg(long, value_name = "DIR")]
    gcs_dir: Option<PathBuf>,
    /// Which callers to accept: none (any or no bearer token), required (only tokens it issued
    /// itself, unexpired), any-token (any bearer token), or token=T.
    #[arg(long, default_value = "none")]
    auth: AuthMode,
    /// Limits a bearer token to some projects: calls on other projects are 403
    /// IAM_PERMISSION_DENIED naming the permission. Repeatable.
    #[arg(long, value_name = "TOKEN=PROJECT[,PROJECT...]")]
    grant: Vec<Grant>,
    /// Starts with the Vertex AI API of this project disabled: its calls are 403
    /// SERVICE_DISABLED (switched at run time with `POST /_emulator/services`). Repeatable.
    #[arg(long, value_name = "PROJECT")]
    disable_api: Vec<String>,
    /// Gives a project id its number: resource names are answered with the number, as Vertex
    /// AI does (default: a stable 12-digit number derived from the id). Repeatable.
    #[arg(long, value_name = "ID=NUMBER")]
    project_number: Vec<ProjectNumbering>,
    /// How fast tuning jobs move: instant, scaled (a few seconds for a small job) or manual.
    #[arg(long, default_value = "scaled")]
    jobs: JobSpeed,
    /// Where the local CA for HTTPS interception lives (created on first use).
    /// Default: `$XDG_CONFIG_HOME/retune/emulator-ca` (or `~/.config/retune/emulator-ca`).
    #[arg(long, value_name = "DIR", env = "MOCK_VERTEX_CA_DIR")]
    ca_dir: Option<PathBuf>,
    /// Keep the state in DIR (created if missing) so it survives restarts and crashes: every
    /// change is committed before its reply [default: in memory].
    #[arg(long, value_name = "DIR", env = "MOCK_VERTEX_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// With --data-dir, fsync every commit before its reply, so acknowledged changes survive a
    /// power loss or an operating-system crash too [default: a commit is written to the
    /// database's log before its reply, which survives the emulator's crash or kill -9].
    #[arg(long, requires = "data_dir")]
    fsync: bool,
    /// Where `retune emulator snapshot save NAME` writes [default: DATA_DIR/snapshots; without
    /// --data-dir, snapshots are refused].
    #[arg(long, value_name = "DIR")]
    snapshot_dir: Option<PathBuf>,
    /// At start, replace the state with FILE (a snapshot file or a state export).
    #[arg(long, value_name = "FILE")]
    import: Option<PathBuf>,
    /// On a clean stop (SIGINT, SIGTERM), write the state and the objects to FILE, atomically
    /// (a kill skips it: --data-dir is what survives kills).
    #[arg(long, value_name = "FILE")]
    export_on_exit: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(err) if !err.use_stderr() => err.exit(), // --help, --version
        Err(err) => {
            // One line, as a newcomer reads it: what was wrong, and where to look.
            let rendered = err.render().to_string();
            let first = rendered.lines().next().unwrap_or_default();
            let what = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!("mock-vertex: {what} (see mock-vertex --help)");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("mock-vertex: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mock-vertex: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();

    ignore_file_size_signal()?;
    let ca_dir = args
        .ca_dir
        .unwrap_or_else(mock_vertex::proxy::default_ca_dir);
    let mut builder = Emulator::builder()
        .auth(args.auth)
        .jobs(args.jobs)
        .ca_dir(&ca_dir);
    for grant in args.grant {
        builder = builder.grant(grant);
    }
    for project in &args.disable_api {
        builder = builder.disable_api(project);
    }
    for numbering in args.project_number {
        builder = builder.project_number(numbering);
    }
    if let Some(dir) = args.gcs_dir {
        builder = builder.gcs_dir(dir);
    }
    if let Some(dir) = args.data_dir {
        builder = builder.data_dir(dir);
    }
    if args.fsync {
        builder = builder.durability(Durability::PowerLoss);
    }
    if let Some(dir) = args.snapshot_dir {
        builder = builder.snapshot_dir(dir);
    }
    let emulator = builder.open()?;
    if let Some(file) = &args.import {
        emulator
            .import_file(file)
            .await
            .map_err(|e| anyhow::anyhow!("--import: {}", e.message()))?;
        // Kept before the emulator says it is ready.
        emulator
            .flush()
            .await
            .map_err(|e| anyhow::anyhow!("--import: {e}"))?;
    }
    let exporter = emulator.clone();
    if let Some(interceptor) = emulator.interceptor() {
        interceptor
            .ca()
            .map_err(anyhow::Error::msg)
            .context("cannot set up the local CA for HTTPS interception")?;
    }

    let listener = TcpListener::bind((args.host.as_str(), args.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
    let addr = listener.local_addr().context("no local address")?;
    let shutdown = shutdown_signal()?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "mock-vertex listening on http://{addr}").context("stdout")?;
    stdout.flush().context("stdout")?;
    drop(stdout);
    eprintln!(
        "mock-vertex: to run unmodified programs against it: eval \"$(retune emulator env --endpoint http://{addr})\""
    );
    tracing::info!(%addr, jobs = %args.jobs, "ready");

    // A data directory that can no longer be written stops the server: it must not go on
    // answering as if changes were kept.
    let (failed, failure) = tokio::sync::oneshot::channel();
    let watched = emulator.clone();
    let stop = async move {
        tokio::select! {
            () = shutdown => {}
            reason = watched.data_dir_failed() => {
                let _sent = failed.send(reason);
            }
        }
    };
    mock_vertex::serve_with_shutdown(listener, emulator, stop)
        .await
        .context("server failed")?;
    if let Ok(reason) = failure.await {
        anyhow::bail!("stopped: the data directory can no longer be written: {reason}");
    }
    if let Some(file) = &args.export_on_exit {
        exporter
            .export_to_file(file)
            .await
            .map_err(|e| anyhow::anyhow!("--export-on-exit: {}", e.message()))?;
        tracing::info!(file = %file.display(), "exported");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Keeps the process alive when a write crosses its file-size limit (`RLIMIT_FSIZE`): SIGXFSZ
/// would kill it without a word; handled, the write fails with `EFBIG` instead, and a data
/// directory that cannot be written is one clear message (at start) or a refused write and a
/// clear stop (while serving).
#[cfg(target_os = "linux")]
fn ignore_file_size_signal() -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    /// SIGXFSZ on Linux.
    const SIGXFSZ: i32 = 25;
    // The handler stays installed after the stream is dropped; the signal is then only counted.
    let _counted = signal(SignalKind::from_raw(SIGXFSZ)).context("cannot handle SIGXFSZ")?;
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn ignore_file_size_signal() -> Result<()> {
    Ok(())
}

/// A future that completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
///
/// The handlers are installed here, before the ready line is printed: a signal sent as soon as
/// the line appears must stop the server cleanly, not kill it with the default disposition.
#[cfg(unix)]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => tracing::info!("SIGINT"),
            _ = terminate.recv() => tracing::info!("SIGTERM"),
        }
    })
}

/// A future that completes on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
}
