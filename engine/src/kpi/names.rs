//! What the pages call things: a track by its title and artist (the statements key it by
//! ISRC), a territory by its name (see `sources::country::territory_name`).

use std::collections::HashMap;

use crate::Database;

/// A track as people know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackName {
    pub isrc: String,
    pub title: String,
    /// The artist of the track's first statement line that names one; `None` when none does.
    pub artist: Option<String>,
    /// The release (UPC) of its first statement line that names one.
    pub release: Option<String>,
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

/// The names of the tracks `ids`, in one statement (each row a few index seeks: the track's
/// runs of lines are keyed by track first; counting every line's artist would read all of a
/// track's lines).
pub async fn tracks(db: &Database, ids: &[i64]) -> Result<HashMap<i64, TrackName>, sqlx::Error> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT t.id, t.isrc, t.title, (SELECT a.name FROM statement_line_runs runs \
               JOIN statement_lines l ON l.id = runs.first_id JOIN artists a ON a.id = l.artist_id \
               WHERE runs.track_id = t.id ORDER BY runs.first_id LIMIT 1), \
             (SELECT r.upc FROM statement_line_runs runs JOIN statement_lines l ON l.id = runs.first_id \
               JOIN releases r ON r.id = l.release_id WHERE runs.track_id = t.id ORDER BY runs.first_id LIMIT 1) \
             FROM tracks t WHERE t.id IN (",
        );
        let mut list = qb.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        qb.push(")");
        type Row = (i64, String, String, Option<String>, Option<String>);
        let rows: Vec<Row> = qb.build_query_as().fetch_all(db.pool()).await?;
        for (id, isrc, title, artist, release) in rows {
            out.insert(id, TrackName { isrc, title, artist, release });
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
