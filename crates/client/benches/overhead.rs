//! Client call overhead: `Client::get_tuning_job` over `InProcess`, with the default decorator
//! stack (auth, tracing, retry), against the same GET, headers included, sent to the emulator's
//! router with a bare `oneshot` (target: under 1.5x); the same call without decorators; and the
//! share of the overhead that is decoding the JSON body into `wire::TuningJob`.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::BodyExt;
use retune_client::auth::StaticToken;
use retune_client::endpoint::Endpoint;
use retune_client::transport::InProcess;
use retune_client::{Client, ClientConfig, DatasetUri, TuningJobSpec};
use retune_model::base_model::BaseModel;
use retune_model::names::TuningJobName;
use tower::ServiceExt;

const AGENT: &str = concat!("retune-client/", env!("CARGO_PKG_VERSION"));
const TOKEN: &str = "bench-token";

fn overhead(c: &mut Criterion) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        eprintln!("could not start a tokio runtime");
        return;
    };
    let router = mock_vertex::router(mock_vertex::Emulator::new());
    let (Ok(project), Ok(region), Ok(location), Ok(endpoint)) = (
        "bench".parse(),
        "us-central1".parse(),
        "projects/bench/locations/us-central1".parse(),
        "http://emulator.invalid".parse::<Endpoint>(),
    ) else {
        return;
    };
    // What users get from the builder: retry(tracing(auth(InProcess))).
    let client = Client::builder()
        .project(project)
        .location(region)
        .endpoint(endpoint.clone())
        .read_environment(false)
        .token_provider(Arc::new(StaticToken::new(TOKEN)))
        .transport(Arc::new(InProcess::new(router.clone())))
        .build();
    let Ok(client) = client else {
        eprintln!("could not build the client");
        return;
    };
    // The bare client: the transport used as is, no decorators.
    let bare_client = Client::from_transport(
        Arc::new(InProcess::new(router.clone())),
        ClientConfig::new(location, endpoint),
    );

    let setup = async {
        let base = BaseModel::lookup("gemini-2.5-flash").ok()?;
        let data: DatasetUri = "gs://bench/train.jsonl".parse().ok()?;
        let job = client
            .create_tuning_job(&TuningJobSpec::from_base_model(base, data))
            .await
            .ok()?;
        job.name.parse::<TuningJobName>().ok()
    };
    let Some(name) = rt.block_on(setup) else {
        eprintln!("could not create the benchmark's tuning job");
        return;
    };
    let path = format!("http://emulator.invalid/v1/{name}");
    let bearer = format!("Bearer {TOKEN}");

    let mut group = c.benchmark_group("get_tuning_job");
    group.bench_function("bare_router_oneshot", |b| {
        b.to_async(&rt).iter(|| async {
            // The same request the client sends, headers included, so that only the client's
            // own work differs.
            let req = http::Request::get(&path)
                .header("accept", "application/json")
                .header("user-agent", AGENT)
                .header("x-goog-api-client", AGENT)
                .header("authorization", &bearer)
                .body(http_body_util::Full::new(bytes::Bytes::new()));
            let Ok(req) = req else { return };
            let Ok(res) = router.clone().oneshot(req).await;
            let body = res.into_body().collect().await.map(|b| b.to_bytes());
            std::hint::black_box(body.ok());
        });
    });
    let body = rt.block_on(async {
        let req = http::Request::get(&path)
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .ok()?;
        let res = router.clone().oneshot(req).await.ok()?;
        res.into_body().collect().await.ok().map(|b| b.to_bytes())
    });
    let body = body.unwrap_or_default();
    group.bench_function("decode_only", |b| {
        b.iter(|| {
            std::hint::black_box(
                serde_json::from_slice::<retune_model::wire::TuningJob>(&body).ok(),
            )
        });
    });
    group.bench_function("client_in_process", |b| {
        b.to_async(&rt).iter(|| async {
            std::hint::black_box(client.get_tuning_job(&name).await.ok());
        });
    });
    group.bench_function("client_without_decorators", |b| {
        b.to_async(&rt).iter(|| async {
            std::hint::black_box(bare_client.get_tuning_job(&name).await.ok());
        });
    });
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
