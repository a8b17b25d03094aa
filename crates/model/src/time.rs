//! Points in time as the API writes them (RFC 3339), without ever reading a clock.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// A point in time, UTC, with nanosecond precision.
///
/// The domain never reads a clock: callers pass `now` in. `Display` writes RFC 3339 with a `Z` and
/// 0, 3, 6 or 9 fraction digits, as Google does; `FromStr` accepts any RFC 3339 offset.
///
/// ```
/// use retune_model::Timestamp;
/// let t: Timestamp = "2025-07-11T09:30:00+09:00".parse().unwrap();
/// assert_eq!(t.to_string(), "2025-07-11T00:30:00Z");
/// let t: Timestamp = "2025-08-01T00:00:00.123456789Z".parse().unwrap();
/// assert_eq!(t.to_string(), "2025-08-01T00:00:00.123456789Z");
/// assert!("2025-08-01 00:00:00".parse::<Timestamp>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    unix_nanos: i128,
}

/// A string that is not an RFC 3339 timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid timestamp {input:?}: expected RFC 3339, such as 2025-07-11T00:00:00Z")]
pub struct TimestampError {
    input: String,
}

impl Timestamp {
    /// The Unix epoch.
    pub const UNIX_EPOCH: Timestamp = Timestamp { unix_nanos: 0 };

    /// A timestamp from whole seconds since the Unix epoch.
    pub const fn from_unix_seconds(seconds: i64) -> Timestamp {
        Timestamp {
            unix_nanos: seconds as i128 * 1_000_000_000,
        }
    }

    /// A timestamp from nanoseconds since the Unix epoch.
    pub const fn from_unix_nanos(nanos: i128) -> Timestamp {
        Timestamp { unix_nanos: nanos }
    }

    /// Midnight UTC of a calendar date; `None` if the date does not exist.
    pub fn from_date(year: i32, month: u8, day: u8) -> Option<Timestamp> {
        let month = time::Month::try_from(month).ok()?;
        let date = time::Date::from_calendar_date(year, month, day).ok()?;
        Some(Timestamp::from_unix_nanos(
            date.midnight().assume_utc().unix_timestamp_nanos(),
        ))
    }

    /// Nanoseconds since the Unix epoch.
    pub const fn unix_nanos(self) -> i128 {
        self.unix_nanos
    }

    /// Whole seconds since the Unix epoch (rounded down).
    pub const fn unix_seconds(self) -> i64 {
        self.unix_nanos.div_euclid(1_000_000_000) as i64
    }

    /// This timestamp moved forward by `d` (saturating).
    pub fn saturating_add(self, d: Duration) -> Timestamp {
        Timestamp {
            unix_nanos: self.unix_nanos.saturating_add(d.as_nanos() as i128),
        }
    }

    /// How long after `earlier` this is; zero if it is not after it.
    pub fn duration_since(self, earlier: Timestamp) -> Duration {
        let nanos = self.unix_nanos.saturating_sub(earlier.unix_nanos).max(0);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// `YYYYMMDDhhmmss` followed by the six-digit microsecond, as in experiment context ids.
    pub fn compact_digits(self) -> String {
        let dt = self.to_datetime();
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}{:06}",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            dt.microsecond()
        )
    }

    fn to_datetime(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(self.unix_nanos)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dt = self.to_datetime();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )?;
        let nanos = dt.nanosecond();
        if nanos == 0 {
        } else if nanos.is_multiple_of(1_000_000) {
            write!(f, ".{:03}", nanos / 1_000_000)?;
        } else if nanos.is_multiple_of(1_000) {
            write!(f, ".{:06}", nanos / 1_000)?;
        } else {
            write!(f, ".{nanos:09}")?;
        }
        f.write_str("Z")
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TimestampError {
            input: s.to_owned(),
        };
        let dt = OffsetDateTime::parse(s, &Rfc3339).map_err(|_| err())?;
        let dt = dt.to_offset(UtcOffset::UTC);
        Ok(Timestamp {
            unix_nanos: dt.unix_timestamp_nanos(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fraction_digits_are_zero_three_six_or_nine() {
        let base = Timestamp::from_unix_seconds(1_754_006_400);
        assert_eq!(base.to_string(), "2025-08-01T00:00:00Z");
        assert_eq!(
            Timestamp::from_unix_nanos(base.unix_nanos() + 120_000_000).to_string(),
            "2025-08-01T00:00:00.120Z"
        );
        assert_eq!(
            Timestamp::from_unix_nanos(base.unix_nanos() + 123_456_000).to_string(),
            "2025-08-01T00:00:00.123456Z"
        );
        assert_eq!(
            Timestamp::from_unix_nanos(base.unix_nanos() + 1).to_string(),
            "2025-08-01T00:00:00.000000001Z"
        );
    }

    #[test]
    fn timestamp_without_offset_is_rejected() {
        assert!("2025-08-01T00:00:00".parse::<Timestamp>().is_err());
        assert!("".parse::<Timestamp>().is_err());
    }

    #[test]
    fn from_date_is_midnight_utc() {
        let t = Timestamp::from_date(2025, 7, 11).unwrap();
        assert_eq!(t.to_string(), "2025-07-11T00:00:00Z");
        assert_eq!(Timestamp::from_date(2025, 2, 30), None);
    }

    proptest! {
        #[test]
        fn display_round_trips(nanos in 0i128..4_000_000_000_000_000_000i128) {
            let t = Timestamp::from_unix_nanos(nanos);
            prop_assert_eq!(t.to_string().parse::<Timestamp>(), Ok(t));
        }

        #[test]
        fn parsing_arbitrary_strings_never_panics(s in ".*") {
            let _ = s.parse::<Timestamp>();
        }
    }
}
