//! Five-field cron expressions (minute hour day-of-month month day-of-week), in UTC.
//!
//! Written here rather than taken from a crate so that a mistake in an admin's expression gets an
//! error naming the field and the allowed range, and so the next-run search stays bounded.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    #[error("a schedule has 5 fields (minute hour day-of-month month day-of-week), this has {0}")]
    FieldCount(usize),
    #[error("{field} {value:?} is not valid: {reason}")]
    Field { field: &'static str, value: String, reason: String },
    #[error("the schedule never runs (no such day, e.g. 30 February)")]
    Never,
}

#[derive(Clone, Copy)]
struct FieldSpec {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTE: FieldSpec = FieldSpec { name: "minute", min: 0, max: 59, names: &[] };
const HOUR: FieldSpec = FieldSpec { name: "hour", min: 0, max: 23, names: &[] };
const DAY: FieldSpec = FieldSpec { name: "day-of-month", min: 1, max: 31, names: &[] };
const MONTH: FieldSpec = FieldSpec {
    name: "month",
    min: 1,
    max: 12,
    names: &["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
};
// 7 is accepted for Sunday too, as in most crons.
const WEEKDAY: FieldSpec = FieldSpec {
    name: "day-of-week",
    min: 0,
    max: 7,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

/// A parsed schedule. Its text form is kept as the admin wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    text: String,
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    /// Both day fields restricted: cron runs when either matches.
    day_or_weekday: bool,
}

impl FromStr for Cron {
    type Err = CronError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [minute, hour, day, month, weekday] = fields[..] else {
            return Err(CronError::FieldCount(fields.len()));
        };
        let weekdays = parse_field(weekday, WEEKDAY)?;
        // Sunday written as 7 is Sunday.
        let weekdays = (weekdays | (weekdays >> 7)) & 0x7f;
        let cron = Cron {
            text: fields.join(" "),
            minutes: parse_field(minute, MINUTE)?,
            hours: u32::try_from(parse_field(hour, HOUR)?).map_err(|_| CronError::Never)?,
            days: u32::try_from(parse_field(day, DAY)?).map_err(|_| CronError::Never)?,
            months: u16::try_from(parse_field(month, MONTH)?).map_err(|_| CronError::Never)?,
            weekdays: u8::try_from(weekdays).map_err(|_| CronError::Never)?,
            day_or_weekday: !day.starts_with('*') && !weekday.starts_with('*'),
        };
        if cron.next_after(DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default()).is_none() {
            return Err(CronError::Never);
        }
        Ok(cron)
    }
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One field as a bit set of its allowed values.
fn parse_field(text: &str, spec: FieldSpec) -> Result<u64, CronError> {
    let bad = |reason: String| CronError::Field { field: spec.name, value: text.to_string(), reason };
    let mut set = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().map_err(|_| bad(format!("step {s:?} is not a number")))?;
                if step == 0 {
                    return Err(bad("a step cannot be 0".into()));
                }
                (r, step)
            }
            None => (part, 1),
        };
        let (from, to) = if range == "*" {
            (spec.min, spec.max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, spec).map_err(&bad)?, value(b, spec).map_err(&bad)?)
        } else {
            let v = value(range, spec).map_err(&bad)?;
            // `5/15` means from 5 to the end in steps of 15.
            (v, if step > 1 { spec.max } else { v })
        };
        if from > to {
            return Err(bad(format!("range {from}-{to} goes backwards")));
        }
        for v in (from..=to).step_by(step as usize) {
            set |= 1 << v;
        }
    }
    Ok(set)
}

fn value(text: &str, spec: FieldSpec) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = spec.names.iter().position(|n| *n == lower) {
        let i = u32::try_from(i).unwrap_or(0);
        return Ok(if spec.min == 1 { i + 1 } else { i });
    }
    let v: u32 = text.parse().map_err(|_| format!("{text:?} is not a number"))?;
    if v < spec.min || v > spec.max {
        return Err(format!("{v} is outside {}-{}", spec.min, spec.max));
    }
    Ok(v)
}

