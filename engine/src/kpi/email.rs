//! Email campaigns sent in a period (by their send time, UTC).

use chrono::NaiveDate;

use crate::{Database, time::date_int};

/// Sums over the campaigns sent in the period; a count is `None` when no campaign reported it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EmailTotals {
    /// `None` when no campaign was ever imported (no data), `Some(0)` when none was sent.
    pub campaigns: Option<i64>,
    pub delivered: Option<i64>,
    pub unique_opens: Option<i64>,
    pub unique_clicks: Option<i64>,
    pub unsubscribes: Option<i64>,
}

pub async fn totals(
    db: &Database,
    from: NaiveDate,
    to: NaiveDate,
    artist: Option<i64>,
) -> Result<EmailTotals, sqlx::Error> {
    let (any, campaigns, delivered, unique_opens, unique_clicks, unsubscribes): (
        i64,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    ) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM email_campaigns LIMIT 1)), COUNT(*), SUM(delivered), \
         SUM(unique_opens), SUM(unique_clicks), SUM(unsubscribes) FROM email_campaigns \
         WHERE send_day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR artist_id = ?3)",
    )
    .bind(date_int(from))
    .bind(date_int(to))
    .bind(artist)
    .fetch_one(db.pool())
    .await?;
    Ok(EmailTotals {
        campaigns: (any > 0).then_some(campaigns),
        delivered,
        unique_opens,
        unique_clicks,
        unsubscribes,
    })
}

/// One campaign sent in the period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Campaign {
    pub title: String,
    pub send_day: NaiveDate,
    pub delivered: Option<i64>,
    pub unique_opens: Option<i64>,
    pub unique_clicks: Option<i64>,
}

/// The campaigns sent in the period, oldest first.
pub async fn campaigns(
    db: &Database,
    from: NaiveDate,
    to: NaiveDate,
    artist: Option<i64>,
) -> Result<Vec<Campaign>, sqlx::Error> {
    type Row = (Option<String>, String, i64, Option<i64>, Option<i64>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT title, campaign_key, send_day, delivered, unique_opens, unique_clicks FROM email_campaigns \
         WHERE send_day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR artist_id = ?3) ORDER BY send_time, campaign_key",
    )
    .bind(date_int(from))
    .bind(date_int(to))
    .bind(artist)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(title, key, day, delivered, unique_opens, unique_clicks)| {
            Some(Campaign {
                title: title.unwrap_or(key),
                send_day: crate::time::date_from_int(day)?,
                delivered,
                unique_opens,
                unique_clicks,
            })
        })
        .collect())
}
