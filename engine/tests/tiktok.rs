//! TikTok Studio exports into the warehouse.

mod common;

use std::{io::Write, path::Path};

use chrono::NaiveDate;
use common::{Env, daily, fixture};
use engine::etl::{ImportOptions, Outcome};
use model::SourceId;

fn options(export_date: Option<(i32, u32, u32)>, artist: Option<&str>) -> ImportOptions {
    ImportOptions {
        export_date: export_date.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
        artist: artist.map(str::to_string),
        ..ImportOptions::default()
    }
}

/// A zip of `(name, bytes)` members, as TikTok Studio hands them out.
fn zip_of(path: &Path, members: &[(&str, Vec<u8>)]) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    for (name, bytes) in members {
        w.start_file(*name, zip::write::SimpleFileOptions::default()).expect("start");
        w.write_all(bytes).expect("write");
    }
    w.finish().expect("finish");
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("fixture")
}

/// (day, value) of the facts of one metric.
fn of(rows: &[common::DailyRow], metric: &str) -> Vec<(i64, Option<i64>)> {
    rows.iter().filter(|r| r.0 == metric).map(|r| (r.3, r.4)).collect()
}

#[tokio::test]
async fn overview_needs_an_export_date_and_rolls_the_year_back_at_new_year() {
    let env = Env::new().await;
    let report = env.import(&["tiktok/Overview.csv"]).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    assert_eq!(f.source, Some(SourceId::Tiktok.into()));
    let message = f.message.as_deref().unwrap_or_default();
    assert!(message.contains("no year") && message.contains("--export-date"), "{message}");
    assert!(daily(&env, "tiktok").await.is_empty());

    let report =
        env.import_with(&["tiktok/Overview.csv"], options(Some((2025, 1, 10)), Some("Night Owls"))).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Loaded, "{:?}", f.message);
    // 13 days × 5 figures, less the empty profile views of Dec 30
    assert_eq!((f.rows_read, f.rows_loaded), (13, 64));
    let rows = daily(&env, "tiktok").await;
    assert_eq!(rows.len(), 64);
    assert!(rows.iter().all(|r| r.1.as_deref() == Some("Night Owls") && r.2.is_none()));
    let views = of(&rows, "video_views");
    assert_eq!(views.first(), Some(&(20241228, Some(1204))));
    assert_eq!(views.get(3), Some(&(20241231, Some(12345))));
    assert_eq!(views.get(4), Some(&(20250101, Some(2200))));
    assert_eq!(views.last(), Some(&(20250109, Some(1500))));
    assert_eq!(views.len(), 13);
    assert!(rows.contains(&("likes".into(), Some("Night Owls".into()), None, 20241228, Some(2050), None)));
    assert!(rows.contains(&("shares".into(), Some("Night Owls".into()), None, 20241231, Some(17), None)));
    assert!(rows.contains(&("comments".into(), Some("Night Owls".into()), None, 20250109, Some(15), None)));
    let profile = of(&rows, "profile_views");
    assert!(profile.iter().all(|(day, _)| *day != 20241230), "an empty cell is not reported, not 0");
    assert_eq!(profile.len(), 12);
}

#[tokio::test]
async fn follower_history_keeps_the_snapshot_and_the_signed_difference() {
    let env = Env::new().await;
    let report =
        env.import_with(&["tiktok/FollowerHistory.csv"], options(Some((2025, 5, 30)), Some("zone.a0"))).await;
    assert_eq!(report.files[0].outcome, Outcome::Loaded, "{:?}", report.files[0].message);
    let rows = daily(&env, "tiktok").await;
    assert_eq!(
        of(&rows, "followers"),
        [(20250524, Some(10250)), (20250525, Some(10240)), (20250526, Some(10240)), (20250527, Some(10301))]
    );
    assert_eq!(
        of(&rows, "followers_gained"),
        [(20250524, Some(12)), (20250525, Some(-10)), (20250526, Some(0)), (20250527, Some(61))]
    );
}

#[tokio::test]
async fn the_zip_name_gives_export_date_and_account_and_every_member_loads() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Overview_2024-05-28_1748368733_zone.a0.zip");
    zip_of(
        &path,
        &[
            ("FollowerHistory.csv", read("tiktok/FollowerHistory.csv")),
            ("Viewers.csv", read("tiktok/Viewers.csv")),
        ],
    );
    let report = env.import_paths(&[path], ImportOptions::default()).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Loaded, "{:?}", f.message);
    assert_eq!(f.source, Some(SourceId::Tiktok.into()));
    // 4 days × 2 follower figures + 3 days of viewers (two cells empty on May 27)
    assert_eq!((f.rows_read, f.rows_loaded), (4 + 3, 8 + 7));

    let rows = daily(&env, "tiktok").await;
    assert!(rows.iter().all(|r| r.1.as_deref() == Some("zone.a0")), "the account is the artist");
    // Exported at 1748368733 = 2025-05-27 (UTC): the May rows are 2025's.
    assert_eq!(of(&rows, "followers").last(), Some(&(20250527, Some(10301))));
    assert_eq!(
        of(&rows, "viewers"),
        [(20250525, Some(3400)), (20250526, Some(3100)), (20250527, Some(2950))]
    );
    assert_eq!(of(&rows, "new_viewers"), [(20250525, Some(2900)), (20250526, Some(2600))]);
    assert_eq!(of(&rows, "returning_viewers"), [(20250525, Some(500)), (20250526, Some(500))]);

    let (export_date, artist): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT export_date, artist FROM raw_files")
            .fetch_one(env.db.pool())
            .await
            .expect("raw");
    assert_eq!((export_date.as_deref(), artist.as_deref()), (Some("2025-05-27"), Some("zone.a0")));
}

