//! `soundcheck demo`: writes realistic demo exports for every source (two artists, a year ending
//! today — `SOUNDCHECK_TODAY` when set) and imports them, so a first run shows a full dashboard.

use std::process::ExitCode;

use engine::{
    Database, demo,
    etl::{Etl, Trigger},
};

use super::{import::print_summary, progress::TerminalProgress};
use crate::config::Settings;

pub async fn run(settings: &Settings) -> anyhow::Result<ExitCode> {
    let today = settings.today.unwrap_or_else(|| chrono::Utc::now().date_naive());
    std::fs::create_dir_all(&settings.data_dir)?;
    let db = Database::open(&settings.database_path()).await?;
    let etl =
        Etl::open(db, &settings.data_dir).await?.with_archive_retention(settings.archive_retention_days);
    // Kept beside the data so people can see what real exports look like.
    let dir = settings.data_dir.join("demo-exports").join(today.to_string());
    let files = demo::write_exports(&dir, today)?;
    println!("demo exports for {today} written to {}", dir.display());
    let batch: Vec<_> = files.into_iter().map(|f| (f.path, f.options)).collect();
    let progress = TerminalProgress::new();
    let report = etl.import_each(&batch, Trigger::Cli, None, &progress).await?;
    progress.finish();
    etl.database().close().await;
    print_summary(&report);
    Ok(if report.any_rejected() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
