//! Freshness per source: the days between today and the latest data date of that source
//! (statements: the latest reporting date); null for a source without data.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use model::SourceId;

use crate::{Database, warehouse::summary::source_statuses};

/// Every source id, with its freshness in days (`None` without data).
pub async fn freshness(
    db: &Database,
    today: NaiveDate,
) -> Result<BTreeMap<SourceId, Option<i64>>, sqlx::Error> {
    Ok(source_statuses(db)
        .await?
        .into_iter()
        .map(|s| {
            let latest = s.latest_data_day.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
            (s.source, latest.map(|d| (today - d).num_days()))
        })
        .collect())
}
