//! `retune emulator serve`: the Vertex AI emulator as an HTTP server, until Ctrl-C or SIGTERM;
//! `retune emulator env`: the environment that points unmodified programs at it;
//! `retune emulator snapshot save|load|list|delete`: named snapshots of a running one.

use anyhow::Context;
use mock_vertex::Emulator;
use retune_client::endpoint::Endpoint;
use retune_model::emulator_env::{
    DEFAULT_EMULATOR_ENDPOINT, ENV_NAMES, EmulatorEnv, emulator_authority, unsets,
};
use tokio::net::TcpListener;

use crate::args::SnapshotArgs;
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
        .jobs(serve.jobs)
        .ca_dir(
            serve
                .ca_dir
                .clone()
                .unwrap_or_else(mock_vertex::proxy::default_ca_dir),
        );
    if let Some(dir) = &serve.gcs_dir {
        builder = builder.gcs_dir(dir.clone());
    }
    if let Some(dir) = &serve.data_dir {
        builder = builder.data_dir(dir.clone());
    }
    if serve.fsync {
        builder = builder.durability(mock_vertex::Durability::PowerLoss);
    }
    if let Some(dir) = &serve.snapshot_dir {
        builder = builder.snapshot_dir(dir.clone());
    }
    for numbering in &serve.project_numbers {
        builder = builder.project_number(numbering.clone());
    }
    let emulator = builder.open()?;
    if let Some(file) = &serve.import {
        emulator
            .import_file(file)
            .await
            .map_err(|e| anyhow::anyhow!("--import: {}", e.message()))?;
        emulator
            .flush()
            .await
            .map_err(|e| anyhow::anyhow!("--import: {e}"))?;
    }
    let exporter = emulator.clone();
    for bucket in &serve.buckets {
        emulator
            .objects()
            .create_bucket(bucket)
            .await
            .with_context(|| format!("cannot create bucket gs://{bucket}"))?;
    }
    if let Some(interceptor) = emulator.interceptor() {
        interceptor
            .ca()
            .map_err(anyhow::Error::msg)
            .context("cannot set up the local CA for HTTPS interception")?;
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
        eprintln_quiet(&format!(
            "To run unmodified programs against it: eval \"$(retune emulator env --endpoint http://{addr})\""
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
    if let Some(file) = &serve.export_on_exit {
        exporter
            .export_to_file(file)
            .await
            .map_err(|e| anyhow::anyhow!("--export-on-exit: {}", e.message()))?;
        if out.narrates() {
            eprintln_quiet(&format!("Exported the state to {}", file.display()));
        }
    }
    Ok(Exit::Ok)
}

/// Saves, loads, lists or deletes a named snapshot of the emulator at `endpoint`.
pub async fn snapshot(
    endpoint: Option<&Endpoint>,
    action: SnapshotArgs,
    out: &Out,
) -> anyhow::Result<Exit> {
    let (authority, http) = admin_client(endpoint)?;
    let root = format!("http://{authority}/_emulator/snapshots");
    let request = match &action {
        SnapshotArgs::Save { name, objects } => http
            .post(format!("{root}/{name}"))
            .json(&serde_json::json!({ "objects": objects })),
        SnapshotArgs::Load { name } => http.post(format!("{root}/{name}/load")),
        SnapshotArgs::List => http.get(&root),
        SnapshotArgs::Delete { name } => http.delete(format!("{root}/{name}")),
    };
    let response = request.send().await.with_context(|| {
        format!("no emulator answers at http://{authority}; start one with `retune emulator serve`")
    })?;
    let status = response.status();
    let answer: serde_json::Value = response
        .json()
        .await
        .with_context(|| format!("{root} did not answer JSON"))?;
    if !status.is_success() {
        let message = answer["error"]["message"].as_str().unwrap_or("no message");
        anyhow::bail!("the emulator refused: {message}");
    }
    if out.is_json() {
        out.json_value(&answer)?;
        return Ok(Exit::Ok);
    }
    match &action {
        SnapshotArgs::Save { name, .. } => out.line(format!(
            "Saved snapshot {name} ({} bytes)",
            answer["sizeBytes"].as_u64().unwrap_or_default()
        ))?,
        SnapshotArgs::Load { name } => out.line(format!("Loaded snapshot {name}"))?,
        SnapshotArgs::Delete { name } => out.line(format!("Deleted snapshot {name}"))?,
        SnapshotArgs::List => {
            for s in answer["snapshots"].as_array().into_iter().flatten() {
                out.line(format!(
                    "{}\t{} bytes",
                    s["name"].as_str().unwrap_or_default(),
                    s["sizeBytes"].as_u64().unwrap_or_default()
                ))?;
            }
        }
    }
    Ok(Exit::Ok)
}

/// Prints `export` lines (or with `--unset`, `unset` lines) for the emulator at `endpoint`;
/// `--format json` prints the same as one object (with `--unset`, each name to `null`).
pub async fn env(endpoint: Option<&Endpoint>, unset: bool, out: &Out) -> anyhow::Result<Exit> {
    if unset {
        if out.is_json() {
            let names = ENV_NAMES
                .iter()
                .map(|n| ((*n).to_owned(), serde_json::Value::Null));
            out.json_value(&serde_json::Value::Object(names.collect()))?;
        } else {
            print_raw(&unsets())?;
        }
        return Ok(Exit::Ok);
    }
    let (authority, http) = admin_client(endpoint)?;
    let url = format!("http://{authority}/_emulator/env");
    let answer: serde_json::Value = http
        .get(&url)
        .send()
        .await
        .with_context(|| {
            format!(
                "no emulator answers at http://{authority}; start one with `retune emulator serve`"
            )
        })?
        .error_for_status()
        .with_context(|| format!("the emulator at http://{authority} does not intercept HTTPS"))?
        .json()
        .await
        .with_context(|| format!("{url} did not answer JSON"))?;
    let field = |name: &str| {
        answer[name]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("{url} did not say {name}"))
    };
    let env = EmulatorEnv {
        authority: authority.to_owned(),
        ca_file: field("caFile")?,
        project: field("project")?,
        location: field("location")?,
    };
    if out.is_json() {
        let vars = env
            .vars()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), serde_json::Value::String(value)));
        out.json_value(&serde_json::Value::Object(vars.collect()))?;
    } else {
        print_raw(&env.exports())?;
    }
    Ok(Exit::Ok)
}

fn print_raw(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

fn eprintln_quiet(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
pub(super) async fn shutdown_signal() {
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

/// The `HOST:PORT` of the emulator at `endpoint` (the default emulator endpoint when none is
/// given) and an HTTP client for its admin API, which never goes through a proxy.
fn admin_client(endpoint: Option<&Endpoint>) -> anyhow::Result<(String, reqwest::Client)> {
    let base = endpoint.map_or(DEFAULT_EMULATOR_ENDPOINT, Endpoint::as_str);
    let authority = emulator_authority(base)
        .with_context(|| format!("--endpoint {base} is not an emulator's http://HOST:PORT URL"))?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .context("cannot build an HTTP client")?;
    Ok((authority.to_owned(), http))
}
