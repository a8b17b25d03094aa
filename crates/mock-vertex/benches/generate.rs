//! GenerateContent against a tuned version trained on 10,000 examples: latency through the router
//! (`oneshot`, no socket; p50, p90, p99 of individual calls) and resident memory per indexed
//! example.
//!
//! Run with `cargo bench -p mock-vertex --bench generate` (or `cargo xtask bench emulator`);
//! BENCHMARKS.md at the workspace root records the figures.

use std::hint::black_box;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use bytes::Bytes;
use http_body_util::BodyExt;
use mock_vertex::storage::{BucketName, ObjectName};
use mock_vertex::{Emulator, JobSpeed};
use retune_model::answer::{AnswerIndex, TrainingPair};
use tower::ServiceExt;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Examples in the training data set (`cargo bench`; a smoke run under `cargo test` uses 300).
const EXAMPLES: usize = 10_000;
/// Timed GenerateContent calls after 200 warm-up calls (a smoke run: 50).
const CALLS: usize = 5_000;
const PARENT: &str = "/v1/projects/bench/locations/us-central1";

/// A pseudo-word of `syllables` syllables for `n`, so that the vocabulary is large and stems stay
/// distinct.
fn word(mut n: usize, syllables: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ru", "te", "po", "sa", "ne", "vi", "do", "gu", "re", "zo", "fa", "bi",
        "ju",
    ];
    let mut w = String::new();
    for _ in 0..syllables {
        w.push_str(SYLLABLES[n % 16]);
        n /= 16;
    }
    w
}

/// Example `i`'s question: a word of its own, and three of a 4,096-word vocabulary (each in about
/// 7 questions).
fn question(i: usize) -> String {
    let w = |k: usize| word((i * 7 + k * 1_031) % 4_096, 3);
    format!(
        "What does the {} {} say about {} and {}?",
        word(i, 4),
        w(1),
        w(2),
        w(3)
    )
}

fn dataset(examples: usize) -> String {
    (0..examples)
        .map(|i| {
            serde_json::json!({"contents": [
                {"role": "user", "parts": [{"text": question(i)}]},
                {"role": "model", "parts": [{"text": format!("Answer number {i}.")}]},
            ]})
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn call(app: &Router, method: &str, uri: &str, body: String) -> (StatusCode, Bytes) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::from(body))
        .unwrap_or_default();
    let response = match app.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    (status, bytes)
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

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn latency(examples: usize, calls: usize) -> BenchResult<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let emulator = Emulator::builder().jobs(JobSpeed::Instant).build();
    let app = mock_vertex::router(emulator.clone());
    rt.block_on(async {
        let bucket: BucketName = "bench-generate".parse()?;
        let object: ObjectName = "train.jsonl".parse()?;
        emulator.objects().create_bucket(&bucket).await?;
        emulator
            .objects()
            .put(&bucket, &object, Bytes::from(dataset(examples)), None)
            .await?;
        let body = r#"{"baseModel":"gemini-2.5-flash","supervisedTuningSpec":{"trainingDatasetUri":"gs://bench-generate/train.jsonl","hyperParameters":{"epochCount":1}}}"#;
        let started = Instant::now();
        let (status, bytes) =
            call(&app, "POST", &format!("{PARENT}/tuningJobs"), body.to_owned()).await;
        if status != StatusCode::OK {
            return Err(format!("create failed: {bytes:?}").into());
        }
        let job: serde_json::Value = serde_json::from_slice(&bytes)?;
        let name = job["name"].as_str().unwrap_or_default().to_owned();
        let (_, bytes) = call(&app, "GET", &format!("/v1/{name}"), String::new()).await;
        let job: serde_json::Value = serde_json::from_slice(&bytes)?;
        println!(
            "generate: create + succeed (reads, checks and indexes {examples} examples): {:.0} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
        let endpoint = job["tunedModel"]["endpoint"]
            .as_str()
            .ok_or("the job has no endpoint")?
            .to_owned();
        let uri = format!("/v1/{endpoint}:generateContent");
        let ask = |i: usize| {
            serde_json::json!({"contents": [{"role": "user", "parts": [{"text": question(i)}]}]})
                .to_string()
        };
        let probe = 1234 % examples;
        let (status, bytes) = call(&app, "POST", &uri, ask(probe)).await;
        let answer = String::from_utf8_lossy(&bytes);
        if status != StatusCode::OK || !answer.contains(&format!("Answer number {probe}.")) {
            return Err(format!("unexpected answer: {answer}").into());
        }
        for i in 0..200 {
            black_box(call(&app, "POST", &uri, ask(i * 37 % examples)).await);
        }
        let mut times = Vec::with_capacity(calls);
        for i in 0..calls {
            let body = ask(i * 7_919 % examples);
            let t = Instant::now();
            black_box(call(&app, "POST", &uri, body).await);
            times.push(t.elapsed().as_secs_f64() * 1e6);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "generate: generateContent on a version trained on {examples} examples, {calls} calls: \
             p50 {:.0} µs, p90 {:.0} µs, p99 {:.0} µs",
            percentile(&times, 0.5),
            percentile(&times, 0.9),
            percentile(&times, 0.99)
        );
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}

/// Resident memory of an index of `examples` pairs, per pair (the pairs' text included).
fn memory(examples: usize) -> BenchResult<()> {
    let pairs: Vec<TrainingPair> = (0..examples)
        .map(|i| TrainingPair {
            prompt: question(i),
            answer: format!("Answer number {i}."),
        })
        .collect();
    let text: usize = pairs.iter().map(|p| p.prompt.len() + p.answer.len()).sum();
    let before = rss_bytes()?;
    let index = AnswerIndex::build(pairs);
    let after = rss_bytes()?;
    black_box(&index);
    println!(
        "generate: resident memory per indexed example: {} B ({} examples, {} B of text each on average)",
        after.saturating_sub(before) / examples as u64,
        index.len(),
        text / examples
    );
    Ok(())
}

fn main() -> BenchResult<()> {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this once, small, as a
    // smoke test (it still checks that a training question gets its training answer).
    if std::env::args().any(|a| a == "--bench") {
        memory(EXAMPLES)?;
        latency(EXAMPLES, CALLS)
    } else {
        println!("generate: smoke run (300 examples, 50 calls); the figures are not measurements");
        memory(300)?;
        latency(300, 50)
    }
}
