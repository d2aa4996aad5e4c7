//! The ETL engine: takes files from landing through raw and staging into the warehouse.
//!
//! One file = one transaction: its records all go in, or — when any row fails validation or the
//! file cannot be read — none do, the failing rows are quarantined with line, column and reason,
//! and nothing already stored changes. A file whose bytes were loaded before is reported
//! "already imported" and changes nothing. Runs are recorded with per-file results.

mod attribute;
pub mod failure;
pub mod handoff;
pub mod history;
mod load;
pub mod rejected;
pub mod runs;

use std::{
    collections::HashSet,
    path::PathBuf,
    sync::{Arc, PoisonError},
};

use chrono::NaiveDate;
use model::SourceId;
use tokio::sync::Mutex;

pub use self::attribute::{AttributionError, describe as describe_attribution};
pub use self::runs::RunKind;
pub use crate::sources::FeedId;
use crate::{
    Database, DbError,
    lake::{Lake, LakeError, Landed, LandingFlush, LandingMeta},
    sources::RowError,
};

#[derive(Debug, thiserror::Error)]
pub enum EtlError {
    #[error(transparent)]
    Lake(#[from] LakeError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Load(#[from] crate::warehouse::LoadError),
    #[error("rebuild failed on {file}: {reason}; the warehouse was left as it was")]
    Rebuild { file: String, reason: String },
}

/// What started a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    Cli,
    Schedule,
    Admin,
    Upload,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Cli => "cli",
            Trigger::Schedule => "schedule",
            Trigger::Admin => "admin",
            Trigger::Upload => "upload",
        }
    }
}

/// What the person importing said about the files (each beats what a file says).
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    pub source: Option<SourceId>,
    pub artist: Option<String>,
    pub export_date: Option<NaiveDate>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Loaded,
    AlreadyImported,
    Rejected,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Loaded => "loaded",
            Outcome::AlreadyImported => "already_imported",
            Outcome::Rejected => "rejected",
        }
    }
}

/// How one file went.
#[derive(Clone, Debug)]
pub struct FileReport {
    pub name: String,
    pub raw_file_id: Option<i64>,
    /// What the file was recognised as.
    pub source: Option<FeedId>,
    pub outcome: Outcome,
    /// Data rows of the file (lines, or elements of a JSON list).
    pub rows_read: u64,
    /// Values written to the warehouse (a row may hold several, e.g. one per metric).
    pub rows_loaded: u64,
    /// Rows that failed validation.
    pub rows_rejected: u64,
    /// Values already stored from an earlier file (old lines of a re-downloaded statement).
    pub rows_skipped: u64,
    /// Why it was rejected (or a note).
    pub message: Option<String>,
    /// The first quarantined rows, for display (all of them are in the quarantine table).
    pub quarantined: Vec<RowError>,
    /// Where a rejected landed file was moved, relative to the lake's root (see
    /// [`rejected::rejected_file`]).
    pub rejected_path: Option<String>,
}

impl FileReport {
    /// A report to fill in; it says "rejected" until the file has loaded.
    fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            raw_file_id: None,
            source: None,
            outcome: Outcome::Rejected,
            rows_read: 0,
            rows_loaded: 0,
            rows_rejected: 0,
            rows_skipped: 0,
            message: None,
            quarantined: Vec::new(),
            rejected_path: None,
        }
    }

    /// A file (or a pull) that never got as far as loading.
    pub fn rejected(name: &str, message: impl Into<String>) -> Self {
        Self { message: Some(message.into()), ..Self::new(name) }
    }
}

#[derive(Clone, Debug)]
pub struct RunReport {
    pub run_id: i64,
    pub status: &'static str,
    pub files: Vec<FileReport>,
    /// A run that did nothing ([`runs::NOTHING_TO_DO`]): why, and what would give it work.
    pub note: Option<String>,
}

impl RunReport {
    pub fn any_rejected(&self) -> bool {
        self.files.iter().any(|f| f.outcome == Outcome::Rejected)
    }

    /// The run had nothing to process (see [`RunReport::note`] for why).
    pub fn did_nothing(&self) -> bool {
        self.status == runs::NOTHING_TO_DO
    }
}

