//! The catalogue: every track with its revenue, royalty units and streams for a period, and the
//! change of its revenue against the comparable previous months (the KPIs' rules: sale months,
//! reported-through, the currency rule, the artist filter).

use std::collections::HashMap;

use model::{Catalogue, CatalogueRow, CatalogueSort};
use rust_decimal::Decimal;

use super::{
    KpiError, Period,
    artist::resolve,
    coverage::Coverages,
    currency::Rates,
    names,
    statements::{self, By, LineFilter},
};
use crate::{Database, time::date_int, warehouse::metric};

#[derive(Clone, Debug)]
pub struct CatalogueQuery {
    pub period: Period,
    pub artist: Option<String>,
    /// Part of a title, an artist's name or an ISRC (any case).
    pub search: Option<String>,
    pub sort: CatalogueSort,
    /// Rows returned at most (the count of all matching tracks is kept).
    pub limit: usize,
}

/// Revenue (USD; `None`: an amount without a rate) and units per track id.
type ByTrack = HashMap<i64, (Option<Decimal>, i64)>;

async fn by_track(db: &Database, rates: &Rates, lines: &LineFilter) -> Result<ByTrack, sqlx::Error> {
    let groups = statements::revenue(db, rates, lines, By::Track).await?;
    Ok(groups.into_iter().map(|(k, g)| (k.0, (g.usd.result().ok().flatten(), g.quantity))).collect())
}

/// Spotify's per-song streams (song timelines), by lower-case title: the songs exports name a
/// song by its title only.
async fn streams_by_title(
    db: &Database,
    period: Period,
    artist: Option<i64>,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT lower(e.name), SUM(d.value) FROM daily_facts d JOIN entities e ON e.id = d.entity_id \
         WHERE d.source = 'spotify' AND d.metric = ?1 AND d.day BETWEEN ?2 AND ?3 \
           AND (?4 IS NULL OR d.artist_id = ?4) AND e.name IS NOT NULL GROUP BY 1",
    )
    .bind(metric::TRACK_STREAMS)
    .bind(date_int(period.from))
    .bind(date_int(period.to))
    .bind(artist)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().collect())
}

#[tracing::instrument(skip(db), fields(from = %query.period.from, to = %query.period.to))]
pub async fn catalogue(db: &Database, query: &CatalogueQuery) -> Result<Catalogue, KpiError> {
    let artist = match &query.artist {
        Some(name) => Some(resolve(db, name).await?.id),
        None => None,
    };
    let (rates, coverage) = tokio::try_join!(Rates::load(db), Coverages::load(db))?;
    let months = query.period.months();
    let previous_months = query.period.comparable_previous_months(coverage.reported_through());
    // A previous period that starts before the statements is no comparison (as for the KPIs).
    let comparable = match (previous_months.first(), coverage.statements()) {
        (Some(first), Some((data_from, _))) => *first >= data_from,
        _ => false,
    };
    let (now_lines, before_lines) =
        (LineFilter::months(&months, artist), LineFilter::months(&previous_months, artist));
    let (current, previous, streams, tracks) = tokio::try_join!(
        by_track(db, &rates, &now_lines),
        by_track(db, &rates, &before_lines),
        streams_by_title(db, query.period, artist),
        sqlx::query_as::<_, (i64, String, String)>("SELECT id, isrc, title FROM tracks").fetch_all(db.pool()),
    )?;
    let needle = query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase);
    let mut rows: Vec<(i64, CatalogueRow)> = Vec::new();
    for (id, isrc, title) in tracks {
        let (revenue, units) = current.get(&id).copied().unwrap_or((None, 0));
        let before = previous.get(&id).and_then(|p| p.0);
        let track_streams = streams.get(&title.to_lowercase()).copied();
        // Under an artist filter, the artist's tracks only.
        if artist.is_some()
            && !current.contains_key(&id)
            && !previous.contains_key(&id)
            && track_streams.is_none()
        {
            continue;
        }
        let change = match (revenue, before) {
            (Some(now), Some(then)) if comparable && !then.is_zero() => {
                Some((now - then) * Decimal::ONE_HUNDRED / then.abs())
            }
            _ => None,
        };
        let row = CatalogueRow {
            isrc,
            title,
            artist: None,
            release: None,
            revenue_usd: revenue,
            revenue_change_pct: change,
            royalty_units: current.contains_key(&id).then_some(units),
            streams: track_streams,
        };
        rows.push((id, row));
    }
    // The artist of a track is looked up for the rows shown only; a search by artist needs it
    // for every row first.
    if let Some(needle) = &needle {
        let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
        let named = names::tracks(db, &ids).await?;
        rows.retain_mut(|(id, row)| {
            row.artist = named.get(id).and_then(|n| n.artist.clone());
            [Some(&row.title), Some(&row.isrc), row.artist.as_ref()]
                .into_iter()
                .flatten()
                .any(|text| text.to_lowercase().contains(needle.as_str()))
        });
    }
    sort(&mut rows, query.sort);
    let total = rows.len();
    rows.truncate(query.limit);
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let named = names::tracks(db, &ids).await?;
    for (id, row) in &mut rows {
        if let Some(name) = named.get(id) {
            row.artist.clone_from(&name.artist);
            row.release.clone_from(&name.release);
        }
    }
    Ok(Catalogue {
        from: query.period.from.to_string(),
        to: query.period.to.to_string(),
        total,
        rows: rows.into_iter().map(|(_, r)| r).collect(),
    })
}

fn sort(rows: &mut [(i64, CatalogueRow)], by: CatalogueSort) {
    // Biggest first for figures (unknown last), A–Z for titles; ties by title.
    let key = |r: &CatalogueRow| -> Option<Decimal> {
        match by {
            CatalogueSort::Revenue => r.revenue_usd,
            CatalogueSort::Units => r.royalty_units.map(Decimal::from),
            CatalogueSort::Streams => r.streams.map(Decimal::from),
            CatalogueSort::Change => r.revenue_change_pct,
            CatalogueSort::Title => None,
        }
    };
    rows.sort_by(|(_, a), (_, b)| {
        let figure = key(b).cmp(&key(a));
        let title = a.title.to_lowercase().cmp(&b.title.to_lowercase());
        if by == CatalogueSort::Title { title } else { figure.then(title) }
    });
}
