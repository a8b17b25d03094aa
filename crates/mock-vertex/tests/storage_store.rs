//! The object store's contract, run against both backends, plus what only the directory store
//! promises (paths stay inside its root, files dropped by hand are objects) and the samples.

use std::future::Future;

use bytes::Bytes;
use mock_vertex::storage::{
    BucketName, Conditions, ListOptions, ObjectName, ObjectStore, PutOptions, SAMPLE_TRAIN_JSONL,
    SAMPLE_TRAIN_URI, SAMPLE_VALIDATION_JSONL, SAMPLE_VALIDATION_URI, StorageError,
};
use retune_model::Timestamp;
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn bucket(name: &str) -> BucketName {
    BucketName::parse(name).expect("test bucket names are valid")
}

fn object(name: &str) -> ObjectName {
    ObjectName::parse(name).expect("test object names are valid")
}

/// Runs `check` against a fresh in-memory store and a fresh directory store.
async fn on_each_backend<F, Fut>(check: F) -> TestResult
where
    F: Fn(ObjectStore) -> Fut,
    Fut: Future<Output = TestResult>,
{
    check(ObjectStore::memory()).await?;
    let dir = tempfile::tempdir()?;
    check(ObjectStore::directory(dir.path().join("gcs"))).await
}

async fn store_with_objects(
    store: &ObjectStore,
    names: &[&str],
) -> Result<BucketName, StorageError> {
    let b = bucket("listing");
    store.create_bucket(&b).await?;
    for name in names {
        store
            .put(&b, &object(name), Bytes::from(name.to_string()), None)
            .await?;
    }
    Ok(b)
}

