//! Stored API connections: public settings in the clear, secrets sealed (see [`SecretBox`]),
//! the incremental state (last day loaded), and the "needs reconnect" flag on the source's
//! schedule.

use chrono::{DateTime, NaiveDate, Utc};
use model::SourceId;
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;

use super::secrets::{SecretBox, SecretError};

/// Everything secret about a connection; sealed as one JSON document.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Secrets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |s: &Option<String>| if s.is_some() { "set" } else { "-" };
        f.debug_struct("Secrets")
            .field("client_secret", &shown(&self.client_secret))
            .field("access_token", &shown(&self.access_token))
            .field("refresh_token", &shown(&self.refresh_token))
            .field("api_key", &shown(&self.api_key))
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct Connection {
    pub source: SourceId,
    pub client_id: Option<String>,
    /// Meta's ad account id, a Mailchimp audience…: what to pull, when the platform needs it.
    pub account: Option<String>,
    pub secrets: Secrets,
    pub access_expires_at: Option<DateTime<Utc>>,
    pub last_day: Option<NaiveDate>,
    /// The artist the pulled facts are attributed to (see [`ConnectionStore::set_artist`]).
    pub artist: Option<String>,
}

/// What the admin page shows of a connection (never a secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionStatus {
    pub source: SourceId,
    pub account: Option<String>,
    /// The artist its pulled facts are attributed to, as set.
    pub artist: Option<String>,
    pub last_day: Option<NaiveDate>,
    pub connected_at: String,
    pub connected_by: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("the stored secrets of {0} are not readable")]
    Corrupt(SourceId),
    #[error("{0:?} names no artist (it has no letter or digit)")]
    NoArtist(String),
}

#[derive(Clone, Debug)]
pub struct ConnectionStore {
    pool: SqlitePool,
    secrets: Option<SecretBox>,
}

fn now() -> String {
    Utc::now().to_rfc3339()
}

