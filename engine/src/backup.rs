//! Backups of the warehouse and the raw zone, taken while the server runs and imports, and their
//! restore into a stopped installation.
//!
//! A backup folder holds `soundcheck.db` (SQLite's `VACUUM INTO`: one consistent snapshot, read
//! in a single transaction, so an import that commits meanwhile is either wholly in it or not at
//! all), `lake/raw/` with every raw file the snapshot names (each checked against its SHA-256 as
//! it is copied) and `backup.json`. The database is written last, under its final name only
//! when everything else is in place: a folder without it is an unfinished backup and restore
//! refuses it. Sessions are left out of the copy: a backup must not carry sign-in tokens.

use std::{
    fs,
    path::{Path, PathBuf},
};

use chrono::{SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{ConnectOptions as _, Connection as _, SqliteConnection, sqlite::SqliteConnectOptions};

use crate::{
    Database,
    lake::{Lake, LakeError, copy_hashing},
};

pub const DATABASE_FILE: &str = "soundcheck.db";
pub const MANIFEST_FILE: &str = "backup.json";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Lake(#[from] LakeError),
    #[error("the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0} is not empty: back up into a new or empty folder")]
    NotEmpty(PathBuf),
    #[error("{path} is not a finished Soundcheck backup: {why}")]
    NotABackup { path: PathBuf, why: String },
    #[error("raw file {sha256} does not match its SHA-256 ({path}): the copy is damaged")]
    Damaged { sha256: String, path: PathBuf },
    #[error("raw file {sha256} of a loaded export is missing from {path}")]
    Missing { sha256: String, path: PathBuf },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io { path: path.to_path_buf(), source }
}

/// What `backup.json` says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub taken_at: String,
    pub raw_files: u64,
    pub raw_bytes: u64,
    pub database_bytes: u64,
}

/// Takes a backup of `data_dir` (whose open database is `db`) into `dest`.
#[tracing::instrument(skip(db))]
pub async fn backup(db: &Database, data_dir: &Path, dest: &Path) -> Result<Manifest, BackupError> {
    fs::create_dir_all(dest).map_err(io_err(dest))?;
    if fs::read_dir(dest).map_err(io_err(dest))?.next().is_some() {
        return Err(BackupError::NotEmpty(dest.to_path_buf()));
    }
    let part = dest.join(format!("{DATABASE_FILE}.part"));
    let part_text = part.to_str().ok_or_else(|| BackupError::NotABackup {
        path: dest.to_path_buf(),
        why: "the folder's path is not UTF-8, which SQLite needs".into(),
    })?;
    sqlx::query("VACUUM INTO ?").bind(part_text).execute(db.pool()).await?;

    let mut copy = open_one(&part, false).await?;
    let has_sessions: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'tower_sessions'")
            .fetch_optional(&mut copy)
            .await?;
    if has_sessions.is_some() {
        // Overwritten, not only unlinked: free pages would still hold the session ids.
        sqlx::query("PRAGMA secure_delete = ON").execute(&mut copy).await?;
        sqlx::query("DELETE FROM tower_sessions").execute(&mut copy).await?;
    }
    let raw: Vec<(String, String)> =
        sqlx::query_as("SELECT sha256, status FROM raw_files ORDER BY id").fetch_all(&mut copy).await?;
    copy.close().await?;

    let from = Lake::open(data_dir)?;
    let to = lake_at(dest);
    let (raw_files, raw_bytes) = tokio::task::spawn_blocking(move || copy_raw(&from, &to, &raw))
        .await
        .map_err(|e| BackupError::Io { path: data_dir.to_path_buf(), source: std::io::Error::other(e) })??;

    let database_bytes = fs::metadata(&part).map_err(io_err(&part))?.len();
    let manifest = Manifest {
        taken_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        raw_files,
        raw_bytes,
        database_bytes,
    };
    let manifest_path = dest.join(MANIFEST_FILE);
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| io_err(&manifest_path)(e.into()))?;
    fs::write(&manifest_path, text).map_err(io_err(&manifest_path))?;
    fs::File::open(&part).and_then(|f| f.sync_all()).map_err(io_err(&part))?;
    let final_path = dest.join(DATABASE_FILE);
    fs::rename(&part, &final_path).map_err(io_err(&final_path))?;

    let detail = format!(
        "to {}: database {} MB, {raw_files} raw files ({} MB)",
        dest.display(),
        megabytes(database_bytes),
        megabytes(raw_bytes)
    );
    crate::audit::record(db.pool(), "soundcheck backup", BACKUP_ACTION, &detail).await?;
    Ok(manifest)
}

/// The audit log's action for a finished backup (the admin page shows the latest).
pub const BACKUP_ACTION: &str = "backup";

/// When the last backup was taken and where to, from the audit log.
pub async fn last_backup(db: &Database) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT at, detail FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT 1")
        .bind(BACKUP_ACTION)
        .fetch_optional(db.pool())
        .await
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_048_576.0)
}

/// A lake rooted in a backup folder, without creating its other zones.
fn lake_at(dir: &Path) -> PathBuf {
    dir.join("lake")
}

fn raw_path(lake_root: &Path, sha256: &str) -> PathBuf {
    lake_root.join("raw").join(sha256.get(..2).unwrap_or("00")).join(sha256)
}

