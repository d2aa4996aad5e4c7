//! Periods and previous periods, by the contract's rules:
//! - a daily KPI's previous period is the same number of days just before `from`;
//! - a monthly KPI (statement lines) covers the months M whose first day lies in `from..=to`; its
//!   previous period is the |M| months just before the earliest of M. A period holding no first
//!   day of a month has no monthly data (those KPIs are null);
//! - the statement KPIs compare with as many months as M has reported (see
//!   [`Period::comparable_previous_months`]).

use chrono::{Datelike, Duration, Months, NaiveDate};

use crate::time::YearMonth;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("the period starts ({from}) after it ends ({to})")]
    Reversed { from: NaiveDate, to: NaiveDate },
}

/// `from..=to`, both days included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, PeriodError> {
        if from > to {
            return Err(PeriodError::Reversed { from, to });
        }
        Ok(Self { from, to })
    }

    /// Days in the period, both ends included.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The same number of days just before `from`.
    pub fn previous_daily(&self) -> Period {
        let to = self.from - Duration::days(1);
        Period { from: to - Duration::days(self.days() - 1), to }
    }

    /// The months whose first day lies in the period, oldest first.
    pub fn months(&self) -> Vec<YearMonth> {
        let mut months = Vec::new();
        let mut first = YearMonth::of(self.from).first_day();
        if first < self.from {
            first = first.checked_add_months(Months::new(1)).unwrap_or(NaiveDate::MAX);
        }
        while first <= self.to {
            months.push(YearMonth::of(first));
            match first.checked_add_months(Months::new(1)) {
                Some(next) => first = next,
                None => break,
            }
        }
        months
    }

    /// As many months as [`Period::months`], just before the earliest of them; empty when the
    /// period holds no first day of a month.
    pub fn previous_months(&self) -> Vec<YearMonth> {
        let months = self.months();
        months.first().map_or_else(Vec::new, |earliest| months_before(*earliest, months.len()))
    }

    /// The statement months to compare with: as many as the period has at or before
    /// `reported_through`, just before the earliest month of the period (a 12-month period of
    /// which 9 are reported compares with the 9 months before it).
    pub fn comparable_previous_months(&self, reported_through: Option<YearMonth>) -> Vec<YearMonth> {
        let months = self.months();
        let reported = months.iter().filter(|m| reported_through.is_some_and(|r| **m <= r)).count();
        months.first().map_or_else(Vec::new, |earliest| months_before(*earliest, reported))
    }
}

/// The `k` months just before `month`, oldest first.
pub fn months_before(month: YearMonth, k: usize) -> Vec<YearMonth> {
    if k == 0 {
        return Vec::new();
    }
    let k = u32::try_from(k).unwrap_or(u32::MAX);
    let Some(start) = month.first_day().checked_sub_months(Months::new(k)) else { return Vec::new() };
    Period { from: start, to: month.first_day() - Duration::days(1) }.months()
}

/// The days of `months` (consecutive, oldest first), from the first day of the first to the
/// last day of the last; `None` when there are none.
pub fn days_of_months(months: &[YearMonth]) -> Option<Period> {
    let (first, last) = (months.first()?, months.last()?);
    let after = last.first_day().checked_add_months(Months::new(1))?;
    Some(Period { from: first.first_day(), to: after - Duration::days(1) })
}

/// The dashboard's date-range presets, relative to today (included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    Days7,
    Days28,
    Days90,
    Months12,
    YearToDate,
}

impl Preset {
    pub fn parse(key: &str) -> Option<Self> {
        Some(match key {
            "7d" => Preset::Days7,
            "28d" => Preset::Days28,
            "90d" => Preset::Days90,
            "12m" => Preset::Months12,
            "ytd" => Preset::YearToDate,
            _ => return None,
        })
    }

    pub fn period(self, today: NaiveDate) -> Period {
        let days = |n: i64| Period { from: today - Duration::days(n - 1), to: today };
        match self {
            Preset::Days7 => days(7),
            Preset::Days28 => days(28),
            Preset::Days90 => days(90),
            // A year back, so the period holds twelve first days of a month.
            Preset::Months12 => Period {
                from: today.checked_sub_months(Months::new(12)).map_or(today, |d| d + Duration::days(1)),
                to: today,
            },
            Preset::YearToDate => {
                Period { from: NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today), to: today }
            }
        }
    }
}

