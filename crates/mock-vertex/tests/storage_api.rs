//! The GCS JSON API of `gcs_router`, driven in-process with `oneshot`, route by route.

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use mock_vertex::storage::{ObjectStore, SAMPLE_TRAIN_JSONL, gcs_router};
use serde_json::{Value, json};
use tower::ServiceExt as _;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A reply: status, headers and body.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts Cloud Storage's error shape and returns the reason.
    #[track_caller]
    fn gcs_error(&self, status: u16) -> String {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{:?}",
            String::from_utf8_lossy(&self.body)
        );
        let body = self.json();
        let error = &body["error"];
        assert_eq!(error["code"], json!(status));
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(error["errors"][0]["domain"], json!("global"));
        assert_eq!(error["errors"][0]["message"], error["message"]);
        error["errors"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

async fn send(
    router: &Router,
    request: Request<Body>,
) -> Result<Reply, Box<dyn std::error::Error>> {
    let response = router.clone().oneshot(request).await?;
    let (parts, body) = response.into_parts();
    Ok(Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await?.to_bytes(),
    })
}

fn request(method: Method, uri: &str) -> http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "127.0.0.1:9023")
}

async fn call(
    router: &Router,
    method: Method,
    uri: &str,
) -> Result<Reply, Box<dyn std::error::Error>> {
    send(router, request(method, uri).body(Body::empty())?).await
}

/// A router over an empty in-memory store, holding bucket `data`.
async fn router_with_bucket() -> Result<Router, Box<dyn std::error::Error>> {
    let router = gcs_router(ObjectStore::memory());
    let created = send(
        &router,
        request(Method::POST, "/storage/v1/b?project=p")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"name": "data", "location": "EU"}"#))?,
    )
    .await?;
    assert_eq!(created.status, StatusCode::OK);
    Ok(router)
}

async fn upload_media(
    router: &Router,
    name: &str,
    data: &'static [u8],
) -> Result<Reply, Box<dyn std::error::Error>> {
    send(
        router,
        request(
            Method::POST,
            &format!("/upload/storage/v1/b/data/o?uploadType=media&name={name}"),
        )
        .header("content-type", "application/jsonl")
        .body(Body::from(data))?,
    )
    .await
}

