//! Waiting for a tuning job: a progress line on a terminal, plain lines otherwise.
//!
//! Each change the client's poller reports (state, sub-state, epoch and step) updates an
//! indicatif spinner on stderr with the elapsed time; when stderr is not a terminal every change
//! is one plain line instead. `--silent` and the formats for scripts show nothing while
//! waiting.
//!
//! Waiting ends three ways besides the job ending: Ctrl-C ([`Interrupted`], exit code 130) and
//! `--timeout` ([`GaveUp`], exit code 6) both leave the job running and say how to wait again or
//! cancel it.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use retune_client::wait::WaitError;
use retune_client::{Client, JobChange, TuningJob};
use retune_model::job_state::JobState;
use retune_model::names::TuningJobName;

use crate::exit::{GaveUp, Interrupted};
use crate::output::Out;
use crate::render::{human_duration, state_name, sub_state_name};

/// How a change reads: `RUNNING  TUNING  epoch 1  step 3`.
fn describe(change: &JobChange) -> String {
    let mut parts = vec![state_name(change.state).to_owned()];
    if let Some(sub) = change.sub_state {
        parts.push(sub_state_name(sub).to_owned());
    }
    if let Some(p) = change.progress
        && change.state == retune_model::job_state::JobState::Running
    {
        parts.push(format!(
            "epoch {}  step {}",
            p.completed_epochs, p.completed_steps
        ));
    }
    parts.join("  ")
}

/// Where progress goes.
enum Display {
    Bar(ProgressBar),
    Lines(Instant),
    Nothing,
}

impl Display {
    fn new(out: &Out, job: &TuningJobName) -> Display {
        if !out.narrates() {
            return Display::Nothing;
        }
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            let style = ProgressStyle::with_template("{spinner} job {prefix}  {msg}  [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.set_prefix(job.tuning_job_id().to_string());
            bar.set_message("waiting for the first state");
            bar.enable_steady_tick(Duration::from_millis(100));
            Display::Bar(bar)
        } else {
            Display::Lines(Instant::now())
        }
    }

    fn show(&self, job: &TuningJobName, text: &str) {
        match self {
            Display::Bar(bar) => bar.set_message(text.to_owned()),
            Display::Lines(start) => {
                // Progress is a diagnostic: stderr, and never fatal.
                eprintln_quiet(&format!(
                    "job {}  {text}  [{}s]",
                    job.tuning_job_id(),
                    start.elapsed().as_secs()
                ));
            }
            Display::Nothing => {}
        }
    }

    fn finish(self) {
        if let Display::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

fn eprintln_quiet(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// `wait again: retune jobs wait JOB` and `cancel it: retune jobs cancel JOB`.
fn next_steps(job: &TuningJobName) -> String {
    format!(
        "wait again with `retune jobs wait {job}`, or cancel it with `retune jobs cancel {job}`"
    )
}

/// Follows `job` until it ends and returns the final job, whatever its state (the caller
/// decides what a failed job means). Errors: a failed poll ([`WaitError::Call`]), the timeout
/// ([`GaveUp`]) or Ctrl-C ([`Interrupted`]).
pub async fn follow(
    client: &Client,
    job: &TuningJobName,
    timeout: Option<Duration>,
    out: &Out,
) -> anyhow::Result<TuningJob> {
    let mut poller = client.wait_for_job(job);
    if let Some(timeout) = timeout {
        poller = poller.with_policy(client.config().poll_policy().clone().with_timeout(timeout));
    }
    let display = Display::new(out, job);
    let mut changes = Box::pin(poller.changes());
    let mut last: Option<TuningJob> = None;
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        let change = tokio::select! {
            // The signal first, so that it is listened for before the first poll goes out.
            biased;
            _ = &mut interrupted => {
                display.finish();
                let state = last.as_ref().and_then(|j| j.state).map_or("", |s| state_name(s));
                let state = if state.is_empty() { String::new() } else { format!(" (last seen {state})") };
                return Err(Interrupted {
                    message: format!(
                        "interrupted: stopped waiting; tuning job {} keeps running{state}: {}",
                        job.tuning_job_id(),
                        next_steps(job)
                    ),
                }
                .into());
            }
            change = changes.next() => change,
        };
        let Some(change) = change else { break };
        match change {
            Ok(change) => {
                display.show(job, &describe(&change));
                last = Some(change.job);
            }
            Err(WaitError::TimedOut { last_state, .. }) => {
                display.finish();
                let state = last_state.unwrap_or(JobState::Unspecified);
                let state = if state == JobState::Unspecified {
                    "has not reported a state yet".to_owned()
                } else {
                    format!("is still {}", state_name(state))
                };
                let waited = timeout.map(human_duration).unwrap_or_default();
                return Err(GaveUp {
                    message: format!(
                        "gave up waiting after {waited}: tuning job {} {state} and keeps running; {}",
                        job.tuning_job_id(),
                        next_steps(job)
                    ),
                }
                .into());
            }
            Err(err) => {
                display.finish();
                // A terminal state reported as an error still ends the wait with the job.
                return match err.job() {
                    Some(final_job) => Ok(final_job.clone()),
                    None => Err(err.into()),
                };
            }
        }
    }
    display.finish();
    last.ok_or_else(|| anyhow::anyhow!("stopped following job {job} before it reported a state"))
}
