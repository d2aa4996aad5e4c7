//! Daily KPIs from `daily_series` (see `warehouse::daily_series`, where the account-over-entity,
//! currency, snapshot and Streams rules are applied). A range's sum is the running total at its
//! last day minus the one before its first day, so every period costs a few index lookups.

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use sqlx::{QueryBuilder, Sqlite};

use crate::{
    Database,
    time::{date_from_int, date_int},
    warehouse::daily_series::{ALL_ARTISTS, STREAMS},
};

/// A series of `daily_series` (part '': all platforms / entities together).
pub type SeriesId = (&'static str, &'static str);

/// The running totals of a series on a day (the last row on or before it).
#[derive(Clone, Debug, Default, PartialEq)]
struct Totals {
    value: Option<i64>,
    days: i64,
    value_cum: i64,
    amount_cum: Option<Decimal>,
    missing_cum: i64,
}

/// Running totals of some series at some days, for one artist or all.
#[derive(Clone, Debug, Default)]
pub struct Cumulative {
    at: HashMap<(SeriesId, NaiveDate), Totals>,
    artist: Option<i64>,
}

/// A money sum that could not be converted: the currencies are looked up when needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MissingRate;

impl Cumulative {
    /// Loads the totals of `series` at every day of `days` in one statement. `platform` limits
    /// the Streams rule's series to one streaming platform.
    pub async fn load(
        db: &Database,
        series: &[SeriesId],
        days: &BTreeSet<NaiveDate>,
        artist: Option<i64>,
        platform: Option<&str>,
    ) -> Result<Self, sqlx::Error> {
        let mut out = Cumulative { at: HashMap::new(), artist };
        if series.is_empty() || days.is_empty() {
            return Ok(out);
        }
        let mut qb = QueryBuilder::<Sqlite>::new("WITH s(source, metric, part) AS (");
        qb.push_values(series, |mut b, (source, metric)| {
            let part = if *source == STREAMS { platform.unwrap_or_default() } else { "" };
            b.push_bind(*source).push_bind(*metric).push_bind(part.to_string());
        });
        qb.push("), b(d) AS (");
        qb.push_values(days, |mut b, day| {
            b.push_bind(date_int(*day));
        });
        // The latest day on or before each edge is found first (an index seek per series and
        // edge), then its row is read by its key.
        let artist_id = artist.unwrap_or(ALL_ARTISTS);
        qb.push(
            "), latest AS (SELECT s.source, s.metric, s.part, b.d, (SELECT MAX(x.day) FROM daily_series x \
             WHERE x.source = s.source AND x.metric = s.metric AND x.part = s.part AND x.artist_id = ",
        );
        qb.push_bind(artist_id);
        qb.push(
            " AND x.day <= b.d) AS day FROM s CROSS JOIN b) \
             SELECT l.source, l.metric, l.d, r.value, r.days_cum, r.value_cum, r.amount_cum, r.missing_cum \
             FROM latest l JOIN daily_series r ON r.source = l.source AND r.metric = l.metric AND r.part = l.part \
               AND r.artist_id = ",
        );
        qb.push_bind(artist_id);
        qb.push(" AND r.day = l.day");
        type Row = (String, String, i64, Option<i64>, i64, i64, Option<String>, i64);
        let rows: Vec<Row> = qb.build_query_as().fetch_all(db.pool()).await?;
        for (source, metric, day, value, days_cum, value_cum, amount_cum, missing_cum) in rows {
            let Some(id) = series.iter().find(|(s, m)| *s == source && *m == metric) else { continue };
            let Some(day) = date_from_int(day) else { continue };
            let amount_cum = amount_cum
                .map(|a| Decimal::from_str_exact(&a))
                .transpose()
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            out.at.insert((*id, day), Totals { value, days: days_cum, value_cum, amount_cum, missing_cum });
        }
        Ok(out)
    }

    fn totals(&self, series: SeriesId, day: NaiveDate) -> Totals {
        self.at.get(&(series, day)).cloned().unwrap_or_default()
    }

    /// Running totals at `to` and just before `from` (both must have been loaded).
    fn range(&self, series: SeriesId, from: NaiveDate, to: NaiveDate) -> Option<(Totals, Totals)> {
        let (end, start) = (self.totals(series, to), self.totals(series, from - Duration::days(1)));
        (end.days > start.days).then_some((end, start))
    }

