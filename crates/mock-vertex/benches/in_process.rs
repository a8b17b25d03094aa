//! In-process benchmarks of the emulator's router (`oneshot`, no socket): get-tuning-job and
//! create-tuning-job throughput, and list-page latency at 1k, 10k and 100k stored jobs.
//!
//! Run with `cargo bench -p mock-vertex --bench in_process` (or `cargo xtask bench emulator`);
//! BENCHMARKS.md at the workspace root records the figures.

use std::hint::black_box;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::BodyExt;
use mock_vertex::storage::SAMPLE_TRAIN_URI;
use mock_vertex::{Emulator, JobSpeed};
use tokio::runtime::Runtime;
use tower::ServiceExt;

const PARENT: &str = "/v1/projects/bench/locations/us-central1";

/// Stored-job counts the list benchmark runs at.
const LIST_SIZES: [usize; 3] = [1_000, 10_000, 100_000];

fn runtime() -> Runtime {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => panic!("cannot start a tokio runtime: {err}"),
    }
}

fn create_body() -> String {
    format!(
        r#"{{"baseModel":"gemini-2.5-flash","supervisedTuningSpec":{{"trainingDatasetUri":"{SAMPLE_TRAIN_URI}"}}}}"#
    )
}

/// Sends one request through the router and returns the status and body.
async fn call(app: &Router, method: &str, uri: &str, body: Body) -> (StatusCode, bytes::Bytes) {
    let request = match Request::builder().method(method).uri(uri).body(body) {
        Ok(request) => request,
        Err(err) => panic!("bad benchmark request {uri}: {err}"),
    };
    let response = match app.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let status = response.status();
    let bytes = match response.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => panic!("unreadable body from {uri}: {err}"),
    };
    (status, bytes)
}

/// Creates one tuning job and returns its name (`projects/.../tuningJobs/ID`).
async fn create_job(app: &Router, body: &str) -> String {
    let uri = format!("{PARENT}/tuningJobs");
    let (status, bytes) = call(app, "POST", &uri, Body::from(body.to_owned())).await;
    assert_eq!(status, StatusCode::OK, "create failed: {bytes:?}");
    let job: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(job) => job,
        Err(err) => panic!("create answered non-JSON: {err}"),
    };
    job["name"].as_str().unwrap_or_default().to_owned()
}

/// In-process get and create throughput.
fn get_and_create(c: &mut Criterion) {
    let rt = runtime();
    let body = create_body();

    // GET of a finished job (instant speed: the job has its model, checkpoints and endpoints).
    let app = mock_vertex::router(Emulator::builder().jobs(JobSpeed::Instant).build());
    let name = rt.block_on(create_job(&app, &body));
    let get_uri = format!("/v1/{name}");
    let (status, _) = rt.block_on(call(&app, "GET", &get_uri, Body::empty()));
    assert_eq!(status, StatusCode::OK);

    let mut group = c.benchmark_group("in_process");
    group.throughput(Throughput::Elements(1));
    group.bench_function("get_tuning_job", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(call(&app, "GET", &get_uri, Body::empty()).await);
        });
    });

    // Create on a manual clock: jobs stay pending, so each iteration measures the create alone
    // (decode, checks, reading and validating the sample data set, insert, render).
    let app = mock_vertex::router(Emulator::builder().jobs(JobSpeed::Manual).build());
    let create_uri = format!("{PARENT}/tuningJobs");
    group.bench_function("create_tuning_job", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(call(&app, "POST", &create_uri, Body::from(body.clone())).await);
        });
    });
    group.finish();
}

/// The page token of the page that starts after `skip` jobs (a multiple of 100).
async fn token_after(app: &Router, skip: usize) -> String {
    let mut token = String::new();
    let mut walked = 0;
    while walked < skip {
        let mut uri = format!("{PARENT}/tuningJobs?pageSize=100");
        if !token.is_empty() {
            uri.push_str("&pageToken=");
            uri.push_str(&token);
        }
        let (status, bytes) = call(app, "GET", &uri, Body::empty()).await;
        assert_eq!(status, StatusCode::OK);
        let page: serde_json::Value = match serde_json::from_slice(&bytes) {
            Ok(page) => page,
            Err(err) => panic!("list answered non-JSON: {err}"),
        };
        walked += page["tuningJobs"].as_array().map_or(0, Vec::len);
        token = page["nextPageToken"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(!token.is_empty(), "ran out of pages after {walked} jobs");
    }
    token
}

/// List-page latency (pageSize 100) for the first page and a page in the middle.
fn list_pages(c: &mut Criterion) {
    let rt = runtime();
    let body = create_body();
    let mut group = c.benchmark_group("list_page");
    group.sample_size(50);
    for size in LIST_SIZES {
        // Instant jobs: every listed job is finished and rendered with its tuned model.
        let app = mock_vertex::router(Emulator::builder().jobs(JobSpeed::Instant).build());
        let deep = rt.block_on(async {
            for _ in 0..size {
                create_job(&app, &body).await;
            }
            token_after(&app, size / 2).await
        });
        let first = format!("{PARENT}/tuningJobs?pageSize=100");
        let middle = format!("{PARENT}/tuningJobs?pageSize=100&pageToken={deep}");
        for (which, uri) in [("first", first), ("middle", middle)] {
            let (status, bytes) = rt.block_on(call(&app, "GET", &uri, Body::empty()));
            assert_eq!(status, StatusCode::OK);
            assert!(
                bytes.len() > 100 * 100,
                "a page of 100 jobs is not that small"
            );
            group.bench_with_input(BenchmarkId::new(which, size), &uri, |b, uri| {
                b.to_async(&rt).iter(|| async {
                    black_box(call(&app, "GET", uri, Body::empty()).await);
                });
            });
        }
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = get_and_create, list_pages
}
criterion_main!(benches);
