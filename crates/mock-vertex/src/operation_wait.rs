//! WaitOperation: blocks until an operation is done or its timeout
//! (`retune_model::request::check_wait_timeout`) has passed, then answers the operation as it
//! stands, as `google.longrunning.Operations.WaitOperation` does.
//!
//! The timeout runs on the emulator's clock, so on a manual clock an advance past the
//! operation's end (or past the timeout) answers the waiter; it is also bounded by the same
//! duration of real time, so that a waiter on a clock nobody moves is answered, still running,
//! rather than held for ever (the proto allows an answer "before the specified timeout").

use std::time::Duration;

use retune_model::Timestamp;
use retune_model::names::OperationName;
use retune_model::wire;

use crate::clock::ClockMode;
use crate::error::ApiError;
use crate::state::Emulator;

impl Emulator {
    /// Waits for `name` to be done, at most `timeout` (emulator time and real time); returns the
    /// operation as it stands then, rendered by `render`.
    pub(crate) async fn wait_operation(
        &self,
        name: &OperationName,
        timeout: Duration,
        render: impl Fn(wire::Operation) -> wire::Operation,
    ) -> Result<wire::Operation, ApiError> {
        let deadline = self.now().saturating_add(timeout);
        let real_deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.subscribe_changes();
        loop {
            changes.borrow_and_update();
            let (operation, done_at, now) = self.with_store(|store, now| {
                let record = store.operation(name)?;
                Ok::<_, ApiError>((render(record.render(now)), record.done_at, now))
            })?;
            if operation.done || now >= deadline || tokio::time::Instant::now() >= real_deadline {
                return Ok(operation);
            }
            let wake = match self.clock_mode() {
                ClockMode::System => real_deadline
                    .min(tokio::time::Instant::now() + until(now, done_at.min(deadline))),
                ClockMode::Manual => real_deadline,
            };
            tokio::select! {
                _ = changes.changed() => {}
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }
}

/// The time from `now` to `at` (a millisecond at least, so that a wake-up at the instant itself
/// sees it passed).
fn until(now: Timestamp, at: Timestamp) -> Duration {
    at.duration_since(now).max(Duration::from_millis(1))
}
