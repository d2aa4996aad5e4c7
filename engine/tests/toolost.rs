//! TooLost sales reports and portal analytics into the warehouse.

mod common;

use common::{Env, daily};
use engine::etl::{ImportOptions, Outcome};
use model::SourceId;

/// (store, artist, ISRC, sale month, sale date, reporting date, quantity, earnings, currency, line)
type LineRow = (String, Option<String>, Option<String>, i64, Option<i64>, i64, i64, String, String, i64);

async fn lines(env: &Env) -> Vec<LineRow> {
    sqlx::query_as(
        "SELECT s.name, a.name, t.isrc, l.sale_month, l.sale_date, l.reporting_date, l.quantity, l.earnings, \
         l.currency, l.line FROM statement_lines_readable l JOIN stores s ON s.id = l.store_id \
         LEFT JOIN artists a ON a.id = l.artist_id LEFT JOIN tracks t ON t.id = l.track_id \
         WHERE l.source = 'toolost' ORDER BY l.raw_file_id, l.line",
    )
    .fetch_all(env.db.pool())
    .await
    .expect("lines")
}

fn artist(name: &str) -> ImportOptions {
    ImportOptions { artist: Some(name.into()), ..ImportOptions::default() }
}

#[tokio::test]
async fn sales_report_loads_lines_in_their_own_currency() {
    let env = Env::new().await;
    let report = env.import_with(&["toolost/sales_report_by_track.csv"], artist("ZONE A0")).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Loaded, "{:?}", f.message);
    assert_eq!(f.source, Some(SourceId::Toolost.into()));
    assert_eq!((f.rows_read, f.rows_loaded, f.rows_skipped), (4, 4, 0));

    let zone = Some("ZONE A0".to_string());
    let luna = Some("QZTB92494812".to_string());
    assert_eq!(
        lines(&env).await,
        vec![
            (
                "Spotify".into(),
                zone.clone(),
                luna.clone(),
                202503,
                Some(20250314),
                20250515,
                1204,
                "3.7324".into(),
                "USD".into(),
                2
            ),
            (
                "Apple Music".into(),
                zone.clone(),
                luna.clone(),
                202503,
                Some(20250320),
                20250515,
                310,
                "1.922".into(),
                "EUR".into(),
                3
            ),
            // a correction: negative, and in pounds
            (
                "YouTube Music".into(),
                zone.clone(),
                Some("QZTAW2496366".into()),
                202502,
                Some(20250202),
                20250515,
                12,
                "-0.25".into(),
                "GBP".into(),
                4
            ),
            // the same transaction, another split: a line of its own
            (
                "Spotify".into(),
                zone.clone(),
                luna.clone(),
                202503,
                Some(20250314),
                20250515,
                1204,
                "1.8662".into(),
                "USD".into(),
                5
            ),
        ]
    );
    let extra: Vec<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT country, upc, team_percentage FROM statement_lines_readable WHERE source = 'toolost' ORDER BY line",
    )
    .fetch_all(env.db.pool())
    .await
    .expect("extra");
    assert_eq!(extra[1], (Some("DE".into()), Some("198891507125".into()), Some("100".into())));
    assert_eq!(extra[3].2.as_deref(), Some("50"));
}

#[tokio::test]
async fn a_redownloaded_report_adds_only_its_new_lines() {
    let env = Env::new().await;
    env.import(&["toolost/sales_report_by_track.csv"]).await;
    let before = lines(&env).await;

    // the same bytes again: nothing to do
    let again = env.import(&["toolost/sales_report_by_track.csv"]).await;
    assert_eq!(again.files[0].outcome, Outcome::AlreadyImported);
    assert_eq!(lines(&env).await, before);

    // a later download repeats the old lines (by transaction and split) and adds one
    let later = env.import(&["toolost/sales_report_by_track (1).csv"]).await;
    let f = &later.files[0];
    assert_eq!(f.outcome, Outcome::Loaded, "{:?}", f.message);
    assert_eq!((f.rows_read, f.rows_loaded, f.rows_skipped), (5, 1, 4));
    let after = lines(&env).await;
    assert_eq!(&after[..4], &before[..], "old lines keep their lineage");
    assert_eq!(after.len(), 5);
    assert_eq!((after[4].0.as_str(), after[4].7.as_str(), after[4].8.as_str()), ("Deezer", "0.14", "EUR"));
    // no artist column and none given: the lines are not attributed
    assert!(after.iter().all(|l| l.1.is_none()));
}

