//! Process-level benchmarks of the `mock-vertex` binary and store: loopback HTTP throughput and
//! latency under a bounded load generator, resident memory per stored job, and start to ready.
//!
//! Run with `cargo bench -p mock-vertex --bench system` (or `cargo xtask bench emulator`); it
//! prints one line per figure. BENCHMARKS.md at the workspace root records them.
//!
//! `cargo bench` passes `--bench`. Without it (`cargo test --all-targets` runs every bench target
//! once, as libtest and criterion do in test mode) each figure runs as a smoke test: a few jobs,
//! requests and starts, in well under a second of work, to show the code still runs; its figures
//! are not measurements.
//!
//! - **Loopback load**: starts the release binary (`--port 0 --jobs instant`), creates one job,
//!   then `BENCH_CONNECTIONS` (default 16) keep-alive HTTP/1.1 connections on 127.0.0.1 send
//!   `BENCH_REQUESTS` (default 200,000) GETs of that job in a closed loop from one client thread
//!   (a 10,000-request warm-up first). Latency is per request, send to last body byte.
//! - **Unary latency, REST and gRPC**: the same binary, one finished job, then GetTuningJob
//!   sent one at a time (closed loop, one connection each) `requests / 10` times: as REST over
//!   HTTP/1.1 (`GET /v1/{name}`) and as gRPC over cleartext HTTP/2
//!   (`/google.cloud.aiplatform.v1.GenAiTuningService/GetTuningJob`), alternating in blocks of
//!   1,000 so that both see the same machine load. Latency is send to trailers.
//! - **POST create**: the binary at the default (scaled) speed, in memory, with `--data-dir` and
//!   with `--data-dir --fsync`; `BENCH_CREATE_CONNECTIONS` (default 32) connections send
//!   `BENCH_CREATE_REQUESTS` (default `BENCH_REQUESTS / 10`) creates after a warm-up of a tenth.
//! - **Memory per stored job**: a child process (this binary, re-run with
//!   `MOCK_VERTEX_BENCH_CHILD=memory`) reads `VmRSS` before and after creating 100,000 jobs
//!   through the in-process router, once with jobs left pending (manual clock) and once with
//!   every job finished (instant: each also stores its model, version and endpoints); a third
//!   child creates pending jobs whose data set is missing, to attribute the statistics' share.
//! - **Start to ready**: spawns the binary with `--port 0` 20 times and times spawn to the ready
//!   line on stdout.
//!
//! `MOCK_VERTEX_BENCH_BINARY` runs another build of the binary (an older commit's, to compare
//! two commits under the same machine load).

use std::env;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use mock_vertex::storage::SAMPLE_TRAIN_URI;
use mock_vertex::{Emulator, JobSpeed};
use tokio::net::TcpStream;
use tower::ServiceExt;

/// The allocator the `mock-vertex` binary uses, so the memory figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The emulator binary, built by cargo in the same profile as this benchmark.
const BINARY: &str = env!("CARGO_BIN_EXE_mock-vertex");
const CHILD_ENV: &str = "MOCK_VERTEX_BENCH_CHILD";
const PARENT: &str = "/v1/projects/bench/locations/us-central1";
/// The memory child's count of jobs to create, set by the parent.
const JOBS_ENV: &str = "MOCK_VERTEX_BENCH_JOBS";

/// How much work each figure does: the measurement under `cargo bench`, or a smoke run.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    /// Jobs created per memory child.
    memory_jobs: usize,
    /// Starts of the binary timed by `start_to_ready`.
    start_runs: usize,
    /// Requests of the loopback warm-up.
    warm_up_requests: usize,
    /// Requests of the loopback load (`BENCH_REQUESTS` under `cargo bench`).
    requests: usize,
    /// Connections of the loopback load (`BENCH_CONNECTIONS` under `cargo bench`).
    connections: usize,
}

impl Sizes {
    fn measurement() -> Sizes {
        Sizes {
            memory_jobs: 100_000,
            start_runs: 20,
            warm_up_requests: 10_000,
            requests: env_usize("BENCH_REQUESTS", 200_000).max(1),
            connections: env_usize("BENCH_CONNECTIONS", 16).max(1),
        }
    }