/// Why a run of landing for `source` (or for every source) found nothing to process.
pub fn nothing_waiting(source: Option<SourceId>) -> String {
    match source {
        Some(s) => format!(
            "no {} files are waiting in landing: upload an export on the Admin page or import one with \
             `soundcheck import`",
            s.display_name()
        ),
        None => "nothing is waiting in landing: upload exports on the Admin page or import them with \
                 `soundcheck import`"
            .to_string(),
    }
}

/// What a run reports while it goes.
#[derive(Clone, Debug)]
pub enum ProgressEvent {
    RunStarted {
        run_id: i64,
        files: usize,
        trigger: Trigger,
        kind: RunKind,
        source: Option<SourceId>,
    },
    FileStarted {
        run_id: i64,
        index: usize,
        total: usize,
        name: String,
        size_bytes: u64,
    },
    FileProgress {
        run_id: i64,
        bytes_read: u64,
        size_bytes: u64,
        rows: u64,
    },
    FileFinished {
        run_id: i64,
        report: FileReport,
    },
    /// `note`: why a run that did nothing did nothing.
    RunFinished {
        run_id: i64,
        status: &'static str,
        note: Option<String>,
    },
    /// The warehouse changed outside a run (an attribution rule was saved or removed): figures of
    /// `sources` may differ now (empty: any).
    Changed {
        sources: Vec<SourceId>,
    },
}

pub trait Progress: Send + Sync {
    fn event(&self, event: &ProgressEvent);
}

/// Ignores progress.
pub struct Quiet;

impl Progress for Quiet {
    fn event(&self, _: &ProgressEvent) {}
}

#[derive(Clone)]
pub struct Etl {
    db: Database,
    lake: Lake,
    /// One run writes at a time: SQLite has one writer, and runs queue instead of failing.
    writer: Arc<Mutex<()>>,
    /// Landed files an import of this process will process itself: a run of landing that lists
    /// them meanwhile leaves them to it.
    claimed: Arc<std::sync::Mutex<HashSet<PathBuf>>>,
    /// Imports of this process landing files right now: their files are in landing before they
    /// can be claimed, so nothing counts as handed over meanwhile.
    landing_now: Arc<std::sync::atomic::AtomicUsize>,
    /// Days processed landing files stay in the archive; `None` keeps them forever.
    archive_retention_days: Option<u32>,
}

impl Etl {
    /// Opens the lake under `data_dir` and marks runs of crashed processes interrupted: for the
    /// process that holds the data directory.
    pub async fn open(db: Database, data_dir: &std::path::Path) -> Result<Self, EtlError> {
        let etl = Self::attach(db, data_dir)?;
        let interrupted = runs::mark_interrupted(etl.db.pool()).await?;
        if interrupted > 0 {
            tracing::warn!(interrupted, "runs cut short by a stopped process were marked interrupted");
        }
        Ok(etl)
    }

    /// Opens the lake for a process beside the one that holds the data directory: the runs in
    /// progress are that process's, not a crashed one's, and stay as they are.
    pub fn attach(db: Database, data_dir: &std::path::Path) -> Result<Self, EtlError> {
        let lake = Lake::open(data_dir)?;
        Ok(Self {
            db,
            lake,
            writer: Arc::new(Mutex::new(())),
            claimed: Arc::default(),
            landing_now: Arc::default(),
            archive_retention_days: None,
        })
    }

    /// Removes archived landing files after `days` (0 keeps them forever).
    pub fn with_archive_retention(mut self, days: u32) -> Self {
        self.archive_retention_days = (days > 0).then_some(days);
        self
    }

