//! Over-TCP tests: the emulator behind a [`MockVertex`] handle on `127.0.0.1:0`, driven with a
//! plain HTTP client the way the official clients reach it (real sockets, real URL encoding).

use mock_vertex::storage::{SAMPLE_TRAIN_URI, SAMPLE_VALIDATION_URI};
use mock_vertex::{AuthMode, JobSpeed, MockVertex};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

const LOC: &str = "projects/p1/locations/us-central1";

struct Http {
    server: MockVertex,
    client: reqwest::Client,
}

impl Http {
    async fn start(auth: AuthMode) -> Http {
        let server = MockVertex::builder()
            .jobs(JobSpeed::Instant)
            .auth(auth)
            .start()
            .await
            .unwrap();
        Http {
            server,
            client: reqwest::Client::new(),
        }
    }

    async fn instant() -> Http {
        Http::start(AuthMode::Anonymous).await
    }

    /// Sends a request to `path` (which may carry a raw query) with an optional bearer token.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        authorization: Option<&str>,
    ) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.server.base_url());
        let mut request = self.client.request(method, url);
        if let Some(body) = body {
            request = request
                .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
                .body(serde_json::to_vec(body).unwrap());
        }
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_type.starts_with("application/json"),
            "{path}: content type {content_type:?}"
        );
        let value = response.json().await.unwrap();
        (status, value)
    }

    async fn ok(&self, method: Method, path: &str, body: Option<&Value>) -> Value {
        let (status, value) = self.send(method, path, body, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {value}");
        value
    }

    async fn get(&self, path: &str) -> Value {
        self.ok(Method::GET, path, None).await
    }

    async fn create(&self, body: &Value) -> Value {
        self.ok(Method::POST, &format!("/v1/{LOC}/tuningJobs"), Some(body))
            .await
    }

    /// Creates a job and reads it back finished (instant jobs end by the next read).
    async fn run(&self, body: &Value) -> Value {
        let created = self.create(body).await;
        assert_eq!(created["state"], "JOB_STATE_PENDING", "{created}");
        let job = self
            .get(&format!("/v1/{}", created["name"].as_str().unwrap()))
            .await;
        assert_eq!(job["state"], "JOB_STATE_SUCCEEDED", "{job}");
        job
    }
}

