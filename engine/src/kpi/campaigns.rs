//! Ad campaigns: spend per campaign for a period, and one campaign's days with its cost per
//! 1,000 streams (the day's spend over the day's streams by the Streams rule, for the same
//! artist filter).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
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
    warehouse::{daily_series::STREAMS, metric},
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
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT d.entity_id, d.day, d.amount, d.currency, e.name FROM daily_facts d \
         JOIN entities e ON e.id = d.entity_id \
         WHERE d.source = 'meta_ads' AND d.metric = ?1 AND d.day BETWEEN ?2 AND ?3 \
           AND (?4 IS NULL OR d.artist_id = ?4) AND (?5 IS NULL OR d.entity_id = ?5) \
           AND e.kind <> 'platform'",
    )
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

/// Ad spend per campaign, biggest first; a click opens the campaign's days.
pub async fn by_campaign(
    db: &Database,
    rates: &Rates,
    period: Period,
    artist: Option<i64>,
    mut out: ChartData,
) -> Result<ChartData, sqlx::Error> {
    let (days, names) = spend_by_day(db, rates, period, artist, None).await?;
    let mut totals: HashMap<i64, UsdSum> = HashMap::new();
    for ((entity, _), sum) in &days {
        totals.entry(*entity).or_default().merge(sum);
    }
    let mut missing = Vec::new();
    let mut rows: Vec<(String, i64, Option<Decimal>)> = totals
        .iter()
        .map(|(entity, sum)| {
            let usd = sum.result().map_err(|c| missing.extend(c)).ok().flatten();
            (names.get(entity).cloned().unwrap_or_default(), *entity, usd)
        })
        .collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    out.categories = rows.iter().map(|r| r.0.clone()).collect();
    out.drill_keys = rows.iter().map(|r| r.1.to_string()).collect();
    out.series.push(Series::new("Ad spend", SeriesKind::Bar, Unit::Usd, rows.iter().map(|r| r.2).collect()));
    if !missing.is_empty() {
        missing.sort();
        missing.dedup();
        out.warnings.push(missing_rate_warning("ad spend", &missing));
    }
    Ok(out)
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
