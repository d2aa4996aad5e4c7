//! The artist filter: a name as the user types it (`ZONE A0`, `zone.a0`, a Spotify id…) is found
//! through the alias table, so every spelling seen in the data selects the same artist.

use crate::{Database, warehouse::alias_key};

/// An artist of the warehouse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artist {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ArtistError {
    #[error("no artist {name:?} in the data; known artists: {known}")]
    Unknown { name: String, known: String },
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

/// Every artist of the warehouse, by name.
pub async fn all(db: &Database) -> Result<Vec<Artist>, sqlx::Error> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM artists ORDER BY name COLLATE NOCASE")
            .fetch_all(db.pool())
            .await?;
    Ok(rows.into_iter().map(|(id, name)| Artist { id, name }).collect())
}

/// The artist a name means, or an error listing the known artists.
pub async fn resolve(db: &Database, name: &str) -> Result<Artist, ArtistError> {
    let key = alias_key(name);
    let found: Option<(i64, String)> = sqlx::query_as(
        "SELECT a.id, a.name FROM artist_aliases x JOIN artists a ON a.id = x.artist_id WHERE x.alias_key = ?",
    )
    .bind(&key)
    .fetch_optional(db.pool())
    .await?;
    if let Some((id, name)) = found {
        return Ok(Artist { id, name });
    }
    // An artist of that name would come first (above); otherwise the filter's own entry.
    if name.trim().eq_ignore_ascii_case(super::unattributed::UNATTRIBUTED) {
        return Ok(Artist { id: 0, name: super::unattributed::UNATTRIBUTED.to_string() });
    }
    let known: Vec<String> =
        sqlx::query_scalar("SELECT name FROM artists ORDER BY name").fetch_all(db.pool()).await?;
    Err(ArtistError::Unknown {
        name: name.to_string(),
        known: if known.is_empty() { "none yet".to_string() } else { known.join(", ") },
    })
}
