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
    let mut rows = Vec::with_capacity(names.len() + 1);
    for name in names {
        let one = KpiQuery { artist: Some(name.clone()), sparklines: false, store: None, ..query.clone() };
        rows.push(row(name, false, &report(db, &one).await?));
    }
    let all = KpiQuery { artist: None, sparklines: false, store: None, ..query.clone() };
    rows.push(row("All artists".to_string(), true, &report(db, &all).await?));
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