/// The period a dashboard URL asks for: a preset, or `custom` with both dates.
pub fn resolve_range(
    range: &str,
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
) -> Result<Period, String> {
    if let Some(preset) = Preset::parse(range) {
        return Ok(preset.period(today));
    }
    if range != "custom" {
        return Err(format!("unknown date range {range:?}: use 7d, 28d, 90d, 12m, ytd or custom"));
    }
    let date = |name: &str, value: Option<&str>| {
        let value = value
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| format!("a custom range needs a {name} date"))?;
        NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
            .map_err(|_| format!("{name} date {value:?} is not a date (YYYY-MM-DD)"))
    };
    let (from, to) = (date("start", from)?, date("end", to)?);
    Period::new(from, to).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn p(from: &str, to: &str) -> Period {
        Period::new(d(from), d(to)).expect("period")
    }

    fn names(months: Vec<YearMonth>) -> Vec<String> {
        months.into_iter().map(|m| m.to_string()).collect()
    }

    #[test]
    fn the_contract_example() {
        let period = p("2025-01-15", "2025-03-20");
        assert_eq!(names(period.months()), ["2025-02", "2025-03"]);
        assert_eq!(names(period.previous_months()), ["2024-12", "2025-01"]);
    }

    #[test]
    fn a_twelve_month_period_with_nine_reported_months_compares_with_the_nine_before() {
        let period = p("2025-11-27", "2026-11-26");
        assert_eq!(names(period.months()), names(p("2025-12-01", "2026-11-30").months()));
        let reported = "2026-08".parse().ok();
        assert_eq!(
            names(period.comparable_previous_months(reported)),
            names(p("2025-03-01", "2025-11-30").months())
        );
        assert_eq!(period.comparable_previous_months(reported).len(), 9);
        // Nothing reported in the period, or no statements at all: nothing to compare with.
        assert!(period.comparable_previous_months("2025-11".parse().ok()).is_empty());
        assert!(period.comparable_previous_months(None).is_empty());
        // Everything reported: the rule of whole periods.
        assert_eq!(period.comparable_previous_months("2026-12".parse().ok()), period.previous_months());
    }

    #[test]
    fn the_days_of_whole_months() {
        let months = p("2025-12-01", "2026-02-01").months();
        assert_eq!(days_of_months(&months), Some(p("2025-12-01", "2026-02-28")));
        assert_eq!(days_of_months(&[]), None);
    }

    #[test]
    fn a_period_without_a_first_day_has_no_months() {
        let period = p("2025-01-02", "2025-01-31");
        assert!(period.months().is_empty());
        assert!(period.previous_months().is_empty());
    }

    #[test]
    fn whole_months_and_single_days() {
        assert_eq!(names(p("2025-01-01", "2025-12-31").months()).len(), 12);
        assert_eq!(
            names(p("2025-01-01", "2025-12-31").previous_months()),
            names(p("2024-01-01", "2024-12-31").months())
        );
        assert_eq!(names(p("2025-03-01", "2025-03-01").months()), ["2025-03"]);
        assert_eq!(names(p("2025-03-01", "2025-03-01").previous_months()), ["2025-02"]);
    }

    #[test]
    fn previous_daily_period_is_as_long_and_just_before() {
        let period = p("2025-03-01", "2025-03-31");
        assert_eq!(period.days(), 31);
        assert_eq!(period.previous_daily(), p("2025-01-29", "2025-02-28"));
        assert_eq!(p("2024-03-01", "2024-03-01").previous_daily(), p("2024-02-29", "2024-02-29"));
    }

    #[test]
    fn reversed_periods_are_refused() {
        assert!(Period::new(d("2025-02-01"), d("2025-01-31")).is_err());
    }

    #[test]
    fn presets_end_today() {
        let today = d("2026-11-26");
        let range = |key: &str| resolve_range(key, None, None, today).expect("range");
        assert_eq!(range("7d"), p("2026-11-20", "2026-11-26"));
        assert_eq!(range("28d").days(), 28);
        assert_eq!(range("90d").days(), 90);
        assert_eq!(range("12m"), p("2025-11-27", "2026-11-26"));
        assert_eq!(range("12m").months().len(), 12);
        assert_eq!(range("ytd"), p("2026-01-01", "2026-11-26"));
        assert_eq!(
            resolve_range("custom", Some("2025-01-15"), Some("2025-03-20"), today),
            Ok(p("2025-01-15", "2025-03-20"))
        );
        for (r, f, t) in [
            ("custom", Some("2025-13-01"), Some("2025-03-20")),
            ("custom", None, Some("2025-03-20")),
            ("custom", Some("2025-04-01"), Some("2025-03-20")),
            ("week", None, None),
        ] {
            assert!(resolve_range(r, f, t, today).is_err(), "{r} {f:?} {t:?}");
        }
    }
}
