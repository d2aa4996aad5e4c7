//! Five-field cron expressions (minute hour day-of-month month day-of-week), read as wall-clock
//! times of a time zone (the server's `time_zone`, UTC by default).
//!
//! Written here rather than taken from a crate so that a mistake in an admin's expression gets an
//! error naming the field and the allowed range, and so the next-run search stays bounded.
//!
//! Where daylight saving time moves the clock, a schedule behaves like the classic cron: one that
//! names its hours (a daily `30 2 * * *`) runs once a day, at the first instant after the gap when
//! its time is skipped (spring) and at the first of the two when its time comes twice (autumn); one
//! that runs every hour (`0 * * * *`) follows the real hours, with no extra run in the gap and a run
//! in each of the repeated hours.

use std::{fmt, str::FromStr};

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc,
};

use crate::time::Tz;

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
        if cron.next_after(DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default(), Tz::UTC).is_none() {
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

/// All 24 hours: a schedule that runs every hour follows the real hours across a clock change.
const EVERY_HOUR: u32 = (1 << 24) - 1;

/// The most a clock change moves the wall clock (2 hours at most in the tz database's history
/// since 1970; 3 to be safe).
const MAX_SHIFT: Duration = Duration::hours(3);

impl Cron {
    /// The first instant strictly after `after` at which the schedule's wall-clock time comes in
    /// `zone`, within five years (see the module's note on clock changes).
    pub fn next_after(&self, after: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
        // Wall-clock times are searched in their own order, which is the order of their instants
        // except around a clock change, when a wall-clock time may be up to MAX_SHIFT before or
        // after its instant's neighbours: the search starts that much earlier than `after`'s and
        // goes on that much past the best instant found.
        let local = after.with_timezone(&zone).naive_local().with_second(0)?.with_nanosecond(0)?;
        let mut from = local - MAX_SHIFT;
        let mut best: Option<(DateTime<Utc>, NaiveDateTime)> = None;
        loop {
            let Some(wall) = self.next_wall_time(from) else { return best.map(|(at, _)| at) };
            if best.is_some_and(|(_, best_wall)| wall > best_wall + MAX_SHIFT) {
                return best.map(|(at, _)| at);
            }
            for at in self.instants_of(wall, zone) {
                if at > after && best.is_none_or(|(b, _)| at < b) {
                    best = Some((at, at.with_timezone(&zone).naive_local()));
                }
            }
            from = wall + Duration::minutes(1);
        }
    }

    /// When wall-clock time `wall` comes in `zone`, for this schedule: once; twice or once when
    /// the clock goes back over it; once or never when the clock jumps over it (see the module's
    /// note).
    fn instants_of(&self, wall: NaiveDateTime, zone: Tz) -> Vec<DateTime<Utc>> {
        let every_hour = self.hours == EVERY_HOUR;
        match zone.from_local_datetime(&wall) {
            LocalResult::Single(at) => vec![at.to_utc()],
            LocalResult::Ambiguous(first, second) if every_hour => vec![first.to_utc(), second.to_utc()],
            LocalResult::Ambiguous(first, _) => vec![first.to_utc()],
            LocalResult::None if every_hour => Vec::new(),
            // As soon as the clock is past the gap.
            LocalResult::None => (1..=MAX_SHIFT.num_minutes())
                .find_map(|m| zone.from_local_datetime(&(wall + Duration::minutes(m))).earliest())
                .map(|at| at.to_utc())
                .into_iter()
                .collect(),
        }
    }

    /// The first wall-clock minute from `from` on that the schedule matches, within five years.
    fn next_wall_time(&self, from: NaiveDateTime) -> Option<NaiveDateTime> {
        let start = from;
        let mut day = start.date();
        let last_day = day + Duration::days(5 * 366);
        let mut first = true;
        while day <= last_day {
            if self.day_matches(day) {
                let from = if first { start.time() } else { NaiveTime::MIN };
                if let Some(time) = self.first_time_from(from) {
                    return Some(NaiveDateTime::new(day, time));
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
        c.next_after(at(after), Tz::UTC).expect("next").format("%Y-%m-%d %H:%M").to_string()
    }

    /// The next `count` slots after `after` (UTC), in UTC and in `zone`'s wall-clock time with
    /// its abbreviation, e.g. `2026-03-29 04:00Z = 06:00 CEST`.
    fn slots(cron: &str, zone: Tz, after: &str, count: usize) -> Vec<String> {
        let c: Cron = cron.parse().expect("cron");
        let mut t = at(after);
        (0..count)
            .map(|_| {
                t = c.next_after(t, zone).expect("next");
                format!("{}Z = {}", t.format("%Y-%m-%d %H:%M"), t.with_timezone(&zone).format("%H:%M %Z"))
            })
            .collect()
    }

    #[test]
    fn a_daily_time_is_the_zones_wall_clock_across_dst_changes() {
        // Europe/Berlin: summer time from 2026-03-29 02:00 CET to 2026-10-25 03:00 CEST.
        let berlin = Tz::Europe__Berlin;
        assert_eq!(
            slots("0 6 * * *", berlin, "2026-03-27 12:00:00", 3),
            [
                "2026-03-28 05:00Z = 06:00 CET",
                "2026-03-29 04:00Z = 06:00 CEST",
                "2026-03-30 04:00Z = 06:00 CEST"
            ]
        );
        assert_eq!(
            slots("0 6 * * *", berlin, "2026-10-23 12:00:00", 3),
            [
                "2026-10-24 04:00Z = 06:00 CEST",
                "2026-10-25 05:00Z = 06:00 CET",
                "2026-10-26 05:00Z = 06:00 CET"
            ]
        );
        // America/New_York: EST to EDT on 2026-03-08 at 02:00.
        assert_eq!(
            slots("0 6 * * mon-fri", Tz::America__New_York, "2026-03-06 00:00:00", 2),
            ["2026-03-06 11:00Z = 06:00 EST", "2026-03-09 10:00Z = 06:00 EDT"]
        );
        // The southern hemisphere goes the other way: Sydney leaves summer time on 2026-04-05.
        assert_eq!(
            slots("30 5 * * *", Tz::Australia__Sydney, "2026-04-03 12:00:00", 2),
            ["2026-04-03 18:30Z = 05:30 AEDT", "2026-04-04 19:30Z = 05:30 AEST"]
        );
    }

    #[test]
    fn a_time_the_clock_skips_runs_once_right_after_the_jump() {
        // 02:30 does not exist in Berlin on 2026-03-29: that day's run comes at 03:00 CEST.
        assert_eq!(
            slots("30 2 * * *", Tz::Europe__Berlin, "2026-03-27 12:00:00", 3),
            [
                "2026-03-28 01:30Z = 02:30 CET",
                "2026-03-29 01:00Z = 03:00 CEST",
                "2026-03-30 00:30Z = 02:30 CEST"
            ]
        );
        // Several skipped times of one hour make one run, not one each.
        assert_eq!(
            slots("*/20 2 * * *", Tz::Europe__Berlin, "2026-03-29 00:30:00", 2),
            ["2026-03-29 01:00Z = 03:00 CEST", "2026-03-30 00:00Z = 02:00 CEST"]
        );
    }

    #[test]
    fn a_time_the_clock_repeats_runs_once() {
        // 02:30 comes twice in Berlin on 2026-10-25 (CEST, then CET): it runs at the first.
        assert_eq!(
            slots("30 2 * * *", Tz::Europe__Berlin, "2026-10-24 12:00:00", 2),
            ["2026-10-25 00:30Z = 02:30 CEST", "2026-10-26 01:30Z = 02:30 CET"]
        );
        // Asked from within the repeated hour (a restart), it is not run again.
        assert_eq!(
            slots("30 2 * * *", Tz::Europe__Berlin, "2026-10-25 01:10:00", 1),
            ["2026-10-26 01:30Z = 02:30 CET"]
        );
    }

    #[test]
    fn an_hourly_schedule_follows_the_real_hours() {
        // Autumn: both 02:00s run, and nothing between them is lost.
        assert_eq!(
            slots("0 * * * *", Tz::Europe__Berlin, "2026-10-24 23:30:00", 4),
            [
                "2026-10-25 00:00Z = 02:00 CEST",
                "2026-10-25 01:00Z = 02:00 CET",
                "2026-10-25 02:00Z = 03:00 CET",
                "2026-10-25 03:00Z = 04:00 CET"
            ]
        );
        // From the first pass of the repeated hour, the next quarter is the real next one.
        assert_eq!(
            slots("*/15 * * * *", Tz::Europe__Berlin, "2026-10-25 00:40:00", 3),
            [
                "2026-10-25 00:45Z = 02:45 CEST",
                "2026-10-25 01:00Z = 02:00 CET",
                "2026-10-25 01:15Z = 02:15 CET"
            ]
        );
        // Spring: the skipped hour has no run and none is added.
        assert_eq!(
            slots("0 * * * *", Tz::Europe__Berlin, "2026-03-28 23:30:00", 3),
            [
                "2026-03-29 00:00Z = 01:00 CET",
                "2026-03-29 01:00Z = 03:00 CEST",
                "2026-03-29 02:00Z = 04:00 CEST"
            ]
        );
    }

    #[test]
    fn utc_is_the_default_and_unchanged() {
        assert_eq!(
            slots("0 6 * * *", Tz::UTC, "2026-03-28 12:00:00", 2),
            ["2026-03-29 06:00Z = 06:00 UTC", "2026-03-30 06:00Z = 06:00 UTC"]
        );
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
