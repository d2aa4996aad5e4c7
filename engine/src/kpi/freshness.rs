//! Freshness per source: the days between today and the latest data date of that source
//! (statements: the latest reporting date); null for a source without data.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use model::SourceId;

use crate::{Database, time::date_from_int};

/// Every source id, with its freshness in days (`None` without data). Each source's latest day
/// is an index lookup (the rollups for statements), so this stays fast on any data size.
pub async fn freshness(
    db: &Database,
    today: NaiveDate,
) -> Result<BTreeMap<SourceId, Option<i64>>, sqlx::Error> {
    let mut out = BTreeMap::new();
    for source in SourceId::ALL {
        let latest: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(latest) FROM ( \
               SELECT MAX(reporting_date) AS latest FROM revenue_by_store WHERE source = ?1 \
               UNION ALL SELECT MAX(day) FROM daily_facts WHERE source = ?1 \
               UNION ALL SELECT MAX(last_day) FROM window_facts WHERE source = ?1 \
               UNION ALL SELECT MAX(send_day) FROM email_campaigns WHERE source = ?1)",
        )
        .bind(source.as_str())
        .fetch_one(db.pool())
        .await?;
        out.insert(source, latest.and_then(date_from_int).map(|d| (today - d).num_days()));
    }
    Ok(out)
}
