//! `soundcheck import`, `soundcheck etl run` and `soundcheck etl rebuild`.

use std::{path::PathBuf, process::ExitCode, sync::Arc};

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use engine::{
    Database,
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

async fn open(settings: &Settings) -> anyhow::Result<Etl> {
    std::fs::create_dir_all(&settings.data_dir)?;
    let db = Database::open(&settings.database_path()).await?;
    Ok(Etl::open(db, &settings.data_dir).await?.with_archive_retention(settings.archive_retention_days))
}

pub async fn import(settings: &Settings, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let etl = open(settings).await?;
    let options = ImportOptions { source: args.source, artist: args.artist, export_date: args.export_date };
    let progress = TerminalProgress::new();
    let report = etl.import(&args.files, &options, Trigger::Cli, &progress).await?;
    progress.finish();
    etl.database().close().await;
    print_summary(&report);
    Ok(if report.any_rejected() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

pub async fn etl(settings: &Settings, command: EtlCommand) -> anyhow::Result<ExitCode> {
    let etl = open(settings).await?;
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
    if reports.iter().all(|r| r.files.is_empty()) {
        println!("nothing waiting in landing");
    }
    for report in &reports {
        print_summary(report);
    }
    Ok(if reports.iter().any(RunReport::any_rejected) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

pub(super) fn print_summary(report: &RunReport) {
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
