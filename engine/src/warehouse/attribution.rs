//! Attribution rules (migration 0020) in the warehouse: the loader gives a line or a Meta
//! campaign-day without an artist the artist of its track's, release's or campaign's rule, and
//! [`apply`] brings what is stored in line with the rules after one changes. The file's own
//! artist always wins; what a rule gave is marked (`artist_by_rule`) so that a removed or changed
//! rule takes back exactly that.

use std::collections::HashMap;

use sqlx::SqliteConnection;

use super::{alias_key, daily_series, rollup};
use crate::kpi::currency::Rates;

/// What a rule names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleKind {
    /// A release, by UPC.
    Release,
    /// A track, by ISRC.
    Track,
    /// A Meta ad campaign, by its id.
    Campaign,
}

impl RuleKind {
    pub const ALL: [RuleKind; 3] = [RuleKind::Release, RuleKind::Track, RuleKind::Campaign];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Release => "release",
            RuleKind::Track => "track",
            RuleKind::Campaign => "campaign",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// The rules resolved to the warehouse's ids, as a load follows them.
#[derive(Default)]
pub(super) struct LoadRules {
    tracks: HashMap<i64, i64>,
    releases: HashMap<i64, i64>,
    campaigns: HashMap<i64, i64>,
    /// Rules whose track, release or campaign is not stored yet, by key: resolved when the load
    /// creates it.
    by_isrc: HashMap<String, i64>,
    by_upc: HashMap<String, i64>,
    by_campaign: HashMap<String, i64>,
}

impl LoadRules {
    /// The artist a rule gives a line without one: its track's rule, else its release's.
    pub(super) fn line_artist(&self, track_id: Option<i64>, release_id: Option<i64>) -> Option<i64> {
        track_id
            .and_then(|t| self.tracks.get(&t))
            .or_else(|| release_id.and_then(|r| self.releases.get(&r)))
            .copied()
    }

    pub(super) fn campaign_artist(&self, entity_id: i64) -> Option<i64> {
        self.campaigns.get(&entity_id).copied()
    }

    /// A track, release or campaign the load just found or created, by its key.
    pub(super) fn learn(&mut self, kind: RuleKind, key: &str, id: i64) {
        let (by_key, by_id) = match kind {
            RuleKind::Track => (&self.by_isrc, &mut self.tracks),
            RuleKind::Release => (&self.by_upc, &mut self.releases),
            RuleKind::Campaign => (&self.by_campaign, &mut self.campaigns),
        };
        if let Some(&artist) = by_key.get(key) {
            by_id.insert(id, artist);
        }
    }

    /// The rules, with each artist found (or created) by `artist`: the loader's own lookup, so
    /// that a rule's artist is spelled and aliased like a file's.
    pub(super) async fn load(
        conn: &mut SqliteConnection,
    ) -> Result<Vec<(RuleKind, String, Option<i64>, String)>, sqlx::Error> {
        // (kind, key, stored id of what it names, artist name)
        let rows: Vec<(String, String, Option<i64>, String)> = sqlx::query_as(
            "SELECT r.kind, r.key, CASE r.kind \
               WHEN 'track' THEN (SELECT id FROM tracks WHERE isrc = r.key) \
               WHEN 'release' THEN (SELECT id FROM releases WHERE upc = r.key) \
               ELSE (SELECT id FROM entities WHERE source = 'meta_ads' AND kind = 'campaign' AND key = r.key) END, \
             r.artist FROM attribution_rules r",
        )
        .fetch_all(conn)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(k, key, id, artist)| Some((RuleKind::parse(&k)?, key, id, artist)))
            .collect())
    }

    /// Adds a rule whose artist is `artist`.
    pub(super) fn add(&mut self, kind: RuleKind, key: String, stored: Option<i64>, artist: i64) {
        let (by_key, by_id) = match kind {
            RuleKind::Track => (&mut self.by_isrc, &mut self.tracks),
            RuleKind::Release => (&mut self.by_upc, &mut self.releases),
            RuleKind::Campaign => (&mut self.by_campaign, &mut self.campaigns),
        };
        if let Some(id) = stored {
            by_id.insert(id, artist);
        }
        by_key.insert(key, artist);
    }
}

/// How many stored lines and facts changed artist when the rules were applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub lines: u64,
    pub facts: u64,
}

