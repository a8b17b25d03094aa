//! `retune emulator serve`: the Vertex AI emulator as an HTTP server, until Ctrl-C or SIGTERM.

use anyhow::Context;
use mock_vertex::Emulator;
use tokio::net::TcpListener;

use crate::config::Serve;
use crate::exit::Exit;
use crate::output::Out;

/// The first line on stdout once the server accepts connections (the same as `mock-vertex`'s).
pub fn ready_line(addr: std::net::SocketAddr) -> String {
    format!("mock-vertex listening on http://{addr}")
}

/// Serves until interrupted.
pub async fn serve(serve: Serve, out: &Out) -> anyhow::Result<Exit> {
    let mut builder = Emulator::builder()
        .auth(serve.auth.clone())
        .jobs(serve.jobs);
    if let Some(dir) = &serve.gcs_dir {
        builder = builder.gcs_dir(dir.clone());
    }
    let emulator = builder.build();
    for bucket in &serve.buckets {
        emulator
            .objects()
            .create_bucket(bucket)
            .await
            .with_context(|| format!("cannot create bucket gs://{bucket}"))?;
    }
    let listener = TcpListener::bind((serve.host, serve.port))
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}:{}; pick another --port",
                serve.host, serve.port
            )
        })?;
    let addr = listener
        .local_addr()
        .context("the listener has no address")?;
    out.line(ready_line(addr))?;
    if out.narrates() {
        eprintln_quiet(&format!(
            "Jobs move at {} speed. Point retune at it with --endpoint http://{addr} (or export GOOGLE_VERTEX_BASE_URL=http://{addr}); Ctrl-C stops it.",
            serve.jobs
        ));
        for bucket in &serve.buckets {
            eprintln_quiet(&format!(
                "Bucket gs://{bucket} is ready: retune dataset upload FILE gs://{bucket}/FILE.jsonl"
            ));
        }
    }
    mock_vertex::serve_with_shutdown(listener, emulator, shutdown_signal())
        .await
        .context("the emulator stopped with an error")?;
    Ok(Exit::Ok)
}

fn eprintln_quiet(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
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
