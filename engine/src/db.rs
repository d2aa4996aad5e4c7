//! The SQLite warehouse: one file in the data directory, WAL mode, migrations at start-up.

use std::{path::Path, str::FromStr, time::Duration};

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

/// A handle on the warehouse. Cheap to clone (a pool).
#[derive(Clone, Debug)]
pub struct Database {
    pool: SqlitePool,
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
            .busy_timeout(Duration::from_secs(10));
        let pool =
            SqlitePoolOptions::new().max_connections(8).connect_with(options).await.map_err(open_err)?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Whether the database answers a query (the readiness probe).
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
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
}
