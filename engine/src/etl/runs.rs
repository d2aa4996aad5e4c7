//! The record of ETL runs: one row per run, one per file, quarantined rows.

use chrono::Utc;
use model::SourceId;
use sqlx::SqlitePool;

use super::{FileReport, Outcome, Trigger};
use crate::{pull::redact, sources::RowError};

/// The status of a run that had nothing to process: its `note` says why.
pub const NOTHING_TO_DO: &str = "nothing_to_do";

fn now() -> String {
    Utc::now().to_rfc3339()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKind {
    Import,
    Etl,
    Rebuild,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Import => "import",
            RunKind::Etl => "etl",
            RunKind::Rebuild => "rebuild",
        }
    }
}

pub async fn start(
    pool: &SqlitePool,
    trigger: Trigger,
    kind: RunKind,
    source: Option<SourceId>,
    files_total: usize,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO runs (trigger, kind, source, started_at, status, files_total, pid) \
         VALUES (?, ?, ?, ?, 'running', ?, ?) RETURNING id",
    )
    .bind(trigger.as_str())
    .bind(kind.as_str())
    .bind(source.map(|s| s.as_str()))
    .bind(now())
    .bind(i64::try_from(files_total).unwrap_or(i64::MAX))
    .bind(i64::from(std::process::id()))
    .fetch_one(pool)
    .await
}

pub async fn record_file(pool: &SqlitePool, run_id: i64, report: &FileReport) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO run_files (run_id, raw_file_id, name, source, outcome, rows_read, rows_loaded, \
         rows_rejected, rows_skipped, message, rejected_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(run_id)
    .bind(report.raw_file_id)
    .bind(&report.name)
    .bind(report.source.map(|s| s.as_str()))
    .bind(report.outcome.as_str())
    .bind(count(report.rows_read))
    .bind(count(report.rows_loaded))
    .bind(count(report.rows_rejected))
    .bind(count(report.rows_skipped))
    // A pull's failure may quote what the platform sent, credentials included.
    .bind(report.message.as_deref().map(redact::text))
    .bind(&report.rejected_path)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn quarantine(
    pool: &SqlitePool,
    run_id: i64,
    raw_file_id: Option<i64>,
    file_name: &str,
    rows: &[RowError],
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for row in rows {
        sqlx::query(
            "INSERT INTO quarantine (run_id, raw_file_id, file_name, line, column_name, reason, content) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(run_id)
        .bind(raw_file_id)
        .bind(file_name)
        .bind(row.line.map(count))
        .bind(&row.column)
        .bind(&row.reason)
        .bind(&row.content)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    pub status: &'static str,
    /// A run that did nothing: why.
    pub note: Option<String>,
}

/// Closes a run with its totals. `error` is a run-level failure (not a rejected file). A run
/// that processed no file and did not fail did nothing: with `idle` (why, and what would give it
/// work) it is recorded as [`NOTHING_TO_DO`] rather than "succeeded". (A rebuild passes none: it
/// empties the warehouse even from an empty raw zone.)
pub async fn finish(
    pool: &SqlitePool,
    run_id: i64,
    files: &[FileReport],
    error: Option<&str>,
    idle: Option<&str>,
) -> Result<Finished, sqlx::Error> {
    let of = |o: Outcome| files.iter().filter(|f| f.outcome == o).count();
    let (loaded, rejected, skipped) =
        (of(Outcome::Loaded), of(Outcome::Rejected), of(Outcome::AlreadyImported));
    let note = idle.filter(|_| files.is_empty() && error.is_none()).map(str::to_string);
    let status = match (error, rejected) {
        _ if note.is_some() => NOTHING_TO_DO,
        (Some(_), _) => "failed",
        (None, 0) => "succeeded",
        (None, r) if r == files.len() => "failed",
        _ => "partial",
    };
    let sum = |f: fn(&FileReport) -> u64| count(files.iter().map(f).sum());
    sqlx::query(
        "UPDATE runs SET finished_at = ?, status = ?, files_loaded = ?, files_rejected = ?, files_skipped = ?, \
         rows_read = ?, rows_loaded = ?, rows_rejected = ?, error = ?, note = ? WHERE id = ?",
    )
    .bind(now())
    .bind(status)
    .bind(count(loaded as u64))
    .bind(count(rejected as u64))
    .bind(count(skipped as u64))
    .bind(sum(|f| f.rows_read))
    .bind(sum(|f| f.rows_loaded))
    .bind(sum(|f| f.rows_rejected))
    .bind(error.map(redact::text))
    .bind(&note)
    .bind(run_id)
    .execute(pool)
    .await?;
    Ok(Finished { status, note })
}

/// Runs marked running whose process is gone were cut short by a crash: they are marked
/// interrupted (their files are still in landing and are processed by the next run).
pub async fn mark_interrupted(pool: &SqlitePool) -> Result<u64, sqlx::Error> {
    let running: Vec<(i64, Option<i64>)> =
        sqlx::query_as("SELECT id, pid FROM runs WHERE status = 'running'").fetch_all(pool).await?;
    let mut marked = 0;
    for (id, pid) in running {
        if pid.is_some_and(process_alive) {
            continue;
        }
        sqlx::query(
            "UPDATE runs SET status = 'interrupted', finished_at = ?, \
             error = 'the process stopped before the run finished' WHERE id = ? AND status = 'running'",
        )
        .bind(now())
        .bind(id)
        .execute(pool)
        .await?;
        marked += 1;
    }
    Ok(marked)
}

/// Whether a process with this id runs on this machine (Linux: `/proc/<pid>`). Elsewhere a run is
/// assumed alive: leaving it "running" is better than marking a live run interrupted.
fn process_alive(pid: i64) -> bool {
    if pid == i64::from(std::process::id()) {
        return true;
    }
    if cfg!(target_os = "linux") { std::path::Path::new(&format!("/proc/{pid}")).exists() } else { true }
}

fn count(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
