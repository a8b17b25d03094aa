//! The web console's assets as the emulator serves them, in process: the page at `/` for a
//! browser (the metadata ping keeps `/` for its clients), every module the page imports, and
//! the headers that keep the pages same-origin.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use mock_vertex::Emulator;
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    content_type: String,
    csp: String,
    body: String,
}

async fn get(app: &Router, path: &str, flavored: bool) -> Answer {
    let mut request = Request::get(path).header("accept", "text/html");
    if flavored {
        request = request.header("Metadata-Flavor", "Google");
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (status, content_type, csp) = (
        response.status(),
        header("content-type"),
        header("content-security-policy"),
    );
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        content_type,
        csp,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// The `./x.js` modules a script imports.
fn imports(script: &str) -> Vec<String> {
    script
        .lines()
        .filter(|l| l.starts_with("import ") || l.starts_with("} from "))
        .filter_map(|l| l.split("from \"./").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_browser_gets_the_console_at_the_root_and_a_metadata_client_the_ping() {
    let app = mock_vertex::router(Emulator::new());
    let page = get(&app, "/", false).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    assert!(
        page.body
            .contains("<script type=\"module\" src=\"/console/app.js\">")
    );
    let ping = get(&app, "/", true).await;
    assert_eq!(ping.status, StatusCode::OK);
    assert_eq!(ping.body, "computeMetadata/\n");
}

#[tokio::test]
async fn every_module_the_page_imports_is_served_same_origin_only() {
    let app = mock_vertex::router(Emulator::new());
    let mut pending = vec!["app.js".to_owned()];
    let mut seen = Vec::new();
    while let Some(module) = pending.pop() {
        if seen.contains(&module) {
            continue;
        }
        let answer = get(&app, &format!("/console/{module}"), false).await;
        assert_eq!(answer.status, StatusCode::OK, "{module}");
        assert!(
            answer.content_type.starts_with("text/javascript"),
            "{module}"
        );
        assert!(
            answer.csp.contains("script-src 'self'"),
            "{module}: {}",
            answer.csp
        );
        pending.extend(imports(&answer.body));
        seen.push(module);
    }
    assert!(seen.len() >= 6, "{seen:?}");
    let css = get(&app, "/console/style.css", false).await;
    assert!(css.content_type.starts_with("text/css"));
    let config = get(&app, "/console/config.json", false).await;
    let config: serde_json::Value = serde_json::from_str(&config.body).unwrap();
    assert_eq!(config["project"], "emulator-project");
    assert_eq!(config["location"], "us-central1");
}

#[tokio::test]
async fn an_unknown_asset_is_a_404_in_googles_envelope() {
    let app = mock_vertex::router(Emulator::new());
    let missing = get(&app, "/console/missing.js", false).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let body: serde_json::Value = serde_json::from_str(&missing.body).unwrap();
    assert_eq!(body["error"]["status"], "NOT_FOUND");
}