#[tokio::test]
async fn buckets_are_created_fetched_listed_and_deleted() -> TestResult {
    let router = router_with_bucket().await?;
    let bucket = call(&router, Method::GET, "/storage/v1/b/data").await?;
    assert_eq!(bucket.status, StatusCode::OK);
    let bucket = bucket.json();
    assert_eq!(bucket["kind"], json!("storage#bucket"));
    assert_eq!(bucket["name"], json!("data"));
    assert_eq!(
        bucket["selfLink"],
        json!("http://127.0.0.1:9023/storage/v1/b/data")
    );

    let listed = call(&router, Method::GET, "/storage/v1/b?project=p")
        .await?
        .json();
    assert_eq!(listed["kind"], json!("storage#buckets"));
    assert_eq!(listed["items"][0]["name"], json!("data"));

    let again = send(
        &router,
        request(Method::POST, "/storage/v1/b?project=p").body(Body::from(r#"{"name":"data"}"#))?,
    )
    .await?;
    assert_eq!(again.gcs_error(409), "conflict");
    let missing = call(&router, Method::GET, "/storage/v1/b/missing").await?;
    assert_eq!(missing.gcs_error(404), "notFound");
    let invalid = send(
        &router,
        request(Method::POST, "/storage/v1/b?project=p")
            .body(Body::from(r#"{"name":"Bad Name"}"#))?,
    )
    .await?;
    assert_eq!(invalid.gcs_error(400), "invalid");
    let nameless = send(
        &router,
        request(Method::POST, "/storage/v1/b").body(Body::from("{}"))?,
    )
    .await?;
    assert_eq!(nameless.gcs_error(400), "required");

    let deleted = call(&router, Method::DELETE, "/storage/v1/b/data").await?;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        call(&router, Method::GET, "/storage/v1/b/data")
            .await?
            .gcs_error(404),
        "notFound"
    );
    Ok(())
}

#[tokio::test]
async fn bucket_listing_pages() -> TestResult {
    let router = gcs_router(ObjectStore::memory());
    for name in ["bk1", "bk2", "bk3"] {
        let body = format!(r#"{{"name":"{name}"}}"#);
        send(
            &router,
            request(Method::POST, "/storage/v1/b?project=p").body(Body::from(body))?,
        )
        .await?;
    }
    let first = call(&router, Method::GET, "/storage/v1/b?project=p&maxResults=2")
        .await?
        .json();
    assert_eq!(first["items"].as_array().map(Vec::len), Some(2));
    let token = first["nextPageToken"].as_str().ok_or("no page token")?;
    let second = call(
        &router,
        Method::GET,
        &format!("/storage/v1/b?project=p&maxResults=2&pageToken={token}"),
    )
    .await?
    .json();
    assert_eq!(second["items"][0]["name"], json!("bk3"));
    assert!(second.get("nextPageToken").is_none());
    Ok(())
}

#[tokio::test]
async fn media_upload_then_download_on_both_paths() -> TestResult {
    let router = router_with_bucket().await?;
    let uploaded = upload_media(&router, "runs%2Ftrain.jsonl", b"123456789").await?;
    assert_eq!(uploaded.status, StatusCode::OK);
    let object = uploaded.json();
    assert_eq!(object["kind"], json!("storage#object"));
    assert_eq!(object["name"], json!("runs/train.jsonl"));
    assert_eq!(object["size"], json!("9"));
    assert_eq!(object["contentType"], json!("application/jsonl"));
    assert_eq!(object["crc32c"], json!("4waSgw=="));
    assert_eq!(object["md5Hash"], json!("JfnnlDI7RTiF9RgfG2JNCw=="));
    let generation = object["generation"].as_str().ok_or("no generation")?;
    assert_eq!(
        object["mediaLink"],
        json!(format!(
            "http://127.0.0.1:9023/download/storage/v1/b/data/o/runs%2Ftrain.jsonl?generation={generation}&alt=media"
        ))
    );

    for uri in [
        "/storage/v1/b/data/o/runs%2Ftrain.jsonl?alt=media",
        "/download/storage/v1/b/data/o/runs%2Ftrain.jsonl?alt=media",
        "/download/storage/v1/b/data/o/runs/train.jsonl?alt=media",
    ] {
        let download = call(&router, Method::GET, uri).await?;
        assert_eq!(download.status, StatusCode::OK, "{uri}");
        assert_eq!(download.body, Bytes::from_static(b"123456789"));
        assert_eq!(download.header("content-type"), Some("application/jsonl"));
        assert_eq!(
            download.header("x-goog-hash"),
            Some("crc32c=4waSgw==,md5=JfnnlDI7RTiF9RgfG2JNCw==")
        );
        assert_eq!(download.header("x-goog-generation"), Some(generation));
    }
    let media_link = object["mediaLink"].as_str().ok_or("no media link")?;
    let via_link = call(
        &router,
        Method::GET,
        media_link.trim_start_matches("http://127.0.0.1:9023"),
    )
    .await?;
    assert_eq!(via_link.body, Bytes::from_static(b"123456789"));
    Ok(())
}

#[tokio::test]
async fn downloads_honour_byte_ranges() -> TestResult {
    let router = router_with_bucket().await?;
    upload_media(&router, "o", b"0123456789").await?;
    for (range, body, content_range) in [
        ("bytes=2-4", "234", "bytes 2-4/10"),
        ("bytes=7-", "789", "bytes 7-9/10"),
        ("bytes=-2", "89", "bytes 8-9/10"),
        ("bytes=8-100", "89", "bytes 8-9/10"),
    ] {
        let reply = send(
            &router,
            request(Method::GET, "/download/storage/v1/b/data/o/o?alt=media")
                .header("range", range)
                .body(Body::empty())?,
        )
        .await?;
        assert_eq!(reply.status, StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(reply.body, body.as_bytes(), "{range}");
        assert_eq!(
            reply.header("content-range"),
            Some(content_range),
            "{range}"
        );
    }
    let beyond = send(
        &router,
        request(Method::GET, "/download/storage/v1/b/data/o/o?alt=media")
            .header("range", "bytes=10-")
            .body(Body::empty())?,
    )
    .await?;
    assert_eq!(beyond.gcs_error(416), "requestedRangeNotSatisfiable");
    Ok(())
}

fn multipart_body(metadata: &str, data: &str) -> String {
    format!(
        "--==b==\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n{metadata}\r\n\
         --==b==\r\ncontent-type: text/plain\r\n\r\n{data}\r\n--==b==--"
    )
}

async fn upload_multipart(
    router: &Router,
    body: String,
) -> Result<Reply, Box<dyn std::error::Error>> {
    send(
        router,
        request(
            Method::POST,
            "/upload/storage/v1/b/data/o?uploadType=multipart",
        )
        .header("content-type", "multipart/related; boundary=\"==b==\"")
        .body(Body::from(body))?,
    )
    .await
}

#[tokio::test]
async fn multipart_upload_takes_metadata_and_checks_its_checksums() -> TestResult {
    let router = router_with_bucket().await?;
    let metadata = r#"{"name": "dir/m.txt", "metadata": {"k": "v"}, "crc32c": "4waSgw=="}"#;
    let uploaded = upload_multipart(&router, multipart_body(metadata, "123456789")).await?;
    assert_eq!(uploaded.status, StatusCode::OK, "{:?}", uploaded.body);
    let object = uploaded.json();
    assert_eq!(object["name"], json!("dir/m.txt"));
    assert_eq!(object["contentType"], json!("text/plain"));
    assert_eq!(object["metadata"], json!({"k": "v"}));

    let wrong = r#"{"name": "dir/bad.txt", "md5Hash": "AAAAAAAAAAAAAAAAAAAAAA=="}"#;
    let refused = upload_multipart(&router, multipart_body(wrong, "123456789")).await?;
    assert_eq!(refused.gcs_error(400), "invalid");
    let missing = call(&router, Method::GET, "/storage/v1/b/data/o/dir%2Fbad.txt").await?;
    assert_eq!(missing.gcs_error(404), "notFound");

    let broken = upload_multipart(&router, "--==b==\r\nno end".to_owned()).await?;
    assert_eq!(broken.gcs_error(400), "badRequest");
    let no_name = upload_multipart(&router, multipart_body("{}", "x")).await?;
    assert_eq!(no_name.gcs_error(400), "required");
    Ok(())
}

#[tokio::test]
async fn media_upload_checks_the_x_goog_hash_header() -> TestResult {
    let router = router_with_bucket().await?;
    let reply = send(
        &router,
        request(
            Method::POST,
            "/upload/storage/v1/b/data/o?uploadType=media&name=h",
        )
        .header("x-goog-hash", "crc32c=AAAAAA==")
        .body(Body::from("123456789"))?,
    )
    .await?;
    assert_eq!(reply.gcs_error(400), "invalid");
    Ok(())
}

async fn put_chunk(
    router: &Router,
    upload: &str,
    range: &str,
    data: &'static str,
) -> Result<Reply, Box<dyn std::error::Error>> {
    send(
        router,
        request(Method::PUT, upload)
            .header("content-range", range)
            .body(Body::from(data))?,
    )
    .await
}

/// Starts a resumable upload of `name` and returns the path and query of its session URI.
async fn start_resumable(
    router: &Router,
    name: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let started = send(
        router,
        request(
            Method::POST,
            "/upload/storage/v1/b/data/o?uploadType=resumable",
        )
        .header("content-type", "application/json; charset=UTF-8")
        .header("x-upload-content-type", "application/jsonl")
        .body(Body::from(format!(r#"{{"name": "{name}"}}"#)))?,
    )
    .await?;
    assert_eq!(started.status, StatusCode::OK);
    let location = started.header("location").ok_or("no Location")?;
    assert!(
        location.starts_with("http://127.0.0.1:9023/upload/storage/v1/b/data/o?"),
        "{location}"
    );
    assert!(location.contains("upload_id="), "{location}");
    Ok(location
        .trim_start_matches("http://127.0.0.1:9023")
        .to_owned())
}

#[tokio::test]
async fn resumable_upload_in_several_chunks() -> TestResult {
    let router = router_with_bucket().await?;
    let upload = start_resumable(&router, "big/object.jsonl").await?;

    let status = put_chunk(&router, &upload, "bytes */*", "").await?;
    assert_eq!(status.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(status.header("range"), None);

    let first = put_chunk(&router, &upload, "bytes 0-3/*", "0123").await?;
    assert_eq!(first.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(first.header("range"), Some("bytes=0-3"));

    // A chunk re-sent after a lost answer overlaps what was received: the overlap is skipped.
    let overlapping = put_chunk(&router, &upload, "bytes 2-7/*", "234567").await?;
    assert_eq!(overlapping.header("range"), Some("bytes=0-7"));

    let gap = put_chunk(&router, &upload, "bytes 9-9/*", "9").await?;
    assert_eq!(gap.gcs_error(400), "badRequest");
    let wrong_length = put_chunk(&router, &upload, "bytes 8-9/*", "8").await?;
    assert_eq!(wrong_length.gcs_error(400), "badRequest");

    let query = put_chunk(&router, &upload, "bytes */*", "").await?;
    assert_eq!(query.header("range"), Some("bytes=0-7"));

    let last = put_chunk(&router, &upload, "bytes 8-9/10", "89").await?;
    assert_eq!(last.status, StatusCode::OK, "{:?}", last.body);
    let object = last.json();
    assert_eq!(object["name"], json!("big/object.jsonl"));
    assert_eq!(object["size"], json!("10"));
    assert_eq!(object["contentType"], json!("application/jsonl"));

    let download = call(
        &router,
        Method::GET,
        "/storage/v1/b/data/o/big%2Fobject.jsonl?alt=media",
    )
    .await?;
    assert_eq!(download.body, Bytes::from_static(b"0123456789"));

    // Asking again after completion returns the object again.
    let after = put_chunk(&router, &upload, "bytes */10", "").await?;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.json()["generation"], object["generation"]);
    Ok(())
}

#[tokio::test]
async fn resumable_upload_of_an_empty_object_and_in_one_request() -> TestResult {
    let router = router_with_bucket().await?;
    let empty = start_resumable(&router, "empty").await?;
    let done = put_chunk(&router, &empty, "bytes */0", "").await?;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(done.json()["size"], json!("0"));

    let whole = start_resumable(&router, "whole").await?;
    let done = send(
        &router,
        request(Method::PUT, &whole).body(Body::from("abc"))?,
    )
    .await?;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(done.json()["size"], json!("3"));
    Ok(())
}

#[tokio::test]
async fn resumable_upload_checks_the_final_checksum_and_can_be_cancelled() -> TestResult {
    let router = router_with_bucket().await?;
    let upload = start_resumable(&router, "checked").await?;
    let reply = send(
        &router,
        request(Method::PUT, &upload)
            .header("content-range", "bytes 0-8/9")
            .header("x-goog-hash", "crc32c=AAAAAA==")
            .body(Body::from("123456789"))?,
    )
    .await?;
    assert_eq!(reply.gcs_error(400), "invalid");
    assert_eq!(
        call(&router, Method::GET, "/storage/v1/b/data/o/checked")
            .await?
            .gcs_error(404),
        "notFound"
    );

    let cancelled = start_resumable(&router, "cancelled").await?;
    let reply = call(&router, Method::DELETE, &cancelled).await?;
    assert_eq!(reply.status.as_u16(), 499);
    let reply = put_chunk(&router, &cancelled, "bytes 0-0/1", "x").await?;
    assert_eq!(reply.gcs_error(404), "notFound");

    let unknown = put_chunk(
        &router,
        "/upload/storage/v1/b/data/o?upload_id=nope",
        "bytes */*",
        "",
    )
    .await?;
    assert_eq!(unknown.gcs_error(404), "notFound");
    Ok(())
}

#[tokio::test]
async fn resumable_upload_into_a_missing_bucket_fails_at_once() -> TestResult {
    let router = gcs_router(ObjectStore::memory());
    let reply = send(
        &router,
        request(
            Method::POST,
            "/upload/storage/v1/b/missing/o?uploadType=resumable&name=x",
        )
        .body(Body::empty())?,
    )
    .await?;
    assert_eq!(reply.gcs_error(404), "notFound");
    Ok(())
}

#[tokio::test]
async fn object_metadata_by_percent_encoded_name() -> TestResult {
    let router = router_with_bucket().await?;
    upload_media(&router, "dir%2Fwith%20space%20%C3%BC.jsonl", b"{}").await?;
    let reply = call(
        &router,
        Method::GET,
        "/storage/v1/b/data/o/dir%2Fwith%20space%20%C3%BC.jsonl",
    )
    .await?;
    assert_eq!(reply.status, StatusCode::OK);
    let object = reply.json();
    assert_eq!(object["name"], json!("dir/with space ü.jsonl"));
    assert_eq!(object["bucket"], json!("data"));
    assert_eq!(object["size"], json!("2"));
    assert_eq!(
        object["selfLink"],
        json!("http://127.0.0.1:9023/storage/v1/b/data/o/dir%2Fwith%20space%20%C3%BC.jsonl")
    );
    for field in [
        "generation",
        "metageneration",
        "etag",
        "timeCreated",
        "updated",
        "md5Hash",
        "crc32c",
    ] {
        assert!(object[field].is_string(), "{field}");
    }
    upload_media(&router, "100%25.txt", b"%").await?;
    let percent = call(&router, Method::GET, "/storage/v1/b/data/o/100%25.txt").await?;
    assert_eq!(percent.json()["name"], json!("100%.txt"));
    let wrong_generation = call(
        &router,
        Method::GET,
        "/storage/v1/b/data/o/dir%2Fwith%20space%20%C3%BC.jsonl?generation=1",
    )
    .await?;
    assert_eq!(wrong_generation.gcs_error(404), "notFound");
    Ok(())
}

#[tokio::test]
async fn object_listing_with_prefix_delimiter_and_pages() -> TestResult {
    let router = router_with_bucket().await?;
    for name in ["a%2F1", "a%2F2", "a%2Fsub%2F3", "b%2F1", "top"] {
        upload_media(&router, name, b"x").await?;
    }
    let under_a = call(&router, Method::GET, "/storage/v1/b/data/o?prefix=a%2F")
        .await?
        .json();
    let names: Vec<&str> = under_a["items"]
        .as_array()
        .ok_or("no items")?
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert_eq!(names, ["a/1", "a/2", "a/sub/3"]);

    let folded = call(&router, Method::GET, "/storage/v1/b/data/o?delimiter=%2F")
        .await?
        .json();
    assert_eq!(folded["kind"], json!("storage#objects"));
    assert_eq!(folded["items"][0]["name"], json!("top"));
    assert_eq!(folded["prefixes"], json!(["a/", "b/"]));

    let mut seen = Vec::new();
    let mut uri = "/storage/v1/b/data/o?maxResults=2".to_owned();
    loop {
        let page = call(&router, Method::GET, &uri).await?.json();
        for item in page["items"].as_array().ok_or("no items")? {
            seen.push(item["name"].as_str().unwrap_or_default().to_owned());
        }
        match page["nextPageToken"].as_str() {
            Some(token) => uri = format!("/storage/v1/b/data/o?maxResults=2&pageToken={token}"),
            None => break,
        }
    }
    assert_eq!(seen, ["a/1", "a/2", "a/sub/3", "b/1", "top"]);

    let empty = call(&router, Method::GET, "/storage/v1/b/data/o?prefix=zzz")
        .await?
        .json();
    assert!(empty.get("items").is_none() && empty.get("prefixes").is_none());
    let bad_token = call(&router, Method::GET, "/storage/v1/b/data/o?pageToken=%21").await?;
    assert_eq!(bad_token.gcs_error(400), "invalid");
    Ok(())
}

#[tokio::test]
async fn delete_answers_204_then_the_object_is_gone() -> TestResult {
    let router = router_with_bucket().await?;
    upload_media(&router, "gone", b"x").await?;
    let deleted = call(&router, Method::DELETE, "/storage/v1/b/data/o/gone").await?;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.body.is_empty());
    let reply = call(&router, Method::GET, "/storage/v1/b/data/o/gone").await?;
    assert_eq!(reply.gcs_error(404), "notFound");
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("gs://data/gone"))
    );
    assert_eq!(
        call(&router, Method::DELETE, "/storage/v1/b/data/o/gone")
            .await?
            .gcs_error(404),
        "notFound"
    );
    Ok(())
}

#[tokio::test]
async fn generation_preconditions_answer_412() -> TestResult {
    let router = router_with_bucket().await?;
    let first = upload_media(&router, "guarded", b"1").await?.json();
    let generation = first["generation"].as_str().ok_or("no generation")?;
    let reply = send(
        &router,
        request(
            Method::POST,
            "/upload/storage/v1/b/data/o?uploadType=media&name=guarded&ifGenerationMatch=0",
        )
        .body(Body::from("2"))?,
    )
    .await?;
    assert_eq!(reply.gcs_error(412), "conditionNotMet");
    let stale = call(
        &router,
        Method::DELETE,
        "/storage/v1/b/data/o/guarded?ifGenerationMatch=1",
    )
    .await?;
    assert_eq!(stale.gcs_error(412), "conditionNotMet");
    let reply = call(
        &router,
        Method::DELETE,
        &format!("/storage/v1/b/data/o/guarded?ifGenerationMatch={generation}"),
    )
    .await?;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let again = upload_media(&router, "guarded", b"1").await?.json();
    assert_ne!(again["generation"].as_str(), Some(generation));
    let reply = call(
        &router,
        Method::GET,
        &format!("/storage/v1/b/data/o/guarded?ifGenerationMatch={generation}"),
    )
    .await?;
    assert_eq!(reply.gcs_error(412), "conditionNotMet");
    Ok(())
}

#[tokio::test]
async fn invalid_names_in_paths_are_refused() -> TestResult {
    let router = router_with_bucket().await?;
    let dot_dot = call(&router, Method::GET, "/storage/v1/b/data/o/%2E%2E").await?;
    assert_eq!(dot_dot.gcs_error(400), "invalid");
    let bad_utf8 = call(&router, Method::GET, "/storage/v1/b/data/o/%FF").await?;
    assert_eq!(bad_utf8.gcs_error(400), "invalid");
    let bad_bucket = call(&router, Method::GET, "/storage/v1/b/UPPER/o").await?;
    assert_eq!(bad_bucket.gcs_error(400), "invalid");
    let bad_type = call(
        &router,
        Method::POST,
        "/upload/storage/v1/b/data/o?uploadType=chunked&name=x",
    )
    .await?;
    assert_eq!(bad_type.gcs_error(400), "invalid");
    Ok(())
}

#[tokio::test]
async fn directory_store_refuses_traversal_over_http() -> TestResult {
    let outer = tempfile::tempdir()?;
    let router = gcs_router(ObjectStore::directory(outer.path().join("gcs")));
    send(
        &router,
        request(Method::POST, "/storage/v1/b?project=p").body(Body::from(r#"{"name":"data"}"#))?,
    )
    .await?;
    std::fs::write(outer.path().join("secret"), "s")?;
    for name in ["..%2F..%2Fsecret", "a%2F..%2F..%2F..%2Fsecret", "%2Fsecret"] {
        let upload = send(
            &router,
            request(
                Method::POST,
                &format!("/upload/storage/v1/b/data/o?uploadType=media&name={name}"),
            )
            .body(Body::from("x"))?,
        )
        .await?;
        assert_eq!(upload.gcs_error(400), "invalid", "{name}");
        let download = call(
            &router,
            Method::GET,
            &format!("/storage/v1/b/data/o/{name}?alt=media"),
        )
        .await?;
        assert_eq!(download.gcs_error(400), "invalid", "{name}");
    }
    assert_eq!(std::fs::read_to_string(outer.path().join("secret"))?, "s");
    Ok(())
}

#[tokio::test]
async fn samples_are_served_over_http() -> TestResult {
    let router = gcs_router(ObjectStore::with_samples());
    let reply = call(
        &router,
        Method::GET,
        "/download/storage/v1/b/cloud-samples-data/o/ai-platform%2Fgenerative_ai%2Fgemini%2Ftext%2Fsft_train_data.jsonl?alt=media",
    )
    .await?;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, SAMPLE_TRAIN_JSONL.as_bytes());
    Ok(())
}

#[tokio::test]
async fn the_gcs_routes_merge_into_another_router() -> TestResult {
    let store = ObjectStore::with_samples();
    let router = Router::new()
        .route("/v1/ping", axum::routing::get(|| async { "pong" }))
        .merge(gcs_router(store.clone()));
    assert_eq!(call(&router, Method::GET, "/v1/ping").await?.body, "pong");
    let buckets = call(&router, Method::GET, "/storage/v1/b").await?.json();
    assert_eq!(buckets["items"][0]["name"], json!("cloud-samples-data"));
    // The handle is shared: what the router writes, the store reads.
    send(
        &router,
        request(
            Method::POST,
            "/upload/storage/v1/b/cloud-samples-data/o?uploadType=media&name=new",
        )
        .body(Body::from("n"))?,
    )
    .await?;
    assert_eq!(store.read_uri("gs://cloud-samples-data/new").await?, "n");
    Ok(())
}
