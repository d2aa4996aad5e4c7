//! Daily facts over a period: sums, last known values and the Streams rule.
//!
//! A source may report the same day both for the whole account (entity 0) and per entity (a
//! YouTube channel total and its videos): the account's row is taken and its entities' rows are
//! left out, so a day is never counted twice.

use std::collections::HashMap;

use chrono::NaiveDate;
use model::SourceId;
use rust_decimal::Decimal;

use super::currency::{Rates, UsdSum};
use crate::{
    Database,
    time::{date_from_int, date_int},
    warehouse::metric,
};

/// Which daily facts to read: `from..=to` and, under an artist filter, that artist's only.
#[derive(Clone, Copy, Debug)]
pub struct DayFilter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub artist: Option<i64>,
}

/// The rows of one source in the period, account rows preferred over entity rows of a day.
const PREFERRED: &str = "WITH pref AS ( \
    SELECT * FROM daily_facts f WHERE f.source = ?1 AND f.day BETWEEN ?2 AND ?3 \
      AND (?4 IS NULL OR f.artist_id = ?4) \
      AND (f.entity_id = 0 OR NOT EXISTS (SELECT 1 FROM daily_facts g WHERE g.source = f.source \
           AND g.metric = f.metric AND g.artist_id = f.artist_id AND g.entity_id = 0 AND g.day = f.day)))";

/// Σ of every count metric of a source; a metric without rows in the period is absent.
pub async fn count_sums(
    db: &Database,
    source: SourceId,
    filter: &DayFilter,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
        "{PREFERRED} SELECT metric, SUM(value) FROM pref WHERE value IS NOT NULL GROUP BY metric"
    ))
    .bind(source.as_str())
    .bind(date_int(filter.from))
    .bind(date_int(filter.to))
    .bind(filter.artist)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().collect())
}

/// Σ of a decimal metric (watch hours): `None` without rows.
pub async fn amount_sum(
    db: &Database,
    source: SourceId,
    metric: &str,
    filter: &DayFilter,
) -> Result<Option<Decimal>, sqlx::Error> {
    let rows = amounts(db, source, metric, filter).await?;
    Ok((!rows.is_empty()).then(|| rows.iter().map(|(_, amount, _)| *amount).sum()))
}

/// Σ of a money metric in USD, each amount converted at its day's rate.
pub async fn money_sum(
    db: &Database,
    rates: &Rates,
    source: SourceId,
    metric: &str,
    filter: &DayFilter,
) -> Result<UsdSum, sqlx::Error> {
    let mut sum = UsdSum::default();
    for (day, amount, currency) in amounts(db, source, metric, filter).await? {
        sum.add(rates, amount, currency.as_deref().unwrap_or("USD"), day);
    }
    Ok(sum)
}

/// A money metric's amounts with their day and currency (for sums by month).
pub async fn amounts(
    db: &Database,
    source: SourceId,
    metric: &str,
    filter: &DayFilter,
) -> Result<Vec<(NaiveDate, Decimal, Option<String>)>, sqlx::Error> {
    let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(&format!(
        "{PREFERRED} SELECT day, amount, currency FROM pref WHERE metric = ?5 AND amount IS NOT NULL"
    ))
    .bind(source.as_str())
    .bind(date_int(filter.from))
    .bind(date_int(filter.to))
    .bind(filter.artist)
    .bind(metric)
    .fetch_all(db.pool())
    .await?;
    rows.into_iter()
        .map(|(day, amount, currency)| {
            // Written by the loader from a Decimal: a value that no longer parses is corrupt.
            let amount = Decimal::from_str_exact(&amount).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            Ok((date_from_int(day).unwrap_or_default(), amount, currency))
        })
        .collect()
}

/// A count metric day by day (account rows preferred), oldest first.
pub async fn count_series(
    db: &Database,
    source: SourceId,
    metric: &str,
    filter: &DayFilter,
) -> Result<Vec<(NaiveDate, i64)>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "{PREFERRED} SELECT day, SUM(value) FROM pref WHERE metric = ?5 AND value IS NOT NULL GROUP BY day ORDER BY day"
    ))
    .bind(source.as_str())
    .bind(date_int(filter.from))
    .bind(date_int(filter.to))
    .bind(filter.artist)
    .bind(metric)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().filter_map(|(day, v)| Some((date_from_int(day)?, v))).collect())
}

/// A snapshot metric (followers, list members): each artist's and entity's last value on or
/// before `on`, summed; `None` when none is known.
pub async fn last_known(
    db: &Database,
    source: SourceId,
    metric: &str,
    on: NaiveDate,
    artist: Option<i64>,
) -> Result<Option<i64>, sqlx::Error> {
    // SQLite takes the bare `value` from the row holding MAX(day).
    sqlx::query_scalar(
        "SELECT SUM(v) FROM (SELECT value AS v, MAX(day) FROM daily_facts \
         WHERE source = ?1 AND metric = ?2 AND day <= ?3 AND (?4 IS NULL OR artist_id = ?4) \
           AND value IS NOT NULL GROUP BY artist_id, entity_id)",
    )
    .bind(source.as_str())
    .bind(metric)
    .bind(date_int(on))
    .bind(artist)
    .fetch_one(db.pool())
    .await
}

