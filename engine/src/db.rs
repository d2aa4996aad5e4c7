//! The SQLite warehouse: one file in the data directory, WAL mode, migrations at start-up.

use std::{path::Path, str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    SqlitePool,
    migrate::Migrator,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

/// The schema, embedded in the binary so a deployed `soundcheck` needs no `migrations/` folder.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: String, source: sqlx::Error },
    #[error("cannot apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

/// How often the WAL is copied back into the database file when nobody asks sooner.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(30);

/// A handle on the warehouse. Cheap to clone (a pool).
#[derive(Clone, Debug)]
pub struct Database {
    pool: SqlitePool,
    checkpoints: Arc<Checkpointer>,
}

/// Copies the WAL back into the database file in the background. SQLite's own automatic
/// checkpoint runs inside whichever commit finds the WAL over 1,000 pages: after a large import
/// that is the import's commit, or the next small write of anyone (a login), which then waits
/// while some 200 MB are copied (0.7–1 s after a million-line statement). Here it runs on its
/// own, after imports and every [`CHECKPOINT_EVERY`]; readers and writers go on meanwhile.
#[derive(Debug)]
struct Checkpointer {
    wake: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Checkpointer {
    fn start(pool: SqlitePool) -> Self {
        let wake = Arc::new(tokio::sync::Notify::new());
        let task = tokio::spawn(Self::run(pool, Arc::clone(&wake)));
        Self { wake, task }
    }

    async fn run(pool: SqlitePool, wake: Arc<tokio::sync::Notify>) {
        loop {
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(CHECKPOINT_EVERY) => {}
            }
            if pool.is_closed() {
                return;
            }
            // PASSIVE: copies what no reader still needs, never blocks anyone.
            if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                tracing::warn!(error = %err, "WAL checkpoint failed; retrying later");
            }
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Database {
    /// Opens (creating when missing) the database file and brings its schema up to date.
    #[tracing::instrument(skip_all, fields(path = %path.display()))]
    pub async fn open(path: &Path) -> Result<Self, DbError> {
        let open_err = |source| DbError::Open { path: path.display().to_string(), source };
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(open_err)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL is durable across application crashes; only an OS crash may lose the
            // last commits, never corrupt the file.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // The checkpointer below does it, so that no commit waits for it.
            .pragma("wal_autocheckpoint", "0");
        let pool =
            SqlitePoolOptions::new().max_connections(8).connect_with(options).await.map_err(open_err)?;
        MIGRATOR.run(&pool).await?;
        let mut tx = pool.begin().await?;
        if crate::warehouse::rollup::needs_refresh(&mut tx).await? {
            tracing::info!("filling the revenue rollups from the stored statement lines");
            crate::warehouse::rollup::refresh_all(&mut tx).await?;
        }
        if crate::warehouse::daily_series::needs_refresh(&mut tx).await? {
            tracing::info!("filling the daily series from the stored daily facts");
            crate::warehouse::daily_series::refresh_all(&mut tx).await?;
        }
        tx.commit().await?;
        let checkpoints = Arc::new(Checkpointer::start(pool.clone()));
        Ok(Self { pool, checkpoints })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Copies the WAL into the database file, empties it and closes every connection: for
    /// commands that exit after writing (a server checkpoints as it runs). Best effort: a
    /// failure is logged, and the next start copies the WAL anyway.
    pub async fn close(&self) {
        if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await {
            tracing::warn!(error = %err, "could not checkpoint the WAL before closing");
        }
        self.pool.close().await;
    }

    /// Asks for the WAL to be copied into the database file now (after a large write), in the
    /// background.
    pub fn checkpoint_soon(&self) {
        self.checkpoints.wake.notify_one();
    }

    /// Whether the database answers a query (the readiness probe).
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use model::SourceId;

    use super::*;

    #[tokio::test]
    async fn opens_in_wal_mode_and_migrates() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Database::open(&dir.path().join("soundcheck.db")).await.expect("open");
        let mode: String =
            sqlx::query_scalar("PRAGMA journal_mode").fetch_one(db.pool()).await.expect("pragma");
        assert_eq!(mode, "wal");
        let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'users'")
            .fetch_one(db.pool())
            .await
            .expect("query");
        assert_eq!(tables, 1);
        db.ping().await.expect("ping");
    }

    #[tokio::test]
    async fn reopening_keeps_data_and_does_not_reapply_migrations() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("soundcheck.db");
        {
            let db = Database::open(&path).await.expect("open");
            sqlx::query(
                "INSERT INTO users (name, role, password_hash, created_at) VALUES ('a', 'admin', 'x', 'now')",
            )
            .execute(db.pool())
            .await
            .expect("insert");
        }
        let db = Database::open(&path).await.expect("reopen");
        let n: i64 =
            sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(db.pool()).await.expect("count");
        assert_eq!(n, 1);
    }

    /// A database at `path` with the first `n` migrations only, as an older version left it.
    async fn migrated_up_to(path: &Path, n: usize) -> sqlx::SqlitePool {
        let pool = sqlx::SqlitePool::connect_with(
            SqliteConnectOptions::new().filename(path).create_if_missing(true),
        )
        .await
        .expect("connect");
        let before = Migrator {
            migrations: std::borrow::Cow::Owned(MIGRATOR.migrations[..n].to_vec()),
            ..Migrator::DEFAULT
        };
        before.run(&pool).await.expect("migrate");
        pool
    }

    /// Statement lines stored before migration 0004 get their split earnings and the rollups,
    /// and (migration 0010) their keys in the key table, so a re-downloaded statement still
    /// finds them.
    #[tokio::test]
    async fn upgrading_splits_old_earnings_and_fills_the_rollups() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("soundcheck.db");
        {
            let pool = migrated_up_to(&path, 3).await;
            sqlx::query(
                "INSERT INTO raw_files (id, sha256, size_bytes, original_name, received_at, status) \
                 VALUES (1, 'x', 1, 'a.tsv', 'now', 'loaded'); INSERT INTO stores (id, name) VALUES (1, 'Spotify');",
            )
            .execute(&pool)
            .await
            .expect("insert");
            for (i, earnings) in
                ["12.345678901234", "-0.5", "3", "0.0000000000015", "-1.25000000000000000"].iter().enumerate()
            {
                sqlx::query(
                    "INSERT INTO statement_lines (source, line_key, raw_file_id, line, reporting_date, sale_month, \
                     store_id, quantity, earnings, currency, upc) \
                     VALUES ('distrokid', ?, 1, ?, 20250301, 202501, 1, 1, ?, 'USD', ?)",
                )
                .bind(i as i64)
                .bind(i as i64 + 2)
                .bind(earnings)
                .bind((i % 2 == 0).then(|| format!("19889150006{}", i / 2)))
                .execute(&pool)
                .await
                .expect("line");
            }
        }
        let db = Database::open(&path).await.expect("upgrade");
        let parts: Vec<(i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT earnings_whole, earnings_pico, earnings_rest FROM statement_lines ORDER BY line",
        )
        .fetch_all(db.pool())
        .await
        .expect("parts");
        assert_eq!(
            parts,
            [
                (12, 345_678_901_234, None),
                (0, -500_000_000_000, None),
                (3, 0, None),
                (0, 1, Some("0.0000000000005".to_string())),
                (-1, -250_000_000_000, None),
            ]
        );
        let (whole, pico, rest, lines): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT SUM(earnings_whole), SUM(earnings_pico), SUM(rest_lines), SUM(lines) FROM revenue_by_store",
        )
        .fetch_one(db.pool())
        .await
        .expect("rollup");
        assert_eq!((whole, pico, rest, lines), (14, -404_321_098_765, 1, 5));
        // Migration 0011: the amount's text is computed from the split, canonical and exact.
        let texts: Vec<String> =
            sqlx::query_scalar("SELECT earnings FROM statement_lines_readable ORDER BY line")
                .fetch_all(db.pool())
                .await
                .expect("texts");
        assert_eq!(texts, ["12.345678901234", "-0.5", "3", "0.0000000000015", "-1.25"]);
        // Migration 0012: UPCs became release ids, and read back the same.
        let upcs: Vec<Option<String>> =
            sqlx::query_scalar("SELECT upc FROM statement_lines_readable ORDER BY line")
                .fetch_all(db.pool())
                .await
                .expect("upcs");
        let expected = ["198891500060", "", "198891500061", "", "198891500062"];
        assert_eq!(upcs, expected.map(|u| (!u.is_empty()).then(|| u.to_string())));
        // An amount beyond the integer parts is kept whole in the rest, and read back as it is.
        sqlx::query(
            "INSERT INTO statement_lines (source, raw_file_id, line, reporting_date, sale_month, \
             store_id, quantity, earnings_rest, currency) \
             VALUES ('distrokid', 1, 9, 20250301, 202501, 1, 1, '-98765432109876543210.25', 'USD')",
        )
        .execute(db.pool())
        .await
        .expect("large line");
        let large: String =
            sqlx::query_scalar("SELECT earnings FROM statement_lines_readable WHERE line = 9")
                .fetch_one(db.pool())
                .await
                .expect("large");
        assert_eq!(large, "-98765432109876543210.25");
        // Migration 0014: keys 0 to 4 share bucket 0, one set of the keys stored before it.
        let sets: Vec<(String, i64, i64, String)> = sqlx::query_as(
            "SELECT source, bucket, raw_file_id, hex(keys) FROM statement_line_key_sets ORDER BY bucket",
        )
        .fetch_all(db.pool())
        .await
        .expect("keys");
        let keys: String = (0..5).map(|k| format!("{k:016X}")).collect();
        assert_eq!(sets, [("distrokid".to_string(), 0, 0, keys)]);
    }

    /// Migration 0014: keys stored one per row become sets by source and bucket (the top 16
    /// bits), each its keys sorted in unsigned order, 8 bytes each, big-endian.
    #[tokio::test]
    async fn upgrading_gathers_the_line_keys_into_sets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("soundcheck.db");
        let keys: [(i64, &str); 6] = [
            (-2, "distrokid"),
            (7, "distrokid"),
            (-5, "distrokid"),
            (1 << 48, "distrokid"),
            (3, "distrokid"),
            (7, "toolost"),
        ];
        {
            let pool = migrated_up_to(&path, 13).await;
            for (key, source) in keys {
                sqlx::query("INSERT INTO statement_line_keys (line_key, source) VALUES (?, ?)")
                    .bind(key)
                    .bind(source)
                    .execute(&pool)
                    .await
                    .expect("key");
            }
        }
        let db = Database::open(&path).await.expect("upgrade");
        let sets: Vec<(String, i64, i64, Vec<u8>)> = sqlx::query_as(
            "SELECT source, bucket, raw_file_id, keys FROM statement_line_key_sets ORDER BY source, bucket",
        )
        .fetch_all(db.pool())
        .await
        .expect("sets");
        let set =
            |keys: &[i64]| keys.iter().flat_map(|k| k.cast_unsigned().to_be_bytes()).collect::<Vec<u8>>();
        let expected = [
            ("distrokid".to_string(), 0, 0, set(&[3, 7])),
            ("distrokid".to_string(), 1, 0, set(&[1 << 48])),
            ("distrokid".to_string(), 65535, 0, set(&[-5, -2])),
            ("toolost".to_string(), 0, 0, set(&[7])),
        ];
        assert_eq!(sets, expected);
        let old: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'statement_line_keys'")
                .fetch_one(db.pool())
                .await
                .expect("schema");
        assert_eq!(old, 0, "the table of one key per row is gone");
    }

    /// Migration 0013: the territory rollups are regrouped (by store and territory, by track and
    /// territory) from what was stored, and the stored lines get their runs.
    #[tokio::test]
    async fn upgrading_regroups_the_territory_rollups_and_finds_the_runs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("soundcheck.db");
        {
            let pool = migrated_up_to(&path, 12).await;
            sqlx::query(
                "INSERT INTO raw_files (id, sha256, size_bytes, original_name, received_at, status) \
                 VALUES (1, 'x', 1, 'a.tsv', 'now', 'loaded'); \
                 INSERT INTO stores (id, name) VALUES (1, 'Spotify'), (2, 'Deezer'); \
                 INSERT INTO tracks (id, isrc, title) VALUES (1, 'QZTB90000001', 'a'), (2, 'QZTB90000002', 'b'); \
                 INSERT INTO statement_lines (id, source, raw_file_id, line, reporting_date, sale_month, store_id, \
                   track_id, country, quantity, currency) VALUES \
                   (1, 'distrokid', 1, 2, 20250301, 202501, 1, 1, 'US', 1, 'USD'), \
                   (2, 'distrokid', 1, 3, 20250301, 202501, 1, 2, 'DE', 1, 'USD'), \
                   (3, 'distrokid', 1, 4, 20250301, 202501, 2, 1, 'US', 1, 'USD'), \
                   (4, 'distrokid', 1, 5, 20250301, 202501, 2, 1, 'US', 1, 'USD'); \
                 INSERT INTO revenue_by_store VALUES (202501, 'distrokid', 0, 1, 'USD', 20250101, 20250301, 4, 0, 0, 2, 2), \
                   (202501, 'distrokid', 0, 2, 'USD', 20250101, 20250301, 2, 0, 0, 2, 2); \
                 INSERT INTO revenue_by_track_country VALUES \
                   (1, 202501, 'distrokid', 0, 1, 'US', 'USD', 20250101, 1, 0, 0, 1, 1), \
                   (2, 202501, 'distrokid', 0, 1, 'DE', 'USD', 20250101, 3, 0, 0, 1, 1), \
                   (1, 202501, 'distrokid', 0, 2, 'US', 'USD', 20250101, 2, 0, 0, 2, 2);",
            )
            .execute(&pool)
            .await
            .expect("insert");
        }
        let db = Database::open(&path).await.expect("upgrade");
        let by_country: Vec<(i64, String, i64, i64)> = sqlx::query_as(
            "SELECT store_id, country, earnings_whole, lines FROM revenue_by_store_country ORDER BY 1, 2",
        )
        .fetch_all(db.pool())
        .await
        .expect("by country");
        assert_eq!(by_country, [(1, "DE".into(), 3, 1), (1, "US".into(), 1, 1), (2, "US".into(), 2, 2)]);
        let by_track: Vec<(i64, String, i64, i64)> = sqlx::query_as(
            "SELECT track_id, country, earnings_whole, lines FROM revenue_by_track_country ORDER BY 1, 2",
        )
        .fetch_all(db.pool())
        .await
        .expect("by track");
        assert_eq!(by_track, [(1, "US".into(), 3, 3), (2, "DE".into(), 3, 1)]);
        let runs: Vec<(i64, i64, i64)> =
            sqlx::query_as("SELECT track_id, first_id, last_id FROM statement_line_runs ORDER BY 1, 2")
                .fetch_all(db.pool())
                .await
                .expect("runs");
        assert_eq!(runs, [(1, 1, 1), (1, 3, 4), (2, 2, 2)]);
    }

    /// Meta campaign-days stored twice before migration 0017 (an export imported with
    /// `--artist`, then a pull of the same days) become one fact: the newest figure, with the
    /// artist the export named, and the series are summed again without the duplicates.
    #[tokio::test]
    async fn upgrading_keeps_one_fact_per_meta_campaign_day() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("soundcheck.db");
        {
            let pool = migrated_up_to(&path, 16).await;
            sqlx::query(
                "INSERT INTO raw_files (id, sha256, size_bytes, original_name, received_at, status) VALUES \
                 (1, 'a', 1, 'export.csv', 'now', 'loaded'), (2, 'b', 1, 'pull.jsonl', 'now', 'loaded'); \
                 INSERT INTO artists (id, name) VALUES (7, 'ZONE A0'); \
                 INSERT INTO entities (id, source, kind, key) VALUES (3, 'meta_ads', 'campaign', '120210987654321098'); \
                 INSERT INTO daily_facts (source, metric, artist_id, entity_id, day, value, raw_file_id, line) VALUES \
                 ('meta_ads', 'ad_impressions', 7, 3, 20250201, 15000, 1, 3), \
                 ('meta_ads', 'ad_impressions', 0, 3, 20250201, 15100, 2, 2), \
                 ('meta_ads', 'ad_impressions', 7, 3, 20250202, 10001, 1, 5), \
                 ('youtube', 'views', 7, 0, 20250201, 5, 1, 2), ('youtube', 'views', 0, 0, 20250201, 9, 2, 2);",
            )
            .execute(&pool)
            .await
            .expect("insert");
            let mut conn = pool.acquire().await.expect("conn");
            let rates = crate::kpi::currency::Rates::load_on(&mut conn).await.expect("rates");
            for source in [SourceId::MetaAds, SourceId::Youtube] {
                crate::warehouse::daily_series::refresh(&mut conn, source, &rates).await.expect("series");
            }
        }
        let db = Database::open(&path).await.expect("upgrade");
        let facts: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT source, artist_id, day, value, raw_file_id FROM daily_facts ORDER BY source, day, artist_id",
        )
        .fetch_all(db.pool())
        .await
        .expect("facts");
        assert_eq!(
            facts,
            [
                ("meta_ads".into(), 7, 20250201, 15100, 2),
                ("meta_ads".into(), 7, 20250202, 10001, 1),
                // Other sources keep a row per artist.
                ("youtube".into(), 0, 20250201, 9, 2),
                ("youtube".into(), 7, 20250201, 5, 1),
            ]
        );
        let all_artists: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT day, value FROM daily_series WHERE source = 'meta_ads' AND artist_id = -1 ORDER BY day",
        )
        .fetch_all(db.pool())
        .await
        .expect("series");
        assert_eq!(all_artists, [(20250201, 15100), (20250202, 10001)]);
    }

    /// With the automatic checkpoint off, a command that exits still leaves no WAL behind.
    #[tokio::test]
    async fn closing_copies_the_wal_into_the_database_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("soundcheck.db");
        let db = Database::open(&path).await.expect("open");
        sqlx::query(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES ('a', 'admin', 'x', 'now')",
        )
        .execute(db.pool())
        .await
        .expect("insert");
        db.close().await;
        let wal = dir.path().join("soundcheck.db-wal");
        assert_eq!(std::fs::metadata(&wal).map_or(0, |m| m.len()), 0, "the WAL is gone or empty");
        let db = Database::open(&path).await.expect("reopen");
        let n: i64 =
            sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(db.pool()).await.expect("count");
        assert_eq!(n, 1);
    }

    /// Migration 0019 rebuilds `runs` (a new status and a note) with foreign keys on: the runs,
    /// their files and quarantined rows all stay, still tied together; earlier runs of landing
    /// that found nothing are relabelled.
    #[tokio::test]
    async fn upgrading_lets_runs_say_they_had_nothing_to_do() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("soundcheck.db");
        {
            let pool = migrated_up_to(&path, 18).await;
            sqlx::query(
                "INSERT INTO runs (id, trigger, kind, source, started_at, finished_at, status, files_total, \
                 files_loaded, files_rejected, rows_read, pid) VALUES \
                 (1, 'cli', 'import', NULL, 'a', 'b', 'partial', 2, 1, 1, 10, 7), \
                 (2, 'admin', 'etl', 'mailchimp', 'c', 'd', 'succeeded', 0, 0, 0, 0, 7), \
                 (3, 'schedule', 'etl', 'distrokid', 'e', NULL, 'running', 1, 0, 0, 0, 7); \
                 INSERT INTO run_files (id, run_id, name, outcome) VALUES (1, 1, 'a.tsv', 'loaded'), \
                 (2, 1, 'b.tsv', 'rejected'); \
                 INSERT INTO quarantine (run_id, file_name, line, reason) VALUES (1, 'b.tsv', 3, 'bad');",
            )
            .execute(&pool)
            .await
            .expect("insert");
            pool.close().await;
        }
        let db = Database::open(&path).await.expect("upgrade");
        let runs: Vec<(i64, String, i64, Option<String>)> =
            sqlx::query_as("SELECT id, status, rows_read, note FROM runs ORDER BY id")
                .fetch_all(db.pool())
                .await
                .expect("runs");
        assert_eq!(
            runs,
            [
                (1, "partial".to_string(), 10, None),
                (2, "nothing_to_do".to_string(), 0, Some("nothing was waiting in landing".to_string())),
                (3, "running".to_string(), 0, None),
            ]
        );
        let files: i64 = sqlx::query_scalar("SELECT count(*) FROM run_files WHERE run_id = 1")
            .fetch_one(db.pool())
            .await
            .expect("files");
        assert_eq!(files, 2);
        let broken: Vec<(String, i64, String, i64)> =
            sqlx::query_as("PRAGMA foreign_key_check").fetch_all(db.pool()).await.expect("check");
        assert!(broken.is_empty(), "{broken:?}");
        // Still enforced, against the new table.
        let orphan = sqlx::query("INSERT INTO run_files (run_id, name, outcome) VALUES (99, 'x', 'loaded')")
            .execute(db.pool())
            .await;
        assert!(orphan.is_err(), "a file of a run that does not exist was accepted");
        let index: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'runs_by_source'")
                .fetch_one(db.pool())
                .await
                .expect("index");
        assert_eq!(index, 1);
        let bad = sqlx::query("UPDATE runs SET status = 'fine' WHERE id = 1").execute(db.pool()).await;
        assert!(bad.is_err(), "the status set is still checked");
    }
}
