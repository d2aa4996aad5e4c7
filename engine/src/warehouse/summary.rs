//! What the warehouse holds per source: files loaded, values stored, the latest day of data.

use model::{SourceId, SourceStatus};

use crate::{Database, time::date_from_int};

/// One row per source (all eight, in catalogue order), whether it has data or not.
pub async fn source_statuses(db: &Database) -> Result<Vec<SourceStatus>, sqlx::Error> {
    let files: Vec<(String, i64, Option<String>)> = sqlx::query_as(
        "SELECT source, count(*), max(loaded_at) FROM raw_files WHERE status = 'loaded' AND source IS NOT NULL \
         GROUP BY source",
    )
    .fetch_all(db.pool())
    .await?;
    // Statements are dated by their reporting date; the others by the day of the figure.
    let facts: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT source, sum(n), max(latest) FROM ( \
           SELECT source, sum(lines) AS n, max(reporting_date) AS latest FROM revenue_by_store GROUP BY source \
           UNION ALL SELECT source, count(*), max(day) FROM daily_facts GROUP BY source \
           UNION ALL SELECT source, count(*), max(last_day) FROM window_facts GROUP BY source \
           UNION ALL SELECT source, count(*), max(send_day) FROM email_campaigns GROUP BY source \
         ) GROUP BY source",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(SourceId::ALL
        .iter()
        .map(|&source| {
            let (files_loaded, last_import) =
                files.iter().find(|f| f.0 == source.as_str()).map_or((0, None), |f| (f.1, f.2.clone()));
            let (values, latest) =
                facts.iter().find(|f| f.0 == source.as_str()).map_or((0, None), |f| (f.1, f.2));
            SourceStatus {
                source,
                files_loaded,
                values,
                last_import,
                latest_data_day: latest.and_then(date_from_int).map(|d| d.to_string()),
            }
        })
        .collect())
}

/// An artist of the catalogue as Spotify describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub genres: Vec<String>,
    pub image_url: Option<String>,
}

/// The catalogue's artist profiles, by name.
pub async fn artist_profiles(pool: &sqlx::SqlitePool) -> Result<Vec<Profile>, sqlx::Error> {
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT name, genres, image_url FROM artist_profiles ORDER BY name")
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(name, genres, image_url)| Profile {
            name,
            // Written by the loader from a list of strings; anything else reads as none.
            genres: serde_json::from_str(&genres).unwrap_or_default(),
            image_url,
        })
        .collect())
}