fn sft(source: Value) -> Value {
    let mut body = json!({
        "supervisedTuningSpec": {
            "trainingDatasetUri": SAMPLE_TRAIN_URI,
            "validationDatasetUri": SAMPLE_VALIDATION_URI,
            "hyperParameters": {"epochCount": "2"}
        }
    });
    for (k, v) in source.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn base_job() -> Value {
    sft(json!({"baseModel": "gemini-2.5-flash", "tunedModelDisplayName": "support-bot"}))
}

fn model_of(job: &Value) -> String {
    let versioned = job["tunedModel"]["model"].as_str().unwrap();
    versioned.split('@').next().unwrap().to_owned()
}

#[tokio::test]
async fn continuous_tuning_flow_works_over_http() {
    let http = Http::instant().await;
    // Tune from the base model.
    let first = http.run(&base_job()).await;
    let parent = model_of(&first);
    assert_eq!(first["tunedModel"]["model"], format!("{parent}@1"));

    // Continue from checkpoint 1 (snake_case inside preTunedModel, as google-genai sends it).
    let body = sft(json!({"preTunedModel": {"tuned_model_name": parent, "checkpoint_id": "1"}}));
    let second = http.run(&body).await;
    assert_eq!(second["tunedModel"]["model"], format!("{parent}@2"));
    assert_eq!(second["preTunedModel"]["baseModel"], "gemini-2.5-flash");
    assert_eq!(second["preTunedModel"]["checkpointId"], "1");

    // The versions, both under the same parent; the default alias stays on version 1.
    let versions = http.get(&format!("/v1/{parent}:listVersions")).await;
    let names: Vec<&str> = versions["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [format!("{parent}@1"), format!("{parent}@2")]);
    assert_eq!(http.get(&format!("/v1/{parent}")).await["versionId"], "1");

    // A new display name makes a new model.
    let body = sft(json!({
        "preTunedModel": {"tunedModelName": format!("{parent}@2")},
        "tunedModelDisplayName": "support-bot-v2"
    }));
    let third = http.run(&body).await;
    let new_model = model_of(&third);
    assert_ne!(new_model, parent);
    assert_eq!(third["tunedModel"]["model"], format!("{new_model}@1"));
    assert_eq!(
        http.get(&format!("/v1/{new_model}")).await["displayName"],
        "support-bot-v2"
    );

    // List, newest first, and the SDK's model listing filter.
    let jobs = http.get(&format!("/v1beta1/{LOC}/tuningJobs")).await;
    let listed: Vec<&Value> = jobs["tuningJobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| &j["name"])
        .collect();
    assert_eq!(listed, [&third["name"], &second["name"], &first["name"]]);
    let models = http
        .get(&format!(
            "/v1beta1/{LOC}/models?filter=labels.tune-type%3A%2A&pageSize=10"
        ))
        .await;
    assert_eq!(models["models"].as_array().unwrap().len(), 2);

    // A missing job is a JSON 404 in Google's shape.
    let (status, err) = http
        .send(
            Method::GET,
            &format!("/v1/{LOC}/tuningJobs/999"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(err["error"]["code"], 404);
    assert_eq!(err["error"]["status"], "NOT_FOUND");
}

#[tokio::test]
async fn auth_none_accepts_no_header_and_any_bearer_but_not_a_malformed_header() {
    let http = Http::instant().await;
    let path = format!("/v1/{LOC}/tuningJobs");
    for authorization in [None, Some("Bearer anything"), Some("bearer ya29.x")] {
        let (status, value) = http.send(Method::GET, &path, None, authorization).await;
        assert_eq!(status, StatusCode::OK, "{authorization:?}: {value}");
    }
    for malformed in [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "token",
        "Bearer a b",
    ] {
        let (status, err) = http.send(Method::GET, &path, None, Some(malformed)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{malformed:?}");
        assert_eq!(err["error"]["status"], "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn auth_required_needs_some_bearer_token() {
    let http = Http::start(AuthMode::AnyToken).await;
    let path = format!("/v1/{LOC}/tuningJobs");
    let url = format!("{}{path}", http.server.base_url());
    let response = http.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .is_some_and(|v| v.to_str().unwrap().starts_with("Bearer"))
    );
    let err: Value = response.json().await.unwrap();
    assert_eq!(err["error"]["code"], 401);
    assert_eq!(err["error"]["details"][0]["reason"], "CREDENTIALS_MISSING");
    let (status, _) = http
        .send(Method::GET, &path, None, Some("Bearer t0k3n"))
        .await;
    assert_eq!(status, StatusCode::OK);
    // The emulator's own health route needs no credentials.
    let health = http
        .client
        .get(format!("{}/_emulator/health", http.server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn auth_token_accepts_only_that_token() {
    let http = Http::start("token=s3cret".parse().unwrap()).await;
    let path = format!("/v1/{LOC}/models");
    let cases = [
        (Some("Bearer s3cret"), StatusCode::OK),
        (Some("Bearer other"), StatusCode::UNAUTHORIZED),
        (None, StatusCode::UNAUTHORIZED),
        (Some("Basic s3cret"), StatusCode::UNAUTHORIZED),
    ];
    for (authorization, want) in cases {
        let (status, value) = http.send(Method::GET, &path, None, authorization).await;
        assert_eq!(status, want, "{authorization:?}: {value}");
    }
}

#[tokio::test]
async fn percent_encoded_at_sign_names_versions_and_aliases() {
    let http = Http::instant().await;
    let parent = model_of(&http.run(&base_job()).await);
    let by_id = http.get(&format!("/v1/{parent}%401")).await;
    assert_eq!(by_id["name"], format!("{parent}@1"));
    let by_alias = http.get(&format!("/v1/{parent}%40default")).await;
    assert_eq!(by_alias["name"], format!("{parent}@1"));
    let literal = http.get(&format!("/v1/{parent}@default")).await;
    assert_eq!(literal, by_alias);
    let checkpoints = http.get(&format!("/v1/{parent}%401:listCheckpoints")).await;
    assert_eq!(checkpoints["checkpoints"].as_array().unwrap().len(), 2);
    let merged = http
        .ok(
            Method::POST,
            &format!("/v1/{parent}%401:mergeVersionAliases"),
            Some(&json!({"versionAliases": ["golden"]})),
        )
        .await;
    assert_eq!(merged["versionAliases"], json!(["default", "golden"]));
    // A continuous-tuning job naming the version with %40 (as GAPIC clients encode it).
    let body = sft(json!({"preTunedModel": {"tunedModelName": format!("{parent}%40golden")}}));
    let job = http.run(&body).await;
    assert_eq!(job["tunedModel"]["model"], format!("{parent}@2"));
}

#[tokio::test]
async fn enum_encoding_int_is_honoured_raw_and_percent_encoded() {
    let http = Http::instant().await;
    let job = http.run(&base_job()).await;
    let name = job["name"].as_str().unwrap();
    for query in [
        "$alt=json;enum-encoding=int",
        "%24alt=json%3Benum-encoding%3Dint",
    ] {
        let beta = http.get(&format!("/v1beta1/{name}?{query}")).await;
        assert_eq!(beta["state"], 4, "{query}: {beta}");
        let list = http.get(&format!("/v1/{LOC}/tuningJobs?{query}")).await;
        assert_eq!(list["tuningJobs"][0]["state"], 4, "{query}");
    }
    let named = http.get(&format!("/v1/{name}?$alt=json")).await;
    assert_eq!(named["state"], "JOB_STATE_SUCCEEDED");
}

#[tokio::test]
async fn the_handle_stops_serving_when_dropped() {
    let http = Http::instant().await;
    let url = format!("{}/_emulator/health", http.server.base_url());
    assert_eq!(
        http.client.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    let Http { server, client } = http;
    drop(server);
    tokio::task::yield_now().await;
    // A fresh connection (no pooled one) must be refused once the listener is gone.
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut refused = false;
    for _ in 0..100 {
        if fresh.get(&url).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(refused, "still serving after drop");
    drop(client);
}
