//! The README's "Using it" commands, pasted line by line into bash as a new user would (with the
//! `retune` under test on the PATH instead of `cargo install`, and a free port instead of 8080).

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The shell block of the README's command-line paragraph.
fn readme_commands() -> Vec<String> {
    let readme = include_str!("../../../README.md");
    let from = readme
        .find("**The command line.**")
        .expect("the README has a command-line paragraph");
    let block = &readme[from..];
    let start = block.find("```sh\n").expect("a sh block") + "```sh\n".len();
    let end = start + block[start..].find("```").expect("the block ends");
    block[start..end].lines().map(str::to_owned).collect()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

#[test]
fn using_it_works_when_pasted_line_by_line() {
    let lines = readme_commands();
    assert!(
        lines[0].starts_with("cargo install"),
        "the first line installs retune: {lines:?}"
    );
    let port = free_port();
    let bin = assert_cmd::cargo::cargo_bin("retune");
    let bin_dir = bin.parent().expect("the binary's directory");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let dir = tempfile::tempdir().expect("a working directory");
    let stdout = tempfile::NamedTempFile::new().expect("a file for stdout");
    let stderr = tempfile::NamedTempFile::new().expect("a file for stderr");
    let mut bash = Command::new("bash");
    for var in [
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_LOCATION",
        "GOOGLE_VERTEX_BASE_URL",
        "RETUNE_ACCESS_TOKEN",
        "CLOUDSDK_CORE_PROJECT",
    ] {
        bash.env_remove(var);
    }
    let mut shell = bash
        .env("PATH", path)
        .env("CLOUDSDK_CONFIG", dir.path().join("no-gcloud"))
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(stdout.reopen().expect("stdout file"))
        .stderr(stderr.reopen().expect("stderr file"))
        .spawn()
        .expect("bash starts");
    let mut stdin = shell.stdin.take().expect("piped stdin");
    // Harness lines, not the README's: stop at the first failure, and never leave the
    // emulator behind.
    writeln!(stdin, "set -e; trap 'kill %1 2>/dev/null || true' EXIT").expect("written");
    for line in &lines[1..] {
        let line = line.replace("8080", &port.to_string());
        writeln!(stdin, "{line}").expect("written");
        stdin.flush().expect("flushed");
        if line.contains("emulator serve") {
            // A person pastes the next line once the emulator is up.
            let started = Instant::now();
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "the emulator did not start"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    writeln!(stdin, "echo pasted-ok").expect("written");
    drop(stdin);
    let status = shell.wait().expect("bash ends");
    let out = std::fs::read_to_string(stdout.path()).unwrap_or_default();
    let err = std::fs::read_to_string(stderr.path()).unwrap_or_default();
    assert!(
        status.success() && out.contains("pasted-ok"),
        "stdout:\n{out}\nstderr:\n{err}"
    );
    assert!(out.contains("would be accepted; nothing was sent"), "{out}");
    assert!(out.contains("CHECKPOINT  EPOCH  STEP  DEFAULT"), "{out}");
    // The lineage names the model as the emulator answers it: by project number.
    assert!(out.contains("Lineage of projects/"), "{out}");
    assert!(out.contains("gemini-2.5-flash"), "{out}");
}
