//! Reading the run record back: run history, one run's files, its quarantined rows.

use model::{QuarantinedRow, RunDetail, RunFileResult, RunSummary, SourceId};
use sqlx::{FromRow, SqlitePool};

#[derive(FromRow)]
struct RunRow {
    id: i64,
    trigger: String,
    kind: String,
    source: Option<String>,
    started_at: String,
    finished_at: Option<String>,
    status: String,
    files_total: i64,
    files_loaded: i64,
    files_rejected: i64,
    files_skipped: i64,
    rows_read: i64,
    rows_loaded: i64,
    rows_rejected: i64,
    error: Option<String>,
    note: Option<String>,
}

impl From<RunRow> for RunSummary {
    fn from(r: RunRow) -> Self {
        RunSummary {
            id: r.id,
            trigger: r.trigger,
            kind: r.kind,
            source: r.source.and_then(|s| s.parse().ok()),
            started_at: r.started_at,
            finished_at: r.finished_at,
            time_zone: "UTC".into(),
            status: r.status,
            files_total: r.files_total,
            files_loaded: r.files_loaded,
            files_rejected: r.files_rejected,
            files_skipped: r.files_skipped,
            rows_read: r.rows_read,
            rows_loaded: r.rows_loaded,
            rows_rejected: r.rows_rejected,
            error: r.error,
            note: r.note,
        }
    }
}

const RUN_COLUMNS: &str = "id, trigger, kind, source, started_at, finished_at, status, files_total, files_loaded, \
     files_rejected, files_skipped, rows_read, rows_loaded, rows_rejected, error, note";

/// The latest runs, newest first.
pub async fn latest_runs(pool: &SqlitePool, limit: u32) -> Result<Vec<RunSummary>, sqlx::Error> {
    let rows: Vec<RunRow> =
        sqlx::query_as(&format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?"))
            .bind(limit)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The latest run that concerned `source`: run for it, or loading one of its files.
pub async fn last_run_of(pool: &SqlitePool, source: SourceId) -> Result<Option<RunSummary>, sqlx::Error> {
    let row: Option<RunRow> = sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE source = ?1 \
         OR id IN (SELECT run_id FROM run_files WHERE source = ?1) ORDER BY id DESC LIMIT 1"
    ))
    .bind(source.as_str())
    .fetch_optional(pool)
    .await?;
    Ok(row.map(Into::into))
}

/// Why the source's latest file was rejected, when it was: a file recognised as the source's, or
/// any file of a run of that source (an unrecognised file has no source of its own).
pub async fn last_rejection_of(pool: &SqlitePool, source: SourceId) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String, Option<String>, String)> = sqlx::query_as(
        "SELECT outcome, message, name FROM run_files WHERE source = ?1 \
         OR run_id IN (SELECT id FROM runs WHERE source = ?1) ORDER BY id DESC LIMIT 1",
    )
    .bind(source.as_str())
    .fetch_optional(pool)
    .await?;
    Ok(row
        .filter(|r| r.0 == "rejected")
        .map(|(_, message, name)| format!("{name}: {}", message.unwrap_or_else(|| "rejected".into()))))
}

#[derive(FromRow)]
struct FileRow {
    name: String,
    source: Option<String>,
    outcome: String,
    rows_read: i64,
    rows_loaded: i64,
    rows_rejected: i64,
    rows_skipped: i64,
    message: Option<String>,
    kept_file: Option<i64>,
}

/// One run with its files and its first `quarantine_limit` quarantined rows.
pub async fn run_detail(
    pool: &SqlitePool,
    run_id: i64,
    quarantine_limit: u32,
) -> Result<Option<RunDetail>, sqlx::Error> {
    let run: Option<RunRow> = sqlx::query_as(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?"))
        .bind(run_id)
        .fetch_optional(pool)
        .await?;
    let Some(run) = run else { return Ok(None) };
    let files: Vec<FileRow> = sqlx::query_as(
        "SELECT name, source, outcome, rows_read, rows_loaded, rows_rejected, rows_skipped, message, \
         CASE WHEN rejected_path IS NULL THEN NULL ELSE id END AS kept_file \
         FROM run_files WHERE run_id = ? ORDER BY id",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    let quarantined_total: i64 = sqlx::query_scalar("SELECT count(*) FROM quarantine WHERE run_id = ?")
        .bind(run_id)
        .fetch_one(pool)
        .await?;
    Ok(Some(RunDetail {
        run: run.into(),
        files: files
            .into_iter()
            .map(|f| RunFileResult {
                name: f.name,
                source: f.source,
                outcome: f.outcome,
                rows_read: f.rows_read,
                rows_loaded: f.rows_loaded,
                rows_rejected: f.rows_rejected,
                rows_skipped: f.rows_skipped,
                message: f.message,
                kept_file: f.kept_file,
            })
            .collect(),
        quarantined: quarantined(pool, run_id, Some(quarantine_limit)).await?,
        quarantined_total,
    }))
}

/// A run's quarantined rows in file and line order (all of them without a limit).
pub async fn quarantined(
    pool: &SqlitePool,
    run_id: i64,
    limit: Option<u32>,
) -> Result<Vec<QuarantinedRow>, sqlx::Error> {
    /// file, line, column, reason, content
    type Row = (String, Option<i64>, Option<String>, String, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT file_name, line, column_name, reason, content FROM quarantine WHERE run_id = ? \
         ORDER BY id LIMIT ?",
    )
    .bind(run_id)
    .bind(limit.map_or(-1, i64::from))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(file_name, line, column, reason, content)| QuarantinedRow {
            file_name,
            line,
            column,
            reason,
            content,
        })
        .collect())
}

/// Quarantined rows as CSV (file, line, column, reason, content), for download. Every cell is
/// neutralised for spreadsheets: a quarantined line is whatever the file held.
pub fn quarantine_csv(rows: &[QuarantinedRow]) -> Result<Vec<u8>, csv::Error> {
    use model::csv_cell::neutralised;
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["file", "line", "column", "reason", "content"])?;
    for r in rows {
        let line = r.line.map(|l| l.to_string()).unwrap_or_default();
        out.write_record(
            [
                r.file_name.as_str(),
                line.as_str(),
                r.column.as_deref().unwrap_or(""),
                r.reason.as_str(),
                r.content.as_deref().unwrap_or(""),
            ]
            .map(|cell| neutralised(cell).into_owned()),
        )?;
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarantine_csv_cells_cannot_run_as_formulas() {
        let rows = [QuarantinedRow {
            file_name: "=cmd.tsv".into(),
            line: Some(7),
            column: Some("Earnings (USD)".into()),
            reason: "-not a number".into(),
            content: Some("=HYPERLINK(\"http://evil.example\")\t-1.5".into()),
        }];
        let csv = String::from_utf8(quarantine_csv(&rows).expect("csv")).expect("utf-8");
        assert_eq!(
            csv,
            "file,line,column,reason,content\n'=cmd.tsv,7,Earnings (USD),'-not a number,\
             \"'=HYPERLINK(\"\"http://evil.example\"\")\t-1.5\"\n"
        );
    }
}