/// YouTube's net subscriber change: per artist, video and day the exported net figure, else
/// gained − lost.
pub async fn youtube_net_subscribers(db: &Database, filter: &DayFilter) -> Result<Option<i64>, sqlx::Error> {
    let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(&format!(
        "{PREFERRED} SELECT metric, artist_id, entity_id, day, value FROM pref \
         WHERE metric IN (?5, ?6, ?7) AND value IS NOT NULL"
    ))
    .bind(SourceId::Youtube.as_str())
    .bind(date_int(filter.from))
    .bind(date_int(filter.to))
    .bind(filter.artist)
    .bind(metric::SUBSCRIBERS_NET)
    .bind(metric::SUBSCRIBERS_GAINED)
    .bind(metric::SUBSCRIBERS_LOST)
    .fetch_all(db.pool())
    .await?;
    #[derive(Default)]
    struct Day {
        net: Option<i64>,
        gained_minus_lost: i64,
    }
    let mut days: HashMap<(i64, i64, i64), Day> = HashMap::new();
    for (m, artist, entity, day, value) in rows {
        let d = days.entry((artist, entity, day)).or_default();
        match m.as_str() {
            metric::SUBSCRIBERS_NET => d.net = Some(value),
            metric::SUBSCRIBERS_GAINED => d.gained_minus_lost += value,
            _ => d.gained_minus_lost -= value,
        }
    }
    Ok((!days.is_empty()).then(|| days.values().map(|d| d.net.unwrap_or(d.gained_minus_lost)).sum()))
}

/// The Streams rule: for each (platform, day), over all artists, Spotify for Artists' figure
/// when it has that day for any artist, else the distributor's (TooLost). Song timelines
/// (`track_streams`) are per-track views and never count here.
pub async fn streams(db: &Database, filter: &DayFilter) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "WITH s AS (SELECT f.source, f.artist_id, f.day, e.key AS platform, f.value \
           FROM daily_facts f JOIN entities e ON e.id = f.entity_id \
           WHERE f.metric = ?1 AND f.source IN (?2, ?3) AND f.day BETWEEN ?4 AND ?5 AND f.value IS NOT NULL) \
         SELECT SUM(value) FROM s WHERE (?6 IS NULL OR artist_id = ?6) \
           AND (source = ?2 OR NOT EXISTS (SELECT 1 FROM s w WHERE w.source = ?2 \
                AND w.platform = s.platform AND w.day = s.day))",
    )
    .bind(metric::STREAMS)
    .bind(SourceId::Spotify.as_str())
    .bind(SourceId::Toolost.as_str())
    .bind(date_int(filter.from))
    .bind(date_int(filter.to))
    .bind(filter.artist)
    .fetch_one(db.pool())
    .await
}

/// The Streams rule day by day: (platform, day, streams), oldest first.
pub async fn streams_by_platform(
    db: &Database,
    filter: &DayFilter,
) -> Result<Vec<(String, NaiveDate, i64)>, sqlx::Error> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "WITH s AS (SELECT f.source, f.artist_id, f.day, e.key AS platform, f.value \
           FROM daily_facts f JOIN entities e ON e.id = f.entity_id \
           WHERE f.metric = ?1 AND f.source IN (?2, ?3) AND f.day BETWEEN ?4 AND ?5 AND f.value IS NOT NULL) \
         SELECT platform, day, SUM(value) FROM s WHERE (?6 IS NULL OR artist_id = ?6) \
           AND (source = ?2 OR NOT EXISTS (SELECT 1 FROM s w WHERE w.source = ?2 \
                AND w.platform = s.platform AND w.day = s.day)) \
         GROUP BY platform, day ORDER BY day, platform",
    )
    .bind(metric::STREAMS)
    .bind(SourceId::Spotify.as_str())
    .bind(SourceId::Toolost.as_str())
    .bind(date_int(filter.from))
    .bind(date_int(filter.to))
    .bind(filter.artist)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().filter_map(|(p, day, v)| Some((p, date_from_int(day)?, v))).collect())
}

/// Sources with facts that carry no artist in the period (left out under an artist filter).
pub async fn unattributed_sources(
    db: &Database,
    from: NaiveDate,
    to: NaiveDate,
    months: Option<(i64, i64)>,
) -> Result<Vec<SourceId>, sqlx::Error> {
    let (m0, m1) = months.unwrap_or((1, 0));
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT source FROM daily_facts WHERE artist_id = 0 AND day BETWEEN ?1 AND ?2 \
         UNION SELECT DISTINCT source FROM email_campaigns WHERE artist_id = 0 AND send_day BETWEEN ?1 AND ?2 \
         UNION SELECT DISTINCT source FROM revenue_by_store WHERE artist_id = 0 AND sale_month BETWEEN ?3 AND ?4",
    )
    .bind(date_int(from))
    .bind(date_int(to))
    .bind(m0)
    .bind(m1)
    .fetch_all(db.pool())
    .await?;
    Ok(SourceId::ALL.into_iter().filter(|s| names.iter().any(|n| n == s.as_str())).collect())
}
