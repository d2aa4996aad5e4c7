//! Coverage: each source's first and last data date over all artists, and *reported through*,
//! the last sale month with statement lines. A change against a previous period that starts
//! before the data is no comparison, and a month not reported yet is not a month without sales:
//! the report uses both to say so.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use model::{Coverage, SourceId};

use crate::{
    Database,
    time::{YearMonth, date_from_int},
};

/// The data a source holds: days of daily facts (analytics, ads, e-mail) and sale months of
/// statement lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SourceCoverage {
    pub days: Option<(NaiveDate, NaiveDate)>,
    pub months: Option<(YearMonth, YearMonth)>,
}

/// The sources whose files are royalty statements (lines by sale month).
const STATEMENT_SOURCES: [SourceId; 2] = [SourceId::Distrokid, SourceId::Toolost];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverages {
    by_source: BTreeMap<SourceId, SourceCoverage>,
}

impl Coverages {
    /// Every source's coverage: a few index lookups each (first and last rows by key).
    pub async fn load(db: &Database) -> Result<Self, sqlx::Error> {
        let mut by_source = BTreeMap::new();
        for source in SourceId::ALL {
            let s = source.as_str();
            // One MIN or MAX per SELECT: SQLite then reads it off the (source, day) index; both
            // in one SELECT would read every row of the source.
            let (first_day, last_day): (Option<i64>, Option<i64>) = sqlx::query_as(
                "SELECT MIN(first), MAX(last) FROM ( \
                   SELECT (SELECT MIN(day) FROM daily_facts WHERE source = ?1) AS first, \
                          (SELECT MAX(day) FROM daily_facts WHERE source = ?1) AS last \
                   UNION ALL SELECT MIN(first_day), MAX(last_day) FROM window_facts WHERE source = ?1 \
                   UNION ALL SELECT MIN(send_day), MAX(send_day) FROM email_campaigns WHERE source = ?1)",
            )
            .bind(s)
            .fetch_one(db.pool())
            .await?;
            // Only statement sources have sale months. The rollup's key starts with the month:
            // read in key order, the first match is the earliest month (a MIN with this filter
            // would read the whole table, and so would a search for a source without lines).
            let (mut first_month, mut last_month): (Option<i64>, Option<i64>) = (None, None);
            if STATEMENT_SOURCES.contains(&source) {
                first_month = sqlx::query_scalar(
                    "SELECT sale_month FROM revenue_by_store WHERE source = ? ORDER BY sale_month LIMIT 1",
                )
                .bind(s)
                .fetch_optional(db.pool())
                .await?;
                last_month = sqlx::query_scalar(
                    "SELECT sale_month FROM revenue_by_store WHERE source = ? ORDER BY sale_month DESC LIMIT 1",
                )
                .bind(s)
                .fetch_optional(db.pool())
                .await?;
            }
            let days = first_day.and_then(date_from_int).zip(last_day.and_then(date_from_int));
            let months =
                first_month.and_then(YearMonth::from_int).zip(last_month.and_then(YearMonth::from_int));
            by_source.insert(source, SourceCoverage { days, months });
        }
        Ok(Self { by_source })
    }

    pub fn of(&self, source: SourceId) -> SourceCoverage {
        self.by_source.get(&source).copied().unwrap_or_default()
    }

    /// The first and last sale month with statement lines, DistroKid and TooLost together.
    pub fn statements(&self) -> Option<(YearMonth, YearMonth)> {
        let months = SourceId::ALL.into_iter().filter_map(|s| self.of(s).months);
        months.reduce(|(a0, a1), (b0, b1)| (a0.min(b0), a1.max(b1)))
    }

    /// The last sale month with statement lines.
    pub fn reported_through(&self) -> Option<YearMonth> {
        self.statements().map(|(_, last)| last)
    }

    /// The first day of streams data: Spotify for Artists and TooLost's analytics together.
    pub fn streams_from(&self) -> Option<NaiveDate> {
        [SourceId::Spotify, SourceId::Toolost].into_iter().filter_map(|s| self.of(s).days.map(|d| d.0)).min()
    }

    /// The first day of data of any of `sources`: statement sources from their first sale
    /// month (`monthly`), the others from their first day.
    pub fn data_from(&self, sources: &[SourceId], monthly: bool) -> Option<NaiveDate> {
        sources
            .iter()
            .filter_map(|s| {
                let c = self.of(*s);
                match c.months {
                    Some((first, _)) if monthly => Some(first.first_day()),
                    _ => c.days.map(|d| d.0),
                }
            })
            .min()
    }

    /// As the report gives it: statement sources by sale month (`YYYY-MM`), the others by day.
    /// TooLost has both; its statements count (its analytics feed only the streams rule).
    pub fn to_model(&self) -> BTreeMap<SourceId, Option<Coverage>> {
        SourceId::ALL
            .into_iter()
            .map(|source| {
                let c = self.of(source);
                let coverage = match (c.months, c.days) {
                    (Some((from, to)), _) => Some(Coverage { from: from.to_string(), to: to.to_string() }),
                    (None, Some((from, to))) => Some(Coverage { from: from.to_string(), to: to.to_string() }),
                    (None, None) => None,
                };
                (source, coverage)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(s: &str) -> YearMonth {
        s.parse().expect("month")
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn statements_and_streams_join_their_sources() {
        let mut by_source = BTreeMap::new();
        by_source.insert(
            SourceId::Distrokid,
            SourceCoverage { days: None, months: Some((ym("2025-10"), ym("2026-08"))) },
        );
        by_source.insert(
            SourceId::Toolost,
            SourceCoverage {
                days: Some((day("2025-11-02"), day("2026-12-06"))),
                months: Some((ym("2025-11"), ym("2026-09"))),
            },
        );
        by_source.insert(
            SourceId::Spotify,
            SourceCoverage { days: Some((day("2025-12-10"), day("2026-12-05"))), months: None },
        );
        let c = Coverages { by_source };
        assert_eq!(c.statements(), Some((ym("2025-10"), ym("2026-09"))));
        assert_eq!(c.reported_through(), Some(ym("2026-09")));
        assert_eq!(c.streams_from(), Some(day("2025-11-02")));
        let model = c.to_model();
        assert_eq!(
            model[&SourceId::Toolost],
            Some(Coverage { from: "2025-11".into(), to: "2026-09".into() })
        );
        assert_eq!(
            model[&SourceId::Spotify],
            Some(Coverage { from: "2025-12-10".into(), to: "2026-12-05".into() })
        );
        assert_eq!(model[&SourceId::MetaAds], None);
        assert_eq!(model.len(), SourceId::ALL.len());
    }

    #[test]
    fn no_statements_nothing_reported() {
        let c = Coverages::default();
        assert_eq!(c.reported_through(), None);
        assert_eq!(c.streams_from(), None);
    }
}