impl Cron {
    /// The first minute strictly after `after` that the schedule matches, within five years.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = after.naive_utc().with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        let mut day = start.date();
        let last_day = day + Duration::days(5 * 366);
        let mut first = true;
        while day <= last_day {
            if self.day_matches(day) {
                let from = if first { start.time() } else { NaiveTime::MIN };
                if let Some(time) = self.first_time_from(from) {
                    return Some(NaiveDateTime::new(day, time).and_utc());
                }
            }
            first = false;
            day = day.succ_opt()?;
        }
        None
    }

    fn day_matches(&self, day: NaiveDate) -> bool {
        if self.months & (1 << day.month()) == 0 {
            return false;
        }
        let by_day = self.days & (1 << day.day()) != 0;
        let by_weekday = self.weekdays & (1 << day.weekday().num_days_from_sunday()) != 0;
        if self.day_or_weekday { by_day || by_weekday } else { by_day && by_weekday }
    }

    fn first_time_from(&self, from: NaiveTime) -> Option<NaiveTime> {
        for hour in from.hour()..24 {
            if self.hours & (1 << hour) == 0 {
                continue;
            }
            let first_minute = if hour == from.hour() { from.minute() } else { 0 };
            for minute in first_minute..60 {
                if self.minutes & (1 << minute) != 0 {
                    return NaiveTime::from_hms_opt(hour, minute, 0);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("time").and_utc()
    }

    fn next(cron: &str, after: &str) -> String {
        let c: Cron = cron.parse().expect("cron");
        c.next_after(at(after)).expect("next").format("%Y-%m-%d %H:%M").to_string()
    }

    #[test]
    fn common_schedules() {
        assert_eq!(next("0 6 * * *", "2026-11-26 05:59:30"), "2026-11-26 06:00");
        assert_eq!(next("0 6 * * *", "2026-11-26 06:00:00"), "2026-11-27 06:00");
        assert_eq!(next("*/15 * * * *", "2026-11-26 10:07:00"), "2026-11-26 10:15");
        assert_eq!(next("30 2 1 * *", "2026-12-15 00:00:00"), "2027-01-01 02:30");
        assert_eq!(next("0 9 * * mon-fri", "2026-11-27 10:00:00"), "2026-11-30 09:00"); // Fri → Mon
        assert_eq!(next("0 0 * * 7", "2026-11-26 00:00:00"), "2026-11-29 00:00"); // Sunday as 7
        assert_eq!(next("0 12 29 feb *", "2026-03-01 00:00:00"), "2028-02-29 12:00");
        assert_eq!(next("5,35 */6 * * *", "2026-11-26 06:06:00"), "2026-11-26 06:35");
    }

    #[test]
    fn both_day_fields_mean_either() {
        // The 1st of the month or any Monday.
        assert_eq!(next("0 0 1 * mon", "2026-11-26 00:00:00"), "2026-11-30 00:00");
        assert_eq!(next("0 0 1 * mon", "2026-11-30 00:00:00"), "2026-12-01 00:00");
    }

    #[test]
    fn mistakes_name_the_field() {
        let err = "0 25 * * *".parse::<Cron>().expect_err("hour 25");
        assert_eq!(err.to_string(), "hour \"25\" is not valid: 25 is outside 0-23");
        let err = "* * *".parse::<Cron>().expect_err("3 fields");
        assert!(matches!(err, CronError::FieldCount(3)));
        let err = "*/0 * * * *".parse::<Cron>().expect_err("step 0");
        assert!(err.to_string().contains("step cannot be 0"), "{err}");
        let err = "0 0 * * funday".parse::<Cron>().expect_err("bad name");
        assert!(err.to_string().starts_with("day-of-week"), "{err}");
        assert_eq!("0 0 30 2 *".parse::<Cron>().expect_err("never"), CronError::Never);
        assert!("10-5 * * * *".parse::<Cron>().is_err());
    }

    #[test]
    fn text_is_normalised_whitespace() {
        let c: Cron = "  0   6 * * * ".parse().expect("cron");
        assert_eq!(c.to_string(), "0 6 * * *");
    }
}
