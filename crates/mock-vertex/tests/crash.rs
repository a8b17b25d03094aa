//! The crash test: 32 concurrent writers create jobs, continue their models (new versions) and
//! move aliases while the `mock-vertex --data-dir` process is killed with SIGKILL at random
//! moments, 20 times. After each restart every acknowledged write is there, the versions of a
//! model are distinct and gapless, each alias is held by exactly one version (one the writer
//! moved it to), and the emulator's own consistency check passes.

mod process;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use process::{Emulator, call, ok, runtime};
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};

const WRITERS: usize = 32;
const KILLS: usize = 20;
const LOC: &str = "projects/crash/locations/us-central1";
const SAMPLE: &str =
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";

/// What one writer was told was done (and the alias move it had in flight when it lost the
/// server, which may or may not have been applied).
#[derive(Debug, Default)]
struct Ledger {
    jobs: Vec<String>,
    model: Option<String>,
    /// The highest version of `model` the writer saw.
    latest: u64,
    alias_acked: Option<u64>,
    alias_in_flight: Option<u64>,
    /// Answers that were neither success nor a lost connection.
    unexpected: Vec<String>,
}

fn alias(writer: usize) -> String {
    format!("w{writer}")
}

fn job_body(model: Option<&str>) -> Value {
    let mut body = json!({"supervisedTuningSpec": {"trainingDatasetUri": SAMPLE}});
    match model {
        Some(model) => body["preTunedModel"] = json!({"tunedModelName": model}),
        None => body["baseModel"] = json!("gemini-2.5-flash"),
    }
    body
}

/// The version number of `…/models/m@v`.
fn version_of(model_ref: &str) -> Option<u64> {
    model_ref.rsplit_once('@')?.1.parse().ok()
}

/// One writer's loop, until the server is gone (any transport error).
async fn write(url: String, writer: usize, ledger: Arc<Mutex<Ledger>>, seed: u64) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    loop {
        let (model, latest) = {
            let l = ledger.lock().unwrap();
            (l.model.clone(), l.latest)
        };
        let move_alias = model.is_some() && latest > 0 && rng.gen_bool(0.4);
        if move_alias {
            let model = model.unwrap();
            let target = rng.gen_range(1..=latest);
            ledger.lock().unwrap().alias_in_flight = Some(target);
            let body = json!({"versionAliases": [alias(writer)]});
            let answer = call(
                &client,
                Method::POST,
                &format!("{url}/v1/{model}@{target}:mergeVersionAliases"),
                Some(&body),
            )
            .await;
            let mut l = ledger.lock().unwrap();
            match answer {
                Ok((200, _)) => {
                    l.alias_acked = Some(target);
                    l.alias_in_flight = None;
                }
                Ok((status, body)) => l.unexpected.push(format!("alias move {status}: {body}")),
                Err(_) => return,
            }
            continue;
        }
        let created = call(
            &client,
            Method::POST,
            &format!("{url}/v1/{LOC}/tuningJobs"),
            Some(&job_body(model.as_deref())),
        )
        .await;
        let name = match created {
            Ok((200, job)) => job["name"].as_str().unwrap_or_default().to_owned(),
            Ok((status, body)) => {
                ledger
                    .lock()
                    .unwrap()
                    .unexpected
                    .push(format!("create {status}: {body}"));
                continue;
            }
            Err(_) => return,
        };
        ledger.lock().unwrap().jobs.push(name.clone());
        // Instant jobs: the next read shows the job finished, with its version.
        match call(&client, Method::GET, &format!("{url}/v1/{name}"), None).await {
            Ok((200, job)) => {
                let Some(tuned) = job["tunedModel"]["model"].as_str() else {
                    ledger
                        .lock()
                        .unwrap()
                        .unexpected
                        .push(format!("not finished: {job}"));
                    continue;
                };
                let mut l = ledger.lock().unwrap();
                if let Some(version) = version_of(tuned) {
                    l.latest = l.latest.max(version);
                }
                if l.model.is_none() {
                    l.model = tuned.split('@').next().map(str::to_owned);
                }
            }
            Ok((status, body)) => ledger
                .lock()
                .unwrap()
                .unexpected
                .push(format!("get {status}: {body}")),
            Err(_) => return,
        }
    }
}

