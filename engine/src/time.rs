//! Calendar types the warehouse uses.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Datelike, NaiveDate};
/// An IANA time zone (`Europe/Berlin`, `UTC`): the server's `time_zone`, in which schedules run
/// and the Admin page gives times.
pub use chrono_tz::Tz;

/// Parses an IANA time-zone name (`Europe/Berlin`, `America/New_York`, `UTC`), with a reason
/// when it is not one.
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    name.trim().parse::<Tz>().map_err(|_| {
        "not an IANA time-zone name; expected one such as Europe/Berlin, America/New_York or UTC \
         (the TZ identifiers of the tz database, case as written there)"
            .to_string()
    })
}

/// An RFC 3339 time as stored (UTC) given in `zone`'s offset: the same instant, in the zone's
/// wall-clock time (`2026-11-26T10:40:37Z` in Europe/Berlin is `2026-11-26T11:40:37+01:00`). Text
/// that is not RFC 3339 is returned as it is.
pub fn in_zone(rfc3339: &str, zone: Tz) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(&zone).to_rfc3339(),
        Err(_) => rfc3339.to_string(),
    }
}

/// A calendar month, e.g. a statement's sale month. chrono has dates but no month type; this one
/// orders, steps and stores as `YYYYMM` like the statements do, and cannot hold an invalid month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u32,
}

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1..=12).contains(&month) && (1..=9999).contains(&year)).then_some(Self { year, month })
    }

    pub fn of(date: NaiveDate) -> Self {
        Self { year: date.year(), month: date.month() }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// `YYYYMM`, as stored.
    pub fn as_int(self) -> i64 {
        i64::from(self.year) * 100 + i64::from(self.month)
    }

    pub fn from_int(v: i64) -> Option<Self> {
        Self::new(i32::try_from(v / 100).ok()?, u32::try_from(v % 100).ok()?)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for YearMonth {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (y, m) = s.split_once('-').ok_or(())?;
        if y.len() != 4 || m.len() != 2 {
            return Err(());
        }
        Self::new(y.parse().map_err(|_| ())?, m.parse().map_err(|_| ())?).ok_or(())
    }
}

/// Today's date: the real one, or the one `SOUNDCHECK_TODAY` fixes (tests and demos).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    fixed: Option<NaiveDate>,
}

impl Clock {
    pub fn new(fixed: Option<NaiveDate>) -> Self {
        Self { fixed }
    }

    pub fn today(&self) -> NaiveDate {
        self.fixed.unwrap_or_else(|| chrono::Utc::now().date_naive())
    }
}

/// `YYYYMMDD`, as stored.
pub fn date_int(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

pub fn date_from_int(v: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        i32::try_from(v / 10_000).ok()?,
        u32::try_from(v / 100 % 100).ok()?,
        u32::try_from(v % 100).ok()?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_round_trip() {
        let m: YearMonth = "2025-01".parse().expect("month");
        assert_eq!(m.as_int(), 202501);
        assert_eq!(YearMonth::from_int(202501), Some(m));
        assert_eq!(m.to_string(), "2025-01");
        assert_eq!(m.first_day(), NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"));
        assert!("2025-1".parse::<YearMonth>().is_err());
    }

    #[test]
    fn zones_are_iana_names_and_times_keep_their_instant() {
        assert_eq!(parse_zone("Europe/Berlin"), Ok(Tz::Europe__Berlin));
        assert_eq!(parse_zone(" UTC "), Ok(Tz::UTC));
        assert!(parse_zone("Mars/Olympus").is_err());
        assert!(parse_zone("CEST+1").is_err());
        assert_eq!(
            in_zone("2026-11-26T10:40:37.5+00:00", Tz::Europe__Berlin),
            "2026-11-26T11:40:37.500+01:00"
        );
        assert_eq!(in_zone("2026-07-01T10:00:00Z", Tz::Europe__Berlin), "2026-07-01T12:00:00+02:00");
        assert_eq!(in_zone("not a time", Tz::Europe__Berlin), "not a time");
    }

    #[test]
    fn dates_round_trip() {
        let d = NaiveDate::from_ymd_opt(2024, 10, 24).expect("date");
        assert_eq!(date_int(d), 20241024);
        assert_eq!(date_from_int(20241024), Some(d));
        assert_eq!(date_from_int(20241324), None);
    }
}
