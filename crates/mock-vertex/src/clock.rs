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

/// Whether the emulator's time runs on its own or only moves when told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    /// Time runs with the underlying (system) clock, shifted by what was advanced or set.
    System,
    /// Time stands still until advanced or set.
    Manual,
}

impl ClockMode {
    /// `system` or `manual`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockMode::System => "system",
            ClockMode::Manual => "manual",
        }
    }
}

/// The emulator's clock: a running clock with an offset, or a [`ManualClock`], switchable at run
/// time without time ever jumping.
///
/// - In system mode, `now` is the underlying clock plus an offset; advancing adds to the offset,
///   setting chooses it.
/// - In manual mode, `now` is a [`ManualClock`] (the test's own, if it gave one).
/// - Switching keeps `now` where it is: to manual freezes it, to system lets it run from there.
#[derive(Debug)]
pub struct ControlledClock {
    running: Arc<dyn Clock>,
    state: Mutex<ClockState>,
}

#[derive(Debug, Clone)]
enum ClockState {
    Running { offset_nanos: i128 },
    Manual(ManualClock),
}

impl ControlledClock {
    /// A clock following `running`, unshifted.
    pub fn running(running: Arc<dyn Clock>) -> ControlledClock {
        ControlledClock {
            running,
            state: Mutex::new(ClockState::Running { offset_nanos: 0 }),
        }
    }

    /// A clock in manual mode on `manual`; switching to system mode later runs on the system
    /// clock.
    pub fn manual(manual: ManualClock) -> ControlledClock {
        ControlledClock {
            running: Arc::new(SystemClock),
            state: Mutex::new(ClockState::Manual(manual)),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current mode.
    pub fn mode(&self) -> ClockMode {
        match *self.state() {
            ClockState::Running { .. } => ClockMode::System,
            ClockState::Manual(_) => ClockMode::Manual,
        }
    }

    /// The manual clock, in manual mode.
    pub fn manual_clock(&self) -> Option<ManualClock> {
        match &*self.state() {
            ClockState::Manual(clock) => Some(clock.clone()),
            ClockState::Running { .. } => None,
        }
    }

    /// Moves time forward by `by`, in either mode.
    pub fn advance(&self, by: Duration) {
        match &mut *self.state() {
            ClockState::Manual(clock) => clock.advance(by),
            ClockState::Running { offset_nanos } => {
                *offset_nanos =
                    offset_nanos.saturating_add(i128::try_from(by.as_nanos()).unwrap_or(i128::MAX));
            }
        }
    }

    /// Sets the time to `to` (which may be in the past), in either mode.
    pub fn set(&self, to: Timestamp) {
        match &mut *self.state() {
            ClockState::Manual(clock) => clock.set(to),
            ClockState::Running { offset_nanos } => {
                *offset_nanos = to
                    .unix_nanos()
                    .saturating_sub(self.running.now().unix_nanos());
            }
        }
    }

    /// Switches mode; `now` does not move.
    pub fn set_mode(&self, mode: ClockMode) {
        let mut state = self.state();
        let now = now_of(&self.running, &state);
        *state = match mode {
            ClockMode::Manual => match &*state {
                ClockState::Manual(clock) => ClockState::Manual(clock.clone()),
                ClockState::Running { .. } => ClockState::Manual(ManualClock::new(now)),
            },
            ClockMode::System => ClockState::Running {
                offset_nanos: now
                    .unix_nanos()
                    .saturating_sub(self.running.now().unix_nanos()),
            },
        };
    }
}

fn now_of(running: &Arc<dyn Clock>, state: &ClockState) -> Timestamp {
    match state {
        ClockState::Manual(clock) => clock.now(),
        ClockState::Running { offset_nanos } => {
            Timestamp::from_unix_nanos(running.now().unix_nanos().saturating_add(*offset_nanos))
        }
    }
}

impl Clock for ControlledClock {
    fn now(&self) -> Timestamp {
        now_of(&self.running, &self.state())
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
    #[test]
    fn switching_clock_mode_keeps_the_time() {
        let manual = ManualClock::default();
        let clock = ControlledClock::manual(manual.clone());
        clock.advance(Duration::from_secs(10));
        let frozen = clock.now();
        assert_eq!(manual.now(), frozen);
        clock.set_mode(ClockMode::System);
        assert_eq!(clock.mode(), ClockMode::System);
        assert!(clock.now() >= frozen);
        assert!(clock.now().duration_since(frozen) < Duration::from_secs(60));
        clock.set_mode(ClockMode::Manual);
        let again = clock.now();
        clock.advance(Duration::from_secs(5));
        assert_eq!(clock.now().duration_since(again), Duration::from_secs(5));
    }

    #[test]
    fn a_running_clock_can_be_set_and_advanced() {
        let clock = ControlledClock::running(Arc::new(SystemClock));
        clock.set(ManualClock::DEFAULT_START);
        let start = clock.now();
        assert!(start.duration_since(ManualClock::DEFAULT_START) < Duration::from_secs(60));
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now().duration_since(start) >= Duration::from_secs(3600));
    }
}