    pub fn lake(&self) -> &Lake {
        &self.lake
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Lands `files` and processes them. A missing file is a rejected file; the others still load.
    pub async fn import(
        &self,
        files: &[PathBuf],
        options: &ImportOptions,
        trigger: Trigger,
        progress: &dyn Progress,
    ) -> Result<RunReport, EtlError> {
        let batch: Vec<(PathBuf, ImportOptions)> =
            files.iter().map(|f| (f.clone(), options.clone())).collect();
        self.import_each(&batch, trigger, options.source, progress).await
    }

    /// Like [`Etl::import`], with options per file, in one run.
    pub async fn import_each(
        &self,
        files: &[(PathBuf, ImportOptions)],
        trigger: Trigger,
        source: Option<SourceId>,
        progress: &dyn Progress,
    ) -> Result<RunReport, EtlError> {
        let landing_now = self.landing_now();
        let landing = self.land_files_off_thread(files).await;
        let _claim = landing.as_ref().ok().map(|(landed, _, _)| Claim::new(&self.claimed, landed));
        drop(landing_now);
        let (landed, early, mut flushes) = landing?;
        // An upload is answered before it is processed, and its sender may not keep the file: it
        // is on disk before its run starts, so that a power cut cannot lose it. Whoever runs
        // `import` holds the file and sees the run end; their flush overlaps the processing.
        if trigger == Trigger::Upload {
            wait_for(std::mem::take(&mut flushes)).await;
        }
        let report = self
            .process(landed, early, RunKind::Import, trigger, source, "no files were given", progress)
            .await;
        // Long done by now, but what the import wrote is on disk when it returns.
        wait_for(flushes).await;
        report
    }

    /// Lands `files` without processing them: the landed files, the reports of those that could
    /// not land (a missing file, an unreadable one), and their flushes to disk.
    pub fn land_files(
        &self,
        files: &[(PathBuf, ImportOptions)],
    ) -> (Vec<Landed>, Vec<FileReport>, Vec<LandingFlush>) {
        let mut landed = Vec::new();
        let mut flushes = Vec::new();
        let mut early = Vec::new();
        for (path, options) in files {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            if !path.is_file() {
                early.push(FileReport::rejected(&name, format!("{}: no such file", path.display())));
                continue;
            }
            let meta = LandingMeta {
                original_name: name.clone(),
                source: options.source.map(|s| s.as_str().to_string()),
                artist: options.artist.clone(),
                export_date: options.export_date,
                ..LandingMeta::default()
            };
            match self.lake.land(path, meta) {
                Ok((l, flush)) => {
                    landed.push(l);
                    flushes.push(flush);
                }
                Err(err) => early.push(FileReport::rejected(&name, format!("cannot read it: {err}"))),
            }
        }
        (landed, early, flushes)
    }

    /// [`Etl::land_files`] on a blocking thread: landing copies and hashes whole files.
    pub async fn land_files_off_thread(
        &self,
        files: &[(PathBuf, ImportOptions)],
    ) -> Result<(Vec<Landed>, Vec<FileReport>, Vec<LandingFlush>), EtlError> {
        let (etl, files) = (self.clone(), files.to_vec());
        tokio::task::spawn_blocking(move || etl.land_files(&files)).await.map_err(|e| join_error(&e))
    }

    /// Marks files landing for a run of this process until the guard is dropped (see
    /// [`LandingNow`]).
    pub fn landing_now(&self) -> LandingNow {
        self.landing_now.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        LandingNow(Arc::clone(&self.landing_now))
    }

    /// Whether another process handed files over (landed with their notes) that no run of this
    /// process has claimed.
    pub async fn has_handed_over_files(&self) -> Result<bool, EtlError> {
        if self.landing_now.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            return Ok(false);
        }
        let lake = self.lake.clone();
        let waiting = off_thread(move || lake.waiting_landed()).await?;
        let claimed = self.claimed.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(waiting.iter().any(|l| !claimed.contains(&l.path)))
    }

