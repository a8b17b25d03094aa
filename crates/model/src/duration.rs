//! The one duration grammar of retune: `90`, `90s`, `1.5h`, `250ms`, `30m` (a non-negative
//! decimal number and an optional unit, seconds when the unit is omitted).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::Code;

/// A string that is not a duration of this grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid duration {input:?}: expected a number and an optional unit (ms, s, m, h), such as 90s, 1.5h or 250ms"
)]
pub struct DurationError {
    input: String,
}

impl DurationError {
    /// The rejected input.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// Always `INVALID_ARGUMENT`.
    pub fn code(&self) -> Code {
        Code::InvalidArgument
    }
}

/// A duration as people write it on a command line or in a query string.
///
/// ```
/// use retune_model::duration::HumanDuration;
/// use std::time::Duration;
/// let d = |s: &str| s.parse::<HumanDuration>().map(Duration::from);
/// assert_eq!(d("90"), Ok(Duration::from_secs(90)));
/// assert_eq!(d("1.5s").unwrap(), Duration::from_millis(1500));
/// assert_eq!(d("250ms").unwrap(), Duration::from_millis(250));
/// assert_eq!(d("2m").unwrap(), Duration::from_secs(120));
/// assert_eq!(d("1.5h").unwrap(), Duration::from_secs(5400));
/// assert!(d("-1s").is_err());
/// assert!(d("soon").is_err());
/// assert!(d("").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(Duration);

impl HumanDuration {
    /// The duration.
    pub fn get(self) -> Duration {
        self.0
    }
}

impl From<HumanDuration> for Duration {
    fn from(d: HumanDuration) -> Duration {
        d.0
    }
}

impl From<Duration> for HumanDuration {
    fn from(d: Duration) -> HumanDuration {
        HumanDuration(d)
    }
}

impl FromStr for HumanDuration {
    type Err = DurationError;

    fn from_str(input: &str) -> Result<HumanDuration, DurationError> {
        let invalid = || DurationError {
            input: input.to_owned(),
        };
        let s = input.trim();
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let (number, unit) = s.split_at(split);
        let nanos_per_unit: u128 = match unit.trim_start() {
            "" | "s" => 1_000_000_000,
            "ms" => 1_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(invalid()),
        };
        // Digits with at most one dot and at least one digit, in exact integer arithmetic.
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() || fraction.contains('.') || fraction.len() > 18
        {
            return Err(invalid());
        }
        let digits = |s: &str| -> Result<u128, DurationError> {
            if s.is_empty() {
                Ok(0)
            } else {
                s.parse::<u128>().map_err(|_| invalid())
            }
        };
        let scale = 10u128.pow(u32::try_from(fraction.len()).map_err(|_| invalid())?);
        let fraction_nanos = digits(fraction)? * nanos_per_unit / scale;
        let nanos = digits(whole)?
            .checked_mul(nanos_per_unit)
            .and_then(|n| n.checked_add(fraction_nanos))
            .ok_or_else(invalid)?;
        let secs = u64::try_from(nanos / 1_000_000_000).map_err(|_| invalid())?;
        let subsec = u32::try_from(nanos % 1_000_000_000).map_err(|_| invalid())?;
        Ok(HumanDuration(Duration::new(secs, subsec)))
    }
}

impl fmt::Display for HumanDuration {
    /// The shortest exact form among `h`, `m`, `s` and `ms` (`1.5s`, `90m`, `250ms`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (secs, nanos) = (self.0.as_secs(), self.0.subsec_nanos());
        if nanos == 0 && secs > 0 && secs.is_multiple_of(3600) {
            write!(f, "{}h", secs / 3600)
        } else if nanos == 0 && secs > 0 && secs.is_multiple_of(60) {
            write!(f, "{}m", secs / 60)
        } else if nanos == 0 {
            write!(f, "{secs}s")
        } else if secs == 0 && nanos.is_multiple_of(1_000_000) {
            write!(f, "{}ms", nanos / 1_000_000)
        } else {
            let fraction = format!("{nanos:09}");
            write!(f, "{secs}.{}s", fraction.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_infinities_and_signs_are_rejected() {
        for bad in [
            "1e3", "inf", "NaN", "+1s", "-0", "1..2s", ".", "1 .5s", "1d",
        ] {
            assert!(bad.parse::<HumanDuration>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_space_before_the_unit_is_allowed() {
        assert_eq!(
            "2 m".parse::<HumanDuration>().map(HumanDuration::get),
            Ok(Duration::from_secs(120))
        );
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = s.parse::<HumanDuration>();
        }

        #[test]
        fn display_parses_back_to_the_same_duration(millis in 0u64..10_000_000_000) {
            let d = HumanDuration(Duration::from_millis(millis));
            proptest::prop_assert_eq!(d.to_string().parse::<HumanDuration>(), Ok(d));
        }
    }
}
