//! The Admin Artists page: what is stored without an artist, where a rule could attribute it,
//! and the rules there are.

use std::collections::{BTreeMap, HashMap};

use model::{Attribution, AttributionRule, Unattributed, format};
use rust_decimal::Decimal;

use super::{
    currency::{Rates, UsdSum},
    names,
    statements::{self, By, LineFilter},
};
use crate::{
    Database,
    time::{YearMonth, date_from_int},
    warehouse::metric,
};

/// A release's revenue and lines without an artist, its tracks' titles and suggested artists.
type ReleaseSums = (UsdSum, i64, Vec<String>, Vec<Option<String>>);

/// (campaign key, name, day, amount, currency) of an ad spend fact.
type SpendRow = (String, Option<String>, i64, Option<String>, Option<String>);

/// Every sale month a statement can have.
fn all_months() -> LineFilter {
    let months = YearMonth::new(1, 1).zip(YearMonth::new(9999, 12));
    LineFilter { months, artist: Some(0), store: None, track: None, source: None, country: None }
}

fn revenue_text(usd: &UsdSum, lines: i64) -> String {
    let lines = match lines {
        1 => "1 line".to_string(),
        n => format!("{} lines", format::thousands(n)),
    };
    match usd.result() {
        Ok(Some(amount)) => format!("{} of revenue ({lines})", format::usd(amount)),
        Ok(None) => format!("no revenue ({lines})"),
        Err(currencies) => format!("revenue in {} without a rate ({lines})", currencies.join(", ")),
    }
}

#[tracing::instrument(skip(db))]
pub async fn attribution(db: &Database) -> Result<Attribution, sqlx::Error> {
    let rates = Rates::load(db).await?;
    let artists: Vec<String> = sqlx::query_scalar("SELECT name FROM artists ORDER BY name COLLATE NOCASE")
        .fetch_all(db.pool())
        .await?;

    let by_track = statements::revenue(db, &rates, &all_months(), By::Track).await?;
    let ids: Vec<i64> = by_track.keys().map(|k| k.0).filter(|id| *id != 0).collect();
    let tracks = names::tracks(db, &ids).await?;
    let mut unattributed = Vec::new();
    let found = releases_and_suggestions(db, &ids).await?;
    // Per release: revenue, lines, its tracks' titles and their suggested artists.
    let mut releases: BTreeMap<String, ReleaseSums> = BTreeMap::new();
    let mut without_isrc = None;
    for ((track_id, _, _), group) in &by_track {
        let Some(track) = tracks.get(track_id) else {
            without_isrc = Some(revenue_text(&group.usd, group.lines));
            continue;
        };
        let (release, suggested) = found.get(track_id).cloned().unwrap_or_default();
        if let Some(upc) = &release {
            let entry = releases.entry(upc.clone()).or_default();
            entry.0.merge(&group.usd);
            entry.1 += group.lines;
            entry.2.push(track.title.clone());
            entry.3.push(suggested.clone());
        }
        unattributed.push(Unattributed {
            kind: "track".into(),
            key: track.isrc.clone(),
            name: track.title.clone(),
            figures: revenue_text(&group.usd, group.lines),
            release,
            suggested,
        });
    }
    for (upc, (usd, lines, mut titles, suggested)) in releases {
        // Offered only when every track of the release suggests the same artist.
        let suggested =
            suggested.first().cloned().flatten().filter(|s| suggested.iter().all(|t| t.as_ref() == Some(s)));
        titles.sort();
        let name = match titles.len() {
            1 => format!("with {}", titles[0]),
            n => format!("with {} and {} more", titles[0], n - 1),
        };
        unattributed.push(Unattributed {
            kind: "release".into(),
            key: upc,
            name,
            figures: revenue_text(&usd, lines),
            release: None,
            suggested,
        });
    }
    unattributed.extend(campaigns(db, &rates).await?);
    unattributed.sort_by(|a, b| (kind_order(&a.kind), &a.name).cmp(&(kind_order(&b.kind), &b.name)));

    let unreachable = without_isrc.map(|figures| {
        format!(
            "Statement lines without an ISRC: {figures}. A release rule attributes those of its UPC; \
             others stay unattributed."
        )
    });
    Ok(Attribution { artists, unattributed, unreachable, rules: rules(db).await? })
}

