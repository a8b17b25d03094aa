//! Exit codes, and the one-line message for every error a command can end with.
//!
//! The codes are part of the interface (documented at the end of `retune --help`); this module is
//! the only place that decides them: it walks an error's chain for the first error type it knows.

use std::io;
use std::process::ExitCode;

use retune_client::Error as ClientError;
use retune_client::transport::TransportErrorKind;
use retune_client::wait::WaitError;
use retune_model::Code;

use crate::config::ConfigError;
use crate::gcs::UploadError;

/// How `retune` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Ok = 0,
    /// 1: anything else (a file that cannot be read, an unexpected failure).
    Other = 1,
    /// 2: the command line is wrong.
    Usage = 2,
    /// 3: refused before anything was sent: invalid input found locally, or a continuation the
    /// rules of continuous tuning refuse.
    Refused = 3,
    /// 4: the tuning job failed, was cancelled or expired.
    JobFailed = 4,
    /// 5: the service or the network returned an error.
    Service = 5,
    /// 6: gave up waiting for a job (`--timeout`); the job is still running.
    TimedOut = 6,
    /// 130 (128 + SIGINT, as shells report it): interrupted; a job being waited for keeps
    /// running.
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// Something found locally that makes a command refuse (exit code 3), already explained on stdout.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Refused {
    /// What was refused and what to do.
    pub message: String,
}

/// A tuning job that ended without success (exit code 4), already shown on stdout.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct JobEnded {
    /// Which job and how it ended.
    pub message: String,
    /// Whether it was cancelled: what someone asked for, told as news rather than as an error.
    pub cancelled: bool,
}

/// Waiting for a job gave up at `--timeout` (exit code 6); the job keeps running.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct GaveUp {
    /// Which job, its last state, and how to go on.
    pub message: String,
}

/// Ctrl-C while waiting (exit code 130); the job keeps running.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Interrupted {
    /// Which job, and how to go on.
    pub message: String,
}

/// What to do about the error it is attached to (with `.context(Hint(..))`), said instead of the
/// generic advice for its status; it adds nothing to the message itself.
#[derive(Debug)]
pub struct Hint(pub String);

impl std::fmt::Display for Hint {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Ok(())
    }
}

/// Whether `err` is news rather than an error (a job its owner cancelled, an interrupt), to be
/// printed without the `error: ` prefix.
pub fn is_notice(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<JobEnded>()
            .is_some_and(|e| e.cancelled)
            || cause.downcast_ref::<Interrupted>().is_some()
    })
}

/// The exit code and the one line to print for `err`.
pub fn describe(err: &anyhow::Error) -> (Exit, String) {
    let message = one_line(&chain(err));
    let hint = err.downcast_ref::<Hint>().map(|h| h.0.as_str());
    for cause in err.chain() {
        if cause.downcast_ref::<ConfigError>().is_some() {
            return (Exit::Usage, message);
        }
        if cause.downcast_ref::<Refused>().is_some() {
            return (Exit::Refused, message);
        }
        if cause.downcast_ref::<JobEnded>().is_some() {
            return (Exit::JobFailed, message);
        }
        if cause.downcast_ref::<GaveUp>().is_some() {
            return (Exit::TimedOut, message);
        }
        if cause.downcast_ref::<Interrupted>().is_some() {
            return (Exit::Interrupted, message);
        }
        if let Some(wait) = cause.downcast_ref::<WaitError>() {
            match wait {
                WaitError::Call(client) => return client_error(client, message, hint),
                WaitError::TimedOut { .. } => {
                    return (
                        Exit::TimedOut,
                        format!(
                            "{message}; the job is still running: wait again with `retune jobs wait`"
                        ),
                    );
                }
                _ => return (Exit::JobFailed, message),
            }
        }
        if let Some(client) = cause.downcast_ref::<ClientError>() {
            return client_error(client, message, hint);
        }
        if let Some(upload) = cause.downcast_ref::<UploadError>() {
            return match upload {
                UploadError::Request(_) => (Exit::Other, message),
                UploadError::NoSession => (Exit::Service, message),
                UploadError::Checksum { .. } => (
                    Exit::Service,
                    with_hint(message, "the data changed on the way; upload it again"),
                ),
                UploadError::Transport(t) => {
                    (Exit::Service, with_hint(message, transport_hint(t.kind())))
                }
                UploadError::Service(status) => (
                    Exit::Service,
                    with_hint(message, hint.unwrap_or(storage_hint(status.code()))),
                ),
            };
        }
        if let Some(io) = cause.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::BrokenPipe
        {
            // The reader went away (`retune jobs list | head -1`): not a failure.
            return (Exit::Ok, String::new());
        }
    }
    (Exit::Other, message)
}

