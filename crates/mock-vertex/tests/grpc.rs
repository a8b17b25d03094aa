//! The gRPC face over a real socket: cleartext HTTP/2 calls on the REST port, answered with the
//! right `grpc-status` for good calls and for hostile ones (broken frames, wrong wire types,
//! unknown services, methods and names), never a crash; REST keeps working on the same port.

use std::net::SocketAddr;

use axum::body::Bytes;
use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http2;
use hyper::{HeaderMap, Request};
use hyper_util::rt::{TokioExecutor, TokioIo};
use mock_vertex::{AuthMode, JobSpeed, MockVertex};
use proptest::prelude::*;
use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};
use serde_json::{Value, json};

const PARENT: &str = "projects/p/locations/us-central1";
const TUNING: &str = "google.cloud.aiplatform.v1.GenAiTuningService";

/// What came back: the HTTP status, headers, the messages' bytes and the trailers.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    trailers: HeaderMap,
}

impl Answer {
    /// `grpc-status` (from the trailers, or the headers of a trailers-only answer).
    fn grpc_status(&self) -> i32 {
        let value = self
            .trailers
            .get("grpc-status")
            .or_else(|| self.headers.get("grpc-status"))
            .unwrap_or_else(|| panic!("no grpc-status in {self:?}"));
        value.to_str().unwrap().parse().unwrap()
    }

