//! The emulator's only source of time: an injected [`Clock`].
//!
//! Nothing else in the crate reads the wall clock. Tests use a [`ManualClock`] and move it
//! explicitly; the binary uses the [`SystemClock`].

use std::fmt::Debug;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use retune_model::Timestamp;

/// Where the emulator gets "now" from.
pub trait Clock: Debug + Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        // Google emits microsecond precision; so do we.
        let micros = i128::try_from(nanos / 1_000).unwrap_or(0);
        Timestamp::from_unix_nanos(micros * 1_000)
    }
}

/// A clock that only moves when told to. Clones share the same time.
///
/// ```
/// use mock_vertex::clock::{Clock, ManualClock};
/// use std::time::Duration;
/// let clock = ManualClock::default();
/// let start = clock.now();
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.now().duration_since(start), Duration::from_secs(90));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<Timestamp>>,
}

impl ManualClock {
    /// Where a default manual clock starts: 2025-08-01T00:00:00Z, after the 2025-07-11
    /// continuous-tuning cut-off, so models tuned on it are eligible for continuous tuning.
    pub const DEFAULT_START: Timestamp = Timestamp::from_unix_seconds(1_754_006_400);

    /// A clock stopped at `start`.
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now.saturating_add(by);
    }

    /// Sets the clock to `to` (which may be in the past).
    pub fn set(&self, to: Timestamp) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }
}

impl Default for ManualClock {
    fn default() -> ManualClock {
        ManualClock::new(ManualClock::DEFAULT_START)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_of_a_manual_clock_share_time() {
        let a = ManualClock::default();
        let b = a.clone();
        a.advance(Duration::from_secs(5));
        assert_eq!(b.now(), a.now());
        b.set(ManualClock::DEFAULT_START);
        assert_eq!(a.now(), ManualClock::DEFAULT_START);
    }

    #[test]
    fn system_clock_has_microsecond_precision() {
        assert_eq!(SystemClock.now().unix_nanos() % 1_000, 0);
    }
}