    fn smoke() -> Sizes {
        Sizes {
            memory_jobs: 100,
            start_runs: 2,
            warm_up_requests: 10,
            requests: 100,
            connections: 2,
        }
    }
}

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() {
    let jobs = || env_usize(JOBS_ENV, Sizes::measurement().memory_jobs).max(1);
    let outcome = match env::var(CHILD_ENV).as_deref() {
        Ok("memory-manual") => memory_child(JobSpeed::Manual, jobs()),
        Ok("memory-instant") => memory_child(JobSpeed::Instant, jobs()),
        Ok("memory-no-data") => memory_child(JobSpeed::Manual, jobs()),
        _ => run_all(),
    };
    if let Err(err) = outcome {
        eprintln!("system bench: {err}");
        std::process::exit(1);
    }
}

fn run_all() -> BenchResult<()> {
    let args: Vec<String> = env::args().skip(1).collect();
    // `cargo bench` passes `--bench`; `cargo test` does not. Any other argument that is not a
    // flag selects benchmarks by name.
    let sizes = if args.iter().any(|a| a == "--bench") {
        Sizes::measurement()
    } else {
        println!("system bench: smoke run (no --bench): the figures below are not measurements");
        Sizes::smoke()
    };
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let selected = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(*f));
    if selected("start_to_ready") {
        start_to_ready(sizes)?;
    }
    if selected("memory_per_job") {
        memory_per_job(sizes)?;
    }
    if selected("loopback_get") {
        loopback_get(sizes)?;
    }
    if selected("loopback_create") {
        loopback_create(sizes, Persistence::Memory)?;
        loopback_create(sizes, Persistence::DataDir)?;
        loopback_create(sizes, Persistence::DataDirFsync)?;
    }
    if selected("restart") {
        restart(sizes)?;
    }
    if selected("unary_latency") {
        unary_latency(sizes)?;
    }
    Ok(())
}

fn env_usize(name: &str, default: usize) -> usize {
    env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------------------------

/// A running `mock-vertex` process, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns the binary on a free port and waits for its ready line; returns it and the time that
/// took.
fn spawn_server(jobs: &str) -> BenchResult<(Server, Duration)> {
    spawn_server_with(jobs, &[])
}

/// [`spawn_server`] with more arguments.
fn spawn_server_with(jobs: &str, extra: &[&std::ffi::OsStr]) -> BenchResult<(Server, Duration)> {
    let ca_dir = bench_ca_dir()?;
    let started = Instant::now();
    // Another build of the binary, to compare two commits under the same load.
    let binary = std::env::var_os("MOCK_VERTEX_BENCH_BINARY").unwrap_or_else(|| BINARY.into());
    let mut child = Command::new(binary)
        .args(["--port", "0", "--jobs", jobs, "--ca-dir"])
        .arg(ca_dir)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let ready = started.elapsed();
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .ok_or("no address in the ready line")?
        .parse()
        .map_err(|e| format!("bad ready line {line:?}: {e}"))?;
    Ok((Server { child, addr }, ready))
}

/// The CA directory of every spawned server: created by the first start (untimed in
/// `start_to_ready`), so timed starts load an existing CA, as a user's do after the first.
fn bench_ca_dir() -> BenchResult<&'static std::path::Path> {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    if DIR.get().is_none() {
        let _ = DIR.set(tempfile::tempdir()?);
    }
    Ok(DIR.get().ok_or("no CA directory")?.path())
}