    fn grpc_message(&self) -> String {
        self.trailers
            .get("grpc-message")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// The single message of a unary answer, decoded as `desc`, as JSON.
    fn message(&self, desc: MessageDescriptor) -> Value {
        assert_eq!(self.grpc_status(), 0, "{}", self.grpc_message());
        let messages = split_frames(&self.body);
        assert_eq!(messages.len(), 1, "{self:?}");
        let message = DynamicMessage::decode(desc, messages[0].clone()).unwrap();
        serde_json::to_value(&message).unwrap()
    }
}

fn pool() -> DescriptorPool {
    DescriptorPool::decode(mock_vertex::grpc::DESCRIPTOR_SET).unwrap()
}

fn message_desc(name: &str) -> MessageDescriptor {
    pool().get_message_by_name(name).unwrap()
}

/// `json` as the encoded message `name`.
fn encode(name: &str, json: Value) -> Vec<u8> {
    let message = DynamicMessage::deserialize(message_desc(name), json).unwrap();
    prost::Message::encode_to_vec(&message)
}

/// One uncompressed gRPC frame.
fn frame(message: &[u8]) -> Vec<u8> {
    let mut framed = vec![0];
    framed.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
    framed.extend_from_slice(message);
    framed
}

fn split_frames(body: &[u8]) -> Vec<Bytes> {
    let mut messages = Vec::new();
    let mut at = 0;
    while at < body.len() {
        let len = u32::from_be_bytes(body[at + 1..at + 5].try_into().unwrap()) as usize;
        messages.push(Bytes::copy_from_slice(&body[at + 5..at + 5 + len]));
        at += 5 + len;
    }
    messages
}

/// Sends one HTTP/2 request (prior knowledge, no TLS) with `body` and extra `headers`.
async fn call_with(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Answer {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut request = Request::post(format!("http://{addr}{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = sender
        .send_request(request.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let collected = response.into_body().collect().await.unwrap();
    let trailers = collected.trailers().cloned().unwrap_or_default();
    Answer {
        status,
        headers,
        body: collected.to_bytes(),
        trailers,
    }
}

async fn call(addr: SocketAddr, path: &str, body: Vec<u8>) -> Answer {
    call_with(addr, path, &[], body).await
}

async fn server() -> MockVertex {
    MockVertex::builder()
        .jobs(JobSpeed::Instant)
        .start()
        .await
        .unwrap()
}

fn create_request() -> Vec<u8> {
    frame(&encode(
        "google.cloud.aiplatform.v1.CreateTuningJobRequest",
        json!({"parent": PARENT, "tuningJob": {"baseModel": "gemini-2.5-flash",
            "supervisedTuningSpec": {"trainingDatasetUri":
                "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl"}}}),
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_created_job_is_read_back_over_grpc_and_over_rest_on_the_same_port() {
    let server = server().await;
    let addr = server.addr();
    let created = call(
        addr,
        &format!("/{TUNING}/CreateTuningJob"),
        create_request(),
    )
    .await;
    assert_eq!(created.status, 200);
    assert_eq!(created.headers["content-type"], "application/grpc");
    let job = created.message(message_desc("google.cloud.aiplatform.v1.TuningJob"));
    assert_eq!(job["state"], "JOB_STATE_PENDING");
    let name = job["name"].as_str().unwrap().to_owned();

    let get = frame(&encode(
        "google.cloud.aiplatform.v1.GetTuningJobRequest",
        json!({"name": name}),
    ));
    let read = call(addr, &format!("/{TUNING}/GetTuningJob"), get).await;
    let job = read.message(message_desc("google.cloud.aiplatform.v1.TuningJob"));
    assert_eq!(job["state"], "JOB_STATE_SUCCEEDED");

    let rest: Value = reqwest::get(format!("{}/v1/{name}", server.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["name"], name.as_str());
    assert_eq!(rest["state"], "JOB_STATE_SUCCEEDED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_job_is_not_found_with_the_rest_message() {
    let server = server().await;
    let name = format!("{PARENT}/tuningJobs/999");
    let get = frame(&encode(
        "google.cloud.aiplatform.v1.GetTuningJobRequest",
        json!({"name": name}),
    ));
    let answer = call(server.addr(), &format!("/{TUNING}/GetTuningJob"), get).await;
    assert_eq!(answer.grpc_status(), 5, "{answer:?}");
    assert!(
        answer.grpc_message().contains("999"),
        "{}",
        answer.grpc_message()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_carries_the_rest_details_in_grpc_status_details_bin() {
    let server = server().await;
    let bad = frame(&encode(
        "google.cloud.aiplatform.v1.CreateTuningJobRequest",
        json!({"parent": PARENT, "tuningJob": {"baseModel": "gemini-2.5-flash",
            "labels": {"Bad Key": "x"},
            "supervisedTuningSpec": {"trainingDatasetUri": "gs://b/o.jsonl"}}}),
    ));
    let answer = call(server.addr(), &format!("/{TUNING}/CreateTuningJob"), bad).await;
    assert_eq!(answer.grpc_status(), 3, "{answer:?}");
    let details = answer.trailers["grpc-status-details-bin"].as_bytes();
    let encoded = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(details)
        .unwrap();
    let status =
        DynamicMessage::decode(message_desc("google.rpc.Status"), encoded.as_slice()).unwrap();
    let status = serde_json::to_value(&status).unwrap();
    assert_eq!(status["code"], 3);
    assert_eq!(
        status["details"][0]["@type"], "type.googleapis.com/google.rpc.BadRequest",
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_services_methods_and_methods_not_emulated_are_unimplemented() {
    let server = server().await;
    for path in [
        "/google.cloud.aiplatform.v1.DatasetService/GetDataset",
        "/google.cloud.aiplatform.v1.ModelService/NoSuchMethod",
        "/google.cloud.aiplatform.v1.ModelService/UploadModel",
        "/not-a-method",
    ] {
        let answer = call(server.addr(), path, frame(&[])).await;
        assert_eq!(answer.grpc_status(), 12, "{path}: {answer:?}");
        assert!(!answer.grpc_message().is_empty(), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_frames_are_internal_and_oversized_ones_resource_exhausted() {
    let server = server().await;
    let path = format!("/{TUNING}/GetTuningJob");
    let cases: Vec<(Vec<u8>, i32)> = vec![
        (vec![0, 0, 0], 13),                     // a header cut short
        (vec![0, 0, 0, 0, 10, 1, 2], 13),        // a message cut short
        (vec![2, 0, 0, 0, 0], 13),               // an unknown flag
        (vec![1, 0, 0, 0, 0], 13),               // compressed without grpc-encoding
        (Vec::new(), 13),                        // no request message
        ([frame(&[]), frame(&[])].concat(), 13), // two messages for a unary call
        (vec![0, 0xff, 0xff, 0xff, 0xff], 8),    // 4 GiB declared
    ];
    for (body, code) in cases {
        let answer = call(server.addr(), &path, body.clone()).await;
        assert_eq!(answer.grpc_status(), code, "{body:?}: {answer:?}");
    }
    let gzip = call_with(
        server.addr(),
        &path,
        &[("grpc-encoding", "gzip")],
        frame(&[]),
    )
    .await;
    assert_eq!(gzip.grpc_status(), 12, "{gzip:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_wire_types_are_internal_and_name_the_message() {
    let server = server().await;
    // Field 1 (`name`, a string) sent as a varint; then a truncated varint.
    for message in [vec![0x08, 0x01], vec![0x0a, 0x05, b'a'], vec![0x80]] {
        let answer = call(
            server.addr(),
            &format!("/{TUNING}/GetTuningJob"),
            frame(&message),
        )
        .await;
        assert_eq!(answer.grpc_status(), 13, "{message:?}: {answer:?}");
        assert!(
            answer.grpc_message().contains("GetTuningJobRequest"),
            "{}",
            answer.grpc_message()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_outside_the_resource_pattern_is_invalid_argument() {
    let server = server().await;
    for name in ["", "tuningJobs/1", "projects/p/locations/l/models/1"] {
        let get = frame(&encode(
            "google.cloud.aiplatform.v1.GetTuningJobRequest",
            json!({"name": name}),
        ));
        let answer = call(server.addr(), &format!("/{TUNING}/GetTuningJob"), get).await;
        assert_eq!(answer.grpc_status(), 3, "{name}: {answer:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_modes_apply_to_grpc_metadata() {
    let server = MockVertex::builder()
        .auth(AuthMode::AnyToken)
        .start()
        .await
        .unwrap();
    let path = format!("/{TUNING}/ListTuningJobs");
    let list = || {
        frame(&encode(
            "google.cloud.aiplatform.v1.ListTuningJobsRequest",
            json!({"parent": PARENT}),
        ))
    };
    let anonymous = call(server.addr(), &path, list()).await;
    assert_eq!(anonymous.grpc_status(), 16, "{anonymous:?}");
    let with_token = call_with(
        server.addr(),
        &path,
        &[("authorization", "Bearer t")],
        list(),
    )
    .await;
    assert_eq!(with_token.grpc_status(), 0, "{with_token:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn stream_generate_content_answers_one_message_per_chunk() {
    let server = server().await;
    let request = frame(&encode(
        "google.cloud.aiplatform.v1.GenerateContentRequest",
        json!({"model": format!("{PARENT}/publishers/google/models/gemini-2.5-flash"),
            "contents": [{"role": "user", "parts": [{"text": "Hello there, how are you today?"}]}]}),
    ));
    let answer = call(
        server.addr(),
        "/google.cloud.aiplatform.v1.PredictionService/StreamGenerateContent",
        request,
    )
    .await;
    assert_eq!(answer.grpc_status(), 0, "{answer:?}");
    let chunks = split_frames(&answer.body);
    assert!(!chunks.is_empty());
    let desc = message_desc("google.cloud.aiplatform.v1.GenerateContentResponse");
    for chunk in chunks {
        let message = DynamicMessage::decode(desc.clone(), chunk).unwrap();
        assert!(
            message.has_field_by_name("candidates") || message.has_field_by_name("usage_metadata")
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_body_gets_a_grpc_status_and_the_server_keeps_serving(body in proptest::collection::vec(any::<u8>(), 0..48)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let server = server().await;
            let answer = call(server.addr(), &format!("/{TUNING}/CreateTuningJob"), body).await;
            assert_eq!(answer.status, 200);
            assert_ne!(answer.grpc_status(), 0);
            let health = reqwest::get(format!("{}/_emulator/health", server.base_url())).await.unwrap();
            assert!(health.status().is_success());
        });
    }
}

/// A `ServerReflectionRequest` asking one thing: field `number` set to `text`.
fn reflection_request(number: u8, text: &str) -> Vec<u8> {
    let mut message = vec![(number << 3) | 2, u8::try_from(text.len()).unwrap()];
    message.extend_from_slice(text.as_bytes());
    frame(&message)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread")]
async fn reflection_lists_the_served_services_and_gives_their_files() {
    let server = server().await;
    for version in ["v1", "v1alpha"] {
        let path = format!("/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo");
        // Field 7: list_services.
        let listed = call(server.addr(), &path, reflection_request(7, "")).await;
        assert_eq!(listed.grpc_status(), 0, "{listed:?}");
        for service in [
            "google.cloud.aiplatform.v1.GenAiTuningService",
            "google.cloud.aiplatform.v1beta1.ModelService",
            "google.cloud.aiplatform.v1.PredictionService",
            "google.longrunning.Operations",
            "grpc.reflection.",
        ] {
            assert!(
                contains(&listed.body, service),
                "{version}: {service} not listed"
            );
        }
        assert!(!contains(&listed.body, "DatasetService"), "{version}");
        // Field 4: file_containing_symbol.
        let file = call(
            server.addr(),
            &path,
            reflection_request(4, "google.cloud.aiplatform.v1.GenAiTuningService"),
        )
        .await;
        assert_eq!(file.grpc_status(), 0, "{file:?}");
        assert!(contains(
            &file.body,
            "google/cloud/aiplatform/v1/genai_tuning_service.proto"
        ));
    }
}

/// `google.longrunning.Operations.WaitOperation` over gRPC is transcoded onto
/// `POST {name}:wait?timeout=…` (operations.proto `WaitOperationRequest.timeout`): it blocks
/// until the deletion is done on the emulator's clock, then answers the done operation.
#[tokio::test(flavor = "multi_thread")]
async fn wait_operation_over_grpc_blocks_until_the_operation_is_done() {
    let clock = mock_vertex::ManualClock::default();
    let server = MockVertex::builder()
        .jobs(JobSpeed::Manual)
        .manual_clock(clock)
        .start()
        .await
        .unwrap();
    let addr = server.addr();
    let created = call(
        addr,
        &format!("/{TUNING}/CreateTuningJob"),
        create_request(),
    )
    .await;
    created.message(message_desc("google.cloud.aiplatform.v1.TuningJob"));
    server
        .emulator()
        .advance(std::time::Duration::from_secs(3600));
    let http = reqwest::Client::new();
    let models: Value = http
        .get(format!("{}/v1/{PARENT}/models", server.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let model = models["models"][0]["name"].as_str().unwrap().to_owned();
    let op: Value = http
        .delete(format!("{}/v1/{model}", server.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(op.get("done").is_none(), "{op}");
    let name = op["name"].as_str().unwrap().to_owned();

    let wait = frame(&encode(
        "google.longrunning.WaitOperationRequest",
        json!({"name": name, "timeout": "60s"}),
    ));
    let waiter = tokio::spawn(async move {
        call(addr, "/google.longrunning.Operations/WaitOperation", wait).await
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(
        !waiter.is_finished(),
        "the wait answered before the operation was done"
    );
    server.emulator().advance(std::time::Duration::from_secs(1));
    let answer = tokio::time::timeout(std::time::Duration::from_secs(10), waiter)
        .await
        .expect("the wait answers once the operation is done")
        .unwrap();
    let done = answer.message(message_desc("google.longrunning.Operation"));
    assert_eq!(done["done"], true, "{done}");
    assert_eq!(done["name"], name.as_str());
}