#[tokio::test]
async fn a_given_export_date_beats_the_name() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Viewers_2024-05-28_1748368733_zone.a0.zip");
    zip_of(&path, &[("Viewers.csv", read("tiktok/Viewers.csv"))]);
    // The name says exported 2025-05-27; the date given says a year later.
    let report = env.import_paths(&[path], options(Some((2026, 6, 1)), None)).await;
    assert_eq!(report.files[0].outcome, Outcome::Loaded, "{:?}", report.files[0].message);
    let rows = daily(&env, "tiktok").await;
    assert!(rows.iter().all(|r| r.1.as_deref() == Some("zone.a0")), "the name still gives the account");
    let viewers = of(&rows, "viewers");
    assert_eq!(viewers, [(20260525, Some(3400)), (20260526, Some(3100)), (20260527, Some(2950))]);
}

#[tokio::test]
async fn a_leap_day_lands_in_its_leap_year() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Overview.csv");
    std::fs::write(&path, "Date,Video Views\nFeb 28,10\nFeb 29,20\nMar 1,30\n").expect("write");
    let report = env.import_paths(std::slice::from_ref(&path), options(Some((2024, 3, 2)), None)).await;
    assert_eq!(report.files[0].outcome, Outcome::Loaded, "{:?}", report.files[0].message);
    assert_eq!(
        of(&daily(&env, "tiktok").await, "video_views"),
        [(20240228, Some(10)), (20240229, Some(20)), (20240301, Some(30))]
    );

    let env = Env::new().await;
    let report = env.import_paths(&[path], options(Some((2025, 3, 2)), None)).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    assert_eq!((f.quarantined[0].line, f.quarantined[0].column.as_deref()), (Some(3), Some("Date")));
}

#[tokio::test]
async fn a_bad_row_rejects_the_whole_file_and_is_quarantined() {
    let env = Env::new().await;
    let report = env.import_with(&["tiktok/bad_rows.csv"], options(Some((2025, 5, 10)), None)).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    assert_eq!(f.rows_rejected, 3);
    assert!(daily(&env, "tiktok").await.is_empty(), "nothing of a rejected file loads");
    let quarantined: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT line, column_name, reason FROM quarantine ORDER BY line")
            .fetch_all(env.db.pool())
            .await
            .expect("quarantine");
    let at: Vec<(i64, &str)> = quarantined.iter().map(|q| (q.0, q.1.as_str())).collect();
    assert_eq!(at, [(3, "Video Views"), (5, "Date"), (6, "Profile Views")]);
    assert!(quarantined[0].2.contains("12x"), "{}", quarantined[0].2);
    assert!(quarantined[1].2.contains("Mayy 4"), "{}", quarantined[1].2);
    assert!(quarantined[2].2.contains("negative"), "{}", quarantined[2].2);
}

#[tokio::test]
async fn rows_out_of_date_order_refuse_the_file() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Overview.csv");
    std::fs::write(
        &path,
        "Date,Video Views,Profile Views,Likes,Comments,Shares\nMay 3,1,1,1,1,1\nMay 2,2,2,2,2,2\nMay 1,3,3,3,3,3\n",
    )
    .expect("write");
    let report = env.import_paths(&[path], options(Some((2025, 5, 10)), None)).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    assert!(f.message.as_deref().unwrap_or_default().contains("not in date order"), "{:?}", f.message);
}

#[tokio::test]
async fn a_zip_with_a_stranger_inside_is_refused() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Overview_2024-05-28_1748368733_zone.a0.zip");
    let stranger = b"Date,Views,Clicks\n2025-05-26,11,13\n".to_vec();
    zip_of(&path, &[("Viewers.csv", read("tiktok/Viewers.csv")), ("insights.csv", stranger)]);
    let report = env.import_paths(&[path], ImportOptions::default()).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    assert!(f.message.as_deref().unwrap_or_default().contains("insights.csv"), "{:?}", f.message);
    assert!(daily(&env, "tiktok").await.is_empty());
}