/// Brings the stored lines and Meta campaign-days in line with the rules, inside the caller's
/// transaction: what a rule gave and no rule gives any more goes back to no artist; what has no
/// artist and a rule now gets the rule's. The rollups and series are recomputed when anything
/// changed.
pub async fn apply(conn: &mut SqliteConnection) -> Result<Applied, sqlx::Error> {
    let rules: Vec<(String, String, String)> =
        sqlx::query_as("SELECT kind, key, artist FROM attribution_rules").fetch_all(&mut *conn).await?;
    sqlx::query(
        "CREATE TEMP TABLE IF NOT EXISTS attribution_targets ( \
         kind TEXT NOT NULL, id INTEGER NOT NULL, artist_id INTEGER NOT NULL, PRIMARY KEY (kind, id))",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM attribution_targets").execute(&mut *conn).await?;
    for (kind, key, artist) in rules {
        let Some(artist_id) = find_or_create_artist(conn, &artist).await? else { continue };
        sqlx::query(
            "INSERT OR REPLACE INTO attribution_targets (kind, id, artist_id) SELECT ?1, id, ?3 FROM ( \
             SELECT id FROM tracks WHERE ?1 = 'track' AND isrc = ?2 \
             UNION ALL SELECT id FROM releases WHERE ?1 = 'release' AND upc = ?2 \
             UNION ALL SELECT id FROM entities WHERE ?1 = 'campaign' AND source = 'meta_ads' \
               AND kind = 'campaign' AND key = ?2)",
        )
        .bind(kind)
        .bind(key)
        .bind(artist_id)
        .execute(&mut *conn)
        .await?;
    }
    const WANTED: &str = "COALESCE( \
        (SELECT artist_id FROM attribution_targets WHERE kind = 'track' AND id = statement_lines.track_id), \
        (SELECT artist_id FROM attribution_targets WHERE kind = 'release' AND id = statement_lines.release_id))";
    // The lines whose artist changes: what a rule gave and no rule gives any more (or another rule
    // gives otherwise), and what has none and a rule now gives one (both read through partial
    // indexes). They leave their rollup groups, change, and join their new ones.
    let moved = rollup::MOVED_LINES;
    sqlx::query(&format!("CREATE TEMP TABLE IF NOT EXISTS {} (id INTEGER PRIMARY KEY)", &moved[5..]))
        .execute(&mut *conn)
        .await?;
    sqlx::query(&format!("DELETE FROM {moved}")).execute(&mut *conn).await?;
    let taken_back = sqlx::query(&format!(
        "INSERT INTO {moved} (id) SELECT id FROM statement_lines \
         WHERE artist_by_rule = 1 AND artist_id IS NOT {WANTED}"
    ))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let given = sqlx::query(&format!(
        "INSERT OR IGNORE INTO {moved} (id) SELECT id FROM statement_lines \
         WHERE artist_id IS NULL AND {WANTED} IS NOT NULL"
    ))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if taken_back + given > 0 {
        rollup::move_lines(conn, -1).await?;
        sqlx::query(&format!(
            "UPDATE statement_lines SET artist_id = {WANTED}, artist_by_rule = ({WANTED} IS NOT NULL) \
             WHERE id IN (SELECT id FROM {moved})"
        ))
        .execute(&mut *conn)
        .await?;
        rollup::move_lines(conn, 1).await?;
    }
    const CAMPAIGN: &str =
        "(SELECT artist_id FROM attribution_targets WHERE kind = 'campaign' AND id = daily_facts.entity_id)";
    let facts_back = sqlx::query(&format!(
        "UPDATE daily_facts SET artist_id = 0, artist_by_rule = 0 \
         WHERE source = 'meta_ads' AND artist_by_rule = 1 AND artist_id IS NOT {CAMPAIGN}"
    ))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let facts_given = sqlx::query(&format!(
        "UPDATE daily_facts SET artist_id = {CAMPAIGN}, artist_by_rule = 1 \
         WHERE source = 'meta_ads' AND artist_id = 0 AND {CAMPAIGN} IS NOT NULL"
    ))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let applied = Applied { lines: taken_back + given, facts: facts_back + facts_given };
    if applied.facts > 0 {
        let rates = Rates::load_on(conn).await?;
        daily_series::refresh(conn, model::SourceId::MetaAds, &rates).await?;
    }
    Ok(applied)
}

/// The artist a name stands for, found through the aliases (`ZONE A0`, `zone_a0`), or created;
/// `None` for a name of nothing but punctuation. The loader's and the rules' one lookup.
pub(super) async fn find_or_create_artist(
    conn: &mut SqliteConnection,
    name: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let key = alias_key(name);
    if key.is_empty() {
        return Ok(None);
    }
    let known: Option<i64> = sqlx::query_scalar("SELECT artist_id FROM artist_aliases WHERE alias_key = ?")
        .bind(&key)
        .fetch_optional(&mut *conn)
        .await?;
    if known.is_some() {
        return Ok(known);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO artists (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
    )
    .bind(name.trim())
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO artist_aliases (alias_key, artist_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
        .bind(&key)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(Some(id))
}
