//! Saving and removing attribution rules: the rule and what it changes in the warehouse are one
//! write, made under the writer lock like a run's, so a file loading meanwhile either follows the
//! rule or is brought in line with it.

use model::format;

use super::{Etl, EtlError};
use crate::warehouse::attribution::{self, Applied, RuleKind};

/// Artists' names are bounded like a form field: a name longer than this is a mistake.
const MAX_ARTIST_NAME: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum AttributionError {
    #[error("unknown kind of rule \"{0}\": one of release, track or campaign")]
    UnknownKind(String),
    #[error("no {kind} {key} is stored: attribute what the imported files name")]
    UnknownKey { kind: &'static str, key: String },
    #[error("the artist's name {0}")]
    BadArtist(&'static str),
    #[error("there is no rule for {kind} {key}")]
    NoSuchRule { kind: &'static str, key: String },
    #[error(transparent)]
    Etl(#[from] EtlError),
}

impl From<sqlx::Error> for AttributionError {
    fn from(err: sqlx::Error) -> Self {
        Self::Etl(err.into())
    }
}

fn kind_of(text: &str) -> Result<RuleKind, AttributionError> {
    RuleKind::parse(text).ok_or_else(|| AttributionError::UnknownKind(text.chars().take(40).collect()))
}

impl Etl {
    /// Attributes a release, track or campaign that came without an artist to `artist` (a name
    /// or alias; an unknown name becomes a new artist), from now on and in what is stored.
    #[tracing::instrument(skip(self))]
    pub async fn set_attribution_rule(
        &self,
        kind: &str,
        key: &str,
        artist: &str,
        by: &str,
    ) -> Result<Applied, AttributionError> {
        let kind = kind_of(kind)?;
        let (key, artist) = (key.trim(), artist.trim());
        if artist.is_empty() || crate::warehouse::alias_key(artist).is_empty() {
            return Err(AttributionError::BadArtist("needs a letter or digit"));
        }
        if artist.chars().count() > MAX_ARTIST_NAME {
            return Err(AttributionError::BadArtist("is longer than 200 characters"));
        }
        let _writer = self.writer.lock().await;
        let mut tx = self.db.pool().begin_with("BEGIN IMMEDIATE").await?;
        let known: Option<i64> = sqlx::query_scalar(match kind {
            RuleKind::Track => "SELECT id FROM tracks WHERE isrc = ?",
            RuleKind::Release => "SELECT id FROM releases WHERE upc = ?",
            RuleKind::Campaign => {
                "SELECT id FROM entities WHERE source = 'meta_ads' AND kind = 'campaign' AND key = ?"
            }
        })
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        if known.is_none() {
            return Err(AttributionError::UnknownKey {
                kind: kind.as_str(),
                key: key.chars().take(64).collect(),
            });
        }
        sqlx::query(
            "INSERT INTO attribution_rules (kind, key, artist, created_by, created_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (kind, key) DO UPDATE SET artist = excluded.artist, created_by = excluded.created_by, \
             created_at = excluded.created_at",
        )
        .bind(kind.as_str())
        .bind(key)
        .bind(artist)
        .bind(by)
        .bind(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .execute(&mut *tx)
        .await?;
        let applied = attribution::apply(&mut tx).await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// Removes a rule: what it attributed goes back to no artist (unless another rule gives it one).
    #[tracing::instrument(skip(self))]
    pub async fn remove_attribution_rule(&self, kind: &str, key: &str) -> Result<Applied, AttributionError> {
        let kind = kind_of(kind)?;
        let _writer = self.writer.lock().await;
        let mut tx = self.db.pool().begin_with("BEGIN IMMEDIATE").await?;
        let removed = sqlx::query("DELETE FROM attribution_rules WHERE kind = ? AND key = ?")
            .bind(kind.as_str())
            .bind(key)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(AttributionError::NoSuchRule {
                kind: kind.as_str(),
                key: key.chars().take(64).collect(),
            });
        }
        let applied = attribution::apply(&mut tx).await?;
        tx.commit().await?;
        Ok(applied)
    }
}

/// What a change of the rules did, as the page says it.
pub fn describe(applied: Applied) -> String {
    let part = |n: u64, one: &str, many: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{} {many}", format::thousands(i64::try_from(n).unwrap_or(i64::MAX)))),
    };
    let parts: Vec<String> = [
        part(applied.lines, "statement line", "statement lines"),
        part(applied.facts, "ad campaign-day", "ad campaign-days"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        "nothing stored changed artist".to_string()
    } else {
        format!("{} changed artist", parts.join(" and "))
    }
}