fn start_to_ready(sizes: Sizes) -> BenchResult<()> {
    let runs = sizes.start_runs;
    // The first start creates the local CA; the timed ones find it present.
    drop(spawn_server("scaled")?);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (server, ready) = spawn_server("scaled")?;
        drop(server);
        times.push(ready);
    }
    times.sort();
    let median = times[times.len() / 2];
    let max = times[times.len() - 1];
    println!(
        "start_to_ready: runs {runs}, median {:.1} ms, min {:.1} ms, max {:.1} ms",
        ms(median),
        ms(times[0]),
        ms(max)
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

// ---------------------------------------------------------------------------------------------
// Memory per stored job
// ---------------------------------------------------------------------------------------------

fn memory_per_job(sizes: Sizes) -> BenchResult<()> {
    for (mode, what) in [
        ("memory-manual", "pending jobs"),
        (
            "memory-instant",
            "finished jobs (with model, version, endpoints)",
        ),
        (
            "memory-no-data",
            "pending jobs whose data set is missing (no statistics)",
        ),
    ] {
        let exe = env::current_exe()?;
        let output = Command::new(exe)
            .env(CHILD_ENV, mode)
            .env(JOBS_ENV, sizes.memory_jobs.to_string())
            .output()?;
        if !output.status.success() {
            return Err(format!(
                "memory child {mode} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        let line = String::from_utf8_lossy(&output.stdout);
        println!("memory_per_job: {what}: {}", line.trim());
    }
    Ok(())
}

/// Resident set size in bytes, from `/proc/self/status`.
fn rss_bytes() -> BenchResult<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or("no VmRSS in /proc/self/status")?;
    Ok(kib * 1024)
}

fn memory_child(speed: JobSpeed, jobs: usize) -> BenchResult<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let app = mock_vertex::router(Emulator::builder().jobs(speed).build());
    let body = if env::var(CHILD_ENV).is_ok_and(|mode| mode == "memory-no-data") {
        create_body().replace(SAMPLE_TRAIN_URI, "gs://bench-missing/train.jsonl")
    } else {
        create_body()
    };
    let uri = format!("{PARENT}/tuningJobs");
    let call = |method: &'static str, uri: String, body: String| {
        let app = app.clone();
        async move {
            let request = Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::from(body))?;
            let response = app.oneshot(request).await?;
            let status = response.status();
            let bytes = response.into_body().collect().await?.to_bytes();
            if status != StatusCode::OK {
                return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)).into());
            }
            BenchResult::Ok(())
        }
    };
    rt.block_on(async {
        // One job first, so one-off allocations (the namespace, lazy tables) are not counted.
        call("POST", uri.clone(), body.clone()).await?;
        call("GET", format!("{PARENT}/tuningJobs"), String::new()).await?;
        let before = rss_bytes()?;
        let started = Instant::now();
        for _ in 0..jobs {
            call("POST", uri.clone(), body.clone()).await?;
        }
        // Lets the last job's end event fire (instant speed).
        call(
            "GET",
            format!("{PARENT}/tuningJobs?pageSize=1"),
            String::new(),
        )
        .await?;
        let took = started.elapsed();
        let after = rss_bytes()?;
        let per_job = after.saturating_sub(before) as f64 / jobs as f64;
        println!(
            "{jobs} jobs, RSS {:.1} MiB -> {:.1} MiB, {per_job:.0} bytes/job \
             ({:.2} KiB/job; created in {:.1} s; inline sizes: JobRecord {} B, \
             wire::TuningJob {} B, wire::SupervisedTuningDataStats {} B)",
            before as f64 / 1048576.0,
            after as f64 / 1048576.0,
            per_job / 1024.0,
            took.as_secs_f64(),
            size_of::<mock_vertex::jobs::JobRecord>(),
            size_of::<retune_model::wire::TuningJob>(),
            size_of::<retune_model::wire::SupervisedTuningDataStats>(),
        );
        BenchResult::Ok(())
    })
}

fn create_body() -> String {
    format!(
        r#"{{"baseModel":"gemini-2.5-flash","supervisedTuningSpec":{{"trainingDatasetUri":"{SAMPLE_TRAIN_URI}"}}}}"#
    )
}

// ---------------------------------------------------------------------------------------------
// Loopback load
// ---------------------------------------------------------------------------------------------

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> BenchResult<Sender> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

/// Sends one request and returns the status and body.
async fn send(
    sender: &mut Sender,
    method: &str,
    host: &str,
    path: &str,
    body: Bytes,
) -> BenchResult<(StatusCode, Bytes)> {
    sender.ready().await?;
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", host)
        .body(Full::new(body))?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok((status, bytes))
}

