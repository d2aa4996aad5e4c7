//! The `source_schedules` table: each source's cron expression and whether it is enabled.

use chrono::{SecondsFormat, Utc};
use model::SourceId;
use sqlx::SqlitePool;

use super::cron::{Cron, CronError};

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("the schedule of {id} is not valid: {error}")]
    Cron { id: SourceId, error: CronError },
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceSchedule {
    pub source: SourceId,
    pub cron: Cron,
    pub enabled: bool,
    pub needs_reconnect: bool,
}

#[derive(Clone, Debug)]
pub struct ScheduleStore {
    pool: SqlitePool,
}

impl ScheduleStore {
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }

    /// Every source's schedule, in catalogue order. A row that no longer parses (edited by hand)
    /// is reported as disabled rather than stopping the others.
    pub async fn list(&self) -> Result<Vec<SourceSchedule>, ScheduleError> {
        let rows: Vec<(String, String, bool, bool)> =
            sqlx::query_as("SELECT source, cron, enabled, needs_reconnect FROM source_schedules")
                .fetch_all(&self.pool)
                .await?;
        let mut out = Vec::new();
        for source in SourceId::ALL {
            let Some((_, text, enabled, needs_reconnect)) = rows.iter().find(|r| r.0 == source.as_str())
            else {
                continue;
            };
            match text.parse::<Cron>() {
                Ok(cron) => out.push(SourceSchedule {
                    source,
                    cron,
                    enabled: *enabled,
                    needs_reconnect: *needs_reconnect,
                }),
                Err(error) => tracing::error!(%source, %error, "stored schedule does not parse; skipped"),
            }
        }
        Ok(out)
    }

    pub async fn get(&self, source: SourceId) -> Result<Option<SourceSchedule>, ScheduleError> {
        Ok(self.list().await?.into_iter().find(|s| s.source == source))
    }

    /// Sets a source's schedule. The expression is checked first: a bad one changes nothing.
    pub async fn set(
        &self,
        source: SourceId,
        cron_text: &str,
        enabled: bool,
        by: &str,
    ) -> Result<SourceSchedule, ScheduleError> {
        let cron: Cron = cron_text.parse().map_err(|error| ScheduleError::Cron { id: source, error })?;
        sqlx::query(
            "INSERT INTO source_schedules (source, cron, enabled, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (source) DO UPDATE SET cron = excluded.cron, enabled = excluded.enabled, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(source.as_str())
        .bind(cron.to_string())
        .bind(enabled)
        .bind(Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true))
        .bind(by)
        .execute(&self.pool)
        .await?;
        Ok(SourceSchedule { source, cron, enabled, needs_reconnect: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Database;

    #[tokio::test]
    async fn every_source_has_a_default_and_bad_expressions_change_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Database::open(&dir.path().join("t.db")).await.expect("open");
        let store = ScheduleStore::new(db.pool().clone());
        let all = store.list().await.expect("list");
        assert_eq!(all.len(), 8);
        assert!(all.iter().all(|s| s.enabled));

        let err = store.set(SourceId::Distrokid, "0 24 * * *", false, "ada").await.expect_err("bad hour");
        assert!(err.to_string().contains("hour"), "{err}");
        let kept = store.get(SourceId::Distrokid).await.expect("get").expect("row");
        assert_eq!(kept.cron.to_string(), "0 5 * * *");
        assert!(kept.enabled);

        store.set(SourceId::Distrokid, "*/30 * * * *", false, "ada").await.expect("set");
        let changed = store.get(SourceId::Distrokid).await.expect("get").expect("row");
        assert_eq!(changed.cron.to_string(), "*/30 * * * *");
        assert!(!changed.enabled);
    }
}
