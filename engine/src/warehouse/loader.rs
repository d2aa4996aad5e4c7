//! Writes one file's records into the warehouse, inside a transaction the caller owns (so the
//! file goes in whole or not at all). Dimension ids are cached for the file; facts are inserted
//! in multi-row batches; a fact whose natural key is already stored is skipped or replaced by the
//! rules of its table.

use std::collections::HashMap;

use model::SourceId;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::{Record, StatementLine, alias_key};
use crate::time::{YearMonth, date_int};

/// Rows per INSERT: 19 bound values each stays far below SQLite's 32,766-variable limit.
const BATCH_ROWS: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("database error while loading: {0}")]
    Db(#[from] sqlx::Error),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// Rows written (new or replacing an older value).
    pub rows_loaded: u64,
    /// Rows already stored from an earlier file (e.g. the old lines of a re-downloaded statement).
    pub rows_skipped: u64,
}

struct PendingLine {
    line: u64,
    key: i64,
    store_id: i64,
    artist_id: Option<i64>,
    track_id: Option<i64>,
    record: Box<StatementLine>,
}

pub struct Loader<'c> {
    conn: &'c mut SqliteConnection,
    raw_file_id: i64,
    artist_override: Option<String>,
    artists: HashMap<String, i64>,
    stores: HashMap<String, i64>,
    tracks: HashMap<String, i64>,
    occurrences: HashMap<(SourceId, u64), u32>,
    pending: Vec<PendingLine>,
    stats: LoadStats,
}

impl<'c> Loader<'c> {
    /// `artist_override`: the artist named at import, which beats what the file says.
    pub fn new(conn: &'c mut SqliteConnection, raw_file_id: i64, artist_override: Option<String>) -> Self {
        Self {
            conn,
            raw_file_id,
            artist_override,
            artists: HashMap::new(),
            stores: HashMap::new(),
            tracks: HashMap::new(),
            occurrences: HashMap::new(),
            pending: Vec::with_capacity(BATCH_ROWS),
            stats: LoadStats::default(),
        }
    }

    pub async fn add(&mut self, line: u64, record: Record) -> Result<(), LoadError> {
        match record {
            Record::StatementLine(mut rec) => {
                if let Some(artist) = &self.artist_override {
                    rec.artist = Some(artist.clone());
                }
                let occurrence = self.occurrences.entry((rec.source, rec.identity)).or_insert(0);
                *occurrence += 1;
                let key = line_key(rec.identity, *occurrence);
                let store_id = self.store(&rec.store).await?;
                let artist_id = match rec.artist.as_deref() {
                    Some(name) => self.artist(name).await?,
                    None => None,
                };
                let track_id = match rec.isrc.as_deref() {
                    Some(isrc) => Some(self.track(isrc, &rec.title).await?),
                    None => None,
                };
                self.pending.push(PendingLine { line, key, store_id, artist_id, track_id, record: rec });
                if self.pending.len() >= BATCH_ROWS {
                    self.flush().await?;
                }
            }
        }
        Ok(())
    }

    pub async fn finish(mut self) -> Result<LoadStats, LoadError> {
        self.flush().await?;
        Ok(self.stats)
    }

    async fn flush(&mut self) -> Result<(), LoadError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let rows = self.pending.len() as u64;
        let raw_file_id = self.raw_file_id;
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO statement_lines (source, line_key, raw_file_id, line, reporting_date, sale_month, \
             sale_date, store_id, artist_id, track_id, title, upc, country, quantity, team_percentage, \
             earnings, currency, withheld, recoup) ",
        );
        qb.push_values(self.pending.drain(..), |mut b, p| {
            let r = p.record;
            b.push_bind(r.source.as_str())
                .push_bind(p.key)
                .push_bind(raw_file_id)
                .push_bind(i64::try_from(p.line).unwrap_or(i64::MAX))
                .push_bind(date_int(r.reporting_date))
                .push_bind(month_int(r.sale_month))
                .push_bind(r.sale_date.map(date_int))
                .push_bind(p.store_id)
                .push_bind(p.artist_id)
                .push_bind(p.track_id)
                .push_bind(if p.track_id.is_none() { Some(r.title) } else { None })
                .push_bind(r.upc)
                .push_bind(r.country)
                .push_bind(r.quantity)
                .push_bind(r.team_percentage.map(|d| d.to_string()))
                .push_bind(r.earnings.to_string())
                .push_bind(r.currency)
                .push_bind(r.withheld.map(|d| d.to_string()))
                .push_bind(r.recoup.map(|d| d.to_string()));
        });
        // A line already stored (same identity and occurrence) came from an earlier download of
        // the same cumulative statement: it keeps its original lineage.
        qb.push(" ON CONFLICT (source, line_key) DO NOTHING");
        let done = qb.build().execute(&mut *self.conn).await?;
        self.stats.rows_loaded += done.rows_affected();
        self.stats.rows_skipped += rows - done.rows_affected();
        Ok(())
    }

    async fn store(&mut self, name: &str) -> Result<i64, LoadError> {
        if let Some(&id) = self.stores.get(name) {
            return Ok(id);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO stores (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
        )
        .bind(name)
        .fetch_one(&mut *self.conn)
        .await?;
        self.stores.insert(name.to_string(), id);
        Ok(id)
    }

    async fn artist(&mut self, name: &str) -> Result<Option<i64>, LoadError> {
        let key = alias_key(name);
        if key.is_empty() {
            return Ok(None);
        }
        if let Some(&id) = self.artists.get(&key) {
            return Ok(Some(id));
        }
        let known: Option<i64> =
            sqlx::query_scalar("SELECT artist_id FROM artist_aliases WHERE alias_key = ?")
                .bind(&key)
                .fetch_optional(&mut *self.conn)
                .await?;
        let id = match known {
            Some(id) => id,
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO artists (name) VALUES (?) \
                     ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
                )
                .bind(name.trim())
                .fetch_one(&mut *self.conn)
                .await?;
                sqlx::query(
                    "INSERT INTO artist_aliases (alias_key, artist_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                )
                .bind(&key)
                .bind(id)
                .execute(&mut *self.conn)
                .await?;
                id
            }
        };
        self.artists.insert(key, id);
        Ok(Some(id))
    }

    async fn track(&mut self, isrc: &str, title: &str) -> Result<i64, LoadError> {
        if let Some(&id) = self.tracks.get(isrc) {
            return Ok(id);
        }
        // The first title seen is kept; later spellings do not rename the track.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tracks (isrc, title) VALUES (?, ?) \
             ON CONFLICT (isrc) DO UPDATE SET isrc = excluded.isrc RETURNING id",
        )
        .bind(isrc)
        .bind(title)
        .fetch_one(&mut *self.conn)
        .await?;
        self.tracks.insert(isrc.to_string(), id);
        Ok(id)
    }
}

fn month_int(m: YearMonth) -> i64 {
    m.as_int()
}

/// A line's key: its identity and its occurrence among identical lines of its file.
fn line_key(identity: u64, occurrence: u32) -> i64 {
    let mut bytes = [0u8; 12];
    bytes[..8].copy_from_slice(&identity.to_le_bytes());
    bytes[8..].copy_from_slice(&occurrence.to_le_bytes());
    i64::from_ne_bytes(xxhash_rust::xxh3::xxh3_64(&bytes).to_ne_bytes())
}