/// Sends `total` GETs of `path` over `connections` connections; returns each latency in
/// microseconds and the wall time.
async fn load(
    addr: SocketAddr,
    path: &str,
    connections: usize,
    total: usize,
) -> BenchResult<(Vec<u32>, Duration)> {
    load_with(addr, "GET", path, Bytes::new(), connections, total).await
}

/// Sends `total` requests (`method` `path` with `body`) over `connections` connections;
/// returns each latency in microseconds and the wall time.
async fn load_with(
    addr: SocketAddr,
    method: &'static str,
    path: &str,
    body: Bytes,
    connections: usize,
    total: usize,
) -> BenchResult<(Vec<u32>, Duration)> {
    let host = addr.to_string();
    let mut senders = Vec::with_capacity(connections);
    for _ in 0..connections {
        senders.push(connect(addr).await?);
    }
    let tickets = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(connections);
    for mut sender in senders {
        let tickets = Arc::clone(&tickets);
        let (host, path, body) = (host.clone(), path.to_owned(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(total / connections + 1);
            while tickets.fetch_add(1, Ordering::Relaxed) < total {
                let sent = Instant::now();
                let (status, answer) =
                    send(&mut sender, method, &host, &path, body.clone()).await?;
                let micros = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
                if status != StatusCode::OK || answer.is_empty() {
                    return Err(format!("{method} {path} answered {status}").into());
                }
                latencies.push(micros);
            }
            BenchResult::Ok(latencies)
        }));
    }
    let mut all = Vec::with_capacity(total);
    for task in tasks {
        all.extend(task.await??);
    }
    Ok((all, started.elapsed()))
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1e3
}

fn loopback_get(sizes: Sizes) -> BenchResult<()> {
    let Sizes {
        connections,
        requests: total,
        warm_up_requests,
        ..
    } = sizes;
    let (server, _) = spawn_server("instant")?;
    let addr = server.addr;
    // One client thread, as `wrk -t1`: on two cores the server keeps the other.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut sender = connect(addr).await?;
        let host = addr.to_string();
        let (status, bytes) = send(
            &mut sender,
            "POST",
            &host,
            &format!("{PARENT}/tuningJobs"),
            Bytes::from(create_body()),
        )
        .await?;
        if status != StatusCode::OK {
            return Err(format!("create answered {status}").into());
        }
        let job: serde_json::Value = serde_json::from_slice(&bytes)?;
        let path = format!("/v1/{}", job["name"].as_str().unwrap_or_default());
        let (status, bytes) = send(&mut sender, "GET", &host, &path, Bytes::new()).await?;
        if status != StatusCode::OK {
            return Err(format!("GET {path} answered {status}").into());
        }
        let body_len = bytes.len();
        drop(sender);

        load(addr, &path, connections, warm_up_requests).await?;
        let (mut latencies, took) = load(addr, &path, connections, total).await?;
        latencies.sort_unstable();
        println!(
            "loopback_get: {total} requests, {connections} connections, body {body_len} bytes: \
             {:.0} req/s; latency p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms, \
             max {:.3} ms",
            total as f64 / took.as_secs_f64(),
            percentile(&latencies, 50.0),
            percentile(&latencies, 90.0),
            percentile(&latencies, 99.0),
            percentile(&latencies, 99.9),
            percentile(&latencies, 100.0),
        );
        BenchResult::Ok(())
    })?;
    drop(server);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Unary latency, REST and gRPC
// ---------------------------------------------------------------------------------------------

type Http2Sender = hyper::client::conn::http2::SendRequest<Full<Bytes>>;

/// A framed `GetTuningJobRequest` with `name` (field 1).
fn grpc_get_request(name: &str) -> Bytes {
    let mut message = vec![0x0a];
    let mut len = name.len();
    while len >= 0x80 {
        message.push((len as u8) | 0x80);
        len >>= 7;
    }
    message.push(len as u8);
    message.extend_from_slice(name.as_bytes());
    let mut framed = vec![0];
    framed.extend_from_slice(&(message.len() as u32).to_be_bytes());
    framed.extend_from_slice(&message);
    Bytes::from(framed)
}