    /// Processes the files another process handed over (see [`Etl::has_handed_over_files`]).
    pub async fn run_handed_over(
        &self,
        trigger: Trigger,
        progress: &dyn Progress,
    ) -> Result<Option<RunReport>, EtlError> {
        let lake = self.lake.clone();
        let listed = off_thread(move || lake.waiting_landed()).await?;
        // A file of an import that was landing while the list was read may not be claimed yet:
        // leave everything to the next tick. (An import counts itself before it lands and stops
        // counting only once its files are claimed, so a listed file of it shows here.)
        if self.landing_now.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            return Ok(None);
        }
        let waiting = self.unclaimed(listed);
        if waiting.is_empty() {
            return Ok(None);
        }
        let idle = nothing_waiting(None);
        self.process(waiting, Vec::new(), RunKind::Etl, trigger, None, &idle, progress).await.map(Some)
    }

    fn unclaimed(&self, waiting: Vec<Landed>) -> Vec<Landed> {
        let claimed = self.claimed.lock().unwrap_or_else(PoisonError::into_inner);
        waiting.into_iter().filter(|l| !claimed.contains(&l.path)).collect()
    }

    /// Processes what waits in landing (uploads, files of an interrupted run), optionally of one
    /// source only.
    pub async fn run_landing(
        &self,
        source: Option<SourceId>,
        trigger: Trigger,
        progress: &dyn Progress,
    ) -> Result<RunReport, EtlError> {
        self.run_landing_after(source, Vec::new(), &nothing_waiting(source), trigger, progress).await
    }

    /// Like [`Etl::run_landing`], with reports of what failed before landing (an API pull) in
    /// the same run. When there is nothing at all to process, the run is recorded as having
    /// nothing to do, `idle` saying why.
    pub async fn run_landing_after(
        &self,
        source: Option<SourceId>,
        early: Vec<FileReport>,
        idle: &str,
        trigger: Trigger,
        progress: &dyn Progress,
    ) -> Result<RunReport, EtlError> {
        // Files dropped in without a note are hashed here.
        let lake = self.lake.clone();
        let waiting = self.unclaimed(off_thread(move || lake.waiting()).await?);
        let waiting = match source {
            Some(s) => waiting
                .into_iter()
                .filter(|l| l.meta.source.as_deref().is_none_or(|given| given == s.as_str()))
                .collect(),
            None => waiting,
        };
        self.process(waiting, early, RunKind::Etl, trigger, source, idle, progress).await
    }

    /// Processes `early` reports and `landed` files in one run. `idle`: why, when the run turns
    /// out to have nothing to process.
    #[allow(clippy::too_many_arguments)]
    async fn process(
        &self,
        landed: Vec<Landed>,
        early: Vec<FileReport>,
        kind: RunKind,
        trigger: Trigger,
        source: Option<SourceId>,
        idle: &str,
        progress: &dyn Progress,
    ) -> Result<RunReport, EtlError> {
        let _writer = self.writer.lock().await;
        if let Some(days) = self.archive_retention_days {
            // Housekeeping must not stop an import: a failure is logged and retried next run.
            let lake = self.lake.clone();
            let pruned = off_thread(move || lake.prune_archive(days, chrono::Utc::now().date_naive())).await;
            match pruned {
                Ok(0) => {}
                Ok(n) => tracing::info!(days_removed = n, "archive pruned"),
                Err(err) => tracing::warn!(error = %err, "could not prune the archive"),
            }
        }
        let pool = self.db.pool();
        let total = landed.len() + early.len();
        let run_id = runs::start(pool, trigger, kind, source, total).await?;
        progress.event(&ProgressEvent::RunStarted { run_id, files: total, trigger, kind, source });

        let mut reports = Vec::with_capacity(total);
        for report in early {
            runs::record_file(pool, run_id, &report).await?;
            progress.event(&ProgressEvent::FileFinished { run_id, report: report.clone() });
            reports.push(report);
        }
        let offset = reports.len();
        for (i, mut file) in landed.into_iter().enumerate() {
            // Two runs may list the same file; the first to get the writer processes it.
            if !file.path.exists() {
                tracing::info!(file = %file.meta.original_name, "already processed by another run");
                continue;
            }
            progress.event(&ProgressEvent::FileStarted {
                run_id,
                index: offset + i + 1,
                total,
                name: file.meta.original_name.clone(),
                size_bytes: file.meta.size_bytes,
            });
            let report = match self.process_file(run_id, &mut file, progress).await {
                Ok(report) => report,
                Err(err) => {
                    // A failure of the machine (disk, database) ends the run; the file stays in
                    // landing, its attempt counted (see `failure`).
                    let done = runs::finish(pool, run_id, &reports, Some(&err.to_string()), None).await?;
                    progress.event(&ProgressEvent::RunFinished { run_id, status: done.status, note: None });
                    return Err(err);
                }
            };
            runs::record_file(pool, run_id, &report).await?;
            progress.event(&ProgressEvent::FileFinished { run_id, report: report.clone() });
            reports.push(report);
        }
        // The files listed may all have been processed by another run meanwhile: nothing done
        // either, and the same reason holds.
        let runs::Finished { status, note } = runs::finish(pool, run_id, &reports, None, Some(idle)).await?;
        progress.event(&ProgressEvent::RunFinished { run_id, status, note: note.clone() });
        Ok(RunReport { run_id, status, files: reports, note })
    }

    /// Processes one landed file and moves it out of landing: into the archive once loaded (or
    /// found loaded before), into the rejected zone when rejected. A file that cannot load for
    /// a reason of its own (poison, see [`failure`]) is rejected like a file with bad rows, and
    /// the run goes on; an `Err` is a failure of the machine, which ends the run.
    async fn process_file(
        &self,
        run_id: i64,
        file: &mut Landed,
        progress: &dyn Progress,
    ) -> Result<FileReport, EtlError> {
        let name = file.meta.original_name.clone();
        if let Some(broken) = file.broken_note.clone() {
            return self.settle(file, FileReport::rejected(&name, broken));
        }
        let attempt = self.lake.begin_attempt(file)?;
        if attempt > failure::MAX_ATTEMPTS {
            let last = file.meta.failure.as_deref().unwrap_or("the process stopped while loading it");
            let reason = format!(
                "its loading was started {} times and never finished (last: {last}); it was set aside",
                attempt - 1
            );
            tracing::warn!(file = %name, %reason, "a landed file was set aside");
            return self.settle(file, FileReport::rejected(&name, reason));
        }
        let err = match load::process_landed(self, run_id, file, progress).await {
            Ok(report) => return self.settle(file, report),
            Err(err) => err,
        };
        match failure::classify(&err) {
            failure::Failure::Poison(reason) => {
                tracing::warn!(file = %name, %reason, "a landed file cannot load; rejected");
                let mut report = FileReport::rejected(&name, &reason);
                report.raw_file_id = load::mark_poisoned(self.db.pool(), &file.meta.sha256, &reason).await?;
                self.settle(file, report)
            }
            failure::Failure::Transient => {
                if let Err(note) = self.lake.note_failure(file, &err.to_string()) {
                    tracing::warn!(file = %name, error = %note, "could not note the failure in landing");
                }
                Err(err)
            }
        }
    }

    /// Moves a processed file out of landing, by its outcome.
    fn settle(&self, file: &Landed, mut report: FileReport) -> Result<FileReport, EtlError> {
        if report.outcome == Outcome::Rejected {
            let reason = report.message.as_deref().unwrap_or("rejected");
            report.rejected_path = Some(self.lake.reject(file, reason)?);
        } else {
            self.lake.archive(file)?;
        }
        Ok(report)
    }

    /// Rebuilds every curated fact table from raw alone, in one transaction: on any failure the
    /// warehouse stays as it was.
    pub async fn rebuild(&self, trigger: Trigger, progress: &dyn Progress) -> Result<RunReport, EtlError> {
        let _writer = self.writer.lock().await;
        load::rebuild(self, trigger, progress).await
    }
}

