//! Finding a run's rejected files in the lake's rejected zone, for an admin to download.

use std::path::PathBuf;

use sqlx::SqlitePool;

use crate::lake::Lake;

/// A file a run rejected, still kept in the lake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedFile {
    pub run_file_id: i64,
    pub run_id: i64,
    /// The name it was imported under (use it for the download's name).
    pub name: String,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// Where its bytes are (read-only).
    pub path: PathBuf,
}

type Row = (i64, i64, String, Option<String>, String);

const COLUMNS: &str = "id, run_id, name, message, rejected_path";

/// The rejected file recorded as run file `run_file_id`; `None` when that run file was not
/// rejected out of landing or its file is no longer in the lake.
pub async fn rejected_file(
    pool: &SqlitePool,
    lake: &Lake,
    run_file_id: i64,
) -> Result<Option<RejectedFile>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM run_files WHERE id = ? AND rejected_path IS NOT NULL"
    ))
    .bind(run_file_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|row| found(lake, row)))
}

/// Every rejected file of run `run_id` still in the lake, in the run's order.
pub async fn rejected_files(
    pool: &SqlitePool,
    lake: &Lake,
    run_id: i64,
) -> Result<Vec<RejectedFile>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM run_files WHERE run_id = ? AND rejected_path IS NOT NULL ORDER BY id"
    ))
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(|row| found(lake, row)).collect())
}

fn found(lake: &Lake, (run_file_id, run_id, name, reason, place): Row) -> Option<RejectedFile> {
    let path = lake.rejected_file(&place)?;
    Some(RejectedFile { run_file_id, run_id, name, reason, path })
}
