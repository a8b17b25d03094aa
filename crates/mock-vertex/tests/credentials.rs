//! Credentials without a Google account: the metadata server Application Default Credentials
//! find through `GCE_METADATA_HOST`, the OAuth token endpoint, and `--auth required` accepting the
//! tokens they issue and nothing else.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http_body_util::BodyExt;
use mock_vertex::metadata::SERVICE_ACCOUNT_EMAIL;
use mock_vertex::{AuthMode, Emulator, ManualClock};
use serde_json::{Value, json};
use tower::ServiceExt;

const JOBS: &str = "/v1/projects/p/locations/us-central1/tuningJobs";
const TOKEN_PATH: &str = "/computeMetadata/v1/instance/service-accounts/default/token";

struct Answer {
    status: StatusCode,
    flavor: Option<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let flavor = response
        .headers()
        .get("metadata-flavor")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        flavor,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn metadata(app: &Router, path: &str) -> Answer {
    let request = Request::get(path)
        .header("Metadata-Flavor", "Google")
        .body(Body::empty())
        .unwrap();
    send(app, request).await
}

async fn list_jobs(app: &Router, token: &str) -> Answer {
    let request = Request::get(JOBS)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    send(app, request).await
}

async fn token_request(app: &Router, form: &str) -> Answer {
    let request = Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap();
    send(app, request).await
}

fn issued_only() -> (Router, ManualClock) {
    let clock = ManualClock::default();
    let emulator = Emulator::builder()
        .auth(AuthMode::Required)
        .manual_clock(clock.clone())
        .build();
    (mock_vertex::router(emulator), clock)
}

#[tokio::test]
async fn the_metadata_ping_answers_with_the_google_flavor() {
    let app = mock_vertex::router(Emulator::new());
    let ping = metadata(&app, "/").await;
    assert_eq!(ping.status, StatusCode::OK);
    assert_eq!(ping.flavor.as_deref(), Some("Google"));
}

#[tokio::test]
async fn metadata_requests_without_the_flavor_header_are_403() {
    let app = mock_vertex::router(Emulator::new());
    let request = Request::get(TOKEN_PATH).body(Body::empty()).unwrap();
    let answer = send(&app, request).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.body.contains("Metadata-Flavor"), "{}", answer.body);
}

#[tokio::test]
async fn the_metadata_server_tells_the_project_account_and_a_token() {
    let app = mock_vertex::router(Emulator::new());
    let project = metadata(&app, "/computeMetadata/v1/project/project-id").await;
    assert_eq!(project.body, "emulator-project");
    let account = metadata(
        &app,
        "/computeMetadata/v1/instance/service-accounts/default/?recursive=true",
    )
    .await;
    assert_eq!(account.json()["email"], SERVICE_ACCOUNT_EMAIL);
    let token = metadata(&app, &format!("{TOKEN_PATH}?scopes=a,b"))
        .await
        .json();
    assert_eq!(token["token_type"], "Bearer");
    assert!(token["expires_in"].as_u64().unwrap() > 0);
    let missing = metadata(&app, "/computeMetadata/v1/instance/nothing").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn under_auth_required_a_metadata_token_is_accepted_until_it_expires() {
    let (app, clock) = issued_only();
    let token = metadata(&app, TOKEN_PATH).await.json();
    let token = token["access_token"].as_str().unwrap().to_owned();
    assert_eq!(list_jobs(&app, &token).await.status, StatusCode::OK);
    clock.advance(Duration::from_secs(3600));
    let expired = list_jobs(&app, &token).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        expired.json()["error"]["details"][0]["reason"],
        "ACCESS_TOKEN_EXPIRED"
    );
    assert!(expired.body.contains("expired"), "{}", expired.body);
}

#[tokio::test]
async fn under_auth_required_a_foreign_token_is_refused_and_the_emulator_keeps_serving() {
    let (app, _) = issued_only();
    let foreign = list_jobs(&app, "ya29.a-real-looking-token").await;
    assert_eq!(foreign.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        foreign.json()["error"]["details"][0]["reason"],
        "ACCESS_TOKEN_INVALID"
    );
    assert!(
        foreign.body.contains("not issued by this emulator"),
        "{}",
        foreign.body
    );
    let token = metadata(&app, TOKEN_PATH).await.json();
    let token = token["access_token"].as_str().unwrap().to_owned();
    assert_eq!(list_jobs(&app, &token).await.status, StatusCode::OK);
}

fn assertion() -> String {
    let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        part(json!({"alg": "RS256", "typ": "JWT", "kid": "k"})),
        part(json!({
            "iss": "sa@p.iam.gserviceaccount.com",
            "scope": "https://www.googleapis.com/auth/cloud-platform",
            "aud": "https://oauth2.googleapis.com/token",
            "iat": 0, "exp": 3600,
        })),
        URL_SAFE_NO_PAD.encode(b"signature")
    )
}

#[tokio::test]
async fn a_service_account_key_and_a_refresh_token_both_get_accepted_tokens() {
    let (app, _) = issued_only();
    for form in [
        format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={}",
            assertion()
        ),
        "grant_type=refresh_token&refresh_token=1%2F%2Fr&client_id=c&client_secret=s".to_owned(),
    ] {
        let answer = token_request(&app, &form).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let token = answer.json()["access_token"].as_str().unwrap().to_owned();
        assert_eq!(list_jobs(&app, &token).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_token_request_with_a_bad_grant_is_a_clear_oauth_error() {
    let (app, _) = issued_only();
    for (form, error) in [
        ("grant_type=password&username=u", "unsupported_grant_type"),
        ("assertion=x", "invalid_request"),
        (
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=not.a.jwt",
            "invalid_grant",
        ),
    ] {
        let answer = token_request(&app, form).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{form}");
        let body = answer.json();
        assert_eq!(body["error"], error, "{form}");
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
    }
    // Still serving.
    let token = metadata(&app, TOKEN_PATH).await;
    assert_eq!(token.status, StatusCode::OK);
}

#[tokio::test]
async fn secrets_and_issued_tokens_are_never_journaled() {
    let emulator = Emulator::builder().auth(AuthMode::Required).build();
    let app = mock_vertex::router(emulator.clone());
    let form = "grant_type=refresh_token&refresh_token=1%2F%2Frefresh-secret&client_id=c&client_secret=client-secret-value";
    let answer = token_request(&app, form).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let token = answer.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(list_jobs(&app, &token).await.status, StatusCode::OK);
    let journal = serde_json::to_string(&emulator.requests()).unwrap();
    assert!(journal.contains("ListTuningJobs"), "{journal}");
    for secret in ["refresh-secret", "client-secret-value", token.as_str()] {
        assert!(
            !journal.contains(secret),
            "{secret} is in the journal: {journal}"
        );
    }
}
