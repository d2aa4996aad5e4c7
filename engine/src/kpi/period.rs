//! Periods and previous periods, by the contract's rules:
//! - a daily KPI's previous period is the same number of days just before `from`;
//! - a monthly KPI (statement lines) covers the months M whose first day lies in `from..=to`; its
//!   previous period is the |M| months just before the earliest of M. A period holding no first
//!   day of a month has no monthly data (those KPIs are null).

use chrono::{Duration, Months, NaiveDate};

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
        let Some(earliest) = months.first() else { return Vec::new() };
        let k = u32::try_from(months.len()).unwrap_or(u32::MAX);
        let Some(start) = earliest.first_day().checked_sub_months(Months::new(k)) else { return Vec::new() };
        Period { from: start, to: earliest.first_day() - Duration::days(1) }.months()
    }
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
}