/// One gRPC unary call; its latency in microseconds.
async fn grpc_call(sender: &mut Http2Sender, authority: &str, body: Bytes) -> BenchResult<u32> {
    let sent = Instant::now();
    sender.ready().await?;
    let request = Request::builder()
        .method("POST")
        .uri(format!(
            "http://{authority}/google.cloud.aiplatform.v1.GenAiTuningService/GetTuningJob"
        ))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(Full::new(body))?;
    let response = sender.send_request(request).await?;
    let collected = response.into_body().collect().await?;
    let status = collected
        .trailers()
        .and_then(|t| t.get("grpc-status"))
        .map(|v| v.as_bytes().to_vec());
    if status.as_deref() != Some(b"0".as_slice()) || collected.to_bytes().is_empty() {
        return Err(format!("GetTuningJob over gRPC answered grpc-status {status:?}").into());
    }
    Ok(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX))
}

fn unary_latency(sizes: Sizes) -> BenchResult<()> {
    let total = (sizes.requests / 10).max(100);
    let block = 1_000.min(total);
    let (server, _) = spawn_server("instant")?;
    let addr = server.addr;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let host = addr.to_string();
        let mut rest = connect(addr).await?;
        let (status, bytes) = send(
            &mut rest,
            "POST",
            &host,
            &format!("{PARENT}/tuningJobs"),
            Bytes::from(create_body()),
        )
        .await?;
        if status != StatusCode::OK {
            return Err(format!("create answered {status}").into());
        }
        let job: serde_json::Value = serde_json::from_slice(&bytes)?;
        let name = job["name"].as_str().unwrap_or_default().to_owned();
        let path = format!("/v1/{name}");
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (mut grpc, connection) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            TokioIo::new(stream),
        )
        .await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let request = grpc_get_request(&name);
        let (mut rest_latencies, mut grpc_latencies) = (Vec::new(), Vec::new());
        // Warm-up, then alternating blocks.
        for _ in 0..block {
            send(&mut rest, "GET", &host, &path, Bytes::new()).await?;
            grpc_call(&mut grpc, &host, request.clone()).await?;
        }
        while rest_latencies.len() < total {
            for _ in 0..block {
                let sent = Instant::now();
                let (status, _) = send(&mut rest, "GET", &host, &path, Bytes::new()).await?;
                if status != StatusCode::OK {
                    return Err(format!("GET {path} answered {status}").into());
                }
                rest_latencies.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
            }
            for _ in 0..block {
                grpc_latencies.push(grpc_call(&mut grpc, &host, request.clone()).await?);
            }
        }
        for (label, latencies) in [
            ("REST (HTTP/1.1)", &mut rest_latencies),
            ("gRPC (HTTP/2)", &mut grpc_latencies),
        ] {
            latencies.sort_unstable();
            println!(
                "unary_latency: GetTuningJob over {label}, {} sequential calls on one connection: \
                 p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
                latencies.len(),
                percentile(latencies, 50.0),
                percentile(latencies, 90.0),
                percentile(latencies, 99.0),
                percentile(latencies, 100.0),
            );
        }
        BenchResult::Ok(())
    })?;
    drop(server);
    Ok(())
}

/// Where `loopback_create`'s emulator keeps its state.
#[derive(Debug, Clone, Copy)]
enum Persistence {
    Memory,
    /// `--data-dir` (commits written to the log before their replies).
    DataDir,
    /// `--data-dir --fsync` (and each commit fsynced).
    DataDirFsync,
}