#[tokio::test]
async fn buckets_are_created_once_and_listed_in_order() -> TestResult {
    on_each_backend(|store| async move {
        store.create_bucket(&bucket("zeta")).await?;
        store.create_bucket(&bucket("alpha")).await?;
        assert!(matches!(
            store.create_bucket(&bucket("alpha")).await,
            Err(StorageError::BucketAlreadyExists { .. })
        ));
        assert_eq!(
            store.get_bucket(&bucket("alpha")).await?.name,
            bucket("alpha")
        );
        assert!(matches!(
            store.get_bucket(&bucket("missing")).await,
            Err(StorageError::BucketNotFound { .. })
        ));
        let names: Vec<String> = store
            .list_buckets()
            .await?
            .into_iter()
            .map(|b| b.name.to_string())
            .filter(|n| n != "cloud-samples-data")
            .collect();
        assert_eq!(names, ["alpha", "zeta"]);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn put_then_get_returns_the_data_with_its_checksums() -> TestResult {
    on_each_backend(|store| async move {
        let b = bucket("data");
        store.create_bucket(&b).await?;
        let meta = store
            .put(
                &b,
                &object("dir/check.txt"),
                Bytes::from_static(b"123456789"),
                Some("text/plain"),
            )
            .await?;
        // The standard check values of CRC-32C and MD5 for "123456789".
        assert_eq!(meta.crc32c, 0xE306_9283);
        assert_eq!(meta.md5_base64(), "JfnnlDI7RTiF9RgfG2JNCw==");
        assert_eq!(meta.crc32c_base64(), "4waSgw==");
        assert_eq!(meta.size, 9);
        assert_eq!(meta.content_type, "text/plain");
        let (got, data) = store.get(&b, &object("dir/check.txt")).await?;
        assert_eq!(data, Bytes::from_static(b"123456789"));
        assert_eq!(got, meta);
        assert_eq!(store.head(&b, &object("dir/check.txt")).await?, meta);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn overwriting_an_object_raises_its_generation() -> TestResult {
    on_each_backend(|store| async move {
        let b = bucket("data");
        store.create_bucket(&b).await?;
        let first = store
            .put(&b, &object("o"), Bytes::from_static(b"1"), None)
            .await?;
        let second = store
            .put(&b, &object("o"), Bytes::from_static(b"22"), None)
            .await?;
        assert!(second.generation > first.generation);
        assert_eq!(second.content_type, "application/octet-stream");
        assert_eq!(store.head(&b, &object("o")).await?.size, 2);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn missing_objects_and_buckets_are_told_apart() -> TestResult {
    on_each_backend(|store| async move {
        let b = bucket("data");
        store.create_bucket(&b).await?;
        assert!(matches!(
            store.get(&b, &object("nope")).await,
            Err(StorageError::ObjectNotFound { .. })
        ));
        assert!(matches!(
            store.get(&bucket("nobucket"), &object("nope")).await,
            Err(StorageError::BucketNotFound { .. })
        ));
        assert!(matches!(
            store
                .put(&bucket("nobucket"), &object("o"), Bytes::new(), None)
                .await,
            Err(StorageError::BucketNotFound { .. })
        ));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn delete_removes_the_object_and_a_bucket_must_be_empty_to_go() -> TestResult {
    on_each_backend(|store| async move {
        let b = bucket("data");
        store.create_bucket(&b).await?;
        store
            .put(&b, &object("a/b/c"), Bytes::from_static(b"x"), None)
            .await?;
        assert!(matches!(
            store.delete_bucket(&b).await,
            Err(StorageError::BucketNotEmpty { .. })
        ));
        store.delete(&b, &object("a/b/c")).await?;
        assert!(matches!(
            store.get(&b, &object("a/b/c")).await,
            Err(StorageError::ObjectNotFound { .. })
        ));
        assert!(matches!(
            store.delete(&b, &object("a/b/c")).await,
            Err(StorageError::ObjectNotFound { .. })
        ));
        store.delete_bucket(&b).await?;
        assert!(matches!(
            store.get_bucket(&b).await,
            Err(StorageError::BucketNotFound { .. })
        ));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn generation_preconditions_guard_writes_and_deletes() -> TestResult {
    on_each_backend(|store| async move {
        let b = bucket("data");
        store.create_bucket(&b).await?;
        let only_new = PutOptions {
            conditions: Conditions {
                if_generation_match: Some(0),
                ..Conditions::default()
            },
            ..PutOptions::default()
        };
        let meta = store.put_with(&b, &object("o"), Bytes::from_static(b"1"), &only_new).await?;
        let again = store.put_with(&b, &object("o"), Bytes::from_static(b"2"), &only_new).await;
        assert!(matches!(again, Err(StorageError::PreconditionFailed { current, .. }) if current == meta.generation));
        let stale = Conditions {
            if_generation_match: Some(meta.generation + 1),
            ..Conditions::default()
        };
        assert!(matches!(
            store.delete_with(&b, &object("o"), &stale).await,
            Err(StorageError::PreconditionFailed { .. })
        ));
        let current = Conditions {
            if_generation_match: Some(meta.generation),
            ..Conditions::default()
        };
        store.delete_with(&b, &object("o"), &current).await?;
        Ok(())
    })
    .await
}

fn names(list: &mock_vertex::storage::ObjectList) -> Vec<&str> {
    list.objects.iter().map(|o| o.name.as_str()).collect()
}

#[tokio::test]
async fn listing_filters_by_prefix_and_folds_by_delimiter() -> TestResult {
    on_each_backend(|store| async move {
        let b = store_with_objects(&store, &["a/1", "a/2", "a/sub/3", "ab", "b/1", "top"]).await?;
        let all = store.list(&b, &ListOptions::default()).await?;
        assert_eq!(names(&all), ["a/1", "a/2", "a/sub/3", "ab", "b/1", "top"]);
        assert!(all.prefixes.is_empty() && all.next_page_token.is_none());

        let under_a = ListOptions {
            prefix: Some("a/".into()),
            ..ListOptions::default()
        };
        assert_eq!(
            names(&store.list(&b, &under_a).await?),
            ["a/1", "a/2", "a/sub/3"]
        );

        let folded = store
            .list(
                &b,
                &ListOptions {
                    delimiter: Some("/".into()),
                    ..ListOptions::default()
                },
            )
            .await?;
        assert_eq!(names(&folded), ["ab", "top"]);
        assert_eq!(folded.prefixes, ["a/", "b/"]);

        let folded_under_a = store
            .list(
                &b,
                &ListOptions {
                    prefix: Some("a/".into()),
                    delimiter: Some("/".into()),
                    ..ListOptions::default()
                },
            )
            .await?;
        assert_eq!(names(&folded_under_a), ["a/1", "a/2"]);
        assert_eq!(folded_under_a.prefixes, ["a/sub/"]);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn listing_pages_count_items_and_prefixes_together() -> TestResult {
    on_each_backend(|store| async move {
        let b = store_with_objects(&store, &["a/1", "a/2", "ab", "b/1", "c", "d"]).await?;
        let mut options = ListOptions {
            delimiter: Some("/".into()),
            max_results: Some(2),
            ..ListOptions::default()
        };
        let mut pages = Vec::new();
        loop {
            let page = store.list(&b, &options).await?;
            let mut entries: Vec<String> = page.prefixes.clone();
            entries.extend(names(&page).into_iter().map(str::to_owned));
            entries.sort();
            pages.push(entries);
            match page.next_page_token {
                Some(token) => options.page_token = Some(token),
                None => break,
            }
        }
        assert_eq!(pages, [vec!["a/", "ab"], vec!["b/", "c"], vec!["d"]]);
        let bad = ListOptions {
            page_token: Some("not a token".into()),
            ..ListOptions::default()
        };
        assert!(matches!(
            store.list(&b, &bad).await,
            Err(StorageError::InvalidPageToken { .. })
        ));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn read_uri_errors_name_the_uri() -> TestResult {
    on_each_backend(|store| async move {
        store.create_bucket(&bucket("data")).await?;
        for uri in [
            "gs://data/missing.jsonl",
            "gs://nobucket/x.jsonl",
            "gs://data",
            "/data/x",
            "gs://Data/x",
        ] {
            let err = store.read_uri(uri).await.expect_err(uri);
            assert!(err.to_string().contains(uri), "{err}");
        }
        store
            .put(
                &bucket("data"),
                &object("t.jsonl"),
                Bytes::from_static(b"{}\n"),
                None,
            )
            .await?;
        assert_eq!(
            store.read_uri("gs://data/t.jsonl").await?,
            Bytes::from_static(b"{}\n")
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn the_clock_sets_creation_time_and_generation() -> TestResult {
    let at = Timestamp::from_unix_seconds(1_752_192_000);
    let store = ObjectStore::memory().with_clock(move || at);
    let b = bucket("data");
    assert_eq!(store.create_bucket(&b).await?.time_created, at);
    let first = store.put(&b, &object("o"), Bytes::new(), None).await?;
    assert_eq!(first.time_created, at);
    assert_eq!(first.generation, 1_752_192_000_000_000);
    let second = store.put(&b, &object("o"), Bytes::new(), None).await?;
    assert_eq!(second.generation, first.generation + 1);
    Ok(())
}

/// Checks one line of Gemini supervised-tuning JSONL; returns what is wrong with it.
fn sft_line_problem(line: &str) -> Option<String> {
    let example: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return Some(format!("not JSON: {e}")),
    };
    let Some(contents) = example.get("contents").and_then(Value::as_array) else {
        return Some("no contents array".into());
    };
    for turn in contents {
        let role = turn.get("role").and_then(Value::as_str);
        if !matches!(role, Some("user" | "model")) {
            return Some(format!("role {role:?}"));
        }
        let parts = turn.get("parts").and_then(Value::as_array);
        let texts_ok = parts.is_some_and(|p| {
            !p.is_empty()
                && p.iter().all(|part| {
                    part.get("text")
                        .and_then(Value::as_str)
                        .is_some_and(|t| !t.is_empty())
                })
        });
        if !texts_ok {
            return Some("a turn without non-empty text parts".into());
        }
    }
    if contents.first().and_then(|t| t.get("role")) != Some(&Value::from("user")) {
        return Some("does not start with a user turn".into());
    }
    if contents.last().and_then(|t| t.get("role")) != Some(&Value::from("model")) {
        return Some("does not end with a model turn".into());
    }
    if let Some(system) = example.get("systemInstruction")
        && system
            .get("parts")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
    {
        return Some("systemInstruction without parts".into());
    }
    None
}

#[test]
fn samples_are_valid_gemini_sft_jsonl() {
    for (name, data, count) in [
        ("train", SAMPLE_TRAIN_JSONL, 20),
        ("validation", SAMPLE_VALIDATION_JSONL, 5),
    ] {
        assert!(data.ends_with('\n'), "{name} ends without a newline");
        let lines: Vec<&str> = data.lines().collect();
        assert_eq!(lines.len(), count, "{name}");
        for (i, line) in lines.iter().enumerate() {
            assert_eq!(sft_line_problem(line), None, "{name} line {}", i + 1);
        }
    }
}

#[test]
fn the_sft_check_catches_what_it_must() {
    assert!(sft_line_problem(r#"{"contents":[{"role":"user","parts":[{"text":"q"}]}]}"#).is_some());
    assert!(sft_line_problem(r#"{"contents":[]}"#).is_some());
    assert!(sft_line_problem("[1]").is_some());
    assert!(sft_line_problem(r#"{"contents":[{"role":"user","parts":[{"text":"q"}]},{"role":"model","parts":[{"text":"a"}]}]}"#).is_none());
}

#[tokio::test]
async fn samples_are_preloaded_in_memory_and_can_be_replaced() -> TestResult {
    let store = ObjectStore::with_samples();
    assert_eq!(
        store.read_uri(SAMPLE_TRAIN_URI).await?,
        SAMPLE_TRAIN_JSONL.as_bytes()
    );
    assert_eq!(
        store.read_uri(SAMPLE_VALIDATION_URI).await?,
        SAMPLE_VALIDATION_JSONL.as_bytes()
    );
    let b = bucket("cloud-samples-data");
    let train = object("ai-platform/generative_ai/gemini/text/sft_train_data.jsonl");
    store
        .put(&b, &train, Bytes::from_static(b"{}\n"), None)
        .await?;
    assert_eq!(
        store.read_uri(SAMPLE_TRAIN_URI).await?,
        Bytes::from_static(b"{}\n")
    );
    assert!(
        ObjectStore::memory()
            .read_uri(SAMPLE_TRAIN_URI)
            .await
            .is_err()
    );
    Ok(())
}

#[tokio::test]
async fn directory_store_serves_samples_unless_a_file_is_there() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = ObjectStore::directory(dir.path());
    assert_eq!(
        store.read_uri(SAMPLE_TRAIN_URI).await?,
        SAMPLE_TRAIN_JSONL.as_bytes()
    );
    let b = bucket("cloud-samples-data");
    assert_eq!(store.get_bucket(&b).await?.name, b);
    let listed = store
        .list(
            &b,
            &ListOptions {
                prefix: Some("ai-platform/".into()),
                ..ListOptions::default()
            },
        )
        .await?;
    assert_eq!(listed.objects.len(), 2);

    let on_disk = dir
        .path()
        .join("cloud-samples-data/ai-platform/generative_ai/gemini/text");
    std::fs::create_dir_all(&on_disk)?;
    std::fs::write(on_disk.join("sft_train_data.jsonl"), b"mine\n")?;
    assert_eq!(
        store.read_uri(SAMPLE_TRAIN_URI).await?,
        Bytes::from_static(b"mine\n")
    );
    assert_eq!(
        store.read_uri(SAMPLE_VALIDATION_URI).await?,
        SAMPLE_VALIDATION_JSONL.as_bytes()
    );
    Ok(())
}

#[tokio::test]
async fn directory_store_maps_objects_to_files() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = ObjectStore::directory(dir.path());
    let b = bucket("data");
    store.create_bucket(&b).await?;
    store
        .put(
            &b,
            &object("runs/1/train.jsonl"),
            Bytes::from_static(b"{}\n"),
            None,
        )
        .await?;
    assert_eq!(
        std::fs::read(dir.path().join("data/runs/1/train.jsonl"))?,
        b"{}\n"
    );

    // A file dropped in by hand is an object, with a content type guessed from its extension.
    std::fs::write(dir.path().join("data/runs/1/val.jsonl"), b"{}\n{}\n")?;
    let meta = store.head(&b, &object("runs/1/val.jsonl")).await?;
    assert_eq!(
        (meta.size, meta.content_type.as_str()),
        (6, "application/jsonl")
    );
    let listed = store.list(&b, &ListOptions::default()).await?;
    assert_eq!(names(&listed), ["runs/1/train.jsonl", "runs/1/val.jsonl"]);

    // Deleting the last object of a folder removes the folder.
    store.delete(&b, &object("runs/1/train.jsonl")).await?;
    store.delete(&b, &object("runs/1/val.jsonl")).await?;
    assert!(!dir.path().join("data/runs").exists());
    store.delete_bucket(&b).await?;
    assert!(!dir.path().join("data").exists());
    Ok(())
}

#[tokio::test]
async fn directory_store_refuses_names_that_would_leave_its_root() -> TestResult {
    let outer = tempfile::tempdir()?;
    let root = outer.path().join("gcs");
    let store = ObjectStore::directory(&root);
    let b = bucket("data");
    store.create_bucket(&b).await?;
    std::fs::write(outer.path().join("secret.txt"), b"secret")?;
    for name in [
        "../secret.txt",
        "../../secret.txt",
        "a/../../secret.txt",
        "/secret.txt",
        "a//b",
        "./a",
        "a/.",
        "dir/",
    ] {
        let name = object(name);
        let refused =
            |r: Result<_, StorageError>| matches!(r, Err(StorageError::InvalidObjectName { .. }));
        assert!(
            refused(
                store
                    .put(&b, &name, Bytes::from_static(b"x"), None)
                    .await
                    .map(drop)
            ),
            "{name}"
        );
        assert!(refused(store.get(&b, &name).await.map(drop)), "{name}");
        assert!(refused(store.head(&b, &name).await.map(drop)), "{name}");
        assert!(refused(store.delete(&b, &name).await), "{name}");
    }
    let escaped = store
        .list(
            &b,
            &ListOptions {
                prefix: Some("../".into()),
                ..ListOptions::default()
            },
        )
        .await?;
    assert!(escaped.objects.is_empty());
    assert!(BucketName::parse("..").is_err());
    let mut entries: Vec<_> = std::fs::read_dir(outer.path())?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    assert_eq!(entries, ["gcs", "secret.txt"]);
    assert_eq!(std::fs::read(outer.path().join("secret.txt"))?, b"secret");
    Ok(())
}

#[tokio::test]
async fn directory_store_refuses_an_object_named_like_a_folder() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = ObjectStore::directory(dir.path());
    let b = bucket("data");
    store.create_bucket(&b).await?;
    store
        .put(&b, &object("a"), Bytes::from_static(b"x"), None)
        .await?;
    assert!(matches!(
        store.put(&b, &object("a/b"), Bytes::new(), None).await,
        Err(StorageError::InvalidObjectName { .. })
    ));
    store
        .put(&b, &object("c/d"), Bytes::from_static(b"x"), None)
        .await?;
    assert!(matches!(
        store.put(&b, &object("c"), Bytes::new(), None).await,
        Err(StorageError::InvalidObjectName { .. })
    ));
    assert!(matches!(
        store.get(&b, &object("c")).await,
        Err(StorageError::ObjectNotFound { .. })
    ));
    Ok(())
}
