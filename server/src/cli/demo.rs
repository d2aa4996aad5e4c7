//! `soundcheck demo`: writes realistic demo exports for every source (two artists, a year ending
//! today — `SOUNDCHECK_TODAY` when set) and imports them, so a first run shows a full dashboard.

use std::process::ExitCode;

use engine::demo;

use super::import::{Access, print_summary};
use crate::config::Settings;

pub async fn run(settings: &Settings) -> anyhow::Result<ExitCode> {
    let today = settings.today.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let access = Access::open(settings).await?;
    // Kept beside the data so people can see what real exports look like.
    let dir = settings.data_dir.join("demo-exports").join(today.to_string());
    let files = demo::write_exports(&dir, today)?;
    println!("demo exports for {today} written to {}", dir.display());
    let batch: Vec<_> = files.into_iter().map(|f| (f.path, f.options)).collect();
    let reports = access.import(settings, &batch, None).await?;
    access.etl().database().close().await;
    for report in &reports {
        print_summary(report);
    }
    Ok(if reports.iter().any(|r| r.any_rejected()) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
