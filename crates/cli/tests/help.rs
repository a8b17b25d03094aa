//! The help of the real `retune` binary: each command's own options first, the global ones under
//! their own heading, those a command does not use left out, every page within 100 columns, and
//! shell completions that know the values of `--jobs` and `--auth`.

mod support;

use support::bare_retune;

/// Every command with a help page of its own.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["quickstart"],
    &["tune"],
    &["continue"],
    &["jobs"],
    &["jobs", "list"],
    &["jobs", "describe"],
    &["jobs", "cancel"],
    &["jobs", "wait"],
    &["models"],
    &["models", "list"],
    &["models", "describe"],
    &["models", "versions"],
    &["models", "checkpoints"],
    &["models", "lineage"],
    &["models", "set-default-checkpoint"],
    &["models", "alias"],
    &["models", "alias", "add"],
    &["models", "alias", "remove"],
    &["models", "delete-version"],
    &["models", "update"],
    &["dataset"],
    &["dataset", "validate"],
    &["dataset", "upload"],
    &["emulator"],
    &["emulator", "serve"],
    &["completions"],
];

fn help(command: &[&str], flag: &str) -> String {
    let output = bare_retune()
        .args(command)
        .arg(flag)
        .output()
        .expect("retune runs");
    assert!(output.status.success(), "{command:?} {flag}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The lines of the section under `heading`, up to the next heading (an unindented line).
fn section(help: &str, heading: &str) -> String {
    help.lines()
        .skip_while(|line| *line != format!("{heading}:"))
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with(' '))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_help_page_fits_100_columns() {
    for command in COMMANDS {
        for flag in ["-h", "--help"] {
            let text = help(command, flag);
            for line in text.lines() {
                assert!(
                    line.chars().count() <= 100,
                    "retune {} {flag}: a line of {} columns:\n{line}",
                    command.join(" "),
                    line.chars().count()
                );
            }
        }
    }
}

#[test]
fn tune_help_lists_its_own_options_before_the_global_ones() {
    let text = help(&["tune"], "--help");
    let own = text.find("\nOptions:\n").expect("an Options section");
    let global = text
        .find("\nGlobal options:\n")
        .expect("a Global options section");
    assert!(own < global, "{text}");
    let options = section(&text, "Options");
    let globals = section(&text, "Global options");
    for flag in [
        "--base-model",
        "--train",
        "--adapter-size",
        "--dry-run",
        "--wait",
    ] {
        assert!(
            options.contains(flag),
            "{flag} is not among tune's own options:\n{text}"
        );
        assert!(
            !globals.contains(flag),
            "{flag} is among the global options:\n{text}"
        );
    }
    for flag in [
        "--project",
        "--location",
        "--endpoint",
        "--access-token",
        "--format",
    ] {
        assert!(
            globals.contains(flag),
            "{flag} is not a global option:\n{text}"
        );
        assert!(
            !options.contains(flag),
            "{flag} is among tune's own options:\n{text}"
        );
    }
    assert!(
        globals.contains("--region"),
        "--region is not shown:\n{text}"
    );
}

#[test]
fn emulator_serve_help_explains_jobs_and_leaves_out_client_options() {
    let text = help(&["emulator", "serve"], "--help");
    for flag in [
        "--project",
        "--location",
        "--endpoint",
        "--access-token",
        "--api-version",
    ] {
        assert!(
            // `--project-number` (the emulator's own flag) is not the client's `--project`.
            !text.contains(&format!("{flag} <")),
            "emulator serve --help shows {flag}:\n{text}"
        );
    }
    for explained in [
        "instant:",
        "a job ends (succeeds) at the first read after it is created",
        "scaled:",
        "manual:",
        "a job moves only when the emulator's clock is advanced",
        "--bucket <NAME>",
    ] {
        assert!(text.contains(explained), "no {explained:?} in:\n{text}");
    }
    // The hidden options are still accepted, and ignored.
    bare_retune()
        .args([
            "emulator",
            "serve",
            "--project",
            "p",
            "--port",
            "not-a-port",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--port"));
}

#[test]
fn local_commands_leave_out_the_connection_options() {
    for command in [
        &["dataset", "validate"][..],
        &["quickstart"],
        &["completions"],
    ] {
        let text = help(command, "--help");
        for flag in ["--project", "--endpoint", "--access-token"] {
            assert!(
                !text.contains(flag),
                "retune {} --help shows {flag}:\n{text}",
                command.join(" ")
            );
        }
    }
}

#[test]
fn completions_offer_the_values_of_jobs_and_auth() {
    for shell in ["bash", "zsh", "fish"] {
        let output = bare_retune()
            .args(["completions", shell])
            .output()
            .expect("retune runs");
        assert!(output.status.success());
        let script = String::from_utf8_lossy(&output.stdout);
        for value in [
            "instant",
            "scaled",
            "manual",
            "required",
            "any-token",
            "token=",
        ] {
            assert!(script.contains(value), "{shell} completions lack {value:?}");
        }
    }
    let bash = bare_retune()
        .args(["completions", "bash"])
        .output()
        .expect("retune runs");
    let bash = String::from_utf8_lossy(&bash.stdout);
    assert!(bash.contains("instant scaled manual"), "{bash}");
    assert!(bash.contains("none required any-token token="), "{bash}");
}

#[test]
fn get_is_kept_as_an_alias_of_describe() {
    let text = help(&["jobs"], "--help");
    assert!(text.contains("describe"), "{text}");
    assert!(text.contains("[alias: get]"), "{text}");
    let text = help(&["models", "get"], "--help");
    assert!(text.contains("Usage: retune models describe"), "{text}");
}
