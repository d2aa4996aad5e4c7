//! Helpers shared by the importer tests: a fresh database and lake, and queries on what landed.
#![allow(dead_code)]

pub mod api;

use std::path::{Path, PathBuf};

use engine::{
    Database,
    etl::{Etl, ImportOptions, Quiet, RunReport, Trigger},
};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: Database,
    pub etl: Etl,
}

impl Env {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Database::open(&dir.path().join("soundcheck.db")).await.expect("db");
        let etl = Etl::open(db.clone(), dir.path()).await.expect("etl");
        Self { dir, db, etl }
    }

    pub async fn import(&self, files: &[&str]) -> RunReport {
        self.import_with(files, ImportOptions::default()).await
    }

    pub async fn import_with(&self, files: &[&str], options: ImportOptions) -> RunReport {
        let paths: Vec<PathBuf> = files.iter().map(|f| fixture(f)).collect();
        self.import_paths(&paths, options).await
    }

    pub async fn import_paths(&self, paths: &[PathBuf], options: ImportOptions) -> RunReport {
        self.etl.import(paths, &options, Trigger::Cli, &Quiet).await.expect("import")
    }
}

/// (metric, artist, entity key, day, value, amount) of a source's daily facts, in key order.
pub type DailyRow = (String, Option<String>, Option<String>, i64, Option<i64>, Option<String>);

pub async fn daily(env: &Env, source: &str) -> Vec<DailyRow> {
    sqlx::query_as(
        "SELECT f.metric, a.name, e.key, f.day, f.value, f.amount FROM daily_facts f \
         LEFT JOIN artists a ON a.id = f.artist_id LEFT JOIN entities e ON e.id = f.entity_id \
         WHERE f.source = ? ORDER BY f.metric, f.day, e.key",
    )
    .bind(source)
    .fetch_all(env.db.pool())
    .await
    .expect("daily facts")
}
