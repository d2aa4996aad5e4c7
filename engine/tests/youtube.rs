//! YouTube Studio exports into the warehouse.

mod common;

use std::{io::Write, path::Path};

use common::{Env, daily, fixture};
use engine::etl::{ImportOptions, Outcome};
use model::SourceId;

/// (metric, video id, first day, last day, value, amount, currency) of YouTube window facts.
type WindowRow = (String, Option<String>, i64, i64, Option<i64>, Option<String>, Option<String>);

async fn windows(env: &Env) -> Vec<WindowRow> {
    sqlx::query_as(
        "SELECT w.metric, e.key, w.first_day, w.last_day, w.value, w.amount, w.currency FROM window_facts w \
         LEFT JOIN entities e ON e.id = w.entity_id WHERE w.source = 'youtube' ORDER BY e.key, w.metric",
    )
    .fetch_all(env.db.pool())
    .await
    .expect("window facts")
}

fn make_zip(path: &Path, folder: &str, files: &[&str]) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    for name in files {
        let bytes = std::fs::read(fixture(&format!("youtube/{name}"))).expect("fixture");
        let member = if name.starts_with("Table data") { "Table data.csv" } else { name };
        w.start_file(format!("{folder}/{member}"), zip::write::SimpleFileOptions::default()).expect("start");
        w.write_all(&bytes).expect("write");
    }
    w.finish().expect("finish");
}

#[tokio::test]
async fn table_by_date_loads_daily_channel_facts_without_the_total_row() {
    let env = Env::new().await;
    let report = env.import(&["youtube/Table data (by date).csv"]).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Loaded, "{:?}", f.message);
    assert_eq!(f.source, Some(SourceId::Youtube.into()));
    // 3 days × 8 additive metrics; the Total row and the ratios (CTR, RPM, average duration) are not stored
    assert_eq!((f.rows_read, f.rows_loaded), (3, 24));

    let rows = daily(&env, "youtube").await;
    let day = |metric: &str, day: i64| -> (Option<i64>, Option<String>) {
        let r = rows.iter().find(|r| r.0 == metric && r.3 == day).unwrap_or_else(|| panic!("{metric} {day}"));
        assert_eq!((r.1.as_deref(), r.2.as_deref()), (None, None), "a channel figure: no artist, no video");
        (r.4, r.5.clone())
    };
    assert_eq!(day("views", 20250303), (Some(1234), None));
    assert_eq!(day("views", 20250301), (Some(246), None));
    assert_eq!(day("watch_hours", 20250302), (None, Some("50.2500".into())));
    assert_eq!(day("subscribers_gained", 20250303), (Some(5), None));
    assert_eq!(day("subscribers_lost", 20250302), (Some(2), None));
    assert_eq!(day("subscribers_net", 20250301), (Some(3), None));
    assert_eq!(day("impressions", 20250303), (Some(20000), None));
    assert_eq!(day("likes", 20250302), (Some(50), None));
    assert_eq!(day("estimated_revenue", 20250302), (None, Some("2.623".into())));
    let metrics: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(metrics.len(), 8, "{metrics:?}");
    assert!(rows.iter().all(|r| [20250301, 20250302, 20250303].contains(&r.3)), "no Total row");

    let currencies: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT DISTINCT metric, currency FROM daily_facts WHERE amount IS NOT NULL ORDER BY metric",
    )
    .fetch_all(env.db.pool())
    .await
    .expect("currencies");
    assert_eq!(
        currencies,
        [("estimated_revenue".to_string(), Some("USD".to_string())), ("watch_hours".to_string(), None)]
    );
}

