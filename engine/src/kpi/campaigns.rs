//! Ad campaigns: spend per campaign for a period, and one campaign's days with its cost per
//! 1,000 streams (the day's spend over the day's streams by the Streams rule, for the same
//! artist filter).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Duration, NaiveDate};
use model::{ChartData, Series, SeriesKind, Unit};
use rust_decimal::Decimal;

use super::{
    Period,
    currency::{Rates, UsdSum, missing_rate_warning},
    daily,
};
use crate::{
    Database,
    time::{date_from_int, date_int},
    warehouse::{
        daily_series::{ALL_ARTISTS, CAMPAIGN_PART, STREAMS},
        metric,
    },
};

/// One campaign's spend per day in USD (`None` for a day with an amount without a rate).
async fn spend_by_day(
    db: &Database,
    rates: &Rates,
    period: Period,
    artist: Option<i64>,
    campaign: Option<i64>,
) -> Result<(BTreeMap<(i64, NaiveDate), UsdSum>, HashMap<i64, String>), sqlx::Error> {
    type Row = (i64, i64, Option<String>, Option<String>, Option<String>);
    // One campaign: its days are a range of the campaign-day index (migration 0017), where an
    // optional `entity_id` test would read every campaign's days of the period.
    let one = if campaign.is_some() { "AND d.entity_id = ?5" } else { "AND ?5 IS NULL" };
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT d.entity_id, d.day, d.amount, d.currency, e.name FROM daily_facts d \
         JOIN entities e ON e.id = d.entity_id \
         WHERE d.source = 'meta_ads' AND d.metric = ?1 AND d.day BETWEEN ?2 AND ?3 \
           AND (?4 IS NULL OR d.artist_id = ?4) {one} AND e.kind <> 'platform'"
    ))
    .bind(metric::AD_SPEND)
    .bind(date_int(period.from))
    .bind(date_int(period.to))
    .bind(artist)
    .bind(campaign)
    .fetch_all(db.pool())
    .await?;
    let mut days: BTreeMap<(i64, NaiveDate), UsdSum> = BTreeMap::new();
    let mut names = HashMap::new();
    for (entity, day, amount, currency, name) in rows {
        let Some(day) = date_from_int(day) else { continue };
        names.entry(entity).or_insert_with(|| name.unwrap_or_else(|| format!("campaign {entity}")));
        let Some(amount) = amount else { continue };
        let amount = Decimal::from_str_exact(&amount).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        days.entry((entity, day)).or_default().add(rates, amount, currency.as_deref().unwrap_or("USD"), day);
    }
    Ok((days, names))
}

/// Ad spend per campaign, biggest first; a click opens the campaign's days. Read from each
/// campaign's series (`daily_series::CAMPAIGN_PART`): its running totals at the period's edges.
pub async fn by_campaign(
    db: &Database,
    period: Period,
    artist: Option<i64>,
    mut out: ChartData,
) -> Result<ChartData, sqlx::Error> {
    type Row = (i64, String, i64, i64, Option<String>, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "WITH c(id, name, part) AS (SELECT id, COALESCE(name, key), ?1 || id FROM entities \
           WHERE source = 'meta_ads' AND kind = 'campaign'), \
         b(d) AS (VALUES (?2), (?3)), \
         latest AS (SELECT c.id, c.name, c.part, b.d, (SELECT MAX(x.day) FROM daily_series x \
           WHERE x.source = 'meta_ads' AND x.metric = ?4 AND x.part = c.part AND x.artist_id = ?5 \
           AND x.day <= b.d) AS day FROM c CROSS JOIN b) \
         SELECT l.id, l.name, l.d, r.days_cum, r.amount_cum, r.missing_cum FROM latest l \
         JOIN daily_series r ON r.source = 'meta_ads' AND r.metric = ?4 AND r.part = l.part \
           AND r.artist_id = ?5 AND r.day = l.day",
    )
    .bind(CAMPAIGN_PART)
    .bind(date_int(period.from - Duration::days(1)))
    .bind(date_int(period.to))
    .bind(metric::AD_SPEND)
    .bind(artist.unwrap_or(ALL_ARTISTS))
    .fetch_all(db.pool())
    .await?;
    // Per campaign: (name, totals before the period, totals at its end); totals are
    // (days, amount, days with an amount without a rate).
    type Totals = (i64, Decimal, i64);
    let mut edges: HashMap<i64, (String, Totals, Totals)> = HashMap::new();
    let before = date_int(period.from - Duration::days(1));
    for (id, name, edge, days, amount, missing) in rows {
        let amount = amount
            .map(|a| Decimal::from_str_exact(&a))
            .transpose()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?
            .unwrap_or_default();
        let entry = edges.entry(id).or_insert_with(|| (name, (0, Decimal::ZERO, 0), (0, Decimal::ZERO, 0)));
        if edge == before {
            entry.1 = (days, amount, missing);
        } else {
            entry.2 = (days, amount, missing);
        }
    }
    let mut lacking_rate = Vec::new();
    let mut rows: Vec<(String, i64, Option<Decimal>)> = edges
        .into_iter()
        .filter(|(_, (_, start, end))| end.0 > start.0)
        .map(|(id, (name, start, end))| {
            let usd = if end.2 > start.2 {
                lacking_rate.push(id);
                None
            } else {
                Some(end.1 - start.1)
            };
            (name, id, usd)
        })
        .collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    out.categories = rows.iter().map(|r| r.0.clone()).collect();
    out.drill_keys = rows.iter().map(|r| r.1.to_string()).collect();
    out.series.push(Series::new("Ad spend", SeriesKind::Bar, Unit::Usd, rows.iter().map(|r| r.2).collect()));
    if !lacking_rate.is_empty() {
        let currencies = missing_currencies(db, period, artist, &lacking_rate).await?;
        out.warnings.push(missing_rate_warning("ad spend", &currencies));
    }
    Ok(out)
}

