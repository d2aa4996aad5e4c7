//! An import from the command line beside a running server. Two processes must not process
//! landing at once (both could list the same file, and one could remove the other's raw copy
//! in progress), so the command only lands its files: the server, which holds the data
//! directory's lock, processes files handed over this way, and the command waits for their
//! outcome in the run records. If the server stops first, the command takes the lock and
//! processes them itself.

use std::path::PathBuf;

use sqlx::SqlitePool;

use super::{Etl, EtlError, FileReport, ImportOptions, Outcome, RunReport, wait_for};

/// Files handed over to the process that holds the data directory.
pub struct HandOff {
    /// (landed path, SHA-256, name)
    landed: Vec<(PathBuf, String, String)>,
    /// Files that could not land (missing, unreadable): rejected before any run.
    early: Vec<FileReport>,
    /// The last run-file record before they landed: theirs come after it.
    after: i64,
}

impl Etl {
    /// Lands `files` for another process to process, on disk before this returns.
    pub async fn hand_over(&self, files: &[(PathBuf, ImportOptions)]) -> Result<HandOff, EtlError> {
        let after: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM run_files")
            .fetch_one(self.db.pool())
            .await?;
        let (landed, early, flushes) = self.land_files_off_thread(files).await?;
        wait_for(flushes).await;
        let landed = landed.into_iter().map(|l| (l.path, l.meta.sha256, l.meta.original_name)).collect();
        Ok(HandOff { landed, early, after })
    }
}

type Row = (i64, String, Option<String>, String, i64, i64, i64, i64, Option<String>);

impl HandOff {
    /// How many of the files are still waiting in landing.
    pub fn waiting(&self) -> usize {
        self.landed.iter().filter(|(path, _, _)| path.exists()).count()
    }

    /// What became of each file, once none is waiting: one report per run that processed them.
    pub async fn reports(&self, pool: &SqlitePool) -> Result<Vec<RunReport>, sqlx::Error> {
        let mut runs: Vec<RunReport> = Vec::new();
        if !self.early.is_empty() {
            runs.push(RunReport { run_id: 0, status: "failed", files: self.early.clone(), note: None });
        }
        for (_, sha256, name) in &self.landed {
            // By the raw file its bytes became; a file rejected before reaching raw, by name.
            let row: Option<Row> = sqlx::query_as(
                "SELECT f.run_id, f.name, f.source, f.outcome, f.rows_read, f.rows_loaded, f.rows_rejected, \
                 f.rows_skipped, f.message FROM run_files f LEFT JOIN raw_files r ON r.id = f.raw_file_id \
                 WHERE f.id > ? AND (r.sha256 = ? OR (f.raw_file_id IS NULL AND f.name = ?)) \
                 ORDER BY f.id LIMIT 1",
            )
            .bind(self.after)
            .bind(sha256)
            .bind(name)
            .fetch_optional(pool)
            .await?;
            let (run_id, report) = match row {
                Some(row) => (row.0, report_of(row)),
                None => {
                    (0, FileReport::rejected(name, "processed by the server, which kept no record of it"))
                }
            };
            match runs.iter_mut().find(|r| r.run_id == run_id) {
                Some(run) => run.files.push(report),
                None => runs.push(RunReport { run_id, status: "", files: vec![report], note: None }),
            }
        }
        Ok(runs)
    }
}

fn report_of((_, name, source, outcome, read, loaded, rejected, skipped, message): Row) -> FileReport {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let outcome = match outcome.as_str() {
        "loaded" => Outcome::Loaded,
        "already_imported" => Outcome::AlreadyImported,
        _ => Outcome::Rejected,
    };
    FileReport {
        source: source.and_then(|s| s.parse().ok()),
        outcome,
        rows_read: count(read),
        rows_loaded: count(loaded),
        rows_rejected: count(rejected),
        rows_skipped: count(skipped),
        message,
        ..FileReport::new(&name)
    }
}
