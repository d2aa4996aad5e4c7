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

/// A campaign's send day and (delivered, unique opens, unique clicks, unsubscribes).
type CampaignCounts = (NaiveDate, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

/// The campaigns' counts by send day, loaded once for a report and summed for any part of it.
#[derive(Clone, Debug, Default)]
pub struct EmailDays {
    /// Whether any campaign was ever imported.
    any: bool,
    rows: Vec<CampaignCounts>,
}

impl EmailDays {
    pub async fn load(
        db: &Database,
        from: NaiveDate,
        to: NaiveDate,
        artist: Option<i64>,
    ) -> Result<Self, sqlx::Error> {
        let any: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM email_campaigns LIMIT 1)")
            .fetch_one(db.pool())
            .await?;
        type Row = (i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT send_day, delivered, unique_opens, unique_clicks, unsubscribes FROM email_campaigns \
             WHERE send_day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR artist_id = ?3) ORDER BY send_day",
        )
        .bind(date_int(from))
        .bind(date_int(to))
        .bind(artist)
        .fetch_all(db.pool())
        .await?;
        let rows = rows
            .into_iter()
            .filter_map(|(day, d, o, c, u)| Some((crate::time::date_from_int(day)?, d, o, c, u)))
            .collect();
        Ok(Self { any: any > 0, rows })
    }

    /// Sums over the campaigns sent in `from..=to` (within what was loaded).
    pub fn totals(&self, from: NaiveDate, to: NaiveDate) -> EmailTotals {
        let sum = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        let mut t = EmailTotals { campaigns: self.any.then_some(0), ..EmailTotals::default() };
        for (day, delivered, opens, clicks, unsubscribes) in &self.rows {
            if *day < from || *day > to {
                continue;
            }
            t.campaigns = t.campaigns.map(|n| n + 1);
            t.delivered = sum(t.delivered, *delivered);
            t.unique_opens = sum(t.unique_opens, *opens);
            t.unique_clicks = sum(t.unique_clicks, *clicks);
            t.unsubscribes = sum(t.unsubscribes, *unsubscribes);
        }
        t
    }
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
