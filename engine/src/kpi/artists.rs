//! The artists side by side: each artist's figures for the period (and what has no artist),
//! computed by the same rules as the cards, so a row is what the artist filter shows and the
//! rows' revenue and ad spend add up to the label's.

use model::{ArtistRow, KpiId, KpiReport};

use super::{KpiError, KpiQuery, artist, report, unattributed};
use crate::Database;

/// One row per artist, then "Unattributed" when anything has no artist, then the label's total.
pub async fn compare(db: &Database, query: &KpiQuery) -> Result<Vec<ArtistRow>, KpiError> {
    let mut names: Vec<String> = artist::all(db).await?.into_iter().map(|a| a.name).collect();
    if unattributed::any(db).await? {
        names.push(unattributed::UNATTRIBUTED.to_string());
    }
    // The reports run at once: SQLite serves each on its own connection.
    let one = |artist: Option<String>| KpiQuery { artist, sparklines: false, store: None, ..query.clone() };
    let artists = futures_util::future::try_join_all(names.iter().map(|name| {
        let query = one(Some(name.clone()));
        async move { report(db, &query).await }
    }));
    let all = one(None);
    let (reports, total) = tokio::try_join!(artists, report(db, &all))?;
    let mut rows: Vec<ArtistRow> =
        names.into_iter().zip(&reports).map(|(name, r)| row(name, false, r)).collect();
    rows.push(row("All artists".to_string(), true, &total));
    Ok(rows)
}

fn row(name: String, total: bool, r: &KpiReport) -> ArtistRow {
    let value = |id: KpiId| r.value(id).cloned();
    ArtistRow {
        name,
        total,
        revenue_usd: value(KpiId::RevenueUsd),
        revenue_change_pct: value(KpiId::RevenueChangePct),
        streams: value(KpiId::Streams),
        streams_change_pct: value(KpiId::StreamsChangePct),
        spotify_followers_gained: value(KpiId::SpotifyFollowersGained),
        ad_spend_usd: value(KpiId::AdSpendUsd),
    }
}
