//! Spotify for Artists exports into the warehouse.

mod common;

use chrono::NaiveDate;
use common::{Env, daily};
use engine::etl::{ImportOptions, Outcome};
use model::SourceId;

#[tokio::test]
async fn old_audience_timeline_loads_daily_facts_with_the_artist_from_the_name() {
    let env = Env::new().await;
    let report = env.import(&["spotify/4Z8W4fKeB5YxbusRsdQVPb-audience-timeline.csv"]).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Loaded, "{:?}", f.message);
    assert_eq!(f.source, Some(SourceId::Spotify.into()));
    assert_eq!(f.rows_read, 3);
    // one value per metric and day: 3 days × 3 metrics, minus the empty followers cell
    assert_eq!(f.rows_loaded, 8);
    let rows = daily(&env, "spotify").await;
    let artist = Some("4Z8W4fKeB5YxbusRsdQVPb".to_string());
    assert!(rows.contains(&(
        "streams".into(),
        artist.clone(),
        Some("spotify".into()),
        20250501,
        Some(1204),
        None
    )));
    assert!(rows.contains(&("followers".into(), artist.clone(), None, 20250502, Some(1502), None)));
    assert!(
        !rows.iter().any(|r| r.0 == "followers" && r.3 == 20250503),
        "an empty cell is not reported, not 0"
    );
}

#[tokio::test]
async fn newer_audience_timeline_reads_every_column_by_name() {
    let env = Env::new().await;
    let options = ImportOptions { artist: Some("Night Owls".into()), ..ImportOptions::default() };
    env.import_with(&["spotify/7abcNightOwls-audience-timeline.csv"], options).await;
    let rows = daily(&env, "spotify").await;
    let owls = Some("Night Owls".to_string());
    for (metric, day, value) in [
        ("monthly_listeners", 20250601, 12345),
        ("monthly_active_listeners", 20250601, 5000),
        ("playlist_adds", 20250601, 4),
        ("saves", 20250602, 9),
        ("streams", 20250602, 1750),
    ] {
        assert!(
            rows.iter().any(|r| r.0 == metric && r.1 == owls && r.3 == day && r.4 == Some(value)),
            "{metric} {day}"
        );
    }
    assert!(!rows.iter().any(|r| r.0 == "playlist_adds" && r.3 == 20250602));
}

#[tokio::test]
async fn a_newer_export_replaces_overlapping_days_and_keeps_the_others() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("abc-audience-timeline.csv");
    std::fs::write(&first, "date,listeners,streams,followers\n2025-01-01,1,10,100\n2025-01-02,2,20,101\n")
        .expect("w");
    let second = dir.path().join("abc-audience-timeline (1).csv");
    std::fs::write(&second, "date,listeners,streams,followers\n2025-01-02,3,25,102\n2025-01-03,4,30,103\n")
        .expect("w");
    env.import_paths(&[first], ImportOptions { artist: Some("abc".into()), ..ImportOptions::default() })
        .await;
    env.import_paths(&[second], ImportOptions { artist: Some("abc".into()), ..ImportOptions::default() })
        .await;
    let streams: Vec<(i64, Option<i64>)> =
        daily(&env, "spotify").await.into_iter().filter(|r| r.0 == "streams").map(|r| (r.3, r.4)).collect();
    assert_eq!(streams, [(20250101, Some(10)), (20250102, Some(25)), (20250103, Some(30))]);
}

#[tokio::test]
async fn songs_export_needs_its_export_date_and_keeps_the_window() {
    let env = Env::new().await;
    let report = env.import(&["spotify/4Z8W4fKeB5YxbusRsdQVPb-songs-1year.csv"]).await;
    assert_eq!(report.files[0].outcome, Outcome::Rejected);
    assert!(report.files[0].message.as_deref().unwrap_or_default().contains("--export-date"));

    let options =
        ImportOptions { export_date: NaiveDate::from_ymd_opt(2025, 6, 30), ..ImportOptions::default() };
    let report = env.import_with(&["spotify/4Z8W4fKeB5YxbusRsdQVPb-songs-1year.csv"], options).await;
    assert_eq!(report.files[0].outcome, Outcome::Loaded, "{:?}", report.files[0].message);
    let windows: Vec<(String, String, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT w.metric, e.name, w.first_day, w.last_day, w.value FROM window_facts w \
         JOIN entities e ON e.id = w.entity_id ORDER BY e.name, w.metric",
    )
    .fetch_all(env.db.pool())
    .await
    .expect("windows");
    assert!(windows.contains(&("streams".into(), "LUNA".into(), 20240701, 20250630, Some(4500))));
    assert!(windows.contains(&("saves".into(), "Hold On II".into(), 20240701, 20250630, Some(120))));
    assert_eq!(windows.len(), 6);
}

#[tokio::test]
async fn song_timeline_feeds_per_track_streams_not_the_totals() {
    let env = Env::new().await;
    let report = env.import(&["spotify/LUNA-timeline.csv"]).await;
    assert_eq!(report.files[0].outcome, Outcome::Loaded, "{:?}", report.files[0].message);
    let rows = daily(&env, "spotify").await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.0 == "track_streams" && r.2.as_deref() == Some("LUNA")));
}