/// The currencies without a rate among the campaigns' spend of the period.
async fn missing_currencies(
    db: &Database,
    period: Period,
    artist: Option<i64>,
    campaigns: &[i64],
) -> Result<Vec<String>, sqlx::Error> {
    let mut out = BTreeSet::new();
    for id in campaigns {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT missing FROM daily_series WHERE source = 'meta_ads' AND metric = ? AND part = ? \
             AND artist_id = ? AND day BETWEEN ? AND ? AND missing IS NOT NULL",
        )
        .bind(metric::AD_SPEND)
        .bind(format!("{CAMPAIGN_PART}{id}"))
        .bind(artist.unwrap_or(ALL_ARTISTS))
        .bind(date_int(period.from))
        .bind(date_int(period.to))
        .fetch_all(db.pool())
        .await?;
        out.extend(
            rows.iter().flat_map(|m| m.split(',')).map(|c| c.trim().to_string()).filter(|c| !c.is_empty()),
        );
    }
    Ok(out.into_iter().collect())
}

/// One campaign's days: its spend, and its cost per 1,000 streams of the day.
pub async fn days(
    db: &Database,
    rates: &Rates,
    period: Period,
    artist: Option<i64>,
    campaign: Option<i64>,
    mut out: ChartData,
) -> Result<ChartData, sqlx::Error> {
    let Some(campaign) = campaign else {
        out.empty_reason = Some("Click a campaign to see its days".to_string());
        return Ok(out);
    };
    let (spend, names) = spend_by_day(db, rates, period, artist, Some(campaign)).await?;
    let Some(name) = names.get(&campaign) else {
        out.empty_reason =
            Some(format!("No spend of campaign {campaign} in {} .. {}", period.from, period.to));
        return Ok(out);
    };
    let streams: HashMap<NaiveDate, i64> =
        daily::days(db, (STREAMS, metric::STREAMS), Some(""), period.from, period.to, artist)
            .await?
            .into_iter()
            .filter_map(|d| Some((d.day, d.value?)))
            .collect();
    let (mut total_spend, mut total_streams) = (Decimal::ZERO, 0i64);
    let mut spent = Vec::new();
    let mut per_1k = Vec::new();
    for ((_, day), sum) in &spend {
        let usd = sum.result().ok().flatten();
        let day_streams = streams.get(day).copied();
        if let (Some(usd), Some(s)) = (usd, day_streams) {
            total_spend += usd;
            total_streams += s;
        }
        out.categories.push(day.to_string());
        spent.push(usd);
        per_1k.push(
            usd.zip(day_streams)
                .and_then(|(u, s)| (s > 0).then(|| u * Decimal::from(1000) / Decimal::from(s))),
        );
    }
    let overall =
        (total_streams > 0).then(|| total_spend * Decimal::from(1000) / Decimal::from(total_streams));
    out.title = match overall {
        Some(cost) => format!("{name} — {} per 1,000 streams", model::format::usd(cost)),
        None => format!("{name} — per day"),
    };
    out.series.push(Series::new("Ad spend", SeriesKind::Bar, Unit::Usd, spent));
    out.series
        .push(Series::new("Cost per 1,000 streams", SeriesKind::Line, Unit::Usd, per_1k).on_right_axis());
    Ok(out)
}