    /// Σ of a count over `from..=to`; `None` without a day of data.
    pub fn count(&self, series: SeriesId, from: NaiveDate, to: NaiveDate) -> Option<i64> {
        self.range(series, from, to).map(|(end, start)| end.value_cum - start.value_cum)
    }

    /// Σ of a decimal (hours, USD) over `from..=to`; `Err` when an amount had no exchange rate.
    pub fn amount(
        &self,
        series: SeriesId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Option<Decimal>, MissingRate> {
        let Some((end, start)) = self.range(series, from, to) else { return Ok(None) };
        if end.missing_cum > start.missing_cum {
            return Err(MissingRate);
        }
        Ok(Some(end.amount_cum.unwrap_or_default() - start.amount_cum.unwrap_or_default()))
    }

    /// A snapshot's last known value on or before `on` (all artists: the sum of each one's).
    pub fn last_known(&self, series: SeriesId, on: NaiveDate) -> Option<i64> {
        let totals = self.totals(series, on);
        (totals.days > 0).then_some(totals.value).flatten()
    }

    /// The currencies without a rate among the series' amounts of `from..=to`.
    pub async fn missing_currencies(
        &self,
        db: &Database,
        (source, metric): SeriesId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<String>, sqlx::Error> {
        let lists: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT missing FROM daily_series WHERE source = ? AND metric = ? AND part = '' \
             AND artist_id = ? AND day BETWEEN ? AND ? AND missing IS NOT NULL",
        )
        .bind(source)
        .bind(metric)
        .bind(self.artist.unwrap_or(ALL_ARTISTS))
        .bind(date_int(from))
        .bind(date_int(to))
        .fetch_all(db.pool())
        .await?;
        let names: BTreeSet<String> = lists.iter().flat_map(|l| l.split(',').map(str::to_string)).collect();
        Ok(names.into_iter().collect())
    }
}

/// A snapshot series' first day with a value in `days`, and that value (all artists: the sum of
/// each one's last known value, as stored).
pub async fn first_known(
    db: &Database,
    (source, metric): SeriesId,
    days: crate::kpi::Period,
    artist: Option<i64>,
) -> Result<Option<(NaiveDate, i64)>, sqlx::Error> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT day, value FROM daily_series WHERE source = ? AND metric = ? AND part = '' \
         AND artist_id = ? AND day BETWEEN ? AND ? AND value IS NOT NULL ORDER BY day LIMIT 1",
    )
    .bind(source)
    .bind(metric)
    .bind(artist.unwrap_or(ALL_ARTISTS))
    .bind(date_int(days.from))
    .bind(date_int(days.to))
    .fetch_optional(db.pool())
    .await?;
    Ok(row.and_then(|(day, value)| Some((date_from_int(day)?, value))))
}

/// One day of a series.
#[derive(Clone, Debug, PartialEq)]
pub struct DayFigure {
    /// The platform (streams), or ''.
    pub part: String,
    pub day: NaiveDate,
    pub value: Option<i64>,
    /// Hours, or money in USD.
    pub amount: Option<Decimal>,
    /// Some money of the day had no exchange rate (the amount leaves it out).
    pub missing_rate: bool,
}

/// One series day by day over `from..=to`; `part` `None`: every platform apart (streams).
pub async fn days(
    db: &Database,
    (source, metric): (&str, &str),
    part: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
    artist: Option<i64>,
) -> Result<Vec<DayFigure>, sqlx::Error> {
    type Row = (String, i64, Option<i64>, Option<String>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT part, day, value, amount, missing FROM daily_series WHERE source = ?1 AND metric = ?2 \
         AND (?3 IS NULL AND part <> '' OR part = ?3) AND artist_id = ?4 AND day BETWEEN ?5 AND ?6 ORDER BY day, part",
    )
    .bind(source)
    .bind(metric)
    .bind(part)
    .bind(artist.unwrap_or(ALL_ARTISTS))
    .bind(date_int(from))
    .bind(date_int(to))
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (part, day, value, amount, missing) in rows {
        let Some(day) = date_from_int(day) else { continue };
        let amount = amount
            .map(|a| Decimal::from_str_exact(&a))
            .transpose()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        out.push(DayFigure { part, day, value, amount, missing_rate: missing.is_some() });
    }
    Ok(out)
}
