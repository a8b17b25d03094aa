//! WaitOperation's `timeout` (`google/longrunning/operations.proto`, `WaitOperationRequest.timeout`:
//! "The maximum duration to wait before timing out. If left blank, the wait will be at most the
//! time permitted by the underlying HTTP/RPC protocol."): a `google.protobuf.Duration` in its
//! JSON form (`"30s"`, `"1.5s"`), bound from the query string, capped at
//! [`WAIT_OPERATION_MAX`](crate::emulator_policy::WAIT_OPERATION_MAX).

use std::time::Duration;

use crate::emulator_policy::WAIT_OPERATION_MAX;
use crate::wire::{WireError, WireErrorKind, parse_duration_string};

/// How long a WaitOperation blocks at most: `timeout` (absent: the maximum), capped at the
/// maximum. A value that is no `google.protobuf.Duration` (or a negative one) is refused, naming
/// `timeout`, as the front end words an invalid value.
///
/// ```
/// use std::time::Duration;
/// use retune_model::emulator_policy::WAIT_OPERATION_MAX;
/// use retune_model::request::check_wait_timeout;
/// assert_eq!(check_wait_timeout(Some("30s")).unwrap(), Duration::from_secs(30));
/// assert_eq!(check_wait_timeout(Some("0.250s")).unwrap(), Duration::from_millis(250));
/// assert_eq!(check_wait_timeout(None).unwrap(), WAIT_OPERATION_MAX);
/// assert_eq!(check_wait_timeout(Some("86400s")).unwrap(), WAIT_OPERATION_MAX);
/// let err = check_wait_timeout(Some("30")).unwrap_err();
/// assert_eq!(err.field(), "timeout");
/// assert_eq!(err.message(), r#"Invalid value at 'timeout' (type.googleapis.com/google.protobuf.Duration), "30""#);
/// assert!(check_wait_timeout(Some("-1s")).is_err());
/// ```
pub fn check_wait_timeout(timeout: Option<&str>) -> Result<Duration, WireError> {
    let Some(text) = timeout else {
        return Ok(WAIT_OPERATION_MAX);
    };
    let parsed = parse_duration_string(text.trim()).ok_or_else(|| {
        WireError::new(
            WireErrorKind::InvalidValue,
            "timeout",
            format!(
                "Invalid value at 'timeout' (type.googleapis.com/google.protobuf.Duration), \"{text}\""
            ),
        )
    })?;
    Ok(parsed.min(WAIT_OPERATION_MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_timeout_never_exceeds_the_maximum_and_never_panics(text in ".{0,16}") {
            if let Ok(d) = check_wait_timeout(Some(&text)) {
                prop_assert!(d <= WAIT_OPERATION_MAX);
            }
        }

        #[test]
        fn whole_seconds_below_the_maximum_are_kept(secs in 0u64..120) {
            let wait = check_wait_timeout(Some(&format!("{secs}s"))).unwrap();
            prop_assert_eq!(wait, Duration::from_secs(secs));
        }
    }
}
