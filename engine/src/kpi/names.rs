//! What the pages call things: a track by its title and artist (the statements key it by
//! ISRC), a territory by its name (see `sources::country::territory_name`).

use std::collections::HashMap;

use crate::Database;

/// A track as people know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackName {
    pub isrc: String,
    pub title: String,
    /// The artist with the most statement lines of the track; `None` when no line names one.
    pub artist: Option<String>,
}

impl TrackName {
    /// `LUNA — ZONE A0`, or the title alone.
    pub fn label(&self) -> String {
        match &self.artist {
            Some(artist) => format!("{} — {artist}", self.title),
            None => self.title.clone(),
        }
    }
}

/// The names of the tracks `ids` (each an index seek: the rollup by track and country is keyed
/// by track first).
pub async fn tracks(db: &Database, ids: &[i64]) -> Result<HashMap<i64, TrackName>, sqlx::Error> {
    let mut out = HashMap::with_capacity(ids.len());
    for &id in ids {
        let row: Option<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT t.isrc, t.title, (SELECT a.name FROM revenue_by_track_country r \
               JOIN artists a ON a.id = r.artist_id WHERE r.track_id = t.id \
               GROUP BY r.artist_id ORDER BY SUM(r.lines) DESC, a.name LIMIT 1) \
             FROM tracks t WHERE t.id = ?",
        )
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
        if let Some((isrc, title, artist)) = row {
            out.insert(id, TrackName { isrc, title, artist });
        }
    }
    Ok(out)
}

/// A track's id and name by its ISRC.
pub async fn track_by_isrc(db: &Database, isrc: &str) -> Result<Option<(i64, TrackName)>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM tracks WHERE isrc = ?")
        .bind(isrc)
        .fetch_optional(db.pool())
        .await?;
    let Some(id) = id else { return Ok(None) };
    Ok(tracks(db, &[id]).await?.remove(&id).map(|name| (id, name)))
}

/// A store's name by its id.
pub async fn store(db: &Database, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM stores WHERE id = ?").bind(id).fetch_optional(db.pool()).await
}

/// The release (UPC) of a track's first statement line, if the line names one (an index seek).
pub async fn release_of(db: &Database, track: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT r.upc FROM statement_line_runs runs JOIN statement_lines l ON l.id = runs.first_id \
         JOIN releases r ON r.id = l.release_id WHERE runs.track_id = ? ORDER BY runs.first_id LIMIT 1",
    )
    .bind(track)
    .fetch_optional(db.pool())
    .await
}