#[tokio::test]
async fn a_report_without_an_amount_column_is_refused_naming_its_columns() {
    let env = Env::new().await;
    let report = env.import(&["toolost/no_amount.csv"]).await;
    let f = &report.files[0];
    assert_eq!(f.source, Some(SourceId::Toolost.into()));
    assert_eq!(f.outcome, Outcome::Rejected);
    let message = f.message.clone().unwrap_or_default();
    assert!(message.contains("amount paid to you"), "{message}");
    assert!(
        message.contains("columns found: transaction_id, sale_date") && message.contains("gross_revenue"),
        "{message}"
    );
    assert!(lines(&env).await.is_empty());
}

#[tokio::test]
async fn bad_rows_are_quarantined_and_nothing_of_the_file_loads() {
    let env = Env::new().await;
    let report = env.import(&["toolost/bad_rows.csv"]).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    assert_eq!((f.rows_read, f.rows_rejected, f.rows_loaded), (3, 2, 0));
    let quarantined: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT line, column_name, reason, file_name FROM quarantine ORDER BY line")
            .fetch_all(env.db.pool())
            .await
            .expect("quarantine");
    assert_eq!(
        quarantined.iter().map(|q| (q.0, q.1.as_str(), q.3.as_str())).collect::<Vec<_>>(),
        [(3, "sale_date", "bad_rows.csv"), (4, "net_revenue", "bad_rows.csv")]
    );
    assert!(quarantined[0].2.contains("2025-02-30"), "{}", quarantined[0].2);
    assert!(lines(&env).await.is_empty());
}

#[tokio::test]
async fn portal_analytics_feed_daily_streams_per_platform() {
    let env = Env::new().await;
    let report = env
        .import_with(&["toolost/analytics_spotify.json", "toolost/analytics_apple.json"], artist("ZONE A0"))
        .await;
    for f in &report.files {
        assert_eq!(f.outcome, Outcome::Loaded, "{}: {:?}", f.name, f.message);
        assert_eq!(f.source, Some(SourceId::Toolost.into()));
    }
    let zone = Some("ZONE A0".to_string());
    let (spotify, apple) = (Some("spotify".to_string()), Some("apple".to_string()));
    // discovery and Shazam series are not streams
    assert_eq!(
        daily(&env, "toolost").await,
        vec![
            ("streams".into(), zone.clone(), apple.clone(), 20250406, Some(8), None),
            ("streams".into(), zone.clone(), apple.clone(), 20250407, Some(12), None),
            ("streams".into(), zone.clone(), spotify.clone(), 20250515, Some(1204), None),
            ("streams".into(), zone.clone(), spotify.clone(), 20250516, Some(987), None),
            ("streams".into(), zone.clone(), spotify.clone(), 20250517, Some(1095), None),
        ]
    );
}

#[tokio::test]
async fn a_bad_analytics_element_is_quarantined_by_position_and_field() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spotify.json");
    std::fs::write(
        &path,
        r#"{"streams":[{"date":"2025-05-17","streams":"1095"},{"date":"2025-05-16","streams":"many"}],"discovery":[]}"#,
    )
    .expect("write");
    let report = env.import_paths(&[path], ImportOptions::default()).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    assert_eq!((f.rows_read, f.rows_rejected), (2, 1));
    let quarantined: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT line, column_name, reason FROM quarantine")
            .fetch_all(env.db.pool())
            .await
            .expect("q");
    assert_eq!((quarantined[0].0, quarantined[0].1.as_str()), (2, "streams"));
    assert!(quarantined[0].2.contains("many"), "{}", quarantined[0].2);
    assert!(daily(&env, "toolost").await.is_empty());
}
