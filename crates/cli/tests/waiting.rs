//! Waiting for a job through the real `retune` binary: Ctrl-C (SIGINT sent to the child) and
//! `--timeout` both stop the wait, leave the job running, say how to go on, and end with their
//! documented exit codes (130 and 6).

mod support;

use mock_vertex::JobSpeed;
use support::{Emulator, PROJECT, Running, TRAIN};

fn full_name(id: &str) -> String {
    format!("projects/{PROJECT}/locations/us-central1/tuningJobs/{id}")
}

#[test]
fn ctrl_c_during_jobs_wait_says_the_job_keeps_running_and_exits_130() {
    let emu = Emulator::start(JobSpeed::Manual);
    let id = emu.job();
    let mut wait = emu.child();
    wait.args(["jobs", "wait", &id]);
    let running = Running::until(wait, &format!("job {id}"));
    running.interrupt();
    let (code, stderr) = running.finish();
    assert_eq!(code, 130, "{stderr}");
    let name = full_name(&id);
    assert!(
        stderr.contains(&format!(
            "interrupted: stopped waiting; tuning job {id} keeps running (last seen PENDING): wait again with `retune jobs wait {name}`, or cancel it with `retune jobs cancel {name}`"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("error:"), "{stderr}");
    // Nothing was cancelled.
    let job = emu.json(&["jobs", "describe", &id]);
    assert_eq!(job["state"], "JOB_STATE_PENDING");
}

#[test]
fn ctrl_c_during_tune_wait_leaves_the_created_job_running() {
    let emu = Emulator::start(JobSpeed::Manual);
    let mut tune = emu.child();
    tune.args([
        "tune",
        "--base-model",
        "gemini-2.5-flash",
        "--train",
        TRAIN,
        "--wait",
    ]);
    let running = Running::until(tune, "PENDING");
    running.interrupt();
    let (code, stderr) = running.finish();
    assert_eq!(code, 130, "{stderr}");
    assert!(stderr.contains("keeps running"), "{stderr}");
    assert!(stderr.contains("`retune jobs wait projects/"), "{stderr}");
    let jobs = emu.json(&["jobs", "list"]);
    assert_eq!(jobs[0]["state"], "JOB_STATE_PENDING", "{jobs}");
}

#[test]
fn jobs_wait_timeout_names_the_state_in_words_and_exits_6() {
    let emu = Emulator::start(JobSpeed::Manual);
    let id = emu.job();
    let (code, _, stderr) = emu.run(&["jobs", "wait", &id, "--timeout", "1s"]);
    assert_eq!(code, 6, "{stderr}");
    let name = full_name(&id);
    assert!(
        stderr.ends_with(&format!(
            "error: gave up waiting after 1s: tuning job {id} is still PENDING and keeps running; wait again with `retune jobs wait {name}`, or cancel it with `retune jobs cancel {name}`\n"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("Some("), "{stderr}");
}

#[test]
fn help_documents_the_exit_codes_of_waiting() {
    let (code, stdout, _) = Emulator::start(JobSpeed::Instant).run(&["--help"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("6    gave up waiting (--timeout)"),
        "{stdout}"
    );
    assert!(stdout.contains("130  interrupted (Ctrl-C)"), "{stdout}");
}
