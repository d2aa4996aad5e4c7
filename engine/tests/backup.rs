//! A backup taken while files import restores to a warehouse whose KPIs match, and `etl rebuild`
//! on the restored copy gives them again.

mod common;

use std::path::Path;

use chrono::NaiveDate;
use common::Env;
use engine::{
    Database, backup, demo,
    etl::{Etl, Outcome, Quiet, Trigger},
    kpi::{KpiQuery, Period, json::to_json, report},
};

const TODAY: (i32, u32, u32) = (2026, 11, 26);

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).expect("date")
}

/// Every KPI of the demo's last year, as the JSON the command line prints.
async fn kpis(db: &Database) -> serde_json::Value {
    let query = KpiQuery {
        period: Period::new(today() - chrono::Duration::days(365), today()).expect("period"),
        artist: None,
        today: today(),
        sparklines: false,
        store: None,
        platform: None,
    };
    to_json(&report(db, &query).await.expect("report"))
}

async fn restored(backup_dir: &Path) -> (tempfile::TempDir, Database, Etl) {
    let dir = tempfile::tempdir().expect("tempdir");
    backup::restore(backup_dir, dir.path()).await.expect("restore");
    let db = Database::open(&dir.path().join("soundcheck.db")).await.expect("restored db");
    let etl = Etl::open(db.clone(), dir.path()).await.expect("etl");
    (dir, db, etl)
}

/// The restored copy's KPIs, checked against a rebuild of its own raw zone.
async fn kpis_before_and_after_rebuild(backup_dir: &Path) -> serde_json::Value {
    let (_dir, db, etl) = restored(backup_dir).await;
    let before = kpis(&db).await;
    let rebuilt = etl.rebuild(Trigger::Cli, &Quiet).await.expect("rebuild");
    assert_eq!(rebuilt.status, "succeeded");
    assert_eq!(kpis(&db).await, before, "etl rebuild on the restored copy gives other KPIs");
    before
}

#[tokio::test]
async fn a_backup_taken_during_an_import_restores_to_the_same_kpis() {
    let env = Env::new().await;
    let exports = tempfile::tempdir().expect("tempdir");
    let files = demo::write_exports(exports.path(), today()).expect("demo exports");
    let batch: Vec<_> = files.into_iter().map(|f| (f.path, f.options)).collect();
    let (first, second) = batch.split_at(batch.len() / 2);
    let report = env.etl.import_each(first, Trigger::Cli, None, &Quiet).await.expect("import");
    assert!(report.files.iter().all(|f| f.outcome == Outcome::Loaded), "{:?}", report.files);
    let half = kpis(&env.db).await;

    let during = tempfile::tempdir().expect("tempdir");
    let during_dest = during.path().join("b");
    let (imported, taken) = tokio::join!(
        env.etl.import_each(second, Trigger::Cli, None, &Quiet),
        backup::backup(&env.db, env.dir.path(), &during_dest)
    );
    let imported = imported.expect("import");
    assert!(imported.files.iter().all(|f| f.outcome == Outcome::Loaded), "{:?}", imported.files);
    let taken = taken.expect("backup during the import");
    assert!(taken.raw_files >= first.len() as u64, "{taken:?}");
    let full = kpis(&env.db).await;
    assert_ne!(half, full, "the second half changes the KPIs");

    // Taken mid-import, the copy holds some whole files: its own KPIs, which its raw rebuilds.
    let mid = kpis_before_and_after_rebuild(&during_dest).await;
    assert!(mid["kpis"]["revenue_usd"].is_string() || mid["kpis"]["revenue_usd"].is_null());

    // Taken after it, the copy gives exactly the warehouse's KPIs.
    let after = tempfile::tempdir().expect("tempdir");
    let quiet = backup::backup(&env.db, env.dir.path(), after.path()).await.expect("backup");
    assert_eq!(quiet.raw_files, batch.len() as u64);
    assert_eq!(kpis_before_and_after_rebuild(after.path()).await, full);

    let (when, detail) = backup::last_backup(&env.db).await.expect("audit").expect("recorded");
    assert!(!when.is_empty() && detail.contains(&after.path().display().to_string()), "{detail}");
}

#[tokio::test]
async fn a_backup_refuses_a_used_folder_and_restore_refuses_what_is_not_a_finished_backup() {
    let env = Env::new().await;
    env.import(&["distrokid/bank_details_layout_a.tsv"]).await;
    let dest = tempfile::tempdir().expect("tempdir");
    std::fs::write(dest.path().join("other.txt"), "x").expect("write");
    let err = backup::backup(&env.db, env.dir.path(), dest.path()).await.expect_err("not empty");
    assert!(err.to_string().contains("not empty"), "{err}");

    let target = tempfile::tempdir().expect("tempdir");
    let err = backup::restore(dest.path(), target.path()).await.expect_err("no database");
    assert!(err.to_string().contains("no soundcheck.db"), "{err}");

    // A raw file damaged in the backup is found before anything is replaced.
    let good = tempfile::tempdir().expect("tempdir");
    backup::backup(&env.db, env.dir.path(), good.path()).await.expect("backup");
    let raw = walk_files(&good.path().join("lake/raw"));
    assert_eq!(raw.len(), 1);
    let mut perms = std::fs::metadata(&raw[0]).expect("meta").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&raw[0], perms).expect("writable");
    std::fs::write(&raw[0], "tampered").expect("tamper");
    let err = backup::restore(good.path(), target.path()).await.expect_err("damaged");
    assert!(err.to_string().contains("does not match its SHA-256"), "{err}");
    assert!(!target.path().join("soundcheck.db").exists(), "nothing was replaced");
}

#[tokio::test]
async fn backups_carry_no_sessions() {
    let env = Env::new().await;
    sqlx::query("CREATE TABLE tower_sessions (id TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL, expiry_date INTEGER NOT NULL)")
        .execute(env.db.pool())
        .await
        .expect("table");
    sqlx::query("INSERT INTO tower_sessions VALUES ('secret-session-id', x'00', 0)")
        .execute(env.db.pool())
        .await
        .expect("session");
    let dest = tempfile::tempdir().expect("tempdir");
    backup::backup(&env.db, env.dir.path(), dest.path()).await.expect("backup");
    let bytes = std::fs::read(dest.path().join("soundcheck.db")).expect("read");
    let needle = b"secret-session-id";
    assert!(!bytes.windows(needle.len()).any(|w| w == needle), "the session id is in the backup");
}

fn walk_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(walk_files(&path)) } else { out.push(path) }
    }
    out
}
