//! `soundcheck backup DEST` (beside a running server) and `soundcheck restore SRC` (server
//! stopped).

use std::{path::Path, process::ExitCode};

use engine::{Database, backup, data_dir_lock::DataDirLock};

use crate::config::Settings;

pub async fn backup(settings: &Settings, dest: &Path) -> anyhow::Result<ExitCode> {
    let db_path = settings.database_path();
    if !db_path.is_file() {
        eprintln!("error: there is no database at {} to back up", db_path.display());
        return Ok(ExitCode::FAILURE);
    }
    let db = Database::open(&db_path).await?;
    let result = backup::backup(&db, &settings.data_dir, dest).await;
    db.close().await;
    match result {
        Ok(m) => {
            println!(
                "backed up to {}: database {} bytes, {} raw files ({} bytes), taken at {}",
                dest.display(),
                m.database_bytes,
                m.raw_files,
                m.raw_bytes,
                m.taken_at
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("error: the backup failed: {err}");
            Ok(ExitCode::FAILURE)
        }
    }
}

pub async fn restore(settings: &Settings, src: &Path) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&settings.data_dir)?;
    let _lock = match DataDirLock::try_acquire(&settings.data_dir) {
        Ok(lock) => lock,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::FAILURE);
        }
    };
    match backup::restore(src, &settings.data_dir).await {
        Ok(restored) => {
            println!(
                "restored the backup taken at {} ({} raw files) into {}",
                restored.manifest.taken_at,
                restored.manifest.raw_files,
                settings.data_dir.display()
            );
            if let Some(previous) = restored.previous {
                println!("the database it replaced is kept in {}", previous.display());
            }
            // Bring the restored database's schema up to this version.
            Database::open(&settings.database_path()).await?.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("error: the restore failed, nothing was replaced: {err}");
            Ok(ExitCode::FAILURE)
        }
    }
}
