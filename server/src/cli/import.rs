//! `soundcheck import`, `soundcheck etl run` and `soundcheck etl rebuild`.

use std::{path::PathBuf, process::ExitCode, sync::Arc, time::Duration};

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use engine::{
    Database,
    data_dir_lock::{DataDirLock, LockError},
    etl::{Etl, ImportOptions, Progress, RunReport, Trigger},
    schedule::SourceJobs,
    time::Clock,
};
use model::SourceId;

use super::progress::TerminalProgress;
use crate::config::Settings;

pub fn parse_source(raw: &str) -> Result<SourceId, String> {
    raw.parse::<SourceId>().map_err(|e| e.to_string())
}

pub fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| format!("{raw:?} is not a date (YYYY-MM-DD)"))
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The source of the files (else recognised from their content)
    #[arg(long, value_parser = parse_source, value_name = "ID")]
    pub source: Option<SourceId>,
    /// The artist the files belong to (beats what the files say)
    #[arg(long, value_name = "NAME")]
    pub artist: Option<String>,
    /// The day the files were exported, for files whose dates lack a year (YYYY-MM-DD)
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub export_date: Option<NaiveDate>,
    /// Export files to import
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum EtlCommand {
    /// Process what waits in landing (and, once API sources are connected, pull them)
    Run {
        #[arg(long, value_parser = parse_source, value_name = "ID")]
        source: Option<SourceId>,
    },
    /// Rebuild the warehouse from the raw zone
    Rebuild,
}

/// The data directory, as this command may use it.
pub(super) enum Access {
    /// This process holds the directory's lock: it processes landing itself.
    Own(Etl, DataDirLock),
    /// A server holds it (who, as its lock file says): files are handed over to it.
    Beside(Etl, String),
}

impl Access {
    pub(super) async fn open(settings: &Settings) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir)?;
        let db = Database::open(&settings.database_path()).await?;
        let retention = settings.archive_retention_days;
        match DataDirLock::try_acquire(&settings.data_dir) {
            Ok(lock) => {
                let etl = Etl::open(db, &settings.data_dir).await?.with_archive_retention(retention);
                etl.lake().sweep_leftovers()?;
                Ok(Self::Own(etl, lock))
            }
            Err(LockError::Held { holder, .. }) => Ok(Self::Beside(
                Etl::attach(db, &settings.data_dir)?.with_archive_retention(retention),
                holder,
            )),
            Err(err) => Err(err.into()),
        }
    }

    pub(super) fn etl(&self) -> &Etl {
        match self {
            Self::Own(etl, _) | Self::Beside(etl, _) => etl,
        }
    }

    /// Imports `batch` in one run here, or hands it to the server and waits for its outcome.
    pub(super) async fn import(
        &self,
        settings: &Settings,
        batch: &[(PathBuf, ImportOptions)],
        source: Option<SourceId>,
    ) -> anyhow::Result<Vec<RunReport>> {
        let holder = match self {
            Self::Own(etl, _) => {
                let progress = TerminalProgress::new();
                let report = etl.import_each(batch, Trigger::Cli, source, &progress).await?;
                progress.finish();
                return Ok(vec![report]);
            }
            Self::Beside(_, holder) => holder,
        };
        let etl = self.etl();
        eprintln!(
            "Soundcheck is serving this data directory ({holder}): the files go into its landing \
             zone and it loads them; waiting for the outcome…"
        );
        let handoff = etl.hand_over(batch).await?;
        let mut _lock = None;
        while handoff.waiting() > 0 {
            if let Ok(lock) = DataDirLock::try_acquire(&settings.data_dir) {
                eprintln!("the server stopped before loading them: loading them here");
                _lock = Some(lock);
                let progress = TerminalProgress::new();
                etl.run_landing(None, Trigger::Cli, &progress).await?;
                progress.finish();
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // A file leaves landing just before its run records it.
        for _ in 0..100 {
            let reports = handoff.reports(etl.database().pool()).await?;
            if reports.iter().all(|r| r.run_id > 0 || r.status == "failed") {
                return Ok(reports);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(handoff.reports(etl.database().pool()).await?)
    }
}

pub async fn import(settings: &Settings, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let access = Access::open(settings).await?;
    let options = ImportOptions { source: args.source, artist: args.artist, export_date: args.export_date };
    let batch: Vec<(PathBuf, ImportOptions)> =
        args.files.iter().map(|f| (f.clone(), options.clone())).collect();
    let reports = access.import(settings, &batch, options.source).await?;
    access.etl().database().close().await;
    for report in &reports {
        print_summary(report);
    }
    Ok(if reports.iter().any(RunReport::any_rejected) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

pub async fn etl(settings: &Settings, command: EtlCommand) -> anyhow::Result<ExitCode> {
    let access = Access::open(settings).await?;
    let (etl, _lock) = match access {
        Access::Own(etl, lock) => (etl, lock),
        Access::Beside(etl, holder) => {
            etl.database().close().await;
            return Ok(match command {
                EtlCommand::Run { .. } => {
                    println!(
                        "Soundcheck is serving this data directory ({holder}): it loads the files \
                         handed to it as they arrive and runs each source on its schedule; use \
                         \"Run all\" on its Admin page to run them now. Nothing was done here."
                    );
                    ExitCode::SUCCESS
                }
                EtlCommand::Rebuild => {
                    eprintln!(
                        "error: Soundcheck is serving this data directory ({holder}): stop it \
                         before rebuilding the warehouse it serves"
                    );
                    ExitCode::FAILURE
                }
            });
        }
    };
    let progress = Arc::new(TerminalProgress::new());
    let reports = match command {
        EtlCommand::Run { source } => {
            let pulls = settings.pulls(etl.database());
            let connected: Vec<SourceId> =
                pulls.store().list().await?.into_iter().map(|c| c.source).collect();
            let jobs = SourceJobs::with_pulls(
                etl.clone(),
                Arc::clone(&progress) as Arc<dyn Progress>,
                pulls,
                Clock::new(settings.today),
            );
            let mut reports = Vec::new();
            match source {
                Some(source) => reports.push(jobs.run(source, Trigger::Cli).await?),
                None => {
                    // Each connected API source pulls (one failing does not stop the others),
                    // then everything else waiting in landing is processed.
                    for source in connected {
                        reports.push(jobs.run(source, Trigger::Cli).await?);
                    }
                    reports.push(etl.run_landing(None, Trigger::Cli, &*progress).await?);
                }
            }
            reports
        }
        EtlCommand::Rebuild => vec![etl.rebuild(Trigger::Cli, &*progress).await?],
    };
    progress.finish();
    etl.database().close().await;
    for report in &reports {
        print_summary(report);
    }
    Ok(if reports.iter().any(RunReport::any_rejected) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

pub(super) fn print_summary(report: &RunReport) {
    // It did not fail (the exit code says so), but it did nothing: the line says why.
    if report.did_nothing() {
        let why = report.note.as_deref().unwrap_or("there was nothing to process");
        println!("nothing done (run #{}): {why}", report.run_id);
    }
    for file in &report.files {
        println!("{}", super::progress::summary_line(file));
        for row in &file.quarantined {
            println!("    {row}");
        }
        if file.rows_rejected > file.quarantined.len() as u64 {
            println!(
                "    … {} more (all are in the quarantine of run {})",
                file.rows_rejected - file.quarantined.len() as u64,
                report.run_id
            );
        }
    }
}