fn kind_order(kind: &str) -> usize {
    model::RULE_KINDS.iter().position(|k| *k == kind).unwrap_or(usize::MAX)
}

/// Meta campaigns with ad spend stored without an artist.
async fn campaigns(db: &Database, rates: &Rates) -> Result<Vec<Unattributed>, sqlx::Error> {
    let rows: Vec<SpendRow> = sqlx::query_as(
        "SELECT e.key, e.name, d.day, d.amount, d.currency FROM daily_facts d JOIN entities e ON e.id = d.entity_id \
         WHERE d.source = 'meta_ads' AND d.metric = ? AND d.artist_id = 0 AND e.kind = 'campaign'",
    )
    .bind(metric::AD_SPEND)
    .fetch_all(db.pool())
    .await?;
    let mut by_campaign: HashMap<String, (Option<String>, UsdSum, i64)> = HashMap::new();
    for (key, name, day, amount, currency) in rows {
        let entry = by_campaign.entry(key).or_insert_with(|| (name, UsdSum::default(), 0));
        let amount = amount.and_then(|a| a.parse::<Decimal>().ok());
        if let (Some(amount), Some(currency), Some(day)) = (amount, currency, date_from_int(day)) {
            entry.1.add(rates, amount, &currency, day);
        }
        entry.2 += 1;
    }
    Ok(by_campaign
        .into_iter()
        .map(|(key, (name, usd, days))| {
            let days = if days == 1 { "1 day".to_string() } else { format!("{days} days") };
            let figures = match usd.result() {
                Ok(Some(amount)) => format!("{} of ad spend ({days})", format::usd(amount)),
                Ok(None) => format!("no ad spend ({days})"),
                Err(currencies) => format!("ad spend in {} without a rate ({days})", currencies.join(", ")),
            };
            let name = name.unwrap_or_else(|| key.clone());
            Unattributed { kind: "campaign".into(), name, key, figures, release: None, suggested: None }
        })
        .collect())
}

/// For each track: the release (UPC) of its lines without an artist, and the artist its other
/// lines name (a DistroKid statement of the same ISRC). The first line of each of the track's
/// runs of lines is read: a run comes from one file, which names an artist for all its lines or
/// for none.
async fn releases_and_suggestions(
    db: &Database,
    ids: &[i64],
) -> Result<HashMap<i64, (Option<String>, Option<String>)>, sqlx::Error> {
    let mut out = HashMap::new();
    for id in ids {
        let found: (Option<String>, Option<String>) = sqlx::query_as(
            "SELECT (SELECT r.upc FROM statement_line_runs runs JOIN statement_lines l ON l.id = runs.first_id \
               JOIN releases r ON r.id = l.release_id WHERE runs.track_id = ?1 AND l.artist_id IS NULL LIMIT 1), \
             (SELECT a.name FROM statement_line_runs runs JOIN statement_lines l ON l.id = runs.first_id \
               JOIN artists a ON a.id = l.artist_id WHERE runs.track_id = ?1 AND l.artist_by_rule = 0 LIMIT 1)",
        )
        .bind(id)
        .fetch_one(db.pool())
        .await?;
        out.insert(*id, found);
    }
    Ok(out)
}

/// The rules, with the names of what they attribute.
pub async fn rules(db: &Database) -> Result<Vec<AttributionRule>, sqlx::Error> {
    let rows: Vec<(String, String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT r.kind, r.key, r.artist, r.created_by, r.created_at, CASE r.kind \
           WHEN 'track' THEN (SELECT title FROM tracks WHERE isrc = r.key) \
           WHEN 'campaign' THEN (SELECT name FROM entities WHERE source = 'meta_ads' AND kind = 'campaign' AND key = r.key) \
           END \
         FROM attribution_rules r ORDER BY r.created_at DESC, r.kind, r.key",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(kind, key, artist, created_by, created_at, name)| AttributionRule {
            name: name.unwrap_or_else(|| key.clone()),
            kind,
            key,
            artist,
            created_by,
            created_at,
        })
        .collect())
}