/// POST create over `BENCH_CREATE_CONNECTIONS` (default 32) connections, in memory, with
/// `--data-dir`, and with `--data-dir --fsync`, at the default (scaled) speed: jobs created early
/// finish (registering their versions and endpoints) while later ones are created, as in a long
/// load.
fn loopback_create(sizes: Sizes, persistence: Persistence) -> BenchResult<()> {
    let connections = env_usize("BENCH_CREATE_CONNECTIONS", 32).max(1);
    let total = env_usize("BENCH_CREATE_REQUESTS", sizes.requests / 10).max(connections);
    let dir = tempfile::tempdir()?;
    let data_dir = ["--data-dir".as_ref(), dir.path().as_os_str()];
    let (server, _) = match persistence {
        Persistence::Memory => spawn_server("scaled")?,
        Persistence::DataDir => spawn_server_with("scaled", &data_dir)?,
        Persistence::DataDirFsync => {
            spawn_server_with("scaled", &[data_dir[0], data_dir[1], "--fsync".as_ref()])?
        }
    };
    let addr = server.addr;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let path = format!("{PARENT}/tuningJobs");
    let body = Bytes::from(create_body());
    rt.block_on(async {
        load_with(
            addr,
            "POST",
            &path,
            body.clone(),
            connections,
            total / 10 + 1,
        )
        .await?;
        let (mut latencies, took) =
            load_with(addr, "POST", &path, body, connections, total).await?;
        latencies.sort_unstable();
        println!(
            "loopback_create ({}): {total} creates, {connections} connections: {:.0} req/s; \
             latency p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms",
            match persistence {
                Persistence::Memory => "in memory",
                Persistence::DataDir => "--data-dir",
                Persistence::DataDirFsync => "--data-dir --fsync",
            },
            total as f64 / took.as_secs_f64(),
            percentile(&latencies, 50.0),
            percentile(&latencies, 90.0),
            percentile(&latencies, 99.0),
            percentile(&latencies, 99.9),
            percentile(&latencies, 100.0),
        );
        BenchResult::Ok(())
    })?;
    drop(server);
    Ok(())
}

/// How many timed restarts [`restart`] makes after the first start.
const RESTARTS: usize = 11;

/// Restart time with `BENCH_RESTART_JOBS` (default 100,000) finished jobs in a data directory
/// (`BENCH_RESTART_DIR` names one to keep, for profiling a restart afterwards):
/// the directory is filled through `--import` of a state made in process, the binary is started
/// on it once (that start copies the import's log), then started [`RESTARTS`] times more
/// (spawn to ready line).
fn restart(sizes: Sizes) -> BenchResult<()> {
    let jobs = env_usize("BENCH_RESTART_JOBS", sizes.memory_jobs);
    let dir = tempfile::tempdir()?;
    // `BENCH_RESTART_DIR` keeps the data directory (to profile a restart of it afterwards).
    let kept = env::var_os("BENCH_RESTART_DIR").map(std::path::PathBuf::from);
    let export = dir.path().join("state.json");
    let emulator = Emulator::builder().jobs(JobSpeed::Instant).build();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let app = mock_vertex::router(emulator.clone());
    rt.block_on(async {
        for _ in 0..jobs {
            let request = Request::post(format!("{PARENT}/tuningJobs"))
                .header("content-type", "application/json")
                .body(Body::from(create_body()))?;
            let response = app.clone().oneshot(request).await?;
            if response.status() != StatusCode::OK {
                return Err(format!("create answered {}", response.status()).into());
            }
        }
        BenchResult::Ok(())
    })?;
    std::fs::write(&export, emulator.export_state_json())?;
    let data = kept.unwrap_or_else(|| dir.path().join("data"));
    let (server, imported) = spawn_server_with(
        "instant",
        &[
            "--data-dir".as_ref(),
            data.as_os_str(),
            "--import".as_ref(),
            export.as_os_str(),
        ],
    )?;
    drop(server);
    let start = || {
        spawn_server_with("instant", &["--data-dir".as_ref(), data.as_os_str()]).map(
            |(server, ready)| {
                drop(server);
                ready
            },
        )
    };
    // The first start copies the log the killed import left into the database.
    let first = start()?;
    let mut times = (0..RESTARTS)
        .map(|_| start())
        .collect::<BenchResult<Vec<_>>>()?;
    times.sort_unstable();
    let db = std::fs::metadata(data.join("state.sqlite3"))?.len()
        + std::fs::metadata(data.join("state.sqlite3-wal")).map_or(0, |m| m.len());
    println!(
        "restart: {jobs} finished jobs, database {:.1} MB: import at start {:.0} ms; first start {:.0} ms; \
         {RESTARTS} restarts: median {:.0} ms, min {:.0} ms, max {:.0} ms",
        db as f64 / 1e6,
        ms(imported),
        ms(first),
        ms(times[RESTARTS / 2]),
        ms(times[0]),
        ms(times[RESTARTS - 1]),
    );
    Ok(())
}
