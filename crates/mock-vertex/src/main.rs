//! The `mock-vertex` server binary: a local Vertex AI tuning and Model Registry emulator.
//!
//! ```text
//! mock-vertex [--port 8080] [--host 127.0.0.1] [--gcs-dir DIR] [--auth none|required|token=T]
//!             [--jobs instant|scaled|manual]
//! ```
//!
//! Prints one ready line with its address to stdout, logs to stderr (`RUST_LOG`), and stops
//! cleanly on SIGINT and SIGTERM.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use mock_vertex::{AuthMode, Emulator, JobSpeed};
use tokio::net::TcpListener;

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
    /// Which callers to accept: none (any or no bearer token), required, or token=T.
    #[arg(long, default_value = "none")]
    auth: AuthMode,
    /// How fast tuning jobs move: instant, scaled (a few seconds for a small job) or manual.
    #[arg(long, default_value = "scaled")]
    jobs: JobSpeed,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();

    let mut builder = Emulator::builder().auth(args.auth).jobs(args.jobs);
    if let Some(dir) = args.gcs_dir {
        builder = builder.gcs_dir(dir);
    }
    let emulator = builder.build();

    let listener = TcpListener::bind((args.host.as_str(), args.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
    let addr = listener.local_addr().context("no local address")?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "mock-vertex listening on http://{addr}").context("stdout")?;
    stdout.flush().context("stdout")?;
    drop(stdout);
    tracing::info!(%addr, jobs = %args.jobs, "ready");

    mock_vertex::serve_with_shutdown(listener, emulator, shutdown_signal())
        .await
        .context("server failed")?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
