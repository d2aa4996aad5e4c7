//! The audit log: what admins did, who and when.

use chrono::{SecondsFormat, Utc};
use model::AuditEntry;
use sqlx::SqlitePool;

#[tracing::instrument(skip(pool))]
pub async fn record(pool: &SqlitePool, actor: &str, action: &str, detail: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)")
        .bind(Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true))
        .bind(actor)
        .bind(action)
        .bind(detail)
        .execute(pool)
        .await?;
    Ok(())
}

/// The latest entries, newest first.
pub async fn latest(pool: &SqlitePool, limit: u32) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let rows: Vec<(i64, String, String, String, String)> =
        sqlx::query_as("SELECT id, at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?")
            .bind(limit)
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, at, actor, action, detail)| AuditEntry { id, at, actor, action, detail })
        .collect())
}