/// Copies the named raw files, checking each one's hash. A file not yet in raw belongs to an
/// import still in progress when the snapshot was read (its rows are not in the snapshot).
fn copy_raw(from: &Lake, to_root: &Path, raw: &[(String, String)]) -> Result<(u64, u64), BackupError> {
    let (mut count, mut bytes) = (0, 0);
    for (sha256, status) in raw {
        let source = from.raw_path(sha256);
        if !source.is_file() {
            if status == "loaded" {
                return Err(BackupError::Missing { sha256: sha256.clone(), path: source });
            }
            continue;
        }
        bytes += copy_checked(&source, &raw_path(to_root, sha256), sha256)?;
        count += 1;
    }
    Ok((count, bytes))
}

/// Copies one raw file through a `.part` name, refusing bytes that do not match `sha256`.
fn copy_checked(source: &Path, target: &Path, sha256: &str) -> Result<u64, BackupError> {
    let parent = target.parent().unwrap_or(target);
    fs::create_dir_all(parent).map_err(io_err(parent))?;
    let part = target.with_extension("part");
    let (hash, size, file) = copy_hashing(source, &part)?;
    if hash != sha256 {
        let _ = fs::remove_file(&part);
        return Err(BackupError::Damaged { sha256: sha256.to_string(), path: source.to_path_buf() });
    }
    file.sync_all().map_err(io_err(&part))?;
    drop(file);
    let mut perms = fs::metadata(&part).map_err(io_err(&part))?.permissions();
    perms.set_readonly(true);
    fs::set_permissions(&part, perms).map_err(io_err(&part))?;
    fs::rename(&part, target).map_err(io_err(target))?;
    Ok(size)
}

async fn open_one(path: &Path, read_only: bool) -> Result<SqliteConnection, sqlx::Error> {
    SqliteConnectOptions::new().filename(path).read_only(read_only).connect().await
}

/// Puts the backup in `src` back into `data_dir`. The server must be stopped (the caller holds
/// the data directory's lock). Raw files are checked and added (raw only ever grows); the
/// database is checked with SQLite's integrity check, then replaces the current one, which is
/// moved aside with its WAL into `before-restore-<time>/`.
#[tracing::instrument]
pub async fn restore(src: &Path, data_dir: &Path) -> Result<Restored, BackupError> {
    let not_a_backup = |why: &str| BackupError::NotABackup { path: src.to_path_buf(), why: why.into() };
    let db_path = src.join(DATABASE_FILE);
    let manifest_path = src.join(MANIFEST_FILE);
    if !db_path.is_file() {
        return Err(not_a_backup("it has no soundcheck.db (an unfinished backup, or another folder)"));
    }
    let manifest: Manifest = fs::read(&manifest_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| not_a_backup("its backup.json is missing or not valid"))?;

    let mut copy = open_one(&db_path, true).await?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut copy).await?;
    if integrity != "ok" {
        return Err(not_a_backup(&format!("its database fails SQLite's integrity check: {integrity}")));
    }
    let raw: Vec<(String, String)> =
        sqlx::query_as("SELECT sha256, status FROM raw_files ORDER BY id").fetch_all(&mut copy).await?;
    copy.close().await?;

    let lake = Lake::open(data_dir)?;
    let src_lake = lake_at(src);
    let raw_count = tokio::task::spawn_blocking(move || -> Result<u64, BackupError> {
        let mut count = 0;
        for (sha256, status) in &raw {
            let from = raw_path(&src_lake, sha256);
            if !from.is_file() {
                if status == "loaded" {
                    return Err(BackupError::Missing { sha256: sha256.clone(), path: from });
                }
                continue;
            }
            let target = lake.raw_path(sha256);
            if !target.is_file() {
                copy_checked(&from, &target, sha256)?;
            }
            count += 1;
        }
        Ok(count)
    })
    .await
    .map_err(|e| BackupError::Io { path: data_dir.to_path_buf(), source: std::io::Error::other(e) })??;
    if raw_count != manifest.raw_files {
        return Err(not_a_backup(&format!(
            "its backup.json counts {} raw files, the folder holds {raw_count}",
            manifest.raw_files
        )));
    }

    let target = data_dir.join(DATABASE_FILE);
    let incoming = data_dir.join(format!("{DATABASE_FILE}.restoring"));
    fs::copy(&db_path, &incoming).map_err(io_err(&incoming))?;
    fs::File::open(&incoming).and_then(|f| f.sync_all()).map_err(io_err(&incoming))?;
    // The current database moves aside with its WAL (a WAL must never meet another database
    // file), so nothing is lost if the backup turns out to be the wrong one.
    let aside = data_dir.join(format!("before-restore-{}", Utc::now().format("%Y%m%dT%H%M%S")));
    for suffix in ["", "-wal", "-shm"] {
        let path = data_dir.join(format!("{DATABASE_FILE}{suffix}"));
        if path.exists() {
            fs::create_dir_all(&aside).map_err(io_err(&aside))?;
            let kept = aside.join(format!("{DATABASE_FILE}{suffix}"));
            fs::rename(&path, &kept).map_err(io_err(&kept))?;
        }
    }
    fs::rename(&incoming, &target).map_err(io_err(&target))?;
    Ok(Restored { manifest, previous: aside.exists().then_some(aside) })
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// Where the database it replaced was moved.
    pub previous: Option<PathBuf>,
}