/// Runs file work (copies, hashes, directory scans) on a blocking thread, so that the async
/// workers keep answering requests and live connections meanwhile.
pub(crate) async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, LakeError> + Send + 'static,
) -> Result<T, EtlError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| join_error(&e))?.map_err(EtlError::from)
}

fn join_error(err: &tokio::task::JoinError) -> EtlError {
    EtlError::Lake(LakeError::Io { path: "lake".into(), source: std::io::Error::other(err.to_string()) })
}

/// An import's landed files, claimed while it runs.
/// Held while this process brings files into landing that one of its own runs will claim (an
/// import, an API pull): until it is dropped no file in landing counts as handed over, so the
/// hand-over task cannot take a file from under the run that landed it.
pub struct LandingNow(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for LandingNow {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

struct Claim {
    claimed: Arc<std::sync::Mutex<HashSet<PathBuf>>>,
    paths: Vec<PathBuf>,
}

impl Claim {
    fn new(claimed: &Arc<std::sync::Mutex<HashSet<PathBuf>>>, landed: &[Landed]) -> Self {
        let paths: Vec<PathBuf> = landed.iter().map(|l| l.path.clone()).collect();
        claimed.lock().unwrap_or_else(PoisonError::into_inner).extend(paths.iter().cloned());
        Self { claimed: Arc::clone(claimed), paths }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut claimed = self.claimed.lock().unwrap_or_else(PoisonError::into_inner);
        for path in &self.paths {
            claimed.remove(path);
        }
    }
}

/// Waits for landing copies to be on disk. A copy that cannot be flushed is logged, not failed:
/// by then its bytes are in raw (flushed before any of its rows committed) or it is rejected.
async fn wait_for(flushes: Vec<LandingFlush>) {
    if flushes.is_empty() {
        return;
    }
    match tokio::task::spawn_blocking(move || flushes.into_iter().try_for_each(LandingFlush::wait)).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => tracing::warn!(error = %err, "a landing copy could not be flushed to disk"),
        Err(err) => tracing::warn!(error = %err, "waiting for the landing copies' flush failed"),
    }
}