fn client_error(err: &ClientError, message: String, hint: Option<&str>) -> (Exit, String) {
    match err {
        ClientError::Refused(_) => (
            Exit::Refused,
            with_hint(message, "nothing was sent; `--dry-run` lists every reason"),
        ),
        ClientError::Build(_) => (Exit::Refused, with_hint(message, "nothing was sent")),
        ClientError::Transport(t) => (Exit::Service, with_hint(message, transport_hint(t.kind()))),
        ClientError::Service(status) => (
            Exit::Service,
            with_hint(message, hint.unwrap_or(status_hint(status.code()))),
        ),
        _ => (Exit::Service, message),
    }
}

fn transport_hint(kind: TransportErrorKind) -> &'static str {
    match kind {
        TransportErrorKind::Connect => {
            "check --endpoint (or GOOGLE_VERTEX_BASE_URL) and your network; for a local emulator run `retune emulator serve`"
        }
        TransportErrorKind::Auth => {
            "run `gcloud auth application-default login`, or pass --access-token"
        }
        TransportErrorKind::Timeout => "the service is slow or unreachable; try again",
        _ => "try again",
    }
}

fn status_hint(code: Code) -> &'static str {
    match code {
        Code::NotFound => {
            "check the name and --project/--location (`retune models list`, `retune jobs list`)"
        }
        Code::Unauthenticated => {
            "run `gcloud auth application-default login`, or pass --access-token"
        }
        Code::PermissionDenied => "check --project and that your account may use Vertex AI there",
        Code::InvalidArgument | Code::OutOfRange => "fix the request and try again",
        Code::FailedPrecondition => "the resource is not in a state that allows this",
        Code::AlreadyExists => "use another name, or use the existing resource",
        Code::ResourceExhausted => "a quota is exhausted; wait or request more quota",
        Code::Unavailable | Code::DeadlineExceeded | Code::Internal => "try again in a moment",
        _ => "",
    }
}

/// Advice for Cloud Storage's answers, in this CLI's terms.
fn storage_hint(code: Code) -> &'static str {
    match code {
        Code::NotFound => {
            "create the bucket with `retune dataset upload --create-bucket` (an emulator: `retune emulator serve --bucket NAME`)"
        }
        Code::Unauthenticated => {
            "run `gcloud auth application-default login`, or pass --access-token"
        }
        Code::PermissionDenied => "check that your account may write to this bucket",
        Code::Unavailable | Code::DeadlineExceeded | Code::Internal => "try again in a moment",
        _ => "",
    }
}

/// `message; hint`, without the service's closing full stop before the `;`.
fn with_hint(message: String, hint: &str) -> String {
    if hint.is_empty() {
        message
    } else {
        format!("{}; {hint}", message.trim_end().trim_end_matches('.'))
    }
}

/// `context: cause: cause`, leaving out a cause whose text the line already holds (transport
/// errors often repeat their source's message).
fn chain(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if text.is_empty() || line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// Newlines and runs of spaces folded into single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_are_usage_errors() {
        let err = anyhow::Error::new(ConfigError::NoProject);
        let (exit, message) = describe(&err);
        assert_eq!(exit, Exit::Usage);
        assert_eq!(
            message,
            "no project given: pass --project PROJECT, set GOOGLE_CLOUD_PROJECT, or run `gcloud config set project PROJECT`"
        );
    }

    #[test]
    fn context_is_kept_in_front_of_the_cause() {
        let err = anyhow::Error::new(Refused {
            message: "2 invalid lines".into(),
        })
        .context("train.jsonl");
        assert_eq!(
            describe(&err),
            (Exit::Refused, "train.jsonl: 2 invalid lines".into())
        );
    }

    #[test]
    fn broken_pipe_ends_quietly() {
        let err = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(describe(&err), (Exit::Ok, String::new()));
    }

    #[test]
    fn a_hint_follows_the_message_without_its_full_stop() {
        assert_eq!(
            with_hint("Model m not found.".into(), "check the name"),
            "Model m not found; check the name"
        );
        assert_eq!(with_hint("m.".into(), ""), "m.");
    }

    #[test]
    fn an_attached_hint_adds_nothing_to_the_message() {
        let err = anyhow::Error::new(Refused {
            message: "refused".into(),
        })
        .context(Hint("do this".into()))
        .context("cannot go on");
        assert_eq!(
            err.downcast_ref::<Hint>().map(|h| h.0.as_str()),
            Some("do this")
        );
        assert_eq!(
            describe(&err),
            (Exit::Refused, "cannot go on: refused".into())
        );
    }

    #[test]
    fn multi_line_messages_are_folded_into_one_line() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
    }
}
