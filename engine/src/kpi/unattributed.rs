//! Figures without an artist (a TooLost line without one, an ad account's campaigns, a
//! Mailchimp list): left out under an artist filter, so the warning says how much is left out,
//! and the filter offers them as their own entry, [`UNATTRIBUTED`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use model::{SourceId, format};
use rust_decimal::Decimal;

use super::{
    Period,
    currency::Rates,
    daily::{Cumulative, SeriesId},
    statements::{self, By, LineFilter},
};
use crate::{Database, time::YearMonth, time::date_int, warehouse::metric};

/// The artist filter's entry for figures without an artist (artist id 0 in the warehouse).
pub const UNATTRIBUTED: &str = "Unattributed";

/// Each source's headline figure, as it is told: (series, what it counts, money).
const HEADLINES: [(SeriesId, &str, bool); 6] = [
    (("spotify", metric::STREAMS), "streams", false),
    (("toolost", metric::STREAMS), "streams", false),
    (("youtube", metric::VIEWS), "views", false),
    (("tiktok", metric::VIDEO_VIEWS), "video views", false),
    (("linktree", metric::LINK_VIEWS), "link views", false),
    (("meta_ads", metric::AD_SPEND), "of ad spend", true),
];

/// What the period holds without an artist, per source: `$25.02 of revenue`, `1,234 streams`.
pub async fn left_out(
    db: &Database,
    rates: &Rates,
    period: Period,
    months: &[YearMonth],
) -> Result<BTreeMap<SourceId, Vec<String>>, sqlx::Error> {
    let mut out: BTreeMap<SourceId, Vec<String>> = BTreeMap::new();
    let series: Vec<SeriesId> = HEADLINES.iter().map(|h| h.0).collect();
    let edges = BTreeSet::from([period.from - Duration::days(1), period.to]);
    let unattributed = Cumulative::load(db, &series, &edges, Some(0), None).await?;
    for (series, what, money) in HEADLINES {
        let Ok(source) = series.0.parse::<SourceId>() else { continue };
        let text = if money {
            match unattributed.amount(series, period.from, period.to) {
                Ok(Some(amount)) => Some(format!("{} {what}", format::usd(amount))),
                Ok(None) => None,
                Err(_) => Some(format!("ad spend in a currency without a rate {what}")),
            }
        } else {
            unattributed
                .count(series, period.from, period.to)
                .map(|n| format!("{} {what}", format::thousands(n)))
        };
        out.entry(source).or_default().extend(text);
    }
    let lines = LineFilter::months(months, Some(0));
    for (source, revenue) in revenue_by_source(db, rates, &lines).await? {
        let text = match revenue {
            Some(amount) => format!("{} of revenue", format::usd(amount)),
            None => "revenue in a currency without a rate".to_string(),
        };
        out.entry(source).or_default().push(text);
    }
    let campaigns: Vec<(String, i64)> = sqlx::query_as(
        "SELECT source, COUNT(*) FROM email_campaigns WHERE artist_id = 0 AND send_day BETWEEN ? AND ? GROUP BY source",
    )
    .bind(date_int(period.from))
    .bind(date_int(period.to))
    .fetch_all(db.pool())
    .await?;
    for (source, n) in campaigns {
        if let Ok(source) = source.parse::<SourceId>() {
            let noun = if n == 1 { "e-mail campaign" } else { "e-mail campaigns" };
            out.entry(source).or_default().push(format!("{n} {noun}"));
        }
    }
    out.retain(|_, texts| !texts.is_empty());
    Ok(out)
}

/// Statement revenue in USD per source (`None`: an amount without a rate).
async fn revenue_by_source(
    db: &Database,
    rates: &Rates,
    lines: &LineFilter,
) -> Result<Vec<(SourceId, Option<Decimal>)>, sqlx::Error> {
    let Some((first, last)) = lines.months else { return Ok(Vec::new()) };
    let sources: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT source FROM revenue_by_store WHERE artist_id = ? AND sale_month BETWEEN ? AND ?",
    )
    .bind(lines.artist.unwrap_or_default())
    .bind(first.as_int())
    .bind(last.as_int())
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::new();
    for source in sources {
        let Ok(source) = source.parse::<SourceId>() else { continue };
        let filter = LineFilter { source: Some(source), ..*lines };
        let total = statements::revenue(db, rates, &filter, By::Total).await?;
        let usd = total.values().next().map_or(Ok(None), |g| g.usd.result());
        out.push((source, usd.ok().flatten()));
    }
    Ok(out)
}

/// The warning under an artist filter: what is left out, and where to see it.
pub fn warning(left_out: &BTreeMap<SourceId, Vec<String>>) -> Option<String> {
    if left_out.is_empty() {
        return None;
    }
    let parts: Vec<String> = left_out
        .iter()
        .map(|(source, texts)| format!("{} ({})", texts.join(", "), source.display_name()))
        .collect();
    Some(format!(
        "figures without an artist are left out under the artist filter: {}; choose \"{UNATTRIBUTED}\" in the artist filter to see them, or attribute them on Admin › Artists",
        parts.join("; ")
    ))
}

/// Whether anything in the warehouse has no artist (the filter then offers [`UNATTRIBUTED`]).
pub async fn any(db: &Database) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM revenue_by_store WHERE artist_id = 0) \
            OR EXISTS (SELECT 1 FROM daily_facts WHERE artist_id = 0) \
            OR EXISTS (SELECT 1 FROM email_campaigns WHERE artist_id = 0)",
    )
    .fetch_one(db.pool())
    .await
}
