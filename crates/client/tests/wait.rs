//! The job poller over a scripted transport: every terminal state, change detection, and the
//! backoff schedule, in paused time.

mod support;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::TryStreamExt;
use retune_client::WaitError;
use retune_client::transport::{Transport, TransportError};
use retune_model::job_state::JobState;
use retune_model::names::TuningJobName;
use support::*;

/// Answers successive GETs with successive job bodies (the last one repeats), recording when
/// each request arrived.
#[derive(Debug)]
struct Script {
    bodies: Mutex<VecDeque<String>>,
    at: Mutex<Vec<tokio::time::Instant>>,
}

impl Script {
    fn new(states: &[&str]) -> Arc<Script> {
        let bodies = states
            .iter()
            .map(|s| format!(r#"{{"name": "{LOCATION}/tuningJobs/1", "state": "{s}"}}"#))
            .collect();
        Arc::new(Script {
            bodies: Mutex::new(bodies),
            at: Mutex::default(),
        })
    }
    fn times(&self) -> Vec<tokio::time::Instant> {
        self.at.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Transport for Script {
    async fn send(
        &self,
        _req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        if let Ok(mut at) = self.at.lock() {
            at.push(tokio::time::Instant::now());
        }
        let body = self
            .bodies
            .lock()
            .ok()
            .and_then(|mut b| {
                if b.len() > 1 {
                    b.pop_front()
                } else {
                    b.front().cloned()
                }
            })
            .unwrap_or_default();
        Ok(http::Response::new(Bytes::from(body)))
    }
}

fn name() -> TuningJobName {
    format!("{LOCATION}/tuningJobs/1")
        .parse()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(start_paused = true)]
async fn every_terminal_state_ends_the_wait_with_its_own_outcome() -> TestResult {
    type Expect = fn(&WaitError) -> bool;
    let cases: [(&str, Expect); 4] = [
        ("JOB_STATE_FAILED", |e| {
            matches!(e, WaitError::Failed { .. })
        }),
        ("JOB_STATE_CANCELLED", |e| {
            matches!(e, WaitError::Cancelled { .. })
        }),
        ("JOB_STATE_EXPIRED", |e| {
            matches!(e, WaitError::Expired { .. })
        }),
        ("JOB_STATE_PARTIALLY_SUCCEEDED", |e| {
            matches!(
                e,
                WaitError::Ended {
                    state: JobState::PartiallySucceeded,
                    ..
                }
            )
        }),
    ];
    for (terminal, expected) in cases {
        let client = client_over(Script::new(&[
            "JOB_STATE_PENDING",
            "JOB_STATE_RUNNING",
            terminal,
        ]));
        let err = client
            .wait_for_job(&name())
            .until_done()
            .await
            .err()
            .ok_or(terminal)?;
        assert!(expected(&err), "{terminal}: {err}");
        assert!(err.job().is_some());
        // `?` in a function returning the client's error keeps the job and gives a code.
        let code = err.code();
        let err = retune_client::Error::from(err);
        assert!(err.job().is_some(), "{terminal}");
        assert_eq!(err.code(), Some(code), "{terminal}");
        assert!(err.may_have_been_sent());
    }
    let client = client_over(Script::new(&["JOB_STATE_RUNNING", "JOB_STATE_SUCCEEDED"]));
    let job = client.wait_for_job(&name()).until_done().await?;
    assert_eq!(job.state, Some(JobState::Succeeded));
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn repeated_states_are_reported_once() -> TestResult {
    let script = Script::new(&[
        "JOB_STATE_PENDING",
        "JOB_STATE_PENDING",
        "JOB_STATE_RUNNING",
        "JOB_STATE_RUNNING",
        "JOB_STATE_RUNNING",
        "JOB_STATE_SUCCEEDED",
    ]);
    let client = client_over(script.clone());
    let states: Vec<JobState> = client
        .wait_for_job(&name())
        .changes()
        .map_ok(|c| c.state)
        .try_collect()
        .await?;
    assert_eq!(
        states,
        [JobState::Pending, JobState::Running, JobState::Succeeded]
    );
    assert_eq!(script.times().len(), 6, "one request per poll");
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn polls_follow_the_backoff_schedule() -> TestResult {
    let script = Script::new(
        &["JOB_STATE_PENDING"; 5]
            .iter()
            .copied()
            .chain(["JOB_STATE_SUCCEEDED"])
            .collect::<Vec<_>>(),
    );
    let client = client_over(script.clone());
    client.wait_for_job(&name()).until_done().await?;
    let times = script.times();
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    // fast_polling(): 100 ms doubling, capped at 1 s, no jitter.
    let ms = |n| Duration::from_millis(n);
    assert_eq!(gaps, [ms(100), ms(200), ms(400), ms(800), ms(1000)]);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_failed_poll_converts_into_its_own_error() -> TestResult {
    async fn wait_missing(client: &retune_client::Client) -> Result<(), retune_client::Error> {
        let missing = format!("{LOCATION}/tuningJobs/404").parse()?;
        client.wait_for_job(&missing).until_done().await?;
        Ok(())
    }
    let err = wait_missing(&in_process(&instant_emulator()))
        .await
        .err()
        .ok_or("no such job")?;
    assert!(err.is_not_found(), "{err}");
    assert!(
        err.wait_error().is_none(),
        "the poll's own error, not a wait outcome"
    );
    Ok(())
}

#[test]
fn wait_outcomes_map_to_codes() {
    use retune_model::Code;
    let timed_out = WaitError::TimedOut {
        waited: Duration::from_secs(1),
        last_state: Some(JobState::Running),
    };
    assert_eq!(timed_out.code(), Code::DeadlineExceeded);
    assert!(
        timed_out.to_string().contains("JOB_STATE_RUNNING"),
        "{timed_out}"
    );
}