impl ConnectionStore {
    /// Without a secret box, connections can be listed but not stored or opened.
    pub fn new(pool: SqlitePool, secrets: Option<SecretBox>) -> Self {
        Self { pool, secrets }
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Whether secrets can be stored (a secret key is configured).
    pub fn can_store(&self) -> bool {
        self.secrets.is_some()
    }

    fn secret_box(&self) -> Result<&SecretBox, ConnectionError> {
        self.secrets.as_ref().ok_or(ConnectionError::Secret(SecretError::NoKey))
    }

    pub fn seal(&self, source: SourceId, plaintext: &[u8]) -> Result<Vec<u8>, ConnectionError> {
        Ok(self.secret_box()?.seal(plaintext, source.as_str()))
    }

    pub fn open(&self, source: SourceId, sealed: &[u8]) -> Result<Vec<u8>, ConnectionError> {
        Ok(self.secret_box()?.open(sealed, source.as_str())?)
    }

    /// Stores (or replaces) a connection and clears "needs reconnect". The incremental state is
    /// kept when the same account is reconnected.
    #[tracing::instrument(skip(self, secrets))]
    pub async fn connect(
        &self,
        source: SourceId,
        client_id: Option<&str>,
        account: Option<&str>,
        secrets: &Secrets,
        access_expires_at: Option<DateTime<Utc>>,
        by: Option<&str>,
    ) -> Result<(), ConnectionError> {
        let sealed = self.seal(source, &serde_json::to_vec(secrets).unwrap_or_default())?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO api_connections
                 (source, client_id, account, sealed_secrets, access_expires_at, connected_at, connected_by, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6)
             ON CONFLICT (source) DO UPDATE SET
                 client_id = excluded.client_id,
                 last_day = CASE WHEN account IS excluded.account THEN last_day END,
                 account = excluded.account,
                 sealed_secrets = excluded.sealed_secrets,
                 access_expires_at = excluded.access_expires_at,
                 connected_at = excluded.connected_at,
                 connected_by = excluded.connected_by,
                 updated_at = excluded.updated_at",
        )
        .bind(source.as_str())
        .bind(client_id)
        .bind(account)
        .bind(sealed)
        .bind(access_expires_at.map(|t| t.to_rfc3339()))
        .bind(now())
        .bind(by)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE source_schedules SET needs_reconnect = 0 WHERE source = ?1")
            .bind(source.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn disconnect(&self, source: SourceId) -> Result<bool, ConnectionError> {
        let done = sqlx::query("DELETE FROM api_connections WHERE source = ?1")
            .bind(source.as_str())
            .execute(&self.pool)
            .await?;
        sqlx::query("UPDATE source_schedules SET needs_reconnect = 0 WHERE source = ?1")
            .bind(source.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The connection of `source`, secrets opened; `None` when it is not connected.
    pub async fn load(&self, source: SourceId) -> Result<Option<Connection>, ConnectionError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            client_id: Option<String>,
            account: Option<String>,
            sealed_secrets: Vec<u8>,
            access_expires_at: Option<String>,
            last_day: Option<String>,
            artist: Option<String>,
        }
        let row: Option<Row> = sqlx::query_as(
            "SELECT client_id, account, sealed_secrets, access_expires_at, last_day, artist
             FROM api_connections WHERE source = ?1",
        )
        .bind(source.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(Row { client_id, account, sealed_secrets, access_expires_at: expires, last_day, artist }) =
            row
        else {
            return Ok(None);
        };
        let plain = self.open(source, &sealed_secrets)?;
        let secrets: Secrets =
            serde_json::from_slice(&plain).map_err(|_| ConnectionError::Corrupt(source))?;
        Ok(Some(Connection {
            source,
            client_id,
            account,
            secrets,
            access_expires_at: expires
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc)),
            last_day: last_day.and_then(|d| d.parse().ok()),
            artist,
        }))
    }

    /// Attributes the facts of `source`'s pulls from now on to `artist` (a name or alias, resolved
    /// through the alias table when each pull loads, as an import's `--artist` is), or to no
    /// artist. Facts already stored keep theirs until a pull brings their days again: each
    /// pull's file records the artist it was pulled for, so `etl rebuild` gives the same result.
    /// Kept when the source is reconnected. Returns whether `source` is connected.
    #[tracing::instrument(skip(self))]
    pub async fn set_artist(&self, source: SourceId, artist: Option<&str>) -> Result<bool, ConnectionError> {
        let artist = artist.map(str::trim).filter(|a| !a.is_empty());
        if let Some(name) = artist
            && crate::warehouse::alias_key(name).is_empty()
        {
            return Err(ConnectionError::NoArtist(name.to_string()));
        }
        let done = sqlx::query("UPDATE api_connections SET artist = ?2, updated_at = ?3 WHERE source = ?1")
            .bind(source.as_str())
            .bind(artist)
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The artist set for `source`'s pulls; `None` when none is set or it is not connected.
    pub async fn artist(&self, source: SourceId) -> Result<Option<String>, ConnectionError> {
        let artist: Option<Option<String>> =
            sqlx::query_scalar("SELECT artist FROM api_connections WHERE source = ?1")
                .bind(source.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(artist.flatten())
    }

    /// Stores refreshed tokens (a rotated refresh token replaces the old one at once: the old
    /// one no longer works).
    pub async fn update_secrets(
        &self,
        source: SourceId,
        secrets: &Secrets,
        access_expires_at: Option<DateTime<Utc>>,
    ) -> Result<(), ConnectionError> {
        let sealed = self.seal(source, &serde_json::to_vec(secrets).unwrap_or_default())?;
        sqlx::query(
            "UPDATE api_connections SET sealed_secrets = ?2, access_expires_at = ?3, updated_at = ?4
             WHERE source = ?1",
        )
        .bind(source.as_str())
        .bind(sealed)
        .bind(access_expires_at.map(|t| t.to_rfc3339()))
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that every day up to `day` is loaded (never moves back).
    pub async fn advance(&self, source: SourceId, day: NaiveDate) -> Result<(), ConnectionError> {
        sqlx::query(
            "UPDATE api_connections SET last_day = ?2, updated_at = ?3
             WHERE source = ?1 AND (last_day IS NULL OR last_day < ?2)",
        )
        .bind(source.as_str())
        .bind(day.to_string())
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn mark_needs_reconnect(&self, source: SourceId) -> Result<(), ConnectionError> {
        sqlx::query("UPDATE source_schedules SET needs_reconnect = 1 WHERE source = ?1")
            .bind(source.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn needs_reconnect(&self, source: SourceId) -> Result<bool, ConnectionError> {
        let flag: Option<i64> =
            sqlx::query_scalar("SELECT needs_reconnect FROM source_schedules WHERE source = ?1")
                .bind(source.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(flag == Some(1))
    }

    pub async fn list(&self) -> Result<Vec<ConnectionStatus>, ConnectionError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            source: String,
            account: Option<String>,
            artist: Option<String>,
            last_day: Option<String>,
            connected_at: String,
            connected_by: Option<String>,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT source, account, artist, last_day, connected_at, connected_by FROM api_connections \
             ORDER BY source",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|Row { source, account, artist, last_day, connected_at, connected_by }| {
                Some(ConnectionStatus {
                    source: source.parse().ok()?,
                    account,
                    artist,
                    last_day: last_day.and_then(|d| d.parse().ok()),
                    connected_at,
                    connected_by,
                })
            })
            .collect())
    }
}