/// Checks the restarted emulator against the ledgers; settles each in-flight alias move.
async fn verify(url: &str, ledgers: &[Arc<Mutex<Ledger>>], round: usize) {
    let client = reqwest::Client::new();
    let check = ok(
        &client,
        Method::GET,
        &format!("{url}/_emulator/check"),
        None,
    )
    .await;
    assert_eq!(
        check["problems"],
        json!([]),
        "round {round}: consistency check"
    );
    let state = ok(
        &client,
        Method::GET,
        &format!("{url}/_emulator/state"),
        None,
    )
    .await;
    let location = state["locations"].as_array().unwrap().iter().find(|l| {
        // Names are answered and stored with the project number, as Vertex AI answers them.
        l["name"]
            == mock_vertex::projects::Projects::default()
                .canonical(LOC)
                .as_ref()
    });
    let empty = json!({"jobs": [], "models": []});
    let location = location.unwrap_or(&empty);
    let jobs: std::collections::BTreeSet<&str> = location["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["name"].as_str().unwrap())
        .collect();
    let mut models: BTreeMap<&str, &Value> = BTreeMap::new();
    for model in location["models"].as_array().unwrap() {
        let name = model["name"].as_str().unwrap();
        let mut ids: Vec<u64> = model["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().parse().unwrap())
            .collect();
        ids.sort_unstable();
        let expected: Vec<u64> = (1..=ids.len() as u64).collect();
        assert_eq!(
            ids, expected,
            "round {round}: versions of {name} distinct and gapless"
        );
        let defaults = model["versions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["aliases"].as_array().unwrap().contains(&json!("default")))
            .count();
        assert_eq!(defaults, 1, "round {round}: {name} has one default version");
        models.insert(name, model);
    }
    for (writer, ledger) in ledgers.iter().enumerate() {
        let mut l = ledger.lock().unwrap();
        assert!(
            l.unexpected.is_empty(),
            "writer {writer}: {:?}",
            l.unexpected
        );
        for job in &l.jobs {
            assert!(
                jobs.contains(job.as_str()),
                "round {round}: acknowledged job {job} lost"
            );
        }
        let Some(model) = l.model.clone() else {
            continue;
        };
        let stored = models
            .get(model.as_str())
            .unwrap_or_else(|| panic!("round {round}: model {model} lost"));
        let versions = stored["versions"].as_array().unwrap();
        assert!(
            versions.len() as u64 >= l.latest,
            "round {round}: {model} lost versions ({} < {})",
            versions.len(),
            l.latest
        );
        let holders: Vec<u64> = versions
            .iter()
            .filter(|v| {
                v["aliases"]
                    .as_array()
                    .unwrap()
                    .contains(&json!(alias(writer)))
            })
            .map(|v| v["id"].as_str().unwrap().parse().unwrap())
            .collect();
        match (l.alias_acked, l.alias_in_flight) {
            (None, None) => assert!(holders.is_empty(), "round {round}: {holders:?}"),
            (acked, in_flight) => {
                assert!(
                    holders.len() == 1
                        && (Some(holders[0]) == acked || Some(holders[0]) == in_flight)
                        || holders.is_empty() && acked.is_none(),
                    "round {round}: alias {} on {holders:?}, acknowledged {acked:?}, in flight {in_flight:?}",
                    alias(writer)
                );
            }
        }
        l.alias_acked = holders.first().copied();
        l.alias_in_flight = None;
        l.latest = l.latest.max(versions.len() as u64);
    }
}

#[test]
fn acknowledged_writes_survive_sigkill_at_random_moments() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let rt = runtime();
    let ledgers: Vec<Arc<Mutex<Ledger>>> = (0..WRITERS).map(|_| Arc::default()).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(15);
    let mut acknowledged = 0;
    for round in 0..KILLS {
        let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
        let writers: Vec<_> = ledgers
            .iter()
            .enumerate()
            .map(|(i, ledger)| {
                let seed = (round * WRITERS + i) as u64;
                rt.spawn(write(emulator.url.clone(), i, Arc::clone(ledger), seed))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(rng.gen_range(50..400)));
        emulator.kill();
        rt.block_on(async {
            for writer in writers {
                tokio::time::timeout(process::GUARD, writer)
                    .await
                    .unwrap()
                    .unwrap();
            }
        });
        let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
        rt.block_on(verify(&emulator.url, &ledgers, round));
        emulator.kill();
        acknowledged = ledgers.iter().map(|l| l.lock().unwrap().jobs.len()).sum();
    }
    assert!(
        acknowledged >= WRITERS,
        "the writers got through: {acknowledged} jobs"
    );
    let aliases = ledgers
        .iter()
        .filter(|l| l.lock().unwrap().alias_acked.is_some())
        .count();
    assert!(aliases > 0, "aliases were moved");
}