#[tokio::test]
async fn table_by_content_needs_its_window_and_keeps_additive_totals_per_video() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let unnamed = dir.path().join("Table data.csv");
    std::fs::copy(fixture("youtube/Table data 2025-01-01_2025-03-31.csv"), &unnamed).expect("copy");
    let report = env.import_paths(&[unnamed], ImportOptions::default()).await;
    assert_eq!(report.files[0].outcome, Outcome::Rejected);
    let message = report.files[0].message.clone().unwrap_or_default();
    assert!(message.contains("YYYY-MM-DD_YYYY-MM-DD"), "{message}");

    let options = ImportOptions { artist: Some("ZONE A0".into()), ..ImportOptions::default() };
    let report = env.import_with(&["youtube/Table data 2025-01-01_2025-03-31.csv"], options).await;
    assert_eq!(report.files[0].outcome, Outcome::Loaded, "{:?}", report.files[0].message);
    let luna = Some("dQw4w9WgXcQ".to_string());
    let hold = Some("aBcDeFgHiJk".to_string());
    let (first, last) = (20250101, 20250331);
    let usd = Some("USD".to_string());
    assert_eq!(
        windows(&env).await,
        vec![
            ("comments".into(), hold.clone(), first, last, Some(7), None, None),
            ("estimated_revenue".into(), hold.clone(), first, last, None, Some("6.413".into()), usd.clone()),
            ("impressions".into(), hold.clone(), first, last, Some(60987), None, None),
            ("likes".into(), hold.clone(), first, last, Some(103), None, None),
            ("shares".into(), hold.clone(), first, last, Some(20), None, None),
            ("subscribers_net".into(), hold.clone(), first, last, Some(6), None, None),
            ("views".into(), hold.clone(), first, last, Some(3233), None, None),
            ("watch_hours".into(), hold.clone(), first, last, None, Some("162.3333".into()), None),
            ("comments".into(), luna.clone(), first, last, Some(50), None, None),
            ("estimated_revenue".into(), luna.clone(), first, last, None, Some("25.002".into()), usd.clone()),
            ("impressions".into(), luna.clone(), first, last, Some(150000), None, None),
            ("likes".into(), luna.clone(), first, last, Some(800), None, None),
            ("shares".into(), luna.clone(), first, last, Some(100), None, None),
            ("subscribers_net".into(), luna.clone(), first, last, Some(35), None, None),
            ("views".into(), luna.clone(), first, last, Some(12001), None, None),
            ("watch_hours".into(), luna.clone(), first, last, None, Some("650.1234".into()), None),
        ]
    );
    // the leading space of the id is gone, the title names the video, the artist is the one given
    let videos: Vec<(String, String, String)> =
        sqlx::query_as("SELECT key, name, kind FROM entities WHERE source = 'youtube' ORDER BY key")
            .fetch_all(env.db.pool())
            .await
            .expect("videos");
    assert_eq!(
        videos,
        [
            ("aBcDeFgHiJk".into(), "HOLD ON II, Visualizer".into(), "video".into()),
            ("dQw4w9WgXcQ".into(), "LUNA (Official Video)".into(), "video".into())
        ]
    );
    let artists: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT a.name FROM window_facts w JOIN artists a ON a.id = w.artist_id")
            .fetch_all(env.db.pool())
            .await
            .expect("artists");
    assert_eq!(artists, ["ZONE A0"]);
}

#[tokio::test]
async fn the_zip_loads_every_csv_inside() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let name = "Content 2025-01-01_2025-03-31 Zone A0";
    let path = dir.path().join(format!("{name}.zip"));
    make_zip(&path, name, &["Table data 2025-01-01_2025-03-31.csv", "Chart data.csv", "Totals.csv"]);
    let report = env.import_paths(&[path], ImportOptions::default()).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Loaded, "{:?}", f.message);
    assert_eq!(f.source, Some(SourceId::Youtube.into()));

    // Table data: per-video totals over the window the zip's name gives
    let w = windows(&env).await;
    assert_eq!(w.len(), 16);
    assert!(w.contains(&(
        "views".into(),
        Some("dQw4w9WgXcQ".into()),
        20250101,
        20250331,
        Some(12001),
        None,
        None
    )));
    // Chart data: daily views per video; Totals: the channel's daily views
    assert_eq!(
        daily(&env, "youtube").await,
        vec![
            ("views".into(), None, None, 20250301, Some(1246), None),
            ("views".into(), None, Some("aBcDeFgHiJk".into()), 20250301, Some(1126), None),
            ("views".into(), None, Some("dQw4w9WgXcQ".into()), 20250301, Some(120), None),
            ("views".into(), None, None, 20250302, Some(98), None),
            ("views".into(), None, Some("dQw4w9WgXcQ".into()), 20250302, Some(98), None),
        ]
    );
}

#[tokio::test]
async fn a_bad_cell_rejects_the_file_and_is_quarantined() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Totals.csv");
    std::fs::write(&path, "Date,Views\n2025-03-02,98\n2025-03-01,lots\n").expect("write");
    let report = env.import_paths(&[path], ImportOptions::default()).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    assert_eq!((f.rows_read, f.rows_rejected), (2, 1));
    let quarantined: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT line, column_name, reason FROM quarantine")
            .fetch_all(env.db.pool())
            .await
            .expect("q");
    assert_eq!(quarantined.len(), 1);
    assert_eq!((quarantined[0].0, quarantined[0].1.as_str()), (3, "Views"));
    assert!(quarantined[0].2.contains("lots"), "{:?}", quarantined[0]);
    assert!(daily(&env, "youtube").await.is_empty());
}

#[tokio::test]
async fn other_dimensions_are_refused_with_the_ones_that_work() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Table data.csv");
    std::fs::write(&path, "Geography,Views,Watch time (hours)\nTotal,5,1.0\nUS,5,1.0\n").expect("write");
    let report = env.import_paths(&[path], ImportOptions::default()).await;
    assert_eq!(report.files[0].outcome, Outcome::Rejected);
    let message = report.files[0].message.clone().unwrap_or_default();
    assert!(message.contains("Geography") && message.contains("Date or by Content"), "{message}");
}
